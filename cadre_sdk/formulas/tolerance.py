"""The provincial default tolerance (容错纠错) rules as plain functions a plugin may reuse with
its own parameter file (same parameter paths): the accepting body by cadre level, the decision
rule, and the parameter path of each procedure step's time limit. The provincial default plugin
(``cadre_sdk.defaults.tolerance``) registers them with the province's numbers."""
from __future__ import annotations

from typing import Any

from cadre_sdk.rules import RuleContext

#: Procedure step -> parameter path of its time limit ("申诉" is the applicant's window).
TIME_LIMITS = {
    "受理": "tolerance.limits.accept",
    "认定": "tolerance.limits.determine",
    "反馈": "tolerance.limits.notify",
    "备案": "tolerance.limits.file",
    "申诉": "tolerance.limits.appeal_window",
    "申诉决定": "tolerance.limits.appeal_decision",
}

#: cadre level (干部层级) -> parameter under tolerance.accepting_body
_LEVEL_KEYS = {"厅局级": "department_bureau", "县处级": "county_division",
               "乡科级": "township_section"}


def accepting_body(case: Any, ctx: RuleContext) -> str:
    """The accepting body by the cadre's level (厅局级 → 省, 县处级 → 市州, 乡科级 → 县), per
    the cadre-management authority (干部管理权限); the SDK's default, a plugin sets real ones."""
    key = _LEVEL_KEYS.get(case.cadre_level or "", "other")
    ctx.input("干部层级", case.cadre_level or "未填写")
    return ctx.param(f"tolerance.accepting_body.{key}")


def decide(findings: dict[str, str], red_line: str | None, ctx: RuleContext) -> str:
    """The SDK's default decision rule (its own choice, from the "three distinctions"):

    1. a red line → 不予容错, whatever the dimensions say;
    2. 不利 on a decisive dimension (节点, 目的, 原因: acting after a prohibition, for private
       gain, or deliberately) → 不予容错;
    3. more 不利 dimensions than ``max_unfavourable`` (2) → 不予容错;
    4. every dimension 有利 → 容错;
    5. otherwise (some 不利 within the limit, or 存疑) → 部分容错.
    """
    if red_line:
        return ctx.step("触碰红线，不予容错", "不予容错", red_line)
    decisive = ctx.param("tolerance.decision.decisive_dimensions")
    against = [d for d in decisive if findings.get(d) == "不利"]
    if against:
        return ctx.step("决定性维度研判为不利，不予容错", "不予容错", "、".join(against))
    unfavourable = [d for d, f in findings.items() if f == "不利"]
    limit = ctx.param("tolerance.decision.max_unfavourable")
    ctx.step("不利维度数", len(unfavourable), "、".join(unfavourable) or "无")
    if len(unfavourable) > limit:
        return ctx.step("不利维度超过上限，不予容错", "不予容错", f"{len(unfavourable)} > {limit}")
    if all(f == "有利" for f in findings.values()):
        return ctx.step("各维度均有利，容错", "容错")
    return ctx.step("部分维度不利或存疑，部分容错", "部分容错",
                    f"{len(unfavourable)} ≤ {limit}，且决定性维度无不利")
