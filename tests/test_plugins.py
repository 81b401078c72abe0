"""Plugin manager: discovery, errors naming the plugin and hook, jurisdiction resolution."""
import datetime
import types

import pytest

from cadre_sdk import CannedQuery, PluginError, StaffingRule, hookimpl, record_kinds
from cadre_sdk.core.errors import RuleConflict
from cadre_sdk.core.jurisdiction import chain
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.testing import make_plugins

ON = datetime.date(2024, 7, 1)  # any date: these rules are not dated


def plugin(name, jurisdiction=None, **hooks):
    """A plugin object registered in code: a namespace of hook implementations."""
    ns = types.SimpleNamespace(__name__=name)
    if jurisdiction:
        ns.cadre_jurisdiction = hookimpl(lambda: jurisdiction)
    for hook, fn in hooks.items():
        setattr(ns, hook, hookimpl(fn))
    return ns


def staffing(code, title):
    def register_staffing_rules(register):
        register(StaffingRule(code=code, title=title, sql="SELECT 1"))
    return register_staffing_rules


def test_chain_of_jurisdictions():
    assert chain("632801") == ("632801", "632800", "630000")
    assert chain("632801101") == ("632801", "632800", "630000")
    assert chain("632800") == ("632800", "630000")
    assert chain("630000") == ("630000",)


def test_county_beats_prefecture_beats_province():
    pm = make_plugins(
        plugin("province_x", "630000", register_staffing_rules=staffing("r", "省")),
        plugin("haixi", "632800", register_staffing_rules=staffing("r", "州")),
        plugin("golmud", "632801", register_staffing_rules=staffing("r", "市")),
    )
    book = pm.book
    assert book.resolve("staffing", "r", "632801101", on=ON).item.title == "市"
    assert book.resolve("staffing", "r", "632802", on=ON).item.title == "州"
    assert book.resolve("staffing", "r", "632200", on=ON).item.title == "省"
    assert book.resolve("staffing", "r", "632802", on=ON).plugin == "haixi"


def test_same_jurisdiction_same_rule_is_a_conflict_naming_both():
    pm = make_plugins(
        plugin("one", "632800", register_staffing_rules=staffing("r", "a")),
        plugin("two", "632800", register_staffing_rules=staffing("r", "b")),
    )
    assert pm.book.conflicts() == [("staffing", "r", "632800", ["one", "two"])]
    with pytest.raises(RuleConflict, match="one, two"):
        pm.book.resolve("staffing", "r", "632801", on=ON)


def test_priority_settles_a_conflict():
    def high(register):
        register(StaffingRule(code="r", title="high", sql="SELECT 1", priority=5))
    pm = make_plugins(
        plugin("one", "632800", register_staffing_rules=staffing("r", "a")),
        plugin("two", "632800", register_staffing_rules=high),
    )
    assert pm.book.conflicts() == []
    assert pm.book.resolve("staffing", "r", "632800", on=ON).item.title == "high"


def test_catalogue_adds_up_along_the_chain():
    pm = make_plugins(
        plugin("p", "632800", register_staffing_rules=staffing("local", "州")),
        plugin("q", "632200", register_staffing_rules=staffing("other", "北")),
    )
    mine = pm.book.catalogue("staffing", "632801", on=ON)
    assert "local" in mine and "other" not in mine


def test_misspelt_hook_fails_at_load_naming_the_plugin():
    bad = plugin("typo")
    bad.register_indicator = hookimpl(lambda register: None)  # missing the "s"
    with pytest.raises(PluginError, match="typo") as err:
        make_plugins(bad)
    assert "register_indicator" in str(err.value)


def test_hook_that_raises_names_plugin_and_hook():
    def boom(register):
        raise KeyError("oops")
    with pytest.raises(PluginError) as err:
        make_plugins(plugin("broken", "632800", register_staffing_rules=boom))
    assert err.value.plugin == "broken" and err.value.hook == "register_staffing_rules"
    assert "KeyError" in str(err.value)


