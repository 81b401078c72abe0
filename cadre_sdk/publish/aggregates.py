"""Aggregates the publication builds from per-person results, so that the public level answers
the oversight questions without rows about people: grade distributions by region, unit kind
and year (``grade_distribution``) and overdue fault-tolerance cases by region and responsible
body (``overdue_summary``). Both levels get them; at public level ``suppress`` then hides the
cells resting on fewer people than the thresholds allow.

Regions roll up in three levels: 省 (the whole province), 市州 (a prefecture, counting its
own units and its counties') and 县 (a county).
"""
from __future__ import annotations

import sqlite3

from cadre_sdk.store.table_labels import describe
from cadre_sdk.publish.copy import index_filters
from cadre_sdk.publish.introspect import has, prefecture_sql

GRADES = "grade_distribution"
OVERDUE = "overdue_summary"
#: The value of ``unit_kind`` (``responsible_body``) on the rows adding up every unit kind
#: (every body).
ALL_KINDS = ALL_BODIES = "全部"

describe(GRADES, "年度考核等次分布（按地区、单位类别）",
         "由个人和班子的年度考核结果汇总：每年、每个地区（省、市州、县）、每类单位各等次的人数（班子为个数）"
         "和占比（名额限制之后）；人数少于公开门槛的显示“少于 N 人，不公开”，并对同组其他格作补充隐藏。",
         {"year": "年度", "region_level": "层级", "region_code": "地区代码", "region_name": "地区",
          "subject": "考核对象", "unit_kind": "单位类别", "grade": "等次", "cadres": "人数",
          "share": "占比", "quota_adjusted": "其中名额调整"},
         notes={"share": "本地区、本类单位、本考核对象中该等次所占比例",
                "unit_kind": "“全部”为各类单位合计"})
describe(OVERDUE, "超期未办的容错案件（汇总）",
         "截至统计日期，各地区（省、市州、县）和责任机关的在办容错纠错案件数、超过办理时限的件数和平均逾期"
         "工作日；件数少于公开门槛的显示“少于 N 人，不公开”。",
         {"region_level": "层级", "region_code": "地区代码", "region_name": "地区",
          "responsible_body": "责任机关", "cases": "案件数", "overdue": "超期件数",
          "mean_overdue_workdays": "平均逾期工作日", "as_of": "统计日期"},
         notes={"responsible_body": "“全部”为各责任机关合计"})

def grade_distribution(conn: sqlite3.Connection) -> str | None:
    """Build ``grade_distribution`` from the store's ``assessment_result``."""
    if not has(conn, "assessment_result", "grade", "unit_kind", schema="src"):
        return None
    conn.execute(f"""CREATE TABLE [{GRADES}] (year INTEGER NOT NULL, region_level TEXT NOT NULL,
  region_code TEXT NOT NULL, region_name TEXT, subject TEXT NOT NULL, unit_kind TEXT NOT NULL,
  grade TEXT NOT NULL, cadres INTEGER NOT NULL, share REAL, quota_adjusted INTEGER NOT NULL)""")
    conn.execute(f"""INSERT INTO [{GRADES}]
WITH base AS (
  -- counted per region code first (a few hundred codes), then rolled up to each level
  SELECT year, region_code AS code, subject, coalesce(unit_kind, '其他') AS unit_kind,
         coalesce(grade, '未评定') AS grade, count(*) AS n,
         sum(coalesce(quota_applied, 0)) AS quota
  FROM src.assessment_result WHERE region_code IS NOT NULL GROUP BY 1, 2, 3, 4, 5
), tagged AS (
  SELECT '省' AS region_level, '630000' AS region_code, b.* FROM base b
  UNION ALL SELECT '市州', {prefecture_sql("b.code")}, b.* FROM base b
            WHERE b.code NOT LIKE '63000%'
  UNION ALL SELECT '县', substr(b.code, 1, 6), b.* FROM base b WHERE substr(b.code, 5, 2) <> '00'
), kinds AS (
  SELECT year, region_level, region_code, subject, unit_kind, grade, sum(n) AS n,
         sum(quota) AS q FROM tagged GROUP BY 1, 2, 3, 4, 5, 6
  UNION ALL
  SELECT year, region_level, region_code, subject, '{ALL_KINDS}', grade, sum(n), sum(quota)
  FROM tagged GROUP BY 1, 2, 3, 4, 6
)
SELECT k.year, k.region_level, k.region_code, r.name, k.subject, k.unit_kind, k.grade, k.n,
       round(1.0 * k.n / sum(k.n) OVER (PARTITION BY k.year, k.region_code, k.subject,
                                                     k.unit_kind), 4),
       k.q
FROM kinds k LEFT JOIN main.region r ON r.code = k.region_code
ORDER BY k.year, length(rtrim(k.region_code, '0')), k.region_code, k.subject, k.unit_kind,
         CASE k.grade WHEN '优秀' THEN 1 WHEN '称职' THEN 2 WHEN '基本称职' THEN 3
                      WHEN '不称职' THEN 4 ELSE 5 END""")
    index_filters(conn, GRADES)
    return GRADES


def overdue_summary(conn: sqlite3.Connection) -> str | None:
    """Build ``overdue_summary`` from the store's ``case_state``."""
    if not has(conn, "case_state", "overdue_days", "accepting_body", schema="src"):
        return None
    conn.execute(f"""CREATE TABLE [{OVERDUE}] (region_level TEXT NOT NULL,
  region_code TEXT NOT NULL, region_name TEXT, responsible_body TEXT NOT NULL,
  cases INTEGER NOT NULL, overdue INTEGER NOT NULL, mean_overdue_workdays REAL, as_of TEXT)""")
    conn.execute(f"""INSERT INTO [{OVERDUE}]
WITH base AS (
  SELECT region_code AS code, accepting_body, overdue_days, overdue_workdays, as_of
  FROM src.case_state
), tagged AS (
  SELECT '省' AS region_level, '630000' AS region_code, b.* FROM base b
  UNION ALL SELECT '市州', {prefecture_sql("b.code")}, b.* FROM base b
            WHERE b.code NOT LIKE '63000%'
  UNION ALL SELECT '县', substr(b.code, 1, 6), b.* FROM base b
            WHERE substr(b.code, 5, 2) <> '00'
), bodies AS (
  SELECT region_level, region_code, accepting_body AS body, count(*) AS cases,
         sum(coalesce(overdue_days, 0) > 0) AS overdue,
         round(avg(CASE WHEN overdue_days > 0 THEN overdue_workdays END), 1) AS mean_days,
         max(as_of) AS as_of
  FROM tagged GROUP BY 1, 2, 3
  UNION ALL
  SELECT region_level, region_code, '{ALL_BODIES}', count(*), sum(coalesce(overdue_days, 0) > 0),
         round(avg(CASE WHEN overdue_days > 0 THEN overdue_workdays END), 1), max(as_of)
  FROM tagged GROUP BY 1, 2
)
SELECT b.region_level, b.region_code, r.name, b.body, b.cases, b.overdue, b.mean_days, b.as_of
FROM bodies b LEFT JOIN main.region r ON r.code = b.region_code
ORDER BY length(rtrim(b.region_code, '0')), b.region_code, b.body = '{ALL_BODIES}' DESC, b.body""")
    index_filters(conn, OVERDUE)
    return OVERDUE


def build(conn: sqlite3.Connection) -> list[str]:
    """Build every aggregate whose sources the store has; their names."""
    return [name for make in (grade_distribution, overdue_summary) if (name := make(conn))]
