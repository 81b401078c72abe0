"""The two .xlsx cell readers agree: calamine (the fast one) gives every row, row number and
value that openpyxl gives, and the sheets calamine would read otherwise are opened by openpyxl
and streamed (``xlsx_stream``, tested in test_xlsx_stream.py)."""
from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadre_sdk.ingest import read_xlsx
from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.readers import iter_rows, read_header
from cadre_sdk.ingest.xlsx_package import scan_sheet

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

TEXT = st.text(alphabet=st.sampled_from("张三李四於海燕蕭瀋abc 12.-（）"), min_size=1, max_size=8) \
    .filter(lambda t: t.strip() == t)  # Excel keeps edge spaces with xml:space; see below
CELLS = st.one_of(
    st.none(), TEXT, st.booleans(),
    st.integers(-(10 ** 15), 10 ** 15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.dates(datetime.date(1950, 1, 1), datetime.date(2030, 12, 31)).map(
        lambda d: datetime.datetime(d.year, d.month, d.day)),
    st.datetimes(datetime.datetime(1950, 1, 1), datetime.datetime(2030, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
)


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    """(rows through calamine, rows through openpyxl), each as (line, values) or the error."""
    def read() -> list | str:
        try:
            return [(r.line, r.values) for r in iter_rows(path)]
        except ReadError as exc:
            return str(exc)
    fast = read()
    with monkeypatch.context() as m:
        m.setattr(read_xlsx, "_open_calamine", lambda *a: None)
        slow = read()
    return fast, slow


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, max_size=6), min_size=1, max_size=8),
       top=st.integers(0, 3), left=st.integers(0, 3))
def test_calamine_rows_equal_openpyxl_rows(tmp_path, monkeypatch, rows, top, left):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "出生年月", "职务"][:max(1, len(rows[0]))])  # a header, never blank
    for r, cells in enumerate(rows, 2):
        for c, value in enumerate(cells, 1):
            if value is not None:
                ws.cell(r + top, c + left, value)
    wb.save(tmp_path / "a.xlsx")
    fast, slow = both_ways(tmp_path / "a.xlsx", monkeypatch)
    assert fast == slow


def test_calamine_rows_keep_their_sheet_positions(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A3"], ws["B3"] = "姓名", "性别"   # calamine starts at the first used row and column
    ws["A5"], ws["B5"] = "张三", "男"
    ws["B6"] = 1975
    ws["A7"] = datetime.datetime(1975, 6, 1)
    ws["A7"].number_format = 'yyyy"年"m"月"'
    wb.save(tmp_path / "a.xlsx")
    fast, slow = both_ways(tmp_path / "a.xlsx", monkeypatch)
    assert fast == slow == [
        (5, {"姓名": "张三", "性别": "男"}),
        (6, {"姓名": None, "性别": 1975}),
        (7, {"姓名": datetime.datetime(1975, 6, 1), "性别": None}),
    ]
    assert read_header(tmp_path / "a.xlsx") == ["姓名", "性别"]
    assert read_xlsx._open_calamine(tmp_path / "a.xlsx", "a.xlsx", None) is not None


def patched(path: Path, old: bytes, new: bytes) -> Path:
    """A copy of the workbook with its sheet's XML edited, as another writer would save it."""
    out_path = path.with_name("b.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out_path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            out.writestr(item, data)
    return out_path


@pytest.mark.parametrize("value, old, new, shown", [
    # an error value, as Excel saves it (calamine reads it as empty)
    ("=NA()", b'<c r="B2"><f>NA()</f><v /></c>', b'<c r="B2" t="e"><f>NA()</f><v>#N/A</v></c>',
     "#N/A"),
    # 18 digits saved as an exact number by some program (beyond what a float holds)
    (632701199409070050, b"<v>6.327011994090701e+17</v>", b"<v>632701199409070050</v>",
     632701199409070050),
])
def test_cells_calamine_reads_otherwise_go_to_openpyxl(tmp_path, value, old, new, shown):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    ws.append(["张三", value])
    wb.save(tmp_path / "a.xlsx")
    path = patched(tmp_path / "a.xlsx", old, new)
    scan = scan_sheet(path, "Sheet")
    assert scan is not None and scan.exact_only and not scan.uncached
    assert read_xlsx._open_calamine(path, "a.xlsx", None) is None
    assert [r.values for r in iter_rows(path)] == [{"姓名": "张三", "身份证号": shown}]


def test_a_plain_sheet_is_read_by_calamine(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名"])
    wb.active.append(["张三"])
    wb.save(tmp_path / "a.xlsx")
    sheet = read_xlsx._open_calamine(tmp_path / "a.xlsx", "a.xlsx", None)
    assert sheet is not None
    try:
        assert [list(r) for r in sheet.rows] == [["姓名"], ["张三"]]
    finally:
        sheet.close()


def test_a_sheet_too_large_for_memory_is_streamed(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名"])
    wb.active.append(["张三"])
    wb.save(tmp_path / "a.xlsx")
    monkeypatch.setattr(read_xlsx, "CALAMINE_MAX_BYTES", 10)
    assert read_xlsx._open_calamine(tmp_path / "a.xlsx", "a.xlsx", None) is None
    assert [r.values for r in iter_rows(tmp_path / "a.xlsx")] == [{"姓名": "张三"}]
