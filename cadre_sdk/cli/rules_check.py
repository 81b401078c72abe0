"""What ``cadre rules check`` finds beyond conflicts: indicator weights that do not add up on a
date they change, local items that hide a more specific item of a jurisdiction above, and dated
items of one jurisdiction that overlap or start on the same date."""
from __future__ import annotations

import datetime
import math
from typing import Any

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.plugin_host.rule_book import Registration, RuleBook


def _starts(params: Any, path: str) -> set[datetime.date]:
    """Every date a value of ``path`` starts in ``params`` or any file it is merged with."""
    layers = getattr(params, "layers", (params,))
    out: set[datetime.date] = set()
    for layer in layers:
        if layer.has(path):
            out |= {v.start for v in dict(layer.leaves())[path]}
    return out


def _change_dates(book: RuleBook, registered: Registration) -> list[datetime.date]:
    """The dates an indicator set may change where it is registered, while it is in force: the
    start or end of any set of its key on its chain, and the start of any weight it reads as
    overlaid between them."""
    same = [r for r in book.all("indicators") if r.key == registered.key
            and r.jurisdiction in chain(registered.jurisdiction)]
    bounds = {d for r in same for d in (r.item.start, r.item.end) if d is not None}
    out = set(bounds)
    for probe in sorted(bounds | {datetime.date.max}):
        if not registered.item.in_force(probe):
            continue
        item = book.overlaid(registered, on=probe).item
        for ind in item.indicators:
            out |= _starts(item.parameters, ind.weight)
    return sorted(day for day in out if registered.item.in_force(day))


def weight_problems(book: RuleBook) -> list[str]:
    """For every registered indicator set, as overlaid where it is registered: on each date
    one of its weights (or a set of its key up the chain) changes while it is in force, the
    weights in force must all exist and add up to 100."""
    problems = []
    for registered in book.all("indicators"):
        for day in _change_dates(book, registered):
            reg = book.overlaid(registered, on=day)
            item = reg.item
            values, missing = [], []
            for ind in item.indicators:
                try:
                    values.append((ind.code, item.parameters.at(ind.weight, day).value))
                except ParameterError:
                    missing.append(ind.code)
            where = f"plugin {reg.plugin!r} ({reg.jurisdiction}): indicator set {reg.key!r}"
            if missing:
                problems.append(f"weights: {where} has no weight for {', '.join(missing)} on "
                                f"{day.isoformat()}, when another weight starts. Fix: give "
                                f"them values from that date in {item.parameters.file}.")
                continue
            total = sum(v for _, v in values if isinstance(v, (int, float)))
            if not math.isclose(total, 100, abs_tol=1e-9):
                shown = " + ".join(f"{c} {v}" for c, v in values)
                problems.append(f"weights: {where}: the weights in force from "
                                f"{day.isoformat()} add up to {total:g}, not 100 ({shown}). "
                                f"Fix: change them in {item.parameters.file} so that they add "
                                "up to 100.")
    return problems


def _hidden_by(reg: Registration, book: RuleBook) -> list[Registration]:
    """Positioning sets of the jurisdictions above ``reg`` (a general indicator set) that it
    hides: the engine picks the most specific jurisdiction first, then the positioning."""
    subject, unit_kind, positioning = reg.key.split(":")
    if positioning != "*":
        return []
    own = {r.key for r in book.all("indicators") if r.jurisdiction == reg.jurisdiction}
    hidden = []
    for code in chain(reg.jurisdiction)[1:]:
        for other in book.all("indicators"):
            s, u, p = other.key.split(":")
            if other.jurisdiction == code and (s, u) == (subject, unit_kind) and p != "*" \
                    and other.key not in own:
                hidden.append(other)
    return hidden


def shadowing(book: RuleBook) -> list[str]:
    """Warnings for local general indicator sets that hide a positioning set above them."""
    out = []
    for reg in book.all("indicators"):
        for other in _hidden_by(reg, book):
            positioning = other.key.split(":")[2]
            out.append(
                f"shadowing: plugin {reg.plugin!r} ({reg.jurisdiction}) registers the general "
                f"indicator set {reg.key!r}; in {reg.jurisdiction} it hides {other.plugin!r}'s "
                f"({other.jurisdiction}) set {other.key!r} for units positioned {positioning}. "
                f"Fix: register no general set (inherit), or also register "
                f"{other.key!r} for {reg.jurisdiction} (an overlay of it: state only the "
                "weights that differ).")
    return out


def dating_problems(book: RuleBook) -> list[str]:
    """Dated items of one kind, key and jurisdiction that contradict each other: two in force
    from the same date (nothing says which applies), or one whose ``end`` lies after the
    start of a later one (both claim the days between; the later start wins, so the ``end``
    is wrong or the other ``start`` is)."""
    groups: dict[tuple[str, str, str], list[Registration]] = {}
    for kind in book.kinds():
        for reg in book.all(kind):
            groups.setdefault((kind, reg.key, reg.jurisdiction), []).append(reg)
    out = []
    for (kind, key, where), regs in sorted(groups.items()):
        if len(regs) < 2 or not any(getattr(r.item, "dated", False) for r in regs):
            continue
        ordered = sorted(regs, key=lambda r: (r.item.start or datetime.date.min, r.plugin))
        for n, first in enumerate(ordered):
            for later in ordered[n + 1:]:
                a, b = first.item, later.item
                if (a.start or datetime.date.min) == (b.start or datetime.date.min):
                    if first.rank != later.rank:
                        continue   # priority decides, as for undated items
                    out.append(
                        f"dates: {kind} rule {key!r} for {where}: {_who(first)} and "
                        f"{_who(later)} both start {_start(a)}. Fix: give one a later start "
                        "(start is inclusive, end exclusive) or remove one.")
                elif a.end is not None and b.start is not None and a.end > b.start:
                    out.append(
                        f"dates: {kind} rule {key!r} for {where}: {_who(first)} ends "
                        f"{a.end.isoformat()} (exclusive) but {_who(later)} starts "
                        f"{b.start.isoformat()}; between them the later start applies. Fix: "
                        f"end the first on {b.start.isoformat()} or start the second on "
                        f"{a.end.isoformat()}.")
    return out


def _who(reg: Registration) -> str:
    period = reg.item.period_en() if hasattr(reg.item, "period_en") else ""
    return f"plugin {reg.plugin!r}'s item ({period or 'undated'})"


def _start(item: Any) -> str:
    return item.start.isoformat() if item.start else "at the beginning (no start)"
