"""``cadre plugin new``: the scaffolded package is complete, honest about its example values, and
its tests pass as generated (run in a separate pytest process, as the author would run them)."""
from __future__ import annotations

import datetime
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the copy pip vendors
    from pip._vendor import tomli as tomllib

from cadre_sdk.parameters import load_parameters

from clihelp import run

ROOT = Path(__file__).resolve().parent.parent


def pytest_in(package: Path) -> subprocess.CompletedProcess:
    """Run the generated package's tests in a fresh interpreter, the SDK from this checkout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(package)]))
    installed = any(ep.value == "cadre_sdk.testing_fixtures"
                    for ep in importlib.metadata.entry_points(group="pytest11"))
    plugin_arg = [] if installed else ["-p", "cadre_sdk.testing_fixtures"]
    return subprocess.run([sys.executable, "-m", "pytest", *plugin_arg, "-q", "-p",
                           "no:cacheprovider", "tests"], cwd=package, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def generated(tmp_path, capsys) -> Path:
    code, out, err = run(capsys, "plugin", "new", "maqin", "--jurisdiction", "632621",
                         "--dir", tmp_path)
    assert code == 0, err
    assert "created" in out and "cadre-maqin" in out
    return tmp_path / "cadre-maqin"


def test_the_package_has_an_entry_point_example_hooks_parameters_and_tests(generated):
    files = sorted(str(p.relative_to(generated)) for p in generated.rglob("*") if p.is_file())
    assert files == ["README.md", "cadre_maqin/__init__.py", "cadre_maqin/parameters.yaml",
                     "cadre_maqin/plugin.py", "pyproject.toml", "tests/maqin.cases.yaml",
                     "tests/test_maqin_plugin.py"]
    project = tomllib.loads((generated / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "cadre-maqin"
    assert project["project"]["dependencies"] == ["cadre-sdk"]
    assert project["project"]["entry-points"]["cadre_sdk"] == {"maqin": "cadre_maqin.plugin"}
    source = (generated / "cadre_maqin" / "plugin.py").read_text(encoding="utf-8")
    assert 'return "632621"' in source
    for hook in ("register_indicators", "register_subsidy_rules", "register_tolerance_variants"):
        assert f"def {hook}(" in source


def test_every_generated_value_is_marked_as_an_example_with_a_reference(generated):
    params = load_parameters(generated / "cadre_maqin" / "parameters.yaml")
    values = [v for _, vs in params.leaves() for v in vs]
    assert values and all(v.example and v.reference.strip() for v in values)
    assert params.metadata["jurisdiction"] == "632621"
    assert "玛沁县" in params.description


@pytest.mark.slow
def test_the_generated_tests_pass_as_generated(generated):
    result = pytest_in(generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


@pytest.mark.slow
def test_a_wrong_worked_example_fails_and_shows_what_was_computed(generated):
    cases = generated / "tests" / "maqin.cases.yaml"
    text = cases.read_text(encoding="utf-8")
    assert "amount: 420.0" in text
    cases.write_text(text.replace("amount: 420.0", "amount: 421.0"), encoding="utf-8")
    result = pytest_in(generated)
    assert result.returncode == 1
    assert "1 failed, 5 passed" in result.stdout
    assert "no row with" in result.stdout
    assert "amount: expected 421.0, actual 420.0" in result.stdout
    assert "maqin.cases.yaml:" in result.stdout


def test_a_prefecture_gets_its_first_county_for_the_examples(tmp_path, capsys):
    code, _, err = run(capsys, "plugin", "new", "cadre-golog", "--jurisdiction", "632600",
                       "--dir", tmp_path)
    assert code == 0, err
    cases = (tmp_path / "cadre-golog" / "tests" / "golog.cases.yaml").read_text(encoding="utf-8")
    assert '上级代码: "632621"' in cases and '地区代码: "632621101"' in cases
    assert "果洛藏族自治州" in (tmp_path / "cadre-golog" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["haixi", "--jurisdiction", "630000"], "is not a prefecture-level or county-level"),
    (["haixi", "--jurisdiction", "999999"], "is not a prefecture-level or county-level"),
    (["Hai Xi", "--jurisdiction", "632800"], "use lowercase letters and digits"),
    (["haixi"], "Missing option '--jurisdiction'"),
])
def test_bad_arguments_are_refused_and_nothing_is_written(tmp_path, capsys, args, message):
    code, _, err = run(capsys, "plugin", "new", *args, "--dir", tmp_path)
    assert code == 2 and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_package_is_never_overwritten(generated, capsys):
    before = (generated / "cadre_maqin" / "plugin.py").read_text(encoding="utf-8")
    (generated / "cadre_maqin" / "plugin.py").write_text(before + "# edited\n", encoding="utf-8")
    code, _, err = run(capsys, "plugin", "new", "maqin", "--jurisdiction", "632621",
                       "--dir", generated.parent)
    assert code == 1 and "already exists" in err
    assert (generated / "cadre_maqin" / "plugin.py").read_text(encoding="utf-8").endswith(
        "# edited\n")


GUOLUO_TOWNSHIP_SCORES = {"de": 90, "neng": 80, "qin": 85, "ji": 80, "lian": 90, "luoshi": 80,
                          "shengtai": 96}


def test_a_scaffolded_county_in_guoluo_keeps_guoluos_ecology_indicator(tmp_path, capsys,
                                                                       monkeypatch):
    code, _, err = run(capsys, "plugin", "new", "maduo-new", "--jurisdiction", "632626",
                       "--dir", tmp_path)
    assert code == 0, err
    monkeypatch.syspath_prepend(str(tmp_path / "cadre-maduo-new"))
    from cadre_guoluo.plugin import plugin as guoluo
    from cadre_maduo_new import plugin as county

    from cadre_sdk.testing import evaluate_all, load_rows, make_db, make_plugins

    pm = make_plugins(guoluo, county)
    assert [r for r in pm.book.all("indicators") if r.jurisdiction == "632626"] == []
    db = make_db(tmp_path / "cadre.db", pm)
    records = {
        "region": [{"地区代码": "632626101", "地区名称": "测试乡", "层级": "乡镇",
                    "上级代码": "632626"}],
        "unit": [{"单位代码": "U1", "单位名称": "测试乡党委", "单位类别": "乡镇", "单位层级": "乡镇",
                  "所在地区代码": "632626101", "功能定位": "生态保护"}],
        "cadre": [{"干部编号": "C1", "姓名": "测试", "性别": "男", "出生年月": "1980.05",
                   "工作单位": "U1", "职务": "干事"}],
        "assessment": [{"考核编号": "A1", "考核对象": "个人", "干部编号": "C1", "单位代码": "U1",
                        "年度": 2024, "考核周期": "年度"}],
        "indicator_score": [{"考核编号": "A1", "指标代码": k, "得分": v}
                            for k, v in GUOLUO_TOWNSHIP_SCORES.items()],
    }
    for kind, rows in records.items():
        load_rows(db, kind, rows, plugins=pm, tmp=tmp_path)
    evaluate_all(db, pm, only=("assessment",), as_of=datetime.date(2025, 1, 31))
    row = db.execute("SELECT score, indicator_plugin FROM assessment_result "
                     "WHERE assessment_id = 'A1'").fetchone()
    # 果洛's 生态保护 township set: 德10 能10 勤15 绩20 廉10 落实10 生态保护成效25:
    # (900 + 800 + 1275 + 1600 + 900 + 800 + 2400) ÷ 100 = 8675 ÷ 100 = 86.75
    assert row == (86.75, "cadre_guoluo.plugin")


def test_a_scaffolded_prefecture_still_starts_from_a_general_set(tmp_path, capsys):
    code, _, err = run(capsys, "plugin", "new", "golog", "--jurisdiction", "632600",
                       "--dir", tmp_path)
    assert code == 0, err
    params = load_parameters(tmp_path / "cadre-golog" / "cadre_golog" / "parameters.yaml")
    assert params.has("indicators.township.tese")
    cases = (tmp_path / "cadre-golog" / "tests" / "golog.cases.yaml").read_text(encoding="utf-8")
    assert "indicator_plugin: cadre_golog.plugin" in cases


XINING_COUNTY_OVERLAY = """
indicators:
  城市治理:
    locality:
      ji: {description: 绩, unit: percent, values: {2024-01-01: {value: 30, reference: 示例, example: true}}}
      chengshi: {description: 城市治理成效, unit: percent, values: {2024-01-01: {value: 10, reference: 示例, example: true}}}
