"""Keys and references of the rows a load writes: a key loaded twice is an error naming the
first row; references to rows that do not exist are found in SQL, all of them at once.
``RowidLedger`` tracks the load's rows by rowid; ``KeyLedger`` keeps a temp table of the loaded
keys for the kinds that need one (append-only tables, kinds with ``after_load`` callbacks,
``WITHOUT ROWID`` tables); ``FreshLedger`` writes a ``WITHOUT ROWID`` table that holds no row
yet with plain INSERTs, and asks for the pass to be done again (``Redo``) the ordinary way if a
key comes twice or a reference is not found.
"""
from __future__ import annotations

import bisect
import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from cadre_sdk.core.errors import RowError
from cadre_sdk.core.normalize import same_but_old_folding
from cadre_sdk.ingest import batches as load_rows
from cadre_sdk.ingest.batches import CACHE_SIZE
from cadre_sdk.records import RECORD_TYPES


def stopped(outcomes: list, errors: list[RowError]) -> bool:
    """Whether a batch stopped its file: its last row's errors brought the count of errors to
    ``MAX_ERRORS`` (``_judge`` looks at no row after that one)."""
    return bool(outcomes) and outcomes[-1].__class__ is not tuple and \
        len(errors) >= load_rows.MAX_ERRORS


def _key_of(cls: type) -> Callable[[tuple], tuple]:
    """The key values of a row of ``cls`` from its values in field order."""
    names = [f.name for f in attrs.fields(cls)]
    where = [names.index(k) for k in cls.__key__]
    if len(where) == 1:
        only = where[0]
        return lambda values: (values[only],)
    return lambda values: tuple(values[i] for i in where)


def _duplicate(cls: type, display: str, line: int, keyvals: tuple, first: tuple[str, int]
               ) -> RowError:
    return RowError(display, line, cls.__key__[0] if len(keyvals) == 1 else "",
                    f"主键 {'/'.join(map(str, keyvals))} 与 {first[0]}:{first[1]} 重复")


