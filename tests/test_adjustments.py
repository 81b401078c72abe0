"""Up-or-down adjustments: the situation catalogue, its check at load time, the half-year
inventory, and the links to tolerance decisions and assessment results."""
import datetime
import pytest

from cadre_sdk import AdjustmentSituation, hookimpl
from cadre_sdk.core.errors import DataError

from case_data import case_row, ev, evaluate, findings, people, rows


def adjustment(adj_id, cadre, date, situation, action="免职", status="已调整", case=""):
    return {"调整编号": adj_id, "干部编号": cadre, "调整时间": date, "情形代码": situation,
            "触发来源": "巡视巡察", "调整方式": action, "状态": status, "关联容错案件": case}


@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    return cadre_db


def test_the_default_catalogue_has_the_central_situations_with_sources(cadre_plugins):
    catalogue = cadre_plugins().book.catalogue("situation", on=datetime.date(2024, 7, 1))
    codes = sorted(catalogue)
    assert codes == sorted([f"BSY-{n:02d}" for n in range(1, 11)]
                           + [f"WZ-2009-{n}" for n in range(1, 8)] + ["WZ-2015-1", "WZ-2015-2"])
    unsuitable = [r.item for r in catalogue.values() if r.item.category == "不适宜担任现职"]
    assert len(unsuitable) == 10
    assert all("《推进领导干部能上能下若干规定（试行）》" in s.source for s in unsuitable)
    assert all(s.actions == ("调离岗位", "改任非领导职务", "免职", "降职") for s in unsuitable)
    assert "《关于实行党政领导干部问责的暂行规定》（2009）第五条" in catalogue["WZ-2009-3"].item.source
    assert catalogue["BSY-09"].item.title.startswith("配偶已移居国（境）外")


def test_an_unknown_situation_code_is_refused_with_the_valid_codes(db, cadre_load):
    with pytest.raises(DataError) as info:
        cadre_load(db, "adjustment", [adjustment("A1", "C1", "2024-03-10", "BSY-06"),
                                      adjustment("A2", "C1", "2024-03-11", "X-99")])
    (error,) = info.value.errors
    assert (error.line, error.column) == (3, "情形代码")
    assert "情形代码“X-99”不在城东区（630102）适用的调整情形目录中" in error.reason
    assert "BSY-01、BSY-02" in error.reason and "WZ-2015-2" in error.reason
    assert db["adjustment"].count == 0


def test_an_action_the_situation_does_not_allow_is_refused(db, cadre_load):
    with pytest.raises(DataError) as info:
        cadre_load(db, "adjustment", [adjustment("A1", "C1", "2024-03-10", "BSY-06",
                                                 action="责令公开道歉")])
    (error,) = info.value.errors
    assert error.column == "调整方式" and "不适用于情形 BSY-06" in error.reason


class HaixiSituations:
    """海西州 adds a situation of its own."""

    __name__ = "haixi_situations"

    @hookimpl
    def cadre_jurisdiction(self):
        """海西州."""
        return "632800"

    @hookimpl
    def register_adjustment_situations(self, register):
        """One situation of 海西州's own."""
        register(AdjustmentSituation(code="HX-01", title="生态保护红线内违规审批",
                                     category="不适宜担任现职", source="海西州办法（测试）",
                                     actions=("免职", "降职")))


def test_a_prefecture_situation_applies_in_that_prefecture_only(db, cadre_load, cadre_plugins):
    plugins = cadre_plugins(HaixiSituations())
    cadre_load(db, "adjustment", [adjustment("A1", "C2", "2024-03-10", "HX-01")], plugins)
    with pytest.raises(DataError) as info:
        cadre_load(db, "adjustment", [adjustment("A2", "C1", "2024-03-10", "HX-01")], plugins)
    assert "HX-01" not in info.value.errors[0].reason.split("可用的情形代码：")[1]
    evaluate(db, plugins, "2024-12-31")
    (row,) = rows(db, "SELECT * FROM adjustment_status")
    assert (row["situation_title"], row["situation_jurisdiction"], row["prefecture_code"]) == (
        "生态保护红线内违规审批", "632800", "632800")
    listed = rows(db, "SELECT jurisdiction, code FROM adjustment_situation WHERE code = 'HX-01'")
    assert listed == [{"jurisdiction": "632800", "code": "HX-01"}]


