"""Big5 (cp950) files from Traditional-Chinese sources: told apart from GBK on real bytes in
both directions (never one read as the other; refused, with both readings, when the bytes
cannot tell), decoded, streamed, and loaded with names stored as written."""
from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tracemalloc
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelp import run
from cadre_sdk.core.errors import ReadError
from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.ingest import big5_gbk, read_encoding
from cadre_sdk.ingest.readers import decode_bytes, iter_rows

ID1 = make_id_number("632701", dt.date(1975, 6, 7), 25, male=True)
ID2 = make_id_number("632801", dt.date(1980, 3, 1), 3, male=False)
# A roster as a clerk on a Traditional input method writes it: header, names, unit names and
# posts in Traditional characters, dates as clerks write them.
ROSTER = ("姓名,性別,出生年月,民族,工作單位,職務,職級,身份證號\n"
          f"陳國華,男,1975.06,藏族,玉樹州農牧局,副局長,一級調研員,{ID1}\n"
          f"劉麗娟,女,1980年3月,漢族,格爾木市農牧局,科員,一級科員,{ID2}\n")
S2T = opencc.OpenCC("s2tw")

# Realistic rosters, Simplified; each is also tried in Traditional (Big5, and GBK: a clerk on
# a Traditional input method whose Windows saves GBK). Short ones and ones whose first lines
# are ASCII included: they are where the two encodings are hardest to tell.
ROSTERS = [
    "姓名,性别\n张三,男\n",
    "姓名,性别,出生年月,民族,工作单位,职务\n才让多杰,男,1978.11,藏族,玉树州农牧局,局长\n",
    "id,name,gender\nC1,李华,女\nC2,王建国,男\n",
    f"id_number,post\n{ID1},副局长\n",
    "code,name,kind,level,region_code\nU1,玉树州农牧局,部门,市州,632700\n",
    "单位名称\n格尔木市农牧局\n海西州民政局\n",
    "id,name,birth\n" + "".join(f"C{i},{n},1980年{i}月\n" for i, n in enumerate(
        ["卓玛", "马福海", "韩雪梅", "冶成林", "拉毛措"], 1)),
    "a,b\n" * 300 + "x,陈静\n",
    "姓名,单位\n蕭瀋,西宁市城东区人民政府\n於海燕,玉树市水利局\n",
]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    units = write(tmp_path, "units.csv", "单位代码,单位名称,单位类别,单位层级,所在地区\n"
                  "U1,玉树州农牧局,部门,市州,玉树藏族自治州\n"
                  "U2,格尔木市农牧局,部门,县,格尔木市\n".encode())
    assert run(capsys, "load", path, "unit", units)[0] == 0
    return path


def cadres(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT name, gender, birth, ethnicity, unit_code, post, rank "
                            "FROM cadre ORDER BY id").fetchall()
    finally:
        conn.close()


# --- end to end -------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["big5", "cp950"])
def test_big5_roster_loads_with_names_as_written(db, tmp_path, capsys, codec):
    # Before Big5 was told apart, these bytes were read as GBK: the header became ﹎,┦,ネる,…
    # and every column was "unknown".
    f = write(tmp_path, "名冊.csv", ROSTER.encode(codec))
    code, out, err = run(capsys, "load", db, "干部", f, "--as-of", "2026-01-01")
    assert code == 0, err
    assert "新增 2 行" in out
    # Names as written (Traditional); units matched by their Traditional names; enumerated and
    # free-text values simplified as for any Traditional input.
    assert cadres(db) == [("陳國華", "男", "1975-06", "藏族", "U1", "副局长", "一级调研员"),
                          ("劉麗娟", "女", "1980-03", "汉族", "U2", "科员", "一级科员")]


