"""The cases engine: fault-tolerance cases (容错纠错) and up-or-down adjustments (能上能下).

For every case: replay its events (those dated on or before the evaluation date) to get its
state and stage; compute each step's deadline from the case's tolerance variant, in working
days on the official calendar, and how late the running step is on the evaluation date; find
the accepting body; and, once determined, the decision from the findings on each dimension and
the red line, with its consequences. Then the adjustments (``engines.adjustments``).

Everything is replaced on each run, in a deterministic order, so re-evaluating the same inputs
with the same ``as_of`` writes identical rows.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from ..explain import Trace
from ..plugins import CadrePlugins
from ..workdays import workdays_between
from . import adjustments, case_events  # noqa: F401  (registers the load-time callbacks)
from . import tolerance_rules as tr
from .batch import BatchWriter
from .case_schema import migrations  # noqa: F401  (registers the migration set)
from .case_states import Clock, History, replay

NAME = "容错纠错与能上能下"
_KINDS = ("case_state", "case_decision")
_WIDTHS = {"case_state": 20, "case_deadline": 12, "case_decision": 17}


#: Decisions by dimension and finding (one row per combination; cases without a decision or
#: without findings are not counted).
_DIMENSIONS_SQL = """INSERT INTO decision_dimension (dimension, finding, decision, cases)
SELECT f.dimension, f.finding, d.decision, count(*)
FROM case_finding f JOIN case_decision d ON d.case_id = f.case_id
GROUP BY f.dimension, f.finding, d.decision
ORDER BY f.dimension, f.finding, d.decision"""


class _Grouped:
    """Rows ordered by ``case_id``, handed out case by case as the cases are walked in order."""

    def __init__(self, cursor: Any):
        self._rows: Iterator[dict[str, Any]] = iter(cursor)
        self._next = next(self._rows, None)

    def take(self, case_id: str) -> list[dict[str, Any]]:
        """The rows of ``case_id``, skipping rows of cases that have no case record."""
        out = []
        while self._next is not None and self._next["case_id"] <= case_id:
            if self._next["case_id"] == case_id:
                out.append(self._next)
            self._next = next(self._rows, None)
        return out


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *,
             as_of: datetime.date | None = None) -> dict[str, Any]:
    """Evaluate every case and adjustment as of ``as_of`` (default: today)."""
    as_of = as_of or datetime.date.today()
    for table in ("case_state", "case_deadline", "case_decision", "decision_dimension"):
        db.execute(f"DELETE FROM {table}")
    db.execute(f"DELETE FROM explanation WHERE kind IN ({', '.join('?' for _ in _KINDS)})",
               list(_KINDS))
    out = BatchWriter(db, _WIDTHS)
    events = _Grouped(db.query("SELECT * FROM case_event ORDER BY case_id, seq"))
    findings = _Grouped(db.query("SELECT case_id, dimension, finding FROM case_finding "
                                 "ORDER BY case_id, dimension"))
    cache: dict[tuple[str, str, datetime.date], tr.Variants] = {}
    cases = db.query("SELECT c.id, c.kind, c.region_code, c.cadre_id, p.level AS cadre_level "
                     "FROM [case] c LEFT JOIN cadre p ON p.id = c.cadre_id ORDER BY c.id")
    for case in cases:
        inputs = tr.CaseInputs(**case)
        dated = [e for e in events.take(inputs.id) if e["date"] <= as_of.isoformat()]
        # Dated variants: the rules in force when the case was filed (its first event).
        filed = datetime.date.fromisoformat(dated[0]["date"]) if dated else as_of
        key = (inputs.kind, inputs.region_code, filed)
        variants = cache.get(key)
        if variants is None:
            variants = cache[key] = tr.Variants.resolve(plugins.book, inputs.kind,
                                                        inputs.region_code, filed)
        history = replay(inputs.id, dated)
        found = {f["dimension"]: f["finding"] for f in findings.take(inputs.id)}
        _evaluate_case(out, inputs, history, found, variants, as_of)
    out.flush()
    db.execute(_DIMENSIONS_SQL)
    overdue = db.execute("SELECT count(*) FROM case_state WHERE overdue_days > 0").fetchone()[0]
    summary = {"容错案件": out.counts["case_state"], "已认定": out.counts["case_decision"],
               "超期未办": overdue}
    summary.update(adjustments.evaluate(db, plugins))
    return summary


def _lateness(due: datetime.date, until: datetime.date) -> tuple[int, int]:
    if until <= due:
        return 0, 0
    return (until - due).days, workdays_between(due, until)


def _clock_row(case: tr.CaseInputs, clock: Clock, variants: tr.Variants, body: str,
               as_of: datetime.date, trace: Trace) -> tuple:
    dl = tr.deadline(clock, variants, trace)
    late = (None, None)
    if dl is None:
        status = "无时限"
    elif clock.outcome is None:
        late = _lateness(dl.due, as_of)
        status = "逾期未办" if late[0] else "未到期"
    elif clock.outcome == "办结":
        late = _lateness(dl.due, clock.end_date)
        status = "逾期办结" if late[0] else "按期办结"
    else:
        status = clock.outcome
    if late[0]:
        trace.step(f"“{clock.step}”{status}", f"{late[0]} 日（{late[1]} 个工作日）")
    return (case.id, clock.start_seq, clock.step, clock.start_date.isoformat(),
            dl and dl.label, dl and dl.due.isoformat(), clock.end_seq,
            clock.end_date and clock.end_date.isoformat(), status, late[0], late[1], body)


def _appeal_until(history: History, variants: tr.Variants, trace: Trace) -> str | None:
    """The applicant's last day to appeal, once notified; a late appeal is noted."""
    notified = history.last("反馈")
    if notified is None:
        return None
    window = Clock("申诉", notified["seq"], datetime.date.fromisoformat(notified["date"]))
    dl = tr.deadline(window, variants, trace)
    if dl is None:
        return None
    appeal = history.last("申诉")
    if appeal is not None and appeal["date"] > dl.due.isoformat():
        trace.step("申诉逾期提出（仍按申诉办理）", appeal["date"], f"申诉期限至 {dl.due.isoformat()}")
    return dl.due.isoformat()


