"""Provincial default plugin: staffing rules (配备规则) and the canned queries on staffing,
training, exchanges, care, commendations and the candidate pool.

The two staffing rules come from the Organization Department's answers on the Guiding Opinions
(seed document): "市州农牧、民政、水利、扶贫等涉农涉牧部门领导班子，至少配备一名有乡镇领导经历的干部；
选拔县直单位主要负责人，一般要有乡镇工作经历". The second says "generally", so it is an advisory
check (提示): its findings are listed for review, not counted as breaches.

Rule SQL runs after the staffing engine has built ``career_summary`` (one row per cadre:
``township_work``, ``township_leadership``, ... derived from postings with 乡镇工作 = 是 and
领导职务 = 是), so rules read career facts from there. Evidence names posts, never people: the
breach list is public. Units with no cadre in the store are not judged (their staff were not
loaded); a unit whose staff were loaded but whose team or principal is not flagged is listed,
with evidence saying so.
"""
from __future__ import annotations

from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.parameters import load_parameters
from cadre_sdk.rules import CannedQuery, StaffingRule, Thresholds
from cadre_sdk.defaults import PARAMETERS

SOURCE = "省委组织部负责人就《关于进一步激励广大干部新时代新担当新作为的指导意见》答记者问"

#: Sectors whose prefecture-level leadership teams need township leadership experience.
RURAL_SECTORS = ("农牧", "民政", "水利", "扶贫")

#: Units whose cadres are in the store: a unit nobody's data was loaded for is not judged.
_STAFFED = "EXISTS (SELECT 1 FROM cadre x WHERE x.unit_code = u.code)"

_RURAL_TEAM_SQL = f"""
SELECT u.code AS unit_code,
       CASE WHEN count(t.cadre_id) = 0
            THEN '未登记领导班子成员（“班子成员”为是），无法核对是否配备有乡镇领导经历的干部'
            ELSE '领导班子 ' || count(t.cadre_id) || ' 人（' || group_concat(t.post, '；') ||
                 '）均无乡镇领导经历' END AS evidence
FROM unit u
LEFT JOIN (SELECT c.unit_code, c.id AS cadre_id, c.post,
                  coalesce(s.township_leadership, 0) AS township_leadership
           FROM cadre c LEFT JOIN career_summary s ON s.cadre_id = c.id
           WHERE c.is_leader = 1 OR c.is_principal = 1
           ORDER BY c.unit_code, c.id) t ON t.unit_code = u.code
WHERE u.level = '市州' AND u.kind = '部门' AND {_STAFFED}
  AND u.sector IN ({", ".join(f"'{s}'" for s in RURAL_SECTORS)})
GROUP BY u.code
HAVING coalesce(max(t.township_leadership), 0) = 0
ORDER BY u.code
"""

_COUNTY_HEAD_SQL = f"""
SELECT u.code AS unit_code,
       CASE WHEN count(t.cadre_id) = 0
            THEN '未登记主要负责人（“主要负责人”为是），无法核对乡镇工作经历'
            ELSE '主要负责人（' || group_concat(CASE WHEN t.township_work = 0 THEN t.post END, '；')
                 || '）无乡镇工作经历' END AS evidence
FROM unit u
LEFT JOIN (SELECT c.unit_code, c.id AS cadre_id, c.post,
                  coalesce(s.township_work, 0) AS township_work
           FROM cadre c LEFT JOIN career_summary s ON s.cadre_id = c.id
           WHERE c.is_principal = 1
           ORDER BY c.unit_code, c.id) t ON t.unit_code = u.code
WHERE u.level = '县' AND u.kind = '部门' AND {_STAFFED}
GROUP BY u.code
HAVING count(t.cadre_id) = 0 OR min(t.township_work) = 0
ORDER BY u.code
"""


@hookimpl
def register_staffing_rules(register: Any) -> None:
    """The two provincial staffing rules of the Guiding Opinions."""
    register(StaffingRule(
        code="rural_team_township_leader", sql=_RURAL_TEAM_SQL, source=SOURCE,
        title="市州农牧、民政、水利、扶贫部门领导班子至少配备一名有乡镇领导经历的干部"))
    register(StaffingRule(
        code="county_head_township_work", sql=_COUNTY_HEAD_SQL, source=SOURCE, advisory=True,
        title="县直单位主要负责人一般应有乡镇工作经历"))


