"""The publication's canned queries over the assessment results (registered by the default
assessment plugin). Aggregates are ``public``; anything naming or listing cadres is
``oversight`` (names are personal data). Every query has a deterministic ORDER BY.

``:region`` takes a province, prefecture, county or township code (or is left empty for all):
a prefecture code such as 632800 matches its own rows and those of its counties; a township's
matches its own rows only (never its county's other units).
"""
from __future__ import annotations

from cadre_sdk.rules import CannedQuery

_PREFIX = ("CASE WHEN :region LIKE '__0000' THEN 2 WHEN :region LIKE '____00' THEN 4 "
           "ELSE length(:region) END")


def in_region(column: str) -> str:
    """SQL: ``column`` (a region code) lies within ``:region`` (empty: everywhere)."""
    return f"(:region = '' OR substr({column}, 1, {_PREFIX}) = substr(:region, 1, {_PREFIX}))"


_GRADE_ORDER = ("CASE {col} WHEN '优秀' THEN 1 WHEN '称职' THEN 2 WHEN '基本称职' THEN 3 "
                "WHEN '不称职' THEN 4 ELSE 5 END")

_CARD = """
  s.year AS "年度", s.team_score AS "班子得分", s.team_grade AS "班子等次",
  s.rank_in_class AS "同类排名", s.class_size AS "同类参排数",
  s.assessed AS "参加考核人数", s.excellent AS "优秀", s.competent AS "称职",
  s.basic AS "基本称职", s.incompetent AS "不称职", s.mean_score AS "个人平均分",
  s.excellent_allowed AS "优秀名额", s.quota_demoted AS "名额调整人数",
  s.quota_compliant AS "是否名额合规", round(s.targets_share * 100, 1) AS "重点目标按进度比例（%）",
  s.team_score_change AS "班子得分较上年", s.mean_score_change AS "平均分较上年",
  s.excellent_share_change AS "优秀比例较上年", s.explanation_id AS "说明编号"
"""

SCORECARD_BY_REGION = CannedQuery(
    name="assessment_scorecard_by_region", title="年度考核成绩单（按地区）",
    description="某年度某地区及其下辖地区的年度考核成绩单：班子得分与同级排名、个人等次分布、"
                "优秀名额执行情况、较上年变化。参数：年度；地区（省、市州或县，填名称或代码）。",
    sql=f"""SELECT s.code AS "地区代码", s.name AS "地区", s.class AS "层级", {_CARD}
FROM scorecard s
WHERE s.scope = '地区' AND s.year = :year AND {in_region("s.code")}
ORDER BY length(rtrim(s.code, '0')), s.rank_in_class IS NULL, s.rank_in_class, s.code""")

SCORECARD_BY_UNIT = CannedQuery(
    name="assessment_scorecard_by_unit", title="年度考核成绩单（按单位）",
    description="某年度某地区各单位（部门、乡镇、企业、事业单位、地方）的年度考核成绩单。"
                "参数：年度；地区（名称或代码）。",
    sql=f"""SELECT s.code AS "单位代码", s.name AS "单位", s.class AS "类别", {_CARD}
FROM scorecard s
WHERE s.scope = '单位' AND s.year = :year AND {in_region("s.region_code")}
ORDER BY s.class, s.rank_in_class IS NULL, s.rank_in_class, s.code""",
    # in the query's order: a page reads its own rows, not every unit's of the year sorted
    indexes=("scorecard(scope, year, class, rank_in_class IS NULL, rank_in_class, code)",))

# Read from the publication's own aggregate (``cadre_sdk.publish.aggregates``): counts of
# people per region, unit kind and grade, with small groups hidden at public level.
GRADE_DISTRIBUTION = CannedQuery(
    name="assessment_grade_distribution", title="年度考核等次分布",
    description="某年度个人与班子的年度考核等次分布及占比（名额限制之后），"
                "以及因名额限制由优秀定为称职的人数；人数少于公开门槛的不公开。"
                "参数：年度；地区（名称或代码）。",
    sql=f"""SELECT g.subject AS "考核对象", g.grade AS "等次", g.cadres AS "人数",
  g.share AS "占比", g.quota_adjusted AS "其中名额调整"
FROM grade_distribution g
WHERE g.year = CAST(:year AS INTEGER) AND g.unit_kind = '全部'
  AND CASE WHEN :region = '' THEN g.region_level = '省' ELSE g.region_code = :region END
ORDER BY g.subject, {_GRADE_ORDER.format(col="g.grade")}""")

