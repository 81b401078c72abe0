"""Mistakes plugin authors make in their hooks' names, arguments, commands and entry-point
names: each is an English error naming the plugin, the hook, the file and line of the
function and the fix; the plugin is listed as FAILED TO LOAD and every other command keeps
working (only the commands that run rules refuse)."""
from __future__ import annotations

import pytest

from cadre_sdk import PluginError, hookimpl
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.testing import make_db

from clihelp import run

WRONG_ARGUMENT = '''from cadre_sdk import hookimpl


@hookimpl
def cadre_jurisdiction():
    return "630123"


@hookimpl
def register_subsidy_rules(reg):
    pass
'''

MISSPELT = '''from cadre_sdk import hookimpl


@hookimpl
def cadre_jurisdiction():
    return "630123"


@hookimpl
def register_subsidy_rule(register):
    pass
'''

COMMAND_CLASH = '''import click

from cadre_sdk import hookimpl


@hookimpl
def cadre_jurisdiction():
    return "630123"


@hookimpl
def register_commands(cli):
    @cli.command(name="kinds")
    def kinds():
        click.echo("the plugin's own kinds")
'''


def _folder(tmp_path, name, text):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


def _other_commands_work(capsys, folder):
    for args in (["--version"], ["--help"], ["kinds"], ["rules", "list"], ["rules", "values"],
                 ["plugins", "--hooks"]):
        code, _, err = run(capsys, "--plugins-dir", folder, *args)
        assert code == 0, (args, err)


def test_a_hook_with_an_argument_the_hook_does_not_pass(tmp_path, capsys):
    folder = _folder(tmp_path, "faulty_county", WRONG_ARGUMENT)
    _other_commands_work(capsys, folder)
    code, out, err = run(capsys, "--plugins-dir", folder, "plugins")
    assert code == 0 and "Traceback" not in out + err
    assert "faulty_county  FAILED TO LOAD  [plugins dir]" in out
    # line 9: the function's definition (its decorator line)
    assert (f"plugin 'faulty_county', hook register_subsidy_rules: register_subsidy_rules(reg) at "
            f"{folder / 'faulty_county.py'}:9 declares 'reg', which the hook does not pass Fix: "
            "write it as def register_subsidy_rules(register)") in out
    db = make_db(tmp_path / "cadre.db")
    db.conn.close()
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", tmp_path / "cadre.db")
    assert code == 1 and "failed to load, so nothing is evaluated" in err


def test_a_misspelt_hook_names_its_line_and_the_nearest_hook(tmp_path, capsys):
    folder = _folder(tmp_path, "faulty_county", MISSPELT)
    _other_commands_work(capsys, folder)
    code, out, _ = run(capsys, "--plugins-dir", folder, "plugins")
    assert code == 0 and "faulty_county  FAILED TO LOAD" in out
    assert (f"unknown hook 'register_subsidy_rule' at {folder / 'faulty_county.py'}:9 Fix: did you "
            "mean 'register_subsidy_rules'?") in out


def test_a_command_taking_a_used_name_leaves_the_sdks_commands_working(tmp_path, capsys):
    folder = _folder(tmp_path, "faulty_county", COMMAND_CLASH)
    code, out, err = run(capsys, "--plugins-dir", folder, "kinds")
    assert code == 0, err
    assert "the plugin's own kinds" not in out and "乡镇在岗记录" in out   # the SDK's command
    _other_commands_work(capsys, folder)
    code, out, _ = run(capsys, "--plugins-dir", folder, "plugins")
    assert "faulty_county  FAILED TO LOAD  [plugins dir]" in out
    assert (f"hook register_commands: replaced the command(s) ['kinds'] at "
            f"{folder / 'faulty_county.py'}:11 Fix: choose another name.") in out
    assert "faulty_county  0" not in out and "faulty_county  -" not in out   # not kept
    db = make_db(tmp_path / "cadre.db")
    db.conn.close()
    code, _, err = run(capsys, "--plugins-dir", folder, "evaluate", tmp_path / "cadre.db")
    assert code == 1 and "failed to load, so nothing is evaluated" in err


class _Named:
    def __init__(self, code):
        self.__name__, self.code = "huangyuan", code

    @hookimpl
    def cadre_jurisdiction(self):
        return self.code


def test_two_plugins_with_one_name_are_both_left_out_and_both_named():
    first, second = _Named("630123"), _Named("630121")
    with pytest.raises(PluginError, match="a plugin named 'huangyuan' is already registered"):
        get_plugin_manager(plugins=[first, second], entry_points=False, plugins_dir="")
    plugins = get_plugin_manager(plugins=[first, second], entry_points=False, plugins_dir="",
                                 keep_going=True)
    assert "huangyuan" not in plugins.infos        # never a silent choice between the two
    assert plugins.pm.get_plugin("huangyuan") is None
    error = plugins.broken["huangyuan"]
    assert "(by code; again by code): neither is used" in str(error)
    assert "uninstall one of them, or rename one entry point" in str(error)


def test_a_plugin_named_like_a_built_in_one_does_not_remove_it():
    impostor = _Named("630123")
    impostor.__name__ = "cadre_sdk.defaults.subsidies"
    with pytest.raises(PluginError, match="already registered"):
        get_plugin_manager(plugins=[impostor], entry_points=False, plugins_dir="",
                           keep_going=True)


def test_rules_values_and_check_report_the_others_when_one_plugin_failed(tmp_path, capsys):
    folder = _folder(tmp_path, "faulty_county", "VALUE = 1 / 0\n")
    code, out, err = run(capsys, "--plugins-dir", folder, "rules", "values")
    assert code == 0, err
    assert "warning: plugin 'faulty_county' failed to load, its values are missing" in err
    assert "township_post.min_days" in out            # the provincial values are listed
    code, out, err = run(capsys, "--plugins-dir", folder, "rules", "check")
    assert code == 1 and "broken: plugin 'faulty_county' failed to load" in out
    assert "so nothing is evaluated" not in err         # the other checks ran to the end


UNMARKED = '''from cadre_sdk import CannedQuery, hookimpl


@hookimpl
def cadre_jurisdiction():
    return "630123"


def register_queries(register):
    register(CannedQuery(name="unmarked_rows", title="x", sql="SELECT 1"))
'''


def test_a_hook_without_hookimpl_is_a_warning_naming_its_line(tmp_path, capsys):
    folder = _folder(tmp_path, "faulty_county", UNMARKED)
    warning = (f"warning: plugin 'faulty_county': register_queries at "
               f"{folder / 'faulty_county.py'}:9 is not marked @hookimpl, so it is never called. "
               "Fix: put @hookimpl (from cadre_sdk) on the line above it.")
    code, out, _ = run(capsys, "--plugins-dir", folder, "plugins")
    assert code == 0 and warning in out
    assert "faulty_county  -  jurisdiction=630123" in out      # it loaded
    code, out, _ = run(capsys, "--plugins-dir", folder, "rules", "check")
    assert warning in out
