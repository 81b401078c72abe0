"""The ``cadre`` command line. Built by ``build_cli`` from a plugin manager (no CLI is
assembled at import time), so plugins can add commands through ``register_commands``."""
from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from cadre_sdk import __version__
from cadre_sdk.cli.commands import COMMAND_TABLE, LazyGroup, all_commands
from cadre_sdk.cli.commands.env import Env, pass_env  # noqa: F401  (Env and pass_env used to live here)
from cadre_sdk.core.errors import CadreError, DataError, PluginError
from cadre_sdk.plugin_host.discovery import PLUGINS_DIR_ENV, CadrePlugins, get_plugin_manager
from cadre_sdk.plugin_host.watchdog import call_impl
from cadre_sdk.core.tracebacks import DEBUG_ENV, debug_requested, where_defined




def _db_path(create: bool = False) -> Any:
    return click.Path(dir_okay=False, path_type=Path, exists=not create)


def build_cli(plugins: CadrePlugins, *, keep_going: bool = False) -> click.Group:
    """The root command group, with the core commands (each module imported when one of its
    commands runs) and every plugin's commands.

    A plugin whose ``register_commands`` raises or takes a name already used is a
    ``PluginError``; with ``keep_going`` (the ``cadre`` command) its commands are left out and
    the plugin is kept as failed to load (``CadrePlugins.mark_broken``), so that the other
    commands still run and ``cadre plugins`` lists it."""

    @click.group(cls=LazyGroup, lazy={name: (module, text) for name, module, text in COMMAND_TABLE},
                 context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="cadre")
    @click.option("--plugins-dir", type=click.Path(file_okay=False), envvar=PLUGINS_DIR_ENV,
                  help=f"Folder of plugin modules (also ${PLUGINS_DIR_ENV}).")
    @click.option("--debug", is_flag=True, envvar=DEBUG_ENV,
                  help=f"On an error, also print its Python traceback (also {DEBUG_ENV}=1).")
    @click.pass_context
    def cli(ctx: click.Context, plugins_dir: str | None, debug: bool) -> None:
        """cadre-sdk: load clerks' files, evaluate local rules, publish for oversight.

        干部激励制度数据工具：导入台账、按地方规则测算、发布只读查询。
        """
        ctx.obj = Env(lambda: plugins)

    assert isinstance(cli, LazyGroup)
    for impl in plugins.pm.hook.register_commands.get_hookimpls():
        before = dict(cli.commands)
        try:
            call_impl(impl, "register_commands", cli=cli)
            clash = sorted({n for n, c in before.items() if cli.commands.get(n) is not c}
                           | (cli.commands.keys() & cli.lazy.keys()))
            if clash:
                raise PluginError(impl.plugin_name, "register_commands",
                                  f"replaced the command(s) {clash}{where_defined(impl.function)}",
                                  "choose another name.")
        except PluginError as error:
            if not keep_going:
                raise
            cli.commands.clear()
            cli.commands.update(before)
            plugins.mark_broken(impl.plugin_name, error)
    return cli


def core_commands() -> list[click.Command]:
    """The SDK's own commands (``cadre_sdk.cli.commands``)."""
    return all_commands()


def _plugins_dir_from_argv(argv: list[str]) -> str | None:
    # The plugin manager must exist before click parses (plugins add commands), so the one
    # option that shapes it is read ahead of click; click parses it again for --help.
    for i, arg in enumerate(argv):
        if arg == "--plugins-dir" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--plugins-dir="):
            return arg.split("=", 1)[1]
    return None


def usage_in_chinese(exc: click.UsageError) -> str:
    """A Chinese line under click's own (English) usage error: what is wrong, for the common
    cases, and where the command's Chinese help is."""
    command = exc.ctx.command_path if exc.ctx is not None else "cadre"
    param = getattr(exc, "param", None)
    name = (param.opts[0] if isinstance(param, click.Option) else param.human_readable_name) \
        if param is not None else ""
    if isinstance(exc, click.MissingParameter) and param is not None:
        kind = "选项" if isinstance(param, click.Option) else "参数"
        what = f"缺少{kind} {name}。"
    elif isinstance(exc, click.NoSuchOption):
        near = f"（是否是 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        what = f"没有选项 {exc.option_name}{near}。"
    elif isinstance(exc, click.BadParameter) and param is not None:
        what = f"{name} 的取值有误。"
    elif "No such command" in exc.message:
        what = "没有这个命令。"
    else:
        what = "命令的写法有误。"
    return f"用法有误：{what}用法见 {command} --help。"


def main(argv: list[str] | None = None) -> None:
    """Console entry point: build plugins and the CLI, run it, turn errors into messages."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # A plugin that fails to load is left out and kept in ``plugins.broken``: --help,
        # --version, `plugins` and `rules` still work and report it; the rest refuse to run.
        plugins = get_plugin_manager(plugins_dir=_plugins_dir_from_argv(argv), keep_going=True)
        cli = build_cli(plugins, keep_going=True)
        cli.main(args=argv, prog_name="cadre", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        if isinstance(exc, click.UsageError):
            click.echo(usage_in_chinese(exc), err=True)
        sys.exit(exc.exit_code)
    except DataError as exc:
        click.echo(exc.report(limit=200), err=True)
        sys.exit(exc.exit_code)
    except CadreError as exc:
        if debug_requested(argv):
            traceback.print_exception(exc)  # --debug / CADRE_DEBUG=1, for plugin authors
        click.echo(f"错误：{exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        from cadre_sdk.store.database import store_error

        known = store_error(exc, exc.filename or "", "操作")
        click.echo(f"错误：{known}" if known else
                   f"错误：{exc.strerror or exc}（{exc.filename or ''}）。数据未作任何改动。", err=True)
        sys.exit(1)
