"""The recorded determination is the record (issue 17): the accepting body's 认定结论 is the
认定结果 everywhere; the rule's result is a check beside it, flagged when it differs; red lines
are catalogue entries, denials mean none, anything else is refused at load."""
import pytest

from cadre_sdk.core.errors import DataError

from case_data import case_row, db_path, ev, evaluate, findings, people, rows


@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    return cadre_db


def determined(db, load, case_id, found, plugins=None, **determination):
    """A case applied for, accepted and determined (认定 on 2024-03-20) in 城东区 for C1."""
    load(db, "case", [case_row(case_id)], plugins)
    load(db, "case_event", [ev(case_id, 1, "申请", "2024-03-01"),
                            ev(case_id, 2, "受理", "2024-03-04"),
                            ev(case_id, 3, "认定", "2024-03-20", **determination)], plugins)
    load(db, "case_finding", found, plugins)


def decision(db, case_id):
    (row,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [case_id])
    return row


def query(plugins, name):
    return plugins.book.catalogue("query")[name].item


def test_body_refuses_tolerance_though_all_seven_dimensions_are_favourable(
        db, cadre_load, cadre_plugins):
    determined(db, cadre_load, "R1", findings("R1"), decision="不予容错", body="城东区纪委监委",
               document_no="东纪发〔2024〕12号")
    cadre_load(db, "adjustment", [{
        "调整编号": "A1", "干部编号": "C1", "调整时间": "2024-04-10", "情形代码": "BSY-07",
        "触发来源": "巡视巡察", "调整方式": "免职", "状态": "已调整", "关联容错案件": "R1"}])
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-06-30")
    row = decision(db, "R1")
    # the rule: no red line, 7 有利 -> 容错 (defaults/tolerance.py::decide, rule 4); the body
    # recorded 不予容错, and that is the 认定结果
    assert (row["decision"], row["rule_decision"], row["consistent"]) == (
        "不予容错", "容错", 0)
    assert (row["determined_by"], row["document_no"], row["consequences"]) == (
        "城东区纪委监委", "东纪发〔2024〕12号", "依规依纪依法处理")
    assert row["suggestion"] is None
    state = rows(db, "SELECT decision FROM case_state WHERE case_id = 'R1'")
    assert state == [{"decision": "不予容错"}]
    # the adjustment that names R1 is not protected: 不予容错 counts against the cadre
    (link,) = rows(db, "SELECT result, counts_against FROM adjustment_link "
                       "WHERE link_kind = '容错认定'")
    assert link == {"result": "不予容错", "counts_against": 1}
    (status,) = rows(db, "SELECT case_decision, tolerated_basis FROM adjustment_status")
    assert status == {"case_decision": "不予容错", "tolerated_basis": 0}
    listed = rows(db, query(plugins, "determination_mismatches").sql)
    assert [(r["案件编号"], r["认定结果"], r["规则测算结果"]) for r in listed] == [
        ("R1", "不予容错", "容错")]
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      [row["explanation_id"]]).fetchone()[0]
    assert "认定结论与规则测算结果不一致" in text and "东纪发〔2024〕12号" in text
    assert "规则测算结果只作核对" in text


def test_body_tolerates_a_case_with_a_red_line(db, cadre_load, cadre_plugins):
    determined(db, cadre_load, "R1", findings("R1"), decision="容错", body="城东区纪委监委",
               red_line="RL-02")
    determined(db, cadre_load, "R2", findings("R2"), decision="容错", body="城东区纪委监委")
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-06-30")
    row = decision(db, "R1")
    # the rule: a red line -> 不予容错 (rule 1); recorded 容错 stays the 认定结果, flagged
    assert (row["decision"], row["rule_decision"], row["consistent"], row["red_line"]) == (
        "容错", "不予容错", 0, "RL-02 触碰法律红线（违法犯罪行为）")
    assert decision(db, "R2")["consistent"] == 1       # 7 有利, no red line -> 容错 = recorded
    listed = rows(db, query(plugins, "determination_mismatches").sql)
    assert [(r["案件编号"], r["认定机关"], r["认定结果"], r["规则测算结果"]) for r in listed] == [
        ("R1", "城东区纪委监委", "容错", "不予容错")]
    assert query(plugins, "determination_mismatches").level == "oversight"
    by_body = rows(db, query(plugins, "determination_mismatches_by_body").sql)
    assert [(r["认定机关"], r["已认定案件数"], r["认定与规则测算不一致"], r["一致"])
            for r in by_body] == [("城东区纪委监委", 2, 1, 1)]


