"""The SQLite store: tables generated from the record classes, owned in named migration sets,
and a provenance table saying what was loaded and evaluated, by which SDK and plugins.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import sqlite_utils
from sqlite_utils.migrations import Migrations

from . import __version__
from .errors import StoreError
from .records import RECORD_TYPES

MIGRATIONS_TABLE = "_sqlite_migrations"
#: Migration sets the SDK owns. A database naming a migration of these sets that this SDK does
#: not know was written by a newer cadre-sdk.
SDK_SETS: dict[str, Migrations] = {}


def migration_set(name: str) -> Migrations:
    """The SDK's migration set ``name`` (engines own one each: a layer owns its tables)."""
    if name not in SDK_SETS:
        SDK_SETS[name] = Migrations(name)
    return SDK_SETS[name]


_SQL_TYPES = {"int": "INTEGER", "year": "INTEGER", "number": "REAL", "bool": "INTEGER"}

#: Extra indexes the oversight queries need, beyond every foreign key.
_EXTRA_INDEXES: dict[str, list[tuple[str, ...]]] = {
    "region": [("level",)],
    "unit": [("kind",), ("sector",)],
    "cadre": [("is_principal",)],
    "posting": [("township",)],
    "observation": [("date",)],
    "assessment": [("year", "period"), ("unit_code", "year")],
    "case_event": [("date",)],
    "adjustment": [("date",), ("situation",)],
    "training": [("year",)],
    "care_record": [("kind", "date")],
    "attendance": [("month",)],
}


def column_type(field: attrs.Attribute) -> str:
    return _SQL_TYPES.get(field.metadata["kind"], "TEXT")


def table_ddl(cls: type) -> str:
    """CREATE TABLE for one record kind: typed columns, primary key, foreign keys."""
    cols, fks = [], []
    for field in attrs.fields(cls):
        meta = field.metadata
        null = " NOT NULL" if meta["required"] else ""
        cols.append(f"[{field.name}] {column_type(field)}{null}")
        if meta["ref"]:
            parent = RECORD_TYPES[meta["ref"]]
            fks.append(f"FOREIGN KEY([{field.name}]) REFERENCES [{meta['ref']}]"
                       f"([{parent.__key__[0]}])")
    pk = ", ".join(f"[{k}]" for k in cls.__key__)
    body = ",\n  ".join([*cols, f"PRIMARY KEY ({pk})", *fks])
    return f"CREATE TABLE [{cls.__kind__}] (\n  {body}\n)"


def index_columns(cls: type) -> list[tuple[str, ...]]:
    """Every foreign-key column, plus the extra indexes the oversight queries need."""
    refs = [(f.name,) for f in attrs.fields(cls) if f.metadata["ref"]
            and (f.name,) != tuple(cls.__key__[:1])]
    return [*refs, *_EXTRA_INDEXES.get(cls.__kind__, [])]


core = migration_set("cadre_sdk")


@core(name="0001_records")
def _records(db: sqlite_utils.Database) -> None:
    for kind, cls in RECORD_TYPES.items():
        db.execute(table_ddl(cls))
        for columns in index_columns(cls):
            db[kind].create_index(list(columns), if_not_exists=True)


@core(name="0002_provenance")
def _provenance(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE provenance (
      id INTEGER PRIMARY KEY,
      step TEXT NOT NULL,          -- init / load / evaluate / publish
      kind TEXT,                   -- record kind or engine
      detail TEXT,                 -- file name, or what was computed
      sha256 TEXT,                 -- hash of the input file or parameter file
      rows INTEGER,
      sdk_version TEXT NOT NULL,
      plugins TEXT,                -- JSON: {plugin: version}
      at TEXT NOT NULL             -- UTC time
    )""")
    db.execute("""CREATE TABLE explanation (
      id TEXT PRIMARY KEY,         -- e.g. 'assessment_result:A2024-0001'
      kind TEXT NOT NULL,
      subject TEXT NOT NULL,
      text TEXT NOT NULL,          -- readable Chinese
      json TEXT NOT NULL           -- the trace: inputs, rules, parameters, steps
    )""")
    db["explanation"].create_index(["kind"])


def open_db(path: str | os.PathLike, *, create: bool = False, readonly: bool = False
            ) -> sqlite_utils.Database:
    """Open a store. ``create`` makes a new one; otherwise the file must exist.

    Fails with a ``StoreError`` (what, why, fix) when the file is missing, not a database,
    locked by another writer, in a read-only place, or written by a newer cadre-sdk.
    """
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"数据库 {path} 不存在。请先运行 cadre init {path}")
    if create and not path.parent.exists():
        raise StoreError(f"目录 {path.parent} 不存在，无法创建数据库 {path}")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
        else:
            conn = sqlite3.connect(str(path), timeout=2.0)
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"无法打开数据库 {path}：{exc}。该文件可能不是 SQLite 数据库或已损坏。") from exc
    db = sqlite_utils.Database(conn)
    check_schema_version(db, path)
    return db


def check_schema_version(db: sqlite_utils.Database, path: Any = "") -> None:
    """Refuse a database holding migrations of the SDK's sets that this SDK does not know."""
    if not db[MIGRATIONS_TABLE].exists():
        return
    _import_engine_sets()
    for row in db.query(f"SELECT migration_set, name FROM [{MIGRATIONS_TABLE}]"):
        known = SDK_SETS.get(row["migration_set"])
        if row["migration_set"].startswith("cadre_sdk") and (
                known is None or row["name"] not in {m.name for m in known._migrations}):
            raise StoreError(
                f"数据库 {path} 由更新版本的 cadre-sdk 创建（迁移 {row['migration_set']}/"
                f"{row['name']} 本版本 {__version__} 不认识）。请升级 cadre-sdk 后再操作；"
                "数据未作任何改动。")


def migrate(db: sqlite_utils.Database) -> None:
    """Apply every pending migration of every SDK set (each in its own transaction)."""
    _import_engine_sets()
    for migrations in SDK_SETS.values():
        migrations.apply(db)


def _import_engine_sets() -> None:
    # Engines declare their tables in their own migration sets; importing them registers those.
    import importlib

    for mod in ("cadre_sdk.engines.assessment", "cadre_sdk.engines.cases",
                "cadre_sdk.engines.subsidies", "cadre_sdk.engines.staffing"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def record_provenance(db: sqlite_utils.Database, step: str, *, kind: str | None = None,
                      detail: str | None = None, sha256: str | None = None,
                      rows: int | None = None, plugins: dict[str, str] | None = None) -> None:
    """Add a provenance row (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO provenance (step, kind, detail, sha256, rows, sdk_version, plugins, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [step, kind, detail, sha256, rows, __version__,
         json.dumps(plugins or {}, ensure_ascii=False, sort_keys=True), now()])


def write_explanations(db: sqlite_utils.Database, rows: Iterable[tuple[str, str, str, str, str]]
                       ) -> None:
    """Upsert (id, kind, subject, text, json) explanation rows."""
    db.conn.executemany(
        "INSERT INTO explanation (id, kind, subject, text, json) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, subject=excluded.subject, "
        "text=excluded.text, json=excluded.json", rows)
