"""The case procedure's state machine: every allowed and every forbidden transition, the
load-time check with file and line, and deadlines derived from the events."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cadre_sdk import hookimpl
from cadre_sdk.core.errors import CaseError, DataError, PluginError
from cadre_sdk.engines.cases import states as cs
from cadre_sdk.records import vocab

from case_data import HaixiTolerance, case_row, ev, evaluate, people, rows

#: The procedure as the tests expect it: (state, event) -> next state.
EXPECTED = {
    ("无事件", "申请"): "已申请",
    ("已申请", "受理"): "已受理", ("已申请", "补充材料"): "待补充材料",
    ("已申请", "不予受理"): "不予受理", ("已申请", "撤回"): "已撤回",
    ("待补充材料", "受理"): "已受理", ("待补充材料", "不予受理"): "不予受理",
    ("待补充材料", "撤回"): "已撤回",
    ("已受理", "核实"): "核实中", ("已受理", "补充材料"): "核实中",
    ("已受理", "认定"): "已认定", ("已受理", "撤回"): "已撤回",
    ("核实中", "核实"): "核实中", ("核实中", "补充材料"): "核实中",
    ("核实中", "认定"): "已认定", ("核实中", "撤回"): "已撤回",
    ("已认定", "反馈"): "已反馈",
    ("已反馈", "备案"): "已备案", ("已反馈", "申诉"): "申诉中",
    ("已备案", "申诉"): "申诉中",
    ("申诉中", "申诉决定"): "申诉已决定",
    ("申诉已决定", "备案"): "已结案",
}
EVENTS = tuple(vocab.CASE_EVENT.values())
ALL = [(s, e) for s in cs.STATES for e in EVENTS]


def test_the_table_is_the_expected_procedure():
    assert {(t.state, t.event): t.to for t in cs.TRANSITIONS} == EXPECTED
    assert set(cs.STATES) == {s for pair in EXPECTED for s in (pair[0], EXPECTED[pair])}
    assert len(ALL) == 13 * 11


@pytest.mark.parametrize("state, event", [p for p in ALL if p in EXPECTED])
def test_allowed_transition(state, event):
    assert cs.step("R1", state, event).to == EXPECTED[(state, event)]


@pytest.mark.parametrize("state, event", [p for p in ALL if p not in EXPECTED])
def test_forbidden_transition(state, event):
    with pytest.raises(CaseError) as info:
        cs.step("R1", state, event)
    message = str(info.value)
    assert "R1" in message and f"“{event}”" in message
    if state != cs.START:
        assert f"当前状态为“{state}”" in message


def replay(*pairs):
    return cs.replay("R1", [{"seq": n, "event": e, "date": d}
                            for n, (e, d) in enumerate(pairs, 1)])


def test_a_request_for_material_restarts_the_acceptance_clock():
    h = replay(("申请", "2024-03-01"), ("补充材料", "2024-03-04"), ("受理", "2024-03-08"))
    assert [(c.step, c.start_date.isoformat(), c.outcome) for c in h.clocks] == [
        ("受理", "2024-03-01", "重新计时"), ("受理", "2024-03-04", "办结"),
        ("认定", "2024-03-08", None)]
    assert h.state == "已受理" and h.stage == "核实认定"


def test_withdrawal_stops_every_clock_and_an_appeal_suspends_filing():
    h = replay(("申请", "2024-03-01"), ("撤回", "2024-03-02"))
    assert [c.outcome for c in h.clocks] == ["撤回"] and h.open_clock() is None
    h = replay(("申请", "2024-03-01"), ("受理", "2024-03-02"), ("认定", "2024-03-05"),
               ("反馈", "2024-03-06"), ("申诉", "2024-03-10"), ("申诉决定", "2024-03-20"))
    assert [(c.step, c.outcome) for c in h.clocks] == [
        ("受理", "办结"), ("认定", "办结"), ("反馈", "办结"), ("备案", "中止"),
        ("申诉决定", "办结"), ("备案", None)]


# --- at load time -----------------------------------------------------------------------

@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    cadre_load(cadre_db, "case", [case_row("R2024-001"), case_row("R2", "C2", "632801")])
    return cadre_db


FILED = [("申请", "2024-03-01"), ("受理", "2024-03-04"), ("认定", "2024-03-20"),
         ("反馈", "2024-03-22"), ("备案", "2024-03-29")]


def test_a_forbidden_event_in_a_later_load_names_case_state_event_file_and_line(db, cadre_load):
    cadre_load(db, "case_event", [ev("R2024-001", n, e, d) for n, (e, d) in enumerate(FILED, 1)])
    links = db["event_chain"].count
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01"),
                                      ev("R2024-001", 6, "受理", "2024-04-02")])
    (error,) = info.value.errors
    assert error.line == 3 and error.column == "事件"
    assert "案件 R2024-001 当前状态为“已备案”，不能再有“受理”事件" in error.reason
    # nothing of the rejected load was written, not even the good row
    assert db["case_event"].count == 5 and db["event_chain"].count == links


def test_the_first_event_must_be_an_application(db, cadre_load):
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 1, "受理", "2024-04-01")])
    assert "第一个事件须为“申请”" in info.value.errors[0].reason


def test_events_are_replayed_in_seq_order_within_one_load(db, cadre_load):
    # the file lists them out of order; seq decides
    cadre_load(db, "case_event", [ev("R2", 2, "受理", "2024-04-02"),
                                  ev("R2", 1, "申请", "2024-04-01")])
    assert [r["seq"] for r in rows(db, "SELECT seq FROM event_chain ORDER BY pos")] == [1, 2]


def test_an_event_cannot_be_slipped_in_before_stored_ones(db, cadre_load):
    cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01"),
                                  ev("R2", 3, "受理", "2024-04-03")])
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 2, "补充材料", "2024-04-02")])
    reason = info.value.errors[0].reason
    assert "已有序号 3 的事件入库" in reason and "只能追加" in reason


def test_an_event_dated_before_the_previous_one_is_refused(db, cadre_load):
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-05"),
                                      ev("R2", 2, "受理", "2024-04-01")])
    (error,) = info.value.errors
    assert error.column == "日期" and "早于上一事件（序号 1，2024-04-05）" in error.reason


def test_a_decision_written_on_another_event_is_refused(db, cadre_load):
    # A clerk records the body's conclusion on the notification row: it would never be read as
    # the 认定结果, and events cannot be corrected once stored.
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01"),
                                      ev("R2", 2, "受理", "2024-04-02"),
                                      ev("R2", 3, "认定", "2024-04-20"),
                                      ev("R2", 4, "反馈", "2024-04-22", decision="容错")])
    (error,) = info.value.errors
    assert error.line == 5
    assert "认定结论“容错”只能填在“认定”或“申诉决定”事件上，不能填在“反馈”事件上" in error.reason
    assert db["case_event"].count == 0


def test_a_changed_stored_event_is_refused_by_the_loader(db, cadre_load):
    cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01")])
    cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01")])  # unchanged: fine
    with pytest.raises(DataError) as info:
        cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01", note="改")])
    assert "只能追加" in info.value.errors[0].reason
    assert db["event_chain"].count == 1


# --- deadlines derived from the events ---------------------------------------------------

def deadlines(db, case_id):
    return [(r["step"], r["deadline"], r["status"], r["overdue_days"], r["overdue_workdays"])
            for r in rows(db, "SELECT * FROM case_deadline WHERE case_id = ? ORDER BY start_seq",
                          [case_id])]


def test_deadlines_across_spring_festival(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", [ev("R2024-001", 1, "申请", "2024-02-09"),
                                  ev("R2024-001", 2, "受理", "2024-02-23")])
    evaluate(db, cadre_plugins(), "2024-03-27")
    assert deadlines(db, "R2024-001") == [
        # 申请 Fri Feb 9 + 5 working days: Feb 10–17 off, Feb 18 (Sun, make-up) 1, 19 2, 20 3,
        # 21 4, 22 5 -> Feb 22; accepted Feb 23: 1 day late, 1 working day (Fri Feb 23)
        ("受理", "2024-02-22", "逾期办结", 1, 1),
        # 受理 Fri Feb 23 + 20 working days: Feb 26–Mar 1 (5), Mar 4–8 (10), Mar 11–15 (15),
        # Mar 18–22 (20) -> Mar 22; on Mar 27: 5 days late, working days Mar 25, 26, 27 = 3
        ("认定", "2024-03-22", "逾期未办", 5, 3),
    ]
    (state,) = rows(db, "SELECT * FROM case_state WHERE case_id = 'R2024-001'")
    assert (state["state"], state["stage"], state["next_step"], state["next_deadline"],
            state["overdue_days"], state["overdue_workdays"]) == (
        "已受理", "核实认定", "认定", "2024-03-22", 5, 3)
    assert state["accepting_body"] == "市州纪委监委、市州委组织部"  # C1 is 县处级


def test_deadlines_across_national_day_and_the_appeal_window(db, cadre_load, cadre_plugins):
    events = [("申请", "2024-09-02"), ("受理", "2024-09-06"), ("认定", "2024-09-30"),
              ("反馈", "2024-10-14")]
    cadre_load(db, "case_event", [ev("R2024-001", n, e, d) for n, (e, d) in enumerate(events, 1)])
    evaluate(db, cadre_plugins(), "2024-10-15")
    got = deadlines(db, "R2024-001")
    # 认定 Mon Sep 30 + 5 working days: Oct 1–7 off; Oct 8, 9, 10, 11, 12 (Sat, make-up)
    # -> Oct 12; notified Mon Oct 14: 2 days late, 1 working day (Oct 13 is a Sunday)
    assert got[2] == ("反馈", "2024-10-12", "逾期办结", 2, 1)
    # 反馈 Mon Oct 14 + 10 working days: Oct 15–18 (4), Oct 21–25 (9), Oct 28 (10)
    assert got[3] == ("备案", "2024-10-28", "未到期", 0, 0)
    (state,) = rows(db, "SELECT appeal_until, stage FROM case_state WHERE case_id = 'R2024-001'")
    # appeal within 15 calendar days of Oct 14 -> Oct 29
    assert state == {"appeal_until": "2024-10-29", "stage": "反馈备案"}


def test_events_after_the_evaluation_date_are_not_yet_counted(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-05-06"),
                                  ev("R2", 2, "受理", "2024-05-08")])
    evaluate(db, cadre_plugins(), "2024-05-07")
    (state,) = rows(db, "SELECT state, next_step, events FROM case_state WHERE case_id = 'R2'")
    assert state == {"state": "已申请", "next_step": "受理", "events": 1}


def test_a_prefecture_variant_changes_the_limit_for_its_prefecture_only(
        db, cadre_load, cadre_plugins, tmp_path):
    plugins = cadre_plugins(HaixiTolerance(tmp_path))
    cadre_load(db, "case_event", [ev("R2024-001", 1, "申请", "2024-09-27"),
                                  ev("R2", 1, "申请", "2024-09-27")])
    evaluate(db, plugins, "2024-10-09")
    got = {r["case_id"]: (r["time_limit"], r["deadline"], r["status"])
           for r in rows(db, "SELECT * FROM case_deadline")}
    # 城东区 (西宁市), provincial 5 working days from Fri Sep 27: Sep 29 (Sun, make-up) 1,
    # Sep 30 2, Oct 1–7 off, Oct 8 3, Oct 9 4, Oct 10 5
    assert got["R2024-001"] == ("5 个工作日", "2024-10-10", "未到期")
    # 格尔木市 (海西州): 10 working days: ... Oct 10 5, Oct 11 6, Oct 12 (Sat, make-up) 7,
    # Oct 14 8, Oct 15 9, Oct 16 10
    assert got["R2"] == ("10 个工作日", "2024-10-16", "未到期")
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'case_state:R2'").fetchone()[0]
    assert "haixi_tolerance" in text and "测试用：海西州受理时限" in text
    # what the variant leaves unset comes from the province: 乡科级 -> county bodies
    body = db.execute("SELECT accepting_body FROM case_state WHERE case_id = 'R2'").fetchone()
    assert body[0] == "县级纪委监委、县委组织部"


def test_cases_by_stage_and_overdue_queries(db, cadre_load, cadre_plugins):
    cadre_load(db, "case_event", [ev("R2024-001", 1, "申请", "2024-02-09"),
                                  ev("R2", 1, "申请", "2024-03-25")])
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-03-27")
    queries = plugins.book.catalogue("query")
    stages = rows(db, queries["cases_by_stage"].item.sql)
    assert [(r["阶段"], r["市州"], r["案件数"]) for r in stages] == [
        ("提出申请", "西宁市", 1), ("提出申请", "海西蒙古族藏族自治州", 1)]
    overdue = rows(db, queries["overdue_cases"].item.sql)
    # Feb 9 + 5 working days = Feb 22 (see above); Mar 27 - Feb 22 = 34 days
    assert [(r["案件编号"], r["逾期天数"], r["责任机关"]) for r in overdue] == [
        ("R2024-001", 34, "市州纪委监委、市州委组织部")]
    assert queries["overdue_cases"].item.level == "oversight"
    assert queries["cases_by_stage"].item.level == "oversight"
    assert queries["cases_by_stage_summary"].item.level == "public"


class BadLimitUnit:
    """A prefecture plugin whose acceptance limit has a unit that is not a time."""

    __name__ = "bad_limit_unit"

    def __init__(self, folder):
        from cadre_sdk import ToleranceVariant, load_parameters

        path = folder / "bad.yaml"
        path.write_text("description: bad\nlimit:\n  unit: count\n  values:\n"
                        "    2018-01-01: {value: 3, reference: 测试}\n", encoding="utf-8")
        self.variant = ToleranceVariant(parameters=load_parameters(path),
                                        dimensions=vocab.DIMENSIONS, time_limits={"受理": "limit"})

    @hookimpl
    def cadre_jurisdiction(self):
        """海西州."""
        return "632800"

    @hookimpl
    def register_tolerance_variants(self, register):
        """The faulty variant."""
        register(self.variant)


def test_a_time_limit_without_a_time_unit_names_the_plugin(db, cadre_load, cadre_plugins,
                                                           tmp_path):
    cadre_load(db, "case_event", [ev("R2", 1, "申请", "2024-04-01")])
    with pytest.raises(PluginError) as info:
        evaluate(db, cadre_plugins(BadLimitUnit(tmp_path)), "2024-04-02")
    assert info.value.plugin == "bad_limit_unit" and "unit 'count'" in str(info.value)


@pytest.mark.slow
def test_cadre_load_checks_events_in_a_fresh_process(db, tmp_path):
    """The loader imports the engines itself, so the check runs in a plain `cadre load`."""
    from cadre_sdk.testing import write_csv

    path = write_csv(tmp_path / "events.csv", [ev("R2", 1, "受理", "2024-04-01")])
    db_file = db.conn.execute("PRAGMA database_list").fetchone()[2]
    db.conn.close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from cadre_sdk.cli.app import main; main(sys.argv[1:])",
         "load", db_file, "case_event", str(path)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "第一个事件须为“申请”，不能是“受理”" in done.stderr
