"""Assessment explanations made when read (issue 19).

An assessment scored by the direct path (``direct``: the provincial ``weighted_score`` and
``threshold_grade``, nearly every assessment) has no explanation built or encoded when it is
evaluated: its ``explanation`` row holds a stub, ``{"replay": ["assessment", id, rule set's
hash, digests]}``. When it is read (``explanations.stored``: ``cadre explain``, the SQL function
``cadre_explain``, the publication's pages), ``explain`` makes it again, exactly as the direct
path made it (``DirectFormula.score``, ``DirectGrading.grade``, ``quota.rank_pool`` and
``cap_grade`` run on a ``CompactTrace``), from

- the rules and parameters the evaluation used: the shared ``assessment_rules:…`` entry the stub
  names, which holds, under ``direct``, per subject, the numbers the direct path read
  (``direct.group_spec``: indicator lines, the formula's and grading rule's parameters, the pool's
  quotas) — never the plugins as they are when it is read;
- the assessment's inputs as stored now (the rows ``inputs.stream_groups`` reads, for this one
  assessment), checked against the digests stored when it was evaluated (``digests``): if
  they differ, the explanation says which inputs changed and to run ``cadre evaluate`` again,
  instead of explaining numbers that are not the stored score's;
- its result row and its pool's (rank, quota), checked to come out the same.

Readers reach it by name (``explanations.REPLAYERS``): the store layer does not import engines.
"""
from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace
from typing import Any

from cadre_sdk.core.trace import CompactTrace
from cadre_sdk.engines.assessment.digests import changed_parts, digests, group_digests
from cadre_sdk.engines.assessment.direct import SPEC_VERSION, DirectFormula, DirectGrading
from cadre_sdk.engines.assessment.inputs import AnnualRow, Group, describe_inputs
from cadre_sdk.engines.assessment.quota import cap_grade, rank_pool, state_results
from cadre_sdk.engines.assessment.rule_sets import KIND as RULES_KIND
from cadre_sdk.engines.assessment.rule_sets import SPEC_KEY
from cadre_sdk.engines.assessment.schema import KIND
from cadre_sdk.engines.assessment.scoring import (
    _UNSCORED, Scored, _lines, build_inputs, subject_label,
)
from cadre_sdk.records.rule_inputs import TargetSummary, Votes
from cadre_sdk.store import explanations

def stub(assessment_id: str, rule_set: str, digest: str, spec: int = 0) -> str:
    """The stored JSON of an explanation made when read: the assessment's id, its shared
    entry's id without the kind (``assessment_rules:``), its digests (``digests``) and, when
    not 0, the index of its numbers among its shared entry's for its subject."""
    # ``canonical`` of it (the entry's hash and the digests are ASCII letters and digits)
    return (f'{{"{explanations.REPLAY_KEY}":["{KIND}",{_json_text(assessment_id)},'
            f'"{rule_set[_RULES_PREFIX:]}","{digest}"{f",{spec}" if spec else ""}]}}')


_RULES_PREFIX = len(RULES_KIND) + 1


_json_encode = json.JSONEncoder(ensure_ascii=False).encode


def _json_text(text: str) -> str:
    """A text as a JSON string (not ASCII-escaped): quoted as it is when it holds nothing
    JSON escapes (a quote, a backslash or a control character: ``isprintable`` is false for
    every control character), else as ``json`` writes it."""
    if type(text) is str and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _json_encode(text)


class _Replayed(CompactTrace):
    """A trace that records inputs, steps and result but no rules or parameters (an assessment's
    explanation names them in its shared entry)."""

    def cite(self, record: tuple) -> Any:
        return record[0].value

    def cite_all(self, records: Any) -> None:
        pass

    def rule(self, *args: Any) -> None:
        pass

    def parameter(self, pv: Any, plugin: str) -> Any:
        return pv.value


def _records(values: dict[str, Any]) -> dict[str, tuple]:
    """Parameter records (as ``direct`` takes them) of stored values by path."""
    return {path: (SimpleNamespace(value=value), None, None) for path, value in values.items()}


