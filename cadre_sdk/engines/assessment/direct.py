"""The direct path of the provincial default formula and grading rule (issue 19).

Most assessments are scored by ``formulas.assessment.weighted_score`` and graded by
``threshold_grade`` (the built-in plugin's rules, or a local plugin's rules reusing them with its
own parameter file). Called through the generic path, each assessment costs rule contexts, some
twenty-five parameter reads, a ``Filled`` text per step and a dict per step, all walked again
when the explanation is stored. Here the numbers of a rule are read once per rule and year
(through the same parameter cache, so that the explanation cites the same entries with the same
supplying plugin), each assessment is computed from its inputs directly, and its explanation is
a ``CompactTrace``: its inputs and steps recorded as tuples, its ``Filled`` texts as
``Pattern``s, stored exactly as the generic path's trace would be
(``explanation_templates.Splitter.split_trace``).

Which rule applies is still decided by the rule book: a group of assessments takes the direct
path only when its formula *is* ``weighted_score`` and its grading rule *is* ``threshold_grade``
and the numbers they read are numbers; any other rule (a plugin's own formula or grading
function, such as 格尔木's) takes the generic path. The direct path runs only the SDK's own
code: anything it cannot compute makes ``scoring.score_group`` take the generic path for the
group, which reports a fault naming the plugin, rule, file and line.

``ENABLED = False`` turns the direct path off (tests compare both paths' stored tables).
"""
from __future__ import annotations

import datetime
from operator import mul
from typing import Any

import attrs

from cadre_sdk.core.trace import CompactTrace, Pattern, Trace, literal
from cadre_sdk.formulas.assessment import (
    _ROUTINE_PATHS, _VOTE_PATHS, _WEIGHT_PATHS, COMPONENTS, METHODS, MISSING, _num,
    indicator_terms, round_half_up, threshold_grade, weighted_score,
)
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.records.rule_inputs import AssessmentInputs
from cadre_sdk.rules import RuleContext

#: False: every group takes the generic path.
ENABLED = True

_QUARTERS = ("一季度", "二季度", "三季度", "四季度")
_NO_INDICATOR = "无任何分类考核指标得分：不计分，不评定等次"
_NOTHING = "无任何可计分的部分"
_NUMBER = (int, float)
#: Each evaluation's component and method, in ``weighted_score``'s order.
_METHOD_KEYS = tuple(METHODS.items())
#: The label of each evaluation's step (``weighted_score``'s).
_VOTE_LABELS = {key: f"{method}得分" for key, method in METHODS.items()}


def _records(reg: Registration, reads: dict, on: datetime.date, paths: Any) -> dict[str, tuple]:
    """The ``parameter_record`` of each of ``paths`` as ``RuleContext.param`` makes and caches
    it in ``reads`` (the rule's parameter cache shared with the generic path)."""
    ctx = RuleContext(rule=reg.item, plugin=reg.plugin, jurisdiction=reg.jurisdiction, on=on,
                      trace=Trace(subject=""), reads=reads)
    out = {}
    for path in paths:
        ctx.param(path)
        out[path] = reads[path]
    return out


@attrs.define
class Cited(Trace):
    """The trace a group's assessments scored without explanations share (``value``; their
    explanations are made when read: ``replay``): it records the rules and parameters they
    apply (for their shared entry, ``RuleSets.rule_set``), not their steps; ``done`` holds
    what it cited already, so that each assessment does not cite it again."""

    done: set = attrs.field(factory=set, eq=False, repr=False)

    def step(self, label: str, value: Any, formula: str = "") -> Any:
        return value


