"""Normalizers for the values data clerks type: text, numbers, yes/no, dates, ID numbers, headers.

Pure functions, no I/O. Each accepts what a reader produces (``str`` from text formats;
``str``/``int``/``float``/``datetime``/``None`` from .xlsx; JSON scalars), returns the normalized
value or ``None`` for an empty cell, and raises ``ValueError`` with a Simplified-Chinese message
saying what is wrong and how to write it. The caller adds file, line and column.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

__all__ = [
    "KEPT_PUNCTUATION",
    "check_id_number",
    "clean_name",
    "clean_text",
    "id_number_birth",
    "id_number_birth_gender",
    "id_number_gender",
    "id_numbers_as_written",
    "make_id_number",
    "names_as_written",
    "normalize_header",
    "old_folding",
    "same_but_old_folding",
    "to_bool",
    "to_date",
    "to_date_or_month",
    "to_float",
    "to_int",
    "to_month",
    "to_simplified",
    "to_year",
]

MIN_YEAR, MAX_YEAR = 1900, 2100

# --- text -------------------------------------------------------------------------------------

#: Chinese prose punctuation (GB/T 15834) typed from the full-width ASCII block: kept as
#: written in text and names (“受理日期登记有误，按受理通知书更正”, 乌纪（2027）12号,
#: 玉树州农牧局（本级）). Like 、。“”《》…—, which lie outside the block, they are the clerk's
#: words, not a way of typing ASCII.
KEPT_PUNCTUATION = "！＂＇（），：；？［］｛｝～"
#: The whole full-width ASCII block (U+FF01–U+FF5E) to ASCII, and the ideographic space to a
#: space: what an ID number is read with (and what earlier versions folded text and names
#: with, ``old_folding``).
_FULLWIDTH_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# What text and names fold: the full-width ASCII block but ``KEPT_PUNCTUATION`` (full-width
# letters and digits, and the symbols ＃＄％＆＊＋－．／＜＝＞＠＼＾＿｀｜ that numbers, dates,
# codes and e-mail addresses are written with), and the ideographic space. Not full NFKC: it
# would also rewrite things clerks mean literally (①→1, ㎡→m2).
_FULLWIDTH = {cp: to for cp, to in _FULLWIDTH_ASCII.items() if chr(cp) not in KEPT_PUNCTUATION}
# The kept punctuation as it was folded before (``old_folding``).
_PUNCTUATION_ASCII = {ord(c): ord(c) - 0xFEE0 for c in KEPT_PUNCTUATION}
# Vertical tab / form feed are Word's manual line breaks: keep them as line breaks.
_LINEBREAKS = {0x0B: 0x0A, 0x0C: 0x0A}
# Other C0 controls and DEL are invisible debris from copy-paste; the BOM and zero-width space
# too (they make "张三" and "\u200b张三" two different people).
_DROP = re.compile("[\x01-\x08\x0e-\x1f\x7f\ufeff\u200b]")
_HSPACE = re.compile(r"[^\S\n]+")
_ASCII_LOWER = {cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)}


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    # Built on first use: importing the SDK should not pay for loading the dictionaries.
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified (OpenCC ``t2s``): "幹部" → "干部"."""
    if text.isascii():
        return text
    try:
        return _converter().convert(text)
    except UnicodeEncodeError:
        # Lone surrogates (e.g. from a JSON "\\ud800" escape) cannot reach OpenCC's C++ side.
        raise ValueError("含有无效的字符（孤立的代理码位），请检查文件编码后重新导出") from None


