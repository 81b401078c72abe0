"""Small questions the build asks of the publication as it takes shape."""
from __future__ import annotations

import json
import sqlite3
from typing import Any


def tables(conn: sqlite3.Connection, schema: str = "main", *, views: bool = False,
           virtual: bool = True) -> list[str]:
    """Tables (and views, if asked; virtual tables unless told not to) of ``schema``, by name,
    without SQLite's own tables and the shadow tables of virtual ones."""
    kinds = "('table', 'view')" if views else "('table')"
    rows = conn.execute(f"SELECT name, sql FROM {schema}.sqlite_master WHERE type IN {kinds} "
                        "ORDER BY name").fetchall()
    found = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [n for n, _ in rows if not n.startswith("sqlite_")
            and not any(n.startswith(v + "_") for v in found)
            and (virtual or n not in found)]


def columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    """The column names of ``table`` (empty if it does not exist), its generated columns
    included (not the hidden columns of a virtual table)."""
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_xinfo([{table}])") if r[6] != 1]


def has(conn: sqlite3.Connection, table: str, *cols: str, schema: str = "main") -> bool:
    """Whether ``table`` exists in ``schema`` with every one of ``cols``."""
    found = columns(conn, table, schema)
    return bool(found) and all(c in found for c in cols)


def primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    """The primary-key columns of ``table`` in key order (empty for a rowid table)."""
    info = conn.execute(f"PRAGMA main.table_info([{table}])").fetchall()
    return [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]


def prefecture_sql(code: str) -> str:
    """SQL for the prefecture-level code of a division code (6 or 9 digits); provincial
    codes stay as they are (GB/T 2260 codes nest: 4 digits name the prefecture)."""
    return (f"CASE WHEN substr({code}, 3, 4) = '0000' THEN substr({code}, 1, 6) "
            f"ELSE substr({code}, 1, 4) || '00' END")


def record_json(table: str, key_sql: list[str]) -> str:
    """SQL building the ``record`` cell (``["table", key...]``) that the Datasette plugin turns
    into a link to the row."""
    return "json_array(" + ", ".join([f"'{table}'", *key_sql]) + ")"


def record_value(table: str, keys: list[Any]) -> str:
    """The ``record`` cell for a row, built in Python (same form as ``record_json``)."""
    return json.dumps([table, *keys], ensure_ascii=False, separators=(",", ":"))
