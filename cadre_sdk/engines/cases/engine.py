"""The cases engine: fault-tolerance cases (容错纠错) and up-or-down adjustments (能上能下).

For every case: replay its events (as corrected by the corrections (更正) recorded for them,
``corrections``; those dated on or before the evaluation date) to get its
state and stage; compute each step's deadline from the case's tolerance variant, in working
days on the official calendar, and how late the running step is on the evaluation date; find
the accepting body; and, once determined, the 认定结果: the accepting body's recorded
determination (认定结论, or the appeal decision), with its consequences, and beside it the rule's
result on the findings and the red line as a check (规则测算结果): a mismatch is flagged
(``consistent = 0``), never corrected; without a recorded determination the rule's result is only
a suggestion (``suggestion``). Then the adjustments (``engines.adjustments``).

Everything is replaced on each run, in a deterministic order, so re-evaluating the same inputs
with the same ``as_of`` writes identical rows.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from cadre_sdk.store.calendar import calendar_for
from cadre_sdk.core.trace import Trace
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.core.workdays import Calendar, provisional_note
from cadre_sdk.engines.cases import adjustments, corrections, red_lines
from cadre_sdk.engines.cases import tolerance as tr
from cadre_sdk.engines.batch_writer import BatchWriter
from cadre_sdk.engines.cases.schema import migrations  # noqa: F401  (registers the migration set)
from cadre_sdk.engines.cases.states import Clock, History, replay

NAME = "容错纠错与能上能下"
#: The summary key naming the years whose holiday schedule is missing (``cadre evaluate``
#: warns once about them).
PROVISIONAL_YEARS = "暂定年份"
_KINDS = ("case_state", "case_decision", "case_check")
_WIDTHS = {"case_state": 21, "case_deadline": 13, "case_decision": 23}


#: Decisions by dimension and finding (one row per combination; cases without a decision or
#: without findings are not counted).
_DIMENSIONS_SQL = """INSERT INTO decision_dimension (dimension, finding, decision, cases)
SELECT f.dimension, f.finding, d.decision, count(*)
FROM case_finding f JOIN case_decision d ON d.case_id = f.case_id
WHERE d.decision IS NOT NULL
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
             as_of: datetime.date) -> dict[str, Any]:
    """Evaluate every case and adjustment as of ``as_of``, counting working days on the
    store's calendar (``calendar_store.calendar_for``). A figure that needs a year nobody has
    supplied a holiday schedule for is counted on weekends alone and marked provisional (暂定);
    the summary then names those years under ``暂定年份``."""
    calendar = calendar_for(db, plugins)
    missing: set[int] = set()
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
        # The events as corrected by the corrections (更正) recorded for them.
        corrected, in_force = corrections.apply(events.take(inputs.id))
        dated = [e for e in corrected if e["date"] <= as_of.isoformat()]
        # Dated variants: the rules in force when the case was filed (its first event).
        filed = datetime.date.fromisoformat(dated[0]["date"]) if dated else as_of
        key = (inputs.kind, inputs.region_code, filed)
        variants = cache.get(key)
        if variants is None:
            variants = cache[key] = tr.Variants.resolve(plugins.book, inputs.kind,
                                                        inputs.region_code, filed)
        history = replay(inputs.id, dated)
        found = {f["dimension"]: f["finding"] for f in findings.take(inputs.id)}
        missing.update(_evaluate_case(out, inputs, history, found, variants, calendar, as_of,
                                      plugins.book, in_force))
    out.flush()
    db.execute(_DIMENSIONS_SQL)
    overdue = db.execute("SELECT count(*) FROM case_state WHERE overdue_days > 0").fetchone()[0]
    mismatched = db.execute("SELECT count(*) FROM case_decision WHERE consistent = 0").fetchone()[0]
    summary = {"容错案件": out.counts["case_state"], "已认定": out.counts["case_decision"],
               "超期未办": overdue, "认定与规则测算不一致": mismatched}
    if missing:
        summary["暂定"] = db.execute("SELECT count(*) FROM case_deadline "
                                   "WHERE provisional IS NOT NULL").fetchone()[0]
        summary[PROVISIONAL_YEARS] = "、".join(str(y) for y in sorted(missing))
    summary.update(adjustments.evaluate(db, plugins))
    return summary


def _lateness(calendar: Calendar, due: datetime.date, until: datetime.date
              ) -> tuple[int, int, tuple[int, ...]]:
    """Calendar days and working days from ``due`` to ``until``, and the years without a
    schedule the working-day count went through."""
    if until <= due:
        return 0, 0, ()
    return ((until - due).days, calendar.workdays_between(due, until),
            calendar.missing_years(due, until))


