"""The candidate pool: key-task achievements, good assessments, no open adjustment and the
checkable parts of the five "hard" qualities, as of the latest year in the store (window 3 years).

The annual results come from the assessment engine's ``assessment_result`` table (assessment_id,
cadre_id, year, grade); these tests build that table themselves so they do not depend on it.
"""
from __future__ import annotations

import datetime

import pytest

from cadre_sdk.engines.staffing import engine as staffing


def achievement(aid, cid, date, category="脱贫攻坚"):
    return {"实绩编号": aid, "干部编号": cid, "日期": date, "实绩类别": category, "实绩内容": "事迹"}


@pytest.fixture
def pool_db(cadre_db, cadre_load):
    db = cadre_db
    cadre_load(db, "unit", [
        {"单位代码": "U1", "单位名称": "门源县农牧局", "单位类别": "部门", "单位层级": "县",
         "所在地区代码": "632221"},
        {"单位代码": "U2", "单位名称": "格尔木市民政局", "单位类别": "部门", "单位层级": "县",
         "所在地区代码": "632801"}])
    cadre_load(db, "cadre", [{"干部编号": c, "姓名": f"姓名{c}", "性别": "男", "出生年月": "1980.01",
                              "工作单位": "U2" if c == "K" else "U1", "职务": "科长"}
                             for c in "ABCDEFGHK"])
    cadre_load(db, "achievement", [
        achievement("a1", "A", "2023-05-01"), achievement("a2", "A", "2024-02-01", "生态保护"),
        achievement("b1", "B", "2024-03-01"), achievement("c1", "C", "2024-03-01"),
        achievement("d1", "D", "2024-03-01"), achievement("e1", "E", "2020-03-01"),
        achievement("f1", "F", "2023-03-01"), achievement("g1", "G", "2024-03-01"),
        achievement("h1", "H", "2024-03-01"), achievement("k1", "K", "2024-03-01", "生态保护")])
    cadre_load(db, "adjustment", [
        {"调整编号": "J1", "干部编号": "C", "调整时间": "2024-09-01", "情形代码": "BSY-06",
         "触发来源": "年度考核", "调整方式": "调离岗位", "状态": "拟调整"},
        {"调整编号": "J2", "干部编号": "H", "调整时间": "2023-09-01", "情形代码": "BSY-06",
         "触发来源": "年度考核", "调整方式": "调离岗位", "状态": "已调整"}])
    cadre_load(db, "observation", [
        {"记录编号": "o1", "干部编号": "D", "日期": "2024-06-01", "来源": "平时考核",
         "具体表现": "关键时刻立场摇摆", "问题标签": "两面人"}])
    return db


def with_results(db, results):
    db["assessment_result"].drop(ignore=True)
    db.execute("CREATE TABLE assessment_result (assessment_id TEXT, cadre_id TEXT, "
               "year INTEGER, grade TEXT)")
    db.conn.executemany("INSERT INTO assessment_result VALUES (?, ?, ?, ?)",
                        [(f"R{n}", c, y, g) for n, (c, y, g) in enumerate(results)])


RESULTS = [("A", 2022, "称职"), ("A", 2023, "优秀"), ("A", 2024, "优秀"),
           ("B", 2023, "基本称职"), ("C", 2024, "称职"), ("D", 2024, "称职"),
           ("G", 2021, "不称职"), ("G", 2024, "称职"), ("H", 2024, "称职"), ("K", 2024, "优秀")]


def run(db, plugins):
    db.conn.execute("BEGIN")
    staffing.evaluate(db, plugins, as_of=datetime.date(2025, 1, 31))  # results: data-dated
    db.conn.execute("COMMIT")
    return {r["cadre_id"]: r for r in db.query("SELECT * FROM candidate_pool")}


def test_pool_with_assessment_results(pool_db, cadre_plugins):
    with_results(pool_db, RESULTS)
    pool = run(pool_db, cadre_plugins())
    # As of 2024 (latest achievement and result), window 2022-2024: E's only achievement (2020)
    # is outside it, so E is not in the pool.
    assert sorted(pool) == ["A", "B", "C", "D", "F", "G", "H", "K"]
    assert {c for c, r in pool.items() if r["eligible"]} == {"A", "F", "G", "H", "K"}
    assert pool["A"]["achievements"] == 2 and pool["A"]["grades"] == "2022 称职、2023 优秀、2024 优秀"
    assert (pool["B"]["assessment_ok"], pool["C"]["adjustment_ok"], pool["D"]["political_ok"]) \
        == (0, 0, 0)
    assert "考核良好：不符合（有2023 基本称职）" in pool["B"]["criteria"]
    assert "有拟调整事项（J1）" in pool["C"]["criteria"]
    assert "有“两面人”记录" in pool["D"]["criteria"]
    # G's 不称职 of 2021 is outside the window; H's adjustment is done, not open.
    assert pool["G"]["grades"] == "2024 称职" and pool["H"]["open_adjustments"] is None
    # F has no result in the window: eligible, with the criterion listed as not checked.
    assert (pool["F"]["assessment_ok"], pool["F"]["unchecked"]) == (None, "考核良好")
    text = pool_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'candidate_pool:B'"
                           ).fetchone()[0]
    assert "candidate_pool.excluded_grades" in text and "不入选" in text


def test_pool_without_the_assessment_table(pool_db, cadre_plugins):
    pool_db["assessment_result"].drop(ignore=True)
    pool = run(pool_db, cadre_plugins())
    # No grades to check: B is no longer excluded; C (open adjustment) and D (两面人) still are.
    assert {c for c, r in pool.items() if r["eligible"]} == {"A", "B", "F", "G", "H", "K"}
    assert {r["unchecked"] for r in pool.values()} == {"考核良好"}
    assert "尚无年度考核结果" in pool["A"]["criteria"]


def test_candidate_pool_query_filters(pool_db, cadre_plugins):
    with_results(pool_db, RESULTS)
    plugins = cadre_plugins()
    run(pool_db, plugins)
    query = plugins.book.catalogue("query")["candidate_pool"].item
    assert query.level == "oversight"

    def ids(region="", category=""):
        return [r[0] for r in pool_db.execute(query.sql, {"region": region,
                                                          "category": category})]
    assert ids() == ["A", "F", "G", "H", "K"]
    assert ids(region="632800") == ["K"]           # 格尔木 is in 海西州
    assert ids(region="632221", category="生态保护") == ["A"]
    assert ids(category="脱贫攻") == []              # whole categories only
