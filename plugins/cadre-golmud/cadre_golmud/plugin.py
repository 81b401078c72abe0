"""格尔木市 (632801): local rules for cadre-sdk, over 海西州's (package ``cadre-haixi``).

A county-level city of 海西州 with its own criteria for the grades 基本称职 and 不称职
(REFERENCE.md; their text is not public, so the criteria below are examples):

- grading (个人 and 班子): the provincial score thresholds with 格尔木's own lines, then
  不称职 when 民主测评 不称职 votes reach a share of participants, and 优秀/称职 lowered to
  基本称职 when enough quarters of routine assessment were 较差;
- fault tolerance (every kind of case): 15 working days to determine; the rest (海西州's
  work-safety red line and answer limit, the province's other limits) still applies.

Indicators and allowances are not overridden: 格尔木 uses 海西州's. Numbers are in
``parameters.yaml``; values marked ``example: true`` are illustrations.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cadre_sdk import GradingRule, RuleContext, load_parameters
from cadre_sdk.formulas import LocalPlugin, threshold_grade

PARAMS = load_parameters(Path(__file__).with_name("parameters.yaml"))


def golmud_grade(score: float, inputs: Any, ctx: RuleContext) -> str:
    """The grade by 格尔木's thresholds (``threshold_grade`` with this file's ``grading.*``),
    then 不称职 if 不称职 votes ÷ participants of 民主测评 ≥ ``grading.incompetent_vote_share``,
    else 基本称职 for an 优秀 or 称职 with at least ``grading.basic_poor_quarters`` quarters
    of routine assessment graded 较差."""
    grade = threshold_grade(score, inputs, ctx)
    votes = inputs.evaluations.get("民主测评")
    limit = ctx.param("grading.incompetent_vote_share")
    if votes is not None and votes.participants and votes.incompetent / votes.participants >= limit:
        return ctx.step("民主测评不称职票比例达到格尔木市标准，定为不称职", "不称职",
                        f"{votes.incompetent} ÷ {votes.participants} ≥ {limit:g}")
    poor = [quarter for quarter, given in inputs.quarters.items() if given == "较差"]
    needed = ctx.param("grading.basic_poor_quarters")
    if grade in ("优秀", "称职") and len(poor) >= needed:
        return ctx.step(f"平时考核{'、'.join(poor)}为较差，达到 {needed} 个季度，定为基本称职",
                        "基本称职")
    return grade


plugin = LocalPlugin(__name__, "632801", PARAMS, title="格尔木市", rules=[
    GradingRule(subject=subject, grade=golmud_grade, parameters=PARAMS,
                name=f"格尔木市{subject}年度考核等次标准（示例）") for subject in ("个人", "班子")])