class KeyLedger:
    """The load's keys in ``temp._load_keys`` (key columns, ``_file``, ``_line``, ``_n``): a
    key loaded twice is an error naming the first row; rows with new keys are written. Used
    for append-only kinds and kinds with ``after_load`` callbacks (which read the table)."""

    def __init__(self, conn: sqlite3.Connection, cls: type):
        self.conn, self.cls = conn, cls
        kind, key = cls.__kind__, list(cls.__key__)
        names = [f.name for f in attrs.fields(cls)]
        key_cols = ", ".join(f"[{k}]" for k in key)
        # _n numbers the loaded rows, so that a batch's own keys can be told apart (and taken
        # back) even when the same file is given twice.
        conn.execute(f"CREATE TEMP TABLE _load_keys ({key_cols}, _file TEXT, _line INTEGER, "
                     f"_n INTEGER, PRIMARY KEY ({key_cols})) WITHOUT ROWID")
        cols = ", ".join(f"[{n}]" for n in names)
        marks = ", ".join("?" for _ in names)
        if cls.__append_only__:
            self.write = f"INSERT OR IGNORE INTO [{kind}] ({cols}) VALUES ({marks})"
        else:
            updates = ", ".join(f"[{n}]=excluded.[{n}]" for n in names if n not in key) or \
                f"[{key[0]}]=excluded.[{key[0]}]"
            self.write = (f"INSERT INTO [{kind}] ({cols}) VALUES ({marks}) "
                          f"ON CONFLICT({key_cols}) DO UPDATE SET {updates}")
        self.key_of = _key_of(cls)
        marks = ", ".join("?" for _ in key)
        self.insert = f"INSERT INTO temp._load_keys VALUES ({marks}, ?, ?, ?)"
        self.insert_new = f"INSERT OR IGNORE INTO temp._load_keys VALUES ({marks}, ?, ?, ?)"
        match = " AND ".join(f"[{k}] = ?" for k in key)
        self.first = f"SELECT _file, _line FROM temp._load_keys WHERE {match}"
        self.take_back = f"DELETE FROM temp._load_keys WHERE {match} AND _n = ?"
        self.n = 0

    def store(self, outcomes: list, clean: bool, display: str, lines: list[int],
              errors: list[RowError]) -> tuple[int, bool]:
        """Add a batch's outcomes (``clean``: all are good rows; ``lines``: the rows' lines):
        errors to ``errors``, keys to the ledger, good rows to the table, exactly as row by
        row. Returns how many rows it used, and whether it stopped there: after a row whose
        errors brought the count to ``MAX_ERRORS`` (a duplicate key's error does not stop a
        file, as before)."""
        good = outcomes if clean else [o for o in outcomes if o.__class__ is tuple]
        if good and not self.cls.__append_only__:
            # Fast: every key at once. If one was taken, take them back and go row by row.
            n, key_of = self.n, self.key_of
            keys = [(*key_of(row), display, lines[i], n + i)
                    for i, row in enumerate(outcomes) if row.__class__ is tuple]
            changes = self.conn.total_changes
            self.conn.executemany(self.insert_new, keys)
            if self.conn.total_changes - changes == len(keys):
                self.n += len(outcomes)
                for o in outcomes:
                    if o.__class__ is not tuple:
                        errors.extend(o)
                self.conn.executemany(self.write, good)
                return len(outcomes), stopped(outcomes, errors)
            self.conn.executemany(self.take_back, [(*k[:-3], k[-1]) for k in keys])
        return self._row_by_row(outcomes, display, lines, errors)

    def _row_by_row(self, outcomes: list, display: str, lines: list[int],
                    errors: list[RowError]) -> tuple[int, bool]:
        cls, conn = self.cls, self.conn
        batch: list[tuple] = []
        used, stopped = 0, False
        for i, outcome in enumerate(outcomes):
            used += 1
            if outcome.__class__ is not tuple:
                errors.extend(outcome)
                if len(errors) >= load_rows.MAX_ERRORS:
                    stopped = True
                    break
                continue
            keyvals = self.key_of(outcome)
            try:
                conn.execute(self.insert, [*keyvals, display, lines[i], self.n + i])
            except sqlite3.IntegrityError:
                first = conn.execute(self.first, keyvals).fetchone()
                errors.append(_duplicate(cls, display, lines[i], keyvals, first))
                continue
            if cls.__append_only__:
                errors.extend(_check_unchanged(conn, cls, outcome, display, lines[i]))
            batch.append(outcome)
        self.n += len(outcomes)
        if batch:
            conn.executemany(self.write, batch)
        return used, stopped

    def written_sql(self, alias: str) -> str:
        """The SQL condition that the stored row ``alias`` was written by this load."""
        match = " AND ".join(f"k.[{c}] = {alias}.[{c}]" for c in self.cls.__key__)
        return f"EXISTS (SELECT 1 FROM temp._load_keys k WHERE {match})"

    def written(self, keys: list) -> dict[Any, tuple[str, int]]:
        """The file and line each of these keys (of a one-column key) was written from in
        this load; keys it did not write are left out."""
        return {k: (file, line) for k, file, line in self.conn.execute(
            f"SELECT [{self.cls.__key__[0]}], _file, _line FROM temp._load_keys WHERE "
            f"[{self.cls.__key__[0]}] IN (SELECT value FROM json_each(?))", [json.dumps(keys)])}

    def references(self) -> list[RowError]:
        """Every reference of the loaded rows points at a stored row."""
        return _check_references(self.conn, self.cls)


