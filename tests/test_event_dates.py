"""Case events are append-only: `cadre load` refuses an event dated after the load's date
(`--as-of`, default today), since a mistyped future date could never be corrected and would
refuse every later event as dated before it."""
from __future__ import annotations

from pathlib import Path

import pytest

from clihelp import run

CASES = "案件编号,干部编号,管辖地区,案件类别,事由\nK1,C1,632626,其他,测试\n"


@pytest.fixture
def db(tmp_path, capsys) -> Path:
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    for kind, text in (
            ("单位", "单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,玛多县委组织部,部门,县,632626\n"),
            ("干部", "干部编号,姓名,性别,出生年月,工作单位,职务\nC1,才让,男,1980.05,U1,科员\n"),
            ("容错纠错案件", CASES),
            ("案件事件", "案件编号,序号,事件,日期\nK1,1,申请,2026-09-18\nK1,2,受理,2026-09-24\n")):
        file = tmp_path / f"{kind}.csv"
        file.write_text(text, encoding="utf-8")
        code, _, err = run(capsys, "load", path, kind, file, "--as-of", "2026-12-07")
        assert code == 0, err
    return path


def events_file(tmp_path: Path, date: str) -> Path:
    file = tmp_path / "认定.csv"
    file.write_text(f"案件编号,序号,事件,日期,认定结论\nK1,3,认定,{date},容错\n", encoding="utf-8")
    return file


def test_an_event_dated_after_the_load_date_is_refused(db, tmp_path, capsys):
    before = db.read_bytes()
    code, _, err = run(capsys, "load", db, "案件事件", events_file(tmp_path, "2062-10-20"),
                       "--as-of", "2026-12-07")
    assert code == 1
    assert "认定.csv:2: 日期: 事件日期 2062-10-20 晚于 2026-12-07（导入所依据的日期）" in err
    # a wrong date is corrected by a 更正 event (README, Corrections), not "never"
    assert "无法更正" not in err and "写错了只能另录一条“更正”事件" in err
    assert db.read_bytes() == before, "the database changed"
    # the right date still goes in, and the case can go on
    assert run(capsys, "load", db, "案件事件", events_file(tmp_path, "2026-10-20"),
               "--as-of", "2026-12-07")[0] == 0


def test_an_event_on_the_load_date_is_accepted(db, tmp_path, capsys):
    code, _, err = run(capsys, "load", db, "案件事件", events_file(tmp_path, "2026-12-07"),
                       "--as-of", "2026-12-07")
    assert code == 0, err
