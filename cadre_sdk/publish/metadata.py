"""The Datasette metadata of a publication: Chinese titles and descriptions of every table,
view and column (units included), the source and licence, the canned queries, the charts, and
cadre-sdk's own settings (``plugins["cadre-sdk"]``) that ``cadre serve`` and the Datasette
plugin read. It is written next to the file as ``OUT.metadata.json``.
"""
from __future__ import annotations

import html
import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs

from cadre_sdk import __version__
from cadre_sdk.defaults.adjustments import STAND_IN_ZH
from cadre_sdk.publish import rule_names, search
from cadre_sdk.publish.introspect import columns, tables
from cadre_sdk.publish.labels import labels_for, unlabelled
from cadre_sdk.publish.privacy_copy import public_model_html
from cadre_sdk.publish.queries import MAX_PAGE_ROWS, PublishedQuery, page_rows, paginate
from cadre_sdk.publish.redact import LEVEL_TITLES, OVERSIGHT

PLUGIN_KEY = "cadre-sdk"
#: Units Datasette can compute with (pint); others are only written in the description.
_PINT_UNITS = {"米": "m", "千米": "km"}
#: Tables readers need not browse (they are read through canned queries).
_HIDDEN = {search.TABLE, search.RESULTS}
#: Tables whose ``name`` column labels their rows where other tables refer to them.
_LABEL_COLUMNS = ("region", "unit", "cadre", "subsidy_scheme", "subsidy_rule")


@attrs.frozen
class Notice:
    """Licence and source as the publisher states them (``cadre publish`` options)."""

    license: str = "依法公开的政府信息，引用请注明来源"
    license_url: str | None = None
    source: str = "各地组织部门台账，经 cadre-sdk 导入、按地方规则测算"
    source_url: str | None = None

    @classmethod
    def for_level(cls, level: str) -> "Notice":
        """The default notice of a level (oversight data must not leave the oversight bodies)."""
        if level == OVERSIGHT:
            return cls(license="仅供组织部门、纪检监察机关和巡视巡察机构履职使用，不得对外提供")
        return cls()


def table_metadata(conn: sqlite3.Connection, table: str) -> dict[str, Any]:
    """Title, description, column descriptions and units of one table or view."""
    cols = columns(conn, table)
    labels = labels_for(table, cols)
    meta: dict[str, Any] = {
        "title": labels.title,
        "description": labels.description,
        "columns": {c: labels.column_description(c) for c in cols},
    }
    units = {c: _PINT_UNITS[u] for c, u in labels.units.items() if u in _PINT_UNITS and c in cols}
    if units:
        meta["units"] = units
    rows = page_rows(len(cols))
    if rows < MAX_PAGE_ROWS:   # a wide table: fewer rows a page, as for canned queries
        meta["size"] = rows
    if table in _HIDDEN:
        meta["hidden"] = True
    if table in _LABEL_COLUMNS and "name" in cols:
        meta["label_column"] = "name"
    return meta


