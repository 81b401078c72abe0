"""``cadre publish`` and ``cadre serve``: the read-only Datasette publication."""
from __future__ import annotations

import datetime
from pathlib import Path

import click

from cadre_sdk.publish import LEVELS
from cadre_sdk.publish import publish as build_publication
from cadre_sdk.publish.serve_defaults import DEFAULT_USER, PASSWORD_ENV, default_workers
from cadre_sdk.publish.metadata import Notice
from cadre_sdk.publish.redact import LEVEL_TITLES
from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.cli.dates import DAY
from cadre_sdk.store.database import open_db
from cadre_sdk.store.stored_parameters import changed_since_evaluation


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--level", type=click.Choice(LEVELS), required=True,
              help="public: no names, evaluation only as aggregates; oversight: names too "
                   "(served behind a login). ID numbers are never published.")
@click.option("--min-raters", "-k", type=click.IntRange(min=1), default=None,
              help="Fewest raters behind published votes (public level). Default: the rule's "
                   "(parameters/publication.yaml, raised by plugins); a lower value is refused.")
@click.option("--as-of", type=DAY, default=None,
              help="The day the publication speaks for: the publication thresholds in force "
                   "then, township work counted up to its month (default: today). "
                   "发布所依据的日期（默认今天）。")
@click.option("--license", "license_", help="Licence statement shown on every page.")
@click.option("--license-url", help="Link for the licence.")
@click.option("--source", help="Source statement shown on every page.")
@click.option("--source-url", help="Link for the source.")
@pass_env
def publish(env: Env, db: Path, out: Path, level: str, min_raters: int | None,
            as_of: datetime.date | None, license_: str | None,
            license_url: str | None, source: str | None, source_url: str | None) -> None:
    """Build the publication OUT (a new SQLite file) from the store DB, for one access level.

    Also writes OUT.metadata.json (Chinese labels, canned queries, charts; `cadre serve` reads
    it) and OUT.sha256. Readers verify the file with `sha256sum -c OUT.sha256` in its folder
    (Windows: `certutil -hashfile OUT SHA256`), or against the hash on the home page.

    The public level shows no rows about people: aggregates with small groups hidden, and
    cadres' rows generalized to k-anonymity; every text cell is masked on a normalized form
    (ID numbers, phone numbers, names, cadre ids) and the file is scanned before it replaces
    OUT (see docs/public-privacy.md).

    生成只读发布文件（公开版不含逐人记录和姓名，身份证号一律不发布）。
    """
    base = Notice.for_level(level)
    notice = Notice(license=license_ or base.license, license_url=license_url or None,
                    source=source or base.source, source_url=source_url or None)
    as_of = as_of or datetime.date.today()
    click.echo(f"发布依据日期：{as_of.isoformat()}")
    _warn_if_parameters_changed(db)
    result = build_publication(db, out, level=level, plugins=env.plugins, as_of=as_of,
                               min_raters=min_raters, notice=notice)
    rows = sum(result.tables.values())
    click.echo(f"已生成{LEVEL_TITLES[level]} {out}：{len(result.tables)} 张表、{rows} 行，"
               f"{len(result.queries)} 个查询，检索 {result.searchable_rows} 条。")
    click.echo(f"SHA-256 {result.sha256}（已写入 {result.sha256_path.name}）")
    if level == "public" or result.masked_cells:
        click.echo(f"已屏蔽身份证号、电话号码、姓名或干部编号的单元格：{result.masked_cells} 个。")
    if result.thresholds is not None and level == "public":
        t = result.thresholds
        hidden = sum(result.suppressed.values())
        click.echo(f"小群体保护：测评不少于 {t.min_raters} 人，人数不少于 {t.min_count} 人，"
                   f"平均数不少于 {t.min_average_group} 人，k = {t.k_anonymity}；"
                   f"不公开的单元格 {hidden} 个，概化后仍未列入的干部 {result.generalized_left_out} 名；"
                   "发布前扫描未发现问题。")
    if result.charts_left_out:
        click.echo(f"缺少数据源、未生成的图表：{'、'.join(result.charts_left_out)}")
    if result.queries_left_out:
        click.echo(f"源数据库缺少所需的表、未发布的查询：{'、'.join(result.queries_left_out)}"
                   "（请先运行 cadre evaluate）")
    if result.unlabelled:
        click.echo(f"warning: tables/columns without Chinese labels (call "
                   f"cadre_sdk.store.table_labels.describe): {', '.join(result.unlabelled)}", err=True)


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
    $CADRE_OVERSIGHT_PASSWORD_HASH, then log in at /-/login as `oversight` (5 failed logins a
    minute per account or address, then refused for a minute; logging out ends the session on
    the server). A malformed or weak hash stops the server. The file must be unchanged since
    `cadre publish` (its SHA-256 is checked at start).

    To publish a new version, run `cadre publish` to the same OUT while this runs: the server
    checks the new file and switches to it between requests, no restart needed. Every page
    names the version it answered from (footer, header X-Cadre-Sha256).

    以只读方式提供发布文件的查询服务；监督版须登录。
    """
    from cadre_sdk.publish.app import serve as run

    workers = workers or default_workers()
    click.echo(f"cadre serve：http://{host}:{port}/ （{workers} 个工作进程；Ctrl+C 停止）",
               err=True)
    run(out, host=host, port=port, workers=workers, password_hash_env=password_hash_env,
        user=user)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@pass_env
def scan(env: Env, out: Path, db: Path) -> None:
    """Scan the public publication OUT for personal data, against the store DB it came from.

    Reads every table of OUT (the search index's shadow tables included) and its raw bytes:
    ID numbers in any spelling, the names and ids of the store's cadres in any spelling,
    rater groups and counts below the thresholds, combinations of quasi-identifiers shared
    by fewer than k rows, tables of rows about people. `cadre publish` runs the same scan
    before it moves a public file into place. Exit status 1 when anything is found.

    扫描公开版发布文件：身份证号、姓名、小群体、准标识符组合，发现问题时退出状态为 1。
    """
    from cadre_sdk.publish.scan import scan as scan_file
    from cadre_sdk.publish.thresholds import resolve
    from cadre_sdk.store.database import now, open_db

    store = open_db(db, readonly=True)
    try:
        rows = (store.conn.execute("SELECT name, id FROM cadre").fetchall()
                if store["cadre"].exists() else [])
    finally:
        store.conn.close()
    findings = scan_file(out, names=[n for n, _ in rows if n], cadre_ids=[i for _, i in rows],
                         limits=resolve(env.plugins, now()[:10]))
    for finding in findings:
        click.echo(finding)
    if findings:
        raise SystemExit(1)
    click.echo(f"{out.name}：未发现身份证号、姓名、干部编号，无少于门槛的群体。")


COMMANDS = [publish, serve, scan]


def _warn_if_parameters_changed(db: Path) -> None:
    """Say so when parameter files were added or removed after the last evaluation: the
    results published are still those of that evaluation (``cadre evaluate`` first)."""
    changed = changed_since_evaluation(open_db(db, readonly=True))
    if not changed:
        return
    by_act: dict[str, list[str]] = {}
    for act, name in changed:
        by_act.setdefault(act, []).append(name)
    said = "，".join(f"{act}了参数文件 {'、'.join(dict.fromkeys(names))}"
                    for act, names in by_act.items())
    click.echo(f"注意：最近一次测算之后{said}：发布的测算结果仍按测算时的取值。"
               f"请先运行 cadre evaluate {db}，再重新发布。", err=True)
