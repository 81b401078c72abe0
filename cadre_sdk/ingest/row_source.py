"""Rows that come from a parser instead of a file the loader reads itself (e.g. one
任免审批表 per person): ``load_files`` takes a ``RowSource`` wherever it takes a path, and its
rows get everything a file's rows get (header matching, names for references, cadres matched
by 身份证号 without an id column, updates that never erase, one transaction, every error with
its place).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from cadre_sdk.ingest.readers import RawRow


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

    def batches(self) -> tuple[list[str], Iterator[Any], bool]:
        """What ``load_rows.read_batches`` gives for a file: header, batches, all-text."""
        from cadre_sdk.ingest.batches import object_batches

        header = list(self.header)
        raws = (RawRow(self.display, line, dict(values)) for line, values in self.rows)
        return header, object_batches(header, raws), False

    @classmethod
    def of_rows(cls, display: str, sha256: str, rows: Sequence[RawRow]) -> "RowSource":
        """A source of reader-made rows keyed by column name (the first row's keys are the
        header; keys starting with ``__`` are a reader's markers, not columns)."""
        header = tuple(k for k in rows[0].values if not k.startswith("__")) if rows else ()
        return cls(display, sha256, header, tuple((r.line, r.values) for r in rows))
