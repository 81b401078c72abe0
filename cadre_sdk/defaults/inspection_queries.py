"""Daily inspection (日常考察) in the publication: observations counted by source, by problem
tag (问题标签) and by unit, and the observations themselves. They read observation rows joined
to cadres and units, so all are ``oversight`` (the public level gets no per-person rows).

``:year`` (empty: every year) and ``:region`` (a province, prefecture or county code, or a
name: the pages accept names) narrow each; ``:source``, ``:tag`` and ``:unit`` narrow the list.
"""
from __future__ import annotations

from cadre_sdk.records.vocab import OBSERVATION_TAG
from cadre_sdk.rules import CannedQuery
from cadre_sdk.defaults.assessment_queries import in_region

#: The observations in scope: year and region (of the cadre's unit).
_SCOPE = f"""
FROM observation o
JOIN cadre c ON c.id = o.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code
WHERE (:year = '' OR substr(o.date, 1, 4) = :year) AND {in_region('u.region_code')}"""

_POLARITY = """
  sum(o.polarity = '正面') AS "正面", sum(o.polarity = '中性') AS "中性",
  sum(o.polarity = '负面') AS "负面\""""

#: Each problem tag as a row (the tags of an observation are stored comma-separated), with
#: the text it is found by in an observation's ``,``-wrapped tags (``needle``).
_TAGS = "(SELECT column1 AS tag, ',' || column1 || ',' AS needle FROM (VALUES " + \
    ", ".join(f"('{t}')" for t in OBSERVATION_TAG.values()) + "))"

#: The observations with a problem tag (a small share): the tag count reads them alone, through
#: a partial index holding the columns it needs, each with its cadre and unit, and only then
#: tries each tag on it (``CROSS JOIN`` keeps that order, ``LIMIT -1`` keeps the subquery
#: whole so each observation's tags are normalized once: matching every tag against every
#: observation through every cadre took 1.4 s of CPU at 100,000 cadres).
_TAGGED = "tags != ''"

#: The observation list's rows, newest first: all of them (``{unit}`` ``:unit = ''``), or a
#: unit's, read through its cadres (``{cadres}`` ``cadre w CROSS JOIN``, ``{unit}`` the
#: unit and the join); the two branches are merged in order and only the one its
#: parameter asks for runs (``:unit = '' OR c.unit_code = :unit`` can use no index: a unit's
#: records were looked for among all 150,000 at 100,000 cadres, 0.12 s). The cadre's region
#: is read only when a region is asked for.
_RECORDS = f"""SELECT o.* FROM {{cadres}}observation o
      WHERE (:year = '' OR substr(o.date, 1, 4) = :year)
        AND {in_region("(SELECT r.region_code FROM cadre k JOIN unit r ON r.code = k.unit_code "
                       "WHERE k.id = o.cadre_id)")}
        AND (:source = '' OR o.source = :source)
        AND (:tag = '' OR instr(',' || replace(coalesce(o.tags, ''), '、', ',') || ',',
                                ',' || :tag || ',') > 0)
        AND {{unit}}"""

QUERIES = (
    CannedQuery(
        name="inspection_by_source", title="日常考察记录（按来源）", level="oversight",
        description="各考察方式（工作调研、平时考核、巡视巡察、审计、信访举报等）了解到的记录数、涉及干部数"
                    "及正面、中性、负面表现的条数。可按年度、地区筛选。",
        sql=f"""
SELECT o.source AS "来源", count(*) AS "记录数", count(DISTINCT o.cadre_id) AS "涉及干部数",
{_POLARITY}
{_SCOPE}
GROUP BY o.source ORDER BY count(*) DESC, o.source"""),
    CannedQuery(
        name="inspection_by_tag", title="日常考察问题标签统计", level="oversight",
        description="“两面人”“墙头草”“重显绩轻潜绩”等问题标签各被记录的次数、涉及干部数和单位数。"
                    "可按年度、地区筛选。",
        sql=f"""
SELECT t.tag AS "问题标签", count(*) AS "记录数", count(DISTINCT o.cadre_id) AS "涉及干部数",
  count(DISTINCT o.unit_code) AS "涉及单位数"
FROM (SELECT o.cadre_id, c.unit_code, ',' || replace(o.tags, '、', ',') || ',' AS tags
      FROM observation o
      CROSS JOIN cadre c ON c.id = o.cadre_id
      LEFT JOIN unit u ON u.code = c.unit_code
      WHERE o.{_TAGGED} AND (:year = '' OR substr(o.date, 1, 4) = :year)
        AND {in_region('u.region_code')}
      LIMIT -1) o
CROSS JOIN {_TAGS} t
WHERE instr(o.tags, t.needle) > 0
GROUP BY t.tag ORDER BY count(*) DESC, t.tag""",
        indexes=(f"observation(cadre_id, date, tags) WHERE {_TAGGED}",)),
    CannedQuery(
        name="inspection_by_unit", title="日常考察记录（按单位）", level="oversight",
        description="各单位干部的日常考察记录数、涉及干部数、正面/中性/负面条数和带问题标签的条数。"
                    "可按年度、地区筛选。",
        sql=f"""
SELECT c.unit_code AS "单位代码", u.name AS "单位", u.region_code AS "地区代码",
  count(*) AS "记录数", count(DISTINCT o.cadre_id) AS "涉及干部数",
{_POLARITY},
  sum(coalesce(o.tags, '') != '') AS "带问题标签"
{_SCOPE}
GROUP BY c.unit_code ORDER BY count(*) DESC, c.unit_code"""),
    CannedQuery(
        name="inspection_records", title="日常考察记录明细", level="oversight",
        description="每条日常考察记录：日期、干部、单位、来源、表现和问题标签。可按年度、地区、来源、"
                    "问题标签、单位筛选。",
        sql=f"""
SELECT o.date AS "日期", o.cadre_id AS "干部编号", c.name AS "姓名", u.name AS "单位",
  o.source AS "来源", o.polarity AS "表现", o.tags AS "问题标签", o.content AS "内容",
  o.id AS "记录编号"
FROM ({_RECORDS.format(unit=":unit = ''", cadres="")}
      UNION ALL
      {_RECORDS.format(unit="w.unit_code = :unit AND o.cadre_id = w.id",
                       cadres="cadre w CROSS JOIN ")}
      ORDER BY date DESC, id LIMIT -1) o
CROSS JOIN cadre c ON c.id = o.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code"""),
)
