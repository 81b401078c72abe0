"""What the CLI imports at start-up: ``cadre publish`` (and every other command but ``serve``)
never needs Datasette, whose import (its unit registry) costs ~1.2 s CPU."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] "
                                      "for m in sys.modules})))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_cli_starts_without_datasette() -> None:
    modules = _imported_after("from cadre_sdk.cli.app import build_cli\n"
                              "from cadre_sdk.plugin_host.discovery import get_plugin_manager\n"
                              "build_cli(get_plugin_manager(keep_going=True))")
    assert "cadre_sdk" in modules
    assert "datasette" not in modules


def test_serve_defaults_are_the_apps() -> None:
    from cadre_sdk.publish import app, serve_defaults
    assert (app.DEFAULT_USER, app.PASSWORD_ENV, app.default_workers) == (
        serve_defaults.DEFAULT_USER, serve_defaults.PASSWORD_ENV, serve_defaults.default_workers)
    assert serve_defaults.default_workers() >= 1


#: What neither ``cadre publish`` nor ``cadre load`` imports: the other commands' modules, the
#: server, the demo, the engines' runner.
_NEVER = ("datasette", "cadre_sdk.demo", "cadre_sdk.engines.evaluate",
          "cadre_sdk.cli.commands.evaluate", "cadre_sdk.cli.commands.calendar",
          "cadre_sdk.cli.commands.rules", "cadre_sdk.cli.commands.demo",
          "cadre_sdk.cli.commands.scaffold", "cadre_sdk.cli.commands.verify",
          "cadre_sdk.cli.commands.schemas", "cadre_sdk.publish.app", "fastjsonschema",
          "chinese_calendar")
#: What ``cadre publish`` does not import besides: the loader, the file readers, the
#: spreadsheet libraries, the engines' registry (it reads only their tables' labels).
PUBLISH_NEVER = _NEVER + ("cadre_sdk.cli.commands.data", "cadre_sdk.cli.commands.lrmx_report",
                          "cadre_sdk.ingest.loader", "cadre_sdk.ingest.readers",
                          "cadre_sdk.ingest.lrmx", "cadre_sdk.engines.registry",
                          "cadre_sdk.engines.cases.engine", "cadre_sdk.engines.cases.events",
                          "openpyxl", "python_calamine")
#: What ``cadre load`` of a CSV file of units does not import besides: the publication, the
#: xlsx readers, the engines proper (their tables' schema modules only, and the callbacks of
#: the kinds it loads: none for units).
LOAD_NEVER = _NEVER + ("cadre_sdk.publish", "cadre_sdk.cli.commands.publish",
                       "cadre_sdk.engines.registry", "cadre_sdk.engines.cases.events",
                       "openpyxl", "python_calamine")
#: The engines proper: neither command imports one (opening a store imports the engines'
#: ``schema`` modules, which declare their tables).
ENGINES = ("cadre_sdk.engines.assessment.engine", "cadre_sdk.engines.subsidies.engine",
           "cadre_sdk.engines.staffing.engine", "cadre_sdk.engines.cases.engine")


def _modules_of_run(args: list[str], cwd: Path) -> set[str]:
    """Every module a fresh ``cadre ARGS`` process holds when it ends (after a clean exit)."""
    code = ("import sys\nfrom cadre_sdk.cli.app import main\n"
            f"main({args!r})\nprint('\\n'.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def _imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


def test_load_and_publish_import_only_what_they_use(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
                                    "U1,某局,部门,县,630102\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cadre_sdk", "init", "s.db"], cwd=tmp_path,
                   check=True, capture_output=True)
    loaded = _modules_of_run(["load", "s.db", "unit", "u.csv"], tmp_path)
    assert "cadre_sdk.ingest.loader" in loaded and "cadre_sdk.cli.commands.data" in loaded
    assert _imported(loaded, LOAD_NEVER + ENGINES) == []
    for level in ("public", "oversight"):
        published = _modules_of_run(["publish", "s.db", f"{level}.db", "--level", level],
                                    tmp_path)
        assert (tmp_path / f"{level}.db").exists()
        assert "cadre_sdk.publish.build" in published
        assert _imported(published, PUBLISH_NEVER + ENGINES) == []


def test_the_command_table_is_the_commands() -> None:
    # ``cadre --help`` lists the commands from COMMAND_TABLE without importing them: every SDK
    # command is in it, under its own module, with the first paragraph of its help (all that
    # click shortens into the listing), and none is hidden, deprecated or given a short_help.
    from cadre_sdk.cli.commands import COMMAND_TABLE, MODULES, command_module

    real = {(c.name, m): c for m in MODULES for c in command_module(m).COMMANDS}
    assert sorted(real) == sorted((name, module) for name, module, _ in COMMAND_TABLE)
    for name, module, text in COMMAND_TABLE:
        command = real[name, module]
        assert text == " ".join((command.help or "").partition("\n\n")[0].split())
        assert (command.short_help, command.hidden, command.deprecated) == (None, False, False)


def test_the_listing_is_the_same_once_every_command_is_imported() -> None:
    import click

    from cadre_sdk.cli.app import build_cli
    from cadre_sdk.testing import make_plugins

    cli = build_cli(make_plugins())
    for width in (40, 80, 200):
        ctx = click.Context(cli, info_name="cadre", terminal_width=width)
        lazy = cli.get_help(ctx)
        assert "\n  publish     Build" in lazy and "\n  verify      Verify" in lazy
        for name in cli.list_commands(ctx):
            cli.get_command(ctx, name)
        assert cli.lazy == {}
        assert cli.get_help(ctx) == lazy
        cli = build_cli(make_plugins())


def test_publish_reads_every_label_without_the_engines() -> None:
    # ``cadre publish`` imports only the modules that label tables (engines/labels.py), not the
    # engines: it must see the same labels as a process that imported every command and engine.
    every = ("import cadre_sdk.cli.commands as c; c.all_commands()\n"
             "from cadre_sdk.engines import registry\n"
             "from cadre_sdk.store.database import _import_engine_sets; _import_engine_sets()\n"
             "from cadre_sdk.store.table_labels import all_described as labels\n")
    publish = ("import cadre_sdk.cli.commands.publish\n"
               "from cadre_sdk.engines.labels import table_labels as labels\n")
    show = "print(sorted((t, repr(v)) for t, v in labels().items()))"

    def run(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code + show], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout

    assert run(publish) == run(every)
    assert "'calendar_year'" in run(publish) and "'subsidy_line'" in run(publish)


def test_a_mistyped_command_is_told_the_nearest_name() -> None:
    # click suggests from the commands a group holds; the lazy group holds few until one runs
    from click.testing import CliRunner

    from cadre_sdk.cli.app import build_cli
    from cadre_sdk.testing import make_plugins

    done = CliRunner().invoke(build_cli(make_plugins()), ["publsh"], prog_name="cadre")
    assert done.exit_code == 2
    assert "No such command 'publsh'. Did you mean 'publish'?" in done.output
