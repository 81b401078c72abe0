"""``cadre_sdk.ingest.readers`` over real bytes in real files: encodings, CSV edge cases, Excel, JSON."""
from __future__ import annotations

import datetime as dt
import json
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.readers import (
    EXTRA, ERROR, RawRow, decode_bytes, detect_format, iter_rows, read_header,
)

FIXTURES = Path(__file__).parent / "fixtures" / "readers"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rows(path: Path, **kwargs: object) -> list[tuple[int, dict[str, object]]]:
    return [(row.line, row.values) for row in iter_rows(path, **kwargs)]  # type: ignore[arg-type]


# --- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.csv", "csv"), ("A.CSV", "csv"), ("a.tsv", "tsv"), ("a.txt", "tsv"), ("a.xlsx", "xlsx"),
     ("a.json", "json"), ("a.ndjson", "ndjson"), ("a.jsonl", "ndjson")],
)  # fmt: skip
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


def test_detect_format_unknown_suffix_names_the_supported_formats() -> None:
    with pytest.raises(ReadError, match=r"干部\.doc：不支持的文件类型“\.doc”。支持的格式：CSV（\.csv）"):
        detect_format("干部.doc")


def test_detect_format_old_excel_says_to_save_as_xlsx() -> None:
    with pytest.raises(ReadError, match=r"另存为 \.xlsx 或 CSV"):
        detect_format("花名册.xls")


def test_iter_rows_checks_the_format_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="不支持的文件类型"):
        iter_rows(tmp_path / "missing.pdf")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="找不到这个文件"):
        list(iter_rows(tmp_path / "missing.csv"))


# --- encodings --------------------------------------------------------------------------------

CSV_TEXT = "姓名,性别\n张三,男\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (CSV_TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (CSV_TEXT.encode("gbk"), "gb18030"),
        (CSV_TEXT.encode("gb18030"), "gb18030"),
        (CSV_TEXT.encode("utf-16"), "utf-16"),
        (b"name,sex\n", "utf-8"),
    ],
)
def test_decode_bytes(data: bytes, encoding: str) -> None:
    text, found = decode_bytes(data, "a.csv")
    assert found == encoding
    assert text == (CSV_TEXT if data != b"name,sex\n" else "name,sex\n")


@pytest.mark.parametrize(
    "data",
    [
        CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("utf-8-sig"),  # the BOM must not end up in the first header name
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.encode("utf-16"),  # Excel's "Unicode 文本"
        CSV_TEXT.replace("\n", "\r\n").encode("gbk"),
    ],
)
def test_csv_in_each_encoding(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "a.csv", data)
    assert rows(path) == [(2, {"姓名": "张三", "性别": "男"})]
    assert read_header(path) == ["姓名", "性别"]


def test_gb18030_characters_outside_gbk(tmp_path: Path) -> None:
    text = "姓名,备注\n𠮷田,㐀\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = write(tmp_path, "a.csv", text.encode("gb18030"))
    assert rows(path) == [(2, {"姓名": "𠮷田", "备注": "㐀"})]


def test_mixed_encoding_is_rejected_with_both_lines(tmp_path: Path) -> None:
    data = "姓名,性别\n张三,男\n".encode("utf-8") + "李四,女\n".encode("gbk") + "王五,男\n".encode("utf-8")
    path = write(tmp_path, "混合.csv", data)
    with pytest.raises(ReadError) as e:
        list(iter_rows(path, display_name="混合.csv"))
    assert str(e.value).startswith("混合.csv：文件混用了两种编码：第1行是 UTF-8，第3行却是 GBK/GB18030。")
    assert "UTF-8 或 GBK" in str(e.value)
    with pytest.raises(ReadError, match="第3行却是 GBK"):
        decode_bytes(data, "混合.csv")


def test_mixed_encoding_after_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "姓名\n张三\n".encode("utf-8-sig") + "李四\n".encode("gbk"))
    with pytest.raises(ReadError, match="BOM 标明是 UTF-8，第3行却是 GBK"):
        list(iter_rows(path))


def test_mixed_encoding_far_into_a_big_file(tmp_path: Path) -> None:
    # Beyond the first 1 MB that decides the encoding: each later line is still checked.
    body = "张三,男\n" * 150_000  # ~1.5 MB of UTF-8
    path = write(tmp_path, "a.csv", ("姓名,性别\n" + body).encode("utf-8") + "李四,女\n".encode("gbk"))
    with pytest.raises(ReadError, match="第1行是 UTF-8，第150002行却是 GBK"):
        list(iter_rows(path))


