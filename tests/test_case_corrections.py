"""Correcting a wrongly recorded case event (更正): a later, dated, reasoned event names the seq
it corrects and the right values; the original stays in the store and in the hash chain, and
the state, deadlines, overdue status and recorded decision use the corrected values (from the
correction's date on). Bad corrections are refused with file, line and column; nothing is
stored."""
from __future__ import annotations

import hashlib
import sqlite3

import openpyxl
import pytest

from cadre_sdk.core.errors import DataError
from cadre_sdk.engines.cases import audit
from cadre_sdk.engines.cases.corrections import CORRECTION_COLUMNS
from cadre_sdk.publish.event_aggregates import case_months
from cadre_sdk.store.database import migrate

from case_data import case_row, db_path, ev, evaluate, findings, people, rows
from clihelp import run

CASE = "R2024-001"   # C1 (县处级) in 城东区: 受理 within 5, 认定 within 20 working days
FIX_COLUMNS = {"corrects": "更正序号", "event": "更正后事件", "date": "更正后日期",
               "body": "更正后承办机关", "decision": "更正后认定结论", "red_line": "更正后触碰红线",
               "document_no": "更正后文号"}


def row(case_id: str, seq: int, event: str, date: str, *, fix: dict | None = None,
        **extra: str) -> dict:
    """An event row with every correction column (empty unless ``fix`` fills it)."""
    out = ev(case_id, seq, event, date, **extra)
    out["文号"] = extra.get("document_no", "")
    out.update({title: "" for title in FIX_COLUMNS.values()})
    out.update({FIX_COLUMNS[k]: v for k, v in (fix or {}).items()})
    return out


def correction(seq: int, on: str, note: str = "按受理通知书更正登记日期",
               case_id: str = CASE, **fix: object) -> dict:
    """A correction (更正) dated ``on``; ``fix``: corrects=seq and the corrected values."""
    return row(case_id, seq, "更正", on, fix=fix, note=note)


@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    cadre_load(cadre_db, "case", [case_row(CASE), case_row("R2", "C2", "632801")])
    return cadre_db


#: 受理 recorded as Fri 2024-04-12; the body accepted on Mon 2024-04-08.
RECORDED = [row(CASE, 1, "申请", "2024-04-01"), row(CASE, 2, "受理", "2024-04-12")]


def deadlines(db):
    return [(r["step"], r["start_date"], r["deadline"], r["status"], r["overdue_days"],
             r["overdue_workdays"])
            for r in rows(db, "SELECT * FROM case_deadline WHERE case_id = ? ORDER BY start_seq",
                          [CASE])]


def explanation(db, table, case_id=CASE):
    return db.execute(f"SELECT cadre_explain(e.json) FROM {table} t JOIN explanation e "
                      "ON e.id = t.explanation_id WHERE t.case_id = ?", [case_id]).fetchone()[0]


