"""Dated rule items (``cadre_sdk.core.dating``): start inclusive, end exclusive, the latest start in
force winning within one jurisdiction; every engine takes the items in force on its own date
(assessment: the year's 31 December; subsidies: the month's 1st; adjustments: 调整时间); lookups
without a date are refused; ``cadre rules check`` reports contradictory dates; ``cadre rules
show --date`` honours them. Expected numbers are worked out by hand in the comments."""
from __future__ import annotations

import datetime

import pytest
from case_data import evaluate, people, rows
from test_adjustments import adjustment
from test_assessment_engine import local_plugin, result
from test_subsidies import T_H, line, loaded  # noqa: F401 (fixture)

from cadre_sdk import (
    AdjustmentSituation,
    Indicator,
    IndicatorSet,
    StaffingRule,
    SubsidyRule,
    hookimpl,
)
from cadre_sdk.cli.app import build_cli
from cadre_sdk.core.dating import Dated
from cadre_sdk.defaults.subsidies import TOWNSHIP_POST
from cadre_sdk.core.errors import DataError
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.testing import make_plugins

JUNE_30, JULY_1 = datetime.date(2024, 6, 30), datetime.date(2024, 7, 1)


# -- the dated base ---------------------------------------------------------------------------

def test_start_is_inclusive_end_exclusive_and_validated():
    item = StaffingRule(code="r", title="t", sql="SELECT 1", start="2024-07-01",
                        end=datetime.date(2025, 1, 1))
    assert isinstance(item, Dated) and item.start == JULY_1
    assert not item.in_force(JUNE_30) and item.in_force(JULY_1)
    assert item.in_force(datetime.date(2024, 12, 31)) and not item.in_force(datetime.date(2025, 1, 1))
    assert item.period_zh() == "2024-07-01 起施行，2025-01-01 起不再适用"
    assert item.period_en() == "in force from 2024-07-01 until 2025-01-01 (exclusive)"
    with pytest.raises(ValueError, match="end 2024-07-01 must come after start 2024-07-01"):
        StaffingRule(code="r", title="t", sql="SELECT 1", start="2024-07-01", end="2024-07-01")
    with pytest.raises(ValueError, match=r"must be a date \(YYYY-MM-DD\), not '2024/07/01'"):
        StaffingRule(code="r", title="t", sql="SELECT 1", start="2024/07/01")


def test_a_lookup_without_a_date_is_refused_with_a_clear_error():
    book = make_plugins().book
    with pytest.raises(TypeError, match=r"RuleBook.resolve\('subsidy', \.\.\.\) needs "
                                        r"on=datetime.date.*never assumes today"):
        book.resolve("subsidy", TOWNSHIP_POST, "632221101")
    with pytest.raises(TypeError, match=r"RuleBook.catalogue\('situation', \.\.\.\) needs on="):
        book.catalogue("situation", "632802")
    assert book.catalogue("query")   # canned queries are not dated: no date needed


def _staffing(*items, name="dated_staffing", jurisdiction="632800"):
    def register_staffing_rules(register):
        for item in items:
            register(item)
    return local_plugin(name, jurisdiction, register_staffing_rules=register_staffing_rules)


def test_the_latest_start_in_force_wins_and_an_end_hands_back_to_the_level_above():
    undated = StaffingRule(code="r", title="州（原）", sql="SELECT 1")
    dated = StaffingRule(code="r", title="州（2024-07-01 起）", sql="SELECT 1", start=JULY_1,
                         end="2025-01-01")
    province = _staffing(StaffingRule(code="r", title="省", sql="SELECT 1"),
                         name="province_staffing", jurisdiction="630000")
    book = make_plugins(province, _staffing(undated, dated)).book

    def title(on):
        return book.catalogue("staffing", "632802", on=on)["r"].item.title
    assert title(JUNE_30) == "州（原）"
    assert title(JULY_1) == "州（2024-07-01 起）"
    assert title(datetime.date(2025, 1, 1)) == "州（原）"      # ended: the undated one again
    only_dated = make_plugins(province, _staffing(dated)).book
    assert only_dated.catalogue("staffing", "632802", on=JUNE_30)["r"].item.title == "省"


# -- assessment: the indicator set in force on the year's 31 December --------------------------

