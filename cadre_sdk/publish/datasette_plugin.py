"""cadre-sdk's Datasette plugin, for publications built by ``cadre publish``.

It acts only on a Datasette whose metadata carries cadre-sdk's settings
(``plugins["cadre-sdk"]``, written by ``cadre publish``), so installing it beside other
Datasette projects changes nothing for them. ``cadre serve`` registers it on Datasette's
plugin manager; with the ``datasette`` entry point installed, ``datasette -i OUT -m
OUT.metadata.json`` loads it as well.

- Read-only, whatever the configuration: every write action is denied, every request that is
  not a read (except logging in and out) is refused, and the publication's connections get a
  SQLite authorizer that refuses writes, ATTACH and state-changing PRAGMAs.
- Oversight level: anonymous visitors are denied everything (log in at ``/-/login``).
- ``cadre_match(q)``: the SQL function behind the Chinese search.
- Cells: explanations render as readable Chinese; ``explanation_id`` (说明编号) and ``record``
  (记录) cells link to the explanation and to the row they name.
- Table headers and table names show their Chinese titles (the English names stay in the URL,
  the API and SQL).
"""
from __future__ import annotations

import functools
import json
import weakref
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup

from cadre_sdk.core import parameter_versions
from cadre_sdk.store import explanations
from cadre_sdk.store.explanations import expand, json_text_from
from cadre_sdk.publish import chrome, guard, indicators, pages, rule_names, search
from cadre_sdk.publish.explain_html import render_html
from cadre_sdk.publish.metadata import PLUGIN_KEY

#: Actions that would change something; Datasette 0.65 has none of them, later versions do.
WRITE_ACTIONS = frozenset({"insert-row", "delete-row", "update-row", "create-table",
                           "drop-table", "alter-table", "upsert-row", "write-query",
                           "execute-write-sql"})
