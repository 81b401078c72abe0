"""The CLI reference (docs/cli.md), generated from the commands' own help texts.

Regenerate with ``python -m cadre_sdk.clidoc > docs/cli.md``; a test fails when it drifts.
"""
from __future__ import annotations

import click

from .cli import build_cli
from .plugins import get_plugin_manager


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            out += _walk(command.commands[name], [*path, name])
    return out


def render() -> str:
    """Markdown: one section per command with its ``--help`` output."""
    cli = build_cli(get_plugin_manager(entry_points=False, plugins_dir=""))
    parts = ["# `cadre` command reference\n",
             "Generated from the commands' own help by `python -m cadre_sdk.clidoc`; "
             "installed plugins may add commands of their own.\n"]
    for path, command in _walk(cli, ["cadre"]):
        with click.Context(command, info_name=" ".join(path)) as ctx:
            text = command.get_help(ctx)
        parts.append(f"## {' '.join(path)}\n\n```\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    import os

    os.environ["COLUMNS"] = "100"
    print(render(), end="")
