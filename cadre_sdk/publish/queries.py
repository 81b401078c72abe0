"""The publication's canned queries: every plugin's ``CannedQuery`` (``register_queries``),
those marked ``oversight`` left out of the public level, each checked against the built file.

The publication shows every query's answer a page at a time (``paginate``): its SQL is
wrapped in ``SELECT * FROM (...) LIMIT n OFFSET ...`` with a ``page`` parameter (empty: the
first page). Datasette renders each cell through plugin hooks and templates (~10 µs a cell),
so a thousand rows of twenty columns take a fifth of a second, and one slow page holds up
every reader of a busy server; a page of about ``PAGE_CELLS`` cells takes a few ms. The
queries plugins register stay as written (they run unpaged against a store).
"""
from __future__ import annotations

import re
import sqlite3

import attrs

from cadre_sdk.core.errors import PluginError
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.publish.chrome import PARAMETERS
from cadre_sdk.publish.materialize import SOURCES
from cadre_sdk.publish.redact import PUBLIC
from cadre_sdk.publish.search import SEARCH_QUERY

_MISSING_TABLE = re.compile(r"no such table: (\S+)")
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_RENAMED = re.compile(r"(.*):\d+$")

#: The parameter naming the page to show.
PAGE = "page"
#: About this many cells (rows x columns) on a page: with Datasette's ~3 ms a page and ~7 µs
#: a cell (server CPU, measured over HTTP), a page costs about 6 ms ...
PAGE_CELLS = 400
#: ... in whole fives of rows, between these.
MIN_PAGE_ROWS, MAX_PAGE_ROWS = 10, 50


def page_rows(columns: int) -> int:
    """Rows on a page of a query with ``columns`` columns (50 up to 8 columns, 40 for 10, 15
    for 22)."""
    rows = PAGE_CELLS // max(columns, 1) // 5 * 5
    return max(MIN_PAGE_ROWS, min(MAX_PAGE_ROWS, rows))


@attrs.frozen
class PublishedQuery:
    """A canned query as it goes into the metadata, with the plugin that registered it.
    ``page_rows``: rows on a page as published (0: shown whole)."""

    name: str
    title: str
    description: str
    sql: str
    params: tuple[str, ...]
    plugin: str
    level: str
    page_rows: int = 0
    #: ``CannedQuery.indexes``: the indexes the query needs (``copy.create_declared``).
    indexes: tuple[str, ...] = ()

    def paged_sql(self) -> str:
        """The SQL as published: page ``:page`` of the query's rows, in the query's order."""
        if not self.page_rows:
            return self.sql
        n = self.page_rows
        return (f"{_wrapped(self.sql)}\n"
                f"LIMIT {n} OFFSET (max(CAST(:{PAGE} AS INTEGER), 1) - 1) * {n}")

    def metadata(self) -> dict:
        """The Datasette ``queries`` entry."""
        description = self.description
        if self.params and "参数" not in description:
            description = (description + "　" if description else "") + \
                "参数：" + "、".join(PARAMETERS.get(p, p) for p in self.params)
        params = list(self.params)
        if self.page_rows:
            params.append(PAGE)
            description += (f"　每页 {self.page_rows} 行：看后面各页请在“{PARAMETERS[PAGE]}”中填写"
                            "（2、3……；留空为第 1 页）。")
        # Readers who don't write SQL see the form and the answer; "显示 SQL" is one click away.
        return {"title": self.title, "description": description, "sql": self.paged_sql(),
                "params": params, "hide_sql": True}


def _wrapped(sql: str) -> str:
    """``sql`` as a subquery: ``SELECT * FROM (sql)``."""
    return f"SELECT * FROM (\n{sql.rstrip().rstrip(';')}\n)"


def paginate(conn: sqlite3.Connection, queries: list[PublishedQuery]) -> list[PublishedQuery]:
    """The queries as published: each shown ``page_rows(columns)`` rows at a time, except one
    that has its own ``page`` parameter or whose columns a wrapping SELECT renames (SQLite
    calls a second column ``x`` ``x:1``). The columns are read with ``LIMIT 0``: nothing runs."""
    out = []
    for q in queries:
        cursor = conn.execute(f"{_wrapped(q.sql)} LIMIT 0", {p: "" for p in q.params})
        names = [d[0] for d in cursor.description]
        renamed = any((m := _RENAMED.match(n)) and m.group(1) in names for n in names)
        if PAGE not in q.params and not renamed:
            q = attrs.evolve(q, page_rows=page_rows(len(names)))
        out.append(q)
    return out


def parameters(sql: str) -> tuple[str, ...]:
    """The named parameters (``:name``) of ``sql`` in order of first use, ignoring ``::``
    casts, string literals and comments."""
    text = re.sub(r"'(?:[^']|'')*'|--[^\n]*", " ", sql)
    return tuple(dict.fromkeys(_PARAM.findall(text)))


def collect(plugins: CadrePlugins, level: str) -> list[PublishedQuery]:
    """The publication's own search query and every registered query the level may see; a
    name registered twice is an error naming both plugins (a plugin's ``search`` replaces the
    built-in one)."""
    out: dict[str, PublishedQuery] = {}
    builtin = SEARCH_QUERY
    if not any(reg.item.name == builtin.name for reg in plugins.book.all("query")):
        out[builtin.name] = PublishedQuery(builtin.name, builtin.title, builtin.description,
                                           builtin.sql.strip(), parameters(builtin.sql),
                                           "cadre_sdk.publish", builtin.level)
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
                                     parameters(q.sql), reg.plugin, q.level,
                                     indexes=q.indexes)
    return list(out.values())


def check(conn: sqlite3.Connection, queries: list[PublishedQuery], level: str,
          store_tables: set[str]) -> tuple[list[PublishedQuery], list[str]]:
    """Compile every query against the built publication (``EXPLAIN``). A query over a table
    the store does not have (an engine this store was never migrated or evaluated with), or
    over a summary of such a table (``materialize.SOURCES``), is left out; any other failure
    (a table or column the level leaves out, a typo) is an error naming the plugin. Returns
    the queries kept and the names of those left out."""
    kept, left_out = [], []
    for q in queries:
        try:
            conn.execute(f"EXPLAIN {q.sql}", {p: "" for p in q.params}).fetchall()
        except sqlite3.Error as exc:
            missing = _MISSING_TABLE.match(str(exc))
            table = missing.group(1).split(".")[-1] if missing else ""
            # a summary built when publishing is missing when its sources are
            if missing and not set(SOURCES.get(table, (table,))) <= store_tables:
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
