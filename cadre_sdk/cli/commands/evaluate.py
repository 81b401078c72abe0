"""``cadre evaluate`` (run every engine's rules) and ``cadre explain`` (print how a computed
figure was reached, in Chinese)."""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import click
import sqlite_utils

from cadre_sdk.store import explanations
from cadre_sdk.publish import indicators
from cadre_sdk.cli.commands.env import Env, pass_env
from cadre_sdk.cli.dates import DAY
from cadre_sdk.cli.commands.calendar import provisional_warning
from cadre_sdk.engines.registry import ENGINES, engine_name
from cadre_sdk.engines.cases.engine import PROVISIONAL_YEARS
from cadre_sdk.core.errors import CadreError
from cadre_sdk.engines.evaluate import compact_store, evaluate as run_engines
from cadre_sdk.core.trace import render_text
from cadre_sdk.store.database import migrate, open_db
from cadre_sdk.store.stored_parameters import stored_files

#: Other names accepted for explanation kinds (Chinese, and ``score`` for an assessment).
KIND_ALIASES = {"考核": "assessment", "得分": "assessment", "score": "assessment",
                "成绩单": "scorecard", "结果运用": "consequence", "后果": "consequence",
                "重点目标": "target", "710": "target"}


def _engine_names() -> dict[str, str]:
    return {engine_name(m): m.NAME for m in ENGINES}


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.option("--only", multiple=True, metavar="ENGINE",
              help="Run only this engine (repeatable): assessment, cases, subsidies, staffing.")
@click.option("--as-of", "as_of", type=DAY,
              help="Evaluation date for deadlines and overdue days (default: today; the date "
                   "used is printed). Re-evaluating with the same date gives identical results.")
@click.option("--no-compact", "no_compact", is_flag=True,
              help="Do not compact (VACUUM) the store after the evaluation: faster, and needs "
                   "no free disk space the size of the store; the file stays larger.")
