"""Explanation templates: a stored trace split into what it shares with others and its values.

A trace's structure (keys, list lengths), its texts with the numbers taken out (labels,
formulas, subjects, results: ``"按进度 ⟨n⟩ ÷ 目标 ⟨n⟩ × 100"``) and its rules and parameters
repeat across thousands of traces of one kind; the numbers are what differ. ``split`` turns a
trace into a template (every number replaced by a placeholder, every text by the id of its
number-free form) and the list of values in order; each distinct text and template is stored
once in ``explanation_ref`` (kinds ``text`` and ``template``) and a stored explanation is
``{"t": template id, "v": [values]}``. ``join`` puts them back: the result equals the trace
that was split, key for key and character for character, so the rendered Chinese is the same.

A number inside a text is taken out only when writing it back gives the same characters
(``"0.15"`` becomes the number 0.15; ``"0001"`` and ``"2.50"`` stay texts in the value list).
A trace containing one of the private-use placeholder characters is stored whole (``split``
returns None).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: Placeholder for a value (a number or a text given whole) in a template.
VALUE = "\ue000"
#: Placeholder for a number taken out of a text.
NUMBER = "\ue001"
#: Prefix of a text reference in a template: ``"\ue002" + text id``.
TEXT = "\ue002"
_MARKS = (VALUE, NUMBER, TEXT)
_DIGITS = re.compile(r"(?<![0-9])([0-9]{1,15}(?:\.[0-9]+)?)(?![0-9])")

#: Keys whose texts differ from trace to trace (a step's value, the result): their texts are
#: cited in the values (``[text id, numbers...]``), not in the template, so that traces
#: differing only there share a template.
VARYING = frozenset({"value", "result", "formula", "subject"})

TEMPLATE_KIND = "template"
TEXT_KIND = "text"


def _token(text: str) -> int | float | str:
    """A digit run as a number if writing the number back gives ``text`` again."""
    if "." in text:
        number = float(text)
        return number if repr(number) == text else text
    number = int(text)
    return number if str(number) == text else text


def _number_text(value: float | str) -> str:
    return repr(value) if isinstance(value, float) else str(value)


class Splitter:
    """Splits traces into templates and values, interning texts and templates through
    ``intern(kind, entry) -> id`` (``explanations._RefIds``). Texts already seen are not
    scanned again."""

    def __init__(self, intern: Callable[[str, Any], int]):
        self.intern = intern
        self._texts: dict[str, tuple[int, tuple]] = {}
        self._templates: dict[str, int] = {}
        self._keys: set[str] = set()
        self._skeletons: dict[str, int] = {}

    def split(self, data: dict[str, Any], keep: tuple[str, ...] = ()) -> dict | None:
        """``{"t": template id, "v": values}`` for ``data``, or None if it cannot be split.
        The top-level keys in ``keep`` (lists of reference ids) stay in the template as
        they are."""
        values: list[Any] = []
        try:
            template = self._walk({k: v for k, v in data.items() if k not in keep}, values)
        except _Unsplittable:
            return None
        template.update({k: data[k] for k in keep if k in data})
        # the template's dicts were built in sorted key order, so repr() is a faithful key
        # (and cheaper than JSON); ``intern`` stores the canonical JSON on a miss
        key = repr(template)
        tid = self._templates.get(key)
        if tid is None:
            tid = self._templates[key] = self.intern(TEMPLATE_KIND, template)
        return {"t": tid, "v": values}

    def _walk(self, node: Any, values: list[Any], varying: bool = False) -> Any:
        kind = type(node)
        if kind is dict:
            return self._dict(node, values, varying)
        if kind is list:
            return [self._walk(item, values, varying) for item in node]
        return self._leaf(node, kind, values, varying)

    def _dict(self, node: dict, values: list[Any], varying: bool) -> dict:
        # The common leaves are handled here rather than by a call each (speed: a trace has
        # dozens of them).
        keys = self._keys
        texts = self._texts
        out = {}
        for key in sorted(node):
            if key not in keys:
                if type(key) is not str or any(m in key for m in _MARKS):
                    raise _Unsplittable
                keys.add(key)
            item = node[key]
            kind = type(item)
            vary = varying or key in VARYING
            if kind is str:
                known = texts.get(item) or self._text(item)
                if vary:
                    values.append([known[0], *known[1]])
                    out[key] = VALUE
                else:
                    values.extend(known[1])
                    out[key] = f"{TEXT}{known[0]}"
            elif kind is int or kind is float:
                values.append(item)
                out[key] = VALUE
            elif kind is dict:
                out[key] = self._dict(item, values, vary)
            else:
                out[key] = self._walk(item, values, vary)
        return out

    def _leaf(self, node: Any, kind: type, values: list[Any], varying: bool) -> Any:
        if kind is str:
            ref, numbers = self._text(node)
            if varying:     # a value's text: its id and numbers go to the values
                values.append([ref, *numbers])
                return VALUE
            values.extend(numbers)
            return f"{TEXT}{ref}"
        if kind is int or kind is float:
            values.append(node)
            return VALUE
        if node is None or kind is bool:
            return node
        raise _Unsplittable

    def _text(self, text: str) -> tuple[int, tuple]:
        known = self._texts.get(text)
        if known is None:
            if any(m in text for m in _MARKS):
                raise _Unsplittable
            parts = _DIGITS.split(text)
            skeleton = NUMBER.join(parts[0::2])
            sid = self._skeletons.get(skeleton)
            if sid is None:
                sid = self._skeletons[skeleton] = self.intern(TEXT_KIND, skeleton)
            known = (sid, tuple(int(t) if t.isdigit() and (t[0] != "0" or t == "0")
                                else _token(t) for t in parts[1::2]))
            if len(self._texts) < 200_000:
                self._texts[text] = known
        return known


class _Unsplittable(Exception):
    """The trace holds something a template cannot carry back exactly."""


def text_ids(template: Any, values: list[Any] = ()) -> set[int]:
    """The ids of the texts a template and its values cite."""
    found: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if node.startswith(TEXT):
                found.add(int(node[1:]))
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
    walk(template)
    found.update(v[0] for v in values if isinstance(v, list))
    return found


def join(template: Any, values: list[Any], texts: dict[int, Any]) -> Any:
    """The trace ``split`` made ``template`` and ``values`` from (``texts``: the text entries
    by id). Keys are visited in sorted order, as ``split`` visited them."""
    position = iter(values)

    def fill(skeleton: str, numbers: Any = position) -> str:
        if NUMBER not in skeleton:
            return skeleton
        parts = skeleton.split(NUMBER)
        out = [parts[0]]
        for part in parts[1:]:
            out.append(_number_text(next(numbers)))
            out.append(part)
        return "".join(out)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if node == VALUE:
                value = next(position)
                if not isinstance(value, list):
                    return value
                numbers = iter(value[1:])
                return fill(texts[value[0]], numbers)
            if node.startswith(TEXT):
                return fill(texts[int(node[1:])])
            return node
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {key: walk(node[key]) for key in sorted(node)}
        return node
    return walk(template)