def _clock_row(case: tr.CaseInputs, clock: Clock, variants: tr.Variants, body: str,
               calendar: Calendar, as_of: datetime.date, trace: Trace
               ) -> tuple[tuple, set[int]]:
    """The ``case_deadline`` row of one clock, and the years without a schedule it needed."""
    dl = tr.deadline(clock, variants, calendar, trace)
    late: tuple = (None, None, ())
    if dl is None:
        status = "无时限"
    elif clock.outcome is None:
        late = _lateness(calendar, dl.due, as_of)
        status = "逾期未办" if late[0] else "未到期"
    elif clock.outcome == "办结":
        late = _lateness(calendar, dl.due, clock.end_date)
        status = "逾期办结" if late[0] else "按期办结"
    else:
        status = clock.outcome
    missing = sorted(set(dl.missing if dl else ()) | set(late[2]))
    if late[0]:
        trace.step(f"“{clock.step}”{status}", f"{late[0]} 日（{late[1]} 个工作日）",
                   f"暂定：{provisional_note(late[2])}" if late[2] else "")
    provisional = f"暂定：{provisional_note(missing)}" if missing else None
    return (case.id, clock.start_seq, clock.step, clock.start_date.isoformat(),
            dl and dl.label, dl and dl.due.isoformat(), clock.end_seq,
            clock.end_date and clock.end_date.isoformat(), status, late[0], late[1], body,
            provisional), set(missing)


def _schedules_used(trace: Trace, calendar: Calendar, first: datetime.date,
                    last: datetime.date) -> None:
    """Name the holiday schedule of each year the case's days were counted in, with its
    source and status (a schedule added from a file may be an example, not the notice)."""
    trace.input("节假日安排", [f"{year} 年：{said}" for year, said in calendar.describe(first, last)])


def _appeal_until(history: History, variants: tr.Variants, calendar: Calendar,
                  trace: Trace) -> str | None:
    """The applicant's last day to appeal, once notified; a late appeal is noted."""
    notified = history.last("反馈")
    if notified is None:
        return None
    window = Clock("申诉", notified["seq"], datetime.date.fromisoformat(notified["date"]))
    dl = tr.deadline(window, variants, calendar, trace)
    if dl is None:
        return None
    appeal = history.last("申诉")
    if appeal is not None and appeal["date"] > dl.due.isoformat():
        trace.step("申诉逾期提出（仍按申诉办理）", appeal["date"], f"申诉期限至 {dl.due.isoformat()}")
    return dl.due.isoformat()


def _event_line(event: dict[str, Any]) -> str:
    """One event as the explanations list it, marked when corrections changed it."""
    by = event.get("corrected_by")
    mark = f"（经序号 {'、'.join(map(str, by))} 更正）" if by else ""
    return f"{event['seq']} {event['date']} {event['event']}{mark}"


def _corrections_input(trace: Trace, in_force: list[corrections.Correction],
                       seqs: set[int] | None = None) -> None:
    """Name each correction in force (of the events ``seqs``; None: all): which event, what
    changed, when, by whom and why."""
    said = [c.describe() for c in in_force if seqs is None or c.corrects in seqs]
    if said:
        trace.input("更正", said)


def _evaluate_case(out: BatchWriter, case: tr.CaseInputs, history: History,
                   findings: dict[str, str], variants: tr.Variants, calendar: Calendar,
                   as_of: datetime.date, book: Any,
                   in_force: list[corrections.Correction]) -> set[int]:
    """Write one case's rows; returns the years without a schedule its figures needed."""
    trace = Trace(subject=f"容错案件 {case.id} 办理状态（截至 {as_of.isoformat()}）")
    trace.input("事件", [_event_line(e) for e in history.events])
    _corrections_input(trace, in_force)
    applied = history.last("申请")
    on = datetime.date.fromisoformat(applied["date"]) if applied else as_of
    body = tr.accepting_body(case, variants, on, trace)
    running: tuple | None = None
    missing: set[int] = set()
    counted: list[datetime.date] = []   # the last day each clock's count reached
    for clock in history.clocks:
        row, needed = _clock_row(case, clock, variants, body, calendar, as_of, trace)
        out.add("case_deadline", row)
        counted += [clock.end_date or as_of, *([datetime.date.fromisoformat(row[5])]
                                                if row[5] else [])]
        missing |= needed
        if clock.outcome is None:
            running = row
    appeal_until = _appeal_until(history, variants, calendar, trace)
    if history.clocks:
        _schedules_used(trace, calendar, history.clocks[0].start_date, max(counted))
    decision = _decide(out, case, history, findings, variants, book, body, in_force)
    trace.step("所处阶段", history.stage)
    trace.result = trace.step("当前状态", history.state)
    eid = out.explain("case_state", case.id, trace)
    last = history.events[-1] if history.events else {}
    step, limit, due, late = (running[2], running[4], running[5], running[9:11]) if running \
        else (None, None, None, (None, None))
    out.add("case_state", (
        case.id, case.region_code, tr.prefecture_of(case.region_code), case.kind, case.cadre_level,
        history.state, history.stage, len(history.events), last.get("event"), last.get("date"),
        decision, body, step, limit, due, late[0], late[1], appeal_until, as_of.isoformat(), eid,
        running[-1] if running else None))
    return missing