def test_deadlines_before_and_after_a_date_correction(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", RECORDED)
    evaluate(db, cadre_plugins(), "2024-05-10")
    assert deadlines(db) == [
        # 申请 Mon Apr 1 + 5 working days: Apr 2, 3 (Apr 4–6 清明 off), Apr 7 (Sun, make-up),
        # 8, 9 -> Apr 9; accepted (as recorded) Fri Apr 12: 3 days late, Apr 10, 11, 12 = 3
        ("受理", "2024-04-01", "2024-04-09", "逾期办结", 3, 3),
        # 受理 Fri Apr 12 + 20: Apr 15–19 (5), 22–26 (10), Apr 28 (Sun, make-up) 11, 29, 30
        # (13), May 1–5 off, May 6–10 (18), May 11 (Sat, make-up) 19, May 13 (20) -> May 13
        ("认定", "2024-04-12", "2024-05-13", "未到期", 0, 0),
    ]
    cadre_load(db, "case_event", [correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    evaluate(db, cadre_plugins(), "2024-05-10")
    assert deadlines(db) == [
        # accepted Mon Apr 8, before the Apr 9 deadline
        ("受理", "2024-04-01", "2024-04-09", "按期办结", 0, 0),
        # 受理 Mon Apr 8 + 20: Apr 9–12 (4), 15–19 (9), 22–26 (14), Apr 28 (Sun, make-up) 15,
        # 29, 30 (17), May 6, 7, 8 (20) -> May 8; on Fri May 10: 2 days, May 9, 10 = 2 late
        ("认定", "2024-04-08", "2024-05-08", "逾期未办", 2, 2),
    ]
    (state,) = rows(db, "SELECT * FROM case_state WHERE case_id = ?", [CASE])
    assert (state["state"], state["events"], state["last_event"], state["last_event_date"],
            state["next_deadline"], state["overdue_days"]) == (
        "已受理", 2, "受理", "2024-04-08", "2024-05-08", 2)
    text = explanation(db, "case_state")
    assert "2 2024-04-08 受理（经序号 3 更正）" in text
    assert ("序号 3（2024-04-20）更正序号 2 的事件：日期由“2024-04-12”改为“2024-04-08”；"
            "理由：按受理通知书更正登记日期") in text
    # the original stays in the store, unchanged
    assert rows(db, "SELECT date FROM case_event WHERE case_id = ? AND seq = 2", [CASE]) == [
        {"date": "2024-04-12"}]


def test_a_correction_states_what_the_record_always_should_have_said(db, cadre_load,
                                                                    cadre_plugins):
    cadre_load(db, "case_event", [*RECORDED,
                                  correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    # verified on Apr 10: after the true acceptance (Apr 8), before the recorded one (Apr 12)
    cadre_load(db, "case_event", [row(CASE, 4, "核实", "2024-04-10")])
    # an evaluation as of a day before the correction was made uses it too (and names it)
    evaluate(db, cadre_plugins(), "2024-04-11")
    assert deadlines(db) == [("受理", "2024-04-01", "2024-04-09", "按期办结", 0, 0),
                             ("认定", "2024-04-08", "2024-05-08", "未到期", 0, 0)]
    (state,) = rows(db, "SELECT state, events FROM case_state WHERE case_id = ?", [CASE])
    assert state == {"state": "核实中", "events": 3}
    assert "序号 3（2024-04-20）更正序号 2 的事件" in explanation(db, "case_state")


def test_a_wrong_event_kind_is_corrected(db, cadre_load, cadre_plugins):
    # the clerk typed 补充材料 for the acceptance: the case looked as if waiting for material
    cadre_load(db, "case_event", [row(CASE, 1, "申请", "2024-04-01"),
                                  row(CASE, 2, "补充材料", "2024-04-08"),
                                  correction(3, "2024-04-10", "环节登记错误", corrects=2,
                                             event="受理")])
    evaluate(db, cadre_plugins(), "2024-04-10")
    (state,) = rows(db, "SELECT state, next_step FROM case_state WHERE case_id = ?", [CASE])
    assert state == {"state": "已受理", "next_step": "认定"}
    assert "事件由“补充材料”改为“受理”" in explanation(db, "case_state")


DETERMINED = [row(CASE, 1, "申请", "2024-03-01"), row(CASE, 2, "受理", "2024-03-04"),
              row(CASE, 3, "认定", "2024-03-20", decision="不予容错", body="城东区纪委监委",
                  document_no="东纪发〔2024〕12号")]


def test_a_decision_typed_wrong_is_corrected_by_a_recorded_act(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", DETERMINED)
    cadre_load(db, "case_finding", findings(CASE))
    before = db["case_event"].count
    # a correction of a decision without the correcting decision's number is refused
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [correction(4, "2024-03-25", "录入时误选结论",
                                                 corrects=3, decision="容错")])
    (error,) = info.value.errors
    assert (error.line, error.column) == (2, "文号")
    assert "须填写更正决定的文号" in error.reason and "东纪发〔2024〕12号" in error.reason
    assert db["case_event"].count == before
    fixed = correction(4, "2024-03-25", "录入时误选结论，经城东区纪委监委更正", corrects=3,
                       decision="容错")
    fixed.update({"文号": "东纪发〔2024〕15号", "承办机关": "城东区纪委监委"})
    cadre_load(db, "case_event", [fixed])
    evaluate(db, cadre_plugins(), "2024-03-26")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    # all seven findings favourable: the rule's check gives 容错, now consistent
    assert (d["recorded_decision"], d["decision"], d["rule_decision"], d["consistent"]) == (
        "容错", "容错", "容错", 1)
    text = explanation(db, "case_decision")
    assert ("序号 4（2024-03-25，城东区纪委监委，文号 东纪发〔2024〕15号）更正序号 3 的事件："
            "认定结论由“不予容错”改为“容错”") in text
    # the adjustments and every view read the corrected 认定结果
    (state,) = rows(db, "SELECT decision FROM case_state WHERE case_id = ?", [CASE])
    assert state == {"decision": "容错"}


def test_a_corrected_decision_carries_the_correcting_decisions_number(
        db, cadre_load, cadre_plugins):
    """The row pairs the decision in force with its own 文号; the overturned one stays beside it,
    and the mismatch check compares the rule's result with the decision in force."""
    cadre_load(db, "case_event", DETERMINED)
    cadre_load(db, "case_finding", findings(CASE))
    query = cadre_plugins().book.catalogue("query")["determination_mismatches"].item
    evaluate(db, cadre_plugins(), "2024-03-21")
    # not corrected: the determination's own 文号, nothing said about corrections
    (d,) = rows(db, "SELECT document_no, original_document_no, decision_correction "
                    "FROM case_decision WHERE case_id = ?", [CASE])
    assert d == {"document_no": "东纪发〔2024〕12号", "original_document_no": None,
                 "decision_correction": None}
    fixed = correction(4, "2024-03-25", "经复议改为部分容错", corrects=3, decision="部分容错")
    fixed.update({"文号": "东纪发〔2024〕19号", "承办机关": "城东区纪委监委"})
    cadre_load(db, "case_event", [fixed])
    evaluate(db, cadre_plugins(), "2024-03-26")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    # all seven findings favourable: the rule gives 容错; the decision in force is 部分容错
    assert (d["decision"], d["document_no"], d["original_document_no"], d["rule_decision"],
            d["consistent"]) == ("部分容错", "东纪发〔2024〕19号", "东纪发〔2024〕12号", "容错", 0)
    assert d["decision_correction"] == ("认定结论已被更正，见序号 4（原认定结论“不予容错”，"
                                        "原文号 东纪发〔2024〕12号）")
    assert "文号：东纪发〔2024〕19号（序号 4 更正决定的文号；原文号 东纪发〔2024〕12号）" in explanation(
        db, "case_decision")
    (listed,) = rows(db, query.sql, {})
    assert (listed["文号"], listed["认定结果"], listed["原文号"], listed["规则测算结果"]) == (
        "东纪发〔2024〕19号", "部分容错", "东纪发〔2024〕12号", "容错")
    # corrected again to what the rule gives: consistent, no longer listed, the last 文号 in force
    again = correction(5, "2024-03-28", "经再次复核改为容错", corrects=3, decision="容错")
    again.update({"文号": "东纪发〔2024〕21号"})
    cadre_load(db, "case_event", [again])
    evaluate(db, cadre_plugins(), "2024-03-29")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    assert (d["decision"], d["document_no"], d["original_document_no"], d["consistent"]) == (
        "容错", "东纪发〔2024〕21号", "东纪发〔2024〕12号", 1)
    assert d["decision_correction"].startswith("认定结论已被更正，见序号 4、5（原认定结论“不予容错”")
    assert rows(db, query.sql, {}) == []


def test_a_corrected_decision_carries_the_body_of_the_decision_in_force(
        db, cadre_load, cadre_plugins):
    """The 认定机关 of the row is the body of the decision in force, like its 文号: the body that
    issued the correcting decision (the correction row's 承办机关), unless a correction names
    the determination's body (更正后承办机关); the explanation and the oversight views agree."""
    cadre_load(db, "case_event", DETERMINED)
    cadre_load(db, "case_finding", findings(CASE))
    book = cadre_plugins().book.catalogue("query")
    listed_sql = book["determination_mismatches"].item.sql
    by_body_sql = book["determination_mismatches_by_body"].item.sql
    # the city's commission overturns the district's 不予容错 with 部分容错 (the rule gives 容错)
    fixed = correction(4, "2024-03-25", "经市纪委监委复核改为部分容错", corrects=3,
                       decision="部分容错")
    fixed.update({"文号": "西纪发〔2024〕7号", "承办机关": "西宁市纪委监委"})
    cadre_load(db, "case_event", [fixed])
    evaluate(db, cadre_plugins(), "2024-03-26")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    assert (d["decision"], d["determined_by"], d["document_no"]) == (
        "部分容错", "西宁市纪委监委", "西纪发〔2024〕7号")
    assert d["decision_correction"] == (
        "认定结论已被更正，见序号 4（原认定结论“不予容错”，原文号 东纪发〔2024〕12号，"
        "原认定机关 城东区纪委监委）")
    assert ("认定机关：西宁市纪委监委（序号 4 更正决定的作出机关；原认定机关 城东区纪委监委）"
            in explanation(db, "case_decision"))
    (listed,) = rows(db, listed_sql, {})
    assert (listed["认定机关"], listed["文号"]) == ("西宁市纪委监委", "西纪发〔2024〕7号")
    # the mismatch is counted against the body whose decision is in force, not the district's
    assert [(r["认定机关"], r["认定与规则测算不一致"]) for r in rows(db, by_body_sql, {})] == [
        ("西宁市纪委监委", 1)]
    # a later correction names the determination's body itself (更正后承办机关): it is in force
    named = correction(5, "2024-03-27", "认定机关登记错误，按决定书更正", corrects=3,
                       body="城东区委组织部")
    cadre_load(db, "case_event", [named])
    evaluate(db, cadre_plugins(), "2024-03-28")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    assert (d["determined_by"], d["document_no"]) == ("城东区委组织部", "西纪发〔2024〕7号")
    assert ("认定机关：城东区委组织部（序号 5 更正承办机关；原认定机关 城东区纪委监委）"
            in explanation(db, "case_decision"))
    (listed,) = rows(db, listed_sql, {})
    assert listed["认定机关"] == "城东区委组织部"


def test_a_correcting_decision_naming_no_body_keeps_the_original_body(
        db, cadre_load, cadre_plugins):
    """A correction of the 认定结论 whose row names no 承办机关 leaves the determination's body;
    a correction of a date only (not a decision) never changes it, whoever recorded it."""
    cadre_load(db, "case_event", DETERMINED)
    cadre_load(db, "case_finding", findings(CASE))
    fixed = correction(4, "2024-03-25", "录入时误选结论", corrects=3, decision="容错")
    fixed["文号"] = "东纪发〔2024〕15号"
    dated = correction(5, "2024-03-26", "按决定书更正认定日期", corrects=3, date="2024-03-19")
    dated["承办机关"] = "城东区委组织部"
    cadre_load(db, "case_event", [fixed, dated])
    evaluate(db, cadre_plugins(), "2024-03-27")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    assert (d["decision"], d["determined_by"], d["determined_on"]) == (
        "容错", "城东区纪委监委", "2024-03-19")
    assert "原认定机关" not in d["decision_correction"]
    assert "认定机关：城东区纪委监委\n" in explanation(db, "case_decision") + "\n"


def test_a_corrected_appeal_decision_carries_the_correcting_body(db, cadre_load, cadre_plugins):
    """When the appeal decision is the 认定结果, its correction by another body makes that body
    the row's 认定机关 (with the correcting decision's 文号), in the explanation too."""
    appeal = [row(CASE, 4, "反馈", "2024-03-22"), row(CASE, 5, "申诉", "2024-03-25"),
              row(CASE, 6, "申诉决定", "2024-04-10", decision="部分容错", body="西宁市纪委监委",
                  document_no="西纪发〔2024〕3号")]
    fixed = correction(7, "2024-04-15", "经省纪委监委复核改为容错", corrects=6, decision="容错")
    fixed.update({"文号": "青纪发〔2024〕2号", "承办机关": "省纪委监委"})
    cadre_load(db, "case_event", [*DETERMINED, *appeal, fixed])
    cadre_load(db, "case_finding", findings(CASE))
    evaluate(db, cadre_plugins(), "2024-04-16")
    (d,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [CASE])
    assert (d["appeal_decision"], d["determined_by"], d["document_no"],
            d["original_document_no"]) == ("容错", "省纪委监委", "青纪发〔2024〕2号",
                                           "西纪发〔2024〕3号")
    assert ("申诉决定：容错（2024-04-10，省纪委监委（序号 7 更正决定的作出机关；原认定机关 "
            "西宁市纪委监委），文号 青纪发〔2024〕2号" in explanation(db, "case_decision"))


def test_the_chain_holds_the_original_and_the_correction(db, cadre_load):
    cadre_load(db, "case_event", [*RECORDED,
                                  correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    result = audit.verify_chain(db.conn)
    assert result["problems"] == [] and result["events"] == 3
    db.execute("UPDATE case_event SET corrected_date = '2024-04-09' WHERE seq = 3")
    problems = audit.verify_chain(db.conn)["problems"]
    assert problems == [f"案件 {CASE} 序号 3 的事件（“更正”）内容已被改动，与入库时的哈希不符"]


def test_the_oversight_query_marks_the_corrected_event_and_its_correction(
        db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", [*RECORDED,
                                  correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    query = cadre_plugins().book.catalogue("query")["case_events"].item
    assert query.level == "oversight"
    listed = rows(db, query.sql, {"case_id": CASE})
    assert [(r["序号"], r["事件"], r["日期"], r["更正情况"]) for r in listed] == [
        (1, "申请", "2024-04-01", None),
        (2, "受理", "2024-04-12", "已被更正，见序号 3"),
        (3, "更正", "2024-04-20", "更正序号 2 的事件：日期改为 2024-04-08"),
    ]


def test_a_clerks_synonyms_load(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", RECORDED)
    cadre_load(db, "case_event", [{"案件编号": CASE, "序号": 3, "事件": "订正", "日期": "2024-04-20",
                                   "被更正序号": 2, "正确日期": "2024年4月8日",
                                   "更正理由": "日期笔误"}])
    (fix,) = rows(db, "SELECT event, corrects, corrected_date, note FROM case_event WHERE seq = 3")
    assert fix == {"event": "更正", "corrects": 2, "corrected_date": "2024-04-08",
                   "note": "日期笔误"}


def test_reloading_a_changed_event_is_refused_and_says_how_to_correct(db, cadre_load):
    cadre_load(db, "case_event", RECORDED)
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [RECORDED[0], row(CASE, 2, "受理", "2024-04-08")])
    (error,) = info.value.errors
    assert (error.line, error.column) == (3, "日期")
    assert "日期“2024-04-12”改为“2024-04-08”" in error.reason
    assert "追加一条“更正”事件" in error.reason and "更正序号" in error.reason
    assert rows(db, "SELECT date FROM case_event WHERE seq = 2") == [{"date": "2024-04-12"}]


BAD = {
    "a seq that does not exist": (
        dict(corrects=7, date="2024-04-08"), "更正序号", f"案件 {CASE} 没有序号 7 的事件"),
    "itself": (dict(corrects=3, date="2024-04-08"), "更正序号", "只能更正在它之前登记的事件"),
    "a correction": (dict(corrects=3, date="2024-04-09"), "更正序号",
                     "序号 3 本身是一条更正，不能更正更正"),
    "dated before the event": (dict(corrects=2, body="城东区委组织部"), "日期",
                               "更正日期 2024-04-10 早于所更正事件（序号 2）的日期 2024-04-12"),
    "a corrected date after the correction": (dict(corrects=2, date="2024-04-11"), "更正后日期",
                                              "更正后日期 2024-04-11 晚于这条更正的日期 2024-04-10"),
    "nothing changed": (dict(corrects=2, date="2024-04-12"), "更正后日期", "更正没有改变任何内容"),
    "no value": (dict(corrects=2), "更正后事件", "没有填写任何更正后的值"),
    "an impossible procedure": (dict(corrects=2, event="认定"), "更正后事件",
                                "按这条更正改正序号 2 后，案件 R2024-001 当前状态为“已申请”，"
                                "不能再有“认定”事件"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_correction_is_refused_and_nothing_is_stored(db, cadre_load, case):
    fix, column, reason = BAD[case]
    first = [correction(3, "2024-04-20", corrects=2, date="2024-04-08")] \
        if case == "a correction" else []
    cadre_load(db, "case_event", [*RECORDED, *first])
    stored, links = db["case_event"].count, db["event_chain"].count
    seq = 3 if case == "itself" else 3 + len(first)
    date = {"a correction": "2024-04-21", "dated before the event": "2024-04-10",
            "a corrected date after the correction": "2024-04-10"}.get(case, "2024-04-20")
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [correction(seq, date, **fix)])
    (error,) = info.value.errors
    assert (error.file.endswith(".csv"), error.line, error.column) == (True, 2, column)
    assert reason in error.reason
    assert (db["case_event"].count, db["event_chain"].count) == (stored, links)


def test_a_correction_needs_a_reason(db, cadre_load):
    cadre_load(db, "case_event", RECORDED)
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [correction(3, "2024-04-20", "", corrects=2,
                                                 date="2024-04-08")])
    (error,) = info.value.errors
    assert error.column == "备注" and "写明更正理由" in error.reason


def test_correction_columns_on_another_event_are_refused(db, cadre_load):
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [row(CASE, 1, "申请", "2024-04-01", fix={"corrects": 1})])
    (error,) = info.value.errors
    assert error.column == "更正序号" and "只有“更正”事件才填写“更正序号”" in error.reason
    assert db["case_event"].count == 0


def test_the_case_id_cannot_be_corrected(db, cadre_load):
    cadre_load(db, "case_event", RECORDED)
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [{**correction(3, "2024-04-20", corrects=2,
                                                    date="2024-04-08"), "更正后案件编号": "R2"}])
    (error,) = info.value.errors
    assert (error.line, error.column) == (1, "更正后案件编号")
    assert error.reason.startswith("案件编号不能更正")
    assert db["case_event"].count == 2


def test_the_recipe_hashes_a_correction_with_its_correction_columns(db, cadre_load):
    cadre_load(db, "case_event", [*RECORDED,
                                  correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    links = rows(db, "SELECT * FROM event_chain ORDER BY pos")
    # the filled correction columns join the canonical JSON (corrects as an integer)
    text = ('{"body":null,"case_id":"R2024-001","corrected_date":"2024-04-08","corrects":2,'
            '"date":"2024-04-20","decision":null,"event":"更正","note":"按受理通知书更正登记日期",'
            '"red_line":null,"seq":3}')
    assert links[2]["hash"] == hashlib.sha256(
        (links[1]["hash"] + text).encode("utf-8")).hexdigest()


def test_a_clerks_workbook_corrects_an_event_from_load_to_verify(tmp_path, capsys):
    """The whole path a clerk and an oversight reader take: an Excel sheet with the
    correction columns, cadre load, evaluate, explain and verify."""
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    for kind, text in (
            ("单位", "单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,玛多县委组织部,部门,县,632626\n"),
            ("干部", "干部编号,姓名,性别,出生年月,工作单位,职务\nC1,才让,男,1980.05,U1,科员\n"),
            ("容错纠错案件", "案件编号,干部编号,管辖地区,案件类别,事由\nK1,C1,632626,其他,测试\n")):
        file = tmp_path / f"{kind}.csv"
        file.write_text(text, encoding="utf-8")
        assert run(capsys, "load", path, kind, file, "--as-of", "2024-12-01")[0] == 0
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["案件编号", "序号", "事件", "日期", "被更正序号", "正确日期", "更正理由"])
    sheet.append(["K1", 1, "申请", "2024-04-01", None, None, None])
    sheet.append(["K1", 2, "受理", "2024-04-12", None, None, None])
    sheet.append(["K1", 3, "订正", "2024年4月20日", 2, "2024.4.8", "按受理通知书更正日期"])
    workbook = tmp_path / "案件事件.xlsx"
    book.save(workbook)
    code, _, err = run(capsys, "load", path, "案件事件", workbook, "--as-of", "2024-12-01")
    assert code == 0, err
    assert run(capsys, "evaluate", path, "--as-of", "2024-05-10", "--only", "cases")[0] == 0
    code, out, _ = run(capsys, "explain", path, "case_state", "K1")
    assert code == 0 and "2 2024-04-08 受理（经序号 3 更正）" in out
    assert "“认定”时限截止日：2024-04-08 起 20 个工作日 = 2024-05-08" in out
    code, out, _ = run(capsys, "verify", path)
    assert code == 0 and "事件链完整：共 3 个事件" in out


def test_a_store_made_before_corrections_gets_the_columns_and_verifies(db, cadre_load,
                                                                       cadre_plugins):
    cadre_load(db, "case_event", RECORDED)
    for column in CORRECTION_COLUMNS:
        db.execute(f"ALTER TABLE case_event DROP COLUMN {column}")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0012_case_event_corrections'")
    assert audit.verify_chain(db.conn)["problems"] == []     # (an old file verifies as it is)
    migrate(db)
    assert set(CORRECTION_COLUMNS) <= set(db["case_event"].columns_dict)
    assert audit.verify_chain(db.conn)["problems"] == []     # old links unchanged
    cadre_load(db, "case_event", [correction(3, "2024-04-20", corrects=2, date="2024-04-08")])
    evaluate(db, cadre_plugins(), "2024-05-10")
    assert deadlines(db)[0][3] == "按期办结"


def test_a_red_line_typed_wrong_is_corrected_and_the_check_follows(db, cadre_load, cadre_plugins):
    determined = [*DETERMINED[:2], row(CASE, 3, "认定", "2024-03-20", decision="容错",
                                       red_line="RL-01")]
    cadre_load(db, "case_event", determined)
    cadre_load(db, "case_finding", findings(CASE))
    evaluate(db, cadre_plugins(), "2024-03-26")
    (d,) = rows(db, "SELECT decision, rule_decision, consistent FROM case_decision")
    # a red line touched: the rule's check says 不予容错, the body's 容错 is flagged
    assert d == {"decision": "容错", "rule_decision": "不予容错", "consistent": 0}
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [correction(4, "2024-03-25", "误填红线", corrects=3,
                                                 red_line="乱七八糟")])
    (error,) = info.value.errors
    assert error.column == "更正后触碰红线" and "不是" in error.reason
    cadre_load(db, "case_event", [correction(4, "2024-03-25", "误填红线", corrects=3,
                                             red_line="无")])
    evaluate(db, cadre_plugins(), "2024-03-26")
    (d,) = rows(db, "SELECT decision, rule_decision, consistent FROM case_decision")
    assert d == {"decision": "容错", "rule_decision": "容错", "consistent": 1}


def test_a_second_correction_applies_on_top_of_the_first(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", [*RECORDED,
                                  correction(3, "2024-04-20", corrects=2, date="2024-04-08"),
                                  correction(4, "2024-04-22", "承办机关漏填", corrects=2,
                                             body="城东区委组织部")])
    # a third one dated before the second is refused: corrections come in date order
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [correction(5, "2024-04-21", corrects=2,
                                                 date="2024-04-09")])
    (error,) = info.value.errors
    assert error.column == "日期" and "早于上一条更正（序号 4，2024-04-22）" in error.reason
    evaluate(db, cadre_plugins(), "2024-05-10")
    text = explanation(db, "case_state")
    assert "2 2024-04-08 受理（经序号 3、4 更正）" in text
    assert "序号 4（2024-04-22）更正序号 2 的事件：承办机关由未填写改为“城东区委组织部”" in text
    # the first correction's date is kept: only the body changed
    assert deadlines(db)[1][1:3] == ("2024-04-08", "2024-05-08")


def test_an_error_names_the_column_as_the_clerks_file_has_it(db, cadre_load):
    cadre_load(db, "case_event", RECORDED)
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [{"案件编号": CASE, "序号": 3, "事件": "更正",
                                       "办理日期": "2024-04-20", "被更正序号": 9,
                                       "正确日期": "2024-04-08", "更正理由": "笔误"}])
    (error,) = info.value.errors
    assert (error.line, error.column) == (2, "被更正序号")
    assert f"案件 {CASE} 没有序号 9 的事件" in error.reason


def test_the_public_count_of_applications_per_month_uses_the_corrected_date(
        db, cadre_load, tmp_path):
    cadre_load(db, "case_event", [row(CASE, 1, "申请", "2024-03-29"),
                                  row("R2", 1, "申请", "2024-03-28"),
                                  correction(2, "2024-04-02", "申请日期笔误", corrects=1,
                                             date="2024-04-01")])
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH DATABASE ? AS src", [str(db_path(db))])
    assert case_months(conn) == "case_month_summary"
    assert conn.execute("SELECT * FROM case_month_summary ORDER BY month").fetchall() == [
        ("2024-03", 1), ("2024-04", 1)]


def test_a_decision_or_red_line_on_the_correction_row_itself_points_to_its_column(db, cadre_load):
    cadre_load(db, "case_event", DETERMINED)
    wrong = correction(4, "2024-03-25", "误选结论", corrects=3, body="城东区纪委监委")
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [{**wrong, "认定结论": "容错"}])
    assert "请填在“更正后认定结论”列" in info.value.errors[0].reason
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [{**wrong, "触碰红线": "无"}])
    (error,) = info.value.errors
    assert error.column == "触碰红线" and "请填在“更正后触碰红线”列" in error.reason


def test_every_bad_correction_of_a_file_is_listed_at_once(db, cadre_load):
    """A clerk's file of three corrections, each wrong its own way, is refused with all three
    (file, line, column), not one per attempt; nothing is stored."""
    cadre_load(db, "case_event", RECORDED)
    stored = db["case_event"].count
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [
            correction(3, "2024-04-20", "", corrects=2, date="2024-04-08"),   # no reason
            correction(4, "2024-04-20", "日期应为4月8日", corrects=2),          # no value
            correction(5, "2024-04-20", corrects=9, date="2024-04-08")])      # no seq 9
    got = [(e.line, e.column) for e in info.value.errors]
    assert got == [(2, "备注"), (3, "更正后事件"), (4, "更正序号")]
    assert "写明更正理由" in info.value.errors[0].reason
    assert "没有序号 9 的事件" in info.value.errors[2].reason
    assert db["case_event"].count == stored


def test_a_denial_where_no_red_line_was_recorded_changes_nothing(db, cadre_load):
    """“无” (or 未触碰红线) says what an empty 触碰红线 says: such a correction changes
    nothing and is refused, as any correction that changes nothing is; nothing stored."""
    determined = [*DETERMINED[:2], row(CASE, 3, "认定", "2024-03-20", decision="容错")]
    cadre_load(db, "case_event", determined)
    stored = db["case_event"].count
    for denial in ("无", "未触碰红线"):
        with pytest.raises(DataError) as info:
            cadre_load(db, "case_event", [correction(4, "2024-03-25", "红线应为无", corrects=3,
                                                     red_line=denial)])
        (error,) = info.value.errors
        assert error.column == "更正后触碰红线" and "更正没有改变任何内容" in error.reason
    assert db["case_event"].count == stored
