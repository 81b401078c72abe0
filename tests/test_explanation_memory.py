"""The explanation encoder's caches of texts do not grow with the data (issue 19: up to
200,000 entries each, most of them texts seen once), and emptying them changes nothing
written: the same templates, values and text entries as with caches that keep everything."""
from __future__ import annotations

import json

from cadre_sdk.store import explanation_templates as templates
from cadre_sdk.store.explanations import canonical


def _traces(n: int) -> list[dict]:
    """``n`` traces of 13 shapes, each with its own subject and texts (as assessments have)
    and texts shared by all (labels, grades)."""
    return [{"subject": f"2024 年度考核 个人 QH{i:07d}（考核编号 KH2024-{i:07d}）",
             "inputs": [{"label": "考核编号", "value": f"KH2024-{i:07d}"},
                        {"label": "等次", "value": "称职" if i % 3 else "优秀"},
                        *({"label": f"指标 {chr(0x4E00 + j)}", "value": j} for j in range(i % 13))],
             "steps": [{"label": "得分", "formula": f"{i % 90} × 0.6 + 40",
                        "value": f"得分 {i % 90}，单位 U{i % 7} 第 {i % 11} 名"}],
             "rules": [], "parameters": [], "result": i % 4} for i in range(n)]


def _split_all(traces: list[dict]) -> tuple[list, dict, templates.Splitter]:
    """Every trace split by one ``Splitter``, and what it interned (entry -> id)."""
    interned: dict[str, int] = {}

    def intern(kind: str, entry: object) -> int:
        return interned.setdefault(f"{kind}:{canonical(entry)}", len(interned) + 1)

    splitter = templates.Splitter(intern)
    return [splitter.split(t) for t in traces], interned, splitter


def test_text_caches_stay_bounded_and_change_nothing_written(monkeypatch) -> None:
    traces = _traces(600)
    kept, kept_interned, _ = _split_all(traces)   # the default bound: nothing emptied here
    monkeypatch.setattr(templates, "CACHED_TEXTS", 25)
    monkeypatch.setattr(templates, "CACHED_TEMPLATES", 4)
    bounded, bounded_interned, splitter = _split_all(traces)
    assert bounded == kept and bounded_interned == kept_interned
    assert len({s["t"] for s in kept}) == 13
    assert len(splitter._texts) <= 25 and len(splitter._cited) <= 25
    assert len(splitter._templates) <= 4
    assert all(templates.join(*_template_and_values(s, kept_interned)) == t
               for s, t in zip(bounded[:5], traces[:5]))


def _template_and_values(split: dict, interned: dict[str, int]) -> tuple:
    """``join``'s arguments for a split trace: its template, values and the texts by id."""
    entries = {rid: key.partition(":") for key, rid in interned.items()}
    texts = {rid: json.loads(body) for rid, (kind, _, body) in entries.items()
             if kind == templates.TEXT_KIND}
    template = json.loads(entries[split["t"]][2])
    return template, split["v"], texts
