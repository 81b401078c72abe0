"""A file loaded under the wrong kind (a unit list as 干部, a cadre roster as 单位): its header
names another kind's columns. The header is looked for with every kind's column names when none
of the first rows names the kind's own (so that a title row above it is not taken for it), and
the load says which kind the columns belong to instead of only listing them as unknown.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from cadre_sdk.core.normalize import normalize_header
from cadre_sdk.ingest.batches import header_map
from cadre_sdk.ingest.header_detect import header_finder
from cadre_sdk.records import RECORD_TYPES


@functools.cache
def _maps() -> dict[str, dict[str, Any]]:
    return {kind: header_map(cls) for kind, cls in RECORD_TYPES.items()}


def finder(known: dict[str, Any]) -> Callable[[Sequence[Any]], bool]:
    """``header_finder`` of the kind's own column names, falling back on any kind's (tried
    only when no row names the kind's own columns: ``header_detect.pick``)."""
    own = header_finder(known)
    own.fallback = header_finder(  # type: ignore[attr-defined]
        frozenset(k for m in _maps().values() for k in m))
    return own


def _named(kind: str, keys: list[str]) -> int:
    """How many of the kind's fields the header's (normalized) names stand for."""
    names = _maps()[kind]
    return len({names[k].name for k in keys if k in names})


def other_kind(cls: type, header: Sequence[str]) -> tuple[type, int] | None:
    """The kind whose columns the header names, with how many, when it names at least two
    and more than ``cls``'s (and at least half of the header): the file is likely of that
    kind."""
    keys = [normalize_header(h) for h in header if h is not None and str(h).strip()]
    own = _named(cls.__kind__, keys)
    scored = [(_named(kind, keys), kind) for kind in RECORD_TYPES if kind != cls.__kind__]
    count, kind = max(scored, key=lambda t: t[0])
    if count >= 2 and count > own and count * 2 >= len(keys) and \
            [n for n, _ in scored].count(count) == 1:
        return RECORD_TYPES[kind], count
    return None


def wrong_kind(cls: type, header: Sequence[str], db: str, display: str) -> str | None:
    """The Chinese message for a header of another kind, or ``None``."""
    found = other_kind(cls, header)
    if found is None:
        return None
    other, count = found
    return (f"表头中有 {count} 列是“{other.__title__}”数据的列，这个文件像是“{other.__title__}”数据，"
            f"不是“{cls.__title__}”数据。如果选错了数据类别，请改用：cadre load {db} "
            f"{other.__title__} {display}")
