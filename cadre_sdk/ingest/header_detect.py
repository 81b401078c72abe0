"""Where the header is: clerks' sheets often carry one or more title rows above it
("2024年玉树州干部名册", merged across the columns, a date line, a blank row). The header is
the first row among the first ``LOOK_AHEAD`` that names known columns.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from cadre_sdk.core.normalize import normalize_header

#: How many non-blank rows are looked at for the header; title blocks are a few rows at most.
LOOK_AHEAD = 20


class Header(list):
    """A header's names as written, and the line (or sheet row) it was taken from."""

    line: int = 1


def header_finder(known: Collection[str]) -> Callable[[Sequence[Any]], bool]:
    """Whether a row is the header: at least two of its cells are known column names (in
    ``normalize_header`` form), or every non-empty cell is one."""
    def is_header(cells: Sequence[Any]) -> bool:
        hits = filled = 0
        for cell in cells:
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            filled += 1
            if isinstance(cell, str) and normalize_header(cell) in known:
                hits += 1
        return hits >= 2 or (hits >= 1 and hits == filled)
    return is_header


def pick(rows: Sequence[Sequence[Any]], is_header: Callable[[Sequence[Any]], bool] | None
         ) -> int:
    """The index of the header among the first rows (0 when none looks like one: the first
    row is then reported as it is). A finder with a ``fallback`` finder (another kind's
    names: ``kind_hint.finder``) has it tried when no row is its own header."""
    if is_header is None:
        return 0
    for finder in (is_header, getattr(is_header, "fallback", None)):
        if finder is None:
            continue
        for index, cells in enumerate(rows[:LOOK_AHEAD]):
            if finder(cells):
                return index
    return 0
