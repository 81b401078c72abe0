"""Assessment inputs: the assessment itself, indicator scores, evaluations, key-target progress."""
from __future__ import annotations

from operator import add, gt

from cadre_sdk.records import vocab
from cadre_sdk.records.fields import column, judged_by, record


def _personal_without_cadre(subject: str | None, cadre_id: str | None) -> bool:
    return subject == "个人" and cadre_id is None


@judged_by(_personal_without_cadre, "subject", "cadre_id")
def _subject_has_cadre(rec: "Assessment") -> None:
    if _personal_without_cadre(rec.subject, rec.cadre_id):
        raise ValueError("个人考核须填写“干部编号”")


@record("assessment", "考核", checks=(_subject_has_cadre,))
class Assessment:
    """One assessment of a cadre (个人) or a leadership team (班子) for a year or a quarter.

    Annual grades are computed by ``cadre evaluate``; a quarterly (平时) assessment carries the
    grade it was given (好/较好/一般/较差).
    """

    id: str = column("考核编号", "code", key=True, aliases=("编号",))
    subject: str = column("考核对象", choices=vocab.ASSESSMENT_SUBJECT, aliases=("对象",))
    cadre_id: str | None = column("干部编号", "code", required=False, ref="cadre")
    unit_code: str = column("单位代码", "code", ref="unit", aliases=("考核单位", "工作单位"))
    year: int = column("年度", "year", aliases=("考核年度",))
    period: str = column("考核周期", choices=vocab.ASSESSMENT_PERIOD, aliases=("周期",))
    routine_grade: str | None = column("平时考核等次", required=False, choices=vocab.ROUTINE_GRADE,
                                       aliases=("季度等次",))


@record("indicator_score", "指标得分", key=("assessment_id", "indicator"))
class IndicatorScore:
    """The score (0–100) of one indicator in one assessment."""

    assessment_id: str = column("考核编号", "code", ref="assessment")
    indicator: str = column("指标代码", "code", aliases=("指标",))
    score: float = column("得分", "number", minimum=0, maximum=100, aliases=("分数",))


def _votes_exceed(excellent: int, competent: int, basic: int, incompetent: int,
                  participants: int) -> bool:
    return excellent + competent + basic + incompetent > participants


def _any_votes_exceed(excellent: list[int], competent: list[int], basic: list[int],
                     incompetent: list[int], participants: list[int]) -> bool:
    """``_votes_exceed`` of some row of these columns (summed column-wise, without a Python
    call per row)."""
    votes = map(add, map(add, map(add, excellent, competent), basic), incompetent)
    return any(map(gt, votes, participants))


@judged_by(_votes_exceed, "excellent", "competent", "basic", "incompetent", "participants",
           any_fails=_any_votes_exceed)
def _votes_within_participants(rec: "Evaluation") -> None:
    if _votes_exceed(rec.excellent, rec.competent, rec.basic, rec.incompetent, rec.participants):
        votes = rec.excellent + rec.competent + rec.basic + rec.incompetent
        raise ValueError(f"票数合计 {votes} 超过参评人数 {rec.participants}")


@record("evaluation", "测评结果", key=("assessment_id", "method"),
        checks=(_votes_within_participants,))
class Evaluation:
    """Votes of a democratic or reverse evaluation, or the result of assessment interviews."""

    assessment_id: str = column("考核编号", "code", ref="assessment")
    method: str = column("测评方式", choices=vocab.EVALUATION_METHOD, aliases=("方式",))
    excellent: int = column("优秀票", "int", minimum=0, aliases=("优秀",))
    competent: int = column("称职票", "int", minimum=0, aliases=("称职", "较好票"))
    basic: int = column("基本称职票", "int", minimum=0, aliases=("基本称职", "一般票"))
    incompetent: int = column("不称职票", "int", minimum=0, aliases=("不称职", "较差票"))
    participants: int = column("参评人数", "int", minimum=0, aliases=("参加人数", "应参评人数"))



@record("target_progress", "重点目标进展")
class TargetProgress:
    """Progress of one key target in one month (the "710" tracking of key targets)."""

    id: str = column("记录编号", "code", key=True, aliases=("编号",))
    unit_code: str = column("单位代码", "code", ref="unit")
    year: int = column("年度", "year")
    month: int = column("月份", "int", minimum=1, maximum=12)
    target: str = column("重点目标", max_length=500, aliases=("目标",))
    planned: float = column("计划进度", "number", minimum=0, maximum=100, aliases=("计划进度%",))
    actual: float = column("实际进度", "number", minimum=0, maximum=100, aliases=("实际进度%",))
