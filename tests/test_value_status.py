"""Every number says what it is (issue 17): statuses of parameter values and catalogue entries,
``cadre rules values`` / ``check``, and no machine path in a publication."""
import re
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.core.trace import parameter_record, render_text
from cadre_sdk.parameters import STATUSES, load_parameters, parse_parameters
from cadre_sdk.testing import make_plugins
from cadre_sdk.core.value_status import package_path, reference_problems

from clihelp import run

DEFAULTS = Path(__file__).parents[1] / "cadre_sdk" / "defaults"


def test_every_provincial_value_has_a_status():
    files = sorted((DEFAULTS / "parameters").glob("*.yaml"))
    assert len(files) == 5
    for file in files:
        for path, values in load_parameters(file).leaves():
            for pv in values:
                assert pv.status in STATUSES, f"{file.name}: {path} {pv.start}"


def test_every_provincial_catalogue_entry_has_a_status():
    book = make_plugins().book
    for kind in ("situation", "red_line"):
        entries = [r for r in book.all(kind) if r.jurisdiction == "630000"]
        assert entries and all(r.item.status in STATUSES for r in entries), kind
    # the up-or-down catalogue is the central stand-in: adopted by analogy, and says so
    for reg in book.all("situation"):
        assert reg.item.status == "analogy"
        assert "代替原文未查到的《青海省推进领导干部能上能下实施细则》" in reg.item.source


def test_the_values_the_issue_named_are_labelled():
    tolerance = load_parameters(DEFAULTS / "parameters" / "tolerance.yaml")
    for path in ("tolerance.limits.appeal_window", "tolerance.limits.appeal_decision"):
        assert tolerance.at(path, "2024-01-01").status == "analogy"
    assessment = load_parameters(DEFAULTS / "parameters" / "assessment.yaml")
    assert assessment.at("quota.excellent_share", "2019-12-31").status == "official"
    share_2024 = assessment.at("quota.excellent_share", "2024-12-31")
    assert (share_2024.value, share_2024.status) == (0.15, "unverified")
    assert assessment.at("consequences.excellent_years", "2024-12-31").status == "unverified"
    for file in (DEFAULTS / "parameters").glob("*.yaml"):
        assert "docs/data/REFERENCE.md" not in file.read_text(encoding="utf-8")


def test_status_is_checked_when_the_file_is_read():
    text = ("description: t\np:\n  values:\n    2020-01-01: {value: 1, reference: R, "
            "status: %s}\n")
    assert parse_parameters(text % "analogy").at("p", "2020-01-01").status == "analogy"
    with pytest.raises(ParameterError, match=r"^x\.yaml:4: unknown status 'oficial'.*"
                                             r"did you mean 'official'"):
        parse_parameters(text % "oficial", "x.yaml")
    both = "description: t\np:\n  values:\n    2020-01-01: {value: 1, reference: R, " \
           "example: true, status: official}\n"
    with pytest.raises(ParameterError, match="an example value has status example"):
        parse_parameters(both, "x.yaml")


def test_explanations_show_the_status_next_to_the_value():
    params = parse_parameters("description: t\na:\n  values:\n    2020-01-01: {value: 15, "
                              "reference: 《某规定》（2009）第五条, status: analogy}\n"
                              "b:\n  values:\n    2020-01-01: {value: 3, reference: 第三方资料, "
                              "status: unverified}\n", "t.yaml")
    entries = [parameter_record(params.at(p, "2021-01-01"), "plug")[2] for p in ("a", "b")]
    text = render_text({"subject": "s", "parameters": entries})
    assert "a = 15，自 2020-01-01 起施行；依据：参照：《某规定》（2009）第五条；插件 plug" in text
    assert "b = 3，自 2020-01-01 起施行；依据：未核实：第三方资料；插件 plug" in text


def test_files_are_cited_by_package_path():
    file = DEFAULTS / "parameters" / "tolerance.yaml"
    assert package_path(file) == "cadre_sdk/defaults/parameters/tolerance.yaml"
    assert package_path("/tmp/somewhere/local.yaml") == "local.yaml"


def test_references_that_do_not_resolve_are_reported():
    assert reference_problems(None, "x") == [
        "no status (official, analogy, example or unverified)"]
    assert "must name its source document" in reference_problems("official", "某规定")[0]
    assert reference_problems("official", "《某规定》见 cadre_sdk/defaults/data/SOURCES.md") == []
    (problem,) = reference_problems("unverified", "见 docs/data/REFERENCE.md", DEFAULTS)
    assert problem == "the reference names docs/data/REFERENCE.md, which does not exist"


