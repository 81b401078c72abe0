"""Fault-tolerance cases for the demo: the event path to a chosen stage, with dates,
decisions, red lines, and the findings on the 7 dimensions."""
from __future__ import annotations

import datetime as dt
import random

from cadre_sdk.records.vocab import DIMENSIONS
from cadre_sdk.demo import texts

#: The stage a case has reached (its last event); the first cases cycle through all of them.
STAGES = ("申请", "受理", "补充材料", "核实", "认定", "反馈", "备案", "不予受理", "撤回", "申诉",
          "申诉决定")
STAGE_WEIGHTS = (6, 8, 4, 8, 10, 12, 30, 6, 5, 5, 6)
#: Last events after which nothing more happens; other cases are still open at the end.
CLOSED = frozenset({"备案", "不予受理", "撤回"})
#: Calendar days from the previous event: usual range, and the range when the step runs late.
_GAP = {
    "受理": ((2, 8), (15, 40)), "补充材料": ((3, 10), (3, 10)), "核实": ((10, 30), (60, 120)),
    "认定": ((5, 15), (30, 60)), "反馈": ((2, 7), (20, 40)), "备案": ((3, 10), (20, 40)),
    "不予受理": ((3, 10), (20, 40)), "撤回": ((5, 30), (5, 30)), "申诉": ((5, 14), (5, 14)),
    "申诉决定": ((15, 30), (45, 90)),
}


def choose_stage(rng: random.Random, number: int) -> str:
    """The stage of the ``number``-th case (0-based): every stage appears in the first few."""
    if number < len(STAGES):
        return STAGES[number]
    return rng.choices(STAGES, weights=STAGE_WEIGHTS)[0]


def event_path(rng: random.Random, stage: str) -> list[str]:
    """The events leading to ``stage``, in a valid order."""
    if stage == "不予受理":
        return ["申请", "不予受理"]
    if stage == "撤回":
        return ["申请", "受理", "撤回"] if rng.random() < 0.6 else ["申请", "受理", "核实", "撤回"]
    if stage in ("申诉", "申诉决定"):
        path = ["申请", "受理", "核实", "认定", "反馈", "申诉"]
        if stage == "申诉决定":
            path += ["申诉决定", "备案"] if rng.random() < 0.6 else ["申诉决定"]
        return path
    main = ["申请", "受理", "核实", "认定", "反馈", "备案"]
    if stage == "补充材料" or rng.random() < 0.3:
        # more material is asked for before acceptance, or during verification
        main.insert(1 if rng.random() < 0.5 else 2, "补充材料")
    return main[: main.index(stage) + 1]


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def schedule(rng: random.Random, path: list[str], earliest: dt.date, latest: dt.date,
             late: bool, recent: bool = False) -> list[dt.date]:
    """Dates for the events of ``path``: on working days, in order, the last not after
    ``latest``; with ``late`` one step runs past its usual time; ``recent`` (a case still
    open) ends within about two months of ``latest``."""
    late_step = rng.randrange(1, len(path)) if late and len(path) > 1 else -1
    gaps = []
    for i, event in enumerate(path[1:], 1):
        low, high = _GAP[event][1 if i == late_step else 0]
        gaps.append(rng.randint(low, high))
    span = sum(gaps) + 2 * len(gaps) + 3
    room = max((latest - earliest).days - span, 0)
    offset = rng.randint(max(room - 60, 0), room) if recent else rng.randint(0, room)
    start = _workday(earliest + dt.timedelta(days=offset))
    dates = [start]
    for gap in gaps:
        dates.append(_workday(dates[-1] + dt.timedelta(days=gap)))
    return dates


def decide(rng: random.Random, appeal: bool) -> tuple[str, str | None]:
    """The decision at 认定 and a red line, if one was touched (red lines exclude tolerance)."""
    if appeal:
        decision = "不予容错" if rng.random() < 0.6 else "部分容错"
    else:
        decision = rng.choices(("容错", "部分容错", "不予容错"), weights=(55, 25, 20))[0]
    red = rng.choice(texts.RED_LINES) if decision == "不予容错" and rng.random() < 0.5 else None
    return decision, red


def findings(rng: random.Random, decision: str) -> list[tuple[str, str, str]]:
    """(dimension, finding, rationale) for the 7 dimensions, consistent with the decision."""
    bad = {"容错": 0, "部分容错": 2, "不予容错": rng.randint(3, 5)}[decision]
    against = set(rng.sample(range(len(DIMENSIONS)), bad))
    doubtful = rng.randrange(len(DIMENSIONS)) if decision == "容错" and rng.random() < 0.2 else -1
    out = []
    for i, dim in enumerate(DIMENSIONS):
        if i in against:
            finding = "不利" if rng.random() < 0.75 else "存疑"
        elif i == doubtful:
            finding = "存疑"
        else:
            finding = "有利"
        favourable, unfavourable = texts.RATIONALE[dim]
        rationale = {"有利": favourable, "不利": unfavourable}.get(finding, "现有材料不足，尚需进一步核实")
        out.append((dim, finding, rationale))
    return out
