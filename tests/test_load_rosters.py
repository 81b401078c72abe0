"""Rosters as clerks keep them (issue 16): units by name, no id column (cadres matched by
身份证号), title rows, updates that never erase, names stored as written, and the errors of
the rest of the list, each with its Chinese message and the database unchanged."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from clihelp import run
from cadre_sdk.core.normalize import make_id_number

# Valid ID numbers built by the generator (check digits are tested in test_normalize).
ID1 = make_id_number("632701", dt.date(1994, 9, 7), 25, male=True)
ID2 = make_id_number("632801", dt.date(1980, 3, 1), 3, male=False)
HEADER = "姓名,性别,出生年月,民族,工作单位,职务,职级,身份证号"
ROWS = [f"於海燕,女,1980.03,土族,玉树市水利局,科员,一级科员,{ID2}",
        f"蕭瀋,男,1994.09,藏族,格尔木市农牧局,局长,一级调研员,{ID1}"]


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区\n"
                     "U1,格尔木市农牧局,部门,县,格尔木市\n"
                     "U2,玉树市水利局,部门,县,632701\n"
                     "U3,城关镇人民政府,乡镇,乡镇,632801\n"
                     "U4,城关镇人民政府,乡镇,乡镇,632701\n", encoding="utf-8")
    code, out, err = run(capsys, "load", path, "unit", units)
    assert code == 0, err
    return path


def write(tmp_path, name, text, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def cadres(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM cadre ORDER BY id_number").fetchall()
    finally:
        conn.close()


def rejected(capsys, db: Path, file: Path, message: str, kind: str = "cadre", *extra) -> str:
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, kind, file, *extra)
    assert code == 1, (out, err)
    assert message in err, err
    assert db.read_bytes() == before, "the database changed"
    return err


def titled_xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年干部名册"])
    ws.merge_cells("A1:H1")
    ws.append([])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_gbk_roster_by_unit_name_without_id_column(db, tmp_path, capsys):
    f = write(tmp_path, "名册.csv", "\n".join([HEADER, *ROWS]) + "\n", "gbk")
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 0, err
    assert "新增 2 行，更新 0 行，未变 0 行" in out
    rows = cadres(db)
    # ids assigned by the store in file order, not derived from the ID numbers
    assert [(r[0], r[1], r[5]) for r in rows] == [("RY0000002", "蕭瀋", "U1"),
                                                  ("RY0000001", "於海燕", "U2")]


def test_three_copies_of_a_roster_give_identical_rows(tmp_path, capsys):
    def fresh(name):
        path = tmp_path / name
        assert run(capsys, "init", path)[0] == 0
        units = write(tmp_path, "u.csv", "单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
                      "U1,格尔木市农牧局,部门,县,632801\nU2,玉树市水利局,部门,县,632701\n")
        assert run(capsys, "load", path, "unit", units)[0] == 0
        return path

    gbk = write(tmp_path, "a.csv", "\n".join([HEADER, *ROWS]) + "\n", "gbk")
    wide = write(tmp_path, "b.csv", "\n".join([
        HEADER,
        f"  於海燕 ,女,１９８０．０３,土族, 玉树市水利局 ,科员,一级科员,{ID2}",
        f"蕭瀋　,男,１９９４年９月,藏族,格尔木市农牧局,局长,一级调研员,{ID1}"]) + "\n")
    xlsx = titled_xlsx(tmp_path / "c.xlsx", [HEADER.split(","), *[r.split(",") for r in ROWS]])
    results = []
    for i, f in enumerate([gbk, wide, xlsx]):
        path = fresh(f"db{i}.db")
        code, out, err = run(capsys, "load", path, "cadre", f)
        assert code == 0, err
        results.append(cadres(path))
    assert "c.xlsx：表头在第3行" in out
    assert results[0] == results[1] == results[2]
    assert [r[1] for r in results[0]] == ["蕭瀋", "於海燕"]  # stored as written


def test_narrow_file_changes_only_its_columns(db, tmp_path, capsys):
    f = write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    before = {r[7]: r for r in cadres(db)} if False else cadres(db)
    narrow = write(tmp_path, "narrow.csv", f"身份证号,职务\n{ID1},副局长\n{ID2},\n")
    code, out, err = run(capsys, "load", db, "cadre", narrow)
    assert code == 0, err
    assert "新增 0 行，更新 1 行，未变 1 行" in out
    after = cadres(db)
    post = 6  # column index of 职务 (post) in the cadre table
    for old, new in zip(before, after):
        assert old[:post] + old[post + 1:] == new[:post] + new[post + 1:]
    assert [r[post] for r in after] == ["副局长", "科员"]  # the empty cell kept 科员


def test_clear_empty_is_explicit(db, tmp_path, capsys):
    assert run(capsys, "load", db, "cadre",
               write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n"))[0] == 0
    narrow = write(tmp_path, "n.csv", f"身份证号,职级\n{ID1},\n")
    code, out, err = run(capsys, "load", db, "cadre", narrow, "--clear-empty")
    assert code == 0, err
    assert "空单元格清空了原值（--clear-empty）" in out
    assert [r[7] for r in cadres(db)] == [None, "一级科员"]


def test_rerun_writes_nothing(db, tmp_path, capsys):
    f = write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "cadre", f)
    assert code == 0, err
    assert "没有变化，未写入任何数据" in out
    assert db.read_bytes() == before


def test_header_only_file_writes_nothing(db, tmp_path, capsys):
    f = write(tmp_path, "h.csv", HEADER + "\n")
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "cadre", f)
    assert code == 0, err
    assert "文件中没有数据行（只有表头），未写入任何数据" in out
    assert db.read_bytes() == before


def test_ambiguous_unit_name_lists_candidates(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,城关镇人民政府,镇长,,{ID1}\n")
    rejected(capsys, db, f, "c.csv:2: 工作单位: 有 2 个名为“城关镇人民政府”的单位："
             "城关镇人民政府（U3，格尔木市）、城关镇人民政府（U4，玉树市）")


def test_ambiguous_unit_name_in_a_cadre_roster_advises_region_option(db, tmp_path, capsys):
    # A cadre roster has no 所在地区 column to write: the way to say where is --region.
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,城关镇人民政府,镇长,,{ID1}\n")
    err = rejected(capsys, db, f, "请改填单位代码，或用 --region 指定所在地区（名称或代码，如 --region 格尔木市）")
    assert "写明所在地区" not in err
    rejected(capsys, db, f, "c.csv:2: 工作单位: 在青海省内有 2 个名为“城关镇人民政府”的单位",
             "cadre", "--region", "青海省")
    rejected(capsys, db, f, "或用 --region 指定范围更小的地区", "cadre", "--region", "青海省")


def test_region_option_suggests_the_regions_meant(db, tmp_path, capsys):
    # 玉树 is both 玉树市 and 玉树藏族自治州: a load never guesses which
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,城关镇人民政府,镇长,,{ID1}\n")
    rejected(capsys, db, f, "--region“玉树”对应多个地区：玉树藏族自治州（632700）、"
             "玉树市（632701）。请改填完整的地区名称或地区代码。", "cadre", "--region", "玉树")
    rejected(capsys, db, f, "--region“海西蒙古族自治州”不是已知的地区名称或代码。最接近的有："
             "海西蒙古族藏族自治州（632800）、", "cadre", "--region", "海西蒙古族自治州")


def test_region_option_reads_a_short_form_naming_one_region(db, tmp_path, capsys):
    # 格尔木 is 格尔木市 only: the 城关镇 of 格尔木市 (U3), and the report says so
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,城关镇人民政府,镇长,,{ID1}\n")
    code, out, err = run(capsys, "load", db, "cadre", f, "--region", "格尔木")
    assert code == 0, err
    assert "--region“格尔木”按格尔木市（632801）读取" in out
    assert cadres(db)[0][5] == "U3"


def test_short_region_name_in_a_unit_list_is_read_as_the_region(db, tmp_path, capsys):
    f = write(tmp_path, "u.csv", "单位代码,单位名称,单位类别,单位层级,所在地区\n"
              "U9,海西州民政局,部门,市州,海西州\n", "gbk")
    code, out, err = run(capsys, "load", db, "unit", f)
    assert code == 0, err
    assert "地区“海西州”按海西蒙古族藏族自治州（632800）读取" in out.splitlines()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT region_code FROM unit WHERE code = 'U9'").fetchone() == (
            "632800",)
    finally:
        conn.close()


def test_ambiguous_name_resolved_within_region(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,城关鎮人民政府,镇长,,{ID1}\n")
    code, out, err = run(capsys, "load", db, "cadre", f, "--region", "玉树市")
    assert code == 0, err
    assert cadres(db)[0][5] == "U4"


def test_unknown_unit_name_suggests_nearest(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1994.09,汉族,玉树市水力局,科员,,{ID1}\n")
    rejected(capsys, db, f, "c.csv:2: 工作单位: 找不到名为“玉树市水力局”的单位。"
             "最接近的有：玉树市水利局（U2）。请核对名称，或改填单位代码")


def test_missing_id_column_and_id_number(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", "姓名,性别,出生年月,工作单位,职务\n李四,男,1980.03,U1,科员\n")
    rejected(capsys, db, f, "c.csv:1: 干部编号: 缺少必填列，请在表头加上这一列；或者提供“身份证号”列")


def test_empty_id_number_without_id_column(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1980.03,汉族,U1,科员,,\n")
    rejected(capsys, db, f, "c.csv:2: 身份证号: 文件没有“干部编号”列，每一行都要填写身份证号")


def test_same_person_twice_without_id_column_is_one_error(db, tmp_path, capsys):
    # No 干部编号 column: the second row of the same ID number is reported at its 身份证号
    # column only, never as a missing 干部编号 (a column the clerk's file does not have).
    f = write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS, ROWS[0]]) + "\n", "gbk")
    err = rejected(capsys, db, f, "c.csv:4: 身份证号: 身份证号与 ")
    assert "c.csv:2 相同：同一人出现了两次，请合并为一行" in err
    assert "干部编号" not in err
    assert "1 处错误" in err


def test_duplicate_id_number_across_cadres(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", "干部编号,姓名,性别,出生年月,工作单位,职务,身份证号\n"
              f"C1,李四,男,1994.09,U1,科员,{ID1}\nC2,王五,男,1994.09,U1,科员,{ID1}\n")
    err = rejected(capsys, db, f, "c.csv:3: 身份证号: 身份证号与 ")
    assert "c.csv:2（干部编号 C1）相同：两位干部的身份证号不能相同，请核对" in err


def test_duplicate_id_number_against_the_store(db, tmp_path, capsys):
    assert run(capsys, "load", db, "cadre",
               write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n"))[0] == 0
    f = write(tmp_path, "c.csv", "干部编号,姓名,性别,出生年月,工作单位,职务,身份证号\n"
              f"C9,王五,男,1994.09,U1,科员,{ID1}\n")
    rejected(capsys, db, f, "c.csv:2: 身份证号: 身份证号已属于库中干部编号为 RY0000002 的干部")


def test_birth_month_after_the_load_date(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", "干部编号,姓名,性别,出生年月,工作单位,职务\n"
              "C1,李四,男,2030.03,U1,科员\n")
    rejected(capsys, db, f, "c.csv:2: 出生年月: 出生年月“2030-03”晚于 2026-12（导入所依据的日期）",
             "cadre", "--as-of", "2026-12-05")


def test_id_number_born_after_the_load_date(db, tmp_path, capsys):
    late = make_id_number("632701", dt.date(2027, 1, 2), 1, male=True)
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,2027.01,汉族,U1,科员,,{late}\n")
    rejected(capsys, db, f, "c.csv:2: 身份证号: 身份证号中的出生日期 2027-01-02 晚于 2026-12-05",
             "cadre", "--as-of", "2026-12-05")


def test_gender_written_in_full(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男性,1994.09,汉族,U1,科员,,{ID1}\n"
              f"王芳,女性,1980.03,汉族,U1,科员,,{ID2}\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    assert [r[2] for r in cadres(db)] == ["男", "女"]


def test_formula_without_cached_value(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["李四", "男", "1994.09", "汉族", "U1", "科员", "=A1", ID1])
    wb.save(tmp_path / "f.xlsx")
    rejected(capsys, db, tmp_path / "f.xlsx", "f.xlsx: 工作表“Sheet”：单元格 G2 是公式，"
             "但文件里没有保存公式的计算结果"
             "（这个文件不是由 Excel 保存的）。请在 Excel 中打开并保存后再导入。")


def test_csv_that_is_a_workbook(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.save(tmp_path / "x.xlsx")
    (tmp_path / "x.csv").write_bytes((tmp_path / "x.xlsx").read_bytes())
    rejected(capsys, db, tmp_path / "x.csv", "x.csv: 这个文件其实是 Excel 工作簿（.xlsx），"
             "只是扩展名写成了文本格式。请把扩展名改为 .xlsx 后再导入，"
             "或在 Excel 中另存为“CSV UTF-8（逗号分隔）”。")


def test_uninitialized_database(tmp_path, capsys):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.commit()
    f = write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS]) + "\n")
    before = path.read_bytes()
    code, out, err = run(capsys, "load", path, "cadre", f)
    assert code == 1
    assert "不是干部数据库（没有干部相关的表）。请先运行 cadre init" in err, err
    assert path.read_bytes() == before


def test_missing_file_and_folder(db, tmp_path, capsys):
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "cadre", tmp_path / "nope.csv")
    assert code == 1 and "找不到文件或文件夹" in err and "nope.csv" in err, err
    code, out, err = run(capsys, "load", db, "cadre", str(tmp_path / "nofolder") + "/")
    assert code == 1 and "找不到文件或文件夹" in err and "nofolder" in err, err
    code, out, err = run(capsys, "load", tmp_path / "no.db", "cadre", tmp_path / "nope.csv")
    assert code == 1 and "不存在" in err, err
    assert db.read_bytes() == before


def test_kinds_says_how_cadres_are_identified(capsys):
    code, out, err = run(capsys, "kinds", "干部")
    assert code == 0
    assert "没有时按“身份证号”匹配已有记录，新记录由系统分配编号" in out


# --- ID numbers against the assessment year (issue 16, list item 7) ---------------------------
# 於海燕 (ID2) is born 1980-03-01 and gets RY0000001 (first in the file); 蕭瀋 (ID1) 1994-09-07.


@pytest.fixture
def with_cadres(db, tmp_path, capsys):
    f = write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    return db


def test_assessment_year_before_the_cadres_birth(with_cadres, tmp_path, capsys):
    f = write(tmp_path, "a.csv", "考核编号,考核对象,干部编号,单位代码,年度,考核周期\n"
              "A1,个人,RY0000001,U2,1980,年度\n"    # born in 1980: that year is possible
              "A2,个人,RY0000001,U2,1979,年度\n"    # 1979 < 1980: not born yet
              "A3,个人,RY0000002,U1,1993,一季度\n"  # 1993 < 1994
              "A4,班子,,U1,1950,年度\n")           # a team: no cadre, no birth to compare
    err = rejected(capsys, with_cadres, f, "a.csv:3: 年度: 1979年时干部 RY0000001 尚未出生"
                   "（其身份证号中的出生日期为 1980-03-01）：请核对年度，或该干部的身份证号",
                   "assessment")
    assert "a.csv:4: 年度: 1993年时干部 RY0000002 尚未出生（其身份证号中的出生日期为 1994-09-07）" in err
    assert "a.csv:2" not in err and "a.csv:5" not in err
    assert "2 处错误" in err


def test_recorded_grade_before_the_cadres_birth(with_cadres, tmp_path, capsys):
    f = write(tmp_path, "g.csv", "干部编号,考核年度,等次\nRY0000002,1990,称职\n")
    rejected(capsys, with_cadres, f, "g.csv:2: 考核年度: 1990年时干部 RY0000002 尚未出生"
             "（其身份证号中的出生日期为 1994-09-07）：请核对年度，或该干部的身份证号",
             "annual_grade")


def test_assessment_of_a_cadre_without_id_number_is_not_compared(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", "干部编号,姓名,性别,出生年月,工作单位,职务\n"
              "C1,李四,男,1994.09,U1,科员\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    a = write(tmp_path, "a.csv", "考核编号,考核对象,干部编号,单位代码,年度,考核周期\n"
              "A1,个人,C1,U1,1990,年度\n")
    code, _, err = run(capsys, "load", db, "assessment", a)
    assert code == 0, err


def test_id_number_birth_differs_from_birth_month(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{HEADER}\n李四,男,1995.09,汉族,U1,科员,,{ID1}\n")
    rejected(capsys, db, f, "c.csv:2: 出生年月: 1995-09 与身份证号中的出生年月（1994-09）不一致："
             "请核对出生年月，或身份证号")


@pytest.mark.parametrize("encoding, header, post", [
    ("gbk", "姓名,性别,出生日期,民族,工作单位,职务,职级,身份证号码", "局长"),
    ("cp950", "姓名,性別,出生年月,民族,工作單位,職務,職級,身份證號碼", "局長"),
])
def test_id_number_disagreements_name_the_clerks_column(db, tmp_path, capsys, encoding, header,
                                                        post):
    """The province's check names the birth month or gender column as the file writes it
    (an alias, Traditional characters), the one to fix; the ID number by its title."""
    # ID1: a man born 1994-09; ID2: a woman born 1980-03; a man born 1970-05.
    id3 = make_id_number("630102", dt.date(1970, 5, 12), 4, male=True)
    f = write(tmp_path, "c.csv", f"{header}\n李四,男,1995.09,,U1,{post},,{ID1}\n"
              f"王芳,男,1980.03,,U1,{post},,{ID2}\n"
              f"趙明,女,1970.06,,U1,{post},,{id3}\n", encoding)
    birth, gender = header.split(",")[2], header.split(",")[1]
    err = rejected(capsys, db, f, f"c.csv:2: {birth}: 1995-09 与身份证号中的出生年月（1994-09）不一致："
                   "请核对出生年月，或身份证号")
    assert f"c.csv:3: {gender}: 男 与身份证号显示的性别（女）不一致：请核对性别，或身份证号" in err
    assert f"c.csv:4: {birth}: 1970-06 与身份证号中的出生年月（1970-05）不一致" in err
    assert f"c.csv:4: {gender}: 女 与身份证号显示的性别（男）不一致" in err
    assert "c.csv:2: 性" not in err and "c.csv:3: 出生" not in err and "4 处错误" in err


# --- the rest of the list, each with its whole message (issue 16, item 7) ---------------------


@pytest.mark.parametrize("make, what", [
    (lambda p: p.write_bytes(b""), "是空的，还没有初始化"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (x)").connection.commit(),
     "不是干部数据库（没有干部相关的表）"),
])
def test_database_never_initialized(tmp_path, capsys, make, what):
    path = tmp_path / "store.db"
    make(path)
    f = write(tmp_path, "c.csv", "\n".join([HEADER, *ROWS]) + "\n")
    before = path.read_bytes()
    code, _, err = run(capsys, "load", path, "cadre", f)
    assert code == 1
    assert f"数据库 {path} {what}。请先运行 cadre init {path}，或核对数据库文件的路径。" \
           "数据未作任何改动。" in err, err
    assert path.read_bytes() == before


def test_missing_paths_whole_messages(db, tmp_path, capsys):
    before = db.read_bytes()
    nope = tmp_path / "nope.csv"
    code, out, err = run(capsys, "load", db, "cadre", nope)
    assert code == 1
    assert f"找不到文件或文件夹 {nope}。请检查路径和文件名（可以把文件拖进命令行窗口以得到完整路径）。" \
           "数据未作任何改动。" in err, err
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    code, out, err = run(capsys, "load", db, "cadre", empty)
    assert code == 1
    assert f"文件夹 {empty} 里没有可导入的文件（.csv、.tsv、.txt、.xlsx、.json、.ndjson，" \
           "干部还可以是任免审批表 .lrmx）。请核对文件夹路径。" in err, err
    missing_db = tmp_path / "no.db"
    code, _, err = run(capsys, "load", missing_db, "cadre", nope)
    assert code == 1
    assert f"数据库 {missing_db} 不存在。请先运行 cadre init {missing_db}" in err, err
    assert not missing_db.exists()
    assert db.read_bytes() == before


def test_header_only_xlsx_with_a_title_row_writes_nothing(db, tmp_path, capsys):
    f = titled_xlsx(tmp_path / "h.xlsx", [HEADER.split(",")])
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "cadre", f)
    assert code == 0, err
    assert "文件中没有数据行（只有表头），未写入任何数据" in out
    assert db.read_bytes() == before


def test_csv_that_is_an_old_xls_workbook(db, tmp_path, capsys):
    f = write(tmp_path, "x.csv", "")
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    err = rejected(capsys, db, f, f"{f}: 这个文件其实是旧版 Excel 工作簿（.xls），只是扩展名写成了文本格式。"
                   "请在 Excel 或 WPS 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再导入。")
    assert err.count(str(f)) == 1  # the file named once (was "x.csv: x.csv：…")


def test_gender_written_in_full_in_a_workbook(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.active.append(["李四", "男性", "1994.09", "汉族", "U1", "科员", None, ID1])
    wb.active.append(["王芳", "女性", "1980.03", "汉族", "U1", "科员", None, ID2])
    wb.save(tmp_path / "g.xlsx")
    assert run(capsys, "load", db, "cadre", tmp_path / "g.xlsx")[0] == 0
    assert [r[2] for r in cadres(db)] == ["男", "女"]


def two_level_workbook(path: Path, second_birth: str = "1980.03") -> Path:
    """A county's roster as one workbook: a sheet per management level."""
    wb = openpyxl.Workbook()
    wb.active.title = "县处级"
    wb.active.append(HEADER.split(","))
    wb.active.append(["蕭瀋", "男", "1994.09", "藏族", "U1", "局长", None, ID1])
    second = wb.create_sheet("乡科级")
    second.append(HEADER.split(","))
    second.append(["於海燕", "女", second_birth, "土族", "U2", "科员", None, ID2])
    wb.save(path)
    return path


