"""What an annual assessment's scoring formula gets (``AssessmentInputs``), and how the engine
reads it from the store: four ordered queries for all the assessments of a subject, merged one
unit and year at a time (``stream_groups``), never one query per group or per indicator row.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from operator import itemgetter
from typing import Any

import attrs

from cadre_sdk.records.rule_inputs import (  # noqa: F401  (IndicatorLine: used from here)
    VOTE_FIELDS, AssessmentInputs, IndicatorLine, TargetSummary, Votes,
)











@attrs.frozen
class AnnualRow:
    """An annual assessment joined with its unit."""

    id: str
    subject: str
    cadre_id: str | None
    unit_code: str
    year: int
    unit_kind: str
    unit_level: str
    region_code: str
    positioning: str | None


@attrs.define
class Group:
    """The annual assessments of one unit and year, with every input they reference."""

    rows: list[AnnualRow]
    scores: dict[str, dict[str, float]]
    evaluations: dict[str, dict[str, Votes]]
    quarters: dict[str, dict[str, str]]   # cadre id (个人) or unit code (班子) -> quarter -> grade
    targets: TargetSummary | None = None  # the unit's "710" summary for the year

    def quarter_key(self, row: AnnualRow) -> str:
        """Routine assessments belong to the cadre (个人) or to the unit's team (班子)."""
        return row.cadre_id if row.subject == "个人" and row.cadre_id else f"班子:{row.unit_code}"


#: The order groups are read in, per subject: individuals unit by unit; teams by the pool of
#: their county-level jurisdiction (the first six digits of the unit's region), then unit.
_ORDER = {"个人": "a.unit_code, a.year", "班子": "substr(u.region_code, 1, 6), a.year, a.unit_code"}


def _annual(join: str = "") -> str:
    """FROM and WHERE of the annual assessments of one subject (``?``) with their units."""
    return (f"FROM assessment a JOIN unit u ON u.code = a.unit_code {join} "
            "WHERE a.period = '年度' AND a.subject = ?")


def _queries(subject: str) -> tuple[str, str, str, str]:
    """The four reads of ``stream_groups``, each ordered group by group (unit and year) in the
    same order: the assessments' rows and their quarters' start with their group's unit code
    and year; the scores' and votes' with their assessment's id, in the assessments' order."""
    order = _ORDER[subject]
    rows = ("SELECT a.unit_code, a.year, a.id, a.subject, a.cadre_id, a.unit_code, a.year, "
            "u.kind, u.level, u.region_code, u.positioning, t.targets, t.on_schedule, "
            "t.last_month "
            f"{_annual('LEFT JOIN target_summary t ON t.unit_code = a.unit_code AND t.year = a.year')}"
            f" ORDER BY {order}, a.id")
    scores = ("SELECT s.assessment_id, s.indicator, s.score "
              f"{_annual('JOIN indicator_score s ON s.assessment_id = a.id')}"
              f" ORDER BY {order}, s.assessment_id, s.indicator")
    votes = (f"SELECT e.assessment_id, e.method, "
             f"{', '.join('e.' + f for f in VOTE_FIELDS)}, e.participants "
             f"{_annual('JOIN evaluation e ON e.assessment_id = a.id')}"
             f" ORDER BY {order}, e.assessment_id, e.method")
    # A cadre's quarters count wherever they were recorded (a cadre may move mid-year); a
    # team's are its unit's. Two records for one quarter: the one with the greater id wins.
    if subject == "个人":
        quarters = ("SELECT a.unit_code, a.year, q.cadre_id, q.period, q.routine_grade "
                    f"{_annual('JOIN assessment q ON q.cadre_id = a.cadre_id AND q.year = a.year')}"
                    " AND q.subject = '个人' AND q.period != '年度' AND q.routine_grade IS NOT NULL"
                    f" ORDER BY {order}, q.id")
    else:
        quarters = ("SELECT a.unit_code, a.year, '班子:' || a.unit_code, a.period, "
                    "a.routine_grade FROM assessment a JOIN unit u ON u.code = a.unit_code "
                    "WHERE a.subject = ? AND a.period != '年度' AND a.routine_grade IS NOT NULL "
                    "AND EXISTS (SELECT 1 FROM assessment t WHERE t.unit_code = a.unit_code AND "
                    "t.year = a.year AND t.period = '年度' AND t.subject = a.subject) "
                    f"ORDER BY {order}, a.id")
    return rows, scores, votes, quarters


