"""Chinese punctuation clerks type (，：；（）！？ and full-width quotes and brackets) is stored
as typed in text and names, from CSV (UTF-8, GBK) and .xlsx files alike; full-width letters,
digits and symbols are still folded to ASCII; a unit written with （） or () is the same unit;
a store loaded by an earlier version (which folded that punctuation to ASCII) loads the same
files again as unchanged; masking still finds a name next to full-width punctuation."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from cadre_sdk.core import normalize as nz
from cadre_sdk.publish.redact import NAME_MASK, Redactor
from cadre_sdk.records.fields import _enum_converter

from clihelp import run, stored

AS_OF = "2027-06-01"
NOTE = "受理日期登记有误，按受理通知书更正"
SUMMARY = "吕品，在项目审批中简化了程序：未造成损失！是否容错？"
UNIT = "玉树州农牧局（本级）"


def test_text_keeps_chinese_punctuation_and_folds_letters_digits_symbols():
    assert nz.clean_text(NOTE) == NOTE
    assert nz.clean_text("乌纪（２０２７）１２号") == "乌纪（2027）12号"
    assert nz.clean_text("“ＡＢＣ”；［附件］｛一｝＂引＂＇号＇１～３页") == \
        "“ABC”；［附件］｛一｝＂引＂＇号＇1～3页"
    # symbols numbers, dates and addresses are written with still become ASCII
    assert nz.clean_text("ａ＠ｂ．ｃｎ　１５％＋１－２／３") == "a@b.cn 15%+1-2/3"
    assert nz.to_float("１５％") == 15.0
    assert nz.to_date("２０２７／３／１") == "2027-03-01"
    assert nz.to_date("２０２７．０３．０１") == "2027-03-01"
    assert nz.clean_name(UNIT) == UNIT
    assert nz.clean_name("於海燕（女）") == "於海燕（女）"
    assert nz.names_as_written([UNIT, "张三"], 20)
    assert not nz.names_as_written(["张三１"], 20)


def test_the_fast_path_looks_for_exactly_the_characters_folded():
    wide = {cp for cp in range(0x10000) if nz._WIDE.match(chr(cp))}
    assert wide == set(nz._FULLWIDTH)
    assert set(nz._FULLWIDTH_ASCII) - wide == set(map(ord, nz.KEPT_PUNCTUATION))


def test_old_folding_is_what_earlier_versions_stored():
    assert nz.old_folding(NOTE) == "受理日期登记有误,按受理通知书更正"
    assert nz.old_folding("乌纪（2027）12号！？：；") == "乌纪(2027)12号!?:;"
    assert nz.same_but_old_folding(("R1", 1, "受理日期登记有误,按受理通知书更正"), ("R1", 1, NOTE))
    assert not nz.same_but_old_folding(("R1", 1, "登记有误,按通知更正"), ("R1", 1, NOTE))
    # only that way round: a value stored as written is not the same as its ASCII spelling
    assert not nz.same_but_old_folding(("R1", 1, NOTE), ("R1", 1, nz.old_folding(NOTE)))


def test_a_choice_is_found_with_either_width_of_punctuation():
    convert = _enum_converter(("其他（请说明）", "不适用"), {"n/a": "不适用"})
    assert convert("其他(请说明)") == "其他（请说明）"
    assert convert("其他（请说明）") == "其他（请说明）"
    assert convert("N/A") == "不适用"


@contextlib.contextmanager
def old_version(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Normalization as earlier versions had it: the whole full-width block folded."""
    with monkeypatch.context() as patch:
        patch.setattr(nz, "_FULLWIDTH", nz._FULLWIDTH_ASCII)
        patch.setattr(nz, "_WIDE", re.compile("[\uff01-\uff5e\u3000]"))
        patch.setattr(nz, "_CLEAN_CACHE", {})
        yield


