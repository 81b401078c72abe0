"""``cadre parameters add`` / ``list`` as a user runs them: add, correct (the replacement is
printed), list, evaluate, and ``cadre rules show --db`` naming the stored file as the source of
the value; a bad file refused in Chinese with nothing stored (docs/parameters.md)."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cadre_sdk.cli.app import build_cli
from cadre_sdk.store.stored_parameters import stored_files
from cadre_sdk.testing import make_plugins
from clihelp import run
from test_stored_parameters import PROVINCE_2027, _ledger, _write, hard_township_store


@pytest.fixture
def hard_township(cadre_db, cadre_load):
    return hard_township_store(cadre_db, cadre_load)


def test_re_adding_a_corrected_file_replaces_it_visibly(hard_township, cadre_evaluate, tmp_path):
    cli = build_cli(make_plugins())
    db = tmp_path / "cadre.db"
    assert Path(hard_township.conn.execute("PRAGMA database_list").fetchone()[2]) == db
    path = _write(tmp_path, "qh-2027.yaml", PROVINCE_2027.replace("value: 150", "value: 15"))
    out = CliRunner().invoke(cli, ["parameters", "add", str(db), str(path)])
    assert out.exit_code == 0, out.output
    assert "已录入 qh-2027.yaml：规则“乡镇工作岗位补助”（补贴），管辖 630000 青海省" in out.output
    # the corrected file, under another name but for the same rule and dates, replaces it
    fixed = _write(tmp_path, "qh-2027-修订.yaml", PROVINCE_2027)
    out = CliRunner().invoke(cli, ["parameters", "add", str(db), str(fixed)])
    assert out.exit_code == 0, out.output
    assert "替换了" in out.output and "qh-2027.yaml" in out.output
    assert "township_post.especially_hard_bonus 自 2027-01-01：取值 15 → 150" in out.output
    listed = CliRunner().invoke(cli, ["parameters", "list", str(db)]).output
    assert "qh-2027-修订.yaml  规则“乡镇工作岗位补助”（补贴）" in listed and "qh-2027.yaml " not in listed
    # the rules a file may name, by kind, by the names an office writes (no code `*`)
    assert "可录入参数的规则（按类别；参数文件 metadata.rule 写其名称）：" in listed
    assert "\n  补贴：乡镇工作岗位补助、地区附加津贴\n" in listed
    assert "\n  容错纠错规则：容错纠错\n" in listed and "*" not in listed
    assert "\n  计分公式：个人计分公式、班子计分公式\n" in listed
    assert "township_post.especially_hard_bonus = 150 元" not in listed   # no unit stated
    assert "township_post.especially_hard_bonus = 150（自 2027-01-01 起" in listed
    out = CliRunner().invoke(cli, ["evaluate", str(db), "--only", "subsidies", "--as-of",
                                   "2027-02-01", "--no-compact"])
    assert out.exit_code == 0, out.output
    assert "已叠加录入的参数文件：qh-2027-修订.yaml" in out.output
    assert _ledger(hard_township)[("2027-01", "乡镇工作岗位补助")][0] == 570.0
    # rules show --db names the stored file as the value's source, the day it applies
    shown = json.loads(CliRunner().invoke(cli, [
        "rules", "show", "--jurisdiction", "632221", "--date", "2027-01-01", "--kind",
        "subsidy", "--db", str(db), "--json"]).output)
    (rule,) = [r for r in shown["rules"] if r["key"] == "乡镇工作岗位补助"]
    values = {p["path"]: p for p in rule["parameters"]}
    bonus = values["township_post.especially_hard_bonus"]
    assert (bonus["value"], bonus["file"]) == (150, "qh-2027-修订.yaml")
    assert bonus["plugin"].startswith("录入文件 qh-2027-修订.yaml（")
    assert values["township_post.min_days"]["plugin"] == "cadre_sdk.defaults.subsidies"
    # rules values --db lists the stored file's values with their status and reference
    values = CliRunner().invoke(cli, ["rules", "values", "--jurisdiction", "630000", "--db",
                                      str(db)]).output
    assert "# qh-2027-修订.yaml  (录入文件 qh-2027-修订.yaml（" in values
    assert ("township_post.especially_hard_bonus  2027-01-01  150  [example 示例值]  "
            "《青海省乡镇工作补贴标准调整通知（测试）》") in values
    # the day before, the plugins' value
    shown = json.loads(CliRunner().invoke(cli, [
        "rules", "show", "--jurisdiction", "632221", "--date", "2026-12-31", "--kind",
        "subsidy", "--db", str(db), "--json"]).output)
    (rule,) = [r for r in shown["rules"] if r["key"] == "乡镇工作岗位补助"]
    assert {p["path"]: p["value"] for p in rule["parameters"]}[
        "township_post.especially_hard_bonus"] == 100


def test_the_cli_refuses_a_bad_file_in_chinese_and_stores_nothing(hard_township, tmp_path,
                                                                   capsys):
    db = tmp_path / "cadre.db"
    path = _write(tmp_path, "bad.yaml", PROVINCE_2027.replace("status: example}", "}"))
    code, out, err = run(capsys, "parameters", "add", db, path)
    assert code == 1
    assert "bad.yaml:20: 参数“township_post.especially_hard_bonus”自 2027-01-01 起的取值缺少 status" \
        in out + err
    assert stored_files(hard_township) == []


def test_a_stored_file_can_be_removed_and_the_plugins_value_applies_again(
        hard_township, cadre_evaluate, tmp_path, capsys):
    db = tmp_path / "cadre.db"
    path = _write(tmp_path, "qh-2027.yaml", PROVINCE_2027)
    assert run(capsys, "parameters", "add", db, path)[0] == 0
    code, out, err = run(capsys, "parameters", "remove", db, "qh-2026.yaml")
    assert code == 1 and "没有录入名为“qh-2026.yaml”的参数文件；已录入的文件：qh-2027.yaml" in out + err
    assert len(stored_files(hard_township)) == 1
    # named by the path it was added from, as the clerk typed it for `add`
    code, out, _ = run(capsys, "parameters", "remove", db, path)
    assert code == 0 and "已删除 qh-2027.yaml（规则“乡镇工作岗位补助”，管辖 630000 青海省" in out
    assert stored_files(hard_township) == []
    cadre_evaluate(hard_township, make_plugins(), only=("subsidies",),
                   as_of=datetime.date(2027, 2, 1))
    # 2027-01 back to the built-in values: tier 10 = 320 + bonus 100
    assert _ledger(hard_township)[("2027-01", "乡镇工作岗位补助")][0] == 420.0


def test_a_subsidy_value_dated_mid_month_is_said_to_apply_from_the_next_month(
        hard_township, cadre_evaluate, tmp_path, capsys):
    """Subsidies take the values in force on the 1st of each month: a bonus from 2027-01-15
    leaves January's bonus as it was (C1, 10 years: the file's tier 420 from 2027-01-01 + the
    old bonus 100 = 520), and the command says it applies from 2027-02, not "from the month
    of its start date"."""
    db = tmp_path / "cadre.db"
    path = _write(tmp_path, "mid.yaml", PROVINCE_2027.replace("2027-01-01: {value: 150",
                                                              "2027-01-15: {value: 150"))
    code, out, err = run(capsys, "parameters", "add", db, path)
    assert code == 0, err
    assert "township_post.especially_hard_bonus 自 2027-01-15 起的取值自 2027-02 起适用" in out
    assert "起始日期所在月份起适用" not in out
    cadre_evaluate(hard_township, make_plugins(), only=("subsidies",),
                   as_of=datetime.date(2027, 2, 1))
    # January: the file's tiers (from 2027-01-01: tier 10 = 420) + the old bonus 100
    assert _ledger(hard_township)[("2027-01", "乡镇工作岗位补助")][0] == 520.0


