"""Aggregates of cases, adjustments and staffing breaches, built at publish time so that the
public level answers the oversight questions about them without a row per case or per
adjustment (those rows are oversight-only: ``redact.AGGREGATE_ONLY``). Both levels get them;
at public level ``suppress`` hides the cells resting on fewer cases (adjustments, units) than
``min_count`` and their complements (``suppress.SPECS``).

Tables with a region carry one row per region level: 省 (the province), 市州 (a prefecture,
its own units and its counties') and 县 (a county), as ``aggregates.grade_distribution``.
"""
from __future__ import annotations

import sqlite3

from cadre_sdk.publish.copy import index_filters
from cadre_sdk.publish.introspect import has, prefecture_sql
from cadre_sdk.store.table_labels import describe

CASE_STAGES = "case_stage_summary"
CASE_DECISIONS = "case_decision_summary"
CASE_DIMENSIONS = "case_dimension_summary"
CASE_MISMATCHES = "case_mismatch_summary"
CASE_MONTHS = "case_month_summary"
ADJUSTMENTS = "adjustment_summary"
BREACHES = "staffing_breach_summary"
#: The value of a key column on the row adding up every other value of it.
ALL = "全部"
#: Every table this module builds.
TABLES = (CASE_STAGES, CASE_DECISIONS, CASE_DIMENSIONS, CASE_MISMATCHES, CASE_MONTHS,
          ADJUSTMENTS, BREACHES)

_REGION_LABELS = {"region_level": "层级", "region_code": "地区代码", "region_name": "地区"}
_SMALL = "件数少于公开门槛的显示“少于 N 人，不公开”，并对同组其他格作补充隐藏。"
describe(CASE_STAGES, "容错纠错案件办理阶段（汇总）",
         "各地区（省、市州、县）按办理阶段和状态统计的容错纠错案件数；" + _SMALL,
         {**_REGION_LABELS, "stage": "阶段", "state": "状态", "cases": "案件数"})
describe(CASE_DECISIONS, "容错认定结果（按地区汇总）",
         "各地区（省、市州、县）各认定结果的案件数，以及认定结论与规则测算结果不一致的件数；" + _SMALL,
         {**_REGION_LABELS, "decision": "认定结果", "cases": "案件数",
          "mismatches": "认定与规则测算不一致"})
describe(CASE_DIMENSIONS, "容错认定结果按研判维度（汇总）",
         "各研判维度的结论与认定结果对应的案件数；" + _SMALL,
         {"dimension": "研判维度", "finding": "研判结论", "decision": "认定结果", "cases": "案件数"})
describe(CASE_MISMATCHES, "认定与规则测算不一致（按认定机关汇总）",
         "各认定机关已认定的案件中，认定结论与规则测算结果不一致、一致和无法比对的件数；" + _SMALL,
         {"determined_by": "认定机关", "decided": "已认定案件数", "mismatches": "不一致",
          "consistent": "一致", "uncomparable": "无法比对"},
         notes={"determined_by": "“全部”为各认定机关合计"})
describe(CASE_MONTHS, "容错纠错申请（按月汇总）", "全省每月提出的容错纠错申请件数；" + _SMALL,
         {"month": "月份", "applications": "申请数"})
describe(ADJUSTMENTS, "能上能下调整（汇总）",
         "每半年、各地区（省、市州、县）按情形和调整方式统计的干部调整人数；" + _SMALL,
         {**_REGION_LABELS, "half": "半年度", "year": "年度", "situation": "情形代码",
          "situation_title": "情形", "action": "调整方式", "adjustments": "人数"})
describe(BREACHES, "配备规则核查结果（汇总）",
         "各地区（省、市州、县）违反各配备规则的单位数；只计单位，不列单位名称和职务；" + _SMALL,
         {**_REGION_LABELS, "rule_code": "规则代码", "title": "规则", "severity": "性质",
          "units": "单位数"})


def _by_region(base: str, keys: str, counts: str) -> str:
    """``SELECT region_level, region_code, region_name, <keys>, <counts>`` from ``base`` (rows
    with a ``code`` column holding the region code) with one group per region level, ordered
    province, prefectures, counties. ``counts`` are aggregate expressions over ``base``."""
    return f"""
WITH base AS ({base}), tagged AS (
  SELECT '省' AS region_level, '630000' AS region_code, b.* FROM base b
  UNION ALL SELECT '市州', {prefecture_sql("b.code")}, b.* FROM base b
            WHERE b.code NOT LIKE '63000%'
  UNION ALL SELECT '县', substr(b.code, 1, 6), b.* FROM base b WHERE substr(b.code, 5, 2) <> '00'
)
SELECT t.region_level, t.region_code, r.name, {keys}, {counts}
FROM tagged t LEFT JOIN main.region r ON r.code = t.region_code
GROUP BY t.region_level, t.region_code, {keys}
ORDER BY length(rtrim(t.region_code, '0')), t.region_code, {keys}"""


def _create(conn: sqlite3.Connection, table: str, ddl: str, select: str) -> str:
    """Create ``table`` with columns ``ddl``, fill it from ``select`` and index its filters."""
    conn.execute(f"CREATE TABLE [{table}] ({ddl})")
    conn.execute(f"INSERT INTO [{table}] {select}")
    index_filters(conn, table)
    return table


_REGION_DDL = "region_level TEXT NOT NULL, region_code TEXT NOT NULL, region_name TEXT"


