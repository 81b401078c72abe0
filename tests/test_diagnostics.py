"""Diagnostics for plugin authors: a plugin's exception names its own file and line (and
``--debug`` / ``CADRE_DEBUG=1`` print the traceback); a plugin that fails to load is listed and
leaves the inspecting commands working while evaluation refuses; unknown jurisdiction codes
name the nearest real ones; ``cadre init`` says which regions it loads."""
from __future__ import annotations

import pytest

from cadre_sdk import PluginError
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.testing import load_rows, make_db, make_plugins

from clihelp import run

FAULTY = '''from cadre_sdk import SubsidyRule, hookimpl


@hookimpl
def cadre_jurisdiction():
    return "632221"


def compute(entitlement, ctx):
    return entitlement.days / 0


@hookimpl
def register_subsidy_rules(register):
    register(SubsidyRule(scheme="测试补贴", compute=compute))
'''
FAULTY_LINE = 10        # ``return entitlement.days / 0``

BROKEN = '''from cadre_sdk import hookimpl

VALUE = 1 / 0
'''

NOWHERE = '''from cadre_sdk import hookimpl


@hookimpl
def cadre_jurisdiction():
    return "632699"
'''


@pytest.fixture
def township_db(tmp_path):
    """A store with one cadre working 20 days in a township of 门源县 (632221) in 2024-03."""
    pm = make_plugins()
    db = make_db(tmp_path / "cadre.db", pm)
    records = {
        "region": [{"地区代码": "632221101", "地区名称": "测试镇", "层级": "乡镇",
                    "上级代码": "632221"}],
        "unit": [{"单位代码": "U1", "单位名称": "测试镇党委", "单位类别": "乡镇", "单位层级": "乡镇",
                  "所在地区代码": "632221101"}],
        "cadre": [{"干部编号": "C1", "姓名": "测试", "性别": "男", "出生年月": "1980.05",
                   "工作单位": "U1", "职务": "干事"}],
        "posting": [{"履历编号": "P1", "干部编号": "C1", "起始时间": "2016.05", "职务": "干事",
                     "经历类型": "任职", "乡镇工作": "是"}],
        "attendance": [{"干部编号": "C1", "乡镇代码": "632221101", "月份": "2024-03",
                        "在岗天数": 20}],
    }
    for kind, rows in records.items():
        load_rows(db, kind, rows, plugins=pm, tmp=tmp_path)
    db.conn.close()
    return tmp_path / "cadre.db"


def _plugins_dir(tmp_path, **files):
    folder = tmp_path / "plugins"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


def test_a_plugin_exception_names_the_plugins_own_file_and_line(township_db, tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.delenv("CADRE_DEBUG", raising=False)
    folder = _plugins_dir(tmp_path, faulty=FAULTY)
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", township_db,
                       "--only", "subsidies")
    assert code == 1
    assert "plugin 'faulty'" in err and "raised ZeroDivisionError: division by zero" in err
    assert f"at {folder / 'faulty.py'}:{FAULTY_LINE} (cadre C1, month 2024-03)" in err
    assert "Traceback" not in err
    # --debug, or CADRE_DEBUG=1, prints the traceback too, ending in the plugin's line
    code, _, err = run(capsys, "--plugins-dir", folder, "--debug", "evaluate", township_db,
                       "--only", "subsidies")
    assert code == 1 and "Traceback (most recent call last)" in err
    assert f'File "{folder / "faulty.py"}", line {FAULTY_LINE}, in compute' in err
    monkeypatch.setenv("CADRE_DEBUG", "1")
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", township_db,
                       "--only", "subsidies")
    assert code == 1 and "Traceback (most recent call last)" in err


