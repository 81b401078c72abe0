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
Rules must be pure functions of the entitlement and the context: cadre-months of one month whose
entitlements agree on every field the rule reads (say subdistrict, posted, days and service
years) share one call of the rule (``RuleCalls``), and equal explanations are stored once (the id
is a hash of the content). That, and streaming month by month (each cadre's township career is
read with its attendance rows, nothing is kept per cadre), is what keeps the engine fast, its
memory flat and the explanation table small at 100k cadres × 36 months.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlite_utils

from cadre_sdk.core.errors import DataError, StoreError
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.core.jurisdiction import is_code
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.store.database import migration_set
from cadre_sdk.store.table_labels import describe
from cadre_sdk.engines.batch_writer import BATCH
from cadre_sdk.engines.subsidies.calls import (
    Outcome, RuleCalls, explain_facts, head_inputs, inputs_key, parameter_date,
)

NAME = "补贴"
KIND = "subsidy_ledger"
MEMO_LIMIT = 50_000  # entries kept for sharing calls and explanations: bounds memory
_OPEN = 10**9  # month index of a spell that has not ended

migrations = migration_set("cadre_sdk.subsidies")


@migrations(name="0001_subsidy_tables")
def _tables(db: sqlite_utils.Database) -> None:
    # Until 0002 this also created the ledger as one wide table (``subsidy_ledger``, every
    # text on every line, three secondary indexes); 0002 converts such a table where an
    # earlier version made it. New stores never make it: its dropped pages would stay in the
    # file as free pages.
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


# The county and prefecture codes a paying township falls under, as ``county_and_prefecture``
# gives them (a township's code is 9 digits; a 6-digit code is a county's or a prefecture's).
_COUNTY = ("CASE WHEN length({c}) = 9 OR substr({c}, 5, 2) <> '00' "
           "THEN substr({c}, 1, 6) END")
_PREFECTURE = ("CASE WHEN length({c}) = 9 OR substr({c}, 3, 4) <> '0000' "
               "THEN substr({c}, 1, 4) || '00' END")

#: The ledger as it was stored before 0002, one row per line with every text spelt out: what
#: readers, case files and plugin tests query. Derived from ``subsidy_line``, its scheme and its
#: rule; the oversight publication creates it too, over the tables it copied.
LEDGER_VIEW = f"""CREATE VIEW subsidy_ledger AS
SELECT l.month, l.cadre_id, l.township_code,
       {_COUNTY.format(c="l.township_code")} AS county_code,
       {_PREFECTURE.format(c="l.township_code")} AS prefecture_code,
       s.name AS scheme, l.amount, l.days, r.plugin AS rule_plugin,
       r.jurisdiction AS rule_jurisdiction, r.name AS rule_name, r.parameter_version,
       l.explanation_id
FROM subsidy_line l JOIN subsidy_scheme s ON s.id = l.scheme_id
JOIN subsidy_rule r ON r.id = l.rule_id"""


