"""Regions written in clerks' files the way clerks write them (海西州, 格尔木, 唐古拉山): a short
form that names exactly one division is stored as its code and the load's report says what it
was read as; one naming several (玉树: 玉树市 and 玉树藏族自治州; 城关: two townships) is
refused with them all, at the clerk's file, line and column, and nothing is stored. Real CSV
and .xlsx files, loaded with ``cadre load``."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from clihelp import run, stored
from cadre_sdk.core.divisions import known
from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.ingest import references
from cadre_sdk.ingest.references import find_region

UNIT_HEADER = ["单位代码", "单位名称", "单位类别", "单位层级", "所在地区"]
#: Townships of the test store: 城关镇 in two counties, and 唐古拉山镇 of 格尔木市.
TOWNSHIPS = ("地区代码,地区名称,层级,上级代码\n"
             "630103001,城关镇,乡镇,630103\n"
             "632802001,城关镇,乡镇,632802\n"
             "632801101,唐古拉山镇,乡镇,632801\n")


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    towns = tmp_path / "towns.csv"
    towns.write_text(TOWNSHIPS, encoding="utf-8")
    code, out, err = run(capsys, "load", path, "region", towns)
    assert code == 0, err
    return path


def unit_csv(tmp_path: Path, regions: list[str]) -> Path:
    path = tmp_path / "单位.csv"
    rows = [",".join(UNIT_HEADER)] + [f"U{i},单位{i},部门,县,{r}" for i, r in enumerate(regions)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_find_region_without_guessing_names_every_region_a_form_may_mean():
    regions = [(c, n) for c, (n, _) in known().items()]
    assert find_region("海西州", regions, guess=False).code == "632800"
    assert find_region("格尔木", regions, guess=False).code == "632801"
    yushu = find_region("玉树", regions, guess=False)
    assert yushu.code is None and yushu.ambiguous
    assert yushu.candidates == (("632700", "玉树藏族自治州"), ("632701", "玉树市"))
    # a county's short form a township shares (大通: 大通回族土族自治县 and 大通镇)
    datong = find_region("大通", [*regions, ("632801102", "大通镇")], guess=False)
    assert datong.code is None and datong.ambiguous
    assert datong.candidates == (("630121", "大通回族土族自治县"), ("632801102", "大通镇"))


def test_short_forms_in_a_workbook_are_stored_as_codes_and_reported_once(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(UNIT_HEADER)
    for i, region in enumerate(["海西州", "海西州", "格尔木", "唐古拉山", "西宁市", "海西州"]):
        ws.append([f"U{i}", f"单位{i}", "部门", "县", region])
    wb.save(tmp_path / "单位.xlsx")
    code, out, err = run(capsys, "load", db, "unit", tmp_path / "单位.xlsx")
    assert code == 0, err
    assert stored(db, "SELECT code, region_code FROM unit ORDER BY code") == [
        ("U0", "632800"), ("U1", "632800"), ("U2", "632801"), ("U3", "632801101"),
        ("U4", "630100"), ("U5", "632800")]
    notes = [line for line in out.splitlines() if line.endswith("读取")]
    # one line per distinct short form, in the order met; none for a full name
    assert notes == ["地区“海西州”按海西蒙古族藏族自治州（632800）读取",
                     "地区“格尔木”按格尔木市（632801）读取",
                     "地区“唐古拉山”按唐古拉山镇（632801101）读取"]


def test_forms_naming_several_regions_are_refused_with_them_all(db, tmp_path, capsys):
    path = unit_csv(tmp_path, ["海西州", "玉树", "城关"])
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "unit", path)
    assert code == 1, out
    assert (f"{path}:3: 所在地区: “玉树”可指 2 个地区：玉树藏族自治州（632700，青海省）、"
            "玉树市（632701，玉树藏族自治州）。请改填完整的地区名称或地区代码") in err
    assert (f"{path}:4: 所在地区: “城关”可指 2 个地区：城关镇（630103001，城中区）、"
            "城关镇（632802001，德令哈市）。请改填完整的地区名称或地区代码") in err
    assert "读取" not in out
    assert db.read_bytes() == before


def test_a_short_form_is_read_within_the_load_s_region(db, tmp_path, capsys):
    # 城关 names two townships, but one within 德令哈市 (itself written 德令哈)
    path = unit_csv(tmp_path, ["城关"])
    code, out, err = run(capsys, "load", db, "unit", path, "--region", "德令哈")
    assert code == 0, err
    assert "--region“德令哈”按德令哈市（632802）读取" in out
    assert "地区“城关”按城关镇（632802001）读取" in out
    assert stored(db, "SELECT region_code FROM unit") == [("632802001",)]


def test_a_case_s_jurisdiction_in_a_short_form(db, tmp_path, capsys):
    units = unit_csv(tmp_path, ["632801"])
    assert run(capsys, "load", db, "unit", units)[0] == 0
    cadres = tmp_path / "干部.csv"
    number = make_id_number("632801", dt.date(1980, 3, 1), 3, male=False)
    cadres.write_text("干部编号,姓名,性别,出生年月,民族,工作单位,职务,身份证号\n"
                      f"C1,李四,女,1980.03,汉族,U0,科员,{number}\n", encoding="utf-8")
    code, out, err = run(capsys, "load", db, "cadre", cadres)
    assert code == 0, err
    cases = tmp_path / "案件.csv"
    cases.write_bytes("案件编号,干部编号,管辖地区,案件类别,事由\n"
                      "K1,C1,格尔木,改革创新,试点\nK2,C1,玉樹州,改革创新,试点\n".encode("gbk"))
    code, out, err = run(capsys, "load", db, "case", cases)
    assert code == 0, err
    assert "地区“格尔木”按格尔木市（632801）读取" in out
    assert "地区“玉樹州”按玉树藏族自治州（632700）读取" in out
    assert stored(db, "SELECT id, region_code FROM [case] ORDER BY id") == [
        ("K1", "632801"), ("K2", "632700")]


def test_each_distinct_cell_is_matched_once(db, tmp_path, capsys, monkeypatch):
    calls: list[str] = []

    def counted(text, regions, **kwargs):
        calls.append(text)
        return find_region(text, regions, **kwargs)

    monkeypatch.setattr(references, "find_region", counted)
    path = unit_csv(tmp_path, ["海西州"] * 300 + ["格尔木"] * 300)
    code, out, err = run(capsys, "load", db, "unit", path)
    assert code == 0, err
    assert sorted(calls) == ["格尔木", "海西州"]
    assert stored(db, "SELECT count(*) FROM unit WHERE region_code = '632800'") == [(300,)]


def test_a_township_s_parent_in_a_short_form(db, tmp_path, capsys):
    # a region list's 上级代码 is a region reference too; 玉树 there is refused as anywhere
    towns = tmp_path / "乡镇.csv"
    towns.write_text("地区代码,地区名称,层级,上级代码\n632801102,郭勒木德镇,乡镇,格尔木\n"
                     "632701101,结古镇,乡镇,玉树\n", encoding="utf-8")
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "region", towns)
    assert code == 1, out
    assert f"{towns}:3: 上级代码: “玉树”可指 2 个地区" in err
    assert db.read_bytes() == before
    towns.write_text("地区代码,地区名称,层级,上级代码\n632801102,郭勒木德镇,乡镇,格尔木\n",
                     encoding="utf-8")
    code, out, err = run(capsys, "load", db, "region", towns)
    assert code == 0, err
    assert "地区“格尔木”按格尔木市（632801）读取" in out
    assert stored(db, "SELECT parent_code FROM region WHERE code = '632801102'") == [("632801",)]