def test_wrong_item_type_is_named():
    def wrong(register):
        register({"code": "r"})
    with pytest.raises(PluginError, match="accepts StaffingRule") as err:
        make_plugins(plugin("sloppy", "632800", register_staffing_rules=wrong))
    assert err.value.plugin == "sloppy"


def test_registration_hook_must_not_return():
    with pytest.raises(PluginError, match="return nothing"):
        make_plugins(plugin("returns", register_queries=lambda register: [1]))


def test_bad_jurisdiction_code():
    with pytest.raises(PluginError, match="6-digit"):
        make_plugins(plugin("bad", "63A800"))


def test_validate_record_wrong_shape_names_plugin():
    pm = make_plugins(plugin("v", validate_record=lambda kind, record: "不对"))
    with pytest.raises(PluginError, match="'v'"):
        pm.validate_record("unit", object())


def test_validate_record_marked_for_kinds_is_asked_about_those_kinds_only():
    asked = []

    def unit_only(kind, record):
        asked.append(("unit_only", kind))
        return ["单位不对"]

    def every(kind, record):
        asked.append(("every", kind))

    pm = make_plugins(plugin("u", validate_record=record_kinds("unit")(unit_only)),
                      plugin("e", validate_record=every))
    assert pm.validate_record("cadre", types.SimpleNamespace(id_number=None)) == []
    assert ("unit_only", "cadre") not in asked and ("every", "cadre") in asked
    assert pm.validate_record("unit", object()) == ["单位不对"]
    assert ("unit_only", "unit") in asked
    # the province's own check is for cadres only: no plugin checks a posting
    assert make_plugins().record_validator("posting") is None
    # ... and a batch check (validate_records), so no per-row hook call for cadres either
    assert make_plugins().record_validator("cadre") is None
    assert make_plugins().batch_validator("cadre") is not None
    assert make_plugins().batch_validator("posting") is None
    with pytest.raises(TypeError, match="record kinds"):
        record_kinds()


def test_plugins_dir(tmp_path):
    (tmp_path / "xining_extra.py").write_text(
        "from cadre_sdk import hookimpl, CannedQuery\n"
        "@hookimpl\ndef cadre_jurisdiction():\n    return '630100'\n"
        "@hookimpl\ndef register_queries(register):\n"
        "    register(CannedQuery(name='xn', title='西宁查询', sql='select 1'))\n",
        encoding="utf-8")
    (tmp_path / "_private.py").write_text("raise SystemExit('must not be imported')\n")
    pm = get_plugin_manager(plugins_dir=tmp_path, entry_points=False)
    assert pm.infos["xining_extra"].jurisdiction == "630100"
    assert pm.infos["xining_extra"].source == "plugins dir"
    assert pm.book.catalogue("query", "630102")["xn"].plugin == "xining_extra"


def test_plugins_dir_module_that_fails_to_import(tmp_path):
    (tmp_path / "broken.py").write_text("import nonexistent_module_xyz\n")
    with pytest.raises(PluginError, match="broken"):
        get_plugin_manager(plugins_dir=tmp_path, entry_points=False)


def test_duplicate_plugin_name_is_an_error(tmp_path):
    (tmp_path / "dup.py").write_text("x = 1\n")
    with pytest.raises(PluginError, match="already registered"):
        get_plugin_manager(plugins_dir=tmp_path, entry_points=False,
                           plugins=[types.SimpleNamespace(__name__="dup")])


def test_plugins_dir_from_environment(tmp_path, monkeypatch):
    (tmp_path / "envplug.py").write_text("x = 1\n")
    monkeypatch.setenv("CADRE_PLUGINS_DIR", str(tmp_path))
    assert "envplug" in get_plugin_manager(entry_points=False).infos


def test_defaults_are_listed_as_builtin_for_the_province():
    pm = make_plugins()
    info = pm.infos["cadre_sdk.defaults.province"]
    assert info.builtin and info.jurisdiction == "630000"
    assert "cadre_jurisdiction" in info.hooks


