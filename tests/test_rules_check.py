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
