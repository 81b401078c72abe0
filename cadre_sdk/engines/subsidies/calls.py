"""Calling subsidy rules: the entitlement a rule gets for one cadre-month, and the calls shared
between cadre-months that agree on every fact the rule reads (``RuleCalls``).

A rule is a pure function of its entitlement and context (``SubsidyRule``), so a call that read
only ``subdistrict``, ``posted``, ``days`` and ``service_years`` gives the same outcome for every
entitlement with those values, whatever its other fields: at 100k cadres a month's tens of
thousands of cadre-months need a few thousand calls. Each ledger line's explanation is still its
own: the engine's record of the cadre-month's facts, then what the shared call recorded.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import math
from operator import itemgetter
from typing import Any

import attrs

from cadre_sdk.core.dating import with_period
from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.parameter_versions import version_text
from cadre_sdk.core.trace import CompactTrace, Trace
from cadre_sdk.plugin_host.rule_book import Registration
from cadre_sdk.plugin_host.watchdog import call_rule
from cadre_sdk.records.rule_inputs import Entitlement
from cadre_sdk.rules import RuleContext




#: Entitlement's fields in order, and each one's position.
FIELDS = tuple(f.name for f in attrs.fields(Entitlement))
_POSITION = {name: n for n, name in enumerate(FIELDS)}
_RECORDED = tuple(_POSITION[name] for name in (
    "days_by_township", "township_code", "days", "service_years", "hardship_class",
    "especially_hard"))

_RECORDED_OF = itemgetter(*_RECORDED)


def record_inputs(trace: Trace, ent: Entitlement) -> None:
    """The facts the default rules use; a rule reading others records them with ctx.input."""
    for label, value in input_pairs(ent.month, ent.days_by_township, ent.township_code,
                                    ent.days, ent.service_years, ent.hardship_class,
                                    ent.especially_hard):
        trace.input(label, value)


def input_pairs(month: str, by_township: tuple, township: str, days: int, years: int,
                hardship: Any, hard: bool) -> list[tuple[str, Any]]:
    """What ``record_inputs`` records, as ``(label, value)`` pairs in order."""
    if len(by_township) > 1:
        return [("月份", month), ("参数取值日期", _parameter_date_text(month)),
                ("各乡镇在岗天数", {code: n for code, n in by_township}),
                ("发放乡镇（在岗天数最多，相同时取代码较小者）", township),
                ("本月乡镇在岗天数", days), ("乡镇工作年限（满）", years),
                ("艰苦边远类别", hardship), ("特别艰苦乡镇", "是" if hard else "否")]
    return [("月份", month), ("参数取值日期", _parameter_date_text(month)),
            ("本月乡镇在岗天数", days), ("乡镇工作年限（满）", years),
            ("艰苦边远类别", hardship), ("特别艰苦乡镇", "是" if hard else "否")]


_DATE_TEXTS: dict[str, str] = {}


def _parameter_date_text(month: str) -> str:
    """The 参数取值日期 input of ``month`` (kept per month: a few hundred at most)."""
    text = _DATE_TEXTS.get(month)
    if text is None:
        if len(_DATE_TEXTS) >= 10_000:
            _DATE_TEXTS.clear()
        text = _DATE_TEXTS[month] = \
            f"{parameter_date(month).isoformat()}（{PARAMETER_DATE_ZH}）"
    return text


def inputs_key(facts: tuple) -> tuple:
    """What ``record_inputs`` records of an entitlement given as its field values (``FIELDS``
    order), as a key; the month aside (keys are kept per month). The townships count only when
    there are several."""
    by_township, township, days, years, hardship, hard = _RECORDED_OF(facts)
    several = len(by_township) > 1
    return (by_township if several else None, township if several else None, days, years,
            hardship, hard)


class _Tracked(Entitlement):
    """An entitlement that notes which of its fields are read, in the order first read."""

    __slots__ = ("_read",)

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in _POSITION:
            read = object.__getattribute__(self, "_read")
            if name not in read:
                read[name] = value
        return value


class Outcome:
    """One call of a subsidy rule: the amount (None: no line) and what the call recorded beyond
    what the engine records for every call (the rule applied, the inputs of ``record_inputs``)."""

    __slots__ = ("amount", "inputs", "parameters", "steps", "rules", "version", "rule_id",
                 "tail", "_digest", "__weakref__")

    def __init__(self, amount: float | None, trace: Trace, inputs_before: int):
        self.amount = amount
        self.inputs = trace.inputs[inputs_before:]
        self.parameters, self.steps, self.rules = trace.parameters, trace.steps, trace.rules[1:]
        self.version = version_text(trace.parameters)   # stored files' values name the file
        self.rule_id = 0   # the ledger's ``subsidy_rule`` row, once the engine numbered it
        self.tail: Trace | None = None   # what its lines' explanations share (explain_facts)
        self._digest = ""

    def digest(self, calls: "RuleCalls") -> str:
        """A hash of everything the outcome holds, with the rule and month of ``calls``."""
        if not self._digest:
            data = {"subject": calls.subject, "rule": calls.rule, "result": self.amount,
                    "inputs": self.inputs, "parameters": self.parameters,
                    "steps": self.steps, "rules": self.rules}
            self._digest = hashlib.sha256(json.dumps(
                data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        return self._digest


class _Branch:
    """A node of ``RuleCalls``' tree: the field the rule read next, and where each value leads."""

    __slots__ = ("position", "next")

    def __init__(self, position: int):
        self.position, self.next = position, {}


