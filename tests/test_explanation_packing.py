"""Templated explanations stored packed (``explanation_packing``): deflated against a
dictionary of their kind, read back to the same JSON text by every reader; text cells (older
stores, traces stored whole) read as before."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.core.trace import render_text
from cadre_sdk.store import explanation_packing as packing
from cadre_sdk.store import explanations


def trace(n: int, name: str = "甲") -> dict:
    return {"subject": f"补贴 2024-{n:02d} {name}", "inputs": [{"label": "在岗天数", "value": n}],
            "steps": [{"label": "补贴", "formula": f"{n} × 10", "value": n * 10}],
            "rules": [], "parameters": [], "result": n * 10}


def cells(db) -> dict[str, tuple[str, object]]:
    return {i: (t, c) for i, t, c in db.execute(
        "SELECT id, typeof(json), json FROM explanation ORDER BY id")}


def zdicts(db) -> list[tuple[int, dict]]:
    return [(i, json.loads(j)) for i, j in db.execute(
        "SELECT id, json FROM explanation_ref WHERE kind = 'zdict' ORDER BY id")]


@settings(max_examples=200, deadline=None)
@given(text=st.text(), sample=st.text(max_size=3000), rid=st.integers(0, 2**40))
def test_any_text_packs_and_unpacks_to_itself(text: str, sample: str, rid: int) -> None:
    dictionary = sample.encode("utf-8")
    cell = packing.Packer(rid, dictionary).pack(text)
    assert packing.is_packed(cell) and packing.dictionary_id(cell) == rid
    assert packing.unpack(cell, dictionary) == text
    assert packing.cell_text(cell, {rid: dictionary}.__getitem__) == text
    assert packing.cell_text(text, {}.__getitem__) == text       # a text cell as it is


def test_a_kind_gets_one_dictionary_made_of_its_first_templated_rows(cadre_db) -> None:
    whole = {"subject": "奇怪\ue000 王小明", "result": 1}          # a template cannot carry it
    explanations.write(cadre_db, [("s:w1", "s", "x", whole)]
                       + [(f"s:{n}", "s", "x", trace(n)) for n in range(1, 31)])
    explanations.write(cadre_db, [(f"s:{n}", "s", "x", trace(n)) for n in range(31, 41)]
                       + [("o:1", "o", "x", trace(5))])
    (sid, s_entry), (oid, o_entry) = zdicts(cadre_db)
    assert s_entry["for"] == "s" and o_entry == {"for": "o", "rows": [
        json.loads(cadre_db.execute("SELECT cadre_explanation_json(json) FROM explanation "
                                    "WHERE id = 'o:1'").fetchone()[0])]}
    # the first rows of the first write, templated ones only (never the whole trace's name)
    first = [json.loads(cadre_db.execute("SELECT cadre_explanation_json(json) FROM explanation"
                                         " WHERE id = ?", [f"s:{n}"]).fetchone()[0])
             for n in range(1, 31)]
    assert s_entry["rows"] == first[:len(s_entry["rows"])] and s_entry["rows"]
    assert "王小明" not in json.dumps(s_entry, ensure_ascii=False)
    stored = cells(cadre_db)
    assert stored["s:w1"] == ("text", explanations.canonical(whole))     # whole: JSON text
    for n in range(1, 41):
        kind, cell = stored[f"s:{n}"]
        assert kind == "blob" and packing.dictionary_id(cell) == sid, n
        assert explanations.lookup(cadre_db.conn, f"s:{n}") == trace(n)
    assert packing.dictionary_id(stored["o:1"][1]) == oid
    # far smaller than the JSON text it stands for
    assert sum(len(c) for k, c in stored.values() if k == "blob") * 3 < sum(
        len(cadre_db.execute("SELECT cadre_explanation_json(?)", [c]).fetchone()[0].encode())
        for k, c in stored.values() if k == "blob")


def test_writing_again_reuses_the_dictionary_and_gives_the_same_bytes(cadre_db) -> None:
    rows = [(f"s:{n}", "s", "x", trace(n)) for n in range(1, 21)]
    explanations.write(cadre_db, rows)
    cadre_db.conn.commit()
    before = cells(cadre_db)
    # an engine replacing its explanations, rows in another order, then pruning
    cadre_db.execute("DELETE FROM explanation")
    explanations.write(cadre_db, rows[::-1])
    explanations.prune(cadre_db)
    assert cells(cadre_db) == before
    assert len(zdicts(cadre_db)) == 1                 # kept by prune, not made again


def test_a_text_cell_of_an_older_store_reads_as_its_packed_form(cadre_db) -> None:
    explanations.write(cadre_db, [("s:1", "s", "x", trace(7))])
    body = cadre_db.execute("SELECT cadre_explanation_json(json) FROM explanation").fetchone()[0]
    # the templated JSON text as the commit before packing stored it
    cadre_db.execute("INSERT INTO explanation (id, subject, json) VALUES ('old:1', 'x', ?)", [body])
    both = cadre_db.execute("SELECT id, cadre_explain(json), cadre_explanation_json(json) "
                            "FROM explanation ORDER BY id").fetchall()
    assert [r[1:] for r in both] == [(render_text(trace(7)), body)] * 2
    assert explanations.lookup(cadre_db.conn, "old:1") == trace(7)
    assert cadre_db.execute("SELECT cadre_explanation_json(NULL)").fetchone()[0] is None


def test_a_damaged_or_orphaned_cell_renders_as_unreadable(cadre_db) -> None:
    explanations.write(cadre_db, [("s:1", "s", "x", trace(7))])
    cell = cadre_db.execute("SELECT json FROM explanation").fetchone()[0]
    (rid, _), = zdicts(cadre_db)
    cut = cell[:-3]
    orphan = packing.Packer(rid + 100, b"").pack("{}")
    cadre_db.conn.executemany("INSERT INTO explanation (id, subject, json) VALUES (?, 'x', ?)",
                              [("cut:1", cut), ("orphan:1", orphan), ("blob:1", b"\x07abc")])
    for eid in ("cut:1", "orphan:1", "blob:1"):
        assert cadre_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                                [eid]).fetchone()[0] == "（说明格式无法识别）", eid
        with pytest.raises(ValueError):
            explanations.lookup(cadre_db.conn, eid)
