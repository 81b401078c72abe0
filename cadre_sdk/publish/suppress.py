"""Small-cell suppression of the public level's aggregate tables.

A count of people below ``min_count`` (1 to ``min_count - 1``; 0 is shown) is replaced by the
text ``少于 N 人，不公开``; so are the figures resting on a group below ``min_average_group``
(averages, shares, sums of money). Complementary suppression then makes sure no hidden cell can
be found by subtraction: cells are tied together in *sums* (a total and its parts), and while a
sum has exactly one hidden part and its total is known (shown, or implicit: a group's total is
assumed known to a reader from elsewhere), the smallest shown part is hidden too; a hidden
total whose parts are all shown gets its smallest part hidden (a lone part too, when it equals
the total), and a shown total of 0 with a hidden part is hidden (it tells the part is 0). What a
shown total holds beyond its published parts (a prefecture's own units beside its counties;
people in no published category) is a part of its own that no row shows:
when it is 1 to ``min_count - 1`` people it counts as a hidden part, so the subtraction
``total - shown parts`` never gives a small group away. Within a row, a hidden total with one
hidden part and every other part 0 would tell that all its people are in that part's category
(all of a unit's assessed cadres 不称职), and with every part 0 that they are all in none of them
(none of a unit's leaders trained): its 0 parts are hidden too (``lone_categories``). Sums are

- ``parts``: within a row, a total column and the columns adding up to it (scorecard: 参加考核
  人数 = 优秀 + 称职 + 基本称职 + 不称职 + 未评定, and 优秀候选人数 = 优秀 + 名额调整人数);
- ``vary``: across rows, the rows equal in every key column but one (the grades of one region
  and year; the kinds of one region and year), with an implicit total;
- ``region``: a prefecture's row (市州) and its counties' rows (县) equal in the other keys;
- ``nested``: a region's row and the rows within it, equal in the other keys (the scorecard: a
  county's row and its units' rows, a prefecture's and its counties' and own units' rows), so
  that a unit's hidden cell is not its county's minus the other units shown (nor the county's
  own number when the unit is the county's only one).

Tables that count the same people (``LINKED``: the scorecard and the grade distribution; the
training coverage of units and of regions) are protected together, as one set of cells with the sums between them (``protect_together``).

A row that had anything hidden loses its explanation link when the explanation is its own
(row-specific explanations repeat the counts); shared method explanations stay.
"""
from __future__ import annotations

import heapq
import json
import operator
import sqlite3
from collections import defaultdict
from collections.abc import Iterable

import attrs

from cadre_sdk.publish.introspect import columns
from cadre_sdk.publish.thresholds import Thresholds, suppressed_text

Cell = tuple[int, str]   # (rowid, column)


@attrs.frozen
class Spec:
    """How one aggregate table is protected.

    ``counts``: columns holding numbers of people (or cases); ``derived``: column -> the count
    column giving its group size (an average, a share, an amount), hidden when that group is
    below ``min_average_group`` or its count is hidden; ``keys``: the dimension columns;
    ``vary``: key columns along which rows add up to an implicit total; ``parts``: (total,
    parts) within a row; ``region``: (level column, code column) for prefecture/county sums;
    ``where``: SQL restricting the rows the table's counts apply to; ``rollup``: (key column,
    value) where the row with that value totals the others (unit kind ``全部``)."""

    table: str
    counts: tuple[str, ...]
    keys: tuple[str, ...]
    derived: dict[str, str] = attrs.field(factory=dict)
    vary: tuple[str, ...] = ()
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    region: tuple[str, str] | None = None
    where: str = "1"
    #: (key column, value): the row with that value is the total of the rows with others
    rollup: tuple[tuple[str, str], ...] = ()
    #: (total, parts) within a row that only ``lone_categories`` reads: people of the total in
    #: a category no subtraction gives (达标学时 among 领导干部), whose 0 beside a hidden total
    #: would tell that none of them is in it
    categories: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: (scope column, the scope of region rows, code column, region column): rows that nest
    #: in the table's region rows equal in the other keys (the scorecard: a unit's row is a
    #: part of its county's row, a county's of its prefecture's, a prefecture's of the
    #: province's; a unit placed in a prefecture or the province itself, of that region's)
    nested: tuple[str, str, str, str] | None = None


