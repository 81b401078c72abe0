"""The CLI reference (docs/cli.md), generated from the commands' own help texts.

Regenerate with ``python -m cadre_sdk.cli.clidoc > docs/cli.md``; a test fails when it drifts.
"""
from __future__ import annotations

import click

from cadre_sdk.cli.app import build_cli
from cadre_sdk.plugin_host.discovery import get_plugin_manager


def _walk(command: click.Command, ctx: click.Context) -> list[click.Context]:
    # Each context has its parent, as in a real invocation, so that settings such as the help
    # option names (-h, --help) are inherited exactly as users see them.
    out = [ctx]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            out += _walk(sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True))
    return out


def render() -> str:
    """Markdown: one section per command with its ``--help`` output."""
    cli = build_cli(get_plugin_manager(entry_points=False, plugins_dir=""))
    parts = ["# `cadre` command reference\n",
             "Generated from the commands' own help by `python -m cadre_sdk.cli.clidoc`; "
             "installed plugins may add commands of their own.\n"]
    for ctx in _walk(cli, cli.make_context("cadre", [], resilient_parsing=True)):
        parts.append(f"## {ctx.command_path}\n\n```\n{ctx.command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    import os

    os.environ["COLUMNS"] = "100"
    print(render(), end="")
