"""The assessment engine (考核): annual scores and grades of cadres (个人) and leadership teams
(班子), grade quotas, consequences, "710" target summaries and annual scorecards.

Run order, each step replacing its previous results (DELETE, then INSERT in a fixed order, so
re-evaluating the same inputs with the same plugins gives byte-identical tables):

1. ``target_summary``: the "710" key-target progress per unit and year (``assessment_targets``).
2. ``assessment_result``: per unit and year, every annual assessment is scored by the
   ``ScoringFormula`` and graded by the ``GradingRule`` of the unit's jurisdiction, with the
   ``IndicatorSet`` for its subject, unit kind and positioning; then the unit's individuals are
   ranked and the ``GradeQuota`` applied (``assessment_quota``). Teams are pooled per county-level
   jurisdiction and year, after all units. The inputs are read one group at a time
   (``stream_groups``) and results written in batches: memory does not grow with the store.
3. ``consequence``: ``ConsequenceRule`` items over each cadre's history (cadres with equal
   histories share one call of a rule).
4. ``scorecard``: per unit and region and year (``assessment_scorecard``).

Every row has an ``explanation_id`` (``assessment:<考核编号>``, ``consequence:…``,
``scorecard:…``, ``target:…``) in the ``explanation`` table; an assessment's explanation names
the shared ``assessment_rules:…`` entry holding its rules and parameters (``assessment_explain``).
"""
from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from itertools import groupby
from typing import Any

import sqlite_utils

from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.store.database import migration_set
from cadre_sdk.engines.assessment import labels as assessment_labels  # noqa: F401  (labels the result tables for the publication)
from cadre_sdk.engines.assessment.consequences import consequences
from cadre_sdk.engines.assessment.rule_sets import RuleSets
from cadre_sdk.engines.assessment.inputs import pool_key, stream_groups
from cadre_sdk.engines.assessment.quota import settle_pool
from cadre_sdk.engines.assessment.rules import AssessmentRules
from cadre_sdk.engines.assessment.scorecard import build_scorecards
from cadre_sdk.engines.assessment.scoring import Scored, score_group
from cadre_sdk.engines.assessment.targets import summarize_targets
from cadre_sdk.engines.batch_writer import BATCH

NAME = "考核"
KIND = "assessment"
EXPLANATION_KINDS = ("assessment", "assessment_rules", "consequence", "scorecard", "target")

migrations = migration_set("cadre_sdk.assessment")


