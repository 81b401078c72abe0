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
from collections.abc import Callable, Iterable
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

    def ids_for(self, numbers: Iterable[str], found: dict[str, str] | None = None
                ) -> dict[str, tuple[str, bool]]:
        """Each (valid, normalized) ID number's id, and whether the id is new to the store
        (``found``: ``stored`` of these numbers, when the caller has it)."""
        numbers = list(dict.fromkeys(numbers))
        if found is None:
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
    file, line), without keeping every number (a dict of a million cadres' numbers held
    ~300 MB, issue 19). A number the load met is a stored row's that the load wrote (its
    ledger says from where: ``written``), or one met on a row the load did not write (a row
    with errors): only these are kept, in ``unwritten`` (as many as the load's errors).

    Per batch: ``firsts`` before the batch is prepared, ``met`` for the rows that met a
    number first, ``settle`` once the ledger has stored the batch."""

    def __init__(self, identity: CadreIdentity):
        self.identity = identity
        self.unwritten: dict[str, tuple[Any, str, int]] = {}
        #: The keys (of one column) the load wrote, with their file and line (the ledger's).
        self.written: Callable[[list], dict[Any, tuple[str, int]]] = lambda keys: {}
        self._new: list[tuple[int, str, Any, str, int]] = []

    def firsts(self, numbers: set[str]) -> tuple[dict[str, tuple[Any, str, int]],
                                                  dict[str, str]]:
        """The first row (key, file, line) of each of ``numbers`` the load met; and each
        number's owner in the store (the cadres stored before the load and those it wrote)."""
        owners = self.identity.stored(numbers)
        firsts = {n: self.unwritten[n] for n in numbers if n in self.unwritten}
        if owners:
            wrote = self.written(list(set(owners.values())))
            for number, owner in owners.items():
                if number not in firsts and owner in wrote:
                    firsts[number] = (owner, *wrote[owner])
        return firsts, owners

    def met(self, rows: list[tuple[int, str, Any, str, int]]) -> None:
        """The batch's rows (index, number, key, file, line) that met their numbers first."""
        self._new = rows

    def settle(self, outcomes: list, all_written: bool) -> None:
        """After the ledger stored the batch (``outcomes``; ``all_written``: every row of it
        was written): keep the numbers first met on rows it did not write."""
        rows, self._new = self._new, []
        if all_written or not rows:
            return
        wrote = self.written(list({key for _, _, key, _, _ in rows}))
        for i, number, key, file, line in rows:
            if i >= len(outcomes):  # (rows after the load stopped are not part of it)
                break
            if wrote.get(key) != (file, line):
                self.unwritten.setdefault(number, (key, file, line))