"""


def test_a_scaffolded_county_overlays_a_locality_positioning_set(tmp_path, capsys, monkeypatch):
    """The generated parameters.yaml says: state the weights you change under the positioning.
    西宁's 城市治理 sets are for 地方 and 部门: the generated hook registers whatever unit kinds
    the file has, not townships only."""
    code, _, err = run(capsys, "plugin", "new", "huangyuan-new", "--jurisdiction", "630123",
                       "--dir", tmp_path)
    assert code == 0, err
    package = tmp_path / "cadre-huangyuan-new"
    params = package / "cadre_huangyuan_new" / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8") + XINING_COUNTY_OVERLAY,
                      encoding="utf-8")
    monkeypatch.syspath_prepend(str(package))
    from cadre_xining.plugin import plugin as xining
    from cadre_huangyuan_new import plugin as county

    from cadre_sdk.formulas import SUBJECT_KEYS, UNIT_KIND_KEYS
    from cadre_sdk.testing import evaluate_all, load_rows, make_db, make_plugins

    pm = make_plugins(xining, county)
    assert sorted(r.key for r in pm.book.all("indicators") if r.jurisdiction == "630123") == [
        "个人:地方:城市治理", "班子:地方:城市治理"]
    db = make_db(tmp_path / "cadre.db", pm)
    records = {
        "unit": [{"单位代码": "U1", "单位名称": "湟源县测试局", "单位类别": "地方", "单位层级": "县",
                  "所在地区代码": "630123", "功能定位": "城市治理"}],
        "cadre": [{"干部编号": "C1", "姓名": "测试", "性别": "男", "出生年月": "1978.02",
                   "工作单位": "U1", "职务": "副县长"}],
        "assessment": [{"考核编号": "A1", "考核对象": "个人", "干部编号": "C1", "单位代码": "U1",
                        "年度": 2024, "考核周期": "年度"}],
        "indicator_score": [{"考核编号": "A1", "指标代码": k, "得分": v} for k, v in {
            "de": 90, "neng": 80, "qin": 90, "ji": 80, "lian": 90, "luoshi": 80,
            "chengshi": 70}.items()],
    }
    for kind, rows in records.items():
        load_rows(db, kind, rows, plugins=pm, tmp=tmp_path)
    evaluate_all(db, pm, only=("assessment",), as_of=datetime.date(2025, 1, 31))
    row = db.execute("SELECT score, indicator_plugin FROM assessment_result").fetchone()
    # 西宁's 城市治理 地方 set with 湟源's 绩 30 and 城市治理成效 10: 德15 能10 勤10 绩30 廉10
    # 落实15 城市治理成效10 (= 100): (1350 + 800 + 900 + 2400 + 900 + 1200 + 700) ÷ 100 = 82.5
    assert row == (82.5, "cadre_huangyuan_new.plugin")
    # the generated hook's general keys are the layout's (cadre_sdk.formulas.LocalPlugin)
    assert county.GENERAL == set(UNIT_KIND_KEYS.values()) | set(SUBJECT_KEYS.values())
