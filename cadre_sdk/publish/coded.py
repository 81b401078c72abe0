"""Repeated texts of the oversight publication stored once (issue 19: "repeated texts as
references resolved by the publication").

A text column of a published table whose cells repeat (a training's programme, a care
record's note, an assessment's period, a subsidy explanation's subject) is published as two
columns: ``<column>_code``, stored in each row, and the column itself, declared ``GENERATED
ALWAYS AS (...) VIRTUAL``, computed from the code when read. The code of one of the column's
``MOST`` most frequent texts is a small integer (0 and 1: SQLite stores both in no byte at
all, the others in one; ``choose`` gives which texts get which), whose text is written once, in the table's
definition (a ``CASE`` over the codes, halved until eight are left: at most a dozen
comparisons a cell); a text that is not one of them is stored as it is in the code column
(``typeof`` tells them apart: the code column has no type, so that a text of digits stays a
text). Readers, table pages, filters, facets, the search index and every canned query read the
column by its name and get the same texts as before; the table shows one more column, the
code.

Only columns nothing indexes by the index rule or joins on are coded (not a key, a foreign key,
a filter column, nor one a generated column reads): a filter on an unindexed column reads the
whole table either way, and the ``CASE`` costs a few comparisons a row. A column is coded
only where it saves ``LEAST_SAVED`` bytes or more, and, where it has more than ``MOST``
distinct texts, a quarter of its bytes or more; not a column of dates, months or numbers
(a few bytes a cell: its filters would cost more than it saves). The coded texts are masked
once each (``Redactor.text``) instead of once a cell.
"""
from __future__ import annotations

import re
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
#: The most texts a column's codes stand for (the others are stored as they are).
MOST = 128
#: The most codes a ``CASE`` lists one by one (more are halved first).
_LEAF = 8
#: Texts not worth coding: digits and separators only (dates, months, numbers).
_DATE_LIKE = re.compile(r"[0-9 :.\-]*")
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
    """One coded column: its coded texts in code order, as stored and as published (masked),
    and whether other texts are stored as they are (``mixed``)."""

    column: str
    stored: tuple[str, ...]
    published: tuple[str, ...]
    mixed: bool = False

    @property
    def code(self) -> str:
        """The name of the column holding the code."""
        return f"{self.column}{SUFFIX}"

    def _cases(self, low: int, high: int) -> str:
        """SQL: the text of codes ``low`` to ``high - 1`` (halved down to ``_LEAF``)."""
        if high - low <= _LEAF:
            whens = " ".join(f"WHEN {i} THEN {literal(self.published[i])}"
                             for i in range(low, high))
            return f"CASE [{self.code}] {whens} END"
        mid = (low + high) // 2
        return (f"CASE WHEN [{self.code}] < {mid} THEN {self._cases(low, mid)} "
                f"ELSE {self._cases(mid, high)} END")

    def clause(self) -> str:
        """The coded column's definition: its text from its code."""
        expr = self._cases(0, len(self.published))
        if self.mixed:
            expr = f"CASE WHEN typeof([{self.code}]) = 'integer' THEN {expr} ELSE [{self.code}] END"
        return f"GENERATED ALWAYS AS ({expr}) VIRTUAL"

    def function(self) -> str:
        """The name of the SQL function giving a stored text's code (``register``)."""
        return f"cadre_code_{self.column}"

    def select(self, plain: str) -> str:
        """SQL: a source row's code, from its text; a text without one (``mixed``) as
        ``plain`` (the column's masked copy) gives it; NULL stays NULL."""
        if not self.mixed:   # a few texts: compared in SQL, no call a cell
            whens = " ".join(f"WHEN {literal(t)} THEN {i}" for i, t in enumerate(self.stored))
            return f"CASE [{self.column}] {whens} END"
        return f"coalesce({self.function()}([{self.column}]), {plain})"

    def register(self, conn: sqlite3.Connection) -> None:
        """Register ``function``: a look-up of the stored texts' codes."""
        conn.create_function(self.function(), 1,
                             {t: i for i, t in enumerate(self.stored)}.get, deterministic=True)


def choose(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor,
           where: str = "1") -> list[Coding]:
    """The codings of the plan's candidate columns (``TablePlan.coded``) worth making in the
    rows of ``src`` matching ``where`` (the rule above; every cell a text without a NUL).
    A column of ``MOST`` texts or fewer is coded in the order its texts first appear (no
    sort of the table: its first two texts, codes 0 and 1, are usually its most frequent),
    a column of more by their frequency. A text masking changes is published masked, and
    counted as masked once a cell holding it (as a copy would)."""
    names = [n for n in plan.coded if n not in plan.pk]   # ``copy.keyed_by_declared``
    if not names:
        return []
    table = f"src.[{plan.name}]"
    # every column's bytes and cells in one pass
    sizes = conn.execute("SELECT " + ", ".join(f"sum(length(CAST([{n}] AS BLOB))), count([{n}])"
                                               for n in names)
                         + f" FROM {table} WHERE {where}").fetchone()
    found = []
    for i, name in enumerate(names):
        size, count = sizes[2 * i] or 0, sizes[2 * i + 1]
        if size - count < LEAST_SAVED:   # a code takes up to a byte
            continue
        col = f"[{name}]"
        cells = f"FROM {table} WHERE ({where}) AND {col} IS NOT NULL"
        texts = [t for (t,) in conn.execute(f"SELECT DISTINCT {col} {cells} LIMIT {MOST + 1}")]
        mixed = len(texts) > MOST
        if mixed:
            rows = conn.execute(f"SELECT {col}, sum(length(CAST({col} AS BLOB))) {cells} "
                                f"GROUP BY {col} HAVING count(*) > 1 "
                                f"ORDER BY count(*) DESC, {col} LIMIT {MOST}").fetchall()
            texts = [t for t, _ in rows]
            saved = sum(n for _, n in rows) - count   # at most a byte a cell
            if saved * 4 < size:
                continue
        if not texts or not all(isinstance(t, str) and "\x00" not in t for t in texts):
            continue
        if all(_DATE_LIKE.fullmatch(t) for t in texts):
            continue   # dates, months, numbers: a few bytes each, the filter dearer
        published = []
        for text in texts:
            before = redactor.masked
            out = redactor.text(text)
            if redactor.masked > before:
                redactor.masked += conn.execute(f"SELECT count(*) {cells} AND {col} = ?",
                                                [text]).fetchone()[0] - 1
            published.append(out)
        found.append(Coding(name, tuple(texts), tuple(published), mixed))
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
    # no type where texts are stored too: a text of digits must stay a text
    codes = tuple(column_type(by_name[c.name].code, "" if by_name[c.name].mixed else "INTEGER",
                              c.notnull, 0)
                  for c in plan.columns if c.name in by_name)
    return attrs.evolve(plan, columns=columns + codes,
                        treat={k: v for k, v in plan.treat.items() if k not in by_name})


def codes(conn: sqlite3.Connection, table: str) -> set[str]:
    """The code columns (``<column>_code``) of the coded columns of the publication's
    ``table``: what a view writing a row out leaves out (its text is written out)."""
    row = conn.execute("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                       [table]).fetchone()
    return {f"{name}{SUFFIX}" for name, g in generated_columns(row[0] if row else "").items()
            if g.clause.startswith((f"GENERATED ALWAYS AS (CASE [{name}{SUFFIX}] ",
                                    f"GENERATED ALWAYS AS (CASE WHEN [{name}{SUFFIX}] ",
                                    f"GENERATED ALWAYS AS (CASE WHEN typeof([{name}{SUFFIX}])"))}
