"""Views and aggregates computed when publishing, so that Datasette reads small tables instead
of aggregating large ones at query time (see PERFORMANCE.md). Each builder checks that its
sources were published and returns the name of what it built, or None.

The daily-inspection counts read summaries of the observations (``observation_by_source``,
``_by_unit``, ``_by_tag``: ``defaults.inspection_queries.SUMMARIES``), built at oversight
level only: the public level publishes no observations, and the summaries count people.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from cadre_sdk.defaults.inspection_queries import SUMMARIES
from cadre_sdk.engines.subsidies.schema import LEDGER_VIEW
from cadre_sdk.publish.copy import index_filters
from cadre_sdk.publish.introspect import has, prefecture_sql
from cadre_sdk.publish.redact import OVERSIGHT, PUBLIC


def cadre_overview(conn: sqlite3.Connection, level: str, min_raters: int) -> str | None:
    """The view 干部一览: each cadre with unit, region and prefecture names (names of cadres
    at oversight level only)."""
    if not (has(conn, "cadre") and has(conn, "unit") and has(conn, "region")):
        return None
    name = "c.name AS name, " if has(conn, "cadre", "name") else ""
    conn.execute(f"""CREATE VIEW cadre_overview AS
SELECT c.id AS cadre_id, {name}c.gender, c.birth, c.ethnicity, c.post, c.rank, c.level,
  c.is_leader, c.is_principal, c.unit_code, u.name AS unit_name, u.kind AS unit_kind,
  u.region_code, r.name AS region_name, {prefecture_sql("u.region_code")} AS prefecture_code,
  p.name AS prefecture_name
FROM cadre c
JOIN unit u ON u.code = c.unit_code
LEFT JOIN region r ON r.code = u.region_code
LEFT JOIN region p ON p.code = {prefecture_sql("u.region_code")}""")
    return "cadre_overview"


def evaluation_summary(conn: sqlite3.Connection, level: str, min_raters: int) -> str | None:
    """测评汇总: votes per unit, year and method. At public level a group is published only if
    at least ``min_raters`` raters stand behind it; the votes of single assessments are not."""
    if not (has(conn, "evaluation", schema="src") and has(conn, "assessment", schema="src")):
        return None
    conn.execute("""CREATE TABLE evaluation_summary (
  unit_code TEXT NOT NULL REFERENCES unit(code), year INTEGER NOT NULL, method TEXT NOT NULL,
  assessments INTEGER NOT NULL, participants INTEGER NOT NULL, excellent INTEGER NOT NULL,
  competent INTEGER NOT NULL, basic INTEGER NOT NULL, incompetent INTEGER NOT NULL,
  excellent_share REAL,
  PRIMARY KEY (unit_code, year, method))""")
    conn.execute("""INSERT INTO evaluation_summary
SELECT a.unit_code, a.year, e.method, count(*), sum(e.participants), sum(e.excellent),
  sum(e.competent), sum(e.basic), sum(e.incompetent),
  round(100.0 * sum(e.excellent) / nullif(sum(e.participants), 0), 1)
FROM src.evaluation e JOIN src.assessment a ON a.id = e.assessment_id
GROUP BY a.unit_code, a.year, e.method
HAVING sum(e.participants) >= ?
ORDER BY a.unit_code, a.year, e.method""", [min_raters if level == PUBLIC else 0])
    index_filters(conn, "evaluation_summary")
    return "evaluation_summary"


def subsidy_ledger(conn: sqlite3.Connection, level: str, min_raters: int) -> str | None:
    """The view 补贴台账 as the store has it (every text of a line written out), over the
    published ``subsidy_line`` and the schemes and rules it cites (oversight level only)."""
    if not all(has(conn, t) for t in ("subsidy_line", "subsidy_scheme", "subsidy_rule")):
        return None
    conn.execute(LEDGER_VIEW)
    return "subsidy_ledger"


#: The published tables each summary is made of, by summary.
SOURCES: dict[str, tuple[str, ...]] = {name: ("observation", "cadre", "unit") for name in SUMMARIES}


def observation_summaries(conn: sqlite3.Connection, level: str) -> list[str]:
    """Build the summaries the daily-inspection counts read (``SUMMARIES``) from the published
    tables, at oversight level only; the names built."""
    if level != OVERSIGHT:
        return []
    built = []
    for name, (columns, select) in SUMMARIES.items():
        if all(has(conn, t) for t in SOURCES[name]):
            conn.execute(f"CREATE TABLE [{name}] ({columns})")
            conn.execute(f"INSERT INTO [{name}]\n{select}")
            index_filters(conn, name)   # a reader may browse and filter it as a table
            built.append(name)
    return built


#: Every builder, in order: ``builder(conn, level, min_raters) -> name or None``.
BUILDERS: tuple[Callable[[sqlite3.Connection, str, int], str | None], ...] = (
    cadre_overview, evaluation_summary, subsidy_ledger,
)


def materialize(conn: sqlite3.Connection, level: str, min_raters: int) -> list[str]:
    """Run every builder, then build the observation summaries; the names of the views and
    tables built."""
    built = [name for build in BUILDERS if (name := build(conn, level, min_raters))]
    return built + observation_summaries(conn, level)