def _evaluate_case(out: BatchWriter, case: tr.CaseInputs, history: History,
                   findings: dict[str, str], variants: tr.Variants, as_of: datetime.date) -> None:
    trace = Trace(subject=f"容错案件 {case.id} 办理状态（截至 {as_of.isoformat()}）")
    trace.input("事件", [f"{e['seq']} {e['date']} {e['event']}" for e in history.events])
    applied = history.last("申请")
    on = datetime.date.fromisoformat(applied["date"]) if applied else as_of
    body = tr.accepting_body(case, variants, on, trace)
    running: tuple | None = None
    for clock in history.clocks:
        row = _clock_row(case, clock, variants, body, as_of, trace)
        out.add("case_deadline", row)
        if clock.outcome is None:
            running = row
    appeal_until = _appeal_until(history, variants, trace)
    decision = _decide(out, case, history, findings, variants)
    trace.step("所处阶段", history.stage)
    trace.result = trace.step("当前状态", history.state)
    eid = out.explain("case_state", case.id, trace)
    last = history.events[-1] if history.events else {}
    step, limit, due, late = (running[2], running[4], running[5], running[9:11]) if running \
        else (None, None, None, (None, None))
    out.add("case_state", (
        case.id, case.region_code, tr.prefecture_of(case.region_code), case.kind, case.cadre_level,
        history.state, history.stage, len(history.events), last.get("event"), last.get("date"),
        decision, body, step, limit, due, late[0], late[1], appeal_until, as_of.isoformat(), eid))


def _decide(out: BatchWriter, case: tr.CaseInputs, history: History, findings: dict[str, str],
            variants: tr.Variants) -> str | None:
    """Write the decision of a determined case; returns the final decision (None before)."""
    determined = history.last("认定")
    if determined is None:
        return None
    trace = Trace(subject=f"容错案件 {case.id} 认定结果")
    on = datetime.date.fromisoformat(determined["date"])
    red_line = tr.red_line_of(determined["red_line"])
    rule = tr.decide(findings, red_line, variants, on, trace)
    recorded = determined["decision"]
    appealed = history.last("申诉决定")
    appeal = appealed["decision"] if appealed else None
    final = appeal or rule
    if recorded is not None and recorded != rule:
        trace.step("与“认定结论”记录不一致", recorded, f"按规则应为 {rule}")
    if appeal:
        trace.step("申诉决定", appeal, f"{appealed['date']} 作出，以申诉决定为准")
    consequences = tr.CONSEQUENCES.get(final) if final else None
    trace.result = trace.step("认定结果", final, consequences or "")
    dims = variants.dimensions
    out.add("case_decision", (
        case.id, case.region_code, tr.prefecture_of(case.region_code), determined["date"],
        tr.findings_summary(findings, dims), tr.count_of(findings, dims, "有利"),
        tr.count_of(findings, dims, "不利"), tr.count_of(findings, dims, "存疑"),
        sum(1 for d in dims if d not in findings), red_line, rule, recorded,
        None if recorded is None else int(recorded == rule), appeal, final, consequences,
        out.explain("case_decision", case.id, trace)))
    return final