def test_publishing_after_a_file_changed_since_the_evaluation_says_so(
        hard_township, cadre_evaluate, tmp_path, capsys):
    """The ledger keeps the removed file's amounts until the next evaluation: publishing then
    says which files were added or removed since, and that the results are the old ones."""
    db = tmp_path / "cadre.db"
    assert run(capsys, "parameters", "add", db, _write(tmp_path, "qh-2027.yaml",
                                                        PROVINCE_2027))[0] == 0
    cadre_evaluate(hard_township, make_plugins(), only=("subsidies",),
                   as_of=datetime.date(2027, 2, 1))
    out = tmp_path / "oversight.db"
    code, _, err = run(capsys, "publish", db, out, "--level", "oversight", "--as-of",
                       "2027-02-01")
    assert code == 0 and "测算之后" not in err
    assert run(capsys, "parameters", "remove", db, "qh-2027.yaml")[0] == 0
    # still the file's tier 420 + bonus 150 for 2027-01
    assert _ledger(hard_township)[("2027-01", "乡镇工作岗位补助")][0] == 570.0
    code, _, err = run(capsys, "publish", db, out, "--level", "oversight", "--as-of",
                       "2027-02-01")
    assert code == 0
    assert ("注意：最近一次测算之后删除了参数文件 qh-2027.yaml：发布的测算结果仍按测算时的取值。"
            f"请先运行 cadre evaluate {db}，再重新发布。") in err
    cadre_evaluate(hard_township, make_plugins(), only=("subsidies",),
                   as_of=datetime.date(2027, 2, 1))
    assert "测算之后" not in run(capsys, "publish", db, out, "--level", "oversight",
                                 "--as-of", "2027-02-01")[2]