class RowidLedger:
    """The load's rows told apart by their rowid, with no table of keys.

    With ``base`` the table's largest rowid before the load, SQLite gives the k-th row this
    load writes the rowid ``base + k`` (the largest plus one, each time); a stored row it
    updates is moved to the next rowid too. A key met again in the same load then conflicts
    with a rowid above ``base``: the upsert's ``WHERE`` leaves that row alone, the missing
    change gives the duplicate away, and the rowid found names the first row. References are
    checked on the rows above ``base``. The file and line of the k-th row written come from
    ``_RowMap`` (a few numbers per batch).
    """

    @staticmethod
    def usable(conn: sqlite3.Connection, cls: type) -> bool:
        """A rowid table whose rowids leave room for a load of any size."""
        try:
            base = conn.execute(f"SELECT max(rowid) FROM [{cls.__kind__}]").fetchone()[0]
        except sqlite3.OperationalError:  # WITHOUT ROWID
            return False
        return (base or 0) < 1 << 62

    def __init__(self, conn: sqlite3.Connection, cls: type,
                 resolvers: dict[str, Any] | None = None):
        """``resolvers``: as for ``_Lookups``."""
        self.conn, self.cls = conn, cls
        kind, key = cls.__kind__, list(cls.__key__)
        names = [f.name for f in attrs.fields(cls)]
        self.base = conn.execute(f"SELECT max(rowid) FROM [{kind}]").fetchone()[0] or 0
        cols = ", ".join(f"[{n}]" for n in names)
        marks = ", ".join("?" for _ in names)
        updates = "".join(f", [{n}]=excluded.[{n}]" for n in names if n not in key)
        key_cols = ", ".join(f"[{k}]" for k in key)
        self.write = (f"INSERT INTO [{kind}] ({cols}) VALUES ({marks}) "
                      f"ON CONFLICT({key_cols}) DO UPDATE SET "
                      f"rowid = (SELECT max(rowid) FROM [{kind}]) + 1{updates} "
                      f"WHERE [{kind}].rowid <= {self.base}")
        self.find = f"SELECT rowid FROM [{kind}] WHERE " + " AND ".join(f"[{k}] = ?" for k in key)
        self.key_of = _key_of(cls)
        self.rows = _RowMap()
        self.lookups = _Lookups(conn, cls, resolvers)

    def store(self, outcomes: list, clean: bool, display: str, lines: list[int],
              errors: list[RowError]) -> tuple[int, bool]:
        """Add a batch's outcomes (see ``KeyLedger.store``)."""
        conn = self.conn
        good = outcomes if clean else [o for o in outcomes if o.__class__ is tuple]
        changes = conn.total_changes
        conn.executemany(self.write, good)
        self.lookups.look_up(good)
        if conn.total_changes - changes == len(good):
            if clean:
                self.rows.add(display, lines)
                return len(outcomes), False
            for o in outcomes:
                if o.__class__ is not tuple:
                    errors.extend(o)
            self.rows.add(display, [lines[i] for i, o in enumerate(outcomes)
                                    if o.__class__ is tuple])
            return len(outcomes), stopped(outcomes, errors)
        # Some key came twice: go row by row, as the errors come, and stop where they fill.
        written: list[int] = []  # lines of the rows written, in rowid order
        following = self.base + self.rows.count + 1  # the rowid the next row written got
        used = 0
        for i, outcome in enumerate(outcomes):
            used += 1
            if outcome.__class__ is tuple:
                keyvals = self.key_of(outcome)
                stored = conn.execute(self.find, keyvals).fetchone()[0]
                if stored == following:
                    written.append(lines[i])
                    following += 1
                else:  # the first row with this key has the rowid found
                    first = self.rows.where(stored - self.base - 1) \
                        if stored <= self.base + self.rows.count else \
                        (display, written[stored - self.base - self.rows.count - 1])
                    errors.append(_duplicate(self.cls, display, lines[i], keyvals, first))
                continue
            errors.extend(outcome)
            if len(errors) >= load_rows.MAX_ERRORS:
                # The rows after this one are not part of the load (as before): take them out
                # (the load fails; only the reference check would see them).
                conn.execute(f"DELETE FROM [{self.cls.__kind__}] WHERE rowid >= ?",
                             [following])
                self.rows.add(display, written)
                return used, True
        self.rows.add(display, written)
        return used, False

    def written_sql(self, alias: str) -> str:
        """The SQL condition that the stored row ``alias`` was written by this load."""
        return f"{alias}.rowid > {self.base}"

    def written(self, keys: list) -> dict[Any, tuple[str, int]]:
        """The file and line each of these keys (of a one-column key) was written from in
        this load (its row's rowid is above ``base``); keys it did not write are left out."""
        kind, pk = self.cls.__kind__, self.cls.__key__[0]
        return {k: self.rows.where(rowid - self.base - 1) for k, rowid in self.conn.execute(
            f"SELECT [{pk}], rowid FROM [{kind}] WHERE [{pk}] IN "
            f"(SELECT value FROM json_each(?)) AND rowid > {self.base}", [json.dumps(keys)])}

    def references(self) -> list[RowError]:
        """Every reference of the loaded rows (rowids above ``base``) points at a stored row:
        the fields ``look_up`` could not clear are checked in SQL."""
        errors = []
        kind = self.cls.__kind__
        # The reports list rows in file-name then line order, as the key table gave them.
        order = self.rows.order_sql("t.rowid", self.base)
        rechecked = self.lookups.rechecked()
        with _mapped(self.conn, self.rows.count if rechecked else MAPPED_ROWS + 1):
            for field, parent, dangling in rechecked:
                sql = (f"SELECT t.rowid, t.[{field.name}] FROM [{kind}] t "
                       f"WHERE t.rowid > {self.base} AND {dangling} "
                       f"ORDER BY {order}, t.rowid LIMIT {load_rows.MAX_ERRORS}")
                for rowid, value in self.conn.execute(sql).fetchall():
                    file, line = self.rows.where(rowid - self.base - 1)
                    errors.append(_missing_reference(field, parent, file, line, value))
        return errors