_REGION = ("region_level", "region_code")
#: The public level's aggregate tables and how each is protected.
SPECS: tuple[Spec, ...] = (
    Spec("scorecard", ("assessed", "excellent", "competent", "basic", "incompetent", "ungraded",
                       "excellent_candidates", "quota_demoted"),
         ("scope", "year", "code"),
         derived={"mean_score": "assessed", "excellent_share": "assessed",
                  "mean_score_change": "assessed", "excellent_share_change": "assessed"},
         parts=(("assessed", ("excellent", "competent", "basic", "incompetent", "ungraded")),
                # the 优秀 candidates are the 优秀 and those the quota moved down a grade
                ("excellent_candidates", ("excellent", "quota_demoted"))),
         # a county's row adds up its units' (a county with one unit of a kind: the same
         # numbers; with several: the county's minus the units shown gives the one hidden)
         nested=("scope", "地区", "code", "region_code")),
    # Votes rest on at least ``min_raters`` raters (``materialize.evaluation_summary``); those
    # about fewer than ``min_average_group`` assessed cadres would be one person's result.
    Spec("evaluation_summary", ("assessments",), ("unit_code", "year", "method"),
         derived={c: "assessments" for c in ("participants", "excellent", "competent", "basic",
                                              "incompetent", "excellent_share")}),
    Spec("grade_distribution", ("cadres", "quota_adjusted"),
         ("year", "region_level", "region_code", "subject", "unit_kind", "grade"),
         derived={"share": "cadres"}, vary=("grade",), region=_REGION,
         rollup=(("unit_kind", "全部"),)),
    Spec("case_stage_summary", ("cases",), ("region_level", "region_code", "stage", "state"),
         vary=("state",), region=_REGION),
    Spec("case_decision_summary", ("cases", "mismatches"),
         ("region_level", "region_code", "decision"), vary=("decision",), region=_REGION,
         categories=(("cases", ("mismatches",)),)),
    Spec("case_dimension_summary", ("cases",), ("dimension", "finding", "decision"),
         vary=("finding", "decision")),
    Spec("case_mismatch_summary", ("decided", "mismatches", "consistent", "uncomparable"),
         ("determined_by",), parts=(("decided", ("mismatches", "consistent", "uncomparable")),),
         rollup=(("determined_by", "全部"),)),
    Spec("case_month_summary", ("applications",), ("month",), vary=("month",)),
    Spec("adjustment_summary", ("adjustments",),
         ("half", "region_level", "region_code", "situation", "action"),
         vary=("situation", "action"), region=_REGION),
    Spec("staffing_breach_summary", ("units",), ("region_level", "region_code", "rule_code"),
         vary=("rule_code",), region=_REGION),
    Spec("overdue_summary", ("cases", "overdue"),
         ("region_level", "region_code", "responsible_body"),
         derived={"mean_overdue_workdays": "overdue"}, region=_REGION,
         rollup=(("responsible_body", "全部"),), categories=(("cases", ("overdue",)),)),
    Spec("care_summary", ("records", "cadres"), ("year", "region_level", "region_code", "kind"),
         vary=("kind",), region=_REGION),
    Spec("exchange_summary", ("postings", "cadres"),
         ("year", "region_level", "region_code", "kind", "subkind"),
         vary=("subkind",), region=_REGION),
    Spec("subsidy_totals", ("cadres", "cadres_unpaid"),
         ("region_level", "region_code", "month", "scheme"),
         derived={"amount": "cadres", "average": "cadres"}, vary=("scheme",), region=_REGION,
         categories=(("cadres", ("cadres_unpaid",)),)),
    Spec("training_coverage", ("leaders", "trained", "hours_met"), ("year", "unit_code"),
         derived={"coverage": "leaders", "full_coverage": "leaders", "hours": "trained"},
         parts=(("leaders", ("trained",)),), categories=(("leaders", ("hours_met",)),)),
    Spec("training_coverage_region", ("leaders", "trained"),
         ("year", "region_level", "region_code"),
         derived={"coverage": "leaders", "full_coverage": "leaders"}, region=_REGION),
    Spec("training_topics", ("trainings", "cadres", "leaders"),
         ("year", "region_level", "region_code", "dimension", "item"),
         derived={"hours": "cadres"}, vary=("item",), region=_REGION),
)


