"""Corrections (更正) of wrongly recorded case events.

Case events are append-only and hash-chained (``audit``): a stored event is never changed. A
clerk corrects one the way an organization department corrects any record: by a later, dated
and reasoned correction, recorded as a new event of the same case (``事件`` 更正) that names the
seq it corrects (``更正序号``), the values to put in place of the recorded ones (``更正后事件``,
``更正后日期``, ``更正后承办机关``, ``更正后认定结论``, ``更正后触碰红线``, ``更正后文号``; an empty
cell leaves the value as it is) and its reason (``备注``).
The original event stays in the store and in the chain; the correction is chained like any
event.

``apply`` gives the events as corrected: every procedure event in ``seq`` order with the values
of every correction of it, later corrections of the same event on top of earlier ones. A
correction states what the record should always have said (a date typed wrong was always the
other date), so it applies to an evaluation as of any day; its own date says when it was made.
The state, deadlines, overdue status and recorded decision are computed from the events as
corrected (``engine``), and the explanations name each correction.

A correction of a decision (认定结论) is itself a decision of the body: it must carry the
document number of the correcting decision (``文号`` of the correction row) when the event it
corrects had one. A bad correction is a ``Problem`` naming the row and column (``events``
turns it into the load's Chinese error: nothing is stored).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from cadre_sdk.engines.cases import red_lines
from cadre_sdk.records.cases import DECIDING_EVENTS
from cadre_sdk.records.vocab import CORRECTION

#: The fields a correction may change: (field, column of the correction holding the new value,
#: the Chinese title of the field, the Chinese title of that column).
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("event", "corrected_event", "事件", "更正后事件"),
    ("date", "corrected_date", "日期", "更正后日期"),
    ("body", "corrected_body", "承办机关", "更正后承办机关"),
    ("decision", "corrected_decision", "认定结论", "更正后认定结论"),
    ("red_line", "corrected_red_line", "触碰红线", "更正后触碰红线"),
    ("document_no", "corrected_document_no", "文号", "更正后文号"),
)
#: The Chinese titles of the decision (认定结论) and body (承办机关) fields, as ``Change.title``
#: names them.
DECISION_TITLE = next(f[2] for f in FIELDS if f[0] == "decision")
BODY_TITLE = next(f[2] for f in FIELDS if f[0] == "body")
#: The columns only a correction fills (with ``corrects``, 更正序号).
CORRECTION_COLUMNS = ("corrects", *(f[1] for f in FIELDS))
_TITLES = {"corrects": "更正序号", **{f[1]: f[3] for f in FIELDS}}


@attrs.frozen
class Change:
    """One value a correction changed."""

    title: str            # the Chinese title of the field (日期, 事件, …)
    before: str | None
    after: str | None


@attrs.frozen
class Correction:
    """One correction applied: which event it corrects, what it changed, when, by whom, why."""

    seq: int
    corrects: int
    date: str
    changes: tuple[Change, ...]
    reason: str
    body: str | None = None
    document_no: str | None = None

    def describe(self) -> str:
        """The Chinese sentence naming the correction (for explanations)."""
        changed = "；".join(f"{c.title}由{_quoted(c.before)}改为{_quoted(c.after)}"
                           for c in self.changes)
        by = "，".join(x for x in (self.body, f"文号 {self.document_no}" if self.document_no
                                   else None) if x)
        return (f"序号 {self.seq}（{self.date}{'，' + by if by else ''}）更正序号 {self.corrects} 的事件："
                f"{changed}；理由：{self.reason}")


@attrs.frozen
class DecisionRecord:
    """The record of a deciding event's (认定, 申诉决定) decision in force: its 文号 (the last
    correction of the 认定结论's own 文号 when corrections changed it, else the event's), its
    body (``decision_record`` says which) and, when corrected, the overturned decision, its 文号
    and body and the corrections that changed it."""

    document_no: str | None
    corrected_by: tuple[Correction, ...] = ()
    original_decision: str | None = None
    original_document_no: str | None = None
    body: str | None = None
    original_body: str | None = None
    #: Why the body is not the one recorded on the event (None when it is): “序号 5 更正承办机关”.
    body_source: str | None = None

    def note(self) -> str | None:
        """更正情况 of the decision (None when not corrected), worded like ``case_events``':
        认定结论已被更正，见序号 7（原认定结论“不予容错”，原文号 乌纪〔2027〕12号）, naming the
        原认定机关 too when the body in force is another."""
        if not self.corrected_by:
            return None
        original = "，".join(x for x in (
            f"原认定结论{_quoted(self.original_decision)}",
            f"原文号 {self.original_document_no}" if self.original_document_no else None,
            f"原认定机关 {self.original_body}" if self.body_source and self.original_body
            else None) if x)
        return (f"认定结论已被更正，见序号 {'、'.join(str(c.seq) for c in self.corrected_by)}"
                f"（{original}）")

    def document_line(self) -> str:
        """The 文号 as an explanation gives it: the decision in force's, and the overturned one's."""
        said = self.document_no or "未填写"
        if not self.corrected_by:
            return said
        return (f"{said}（序号 {self.corrected_by[-1].seq} 更正决定的文号；"
                f"原文号 {self.original_document_no or '未填写'}）")

    def body_line(self) -> str:
        """The 认定机关 as an explanation gives it: the body in force, and why when it is not
        the one recorded on the event (with the original)."""
        said = self.body or "未填写"
        if not self.body_source:
            return said
        return f"{said}（{self.body_source}；原认定机关 {self.original_body or '未填写'}）"


def decision_record(event: dict[str, Any], in_force: Iterable[Correction]) -> DecisionRecord:
    """The decision in force on ``event`` (a deciding event as corrected by ``apply``), its 文号
    and its body. A correction that changed the 认定结论 is the body's decision in force, so the
    row carries that correction's own 文号 (``None`` if it had none), never the overturned
    one's. Its body is, in this order: the event's 承办机关 as corrected when a correction
    changed it (更正后承办机关: the record names the body itself); else the body that issued the
    last correcting decision (that correction row's own 承办机关) when the row names one; else
    the event's 承办机关."""
    mine = [c for c in in_force if c.corrects == event["seq"]]
    changed = tuple(c for c in mine if _changed(c, DECISION_TITLE))
    renamed = [c for c in mine if _changed(c, BODY_TITLE)]
    original_body = _changed(renamed[0], BODY_TITLE).before if renamed else event.get("body")
    body, source = event.get("body"), None
    if renamed:
        source = f"序号 {renamed[-1].seq} 更正承办机关"
    elif changed and changed[-1].body and changed[-1].body != body:
        body, source = changed[-1].body, f"序号 {changed[-1].seq} 更正决定的作出机关"
    if not changed:
        return DecisionRecord(event.get("document_no"), body=body, original_body=original_body,
                              body_source=source)
    return DecisionRecord(changed[-1].document_no, changed, _changed(changed[0],
                                                                     DECISION_TITLE).before,
                          event.get("document_no"), body, original_body, source)


def _changed(correction: Correction, title: str) -> Change | None:
    """The change ``correction`` made to the field titled ``title`` (None if it made none)."""
    return next((ch for ch in correction.changes if ch.title == title), None)


def _quoted(value: str | None) -> str:
    return f"“{value}”" if value else "未填写"


@attrs.frozen
class Problem(Exception):
    """A bad correction (or a correction column filled on another event): the row, the column
    (Chinese title) and the Chinese reason."""

    event: dict[str, Any]
    column: str
    reason: str


def is_correction(event: dict[str, Any]) -> bool:
    """Whether the event row is a correction (更正)."""
    return event["event"] == CORRECTION


def apply(events: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Correction]]:
    """The procedure events of one case as corrected, and the corrections applied.

    ``events``: the case's rows in ``seq`` order (procedure events and corrections). Each event
    returned is a copy with the corrected values and ``corrected_by`` (the seqs of the
    corrections applied to it, in order). Raises ``Problem`` at the first bad correction."""
    by_seq: dict[int, dict[str, Any]] = {}
    procedure: list[dict[str, Any]] = []
    applied: list[Correction] = []
    rows = list(events)
    for ev in rows:
        if not is_correction(ev):
            _no_correction_columns(ev)
            current = {**ev, "corrected_by": ()}
            by_seq[ev["seq"]] = current
            procedure.append(current)
        else:
            by_seq[ev["seq"]] = ev
    last: dict[str, Any] | None = None
    for ev in rows:
        if not is_correction(ev):
            continue
        if ev.get("red_line") is not None:
            raise Problem(ev, "触碰红线", f"“{CORRECTION}”事件的“触碰红线”不会被读取：要更正所更正事件的"
                          "触碰红线，请填在“更正后触碰红线”列")
        if last is not None and ev["date"] < last["date"]:
            raise Problem(ev, "日期", f"更正日期 {ev['date']} 早于上一条更正（序号 {last['seq']}，"
                          f"{last['date']}）")
        last = ev
        target = _target(ev, by_seq)
        changes = _changes(ev, target)
        for field, column, _, _ in FIELDS:
            if ev.get(column) is not None:
                target[field] = ev[column]
        target["corrected_by"] = (*target["corrected_by"], ev["seq"])
        applied.append(Correction(ev["seq"], target["seq"], ev["date"], changes,
                                  ev["note"] or "", ev.get("body"), ev.get("document_no")))
    return procedure, applied


