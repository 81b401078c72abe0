"""The fault-tolerance procedure as a state machine over case events (``CaseEvent.event``).

The procedure is the one the Guiding Opinions name (提出申请 → 核实认定 → 反馈备案), with the
steps the SDK adds around it: a request for more material (补充材料), refusal (不予受理),
withdrawal (撤回) and an appeal (申诉 → 申诉决定) followed by filing the final result.
``TRANSITIONS`` is the whole table: every (state, event) pair not in it is forbidden. A case's
state is never typed in: it is what replaying its events in ``seq`` order gives.

Clocks. Some events start the clock of the body's next step (申请 starts 受理, 受理 starts 认定,
认定 starts 反馈, 反馈 and 申诉决定 start 备案, 申诉 starts 申诉决定). A request for material
before acceptance restarts the acceptance clock (the SDK's choice: the body cannot accept an
incomplete application, so its time runs from the last request). The step's own event stops
its clock; 撤回 stops every clock; an appeal suspends a pending filing, which restarts after the
appeal decision. The time limits themselves come from the case's tolerance variant.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import attrs

from cadre_sdk.core.errors import CaseError

START = "无事件"

#: state -> stage of the procedure (the oversight view "cases by stage").
STAGES: dict[str, str] = {
    START: "未启动",
    "已申请": "提出申请", "待补充材料": "提出申请",
    "已受理": "核实认定", "核实中": "核实认定",
    "已认定": "反馈备案", "已反馈": "反馈备案",
    "申诉中": "申诉", "申诉已决定": "申诉",
    "已备案": "办结", "已结案": "办结", "不予受理": "办结", "已撤回": "办结",
}
STATES = tuple(STAGES)


@attrs.frozen
class Transition:
    """One allowed step: ``event`` in ``state`` leads to ``to`` and starts the clock of
    procedure step ``starts`` (None: no clock)."""

    state: str
    event: str
    to: str
    starts: str | None = None


TRANSITIONS: tuple[Transition, ...] = (
    Transition(START, "申请", "已申请", "受理"),
    Transition("已申请", "受理", "已受理", "认定"),
    Transition("已申请", "补充材料", "待补充材料", "受理"),
    Transition("已申请", "不予受理", "不予受理"),
    Transition("已申请", "撤回", "已撤回"),
    Transition("待补充材料", "受理", "已受理", "认定"),
    Transition("待补充材料", "不予受理", "不予受理"),
    Transition("待补充材料", "撤回", "已撤回"),
    Transition("已受理", "核实", "核实中"),
    Transition("已受理", "补充材料", "核实中"),
    Transition("已受理", "认定", "已认定", "反馈"),
    Transition("已受理", "撤回", "已撤回"),
    Transition("核实中", "核实", "核实中"),
    Transition("核实中", "补充材料", "核实中"),
    Transition("核实中", "认定", "已认定", "反馈"),
    Transition("核实中", "撤回", "已撤回"),
    Transition("已认定", "反馈", "已反馈", "备案"),
    Transition("已反馈", "备案", "已备案"),
    Transition("已反馈", "申诉", "申诉中", "申诉决定"),
    Transition("已备案", "申诉", "申诉中", "申诉决定"),
    Transition("申诉中", "申诉决定", "申诉已决定", "备案"),
    Transition("申诉已决定", "备案", "已结案"),
)
_TABLE = {(t.state, t.event): t for t in TRANSITIONS}

#: event -> the clocks it stops and how (a stopped clock's outcome).
_STOPS: dict[str, tuple[str, str]] = {
    "受理": ("受理", "办结"), "不予受理": ("受理", "办结"), "认定": ("认定", "办结"),
    "反馈": ("反馈", "办结"), "备案": ("备案", "办结"), "申诉决定": ("申诉决定", "办结"),
    "申诉": ("备案", "中止"),
}


def allowed_events(state: str) -> list[str]:
    """The events allowed in ``state``, in table order."""
    return [t.event for t in TRANSITIONS if t.state == state]


def not_allowed_message(case_id: str, state: str, event: str) -> str:
    """The Chinese message for a forbidden event, naming the case, its state and the event."""
    allowed = allowed_events(state)
    if state == START:
        return f"案件 {case_id} 还没有事件，第一个事件须为“申请”，不能是“{event}”"
    hint = (f"此时只能有：{'、'.join(allowed)}" if allowed
            else f"案件已{STAGES[state]}，不能再有任何事件")
    return f"案件 {case_id} 当前状态为“{state}”，不能再有“{event}”事件（{hint}）"


def step(case_id: str, state: str, event: str) -> Transition:
    """The transition for ``event`` in ``state``; ``CaseError`` (Chinese) if not allowed."""
    found = _TABLE.get((state, event))
    if found is None:
        raise CaseError(not_allowed_message(case_id, state, event))
    return found


@attrs.define
class Clock:
    """The time allowed for one procedure step: started by one event, stopped by another."""

    step: str
    start_seq: int
    start_date: datetime.date
    end_seq: int | None = None
    end_date: datetime.date | None = None
    outcome: str | None = None       # 办结 / 重新计时 / 中止 / 撤回; None while running


@attrs.frozen
class History:
    """What replaying a case's events gives: the state, every clock, and the events."""

    case_id: str
    state: str
    clocks: tuple[Clock, ...]
    events: tuple[dict[str, Any], ...]

    @property
    def stage(self) -> str:
        """The procedure stage of the current state (for the oversight views)."""
        return STAGES[self.state]

    def open_clock(self) -> Clock | None:
        """The running clock (at most one runs at a time), or None."""
        running = [c for c in self.clocks if c.outcome is None]
        return running[-1] if running else None

    def last(self, event: str) -> dict[str, Any] | None:
        """The last event of kind ``event``, or None."""
        found = [e for e in self.events if e["event"] == event]
        return found[-1] if found else None


def replay(case_id: str, events: Iterable[dict[str, Any]]) -> History:
    """Replay events (dicts with ``seq``, ``event``, ``date``; in ``seq`` order) from the start.

    Raises ``CaseError`` at the first forbidden event.
    """
    state = START
    clocks: list[Clock] = []
    seen: list[dict[str, Any]] = []
    for ev in events:
        t = step(case_id, state, ev["event"])
        day = datetime.date.fromisoformat(ev["date"])
        _stop_clocks(clocks, ev["event"], ev["seq"], day)
        if t.starts:
            for c in clocks:
                if c.outcome is None and c.step == t.starts:
                    c.end_seq, c.end_date, c.outcome = ev["seq"], day, "重新计时"
            clocks.append(Clock(t.starts, ev["seq"], day))
        state = t.to
        seen.append(ev)
    return History(case_id, state, tuple(clocks), tuple(seen))


def _stop_clocks(clocks: list[Clock], event: str, seq: int, day: datetime.date) -> None:
    for c in clocks:
        if c.outcome is not None:
            continue
        if event == "撤回":
            c.end_seq, c.end_date, c.outcome = seq, day, "撤回"
        elif _STOPS.get(event, ("", ""))[0] == c.step:
            c.end_seq, c.end_date, c.outcome = seq, day, _STOPS[event][1]
