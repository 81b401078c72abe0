"""What ``cadre rules show`` reports: for one jurisdiction and date, the rule of each kind and
key that applies there, who registered it, what it overrides and inherits (its overlay), and
the parameter values in force with their status and reference; then the catalogue entries in
force there on that date. Dated items count only on the dates they are in force."""
from __future__ import annotations

import datetime
from typing import Any

from cadre_sdk.engines.cases.tolerance import Variants
from cadre_sdk.core.errors import ParameterError
from cadre_sdk.plugin_host.rule_book import CATALOGUE_KINDS, UNDATED_KINDS, Registration
from cadre_sdk.plugin_host.discovery import CadrePlugins

#: The order kinds are shown in (then any other kind, alphabetically).
KIND_ORDER = ("indicators", "scoring", "grading", "grade_quota", "subsidy", "tolerance")
#: Parameter nodes a standard rule of a kind reads (``cadre_sdk.formulas``); a rule of another
#: kind or scheme shows every parameter of its files.
_PREFIXES = {"scoring": ("formula",), "grading": ("grading",), "tolerance": ("tolerance",),
             ("subsidy", "乡镇工作岗位补助"): ("township_post",),
             ("subsidy", "地区附加津贴"): ("regional_allowance",)}


def _paths(reg: Registration) -> list[str] | None:
    """The parameter paths worth listing for ``reg`` (None: every leaf of its files)."""
    item = reg.item
    if reg.kind == "indicators":
        return [ind.weight for ind in item.indicators]
    if reg.kind == "grade_quota":
        return [p for p in (item.share, item.minimum) if p]
    prefixes = _PREFIXES.get((reg.kind, reg.key)) or _PREFIXES.get(reg.kind)
    if prefixes is None:
        return None
    return [path for path, _ in item.parameters.leaves()
            if path.split(".")[0] in prefixes]


def status_of(value: Any) -> str:
    """A value's status: the ``status`` it carries, else ``example`` for ``example: true``."""
    status = getattr(value, "status", None)
    if status:
        return str(status)
    return "example" if value.example else ""


def parameters_in_force(reg: Registration, on: datetime.date) -> list[dict[str, Any]]:
    """Every parameter of ``reg``'s (merged) files it reads, as in force on ``on``."""
    params = getattr(reg.item, "parameters", None)
    if params is None:
        return []
    paths = _paths(reg)
    if paths is None:
        paths = [path for path, _ in params.leaves()]
    plugin_of = getattr(params, "plugin_of", None)
    out = []
    for path in paths:
        try:
            value = params.at(path, on)
        except ParameterError as exc:
            out.append({"path": path, "error": str(exc)})
            continue
        out.append({"path": path, "value": value.value, "unit": value.unit,
                    "start": value.start.isoformat(), "status": status_of(value),
                    "reference": value.reference, "file": value.file,
                    "plugin": (plugin_of(value) if plugin_of else "") or reg.plugin})
    return out


def _who(reg: Registration) -> dict[str, str]:
    return {"plugin": reg.plugin, "jurisdiction": reg.jurisdiction,
            "name": getattr(reg.item, "name", "") or ""}


def _functions(reg: Registration) -> dict[str, str]:
    """The rule's functions by field, as ``module.name``."""
    out = {}
    for name in ("compute", "grade", "decide", "accepting_body", "applies"):
        fn = getattr(reg.item, name, None)
        if callable(fn):
            out[name] = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"
    return out


def entry(reg: Registration, on: datetime.date, **extra: Any) -> dict[str, Any]:
    """One applicable rule, as ``rules show`` reports it."""
    overlay = reg.overlay
    inherited = {} if overlay is None else {
        field: {"plugin": r.plugin, "jurisdiction": r.jurisdiction}
        for field, r in sorted(overlay.inherited.items())}
    item = reg.item
    return {"kind": reg.kind, "key": reg.key, **_who(reg),
            "start": item.start.isoformat() if getattr(item, "start", None) else None,
            "end": item.end.isoformat() if getattr(item, "end", None) else None,
            "replace": bool(getattr(item, "replace", False)),
            "overrides": [_who(r) for r in (overlay.overrides if overlay else ())],
            "inherits": inherited, "functions": _functions(reg), **extra,
            "parameters": parameters_in_force(reg, on)}


def _tolerance(plugins: CadrePlugins, code: str, on: datetime.date) -> list[dict[str, Any]]:
    keys = sorted({r.key for r in plugins.book.all("tolerance")} | {"*"})
    out, seen = [], set()
    for key in keys:
        variants = Variants.resolve(plugins.book, key, code, on)
        reg = variants.primary
        if (reg.plugin, reg.jurisdiction, reg.key) in seen:
            continue  # a case kind with no variant of its own here: the "*" one applies
        seen.add((reg.plugin, reg.jurisdiction, reg.key))
        limits = {}
        for step in sorted({s for r in variants.regs for s in r.item.time_limits}):
            supplier = variants.limit_for(step)
            limits[step] = {"path": supplier.item.time_limits[step], "plugin": supplier.plugin,
                            "jurisdiction": supplier.jurisdiction}
        out.append(entry(reg, on, dimensions=list(variants.dimensions),
                         red_lines=list(variants.red_lines), time_limits=limits))
    return out


