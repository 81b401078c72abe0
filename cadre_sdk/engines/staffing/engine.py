"""The staffing engine (配备与培训): career facts, staffing-rule checks, training coverage,
exchanges, care and commendation views, and the candidate pool.

Tables it replaces on each run (all in the ``cadre_sdk.staffing`` migration set):

- ``career_summary``: per cadre, from postings: township work (乡镇工作 = 是), township leadership
  (乡镇工作 and 领导职务 both 是), counts of township postings, secondments, exchanges, rotations.
- ``staffing_breach``: every registered ``StaffingRule``'s findings, kept for a unit only when
  the rule is the one in force in the unit's region (a more specific jurisdiction's rule of the
  same code replaces the provincial one); ``severity`` is 违反, or 提示 for advisory rules.
- ``training_coverage`` (unit × year) and ``training_coverage_region`` (county/prefecture ×
  year): leading cadres (班子成员 or 主要负责人 in the cadre table *now*) with any training that
  year, over all of them; full coverage when every one trained; how many reached the yearly
  hours. ``training_topics``: trainings by the eight abilities and the ten topics.
- ``exchange_summary``: secondments (by kind), exchanges (by kind) and rotations by the year
  they started and the region they were in (posting region, else the posting unit's, else the
  cadre's unit's).
- ``care_summary``: care records by year, region (of the cadre's unit) and kind; ``care_gap``:
  cadres at a high-altitude township post in a year (attendance there that year, or a township
  posting in such a township covering the year) with no health check (体检) that year.
- ``candidate_pool`` (``candidates.py``): cadres with key-task achievements in the window (the last
  ``window_years`` up to the latest year with an achievement or an annual result, not the
  clock), each selection criterion named and judged (see ``_verdicts``); ``eligible`` when none
  fails. Grades come from the assessment engine's ``assessment_result`` when that table exists;
  without it the grade criterion is "not checked". Commendations need no table: the canned
  query lists them.

The thresholds (altitude, training hours, the pool's window and standards) come from the
``Thresholds`` item of concern ``staffing`` (``register_thresholds``; the provincial numbers in
``defaults/parameters/staffing.yaml``) in force in each region, read as of the year concerned
and recorded in the explanations with the plugin that supplied them; a county's or
prefecture's item changes them there. Without any such item (no defaults, no plugin) the
views that need a threshold are left empty. Aggregates are plain counts over loaded rows; each table has one method
explanation saying how it is derived (its id is on every row).
"""
from __future__ import annotations

import datetime
import sqlite3
from typing import Any

import sqlite_utils

from cadre_sdk.core.dating import with_period
from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.trace import Trace
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.store.table_labels import described
from cadre_sdk.core.jurisdiction import (
    PROVINCE, county_and_prefecture, county_sql, is_code, prefecture_sql,
)
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.plugin_host.watchdog import call_rule
from cadre_sdk.engines.staffing import schema as staffing_schema  # noqa: F401  (its tables: migrations, labels)
from cadre_sdk.engines.staffing.candidates import build_candidate_pool
from cadre_sdk.engines.thresholds import ThresholdsInForce

NAME = "配备与培训"
TABLES = ("career_summary", "staffing_breach", "training_coverage", "training_coverage_region",
          "training_topics", "exchange_summary", "care_summary", "care_gap", "candidate_pool")

def rollup_sql(table: str, base: str, keys: list[str], aggs: dict[str, str]) -> str:
    """INSERT rows of ``table`` at prefecture (市州) and county (县) level from ``base`` (a
    SELECT with ``county_code`` and ``prefecture_code`` columns), grouped by ``keys``."""
    key_list = ", ".join(keys)
    agg_list = ", ".join(f"{expr} AS {name}" for name, expr in aggs.items())
    levels = " UNION ALL ".join(
        f"SELECT '{lvl}' AS region_level, {col} AS region_code, {key_list}, {agg_list} "
        f"FROM ({base}) WHERE {col} IS NOT NULL GROUP BY {col}, {key_list}"
        for lvl, col in (("市州", "prefecture_code"), ("县", "county_code")))
    x_keys = ", ".join(f"x.{k}" for k in keys)
    columns = ", ".join(["region_level", "region_code", "region_name", *keys, *aggs,
                         "explanation_id"])
    return (f"INSERT INTO {table} ({columns}) SELECT x.region_level, x.region_code, r.name, "
            f"{x_keys}, {', '.join(f'x.{a}' for a in aggs)}, '{table}:method' "
            f"FROM ({levels}) x LEFT JOIN region r ON r.code = x.region_code "
            f"ORDER BY x.region_code, {x_keys}")


