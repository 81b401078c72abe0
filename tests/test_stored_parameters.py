"""Yearly rates as data: a parameter file added to the store (``cadre parameters add``) changes
the values evaluation applies from its dates on, is cited by the explanations, ranks above the
plugins of its own level and below those of a more specific one, and a bad file is refused in
Chinese with its file:line, nothing stored (docs/parameters.md)."""
from __future__ import annotations

import datetime
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadre_sdk import hookimpl
from cadre_sdk.core.trace import render_text
from cadre_sdk.publish.build import publish
from cadre_sdk.rules import SubsidyRule
from cadre_sdk.store import explanations
from cadre_sdk.store.parameter_files import ParameterFileError, read_parameter_file, rule_choices, rule_title
from cadre_sdk.store.stored_parameters import add_parameter_file, stored_files, with_stored_parameters
from cadre_sdk.testing import make_plugins
from test_overlays import ProvinceRates2027, _file, _township_cadre

#: The provincial office's 2027 update (made-up rates, status example): new tiers and a new
#: especially-hard bonus from 2027-01-01, and 二类区 地区附加津贴 in its own file below.
PROVINCE_2027 = """\
description: 青海省 2027 年乡镇工作岗位补助标准（测试用）
metadata:
  rule: 乡镇工作岗位补助
  jurisdiction: 青海省
township_post:
  tiers:
    values:
      2027-01-01:
        value:
          - {min_years: 0, monthly_yuan: 300}
          - {min_years: 5, monthly_yuan: 360}
          - {min_years: 10, monthly_yuan: 420}
          - {min_years: 15, monthly_yuan: 480}
          - {min_years: 20, monthly_yuan: 540}
          - {min_years: 25, monthly_yuan: 600}
        reference: 《青海省乡镇工作补贴标准调整通知（测试）》
        status: example
  especially_hard_bonus:
    values:
      2027-01-01: {value: 150, reference: 《青海省乡镇工作补贴标准调整通知（测试）》, status: example}
"""
REGIONAL_2027 = """\
metadata: {rule: 地区附加津贴, jurisdiction: "630000"}
regional_allowance:
  class_2:
    values:
      2027-01-01: {value: 140, reference: 《青海省地区附加津贴调整（测试）》, status: example}
"""
COUNTY_2027 = """\
metadata: {rule: 乡镇工作岗位补助, jurisdiction: 门源回族自治县}
township_post:
  especially_hard_bonus:
    values:
      2027-01-01: {value: 260, reference: 《门源县乡镇补贴加发标准（测试）》, status: example}
"""


class Menyuan:
    """A county plugin (门源县 632221) whose overlay states its own especially-hard bonus."""

    __name__ = "menyuan_test"

    @hookimpl
    def cadre_jurisdiction(self):
        return "632221"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme="乡镇工作岗位补助", parameters=_file("""
township_post:
  especially_hard_bonus:
    unit: yuan
    values:
      2019-01-01: {value: 200, reference: "测试：门源县加发", example: true}
""", "menyuan.yaml")))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ledger(db) -> dict[tuple[str, str], tuple[float, str]]:
    return {(r["month"], r["scheme"]): (r["amount"], r["explanation_id"]) for r in db.query(
        "SELECT month, scheme, amount, explanation_id FROM subsidy_ledger")}


def _explained(db, eid: str) -> str:
    return render_text(explanations.lookup(db.conn, eid))


def hard_township_store(cadre_db, cadre_load):
    """C1 in 测试镇 (门源县), township work since 2016-05, an especially hard class-2 township,
    at work 20 days in 2026-12 and 2027-01."""
    _township_cadre(cadre_load, cadre_db, ["2026-12", "2027-01"], 特别艰苦="是", 艰苦边远类别=2)
    return cadre_db


@pytest.fixture
def hard_township(cadre_db, cadre_load):
    return hard_township_store(cadre_db, cadre_load)


