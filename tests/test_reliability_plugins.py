"""Plugin faults: a plugin that raises, returns the wrong type, registers the same rule twice or
runs past the time limit, in a registration hook, in ``validate_record`` and in the rule
functions the engines call (subsidy ``compute``, tolerance ``accepting_body`` and ``decide``,
scoring ``compute``, staffing SQL). Each is reported by `cadre` naming the plugin and the hook,
with exit status 1 and no traceback, and the store's bytes are unchanged.

"Other jurisdictions' results are not affected": evaluation is one transaction, so a faulty
county plugin makes the whole run write nothing (the previous results of every jurisdiction
stay as they were) and the error names the plugin to fix or remove; without it, every
jurisdiction evaluates; and a sound county plugin changes only its own county's results.
"""
from __future__ import annotations

import shutil
import sqlite3
import types
from pathlib import Path

import pytest

from cadre_sdk import PluginError, ScoringFormula, SubsidyRule, hookimpl
from cadre_sdk.cli.app import main
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.store.database import open_db
from cadre_sdk.testing import make_plugins
from test_reliability_support import AS_OF, file_sha, fingerprint

LIMIT = "0.3"   # CADRE_PLUGIN_TIMEOUT for these tests: seconds per call

HEADER = """
import time
from cadre_sdk import (ScoringFormula, StaffingRule, SubsidyRule, ToleranceVariant, hookimpl,
                       load_parameters)
from cadre_sdk.defaults import PARAMETERS
from cadre_sdk.records import vocab

TOLERANCE = load_parameters(PARAMETERS / "tolerance.yaml")

@hookimpl
def cadre_jurisdiction():
    return "{county}"

def fault(*args):
    {body}
"""

#: Where the fault is: the hook the report must name, and the item the plugin registers
#: (``fault`` is the rule function; a staffing rule's "function" is its SQL).
PLACES = {
    "registration": ("register_subsidy_rules", None),
    "subsidy": ("register_subsidy_rules",
                'SubsidyRule(scheme="乡镇工作岗位补助", compute=fault)'),
    "accepting_body": ("register_tolerance_variants",
                       "ToleranceVariant(parameters=TOLERANCE, dimensions=vocab.DIMENSIONS, "
                       "accepting_body=fault)"),
    "decide": ("register_tolerance_variants",
               "ToleranceVariant(parameters=TOLERANCE, dimensions=vocab.DIMENSIONS, "
               "decide=fault)"),
    "scoring": ("register_scoring", 'ScoringFormula(subject="个人", compute=fault)'),
    "staffing": ("register_staffing_rules",
                 'StaffingRule(code="local_check", title="本地核查", sql={sql!r})'),
    "validate_record": ("validate_record", None),
}

FAULT_BODIES = {"raise": 'raise RuntimeError("boom")', "wrong": 'return "42"',
                "slow": "time.sleep(5)", "twice": "return None"}
#: What a staffing rule's SQL does for each fault.
STAFFING_SQL = {
    "raise": "SELECT * FROM no_such_table",
    "wrong": "SELECT 1 AS x",
    "slow": "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1e9) "
            "SELECT max(n) AS unit_code, 'x' AS evidence FROM c",
    "twice": "SELECT NULL AS unit_code, NULL AS evidence WHERE 0",
    "writes": "DELETE FROM cadre",
}
#: The registration hook's own faults.
REGISTRATION = {"raise": 'raise RuntimeError("boom")', "wrong": 'register({"scheme": "x"})',
                "slow": "time.sleep(5)",
                "twice": 'register(SubsidyRule(scheme="乡镇工作岗位补助", compute=fault))\n'
                         '    register(SubsidyRule(scheme="乡镇工作岗位补助", compute=fault))'}
#: What the report says about each fault.
SAYS = {"raise": "RuntimeError: boom", "wrong": "returned", "slow": "time limit of 0.3 s",
        "twice": "twice for jurisdiction", "writes": "not authorized",
        ("registration", "wrong"): "registered dict", ("validate_record", "wrong"): "returned str",
        ("staffing", "raise"): "no such table", ("staffing", "wrong"): "selects ['x']"}

