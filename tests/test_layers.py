"""The layers are real: explicit wiring (one engine registry, after-load callbacks passed by the
caller, no silently skipped module), ``defaults=False`` means no defaults anywhere, and the
testing kit and the benchmarks work without pytest."""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cadre_sdk.engines import registry
from cadre_sdk.engines.cases.tolerance import Variants
from cadre_sdk.core.errors import PluginError
from cadre_sdk.testing import make_db, make_plugins, write_csv
from cadre_sdk.ingest.loader import load_files

ROOT = Path(__file__).resolve().parent.parent
NO_PYTEST = "import sys; sys.modules['pytest'] = None; "


def test_the_testing_kit_imports_without_pytest():
    done = subprocess.run([sys.executable, "-c", NO_PYTEST + "import cadre_sdk.testing as t; "
                           "print(sorted(n for n in ('make_db', 'make_plugins', 'load_rows', "
                           "'evaluate_all', 'write_csv') if hasattr(t, n)))"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(["evaluate_all", "load_rows", "make_db",
                                              "make_plugins", "write_csv"]))


def test_the_benchmarks_run_without_pytest():
    done = subprocess.run([sys.executable, "-c", NO_PYTEST + "import runpy; "
                           "sys.argv = ['benchmarks/run.py', '--help']; "
                           "runpy.run_path('benchmarks/run.py', run_name='__main__')"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "--scale" in done.stdout


def test_the_engines_are_listed_in_one_place():
    assert [registry.engine_name(m) for m in registry.ENGINES] == \
        ["assessment", "cases", "subsidies", "staffing"]
    assert set(registry.AFTER_LOAD) == {"case_event", "adjustment"}


def test_the_after_load_callbacks_are_the_engines_functions():
    # named by module and function, imported when their kind is loaded
    from cadre_sdk.engines.cases import adjustments, events, red_lines

    assert dict(registry.AFTER_LOAD) == {
        "case_event": (events.check_and_chain, red_lines.check_red_lines),
        "adjustment": (adjustments.check_situations,)}
    assert registry.AFTER_LOAD.get("unit") is None and len(registry.AFTER_LOAD) == 2


def test_the_loader_runs_only_the_callbacks_it_is_given(tmp_path):
    db = make_db(tmp_path / "cadre.db")
    seen = []

    def callback(db, keys_table, plugins):
        seen.append([r[0] for r in db.execute(f"SELECT code FROM {keys_table}")])
        return []

    units = write_csv(tmp_path / "u.csv", [{"单位代码": "U1", "单位名称": "某局", "单位类别": "部门",
                                             "单位层级": "县", "所在地区代码": "630102"}])
    load_files(db, "unit", [units], plugins=make_plugins())          # none given: none run
    assert seen == []
    load_files(db, "unit", [units], plugins=make_plugins(), after_load={"unit": [callback]})
    assert seen == [["U1"]]


def test_a_missing_command_module_is_an_error(monkeypatch):
    # A command's module is imported by name when the command is asked for: a module that
    # cannot be imported is an ImportError, not a command silently missing from the CLI.
    from cadre_sdk.cli.app import build_cli
    from cadre_sdk.cli.commands import all_commands

    monkeypatch.setitem(sys.modules, "cadre_sdk.cli.commands.verify", None)
    cli = build_cli(make_plugins())
    with pytest.raises(ImportError):
        cli.get_command(click.Context(cli), "verify")
    with pytest.raises(ImportError):
        all_commands()


def test_without_defaults_no_tolerance_variant_is_made_up():
    book = make_plugins(defaults=False).book
    with pytest.raises(PluginError, match="no tolerance variant applies"):
        Variants.resolve(book, "改革创新", "630102", datetime.date(2024, 6, 1))
    chosen = Variants.resolve(make_plugins().book, "改革创新", "630102", datetime.date(2024, 6, 1))
    assert chosen.primary.plugin == "cadre_sdk.defaults.tolerance"


def _copy_tree(tmp_path: Path) -> Path:
    """The package, the tools and pyproject.toml, copied (what the contract is checked on)."""
    root = tmp_path / "tree"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("cadre_sdk", "tools"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _restructure(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "tools" / "restructure.py"), "--root",
                           str(root), "--no-git"], capture_output=True, text=True)


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=root,
                          capture_output=True, text=True, env=env)


def test_the_layout_keeps_the_layers_contract_and_a_back_edge_breaks_it(tmp_path):
    # On a copy: bring it to the layout (a no-op once the tree has it), check the contract,
    # run the script again (nothing to do), then add a back-edge and see the contract fail.
    root = _copy_tree(tmp_path)
    first = _restructure(root)
    assert first.returncode == 0, first.stderr
    assert "UNPLANNED" not in first.stderr
    again = _restructure(root)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout
    kept = _lint_imports(root)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "1 kept, 0 broken" in kept.stdout
    errors = root / "cadre_sdk" / "core" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nimport cadre_sdk.cli.app  # a "
                      "back-edge\n", encoding="utf-8")
    broken = _lint_imports(root)
    assert broken.returncode != 0
    assert "cadre_sdk.core.errors -> cadre_sdk.cli.app" in broken.stdout


def test_the_restructuring_replays_over_modules_added_later(tmp_path):
    # What another branch may add before the script runs: a root module (reported, left where
    # it is) and an engine module with an engine's prefix (moved into that engine's package);
    # their imports of moved modules are rewritten either way.
    root = _copy_tree(tmp_path)
    (root / "cadre_sdk" / "late_module.py").write_text(
        "from cadre_sdk.ingest.loader import load_files\n", encoding="utf-8")
    (root / "cadre_sdk" / "engines" / "assessment_late.py").write_text(
        "from ..explain import Trace\nfrom cadre_sdk import loader\n", encoding="utf-8")
    done = _restructure(root)
    assert done.returncode == 1   # something is left to plan
    assert "UNPLANNED: cadre_sdk.late_module" in done.stderr
    assert (root / "cadre_sdk" / "late_module.py").read_text(encoding="utf-8") == \
        "from cadre_sdk.ingest.loader import load_files\n"
    moved = root / "cadre_sdk" / "engines" / "assessment" / "late.py"
    assert moved.read_text(encoding="utf-8") == \
        "from cadre_sdk.core.trace import Trace\nfrom cadre_sdk.ingest import loader\n"


def test_the_old_pytest_plugin_name_still_brings_the_fixtures(tmp_path):
    # ``pytest -p cadre_sdk.testing`` (what the docs said before the fixtures moved to
    # cadre_sdk.testing_fixtures) keeps working; the entry point is switched off to prove it.
    (tmp_path / "test_uses_fixtures.py").write_text(
        "def test_plugins(cadre_plugins, cadre_db):\n"
        "    assert cadre_plugins().book is not None and cadre_db['region'].count == 54\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:cadre_sdk", "-p", "cadre_sdk.testing", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
