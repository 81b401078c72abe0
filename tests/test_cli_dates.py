"""The CLI's date options take dates as users write them (2027.03.01, 2027年1月1日) and refuse
an impossible one in Chinese, the same way for `evaluate --as-of`, `rules show --date`,
`rules check --stale-before` and `load --as-of`."""
from __future__ import annotations

import pytest

from clihelp import run


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    return path


def test_evaluate_takes_a_dotted_date(db, capsys):
    code, out, err = run(capsys, "evaluate", db, "--as-of", "2027.03.01", "--only", "cases")
    assert code == 0, err
    assert "测算基准日：2027-03-01\n" in out


@pytest.mark.parametrize("args", [
    ("evaluate", "{db}", "--as-of"),
    ("rules", "show", "--jurisdiction", "632626", "--date"),
    ("rules", "check", "--stale-before"),
    ("load", "{db}", "干部", "{file}", "--as-of"),
])
def test_an_impossible_date_is_refused_in_chinese(db, tmp_path, capsys, args):
    file = tmp_path / "c.csv"
    file.write_text("干部编号,姓名,性别,出生年月,工作单位,职务\n", encoding="utf-8")
    code, _, err = run(capsys, *(a.format(db=db, file=file) for a in args), "2027-02-30")
    assert code == 2
    assert "2027年2月只有28天，日应为 1–28" in err
    assert "does not match the format" not in err


def test_rules_show_takes_a_date_written_in_chinese(capsys):
    code, out, err = run(capsys, "rules", "show", "--jurisdiction", "632626",
                         "--date", "2027年1月1日", "--kind", "tolerance")
    assert code == 0, err
    assert "on 2027-01-01" in out


def test_load_takes_a_dotted_as_of(db, tmp_path, capsys):
    units = tmp_path / "u.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,玛多县委组织部,部门,县,632626\n",
                     encoding="utf-8")
    assert run(capsys, "load", db, "单位", units)[0] == 0
    file = tmp_path / "c.csv"
    file.write_text("干部编号,姓名,性别,出生年月,工作单位,职务\nC1,才让,男,2026.12,U1,科员\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "load", db, "干部", file, "--as-of", "2026.11.30")
    assert code == 1
    assert "出生年月“2026-12”晚于 2026-11（导入所依据的日期）" in err
