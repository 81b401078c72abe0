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

Texts that do not repeat but share a *shape* (issue 19: a cadre's id ``QH0000001``, a unit
code ``630100-01``, a date ``2024-03-15``, an explanation's subject ``2022 年度考核 个人
QH0000001（考核编号 KH2022-0000001）`` are fixed literals around runs of digits of fixed
widths) are stored as one integer: the shape's number among the column's (``SHAPES`` at most)
and the digits read as one number (``Shape``, at most ``Shape.DIGITS`` of them), written back
with ``printf``; a key's or a date's ten bytes take two to four. These codes follow the text
codes (``Coding.clause``). Such a column may be one the index rule indexes or a link
(``TablePlan.shaped``): its index is built on the column as read (the texts), so that a filter,
a sort or a join on it reads the index as before; a facet reads each row's code, not only the
index (a third more time, measured on 1,500,000 rows). Shapes are found in an evenly spread
sample of the column's cells and coded in SQL (a ``GLOB`` and a ``CAST`` a cell, no Python
call); a text of a shape is published as stored (no run of digits long enough for an ID
number), and a text column is coded by shape only where masking leaves every text of its
shapes as it is. A date column nothing indexes is not coded by shape (a filter or sort on it
reads every row: writing each out again made it three to five times dearer).

A number column (REAL) whose every value is an integer divided by 10 or 100 (``PLACES``,
compared exactly, as doubles) is stored as that integer, read as ``<column>_code / 10.0``:
eight bytes a value become one to three.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from cadre_sdk.publish.generated import generated_columns
from cadre_sdk.store.database import declares_without_rowid

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
#: The most shapes a column's codes stand for (``Shape``: a ``GLOB`` each when a cell is
#: coded), and the cells sampled to find them.
SHAPES = 8
_SAMPLE = 256
#: The fewest bytes coding a column by shapes must save (each such cell is coded by ``GLOB``
#: when copied and written with ``printf`` when read: the copy is dearer than a text code's).
SHAPED_LEAST_SAVED = LEAST_SAVED
#: The fewest bytes a shape must save to be one of a column's (besides eight times its
#: literals' bytes, which the table's definition holds).
SHAPE_LEAST_SAVED = 1024
#: Decimal places a number column may be coded with (``_places``).
PLACES = (1, 2)
#: Runs of ASCII digits (``\d`` would take other scripts' digits too).
_DIGIT_RUN = re.compile(r"([0-9]+)")
#: Characters ``GLOB`` reads as wildcards, as a ``GLOB`` matches them.
_GLOB_ESCAPES = {"*": "[*]", "?": "[?]", "[": "[[]"}


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _number(kind: str) -> bool:
    """Whether a column declared ``kind`` holds numbers with fractions (REAL affinity)."""
    kind = kind.upper()
    return any(k in kind for k in ("REAL", "FLOA", "DOUB")) and "INT" not in kind


def eligible(column: Column, *, excluded: Iterable[str], names: Iterable[str],
             links: bool = False) -> bool:
    """Whether ``column`` may be coded: a stored text column that is not a key, nor in
    ``excluded`` (what is indexed, joined on or read by a generated column), nor a link
    (``*_id``, ``*_code``; unless ``links``: coded by shape), and whose code's name is free
    among the table's column ``names``."""
    kind, name = column.type.upper(), column.name.lower()
    return (not column.pk and not column.generated and name != "id"
            and (links or not name.endswith(("_id", SUFFIX)))
            and name not in {e.lower() for e in excluded}
            and (kind == "" or "TEXT" in kind or "CHAR" in kind or (links and _number(kind)))
            and f"{name}{SUFFIX}" not in {n.lower() for n in names})


def _int_bytes(number: int) -> int:
    """The bytes SQLite stores an integer in (0 and 1 in none)."""
    if number in (0, 1):
        return 0
    for size, bound in ((1, 1 << 7), (2, 1 << 15), (3, 1 << 23), (4, 1 << 31), (6, 1 << 47)):
        if -bound <= number < bound:
            return size
    return 8