def test_workbook_with_two_data_sheets_needs_sheet(db, tmp_path, capsys):
    # Reading only the first sheet would leave 乡科级 out without a word: refused instead.
    f = two_level_workbook(tmp_path / "名册.xlsx")
    rejected(capsys, db, f, "名册.xlsx: 工作簿里有 2 个有数据的工作表（“县处级”、“乡科级”），"
             "不能确定要导入哪些。请用 --sheet 指明要导入的工作表，可以写多次"
             "（如 --sheet 县处级 --sheet 乡科级）")


def test_sheet_option_loads_each_named_sheet(db, tmp_path, capsys):
    f = two_level_workbook(tmp_path / "名册.xlsx")
    code, out, err = run(capsys, "load", db, "cadre", f, "--sheet", "县处级", "--sheet", "乡科级")
    assert code == 0, err
    assert "新增 2 行" in out
    assert [(r[1], r[5]) for r in cadres(db)] == [("蕭瀋", "U1"), ("於海燕", "U2")]


def test_sheet_option_names_the_sheet_in_errors(db, tmp_path, capsys):
    f = two_level_workbook(tmp_path / "名册.xlsx", second_birth="1980.13")
    rejected(capsys, db, f, f"{f}（工作表“乡科级”）:2: 出生年月: 无法识别的年月“1980.13”",
             "cadre", "--sheet", "县处级", "--sheet", "乡科级")
    rejected(capsys, db, f, "找不到名为“科级”的工作表。这个文件里的工作表有：“县处级”、“乡科级”",
             "cadre", "--sheet", "科级")


