"""Test helpers for plugin authors: ``make_db``, ``make_plugins``, ``write_csv``, ``load_rows``,
``evaluate_all``. Importable without pytest (benchmarks and scripts use them too).

The pytest fixtures built on them (``cadre_db``, ``cadre_plugins``, ``cadre_load``,
``cadre_evaluate``) and the ``*.cases.yaml`` collector are in ``cadre_sdk.testing_fixtures``,
registered as the ``cadre_sdk`` pytest11 plugin, so they are available in any project that
installs cadre-sdk; that module's docstring describes each fixture.
"""
from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from cadre_sdk.defaults import DATA
from cadre_sdk.engines.registry import AFTER_LOAD
from cadre_sdk.ingest.loader import LoadResult, load_files
from cadre_sdk.plugin_host.discovery import CadrePlugins, get_plugin_manager
from cadre_sdk.store.database import migrate, open_db

#: ``pytest -p cadre_sdk.testing`` (as the docs said before the fixtures moved) still brings the
#: fixtures: pytest loads the plugins a plugin module names here. Importing this module does not
#: import pytest.
pytest_plugins = ("cadre_sdk.testing_fixtures",)


def make_db(path: str | Path, plugins: CadrePlugins | None = None) -> sqlite_utils.Database:
    """A migrated store at ``path`` holding the province's divisions."""
    db = open_db(path, create=True)
    migrate(db)
    load_files(db, "region", [DATA / "divisions.csv"], plugins=plugins)
    return db


def make_plugins(*plugins: Any, entry_points: bool = False, defaults: bool = True
                 ) -> CadrePlugins:
    """A plugin manager with the defaults and ``plugins``; installed packages only if asked."""
    return get_plugin_manager(plugins=plugins, entry_points=entry_points, defaults=defaults,
                              plugins_dir="")


def write_csv(path: str | Path, rows: Iterable[dict[str, Any]], encoding: str = "utf-8") -> Path:
    """Write dict rows as a CSV file (the header: every key, in order of first appearance;
    a row without a key leaves that cell empty)."""
    rows = list(rows)
    path = Path(path)
    with open(path, "w", encoding=encoding, newline="") as fh:
        names = list(dict.fromkeys(k for row in rows for k in row))
        writer = csv.DictWriter(fh, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def load_rows(db: sqlite_utils.Database, kind: str, rows: Iterable[dict[str, Any]] | str | Path,
              plugins: CadrePlugins | None = None, tmp: str | Path | None = None) -> LoadResult:
    """Load rows (or a file) of ``kind`` through the real pipeline, with the engines'
    after-load callbacks (as ``cadre load`` does)."""
    if isinstance(rows, (str, Path)):
        path = Path(rows)
    else:
        folder = Path(tmp) if tmp else Path(db.conn.execute("PRAGMA database_list")
                                            .fetchone()[2]).parent
        path = write_csv(folder / f"_{kind}_{id(rows)}.csv", rows)
    return load_files(db, kind, [path], plugins=plugins or make_plugins(),
                      after_load=AFTER_LOAD)


def evaluate_all(db: sqlite_utils.Database, plugins: CadrePlugins, *,
                 as_of: datetime.date | str, **options: Any) -> dict[str, Any]:
    """Run every engine, as ``cadre evaluate`` does, as of ``as_of`` (always given: a test
    must not depend on the day it runs). The store is not compacted afterwards unless
    ``compact=True`` is given (results are the same either way)."""
    from cadre_sdk.engines.evaluate import evaluate

    return evaluate(db, plugins, as_of=as_of, **{"compact": False, **options})
