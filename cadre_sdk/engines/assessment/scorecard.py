"""Annual scorecards (年度考核成绩单, table ``scorecard``) per unit and per region and year.

- Counts, grade distribution and mean score are of the individuals (个人) assessed.
- ``team_score``/``team_grade``: a unit's leadership-team (班子) result; a region's is that of
  its locality (地方) units' teams whose region is exactly that region (the mean if several).
- ``rank_in_class`` ranks by ``team_score`` (descending; equal scores share a rank) within the
  class and year: units by kind and level (e.g. ``部门·县``), regions by level (市州, 县).
  Without a team score there is no rank.
- Quota compliance: 优秀 count ≤ the 优秀 places allowed (a region: the sum of its units').
- Change from the previous year: the same unit or region's row of year − 1.
Regions: a county aggregates the units of its code and its townships; a prefecture those of
its four-digit prefix; the province all units.
"""
from __future__ import annotations

from itertools import islice

import sqlite_utils

from cadre_sdk.core.trace import Trace
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.engines.batch_writer import BATCH

KIND = "scorecard"

_COUNTS = """
  sum(r.subject = '个人' AND r.grade IS NOT NULL) AS assessed,
  sum(r.subject = '个人' AND r.grade = '优秀') AS excellent,
  sum(r.subject = '个人' AND r.grade = '称职') AS competent,
  sum(r.subject = '个人' AND r.grade = '基本称职') AS basic,
  sum(r.subject = '个人' AND r.grade = '不称职') AS incompetent,
  sum(r.subject = '个人' AND r.grade IS NULL) AS ungraded,
  round(avg(CASE WHEN r.subject = '个人' THEN r.score END), 2) AS mean_score,
  sum(r.subject = '个人' AND r.raw_grade = '优秀') AS candidates,
  sum(r.subject = '个人' AND r.quota_applied = 1) AS demoted"""

_COLUMNS = ("scope, code, year, name, class, region_code, assessed, excellent, competent, "
            "basic, incompetent, ungraded, mean_score, excellent_candidates, quota_demoted, "
            "team_score, team_grade, excellent_allowed, targets_share, explanation_id")

_UNITS = f"""
INSERT INTO scorecard ({_COLUMNS})
SELECT '单位', r.unit_code, r.year, u.name, u.kind || '·' || u.level, u.region_code,
  {_COUNTS},
  max(CASE WHEN r.subject = '班子' THEN r.score END),
  max(CASE WHEN r.subject = '班子' THEN r.grade END),
  max(CASE WHEN r.subject = '个人' THEN r.quota_allowed END),
  t.share,
  'scorecard:unit:' || r.unit_code || ':' || r.year
FROM assessment_result r JOIN unit u ON u.code = r.unit_code
LEFT JOIN target_summary t ON t.unit_code = r.unit_code AND t.year = r.year
GROUP BY r.unit_code, r.year ORDER BY r.unit_code, r.year
"""

_UNIT_REGIONS = """
CREATE TEMP TABLE _unit_region AS
SELECT code AS unit_code, substr(region_code, 1, 6) AS region FROM unit
  WHERE substr(region_code, 5, 2) != '00'
UNION ALL SELECT code, substr(region_code, 1, 4) || '00' FROM unit
  WHERE substr(region_code, 3, 2) != '00'
UNION ALL SELECT code, substr(region_code, 1, 2) || '0000' FROM unit
"""

_LOCALITY_TEAM = ("r.subject = '班子' AND r.unit_kind = '地方' AND r.region_code = m.region")

_REGIONS = f"""
INSERT INTO scorecard ({_COLUMNS})
SELECT '地区', m.region, r.year, g.name, coalesce(g.level, ''), g.parent_code,
  {_COUNTS},
  round(avg(CASE WHEN {_LOCALITY_TEAM} THEN r.score END), 2),
  CASE WHEN count(CASE WHEN {_LOCALITY_TEAM} THEN 1 END) = 1
       THEN max(CASE WHEN {_LOCALITY_TEAM} THEN r.grade END) END,
  (SELECT sum(s.excellent_allowed) FROM scorecard s JOIN temp._unit_region k
     ON k.unit_code = s.code WHERE s.scope = '单位' AND s.year = r.year AND k.region = m.region),
  (SELECT round(sum(t.on_schedule) * 1.0 / sum(t.targets), 4) FROM target_summary t
     JOIN temp._unit_region k ON k.unit_code = t.unit_code
     WHERE t.year = r.year AND k.region = m.region),
  'scorecard:region:' || m.region || ':' || r.year
FROM assessment_result r JOIN temp._unit_region m ON m.unit_code = r.unit_code
LEFT JOIN region g ON g.code = m.region
GROUP BY m.region, r.year ORDER BY m.region, r.year
"""

_DERIVED = """
UPDATE scorecard SET
  excellent_share = CASE WHEN assessed > 0 THEN round(excellent * 1.0 / assessed, 4) END,
  quota_compliant = (excellent <= coalesce(excellent_allowed, excellent))
"""

