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

from cadre_sdk.core.errors import DataError
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.core.jurisdiction import is_code
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.engines.batch_writer import BATCH
from cadre_sdk.engines.subsidies.schema import _COUNTY, _PREFECTURE, explanation_key  # also its tables: migrations, labels
from cadre_sdk.engines.subsidies.calls import (
    Outcome, RuleCalls, explain_facts, head_inputs, inputs_key, parameter_date,
)

NAME = "补贴"
KIND = "subsidy_ledger"
MEMO_LIMIT = 50_000  # entries kept for sharing calls and explanations: bounds memory
_OPEN = 10**9  # month index of a spell that has not ended

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
