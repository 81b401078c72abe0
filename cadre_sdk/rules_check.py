"""What ``cadre rules check`` finds beyond conflicts: indicator weights that do not add up on a
date they change, and local items that hide a more specific item of a jurisdiction above."""
from __future__ import annotations

import datetime
import math
from typing import Any

from .errors import ParameterError
from .jurisdiction import chain
from .plugins import Registration, RuleBook


def _starts(params: Any, path: str) -> set[datetime.date]:
    """Every date a value of ``path`` starts in ``params`` or any file it is merged with."""
    layers = getattr(params, "layers", (params,))
    out: set[datetime.date] = set()
    for layer in layers:
        if layer.has(path):
            out |= {v.start for v in dict(layer.leaves())[path]}
    return out


def weight_problems(book: RuleBook) -> list[str]:
    """For every registered indicator set, as overlaid where it is registered: on each date
    one of its weights changes, the weights in force must all exist and add up to 100."""
    problems = []
    for registered in book.all("indicators"):
        reg = book.overlaid(registered)
        item = reg.item
        dates = sorted(set().union(*(_starts(item.parameters, i.weight)
                                     for i in item.indicators)))
        for day in dates:
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
                problems.append(f"weights: {where}: the weights in force from {day.isoformat()} "
                                f"add up to {total:g}, not 100 ({shown}). Fix: change them in "
                                f"{item.parameters.file} so that they add up to 100.")
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
