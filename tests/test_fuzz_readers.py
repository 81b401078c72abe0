"""Property tests: whatever a clerk's file holds, the normalizers answer or raise ``ValueError``,
and the readers yield rows or raise ``ReadError``; no other exception escapes."""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cadre_sdk.core import normalize
from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest import big5_gbk
from cadre_sdk.ingest.readers import decode_bytes, iter_rows, read_header

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NORMALIZERS = [
    normalize.clean_text,
    normalize.to_int,
    normalize.to_float,
    normalize.to_bool,
    normalize.to_date,
    normalize.to_month,
    normalize.to_date_or_month,
    normalize.to_year,
    normalize.check_id_number,
    normalize.id_number_birth,
    normalize.id_number_gender,
    normalize.normalize_header,
]

# What readers hand to normalizers: text, numbers, dates, None, and JSON containers.
cell_values = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９.-/年月日号 XxＸ分%％是否", max_size=20),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@SETTINGS
@given(value=cell_values)
@example(value="\x00")
@example(value="\ud800")
@example(value=1975.1)
@example(value=float("inf"))
@example(value="9" * 5000)
def test_normalizers_return_or_raise_value_error(value: object) -> None:
    for fn in NORMALIZERS:
        try:
            fn(value)
        except ValueError as e:
            assert str(e), fn.__name__  # a message for the clerk, never empty


@SETTINGS
@given(text=st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    try:
        once = normalize.clean_text(text)
    except ValueError:
        return
    assert normalize.clean_text(once) == once


@SETTINGS
@given(
    region=st.from_regex(r"\A[1-8][0-9]{5}\Z"),
    birth=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    seq=st.integers(0, 499),
    male=st.booleans(),
)
def test_made_id_numbers_check_out(region: str, birth: dt.date, seq: int, male: bool) -> None:
    number = normalize.make_id_number(region, birth, seq, male)
    assert normalize.check_id_number(number.lower()) == number
    assert normalize.id_number_birth(number) == birth.isoformat()
    assert normalize.id_number_gender(number) == ("男" if male else "女")


@SETTINGS
@given(number=st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))
def test_one_check_character_in_eleven_passes(number: str) -> None:
    # Changing the check character of a valid number always breaks it.
    try:
        valid = normalize.check_id_number(number)
    except ValueError:
        return
    for other in "0123456789X":
        if other != valid[17]:
            try:
                normalize.check_id_number(valid[:17] + other)
            except ValueError as e:
                assert f"应为 {valid[17]}，实为 {other}" in str(e)
            else:
                raise AssertionError(f"{valid[:17] + other} accepted")


# --- readers ----------------------------------------------------------------------------------


@SETTINGS
@given(data=st.binary(max_size=400))
@example(data=b"\xef\xbb\xbf\xff")
@example(data=b"\xff\xfe\x00")
@example(data="张".encode("utf-8") + b"\n" + "张".encode("gbk"))
def test_decode_bytes_returns_text_or_raises_read_error(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data, "x.csv")
    except ReadError as e:
        assert "x.csv" in str(e)
        return
    assert isinstance(text, str) and encoding in ("utf-8", "utf-8-sig", "gb18030", "cp950", "utf-16")


# Bytes that look like what the readers meet: fragments of delimited text, quotes, JSON
# punctuation, Chinese in two encodings, BOMs and NULs.
fragments = st.sampled_from(
    [b",", b"\t", b"\n", b"\r\n", b"\r", b'"', b'""', b"{", b"}", b"[", b"]", b":", b" ",
     b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", "姓名".encode(), "张三".encode("gbk"), b"\xff",
     b'"a"', b"1975.06", b"null", b"true", b"PK\x03\x04"]
)  # fmt: skip
file_bytes = st.one_of(st.binary(max_size=300), st.lists(fragments, max_size=40).map(b"".join))


@SETTINGS
@given(data=file_bytes, suffix=st.sampled_from([".csv", ".tsv", ".txt", ".json", ".ndjson", ".xlsx"]))
def test_iter_rows_yields_rows_or_raises_read_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        try:
            for row in iter_rows(path, display_name="f"):
                assert row.file == "f" and row.line >= 1 and isinstance(row.values, dict)
        except ReadError as e:
            assert str(e).startswith("f")
        try:
            assert isinstance(read_header(path, display_name="f"), list)
        except ReadError:
            pass