_ROW = ("SELECT a.id, a.subject, a.cadre_id, a.unit_code, a.year, u.kind, u.level, "
        "u.region_code, u.positioning, t.targets, t.on_schedule, t.last_month "
        "FROM assessment a JOIN unit u ON u.code = a.unit_code LEFT JOIN target_summary t "
        "ON t.unit_code = a.unit_code AND t.year = a.year WHERE a.id = ? AND a.period = '年度'")
_RESULT = ("SELECT score, raw_grade, grade, rank_in_unit, pool, quota_applied "
           "FROM assessment_result WHERE assessment_id = ?")
_SCORES = "SELECT indicator, score FROM indicator_score WHERE assessment_id = ? ORDER BY indicator"
_VOTES = ("SELECT method, excellent, competent, basic, incompetent, participants "
          "FROM evaluation WHERE assessment_id = ? ORDER BY method")
# the quarters as ``inputs._queries`` reads them (the greater id wins)
_QUARTERS = {
    "个人": ("SELECT period, routine_grade FROM assessment WHERE cadre_id = ? AND year = ? AND "
           "subject = '个人' AND period != '年度' AND routine_grade IS NOT NULL ORDER BY id"),
    "班子": ("SELECT period, routine_grade FROM assessment WHERE unit_code = ? AND year = ? AND "
           "subject = '班子' AND period != '年度' AND routine_grade IS NOT NULL ORDER BY id")}
# a pool's graded results: a unit's individuals, or the teams of a county-level region
_POOL = ("SELECT r.assessment_id, a.cadre_id, r.unit_code, r.score, r.raw_grade, r.grade, "
         "r.rank_in_unit, r.quota_applied, r.democratic_excellent_share, r.pool, e.excellent, "
         "e.participants FROM assessment_result r JOIN assessment a ON a.id = r.assessment_id "
         "LEFT JOIN evaluation e ON e.assessment_id = r.assessment_id AND e.method = '民主测评' "
         "WHERE r.score IS NOT NULL AND r.subject = ? AND r.year = ? AND ")
_POOL_WHERE = {"个人": "r.unit_code = ?", "班子": "r.region_code GLOB ? || '*'"}


def _inputs(conn: sqlite3.Connection, found: tuple) -> tuple[AnnualRow, Group]:
    """An assessment's row and its inputs as ``stream_groups`` gives them (a group of one)."""
    row = AnnualRow(*found[:9])
    scores = dict(conn.execute(_SCORES, [row.id]).fetchall())
    votes = {r[0]: Votes(*r) for r in conn.execute(_VOTES, [row.id])}
    group = Group([row], {row.id: scores} if scores else {},
                  {row.id: votes} if votes else {}, {},
                  TargetSummary(*found[9:]) if found[9] is not None else None)
    quarters = dict(conn.execute(_QUARTERS[row.subject], [
        row.cadre_id if row.subject == "个人" else row.unit_code, row.year]).fetchall())
    if quarters and (row.subject != "个人" or row.cadre_id):
        group.quarters[group.quarter_key(row)] = quarters
    return row, group


def _unreplayable(subject: Any, rule_set: str, why: str) -> dict[str, Any]:
    """An explanation saying why the stored score's explanation cannot be made again."""
    return {"subject": subject, "inputs": [], "rules": [], "parameters": [],
            "steps": [], "result": f"无法重现评定时的计算说明：{why}", "see": [rule_set]}


def explain(conn: sqlite3.Connection, stub: list) -> dict[str, Any]:
    """The explanation an assessment's stub stands for (``Trace.to_dict`` shape, as
    ``explanations.stored`` gives a stored one: rules and parameters in the shared entry)."""
    try:
        return _explain(conn, stub[1], f"{RULES_KIND}:{stub[2]}", *stub[3:])
    except sqlite3.Error:   # a file without the tables it is made from (none publishes one)
        return _unreplayable(f"年度考核（考核编号 {stub[1]}）", f"{RULES_KIND}:{stub[2]}",
                             "本文件没有重现该说明所需的考核数据表")


