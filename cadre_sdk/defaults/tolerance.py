"""Provincial default plugin: fault tolerance (容错纠错) for the whole province.

- Dimensions: the 7 judgements (7个研判) of the Guiding Opinions: 节点、方向、程序、目的、原因、
  结果、处置.
- Red lines: violations of discipline and law are never tolerated (seed document: "触碰纪律和法律
  红线的决不能容"); the catalogue with codes, sources and statuses is ``red_lines.py``.
- Time limits (working days, on the official calendar) and accepting bodies by cadre level:
  the SDK's own choice (the Opinions require them but publish no figures), in
  ``parameters/tolerance.yaml`` marked ``example: true``; appeals borrow the 2009
  accountability rules' 15 and 30 days.
- The decision rule ``decide`` is the SDK's own reading of the "three distinctions"
  (三个区分开来), documented on the function; a local variant may replace it.
"""
from __future__ import annotations

from typing import Any

from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.parameters import load_parameters
from cadre_sdk.records import vocab
from cadre_sdk.formulas.tolerance import TIME_LIMITS, accepting_body, decide
from cadre_sdk.rules import CannedQuery, ToleranceVariant
from cadre_sdk.defaults import PARAMETERS
from cadre_sdk.defaults.red_lines import red_lines

PARAMS = load_parameters(PARAMETERS / "tolerance.yaml")

#: The provincial red lines (catalogue entries with code, source and status).
RED_LINE_ENTRIES = tuple(red_lines())
RED_LINES = tuple(r.text for r in RED_LINE_ENTRIES)

VARIANT = ToleranceVariant(
    parameters=PARAMS,
    dimensions=vocab.DIMENSIONS,
    red_lines=RED_LINES,
    time_limits=TIME_LIMITS,
    accepting_body=accepting_body,
    decide=decide,
    name="青海省容错纠错默认规则（cadre-sdk）",
)


@hookimpl
def register_tolerance_variants(register: Any) -> None:
    """Register the provincial default variant (all case kinds) and the provincial red lines."""
    register(VARIANT)
    for entry in RED_LINE_ENTRIES:
        register(entry)


_STAGE_SQL = """
SELECT s.stage AS 阶段, s.state AS 状态, s.prefecture_code AS 市州代码, p.name AS 市州,
       count(*) AS 案件数
FROM case_state s LEFT JOIN region p ON p.code = s.prefecture_code
GROUP BY s.stage, s.state, s.prefecture_code
ORDER BY s.stage, s.state, s.prefecture_code
"""

_OVERDUE_SQL = """
SELECT s.case_id AS 案件编号, r.name AS 管辖地区, s.state AS 状态, s.next_step AS 待办环节,
       s.time_limit AS 时限, s.next_deadline AS 截止日期, s.overdue_days AS 逾期天数,
       s.overdue_workdays AS 逾期工作日, s.accepting_body AS 责任机关, s.as_of AS 统计日期,
       s.provisional AS 暂定
FROM case_state s LEFT JOIN region r ON r.code = s.region_code
WHERE s.overdue_days > 0
ORDER BY s.overdue_days DESC, s.case_id
"""

_OVERDUE_SUMMARY_SQL = """
SELECT o.region_level AS 层级, o.region_code AS 地区代码, o.region_name AS 地区,
       o.responsible_body AS 责任机关, o.cases AS 案件数, o.overdue AS 超期件数,
       o.mean_overdue_workdays AS 平均逾期工作日, o.as_of AS 统计日期
FROM overdue_summary o
WHERE (:region = '' AND o.region_level IN ('省', '市州')) OR o.region_code = :region
   OR (:region <> '' AND o.region_level = '县' AND substr(o.region_code, 1, 4) || '00' = :region)
ORDER BY length(rtrim(o.region_code, '0')), o.region_code, o.responsible_body <> '全部',
         o.responsible_body
"""

_BY_DIMENSION_SQL = """
SELECT dimension AS 研判维度, finding AS 研判结论, decision AS 认定结果, cases AS 案件数
FROM decision_dimension
ORDER BY dimension, finding, decision
"""

_BY_PREFECTURE_SQL = """
SELECT d.prefecture_code AS 市州代码, p.name AS 市州, coalesce(d.decision, '尚无认定结论') AS 认定结果,
       count(*) AS 案件数, sum(d.consistent = 0) AS 认定与规则测算不一致
FROM case_decision d LEFT JOIN region p ON p.code = d.prefecture_code
GROUP BY d.prefecture_code, d.decision
ORDER BY d.prefecture_code, d.decision
"""

