"""The Datasette plugin's per-cell work: a plain cell is left to Datasette before anything is
looked up, and cadre-sdk's settings are read once per Datasette (Datasette copies the whole
settings on every ``plugin_config`` call) and again only when its metadata is replaced."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cadre_sdk.publish import datasette_plugin
from cadre_sdk.publish.app import make_datasette


class Untouchable:
    """A Datasette stand-in that fails on any use."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"render_cell used datasette.{name} for a plain cell")


def test_a_plain_cell_is_left_to_datasette_at_once() -> None:
    for column, table in (("年度", None), ("name", "unit"), ("text", "scorecard")):
        assert datasette_plugin.render_cell(row=None, value="2024", column=column, table=table,
                                            database="public", datasette=Untouchable()) is None


def test_settings_are_read_once_until_the_metadata_is_replaced(public_db: Path) -> None:
    ds = make_datasette(public_db)
    reads: list[str] = []
    plugin_config = ds.plugin_config

    def counted(name: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(name)
        return plugin_config(name, *args, **kwargs)
    ds.plugin_config = counted
    datasette_plugin._CONFIGS.pop(ds, None)   # whatever start-up read
    first = datasette_plugin._config(ds)
    assert first["database"] == "public" and first["level"] == "public"
    for _ in range(100):
        assert datasette_plugin._config(ds) is first
    assert reads == ["cadre-sdk"]
    ds._metadata_local = {**ds._metadata_local, "plugins": {}}   # not ours any more
    assert datasette_plugin._config(ds) is None
    assert reads == ["cadre-sdk", "cadre-sdk"]
    link = datasette_plugin.render_cell(row=None, value="scorecard:region:630000:2024",
                                        column="说明编号", table=None, database="public",
                                        datasette=ds)
    assert link is None     # a Datasette that is not ours gets no links