class DirectFormula:
    """``weighted_score`` with the numbers of one rule and year read once."""

    def __init__(self, subject: str, records: dict[str, tuple]):
        #: each parameter's value by path (what a replay makes the formula of again: ``replay``)
        self.values = {path: record[0].value for path, record in records.items()}
        self.weights = {key: records[path][0].value for key, path in _WEIGHT_PATHS[subject]}
        self.weight_cites = [records[path] for _, path in _WEIGHT_PATHS[subject]]
        self.vote_cites = [records[path] for path in _VOTE_PATHS]
        self.points = [r[0].value for r in self.vote_cites]
        terms = " + ".join(f"{_num(p)}×{{}}" for p in self.points)
        self.votes_pattern = f"({terms}) ÷ 参评 {{}} 人"
        self.abstained_pattern = f"({terms}) ÷ 参评 {{}} 人（弃权 {{}} 人计 0 分）"
        self.routine = {g: records[p] for g, p in _ROUTINE_PATHS.items()}
        self.places_cite = records["formula.score_decimals"]
        self.places = self.places_cite[0].value
        self.rounded = Pattern(f"年度考核得分（四舍五入保留 {self.places} 位小数）")
        self.missing = {key: Pattern(f"{label}缺失（{MISSING[key]}）：其权重 "
                                     f"{_num(self.weights[key])}% 按比例分配给其余部分")
                        for key, label in COMPONENTS}
        self.zero = {key: Pattern(f"{label}权重为 0：上项只作参考") for key, label in COMPONENTS}
        self._patterns: dict[tuple, str] = {}
        self._indicator_patterns: dict[tuple, str] = {}
        self._lines: dict[tuple, Pattern] = {}
        self._routines: dict[tuple, tuple] = {}

    @classmethod
    def make(cls, reg: Registration, subject: str, reads: dict,
             on: datetime.date) -> DirectFormula | None:
        """The direct path of ``reg`` (None: the generic path)."""
        if getattr(reg.item, "compute", None) is not weighted_score or subject not in _WEIGHT_PATHS:
            return None
        try:   # a parameter this rule cannot read: the generic path reports it, if it is needed
            records = _records(reg, reads, on, [
                *(path for _, path in _WEIGHT_PATHS[subject]), *_VOTE_PATHS,
                "formula.score_decimals", *_ROUTINE_PATHS.values()])
            found = cls(subject, records)
        except Exception:
            return None
        numbers = [*found.weights.values(), *found.points,
                   *(r[0].value for r in found.routine.values())]
        if (any(type(n) not in _NUMBER for n in numbers) or type(found.places) is not int
                or any(w < 0 for w in found.weights.values())):
            return None
        return found

    def open(self, trace: CompactTrace) -> None:
        """Record in ``trace`` what ``weighted_score`` reads first for every assessment (its
        weights): once for the traces ``trace.started`` gives."""
        trace.cite_all(self.weight_cites)

    def score(self, inputs: AssessmentInputs, trace: CompactTrace) -> float | None:
        """``weighted_score(inputs, ctx)``, recorded in ``trace`` (opened by ``open``) as the
        rule records it."""
        steps = trace.head_steps
        weights, parts = self.weights, {}
        evaluations = inputs.evaluations
        for key, data in (("indicators", inputs.indicators),
                          ("democratic", evaluations.get("民主测评")),
                          ("reverse", evaluations.get("反向测评")),
                          ("interview", evaluations.get("考核谈话")),
                          ("routine", inputs.quarters), ("targets", inputs.targets)):
            if weights[key] > 0:
                value = self._component(key, data, steps, trace)
                if value is not None:
                    parts[key] = value
                elif key == "indicators":
                    steps.append((_NO_INDICATOR, "", "未评定"))
                    return None
                else:
                    steps.append((self.missing[key], "", "缺失"))
            elif data and self._component(key, data, steps, trace) is not None:
                steps.append((self.zero[key], "", "不计入得分"))
        if not parts:
            steps.append((_NOTHING, "", "不计分"))
            return None
        used = tuple(parts)
        total = sum(weights[key] for key in used)
        value = sum(weights[key] * parts[key] for key in used) / total
        trace.cite(self.places_cite)
        score = round_half_up(value, self.places)
        pattern = self._patterns.get(used)
        if pattern is None:
            terms = " + ".join(f"{_num(weights[key])}×{{}}" for key in used)
            pattern = self._patterns[used] = f"({terms}) ÷ {_num(total)}"
        steps.append(("年度考核得分", Pattern(pattern, tuple(_num(parts[key]) for key in used)),
                      value))
        steps.append((self.rounded, "", score))
        return score

    def value(self, scored: list[tuple], evaluations: Any, quarters: dict[str, str],
              targets: Any, cited: Cited) -> float | None:
        """The score ``score`` gives for inputs whose indicator lines with a score are
        ``scored`` (their weights and scores, in the indicator set's order), with these
        evaluations, quarters and "710" summary (``AssessmentInputs``' fields), without
        recording steps (the explanation is made when read: ``replay``): the parameters it
        reads are cited in ``cited`` (the trace all the group's assessments share, for their
        shared entry). The same sums in the same order as ``score``'s (``_indicators``,
        ``_votes``, ``_routine``)."""
        weights, parts, done = self.weights, {}, cited.done
        if weights["indicators"] > 0:
            # lists, not generators, summed: the same terms in the same order, made faster
            total = sum([weight for weight, _ in scored])
            if not scored or total == 0:
                return None
            parts["indicators"] = sum([weight * score for weight, score in scored]) / total
        for key, method in _METHOD_KEYS:
            votes = evaluations.get(method)
            if votes is None or votes.participants == 0:
                continue
            if "votes" not in done:
                cited.cite_all(self.vote_cites)
                done.add("votes")
            if weights[key] > 0:
                counts = (votes.excellent, votes.competent, votes.basic, votes.incompetent)
                parts[key] = sum(map(mul, counts, self.points)) / votes.participants
        if quarters:
            grades = tuple(quarters.items())
            known = self._routines.get(grades)
            if known is None:
                value = self._routine(quarters, [], cited)
                done.add(grades)
            else:
                if grades not in done:
                    cited.cite_all(known[0])
                    done.add(grades)
                value = known[2]
            if weights["routine"] > 0:
                parts["routine"] = value
        if targets is not None and weights["targets"] > 0:
            parts["targets"] = targets.share * 100
        if not parts:
            return None
        used = tuple(parts)
        total = sum(weights[key] for key in used)
        if "places" not in done:
            cited.cite(self.places_cite)
            done.add("places")
        return round_half_up(sum(weights[key] * parts[key] for key in used) / total,
                             self.places)

    def _component(self, key: str, data: Any, steps: list, trace: CompactTrace) -> float | None:
        """One component's score (None: missing), its steps recorded."""
        if key == "indicators":
            return self._indicators(data, steps)
        if key == "routine":
            return self._routine(data, steps, trace) if data else None
        if key == "targets":
            if data is None:
                return None
            value = data.share * 100
            steps.append(("“710”重点目标得分", Pattern("按进度 {} ÷ 目标 {} × 100",
                                                  (data.on_schedule, data.targets)), value))
            return value
        if data is None or data.participants == 0:
            return None
        trace.cite_all(self.vote_cites)   # cited once per trace (``Trace.cite``)
        return self._votes(data, _VOTE_LABELS[key], steps)

    def _indicators(self, lines: Any, steps: list) -> float | None:
        scored = []
        for line in lines:
            if line.score is None:
                steps.append((self._missing_line(line), "", "缺失"))
            else:
                scored.append(line)
        total = sum(line.weight for line in scored)
        if not scored or total == 0:
            return None
        value = sum(line.weight * line.score for line in scored) / total
        shape = tuple((line.weight, line.name) for line in scored)
        pattern = self._indicator_patterns.get(shape)
        if pattern is None:
            terms = indicator_terms(scored)
            pattern = self._indicator_patterns[shape] = f"({terms}) ÷ {_num(total)}"
        steps.append(("分类考核指标加权得分",
                      Pattern(pattern, tuple(_num(line.score) for line in scored)), value))
        return value

    def _missing_line(self, line: Any) -> Pattern:
        key = (line.code, line.name, line.weight)
        text = self._lines.get(key)
        if text is None:
            text = self._lines[key] = Pattern(literal(
                f"指标“{line.name}”（{line.code}）无得分：不计入，其权重 {_num(line.weight)}% "
                "按比例分配给已评分指标"))
        return text

    def _votes(self, votes: Any, label: str, steps: list) -> float:
        """One evaluation's component (``label``: its step's label), its step recorded."""
        counts = (votes.excellent, votes.competent, votes.basic, votes.incompetent)
        participants = votes.participants
        value = sum(n * p for n, p in zip(counts, self.points)) / participants
        abstained = participants - sum(counts)   # ``votes.abstained`` when above 0
        if abstained > 0:
            formula = Pattern(self.abstained_pattern, (*counts, participants, abstained))
        else:
            formula = Pattern(self.votes_pattern, (*counts, participants))
        steps.append((label, formula, value))
        return value

    def _routine(self, quarters: dict[str, str], steps: list, trace: CompactTrace) -> float:
        """The routine component: its records, steps and value depend on the quarters' grades
        only, so they are made once per combination of grades."""
        key = tuple(quarters.items())
        known = self._routines.get(key)
        if known is None:
            records = [self.routine[g] for g in dict.fromkeys(quarters.values())]
            points = {q: self.routine[g][0].value for q, g in quarters.items()}
            absent = [q for q in _QUARTERS if q not in quarters]
            value = sum(points.values()) / len(points)
            terms = " + ".join(f"{q}{quarters[q]} {_num(p)}" for q, p in points.items())
            made = [("平时考核得分", Pattern(literal(f"({terms}) ÷ {len(points)}")), value)]
            if absent:
                made.insert(0, (f"平时考核缺少{'、'.join(absent)}：按已有季度平均", "",
                                f"{len(quarters)} 个季度"))
            known = self._routines[key] = (records, made, value)
        trace.cite_all(known[0])
        steps += known[1]
        return known[2]


