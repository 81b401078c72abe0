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

A ``Filled`` text (``core.trace``: a constant pattern and the numbers shown in it) is split
where the rule said: its pattern, constant digits included, becomes the text entry and only
its shown numbers go to the values. ``split_trace`` splits a ``Trace`` object without walking
its dict: the template is found by a key made of the trace's labels and the kinds of its
values (the walk runs only the first time a key is seen, and its values are checked against
the ones ``split_trace`` collected), so that writing it costs about as much as writing plain
JSON. Both give what ``join`` turns back into the same trace. A ``CompactTrace`` (its first
inputs and steps as tuples, ``Pattern`` for ``Filled``) is split as the trace it stands for.
A ``Joined`` text is split as the plain text it is, from its parts' splits (each part split
once, the whole not kept): its numbers and number-free form are the plain text's, since a
number cannot run across two parts that do not both touch a digit or a dot where they meet
(where they do, the whole text is split).
"""
from __future__ import annotations

import math
import re
import string
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from cadre_sdk.core.trace import CompactTrace, Filled, Joined, Pattern, Trace

#: Placeholder for a value (a number or a text given whole) in a template.
VALUE = "\ue000"
#: Placeholder for a number taken out of a text.
NUMBER = "\ue001"
#: Prefix of a text reference in a template: ``"\ue002" + text id``.
TEXT = "\ue002"
_MARKS = (VALUE, NUMBER, TEXT)
_DIGITS = re.compile(r"(?<![0-9])([0-9]{1,15}(?:\.[0-9]+)?)(?![0-9])")
_HAS_MARK = re.compile(f"[{VALUE}{NUMBER}{TEXT}]")
_SHOWN_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]+)?")
#: The characters of a number ``_DIGITS`` takes out: two parts of a ``Joined`` text meeting
#: with one of them on each side may hold one number between them.
_RUN = frozenset("0123456789.")
#: Key parts of ``split_trace`` for values the template holds as they are.
_TRUE, _FALSE = f"{VALUE}T", f"{VALUE}F"
#: Ends a variable-length part (inputs, references, steps) of a ``split_trace`` key.
_END = f"{VALUE}E"

#: Keys whose texts differ from trace to trace (a step's value, the result): their texts are
#: cited in the values (``[text id, numbers...]``), not in the template, so that traces
#: differing only there share a template. ``see`` too (issue 19): the ids of the shared
#: entries a trace refers to (``assessment_rules:<hash>``, one per year and rule set) made
#: each shape of assessment a template per rule set (1,359 templates at 10k cadres, 353
#: without them).
VARYING = frozenset({"value", "result", "formula", "subject", "see"})

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

    def __init__(self, intern: Callable[[str, Any], int],
                 encode: Callable[[list[Any]], str] | None = None,
                 bound_part: Callable[[int, list[Any], int, int], int | None] | None = None):
        self.intern = intern
        #: ``digit_runs.DigitRuns.bound_part``: ``split_shared`` gives the values' bound too,
        #: made of its parts' bounds (``"b"``)
        self.bound_part = bound_part
        #: how the values are stored (a list as JSON text): ``split_shared`` gives the text
        #: too, made of its parts' texts (``"j"``)
        self.encode = encode
        self._texts: dict[str, tuple[int, tuple]] = {}
        #: the number-free form of each text id (``_joined``)
        self._skeleton_of: dict[int, str] = {}
        #: parts of ``Joined`` texts split, by their text (``_joined``)
        self._parts: dict[str, tuple[str, tuple]] = {}
        self._templates: dict[str, int] = {}
        self._keys: set[str] = set()
        self._skeletons: dict[str, int] = {}
        self._patterns: dict[str, int | None] = {}
        self._shown: dict[str, int | float | None] = {}
        self._trace_keys: dict[tuple, int] = {}
        self._cited: dict[str, list] = {}
        self._orders: dict[tuple, tuple] = {}
        #: the split (key and values) of each shared trace's head inputs, by the list's id
        #: (an engine passes the same list for equal facts: ``CompactTrace.shared``)
        self._heads: dict[int, tuple] = {}
        #: the split of each shared trace's rest (``split_shared``), by its object: held
        #: weakly, so that a rest is kept only while its engine keeps the object
        self._tails: weakref.WeakKeyDictionary[Any, tuple] = weakref.WeakKeyDictionary()

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
            tid = self.intern(TEMPLATE_KIND, template)
            _remember(self._templates, key, tid, CACHED_TEMPLATES)
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
            if kind is str or kind is Joined:
                known = texts.get(item) or (self._text(item) if kind is str
                                            else self._joined(item))
                if vary:
                    values.append([known[0], *known[1]])
                    out[key] = VALUE
                else:
                    values.extend(known[1])
                    out[key] = f"{TEXT}{known[0]}"
            elif kind is int or kind is float:
                values.append(item)
                out[key] = VALUE
            elif kind is Filled:
                out[key] = self._filled_leaf(item, values, vary)
            elif kind is dict:
                out[key] = self._dict(item, values, vary)
            else:
                out[key] = self._walk(item, values, vary)
        return out

    def _leaf(self, node: Any, kind: type, values: list[Any], varying: bool) -> Any:
        if kind is str or kind is Joined:
            known = self._text(node) if kind is str else self._joined(node)
            ref, numbers = known[0], known[1]
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
        if kind is Filled:
            return self._filled_leaf(node, values, varying)
        raise _Unsplittable

    def _filled_leaf(self, text: Filled, values: list[Any], varying: bool) -> str:
        """A ``Filled`` text in the template: like a plain text (cited from the values where
        the trace's texts vary), its pattern the text entry and its shown numbers the
        values; a plain text when its pattern or numbers cannot be carried that way."""
        known = self._filled(text)
        if known is None:
            return self._leaf(str(text), str, values, varying)
        if varying:
            values.append([known[0], *known[1]])
            return VALUE
        values.extend(known[1])
        return f"{TEXT}{known[0]}"

    def _filled(self, text: Filled | Pattern) -> tuple[int, tuple] | None:
        """The text entry of ``text``'s pattern and its shown numbers (None: store it as a
        plain text)."""
        pattern = text.pattern
        sid = self._patterns.get(pattern, 0)
        if sid == 0:
            sid = self._patterns[pattern] = self._pattern(pattern)
        if sid is None:
            return None
        if not text.shown:
            return sid, ()
        shown = self._shown
        numbers = []
        for item in text.shown:
            kind = type(item)
            if kind is str:   # texts only: 1, 1.0 and True are equal keys
                number = shown.get(item, shown)
                if number is shown:
                    number = _shown_number(item)
                    _remember(shown, item, number, CACHED_SHOWN)
            elif kind is int:
                number = item
            else:
                number = _shown_number(item)
            if number is None:
                return None
            numbers.append(number)
        return sid, tuple(numbers)

    def _pattern(self, pattern: str) -> int | None:
        """The text entry of a ``Filled`` pattern (its bare ``{}`` as number marks), or None
        if it has anything else in braces or a placeholder character."""
        parts = []
        try:
            for literal_text, field, spec, conversion in string.Formatter().parse(pattern):
                if _HAS_MARK.search(literal_text):
                    return None
                parts.append(literal_text)
                if field is not None:
                    if field or spec or conversion:
                        return None
                    parts.append(NUMBER)
        except ValueError:
            return None
        skeleton = "".join(parts)
        sid = self._skeletons.get(skeleton)
        if sid is None:
            sid = self._skeletons[skeleton] = self.intern(TEXT_KIND, skeleton)
            self._skeleton_of[sid] = skeleton
        return sid

    def split_trace(self, trace: Trace, refs: dict[str, list[int]]) -> dict | None:
        """``split`` for a ``Trace`` object whose ``rules`` and ``parameters`` are ``refs``
        (lists of reference ids), without walking its dict; None if it cannot be split.

        The common cases (a plain text label, a number, a text, a ``Filled`` value or a
        dict input) are handled inline rather than by a call each: a trace has some sixty of
        them. A ``CompactTrace``'s head entries come first, as its ``to_dict`` has them."""
        values: list[Any] = []
        key: list[Any] = []
        try:
            self._inputs_part(_inputs(trace), values, key)
            parameters, rules = self._rest_part(trace, refs, values, key)
        except (_Unsplittable, KeyError, TypeError):
            return None
        return self._found(trace, tuple(key), values, parameters, rules)

    def split_shared(self, trace: CompactTrace, refs: Callable[[], dict[str, list[int]]]
                     ) -> dict | None:
        """``split_trace`` for a ``CompactTrace`` whose ``shared`` object stands for all of it
        but its ``head_inputs`` (traces with the same ``shared`` are equal in everything else:
        see ``CompactTrace.shared``): the rest is split once per ``shared`` object and kept
        (``CACHED_TAILS``), only the head inputs are split for each trace. ``refs()`` gives
        the trace's ``refs`` (called only when the rest is split). The same result as
        ``split_trace``: the values and the key are made by the same code, in the same
        order, the rest's part once; with ``encode``, also ``"j"``, the values' text."""
        if trace.head_steps:
            raise ValueError("a shared trace records its steps in steps, not head_steps")
        values: list[Any] = []
        key: list[Any] = []
        tail = self._tails.get(trace.shared)
        # new entries are interned in split_trace's order: references, head, the rest
        rest_refs = refs() if tail is None else None
        head_inputs = trace.head_inputs
        known = self._heads.get(id(head_inputs))
        if known is None or known[0] is not head_inputs:
            try:
                self._inputs_part(head_inputs, values, key)
            except (_Unsplittable, KeyError, TypeError):
                return None
            # kept by identity, the object with it (its id is not reused meanwhile)
            known = (head_inputs, tuple(key), values, self._inner(values), {})
            _remember(self._heads, id(head_inputs), known, CACHED_HEADS)
        values = list(known[2])
        if tail is None:
            tail_values: list[Any] = []
            tail_key: list[Any] = []
            try:
                self._inputs_part(_inputs(Trace(subject="", inputs=trace.inputs)),
                                  tail_values, tail_key)
                parameters, rules = self._rest_part(trace, rest_refs, tail_values, tail_key)
            except (_Unsplittable, KeyError, TypeError):
                return None
            tail = (tuple(tail_key), tail_values, parameters, rules, {},
                    self._inner(tail_values), {})
            _remember(self._tails, trace.shared, tail, CACHED_TAILS)
        tail_key, tail_values, parameters, rules, tids, tail_text, tail_bounds = tail
        values += tail_values
        head = known[1]
        tid = tids.get(head)
        if tid is None:
            split = self._found(trace, head + tail_key, values, parameters, rules)
            if split is None or split["v"] is not values:   # the walk's own result
                return split
            tid = tids[head] = split["t"]
        split: dict[str, Any] = {"t": tid, "v": values}
        if self.encode is not None:
            head_text = known[3]
            split["j"] = (f"[{head_text},{tail_text}]" if head_text and tail_text
                          else f"[{head_text or tail_text}]")
        if self.bound_part is not None:     # each part's bound, by template
            cut = len(known[2])
            head_bound = known[4].get(tid, known)
            if head_bound is known:
                head_bound = known[4][tid] = self.bound_part(tid, values, 0, cut)
            rest_bound = tail_bounds.get(tid, tail)
            if rest_bound is tail:
                rest_bound = tail_bounds[tid] = self.bound_part(tid, values, cut, len(values))
            split["b"] = None if head_bound is None or rest_bound is None \
                else max(head_bound, rest_bound)
        return split

    def _inner(self, values: list[Any]) -> str | None:
        """``encode(values)`` without its brackets: a list's JSON is its items' JSON joined
        by commas, so the texts of two parts make the text of both."""
        return self.encode(values)[1:-1] if self.encode is not None else None

    def _inputs_part(self, inputs: list[tuple[Any, Any]], values: list[Any],
                     key: list[Any]) -> None:
        """The values and key parts of a trace's inputs (``(label, value)`` pairs)."""
        add, push, extend = key.append, values.append, values.extend
        texts, cited, label, vary = self._texts, self._cited, self._label, self._varying
        mapping = self._varying_dict
        for text, value in inputs:
            if type(text) is str:
                known = texts.get(text) or self._text(text)
                extend(known[1])
                add(known[0])
            else:
                add(label(text, values))
            kind = type(value)
            if kind is int or kind is float:
                push(value)
                add(VALUE)
            elif kind is str:
                push(cited.get(value) or self._cite(value))
                add(VALUE)
            elif kind is dict:
                add(mapping(value, values))
            else:
                add(vary(value, values))

    def _rest_part(self, trace: Trace, refs: dict[str, list[int]], values: list[Any],
                   key: list[Any]) -> tuple[tuple, tuple]:
        """The values and key parts of a trace after its inputs (note, references, result,
        ``see``, steps, subject); returns the parameters' and rules' reference ids."""
        add, push, extend = key.append, values.append, values.extend
        texts, cited, label, vary = self._texts, self._cited, self._label, self._varying
        filled = self._filled
        add(_END)
        if trace.note:
            add(label(trace.note, values))
        parameters, rules = tuple(refs["parameters"]), tuple(refs["rules"])
        add(parameters)
        add(vary(trace.result, values))
        add(rules)
        for text in trace.see:     # ``see`` is VARYING: cited from the values
            add(vary(text, values))
        add(_END)
        for text, formula, value in _steps(trace):
            kind = type(formula)
            if kind is str:
                push(cited.get(formula) or self._cite(formula))
                add(VALUE)
            elif (kind is Pattern or kind is Filled) and (known := filled(formula)):
                push([known[0], *known[1]])
                add(VALUE)
            else:
                add(vary(formula, values))
            if type(text) is str:
                known = texts.get(text) or self._text(text)
                extend(known[1])
                add(known[0])
            else:
                add(label(text, values))
            kind = type(value)
            if kind is int or kind is float:
                push(value)
                add(VALUE)
            elif kind is str:
                push(cited.get(value) or self._cite(value))
                add(VALUE)
            else:
                add(vary(value, values))
        add(vary(trace.subject, values))
        return parameters, rules

    def _found(self, trace: Trace, whole: tuple, values: list[Any], parameters: tuple,
               rules: tuple) -> dict | None:
        """``{"t", "v"}`` of a trace whose ``split_trace`` key is ``whole`` and values
        ``values``: the template found by the key, or (the first time) by walking the trace
        and checking the walk gives the same values (else the walk's own result)."""
        tid = self._trace_keys.get(whole)
        if tid is None:
            data = {**trace.to_dict(), "parameters": list(parameters), "rules": list(rules)}
            split = self.split(data, ("rules", "parameters"))
            if split is None or split["v"] != values:   # not what the key stands for:
                return split                            # the walk's own result, uncached
            tid = split["t"]
            _remember(self._trace_keys, whole, tid, CACHED_TRACE_KEYS)
        return {"t": tid, "v": values}

    def _cite(self, text: str) -> list:
        """A varying text as the values cite it: ``[text id, numbers...]`` (kept for texts
        seen again; the list is shared by the values that cite it and never changed)."""
        known = self._texts.get(text) or self._text(text)
        entry = [known[0], *known[1]]
        _remember(self._cited, text, entry)
        return entry

    def _label(self, text: Any, values: list[Any]) -> int:
        """A text the template holds (cited by id, its numbers in the values): its id."""
        kind = type(text)
        if kind is str:
            known = self._texts.get(text) or self._text(text)
        elif kind is Joined:
            known = self._joined(text)
        elif kind is Filled:
            known = self._filled(text) or self._text(str(text))
        elif kind is Pattern:
            known = self._filled(text) or self._text(str(text.filled()))
        else:
            raise _Unsplittable
        values.extend(known[1])
        return known[0]

    def _varying(self, node: Any, values: list[Any]) -> Any:
        """A value the template holds as a placeholder (its texts cited from the values):
        what stands for its place in the template."""
        kind = type(node)
        if kind is str:
            values.append(self._cited.get(node) or self._cite(node))
            return VALUE
        if kind is int or kind is float:
            values.append(node)
            return VALUE
        if kind is Joined:
            known = self._joined(node)
            values.append([known[0], *known[1]])
            return VALUE
        if node is None:
            return None
        if kind is bool:
            return _TRUE if node else _FALSE
        if kind is Filled or kind is Pattern:
            known = self._filled(node)
            if known is None:
                return self._varying(str(node if kind is Filled else node.filled()), values)
            values.append([known[0], *known[1]])
            return VALUE
        if kind is dict:
            return self._varying_dict(node, values)
        if kind is list:
            return repr([self._walk(item, values, True) for item in node])
        raise _Unsplittable

    def _varying_dict(self, node: dict, values: list[Any]) -> Any:
        """``_varying`` for a dict: when every entry is a number, a text or None (an input's
        scores or votes), its keys in the walk's order and where its Nones are (what its
        template is made of); else the repr of its template."""
        keys = tuple(node)
        order = self._orders.get(keys)
        if order is None:
            if any(type(k) is not str or _HAS_MARK.search(k) for k in keys):
                raise _Unsplittable
            if len(self._orders) >= 10_000:
                self._orders.clear()
            order = self._orders[keys] = tuple(sorted(keys))
        start = len(values)
        kinds = []
        for key in order:
            item = node[key]
            kind = type(item)
            if kind is int or kind is float:
                values.append(item)
                kinds.append(VALUE)
            elif kind is str:
                values.append(self._cited.get(item) or self._cite(item))
                kinds.append(VALUE)
            elif item is None:
                kinds.append(None)
            else:
                del values[start:]
                return repr(self._dict(node, values, True))
        return order, tuple(kinds)

    def _text(self, text: str) -> tuple[int, tuple]:
        known = self._texts.get(text)
        if known is None:
            skeleton, numbers = _parse(text)
            sid = self._skeletons.get(skeleton)
            if sid is None:
                sid = self._skeletons[skeleton] = self.intern(TEXT_KIND, skeleton)
                self._skeleton_of[sid] = skeleton
            known = (sid, numbers)
            _remember(self._texts, text, known)
        return known

    def _joined(self, text: Joined) -> tuple[int, tuple]:
        """``_text`` of a ``Joined`` text, made of its parts' (parts repeat or were split
        already; the whole, new in every trace, is not kept): the same id and numbers. The
        whole text is split instead when two parts meet with a digit or a dot on each side (a
        number might run across them)."""
        texts, parts, skeleton_of = self._texts, self._parts, self._skeleton_of
        skeletons: list[str] = []
        numbers: list[Any] = []
        last = ""
        for part in text.parts:
            if not part:
                continue
            if last in _RUN and part[0] in _RUN:
                return self._text(str(text))
            known = texts.get(part)
            if known is not None and known[0] in skeleton_of:
                skeletons.append(skeleton_of[known[0]])
                numbers += known[1]
            else:
                parsed = parts.get(part)
                if parsed is None:
                    parsed = _parse(part)
                    _remember(parts, part, parsed, CACHED_PARTS)
                skeletons.append(parsed[0])
                numbers += parsed[1]
            last = part[-1]
        skeleton = "".join(skeletons)
        sid = self._skeletons.get(skeleton)
        if sid is None:
            sid = self._skeletons[skeleton] = self.intern(TEXT_KIND, skeleton)
            self._skeleton_of[sid] = skeleton
        return sid, tuple(numbers)


