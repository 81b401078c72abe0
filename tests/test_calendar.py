"""The calendar as data: year files (checked with file:line, stored with provenance), years
registered by plugins, the ``cadre calendar`` command, and provisional (暂定) deadlines for a year
nobody has supplied, which become final once the year is added."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cadre_sdk.store import explanations
from cadre_sdk import hookimpl
from cadre_sdk.store.calendar import add_year_file, calendar_for, known_years
from cadre_sdk.core.calendar_years import (
    CalendarFileError, YearSchedule, builtin_years, read_year_file,
)
from cadre_sdk.cli.app import build_cli, main
from cadre_sdk.core.errors import PluginError, RuleConflict
from cadre_sdk.core.trace import render_text
from cadre_sdk.testing import make_plugins

from case_data import case_row, db_path, ev, evaluate, people, rows

D = datetime.date
FIXTURES = Path(__file__).parent / "fixtures" / "calendar"
#: A hand-written TEST FIXTURE in the shape of the 2026 notice, not official data.
Y2027 = FIXTURES / "2027-test-fixture.yaml"
LAST_BUILTIN = max(builtin_years())


def test_the_package_years_are_the_default_and_2026_is_the_notice():
    years = builtin_years()
    # 《国务院办公厅关于2026年部分节假日安排的通知》 (2025-11-04): National Day Oct 1–7 off,
    # Sun Sep 20 and Sat Oct 10 working days; Spring Festival Feb 15–23, Feb 14 and 28 working.
    y2026 = years[2026]
    assert {D(2026, 10, d) for d in range(1, 8)} <= y2026.holidays
    assert {D(2026, 9, 20), D(2026, 10, 10), D(2026, 2, 14), D(2026, 2, 28)} <= y2026.workdays
    assert y2026.source.startswith("chinesecalendar")


def test_the_2027_fixture_reads_as_written():
    got = read_year_file(Y2027)
    assert got.year == 2027 and got.status == "example"
    assert got.notice_date == D(2026, 11, 4) and got.notice_number is None
    # 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 1 + 中秋 1 + 国庆 7 = 29 days off
    assert len(got.holidays) == 29
    assert got.workdays == {D(2027, 1, 31), D(2027, 2, 20), D(2027, 4, 25), D(2027, 5, 8),
                            D(2027, 9, 26), D(2027, 10, 9)}


@pytest.mark.parametrize("name, line, words", [
    ("holiday-and-workday.yaml", 17, "2027-02-13 既列为放假日又列为调休上班日"),
    ("outside-year.yaml", 23, "日期 2028-06-09 不在 2027 年内"),
    ("weekday-makeup.yaml", 22, "调休上班日 2027-04-26 是星期一，不是周末"),
    ("unknown-key.yaml", 18, "未知的键“until”"),
    ("bad-date.yaml", 24, "“2027-09-31”不是有效日期"),
    ("duplicate-key.yaml", 6, "键“year”重复"),
    ("not-yaml.yaml", None, "YAML 格式错误"),
])
def test_a_bad_year_file_is_refused_with_file_line_and_nothing_stored(
        name, line, words, cadre_db, capsys):
    path = FIXTURES / "bad" / name
    with pytest.raises(CalendarFileError) as info:
        read_year_file(path)
    message = str(info.value)
    assert words in message
    if line is not None:
        assert message.startswith(f"{path}:{line}: ")
    else:
        assert message.startswith(f"{path}:")
    # Through the CLI, on a store: an error in Chinese, and the database byte-identical.
    store = db_path(cadre_db)
    cadre_db.conn.close()
    before = store.read_bytes()
    with pytest.raises(SystemExit) as done:
        main(["calendar", "add", str(store), str(path)])
    err = capsys.readouterr().err
    assert done.value.code != 0
    assert err.startswith("错误：") and words in err and str(path) in err
    assert store.read_bytes() == before


OFFICIAL_2028 = """year: 2028
status: official
notice: {{title: 國務院辦公廳關於2028年部分節假日安排的通知}}
holidays:
{festivals}"""
#: A made-up 2028 in Traditional characters, 中秋 and 国庆 off together (as in the 2025 notice).
FESTIVALS_2028 = [
    "  - {name: 元旦, from: 2028-01-01, to: 2028-01-03}",
    "  - {name: 春節, from: 2028-01-25, to: 2028-02-02}",
    "  - {name: 清明節, from: 2028-04-02, to: 2028-04-04}",
    "  - {name: 勞動節, from: 2028-05-01, to: 2028-05-05}",
    "  - {name: 端午節, from: 2028-05-28, to: 2028-05-30}",
    "  - {name: 國慶節、中秋節, from: 2028-10-01, to: 2028-10-08}",
]


def test_an_official_year_must_list_every_festival(tmp_path):
    whole = tmp_path / "2028.yaml"
    whole.write_text(OFFICIAL_2028.format(festivals="\n".join(FESTIVALS_2028)), encoding="utf-8")
    assert len(read_year_file(whole).holidays) == 3 + 9 + 3 + 5 + 3 + 8
    # written in steps: only New Year's Day so far; as official it would make 2028 final
    # without its Spring Festival
    partial = tmp_path / "2028-partial.yaml"
    partial.write_text(OFFICIAL_2028.format(festivals=FESTIVALS_2028[0]), encoding="utf-8")
    with pytest.raises(CalendarFileError) as info:
        read_year_file(partial)
    assert str(info.value).startswith(f"{partial}:5: 正式安排（status: official）应按通知列出全部节日，"
                                      "缺少：春节、清明节、劳动节、端午节、中秋节、国庆节")


def test_add_stores_the_year_with_its_provenance_and_replaces_it_on_re_adding(cadre_db):
    add_year_file(cadre_db, Y2027)
    add_year_file(cadre_db, Y2027)
    assert rows(cadre_db, "SELECT year, status, file, notice_number FROM calendar_year") == [
        {"year": 2027, "status": "example", "file": Y2027.name, "notice_number": None}]
    prov = rows(cadre_db, "SELECT kind, sha256 FROM provenance WHERE step = 'calendar'")
    assert len(prov) == 2 and prov[0]["kind"] == "calendar_year" and len(prov[0]["sha256"]) == 64
    cal = calendar_for(cadre_db, make_plugins())
    assert cal.knows(2027) and not cal.is_workday(D(2027, 2, 8))   # a Monday in the festival
    assert cal.is_workday(D(2027, 1, 31))                             # a Sunday made a working day


class Plugin2027:
    __name__ = "calendar_2027"

    @hookimpl
    def register_calendar_years(self, register):
        register(read_year_file(Y2027))


class Other2027:
    __name__ = "other_2027"

    @hookimpl
    def register_calendar_years(self, register):
        # Deliberately different: only New Year's Day off.
        register(YearSchedule(2027, [D(2027, 1, 1)], status="example"))


def test_a_plugin_supplies_a_year_and_a_stored_file_overrides_it(cadre_db):
    plugins = make_plugins(Other2027())
    years = known_years(cadre_db, plugins)
    assert years[2027].source == "插件 other_2027"
    assert calendar_for(cadre_db, plugins).is_workday(D(2027, 2, 8))   # only Jan 1 is off
    add_year_file(cadre_db, Y2027)
    assert known_years(cadre_db, plugins)[2027].source.startswith("录入文件")
    assert not calendar_for(cadre_db, plugins).is_workday(D(2027, 2, 8))


def test_two_plugins_with_the_same_year_and_priority_conflict():
    with pytest.raises(RuleConflict) as info:
        calendar_for(None, make_plugins(Plugin2027(), Other2027()))
    assert "calendar_2027" in str(info.value) and "other_2027" in str(info.value)


def test_registering_something_else_names_the_plugin():
    class Wrong:
        __name__ = "wrong_calendar"

        @hookimpl
        def register_calendar_years(self, register):
            register({2027: []})

    with pytest.raises(PluginError) as info:
        make_plugins(Wrong())
    assert "wrong_calendar" in str(info.value) and "YearSchedule" in str(info.value)


def test_cadre_calendar_lists_sources_and_the_first_missing_year(cadre_db):
    cli = build_cli(make_plugins())
    store = db_path(cadre_db)
    out = CliRunner().invoke(cli, ["calendar"]).output
    assert f"第一个缺失的年份：{LAST_BUILTIN + 1}" in out
    assert "chinesecalendar" in out and f"–{LAST_BUILTIN}" in out
    add_year_file(cadre_db, Y2027)
    cadre_db.conn.close()
    out = CliRunner().invoke(cli, ["calendar", "list", str(store)]).output
    assert "2027" in out and Y2027.name in out and "示例或测试数据" in out
    assert "第一个缺失的年份：2028" in out


# -- provisional deadlines ----------------------------------------------------------------------


def across_spring_festival(db, load):
    """A case accepted on Wed 2027-01-27, whose determination (20 working days) runs across
    the Spring Festival of the 2027 fixture."""
    people(db, load)
    load(db, "case", [case_row("K27")])
    load(db, "case_event", [ev("K27", 1, "申请", "2027-01-26"),
                            ev("K27", 2, "受理", "2027-01-27", body="城东区纪委监委")])


def test_a_missing_year_is_provisional_and_adding_it_makes_the_deadline_final(
        cadre_db, cadre_load):
    across_spring_festival(cadre_db, cadre_load)
    plugins = make_plugins()
    summary = evaluate(cadre_db, plugins, "2027-03-01")
    # Weekends only, from Wed Jan 27: Jan 28 1, 29 2, Feb 1–5 3–7, Feb 8–12 8–12,
    # Feb 15–19 13–17, Feb 22 18, 23 19, 24 20 -> 2027-02-24; on Mon Mar 1: 5 days late
    # (Feb 25..Mar 1), 3 working days (Thu 25, Fri 26, Mon Mar 1).
    state = rows(cadre_db, "SELECT next_deadline, overdue_days, overdue_workdays, provisional "
                           "FROM case_state WHERE case_id = 'K27'")[0]
    note = "2027 年节假日安排尚未录入，暂按双休日计算"
    assert state == {"next_deadline": "2027-02-24", "overdue_days": 5, "overdue_workdays": 3,
                     "provisional": f"暂定：{note}"}
    assert summary["暂定年份"] == "2027" and summary["暂定"] == 2   # both clocks
    text = render_text(explanations.lookup(cadre_db.conn, "case_state:K27"))
    assert note in text

    add_year_file(cadre_db, Y2027)
    evaluate(cadre_db, plugins, "2027-03-01")
    # With the fixture: Jan 28 1, 29 2, Sun 31 (make-up) 3, Feb 1 4, 2 5, 3 6, 4 7; Feb 5–13
    # off, Sun 14 off; Feb 15–19 8–12, Sat 20 (make-up) 13, Feb 22–26 14–18, Mar 1 19,
    # Mar 2 20 -> 2027-03-02: not yet due on Mar 1, and final.
    state = rows(cadre_db, "SELECT next_deadline, overdue_days, provisional, state "
                           "FROM case_state WHERE case_id = 'K27'")[0]
    assert state == {"next_deadline": "2027-03-02", "overdue_days": 0, "provisional": None,
                     "state": "已受理"}
    # The accept clock: Tue Jan 26 + 5 working days: 27 1, 28 2, 29 3, Sun 31 4, Feb 1 5.
    accept = rows(cadre_db, "SELECT deadline, status, provisional FROM case_deadline "
                            "WHERE case_id = 'K27' AND step = '受理'")[0]
    assert accept == {"deadline": "2027-02-01", "status": "按期办结", "provisional": None}
    assert "暂定年份" not in evaluate(cadre_db, plugins, "2027-03-01")


def test_the_explanation_names_each_year_s_schedule_with_its_source_and_status(
        cadre_db, cadre_load):
    across_spring_festival(cadre_db, cadre_load)
    plugins = make_plugins()
    add_year_file(cadre_db, Y2027)
    evaluate(cadre_db, plugins, "2027-03-01")
    text = render_text(explanations.lookup(cadre_db.conn, "case_state:K27"))
    # the deadline rests on a made-up 2027 (status example): the reader is told where it comes
    # from and that it is not the official notice
    assert "2027 年：录入文件 2027-test-fixture.yaml（" in text
    assert "；示例或测试数据（非官方）" in text
    assert "2026 年" not in text   # the case's days all lie in 2027


def notified_on_19_september(cadre_db, cadre_load) -> None:
    """A case determined 容错 and notified (反馈) on Sat 2026-09-19: its appeal window opens."""
    people(cadre_db, cadre_load)
    cadre_load(cadre_db, "case", [case_row("K26")])
    cadre_load(cadre_db, "case_event", [
        ev("K26", 1, "申请", "2026-08-03"), ev("K26", 2, "受理", "2026-08-04", body="城东区纪委监委"),
        ev("K26", 3, "认定", "2026-09-15", decision="容错", red_line="无"),
        ev("K26", 4, "反馈", "2026-09-19")])


def test_a_calendar_day_limit_ending_on_a_holiday_moves_to_the_next_working_day(
        cadre_db, cadre_load):
    # The provincial appeal window is 15 calendar days from the 反馈 (notification). Notified
    # on Sat 2026-09-19: + 15 days = Sun 2026-10-04, inside the National Day holiday (Oct 1–7),
    # so the window ends on Thu 2026-10-08 (民法典 第二百零三条).
    notified_on_19_september(cadre_db, cadre_load)
    evaluate(cadre_db, make_plugins(), "2026-09-30")
    assert rows(cadre_db, "SELECT appeal_until FROM case_state")[0]["appeal_until"] == "2026-10-08"
    text = render_text(explanations.lookup(cadre_db.conn, "case_state:K26"))
    assert "民法典 第二百零三条" in text


def test_a_plugin_can_keep_the_strict_reading_per_limit(cadre_db, cadre_load):
    from cadre_sdk.defaults import tolerance

    class Strict:
        __name__ = "strict_appeal"

        @hookimpl
        def register_tolerance_variants(self, register):
            import attrs
            register(attrs.evolve(tolerance.VARIANT, strict_calendar_days={"申诉"}, priority=1,
                                  name="严格计算申诉期限"))

    notified_on_19_september(cadre_db, cadre_load)
    evaluate(cadre_db, make_plugins(Strict()), "2026-09-30")
    # 2026-09-19 + 15 = 2026-10-04, not extended
    assert rows(cadre_db, "SELECT appeal_until FROM case_state")[0]["appeal_until"] == "2026-10-04"


def test_the_documented_2026_example_is_the_package_2026_schedule(tmp_path):
    """docs/calendar.md's example, written from the 2026 notice, reads without error and has
    exactly the days the chinesecalendar package has for 2026 (3+9+3+5+3+3+7 = 33 days off)."""
    import re

    doc = (Path(__file__).parent.parent / "docs" / "calendar.md").read_text(encoding="utf-8")
    block = re.search(r"^```yaml\n(.*?)^```", doc, flags=re.M | re.S).group(1)
    path = tmp_path / "2026.yaml"
    path.write_text(block, encoding="utf-8")
    got, package = read_year_file(path), builtin_years()[2026]
    assert len(got.holidays) == 33
    assert (got.holidays, got.workdays) == (package.holidays, package.workdays)


def test_adding_a_year_that_is_known_says_what_it_replaces_and_changes(cadre_db, tmp_path,
                                                                       capsys):
    import re

    doc = (Path(__file__).parent.parent / "docs" / "calendar.md").read_text(encoding="utf-8")
    block = re.search(r"^```yaml\n(.*?)^```", doc, flags=re.M | re.S).group(1)
    # the 2026 notice retyped with one slip: National Day to Thu Oct 8 instead of Wed Oct 7
    slipped = block.replace("2026-10-01, to: 2026-10-07", "2026-10-01, to: 2026-10-08")
    assert slipped != block
    path = tmp_path / "2026.yaml"
    path.write_text(slipped, encoding="utf-8")
    store = db_path(cadre_db)
    cadre_db.conn.close()
    main(["calendar", "add", str(store), str(path)])
    out = capsys.readouterr().out
    assert "替换了原有的 2026 年安排（chinesecalendar " in out
    assert "：新增放假 2026-10-08。请核对。" in out
