"""An explanation as a reader sees it on the publication's pages: the result, the inputs, the
rules (each linked to its row in 规则清单), the parameters (each linked to its row in 参数取值,
with its basis), the calculation as numbered steps, and a "原始数据" link to the stored JSON.
"""
from __future__ import annotations

import urllib.parse
from typing import Any

from markupsafe import Markup

from cadre_sdk.core.trace import _basis, _fmt, readable


def _query(url: str, **args: str) -> str:
    return f"{url}?{urllib.parse.urlencode(args)}"


def _rule(entry: Any, rules_url: str, regions: dict[str, str]) -> Markup:
    """A rule the explanation applied: its name linked to its row in 规则清单 (its key on
    hover: readers read the name) and the region whose rule it is, by name."""
    if not isinstance(entry, dict) or "key" not in entry:
        return Markup("<li>（规则引用未解析）</li>")
    href = _query(rules_url, key=entry["key"], plugin=entry.get("plugin", ""))
    where = entry.get("jurisdiction", "")
    return Markup('<li><a href="{}" title="规则键 {}">{}</a>（管辖：<span title="地区代码 {}">{}'
                  '</span>）</li>').format(href, entry["key"], entry.get("name") or entry["key"],
                                          where, regions.get(where, where))


def _parameter(entry: Any, params_url: str, parameters: dict[str, str]) -> Markup:
    """A parameter the explanation applied: by its Chinese name (its path on hover; the path
    where it has no name), value, date in force and basis, linked to its row in 参数取值."""
    if not isinstance(entry, dict) or "path" not in entry:
        return Markup("<li>（参数引用未解析）</li>")
    href = _query(params_url, path=entry["path"], start=entry.get("start", ""))
    basis = _basis(entry).lstrip("；")
    name = parameters.get(entry["path"])
    shown = Markup('<span title="参数路径 {}">{}</span>').format(entry["path"], name) if name \
        else Markup("<code>{}</code>").format(entry["path"])
    return Markup('<li>{} = {}，自 {} 起施行。<a href="{}">出处</a>：{}</li>'
                  ).format(shown, _fmt(entry.get("value")), entry.get("start", ""),
                           href, basis)


def render_html(data: dict[str, Any], *, rules_url: str, params_url: str, raw_url: str,
                explanation_url: Any, names: dict[str, str] | None = None,
                regions: dict[str, str] | None = None,
                parameters: dict[str, str] | None = None) -> Markup:
    """The explanation ``data`` (its references resolved) as HTML; ``explanation_url(id)``
    links another explanation (``see``); ``names`` gives codes' Chinese names (indicators),
    ``regions`` region codes' (the rules' jurisdictions), ``parameters`` parameter paths'."""
    names, regions, parameters = names or {}, regions or {}, parameters or {}
    parts = [Markup('<div class="cadre-explanation"><p><strong>{}</strong></p>').format(
        data.get("subject", ""))]
    if data.get("result") is not None:
        parts.append(Markup("<p>结果：<strong>{}</strong></p>").format(_fmt(data["result"])))
    if data.get("inputs"):
        parts.append(Markup("<p>输入：</p><ul>") + Markup("").join(
            Markup("<li>{}：{}</li>").format(i.get("label", ""), readable(i.get("value"), names))
            for i in data["inputs"]) + Markup("</ul>"))
    if data.get("rules"):
        parts.append(Markup("<p>适用规则：</p><ul>") + Markup("").join(
            _rule(r, rules_url, regions) for r in data["rules"]) + Markup("</ul>"))
    if data.get("parameters"):
        parts.append(Markup("<p>参数及依据：</p><ul>") + Markup("").join(
            _parameter(p, params_url, parameters) for p in data["parameters"]) + Markup("</ul>"))
    if data.get("steps"):
        parts.append(Markup("<p>计算步骤：</p><ol>") + Markup("").join(
            Markup("<li>{}{} = <strong>{}</strong></li>").format(
                s.get("label", ""), "：" + s["formula"] if s.get("formula") else "",
                readable(s.get("value"), names)) for s in data["steps"]) + Markup("</ol>"))
    if data.get("note"):
        parts.append(Markup("<p>{}</p>").format(data["note"]))
    if data.get("sql"):
        parts.append(Markup("<details><summary>计算方法</summary><pre>{}</pre></details>"
                            ).format(data["sql"]))
    if data.get("see"):
        parts.append(Markup("<p>适用规则、参数及其依据：") + Markup("、").join(
            Markup('<a href="{}" title="说明编号 {}">见说明{}</a>').format(
                explanation_url(s), s, "" if len(data["see"]) == 1 else n)
            for n, s in enumerate(data["see"], 1)) + Markup("</p>"))
    parts.append(Markup('<p><a href="{}">原始数据</a></p></div>').format(raw_url))
    return Markup("").join(parts)

