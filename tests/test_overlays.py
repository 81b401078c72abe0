"""Overlays: a local item states what it changes and inherits the rest from the item it
overrides (``cadre_sdk.plugin_host.overlays``); ``cadre rules show`` says what applies and where it comes
from. The 玛多县 fixture package (tests/fixtures/plugins/cadre-maduo) overlays 果洛州's rules;
its own case file checks the evaluated results by hand-computed values."""
from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import attrs
import pytest

from cadre_sdk import PluginError, hookimpl
from cadre_sdk.cli.app import build_cli
from cadre_sdk.engines.cases.tolerance import Variants
from cadre_sdk.formulas import DIMENSIONS, LocalPlugin
from cadre_sdk.plugin_host.overlays import ChainedParameters, compose
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.rules import SubsidyRule, ToleranceVariant
from cadre_sdk.testing import make_plugins

MADUO_PACKAGE = Path(__file__).parent / "fixtures" / "plugins" / "cadre-maduo"
RED_LINE = "在自然保护地核心保护区违规审批或开发建设"   # 果洛's


@pytest.fixture
def maduo(monkeypatch):
    monkeypatch.syspath_prepend(str(MADUO_PACKAGE))
    from cadre_guoluo.plugin import plugin as guoluo
    from cadre_maduo.plugin import plugin as maduo
    yield guoluo, maduo
    sys.modules.pop("cadre_maduo.plugin", None)
    sys.modules.pop("cadre_maduo", None)


def _file(text: str, name: str):
    return parse_parameters(text, name)


LIMIT_2020 = """
tolerance:
  limits:
    determine:
      unit: workdays
      values:
        2020-01-01: {value: 25, reference: "测试：县"}
        2022-01-01: null
"""
LIMIT_2018 = """
tolerance:
  limits:
    determine:
      unit: workdays
      values:
        2018-01-01: {value: 30, reference: "测试：州"}
    accept:
      unit: workdays
      values:
        2018-01-01: {value: 7, reference: "测试：州"}
"""


def test_chained_parameters_answer_from_the_most_specific_file_in_force_on_the_date():
    county, prefecture = _file(LIMIT_2020, "county.yaml"), _file(LIMIT_2018, "pref.yaml")
    merged = ChainedParameters([county, prefecture], ["county_plugin", "pref_plugin"])
    # before the county's value starts, and after its null ends it, the prefecture answers
    assert merged.at("tolerance.limits.determine", "2019-06-01").value == 30
    assert merged.at("tolerance.limits.determine", "2021-06-01").value == 25
    assert merged.at("tolerance.limits.determine", "2023-06-01").value == 30
    # a path only the prefecture has
    accept = merged.at("tolerance.limits.accept", "2021-06-01")
    assert (accept.value, merged.plugin_of(accept)) == (7, "pref_plugin")
    assert merged.plugin_of(merged.at("tolerance.limits.determine", "2021-06-01")) == \
        "county_plugin"
    assert merged.has("tolerance.limits.accept") and not merged.has("tolerance.limits.file")
    with pytest.raises(Exception, match=r"county\.yaml:\d+: unknown parameter|county\.yaml"):
        merged.at("tolerance.limits.file", "2021-06-01")


def _reg(item, plugin, jurisdiction):
    return Registration(item, plugin, jurisdiction, "register_tolerance_variants", False)


def test_unset_fields_are_inherited_field_by_field_including_fields_a_subclass_adds():
    @attrs.frozen
    class NotedVariant(ToleranceVariant):   # a field someone adds later must inherit too
        note: str | None = None

    params = _file(LIMIT_2018, "pref.yaml")
    decide = lambda findings, red_line, ctx: "容错"  # noqa: E731
    prefecture = NotedVariant(parameters=params, dimensions=DIMENSIONS + ("生态影响",),
                              time_limits={"认定": "tolerance.limits.determine",
                                           "受理": "tolerance.limits.accept"},
                              decide=decide, note="州的说明", red_lines=("州红线",))
    county = NotedVariant(parameters=_file(LIMIT_2020, "county.yaml"),
                          time_limits={"认定": "tolerance.limits.determine"})
    item, how = compose([_reg(county, "county", "632626"), _reg(prefecture, "pref", "632600")])
    assert item.dimensions[-1] == "生态影响" and item.decide is decide
    assert item.note == "州的说明"
    assert item.time_limits == {"认定": "tolerance.limits.determine",
                                "受理": "tolerance.limits.accept"}
    assert item.red_lines == ()     # red lines are not inherited: they add up in the engine
    assert {k: r.plugin for k, r in how.inherited.items()} == {
        "dimensions": "pref", "decide": "pref", "note": "pref", "time_limits.受理": "pref"}
    # replace=True: nothing is inherited
    alone, how = compose([_reg(attrs.evolve(county, replace=True), "county", "632626"),
                          _reg(prefecture, "pref", "632600")])
    assert alone.dimensions is None and alone.note is None and how.inherited == {}


