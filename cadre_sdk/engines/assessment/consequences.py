"""Consequences of assessment results (table ``consequence``): every ``ConsequenceRule`` in force
in the cadre's region, applied to the cadre's history of annual grades, year by year.

For year Y the rule gets the cadre's final annual grades of every year up to Y (a dict year ->
grade, oldest first); the region is that of the unit that assessed the cadre in Y. A cadre with
two annual assessments in one year: the one with the greater assessment id counts. Teams (班子)
have no personal consequences.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from itertools import groupby

from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.trace import Trace
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.plugin_host.watchdog import call_rule
from cadre_sdk.engines.assessment.rules import AssessmentRules, context, note_rule

KIND = "consequence"

_HISTORY = ("SELECT cadre_id, year, grade, region_code, unit_code, assessment_id "
            "FROM assessment_result WHERE subject = '个人' AND grade IS NOT NULL "
            "AND cadre_id IS NOT NULL ORDER BY cadre_id, year, assessment_id")


def explanation_id(cadre_id: str, year: int, code: str) -> str:
    """``consequence:<cadre>:<year>:<rule code>``."""
    return f"{KIND}:{cadre_id}:{year}:{code}"


def _years(rows: list[tuple]) -> list[tuple]:
    latest: dict[int, tuple] = {}
    for row in rows:  # ordered by year, assessment id: the last of a year wins
        latest[row[1]] = row
    return [latest[y] for y in sorted(latest)]


#: Entries kept of rule calls shared between equal histories: bounds memory.
MEMO_LIMIT = 50_000


def consequences(conn: sqlite3.Connection, rules: AssessmentRules,
                 emit: Callable[[tuple, tuple], None]) -> int:
    """Apply the consequence rules to every cadre's history; ``emit(row, explanation)`` per
    consequence found. Returns how many were found.

    A rule depends only on the history (grades by year) and its context (the year's end), so
    cadres with equal histories under one rule share one call (``ConsequenceRule``)."""
    found = 0
    memo: dict[tuple, tuple[str | None, Trace]] = {}
    for cadre_id, rows in groupby(conn.execute(_HISTORY), key=lambda r: r[0]):
        history: dict[int, str] = {}
        for _, year, grade, region, unit, assessment_id in _years(list(rows)):
            history[year] = grade
            grades = tuple(history.items())   # the history's part of each rule's key, made once
            for reg in rules.consequences(region, year):
                key = (id(reg), year, grades)
                if key not in memo:
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    memo[key] = _call(reg, year, history)
                reason, called = memo[key]
                if reason is None:
                    continue
                emit(*_found(reg, cadre_id, year, unit, assessment_id, reason, called))
                found += 1
    return found


def _call(reg: Registration, year: int, history: dict[int, str]) -> tuple[str | None, Trace]:
    """The rule's reason (None: it does not apply) and the trace of its call."""
    item = reg.item
    trace = Trace(subject="")
    trace.input("历年年度考核等次", dict(history))
    reason = call_rule(reg, item.applies, dict(history), context(reg, year, trace),
                       returns=(str, type(None)))
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise PluginError(reg.plugin, reg.hook, f"ConsequenceRule {item.code!r} returned "
                          f"{reason!r}", "return a Chinese reason (str) when the consequence "
                          "applies, else None.")
    return reason, trace


def _found(reg: Registration, cadre_id: str, year: int, unit: str, assessment_id: str,
           reason: str, called: Trace) -> tuple[tuple, tuple]:
    """The consequence row and its explanation: what the rule's call recorded, then the rule
    and the outcome."""
    item = reg.item
    trace = called.copy(f"{year} 年度考核结果运用 干部 {cadre_id}：{item.title}")
    note_rule(trace, reg)
    trace.step(item.title, reason)
    trace.result = f"{item.title}：{reason}"
    eid = explanation_id(cadre_id, year, item.code)
    return ((cadre_id, year, item.code, item.title, reason, unit, assessment_id, reg.plugin,
             reg.jurisdiction, eid),
            (eid, KIND, trace.subject, trace))
