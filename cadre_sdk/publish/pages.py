"""What the publication's Chinese templates need from the publication (the Datasette plugin's
``extra_template_vars``, ``render_cell`` and ``asgi_wrapper`` hooks call these): titles of
tables and columns, the version served, the region and unit pickers of canned queries (and
names typed for codes), and how a cell is formatted (元, %, 是/否).
"""
from __future__ import annotations

import functools
import re
import unicodedata
import urllib.parse
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from cadre_sdk.core import normalize
from cadre_sdk.core.region_names import find_region
from cadre_sdk.core.value_status import STATUS_ZH
from cadre_sdk.parameters.values import UNIT_TITLES
from cadre_sdk.publish import chrome, rule_names

_UNIT = re.compile(r"（单位：([^）]+)）$")

#: Datasette -> {(database, table): {column: formatter}}.
_FORMATS: weakref.WeakKeyDictionary[Any, dict] = weakref.WeakKeyDictionary()
#: Datasette -> its ``key_reader``.
_KEYS: weakref.WeakKeyDictionary[Any, Callable[[Any], str]] = weakref.WeakKeyDictionary()
#: Datasette -> {"region": [(code, name)...], "unit": [...]} read once (the file is immutable).
_CHOICES: weakref.WeakKeyDictionary[Any, dict] = weakref.WeakKeyDictionary()


@functools.cache
def _record_booleans() -> frozenset[tuple[str, str]]:
    """(table, column) of every yes/no field of the records (JSON Schema type boolean)."""
    from cadre_sdk.records.schemas import all_schemas

    return frozenset((kind, name) for kind, schema in all_schemas().items()
                     for name, prop in schema.get("properties", {}).items()
                     if "boolean" in (prop.get("type") if isinstance(prop.get("type"), list)
                                      else [prop.get("type")]))


def _formatter(title: str, unit: str | None, boolean: bool = False
               ) -> Callable[[Any], str | None] | None:
    if boolean:
        return chrome.yes_no
    if unit == "元":
        return chrome.amount
    if unit == "%":
        return chrome.percent
    if title.startswith("是否"):
        return chrome.yes_no
    return None


def query_formatter(column: str) -> Callable[[Any], str | None] | None:
    """The formatter of a canned query's column, by its (Chinese) name."""
    if column.endswith(("（元）", "(元)")) or "金额" in column:
        return chrome.amount
    if column.endswith(("（%）", "(%)", "%")):
        return chrome.percent
    if column.startswith("是否"):
        return chrome.yes_no
    return None


#: Every column name some served publication formats (a cell of any other column needs no
#: look-up at all: render_cell leaves it to Datasette at once).
FORMATTED: set[str] = set()


def prepare(datasette: Any, config: dict[str, Any]) -> None:
    """Work out, once per Datasette, how each table's columns are formatted: from the units
    in their descriptions (元, %) and their Chinese titles (是否…); an explanation's kind
    by its Chinese name."""
    database = config["database"]
    found: dict[tuple[str, str | None], dict[str, Callable[[Any], str | None]]] = {}
    for table, titles in config.get("column_titles", {}).items():
        described = (datasette.metadata(database=database, table=table) or {}).get(
            "columns", {}) or {}
        columns = {}
        for column, title in titles.items():
            unit = _UNIT.search(described.get(column) or "")
            fmt = _formatter(title, unit.group(1) if unit else None,
                             (table, column) in _record_booleans())
            if fmt is not None:
                columns[column] = fmt
        found[(database, table)] = columns
    if "parameter_value" in config.get("table_titles", {}):
        # a value's status (official, example …) by its Chinese name, as explanations say it
        # (and its unit: ``count``, ``percent`` …)
        found.setdefault((database, "parameter_value"), {}).update(
            status=_words(STATUS_ZH), unit=_words(UNIT_TITLES))
    tables = config.get("table_titles", {})
    # codes of the audit tables by their Chinese names: a rule's kind, a step of the data's
    # history and the kind of records it concerns
    for table, column, words in (("rule_version", "kind", chrome.RULE_KINDS),
                                 ("provenance", "step", chrome.PROVENANCE_STEPS),
                                 ("provenance", "kind", tables)):
        if table in tables:
            found.setdefault((database, table), {})[column] = _words(words)
    if "explanation" in config.get("table_titles", {}):
        found.setdefault((database, "explanation"), {})["kind"] = \
            _words(explanation_kinds(config))
    for columns in found.values():
        FORMATTED.update(columns)
    _FORMATS[datasette] = found
    _KEYS[datasette] = key_reader(config)


def zh_key(datasette: Any, key: str) -> str:
    """``key`` (an explanation id) as readers read it (``key_reader``; ``prepare`` must have
    run for this Datasette)."""
    reader = _KEYS.get(datasette)
    return reader(key) if reader else key


