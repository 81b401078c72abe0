"""Explanations stored as a template and its values read back exactly: the same trace, the
same Chinese text, for every kind of explanation the demo produces."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.store import explanations
from cadre_sdk.core.trace import render_text
from cadre_sdk.store.explanation_templates import NUMBER, VALUE

#: Two explanations of each kind from the 3,000-cadre demo store (``cadre demo --cadres 3000``
#: at the commit before templates), each with its trace and the text that commit's
#: ``cadre_explain`` rendered from the store: an independent record of the old format's text.
SAMPLE = Path(__file__).parent / "fixtures" / "explanations_sample_main.json"


def rendered(db, eid: str) -> str:
    return db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      [eid]).fetchone()[0]


def test_every_kind_renders_as_before(cadre_db) -> None:
    sample = json.loads(SAMPLE.read_text("utf-8"))
    kinds = {s["kind"] for s in sample}
    assert {"assessment", "assessment_rules", "subsidy_ledger", "scorecard", "target",
            "candidate_pool", "consequence", "case_state", "adjustment_status",
            "staffing_breach", "training_topics", "subsidy_totals"} <= kinds
    explanations.write(cadre_db, [(s["id"], s["kind"], s["trace"]["subject"], s["trace"])
                                  for s in sample])
    for s in sample:
        assert rendered(cadre_db, s["id"]) == s["text"], s["id"]
        assert explanations.lookup(cadre_db.conn, s["id"]) == s["trace"]
        cell, body = cadre_db.execute("SELECT json, cadre_explanation_json(json) "
                                      "FROM explanation WHERE id = ?", [s["id"]]).fetchone()
        assert set(json.loads(body)) == {"t", "v"}, s["id"]  # every sample went to a template
        assert isinstance(cell, bytes) and len(cell) < len(body.encode()), s["id"]  # packed


def test_numbers_are_stored_as_numbers_only_when_they_read_back_the_same(cadre_db) -> None:
    trace = {"subject": "样例 KH2024-0001", "inputs": [{"label": "比例 0.15", "value": 2.50}],
             "steps": [{"label": "第 ３ 项 2.50 元", "formula": "0.15 × 4", "value": "00"}],
             "rules": [], "parameters": [], "result": 7}
    explanations.write(cadre_db, [("x:1", "x", "x", trace)])
    row = json.loads(cadre_db.execute("SELECT cadre_explanation_json(json) FROM explanation "
                                      "WHERE id = 'x:1'"
                                      ).fetchone()[0])
    flat = json.dumps(row["v"], ensure_ascii=False)
    # 2.50 in a text stays "2.50"; 0.15 becomes a number; "0001" and "00" keep their zeros;
    # the full-width ３ stays in the text
    assert '"2.50"' in flat and "0.15" in flat and '"0001"' in flat and '"00"' in flat
    assert "３" not in flat
    assert explanations.lookup(cadre_db.conn, "x:1") == trace
    assert rendered(cadre_db, "x:1") == render_text(trace)


def test_a_trace_holding_a_placeholder_character_is_stored_whole(cadre_db) -> None:
    trace = {"subject": f"奇怪的字符{VALUE}{NUMBER}", "inputs": [], "rules": [],
             "parameters": [], "steps": [], "result": 1}
    explanations.write(cadre_db, [("x:2", "x", "x", trace)])
    row = json.loads(cadre_db.execute("SELECT cadre_explanation_json(json) FROM explanation "
                                      "WHERE id = 'x:2'"
                                      ).fetchone()[0])
    assert row == trace
    assert rendered(cadre_db, "x:2") == render_text(trace)


_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.-×÷ 年第名分ab（）")), max_size=12)
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False, allow_infinity=False), _TEXT)
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)), max_leaves=8)
_ITEM = st.fixed_dictionaries({"label": _TEXT, "value": _VALUE})
_STEP = st.fixed_dictionaries({"label": _TEXT, "formula": _TEXT, "value": _VALUE})
_TRACE = st.fixed_dictionaries({
    "subject": _TEXT, "inputs": st.lists(_ITEM, max_size=3), "rules": st.just([]),
    "parameters": st.just([]), "steps": st.lists(_STEP, max_size=3), "result": _VALUE},
    optional={"note": _TEXT})


@settings(max_examples=150, deadline=None)
@given(traces=st.lists(_TRACE, min_size=1, max_size=3))
def test_any_trace_reads_back_equal(traces) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(explanations.TABLE_SQL)
    conn.execute("CREATE TABLE explanation_ref (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                 "digest INTEGER NOT NULL, json TEXT NOT NULL)")
    explanations.register_sql_function(conn)
    explanations.write(conn, [(f"t:{n}", "t", "s", t) for n, t in enumerate(traces)])
    for n, t in enumerate(traces):
        expected = json.loads(explanations.canonical(t))     # what JSON can carry
        assert explanations.lookup(conn, f"t:{n}") == expected
        assert conn.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                            [f"t:{n}"]).fetchone()[0] == render_text(expected)


def test_a_store_from_before_templates_migrates_and_reads_the_same(cadre_db) -> None:
    from cadre_sdk.store.database import migrate
    conn = cadre_db.conn
    # the explanation_ref of migration 0003 (UNIQUE json, no digest), with one parameter
    # cited by an explanation stored whole, as the commit before templates wrote it
    conn.execute("DROP TABLE explanation_ref")
    conn.execute("CREATE TABLE explanation_ref (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                 "json TEXT NOT NULL UNIQUE)")
    entry = {"path": "x.y", "value": 1, "start": "2015-01-01", "reference": "示例依据",
             "example": True, "status": "example", "plugin": "p", "file": "f.yaml"}
    conn.execute("INSERT INTO explanation_ref (id, kind, json) VALUES (7, 'parameters', ?)",
                 [explanations.canonical(entry)])
    old = {"subject": "旧说明 2024-01", "inputs": [{"label": "天数", "value": 20}],
           "rules": [], "parameters": [7], "steps": [], "result": 200}
    conn.execute("INSERT INTO explanation (id, subject, json) VALUES ('o:1', 'x', ?)",
                 [explanations.canonical(old)])
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_explanation_ref_digest'")
    conn.commit()
    text = rendered(cadre_db, "o:1")
    migrate(cadre_db)
    assert rendered(cadre_db, "o:1") == text
    assert explanations.lookup(conn, "o:1") == {**old, "parameters": [entry]}
    # a new explanation citing the same parameter finds it by its digest: no second copy
    explanations.write(cadre_db, [("n:1", "n", "x", {**old, "parameters": [entry]})])
    assert conn.execute("SELECT count(*) FROM explanation_ref WHERE kind = 'parameters'"
                        ).fetchone()[0] == 1
    assert rendered(cadre_db, "n:1") == text


def test_later_writes_reuse_what_is_stored_and_not_what_was_rolled_back_or_pruned(
        cadre_db) -> None:
    # write() keeps its texts and templates from one call to the next on a connection; a
    # rollback or a prune in between removes entries it remembers, so it must start again
    conn = cadre_db.conn
    first = {"subject": "甲 2024", "steps": [{"label": "天数", "value": 20}], "result": 200}
    other = {"subject": "乙 2024", "steps": [{"label": "月数", "value": 3}], "result": 9}
    conn.execute("BEGIN")
    explanations.write(cadre_db, [("a:1", "a", "x", first)])
    conn.rollback()
    explanations.write(cadre_db, [("a:2", "a", "x", other)])
    explanations.write(cadre_db, [("a:3", "a", "x", first)])
    conn.commit()
    assert explanations.lookup(conn, "a:1") is None
    assert explanations.lookup(conn, "a:3") == first
    conn.execute("DELETE FROM explanation WHERE id = 'a:3'")
    explanations.prune(cadre_db)        # first's texts and template go
    explanations.write(cadre_db, [("a:4", "a", "x", first)])
    conn.commit()
    assert explanations.lookup(conn, "a:4") == first
    assert explanations.lookup(conn, "a:2") == other
    assert rendered(cadre_db, "a:4") == render_text(first)