@attrs.frozen
class Shape:
    """Texts made of the same literals around runs of ASCII digits of the same widths:
    ``parts`` alternates literal and width (``("QH", 7, "")``: ``QH0000001``). Such a text is
    its digits read as one number (``number_sql``) and back (``text_sql``). A run of
    ``REPEATED`` digits or more that repeats an earlier run of the text (a year, an id
    written twice) is read once: ``same`` gives, for each run, the earlier run it repeats, or
    -1 (empty: none repeats)."""

    parts: tuple[str | int, ...]
    same: tuple[int, ...] = ()

    #: The most digits of a shape: its number times ``SHAPES`` stays far within 64 bits.
    DIGITS = 15
    #: The fewest digits of a run read once where it repeats an earlier one.
    REPEATED = 4

    @classmethod
    def of(cls, text: str) -> "Shape":
        """The shape of ``text``."""
        split = _DIGIT_RUN.split(text)
        runs = split[1::2]
        same = tuple(next((i for i in range(j) if runs[i] == run and len(run) >= cls.REPEATED),
                          -1) for j, run in enumerate(runs))
        return cls(tuple(p if i % 2 == 0 else len(p) for i, p in enumerate(split)),
                   same if any(i >= 0 for i in same) else ())

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(p for p in self.parts[1::2])   # type: ignore[misc]

    @property
    def literals(self) -> tuple[str, ...]:
        return tuple(p for p in self.parts[::2])   # type: ignore[misc]

    @property
    def length(self) -> int:
        """The characters of every text of this shape."""
        return len("".join(self.literals)) + sum(self.widths)

    def _own(self) -> list[bool]:
        """For each run, whether it is read (not a repeat of an earlier run)."""
        return [not self.same or self.same[j] < 0 for j in range(len(self.widths))]

    @property
    def digits(self) -> int:
        """The digits of the number of a text of this shape."""
        return sum(w for w, own in zip(self.widths, self._own()) if own)

    @property
    def usable(self) -> bool:
        """Whether texts of this shape may be coded: digits, not more than ``DIGITS``."""
        return 0 < self.digits <= self.DIGITS

    def number(self, text: str) -> int:
        """The number of ``text``, a text of this shape."""
        runs = _DIGIT_RUN.split(text)[1::2]
        return int("".join(r for r, own in zip(runs, self._own()) if own))

    def glob(self) -> str:
        """A ``GLOB`` pattern matching the texts of this shape (and, where runs repeat, of
        the shape without repeats: ``match_sql`` tells them apart)."""
        out = []
        for lit, width in zip(self.literals, self.widths + (0,)):
            out.append("".join(_GLOB_ESCAPES.get(ch, ch) for ch in lit) + "[0-9]" * width)
        return "".join(out)

    def _starts(self) -> list[int]:
        """Where each run starts in a text of this shape (1 for the first character)."""
        starts, at = [], 1
        for lit, width in zip(self.literals, self.widths):
            at += len(lit)
            starts.append(at)
            at += width
        return starts

    def match_sql(self, text: str) -> str:
        """SQL: whether ``text`` (an SQL expression) is a text of exactly this shape."""
        starts, widths = self._starts(), self.widths
        # a text: a number in a column without a type stays a number (``GLOB`` reads it as
        # its text)
        tests = [f"typeof({text}) = 'text'", f"{text} GLOB {literal(self.glob())}"]
        tests += [f"substr({text}, {starts[j]}, {widths[j]}) = substr({text}, {starts[i]}, "
                  f"{widths[i]})" for j, i in enumerate(self.same) if i >= 0]
        return " AND ".join(tests)

    def number_sql(self, text: str) -> str:
        """SQL: the digits of ``text`` (an expression of a text of this shape) as a number."""
        runs = [f"substr({text}, {start}, {width})" for start, width, own
                in zip(self._starts(), self.widths, self._own()) if own]
        return f"CAST({' || '.join(runs)} AS INTEGER)"

    def text_sql(self, number: str) -> str:
        """SQL: the text of this shape whose digits are ``number`` (an SQL expression)."""
        fmt, args, left = "", [], self.digits
        for j, (lit, width, own) in enumerate(zip(self.literals, self.widths, self._own())):
            fmt += lit.replace("%", "%%") + f"%0{width}d"
            if not own:
                args.append(args[self.same[j]])
                continue
            left -= width
            args.append(f"({number}) / {10 ** left} % {10 ** width}" if left
                        else f"({number}) % {10 ** width}")
        fmt += self.literals[-1].replace("%", "%%")
        return f"printf({literal(fmt)}, {', '.join(args)})"


