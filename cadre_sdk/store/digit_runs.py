"""How many digits in a row a reader can read in what an explanation's own values write.

A templated explanation (``{"t", "v"}``, ``explanation_templates``) is read as its template
and texts (stored once in ``explanation_ref``, shared by many explanations) with its values
written back in. What only its values make is the texts its numbers are written into and the
strings among its values. The publication masks ID numbers (17 digits in a row once a text is
normalized: NFKC, which folds full-width digits and characters such as ``⑳`` into digits, then
up to three spaces, hyphens or dots between digits removed); judging every explanation so at
publish time costs ~20 µs of Python each. The writer records instead, per explanation, an
upper bound of the longest such run (``DigitRuns.bound``, the column ``explanation.digit_run``,
migration ``0011_explanation_digit_run``): the publication judges only rows whose bound
reaches 17 or is not known (NULL: written before the column, or not templated).

The bound: each text taking numbers is cut, once, into *segments* at every character that
ends a run of digits in any normalized form (``_character``: one whose NFKC form holds
something other than digits, spaces, hyphens and dots, e.g. a Han character, ``×``, ``+``,
``，``, a letter); a run of digits lies within one segment. A segment weighs the digits its
own characters can give (a digit 1, a character folding into digits as many as its NFKC form
holds: ``⑳`` 2) plus every character of each number written into it (``str``, sign and dot
included) and of each (ASCII) string. A string among the values weighs its characters.
Assessment formulas (``(15×87.7 + 10×88.7 …) ÷ 100``) and dates (``2023-01-27 起``) weigh
far below 17 per segment; a note's ``630102 19800101 1234`` (three numbers in one segment)
weighs 18.
"""
from __future__ import annotations

import re
import unicodedata
from operator import itemgetter
from typing import Any

from cadre_sdk.store.explanation_templates import NUMBER, TEXT, VALUE, template_strings

#: The characters that may stand between the digits of a number and are removed there when a
#: text is normalized (``publish.redact.normal_form``).
GAP = r"[\s\-.\u2010-\u2014\u2212\u00b7\u30fb]"
_GAP = re.compile(GAP)
_DIGIT = re.compile(r"\d")
#: The kinds of values a template takes that write no string of their own (a list is a text
#: and its numbers).
_PLAIN = frozenset({int, float, bool, type(None), list})
#: Ends a segment in the formats ``DigitRuns`` builds (never in a number's ``str``).
_CUT = "\x00"
_CHARACTERS: dict[str, tuple[bool, int]] = {}


def _character(ch: str) -> tuple[bool, int]:
    """Whether ``ch`` ends a run of digits in any normalized text, and the most digits it
    gives there (its NFKC form's)."""
    found = _CHARACTERS.get(ch)
    if found is None:
        folded = unicodedata.normalize("NFKC", ch)
        digits = len(_DIGIT.findall(folded))
        if digits:
            found = (False, digits)   # a digit, or a character folding into digits (``⑳``)
        else:
            found = (not all(_GAP.match(c) for c in folded), 0)
        _CHARACTERS[ch] = found
    return found


def segments(text: str) -> list[tuple[int, int]]:
    """The segments of a text (``NUMBER`` marks where numbers are written), in order: ``(the
    digits its own characters can give, the numbers written into it)``."""
    out = []
    own, slots = 0, 0
    for ch in text:
        if ch == NUMBER:
            slots += 1
            continue
        breaks, digits = _character(ch)
        if breaks:
            if own or slots:
                out.append((own, slots))
            own, slots = 0, 0
        else:
            own += digits
    if own or slots:
        out.append((own, slots))
    return out


#: An ASCII run of digits with the gaps normalizing removes between them (ASCII characters
#: other than digits, whitespace, hyphens and dots end a segment: ``_character``).
_ASCII_RUN = re.compile(r"[0-9][0-9\s.\-]*")
_NOT_DIGIT = re.compile(r"[^0-9]")


def text_bound(text: str) -> int:
    """At least the most digits in a row a reader can read in ``text`` once normalized: the
    digits of its heaviest segment (``segments``; an ASCII text by one regex, the same
    segments)."""
    if text.isascii():
        return max((len(_NOT_DIGIT.sub("", run)) for run in _ASCII_RUN.findall(text)),
                   default=0)
    return max((own for own, _ in segments(text)), default=0)


def _format(text: str) -> str:
    """A ``%`` format that, given the numbers of ``text``, gives one part per segment (cut by
    ``_CUT``) at least as long as the segment weighs: its own digits as filler characters
    and a ``%s`` per number."""
    return _CUT.join("0" * own + "%s" * slots for own, slots in segments(text))


