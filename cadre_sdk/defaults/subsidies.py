"""Provincial default plugin: allowance schemes (补贴) and their canned queries.

Two schemes, numbers in ``parameters/subsidies.yaml`` (all amounts there are examples):

- 乡镇工作岗位补助 (township post subsidy), the national rule from 2015-01-01: township (not
  subdistrict) staff; paid from the month township work starts and stopped from the month after
  a transfer (the month of the transfer itself is paid); tiers by completed years of township
  work, plus a supplement for especially hard townships. The SDK's example attendance condition:
  a month with fewer days actually worked than ``township_post.min_days`` pays nothing (no pro
  rata); the months township work starts or ends are paid whole, as the national rule says.
- 地区附加津贴 (regional supplementary allowance): a monthly amount by the township's hardship
  class (一类..六类) while the cadre is posted there; no line outside hardship areas.

A prefecture or county reuses the formulas with its own numbers by registering
``SubsidyRule(scheme=TOWNSHIP_POST, compute=township_post_subsidy, parameters=its_file)`` with a
parameter file that has the same paths; or it writes its own ``compute``.
"""
from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from ..parameters import load_parameters
from ..rules import CannedQuery, RuleContext, SubsidyRule
from . import PARAMETERS

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
    tier = _tier(ctx.param("township_post.tiers"), ent.service_years)
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


@hookimpl
def register_subsidy_rules(register: Any) -> None:
    """The provincial default schemes: 乡镇工作岗位补助 and 地区附加津贴."""
    params = load_parameters(PARAMETERS / "subsidies.yaml")
    register(SubsidyRule(scheme=TOWNSHIP_POST, compute=township_post_subsidy, parameters=params,
                         name="乡镇工作岗位补助（国家政策，示例档次）"))
    register(SubsidyRule(scheme=REGIONAL, compute=regional_allowance, parameters=params,
                         name="地区附加津贴（按艰苦边远类别，示例金额）"))


# The rows are chosen and ordered in the subquery (``LIMIT -1``, no limit, keeps SQLite from
# merging it into the joins), so the explanation is rendered only for the rows read: the
# publication shows a page at a time, and rendering every row's explanation before sorting
# took seconds on a province's ledger.
_LEDGER_SQL = """
SELECT l.month AS 月份, l.cadre_id AS 干部编号, l.cadre_name AS 姓名, l.township_code AS 乡镇代码,
       r.name AS 乡镇, l.scheme AS 补贴方案, l.amount AS 金额, l.days AS 在岗天数,
       l.rule_plugin AS 规则插件, l.rule_jurisdiction AS 规则管辖, l.parameter_version AS 参数版本,
       l.explanation_id AS 说明编号, cadre_explain(e.json) AS 说明
FROM (SELECT l.*, c.name AS cadre_name
      FROM subsidy_ledger l JOIN cadre c ON c.id = l.cadre_id
      WHERE (:month = '' OR l.month = :month)
        AND (:region = '' OR l.township_code = :region OR l.county_code = :region
             OR l.prefecture_code = :region)
        AND (:cadre = '' OR l.cadre_id = :cadre)
      ORDER BY l.month, l.township_code, l.cadre_id, l.scheme
      LIMIT -1) AS l
LEFT JOIN region r ON r.code = l.township_code
LEFT JOIN explanation e ON e.id = l.explanation_id
"""

_TOTALS_SQL = """
SELECT t.region_code AS 市州代码, t.region_name AS 市州, t.month AS 月份, t.scheme AS 补贴方案,
       t.cadres AS 发放人数, t.cadres_unpaid AS 未发放人数, t.amount AS 发放总额, t.average AS 人均
FROM subsidy_totals t
WHERE t.region_level = '市州'
  AND (:month = '' OR t.month = :month)
  AND (:scheme = '' OR t.scheme = :scheme)
ORDER BY t.region_code, t.month, t.scheme
"""


@hookimpl
def register_queries(register: Any) -> None:
    """Canned queries: the ledger (oversight: it names cadres) and totals by prefecture (public)."""
    register(CannedQuery(
        name="subsidy_ledger", title="补贴台账", sql=_LEDGER_SQL, level="oversight",
        description="按月份（如 2024-07）、地区（乡镇、县或市州，名称或代码）或干部编号筛选；"
                    "空值表示不筛选。每行附计算说明。"))
    register(CannedQuery(
        name="subsidy_totals_by_prefecture", title="补贴汇总（按市州、月份）", sql=_TOTALS_SQL,
        description="各市州每月各补贴方案的发放人数、未发放人数与金额；可按月份、补贴项目筛选。"))