def complementary(values: dict[Cell, float], hidden: set[Cell],
                  sums: Iterable[tuple[Cell | None, list[Cell]]],
                  min_count: int | None = None) -> set[Cell]:
    """The hidden cells after complementary suppression (see the module docstring).

    ``values``: every cell's number; ``hidden``: the primary suppressions; ``sums``: (total
    cell or None for a total known from elsewhere, part cells). Deterministic: ties between
    equally small parts go to the first in the given order.

    With ``min_count``, what a shown total holds beyond its published parts (a prefecture's
    own units beside its counties, people in no published category) is an unpublished part of
    its own: when it is 1 to ``min_count - 1`` people it counts as a hidden part, so that the
    total minus the shown parts cannot give it away.

    The sums are gone through in order, again and again until a pass hides nothing more; a
    sum none of whose cells was hidden since it was last looked at is skipped (it would
    decide as it did then: nothing), which hides exactly the cells a full pass each time
    would."""
    values, hidden, sums, virtual = with_remainders(values, hidden, sums, min_count)
    # the sums each cell is in, to look at again once it is hidden
    member: dict[Cell, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(sums):
        if total is not None:
            member[total].append(i)
        for cell in parts:
            member[cell].append(i)
    # this pass, in order (a heap): the first leaves out the sums with nothing hidden and a
    # known total (most: ``_to_hide`` would decide nothing); one of them is looked at once
    # a cell of its is hidden, as any sum is
    pending = [i for i, (total, parts) in enumerate(sums)
               if (total is not None and total in hidden) or not hidden.isdisjoint(parts)]
    while pending:
        queued, later = set(pending), set()
        while pending:
            i = heapq.heappop(pending)
            cell = _to_hide(*sums[i], hidden, values, virtual)
            if cell is None:
                continue
            hidden.add(cell)
            for j in member[cell]:
                if j <= i:
                    later.add(j)           # looked at again in the next pass
                elif j not in queued:      # still ahead in this pass
                    queued.add(j)
                    heapq.heappush(pending, j)
        pending = sorted(later)
    return hidden - virtual


def with_remainders(values: dict[Cell, float], hidden: set[Cell],
                    sums: Iterable[tuple[Cell | None, list[Cell]]], min_count: int | None
                    ) -> tuple[dict[Cell, float], set[Cell], list, set[Cell]]:
    """Copies of ``values``, ``hidden`` and ``sums`` (empty sums dropped) with each shown
    total's unpublished remainder of 1 to ``min_count - 1`` added as a hidden part of its
    sum, and the set of those virtual cells (``complementary``)."""
    hidden = set(hidden)
    sums = [(total, list(parts)) for total, parts in sums if parts]
    values = dict(values)
    virtual: set[Cell] = set()
    if min_count is not None:
        for i, (total, parts) in enumerate(sums):
            if total is None or total not in values:
                continue
            try:
                rest = values[total] - sum(map(values.__getitem__, parts))
            except KeyError:      # a part holds no number
                continue
            if 0 < rest < min_count:
                cell = ("remainder", i)
                values[cell] = rest
                parts.append(cell)
                virtual.add(cell)
                hidden.add(cell)
    return values, hidden, sums, virtual


def _to_hide(total: Cell | None, parts: list[Cell], hidden: set[Cell],
             values: dict[Cell, float], virtual: set[Cell]) -> Cell | None:
    """The cell one sum hides next (``complementary``), or None."""
    total_known = total is None or total not in hidden
    if total_known and hidden.isdisjoint(parts):
        return None               # most sums: nothing hidden, nothing to do (in C)
    if total is not None and total_known and values[total] == 0:
        return total              # a shown 0 tells every part is 0, hidden or not
    hidden_parts = sum(map(hidden.__contains__, parts))
    if total_known and hidden_parts == 1:
        shown = [c for c in parts if c not in hidden and c not in virtual]
        if shown:
            return min(shown, key=lambda c: (values[c] == 0, values[c]))
        return total
    if not total_known and not hidden_parts and (
            len(parts) > 1 or (total is not None and values.get(total) == values[parts[0]])):
        # a lone part equal to its hidden total (a prefecture all of whose cases are in
        # one county) would show the total
        shown = [c for c in parts if c not in hidden and c not in virtual]
        return min(shown, key=lambda c: (values[c] == 0, values[c]))
    return None


def _prefecture(code: str) -> str:
    """The prefecture's code of a county's."""
    return str(code)[:4] + "00"


@attrs.frozen
class _Table:
    """One table's rows as ``protect`` reads them: ``rows`` (``rowid`` first, then the
    columns ``wanted``, at ``at``), and its count cells as numbers: cell ``i * K + c`` is
    column ``spec.counts[c]`` of ``rows[i]`` (``K = len(spec.counts)``; an integer hashes
    and compares much faster than a ``(rowid, column)`` pair), ``numeric[c]`` the rows whose
    column ``c`` holds a number, in the rows' order."""

    spec: Spec
    rows: list[tuple]
    at: dict[str, int]
    numeric: list[list[int]]

    def values(self) -> dict[int, float]:
        """Every count cell holding a number, in the order of the rows then the columns (the
        order ``complementary`` breaks ties in within a sum is that of ``_sums``)."""
        k = len(self.spec.counts)
        at = [self.at[c] for c in self.spec.counts]
        return {i * k + c: float(row[p]) for i, row in enumerate(self.rows)
                for c, p in enumerate(at) if isinstance(row[p], (int, float))}


def _read(conn: sqlite3.Connection, spec: Spec) -> _Table:
    """The rows of ``spec.table`` that ``protect`` judges (``_Table``), with the columns
    ``spec.nested`` names when the table has them."""
    nested = [c for i, c in enumerate(spec.nested or ()) if i != 1]
    if not set(nested) <= set(columns(conn, spec.table)):
        nested = []
    wanted = list(dict.fromkeys([*spec.keys, *spec.counts, *spec.derived, *nested]))
    rows = conn.execute(f"SELECT rowid, {', '.join(f'[{c}]' for c in wanted)} "
                        f"FROM [{spec.table}] WHERE {spec.where}").fetchall()
    at = {c: i + 1 for i, c in enumerate(wanted)}
    numeric = [[i for i, row in enumerate(rows) if isinstance(row[at[col]], (int, float))]
               for col in spec.counts]
    return _Table(spec, rows, at, numeric)


def protect(conn: sqlite3.Connection, spec: Spec, thresholds: Thresholds) -> int:
    """Suppress the small cells of one table (if published with every column the spec
    names); returns the number of cells hidden."""
    return sum(protect_together(conn, [spec], thresholds).values())


def _readable(conn: sqlite3.Connection, spec: Spec) -> bool:
    """Whether ``spec.table`` is published with every column the spec names."""
    have = set(columns(conn, spec.table))
    needed = set(spec.counts) | set(spec.keys) | set(spec.derived) | set(spec.derived.values())
    return bool(have) and needed <= have


#: Cells of the second table protected together with another are numbered from here on (the
#: first's are ``i * K + c``, far below).
_APART = 1 << 40


def protect_together(conn: sqlite3.Connection, specs: list[Spec], thresholds: Thresholds
                     ) -> dict[str, int]:
    """Suppress the small cells of tables that show the same people's counts (``LINKED``:
    the scorecard's regions and the grade distribution; a unit's training coverage and its
    region's), as one set of cells tied by each
    table's sums and by the sums between them (``LINKED``), so that a cell one table hides
    is neither shown by the other nor worked out from it; returns hidden cells per table.
    One table alone is ``protect``."""
    tables = [_read(conn, spec) for spec in specs if _readable(conn, spec)]
    if not tables:
        return {}
    n = thresholds.min_count
    values: dict[int, float] = {}
    sums: list[tuple[int | None, list[int]]] = []
    within: list[tuple[int | None, list[int]]] = []
    for j, table in enumerate(tables):
        at = j * _APART
        values.update({at + cell: v for cell, v in table.values().items()})
        sums += _shifted(_sums(table), at)
        within += _shifted(_row_sums(table, table.spec.parts + table.spec.categories), at)
    if len(tables) == 2 and (link := LINKED.get((specs[0].table, specs[1].table))):
        for total, parts in link(conn, *tables):   # (cells holding a number only)
            numbers = [c for c in parts if c in values]
            if total in values and numbers:
                sums.append((total, numbers))
    primary = {cell for cell, v in values.items() if 0 < v < n}
    cells = complementary(values, primary, sums, min_count=n)
    while more := lone_categories(within, cells, values):
        cells = complementary(values, cells | more, sums, min_count=n)
    return {table.spec.table: hidden for j, table in enumerate(tables)
            if (hidden := _write(conn, table, {c - j * _APART for c in cells
                                              if j * _APART <= c < (j + 1) * _APART},
                                 thresholds))}


def _shifted(sums: list[tuple[int | None, list[int]]], at: int
             ) -> list[tuple[int | None, list[int]]]:
    """``sums`` over cells numbered from ``at``."""
    if not at:
        return sums
    return [(None if total is None else total + at, [c + at for c in parts])
            for total, parts in sums]


def _write(conn: sqlite3.Connection, table: _Table, cells: set[int],
           thresholds: Thresholds) -> int:
    """Hide the count ``cells`` of ``table`` and the derived cells resting on them or on a
    group below ``min_average_group``; the number of cells hidden."""
    spec, n, avg = table.spec, thresholds.min_count, thresholds.min_average_group
    # the rowids of the hidden cells of each column
    hidden: dict[str, set[int]] = defaultdict(set)
    k, rows = len(spec.counts), table.rows
    for cell in cells:
        i, c = divmod(cell, k)
        hidden[spec.counts[c]].add(rows[i][0])
    derived = [(col, table.at[col], hidden[basis], table.at[basis])
               for col, basis in spec.derived.items()]
    for row in rows:
        for col, p, basis_hidden, b in derived:
            size = row[b]
            if row[p] is not None and (row[0] in basis_hidden or (
                    isinstance(size, (int, float)) and 0 < size < avg)):
                hidden[col].add(row[0])
    # one statement per column, its rows given as one JSON list
    text = suppressed_text(n)
    for col, rids in sorted(hidden.items()):
        if rids:
            conn.execute(f"UPDATE [{spec.table}] SET [{col}] = ?1 WHERE rowid IN "
                         "(SELECT value FROM json_each(?2))", [text, json.dumps(sorted(rids))])
    by_row = set().union(*hidden.values())
    if "explanation_id" in columns(conn, spec.table) and by_row:
        _unlink_own_explanations(conn, spec.table, sorted(by_row))
    return sum(map(len, hidden.values()))


def _sums(table: _Table) -> list[tuple[int | None, list[int]]]:
    """Every sum tying the table's count cells together (see the module docstring), over
    ``table``'s cells."""
    spec, rows, at, k = table.spec, table.rows, table.at, len(table.spec.counts)
    sums = _row_sums(table)
    # each row's key without one dimension, made once for all count columns
    without = {dim: _keys(rows, [at[key] for key in spec.keys if key != dim])
               for dim in dict.fromkeys([*spec.vary, *(d for d, _ in spec.rollup)])}
    regions = _region_keys(table) if spec.region is not None else []
    nested = _nested_keys(table) if spec.nested is not None and spec.nested[3] in at else []
    for c in range(k):
        numeric = table.numeric[c]
        for dim in spec.vary:
            keys = without[dim]
            groups: dict[tuple, list[int]] = defaultdict(list)
            for i in numeric:
                groups[keys[i]].append(i * k + c)
            sums += [(None, cells) for cells in groups.values() if len(cells) > 1]
        for dim, value in spec.rollup:
            keys, p = without[dim], at[dim]
            totals: dict[tuple, int] = {}
            groups = defaultdict(list)
            for i in numeric:
                if rows[i][p] == value:
                    totals[keys[i]] = i * k + c
                else:
                    groups[keys[i]].append(i * k + c)
            sums += [(totals.get(key), cells) for key, cells in groups.items()]
        if spec.region is not None:
            sums += _region_sums(regions, numeric, k, c)
        if nested:
            sums += _region_sums(nested, numeric, k, c, totals_only=True)
    return sums


def _row_sums(table: _Table, pairs: tuple[tuple[str, tuple[str, ...]], ...] | None = None
              ) -> list[tuple[int | None, list[int]]]:
    """The sums within each row (``spec.parts``, or ``pairs``: a total column and the columns
    adding up to it), over ``table``'s cells; the first sums of ``_sums``."""
    spec, k = table.spec, len(table.spec.counts)
    col_of = {col: c for c, col in enumerate(spec.counts)}
    has_number = [set(i) for i in table.numeric]
    sums: list[tuple[int | None, list[int]]] = []
    for total, parts in spec.parts if pairs is None else pairs:
        t, ps = col_of[total], [col_of[p] for p in parts]
        for i in range(len(table.rows)):
            cells = [i * k + c for c in ps if i in has_number[c]]
            sums.append((i * k + t if i in has_number[t] else None, cells))
    return sums


def lone_categories(within: Iterable[tuple[Cell | None, list[Cell]]], hidden: set[Cell],
                    values: dict[Cell, float]) -> set[Cell]:
    """The cells to hide so that no row tells every one of its people's category: in a sum
    within a row (``spec.parts``) whose total is hidden, one hidden part beside parts all
    shown as 0 holds everyone (a unit's scorecard: 参加考核人数 and 不称职 hidden, 优秀, 称职,
    基本称职 and 未评定 0 reads "all of them 不称职"), and so do the people no part counts when
    every part is shown as 0 (领导干部 hidden, 参加培训 0: "none of them trained"). Every 0 part
    of the sum is hidden too: hiding one chosen by a rule would tell the category by the
    choice (the first 0 beside a lone 称职 is 优秀, beside a lone 不称职 too), and a 0 may be
    told by another column (0 优秀 by 优秀名额 0 with 是否名额合规 是)."""
    found: set[Cell] = set()
    for total, parts in within:
        if total is None or total not in hidden:
            continue
        shown = [c for c in parts if c not in hidden]
        if len(parts) - len(shown) <= 1 and shown and not any(values[c] for c in shown):
            found.update(shown)
    return found


def _keys(rows: list[tuple], places: list[int]) -> list[tuple]:
    """Each row's values at ``places``, as a tuple (``operator.itemgetter``: in C)."""
    if len(places) > 1:
        return list(map(operator.itemgetter(*places), rows))
    return [tuple(row[p] for p in places) for row in rows]


#: A region level -> the level whose row totals it, and the parent's code from the child's.
_PARENT = {"县": ("市州", _prefecture), "市州": ("省", lambda code: "630000")}


def _region_keys(table: _Table) -> list[tuple[tuple, tuple | None]]:
    """Each row's region key (level, code, other keys) and its parent's (None at the top)."""
    spec, at = table.spec, table.at
    level, code = at[spec.region[0]], at[spec.region[1]]
    others = [at[k] for k in spec.keys if k not in spec.region]
    keys = []
    for row, rest in zip(table.rows, _keys(table.rows, others)):
        parent = None
        if row[level] in _PARENT:
            parent_level, parent_code = _PARENT[row[level]]
            parent = (parent_level, parent_code(row[code]), rest)
        keys.append(((row[level], str(row[code]), rest), parent))
    return keys


def _nested_keys(table: _Table) -> list[tuple[tuple, tuple | None]]:
    """Each row's key (scope, code, other keys) and the key of the region row it is a part
    of (``Spec.nested``; None for the province's): a region's parent region by its code, a
    unit's region row by the county (or prefecture, province) its region code lies in (a
    township's: its county)."""
    spec, at = table.spec, table.at
    scope_col, region_scope, code_col, region_col = spec.nested   # type: ignore[misc]
    scope, code, region = at[scope_col], at[code_col], at[region_col]
    others = [at[k] for k in spec.keys if k not in (scope_col, code_col)]
    keys = []
    for row, rest in zip(table.rows, _keys(table.rows, others)):
        if row[scope] == region_scope:
            own, parent = str(row[code]), None
            if own[4:6] not in ("", "00"):
                parent = _prefecture(own)
            elif own[2:4] not in ("", "00"):
                parent = own[:2] + "0000"
        else:
            place = str(row[region] or "")
            parent = place[:6] if len(place) >= 6 else None
        keys.append(((row[scope], str(row[code]), rest),
                     None if parent is None else (region_scope, parent, rest)))
    return keys


def _region_sums(regions: list[tuple[tuple, tuple | None]], numeric: list[int], k: int, c: int,
                 totals_only: bool = False) -> list[tuple[int | None, list[int]]]:
    """A prefecture's cell and its counties' cells; the province's and its prefectures'
    (``regions``: ``_region_keys``, or ``_nested_keys``), for count column ``c`` (its cells
    holding a number are those of the rows ``numeric``). ``totals_only``: only the sums whose
    total has a row (the scorecard: a total no row shows is not known from elsewhere)."""
    cells: dict[tuple, int] = {}
    children: dict[tuple, list[int]] = defaultdict(list)
    for i in numeric:
        key, parent = regions[i]
        cells[key] = i * k + c
        if parent is not None:
            children[parent].append(i * k + c)
    return [(cells.get(key), parts) for key, parts in children.items()
            if not totals_only or key in cells]


def _unlink_own_explanations(conn: sqlite3.Connection, table: str, rowids: list[int]) -> None:
    """Rows with hidden cells lose the link to an explanation only they cite (it repeats
    their counts); the explanation is then left out with every uncited one."""
    cited: dict[str, int] = defaultdict(int)
    link = {}
    for rid, eid in conn.execute(f"SELECT rowid, explanation_id FROM [{table}]"):
        cited[eid] += 1
        link[rid] = eid
    own = [(rid,) for rid in rowids if link.get(rid) is not None and cited[link[rid]] == 1]
    conn.executemany(f"UPDATE [{table}] SET explanation_id = NULL WHERE rowid = ?", own)


#: The scorecard's grade columns and the grades of ``grade_distribution`` counting the same
#: people (未评定: the assessed without a grade).
_GRADES = {"excellent": "优秀", "competent": "称职", "basic": "基本称职", "incompetent": "不称职",
           "ungraded": "未评定"}
#: The province's code (``grade_distribution``'s top row; no prefecture holds its own units).
_PROVINCE = "630000"


def _regions_of(place: str) -> list[str]:
    """The region rows of ``grade_distribution`` that count a unit placed in ``place``: its
    county (a township's: its county), its prefecture, the province."""
    out = [_PROVINCE]
    if len(place) >= 6 and place[2:4] != "00":
        out.append(_prefecture(place))
        if place[4:6] != "00":
            out.append(place[:6])
    return out


def _card_and_grades(conn: sqlite3.Connection, card: _Table, grades: _Table
                     ) -> list[tuple[int | None, list[int]]]:
    """The sums tying the scorecard's cells (numbered as ``card``'s) to the individuals'
    grade distribution (numbered from ``_APART``): a region's 优秀 (称职 …) in both is one
    number, its 参加考核人数 is the sum of its grades there and its 名额调整人数 the sum of the
    quota adjustments; the 优秀 of a region's units of one kind there is the sum of those
    units' 优秀 in the scorecard (a county of one 部门: the same number)."""
    kc, kg = len(card.spec.counts), len(grades.spec.counts)
    col = {c: i for i, c in enumerate(card.spec.counts)}
    cadres, quota = (_APART + grades.spec.counts.index(c) for c in ("cadres", "quota_adjusted"))
    g = grades.at
    found: dict[tuple, int] = {}
    for i, row in enumerate(grades.rows):
        if row[g["subject"]] == "个人":
            found[(int(row[g["year"]]), str(row[g["region_code"]]), row[g["unit_kind"]],
                   row[g["grade"]])] = i * kg
    kinds = dict(conn.execute(f"SELECT rowid, class FROM [{card.spec.table}]")) \
        if "class" in columns(conn, card.spec.table) else {}
    a = card.at
    scope_col, region_scope, code_col, region_col = card.spec.nested or (
        "scope", "地区", "code", "region_code")
    sums: list[tuple[int | None, list[int]]] = []
    units: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(card.rows):
        year = int(row[a["year"]])
        if row[a[scope_col]] == region_scope:
            twins = {c: found.get((year, str(row[a[code_col]]), "全部", grade))
                     for c, grade in _GRADES.items()}
            shown = [at for at in twins.values() if at is not None]
            sums += [(i * kc + col[c], [at + cadres]) for c, at in twins.items() if at is not None]
            sums.append((i * kc + col["assessed"], [at + cadres for at in shown]))
            sums.append((i * kc + col["quota_demoted"], [at + quota for at in shown]))
        elif region_col in a:
            kind = str(kinds.get(row[0]) or "").split("·")[0]
            for region in _regions_of(str(row[a[region_col]] or "")):
                units[(year, region, kind)].append(i)
    for (year, region, kind), rows in units.items():
        for c, grade in _GRADES.items():
            at = found.get((year, region, kind, grade))
            if at is not None:
                sums.append((at + cadres, [i * kc + col[c] for i in rows]))
    return sums


def _units_and_regions(conn: sqlite3.Connection, units: _Table, regions: _Table
                       ) -> list[tuple[int | None, list[int]]]:
    """The sums tying a per-unit table (numbered as ``units``'s cells; its rows placed by
    their ``region_code``) to its per-region table (numbered from ``_APART``; rows of
    ``region_code``): a region's count is the sum of the same count of the units within it
    (a county's: its own and its townships' units), in rows equal in the keys both have (the
    year). A county of two units: the county's leaders minus one unit's are the other's."""
    shared = [c for c in units.spec.counts if c in regions.spec.counts]
    others = [k for k in units.spec.keys if k in regions.spec.keys]
    ku, kr = len(units.spec.counts), len(regions.spec.counts)
    place = dict(conn.execute(f"SELECT rowid, region_code FROM [{units.spec.table}]"))
    region_row = {(str(row[regions.at["region_code"]]),
                   *(row[regions.at[k]] for k in others)): j
                  for j, row in enumerate(regions.rows)}
    members: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(units.rows):
        rest = tuple(row[units.at[k]] for k in others)
        for region in _regions_of(str(place.get(row[0]) or "")):
            members[(region, *rest)].append(i)
    sums: list[tuple[int | None, list[int]]] = []
    for key, rows in members.items():
        j = region_row.get(key)
        if j is not None:
            sums += [(_APART + j * kr + regions.spec.counts.index(col),
                      [i * ku + units.spec.counts.index(col) for i in rows]) for col in shared]
    return sums


#: Tables protected together (``protect_together``), with the sums between them.
LINKED = {("scorecard", "grade_distribution"): _card_and_grades,
          ("training_coverage", "training_coverage_region"): _units_and_regions}


def protect_all(conn: sqlite3.Connection, thresholds: Thresholds) -> dict[str, int]:
    """Suppress the small cells of every public aggregate (tables ``LINKED`` together);
    hidden cells per table."""
    by_name = {spec.table: spec for spec in SPECS}
    together = [pair for pair in LINKED if all(_readable(conn, by_name[t]) for t in pair)]
    done = {t for pair in together for t in pair}
    out: dict[str, int] = {}
    for pair in together:
        out.update(protect_together(conn, [by_name[t] for t in pair], thresholds))
    for spec in SPECS:
        if spec.table not in done and (hidden := protect(conn, spec, thresholds)):
            out[spec.table] = hidden
    return out
