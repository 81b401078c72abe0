"""Scoring and grading the annual assessments of one unit and year with the rules of its
jurisdiction, recording every input, weight, rule and step in each assessment's explanation.

The rules are resolved once per group (``AssessmentRules.group``) and each rule function is
called for all the group's assessments in one ``call_rule``: a fault still names the plugin and
the rule, and the time limit (``CADRE_PLUGIN_TIMEOUT``) applies to the group's calls together."""
from __future__ import annotations

from typing import Any

import attrs

from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.trace import CompactTrace, Joined, Trace
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.plugin_host.watchdog import call_rule
from cadre_sdk.records.vocab import ANNUAL_GRADES
from cadre_sdk.engines.assessment.inputs import (
    AnnualRow, AssessmentInputs, Group, IndicatorLine, describe_inputs, sorted_quarters,
)
from cadre_sdk.engines.assessment.digests import digests, group_digests
from cadre_sdk.engines.assessment.direct import Cited, DirectFormula, DirectGrading
from cadre_sdk.engines.assessment.rules import AssessmentRules, GroupRules

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
    #: the direct path's numbers for its group (``direct.group_spec``) and the digests of its
    #: inputs (``digests``): its explanation can be made when read (``replay``); None: stored
    replay: dict[str, Any] | None = None
    digest: str | None = None

    @property
    def tiebreak_id(self) -> str:
        """The last tie-break: the cadre's id (个人) or the unit's code (班子)."""
        return self.row.cadre_id or self.row.unit_code


def subject_label(row: AnnualRow) -> Joined:
    """E.g. ``2024 年度考核 个人 C001（考核编号 A1）`` (a ``Joined`` text: new in every
    explanation, made of parts that repeat or that the explanation cites already)."""
    # constant neighbours joined into one part (no digit at their seams: the same split)
    if row.subject == "个人" and row.cadre_id:
        return Joined((f"{row.year}", " 年度考核 个人 ", row.cadre_id, "（考核编号 ", row.id, "）"))
    return Joined((f"{row.year}", f" 年度考核 {row.subject} ", row.unit_code, " 领导班子（考核编号 ",
                   row.id, "）"))


def build_inputs(row: AnnualRow, group: Group, lines: tuple[IndicatorLine, ...],
                 codes: frozenset[str] | None = None) -> AssessmentInputs:
    """The formula's inputs for one annual assessment (``codes``: the codes of ``lines``, when
    known already)."""
    scores = group.scores.get(row.id, {})
    if codes is None:
        codes = frozenset(line.code for line in lines)
    return AssessmentInputs(
        assessment_id=row.id, subject=row.subject, cadre_id=row.cadre_id,
        unit_code=row.unit_code, unit_kind=row.unit_kind, unit_level=row.unit_level,
        region_code=row.region_code, positioning=row.positioning, year=row.year,
        indicators=lines, extra_scores={c: s for c, s in scores.items() if c not in codes},
        evaluations=group.evaluations.get(row.id, {}),
        quarters=sorted_quarters(group.quarters.get(group.quarter_key(row), {})),
        targets=group.targets)


def _check_score(reg: Registration, score: Any) -> float | None:
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise PluginError(reg.plugin, reg.hook, f"ScoringFormula {reg.key!r} returned "
                          f"{score!r}", "return the score as a number, or None when there is "
                          "nothing to score.")
    return None if score is None else float(score)


def _call_each(reg: Registration, function: Any, calls: list[tuple]) -> list[Any]:
    """``function(*args)`` for each of ``calls``, in order, as one rule call (``call_rule``: a
    fault names the plugin and the rule; the time limit covers the group's calls together)."""
    return call_rule(reg, lambda: [function(*args) for args in calls])


def _open(g: GroupRules, trace: Trace) -> None:
    """Record in ``trace`` the rules and weights every assessment of the group starts with:
    its indicator rule and weights, its formula rule."""
    trace.rule(*g.indicator_rule)
    trace.cite_all(g.weight_records)
    trace.rule(*g.formula_rule)


