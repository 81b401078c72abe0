"""Copy the store's tables into the publication, leaving out and masking what the level may
not see (``redact``), with their keys, foreign keys and indexes.

The source store is attached read-only as ``src``; rows are copied with ``INSERT ... SELECT``
in key order, text cells passing through the SQL function ``cadre_redact`` where they can
hold personal data (a JSON column masking leaves unchanged, judged all at once before, is
copied without it: ``_column_unchanged``; so is a text column at oversight level, where only
ID numbers are masked: ``_texts_unchanged``), codes through ``cadre_check_code`` where they
may hold an ID number.

Explanations are masked as their readers see them (``explanations.Joiner``): a templated
explanation's texts with the numbers the template took out of them written back in (a phone
number typed into a note is stored as a JSON number, which masking a JSON document's strings
would never look at), and likewise the stored explanations a packing dictionary is made of.
An explanation masking changes is published as its masked trace, joined, as JSON text; a
dictionary masking would change is published without its rows, and the explanations packed
with it as JSON text.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
import weakref
from collections.abc import Iterable
from typing import Any

import attrs

from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store import explanation_packing as packing
from cadre_sdk.store import explanations
from cadre_sdk.store.explanation_templates import NUMBER
from cadre_sdk.store.explanations import canonical
from cadre_sdk.store.database import declares_without_rowid
from cadre_sdk.store.table_labels import TableLabels, described
from cadre_sdk.publish import coded
from cadre_sdk.publish.generated import generated_columns
from cadre_sdk.publish.introspect import columns as table_columns, tables
from cadre_sdk.publish.redact import (
    DIGITS_PER_CHARACTER, EXPLANATION_LINKS, ID_DIGITS, ID_NUMBER_GLOB, TWO_DIGITS_GLOB, OVERSIGHT,
    PUBLIC, Redactor, dropped_columns, holds_folding, table_published,
)

# Which columns of a published table get an index (besides its primary key), the rule:
#   1. every filter column (``FILTER_COLUMNS``): what canned queries, table pages and the
#      timeline view filter or join on, and the links a row's page lists and counts the rows
#      citing it by (``WHERE cadre_id = ?``: a cadre's, a case's, an assessment's, a unit's);
#   2. the store's own indexes whose columns are all published (the engines' access paths),
#      where a canned query's or a chart's plan reads them (``drop_unread``, checked with
#      EXPLAIN QUERY PLAN once the publication is analysed: most serve only an engine, and
#      the filter column one leads gets its own index instead);
#   3. what a published canned query declares (``CannedQuery.indexes``, ``create_declared``).
# Any other foreign key gets none (issue 19): a link to a lookup of a few rows (a subsidy
# ledger's rule and scheme) selects a large share of the table, so SQLite reads the table
# faster than through such an index (the ledger query was 30 times slower with one); a link
# nobody filters on (a ledger line's or an attendance day's township) serves only the count
# on the page of the row it points to, which SQLite then makes by reading the table (tens of
# milliseconds at 10,000 cadres), and its index would cost more than the table (a
# ``WITHOUT ROWID`` table's index holds its whole key).
# A filter column that follows only columns of few values (``FEW_VALUES``: a year, a month,
# a kind; ``FEW_LIMIT`` combinations at most in the table) in the primary key or an index gets
# no index of its own (issue 19): SQLite's skip-scan reads it there, one search per value of
# those (``attendance`` keyed ``(month, cadre_id, township_code)``: a cadre's days are 36
# searches of the key; the build gives such keys exact statistics, ``analyse_skip_scans``, so
# that the planner takes it). At 100,000 cadres this left out the attendance cadre index (41
# MB of 1,219). Such a column is not made to lead an index of another filter column instead
# of having its own: a filter on it alone matches a large share of the table, and the planner
# may read those rows through the index to sort them by key; in that index's order they are
# scattered (a care record kind at 100,000 cadres: 611 ms, against 98 ms through its own
# index, whose rows come in table order, and Datasette's page failed its time limit).
# Tables read by their key only (``KEY_ONLY``: explanations, reached from the row citing them)
# get none of 1 and 2, and no column ``explanation_id`` is indexed: nothing lists the rows
# citing an explanation (no foreign key points to it), a link goes from the row to it.

#: Columns an oversight reader filters or joins on; each gets an index where it appears.
FILTER_COLUMNS = ("cadre_id", "unit_code", "region_code", "case_id", "assessment_id",
                  "prefecture_code", "county_code",
                  "year", "month", "date", "kind", "grade", "stage")
#: Filter columns with a handful of values however large the store (the rule above): a column
#: following only such columns in a key or index is read there by skip-scan.
FEW_VALUES = frozenset({"year", "month", "kind", "grade", "stage"})
#: The most value combinations such columns may hold in a table for the column after them to
#: be read by skip-scan (one search each); a table holding more (a plugin's ``kind`` of
#: hundreds of values) gives that column its own index.
FEW_LIMIT = 100
#: Tables read by their key only: no index besides the primary key.
KEY_ONLY = frozenset({"explanation", "explanation_ref"})
#: Tables never coded (``coded``): those the build writes rows into after copying them
#: (``provenance.write``), and the entries explanations cite (read as they are stored).
NEVER_CODED = frozenset({"provenance", "explanation_ref"})
#: Columns never indexed (see the rule above).
NEVER_INDEXED = frozenset({"explanation_id"})
#: Columns the store keeps only to derive generated columns from (a subsidy line's 64-bit
#: ``explanation_key`` gives its ``explanation_id``; an assessment result's ``*_stored``
#: columns its pool and plugin names). The oversight publication declares the store's
#: generated columns as the store does (``VIRTUAL``: no bytes stored, issue 19) and keeps
#: these sources; the public level stores the generated columns as ordinary ones (small-group
#: protection rewrites and withholds cells) and publishes none of these.
STORAGE_ONLY = frozenset({"explanation_key", "pool_stored", "indicator_plugin_stored",
                          "formula_plugin_stored", "grading_plugin_stored",
                          explanations.DIGIT_RUN})


@attrs.frozen
class Column:
    """One column of a source table."""

    name: str
    type: str
    notnull: bool
    pk: int          # position in the primary key, 0 if not part of it
    #: A generated column's clause as the store declares it (``GENERATED ALWAYS AS (...)
    #: VIRTUAL``), empty for a stored column (``generated``).
    generated: str = ""


@attrs.frozen
class TablePlan:
    """How one source table is published: its kept columns and how each cell is treated."""

    name: str
    columns: tuple[Column, ...]
    dropped: frozenset[str]
    foreign_keys: tuple[tuple[str, str, str], ...]   # (column, other table, other column)
    labels: TableLabels | None
    treat: dict[str, str]        # column -> "text" | "json" | "code"
    #: Stored ``WITHOUT ROWID`` (``plan_tables``; oversight level only: small-group
    #: protection and the scanner address public rows by rowid; nor a table with searchable
    #: text: the search index addresses its rows by rowid).
    without_rowid: bool = False
    #: The published key where it is not the store's (``keyed_by_declared``): the columns of
    #: an index a canned query declares, then the store's key columns it leaves out.
    key: tuple[str, ...] = ()
    #: Text columns that may be stored as codes (oversight level, ``coded``; which are is
    #: decided by their texts when the table is copied).
    coded: tuple[str, ...] = ()
    #: Text columns whose texts may be stored as numbers by their shape (``coded.Shape``):
    #: those of ``coded`` and the keys' links and the filter columns besides (their index is
    #: built on the texts as read).
    shaped: tuple[str, ...] = ()

    @property
    def pk(self) -> list[str]:
        """The primary-key columns in key order."""
        if self.key:
            return list(self.key)
        return [c.name for c in sorted(self.columns, key=lambda c: c.pk) if c.pk]


def source_tables(conn: sqlite3.Connection) -> list[str]:
    """The store's data tables: not SQLite's or the SDK's own (``_*``), not virtual tables
    nor their shadow tables."""
    return [n for n in tables(conn, "src", virtual=False) if not n.startswith("_")]


def _ordered(names: Iterable[str]) -> list[str]:
    """Record tables in declaration order (referenced tables first), then the rest by name."""
    # Record tables in declaration order (referenced tables first), then the rest by name.
    names = set(names)
    return [k for k in RECORD_TYPES if k in names] + sorted(names - set(RECORD_TYPES))


def _treatment(table: str, column: Column) -> str | None:
    """How a column's cells are treated: free text masked, codes checked, others copied."""
    cls = RECORD_TYPES.get(table)
    if cls is not None:
        meta = attrs.fields_dict(cls)[column.name].metadata
        if meta["kind"] == "code":
            return "code"
        return "text" if meta["kind"] in ("text", "name") and not meta["choices"] else None
    if column.type.upper() not in ("", "TEXT") and "CHAR" not in column.type.upper():
        return None
    if column.pk or column.name == "id" or column.name.endswith("_id"):
        return "code"   # a key or a link to one: masking it would break the rows it joins
    return "json" if column.name == "json" else "text"