def test_gbk_file_whose_utf8_valid_line_is_not_mistaken_for_mixing(tmp_path: Path) -> None:
    # GBK "路" is the byte pair C2 B7, which is also UTF-8 for "·": that line alone is valid UTF-8.
    data = "地址,门牌\n西宁市,12路\n".encode("gbk")
    assert "12路".encode("gbk").decode("utf-8") == "12·"
    path = write(tmp_path, "a.csv", data)
    assert rows(path) == [(2, {"地址": "西宁市", "门牌": "12路"})]


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"name\nok\n\xff\xfe\xfa\n")
    with pytest.raises(ReadError, match="第3行含有无法识别的字节，既不是 UTF-8 也不是 GBK/GB18030"):
        list(iter_rows(path))


def test_undecodable_line_late_in_a_big_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"name\n" + b"ascii only\n" * 120_000 + b"caf\xe9\n")
    with pytest.raises(ReadError, match="第120002行含有无法识别的字节"):
        list(iter_rows(path))


def test_ascii_start_then_gbk_later(tmp_path: Path) -> None:
    # Nothing in the first 1 MB decides the encoding; the first non-ASCII line does.
    path = write(tmp_path, "a.csv", b"name\n" + b"x\n" * 600_000 + "张三\n".encode("gbk"))
    last = None
    for last in iter_rows(path):
        pass
    assert last == RawRow(str(path), 600_002, {"name": "张三"})


def test_utf16_without_bom_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", CSV_TEXT.encode("utf-16-le"))
    with pytest.raises(ReadError, match="第1行含有空字符（NUL），这看起来是没有 BOM 的 UTF-16 编码"):
        list(iter_rows(path))


# --- CSV / TSV ---------------------------------------------------------------------------------


def test_fixture_csv_line_numbers() -> None:
    path = FIXTURES / "cadres.csv"
    assert rows(path, display_name="cadres.csv") == [
        (2, {"姓名": "张三", "性别": "男", "出生年月": "1975.06", "单位": "西宁市城东区委组织部", "备注": ""}),
        (3, {"姓名": "李四", "性别": "女", "出生年月": "1980.3", "单位": "海东市民和县", "备注": "两行的\n备注"}),
        # line 5 is blank; the quoted field above spans lines 3-4
        (6, {"姓名": "王五", "性别": "男", "出生年月": "1968.12", "单位": "果洛州玛沁县", "备注": '他说"好"'}),
    ]
    assert {row.file for row in iter_rows(path, display_name="cadres.csv")} == {"cadres.csv"}


def test_multiline_fields_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'a,b\n1,"x\ny\nz"\n2,w\n\n\n3,"p\r\nq"\n4,v\n')
    assert [line for line, _ in rows(path)] == [2, 5, 8, 10]


@pytest.mark.parametrize(
    ("name", "text"),
    [("a.tsv", "姓名\t性别\n张三\t男\n"), ("a.txt", "姓名\t性别\n张三\t男\n"), ("a.csv", "姓名\t性别\n张三\t男\n"),
     ("a.txt", "姓名,性别\n张三,男\n"), ("a.tsv", "姓名,性别\n张三,男\n")],
)  # fmt: skip
def test_delimiter(tmp_path: Path, name: str, text: str) -> None:
    assert rows(write(tmp_path, name, text)) == [(2, {"姓名": "张三", "性别": "男"})]


def test_tsv_keeps_commas_in_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "a.tsv", "单位\t备注\n组织部\t一,二\n")
    assert rows(path) == [(2, {"单位": "组织部", "备注": "一,二"})]


def test_truncated_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'a,b\n1,2\n3,"never closed\n4,5\n')
    with pytest.raises(ReadError, match=r"a\.csv：文件在第3行被截断（引号未闭合）"):
        list(iter_rows(path, display_name="a.csv"))


def test_stray_quote_after_closing_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'a,b\n1,"x"y\n')
    with pytest.raises(ReadError, match="第2行的引号用法不对"):
        list(iter_rows(path))


def test_quote_inside_unquoted_field_is_literal(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "a.csv", 'a,b\n1,张"三\n')) == [(2, {"a": "1", "b": '张"三'})]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_nul_bytes(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "a.csv", "姓名,性别\n张三,男\n李\x00四,女\n".encode(encoding))
    with pytest.raises(ReadError, match="第3行含有空字符（NUL），文件可能已损坏"):
        list(iter_rows(path))
    with pytest.raises(ReadError, match="第3行含有空字符"):
        decode_bytes(path.read_bytes(), "a.csv")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\r\n", b",,,\n,,\n", "\u3000\n".encode()])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "a.csv", data)
    with pytest.raises(ReadError, match="文件为空"):
        list(iter_rows(path))
    with pytest.raises(ReadError, match="文件为空"):
        read_header(path)


def test_header_only_yields_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "姓名,性别\n\n")
    assert rows(path) == []
    assert read_header(path) == ["姓名", "性别"]


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "\n\n姓名\n张三\n")
    assert rows(path) == [(4, {"姓名": "张三"})]


