"""The public level's aggregates of cases, adjustments and staffing breaches
(``publish.event_aggregates``), protected like ``grade_distribution`` (``suppress.SPECS``); and
the public canned queries reading them on the sample publication."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from cadre_sdk.publish import event_aggregates
from cadre_sdk.publish.suppress import SPECS, protect
from cadre_sdk.publish.thresholds import Thresholds, suppressed_text

HIDDEN = suppressed_text(5)
_SPEC = {spec.table: spec for spec in SPECS}


def _conn(src: dict[str, tuple[str, list[tuple]]]) -> sqlite3.Connection:
    """A publication under construction: ``region`` in main, the store's tables in ``src``."""
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH ':memory:' AS src")
    conn.execute("CREATE TABLE region (code TEXT PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO region VALUES (?, ?)", [
        ("630000", "青海省"), ("630100", "西宁市"), ("630102", "城东区"), ("630103", "城中区"),
        ("632700", "玉树藏族自治州"), ("632701", "玉树市")])
    for table, (ddl, rows) in src.items():
        conn.execute(f"CREATE TABLE src.[{table}] ({ddl})")
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO src.[{table}] VALUES ({marks})", rows)
    return conn


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sql)]


def test_cases_by_stage_roll_up_by_region_and_small_cells_are_hidden_with_a_complement() -> None:
    # 城东区 6 cases 已受理, 城中区 5 已受理, 玉树市 2 已受理 and 1 已认定 (same stage)
    cases = ([("630102", "核实认定", "已受理")] * 6 + [("630103", "核实认定", "已受理")] * 5
             + [("632701", "核实认定", "已受理")] * 2 + [("632701", "核实认定", "已认定")])
    conn = _conn({"case_state": ("region_code, stage, state", cases)})
    assert event_aggregates.case_stages(conn) == "case_stage_summary"
    before = _rows(conn, "SELECT region_code, state, cases FROM case_stage_summary")
    # 省 = 6 + 5 + 2 = 13 已受理, 1 已认定; 西宁 = 6 + 5 = 11; 玉树 2 and 1 (province, then
    # prefectures, then counties)
    assert before == [("630000", "已受理", 13), ("630000", "已认定", 1),
                      ("630100", "已受理", 11), ("632700", "已受理", 2), ("632700", "已认定", 1),
                      ("630102", "已受理", 6), ("630103", "已受理", 5),
                      ("632701", "已受理", 2), ("632701", "已认定", 1)]
    hidden = protect(conn, _SPEC["case_stage_summary"], Thresholds())
    after = _rows(conn, "SELECT region_code, state, cases FROM case_stage_summary")
    # primary: the 1s and 2s (玉树's and 玉树市's four cells, the province's 已认定 1);
    # complementary: the province's states add up to an implicit total (13 + 1), so with the
    # 1 hidden the 13 goes too. 13 = 西宁 11 + 玉树 2 then has its total hidden as well as
    # one part: nothing to subtract; 西宁 11 = 城东 6 + 城中 5 are all shown and add up.
    assert after == [("630000", "已受理", HIDDEN), ("630000", "已认定", HIDDEN),
                     ("630100", "已受理", 11), ("632700", "已受理", HIDDEN),
                     ("632700", "已认定", HIDDEN), ("630102", "已受理", 6),
                     ("630103", "已受理", 5), ("632701", "已受理", HIDDEN),
                     ("632701", "已认定", HIDDEN)]
    assert hidden == 6


def test_adjustments_count_per_half_region_situation_and_action() -> None:
    # 城东区: 5 调离岗位 under BSY-03 in 2024H1; 城中区: 5 the same; 玉树市: none
    rows = [("630102", "2024H1", "BSY-03", "情形三", "调离岗位")] * 5 + \
           [("630103", "2024H1", "BSY-03", "情形三", "调离岗位")] * 5
    conn = _conn({"adjustment_status": ("region_code, half, situation, situation_title, action",
                                        rows)})
    event_aggregates.adjustments(conn)
    protect(conn, _SPEC["adjustment_summary"], Thresholds())
    # 省 = 西宁 = 5 + 5 = 10; each county 5 (not below 5: shown)
    assert _rows(conn, "SELECT region_level, region_code, year, adjustments "
                       "FROM adjustment_summary") == [
        ("省", "630000", 2024, 10), ("市州", "630100", 2024, 10), ("县", "630102", 2024, 5),
        ("县", "630103", 2024, 5)]