#: Rows of a load up to which its reference check reads the store through a memory map.
MAPPED_ROWS = 100_000
#: The most of the store a reference check maps. The pages a mapping touches count in the
#: process's resident memory until it is undone, on top of what the load's earlier kinds left
#: (~130 MB at 1M cadres): with 256 MB the 1M load peaked at 286 MB, with 64 MB at 195 MB
#: (issue 8's bound is 200 MB). 32 MB: no difference in load CPU at 10k (issue 19).
_MAP_BYTES = 32 << 20


@contextlib.contextmanager
def _mapped(conn: sqlite3.Connection, rows: int) -> Iterator[None]:
    """Reads of the store through a memory map (SQLite's ``mmap_size``) for the reference check
    of a load of at most ``MAPPED_ROWS`` rows: its probes read the referred table's key pages
    (a cold connection's), and a page mapped costs a fault where a read costs a system call and
    a copy (issue 19: 3.1 -> 1.8 ms for a kind of 2,773 rows at 100k cadres). Larger loads read
    as before: the pages a mapping touches count in the process's resident memory."""
    if rows > MAPPED_ROWS:
        yield
        return
    conn.execute(f"PRAGMA mmap_size = {_MAP_BYTES}")
    try:
        yield
    finally:
        conn.execute("PRAGMA mmap_size = 0")


class Redo(Exception):
    """A ``FreshLedger`` met a key twice or a reference it cannot place: the load's pass is to
    be done again the ordinary way (``KeyLedger``), which names the rows."""