@migrations(name="0001_assessment_results")
def _tables(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE assessment_result (
      assessment_id TEXT PRIMARY KEY REFERENCES assessment(id),
      subject TEXT NOT NULL,            -- 个人 / 班子
      cadre_id TEXT,                    -- 个人 only
      unit_code TEXT NOT NULL,
      unit_kind TEXT NOT NULL,
      region_code TEXT NOT NULL,        -- the unit's region: the jurisdiction whose rules apply
      year INTEGER NOT NULL,
      score REAL,                       -- NULL: nothing to score (未评定)
      raw_grade TEXT,                   -- from the grading rule, before the quota
      grade TEXT,                       -- final
      democratic_excellent_share REAL,  -- 优秀票 ÷ 参评人数, the first tie-break
      pool TEXT,                        -- the quota pool (单位 … / 地区 … 领导班子)
      rank_in_unit INTEGER,             -- rank within the pool (个人: the unit)
      pool_size INTEGER,
      quota_allowed INTEGER,            -- 优秀 places in the pool
      quota_applied INTEGER NOT NULL,   -- 1: a 优秀 candidate beyond the quota
      indicator_plugin TEXT NOT NULL,
      formula_plugin TEXT NOT NULL,
      grading_plugin TEXT,
      explanation_id TEXT NOT NULL
    )""")
    for cols in (["cadre_id", "year"], ["unit_code", "year"], ["region_code", "year"],
                 ["year", "subject", "grade"], ["explanation_id"]):
        db["assessment_result"].create_index(cols)
    db.execute("""CREATE TABLE consequence (
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      year INTEGER NOT NULL,
      code TEXT NOT NULL,               -- the rule's code
      title TEXT NOT NULL,
      reason TEXT NOT NULL,             -- Chinese
      unit_code TEXT NOT NULL,
      assessment_id TEXT NOT NULL,
      plugin TEXT NOT NULL,
      jurisdiction TEXT NOT NULL,
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (cadre_id, year, code)
    )""")
    for cols in (["year", "code"], ["unit_code"], ["assessment_id"]):
        db["consequence"].create_index(cols)
    db.execute("""CREATE TABLE target_summary (
      unit_code TEXT NOT NULL REFERENCES unit(code),
      year INTEGER NOT NULL,
      targets INTEGER NOT NULL,
      on_schedule INTEGER NOT NULL,
      behind INTEGER NOT NULL,
      share REAL NOT NULL,              -- on_schedule / targets
      last_month INTEGER NOT NULL,
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (unit_code, year)
    )""")
    db["target_summary"].create_index(["year"])
    db.execute("""CREATE TABLE scorecard (
      scope TEXT NOT NULL,              -- 单位 / 地区
      code TEXT NOT NULL,
      year INTEGER NOT NULL,
      name TEXT,
      class TEXT NOT NULL,              -- 单位: 类别·层级; 地区: 层级
      region_code TEXT,                 -- 单位: its region; 地区: its parent
      assessed INTEGER NOT NULL, excellent INTEGER NOT NULL, competent INTEGER NOT NULL,
      basic INTEGER NOT NULL, incompetent INTEGER NOT NULL, ungraded INTEGER NOT NULL,
      excellent_share REAL, mean_score REAL,
      team_score REAL, team_grade TEXT,
      rank_in_class INTEGER, class_size INTEGER,
      excellent_candidates INTEGER NOT NULL, excellent_allowed INTEGER,
      quota_demoted INTEGER NOT NULL, quota_compliant INTEGER,
      targets_share REAL,
      prev_team_score REAL, prev_rank INTEGER, team_score_change REAL,
      mean_score_change REAL, excellent_share_change REAL,
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (scope, code, year)
    )""")
    for cols in (["scope", "year", "class"], ["year", "region_code"]):
        db["scorecard"].create_index(cols)


@migrations(name="0002_unused_result_index")
def _unused_result_index(db: sqlite_utils.Database) -> None:
    # Issue 19: nothing looks assessment results up by explanation_id in the store (an
    # explanation is found by its own id; EXPLAIN QUERY PLAN of every statement an evaluation
    # and a publication run); a publication indexes it in its own copy (``FILTER_COLUMNS``).
    db.execute("DROP INDEX IF EXISTS idx_assessment_result_explanation_id")


#: The SDK's own assessment plugin: a result names it in no stored byte (``RESULT_TABLE``).
SDK_PLUGIN = "cadre_sdk.defaults.assessment"
#: The quota pool of an annual assessment, by subject: its unit's individuals of the year, or
#: the teams of its county-level region (``inputs.pool_key``) of the year; ``pool_label``.
_POOL_LABELS = {"个人": ("单位 ", "unit_code", " ", "year", " 年度个人考核"),
                "班子": ("地区 ", "substr(region_code, 1, 6)", " ", "year", " 年度领导班子考核")}


@functools.lru_cache(maxsize=4096, typed=True)   # one call per result: few labels
def pool_label(subject: str, unit_code: str, region_code: str, year: int) -> str:
    """The name of an assessment's quota pool (explanations, the result's ``pool``)."""
    values = {"unit_code": unit_code, "substr(region_code, 1, 6)": region_code[:6],
              "year": str(year)}
    return "".join(values.get(part, part) for part in _POOL_LABELS[subject])


def _pool_sql() -> str:
    """``pool_label`` in SQL over a result row's columns."""
    def concat(parts: tuple[str, ...]) -> str:
        return " || ".join(part if n % 2 else f"'{part}'" for n, part in enumerate(parts))
    return ("CASE subject " + " ".join(f"WHEN '{subject}' THEN {concat(parts)}"
                                       for subject, parts in _POOL_LABELS.items()) + " END")