def _scalar_text(value: object) -> str:
    """The text of a non-string cell value, the way a clerk would read it on screen."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"无效的数值“{value}”")
        # Excel stores every number as a float; 12.0 is what the clerk typed as 12.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    kind = {list: "列表", tuple: "列表", dict: "对象"}.get(type(value), type(value).__name__)
    raise ValueError(f"应为文本，实为{kind}：请在这一格里只填写文字")


def clean_text(value: object) -> str | None:
    """Tidy a text cell; ``None`` for an empty one.

    Full-width letters, digits and symbols (ＡＢＣ１２３ ％－．／) become ASCII and U+3000 a
    space, but Chinese punctuation stays as written (``KEPT_PUNCTUATION``: ，：；（）！？ and the
    full-width quotes, brackets and ～, like 、。“”《》 outside that block); control characters are
    dropped; each line is stripped and its runs of whitespace become one space; blank lines go.
    Line breaks inside the value are kept (remarks and observations have paragraphs).
    Traditional characters become Simplified. A NUL character raises ``ValueError``.
    """
    if value is None:
        return None
    return _clean_str(value if isinstance(value, str) else _scalar_text(value))


# Clerks' columns repeat the same values (units, posts, ethnicities, dates) over and over:
# caching the pure string function makes a load several times cheaper per cell. A plain dict,
# emptied when full (memory stays bounded), so that a result can also be entered as its own.
_CLEAN_CACHE: dict[str, str | None] = {}
_CLEAN_CACHE_SIZE = 1 << 16
#: A character ``_FULLWIDTH`` folds (the kept punctuation is not one): searched in every text
#: cell a load meets (a character class: one test per character, however many it lists).
_WIDE = re.compile("[" + "".join(map(chr, sorted(_FULLWIDTH))) + "]")


def clean_name(value: object) -> str | None:
    """A name as written (a person's legal name, a unit's name): tidied as ``clean_text``
    tidies (spaces, full-width letters and digits, controls; Chinese punctuation kept: 玉树州
    农牧局（本级） stays with its （）) but never converted to Simplified: 於海燕 stays 於海燕.
    Matching and search compare ``to_simplified`` forms (``references.match_key``: NFKC, so
    （本级） and (本级) name the same unit)."""
    if value is None:
        return None
    return _tidy(value if isinstance(value, str) else _scalar_text(value)) or None


def _clean_str(text: str) -> str | None:
    """``clean_text`` of a string (cached)."""
    try:
        return _CLEAN_CACHE[text]
    except KeyError:
        pass
    tidy = _tidy(text)
    result = to_simplified(tidy) if tidy else None
    if len(_CLEAN_CACHE) >= _CLEAN_CACHE_SIZE:
        _CLEAN_CACHE.clear()
    _CLEAN_CACHE[text] = result
    if result is not None and result == tidy:
        # Tidying is idempotent and this text had nothing to simplify: cleaning the result
        # gives the result (the loader converts each value twice, as a record's __init__ did).
        _CLEAN_CACHE[result] = result
    return result


def old_folding(text: str) -> str:
    """``text`` with ``KEPT_PUNCTUATION`` folded to ASCII, as ``clean_text`` and ``clean_name`` of
    earlier versions stored it (“有误，按” was stored “有误,按”): a stored value equal to the
    ``old_folding`` of a new one is that value, stored by an older version."""
    return text.translate(_PUNCTUATION_ASCII)


def same_but_old_folding(stored: tuple, given: tuple) -> bool:
    """Whether a stored row (values in field order) differs from ``given``, the same row
    converted now, only by ``old_folding`` of its texts: the same row, loaded again."""
    return len(stored) == len(given) and all(
        was == now or (was.__class__ is str and now.__class__ is str and was == old_folding(now))
        for was, now in zip(stored, given))


def _tidy(text: str) -> str:
    """``clean_text`` before the Traditional->Simplified step: NUL rejected, line endings,
    full-width letters, digits and symbols, controls, spaces."""
    if text.isprintable() and "  " not in text and not _WIDE.search(text):
        # No control, line break, NUL, tab or non-ASCII space, no run of spaces, nothing
        # to fold: only the ends can change.
        return text.strip()
    return _tidy_all(text)


def names_as_written(texts: list[str], max_length: int) -> bool:
    """Whether ``clean_name`` gives each of these strings back unchanged and none is longer
    than ``max_length`` (a whole column of a batch at once; ``False`` says only that some may
    change or be refused: look at them one by one). None may hold NUL."""
    joined = "\x00".join(texts)
    return (all(texts) and max(map(len, texts)) <= max_length
            and joined.count("\x00") == len(texts) - 1 and "".join(texts).isprintable()
            # printable: the only space left is " ", and _tidy only strips the ends then
            # (Chinese punctuation is not folded: a name holding （） may be as written)
            and "  " not in joined and " \x00" not in joined and "\x00 " not in joined
            and joined[0] != " " and joined[-1] != " " and not _WIDE.search(joined))


def _tidy_all(text: str) -> str:
    """``_tidy`` step by step."""
    if "\x00" in text:
        raise ValueError("含有非法的空字符（NUL），文件可能已损坏，请重新导出或删除这一格后重新填写")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _WIDE.search(text):  # (translate walks a CJK text char by char: only when needed)
        text = text.translate(_FULLWIDTH)
    if "\x0b" in text or "\x0c" in text:
        text = text.translate(_LINEBREAKS)
    text = _DROP.sub("", text)
    if "\n" not in text:
        return _HSPACE.sub(" ", text).strip()
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _show(value: object) -> str:
    """The value as quoted in a message, shortened so a 10 MB cell cannot flood the report."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


