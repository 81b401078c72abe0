"""``cadre rules check``: indicator weights on every date they change, local sets hiding a
prefecture's positioning set, and the conflict message's advice on priority."""
from __future__ import annotations

import datetime

import pytest

from cadre_sdk import IndicatorSet, hookimpl
from cadre_sdk.cli.app import build_cli
from cadre_sdk.core.errors import RuleConflict
from cadre_sdk.formulas import LocalPlugin
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.rules import Indicator
from cadre_sdk.testing import make_plugins

SIX = ("de", "neng", "qin", "ji", "lian", "luoshi")


def _weights_yaml(later_ji: int | None = None) -> str:
    lines = ["description: 测试县乡镇考核指标", "indicators:", "  township:"]
    for code, weight in zip(SIX, (15, 10, 20, 30, 15, 10)):
        later = (f", 2024-01-01: {{value: {later_ji}, reference: 测试调整}}"
                 if code == "ji" and later_ji is not None else "")
        lines.append(f"    {code}: {{description: {code}, unit: percent, values: "
                     f"{{2020-01-01: {{value: {weight}, reference: 测试}}{later}}}}}")
    return "\n".join(lines) + "\n"


def _check(pm, capsys) -> tuple[int, str]:
    cli = build_cli(pm)
    try:
        cli.main(args=["rules", "check"], prog_name="cadre", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def test_weights_are_checked_on_every_date_one_of_them_changes(capsys):
    # 2020: 15 + 10 + 20 + 30 + 15 + 10 = 100; from 2024-01-01 绩 25: 15 + 10 + 20 + 25 + 15 + 10 = 95
    county = LocalPlugin("weights_county", "632221",
                         parse_parameters(_weights_yaml(later_ji=25), "weights_county.yaml"),
                         title="测试县")
    code, out = _check(make_plugins(county), capsys)
    assert code == 1
    assert ("weights: plugin 'weights_county' (632221): indicator set '个人:乡镇:*': the weights "
            "in force from 2024-01-01 add up to 95, not 100 (de 15 + neng 10 + qin 20 + ji 25 + "
            "lian 15 + luoshi 10)") in out
    assert "in force from 2020-01-01" not in out  # the earlier date adds up
    assert "weights_county.yaml so that they add up to 100" in out


def test_a_county_general_set_hiding_the_prefectures_positioning_set_is_a_warning(capsys):
    from cadre_guoluo.plugin import plugin as guoluo
    county = LocalPlugin("maduo_general", "632626",
                         parse_parameters(_weights_yaml(), "maduo_general.yaml"), title="玛多县")
    code, out = _check(make_plugins(guoluo, county), capsys)
    assert code == 0                                # a warning, not a failure
    assert ("warning: shadowing: plugin 'maduo_general' (632626) registers the general indicator "
            "set '个人:乡镇:*'; in 632626 it hides 'cadre_guoluo.plugin''s (632600) set "
            "'个人:乡镇:生态保护' for units positioned 生态保护.") in out
    # 果洛 alone: nothing hidden
    assert "shadowing" not in _check(make_plugins(guoluo), capsys)[1]


def test_equal_priorities_say_priority_is_a_field_of_the_item():
    params = parse_parameters(_weights_yaml(), "same.yaml")

    def named(name):
        class P:
            __name__ = name

            @hookimpl
            def cadre_jurisdiction(self):
                return "632221"

            @hookimpl
            def register_indicators(self, register):
                register(IndicatorSet(unit_kind="乡镇", parameters=params,
                                      indicators=[Indicator(c, c, f"indicators.township.{c}")
                                                  for c in SIX]))
        return P()

    pm = make_plugins(named("one"), named("two"))
    with pytest.raises(RuleConflict) as err:
        pm.book.resolve("indicators", "个人:乡镇:*", "632221", on=datetime.date(2024, 7, 1))
    assert "a field of the rule item, e.g. SubsidyRule(..., priority=10)" in str(err.value)
    assert "register() takes the item only" in str(err.value)


MIN_DAYS_TYPO = """\
township_post:
  min_dyas:
    unit: days
    values:
      2024-01-01: {value: 14, reference: 示例, example: true}
"""


def test_an_overlay_parameter_nothing_reads_is_named_with_the_nearest_name(capsys):
    from cadre_xining.plugin import plugin as xining
    county = LocalPlugin("huangyuan_typo", "630123", parse_parameters(MIN_DAYS_TYPO, "hy.yaml"),
                         title="湟源县")
    code, out = _check(make_plugins(xining, county), capsys)
    assert code == 0                                # a warning: a rule of one's own may read it
    assert ("warning: overlay: hy.yaml:5: plugin 'huangyuan_typo' (630123) states "
            "township_post.min_dyas, which no rule it overrides (subsidy '乡镇工作岗位补助') has, so "
            "nothing reads it; under township_post they read especially_hard_bonus, min_days, "
            "tiers. Fix: rename it township_post.min_days.") in out


def test_the_shipped_plugins_state_no_parameter_nothing_reads(capsys):
    import importlib

    names = ("xining", "haidong", "haibei", "huangnan", "hainan", "guoluo", "yushu", "haixi",
             "golmud")
    plugins = [importlib.import_module(f"cadre_{n}.plugin").plugin for n in names]
    code, out = _check(make_plugins(*plugins), capsys)
    assert code == 0 and "overlay:" not in out     # e.g. 果洛's altitude supplement is read


class _SchemeTypo:
    __name__ = "scheme_typo"

    @hookimpl
    def cadre_jurisdiction(self):
        return "630123"

    @hookimpl
    def register_subsidy_rules(self, register):
        from cadre_sdk import SubsidyRule
        register(SubsidyRule(scheme="乡镇工作岗位补贴", parameters=parse_parameters(
            MIN_DAYS_TYPO.replace("min_dyas", "min_days"), "scheme.yaml")))


def test_an_overlay_that_overrides_nothing_names_the_nearest_key(capsys):
    code, out = _check(make_plugins(_SchemeTypo()), capsys)
    assert ("warning: overlay: scheme.yaml: subsidy rule '乡镇工作岗位补贴' of plugin 'scheme_typo' "
            "(630123) overrides nothing: no jurisdiction above registers '乡镇工作岗位补贴' and "
            "has no compute to inherit. Fix: did you mean '乡镇工作岗位补助'? use the key of the "
            "rule it changes.") in out


def test_a_positioning_set_under_a_misspelt_positioning_is_named(capsys):
    from cadre_xining.plugin import plugin as xining
    weights = dict(de=15, neng=10, qin=10, ji=30, lian=10, luoshi=15, chengshi=10)   # = 100
    lines = ["indicators:", "  城市治里:", "    locality:"] + [
        f"      {code}: {{description: {code}, unit: percent, values: {{2024-01-01: "
        f"{{value: {w}, reference: 示例, example: true}}}}}}" for code, w in weights.items()]
    county = LocalPlugin("positioning_typo", "630123",
                         parse_parameters("\n".join(lines) + "\n", "pos.yaml"), title="湟源县")
    code, out = _check(make_plugins(xining, county), capsys)
    assert code == 0
    assert ("warning: overlay: pos.yaml:4: indicators rule '个人:地方:城市治里' of plugin "
            "'positioning_typo' (630123) overrides nothing: no jurisdiction above registers "
            "'个人:地方:城市治里'. Fix: did you mean '个人:地方:城市治理'?") in out
    # a new positioning with no near name is a county's own set: no warning
    county = LocalPlugin("own_positioning", "630123", parse_parameters(
        "\n".join(lines).replace("城市治里", "高原农牧") + "\n", "own.yaml"), title="湟源县")
    code, out = _check(make_plugins(xining, county), capsys)
    assert code == 0 and "overlay:" not in out
