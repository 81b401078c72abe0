"""Repeated texts of the oversight publication stored once (issue 19: "repeated texts as
references resolved by the publication").

A text column of a published table whose cells take at most ``MOST`` distinct texts (a
training's programme, a care record's note, an assessment's period) is published as two
columns: ``<column>_code``, a small integer stored in each row (the most frequent text 0, the
next 1: SQLite stores both in no byte at all, the others in one), and the column itself,
declared ``GENERATED ALWAYS AS (CASE <column>_code WHEN 0 THEN '…' … END) VIRTUAL``, so that
its texts are written once, in the table's definition, and computed when read. Readers, table
pages, filters, facets, the search index and every canned query read the column by its name
and get the same texts as before; the table shows one more column, the code.

Only columns nothing indexes or joins on are coded (not a key, a foreign key, a filter column
of the index rule, a column of one of the store's indexes, nor one a generated column reads):
an index on a computed column would hold the texts again, and a filter on a column without an
index reads the whole table either way (the ``CASE`` costs a few comparisons a row, the most
frequent texts first). A column is coded only where it saves ``LEAST_SAVED`` bytes or more.
The texts are masked once each (``Redactor.text``) instead of once a cell.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from cadre_sdk.publish.generated import generated_columns

if TYPE_CHECKING:   # the layers contract: copy imports this module
    from cadre_sdk.publish.copy import Column, TablePlan
    from cadre_sdk.publish.redact import Redactor

#: The name of a coded column's code: ``<column>_code``.
SUFFIX = "_code"
#: The most distinct texts a coded column may hold (the ``CASE`` compares a cell with each).
MOST = 64
#: The fewest bytes coding a column must save (a small table stays as it is).
LEAST_SAVED = 16_384


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def eligible(column: Column, *, excluded: Iterable[str], names: Iterable[str]) -> bool:
    """Whether ``column`` may be coded: a stored text column that is not a key, nor in
    ``excluded`` (what is indexed, joined on or read by a generated column), nor a link
    (``*_id``, ``*_code``), and whose code's name is free among the table's column ``names``."""
    kind, name = column.type.upper(), column.name.lower()
    return (not column.pk and not column.generated and name != "id"
            and not name.endswith(("_id", SUFFIX)) and name not in {e.lower() for e in excluded}
            and (kind == "" or "TEXT" in kind or "CHAR" in kind)
            and f"{name}{SUFFIX}" not in {n.lower() for n in names})


@attrs.frozen
class Coding:
    """One coded column: its texts in code order, as stored and as published (masked)."""

    column: str
    stored: tuple[str, ...]
    published: tuple[str, ...]

    @property
    def code(self) -> str:
        """The name of the column holding the code."""
        return f"{self.column}{SUFFIX}"

    def clause(self) -> str:
        """The coded column's definition: its texts from its code."""
        whens = " ".join(f"WHEN {i} THEN {literal(t)}" for i, t in enumerate(self.published))
        return f"GENERATED ALWAYS AS (CASE [{self.code}] {whens} END) VIRTUAL"

    def select(self) -> str:
        """SQL: a source row's code, from its text (NULL stays NULL)."""
        whens = " ".join(f"WHEN {literal(t)} THEN {i}" for i, t in enumerate(self.stored))
        return f"CASE [{self.column}] {whens} END"


def choose(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor,
           where: str = "1") -> list[Coding]:
    """The codings of the plan's candidate columns (``TablePlan.coded``) worth making in the
    rows of ``src`` matching ``where``: at most ``MOST`` distinct texts (every cell a text
    without a NUL), saving ``LEAST_SAVED`` bytes or more. A text masking changes is
    published masked, and counted as masked once a cell holding it (as a copy would)."""
    found = []
    for name in plan.coded:
        if name in plan.pk:   # keyed by a declared index (``copy.keyed_by_declared``)
            continue
        col = f"[{name}]"
        few = conn.execute(f"SELECT count(*) FROM (SELECT DISTINCT {col} FROM src.[{plan.name}] "
                           f"WHERE ({where}) AND {col} IS NOT NULL LIMIT {MOST + 1})"
                           ).fetchone()[0]
        if not few or few > MOST:
            continue
        rows = conn.execute(f"SELECT {col}, count(*), sum(length(CAST({col} AS BLOB))) "
                            f"FROM src.[{plan.name}] WHERE ({where}) AND {col} IS NOT NULL "
                            f"GROUP BY {col} ORDER BY count(*) DESC, {col}").fetchall()
        if not all(isinstance(t, str) and "\x00" not in t for t, _, _ in rows):
            continue
        # codes 0 and 1 take no byte, the others one
        saved = sum(size for _, _, size in rows) - sum(n for _, n, _ in rows[2:])
        if saved < LEAST_SAVED:
            continue
        published = []
        for text, cells, _ in rows:
            before = redactor.masked
            out = redactor.text(text)
            if redactor.masked > before:
                redactor.masked += cells - 1
            published.append(out)
        found.append(Coding(name, tuple(t for t, _, _ in rows), tuple(published)))
    return found


def coded_plan(plan: TablePlan, codings: list[Coding], column_type: type[Column]
               ) -> TablePlan:
    """``plan`` with each coded column computed from its code (at its place) and the codes
    added after the table's columns."""
    by_name = {c.column: c for c in codings}
    if not by_name:
        return plan
    columns = tuple(attrs.evolve(c, generated=by_name[c.name].clause())
                    if c.name in by_name else c for c in plan.columns)
    codes = tuple(column_type(by_name[c.name].code, "INTEGER", c.notnull, 0)
                  for c in plan.columns if c.name in by_name)
    return attrs.evolve(plan, columns=columns + codes,
                        treat={k: v for k, v in plan.treat.items() if k not in by_name})


def codes(conn: sqlite3.Connection, table: str) -> set[str]:
    """The code columns (``<column>_code``) of the coded columns of the publication's
    ``table``: what a view writing a row out leaves out (its text is written out)."""
    row = conn.execute("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                       [table]).fetchone()
    return {f"{name}{SUFFIX}" for name, g in generated_columns(row[0] if row else "").items()
            if g.clause.startswith(f"GENERATED ALWAYS AS (CASE [{name}{SUFFIX}] ")}