def test_big5_update_with_an_ascii_header_is_not_stored_as_nonsense(db, tmp_path, capsys):
    # The silent case: an English header matches, and the GBK reading of Big5 副局長 (捌Ы…)
    # used to be stored as the post.
    first = write(tmp_path, "a.csv", ROSTER.encode("utf-8"))
    assert run(capsys, "load", db, "干部", first, "--as-of", "2026-01-01")[0] == 0
    update = write(tmp_path, "b.csv", f"id_number,post\n{ID1},副局長\n{ID2},副局長\n".encode("cp950"))
    code, out, err = run(capsys, "load", db, "干部", update, "--as-of", "2026-01-01")
    assert code == 0, err
    assert [row[5] for row in cadres(db)] == ["副局长", "副局长"]


def test_ambiguous_file_is_refused_with_both_readings_and_nothing_written(db, tmp_path, capsys):
    # One two-character name after an ASCII header: Big5 韓雪 is GBK 龙撤, both plausible.
    f = write(tmp_path, "名單.csv", "id,name,gender,birth,unit_code,post\nC1,韓雪,F,1980.03,U1,x\n"
              .encode("cp950"))
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 1
    assert ("名單.csv: 无法确定文件的编码：第2行按 GBK（简体中文）读是“C1,龙撤,F,1980.03,U1,x”，"
            "按 Big5（繁体中文）读是“C1,韓雪,F,1980.03,U1,x”，两种读法都说得通。为免读错，没有导入。"
            "请在保存这个文件的电脑上用原来的程序打开它，确认文字无误后另存为“CSV UTF-8（逗号分隔）”") in err
    assert db.read_bytes() == before


# --- both directions on real bytes ------------------------------------------------------------


@pytest.mark.parametrize("text", ROSTERS)
def test_gbk_rosters_are_read_as_gbk(text):
    for written in (text, S2T.convert(text)):
        assert decode_bytes(written.encode("gbk"), "a.csv") == (written, "gb18030")


@pytest.mark.parametrize("text", ROSTERS)
def test_big5_rosters_are_read_as_big5(text):
    written = S2T.convert(text)
    assert decode_bytes(written.encode("cp950"), "a.csv") == (written, "cp950")


@pytest.mark.parametrize("text", ROSTERS)
def test_big5_rosters_stream_as_they_decode(tmp_path, text):
    written = S2T.convert(text)
    path = write(tmp_path, "a.csv", written.encode("cp950"))
    assert "".join(read_encoding._text_lines(path, "a.csv")) == written


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志文斌海燕鹏辉晶宇浩凯健帆旭宁龙林欣雪琳措卓"
_UNITS = ["玉树州农牧局", "海西州民政局", "西宁市城东区人民政府", "称多县民政局", "果洛州扶贫开发局", "杂多县扎青乡人民政府"]


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32), rows=st.integers(1, 6), chinese_header=st.booleans(),
       wide=st.booleans())
def test_generated_rosters_are_never_read_in_the_other_encoding(seed, rows, chinese_header, wide):
    rng = random.Random(seed)
    header = "姓名,性别,出生年月,工作单位,职务" if chinese_header else "name,gender,birth,unit,post"
    lines = [header] + [
        ",".join([rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2)))),
                  rng.choice("男女"), f"{rng.randint(1960, 2000)}年{rng.randint(1, 12)}月",
                  rng.choice(_UNITS) if wide else "U1", rng.choice(["局长", "科员", "副主任"])])
        for _ in range(rows)]
    simplified = "\n".join(lines) + "\n"
    traditional = S2T.convert(simplified)
    for text, codec, want in [(simplified, "gbk", "gb18030"), (traditional, "gbk", "gb18030"),
                              (traditional, "cp950", "cp950")]:
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:  # a character Big5 lacks (s2tw may give one): no such file
            continue
        try:
            assert decode_bytes(data, "a.csv") == (text, want)
        except ReadError as e:  # refused, never misread
            assert "无法确定文件的编码" in str(e)