@pass_env
def evaluate(env: Env, db: Path, only: tuple[str, ...], as_of: Any, no_compact: bool) -> None:
    """Evaluate the rules of every engine over DB, in one transaction.

    Each engine replaces its previous results, so re-running on the same data with the same
    plugins gives identical tables. Any error rolls everything back. Once the results are
    saved the store is compacted (VACUUM: rewritten without unused space), unless --no-compact.

    按各地规则测算（年度考核得分、等次与名额、结果运用、成绩单等），一次完成、全部或全不写入；
    保存后压缩数据库文件（--no-compact 不压缩）。
    """
    names = _engine_names()
    unknown = [o for o in only if o not in names]
    if unknown:
        raise click.BadParameter(f"未知的测算模块 {'、'.join(unknown)}；可选：{'、'.join(names)}",
                                 param_hint="--only")
    database = open_db(db)
    migrate(database)
    # The only place the clock is read: the library always gets the date explicitly.
    day = as_of or datetime.date.today()
    click.echo(f"测算基准日：{day.isoformat()}{'' if as_of else '（未指定 --as-of，取今天）'}")
    summary = run_engines(database, env.plugins, only=only, as_of=day, compact=False)
    if not no_compact and not compact_store(database):
        click.echo(f"提示：测算结果已保存，但数据库 {db} 未能压缩（可能有其他程序正在读取，或磁盘剩余空间"
                   "小于数据库大小）；不影响使用，下次测算时会再次尝试。", err=True)
    missing = summary.get("cases", {}).pop(PROVISIONAL_YEARS, None) \
        if isinstance(summary.get("cases"), dict) else None
    click.echo(f"测算完成：{db}")
    for key, counts in summary.items():
        shown = "，".join(f"{label} {value}" for label, value in counts.items()) \
            if isinstance(counts, dict) else str(counts)
        click.echo(f"  {names.get(key, key)}：{shown or '无数据'}")
    stored = stored_files(database)
    if stored:
        click.echo(f"  已叠加录入的参数文件：{'、'.join(f.file for f in stored)}"
                   f"（cadre parameters list {db} 查看）")
    if missing:
        click.echo(provisional_warning(missing, db), err=True)


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path, exists=True))
@click.argument("kind")
@click.argument("ident", metavar="ID", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the stored trace as JSON.")
@pass_env
def explain(env: Env, db: Path, kind: str, ident: str | None, as_json: bool) -> None:
    """Print the explanation of one computed figure: its inputs, the rules and plugins
    applied, the dated parameters with their sources, and the steps.

    The explanation is stored under the id KIND:ID. Kinds of the assessment engine:

    \b
      assessment  (考核, 得分, score)  ID = 考核编号, e.g. A2024-001
      consequence (结果运用, 后果)      ID = 干部编号:年度:规则代码, e.g. C001:2024:adjust_incompetent
      scorecard   (成绩单)             ID = unit:单位代码:年度 or region:地区代码:年度
      target      (重点目标, 710)       ID = 单位代码:年度
      assessment_rules                 ID = the hash an assessment's explanation names

    An assessment's explanation names the shared entry (assessment_rules:…) holding the rules
    and dated parameters it applied, with their sources; it is printed after it. Other
    engines' kinds work the same way (KIND:ID as they store it); when an id is not found, the
    kinds present in DB are listed.

    The id may also be given whole, as the tables' 说明编号 (explanation_id) columns show it:
    ``cadre explain DB subsidy:968b70089a176794``.

    打印某项测算结果的中文说明（也可直接写表中的“说明编号”，如 subsidy:968b70089a176794）。
    """
    if ident is None:
        if ":" not in kind:
            raise click.UsageError(f"缺少编号：写成 cadre explain {db} 类别 编号，或直接写“说明编号”"
                                   "（如 subsidy:968b70089a176794）")
        kind, ident = kind.split(":", 1)
    kind = KIND_ALIASES.get(kind, kind)
    database = open_db(db, readonly=True)
    found = _lookup(database, f"{kind}:{ident}")
    if found is None:  # a kind whose ids have another prefix (subsidy_ledger: subsidy:<hash>)
        eid = _id_of_kind(database, kind, ident)
        found = _lookup(database, eid) if eid else None
    if found is None:
        raise CadreError(_not_found(database, kind, ident))
    data = found
    # An explanation may name shared entries it relies on (``see``), e.g. the rules and
    # parameters common to many assessments: print them after it.
    shared = {sid: _lookup(database, sid) for sid in data.get("see", [])}
    if as_json:
        data["referenced"] = {sid: got for sid, got in shared.items() if got}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return
    # indicator codes by their names, as the pages show them (德 92.9, not de 92.9)
    names = {code: name for code, (name, _) in indicators.names(env.plugins).items()}
    click.echo(render_text(data, names))
    for got in shared.values():
        if got:
            click.echo("\n" + render_text(got, names))


def _lookup(database: sqlite_utils.Database, eid: str) -> dict | None:
    """The explanation ``eid`` with its rules and parameters resolved, or None."""
    return explanations.lookup(database.conn, eid)


def _id_of_kind(database: sqlite_utils.Database, kind: str, ident: str) -> str | None:
    """The id of the explanation of ``kind`` that is ``ident`` or ends with ``:ident``: first
    by its primary key as ``ident`` itself or under the prefix the kind's ids have (there is no
    index on kind: a kind's rows are found by scanning, the first one soon for a large kind),
    else by scanning the kind's ids."""
    conn = database.conn
    example = conn.execute("SELECT id FROM explanation WHERE kind = ? LIMIT 1", [kind]).fetchone()
    if example is None:
        return None
    for eid in (ident, f"{example[0].split(':', 1)[0]}:{ident}"):
        row = conn.execute("SELECT id FROM explanation WHERE id = ? AND kind = ?",
                           [eid, kind]).fetchone()
        if row:
            return row[0]
    row = database.execute(
        "SELECT id FROM explanation WHERE kind = ? AND (id = ? OR substr(id, -length(?)) = ?) "
        "ORDER BY id LIMIT 1", [kind, ident, ":" + ident, ":" + ident]).fetchone()
    return row[0] if row else None


def _not_found(database: sqlite_utils.Database, kind: str, ident: str) -> str:
    similar = [r[0] for r in database.execute(
        "SELECT id FROM explanation WHERE id LIKE ? ORDER BY id LIMIT 5",
        [f"{kind}:%{ident}%"])]
    # Where a kind's ids start with another prefix, show one, so that the ID to give is clear.
    kinds = [f"{k}（{n} 条）" + ("" if example.startswith(f"{k}:") else
                                f"，编号形如 {example}，ID 可只写冒号后的部分")
             for k, n, example in database.execute(
                 "SELECT kind, count(*), min(id) FROM explanation GROUP BY kind ORDER BY kind")]
    msg = f"未找到说明“{kind}:{ident}”。"
    if similar:
        msg += f"相近的编号：{'、'.join(similar)}。"
    msg += f"数据库中已有的说明类别：{'、'.join(kinds)}。" if kinds else \
        "数据库中还没有任何说明，请先运行 cadre evaluate。"
    return msg


COMMANDS = [evaluate, explain]
