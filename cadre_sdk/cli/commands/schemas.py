"""``cadre schemas``: export the JSON Schemas generated from the record classes."""
from __future__ import annotations

from pathlib import Path

import click

from cadre_sdk.records import schemas as schema_mod


@click.group()
def schemas() -> None:
    """JSON Schemas (Draft 2020-12) of every record kind."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> None:
    """Write <kind>.schema.json for every record kind into DIRECTORY."""
    for path in schema_mod.export(directory):
        click.echo(str(path))


COMMANDS = [schemas]