def _inputs(row: AnnualRow, group: Group, g: GroupRules, codes: frozenset[str],
            trace: Trace) -> AssessmentInputs:
    """Record an assessment's inputs in ``trace``; the formula's inputs."""
    row_inputs = build_inputs(row, group, _lines(g, group.scores.get(row.id, {})), codes)
    if type(trace) is CompactTrace:
        trace.head_inputs = describe_inputs(row_inputs)
    else:
        trace.inputs += [{"label": label, "value": value}
                         for label, value in describe_inputs(row_inputs)]
    return row_inputs


def _start(row: AnnualRow, group: Group, g: GroupRules, codes: frozenset[str],
           trace: Trace) -> AssessmentInputs:
    """Record in ``trace`` an assessment's explanation up to its formula (indicator rule,
    weights, inputs, formula rule); the formula's inputs."""
    _open(g, trace)
    return _inputs(row, group, g, codes, trace)


#: At most this many ``IndicatorLine``s are kept for sharing in one run (~2 MB).
LINES_LIMIT = 10_000


def _lines(g: GroupRules, scores: dict[str, float]) -> tuple[IndicatorLine, ...]:
    """The indicator lines of one assessment (equal lines shared by the run's assessments,
    up to ``LINES_LIMIT``: scores repeat; a score of 0, equal to -0.0, and a missing one are
    not shared)."""
    made = g.lines
    out = []
    for code, name, value, kind in g.line_specs:
        score = scores.get(code)
        key = (code, name, value, kind, score, type(score))
        line = made.get(key)
        if line is None:
            line = IndicatorLine(code, name, value, score)
            if score and len(made) < LINES_LIMIT:
                made[key] = line
        out.append(line)
    return tuple(out)


def score_group(group: Group, rules: AssessmentRules, replay: bool = False) -> list[Scored]:
    """Score and grade the annual assessments of one group (one unit, year and subject, so one
    set of rules), before the quota: the rules are resolved once for the group and each rule
    function is called for every assessment of the group in one ``call_rule`` (or, for the
    provincial default formula and grading rule, computed by their direct path: ``direct``;
    ``replay``: without explanations, made when read: ``replay``)."""
    if not group.rows:
        return []
    first = group.rows[0]
    g = rules.group(first.subject, first.unit_kind, first.positioning, first.region_code,
                    first.year)
    codes = frozenset(ind.code for ind, _ in g.weights)
    direct = g.direct()
    if direct is not None:
        try:
            return (_score_plain if replay else _score_direct)(group, g, codes, *direct)
        except Exception:   # the generic path reports it (plugin, rule, file and line)
            pass
    ind_plugin, f_reg = g.indicators.plugin, g.formula
    traces, inputs, contexts = [], [], []
    for row in group.rows:
        trace = Trace(subject=subject_label(row))
        row_inputs = _start(row, group, g, codes, trace)
        traces.append(trace)
        inputs.append(row_inputs)
        contexts.append(g.context(f_reg, g.formula_reads, trace))
    scores = _call_each(f_reg, f_reg.item.compute, list(zip(inputs, contexts)))

    out, grading = [], []
    for row, trace, row_inputs, score in zip(group.rows, traces, inputs, scores):
        score = _check_score(f_reg, score)
        plugins = {"indicators": ind_plugin, "scoring": f_reg.plugin, "grading": ""}
        if score is None:
            trace.step(_UNSCORED, "未评定")
        else:
            g_reg, g_rule, g_reads = g.grading()
            trace.rule(*g_rule)
            plugins["grading"] = g_reg.plugin
            grading.append((score, row_inputs, g.context(g_reg, g_reads, trace)))
        out.append(_scored(row, trace, row_inputs, score, plugins))
    if grading:
        g_reg = g.grading()[0]
        graded = iter(_call_each(g_reg, g_reg.item.grade, grading))
        for s in out:
            if s.score is None:
                continue
            raw_grade = next(graded)
            if raw_grade not in ANNUAL_GRADES:
                raise PluginError(g_reg.plugin, g_reg.hook, f"GradingRule {g_reg.key!r} "
                                  f"returned {raw_grade!r}",
                                  f"return one of {'/'.join(ANNUAL_GRADES)}.")
            s.raw_grade = s.grade = raw_grade
    return out


_UNSCORED = "无可计分的考核数据，不评定等次"


