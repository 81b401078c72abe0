"""Explanations of computed figures, recorded while the computation runs.

A ``Trace`` collects what a rule read (inputs, dated parameters with their references and the
plugin that supplied them) and the steps it took; engines store it through
``explanations.write`` (rules and parameters once each, in ``explanation_ref``), and
``render_text`` turns it into readable Chinese when someone reads it.

A rule that records the same label or formula for many subjects with only some numbers
changing can say which parts are constant (its labels, operators, weights: the same for every
subject of a rule version) and which are the numbers shown, with ``Filled``: the text reads and
renders as before, and the stored explanation keeps the constant parts once (in its template)
and only the numbers per row. A text new in every trace but made of parts that repeat (a
subject naming an id, a result naming a score and a pool) can be given as a ``Joined`` text:
stored exactly as the plain text, but split part by part (no scan of the whole text).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from cadre_sdk.core.value_status import label_zh, package_path, supplier_zh

if TYPE_CHECKING:   # annotations only: a trace reads what a parameter value carries
    from cadre_sdk.parameters import ParameterValue


class Filled(str):
    """A text made of a constant pattern and the numbers shown in it: ``Filled("({}×30) ÷ {}",
    "91.5", 2)`` is the text ``"(91.5×30) ÷ 2"``. It is a ``str`` (equal to, and rendered as,
    that text); ``explanations.write`` stores the pattern once and only the numbers per row.

    ``pattern`` holds a bare ``{}`` for each shown number (no names, conversions or format
    specifications; write a literal brace as ``{{`` or ``}}``, and pass texts from data through
    ``literal``). Each shown number is a number, or the text of one exactly as it should read
    (``"0.25"``, ``"90"``); anything else (``"2.50"``, ``"-0"``, ``"1e5"``) is still shown as
    given, and that one text is then stored like a plain one."""

    pattern: str
    shown: tuple

    def __new__(cls, pattern: str, *shown: Any) -> "Filled":
        self = super().__new__(cls, pattern.format(*shown))
        self.pattern = pattern
        self.shown = shown
        return self

    def __reduce__(self) -> tuple:   # copied and pickled as the pattern and its numbers
        return (Filled, (self.pattern, *self.shown))


class Pattern:
    """A ``Filled`` text not formatted yet: ``Pattern("按进度 {} ÷ 目标 {} × 100", (3, 4))``
    stands for ``Filled("按进度 {} ÷ 目标 {} × 100", 3, 4)`` in a ``CompactTrace``, whose
    explanation is stored from the pattern and numbers without making the text."""

    __slots__ = ("pattern", "shown")

    def __init__(self, pattern: str, shown: tuple = ()):
        self.pattern = pattern
        self.shown = shown

    def filled(self) -> Filled:
        """The ``Filled`` text this stands for."""
        return Filled(self.pattern, *self.shown)


class Joined(str):
    """A text made of parts, joined: ``Joined(("得分 ", "91.7", "，等次 称职"))`` is the text
    ``"得分 91.7，等次 称职"``. It is a ``str`` (equal to, and rendered as, that text) and is
    stored exactly as that text; ``explanations.write`` splits it part by part, so that a text
    new in every trace (a subject, a result) made of parts that repeat (a pool's name, a score,
    an id cited elsewhere in the trace) costs no new scan of the whole text."""

    parts: tuple[str, ...]

    def __new__(cls, parts: Iterable[str]) -> "Joined":
        parts = tuple(parts)
        self = super().__new__(cls, "".join(parts))
        self.parts = parts
        return self

    def __reduce__(self) -> tuple:   # copied and pickled as its parts
        return (Joined, (self.parts,))


def _as_text(item: Any) -> Any:
    return item.filled() if type(item) is Pattern else item


def literal(text: str) -> str:
    """``text`` as a constant part of a ``Filled`` pattern (its braces escaped)."""
    return text.replace("{", "{{").replace("}", "}}")


@attrs.define
class Trace:
    """The record of one computation: inputs, parameters read, steps, result."""

    subject: str                     # e.g. "年度考核 2024 干部 C0001"
    inputs: list[dict[str, Any]] = attrs.Factory(list)
    parameters: list[dict[str, Any]] = attrs.Factory(list)
    steps: list[dict[str, Any]] = attrs.Factory(list)
    rules: list[dict[str, Any]] = attrs.Factory(list)
    result: Any = None
    note: str = ""                   # a closing remark in Chinese (e.g. how a table is derived)
    #: ids of other explanations this one refers to (e.g. a shared entry of rules and parameters)
    see: list[str] = attrs.Factory(list)
    _seen: set[tuple] = attrs.field(factory=set, repr=False, eq=False)

    def input(self, label: str, value: Any) -> Any:
        """Record an input value (label in Chinese) and return it."""
        self.inputs.append({"label": label, "value": value})
        return value

    def parameter(self, pv: ParameterValue, plugin: str) -> Any:
        """Record a dated parameter read by ``plugin`` and return its value (once per trace:
        the same path, start, file and plugin read again is not listed twice)."""
        return self.cite(parameter_record(pv, plugin))

    def cite(self, record: tuple) -> Any:
        """``parameter`` for a ``parameter_record`` made beforehand (an engine reading the same
        parameters for many subjects); returns the parameter's value."""
        if record[1] not in self._seen:
            self._seen.add(record[1])
            self.parameters.append(record[2])
        return record[0].value

    def cite_all(self, records: Iterable[tuple]) -> None:
        """``cite`` each of ``records`` (in order)."""
        seen, parameters = self._seen, self.parameters
        for record in records:
            if record[1] not in seen:
                seen.add(record[1])
                parameters.append(record[2])

    def rule(self, kind: str, key: str, plugin: str, jurisdiction: str, name: str = "") -> None:
        """Record which plugin's rule was applied, for which jurisdiction."""
        seen = ("r", kind, key, plugin, jurisdiction, name)
        if seen not in self._seen:
            self._seen.add(seen)
            entry = _RULE_ENTRIES.get(seen)
            if entry is None:
                entry = _RULE_ENTRIES[seen] = {"kind": kind, "key": key, "plugin": plugin,
                                               "jurisdiction": jurisdiction, "name": name}
            self.rules.append(entry)

    def step(self, label: str, value: Any, formula: str = "") -> Any:
        """Record one step of the formula (label in Chinese) and return its value. A label or
        formula that is a ``Filled`` text is stored as its constant pattern and its numbers."""
        self.steps.append({"label": label, "formula": formula, "value": value})
        return value

    def copy(self, subject: str) -> "Trace":
        """A trace with this one's records (lists copied) under another subject: for a
        computation shared by several subjects (equal inputs, one rule call)."""
        return Trace(subject=subject, inputs=list(self.inputs),
                     parameters=list(self.parameters), steps=list(self.steps),
                     rules=list(self.rules), result=self.result, note=self.note,
                     see=list(self.see), seen=set(self._seen))

    def to_dict(self) -> dict[str, Any]:
        """The trace as plain data (what ``explanations.write`` stores)."""
        data = {"subject": self.subject, "inputs": self.inputs, "rules": self.rules,
                "parameters": self.parameters, "steps": self.steps, "result": self.result}
        if self.note:
            data["note"] = self.note
        if self.see:
            data["see"] = self.see
        return data


