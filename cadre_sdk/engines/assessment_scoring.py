"""Scoring and grading one annual assessment with the rules of its jurisdiction, recording every
input, weight, rule and step in its explanation."""
from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..errors import PluginError
from ..explain import Trace
from ..records.vocab import ANNUAL_GRADES
from .assessment_inputs import (AnnualRow, AssessmentInputs, Group, IndicatorLine,
                                TargetSummary, describe_inputs, sorted_quarters)
from ..plugins import call_rule
from .assessment_rules import AssessmentRules, context, note_rule

DEMOCRATIC = "民主测评"


@attrs.define
class Scored:
    """One annual assessment being evaluated: its score and grades, rank and quota outcome,
    and the trace that becomes its explanation."""

    row: AnnualRow
    trace: Trace
    score: float | None
    raw_grade: str | None
    democratic_share: float
    plugins: dict[str, str]
    grade: str | None = None
    rank: int | None = None
    pool: str = ""
    pool_size: int = 0
    allowed: int | None = None
    quota_applied: bool = False

    @property
    def tiebreak_id(self) -> str:
        """The last tie-break: the cadre's id (个人) or the unit's code (班子)."""
        return self.row.cadre_id or self.row.unit_code


def subject_label(row: AnnualRow) -> str:
    """E.g. ``2024 年度考核 个人 C001（考核编号 A1）``."""
    who = row.cadre_id if row.subject == "个人" and row.cadre_id else f"{row.unit_code} 领导班子"
    return f"{row.year} 年度考核 {row.subject} {who}（考核编号 {row.id}）"


def build_inputs(row: AnnualRow, group: Group, lines: tuple[IndicatorLine, ...],
                 targets: Mapping[tuple[str, int], TargetSummary]) -> AssessmentInputs:
    """The formula's inputs for one annual assessment."""
    scores = group.scores.get(row.id, {})
    codes = {line.code for line in lines}
    return AssessmentInputs(
        assessment_id=row.id, subject=row.subject, cadre_id=row.cadre_id,
        unit_code=row.unit_code, unit_kind=row.unit_kind, unit_level=row.unit_level,
        region_code=row.region_code, positioning=row.positioning, year=row.year,
        indicators=lines, extra_scores={c: s for c, s in scores.items() if c not in codes},
        evaluations=group.evaluations.get(row.id, {}),
        quarters=sorted_quarters(group.quarters.get(group.quarter_key(row), {})),
        targets=targets.get((row.unit_code, row.year)))


def score_one(row: AnnualRow, group: Group, rules: AssessmentRules,
              targets: Mapping[tuple[str, int], TargetSummary]) -> Scored:
    """Score and grade one annual assessment (before the unit's quota)."""
    trace = Trace(subject=subject_label(row))
    region = row.region_code
    ind_reg = rules.indicator_set(row.subject, row.unit_kind, row.positioning, region)
    note_rule(trace, ind_reg)
    scores = group.scores.get(row.id, {})
    lines = tuple(IndicatorLine(ind.code, ind.name, trace.parameter(pv, ind_reg.plugin),
                                scores.get(ind.code))
                  for ind, pv in rules.weights(ind_reg, row.year))
    inputs = build_inputs(row, group, lines, targets)
    for label, value in describe_inputs(inputs):
        trace.input(label, value)

    f_reg = rules.formula(row.subject, region)
    note_rule(trace, f_reg)
    score = call_rule(f_reg, f_reg.item.compute, inputs, context(f_reg, row.year, trace),
                      returns=(int, float, type(None)))
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise PluginError(f_reg.plugin, f_reg.hook, f"ScoringFormula {f_reg.key!r} returned "
                          f"{score!r}", "return the score as a number, or None when there is "
                          "nothing to score.")
    plugins = {"indicators": ind_reg.plugin, "scoring": f_reg.plugin, "grading": ""}
    raw_grade = None
    if score is None:
        trace.step("无可计分的考核数据，不评定等次", "未评定")
    else:
        score = float(score)
        g_reg = rules.grading(row.subject, region)
        note_rule(trace, g_reg)
        plugins["grading"] = g_reg.plugin
        raw_grade = call_rule(g_reg, g_reg.item.grade, score, inputs,
                              context(g_reg, row.year, trace))
        if raw_grade not in ANNUAL_GRADES:
            raise PluginError(g_reg.plugin, g_reg.hook, f"GradingRule {g_reg.key!r} returned "
                              f"{raw_grade!r}", f"return one of {'/'.join(ANNUAL_GRADES)}.")
    democratic = inputs.evaluations.get(DEMOCRATIC)
    share = democratic.excellent_share if democratic else 0.0
    return Scored(row=row, trace=trace, score=score, raw_grade=raw_grade,
                  democratic_share=share, plugins=plugins, grade=raw_grade)
