"""Which plugin's assessment rules apply where: indicator sets, formulas, grading rules, quotas
and consequence rules resolved by jurisdiction (cached per jurisdiction chain), indicator
weights read and checked once per set and year, and the rules of a group of assessments
resolved once (``GroupRules``), with the parameters their functions read cached per rule and
year.
"""
from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any

from cadre_sdk.core.dating import with_period
from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.core.trace import Trace, parameter_record
from cadre_sdk.engines.assessment import direct as direct_path
from cadre_sdk.engines.assessment.direct import DirectFormula, DirectGrading
from cadre_sdk.parameters import ParameterValue
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.rules import Indicator, RuleContext

SCORING_HOOK = "register_scoring"
INDICATOR_HOOK = "register_indicators"


def year_end(year: int) -> datetime.date:
    """The date parameters are read at for an assessment year: its 31 December."""
    return datetime.date(year, 12, 31)


def context(reg: Registration, year: int, trace: Trace) -> RuleContext:
    """A rule context for one registered rule, evaluated at the year's end."""
    return RuleContext(rule=reg.item, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                       on=year_end(year), trace=trace)


def note_rule(trace: Trace, reg: Registration) -> None:
    """Record in the explanation that ``reg`` was applied."""
    trace.rule(*rule_entry(reg))


def rule_entry(reg: Registration) -> tuple[str, str, str, str, str]:
    """What ``note_rule`` records for ``reg``: ``Trace.rule``'s arguments."""
    name = getattr(reg.item, "name", "") or getattr(reg.item, "title", "")
    return (reg.kind, reg.key, reg.plugin, reg.jurisdiction, with_period(reg.item, name))


def line_specs(weights: list[tuple[Indicator, tuple]]) -> list[tuple]:
    """Each indicator's code, name, weight and the weight's type, from ``GroupRules.weights``
    (``(indicator, parameter_record)`` pairs): what ``scoring._lines`` makes lines of."""
    return [(ind.code, ind.name, record[0].value, type(record[0].value))
            for ind, record in weights]


class GroupRules:
    """The rules that apply to the annual assessments of one subject, unit kind, positioning,
    region and year, resolved once for all of them: the indicator set with its weights, the
    scoring formula and (when a score needs one) the grading rule, each with the cache of the
    parameters its rule function reads at the year's end (``RuleContext.reads``)."""

    def __init__(self, rules: "AssessmentRules", subject: str, region: str, year: int,
                 indicators: Registration):
        self._rules, self.subject, self.region, self.year = rules, subject, region, year
        self.on = year_end(year)
        self.indicators = indicators
        self.indicator_rule = rule_entry(indicators)
        #: each indicator with its weight as the explanation records it (``Trace.cite``)
        self.weights = [(ind, parameter_record(pv, indicators.plugin))
                        for ind, pv in rules.weights(indicators, year)]
        #: the weights' records, as ``Trace.cite_all`` takes them
        self.weight_records = [record for _, record in self.weights]
        #: what the group's indicator lines are made of (``line_specs``)
        self.line_specs = line_specs(self.weights)
        #: ``IndicatorLine``s shared by equal scores: the run's one bounded memo
        #: (``AssessmentRules.lines``)
        self.lines = rules.lines
        self.formula = rules.formula(subject, region, year)
        self.formula_rule = rule_entry(self.formula)
        self.formula_reads = rules.reads(self.formula, year)
        self._grading: tuple | None = None

    def direct(self) -> tuple[DirectFormula, DirectGrading] | None:
        """The direct path of the group's formula and grading rule (``direct``; None: the
        generic path), made once per pair of rules and year."""
        if not direct_path.ENABLED:
            return None
        try:
            g_reg = self.grading()[0]
        except Exception:   # none, or a conflict: the generic path reports it when needed
            return None
        pair = self._rules._cached(
            ("direct", id(self.formula), id(g_reg), self.subject, self.year), lambda: (
                DirectFormula.make(self.formula, self.subject, self.formula_reads, self.on),
                DirectGrading.make(g_reg, self.grading()[2], self.on)))
        return pair if None not in pair else None

    def spec(self, formula: DirectFormula, grading: DirectGrading) -> dict[str, Any]:
        """``direct.group_spec`` of the group's direct path: one object per rules and year
        (groups share their ``GroupRules``), few for the whole run."""
        return self._rules._cached(("spec", id(self), id(formula), id(grading)),
                                   lambda: direct_path.group_spec(self.line_specs, formula,
                                                                  grading))

    def grading(self) -> tuple[Registration, tuple, dict]:
        """The grading rule, its ``rule_entry`` and its parameter cache (resolved when first
        needed: a group with nothing to grade does not need one)."""
        if self._grading is None:
            reg = self._rules.grading(self.subject, self.region, self.year)
            self._grading = (reg, rule_entry(reg), self._rules.reads(reg, self.year))
        return self._grading

    def context(self, reg: Registration, reads: dict, trace: Trace) -> RuleContext:
        """A rule context for one assessment."""
        return RuleContext(rule=reg.item, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                           on=self.on, trace=trace, reads=reads)