def _no_correction_columns(ev: dict[str, Any]) -> None:
    for column in CORRECTION_COLUMNS:
        if ev.get(column) is not None:
            raise Problem(ev, _TITLES[column],
                          f"只有“{CORRECTION}”事件才填写“{_TITLES[column]}”；本行是“{ev['event']}”事件。"
                          f"要更正已登记的事件，请另起一行登记“{CORRECTION}”事件")


def _target(ev: dict[str, Any], by_seq: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The event a correction corrects, as corrected so far."""
    seq, corrects = ev["seq"], ev.get("corrects")
    if corrects is None:
        raise Problem(ev, "更正序号", f"“{CORRECTION}”事件须在“更正序号”中填写所更正事件的序号")
    target = by_seq.get(corrects)
    if target is None:
        raise Problem(ev, "更正序号", f"案件 {ev['case_id']} 没有序号 {corrects} 的事件"
                      "（更正只能针对本案件已登记的事件）")
    if corrects >= seq:
        raise Problem(ev, "更正序号", f"更正序号 {corrects} 不在本更正（序号 {seq}）之前："
                      "只能更正在它之前登记的事件")
    if is_correction(target):
        raise Problem(ev, "更正序号", f"序号 {corrects} 本身是一条更正，不能更正更正：请直接更正"
                      f"原事件（序号 {target['corrects']}），写明正确的值和理由")
    return target


def _alike(field: str, after: Any, before: Any) -> bool:
    """Whether a correction's value says what the record says: the same value, or for the red
    line a denial (无, 未触碰红线) where none was recorded."""
    if field == "red_line" and red_lines.denies(after) and red_lines.denies(before):
        return True
    return after == before


def _changes(ev: dict[str, Any], target: dict[str, Any]) -> tuple[Change, ...]:
    """What the correction changes in ``target`` (as corrected so far), checked."""
    filled = [f for f in FIELDS if ev.get(f[1]) is not None]
    if not filled:
        raise Problem(ev, "更正后事件", f"“{CORRECTION}”事件没有填写任何更正后的值：请在"
                      f"{'或'.join(f'“{f[3]}”' for f in FIELDS)}中填写正确的值")
    changes = tuple(Change(title, target[field], ev[column])
                    for field, column, title, _ in filled
                    if not _alike(field, ev[column], target[field]))
    if not changes:
        said = "、".join(f"{f[3]}“{ev[f[1]]}”" for f in filled)
        raise Problem(ev, filled[0][3], f"更正没有改变任何内容：{said}与序号 {target['seq']} "
                      "现有的记录相同")
    if not (ev.get("note") or "").strip():
        raise Problem(ev, "备注", f"“{CORRECTION}”事件须在“备注”中写明更正理由")
    after = {**target, **{f[0]: ev[f[1]] for f in filled}}
    if ev["date"] < after["date"]:
        if ev.get("corrected_date") is not None:
            raise Problem(ev, "更正后日期", f"更正后日期 {after['date']} 晚于这条更正的日期 "
                          f"{ev['date']}：更正只能更正已经发生的事件")
        raise Problem(ev, "日期", f"更正日期 {ev['date']} 早于所更正事件（序号 {target['seq']}）的"
                      f"日期 {after['date']}")
    if after["decision"] is not None and after["event"] not in DECIDING_EVENTS:
        column = "更正后事件" if ev.get("corrected_event") is not None else "更正后认定结论"
        raise Problem(ev, column, f"更正后序号 {target['seq']} 是“{after['event']}”事件，却有认定结论"
                      f"“{after['decision']}”：认定结论只能在“认定”或“申诉决定”事件上")
    if ev.get("corrected_decision") is not None and target["decision"] != after["decision"] \
            and target.get("document_no") and not ev.get("document_no"):
        raise Problem(ev, "文号", f"更正认定结论是受理主体的一项决定：序号 {target['seq']} 的"
                      f"{target['event']}有文号 {target['document_no']}，这条更正须填写更正决定的文号")
    return changes
