"""Tables of the cases engine (migration set ``cadre_sdk.cases``): the event chain written at
load time, and the results ``cadre evaluate`` derives for cases and adjustments."""
from __future__ import annotations

import sqlite_utils

from cadre_sdk.store.database import migration_set
from cadre_sdk.engines.cases import labels as case_labels  # noqa: F401  (labels the tables for the publication)

migrations = migration_set("cadre_sdk.cases")

_TABLES = (
    """CREATE TABLE event_chain (
      pos INTEGER PRIMARY KEY,      -- position in the chain, 1, 2, 3, ...
      case_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      prev_hash TEXT NOT NULL,      -- hash of link pos-1 (64 zeros for the first)
      hash TEXT NOT NULL,           -- sha256(prev_hash + canonical JSON of the event)
      UNIQUE (case_id, seq)
    )""",
    """CREATE TABLE case_state (
      case_id TEXT PRIMARY KEY REFERENCES [case](id),
      region_code TEXT NOT NULL,
      prefecture_code TEXT,
      case_kind TEXT NOT NULL,
      cadre_level TEXT,
      state TEXT NOT NULL,          -- derived by replaying the events
      stage TEXT NOT NULL,
      events INTEGER NOT NULL,
      last_event TEXT,
      last_event_date TEXT,
      decision TEXT,                -- the final decision, once determined
      accepting_body TEXT NOT NULL,
      next_step TEXT,               -- the step whose clock is running
      time_limit TEXT,
      next_deadline TEXT,
      overdue_days INTEGER,         -- calendar days past next_deadline on as_of (0: not late)
      overdue_workdays INTEGER,     -- working days past next_deadline on as_of
      appeal_until TEXT,            -- last day the applicant may appeal
      as_of TEXT NOT NULL,
      explanation_id TEXT NOT NULL
    )""",
    """CREATE TABLE case_deadline (
      case_id TEXT NOT NULL REFERENCES [case](id),
      start_seq INTEGER NOT NULL,   -- the event that started the clock
      step TEXT NOT NULL,
      start_date TEXT NOT NULL,
      time_limit TEXT,
      deadline TEXT,
      end_seq INTEGER,
      end_date TEXT,
      status TEXT NOT NULL,         -- 按期办结/逾期办结/未到期/逾期未办/重新计时/中止/撤回/无时限
      overdue_days INTEGER,
      overdue_workdays INTEGER,
      responsible_body TEXT NOT NULL,
      PRIMARY KEY (case_id, start_seq)
    )""",
    """CREATE TABLE case_decision (
      case_id TEXT PRIMARY KEY REFERENCES [case](id),
      region_code TEXT NOT NULL,
      prefecture_code TEXT,
      determined_on TEXT NOT NULL,
      dimensions TEXT NOT NULL,     -- 节点:有利；方向:不利；…
      favourable INTEGER NOT NULL,
      unfavourable INTEGER NOT NULL,
      unclear INTEGER NOT NULL,
      unjudged INTEGER NOT NULL,
      red_line TEXT,
      rule_decision TEXT,           -- by the variant's rule
      recorded_decision TEXT,       -- 认定结论 as typed on the 认定 event
      consistent INTEGER,           -- recorded = rule (NULL: nothing recorded)
      appeal_decision TEXT,
      decision TEXT,                -- appeal decision if any, else the rule's
      consequences TEXT,
      explanation_id TEXT NOT NULL
    )""",
    """CREATE TABLE adjustment_situation (
      jurisdiction TEXT NOT NULL,
      code TEXT NOT NULL,
      title TEXT NOT NULL,
      category TEXT NOT NULL,
      source TEXT NOT NULL,
      actions TEXT,
      plugin TEXT NOT NULL,
      PRIMARY KEY (jurisdiction, code)
    )""",
    """CREATE TABLE adjustment_status (
      adjustment_id TEXT PRIMARY KEY REFERENCES adjustment(id),
      cadre_id TEXT NOT NULL,
      date TEXT NOT NULL,
      half TEXT NOT NULL,           -- 2024H1 / 2024H2
      region_code TEXT NOT NULL,
      prefecture_code TEXT,
      situation TEXT NOT NULL,
      situation_title TEXT,
      situation_category TEXT,
      situation_source TEXT,
      situation_jurisdiction TEXT,
      trigger TEXT NOT NULL,
      action TEXT NOT NULL,
      status TEXT NOT NULL,
      case_id TEXT,
      case_decision TEXT,
      tolerated_basis INTEGER NOT NULL,  -- 1: it cites a mistake that was tolerated
      explanation_id TEXT NOT NULL
    )""",
    """CREATE TABLE adjustment_inventory (
      half TEXT NOT NULL,
      prefecture_code TEXT,
      region_code TEXT NOT NULL,
      situation TEXT NOT NULL,
      situation_title TEXT,
      action TEXT NOT NULL,
      status TEXT NOT NULL,
      adjustments INTEGER NOT NULL,
      PRIMARY KEY (half, region_code, situation, action, status)
    )""",
    """CREATE TABLE adjustment_link (
      adjustment_id TEXT NOT NULL REFERENCES adjustment(id),
      link_kind TEXT NOT NULL,      -- 容错认定 / 年度考核
      ref_id TEXT NOT NULL,         -- case id or assessment id
      ref_date TEXT,
      result TEXT,                  -- decision or grade
      counts_against INTEGER,       -- 0: must not count against the cadre; NULL: unknown
      explicit INTEGER NOT NULL,    -- 1: the adjustment names it
      note TEXT NOT NULL,
      PRIMARY KEY (adjustment_id, link_kind, ref_id)
    )""",
)

