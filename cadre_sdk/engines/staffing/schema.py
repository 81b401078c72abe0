"""Tables of the staffing engine (migration set ``cadre_sdk.staffing``), kept apart from the
engine so that opening a store (which checks every set's migrations) or publishing one does
not import the engine."""
from __future__ import annotations

import sqlite_utils

from cadre_sdk.store.database import is_without_rowid, migration_set, rebuild_table
from cadre_sdk.engines.staffing import labels as staffing_labels  # noqa: F401  (the tables' Chinese labels)

migrations = migration_set("cadre_sdk.staffing")

_REGION_COLS = "region_level TEXT NOT NULL, region_code TEXT NOT NULL, region_name TEXT"


#: The columns of ``career_summary`` (0001 made it a rowid table; 0002 rebuilds it WITHOUT
#: ROWID with the same columns).
_CAREER_SUMMARY = """cadre_id TEXT PRIMARY KEY, unit_code TEXT,
            township_work INTEGER NOT NULL, township_leadership INTEGER NOT NULL,
            township_postings INTEGER NOT NULL, secondments INTEGER NOT NULL,
            exchanges INTEGER NOT NULL, rotations INTEGER NOT NULL,
            explanation_id TEXT NOT NULL"""


@migrations(name="0001_staffing_tables")
def _tables(db: sqlite_utils.Database) -> None:
    ddl = {
        "career_summary": _CAREER_SUMMARY,
        "staffing_breach": """rule_code TEXT NOT NULL, title TEXT NOT NULL,
            severity TEXT NOT NULL, unit_code TEXT NOT NULL, region_code TEXT,
            county_code TEXT, prefecture_code TEXT, evidence TEXT NOT NULL,
            rule_plugin TEXT NOT NULL,
            rule_jurisdiction TEXT NOT NULL, source TEXT, explanation_id TEXT NOT NULL,
            PRIMARY KEY (rule_code, unit_code)""",
        "training_coverage": """year INTEGER NOT NULL, unit_code TEXT NOT NULL,
            region_code TEXT, county_code TEXT, prefecture_code TEXT,
            leaders INTEGER NOT NULL, trained INTEGER NOT NULL, coverage REAL NOT NULL,
            full_coverage INTEGER NOT NULL, hours_met INTEGER NOT NULL, hours REAL NOT NULL,
            explanation_id TEXT NOT NULL, PRIMARY KEY (unit_code, year)""",
        "training_coverage_region": f"""year INTEGER NOT NULL, {_REGION_COLS},
            units INTEGER NOT NULL, leaders INTEGER NOT NULL, trained INTEGER NOT NULL,
            coverage REAL NOT NULL, full_coverage INTEGER NOT NULL,
            full_coverage_units INTEGER NOT NULL, explanation_id TEXT NOT NULL,
            PRIMARY KEY (region_code, year)""",
        "training_topics": f"""year INTEGER NOT NULL, {_REGION_COLS},
            dimension TEXT NOT NULL, item TEXT NOT NULL, trainings INTEGER NOT NULL,
            cadres INTEGER NOT NULL, leaders INTEGER NOT NULL, hours REAL NOT NULL,
            explanation_id TEXT NOT NULL, PRIMARY KEY (region_code, year, dimension, item)""",
        "exchange_summary": f"""year INTEGER NOT NULL, {_REGION_COLS}, kind TEXT NOT NULL,
            subkind TEXT NOT NULL, postings INTEGER NOT NULL, cadres INTEGER NOT NULL,
            explanation_id TEXT NOT NULL, PRIMARY KEY (region_code, year, kind, subkind)""",
        "care_summary": f"""year INTEGER NOT NULL, {_REGION_COLS}, kind TEXT NOT NULL,
            records INTEGER NOT NULL, cadres INTEGER NOT NULL, explanation_id TEXT NOT NULL,
            PRIMARY KEY (region_code, year, kind)""",
        "care_gap": """year INTEGER NOT NULL, cadre_id TEXT NOT NULL, township_code TEXT NOT NULL,
            county_code TEXT, prefecture_code TEXT, altitude_m INTEGER NOT NULL,
            last_health_check TEXT, explanation_id TEXT NOT NULL,
            PRIMARY KEY (cadre_id, year)""",
        "candidate_pool": """cadre_id TEXT PRIMARY KEY, unit_code TEXT, region_code TEXT,
            county_code TEXT, prefecture_code TEXT, as_of_year INTEGER NOT NULL,
            achievements INTEGER NOT NULL, categories TEXT, latest_achievement TEXT,
            grades TEXT, open_adjustments TEXT, achievement_ok INTEGER NOT NULL,
            assessment_ok INTEGER, adjustment_ok INTEGER NOT NULL, political_ok INTEGER NOT NULL,
            responsibility_ok INTEGER NOT NULL, style_ok INTEGER NOT NULL,
            eligible INTEGER NOT NULL, unchecked TEXT, criteria TEXT NOT NULL,
            explanation_id TEXT NOT NULL""",
    }
    for table, body in ddl.items():
        db.execute(f"CREATE TABLE {table} ({body})")
    for table, columns in (("career_summary", ["unit_code"]),
                           ("staffing_breach", ["region_code"]),
                           ("staffing_breach", ["prefecture_code"]),
                           ("training_coverage", ["year", "prefecture_code"]),
                           ("care_gap", ["year", "prefecture_code"]),
                           ("care_gap", ["county_code"]),
                           ("candidate_pool", ["eligible", "prefecture_code"]),
                           ("candidate_pool", ["county_code"])):
        db[table].create_index(columns)


@migrations(name="0002_compact_tables")
def _compact_tables(db: sqlite_utils.Database) -> None:
    # Issue 19: career_summary is keyed by cadre_id alone and its rows are a few integers, so
    # a WITHOUT ROWID table stores each id once instead of twice (row and key index). Nothing
    # looks career summaries up by unit or candidates by county in the store (EXPLAIN QUERY
    # PLAN of every statement an evaluation and a publication run); a publication indexes
    # those filter columns in its own copy (``publish.copy.FILTER_COLUMNS``).
    db.execute("DROP INDEX IF EXISTS idx_career_summary_unit_code")
    db.execute("DROP INDEX IF EXISTS idx_candidate_pool_county_code")
    if not is_without_rowid(db, "career_summary"):
        rebuild_table(db, "career_summary",
                      f"CREATE TABLE [career_summary] ({_CAREER_SUMMARY}) WITHOUT ROWID",
                      "cadre_id")