def test_the_one_sheet_with_data_is_read(db, tmp_path, capsys):
    # An empty first sheet and a hidden sheet (the list behind a drop-down) are not data.
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    lists = wb.create_sheet("下拉选项")
    lists.append(["男"])
    lists.append(["女"])
    lists.sheet_state = "hidden"
    data = wb.create_sheet("名册")
    data.append(HEADER.split(","))
    data.append(["蕭瀋", "男", "1994.09", "藏族", "U1", "局长", None, ID1])
    wb.save(tmp_path / "w.xlsx")
    code, out, err = run(capsys, "load", db, "cadre", tmp_path / "w.xlsx")
    assert code == 0, err
    assert [r[1] for r in cadres(db)] == ["蕭瀋"]


def test_unit_list_loaded_as_cadres_names_the_kind(db, tmp_path, capsys):
    f = write(tmp_path, "单位名录.csv", "单位编码,单位名称,单位类型,层级,所在地区\n"
              "U9,玉树市民政局,部门,县,玉树市\n", "gbk")
    err = rejected(capsys, db, f, f"{f}:1: 表头中有 5 列是“单位”数据的列，这个文件像是“单位”数据，"
                   f"不是“干部”数据。如果选错了数据类别，请改用：cadre load {db} 单位 {f}")
    assert err.index("像是“单位”数据") < err.index("未知的列")  # said first