# --- numbers and yes/no ----------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?", re.ASCII)
_FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_MAX_DIGITS = 30  # far beyond any count we store; stops int("9" * 10**6) from burning CPU


def to_int(value: object) -> int | None:
    """Parse an integer: 12, "12", "12.0", " 12 ", "１２", "1,200". Rejects "12.5" and "abc"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"应为整数，实为是/否值“{value}”：请填写数字，例如 12")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise ValueError(f"无法识别的整数“{_show(value)}”：应为整数，不能有小数，例如 12")
    text = clean_text(value)
    if text is None:
        return None
    compact = text.replace(" ", "")
    if len(compact) > _MAX_DIGITS:
        raise ValueError(f"无法识别的整数“{_show(text)}”：数字太长")
    if not _INT_RE.fullmatch(compact):
        if _FLOAT_RE.fullmatch(compact):
            raise ValueError(f"无法识别的整数“{_show(text)}”：应为整数，不能有小数，例如 12")
        raise ValueError(f"无法识别的整数“{_show(text)}”：请只填写数字，例如 12")
    return int(compact.split(".")[0].replace(",", ""))


def to_float(value: object) -> float | None:
    """Parse a number: 85, "85.5", "85.5分" (score), "15%" → 15.0 (the number as written)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"应为数字，实为是/否值“{value}”：请填写数字，例如 85.5")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = clean_text(value)
        if text is None:
            return None
        compact = text.replace(" ", "")
        if compact[-1:] in ("分", "%"):
            compact = compact[:-1]
        if len(compact) > _MAX_DIGITS or not _FLOAT_RE.fullmatch(compact):
            raise ValueError(f"无法识别的数字“{_show(text)}”：请只填写数字，例如 85.5、85.5分 或 15%")
        number = float(compact)
    if not math.isfinite(number):
        raise ValueError(f"无法识别的数字“{_show(value)}”：请填写一个有限的数字，例如 85.5")
    return number


_TRUE = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "对"})
_FALSE = frozenset({"否", "无", "n", "no", "false", "0", "×", "✗", "✘", "错"})