@migrations(name="0002_compact_ledger")
def _compact_ledger(db: sqlite_utils.Database) -> None:
    """The ledger keeps what each line adds (issue 19): the scheme and the rule (plugin,
    jurisdiction, name, parameter versions) as small integers citing ``subsidy_scheme`` and
    ``subsidy_rule``; county and prefecture codes are derived from the township's, in the view
    ``subsidy_ledger`` that gives the old rows back. Lines keep their explanation ids."""
    db.execute("""CREATE TABLE subsidy_scheme (
      id INTEGER PRIMARY KEY,           -- in the order of the names
      name TEXT NOT NULL UNIQUE         -- e.g. 乡镇工作岗位补助, 地区附加津贴
    )""")
    db.execute("""CREATE TABLE subsidy_rule (
      id INTEGER PRIMARY KEY,
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      plugin TEXT NOT NULL,
      jurisdiction TEXT NOT NULL,
      name TEXT,
      parameter_version TEXT            -- path@start of every parameter the rule read
    )""")
    # Appended in the order the engine writes (month, cadre): the pages fill, no index
    # besides the key; readers by cadre or region go through the publication's indexes.
    db.execute("""CREATE TABLE subsidy_line (
      month TEXT NOT NULL,              -- YYYY-MM
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      township_code TEXT NOT NULL,      -- the paying township
      amount REAL NOT NULL,             -- yuan; 0 when not paid (the explanation says why)
      days INTEGER NOT NULL,            -- days actually worked at township posts that month
      rule_id INTEGER NOT NULL REFERENCES subsidy_rule(id),
      explanation_id TEXT NOT NULL,
      PRIMARY KEY (month, cadre_id, scheme_id)
    ) WITHOUT ROWID""")
    if not db["subsidy_ledger"].exists():   # a store made since 0002: nothing to convert
        db.execute(LEDGER_VIEW)
        return
    db.execute("INSERT INTO subsidy_scheme (name) "
               "SELECT DISTINCT scheme FROM subsidy_ledger ORDER BY scheme")
    db.execute("""INSERT INTO subsidy_rule (scheme_id, plugin, jurisdiction, name,
                                            parameter_version)
       SELECT DISTINCT s.id, l.rule_plugin, l.rule_jurisdiction, l.rule_name, l.parameter_version
       FROM subsidy_ledger l JOIN subsidy_scheme s ON s.name = l.scheme ORDER BY 1, 2, 3, 4, 5""")
    db.execute("""INSERT INTO subsidy_line
       SELECT l.month, l.cadre_id, s.id, l.township_code, l.amount, l.days, r.id,
              l.explanation_id
       FROM subsidy_ledger l JOIN subsidy_scheme s ON s.name = l.scheme
       JOIN subsidy_rule r ON r.scheme_id = s.id AND r.plugin = l.rule_plugin
        AND r.jurisdiction = l.rule_jurisdiction AND r.name IS l.rule_name
        AND r.parameter_version IS l.parameter_version
       ORDER BY l.month, l.cadre_id, s.id""")
    db.execute("DROP TABLE subsidy_ledger")
    db.execute(LEDGER_VIEW)


#: How a ledger line names its explanation: the 64-bit integer ``explanation_key`` (8 bytes)
#: is stored, and ``explanation_id`` ('subsidy:' and 16 hex digits, the explanation's id) is a
#: VIRTUAL generated column derived from it (no bytes stored; readers select it as before).
LINE_SQL = """CREATE TABLE subsidy_line (
      month TEXT NOT NULL,              -- YYYY-MM
      cadre_id TEXT NOT NULL REFERENCES cadre(id),
      scheme_id INTEGER NOT NULL REFERENCES subsidy_scheme(id),
      township_code TEXT NOT NULL,      -- the paying township
      amount REAL NOT NULL,             -- yuan; 0 when not paid (the explanation says why)
      days INTEGER NOT NULL,            -- days actually worked at township posts that month
      rule_id INTEGER NOT NULL REFERENCES subsidy_rule(id),
      explanation_key INTEGER NOT NULL, -- the explanation's 16 hex digits as a signed integer
      explanation_id TEXT GENERATED ALWAYS AS
        ('subsidy:' || printf('%016x', explanation_key)) VIRTUAL,
      PRIMARY KEY (month, cadre_id, scheme_id)
    ) WITHOUT ROWID"""


def explanation_key(eid: str) -> int:
    """The ``explanation_key`` of the subsidy explanation id ``eid`` ('subsidy:' and 16 hex
    digits): those 64 bits as a signed integer (SQLite's ``printf('%016x')`` gives them back).
    A ``ValueError`` for any other id."""
    prefix, _, digits = eid.partition(":")
    if prefix != "subsidy" or len(digits) != 16 or digits.strip("0123456789abcdef"):
        raise ValueError(f"not a subsidy explanation id: {eid!r}")
    return int.from_bytes(bytes.fromhex(digits), "big", signed=True)


