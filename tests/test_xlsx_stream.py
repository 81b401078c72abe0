"""The streaming reader of large sheets (``xlsx_stream``) gives the rows openpyxl's read-only
mode gives: on workbooks openpyxl writes (hypothesis), and on a sheet written by hand with what
other writers put in one (shared and rich-text strings, errors, formulas' cached values, ISO
dates, numbers beyond a float, missing and out-of-order rows, cells without references, a
namespace prefix). It reads the sheet's XML piece by piece, not whole."""
from __future__ import annotations

import datetime
import io
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest import read_xlsx
from cadre_sdk.ingest.readers import iter_rows
from cadre_sdk.ingest.xlsx_stream import open_rows, read_shared_strings, stream_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_rows(path: Path) -> list:
    """The rows as openpyxl's own read-only reader gives them (the reference)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of a date serial out of range
            return list(ws.iter_rows(values_only=True))
    finally:
        wb.close()


def streamed_rows(path: Path) -> list:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows, close = open_rows(wb.worksheets[0])
        try:
            return list(rows)
        finally:
            close()
    finally:
        wb.close()


TEXT = st.text(alphabet=st.sampled_from("张三李四於海燕 abc12.-&<>\"'（）\n"), min_size=1, max_size=8)
CELLS = st.one_of(
    st.none(), TEXT, st.booleans(),
    st.integers(-(10 ** 15), 10 ** 15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.dates(datetime.date(1900, 3, 1), datetime.date(2030, 12, 31)).map(
        lambda d: datetime.datetime(d.year, d.month, d.day)),
    st.datetimes(datetime.datetime(1950, 1, 1), datetime.datetime(2030, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
    st.sampled_from(["=1+1", "=A1"]),  # formulas saved by openpyxl carry no value
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, max_size=6), min_size=1, max_size=8),
       top=st.integers(0, 3), left=st.integers(0, 3), write_only=st.booleans())
def test_streamed_rows_equal_openpyxl_rows(tmp_path, rows, top, left, write_only):
    wb = openpyxl.Workbook(write_only=write_only)
    if write_only:
        ws = wb.create_sheet("名册")
        for _ in range(top):
            ws.append([])
        for cells in rows:
            ws.append([None] * left + cells)
    else:
        ws = wb.active
        for r, cells in enumerate(rows, 1):
            for c, value in enumerate(cells, 1):
                if value is not None:
                    ws.cell(r + top, c + left, value)
    wb.save(tmp_path / "a.xlsx")
    assert streamed_rows(tmp_path / "a.xlsx") == openpyxl_rows(tmp_path / "a.xlsx")


SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><dimension ref="A1:B2"/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c>\
<c r="C1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><r><rPr><b/></rPr><t>备</t></r>\
<r><t xml:space="preserve">注 </t></r></is></c></row>
<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>632701199409070050</v></c>\
<c r="C2" s="1"><v>27546</v></c><c r="D2" t="e"><f>NA()</f><v>#N/A</v></c></row>
<row r="3"><c r="A3" t="str"><f>A2&amp;"!"</f><v>张三&amp;李四</v></c><c r="B3"><f>1+1</f><v>2</v></c>\
<c r="C3" t="b"><v>1</v></c><c r="D3" t="d"><v>2023-05-12T00:00:00</v></c><c r="F3"><v>1.5</v></c></row>
<row r="5"/>
<row><c t="inlineStr"><is><t>a</t></is></c><c><v>3</v></c><c r="E6"><v></v></c></row>
<row r="7"><c r="B7" t="inlineStr"/><c r="A7"><v>1e3</v></c></row>
<row r="8"><c r="A8" t="inlineStr"><is><t>前<x/>后</t></is></c><c r="C8" s="2"><v>0.5</v></c>\
<c r="D8" t="inlineStr"><is><t/></is></c></row>
<row r="3"><c r="A3"><v>99</v></c></row>
<row r="10"><c r="A10" s="1"><v>3000000</v></c>\
<c r="B10" t="inlineStr"><v>不读</v><is><t>读</t></is></c></row>
<row r="11.0"><c r="c11"><v>7</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A12:B12"/></mergeCells></worksheet>"""

STRINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>姓名</t></si>\
<si><r><t>出生</t></r><r><rPr><b/></rPr><t>年月</t></r><rPh sb="0" eb="1"><t>ふり</t></rPh></si>\
<si><t>a_x005F_b</t></si></sst>"""

# Worked out by hand from the XML above: the shared strings' runs joined (the phonetic run
# left out, openpyxl drops "x005F_"), 27546 days after 1899-12-30 is 1975-06-01, style 2 is a
# duration, row 4 is missing ([]), row 5 is empty (()), row 6's cells count from A, row 7 is as
# long as its last cell (A7), the second row 3 is skipped, 3000000 is beyond the dates.
EXPECTED = [
    ("姓名", "身份证号", "出生年月", "备注 "),
    ("a_b", 632701199409070050, datetime.datetime(1975, 6, 1), "#N/A"),
    ("张三&李四", 2, True, datetime.datetime(2023, 5, 12), None, 1.5),
    [],
    (),
    ("a", 3, None, None, None),
    (1000.0,),
    ("前", None, datetime.timedelta(hours=12), ""),
    [],
    ("#VALUE!", "读"),
    (None, None, 7),
]


def handwritten(tmp_path: Path, prefixed: bool) -> Path:
    """An openpyxl workbook (its styles: 1 a date, 2 a duration) with the sheet above and a
    shared-strings part put in, optionally with every element named ``x:…``."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = datetime.datetime(1975, 6, 1)
    wb.active["B1"] = datetime.timedelta(hours=1)
    wb.save(tmp_path / "styles.xlsx")
    sheet = SHEET
    if prefixed:
        sheet = re.sub(r"<(/?)(?![?!])", r"<\1x:", sheet).replace(f'xmlns="{MAIN}"',
                                                                  f'xmlns:x="{MAIN}"')
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(tmp_path / "styles.xlsx") as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>"))
            out.writestr(item, data)
        out.writestr("xl/sharedStrings.xml", STRINGS)
    return path


