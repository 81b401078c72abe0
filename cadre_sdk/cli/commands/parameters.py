"""``cadre parameters``: yearly provincial and local values (subsidy tiers, allowance amounts…)
added to a store as data (``cadre parameters add DB FILE``), without a release and without
writing a plugin; ``cadre parameters list DB`` shows what was added."""
from __future__ import annotations

import datetime
from pathlib import Path

import click

from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.core import divisions
from cadre_sdk.core.value_status import tag_zh
from cadre_sdk.store.database import open_db
from cadre_sdk.plugin_host.rule_book import KIND_NAMES
from cadre_sdk.store.parameter_files import CheckedFile, rule_choices, rule_title, shadowing
from cadre_sdk.store.stored_parameters import (
    add_parameter_file, remove_parameter_file, stored_files,
)


def _place(code: str) -> str:
    return f"{code} {divisions.known().get(code, ('',))[0]}".strip()


@click.group()
def parameters() -> None:
    """Yearly parameter values (subsidy tiers, allowance amounts, other dated rates) added to a
    store as data, over the values the plugins supply. Format: docs/parameters.md.

    录入各年的参数取值（如乡镇工作补贴档次、地区附加津贴金额），无需发布新版本或编写插件。
    """


@parameters.command("add")
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@pass_env
def parameters_add(env: Env, db: Path, file: Path) -> None:
    """Add (or replace) new dated values for one rule in one jurisdiction from FILE (YAML,
    format in docs/parameters.md) to DB. The file is checked first: an unknown rule,
    jurisdiction or parameter path, a value of the wrong shape, a value without its reference
    or status, or a date not written YYYY-MM-DD is refused with its file:line, and nothing is
    stored. A file with the name, or the dates, of one stored before for the same rule and
    jurisdiction replaces it (the changes are printed). Re-run ``cadre evaluate`` afterwards.

    录入一份参数文件（某规则在某地区自某日起的新取值），录入后请重新测算。
    """
    database = open_db(db)
    added = add_parameter_file(database, file, env.plugins)
    checked = added.file
    click.echo(f"已录入 {checked.name}：规则“{rule_title(checked.kind, checked.key)}”"
               f"（{KIND_NAMES.get(checked.kind, checked.kind)}），管辖 "
               f"{_place(checked.jurisdiction)}，参数 {'、'.join(checked.paths)}，"
               f"起始日期 {'、'.join(checked.dates)}（SHA-256 {added.sha256[:12]}）。")
    for old, changes in added.replaced:
        click.echo(f"替换了 {old.added_at[:10]} 录入的 {old.file}："
                   + ("；".join(changes) + "。" if changes else "取值相同。"))
    shadowed = shadowing(checked, env.plugins.book)
    if shadowed:
        click.echo("注意：以下下级地区的插件对同一参数规定了本地取值，这些地区仍按本地取值（下级规定优先；"
                   "如需改变，请为该地区另录一份文件，jurisdiction 写该地区）：\n  "
                   + "\n  ".join(shadowed))
    click.echo(f"请重新运行 cadre evaluate {db}，" + _when_it_applies(checked))


def _when_it_applies(checked: CheckedFile) -> str:
    """When the new values apply, in Chinese. A subsidy is computed with the values in force
    on the 1st of each month: a value from the 15th applies from the next month."""
    if checked.kind != "subsidy":
        return "新取值自其起始日期起适用，此前不变。"
    late = [(path, value.start) for path, values in checked.parameters.leaves()
            for value in values if value.start.day != 1]
    said = "新取值自其起始日期所在月份起适用，此前月份不变。" if not late else (
        "补贴按每月 1 日施行的取值逐月计算，不在月初起施行的取值从下月起适用：\n  " + "\n  ".join(
            f"{path} 自 {start.isoformat()} 起的取值自 {_next_month(start)} 起适用"
            f"（{start.isoformat()[:7]} 仍按原取值）" for path, start in late))
    return said


def _next_month(day: datetime.date) -> str:
    """``YYYY-MM`` of the month after ``day``'s."""
    return f"{day.year + day.month // 12:04d}-{day.month % 12 + 1:02d}"


@parameters.command("list")
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@pass_env
def parameters_list(env: Env, db: Path) -> None:
    """List the parameter files added to DB (the last added first): rule, jurisdiction,
    paths, dates, when added and SHA-256; then the rules a file may name, by kind (补贴,
    容错纠错规则, 考核指标…), each by the Chinese name ``metadata.rule`` takes (容错纠错,
    地方个人考核指标…).

    列出已录入的参数文件，以及可录入参数的规则（按类别，列出参数文件中应写的名称）。
    """
    files = stored_files(open_db(db, readonly=True))
    if not files:
        click.echo("尚未录入参数文件（录入方法：cadre parameters add DB FILE，格式见 docs/parameters.md）。")
    else:
        click.echo("已录入的参数文件（后录入的优先）：")
    choices = rule_choices(env.plugins.book)
    for f in files:
        gone = "" if rule_title(f.kind, f.key) in choices.get(KIND_NAMES.get(f.kind, f.kind), ()) \
            else "  （已无此规则：安装的插件中没有，测算时不适用）"
        click.echo(f"  {f.file}  规则“{rule_title(f.kind, f.key)}”（{KIND_NAMES.get(f.kind, f.kind)}）"
                   f"  管辖 {_place(f.jurisdiction)}  "
                   f"{f.added_at[:19].replace('T', ' ')} UTC 录入  SHA-256 {f.sha256[:12]}{gone}")
        for _, values in f.parameters.leaves():
            for v in values:
                click.echo(f"      {v.describe_zh()} [{tag_zh(v.status)}]")
    click.echo("可录入参数的规则（按类别；参数文件 metadata.rule 写其名称）：")
    for kind, titles in choices.items():
        click.echo(f"  {kind}：{'、'.join(titles)}")


@parameters.command("remove")
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("name")
def parameters_remove(db: Path, name: str) -> None:
    """Remove the parameter file NAME (its file name, as ``list`` shows it, or the path it was
    added from) from DB: the values it stated no longer apply from the next ``cadre evaluate``.

    删除一份已录入的参数文件，重新测算后恢复插件（或其他录入文件）的取值。
    """
    for f in remove_parameter_file(open_db(db), name):
        click.echo(f"已删除 {f.file}（规则“{rule_title(f.kind, f.key)}”，管辖 {_place(f.jurisdiction)}，起始日期 "
                   f"{'、'.join(f.dates)}）。请重新运行 cadre evaluate {db}。")


COMMANDS = [parameters]
