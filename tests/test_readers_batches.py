"""Reading in blocks and batches gives what reading line by line gives: the same text, the same
records with the same line numbers, the same encoding verdicts and errors at the same lines."""
from __future__ import annotations

import csv
import io
import itertools

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadre_sdk.ingest import big5_gbk, raw_rows, read_csv, read_encoding, readers
from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.readers import iter_cell_batches

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def line_by_line(data: bytes, file: str) -> list[str]:
    """The decoded lines of ``data`` as the reader decoded them before blocks: every line on
    its own, held to the encoding the first lines imply."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    sample = data[: read_encoding._SAMPLE_BYTES]
    encoding, first = ("utf-8", 0) if bom else \
        read_encoding._sniff(sample, len(sample) < read_encoding._SAMPLE_BYTES)
    decoder = read_encoding._LineDecoder(file, encoding, first, sample, bom)
    return [decoder.decode(raw, n) for n, raw in enumerate(io.BytesIO(body), 1)]


LINES = st.lists(st.sampled_from([
    "a,b", "张三,男", "", " ", "甲\r", "x" * 70, "路·乙", "é", "ＡＢ,１２",
]).flatmap(lambda text: st.sampled_from([text.encode("utf-8"), text.encode("gb18030")]))
    | st.sampled_from(["陳國華,副局長".encode("cp950"), "玉樹州".encode("cp950")]),  # Big5
    min_size=1, max_size=12)


@SETTINGS
@given(lines=LINES, block=st.integers(1, 64), end=st.sampled_from([b"", b"\n"]),
       bom=st.booleans())
def test_blocks_decode_as_lines_do(tmp_path, monkeypatch, lines, block, end, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + end
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    try:
        want: list[str] | str = line_by_line(data, "f.csv")
    except ReadError as exc:
        want = str(exc)
    monkeypatch.setattr(read_encoding, "_BLOCK_BYTES", block)
    try:
        got: list[str] | str = list(read_encoding._text_lines(path, "f.csv"))
    except ReadError as exc:
        got = str(exc)
    assert got == want


@SETTINGS
@given(lines=st.lists(st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")) |
                      st.sampled_from(["张".encode(), "张".encode("gb18030"), "·".encode()]),
                      max_size=8), complete=st.booleans())
def test_sniffing_a_sample_at_once_agrees_with_line_by_line(lines, complete):
    sample = b"\n".join(lines)
    considered = sample.split(b"\n")
    if not complete:
        considered.pop()
    want = (None, 0)
    legacy = []  # the lines in GBK or Big5, judged together by big5_gbk
    for lineno, raw in enumerate(considered, 1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                continue
            if b"\x00" not in raw:
                legacy.append((lineno, raw))
            continue
        if want == (None, 0):   # the first UTF-8 line, unless a line is GBK or Big5
            want = ("utf-8", lineno)
    if legacy:
        encoding, _margin, decided = big5_gbk.judge(legacy)
        want = (encoding or read_encoding._AMBIGUOUS, decided)
    else:
        try:
            seen = b"\n".join(considered)
            text = seen.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # UTF-8 throughout: unless its reading is GBK's (Big5's) by far, as a whole
            verdict, decided = read_encoding._utf8_verdict(seen, text)
            want = (verdict, decided or want[1]) if want[0] else want
    assert read_encoding._sniff(sample, complete) == want


CELLS = st.sampled_from(["a", "", " ", "张", '"x\ny"', '"p\r\nq"', '"z""w"', '"\n"', "b c"])


@SETTINGS
@given(records=st.lists(st.lists(CELLS, max_size=4).map(",".join), max_size=12),
       size=st.integers(1, 5), end=st.sampled_from(["", "\n", "\r\n"]))
def test_batches_give_each_record_its_first_line(tmp_path, records, size, end):
    text = "h1,h2\n" + "\n".join(records) + end
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    want: list | str = []
    reader = csv.reader(io.StringIO(text, newline="\n"), strict=True)
    done = 0
    try:
        for cells in reader:
            start, done = done + 1, reader.line_num
            if not all(raw_rows._blank(c) for c in cells):
                want.append((start, cells))
    except csv.Error as exc:
        want = ["error", read_csv._csv_error(exc, "f.csv", done + 1, reader.line_num).args]
    try:
        got: list | str = list(itertools.chain.from_iterable(
            zip(lines, rows) for lines, rows in read_csv._delimited_batches(path, "f.csv", "csv",
                                                                           size)))
    except ReadError as exc:
        got = ["error", exc.args]
    if isinstance(want, list) and want and want[0] == "error":
        assert got == want
    else:
        assert got == want


def test_cell_batches_of_a_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("\ufeff*编号,名称\n\nA1,甲\nA2\nA3,丙,,\nA4,丁,多\n", encoding="utf-8")
    header, batches = iter_cell_batches(path, size=2)
    assert header == ["*编号", "名称"]
    assert list(batches) == [([3, 4], [["A1", "甲"], ["A2"]]),
                             ([5, 6], [["A3", "丙", "", ""], ["A4", "丁", "多"]])]
    assert readers.make_row("c.csv", 6, header, ["A4", "丁", "多"]).values == {
        "*编号": "A4", "名称": "丁", readers.EXTRA: ["多"]}


def test_cell_batches_of_a_sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None])
    ws.append(["编号", "出生年月"])
    ws.append(["A1", 1975.06])
    ws.append(["A2", "1980.01", None])
    path = tmp_path / "s.xlsx"
    wb.save(path)
    header, batches = iter_cell_batches(path)
    assert header == ["编号", "出生年月"]
    assert [(lines, [row[:2] for row in rows]) for lines, rows in batches] == [
        ([3, 4], [["A1", 1975.06], ["A2", "1980.01"]])]


def test_cell_batches_of_an_empty_or_headless_file(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="文件为空"):
        iter_cell_batches(empty)
    only_header = tmp_path / "h.csv"
    only_header.write_text("编号,名称\n", encoding="utf-8")
    header, batches = iter_cell_batches(only_header)
    assert (header, list(batches)) == (["编号", "名称"], [])
    with pytest.raises(ValueError, match="iter_rows"):
        iter_cell_batches(tmp_path / "rows.ndjson")


def test_a_decoding_problem_comes_after_the_rows_before_it(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("编号,名称\nA1,甲\nA2,乙\n".encode() + b"A3,\x80\xff\n")  # neither encoding
    header, batches = iter_cell_batches(path, size=10)
    got = []
    with pytest.raises(ReadError, match="第4行"):
        for lines, rows in batches:
            got += lines
    assert got == [2, 3]


def test_a_short_gbk_line_that_is_also_utf8_is_read_as_gbk(tmp_path):
    # GBK "鍏丂" is the UTF-8 bytes of "叁@": one common character is no evidence of UTF-8.
    path = tmp_path / "g.csv"
    path.write_bytes("姓名,单位\n张三,鍏丂\n".encode("gbk"))
    assert [r.values for r in readers.iter_rows(path)] == [{"姓名": "张三", "单位": "鍏丂"}]
    # A UTF-8 row among GBK ones, with a name and a unit, is still a mixed file.
    path.write_bytes("姓名,单位\n张三,农牧局\n".encode("gbk") + "李四,林业局\n".encode())
    with pytest.raises(ReadError, match="第1行是 GBK/GB18030，第3行却是 UTF-8"):
        list(readers.iter_rows(path))
