"""What ``cadre rules check`` finds beyond conflicts: indicator weights that do not add up on a
date they change, local items that hide a more specific item of a jurisdiction above, dated
items of one jurisdiction that overlap or start on the same date, and overlays that state a
parameter nothing they inherit reads, or override nothing (a misspelt name or key)."""
from __future__ import annotations

import datetime
import difflib
import math
from typing import Any

import attrs

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


#: Overriding kinds whose overlays are checked for parameters nothing reads (indicator sets
#: are checked by their weights, which must add up to 100).
_OVERLAY_KINDS = ("subsidy", "tolerance", "scoring", "grading", "grade_quota", "thresholds")


def _above(book: RuleBook, reg: Registration) -> list[Registration]:
    """The items ``reg`` may inherit from on some date: those of its kind and key (for a
    tolerance variant, also the ``*`` variants) registered above its jurisdiction, or of its
    jurisdiction's ``*`` variant."""
    keys = {reg.key, "*"} if reg.kind == "tolerance" else {reg.key}
    up = chain(reg.jurisdiction)[1:]
    return [r for r in book.all(reg.kind) if r.key in keys and r is not reg and (
        r.jurisdiction in up or r.jurisdiction == reg.jurisdiction and r.key != reg.key)]


def _functions(item: Any) -> list[Any]:
    """The rule functions an item sets (``compute``, ``grade``, ``decide`` …)."""
    values = [getattr(item, f.name) for f in attrs.fields(type(item))]
    return [v for v in values if callable(v)]


def _is_standard(function: Any) -> bool:
    """A rule function of the SDK (``cadre_sdk.formulas``, the defaults): the parameters it
    reads are those of the files it comes with (or its ``reads``)."""
    return getattr(function, "__module__", "").startswith("cadre_sdk.")


def _stray_parameters(regs: list[tuple[Registration, list[Registration]]]) -> list[str]:
    """Leaves of one parameter file (registered with ``regs``, each with what it inherits
    from) that no file they inherit from has, beside ones that do: the functions they inherit
    never read them (a misspelt name). Not checked when one of them has a function of its own,
    which may read anything."""
    if not all(_is_standard(f) for reg, _ in regs for f in _functions(reg.item)):
        return []
    known: set[str] = set()
    for reg, above in regs:
        for other in [reg, *above]:
            for function in _functions(other.item):
                known |= set(getattr(function, "reads", ()))
            if other is not reg and other.item.parameters is not None:
                known |= {path for path, _ in other.item.parameters.leaves()}
    parents: dict[str, list[str]] = {}
    for path in known:
        parent, _, leaf = path.rpartition(".")
        parents.setdefault(parent, []).append(leaf)
    reg = regs[0][0]
    out = []
    for path, values in reg.item.parameters.leaves():
        parent, _, leaf = path.rpartition(".")
        if path in known or path.startswith("indicators.") or parent not in parents:
            continue
        near = difflib.get_close_matches(leaf, sorted(parents[parent]), n=1)
        fix = f"rename it {parent}.{near[0]}" if near else "state only parameters the rules read"
        rules = ", ".join(sorted({f"{r.kind} {r.key!r}" for r, _ in regs}))
        out.append(f"{values[0].file}:{values[0].line}: plugin {reg.plugin!r} "
                   f"({reg.jurisdiction}) states {path}, which no rule it overrides ({rules}) "
                   f"has, so nothing reads it; under {parent} they read "
                   f"{', '.join(sorted(parents[parent]))}. Fix: {fix}.")
    return out


def _overrides_nothing(book: RuleBook, reg: Registration) -> str | None:
    """A warning for a local overlay with nothing above it to inherit from when that looks
    like a misspelt key: a close key exists up the chain, or it leaves its formula unset."""
    up = chain(reg.jurisdiction)[1:]
    keys = sorted({r.key for r in book.all(reg.kind) if r.jurisdiction in up})
    if reg.kind == "indicators":
        head, _, positioning = reg.key.rpartition(":")
        options = [k.rpartition(":")[2] for k in keys if k.rpartition(":")[0] == head]
        near = difflib.get_close_matches(positioning, [o for o in options if o != "*"], n=1)
        near = [f"{head}:{n}" for n in near]
    else:
        near = difflib.get_close_matches(reg.key, keys, n=1)
    unset = reg.kind == "subsidy" and reg.item.compute is None
    if not near and not unset:
        return None
    where = reg.item.parameters.file if reg.item.parameters is not None else reg.hook
    if reg.kind == "indicators" and reg.item.parameters is not None and reg.item.indicators:
        leaves = dict(reg.item.parameters.leaves())
        first = leaves.get(reg.item.indicators[0].weight)
        where = f"{first[0].file}:{first[0].line}" if first else where
    hint = f"did you mean {near[0]!r}? " if near else ""
    lacks = " and has no compute to inherit" if unset else ""
    return (f"{where}: {reg.kind} rule {reg.key!r} of plugin {reg.plugin!r} "
            f"({reg.jurisdiction}) overrides nothing: no jurisdiction above registers "
            f"{reg.key!r}{lacks}. Fix: {hint}use the key of the rule it changes.")


def overlay_problems(book: RuleBook) -> list[str]:
    """Warnings about local overlays (not ``replace=True``, not built in): a parameter their
    file states that nothing they inherit reads, and an overlay that overrides nothing where
    that looks like a misspelt key."""
    out: list[str] = []
    by_file: dict[str, list[tuple[Registration, list[Registration]]]] = {}
    for kind in ("indicators", *_OVERLAY_KINDS):
        for reg in book.all(kind):
            if reg.builtin or getattr(reg.item, "replace", False):
                continue
            above = _above(book, reg)
            if not above:
                message = _overrides_nothing(book, reg)
                if message:
                    out.append(message)
            elif kind != "indicators" and reg.item.parameters is not None:
                by_file.setdefault(reg.item.parameters.file, []).append((reg, above))
    for regs in by_file.values():
        out.extend(_stray_parameters(regs))
    return out
