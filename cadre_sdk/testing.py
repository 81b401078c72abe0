"""Test helpers and pytest fixtures for plugin authors (registered as the ``cadre_sdk``
pytest11 plugin, so they are available in any project that installs cadre-sdk).

Fixtures:
- ``cadre_db``: a fresh store in a temporary folder, migrated, with the province's divisions.
- ``cadre_plugins``: a factory ``cadre_plugins(*plugins, entry_points=False)`` building a plugin
  manager with the built-in defaults plus the given plugins (modules or objects), for one test.
- ``cadre_load``: ``cadre_load(db, kind, rows_or_path, plugins=None)`` writes rows (a list of
  dicts with English or Chinese headers) to a CSV file and loads it through the real pipeline.
- ``cadre_evaluate``: ``cadre_evaluate(db, plugins, as_of=...)`` runs every engine as
  ``cadre evaluate`` does, on the evaluation date given (a test never depends on today).
"""
from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from .defaults import DATA
from .loader import LoadResult, load_files
from .plugins import CadrePlugins, get_plugin_manager
from .store import migrate, open_db


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
    """Load rows (or a file) of ``kind`` through the real pipeline."""
    if isinstance(rows, (str, Path)):
        path = Path(rows)
    else:
        folder = Path(tmp) if tmp else Path(db.conn.execute("PRAGMA database_list")
                                            .fetchone()[2]).parent
        path = write_csv(folder / f"_{kind}_{id(rows)}.csv", rows)
    return load_files(db, kind, [path], plugins=plugins or make_plugins())


def evaluate_all(db: sqlite_utils.Database, plugins: CadrePlugins, *,
                 as_of: datetime.date | str, **options: Any) -> dict[str, Any]:
    """Run every engine, as ``cadre evaluate`` does, as of ``as_of`` (always given: a test
    must not depend on the day it runs)."""
    from .evaluate import evaluate

    return evaluate(db, plugins, as_of=as_of, **options)


@pytest.fixture
def cadre_db(tmp_path: Path) -> sqlite_utils.Database:
    """A fresh migrated store with the province's divisions."""
    return make_db(tmp_path / "cadre.db")


@pytest.fixture
def cadre_plugins() -> Any:
    """Factory: ``cadre_plugins(*plugins)`` -> a plugin manager for one test."""
    return make_plugins


@pytest.fixture
def cadre_load(tmp_path: Path) -> Any:
    """Factory: ``cadre_load(db, kind, rows, plugins=None)`` loads through the real pipeline."""
    def load(db: sqlite_utils.Database, kind: str, rows: Any, plugins: Any = None) -> LoadResult:
        return load_rows(db, kind, rows, plugins=plugins, tmp=tmp_path)
    return load


@pytest.fixture
def cadre_evaluate() -> Any:
    """Factory: ``cadre_evaluate(db, plugins, as_of=...)`` runs every engine."""
    return evaluate_all


# ---------------------------------------------------------------------------------------------
# Readable case files: ``*.cases.yaml`` files are collected as tests (OpenFisca's YAML tests in
# our shape). Each case loads records through the real loader, evaluates with the named plugin
# registered, and compares the rows it names, column by column.
#
#   plugin: cadre_haixi.plugin          # module (or module:object) registered for every case
#                                       # (optional; a list registers several)
#   cases:
#     - name: 格尔木市乡镇补贴，2024年3月
#       records:                        # kind -> rows (English or Chinese headers)
#         unit: [{单位代码: U1, ...}]
#       expect:                         # table -> rows; each row is matched on every column given
#         subsidy_ledger:
#           - {cadre_id: C1, month: "2024-03", scheme: 乡镇工作岗位补助, amount: 560}
#       absent:                         # table -> rows that must not exist
#         subsidy_ledger: [{cadre_id: C2}]
# ---------------------------------------------------------------------------------------------


def pytest_collect_file(parent: Any, file_path: Path) -> Any:
    if file_path.name.endswith(".cases.yaml"):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A YAML file of cases."""

    def collect(self) -> Any:
        import importlib

        import yaml

        doc = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        modules = doc.get("plugin") or []
        modules = [modules] if isinstance(modules, str) else modules
        plugins = []
        for spec in modules:  # "package.module" or "package.module:attribute"
            module, _, attribute = spec.partition(":")
            plugin = importlib.import_module(module)
            plugins.append(getattr(plugin, attribute) if attribute else plugin)
        for n, case in enumerate(doc.get("cases") or [], 1):
            yield CaseItem.from_parent(self, name=str(case.get("name", f"case {n}")),
                                       case=case, plugins=plugins)


class CaseItem(pytest.Item):
    """One case: load, evaluate, compare."""

    def __init__(self, *, case: dict[str, Any], plugins: list[Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.case, self.plugins = case, plugins

    def runtest(self) -> None:
        import tempfile

        from .records import RECORD_TYPES

        with tempfile.TemporaryDirectory() as tmp:
            pm = make_plugins(*self.plugins)
            db = make_db(Path(tmp) / "case.db", pm)
            records = self.case.get("records") or {}
            unknown = set(records) - set(RECORD_TYPES)
            if unknown:
                raise CaseFailure(f"unknown record kinds {sorted(unknown)}")
            for kind in RECORD_TYPES:  # reference order
                if records.get(kind):
                    load_rows(db, kind, records[kind], plugins=pm, tmp=tmp)
            options = dict(self.case.get("evaluate") or {})
            if "as_of" not in options:
                raise CaseFailure("give the evaluation date: evaluate: {as_of: \"YYYY-MM-DD\"} "
                                  "(a case must not depend on the day it runs)")
            evaluate_all(db, pm, **options)
            problems = []
            for table, rows in (self.case.get("expect") or {}).items():
                for want in rows:
                    if not _matching(db, table, want):
                        got = _near(db, table, want)
                        problems.append(f"{table}: no row with {want}\n      nearest: {got}")
            for table, rows in (self.case.get("absent") or {}).items():
                for unwanted in rows:
                    if _matching(db, table, unwanted):
                        problems.append(f"{table}: unexpected row with {unwanted}")
            if problems:
                raise CaseFailure("\n  ".join(problems))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return f"case {self.name!r} in {self.path.name}:\n  {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


class CaseFailure(Exception):
    """A case's expected rows were not found."""


def _where(want: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses, values = [], []
    for column, value in want.items():
        if isinstance(value, float):
            clauses.append(f"abs([{column}] - ?) < 1e-6")
        else:
            clauses.append(f"[{column}] = ?")
        values.append(value)
    return " AND ".join(clauses) or "1", values


def _matching(db: sqlite_utils.Database, table: str, want: dict[str, Any]) -> bool:
    where, values = _where(want)
    return db.execute(f"SELECT count(*) FROM [{table}] WHERE {where}", values).fetchone()[0] > 0


def _near(db: sqlite_utils.Database, table: str, want: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows that match the first column asked for, to show what was computed instead."""
    first = next(iter(want.items()), None)
    sql = f"SELECT * FROM [{table}]" + (f" WHERE [{first[0]}] = ?" if first else "") + " LIMIT 3"
    return [dict(r) for r in db.query(sql, [first[1]] if first else [])]