def _decide(out: BatchWriter, case: tr.CaseInputs, history: History, findings: dict[str, str],
            variants: tr.Variants, book: Any, body: str,
            in_force: list[corrections.Correction]) -> str | None:
    """Write the determination of a case that reached 认定, with the rule's check beside it;
    returns the 认定结果 in force (None while the body has recorded none)."""
    determined = history.last("认定")
    if determined is None:
        return None
    on = datetime.date.fromisoformat(determined["date"])
    rule, red_line, check_eid = _check(out, case, determined, findings, variants, book, on)
    recorded = determined["decision"]
    appealed = history.last("申诉决定")
    appeal = appealed["decision"] if appealed else None
    final = appeal or recorded
    # A corrected 认定结论 is in force with the correcting decision's 文号 and body, not the
    # overturned one's (which stay named beside them).
    record = corrections.decision_record(determined, in_force)
    by = record.body or body
    trace = Trace(subject=f"容错案件 {case.id} 认定结果")
    trace.input("认定日期", determined["date"])
    trace.input("认定机关", record.body_line() if record.body
                else f"{by}（按规则确定的受理主体，承办机关未填写）")
    trace.input("文号", record.document_line())
    trace.input("受理主体的认定结论", recorded or "未记录")
    # A corrected determination or appeal decision is the record as corrected: the correction
    # is itself a recorded act of the body (with its document number), named here.
    _corrections_input(trace, in_force, {determined["seq"]} | ({appealed["seq"]} if appealed
                                                                else set()))
    if appealed:
        appeal_record = corrections.decision_record(appealed, in_force)
        numbered = appeal_record.document_no or appeal_record.corrected_by
        trace.input("申诉决定", f"{appeal or '未记录'}（{appealed['date']}"
                    f"{'，' + appeal_record.body_line() if appeal_record.body else ''}"
                    f"{'，文号 ' + appeal_record.document_line() if numbered else ''}）")
    if appeal:
        # The appeal decision is the 认定结果: the body and document in force are its own (a
        # mismatch is the appeal body's, never the first body's; an unnamed one is 未记录).
        by = appeal_record.body
        record = appeal_record
    trace.step("规则测算结果（核对用）", rule or "无法测算", f"见说明 {check_eid}")
    consistent = None if final is None or rule is None else int(final == rule)
    suggestion = None
    if final is None:
        suggestion = rule
        trace.step("尚无受理主体的认定结论", None,
                   f"规则测算建议 {rule}，仅供参考，不是认定结论" if rule else "")
    elif consistent == 0:
        which = "申诉决定" if appeal else "认定结论"
        trace.step(f"{which}与规则测算结果不一致（列入监督复核）", final, f"规则测算为 {rule}")
    if appeal:
        trace.step("以申诉决定为准", appeal, f"{appealed['date']} 作出")
    consequences = tr.CONSEQUENCES.get(final) if final else None
    trace.result = trace.step("认定结果", final, consequences or "")
    trace.note = CONVENTION_ZH
    dims = variants.dimensions
    out.add("case_decision", (
        case.id, case.region_code, tr.prefecture_of(case.region_code), determined["date"],
        tr.findings_summary(findings, dims), tr.count_of(findings, dims, "有利"),
        tr.count_of(findings, dims, "不利"), tr.count_of(findings, dims, "存疑"),
        sum(1 for d in dims if d not in findings), red_line, rule, recorded, consistent, appeal,
        final, consequences, out.explain("case_decision", case.id, trace),
        by, record.document_no, suggestion, check_eid, record.original_document_no,
        record.note()))
    return final


#: The convention every determination's explanation states (docs/conventions.md).
CONVENTION_ZH = ("认定结果以受理主体记录的认定结论为准（有申诉决定的，以申诉决定为准）；规则测算结果只作"
                 "核对，与认定结论不一致的列入“认定与规则测算不一致的案件”，不改变认定结果。")


def _check(out: BatchWriter, case: tr.CaseInputs, determined: dict[str, Any],
           findings: dict[str, str], variants: tr.Variants, book: Any, on: datetime.date
           ) -> tuple[str | None, str | None, str]:
    """The rule's result on the findings and red line (规则测算结果), with its explanation:
    (result, red line as read, explanation id)."""
    trace = Trace(subject=f"容错案件 {case.id} 规则测算结果（核对用，不是认定结论）")
    entries = red_lines.catalogue(book, case.kind, case.region_code, on)
    reading = red_lines.read(determined["red_line"], entries)
    red_line = red_lines.trace_reading(reading, determined["red_line"], trace)
    rule = tr.decide(findings, red_line, variants, on, trace)
    trace.result = rule
    trace.note = ("规则测算结果由 cadre-sdk 按所在地区的容错纠错规则对研判意见测算（省级默认规则为 cadre-sdk "
                  "的示例读法），只作核对；认定结果以受理主体的认定结论为准。")
    return rule, red_line, out.explain("case_check", case.id, trace)
