"""Opening and decoding clerks' text files: UTF-8 (with or without BOM), GBK/GB18030, Big5
(cp950, ``big5_gbk`` tells it from GBK, and either from UTF-8 when the bytes are valid UTF-8
too) and UTF-16 told apart, streamed in blocks, and a file that mixes encodings, holds NUL
bytes or is really a workbook rejected in Chinese with the line where it shows.
"""
from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO

from cadre_sdk.core.errors import ReadError
from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.ingest import big5_gbk

_SAVE_AS = "请用同一种编码（UTF-8 或 GBK）重新保存整个文件，例如在 Excel 中另存为“CSV UTF-8（逗号分隔）”"

_SAMPLE_BYTES = 1 << 20  # enough lines to decide the encoding before streaming
_BLOCK_BYTES = 1 << 20  # read and decoded at once when the encoding allows


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

    Any line that is not UTF-8 but is GB18030 makes the file GB18030 or Big5 (``'cp950'``), as
    ``big5_gbk.judge`` tells from those lines, or ``_AMBIGUOUS`` (UTF-8 text never fails to
    decode as UTF-8); otherwise a non-ASCII UTF-8 line makes it UTF-8, unless the lines, valid
    UTF-8 throughout, read as GBK (Big5) far better (``_utf8_verdict``: then its verdict).
    """
    seen = sample if complete else sample[: max(sample.rfind(b"\n"), 0)]
    text = _utf8_or_none(seen)
    if text is not None:  # every line is UTF-8 (or ASCII): no need to look at each
        first = _NON_ASCII.search(seen)
        if not first:
            return None, 0
        verdict, lineno = _utf8_verdict(seen, text)
        return verdict, lineno or seen.count(b"\n", 0, first.start()) + 1
    lines = sample.split(b"\n")
    if not complete:
        lines.pop()  # the last line may be cut in the middle of a character
    first_utf8 = 0
    for lineno, raw in enumerate(lines, 1):
        if raw.isascii():
            continue
        if _utf8_or_none(raw) is None:
            if b"\x00" in raw or _legacy(raw, "gb18030") is None:
                continue  # reported with its line number when the stream reaches it
            encoding, _margin, decided = big5_gbk.judge(_legacy_lines(lines, lineno))
            return encoding or _AMBIGUOUS, decided
        first_utf8 = first_utf8 or lineno
    return ("utf-8", first_utf8) if first_utf8 else (None, 0)


def _utf8_verdict(data: bytes, text: str) -> tuple[str, int]:
    """Bytes valid UTF-8 throughout (``text``, their UTF-8 reading), without a BOM: are they
    UTF-8, or GBK (Big5) bytes that happen to be valid UTF-8 (GBK 袁平 is UTF-8 Ԭƽ)?

    ``'utf-8'``; ``'gb18030'`` (``'cp950'``) when the UTF-8 reading of the first non-ASCII
    lines (``big5_gbk._JUDGED_BYTES``) scores ``_LEGACY_OVER_UTF8`` or more below the GBK
    (Big5) one, ``big5_gbk.judge`` telling GBK from Big5 (``_AMBIGUOUS`` when it cannot);
    ``_UTF8_OR`` + the codec when it scores below by ``big5_gbk._MARGIN`` or more but less
    (refused, both readings shown). And the line that decided, or 0 for 'utf-8'. A text with a
    character of three or four bytes is UTF-8 (``_BEYOND_TWO_BYTES``), found at its first
    such character: only a text of ASCII and two-byte characters (what GBK and Big5 bytes read
    as) is scored.
    """
    if _BEYOND_TWO_BYTES.search(text):  # found at once in a Chinese text: its first character
        return "utf-8", 0
    found = big5_gbk.TWO_BYTE_UTF8.search(text)
    if not found:
        return "utf-8", 0
    lines = [(n, raw) for n, raw in enumerate(data.split(b"\n"), 1) if not raw.isascii()]
    judged: list[tuple[int, bytes]] = []
    size = 0
    for lineno, raw in lines:
        judged.append((lineno, raw))
        size += len(raw)
        if size >= big5_gbk._JUDGED_BYTES:
            break
    joined = b"\n".join(raw for _, raw in judged)
    gbk = _legacy(joined, "gb18030")
    if gbk is None:
        return "utf-8", 0
    encoding, _margin, _ = big5_gbk.judge(judged)
    big5 = _legacy(joined, "cp950")
    legacy = gbk if big5 is None or big5_gbk.score(gbk) >= big5_gbk.score(big5) else big5
    lead = big5_gbk.score(legacy) - big5_gbk.score_utf8(joined.decode("utf-8"))
    if lead < big5_gbk._MARGIN:
        return "utf-8", 0
    lineno = text.count("\n", 0, found.start()) + 1
    if lead < _LEGACY_OVER_UTF8 or not big5_gbk.all_known(legacy):
        return _UTF8_OR + (encoding or ("gb18030" if legacy is gbk else "cp950")), lineno
    return encoding or _AMBIGUOUS, lineno


def _legacy_lines(lines: list[bytes], start: int) -> Iterator[tuple[int, bytes]]:
    """The numbered lines from ``start`` on that are GB18030 (or Big5) and not UTF-8."""
    for lineno, raw in enumerate(lines[start - 1 :], start):
        if (not raw.isascii() and b"\x00" not in raw and _utf8_or_none(raw) is None
                and _legacy(raw, "gb18030") is not None):
            yield lineno, raw


def _legacy(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: A character of three or four UTF-8 bytes: Chinese, Tibetan, Mongolian, ①, full-width forms,
#: emoji. GBK or Big5 Chinese almost never reads as one (it takes a rare character, with a lead
#: byte E0–EF, then the right two): a text with one is UTF-8 (``_utf8_verdict``).
_BEYOND_TWO_BYTES = re.compile("[\u0800-\U0010ffff]")
_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030", "cp950": "Big5"}
_LEGACY = ("gb18030", "cp950")
#: ``_sniff``'s verdict for lines that read as well in GBK as in Big5.
_AMBIGUOUS = "gb18030|cp950"
#: ``_sniff``'s verdict, with the codec after it, for UTF-8 lines that read almost as well in
#: GBK (Big5).
_UTF8_OR = "utf-8|"
#: How much better (``big5_gbk`` scores) the GBK (Big5) reading of valid UTF-8 bytes must be
#: for them to be read as GBK (Big5): a Chinese name of two common characters and more. One
#: character alone (GBK 女 is UTF-8 Ů; UTF-8 Ω is GBK 惟) is too little either way: refused.
_LEGACY_OVER_UTF8 = 8


_READINGS = {"gb18030": "GBK（简体中文）", "cp950": "Big5（繁体中文）", "utf-8": "UTF-8 "}


def _ambiguous(file: str, lineno: int, raw: bytes, margin: int,
               codecs: tuple[str, str] = ("gb18030", "cp950")) -> ReadError:
    """Lines that read as well in GBK as in Big5 (or in UTF-8 as in GBK or Big5, the codecs
    given): both readings shown, never a guess."""
    def shown(codec: str) -> str:
        text = raw.rstrip(b"\r\n").decode(codec)
        return text if len(text) <= 30 else text[:30] + "…"
    lean = {1: "，看起来更像 Big5（繁体中文）", -1: "，看起来更像 GBK（简体中文）"}.get(margin, "")
    # A UTF-8 file saved again as UTF-8 would be as ambiguous: the BOM settles it.
    how = ("（带 BOM；WPS、记事本：编码选“带 BOM 的 UTF-8”）" if "utf-8" in codecs
           else "（WPS、记事本：编码选 UTF-8）")
    one, other = codecs
    return ReadError(
        f"{file}：无法确定文件的编码：第{lineno}行按 {_READINGS[one]}读是“{shown(one)}”，"
        f"按 {_READINGS[other]}读是“{shown(other)}”，两种读法都说得通{lean}。为免读错，没有导入。"
        "请在保存这个文件的电脑上用原来的程序打开它，确认文字无误后另存为“CSV UTF-8（逗号分隔）”"
        f"{how}再导入。")


class _LineDecoder:
    """Decodes a file line by line, holding every line to the encoding of the first ones.

    Decoding per line lets a multi-GB file stream, and lets a mixed file (some lines saved as
    UTF-8, others as GBK, as happens when rows are pasted from two sources) be rejected with
    the line number instead of being loaded as mojibake.
    """

    def __init__(self, file: str, encoding: str | None, first: int, sample: bytes, bom: bool = False):
        self.file, self.encoding, self.first, self.sample, self.bom = file, encoding, first, sample, bom
        if encoding == _AMBIGUOUS:
            raw = sample.split(b"\n")[first - 1]
            raise _ambiguous(file, first, raw, big5_gbk.margin(raw) or 0)
        if encoding is not None and encoding.startswith(_UTF8_OR):
            raw = sample.split(b"\n")[first - 1]
            raise _ambiguous(file, first, raw, 0, ("utf-8", encoding.removeprefix(_UTF8_OR)))

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
            if self.encoding in _LEGACY:
                legacy = _legacy(raw, self.encoding)
                # Valid both ways: GBK (Big5), the file's encoding, unless the UTF-8 reading
                # looks like a clerk's text, with common characters (GB2312; for Big5, once
                # Simplified) in it, more than the other reading has (a short GBK line can be
                # valid UTF-8 by chance: "鍏丂").
                common = (0 if legacy is None else _common_chars(
                    legacy if self.encoding == "gb18030" else to_simplified(legacy)))
                if legacy is not None and (not _plausible_utf8(text) or
                                           _common_chars(text) < max(2, common + 1)):
                    # Unless its UTF-8 reading, Latin letters with diacritics or a lone
                    # Latin-1 symbol in it (李四,café is GBK 鏉庡洓,caf茅; C9,Müller is
                    # C9,M眉ller), scores ahead by ``big5_gbk._MARGIN`` or more: then a line
                    # pasted in UTF-8. A tie reads as the file's encoding (GBK a茅 is UTF-8 aé).
                    if big5_gbk.utf8_lead(text, legacy) < big5_gbk._MARGIN:
                        return legacy
                raise self._mixed(lineno, "utf-8")
            if self.encoding is None:  # the first non-ASCII line, after a sample all ASCII
                verdict, _ = _utf8_verdict(raw, text)
                if verdict == _AMBIGUOUS:
                    raise _ambiguous(self.file, lineno, raw, big5_gbk.margin(raw) or 0)
                if verdict.startswith(_UTF8_OR):
                    raise _ambiguous(self.file, lineno, raw, 0,
                                     ("utf-8", verdict.removeprefix(_UTF8_OR)))
                self.encoding, self.first = verdict, lineno
                return text if verdict == "utf-8" else raw.decode(verdict)
            return text
        codec = self.encoding if self.encoding in _LEGACY else "gb18030"
        text = _legacy(raw, codec)
        if text is None:
            if codec == "cp950" and _legacy(raw, "gb18030") is not None:
                raise self._mixed(lineno, "gb18030")
            raise ReadError(
                f"{self.file}：第{lineno}行含有无法识别的字节，既不是 UTF-8 也不是 GBK/GB18030 编码"
                f"{_guess_encoding(raw if len(raw) >= 64 else self.sample)}。"
                "请把文件另存为 UTF-8 或 GBK 编码后重试。"
            )
        if self.encoding == "utf-8":
            raise self._mixed(lineno, big5_gbk.judge([(lineno, raw)])[0] or "gb18030")
        if self.encoding is None:  # the first non-ASCII line, after a sample all ASCII
            encoding, margin, _ = big5_gbk.judge([(lineno, raw)])
            if encoding is None:
                raise _ambiguous(self.file, lineno, raw, margin)
            self.encoding, self.first = encoding, lineno
            return raw.decode(encoding)
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
        if self.encoding in _LEGACY and b"\xef\xbf\xbd" not in block:
            # A line that is valid UTF-8 in a GBK (Big5) file needs decode's judgement. "\n" is
            # never inside a GB18030 or Big5 character, so decoding the block is decoding its lines.
            probe = block.decode("utf-8", "replace")
            if any("\ufffd" not in line and not line.isascii() for line in probe.split("\n")):
                return None
            return _legacy(block, self.encoding)
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

    The encoding is 'utf-8-sig' (BOM), 'utf-8', 'gb18030' (a superset of GBK), 'cp950' (Big5)
    or 'utf-16' (BOM). Raises ``ReadError`` for NUL bytes, bytes in none of them, a mix of
    two, or lines that read as well in GBK as in Big5.
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
    if text is not None and (bom or _utf8_verdict(body, text)[0] == "utf-8"):
        return text, "utf-8-sig" if bom else "utf-8"
    encoding, first = ("utf-8", 0) if bom else _sniff(body, complete=True)
    # The whole file as the sample: the line that decided may lie past _SAMPLE_BYTES.
    decoder = _LineDecoder(file, encoding, first, data, bom)
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
        if len(sample) < _SAMPLE_BYTES and b"\x00" not in sample:
            # The whole file is in the sample: when it is UTF-8 (or ASCII) throughout, its text
            # is what the blocks below would give (one block), decoded once, not read twice.
            text = _utf8_or_none(sample[start:])
            if text is not None and (bom or _utf8_verdict(sample, text)[0] == "utf-8"):
                yield io.StringIO(text, newline="\n")
                return
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


def _empty(file: str) -> ReadError:
    return ReadError(f"{file}：文件为空（没有表头，也没有数据）。请确认选择的是正确的文件，并且已经保存。")
