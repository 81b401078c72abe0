"""The subsidy engine (补贴): one ledger line per cadre, month and allowance scheme.

Input per cadre-month: the attendance rows (days actually worked at township posts), the paying
township's region facts (hardship class, especially hard, altitude), the cadre's township career
(posting rows with 乡镇工作 = 是) and the month. For every scheme registered through
``register_subsidy_rules``, the rule of the paying township's most specific jurisdiction runs
with the parameters in force on the first day of the month; the line records the plugin, the
jurisdiction, the versions (path@start) of the parameters read and the explanation.

How the facts are derived (and so how partial months and years count):

- **Mid-month transfer.** Attendance rows in several townships in one month make one line per
  scheme, not one per township: the days are added up (they are all days at a township post) and
  the township where the cadre worked most days pays (on a tie, the smaller township code); its
  jurisdiction's rule and its region facts apply. The explanation lists the days by township.
- **Township career.** The township postings are merged into spells by month: a posting counts
  from the month it starts through the month it ends, both whole, and postings that overlap or
  follow on month to month are one spell (a transfer from one township to another does not end
  township work). A cadre is *posted* in a month inside a spell; ``first_month``/``last_month``
  mark the month a spell starts or ends (the national rule pays both: "from the month township
  work starts", "stopped from the month after a transfer").
- **Years of service** for month M are completed years of the months served before M:
  ``service_years = service_months // 12``; a partial year does not count until it is complete.

A rule returns an amount (0 with a reason recorded as a step when nothing is paid: the line is
kept so oversight sees why) or None when its scheme does not concern the case (no line).
Rules must be pure functions of the entitlement and the context: cadre-months of one month with
equal entitlements (same township, days, service years, ...) share one call of the rule and one
explanation (its id is a hash of its content). That, and streaming month by month, is what keeps
the engine fast and the explanation table small at 100k cadres × 36 months.
"""
from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import attrs
import sqlite_utils

from ..errors import DataError, PluginError
from ..explain import Trace
from ..explanations import write as write_explanations
from ..jurisdiction import county_and_prefecture, is_code
from ..plugins import CadrePlugins, Registration, call_rule
from ..rules import RuleContext
from ..store import migration_set
from ..tables import describe

NAME = "补贴"
KIND = "subsidy_ledger"
BATCH = 5000
MEMO_LIMIT = 50_000  # entries kept for sharing calls and explanations: bounds memory
_OPEN = 10**9  # month index of a spell that has not ended

migrations = migration_set("cadre_sdk.subsidies")