def test_an_indicator_set_dated_2024_applies_from_the_2024_assessment(world, run):  # noqa: F811
    params = parse_parameters("""
description: 格尔木市部门考核指标（测试，2024 年起）
w:
  ji: {unit: percent, values: {2020-01-01: {value: 70, reference: 测试}}}
  eco: {unit: percent, values: {2020-01-01: {value: 30, reference: 测试}}}
""", "golmud_2024.yaml")
    dated = IndicatorSet(unit_kind="部门", subject="个人", parameters=params, replace=True,
                         indicators=[Indicator("ji", "绩", "w.ji"), Indicator("eco", "生态", "w.eco")],
                         start="2024-01-01", name="格尔木市 2024 年起")
    def register_indicators(register):
        register(dated)
    golmud = local_plugin("golmud_dated", "632801", register_indicators=register_indicators)
    scores = {"de": 90, "neng": 80, "qin": 85, "ji": 92, "lian": 88, "luoshi": 70}
    db = (world.unit("G1", "632801")
          .annual("A1", "G1", 2023, cadre="C1", scores=scores)
          .annual("A2", "G1", 2024, cadre="C1", scores={"ji": 92, "eco": 50}).build())
    run(db, golmud)
    # 2023 (31 Dec 2023 is before the start): the province's 部门 set, 15/15/15/30/15/10:
    # (15×90 + 15×80 + 15×85 + 30×92 + 15×88 + 10×70) / 100 = 8605 / 100 = 86.05
    # (only indicator scores given: the other components are missing, so the score is theirs)
    a1, a2 = result(db, "A1"), result(db, "A2")
    assert a1["score"] == pytest.approx(86.05)
    assert a1["indicator_plugin"] == "cadre_sdk.defaults.assessment"
    # 2024: the dated set, 70/30: (70×92 + 30×50) / 100 = (6440 + 1500) / 100 = 79.4
    assert a2["score"] == pytest.approx(79.4)
    assert a2["indicator_plugin"] == "golmud_dated"


# -- subsidies: the rule in force on the month's 1st -------------------------------------------

class HaixiFromJuly:
    """海西州's township subsidy from 2024-07-01 only: a flat 500 a month (an overlay keeping
    the province's formula and conditions)."""

    @hookimpl
    def cadre_jurisdiction(self):
        return "632800"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme=TOWNSHIP_POST, start="2024-07-01", name="海西州（7 月起）",
                             parameters=parse_parameters("""
township_post:
  tiers:
    unit: yuan
    values:
      2015-01-01:
        value: [{min_years: 0, monthly_yuan: 500}]
        reference: 测试用
        example: true
""", "haixi_july.yaml")))


def test_a_subsidy_rule_dated_july_pays_from_july(loaded, cadre_plugins,  # noqa: F811
                                                  cadre_evaluate):
    cadre_evaluate(loaded, cadre_plugins(HaixiFromJuly()), as_of="2025-01-31",
                   only=("subsidies",))
    june, july = line(loaded, "H1", "2024-06"), line(loaded, "H1", "2024-07")
    # June (taken on 2024-06-01, before the start): the province's rule. H1 in T_H since
    # 2020-03: 2020-03..2024-05 = 51 months -> 4 years -> the 0+ tier (200; 5+ is 260);
    # 20 days >= 15; T_H not especially hard -> 200.
    assert (june["amount"], june["rule_plugin"]) == (200, "cadre_sdk.defaults.subsidies")
    # July (2024-07-01, the start): 海西's rule, one tier of 500; the province's 15 days and
    # bonus inherited; 20 days >= 15 -> 500.
    assert (july["amount"], july["rule_plugin"]) == (500, "HaixiFromJuly")
    assert "参数取值日期：2024-07-01" in july["text"]
    assert "海西州（7 月起）（2024-07-01 起施行）" in july["text"]     # the rule's period


# -- adjustments: the catalogue in force on the adjustment's date -------------------------------

class HaixiRevised:
    """海西州's situation HX-01, revised from 2024-07-01 (免职 no longer allowed); HX-02 ends
    on 2024-07-01."""

    __name__ = "haixi_revised"

    @hookimpl
    def cadre_jurisdiction(self):
        return "632800"

    @hookimpl
    def register_adjustment_situations(self, register):
        register(AdjustmentSituation(code="HX-01", title="违规审批（原）", category="不适宜担任现职",
                                     source="测试办法", actions=("免职", "降职")))
        register(AdjustmentSituation(code="HX-01", title="违规审批（修订）", category="不适宜担任现职",
                                     source="测试办法（修订）", actions=("调离岗位",),
                                     start="2024-07-01"))
        register(AdjustmentSituation(code="HX-02", title="临时情形", category="问责",
                                     source="测试", end="2024-07-01"))


def test_adjustments_cite_the_situations_in_force_on_their_date(cadre_db, cadre_load,
                                                                cadre_plugins):
    people(cadre_db, cadre_load)
    plugins = cadre_plugins(HaixiRevised())
    cadre_load(cadre_db, "adjustment", [
        adjustment("A1", "C2", "2024-06-30", "HX-01", action="免职"),
        adjustment("A2", "C2", "2024-07-01", "HX-01", action="调离岗位"),
        adjustment("A3", "C2", "2024-06-30", "HX-02", action="免职")], plugins)
    with pytest.raises(DataError) as info:
        cadre_load(cadre_db, "adjustment", [
            adjustment("A4", "C2", "2024-07-01", "HX-01", action="免职"),
            adjustment("A5", "C2", "2024-07-01", "HX-02", action="免职")], plugins)
    first, second = info.value.errors
    assert first.column == "调整方式" and "不适用于情形 HX-01（违规审批（修订））" in first.reason
    assert second.column == "情形代码" and "（按调整时间 2024-07-01）" in second.reason
    assert "HX-02" not in second.reason.split("可用的情形代码：")[1]
    assert cadre_db["adjustment"].count == 3            # nothing of the bad load stored
    evaluate(cadre_db, plugins, "2024-12-31")
    titles = {r["adjustment_id"]: r["situation_title"]
              for r in rows(cadre_db, "SELECT * FROM adjustment_status")}
    assert titles == {"A1": "违规审批（原）", "A2": "违规审批（修订）", "A3": "临时情形"}
    text = cadre_db.execute("SELECT cadre_explain(e.json) FROM adjustment_status s JOIN "
                            "explanation e ON e.id = s.explanation_id "
                            "WHERE s.adjustment_id = 'A2'").fetchone()[0]
    assert "违规审批（修订）（2024-07-01 起施行）" in text