def _method(db: sqlite_utils.Database, table: str, text: str, sql: str = "",
            trace: Trace | None = None, key: str = "method") -> str:
    """Write the explanation of how ``table`` is derived; returns its id. Its subject is the
    trace's, or the table's Chinese title (``关心关爱记录汇总：计算方法``)."""
    eid = f"{table}:{key}"
    if trace is not None:
        trace.note = text
        data = trace.to_dict()
    else:
        labels = described(table)
        subject = f"{labels.title if labels else table}：计算方法"
        data = {"subject": subject, "table": table, "note": text, "sql": " ".join(sql.split())}
    write_explanations(db, [(eid, table, data["subject"], data)])
    return eid


# -- career summary ---------------------------------------------------------------------------

_CAREER_SQL = """
INSERT INTO career_summary (cadre_id, unit_code, township_work, township_leadership,
    township_postings, secondments, exchanges, rotations, explanation_id)
SELECT c.id, c.unit_code,
       coalesce(max(p.township = 1), 0), coalesce(max(p.township = 1 AND p.leadership = 1), 0),
       coalesce(sum(p.township = 1), 0), coalesce(sum(p.kind = '挂职'), 0),
       coalesce(sum(p.kind = '交流'), 0), coalesce(sum(p.kind = '轮岗'), 0),
       'career_summary:method'
FROM cadre c LEFT JOIN posting p ON p.cadre_id = c.id
GROUP BY c.id ORDER BY c.id
"""


def build_career_summary(db: sqlite_utils.Database) -> int:
    """Derive each cadre's career facts from the posting rows."""
    _method(db, "career_summary", "由任职经历推导：有乡镇工作经历＝任一履历“乡镇工作”为是；有乡镇领导经历＝"
            "任一履历“乡镇工作”与“领导职务”均为是；挂职、交流、轮岗为对应“经历类型”的履历条数。", _CAREER_SQL)
    return db.conn.execute(_CAREER_SQL).rowcount


# -- staffing rules ---------------------------------------------------------------------------

class _InForce:
    """Which registration of a staffing rule code is in force in a region on the evaluation
    date (cached per chain)."""

    def __init__(self, plugins: CadrePlugins, on: datetime.date):
        self.book, self.on = plugins.book, on
        self._cache: dict[str, dict[str, Registration]] = {}

    def __call__(self, region_code: str | None) -> dict[str, Registration]:
        code = region_code if region_code and is_code(region_code) else PROVINCE
        key = code[:6]
        if key not in self._cache:
            self._cache[key] = self.book.catalogue("staffing", code, on=self.on)
        return self._cache[key]


def _run_rule(db: sqlite_utils.Database, reg: Registration) -> list[tuple[str, str]]:
    """(unit_code, evidence) rows of one staffing rule, checked; faults name the plugin."""
    rule = reg.item

    def run() -> tuple[list[str], list]:
        try:
            cursor = db.conn.execute(rule.sql)
            return [d[0] for d in cursor.description or ()], cursor.fetchall()
        except sqlite3.Error as exc:
            raise PluginError(reg.plugin, "register_staffing_rules",
                              f"staffing rule {rule.code!r}: its SQL failed: {exc}",
                              "test the SQL against a store; it may only read (SELECT), "
                              "e.g. career_summary.") from exc
    # Through call_rule: the time limit stops a runaway query too.
    columns, rows = call_rule(reg, run, conn=db.conn)
    if "unit_code" not in columns or "evidence" not in columns:
        raise PluginError(reg.plugin, "register_staffing_rules",
                          f"staffing rule {rule.code!r} selects {columns}",
                          "select the columns unit_code and evidence (Chinese).")
    u, e = columns.index("unit_code"), columns.index("evidence")
    out = [(row[u], row[e]) for row in rows]
    units = [unit for unit, _ in out]
    if len(set(units)) != len(units):
        raise PluginError(reg.plugin, "register_staffing_rules",
                          f"staffing rule {rule.code!r} returned a unit more than once",
                          "GROUP BY unit_code so each unit has one row of evidence.")
    return out