class FreshLedger:
    """The rows of a load into a ``WITHOUT ROWID`` table that held no row when the load began,
    written with plain INSERTs (issue 19: an upsert, and the temp table of keys ``KeyLedger``
    keeps, cost more than the rows' own writing). As no row was stored, a key met twice is one
    this load wrote already: the INSERT fails, and so does a reference not found; either raises
    ``Redo``. The table then holds only this pass's rows: the caller deletes them and does the
    pass again with the ordinary ledger (``loader._load``)."""

    @staticmethod
    def usable(conn: sqlite3.Connection, cls: type) -> bool:
        """A ``WITHOUT ROWID`` table (``RowidLedger`` serves rowid tables) of a kind that is not
        append-only, holding no row yet."""
        if cls.__append_only__ or RowidLedger.usable(conn, cls):
            return False
        return conn.execute(f"SELECT 1 FROM [{cls.__kind__}] LIMIT 1").fetchone() is None

    def __init__(self, conn: sqlite3.Connection, cls: type,
                 resolvers: dict[str, Any] | None = None):
        """``resolvers``: as for ``_Lookups``."""
        self.conn, self.cls = conn, cls
        names = [f.name for f in attrs.fields(cls)]
        self.write = (f"INSERT INTO [{cls.__kind__}] ({', '.join(f'[{n}]' for n in names)}) "
                      f"VALUES ({', '.join('?' for _ in names)})")
        self.lookups = _Lookups(conn, cls, resolvers)

    def store(self, outcomes: list, clean: bool, display: str, lines: list[int],
              errors: list[RowError]) -> tuple[int, bool]:
        """Add a batch's outcomes (see ``KeyLedger.store``); ``Redo`` if a key came twice."""
        good = outcomes if clean else [o for o in outcomes if o.__class__ is tuple]
        try:
            self.conn.executemany(self.write, good)
        except sqlite3.IntegrityError as exc:
            raise Redo(str(exc)) from exc
        self.lookups.look_up(good)
        if not clean:
            for o in outcomes:
                if o.__class__ is not tuple:
                    errors.extend(o)
        return len(outcomes), stopped(outcomes, errors)

    def references(self) -> list[RowError]:
        """None missing (the table holds only this load's rows), else ``Redo``: the fields
        ``look_up`` could not clear are checked in SQL."""
        kind = self.cls.__kind__
        for field, _, dangling in self.lookups.rechecked():
            if self.conn.execute(f"SELECT 1 FROM [{kind}] t WHERE {dangling} LIMIT 1"
                                 ).fetchone() is not None:
                raise Redo(f"{kind}.{field.name}")
        return []


class MetKeys:
    """The keys a load has met (rows whose key converted, whatever became of them), for a
    kind with rows stored before it: only the first row naming a stored key is merged with
    the stored row. Not kept in Python (a set of every key of the files held hundreds of MB
    at 1M cadres, issue 19): a key the load met is one it wrote (the ledger's condition on a
    stored row, ``written_sql``), or one of a row it did not write (a row with errors), kept
    in ``unwritten`` (as many as the load's errors).

    Per batch: ``met`` with the batch's keys, ``settle`` once the ledger has stored it."""

    def __init__(self, conn: sqlite3.Connection, cls: type):
        self.conn, self.cls = conn, cls
        self.unwritten: set[tuple] = set()
        #: The SQL condition that a stored row (its alias the argument) was written by the
        #: load (the ledger's ``written_sql``).
        self.written_sql: Callable[[str], str] = lambda alias: "0"
        self._new: list[tuple[int, tuple]] = []

    def met(self, keys: list[tuple[int, tuple]]) -> None:
        """The batch's rows (index, key) whose key converted."""
        self._new = keys

    def settle(self, outcomes: list, all_written: bool) -> None:
        """After the ledger stored the batch (``outcomes``; ``all_written``: every row of it
        was written): keep the keys of rows it did not write, unless written by another."""
        rows, self._new = self._new, []
        keys = {k for i, k in rows if i < len(outcomes)} - self.unwritten
        if all_written or not keys:
            return
        key = [f"[{k}]" for k in self.cls.__key__]
        picks = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(key)))
        wrote = set(self.conn.execute(
            f"SELECT {', '.join(key)} FROM [{self.cls.__kind__}] t WHERE ({', '.join(key)}) "
            f"IN (SELECT {picks} FROM json_each(?)) AND {self.written_sql('t')}",
            [json.dumps(sorted(keys, key=repr))]))
        self.unwritten |= keys - wrote


