"""The provincial default allowance formulas (乡镇工作岗位补助, 地区附加津贴) as plain functions
a plugin may reuse with its own parameter file (same parameter paths); the provincial default
plugin (``cadre_sdk.defaults.subsidies``) registers them with the province's numbers. The rules
themselves are described there."""
from __future__ import annotations

from typing import Any

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.rules import RuleContext

TOWNSHIP_POST = "乡镇工作岗位补助"
REGIONAL = "地区附加津贴"
_CLASS_ZH = "零一二三四五六"


def _not_posted(ent: Any, ctx: RuleContext) -> float | None:
    """0 with the reason when the month lies outside the cadre's township work, else None."""
    if ent.posted:
        return None
    if ent.left_township:
        reason = f"已于 {ent.left_township} 调离乡镇工作岗位，自次月起停发，本月不发放"
    elif ent.starts:
        reason = f"乡镇工作自 {ent.starts} 起，本月尚未开始，不发放"
    else:
        reason = "任职经历中没有覆盖本月的乡镇工作（“乡镇工作”为是的履历），不发放"
    return ctx.step(reason, 0.0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def bands(ctx: RuleContext, path: str, keys: tuple[str, str]) -> list[dict[str, Any]]:
    """The list parameter ``path`` (tiers, altitude bands: mappings of the two numbers
    ``keys``), checked: a value of another shape is a ``ParameterError`` naming the file and
    line of the value and the shape it must have, not an error inside the formula."""
    value = ctx.param(path)
    if isinstance(value, list) and value and all(
            isinstance(b, dict) and all(_is_number(b.get(k)) for k in keys)
            for b in value):
        return value
    shape = "{" + ", ".join(f"{k}: <number>" for k in keys) + "}"
    raise ParameterError(f"{ctx.where(path)}: {path} must be a list of {shape}, one per "
                         f"band (e.g. [{shape}, …]), got {value!r:.80}")


def _tier(tiers: list[dict[str, Any]], years: int) -> dict[str, Any]:
    """The highest tier whose ``min_years`` the service reaches."""
    reached = [t for t in tiers if t["min_years"] <= years]
    if not reached:
        raise ValueError(f"no tier for {years} years of service: the lowest tier must have "
                         "min_years 0")
    return max(reached, key=lambda t: t["min_years"])


def township_post_subsidy(ent: Any, ctx: RuleContext) -> float:
    """乡镇工作岗位补助 for one cadre-month (see the module docstring); reads the parameters
    ``township_post.min_days``, ``.tiers`` and ``.especially_hard_bonus``."""
    if ent.subdistrict or ent.region_level not in (None, "乡镇"):
        return ctx.step(f"{ent.township_name or ent.township_code}不是乡镇（街道不在乡镇工作补贴范围），"
                        "不发放", 0.0)
    stopped = _not_posted(ent, ctx)
    if stopped is not None:
        return stopped
    min_days = ctx.param("township_post.min_days")
    if ent.days < min_days:
        if not (ent.first_month or ent.last_month):
            return ctx.step(f"本月在岗 {ent.days} 天，低于 {min_days} 天的发放条件，不发放", 0.0)
        which = "开始乡镇工作" if ent.first_month else "调离乡镇工作"
        ctx.step(f"本月为{which}的月份，按规定当月照发，不受在岗 {min_days} 天的条件限制", ent.days)
    tier = _tier(bands(ctx, "township_post.tiers", ("min_years", "monthly_yuan")),
                 ent.service_years)
    base = ctx.step(f"乡镇工作满 {ent.service_years} 年，适用满 {tier['min_years']} 年档次",
                    tier["monthly_yuan"])
    bonus = ctx.param("township_post.especially_hard_bonus") if ent.especially_hard else 0
    if bonus:
        ctx.step("特别艰苦乡镇加发", bonus)
    return ctx.step("本月补助", float(base + bonus), f"{base} + {bonus}")


def regional_allowance(ent: Any, ctx: RuleContext) -> float | None:
    """地区附加津贴 for one cadre-month: the amount of the township's hardship class
    (``regional_allowance.class_N``); None outside hardship areas."""
    if not ent.hardship_class:
        return None
    stopped = _not_posted(ent, ctx)
    if stopped is not None:
        return stopped
    amount = ctx.param(f"regional_allowance.class_{ent.hardship_class}")
    return ctx.step(f"艰苦边远{_CLASS_ZH[ent.hardship_class]}类地区月额", float(amount))
