"""Explanations of computed figures, recorded while the computation runs.

A ``Trace`` collects what a rule read (inputs, dated parameters with their references and the
plugin that supplied them) and the steps it took; engines store it through
``explanations.write`` (rules and parameters once each, in ``explanation_ref``), and
``render_text`` turns it into readable Chinese when someone reads it.
"""
from __future__ import annotations

import json
from typing import Any

import attrs

from .parameters import ParameterValue


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
    _seen: set[tuple] = attrs.field(factory=set, repr=False, eq=False)

    def input(self, label: str, value: Any) -> Any:
        """Record an input value (label in Chinese) and return it."""
        self.inputs.append({"label": label, "value": value})
        return value

    def parameter(self, pv: ParameterValue, plugin: str) -> Any:
        """Record a dated parameter read by ``plugin`` and return its value."""
        key = ("p", pv.path, pv.start, pv.file, plugin)
        if key not in self._seen:
            self._seen.add(key)
            self.parameters.append({"path": pv.path, "value": pv.value,
                                    "start": pv.start.isoformat(), "reference": pv.reference,
                                    "example": pv.example, "plugin": plugin, "file": pv.file})
        return pv.value

    def rule(self, kind: str, key: str, plugin: str, jurisdiction: str, name: str = "") -> None:
        """Record which plugin's rule was applied, for which jurisdiction."""
        seen = ("r", kind, key, plugin, jurisdiction, name)
        if seen not in self._seen:
            self._seen.add(seen)
            self.rules.append({"kind": kind, "key": key, "plugin": plugin,
                               "jurisdiction": jurisdiction, "name": name})

    def step(self, label: str, value: Any, formula: str = "") -> Any:
        """Record one step of the formula (label in Chinese) and return its value."""
        self.steps.append({"label": label, "formula": formula, "value": value})
        return value

    def to_dict(self) -> dict[str, Any]:
        """The trace as plain data (what ``explanations.write`` stores)."""
        data = {"subject": self.subject, "inputs": self.inputs, "rules": self.rules,
                "parameters": self.parameters, "steps": self.steps, "result": self.result}
        if self.note:
            data["note"] = self.note
        return data

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): equal traces give equal bytes."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_text(self) -> str:
        return render_text(self.to_dict())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "（空）" if value is None else str(value)


def _missing(entry: Any) -> str:
    """The line for a reference that could not be resolved (empty for a resolved entry)."""
    if isinstance(entry, dict) and "missing_ref" in entry:
        return f"  · （引用 {entry['missing_ref']} 不存在）"
    if not isinstance(entry, dict):
        return f"  · （引用 {entry} 未解析）"
    return ""


def render_text(data: dict[str, Any]) -> str:
    """Readable Chinese text of an explanation (``Trace.to_dict`` shape, its rules and
    parameters resolved: see ``explanations.read``)."""
    lines = [f"【{data.get('subject', '')}】"]
    if data.get("result") is not None:
        lines.append(f"结果：{_fmt(data['result'])}")
    if data.get("inputs"):
        lines.append("输入：")
        lines += [f"  · {i['label']}：{_fmt(i['value'])}" for i in data["inputs"]]
    if data.get("rules"):
        lines.append("适用规则：")
        lines += [_missing(r) or f"  · {r.get('name') or r['kind']}（{r['key']}），"
                  f"插件 {r['plugin']}，管辖 {r['jurisdiction']}" for r in data["rules"]]
    if data.get("parameters"):
        lines.append("参数：")
        for p in data["parameters"]:
            if _missing(p):
                lines.append(_missing(p))
                continue
            tag = "（示例值，非官方数据）" if p.get("example") else ""
            lines.append(f"  · {p['path']} = {_fmt(p['value'])}，自 {p['start']} 起施行{tag}；"
                         f"依据：{p['reference']}；插件 {p['plugin']}")
    if data.get("steps"):
        lines.append("计算步骤：")
        for n, s in enumerate(data["steps"], 1):
            formula = f"：{s['formula']}" if s.get("formula") else ""
            lines.append(f"  {n}. {s['label']}{formula} = {_fmt(s['value'])}")
    if data.get("note"):
        lines.append(data["note"])
    if data.get("sql"):
        lines.append(f"计算方法（SQL）：{data['sql']}")
    if data.get("see"):
        lines.append(f"适用规则、参数及其依据：见说明 {'、'.join(data['see'])}")
    return "\n".join(lines)