# --- round trip: what Excel or csv.writer writes, we read back --------------------------------

cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
header_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=","),
    min_size=1,
    max_size=6,
)


@SETTINGS
@given(
    header=st.lists(header_text, min_size=1, max_size=4),
    body=st.lists(st.lists(cell_text, min_size=4, max_size=4), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_round_trip(header: list[str], body: list[list[str]], encoding: str) -> None:
    keys = [normalize.normalize_header(h) for h in header]
    assume(all(keys) and len(set(keys)) == len(keys))
    body = [row[: len(header)] for row in body]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(body)
    expected = [dict(zip(header, row)) for row in body if any(c.strip() for c in row)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        data = buf.getvalue().encode(encoding)
        path.write_bytes(data)
        if encoding == "utf-8" and big5_gbk.TWO_BYTE_UTF8.search(buf.getvalue()):
            # Without a BOM, two-byte UTF-8 characters can be GBK or Big5 bytes (UTF-8 Ԭƽ is
            # GBK 袁平): read as written, or refused with both readings shown, or read as GBK
            # (Big5) when that reading is by far a clerk's Chinese.
            try:
                rows = [row.values for row in iter_rows(path)]
            except ReadError as error:  # UTF-8 or GBK, or GBK or Big5, with both readings
                assert "无法确定文件的编码" in str(error) and "两种读法都说得通" in str(error)
                return
            assert rows == expected or decode_bytes(data, "f.csv")[1] in ("gb18030", "cp950")
            return
        assert [row.values for row in iter_rows(path)] == expected


hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
#: The 6,763 common characters of GB2312 (rows 0xB0-0xF7), the ones clerks' names and units use.
common_hanzi = st.tuples(st.integers(0xB0, 0xF7), st.integers(0xA1, 0xFE)).map(
    lambda rc: bytes(rc).decode("gb2312", errors="replace")).filter(lambda c: "\ufffd" not in c)


def _gbk_csv(body: list[list[str]], path: Path) -> list[dict[str, str]]:
    """Write ``body`` under 姓名,单位 as a GBK CSV; the rows it should read back."""
    for row in body:
        for cell in row:
            try:
                cell.encode("gbk")
            except UnicodeEncodeError:
                assume(False)  # a few CJK code points are outside GBK
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["姓名", "单位"])
    writer.writerows(body)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return [dict(zip(["姓名", "单位"], row)) for row in body if any(c.strip() for c in row)]


def _cells(chars: st.SearchStrategy[str]) -> st.SearchStrategy[list[list[str]]]:
    return st.lists(st.lists(st.text(st.one_of(chars, st.sampled_from('abc123 ,"\n')), max_size=8),
                             min_size=2, max_size=2), max_size=8)


@SETTINGS
@given(body=_cells(common_hanzi))
def test_gbk_of_common_characters_round_trips(body: list[list[str]]) -> None:
    # GBK lines that happen to be valid UTF-8 (or Big5) must not be taken for a mixed file.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        expected = _gbk_csv(body, path)
        assert [row.values for row in iter_rows(path)] == expected


@SETTINGS
@given(body=_cells(hanzi))
@example(body=[["", "乕"], ["竉", "竉"]])   # 竉 reads as Big5 beside a GBK-only line: a mix
def test_gbk_of_any_characters_is_read_as_written_or_refused(body: list[list[str]]) -> None:
    # Rare characters (outside GB2312) can make a line read as plausibly Big5 as GBK: such a
    # file is refused, naming Big5 (never read as something the clerk did not write).
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        expected = _gbk_csv(body, path)
        try:
            rows = [row.values for row in iter_rows(path)]
        except ReadError as error:
            assert "Big5" in str(error) and "另存为" in str(error), str(error)
            assert any(not c.isascii() and not _in_gb2312(c)
                       for row in body for cell in row for c in cell)
            return
        assert rows == expected


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
