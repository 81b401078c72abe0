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
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import attrs

from cadre_sdk.errors import ReadError
from cadre_sdk.normalize import normalize_header

__all__ = ["EXTRA", "ERROR", "RawRow", "decode_bytes", "detect_format", "iter_cell_batches",
           "iter_rows", "make_row", "read_header"]

EXTRA = "__extra__"
ERROR = "__error__"

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
_SAVE_AS = "请用同一种编码（UTF-8 或 GBK）重新保存整个文件，例如在 Excel 中另存为“CSV UTF-8（逗号分隔）”"

_SAMPLE_BYTES = 1 << 20  # enough lines to decide the encoding before streaming
_BLOCK_BYTES = 1 << 20  # read and decoded at once when the encoding allows
_FIELD_LIMIT = 1 << 24  # characters; a 10 MB cell must be readable (the caller rejects it)


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


# --- decoding ---------------------------------------------------------------------------------


def _plausible_utf8(text: str) -> bool:
    """Does this UTF-8 decoding look like a clerk's Chinese text, rather than GBK bytes that
    happen to be valid UTF-8 (e.g. GBK "路" is the UTF-8 bytes of "·")? Require a CJK ideograph
    and nothing from the Latin/Greek/Cyrillic/... two-byte range except · and ×."""
    has_cjk = False
    for char in text:
        cp = ord(char)
        if cp < 0x80:
            continue
        if 0x4E00 <= cp <= 0x9FFF:
            has_cjk = True
        elif 0x80 <= cp < 0x800 and cp not in (0xB7, 0xD7):
            return False
    return has_cjk


def _common_chars(text: str) -> int:
    """How many of the text's characters are common Chinese ones (in GB2312)."""
    count = 0
    for char in text:
        if not char.isascii():
            try:
                char.encode("gb2312")
            except UnicodeEncodeError:
                continue
            count += 1
    return count


def _utf8_or_none(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _guess_encoding(data: bytes) -> str:
    """A hint for the message, from charset_normalizer; '' when it has nothing useful."""
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data[:65536]).best()
    except Exception:  # a hint for an error message must never replace the real error
        return ""
    if best is None or best.encoding in ("utf_8", "gb18030", "ascii"):
        return ""
    return f"（看起来像是 {best.encoding} 编码）"


def _sniff(sample: bytes, complete: bool) -> tuple[str | None, int]:
    """The encoding the first lines imply, and the line that decided it.

    Any line that is not UTF-8 but is GB18030 makes the file GB18030 (UTF-8 text never fails
    to decode as UTF-8); otherwise a non-ASCII UTF-8 line makes it UTF-8.
    """
    seen = sample if complete else sample[: max(sample.rfind(b"\n"), 0)]
    if _utf8_or_none(seen) is not None:  # every line is UTF-8 (or ASCII): no need to look at each
        first = _NON_ASCII.search(seen)
        return ("utf-8", seen.count(b"\n", 0, first.start()) + 1) if first else (None, 0)
    lines = sample.split(b"\n")
    if not complete:
        lines.pop()  # the last line may be cut in the middle of a character
    first_utf8 = 0
    for lineno, raw in enumerate(lines, 1):
        if raw.isascii():
            continue
        if _utf8_or_none(raw) is None:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                continue  # reported with its line number when the stream reaches it
            return "gb18030", lineno
        first_utf8 = first_utf8 or lineno
    return ("utf-8", first_utf8) if first_utf8 else (None, 0)


_NON_ASCII = re.compile(rb"[\x80-\xff]")
_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030"}


