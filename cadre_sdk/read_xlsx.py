"""Excel workbooks (.xlsx): the header found below title rows, the rows streamed with their
sheet row numbers, merged header cells and formulas without values rejected in Chinese.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from .errors import ReadError
from .raw_rows import Batch, RawRow, _blank, _check_header, make_row
from .read_encoding import _empty, _open
from .xlsx_package import _formulas_without_values, _merged_ranges, _merges_on_row


def _open_workbook(path: str | Path, file: str) -> Any:
    import openpyxl

    with _open(path, file) as f:  # the same "not found" / "empty" messages as the text formats
        if not f.read(1):
            raise _empty(file)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises a zoo of exception types for a damaged package
        raise ReadError(
            f"{file}：无法作为 Excel（.xlsx）文件打开（{type(e).__name__}: {e}）。"
            "文件可能已损坏，或其实是旧版 .xls / 其他格式：请在 Excel 中另存为 .xlsx 后重试。"
        ) from None


def _pick_sheet(wb: Any, file: str, sheet: str | None) -> Any:
    if not wb.worksheets:
        raise ReadError(f"{file}：工作簿里没有工作表。")
    if sheet is None:
        return wb.worksheets[0]
    for ws in wb.worksheets:
        if ws.title == sheet:
            return ws
    names = "、".join(f"“{ws.title}”" for ws in wb.worksheets)
    raise ReadError(f"{file}：找不到名为“{sheet}”的工作表。这个文件里的工作表有：{names}。")


def _xlsx_records(
    path: str | Path, file: str, sheet: str | None, find_header: Any = None
) -> Iterator[tuple[int, tuple[Any, ...], str]]:
    """(row number, cells, name for messages) for each non-blank row; the first is the header
    (with ``find_header``, the first of the first rows it recognizes: the rows above it are
    titles, skipped), already checked for merged cells."""
    from .header_detect import LOOK_AHEAD, pick

    wb = _open_workbook(path, file)
    try:
        ws = _pick_sheet(wb, file, sheet)
        where = f"{file}（工作表“{ws.title}”）"
        uncached = _formulas_without_values(path, ws.title)
        if uncached:
            shown = "、".join(uncached[:5]) + ("等" if len(uncached) > 5 else "")
            raise ReadError(
                f"{where}：单元格 {shown} 是公式，但文件里没有保存公式的计算结果"
                "（这个文件不是由 Excel 保存的）。请在 Excel 中打开并保存后再导入。")
        # Some writers record a wrong sheet size, and read-only mode would cut rows to it.
        ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        rowno = 0
        head: list[tuple[int, tuple[Any, ...]]] = []  # the first non-blank rows
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
                yield from _xlsx_head(path, ws.title, where, head, pick(
                    [c for _, c in head], find_header))
                head = None  # type: ignore[assignment]
                continue
            yield rowno, cells, where
        if head is not None:
            if not head:
                raise ReadError(f"{where}：工作表是空的（没有表头，也没有数据）。请确认选择的是正确的文件和工作表。")
            yield from _xlsx_head(path, ws.title, where, head, pick([c for _, c in head],
                                                                    find_header))
    finally:
        wb.close()


def _xlsx_head(path: str | Path, title: str, where: str,
               head: list[tuple[int, tuple[Any, ...]]], at: int
               ) -> Iterator[tuple[int, tuple[Any, ...], str]]:
    """The first rows of a sheet from the header (``head[at]``) on; the header checked for
    merged cells (merged title rows above it are fine)."""
    rowno = head[at][0]
    merged = _merges_on_row(_merged_ranges(path, title), rowno)
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
