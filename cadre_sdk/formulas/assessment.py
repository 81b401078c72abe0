"""The provincial default scoring formula, grading rule and consequence rules, as plain
functions a local plugin may reuse with its own parameter file (same parameter paths).

Formula (``weighted_score``), per subject (个人 → ``formula.individual``, 班子 →
``formula.team``), all numbers read from the rule's parameters at 31 December of the year:

- 分类考核指标: Σ(weight × score) ÷ Σ weight over the set's indicators that have a score;
  an indicator without a score is left out and its weight shared out proportionally. This
  component is required (when its weight is above 0): with no indicator score at all the
  assessment is not scored (未评定), so that a score never rests on side inputs alone.
- 民主测评 / 反向测评 / 考核谈话: Σ(votes × points per grade) ÷ participants; participants who
  gave no grade (abstentions) score 0; no record or 0 participants → missing.
- 平时考核: the mean of the points of the quarters present (a missing quarter is left out);
  no quarter at all → missing.
- “710” 重点目标: share of the unit's targets on schedule × 100; no record → missing.
- Score = Σ(component weight × component score) ÷ Σ weights of the components present: a
  missing component's weight is shared out proportionally; a component of weight 0 is shown
  in the explanation for reference only; nothing present → no score.
  Rounded half up to ``formula.score_decimals`` places.

The steps' labels and formulas are ``Filled`` texts: their weights, points and thresholds
(constant for a rule version) are stored once, only the scores and counts per assessment.

Grading (``threshold_grade``): ≥ ``grading.excellent_min`` 优秀 (candidate; the quota follows),
≥ ``competent_min`` 称职, ≥ ``basic_min`` 基本称职, else 不称职; with
``grading.poor_quarter_blocks_excellent``, a 较差 quarter turns 优秀 into 称职.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cadre_sdk.core.trace import Filled, literal

SUBJECT_KEYS = {"个人": "individual", "班子": "team"}
COMPONENTS = (("indicators", "分类考核指标"), ("democratic", "民主测评"), ("reverse", "反向测评"),
              ("interview", "考核谈话"), ("routine", "平时考核"), ("targets", "“710”重点目标"))
VOTES = (("excellent", "优秀"), ("competent", "称职"), ("basic", "基本称职"),
         ("incompetent", "不称职"))
ROUTINE_KEYS = {"好": "good", "较好": "fairly_good", "一般": "average", "较差": "poor"}
METHODS = {"democratic": "民主测评", "reverse": "反向测评", "interview": "考核谈话"}
_WEIGHT_PATHS = {subject: tuple((key, f"formula.{skey}.weights.{key}") for key, _ in COMPONENTS)
                 for subject, skey in SUBJECT_KEYS.items()}
_VOTE_PATHS = tuple(f"formula.vote_points.{key}" for key, _ in VOTES)
_ROUTINE_PATHS = {grade: f"formula.routine_points.{key}" for grade, key in ROUTINE_KEYS.items()}
MISSING = {"indicators": "无指标得分", "democratic": "无记录或参评人数为 0",
           "reverse": "无记录或参评人数为 0", "interview": "无记录或参评人数为 0",
           "routine": "本年度无季度考核记录", "targets": "本单位本年度无进度记录"}


_SHOWN: dict[float, str] = {}


def _num(value: float) -> str:
    """A number as the formulas show it: at most 4 decimals, no trailing zeros (weights, points
    and scores repeat across assessments, so each distinct number is formatted once)."""
    shown = _SHOWN.get(value)   # equal numbers (1, 1.0) are shown alike; not 0.0 and -0.0
    if shown is None or not value:
        if len(_SHOWN) >= 50_000:
            _SHOWN.clear()
        shown = _SHOWN[value] = f"{value:.4f}".rstrip("0").rstrip(".")
    return shown


def indicator_terms(scored: Any) -> str:
    """The weighted sum's terms, each weight × the indicator's name and a ``{}`` for its
    score (``15×德 {} + 10×能 {}``): which weight goes with which score reads in the step."""
    return " + ".join(f"{_num(line.weight)}×{literal(line.name)} {{}}" for line in scored)


def indicator_component(inputs: Any, ctx: Any) -> float | None:
    """The weighted indicator score over the indicators that have a score."""
    scored = [line for line in inputs.indicators if line.score is not None]
    for line in inputs.indicators:
        if line.score is None:
            ctx.step(Filled(literal(f"指标“{line.name}”（{line.code}）无得分：不计入，其权重 "
                                    f"{_num(line.weight)}% 按比例分配给已评分指标")), "缺失")
    total = sum(line.weight for line in scored)
    if not scored or total == 0:
        return None
    value = sum(line.weight * line.score for line in scored) / total
    terms = indicator_terms(scored)
    return ctx.step("分类考核指标加权得分", value, Filled(
        f"({terms}) ÷ {_num(total)}", *[_num(line.score) for line in scored]))


def vote_component(votes: Any, label: str, ctx: Any,
                   points: list[float] | None = None) -> float | None:
    """Votes × points per grade, averaged over the participants (abstentions score 0).
    ``points``: the points per grade (优秀, 称职, 基本称职, 不称职) when already read."""
    if votes is None or votes.participants == 0:
        return None
    if points is None:
        points = [ctx.param(path) for path in _VOTE_PATHS]
    counts = (votes.excellent, votes.competent, votes.basic, votes.incompetent)
    value = sum(n * p for n, p in zip(counts, points)) / votes.participants
    terms = " + ".join(f"{_num(p)}×{{}}" for p in points)
    if votes.abstained:
        formula = Filled(f"({terms}) ÷ 参评 {{}} 人（弃权 {{}} 人计 0 分）", *counts,
                         votes.participants, votes.abstained)
    else:
        formula = Filled(f"({terms}) ÷ 参评 {{}} 人", *counts, votes.participants)
    return ctx.step(f"{label}得分", value, formula)


def routine_component(quarters: dict[str, str], ctx: Any) -> float | None:
    """The mean of the points of the quarters present."""
    if not quarters:
        return None
    by_grade: dict[str, Any] = {}
    points = {}
    for q, g in quarters.items():
        if g not in by_grade:
            by_grade[g] = ctx.param(_ROUTINE_PATHS[g])
        points[q] = by_grade[g]
    absent = [q for q in ("一季度", "二季度", "三季度", "四季度") if q not in quarters]
    if absent:
        ctx.step(f"平时考核缺少{'、'.join(absent)}：按已有季度平均", f"{len(quarters)} 个季度")
    value = sum(points.values()) / len(points)
    terms = " + ".join(f"{q}{quarters[q]} {_num(p)}" for q, p in points.items())
    return ctx.step("平时考核得分", value, Filled(literal(f"({terms}) ÷ {len(points)}")))


def target_component(targets: Any, ctx: Any) -> float | None:
    """The share of the unit's "710" key targets on schedule, × 100."""
    if targets is None:
        return None
    return ctx.step("“710”重点目标得分", targets.share * 100,
                    Filled("按进度 {} ÷ 目标 {} × 100", targets.on_schedule, targets.targets))