class _LineDecoder:
    """Decodes a file line by line, holding every line to the encoding of the first ones.

    Decoding per line lets a multi-GB file stream, and lets a mixed file (some lines saved as
    UTF-8, others as GBK, as happens when rows are pasted from two sources) be rejected with
    the line number instead of being loaded as mojibake.
    """

    def __init__(self, file: str, encoding: str | None, first: int, sample: bytes, bom: bool = False):
        self.file, self.encoding, self.first, self.sample, self.bom = file, encoding, first, sample, bom

    def _mixed(self, lineno: int, found: str) -> ReadError:
        this = f"第{lineno}行是 {_NAMES[found]}"
        if self.bom:
            what = f"文件开头的 BOM 标明是 UTF-8，{this.replace('是', '却是', 1)}"
        else:
            that = f"第{self.first}行是 {_NAMES[self.encoding or 'utf-8']}"
            # In file order: the sample may have decided on a line after this one.
            first, second = (that, this) if self.first < lineno else (this, that)
            what = f"{first}，{second.replace('是', '却是', 1)}"
        return ReadError(f"{self.file}：文件混用了两种编码：{what}。{_SAVE_AS}。")

    def decode(self, raw: bytes, lineno: int) -> str:
        if b"\x00" in raw:
            raise _nul_error(self.file, lineno, self.sample)
        if raw.isascii():
            return raw.decode("ascii")
        text = _utf8_or_none(raw)
        if text is not None:
            if self.encoding == "gb18030":
                try:
                    gbk = raw.decode("gb18030")
                except UnicodeDecodeError:
                    gbk = None
                # Valid both ways: GBK, the file's encoding, unless the UTF-8 reading looks
                # like a clerk's text, with common characters (GB2312) in it, more than the
                # GBK reading has (a short GBK line can be valid UTF-8 by chance: "鍏丂").
                if gbk is not None and (not _plausible_utf8(text) or
                                        _common_chars(text) < max(2, _common_chars(gbk) + 1)):
                    return gbk
                raise self._mixed(lineno, "utf-8")
            if self.encoding is None:
                self.encoding, self.first = "utf-8", lineno
            return text
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ReadError(
                f"{self.file}：第{lineno}行含有无法识别的字节，既不是 UTF-8 也不是 GBK/GB18030 编码"
                f"{_guess_encoding(raw if len(raw) >= 64 else self.sample)}。"
                "请把文件另存为 UTF-8 或 GBK 编码后重试。"
            ) from None
        if self.encoding == "utf-8":
            raise self._mixed(lineno, "gb18030")
        if self.encoding is None:
            self.encoding, self.first = "gb18030", lineno
        return text

    def decode_block(self, block: bytes) -> str | None:
        """Whole lines at once: their text when it is what ``decode`` would give line by line
        (same encoding, nothing to report), else ``None`` (then decode each line)."""
        if b"\x00" in block:
            return None
        if block.isascii():
            return block.decode("ascii")
        if self.encoding == "utf-8":
            # UTF-8 is self-synchronizing: the block decodes exactly when each line does.
            return _utf8_or_none(block)
        if self.encoding == "gb18030" and b"\xef\xbf\xbd" not in block:
            # A line that is valid UTF-8 in a GBK file needs decode's judgement. "\n" is never
            # inside a GB18030 character, so decoding the block is decoding its lines.
            probe = block.decode("utf-8", "replace")
            if any("\ufffd" not in line and not line.isascii() for line in probe.split("\n")):
                return None
            try:
                return block.decode("gb18030")
            except UnicodeDecodeError:
                return None
        return None


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 without a BOM: NUL bytes are half of every ASCII character."""
    even = sample[: len(sample) // 2 * 2]
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = even.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and any(c in text for c in "\n\t,"):
            return True
    return False


def _nul_error(file: str, lineno: int, sample: bytes) -> ReadError:
    hint = "文件可能已损坏"
    if _looks_utf16(sample):
        hint = "这看起来是没有 BOM 的 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”"
    return ReadError(f"{file}：第{lineno}行含有空字符（NUL），{hint}。")


def _is_utf16(data: bytes) -> bool:
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _utf16_error(file: str) -> ReadError:
    return ReadError(f"{file}：文件开头标明是 UTF-16 编码，但内容无法按 UTF-16 解码。{_SAVE_AS}。")


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode a whole file's bytes: (text, encoding name).

    The encoding is 'utf-8-sig' (BOM), 'utf-8', 'gb18030' (a superset of GBK) or 'utf-16'
    (BOM). Raises ``ReadError`` for NUL bytes, bytes in neither encoding, or a mix of the two.
    """
    if _is_utf16(data):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _utf16_error(file) from None
        if "\x00" in text:
            raise _nul_error(file, text.count("\n", 0, text.index("\x00")) + 1, b"")
        return text, "utf-16"
    if b"\x00" in data:
        raise _nul_error(file, data.count(b"\n", 0, data.index(b"\x00")) + 1, data[:_SAMPLE_BYTES])
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    text = _utf8_or_none(body)
    if text is not None:
        return text, "utf-8-sig" if bom else "utf-8"
    encoding, first = ("utf-8", 0) if bom else _sniff(body, complete=True)
    decoder = _LineDecoder(file, encoding, first, data[:_SAMPLE_BYTES], bom)
    text = "".join(decoder.decode(raw, n) for n, raw in enumerate(io.BytesIO(body), 1))
    return text, "utf-8-sig" if bom else (decoder.encoding or "utf-8")


