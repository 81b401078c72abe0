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

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.parameters import load_parameters
from cadre_sdk.formulas.subsidies import (
    REGIONAL, TOWNSHIP_POST, regional_allowance, township_post_subsidy,
)
from cadre_sdk.rules import CannedQuery, SubsidyRule
from cadre_sdk.defaults import PARAMETERS

@hookimpl
def register_subsidy_rules(register: Any) -> None:
    """The provincial default schemes: 乡镇工作岗位补助 and 地区附加津贴."""
    params = load_parameters(PARAMETERS / "subsidies.yaml")
    register(SubsidyRule(scheme=TOWNSHIP_POST, compute=township_post_subsidy, parameters=params,
                         name="乡镇工作岗位补助（国家政策，示例档次）"))
    register(SubsidyRule(scheme=REGIONAL, compute=regional_allowance, parameters=params,
                         name="地区附加津贴（按艰苦边远类别，示例金额）"))


# The ledger is stored as ``subsidy_line`` citing its scheme and rule by number (the store's
# view ``subsidy_ledger`` is not published): the query names them. A region is the paying
# township, or the county (first 6 digits) or prefecture (first 4, then 00) it falls under.
# The rows are chosen and ordered in the subquery (``LIMIT -1``, no limit, keeps SQLite from
# merging it into the joins), so the explanation is rendered only for the rows read: the
# publication shows a page at a time, and rendering every row's explanation before sorting
# took seconds on a province's ledger. The lines are read in the order of the index the query
# declares (``LEDGER_INDEX``; ``CROSS JOIN`` keeps them the outer loop), so a page reads its
# own rows and sorts only each cadre's lines by scheme name, instead of sorting the province's
# ledger (0.2-0.4 s at 100,000 cadres). The month is a range on that index (every month,
# which is text and never NULL, lies between '' and a blob): ``:month = '' OR l.month =
# :month`` would read every month before the one asked for. A cadre's lines are a second
# branch, read through the cadre index (``:cadre = '' OR l.cadre_id = :cadre`` can use no
# index: the whole ledger was read for one cadre); each branch runs only when its parameter
# says so, and the two are merged in the ledger's order.
#: The ledger's order (the key's cadre and scheme follow: the table is WITHOUT ROWID).
LEDGER_INDEX = "subsidy_line(month, township_code)"
_LEDGER_LINES = """SELECT l.*, s.name AS scheme
      FROM subsidy_line l CROSS JOIN subsidy_scheme s ON s.id = l.scheme_id
      WHERE l.month BETWEEN iif(:month = '', '', :month) AND iif(:month = '', x'', :month)
        AND (:region = '' OR l.township_code = :region
             OR substr(l.township_code, 1, 6) = :region
             OR substr(l.township_code, 1, 4) || '00' = :region)
        AND {cadre}"""
_LEDGER_SQL = f"""
SELECT l.month AS 月份, l.cadre_id AS 干部编号, c.name AS 姓名, l.township_code AS 乡镇代码,
       r.name AS 乡镇, l.scheme AS 补贴方案, l.amount AS 金额, l.days AS 在岗天数,
       u.plugin AS 规则插件, u.jurisdiction AS 规则管辖, u.parameter_version AS 参数版本,
       l.explanation_id AS 说明编号, cadre_explain(e.json) AS 说明
FROM ({_LEDGER_LINES.format(cadre=":cadre = ''")}
      UNION ALL
      {_LEDGER_LINES.format(cadre="l.cadre_id = :cadre")}
      ORDER BY month, township_code, cadre_id, scheme
      LIMIT -1) AS l
CROSS JOIN cadre c ON c.id = l.cadre_id
LEFT JOIN subsidy_rule u ON u.id = l.rule_id
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
        indexes=(LEDGER_INDEX,),
        description="按月份（如 2024-07）、地区（乡镇、县或市州，名称或代码）或干部编号筛选；"
                    "空值表示不筛选。每行附计算说明。"))
    register(CannedQuery(
        name="subsidy_totals_by_prefecture", title="补贴汇总（按市州、月份）", sql=_TOTALS_SQL,
        description="各市州每月各补贴方案的发放人数、未发放人数与金额；可按月份、补贴项目筛选。"))