def write_files(tmp: Path) -> dict[str, Path]:
    """The clerks' files: units in GBK, cadres in .xlsx (the unit written with ASCII and
    with full-width parentheses), a case and its events in UTF-8."""
    units = tmp / "单位.csv"
    units.write_bytes(("单位代码,单位名称,单位类别,单位层级,所在地区\n"
                       f"U1,{UNIT},部门,市州,玉树藏族自治州\n"
                       "U2,玉树州林草局,部门,市州,玉树藏族自治州\n").encode("gbk"))
    cadres = tmp / "干部.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["干部编号", "姓名", "性别", "出生年月", "工作单位", "职务"])
    sheet.append(["C1", "吕品", "男", "1980.05", "玉树州农牧局(本级)", "局长（兼）"])
    sheet.append(["C2", "冶海燕", "女", "1982.07", UNIT, "副局长"])
    book.save(cadres)
    cases = tmp / "案件.csv"
    cases.write_text("案件编号,干部编号,管辖地区,案件类别,事由\n"
                     f"R1,C1,632700,改革创新,{SUMMARY}\n", encoding="utf-8")
    events = tmp / "事件.csv"
    events.write_text("案件编号,序号,事件,日期,备注,文号\n"
                      f"R1,1,申请,2027-03-01,{NOTE},乌纪（２０２７）１２号\n", encoding="utf-8")
    return {"unit": units, "cadre": cadres, "case": cases, "case_event": events}


def load_all(capsys, db: Path, files: dict[str, Path]) -> list[str]:
    outs = []
    for kind, path in files.items():
        code, out, err = run(capsys, "load", db, kind, path, "--as-of", AS_OF)
        assert code == 0, err
        outs.append(out)
    return outs


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_files(tmp_path)


@pytest.fixture
def db(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    return path


def test_punctuation_is_stored_as_typed(db, files, capsys):
    load_all(capsys, db, files)
    # the bytes stored: UTF-8 of the text as the clerk typed it (full-width digits folded)
    assert stored(db, "SELECT hex(note), hex(document_no) FROM case_event") == [
        (NOTE.encode().hex().upper(), "乌纪（2027）12号".encode().hex().upper())]
    assert stored(db, "SELECT hex(summary) FROM [case]") == [(SUMMARY.encode().hex().upper(),)]
    assert stored(db, "SELECT hex(name) FROM unit WHERE code = 'U1'") == [
        (UNIT.encode().hex().upper(),)]
    # 工作单位 written with () or （）: the same unit; 职务 as typed
    assert stored(db, "SELECT id, unit_code, post FROM cadre ORDER BY id") == [
        ("C1", "U1", "局长（兼）"), ("C2", "U1", "副局长")]


def test_a_store_of_an_earlier_version_loads_the_same_files_unchanged(db, files, capsys,
                                                                      monkeypatch):
    with old_version(monkeypatch):
        load_all(capsys, db, files)
    folded = "受理日期登记有误,按受理通知书更正"
    assert stored(db, "SELECT note, document_no FROM case_event") == [(folded, "乌纪(2027)12号")]
    assert stored(db, "SELECT name FROM unit WHERE code = 'U1'") == [("玉树州农牧局(本级)",)]
    before = db.read_bytes()
    outs = load_all(capsys, db, files)
    # no row counted as changed, an event (append-only) not refused; nothing written
    assert all("更新 0 行" in out and "新增 0 行" in out for out in outs), outs
    assert db.read_bytes() == before
    # the event is kept as stored: the hash chain covers it
    assert run(capsys, "verify", db)[0] == 0
    # a real change to the stored event is still refused
    files["case_event"].write_text("案件编号,序号,事件,日期,备注,文号\n"
                                   "R1,1,申请,2027-03-01,受理日期有误,乌纪（2027）12号\n",
                                   encoding="utf-8")
    code, _, err = run(capsys, "load", db, "case_event", files["case_event"], "--as-of", AS_OF)
    assert code == 1 and "只能追加，不能修改已入库的记录" in err
    # a unit list with a real change is written as given: its other rows as typed too
    files["unit"].write_bytes(("单位代码,单位名称,单位类别,单位层级,所在地区\n"
                               f"U1,{UNIT},部门,市州,玉树藏族自治州\n"
                               "U2,玉树州林业和草原局,部门,市州,玉树藏族自治州\n").encode("gbk"))
    code, out, err = run(capsys, "load", db, "unit", files["unit"], "--as-of", AS_OF)
    assert code == 0 and "更新 1 行" in out and "未变 1 行" in out, err
    assert stored(db, "SELECT code, name FROM unit ORDER BY code") == [
        ("U1", UNIT), ("U2", "玉树州林业和草原局")]


def test_masking_finds_a_name_next_to_full_width_punctuation(db, files, capsys):
    load_all(capsys, db, files)
    ((summary,),) = stored(db, "SELECT summary FROM [case]")
    redactor = Redactor(names=["吕品", "冶海燕"])
    assert redactor.text(summary) == f"{NAME_MASK}，在项目审批中简化了程序：未造成损失！是否容错？"
    assert redactor.text("经核实（冶海燕）；") == f"经核实（{NAME_MASK}）；"
