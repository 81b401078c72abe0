"""The rows readers hand out (``RawRow``) and the checks every tabular format shares: the
header (no empty or repeated names) and the shaping of a record's cells under it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from cadre_sdk.core.errors import ReadError
from cadre_sdk.core.normalize import normalize_header

EXTRA = "__extra__"
ERROR = "__error__"


@attrs.frozen
class RawRow:
    """One data row as read, before any normalization.

    ``line`` is 1-based and points where a clerk would look: for CSV/TSV the physical line
    where the record starts (the header is usually line 1, so the first data row is line 2);
    for .xlsx the sheet's row number; for NDJSON the line number; for a .json array the
    physical line where the element starts.
    """

    file: str
    line: int
    values: dict[str, Any]


def _column_name(index: int, letters: bool) -> str:
    if not letters:
        return f"第{index}列"
    name, n = "", index
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return f"第{index}列（{name}列）"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_header(cells: Iterable[object], file: str, line: int, letters: bool = False) -> list[str]:
    """The header names as written; trailing empty cells dropped, empty or duplicate ones rejected."""
    header = ["" if c is None else c if isinstance(c, str) else str(c) for c in cells]
    while header and _blank(header[-1]):
        header.pop()
    seen: dict[str, int] = {}
    for i, name in enumerate(header, 1):
        if _blank(name):
            raise ReadError(
                f"{file}：表头（第{line}行）{_column_name(i, letters)}为空。"
                "每一列都需要列名：请补上列名，或删除这一整列。"
            )
        key = normalize_header(name)
        if key in seen:
            j = seen[key]
            raise ReadError(
                f"{file}：表头（第{line}行）{_column_name(j, letters)}“{header[j - 1]}”与"
                f"{_column_name(i, letters)}“{name}”重复。请删除其中一列，或改成不同的列名。"
            )
        seen[key] = i
    return header


def make_row(file: str, line: int, header: list[str], cells: list[Any]) -> RawRow:
    """The ``RawRow`` of one record's cells under ``header``: missing cells are ``None``;
    non-empty cells beyond the header go under ``EXTRA``."""
    values: dict[str, Any] = {h: cells[i] if i < len(cells) else None for i, h in enumerate(header)}
    extra = cells[len(header) :]
    while extra and _blank(extra[-1]):
        extra.pop()  # Excel pads rows with empty cells up to the widest row: not data
    if extra:
        values[EXTRA] = extra
    return RawRow(file, line, values)


#: A batch of records: their start lines, and their cells.
Batch = tuple[list[int], list[list[Any]]]