def test_ten_megabyte_field(tmp_path: Path) -> None:
    big = "长" * 10_000_000
    path = write(tmp_path, "a.csv", f'姓名,备注\n张三,"{big}"\n李四,短\n')
    got = list(iter_rows(path))
    assert [r.line for r in got] == [2, 3]
    assert got[0].values["备注"] == big


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("姓名,性别,姓名", "第1列“姓名”与第3列“姓名”重复"),
        ("*姓名,性别,姓名（必填）", "第1列“\\*姓名”与第3列“姓名（必填）”重复"),
        ("姓名,性别,姓 名", "重复"),
        ("姓名,,性别", "表头（第1行）第2列为空"),
    ],
)
def test_bad_header(tmp_path: Path, header: str, message: str) -> None:
    path = write(tmp_path, "a.csv", header + "\n张三,男,x\n")
    with pytest.raises(ReadError, match=message):
        list(iter_rows(path))
    with pytest.raises(ReadError, match=message):
        read_header(path)


def test_extra_and_missing_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "姓名,性别,民族\n张三,男,汉族,多余,\n李四\n王五,男,回族,,\n")
    assert rows(path) == [
        (2, {"姓名": "张三", "性别": "男", "民族": "汉族", EXTRA: ["多余"]}),
        (3, {"姓名": "李四", "性别": None, "民族": None}),
        (4, {"姓名": "王五", "性别": "男", "民族": "回族"}),  # Excel's empty padding is not "extra"
    ]


def test_trailing_empty_header_cells_are_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "姓名,性别,,\n张三,男,,\n")
    assert read_header(path) == ["姓名", "性别"]
    assert rows(path) == [(2, {"姓名": "张三", "性别": "男"})]


def test_streaming_memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    line = "张三{},男,汉族,1975.06,青海省西宁市城东区某某局办公室,一般干部,{}\n"
    filler = "备注" * 40
    with path.open("w", encoding="utf-8") as f:
        f.write("姓名,性别,民族,出生年月,单位,职务,备注\n")
        n = 0
        while f.tell() < 50_000_000:
            f.writelines(line.format(n + i, filler) for i in range(1000))
            n += 1000
    assert path.stat().st_size > 50_000_000
    tracemalloc.start()
    try:
        count = 0
        last = 0
        for row in iter_rows(path):
            count += 1
            last = row.line
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    assert last == n + 1
    assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB"


# --- Excel ------------------------------------------------------------------------------------


def make_xlsx(path: Path, rows_: list[list[object]], merge: str | None = None, title: str = "干部") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows_:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_xlsx_values_and_row_numbers(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "a.xlsx",
        [
            ["姓名", "出生日期", "年龄", "得分", "备注"],
            ["张三", dt.datetime(1975, 6, 12), 49, 85.5, None],
            [None, None, None, None, None],
            ["李四", "1980.03", None, None, "多余", "x"],
            [],
            [],
        ],
    )
    assert rows(path, display_name="a.xlsx") == [
        (2, {"姓名": "张三", "出生日期": dt.datetime(1975, 6, 12), "年龄": 49, "得分": 85.5, "备注": None}),
        (4, {"姓名": "李四", "出生日期": "1980.03", "年龄": None, "得分": None, "备注": "多余", EXTRA: ["x"]}),
    ]
    assert read_header(path) == ["姓名", "出生日期", "年龄", "得分", "备注"]


def test_xlsx_header_below_blank_rows(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [[], [None, None], ["姓名"], ["张三"]])
    assert rows(path) == [(4, {"姓名": "张三"})]


def test_xlsx_merged_header_is_rejected(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["基本信息", None, "单位"], ["张三", "男", "组织部"]], merge="A1:B1")
    with pytest.raises(ReadError, match=r"a\.xlsx（工作表“干部”）：表头第1行存在合并单元格（A1:B1），请取消合并，每列一个表头"):
        list(iter_rows(path, display_name="a.xlsx"))
    with pytest.raises(ReadError, match="合并单元格"):
        read_header(path)


def test_xlsx_merged_title_row_above_the_header(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["2024年干部花名册"], ["姓名", "性别"], ["张三", "男"]], merge="A1:B1")
    with pytest.raises(ReadError, match="（A1:B1）.*删除标题行"):
        list(iter_rows(path))


def test_xlsx_merged_data_cells_are_fine(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["单位", "姓名"], ["组织部", "张三"], [None, "李四"]], merge="A2:A3")
    assert rows(path) == [(2, {"单位": "组织部", "姓名": "张三"}), (3, {"单位": None, "姓名": "李四"})]


