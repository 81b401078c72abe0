"""Streaming readers of data clerks' files: CSV/TSV, Excel (.xlsx), JSON and NDJSON.

A reader yields one ``RawRow`` per data row: the header text exactly as written, mapped to the
cell value exactly as read. It checks only what makes a whole file unreadable (encoding,
truncation, NUL bytes, a broken header) and raises ``ReadError`` in Chinese for those; anything
wrong with one row is left to the caller, which reports it with file, line and column. Two keys
carry per-row problems the reader saw: ``EXTRA = "__extra__"`` (non-empty cells beyond the
header, a list) and ``ERROR = "__error__"`` (the only key of a row whose NDJSON line is not valid
JSON, or whose JSON element is not an object or repeats a key; the value is the message to show).

Memory stays flat for CSV/TSV, NDJSON and .xlsx however large the file; a .json array is parsed
whole (the standard library cannot stream it), so big exports should use NDJSON.

This module picks the reader by the file's suffix and holds the public entry points; the readers
themselves are ``read_csv`` (CSV/TSV), ``read_xlsx`` (Excel, with ``xlsx_package`` for what the
package says beyond cells), ``read_json`` (JSON/NDJSON), over ``read_encoding`` (opening and
decoding text files) and ``raw_rows`` (``RawRow`` and the header checks).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.raw_rows import ERROR, EXTRA, Batch, RawRow, _check_header, make_row
from cadre_sdk.ingest.read_csv import _delimited_batches, _delimited_records, _iter_delimited
from cadre_sdk.ingest.read_encoding import _empty, _open, decode_bytes  # noqa: F401  (lrmx opens its files with the same messages)
from cadre_sdk.ingest.read_json import _iter_json, _iter_ndjson
from cadre_sdk.ingest.read_xlsx import _iter_xlsx, _xlsx_batches, _xlsx_records

__all__ = [
    "ERROR",
    "EXTRA",
    "Batch",
    "RawRow",
    "decode_bytes",
    "detect_format",
    "iter_cell_batches",
    "iter_rows",
    "make_row",
    "read_header",
]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",  # Excel's "文本文件（制表符分隔）"; the header sniff switches to commas if needed
    ".xlsx": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
_SUPPORTED = "CSV（.csv）、制表符分隔文本（.tsv/.txt）、Excel（.xlsx）、JSON（.json）或 NDJSON（.ndjson/.jsonl）"


def detect_format(path: str | Path) -> str:
    """'csv' | 'tsv' | 'xlsx' | 'json' | 'ndjson', from the file name's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    if suffix in (".xls", ".et", ".xlsm", ".xlsb"):
        raise ReadError(
            f"{path}：不支持“{suffix}”格式的表格。请在 Excel 或 WPS 中把它另存为 .xlsx 或 CSV 后再导入。"
        )
    shown = f"“{suffix}”" if suffix else "（没有扩展名）"
    raise ReadError(f"{path}：不支持的文件类型{shown}。支持的格式：{_SUPPORTED}。")



# --- public entry points -------------------------------------------------------------------------


def iter_rows(
    path: str | Path, *, display_name: str | None = None, sheet: str | None = None
) -> Iterator[RawRow]:
    """Stream the data rows of a clerk's file, whatever its format (see ``detect_format``).

    ``display_name`` names the file in rows and messages (default: ``path`` as given);
    ``sheet`` picks an .xlsx worksheet by name (default: the first). The format is checked
    now; the file is opened, and ``ReadError`` raised, as the rows are consumed.
    """
    fmt = detect_format(path)
    file = display_name if display_name is not None else str(path)
    if fmt in ("csv", "tsv"):
        return _iter_delimited(path, file, fmt)
    if fmt == "xlsx":
        return _iter_xlsx(path, file, sheet)
    if fmt == "ndjson":
        return _iter_ndjson(path, file)
    return _iter_json(path, file)


def iter_cell_batches(
    path: str | Path, *, display_name: str | None = None, sheet: str | None = None,
    size: int = 2000, find_header: Any = None,
) -> tuple[list[str], Iterator[Batch]]:
    """The header as written and the data rows in batches of up to ``size``: ``(lines,
    rows)``, each row's line and its cells, for the tabular formats (CSV/TSV, .xlsx): the fast
    way to read a big file.

    Cells are by position under the header, as read: a row may be shorter or longer than the
    header (``make_row`` turns it into the ``RawRow`` that ``iter_rows`` gives). Lines, checks
    and messages are those of ``iter_rows``; the header is read now (``ReadError`` for a file
    without one), the rows as the batches are consumed. JSON and NDJSON rows are objects, not
    positions: read them with ``iter_rows`` (``ValueError`` here).

    ``find_header(cells)`` recognizes the header among the first rows (``header_detect``):
    rows above it are titles and are skipped. The header returned is a ``Header`` (a list)
    whose ``line`` says where it was found.
    """
    from cadre_sdk.ingest.header_detect import Header, pick

    fmt = detect_format(path)
    file = display_name if display_name is not None else str(path)
    if fmt in ("csv", "tsv"):
        records = _delimited_batches(path, file, fmt, size)
        where, letters = file, False
    elif fmt == "xlsx":
        records = _xlsx_batches(path, file, sheet, size, find_header)
        where, letters = "", True
    else:
        raise ValueError(f"{fmt} rows are objects: read them with iter_rows")
    try:
        lines, rows = next(records, ([], []))
        if not rows:
            raise _empty(file)
        at = 0
        if letters:
            where, cells = rows[0]  # the .xlsx batches start with the sheet's name for messages
        else:
            at = pick(rows, find_header)
            cells = rows[at]
        header = Header(_check_header(cells, where, lines[at], letters))
        header.line = lines[at]
    except BaseException:
        records.close()
        raise

    def batches() -> Iterator[Batch]:
        with closing(records):
            if len(rows) > at + 1:
                yield lines[at + 1:], rows[at + 1:]
            yield from records

    return header, batches()




def read_header(
    path: str | Path, *, display_name: str | None = None, sheet: str | None = None
) -> list[str]:
    """The column names as written (CSV/TSV/.xlsx: the header row, checked as ``iter_rows``
    checks it; JSON/NDJSON: the keys of the first object). Reads no further than needed."""
    fmt = detect_format(path)
    file = display_name if display_name is not None else str(path)
    if fmt in ("csv", "tsv"):
        with closing(_delimited_records(path, file, fmt)) as records:
            for line, cells in records:
                return _check_header(cells, file, line)
        raise _empty(file)
    if fmt == "xlsx":
        with closing(_xlsx_records(path, file, sheet)) as xlsx_records:
            for rowno, cells, where in xlsx_records:
                return _check_header(cells, where, rowno, letters=True)
        return []  # unreachable: an empty sheet raises
    rows = _iter_ndjson(path, file) if fmt == "ndjson" else _iter_json(path, file)
    with closing(rows):
        for row in rows:
            if ERROR not in row.values:
                return list(row.values)
    return []
