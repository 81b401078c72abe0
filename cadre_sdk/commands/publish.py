"""``cadre publish`` and ``cadre serve``: the read-only Datasette publication."""
from __future__ import annotations

from pathlib import Path

import click

from .env import Env, pass_env
from ..publish import DEFAULT_MIN_RATERS, LEVELS, publish as build_publication
from ..publish.app import DEFAULT_USER, PASSWORD_ENV, default_workers
from ..publish.metadata import Notice
from ..publish.redact import LEVEL_TITLES


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--level", type=click.Choice(LEVELS), required=True,
              help="public: no names, evaluation only as aggregates; oversight: names too "
                   "(served behind a login). ID numbers are never published.")
@click.option("--min-raters", "-k", type=click.IntRange(min=1), default=DEFAULT_MIN_RATERS,
              show_default=True,
              help="Fewest raters behind a published evaluation aggregate (public level).")
@click.option("--license", "license_", help="Licence statement shown on every page.")
@click.option("--license-url", help="Link for the licence.")
@click.option("--source", help="Source statement shown on every page.")
@click.option("--source-url", help="Link for the source.")
@pass_env
def publish(env: Env, db: Path, out: Path, level: str, min_raters: int, license_: str | None,
            license_url: str | None, source: str | None, source_url: str | None) -> None:
    """Build the publication OUT (a new SQLite file) from the store DB, for one access level.

    Also writes OUT.metadata.json (Chinese labels, canned queries, charts; `cadre serve` reads
    it) and OUT.sha256. Readers verify the file with `sha256sum -c OUT.sha256` in its folder
    (Windows: `certutil -hashfile OUT SHA256`), or against the hash on the home page.

    生成只读发布文件（公开版不含姓名，身份证号一律不发布）。
    """
    base = Notice.for_level(level)
    notice = Notice(license=license_ or base.license, license_url=license_url or None,
                    source=source or base.source, source_url=source_url or None)
    result = build_publication(db, out, level=level, plugins=env.plugins, min_raters=min_raters,
                               notice=notice)
    rows = sum(result.tables.values())
    click.echo(f"已生成{LEVEL_TITLES[level]} {out}：{len(result.tables)} 张表、{rows} 行，"
               f"{len(result.queries)} 个查询，检索 {result.searchable_rows} 条。")
    click.echo(f"SHA-256 {result.sha256}（已写入 {result.sha256_path.name}）")
    if result.masked_cells:
        click.echo(f"已隐去姓名或身份证号的单元格：{result.masked_cells} 个。")
    if result.charts_left_out:
        click.echo(f"缺少数据源、未生成的图表：{'、'.join(result.charts_left_out)}")
    if result.queries_left_out:
        click.echo(f"源数据库缺少所需的表、未发布的查询：{'、'.join(result.queries_left_out)}"
                   "（请先运行 cadre evaluate）")
    if result.unlabelled:
        click.echo(f"warning: tables/columns without Chinese labels (call "
                   f"cadre_sdk.tables.describe): {', '.join(result.unlabelled)}", err=True)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Host to listen on (0.0.0.0 to accept outside connections).")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on.")
@click.option("--password-hash-env", default=PASSWORD_ENV, show_default=True,
              help="Environment variable holding the oversight login's password hash "
                   "(make one with `datasette hash-password`).")
@click.option("--user", default=DEFAULT_USER, show_default=True,
              help="Account name of the oversight login.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Worker processes answering requests (each can use one CPU core; they "
                   "share the read-only file). Default: the number of CPU cores.")
def serve(out: Path, host: str, port: int, password_hash_env: str, user: str,
          workers: int | None) -> None:
    """Serve the publication OUT read-only with Datasette (immutable, Chinese labels, charts).

    An oversight-level file needs a login: run `datasette hash-password`, export the hash in
    $CADRE_OVERSIGHT_PASSWORD_HASH, then log in at /-/login as `oversight`. The file must be
    unchanged since `cadre publish` (its SHA-256 is checked at start).

    以只读方式提供发布文件的查询服务；监督版须登录。
    """
    from ..publish.app import serve as run

    workers = workers or default_workers()
    click.echo(f"cadre serve：http://{host}:{port}/ （{workers} 个工作进程；Ctrl+C 停止）",
               err=True)
    run(out, host=host, port=port, workers=workers, password_hash_env=password_hash_env,
        user=user)


COMMANDS = [publish, serve]
