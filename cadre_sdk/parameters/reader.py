"""Reading parameter files: the strict YAML reader (duplicate keys, unknown keys, dates, units,
missing references: each a ``ParameterError`` starting with ``file:line:``) and ``load_parameters``.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import math
import os
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.parameters.values import (
    ENTRY_KEYS, LEAF_KEYS, NODE_KEYS, ParameterValue, Parameters, STATUSES, UNITS, _AMOUNT_UNITS,
    _Leaf, _MAX_METADATA_DEPTH, _MAX_TREE_DEPTH, _MAX_VALUE_DEPTH, _NODE_BUDGET, _Node, _TAG,
    _fail, _line, _parse_date, _show, _suggest, status_code,
)


class _Reader:
    """Walks the composed YAML node tree. PyYAML's constructors keep the last of duplicate keys
    and lose line numbers, so structure is read from nodes and only scalars are constructed."""

    def __init__(self, text: str, file: str):
        self.file = file
        self.text = text
        self.loader: yaml.SafeLoader  # built in compose(): building it can fail
        self.budget = _NODE_BUDGET
        self.walking: set[int] = set()  # ids of the mappings being walked, to catch alias loops
        self.leaves: dict[str, _Leaf] = {}
        self.nodes: dict[str, _Node] = {}

    def fail(self, node: Node, message: str) -> NoReturn:
        _fail(self.file, _line(node), message)

    def compose(self) -> Node | None:
        try:
            # SafeLoader's reader checks for forbidden characters as it is built.
            self.loader = yaml.SafeLoader(self.text)
            return _fast_node(self.text) or self.loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 1
            what = e.problem or "invalid YAML"
            if e.context:
                at = f" at line {e.context_mark.line + 1}" if e.context_mark else ""
                what += f" ({e.context}{at})"
            _fail(self.file, line, f"YAML syntax error: {what}")
        except yaml.reader.ReaderError as e:
            line = self.text.count("\n", 0, max(e.position, 0)) + 1
            char = f"#x{e.character:04x}" if isinstance(e.character, int) else repr(e.character)
            _fail(self.file, line,
                  f"YAML syntax error: character {char} is not allowed ({e.reason})")
        except RecursionError:
            # PyYAML's composer recurses once per nesting level.
            _fail(self.file, 1, "YAML nesting is too deep")

    def spend(self, node: Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            self.fail(node, "document too large (or too many alias expansions)")

    # -- plain data (values, metadata) --------------------------------------------------------

    def scalar(self, node: ScalarNode) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as e:
            # Explicit tags (``!!int zz``) and impossible timestamps (``2020-13-01``) end up here.
            reason = getattr(e, "problem", None) or str(e)
            self.fail(node, f"cannot read {node.value!r} (tag {node.tag}): {reason}")

    def plain(self, node: Node, depth: int, what: str) -> Any:
        """Build a Python value from ``node``, rejecting duplicate keys and deep nesting."""
        self.spend(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if depth <= 0:
            self.fail(node, f"{what} is nested too deeply")
        if isinstance(node, SequenceNode) and node.tag == _TAG + "seq":
            return [self.plain(item, depth - 1, what) for item in node.value]
        if isinstance(node, MappingNode) and node.tag == _TAG + "map":
            out: dict[Any, Any] = {}
            lines: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _TAG + "merge":
                    self.fail(key_node, f"keys in {what} must be plain scalars (no '<<' merges, "
                                        "no lists or mappings as keys)")
                key = self.scalar(key_node)
                try:
                    seen = lines.get(key)
                except TypeError:  # unhashable (e.g. a !!binary key with odd content); be safe
                    self.fail(key_node, f"key {key_node.value!r} in {what} cannot be used as a key")
                if seen is not None:
                    self.fail(key_node, f"duplicate key {key_node.value!r} in {what} "
                                        f"(lines {seen} and {_line(key_node)})")
                lines[key] = _line(key_node)
                out[key] = self.plain(value_node, depth - 1, what)
            return out
        self.fail(node, f"unsupported YAML tag {node.tag} in {what}")

    def text_field(self, node: Node, key: str, where: str) -> str:
        value = self.plain(node, 0, key) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str):
            self.fail(node, f"{key!r} of {where} must be text; quote it if YAML reads it as "
                            "something else")
        return value

    # -- structure ----------------------------------------------------------------------------

    def entries(self, node: MappingNode, where: str) -> dict[str, tuple[Node, Node]]:
        """Key text -> (key node, value node), failing on duplicate or non-scalar keys."""
        if not isinstance(node, MappingNode) or node.tag != _TAG + "map":
            self.fail(node, f"{where} must be a mapping, got {_show(node)}")
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _TAG + "merge":
                self.fail(key_node, f"keys in {where} must be plain names (no '<<' merges, no "
                                    "lists or mappings as keys)")
            name = key_node.value
            if name in out:
                self.fail(key_node, f"duplicate key {name!r} in {where} "
                                    f"(lines {_line(out[name][0])} and {_line(key_node)})")
            out[name] = (key_node, value_node)
        return out

    def read(self) -> tuple[str, dict[str, Any]]:
        root = self.compose()
        if root is None:
            _fail(self.file, 1, "the file is empty; expected a mapping with a description and "
                                "parameters")
        if not isinstance(root, MappingNode) or root.tag != _TAG + "map":
            self.fail(root, "the top level must be a mapping (description, metadata and "
                            "parameter nodes)")
        keys = self.entries(root, "the top level")
        if "values" in keys:
            self.fail(keys["values"][0], "the top level is a node and cannot have 'values'; put "
                                         "them under a named parameter")
        metadata: dict[str, Any] = {}
        if "metadata" in keys:
            metadata = self.metadata(keys["metadata"][1], "the top level")
        self.node(root, keys, "", depth=0)
        return self.nodes[""].description or "", metadata

    def metadata(self, node: Node, where: str) -> dict[str, Any]:
        if not isinstance(node, MappingNode):
            self.fail(node, f"'metadata' of {where} must be a mapping")
        return self.plain(node, _MAX_METADATA_DEPTH, f"metadata of {where}")

    def node(self, node: MappingNode, keys: dict[str, tuple[Node, Node]], path: str,
             depth: int) -> None:
        where = f"node {path!r}" if path else "the top level"
        self.spend(node)
        if depth > _MAX_TREE_DEPTH:
            self.fail(node, f"{where} is nested too deeply")
        description = None
        children: list[str] = []
        for name, (key_node, value_node) in keys.items():
            if name == "description":
                description = self.text_field(value_node, name, where)
            elif name in ("documentation", "reference"):
                self.text_field(value_node, name, where)
            elif name == "metadata":
                if path:  # the top level's metadata is read by read()
                    self.metadata(value_node, where)
            elif name == "unit":
                self.fail(key_node, f"'unit' is only allowed on a leaf (a mapping with 'values'); "
                                    f"{where} has no 'values'")
            else:
                child = f"{path}.{name}" if path else name
                if not name.isidentifier():
                    hint = (" (did you forget 'values:' above the dates?)"
                            if _parse_date(name) else "")
                    self.fail(key_node, f"{name!r} in {where} is not a valid parameter name: use "
                                        f"letters, digits and underscores{hint}")
                if not isinstance(value_node, MappingNode):
                    self.fail(key_node,
                              f"{name!r} in {where} is read as a child parameter but its value is "
                              f"not a mapping; allowed keys on a node: {', '.join(NODE_KEYS)}"
                              f"{_suggest(name, NODE_KEYS)}")
                if id(value_node) in self.walking:
                    self.fail(key_node, f"parameter {child!r} contains itself (a YAML alias "
                                        "refers back to its own anchor)")
                child_keys = self.entries(value_node, f"parameter {child!r}")
                self.walking.add(id(value_node))
                if "values" in child_keys:
                    self.leaf(key_node, child_keys, child)
                else:
                    self.node(key_node, child_keys, child, depth + 1)
                self.walking.discard(id(value_node))
                children.append(name)
        if path and not children:
            self.fail(node, f"{where} has no child parameters and no 'values'")
        self.nodes[path] = _Node(_line(node), description, children)

    def leaf(self, node: Node, keys: dict[str, tuple[Node, Node]], path: str) -> None:
        self.spend(node)
        where = f"parameter {path!r}"
        values_key = keys["values"][0]
        for name, (key_node, value_node) in keys.items():
            if name in LEAF_KEYS:
                continue
            if isinstance(value_node, MappingNode):
                self.fail(key_node, f"{where} has both 'values' (line {_line(values_key)}) and a "
                                    f"child node {name!r}; a parameter is either a node or a leaf "
                                    f"(or is {name!r} a misspelt key? allowed: "
                                    f"{', '.join(LEAF_KEYS)})")
            self.fail(key_node, f"unknown key {name!r} on leaf {path!r}; allowed: "
                                f"{', '.join(LEAF_KEYS)}{_suggest(name, LEAF_KEYS)}")
        description = None
        if "description" in keys:
            description = self.text_field(keys["description"][1], "description", where)
        for name in ("documentation", "reference"):
            if name in keys:
                self.text_field(keys[name][1], name, where)
        if "metadata" in keys:
            self.metadata(keys["metadata"][1], where)
        unit = None
        if "unit" in keys:
            unit_node = keys["unit"][1]
            unit = self.plain(unit_node, 0, "unit") if isinstance(unit_node, ScalarNode) else None
            if unit not in UNITS:
                self.fail(unit_node, f"unknown unit {_show(unit_node)} on {where}; allowed: "
                                     f"{', '.join(UNITS)}{_suggest(str(unit), UNITS)}")
        values_node = keys["values"][1]
        if not isinstance(values_node, MappingNode) or values_node.tag != _TAG + "map":
            self.fail(values_key, f"'values' of {where} must be a mapping of ISO dates "
                                  "(YYYY-MM-DD) to value entries")
        if not values_node.value:
            self.fail(values_key, f"'values' of {where} is empty; give at least one dated value")

        dated: dict[datetime.date, tuple[int, ParameterValue | None]] = {}
        for date_node, entry_node in values_node.value:
            raw = date_node.value if isinstance(date_node, ScalarNode) else None
            start = _parse_date(raw) if isinstance(raw, str) else None
            if start is None:
                self.fail(date_node, f"bad date {raw!r} in 'values' of {where}; dates must be ISO "
                                     "YYYY-MM-DD (e.g. 2020-01-01)")
            line = _line(date_node)
            if start in dated:
                self.fail(date_node, f"duplicate date {start.isoformat()} in 'values' of {where} "
                                     f"(lines {dated[start][0]} and {line})")
            dated[start] = (line, self.entry(date_node, entry_node, path, start, unit, description))
        if all(v is None for _, v in dated.values()):
            self.fail(values_key, f"'values' of {where} only ends the parameter (every entry is "
                                  "null); give at least one value")
        starts = sorted(dated)
        self.leaves[path] = _Leaf(
            line=_line(node),
            starts=starts,
            entries=[dated[s][1] for s in starts],
            end_lines={s: dated[s][0] for s in starts if dated[s][1] is None},
        )

    def entry(self, date_node: Node, node: Node, path: str, start: datetime.date,
              unit: str | None, description: str | None) -> ParameterValue | None:
        where = f"the value of {path!r} from {start.isoformat()}"
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return None
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where} must be a mapping with 'value' and 'reference' (or null to "
                            f"end the parameter), got {_show(node)}")
        keys = self.entries(node, where)
        for name, (key_node, _) in keys.items():
            if name not in ENTRY_KEYS:
                self.fail(key_node, f"unknown key {name!r} in value entry; allowed: "
                                    f"{', '.join(ENTRY_KEYS)}{_suggest(name, ENTRY_KEYS)}")
        if "value" not in keys:
            self.fail(date_node, f"{where} has no 'value'")
        value_node = keys["value"][1]
        value = self.plain(value_node, _MAX_VALUE_DEPTH, f"{where}")
        if value is None:
            self.fail(value_node, f"{where} is empty (null); to end the parameter write "
                                  f"'{start.isoformat()}: null' instead of a value entry")
        self.check_unit(value_node, value, unit, where)
        if "reference" not in keys:
            self.fail(date_node, f"{where} has no 'reference'; every value must cite its source "
                                 "(document, article)")
        reference = self.text_field(keys["reference"][1], "reference", where)
        if not reference.strip():
            self.fail(keys["reference"][1], f"the 'reference' of {where} is blank; cite the source")
        example = False
        if "example" in keys:
            example = self.plain(keys["example"][1], 0, "example") \
                if isinstance(keys["example"][1], ScalarNode) else None
            if not isinstance(example, bool):
                self.fail(keys["example"][1], f"'example' of {where} must be true or false")
        note = self.text_field(keys["note"][1], "note", where) if "note" in keys else None
        status = None
        if "status" in keys:
            status = status_code(self.text_field(keys["status"][1], "status", where))
            if status not in STATUSES:
                self.fail(keys["status"][1], f"unknown status {status!r} of {where}; allowed: "
                                             f"{', '.join(STATUSES)}{_suggest(status, STATUSES)}")
            if example and status != "example":
                self.fail(keys["status"][1], f"{where} has 'example: true' and status "
                                             f"{status!r}; an example value has status example")
        return ParameterValue(path=path, value=value, start=start, reference=reference,
                              example=example or status == "example", note=note, file=self.file,
                              line=_line(date_node), unit=unit, description=description,
                              declared_status=status)

    def check_unit(self, node: Node, value: Any, unit: str | None, where: str) -> None:
        """Units constrain a scalar value and each scalar of a list value; mappings (e.g. tiers)
        mix fields of different units, so they are kept as loaded."""
        if unit is None:
            return
        if isinstance(node, SequenceNode):
            for item_node, item in zip(node.value, value):
                if not isinstance(item_node, (SequenceNode, MappingNode)):
                    self.check_unit(item_node, item, unit, where)
            return
        if isinstance(node, MappingNode):
            return
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(node, f"{where} must be a finite number, got {value!r}")
        if unit == "ratio" and not (is_number and 0 <= value <= 1):
            self.fail(node, f"{where} has unit ratio and must be a number from 0 to 1, got "
                            f"{value!r}")
        if unit in _AMOUNT_UNITS and not (is_number and value >= 0):
            self.fail(node, f"{where} has unit {unit} and must be a number >= 0, got "
                            f"{value!r}")
        if unit == "count" and not isinstance(value, int):
            self.fail(node, f"{where} has unit count and must be a whole number, got "
                            f"{value!r}")
        if unit == "percent" and not is_number:
            self.fail(node, f"{where} has unit percent and must be a number, got {value!r}")
        if unit == "text" and not isinstance(value, str):
            self.fail(node, f"{where} has unit text and must be text, got {value!r}")
        if unit == "bool" and not isinstance(value, bool):
            self.fail(node, f"{where} has unit bool and must be true or false, got "
                            f"{value!r}")


#: Nesting the C composer's document may reach before the text is composed again in Python
#: (whose composer recurses once per level: ``_Reader.compose`` reports a text nested too
#: deep as it always did).
_FAST_DEPTH = 32


def _fast_node(text: str) -> Node | None:
    """The document's node composed by libyaml (~15x faster than PyYAML's composer: ~0.2 s
    CPU of every ``cadre`` command's start-up, reading the plugins' parameter files), or
    None where PyYAML's composer must decide: libyaml missing, any error (PyYAML's message
    is the one reported), more than one document, or nesting deeper than ``_FAST_DEPTH``.
    The characters are checked as before (building ``yaml.SafeLoader``), and the nodes are
    constructed by PyYAML's constructor either way."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return None
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    level, todo, seen = [node], 0, set()
    while level:
        todo += 1
        if todo > _FAST_DEPTH:
            return None
        below = []
        for item in level:
            if id(item) in seen:   # an alias: the node it names is walked once
                continue
            seen.add(id(item))
            if isinstance(item, MappingNode):
                below += [n for pair in item.value for n in pair]
            elif isinstance(item, SequenceNode):
                below += item.value
        level = below
    return node


