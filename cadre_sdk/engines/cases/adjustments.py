"""Up-or-down adjustments (能上能下): the situation catalogue, each adjustment's status and
links, and the half-year inventory (每半年盘点报告).

At load time, an adjustment must cite a situation code in the catalogue in force in its
cadre's jurisdiction (the cadre's unit's region: the province's situations plus those of its
prefecture and county), with an action the situation allows.

At evaluation, each adjustment is linked to what bears on it: the tolerance decisions (the
accepting body's recorded determination, never the rule's check) on the
same cadre determined on or before the adjustment (and the case the adjustment names), and the
cadre's annual assessment results up to the adjustment's year. A tolerated mistake (容错) must
not count against the cadre: its link has ``counts_against = 0``, and an adjustment that names a
tolerated case as its basis is flagged ``tolerated_basis = 1`` for oversight.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from cadre_sdk.core.dating import with_period
from cadre_sdk.core.errors import RowError
from cadre_sdk.core.trace import Trace
from cadre_sdk.plugin_host.discovery import CadrePlugins, get_plugin_manager
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.engines.batch_writer import BatchWriter
from cadre_sdk.engines.cases.tolerance import prefecture_of

_WIDTHS = {"adjustment_status": 18, "adjustment_link": 8, "adjustment_situation": 7}
#: grades that count against a cadre in an adjustment (基本称职, 不称职)
_ADVERSE_GRADES = ("基本称职", "不称职")


def half_of(date: str) -> str:
    """The half-year of an ISO date: ``2024-03-05`` -> ``2024H1``, ``2024-07-01`` -> ``2024H2``."""
    return f"{date[:4]}H{1 if int(date[5:7]) <= 6 else 2}"


class Catalogues:
    """The situation catalogue in force per region code on a date (an adjustment's date),
    computed once per region and date."""

    def __init__(self, plugins: CadrePlugins):
        self._book = plugins.book
        self._cache: dict[tuple[str, str], dict[str, Registration]] = {}

    def __call__(self, region_code: str, on: str) -> dict[str, Registration]:
        key = (region_code, on)
        if key not in self._cache:
            self._cache[key] = self._book.catalogue("situation", region_code,
                                                    on=datetime.date.fromisoformat(on))
        return self._cache[key]


def check_situations(db: sqlite_utils.Database, keys_table: str,
                     plugins: CadrePlugins | None = None) -> list[RowError]:
    """Each loaded adjustment cites a situation of its cadre's jurisdiction, with an action the
    situation allows. Without a plugin manager, the installed plugins are used."""
    catalogues = Catalogues(plugins or get_plugin_manager())
    errors = []
    rows = db.conn.execute(
        f"SELECT k._file, k._line, a.situation, a.action, u.region_code, r.name, a.date "
        f"FROM {keys_table} k JOIN adjustment a ON a.id = k.id "
        f"JOIN cadre c ON c.id = a.cadre_id JOIN unit u ON u.code = c.unit_code "
        f"LEFT JOIN region r ON r.code = u.region_code ORDER BY k._file, k._line")
    for file, line, code, action, region, region_name, day in rows:
        catalogue = catalogues(region, day)
        entry = catalogue.get(code)
        where = region_name or region
        if entry is None:
            errors.append(RowError(file, line, "情形代码", (
                f"情形代码“{code}”不在{where}（{region}）适用的调整情形目录中（按调整时间 {day}）。"
                f"可用的情形代码：{'、'.join(sorted(catalogue))}")))
        elif entry.item.actions and action not in entry.item.actions:
            errors.append(RowError(file, line, "调整方式", (
                f"调整方式“{action}”不适用于情形 {code}（{entry.item.title}）；"
                f"可用：{'、'.join(entry.item.actions)}")))
    return errors


def _write_catalogue(out: BatchWriter, plugins: CadrePlugins) -> None:
    """Every jurisdiction's situations, each code in its latest version (the dated versions
    are listed by ``cadre rules show``)."""
    latest: dict[tuple[str, str], Registration] = {}
    for reg in plugins.book.all("situation"):
        place = (reg.jurisdiction, reg.key)
        held = latest.get(place)
        if held is None or (reg.item.start or datetime.date.min, reg.rank) > \
                (held.item.start or datetime.date.min, held.rank):
            latest[place] = reg
    for (jurisdiction, code), reg in sorted(latest.items()):
        s = reg.item
        out.add("adjustment_situation", (jurisdiction, code, s.title, s.category, s.source,
                                         "、".join(s.actions) or None, reg.plugin))


def _tolerance_links(db: sqlite_utils.Database, adj: dict[str, Any]) -> list[tuple]:
    rows = db.execute(
        "SELECT d.case_id, d.determined_on, d.decision, d.suggestion FROM case_decision d "
        "JOIN [case] c ON c.id = d.case_id "
        "WHERE c.cadre_id = ? AND (d.determined_on <= ? OR d.case_id = ?) ORDER BY d.case_id",
        [adj["cadre_id"], adj["date"], adj["case_id"]]).fetchall()
    out = []
    for case_id, on, decision, suggestion in rows:
        explicit = int(case_id == adj["case_id"])
        if decision == "容错":
            against, note = 0, "已认定容错：该失误不作负面评价，不得作为调整的不利依据"
        elif decision == "部分容错":
            against, note = 1, "部分容错：可作为依据，但应从轻、减轻"
        elif decision == "不予容错":
            against, note = 1, "不予容错：依规依纪处理"
        else:  # the rule's suggestion is no determination: it protects no one
            against, note = None, "尚无受理主体的认定结论" + (
                f"（规则测算建议 {suggestion}，不作为认定结果）" if suggestion else "")
        out.append((adj["id"], "容错认定", case_id, on, decision, against, explicit, note))
    return out


def _assessment_links(db: sqlite_utils.Database, adj: dict[str, Any]) -> list[tuple]:
    if not db["assessment_result"].exists():
        return []
    rows = db.execute(
        "SELECT assessment_id, year, grade FROM assessment_result WHERE subject = '个人' "
        "AND cadre_id = ? AND year <= ? ORDER BY year, assessment_id",
        [adj["cadre_id"], int(adj["date"][:4])]).fetchall()
    out = []
    for assessment_id, year, grade in rows:
        against = None if grade is None else int(grade in _ADVERSE_GRADES)
        note = f"{year} 年度考核：{grade or '未评定'}"
        out.append((adj["id"], "年度考核", assessment_id, str(year), grade, against, 0, note))
    return out


def _status_row(out: BatchWriter, adj: dict[str, Any], entry: Registration | None,
                links: list[tuple]) -> tuple:
    trace = Trace(subject=f"干部调整 {adj['id']}（{adj['date']}）")
    trace.input("情形代码", adj["situation"])
    if entry is None:
        trace.step("情形不在该地区现行目录中", adj["situation"])
    else:
        trace.rule(entry.kind, entry.key, entry.plugin, entry.jurisdiction,
                   with_period(entry.item, entry.item.title))
    for link in links:
        trace.input(f"{link[1]} {link[2]}", link[7])
    named = next((ln for ln in links if ln[1] == "容错认定" and ln[6]), None)
    tolerated = int(named is not None and named[4] == "容错")
    if tolerated:
        trace.step("据以调整的失误已认定容错，应予复核", named[2])
    trace.result = trace.step("半年度", half_of(adj["date"]))
    s = entry.item if entry else None
    return (adj["id"], adj["cadre_id"], adj["date"], half_of(adj["date"]), adj["region_code"],
            prefecture_of(adj["region_code"]), adj["situation"], s and s.title,
            s and s.category, s and s.source, entry and entry.jurisdiction, adj["trigger"],
            adj["action"], adj["status"], adj["case_id"], named[4] if named else None, tolerated,
            out.explain("adjustment_status", adj["id"], trace))


_INVENTORY_SQL = """
INSERT INTO adjustment_inventory
SELECT half, prefecture_code, region_code, situation, situation_title, action, status, count(*)
FROM adjustment_status
GROUP BY half, region_code, situation, action, status
ORDER BY half, region_code, situation, action, status
"""


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins) -> dict[str, Any]:
    """Replace the catalogue table, adjustment statuses, links and half-year inventory. Runs
    after the cases (it reads ``case_decision``) in the caller's transaction."""
    for table in ("adjustment_situation", "adjustment_status", "adjustment_link",
                  "adjustment_inventory"):
        db.execute(f"DELETE FROM {table}")
    db.execute("DELETE FROM explanation WHERE kind = 'adjustment_status'")
    out = BatchWriter(db, _WIDTHS)
    _write_catalogue(out, plugins)
    catalogues = Catalogues(plugins)
    adjustments = db.query(
        "SELECT a.*, u.region_code FROM adjustment a JOIN cadre c ON c.id = a.cadre_id "
        "JOIN unit u ON u.code = c.unit_code ORDER BY a.id")
    for adj in adjustments:
        links = _tolerance_links(db, adj) + _assessment_links(db, adj)
        for link in links:
            out.add("adjustment_link", link)
        entry = catalogues(adj["region_code"], adj["date"]).get(adj["situation"])
        out.add("adjustment_status", _status_row(out, adj, entry, links))
    out.flush()
    db.execute(_INVENTORY_SQL)
    flagged = db.execute("SELECT count(*) FROM adjustment_status WHERE tolerated_basis = 1")
    return {"调整": out.counts["adjustment_status"], "依据已容错的调整": flagged.fetchone()[0]}
