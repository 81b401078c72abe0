"""Chinese labels for every table the SDK writes, for the publication and its readers.

Record tables are labelled by their record classes (``__title__``, ``__description__`` and each
field's ``title``/``description``). Every other table (an engine's results, the provenance
tables) is labelled once, where it is created, with ``describe``::

    from cadre_sdk.store.table_labels import describe

    describe("subsidy_ledger", "补贴台账", "每名干部每月每项补贴的测算结果",
             {"month": "月份", "amount": "金额", ...}, units={"amount": "元"})

``described(table)`` answers for both kinds; the publication falls back to a generic title for a
table nobody described, and its tests list such tables.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

__all__ = ["TableLabels", "describe", "described", "all_described"]


@attrs.frozen
class TableLabels:
    """The Chinese title and description of one table, and of each of its columns.

    ``columns`` maps a column to its Chinese title; ``notes`` to a longer Chinese description
    (optional); ``units`` to its unit in Chinese (元, 米, 天). ``pii`` names columns holding
    personal names (published at oversight level only); ``search`` names the free-text columns
    worth indexing for the publication's Chinese search.
    """

    table: str
    title: str
    description: str
    columns: Mapping[str, str] = attrs.field(converter=dict)
    units: Mapping[str, str] = attrs.field(converter=dict, factory=dict)
    notes: Mapping[str, str] = attrs.field(converter=dict, factory=dict)
    pii: frozenset[str] = attrs.field(converter=frozenset, factory=frozenset)
    id_numbers: frozenset[str] = attrs.field(converter=frozenset, factory=frozenset)
    search: tuple[str, ...] = attrs.field(converter=tuple, default=())

    def column_description(self, column: str) -> str | None:
        """``标题：说明（单位：元）`` for one column, or None if the column is not labelled."""
        title = self.columns.get(column)
        if title is None:
            return None
        text = title
        if self.notes.get(column):
            text += f"：{self.notes[column]}"
        if self.units.get(column):
            text += f"（单位：{self.units[column]}）"
        return text


_DESCRIBED: dict[str, TableLabels] = {}


def describe(table: str, title_zh: str, description_zh: str, columns: Mapping[str, str],
             units: Mapping[str, str] | None = None, *, notes: Mapping[str, str] | None = None,
             pii: Iterable[str] = (), search: Iterable[str] = ()) -> TableLabels:
    """Label a table that is not a record table (call it at import time, next to the table's
    migration). Describing the same table again with the same labels is harmless; with other
    labels it is an error (two owners for one table)."""
    labels = TableLabels(table, title_zh, description_zh, columns, units or {}, notes or {},
                         pii, frozenset(), search)
    unknown = (set(labels.units) | set(labels.notes) | set(labels.pii)
               | set(labels.search)) - set(labels.columns)
    if unknown:
        raise ValueError(f"describe({table!r}): {sorted(unknown)} are not among the labelled "
                         "columns; add them to columns=")
    known = _DESCRIBED.get(table)
    if known is not None and known != labels:
        raise ValueError(f"table {table!r} is described twice with different labels")
    _DESCRIBED[table] = labels
    return labels


def _record_labels(table: str) -> TableLabels | None:
    """Labels of a record table from its record class, or None."""
    from cadre_sdk.records import RECORD_TYPES

    cls = RECORD_TYPES.get(table)
    if cls is None:
        return None
    fields = attrs.fields(cls)
    units = {}
    for f in fields:
        note = f.metadata["description"]
        if note.startswith("单位："):
            units[f.name] = note.removeprefix("单位：")
    return TableLabels(
        table, cls.__title__, cls.__description__,
        {f.name: f.metadata["title"] for f in fields}, units,
        {f.name: f.metadata["description"] for f in fields
         if f.metadata["description"] and f.name not in units},
        {f.name for f in fields if f.metadata["pii"] and f.metadata["kind"] != "id_number"},
        {f.name for f in fields if f.metadata["kind"] == "id_number"},
        tuple(f.name for f in fields
              if f.metadata["kind"] in ("text", "name") and not f.metadata["choices"]),
    )


def described(table: str) -> TableLabels | None:
    """The labels of ``table``: from its record class, or from ``describe``; None if neither."""
    return _record_labels(table) or _DESCRIBED.get(table)


def all_described() -> dict[str, TableLabels]:
    """Every table labelled with ``describe`` so far (record tables not included)."""
    return dict(_DESCRIBED)
