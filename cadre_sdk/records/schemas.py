"""JSON Schemas (Draft 2020-12) generated from the record classes, the fast validators built
from them, and the thorough, Chinese check of a rejected value (``problems``).

The classes are the single source of truth; ``schemas/*.schema.json`` in the repository is the
generated copy clerks' tools and other systems read, and a test fails when the two drift
(regenerate with ``cadre schemas export schemas/``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from cadre_sdk.records import RECORD_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(cls: type) -> dict[str, Any]:
    """The JSON Schema of one record class, for its values after normalization."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        meta = field.metadata
        prop: dict[str, Any] = {"title": meta["title"], **meta["schema"]}
        if meta["description"]:
            prop["description"] = meta["description"]
        if prop.get("type") == "string":
            prop["maxLength"] = meta["max_length"]
        for bound in ("minimum", "maximum"):
            if meta[bound] is not None:
                prop[bound] = meta[bound]
        if meta["required"]:
            required.append(field.name)
        else:
            prop["type"] = [prop["type"], "null"]
            if "enum" in prop:
                prop["enum"] = [*prop["enum"], None]
        prop["x-aliases"] = [meta["title"], *meta["aliases"]]
        if meta["pii"]:
            prop["x-pii"] = True
        if meta["ref"]:
            prop["x-ref"] = meta["ref"]
        properties[field.name] = prop
    return {
        "$schema": DIALECT,
        "$id": f"urn:cadre-sdk:schema:{cls.__kind__}",
        "title": cls.__title__,
        "description": cls.__description__,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "x-primary-key": list(cls.__key__),
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every record kind's schema, by kind."""
    return {kind: schema_for(cls) for kind, cls in RECORD_TYPES.items()}


def schema_text(schema: dict[str, Any]) -> str:
    """The canonical file text of a schema (stable key order, Chinese kept readable)."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def export(directory: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every kind into ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, schema in all_schemas().items():
        path = directory / f"{kind}.schema.json"
        path.write_text(schema_text(schema), encoding="utf-8")
        written.append(path)
    return written


@lru_cache(maxsize=None)
def compiled_validator(kind: str):
    """A fast compiled validator (fastjsonschema) for bulk validation of one kind."""
    import fastjsonschema

    schema = dict(schema_for(RECORD_TYPES[kind]))
    schema.pop("$schema")  # fastjsonschema knows the draft from its own argument
    return fastjsonschema.compile(schema, use_formats=False)


@lru_cache(maxsize=None)
def property_validators(kind: str) -> dict[str, Callable[[Any], bool]]:
    """For each field of ``kind``: whether one normalized value meets that field's schema.

    The schema of a record constrains each property on its own (types, patterns, enums,
    lengths, bounds) and nothing across them, and a record's values always carry every
    property and no other; so a record is valid exactly when each of its values is. The loader
    checks each distinct value of a column once this way instead of every row whole. The
    keywords the record schemas use are checked directly, as fastjsonschema (the compiled
    validator) checks them; a property using any other is left to fastjsonschema.
    """
    return {name: _property_check(prop)
            for name, prop in schema_for(RECORD_TYPES[kind])["properties"].items()}


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) or isinstance(v, float) and v.is_integer())
    and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float, Decimal)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
#: Keywords checked here; titles, descriptions and x- annotations check nothing (nor "format":
#: the compiled validator is built without formats).
_CHECKED = {"type", "enum", "pattern", "maxLength", "minimum", "maximum"}
_DOLLAR = re.compile(r"(?<!\\)\$")


def _property_check(prop: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether a value meets the property schema ``prop``."""
    keywords = {k for k in prop if k not in ("title", "description", "format")
                and not k.startswith("x-")}
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    enum = prop.get("enum")
    if not keywords <= _CHECKED or any(t not in _TYPE_CHECKS for t in types) or \
            enum is not None and any(e is not None and not isinstance(e, str) for e in enum):
        return _compiled_check(prop)
    type_checks = [_TYPE_CHECKS[t] for t in types]
    # as fastjsonschema does: an unescaped "$" means the end of the text (Python's "$" would
    # also match before a final newline)
    pattern = re.compile(_DOLLAR.sub(r"\\Z", prop["pattern"])).search \
        if "pattern" in prop else None
    max_length = prop.get("maxLength")
    low, high = prop.get("minimum"), prop.get("maximum")
    texts = frozenset(e for e in enum if e is not None) if enum is not None else None
    null_ok = enum is not None and None in enum

    def passes(value: Any) -> bool:
        if type_checks and not any(check(value) for check in type_checks):
            return False
        if texts is not None and not (value is None and null_ok or
                                      isinstance(value, str) and value in texts):
            return False
        if isinstance(value, str):
            if max_length is not None and len(value) > max_length:
                return False
            if pattern is not None and not pattern(value):
                return False
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            if low is not None and value < low or high is not None and value > high:
                return False
        return True

    return passes


def _compiled_check(prop: dict[str, Any]) -> Callable[[Any], bool]:
    """``_property_check`` by fastjsonschema, compiled when first asked."""
    compiled: list[Callable[[Any], Any]] = []

    def passes(value: Any) -> bool:
        import fastjsonschema

        if not compiled:
            compiled.append(fastjsonschema.compile(prop, use_formats=False))
        try:
            compiled[0](value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return passes


def _property(field: attrs.Attribute) -> dict[str, Any]:
    """The property schema of one field, as ``schema_for`` writes it (without annotations)."""
    meta = field.metadata
    prop: dict[str, Any] = dict(meta["schema"])
    if prop.get("type") == "string":
        prop["maxLength"] = meta["max_length"]
    for bound in ("minimum", "maximum"):
        if meta[bound] is not None:
            prop[bound] = meta[bound]
    if not meta["required"]:
        prop["type"] = [prop["type"], "null"]
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], None]
    return prop


def problems(field: attrs.Attribute, value: Any) -> list[str]:
    """What is wrong with the converted ``value`` of ``field``, in Chinese (empty: nothing).

    The thorough check, run on the rows the fast validators rejected: the field's own
    validators (required, bounds, length: their messages are Chinese and name the column),
    then the field's schema fragment, reported with the kind's ``hint`` (what a value must look
    like); never a schema keyword, an English message or a regular expression."""
    meta = field.metadata
    title = meta["title"]
    if value is None:
        return [f"必填项“{title}”为空"] if meta["required"] else []
    out = []
    for validator in _validators(field):
        try:
            validator(None, field, value)
        except ValueError as exc:
            out.append(str(exc))
    if out:
        return out
    if not _property_check(_property(field))(value):
        shown = value if isinstance(value, str) else str(value)
        return [f"“{title}”的值“{shown[:40]}”不符合要求：{meta['hint']}"]
    return []


def _validators(field: attrs.Attribute) -> list[Callable]:
    validator = field.validator
    if validator is None or isinstance(validator, list):  # attrs keeps an empty list as is
        return []
    inner = getattr(validator, "_validators", None)
    return list(inner) if inner is not None else [validator]


def explain_invalid(kind: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """The thorough validator, run only on rows that failed: (field name, Chinese message)
    pairs, one per problem, from the same field declarations the schema is made of (the
    caller names the clerk's column for the field)."""
    out = []
    for field in attrs.fields(RECORD_TYPES[kind]):
        for message in problems(field, values.get(field.name)):
            out.append((field.name, message))
    return out