@migrations(name="0003_explanation_key")
def _explanation_key(db: sqlite_utils.Database) -> None:
    """Lines cite their explanation by a 64-bit integer, ``explanation_id`` derived from it
    (issue 19: 24 bytes of text on every line, 4 MB at 10k cadres). Ids of ledgers written
    before 0002 (32 hex digits) are cut to their first 16 in the lines and the explanation
    table alike: the id re-evaluating the same line gives."""
    db.execute("DROP VIEW IF EXISTS subsidy_ledger")
    db.execute(LINE_SQL.replace("CREATE TABLE subsidy_line", "CREATE TABLE subsidy_line_new", 1))
    db.conn.execute("UPDATE explanation SET id = substr(id, 1, 24) "
                    "WHERE id GLOB 'subsidy:*' AND length(id) > 24")
    for (eid,) in db.execute("SELECT DISTINCT explanation_id FROM subsidy_line"):
        try:
            explanation_key(eid[:24])
        except ValueError:
            raise StoreError(f"补贴台账中的说明编号 {eid!r} 不是补贴说明的编号（subsidy: 加 16 位"
                             "十六进制数字），无法升级数据库；数据未作任何改动。") from None
    db.conn.create_function("cadre_subsidy_key", 1,
                            lambda eid: explanation_key(eid[:24]), deterministic=True)
    db.execute("""INSERT INTO subsidy_line_new (month, cadre_id, scheme_id, township_code,
                                                amount, days, rule_id, explanation_key)
       SELECT month, cadre_id, scheme_id, township_code, amount, days, rule_id,
              cadre_subsidy_key(explanation_id)
       FROM subsidy_line ORDER BY month, cadre_id, scheme_id""")
    db.execute("DROP TABLE subsidy_line")
    db.execute("ALTER TABLE subsidy_line_new RENAME TO subsidy_line")
    db.execute(LEDGER_VIEW)


_RULE_COLUMNS = {"rule_plugin": "规则插件", "rule_jurisdiction": "规则管辖地区代码",
                 "rule_name": "规则名称", "parameter_version": "参数版本",
                 "explanation_id": "计算说明"}
_LEDGER_NOTES = {"amount": "0 表示当月不发放，原因见计算说明",
                 "township_code": "当月在多个乡镇在岗时，为在岗天数最多的乡镇（相同时取代码较小者）",
                 "parameter_version": "所读参数的路径@施行日期"}

describe("subsidy_ledger", "补贴台账（视图）",
         "每名干部每月每项补贴（乡镇工作岗位补助、地区附加津贴等）的测算结果：按发放乡镇所在地最具体的规则和当月施行的参数计算。"
         "本视图由补贴台账（subsidy_line）及其引用的补贴项目、补贴规则得出，写出每行的全部文字。",
         {"month": "月份", "cadre_id": "干部编号", "township_code": "发放乡镇代码",
          "county_code": "县级代码", "prefecture_code": "市州代码", "scheme": "补贴项目",
          "amount": "金额", "days": "当月乡镇在岗天数", **_RULE_COLUMNS},
         units={"amount": "元", "days": "天"}, notes=_LEDGER_NOTES)

describe("subsidy_line", "补贴台账",
         "每名干部每月每项补贴的测算结果，补贴项目和所用规则以编号引用"
         "（见“补贴项目”“补贴规则”两表）；数据库中的视图 subsidy_ledger 给出每行的全部文字。",
         {"month": "月份", "cadre_id": "干部编号", "scheme_id": "补贴项目",
          "township_code": "发放乡镇代码", "amount": "金额", "days": "当月乡镇在岗天数",
          "rule_id": "所用规则", "explanation_key": "计算说明键", "explanation_id": "计算说明"},
         units={"amount": "元", "days": "天"},
         notes={**{k: v for k, v in _LEDGER_NOTES.items() if k != "parameter_version"},
                "explanation_key": "计算说明编号中 subsidy: 之后的 16 位十六进制数，以 64 位整数"
                                   "存储；“计算说明”一列由它得出"})