def plan_tables(conn: sqlite3.Connection, level: str,
                declared: Iterable[str] = ()) -> list[TablePlan]:
    """What is published of each store table at ``level``; a ``WITHOUT ROWID`` table is keyed
    by the columns of an index a canned query ``declared`` where there is one
    (``keyed_by_declared``)."""
    plans = []
    published = [t for t in _ordered(source_tables(conn)) if table_published(t, level)]
    for table in published:
        sql = conn.execute("SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = ?",
                           [table]).fetchone()[0] or ""
        # table_xinfo: with the store's generated columns (an explanation's kind, a result's
        # explanation_id)
        info = [r for r in conn.execute(f"PRAGMA src.table_xinfo([{table}])") if r[6] != 1]
        labels = described(table)
        dropped = dropped_columns(labels, [r[1] for r in info], level)
        # oversight: a generated column stays one where every column it reads is published
        lowered = {d.lower() for d in dropped}
        clauses = {n: g for n, g in generated_columns(sql).items()
                   if level == OVERSIGHT and n not in dropped and not g.reads & lowered}
        reads = {n for g in clauses.values() for n in g.reads}
        dropped |= {r[1] for r in info if r[1] in STORAGE_ONLY and r[1].lower() not in reads}
        columns = [Column(r[1], r[2] or "", bool(r[3]), r[5],
                          clauses[r[1]].clause if r[6] in (2, 3) and r[1] in clauses else "")
                   for r in info]
        kept = tuple(c for c in columns if c.name not in dropped)
        fks = tuple((r[3], r[2], r[4]) for r in
                    conn.execute(f"PRAGMA src.foreign_key_list([{table}])").fetchall()
                    if r[3] not in dropped and r[2] in published)
        treat = {c.name: t for c in kept if (t := _treatment(table, c))}
        whole_key = any(c.pk for c in columns) and not any(c.pk for c in columns
                                                           if c.name in dropped)
        # the search index addresses a row by its rowid (``searchable``)
        searched = labels is not None and bool(set(labels.search) & {c.name for c in kept})
        codable = (_codable(conn, table, kept, fks, treat, reads) if level == OVERSIGHT
                   else ((), ()))
        plans.append(TablePlan(table, kept, frozenset(dropped), fks, labels, treat,
                               whole_key and level != PUBLIC and not searched
                               and _without_rowid(conn, table, sql, kept),
                               coded=codable[0], shaped=codable[1]))
    return [keyed_by_declared(plan, declared) for plan in plans]