@attrs.define
class CompactTrace(Trace):
    """A ``Trace`` whose first inputs and steps an engine recorded as tuples: ``head_inputs``
    ``(label, value)`` and ``head_steps`` ``(label, formula, value)``, before ``inputs`` and
    ``steps``; a label or formula may be a ``Pattern``. It stands for the trace with those
    entries as dicts (``to_dict``, ``expanded``) and is stored exactly as that trace would be
    (``explanation_templates.Splitter.split_trace``), without making the dicts and texts: for
    an engine recording the same shape of trace for many subjects (issue 19)."""

    head_inputs: list[tuple] = attrs.Factory(list)
    head_steps: list[tuple] = attrs.Factory(list)
    #: An object standing for everything in this trace but ``head_inputs`` (None: nothing
    #: is shared): the engine promises that traces with the same ``shared`` object (the same
    #: object, not an equal one) are equal in all else, their ``head_steps`` empty; the rest
    #: is then split for storage once (``Splitter.split_shared``, which holds it weakly: it
    #: must take weak references). Keep its lists read-only, ``head_inputs`` too: the split
    #: of a head is kept by the list's identity, for traces passing the same list again.
    shared: Any = attrs.field(default=None, eq=False, repr=False)

    def expanded(self) -> Trace:
        """The ``Trace`` this stands for (head entries as dicts, ``Pattern`` as ``Filled``)."""
        return Trace(subject=self.subject,
                     inputs=[{"label": _as_text(label), "value": value}
                             for label, value in self.head_inputs] + self.inputs,
                     parameters=list(self.parameters),
                     steps=[{"label": _as_text(label), "formula": _as_text(formula),
                             "value": _as_text(value)}
                            for label, formula, value in self.head_steps] + self.steps,
                     rules=list(self.rules), result=self.result, note=self.note,
                     see=list(self.see), seen=set(self._seen))

    def started(self, subject: str) -> CompactTrace:
        """A new trace of ``subject`` holding this one's rules and parameters (lists copied)
        and nothing else: for an engine whose traces of many subjects all start by citing the
        same rules and parameters (cited once, in this one)."""
        return CompactTrace(subject=subject, parameters=list(self.parameters),
                            rules=list(self.rules), seen=set(self._seen))

    def copy(self, subject: str) -> Trace:
        """``Trace.copy`` of ``expanded()``."""
        return self.expanded().copy(subject)

    def to_dict(self) -> dict[str, Any]:
        """``Trace.to_dict`` of ``expanded()``."""
        return self.expanded().to_dict()