def test_without_a_recorded_conclusion_the_rule_only_suggests(db, cadre_load, cadre_plugins):
    determined(db, cadre_load, "R1", findings("R1"))
    cadre_load(db, "adjustment", [{
        "调整编号": "A1", "干部编号": "C1", "调整时间": "2024-04-10", "情形代码": "BSY-07",
        "触发来源": "巡视巡察", "调整方式": "免职", "状态": "已调整", "关联容错案件": "R1"}])
    evaluate(db, cadre_plugins(), "2024-06-30")
    row = decision(db, "R1")
    assert (row["decision"], row["suggestion"], row["consistent"], row["consequences"]) == (
        None, "容错", None, None)
    # the body not being recorded, the accepting body by rule is named, and said to be so
    assert row["determined_by"] == "市州纪委监委、市州委组织部"
    (link,) = rows(db, "SELECT result, counts_against, note FROM adjustment_link "
                       "WHERE link_kind = '容错认定'")
    assert (link["result"], link["counts_against"]) == (None, None)
    assert "规则测算建议 容错，不作为认定结果" in link["note"]
    (status,) = rows(db, "SELECT tolerated_basis FROM adjustment_status")
    assert status["tolerated_basis"] == 0


@pytest.mark.parametrize("written", ["", "未触碰红线", "无。", "無", " 不涉及 红线 ", "否",
                                     "未发现违纪违法问题", "—"])
def test_a_denial_means_no_red_line(db, cadre_load, cadre_plugins, written):
    determined(db, cadre_load, "R1", findings("R1"), decision="容错", red_line=written)
    evaluate(db, cadre_plugins(), "2024-06-30")
    row = decision(db, "R1")
    # no red line, 7 有利 -> 容错 by the rule, as recorded
    assert (row["red_line"], row["rule_decision"], row["consistent"]) == (None, "容错", 1)


@pytest.mark.parametrize("written, code", [("rl-05", "RL-05"), ("RL-01：违反纪律", "RL-01"),
                                           ("收受财物，谋取私利", "RL-05"),
                                           ("明令禁止后有令不行、有禁不止", "RL-04")])
def test_a_red_line_is_read_by_code_text_or_alias(db, cadre_load, cadre_plugins, written, code):
    determined(db, cadre_load, "R1", findings("R1"), decision="不予容错", red_line=written)
    evaluate(db, cadre_plugins(), "2024-06-30")
    assert decision(db, "R1")["red_line"].split()[0] == code


def test_an_unknown_red_line_is_refused_and_nothing_changes(db, cadre_load):
    cadre_load(db, "case", [case_row("R1")])
    db.conn.commit()
    before = db_path(db).read_bytes()
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R1", 1, "申请", "2024-03-01"),
                                      ev("R1", 2, "受理", "2024-03-04"),
                                      ev("R1", 3, "认定", "2024-03-20", decision="不予容错",
                                         red_line="工作作风漂浮")])
    (error,) = info.value.errors
    assert (error.line, error.column) == (4, "触碰红线")
    assert "“工作作风漂浮”不是城东区（630102）“改革创新”类案件红线目录中的条目" in error.reason
    for code in ("RL-01 触碰纪律红线（违纪行为）", "RL-02", "RL-03", "RL-04", "RL-05"):
        assert code in error.reason
    assert "未触碰红线的请留空" in error.reason
    assert db["case_event"].count == 0 and db["event_chain"].count == 0
    assert db_path(db).read_bytes() == before