def _chain(reads: list[tuple[int, Any]], outcome: Outcome) -> Any:
    node: Any = outcome
    for position, value in reversed(reads):
        branch = _Branch(position)
        branch.next[value] = node
        node = branch
    return node


#: The convention the parameter date line states (docs/conventions.md, 参数取值日期).
PARAMETER_DATE_ZH = "当月 1 日：规则和参数取当月 1 日施行的版本，为 cadre-sdk 约定"


def parameter_date(month: str) -> datetime.date:
    """The date a month's subsidy rules and parameters are taken on: its 1st (SDK convention,
    docs/conventions.md)."""
    return datetime.date(int(month[:4]), int(month[5:7]), 1)


class RuleCalls:
    """The calls of one subsidy rule in one month, shared between cadre-months whose
    entitlements agree on every field the rule read.

    A rule is a pure function of its entitlement and context (``SubsidyRule``), so a call that
    read only ``subdistrict``, ``posted``, ``days`` and ``service_years`` gives the same outcome
    for every entitlement with those values, whatever its other fields. The calls made so far
    form a decision tree over the fields in the order the rule read them: finding a cadre-month's
    outcome reads a few of its fields; a new combination calls the rule (through ``call_rule``)
    and adds its path. A call that reads fields in an order the tree does not expect (a rule
    that is not a pure function) is used once and not shared."""

    def __init__(self, reg: Registration, month: str):
        self.reg, self.month = reg, month
        self.on = parameter_date(month)
        self.subject = f"{reg.item.scheme} {month}"
        self.rule = ("subsidy", reg.item.scheme, reg.plugin, reg.jurisdiction,
                     with_period(reg.item, reg.item.name))
        self.reads: dict[str, tuple] = {}
        self.root: Any = None
        self.size = 0

    def outcome(self, facts: tuple, cadre_id: str) -> Outcome:
        """The outcome of the rule for one cadre-month's entitlement (``FIELDS`` order)."""
        node = self.root
        while node.__class__ is _Branch:
            found = node.next.get(facts[node.position])
            if found is None:
                break
            node = found
        else:
            if node is not None:
                return node
        outcome, read = self._call(facts, cadre_id)
        self._add([(_POSITION[name], value) for name, value in read.items()], outcome)
        return outcome

    def new_trace(self) -> Trace:
        """A trace as every call of the rule starts: the rule applied."""
        trace = Trace(subject=self.subject)
        trace.rule(*self.rule)
        return trace

    def _call(self, facts: tuple, cadre_id: str) -> tuple[Outcome, dict[str, Any]]:
        reg, rule, month = self.reg, self.reg.item, self.month
        ent = _Tracked(*facts)
        read: dict[str, Any] = {}
        object.__setattr__(ent, "_read", read)
        trace = self.new_trace()
        record_inputs(trace, Entitlement(*facts))
        before = len(trace.inputs)
        ctx = RuleContext(rule=rule, plugin=reg.plugin, jurisdiction=reg.jurisdiction,
                          on=self.on, trace=trace, reads=self.reads)
        if rule.compute is None:  # an overlay with no formula anywhere up its chain
            raise PluginError(reg.plugin, "register_subsidy_rules",
                              f"subsidy rule {rule.scheme!r} for {reg.jurisdiction} has no "
                              "compute and overrides no rule that has one",
                              "if it changes a scheme of the rules above, spell the scheme as "
                              "they do (`cadre rules check` names the nearest); else pass "
                              "compute= (e.g. cadre_sdk.formulas.township_post_subsidy), or "
                              "keep the provincial defaults enabled.")
        amount = call_rule(reg, rule.compute, ent, ctx, returns=(int, float, type(None)),
                           subject=f"cadre {cadre_id}, month {month}")
        if amount is not None and (isinstance(amount, bool) or not math.isfinite(amount)
                                   or amount < 0):
            raise PluginError(reg.plugin, "register_subsidy_rules",
                              f"subsidy rule {rule.scheme!r} returned {amount!r} "
                              f"(cadre {cadre_id}, month {month})",
                              "return a finite amount >= 0 in yuan, or None when the scheme "
                              "does not apply.")
        self.size += 1
        return Outcome(None if amount is None else round(float(amount), 2), trace, before), read

    def _add(self, reads: list[tuple[int, Any]], outcome: Outcome) -> None:
        if self.root is None:
            self.root = _chain(reads, outcome)
            return
        node, n = self.root, 0
        while node.__class__ is _Branch and n < len(reads) and reads[n][0] == node.position:
            position, value = reads[n]
            found = node.next.get(value)
            if found is None:
                node.next[value] = _chain(reads[n + 1:], outcome)
                return
            node, n = found, n + 1
        # otherwise the rule read differently from an earlier call with the same values: its
        # outcome is used for this cadre-month only


