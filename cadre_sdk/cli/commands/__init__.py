"""The SDK's own CLI commands, one module per concern, each exposing ``COMMANDS`` (a list of
click commands). The modules are imported by name: a missing one is an ImportError, never a
silently missing command."""
from __future__ import annotations

import click

from cadre_sdk.cli.commands import (
    calendar, data, demo, evaluate, publish, rules, scaffold, schemas, verify,
)

#: Modules holding commands, in the order their commands are added.
MODULES = (data, rules, schemas, evaluate, publish, demo, scaffold, verify, calendar)


def all_commands() -> list[click.Command]:
    """Every command of the SDK's own modules."""
    return [command for module in MODULES for command in module.COMMANDS]