@attrs.frozen
class Coding:
    """One coded column: its coded texts in code order, as stored and as published (masked),
    whether other texts are stored as they are (``mixed``), and the shapes of texts coded as
    numbers (``shapes``: codes after the texts', always ``mixed``)."""

    column: str
    stored: tuple[str, ...]
    published: tuple[str, ...]
    mixed: bool = False
    shapes: tuple[Shape, ...] = ()
    #: A number column coded as its values times ``10 ** places`` (``_places``), 0 if not.
    places: int = 0

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

    def _shaped(self) -> str:
        """SQL: the text of a shape's code (``base`` the texts' codes, then ``shape + count *
        number``)."""
        base, count = len(self.published), len(self.shapes)
        offset = f"[{self.code}] - {base}" if base else f"[{self.code}]"
        if count == 1:
            return self.shapes[0].text_sql(offset)
        number = f"({offset}) / {count}"
        whens = " ".join(f"WHEN {i} THEN {shape.text_sql(number)}"
                         for i, shape in enumerate(self.shapes))
        return f"CASE ({offset}) % {count} {whens} END"

    def clause(self) -> str:
        """The coded column's definition: its text from its code."""
        if self.places:
            return f"GENERATED ALWAYS AS ([{self.code}] / {10 ** self.places}.0) VIRTUAL"
        if self.shapes:
            expr = self._shaped()
            if self.published:
                expr = (f"CASE WHEN [{self.code}] < {len(self.published)} THEN "
                        f"{self._cases(0, len(self.published))} ELSE {expr} END")
        else:
            expr = self._cases(0, len(self.published))
        if self.mixed or self.shapes:
            expr = f"CASE WHEN typeof([{self.code}]) = 'integer' THEN {expr} ELSE [{self.code}] END"
        return f"GENERATED ALWAYS AS ({expr}) VIRTUAL"

    def function(self) -> str:
        """The name of the SQL function giving a stored text's code (``register``)."""
        return f"cadre_code_{self.column}"

    def shape_select(self, plain: str) -> str:
        """SQL: the code of the stored text if it has one of the ``shapes``, else ``plain``
        (the text as published). A text of a shape is published as it is stored: it holds no
        run of more than ``Shape.DIGITS`` digits, so the ID-number check of a code never
        calls it one, and a text column is coded by shape only where masking leaves every
        text as it is (``copy.copy_table``)."""
        if not self.shapes:
            return plain
        base, count, stored = len(self.published), len(self.shapes), f"[{self.column}]"
        whens = " ".join(f"WHEN {shape.match_sql(stored)} THEN "
                         f"{base + i} + {count} * {shape.number_sql(stored)}"
                         for i, shape in enumerate(self.shapes))
        return f"CASE {whens} ELSE {plain} END"

    def select(self, plain: str) -> str:
        """SQL: a source row's code, from its text; a text without one (``mixed``) as
        ``plain`` (the column's masked copy) gives it, or its shape's code
        (``shape_select``); NULL stays NULL."""
        if self.places:
            return f"CAST(round([{self.column}] * {10 ** self.places}) AS INTEGER)"
        if not self.mixed and not self.shapes:   # a few texts: compared in SQL, no call a cell
            whens = " ".join(f"WHEN {literal(t)} THEN {i}" for i, t in enumerate(self.stored))
            return f"CASE [{self.column}] {whens} END"
        if not self.stored:
            return self.shape_select(plain)
        return f"coalesce({self.function()}([{self.column}]), {self.shape_select(plain)})"

    def register(self, conn: sqlite3.Connection) -> None:
        """Register ``function``: a look-up of the stored texts' codes."""
        conn.create_function(self.function(), 1,
                             {t: i for i, t in enumerate(self.stored)}.get, deterministic=True)


def _not_text(value: str) -> str:
    """SQL: whether ``value`` is a number or a BLOB (not a text, not NULL: NULL then). By
    SQLite's order of values (numbers, then texts, then BLOBs; a literal of neither side
    takes an affinity): half the CPU of ``typeof(value) NOT IN ('text', 'null')`` in the
    pass over every row of a table that ``choose`` makes (issue 19)."""
    return f"({value} < '' OR {value} >= X'')"