def test_titled_roster_loaded_as_units_names_the_kind_not_the_title(db, tmp_path, capsys):
    # The title row's merged cell is not the problem: the header (row 3) is a cadre roster's.
    f = titled_xlsx(tmp_path / "名册.xlsx", [HEADER.split(","),
                                            ["蕭瀋", "男", "1994.09", "藏族", "U1", "局长", None, ID1]])
    err = rejected(capsys, db, f, f"{f}:3: 表头中有 8 列是“干部”数据的列，这个文件像是“干部”数据，"
                   f"不是“单位”数据。如果选错了数据类别，请改用：cadre load {db} 干部 {f}", "unit")
    assert "合并单元格" not in err


def test_row_number_column_is_left_out_and_said(db, tmp_path, capsys):
    # Nearly every roster begins with 序号: a row number, not data about the cadre.
    f = write(tmp_path, "名册.csv", "\n".join(
        ["序号," + HEADER] + [f"{i}," + row for i, row in enumerate(ROWS, 1)]) + "\n", "gbk")
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 0, err
    assert f"{f}：“序号”列是行号，不导入" in out
    assert "新增 2 行" in out
    assert [(r[1], r[3]) for r in cadres(db)] == [("蕭瀋", "1994-09"), ("於海燕", "1980-03")]


