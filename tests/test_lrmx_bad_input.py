"""Bad 任免审批表 files get what bad CSV rows get: file, element (its Chinese meaning and its
name), reason in Chinese, exit status 1, and the database byte-for-byte as it was."""
from __future__ import annotations

from pathlib import Path

import pytest

from clihelp import run
from test_lrmx_load import ID_CAIRANG, ID_WANG, person, write


@pytest.fixture
def db(lrmx_db):
    """The store these tests load into (``lrmx_db`` in conftest)."""
    return lrmx_db

SAVE = "请在任免审批表软件中打开后重新保存（或重新导出）。"


def rejected(capsys, db: Path, *args, kind: str = "干部") -> list[str]:
    """The error lines of a refused load, after checking nothing changed."""
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, kind, *args)
    assert code == 1, (out, err)
    assert db.read_bytes() == before, "the database changed"
    return err.strip().splitlines()


def one(capsys, db, path: Path) -> str:
    lines = rejected(capsys, db, path)
    assert lines[0] == "任免审批表有 1 处错误，未写入任何数据。请改正后重新导入：", lines
    assert len(lines) == 2, lines
    return lines[1].strip()


def test_not_xml(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", "姓名,性别\n张三,男\n")
    assert one(capsys, db, f) == (f"{f}: 不是任免审批表（.lrmx）文件：内容不是 XML。"
                                  "请确认文件是由任免审批表软件或干部信息系统导出的 .lrmx 文件。")


def test_wrong_root(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", '<?xml version="1.0"?>\n<Root><XingMing>张三</XingMing></Root>')
    assert one(capsys, db, f) == (f"{f}: 根元素是“Root”，不是任免审批表的“Person”。"
                                  "请确认文件是任免审批表（.lrmx）文件。")


def test_truncated_xml(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person()[:200])
    text = f.read_text(encoding="utf-8")
    last = text.count("\n") + 1  # the parser stops where the text stops
    assert one(capsys, db, f).startswith(f"{f}: XML 格式有误（第{last}行第")
    assert one(capsys, db, f).endswith(f"列附近），文件可能不完整或已损坏。{SAVE}")


def test_empty_file(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", b"")
    assert one(capsys, db, f) == f"{f}: 文件为空。请确认选择的是正确的任免审批表文件。"


def test_doctype_is_refused_before_parsing(db, tmp_path, capsys):
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE Person [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<Person><XingMing>&b;</XingMing></Person>')
    f = write(tmp_path, "a.lrmx", bomb)
    assert one(capsys, db, f) == (f"{f}: 文件含有 DOCTYPE/ENTITY 声明，任免审批表文件不应包含，"
                                  f"出于安全原因不予读取。{SAVE}")


def test_declared_utf8_with_gbk_bytes(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(), "gbk")  # the prolog still says UTF-8
    # line 3 holds the first non-ASCII character: <XingMing>才让多杰</XingMing>
    assert one(capsys, db, f) == f"{f}: 文件声明的编码是 UTF-8，但第3行含有不是这种编码的字节。{SAVE}"


def test_declared_gb2312_with_utf8_bytes(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(declaration='<?xml version="1.0" encoding="GB2312"?>'))
    assert one(capsys, db, f) == f"{f}: 文件声明的编码是 GB2312，内容却是 UTF-8 编码。{SAVE}"


def test_unknown_declared_encoding(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(declaration='<?xml version="1.0" encoding="Big5"?>'))
    assert one(capsys, db, f) == (f"{f}: 文件声明的编码“Big5”无法识别，应为 UTF-8 或 GB2312/GBK。{SAVE}")


def test_missing_id_number_element(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person().replace(f"  <ShenFenZheng>{ID_CAIRANG}</ShenFenZheng>\n", ""))
    # no element: the message points at <Person> (line 2)
    assert one(capsys, db, f) == (f"{f}:2: 身份证号（ShenFenZheng）: 缺少这个元素，无法确定是哪位干部。"
                                  "请在任免审批表中填写后重新导出")


def test_empty_current_post(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(post=""))
    assert one(capsys, db, f) == (f"{f}:7: 现任职务（XianRenZhiWu）: 内容为空，无法确定工作单位和职务。"
                                  "请在任免审批表中填写后重新导出")


def test_bad_birth_month_names_the_element(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(birth="197513"))
    lines = rejected(capsys, db, f)
    assert lines == ["“干部”数据有 1 处错误，未写入任何数据。请改正后重新导入：",
                     f"  {f}:2: 出生年月（ChuShengNianYue）: 无法识别的年月“197513”：月份应为 1–12，"
                     "请写作 1975.06、1975-06 或 1975年6月"]


def test_missing_name_is_the_required_column_message(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(name=""))
    lines = rejected(capsys, db, f)
    assert lines[1:] == [f"  {f}:2: 姓名（XingMing）: 必填项“姓名”为空"]


def test_bad_resume_lines_are_listed_with_file_line_and_resume_line(db, tmp_path, capsys):
    resume = ("1995.07--1998.09  玉树市水利局科员\n"
              "1999.13--2000.01  玉树市水利局副科长\n"
              "2001.05  玉树市水利局局长")
    f = write(tmp_path, "a.lrmx", person(resume=resume))
    lines = rejected(capsys, db, f)
    # the résumé starts on line 8 of the file: its lines 2 and 3 are lines 9 and 10
    assert lines == [
        "任免审批表有 2 处错误，未写入任何数据。请改正后重新导入：",
        f"  {f}:9: 简历（JianLi）: 简历第2行“1999.13--2000.01  玉树市水利局副科长”：起止时间有误（月份“13”应为 1–12）",
        f"  {f}:10: 简历（JianLi）: 简历第3行“2001.05  玉树市水利局局长”：无法识别起止时间，"
        "应写作“1995.07--1998.09  单位及职务”（至今的写作“2016.03--”）",
    ]


def test_unknown_unit(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(post="囊谦县教育局局长"))
    assert one(capsys, db, f) == (f"{f}:7: 现任职务（XianRenZhiWu）: “囊谦县教育局局长”的开头不是任何已导入单位的名称。"
                                  "请先导入该单位（cadre load DB 单位 …），并确认单位名称与现任职务开头一致")


def test_unit_without_post(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(post="玉树市水利局"))
    assert one(capsys, db, f) == f"{f}:7: 现任职务（XianRenZhiWu）: 只写了单位“玉树市水利局”，没有写职务"


def test_same_person_twice(db, tmp_path, capsys):
    a = write(tmp_path / "d", "a.lrmx", person())
    b = write(tmp_path / "d", "b.lrmx", person(name="才让"))
    # line 12: prolog, Person, 5 elements, JianLi, JiangCheng…, NianDu…, JiaTing…, ShenFenZheng
    assert one(capsys, db, tmp_path / "d") == (
        f"{b}:12: 身份证号（ShenFenZheng）: 与 {a} 是同一个身份证号：同一人只应有一份任免审批表，请只导入其中一份")


def test_one_bad_file_among_good_ones_writes_nothing(db, tmp_path, capsys):
    write(tmp_path / "d", "a.lrmx", person(resume="2004.03--  玉树市水利局局长",
                                           grades="2023年度考核为优秀。"))
    bad = write(tmp_path / "d", "b.lrmx", person(id_number=ID_WANG, birth="1968.13"))
    lines = rejected(capsys, db, tmp_path / "d")
    assert lines[1:] == [f"  {bad}:2: 出生年月（ChuShengNianYue）: 无法识别的年月“1968.13”：月份应为 1–12，"
                         "请写作 1975.06、1975-06 或 1975年6月"]


def test_a_bad_posting_row_is_reported_at_its_resume_line(db, tmp_path, capsys):
    long_post = "玉树市水利局" + "某" * 200 + "科员"
    f = write(tmp_path, "a.lrmx", person(resume=f"1995.07--1998.09  {long_post}\n"
                                                "1998.09--  玉树市水利局局长"))
    lines = rejected(capsys, db, f)
    assert lines == ["“任职经历”数据有 1 处错误，未写入任何数据。请改正后重新导入：",
                     f"  {f}:8: 职务（简历 JianLi）: “职务”过长：208 个字符，上限 200"]


def test_empty_folder_missing_file_and_wrong_kind(db, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert rejected(capsys, db, tmp_path / "empty") == [
        f"错误：文件夹 {tmp_path / 'empty'} 里没有可导入的文件（.csv、.tsv、.txt、.xlsx、.json、.ndjson，"
        "干部还可以是任免审批表 .lrmx）。请核对文件夹路径。"]
    missing = tmp_path / "nope.lrmx"
    assert one(capsys, db, missing) == f"{missing}: 找不到这个文件，请检查路径和文件名。"
    f = write(tmp_path, "a.lrmx", person())
    assert rejected(capsys, db, f, kind="单位") == [
        f"任免审批表（.lrmx）和文件夹只能按“干部”导入：cadre load DB 干部 {f}"]
    roster = write(tmp_path, "r.csv", "干部编号,姓名\n")
    assert rejected(capsys, db, roster, f) == [
        f"任免审批表（.lrmx）请与其他格式的文件分开导入：先导入 {roster}，再单独导入 .lrmx 文件"]


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(resume="2004.03--  玉树市水利局局长"))
    before = db.read_bytes()
    code, out, _ = run(capsys, "load", db, "干部", f, "--dry-run")
    assert code == 0 and out.startswith("校验通过：任免审批表 1 份（干部 1 行，任职经历 1 行），未写入")
    assert db.read_bytes() == before


def test_every_problem_of_a_file_at_once(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(post="囊谦县教育局局长", birth="197513", gender="男性?",
                                         resume="1999.13--2000.01  某局科员"))
    lines = rejected(capsys, db, f)
    assert lines == [
        "任免审批表有 4 处错误，未写入任何数据。请改正后重新导入：",
        f"  {f}:2: 性别（XingBie）: “男性?”不是可接受的取值；可填：男、女",
        f"  {f}:2: 出生年月（ChuShengNianYue）: 无法识别的年月“197513”：月份应为 1–12，"
        "请写作 1975.06、1975-06 或 1975年6月",
        f"  {f}:7: 现任职务（XianRenZhiWu）: “囊谦县教育局局长”的开头不是任何已导入单位的名称。"
        "请先导入该单位（cadre load DB 单位 …），并确认单位名称与现任职务开头一致",
        f"  {f}:8: 简历（JianLi）: 简历第1行“1999.13--2000.01  某局科员”：起止时间有误（月份“13”应为 1–12）",
    ]


def test_declared_utf16_but_single_byte(db, tmp_path, capsys):
    f = write(tmp_path, "a.lrmx", person(declaration='<?xml version="1.0" encoding="UTF-16"?>'))
    assert one(capsys, db, f) == f"{f}: 文件声明的编码是 UTF-16，内容却不是 UTF-16 编码。{SAVE}"


def test_grade_of_a_year_before_the_birth_in_the_id_number(db, tmp_path, capsys):
    # 才让多杰's ID number says 1972-03-15; a grade for 1970 cannot be his.
    f = write(tmp_path, "a.lrmx", person(grades="1970年度考核为优秀，2021年度考核为称职。"))
    assert rejected(capsys, db, f) == [
        "“历年考核等次”数据有 1 处错误，未写入任何数据。请改正后重新导入：",
        (f"  {f}:10: 年度（年度考核结果（NianDuKaoHeJieGuo））: 1970年时干部 RY0000001 尚未出生"
         "（其身份证号中的出生日期为 1972-03-15）：请核对年度，或该干部的身份证号")]