_INDEXES = {
    "case_state": [("prefecture_code",), ("stage",)],
    "case_deadline": [("status",)],
    "case_decision": [("prefecture_code",), ("decision",)],
    "adjustment_status": [("half",), ("cadre_id",), ("case_id",)],
    "adjustment_link": [("ref_id",)],
}


@migrations(name="0001_case_tables")
def _case_tables(db: sqlite_utils.Database) -> None:
    for ddl in _TABLES:
        db.execute(ddl)
    for table, indexes in _INDEXES.items():
        for columns in indexes:
            db[table].create_index(list(columns), if_not_exists=True)


@migrations(name="0002_decision_dimensions")
def _decision_dimensions(db: sqlite_utils.Database) -> None:
    # The public count of decisions by dimension and finding, computed once per evaluation
    # instead of by every page view (it joins every finding with its case's decision).
    db.execute("""CREATE TABLE decision_dimension (
      dimension TEXT NOT NULL,
      finding TEXT NOT NULL,
      decision TEXT NOT NULL,
      cases INTEGER NOT NULL,
      PRIMARY KEY (dimension, finding, decision)
    )""")


@migrations(name="0003_calendar_provisional")
def _calendar_provisional(db: sqlite_utils.Database) -> None:
    # A deadline or overdue count that needed a year without a holiday schedule is counted on
    # weekends alone; the note says so (NULL: counted on the full calendar, final).
    for table in ("case_state", "case_deadline"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN provisional TEXT")


@migrations(name="0004_recorded_determination")
def _recorded_determination(db: sqlite_utils.Database) -> None:
    # The body's recorded determination is the 认定结果 (``decision``); the rule's result is a
    # check beside it (``rule_decision``, explained under ``check_explanation_id``), and only a
    # suggestion (``suggestion``) while no determination is recorded.
    for column in ("determined_by", "document_no", "suggestion", "check_explanation_id"):
        db.execute(f"ALTER TABLE case_decision ADD COLUMN {column} TEXT")
    db["case_decision"].create_index(["consistent"], if_not_exists=True)


@migrations(name="0005_decision_correction")
def _decision_correction(db: sqlite_utils.Database) -> None:
    # A 认定结论 corrected (更正) is in force with the correcting decision's 文号
    # (``document_no``); the overturned decision's 文号 (``original_document_no``) and which
    # corrections changed it (``decision_correction``) stay on the row (NULL: not corrected).
    for column in ("original_document_no", "decision_correction"):
        db.execute(f"ALTER TABLE case_decision ADD COLUMN {column} TEXT")