def to_bool(value: object) -> bool | None:
    """Parse yes/no: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/× (any letter case)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = clean_text(value)
    if text is None:
        return None
    key = text.replace(" ", "").lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"无法识别的是/否值“{_show(text)}”：请填写 是 或 否（也可写 有/无、√/×、Y/N）")


# --- dates -----------------------------------------------------------------------------------

_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII)
_FULL_DATE = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", re.ASCII),  # 1975-06-12, 1975/6/12, 1975.6.12
    re.compile(r"(\d{4})(年)(\d{1,2})月(\d{1,2})[日号]?", re.ASCII),  # 1975年6月12日
    re.compile(r"(\d{4})()(\d{2})(\d{2})", re.ASCII),  # 19750612
)
_YEAR_MONTH = (
    re.compile(r"(\d{4})[-/.](\d{1,2})", re.ASCII),  # 1975.06, 1975.6, 1975-06, 1975/06
    re.compile(r"(\d{4})年(\d{1,2})月?", re.ASCII),  # 1975年6月
    re.compile(r"(\d{4})(\d{2})", re.ASCII),  # 197506
)
_DATE_HINT = "请写作 1975-06-12、1975.06.12 或 1975年6月12日"
_MONTH_HINT = "请写作 1975.06、1975-06 或 1975年6月"
_EITHER_HINT = "请写作 1975-06-12 或 1975.06"


def _check_year(year: int, raw: str, what: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"无法识别的{what}“{raw}”：年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")


def _make_date(year: int, month: int, day: int, raw: str, what: str, hint: str) -> dt.date:
    _check_year(year, raw, what)
    if not 1 <= month <= 12:
        raise ValueError(f"无法识别的{what}“{raw}”：月份应为 1–12，{hint}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        raise ValueError(
            f"无法识别的{what}“{raw}”：{year}年{month}月只有{last}天，日应为 1–{last}"
        ) from None


@functools.lru_cache(maxsize=1 << 14)
def _parse_text_date(text: str, what: str, hint: str) -> tuple[int, int, int | None]:
    """(year, month, day or None) from a cleaned string; raises ValueError if it is neither."""
    raw = _show(text)
    compact = _TIME_SUFFIX.sub("", text).replace(" ", "")
    for pattern in _FULL_DATE:
        if m := pattern.fullmatch(compact):
            year, month, day = int(m[1]), int(m[3]), int(m[4])
            _make_date(year, month, day, raw, what, hint)
            return year, month, day
    for pattern in _YEAR_MONTH:
        if m := pattern.fullmatch(compact):
            year, month = int(m[1]), int(m[2])
            _check_year(year, raw, what)
            if not 1 <= month <= 12:
                raise ValueError(f"无法识别的{what}“{raw}”：月份应为 1–12，{hint}")
            return year, month, None
    if re.fullmatch(r"\d{4}年?", compact, re.ASCII):
        raise ValueError(f"{what}“{raw}”缺少月份：{_MONTH_HINT}")
    if re.fullmatch(r"\d{2}[-/.年]\d{1,2}.*", compact, re.ASCII):
        raise ValueError(f"无法识别的{what}“{raw}”：年份请写满4位，例如 1975.06")
    raise ValueError(f"无法识别的{what}“{raw}”：{hint}")


def _parse_number_date(value: int | float, what: str, hint: str) -> tuple[int, int, int | None]:
    """Numbers from .xlsx/JSON: 19750612, 197506, and the float 1975.06 (see ``to_month``)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"无法识别的{what}“{value}”：{hint}")
        if value.is_integer():
            return _parse_number_date(int(value), what, hint)
        whole, _, decimals = repr(value).partition(".")
        if len(decimals) == 1:
            # Excel turns a typed 1975.10 into the number 1975.1: January or October?
            raise ValueError(
                f"{what}“{value}”有歧义：Excel 把它存成了数字，无法分辨是 {whole}.0{decimals} "
                f"还是 {whole}.{decimals}0。请把这一列设为“文本”格式后重新填写（如 1975.01 或 1975.10）"
            )
        if len(decimals) == 2:
            return _parse_text_date(f"{whole}.{decimals}", what, hint)
        raise ValueError(f"无法识别的{what}“{value}”：{hint}")
    return _parse_text_date(str(value), what, hint)


def _parse_any(value: object, what: str, hint: str) -> tuple[int, int, int | None] | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        _check_year(value.year, str(value), what)
        return value.year, value.month, value.day
    if isinstance(value, bool):
        raise ValueError(f"无法识别的{what}“{value}”：{hint}")
    if isinstance(value, (int, float)):
        return _parse_number_date(value, what, hint)
    text = clean_text(value)
    if text is None:
        return None
    return _parse_text_date(text, what, hint)


_PLAIN_MONTHS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})", re.ASCII),  # 1975.06, 1975-6, 1975/06
    re.compile(r"(\d{4})年(\d{1,2})月?", re.ASCII),  # 1975年6月
)


def plain_month(text: str) -> str | None:
    """What ``to_month`` and ``to_date_or_month`` give for a string written plainly as a year
    and a month in range (1975.06, 1975-6, 1975/06, 1975年6月): 'YYYY-MM'; ``None`` for any
    other string (ask them: they convert or explain it). A column's fast path."""
    for pattern in _PLAIN_MONTHS:
        m = pattern.fullmatch(text)
        if m is not None:
            year, month = int(m[1]), int(m[2])
            if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
            return None
    return None


_PLAIN_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)", re.ASCII)


