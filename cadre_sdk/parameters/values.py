"""A parameter file's tree once read: nodes, leaves and their dated values (``Parameters``,
``ParameterValue``: a value "as of" a date is the entry with the greatest start on or before
it), and the helpers that make the reader's ``file:line:`` errors. The file format and its
checks are described in the package docstring (``cadre_sdk.parameters``); the reader is
``cadre_sdk.parameters.reader``.
"""
from __future__ import annotations

import bisect
import datetime
import difflib
import json
import re
from collections.abc import Iterator
from typing import Any, NoReturn

import attrs
from yaml.nodes import Node, ScalarNode, SequenceNode

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.core.value_status import STATUS_ZH


UNITS = ("ratio", "yuan", "days", "workdays", "points", "percent", "years", "months", "count",
         "text", "bool")


NODE_KEYS = ("description", "documentation", "reference", "metadata")


LEAF_KEYS = ("description", "unit", "values", "reference", "documentation", "metadata")


ENTRY_KEYS = ("value", "reference", "example", "note", "status")


#: What a value is (``status`` of a value entry): ``official`` (the reference cites the document,
#: number and article), ``analogy`` (the SDK's choice, borrowed from the source the reference
#: names), ``example`` (an illustration; ``example: true`` says the same), ``unverified`` (taken
#: from a source whose official text was not checked). See ``cadre_sdk.core.value_status``.
STATUSES = ("official", "analogy", "example", "unverified")


def status_code(text: str) -> str:
    """The status ``text`` names: a code of ``STATUSES`` as it is, or its Chinese label as
    offices write it (官方依据 → official, 参照适用, 示例值, 未核实); anything else unchanged
    (the caller refuses it)."""
    return next((code for code, label in STATUS_ZH.items() if text.strip() == label), text)


_AMOUNT_UNITS = frozenset({"yuan", "days", "workdays", "points", "years", "months", "count"})


_UNIT_ZH = {"yuan": " 元", "days": " 天", "workdays": " 个工作日", "points": " 分",
            "percent": "%", "years": " 年", "months": " 个月"}
#: Each unit's Chinese name, as 参数取值 shows it (a value's unit column).
UNIT_TITLES = {"ratio": "比率", "yuan": "元", "days": "天", "workdays": "工作日", "points": "分",
               "percent": "百分比（%）", "years": "年", "months": "月", "count": "个数",
               "text": "文字", "bool": "是/否"}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_TAG = "tag:yaml.org,2002:"


# Guards against alias bombs and self-referencing anchors, which YAML allows and we never need.
_MAX_TREE_DEPTH = 32


_MAX_METADATA_DEPTH = 8


_MAX_VALUE_DEPTH = 2  # e.g. subsidy tiers: a list of mappings of scalars


_NODE_BUDGET = 200_000