@pytest.mark.parametrize("prefixed", [False, True])
def test_a_sheet_other_writers_save_streams_as_openpyxl_reads_it(tmp_path, prefixed):
    path = handwritten(tmp_path, prefixed)
    assert openpyxl_rows(path) == EXPECTED
    assert streamed_rows(path) == EXPECTED


def test_the_loader_reads_such_a_sheet_through_the_stream(tmp_path):
    path = handwritten(tmp_path, False)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/worksheets/sheet1.xml").count(b"<c ") > 0
    assert read_xlsx._open_calamine(path, "a.xlsx", None) is None  # an 18-digit number
    values = [(r.line, r.values) for r in iter_rows(path)]
    header = ["姓名", "身份证号", "出生年月", "备注 "]  # the header keeps its spaces
    assert values[0] == (2, dict(zip(header, ("a_b", 632701199409070050,
                                             datetime.datetime(1975, 6, 1), "#N/A"))))
    assert [line for line, _ in values] == [2, 3, 6, 7, 8, 10, 11]


class CountingReader(io.BytesIO):
    """Bytes that count how far they have been read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_rows_come_before_the_sheet_is_read_whole():
    row = "".join(f'<c r="{col}{{n}}" t="inlineStr"><is><t>{col}{{n}}</t></is></c>'
                  for col in "ABCDEFGHIJKLM")
    body = "".join(f'<row r="{n}">{row.format(n=n)}</row>' for n in range(1, 20001))
    xml = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()
    source = CountingReader(xml)
    rows = stream_rows(source, [], datetime.datetime(1899, 12, 30), set(), set())
    assert next(rows)[:2] == ("A1", "B1")
    assert source.taken <= 1 << 17 < len(xml) // 50
    assert sum(1 for _ in rows) == 19999
    assert source.taken == len(xml)


@pytest.mark.parametrize("ref", ["A", "1A", "A1B"])
def test_a_cell_reference_openpyxl_rejects_is_rejected(tmp_path, ref):
    """(``A2`` is met first: its letters are then known, and ``A`` must not pass for them.)"""
    wb = openpyxl.Workbook()
    wb.active.append(["姓名"])
    wb.active.append(["张三"])
    wb.save(tmp_path / "a.xlsx")
    old = b'<c r="A2" t="inlineStr"><is><t>\xe5\xbc\xa0\xe4\xb8\x89</t></is></c>'
    new = old + f'<c r="{ref}"><v>1</v></c>'.encode()
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(tmp_path / "a.xlsx") as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            out.writestr(item, data)
    with pytest.raises(ValueError):
        openpyxl_rows(path)
    with pytest.raises(ValueError):
        streamed_rows(path)
    with pytest.raises(ReadError, match="第2行附近无法读取"):  # the row the cell is in
        list(iter_rows(path))


PIECE = st.text(alphabet=st.sampled_from("张三a_x005F b&<>\"' \n"), max_size=6)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


RUN = st.tuples(st.booleans(), st.one_of(st.none(), PIECE)).map(
    lambda r: "<r>" + ("<rPr><b/></rPr>" if r[0] else "")
    + ("" if r[1] is None else f"<t xml:space=\"preserve\">{_escaped(r[1])}</t>") + "</r>")
SI = st.tuples(
    st.one_of(st.none(), PIECE), st.lists(RUN, max_size=3), st.booleans(), st.booleans(),
).map(lambda s: "<si>" + ("" if s[0] is None else f"<t>{_escaped(s[0])}</t>")
      + "".join(s[1]) + ('<rPh sb="0" eb="1"><t>ふり</t></rPh>' if s[2] else "")
      + ("<t>末<x/>尾</t>" if s[3] else "") + "</si>")


@settings(max_examples=200, deadline=None)
@given(items=st.lists(SI, max_size=8))
def test_shared_strings_read_as_openpyxl_reads_them(items):
    from openpyxl.reader.strings import read_string_table

    xml = f'<sst xmlns="{MAIN}" count="{len(items)}">{"".join(items)}</sst>'.encode()
    assert read_shared_strings(io.BytesIO(xml)) == list(read_string_table(io.BytesIO(xml)))


def test_shared_strings_by_hand():
    xml = STRINGS.encode()
    assert read_shared_strings(io.BytesIO(xml)) == ["姓名", "出生年月", "a_b"]
