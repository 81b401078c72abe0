"""Batched writing of engine results: rows are collected per table and written with
``executemany`` every ``BATCH`` rows (explanations through ``explanations.write``)."""
from __future__ import annotations

import sqlite_utils

from cadre_sdk.core.trace import Trace
from cadre_sdk.store.explanations import write as write_explanations

#: Rows queued per table before they are written. A queued explanation is a trace of a few
#: kilobytes of Python objects: 500 keeps each queue to a few MB, whatever the input size.
BATCH = 500


class BatchWriter:
    """Collects result rows for tables of known width and writes them in batches."""

    def __init__(self, db: sqlite_utils.Database, widths: dict[str, int]):
        self.db = db
        self.widths = {**widths, "explanation": 4}
        self.rows: dict[str, list[tuple]] = {k: [] for k in self.widths}
        self.counts = dict.fromkeys(self.widths, 0)

    def add(self, table: str, row: tuple) -> None:
        """Queue one row of ``table`` (a tuple in column order)."""
        if len(row) != self.widths[table]:
            raise ValueError(f"{table} row has {len(row)} values, expected {self.widths[table]}")
        self.rows[table].append(row)
        self.counts[table] += 1
        if len(self.rows[table]) >= BATCH:
            self._write(table)

    def explain(self, kind: str, subject_id: str, trace: Trace) -> str:
        """Queue the explanation of one result; returns its id ``kind:subject_id``."""
        eid = f"{kind}:{subject_id}"
        self.add("explanation", (eid, kind, subject_id, trace.to_dict()))
        return eid

    def _write(self, table: str) -> None:
        rows = self.rows[table]
        if not rows:
            return
        if table == "explanation":
            write_explanations(self.db, rows)
        else:
            marks = ", ".join("?" for _ in range(self.widths[table]))
            self.db.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        rows.clear()

    def flush(self) -> None:
        """Write everything still queued."""
        for table in self.widths:
            self._write(table)
