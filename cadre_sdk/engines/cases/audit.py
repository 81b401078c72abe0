"""The audit trail of case events: a hash chain anyone can recompute from the published file.

This module uses the Python standard library only, so it can be copied and run on its own
against any SQLite file holding the tables ``case_event`` and ``event_chain``.

Hash recipe (to reimplement it in any language):

1. The chain is one sequence over every case event ever loaded, in the order of
   ``event_chain.pos`` (1, 2, 3, ...). Within one load, new events are chained in order of
   ``case_id`` then ``seq``.
2. The *canonical JSON* of an event is a JSON object with exactly the keys ``case_id``,
   ``seq``, ``event``, ``date``, ``body``, ``decision``, ``red_line``, ``note`` (the stored
   columns of ``case_event``), plus each of ``document_no``, ``corrects``,
   ``corrected_event``, ``corrected_date``, ``corrected_body``, ``corrected_decision``,
   ``corrected_red_line`` and ``corrected_document_no`` that is not empty (columns added later: links made before they
   existed verify unchanged); ``seq`` and ``corrects`` are integers, every other value a
   string or ``null``. A correction (更正) is an event like any other: it is chained when
   loaded, and the event it corrects keeps its link unchanged.
   Keys are sorted, no whitespace (separators ``,`` and ``:``), non-ASCII characters written as
   themselves (not ``\\u`` escapes), encoded as UTF-8.
3. ``hash = sha256(prev_hash + canonical_json)`` as lowercase hex, where ``prev_hash`` is the
   hex hash of the previous link (64 ``0`` characters for the first link) and ``+`` joins the
   UTF-8 bytes.
4. ``event_chain`` stores, per link, ``pos``, ``case_id``, ``seq``, ``prev_hash`` and ``hash``.

Verification walks the links in ``pos`` order and reports an event whose content no longer
gives its hash (changed), a link whose event is gone (removed), an event found at another
``seq`` of its case than the one it was chained at (reordered), a broken link (a link missing
from the chain or links swapped), and events that were never chained (added by hand).
Removing the newest events together with their links leaves a shorter but valid chain: compare
the head hash and count that ``cadre verify`` prints with the ones published with the file, or
with the ``event_chain`` provenance record written at each load.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
CHAIN_FIELDS = ("case_id", "seq", "event", "date", "body", "decision", "red_line", "note")
CHAIN_TABLE = "event_chain"
#: Event fields added after the chain format was fixed (hashed when not empty).
LATER_FIELDS = ("document_no", "corrects", "corrected_event", "corrected_date", "corrected_body",
                "corrected_decision", "corrected_red_line", "corrected_document_no")


def canonical_json(event: Mapping[str, Any]) -> str:
    """The canonical JSON of one event (see the module docstring)."""
    data = {k: event.get(k) for k in CHAIN_FIELDS}
    data["seq"] = int(data["seq"])
    # Fields added later are hashed only when filled, so links made before they existed
    # verify unchanged.
    for k in LATER_FIELDS:
        if event.get(k) is not None:
            data[k] = event[k]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """``sha256(prev_hash + canonical_json(event))`` in lowercase hex."""
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def chain_head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(position, hash) of the newest link; (0, GENESIS) for an empty chain."""
    row = conn.execute(f"SELECT pos, hash FROM {CHAIN_TABLE} ORDER BY pos DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


class Chainer:
    """Appends links after the current head, writing them in batches of ``batch``."""

    def __init__(self, conn: sqlite3.Connection, batch: int = 2000):
        self.conn, self.batch = conn, batch
        self.pos, self.head = chain_head(conn)
        self.added = 0
        self._rows: list[tuple] = []

    def add(self, event: Mapping[str, Any]) -> None:
        """Chain one event (events must come in chain order)."""
        digest = link_hash(self.head, event)
        self.pos += 1
        self._rows.append((self.pos, event["case_id"], int(event["seq"]), self.head, digest))
        self.head = digest
        self.added += 1
        if len(self._rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the links still buffered."""
        self.conn.executemany(f"INSERT INTO {CHAIN_TABLE} (pos, case_id, seq, prev_hash, hash) "
                              "VALUES (?, ?, ?, ?, ?)", self._rows)
        self._rows.clear()


def _rows(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    cur = conn.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def verify_chain(conn: sqlite3.Connection) -> dict[str, Any]:
    """Recompute the chain of ``conn``'s events. Returns ``{"events": n, "head": hash,
    "problems": [Chinese messages]}``; no problems means the chain is intact."""
    missing = {"case_event", CHAIN_TABLE} - _tables(conn)
    if missing:
        return {"events": 0, "head": GENESIS,
                "problems": [f"文件中没有 {'、'.join(sorted(missing))} 表，无法核验事件链"]}
    present = {r[1] for r in conn.execute("PRAGMA table_info(case_event)")}
    cols = ", ".join(CHAIN_FIELDS + tuple(f for f in LATER_FIELDS if f in present))
    events = {(e["case_id"], int(e["seq"])): e
              for e in _rows(conn, f"SELECT {cols} FROM case_event")}
    links = _rows(conn, f"SELECT pos, case_id, seq, prev_hash, hash FROM {CHAIN_TABLE} "
                        "ORDER BY pos")
    problems: list[str] = []
    mismatched: list[tuple[dict[str, Any], dict[str, Any]]] = []
    prev = GENESIS
    for n, link in enumerate(links, 1):
        where = f"链第 {link['pos']} 环（案件 {link['case_id']} 序号 {link['seq']}）"
        if link["pos"] != n or link["prev_hash"] != prev:
            problems.append(f"{where}：与上一环衔接不上，链中有环节被删除或调换")
        event = events.pop((link["case_id"], int(link["seq"])), None)
        if event is None:
            problems.append(f"{where}：该事件已被删除")
        elif link_hash(link["prev_hash"], event) != link["hash"]:
            mismatched.append((link, event))
        prev = link["hash"]
    by_place = {(ln["case_id"], int(ln["seq"])): ln for ln in links}
    for link, event in mismatched:
        problems.append(_describe_mismatch(link, event, by_place))
    for case_id, seq in sorted(events):
        problems.append(f"案件 {case_id} 序号 {seq} 的事件不在事件链中（未经导入程序写入）")
    return {"events": len(links), "head": prev, "problems": problems}


def _describe_mismatch(link: Mapping[str, Any], event: dict[str, Any],
                       by_place: Mapping[tuple[str, int], Mapping[str, Any]]) -> str:
    """Changed, or moved: the event's content hashes correctly at another seq of its case."""
    where = f"案件 {link['case_id']} 序号 {link['seq']}"
    for (case_id, seq), other in by_place.items():
        if case_id != link["case_id"] or seq == int(link["seq"]):
            continue
        if link_hash(other["prev_hash"], {**event, "seq": seq}) == other["hash"]:
            return (f"{where} 的事件（“{event['event']}”）原为序号 {seq}：事件顺序被调换")
    return f"{where} 的事件（“{event['event']}”）内容已被改动，与入库时的哈希不符"


def check_recorded_head(conn: sqlite3.Connection, result: Mapping[str, Any]) -> list[str]:
    """Compare the chain with the newest ``event_chain`` record of the provenance table (if
    the file has one): a shorter chain means the newest events were removed with their links."""
    if "provenance" not in _tables(conn):
        return []
    row = conn.execute("SELECT detail FROM provenance WHERE kind = 'event_chain' "
                       "ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return []
    try:
        recorded = json.loads(row[0])
    except ValueError:
        return ["来源记录中的事件链记录无法解析"]
    if recorded.get("events") != result["events"] or recorded.get("head") != result["head"]:
        return [f"最近一次导入后事件链共 {recorded.get('events')} 环、链头 {recorded.get('head')}，"
                f"现为 {result['events']} 环、链头 {result['head']}：最新的事件可能被删除"]
    return []