describe("subsidy_scheme", "补贴项目", "补贴台账中出现的补贴项目。",
         {"id": "编号", "name": "补贴项目"})

describe("subsidy_rule", "补贴规则",
         "补贴台账所用的规则：插件、管辖地区、规则名称和所读参数的版本。",
         {"id": "编号", "scheme_id": "补贴项目", "plugin": "规则插件",
          "jurisdiction": "规则管辖地区代码", "name": "规则名称",
          "parameter_version": "参数版本"},
         notes={"parameter_version": "所读参数的路径@施行日期"})

describe("subsidy_totals", "补贴汇总",
         "补贴台账按市州、县，月份和补贴项目汇总。",
         {"region_level": "层级", "region_code": "地区代码", "region_name": "地区",
          "month": "月份", "scheme": "补贴项目", "cadres": "发放人数",
          "cadres_unpaid": "未发放人数", "amount": "发放总额", "average": "人均发放额",
          "explanation_id": "计算说明"},
         units={"amount": "元", "average": "元", "cadres": "人", "cadres_unpaid": "人"})


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


#: ``_career`` of a cadre with no township posting.
_NO_CAREER = (0, 0, False, False, False, None, None)

_CAREER_KEYS = ("service_months", "service_years", "posted", "first_month", "last_month",
                "left_township", "starts")


def career_facts(spells: list[tuple[int, int]], month: int) -> dict[str, Any]:
    """Service before ``month`` and the spell status in it (see the module docstring)."""
    return dict(zip(_CAREER_KEYS, _career(spells, month)))


def _career(spells: Any, month: int) -> tuple:
    """``career_facts`` as a tuple in ``_CAREER_KEYS`` order (the entitlement's field order)."""
    if not spells:
        return _NO_CAREER
    if len(spells) == 1:    # most careers: the same as the general case below, sooner
        start, end = spells[0]
        served = min(end, month - 1) - start + 1
        if served < 0:
            served = 0
        if start <= month <= end:
            return served, served // 12, True, start == month, end == month, None, None
        if end < month:
            return served, served // 12, False, False, False, _month_text(end), None
        return served, served // 12, False, False, False, None, _month_text(start)
    served = sum(max(0, min(end, month - 1) - start + 1) for start, end in spells)
    cover = next(((s, e) for s, e in spells if s <= month <= e), None)
    if cover is not None:
        return served, served // 12, True, cover[0] == month, cover[1] == month, None, None
    before = [e for s, e in spells if e < month]
    after = [s for s, e in spells if s > month]
    return (served, served // 12, False, False, False,
            _month_text(max(before)) if before else None,
            _month_text(min(after)) if after else None)


_ATTENDANCE_SQL = """
SELECT a.cadre_id, a.month, a.township_code, a.days, r.name, r.level, r.hardship_class,
       r.especially_hard, r.altitude_m, p.postings
FROM attendance a LEFT JOIN region r ON r.code = a.township_code
LEFT JOIN (SELECT cadre_id, group_concat(start || '|' || coalesce([end], ''), ',') AS postings
           FROM posting WHERE township = 1 GROUP BY cadre_id) p ON p.cadre_id = a.cadre_id
ORDER BY a.month, a.cadre_id, a.township_code
"""

#: The attendance query's rows grouped by (month, cadre id).
_MONTH_CADRE = itemgetter(1, 0)


def _spells(postings: str | None) -> list[tuple[int, int]]:
    """Merged township spells from ``start|end,start|end`` (the query's ``postings``)."""
    if not postings:
        return []
    return merge_spells([(s, e or None) for s, _, e in
                         (item.partition("|") for item in postings.split(","))])


