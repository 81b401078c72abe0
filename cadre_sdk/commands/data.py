"""``cadre init``, ``cadre load`` and ``cadre kinds``: the store and clerks' files."""
from __future__ import annotations

import sys
from pathlib import Path

import attrs
import click

from ..cli import Env, pass_env
from ..defaults import DATA
from ..loader import load_files
from .lrmx_report import load_and_report, wants_lrmx
from ..records import RECORD_TYPES
from ..store import migrate, open_db


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

    from ..divisions import known

    levels = Counter(level for _, level in known().values())
    click.echo(f"数据库 {db} 已就绪：地区 {result.rows} 条（省 {levels['省']}、市州 {levels['市州']}、"
               f"县级 {levels['县']}；原有 {existing} 条）。")


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("kind")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing. 只校验，不写入。")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
@pass_env
def load(env: Env, db: Path, kind: str, files: tuple[Path, ...], dry_run: bool,
         progress: bool | None) -> None:
    """Load clerks' FILES (CSV/TSV, UTF-8 or GBK, .xlsx, JSON, NDJSON) of one KIND into DB.

    干部 also takes 任免审批表 files (.lrmx) and folders of them: each gives the cadre, the
    résumé as career history, the recorded annual grades and dated commendations.

    KIND is a record kind (cadre) or its Chinese name (干部); `cadre kinds` lists them. One
    invocation is one transaction: if any row is bad, nothing is written and every bad row is
    listed as file:line: column: reason, with exit status 1.

    导入台账文件。任何一行有错，整批不写入，并逐行列出错误。
    """
    database = open_db(db)
    if wants_lrmx(kind, files):
        load_and_report(database, files, env.plugins, dry_run)
        return
    show = sys.stderr.isatty() if progress is None else progress
    total = sum(_estimate_rows(f) for f in files) if show else 0
    if show:
        with click.progressbar(length=total, label="导入中", file=sys.stderr) as bar:
            result = load_files(database, kind, files, plugins=env.plugins, dry_run=dry_run,
                                progress=bar.update)
    else:
        result = load_files(database, kind, files, plugins=env.plugins, dry_run=dry_run)
    title = RECORD_TYPES[result.kind].__title__
    if dry_run:
        click.echo(f"校验通过：{title} {result.rows} 行，未写入（--dry-run）。")
    else:
        click.echo(f"已导入{title} {result.rows} 行（{len(result.files)} 个文件）。")


def _estimate_rows(path: Path) -> int:
    """Rows in a file, cheaply: newlines for text formats, the sheet's size for .xlsx."""
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
    from ..loader import resolve_kind

    cls = resolve_kind(kind)
    click.echo(f"{cls.__kind__}（{cls.__title__}）主键：{', '.join(cls.__key__)}")
    for field in attrs.fields(cls):
        meta = field.metadata
        need = "必填" if meta["required"] else "选填"
        extra = f"　可填：{'、'.join(meta['choices'])}" if meta["choices"] else ""
        aliases = f"　别名：{'、'.join(meta['aliases'])}" if meta["aliases"] else ""
        click.echo(f"  {meta['title']}（{field.name}，{need}）{aliases}{extra}")


COMMANDS = [init, load, kinds]
