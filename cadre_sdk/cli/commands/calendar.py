"""``cadre calendar``: the holiday schedules working days are counted on, and adding a year
(``cadre calendar add DB FILE``) without waiting for a new calendar package."""
from __future__ import annotations

from pathlib import Path

import click

from cadre_sdk.store.calendar import add_year_file, known_years
from cadre_sdk.core.calendar_years import STATUSES, schedule_changes
from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.store.database import open_db


def provisional_warning(years: str, db: Path | str = "DB") -> str:
    """The one warning ``cadre evaluate`` prints when figures were counted without a year's
    holiday schedule (``years``: e.g. ``2027`` or ``2027、2028``)."""
    first = years.split("、")[0]
    return (f"警告：{years} 年节假日安排尚未录入，涉及这些年份的截止日期和逾期工作日暂按双休日计算，"
            f"已标为“暂定”。国务院办公厅发布当年节假日安排通知后，请按通知写成年份文件"
            f"（格式见 docs/calendar.md），运行 cadre calendar add {db} {first}.yaml，"
            "再重新测算即为正式结果。")


@click.group(invoke_without_command=True)
@click.pass_context
def calendar(ctx: click.Context) -> None:
    """The working-day calendar: which years' holiday schedules are known, where each comes
    from (the chinesecalendar package, a plugin, or a file added to the store), and the first
    year that is missing. Without a subcommand: ``list`` without a store.

    工作日历：已有哪些年份的法定节假日和调休安排、来源，以及第一个缺失的年份。
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(calendar_list, db=None)


@calendar.command("list")
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True),
                required=False)
@pass_env
def calendar_list(env: Env, db: Path | None) -> None:
    """List the years known (with the years added to DB, if given), their source, and the
    first missing year. 列出已有的节假日安排年份及其来源。"""
    database = open_db(db, readonly=True) if db else None
    years = known_years(database, env.plugins)
    groups: list[list] = []
    for year, schedule in years.items():
        label = f"{schedule.source}；{STATUSES.get(schedule.status, schedule.status)}"
        if groups and groups[-1][1] == year - 1 and groups[-1][2] == label:
            groups[-1][1] = year
        else:
            groups.append([year, year, label])
    click.echo("已有的节假日安排：")
    for first, last, label in groups:
        span = str(first) if first == last else f"{first}–{last}"
        click.echo(f"  {span:<10} {label}")
    first_missing = min(y for y in range(min(years, default=2004), max(years, default=2004) + 2)
                        if y not in years)
    click.echo(f"第一个缺失的年份：{first_missing}（该年的截止日期将暂按双休日计算并标为“暂定”；"
               f"录入方法：cadre calendar add DB {first_missing}.yaml，格式见 docs/calendar.md）")


@calendar.command("add")
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@pass_env
def calendar_add(env: Env, db: Path, file: Path) -> None:
    """Add (or replace) one year's holiday schedule in DB from FILE (YAML, format in
    docs/calendar.md). The file is checked first: a day both off and working, a date outside
    its year, a make-up working day that is not a weekend day, an unknown key, a bad date or an
    official schedule missing one of the notice's festivals is refused with its file:line, and
    nothing is stored. Re-run ``cadre evaluate`` afterwards.

    录入一年的节假日安排（国务院办公厅通知），录入后请重新测算。
    """
    database = open_db(db)
    before = known_years(database, env.plugins)
    schedule = add_year_file(database, file)
    status = STATUSES.get(schedule.status, schedule.status)
    click.echo(f"已录入 {schedule.year} 年节假日安排：{schedule.notice_title}"
               f"（{schedule.notice_number or '文号未填'}，{status}），放假 {len(schedule.holidays)} 天，"
               f"调休上班 {len(schedule.workdays)} 天。请重新运行 cadre evaluate {db}。")
    replaced = before.get(schedule.year)
    if replaced is not None:
        changes = schedule_changes(replaced, schedule)
        click.echo(f"替换了原有的 {schedule.year} 年安排（{replaced.source}）："
                   + ("；".join(changes) + "。请核对。" if changes else "放假和调休日期相同。"))


COMMANDS = [calendar]