#: The result table since migration 0003 (issue 19): what a result's other columns or the
#: engine's conventions give is a VIRTUAL generated column, no bytes stored, readers unchanged:
#: ``explanation_id`` ('assessment:' and the key), ``pool`` (``pool_label``) and the plugin
#: names (the SDK's own, ``SDK_PLUGIN``, unless ``*_stored`` names another; a grading plugin
#: only for a scored result). ``*_stored`` columns hold a value only where it differs
#: (a store from before whose pool had another name keeps it).
RESULT_TABLE = f"""CREATE TABLE assessment_result (
      assessment_id TEXT PRIMARY KEY REFERENCES assessment(id),
      subject TEXT NOT NULL,            -- 个人 / 班子
      cadre_id TEXT,                    -- 个人 only
      unit_code TEXT NOT NULL,
      unit_kind TEXT NOT NULL,
      region_code TEXT NOT NULL,        -- the unit's region: the jurisdiction whose rules apply
      year INTEGER NOT NULL,
      score REAL,                       -- NULL: nothing to score (未评定)
      raw_grade TEXT,                   -- from the grading rule, before the quota
      grade TEXT,                       -- final
      democratic_excellent_share REAL,  -- 优秀票 ÷ 参评人数, the first tie-break
      pool TEXT GENERATED ALWAYS AS      -- the quota pool (单位 … / 地区 … 领导班子)
        (coalesce(pool_stored, {_pool_sql()})) VIRTUAL,
      rank_in_unit INTEGER,             -- rank within the pool (个人: the unit)
      pool_size INTEGER,
      quota_allowed INTEGER,            -- 优秀 places in the pool
      quota_applied INTEGER NOT NULL,   -- 1: a 优秀 candidate beyond the quota
      indicator_plugin TEXT GENERATED ALWAYS AS
        (coalesce(indicator_plugin_stored, '{SDK_PLUGIN}')) VIRTUAL,
      formula_plugin TEXT GENERATED ALWAYS AS
        (coalesce(formula_plugin_stored, '{SDK_PLUGIN}')) VIRTUAL,
      grading_plugin TEXT GENERATED ALWAYS AS (CASE WHEN score IS NULL THEN grading_plugin_stored
        ELSE coalesce(grading_plugin_stored, '{SDK_PLUGIN}') END) VIRTUAL,
      explanation_id TEXT GENERATED ALWAYS AS ('{KIND}:' || assessment_id) VIRTUAL,
      pool_stored TEXT,                 -- NULL: pool_label
      indicator_plugin_stored TEXT,     -- NULL: the SDK's own
      formula_plugin_stored TEXT,
      grading_plugin_stored TEXT
    )"""

#: The stored columns of a result row, in the order ``_result`` gives them.
_RESULT_COLUMNS = ("assessment_id", "subject", "cadre_id", "unit_code", "unit_kind", "region_code",
                   "year", "score", "raw_grade", "grade", "democratic_excellent_share",
                   "rank_in_unit", "pool_size", "quota_allowed", "quota_applied", "pool_stored",
                   "indicator_plugin_stored", "formula_plugin_stored", "grading_plugin_stored")


def _stored(name: str | None) -> str | None:
    """A plugin name as a result stores it: None for the SDK's own."""
    return None if name == SDK_PLUGIN else name


@migrations(name="0003_derived_result_columns")
def _derived_result_columns(db: sqlite_utils.Database) -> None:
    # Issue 19: the result table as ``RESULT_TABLE`` (4 MB less at 10k cadres); its indexes
    # are made again.
    indexes = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assessment_result' "
        "AND sql IS NOT NULL")]
    db.execute(RESULT_TABLE.replace("CREATE TABLE assessment_result",
                                    "CREATE TABLE assessment_result_new", 1))
    kept = ", ".join(_RESULT_COLUMNS[:-4])
    pool = _pool_sql()
    db.execute(f"""INSERT INTO assessment_result_new ({", ".join(_RESULT_COLUMNS)})
       SELECT {kept}, CASE WHEN pool = {pool} THEN NULL ELSE pool END,
              nullif(indicator_plugin, '{SDK_PLUGIN}'), nullif(formula_plugin, '{SDK_PLUGIN}'),
              CASE WHEN score IS NULL THEN grading_plugin
                   ELSE nullif(grading_plugin, '{SDK_PLUGIN}') END
       FROM assessment_result ORDER BY rowid""")
    db.execute("DROP TABLE assessment_result")
    db.execute("ALTER TABLE assessment_result_new RENAME TO assessment_result")
    for sql in indexes:
        db.execute(sql)


