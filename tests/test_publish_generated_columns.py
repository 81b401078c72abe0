"""The store's generated columns (an explanation's kind, a result's explanation id, pool and
plugin names, a subsidy line's explanation id): the oversight publication declares them as the
store does (VIRTUAL: no bytes stored) with the columns they read, the public level stores them
as ordinary columns without their sources; both hold the store's values."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cadre_sdk.publish.copy import STORAGE_ONLY, copy_table, plan_tables, register_functions
from cadre_sdk.publish.generated import generated_columns
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.redact import Redactor
from cadre_sdk.store import explanations

#: Tables with generated columns in the store, their key and the generated columns.
GENERATED = {"explanation": ("id", ["kind"]),
             "assessment_result": ("assessment_id", ["pool", "indicator_plugin",
                                                     "formula_plugin", "grading_plugin",
                                                     "explanation_id"]),
             "subsidy_line": ("month, cadre_id, scheme_id", ["explanation_id"])}


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _same_values(conn: sqlite3.Connection, store: sqlite3.Connection, table: str) -> None:
    key, generated = GENERATED[table]
    columns = ", ".join(generated)
    rows = store.execute(f"SELECT {key}, {columns} FROM [{table}] ORDER BY {key}").fetchall()
    assert rows, table
    assert conn.execute(f"SELECT {key}, {columns} FROM [{table}] ORDER BY {key}"
                        ).fetchall() == rows, table


def test_oversight_keeps_generated_columns_generated(oversight_db: Path,
                                                     sample_store: Path) -> None:
    conn, store = _connect(oversight_db), _connect(sample_store)
    meta = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))
    labels = meta["databases"][oversight_db.stem]["tables"]
    for table, (_, generated) in GENERATED.items():
        info = store.execute(f"PRAGMA table_xinfo([{table}])").fetchall()
        assert [r[1] for r in info if r[6] == 2] == generated, table
        published = conn.execute(f"PRAGMA table_xinfo([{table}])").fetchall()
        # every column, in the store's order, the generated ones VIRTUAL (hidden = 2); not
        # an explanation's ``digit_run`` (the writer's record for masking, not published)
        info = [r for r in info if r[1] != explanations.DIGIT_RUN]
        assert [(r[1], r[6]) for r in published] == [(r[1], r[6]) for r in info], table
        _same_values(conn, store, table)
        # every column, generated and storage ones too, is labelled in Chinese
        columns = labels[table]["columns"]
        assert list(columns) == [r[1] for r in info], table
        assert all(columns.values()), table


def test_public_stores_generated_columns_as_ordinary_ones(public_db: Path,
                                                          sample_store: Path) -> None:
    conn, store = _connect(public_db), _connect(sample_store)
    info = store.execute("PRAGMA table_xinfo(explanation)").fetchall()
    published = conn.execute("PRAGMA table_xinfo(explanation)").fetchall()
    assert [r[1] for r in published] == [r[1] for r in info if r[1] not in STORAGE_ONLY]
    assert not [r for r in published if r[6]]
    assert conn.execute("SELECT count(*) FROM explanation").fetchone()[0] > 0
    # the published rows keep the store's kind
    assert conn.execute("SELECT count(*) FROM explanation WHERE kind IS NULL").fetchone()[0] == 0
    store_kinds = dict(store.execute("SELECT id, kind FROM explanation"))
    for eid, kind in conn.execute("SELECT id, kind FROM explanation"):
        assert store_kinds[eid] == kind


def test_generated_columns_are_read_from_the_statement() -> None:
    sql = """CREATE TABLE "t" (
      id TEXT PRIMARY KEY,   -- a comment (with parentheses, AS (x))
      "odd name" TEXT,
      [g] TEXT GENERATED ALWAYS AS (upper("odd name") || ' AS (' || id) VIRTUAL NOT NULL,
      h AS (length(id)) STORED, /* a comment, AS (y) */
      note TEXT DEFAULT 'GENERATED ALWAYS AS (z)',
      CHECK (length(id) > 0)
    )"""
    found = generated_columns(sql)
    assert set(found) == {"g", "h"}
    assert found["g"].clause == ("""GENERATED ALWAYS AS (upper("odd name") || ' AS (' || id) """
                                 "VIRTUAL")
    assert found["h"].clause == "GENERATED ALWAYS AS (length(id)) STORED"
    assert {"odd name", "id"} <= found["g"].reads and "as" not in found["g"].reads
    assert found["h"].reads == {"length", "id"}
    assert generated_columns("CREATE TABLE u (a, b)") == {}


def test_a_generated_column_reading_a_dropped_column_is_stored(tmp_path: Path) -> None:
    """A column the level leaves out (an ID number) cannot be read by a generated column in
    the publication: that column is stored as an ordinary one."""
    store = tmp_path / "store.db"
    src = sqlite3.connect(store)
    src.execute("CREATE TABLE holder (id TEXT PRIMARY KEY, id_number TEXT, "
                "digits INTEGER GENERATED ALWAYS AS (length(id_number)) VIRTUAL, "
                "tag TEXT GENERATED ALWAYS AS ('h:' || id) VIRTUAL)")
    src.execute("INSERT INTO holder (id, id_number) VALUES ('h1', '63010119800101001X')")
    src.commit()
    src.close()
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH DATABASE ? AS src", [str(store)])
    [plan] = plan_tables(conn, "oversight")
    assert {c.name: bool(c.generated) for c in plan.columns} == {"id": False, "digits": False,
                                                                 "tag": True}
    register_functions(conn, Redactor())
    assert copy_table(conn, plan, Redactor()) == 1
    assert conn.execute("SELECT * FROM holder").fetchall() == [("h1", 18, "h:h1")]
    info = conn.execute("PRAGMA table_xinfo(holder)").fetchall()
    assert [(r[1], r[6]) for r in info] == [("id", 0), ("digits", 0), ("tag", 2)]
