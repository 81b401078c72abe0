"""Applying a case's fault-tolerance variant: time limits, accepting body, decision.

A case uses the ``ToleranceVariant`` of its jurisdiction's most specific level for its case
kind (falling back to ``*``), then up the chain. What the chosen variant leaves unset is taken
from the next variant up the chain, and finally from the provincial default (the built-in
``*`` variant that ``cadre_sdk.defaults.tolerance`` registers; none in a plugin manager built
without the defaults): a time limit for a step it does not list, the dimensions,
``accepting_body`` or ``decide`` when None; its parameters are merged with theirs key by key
(``cadre_sdk.plugin_host.overlays``), so a county that only states one time limit keeps its prefecture's
dimensions, decision rule and decisive dimensions. Red lines add up along the chain: a
prefecture can add red lines, never waive the province's.
"""
from __future__ import annotations

import datetime

import attrs

from cadre_sdk.core.dating import with_period
from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.trace import Trace
from cadre_sdk.core.jurisdiction import PROVINCE, chain, level
from cadre_sdk.plugin_host.overlays import compose, overlay_chain
from cadre_sdk.plugin_host.rule_book import Registration, RuleBook
from cadre_sdk.plugin_host.watchdog import call_rule
from cadre_sdk.records.rule_inputs import CaseInputs  # noqa: F401  (used from here by the engine)
from cadre_sdk.rules import RuleContext
from cadre_sdk.core.workdays import Calendar, provisional_note
from cadre_sdk.engines.cases.states import Clock

#: What each decision means for the cadre (the Opinions: a tolerated mistake gets no negative
#: evaluation, and responsibility is waived or reduced; REFERENCE.md, 容错纠错).
CONSEQUENCES = {
    "容错": "不作负面评价，免予追究责任",
    "部分容错": "从轻、减轻追究责任",
    "不予容错": "依规依纪依法处理",
}
DECISIONS = tuple(CONSEQUENCES)
#: What clerks type in 触碰红线 to mean "none".
NO_RED_LINE = frozenset({"无", "否", "没有", "未触碰", "无红线", "不涉及", "-", "—", "/"})
_UNITS = {"workdays": "个工作日", "days": "日"}


def prefecture_of(code: str) -> str | None:
    """The prefecture-level code a region falls under (None for the province itself)."""
    return None if level(code) == "province" else code[:4] + "00"




def _default_registration(book: RuleBook) -> Registration | None:
    """The built-in provincial ``*`` variant as registered (a defaults plugin's), or None."""
    return next((r for r in book.all("tolerance")
                 if r.builtin and r.key == "*" and r.jurisdiction == PROVINCE), None)


@attrs.frozen
class Variants:
    """The variants that apply to one case: ``chain`` most specific first, the provincial
    default last; ``primary`` is the chosen variant overlaid on those above it
    (``cadre_sdk.plugin_host.overlays``: unset fields and parameters inherited, time limits merged by step)
    unless it says ``replace=True``; the provincial default still supplies what it leaves
    unset. ``everything``: every level's variant (red lines add up over all of them)."""

    chain: tuple[Registration, ...]
    primary: Registration
    everything: tuple[Registration, ...]

    @classmethod
    def resolve(cls, book: RuleBook, case_kind: str, region_code: str,
                on: datetime.date) -> "Variants":
        """The chain of variants for a case of ``case_kind`` in ``region_code`` filed on ``on``
        (dated variants: those in force then)."""
        found: list[Registration] = []
        for code in chain(region_code):
            reg = book.registered_for("tolerance", [case_kind, "*"], code, on)
            if reg is not None and all(reg is not r for r in found):
                found.append(reg)
        fallback = _default_registration(book)
        if fallback is not None and all(r.item is not fallback.item for r in found):
            found.append(fallback)
        if not found:
            raise PluginError("cadre_sdk", "register_tolerance_variants",
                              f"no tolerance variant applies to case kind {case_kind!r} in "
                              f"{region_code}",
                              "register a ToleranceVariant for it (or '*'), or build the plugin "
                              "manager with the defaults.")
        used = overlay_chain(found)
        item, how = compose(used)
        if fallback is not None and all(r.item is not fallback.item for r in used):
            used.append(fallback)
        primary = book.with_stored_layers(attrs.evolve(used[0], item=item, overlay=how),
                                          region_code)
        return cls(tuple(used), primary, tuple(found))

    @property
    def regs(self) -> tuple[Registration, ...]:
        """The variants whose fields the case may use, most specific first."""
        return self.chain

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions judged: the chosen variant's, or those it inherits."""
        return tuple(self.supplying("dimensions").item.dimensions)

    @property
    def red_lines(self) -> tuple[str, ...]:
        """Every variant's red lines on the chain (they add up), most specific first."""
        return tuple(dict.fromkeys(r for reg in self.everything for r in reg.item.red_lines))

    def _as_supplied_by(self, reg: Registration) -> Registration:
        # Inside the overlay the merged item runs (its parameters chained), credited to the
        # plugin that supplied the field; past a replace=True the default runs as registered.
        if reg.overlay is None and any(reg is r for r in self.primary.overlay.chain):
            return attrs.evolve(self.primary, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                                builtin=reg.builtin)
        return reg

    def supplying(self, attr: str) -> Registration:
        """The first variant on the chain whose ``attr`` is set."""
        found = next((r for r in self.chain if getattr(r.item, attr) is not None), None)
        if found is None:
            raise PluginError(self.primary.plugin, "register_tolerance_variants",
                              f"no variant on the chain sets {attr!r}",
                              f"set {attr}= on the variant (there are no defaults to inherit "
                              "it from).")
        return self._as_supplied_by(found)

    def limit_for(self, step: str) -> Registration | None:
        """The first variant on the chain with a time limit for ``step``."""
        reg = next((r for r in self.chain if step in r.item.time_limits), None)
        return None if reg is None else self._as_supplied_by(reg)