def _scored(row: AnnualRow, trace: Trace, row_inputs: AssessmentInputs, score: float | None,
            plugins: dict[str, str]) -> Scored:
    democratic = row_inputs.evaluations.get(DEMOCRATIC)
    return Scored(row=row, trace=trace, score=score, raw_grade=None,
                  democratic_share=democratic.excellent_share if democratic else 0.0,
                  plugins=plugins)


_NONE: dict = {}


def _score_plain(group: Group, g: GroupRules, codes: frozenset[str], formula: DirectFormula,
                 grading: DirectGrading) -> list[Scored]:
    """``score_group`` by the direct path without explanations: the same scores and grades,
    each result with the numbers its explanation is made again from when read (``replay``)
    and the trace of its group's rules and parameters (``direct.Cited``: one for those with a
    score, one for those without). With the indicators' weight at 0 an assessment without a score may
    cite parameters too (those of a component weighted 0): such groups keep their traces
    (``_score_direct``), so that each shared entry lists what its assessments cited."""
    if not formula.weights["indicators"] > 0:
        return _score_direct(group, g, codes, formula, grading)
    g_reg, g_rule, _ = g.grading()
    unscored = {"indicators": g.indicators.plugin, "scoring": g.formula.plugin, "grading": ""}
    scored = {**unscored, "grading": g_reg.plugin}
    without = None   # made for the group's first assessment without a score (few groups)
    with_score = Cited(subject="")
    _open(g, with_score)
    formula.open(with_score)
    with_score.rule(*g_rule)
    spec = g.spec(formula, grading)
    scores, evaluations, quarters_of = group.scores, group.evaluations, group.quarters
    shared = group_digests(group.rows[0], group.targets)
    weights = [(code, weight) for code, _, weight, _ in g.line_specs]
    out: list[Scored] = []
    for row in group.rows:
        own = scores.get(row.id, _NONE)
        # the indicator lines with a score (``_lines``): weight and score
        scored_lines = [(weight, got) for code, weight in weights
                        if (got := own.get(code)) is not None]
        votes = evaluations.get(row.id, _NONE)
        quarters = sorted_quarters(quarters_of.get(group.quarter_key(row), _NONE))
        score = formula.value(scored_lines, votes, quarters, group.targets, with_score)
        democratic = votes.get(DEMOCRATIC)
        if score is None:
            if without is None:
                without = Cited(subject="")
                _open(g, without)
                formula.open(without)
            trace, grade, plugins = without, None, unscored
        else:
            trace, plugins = with_score, scored
            grade = grading.value(score, quarters, with_score)
        out.append(Scored(row=row, trace=trace, score=score, raw_grade=grade, grade=grade,
                          plugins=plugins, replay=spec,
                          democratic_share=democratic.excellent_share if democratic else 0.0,
                          digest=digests(row, own, votes, quarters, shared)))
    return out


def _score_direct(group: Group, g: GroupRules, codes: frozenset[str], formula: DirectFormula,
                  grading: DirectGrading) -> list[Scored]:
    """``score_group`` by the direct path (``direct``): the same scores, grades and
    explanations (as ``CompactTrace``s)."""
    g_reg, g_rule, _ = g.grading()
    # the plugins of each result (read only: shared by the group's results)
    unscored = {"indicators": g.indicators.plugin, "scoring": g.formula.plugin, "grading": ""}
    scored = {**unscored, "grading": g_reg.plugin}
    # what every trace of the group starts with, recorded once (``CompactTrace.started``)
    opened = CompactTrace(subject="")
    _open(g, opened)
    formula.open(opened)
    out = []
    for row in group.rows:
        trace = opened.started(subject_label(row))
        row_inputs = _inputs(row, group, g, codes, trace)
        score = formula.score(row_inputs, trace)
        if score is None:
            trace.head_steps.append((_UNSCORED, "", "未评定"))
            s = _scored(row, trace, row_inputs, None, unscored)
        else:
            trace.rule(*g_rule)
            s = _scored(row, trace, row_inputs, score, scored)
            s.raw_grade = s.grade = grading.grade(score, row_inputs, trace)
        out.append(s)
    return out
