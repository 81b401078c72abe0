"""``cadre init``, ``cadre load`` and ``cadre kinds``: the store and clerks' files."""
from __future__ import annotations

import datetime
import sys
from pathlib import Path

import attrs
import click

from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.cli.dates import DAY
from cadre_sdk.defaults import DATA
from cadre_sdk.ingest.paths import Worksheet, expand_paths, resolve_region, with_sheets
from cadre_sdk.ingest.updates import LoadOptions
from cadre_sdk.ingest.loader import LoadResult, load_files
from cadre_sdk.cli.commands.lrmx_report import load_and_report, wants_lrmx
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store.database import migrate, open_db


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def init(env: Env, db: Path) -> None:
    """Create (or bring up to date) the database DB with the province's divisions.

    新建数据库，载入青海省的 54 个地区：省 1 个、市州 8 个、县级行政区划 45 个。
    """
    database = open_db(db, create=True)
    migrate(database)
    existing = database["region"].count
    result = load_files(database, "region", [DATA / "divisions.csv"], plugins=env.plugins)
    from collections import Counter

    from cadre_sdk.core.divisions import known

    levels = Counter(level for _, level in known().values())
    click.echo(f"数据库 {db} 已就绪：地区 {result.rows} 条（省 {levels['省']}、市州 {levels['市州']}、"
               f"县级 {levels['县']}；原有 {existing} 条）。")


@click.command()
@click.argument("db", type=click.Path(path_type=Path))
@click.argument("kind")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing. 只校验，不写入。")
@click.option("--region", default=None, metavar="地区",
              help="Region (name, code, or a short form naming one region: 海西州) that unit "
                   "and region names in rows without their "
                   "own 所在地区 are looked up in. 名称按此地区查找。")
@click.option("--clear-empty", is_flag=True,
              help="An empty cell clears the stored value (default: it keeps it). "
                   "空单元格清空已入库的值（默认保留）。")
@click.option("--as-of", default=None, type=DAY,
              help="Date no birth month, ID-number birth date or case event may be after "
                   "(default: today). 出生年月、案件事件日期不得晚于此日期（默认今天）。")
@click.option("--sheet", "sheets", multiple=True, metavar="工作表",
              help="Worksheet of the .xlsx files to load (repeatable; default: the one sheet "
                   "holding data; a workbook with several is refused). "
                   "要导入的工作表，可写多次。")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
@pass_env
def load(env: Env, db: Path, kind: str, files: tuple[Path, ...], dry_run: bool,
         region: str | None, clear_empty: bool, as_of: datetime.date | None,
         sheets: tuple[str, ...], progress: bool | None) -> None:
    """Load clerks' FILES (CSV/TSV in UTF-8, GBK or Big5, .xlsx, JSON, NDJSON) of one KIND into DB.

    KIND is a record kind (cadre) or its Chinese name (干部); `cadre kinds` lists them. A
    folder stands for the files in it and its subfolders (not Excel's ~$ lock files nor
    hidden ones; an old .xls or .et among them is reported, never skipped). One invocation
    is one transaction: if any row is bad,
    nothing is written and every bad row is listed as file:line: column: reason, with exit
    status 1. A row whose key is stored updates only the columns the file has; an empty cell
    keeps the stored value unless --clear-empty. Units and regions may be written by name;
    a region also by a short form naming exactly one region (海西州, 格尔木, 唐古拉山: the
    report says what it was read as), while one naming several (玉树, 城关) is refused.
    Title rows above the header are skipped. A workbook is read from the one worksheet
    holding data; one with several needs --sheet (each sheet named is loaded). The report
    counts rows new, changed and unchanged; a file with nothing new writes nothing.
    A text file in GBK or Big5 (Traditional) is told apart by how each reading reads, and
    from UTF-8 when its bytes are valid UTF-8 too (a short GBK name can be); one that reads
    as well either way is refused with both readings, asking for UTF-8 (with a BOM).

    干部 also takes 任免审批表 files (.lrmx) and folders of them: each gives the cadre, the
    résumé as career history, the recorded annual grades and dated commendations.

    导入台账文件。任何一行有错，整批不写入，并逐行列出错误。已入库的记录只更新文件中有的列，
    空单元格不清空原值（除非加 --clear-empty）。繁体中文的 Big5 编码文件可直接导入；
    无法确定是 GBK 还是 Big5（或 UTF-8）的文件会被拒绝，请另存为带 BOM 的 UTF-8。
    地区可写常用简称（如 海西州、格尔木、唐古拉山）：只指一个地区的，按该地区读取并在报告中说明；
    可指多个地区的（如 玉树、城关）不导入，列出可选地区。
    """
    database = open_db(db)
    region, region_note = resolve_region(database, region)
    options = LoadOptions(region=region,
                          clear_empty=clear_empty,
                          as_of=(as_of or datetime.date.today()).isoformat())
    show = sys.stderr.isatty() if progress is None else progress
    if wants_lrmx(kind, files):
        load_and_report(database, files, env.plugins, dry_run, options, env.after_load, show)
        if region_note is not None:
            click.echo(region_note)
        return
    paths = with_sheets(expand_paths(files), sheets)
    total = sum(_estimate_rows(f) for f in paths) if show else 0
    if show:
        with click.progressbar(length=total, label="导入中", file=sys.stderr) as bar:
            result = load_files(database, kind, paths, plugins=env.plugins, dry_run=dry_run,
                                after_load=env.after_load,
                                progress=bar.update, options=options)
    else:
        result = load_files(database, kind, paths, plugins=env.plugins, dry_run=dry_run,
                                after_load=env.after_load,
                            options=options)
    if region_note is not None:
        click.echo(region_note)
    click.echo(load_report(result, dry_run))


