"""The SDK's own CLI commands, one module per concern, each exposing ``COMMANDS`` (a list of
click commands).

A command's module is imported only when that command runs (or its own help is shown):
``cadre publish`` does not pay for the loader, the engines or the calendar. ``cadre --help``
lists every command from ``COMMAND_TABLE`` without importing any of them; a test checks the
table against the commands themselves. A module that cannot be imported is an ImportError when
its command is asked for, never a silently missing command."""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import click

#: Every SDK command, in the order it used to be added: its name, the module of this package
#: that defines it, and the first paragraph of its help with whitespace collapsed (all that
#: click reads to make the command's line in ``cadre --help``).
COMMAND_TABLE: tuple[tuple[str, str, str], ...] = (
    ("init", "data",
     "Create (or bring up to date) the database DB with the province's divisions."),
    ("load", "data",
     "Load clerks' FILES (CSV/TSV in UTF-8, GBK or Big5, .xlsx, JSON, NDJSON) of one KIND into DB."),
    ("kinds", "data",
     "List record kinds, or one KIND's columns with their Chinese headers and aliases."),
    ("plugins", "rules",
     "List plugins: name, version, jurisdiction, source and the hooks each implements."),
    ("rules", "rules",
     "Inspect the registered rules. 查看已注册的规则。"),
    ("schemas", "schemas",
     "JSON Schemas (Draft 2020-12) of every record kind."),
    ("evaluate", "evaluate",
     "Evaluate the rules of every engine over DB, in one transaction."),
    ("explain", "evaluate",
     "Print the explanation of one computed figure: its inputs, the rules and plugins applied, "
     "the dated parameters with their sources, and the steps."),
    ("publish", "publish",
     "Build the publication OUT (a new SQLite file) from the store DB, for one access level."),
    ("serve", "publish",
     "Serve the publication OUT read-only with Datasette (immutable, Chinese labels, charts)."),
    ("scan", "publish",
     "Scan the public publication OUT for personal data, against the store DB it came from."),
    ("demo", "demo",
     "Generate a synthetic Qinghai dataset as the files clerks would have (CSV with Chinese "
     "headers, some GBK-encoded, and an Excel workbook), then run the pipeline on it: init, "
     "load every kind, evaluate, publish the public and oversight levels, and serve."),
    ("plugin", "scaffold",
     "Tools for plugin authors. 插件开发工具。"),
    ("verify", "verify",
     "Verify the audit trail of case events in DB: recompute every event's hash from its "
     "content and the previous hash, and report any event changed, removed or reordered since "
     "it was loaded. A correction (更正) is an event like any other: it is chained and "
     "verified, and the event it corrects keeps its own link. Works on any SQLite file holding "
     "case_event and event_chain (read-only). "
     "Exit status 1 if anything is wrong. The hash recipe is documented in "
     "cadre_sdk/engines/cases/audit.py."),
    ("calendar", "calendar",
     "The working-day calendar: which years' holiday schedules are known, where each comes "
     "from (the chinesecalendar package, a plugin, or a file added to the store), and the "
     "first year that is missing. Without a subcommand: ``list`` without a store."),
    ("parameters", "parameters",
     "Yearly parameter values (subsidy tiers, allowance amounts, other dated rates) added to a "
     "store as data, over the values the plugins supply. Format: docs/parameters.md."),
)

#: Modules holding commands, in the order their commands are added.
MODULES: tuple[str, ...] = tuple(dict.fromkeys(module for _, module, _ in COMMAND_TABLE))


def command_module(name: str) -> ModuleType:
    """The module ``name`` of this package (imported now if it was not)."""
    return importlib.import_module(f"{__name__}.{name}")


def all_commands() -> list[click.Command]:
    """Every command of the SDK's own modules (imports all of them)."""
    return [command for module in MODULES for command in command_module(module).COMMANDS]


class LazyGroup(click.Group):
    """A click group whose SDK commands (``lazy``: name -> (module, first help paragraph)) are
    imported when one is asked for; commands added the ordinary way (plugins') are kept as
    click keeps them. A lazy name leaves ``lazy`` once its module is imported."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = dict(lazy)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, help_text = self.lazy[cmd_name]
            if self._listing:  # the line in `cadre --help`: click reads nothing else
                return click.Command(cmd_name, help=help_text)
            self._import(module)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            # click suggests from the commands it holds: suggest from every name, as before
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def _import(self, module: str) -> None:
        for command in command_module(module).COMMANDS:
            if self.lazy.get(command.name or "", ("",))[0] == module:
                del self.lazy[command.name or ""]
                self.commands.setdefault(command.name or "", command)
