"""What the publication's Chinese search finds: the free-text columns of every published table
(names of units and regions, posts, observations, achievements, case summaries, remarks, and
at oversight level cadres' names), one search row per table row, with a link back to it.

Nothing is copied for it: the search rows of a table are numbered after those of the tables
before it, by rowid (``Searchable.base``; a publication is never vacuumed, so its rowids
stay), and what a result shows is computed from the published row when it is shown
(``Searchable.result_sql``, one arm of the view ``search.RESULTS``).
"""
from __future__ import annotations

import sqlite3

import attrs

from cadre_sdk.publish.copy import TablePlan
from cadre_sdk.publish.introspect import record_json
from cadre_sdk.publish.labels import labels_for
from cadre_sdk.publish import search

#: At most this many characters of a row's text are shown in a search result.
SHOWN = 300
#: Separates the texts of a row's columns in what a result shows.
_JOIN = "；"
#: A searchable column of at most this many distinct texts has their tokens written into the
#: SQL that indexes it (``Searchable.few_texts``): the dozen comparisons finding one
#: (``search._look_up``) cost less than a call into Python a row (at 100,000 cadres a post:
#: 113 texts in 345,000 rows).
FEW_TEXTS = 256


def search_columns(plan: TablePlan) -> list[str]:
    """The free-text columns of the table that this level publishes."""
    kept = {c.name for c in plan.columns}
    return [c for c in (plan.labels.search if plan.labels else ()) if c in kept]


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@attrs.frozen
class Searchable:
    """One published table with searchable text."""

    base: int                  # its row ``rowid`` is the search row ``base + rowid``
    top: int                   # its last search row (``base`` + its highest rowid)
    table: str
    kind: str                  # the table's Chinese title
    keys: tuple[str, ...]      # its primary key (``rowid`` if it has none)
    columns: tuple[str, ...]   # its searchable columns

    @property
    def named(self) -> bool:
        """Whether a row's ``name`` is its title (else its key is)."""
        return "name" in self.columns

    def _texts(self) -> list[str]:
        """The searchable columns besides the title."""
        return [c for c in self.columns if not (self.named and c == "name")]

    def _title_sql(self) -> str:
        key = "||'/'||".join(f"[{k}]" for k in self.keys)
        return f"coalesce(nullif([name], ''), {key})" if self.named else key

    def result_sql(self) -> str:
        """SELECT of what a result shows for each row (``search.RESULT_COLUMNS``): its kind,
        title (its name, or its key), the start of its other texts joined by ``；``, and the
        record cell linking to it. Every arm gives every column the same affinity (the title
        is cast to text), so that SQLite reads one row by rowid for a result."""
        joined = " || ".join(f"coalesce('{_JOIN}' || nullif([{c}], ''), '')"
                            for c in self._texts())
        content = f"substr({joined or chr(39) * 2}, 2, {SHOWN})"
        record = record_json(self.table, [f"[{k}]" for k in self.keys])
        return (f"SELECT {self.base} AS base, {self.top} AS top, rowid AS rid, "
                f"{_literal(self.kind)} AS kind, "
                f"CAST({self._title_sql()} AS TEXT) AS title, {content} AS content, "
                f"{record} AS record FROM [{self.table}]")

    def few_texts(self, conn: sqlite3.Connection) -> dict[str, list[str]]:
        """The searchable columns besides the title holding ``FEW_TEXTS`` distinct texts or
        fewer (posts, programmes, notes), and their texts (``search.indexed_text`` writes
        their tokens into the SQL)."""
        found = {}
        for column in self._texts():
            texts = [t for (t,) in conn.execute(
                f"SELECT DISTINCT [{column}] FROM main.[{self.table}] WHERE typeof([{column}]) "
                f"= 'text' LIMIT {FEW_TEXTS + 1}")]
            if len(texts) <= FEW_TEXTS:
                found[column] = texts
        return found

    def rows_sql(self, few: dict[str, list[str]] | None = None) -> str:
        """SELECT of the search ``id`` and ``text`` of every row with searchable text: a named
        table's every row, another's rows with a searchable cell besides the key; the text is
        what is indexed of its title and searchable cells (``search.indexed_text``; ``few``:
        the texts of columns with few, ``few_texts``). Each value is read once, in a subquery
        SQLite does not flatten (``LIMIT -1``): the text names it up to five times, and a
        coded column's value is computed when read (``coded``)."""
        texts = self._texts()
        values = [f"CAST({self._title_sql()} AS TEXT) AS [v0]",
                  *(f"[{c}] AS [v{i}]" for i, c in enumerate(texts, 1))]
        text = search.indexed_text([f"[v{i}]" for i in range(len(values))],
                                   [(), *((few or {}).get(c, ()) for c in texts)])
        where = "" if self.named else " WHERE " + " OR ".join(
            _truthy(f"[v{i}]") for i in range(1, len(values)))
        return (f"SELECT id, {text} AS text FROM (SELECT {self.base} + rowid AS id, "
                f"{', '.join(values)} FROM main.[{self.table}] LIMIT -1){where}")


def _truthy(value: str) -> str:
    """SQL: whether ``value`` is true in Python once read (not NULL, empty, or zero)."""
    return (f"CASE typeof({value}) WHEN 'null' THEN 0 WHEN 'text' THEN {value} <> '' "
            f"WHEN 'blob' THEN length({value}) > 0 ELSE {value} <> 0 END")


def searchables(conn: sqlite3.Connection, plans: list[TablePlan]) -> list[Searchable]:
    """The published tables with searchable text, in publication order, and the search rows
    of each."""
    found: list[Searchable] = []
    base = 0
    for plan in plans:
        cols = search_columns(plan)
        if cols:
            kind = labels_for(plan.name, [c.name for c in plan.columns]).title
            top = base + (conn.execute(f"SELECT max(rowid) FROM main.[{plan.name}]"
                                       ).fetchone()[0] or 0)
            found.append(Searchable(base, top, plan.name, kind, tuple(plan.pk or ["rowid"]),
                                    tuple(cols)))
            base = top
    return found


def build_index(conn: sqlite3.Connection, plans: list[TablePlan]) -> int:
    """Create the search index over the published tables of ``plans`` and index their rows;
    returns the number of rows indexed."""
    found = searchables(conn, plans)
    search.create_index(conn, [s.result_sql() for s in found])
    return search.add_rows(conn, [s.rows_sql(s.few_texts(conn)) for s in found])