def round_half_up(value: float, places: int) -> float:
    """``value`` rounded half up (89.995 → 90.0 at 2 places), from its shortest decimal form."""
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, ROUND_HALF_UP))


_QUANTA: dict[int, Decimal] = {}


def _component_data(key: str, inputs: Any) -> Any:
    """What a component is computed from (None or empty when the assessment has none)."""
    if key == "indicators":
        return inputs.indicators
    if key == "routine":
        return inputs.quarters
    if key == "targets":
        return inputs.targets
    return inputs.evaluations.get(METHODS[key])


def _component(key: str, data: Any, inputs: Any, ctx: Any, read: dict[str, Any]) -> float | None:
    """One component's score (None: missing), its steps recorded; ``read`` keeps what the
    components of one assessment share (the vote points, read at the first vote)."""
    if key == "indicators":
        return indicator_component(inputs, ctx)
    if key == "routine":
        return routine_component(dict(data), ctx)
    if key == "targets":
        return target_component(data, ctx)
    if data is None or data.participants == 0:
        return None
    if "votes" not in read:
        read["votes"] = [ctx.param(path) for path in _VOTE_PATHS]
    return vote_component(data, METHODS[key], ctx, read["votes"])


def weighted_score(inputs: Any, ctx: Any) -> float | None:
    """The provincial default annual score of a cadre or a team (see the module docstring)."""
    weights = {key: ctx.param(path) for key, path in _WEIGHT_PATHS[inputs.subject]}
    parts: dict[str, float | None] = {}
    read: dict[str, Any] = {}
    for key, label in COMPONENTS:
        data = _component_data(key, inputs)
        if weights[key] > 0:
            parts[key] = _component(key, data, inputs, ctx, read)
            if parts[key] is None and key == "indicators":
                ctx.step("无任何分类考核指标得分：不计分，不评定等次", "未评定")
                return None
            if parts[key] is None:
                ctx.step(Filled(f"{label}缺失（{MISSING[key]}）：其权重 {_num(weights[key])}% "
                                "按比例分配给其余部分"), "缺失")
        elif data:  # weight 0: shown for reference only
            value = _component(key, data, inputs, ctx, read)
            parts[key] = None
            if value is not None:
                ctx.step(Filled(f"{label}权重为 0：上项只作参考"), "不计入得分")
    used = [(key, label) for key, label in COMPONENTS if parts.get(key) is not None]
    total = sum(weights[key] for key, _ in used)
    if total == 0:
        ctx.step("无任何可计分的部分", "不计分")
        return None
    value = sum(weights[key] * parts[key] for key, _ in used) / total
    terms = " + ".join(f"{_num(weights[key])}×{{}}" for key, _ in used)
    places = ctx.param("formula.score_decimals")
    score = round_half_up(value, places)
    ctx.step("年度考核得分", value, Filled(f"({terms}) ÷ {_num(total)}",
                                          *[_num(parts[key]) for key, _ in used]))
    return ctx.step(Filled(f"年度考核得分（四舍五入保留 {places} 位小数）"), score)