def load_report(result: LoadResult, dry_run: bool) -> str:
    """The Chinese report of a load: rows read, new / changed / unchanged, header lines."""
    title = RECORD_TYPES[result.kind].__title__
    lines = [f"{file}：表头在第{line}行（上方的标题行已跳过）"
             for file, line in result.header_lines]
    lines += [f"{file}：“{column}”列是行号，不导入" for file, column in result.row_numbers]
    lines += result.read_as
    counts = (f"新增 {result.new} 行，更新 {result.changed} 行，"
              f"未变 {result.unchanged} 行")
    empty = "空单元格清空了原值（--clear-empty）" if result.clear_empty else \
        "空单元格保留原值"
    if result.rows == 0:
        lines.append(f"{title}：文件中没有数据行（只有表头），未写入任何数据。")
    elif dry_run:
        lines.append(f"校验通过：{title} {result.rows} 行（{counts}），未写入（--dry-run）。")
    elif not result.written:
        lines.append(f"{title} {result.rows} 行与库中完全相同（{counts}），没有变化，"
                     "未写入任何数据。")
    else:
        lines.append(f"已导入{title} {result.rows} 行（{len(result.files)} 个文件）：{counts}；"
                     f"{empty}。")
    return "\n".join(lines)


def _estimate_rows(path: Path | Worksheet) -> int:
    """Rows in a file, cheaply: newlines for text formats, the sheet's size for .xlsx."""
    if isinstance(path, Worksheet):
        path = path.path
    if not path.exists():
        return 0
    if path.suffix.lower() == ".xlsx":
        return max(path.stat().st_size // 40, 1)
    count = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return max(count - 1, 1)


@click.command()
@click.argument("kind", required=False)
def kinds(kind: str | None) -> None:
    """List record kinds, or one KIND's columns with their Chinese headers and aliases.

    列出可导入的数据类别及其表头。
    """
    if kind is None:
        for name, cls in RECORD_TYPES.items():
            click.echo(f"{name:16} {cls.__title__}　{cls.__description__}")
        return
    from cadre_sdk.ingest.identity import describe, identifier_of
    from cadre_sdk.ingest.loader import resolve_kind

    cls = resolve_kind(kind)
    click.echo(f"{cls.__kind__}（{cls.__title__}）主键：{', '.join(cls.__key__)}")
    identifier = identifier_of(cls.__kind__)
    if identifier is not None:
        titles = attrs.fields_dict(cls)
        click.echo("  " + describe(cls.__kind__, titles[cls.__key__[0]].metadata["title"],
                                   titles[identifier].metadata["title"]))
    for field in attrs.fields(cls):
        meta = field.metadata
        need = "必填" if meta["required"] else "选填"
        extra = f"　可填：{'、'.join(meta['choices'])}" if meta["choices"] else ""
        aliases = f"　别名：{'、'.join(meta['aliases'])}" if meta["aliases"] else ""
        click.echo(f"  {meta['title']}（{field.name}，{need}）{aliases}{extra}")


COMMANDS = [init, load, kinds]
