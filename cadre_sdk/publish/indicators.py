"""The assessment indicators' Chinese names in the publication: table ``indicator`` (code,
name, description), from every indicator set the plugins register, so pages show 城市治理成效
where the scores store the code ``chengshi`` (the code stays a column of its own)."""
from __future__ import annotations

import sqlite3

from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.store.table_labels import describe

TABLE = "indicator"

describe(TABLE, "考核指标",
         "各地考核指标的代码与中文名称（来自省级默认规则和各地插件；同一代码各地名称相同时只列一次）。",
         {"code": "指标代码", "name": "指标名称", "description": "说明"},
         notes={"code": "指标得分表中记录的代码（拼音）"})


def names(plugins: CadrePlugins) -> dict[str, tuple[str, str]]:
    """Indicator code -> (Chinese name, description), the first registered name of each code
    (jurisdictions name a shared code alike)."""
    out: dict[str, tuple[str, str]] = {}
    for reg in plugins.book.all("indicators"):
        for ind in getattr(reg.item, "indicators", ()):
            out.setdefault(ind.code, (ind.name, ind.description))
    return out


def write(conn: sqlite3.Connection, plugins: CadrePlugins) -> int:
    """Create and fill the ``indicator`` table; returns its rows."""
    rows = sorted((code, name, description)
                  for code, (name, description) in names(plugins).items())
    conn.execute(f"CREATE TABLE [{TABLE}] (code TEXT PRIMARY KEY, name TEXT NOT NULL, "
                 "description TEXT)")
    conn.executemany(f"INSERT INTO [{TABLE}] VALUES (?, ?, ?)", rows)
    return len(rows)