def _evaluate(db, plugins, cadre_evaluate):
    cadre_evaluate(db, plugins, only=("subsidies",), as_of=datetime.date(2027, 2, 1))
    return _ledger(db)


def test_a_provincial_file_applies_from_its_date_and_the_explanation_cites_it(
        hard_township, cadre_evaluate, tmp_path):
    plugins = make_plugins()
    add_parameter_file(hard_township, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027), plugins)
    got = _evaluate(hard_township, plugins, cadre_evaluate)
    # 2016-05 .. 2026-12 and .. 2027-01: 10 full years either way.
    # 2026-12, built-in example values: tier 10 = 320, bonus 100 -> 420
    assert got[("2026-12", "乡镇工作岗位补助")][0] == 420.0
    # 2027-01, the file's values: tier 10 = 420, bonus 150 -> 570
    assert got[("2027-01", "乡镇工作岗位补助")][0] == 570.0
    after = _explained(hard_township, got[("2027-01", "乡镇工作岗位补助")][1])
    assert "township_post.especially_hard_bonus = 150，自 2027-01-01 起施行" in after
    assert "录入文件 qh-2027.yaml（" in after
    assert "《青海省乡镇工作补贴标准调整通知（测试）》" in after
    before = _explained(hard_township, got[("2026-12", "乡镇工作岗位补助")][1])
    assert "录入文件" not in before
    assert "township_post.especially_hard_bonus = 100，自 2015-01-01 起施行" in before
    assert "插件 cadre_sdk.defaults.subsidies" in before
    # the provenance names the file added and, at evaluation, the file applied
    rows = list(hard_township.query(
        "SELECT step, detail, sha256 FROM provenance WHERE detail LIKE '%qh-2027.yaml%'"))
    assert [r["step"] for r in rows] == ["parameters", "evaluate"]
    assert rows[0]["sha256"] == stored_files(hard_township)[0].sha256


def test_precedence_stored_file_over_its_level_below_a_more_specific_plugin(
        hard_township, cadre_evaluate, tmp_path):
    plugins = make_plugins(Menyuan(), ProvinceRates2027())
    add_parameter_file(hard_township, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027), plugins)
    add_parameter_file(hard_township, _write(tmp_path, "regional.yaml", REGIONAL_2027), plugins)
    got = _evaluate(hard_township, plugins, cadre_evaluate)
    # the county plugin's bonus (200) beats the provincial file's (150); the file's tiers
    # apply in the county, which states none: 2027-01 = 420 + 200; 2026-12 = 320 + 200
    assert got[("2027-01", "乡镇工作岗位补助")][0] == 620.0
    assert got[("2026-12", "乡镇工作岗位补助")][0] == 520.0
    # at the province's own level the file beats the provincial plugin (130 from 2027)
    assert got[("2027-01", "地区附加津贴")][0] == 140.0
    assert got[("2026-12", "地区附加津贴")][0] == 100.0
    # a file for the county itself beats the county plugin: 420 + 260
    add_parameter_file(hard_township, _write(tmp_path, "menyuan-2027.yaml", COUNTY_2027),
                       plugins)
    got = _evaluate(hard_township, plugins, cadre_evaluate)
    assert got[("2027-01", "乡镇工作岗位补助")][0] == 680.0
    assert got[("2026-12", "乡镇工作岗位补助")][0] == 520.0


def _refused(db, tmp_path, text: str, name: str = "bad.yaml") -> str:
    path = _write(tmp_path, name, text)
    with pytest.raises(ParameterFileError) as err:
        add_parameter_file(db, path, make_plugins())
    assert stored_files(db) == []
    assert "未作任何改动" in str(err.value)
    return str(err.value)