def explain(calls: RuleCalls, outcome: Outcome, ent: Entitlement) -> Trace:
    """The explanation of one ledger line: the rule, the entitlement's facts, then what the
    rule's call recorded, and the amount."""
    trace = calls.new_trace()
    record_inputs(trace, ent)
    return _recorded(outcome, trace)


def _recorded(outcome: Outcome, trace: Trace) -> Trace:
    """``trace`` with what the rule's call recorded after it, and the amount."""
    trace.inputs += outcome.inputs
    trace.parameters = list(outcome.parameters)
    trace.steps = list(outcome.steps)
    trace.rules += outcome.rules
    trace.result = outcome.amount
    return trace


def explain_facts(calls: RuleCalls, outcome: Outcome, facts: tuple,
                  head: list[tuple[str, Any]] | None = None) -> CompactTrace:
    """``explain`` for the entitlement given as its field values (``FIELDS`` order), as the
    ``CompactTrace`` standing for the same trace: the entitlement's facts are its head inputs
    (``head``: ``head_inputs(facts)`` made earlier, the same list passed again for equal
    facts) and the rest, the same for every line of ``outcome``, is shared (``shared``:
    stored by splitting it once per outcome, ``explanation_templates.Splitter.split_shared``)."""
    tail = outcome.tail
    if tail is None:
        tail = outcome.tail = _recorded(outcome, calls.new_trace())
    return CompactTrace(subject=tail.subject, inputs=tail.inputs, parameters=tail.parameters,
                        steps=tail.steps, rules=tail.rules, result=tail.result,
                        head_inputs=head_inputs(facts) if head is None else head,
                        shared=outcome)


def head_inputs(facts: tuple) -> list[tuple[str, Any]]:
    """``input_pairs`` of an entitlement given as its field values (``FIELDS`` order)."""
    by_township, township, days, years, hardship, hard = _RECORDED_OF(facts)
    return input_pairs(facts[0], by_township, township, days, years, hardship, hard)
