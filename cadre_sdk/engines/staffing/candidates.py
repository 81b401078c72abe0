"""The candidate pool (干部选拔候选人库): cadres with key-task achievements in the window, each
selection criterion of DOMAIN.md named and judged, with an explanation per cadre. Part of the
staffing engine's run (``cadre_sdk.engines.staffing.engine``); the thresholds are those of the
``Thresholds`` item of concern ``staffing`` in force in the cadre's unit's region (the
provincial numbers in ``defaults/parameters/staffing.yaml``): cadres are pooled jurisdiction by
jurisdiction, each with its own window and standards.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlite_utils

from cadre_sdk.core.trace import Trace
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.core.jurisdiction import county_sql, prefecture_sql
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.rules import RuleContext
from cadre_sdk.records.vocab import ANNUAL_GRADES
from cadre_sdk.engines.batch_writer import BATCH
from cadre_sdk.engines.thresholds import ThresholdsInForce

#: The candidate pool's thresholds (under ``candidate_pool.``).
_THRESHOLDS = ("window_years", "min_achievements", "excluded_grades", "political_tags",
               "responsibility_tags", "style_tags")


def _pool_year(db: sqlite_utils.Database, has_results: bool) -> int | None:
    """The latest year with an achievement or an annual result: the pool is as of that year
    (not the clock, so re-evaluation is identical)."""
    sql = ["SELECT max(CAST(substr(date, 1, 4) AS INTEGER)) FROM achievement"]
    if has_results:
        sql.append("SELECT max(year) FROM assessment_result")
    years = [db.conn.execute(q).fetchone()[0] for q in sql]
    return max((y for y in years if y is not None), default=None)


def _by_cadre(rows: Iterable[tuple]) -> Callable[[str], list[tuple]]:
    """``take(cadre_id)``: the rows (without their first column, the cadre id) of a query
    ordered by cadre id, for callers walking the cadres in that same order: only the current
    cadre's rows are held, never a table of every cadre's."""
    runs = groupby(rows, key=itemgetter(0))
    pending = next(runs, None)

    def take(cadre_id: str) -> list[tuple]:
        nonlocal pending
        while pending is not None and pending[0] < cadre_id:
            pending = next(runs, None)
        if pending is None or pending[0] != cadre_id:
            return []
        found = [row[1:] for row in pending[1]]
        pending = next(runs, None)
        return found
    return take


_POOL_ACHIEVEMENTS = f"""
SELECT a.cadre_id, count(*), group_concat(DISTINCT a.category), max(a.date), c.unit_code,
       u.region_code, {county_sql('u.region_code')}, {prefecture_sql('u.region_code')}
FROM (SELECT * FROM achievement WHERE date BETWEEN :start || '-01-01' AND :end || '-12-31'
      ORDER BY cadre_id, category) a
JOIN cadre c ON c.id = a.cadre_id LEFT JOIN unit u ON u.code = c.unit_code
JOIN temp._threshold_region th ON th.region_code = coalesce(u.region_code, '')
WHERE th.jurisdiction = :jurisdiction
GROUP BY a.cadre_id ORDER BY a.cadre_id
"""
_POOL_FILTER = ("cadre_id IN (SELECT cadre_id FROM achievement WHERE date BETWEEN :start || "
                "'-01-01' AND :end || '-12-31')")


def _tags_found(tags: list[list[str]], wanted: list[str]) -> list[str]:
    found = {t for (text,) in tags for t in (text or "").split(",")}
    return [t for t in wanted if t in found]


def _judge(trace: Trace, name: str, ok: bool | None, detail: str) -> bool | None:
    verdict = {True: "符合", False: "不符合", None: "未核对"}[ok]
    trace.step(f"{name}：{verdict}", detail)
    return ok


_QUALITIES = (("political", "政治过硬"), ("responsibility", "责任过硬"), ("style", "作风过硬"))


def _verdicts(trace: Trace, p: dict[str, Any], count: int, categories: str,
              history: list, results_table: bool, open_adj: list[str],
              tags: list) -> dict[str, bool | None]:
    """Judge each named selection criterion for one cadre, recording it as a step (None: no
    data to judge it by)."""
    window, need = p["window_years"], p["min_achievements"]
    bad = [f"{y} {g}" for y, g in history if g in p["excluded_grades"]]
    if not history:
        grade_note = "考察期内无年度考核结果" if results_table else "尚无年度考核结果"
    else:
        grade_note = f"有{'、'.join(bad)}" if bad else "、".join(f"{y} {g}" for y, g in history)
    out = {
        "实绩突出": _judge(trace, "实绩突出", count >= need,
                       f"近 {window} 年实绩 {count} 项（{categories}），要求至少 {need} 项"),
        "考核良好": _judge(trace, "考核良好", (not bad) if history else None, grade_note),
        "无拟调整事项": _judge(trace, "无拟调整事项", not open_adj,
                         f"有拟调整事项（{'、'.join(open_adj)}）" if open_adj else "无"),
    }
    for key, name in _QUALITIES:
        hits = _tags_found(tags, p[f"{key}_tags"])
        out[name] = _judge(trace, name, not hits,
                           f"考察期内有“{'”“'.join(hits)}”记录" if hits
                           else f"考察期内无“{'”“'.join(p[f'{key}_tags'])}”记录")
    return out


def build_candidate_pool(db: sqlite_utils.Database, thresholds: ThresholdsInForce) -> int:
    """The candidate pool: cadres with achievements in the window, each criterion judged, with
    the thresholds in force where each cadre's unit is (one pass per jurisdiction)."""
    has_results = db["assessment_result"].exists()
    year = _pool_year(db, has_results)
    if year is None:
        return 0
    pooled = 0
    for reg in thresholds.groups(db).values():
        pooled += _pool(db, reg, year, has_results)
    return pooled


