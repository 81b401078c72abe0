"""Excel workbooks (.xlsx): the header found below title rows, the rows streamed with their
sheet row numbers, merged header cells and formulas without values rejected in Chinese.

Cells are read by calamine (``python-calamine``, Rust) where it gives what openpyxl gives: about
five times faster on the demo's roster workbook, and openpyxl's own import (~0.1 s) is saved.
The sheets calamine would read otherwise (error values, ISO date cells, numbers of 16 digits or
more: see ``xlsx_package.scan_sheet``), sheets too large to hold in memory (calamine reads a whole
sheet at once) and files calamine cannot open are opened by openpyxl (read-only: so every message
about a damaged file stays openpyxl's) and their rows streamed by ``xlsx_stream`` (expat), which
gives openpyxl's values in about half the CPU time of openpyxl's own rows, in flat memory.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import attrs

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.raw_rows import Batch, RawRow, _blank, _check_header, make_row
from cadre_sdk.ingest.read_encoding import _empty, _open
from cadre_sdk.ingest.xlsx_package import (
    SheetScan, _merges_on_row, range_rows, scan_sheet, sheets_with_data,
)
from cadre_sdk.ingest.xlsx_stream import open_rows, read_shared_strings

#: Sheets whose XML is larger than this (uncompressed) are streamed (``xlsx_stream``): calamine
#: holds every cell, ~1.7 MB of memory per MB of XML (measured: 52k roster rows, 39 MB of XML, 68 MB).
#: An SDK choice: ~40k rows of a 13-column roster, ~55 MB, keeping a load well under 200 MB.
CALAMINE_MAX_BYTES = 32 << 20


@attrs.frozen
class _Sheet:
    """An open worksheet: its title, what its XML says (``None``: not scanned), its rows from
    the sheet's first row on (blank ones included, so row numbers count them), and how to
    close the workbook."""

    title: str
    scan: SheetScan | None
    rows: Iterator[Sequence[Any]]
    close: Callable[[], None]


def _open_workbook(path: str | Path, file: str) -> Any:
    """The workbook, read-only, its sheets unsized: openpyxl sizes each sheet as it opens the
    workbook, and a sheet whose XML has no ``<dimension>`` before its rows it sizes by parsing
    all of them (two thirds of the reading of a 128k-row roster, issue 19), while the reader
    resets every size it reads anyway (``reset_dimensions``: writers record wrong ones).
    Its shared strings are read by ``xlsx_stream.read_shared_strings`` (openpyxl's rules,
    a third of the time and memory)."""
    import openpyxl
    from openpyxl.reader import excel
    from openpyxl.worksheet import _read_only

    sheet = getattr(_read_only, "ReadOnlyWorksheet", None)
    sized = getattr(sheet, "_get_size", None)
    if sized is not None:
        sheet._get_size = lambda self: None  # type: ignore[union-attr]
    strings = getattr(excel, "read_string_table", None)
    if strings is not None:
        excel.read_string_table = read_shared_strings  # type: ignore[attr-defined]
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises a zoo of exception types for a damaged package
        raise ReadError(
            f"{file}：无法作为 Excel（.xlsx）文件打开（{type(e).__name__}: {e}）。"
            "文件可能已损坏，或其实是旧版 .xls / 其他格式：请在 Excel 中另存为 .xlsx 后重试。"
        ) from None
    finally:
        if sized is not None:
            sheet._get_size = sized  # type: ignore[union-attr]
        if strings is not None:
            excel.read_string_table = strings  # type: ignore[attr-defined]


def _pick_title(titles: list[str], file: str, sheet: str | None) -> str:
    """The worksheet to read: ``sheet`` by name, else the first."""
    if not titles:
        raise ReadError(f"{file}：工作簿里没有工作表。")
    if sheet is None:
        return titles[0]
    if sheet in titles:
        return sheet
    names = "、".join(f"“{title}”" for title in titles)
    raise ReadError(f"{file}：找不到名为“{sheet}”的工作表。这个文件里的工作表有：{names}。")


def _calamine_cell(value: Any) -> Any:
    """A calamine cell as openpyxl gives it: empty as ``None``, whole numbers as ``int``, a date
    as a ``datetime`` at midnight."""
    kind = value.__class__
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() and -_EXACT < value < _EXACT else value
    if kind is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)
    return value


_EXACT = float(1 << 53)  # whole numbers below this are exact in a float


def _calamine_rows(ws: Any) -> Iterator[list[Any]]:
    """calamine's rows start at the sheet's first row but at its first used column: pad them
    so that cells keep their columns."""
    pad = [None] * ws.start[1] if ws.start else []
    cell = _calamine_cell
    for raw in ws.iter_rows():  # (text cells, the most, without a call each)
        yield pad + [(c or None) if c.__class__ is str else cell(c) for c in raw]


def _open_calamine(path: str | Path, file: str, sheet: str | None) -> _Sheet | None:
    """The sheet through calamine, or ``None`` where openpyxl must read it (see the module)."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        wb = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001  (openpyxl opens it again and reports what is wrong)
        return None
    try:
        titles = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        title = _pick_title(titles, file, sheet)
        scan = scan_sheet(path, title)
        if scan is None or scan.exact_only or scan.size > CALAMINE_MAX_BYTES:
            wb.close()
            return None
        try:
            ws = wb.get_sheet_by_name(title)
        except Exception:  # noqa: BLE001  (damaged sheet XML: openpyxl names the row)
            wb.close()
            return None
    except BaseException:
        wb.close()
        raise
    return _Sheet(title, scan, _calamine_rows(ws), wb.close)


