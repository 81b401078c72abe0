"""Storing assessment explanations compactly.

An assessment's trace holds its inputs and steps, and the rules and dated parameters (with
their references) that were applied. The rules and parameters are the same for every
assessment that used the same rules in the same year, and they are most of the text, so they
are stored once, as an ``assessment_rules:<hash>`` explanation; the assessment's own
explanation keeps its inputs, steps and result and names that shared entry under ``see``
(``cadre explain`` prints both). Its JSON still has ``rules`` and ``parameters`` keys (empty),
so every explanation has the same shape. (``explanation_ref`` already stores each rule and
parameter once; the shared entry also saves each assessment its list of some thirty ids.)

For assessments whose explanations are made when read (``replay``), the entry also holds, under
``direct`` (not shown: ``render_text`` reads the keys it shows), per subject, the numbers the
direct path read (``direct.group_spec``) and the pool's quotas.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from cadre_sdk.core.trace import Trace
from cadre_sdk.engines.assessment.quota import RANK_RULE

KIND = "assessment_rules"
#: The key of the direct path's numbers in a shared entry (``add_spec``).
SPEC_KEY = "direct"


class RuleSets:
    """The shared rule-and-parameter entries of one evaluation run."""

    def __init__(self) -> None:
        self._sets: dict[str, dict[str, Any]] = {}
        self._ids: dict[tuple, str] = {}
        # Traces share their rule and parameter entries (``Trace.rule``, ``parameter_record``):
        # the same objects again need no look at their content. Keyed by id(); the objects
        # are kept here too, so that an id is never reused while it is a key.
        self._known_rules: dict[tuple, tuple[str, list]] = {}
        self._known_parameters: dict[str, dict[int, dict]] = {}
        self._specs_seen: dict[tuple, tuple[int, dict]] = {}
        self._last: tuple = (None,)

    def split(self, eid: str, kind: str, trace: Trace, year: int) -> tuple:
        """The explanation row of one assessment, its rules and parameters moved to the
        shared entry (whose id depends only on the year and the rules applied): ``trace``
        itself, its ``rules`` and ``parameters`` emptied and the entry under ``see``."""
        rid = self.rule_set(trace, year)
        trace.rules, trace.parameters, trace.see = [], [], [rid]
        return (eid, kind, trace.subject, trace)

    def rule_set(self, trace: Trace, year: int) -> str:
        """The id of the shared entry of ``trace``'s rules in ``year``, its parameters added
        to the entry's (``trace`` unchanged)."""
        rules, parameters = trace.rules, trace.parameters
        last = self._last
        if last[0] is trace and last[1:4] == (year, len(rules), len(parameters)):
            return last[4]   # the trace a group's results share (``scoring.Cited``), again
        same = (year, *map(id, rules))
        known = self._known_rules.get(same)
        if known is None:
            known = self._known_rules[same] = (self._rule_set(year, rules), list(rules))
        rid = known[0]
        seen = self._known_parameters[rid]
        for p in parameters:
            if id(p) not in seen:
                seen[id(p)] = p
                self._sets[rid]["parameters"].setdefault(
                    (p["plugin"], p["path"], p["start"], p["file"]), p)
        self._last = (trace, year, len(rules), len(parameters), rid)
        return rid

    def add_spec(self, rid: str, subject: str, spec: dict[str, Any]) -> int:
        """Record under the shared entry ``rid`` the numbers the direct path read for
        assessments of ``subject`` (``direct.group_spec``: what their explanations are made
        again from, ``replay``); their index among the entry's for ``subject`` (0 unless
        groups with the same rules read other numbers)."""
        key = (rid, subject, id(spec))
        known = self._specs_seen.get(key)
        if known is not None:
            return known[0]
        specs = self._sets[rid].setdefault(SPEC_KEY, {}).setdefault(subject, [])
        index = next((n for n, s in enumerate(specs) if s is spec or s == spec), len(specs))
        if index == len(specs):
            specs.append(spec)
        self._specs_seen[key] = (index, spec)   # the spec kept: its id is not reused meanwhile
        return index

    def _rule_set(self, year: int, rules: list[dict[str, Any]]) -> str:
        """The id of the shared entry for ``rules`` in ``year`` (made the first time)."""
        signature = (year, *(tuple(sorted(r.items())) for r in rules))
        rid = self._ids.get(signature)
        if rid is None:
            key = json.dumps([year, rules], ensure_ascii=False, sort_keys=True)
            rid = self._ids[signature] = \
                f"{KIND}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"
            self._sets.setdefault(rid, {"year": year, "rules": rules, "parameters": {}})
            self._known_parameters.setdefault(rid, {})
        return rid

    def rows(self) -> list[tuple]:
        """The shared entries' explanation rows, in id order."""
        out = []
        for rid in sorted(self._sets):
            entry = self._sets[rid]
            names = "、".join(r["name"] or r["kind"] for r in entry["rules"])
            data = {
                "subject": f"{entry['year']} 年度考核适用的规则与参数（{names}）",
                "inputs": [], "rules": entry["rules"],
                "parameters": [entry["parameters"][k] for k in sorted(entry["parameters"])],
                "steps": [{"label": "排名规则", "formula": "", "value": RANK_RULE}],
                "result": f"规则 {len(entry['rules'])} 条，参数 {len(entry['parameters'])} 个",
            }
            if entry.get(SPEC_KEY):   # not shown: what explanations made when read are made of
                data[SPEC_KEY] = entry[SPEC_KEY]
            out.append((rid, KIND, data["subject"], data))
        return out