def test_xlsx_sheet_argument(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["说明"])
    second = wb.create_sheet("名单")
    second.append(["姓名"])
    second.append(["张三"])
    second.merge_cells("A5:B5")  # merges on other rows or sheets do not matter
    wb.save(tmp_path / "a.xlsx")
    assert rows(tmp_path / "a.xlsx", sheet="名单") == [(2, {"姓名": "张三"})]
    assert read_header(tmp_path / "a.xlsx", sheet="名单") == ["姓名"]
    with pytest.raises(ReadError, match="找不到名为“人员”的工作表。这个文件里的工作表有：“Sheet”、“名单”"):
        list(iter_rows(tmp_path / "a.xlsx", sheet="人员"))


def test_xlsx_bad_headers(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["姓名", None, "性别"], ["张三", 1, "男"]])
    with pytest.raises(ReadError, match="第2列（B列）为空"):
        list(iter_rows(path))
    path = make_xlsx(tmp_path / "b.xlsx", [["姓名", "性别", "姓名"]])
    with pytest.raises(ReadError, match="第1列（A列）“姓名”与第3列（C列）“姓名”重复"):
        list(iter_rows(path))


def test_xlsx_numeric_header_becomes_text(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["姓名", 2023, 2024], ["张三", "优秀", "称职"]])
    assert rows(path) == [(2, {"姓名": "张三", "2023": "优秀", "2024": "称职"})]


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [])
    with pytest.raises(ReadError, match="工作表是空的"):
        list(iter_rows(path))


@pytest.mark.parametrize("data", [b"not a zip at all", "姓名,性别\n".encode("gbk")])
def test_xlsx_that_is_not_a_workbook(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "a.xlsx", data)
    with pytest.raises(ReadError, match="无法作为 Excel（.xlsx）文件打开"):
        list(iter_rows(path))


def test_xlsx_zip_without_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ReadError, match="无法作为 Excel"):
        list(iter_rows(path))


# --- JSON and NDJSON --------------------------------------------------------------------------


def test_fixture_ndjson() -> None:
    got = rows(FIXTURES / "cadres.ndjson")
    assert got[0] == (1, {"姓名": "张三", "性别": "男", "出生年月": "1975.06"})
    assert got[1][0] == 3  # line 2 is blank
    assert got[1][1][ERROR].startswith("第3行不是有效的 JSON：")
    assert got[2] == (4, {ERROR: '第4行应为 JSON 对象（{"姓名": "张三", …}），实为数组'})
    assert got[3] == (5, {"姓名": "王五", "性别": "男", "出生年月": "1968.12"})
    assert read_header(FIXTURES / "cadres.ndjson") == ["姓名", "性别", "出生年月"]


def test_ndjson_duplicate_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ndjson", '{"姓名": "张三", "姓名": "李四"}\n')
    assert rows(path) == [(1, {ERROR: "第1行中的键“姓名”出现了不止一次，请只保留一个"})]


def test_ndjson_empty(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="文件为空"):
        list(iter_rows(write(tmp_path, "a.ndjson", "\n \n")))


def test_ndjson_in_gbk(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '{"姓名": "张三"}\n'.encode("gbk"))
    assert rows(path) == [(1, {"姓名": "张三"})]


def test_fixture_json_lines_are_where_each_element_starts() -> None:
    assert rows(FIXTURES / "cadres.json") == [
        (2, {"姓名": "张三", "性别": "男", "出生年月": "1975.06"}),
        (3, {"姓名": "李四", "性别": "女", "出生年月": "1980.03"}),
        (8, {ERROR: '第8行的元素应为 JSON 对象（{"姓名": "张三", …}），实为字符串'}),
        (9, {"姓名": "王五", "性别": "男", "出生年月": "1968.12"}),
    ]
    assert read_header(FIXTURES / "cadres.json") == ["姓名", "性别", "出生年月"]


def test_json_keeps_value_types(tmp_path: Path) -> None:
    data = [{"年龄": 49, "得分": 85.5, "党员": True, "备注": None}]
    path = write(tmp_path, "a.json", json.dumps(data, ensure_ascii=False))
    assert rows(path) == [(1, {"年龄": 49, "得分": 85.5, "党员": True, "备注": None})]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件为空"),
        ("  \n", "文件为空"),
        ('{"姓名": "张三"}', "最外层应为由对象组成的数组.*请改用 .ndjson"),
        ("[\n  {\"a\": 1},\n  {\"a\": 2,}\n]", "第3行第11列不是有效的 JSON"),
        ('[{"a": 1} {"a": 2}]', "第1行第11列.*应为逗号"),
        ('[{"a": 1}] x', "第1行第12列.*多余的内容"),
        ('[{"a": 1},', "不是有效的 JSON"),
        ("[" * 100_000, "不是有效的 JSON"),
    ],
)
def test_bad_json(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        list(iter_rows(write(tmp_path, "a.json", text)))


def test_empty_json_array(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "a.json", " [ ] \n")) == []


def test_empty_xlsx_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="文件为空"):
        list(iter_rows(write(tmp_path, "a.xlsx", b"")))