CASES = [(place, fault) for place in PLACES for fault in ("raise", "wrong", "slow", "twice")
         if not (place == "validate_record" and fault == "twice")   # nothing to register
         ] + [("staffing", "writes")]


def plugin_source(place: str, fault: str, county: str) -> str:
    """A plugins-folder module for ``county`` with ``fault`` at ``place``."""
    hook, item = PLACES[place]
    body = FAULT_BODIES.get(fault, "return None")
    if place in ("accepting_body", "decide") and fault == "wrong":
        body = "return 42"   # these return text
    text = HEADER.format(county=county, body=body)
    if place == "validate_record":
        return text + "\n@hookimpl\ndef validate_record(kind, record):\n    return fault()\n"
    if place == "registration":
        return text + f"\n@hookimpl\ndef {hook}(register):\n    {REGISTRATION[fault]}\n"
    item = item.format(sql=STAFFING_SQL[fault]) if place == "staffing" else item
    calls = 2 if fault == "twice" else 1
    return text + (f"\n@hookimpl\ndef {hook}(register):\n    item = {item}\n"
                   + "    register(item)\n" * calls)


@pytest.fixture(scope="module")
def county(demo_store: Path) -> str:
    """A county of the demo with tolerance cases (one decided), subsidy lines and individual
    assessments, and no installed plugin of its own."""
    taken = {info.jurisdiction for info in get_plugin_manager(plugins_dir="").infos.values()}
    conn = sqlite3.connect(demo_store)
    try:
        rows = conn.execute("""
            SELECT c.region_code FROM [case] c JOIN case_event e ON e.case_id = c.id
            WHERE e.event = '认定' AND c.region_code NOT LIKE '%00'
              AND EXISTS (SELECT 1 FROM subsidy_ledger s WHERE s.county_code = c.region_code)
              AND EXISTS (SELECT 1 FROM assessment a JOIN unit u ON u.code = a.unit_code
                          WHERE a.subject = '个人' AND u.region_code LIKE c.region_code || '%')
            ORDER BY c.region_code""").fetchall()
    finally:
        conn.close()
    found = [code for (code,) in rows if code not in taken]
    assert found, "the demo store has no county with cases, subsidies and assessments"
    return found[0]