def entitlement_facts(conn: Any) -> Iterator[tuple[str, tuple]]:
    """(cadre_id, the entitlement's field values in ``FIELDS`` order) for every cadre-month with
    attendance, in month, cadre order. Streams: each cadre's township career comes with its
    attendance rows, so nothing is held per cadre beyond a bounded memo of merged spells (the
    same postings text comes back every month)."""
    spells: dict[str | None, list[tuple[int, int]]] = {}
    valid: set[str] = set()     # township codes checked
    month_index = -1
    current = ""
    for (month, cadre_id), group in groupby(conn.execute(_ATTENDANCE_SQL), key=_MONTH_CADRE):
        rows = list(group)
        if len(rows) == 1:
            pay = rows[0]
            days, by_township = pay[3], ((pay[2], pay[3]),)
        else:
            pay = min(rows, key=lambda r: (-r[3], r[2]))
            days, by_township = sum(r[3] for r in rows), tuple((r[2], r[3]) for r in rows)
        if pay[2] not in valid:
            if not is_code(pay[2]):
                raise DataError(f"乡镇在岗记录（干部 {cadre_id}，{month}）中的乡镇代码“{pay[2]}”不是有效的区划代码"
                                "（6 位或 9 位数字），无法确定适用的补贴规则。请核对地区数据后重新导入。")
            valid.add(pay[2])
        if month != current:
            current, month_index = month, _month_index(month)
        merged = spells.get(pay[9])
        if merged is None:
            if len(spells) >= MEMO_LIMIT:
                spells.clear()
            merged = spells[pay[9]] = _spells(pay[9])
        name = pay[4] or ""
        yield cadre_id, (
            month, pay[2], days, by_township, pay[4],
            pay[5], name.endswith(("街道", "街道办事处")), pay[6], bool(pay[7]), pay[8],
            *_career(merged, month_index))


class _Rules:
    """Rule resolution per scheme, county and month, cached (it depends only on the code's
    chain and the month's parameter date, its 1st)."""

    def __init__(self, plugins: CadrePlugins):
        self.book = plugins.book
        self.schemes = sorted({r.key for r in self.book.all("subsidy")})
        self._cache: dict[tuple[str, str, str], Registration | None] = {}

    def resolve(self, scheme: str, code: str, month: str) -> Registration | None:
        key = (scheme, code[:6], month)
        if key not in self._cache:
            self._cache[key] = self.book.resolve("subsidy", scheme, code,
                                                 on=parameter_date(month))
        return self._cache[key]


_LINE_INSERT = ("INSERT INTO subsidy_line (month, cadre_id, scheme_id, township_code, amount, "
                "days, rule_id, explanation_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")

_TOTALS_SQL = f"""
INSERT INTO subsidy_totals (region_level, region_code, region_name, month, scheme, cadres,
                            cadres_unpaid, amount, average, explanation_id)
SELECT t.region_level, t.region_code, r.name, t.month, s.name, t.cadres, t.unpaid,
       round(t.amount, 2), CASE WHEN t.cadres > 0 THEN round(t.amount / t.cadres, 2) END,
       'subsidy_totals:method'
FROM (
  SELECT '市州' AS region_level, prefecture AS region_code, month, scheme_id,
         sum(amount > 0) AS cadres, sum(amount = 0) AS unpaid, sum(amount) AS amount
  FROM (SELECT {_PREFECTURE.format(c="township_code")} AS prefecture, month, scheme_id, amount
        FROM subsidy_line)
  WHERE prefecture IS NOT NULL GROUP BY prefecture, month, scheme_id
  UNION ALL
  SELECT '县', county, month, scheme_id, sum(amount > 0), sum(amount = 0), sum(amount)
  FROM (SELECT {_COUNTY.format(c="township_code")} AS county, month, scheme_id, amount
        FROM subsidy_line)
  WHERE county IS NOT NULL GROUP BY county, month, scheme_id
) t JOIN subsidy_scheme s ON s.id = t.scheme_id LEFT JOIN region r ON r.code = t.region_code
ORDER BY t.region_code, t.month, s.name
"""

_TOTALS_TEXT = ("按市州、县，月份和补贴方案合计补贴台账（subsidy_ledger）：cadres 为实际发放"
                "（金额大于 0）的干部人数，cadres_unpaid 为未发放的台账行数，average 为人均发放额。")


