"""``cadre demo``: generate a synthetic Qinghai dataset as clerks' files, load it, evaluate,
publish and serve it."""
from __future__ import annotations

from pathlib import Path

import click

from cadre_sdk.cli.commands.env import Env, pass_env


def _years(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        years = tuple(sorted({int(y) for y in value.replace("，", ",").split(",") if y.strip()}))
    except ValueError:
        raise click.BadParameter(f"“{value}”应为逗号分隔的年份，例如 2022,2023,2024") from None
    if len(years) < 3:
        raise click.BadParameter("至少需要 3 个考核年度，例如 2022,2023,2024")
    if years[0] < 2000 or years[-1] > 2100:
        raise click.BadParameter("年份应在 2000–2100 之间")
    return years


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("cadre-demo"), show_default=True,
              help="Folder for the clerks' files (OUT/files), the store and the publications.")
@click.option("--cadres", type=click.IntRange(min=1), default=3000, show_default=True,
              help="Number of synthetic cadres.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives byte-identical files.")
@click.option("--years", default="2022,2023,2024", show_default=True, callback=_years,
              help="Assessment years, comma-separated (at least 3).")
@click.option("--no-serve", is_flag=True, help="Stop after publishing; do not start Datasette.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host to serve on.")
@click.option("--port", type=int, default=8001, show_default=True, help="Port to serve on.")
@pass_env
def demo(env: Env, out: Path, cadres: int, seed: int, years: tuple[int, ...], no_serve: bool,
         host: str, port: int) -> None:
    """Generate a synthetic Qinghai dataset as the files clerks would have (CSV with Chinese
    headers, some GBK-encoded, and an Excel workbook), then run the pipeline on it: init,
    load every kind, evaluate, publish the public and oversight levels, and serve.

    After the first load the demo amends the data as clerks do later: it loads a correction
    (更正) of one case's 受理 date (OUT/files/案件事件更正（演示示例）.csv: the oversight
    query case_events and the cadre profile show it) and adds next year's example 地区附加津贴
    rates with `cadre parameters add` (OUT/files/YEAR年地区附加津贴标准（演示示例）.yaml, from
    1 January after the last year, status example: the publications' 参数取值 list them).

    The people, township names and figures are synthetic; prefectures and counties are real.

    生成青海省演示数据（台账文件），并依次导入、录入一条更正和一份示例参数文件、测算、发布、启动只读查询服务。
    """
    from cadre_sdk.demo.pipeline import run_demo

    run_demo(out, cadres=cadres, seed=seed, years=years, plugins=env.plugins,
             serve=not no_serve, host=host, port=port)


COMMANDS = [demo]
