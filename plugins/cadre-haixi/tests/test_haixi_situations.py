"""海西州's situation catalogue (``data/situations.csv``): what ships, and what a row added to it
does: its code becomes a valid 情形代码 for adjustments in 海西州, and nowhere else."""
from __future__ import annotations

import datetime
import importlib.util
import shutil
from pathlib import Path

import pytest

from cadre_sdk import AdjustmentSituation, DataError
from cadre_sdk.formulas import SITUATION_COLUMNS, situations_from_csv
from cadre_sdk.testing import load_rows, make_db, make_plugins

import cadre_haixi.plugin

PACKAGE = Path(cadre_haixi.plugin.__file__).parent
ADDED = "HX-01,测试用情形（仅用于本测试，不是海西州文件原文）,不适宜担任现职,测试用出处,调离岗位、免职\n"

UNITS = [{"单位代码": code, "单位名称": name, "单位类别": "部门", "单位层级": "县", "所在地区代码": region}
         for code, name, region in (("HX-D", "德令哈市测试局", "632802"),   # 海西州
                                    ("HB-D", "门源县测试局", "632221"))]    # 海北州
CADRES = [{"干部编号": c, "姓名": f"测试{c}", "性别": "男", "出生年月": "1980.05", "工作单位": u,
           "职务": "局长"} for c, u in (("C-HX", "HX-D"), ("C-HB", "HB-D"))]


def adjustment(adj_id: str, cadre: str, code: str) -> dict[str, str]:
    return {"调整编号": adj_id, "干部编号": cadre, "调整时间": "2024-03-10", "情形代码": code,
            "触发来源": "巡视巡察", "调整方式": "免职", "状态": "已调整"}


def plugin_with_row(tmp_path: Path, row: str):
    """海西's plugin loaded from a copy of the package whose CSV has ``row`` appended, as a
    plugin author would ship it after adding a situation."""
    copy = tmp_path / "cadre_haixi_copy"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "data" / "situations.csv", "a", encoding="utf-8") as fh:
        fh.write(row)
    spec = importlib.util.spec_from_file_location("haixi_with_row", copy / "plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.plugin


def store(tmp_path: Path, plugins):
    db = make_db(tmp_path / "cadre.db", plugins)
    load_rows(db, "unit", UNITS, plugins=plugins, tmp=tmp_path)
    load_rows(db, "cadre", CADRES, plugins=plugins, tmp=tmp_path)
    return db


def test_the_shipped_catalogue_is_what_the_plugin_registers():
    path = PACKAGE / "data" / "situations.csv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(SITUATION_COLUMNS)
    registered = [i for i in cadre_haixi.plugin.plugin.items if isinstance(i, AdjustmentSituation)]
    assert registered == situations_from_csv(path)
    assert all(s.source for s in registered)  # nothing without a citation


def test_an_added_row_is_a_valid_situation_in_haixi_only(tmp_path):
    plugins = make_plugins(plugin_with_row(tmp_path, ADDED))
    db = store(tmp_path, plugins)
    load_rows(db, "adjustment", [adjustment("A1", "C-HX", "HX-01")], plugins=plugins, tmp=tmp_path)
    assert db.execute("SELECT situation FROM adjustment").fetchall() == [("HX-01",)]
    with pytest.raises(DataError) as info:
        load_rows(db, "adjustment", [adjustment("A2", "C-HB", "HX-01")], plugins=plugins,
                  tmp=tmp_path)
    (error,) = info.value.errors
    assert error.column == "情形代码" and "情形代码“HX-01”不在门源回族自治县（632221）" in error.reason
    assert db["adjustment"].count == 1


def test_without_the_row_the_code_is_refused_in_haixi_too(tmp_path):
    plugins = make_plugins(cadre_haixi.plugin.plugin)
    db = store(tmp_path, plugins)
    with pytest.raises(DataError) as info:
        load_rows(db, "adjustment", [adjustment("A1", "C-HX", "HX-01")], plugins=plugins,
                  tmp=tmp_path)
    assert "情形代码“HX-01”不在德令哈市（632802）" in info.value.errors[0].reason


def test_a_malformed_row_stops_the_plugin_naming_file_and_line(tmp_path):
    with pytest.raises(ValueError, match=r"situations\.csv:2: category '不合适' is not one of"):
        plugin_with_row(tmp_path, "HX-01,某情形,不合适,某出处,免职\n")


def test_work_safety_cases_add_haixi_red_line_to_the_provinces():
    book = make_plugins(cadre_haixi.plugin.plugin).book
    local = book.resolve("tolerance", "安全生产", "632802", on=datetime.date(2024, 7, 1))
    assert local.jurisdiction == "632800"
    assert local.item.red_lines == ("瞒报、谎报、迟报生产安全事故",)
    other = book.resolve_first("tolerance", ["改革创新", "*"], "632802",
                               on=datetime.date(2024, 7, 1))
    assert other.jurisdiction == "630000"  # other kinds of case keep the province's variant
