"""The publication's canned queries: every plugin's ``CannedQuery`` (``register_queries``),
those marked ``oversight`` left out of the public level, each checked against the built file.
"""
from __future__ import annotations

import re
import sqlite3

import attrs

from ..errors import PluginError
from ..plugins import CadrePlugins
from .redact import PUBLIC

_MISSING_TABLE = re.compile(r"no such table: (\S+)")
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@attrs.frozen
class PublishedQuery:
    """A canned query as it goes into the metadata, with the plugin that registered it."""

    name: str
    title: str
    description: str
    sql: str
    params: tuple[str, ...]
    plugin: str
    level: str

    def metadata(self) -> dict:
        """The Datasette ``queries`` entry."""
        description = self.description
        if self.params and "参数" not in description:
            description = (description + "　" if description else "") + \
                "参数：" + "、".join(self.params)
        # Readers who don't write SQL see the form and the answer; "显示 SQL" is one click away.
        return {"title": self.title, "description": description, "sql": self.sql,
                "params": list(self.params), "hide_sql": True}


def parameters(sql: str) -> tuple[str, ...]:
    """The named parameters (``:name``) of ``sql`` in order of first use, ignoring ``::``
    casts, string literals and comments."""
    text = re.sub(r"'(?:[^']|'')*'|--[^\n]*", " ", sql)
    return tuple(dict.fromkeys(_PARAM.findall(text)))


def collect(plugins: CadrePlugins, level: str) -> list[PublishedQuery]:
    """Every registered query the level may see; a name registered twice is an error naming
    both plugins."""
    out: dict[str, PublishedQuery] = {}
    for reg in plugins.book.all("query"):
        q = reg.item
        if level == PUBLIC and q.level != PUBLIC:
            continue
        if q.name in out and out[q.name].plugin != reg.plugin:
            raise PluginError(reg.plugin, "register_queries",
                              f"query name {q.name!r} is also registered by "
                              f"{out[q.name].plugin!r}",
                              "canned query names must be unique across plugins: rename one.")
        out[q.name] = PublishedQuery(q.name, q.title, q.description, q.sql.strip(),
                                     parameters(q.sql), reg.plugin, q.level)
    return list(out.values())


def check(conn: sqlite3.Connection, queries: list[PublishedQuery], level: str,
          store_tables: set[str]) -> tuple[list[PublishedQuery], list[str]]:
    """Compile every query against the built publication (``EXPLAIN``). A query over a table
    the store does not have (an engine this store was never migrated or evaluated with) is
    left out; any other failure (a table or column the level leaves out, a typo) is an error
    naming the plugin. Returns the queries kept and the names of those left out."""
    kept, left_out = [], []
    for q in queries:
        try:
            conn.execute(f"EXPLAIN {q.sql}", {p: "" for p in q.params}).fetchall()
        except sqlite3.Error as exc:
            missing = _MISSING_TABLE.match(str(exc))
            if missing and missing.group(1).split(".")[-1] not in store_tables:
                left_out.append(q.name)
                continue
            raise PluginError(
                q.plugin, "register_queries",
                f"canned query {q.name!r} does not run on the {level} publication: {exc}",
                "select only published columns (names are dropped at public level: mark "
                "queries that need them level='oversight'), from tables the publication "
                "has.") from exc
        kept.append(q)
    return kept, left_out