_RANKS = """
UPDATE scorecard SET rank_in_class = w.rnk, class_size = w.size
FROM (SELECT scope, code, year,
        RANK() OVER (PARTITION BY scope, class, year ORDER BY team_score DESC) AS rnk,
        count(*) OVER (PARTITION BY scope, class, year) AS size
      FROM scorecard WHERE team_score IS NOT NULL) AS w
WHERE w.scope = scorecard.scope AND w.code = scorecard.code AND w.year = scorecard.year
"""

_CHANGES = """
UPDATE scorecard SET prev_team_score = p.team_score, prev_rank = p.rank_in_class,
  team_score_change = round(scorecard.team_score - p.team_score, 2),
  mean_score_change = round(scorecard.mean_score - p.mean_score, 2),
  excellent_share_change = round(scorecard.excellent_share - p.excellent_share, 4)
FROM scorecard AS p
WHERE p.scope = scorecard.scope AND p.code = scorecard.code AND p.year = scorecard.year - 1
"""

_EXPLAIN_COLUMNS = ("scope", "code", "year", "name", "class", "assessed", "excellent",
                    "competent", "basic", "incompetent", "ungraded", "mean_score",
                    "excellent_share", "team_score", "team_grade", "rank_in_class",
                    "class_size", "excellent_candidates", "excellent_allowed", "quota_demoted",
                    "quota_compliant", "targets_share", "prev_team_score", "team_score_change",
                    "mean_score_change", "excellent_share_change", "prev_rank",
                    "explanation_id")


def build_scorecards(db: sqlite_utils.Database) -> int:
    """Fill ``scorecard`` from the results and store each row's explanation; return how many
    rows were written."""
    conn = db.conn
    conn.execute(_UNITS)
    conn.execute("DROP TABLE IF EXISTS temp._unit_region")
    conn.execute(_UNIT_REGIONS)
    conn.execute("CREATE INDEX temp._unit_region_unit ON _unit_region (unit_code)")
    # a region's sums over its units (the quota places, the targets) read its units by region
    conn.execute("CREATE INDEX temp._unit_region_region ON _unit_region (region, unit_code)")
    conn.execute(_REGIONS)
    conn.execute("DROP TABLE temp._unit_region")
    for sql in (_DERIVED, _RANKS, _CHANGES):
        conn.execute(sql)
    rows = conn.execute(f"SELECT {', '.join(_EXPLAIN_COLUMNS)} FROM scorecard "
                        "ORDER BY scope, code, year")
    while batch := [_explain(dict(zip(_EXPLAIN_COLUMNS, row))) for row in islice(rows, BATCH)]:
        write_explanations(db, batch)
    return conn.execute("SELECT count(*) FROM scorecard").fetchone()[0]


def _explain(r: dict) -> tuple:
    trace = Trace(subject=f"{r['year']} 年度考核成绩单 {r['scope']} {r['name'] or ''}"
                          f"（{r['code']}）")
    trace.input("类别", r["class"])
    trace.input("个人考核等次分布", {"优秀": r["excellent"], "称职": r["competent"],
                                     "基本称职": r["basic"], "不称职": r["incompetent"],
                                     "未评定": r["ungraded"]})
    trace.step("参加考核（已评定）人数", r["assessed"])
    trace.step("个人平均分", r["mean_score"], "已评定个人得分的平均，保留两位小数")
    trace.step("优秀比例", r["excellent_share"], "优秀人数 ÷ 已评定人数")
    basis = "本单位领导班子年度考核得分" if r["scope"] == "单位" else "本地区地方党委政府领导班子得分"
    trace.step("班子得分", r["team_score"], basis)
    if r["team_grade"]:
        trace.step("班子等次", r["team_grade"])
    rank = (f"第 {r['rank_in_class']} 名，共 {r['class_size']} 个" if r["rank_in_class"]
            else "无班子得分，不参加排名")
    trace.step(f"同类排名（{r['class']}，按班子得分降序，同分并列）", rank)
    trace.step("优秀名额", r["excellent_allowed"], "各单位按名额规则核定的优秀名额（地区为所辖单位之和）")
    trace.step("名额限制前的优秀候选人数", r["excellent_candidates"])
    trace.step("因名额限制定为下一等次的人数", r["quota_demoted"])
    trace.step("名额合规", "是" if r["quota_compliant"] else "否", "优秀人数 ≤ 优秀名额")
    if r["targets_share"] is not None:
        trace.step("“710”重点目标按进度比例", r["targets_share"])
    if r["prev_team_score"] is not None or r["mean_score_change"] is not None:
        last = r["prev_team_score"]
        trace.step("班子得分较上年", r["team_score_change"],
                   "上年无班子得分" if last is None else f"上年 {last}")
        trace.step("个人平均分较上年", r["mean_score_change"])
        trace.step("优秀比例较上年", r["excellent_share_change"])
        trace.step("上年同类排名", r["prev_rank"])
    else:
        trace.step("较上年变化", "无上年成绩单")
    trace.result = (f"班子得分 {r['team_score'] if r['team_score'] is not None else '无'}，"
                    f"{rank}；个人优秀 {r['excellent']}、称职 {r['competent']}、"
                    f"基本称职 {r['basic']}、不称职 {r['incompetent']}")
    return (r["explanation_id"], KIND, trace.subject, trace)
