"""The "710" key-target summary per unit and year (table ``target_summary``).

Rule: for each target (by its text) the record of the latest month of the year counts (two
records for one month: the greater record id); the target is on schedule when its actual
progress is at least the planned progress. The share on schedule is a formula input
(``AssessmentInputs.targets``); the default formula weighs it for teams only.
"""
from __future__ import annotations

from itertools import groupby

import sqlite_utils

from cadre_sdk.core.trace import Trace
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.engines.assessment.inputs import TargetSummary
from cadre_sdk.engines.batch_writer import BATCH

KIND = "target"

_LATEST = """
SELECT unit_code, year, target, month, planned, actual FROM (
  SELECT unit_code, year, target, month, planned, actual,
         ROW_NUMBER() OVER (PARTITION BY unit_code, year, target
                            ORDER BY month DESC, id DESC) AS n
  FROM target_progress)
WHERE n = 1
ORDER BY unit_code, year, target
"""


def explanation_id(unit_code: str, year: int) -> str:
    """``target:<unit>:<year>``."""
    return f"{KIND}:{unit_code}:{year}"


def summarize_targets(db: sqlite_utils.Database) -> int:
    """Write ``target_summary`` and its explanations; return how many summaries (the scoring
    reads them back with the assessments, ``stream_groups``)."""
    summaries = 0
    rows, explanations = [], []
    for (unit, year), group in groupby(db.conn.execute(_LATEST), key=lambda r: (r[0], r[1])):
        trace = Trace(subject=f"{year} 年度 {unit} “710”重点目标进度")
        on = 0
        last = 0
        for _, _, target, month, planned, actual in group:
            ok = actual >= planned
            on += ok
            last = max(last, month)
            trace.input(f"{target}（{month} 月）", {"计划进度": planned, "实际进度": actual})
            trace.step(f"“{target}”{'按进度' if ok else '滞后'}", "是" if ok else "否",
                       f"实际 {actual:g}% {'≥' if ok else '<'} 计划 {planned:g}%")
        count = len(trace.inputs)
        summary = TargetSummary(targets=count, on_schedule=on, last_month=last)
        trace.step("按进度目标比例", summary.share, f"{on} ÷ {count}")
        trace.result = f"重点目标 {count} 项，按进度 {on} 项（{summary.share:.0%}）"
        summaries += 1
        eid = explanation_id(unit, year)
        rows.append((unit, year, count, on, count - on, round(summary.share, 4), last, eid))
        explanations.append((eid, KIND, trace.subject, trace))
        if len(rows) >= BATCH:
            _write(db, rows, explanations)
    _write(db, rows, explanations)
    return summaries


def _write(db: sqlite_utils.Database, rows: list[tuple], explanations: list[tuple]) -> None:
    db.conn.executemany("INSERT INTO target_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    write_explanations(db, explanations)
    rows.clear()
    explanations.clear()