def test_builtin_default_yields_to_a_plugin_at_the_same_level():
    from cadre_sdk.plugin_host.rule_book import Registration, RuleBook

    book = RuleBook()
    builtin = CannedQuery(name="q", title="default", sql="select 1")
    local = CannedQuery(name="q", title="local", sql="select 2")
    book.add(Registration(builtin, "cadre_sdk.defaults.x", "630000", "register_queries", True))
    book.add(Registration(local, "mine", "630000", "register_queries", False))
    assert book.conflicts() == []
    assert book.catalogue("query", "632801")["q"].item.title == "local"


def test_plugin_past_the_time_limit_is_stopped_and_named(monkeypatch):
    import time

    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", "0.2")

    def slow(register):
        time.sleep(5)
    started = time.monotonic()
    with pytest.raises(PluginError, match="time limit") as err:
        make_plugins(plugin("sluggish", "632800", register_queries=slow))
    assert err.value.plugin == "sluggish"
    assert time.monotonic() - started < 3


def test_call_rule_names_plugin_for_raise_and_wrong_type():
    from cadre_sdk.plugin_host.rule_book import Registration
    from cadre_sdk.plugin_host.watchdog import call_rule

    reg = Registration(StaffingRule(code="r", title="t", sql="select 1"), "local", "632800",
                       "register_staffing_rules", False)
    with pytest.raises(PluginError, match="'local'.*ZeroDivisionError"):
        call_rule(reg, lambda: 1 / 0)
    with pytest.raises(PluginError, match="expected float"):
        call_rule(reg, lambda: "12", returns=float)
    assert call_rule(reg, lambda: 1.5, returns=float) == 1.5


def test_validate_records_answers_by_row_after_validate_record():
    def per_record(kind, record):
        return ["逐条"] if record.n == 2 else None

    def per_batch(kind, columns):
        return [(i, f"成批{n}") for i, n in enumerate(columns["n"]) if n >= 2]

    pm = make_plugins(plugin("r", validate_record=per_record),
                      plugin("b", validate_records=per_batch))
    # a batch of three: rows 1 and 2 (n = 2, 3) have messages, by position (about no field)
    assert pm.batch_validator("unit")({"n": [1, 2, 3]}, 3) == {1: [(None, "成批2")],
                                                                2: [(None, "成批3")]}
    # one record: validate_record's messages first, then validate_records' (a batch of one)
    assert pm.validate_record("unit", types.SimpleNamespace(n=2)) == ["逐条", "成批2"]
    assert pm.validate_record("unit", types.SimpleNamespace(n=1)) == []


@pytest.mark.parametrize("answer", ["不对", [("0", "不对")], [(0, 1)], [(5, "不对")],
                                    [(0, "不对", "多")]])
def test_validate_records_wrong_shape_names_plugin(answer):
    pm = make_plugins(plugin("vb", validate_records=lambda kind, columns: answer))
    with pytest.raises(PluginError, match="'vb'.*validate_records"):
        pm.batch_validator("unit")({"n": [1, 2]}, 2)


def test_validate_records_fault_names_plugin():
    def broken(kind, columns):
        raise KeyError("birth")

    pm = make_plugins(plugin("vb", validate_records=record_kinds("cadre")(broken)))
    assert pm.batch_validator("unit") is None
    with pytest.raises(PluginError, match="'vb'.*KeyError"):
        pm.validate_record("cadre", types.SimpleNamespace(id_number=None))


@pytest.mark.parametrize("answer, said", [
    ("ok", "returned str, not a list of (row, message) pairs"),
    ([(0, "坏"), (1, 2)], "returned (1, 2), not a (row, message) pair nor a (row, field, "
                          "message) triple (an int, a str and a str)"),
    ([(0, "nn", "坏")], "returned (0, 'nn', '坏'): 'nn' is not a field of the record (did "
                        "you mean 'n'?)"),
    ([(5, "坏")], "returned (5, '坏'): row 5 is not a position in the batch of 2 rows (0 to 1)"),
])
def test_validate_records_wrong_answer_says_which_entry_and_why(answer, said):
    pm = make_plugins(plugin("vb", validate_records=lambda kind, columns: answer))
    with pytest.raises(PluginError) as error:
        pm.batch_validator("unit")({"n": [1, 2]}, 2)
    assert f"plugin 'vb', hook validate_records: {said}" in str(error.value)