def test_a_county_that_only_shortens_the_time_limit_keeps_the_prefectures_dimensions(maduo):
    pm = make_plugins(*maduo)
    variants = Variants.resolve(pm.book, "生态保护", "632626", datetime.date(2024, 7, 1))
    assert variants.primary.plugin == "cadre_maduo.plugin"
    assert variants.dimensions == DIMENSIONS + ("生态影响",)
    assert RED_LINE in variants.red_lines
    decide = variants.supplying("decide")
    assert decide.plugin == "cadre_guoluo.plugin"
    # the inherited decision rule reads 果洛's decisive dimensions through the merged files
    decisive = decide.item.parameters.at("tolerance.decision.decisive_dimensions", "2024-07-01")
    assert decisive.value[-1] == "生态影响"
    limit = variants.limit_for("认定")
    assert limit.item.parameters.at("tolerance.limits.determine", "2024-07-01").value == 20


def test_replace_true_stands_alone_but_the_red_lines_above_still_apply(maduo):
    guoluo, _ = maduo
    params = _file(LIMIT_2020.replace("2022-01-01: null", "2022-01-02: {value: 20, "
                                      "reference: 测试}"), "maduo.yaml")
    alone = LocalPlugin("maduo_alone", "632626", params, title="玛多县", case_kind="生态保护",
                        replace=True)
    variants = Variants.resolve(make_plugins(guoluo, alone).book, "生态保护", "632626",
                                datetime.date(2024, 7, 1))
    assert variants.dimensions == DIMENSIONS              # 生态影响 is not inherited
    assert variants.supplying("decide").plugin == "cadre_sdk.defaults.tolerance"
    assert RED_LINE in variants.red_lines                 # a county never waives a red line


class Lonely:
    """A county plugin with a new scheme and no formula: there is nothing to inherit."""

    @hookimpl
    def cadre_jurisdiction(self):
        return "632221"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme="新补贴"))


def _township_cadre(cadre_load, cadre_db, months, **region):
    """One township cadre C1 (unit U1 of 测试镇 632221101, township work since 2016) at work
    20 days in each of ``months``; ``region``: more columns of the township's row."""
    cadre_load(cadre_db, "region", [{"地区代码": "632221101", "地区名称": "测试镇", "层级": "乡镇",
                                     "上级代码": "632221", **region}])
    cadre_load(cadre_db, "unit", [{"单位代码": "U1", "单位名称": "测试镇党委", "单位类别": "乡镇",
                                   "单位层级": "乡镇", "所在地区代码": "632221101"}])
    cadre_load(cadre_db, "cadre", [{"干部编号": "C1", "姓名": "测试", "性别": "男",
                                    "出生年月": "1980.05", "工作单位": "U1", "职务": "干事"}])
    cadre_load(cadre_db, "posting", [{"履历编号": "P1", "干部编号": "C1", "起始时间": "2016.05",
                                      "职务": "干事", "经历类型": "任职", "乡镇工作": "是"}])
    cadre_load(cadre_db, "attendance", [
        {"干部编号": "C1", "乡镇代码": "632221101", "月份": month, "在岗天数": 20}
        for month in months])


def test_a_subsidy_rule_with_no_formula_anywhere_up_its_chain_is_a_plugin_error(
        cadre_db, cadre_load, cadre_evaluate):
    _township_cadre(cadre_load, cadre_db, ["2024-03"])
    with pytest.raises(PluginError) as err:
        cadre_evaluate(cadre_db, make_plugins(Lonely()), only=("subsidies",),
                       as_of=datetime.date(2024, 12, 31))
    assert "'Lonely'" in str(err.value)
    assert "subsidy rule '新补贴' for 632221 has no compute" in str(err.value)


class ProvinceRates2027:
    """The provincial office's yearly update: one rate of the built-in 地区附加津贴 from 2027
    (a plugin file for 630000, the province's own level), nothing else restated."""

    __name__ = "qh_rates_2027"

    @hookimpl
    def cadre_jurisdiction(self):
        return "630000"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme="地区附加津贴", name="地区附加津贴（2027 年标准）",
                             parameters=_file("""
regional_allowance:
  class_2:
    unit: yuan
    values:
      2027-01-01: {value: 130, reference: "测试：2027 年二类区月额", example: true}
""", "qh_rates_2027.yaml")))