#: The entry of each parameter value as a plugin read it, made once for every trace that reads
#: it: ``(id(pv), plugin) -> (pv, dedup key, entry)``. The entries (and the rules' entries below)
#: are shared by the traces that cite them: treat a trace's ``parameters`` and ``rules`` entries
#: as read-only. Parameter values live as long as their (cached) parameter files, so this holds
#: a few hundred entries; ``pv`` is kept so that its id is never reused while listed.
_PARAMETER_ENTRIES: dict[tuple[int, str], tuple[ParameterValue, tuple, dict[str, Any]]] = {}
_RULE_ENTRIES: dict[tuple, dict[str, Any]] = {}
_ENTRIES_LIMIT = 100_000


def parameter_record(pv: ParameterValue, plugin: str) -> tuple:
    """``(pv, key, entry)``: how a trace records that ``plugin`` read ``pv`` (``Trace.cite``);
    ``key`` tells repeated reads apart, ``entry`` is what the explanation lists."""
    known = _PARAMETER_ENTRIES.get((id(pv), plugin))
    if known is not None and known[0] is pv:
        return known
    if len(_PARAMETER_ENTRIES) >= _ENTRIES_LIMIT:   # parameter files loaded again and again
        _PARAMETER_ENTRIES.clear()
        _RULE_ENTRIES.clear()
    known = _PARAMETER_ENTRIES[(id(pv), plugin)] = (
        pv, ("p", pv.path, pv.start, pv.file, plugin),
        {"path": pv.path, "value": pv.value, "start": pv.start.isoformat(),
         "reference": pv.reference, "example": pv.example, "status": pv.status,
         "plugin": plugin, "file": package_path(pv.file)})
    return known


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "（空）" if value is None else str(value)


def readable(value: Any, names: dict[str, str] | None = None) -> str:
    """A value as a reader reads it: a mapping as ``键 值、键 值`` (codes in ``names`` by their
    Chinese name: 指标得分 德 92, not de 92), a list joined by 、, anything else as ``_fmt``."""
    if isinstance(value, dict):
        return "、".join(f"{(names or {}).get(k, k)} {readable(v, names)}"
                        for k, v in value.items())
    if isinstance(value, list):
        return "、".join(readable(v, names) for v in value)
    return _fmt(value)


def _missing(entry: Any) -> str:
    """The line for a reference that could not be resolved (empty for a resolved entry)."""
    if isinstance(entry, dict) and "missing_ref" in entry:
        return f"  · （引用 {entry['missing_ref']} 不存在）"
    if not isinstance(entry, dict):
        return f"  · （引用 {entry} 未解析）"
    return ""


def _basis(p: dict[str, Any]) -> str:
    """The status and reference of a parameter entry (entries stored before statuses existed
    carry only ``example``)."""
    status = p.get("status", "example" if p.get("example") else "official")
    if status == "example":
        return f"（示例值，非官方数据）；依据：{p['reference']}"
    return f"；依据：{label_zh(status, p['reference'])}"


def _rule_name(rule: dict[str, Any], keys: bool) -> str:
    """A rule as an explanation's text names it: ``名称（key）``, or (``keys`` False: the
    publication's readers) its name alone, the key only when it has no name."""
    if not keys:
        return rule.get("name") or rule["key"]
    return f"{rule.get('name') or rule['kind']}（{rule['key']}）"


def render_text(data: dict[str, Any], names: dict[str, str] | None = None,
                keys: bool = True, parameters: dict[str, str] | None = None) -> str:
    """Readable Chinese text of an explanation (``Trace.to_dict`` shape, its rules and
    parameters resolved: see ``explanations.read``); inputs read as on the pages
    (``readable``: ``names`` gives codes' Chinese names, the indicators'); ``keys`` False:
    rules by name only (``_rule_name``), and parameters by their names in ``parameters``
    (path -> name; the path where it has none)."""
    lines = [f"【{data.get('subject', '')}】"]
    if data.get("result") is not None:
        lines.append(f"结果：{_fmt(data['result'])}")
    if data.get("inputs"):
        lines.append("输入：")
        lines += [f"  · {i['label']}：{readable(i['value'], names)}" for i in data["inputs"]]
    if data.get("rules"):
        lines.append("适用规则：")
        lines += [_missing(r) or f"  · {_rule_name(r, keys)}，"
                  f"插件 {r['plugin']}，管辖 {r['jurisdiction']}" for r in data["rules"]]
    if data.get("parameters"):
        lines.append("参数：")
        for p in data["parameters"]:
            if _missing(p):
                lines.append(_missing(p))
                continue
            path = p["path"] if keys else (parameters or {}).get(p["path"]) or p["path"]
            lines.append(f"  · {path} = {_fmt(p['value'])}，自 {p['start']} 起施行"
                         f"{_basis(p)}；{supplier_zh(p['plugin'])}")
    if data.get("steps"):
        lines.append("计算步骤：")
        for n, s in enumerate(data["steps"], 1):
            formula = f"：{s['formula']}" if s.get("formula") else ""
            lines.append(f"  {n}. {s['label']}{formula} = {readable(s['value'], names)}")
    if data.get("note"):
        lines.append(data["note"])
    if data.get("sql"):
        lines.append(f"计算方法（SQL）：{data['sql']}")
    if data.get("see"):
        lines.append(f"适用规则、参数及其依据：见说明 {'、'.join(data['see'])}")
    return "\n".join(lines)