def _words(words: dict[str, str]) -> Callable[[Any], str | None]:
    """A formatter showing a code as its word in ``words`` (None: the code as it is)."""
    return lambda code: words.get(code) if isinstance(code, str) else None


def formats(datasette: Any, database: str, table: str) -> dict[str, Callable[[Any], str | None]]:
    """Column -> formatter for ``table`` (``prepare`` must have run for this Datasette)."""
    return _FORMATS.get(datasette, {}).get((database, table), {})


async def choices(datasette: Any, database: str) -> dict[str, list[tuple[str, str]]]:
    """The regions and units readers pick from by name, and the cadres whose names they may
    type (oversight level: the public file has no cadre table): ``{"region": [(code, name)],
    ...}``."""
    cache = _CHOICES.setdefault(datasette, {})
    if database not in cache:
        db = datasette.get_database(database)
        found: dict[str, list[tuple[str, str]]] = {}
        for kind, key in (("region", "code"), ("unit", "code"), ("cadre", "id")):
            # a publication without the table: no picker (asked first: Datasette logs a
            # failing query as an error)
            found[kind] = [(r[0], r[1]) for r in (await db.execute(
                f"SELECT {key}, name FROM {kind} ORDER BY {key}")).rows] \
                if await db.table_exists(kind) else []
        cache[database] = found
    return cache[database]


def codes_for_names(query: str, params: frozenset[str],
                    options: list[tuple[str, str]]) -> str:
    """``query`` (a query string) with the names of ``options`` in ``params`` replaced by their
    codes: ``region=玉树藏族自治州`` → ``region=632700``. A code, an unknown name or a name two
    options share is left as it is (the query then says it found nothing)."""
    if not query or not options:
        return query
    by_name: dict[str, str | None] = {}
    for code, name in options:
        by_name[name] = None if name in by_name else code
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    changed = False
    out = []
    for key, value in pairs:
        code = by_name.get(value.strip()) if key in params else None
        if code:
            value, changed = code, True
        out.append((key, value))
    return urllib.parse.urlencode(out) if changed else query


def _listed(regions: Iterable[tuple[str, str]], names: dict[str, str]) -> str:
    """``玉树藏族自治州（632700）、城关镇（630103001，城中区）``: a township with its county."""
    def one(code: str, name: str) -> str:
        county = names.get(code[:6]) if len(code) > 6 else None
        return f"{name}（{code}，{county}）" if county else f"{name}（{code}）"
    return "、".join(one(code, name) for code, name in regions)


def regions_for_names(query: str, params: frozenset[str],
                      options: list[tuple[str, str]]) -> tuple[str, list[tuple[str, bool]]]:
    """``query`` (a query string) with each region the ``params`` name by name or short form
    (``region_names.find_region``: 玉树州, 西宁, 格尔木, 玉樹) replaced by its code, and what
    the page tells the reader in Chinese, as (text, whether the region was found): a short
    form taken for a prefecture that one of its counties shares (玉树), or, where no single
    region is found, the regions the text may mean (its value is then left as typed: the
    query finds nothing, and the page shows the message instead of an empty answer)."""
    if not query or not options:
        return query, []
    names = dict(options)
    notes: list[tuple[str, bool]] = []
    out, changed = [], False
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        text = value.strip()
        label = chrome.PARAMETERS.get(key, key).split("（")[0]
        if key in params and text in names and len(text) > 6:
            notes.append((_township_note(label, text, text, names), True))
        if key in params and text and text not in names:
            found = find_region(text, options)
            if found.code is not None and len(found.code) > 6:
                notes.append((_township_note(label, text, found.code, names), True))
            if found.code is not None:
                value, changed = found.code, True
                if found.candidates:
                    notes.append((f"{label}“{text}”按{_listed([(found.code, names[found.code])], names)}"
                                  f"查询；要查{_listed(found.candidates, names)}，"
                                  "请选择或填写其完整名称或代码。", True))
            elif found.ambiguous:
                notes.append((f"{label}“{text}”可指 {len(found.candidates)} 个地区："
                              f"{_listed(found.candidates, names)}。请在下拉列表中选择，或填写地区代码。",
                              False))
            else:
                near = f"最接近的有：{_listed(found.candidates, names)}。" if found.candidates \
                    else ""
                notes.append((f"{label}“{text}”不是本发布中的地区名称、简称或代码。{near}"
                              "请在下拉列表中选择，或填写完整名称或地区代码。", False))
        out.append((key, value))
    return (urllib.parse.urlencode(out) if changed else query), notes


def _township_note(label: str, text: str, code: str, names: dict[str, str]) -> str:
    """What the page says when the region asked for is a township (乡镇、街道): the queries
    answer for it alone (its own units and records; the ones counted by county and above
    have no row for it), and how to ask for its county."""
    county = names.get(code[:6])
    wider = f"要查{_listed([(code[:6], county)], names)}全部，请选择或填写其名称或代码。" \
        if county else ""
    return (f"{label}“{text}”是乡镇（街道）{_listed([(code, names[code])], names)}："
            f"只列该乡镇本身的记录，按县及以上地区统计的数字没有乡镇一级。{wider}")