def _runs(cursor: Iterable[tuple]) -> Iterator[tuple[tuple, list[tuple]]]:
    """The rows of an ordered cursor in runs of equal (unit code, year) (its first columns)."""
    for key, run in groupby(cursor, key=itemgetter(0, 1)):
        yield key, list(run)


def stream_groups(conn: sqlite3.Connection, subject: str) -> Iterator[Group]:
    """Every unit-year's annual assessments of ``subject`` (个人 or 班子) with their indicator
    scores, evaluations, routine (quarterly) grades and the unit's "710" summary (from
    ``target_summary``, written before), one group at a time (nothing is held
    beyond the group being read: memory does not grow with the number of cadres). Groups come
    unit by unit (individuals) or pool by pool (teams, see ``_ORDER``)."""
    rows_sql, scores_sql, votes_sql, quarters_sql = _queries(subject)
    main = _runs(conn.execute(rows_sql, [subject]))
    # the scores and votes in runs of one assessment (their first column), in main's order:
    # each run is its assessment's (their assessments are a subset of main's)
    scores_of = groupby(conn.execute(scores_sql, [subject]), key=itemgetter(0))
    votes_of = groupby(conn.execute(votes_sql, [subject]), key=itemgetter(0))
    quarters_of = _runs(conn.execute(quarters_sql, [subject]))
    next_scores, next_votes = next(scores_of, None), next(votes_of, None)
    next_quarters = next(quarters_of, None)
    for key, rows in main:
        scores: dict[str, dict[str, float]] = {}
        evaluations: dict[str, dict[str, Votes]] = {}
        for row in rows:
            aid = row[2]
            if next_scores is not None and next_scores[0] == aid:
                scores[aid] = {code: score for _, code, score in next_scores[1]}
                next_scores = next(scores_of, None)
            if next_votes is not None and next_votes[0] == aid:
                evaluations[aid] = {method: Votes(method, *counts)
                                    for _, method, *counts in next_votes[1]}
                next_votes = next(votes_of, None)
        quarters: dict[str, dict[str, str]] = defaultdict(dict)
        # their groups are a subset of main's, in the same order
        if next_quarters is not None and next_quarters[0] == key:
            for _, _, who, period, grade in next_quarters[1]:
                quarters[who][period] = grade
            next_quarters = next(quarters_of, None)
        first = rows[0]
        targets = TargetSummary(*first[11:]) if first[11] is not None else None
        yield Group([AnnualRow(*r[2:11]) for r in rows], scores, evaluations,
                    dict(quarters), targets)


def pool_key(group: Group) -> tuple[str, int]:
    """The quota pool of a team (班子) group: its county-level code and year."""
    row = group.rows[0]
    return row.region_code[:6], row.year


_QUARTER_ORDER = {q: i for i, q in enumerate(("一季度", "二季度", "三季度", "四季度"))}


def _quarter_rank(quarter: str) -> int:
    return _QUARTER_ORDER.get(quarter, 9)


def sorted_quarters(quarters: Mapping[str, str]) -> dict[str, str]:
    """Quarters in calendar order (一季度 … 四季度; any other after them, as given)."""
    out = {q: quarters[q] for q in _QUARTER_ORDER if q in quarters}
    if len(out) == len(quarters):   # the four quarters only (no sort needed)
        return out
    return {q: quarters[q] for q in sorted(quarters, key=_quarter_rank)}


def describe_inputs(inputs: AssessmentInputs) -> list[tuple[str, Any]]:
    """The raw inputs as (Chinese label, value) pairs for the explanation."""
    out: list[tuple[str, Any]] = [
        ("考核编号", inputs.assessment_id), ("考核对象", inputs.subject),
        ("干部编号" if inputs.subject == "个人" else "班子所在单位",
         inputs.cadre_id if inputs.subject == "个人" else inputs.unit_code),
        ("考核单位", inputs.unit_code), ("单位类别", f"{inputs.unit_kind}（{inputs.unit_level}级）"),
        ("所在地区", inputs.region_code), ("年度", inputs.year),
    ]
    if inputs.positioning:
        out.append(("功能定位", inputs.positioning))
    out.append(("指标得分", {line.code: line.score for line in inputs.indicators}))
    if inputs.extra_scores:
        out.append(("不在指标集内的得分（未采用）", dict(inputs.extra_scores)))
    for method, votes in inputs.evaluations.items():
        out.append((method, votes.as_dict()))
    out.append(("平时考核", dict(inputs.quarters) or "无季度记录"))
    if inputs.targets is not None:
        t = inputs.targets
        out.append(("“710”重点目标", {"目标数": t.targets, "按进度": t.on_schedule,
                                      "截至月份": t.last_month}))
    return out
