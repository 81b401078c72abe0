"""The explanation table (migration 0007): a WITHOUT ROWID table keyed by id, no index on
kind; a store made before it upgrades with every explanation reading the same."""
from __future__ import annotations

import json
from pathlib import Path

from cadre_sdk.store import explanations
from cadre_sdk.store.database import migrate

SAMPLE = Path(__file__).parent / "fixtures" / "explanations_sample_main.json"


def _indexes(conn) -> list[tuple]:
    return [(row[1], row[3]) for row in conn.execute("PRAGMA index_list(explanation)")]


def test_a_new_store_keys_explanations_by_id_without_rowid(cadre_db) -> None:
    sql = cadre_db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'explanation'"
                                ).fetchone()[0]
    assert sql.rstrip().endswith("WITHOUT ROWID")
    assert [origin for _, origin in _indexes(cadre_db.conn)] == ["pk"]   # its key, nothing else


def test_a_store_from_before_0007_upgrades_and_reads_the_same(cadre_db) -> None:
    conn = cadre_db.conn
    # the explanation table as migrations 0001-0006 left it: rowid, id UNIQUE, kind indexed
    conn.execute("DROP TABLE explanation")
    conn.execute("CREATE TABLE explanation (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                 "subject TEXT NOT NULL, json TEXT NOT NULL)")
    conn.execute("CREATE INDEX idx_explanation_kind ON explanation (kind)")
    sample = json.loads(SAMPLE.read_text("utf-8"))
    explanations.write(cadre_db, [(s["id"], s["kind"], s["trace"]["subject"], s["trace"])
                                  for s in sample])
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_explanation_without_rowid'")
    conn.commit()
    before = conn.execute("SELECT id, kind, subject, json, cadre_explain(json) FROM explanation "
                          "ORDER BY id").fetchall()
    assert len(before) == len(sample)
    migrate(cadre_db)
    after = conn.execute("SELECT id, kind, subject, json, cadre_explain(json) FROM explanation "
                         "ORDER BY id").fetchall()
    assert after == before
    assert [row[4] for row in after] == [s["text"] for s in sorted(sample, key=lambda s: s["id"])]
    assert _indexes(conn) == [(_indexes(conn)[0][0], "pk")]
    # still upserted by id
    explanations.write(cadre_db, [(sample[0]["id"], sample[0]["kind"], "x", sample[0]["trace"])])
    assert conn.execute("SELECT count(*), min(subject = 'x') FROM explanation WHERE id = ?",
                        [sample[0]["id"]]).fetchone() == (1, 1)
