"""Rows of clerks' files, batch by batch, for the loader: each batch's cells converted column
by column (each distinct cell text once: converter, validators, schema), and the thorough
row-by-row check (``RowChecker.check``) that says what is wrong with a row.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

import attrs

from cadre_sdk.core.errors import RowError
from cadre_sdk.core.normalize import (
    clean_text, id_numbers_as_written, names_as_written, normalize_header, plain_month,
    plain_written_date, to_date, to_date_or_month, to_month,
)
from cadre_sdk.plugin_host.discovery import CadrePlugins
from cadre_sdk.ingest.readers import (
    ERROR, EXTRA, RawRow, detect_format, iter_cell_batches, iter_rows, make_row,
)
from cadre_sdk.records.schemas import compiled_validator, explain_invalid, property_validators

#: Rows per batch.
BATCH = 1000
#: Stop checking after this many bad rows: the report is long enough to act on.
MAX_ERRORS = 5000


def header_map(cls: type) -> dict[str, attrs.Attribute]:
    """Normalized header text -> field, from each field's name, Chinese title and aliases."""
    out: dict[str, attrs.Attribute] = {}
    for field in attrs.fields(cls):
        for text in (field.name, field.metadata["title"], *field.metadata["aliases"]):
            out.setdefault(normalize_header(text), field)
    return out


#: ``header_map`` of each record class, made once (its fields do not change).
_header_map_of = functools.cache(header_map)


#: What a cell converts to when anything about it is wrong (converter, validator, schema): its
#: row goes the thorough way (``RowChecker.check``), which says what is wrong.
class _Bad:
    def __repr__(self) -> str:
        return "<bad cell>"


_BAD = _Bad()
#: Distinct cell texts remembered per column: memory stays bounded however large the file.
CACHE_SIZE = 1 << 14
#: Cells written as ISO dates (shape only: ``plain_date`` says whether each exists), joined
#: by NUL.
_ISO_DATES = re.compile(r"(?:\d{4}-\d\d-\d\d\x00)*+\d{4}-\d\d-\d\d", re.ASCII).fullmatch
#: A code that ``clean_code`` returns unchanged and the schema's pattern accepts.
_PLAIN_CODE = re.compile(r"[0-9A-Za-z_.\-]+")


def _plain_date_or_month(text: str) -> str | None:
    """``plain_written_date``, else ``plain_month``: what ``to_date_or_month`` gives, or
    ``None``."""
    return plain_written_date(text) or plain_month(text)


