"""Explanations of computed figures, recorded while the computation runs.

A ``Trace`` collects what a rule read (inputs, dated parameters with their references and the
plugin that supplied them) and the steps it took; engines store it flat in the ``explanation``
table, where the publication renders it as readable Chinese.
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

    def input(self, label: str, value: Any) -> Any:
        """Record an input value (label in Chinese) and return it."""
        self.inputs.append({"label": label, "value": value})
        return value

    def parameter(self, pv: ParameterValue, plugin: str) -> Any:
        """Record a dated parameter read by ``plugin`` and return its value."""
        entry = {"path": pv.path, "value": pv.value, "start": pv.start.isoformat(),
                 "reference": pv.reference, "example": pv.example, "plugin": plugin,
                 "file": pv.file}
        if entry not in self.parameters:
            self.parameters.append(entry)
        return pv.value

    def rule(self, kind: str, key: str, plugin: str, jurisdiction: str, name: str = "") -> None:
        """Record which plugin's rule was applied, for which jurisdiction."""
        entry = {"kind": kind, "key": key, "plugin": plugin, "jurisdiction": jurisdiction,
                 "name": name}
        if entry not in self.rules:
            self.rules.append(entry)

    def step(self, label: str, value: Any, formula: str = "") -> Any:
        """Record one step of the formula (label in Chinese) and return its value."""
        self.steps.append({"label": label, "formula": formula, "value": value})
        return value

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "inputs": self.inputs, "rules": self.rules,
                "parameters": self.parameters, "steps": self.steps, "result": self.result}

    def to_json(self) -> str:
        """Canonical JSON (sorted keys) so re-evaluation stores byte-identical explanations."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_text(self) -> str:
        return render_text(self.to_dict())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "（空）" if value is None else str(value)


def render_text(data: dict[str, Any]) -> str:
    """Readable Chinese text of a stored explanation (the JSON of ``Trace.to_dict``)."""
    lines = [f"【{data.get('subject', '')}】"]
    if data.get("result") is not None:
        lines.append(f"结果：{_fmt(data['result'])}")
    if data.get("inputs"):
        lines.append("输入：")
        lines += [f"  · {i['label']}：{_fmt(i['value'])}" for i in data["inputs"]]
    if data.get("rules"):
        lines.append("适用规则：")
        lines += [f"  · {r.get('name') or r['kind']}（{r['key']}），插件 {r['plugin']}，"
                  f"管辖 {r['jurisdiction']}" for r in data["rules"]]
    if data.get("parameters"):
        lines.append("参数：")
        for p in data["parameters"]:
            tag = "（示例值，非官方数据）" if p.get("example") else ""
            lines.append(f"  · {p['path']} = {_fmt(p['value'])}，自 {p['start']} 起施行{tag}；"
                         f"依据：{p['reference']}；插件 {p['plugin']}")
    if data.get("steps"):
        lines.append("计算步骤：")
        for n, s in enumerate(data["steps"], 1):
            formula = f"：{s['formula']}" if s.get("formula") else ""
            lines.append(f"  {n}. {s['label']}{formula} = {_fmt(s['value'])}")
    return "\n".join(lines)
