"""The SDK's own CLI commands, one module per concern."""
from __future__ import annotations

import importlib

import click

#: Modules holding commands, each exposing ``COMMANDS`` (a list of click commands).
MODULES = ("data", "rules", "schemas", "evaluate", "publish", "demo", "scaffold", "verify",
           "calendar")


def all_commands() -> list[click.Command]:
    out: list[click.Command] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"cadre_sdk.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cadre_sdk.commands.{name}":
                raise
            continue
        out.extend(module.COMMANDS)
    return out