def column_titles(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """Column -> short Chinese title (what table headers show)."""
    cols = columns(conn, table)
    return dict(labels_for(table, cols).columns)


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows of every table: the file never changes once built, so ``cadre serve`` gives
    Datasette these instead of counting a table on each visit of its page."""
    return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables(conn)}


def _description_html(name: str, level: str, built_at: str, sha256: str) -> str:
    """The Chinese note on the home page: level, build time, the file's hash and how
    to check it, where provenance is."""
    e = html.escape
    return (
        f"<p>本数据库为青海省干部激励制度数据的<strong>{LEVEL_TITLES[level]}</strong>，只读发布。"
        f"生成时间（UTC）：{e(built_at)}；cadre-sdk {e(__version__)}。</p>"
        f"<p>文件 <code>{e(name)}</code> 的 SHA-256：<code>{e(sha256)}</code>。核对方法：在文件所在目录运行 "
        f"<code>sha256sum -c {e(name)}.sha256</code>（Windows：<code>certutil -hashfile {e(name)} "
        "SHA256</code>），结果应与上述哈希一致；哈希不同说明文件已被改动。</p>"
        "<p>每个计算结果都有“说明编号”，点击可查看输入、适用规则、参数及其依据和计算步骤。"
        "数据来源、插件、规则和参数的版本见“发布信息”“插件及版本”“规则清单”“参数取值”“数据来源记录”各表；"
        "中文检索请用“搜索”查询（支持繁体、两字词）。</p>"
        f"<p>数值与目录的性质：每个参数取值和目录条目都标明“官方依据”“参照适用”“示例值”或“未核实”"
        f"（见“参数取值”表的“依据性质”列）。{e(STAND_IN_ZH)}"
        "容错认定结果以受理主体记录的认定结论为准，规则测算结果只作核对。</p>")


def build(conn: sqlite3.Connection, *, name: str, database: str, level: str,
          queries: list[PublishedQuery], dashboards: dict[str, Any], built_at: str,
          source_sha256: str, min_raters: int, notice: Notice,
          charts_left_out: list[str], queries_left_out: list[str],
          thresholds: dict[str, int] | None = None) -> dict[str, Any]:
    """The metadata for the file ``name`` served as Datasette database ``database``, still
    without the file's hash (``stamp`` adds it once the file is finished)."""
    names = tables(conn, views=True)
    gaps = [gap for t in names for gap in unlabelled(t, columns(conn, t))]
    title = f"青海省干部激励数据发布（{LEVEL_TITLES[level]}）"
    return {
        "title": title,
        "license": notice.license, "license_url": notice.license_url,
        "source": notice.source, "source_url": notice.source_url,
        "about": f"cadre-sdk {__version__}",
        "databases": {database: {
            "title": title,
            "tables": {t: table_metadata(conn, t) for t in names},
            "queries": {q.name: q.metadata() for q in paginate(conn, queries)},
        }},
        "plugins": {
            PLUGIN_KEY: {"level": level, "database": database, "file": name,
                         "source_sha256": source_sha256, "built_at": built_at,
                         "min_raters": min_raters, "thresholds": thresholds or {},
                         "unlabelled": gaps,
                         "charts_left_out": charts_left_out,
                         "queries_left_out": queries_left_out,
                         "table_titles": {t: labels_for(t, columns(conn, t)).title
                                          for t in names},
                         "column_titles": {t: column_titles(conn, t) for t in names},
                         "rule_titles": rule_names.titles(conn),
                         "row_counts": row_counts(conn)},
            **({"datasette-dashboards": dashboards} if dashboards else {}),
        },
    }


def stamp(metadata: dict[str, Any], sha256: str) -> dict[str, Any]:
    """The metadata with the finished file's SHA-256 and the Chinese note on how to check it."""
    data = json.loads(json.dumps(metadata, ensure_ascii=False))
    own = data["plugins"][PLUGIN_KEY]
    own["sha256"] = sha256
    note = _description_html(own["file"], own["level"], own["built_at"], sha256)
    if own["level"] != OVERSIGHT and own.get("thresholds"):
        note += public_model_html(own["thresholds"])
    data["description_html"] = note
    data["databases"][own["database"]]["description_html"] = note
    return data


def rename_database(metadata: dict[str, Any], database: str) -> dict[str, Any]:
    """The metadata for the same file served under another database name (a renamed file)."""
    old = metadata["plugins"][PLUGIN_KEY]["database"]
    if old == database:
        return metadata
    text = json.dumps(metadata, ensure_ascii=False)
    data = json.loads(text)
    data["databases"] = {database: data["databases"].pop(old)}
    data["plugins"][PLUGIN_KEY]["database"] = database
    for board in data["plugins"].get("datasette-dashboards", {}).values():
        for chart in board.get("charts", {}).values():
            chart["db"] = database
        for flt in board.get("filters", {}).values():
            if flt.get("db") == old:
                flt["db"] = database
    return data


def sidecar(out: Path) -> Path:
    """Where the metadata of the publication ``out`` is written."""
    return out.with_name(out.name + ".metadata.json")


def hash_file(out: Path) -> Path:
    """Where the SHA-256 of the publication ``out`` is written (``sha256sum -c`` format)."""
    return out.with_name(out.name + ".sha256")