def test_id_numbers_with_spreadsheet_text_marks(db, tmp_path, capsys):
    # Exports keep Excel from turning ID numbers into numbers with a leading apostrophe or a
    # text formula ="…": the number inside is the ID number.
    f = write(tmp_path, "导出.csv", f"{HEADER}\n"
              f"於海燕,女,1980.03,土族,玉树市水利局,科员,一级科员,'{ID2}\n"
              f"蕭瀋,男,1994.09,藏族,格尔木市农牧局,局长,一级调研员,=\"{ID1}\"\n", "gbk")
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 0, err
    assert [(r[1], r[10]) for r in cadres(db)] == [("蕭瀋", ID1), ("於海燕", ID2)]


def test_ethnic_group_written_short_is_stored_by_its_name(db, tmp_path, capsys):
    # Rosters write 汉/藏/撒拉 for 汉族/藏族/撒拉族: stored as one group each (the public
    # level's 汉族/少数民族 step would otherwise count “汉” among the minorities). Other
    # values stay as written.
    ids = [make_id_number("632701", dt.date(1980, m, 15), 3, male=True) for m in (1, 2, 3, 4)]
    f = write(tmp_path, "名册.csv", f"{HEADER}\n" + "".join(
        f"张{i},男,1980.0{i + 1},{eth},U1,科员,,{ids[i]}\n"
        for i, eth in enumerate(["汉", "漢", "撒拉", "穿青人"])), "gbk")
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 0, err
    assert [r[4] for r in cadres(db)] == ["汉族", "汉族", "撒拉族", "穿青人"]