@pytest.fixture
def store(demo_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copy(demo_store, path)
    return path


def cadre(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str]:
    """`cadre ARGS` in this process (main, as the console script runs it): status, stderr."""
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
        raise SystemExit(0)
    return done.value.code or 0, capsys.readouterr().err


@pytest.mark.parametrize("place,fault", CASES, ids=[f"{p}-{f}" for p, f in CASES])
def test_a_faulty_plugin_is_named_and_nothing_is_written(
        place: str, fault: str, county: str, store: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", LIMIT)
    folder = tmp_path / "plugins"
    folder.mkdir()
    name = f"faulty_{place}_{fault}"
    (folder / f"{name}.py").write_text(plugin_source(place, fault, county), encoding="utf-8")
    before = file_sha(store)
    if place == "validate_record":
        units = tmp_path / "units.csv"
        units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
                         f"UX1,某县某局,部门,县,{county}\n", encoding="utf-8")
        status, err = cadre(capsys, "--plugins-dir", folder, "load", store, "unit", units)
    else:
        status, err = cadre(capsys, "--plugins-dir", folder, "evaluate", store)
    hook = PLACES[place][0]
    assert status == 1, err
    assert f"plugin '{name}', hook {hook}" in err, err
    assert SAYS.get((place, fault), SAYS[fault]) in err, err
    assert "Traceback" not in err
    assert file_sha(store) == before, "the store changed"
    assert not store.with_name(store.name + "-journal").exists()


def test_without_the_faulty_plugin_every_jurisdiction_evaluates(
        county: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The run with a faulty county plugin writes nothing anywhere and says which plugin to
    fix or remove; removed, every jurisdiction (that county included) is evaluated."""
    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", LIMIT)
    folder = tmp_path / "plugins"
    folder.mkdir()
    bad = folder / "faulty_county.py"
    bad.write_text(plugin_source("subsidy", "raise", county), encoding="utf-8")
    before = fingerprint(store)
    status, err = cadre(capsys, "--plugins-dir", folder, "evaluate", store)
    assert status == 1 and "plugin 'faulty_county'" in err and "nothing was written" in err
    assert fingerprint(store) == before   # every jurisdiction keeps its previous results
    bad.unlink()
    status, err = cadre(capsys, "--plugins-dir", folder, "evaluate", store)
    assert status == 0, err
    conn = sqlite3.connect(store)
    try:
        expected = {r[0] for r in conn.execute(
            "SELECT DISTINCT substr(township_code, 1, 6) FROM attendance")}
        got = {r[0] for r in conn.execute("SELECT DISTINCT county_code FROM subsidy_ledger")}
        assert county in got and expected <= got
        assert conn.execute("SELECT count(*) FROM case_state").fetchone()[0] == \
            conn.execute("SELECT count(*) FROM [case]").fetchone()[0]
    finally:
        conn.close()


def _subsidy_lines(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT county_code, month, cadre_id, scheme, amount, rule_plugin "
                            "FROM subsidy_ledger ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        conn.close()


def test_a_sound_county_plugin_changes_only_its_county(county: str, demo_store: Path,
                                                       tmp_path: Path) -> None:
    """What "not affected" means when the plugin works: its rule applies in its county only."""
    class Local:
        __name__ = "local_county"

        @hookimpl
        def cadre_jurisdiction(self) -> str:
            return county

        @hookimpl
        def register_subsidy_rules(self, register):
            register(SubsidyRule(scheme="乡镇工作岗位补助", compute=lambda ent, ctx: 123.0))

    results = {}
    for label, plugins in (("defaults", make_plugins()), ("local", make_plugins(Local()))):
        path = tmp_path / f"{label}.db"
        shutil.copy(demo_store, path)
        db = open_db(path)
        evaluate(db, plugins, as_of=AS_OF, only=("subsidies",))
        db.conn.close()
        results[label] = _subsidy_lines(path)
    outside = [[r for r in results[k] if r[0] != county] for k in ("defaults", "local")]
    assert outside[0] == outside[1] and outside[0]
    inside = [r for r in results["local"] if r[0] == county and r[3] == "乡镇工作岗位补助"]
    assert inside and all(r[4] == 123.0 and r[5] == "local_county" for r in inside)


@pytest.mark.parametrize("fault", ["raise", "wrong", "slow"])
def test_rules_registered_in_code_name_plugin_and_hook(
        fault: str, county: str, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same faults from a plugin object registered in code (an embedding application or a
    test), for the scoring and subsidy rules: ``PluginError`` names plugin and hook, and the
    evaluation writes nothing."""
    import time

    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", LIMIT)
    behaviour = {"raise": lambda *a: 1 / 0, "wrong": lambda *a: "high",
                 "slow": lambda *a: time.sleep(5)}[fault]
    rules = [("register_subsidy_rules", SubsidyRule(scheme="地区附加津贴", compute=behaviour)),
             ("register_scoring", ScoringFormula(subject="个人", compute=behaviour))]
    for hook, item in rules:
        def register_item(register, item=item) -> None:
            register(item)
        ns = types.SimpleNamespace(__name__=f"in_code_{fault}",
                                   cadre_jurisdiction=hookimpl(lambda: county))
        setattr(ns, hook, hookimpl(register_item))
        before = file_sha(store)
        db = open_db(store)
        with pytest.raises(PluginError) as err:
            evaluate(db, make_plugins(ns), as_of=AS_OF)
        db.conn.close()
        assert err.value.plugin == f"in_code_{fault}" and err.value.hook.startswith(hook)
        assert file_sha(store) == before


def test_two_plugins_claiming_one_rule_is_a_conflict_not_a_fault(
        county: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The same rule from one plugin twice is that plugin's fault, refused when plugins load
    (above); the same rule from two plugins at one level is a conflict between them: they load,
    and `cadre rules check` reports it naming both."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    once = plugin_source("staffing", "twice", county).replace("    register(item)\n", "", 1)
    for name in ("first_local", "second_local"):
        (folder / f"{name}.py").write_text(once, encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["--plugins-dir", str(folder), "rules", "check"])
    out = capsys.readouterr().out
    assert done.value.code == 1
    assert (f"conflict: staffing rule 'local_check' for jurisdiction {county} is registered by "
            "first_local, second_local") in out