def case_stages(conn: sqlite3.Connection) -> str | None:
    """Cases by region, stage and state (``case_state``)."""
    if not has(conn, "case_state", "stage", "state", "region_code", schema="src"):
        return None
    return _create(conn, CASE_STAGES, f"{_REGION_DDL}, stage TEXT NOT NULL, state TEXT NOT NULL, "
                   "cases INTEGER NOT NULL",
                   _by_region("SELECT region_code AS code, stage, state FROM src.case_state",
                              "t.stage, t.state", "count(*)"))


def case_decisions(conn: sqlite3.Connection) -> str | None:
    """Cases by region and decision, with the determinations differing from the rule's check
    (``case_decision``)."""
    if not has(conn, "case_decision", "decision", "consistent", "region_code", schema="src"):
        return None
    return _create(conn, CASE_DECISIONS, f"{_REGION_DDL}, decision TEXT NOT NULL, "
                   "cases INTEGER NOT NULL, mismatches INTEGER NOT NULL",
                   _by_region("SELECT region_code AS code, coalesce(decision, '尚无认定结论') "
                              "AS decision, consistent FROM src.case_decision",
                              "t.decision", "count(*), sum(coalesce(t.consistent = 0, 0))"))


def case_dimensions(conn: sqlite3.Connection) -> str | None:
    """Cases by judgement dimension, finding and decision (the store's ``decision_dimension``,
    itself a count over cases)."""
    if not has(conn, "decision_dimension", "dimension", "finding", "decision", "cases",
               schema="src"):
        return None
    return _create(conn, CASE_DIMENSIONS, "dimension TEXT NOT NULL, finding TEXT NOT NULL, "
                   "decision TEXT NOT NULL, cases INTEGER NOT NULL",
                   "SELECT dimension, finding, decision, cases FROM src.decision_dimension "
                   "ORDER BY dimension, finding, decision")


def case_mismatches(conn: sqlite3.Connection) -> str | None:
    """Decided cases per determining body (and ``全部``): differing from the rule's check,
    agreeing, and not comparable."""
    if not has(conn, "case_decision", "determined_by", "consistent", "decision", schema="src"):
        return None
    counts = ("count(*), sum(coalesce(consistent = 0, 0)), sum(coalesce(consistent = 1, 0)), "
              "sum(consistent IS NULL)")
    return _create(conn, CASE_MISMATCHES, "determined_by TEXT NOT NULL, decided INTEGER NOT NULL, "
                   "mismatches INTEGER NOT NULL, consistent INTEGER NOT NULL, "
                   "uncomparable INTEGER NOT NULL",
                   f"""SELECT * FROM (
  SELECT coalesce(determined_by, '未记录') AS body, {counts} FROM src.case_decision
  WHERE decision IS NOT NULL GROUP BY 1
  UNION ALL
  SELECT '{ALL}', {counts} FROM src.case_decision WHERE decision IS NOT NULL HAVING count(*) > 0)
ORDER BY body = '{ALL}' DESC, body""")


#: An application's date as corrected: the latest correction (更正) of its date, else as recorded
#: (an application stays one: no correction can make it another event, nor another event one).
_APPLIED_ON = """coalesce((SELECT c.corrected_date FROM src.case_event c
  WHERE c.case_id = e.case_id AND c.event = '更正' AND c.corrects = e.seq
  AND c.corrected_date IS NOT NULL ORDER BY c.seq DESC LIMIT 1), e.date)"""


def case_months(conn: sqlite3.Connection) -> str | None:
    """Applications per month, province-wide (``case_event``), on their corrected dates."""
    if not has(conn, "case_event", "event", "date", schema="src"):
        return None
    day = _APPLIED_ON if has(conn, "case_event", "corrects", "corrected_date", schema="src") \
        else "e.date"
    return _create(conn, CASE_MONTHS, "month TEXT NOT NULL, applications INTEGER NOT NULL",
                   f"SELECT substr({day}, 1, 7), count(*) FROM src.case_event e "
                   "WHERE e.event = '申请' GROUP BY 1 ORDER BY 1")


def adjustments(conn: sqlite3.Connection) -> str | None:
    """Adjustments by half-year, region, situation and action (``adjustment_status``)."""
    if not has(conn, "adjustment_status", "half", "situation", "action", "region_code",
               schema="src"):
        return None
    return _create(conn, ADJUSTMENTS, f"{_REGION_DDL}, half TEXT NOT NULL, year INTEGER, "
                   "situation TEXT NOT NULL, situation_title TEXT, action TEXT NOT NULL, "
                   "adjustments INTEGER NOT NULL",
                   _by_region("SELECT region_code AS code, half, situation, situation_title, "
                              "action FROM src.adjustment_status",
                              "t.half, CAST(substr(t.half, 1, 4) AS INTEGER), t.situation, "
                              "t.situation_title, t.action", "count(*)"))


def breaches(conn: sqlite3.Connection) -> str | None:
    """Units in breach of each staffing rule, by region (``staffing_breach``)."""
    if not has(conn, "staffing_breach", "rule_code", "region_code", schema="src"):
        return None
    return _create(conn, BREACHES, f"{_REGION_DDL}, rule_code TEXT NOT NULL, title TEXT, "
                   "severity TEXT, units INTEGER NOT NULL",
                   _by_region("SELECT region_code AS code, rule_code, title, severity "
                              "FROM src.staffing_breach WHERE region_code IS NOT NULL",
                              "t.rule_code, t.title, t.severity", "count(*)"))


def build(conn: sqlite3.Connection) -> list[str]:
    """Build every aggregate whose sources the store has; their names."""
    makers = (case_stages, case_decisions, case_dimensions, case_mismatches, case_months,
              adjustments, breaches)
    return [name for make in makers if (name := make(conn))]