def _parse(text: str) -> tuple[str, tuple]:
    """A plain text's number-free form (``NUMBER`` where a number was) and its numbers."""
    if _HAS_MARK.search(text):
        raise _Unsplittable
    parts = _DIGITS.split(text)
    return NUMBER.join(parts[0::2]), tuple([int(t) if t[0] != "0" and t.isdigit() or t == "0"
                                            else _token(t) for t in parts[1::2]])


#: Entries a cache of texts (``Splitter._texts``, ``Splitter._cited``) holds before it is
#: emptied (``_remember``). Most texts are seen once (a subject, an assessment's id: ~87% of
#: them at 10,000 cadres) and the few thousand seen again and again (labels, grades, notes)
#: are back after a few traces, so the caches take memory that does not grow with the data
#: (issue 19: they kept up to 200,000 entries each, ~80 MB each at 100,000 cadres).
CACHED_TEXTS = 20_000
#: Entries of ``Splitter._templates`` (a template's repr, a few KB each: found again only on
#: the walk's path, rarely) and of ``Splitter._trace_keys`` (``split_trace``'s keys, ~1 KB
#: each, most found again many times) kept before the cache is emptied.
CACHED_TEMPLATES, CACHED_TRACE_KEYS = 2_000, 20_000
#: Entries of ``Splitter._tails`` (the rest of a shared trace, split: its key, values and
#: the templates of the heads met with it; a few hundred bytes each) kept before it is
#: emptied (entries go sooner, with their shared object).
CACHED_TAILS = 20_000
#: Entries of ``Splitter._heads`` (the head inputs of shared traces, by identity: an
#: engine's facts, which repeat across a month's explanations) kept before it is emptied.
CACHED_HEADS = 5_000
#: Entries of ``Splitter._shown`` (the numbers shown in ``Filled`` texts, as texts: component
#: scores with four decimals are many) kept before it is emptied.
CACHED_SHOWN = 50_000
#: Entries of ``Splitter._parts`` (the parts of ``Joined`` texts, parsed) kept before it is
#: emptied: parts repeat (scores, a pool's name), so more of them are worth keeping.
CACHED_PARTS = 50_000