_MISMATCH_SQL = """
SELECT d.case_id AS 案件编号, r.name AS 管辖地区, d.determined_by AS 认定机关,
       d.determined_on AS 认定日期, d.document_no AS 文号, d.decision AS 认定结果,
       d.original_document_no AS 原文号, d.decision_correction AS 更正情况,
       d.rule_decision AS 规则测算结果, d.red_line AS 触碰红线, d.dimensions AS 研判意见,
       d.explanation_id AS 认定说明, d.check_explanation_id AS 测算说明
FROM case_decision d LEFT JOIN region r ON r.code = d.region_code
WHERE d.consistent = 0
ORDER BY d.determined_by, d.determined_on, d.case_id
"""


def correction_note(event: str) -> str:
    """SQL of a case event's 更正情况, for the ``case_event`` row aliased ``event``: a correction
    (更正) says which event it corrects and what it changed (更正序号 2 的事件：日期改为
    2024-02-02；承办机关改为“…”), a corrected event which corrections corrected it (已被更正，
    见序号 3、4); NULL for any other event. The oversight query ``case_events`` and the cadre
    profile (``publish.timeline``) say it alike."""
    return f"""CASE WHEN {event}.event = '更正' THEN
         '更正序号 ' || {event}.corrects || ' 的事件：' || substr(
           coalesce('；事件改为“' || {event}.corrected_event || '”', '') ||
           coalesce('；日期改为 ' || {event}.corrected_date, '') ||
           coalesce('；承办机关改为“' || {event}.corrected_body || '”', '') ||
           coalesce('；认定结论改为“' || {event}.corrected_decision || '”', '') ||
           coalesce('；触碰红线改为“' || {event}.corrected_red_line || '”', '') ||
           coalesce('；文号改为 ' || {event}.corrected_document_no, ''), 2)
       ELSE (SELECT '已被更正，见序号 ' || group_concat(corr.seq, '、') FROM case_event corr
             WHERE corr.case_id = {event}.case_id AND corr.event = '更正'
               AND corr.corrects = {event}.seq)
       END"""


#: One case's events in seq order, each corrected event marked with the corrections of it and
#: each correction (更正) with what it changed (the oversight view of a case's record).
_CASE_EVENTS_SQL = f"""
SELECT e.seq AS 序号, e.event AS 事件, e.date AS 日期, e.body AS 承办机关, e.decision AS 认定结论,
       e.document_no AS 文号,
       {correction_note("e")} AS 更正情况,
       e.note AS 备注
FROM case_event e
WHERE e.case_id = :case_id
ORDER BY e.seq
"""

_MISMATCH_BY_BODY_SQL = """
SELECT d.determined_by AS 认定机关, count(*) AS 已认定案件数,
       sum(d.consistent = 0) AS 认定与规则测算不一致, sum(d.consistent = 1) AS 一致,
       sum(d.consistent IS NULL) AS 无法比对
FROM case_decision d
WHERE d.decision IS NOT NULL
GROUP BY d.determined_by
ORDER BY sum(d.consistent = 0) DESC, d.determined_by
"""


# The public level's versions read the aggregates the publication builds
# (``publish.event_aggregates``), where counts below the public threshold are hidden; the
# queries above read rows per case and are oversight-only.
_STAGE_SUMMARY_SQL = """
SELECT s.region_level AS 层级, s.region_code AS 地区代码, s.region_name AS 地区, s.stage AS 阶段,
       s.state AS 状态, s.cases AS 案件数
FROM case_stage_summary s
WHERE (:region = '' AND s.region_level IN ('省', '市州')) OR s.region_code = :region
   OR (:region <> '' AND s.region_level = '县' AND substr(s.region_code, 1, 4) || '00' = :region)
ORDER BY length(rtrim(s.region_code, '0')), s.region_code, s.stage, s.state
"""

_BY_DIMENSION_SUMMARY_SQL = """
SELECT dimension AS 研判维度, finding AS 研判结论, decision AS 认定结果, cases AS 案件数
FROM case_dimension_summary
ORDER BY dimension, finding, decision
"""

_BY_REGION_SUMMARY_SQL = """
SELECT d.region_level AS 层级, d.region_code AS 地区代码, d.region_name AS 地区,
       d.decision AS 认定结果, d.cases AS 案件数, d.mismatches AS 认定与规则测算不一致
FROM case_decision_summary d
WHERE (:region = '' AND d.region_level IN ('省', '市州')) OR d.region_code = :region
   OR (:region <> '' AND d.region_level = '县' AND substr(d.region_code, 1, 4) || '00' = :region)
ORDER BY length(rtrim(d.region_code, '0')), d.region_code, d.decision
"""