def plain_date(text: str) -> str | None:
    """What ``to_date`` and ``to_date_or_month`` give for a string written as an ISO date
    that exists (1975-06-12): the string itself; ``None`` for any other string (ask them:
    they convert or explain it). A column's fast path."""
    m = _PLAIN_DATE.fullmatch(text)
    if m is None:
        return None
    year, month_day = int(m[1]), m[2] + m[3]
    if not (MIN_YEAR <= year <= MAX_YEAR and month_day in _MONTH_DAYS) or \
            month_day == "0229" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None
    return text


_DOTTED_DATE = re.compile(r"\d{4}([./])\d\d\1\d\d", re.ASCII)


def plain_written_date(text: str) -> str | None:
    """What ``to_date`` and ``to_date_or_month`` give for a string written as a date that
    exists with a four-digit year and two-digit month and day, separated by ``-``, ``.`` or
    ``/`` (1975-06-12, 1975.06.12, 1975/06/12): the ISO date; ``None`` for any other string
    (ask them: they convert or explain it). A column's fast path for dates clerks write
    with dots or slashes."""
    if _DOTTED_DATE.fullmatch(text) is None:
        return plain_date(text)
    return plain_date(f"{text[:4]}-{text[5:7]}-{text[8:]}")


def to_date(value: object) -> str | None:
    """Parse a full date to ISO 'YYYY-MM-DD'.

    Accepts 1975-06-12, 1975/6/12, 1975.6.12, 1975年6月12日, 19750612, full-width digits, a
    trailing time of day (dropped), and ``date``/``datetime`` objects. Excel serial numbers are
    not accepted (the .xlsx reader already gives ``datetime``). Years outside 1900–2100 and
    impossible days (1975-02-30) are rejected.
    """
    parsed = _parse_any(value, "日期", _DATE_HINT)
    if parsed is None:
        return None
    year, month, day = parsed
    if day is None:
        raise ValueError(f"日期“{_show(value)}”缺少日：请写完整日期，例如 1975-06-12")
    return f"{year:04d}-{month:02d}-{day:02d}"


def to_month(value: object) -> str | None:
    """Parse a year and month (出生年月, 任职时间) to 'YYYY-MM'; a day, if given, is dropped.

    Accepts 1975.06, 1975.6, 1975-06, 1975/06, 1975年6月, 197506, full dates and ``date``
    objects. As text, ``1975.1`` is January and ``1975.10`` October: that is how clerks write
    them. A float from Excel is different: 1975.10 typed into a number cell is stored as 1975.1,
    so a float with one decimal digit is rejected as ambiguous (the message asks for a text
    cell); floats with two decimals (1975.06, 1975.12) are read as month numbers.
    """
    parsed = _parse_any(value, "年月", _MONTH_HINT)
    if parsed is None:
        return None
    return f"{parsed[0]:04d}-{parsed[1]:02d}"


def to_date_or_month(value: object) -> str | None:
    """Like ``to_date`` or ``to_month``, keeping the precision given: 'YYYY-MM' or 'YYYY-MM-DD'."""
    parsed = _parse_any(value, "日期", _EITHER_HINT)
    if parsed is None:
        return None
    year, month, day = parsed
    return f"{year:04d}-{month:02d}" if day is None else f"{year:04d}-{month:02d}-{day:02d}"