_RESULT_SQL = (f"INSERT INTO assessment_result ({', '.join(_RESULT_COLUMNS)}) "
               f"VALUES ({', '.join('?' for _ in _RESULT_COLUMNS)})")
_CONSEQUENCE_SQL = "INSERT INTO consequence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


class _Writer:
    """Buffers rows and explanations and writes them with executemany in batches."""

    def __init__(self, db: sqlite_utils.Database, sql: str):
        self.db, self.sql = db, sql
        self.rows: list[tuple] = []
        self.explanations: list[tuple] = []
        self.count = 0

    def add(self, row: tuple, explanation: tuple) -> None:
        self.rows.append(row)
        self.explanations.append(explanation)
        self.count += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self.db.conn.executemany(self.sql, self.rows)
        write_explanations(self.db, self.explanations)
        self.rows.clear()
        self.explanations.clear()


def _result(s: Scored, rulesets: RuleSets) -> tuple[tuple, tuple]:
    r, eid = s.row, f"{KIND}:{s.row.id}"
    pool = s.pool if s.pool != pool_label(r.subject, r.unit_code, r.region_code, r.year) else None
    row = (r.id, r.subject, r.cadre_id if r.subject == "个人" else None, r.unit_code,
           r.unit_kind, r.region_code, r.year, s.score, s.raw_grade, s.grade,
           round(s.democratic_share, 4), s.rank, s.pool_size or None, s.allowed,
           int(s.quota_applied), pool, _stored(s.plugins["indicators"]),
           _stored(s.plugins["scoring"]), _stored(s.plugins["grading"] or None))
    # explanation_id is derived: ``eid``
    return row, rulesets.split(eid, KIND, s.trace, r.year)


def _clear(db: sqlite_utils.Database) -> None:
    for table in ("scorecard", "consequence", "assessment_result", "target_summary"):
        db.execute(f"DELETE FROM [{table}]")
    marks = ", ".join("?" for _ in EXPLANATION_KINDS)
    db.execute(f"DELETE FROM explanation WHERE kind IN ({marks})", EXPLANATION_KINDS)


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *,
             as_of: datetime.date) -> dict[str, Any]:
    """Compute every annual assessment's score and grade, the quotas, consequences, target
    summaries and scorecards, replacing the previous results (inside the caller's
    transaction). Returns counts with Chinese labels for ``cadre evaluate``'s summary."""
    # ``as_of`` is part of every engine's signature; these results depend only on the
    # dates in the records themselves, so that re-evaluation is identical on any day.
    conn = db.conn
    _clear(db)
    targets = summarize_targets(db)

    rules = AssessmentRules(plugins)
    rulesets = RuleSets()
    results = _Writer(db, _RESULT_SQL)
    grades: dict[str, int] = defaultdict(int)

    def finish(pool: list[Scored]) -> None:
        for s in pool:
            grades[s.grade or "未评定"] += 1
            grades["名额调整"] += s.quota_applied
            results.add(*_result(s, rulesets))

    for group in stream_groups(conn, "个人"):
        first = group.rows[0]
        people = score_group(group, rules)
        settle_pool(people, rules.quotas(first.region_code, first.year),
                    pool_label("个人", first.unit_code, first.region_code, first.year),
                    first.year)
        finish(people)
    for (region, year), groups in groupby(stream_groups(conn, "班子"), key=pool_key):
        pool = [s for group in groups for s in score_group(group, rules)]
        settle_pool(pool, rules.quotas(region, year),
                    pool_label("班子", "", region, year), year)
        finish(pool)
    results.flush()
    write_explanations(db, rulesets.rows())

    found = _Writer(db, _CONSEQUENCE_SQL)
    consequences(conn, rules, found.add)
    found.flush()
    cards = build_scorecards(db)
    order = ("优秀", "称职", "基本称职", "不称职", "未评定", "名额调整")
    return {"考核结果": results.count, **{g: grades[g] for g in order if grades.get(g)},
            "结果运用": found.count, "成绩单": cards, "重点目标汇总": targets}
