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
An assessment the direct path scores (``direct``: nearly all) is scored without a trace and its
explanation is made when read (``replay``): its row holds a stub with the digests of its
inputs, its shared entry the numbers the direct path read (``REPLAY = False``: stored whole).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from itertools import groupby
from typing import Any

import sqlite_utils

from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.engines.assessment.schema import KIND, _RESULT_COLUMNS, _stored, pool_label
from cadre_sdk.engines.assessment import replay
from cadre_sdk.engines.assessment.consequences import consequences
from cadre_sdk.engines.assessment.rule_sets import RuleSets
from cadre_sdk.engines.assessment.inputs import pool_key, stream_groups
from cadre_sdk.engines.assessment.quota import settle_pool
from cadre_sdk.engines.assessment.rules import AssessmentRules
from cadre_sdk.engines.assessment.scorecard import build_scorecards
from cadre_sdk.engines.assessment.scoring import Scored, score_group, subject_label
from cadre_sdk.engines.assessment.targets import summarize_targets
from cadre_sdk.engines.batch_writer import BATCH

NAME = "考核"
EXPLANATION_KINDS = ("assessment", "assessment_rules", "consequence", "scorecard", "target")

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


#: False: every assessment's explanation is stored when evaluated (tests compare both ways).
REPLAY = True


def _result(s: Scored, rulesets: RuleSets, quotas: list[tuple]) -> tuple[tuple, tuple]:
    """The result row of an assessment and its explanation row: a stub (``replay``) for one the
    direct path scored, its trace otherwise (``quotas``: its pool's, as applied)."""
    r, eid = s.row, f"{KIND}:{s.row.id}"
    pool = s.pool if s.pool != pool_label(r.subject, r.unit_code, r.region_code, r.year) else None
    row = (r.id, r.subject, r.cadre_id if r.subject == "个人" else None, r.unit_code,
           r.unit_kind, r.region_code, r.year, s.score, s.raw_grade, s.grade,
           round(s.democratic_share, 4), s.rank, s.pool_size or None, s.allowed,
           int(s.quota_applied), pool, _stored(s.plugins["indicators"]),
           _stored(s.plugins["scoring"]), _stored(s.plugins["grading"] or None))
    # explanation_id is derived: ``eid``
    if s.replay is None:
        return row, rulesets.split(eid, KIND, s.trace, r.year)
    rid = rulesets.rule_set(s.trace, r.year)
    spec = s.replay if s.score is None else _with_quotas(s.replay, quotas)
    return row, (eid, KIND, subject_label(r),
                 replay.stub(r.id, rid, s.digest, rulesets.add_spec(rid, r.subject, spec)))


_SPECS: dict[tuple, tuple[dict, dict]] = {}


def _with_quotas(spec: dict[str, Any], quotas: list[tuple]) -> dict[str, Any]:
    """``spec`` with a pool's ``quotas``: one object for equal quotas (``RuleSets.add_spec``
    then compares nothing; few for the whole run)."""
    key = (id(spec), *quotas)
    known = _SPECS.get(key)
    if known is None or known[1] is not spec:
        if len(_SPECS) > 1024:
            _SPECS.clear()
        known = _SPECS[key] = ({**spec, "quotas": [list(q) for q in quotas]}, spec)
    return known[0]


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

    def finish(pool: list[Scored], quotas: list[tuple]) -> None:
        for s in pool:
            grades[s.grade or "未评定"] += 1
            grades["名额调整"] += s.quota_applied
            results.add(*_result(s, rulesets, quotas))

    for group in stream_groups(conn, "个人"):
        first = group.rows[0]
        people = score_group(group, rules, REPLAY)
        finish(people, settle_pool(
            people, rules.quotas(first.region_code, first.year),
            pool_label("个人", first.unit_code, first.region_code, first.year), first.year))
    for (region, year), groups in groupby(stream_groups(conn, "班子"), key=pool_key):
        pool = [s for group in groups for s in score_group(group, rules, REPLAY)]
        finish(pool, settle_pool(pool, rules.quotas(region, year),
                                 pool_label("班子", "", region, year), year))
    results.flush()
    write_explanations(db, rulesets.rows())

    found = _Writer(db, _CONSEQUENCE_SQL)
    consequences(conn, rules, found.add)
    found.flush()
    cards = build_scorecards(db)
    order = ("优秀", "称职", "基本称职", "不称职", "未评定", "名额调整")
    return {"考核结果": results.count, **{g: grades[g] for g in order if grades.get(g)},
            "结果运用": found.count, "成绩单": cards, "重点目标汇总": targets}