def test_cadre_rules_values_lists_every_provincial_value_with_its_status(capsys):
    code, out, _ = run(capsys, "rules", "values", "--jurisdiction", "630000")
    assert code == 0
    lines = [ln for ln in out.splitlines() if not ln.startswith("#")]
    count = sum(len(v) for f in (DEFAULTS / "parameters").glob("*.yaml")
                for _, v in load_parameters(f).leaves())
    book = make_plugins().book
    count += sum(1 for k in ("situation", "red_line") for r in book.all(k)
                 if r.jurisdiction == "630000")
    assert len(lines) == count
    assert all(re.search(r"\[(official|analogy|example|unverified) ", ln) for ln in lines)
    assert ("tolerance.limits.appeal_window  2018-01-01  15  [analogy 参照适用]" in out)
    assert "能上能下情形目录：青海省《推进领导干部能上能下实施细则》" in out


def test_cadre_rules_check_passes_on_the_installed_plugins(capsys):
    code, out, _ = run(capsys, "rules", "check")
    assert code == 0, out
    assert "every value has a status and a reference that resolves" in out
    assert "warning" not in out


def test_cadre_rules_check_warns_on_a_value_without_status(capsys, tmp_path):
    (tmp_path / "local.yaml").write_text(
        "description: t\nx:\n  rate:\n    values:\n      2015-01-01: {value: 1, "
        "reference: 见 docs/missing.md}\n", encoding="utf-8")
    (tmp_path / "local_rule.py").write_text(
        "from pathlib import Path\nfrom cadre_sdk import SubsidyRule, hookimpl, load_parameters\n"
        "P = load_parameters(Path(__file__).with_name('local.yaml'))\n"
        "@hookimpl\ndef cadre_jurisdiction():\n    return '632600'\n"
        "@hookimpl\ndef register_subsidy_rules(register):\n"
        "    register(SubsidyRule(scheme='测试', compute=lambda e, ctx: None, parameters=P))\n",
        encoding="utf-8")
    code, out, _ = run(capsys, "--plugins-dir", tmp_path, "rules", "check")
    assert code == 0, out
    assert "warning: reference: local_rule: local.yaml:5: x.rate from 2015-01-01: no status" in out
    assert "the reference names docs/missing.md, which does not exist" in out


#: A machine's root folder at the start of a text or after a separator.
MACHINE_PATH = re.compile(r"(?:^|[\s\"'(（：:,，=;；])(?:/(?:home|tmp|work|usr|root|var|opt|mnt|"
                          r"Users|private|srv|data)\b|/[A-Za-z0-9_.-]+/|[A-Za-z]:\\)")


@pytest.mark.parametrize("level", ["public", "oversight"])
def test_no_machine_path_in_a_publication(level, public_db, oversight_db):
    path = public_db if level == "public" else oversight_db
    conn = sqlite3.connect(path)
    checked = 0
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        for column in columns:
            for (value,) in conn.execute(f"SELECT [{column}] FROM [{table}] "
                                         f"WHERE typeof([{column}]) = 'text'"):
                checked += 1
                assert not MACHINE_PATH.search(value), (table, column, value[:200])
    assert checked > 1000
    assert conn.execute("SELECT count(*) FROM provenance WHERE step = 'load'").fetchone()[0] > 0


@pytest.mark.parametrize("level", ["public", "oversight"])
def test_the_home_page_says_the_up_or_down_catalogue_is_the_central_stand_in(
        level, public_db, oversight_db):  # noqa: F811
    import html
    import json

    from cadre_sdk.defaults.adjustments import STAND_IN_ZH

    path = public_db if level == "public" else oversight_db
    meta = json.loads(Path(f"{path}.metadata.json").read_text(encoding="utf-8"))
    assert html.escape(STAND_IN_ZH) in meta["description_html"]
    assert "9 种问责情形、16 种不适宜担任现职情形原文未查到" in STAND_IN_ZH


def test_cadre_rules_list_and_show_end_with_the_stand_in_note(capsys):
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and out.rstrip().splitlines()[-1].startswith(
        "# note: 能上能下情形目录：青海省《推进领导干部能上能下实施细则》")
    code, out, _ = run(capsys, "rules", "show", "--jurisdiction", "632801", "--date",
                       "2024-07-01", "--kind", "subsidy")
    assert code == 0 and "note: 能上能下情形目录：" in out