# -- rules check and rules show -----------------------------------------------------------------

def _cli(pm, *args, capsys):
    try:
        build_cli(pm).main(args=list(args), prog_name="cadre", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def test_rules_check_reports_overlapping_and_same_day_items(capsys):
    overlapping = _staffing(
        StaffingRule(code="r", title="a", sql="SELECT 1", start="2024-01-01", end="2024-09-01"),
        StaffingRule(code="r", title="b", sql="SELECT 1", start="2024-07-01"))
    code, out = _cli(make_plugins(overlapping), "rules", "check", capsys=capsys)
    assert code == 1
    assert ("dates: staffing rule 'r' for 632800: plugin 'dated_staffing''s item (in force from "
            "2024-01-01 until 2024-09-01 (exclusive)) ends 2024-09-01 (exclusive) but plugin "
            "'dated_staffing''s item (in force from 2024-07-01) starts 2024-07-01") in out
    same_day = _staffing(
        StaffingRule(code="r", title="a", sql="SELECT 1", start="2024-07-01"),
        StaffingRule(code="r", title="b", sql="SELECT 1", start="2024-07-01", end="2025-01-01"))
    code, out = _cli(make_plugins(same_day), "rules", "check", capsys=capsys)
    assert code == 1 and "both start 2024-07-01" in out
    succession = _staffing(
        StaffingRule(code="r", title="a", sql="SELECT 1", end="2024-07-01"),
        StaffingRule(code="r", title="b", sql="SELECT 1", start="2024-07-01"))
    code, out = _cli(make_plugins(succession), "rules", "check", capsys=capsys)
    assert "dates:" not in out and "dated items do not overlap" in out


def test_rules_show_takes_the_items_in_force_on_the_date(capsys):
    pm = make_plugins(HaixiFromJuly())
    _, june = _cli(pm, "rules", "show", "--jurisdiction", "632801", "--date", "2024-06-01",
                   "--kind", "subsidy", capsys=capsys)
    _, july = _cli(pm, "rules", "show", "--jurisdiction", "632801", "--date", "2024-07-01",
                   "--kind", "subsidy", capsys=capsys)
    assert "HaixiFromJuly" not in june
    assert "plugin HaixiFromJuly (jurisdiction 632800)" in july
    assert "in force: from 2024-07-01 until -" in july
    assert "note: 能上能下情形目录" in july


def test_rules_show_lists_the_catalogue_entries_in_force_on_the_date(capsys):
    import json

    pm = make_plugins(HaixiRevised())
    _, june = _cli(pm, "rules", "show", "--jurisdiction", "632802", "--date", "2024-06-30",
                   "--kind", "situation", capsys=capsys)
    _, july = _cli(pm, "rules", "show", "--jurisdiction", "632802", "--date", "2024-07-01",
                   "--kind", "situation", "--json", capsys=capsys)
    assert "catalogue situation: 21 entries in force" in june      # the province's 19 + 2
    assert "HX-01 违规审批（原） (haixi_revised, 632800)" in june
    assert "HX-02 临时情形 (haixi_revised, 632800; from - until 2024-07-01)" in june
    listed = {e["key"]: e for e in json.loads(july)["catalogues"]}
    assert "HX-02" not in listed and len(listed) == 20
    assert (listed["HX-01"]["title"], listed["HX-01"]["start"]) == ("违规审批（修订）", "2024-07-01")


def test_the_red_line_catalogue_of_a_case_is_the_one_in_force_on_the_determination_date():
    from cadre_sdk import RedLine
    from cadre_sdk.engines.cases import red_lines

    def register_tolerance_variants(register):
        register(RedLine(code="HX-RL-9", text="测试红线", source="测试", status="example",
                         start="2024-07-01"))
    haixi = local_plugin("haixi_dated_red_line", "632800",
                         register_tolerance_variants=register_tolerance_variants)
    book = make_plugins(haixi).book

    def codes(on):
        return {e.code for e in red_lines.catalogue(book, "改革创新", "632802", on)}
    assert "HX-RL-9" not in codes(JUNE_30) and "RL-01" in codes(JUNE_30)
    assert {"HX-RL-9", "RL-01"} <= codes(JULY_1)
