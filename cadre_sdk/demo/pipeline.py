"""The demo pipeline: generate clerks' files, then do what a clerk and an oversight body would
do with the ``cadre`` commands: init, load each kind, evaluate, publish, serve.

Each step calls the library function its command calls (the demo does not drive the CLI):
one load (one transaction) per record kind, in reference order, then ``evaluate``,
``publish`` and ``serve``; each step prints one Chinese line with counts and time.
"""
from __future__ import annotations

import datetime

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from cadre_sdk.defaults import DATA
from cadre_sdk.engines.registry import AFTER_LOAD, ENGINES, engine_name
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.publish import publish
from cadre_sdk.publish.app import default_workers, serve
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store.database import migrate, open_db
from cadre_sdk.demo import amendments
from cadre_sdk.demo.generate import KIND_ORDER, generate, situations_registered

Echo = Callable[[str], None]
LEVELS = ("public", "oversight")
_LEVEL_NAMES = {"public": "公开版", "oversight": "监督版"}


def _seconds(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} 秒"


def _remove(*paths: Path) -> None:
    for path in paths:
        for extra in ("", "-wal", "-shm", "-journal"):
            target = path.with_name(path.name + extra)
            if target.exists():
                target.unlink()


def load_all(db_path: Path, files: dict[str, list[Path]], plugins: CadrePlugins,
             echo: Echo = click.echo) -> dict[str, int]:
    """``cadre init`` then one ``cadre load`` per kind, as the CLI does them; rows by kind."""
    start = time.perf_counter()
    _remove(db_path)
    db = open_db(db_path, create=True)
    migrate(db)
    result = load_files(db, "region", [DATA / "divisions.csv"], plugins=plugins)
    echo(f"初始化数据库 {db_path}：全省行政区划 {result.rows} 条（{_seconds(start)}）")
    rows: dict[str, int] = {}
    for kind in KIND_ORDER:
        paths = files.get(kind)
        if not paths:
            continue
        title = RECORD_TYPES[kind].__title__
        if kind == "adjustment" and not situations_registered(plugins):
            echo(f"  跳过{title}：尚未注册任何调整情形目录，演示数据中的情形代码无法核对")
            continue
        start = time.perf_counter()
        result = load_files(db, kind, paths, plugins=plugins, after_load=AFTER_LOAD)
        rows[kind] = result.rows
        names = "、".join(p.name for p in paths) if len(paths) <= 2 else f"{len(paths)} 个文件"
        echo(f"  导入{title}：{result.rows:,} 行（{names}，{_seconds(start)}）")
    db.conn.close()
    return rows


def evaluate_step(db_path: Path, plugins: CadrePlugins, echo: Echo = click.echo,
                  as_of: datetime.date | None = None) -> dict:
    """``cadre evaluate --as-of``: every engine this SDK has, in one transaction."""
    names = {engine_name(m): m.NAME for m in ENGINES}
    start = time.perf_counter()
    db = open_db(db_path)
    migrate(db)
    summary = evaluate(db, plugins, as_of=as_of)
    db.conn.close()
    echo(f"测算完成（{_seconds(start)}）：")
    for key, counts in summary.items():
        shown = "，".join(f"{label} {value:,}" if isinstance(value, int) else f"{label} {value}"
                         for label, value in counts.items()) \
            if isinstance(counts, dict) else str(counts)
        echo(f"  {names.get(key, key)}：{shown or '无数据'}")
    return summary


def publish_step(db_path: Path, out: Path, plugins: CadrePlugins, as_of: datetime.date,
                 echo: Echo = click.echo) -> list[Path]:
    """What ``cadre publish DB OUT --level public|oversight --as-of AS_OF`` does: OUT/public.db
    and OUT/oversight.db."""
    built = []
    for level in LEVELS:
        target = out / f"{level}.db"
        start = time.perf_counter()
        publish(db_path, target, level=level, plugins=plugins, as_of=as_of)
        size = target.stat().st_size / 1e6 if target.exists() else 0
        echo(f"发布{_LEVEL_NAMES[level]} {target}：{size:.1f} MB（{_seconds(start)}）")
        built.append(target)
    return built


def serve_step(publication: Path, host: str, port: int, plugins: CadrePlugins,
               echo: Echo = click.echo) -> None:
    """What ``cadre serve`` does: the publication read-only, until interrupted."""
    echo(f"启动只读查询服务：http://{host}:{port}/ （{publication.name}；按 Ctrl+C 退出）")
    serve(publication, host=host, port=port, workers=default_workers())