class DigitRuns:
    """``bound`` for the explanations one ``explanations.Encoder`` writes: it is told every
    text (``text``) and template (``template``) it stores or finds, the first time."""

    def __init__(self) -> None:
        #: Each text taking numbers: its ``_format``; and as the values cite it, taking its
        #: id first (``[text id, numbers...]``).
        self._formats: dict[int, str] = {}
        self._cited: dict[int, str] = {}
        #: Each template: (the format of its own texts taking numbers, a getter of the values
        #: they take, a getter of the values at its VALUE marks, how many values it takes).
        self._plans: dict[int, tuple[str, Any, Any, int] | None] = {}
        #: Each template's texts taking numbers and VALUE marks in order, for ``bound_part``:
        #: ``(format, indexes of the values it takes)`` or ``(None, index of the value)``.
        self._pieces: dict[int, list[tuple[str | None, Any]]] = {}

    def text(self, rid: int, text: Any) -> None:
        """The text entry ``rid`` was stored or found."""
        if isinstance(text, str) and NUMBER in text:
            self._formats[rid] = _format(text)
            self._cited[rid] = "%.0s" + self._formats[rid]

    def template(self, rid: int, template: Any) -> None:
        """The template entry ``rid`` was stored or found (its texts already were)."""
        parts: list[str] = []
        fixed: list[int] = []       # the values its own texts take
        placed: list[int] = []      # the values at its VALUE marks
        known = True

        pieces: list[tuple[str | None, Any]] = []
        for node in template_strings(template):
            if node == VALUE:
                placed.append(len(fixed) + len(placed))
                pieces.append((None, placed[-1]))
            elif node.startswith(TEXT):
                fmt = self._formats.get(int(node[1:])) if node[1:].isdigit() else None
                if not node[1:].isdigit():
                    known = False
                elif fmt is not None:
                    parts.append(fmt)
                    start = len(fixed) + len(placed)
                    fixed.extend(range(start, start + fmt.count("%s")))
                    pieces.append((fmt, tuple(range(start, start + fmt.count("%s")))))
        self._pieces[rid] = pieces
        self._plans[rid] = (_CUT.join(parts), _getter(fixed), _getter(placed),
                            len(fixed) + len(placed)) if known else None

    def bound(self, tid: int, values: list[Any]) -> int | None:
        """At least the most digits in a row a reader can read in the texts the ``values``
        of an explanation stored with the template ``tid`` are written into, and in its
        strings (the digits of no other string it shows: its template's and texts' are
        stored in ``explanation_ref``); None if that cannot be told (an unknown template,
        values that do not fit it, a string that is not ASCII)."""
        plan = self._plans.get(tid)
        if plan is None or len(values) != plan[3]:
            return None
        fmt, fixed, placed, _ = plan
        cited = self._cited
        try:
            parts = [fmt % fixed(values)]
            items = placed(values)
            kinds = set(map(type, items))
            if list in kinds:
                # a text cited without numbers writes none (one taking numbers cannot be
                # joined so: a reader sees none of it either)
                parts += [cited.get(x[0], "%.0s") % tuple(x) for x in items
                          if type(x) is list and len(x) > 1]
            if not kinds <= _PLAIN:
                if not kinds <= _PLAIN | {str}:
                    return None     # a dict: its strings are not looked at here
                parts += [x for x in items if type(x) is str]
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        return _heaviest(parts)

    def bound_part(self, tid: int, values: list[Any], start: int, stop: int) -> int | None:
        """``bound`` of what only the values ``values[start:stop]`` write (the texts taking
        them, the strings among them); ``bound`` is the larger of the parts' bounds for any
        cut of the values between two of the template's texts and marks, None if either is
        None: its texts and strings are each measured on their own (cut by ``_CUT``)."""
        plan = self._plans.get(tid)
        if plan is None or len(values) != plan[3]:
            return None
        cited = self._cited
        parts = []
        try:
            for fmt, where in self._pieces[tid]:
                if fmt is not None:
                    if start <= where[0] < stop:
                        parts.append(fmt % tuple([values[i] for i in where]))
                elif start <= where < stop:
                    item = values[where]
                    kind = type(item)
                    if kind is list:
                        if len(item) > 1:
                            parts.append(cited.get(item[0], "%.0s") % tuple(item))
                    elif kind is str:
                        parts.append(item)
                    elif kind not in _PLAIN:
                        return None     # a dict: its strings are not looked at here
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        return _heaviest(parts)


def _heaviest(parts: list[str]) -> int | None:
    """The length of the longest of ``parts`` (each a segment's filler, numbers and strings),
    or None if one is not ASCII (its characters may weigh 2)."""
    joined = _CUT.join(parts)
    if not joined.isascii():
        return None
    return max(map(len, joined.split(_CUT)))


def _getter(indexes: list[int]) -> Any:
    """``values -> tuple of values[i] for i in indexes`` (``itemgetter``, always a tuple)."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        index = indexes[0]
        return lambda values: (values[index],)
    return lambda values: ()