def context(reg: Registration, on: datetime.date, trace: Trace) -> RuleContext:
    """A rule context for one variant's rule, recording the rule in the trace."""
    trace.rule(reg.kind, reg.key, reg.plugin, reg.jurisdiction,
               with_period(reg.item, reg.item.name))
    return RuleContext(reg.item, reg.plugin, reg.jurisdiction, on, trace)


@attrs.frozen
class Deadline:
    """The deadline of one clock: the limit in force on its start date, and the last day.
    ``missing``: years without a holiday schedule the count went through (the deadline is
    then provisional, counted on weekends alone for those years)."""

    limit: int
    unit: str          # workdays / days
    due: datetime.date
    missing: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """The limit in Chinese, e.g. ``5 个工作日``."""
        return f"{self.limit} {_UNITS[self.unit]}"


def deadline(clock: Clock, variants: Variants, calendar: Calendar, trace: Trace
             ) -> Deadline | None:
    """The deadline of ``clock`` (None if no variant sets a limit for its step), counted on
    ``calendar``. A calendar-day limit ending on a holiday or rest day ends on the next working
    day (民法典 第二百零三条), unless the variant lists the step in ``strict_calendar_days``."""
    reg = variants.limit_for(clock.step)
    if reg is None:
        return None
    path = reg.item.time_limits[clock.step]
    unit = reg.item.parameters.at(path, clock.start_date).unit
    if unit not in _UNITS:
        raise PluginError(reg.plugin, "register_tolerance_variants",
                          f"time limit {path!r} for step {clock.step!r} has unit {unit!r}",
                          "give time limits unit: workdays (working days) or days.")
    limit = int(context(reg, clock.start_date, trace).param(path))
    how = f"{clock.start_date.isoformat()} 起 {limit} {_UNITS[unit]}"
    if unit == "workdays":
        due = calendar.add_workdays(clock.start_date, limit)
        missing = calendar.missing_years(clock.start_date, due)
    else:
        strict = clock.step in reg.item.strict_calendar_days
        due = calendar.add_calendar_days(clock.start_date, limit, strict=strict)
        last = clock.start_date + datetime.timedelta(days=limit)
        if due != last:
            how += (f"；期限最后一日 {last.isoformat()} 是法定节假日或休息日，顺延至其后第一个工作日"
                    "（民法典 第二百零三条）")
        elif strict:
            how += "；按规则严格计算，最后一日遇节假日不顺延"
        # Only the days from the nominal last day on depend on the holiday schedule.
        missing = () if strict else calendar.missing_years(last, due)
    if missing:
        how += f"；暂定：{provisional_note(missing)}"
    trace.step(f"“{clock.step}”时限截止日", due.isoformat(), how)
    return Deadline(limit, unit, due, missing)


def accepting_body(case: CaseInputs, variants: Variants, on: datetime.date, trace: Trace) -> str:
    """Who accepts the case, by the first variant on the chain that says."""
    reg = variants.supplying("accepting_body")
    body = call_rule(reg, reg.item.accepting_body, case, context(reg, on, trace), returns=str,
                     subject=f"case {case.id}")
    if not isinstance(body, str) or not body:
        raise PluginError(reg.plugin, "register_tolerance_variants",
                          f"accepting_body returned {body!r} for case {case.id}",
                          "return the accepting body's name (Chinese text).")
    return trace.step("受理主体", body)


def red_line_of(text: str | None) -> str | None:
    """The red line recorded on the determination, or None for empty or "无"-like entries."""
    if text is None or text.strip() in NO_RED_LINE:
        return None
    return text.strip()


def decide(findings: dict[str, str], red_line: str | None, variants: Variants,
           on: datetime.date, trace: Trace) -> str | None:
    """The decision on a determined case by the chain's decision rule, or None when there are
    neither findings nor a red line to decide on. ``findings``: dimension -> 有利/不利/存疑."""
    dims = variants.dimensions
    judged = {d: findings[d] for d in dims if d in findings}
    for d in dims:
        trace.input(f"研判：{d}", judged.get(d, "未研判"))
    extra = sorted(set(findings) - set(dims))
    if extra:
        trace.input("不在本地研判维度中的意见（不计入）", "、".join(extra))
    # The red line itself is noted by the caller (``red_lines.trace_reading``).
    if red_line is None and not judged:
        trace.step("缺少研判意见，无法认定", None)
        return None
    missing = [d for d in dims if d not in judged]
    if missing:
        trace.step("未研判的维度按“存疑”计", "、".join(missing))
    full = {d: judged.get(d, "存疑") for d in dims}
    reg = variants.supplying("decide")
    result = call_rule(reg, reg.item.decide, full, red_line, context(reg, on, trace),
                       returns=str, subject=trace.subject)
    if result not in DECISIONS:
        raise PluginError(reg.plugin, "register_tolerance_variants",
                          f"decide returned {result!r}", f"return one of {', '.join(DECISIONS)}.")
    return result


def findings_summary(findings: dict[str, str], dims: tuple[str, ...]) -> str:
    """``节点:有利；方向:不利；…`` in the variant's dimension order (未研判 for missing)."""
    return "；".join(f"{d}:{findings.get(d, '未研判')}" for d in dims)


def count_of(findings: dict[str, str], dims: tuple[str, ...], value: str) -> int:
    """How many of ``dims`` have the finding ``value``."""
    return sum(1 for d in dims if findings.get(d) == value)