def test_header_wrapped_in_its_cell_is_named_on_one_line(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "性别", "出生\n年月", "民族", "工作单位", "职务", "职级", "身份证\n号码"])
    wb.active.append(["蕭瀋", "男", "75.06", "藏族", "U1", "局长", None, ID1])
    wb.save(tmp_path / "w.xlsx")
    err = rejected(capsys, db, tmp_path / "w.xlsx", "w.xlsx:2: 出生年月: 无法识别的年月“75.06”")
    assert len(err.strip().splitlines()) == 2  # the summary and the one error, each one line


def test_cadre_level_written_as_the_grade(db, tmp_path, capsys):
    # 正处级 and 副科 are grades of 县处级 and 乡科级; 副局 (short for a post) is not a level.
    f = write(tmp_path, "名册.csv", f"{HEADER},干部层级\n{ROWS[0]},副科\n{ROWS[1]},正处级\n", "gbk")
    code, out, err = run(capsys, "load", db, "干部", f)
    assert code == 0, err
    assert [(r[1], r[8]) for r in cadres(db)] == [("蕭瀋", "县处级"), ("於海燕", "乡科级")]
    f = write(tmp_path, "层级.csv", f"身份证号,干部层级\n{ID1},副局\n")
    rejected(capsys, db, f, "层级.csv:2: 干部层级: “副局”不是可接受的取值")


