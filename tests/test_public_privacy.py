"""Small-group protection, generalized rows, masking on normalized text and the scanner of the
public file (docs/public-privacy.md): each rule by hand, then planted in a publication."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from collections.abc import Iterable
from typing import Any

import pytest
from test_publish_support import PUBLISH_DAY, ID_NUMBERS, NAMES

from cadre_sdk.core.errors import CadreError, PluginError
from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.publish import build as build_module
from cadre_sdk.publish import publish
from cadre_sdk.publish.generalize import HIDDEN, QUASI_IDENTIFIERS, generalize
from cadre_sdk.publish.redact import (
    CADRE_ID_MASK,
    ID_MASK,
    NAME_MASK,
    PHONE_MASK,
    RedactionError,
    Redactor,
    normal_form,
    withhold_small_evaluations,
)
from cadre_sdk.publish import scan as scan_module
from cadre_sdk.publish.scan import _Checker, _unbigram, scan
from cadre_sdk.publish.search import tokens
from cadre_sdk.publish.suppress import Spec, complementary, protect
from cadre_sdk.publish.thresholds import Thresholds, resolve, suppressed_text
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.rules import PublicationThreshold
from cadre_sdk.testing import make_plugins

ON = dt.date(2025, 1, 1)
#: A valid ID number and the same digits with a wrong check character.
VALID = make_id_number("630102", dt.date(1980, 1, 1), 123, True)
WRONG = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# --- thresholds: one provincial parameter set, raised (never lowered) by plugins ----------

def test_provincial_thresholds_come_from_the_parameter_file_with_their_status() -> None:
    limits = resolve(make_plugins(), ON)
    assert (limits.min_raters, limits.min_count, limits.min_average_group,
            limits.k_anonymity) == (10, 5, 5, 5)
    for name in ("min_raters", "min_count", "min_average_group", "k_anonymity"):
        plugin, source = limits.sources[name]
        assert plugin == "cadre_sdk.defaults.queries" and source.startswith("参照：")
        assert "《" in source and "本 SDK 的选择" in source


class _Raise:
    @hookimpl
    def register_queries(self, register: Any) -> None:
        register(PublicationThreshold("k_anonymity", value=8, reference="本州规定"))


class _Lower:
    @hookimpl
    def register_queries(self, register: Any) -> None:
        register(PublicationThreshold("min_raters", value=3))


def test_a_plugin_may_raise_a_threshold_but_not_lower_it() -> None:
    raised = resolve(make_plugins(_Raise()), ON)
    assert raised.k_anonymity == 8 and raised.min_raters == 10
    assert raised.sources["k_anonymity"] == (raised.sources["k_anonymity"][0], "本州规定")
    with pytest.raises(PluginError, match=r"_Lower.*register_queries.*min_raters = 3 is below "
                                          r"the provincial 10"):
        resolve(make_plugins(_Lower()), ON)
    with pytest.raises(CadreError, match="不能低于规则规定的 10 人"):
        Thresholds().raised(min_raters=9)


# --- complementary suppression, computed by hand --------------------------------------------

def test_one_hidden_cell_in_a_sum_hides_the_next_smallest() -> None:
    # Row: total 20 = 3 + 12 + 5. 3 < 5 is hidden; 20 - 12 - 5 would give it back, so the
    # next smallest part (5) is hidden too; 12 stays (20 - 12 = 8 = 3 + 5, not one cell).
    values = {(1, "t"): 20, (1, "a"): 3, (1, "b"): 12, (1, "c"): 5}
    hidden = complementary(values, {(1, "a")}, [((1, "t"), [(1, "a"), (1, "b"), (1, "c")])])
    assert hidden == {(1, "a"), (1, "c")}


def test_a_hidden_total_with_every_part_shown_hides_a_part() -> None:
    values = {(1, "t"): 4, (2, "x"): 0, (3, "x"): 4}   # prefecture 4 = county 0 + county 4
    hidden = complementary(values, {(1, "t"), (3, "x")},
                           [((1, "t"), [(2, "x"), (3, "x")])])
    assert hidden == {(1, "t"), (3, "x")}          # both hidden: nothing to add
    hidden = complementary({**values, (3, "x"): 9}, {(1, "t")},
                           [((1, "t"), [(2, "x"), (3, "x")])])
    assert hidden == {(1, "t"), (3, "x")}          # smallest non-zero part goes with it


def test_what_a_shown_total_holds_beyond_its_parts_is_protected_too() -> None:
    # Prefecture 13 = county A 6 + county B 5 + the prefecture's own units (市州本级), which no
    # row shows: 13 - 6 - 5 = 2 people, fewer than 5, would be read off by subtraction. The
    # remainder counts as a hidden part, so the smallest shown part (B, 5) is hidden too:
    # 13 - 6 = 7 = B + own units, neither readable.
    values = {(1, "t"): 13, (2, "x"): 6, (3, "x"): 5}
    sums = [((1, "t"), [(2, "x"), (3, "x")])]
    assert complementary(values, set(), sums, min_count=5) == {(3, "x")}
    assert complementary(values, set(), sums) == set()    # without the rule: nothing hidden
    # A remainder of 0 or of at least 5 people reveals no small group: nothing to hide.
    assert complementary({**values, (1, "t"): 11}, set(), sums, min_count=5) == set()
    assert complementary({**values, (1, "t"): 16}, set(), sums, min_count=5) == set()
    # With a county already hidden, the remainder makes two unknowns: nothing more to hide
    # (13 - 6 = 7 = 5 + 2, neither readable).
    assert complementary(values, {(3, "x")}, sums, min_count=5) == {(3, "x")}


def test_a_row_whose_people_are_all_in_one_hidden_category_hides_a_zero_too() -> None:
    # A unit's scorecard: 参加考核人数 = 优秀 + 称职 + 基本称职 + 不称职. With 1 assessed cadre graded
    # 不称职, hiding 1 and 1 while showing 0, 0, 0 still tells "everyone there is 不称职": the
    # 0s are hidden too, all of them (one picked by a rule would tell the grade by the pick).
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (code, assessed, excellent, competent, basic, incompetent)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                     [("A", 1, 0, 0, 0, 1),      # everyone in one category
                      ("B", 3, 0, 0, 1, 2),      # two hidden categories: nothing to add
                      ("C", 12, 2, 10, 0, 0)])   # known total: 10 goes with the 2 (as before)
    grades = ("excellent", "competent", "basic", "incompetent")
    spec = Spec("t", ("assessed", *grades), ("code",), parts=(("assessed", grades),))
    assert protect(conn, spec, Thresholds()) == 5 + 3 + 2
    notice = suppressed_text(5)
    got = {r[0]: r[1:] for r in conn.execute("SELECT * FROM t")}
    assert got == {"A": (notice,) * 5,
                   "B": (notice, 0, 0, notice, notice),
                   "C": (12, notice, notice, 0, 0)}


def test_a_row_whose_people_are_in_none_of_its_parts_hides_a_zero_too() -> None:
    # A unit's training coverage: 3 leaders (hidden), 0 trained (shown): "none of them was
    # trained" tells each leader's. The 0 is hidden too; 2 trained of 4 was hidden already.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (unit_code, leaders, trained)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [("A", 3, 0), ("B", 4, 2), ("C", 6, 0)])
    spec = Spec("t", ("leaders", "trained"), ("unit_code",), parts=(("leaders", ("trained",)),))
    assert protect(conn, spec, Thresholds()) == 2 + 2
    notice = suppressed_text(5)
    got = {r[0]: r[1:] for r in conn.execute("SELECT * FROM t")}
    assert got == {"A": (notice, notice), "B": (notice, notice), "C": (6, 0)}


def test_a_category_no_sum_gives_is_hidden_when_it_would_tell_none_of_them() -> None:
    # 达标学时 (hours_met) counts leaders but is not subtracted from anything: with 3 leaders
    # hidden, 0 meeting the hours tells it of each of them, so the 0 is hidden; beside 6
    # leaders (shown) a 0 tells nothing of one person and stays.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (unit_code, leaders, hours_met)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [("A", 3, 0), ("C", 6, 0)])
    spec = Spec("t", ("leaders", "hours_met"), ("unit_code",),
                categories=(("leaders", ("hours_met",)),))
    assert protect(conn, spec, Thresholds()) == 2
    notice = suppressed_text(5)
    assert dict((r[0], r[1:]) for r in conn.execute("SELECT * FROM t")) == \
        {"A": (notice, notice), "C": (6, 0)}


@pytest.mark.parametrize(("table", "total", "part"), [
    ("training_coverage", "leaders", "hours_met"),     # none of a unit's leaders met the hours
    ("overdue_summary", "cases", "overdue"),           # none of a body's cases is overdue
    ("case_decision_summary", "cases", "mismatches"),  # no determination differed from the rule
    ("subsidy_totals", "cadres", "cadres_unpaid"),     # every one of them was paid
])
def test_a_published_category_of_a_small_group_is_not_said_to_be_empty(
        table: str, total: str, part: str) -> None:
    from cadre_sdk.publish.suppress import SPECS

    spec = next(s for s in SPECS if s.table == table)
    columns = list(dict.fromkeys([*spec.keys, *spec.counts, *spec.derived]))
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE [{table}] ({', '.join(f'[{c}]' for c in columns)})")
    row = {c: None for c in columns} | {c: 0 for c in spec.counts} | {total: 3, part: 0}
    conn.execute(f"INSERT INTO [{table}] VALUES ({', '.join('?' * len(columns))})",
                 [row[c] for c in columns])
    protect(conn, spec, Thresholds())
    got = conn.execute(f"SELECT [{total}], [{part}] FROM [{table}]").fetchone()
    assert got == (suppressed_text(5), suppressed_text(5))


def test_the_excellent_hidden_in_a_scorecard_is_not_its_candidates_minus_the_demoted() -> None:
    # 优秀候选人数 = 优秀 + 名额调整人数 (the quota moves candidates down a grade). A county with
    # 2 优秀 (hidden) of 10 candidates, 8 moved down: 10 - 8 gave the 2 back, so 8 is hidden
    # too (and, in the grades' sum, the smallest other grade, 基本称职 7). A unit of 1 cadre,
    # 称职: the 0s hidden beside its lone 称职 (优秀 among them) would be told by 0 candidates,
    # so they are hidden, and the 0 moved down beside them.
    from cadre_sdk.publish.suppress import SPECS

    spec = next(s for s in SPECS if s.table == "scorecard")
    columns = list(dict.fromkeys([*spec.keys, *spec.counts, *spec.derived]))
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE scorecard ({', '.join(columns)})")
    rows = {"county": dict(assessed=57, excellent=2, competent=48, basic=7, incompetent=0,
                           ungraded=0, excellent_candidates=10, quota_demoted=8),
            "unit": dict(assessed=1, excellent=0, competent=1, basic=0, incompetent=0,
                         ungraded=0, excellent_candidates=0, quota_demoted=0)}
    for code, counts in rows.items():
        row = {c: None for c in columns} | counts | {"scope": "单位", "year": 2024, "code": code}
        conn.execute(f"INSERT INTO scorecard VALUES ({', '.join('?' * len(columns))})",
                     [row[c] for c in columns])
    protect(conn, spec, Thresholds())
    n = suppressed_text(5)
    shown = ("assessed", "excellent", "competent", "basic", "incompetent", "ungraded",
             "excellent_candidates", "quota_demoted")
    got = {r[0]: r[1:] for r in conn.execute(f"SELECT code, {', '.join(shown)} FROM scorecard")}
    assert got == {"county": (57, n, 48, n, 0, 0, 10, n), "unit": (n,) * 8}


#: The counts of a scorecard row (``scorecard`` columns) a reader reads.
_CARD = ("assessed", "excellent", "competent", "basic", "incompetent", "ungraded",
         "excellent_candidates", "quota_demoted")


def _scorecard(rows: dict[str, tuple[str, str, tuple[int, ...]]]) -> dict[str, tuple]:
    """``rows`` (code -> (scope, region code, counts in ``_CARD`` order)) as a scorecard of
    2024, protected as published; code -> the counts as shown."""
    from cadre_sdk.publish.suppress import SPECS

    spec = next(s for s in SPECS if s.table == "scorecard")
    columns = list(dict.fromkeys([*spec.keys, "region_code", *spec.counts, *spec.derived]))
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE scorecard ({', '.join(columns)})")
    for code, (scope, region, counts) in rows.items():
        row = {c: None for c in columns} | dict(zip(_CARD, counts)) | {
            "scope": scope, "year": 2024, "code": code, "region_code": region}
        conn.execute(f"INSERT INTO scorecard VALUES ({', '.join('?' * len(columns))})",
                     [row[c] for c in columns])
    protect(conn, spec, Thresholds())
    return {r[0]: r[1:] for r in conn.execute(f"SELECT code, {', '.join(_CARD)} FROM scorecard")}


def _worked_out(known: dict, relations: list[tuple[Any, list[Any]]]) -> dict:
    """What a reader works out from the cells ``known`` (cell -> number shown) by the
    ``relations`` (total cell, part cells) they know: whenever one has one unknown cell, it is
    found; again until nothing more is. Cell -> value found."""
    known, found = dict(known), {}
    while True:
        for total, parts in relations:
            unknown = [c for c in (total, *parts) if c not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            rest = sum(known[p] for p in parts if p != cell)
            known[cell] = found[cell] = known[total] - rest if cell != total else rest
            break
        else:
            return found


def _card_relations(codes: Iterable[str], sums: list[tuple[str, list[str]]]) -> list:
    """Within every scorecard row, 参加考核人数 = the five grades and 优秀候选人数 = 优秀 +
    名额调整人数; and the ``sums`` (total row, part rows) column by column."""
    relations = [((code, "assessed"), [(code, c) for c in _CARD[1:6]]) for code in codes]
    relations += [((code, "excellent_candidates"), [(code, "excellent"), (code, "quota_demoted")])
                  for code in codes]
    return relations + [((total, col), [(p, col) for p in parts])
                         for total, parts in sums for col in _CARD]


def _shown(shown: dict[str, tuple]) -> dict:
    """(code, column) -> number of the cells ``shown`` (hidden ones are texts)."""
    return {(code, col): v for code, counts in shown.items()
            for col, v in zip(_CARD, counts) if isinstance(v, int)}


def _derivable(shown: dict[str, tuple], sums: list[tuple[str, list[str]]]) -> dict:
    """What a reader works out of a scorecard (``_worked_out``, ``_card_relations``)."""
    return _worked_out(_shown(shown), _card_relations(shown, sums))


def test_a_units_hidden_cell_is_not_its_county_minus_the_other_units() -> None:
    # 玉树市 (632701) has two units: A (in 结古街道, 632701100) with 2 优秀 of 10 (hidden) and
    # B (632701 itself) with 6 of 20; 玉树州 (632700) adds its own unit C; the province is
    # 玉树州 alone. Each row within itself hides 优秀 and 称职 (8: the smallest other grade)
    # of A; but the county's 8 优秀 minus B's 6 gave A's 2: the county's rows are tied to
    # their units', so the county hides as many cells as it takes, and so on up.
    rows = {
        "A": ("单位", "632701100", (10, 2, 8, 0, 0, 0, 2, 0)),
        "B": ("单位", "632701", (20, 6, 14, 0, 0, 0, 6, 0)),
        "C": ("单位", "632700", (20, 5, 15, 0, 0, 0, 5, 0)),
        "632701": ("地区", "632700", (30, 8, 22, 0, 0, 0, 8, 0)),
        "632700": ("地区", "630000", (50, 13, 37, 0, 0, 0, 13, 0)),
        "630000": ("地区", "", (50, 13, 37, 0, 0, 0, 13, 0))}
    shown = _scorecard(rows)
    hidden = {(code, col) for code, counts in shown.items()
              for col, v in zip(_CARD, counts) if not isinstance(v, int)}
    assert ("A", "excellent") in hidden and ("A", "competent") in hidden
    sums = [("632701", ["A", "B"]), ("632700", ["632701", "C"]), ("630000", ["632700"])]
    assert _derivable(shown, sums) == {}
    # every number shown is the true one
    for code, counts in shown.items():
        assert all(v == t for v, t in zip(counts, rows[code][2]) if isinstance(v, int))


def test_a_county_of_one_unit_hides_what_its_unit_hides() -> None:
    # 称多县 (632723) has one unit, D: 3 优秀 of 12 (hidden). Its row equals D's; the
    # prefecture 玉树州 has E beside it. Neither row shows what the other hides.
    rows = {
        "D": ("单位", "632723", (12, 3, 9, 0, 0, 0, 3, 0)),
        "E": ("单位", "632700", (30, 6, 24, 0, 0, 0, 6, 0)),
        "632723": ("地区", "632700", (12, 3, 9, 0, 0, 0, 3, 0)),
        "632700": ("地区", "630000", (42, 9, 33, 0, 0, 0, 9, 0)),
        "630000": ("地区", "", (42, 9, 33, 0, 0, 0, 9, 0))}
    shown = _scorecard(rows)
    assert shown["632723"] == shown["D"]
    assert not isinstance(shown["D"][1], int)
    sums = [("632723", ["D"]), ("632700", ["632723", "E"]), ("630000", ["632700"])]
    assert _derivable(shown, sums) == {}


def test_the_grade_distribution_gives_away_nothing_the_scorecard_hides() -> None:
    # The same county as above, its units both 部门: the grade distribution counts the
    # individuals of 玉树市 by kind (部门, and 全部) and grade, the same people as the
    # scorecard's rows. Protected apart, it showed 部门's 8 优秀 in 玉树市: 8 minus B's 6
    # gave A's hidden 2, and a region's 优秀 the scorecard hid could be read there.
    from cadre_sdk.publish.suppress import SPECS, protect_all

    card = next(s for s in SPECS if s.table == "scorecard")
    columns = list(dict.fromkeys([*card.keys, "region_code", "class", *card.counts,
                                  *card.derived]))
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE scorecard ({', '.join(columns)})")
    conn.execute("CREATE TABLE grade_distribution (year, region_level, region_code, "
                 "region_name, subject, unit_kind, grade, cadres, share, quota_adjusted)")
    rows = {
        "A": ("单位", "632701100", (10, 2, 8, 0, 0, 0, 2, 0)),
        "B": ("单位", "632701", (20, 6, 14, 0, 0, 0, 6, 0)),
        "C": ("单位", "632700", (20, 5, 15, 0, 0, 0, 5, 0)),
        "632701": ("地区", "632700", (30, 8, 22, 0, 0, 0, 8, 0)),
        "632700": ("地区", "630000", (50, 13, 37, 0, 0, 0, 13, 0)),
        "630000": ("地区", "", (50, 13, 37, 0, 0, 0, 13, 0))}
    for code, (scope, region, counts) in rows.items():
        row = {c: None for c in columns} | dict(zip(_CARD, counts)) | {
            "scope": scope, "year": 2024, "code": code, "region_code": region,
            "class": "部门·县" if scope == "单位" else "县"}
        conn.execute(f"INSERT INTO scorecard VALUES ({', '.join('?' * len(columns))})",
                     [row[c] for c in columns])
    # by hand: 玉树市 holds A and B, 玉树州 also C, the province 玉树州 alone; all 部门
    grades = {("县", "632701"): (8, 22), ("市州", "632700"): (13, 37), ("省", "630000"): (13, 37)}
    for (level, code), (excellent, competent) in grades.items():
        for kind in ("部门", "全部"):
            for grade, n in (("优秀", excellent), ("称职", competent)):
                conn.execute("INSERT INTO grade_distribution VALUES (2024, ?, ?, '', '个人', ?, ?, "
                             "?, NULL, 0)", [level, code, kind, grade, n])
    protect_all(conn, Thresholds())
    shown = {r[0]: r[1:] for r in conn.execute(f"SELECT code, {', '.join(_CARD)} FROM scorecard")}
    known = _shown(shown)
    distribution = {}
    for code, kind, grade, n in conn.execute(
            "SELECT region_code, unit_kind, grade, cadres FROM grade_distribution"):
        distribution[(code, kind, grade)] = n
        if isinstance(n, int):
            known[("分布", code, kind, grade)] = n
    # a region's grades are the scorecard's; a kind's are its units' (all are 部门) and 全部
    # is every kind's; a prefecture's are its counties' and its own units'
    members = {"632701": ["A", "B"], "632700": ["A", "B", "C"], "630000": ["A", "B", "C"]}
    relations = _card_relations(shown, [("632701", ["A", "B"]), ("632700", ["632701", "C"]),
                                        ("630000", ["632700"])])
    for (code, kind, grade) in distribution:
        col = {"优秀": "excellent", "称职": "competent"}[grade]
        cell = ("分布", code, kind, grade)
        relations += [(cell, [(code, col)]), (cell, [(u, col) for u in members[code]])]
    assert ("A", "excellent") not in known
    assert _worked_out(known, relations) == {}
    # and the distribution hides what the scorecard's region rows hide, and the reverse
    for (code, kind, grade), n in distribution.items():
        col = {"优秀": "excellent", "称职": "competent"}[grade]
        assert isinstance(n, int) == ((code, col) in known), (code, kind, grade)


def test_a_units_training_coverage_is_not_its_regions_minus_the_other_unit() -> None:
    # 玉树市 has two units: A (in 结古街道) with 2 of 10 leaders trained (hidden, and its 10
    # with them) and B with 15 of 20. The county's, prefecture's and province's rows (30
    # leaders, 17 trained) minus B's gave A's 10 and 2: the region rows are protected with
    # the unit rows.
    from cadre_sdk.publish.suppress import protect_all

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE training_coverage (year, unit_code, region_code, leaders, "
                 "trained, coverage, full_coverage, hours_met, hours)")
    conn.execute("CREATE TABLE training_coverage_region (year, region_level, region_code, "
                 "leaders, trained, coverage, full_coverage)")
    conn.executemany("INSERT INTO training_coverage VALUES (2024, ?, ?, ?, ?, ?, 0, ?, ?)",
                     [("A", "632701100", 10, 2, 0.2, 2, 10), ("B", "632701", 20, 15, 0.75, 15, 60)])
    regions = (("县", "632701"), ("市州", "632700"), ("省", "630000"))
    conn.executemany("INSERT INTO training_coverage_region VALUES (2024, ?, ?, 30, 17, 0.57, 0)",
                     regions)
    protect_all(conn, Thresholds())
    known = {(code, col): v for code, leaders, trained in conn.execute(
        "SELECT unit_code, leaders, trained FROM training_coverage UNION ALL "
        "SELECT region_code, leaders, trained FROM training_coverage_region")
        for col, v in (("leaders", leaders), ("trained", trained)) if isinstance(v, int)}
    assert ("A", "trained") not in known and ("A", "leaders") not in known
    relations = [((code, col), [("A", col), ("B", col)])
                 for _, code in regions for col in ("leaders", "trained")]
    assert _worked_out(known, relations) == {}


def test_suppression_follows_the_chain_of_sums_until_nothing_can_be_subtracted() -> None:
    # Prefecture row P (total) and its counties A, B; each row also splits by grade (x, y).
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (region_level, region_code, grade, n, avg)")
    rows = [("市州", "632700", "x", 12, 1.0), ("市州", "632700", "y", 9, 2.0),
            ("县", "632701", "x", 2, 3.0), ("县", "632701", "y", 7, 4.0),
            ("县", "632722", "x", 10, 5.0), ("县", "632722", "y", 2, 6.0)]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    spec = Spec("t", ("n",), ("region_level", "region_code", "grade"), derived={"avg": "n"},
                vary=("grade",), region=("region_level", "region_code"))
    hidden = protect(conn, spec, Thresholds())
    got = {(r[1], r[2]): r[3] for r in conn.execute("SELECT * FROM t")}
    notice = suppressed_text(5)
    # Primary: 632701/x = 2 and 632722/y = 2. Within 632701: x hidden, y (7) joins it; within
    # 632722: y hidden, x (10) joins it. Across counties for x: 632701 and 632722 both hidden
    # (prefecture 12 = 2 + 10: two unknowns); same for y (9 = 7 + 2). Prefecture rows stay.
    assert got == {("632700", "x"): 12, ("632700", "y"): 9,
                   ("632701", "x"): notice, ("632701", "y"): notice,
                   ("632722", "x"): notice, ("632722", "y"): notice}
    averages = {(r[0], r[1]): r[2] for r in conn.execute("SELECT region_code, grade, avg FROM t")}
    assert averages[("632701", "y")] == notice and averages[("632700", "x")] == 1.0
    assert hidden == 8   # 4 counts and their 4 averages


def test_the_count_of_cadres_left_out_of_the_generalized_rows_is_protected_too() -> None:
    # 3 cadres alone at every step: a group of 3, published as any count below 5 is
    from cadre_sdk.publish.provenance import write_protection

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE publication (key, title, value)")
    for left_out in (0, 3, 7):
        write_protection(conn, Thresholds(), 0, {}, left_out)
    got = [r[0] for r in conn.execute(
        "SELECT value FROM publication WHERE key = 'generalized_left_out' ORDER BY rowid")]
    assert got == ["0", suppressed_text(5), "7"]


# --- generalization (k-anonymity) ------------------------------------------------------------

def _fact(pref: str, county: str, year: int, gender: str = "男", **more: Any) -> dict:
    return {"prefecture": pref, "county": county, "unit_kind": more.get("kind", "部门"),
            "level": more.get("level", "乡科级"), "year": year, "gender": gender,
            "ethnicity": more.get("ethnicity", "汉族"), "township": more.get("township")}


def test_generalization_coarsens_until_every_combination_has_k_rows() -> None:
    # 5 alike in one county: kept at step 0. 3 more in another county born 1971-1973 and 2
    # born 1976-1978 in a third: at step 1 (prefecture, 10-year band 1970–1979) they make 5.
    # One woman of another level stays alone at every step and is left out.
    facts = ([_fact("玉树", "称多县", 1980) for _ in range(5)]
             + [_fact("玉树", "囊谦县", 1971 + i) for i in range(3)]
             + [_fact("玉树", "杂多县", 1976 + i) for i in range(2)]
             + [_fact("玉树", "治多县", 1990, "女", level="县处级")])
    rows, left_out = generalize(facts, 5)
    assert left_out == 1 and len(rows) == 10
    steps = sorted(r[-1] for r in rows)
    assert steps == [0] * 5 + [1] * 5
    step1 = {r[:-1] for r in rows if r[-1] == 1}
    assert step1 == {("玉树", HIDDEN, "部门", "乡科级", "1970–1979年", "男", "汉族", "无")}
    from collections import Counter
    assert min(Counter(r[:-1] for r in rows).values()) >= 5
    assert len(QUASI_IDENTIFIERS) == len(rows[0]) - 1


# --- masking on the normalized form ----------------------------------------------------------

@pytest.mark.parametrize("typed", [
    f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}", f"{VALID[:6]}-{VALID[6:14]}-{VALID[14:]}",
    VALID.translate(FULL), f"{VALID[:6]}.{VALID[6:14]}.{VALID[14:]}", VALID, WRONG,
    f"{WRONG[:6]} {WRONG[6:14]} {WRONG[14:]}"])
def test_an_id_number_in_any_spelling_is_masked(typed: str) -> None:
    r = Redactor(["张三丰"])
    assert r.text(f"身份证号：{typed}。") == f"身份证号：{ID_MASK}。"
    assert r.masked == 1


def test_names_phones_and_cadre_ids_in_any_spelling_are_masked() -> None:
    r = Redactor(["张三丰", "蕭瀋"], ["RY0000012"])
    assert r.text("申请人 张 三丰同志") == f"申请人 {NAME_MASK}同志"
    assert r.text("张　三丰") == NAME_MASK                  # an ideographic space
    assert r.text("萧沈同志") == f"{NAME_MASK}同志"          # Simplified form of 蕭瀋
    assert Redactor(["尕布龙"]).text("尕布龍") == NAME_MASK   # Traditional form of 尕布龙
    assert r.text("电话 139-0971-2345，座机 0971 8123456") == f"电话 {PHONE_MASK}，座机 {PHONE_MASK}"
    assert r.text("干部 RY0000012 与 RY00000123") == f"干部 {CADRE_ID_MASK} 与 RY00000123"
    # numbers that are not IDs or phones stay: dates, amounts, codes with hyphens
    for kept in ("2024.01.02 结 古", "39380.0 元", "MB2022-630102101-01-1-06"):
        assert r.text(kept) == kept


def test_json_documents_have_strings_masked_and_numbers_kept() -> None:
    r = Redactor(["尕布龙"])
    doc = '{"a": 0.13812345678, "b": "\\u5c15\\u5e03\\u9f99 同志", "c": [1, 2]}'
    assert r.json_text(doc) == '{"a":0.13812345678,"b":"' + NAME_MASK + ' 同志","c":[1,2]}'
    assert r.masked == 1
    assert r.json_text('{"a": 1}') == '{"a": 1}'          # nothing to mask: bytes kept


def test_small_evaluation_groups_are_withheld_in_an_explanation() -> None:
    data = {"inputs": [{"label": "民主测评", "value": {"参评人数": 5, "优秀": 2}},
                       {"label": "民主测评", "value": {"参评人数": 12, "优秀": 8}}]}
    assert withhold_small_evaluations(data, 10) is True
    assert data["inputs"][0]["value"] == "参评人数不足 10 人，票数不公开"
    assert data["inputs"][1]["value"]["参评人数"] == 12


# --- the scanner ----------------------------------------------------------------------------

def test_bigram_tokens_are_joined_back_into_words() -> None:
    assert _unbigram(tokens("尕布龙同志")).startswith("尕布龙同志")
    assert "廉福章" in _unbigram(tokens("协助 廉福章"))
    # the tokenizer's last single character is not doubled
    assert _unbigram(tokens("青海省")) == "青海省"


def test_a_doubled_character_name_is_not_found_in_the_bigrams_of_a_place_name() -> None:
    # Found at 10k cadres: the index row of 龙林乡 is "龙林 林乡 乡"; with its spaces dropped it
    # reads 龙林林乡乡 and held the name 林林, so every public publish was refused.
    checker = _Checker(["林林", "海海"], [])
    assert checker.text(tokens("龙林乡")) == []
    assert checker.text(tokens("青海省")) == []
    # the name itself in indexed text is still found, joined or spaced
    assert checker.text(tokens("林林同志在龙林乡")) == ["姓名"]
    assert checker.text("林 林同志") == ["姓名"]


@pytest.mark.parametrize(("data", "expected"), [
    # an ID number in raw bytes, written together in ASCII, full-width or with characters whose
    # NFKC form is a digit (superscripts, circled digits): each is found
    ("ab 630102198001011234 cd".encode(), ["身份证号"]),
    ("页".encode() + "630102198001011234".translate(FULL).encode() + b"\x00\xff", ["身份证号"]),
    ("x¹²³".encode() + b"102198001011234", ["身份证号"]),
    ("①".encode() + b"30102198001011239", ["身份证号"]),
    # 19 digits in a row are not an ID number, nor is one inside a hexadecimal hash
    (b"6301021980010112345", []),
    (("a" * 40 + "630102198001011234" + "b" * 10).encode(), []),
    # a cadre id stands alone, not inside a longer code
    ("编号 QH0000018，".encode(), ["干部编号"]),
    (b"XQH0000018 QH00000189", []),
    ("尕布龙".encode("utf-8") + b"\xfe", ["姓名"]),
])
def test_raw_bytes_are_judged_as_text_in_every_spelling(data: bytes, expected: list[str]) -> None:
    checker = _Checker(["尕布龙"], ["QH0000018"])
    assert [f.split("：")[1] for f in checker.raw(data)] == expected


def _store_secrets(store: Path) -> tuple[list[str], list[str]]:
    conn = sqlite3.connect(store)
    rows = conn.execute("SELECT name, id FROM cadre").fetchall()
    conn.close()
    return [n for n, _ in rows], [i for _, i in rows]


#: Tables of rows per case, per adjustment or per staffing breach: oversight level only.
_EVENT_ROWS = ("case", "case_state", "case_event", "case_finding", "case_deadline",
               "case_decision", "decision_dimension", "event_chain", "adjustment",
               "adjustment_link", "adjustment_status", "adjustment_inventory", "staffing_breach")


def test_the_sample_public_file_scans_clean_and_has_no_case_or_adjustment_rows(
        public_db: Path, oversight_db: Path, sample_store: Path) -> None:
    names, ids = _store_secrets(sample_store)
    assert scan(public_db, names=names, cadre_ids=ids, limits=Thresholds()) == []
    public = sqlite3.connect(public_db)
    tables = {r[0] for r in public.execute("SELECT name FROM sqlite_master")}
    kinds = {r[0] for r in public.execute("SELECT DISTINCT kind FROM search_result")}
    public.close()
    assert not tables & set(_EVENT_ROWS)
    # the search index holds no case or adjustment text (it indexes published rows only)
    assert kinds <= {"单位", "地区"}, kinds
    oversight = sqlite3.connect(oversight_db)
    summary = oversight.execute("SELECT summary FROM [case] WHERE id = 'K001'").fetchone()[0]
    oversight.close()
    # oversight keeps the case row (names too), with the grouped ID number masked
    assert "王 芳" in summary and ID_MASK in summary
    assert ID_NUMBERS["C004"] not in normal_form(summary)


def _typed_unit_store(sample_store: Path, folder: Path) -> Path:
    """A copy of the sample store whose first unit's name has a grouped ID number, a name with
    a space inside and a full-width phone number typed into it (public text cells)."""
    store = folder / "typed.db"
    shutil.copy(sample_store, store)
    number = ID_NUMBERS["C004"]
    _plant(store, "UPDATE unit SET name = name || ? WHERE rowid = (SELECT min(rowid) FROM unit)",
           f"（联系人 王 芳，身份证 {number[:6]} {number[6:14]} {number[14:]}，"
           "电话 １３９１２３４５６７８）")
    return store


def test_typed_cells_of_public_tables_are_masked(sample_store: Path, tmp_path: Path) -> None:
    store = _typed_unit_store(sample_store, tmp_path)
    out = tmp_path / "public.db"
    publish(store, out, level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(out)
    name = conn.execute("SELECT name FROM unit WHERE name LIKE '%联系人%'").fetchone()[0]
    masked = dict(conn.execute("SELECT key, value FROM publication"))["masked_cells"]
    conn.close()
    assert NAME_MASK in name and ID_MASK in name and PHONE_MASK in name
    assert int(masked) >= 1
    assert ID_NUMBERS["C004"] not in normal_form(name) and NAMES["C004"] not in normal_form(name)


def _plant(path: Path, sql: str, *args: Any) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


_INDEX_ROW = "INSERT INTO search_index (tokens) VALUES (?)"
_RARE_ROW = ("INSERT INTO cadre_generalized VALUES ('玉树藏族自治州', '称多县', '部门', '乡科级', "
             "'1980–1984年', '男', '藏族', '无', 0)")


@pytest.mark.parametrize("plant, found", [
    # an ID number typed in groups into a public text cell
    (("UPDATE unit SET name = ? WHERE rowid = 1", (f"身份证 {ID_NUMBERS['C001'][:6]} "
                                                   f"{ID_NUMBERS['C001'][6:14]} "
                                                   f"{ID_NUMBERS['C001'][14:]}")),
     "unit 第 1 行 name 列：身份证号"),
    # an ID number (its check character a digit) typed into a numeric column: an integer
    (("UPDATE grade_distribution SET cadres = ? WHERE rowid = 1", int(ID_NUMBERS["C004"])),
     "grade_distribution 第 1 行 cadres 列：17 位以上的数字"),
    # ... or stored as a real
    (("UPDATE grade_distribution SET cadres = ? WHERE rowid = 1", float(ID_NUMBERS["C004"])),
     "grade_distribution 第 1 行 cadres 列：17 位以上的数字"),
    # a name with a space inside
    (("UPDATE unit SET name = ? WHERE rowid = 1", "廉 福章转来"), "unit 第 1 行 name 列：姓名"),
    # a name in Traditional characters (stored as 尕布龙)
    (("UPDATE unit SET name = ? WHERE rowid = 1", "尕布龍同志"), "unit 第 1 行 name 列：姓名"),
    # a name only in the search index, as its bigrams (read back from the index itself)
    ((_INDEX_ROW, tokens("尕布龙")), "tokens 列（索引词元）：姓名"),
    # the votes of a group of 3 raters
    (("UPDATE evaluation_summary SET participants = 3",), "参评人数 3 少于 10"),
    # a count of 2 people in a protected aggregate
    (("UPDATE grade_distribution SET cadres = 2 WHERE rowid = 1",),
     "grade_distribution 第 1 行 cadres 列：人数少于 5"),
    # a unit's scorecard telling that all its assessed cadres were graded 不称职
    (("UPDATE scorecard SET assessed = ?1, incompetent = ?1, excellent = 0, competent = 0, "
      "basic = 0, ungraded = 0 WHERE rowid = 1", "少于 5 人，不公开"),
     "scorecard 第 1 行：assessed 列不公开，其余各项至多一项不公开、其他均为 0"),
    # a unit's training coverage telling that none of its leaders was trained
    (("UPDATE training_coverage SET leaders = ?1, trained = 0 WHERE rowid = 1",
      "少于 5 人，不公开"), "training_coverage 第 1 行：leaders 列不公开"),
    # ... or that none of them met the training hours
    (("UPDATE training_coverage SET leaders = ?1, trained = ?1, hours_met = 0 WHERE rowid = 1",
      "少于 5 人，不公开"), "training_coverage 第 1 行：leaders 列不公开"),
    # a combination of quasi-identifiers held by one row
    ((_RARE_ROW,), "只有 1 行，少于 k = 5"),
    # a count of 1 case in a case aggregate
    (("UPDATE case_stage_summary SET cases = 1 WHERE rowid = 1",),
     "case_stage_summary 第 1 行 cases 列：人数少于 5"),
    # a person key
    (("ALTER TABLE unit ADD COLUMN cadre_id TEXT",), "unit 的 cadre_id 列"),
    # a case row (no person key: a reader who knows the unit and date singles it out)
    (("CREATE TABLE [case] AS SELECT 'K001' AS id, '630102' AS region_code, "
      "'2024-01-05' AS filed",), "表 case：逐人记录不应出现在公开版"),
    # rows per case under a name the publication does not know
    (("CREATE TABLE case_list AS SELECT 'K001' AS case_no, '630102' AS region_code",),
     "表 case_list：不是公开版允许的汇总表或参考表"),
])
def test_the_scanner_finds_each_planted_leak(public_db: Path, sample_store: Path,
                                             tmp_path: Path, plant: tuple, found: str) -> None:
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    _plant(copy, *plant)
    names, ids = _store_secrets(sample_store)
    findings = scan(copy, names=names, cadre_ids=ids, limits=Thresholds())
    assert any(found in f for f in findings), findings


@pytest.mark.parametrize("joined_rows", [scan_module._JOINED_ROWS, 0])
def test_the_index_tokens_are_judged_row_by_row_whether_read_joined_or_not(
        public_db: Path, sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        joined_rows: int) -> None:
    """The index's rows are read as one text (``_joined_tokens``) or one by one (more rows
    than ``_JOINED_ROWS``): either way a name split between two rows is none, and an ID
    number typed in groups inside one row is found at its row."""
    monkeypatch.setattr(scan_module, "_JOINED_ROWS", joined_rows)
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    names, ids = _store_secrets(sample_store)
    assert "尕布龙" in names
    conn = sqlite3.connect(copy)
    conn.execute(_INDEX_ROW, [tokens("协助尕布")])
    conn.execute(_INDEX_ROW, [tokens("龙同志")])
    conn.commit()
    assert scan(copy, names=names, cadre_ids=ids, limits=Thresholds()) == []
    number = ID_NUMBERS["C001"]
    row = conn.execute(_INDEX_ROW, [tokens(f"号码 {number[:6]} {number[6:14]} {number[14:]}")]
                       ).lastrowid
    conn.commit()
    conn.close()
    findings = scan(copy, names=names, cadre_ids=ids, limits=Thresholds())
    assert findings == [f"表 search_index 第 {row} 行 tokens 列（索引词元）：身份证号"]


def test_an_index_without_token_offsets_is_read_row_by_row(tmp_path: Path) -> None:
    """An index whose tokens have no offsets (``detail=column``: not the publication's) is
    read one row at a time: joined, a number ending one row would run into an ID number
    starting the next and hide it."""
    path = tmp_path / "index.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE search_index USING fts5(tokens, detail=column)")
    conn.execute(_INDEX_ROW, ["5"])
    conn.execute(_INDEX_ROW, [ID_NUMBERS["C001"]])
    conn.commit()
    conn.close()
    findings = scan(path, names=[], cadre_ids=[], limits=Thresholds())
    assert "表 search_index 第 2 行 tokens 列（索引词元）：身份证号" in findings, findings


def test_the_scanner_finds_a_leak_inside_a_packed_explanation(public_db: Path,
                                                             sample_store: Path,
                                                             tmp_path: Path) -> None:
    from cadre_sdk.store import explanation_packing as packing
    from cadre_sdk.store import explanations
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    conn = sqlite3.connect(copy)
    # (the public level publishes explanations as JSON text, without dictionaries: one is
    # planted beside the cell, as a file altered after the build would hold it)
    rowid, cell = conn.execute("SELECT rowid, json FROM explanation WHERE json GLOB '{\"t\":*'"
                               " ORDER BY rowid LIMIT 1").fetchone()
    entry = {"for": "planted", "rows": [json.loads(cell)]}
    body = explanations.canonical(entry)
    rid = conn.execute("INSERT INTO explanation_ref (kind, digest, json) VALUES (?, ?, ?)",
                       [packing.ZDICT_KIND, explanations.digest(body), body]).lastrowid
    dictionary = packing.dictionary_bytes(entry)
    names, ids = _store_secrets(sample_store)
    assert scan(copy, names=names, cadre_ids=ids, limits=Thresholds()) == []
    data = json.loads(explanations.json_text(conn, cell))
    data["v"].append(f"{NAMES['C001']} {ID_NUMBERS['C001']}")
    planted = packing.Packer(rid, dictionary).pack(explanations.canonical(data))
    assert NAMES["C001"].encode() not in planted     # not in the raw bytes: deflated
    conn.execute("UPDATE explanation SET json = ? WHERE rowid = ?", [planted, rowid])
    conn.commit()
    conn.close()
    findings = scan(copy, names=names, cadre_ids=ids, limits=Thresholds())
    row = [f for f in findings if f.startswith("表 explanation ")]
    assert any("json 列：姓名" in f for f in row) and any("json 列：身份证号" in f for f in row), \
        findings


def test_the_scanner_reads_raw_bytes_too(tmp_path: Path) -> None:
    """A name or an ID number left in a page of the file that no table shows (a deleted row's
    bytes) is found in the raw bytes."""
    path = tmp_path / "raw.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA secure_delete = OFF")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (?)", [f"尕布龙 {ID_NUMBERS['C002']}"])
    conn.commit()
    conn.execute("DELETE FROM t")
    conn.commit()
    conn.close()
    findings = scan(path, names=["尕布龙"], cadre_ids=[], limits=Thresholds())
    assert any("原始字节" in f and "身份证号" in f for f in findings), findings
    assert any("原始字节" in f and "姓名" in f for f in findings), findings


class _NoMasking(Redactor):
    """A redactor that masks nothing (masking bypassed)."""

    def text(self, value: Any) -> Any:
        return value

    def json_text(self, value: Any) -> Any:
        return value


def test_publishing_refuses_a_file_the_scanner_finds_leaks_in(
        sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_module, "Redactor", _NoMasking)
    folder = tmp_path / "out"
    folder.mkdir()
    store = _typed_unit_store(sample_store, tmp_path)
    with pytest.raises(RedactionError) as caught:
        publish(store, folder / "public.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    message = str(caught.value)
    assert "身份证号" in message and "姓名" in message and "unit" in message
    assert list(folder.iterdir()) == []         # nothing written


def test_the_home_page_explains_the_model(public_db: Path) -> None:
    from cadre_sdk.publish.testing import PublicationClient

    with PublicationClient(public_db) as client:
        page = client.get("/").text
    assert "公开版如何保护个人信息" in page and "准标识符" in page
    assert "至少由 5 名干部共有" in page and "少于 5 人，不公开" in page and "不少于 10 人" in page
    assert "不公开逐案、逐人的记录" in page


def test_cadre_scan_reports_findings_and_fails(public_db: Path, sample_store: Path,
                                              tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cadre_sdk.cli.app import build_cli

    cli = build_cli(make_plugins())
    clean = CliRunner().invoke(cli, ["scan", str(public_db), str(sample_store)])
    assert clean.exit_code == 0 and "未发现" in clean.output, clean.output
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    _plant(copy, "UPDATE unit SET name = ? WHERE rowid = 1", f"王 芳 {ID_NUMBERS['C004']}")
    leaky = CliRunner().invoke(cli, ["scan", str(copy), str(sample_store)])
    assert leaky.exit_code == 1
    assert "unit 第 1 行 name 列：姓名" in leaky.output
    assert "unit 第 1 行 name 列：身份证号" in leaky.output


class _RaiseFrom2027:
    """A prefecture raising 人数 cells' threshold from 2027-01-01 (a dated parameter)."""

    @hookimpl
    def register_queries(self, register: Any) -> None:
        register(PublicationThreshold("min_count", path="publication.min_count",
                                      parameters=parse_parameters("""
publication:
  min_count:
    unit: count
    values:
      2015-01-01: {value: 5, reference: "测试：省级门槛", example: true}
      2027-01-01: {value: 8, reference: "测试：本州自 2027 年起", example: true}
""", "raise_2027.yaml")))


def test_a_publication_follows_the_rules_of_the_day_it_is_for(sample_store: Path,
                                                                tmp_path: Path) -> None:
    """``as_of``, not the clock, chooses the thresholds in force (and the month township work
    is counted up to): the same store published for the last day of 2026 and the first of
    2027 hides cells under 5 and under 8 people."""
    plugins = make_plugins(_RaiseFrom2027())
    before = publish(sample_store, tmp_path / "a.db", level="public", plugins=plugins,
                     as_of=dt.date(2026, 12, 31))
    after = publish(sample_store, tmp_path / "b.db", level="public", plugins=plugins,
                    as_of=dt.date(2027, 1, 1))
    assert (before.thresholds.min_count, after.thresholds.min_count) == (5, 8)
    said = [sqlite3.connect(r.out).execute("SELECT value FROM publication WHERE key = "
                                           "'threshold_min_count'").fetchone()[0]
            for r in (before, after)]
    assert said[0].startswith("5（") and "本 SDK 的选择" in said[0]   # the province's
    assert said[1].startswith("8（") and "本州自 2027 年起" in said[1]