def _parse(text: str, file: str, sha256: str) -> Parameters:
    reader = _Reader(text, file)
    description, metadata = reader.read()
    return Parameters(file=file, sha256=sha256, description=description, metadata=metadata,
                      leaves=reader.leaves, nodes=reader.nodes)


def parse_parameters(text: str, file: str = "<string>") -> Parameters:
    """Parse parameter YAML from a string; ``sha256`` is that of its UTF-8 encoding."""
    return _parse(text, file, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def load_parameters(path: str | os.PathLike[str]) -> Parameters:
    """Load a parameter file (UTF-8). Cached per (resolved path, mtime, size): an edited file is
    re-read, an unchanged one is parsed once."""
    resolved = Path(path).resolve()
    try:
        st = resolved.stat()
    except OSError as e:
        raise ParameterError(f"{resolved}:1: cannot read parameter file: {e.strerror}") from e
    return _load_cached(str(resolved), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=128)
def _load_cached(file: str, mtime_ns: int, size: int) -> Parameters:
    try:
        data = Path(file).read_bytes()
    except OSError as e:
        raise ParameterError(f"{file}:1: cannot read parameter file: {e.strerror}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ParameterError(f"{file}:{line}: parameter files must be UTF-8 ({e.reason} at byte "
                             f"{e.start})") from None
    return _parse(text, file, hashlib.sha256(data).hexdigest())
