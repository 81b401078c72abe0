"""Secondary indexes built after a large load instead of row by row during it.

A load into a table that held no row writes its rows in the files' order; each secondary index
(a cadre's unit, a care record's kind and date) then takes them in another order, one B-tree
descent and, once the index outgrows SQLite's page cache, one page read per row: at a million
cadres that grows faster than the rows (issue 19). Once such a load has written
``DEFER_ROWS`` rows, ``DeferredIndexes`` drops the table's plain indexes and ``restore``
creates them again, with the same SQL, when the rows are written (a sort of the loaded rows).
Both happen inside the load's one transaction: a load that fails or is stopped rolls back to
the indexes as they were.

Kept during the load: indexes SQLite makes for keys and ``UNIQUE`` constraints, ``UNIQUE``
indexes (they refuse rows; the load reports duplicate keys itself), and the indexes the load
reads (those on the kind's identifier column, ``identity``: a cadre file matched by ID number).
Kinds with after-load callbacks (which may read any index) are not deferred.
"""
from __future__ import annotations

import sqlite3

from cadre_sdk.ingest.identity import identifier_of

#: Rows a load into an empty table writes before it drops the table's plain indexes: below
#: it, building an index afterwards saves nothing measurable (a few thousand rows).
DEFER_ROWS = 20_000


class DeferredIndexes:
    """The plain indexes of one kind's table, dropped once the load has written enough rows
    (``written``) and created again by ``restore``."""

    def __init__(self, conn: sqlite3.Connection, kind: str):
        self.conn, self.kind = conn, kind
        self.dropped: list[tuple[str, str]] = []  # (name, CREATE INDEX sql), in schema order
        self.done = False

    def written(self, rows: int) -> None:
        """The load has written ``rows`` rows so far: past ``DEFER_ROWS``, drop the indexes
        (once)."""
        if self.done or rows < DEFER_ROWS:
            return
        self.done = True
        keep = identifier_of(self.kind)
        for name, sql in self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY rowid", [self.kind]).fetchall():
            if sql.lstrip()[:13].upper() != "CREATE INDEX " or keep is not None and \
                    keep in {c for (_, _, c) in self.conn.execute(
                        "SELECT * FROM pragma_index_info(?)", [name])}:
                continue
            self.dropped.append((name, sql))
        for name, _ in self.dropped:
            self.conn.execute(f"DROP INDEX [{name}]")

    def restore(self) -> None:
        """Create the dropped indexes again (with the SQL they were made with)."""
        dropped, self.dropped = self.dropped, []
        for _, sql in dropped:
            self.conn.execute(sql)