def test_the_half_year_inventory(db, cadre_load, cadre_plugins):
    cadre_load(db, "adjustment", [
        adjustment("A1", "C1", "2024-03-10", "BSY-06"),
        adjustment("A2", "C4", "2024-06-30", "BSY-06"),
        adjustment("A3", "C2", "2024-07-01", "BSY-07", action="调离岗位", status="拟调整"),
        adjustment("A4", "C3", "2024-05-02", "WZ-2009-1", action="责令公开道歉"),
    ])
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-12-31")
    sql = plugins.book.catalogue("query")["adjustment_inventory"].item.sql
    got = [(r["市州"], r["地区代码"], r["情形代码"], r["调整方式"], r["状态"], r["人数"])
           for r in rows(db, sql, {"half": "2024H1"})]
    # A1 and A2 (Jun 30 is still H1) in 城东区; A4 in 海西州 itself
    assert got == [("西宁市", "630102", "BSY-06", "免职", "已调整", 2),
                   ("海西蒙古族藏族自治州", "632800", "WZ-2009-1", "责令公开道歉", "已调整", 1)]
    got = [(r["地区"], r["情形"], r["人数"]) for r in rows(db, sql, {"half": "2024H2"})]
    assert got == [("格尔木市", "不能有效履职，工作处于落后状态或者出现较大失误", 1)]


def determined_case(db, load, case_id, cadre, date, decision, **by_dimension):
    """A case determined on ``date``: the body recorded ``decision``."""
    load(db, "case", [case_row(case_id, cadre)])
    load(db, "case_event", [ev(case_id, 1, "申请", "2024-01-05"),
                            ev(case_id, 2, "受理", "2024-01-08"),
                            ev(case_id, 3, "认定", date, decision=decision)])
    load(db, "case_finding", findings(case_id, **by_dimension))


def test_a_tolerated_mistake_does_not_count_against_the_cadre(db, cadre_load, cadre_plugins):
    determined_case(db, cadre_load, "R1", "C1", "2024-02-20", "容错")
    determined_case(db, cadre_load, "R2", "C1", "2024-02-25", "不予容错", 目的="不利")
    determined_case(db, cadre_load, "R3", "C1", "2024-04-15", "容错")  # after the adjustment
    cadre_load(db, "adjustment", [adjustment("A1", "C1", "2024-03-10", "BSY-07", case="R1")])
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-06-30")
    links = [(r["ref_id"], r["result"], r["counts_against"], r["explicit"])
             for r in rows(db, "SELECT * FROM adjustment_link WHERE link_kind = '容错认定' "
                               "ORDER BY ref_id")]
    assert links == [("R1", "容错", 0, 1), ("R2", "不予容错", 1, 0)]
    (status,) = rows(db, "SELECT case_decision, tolerated_basis FROM adjustment_status")
    assert status == {"case_decision": "容错", "tolerated_basis": 1}
    sql = plugins.book.catalogue("query")["adjustments_with_tolerance"].item.sql
    first = rows(db, sql)[0]
    assert (first["容错案件"], first["计入不利依据"], first["依据已容错"]) == ("R1", 0, 1)
    assert "不作负面评价" in first["说明"]
    assert plugins.book.catalogue("query")["adjustments_with_tolerance"].item.level == "oversight"
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'adjustment_status:A1'").fetchone()
    assert "据以调整的失误已认定容错，应予复核" in text[0]


def test_annual_assessment_results_up_to_the_adjustment_year_are_linked(
        db, cadre_load, cadre_plugins):
    for assessment_id, year, grade in (("K22", 2022, "称职"), ("K23", 2023, "不称职"),
                                       ("K25", 2025, "优秀")):
        db.execute("INSERT INTO assessment_result (assessment_id, subject, cadre_id, unit_code, "
                   "unit_kind, region_code, year, grade, quota_applied, indicator_plugin_stored, "
                   "formula_plugin_stored) VALUES (?, '个人', 'C1', 'U-XN', '部门', "
                   "'630102', ?, ?, 0, 'p', 'p')", [assessment_id, year, grade])
    db.conn.commit()
    cadre_load(db, "adjustment", [adjustment("A1", "C1", "2024-03-10", "BSY-07")])
    evaluate(db, cadre_plugins(), "2024-06-30")
    links = [(r["ref_id"], r["result"], r["counts_against"])
             for r in rows(db, "SELECT * FROM adjustment_link WHERE link_kind = '年度考核' "
                               "ORDER BY ref_id")]
    assert links == [("K22", "称职", 0), ("K23", "不称职", 1)]
