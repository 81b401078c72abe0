"""The plugin packages under ``plugins/`` are complete packages, and one installed with pip
shows in ``cadre plugins`` and takes effect in ``cadre evaluate`` with no change to the core;
``pip uninstall`` removes both.

A real ``pip install`` of cadre-sdk and cadre-guoluo (果洛州) from copies of their source into
a fresh virtual environment in a temporary folder. The SDK's dependencies are not downloaded
again: the new environment sees them, and only them, through a folder of links to the running
environment's copies; cadre-sdk and plugin packages installed there stay invisible, so only what
this test installs can be found.
"""
from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the copy pip vendors
    from pip._vendor import tomli as tomllib

from cadre_sdk.testing import make_plugins, write_csv

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "plugins" / "cadre-guoluo"
TOWNSHIP = "632621101"   # a township of 玛沁县, 果洛州

RECORDS = {
    "region": [{"地区代码": TOWNSHIP, "地区名称": "测试镇", "层级": "乡镇", "上级代码": "632621",
                "海拔": 4300, "艰苦边远类别": 5, "特别艰苦": "是"}],
    "unit": [{"单位代码": "U1", "单位名称": "测试镇党委", "单位类别": "乡镇", "单位层级": "乡镇",
              "所在地区代码": TOWNSHIP, "功能定位": "生态保护"}],
    "cadre": [{"干部编号": "C1", "姓名": "测试", "性别": "男", "出生年月": "1980.05",
               "工作单位": "U1", "职务": "干事"}],
    "posting": [{"履历编号": "P1", "干部编号": "C1", "起始时间": "2016.05", "职务": "干事",
                 "经历类型": "任职", "乡镇工作": "是"}],
    "attendance": [{"干部编号": "C1", "乡镇代码": TOWNSHIP, "月份": "2024-03", "在岗天数": 20}],
}
# township months before 2024-03: 2016-05 … 2024-02 = 94 → 7 full years; especially hard;
# altitude 4300 m; 20 days (above both attendance conditions).
PROVINCE_AMOUNT = 360.0  # province: tier "5 years" 260 + especially hard 100
GUOLUO_AMOUNT = 630.0    # 果洛: tier "5 years" 380 + especially hard 150 + altitude ≥ 4000 m 100


def _requirements(requires: list[str]) -> list[str]:
    """Distribution names of requirement strings, leaving out those only for an extra."""
    return [re.match(r"[A-Za-z0-9._-]+", r).group() for r in requires
            if not re.search(r"\bextra\s*==", r)]


