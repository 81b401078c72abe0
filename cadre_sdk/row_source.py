"""Rows that come from a parser instead of a file the loader reads itself (e.g. one
任免审批表 per person): ``load_files`` takes a ``RowSource`` wherever it takes a path, and its
rows get everything a file's rows get (header matching, names for references, cadres matched
by 身份证号 without an id column, updates that never erase, one transaction, every error with
its place).
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from .readers import RawRow


@attrs.frozen
class RowSource:
    """``display``: how messages name the source (a file name); ``sha256``: its hash, for
    provenance; ``header``: the column names the rows use (Chinese titles or aliases, as a
    file's header); ``rows``: (line, values by column name) for each row, the line being
    what messages cite."""

    display: str
    sha256: str
    header: tuple[str, ...]
    rows: Iterable[tuple[int, dict[str, Any]]]

    def batches(self, size: int = 1000) -> tuple[list[str], Iterator[Any], bool]:
        """What ``load_rows.read_batches`` gives for a file: header, batches, all-text."""
        from .load_rows import Batch

        header = list(self.header)
        rows = iter(self.rows)

        def chunks() -> Iterator[Batch]:
            while chunk := list(itertools.islice(rows, size)):
                raws = [RawRow(self.display, line, dict(values)) for line, values in chunk]
                yield Batch([r.line for r in raws],
                            [[r.values.get(h) for h in header] for r in raws], {}, raws)
        return header, chunks(), False