def threshold_grade(score: float, inputs: Any, ctx: Any) -> str:
    """The provincial default grade by score thresholds (see the module docstring)."""
    excellent = ctx.param("grading.excellent_min")
    competent = ctx.param("grading.competent_min")
    basic = ctx.param("grading.basic_min")
    grade = ("优秀" if score >= excellent else "称职" if score >= competent
             else "基本称职" if score >= basic else "不称职")
    ctx.step("按分数线定等次", grade, Filled(f"{{}} 对照 优秀≥{_num(excellent)}、"
                                          f"称职≥{_num(competent)}、基本称职≥{_num(basic)}",
                                          _num(score)))
    if grade == "优秀" and ctx.param("grading.poor_quarter_blocks_excellent"):
        poor = [q for q, g in inputs.quarters.items() if g == "较差"]
        if poor:
            grade = "称职"
            ctx.step(f"{'、'.join(poor)}平时考核为较差，不得评为优秀", grade)
    return grade


def streak(history: dict[int, str], grade: str) -> list[int]:
    """The consecutive calendar years ending with the newest year in which ``grade`` was
    given (empty if the newest year's grade is another)."""
    years: list[int] = []
    year = max(history) if history else 0
    while history.get(year) == grade:
        years.insert(0, year)
        year -= 1
    return years


def incompetent_this_year(history: dict[int, str], ctx: Any) -> str | None:
    """不称职 in the newest year → adjustment candidate (调整候选)."""
    year = max(history)
    if history[year] == "不称职":
        return f"{year} 年度考核被确定为不称职"
    return None


def excellent_streak(history: dict[int, str], ctx: Any) -> str | None:
    """Consecutive years of 优秀 (``consequences.excellent_years``) → priority for selection."""
    years = streak(history, "优秀")
    needed = ctx.param("consequences.excellent_years")
    if len(years) >= needed:
        return f"{years[-needed]}—{years[-1]} 年连续 {needed} 年年度考核优秀"
    return None


def basic_streak(history: dict[int, str], ctx: Any) -> str | None:
    """Consecutive years of 基本称职 (``consequences.basic_years``) → admonishment and
    adjustment candidate (an SDK choice, marked as an example in the parameters)."""
    years = streak(history, "基本称职")
    needed = ctx.param("consequences.basic_years")
    if len(years) >= needed:
        return f"{years[-needed]}—{years[-1]} 年连续 {needed} 年年度考核基本称职"
    return None