def _open_openpyxl(path: str | Path, file: str, sheet: str | None) -> _Sheet:
    """The sheet opened by openpyxl (workbook, shared strings, styles), its rows streamed by
    ``xlsx_stream`` with openpyxl's values (sheet sizes are not read: writers record wrong
    ones, and openpyxl's read-only mode would cut rows to them)."""
    wb = _open_workbook(path, file)
    try:
        ws = wb[_pick_title([ws.title for ws in wb.worksheets], file, sheet)]
        rows, close_rows = open_rows(ws)

        def close() -> None:
            close_rows()
            wb.close()
        return _Sheet(ws.title, scan_sheet(path, ws.title), rows, close)
    except BaseException:
        wb.close()
        raise


def _open_sheet(path: str | Path, file: str, sheet: str | None) -> _Sheet:
    with _open(path, file) as f:  # the same "not found" / "empty" messages as the text formats
        if not f.read(1):
            raise _empty(file)
    if sheet is None:
        sheet = _only_sheet_with_data(path, file)
    return _open_calamine(path, file, sheet) or _open_openpyxl(path, file, sheet)


def _only_sheet_with_data(path: str | Path, file: str) -> str | None:
    """With no sheet named: the one visible sheet that holds data (``None``, the first sheet,
    when none does or the package is not one ``sheets_with_data`` follows). A workbook with
    several is refused, naming them: reading only the first would leave the others out
    without a word (a county's roster often has one sheet per management level)."""
    titles = sheets_with_data(path)
    if not titles:
        return None
    if len(titles) == 1:
        return titles[0]
    names = "、".join(f"“{title}”" for title in titles)
    example = " ".join(f"--sheet {title}" for title in titles[:2])
    raise ReadError(
        f"{file}：工作簿里有 {len(titles)} 个有数据的工作表（{names}），不能确定要导入哪些。"
        f"请用 --sheet 指明要导入的工作表，可以写多次（如 {example}）；"
        "或者把不需要导入的工作表删除或隐藏后再导入。")


