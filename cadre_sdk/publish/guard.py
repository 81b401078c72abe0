"""A SQLite authorizer that lets a connection read and nothing else.

Datasette already opens an immutable file read-only and accepts only SELECT statements from
users; this is the layer under it, for the day Datasette is configured by mistake: on a
guarded connection any write, schema change, ATTACH/DETACH, extension loading or pragma that
changes state is refused by SQLite itself ("not authorized").
"""
from __future__ import annotations

import sqlite3

#: Pragmas that read the schema of a named table or index (their argument is not a new value).
_SCHEMA_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info",
                             "index_xinfo", "foreign_key_list", "foreign_key_check"})
#: Pragmas that change state even without an argument.
_ACTING_PRAGMAS = frozenset({"optimize", "wal_checkpoint", "incremental_vacuum",
                             "shrink_memory"})
#: SQL functions that reach outside the database.
_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})
_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ,
                           sqlite3.SQLITE_RECURSIVE})


def _authorize(action: int, arg1: str | None, arg2: str | None, db: str | None,
               trigger: str | None) -> int:
    """The authorizer callback: SQLITE_OK for reads, SQLITE_DENY for anything else."""
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # SQLite asks this while connecting a virtual table (FTS5); real writes to the schema
        # table need PRAGMA writable_schema, which is refused below.
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in _FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _SCHEMA_PRAGMAS or (arg2 is None and name not in _ACTING_PRAGMAS):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def guard(conn: sqlite3.Connection) -> None:
    """Make ``conn`` read-only for every statement prepared on it from now on."""
    conn.set_authorizer(_authorize)