def _remember(cache: dict, key: Any, value: Any, limit: int | None = None) -> None:
    """Keep ``value`` for ``key`` in ``cache``, emptied first when it holds ``limit``
    entries (``CACHED_TEXTS`` unless given)."""
    if len(cache) >= (CACHED_TEXTS if limit is None else limit):
        cache.clear()
    cache[key] = value


def _shown_number(item: Any) -> int | float | None:
    """A number shown in a ``Filled`` text as the number that reads back the same (None if
    there is none)."""
    kind = type(item)
    if kind is int:
        return item
    if kind is float:
        return item if math.isfinite(item) else None
    if kind is str and _SHOWN_NUMBER.fullmatch(item):
        number = _token(item)
        return None if type(number) is str else number
    return None


def _inputs(trace: Trace) -> list[tuple[Any, Any]]:
    """A trace's inputs as ``(label, value)``: a ``CompactTrace``'s head first."""
    out = [(item["label"], item["value"]) for item in trace.inputs   # {"label", "value"}
           if len(item) == 2 or _unsplittable()]
    if type(trace) is CompactTrace:
        return trace.head_inputs + out if out else trace.head_inputs
    return out


def _steps(trace: Trace) -> list[tuple[Any, Any, Any]]:
    """A trace's steps as ``(label, formula, value)``: a ``CompactTrace``'s head first."""
    out = [(item["label"], item["formula"], item["value"])   # {"formula", "label", "value"}
           for item in trace.steps if len(item) == 3 or _unsplittable()]
    if type(trace) is CompactTrace:
        return trace.head_steps + out if out else trace.head_steps
    return out


def _unsplittable() -> bool:
    raise _Unsplittable


class _Unsplittable(Exception):
    """The trace holds something a template cannot carry back exactly."""


def template_strings(node: Any) -> Iterator[str]:
    """The strings of a stored template in the order ``join`` fills it (a list's items in
    order, a dict's values by sorted key): its ``VALUE`` marks, text references and labels."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from template_strings(item)
    elif isinstance(node, dict):
        for key in sorted(node):
            yield from template_strings(node[key])


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
