"""Who a row is about when the file has no id column: cadres matched by 身份证号, new ones given
an id by the store.

Clerks' rosters carry no 干部编号; the ID number identifies the person. The id the store
assigns (``RY0000001``, ``RY0000002``...) is a plain sequence, never derived from the ID number
(which must not reach the publication): the same person keeps it on every later load because
the ID number finds it again.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from cadre_sdk.store.database import migration_set

#: For a kind whose key column a file may leave out: the field that identifies a row instead.
IDENTIFIERS: dict[str, str] = {"cadre": "id_number"}
#: Ids the store assigns: this prefix and a 7-digit sequence number.
ASSIGNED_PREFIX = "RY"
_DIGITS = 7

identity_set = migration_set("cadre_sdk_identity")


@identity_set(name="0001_cadre_id_number_index")
def _id_number_index(db) -> None:
    # Matching by 身份证号 and the duplicate check look cadres up by it, a batch at a time.
    db.execute("CREATE INDEX IF NOT EXISTS idx_cadre_id_number ON cadre (id_number)")


def identifier_of(kind: str) -> str | None:
    """The field that identifies a row of ``kind`` when its file has no key column."""
    return IDENTIFIERS.get(kind)


def describe(kind: str, key_title: str, identifier_title: str) -> str:
    """How rows of ``kind`` are identified, in Chinese (for ``cadre kinds``)."""
    return (f"识别方式：有“{key_title}”列时按编号；没有时按“{identifier_title}”匹配已有记录，"
            f"新记录由系统分配编号（{ASSIGNED_PREFIX}{1:0{_DIGITS}d} 起，与{identifier_title}无关）")


class CadreIdentity:
    """Cadre ids by ID number for one load, in its transaction: stored cadres are found, new
    ID numbers get the next free assigned id (the same one for the same number within the
    load). ``ids_for`` is the batch form; ``id_for`` one number.

    The ids given are remembered up to ``LIMIT`` numbers, then forgotten (memory stays bounded
    however many cadres a load brings): a number whose row the load has written is found in
    the store again, and the callers ask once per number (a number met twice is reported as
    the same person twice: ``MetNumbers``)."""

    LIMIT = 1 << 14

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.assigned: dict[str, str] = {}  # ID number -> id given in this load (up to LIMIT)
        last = conn.execute(
            "SELECT max(id) FROM cadre WHERE id GLOB ?",
            [ASSIGNED_PREFIX + "[0-9]" * _DIGITS]).fetchone()[0]
        self.next = int(last[len(ASSIGNED_PREFIX):]) + 1 if last else 1

    def stored(self, numbers: Iterable[str]) -> dict[str, str]:
        """Stored cadres' ids by their ID number, for these numbers."""
        numbers = list(dict.fromkeys(numbers))
        if not numbers:
            return {}
        # The numbers drive the join (one index search each), whatever the table's size.
        return dict(self.conn.execute(
            "SELECT c.id_number, min(c.id) FROM json_each(?) AS j CROSS JOIN cadre AS c "
            "ON c.id_number = j.value GROUP BY c.id_number", [json.dumps(numbers)]))

    def ids_for(self, numbers: Iterable[str]) -> dict[str, tuple[str, bool]]:
        """Each (valid, normalized) ID number's id, and whether the id is new to the store."""
        numbers = list(dict.fromkeys(numbers))
        found = self.stored(n for n in numbers if n not in self.assigned)
        out: dict[str, tuple[str, bool]] = {}
        for number in numbers:
            if number in found:
                out[number] = (found[number], False)
            else:
                out[number] = (self._assign(number), True)
        return out

    def id_for(self, number: str) -> tuple[str, bool]:
        """One ID number's id, and whether it is new (see ``ids_for``)."""
        return self.ids_for([number])[number]

    def _assign(self, number: str) -> str:
        if number not in self.assigned:
            while True:
                candidate = f"{ASSIGNED_PREFIX}{self.next:0{_DIGITS}d}"
                self.next += 1
                # A clerk may have typed an id of this shape for another cadre: skip it.
                if self.conn.execute("SELECT 1 FROM cadre WHERE id = ?",
                                     [candidate]).fetchone() is None:
                    break
            if len(self.assigned) >= self.LIMIT:
                self.assigned.clear()
            self.assigned[number] = candidate
            return candidate
        return self.assigned[number]


class MetNumbers:
    """The ID numbers one load has met, each with the first row giving it: number -> (key,
    file, line). Kept in a temp table (``temp._load_numbers``) in the load's transaction, not
    in Python: a dict of a million cadres' numbers held ~300 MB (issue 19). Made (empty) when
    a load of a kind with an identifier begins; ``close`` drops it (a rolled back load drops
    it too)."""

    TABLE = "temp._load_numbers"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
        conn.execute(f"CREATE TABLE {self.TABLE} (number TEXT PRIMARY KEY, key, file TEXT, "
                     "line INTEGER) WITHOUT ROWID")

    def firsts(self, numbers: Iterable[str]) -> dict[str, tuple[Any, str, int]]:
        """The first row of the load (key, file, line) of each of ``numbers`` met already."""
        numbers = list(numbers)
        if not numbers:
            return {}
        return {number: (key, file, line) for number, key, file, line in self.conn.execute(
            f"SELECT m.number, m.key, m.file, m.line FROM json_each(?) AS j "
            f"CROSS JOIN {self.TABLE} AS m ON m.number = j.value", [json.dumps(numbers)])}

    def add(self, rows: Iterable[tuple[str, Any, str, int]]) -> None:
        """Remember rows (number, key, file, line) as the first to give their numbers (a
        number remembered already is given the row again: the callers add a number only
        when it was not met, or met on that same row)."""
        self.conn.executemany(f"INSERT OR REPLACE INTO {self.TABLE} VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
        """Drop the table (at the end of the load)."""
        self.conn.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
