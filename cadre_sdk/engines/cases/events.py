"""Load-time checks of case events, and the hash chain.

Run by ``cadre load`` after case events are written, inside the load's transaction: each case
touched by the load is replayed from its first event (stored and new, in ``seq`` order) through
the state machine of ``case_states``, as corrected by the corrections (更正, ``corrections``). An event not allowed in its case's state, a new event placed before events
already stored, an event dated before the one it follows, or a bad correction rejects the
whole load with the file, line and column of the row. When everything is allowed, the new events are
appended to the hash chain (``audit``) and the new head is recorded in the provenance table.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from cadre_sdk.core.errors import CaseError, RowError
from cadre_sdk.store.database import record_provenance
from cadre_sdk.engines.cases import audit, corrections
from cadre_sdk.engines.cases.states import START, step

_STORED = "数据库中已有的事件"


def _load_rows(db: sqlite_utils.Database, keys_table: str) -> Iterator[dict[str, Any]]:
    """Every event of every case the load touches, in (case_id, seq) order, streamed, with the
    file and line of new rows and the chain position of chained ones."""
    cols = ", ".join(f"e.[{c}]" for c in audit.CHAIN_FIELDS + audit.LATER_FIELDS)
    cur = db.conn.execute(
        f"SELECT {cols}, k._file AS _file, k._line AS _line, ch.pos AS _pos "
        f"FROM case_event e "
        f"LEFT JOIN {keys_table} k ON k.case_id = e.case_id AND k.seq = e.seq "
        f"LEFT JOIN {audit.CHAIN_TABLE} ch ON ch.case_id = e.case_id AND ch.seq = e.seq "
        f"WHERE e.case_id IN (SELECT case_id FROM {keys_table}) "
        f"ORDER BY e.case_id, e.seq")
    names = [d[0] for d in cur.description]
    return (dict(zip(names, r)) for r in cur)


def _error(ev: dict[str, Any], column: str, reason: str) -> RowError:
    if ev["_pos"] is None and ev["_file"] is not None:
        return RowError(ev["_file"], ev["_line"], column, reason)
    return RowError(_STORED, 0, column, f"案件 {ev['case_id']} 序号 {ev['seq']}：{reason}")


def check_case(case_id: str, events: list[dict[str, Any]]) -> list[RowError]:
    """The problems with one case's events (stored and new, in seq order): none when all is
    well; every bad correction (更正) of the load, each a row to fix; else the first event that
    makes the procedure impossible.

    The events are checked as corrected by every correction, as evaluations see them. A
    problem that a correction brings is the correction's, under the column it fills."""
    stored = [e["seq"] for e in events if e["_pos"] is not None]
    last_stored = max(stored, default=0)
    for ev in events:
        if ev["_pos"] is None and ev["seq"] < last_stored:
            return [_error(ev, "序号", f"案件 {case_id} 已有序号 {last_stored} 的事件入库，新事件的"
                           f"序号 {ev['seq']} 排在它之前：事件只能追加，请使用大于 {last_stored} 的序号")]
    bad = _bad_corrections(events)
    if bad:
        return bad
    corrected, _ = corrections.apply(events)
    found = _replay_problem(case_id, corrected)
    if found is None:
        return []
    # Blame the row that first makes the record impossible: rows are added in seq order (new
    # ones after the stored ones, which were checked when loaded).
    for n in range(1, len(events) + 1):
        problem = _replay_problem(case_id, corrections.apply(events[:n])[0])
        if problem is None:
            continue
        ev, column, reason = problem
        last = events[n - 1]
        if not corrections.is_correction(last):
            return [_error(ev, column, reason)]
        return [_error(last, _CORRECTED_COLUMN.get(column, column),
                       f"按这条更正改正序号 {last['corrects']} 后，{reason}")]
    return [_error(*found)]  # (not reached: the last prefix is every row)


def _bad_corrections(events: list[dict[str, Any]]) -> list[RowError]:
    """Every new correction that cannot be applied: each one found is set aside and the others
    tried again, so that a file's bad corrections are listed at once, as every bad row of a
    load is. A problem with any other row stops the search (later rows may depend on it)."""
    found: list[RowError] = []
    rest = list(events)
    while True:
        try:
            corrections.apply(rest)
            return found
        except corrections.Problem as bad:
            found.append(_error(bad.event, bad.column, bad.reason))
            if bad.event["_pos"] is not None or not corrections.is_correction(bad.event):
                return found
            rest = [e for e in rest if e is not bad.event]


#: The column of a correction that changes what a problem's column holds.
_CORRECTED_COLUMN = {title: column for _, _, title, column in corrections.FIELDS}


def _replay_problem(case_id: str, events: list[dict[str, Any]]
                    ) -> tuple[dict[str, Any], str, str] | None:
    """The first event of a procedure (no corrections) dated before the one it follows or
    not allowed in its state: (event, column, Chinese reason); None if all is well."""
    state, prev = START, None
    for ev in events:
        if prev is not None and ev["date"] < prev["date"]:
            return ev, "日期", (f"案件 {case_id} 序号 {ev['seq']} 的日期 {ev['date']} 早于"
                              f"上一事件（序号 {prev['seq']}，{prev['date']}）")
        try:
            state = step(case_id, state, ev["event"]).to
        except CaseError as exc:
            return ev, "事件", str(exc)
        prev = ev
    return None


def check_and_chain(db: sqlite_utils.Database, keys_table: str, plugins: Any = None
                    ) -> list[RowError]:
    """Replay every case the load touches; if all its events are allowed, chain the new ones.
    (The state machine is the same in every jurisdiction, so ``plugins`` is not used.)"""
    errors: list[RowError] = []
    chainer = audit.Chainer(db.conn)
    # Links are written while the cases stream by; any error rolls the whole load back.
    for case_id, group in itertools.groupby(_load_rows(db, keys_table), lambda r: r["case_id"]):
        events = list(group)
        problems = check_case(case_id, events)
        if problems:
            errors.extend(problems)
        elif not errors:
            for event in events:
                if event["_pos"] is None:
                    chainer.add(event)
    if errors or not chainer.added:
        return errors
    chainer.flush()
    record_provenance(db, "load", kind=audit.CHAIN_TABLE, rows=chainer.added,
                      detail=json.dumps({"events": chainer.pos, "head": chainer.head},
                                        sort_keys=True))
    return []