#: The thresholds of the staffing engine's views (training hours, high altitude, the candidate
#: pool's window and standards), in ``parameters/staffing.yaml``.
THRESHOLDS = Thresholds(concern="staffing", parameters=load_parameters(PARAMETERS / "staffing.yaml"),
                        name="青海省配备、培训、关爱与选拔候选人默认参数（cadre-sdk）")


@hookimpl
def register_thresholds(register: Any) -> None:
    """The provincial thresholds of the staffing views (see ``THRESHOLDS``)."""
    register(THRESHOLDS)


#: "Any region": the row's region, county or prefecture equals :region, or :region is empty.
def _region_filter(alias: str) -> str:
    return (f"(:region = '' OR {alias}.region_code = :region OR {alias}.county_code = :region "
            f"OR {alias}.prefecture_code = :region)")


_QUERIES = (
    CannedQuery(
        name="staffing_breaches", title="配备规则核查结果",
        description="违反配备规则的单位及依据（“提示”为一般性要求，列出供核对）；只列单位和职务，不列姓名。"
                    "可按 地区（名称或代码）筛选。",
        sql=f"""
SELECT b.severity AS 性质, b.title AS 规则, b.unit_code AS 单位代码,
       u.name AS 单位, b.region_code AS 地区代码, r.name AS 地区, b.evidence AS 依据,
       b.rule_plugin AS 规则插件, b.explanation_id AS 说明编号
FROM staffing_breach b
LEFT JOIN unit u ON u.code = b.unit_code
LEFT JOIN region r ON r.code = b.region_code
WHERE {_region_filter('b')}
ORDER BY b.severity DESC, b.rule_code, b.unit_code""", level="oversight"),
    CannedQuery(
        name="staffing_breach_summary", title="配备规则核查结果（汇总）",
        description="全省和各市州（填市州列出该市州及其各县）违反各配备规则的单位数；只计单位，"
                    "不列单位名称和职务，单位数少于公开门槛的不公开。参数：地区（名称或代码）",
        sql="""
SELECT b.region_level AS 层级, b.region_code AS 地区代码, b.region_name AS 地区,
       b.severity AS 性质, b.title AS 规则, b.units AS 单位数
FROM staffing_breach_summary b
WHERE (:region = '' AND b.region_level IN ('省', '市州')) OR b.region_code = :region
   OR (:region <> '' AND b.region_level = '县' AND substr(b.region_code, 1, 4) || '00' = :region)
ORDER BY length(rtrim(b.region_code, '0')), b.region_code, b.severity DESC, b.rule_code"""),
    CannedQuery(
        name="training_coverage", title="领导干部培训覆盖情况",
        description="按单位和年度：领导干部（班子成员、主要负责人）人数、当年参加培训人数、覆盖率、是否全覆盖、"
                    "学时。可按年度、地区筛选。",
        sql=f"""
SELECT t.year AS 年度, t.unit_code AS 单位代码, u.name AS 单位, t.region_code AS 地区代码,
       t.leaders AS 领导干部人数, t.trained AS 参训人数, t.coverage AS 覆盖率,
       t.full_coverage AS 全覆盖, t.hours_met AS 达到学时人数, t.hours AS 学时合计
FROM training_coverage t LEFT JOIN unit u ON u.code = t.unit_code
WHERE (:year = '' OR t.year = CAST(:year AS INTEGER)) AND {_region_filter('t')}
ORDER BY t.year, t.unit_code"""),
    CannedQuery(
        name="training_topics", title="培训情况（按八个本领与专题）",
        description="按地区、年度，各本领与专题的培训人次、人数与学时。可按年度、地区筛选。",
        sql="""
SELECT t.year AS 年度, t.region_level AS 层级, t.region_code AS 地区代码, t.region_name AS 地区,
       t.dimension AS 类别, t.item AS 项目, t.trainings AS 人次, t.cadres AS 人数,
       t.leaders AS 领导干部人数, t.hours AS 学时
FROM training_topics t
WHERE (:year = '' OR t.year = CAST(:year AS INTEGER)) AND (:region = '' OR t.region_code = :region)
ORDER BY t.year, t.region_code, t.dimension, t.item"""),
    CannedQuery(
        name="exchange_summary", title="挂职、交流、轮岗情况",
        description="按地区、年度（起始年份）和类型汇总挂职（按挂职类别）、交流（按交流类别）、轮岗。"
                    "可按年度、地区筛选。",
        sql="""
SELECT e.year AS 年度, e.region_level AS 层级, e.region_code AS 地区代码, e.region_name AS 地区,
       e.kind AS 类型, e.subkind AS 类别, e.postings AS 人次, e.cadres AS 人数
FROM exchange_summary e
WHERE (:year = '' OR e.year = CAST(:year AS INTEGER)) AND (:region = '' OR e.region_code = :region)
ORDER BY e.year, e.region_code, e.kind, e.subkind"""),
    CannedQuery(
        name="care_gaps", title="高海拔乡镇干部当年未体检名单", level="oversight",
        description="当年在高海拔乡镇岗位（海拔下限见说明）工作、当年没有体检记录的干部。可按年度、地区筛选。",
        sql="""
SELECT g.year AS 年度, g.cadre_id AS 干部编号, c.name AS 姓名, c.post AS 职务,
       g.township_code AS 乡镇代码, r.name AS 乡镇, g.altitude_m AS 海拔,
       g.last_health_check AS 上次体检, cadre_explain(e.json) AS 说明
FROM care_gap g
CROSS JOIN cadre c ON c.id = g.cadre_id
LEFT JOIN region r ON r.code = g.township_code
LEFT JOIN explanation e ON e.id = g.explanation_id
WHERE (:year = '' OR g.year = CAST(:year AS INTEGER))
  AND (:region = '' OR g.township_code = :region OR g.county_code = :region
       OR g.prefecture_code = :region)
ORDER BY g.year, g.township_code, g.cadre_id""",
        # Read in this order (the gaps the outer loop), a page explains only its own rows.
        indexes=("care_gap(year, township_code, cadre_id)",)),
    CannedQuery(
        name="care_summary", title="关心关爱记录汇总", level="oversight",
        description="按地区、年度和类别（休假、体检、心理健康、谈心谈话等）汇总关爱记录。可按年度、地区筛选。",
        sql="""
SELECT s.year AS 年度, s.region_level AS 层级, s.region_code AS 地区代码, s.region_name AS 地区,
       s.kind AS 类别, s.records AS 记录数, s.cadres AS 人数
FROM care_summary s
WHERE (:year = '' OR s.year = CAST(:year AS INTEGER)) AND (:region = '' OR s.region_code = :region)
ORDER BY s.year, s.region_code, s.kind"""),
    CannedQuery(
        name="commendations", title="表彰与典型", level="oversight",
        description="表彰、荣誉与典型记录。可按年度、类别（表彰/典型/荣誉）、地区（单位所在地区）筛选。",
        sql="""
SELECT m.date AS 日期, m.kind AS 类别, m.title AS 名称, m.level AS 级别, m.cadre_id AS 干部编号,
       c.name AS 姓名, c.post AS 职务, u.name AS 单位, u.region_code AS 地区代码
FROM commendation m
JOIN cadre c ON c.id = m.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code
WHERE (:year = '' OR substr(m.date, 1, 4) = :year) AND (:kind = '' OR m.kind = :kind)
  AND (:region = '' OR u.region_code = :region OR substr(u.region_code, 1, 6) = :region
       OR substr(u.region_code, 1, 4) || '00' = :region)
ORDER BY m.date, m.id"""),
    CannedQuery(
        name="candidate_pool", title="干部选拔候选人库", level="oversight",
        description="实绩突出、考核良好、无拟调整事项，且无政治、责任、作风方面负面标签的干部；“未核对”列出缺少数据"
                    "而未能核对的条件。可按 地区（名称或代码）和 实绩类别（如 脱贫攻坚）筛选。",
        sql=f"""
SELECT p.cadre_id AS 干部编号, c.name AS 姓名, c.post AS 职务, u.name AS 单位,
       p.region_code AS 地区代码, p.categories AS 实绩类别, p.achievements AS 实绩条数,
       p.grades AS 年度考核, p.unchecked AS 未核对, p.criteria AS 认定依据, p.as_of_year AS 截至年度
FROM candidate_pool p
JOIN cadre c ON c.id = p.cadre_id
LEFT JOIN unit u ON u.code = p.unit_code
WHERE p.eligible = 1 AND {_region_filter('p')}
  AND (:category = '' OR ',' || p.categories || ',' LIKE '%,' || :category || ',%')
ORDER BY p.prefecture_code, p.region_code, p.cadre_id"""),
)


@hookimpl
def register_queries(register: Any) -> None:
    """Canned queries on staffing breaches (public), training and exchanges (public), care,
    commendations and the candidate pool (oversight: they name cadres)."""
    for query in _QUERIES:
        register(query)