def _explain(conn: sqlite3.Connection, assessment_id: str, rule_set: str, digest: str,
             index: int = 0) -> dict[str, Any]:
    """``explain``."""
    found = conn.execute(_ROW, [assessment_id]).fetchone()
    result = conn.execute(_RESULT, [assessment_id]).fetchone()
    if found is None or result is None:
        return _unreplayable(f"年度考核（考核编号 {assessment_id}）", rule_set,
                             "该考核记录或其评定结果已不在库中；请重新运行 cadre evaluate")
    row, group = _inputs(conn, found)
    subject = subject_label(row)
    entry = explanations.lookup(conn, rule_set)
    specs = ((entry or {}).get(SPEC_KEY) or {}).get(row.subject) or ()
    spec = specs[index] if index < len(specs) else None
    if spec is None:
        return _unreplayable(subject, rule_set, f"共用的规则与参数条目 {rule_set} 不存在或不完整；"
                             "请重新运行 cadre evaluate")
    if spec.get("version") != SPEC_VERSION:
        return _unreplayable(subject, rule_set, "该结果由另一版本的 cadre-sdk 评定，其计算说明的格式"
                             "与本版本不同；请用本版本重新运行 cadre evaluate")
    specs = [(code, name, weight, type(weight)) for code, name, weight in spec["lines"]]
    scores = group.scores.get(row.id, {})
    inputs = build_inputs(row, group, _lines(SimpleNamespace(line_specs=specs, lines={}), scores))
    now = digests(row, scores, inputs.evaluations, inputs.quarters,
                  group_digests(row, group.targets))
    if now != digest:
        changed = changed_parts(now, digest)
        return _unreplayable(subject, rule_set, f"评定之后{'、'.join(changed) or '输入'}已变更，"
                             "现有数据不是所存得分的依据；请重新运行 cadre evaluate 后再查看")
    trace = _Replayed(subject=subject)
    trace.head_inputs = describe_inputs(inputs)
    score = DirectFormula(row.subject, _records(spec["formula"])).score(inputs, trace)
    me = Scored(row=row, trace=trace, score=score, raw_grade=None, democratic_share=0.0,
                plugins={})
    if score is None:
        trace.head_steps.append((_UNSCORED, "", "未评定"))
    else:
        me.raw_grade = me.grade = DirectGrading(_records(spec["grading"])).grade(
            score, inputs, trace)
    stored_score, raw_grade, grade, rank, label, quota_applied = result
    if (score, me.raw_grade) != (stored_score, raw_grade) or (
            score is not None and not _settle(conn, me, label, spec, result)):
        return _unreplayable(subject, rule_set, "按所存规则与现有数据算出的得分、等次或名次与所存结果"
                             "不同；请重新运行 cadre evaluate")
    if score is None:
        state_results([me], label)
    trace.see = [rule_set]
    return json.loads(explanations.canonical(trace.to_dict()))


def _settle(conn: sqlite3.Connection, me: Scored, label: str, spec: dict[str, Any],
            result: tuple) -> bool:
    """Rank ``me``'s pool and apply its quotas again (``quota.settle_pool``) from the pool's
    stored results, recording the steps in ``me``'s trace; whether every member's rank and
    grade come out as stored."""
    row = me.row
    where = row.unit_code if row.subject == "个人" else row.region_code[:6]
    pool, stored = [], {}
    for (aid, cadre_id, unit_code, score, raw_grade, grade, rank, applied, share, pool_label,
         excellent, participants) in conn.execute(
            _POOL + _POOL_WHERE[row.subject], [row.subject, row.year, where]):
        if pool_label != label:
            continue
        exact = excellent / participants if participants else 0.0
        if round(exact, 4) != share:
            return False
        if aid == row.id:
            member, me.democratic_share = me, exact
        else:
            member = Scored(row=AnnualRow(aid, row.subject, cadre_id, unit_code, row.year,
                                          "", "", "", None),
                            trace=_Replayed(subject=""), score=score, raw_grade=raw_grade,
                            democratic_share=exact, plugins={}, grade=raw_grade)
        pool.append(member)
        stored[aid] = (grade, rank, bool(applied))
    if row.id not in stored:
        return False
    graded = rank_pool(pool, label)
    for quota in spec.get("quotas", ()):
        cap_grade(graded, tuple(quota), _cite_nothing)
    state_results([me], label)
    return all(stored[s.row.id] == (s.grade, s.rank, s.quota_applied) for s in graded)


def _cite_nothing(_: Scored) -> None:
    """An assessment's quota rule and parameters are in its shared entry."""
