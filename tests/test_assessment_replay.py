"""Assessment explanations made when read (``engines.assessment.replay``, issue 19): the direct
path stores a stub per assessment and the numbers it read once per shared rule entry; every
reader (``explanations.render``, ``cadre explain``, the SQL function ``cadre_explain``) gets the
same text as from the explanation stored whole, for every assessment of the demo store and
for hand-made shapes (missing scores, abstentions, poor quarters, "710" targets, nothing to
score, ties and quotas); inputs changed after evaluation are named instead of explained; the
generic path and ``direct.ENABLED = False`` still store theirs whole."""
from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3

import pytest

from cadre_sdk.engines.assessment import direct, engine, replay
from cadre_sdk.store import explanations
from cadre_sdk.store.database import open_db
from test_assessment_direct import Evaluate, formula_parameters, own_weights, shapes
from test_assessment_engine import golmud, result

_ASSESSMENTS = "SELECT id, json FROM explanation WHERE kind = 'assessment' ORDER BY id"


def rendered(db) -> dict[str, str]:
    """Every assessment explanation's text, as ``cadre_explain`` (SQL) gives it."""
    return dict(db.execute("SELECT id, cadre_explain(json) FROM explanation "
                           "WHERE kind IN ('assessment', 'assessment_rules') ORDER BY id"
                           ).fetchall())


def stubs(db) -> list[str]:
    """The ids of the assessments whose explanation is a stub."""
    return [eid for eid, body in db.execute(_ASSESSMENTS)
            if explanations.replay_stub(json.loads(explanations.json_text(db.conn, body)))]


def stored_and_replayed(monkeypatch, evaluate) -> tuple[dict, dict, list[str]]:
    """The texts with every explanation stored whole (``engine.REPLAY = False``), then with
    the direct path's made when read; the stubs' ids."""
    with monkeypatch.context() as m:
        m.setattr(engine, "REPLAY", False)
        evaluate()
    whole = rendered(evaluate.db)
    assert not stubs(evaluate.db)
    evaluate()
    return whole, rendered(evaluate.db), stubs(evaluate.db)


def test_the_demo_stores_explanations_read_the_same_made_when_read(demo_store, tmp_path,
                                                                   cadre_plugins,
                                                                   cadre_evaluate,
                                                                   monkeypatch):
    path = tmp_path / "store.db"
    shutil.copyfile(demo_store, path)
    db = open_db(path)
    plugins = cadre_plugins()
    evaluate = Evaluate(lambda d: cadre_evaluate(d, plugins, as_of="2025-01-31",
                                                 only=("assessment",)), db)
    whole, made, replayed = stored_and_replayed(monkeypatch, evaluate)
    assessments = [eid for eid in whole if eid.startswith("assessment:")]
    assert len(replayed) == len(assessments) > 50   # every one made when read
    assert made == whole
    # each text is a whole explanation: its inputs, steps and result
    sample = made[assessments[0]]
    assert "输入：" in sample and "计算步骤：" in sample and "结果：" in sample