#: Requests that may use POST: logging in and out change no data.
POST_PATHS = frozenset({"/-/login", "/-/logout"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXPLANATION_COLUMNS = frozenset({"explanation_id", "说明编号"})
RECORD_COLUMNS = frozenset({"record", "记录"})
#: The only columns whose cells render_cell changes outside the explanation table.
LINK_COLUMNS = EXPLANATION_COLUMNS | RECORD_COLUMNS
#: (table, column) holding parameter versions (``core.parameter_versions``: ``path@start; …``):
#: the subsidy rules' and the ledger query's (table None), shown by the parameters' names.
VERSION_COLUMNS = frozenset({("subsidy_rule", "parameter_version"), (None, "参数版本")})
#: Columns render_cell looks at whatever their table: links, explanations, indicator and rule
#: codes, parameter versions.
_SPECIAL = LINK_COLUMNS | {"json", "indicator", "id"} | {c for _, c in rule_names.CODE_COLUMNS} \
    | {c for _, c in VERSION_COLUMNS}

#: Datasette -> (the metadata dict it was read from, cadre-sdk's settings in it).
_CONFIGS: "weakref.WeakKeyDictionary[Any, tuple[Any, dict[str, Any] | None]]" = \
    weakref.WeakKeyDictionary()


def _config(datasette: Any) -> dict[str, Any] | None:
    """cadre-sdk's settings in the metadata, or None for a Datasette that is not ours.

    Read once per Datasette (and again only if its metadata dict is replaced):
    ``plugin_config`` copies the whole settings (every table's column titles) on each call,
    and hooks ask for them on every cell of a page."""
    source = getattr(datasette, "_metadata_local", None)
    try:
        cached = _CONFIGS.get(datasette)
    except TypeError:   # not weakly referenceable: no cache
        return datasette.plugin_config(PLUGIN_KEY)
    if cached is None or cached[0] is not source:
        cached = (source, datasette.plugin_config(PLUGIN_KEY))
        _CONFIGS[datasette] = cached
        if cached[1] is not None:
            pages.prepare(datasette, cached[1])
    return cached[1]


def _ours(datasette: Any, database: str | None) -> dict[str, Any] | None:
    """The settings, if ``database`` is the publication (or no database is named)."""
    config = _config(datasette)
    if config is None or (database is not None and database != config["database"]):
        return None
    return config


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    """The search function, ``cadre_explain(json)``, and the read-only authorizer, on the
    publication's connections."""
    if _ours(datasette, database) is None:
        return
    search.register_function(conn)
    explanations.register_sql_function(conn, keys=False)   # readers read rules' names
    guard.guard(conn)


@hookimpl(trylast=True)
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> bool | None:
    """Deny writes always; at oversight level deny everything to anonymous visitors. Called
    last, so no other plugin's answer overrides these denials."""
    config = _config(datasette)
    if config is None:
        return None
    if action in WRITE_ACTIONS:
        return False
    if config["level"] == "oversight" and not actor:
        return False
    return None


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Refuse every request that is not a read (405), except logging in and out."""
    if _config(datasette) is None:
        return lambda app: app

    def wrap(app: Any) -> Any:
        """Wrap the ASGI app."""
        async def read_only(scope: dict, receive: Any, send: Any) -> None:
            """Answer 405 to anything but a read."""
            if scope["type"] == "http" and scope["method"] not in READ_METHODS and not (
                    scope["method"] == "POST" and scope["path"] in POST_PATHS):
                response = Response.text("本发布为只读：不接受写入或修改请求。", status=405,
                                         headers={"Allow": "GET, HEAD"})
                await response.asgi_send(send)
                return
            if scope["type"] == "http" and scope.get("query_string"):
                scope = await _codes_for_names(datasette, scope)
            await app(scope, receive, send)
        return read_only

    return wrap


async def _codes_for_names(datasette: Any, scope: dict) -> dict:
    """A canned query's request with region and unit names replaced by their codes (readers
    may type 玉树藏族自治州 where the query takes 632700, or a short form: 玉树州, 西宁, 格尔木;
    what the page says about them goes under ``NOTES``) and a cadre's name by the id (one
    cadre of that name, oversight level), and months, years, half-years and
    free-text filters as readers write them in the queries' form (``pages.normal_value``:
    ``2024.07``, ``2024年下半年``, Traditional characters)."""
    query = scope["query_string"].decode("latin-1")
    if not any(f"{p}=" in query for p in _PICKED):
        return scope
    parts = scope["path"].strip("/").split("/")
    config = _config(datasette)
    if len(parts) != 2 or config is None or parts[0] != config["database"]:
        return scope
    query = pages.normal_query(query)
    options = await pages.choices(datasette, parts[0])
    query, notes = pages.regions_for_names(query, chrome.REGION_PARAMETERS,
                                           options.get("region", []))
    for kind, params in (("unit", chrome.UNIT_PARAMETERS), ("cadre", chrome.CADRE_PARAMETERS)):
        query = pages.codes_for_names(query, params, options.get(kind, []))
    return dict(scope, query_string=query.encode("latin-1"), **{NOTES: notes})


#: The request scope's key for what the page tells the reader about the names typed
#: (``pages.regions_for_names``), shown by the query template (``zh_notes``).
NOTES = "cadre_notes"


_PICKED = (chrome.REGION_PARAMETERS | chrome.UNIT_PARAMETERS | chrome.CADRE_PARAMETERS
           | pages.NORMALIZED)


def _explanation_link(datasette: Any, database: str, value: str) -> Markup:
    """A link to the explanation with id ``value``, the id in Chinese words
    (``pages.zh_key``: 配备规则核查结果:市州农牧…:U001, not its rule's code)."""
    href = datasette.urls.row(database, "explanation", tilde_encode(value))
    return Markup('<a href="{}" title="查看计算说明">{}</a>').format(
        href, pages.zh_key(datasette, value))


def _rule_name(datasette: Any, table: str, column: str, code: str) -> Markup | None:
    """A rule's code (``rule_names.CODE_COLUMNS``) as the rule's Chinese name, the code on
    hover; None for a code of no known name."""
    kind = rule_names.CODE_COLUMNS[(table, column)]
    name = ((_config(datasette) or {}).get("rule_titles", {}).get(kind, {})).get(code)
    return None if name is None else Markup('<span title="规则代码 {}">{}</span>').format(
        code, name)


def _record_link(datasette: Any, database: str, value: str) -> Markup | None:
    """A link to the row a ``["table", key...]`` cell names, or None."""
    try:
        parts = json.loads(value)
    except ValueError:
        return None
    if not (isinstance(parts, list) and len(parts) >= 2 and isinstance(parts[0], str)):
        return None
    table, keys = parts[0], [str(k) for k in parts[1:]]
    titles = (_config(datasette) or {}).get("table_titles", {})
    if table not in titles:
        return None
    href = datasette.urls.row(database, table, ",".join(tilde_encode(k) for k in keys))
    return Markup('<a href="{}">{} {}</a>').format(href, titles[table], "/".join(keys))


_REFS: "weakref.WeakKeyDictionary[Any, dict[str, dict[int, Any]]]" = \
    weakref.WeakKeyDictionary()


async def _refs(datasette: Any, database: str) -> dict[int, Any]:
    """The publication's ``explanation_ref`` entries, read once (the file is immutable)."""
    cache = _REFS.setdefault(datasette, {})
    if database not in cache:
        try:
            result = await datasette.get_database(database).execute(
                "SELECT id, json FROM explanation_ref")
            cache[database] = {rid: json.loads(body) for rid, body in result.rows}
        except Exception:  # noqa: BLE001 - a publication without references renders inline
            cache[database] = {}
    return cache[database]


def _explained(datasette: Any, database: str, value: str, row: Any) -> Any:
    """An awaitable rendering a stored trace as readable Chinese steps with links to its rules,
    parameters and the raw JSON (None, i.e. the raw JSON, if it is not a trace)."""
    async def render() -> Markup | None:
        try:
            refs = await _refs(datasette, database)
            data = json.loads(json_text_from(value, refs))
            if explanations.replay_stub(data) is not None:   # made when read, from the tables
                data = await datasette.get_database(database).execute_fn(
                    lambda conn: explanations.replayed(conn, data["replay"]))
            data = expand(data, refs)
            urls = datasette.urls
            key = tilde_encode(str(row["id"]))
            return render_html(
                data, rules_url=urls.table(database, "rule_version"),
                params_url=urls.table(database, "parameter_value"),
                raw_url=urls.row(database, "explanation", key) + ".json",
                explanation_url=lambda e: urls.row(database, "explanation", tilde_encode(e)),
                names=await _indicator_names(datasette, database),
                regions=dict((await pages.choices(datasette, database))["region"]),
                parameters=await _parameter_names(datasette, database))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return None
    return render


_INDICATORS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


async def _indicator_names(datasette: Any, database: str) -> dict[str, str]:
    """Indicator code -> Chinese name, read once (the file is immutable)."""
    if datasette not in _INDICATORS:
        try:
            rows = (await datasette.get_database(database).execute(
                f"SELECT code, name FROM [{indicators.TABLE}]")).rows
            _INDICATORS[datasette] = {r[0]: r[1] for r in rows}
        except Exception:  # noqa: BLE001 - an older publication: the codes as they are
            _INDICATORS[datasette] = {}
    return _INDICATORS[datasette]


_PARAMETERS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


async def _parameter_names(datasette: Any, database: str) -> dict[str, str]:
    """Parameter path -> Chinese name (``explanations.parameter_names``), read once."""
    if datasette not in _PARAMETERS:
        _PARAMETERS[datasette] = await datasette.get_database(database).execute_fn(
            explanations.parameter_names)
    return _PARAMETERS[datasette]


def _parameter_versions(datasette: Any, database: str, value: str) -> Any:
    """An awaitable showing a parameter version text (``path@start; …``) as the parameters'
    Chinese names with their dates, one a line (``parameter_versions.readable``: 四类地区月额
    （2015-01-01 起）, a stored file's value with its file), each entry as stored on hover;
    None for a text of another shape (shown as it is)."""
    found = parameter_versions.entries(value)

    async def render() -> Markup | None:
        if not found:
            return None
        names = await _parameter_names(datasette, database)
        lines = Markup("\n").join(
            Markup('<span title="参数版本 {}">{}</span>').format(
                raw, parameter_versions.readable(path, start, file, names))
            for raw, path, start, file in found)
        # wide enough for a name to read on a line or two beside the wide 说明 column
        return Markup('<span style="display:inline-block;min-width:16em">{}</span>').format(lines)
    return render


def _indicator_name(datasette: Any, database: str, code: str) -> Any:
    """An awaitable showing an indicator code as its Chinese name (the code on hover)."""
    async def render() -> Markup | None:
        name = (await _indicator_names(datasette, database)).get(code)
        return None if name is None else Markup('<span title="指标代码 {}">{}</span>').format(
            code, name)
    return render


@functools.lru_cache(maxsize=4096)
def _query_format(column: str) -> Any:
    return pages.query_formatter(column)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    """Explanations as readable Chinese steps; explanation ids and row references as links;
    indicator codes as names; amounts with 元, shares with %, yes/no as 是/否."""
    if column not in _SPECIAL and column not in pages.FORMATTED and (
            table is not None or _query_format(column) is None):
        return None   # most cells: nothing to do, nothing looked up
    if value is None or _ours(datasette, database) is None:
        return None
    fmt = (pages.formats(datasette, database, table).get(column) if table
           else _query_format(column))
    if fmt is not None:
        return fmt(value)
    if table == "explanation" and column == "json" and isinstance(value, (str, bytes)):
        return _explained(datasette, database, value, row)   # bytes: a packed explanation
    if table == "explanation" and column == "id" and isinstance(value, str):
        return pages.zh_key(datasette, value)   # (the row's page and its link keep the id)
    if not isinstance(value, str) or not value:
        return None
    if column in LINK_COLUMNS:
        if column in EXPLANATION_COLUMNS:
            return _explanation_link(datasette, database, value)
        return _record_link(datasette, database, value)
    if table == "indicator_score" and column == "indicator":
        return _indicator_name(datasette, database, value)
    if (table, column) in rule_names.CODE_COLUMNS:
        return _rule_name(datasette, table, column, value)
    if (table, column) in VERSION_COLUMNS:
        return _parameter_versions(datasette, database, value)
    return None


_RELABEL_JS = """
(function () {
  var table = %s, columns = %s, tables = %s;
  var h1 = document.querySelector("h1");
  if (table && tables[table] && h1 && h1.textContent.indexOf(table + ":") === 0) {
    h1.textContent = tables[table] + "：" + h1.textContent.slice(table.length + 1).trim();
  }
  document.querySelectorAll("th[data-column]").forEach(function (th) {
    var name = th.dataset.column, title = columns[name];
    if (!title) { return; }
    var walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      if (node.nodeValue.indexOf(name) !== -1) {
        node.nodeValue = node.nodeValue.replace(name, title);
        break;
      }
    }
    th.title = name;
  });
  document.querySelectorAll("a[href]").forEach(function (a) {
    var name = a.textContent.trim(), title = tables[name];
    var last = decodeURIComponent(a.pathname.split("/").pop());
    if (title && last === name) { a.textContent = title; a.title = name; }
  });
})();
"""


def _json_for_script(data: Any) -> str:
    """JSON safe to put inside a <script> element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


@hookimpl
def extra_body_script(template: str, database: str | None, table: str | None, columns: Any,
                      view_name: str, request: Any, datasette: Any) -> dict[str, str] | None:
    """Show Chinese titles in table headers, row page headings and lists of tables, and
    Chinese words where scripts (column menus, dashboards) write English."""
    config = _config(datasette) if database is None else _ours(datasette, database)
    if config is None:
        return None
    cols = config.get("column_titles", {}).get(table, {}) if table else {}
    return {"script": _RELABEL_JS % (_json_for_script(table), _json_for_script(cols),
                                     _json_for_script(config.get("table_titles", {})))
            + _TRANSLATE_JS % _json_for_script(chrome.SCRIPT_WORDS)}


_TRANSLATE_JS = """
(function () {
  var words = %s;
  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue, trimmed = text.trim();
      if (!trimmed) { continue; }
      if (words[trimmed]) {
        node.nodeValue = text.replace(trimmed, words[trimmed]);
      } else if (trimmed.indexOf("Type: ") === 0) {
        node.nodeValue = text.replace("Type: ", words["Type: "]);
      }
    }
    root.querySelectorAll && root.querySelectorAll("input[type=submit][value=Apply]")
      .forEach(function (b) { b.value = words["Apply"]; });
  }
  translate(document.body);
  new MutationObserver(function (changes) {
    changes.forEach(function (c) {
      c.addedNodes.forEach(function (n) {
        if (n.nodeType === 1) { translate(n); }
      });
    });
  }).observe(document.body, {childList: true, subtree: true});
})();
"""


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        view_name: str, request: Any, datasette: Any) -> Any:
    """What the Chinese templates use: titles, the version served, words, pickers."""
    config = _config(datasette)
    if config is None:
        return {}

    async def inner() -> dict[str, Any]:
        columns = config.get("column_titles", {})
        found = {"zh_columns": columns.get(table, {}) if table else {}, "zh_choices": {},
                 "zh_notes": request.scope.get(NOTES, []) if request is not None else []}
        if template == "query.html" and database == config["database"]:
            found["zh_choices"] = await pages.choices(datasette, database)
        return found
    return inner