#: ``2024H1``, ``2024h1``, ``2024上``, ``2024年上半年``, ``２０２４Ｈ１`` (after NFKC).
_HALF = re.compile(r"(\d{4})\s*年?\s*(?:[Hh]\s*([12])|(上|下)(?:半年)?)")
#: Parameters matched against stored Simplified text (a reader may type Traditional).
TEXT_PARAMETERS = frozenset({"source", "tag", "kind", "category", "scheme", "method"})


def normal_value(name: str, value: str) -> str:
    """A canned-query parameter's value in the form the queries compare, from the ways
    readers write it: 月份 ``2024.07``/``2024年7月``/``202407`` → ``2024-07``; 年度 ``2024年``
    → ``2024``; 半年 ``2024上``/``2024年下半年``/``2024h2`` → ``2024H1``/``2024H2``; the
    free-text filters (来源, 问题标签, …) in Simplified characters. Full-width characters
    count as half-width. A value none of these reads is left as it is."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return value
    try:
        if name == "month":
            return normalize.to_month(text) or value
        if name == "year":
            year = normalize.to_year(text)
            return value if year is None else str(year)
    except ValueError:
        return value
    if name == "half":
        m = _HALF.fullmatch(text)
        if m is None:
            return value
        return f"{m[1]}H{m[2] or ('1' if m[3] == '上' else '2')}"
    if name in TEXT_PARAMETERS:
        return normalize.to_simplified(text)
    return value


#: The parameters ``normal_value`` may change.
NORMALIZED = frozenset({"month", "year", "half"}) | TEXT_PARAMETERS


def normal_query(query: str) -> str:
    """``query`` (a query string) with each value of ``NORMALIZED`` parameters in its
    ``normal_value`` form; the string itself when nothing changes."""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    out = [(key, normal_value(key, value) if key in NORMALIZED else value)
           for key, value in pairs]
    return urllib.parse.urlencode(out) if out != pairs else query


def picker(name: str) -> str | None:
    """Which list a canned-query parameter is picked from (``region``/``unit``), or None."""
    if name in chrome.REGION_PARAMETERS:
        return "region"
    if name in chrome.UNIT_PARAMETERS:
        return "unit"
    return None


def install_globals(jinja_env: Any, config: dict[str, Any]) -> None:
    """What every Chinese template may use, on every page (error pages too): the words
    (``zh``), the version served (``cadre``), table and column titles, the picker of a
    canned-query parameter."""
    tables = config.get("table_titles", {})
    columns = config.get("column_titles", {})
    jinja_env.globals.update({
        "zh": chrome,
        "cadre": {"level": config["level"], "public": config["level"] != "oversight",
                  "sha256": config.get("sha256", ""), "built_at": config.get("built_at", ""),
                  "database": config["database"]},
        "zh_table": lambda name: tables.get(name, name),
        "zh_column": lambda table, column: columns.get(table, {}).get(
            column, chrome.GENERATED_COLUMNS.get(column, column)),
        "zh_picker": picker,
    })
    jinja_env.filters["zh_key"] = key_reader(config)
    jinja_env.filters["zh_link"] = link_reader(config)


def key_reader(config: dict[str, Any]) -> Callable[[Any], str]:
    """A row key as readers read it: each part of an explanation id in Chinese
    (``staffing_breach:rural_team_township_leader:U001`` → ``配备规则核查结果:市州农牧…:U001``;
    ``scorecard:unit:U001:2024`` → ``年度考核成绩单:单位:U001:2024``)."""
    words = {**chrome.EXPLANATION_ID_WORDS, **rule_names.words(config),
             **explanation_kinds(config)}
    return lambda key: ":".join(words.get(part, part) for part in str(key).split(":"))


#: A table page's link to a row: ``<a href="…">key,key</a>``.
_ROW_LINK = re.compile(r'(<a href="[^"]*">)([^<]*)(</a>)')


def link_reader(config: dict[str, Any]) -> Callable[[Any], Any]:
    """A table page's row link with its key as readers read it (``key_reader``: the link to
    ``rural_team_township_leader,U001`` reads 市州农牧…,U001); any other cell as it is."""
    from markupsafe import Markup, escape

    read = key_reader(config)

    def reader(cell: Any) -> Any:
        found = _ROW_LINK.fullmatch(str(cell))
        if found is None:
            return cell
        text = ",".join(read(part) for part in Markup(found[2]).unescape().split(","))
        return Markup(found[1]) + escape(text) + Markup(found[3])
    return reader


def explanation_kinds(config: dict[str, Any]) -> dict[str, str]:
    """Explanation kind -> its Chinese name: the title of the table it explains, or the
    name of a kind that is not a table (``assessment_rules``)."""
    return {**chrome.EXPLANATION_KINDS, **config.get("table_titles", {})}
