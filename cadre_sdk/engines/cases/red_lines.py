"""Red lines (触碰红线) as a catalogue: what a clerk may write, and what it means.

The catalogue of a case is the ``RedLine`` entries registered for its jurisdiction's chain
(province, prefecture, county: they add up) whose ``case_kind`` is ``*`` or the case's kind,
plus any red-line text a tolerance variant on the chain names without registering it as an
entry (older plugins: listed with a code made from the jurisdiction, and no status).

The 触碰红线 column of a case event takes:

- nothing, or a denial (``DENIALS``: 无, 否, 未触碰红线, 不涉及, 未发现违纪违法问题 …): no red line;
- an entry's code (``RL-01``, also ``RL-01 触碰纪律红线``), its text, or one of its aliases;

compared after removing spaces and punctuation (Traditional and full-width characters are
already made Simplified and ASCII by the loader). Anything else rejects the load, with the
file, line and column and the list of valid entries for that case's jurisdiction.
"""
from __future__ import annotations

import datetime
import unicodedata
from typing import Any

import attrs
import sqlite_utils

from cadre_sdk.core.errors import RowError
from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.plugin_host.discovery import CadrePlugins, get_plugin_manager
from cadre_sdk.plugin_host.rule_book import RuleBook
from cadre_sdk.core.value_status import label_zh, tag_zh

#: What clerks write in 触碰红线 to mean "none" (compared without spaces and punctuation).
DENIALS = ("无", "否", "没有", "不是", "未触碰", "未触碰红线", "未触及红线", "没有触碰红线", "无红线",
           "不涉及", "不涉及红线", "未发现", "未发现违纪违法问题", "无违纪违法问题", "无违纪违法行为",
           "不存在", "无此情形")
_COLUMN = "触碰红线"
_CORRECTED = "更正后触碰红线"


def compact(text: str) -> str:
    """``text`` without whitespace and punctuation, Simplified, upper-case ASCII: the form in
    which a clerk's entry is compared (``“无。”`` → ``无``, ``rl-01`` → ``RL01``)."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC").upper()


_DENIED = frozenset(compact(d) for d in DENIALS)


def denies(text: str | None) -> bool:
    """Whether a 触碰红线 cell says no red line was touched: empty, or a denial (无, 否…)."""
    key = compact(text or "")
    return not key or key in _DENIED


@attrs.frozen
class Entry:
    """One red line in force for a case: the registered item and who registered it."""

    code: str
    text: str
    source: str
    status: str | None
    aliases: tuple[str, ...]
    jurisdiction: str
    plugin: str

    @property
    def basis_zh(self) -> str:
        """Its source with its status, as shown to readers (``参照：…`` / ``示例值（…）`` …)."""
        return label_zh(self.status, self.source)

    def listing_zh(self) -> str:
        """``RL-01 触碰纪律红线（违纪行为）`` for an error message or a list."""
        return f"{self.code} {self.text}"


def catalogue(book: RuleBook, case_kind: str, region_code: str,
              on: datetime.date) -> list[Entry]:
    """The red lines in force on ``on`` (the date of the 认定 that names one) for a case of
    ``case_kind`` in ``region_code``, province first."""
    out: dict[str, Entry] = {}
    for reg in book.catalogue("red_line", region_code, on=on).values():
        item = reg.item
        if item.case_kind in ("*", case_kind):
            out[item.code] = Entry(item.code, item.text, item.source, item.status,
                                   tuple(item.aliases), reg.jurisdiction, reg.plugin)
    known = {compact(t) for e in out.values() for t in (e.text, *e.aliases)}
    for code in reversed(chain(region_code)):
        reg = book.resolve_first("tolerance", [case_kind, "*"], code, on=on)
        if reg is None or reg.jurisdiction != code:
            continue
        for n, text in enumerate(reg.item.red_lines, 1):
            if compact(text) not in known:
                known.add(compact(text))
                entry_code = f"{code}-{n:02d}"
                out[entry_code] = Entry(entry_code, text, reg.item.name or reg.plugin, None, (),
                                        code, reg.plugin)
    return list(out.values())


@attrs.frozen
class Reading:
    """What a 触碰红线 cell says: ``entry`` (None: no red line) or, if it names nothing in
    the catalogue, ``unknown`` (the text as written)."""

    entry: Entry | None = None
    unknown: str | None = None


def read(text: str | None, entries: list[Entry]) -> Reading:
    """Read a 触碰红线 cell against a case's catalogue."""
    if denies(text):
        return Reading()
    key = compact(text or "")
    for e in entries:
        code = compact(e.code)
        if key == code or (key.startswith(code) and not key[len(code)].isdigit()):
            return Reading(e)
    for e in entries:
        if key in {compact(t) for t in (e.text, *e.aliases)}:
            return Reading(e)
    return Reading(unknown=text.strip() if text else text)


