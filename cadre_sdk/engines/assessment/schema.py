"""Tables of the assessment engine (migration set ``cadre_sdk.assessment``): what a store of
any age is brought to, and the result table's layout the engine writes. Kept apart from the
engine so that opening a store (which checks every set's migrations) or publishing one does
not import the engine."""
from __future__ import annotations

import functools

import sqlite_utils

from cadre_sdk.store.database import migration_set
from cadre_sdk.engines.assessment import labels as assessment_labels  # noqa: F401  (labels the result tables for the publication)

KIND = "assessment"

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