def _xlsx_records(
    path: str | Path, file: str, sheet: str | None, find_header: Any = None
) -> Iterator[tuple[int, Sequence[Any], str]]:
    """(row number, cells, name for messages) for each non-blank row; the first is the header
    (with ``find_header``, the first of the first rows it recognizes: the rows above it are
    titles, skipped), already checked for merged cells."""
    from cadre_sdk.ingest.header_detect import LOOK_AHEAD, pick

    ws = _open_sheet(path, file, sheet)
    try:
        named = f"（工作表“{ws.title}”）"  # (a worksheet loaded on its own is named so already)
        where = file if file.endswith(named) else file + named
        uncached = ws.scan.uncached if ws.scan is not None else []
        if uncached:
            shown = "、".join(uncached[:5]) + ("等" if len(uncached) > 5 else "")
            raise ReadError(
                f"{where}：单元格 {shown} 是公式，但文件里没有保存公式的计算结果"
                "（这个文件不是由 Excel 保存的）。请在 Excel 中打开并保存后再导入。")
        merges = ws.scan.merges if ws.scan is not None else []
        rows = ws.rows
        rowno = 0
        head: list[tuple[int, Sequence[Any]]] = []  # the first non-blank rows
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except Exception as e:  # damaged sheet XML surfaces here, as any of several types
                raise ReadError(
                    f"{where}：第{rowno + 1}行附近无法读取（{type(e).__name__}: {e}），文件可能已损坏。"
                    "请在 Excel 中打开后另存为新的 .xlsx 再试。"
                ) from None
            rowno += 1
            if all(_blank(c) for c in cells):
                continue
            if head is not None:
                head.append((rowno, cells))
                if len(head) < (LOOK_AHEAD if find_header is not None else 1):
                    continue
                yield from _xlsx_head(merges, where, head, pick([c for _, c in head], find_header))
                head = None  # type: ignore[assignment]
                continue
            yield rowno, cells, where
        if head is not None:
            if not head:
                raise ReadError(f"{where}：工作表是空的（没有表头，也没有数据）。请确认选择的是正确的文件和工作表。")
            yield from _xlsx_head(merges, where, head, pick([c for _, c in head], find_header))
    finally:
        ws.close()


def _xlsx_head(merges: list[str], where: str, head: list[tuple[int, Sequence[Any]]], at: int
               ) -> Iterator[tuple[int, Sequence[Any], str]]:
    """The first rows of a sheet from the header (``head[at]``) on; the header checked for
    merged cells (merged title rows above it are fine)."""
    rowno = head[at][0]
    merged = _merges_on_row(merges, rowno)
    last = max((range_rows(ref)[1] for ref in merged), default=rowno)
    if last > rowno:
        raise ReadError(
            f"{where}：表头占了第{rowno}–{last}行（合并单元格 {'、'.join(sorted(merged))}），"
            "本程序只认一行表头。请取消合并，把表头整理成一行（每列一个列名，如“工作单位”“现任职务”），"
            "删去多余的表头行后再导入。"
        )
    if merged:
        raise ReadError(
            f"{where}：表头第{rowno}行存在合并单元格（{'、'.join(merged)}），"
            "请取消合并，每列一个表头。如果这一行是标题，请删除标题行，让表头成为第一行。"
        )
    for number, cells in head[at:]:
        yield number, cells, where


def _iter_xlsx(path: str | Path, file: str, sheet: str | None) -> Iterator[RawRow]:
    header: list[str] | None = None
    for rowno, cells, where in _xlsx_records(path, file, sheet):
        if header is None:
            header = _check_header(cells, where, rowno, letters=True)
        else:
            yield make_row(file, rowno, header, list(cells))


def _xlsx_batches(path: str | Path, file: str, sheet: str | None, size: int,
                  find_header: Any = None) -> Iterator[Batch]:
    """``_xlsx_records`` in batches of up to ``size``; the header's cells come as (sheet name
    for messages, cells)."""
    records = _xlsx_records(path, file, sheet, find_header)
    with closing(records):
        lines: list[int] = []
        rows: list[Any] = []
        header = True
        for rowno, cells, where in records:
            lines.append(rowno)
            rows.append((where, cells) if header else list(cells))
            header = False
            if len(rows) >= size:
                yield lines, rows
                lines, rows = [], []
        if rows:
            yield lines, rows
