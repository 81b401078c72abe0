"""JSON Schemas (Draft 2020-12) generated from the record classes.

The classes are the single source of truth; ``schemas/*.schema.json`` in the repository is the
generated copy clerks' tools and other systems read, and a test fails when the two drift
(regenerate with ``cadre schemas export schemas/``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from .records import RECORD_TYPES

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


def explain_invalid(kind: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """The thorough validator (jsonschema), run only on rows that failed: (field, message) pairs."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema_for(RECORD_TYPES[kind]))
    out = []
    for err in validator.iter_errors(values):
        field = str(err.path[0]) if err.path else ""
        out.append((field, err.message))
    return out