@migrations(name="0001_subsidy_tables")
def _tables(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE subsidy_ledger (
      month TEXT NOT NULL,              -- YYYY-MM
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      township_code TEXT NOT NULL,      -- the paying township
      county_code TEXT,
      prefecture_code TEXT,
      scheme TEXT NOT NULL,             -- e.g. 乡镇工作岗位补助, 地区附加津贴
      amount REAL NOT NULL,             -- yuan; 0 when not paid (the explanation says why)
      days INTEGER NOT NULL,            -- days actually worked at township posts that month
      rule_plugin TEXT NOT NULL,
      rule_jurisdiction TEXT NOT NULL,
      rule_name TEXT,
      parameter_version TEXT,           -- path@start of every parameter the rule read
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (cadre_id, month, scheme)
    )""")
    for columns in (["month", "scheme"], ["county_code", "month"], ["prefecture_code", "month"]):
        db["subsidy_ledger"].create_index(columns)
    db.execute("""CREATE TABLE subsidy_totals (
      region_level TEXT NOT NULL,       -- 市州 or 县
      region_code TEXT NOT NULL,
      region_name TEXT,
      month TEXT NOT NULL,
      scheme TEXT NOT NULL,
      cadres INTEGER NOT NULL,          -- cadres paid (amount > 0)
      cadres_unpaid INTEGER NOT NULL,   -- ledger lines with nothing paid
      amount REAL NOT NULL,
      average REAL,                     -- amount per cadre paid
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (region_code, month, scheme)
    )""")
    db["subsidy_totals"].create_index(["region_level", "month"])


_RULE_COLUMNS = {"rule_plugin": "规则插件", "rule_jurisdiction": "规则管辖地区代码",
                 "rule_name": "规则名称", "parameter_version": "参数版本",
                 "explanation_id": "计算说明"}

describe("subsidy_ledger", "补贴台账",
         "每名干部每月每项补贴（乡镇工作岗位补助、地区附加津贴等）的测算结果：按发放乡镇所在地最具体的规则和当月施行的参数计算。",
         {"month": "月份", "cadre_id": "干部编号", "township_code": "发放乡镇代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "scheme": "补贴项目",
          "amount": "金额", "days": "当月乡镇在岗天数", **_RULE_COLUMNS},
         units={"amount": "元", "days": "天"},
         notes={"amount": "0 表示当月不发放，原因见计算说明",
                "township_code": "当月在多个乡镇在岗时，为在岗天数最多的乡镇（相同时取代码较小者）",
                "parameter_version": "所读参数的路径@施行日期"})

describe("subsidy_totals", "补贴汇总",
         "补贴台账按市州、县，月份和补贴项目汇总。",
         {"region_level": "层级", "region_code": "地区代码", "region_name": "地区",
          "month": "月份", "scheme": "补贴项目", "cadres": "发放人数",
          "cadres_unpaid": "未发放人数", "amount": "发放总额", "average": "人均发放额",
          "explanation_id": "计算说明"},
         units={"amount": "元", "average": "元", "cadres": "人", "cadres_unpaid": "人"})


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


def _month_index(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def merge_spells(postings: list[tuple[str, str | None]]) -> list[tuple[int, int]]:
    """Township postings (start, end as ``YYYY-MM[-DD]``) as merged spells of month indexes."""
    spans = sorted((_month_index(s), _month_index(e) if e else _OPEN) for s, e in postings)
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def career_facts(spells: list[tuple[int, int]], month: int) -> dict[str, Any]:
    """Service before ``month`` and the spell status in it (see the module docstring)."""
    served = sum(max(0, min(end, month - 1) - start + 1) for start, end in spells)
    cover = next(((s, e) for s, e in spells if s <= month <= e), None)
    before = [e for s, e in spells if e < month]
    after = [s for s, e in spells if s > month]
    return {
        "service_months": served, "service_years": served // 12, "posted": cover is not None,
        "first_month": cover is not None and cover[0] == month,
        "last_month": cover is not None and cover[1] == month,
        "left_township": _month_text(max(before)) if cover is None and before else None,
        "starts": _month_text(min(after)) if cover is None and after else None,
    }


def _township_spells(conn: Any) -> dict[str, list[tuple[int, int]]]:
    rows = conn.execute("SELECT cadre_id, start, [end] FROM posting WHERE township = 1 "
                        "ORDER BY cadre_id, start, [end]")
    return {cid: merge_spells([(s, e) for _, s, e in group])
            for cid, group in groupby(rows, key=lambda r: r[0])}


_ATTENDANCE_SQL = """
SELECT a.cadre_id, a.month, a.township_code, a.days, r.name, r.level, r.hardship_class,
       r.especially_hard, r.altitude_m
FROM attendance a LEFT JOIN region r ON r.code = a.township_code
ORDER BY a.month, a.cadre_id, a.township_code
"""


def entitlements(conn: Any) -> Iterator[tuple[str, Entitlement]]:
    """(cadre_id, entitlement) for every cadre-month with attendance, in month, cadre order."""
    careers = _township_spells(conn)
    for (month, cadre_id), group in groupby(conn.execute(_ATTENDANCE_SQL),
                                            key=lambda r: (r[1], r[0])):
        rows = list(group)
        pay = min(rows, key=lambda r: (-r[3], r[2]))
        if not is_code(pay[2]):
            raise DataError(f"乡镇在岗记录（干部 {cadre_id}，{month}）中的乡镇代码“{pay[2]}”不是有效的区划代码"
                            "（6 位或 9 位数字），无法确定适用的补贴规则。请核对地区数据后重新导入。")
        name = pay[4] or ""
        yield cadre_id, Entitlement(
            month=month, township_code=pay[2], days=sum(r[3] for r in rows),
            days_by_township=tuple((r[2], r[3]) for r in rows),
            township_name=pay[4], region_level=pay[5],
            subdistrict=name.endswith("街道") or name.endswith("街道办事处"),
            hardship_class=pay[6], especially_hard=bool(pay[7]), altitude_m=pay[8],
            **career_facts(careers.get(cadre_id, []), _month_index(month)))


def _record_inputs(trace: Trace, ent: Entitlement) -> None:
    """The facts the default rules use; a rule reading others records them with ctx.input."""
    trace.input("月份", ent.month)
    if len(ent.days_by_township) > 1:
        trace.input("各乡镇在岗天数", {code: days for code, days in ent.days_by_township})
        trace.input("发放乡镇（在岗天数最多，相同时取代码较小者）", ent.township_code)
    trace.input("本月乡镇在岗天数", ent.days)
    trace.input("乡镇工作年限（满）", ent.service_years)
    trace.input("艰苦边远类别", ent.hardship_class)
    trace.input("特别艰苦乡镇", "是" if ent.especially_hard else "否")


class _Rules:
    """Rule resolution per scheme and county, cached (it depends only on the code's chain)."""

    def __init__(self, plugins: CadrePlugins):
        self.book = plugins.book
        self.schemes = sorted({r.key for r in self.book.all("subsidy")})
        self._cache: dict[tuple[str, str], Registration | None] = {}

    def resolve(self, scheme: str, code: str) -> Registration | None:
        key = (scheme, code[:6])
        if key not in self._cache:
            self._cache[key] = self.book.resolve("subsidy", scheme, code)
        return self._cache[key]


def apply_rule(reg: Registration, ent: Entitlement, cadre_id: str
               ) -> tuple[float, Trace] | None:
    """Run one subsidy rule for one cadre-month; (amount, trace) or None (no line)."""
    rule = reg.item
    year, month = int(ent.month[:4]), int(ent.month[5:7])
    trace = Trace(subject=f"{rule.scheme} {ent.month}")
    trace.rule("subsidy", rule.scheme, reg.plugin, reg.jurisdiction, rule.name)
    _record_inputs(trace, ent)
    ctx = RuleContext(rule=rule, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                      on=datetime.date(year, month, 1), trace=trace)
    amount = call_rule(reg, rule.compute, ent, ctx, returns=(int, float, type(None)),
                       subject=f"cadre {cadre_id}, month {ent.month}")
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) \
            or not math.isfinite(amount) or amount < 0:
        raise PluginError(reg.plugin, "register_subsidy_rules",
                          f"subsidy rule {rule.scheme!r} returned {amount!r} "
                          f"(cadre {cadre_id}, month {ent.month})",
                          "return a finite amount >= 0 in yuan, or None when the scheme does "
                          "not apply.")
    trace.result = round(float(amount), 2)
    return trace.result, trace


def _parameter_version(trace: Trace) -> str:
    return "; ".join(f"{p['path']}@{p['start']}" for p in trace.parameters)


_LEDGER_INSERT = ("INSERT INTO subsidy_ledger (month, cadre_id, township_code, county_code, "
                  "prefecture_code, scheme, amount, days, rule_plugin, rule_jurisdiction, "
                  "rule_name, parameter_version, explanation_id) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

_TOTALS_SQL = """
INSERT INTO subsidy_totals (region_level, region_code, region_name, month, scheme, cadres,
                            cadres_unpaid, amount, average, explanation_id)
SELECT t.region_level, t.region_code, r.name, t.month, t.scheme, t.cadres, t.unpaid,
       round(t.amount, 2), CASE WHEN t.cadres > 0 THEN round(t.amount / t.cadres, 2) END,
       'subsidy_totals:method'
FROM (
  SELECT '市州' AS region_level, prefecture_code AS region_code, month, scheme,
         sum(amount > 0) AS cadres, sum(amount = 0) AS unpaid, sum(amount) AS amount
  FROM subsidy_ledger WHERE prefecture_code IS NOT NULL GROUP BY prefecture_code, month, scheme
  UNION ALL
  SELECT '县', county_code, month, scheme, sum(amount > 0), sum(amount = 0), sum(amount)
  FROM subsidy_ledger WHERE county_code IS NOT NULL GROUP BY county_code, month, scheme
) t LEFT JOIN region r ON r.code = t.region_code
ORDER BY t.region_code, t.month, t.scheme
"""

_TOTALS_TEXT = ("按市州、县，月份和补贴方案合计补贴台账（subsidy_ledger）：cadres 为实际发放"
                "（金额大于 0）的干部人数，cadres_unpaid 为未发放的台账行数，average 为人均发放额。")


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *,
             as_of: datetime.date | None = None) -> dict[str, Any]:
    """Replace the subsidy ledger and totals from the stored attendance, regions and postings.

    Runs inside the caller's transaction (``cadre evaluate``); a rule's fault raises a
    ``PluginError`` naming the plugin, and nothing is written."""
    # ``as_of`` is part of every engine's signature; these results depend only on the
    # dates in the records themselves, so that re-evaluation is identical on any day.
    conn = db.conn
    conn.execute("DELETE FROM subsidy_ledger")
    conn.execute("DELETE FROM subsidy_totals")
    conn.execute("DELETE FROM explanation WHERE kind IN (?, 'subsidy_totals')", [KIND])
    rules = _Rules(plugins)
    explained: dict[tuple, str] = {}
    lines: list[tuple] = []
    notes: list[tuple[str, str, str, str, str]] = []
    counts = {"干部月": 0, "台账行": 0, "发放": 0, "未发放": 0}
    memo: dict[tuple[str, Entitlement], tuple | None] = {}
    month = ""
    for cadre_id, ent in entitlements(conn):
        if ent.month != month or len(memo) > MEMO_LIMIT or len(explained) > MEMO_LIMIT:
            memo.clear()  # explanations name the month, so nothing is shared across months;
            explained.clear()  # clearing early only costs repeated calls: memory stays flat
            month = ent.month
        counts["干部月"] += 1
        county, prefecture = county_and_prefecture(ent.township_code)
        for scheme in rules.schemes:
            key = (scheme, ent)
            if key not in memo:
                memo[key] = _line(rules.resolve(scheme, ent.township_code), ent, cadre_id,
                                  explained, notes)
            line = memo[key]
            if line is None:
                continue
            amount, reg, version, eid = line
            lines.append((ent.month, cadre_id, ent.township_code, county, prefecture, scheme,
                          amount, ent.days, reg.plugin, reg.jurisdiction, reg.item.name or None,
                          version, eid))
            counts["发放" if amount > 0 else "未发放"] += 1
            if len(lines) >= BATCH:
                _flush(db, lines, notes, counts)
    _flush(db, lines, notes, counts)
    write_explanations(db, [("subsidy_totals:method", "subsidy_totals", "补贴汇总",
                             {"subject": "补贴汇总", "note": _TOTALS_TEXT,
                              "method": "sum of subsidy_ledger"})])
    conn.execute(_TOTALS_SQL)
    return counts


def _signature(trace: Trace) -> tuple:
    """Everything the explanation's JSON holds, as a cheap hashable key (the JSON is only built
    for a computation not seen before)."""
    return (trace.subject, repr(trace.result),
            tuple((i["label"], repr(i["value"])) for i in trace.inputs),
            tuple((r["plugin"], r["key"], r["jurisdiction"], r["name"]) for r in trace.rules),
            tuple((p["file"], p["path"], p["start"], p["plugin"], repr(p["value"]))
                  for p in trace.parameters),
            tuple((s["label"], s["formula"], repr(s["value"])) for s in trace.steps))


def _line(reg: Registration | None, ent: Entitlement, cadre_id: str,
          explained: dict[tuple, str], notes: list[tuple]) -> tuple | None:
    """(amount, registration, parameter version, explanation id) of one rule call, queueing
    its explanation if it is new; None when no rule applies or the rule returns None."""
    got = apply_rule(reg, ent, cadre_id) if reg is not None else None
    if got is None:
        return None
    amount, trace = got
    sig = _signature(trace)
    eid = explained.get(sig)
    if eid is None:
        data = trace.to_json()
        # 32 hex digits: the publication knows a run that long for a hash, never an ID number
        eid = explained[sig] = "subsidy:" + hashlib.sha256(data.encode()).hexdigest()[:32]
        notes.append((eid, KIND, trace.subject, trace.to_dict()))
    return amount, reg, _parameter_version(trace), eid


def _flush(db: sqlite_utils.Database, lines: list[tuple], notes: list[tuple],
           counts: dict[str, int]) -> None:
    db.conn.executemany(_LEDGER_INSERT, lines)
    write_explanations(db, notes)
    counts["台账行"] += len(lines)
    lines.clear()
    notes.clear()