def _dependency_links(folder: Path) -> Path:
    """A folder linking the files of cadre-sdk's dependencies (read from pyproject.toml, then
    recursively from the installed metadata) as the running environment has them."""
    folder.mkdir()
    def key(name: str) -> str:  # chinesecalendar is installed as chinese_calendar
        return re.sub(r"[-_.]+", "", name).lower()

    installed = {key(d.metadata["Name"]): d for d in importlib.metadata.distributions()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    todo, seen = _requirements(project["project"]["dependencies"]), set()
    while todo:
        name = key(todo.pop())
        if name in seen or name not in installed:
            continue
        seen.add(name)
        dist = installed[name]
        todo += _requirements(dist.requires or [])
        tops = {f.parts[0] for f in dist.files or () if f.parts[0] != ".."}
        for top in tops:
            target = Path(dist.locate_file(top))
            if target.exists() and not (folder / top).exists():
                (folder / top).symlink_to(target)
    return folder


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with cadre-sdk installed from a copy of this checkout."""
    tmp = tmp_path_factory.mktemp("pip")
    env_dir = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    purelib = subprocess.run([env_dir / "bin" / "python", "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], cwd=tmp,
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_cadre_test_dependencies.pth").write_text(
        str(_dependency_links(tmp / "dependencies")) + "\n", encoding="utf-8")
    sdk = tmp / "src" / "cadre-sdk"
    sdk.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, sdk / name)
    shutil.copytree(ROOT / "cadre_sdk", sdk / "cadre_sdk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    pip(env_dir, "install", "--no-deps", str(sdk))
    return env_dir


def clean_env() -> dict[str, str]:
    """The environment for the new venv's commands: no checkout on the path, no plugins dir."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "CADRE_PLUGINS_DIR", "PYTHONHOME")}


def pip(env_dir: Path, *args: str) -> str:
    result = subprocess.run([env_dir / "bin" / "python", "-m", "pip", "-q",
                             "--disable-pip-version-check", *args],
                            env=clean_env(), cwd=env_dir, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def cadre(env_dir: Path, *args: str) -> str:
    result = subprocess.run([env_dir / "bin" / "cadre", *map(str, args)], env=clean_env(),
                            cwd=env_dir, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def township_subsidy(env_dir: Path, folder: Path) -> tuple[float, str]:
    """Build a tiny store in ``folder``, evaluate it, and read C1's 2024-03 township subsidy."""
    folder.mkdir()
    db = folder / "cadre.db"
    cadre(env_dir, "init", db)
    for kind, rows in RECORDS.items():
        cadre(env_dir, "load", db, kind, write_csv(folder / f"{kind}.csv", rows))
    cadre(env_dir, "evaluate", db)
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT amount, rule_plugin FROM subsidy_ledger WHERE cadre_id = 'C1' "
                            "AND month = '2024-03' AND scheme = '乡镇工作岗位补助'").fetchone()


@pytest.mark.slow
def test_pip_install_makes_the_plugin_appear_and_take_effect_and_uninstall_reverts(venv, tmp_path):
    where = subprocess.run([venv / "bin" / "python", "-c", "import cadre_sdk; "
                            "print(cadre_sdk.__file__)"], env=clean_env(), check=True,
                           cwd=tmp_path, capture_output=True, text=True).stdout
    assert str(venv) in where  # the installed SDK, not this checkout

    assert "guoluo" not in cadre(venv, "plugins")
    assert township_subsidy(venv, tmp_path / "before") == (PROVINCE_AMOUNT,
                                                          "cadre_sdk.defaults.subsidies")

    source = tmp_path / "src" / "cadre-guoluo"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("__pycache__"))
    pip(venv, "install", "--no-deps", str(source))
    listed = [line for line in cadre(venv, "plugins").splitlines() if line.startswith("guoluo ")]
    assert listed == ["guoluo  0.1.0  jurisdiction=632600  [entry point]"]
    assert township_subsidy(venv, tmp_path / "installed") == (GUOLUO_AMOUNT, "guoluo")

    pip(venv, "uninstall", "-y", "cadre-guoluo")
    assert "guoluo" not in cadre(venv, "plugins")
    assert township_subsidy(venv, tmp_path / "uninstalled") == (PROVINCE_AMOUNT,
                                                               "cadre_sdk.defaults.subsidies")


PACKAGES = sorted(p.parent for p in (ROOT / "plugins").glob("cadre-*/pyproject.toml"))


def test_there_is_a_package_for_each_prefecture_and_golmud():
    codes = set()
    for package in PACKAGES:
        module = package.name.replace("-", "_")
        text = (package / module / "parameters.yaml").read_text(encoding="utf-8")
        codes.add(re.search(r'^  jurisdiction: "(\d{6})"', text, re.M).group(1))
    assert codes == {"630100", "630200", "632200", "632300", "632500", "632600", "632700",
                     "632800", "632801"}


@pytest.mark.parametrize("package", PACKAGES, ids=[p.name for p in PACKAGES])
def test_the_package_is_complete_and_honest_about_its_values(package, monkeypatch):
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    ((name, target),) = project["project"]["entry-points"]["cadre_sdk"].items()
    module_name = package.name.replace("-", "_")
    assert project["project"]["name"] == package.name == f"cadre-{name}"
    assert project["project"]["dependencies"] == ["cadre-sdk"]
    assert target == f"{module_name}.plugin:plugin"
    # every data file of the package is shipped in the wheel
    patterns = project["tool"]["setuptools"]["package-data"][module_name]
    source = package / module_name
    for path in source.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            relative = path.relative_to(source).as_posix()
            assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative
    # the entry point's object is a plugin serving the jurisdiction its parameters name
    monkeypatch.syspath_prepend(str(package))
    plugin = getattr(importlib.import_module(f"{module_name}.plugin"), "plugin")
    params = plugin.parameters
    info = make_plugins(plugin).infos[plugin.__name__]
    assert info.jurisdiction == params.metadata["jurisdiction"]
    assert "register_tolerance_variants" in info.hooks
    # nothing is presented as official that is not: a value whose reference calls it an
    # example or unpublished is marked example: true
    for path, values in params.leaves():
        for value in values:
            assert value.reference.strip(), f"{package.name}: {path} has no reference"
            if "示例" in value.reference or "未公开" in value.reference:
                assert value.example, f"{package.name}: {path} is not marked example: true"


MADUO = ROOT / "tests" / "fixtures" / "plugins" / "cadre-maduo"


@pytest.mark.slow
def test_a_county_overlay_installed_with_pip_inherits_from_its_prefectures_package(venv, tmp_path):
    """玛多县's fixture package (632626) states only 认定时限 20 个工作日 for 生态保护 cases; installed
    next to cadre-guoluo it keeps 果洛's dimension 生态影响 and decision rule."""
    for package in (PLUGIN, MADUO):
        source = tmp_path / "src" / package.name
        shutil.copytree(package, source, ignore=shutil.ignore_patterns("__pycache__"))
        pip(venv, "install", "--no-deps", str(source))
    try:
        shown = json.loads(cadre(venv, "rules", "show", "--jurisdiction", "632626", "--date",
                                 "2024-07-01", "--kind", "tolerance", "--json"))
    finally:
        pip(venv, "uninstall", "-y", "cadre-maduo", "cadre-guoluo")
    (ecology,) = [r for r in shown["rules"] if r["key"] == "生态保护"]
    assert (ecology["plugin"], ecology["jurisdiction"]) == ("maduo", "632626")
    assert ecology["dimensions"][-1] == "生态影响"
    assert ecology["inherits"]["dimensions"] == {"plugin": "guoluo", "jurisdiction": "632600"}
    assert ecology["inherits"]["decide"] == {"plugin": "guoluo", "jurisdiction": "632600"}
    assert "在自然保护地核心保护区违规审批或开发建设" in ecology["red_lines"]
    determine = {p["path"]: p for p in ecology["parameters"]}["tolerance.limits.determine"]
    assert (determine["value"], determine["plugin"]) == (20, "maduo")