def test_judge_scores_the_readings_as_a_clerks_text():
    # Big5 陳國華 read as GBK is 朝瓣地: three common characters, but not a name a roster
    # holds beside 玉樹州農牧局, whose GBK reading is kana and private-use characters.
    data = "陳國華,玉樹州農牧局\n".encode("cp950")
    assert data.decode("gb18030").startswith("朝瓣地,")
    encoding, margin, line = big5_gbk.judge([(5, data)])
    assert (encoding, line) == ("cp950", 5) and margin >= 2
    # GBK bytes that are not Big5 at all (C8 leads no Big5 character): GBK whatever the rest.
    assert big5_gbk.judge([(1, "张三".encode("gbk"))])[0] == "gb18030"


# --- lines in another encoding, streaming -----------------------------------------------------


def test_a_gbk_line_in_a_big5_file_is_a_mix(tmp_path):
    data = S2T.convert(ROSTERS[6]).encode("cp950") + "张三,男,1980年1月\n".encode("gbk")
    path = write(tmp_path, "混.csv", data)
    with pytest.raises(ReadError) as e:
        list(iter_rows(path, display_name="混.csv"))
    assert str(e.value).startswith("混.csv：文件混用了两种编码：第2行是 Big5，第7行却是 GBK/GB18030。")
    with pytest.raises(ReadError, match="第2行是 Big5，第7行却是 GBK/GB18030"):
        decode_bytes(data, "混.csv")


def test_a_big5_line_in_a_gbk_file_is_a_mix(tmp_path):
    # Rows pasted from a Traditional source's file: the GBK lines (张 is no Big5 character)
    # must not make the Big5 one GBK nonsense.
    data = ROSTERS[1].encode("gbk") + "卓瑪,女,1985.02,藏族,玉樹州農牧局,副局長\n".encode("cp950")
    with pytest.raises(ReadError, match="第2行是 GBK/GB18030，第3行却是 Big5"):
        decode_bytes(data, "a.csv")


def test_a_big5_line_in_a_utf8_file_is_named_as_big5(tmp_path):
    data = "姓名,性别\n张三,男\n".encode() + "陳國華,男\n".encode("cp950")
    with pytest.raises(ReadError, match="第1行是 UTF-8，第3行却是 Big5。"):
        decode_bytes(data, "a.csv")


def test_first_non_ascii_line_after_the_sample_decides_big5(tmp_path, monkeypatch):
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 64)
    text = "id,name,post\n" + "C0,x,y\n" * 20 + "C1,陳國華,副局長\nC2,劉麗娟,科員\n"
    path = write(tmp_path, "a.csv", text.encode("cp950"))
    assert "".join(read_encoding._text_lines(path, "a.csv")) == text


def test_first_non_ascii_line_after_the_sample_may_be_ambiguous(tmp_path, monkeypatch):
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 64)
    text = "id,name\n" + "C0,x\n" * 20 + "C1,韓雪\n"
    path = write(tmp_path, "a.csv", text.encode("cp950"))
    with pytest.raises(ReadError, match="第22行按 GBK（简体中文）读是“C1,龙撤”，按 Big5（繁体中文）读是“C1,韓雪”"):
        list(read_encoding._text_lines(path, "a.csv"))


def test_big5_streaming_memory_stays_flat(tmp_path, monkeypatch):
    # Sample and blocks made small, so that a 3 MB file is many of them: what is held stays
    # about a block, whatever the file's size.
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 1 << 16)
    monkeypatch.setattr(read_encoding, "_BLOCK_BYTES", 1 << 16)
    path = tmp_path / "big.csv"
    line = "陳國華{},男,漢族,1975.06,玉樹州農牧局辦公室,一般幹部,{}\n"
    filler = "備註" * 5
    with path.open("w", encoding="cp950") as f:
        f.write("姓名,性別,民族,出生年月,單位,職務,備註\n")
        n = 0
        while f.tell() < 3_000_000:
            f.writelines(line.format(n + i, filler) for i in range(1000))
            n += 1000
    big5_gbk.judge([(1, line.encode("cp950"))])  # the tables built once, before measuring
    tracemalloc.start()
    try:
        count, last = 0, ""
        for last in read_encoding._text_lines(path, "big.csv"):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n + 1
    assert last == line.format(n - 1, filler)
    assert peak < 2_000_000, f"peak {peak / 1e6:.1f} MB"