def test_a_plugin_that_fails_to_load_is_listed_and_only_evaluation_refuses(township_db,
                                                                            tmp_path, capsys):
    folder = _plugins_dir(tmp_path, broken=BROKEN)
    where = f"{folder / 'broken.py'}:3"
    for args in (["--version"], ["--help"], ["kinds"], ["rules", "list"]):
        code, out, err = run(capsys, "--plugins-dir", folder, *args)
        assert code == 0, (args, err)
    code, out, _ = run(capsys, "--plugins-dir", folder, "plugins")
    assert code == 0 and "cadre_sdk.defaults.province" in out
    assert "broken  FAILED TO LOAD  [plugins dir]" in out
    assert f"failed to import: ZeroDivisionError: division by zero at {where}" in out
    code, out, _ = run(capsys, "--plugins-dir", folder, "rules", "check")
    assert code == 1 and "broken: plugin 'broken' failed to load" in out
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", township_db)
    assert code == 1
    assert "plugin 'broken', hook import: failed to load, so nothing is evaluated" in err
    assert "`cadre plugins` lists every plugin that failed to load" in err
    # in code, a broken plugin is still an error at once
    with pytest.raises(PluginError, match=r"broken.py failed to import"):
        get_plugin_manager(plugins_dir=folder, entry_points=False)


def test_an_unknown_jurisdiction_names_the_plugin_and_the_nearest_codes(tmp_path):
    folder = _plugins_dir(tmp_path, nowhere=NOWHERE)
    with pytest.raises(PluginError) as err:
        get_plugin_manager(plugins_dir=folder, entry_points=False)
    assert str(err.value) == (
        "plugin 'nowhere', hook cadre_jurisdiction: returned '632699': 632699 is not a "
        "division of Qinghai in divisions.csv; nearest: 632626 玛多县, 632625 久治县, "
        "632624 达日县 Fix: return the code of the prefecture or county the plugin serves.")


def test_init_says_which_regions_it_loads(tmp_path, capsys):
    code, out, err = run(capsys, "init", tmp_path / "new.db")
    assert code == 0, err
    # divisions.csv: 1 province + 8 prefecture-level + 45 county-level = 54
    assert "地区 54 条（省 1、市州 8、县级 45；原有 0 条）" in out


def test_the_readme_counts_the_regions_init_loads():
    from pathlib import Path

    from cadre_sdk.core.divisions import known

    levels = [level for _, level in known().values()]
    # divisions.csv: 1 province + 8 prefecture-level + 45 county-level = 54
    assert (len(levels), levels.count("省"), levels.count("市州"), levels.count("县")) == (
        54, 1, 8, 45)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "载入 54 个地区（省 1、市州 8、县级区划 45）" in readme
    assert "46 个" not in readme


def test_the_docs_put_priority_on_the_item_not_on_register():
    import re
    from pathlib import Path

    docs = Path(__file__).parents[1] / "docs"
    for page in ("plugin-guide.md", "hooks.md", "ARCHITECTURE.md"):
        text = (docs / page).read_text(encoding="utf-8")
        assert not re.search(r"register\([^)]*priority\s*=", text), page
        assert "pass priority= when registering" not in text, page
    guide = (docs / "plugin-guide.md").read_text(encoding="utf-8")
    assert "Priority is a field of the rule item" in guide
    assert "not an\n  argument of `register(item)`" in guide


SLOW_OR_WRONG = '''import time

from cadre_sdk import SubsidyRule, hookimpl


@hookimpl
def cadre_jurisdiction():
    return "632221"


def compute(entitlement, ctx):
    {body}


@hookimpl
def register_subsidy_rules(register):
    register(SubsidyRule(scheme="测试补贴", compute=compute))
'''


@pytest.mark.parametrize("body, said", [
    ("time.sleep(5)", "ran past the time limit of 0.3 s"),
    ("return '42元'", "returned str '42元', expected int or float or NoneType"),
])
def test_a_slow_or_wrongly_typed_rule_names_its_function_and_subject(
        township_db, tmp_path, capsys, monkeypatch, body, said):
    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", "0.3")
    folder = _plugins_dir(tmp_path, slow=SLOW_OR_WRONG.format(body=body))
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", township_db,
                       "--only", "subsidies")
    assert code == 1
    # line 11: ``def compute``
    assert f"{said} at {folder / 'slow.py'}:11 (cadre C1, month 2024-03)" in err