def test_mismatches_per_body_add_up_and_a_lone_small_part_takes_another_with_it() -> None:
    # 县纪委: 6 decided, all consistent; 市纪委: 5 consistent, 2 differing, 1 not comparable
    # (consistent NULL); one undecided case is not counted
    rows = ([("县纪委", "容错", 1)] * 6 + [("市纪委", "容错", 1)] * 5
            + [("市纪委", "不予容错", 0)] * 2 + [("市纪委", "容错", None), ("市纪委", None, None)])
    conn = _conn({"case_decision": ("determined_by, decision, consistent", rows)})
    event_aggregates.case_mismatches(conn)
    assert _rows(conn, "SELECT * FROM case_mismatch_summary") == [
        # 全部: 6 + 8 = 14 decided; 2 differing; 6 + 5 = 11 consistent; 1 not comparable
        ("全部", 14, 2, 11, 1), ("县纪委", 6, 0, 6, 0), ("市纪委", 8, 2, 5, 1)]
    protect(conn, _SPEC["case_mismatch_summary"], Thresholds())
    rows = _rows(conn, "SELECT * FROM case_mismatch_summary")
    # 市纪委's 2 differing and 1 not comparable are below 5: hidden; two hidden parts of its
    # 8 = 2 + 5 + 1 leave only their sum (3) to subtract. Likewise 全部's 14 = 2 + 11 + 1. The
    # roll-up 全部 = 县纪委 + 市纪委 ties hidden cells to hidden cells (2 = 0 + 2, 1 = 0 + 1).
    assert rows == [("全部", 14, HIDDEN, 11, HIDDEN), ("县纪委", 6, 0, 6, 0),
                    ("市纪委", 8, HIDDEN, 5, HIDDEN)]


def test_staffing_breaches_count_units_not_posts() -> None:
    rows = [("rule_a", "规则甲", "违反", "632701")] * 1 + [("rule_a", "规则甲", "违反", "630102")] * 6
    conn = _conn({"staffing_breach": ("rule_code, title, severity, region_code", rows)})
    event_aggregates.breaches(conn)
    cols = _rows(conn, "SELECT name FROM pragma_table_info('staffing_breach_summary')")
    assert ("unit_code",) not in cols and ("evidence",) not in cols
    protect(conn, _SPEC["staffing_breach_summary"], Thresholds())
    # 省 7 = 西宁 6 + 玉树 1: 玉树's 1 is hidden (and 玉树市's), so 西宁's 6 too (7 - 6 = 1);
    # 西宁 = 城东 6, a lone part equal to its hidden total, would show it: hidden as well
    assert _rows(conn, "SELECT region_code, units FROM staffing_breach_summary") == [
        ("630000", 7), ("630100", HIDDEN), ("632700", HIDDEN), ("630102", HIDDEN),
        ("632701", HIDDEN)]


def test_public_summary_queries_on_the_sample(public_db: Path) -> None:
    """The sample has one case (K001, 城东区, 核实认定/已受理) and 3 adjustments in 2024H1: every
    count is 1 to 4, so every cell reads the notice; the regions roll up."""
    from cadre_sdk.testing import make_plugins

    queries = {r.key: r.item for r in make_plugins().book.everything("query").values()}
    conn = sqlite3.connect(public_db)
    stages = conn.execute(queries["cases_by_stage_summary"].sql, {"region": ""}).fetchall()
    assert stages == [("省", "630000", "青海省", "核实认定", "已受理", HIDDEN),
                      ("市州", "630100", "西宁市", "核实认定", "已受理", HIDDEN)]
    county = conn.execute(queries["cases_by_stage_summary"].sql, {"region": "630100"}).fetchall()
    assert [r[1] for r in county] == ["630100", "630102"]
    adjusted = conn.execute(queries["adjustment_inventory_summary"].sql,
                            {"half": "2024H1", "region": ""}).fetchall()
    assert adjusted and all(r[-1] == HIDDEN for r in adjusted)
    for name in ("decisions_by_dimension_summary", "decisions_by_region_summary",
                 "determination_mismatches_by_body_summary", "staffing_breach_summary"):
        params = {"region": ""} if ":region" in queries[name].sql else {}
        assert all(isinstance(r[-1], str) or r[-1] == 0 or r[-1] >= 5
                   for r in conn.execute(queries[name].sql, params)), name
    conn.close()