def _texts(conn: sqlite3.Connection, cells: str, col: str, size: int,
           count: int) -> tuple[list[str], bool]:
    """The texts of a column coded as texts (the rule above) and whether others are stored as
    they are (``mixed``); none where coding them is not worth it."""
    texts = [t for (t,) in conn.execute(f"SELECT DISTINCT {col} {cells} LIMIT {MOST + 1}")]
    mixed = len(texts) > MOST
    if mixed:
        rows = conn.execute(f"SELECT {col}, sum(length(CAST({col} AS BLOB))) {cells} "
                            f"GROUP BY {col} HAVING count(*) > 1 "
                            f"ORDER BY count(*) DESC, {col} LIMIT {MOST}").fetchall()
        texts = [t for t, _ in rows]
        saved = sum(n for _, n in rows) - count   # at most a byte a cell
        if saved * 4 < size:
            return [], False
    if not texts or not all(isinstance(t, str) and "\x00" not in t for t in texts):
        return [], False
    if all(_DATE_LIKE.fullmatch(t) for t in texts):
        return [], False   # dates, months, numbers: a few bytes each, the CASE dearer
    return texts, mixed


def _samples(conn: sqlite3.Connection, table: str, where: str, names: list[str],
             rows: int, rowid: bool) -> dict[str, list[object]]:
    """An evenly spread sample of the cells of columns ``names`` of ``table`` (of ``rows``
    rows), read in one pass: ``_SAMPLE`` rows or so, by ``rowid`` where the table has one,
    else one row in so many in table order."""
    if not names:
        return {}
    step = max(1, rows // _SAMPLE)
    select = f"SELECT {', '.join(f'[{n}]' for n in names)} FROM {table} WHERE ({where})"
    if rowid:
        found = conn.execute(f"{select} AND rowid % {step} = 0 LIMIT {2 * _SAMPLE}").fetchall()
    else:
        found = [row for i, row in enumerate(conn.execute(select)) if i % step == 0]
    return {name: [row[i] for row in found if row[i] is not None]
            for i, name in enumerate(names)}


def _shapes(sample: list[object], count: int, coded: set[str],
            base: int) -> tuple[Shape, ...]:
    """The shapes (``SHAPES`` at most) whose texts are worth coding as numbers in a column
    of ``count`` cells whose texts ``coded`` have codes ``0`` to ``base - 1``, judged by a
    ``sample`` of its cells (``_samples``): a shape is kept where it saves a kilobyte and
    eight times its literals' bytes (written in the table's definition)."""
    seen: dict[Shape, list[int]] = {}
    for text in sample:
        if not isinstance(text, str) or text in coded or "\x00" in text:
            continue
        shape = Shape.of(text)
        if not shape.usable:
            continue
        found = seen.setdefault(shape, [0, 0, 0])
        found[0] += 1
        found[1] += len(text.encode("utf-8"))
        found[2] = max(found[2], shape.number(text))
    shapes = sorted(seen, key=lambda s: (-seen[s][1], repr(s)))
    shapes = shapes[:SHAPES]
    scale = count / max(1, len(sample))
    kept, total = [], 0.0
    for shape in shapes:
        cells_of, size, largest = seen[shape]
        saved = (size - cells_of * _int_bytes(base + len(shapes) * (largest + 1))) * scale
        if saved >= max(SHAPE_LEAST_SAVED, 8 * len("".join(shape.literals).encode("utf-8"))):
            kept.append(shape)
            total += saved
    return tuple(kept) if total >= SHAPED_LEAST_SAVED else ()


def _places(conn: sqlite3.Connection, cells: str, col: str, fractions: int) -> int:
    """The fewest decimal places (``PLACES``) with which every number of a number column is
    its value times ``10 ** places``, an integer, divided back (``n / 10.0``: the same
    double, compared exactly), where its ``fractions`` numbers with a fraction (eight bytes
    each; a code takes three at most for the numbers coded here) save
    ``SHAPED_LEAST_SAVED`` bytes or more; 0 for none."""
    if fractions * 5 < SHAPED_LEAST_SAVED:
        return 0
    for places in PLACES:
        scale = 10 ** places
        # (a REAL column holds no negative zero: SQLite stores it as 0)
        exact = (f"typeof({col}) = 'real' AND abs({col}) < {2 ** 23 // scale} AND {col} = "
                 f"CAST(round({col} * {scale}) AS INTEGER) / {scale}.0")
        if conn.execute(f"SELECT 1 {cells} AND NOT ({exact}) LIMIT 1").fetchone() is None:
            return places
    return 0


def choose(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor,
           where: str = "1") -> list[Coding]:
    """The codings of the plan's candidate columns (``TablePlan.coded``, and for shapes
    ``TablePlan.shaped``) worth making in the rows of ``src`` matching ``where`` (the rule
    above; every cell a text without a NUL). A column of ``MOST`` texts or fewer is coded in
    the order its texts first appear (no sort of the table: its first two texts, codes 0 and
    1, are usually its most frequent), a column of more by their frequency. A text masking
    changes is published masked, and counted as masked once a cell holding it (as a copy
    would). Shapes are coded from the published text (``Coding.shape_select``)."""
    shaped = set(plan.shaped)
    numbers = {c.name for c in plan.columns if c.name in shaped and _number(c.type)}
    names = [c.name for c in plan.columns if c.name not in plan.pk   # ``keyed_by_declared``
             and (c.name in plan.coded or c.name in shaped)]
    if not names:
        return []
    table = f"src.[{plan.name}]"
    sql = conn.execute("SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = ?",
                       [plan.name]).fetchone()
    rowid = not declares_without_rowid(sql[0] if sql else "")
    # every column's bytes and cells in one pass
    # a text column's cells that are not texts (a number in a column without a type): a
    # column holding one is not coded (stored as it is, it would read as a code)
    sizes = conn.execute("SELECT " + ", ".join(
        f"sum([{n}] <> CAST([{n}] AS INTEGER)), count([{n}])" if n in numbers
        else f"sum(length(CAST([{n}] AS BLOB))) * (count(CASE WHEN {_not_text(f'[{n}]')} "
             f"THEN 1 END) = 0), count([{n}])" for n in names)
                         + f" FROM {table} WHERE {where}").fetchone()
    samples = _samples(conn, table, where, [n for i, n in enumerate(names)
                                            if n in shaped and n not in numbers
                                            and (sizes[2 * i] or 0) - sizes[2 * i + 1]
                                            >= LEAST_SAVED],
                       max(sizes[1::2], default=0), rowid)
    found = []
    for i, name in enumerate(names):
        size, count = sizes[2 * i] or 0, sizes[2 * i + 1]
        if size - count < LEAST_SAVED and name not in numbers:   # a code takes up to a byte
            continue   # (``size`` of a number column: its numbers with a fraction)
        col = f"[{name}]"
        cells = f"FROM {table} WHERE ({where}) AND {col} IS NOT NULL"
        if name in numbers:
            if places := _places(conn, cells, col, size):
                found.append(Coding(name, (), (), places=places))
            continue
        texts, mixed = _texts(conn, cells, col, size, count) if name in plan.coded else ([], False)
        sample = samples.get(name, [])
        # dates nothing indexes stay texts: a filter or sort on one reads every row, and
        # writing each out again made it three to five times dearer
        dates = name in plan.coded and all(isinstance(t, str) and _DATE_LIKE.fullmatch(t)
                                           for t in sample)
        shapes = _shapes(sample, count, set(texts), len(texts)) if sample and not dates else ()
        if not texts and not shapes:
            continue
        published = []
        for text in texts:
            before = redactor.masked
            out = redactor.text(text)
            if redactor.masked > before:
                redactor.masked += conn.execute(f"SELECT count(*) {cells} AND {col} = ?",
                                                [text]).fetchone()[0] - 1
            published.append(out)
        found.append(Coding(name, tuple(texts), tuple(published), mixed or bool(shapes), shapes))
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
            if g.clause.startswith((f"GENERATED ALWAYS AS ([{name}{SUFFIX}] / ",
                                    f"GENERATED ALWAYS AS (CASE [{name}{SUFFIX}] ",
                                    f"GENERATED ALWAYS AS (CASE WHEN [{name}{SUFFIX}] ",
                                    f"GENERATED ALWAYS AS (CASE WHEN typeof([{name}{SUFFIX}])"))}
