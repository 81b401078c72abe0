"""The core CLI commands as a user runs them."""
from clihelp import run


def test_plugins_lists_name_version_jurisdiction_hooks(capsys):
    code, out, _ = run(capsys, "plugins")
    assert code == 0
    assert "cadre_sdk.defaults.province" in out and "jurisdiction=630000" in out
    assert "validate_record" in out


def test_plugins_hooks_lists_every_hookspec(capsys):
    from cadre_sdk import hookspecs

    code, out, _ = run(capsys, "plugins", "--hooks")
    names = {n for n in dir(hookspecs) if n.startswith(("register_", "validate_", "cadre_"))}
    assert code == 0 and names <= set(out.split())


PARAMS = """
x:
  rate:
    values:
      2015-01-01: {value: 200, reference: "test"}
"""


def write_plugins(tmp_path, second_priority=""):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "params.yaml").write_text(PARAMS, encoding="utf-8")
    for name, prio in (("first", ""), ("second", second_priority)):
        (folder / f"{name}.py").write_text(
            "from pathlib import Path\n"
            "from cadre_sdk import hookimpl, StaffingRule, GradeQuota, load_parameters\n"
            "@hookimpl\ndef cadre_jurisdiction():\n    return '632800'\n"
            "@hookimpl\ndef register_scoring(register):\n"
            "    p = load_parameters(Path(__file__).parent / 'params.yaml')\n"
            f"    register(GradeQuota(grade='优秀', share='x.rate', parameters=p{prio}))\n",
            encoding="utf-8")
    return folder


def test_rules_check_reports_conflict(tmp_path, capsys):
    folder = write_plugins(tmp_path)
    code, out, _ = run(capsys, "--plugins-dir", folder, "rules", "check")
    assert code == 1
    assert "conflict: grade_quota rule '优秀' for jurisdiction 632800" in out
    assert "first, second" in out


def test_rules_check_passes_with_priority_and_reports_stale(tmp_path, capsys):
    folder = write_plugins(tmp_path, second_priority=", priority=1")
    code, out, _ = run(capsys, "--plugins-dir", folder, "rules", "check")
    assert code == 0 and "no conflicts" in out
    code, out, _ = run(capsys, "--plugins-dir", folder, "rules", "check",
                       "--stale-before", "2020-01-01")
    assert code == 1 and "x.rate newest value from 2015-01-01" in out


def test_schemas_export(tmp_path, capsys):
    code, out, _ = run(capsys, "schemas", "export", tmp_path)
    assert code == 0 and (tmp_path / "cadre.schema.json").exists()


def test_kinds_lists_chinese_headers(capsys):
    code, out, _ = run(capsys, "kinds", "干部")
    assert code == 0 and "出生年月" in out and "身份证号" in out


def test_register_commands_adds_a_command(tmp_path, capsys):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "hello.py").write_text(
        "import click\nfrom cadre_sdk import hookimpl\n"
        "@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command()\n    def hello():\n        'Say hello.'\n        click.echo('你好')\n",
        encoding="utf-8")
    code, out, _ = run(capsys, "--plugins-dir", folder, "hello")
    assert code == 0 and out.strip() == "你好"


def test_register_commands_cannot_replace_a_core_command(tmp_path, capsys):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "greedy.py").write_text(
        "import click\nfrom cadre_sdk import hookimpl\n"
        "@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command(name='load')\n    def mine():\n        pass\n", encoding="utf-8")
    code, out, _ = run(capsys, "--plugins-dir", folder, "plugins")
    # the plugin is left out (listed as failed); the SDK's commands keep working
    assert code == 0 and "greedy  FAILED TO LOAD" in out
    assert "hook register_commands: replaced the command(s) ['load']" in out
    code, out, _ = run(capsys, "--plugins-dir", folder, "load", "--help")
    assert code == 0 and "--dry-run" in out


def test_usage_errors_carry_a_chinese_line(tmp_path, capsys):
    # click's own messages are English; a clerk also reads what is wrong in Chinese.
    code, out, err = run(capsys, "load")
    assert code == 2 and "用法有误：缺少参数 DB。用法见 cadre load --help。" in err
    code, out, err = run(capsys, "load", tmp_path / "c.db", "干部", tmp_path / "a.csv",
                         "--regoin", "玉树市")
    assert code == 2 and "用法有误：没有选项 --regoin（是否是 --region？）。" in err
    code, out, err = run(capsys, "schemas", "干部")
    assert code == 2 and "用法有误：没有这个命令。用法见 cadre schemas --help。" in err
