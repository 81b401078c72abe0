"""What an annual assessment's scoring formula gets (``AssessmentInputs``), and how the engine
reads it from the store: one unit and year at a time, a handful of queries per group, never one
query per indicator row.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import attrs

ANNUAL = "年度"
VOTE_FIELDS = ("excellent", "competent", "basic", "incompetent")


@attrs.frozen
class Votes:
    """The votes of one evaluation (民主测评, 反向测评 or 考核谈话) of one assessment.

    Participants who cast no grade (abstentions) are ``participants`` minus the votes cast."""

    method: str
    excellent: int
    competent: int
    basic: int
    incompetent: int
    participants: int

    @property
    def cast(self) -> int:
        """Votes cast for a grade."""
        return self.excellent + self.competent + self.basic + self.incompetent

    @property
    def abstained(self) -> int:
        """Participants who gave no grade."""
        return max(self.participants - self.cast, 0)

    @property
    def excellent_share(self) -> float:
        """Share of participants who voted 优秀 (0 when nobody took part)."""
        return self.excellent / self.participants if self.participants else 0.0

    def as_dict(self) -> dict[str, int]:
        """The counts, with Chinese labels, for explanations."""
        return {"优秀": self.excellent, "称职": self.competent, "基本称职": self.basic,
                "不称职": self.incompetent, "参评人数": self.participants}


@attrs.frozen
class IndicatorLine:
    """One indicator of the set that applies, its weight (%) in force, and the score (None: the
    clerks' data has no score for it)."""

    code: str
    name: str
    weight: float
    score: float | None


@attrs.frozen
class TargetSummary:
    """A unit's "710" key-target progress in one year: per target the latest month's record,
    on schedule when its actual progress is at least the planned progress."""

    targets: int
    on_schedule: int
    last_month: int

    @property
    def share(self) -> float:
        """Share of targets on schedule (0–1)."""
        return self.on_schedule / self.targets if self.targets else 0.0


@attrs.frozen
class AssessmentInputs:
    """Everything a ``ScoringFormula`` or ``GradingRule`` may use for one annual assessment.

    ``indicators`` are the lines of the indicator set that applies (weights already read at 31
    December of ``year``); ``extra_scores`` are scores for codes not in that set (ignored by the
    default formula, kept for local ones); ``evaluations`` maps 民主测评/反向测评/考核谈话 to
    ``Votes``; ``quarters`` maps 一季度…四季度 to the routine grade given (only quarters with a
    record); ``targets`` is the unit's "710" summary for the year, or None.
    """

    assessment_id: str
    subject: str
    cadre_id: str | None
    unit_code: str
    unit_kind: str
    unit_level: str
    region_code: str
    positioning: str | None
    year: int
    indicators: tuple[IndicatorLine, ...]
    extra_scores: Mapping[str, float]
    evaluations: Mapping[str, Votes]
    quarters: Mapping[str, str]
    targets: TargetSummary | None


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

    def quarter_key(self, row: AnnualRow) -> str:
        """Routine assessments belong to the cadre (个人) or to the unit's team (班子)."""
        return row.cadre_id if row.subject == "个人" and row.cadre_id else f"班子:{row.unit_code}"


def individual_groups(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(unit code, year) of every unit with annual assessments of individuals, in order."""
    return conn.execute("SELECT DISTINCT unit_code, year FROM assessment WHERE period = ? "
                        "AND subject = '个人' ORDER BY unit_code, year", [ANNUAL]).fetchall()


def team_pools(conn: sqlite3.Connection) -> dict[tuple[str, int], list[str]]:
    """The units with an annual team (班子) assessment, by county-level code (the first six
    digits of the unit's region) and year, in order."""
    pools: dict[tuple[str, int], list[str]] = defaultdict(list)
    for region, year, unit in conn.execute(
            "SELECT DISTINCT substr(u.region_code, 1, 6), a.year, a.unit_code FROM assessment a "
            "JOIN unit u ON u.code = a.unit_code WHERE a.period = ? AND a.subject = '班子' "
            "ORDER BY 1, 2, 3", [ANNUAL]):
        pools[(region, year)].append(unit)
    return dict(pools)


_IN_GROUP = ("SELECT id FROM assessment WHERE unit_code = ? AND year = ? AND period = '年度' "
             "AND subject = ?")


def load_group(conn: sqlite3.Connection, unit_code: str, year: int, subject: str) -> Group:
    """Read one unit-year's annual assessments of ``subject`` (个人 or 班子) and their
    indicator scores, evaluations and routine (quarterly) grades."""
    args = [unit_code, year, subject]
    rows = [AnnualRow(*r) for r in conn.execute(
        "SELECT a.id, a.subject, a.cadre_id, a.unit_code, a.year, u.kind, u.level, "
        "u.region_code, u.positioning FROM assessment a JOIN unit u ON u.code = a.unit_code "
        "WHERE a.unit_code = ? AND a.year = ? AND a.subject = ? AND a.period = '年度' "
        "ORDER BY a.id", args)]
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    for aid, code, score in conn.execute(
            f"SELECT assessment_id, indicator, score FROM indicator_score WHERE assessment_id IN "
            f"({_IN_GROUP}) ORDER BY assessment_id, indicator", args):
        scores[aid][code] = score
    evaluations: dict[str, dict[str, Votes]] = defaultdict(dict)
    for aid, method, *counts in conn.execute(
            f"SELECT assessment_id, method, {', '.join(VOTE_FIELDS)}, participants FROM "
            f"evaluation WHERE assessment_id IN ({_IN_GROUP}) ORDER BY assessment_id, method",
            args):
        evaluations[aid][method] = Votes(method, *counts)
    return Group(rows, dict(scores), dict(evaluations), _quarters(conn, unit_code, year, subject))


def _quarters(conn: sqlite3.Connection, unit_code: str, year: int, subject: str
              ) -> dict[str, dict[str, str]]:
    # A cadre's quarters count wherever they were recorded (a cadre may move mid-year); a team's
    # are its unit's. Two records for one quarter: the one with the greater assessment id wins.
    out: dict[str, dict[str, str]] = defaultdict(dict)
    if subject == "个人":
        query = ("SELECT q.cadre_id, q.period, q.routine_grade FROM assessment a "
                 "JOIN assessment q ON q.cadre_id = a.cadre_id AND q.year = a.year "
                 "WHERE a.unit_code = ? AND a.year = ? AND a.period = '年度' AND "
                 "a.subject = '个人' AND q.subject = '个人' AND q.period != '年度' AND "
                 "q.routine_grade IS NOT NULL ORDER BY q.id")
    else:
        query = ("SELECT '班子:' || unit_code, period, routine_grade FROM assessment WHERE "
                 "subject = '班子' AND unit_code = ? AND year = ? AND period != '年度' AND "
                 "routine_grade IS NOT NULL ORDER BY id")
    for key, period, grade in conn.execute(query, [unit_code, year]):
        out[key][period] = grade
    return dict(out)


def sorted_quarters(quarters: Mapping[str, str]) -> dict[str, str]:
    """Quarters in calendar order (一季度 … 四季度)."""
    order = {q: i for i, q in enumerate(("一季度", "二季度", "三季度", "四季度"))}
    return {q: quarters[q] for q in sorted(quarters, key=lambda q: order.get(q, 9))}


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