def test_career_history_by_a_mistyped_id_number_says_which_digit(db, tmp_path, capsys):
    assert run(capsys, "load", db, "cadre",
               write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n"))[0] == 0
    wrong = ID1[:17] + ("0" if ID1[17] != "0" else "1")
    f = write(tmp_path, "履历.csv", "履历编号,干部编号,起始时间,任职单位,职务,经历类型\n"
              f"P1,{ID1},2015.1,U1,局长,任职\nP2,{wrong},2012.6,U1,科员,任职\n", "gbk")
    rejected(capsys, db, f, f"履历.csv:3: 干部编号: “{wrong}”不是已导入干部的编号；作为身份证号，"
             f"身份证号校验位错误：应为 {ID1[17]}，实为 {wrong[17]}", "任职经历")


def test_unknown_kind_says_which_was_likely_meant(db, tmp_path, capsys):
    f = write(tmp_path, "名册.csv", "\n".join([HEADER, *ROWS]) + "\n")
    rejected(capsys, db, f, "未知的数据类别“干部名册”。是否要导入“干部”？可用类别：", "干部名册")
    rejected(capsys, db, f, "未知的数据类别“任免审批表”。任免审批表（.lrmx）按“干部”导入："
             "cadre load DB 干部 文件或文件夹。", "任免审批表")


def test_two_row_header_is_told_to_become_one_row(db, tmp_path, capsys):
    # 姓名 … merged down rows 2–3, 任职情况 merged over 工作单位 | 职务 in row 3.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年干部名册"])
    ws.append(["姓名", "性别", "出生年月", "任职情况", None, "身份证号"])
    ws.append([None, None, None, "工作单位", "职务", None])
    for col in "ABCF":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("D2:E2")
    ws.append(["蕭瀋", "男", "1994.09", "U1", "局长", ID1])
    wb.save(tmp_path / "两行.xlsx")
    err = rejected(capsys, db, tmp_path / "两行.xlsx", "两行.xlsx: 工作表“Sheet”：表头占了第2–3行"
                   "（合并单元格 A2:A3、B2:B3、C2:C3、D2:E2、F2:F3），本程序只认一行表头。")
    assert "把表头整理成一行" in err


def test_folder_takes_subfolders_reports_old_workbooks_and_skips_lock_files(db, tmp_path, capsys):
    folder = tmp_path / "名册"
    (folder / "玉树市").mkdir(parents=True)
    write(folder / "玉树市", "a.csv", f"{HEADER}\n{ROWS[0]}\n", "gbk")   # in a subfolder
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.active.append(ROWS[1].split(","))
    wb.save(folder / "b.xlsx")
    (folder / "~$b.xlsx").write_bytes(b"\x0bclerk" + b"\x00" * 150)  # Excel's lock file: b is open
    old = folder / "c.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    err = rejected(capsys, db, folder, f"{old}: 不支持“.xls”格式的表格。请在 Excel 或 WPS 中把它另存为")
    assert "~$b.xlsx" not in err and "1 处错误" in err
    old.unlink()
    code, out, err = run(capsys, "load", db, "干部", folder)
    assert code == 0, err
    assert "新增 2 行" in out and "2 个文件" in out