def _fail(file: str, line: int, message: str) -> NoReturn:
    raise ParameterError(f"{file}:{line}: {message}")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def _parse_date(text: str) -> datetime.date | None:
    """``YYYY-MM-DD`` exactly (no ``2020-1-1``, no times), or None."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _show(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return repr(node.value)
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    if node.tag not in (_TAG + "seq", _TAG + "map"):
        kind += f" tagged {node.tag}"
    return kind


def _as_date(on: datetime.date | str, where: str) -> datetime.date:
    """A date argument from calling code; ``where`` (``file:line``) prefixes the error."""
    if isinstance(on, datetime.datetime):
        return on.date()
    if isinstance(on, datetime.date):
        return on
    parsed = _parse_date(on) if isinstance(on, str) else None
    if parsed is None:
        raise ParameterError(f"{where}: bad date {on!r}; expected a datetime.date or 'YYYY-MM-DD'")
    return parsed


@attrs.frozen
class ParameterValue:
    """One dated value of one parameter, with where it came from (for explanations)."""

    path: str
    value: object
    start: datetime.date
    reference: str
    example: bool
    note: str | None
    file: str
    line: int
    unit: str | None
    description: str | None = None  # the leaf's description, for explanations
    #: ``status`` as written (None: not stated); ``example: true`` alone means ``example``
    declared_status: str | None = None

    @property
    def status(self) -> str | None:
        """What the value is: one of ``STATUSES``, or None when the file does not say."""
        return self.declared_status or ("example" if self.example else None)

    def describe_zh(self) -> str:
        """One line in Chinese, e.g. ``a.b = 0.15（自 2007-01-01 起；依据：…；示例值）``."""
        if isinstance(self.value, bool):
            shown = "是" if self.value else "否"
        elif isinstance(self.value, (list, dict)):
            shown = json.dumps(self.value, ensure_ascii=False, default=str)
        else:
            shown = str(self.value)
        shown += _UNIT_ZH.get(self.unit or "", "")
        extra = "；示例值" if self.example else ""
        if self.status in ("analogy", "unverified"):
            extra += "；参照适用" if self.status == "analogy" else "；条文未核实"
        if self.note:
            extra += f"；说明：{self.note}"
        return f"{self.path} = {shown}（自 {self.start.isoformat()} 起；依据：{self.reference}{extra}）"


@attrs.frozen
class _Leaf:
    line: int
    starts: list[datetime.date]          # sorted; parallel to entries
    entries: list[ParameterValue | None]  # None: the parameter ends at that start
    end_lines: dict[datetime.date, int]   # lines of null entries, for "not in force" messages


@attrs.frozen
class _Node:
    line: int
    description: str | None
    children: list[str]


@attrs.frozen(eq=False)
class Parameters:
    """One loaded parameter file. ``metadata`` is shared by every caller of :func:`load_parameters`
    (the result is cached): treat it, and list/mapping values, as read-only."""

    file: str
    sha256: str
    description: str
    metadata: dict[str, Any]
    _leaves: dict[str, _Leaf] = attrs.field(repr=False)
    _nodes: dict[str, _Node] = attrs.field(repr=False)

    def completed(self, facts: dict[str, tuple[str | None, str | None]]) -> Parameters:
        """A copy whose values that state no unit or description take them from ``facts``
        (path -> (unit, description)): a file that changes only values (a store's parameter
        file) named and measured like the values it replaces."""
        leaves = {}
        for path, leaf in self._leaves.items():
            unit, description = facts.get(path, (None, None))
            leaves[path] = attrs.evolve(leaf, entries=[
                e if e is None else attrs.evolve(e, unit=e.unit or unit,
                                                 description=e.description or description)
                for e in leaf.entries])
        return attrs.evolve(self, leaves=leaves)

    def has(self, path: str) -> bool:
        """Whether ``path`` names a leaf (a parameter with values); nodes answer False."""
        return path in self._leaves

    def at(self, path: str, on: datetime.date | str) -> ParameterValue:
        """The value of ``path`` in force on ``on``; ParameterError if unknown or not in force."""
        leaf = self._leaf(path)
        day = _as_date(on, f"{self.file}:{leaf.line}")
        i = bisect.bisect_right(leaf.starts, day) - 1
        if i < 0:
            _fail(self.file, leaf.line,
                  f"parameter {path!r} has no value on {day.isoformat()}: its first value starts "
                  f"{leaf.starts[0].isoformat()}")
        entry = leaf.entries[i]
        if entry is None:
            start = leaf.starts[i]
            _fail(self.file, leaf.end_lines[start],
                  f"parameter {path!r} has no value on {day.isoformat()}: it was ended "
                  f"(null) from {start.isoformat()}")
        return entry

    def get(self, path: str, on: datetime.date | str,
            default: ParameterValue | None = None) -> ParameterValue | None:
        """Like :meth:`at`, but ``default`` when the path is unknown or has no value on ``on``."""
        day = _as_date(on, f"{self.file}:1")  # a bad date is the caller's bug: still raise
        if path not in self._leaves:
            return default
        try:
            return self.at(path, day)
        except ParameterError:
            return default

    def leaves(self) -> Iterator[tuple[str, list[ParameterValue]]]:
        """Every leaf with its values in date order (ends excluded), sorted by path."""
        for path in sorted(self._leaves):
            yield path, [e for e in self._leaves[path].entries if e is not None]

    def newest_date(self, path: str) -> datetime.date:
        """The start of the newest (non-null) value of ``path``."""
        leaf = self._leaf(path)
        return max(e.start for e in leaf.entries if e is not None)

    def stale(self, before: datetime.date) -> list[tuple[str, datetime.date]]:
        """Leaves whose newest value starts before ``before``, sorted by path. Leaves ended by a
        null are left out: someone retired them on purpose, so there is nothing to review."""
        out = []
        for path in sorted(self._leaves):
            leaf = self._leaves[path]
            if leaf.entries[-1] is None:
                continue
            newest = self.newest_date(path)
            if newest < before:
                out.append((path, newest))
        return out

    def has_node(self, path: str) -> bool:
        """Whether ``path`` names a node (``node`` gives a view of it rather than failing)."""
        return path in self._nodes

    def node(self, path: str = "") -> ParameterNode:
        """A view of the subtree at ``path`` ("" is the whole file)."""
        if path not in self._nodes:
            if path in self._leaves:
                _fail(self.file, self._leaves[path].line,
                      f"{path!r} is a parameter (it has values), not a node; use at()")
            self._unknown(path)
        return ParameterNode(self, path)

    def _leaf(self, path: str) -> _Leaf:
        leaf = self._leaves.get(path)
        if leaf is None:
            self._unknown(path)
        return leaf

    def _unknown(self, path: str) -> NoReturn:
        if path in self._nodes:
            node = self._nodes[path]
            below = [p for p in sorted(self._leaves) if p.startswith(path + ".")]
            _fail(self.file, node.line,
                  f"{path!r} is a node, not a parameter; parameters under it: "
                  f"{_short_list(below)}")
        # Point at the deepest ancestor that exists: that is where the missing child would go.
        parts = path.split(".")
        line = 1
        for n in range(len(parts) - 1, 0, -1):
            ancestor = ".".join(parts[:n])
            if ancestor in self._nodes:
                line = self._nodes[ancestor].line
                break
        known = sorted(self._leaves)
        close = difflib.get_close_matches(path, known, n=3, cutoff=0.6)
        ordered = close + [k for k in known if k not in close]
        _fail(self.file, line,
              f"no parameter {path!r} in {self.file}; known: {_short_list(ordered)}")


def _short_list(items: list[str], limit: int = 10) -> str:
    if not items:
        return "(none)"
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


@attrs.frozen
class ParameterNode:
    """A subtree of a :class:`Parameters`: paths given to it are relative to ``path``."""

    parameters: Parameters
    path: str

    @property
    def description(self) -> str | None:
        return self.parameters._nodes[self.path].description

    def children(self) -> list[str]:
        """Names of the direct children (nodes and leaves), in file order."""
        return list(self.parameters._nodes[self.path].children)

    def _full(self, child_path: str) -> str:
        return f"{self.path}.{child_path}" if self.path else child_path

    def has(self, child_path: str) -> bool:
        return self.parameters.has(self._full(child_path))

    def at(self, child_path: str, on: datetime.date | str) -> ParameterValue:
        return self.parameters.at(self._full(child_path), on)

    def get(self, child_path: str, on: datetime.date | str,
            default: ParameterValue | None = None) -> ParameterValue | None:
        return self.parameters.get(self._full(child_path), on, default)

    def node(self, child_path: str) -> ParameterNode:
        return self.parameters.node(self._full(child_path))
