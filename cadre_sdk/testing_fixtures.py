"""The cadre-sdk pytest plugin (the ``cadre_sdk`` pytest11 entry point): fixtures for plugin
authors, and ``*.cases.yaml`` files collected as tests. The helpers the fixtures hand out are
in ``cadre_sdk.testing`` (importable without pytest).

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

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from cadre_sdk.ingest.loader import LoadResult
from cadre_sdk.testing import evaluate_all, load_rows, make_db, make_plugins


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

        text = self.path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text) or {}
        lines = _case_lines(text)
        modules = doc.get("plugin") or []
        modules = [modules] if isinstance(modules, str) else modules
        plugins = []
        for spec in modules:  # "package.module" or "package.module:attribute"
            module, _, attribute = spec.partition(":")
            plugin = importlib.import_module(module)
            plugins.append(getattr(plugin, attribute) if attribute else plugin)
        for n, case in enumerate(doc.get("cases") or [], 1):
            yield CaseItem.from_parent(self, name=str(case.get("name", f"case {n}")),
                                       case=case, plugins=plugins,
                                       lines=lines.get(n - 1, {}))


def _case_lines(text: str) -> dict[int, dict[Any, int]]:
    """Line numbers in a case file: case index -> {"case": line, (section, table, row index):
    line} for the rows under ``records``, ``expect`` and ``absent``."""
    import yaml

    root = yaml.compose(text)
    out: dict[int, dict[Any, int]] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    cases = next((v for k, v in root.value if k.value == "cases"), None)
    if not isinstance(cases, yaml.SequenceNode):
        return out
    for i, case in enumerate(cases.value):
        found: dict[Any, int] = {"case": case.start_mark.line + 1}
        for key, section in getattr(case, "value", ()):
            if key.value not in ("records", "expect", "absent") or \
                    not isinstance(section, yaml.MappingNode):
                continue
            for table, rows in section.value:
                found[(key.value, table.value)] = table.start_mark.line + 1
                for j, row in enumerate(getattr(rows, "value", ()) or ()):
                    if isinstance(row, yaml.Node):
                        found[(key.value, table.value, j)] = row.start_mark.line + 1
        out[i] = found
    return out


class CaseItem(pytest.Item):
    """One case: load, evaluate, compare."""

    def __init__(self, *, case: dict[str, Any], plugins: list[Any],
                 lines: dict[Any, int] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.case, self.plugins, self.lines = case, plugins, lines or {}

    def _at(self, *key: Any) -> str:
        line = self.lines.get(key) or self.lines.get(key[:2]) or self.lines.get("case", 0)
        return f"{self.path}:{line}"

    def runtest(self) -> None:
        import tempfile

        from cadre_sdk.core.errors import DataError
        from cadre_sdk.records import RECORD_TYPES

        with tempfile.TemporaryDirectory() as tmp:
            pm = make_plugins(*self.plugins)
            db = make_db(Path(tmp) / "case.db", pm)
            records = self.case.get("records") or {}
            unknown = set(records) - set(RECORD_TYPES)
            if unknown:
                raise CaseFailure(f"{self._at('case')}: unknown record kinds {sorted(unknown)}; "
                                  f"known: {', '.join(RECORD_TYPES)}")
            for kind in RECORD_TYPES:  # reference order
                if records.get(kind):
                    try:
                        load_rows(db, kind, records[kind], plugins=pm, tmp=tmp)
                    except DataError as exc:
                        raise CaseFailure(self._rejected(kind, records[kind], exc)) from None
            options = dict(self.case.get("evaluate") or {})
            if "as_of" not in options:
                raise CaseFailure("give the evaluation date: evaluate: {as_of: \"YYYY-MM-DD\"} "
                                  "(a case must not depend on the day it runs)")
            evaluate_all(db, pm, **options)
            problems = []
            for table, rows in (self.case.get("expect") or {}).items():
                for n, want in enumerate(rows):
                    where = self._at("expect", table, n)
                    problem = _unknown_names(db, table, want)
                    if problem:
                        problems.append(f"{where}: {problem}")
                    elif not _matching(db, table, want):
                        problems.append(f"{where}: {table}: no row with {want}\n"
                                        f"      {_differences(db, table, want)}")
            for table, rows in (self.case.get("absent") or {}).items():
                for n, unwanted in enumerate(rows):
                    where = self._at("absent", table, n)
                    problem = _unknown_names(db, table, unwanted)
                    if problem:
                        problems.append(f"{where}: {problem}")
                    elif _matching(db, table, unwanted):
                        problems.append(f"{where}: {table}: unexpected row with {unwanted}")
            if problems:
                raise CaseFailure("\n  ".join(problems))

    def _rejected(self, kind: str, rows: list[dict[str, Any]], exc: Any) -> str:
        """The rows of ``records.<kind>`` the loader rejected, each with its YAML line."""
        lines = [f"{self._at('records', kind)}: records.{kind} was rejected: {exc.args[0]}"]
        for error in exc.errors:
            index = error.line - 2      # the CSV written from the rows: line 1 is the header
            row = rows[index] if 0 <= index < len(rows) else None
            where = self._at("records", kind, index) if row is not None else self._at("case")
            shown = f"{error.column}: {error.reason}" if error.column else error.reason
            lines.append(f"    {where}: {shown}" + (f"\n      row: {row}" if row else ""))
        return "\n".join(lines)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        from cadre_sdk.core.errors import CadreError

        if isinstance(excinfo.value, CaseFailure):
            return f"case {self.name!r} in {self.path.name}:\n  {excinfo.value}"
        if isinstance(excinfo.value, CadreError):  # the SDK's own message is the whole story
            return (f"case {self.name!r} in {self._at('case')}:\n  "
                    f"{type(excinfo.value).__name__}: {excinfo.value}")
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.lines.get("case", 1) - 1, f"case: {self.name}"


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


def _unknown_names(db: sqlite_utils.Database, table: str, want: dict[str, Any]) -> str | None:
    """What is wrong when ``table`` or a column of ``want`` does not exist, with the known ones."""
    import difflib

    tables = db.table_names() + db.view_names()
    if table not in tables:
        close = difflib.get_close_matches(table, tables, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown table {table!r}{hint}; known tables: {', '.join(sorted(tables))}"
    columns = [r[1] for r in db.execute(f"PRAGMA table_xinfo([{table}])") if r[6] != 1]
    unknown = [c for c in want if c not in columns]
    if unknown:
        close = {c: difflib.get_close_matches(c, columns, n=1) for c in unknown}
        hints = "".join(f" ({c!r}: did you mean {m[0]!r}?)" for c, m in close.items() if m)
        return (f"unknown column(s) {', '.join(map(repr, unknown))} in {table}{hints}; "
                f"its columns: {', '.join(columns)}")
    return None


def _matching(db: sqlite_utils.Database, table: str, want: dict[str, Any]) -> bool:
    where, values = _where(want)
    return db.execute(f"SELECT count(*) FROM [{table}] WHERE {where}", values).fetchone()[0] > 0


def _same(got: Any, value: Any) -> bool:
    if isinstance(value, float) and isinstance(got, (int, float)):
        return abs(got - value) < 1e-6
    return got == value


def _differences(db: sqlite_utils.Database, table: str, want: dict[str, Any]) -> str:
    """The rows agreeing with ``want`` on the most columns, and for each the columns that
    differ, expected and actual."""
    rows = [dict(r) for r in db.query(f"SELECT * FROM [{table}]")]
    if not rows:
        return f"{table} is empty"
    def agree(row: dict[str, Any]) -> int:
        return sum(_same(row.get(c), v) for c, v in want.items())
    best = max(agree(r) for r in rows)
    nearest = [r for r in rows if agree(r) == best][:3]
    out = []
    for row in nearest:
        differ = "; ".join(f"{c}: expected {v!r}, actual {row.get(c)!r}"
                           for c, v in want.items() if not _same(row.get(c), v))
        key = {c: row[c] for c in want if _same(row.get(c), want[c])}
        out.append(f"nearest row {key or row}: {differ}")
    return "\n      ".join(out)