def run_demo(out: Path, *, cadres: int, seed: int, years: Iterable[int], plugins: CadrePlugins,
             serve: bool = True, host: str = "127.0.0.1", port: int = 8001,
             echo: Echo = click.echo) -> dict[str, Any]:
    """Generate, load, evaluate, publish and (unless ``serve`` is false) serve."""
    years = tuple(sorted(set(years)))
    out.mkdir(parents=True, exist_ok=True)
    total = time.perf_counter()
    start = total
    echo(f"生成演示数据：干部 {cadres:,} 名，考核年度 {'、'.join(map(str, years))}，随机种子 {seed}")
    files = generate(out / "files", cadres=cadres, seed=seed, years=years, plugins=plugins)
    paths = [p for ps in files.values() for p in ps]
    size = sum(p.stat().st_size for p in paths) / 1e6
    gbk = sum(1 for p in paths if _is_gbk(p))
    xlsx = sum(1 for p in paths if p.suffix == ".xlsx")
    echo(f"  已生成 {len(paths)} 个台账文件（GBK 编码 {gbk} 个，Excel 工作簿 {xlsx} 个），"
         f"{size:.1f} MB → {out / 'files'}（{_seconds(start)}）")
    db_path = out / "cadre.db"
    _remove(*(out / f"{level}.db" for level in LEVELS))
    rows = load_all(db_path, files, plugins, echo)
    lrmx_step(out, files, plugins, echo)
    # The data ends with the last year: evaluate as of the end of the following January, so
    # that deadlines and overdue days are the same whenever the demo runs.
    as_of = datetime.date(years[-1] + 1, 1, 31)
    amended = amend_step(db_path, out / "files", plugins, as_of.year, echo)
    echo(f"测算基准日：{as_of.isoformat()}")
    summary = evaluate_step(db_path, plugins, echo, as_of=as_of)
    published = publish_step(db_path, out, plugins, as_of, echo)
    echo(amendments.where_shown(amended["correction"], amended["rates"]))
    echo(f"演示数据已就绪（共 {_seconds(total)}）：数据库 {db_path}"
         + "".join(f"；{_LEVEL_NAMES[p.stem]} {p}" for p in published))
    if serve and published:
        serve_step(published[0], host, port, plugins, echo)
    elif serve:
        echo("没有可供查询的发布文件，不启动查询服务")
    return {"files": files, "rows": rows, "evaluate": summary, "published": published,
            "amended": amended}


def amend_step(db_path: Path, folder: Path, plugins: CadrePlugins, year: int,
               echo: Echo = click.echo) -> dict[str, Any]:
    """What clerks add after the first load (``demo.amendments``): a correction (更正) of a
    case event, loaded as ``cadre load DB 案件事件 FILE`` does, and next year's example rates,
    added as ``cadre parameters add DB FILE`` does (from 1 January of ``year``)."""
    start = time.perf_counter()
    db = open_db(db_path)
    correction = amendments.pick_correction(db)
    if correction is not None:
        path = amendments.load_correction(db, folder, correction, plugins)
        echo(f"  导入案件事件更正：{amendments.describe_correction(correction)}（{path.name}，"
             f"{_seconds(start)}）")
    else:
        echo("  没有可作更正示例的案件（需有“受理”事件可提前一个工作日），跳过更正示例")
    start = time.perf_counter()
    added, shadowed = amendments.add_rates(db, folder, year, plugins)
    db.conn.close()
    checked = added.file
    kept = f"；{len(shadowed)} 个下级地区的插件有本地取值，仍按本地取值" if shadowed else ""
    echo(f"  录入参数文件 {checked.name}：{checked.key}，管辖青海省，"
         f"自 {'、'.join(checked.dates)} 起（示例值，非官方数据{kept}；{_seconds(start)}）")
    return {"correction": correction, "rates": checked.name}


def lrmx_step(out: Path, files: dict[str, list[Path]], plugins: CadrePlugins,
              echo: Echo = click.echo) -> Path | None:
    """Load the generated 任免审批表 files as ``cadre load DB 干部 FOLDER`` does, into a store
    of their own (``lrmx.db``, with the demo's regions and units): their people are the first
    cadres of the rosters, whose career history the main store has from 任职经历.csv already."""
    from cadre_sdk.ingest.lrmx.load import load_lrmx
    from cadre_sdk.demo.lrmx_files import FOLDER

    folder = out / "files" / FOLDER
    if not folder.is_dir():
        return None
    start = time.perf_counter()
    db_path = out / "lrmx.db"
    _remove(db_path)
    db = open_db(db_path, create=True)
    migrate(db)
    load_files(db, "region", [DATA / "divisions.csv"], plugins=plugins)
    for kind in ("region", "unit"):
        load_files(db, kind, files[kind], plugins=plugins, after_load=AFTER_LOAD)
    result = load_lrmx(db, [folder], plugins=plugins, after_load=AFTER_LOAD)
    counts = "，".join(f"{RECORD_TYPES[k].__title__} {n} 行" for k, n in result.rows.items())
    echo(f"  任免审批表 {len(result.files)} 份 → {db_path}：{counts}（{_seconds(start)}）")
    return db_path


def _is_gbk(path: Path) -> bool:
    if path.suffix != ".csv":
        return False
    with open(path, "rb") as fh:
        head = fh.readline()
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True