class _Lookups:
    """References to other kinds looked up a batch at a time, each distinct value once (their
    tables do not change during a load); a field with a value not found, with values that
    hardly repeat, or referring to its own kind, goes to ``recheck``: checked in SQL at the end
    (which also says where)."""

    def __init__(self, conn: sqlite3.Connection, cls: type, resolvers: dict[str, Any] | None = None):
        """``resolvers``: the load's name resolvers by kind (``LoadState.references``, filled
        as its files are read): the codes each has found stored (``known``) need no look-up."""
        self.conn, self.cls = conn, cls
        self.resolvers = resolvers if resolvers is not None else {}
        kind = cls.__kind__
        self.lookups = [(i, f, RECORD_TYPES[f.metadata["ref"]], set())
                        for i, f in enumerate(attrs.fields(cls))
                        if f.metadata["ref"] and f.metadata["ref"] != kind]
        self.recheck = {f.name for f in attrs.fields(cls) if f.metadata["ref"] == kind}

    def rechecked(self) -> list[tuple[attrs.Attribute, type, str]]:
        """The fields left to check in SQL (``recheck``), in declaration order, each with the
        record class it names and the condition of a loaded row ``t`` naming no stored row
        (``_dangling``)."""
        return [(field, *_dangling(field)) for field in attrs.fields(self.cls)
                if field.name in self.recheck]

    def look_up(self, rows: list[tuple]) -> None:
        """Check the references of a batch's rows against their tables, each distinct value
        once; a field with a value not found goes to ``recheck``."""
        for i, field, parent, known in self.lookups:
            if field.name in self.recheck:
                continue
            values = {row[i] for row in rows}
            values.discard(None)
            values -= known
            resolver = self.resolvers.get(parent.__kind__)
            if resolver is not None and values:
                values -= resolver.known  # (stored codes it found: tables other than this kind's)
            if not values:
                continue
            if len(values) * 8 > len(rows) or not all(v.__class__ is str for v in values):
                # Values that hardly repeat (or not text): one probe per row at the end costs
                # less than looking each up here.
                self.recheck.add(field.name)
                continue
            pk = parent.__key__[0]
            found = {v for (v,) in self.conn.execute(
                f"SELECT [{pk}] FROM [{parent.__kind__}] WHERE [{pk}] IN "
                f"(SELECT value FROM json_each(?))", [json.dumps(list(values))])}
            if len(found) < len(values):
                self.recheck.add(field.name)
            if len(known) + len(found) > CACHE_SIZE:
                known.clear()
            known |= found


class _RowMap:
    """Where each row a load wrote came from: row n (from 0, in writing order) -> (file,
    line), kept as one entry per batch (its first row, file, and first line when its lines run
    on one by one, else their list)."""

    def __init__(self) -> None:
        self.count = 0
        self.starts: list[int] = []
        self.entries: list[tuple[str, int, list[int] | None]] = []
        self.files: list[str] = []

    def add(self, file: str, lines: list[int]) -> None:
        """The next batch: the lines of its rows written, in ``file``."""
        if not lines:
            return
        regular = lines[-1] - lines[0] == len(lines) - 1  # lines only grow: so 1 by 1
        self.starts.append(self.count)
        self.entries.append((file, lines[0], None if regular else list(lines)))
        if file not in self.files:
            self.files.append(file)
        self.count += len(lines)

    def where(self, n: int) -> tuple[str, int]:
        """The file and line of row ``n``."""
        i = bisect.bisect_right(self.starts, n) - 1
        file, first, lines = self.entries[i]
        return (file, first + n - self.starts[i]) if lines is None else \
            (file, lines[n - self.starts[i]])

    def order_sql(self, rowid: str, base: int) -> str:
        """An SQL expression ordering loaded rows by their file's name (with the rowid after
        it: by line)."""
        rank = {f: r for r, f in enumerate(sorted(self.files))}
        cases = []
        for start, (file, _, _) in zip(self.starts, self.entries):
            if cases and cases[-1][1] == rank[file]:
                continue
            cases.append((base + start + 1, rank[file]))
        if len(cases) < 2:
            return f"{rowid}"
        whens = " ".join(f"WHEN {rowid} >= {lo} THEN {r}" for lo, r in reversed(cases))
        return f"CASE {whens} ELSE 0 END"


