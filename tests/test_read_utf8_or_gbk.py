"""GBK (Big5) bytes that happen to be valid UTF-8 (GBK 袁平 is UTF-8 Ԭƽ): read as GBK, or
refused with both readings shown, never stored as UTF-8 nonsense; and genuine UTF-8 files,
Chinese or not (ASCII with ·, ×, ①, full-width punctuation, Tibetan or Mongolian script, an
emoji), read as written, whichever path reads them (whole, sampled, streamed)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelp import run
from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest import big5_gbk, read_encoding
from cadre_sdk.ingest.readers import decode_bytes, iter_rows

# Common given-name characters; with the commonest surnames (the scorer's), they make the
# names whose GBK bytes are valid UTF-8 found below.
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志文斌海燕鹏辉晶宇浩凯健俊帆帅旭宁龙林欣雪琳"


def gbk_names_valid_as_utf8() -> list[str]:
    """Every surname + given character whose GBK bytes also decode as UTF-8."""
    names = []
    for surname in sorted(big5_gbk._SURNAMES):
        for char in GIVEN:
            try:
                (surname + char).encode("gbk").decode("utf-8")
            except UnicodeDecodeError:
                continue
            names.append(surname + char)
    return names


NAMES = gbk_names_valid_as_utf8()


def read_streamed(path: Path) -> list[list[str]]:
    return [list(row.values.values()) for row in iter_rows(path)]


def test_names_found_are_real_utf8_lookalikes():
    assert "袁平" in NAMES and "Ԭƽ" == "袁平".encode("gbk").decode("utf-8")
    assert len(NAMES) >= 40


def test_gbk_name_that_is_valid_utf8_is_read_as_gbk(tmp_path):
    text = "id,name\nC1,袁平\n"
    assert decode_bytes(text.encode("gbk"), "a.csv") == (text, "gb18030")
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gbk"))
    assert read_streamed(path) == [["C1", "袁平"]]


def test_no_gbk_name_valid_as_utf8_is_read_as_utf8(tmp_path):
    """Each name alone in a one-row file (the hardest case): GBK with its text, or refused
    showing both readings; most are read."""
    read = 0
    for name in NAMES:
        text = f"c0,c1\nC1,{name}\n"
        data = text.encode("gbk")
        try:
            decoded, encoding = decode_bytes(data, "a.csv")
        except ReadError as error:  # as UTF-8 or as Big5, which the bytes also are
            other = (f"UTF-8 读是“C1,{data.decode('utf-8').split(',')[-1].strip()}”",
                     f"Big5（繁体中文）读是“C1,{data.decode('cp950').split(',')[-1].strip()}”")
            said = str(error)
            assert f"按 GBK（简体中文）读是“C1,{name}”" in said and "两种读法都说得通" in said
            assert f"按 {other[0]}" in said or f"按 {other[1]}" in said, said
            continue
        assert (decoded, encoding) == (text, "gb18030"), name
        read += 1
    assert read >= 0.9 * len(NAMES)


def test_a_one_character_lookalike_is_refused_with_both_readings(tmp_path):
    # GBK 女 is UTF-8 Ů; UTF-8 Ω is GBK 惟: one character cannot tell, so neither is guessed.
    path = tmp_path / "a.csv"
    path.write_bytes("c0,c1\nC1,女\n".encode("gbk"))
    message = ("a.csv：无法确定文件的编码：第2行按 UTF-8 读是“C1,Ů”，按 GBK（简体中文）读是“C1,女”，"
               "两种读法都说得通。为免读错，没有导入。")
    with pytest.raises(ReadError, match=message):
        decode_bytes(path.read_bytes(), "a.csv")
    with pytest.raises(ReadError, match=message):
        list(iter_rows(path, display_name="a.csv"))
    # The way out the message gives: a BOM, which says UTF-8 and is believed (below).
    with pytest.raises(ReadError, match="带 BOM 的 UTF-8"):
        decode_bytes(path.read_bytes(), "a.csv")


@pytest.mark.parametrize("cell", [
    "·", "×", "3×4", "①", "No.②", "，", "（注）", "m²", "45°", "±0.5", "½", "··", "°±",
    "café", "Müller", "བཀྲ་ཤིས་", "ᠪᠠᠲᠤ", "👍 已核对", "才让·扎西", "李四 Ω", "张三（Иванов）",
])
def test_genuine_utf8_is_read_as_written(tmp_path, cell):
    text = f"c0,c1\nC1,{cell}\nC2,x\n"
    assert decode_bytes(text.encode("utf-8"), "a.csv") == (text, "utf-8")
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_streamed(path) == [["C1", cell], ["C2", "x"]]


@pytest.mark.parametrize("cell, gbk", [("ü", "眉"), ("Иванов", "袠胁邪薪芯胁"), ("°²", "掳虏"),
                                       ("¬¡", "卢隆")])
def test_foreign_letters_alone_are_refused_rather_than_guessed(cell, gbk):
    """Two-byte letters, or symbols side by side, with nothing but ASCII around them are GBK
    Chinese as much as UTF-8 (GBK 眉 is UTF-8 ü; 袠 is a rare character; GBK 卢隆 is UTF-8
    ¬¡): both readings shown, neither taken."""
    with pytest.raises(ReadError, match=f"按 UTF-8 读是“C1,{cell}”，按 GBK（简体中文）读是“C1,{gbk}”"):
        decode_bytes(f"c0,c1\nC1,{cell}\n".encode("utf-8"), "a.csv")


def test_a_bom_says_utf8_whatever_the_bytes_look_like():
    text = "id,name\nC1,Ԭƽ\n"
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), "a.csv") == (text, "utf-8-sig")


def test_lookalike_after_an_ascii_sample_is_read_as_gbk(tmp_path, monkeypatch):
    """A big file whose first non-ASCII line comes after the sample: judged at that line."""
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 64)
    monkeypatch.setattr(read_encoding, "_BLOCK_BYTES", 64)
    text = "id,name\n" + "C0,x\n" * 30 + "C1,袁平\nC2,郑隆\n"
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gbk"))
    rows = read_streamed(path)
    assert rows[-2:] == [["C1", "袁平"], ["C2", "郑隆"]] and len(rows) == 32
    assert decode_bytes(text.encode("gbk"), "a.csv") == (text, "gb18030")
    path.write_bytes(("id,name\n" + "C0,x\n" * 30 + "C1,女\n").encode("gbk"))
    with pytest.raises(ReadError, match="第32行按 UTF-8 读是“C1,Ů”，按 GBK（简体中文）读是“C1,女”"):
        read_streamed(path)
    with pytest.raises(ReadError, match="第32行按 UTF-8 读是“C1,Ů”，按 GBK（简体中文）读是“C1,女”"):
        decode_bytes(path.read_bytes(), "a.csv")


def test_lookalikes_in_a_sampled_file_are_read_as_gbk(tmp_path, monkeypatch):
    """A file bigger than the sample, valid UTF-8 throughout its sample: the sample decides."""
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 256)
    monkeypatch.setattr(read_encoding, "_BLOCK_BYTES", 128)
    names = NAMES[:40]
    text = "id,name\n" + "".join(f"C{i},{name}\n" for i, name in enumerate(names))
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gbk"))
    assert path.stat().st_size > 256
    assert read_streamed(path) == [[f"C{i}", name] for i, name in enumerate(names)]


def test_utf8_chinese_with_a_cyrillic_word_stays_utf8(tmp_path, monkeypatch):
    monkeypatch.setattr(read_encoding, "_SAMPLE_BYTES", 256)
    text = "姓名,备注\n" + "张三,Иванов\n" * 30
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_streamed(path) == [["张三", "Иванов"]] * 30


# --- end to end: what the load stores ---------------------------------------------------------


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区\n"
                     "U1,玉树州农牧局,部门,市州,玉树藏族自治州\n", encoding="utf-8")
    assert run(capsys, "load", path, "unit", units)[0] == 0
    return path


def names(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, name FROM cadre ORDER BY id").fetchall()
    finally:
        conn.close()


def test_gbk_roster_valid_as_utf8_stores_the_names_as_written(db, tmp_path, capsys):
    # The silent case: an English header, and names whose GBK bytes are valid UTF-8 (Ԭƽ, ֣¡)
    # used to be stored as that nonsense.
    roster = tmp_path / "a.csv"
    roster.write_bytes("id,name,gender,birth,unit_code,post\nC1,袁平,F,1980.03,U1,x\n"
                       "C2,郑隆,M,1975.06,U1,x\n".encode("gbk"))
    code, _, err = run(capsys, "load", db, "干部", roster, "--as-of", "2026-01-01")
    assert code == 0, err
    assert names(db) == [("C1", "袁平"), ("C2", "郑隆")]
    update = tmp_path / "b.json"
    update.write_bytes('[{"id": "C2", "name": "冶路"}]'.encode("gbk"))
    code, _, err = run(capsys, "load", db, "干部", update, "--as-of", "2026-01-01")
    assert code == 0, err
    assert names(db) == [("C1", "袁平"), ("C2", "冶路")]


def test_an_undecidable_update_is_refused_and_nothing_changes(db, tmp_path, capsys):
    roster = tmp_path / "a.csv"
    roster.write_text("id,name,gender,birth,unit_code,post\nC1,张三,M,1980.03,U1,x\n",
                      encoding="utf-8")
    assert run(capsys, "load", db, "干部", roster, "--as-of", "2026-01-01")[0] == 0
    update = tmp_path / "更正.csv"
    update.write_bytes("id,name\nC1,女\n".encode("gbk"))   # UTF-8 Ů
    before = db.read_bytes()
    code, _, err = run(capsys, "load", db, "干部", update, "--as-of", "2026-01-01")
    assert code == 1
    assert "更正.csv: 无法确定文件的编码：第2行按 UTF-8 读是“C1,Ů”，按 GBK（简体中文）读是“C1,女”" in err
    assert db.read_bytes() == before


def test_a_gbk_roster_with_a_line_pasted_in_utf8_is_refused_and_nothing_changes(db, tmp_path,
                                                                               capsys):
    # The silent case: C2's name, pasted from a UTF-8 file, used to be stored as M眉ller.
    roster = tmp_path / "名册.csv"
    roster.write_bytes("id,name,gender,birth,unit_code,post\nC1,张三,M,1980.03,U1,科员\n"
                       .encode("gbk") + "C2,Müller,M,1975.06,U1,x\n".encode("utf-8"))
    before = db.read_bytes()
    code, _, err = run(capsys, "load", db, "干部", roster, "--as-of", "2026-01-01")
    assert code == 1
    assert "名册.csv: 文件混用了两种编码：第2行是 GBK/GB18030，第3行却是 UTF-8。" in err
    assert db.read_bytes() == before


# Pieces of a genuine UTF-8 text with no Chinese: ASCII, a Latin-1 symbol between digits,
# circled numbers, full-width punctuation, Tibetan, Mongolian, emoji, a Latin word.
PIECES = st.one_of(
    st.text(st.sampled_from("abcXYZ0123 .-:;/"), min_size=1, max_size=6),
    st.sampled_from("·×÷°±²½§©").map(lambda symbol: f"1{symbol}2"),
    st.characters(min_codepoint=0x2460, max_codepoint=0x2473),   # ① ... ⑳
    st.sampled_from("，。、；：？！（）【】《》"),
    st.characters(min_codepoint=0x0F40, max_codepoint=0x0F6C),   # Tibetan letters
    st.characters(min_codepoint=0x1820, max_codepoint=0x1877),   # Mongolian letters
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),  # emoji
    st.sampled_from(["café", "Müller", "naïve"]))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.lists(PIECES, min_size=1, max_size=4).map("".join), min_size=1,
                      max_size=5))
def test_genuine_utf8_without_chinese_is_never_refused_nor_misread(cells):
    text = "c0,c1\n" + "".join(f"C{i},{cell}\n" for i, cell in enumerate(cells))
    assert decode_bytes(text.encode("utf-8"), "a.csv") == (text, "utf-8")


# A line pasted from a UTF-8 file into a GBK (Big5) one, its letters with diacritics valid GBK
# (UTF-8 é is C3 A9, GBK 茅): GBK would store 鏉庡洓,caf茅 or M眉ller.
@pytest.mark.parametrize(("pasted", "codec", "name"), [
    ("李四,café", "gbk", "GBK/GB18030"),
    ("C9,Müller", "gbk", "GBK/GB18030"),
    ("王五,José", "gbk", "GBK/GB18030"),
    ("C9,Renée", "gbk", "GBK/GB18030"),
    ("C9,Müller", "big5", "Big5"),
])
def test_a_utf8_line_with_latin_letters_in_a_legacy_file_is_refused(tmp_path, pasted, codec, name):
    head = "姓名,单位\n张三,财政局\n" if codec == "gbk" else "姓名,單位\n陳國華,財政廳\n"
    data = head.encode(codec) + pasted.encode("utf-8") + b"\n"
    message = f"a.csv：文件混用了两种编码：第1行是 {name}，第3行却是 UTF-8。"
    with pytest.raises(ReadError) as e:
        decode_bytes(data, "a.csv")
    assert str(e.value).startswith(message)
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    with pytest.raises(ReadError) as e:
        read_streamed(path)
    assert str(e.value).startswith(f"{path}：{message.removeprefix('a.csv：')}")


@pytest.mark.parametrize("cell", ["a茅", "b眉c", "Ma茅", "25掳C"])
def test_a_gbk_line_no_better_in_utf8_is_read_as_gbk(tmp_path, cell):
    # GBK a茅 is UTF-8 aé, 25掳C is 25°C: no better a reading, so read as the file's encoding.
    text = f"姓名,单位\nC1,{cell}\n"
    assert text.encode("gbk").split(b"\n")[1].decode("utf-8") != f"C1,{cell}"  # valid UTF-8
    assert decode_bytes(text.encode("gbk"), "a.csv") == (text, "gb18030")
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gbk"))
    assert read_streamed(path) == [["C1", cell]]