def test_a_provincial_plugin_changes_one_built_in_rate_and_inherits_the_rest(
        cadre_db, cadre_load, cadre_evaluate):
    _township_cadre(cadre_load, cadre_db, ["2026-12", "2027-01"], 艰苦边远类别=2)
    cadre_evaluate(cadre_db, make_plugins(ProvinceRates2027()), only=("subsidies",),
                   as_of=datetime.date(2027, 2, 1))
    got = {(r["month"], r["scheme"]): (r["amount"], r["rule_plugin"]) for r in cadre_db.query(
        "SELECT month, scheme, amount, rule_plugin FROM subsidy_ledger")}
    # class 2 (provincial example): 100 a month until 2026, the plugin's 130 from 2027-01-01;
    # the formula and the values before 2027 are the built-in rule's
    assert got[("2026-12", "地区附加津贴")] == (100.0, "qh_rates_2027")
    assert got[("2027-01", "地区附加津贴")] == (130.0, "qh_rates_2027")
    # the other scheme is untouched: 2016-05 .. 2027-01 = 10 full years -> tier 10: 320
    assert got[("2027-01", "乡镇工作岗位补助")] == (320.0, "cadre_sdk.defaults.subsidies")


def _show(pm, capsys, *args):
    cli = build_cli(pm)
    cli.main(args=["rules", "show", *args], prog_name="cadre", standalone_mode=False)
    return capsys.readouterr().out


def test_rules_show_lists_the_overridden_items_and_what_they_inherit(maduo, capsys):
    pm = make_plugins(*maduo)
    shown = json.loads(_show(pm, capsys, "--jurisdiction", "632626", "--date", "2024-07-01",
                             "--json"))
    assert shown["date"] == "2024-07-01"
    local = [r for r in shown["rules"] if r["plugin"] == "cadre_maduo.plugin"]
    assert sorted((r["kind"], r["key"]) for r in local) == [
        ("indicators", "个人:乡镇:生态保护"), ("indicators", "班子:乡镇:生态保护"),
        ("subsidy", "乡镇工作岗位补助"), ("tolerance", "生态保护")]
    by_key = {r["key"]: r for r in local}
    subsidy = by_key["乡镇工作岗位补助"]
    assert [o["plugin"] for o in subsidy["overrides"]] == ["cadre_guoluo.plugin",
                                                           "cadre_sdk.defaults.subsidies"]
    assert subsidy["inherits"]["compute"]["plugin"] == "cadre_guoluo.plugin"
    values = {p["path"]: p for p in subsidy["parameters"]}
    assert values["township_post.altitude_supplement"]["plugin"] == "cadre_guoluo.plugin"
    assert values["township_post.min_days"]["value"] == 12                 # 果洛's
    assert values["township_post.tiers"]["value"][-1] == {"min_years": 25, "monthly_yuan": 640}
    assert values["township_post.tiers"]["status"] == "example"
    assert values["township_post.tiers"]["reference"].startswith("测试用示例")
    tolerance = by_key["生态保护"]
    assert tolerance["inherits"]["dimensions"]["plugin"] == "cadre_guoluo.plugin"
    assert RED_LINE in tolerance["red_lines"]
    assert tolerance["time_limits"]["认定"]["plugin"] == "cadre_maduo.plugin"
    indicators = by_key["个人:乡镇:生态保护"]
    assert sorted(k for k in indicators["inherits"]) == [
        "indicators.de", "indicators.lian", "indicators.luoshi", "indicators.neng",
        "indicators.qin"]
    # a date before 玛多's values start shows 果洛's
    earlier = json.loads(_show(pm, capsys, "--jurisdiction", "632626", "--date", "2023-07-01",
                               "--kind", "tolerance", "--json"))
    (ecology,) = [r for r in earlier["rules"] if r["key"] == "生态保护"]
    determine = {p["path"]: p for p in ecology["parameters"]}["tolerance.limits.determine"]
    assert (determine["value"], determine["plugin"]) == (30, "cadre_guoluo.plugin")
    # the text form says the same
    text = _show(pm, capsys, "--jurisdiction", "632626", "--date", "2024-07-01", "--kind",
                 "subsidy")
    assert "inherits compute from cadre_guoluo.plugin (632600)" in text
    assert "overrides: cadre_guoluo.plugin (632600); cadre_sdk.defaults.subsidies (630000)" in text


def test_rules_show_refuses_an_unknown_jurisdiction_naming_the_nearest(capsys):
    with pytest.raises(Exception) as err:
        _show(make_plugins(), capsys, "--jurisdiction", "632699", "--date", "2024-07-01")
    assert "632699 is not a division of Qinghai" in str(err.value)
    assert "632626 玛多县" in str(err.value)


def test_an_overlay_date_before_any_value_reads_the_ancestor():
    # sanity of the hand computations in maduo.cases.yaml: 玛多's values start 2024-01-01
    text = (MADUO_PACKAGE / "cadre_maduo" / "parameters.yaml").read_text(encoding="utf-8")
    params = parse_parameters(text, "maduo.yaml")
    assert params.get("tolerance.limits.determine", datetime.date(2023, 12, 31)) is None
    assert params.at("tolerance.limits.determine", datetime.date(2024, 1, 1)).value == 20