def to_year(value: object, *, minimum: int = MIN_YEAR, maximum: int = MAX_YEAR) -> int | None:
    """Parse a year: 2024, "2024", "2024年", "２０２４" (``minimum``–``maximum``, by default
    1900–2100; record fields of kind ``year`` pass their own, narrower range)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"无法识别的年份“{value}”：请写作 4 位数字，例如 2024")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        year, raw = value, str(value)
    else:
        text = clean_text(value)
        if text is None:
            return None
        raw = _show(text)
        m = re.fullmatch(r"(\d{4})\s*年?", text, re.ASCII)
        if not m:
            raise ValueError(f"无法识别的年份“{raw}”：请写作 4 位数字，例如 2024")
        year = int(m[1])
    if not minimum <= year <= maximum:
        raise ValueError(f"无法识别的年份“{raw}”：年份应在 {minimum}–{maximum} 之间")
    return year


# --- ID numbers (GB 11643, 公民身份号码) -------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # indexed by (weighted sum mod 11), ISO 7064 MOD 11-2


# Each weight is 2**(18 - position) mod 11 (the "MOD 11-2"), and 13 = 2 (mod 11): the weighted
# sum of the 17 digits is, mod 11, twice the digits read as a base-13 number (``int`` in C).
assert all(w == 2 ** (17 - i) % 11 for i, w in enumerate(_ID_WEIGHTS))
#: Month and day of every date of a leap year, "MMDD" (0229 in a leap year only).
_MONTH_DAYS = frozenset(f"{m:02d}{d:02d}" for m, n in enumerate(
    (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1) for d in range(1, n + 1))
_ID_SHAPE = re.compile(r"\d{17}[\dX]", re.ASCII)
_SPACES = re.compile(r"\s+")


def _id_check_char(first17: str) -> str:
    """The check character of 17 ASCII digits (GB 11643): the weighted sum mod 11, indexed
    into ``_ID_CHECK``."""
    return _ID_CHECK[2 * int(first17, 13) % 11]


def check_id_number(value: object) -> str:
    """Validate a resident ID number; return it as 18 upper-case characters.

    Spaces are removed, full-width characters and a lower-case ``x`` accepted, and so are
    the marks that keep a spreadsheet from reading it as a number (a leading apostrophe, a
    text formula ``="…"``). Raises
    ``ValueError`` for a wrong length, bad characters, an impossible birth date inside the
    number, or a wrong check character (the message says which one was expected).
    """
    if value is None:
        raise ValueError("身份证号为空：请填写18位身份证号")
    if isinstance(value, bool) or isinstance(value, float):
        # An 18-digit number does not fit a float: Excel has already rounded the last digits.
        raise ValueError(
            "身份证号被存成了数字，末几位已丢失：请把这一列设为“文本”格式后重新录入身份证号"
        )
    return _check_id_text(value if isinstance(value, str) else _scalar_text(value))


def _text_marks_removed(text: str) -> str:
    """An ID number without the marks that keep Excel from turning it into a number, as
    exported files carry them: a leading apostrophe ('632…) or a text formula (="632…")."""
    if len(text) > 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    if text[:1] in ("'", "\u2018", "\u2019"):
        return text[1:]
    return text


# A cadre's ID number is checked by the converter and again by rules (birth, gender): cached.
@functools.lru_cache(maxsize=4096)
def _check_id_text(text: str) -> str:
    """``check_id_number`` of a string (cached)."""
    if text.isascii() and text.isalnum():  # nothing full-width, no spaces: as typed
        number = text.upper()
    else:
        number = _text_marks_removed(_SPACES.sub("", text.translate(_FULLWIDTH_ASCII))).upper()
    if not _ID_SHAPE.fullmatch(number):  # else: 17 digits and a digit or X, nothing to say
        if not number:
            raise ValueError("身份证号为空：请填写18位身份证号")
        if len(number) != 18:
            old = "（这是旧的15位号码，请换成18位号码）" if len(number) == 15 and number.isdigit() else ""
            raise ValueError(f"身份证号应为18位，实为{len(number)}位{old}")
        for pos, char in enumerate(number, 1):
            if not ("0" <= char <= "9" or (pos == 18 and char == "X")):
                raise ValueError(
                    f"身份证号第{pos}位含有非法字符“{char}”：前17位只能是数字，最后一位是数字或 X"
                )
    year, month_day = int(number[6:10]), number[10:14]
    if not (MIN_YEAR <= year <= MAX_YEAR and month_day in _MONTH_DAYS) or \
            month_day == "0229" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        raise ValueError(f"身份证号中的出生日期“{number[6:14]}”不存在：请核对第7–14位")
    expected = _id_check_char(number[:17])
    if number[17] != expected:
        raise ValueError(
            f"身份证号校验位错误：应为 {expected}，实为 {number[17]}（请核对号码是否抄错）"
        )
    return number


_ID_SHAPES = re.compile(r"(?:\d{17}[\dX]\x00)*+\d{17}[\dX]", re.ASCII)


def id_numbers_as_written(texts: list[str]) -> bool:
    """Whether ``check_id_number`` accepts each of these strings and gives it back unchanged
    (a whole column of a batch at once; ``False`` says only that some may change or be
    refused: look at them one by one)."""
    global _last_accepted
    if not texts:
        return False
    joined = "\x00".join(texts)
    if joined == _last_accepted:  # (the same column again: the loader asks twice a batch)
        return True
    if not _ID_SHAPES.fullmatch(joined):
        return False
    # Each is 17 ASCII digits and a digit or X (the shape): what ``_check_id_text`` checks
    # beyond it, the birth date and the check character, inline.
    check = _ID_CHECK
    month_days = [text[10:14] for text in texts]
    if not _MONTH_DAYS.issuperset(month_days) or \
            [text[17] for text in texts] != [check[2 * int(text[:17], 13) % 11]
                                              for text in texts]:
        return False
    years = [int(text[6:10]) for text in texts]
    if min(years) < MIN_YEAR or max(years) > MAX_YEAR:
        return False
    if "0229" in month_days and not all(
            year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            for year, month_day in zip(years, month_days) if month_day == "0229"):
        return False
    _last_accepted = joined
    return True


_last_accepted: str | None = None


def id_number_birth_gender(value: object) -> tuple[str, str]:
    """The birth month ('YYYY-MM') and gender ('男'/'女') inside a valid ID number: what
    ``id_number_birth`` (its month) and ``id_number_gender`` give, with one check."""
    number = check_id_number(value)
    return f"{number[6:10]}-{number[10:12]}", "男" if number[16] in "13579" else "女"


def id_number_birth(value: object) -> str:
    """The birth date inside a valid ID number, as 'YYYY-MM-DD'."""
    number = check_id_number(value)
    return f"{number[6:10]}-{number[10:12]}-{number[12:14]}"


def id_number_gender(value: object) -> str:
    """'男' or '女' from a valid ID number (the 17th digit is odd for men)."""
    return "男" if int(check_id_number(value)[16]) % 2 else "女"


def make_id_number(region6: str, birth: dt.date, seq: int, male: bool) -> str:
    """Build a valid ID number (for the demo generator and tests).

    ``seq`` (0–499) numbers the people of one sex born on one day in one region; the 3-digit
    order code is ``2*seq + 1`` for men (odd) and ``2*seq`` for women (even).
    """
    if not re.fullmatch(r"\d{6}", region6, re.ASCII):
        raise ValueError(f"地区代码“{_show(region6)}”应为6位数字，例如 630102")
    if not isinstance(birth, dt.date) or not MIN_YEAR <= birth.year <= MAX_YEAR:
        raise ValueError(f"出生日期“{birth}”应为 {MIN_YEAR}–{MAX_YEAR} 年间的日期")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= 499:
        raise ValueError(f"顺序号“{seq}”应为 0–499 的整数")
    first17 = f"{region6}{birth:%Y%m%d}{2 * seq + (1 if male else 0):03d}"
    return first17 + _id_check_char(first17)


# --- headers ---------------------------------------------------------------------------------

_OPEN_TO_CLOSE = {"(": ")", "[": "]", "【": "】", "〔": "〕"}
_CLOSERS = frozenset(_OPEN_TO_CLOSE.values())


def _drop_trailing_hint(text: str) -> str:
    """"出生年月(格式:1975.06)" → "出生年月"; nested brackets are matched; "(备注)" alone is kept."""
    if not text or text[-1] not in _CLOSERS:
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        char = text[i]
        if char in _CLOSERS:
            depth += 1
        elif char in _OPEN_TO_CLOSE:
            depth -= 1
            if depth == 0:
                return text[:i] if text[:i].strip() else text
    return text


def normalize_header(text: object) -> str:
    """The canonical form of a column header, for matching headers to fields.

    NFKC, Traditional → Simplified, required-column markers ``*``/``＊`` dropped at either end,
    a trailing bracketed hint dropped ("出生年月（格式：1975.06）" → "出生年月"), all whitespace
    removed, ASCII letters lower-cased.
    """
    if text is None:
        return ""
    return _normalized_header(text if text.__class__ is str else str(text))


@functools.lru_cache(maxsize=4096)
def _normalized_header(text: str) -> str:
    """``normalize_header`` of a text (each load matches the same few headers again)."""
    result = to_simplified(unicodedata.normalize("NFKC", text))
    previous = None
    while result != previous:  # "*姓名（必填）*": peel markers and hints until nothing changes
        previous = result
        result = _drop_trailing_hint(result.strip().strip("*").strip())
    return re.sub(r"\s+", "", result).translate(_ASCII_LOWER)
