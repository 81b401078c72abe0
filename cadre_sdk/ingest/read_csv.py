"""CSV and TSV: records with their physical start lines, in batches, the delimiter chosen from
the first line, and the csv module's errors turned into Chinese messages that name the line.
"""
from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from contextlib import closing
from operator import itemgetter
from pathlib import Path

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.raw_rows import Batch, RawRow, _blank, _check_header, make_row
from cadre_sdk.ingest.read_encoding import _empty, _text_blocks

_FIELD_LIMIT = 1 << 24  # characters; a 10 MB cell must be readable (the caller rejects it)


def _csv_error(e: csv.Error, file: str, start: int, current: int) -> ReadError:
    msg = str(e)
    if "unexpected end of data" in msg:
        return ReadError(
            f"{file}：文件在第{start}行被截断（引号未闭合）：从这一行开始的引号直到文件末尾都没有闭合。"
            "请检查这一行的引号是否成对，或重新导出完整的文件。"
        )
    if "field larger than field limit" in msg:
        return ReadError(
            f"{file}：从第{start}行开始的一个字段超过 {_FIELD_LIMIT:,} 个字符，"
            "多半是这一行的某个引号没有闭合。请检查这一行的引号是否成对。"
        )
    if "expected after" in msg:
        return ReadError(
            f"{file}：第{current}行的引号用法不对：带引号的字段在闭合引号后面还有字符。"
            "字段内的引号请写成两个（\"\"），或去掉多余的引号。"
        )
    if "new-line character" in msg:
        return ReadError(
            f"{file}：第{current}行含有单独的回车符。请在 Excel 或记事本中重新另存为 CSV 后再导入。"
        )
    return ReadError(f"{file}：第{current}行无法按 CSV 解析（{msg}）。请检查这一行的引号和分隔符。")


def _delimited_records(path: str | Path, file: str, fmt: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) for each non-blank record; the first one is the header."""
    batches = _delimited_batches(path, file, fmt)
    with closing(batches):
        for lines, rows in batches:
            yield from zip(lines, rows)


def _delimited_batches(path: str | Path, file: str, fmt: str, size: int = 2000
                       ) -> Iterator[Batch]:
    """``_delimited_records`` in batches of up to ``size``. A problem that stops the file is
    raised only after the records before it have been handed out."""
    if csv.field_size_limit() < _FIELD_LIMIT:
        # Process-wide, and the csv module has no per-reader limit; only ever raised, never lowered.
        csv.field_size_limit(_FIELD_LIMIT)
    blocks = _text_blocks(path, file)
    lines = itertools.chain.from_iterable(blocks)
    with closing(blocks):  # close the file as soon as the caller stops, not at garbage collection
        # Peek at the first non-blank line to choose the delimiter (Excel's "文本文件" is tab
        # separated whatever the suffix); the peeked lines are fed back so line numbers stay
        # physical.
        peeked: list[str] = []
        for line in lines:
            peeked.append(line)
            if line.strip():
                break
        first = peeked[-1] if peeked else ""
        delimiter = "\t" if fmt == "tsv" else ","
        if "\t" in first and "," not in first:
            delimiter = "\t"
        elif "," in first and "\t" not in first:
            delimiter = ","
        reader = csv.reader(itertools.chain(peeked, lines), delimiter=delimiter, strict=True)
        done = 0  # physical lines read
        while True:
            rows: list[list[str]] = []
            stop: ReadError | None = None
            try:
                rows.extend(itertools.islice(reader, size))  # kept up to a problem
            except csv.Error as e:
                stop = _csv_error(e, file, done + 1 + _lines_of(rows), reader.line_num)
            except ReadError as e:
                stop = e
            read = len(rows)
            if rows:
                if stop is None and reader.line_num - done == len(rows):
                    starts = list(range(done + 1, done + 1 + len(rows)))  # a line each
                else:  # a quoted cell ran over lines: count them
                    starts = list(itertools.accumulate(
                        (_lines_of((cells,)) for cells in rows[:-1]), initial=done + 1))
                done = reader.line_num
                firsts = list(map(itemgetter(0), rows)) if all(rows) else None
                if firsts is None or not all(firsts) or any(map(str.isspace, firsts)):
                    kept = [i for i, cells in enumerate(rows) if not all(map(_blank, cells))]
                    starts, rows = [starts[i] for i in kept], [rows[i] for i in kept]
                if rows:
                    yield starts, rows
            if stop is not None:
                raise stop from None
            if not read:
                return


def _lines_of(records: Iterable[list[str]]) -> int:
    """How many physical lines these records took: one each, plus the line breaks inside
    their (quoted) cells."""
    return sum(1 + sum(cell.count("\n") for cell in cells) for cells in records)


def _iter_delimited(path: str | Path, file: str, fmt: str) -> Iterator[RawRow]:
    header: list[str] | None = None
    for line, cells in _delimited_records(path, file, fmt):
        if header is None:
            header = _check_header(cells, file, line)
        else:
            yield make_row(file, line, header, cells)
    if header is None:
        raise _empty(file)