def test_every_shape_reads_the_same_made_when_read(world, run, monkeypatch):
    db = shapes(world)
    whole, made, replayed = stored_and_replayed(monkeypatch, Evaluate(run, db))
    assert sorted(replayed) == [f"assessment:{a}" for a in
                                ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1", "B2")]
    assert made == whole
    # the quota steps are made again too: A7 and A8 tie; the unit's 优秀 places are capped
    assert "并列" in made["assessment:A8"] and "名额" in made["assessment:A8"]
    assert "未评定" in made["assessment:A3"]


def test_a_plugins_own_weights_are_made_again_from_the_shared_entry(world, run, monkeypatch):
    """The numbers a replay uses are those the evaluation read (the shared entry's), not the
    plugin's as loaded when read."""
    db = (world.unit("G1", "632801")
          .annual("A1", "G1", 2024, cadre="C1", scores=80, democratic=(5, 4, 0, 0, 9),
                  reverse=(9, 0, 0, 0, 9), quarters={"一季度": "好"}).build())
    whole, made, replayed = stored_and_replayed(monkeypatch, Evaluate(run, db, own_weights()))
    assert replayed == ["assessment:A1"] and made == whole
    # own weights 50/50: (50×80 + 50×91.111…) / 100 (民主测评 (100×5 + 80×4) / 9 = 91.111…)
    assert "(50×80 + 50×91.1111) ÷ 100 = 85.5556" in made["assessment:A1"]


def test_a_formula_without_indicator_weight_keeps_its_explanations(world, run):
    """With the indicators weighted 0, an assessment without a score may cite parameters (of a
    component weighted 0): its group's explanations are stored whole."""
    zero = formula_parameters({"indicators": 0, "democratic": 100, "reverse": 0, "interview": 0,
                               "routine": 0, "targets": 0}, "zero_indicators.yaml")
    db = (world.unit("G1", "632801")
          .annual("A1", "G1", 2024, cadre="C1", scores=80, democratic=(5, 4, 0, 0, 9))
          .annual("A2", "G1", 2024, cadre="C2", scores=80, quarters={"一季度": "好"})
          .build())
    run(db, own_weights(zero))
    assert stubs(db) == []
    assert result(db, "A1")["score"] == 91.11       # (100×5 + 80×4) / 9
    assert result(db, "A2")["score"] is None        # 民主测评 missing; 平时考核 shown only
    assert "平时考核权重为 0" in explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A2'").fetchone()[0])


def test_generic_path_and_direct_path_off_still_store_whole(world, run, monkeypatch):
    db = (world.unit("G1", "632801")       # 格尔木: its own formula (the generic path)
          .annual("G01", "G1", 2024, cadre="C1", scores=90)
          .unit("D1", "632802").annual("A1", "D1", 2024, cadre="C2", scores=90).build())
    run(db, golmud())
    assert stubs(db) == ["assessment:A1"]
    monkeypatch.setattr(direct, "ENABLED", False)
    run(db, golmud())
    assert stubs(db) == []


def changed(db, sql: str, *args) -> str:
    db.execute(sql, args)
    return explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A1'").fetchone()[0])


@pytest.mark.parametrize("sql, args, named", [
    ("UPDATE indicator_score SET score = 80 WHERE assessment_id = 'A1' AND indicator = 'de'",
     (), "指标得分"),
    ("UPDATE evaluation SET excellent = 4, competent = 4 WHERE assessment_id = 'A1'", (),
     "测评票数"),
    ("UPDATE assessment SET routine_grade = '好' WHERE cadre_id = 'C1' AND period = '一季度'",
     (), "平时考核等次"),
    ("UPDATE unit SET kind = ? WHERE code = 'D1'", ("事业单位",), "考核记录与单位信息"),
    ("UPDATE target_summary SET on_schedule = 1, share = 1.0 WHERE unit_code = 'D1'", (), "“710”重点目标汇总"),
])
def test_inputs_changed_after_evaluation_are_named_not_explained(world, run, sql, args, named):
    db = (world.unit("D1", "632802")
          .annual("A1", "D1", 2024, cadre="C1", scores={"de": 95, "neng": 92},
                  democratic=(5, 3, 0, 0, 10), quarters={"一季度": "较差", "三季度": "好"})
          .target("T1", "D1", 2024, 12, "重点目标一", 100, 40).build())
    run(db)
    before = explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A1'").fetchone()[0])
    assert "计算步骤：" in before
    text = changed(db, sql, *args)
    assert text.startswith("【2024 年度考核 个人 C1（考核编号 A1）】")
    assert f"评定之后{named}" in text and "请重新运行 cadre evaluate" in text
    assert "计算步骤：" not in text and "输入：" not in text
    run(db)      # evaluated again: explained again (the "710" summary is made again too)
    again = explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A1'").fetchone()[0])
    assert "计算步骤：" in again and "评定之后" not in again
    assert (again == before) == (named == "“710”重点目标汇总")


def test_an_assessment_deleted_after_evaluation_is_said_to_be_missing(world, run):
    db = world.unit("D1", "632802").annual("A1", "D1", 2024, cadre="C1", scores=90).build()
    run(db)
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("DELETE FROM assessment_result WHERE assessment_id = 'A1'")
    found = explanations.lookup(db.conn, "assessment:A1")
    assert found["result"] == ("无法重现评定时的计算说明：该考核记录或其评定结果已不在库中；"
                               "请重新运行 cadre evaluate")


def test_the_oversight_publication_reads_them_as_the_store_does(sample_store, oversight_db):
    """The publication copies the stubs and makes them from its own tables (each as
    published): every assessment explanation reads as in the store (its indicators named by
    the publication's ``indicator`` table in both: the store has none)."""
    with contextlib.closing(sqlite3.connect(oversight_db)) as conn:
        names = explanations.code_names(conn)
    assert names.get("de") == "德"
    texts = []
    for path in (sample_store, oversight_db):
        conn = sqlite3.connect(path)
        explanations.register_sql_function(conn)
        texts.append({eid: explanations.render(conn, body, names) for eid, body in conn.execute(
            "SELECT id, json FROM explanation WHERE kind = 'assessment'")})
        stubbed = sum(explanations.replay_stub(json.loads(body)) is not None
                      for (body,) in conn.execute(
                          "SELECT cadre_explanation_json(json) FROM explanation "
                          "WHERE kind = 'assessment'"))
        assert stubbed == len(texts[-1]) >= 3
        conn.close()
    store, published = texts
    assert published == store
    assert all("计算步骤：" in text for text in store.values())


def test_prune_after_evaluation_keeps_them_readable(world, run, monkeypatch):
    """Evaluated first with explanations stored whole, then made when read: ``cadre
    evaluate``'s prune (``explanations.prune``) drops the templates no explanation cites any
    more; the texts stay the same, and a prune again finds nothing to drop."""
    db = shapes(world)
    templates = "SELECT count(*) FROM explanation_ref WHERE kind = 'template'"
    with monkeypatch.context() as m:
        m.setattr(engine, "REPLAY", False)
        run(db)
    whole, before = rendered(db), db.execute(templates).fetchone()[0]
    run(db)
    assert db.execute(templates).fetchone()[0] < before
    assert explanations.prune(db) == 0
    assert rendered(db) == whole


def test_a_value_masked_in_the_publication_is_not_revealed_by_the_replay(world, run, tmp_path):
    """The publication makes an explanation from its own tables, as masked: an ID number
    typed into a unit's positioning is masked there, and the explanation made there neither
    shows it nor explains numbers it cannot check (its inputs differ from the evaluated ones)."""
    from test_publish_support import PUBLISH_DAY, ID_NUMBERS

    from cadre_sdk.publish import publish
    from cadre_sdk.testing import make_plugins

    number = ID_NUMBERS["C001"]      # masked at the oversight level too
    db = (world.unit("D1", "632802", positioning=f"联系人证件 {number}")
          .annual("A1", "D1", 2024, cadre="C1", scores=90).build())
    run(db)
    in_store = explanations.lookup(db.conn, "assessment:A1")
    assert any(number in str(i["value"]) for i in in_store["inputs"])     # (the premise)
    db.conn.commit()
    out = tmp_path / "oversight.db"
    publish(tmp_path / "cadre.db", out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(out)
    explanations.register_sql_function(conn)
    assert number not in conn.execute("SELECT positioning FROM unit WHERE code = 'D1'"
                                     ).fetchone()[0]
    text = conn.execute("SELECT cadre_explain(json) FROM explanation "
                        "WHERE id = 'assessment:A1'").fetchone()[0]
    assert number not in text
    assert "评定之后考核记录与单位信息" in text and "请重新运行 cadre evaluate" in text


def test_an_explanation_evaluated_by_another_version_is_not_made_in_other_words(
        world, run, monkeypatch):
    """The shared entry records the version of the direct path's wording
    (``direct.SPEC_VERSION``): a store evaluated by another version is told to evaluate
    again, not shown an explanation the evaluation did not give."""
    db = world.unit("D1", "632802").annual("A1", "D1", 2024, cadre="C1", scores=90).build()
    run(db)
    assert "计算步骤：" in explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A1'").fetchone()[0])
    monkeypatch.setattr(replay, "SPEC_VERSION", direct.SPEC_VERSION + 1)
    found = explanations.lookup(db.conn, "assessment:A1")
    assert found["result"] == ("无法重现评定时的计算说明：该结果由另一版本的 cadre-sdk 评定，其计算说明的"
                               "格式与本版本不同；请用本版本重新运行 cadre evaluate")
    assert found["subject"] == "2024 年度考核 个人 C1（考核编号 A1）"