TARGET_PROGRESS = CannedQuery(
    name="assessment_target_progress", title="“710”重点目标进度（按单位）",
    description="某年度各单位重点目标按进度完成情况（每项目标取年内最近月份的记录，实际进度不低于"
                "计划进度为按进度）。参数：年度；地区（名称或代码）。",
    sql=f"""SELECT t.unit_code AS "单位代码", u.name AS "单位", u.kind AS "类别",
  t.targets AS "重点目标数", t.on_schedule AS "按进度", t.behind AS "滞后",
  t.share AS "按进度比例", t.last_month AS "截至月份", t.explanation_id AS "说明编号"
FROM target_summary t JOIN unit u ON u.code = t.unit_code
WHERE t.year = :year AND {in_region("u.region_code")}
ORDER BY t.share, t.unit_code""")

CONSEQUENCES = CannedQuery(
    name="assessment_consequences", title="考核结果运用清单", level="oversight",
    description="某年度考核结果运用：不称职的调整候选、连续优秀的优先选拔、连续基本称职的诫勉等，"
                "每条注明规则与依据。参数：年度；地区（名称或代码）。",
    sql=f"""SELECT c.year AS "年度", c.title AS "结果运用", c.cadre_id AS "干部编号",
  p.name AS "姓名", u.name AS "单位", c.reason AS "依据",
  c.plugin AS "规则插件", coalesce(j.name, c.jurisdiction) AS "规则管辖地区",
  c.explanation_id AS "说明编号"
FROM consequence c JOIN cadre p ON p.id = c.cadre_id JOIN unit u ON u.code = c.unit_code
LEFT JOIN region j ON j.code = c.jurisdiction
WHERE c.year = :year AND {in_region("u.region_code")}
ORDER BY c.code, u.code, c.cadre_id""")

TOP_RANKED = CannedQuery(
    name="assessment_top_ranked", title="单位内排名前三的干部", level="oversight",
    description="某年度各单位个人年度考核排名前三者（得分、等次、是否因名额限制定为称职）。"
                "参数：年度；地区（名称或代码）。",
    sql=f"""SELECT u.name AS "单位", r.unit_code AS "单位代码", r.rank_in_unit AS "单位内排名",
  r.pool_size AS "参加排名人数", r.cadre_id AS "干部编号", p.name AS "姓名",
  r.score AS "得分", r.grade AS "等次", r.raw_grade AS "名额限制前等次",
  r.explanation_id AS "说明编号"
FROM assessment_result r JOIN cadre p ON p.id = r.cadre_id JOIN unit u ON u.code = r.unit_code
WHERE r.year = :year AND r.subject = '个人' AND r.rank_in_unit <= 3
  AND {in_region("r.region_code")}
ORDER BY r.unit_code, r.rank_in_unit""",
    # Partial (its few rows a year, in the query's order): a year's results read and sorted
    # took 75 ms at 100,000 cadres.
    indexes=("assessment_result(year, unit_code, rank_in_unit) "
             "WHERE subject = '个人' AND rank_in_unit <= 3",))

QUOTA_ADJUSTED = CannedQuery(
    name="assessment_quota_adjusted", title="因优秀名额限制定为称职的干部", level="oversight",
    description="某年度达到优秀分数线、但超出本单位优秀名额而定为称职的干部，及其排名与名额。"
                "参数：年度；地区（名称或代码）。",
    sql=f"""SELECT u.name AS "单位", r.unit_code AS "单位代码", r.cadre_id AS "干部编号",
  p.name AS "姓名", r.score AS "得分", r.rank_in_unit AS "单位内排名",
  r.quota_allowed AS "优秀名额", r.pool_size AS "参加排名人数", r.explanation_id AS "说明编号"
FROM assessment_result r JOIN cadre p ON p.id = r.cadre_id JOIN unit u ON u.code = r.unit_code
WHERE r.year = :year AND r.quota_applied = 1 AND r.subject = '个人'
  AND {in_region("r.region_code")}
ORDER BY r.unit_code, r.rank_in_unit""",
    indexes=("assessment_result(year, unit_code, rank_in_unit) "
             "WHERE quota_applied = 1 AND subject = '个人'",))

QUERIES = (SCORECARD_BY_REGION, SCORECARD_BY_UNIT, GRADE_DISTRIBUTION, TARGET_PROGRESS,
           CONSEQUENCES, TOP_RANKED, QUOTA_ADJUSTED)
