"""The bad-input suite: every kind of bad file gets a clear error (file, line, column, reason),
exit status 1, and leaves the database byte-for-byte as it was."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from clihelp import run

CADRE_HEADER = "干部编号,姓名,性别,出生年月,民族,工作单位,职务,身份证号"
# make_id_number("632801", date(1975, 6, 12), 3, male=True): check digit worked by the tests of
# normalize; here it only has to be valid.
GOOD = "C1,张三,男,1975.06,汉族,U1,局长,632801197506120036"


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / "cadre.db"
    assert run(capsys, "init", path)[0] == 0
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
                     "U1,格尔木市农牧局,部门,县,632801\n", encoding="utf-8")
    assert run(capsys, "load", path, "unit", units)[0] == 0
    return path


def check_rejected(capsys, db: Path, file: Path, *fragments: str, kind: str = "cadre") -> str:
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, kind, file)
    assert code == 1, (out, err)
    for fragment in fragments:
        assert fragment in err, err
    assert db.read_bytes() == before, "the database changed"
    return err


def write(tmp_path, name, text, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_good_file_loads_and_a_rerun_changes_nothing(db, tmp_path, capsys):
    import sqlite3

    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n")
    assert run(capsys, "load", db, "cadre", f)[0] == 0
    rows = sqlite3.connect(db).execute("SELECT * FROM cadre").fetchall()
    assert run(capsys, "load", db, "干部", f)[0] == 0
    assert sqlite3.connect(db).execute("SELECT * FROM cadre").fetchall() == rows
    assert rows[0][:4] == ("C1", "张三", "男", "1975-06")


def test_gbk_file_loads(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n", "gbk")
    assert run(capsys, "load", db, "cadre", f)[0] == 0


def test_mixed_encoding(db, tmp_path, capsys):
    data = f"{CADRE_HEADER}\n".encode("utf-8") + f"{GOOD}\n".encode("utf-8") + \
        "C2,李四,女,1980.03,藏族,U1,副局长,\n".encode("gbk")
    check_rejected(capsys, db, write(tmp_path, "mixed.csv", data), "mixed.csv", "第3行")


def test_wrong_encoding_undecodable(db, tmp_path, capsys):
    # 0x80 and 0xFF are not valid in UTF-8 nor in GBK/GB18030.
    data = f"{CADRE_HEADER}\n{GOOD}\n".encode("utf-8") + b"C2,\x80\xff\x80,\n"
    check_rejected(capsys, db, write(tmp_path, "bad.csv", data), "bad.csv", "第3行")


def test_missing_required_column(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", "干部编号,姓名,性别,民族,工作单位,职务\nC1,张三,男,汉族,U1,局长\n")
    check_rejected(capsys, db, f, "c.csv:1: 出生年月: 缺少必填列")


def test_unknown_column(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER},爱好\n{GOOD},登山\n")
    check_rejected(capsys, db, f, "c.csv:1: 爱好: 未知的列")


def test_remarks_column_says_what_to_do(db, tmp_path, capsys):
    # Many rosters end in a 备注 column (a cadre has no such field): the clerk is told to
    # delete it, or to rename a column that is meant.
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER},备注\n{GOOD},借调\n")
    check_rejected(capsys, db, f, "c.csv:1: 备注: 未知的列。", "如果这一列不需要导入（如序号、备注），"
                   "请删除这一列后重新导入；如果需要，请把表头改为上列名称之一")


def test_bad_date_and_bad_check_digit_and_every_bad_row_listed(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n"
              "C2,李四,女,1980.13,藏族,U1,副局长,\n"
              "C3,王五,男,1970.01,回族,U1,科员,632801197001010071\n")  # valid: ...0077
    err = check_rejected(capsys, db, f, "c.csv:3: 出生年月:", "c.csv:4: 身份证号:", "校验位")
    assert "2 处错误" in err


def test_unknown_unit(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\nC1,张三,男,1975.06,汉族,U404,局长,\n")
    check_rejected(capsys, db, f, "c.csv:2: 工作单位: 引用的单位“U404”不存在")


def test_unknown_region(db, tmp_path, capsys):
    f = write(tmp_path, "u.csv", "单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
              "U2,某局,部门,县,639999\n")
    check_rejected(capsys, db, f, "u.csv:2: 所在地区代码: 引用的地区“639999”不存在", kind="unit")


def test_duplicate_key_within_one_file(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\nC1,张三,男,1975.06,汉族,U1,局长,\n")
    check_rejected(capsys, db, f, "c.csv:3:", "与 ", "c.csv:2 重复")


def test_truncated_file(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f'{CADRE_HEADER}\n{GOOD}\nC2,"李四,女,1980.03')
    check_rejected(capsys, db, f, "c.csv", "截断")


def test_nul_bytes(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n".encode() + b"C2,\x00\x00," + "女\n".encode())
    check_rejected(capsys, db, f, "c.csv", "NUL")


def test_ten_megabyte_field(db, tmp_path, capsys):
    big = "好" * (10 * 1024 * 1024 // 3)
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\nC1,张三,男,1975.06,汉族,U1,{big},\n")
    check_rejected(capsys, db, f, "c.csv:2: 职务:", "过长")


def test_empty_file(db, tmp_path, capsys):
    check_rejected(capsys, db, write(tmp_path, "c.csv", b""), "c.csv", "为空")


def test_merged_header_cells(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["干部信息", None, "性别", "出生年月", "民族", "工作单位", "职务"])
    ws.merge_cells("A1:B1")
    ws.append(["C1", "张三", "男", "1975.06", "汉族", "U1", "局长"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    check_rejected(capsys, db, path, "c.xlsx", "合并单元格")


def test_unknown_kind(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n")
    check_rejected(capsys, db, f, "未知的数据类别", kind="人员")


def test_missing_file(db, tmp_path, capsys):
    before = db.read_bytes()
    code, _, err = run(capsys, "load", db, "cadre", tmp_path / "nope.csv")
    assert code != 0 and "nope.csv" in err
    assert db.read_bytes() == before


def test_bad_rows_across_two_files_nothing_written(db, tmp_path, capsys):
    import sqlite3

    good = write(tmp_path, "a.csv", f"{CADRE_HEADER}\n{GOOD}\n")
    bad = write(tmp_path, "b.csv", f"{CADRE_HEADER}\nC2,李四,女,1980.03,藏族,U9,副局长,\n")
    before = db.read_bytes()
    code, _, err = run(capsys, "load", db, "cadre", good, bad)
    assert code == 1 and "b.csv:2: 工作单位" in err
    assert db.read_bytes() == before
    assert sqlite3.connect(db).execute("SELECT count(*) FROM cadre").fetchone()[0] == 0


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    f = write(tmp_path, "c.csv", f"{CADRE_HEADER}\n{GOOD}\n")
    before = db.read_bytes()
    code, out, _ = run(capsys, "load", db, "cadre", f, "--dry-run")
    assert code == 0 and "校验通过" in out
    assert db.read_bytes() == before