def _dated_plugins(maduo):
    """果洛 and a 玛多 plugin whose 生态保护 variant changes on 2024-07-01."""
    guoluo, _ = maduo
    params = _file(LIMIT_2020, "maduo_dated.yaml")

    class Dated:
        __name__ = "maduo_dated"

        @hookimpl
        def cadre_jurisdiction(self):
            return "632626"

        @hookimpl
        def register_tolerance_variants(self, register):
            register(ToleranceVariant(parameters=params, case_kind="生态保护",
                                      name="玛多县（2024-07-01 前）"))
            register(ToleranceVariant(parameters=params, case_kind="生态保护",
                                      dimensions=DIMENSIONS + ("生态影响", "水源涵养"),
                                      red_lines=("破坏黄河源水源地",), name="玛多县（新）",
                                      start=datetime.date(2024, 7, 1)))

    return guoluo, Dated()


def test_a_dated_variant_applies_to_cases_filed_from_its_start(maduo):
    """玛多 adds the dimension 水源涵养 and a red line from 2024-07-01: a case filed on
    2024-06-30 is judged on 果洛's 8 dimensions, one filed on 2024-07-01 on 9."""
    book = make_plugins(*_dated_plugins(maduo)).book
    before = Variants.resolve(book, "生态保护", "632626", datetime.date(2024, 6, 30))
    after = Variants.resolve(book, "生态保护", "632626", datetime.date(2024, 7, 1))
    assert before.primary.item.name == "玛多县（2024-07-01 前）"
    assert before.dimensions == DIMENSIONS + ("生态影响",)          # inherited from 果洛
    assert "破坏黄河源水源地" not in before.red_lines
    assert after.primary.item.name == "玛多县（新）"
    assert after.dimensions == DIMENSIONS + ("生态影响", "水源涵养")
    assert "破坏黄河源水源地" in after.red_lines and RED_LINE in after.red_lines


def test_cases_on_either_side_of_the_change_date_are_decided_by_their_variant(
        maduo, cadre_db, cadre_load, cadre_evaluate):
    pm = make_plugins(*_dated_plugins(maduo))
    cadre_load(cadre_db, "unit", [{"单位代码": "D1", "单位名称": "玛多县林草局", "单位类别": "部门",
                                   "单位层级": "县", "所在地区代码": "632626"}], plugins=pm)
    cadre_load(cadre_db, "cadre", [{"干部编号": "C1", "姓名": "测试", "性别": "男",
                                    "出生年月": "1979.02", "工作单位": "D1", "职务": "局长",
                                    "干部层级": "乡科级"}], plugins=pm)
    cadre_load(cadre_db, "case", [
        {"案件编号": k, "干部编号": "C1", "管辖地区": "632626", "案件类别": "生态保护", "事由": "测试"}
        for k in ("K1", "K2")], plugins=pm)
    cadre_load(cadre_db, "case_event", [
        {"案件编号": "K1", "序号": 1, "事件": "申请", "日期": "2024-06-28"},
        {"案件编号": "K1", "序号": 2, "事件": "受理", "日期": "2024-07-03"},
        {"案件编号": "K1", "序号": 3, "事件": "认定", "日期": "2024-07-20", "认定结论": "容错"},
        {"案件编号": "K2", "序号": 1, "事件": "申请", "日期": "2024-07-02"},
        {"案件编号": "K2", "序号": 2, "事件": "受理", "日期": "2024-07-03"},
        {"案件编号": "K2", "序号": 3, "事件": "认定", "日期": "2024-07-20", "认定结论": "部分容错"}],
        plugins=pm)
    dims = list(DIMENSIONS) + ["生态影响", "水源涵养"]
    cadre_load(cadre_db, "case_finding", [
        {"案件编号": k, "研判维度": d, "研判结论": "不利" if d == "水源涵养" else "有利"}
        for k in ("K1", "K2") for d in dims], plugins=pm)
    cadre_evaluate(cadre_db, pm, as_of=datetime.date(2024, 8, 30))
    got = dict(cadre_db.execute("SELECT case_id, rule_decision FROM case_decision").fetchall())
    # K1, filed 2024-06-28: the earlier variant judges 果洛's 8 dimensions; 水源涵养 is not one
    #   of them and is left out; all 8 有利 → 容错
    # K2, filed 2024-07-02: 9 dimensions; 水源涵养 不利 is 1 不利, not decisive (果洛's decisive
    #   节点/目的/原因/生态影响), 1 ≤ max_unfavourable 2 → 部分容错
    assert got == {"K1": "容错", "K2": "部分容错"}