class DirectGrading:
    """``threshold_grade`` with the thresholds of one rule and year read once."""

    PATHS = ("grading.excellent_min", "grading.competent_min", "grading.basic_min",
             "grading.poor_quarter_blocks_excellent")

    def __init__(self, records: dict[str, tuple]):
        #: each parameter's value by path (``DirectFormula.values``)
        self.values = {path: record[0].value for path, record in records.items()}
        self.cites = [records[path] for path in self.PATHS[:3]]
        self.excellent, self.competent, self.basic = (r[0].value for r in self.cites)
        self.blocks_cite = records[self.PATHS[3]]
        self.pattern = (f"{{}} 对照 优秀≥{_num(self.excellent)}、称职≥{_num(self.competent)}、"
                        f"基本称职≥{_num(self.basic)}")

    @classmethod
    def make(cls, reg: Registration, reads: dict, on: datetime.date) -> DirectGrading | None:
        """The direct path of ``reg`` (None: the generic path)."""
        if getattr(reg.item, "grade", None) is not threshold_grade:
            return None
        try:
            found = cls(_records(reg, reads, on, cls.PATHS))
        except Exception:
            return None
        if any(type(n) not in _NUMBER for n in (found.excellent, found.competent, found.basic)):
            return None
        return found

    def value(self, score: float, quarters: dict[str, str], cited: Cited) -> str:
        """The grade ``grade`` gives for a score and the assessment's quarters, without
        recording steps (``DirectFormula.value``)."""
        done = cited.done
        if "grading" not in done:
            cited.cite_all(self.cites)
            done.add("grading")
        grade = ("优秀" if score >= self.excellent else "称职" if score >= self.competent
                 else "基本称职" if score >= self.basic else "不称职")
        if grade == "优秀" and cited.cite(self.blocks_cite) and "较差" in quarters.values():
            grade = "称职"
        return grade

    def grade(self, score: float, inputs: AssessmentInputs, trace: CompactTrace) -> str:
        """``threshold_grade(score, inputs, ctx)``, recorded in ``trace`` as the rule
        records it."""
        cite = trace.cite
        trace.cite_all(self.cites)
        grade = ("优秀" if score >= self.excellent else "称职" if score >= self.competent
                 else "基本称职" if score >= self.basic else "不称职")
        trace.head_steps.append(("按分数线定等次", Pattern(self.pattern, (_num(score),)), grade))
        if grade == "优秀" and cite(self.blocks_cite):
            poor = [q for q, g in inputs.quarters.items() if g == "较差"]
            if poor:
                grade = "称职"
                trace.head_steps.append((f"{'、'.join(poor)}平时考核为较差，不得评为优秀", "",
                                         grade))
        return grade


def group_spec(line_specs: list[tuple], formula: DirectFormula,
               grading: DirectGrading) -> dict[str, Any]:
    """The numbers the direct path read for a group of assessments, as their shared entry
    stores them (what ``replay`` makes their explanations again from): the indicator lines
    (code, name, weight: ``GroupRules.line_specs``) and the formula's and grading rule's
    parameters by path (the engine adds the pool's quotas); ``version``: ``SPEC_VERSION``."""
    return {"version": SPEC_VERSION,
            "lines": [[code, name, weight] for code, name, weight, _ in line_specs],
            "formula": formula.values, "grading": grading.values}


#: The version of the direct path's steps and texts that ``group_spec`` records: raised when
#: a change of this module, ``scoring`` or ``quota`` changes what an explanation says, so that
#: an explanation evaluated before is not made again in other words (``replay``). 2: the
#: weighted indicator step names each weight's indicator (15×德 92.9 + …).
SPEC_VERSION = 2