@pytest.mark.parametrize("change, line, expected", [
    (("rule: 乡镇工作岗位补助", "rule: 乡镇工作补贴"), 3, "未知的规则“乡镇工作补贴”"),
    (("jurisdiction: 青海省", "jurisdiction: 青海湖"), 4, "未知的管辖地区“青海湖”"),
    (("  especially_hard_bonus:", "  especially_hard_bonu:"), 18,
     "没有参数“township_post.especially_hard_bonu”（是否指“township_post.especially_hard_bonus”？）"),
    (("2027-01-01: {value: 150", "2027-1-1: {value: 150"), 20,
     "起始日期“2027-1-1”不是有效日期（应写作 YYYY-MM-DD"),
    (("{value: 150,", "{value: 一百五,"), 20, "应是数字（原值为 100），而不是文字“一百五”"),
    (("{min_years: 10, monthly_yuan: 420}", "{min_years: 10, yuan: 420}"), 12,
     "第 3 项应含且只含 min_years、monthly_yuan（缺少 monthly_yuan）（多出 yuan）"),
    ((", reference: 《青海省乡镇工作补贴标准调整通知（测试）》, status: example}", ", status: example}"),
     20, "缺少 reference（依据"),
    ((", status: example}", "}"), 20, "缺少 status（数据性质"),
    ((", status: example}", ", status: offical}"), 20, "status“offical”无法识别（是否指“official”？）"),
    (("{value: 150,", "{value: !!int ,"), 20, "“”无法识别"),   # a tag with no value
    (("{min_years: 0, monthly_yuan: 300}", "{min_years: 1, monthly_yuan: 300}"), 10,
     "最低一档的 min_years 是 1，应为 0（原取值最低一档为 0；否则不足 1 的人没有档次可用）"),
    (("{min_years: 10, monthly_yuan: 420}", "{min_years: 5, monthly_yuan: 420}"), 12,
     "第 2 项和第 3 项的 min_years 都是 5：每一档的起点应各不相同"),
])
def test_a_bad_file_is_refused_naming_file_line_and_the_fix(cadre_db, tmp_path, change, line,
                                                             expected):
    old, new = change
    assert old in PROVINCE_2027
    message = _refused(cadre_db, tmp_path, PROVINCE_2027.replace(old, new))
    assert f"bad.yaml:{line}: " in message
    assert expected in message


def test_an_official_value_must_name_its_document(cadre_db, tmp_path):
    text = REGIONAL_2027.replace("《青海省地区附加津贴调整（测试）》, status: example",
                                 "省财政厅通知, status: official")
    message = _refused(cadre_db, tmp_path, text)
    assert "bad.yaml:5: " in message and "用《》括起" in message


def test_the_worked_example_of_the_docs_is_accepted_as_written(cadre_db, tmp_path):
    doc = (Path(__file__).parent.parent / "docs" / "parameters.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    added = add_parameter_file(cadre_db, _write(tmp_path, "2027.yaml", example),
                               make_plugins())
    assert (added.file.kind, added.file.key, added.file.jurisdiction) == (
        "subsidy", "乡镇工作岗位补助", "630000")
    bonus = added.file.parameters.at("township_post.especially_hard_bonus", "2027-01-01")
    assert (bonus.value, bonus.status) == (150, "example")


def test_the_publication_lists_the_stored_values_among_its_parameter_values(
        hard_township, cadre_evaluate, tmp_path):
    plugins = make_plugins()
    add_parameter_file(hard_township, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027), plugins)
    _evaluate(hard_township, plugins, cadre_evaluate)
    hard_township.conn.close()
    out = publish(tmp_path / "cadre.db", tmp_path / "oversight.db", level="oversight",
                  plugins=plugins, as_of=datetime.date(2027, 2, 1)).out
    conn = sqlite3.connect(out)
    rows = conn.execute("SELECT value, status, plugin, reference FROM parameter_value WHERE "
                        "file = 'qh-2027.yaml' AND path = 'township_post.especially_hard_bonus'"
                        ).fetchall()
    conn.close()
    assert len(rows) == 1
    value, status, source, reference = rows[0]
    assert (value, status) == ("150", "example")
    assert source.startswith("录入文件 qh-2027.yaml（")
    assert reference == "《青海省乡镇工作补贴标准调整通知（测试）》"



