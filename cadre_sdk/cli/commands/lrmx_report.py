"""What ``cadre load DB 干部`` says after loading 任免审批表 (.lrmx) files and folders of them."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from cadre_sdk.core.errors import DataError
from cadre_sdk.ingest.lrmx.load import expand_paths, is_lrmx, load_lrmx
from cadre_sdk.records import RECORD_TYPES

#: Shown after every load of 任免审批表: what the files hold that is never stored.
NOT_STORED = "家庭主要成员及重要社会关系（JiaTingChengYuan）和照片（ZhaoPian）不导入、不保存。"


def wants_lrmx(kind: str, files: tuple[Path, ...]) -> bool:
    """Whether this load is of 任免审批表: some FILES are .lrmx files or folders holding them
    (a folder of other files is loaded as those files). Mixing them
    with other formats, or loading them as another kind, is a Chinese ``DataError``."""
    special = [f for f in files if is_lrmx(f) or (
        f.is_dir() and any(is_lrmx(p) for p in f.rglob("*") if p.is_file()))]
    if not special:
        return False
    from cadre_sdk.ingest.loader import resolve_kind

    if resolve_kind(kind).__kind__ != "cadre":
        raise DataError(f"任免审批表（.lrmx）和文件夹只能按“干部”导入：cadre load DB 干部 "
                        f"{special[0]}")
    from cadre_sdk.ingest.paths import folder_files

    for folder in (f for f in special if f.is_dir()):
        mixed = [p for p in folder_files(folder) if not is_lrmx(p)]
        if mixed:
            raise DataError(f"文件夹 {folder} 里既有任免审批表（.lrmx），又有其他文件（如 {mixed[0]}）。"
                            "请把任免审批表和其他文件分开放在两个文件夹，分别导入")
    others = [f for f in files if f not in special]
    if others:
        raise DataError(f"任免审批表（.lrmx）请与其他格式的文件分开导入：先导入 {others[0]}，"
                        "再单独导入 .lrmx 文件")
    return True


def load_and_report(database, files: tuple[Path, ...], plugins, dry_run: bool,
                    options=None, after_load=None, progress: bool = False) -> None:
    """Load the files (``progress``: with a bar over the files read, on stderr) and print
    what was loaded."""
    bar = click.progressbar(length=len(expand_paths(files)[0]), label="读取任免审批表",
                            file=sys.stderr) if progress else contextlib.nullcontext()
    with bar:
        result = load_lrmx(database, files, plugins=plugins, dry_run=dry_run, options=options,
                           after_load=after_load, progress=bar.update if progress else None)
    counts = "，".join(f"{RECORD_TYPES[k].__title__} {n} 行" for k, n in result.rows.items())
    new, changed, unchanged = result.counts
    if dry_run:
        click.echo(f"校验通过：任免审批表 {len(result.files)} 份（{counts}），未写入（--dry-run）。")
    elif not result.written:
        click.echo(f"任免审批表 {len(result.files)} 份（{counts}）与库中完全相同，没有变化，"
                   "未写入任何数据。")
    else:
        click.echo(f"已导入任免审批表 {len(result.files)} 份：{counts}；其中新干部 "
                   f"{result.new_cadres} 人。")
        click.echo(f"各类合计：新增 {new} 行，更新 {changed} 行，未变 {unchanged} 行。")
    study = [n for n in result.notes if n.topic == "study"]
    if study:
        click.echo(f"简历中的学习经历 {len(study)} 条（以“学习”“进修”等结尾的行）不计入任职经历。")
    others = [n for n in result.notes if n.topic != "study"]
    if others:
        click.echo(f"以下 {len(others)} 处内容已读取但未导入：")
        for note in others:
            click.echo(f"  {note}")
    click.echo(NOT_STORED)