def _pool(db: sqlite_utils.Database, reg: Registration, year: int, has_results: bool) -> int:
    """The pool of the cadres whose units are where ``reg`` is the thresholds in force."""
    reads: dict[str, tuple] = {}

    def context(trace: Trace) -> RuleContext:
        return RuleContext(rule=reg.item, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                           on=datetime.date(year, 12, 31), trace=trace, reads=reads)
    window = context(Trace(subject="")).param("candidate_pool.window_years")
    args = {"start": str(year - window + 1), "end": str(year), "jurisdiction": reg.jurisdiction}
    conn = db.conn
    grades = _by_cadre(conn.execute(
        "SELECT cadre_id, year, grade FROM assessment_result WHERE "
        "year BETWEEN CAST(:start AS INTEGER) AND CAST(:end AS INTEGER) AND "
        f"grade IN ({', '.join(repr(g) for g in ANNUAL_GRADES)}) AND {_POOL_FILTER} "
        "ORDER BY cadre_id, year", args) if has_results else ())
    adjustments = _by_cadre(conn.execute(
        f"SELECT cadre_id, id FROM adjustment WHERE status = '拟调整' AND {_POOL_FILTER} "
        "ORDER BY cadre_id, id", args))
    tags = _by_cadre(conn.execute(
        "SELECT cadre_id, tags FROM observation WHERE tags IS NOT NULL AND "
        f"date BETWEEN :start || '-01-01' AND :end || '-12-31' AND {_POOL_FILTER} "
        "ORDER BY cadre_id, date, id", args))
    rows: list[tuple] = []
    notes: list[tuple] = []
    pooled = 0
    for cadre_id, count, categories, latest, *where in conn.execute(_POOL_ACHIEVEMENTS, args):
        pooled += 1
        trace = Trace(subject=f"选拔候选人库 干部 {cadre_id}（截至 {year} 年，近 {window} 年）")
        trace.rule("candidate_pool", "selection_standards", reg.plugin, reg.jurisdiction,
                   "实绩突出、考核良好、无拟调整、五个过硬（可核对部分）")
        ctx = context(trace)
        p = {k: ctx.param(f"candidate_pool.{k}") for k in _THRESHOLDS}
        history = grades(cadre_id)
        open_adj = [a for (a,) in adjustments(cadre_id)]
        verdicts = _verdicts(trace, p, count, categories, history, has_results, open_adj,
                             tags(cadre_id))
        criteria = "；".join(f"{s['label']}（{s['value']}）" for s in trace.steps)
        trace.step("信念过硬、能力过硬", "须由组织考察认定，本表不作判断")
        eligible = all(v is not False for v in verdicts.values())
        trace.result = "入选" if eligible else "不入选"
        eid = f"candidate_pool:{cadre_id}"
        notes.append((eid, "candidate_pool", trace.subject, trace))
        rows.append((cadre_id, *where, year, count, categories, latest,
                     "、".join(f"{y} {g}" for y, g in history) or None,
                     "、".join(open_adj) or None,
                     *(None if v is None else int(v) for v in verdicts.values()),
                     int(eligible), "、".join(k for k, v in verdicts.items() if v is None) or None,
                     criteria, eid))
        if len(rows) >= BATCH:
            _write_pool(db, rows, notes)
    _write_pool(db, rows, notes)
    return pooled


def _write_pool(db: sqlite_utils.Database, rows: list[tuple], notes: list[tuple]) -> None:
    db.conn.executemany(
        "INSERT INTO candidate_pool (cadre_id, unit_code, region_code, county_code, "
        "prefecture_code, as_of_year, achievements, categories, latest_achievement, grades, "
        "open_adjustments, achievement_ok, assessment_ok, adjustment_ok, political_ok, "
        "responsibility_ok, style_ok, eligible, unchecked, criteria, explanation_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    write_explanations(db, notes)
    rows.clear()
    notes.clear()
