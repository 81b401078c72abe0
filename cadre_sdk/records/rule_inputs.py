"""What rule functions receive: the inputs the engines build for one subject and hand to a
plugin's function (``ScoringFormula``/``GradingRule``: ``AssessmentInputs``;
``SubsidyRule.compute``: ``Entitlement``; a tolerance variant's ``accepting_body``:
``CaseInputs``). Public through ``cadre_sdk.rules``; plain frozen data, no engine logic."""
from __future__ import annotations

from collections.abc import Mapping

import attrs

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
class Entitlement:
    """What a subsidy rule gets for one cadre and month (``SubsidyRule.compute(entitlement,
    ctx)``). It names no cadre: equal facts must give equal amounts."""

    month: str                          # YYYY-MM
    township_code: str                  # the paying township (most days this month)
    days: int                           # days actually worked at township posts this month
    days_by_township: tuple[tuple[str, int], ...]  # every township this month, by code
    township_name: str | None
    region_level: str | None            # the township region's level (乡镇 normally)
    subdistrict: bool                   # a 街道 (the level vocabulary folds 街道 into 乡镇)
    hardship_class: int | None          # 0 (none) .. 6, None if not given
    especially_hard: bool
    altitude_m: int | None
    service_months: int                 # months of township work before this month
    service_years: int                  # completed years: service_months // 12
    posted: bool                        # a township spell covers this month
    first_month: bool                   # the month township work (a spell) starts
    last_month: bool                    # the month township work ends (transfer, retirement)
    left_township: str | None           # if not posted: the month the last spell ended
    starts: str | None                  # if not posted: the month the next spell starts


@attrs.frozen
class CaseInputs:
    """What a variant's ``accepting_body`` function gets about a case."""

    id: str
    kind: str
    region_code: str
    cadre_id: str
    cadre_level: str | None