def evaluate(db: sqlite_utils.Database, plugins: CadrePlugins, *,
             as_of: datetime.date) -> dict[str, Any]:
    """Replace the subsidy ledger and totals from the stored attendance, regions and postings.

    Runs inside the caller's transaction (``cadre evaluate``); a rule's fault raises a
    ``PluginError`` naming the plugin, and nothing is written."""
    # ``as_of`` is part of every engine's signature; these results depend only on the
    # dates in the records themselves, so that re-evaluation is identical on any day.
    conn = db.conn
    conn.execute("DELETE FROM subsidy_line")
    conn.execute("DELETE FROM subsidy_rule")
    conn.execute("DELETE FROM subsidy_scheme")
    conn.execute("DELETE FROM subsidy_totals")
    conn.execute("DELETE FROM explanation WHERE kind IN (?, 'subsidy_totals')", [KIND])
    rules = _Rules(plugins)
    conn.executemany("INSERT INTO subsidy_scheme (id, name) VALUES (?, ?)",
                     list(enumerate(rules.schemes, 1)))
    rule_ids = _RuleIds()
    lines: list[tuple] = []
    notes: list[tuple[str, str, str, dict]] = []
    counts = {"干部月": 0, "台账行": 0, "发放": 0, "未发放": 0}
    month = ""
    calls: dict[int, RuleCalls] = {}
    explained: dict[tuple, int] = {}   # (outcome, inputs) -> explanation key, this month
    heads: dict[tuple, list] = {}   # inputs -> their explanations' head inputs, this month
    queued: dict[str, str] = {}   # explanation id -> its whole digest, this month
    # this month's rules per paying township: (scheme id, calls, the rule's columns)
    applying: dict[str, list[tuple[int, RuleCalls, tuple]]] = {}
    cadre_months = paid = 0     # counted here, into ``counts`` at the end
    for cadre_id, facts in entitlement_facts(conn):   # facts: month, township, days, ...
        if facts[0] != month or len(explained) > MEMO_LIMIT or (
                cadre_months % 1024 == 0 and sum(c.size for c in calls.values()) > MEMO_LIMIT):
            calls.clear()  # explanations name the month, so nothing is shared across months;
            explained.clear()  # clearing early only costs repeated calls: memory stays flat
            queued.clear()
            heads.clear()
            applying.clear()
            month = facts[0]
        cadre_months += 1
        township = facts[1]
        schemes = applying.get(township)
        if schemes is None:
            schemes = applying[township] = _applying(rules, calls, township, month)
        inputs = None
        for scheme, rule_calls, rule_columns in schemes:
            outcome = rule_calls.outcome(facts, cadre_id)
            amount = outcome.amount
            if amount is None:
                continue
            if inputs is None:
                inputs = inputs_key(facts)
            key = explained.get((outcome, inputs))
            if key is None:
                key = explained[(outcome, inputs)] = _explanation(
                    rule_calls, outcome, facts, inputs, queued, notes, heads)
            rule_id = outcome.rule_id or rule_ids.of(outcome, scheme, rule_columns)
            lines.append((month, cadre_id, scheme, township, amount, facts[2], rule_id, key))
            if amount > 0:
                paid += 1
            if len(lines) >= BATCH:
                _flush(db, lines, notes, counts, rule_ids)
    _flush(db, lines, notes, counts, rule_ids)
    counts.update({"干部月": cadre_months, "发放": paid, "未发放": counts["台账行"] - paid})
    write_explanations(db, [("subsidy_totals:method", "subsidy_totals", "补贴汇总",
                             {"subject": "补贴汇总", "note": _TOTALS_TEXT,
                              "method": "按补贴台账（subsidy_ledger）汇总"})])
    conn.execute(_TOTALS_SQL)
    return counts