class AssessmentRules:
    """Rule resolution for one evaluation run, cached by jurisdiction chain (the rule book
    resolves a region's rules along its chain only: chains are few, regions and assessments
    many)."""

    def __init__(self, plugins: CadrePlugins):
        self.book = plugins.book
        self._cache: dict[tuple, Any] = {}
        #: ``IndicatorLine``s made so far, by (code, name, weight, score, with their types),
        #: shared by every group of the run and bounded (``scoring.LINES_LIMIT``): a memo per
        #: group, each up to its own bound, grew with the groups (600 MB at 1M cadres)
        self.lines: dict[tuple, Any] = {}
        self._chains: dict[str, tuple[str, ...]] = {}

    def _where(self, region: str) -> tuple[str, ...]:
        """``region``'s jurisdiction chain (what its rules are cached by)."""
        found = self._chains.get(region)
        if found is None:
            found = self._chains[region] = chain(region)
        return found

    def group(self, subject: str, unit_kind: str, positioning: str | None, region: str,
              year: int) -> GroupRules:
        """The rules for the assessments of one subject, unit kind, positioning, region and
        year (cached: one object per combination, regions of one chain alike)."""
        key = ("group", subject, unit_kind, positioning, self._where(region), year)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = GroupRules(
                self, subject, region, year,
                self.indicator_set(subject, unit_kind, positioning, region, year))
        return found

    def reads(self, reg: Registration, year: int) -> dict[str, tuple]:
        """The parameter cache of ``reg``'s rule function at the end of ``year``."""
        return self._cached(("reads", id(reg), year), dict)

    def _cached(self, key: tuple, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _required(self, kind: str, keys: list[str], region: str, hook: str,
                  year: int) -> Registration:
        reg = self.book.resolve_first(kind, keys, region, on=year_end(year))
        if reg is None:
            raise PluginError("(none)", hook, f"no {kind} rule {keys[-1]!r} is registered for "
                              f"region {region} on {year_end(year)}", "keep the built-in plugin "
                              "cadre_sdk.defaults.assessment enabled, or register one.")
        return reg

    def indicator_set(self, subject: str, unit_kind: str, positioning: str | None,
                      region: str, year: int) -> Registration:
        """The indicator set for the unit in force at the end of ``year``: a set for its
        positioning beats the general set of the same jurisdiction; a more specific
        jurisdiction beats both."""
        keys = [f"{subject}:{unit_kind}:{positioning}"] if positioning else []
        keys.append(f"{subject}:{unit_kind}:*")
        return self._cached(("indicators", self._where(region), year, *keys),
                            lambda: self._required("indicators", keys, region, INDICATOR_HOOK,
                                                   year))

    def weights(self, reg: Registration, year: int) -> list[tuple[Indicator, ParameterValue]]:
        """Each indicator of the set with its weight in force on 31 December of ``year``;
        a ``PluginError`` naming the plugin if they do not add up to 100."""
        return self._cached(("weights", id(reg), year), lambda: self._read_weights(reg, year))

    @staticmethod
    def _read_weights(reg: Registration, year: int) -> list[tuple[Indicator, ParameterValue]]:
        item = reg.item
        codes = [i.code for i in item.indicators]
        if len(set(codes)) != len(codes) or not codes:
            raise PluginError(reg.plugin, INDICATOR_HOOK, f"indicator set {reg.key!r} has "
                              f"{'no indicators' if not codes else 'duplicate codes'}: {codes}",
                              "give each indicator of a set its own code.")
        on = year_end(year)
        lines = [(ind, item.parameters.at(ind.weight, on)) for ind in item.indicators]
        bad = [(i.code, pv.value) for i, pv in lines
               if not isinstance(pv.value, (int, float)) or isinstance(pv.value, bool)
               or pv.value < 0]
        if bad:
            raise PluginError(reg.plugin, INDICATOR_HOOK, f"indicator set {reg.key!r} has "
                              f"weights that are not numbers >= 0 on {on}: {bad}",
                              f"fix them in {item.parameters.file}.")
        total = sum(pv.value for _, pv in lines)
        if not math.isclose(total, 100, abs_tol=1e-9):
            shown = " + ".join(f"{i.code} {pv.value}" for i, pv in lines)
            raise PluginError(reg.plugin, INDICATOR_HOOK, f"the weights of indicator set "
                              f"{reg.key!r} in force on {on} add up to {total:g}, not 100 "
                              f"({shown})", f"fix the weights in {item.parameters.file} so "
                              "that they add up to 100.")
        return lines

    def formula(self, subject: str, region: str, year: int) -> Registration:
        """The scoring formula for ``subject`` in ``region`` at the end of ``year``."""
        return self._cached(("scoring", subject, self._where(region), year),
                            lambda: self._required("scoring", [subject], region, SCORING_HOOK,
                                                   year))

    def grading(self, subject: str, region: str, year: int) -> Registration:
        """The grading rule for ``subject`` in ``region`` at the end of ``year``."""
        return self._cached(("grading", subject, self._where(region), year),
                            lambda: self._required("grading", [subject], region, SCORING_HOOK,
                                                   year))

    def quotas(self, region: str, year: int) -> list[Registration]:
        """Every grade quota in force in ``region`` at the end of ``year`` (one per capped
        grade), by grade."""
        def make() -> list[Registration]:
            grades = sorted({r.key for r in self.book.all("grade_quota")})
            found = [self.book.resolve("grade_quota", g, region, on=year_end(year))
                     for g in grades]
            return [r for r in found if r is not None]
        return self._cached(("grade_quota", self._where(region), year), make)

    def consequences(self, region: str, year: int) -> list[Registration]:
        """Consequence rules in force in ``region`` at the end of ``year``, by code (they add
        up along the chain)."""
        return self._cached(("consequence", self._where(region), year), lambda: [
            reg for _, reg in sorted(self.book.catalogue("consequence", region,
                                                         on=year_end(year)).items())])
