"""Daily inspection (日常考察) in the publication: observations counted by source, by problem
tag (问题标签) and by unit, and the observations themselves. They read observation rows joined
to cadres and units, so all are ``oversight`` (the public level gets no per-person rows).

``:year`` (empty: every year) and ``:region`` (a province, prefecture or county code, or a
name: the pages accept names) narrow each; ``:source``, ``:tag`` and ``:unit`` narrow the list.

The three counts read summaries built when publishing (``SUMMARIES``, built by
``publish.materialize`` at oversight level only), not the observations: adding up every
observation through its cadre and unit took 0.1-0.26 s of CPU a request at 100,000 cadres.
"""
from __future__ import annotations

from cadre_sdk.records.vocab import OBSERVATION_TAG
from cadre_sdk.rules import CannedQuery
from cadre_sdk.defaults.assessment_queries import in_region

_POLARITY = """
  sum(polarity = '正面') AS positive, sum(polarity = '中性') AS neutral,
  sum(polarity = '负面') AS negative"""

#: Each problem tag as a row (the tags of an observation are stored comma-separated), with
#: the text it is found by in an observation's ``,``-wrapped tags (``needle``).
_TAGS = "(SELECT column1 AS tag, ',' || column1 || ',' AS needle FROM (VALUES " + \
    ", ".join(f"('{t}')" for t in OBSERVATION_TAG.values()) + "))"

#: Every observation with its cadre's unit, the county the unit lies in (``in_region`` compares
#: at most the first six characters of a region code) and its year.
_OBSERVED = """(SELECT o.cadre_id, c.unit_code, o.source, o.polarity, o.tags,
    substr(o.date, 1, 4) AS year, substr(u.region_code, 1, 6) AS county
  FROM observation o
  JOIN cadre c ON c.id = o.cadre_id
  LEFT JOIN unit u ON u.code = c.unit_code)"""

#: An observation once for each problem tag it carries.
_TAGGED = f"""(SELECT o.*, t.tag FROM {_OBSERVED} o
  CROSS JOIN {_TAGS} t
  WHERE o.tags != '' AND instr(',' || replace(o.tags, '、', ',') || ',', t.needle) > 0)"""


def _yearly(keys: str, measures: str, rows: str = _OBSERVED) -> str:
    """SQL: ``measures`` of ``rows`` by ``keys`` for each year (``all_years`` 0) and for every
    year together (``all_years`` 1, ``year`` NULL). Counts of distinct cadres and units add up
    across counties and units (a cadre has one unit, a unit one region), not across years."""
    return (f"SELECT 0, year, {keys}, {measures}\nFROM {rows}\n"
            f"WHERE year IS NOT NULL GROUP BY year, {keys}\n"
            f"UNION ALL\nSELECT 1, NULL, {keys}, {measures}\nFROM {rows}\nGROUP BY {keys}")


#: The summaries the counts read: table name -> (column definitions, the SELECT filling it).
#: ``year`` has no type, so that it compares with ``:year`` as ``substr(o.date, 1, 4)`` does.
SUMMARIES = {
    "observation_by_source": (
        "all_years INTEGER NOT NULL, year, county TEXT, source TEXT, records INTEGER NOT NULL, "
        "cadres INTEGER NOT NULL, positive INTEGER, neutral INTEGER, negative INTEGER",
        _yearly("county, source", f"count(*), count(DISTINCT cadre_id), {_POLARITY}")),
    "observation_by_unit": (
        "all_years INTEGER NOT NULL, year, unit_code TEXT, county TEXT, "
        "records INTEGER NOT NULL, cadres INTEGER NOT NULL, positive INTEGER, "
        "neutral INTEGER, negative INTEGER, tagged INTEGER NOT NULL",
        _yearly("unit_code, county", f"count(*), count(DISTINCT cadre_id), {_POLARITY}, "
                                     "sum(coalesce(tags, '') != '')")),
    "observation_by_tag": (
        "all_years INTEGER NOT NULL, year, county TEXT, tag TEXT NOT NULL, "
        "records INTEGER NOT NULL, cadres INTEGER NOT NULL, units INTEGER NOT NULL",
        _yearly("county, tag", "count(*), count(DISTINCT cadre_id), count(DISTINCT unit_code)",
                _TAGGED)),
}

#: The summary rows in scope: year (empty: the every-year rows) and region.
_SCOPE = f"""
WHERE (CASE WHEN :year = '' THEN s.all_years ELSE NOT s.all_years AND s.year = :year END)
  AND {in_region('s.county')}"""

_SUMS = """
  sum(s.records) AS "记录数", sum(s.cadres) AS "涉及干部数\""""

_POLARITY_SUMS = """
  sum(s.positive) AS "正面", sum(s.neutral) AS "中性", sum(s.negative) AS "负面\""""

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
SELECT s.source AS "来源",{_SUMS},{_POLARITY_SUMS}
FROM observation_by_source s{_SCOPE}
GROUP BY s.source ORDER BY sum(s.records) DESC, s.source"""),
    CannedQuery(
        name="inspection_by_tag", title="日常考察问题标签统计", level="oversight",
        description="“两面人”“墙头草”“重显绩轻潜绩”等问题标签各被记录的次数、涉及干部数和单位数。"
                    "可按年度、地区筛选。",
        sql=f"""
SELECT s.tag AS "问题标签",{_SUMS}, sum(s.units) AS "涉及单位数"
FROM observation_by_tag s{_SCOPE}
GROUP BY s.tag ORDER BY sum(s.records) DESC, s.tag"""),
    CannedQuery(
        name="inspection_by_unit", title="日常考察记录（按单位）", level="oversight",
        description="各单位干部的日常考察记录数、涉及干部数、正面/中性/负面条数和带问题标签的条数。"
                    "可按年度、地区筛选。",
        sql=f"""
SELECT s.unit_code AS "单位代码", u.name AS "单位", u.region_code AS "地区代码",{_SUMS},{_POLARITY_SUMS},
  sum(s.tagged) AS "带问题标签"
FROM observation_by_unit s
LEFT JOIN unit u ON u.code = s.unit_code{_SCOPE}
GROUP BY s.unit_code ORDER BY sum(s.records) DESC, s.unit_code"""),
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