def test_a_stored_value_is_named_and_measured_like_the_value_it_replaces(
        hard_township, cadre_evaluate, tmp_path):
    """A file need not restate ``unit`` and ``description``: its values carry the plugin's
    (元, 特别艰苦乡镇每月加发…) in the publication's 参数取值 and in ``rules show``, as the
    plugin's values beside them do."""
    plugins = make_plugins()
    add_parameter_file(hard_township, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027), plugins)
    _evaluate(hard_township, plugins, cadre_evaluate)
    hard_township.conn.close()
    out = publish(tmp_path / "cadre.db", tmp_path / "oversight.db", level="oversight",
                  plugins=plugins, as_of=datetime.date(2027, 2, 1)).out
    conn = sqlite3.connect(out)
    rows = dict(((r[0], r[1]), r[2:]) for r in conn.execute(
        "SELECT file, path, unit, description FROM parameter_value "
        "WHERE path = 'township_post.especially_hard_bonus'"))
    conn.close()
    stored = rows[("qh-2027.yaml", "township_post.especially_hard_bonus")]
    builtin = [v for (file, _), v in rows.items() if file != "qh-2027.yaml"]
    assert stored[0] == "yuan" and stored[1]
    assert stored in builtin


WEIGHTS_2027 = """\
metadata: {rule: "个人:地方:*", jurisdiction: 青海省}
indicators:
  individual:
    locality:
      ji:
        values:
          2027-01-01: {value: 35, reference: 《考核权重调整（测试）》, status: example}
      qin:
        values:
          2027-01-01: {value: 5, reference: 《考核权重调整（测试）》, status: example}
"""


def test_an_indicator_sets_weights_must_still_add_up_to_100(cadre_db, tmp_path):
    # built-in 地方 individual weights: 德 15 能 15 勤 10 绩 30 廉 15 落实 15 = 100;
    # 绩 35 alone makes 105 (refused); with 勤 5 it is 100 again (accepted)
    alone = WEIGHTS_2027.split("      qin:")[0]
    message = _refused(cadre_db, tmp_path, alone)
    assert "bad.yaml:7: 指标集“个人:地方:*”自 2027-01-01 起的权重合计为 105，应为 100" in message
    added = add_parameter_file(cadre_db, _write(tmp_path, "w.yaml", WEIGHTS_2027), make_plugins())
    assert added.file.paths == ("indicators.individual.locality.ji",
                                "indicators.individual.locality.qin")


def test_a_path_only_another_places_rule_reads_is_refused_for_the_province(cadre_db, tmp_path):
    from cadre_guoluo.plugin import plugin as guoluo

    text = """\
metadata: {rule: 乡镇工作岗位补助, jurisdiction: 青海省}
township_post:
  altitude_supplement:
    values:
      2027-01-01:
        value: [{min_altitude_m: 4000, monthly_yuan: 150}]
        reference: 《高海拔补助（测试）》
        status: example
"""
    path = _write(tmp_path, "alt.yaml", text)
    with pytest.raises(ParameterFileError) as err:
        add_parameter_file(cadre_db, path, make_plugins(guoluo))
    assert ("alt.yaml:5: 630000 青海省适用的规则“乡镇工作岗位补助”不读取参数"
            "“township_post.altitude_supplement”") in str(err.value)
    # for 果洛州 itself the same values are accepted
    path.write_text(text.replace("青海省", "果洛藏族自治州"), encoding="utf-8")
    added = add_parameter_file(cadre_db, path, make_plugins(guoluo))
    assert added.file.jurisdiction == "632600"


_BOOK = make_plugins().book
_PREFIX = re.compile(r".*fuzz\.yaml:\d+: .+。未作任何改动；文件格式见 docs/parameters\.md。$", re.S)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(PROVINCE_2027) - 1), st.sampled_from(
    ["", " ", "\n", ":", "-", "{", "}", "[", "]", ",", "x", "1", "2027-13-01", "null", "&a ",
     "*a", "!!int ", "《", "values:", "status: official"])), max_size=4))