def _applying(rules: _Rules, calls: dict[int, RuleCalls], township: str, month: str
              ) -> list[tuple[int, RuleCalls, tuple]]:
    """The rules that apply to a paying township this month, in scheme order: each with its
    scheme's id (``subsidy_scheme``), the calls of its rule this month (shared by townships
    with the same rule) and the rule's columns (plugin, jurisdiction, name)."""
    out = []
    for scheme_id, scheme in enumerate(rules.schemes, 1):
        reg = rules.resolve(scheme, township, month)
        if reg is None:
            continue
        rule_calls = calls.get(id(reg))
        if rule_calls is None:
            rule_calls = calls[id(reg)] = RuleCalls(reg, month)
        out.append((scheme_id, rule_calls,
                    (reg.plugin, reg.jurisdiction, reg.item.name or None)))
    return out


class _RuleIds:
    """The ``subsidy_rule`` rows of this evaluation: one per scheme, plugin, jurisdiction, rule
    name and parameter versions, numbered as first met (the engine's order, so re-evaluation
    numbers them alike); ``new`` holds the rows not yet written."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.new: list[tuple] = []

    def of(self, outcome: Outcome, scheme_id: int, rule_columns: tuple) -> int:
        """The id of the rule row of a line; remembered on the (shared) outcome."""
        key = (scheme_id, *rule_columns, outcome.version)
        rid = self.ids.get(key)
        if rid is None:
            rid = self.ids[key] = len(self.ids) + 1
            self.new.append((rid, *key))
        outcome.rule_id = rid
        return rid


def _explanation(calls: RuleCalls, outcome: Outcome, facts: tuple, inputs: tuple,
                 queued: dict[str, str], notes: list[tuple], heads: dict[tuple, list]) -> int:
    """The key of a ledger line's explanation (``explanation_key`` of its id), queueing the
    explanation the first time its id is seen this month. The id is a hash of its content: of the rule call's outcome (everything
    the call recorded) and of the facts the engine records (``inputs``, ``inputs_key``).

    16 hex digits (64 bits) of SHA-256: explanations name their month, so two ids can only be
    alike by chance; for n explanations the odds are about n²/2⁶⁵, under 10⁻⁹ for the 87,000
    of 10,000 cadres over 3 years and under 10⁻⁴ for 4·10⁷ (1M cadres, 10 years, no two
    cadre-months alike). Within a month a clash is caught (the whole digests differ): it
    raises rather than let two lines share an explanation. Sixteen characters hold no ID
    number (18) for the publication to mask.

    ``heads`` keeps the head inputs (``head_inputs``) made this month by ``inputs``: facts
    with equal inputs record equal head inputs (the same list is passed again, so that its
    split is found by identity). Equal inputs are equal values of the same kinds: days and
    classes come from INTEGER columns, years are counted, so 1 and 1.0 cannot both occur."""
    whole = hashlib.sha256(f"{outcome.digest(calls)}|{inputs!r}".encode()).hexdigest()
    eid = "subsidy:" + whole[:16]
    seen = queued.get(eid)
    if seen is None:
        queued[eid] = whole
        head = heads.get(inputs)
        if head is None:
            if len(heads) >= MEMO_LIMIT:
                heads.clear()
            head = heads[inputs] = head_inputs(facts)
        trace = explain_facts(calls, outcome, facts, head)
        notes.append((eid, KIND, trace.subject, trace))
    elif seen != whole:
        raise RuntimeError(f"two subsidy explanations share the id {eid}: lengthen the ids")
    return explanation_key(eid)


def _flush(db: sqlite_utils.Database, lines: list[tuple], notes: list[tuple],
           counts: dict[str, int], rule_ids: _RuleIds) -> None:
    if rule_ids.new:
        db.conn.executemany("INSERT INTO subsidy_rule (id, scheme_id, plugin, jurisdiction, "
                            "name, parameter_version) VALUES (?, ?, ?, ?, ?, ?)", rule_ids.new)
        rule_ids.new.clear()
    db.conn.executemany(_LINE_INSERT, lines)
    write_explanations(db, notes)
    counts["台账行"] += len(lines)
    lines.clear()
    notes.clear()
