"""Grade quotas: rank a pool of graded assessments and cap a grade's share.

Pools: the individuals (个人) of one unit and year; the leadership teams (班子) of the units of one
county-level jurisdiction (the first six digits of the unit's region code) and year. Teams are
never pooled with individuals.

Ranking (documented rule, deterministic): score descending; ties by the share of 优秀 votes in
the democratic evaluation (优秀票 ÷ 参评人数; none: 0) descending; then cadre id (teams: unit
code) ascending; then assessment id. The cap is ``share × graded in the pool``, rounded as the
quota says (``floor`` by default, so a unit of 3 at 15% gets ⌊0.45⌋ = 0), raised to the quota's
``minimum`` if it has one. Candidates for the capped grade are taken in rank order; those beyond
the cap get the next grade down (优秀 → 称职). Assessments without a score are not counted.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.trace import Joined
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.records.vocab import ANNUAL_GRADES
from cadre_sdk.engines.assessment.direct import Cited
from cadre_sdk.engines.assessment.rules import rule_entry, year_end
from cadre_sdk.engines.assessment.scoring import Scored

RANK_RULE = "得分降序；同分按民主测评优秀票比例降序；再按干部编号（班子为单位代码）升序"


def rank_key(s: Scored) -> tuple:
    """The documented ranking order (smallest first)."""
    return (-(s.score or 0.0), -s.democratic_share, s.tiebreak_id, s.row.id)


def quota_size(share: float, n: int, rounding: str, minimum: int = 0) -> int:
    """How many of ``n`` may have the capped grade. ``share × n`` is rounded to 9 decimals
    first so that binary fractions (0.15 × 20 = 3.0000000000000004) do not tip ``ceil``."""
    exact = round(share * n, 9)
    if rounding == "floor":
        allowed = math.floor(exact)
    elif rounding == "ceil":
        allowed = math.ceil(exact)
    else:  # round half up, not Python's half-to-even
        allowed = math.floor(exact + 0.5)
    return min(max(allowed, minimum), n)


def _rounding_zh(rounding: str) -> str:
    return {"floor": "向下取整", "ceil": "向上取整"}.get(rounding, "四舍五入")


def _tie(s: Scored) -> tuple:
    """What must be equal for two assessments to be tied (before the id decides)."""
    return (s.score, s.democratic_share)


def rank_pool(pool: Sequence[Scored], label: str) -> list[Scored]:
    """Rank the graded members of a pool and note the rank in each explanation."""
    graded = sorted((s for s in pool if s.score is not None), key=rank_key)
    for n, s in enumerate(graded, 1):
        s.rank, s.pool, s.pool_size = n, label, len(graded)
        if type(s.trace) is not Cited:   # (a shared trace records no steps)
            s.trace.step(f"排名（{label}）", f"第 {n} 名，共 {len(graded)} 名")
    ties: dict[tuple, list[Scored]] = {}
    for s in graded:
        ties.setdefault(_tie(s), []).append(s)
    for s in graded:
        tied = ties[_tie(s)]
        if len(tied) > 1:
            order = "、".join(f"{t.tiebreak_id}（第 {t.rank} 名）" for t in tied)
            s.trace.step("并列", order, "得分和民主测评优秀票比例均相同；按 cadre-sdk 的约定以干部编号"
                         "（班子为单位代码）升序排定名次（docs/conventions.md）")
    for s in pool:
        if s.score is None:
            s.pool = label
    return graded


def apply_quota(graded: list[Scored], reg: Registration, year: int) -> tuple:
    """Cap ``reg``'s grade among ``graded`` (already ranked), noting the quota and its rule and
    parameters in each explanation; those over the cap get the next grade down. Returns the
    quota as ``cap_grade`` takes it (what an explanation made when read replays:
    ``replay``)."""
    item = reg.item
    if item.grade not in ANNUAL_GRADES[:-1]:
        raise PluginError(reg.plugin, reg.hook, f"GradeQuota caps {item.grade!r}",
                          f"cap one of {'/'.join(ANNUAL_GRADES[:-1])}.")
    on = year_end(year)
    share_pv = item.parameters.at(item.share, on)
    minimum_pv = item.parameters.at(item.minimum, on) if item.minimum else None
    entry = rule_entry(reg)
    last: list = [None]

    def cite(s: Scored) -> None:
        if s.trace is last[0]:   # a trace the pool's results share (``scoring.Cited``)
            return
        last[0] = s.trace
        s.trace.rule(*entry)
        s.trace.parameter(share_pv, reg.plugin)
        if minimum_pv:
            s.trace.parameter(minimum_pv, reg.plugin)
    quota = (item.grade, item.rounding, share_pv.value,
             int(minimum_pv.value) if minimum_pv else 0)
    cap_grade(graded, quota, cite)
    return quota


def cap_grade(graded: list[Scored], quota: tuple, cite: Callable[[Scored], None]) -> None:
    """``apply_quota`` of ``quota`` (its grade, rounding, share and minimum), ``cite`` recording
    its rule and parameters in an assessment's explanation."""
    grade, rounding, share, minimum = quota
    fallback = ANNUAL_GRADES[ANNUAL_GRADES.index(grade) + 1]
    n = len(graded)
    allowed = quota_size(float(share), n, rounding, minimum)
    formula = f"{share:g} × {n} = {round(share * n, 9):g}，" \
              f"{_rounding_zh(rounding)}" + (f"，不少于 {minimum}" if minimum else "")
    kept = 0
    for s in graded:
        cite(s)
        s.trace.step(f"{grade}名额", allowed, formula)
        s.allowed = allowed if grade == "优秀" else s.allowed
        if s.grade != grade:
            continue
        if kept < allowed:
            kept += 1
            s.trace.step(f"{grade}候选按排名在名额内（第 {kept} 个，名额 {allowed}）", grade)
        elif allowed == 0:
            s.grade, s.quota_applied = fallback, True
            s.trace.step(f"{grade}名额为 0（{formula}），本单位无人可评为{grade}，"
                         f"定为{fallback}", fallback)
        else:
            s.grade, s.quota_applied = fallback, True
            ahead = [t for t in graded if t.rank < s.rank and _tie(t) == _tie(s)]
            why = (f"与 {'、'.join(t.tiebreak_id for t in ahead)} 并列，按干部编号排在其后"
                   if ahead else "已由排名在前者占满")
            s.trace.step(f"{grade}候选超出名额（名额 {allowed}，{why}），"
                         f"定为{fallback}", fallback)


def settle_pool(pool: Sequence[Scored], quotas: list[Registration], label: str,
                year: int) -> list[tuple]:
    """Rank a pool, apply its quotas from the best grade down, and state the final grade.
    Returns the quotas applied, in order (``apply_quota``)."""
    graded = rank_pool(pool, label)
    order = {g: i for i, g in enumerate(ANNUAL_GRADES)}
    applied = [apply_quota(graded, reg, year)
               for reg in sorted(quotas, key=lambda r: order.get(r.item.grade, 99))]
    state_results(pool, label)
    return applied


def state_results(pool: Sequence[Scored], label: str) -> None:
    """Each explanation's result: the score, final grade and rank (once ranked and capped)."""
    for s in pool:
        if type(s.trace) is Cited:    # a shared trace: no result (made when read: ``replay``)
            continue
        if s.score is None:
            s.trace.result = "未评定（无可计分的考核数据）"
            continue
        note = f"（名额限制前为{s.raw_grade}）" if s.quota_applied else ""
        # the texts between the score and the rank as one part (repeated in the pool)
        s.trace.result = Joined(("得分 ", f"{s.score:g}", f"，等次 {s.grade}{note}，{label}第 ",
                                 f"{s.rank}", " 名"))
