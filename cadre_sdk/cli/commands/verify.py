"""``cadre verify``: recompute the hash chain of case events in any SQLite file (the store or
a published copy) and report changed, removed and reordered events."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from cadre_sdk.engines.cases.audit import check_recorded_head, verify_chain


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.option("--expect-head", metavar="HASH",
              help="The chain head published with the file; a different head fails.")
@click.option("--expect-events", type=int, metavar="N",
              help="The number of events published with the file; a different count fails.")
def verify(db: Path, expect_head: str | None, expect_events: int | None) -> None:
    """Verify the audit trail of case events in DB: recompute every event's hash from its
    content and the previous hash, and report any event changed, removed or reordered since it
    was loaded. A correction (更正) is an event like any other: it is chained and verified,
    and the event it corrects keeps its own link. Works on any SQLite file holding case_event
    and event_chain (read-only). Exit status 1 if anything is wrong. The hash recipe is
    documented in cadre_sdk/engines/cases/audit.py.

    核验容错案件事件链：任何事件被改动、删除或调换顺序都会被发现；“更正”事件同样入链核验，被更正的原事件保留原样。
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        result = verify_chain(conn)
        problems = list(result["problems"]) + check_recorded_head(conn, result)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"无法读取 {db}：{exc}。该文件可能不是 SQLite 数据库或已损坏。")
    finally:
        conn.close()
    if expect_head is not None and expect_head != result["head"]:
        problems.append(f"链头为 {result['head']}，与公布的 {expect_head} 不符")
    if expect_events is not None and expect_events != result["events"]:
        problems.append(f"事件链共 {result['events']} 环，与公布的 {expect_events} 不符")
    for problem in problems:
        click.echo(f"✗ {problem}")
    if problems:
        click.echo(f"事件链核验未通过：发现 {len(problems)} 处问题。")
        raise SystemExit(1)
    click.echo(f"事件链完整：共 {result['events']} 个事件，链头 {result['head']}")


COMMANDS = [verify]