def test_whatever_is_written_the_file_is_read_or_refused_with_file_and_line(tmp_path, edits):
    text = PROVINCE_2027
    for at, piece in edits:
        text = text[:at] + piece + text[at + 1:]
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        read_parameter_file(path, _BOOK)
    except ParameterFileError as err:
        assert _PREFIX.match(str(err)), str(err)


class Huangnan:
    """A prefecture plugin (黄南州 632300) registering the scheme under its own name after the
    built-in provincial rule, so that the scheme has several registrations."""

    __name__ = "huangnan_test"

    @hookimpl
    def cadre_jurisdiction(self):
        return "632300"

    @hookimpl
    def register_subsidy_rules(self, register):
        register(SubsidyRule(scheme="乡镇工作岗位补助", name="黄南州乡镇工作补助（测试）",
                             parameters=_file("""
township_post:
  especially_hard_bonus:
    unit: yuan
    values:
      2019-01-01: {value: 120, reference: "测试：黄南州加发", example: true}
""", "huangnan.yaml")))


def test_a_stored_file_is_named_by_the_rule_in_force_in_its_own_jurisdiction(
        cadre_db, tmp_path):
    """The 规则名称 kept with the file (and published) is that of the rule the file's place
    applies on its first date, not the last plugin's to register the scheme elsewhere."""
    plugins = make_plugins(Huangnan(), Menyuan())
    add_parameter_file(cadre_db, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027), plugins)
    add_parameter_file(cadre_db, _write(tmp_path, "menyuan-2027.yaml", COUNTY_2027), plugins)
    add_parameter_file(cadre_db, _write(tmp_path, "hn-2027.yaml", COUNTY_2027.replace(
        "门源回族自治县", "黄南藏族自治州")), plugins)
    names = {f.file: f.rule_name for f in stored_files(cadre_db)}
    # the built-in provincial rule (cadre_sdk.defaults.subsidies) for 630000
    assert names["qh-2027.yaml"] == "乡镇工作岗位补助（国家政策，示例档次）"
    # 门源县's plugin states no name of its own: the scheme's
    assert names["menyuan-2027.yaml"] == "乡镇工作岗位补助"
    assert names["hn-2027.yaml"] == "黄南州乡镇工作补助（测试）"


def test_a_status_written_in_chinese_is_read_as_its_code(cadre_db, cadre_load, cadre_evaluate,
                                                         tmp_path):
    """An office writes the status as the docs and the messages label it (官方依据, 示例值):
    it is the same status (a misspelt code is refused with the code it is close to: above)."""
    db = hard_township_store(cadre_db, cadre_load)
    text = PROVINCE_2027.replace("status: example", "status: 示例值", 1).replace(
        "status: example}", "status: 官方依据}")
    add_parameter_file(db, _write(tmp_path, "qh-2027.yaml", text), make_plugins())
    (stored,) = stored_files(db)
    statuses = {p: [v.status for v in vs] for p, vs in stored.parameters.leaves()}
    assert statuses == {"township_post.tiers": ["example"],
                        "township_post.especially_hard_bonus": ["official"]}
    got = _evaluate(db, make_plugins(), cadre_evaluate)
    # C1's 10 full years in 2027-01: the file's tier 420 + its bonus 150
    assert got[("2027-01", "乡镇工作岗位补助")][0] == 570.0


@pytest.mark.parametrize(("written", "code"), [
    ("海西州", "632800"), ("黄南州", "632300"), ("黃南州", "632300"), ("格尔木", "632801"),
    ("门源县", "632221"), ("果洛", "632600"), (" 海西蒙古族藏族自治州 ", "632800")])
def test_a_jurisdiction_is_written_as_offices_write_it(cadre_db, tmp_path, written, code):
    """The place by its usual short form (海西州, 门源县), in Traditional characters too, as
    the loaders and the publication's queries read it."""
    text = COUNTY_2027.replace("jurisdiction: 门源回族自治县", f"jurisdiction: {written}")
    add_parameter_file(cadre_db, _write(tmp_path, "local.yaml", text), make_plugins())
    assert [f.jurisdiction for f in stored_files(cadre_db)] == [code]


