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


def _old_layout(cadre_db, sample, create: str) -> list[tuple]:
    """The sample's explanations (written as this SDK packs them) in an explanation table
    of an older layout (``create``: with a stored kind column); the rows as read before."""
    conn = cadre_db.conn
    explanations.write(cadre_db, [(s["id"], s["kind"], s["trace"]["subject"], s["trace"])
                                  for s in sample])
    rows = conn.execute("SELECT id, kind, subject, json FROM explanation").fetchall()
    conn.execute("DROP TABLE explanation")
    conn.execute(create)
    conn.executemany("INSERT INTO explanation (id, kind, subject, json) VALUES (?, ?, ?, ?)",
                     rows)
    return conn.execute("SELECT id, kind, subject, json, cadre_explain(json) FROM explanation "
                        "ORDER BY id").fetchall()


def test_a_store_from_before_0007_upgrades_and_reads_the_same(cadre_db) -> None:
    conn = cadre_db.conn
    sample = json.loads(SAMPLE.read_text("utf-8"))
    # the explanation table as migrations 0001-0006 left it: rowid, id UNIQUE, kind indexed
    before = _old_layout(cadre_db, sample, "CREATE TABLE explanation (id TEXT PRIMARY KEY, "
                         "kind TEXT NOT NULL, subject TEXT NOT NULL, json TEXT NOT NULL)")
    conn.execute("CREATE INDEX idx_explanation_kind ON explanation (kind)")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN "
                 "('0007_explanation_without_rowid', '0010_explanation_kind_derived')")
    conn.commit()
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


def test_the_kind_is_derived_from_the_id_and_stores_no_bytes(cadre_db) -> None:
    # 0010: kind is a VIRTUAL generated column; a store from before reads the same kinds
    conn = cadre_db.conn
    sample = json.loads(SAMPLE.read_text("utf-8"))
    before = _old_layout(cadre_db, sample, "CREATE TABLE explanation (id TEXT PRIMARY KEY "
                         "NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, json TEXT NOT "
                         "NULL) WITHOUT ROWID")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_explanation_kind_derived'")
    conn.commit()
    migrate(cadre_db)
    assert conn.execute("SELECT id, kind, subject, json, cadre_explain(json) FROM explanation "
                        "ORDER BY id").fetchall() == before
    # the column order readers saw is kept; kind is generated (hidden = 2: VIRTUAL)
    assert [(r[1], r[6]) for r in conn.execute("PRAGMA table_xinfo(explanation)")] == [
        ("id", 0), ("kind", 2), ("subject", 0), ("json", 0)]
    # every kind of the sample is its id's prefix, but the subsidy ledger's (subsidy:<hash>)
    kinds = {s["kind"] for s in sample}
    assert {explanations.kind_of(s["id"]) for s in sample} == kinds
    explanations.write(cadre_db, [("subsidy:00ff00ff00ff00ff", "subsidy_ledger", "补贴",
                                   {"subject": "补贴", "result": 1})])
    assert conn.execute("SELECT kind FROM explanation WHERE id = 'subsidy:00ff00ff00ff00ff'"
                        ).fetchone() == ("subsidy_ledger",)
    # engines delete their explanations by kind, as before
    conn.execute("DELETE FROM explanation WHERE kind IN ('subsidy_ledger', ?)", [sample[0]["kind"]])
    assert conn.execute("SELECT count(*) FROM explanation WHERE kind IN ('subsidy_ledger', ?)",
                        [sample[0]["kind"]]).fetchone() == (0,)


def test_an_id_not_naming_its_kind_is_refused_and_nothing_is_written(cadre_db) -> None:
    conn = cadre_db.conn
    before = list(conn.iterdump())
    for eid, kind in (("score:A1", "assessment"), ("A1", "assessment"),
                      ("subsidy:0123", "subsidy")):
        try:
            explanations.write(cadre_db, [("ok:1", "ok", "x", {"subject": "x"}),
                                          (eid, kind, "x", {"subject": "x"})])
        except ValueError as exc:
            assert f"explanation id {eid!r} does not begin with its kind {kind!r}" in str(exc)
        else:
            raise AssertionError(f"{eid} written as {kind}")
    assert list(conn.iterdump()) == before