def applicable(plugins: CadrePlugins, code: str, on: datetime.date,
               kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every rule that applies in ``code`` on ``on`` (of ``kinds``, default all overriding
    kinds), ordered by kind then key."""
    book = plugins.book
    present = [k for k in book.kinds() if k not in CATALOGUE_KINDS]
    order = [k for k in KIND_ORDER if k in present] + sorted(set(present) - set(KIND_ORDER))
    out = []
    for kind in order:
        if kinds and kind not in kinds:
            continue
        if kind == "tolerance":
            out += _tolerance(plugins, code, on)
            continue
        for key in sorted({r.key for r in book.all(kind)}):
            reg = book.resolve(kind, key, code, on=on)
            if reg is not None:
                out.append(entry(reg, on))
    return out


def catalogues(plugins: CadrePlugins, code: str, on: datetime.date,
               kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every catalogue entry (situations, red lines, consequences, staffing rules) in force in
    ``code`` on ``on`` (of ``kinds``, default all), by kind then code; canned queries, which
    are not dated, are left out."""
    book = plugins.book
    out = []
    for kind in sorted(set(book.kinds()) & CATALOGUE_KINDS - UNDATED_KINDS):
        if kinds and kind not in kinds:
            continue
        for key, reg in sorted(book.catalogue(kind, code, on=on).items()):
            item = reg.item
            out.append({"kind": kind, "key": key, **_who(reg),
                        "title": getattr(item, "title", "") or "",
                        "status": getattr(item, "status", None),
                        "start": item.start.isoformat() if item.start else None,
                        "end": item.end.isoformat() if item.end else None})
    return out


def catalogues_as_text(entries: list[dict[str, Any]]) -> list[str]:
    """The catalogue entries as lines of text, one heading per kind."""
    lines: list[str] = []
    kind = None
    for e in entries:
        if e["kind"] != kind:
            kind = e["kind"]
            count = sum(1 for x in entries if x["kind"] == kind)
            lines.append(f"catalogue {kind}: {count} entries in force")
        period = f"; from {e['start'] or '-'} until {e['end'] or '-'}" \
            if e["start"] or e["end"] else ""
        status = f"; {e['status']}" if e["status"] else ""
        lines.append(f"    {e['key']} {e['title']} ({e['plugin']}, {e['jurisdiction']}"
                     f"{status}{period})")
    return lines


def _shown(value: Any, unit: str | None) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return f"{value}" + (f" {unit}" if unit and unit not in ("text", "bool") else "")


def as_text(entries: list[dict[str, Any]]) -> list[str]:
    """The report as lines of text (English labels; names and values as registered); each
    distinct reference is numbered once and listed at the end."""
    lines: list[str] = []
    references: dict[str, int] = {}
    for e in entries:
        lines.append(f"{e['kind']} {e['key']!r}: {e['name'] or '-'}")
        lines.append(f"    plugin {e['plugin']} (jurisdiction {e['jurisdiction']})"
                     + ("  [replace=True: inherits nothing]" if e["replace"] else ""))
        if e["start"] or e["end"]:
            lines.append(f"    in force: from {e['start'] or '-'} until "
                         f"{e['end'] + ' (exclusive)' if e['end'] else '-'}")
        if e["overrides"]:
            lines.append("    overrides: " + "; ".join(
                f"{o['plugin']} ({o['jurisdiction']})" for o in e["overrides"]))
        for field, who in e["inherits"].items():
            lines.append(f"    inherits {field} from {who['plugin']} ({who['jurisdiction']})")
        for name, fn in e["functions"].items():
            lines.append(f"    {name}: {fn}")
        if "dimensions" in e:
            lines.append(f"    dimensions: {'、'.join(e['dimensions'])}")
            lines.append(f"    red lines: {'、'.join(e['red_lines'])}")
            for step, lim in e["time_limits"].items():
                lines.append(f"    time limit {step}: {lim['path']} from {lim['plugin']} "
                             f"({lim['jurisdiction']})")
        for p in e["parameters"]:
            if "error" in p:
                lines.append(f"    {p['path']}: not in force ({p['error']})")
                continue
            status = f"; {p['status']}" if p["status"] else ""
            ref = references.setdefault(p["reference"], len(references) + 1)
            lines.append(f"    {p['path']} = {_shown(p['value'], p['unit'])} (from {p['start']}"
                         f"{status}; {p['plugin']}) [{ref}]")
    if references:
        lines.append("references:")
        lines += [f"  [{n}] {text}" for text, n in references.items()]
    return lines