def _codable(conn: sqlite3.Connection, table: str, kept: tuple[Column, ...],
             fks: tuple[tuple[str, str, str], ...], treat: dict[str, str],
             reads: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns of ``table`` that may be published coded (``coded.eligible``): not
    indexed by the index rule, not a link, not read by a generated column, not masked as a
    code or JSON; and those whose texts may be coded by their shape (``coded.Shape``: the
    former, and filter columns, links and codes besides, but not explanation links nor JSON;
    an index on one is built on the texts as read)."""
    if table in NEVER_CODED:
        return (), ()
    never = {*NEVER_INDEXED, *STORAGE_ONLY} | reads | {c for c, t in treat.items() if t == "json"}
    excluded = ({*FILTER_COLUMNS, *(f[0] for f in fks)} | never
                | {c for c, t in treat.items() if t != "text"})
    names = [c.name for c in kept]
    return (tuple(c.name for c in kept if coded.eligible(c, excluded=excluded, names=names)),
            tuple(c.name for c in kept
                  if coded.eligible(c, excluded=never, names=names, links=True)))


def _declared_columns(spec: str) -> tuple[str, tuple[str, ...]] | None:
    """The table and columns of a declared index (``create_declared``) made of plain column
    names and not partial; None for any other (or a malformed one: ``create_declared``
    refuses it)."""
    match = _DECLARED.fullmatch(spec)
    if match is None or match.group(3):
        return None
    terms = tuple(t.strip().strip('[]"`') for t in match.group(2).split(","))
    if not all(re.fullmatch(r"\w+", t) for t in terms):
        return None
    return match.group(1), terms


def keyed_by_declared(plan: TablePlan, declared: Iterable[str]) -> TablePlan:
    """``plan`` keyed by the first index declared on it (``CannedQuery.indexes``) that names
    only stored columns, followed by the key columns it leaves out, where the table is
    published ``WITHOUT ROWID`` (issue 19): its rows are then stored in the order the query
    reads them, and the index, which would hold every row's whole key again (8 MB of the
    ledger's 28 at 10,000 cadres), is not built (``create_declared``). The key stays unique:
    it holds the store's whole. Readers see the same columns and rows; a row's address (its
    key in the row page's URL) lists the key's columns in the new order."""
    if not plan.without_rowid:
        return plan
    stored = {c.name for c in plan.columns if not c.generated}
    for spec in declared:
        found = _declared_columns(spec)
        if found is None or found[0] != plan.name or not set(found[1]) <= stored:
            continue
        key = tuple(dict.fromkeys(found[1] + tuple(plan.pk)))
        return plan if list(key) == plan.pk else attrs.evolve(plan, key=key)
    return plan


def _without_rowid(conn: sqlite3.Connection, table: str, sql: str,
                   kept: tuple[Column, ...]) -> bool:
    """Whether the published table is stored ``WITHOUT ROWID`` (its key published whole):
    where the store's is, and where the store's key needs an index of its own (not an
    ``INTEGER PRIMARY KEY``) and the publication gives the table no other index (the index
    rule above). A rowid table keeps its key twice, in the table and in the key's index;
    without a rowid the rows are the key's index, but every other index holds the whole key
    instead of a rowid, and a table whose rows are inserted in key order fills its pages less
    (at 10,000 cadres a text key of 10 to 16 characters made ``assessment``, ``training`` and
    ``cadre``, with two or three indexes each, 3 to 15 % larger; ``evaluation``, with none,
    46 % smaller)."""
    if declares_without_rowid(sql):
        return True
    own_index = any(r[3] == "pk" for r in conn.execute(f"PRAGMA src.index_list([{table}])"))
    names = {c.name for c in kept}
    key = [c.name for c in sorted(kept, key=lambda c: c.pk) if c.pk]
    served = served_by([key])
    return own_index and (table in KEY_ONLY or not (
        _store_indexes(conn, table, names)
        or any(c not in served for c in _filter_columns(names))))


def create_sql(plan: TablePlan) -> str:
    """CREATE TABLE for the published table."""
    # An explanation link may be withheld at public level (``suppress``): never NOT NULL.
    parts = [f"[{c.name}] {c.type}{' ' + c.generated if c.generated else ''}"
             f"{' NOT NULL' if c.notnull and c.name != 'explanation_id' else ''}".rstrip()
             for c in plan.columns]
    if plan.pk:
        parts.append(f"PRIMARY KEY ({', '.join(f'[{k}]' for k in plan.pk)})")
    parts += [f"FOREIGN KEY ([{c}]) REFERENCES [{t}]" + (f"([{o}])" if o else "")
              for c, t, o in plan.foreign_keys]
    return (f"CREATE TABLE [{plan.name}] (\n  " + ",\n  ".join(parts) + "\n)"
            + (" WITHOUT ROWID" if plan.without_rowid else ""))


def _select_expr(plan: TablePlan, column: Column, shortest: int,
                 unchanged: bool = False, short_runs: str | None = None) -> str:
    """The SELECT expression copying one column: through the redaction function only where
    the cell is at least ``shortest`` characters long (``Redactor.shortest``: a shorter cell
    holds nothing the redactor masks, and skipping the call in SQL keeps most cells out of
    Python), and not at all for a column whose texts masking leaves ``unchanged``
    (``_column_unchanged``, ``_texts_unchanged``), nor for an explanation whose digits in a
    row are too few to hold what masking looks for (``short_runs``, ``_short_runs``)."""
    treat = plan.treat.get(column.name)
    name = f"[{column.name}]"
    if treat is None or (treat == "text" and unchanged):
        return name
    if treat == "json" and plan.name == "explanation":
        # judged as read (``PackedCells``): the pre-filters below see only stored strings
        if unchanged:
            return name
        call = f"cadre_redact_explanation({name})"
        return f"CASE WHEN {short_runs} THEN {name} ELSE {call} END" if short_runs else call
    if treat == "code":
        return f"CASE WHEN {_may_hold_id_number(name)} THEN cadre_check_code({name}) ELSE {name} END"
    if treat == "text":
        return (f"CASE WHEN {_long_enough(name, shortest)} THEN cadre_redact({name}) "
                f"ELSE {name} END")
    if unchanged:
        return name
    if _has_dictionaries(plan):
        return (f"CASE WHEN [kind] = '{packing.ZDICT_KIND}' THEN "
                f"cadre_redact_dictionary([id], {name}) ELSE "
                f"{_json_expr(name, shortest, plan.name)} END")
    return _json_expr(name, shortest, plan.name)


def _long_enough(text: str, shortest: int) -> str:
    """SQL: whether the text ``text`` is long enough to hold what masking looks for
    (``Redactor.shortest``), or may hold a character standing for two digits
    (``TWO_DIGITS_GLOB``) and is long enough with it (``DIGITS_PER_CHARACTER``). Such a
    character takes three bytes: ``GLOB`` reads only a text of more bytes than characters
    (an ASCII code or key of 9 to 16 characters, most of them, is told by two lengths; at
    100,000 cadres a subsidy line's township code, 2.4 million cells, took 0.7 s of ``GLOB``).
    A number or BLOB is told by its length alone (masking leaves it as it is)."""
    folded = -(-shortest // DIGITS_PER_CHARACTER)
    return (f"(length({text}) >= {shortest} OR (length({text}) >= {folded} AND "
            f"length(CAST({text} AS BLOB)) > length({text}) AND {text} GLOB "
            f"'{TWO_DIGITS_GLOB}'))")


def _json_expr(name: str, shortest: int, table: str) -> str:
    """The SELECT expression masking the strings of the JSON column ``name`` of ``table``."""
    call = f"cadre_redact_json({name})"
    if shortest <= 1:
        return call
    # a packed explanation (a BLOB, ``explanation_packing``) is inflated to be masked: its
    # length says nothing about its text's
    packed = f"WHEN typeof({name}) = 'blob' THEN {call} "
    # A JSON document's strings are masked one by one (``Redactor.json_text``): it needs the
    # call only if one of its strings or keys is long enough (SQLite reads it, in C).
    # ``json_tree`` has a column ``json`` of its own: the table's is named with the table
    long_enough = (f"EXISTS (SELECT 1 FROM json_tree([{table}].{name}) WHERE (type = 'text' AND "
                   f"{_long_enough('atom', shortest)}) OR (typeof(key) = 'text' AND "
                   f"{_long_enough('key', shortest)}))")
    return (f"CASE {packed}WHEN NOT {_long_enough(name, shortest)} THEN {name} "
            f"WHEN NOT json_valid({name}) THEN {call} WHEN {long_enough} THEN {call} "
            f"ELSE {name} END")


def _has_dictionaries(plan: TablePlan) -> bool:
    """Whether the table is ``explanation_ref``, whose entries of kind ``zdict`` (packing
    dictionaries: stored explanations) are judged joined (``PackedCells.dictionary``)."""
    return plan.name == "explanation_ref" and {"id", "kind"} <= {c.name for c in plan.columns}


def _may_hold_id_number(name: str) -> str:
    """SQL: whether the code column ``name`` may hold an ID number (``redact.id_numbers_in``
    decides): 17 digits in a row, not a cell that is one hexadecimal hash of 32+ characters
    (explanation ids). ``length()`` first: most codes are too short, and GLOB is dearer.
    Then, in a code of ``ID_DIGITS`` to twice as many characters less one, the characters
    every run of ``ID_DIGITS`` digits covers (from the ``ID_DIGITS``-th from the end to the
    ``ID_DIGITS``-th): one that is not a digit (``subsidy:`` in a subsidy explanation's id,
    ``-`` in a team assessment's) rules the code out in one short ``GLOB`` instead of one
    from each character (at 10,000 cadres the explanation ids' check 0.14 → 0.07 s).
    A code of more bytes than characters (not ASCII: digits of other scripts, full-width
    ``０``-``９``, which ``id_numbers_in`` reads as digits too) is always judged."""
    covered = (f"substr({name}, length({name}) - {ID_DIGITS - 1}, {2 * ID_DIGITS} - "
               f"length({name}))")
    ascii_digits = (f"(length({name}) >= {2 * ID_DIGITS} OR {covered} NOT GLOB '*[^0-9]*') "
                    f"AND NOT (length({name}) >= 32 AND {name} NOT GLOB '*[^0-9A-Fa-f]*') "
                    f"AND {name} GLOB '{ID_NUMBER_GLOB}'")
    return (f"(length({name}) >= {ID_DIGITS} AND (length(CAST({name} AS BLOB)) > "
            f"length({name}) OR ({ascii_digits})))")


#: Texts judged at once by ``_column_unchanged`` (a bound on the memory it takes).
_BATCH = 20_000


def _short_runs(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor) -> str | None:
    """SQL: whether an explanation's own values write no run of digits long enough for an ID
    number (``explanations.DIGIT_RUN``, recorded by the writer: NULL, not known, is never
    short), where that is all masking looks for in it (the oversight level: ``ids_only``)
    and its packing dictionary is published as it is (every one of the store is: a packed
    cell is then published as it is when masking leaves it unchanged); None where it cannot
    be used (the public level, a store from before the column)."""
    if not (redactor.ids_only and plan.name == "explanation"
            and explanations.DIGIT_RUN in plan.dropped):
        return None
    packed = packed_cells(conn, redactor)
    if not all(packed.dictionary_clean(rid) for (rid,) in conn.execute(
            "SELECT id FROM src.explanation_ref WHERE kind = ?", [packing.ZDICT_KIND])):
        return None
    return f"[{explanations.DIGIT_RUN}] < {ID_DIGITS}"


def _column_unchanged(conn: sqlite3.Connection, plan: TablePlan, column: str,
                      redactor: Redactor, where: str,
                      short_runs: str | None = None) -> bool:
    """Whether masking leaves every text cell of the column (in the rows matching ``where``)
    as it is: its distinct texts of ``redactor.shortest`` characters or more, found by
    SQLite, judged in batches joined (``Redactor.leaves_unchanged``), instead of a Python
    call per cell during the copy; in a JSON column, the packed explanations too (BLOBs:
    ``PackedCells.to_judge``; a BLOB that is not one is published as it is, as by
    ``cadre_redact_json``). Explanations are judged as read (``_as_read``: the texts their
    templates write numbers into, filled, and their stored JSON), packing dictionaries by
    their joined rows (``PackedCells``). Explanations meeting ``short_runs`` (``_short_runs``)
    are not judged."""
    name = f"[{column}]"
    if short_runs:
        where = f"({where}) AND NOT (({short_runs}) IS 1)"   # NULL: not known, judged
    json_texts = plan.treat[column] == "json"
    explained = json_texts and plan.name == "explanation"
    packed = packed_cells(conn, redactor) if json_texts else None
    # explanations judged as read (``_as_read``: every one, whatever its stored length),
    # dictionaries on their own (``PackedCells.dictionary_clean``)
    dictionaries = json_texts and _has_dictionaries(plan)
    rows = conn.execute(f"SELECT DISTINCT {name} FROM src.[{plan.name}] WHERE ({where}) AND "
                        f"typeof({name}) = 'text' AND "
                        + _long_enough(name, 1 if explained else redactor.shortest)
                        + (f" AND [kind] <> '{packing.ZDICT_KIND}'" if dictionaries else ""))
    while batch := rows.fetchmany(_BATCH):
        texts = (t for (v,) in batch
                 for t in (_as_read(v, packed.joiner.filled(v), 0) if explained else (v,)))
        if not redactor.leaves_unchanged(texts, json_texts):
            return False
    if dictionaries:
        return all(packed.dictionary_clean(rid) for (rid,) in conn.execute(
            f"SELECT id FROM src.[{plan.name}] WHERE ({where}) AND [kind] = ?",
            [packing.ZDICT_KIND]))
    if not json_texts:
        return True
    # packed explanations: inflated in one Python loop rather than a call per cell
    rows = conn.execute(f"SELECT {name} FROM src.[{plan.name}] WHERE ({where}) AND "
                        f"typeof({name}) = 'blob'")
    while batch := rows.fetchmany(_BATCH):
        texts = packed.to_judge(cell for (cell,) in batch if packing.is_packed(cell))
        if texts is None or not redactor.leaves_unchanged(texts, json_texts):
            return False
    return True


def _texts_unchanged(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor,
                     where: str = "1") -> set[str]:
    """The text columns of the table (in the rows matching ``where``) whose texts of
    ``redactor.shortest`` characters or more masking leaves as they are, judged in one pass
    over the table (the distinct texts of each batch joined, ``Redactor.leaves_unchanged``:
    exact) instead of a Python call per cell during the copy, where masking looks for ID
    numbers only (the oversight level, ``Redactor.ids_only``; at 10,000 cadres ~96,000 cells,
    a care note's 15,797 of them 2 distinct texts). At public level the redactor remembers
    short texts, and names are in most long ones."""
    if not redactor.ids_only:
        return set()
    stored = {c.name for c in plan.columns if not c.generated}
    tests = {c: _long_enough(f"[{c}]", redactor.shortest)
             for c, treat in plan.treat.items() if treat == "text" and c in stored}
    if not tests:
        return set()
    clean = dict.fromkeys(tests, True)
    rows = conn.execute(
        "SELECT " + ", ".join(f"CASE WHEN {t} THEN [{c}] END" for c, t in tests.items())
        + f" FROM src.[{plan.name}] WHERE ({where}) AND ("
        + " OR ".join(f"({t})" for t in tests.values()) + ")")
    while any(clean.values()) and (batch := rows.fetchmany(_BATCH)):
        for i, column in enumerate(tests):
            if clean[column]:
                # masking leaves a value that is not text as it is (``Redactor.text``)
                clean[column] = redactor.leaves_unchanged(dict.fromkeys(
                    row[i] for row in batch if isinstance(row[i], str)))
    rows.close()
    return {c for c, same in clean.items() if same}


def _too_short(shapes: Iterable[coded.Shape], redactor: Redactor) -> bool:
    """Whether no text of the ``shapes`` is long enough for masking to look at
    (``_long_enough``; a shape's texts have its fixed length), where masking looks for ID
    numbers only: ``_texts_unchanged`` would find none of them, without a pass over the
    table for each such column (a cadre id, a unit code, a date)."""
    shortest = redactor.shortest
    folded = -(-shortest // DIGITS_PER_CHARACTER)
    return redactor.ids_only and all(
        shape.length < shortest and (shape.length < folded
                                     or not _TWO_DIGITS.search("".join(shape.literals)))
        for shape in shapes)


#: ``TWO_DIGITS_GLOB``'s character range as a regular expression (a shape's digits are ASCII:
#: only its literals may hold such a character).
_TWO_DIGITS = re.compile(TWO_DIGITS_GLOB.strip("*"))


def copy_table(conn: sqlite3.Connection, plan: TablePlan, redactor: Redactor,
               where: str = "1", create: bool = True) -> int:
    """Create the table in the publication and copy its rows (those matching the SQL
    ``where``), masking cells of ``redactor.shortest`` characters or more
    (``_select_expr``; not those of a column masking leaves unchanged,
    ``_column_unchanged``, ``_texts_unchanged``) and stopping the build if a code holds an ID number
    (``Redactor.code_or_null``, done by the copy itself: one pass over the table); returns the row
    count. ``create=False``: into the table ``create_table`` made (a plan without coded
    columns)."""
    codings = coded.choose(conn, plan, redactor, where) if create else []
    original = plan
    # a text column's shapes are coded from the texts as stored: where masking leaves those
    # of its shapes as they are
    shaped = {c.column: c for c in codings if c.shapes and plan.treat.get(c.column) == "text"}
    clean = {name for name, c in shaped.items() if _too_short(c.shapes, redactor)
             or _texts_unchanged(conn, attrs.evolve(plan, treat={name: "text"}), redactor,
                                 f"({where}) AND (" + " OR ".join(
                                     f"[{name}] GLOB {coded.literal(s.glob())}"
                                     for s in c.shapes) + ")")}
    codings = [attrs.evolve(c, shapes=()) if c.column in set(shaped) - clean else c
               for c in codings]
    codings = [c for c in codings if c.stored or c.shapes or c.places]
    plan = coded.coded_plan(plan, codings, Column)
    if create:
        conn.execute(create_sql(plan))
    stored = [c for c in plan.columns if not c.generated]   # SQLite computes the others
    names = ", ".join(f"[{c.name}]" for c in stored)
    # JSON columns judged whole at every level (explanations: masking one is dearest); text
    # columns at oversight level (``_texts_unchanged``)
    short_runs = _short_runs(conn, plan, redactor)
    unchanged = {c for c, treat in plan.treat.items()
                 if treat == "json" and _column_unchanged(conn, plan, c, redactor, where,
                                                          short_runs)}
    unchanged |= _texts_unchanged(conn, plan, redactor, where)   # coded columns: by coding
    columns = {c.name: c for c in original.columns}
    for coding in codings:
        coding.register(conn)
    select = {c.code: c.select(_select_expr(original, columns[c.column], redactor.shortest,
                                            c.column in clean))
              for c in codings}
    exprs = ", ".join(select.get(c.name) or _select_expr(plan, c, redactor.shortest,
                                                          c.name in unchanged, short_runs)
                      for c in stored)
    order = ", ".join(f"[{k}]" for k in plan.pk) or "rowid"
    try:
        cur = conn.execute(f"INSERT INTO main.[{plan.name}] ({names}) SELECT {exprs} "
                           f"FROM src.[{plan.name}] WHERE {where} ORDER BY {order}")
    except sqlite3.DatabaseError:   # a key made NULL by a refusal breaks a constraint
        redactor.raise_refusal()    # the refusal, in Chinese, if it was one
        raise
    redactor.raise_refusal()        # (the build is never moved into place)
    return cur.rowcount


def create_table(conn: sqlite3.Connection, plan: TablePlan) -> None:
    """Create the table of a plan without coded columns (``copy_table`` with ``create=False``
    copies its rows later)."""
    if plan.coded:
        raise ValueError(f"{plan.name}: a table with coded columns is created by copy_table")
    conn.execute(create_sql(plan))


def cited_explanations(conn: sqlite3.Connection, plans: list[TablePlan]) -> str:
    """SQL: the explanation ids the published tables cite (in the store), so that the
    explanations of rows a level leaves out are neither copied nor masked."""
    cited = [f"SELECT [{c.name}] FROM src.[{p.name}] WHERE [{c.name}] IS NOT NULL"
             for p in plans for c in p.columns if c.name in EXPLANATION_LINKS]
    return "id IN (" + (" UNION ".join(cited) or "SELECT NULL") + ")"


def register_functions(conn: sqlite3.Connection, redactor: Redactor) -> None:
    """The SQL functions ``copy_table`` uses."""
    conn.create_function("cadre_redact", 1, redactor.text, deterministic=True)
    conn.create_function("cadre_check_code", 1, redactor.code_or_null, deterministic=True)
    packed = packed_cells(conn, redactor)
    conn.create_function("cadre_redact_explanation", 1, packed.explanation, deterministic=True)
    conn.create_function("cadre_redact_dictionary", 2, packed.dictionary, deterministic=True)

    def redact_json(value: Any) -> Any:
        if packing.is_packed(value):
            return packed.redact(value)
        return redactor.json_text(value)
    conn.create_function("cadre_redact_json", 1, redact_json, deterministic=True)


#: A string in JSON text, its quotes and escapes included.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class PackedCells:
    """Masks the explanations of the store (``src``, read-only for the whole build: its
    dictionaries, templates and texts are read once each) as their readers see them: with
    their texts joined (``explanations.Joiner``)."""

    def __init__(self, conn: sqlite3.Connection, redactor: Redactor):
        self.conn, self.redactor = conn, redactor
        self.dictionaries: dict[int, tuple[bytes, bool]] = {}
        # as ``_select_expr`` for JSON text: masking needs a string (or key) of
        # ``shortest`` characters or more (written with escapes, a string is longer); the
        # strings are found in order, from the first quote (no quote is outside a string)
        self.shortest = redactor.shortest + 2

    @functools.cached_property
    def joiner(self) -> explanations.Joiner:
        """The store's templates and texts, read on first use."""
        return explanations.Joiner(self.conn, "src")

    @functools.cached_property
    def folding_texts(self) -> bool:
        """Whether a text of the store taking numbers holds a character folding into digits
        (``_as_read``)."""
        return any(holds_folding(t) for t in self.joiner.refs.values()
                   if isinstance(t, str) and NUMBER in t)

    def _unchanged(self, text: str) -> bool:
        """Whether masking leaves the JSON ``text`` as it is (not counted as masked)."""
        before = self.redactor.masked
        same = self.redactor.json_text(text) == text
        self.redactor.masked = before
        return same

    def _dictionary(self, rid: int) -> tuple[bytes, bool]:
        """A dictionary's bytes, and whether masking leaves its entry unchanged, its rows
        (stored explanations) joined."""
        found = self.dictionaries.get(rid)
        if found is None:
            row = self.conn.execute("SELECT json FROM src.explanation_ref WHERE id = ? AND "
                                    "kind = ?", [rid, packing.ZDICT_KIND]).fetchone()
            if row is None:
                raise ValueError(f"dictionary {rid} missing")
            # its rows joined, and as stored (values a template leaves unused)
            clean = self._unchanged(row[0]) and self._unchanged(self.joiner.entry(row[0]))
            found = self.dictionaries[rid] = (packing.dictionary_bytes(json.loads(row[0])),
                                              clean)
        return found

    def dictionary_clean(self, rid: int) -> bool:
        """Whether the dictionary ``rid`` is published as it is (``dictionary``)."""
        return self._dictionary(rid)[1]

    def dictionary(self, rid: int, text: Any) -> Any:
        """The ``explanation_ref`` entry of the dictionary ``rid`` as published: as it is
        when masking leaves its joined rows unchanged, else without its rows (the
        explanations packed with it are then published as JSON text: ``packed``)."""
        if not isinstance(text, str):
            return text
        try:
            clean = self.dictionary_clean(rid)
            entry = json.loads(text)
        except ValueError:
            return self.redactor.json_text(text)
        if clean:
            return text
        self.redactor.masked += 1
        return self.redactor.json_text(canonical({**entry, "rows": []}))

    def _short(self, text: str) -> bool:
        """Whether the JSON ``text`` is too short to hold anything masking changes (no
        string or key long enough)."""
        return (max(map(len, _JSON_STRING.findall(text)), default=0) < self.shortest
                and not holds_folding(text))

    def _masked(self, text: str) -> str | None:
        """The masked joined JSON of an explanation's JSON ``text`` if masking changes its
        joined JSON or (values its template does not use: a reader of the JSON sees them)
        its stored JSON; None if it changes neither."""
        joined = self.joiner.text(text)
        masked = self.redactor.json_text(joined)
        if masked != joined:
            return masked
        if joined is text or self._unchanged(text):
            return None
        self.redactor.masked += 1
        return joined

    def _clean(self, text: str) -> bool:
        """Whether masking changes nothing a reader reads of an explanation's JSON ``text``
        (``_as_read``: its filled texts and its stored JSON; the texts and templates it
        cites are masked where they are stored)."""
        filled = self.joiner.filled(text)
        return ((not filled or self.redactor.leaves_unchanged(filled))
                and (self._short(text) or self._unchanged(text)))

    def explanation(self, value: Any) -> Any:
        """An ``explanation.json`` cell as published (``packed`` for a packed one; a text
        one as it is unless masking changes what is read of it, else ``_masked``)."""
        if packing.is_packed(value):
            return self.packed(value)
        if not isinstance(value, str) or self._clean(value):
            return value
        masked = self._masked(value)
        return value if masked is None else masked

    def packed(self, cell: bytes) -> Any:
        """The packed cell as published: as it is when masking changes neither what is read
        of it (``_clean``) nor its dictionary; its JSON text when only its dictionary is not
        published as it is; else its masked joined JSON (``_masked``)."""
        text, clean = packing.unpack_with(cell, self._dictionary)
        masked = None if self._clean(text) else self._masked(text)
        if masked is not None:
            return masked
        return cell if clean else text

    #: The name ``cadre_redact_json`` calls it by.
    redact = packed

    def to_judge(self, cells: Iterable[bytes]) -> list[str] | None:
        """The JSON texts of ``cells`` that masking might change, joined and stored
        (``_as_read``; ``packed`` publishes the others as they are), or None if a cell's dictionary is not clean (``packed``
        publishes such a cell as text in any case)."""
        texts = []
        for cell in cells:
            text, clean = packing.unpack_with(cell, self._dictionary)
            if not clean:
                return None
            texts += _as_read(text, self.joiner.filled(text), self.shortest,
                              self.folding_texts)
        return list(dict.fromkeys(texts))   # filled texts repeat ("2024 年")


def _as_read(text: str, filled: list[str], shortest: int,
             folding_texts: bool = True) -> list[str]:
    """What is judged of an explanation whose stored JSON is ``text`` and whose texts
    ``join`` writes numbers into are ``filled`` (``explanations.Joiner.filled``), for
    masking that needs strings of ``shortest`` characters (quotes included): the filled texts
    and, unless too short, its stored JSON (a template may leave values unused, read there
    only), and any of them holding a character folding into digits (``holds_folding``). The
    other strings a reader reads are the texts and templates it cites, judged where they are
    stored (``explanation_ref``)."""
    out = [f for f in filled if len(f) + 2 >= shortest]
    # a filled text's characters are its text's (``folding_texts``: whether a text taking
    # numbers holds one) and its values' (strings of ``text``, unless escaped)
    if len(out) < len(filled) and (folding_texts or "\\u" in text or holds_folding(text)):
        out = filled
    if max(map(len, _JSON_STRING.findall(text)), default=0) >= shortest or holds_folding(text):
        out.append(text)
    return out


#: The ``PackedCells`` of each redactor (with the connection it reads): built once a build.
_PACKED: weakref.WeakKeyDictionary[Redactor, tuple[sqlite3.Connection, PackedCells]] = \
    weakref.WeakKeyDictionary()


def packed_cells(conn: sqlite3.Connection, redactor: Redactor) -> PackedCells:
    """The ``PackedCells`` of ``redactor`` on ``conn`` (one per build: the store's templates
    and texts are read once)."""
    found = _PACKED.get(redactor)
    if found is None or found[0] is not conn:
        found = _PACKED[redactor] = (conn, PackedCells(conn, redactor))
    return found[1]


def served_by(keys: Iterable[list[str]]) -> set[str]:
    """The columns an equality filter finds through an index or key of these columns
    (``keys``, each in its order): the first column of each, and each column after only
    ``FEW_VALUES`` columns (read by skip-scan, the rule above ``FILTER_COLUMNS``)."""
    served = set()
    for key in keys:
        for column in key:
            served.add(column)
            if column not in FEW_VALUES:
                break
    return served


def served_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns of ``table`` an equality filter finds through its primary key or one of its
    indexes (``served_by``), by skip-scan only where the table holds few combinations of the
    columns skipped (``FEW_LIMIT``)."""
    keys = [[r[2] for r in conn.execute(f"PRAGMA main.index_info([{row[1]}])")]
            for row in conn.execute(f"PRAGMA main.index_list([{table}])").fetchall()]
    keys.append([r[1] for r in sorted(conn.execute(f"PRAGMA main.table_info([{table}])"),
                                      key=lambda r: r[5]) if r[5]])
    served = set()
    few: dict[tuple[str, ...], bool] = {}   # keys and indexes may share their first columns
    for key in keys:
        if not key or None in key:
            continue
        served.add(key[0])
        for i in range(1, len(key)):
            if key[i - 1] not in FEW_VALUES:
                break
            if tuple(key[:i]) not in few:
                few[tuple(key[:i])] = _holds_few(conn, table, key[:i])
            if not few[tuple(key[:i])]:
                break
            served.add(key[i])
    return served


def analyse_skip_scans(conn: sqlite3.Connection) -> list[str]:
    """Give the planner exact statistics (``ANALYZE`` without ``analysis_limit``) of every
    index, and ``WITHOUT ROWID`` table's key, that serves a filter column by skip-scan (led by
    columns of ``FEW_VALUES``, ``served_by``); returns their names. Run after the build's
    ``ANALYZE``: from its sample (``analysis_limit``) an index led by a year and a unit counted
    a thousand rows for every unit, and the planner then read a whole table in key order for
    one unit's rows (90 ms at 100,000 cadres, against 1.5 ms by skip-scan)."""
    names = []
    for table, sql in conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = "
                                   "'table' AND sql NOT LIKE 'CREATE VIRTUAL%'").fetchall():
        if table.startswith("sqlite_"):
            continue
        keys = {row[1]: [r[2] for r in conn.execute(f"PRAGMA main.index_info([{row[1]}])")]
                for row in conn.execute(f"PRAGMA main.index_list([{table}])").fetchall()
                if row[3] == "c"}
        if declares_without_rowid(sql or ""):
            keys[table] = [r[1] for r in sorted(conn.execute(f"PRAGMA main.table_info("
                                                             f"[{table}])"), key=lambda r: r[5])
                           if r[5]]
        filters = set(_filter_columns(table_columns(conn, table)))
        names += [name for name, key in keys.items()
                  if len(key) > 1 and key[0] in FEW_VALUES
                  and (served_by([key]) - {key[0]}) & filters]
    if names:
        limit = conn.execute("PRAGMA analysis_limit").fetchone()[0]
        conn.execute("PRAGMA analysis_limit = 0")
        for name in names:
            conn.execute(f"ANALYZE main.[{name}]")
        conn.execute(f"PRAGMA analysis_limit = {int(limit)}")
    return names


def ensure_index(conn: sqlite3.Connection, table: str, columns: list[str],
                 served: set[str] | None = None) -> bool:
    """Create an index on ``columns`` unless the table's key or indexes already serve its
    first column (``served_columns``, or ``served`` as the caller has it: the index made
    here is added to it). Returns whether an index was created."""
    if served is None:
        served = served_columns(conn, table)
    if columns[0] in served:
        return False
    name = f"idx_{table}_{'_'.join(columns)}"
    conn.execute(f"CREATE INDEX [{name}] ON [{table}] ({', '.join(f'[{c}]' for c in columns)})")
    served |= served_by([columns])
    return True


def copy_indexes(conn: sqlite3.Connection, plan: TablePlan) -> list[str]:
    """The store's own indexes on the table (where every column is published; not one on a
    single filter column, which rule 1 gives as it gives it), then the filter columns' (the
    rule above ``FILTER_COLUMNS``). Returns the names of the store's indexes that rule 1 does
    not give (on several columns, or on a column that is not a filter column):
    ``drop_unread`` keeps them only where a query reads them."""
    if plan.name in KEY_ONLY:
        return []
    engines = []
    for cols in _store_indexes(conn, plan.name, {c.name for c in plan.columns}):
        if len(cols) == 1 and cols[0] in FILTER_COLUMNS:
            continue
        name = f"idx_{plan.name}_{'_'.join(cols)}"
        conn.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{plan.name}] "
                     f"({', '.join(f'[{c}]' for c in cols)})")
        engines.append(name)
    index_filters(conn, plan.name)
    return engines


def _store_indexes(conn: sqlite3.Connection, table: str, kept: set[str]) -> list[list[str]]:
    """The columns of each of the store's own indexes on ``table`` (rule 2 above) whose
    columns are all in ``kept`` (and not ``NEVER_INDEXED``)."""
    found = []
    for row in conn.execute(f"PRAGMA src.index_list([{table}])").fetchall():
        if row[3] != "c":   # 'pk' and 'u' indexes come with the table definition
            continue
        cols = [r[2] for r in conn.execute(f"PRAGMA src.index_info([{row[1]}])")]
        if cols and set(cols) <= kept - NEVER_INDEXED:
            found.append(cols)
    return found


def _filter_columns(columns: Iterable[str]) -> list[str]:
    """The filter columns (``FILTER_COLUMNS``) among ``columns`` that may be indexed."""
    columns = set(columns)
    return [c for c in FILTER_COLUMNS if c in columns and c not in NEVER_INDEXED]


def index_filters(conn: sqlite3.Connection, table: str) -> None:
    """Index every filter column (``FILTER_COLUMNS``) of ``table`` (never a column of
    ``NEVER_INDEXED``) its key or indexes do not serve (``served_columns``: found once, each
    index made here serving its own column, ``served_by``; each look cost a pass over the
    table where a key is led by a column of few values, ``_holds_few``)."""
    served = served_columns(conn, table)
    for column in _filter_columns(table_columns(conn, table)):
        ensure_index(conn, table, [column], served)


def _holds_few(conn: sqlite3.Connection, table: str, columns: list[str]) -> bool:
    """Whether ``table`` holds at most ``FEW_LIMIT`` combinations of values of ``columns``."""
    names = ", ".join(f"[{c}]" for c in columns)
    return conn.execute(f"SELECT count(*) FROM (SELECT DISTINCT {names} FROM main.[{table}] "
                        f"LIMIT {FEW_LIMIT + 1})").fetchone()[0] <= FEW_LIMIT


_DECLARED = re.compile(r"\s*(\w+)\s*\((.+?)\)\s*(?:WHERE\s+(.+?))?\s*", re.IGNORECASE | re.DOTALL)


def create_declared(conn: sqlite3.Connection, declared: Iterable[str]) -> list[str]:
    """Create the indexes canned queries declare (``CannedQuery.indexes``: ``"table(col,
    expr, ...)"``, or a partial index ``"table(col, ...) WHERE condition"``, rule 3 above) on
    tables the publication has; the names of those created. An index already there under the
    same name is kept; none is made where the key of a ``WITHOUT ROWID`` table begins with
    its columns (``keyed_by_declared``: the table is that index)."""
    made = []
    have = set(tables(conn, "main", virtual=False))
    for spec in dict.fromkeys(declared):
        match = _DECLARED.fullmatch(spec)
        if match is None:
            raise ValueError(f"an index is declared as 'table(column, ...)' or 'table(column, "
                             f"...) WHERE condition', not {spec!r}")
        table, terms, where = match.groups()
        if table not in have or _key_begins_with(conn, table, _declared_columns(spec)):
            continue
        digest = hashlib.sha256(spec.encode()).hexdigest()[:8]
        name = f"idx_{table}_q{digest}"
        partial = f" WHERE {where}" if where else ""
        conn.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{table}] ({terms}){partial}")
        made.append(name)
    return made


def _key_begins_with(conn: sqlite3.Connection, table: str,
                     declared: tuple[str, tuple[str, ...]] | None) -> bool:
    """Whether ``table`` is a ``WITHOUT ROWID`` table whose key begins with the columns of the
    ``declared`` index (``_declared_columns``)."""
    if declared is None:
        return False
    sql = conn.execute("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                       [table]).fetchone()
    if sql is None or not declares_without_rowid(sql[0]):
        return False
    key = [r[1] for r in sorted(conn.execute(f"PRAGMA main.table_info([{table}])"),
                                key=lambda r: r[5]) if r[5]]
    return [c.lower() for c in key[:len(declared[1])]] == [c.lower() for c in declared[1]]


#: The words of a query plan naming an index it reads.
_PLAN_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\S+)")
#: A named parameter (``:name``) in a query's SQL.
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def drop_unread(conn: sqlite3.Connection, candidates: Iterable[str],
                sqls: Iterable[str]) -> list[str]:
    """Drop the ``candidates`` (the store's indexes ``copy_indexes`` returned) that no query
    plan of ``sqls`` (the canned queries and charts the level may show) reads, and index the
    filter columns they led (rule 1); returns the names dropped.

    Run before the search index is built (it reuses the pages freed): the publication is
    analysed first (the plans a reader gets), and a query that cannot be planned yet (it
    reads a table built later) keeps every candidate on a table its SQL names, directly or
    through a view. A plan does not depend on parameter values (they are left unbound)."""
    tables = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    unread = {n for n in candidates if n in tables}
    if not unread:
        return []
    conn.execute("ANALYZE main")
    views = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    for sql in sqls:
        try:
            plan = conn.execute("EXPLAIN QUERY PLAN " + sql,
                                dict.fromkeys(_PARAMETER.findall(sql))).fetchall()
        except sqlite3.Error:
            named = set(re.findall(r"\w+", sql))
            named |= {w for v in named & set(views) for w in re.findall(r"\w+", views[v])}
            unread -= {n for n in unread if tables[n] in named}
            continue
        unread -= {name for row in plan for name in _PLAN_INDEX.findall(row[-1])}
    for name in sorted(unread):
        conn.execute(f"DROP INDEX [{name}]")   # its statistics go with it
    for table in sorted({tables[n] for n in unread}):
        index_filters(conn, table)
    return sorted(unread)