_MISMATCH_BY_BODY_SUMMARY_SQL = """
SELECT m.determined_by AS 认定机关, m.decided AS 已认定案件数, m.mismatches AS 认定与规则测算不一致,
       m.consistent AS 一致, m.uncomparable AS 无法比对
FROM case_mismatch_summary m
ORDER BY m.determined_by <> '全部', m.determined_by
"""

_SMALL = "件数少于公开门槛的不公开"
_REGION_PARAM = "参数：地区（名称或代码；留空为全省和各市州；填市州列出该市州及其各县）"


@hookimpl
def register_queries(register: Any) -> None:
    """Views of cases: by stage, overdue, decisions by dimension and by prefecture, and the
    determinations that differ from the rule's check (listed, and counted per body), over rows
    per case (oversight level); the public level's versions (``*_summary``) read the
    publication's aggregates, small counts hidden."""
    register(CannedQuery("cases_by_stage", "容错案件办理阶段统计", _STAGE_SQL,
                         "按阶段、状态和市州统计容错纠错案件数", level="oversight"))
    register(CannedQuery("overdue_cases", "超期未办的容错案件", _OVERDUE_SQL,
                         "截至统计日期超过办理时限的案件、逾期天数和责任机关。“暂定”栏非空的，"
                         "所需年份的节假日安排尚未录入，截止日期和逾期工作日暂按双休日计算，"
                         "录入该年安排后重新测算即为正式结果", level="oversight"))
    register(CannedQuery("overdue_cases_summary", "超期未办的容错案件（汇总）",
                         _OVERDUE_SUMMARY_SQL,
                         "截至统计日期，各地区和责任机关的在办案件数、超过办理时限的件数和平均逾期工作日；"
                         f"件数少于公开门槛的不公开。{_REGION_PARAM}"))
    register(CannedQuery("decisions_by_dimension", "容错认定结果按研判维度统计", _BY_DIMENSION_SQL,
                         "各研判维度的结论与认定结果的对应", level="oversight"))
    register(CannedQuery("decisions_by_prefecture", "容错认定结果按市州统计", _BY_PREFECTURE_SQL,
                         "各市州容错、部分容错、不予容错的案件数（认定结果以受理主体的认定结论为准），"
                         "以及认定结论与规则测算结果不一致的案件数", level="oversight"))
    register(CannedQuery("determination_mismatches", "认定与规则测算不一致的案件", _MISMATCH_SQL,
                         "受理主体的认定结论（认定结果）与 cadre-sdk 按规则测算的结果不一致的案件，"
                         "供监督复核；认定结果不因测算而改变", level="oversight"))
    register(CannedQuery("determination_mismatches_by_body", "认定与规则测算不一致按认定机关统计",
                         _MISMATCH_BY_BODY_SQL,
                         "各认定机关已认定的案件中，认定结论与规则测算结果不一致、一致和无法比对的件数",
                         level="oversight"))
    register(CannedQuery("case_events", "容错案件事件及更正", _CASE_EVENTS_SQL,
                         "一个案件的全部办理事件（按序号）：登记有误、已被更正的事件标明更正它的事件序号，"
                         "“更正”事件列出改正的内容，理由见备注；原记录保留，状态和时限按更正后的记录测算。"
                         "请填写案件编号", level="oversight"))
    register(CannedQuery("cases_by_stage_summary", "容错案件办理阶段统计（汇总）", _STAGE_SUMMARY_SQL,
                         f"按地区、阶段和状态统计容错纠错案件数；{_SMALL}。{_REGION_PARAM}"))
    register(CannedQuery("decisions_by_dimension_summary", "容错认定结果按研判维度统计（汇总）",
                         _BY_DIMENSION_SUMMARY_SQL,
                         f"各研判维度的结论与认定结果对应的案件数；{_SMALL}"))
    register(CannedQuery("decisions_by_region_summary", "容错认定结果按地区统计（汇总）",
                         _BY_REGION_SUMMARY_SQL,
                         "各地区容错、部分容错、不予容错的案件数（认定结果以受理主体的认定结论为准），"
                         f"以及认定结论与规则测算结果不一致的件数；{_SMALL}。{_REGION_PARAM}"))
    register(CannedQuery("determination_mismatches_by_body_summary",
                         "认定与规则测算不一致按认定机关统计（汇总）", _MISMATCH_BY_BODY_SUMMARY_SQL,
                         "各认定机关（“全部”为合计）已认定的案件中，认定结论与规则测算结果不一致、一致和"
                         f"无法比对的件数；{_SMALL}"))