def test_evaluation_reads_the_stored_files_inside_its_write_transaction(
        hard_township, cadre_evaluate, tmp_path, monkeypatch):
    """A `parameters remove` committed between reading the files and writing the results
    would leave results citing a file no longer stored: the files are read with the write lock
    held (BEGIN IMMEDIATE), so a removal waits for the evaluation to end."""
    from cadre_sdk.engines import evaluate as evaluation

    add_parameter_file(hard_township, _write(tmp_path, "qh-2027.yaml", PROVINCE_2027),
                       make_plugins())
    seen = []

    def reading(db, plugins):
        seen.append(db.conn.in_transaction)
        return with_stored_parameters(db, plugins)

    monkeypatch.setattr(evaluation, "with_stored_parameters", reading)
    got = _evaluate(hard_township, make_plugins(), cadre_evaluate)
    assert seen == [True]
    assert got[("2027-01", "乡镇工作岗位补助")][0] == 570.0   # the file's 420 + 150


TOLERANCE_2027 = """\
metadata: {rule: 容错纠错, jurisdiction: 青海省}
tolerance:
  limits:
    accept:
      values:
        2027-01-01: {value: 7, reference: 《容错纠错时限调整（测试）》, status: example}
"""


@pytest.mark.parametrize(("written", "text", "rule"), [
    ("容错纠错", TOLERANCE_2027, ("tolerance", "*")),
    ("容错纠错规则:*", TOLERANCE_2027, ("tolerance", "*")),
    ("青海省容错纠错默认规则（cadre-sdk）", TOLERANCE_2027, ("tolerance", "*")),
    ("地方个人考核指标", WEIGHTS_2027, ("indicators", "个人:地方:*")),
    ("考核指标：个人:地方:*", WEIGHTS_2027, ("indicators", "个人:地方:*")),
    ("indicators:个人:地方:*", WEIGHTS_2027, ("indicators", "个人:地方:*")),
])
def test_a_rule_is_named_as_an_office_writes_it(cadre_db, tmp_path, written, text, rule):
    """The tolerance default (key ``*``) by 容错纠错, an indicator set by its Chinese name, a
    rule by its Chinese kind and key; the codes still work."""
    metadata = text.splitlines()[0]
    said = metadata.split("rule: ", 1)[1].split(", jurisdiction", 1)[0]
    text = text.replace(metadata, metadata.replace(said, f'"{written}"'))
    added = add_parameter_file(cadre_db, _write(tmp_path, "r.yaml", text), make_plugins())
    assert (added.file.kind, added.file.key) == rule


def test_the_rules_a_file_may_name_are_listed_by_kind_with_their_chinese_names(cadre_db,
                                                                                tmp_path):
    choices = rule_choices(make_plugins().book)
    titles = [t for group in choices.values() for t in group]
    assert "*" not in titles and not any(":" in t or "*" in t for t in titles)
    assert list(choices)[:3] == ["补贴", "容错纠错规则", "考核指标"]
    assert choices["补贴"] == ["乡镇工作岗位补助", "地区附加津贴"]
    assert choices["容错纠错规则"][0] == "容错纠错"
    assert {"地方个人考核指标", "乡镇班子考核指标", "部门个人考核指标"} <= set(choices["考核指标"])
    # a prefecture's rules for one kind of case, or its indicator sets with a focus
    assert rule_title("tolerance", "生态保护") == "容错纠错（生态保护类案件）"
    assert rule_title("indicators", "个人:乡镇:生态保护") == "乡镇个人考核指标（生态保护）"
    assert choices["计分公式"] == ["个人计分公式", "班子计分公式"]
    # a key two kinds share is refused with the names to write instead
    message = _refused(cadre_db, tmp_path, TOLERANCE_2027.replace("rule: 容错纠错", "rule: 个人"))
    assert "规则“个人”不唯一（个人定等分数线、个人计分公式）" in message