def _open(path: str | Path, file: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise ReadError(f"{file}：找不到这个文件，请检查路径和文件名。") from None
    except IsADirectoryError:
        raise ReadError(f"{file}：这是一个文件夹，不是文件。") from None
    except OSError as e:
        raise ReadError(f"{file}：无法打开文件（{e.strerror or e}），请检查文件是否被占用或没有读取权限。") from None


def _text_lines(path: str | Path, file: str) -> Iterator[str]:
    """The file's decoded lines, with their line endings, streamed."""
    blocks = _text_blocks(path, file)
    with closing(blocks):
        for lines in blocks:
            yield from lines


def _text_blocks(path: str | Path, file: str) -> Iterator[Iterable[str]]:
    """The file's decoded lines, with their line endings, streamed a block (about
    ``_BLOCK_BYTES``) at a time: each item is an iterable of lines, to be used up before the
    next. A block is decoded at once when that is the same as decoding its lines one by one;
    otherwise line by line, so each problem is reported at its line as it is reached."""
    with _open(path, file) as f:
        sample = f.read(_SAMPLE_BYTES)
        _not_a_workbook(sample, file)
        if _is_utf16(sample):
            f.seek(0)
            yield _utf16_lines(f, file)
            return
        bom = sample.startswith(codecs.BOM_UTF8)
        start = len(codecs.BOM_UTF8) if bom else 0
        encoding, first = ("utf-8", 0) if bom else _sniff(sample, len(sample) < _SAMPLE_BYTES)
        decoder = _LineDecoder(file, encoding, first, sample, bom)
        f.seek(start)
        done, rest = 0, b""  # lines handed out; bytes after the last whole line
        while True:
            chunk = f.read(_BLOCK_BYTES)
            data = rest + chunk if rest else chunk
            if chunk:
                cut = data.rfind(b"\n") + 1
                if not cut:  # one line longer than a block: read on
                    rest = data
                    continue
                block, rest = data[:cut], data[cut:]
            elif not data:
                return
            else:
                block, rest = data, b""
            text = decoder.decode_block(block)
            if text is None:
                yield (decoder.decode(raw, n) for n, raw in enumerate(io.BytesIO(block), done + 1))
            else:
                yield io.StringIO(text, newline="\n")
            done += block.count(b"\n") + (not block.endswith(b"\n"))
            if not chunk:
                return


def _not_a_workbook(sample: bytes, file: str) -> None:
    """A text file's first bytes are not those of an Excel workbook saved under a text name."""
    if sample.startswith(b"PK\x03\x04"):
        raise ReadError(f"{file}：这个文件其实是 Excel 工作簿（.xlsx），只是扩展名写成了文本格式。"
                        "请把扩展名改为 .xlsx 后再导入，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”。")
    if sample.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReadError(f"{file}：这个文件其实是旧版 Excel 工作簿（.xls），只是扩展名写成了文本格式。"
                        "请在 Excel 或 WPS 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再导入。")


def _utf16_lines(f: IO[bytes], file: str) -> Iterator[str]:
    text = io.TextIOWrapper(f, encoding="utf-16", newline="")
    lineno = 0
    while True:
        try:
            line = text.readline()
        except UnicodeDecodeError:
            raise _utf16_error(file) from None
        if not line:
            return
        lineno += 1
        if "\x00" in line:
            raise _nul_error(file, lineno, b"")
        yield line


# --- header and row shaping --------------------------------------------------------------------


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


# --- CSV / TSV ---------------------------------------------------------------------------------


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


#: A batch of records: their start lines, and their cells.
Batch = tuple[list[int], list[list[Any]]]


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


def _empty(file: str) -> ReadError:
    return ReadError(f"{file}：文件为空（没有表头，也没有数据）。请确认选择的是正确的文件，并且已经保存。")


# --- Excel ------------------------------------------------------------------------------------

_MERGE_RE = re.compile(  # <mergeCell ref="A1:C1"/>, with or without a namespace prefix
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z$]+\$?\d+(?::[A-Za-z$]+\$?\d+)?)[\"']"
)
_RANGE_ROWS = re.compile(r"[A-Za-z$]+(\d+)(?::[A-Za-z$]+(\d+))?")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_member(zf: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding the worksheet called ``title`` (via the workbook's relationships)."""
    workbook = "xl/workbook.xml"
    for rel in ElementTree.fromstring(zf.read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    rel_id = None
    for el in ElementTree.fromstring(zf.read(workbook)).iter():
        if _local(el.tag) == "sheet" and el.get("name") == title:
            rel_id = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
    folder, name = posixpath.split(workbook)
    for rel in ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels"))):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(folder, target))
    return None


def _merged_ranges(path: str | Path, title: str) -> list[str]:
    """The sheet's merged ranges. openpyxl's read-only mode cannot see merges, and loading the
    whole workbook in normal mode is too slow for big files, so scan the sheet's XML as bytes."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, title)
            if member is None:
                return []
            found: list[str] = []
            with zf.open(member) as fh:
                buf = b""
                while True:
                    chunk = fh.read(_SAMPLE_BYTES)
                    buf += chunk
                    # Matches starting in the last 512 bytes may be cut off: look again next round.
                    limit = len(buf) - 512 if chunk else len(buf)
                    found += [m[1].decode("ascii") for m in _MERGE_RE.finditer(buf) if m.start() < limit]
                    if not chunk:
                        return found
                    buf = buf[max(limit, 0) :]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        # openpyxl has already opened this workbook; a package laid out in a way this scan does
        # not follow loses only the merged-header check, not the data.
        return []


def _merges_on_row(ranges: list[str], row: int) -> list[str]:
    hits = []
    for ref in ranges:
        m = _RANGE_ROWS.fullmatch(ref.replace("$", ""))
        if m and int(m[1]) <= row <= int(m[2] or m[1]):
            hits.append(ref.replace("$", ""))
    return hits


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


_FORMULA_NO_VALUE = re.compile(  # <c r="B3"><f>SUM(A1:A2)</f></c>: a formula, no <v>
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br=[\"']([A-Za-z]+\d+)[\"'][^>]*>\s*"
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*"
    rb"(?:<(?:[A-Za-z_][\w.-]*:)?v\s*/>|<(?:[A-Za-z_][\w.-]*:)?v>\s*</(?:[A-Za-z_][\w.-]*:)?v>)?"
    rb"\s*</(?:[A-Za-z_][\w.-]*:)?c>")


def _formulas_without_values(path: str | Path, title: str) -> list[str]:
    """Cells holding a formula whose result the file does not carry (openpyxl reads them as
    empty: written by a program, never opened in Excel). The sheet's XML is scanned as bytes,
    and only where a formula appears at all."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, title)
            if member is None:
                return []
            found: list[str] = []
            with zf.open(member) as fh:
                buf = b""
                while True:
                    chunk = fh.read(_SAMPLE_BYTES)
                    buf += chunk
                    limit = len(buf) - 4096 if chunk else len(buf)
                    if b"<f" in buf or b":f" in buf:
                        found += [m[1].decode("ascii") for m in _FORMULA_NO_VALUE.finditer(buf)
                                  if m.start() < limit]
                    if not chunk:
                        return found
                    buf = buf[max(limit, 0):]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []  # as for merges: a layout this scan does not follow loses only this check


def _iter_xlsx(path: str | Path, file: str, sheet: str | None) -> Iterator[RawRow]:
    header: list[str] | None = None
    for rowno, cells, where in _xlsx_records(path, file, sheet):
        if header is None:
            header = _check_header(cells, where, rowno, letters=True)
        else:
            yield make_row(file, rowno, header, list(cells))


# --- JSON / NDJSON -----------------------------------------------------------------------------


class _DuplicateKeys(dict[str, Any]):
    """An object in which some key appeared twice (json keeps only the last silently)."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    dup = _DuplicateKeys(obj)
    seen: set[str] = set()
    dup.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in dup.duplicates:
            dup.duplicates.append(key)
        seen.add(key)
    return dup


_KINDS = {list: "数组", str: "字符串", int: "数字", float: "数字", bool: "true/false", type(None): "null"}


def _element_row(file: str, line: int, obj: Any, what: str) -> RawRow:
    if isinstance(obj, _DuplicateKeys):
        keys = "、".join(f"“{k}”" for k in obj.duplicates)
        return RawRow(file, line, {ERROR: f"{what}中的键{keys}出现了不止一次，请只保留一个"})
    if not isinstance(obj, dict):
        kind = _KINDS.get(type(obj), "其他值")
        return RawRow(file, line, {ERROR: f"{what}应为 JSON 对象（{{\"姓名\": \"张三\", …}}），实为{kind}"})
    return RawRow(file, line, obj)


def _iter_ndjson(path: str | Path, file: str) -> Iterator[RawRow]:
    seen = False
    for lineno, line in enumerate(_text_lines(path, file), 1):
        text = line.strip()
        if not text:
            continue
        seen = True
        try:
            obj = json.loads(text, object_pairs_hook=_pairs)
        except json.JSONDecodeError as e:
            yield RawRow(file, lineno, {ERROR: f"第{lineno}行不是有效的 JSON：第{e.colno}个字符附近出错（{e.msg}）"})
            continue
        except (ValueError, RecursionError) as e:  # e.g. nesting deeper than the parser's stack
            yield RawRow(file, lineno, {ERROR: f"第{lineno}行不是有效的 JSON（{type(e).__name__}）"})
            continue
        yield _element_row(file, lineno, obj, f"第{lineno}行")
    if not seen:
        raise _empty(file)


_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, i: int) -> int:
    m = _WS.match(text, i)
    return m.end() if m else i


def _iter_json(path: str | Path, file: str) -> Iterator[RawRow]:
    """A top-level array of objects. Parsed element by element (``raw_decode``) so each row can
    carry the physical line where its object starts; the whole text is in memory."""
    with _open(path, file) as f:
        data = f.read()
    text, _ = decode_bytes(data, file)
    decoder = json.JSONDecoder(object_pairs_hook=_pairs)
    i = _skip_ws(text, 0)
    if i == len(text):
        raise _empty(file)
    if text[i] != "[":
        ndjson = "；每行一个对象的文件请改用 .ndjson 扩展名" if text[i] == "{" else ""
        raise ReadError(
            f"{file}：JSON 文件的最外层应为由对象组成的数组，例如 [{{\"姓名\": \"张三\"}}, …]{ndjson}。"
        )

    def bad(pos: int, what: str) -> ReadError:
        line = text.count("\n", 0, pos) + 1
        col = pos - text.rfind("\n", 0, pos)
        return ReadError(f"{file}：第{line}行第{col}列不是有效的 JSON（{what}）。请检查这里的逗号、括号和引号。")

    line, counted = 1, 0
    i = _skip_ws(text, i + 1)
    if text[i : i + 1] == "]":
        i += 1
    else:
        while True:
            line += text.count("\n", counted, i)
            counted = i
            try:
                obj, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError as e:
                raise bad(e.pos, e.msg) from None
            except RecursionError:
                raise bad(i, "嵌套层数太多") from None
            yield _element_row(file, line, obj, f"第{line}行的元素")
            i = _skip_ws(text, end)
            if text[i : i + 1] == ",":
                i = _skip_ws(text, i + 1)
                continue
            if text[i : i + 1] == "]":
                i += 1
                break
            raise bad(i, "数组元素之间应为逗号，或以 ] 结束")
    i = _skip_ws(text, i)
    if i != len(text):
        raise bad(i, "数组结束后还有多余的内容")


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
    from .header_detect import Header, pick

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