def _taken_or(fast: Callable[[str], Any], value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A column's ``direct``: a text cell's value from ``fast`` (a value that converts to
    itself and passes every check of the column, or ``None``: ask ``value``), any other
    cell's from ``value``."""
    def direct(raw: Any) -> Any:
        if raw.__class__ is str:
            taken = fast(raw)
            if taken is not None:
                return taken
        return value(raw)
    return direct


class _Cache(dict):
    """Cell text -> the column's value for it, filled on first sight; bad cells are not kept
    (each one is looked at again, which is what flags its row)."""

    __slots__ = ("column",)

    def __missing__(self, raw: Any) -> Any:
        value = self.column.direct(raw)
        if value is not _BAD:
            if len(self) >= CACHE_SIZE:
                self.clear()
            self[raw] = value
        return value


class _Column:
    """One field's values from raw cells, judged as the record's constructor and the schema
    judge them: the converter (twice, as before: once by the loader, once by the record's
    ``__init__``), the field's validators, the field's schema. Clerks' columns repeat their
    values (units, dates, vocabulary terms), so each distinct cell text is judged once; a
    column whose values hardly repeat (identifiers, names) stops caching."""

    def __init__(self, field: attrs.Attribute, passes: Callable[[Any], bool]):
        self.field, self.passes, self.convert = field, passes, field.converter
        # An attrs field given an empty list of validators keeps the (uncallable) list.
        self.check = field.validator if callable(field.validator) else None
        self.cache = _Cache()
        self.cache.column = self
        self.cached, self.bad = True, False
        self.direct: Callable[[Any], Any] = self.value
        # A year and month written plainly (1975.06, 1975年6月), a date written as ISO or
        # with dots or slashes (1975-06-12, 1975.06.12, 1975/06/12), converts without the
        # parser (what it gives, converted again, is itself).
        self.plain: Callable[[str], str | None] | None = (
            plain_month if self.convert is to_month else
            _plain_date_or_month if self.convert is to_date_or_month else
            plain_written_date if self.convert is to_date else None)
        # A plain code (ASCII letters, digits, _ . -, not too long) converts to itself and
        # passes every check: for a code column, a batch of them is checked by one regex.
        self.plain_all: Callable[[str], Any] | None = None
        meta = field.metadata
        if meta["kind"] == "code" and not meta["many"] and meta["minimum"] is None and \
                meta["maximum"] is None:
            limit, plain, value = meta["max_length"], _PLAIN_CODE.fullmatch, self.value
            code = f"[0-9A-Za-z_.\\-]{{1,{limit}}}+"
            self.plain_all = re.compile(f"(?:{code}\x00)*+{code}").fullmatch

            def direct(raw: Any) -> Any:
                if raw.__class__ is str and len(raw) <= limit and plain(raw):
                    return raw
                return value(raw)
            self.direct = direct
        # A date written as ISO (1975-06-12) that exists converts to itself and passes every
        # check: for a date column, a batch of them is checked by one regex, and each distinct
        # date not met before by ``plain_date``.
        self.iso_all: Callable[[str], Any] | None = None
        if meta["kind"] in ("date", "date_or_month") and not meta["many"] and \
                meta["minimum"] is None and meta["maximum"] is None and meta["max_length"] >= 10:
            self.iso_all = _ISO_DATES
        # A date or month column without bounds: what ``plain`` gives (an ISO date or month,
        # the kind's pattern, at most 10 characters) passes every check, so each distinct
        # cell ``plain`` takes is its value in one step.
        if self.plain is not None and meta["kind"] in ("date", "date_or_month", "month") and \
                not meta["many"] and meta["minimum"] is None and meta["maximum"] is None and \
                meta["max_length"] >= 10:
            self.direct = _taken_or(self.plain, self.value)
        # Text: ``clean_text`` twice (as ``value`` converts) gives the value; a text not
        # empty and not too long passes the field's validators (required, length), and its
        # schema is still asked (``passes``: a pattern a schema may add one day is kept).
        if meta["kind"] == "text" and self.convert is clean_text and not meta["many"] and \
                meta["minimum"] is None and meta["maximum"] is None:
            limit, tidy, passes = meta["max_length"], clean_text, self.passes

            def tidied(raw: str) -> str | None:
                try:
                    once = tidy(raw)
                    twice = tidy(once) if once is not None else None
                except ValueError:  # (a NUL: ``value`` marks it bad)
                    return None
                return twice if twice is not None and len(twice) <= limit and \
                    passes(twice) else None
            self.direct = _taken_or(tidied, self.value)
        # Names and ID numbers hardly repeat (no cache helps), and nearly all of them are
        # written as they are stored: a batch of such cells is checked at once.
        self.same_all: Callable[[list[str]], bool] | None = None
        if meta["kind"] == "name" and not meta["many"]:
            limit = meta["max_length"]
            self.same_all = lambda texts: names_as_written(texts, limit)
        elif meta["kind"] == "id_number" and not meta["many"]:
            self.same_all = id_numbers_as_written

    def value(self, raw: Any) -> Any:
        """The field's value from one cell, or ``_BAD`` (and ``self.bad`` set)."""
        try:
            value = self.plain(raw) if self.plain is not None and raw.__class__ is str \
                else None
            if value is None:
                value = self.convert(raw)
                if value.__class__ is not raw.__class__ or value != raw:  # else no change
                    value = self.convert(value)
            if self.check is not None:
                self.check(None, self.field, value)
            if self.passes(value):
                return value
        except Exception:  # the thorough way reports it, or raises it as before
            pass
        self.bad = True
        return _BAD

    def default(self) -> Any:
        """The value of the field when its column is absent (what the record's ``__init__``
        gives: the converted default), or ``_BAD``."""
        try:
            value = self.convert(self.field.default)
            if self.check is not None:
                self.check(None, self.field, value)
            if self.passes(value):
                return value
        except Exception:
            pass
        return _BAD

    def values(self, raws: list | tuple, texts: bool) -> list:
        """The values of one batch of rows' cells of this column (``raws``, in row order);
        ``texts``: every cell is ``str`` (CSV/TSV)."""
        if texts and self.plain_all is not None:
            # Cells of a CSV never hold NUL (the reader refuses it): it can join them.
            if self.plain_all("\x00".join(raws)):
                return list(raws)
        if texts and self.iso_all is not None and raws and self.iso_all("\x00".join(raws)):
            cache, plain = self.cache, self.plain
            new = set(raws).difference(cache)
            if all(plain(v) is v for v in new):  # (plain: not None for a date column)
                if self.cached:
                    if len(cache) + len(new) > CACHE_SIZE:
                        cache.clear()
                    cache.update(zip(new, new))
                return list(raws)
        if self.same_all is not None and raws:
            if (texts or set(map(type, raws)) == {str}) and self.same_all(raws):
                return list(raws)
        if not self.cached:
            return list(map(self.direct, raws))
        cache = self.cache
        if not texts:  # .xlsx/JSON: 1, 1.0 and True are equal keys; only text is cached
            return [cache[v] if v is None or v.__class__ is str else self.value(v)
                    for v in raws]
        before = len(cache)
        values = list(map(cache.__getitem__, raws))
        if before and len(raws) >= 500 and len(cache) - before > len(raws) * 0.9:
            # Past the first batch and still almost every value new (identifiers, names):
            # the cache costs more than it saves.
            self.cached = False
            cache.clear()
        return values


class _Picked:
    """The columns of rows of different lengths: ``[at]`` is every row's cell ``at``."""

    def __init__(self, cells: list[list]):
        self.cells = cells

    def __getitem__(self, at: int) -> list:
        return list(map(itemgetter(at), self.cells))


class ConvertedBatch:
    """Rows read from one file: their lines; their cells by position under the header; the
    rows that must go the thorough way whatever their cells (a short or long row, a JSON
    element that is not an object...) with their ``RawRow``; the ``RawRow`` of every row
    when the reader gave them (JSON), else ``None`` (made from the cells when needed)."""

    __slots__ = ("lines", "cells", "slow", "raws")

    def __init__(self, lines: list[int], cells: list[list], slow: dict[int, RawRow],
                 raws: list[RawRow] | None = None):
        self.lines, self.cells, self.slow, self.raws = lines, cells, slow, raws


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def object_batches(header: list[str], rows: Iterator[RawRow]) -> Iterator[ConvertedBatch]:
    """Rows whose values are keyed by header text (JSON objects, rows made by a reader such as
    the 任免审批表's) in batches; a row with a reader's error or extra cells goes the thorough way."""
    while chunk := list(itertools.islice(rows, BATCH)):
        slow = {i: r for i, r in enumerate(chunk) if ERROR in r.values or EXTRA in r.values}
        yield ConvertedBatch([r.line for r in chunk],
                    [[r.values.get(h) for h in header] for r in chunk], slow, chunk)


def read_batches(path: Path, display: str, find_header: Callable[[Any], bool] | None = None,
                 sheet: str | None = None) -> tuple[list[str], Iterator[ConvertedBatch], bool]:
    """A file's header as written, its rows in batches, and whether every cell is text.
    ``find_header``: recognizes the header below title rows (CSV/TSV/.xlsx; the header is
    then a ``header_detect.Header`` that says its line); ``sheet``: the .xlsx worksheet
    (default: the one holding data).

    The header and the first batch are read now, as ``iter_rows`` reads the first row: a file
    whose first row cannot be read reports only that (``ReadError``)."""
    if detect_format(path) in ("json", "ndjson"):
        header, rows = rows_with_header(path, display)
        return header, object_batches(header, rows), False
    header, batches = iter_cell_batches(path, display_name=display, size=BATCH,
                                        find_header=find_header, sheet=sheet)
    texts = path.suffix.lower() != ".xlsx"
    width = len(header)

    def shaped(lines: list[int], cells: list[list]) -> ConvertedBatch:
        slow: dict[int, RawRow] = {}
        if set(map(len, cells)) != {width}:
            for i, c in enumerate(cells):
                if len(c) == width:
                    continue
                if len(c) > width and all(_blank(v) for v in c[width:]):
                    cells[i] = c[:width]  # trailing empty cells (Excel pads rows): not data
                else:
                    slow[i] = make_row(display, lines[i], header, c)
                    cells[i] = [""] * width  # stand-in text cells: it goes the thorough way
        return ConvertedBatch(lines, cells, slow)

    try:
        first = next(batches, None)
    except BaseException:
        batches.close()
        raise

    def tabular() -> Iterator[ConvertedBatch]:
        with contextlib.closing(batches):
            if first is not None:
                yield shaped(*first)
            for lines, cells in batches:
                yield shaped(lines, cells)
    return header, tabular(), texts


class RowChecker:
    """Turns raw rows of one kind into records, collecting every problem as a RowError."""

    def __init__(self, cls: type, plugins: CadrePlugins | None):
        self.cls, self.plugins = cls, plugins
        self.headers = _header_map_of(cls)  # (read only)
        self.refused = {normalize_header(h): why for h, why in cls.__refused_headers__.items()}
        self.fields = attrs.fields(cls)
        passes = property_validators(cls.__kind__)
        self.columns_by_field = {f.name: _Column(f, passes[f.name]) for f in self.fields}

    def plan(self, header: list[str], mapping: dict[str, attrs.Attribute]
             ) -> list[tuple[int | None, Any]]:
        """Per field, in field order: (the position of its cell in a row's cells, its
        ``_Column``), or (``None``, its value) for a field whose column the file lacks."""
        position = {text: i for i, text in enumerate(header)}
        text_of = {field.name: text for text, field in mapping.items()}
        plan: list[tuple[int | None, Any]] = []
        for field in self.fields:
            column = self.columns_by_field[field.name]
            if field.name in text_of:
                plan.append((position[text_of[field.name]], column))
            else:
                plan.append((None, column.default()))
        return plan

    def convert(self, plan: list[tuple[int | None, Any]], cells: list[list], texts: bool
                ) -> tuple[list[tuple], set[int], list[list]]:
        """Column by column: each row's values in field order (the tuple its record and its
        table row are made of), the positions of rows with a bad cell, and the columns
        (each field's values, in field order)."""
        n = len(cells)
        if n and len(set(map(len, cells))) == 1:
            raw_columns: Any = list(zip(*cells))  # (one pass over the rows for every column)
        else:  # (rows of different lengths: each column picked from every row)
            raw_columns = _Picked(cells)
        columns: list[list] = []
        bad: set[int] = set()
        for at, column in plan:
            if at is None:
                columns.append([column] * n)
                if column is _BAD:
                    bad.update(range(n))
                continue
            column.bad = False
            values = column.values(raw_columns[at], texts)
            if column.bad:
                bad.update(i for i, v in enumerate(values) if v is _BAD)
            columns.append(values)
        return list(zip(*columns)), bad, columns

    def columns(self, file: str, header: list[str], absent_ok: Callable[[set[str]], set[str]]
                | None = None, line: int = 1) -> tuple[dict[str, attrs.Attribute],
                                                       list[RowError]]:
        """The fields the header's columns fill, and its problems (unknown or repeated
        columns, required ones missing). ``absent_ok(present)``: the required fields the
        file may leave out, given the fields it has; ``line``: the header's line."""
        mapping: dict[str, attrs.Attribute] = {}
        errors: list[RowError] = []
        seen: dict[str, str] = {}
        for text in header:
            field = self.headers.get(normalize_header(text))
            refused = self.refused.get(normalize_header(text))
            if refused is not None:
                errors.append(RowError(file, line, text, refused))
            elif field is None:
                known = "、".join(f.metadata["title"] for f in self.fields)
                errors.append(RowError(file, line, text, f"未知的列。“{self.cls.__title__}”可用的列："
                                       f"{known}。如果这一列不需要导入（如序号、备注），"
                                       "请删除这一列后重新导入；如果需要，请把表头改为上列名称之一"))
            elif field.name in seen:
                errors.append(RowError(file, line, text, f"与列“{seen[field.name]}”重复，"
                                       f"都对应“{field.metadata['title']}”"))
            else:
                seen[field.name] = text
                mapping[text] = field
        optional = absent_ok(set(seen)) if absent_ok is not None else set()
        for field in self.fields:
            if field.metadata["required"] and field.name not in seen and \
                    field.name not in optional:
                errors.append(RowError(file, line, field.metadata["title"],
                                       "缺少必填列，请在表头加上这一列"))
        return mapping, errors

    def check(self, row: RawRow, mapping: dict[str, attrs.Attribute]) -> tuple[Any, list[RowError]]:
        errors: list[RowError] = []
        if "__error__" in row.values:
            return None, [RowError(row.file, row.line, "", str(row.values["__error__"]))]
        if row.values.get("__extra__"):
            extra = row.values["__extra__"]
            errors.append(RowError(row.file, row.line, "", f"比表头多出 {len(extra)} 列"))
        values: dict[str, Any] = {}
        for header, field in mapping.items():
            raw = row.values.get(header)
            try:
                values[field.name] = field.converter(raw)
            except ValueError as exc:
                errors.append(RowError(row.file, row.line, header, str(exc)))
        if errors:
            return None, errors
        try:
            rec = self.cls(**values)
        except ValueError as exc:
            return None, self._blame(row, mapping, values, exc)
        data = attrs.asdict(rec)
        try:
            compiled_validator(self.cls.__kind__)(data)
        except Exception:  # fastjsonschema's error names one problem; explain them all
            columns = self.column_names(mapping)
            for name, message in explain_invalid(self.cls.__kind__, data):
                errors.append(RowError(row.file, row.line, columns[name], message))
            return None, errors
        if self.plugins is not None:
            problems = self.plugins.record_problems(self.cls.__kind__, rec)
            if problems:
                columns = self.column_names(mapping)
                errors.extend(RowError(row.file, row.line, columns.get(name, ""), message)
                              for name, message in problems)
        return (None, errors) if errors else (rec, [])

    def column_names(self, mapping: dict[str, attrs.Attribute]) -> dict[str, str]:
        """Each field's column as the clerk's file names it (its header as written: an alias,
        Traditional characters), or its Chinese title when the file has no such column."""
        titles = {field.name: field.metadata["title"] for field in self.fields}
        return titles | {field.name: header for header, field in mapping.items()}


    def _blame(self, row: RawRow, mapping: dict[str, attrs.Attribute], values: dict[str, Any],
               exc: ValueError) -> list[RowError]:
        """Attribute a failed record to the columns whose validators fail (slow path only)."""
        headers = {field.name: header for header, field in mapping.items()}
        errors = []
        for field in self.fields:
            # An attrs field given an empty list of validators keeps the (uncallable) list.
            if not field.validator or field.name not in values:
                continue
            try:
                field.validator(None, field, values[field.name])
            except ValueError as problem:
                errors.append(RowError(row.file, row.line, headers.get(field.name, field.name),
                                       str(problem)))
        return errors or [RowError(row.file, row.line, "", str(exc))]


def rows_with_header(path: Path, display: str) -> tuple[list[str], Iterator[RawRow]]:
    rows = iter_rows(path, display_name=display)
    first = next(rows, None)
    if first is None:
        from cadre_sdk.ingest.readers import read_header
        return read_header(path, display_name=display), iter(())
    header = [k for k in first.values if not k.startswith("__")]

    def chained() -> Iterator[RawRow]:
        yield first
        yield from rows
    return header, chained()




@functools.cache
def value_checks_of(cls: type) -> Callable[[list[list]], bool] | None:
    """Whether every row passes the whole-record checks of ``cls``, judged from a batch's
    columns (each field's values, in field order, as ``RowChecker.convert`` gives them);
    ``None`` when a check needs a record (one without ``fields`` and ``fails``: see
    ``records.fields.judged_by``)."""
    checks = cls.__checks__
    if not all(hasattr(c, "fields") and hasattr(c, "fails") for c in checks):
        return None
    at = {f.name: i for i, f in enumerate(attrs.fields(cls))}
    judged = [(c.any_fails if hasattr(c, "any_fails") else
               functools.partial(_any_fails, c.fails), [at[name] for name in c.fields])
              for c in checks]

    def all_pass(columns: list[list]) -> bool:
        return not any(any_fails(*[columns[k] for k in where]) for any_fails, where in judged)
    return all_pass


def _any_fails(fails: Callable[..., bool], *columns: list) -> bool:
    return any(map(fails, *columns))


@functools.lru_cache(maxsize=None)
def checks_of(cls: type) -> Callable[[Any], bool]:
    """Whether a record of ``cls`` passes its whole-record checks."""
    checks = cls.__checks__

    def passes(rec: Any) -> bool:
        try:
            for check in checks:
                check(rec)
        except ValueError:
            return False
        return True

    return passes