def _check_unchanged(conn: sqlite3.Connection, cls: type, values: tuple, file: str, line: int
                     ) -> list[RowError]:
    """An append-only record (its values in field order) may be loaded again unchanged, never
    changed."""
    key = list(cls.__key__)
    names = [f.name for f in attrs.fields(cls)]
    keyvals = [values[names.index(k)] for k in key]
    stored = conn.execute(
        f"SELECT {', '.join(f'[{n}]' for n in names)} FROM [{cls.__kind__}] WHERE "
        + " AND ".join(f"[{k}] = ?" for k in key), keyvals).fetchone()
    if stored is None:
        return []
    given = tuple(int(v) if isinstance(v, bool) else v for v in values)
    if tuple(stored) == given or same_but_old_folding(tuple(stored), given):
        # (stored by an earlier version, its Chinese punctuation folded to ASCII: the same
        # record, kept as stored, since the event chain's hashes cover it)
        return []
    fields = attrs.fields(cls)
    changed = [f for f, was, now in zip(fields, stored, given) if was != now]
    said = "、".join(f"{f.metadata['title']}“{was if was is not None else '空'}”改为"
                    f"“{now if now is not None else '空'}”"
                    for f, was, now in zip(fields, stored, given) if was != now)
    return [RowError(file, line, changed[0].metadata["title"],
                     f"“{cls.__title__}”只能追加，不能修改已入库的记录"
                     f"（{'/'.join(str(v) for v in keyvals)}：{said}）。"
                     f"{cls.__amend_hint__ or '如需更正，请追加一条新记录'}")]


def _check_references(conn: sqlite3.Connection, cls: type) -> list[RowError]:
    """Every reference of the loaded rows points at a stored row (of this or an earlier load)."""
    errors = []
    kind = cls.__kind__
    join = " AND ".join(f"t.[{k}] = k.[{k}]" for k in cls.__key__)
    for field in attrs.fields(cls):
        if not field.metadata["ref"]:
            continue
        parent, dangling = _dangling(field)
        sql = (f"SELECT k._file, k._line, t.[{field.name}] FROM temp._load_keys k "
               f"JOIN [{kind}] t ON {join} WHERE {dangling} "
               f"ORDER BY k._file, k._line LIMIT {load_rows.MAX_ERRORS}")
        for file, line, value in conn.execute(sql):
            errors.append(_missing_reference(field, parent, file, line, value))
    return errors


def _dangling(field: attrs.Attribute) -> tuple[type, str]:
    """The record class a reference field names, and the SQL condition (on the loaded row
    ``t``) that its value names no stored row of it."""
    parent = RECORD_TYPES[field.metadata["ref"]]
    return parent, (f"t.[{field.name}] IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"[{parent.__kind__}] p WHERE p.[{parent.__key__[0]}] = t.[{field.name}])")


def _missing_reference(field: attrs.Attribute, parent: type, file: str, line: int, value: Any
                       ) -> RowError:
    return RowError(file, line, field.metadata["title"],
                    f"引用的{parent.__title__}“{value}”不存在。请先导入该"
                    f"{parent.__title__}，或核对{field.metadata['title']}")