def check_staffing_rules(db: sqlite_utils.Database, plugins: CadrePlugins,
                         on: datetime.date) -> int:
    """Run every registered staffing rule; keep each finding where its rule is in force on
    ``on`` (the evaluation date)."""
    unit_region = dict(db.conn.execute("SELECT code, region_code FROM unit"))
    in_force = _InForce(plugins, on)
    regs = sorted((r for r in plugins.book.all("staffing") if r.item.in_force(on)),
                  key=lambda r: (r.key, r.jurisdiction, r.plugin, r.item.start or on))
    rows, notes = [], []
    for reg in regs:
        rule = reg.item
        severity = "提示" if rule.advisory else "违反"
        for unit_code, evidence in _run_rule(db, reg):
            region = unit_region.get(unit_code)
            if in_force(region).get(rule.code) is not reg:
                continue
            eid = f"staffing_breach:{rule.code}:{unit_code}"
            trace = Trace(subject=f"配备规则“{rule.title}” 单位 {unit_code}")
            trace.rule("staffing", rule.code, reg.plugin, reg.jurisdiction,
                       with_period(rule, rule.title))
            trace.input("单位代码", unit_code)
            trace.input("所在地区", region)
            trace.step(f"{severity}：{rule.title}", evidence, rule.source)
            trace.result = evidence
            notes.append((eid, "staffing_breach", trace.subject, trace))
            parents = county_and_prefecture(region) if region and is_code(region) else (None, None)
            rows.append((rule.code, rule.title, severity, unit_code, region, *parents, evidence,
                         reg.plugin, reg.jurisdiction, rule.source or None, eid))
    db.conn.executemany(
        "INSERT INTO staffing_breach (rule_code, title, severity, unit_code, region_code, "
        "county_code, prefecture_code, evidence, rule_plugin, rule_jurisdiction, source, "
        "explanation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sorted(rows, key=lambda r: (r[0], r[3])))
    write_explanations(db, sorted(notes))
    return len(rows)


# -- training ---------------------------------------------------------------------------------

_LEADER = "(c.is_leader = 1 OR c.is_principal = 1)"

_COVERAGE_SQL = f"""
INSERT INTO training_coverage (year, unit_code, region_code, county_code, prefecture_code,
    leaders, trained, coverage, full_coverage, hours_met, hours, explanation_id)
SELECT :year, c.unit_code, u.region_code, {county_sql('u.region_code')},
       {prefecture_sql('u.region_code')}, count(*), count(h.cadre_id),
       round(1.0 * count(h.cadre_id) / count(*), 4), count(h.cadre_id) = count(*),
       coalesce(sum(h.hours >= th.value), 0), coalesce(round(sum(h.hours), 2), 0),
       'training_coverage:' || :year || th.suffix
FROM cadre c
JOIN unit u ON u.code = c.unit_code
JOIN temp._threshold th ON th.region_code = coalesce(u.region_code, '')
LEFT JOIN (SELECT cadre_id, sum(hours) AS hours FROM training WHERE year = :year
           GROUP BY cadre_id) h ON h.cadre_id = c.id
WHERE {_LEADER}
GROUP BY c.unit_code ORDER BY c.unit_code
"""

_TOPICS_BASE = f"""
SELECT t.year, '专题' AS dimension, t.topic AS item, t.cadre_id, t.hours,
       CASE WHEN {_LEADER} THEN t.cadre_id END AS leader_id,
       {county_sql('u.region_code')} AS county_code,
       {prefecture_sql('u.region_code')} AS prefecture_code
FROM training t JOIN cadre c ON c.id = t.cadre_id JOIN unit u ON u.code = c.unit_code
UNION ALL
SELECT t.year, '八个本领', t.ability, t.cadre_id, t.hours,
       CASE WHEN {_LEADER} THEN t.cadre_id END,
       {county_sql('u.region_code')}, {prefecture_sql('u.region_code')}
FROM training t JOIN cadre c ON c.id = t.cadre_id JOIN unit u ON u.code = c.unit_code
WHERE t.ability IS NOT NULL
"""

_COVERAGE_REGION_BASE = "SELECT * FROM training_coverage"

#: Each cadre's county and prefecture (its unit's region's) and whether it is a leading cadre,
#: made for them (``_rollup_by_place``): the roll-ups of trainings and care records look a
#: cadre up there once per row, instead of in ``cadre`` and then ``unit`` with the codes
#: derived again (issue 19: the two roll-ups were a third of the engine at 100k cadres).
_PLACES = "temp._staffing_cadre_place"
_PLACES_SQL = (
    f"DROP TABLE IF EXISTS {_PLACES}",
    f"""CREATE TABLE {_PLACES} (cadre_id TEXT PRIMARY KEY NOT NULL, leader INTEGER,
        county_code TEXT, prefecture_code TEXT) WITHOUT ROWID""",
    f"""INSERT INTO {_PLACES} SELECT c.id, {_LEADER}, {county_sql('u.region_code')},
        {prefecture_sql('u.region_code')}
        FROM cadre c JOIN unit u ON u.code = c.unit_code WHERE c.id IS NOT NULL""")

#: ``_TOPICS_BASE`` as run: the same rows in the same order (each training row in turn, then
#: its cadre's place), through ``_PLACES`` (CROSS JOIN keeps the trainings the outer loop).
_TOPICS_ROWS = f"""
SELECT t.year, '专题' AS dimension, t.topic AS item, t.cadre_id, t.hours,
       CASE WHEN p.leader THEN t.cadre_id END AS leader_id, p.county_code, p.prefecture_code
FROM training t CROSS JOIN {_PLACES} p ON p.cadre_id = t.cadre_id
UNION ALL
SELECT t.year, '八个本领', t.ability, t.cadre_id, t.hours,
       CASE WHEN p.leader THEN t.cadre_id END, p.county_code, p.prefecture_code
FROM training t CROSS JOIN {_PLACES} p ON p.cadre_id = t.cadre_id
WHERE t.ability IS NOT NULL
"""


def _rollup_by_place(db: sqlite_utils.Database, *rollups: str) -> None:
    """Run roll-up statements (``rollup_sql``) reading ``_PLACES``, made for them from the
    stored cadres and units and dropped afterwards (inside the caller's transaction)."""
    for sql in _PLACES_SQL:
        db.conn.execute(sql)
    try:
        for sql in rollups:
            db.conn.execute(sql)
    finally:
        db.conn.execute(_PLACES_SQL[0])


def build_training(db: sqlite_utils.Database, thresholds: ThresholdsInForce) -> int:
    """Coverage of leading cadres by unit and year, its regional roll-up, and the breakdown by
    ability and topic (the hours threshold in force in each unit's region)."""
    years = [r[0] for r in db.conn.execute("SELECT DISTINCT year FROM training ORDER BY year")]
    for year in years:
        def start(reg: Registration, ctx: Any, year: int = year) -> None:
            ctx.trace.subject = f"领导干部培训覆盖 {year} 年"
            ctx.trace.rule("training", "coverage", reg.plugin, reg.jurisdiction, "领导干部培训全覆盖")
        traces = thresholds.table(db, "training.min_hours_per_year",
                                  datetime.date(year, 12, 31), start)
        for suffix, (trace, _) in traces.items():
            _method(db, "training_coverage", "领导干部为当前“班子成员”或“主要负责人”为是的干部；当年有培训记录即计为参训；"
                    "全部参训为全覆盖；达到学时人数为当年学时合计不少于参考线的人数。", trace=trace,
                    key=f"{year}{suffix}")
        db.conn.execute(_COVERAGE_SQL, {"year": year})
    _method(db, "training_coverage_region", "由各单位领导干部培训覆盖情况按县、市州合计。")
    db.conn.execute(rollup_sql("training_coverage_region", _COVERAGE_REGION_BASE, ["year"], {
        "units": "count(*)", "leaders": "sum(leaders)", "trained": "sum(trained)",
        "coverage": "round(1.0 * sum(trained) / sum(leaders), 4)",
        "full_coverage": "sum(trained) = sum(leaders)",
        "full_coverage_units": "sum(full_coverage)"}))
    _method(db, "training_topics", "培训记录按单位所在县、市州，年度和专题、八个本领统计人次、人数和学时。",
            _TOPICS_BASE)
    _rollup_by_place(db, rollup_sql("training_topics", _TOPICS_ROWS, ["year", "dimension", "item"], {
        "trainings": "count(*)", "cadres": "count(DISTINCT cadre_id)",
        "leaders": "count(DISTINCT leader_id)", "hours": "round(sum(hours), 2)"}))
    return len(years)


# -- exchanges and care -----------------------------------------------------------------------

_POSTING_REGION = "coalesce(p.region_code, pu.region_code, cu.region_code)"

_EXCHANGE_BASE = f"""
SELECT CAST(substr(p.start, 1, 4) AS INTEGER) AS year, p.kind,
       coalesce(p.secondment, p.exchange, '') AS subkind, p.cadre_id,
       {county_sql(_POSTING_REGION)} AS county_code,
       {prefecture_sql(_POSTING_REGION)} AS prefecture_code
FROM posting p
JOIN cadre c ON c.id = p.cadre_id
LEFT JOIN unit pu ON pu.code = p.unit_code
LEFT JOIN unit cu ON cu.code = c.unit_code
WHERE p.kind IN ('挂职', '交流', '轮岗')
"""

_CARE_BASE = f"""
SELECT CAST(substr(r.date, 1, 4) AS INTEGER) AS year, r.kind, r.cadre_id,
       {county_sql('u.region_code')} AS county_code,
       {prefecture_sql('u.region_code')} AS prefecture_code
FROM care_record r JOIN cadre c ON c.id = r.cadre_id JOIN unit u ON u.code = c.unit_code
"""

#: ``_CARE_BASE`` as run (see ``_TOPICS_ROWS``).
_CARE_ROWS = f"""
SELECT CAST(substr(r.date, 1, 4) AS INTEGER) AS year, r.kind, r.cadre_id, p.county_code,
       p.prefecture_code
FROM care_record r CROSS JOIN {_PLACES} p ON p.cadre_id = r.cadre_id
"""

_CARE_GAP_SQL = f"""
WITH posts AS (
  SELECT a.cadre_id, a.township_code AS code FROM attendance a
  JOIN region r ON r.code = a.township_code
  JOIN temp._threshold th ON th.region_code = r.code
  WHERE a.month BETWEEN :year || '-01' AND :year || '-12' AND r.altitude_m >= th.value
  UNION
  SELECT p.cadre_id, p.region_code FROM posting p JOIN region r ON r.code = p.region_code
  JOIN temp._threshold th ON th.region_code = r.code
  WHERE p.township = 1 AND r.level = '乡镇' AND r.altitude_m >= th.value
    AND substr(p.start, 1, 4) <= :year AND (p.[end] IS NULL OR substr(p.[end], 1, 4) >= :year)
), ranked AS (
  SELECT k.cadre_id, k.code, r.altitude_m,
         row_number() OVER (PARTITION BY k.cadre_id ORDER BY r.altitude_m DESC, k.code) AS n
  FROM posts k JOIN region r ON r.code = k.code
), checks AS (
  SELECT cadre_id, max(CASE WHEN date < :year || '-01-01' THEN date END) AS last_before,
         max(date >= :year || '-01-01') AS this_year
  FROM care_record WHERE kind = '体检' AND date <= :year || '-12-31' GROUP BY cadre_id
)
INSERT INTO care_gap (year, cadre_id, township_code, county_code, prefecture_code, altitude_m,
    last_health_check, explanation_id)
SELECT CAST(:year AS INTEGER), k.cadre_id, k.code, {county_sql('k.code')},
       {prefecture_sql('k.code')}, k.altitude_m, ch.last_before, 'care_gap:' || :year || th.suffix
FROM ranked k JOIN temp._threshold th ON th.region_code = k.code
LEFT JOIN checks ch ON ch.cadre_id = k.cadre_id
WHERE k.n = 1 AND coalesce(ch.this_year, 0) = 0
ORDER BY k.cadre_id
"""


def build_exchanges_and_care(db: sqlite_utils.Database, thresholds: ThresholdsInForce) -> int:
    """Exchange and care summaries, and the care gaps at high-altitude township posts."""
    _method(db, "exchange_summary", "挂职、交流、轮岗履历按起始年份、所在地区（履历地区，缺则履历单位所在地区，"
            "再缺则干部现单位所在地区）、类型与类别统计人次与人数。", _EXCHANGE_BASE)
    db.conn.execute(rollup_sql("exchange_summary", _EXCHANGE_BASE, ["year", "kind", "subkind"], {
        "postings": "count(*)", "cadres": "count(DISTINCT cadre_id)"}))
    _method(db, "care_summary", "关心关爱记录按年度、干部现单位所在县和市州、类别统计记录数与人数。", _CARE_BASE)
    _rollup_by_place(db, rollup_sql("care_summary", _CARE_ROWS, ["year", "kind"], {
        "records": "count(*)", "cadres": "count(DISTINCT cadre_id)"}))
    years = [r[0] for r in db.conn.execute(
        "SELECT DISTINCT substr(month, 1, 4) FROM attendance UNION "
        "SELECT DISTINCT substr(date, 1, 4) FROM care_record ORDER BY 1")]
    for year in years:
        def start(reg: Registration, ctx: Any, year: str = year) -> None:
            ctx.trace.subject = f"高海拔乡镇干部体检核对 {year} 年"
            ctx.trace.rule("care", "high_altitude_health_check", reg.plugin, reg.jurisdiction,
                           "高海拔乡镇干部每年体检")
        traces = thresholds.table(db, "care.high_altitude_m",
                                  datetime.date(int(year), 1, 1), start)
        for suffix, (trace, altitude) in traces.items():
            trace.step(f"{year} 年在海拔 {altitude} 米以上乡镇岗位工作（当年有在岗记录，或乡镇任职经历覆盖当年），"
                       "且当年无体检记录的干部列入", altitude)
            _method(db, "care_gap", "落实体检制度：列出当年未体检的高海拔乡镇干部；乡镇取当年所在海拔最高者。",
                    trace=trace, key=f"{year}{suffix}")
        db.conn.execute(_CARE_GAP_SQL, {"year": year})
    return len(years)


# -- the engine -------------------------------------------------------------------------------

def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *,
             as_of: datetime.date) -> dict[str, Any]:
    """Replace every staffing table from the stored records (inside the caller's transaction)."""
    # The staffing rules are those in force on ``as_of`` (dated rules); the rest depends only
    # on the dates in the records themselves.
    conn = db.conn
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute(f"DELETE FROM explanation WHERE kind IN ({', '.join('?' for _ in TABLES)})",
                 TABLES)
    thresholds = ThresholdsInForce(plugins, "staffing", as_of)
    return {
        "干部": build_career_summary(db),
        "配备规则核查": check_staffing_rules(db, plugins, as_of),
        "培训年度": build_training(db, thresholds),
        "关爱年度": build_exchanges_and_care(db, thresholds),
        "候选人": build_candidate_pool(db, thresholds),
    }