def _message(text: str, entries: list[Entry], where: str, kind: str) -> str:
    listing = "；".join(f"{e.listing_zh()}（{tag_zh(e.status)}）" for e in entries)
    return (f"“{text}”不是{where}“{kind}”类案件红线目录中的条目。请填写目录中的代码或条目原文："
            f"{listing}。未触碰红线的请留空，或填写“无”“否”“未触碰红线”“不涉及”等")


def check_red_lines(db: sqlite_utils.Database, keys_table: str,
                    plugins: CadrePlugins | None = None) -> list[RowError]:
    """Every loaded 触碰红线 cell is empty, a denial or an entry of its case's catalogue.
    Without a plugin manager, the installed plugins are used."""
    book = (plugins or get_plugin_manager()).book
    cache: dict[tuple[str, str, str], list[Entry]] = {}
    errors = []
    # The 触碰红线 of an event, and the 更正后触碰红线 of a correction (read on the date of the
    # event it corrects, when there is one).
    rows = db.conn.execute(
        f"SELECT k._file, k._line, coalesce(e.red_line, e.corrected_red_line), c.kind, "
        f"c.region_code, r.name, coalesce(t.date, e.date), "
        f"CASE WHEN e.red_line IS NULL THEN '{_CORRECTED}' ELSE '{_COLUMN}' END "
        f"FROM {keys_table} k JOIN case_event e ON e.case_id = k.case_id AND e.seq = k.seq "
        f"JOIN [case] c ON c.id = e.case_id LEFT JOIN region r ON r.code = c.region_code "
        f"LEFT JOIN case_event t ON e.red_line IS NULL AND t.case_id = e.case_id "
        f"AND t.seq = e.corrects "
        f"WHERE e.red_line IS NOT NULL OR e.corrected_red_line IS NOT NULL "
        f"ORDER BY k._file, k._line")
    for file, line, text, kind, region, region_name, day, column in rows:
        entries = cache.get((kind, region, day))
        if entries is None:
            entries = cache[(kind, region, day)] = catalogue(
                book, kind, region, datetime.date.fromisoformat(day))
        if read(text, entries).unknown is not None:
            where = f"{region_name or region}（{region}）"
            errors.append(RowError(file, line, column, _message(text, entries, where, kind)))
    return errors


def trace_reading(reading: Reading, raw: str | None, trace: Any) -> str | None:
    """Note a red-line reading in an explanation; returns the text the decision rule gets
    (the entry's ``code text``, the unmatched text, or None)."""
    if reading.entry is not None:
        e = reading.entry
        trace.input("触碰红线", raw)
        trace.input("对应的红线目录条目", f"{e.listing_zh()}；{e.basis_zh}")
        return e.listing_zh()
    if reading.unknown is not None:
        # The catalogue changed since the load: still a red line (the clerk did not deny it).
        trace.input("触碰红线（不在现行红线目录中）", reading.unknown)
        return reading.unknown
    if raw:
        trace.input("触碰红线", f"{raw}（表示未触碰）")
    return None


