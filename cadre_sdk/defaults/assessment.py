"""Provincial default plugin: classified assessment (分类考核).

Registers, for the province (630000), a complete baseline a local plugin can override by
jurisdiction: an indicator set (德、能、勤、绩、廉、贯彻落实中央和省委决策部署) for each subject
(个人/班子) and unit kind (地方/部门/企业/事业单位/乡镇); the scoring formula and grading rule for
each subject (``cadre_sdk.formulas.assessment``); the 优秀 quota (15% per unit, rounded down); the named
consequence rules; and the publication's canned queries over the results
(``assessment_queries``). Every number is in ``parameters/assessment.yaml``; values marked
``example: true`` there are the SDK's own illustrative choices.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.core.jurisdiction import PROVINCE
from cadre_sdk.parameters import load_parameters
from cadre_sdk.rules import (
    ConsequenceRule, GradeQuota, GradingRule, Indicator, IndicatorSet, ScoringFormula,
)
from cadre_sdk.defaults import PARAMETERS
from cadre_sdk.formulas.assessment import (
    SUBJECT_KEYS, basic_streak, excellent_streak, incompetent_this_year, threshold_grade,
    weighted_score,
)
from cadre_sdk.defaults.assessment_queries import QUERIES

PARAMS = load_parameters(PARAMETERS / "assessment.yaml")

UNIT_KINDS = {"地方": "locality", "部门": "department", "企业": "enterprise",
              "事业单位": "institution", "乡镇": "township"}

#: (code, name, description for a cadre, description for a team)
INDICATORS = (
    ("de", "德", "政治品质和道德品行", "政治思想建设"),
    ("neng", "能", "履职能力和专业素养", "领导能力"),
    ("qin", "勤", "工作态度和作风", "作风建设"),
    ("ji", "绩", "工作实绩", "工作实绩"),
    ("lian", "廉", "廉洁自律", "党风廉政建设"),
    ("luoshi", "贯彻落实中央和省委决策部署", "贯彻落实中央和省委决策部署情况",
     "贯彻落实中央和省委决策部署情况"),
)


@hookimpl
def cadre_jurisdiction() -> str:
    """The provincial default serves the province."""
    return PROVINCE


def indicator_sets() -> list[IndicatorSet]:
    """The baseline indicator sets: every subject × unit kind, weights from the parameters."""
    sets = []
    for subject, skey in SUBJECT_KEYS.items():
        for kind, kkey in UNIT_KINDS.items():
            indicators = tuple(
                Indicator(code=code, name=name, weight=f"indicators.{skey}.{kkey}.{code}",
                          description=personal if subject == "个人" else team)
                for code, name, personal, team in INDICATORS)
            sets.append(IndicatorSet(unit_kind=kind, subject=subject, indicators=indicators,
                                     parameters=PARAMS, name=f"省级默认{kind}{subject}考核指标"))
    return sets


@hookimpl
def register_indicators(register: Callable[[Any], Any]) -> None:
    """Register the baseline indicator set of each subject and unit kind."""
    for item in indicator_sets():
        register(item)


CONSEQUENCES = (
    ConsequenceRule(code="adjust_incompetent", title="调整候选（年度考核不称职）",
                    applies=incompetent_this_year, parameters=PARAMS),
    ConsequenceRule(code="priority_selection", title="优先选拔（连续多年优秀）",
                    applies=excellent_streak, parameters=PARAMS),
    ConsequenceRule(code="admonish_basic", title="诫勉谈话并列为调整候选（连续基本称职）",
                    applies=basic_streak, parameters=PARAMS),
)


@hookimpl
def register_scoring(register: Callable[[Any], Any]) -> None:
    """Register the default formula and grading rule for 个人 and 班子, the 优秀 quota and the
    consequence rules."""
    for subject in SUBJECT_KEYS:
        register(ScoringFormula(subject=subject, compute=weighted_score, parameters=PARAMS,
                                name=f"省级默认{subject}计分公式"))
        register(GradingRule(subject=subject, grade=threshold_grade, parameters=PARAMS,
                             name=f"省级默认{subject}等次分数线"))
    register(GradeQuota(grade="优秀", share="quota.excellent_share", parameters=PARAMS,
                        rounding="floor", name="优秀等次名额（不超过15%，向下取整）"))
    for rule in CONSEQUENCES:
        register(rule)


@hookimpl
def register_queries(register: Callable[[Any], Any]) -> None:
    """Register the publication's queries over the assessment results."""
    for query in QUERIES:
        register(query)
