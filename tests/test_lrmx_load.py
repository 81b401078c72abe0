"""`cadre load DB 干部 *.lrmx`: hand-written 任免审批表 files (GB2312, UTF-16, an empty résumé,
wrapped résumé lines, a Traditional-character name) load into cadres, career history, recorded
grades and commendations as read off the files by hand; bad files are refused with their exact
Chinese message and leave the database byte-identical."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest

from cadre_sdk.records import Cadre, Posting
from clihelp import run

# ID numbers: make_id_number(region, birth, seq, male); the check digits are the SDK's.
ID_CAIRANG = "63270119720315011X"   # 632701, 1972-03-15
ID_WANG = "632801196803020141"      # 632801, 1968-03-02
ID_XIAO = "632701198011200199"      # 632701, 1980-11-20

UNITS = ("单位代码,单位名称,单位类别,单位层级,所在地区代码\n"
         "U1,格尔木市农牧局,部门,县,632801\n"
         "U2,玉树市水利局,部门,县,632701\n"
         "T1,玉树市结古镇,乡镇,乡镇,632701\n")


@pytest.fixture
def db(lrmx_db):
    """The store these tests load into (``lrmx_db`` in conftest)."""
    return lrmx_db


def person(*, name="才让多杰", gender="男", birth="197203", id_number=ID_CAIRANG,
           post="玉树市水利局局长", resume="", grades="", rewards="无", extra="",
           declaration='<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return (f"{declaration}\n<Person>\n"
            f"  <XingMing>{name}</XingMing>\n  <XingBie>{gender}</XingBie>\n"
            f"  <ChuShengNianYue>{birth}</ChuShengNianYue>\n  <MinZu>藏族</MinZu>\n"
            f"  <XianRenZhiWu>{post}</XianRenZhiWu>\n"
            f"  <JianLi>{resume}</JianLi>\n"
            f"  <JiangChengQingKuang>{rewards}</JiangChengQingKuang>\n"
            f"  <NianDuKaoHeJieGuo>{grades}</NianDuKaoHeJieGuo>\n"
            "  <JiaTingChengYuan><Item><ChengWei>妻子</ChengWei><XingMing>卓玛</XingMing>"
            "</Item></JiaTingChengYuan>\n"
            f"{extra}  <ShenFenZheng>{id_number}</ShenFenZheng>\n"
            "  <ZhaoPian>iVBORw0KGgo=</ZhaoPian>\n  <Version>3.2.1.6</Version>\n</Person>\n")


TWO_LINE_RESUME = ("1990.09--1994.07  青海民族学院汉语言文学专业学习\n"
                   "1994.07--1997.12  玉树市结古镇人民政府干事\n"
                   "1997.12--2003.03  玉树市结古镇党委副书记、\n"
                   "                  镇长（其间：1999.09--2001.07在青海省委党校\n"
                   "                  经济管理专业在职大专班学习）\n"
                   "2003.03--2004.03  海南州共和县人民政府副县长（挂职）\n"
                   "2004.03--         玉树市水利局局长")


def write(folder: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def as_stored(post: str) -> str:
    """A 职务 as the column stores any clerk's text (its converter tidies it: spaces, full-width
    letters and digits, Traditional characters; Chinese punctuation stays)."""
    return attrs.fields_dict(Posting)["post"].converter(post)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def edge_cases(folder: Path) -> Path:
    """The four hand-written files of the done-when list, in one folder."""
    write(folder, "才让多杰.lrmx", person(
        resume=TWO_LINE_RESUME,
        grades="2021年度、2022年度考核为称职，2023年度考核为优秀。",
        rewards="2019年12月6日被青海省委、省政府评为全省民族团结进步先进个人；2022年获嘉奖。"))
    gb2312 = person(name="王淑芬", gender="女", birth="1968.03", id_number=ID_WANG,
                    post="格尔木市农牧局副局长",
                    resume="1986.07--2010.05  格尔木市农牧局科员\n"
                           "2010.05--          格尔木市农牧局副局长",
                    grades="2020年度考核为优秀，2021年度、2022年度考核为称职。",
                    declaration='<?xml version="1.0" encoding="GB2312"?>')
    # Real GB2312 bytes (every character is in GB2312), CRLF as the old software wrote.
    write(folder, "王淑芬.lrmx", gb2312.replace("\n", "\r\n").encode("gb2312"))
    # A Traditional-character name and post, UTF-16 with a BOM, an empty résumé.
    write(folder, "蕭瀋.lrmx", person(name="蕭瀋", birth="1980.11", id_number=ID_XIAO,
                                     post="玉樹市水利局副局長", resume="", grades="",
                                     declaration='<?xml version="1.0" encoding="UTF-16"?>'),
          "utf-16")
    return folder


def test_edge_cases_load_as_read_by_hand(db, tmp_path, capsys):
    folder = edge_cases(tmp_path / "任免审批表")
    code, out, err = run(capsys, "load", db, "干部", folder)
    assert code == 0, err
    # Files in name order: 才让多杰 < 王淑芬 < 蕭瀋 (code points), so new ids RY0000001.. follow it.
    simplified = attrs.fields_dict(Cadre)["name"].converter("蕭瀋")  # as the 姓名 column stores it
    assert rows(db, "SELECT id, name, gender, birth, ethnicity, unit_code, post, id_number "
                    "FROM cadre ORDER BY id") == [
        ("RY0000001", "才让多杰", "男", "1972-03", "藏族", "U2", "局长", ID_CAIRANG),
        ("RY0000002", "王淑芬", "女", "1968-03", "藏族", "U1", "副局长", ID_WANG),
        ("RY0000003", simplified, "男", "1980-11", "藏族", "U2", "副局长", ID_XIAO),
    ]
    assert rows(db, "SELECT id, cadre_id, start, [end], unit_code, post, kind, township, "
                    "leadership FROM posting ORDER BY id") == [
        # the study spell (line 1) is not a posting; "玉树市结古镇…" begins with T1's name
        ("RY0000001-199407", "RY0000001", "1994-07", "1997-12", "T1",
         "玉树市结古镇人民政府干事", "任职", 1, 0),
        # three résumé lines, one spell
        ("RY0000001-199712", "RY0000001", "1997-12", "2003-03", "T1", as_stored(
            "玉树市结古镇党委副书记、镇长（其间：1999.09--2001.07在青海省委党校经济管理专业在职大专班学习）"),
         "任职", 1, 1),
        ("RY0000001-200303", "RY0000001", "2003-03", "2004-03", None,
         as_stored("海南州共和县人民政府副县长（挂职）"), "挂职", 0, 1),
        ("RY0000001-200403", "RY0000001", "2004-03", None, "U2", "玉树市水利局局长", "任职", 0, 1),
        ("RY0000002-198607", "RY0000002", "1986-07", "2010-05", "U1", "格尔木市农牧局科员",
         "任职", 0, 0),
        ("RY0000002-201005", "RY0000002", "2010-05", None, "U1", "格尔木市农牧局副局长",
         "任职", 0, 1),
    ]
    assert rows(db, "SELECT cadre_id, year, grade, source FROM annual_grade ORDER BY 1, 2") == [
        ("RY0000001", 2021, "称职", "才让多杰.lrmx"),
        ("RY0000001", 2022, "称职", "才让多杰.lrmx"),
        ("RY0000001", 2023, "优秀", "才让多杰.lrmx"),
        ("RY0000002", 2020, "优秀", "王淑芬.lrmx"),
        ("RY0000002", 2021, "称职", "王淑芬.lrmx"),
        ("RY0000002", 2022, "称职", "王淑芬.lrmx"),
    ]
    assert rows(db, "SELECT id, cadre_id, date, kind, title FROM commendation") == [
        ("RY0000001-JC20191206-1", "RY0000001", "2019-12-06", "表彰",
         "被青海省委、省政府评为全省民族团结进步先进个人")]
    cairang = folder / "才让多杰.lrmx"
    assert out.splitlines() == [
        "已导入任免审批表 3 份：干部 3 行，任职经历 6 行，历年考核等次 6 行，表彰与典型 1 行；其中新干部 3 人。",
        "各类合计：新增 16 行，更新 0 行，未变 0 行。",
        "简历中的学习经历 1 条（以“学习”“进修”等结尾的行）不计入任职经历。",
        "以下 1 处内容已读取但未导入：",
        # line 15: prolog 1, Person 2, five elements 3–7, the résumé's 7 lines 8–14
        f"  {cairang}:15: 奖惩情况：“2022年获嘉奖”没有写明年月日，表彰记录需要日期，未导入",
        "家庭主要成员及重要社会关系（JiaTingChengYuan）和照片（ZhaoPian）不导入、不保存。",
    ]
    # The file's hash goes to provenance, once per kind it filled.
    import hashlib
    digest = hashlib.sha256(cairang.read_bytes()).hexdigest()
    assert rows(db, f"SELECT kind, rows FROM provenance WHERE sha256 = '{digest}' ORDER BY id") == [
        ("cadre", 1), ("posting", 4), ("annual_grade", 3), ("commendation", 1)]
    # Nothing of the family or the photo is anywhere in the store.
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "卓玛" not in dump and "iVBORw0KGgo" not in dump


def test_the_post_after_the_unit_keeps_its_punctuation(db, tmp_path, capsys):
    # 现任职务 is the unit's name (written with ASCII parentheses here, the unit list has none)
    # then the post: the post is stored as written, its （） kept, its spaces dropped.
    folder = tmp_path / "任免审批表"
    write(folder, "才让多杰.lrmx", person(post="玉树市 水利局局长（兼）、党组书记"))
    code, _, err = run(capsys, "load", db, "干部", folder)
    assert code == 0, err
    assert rows(db, "SELECT unit_code, post FROM cadre") == [("U2", "局长（兼）、党组书记")]


def test_rerun_finds_the_same_cadres_and_changes_no_record(db, tmp_path, capsys):
    folder = edge_cases(tmp_path / "f")
    assert run(capsys, "load", db, "干部", folder)[0] == 0
    tables = ("cadre", "posting", "annual_grade", "commendation")
    before = {t: rows(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}
    stored = db.read_bytes()
    code, out, _ = run(capsys, "load", db, "干部", folder)
    assert code == 0
    # nothing new: said so (not "已导入"), and the store is byte for byte as it was
    assert out.splitlines()[0] == ("任免审批表 3 份（干部 3 行，任职经历 6 行，历年考核等次 6 行，"
                                   "表彰与典型 1 行）与库中完全相同，没有变化，未写入任何数据。")
    assert db.read_bytes() == stored
    assert {t: rows(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables} == before
    # one grade changed (2023 优秀 → 称职): one row updated, the other 15 counted unchanged
    write(folder, "才让多杰.lrmx", person(
        resume=TWO_LINE_RESUME, grades="2021年度、2022年度、2023年度考核为称职。",
        rewards="2019年12月6日被青海省委、省政府评为全省民族团结进步先进个人；2022年获嘉奖。"))
    code, out, _ = run(capsys, "load", db, "干部", folder)
    assert code == 0
    assert "各类合计：新增 0 行，更新 1 行，未变 15 行。" in out.splitlines()


def test_existing_cadre_is_found_by_id_number(db, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("干部编号,姓名,性别,出生年月,工作单位,职务,身份证号\n"
                      f"QH1,才让多杰,男,1972.03,U1,科员,{ID_CAIRANG}\n", encoding="utf-8")
    assert run(capsys, "load", db, "干部", roster)[0] == 0
    f = write(tmp_path / "x", "a.lrmx", person(resume="2004.03--  玉树市水利局局长"))
    assert run(capsys, "load", db, "干部", f)[0] == 0
    assert rows(db, "SELECT id, unit_code, post FROM cadre") == [("QH1", "U2", "局长")]
    assert rows(db, "SELECT id, cadre_id FROM posting") == [("QH1-200403", "QH1")]


def test_generated_folder_matches_the_demo_rosters(tmp_path, capsys):
    """The demo's 24 files against the same people in its CSV rosters and career history."""
    from cadre_sdk.demo.generate import generate
    from cadre_sdk.demo.lrmx_files import FOLDER, PEOPLE
    from cadre_sdk.testing import make_plugins

    plugins = make_plugins()
    files = generate(tmp_path / "demo", cadres=40, seed=3, years=(2022, 2023, 2024),
                     plugins=plugins)
    folder = tmp_path / "demo" / FOLDER
    assert len(list(folder.glob("*.lrmx"))) == PEOPLE >= 20
    db = tmp_path / "d.db"
    assert run(capsys, "init", db)[0] == 0
    for kind in ("region", "unit"):
        assert run(capsys, "load", db, kind, *files[kind])[0] == 0
    code, out, err = run(capsys, "load", db, "干部", folder)
    assert code == 0, err
    loaded = rows(db, "SELECT id, name, gender, birth, ethnicity, unit_code, post, id_number "
                      "FROM cadre ORDER BY id_number")
    assert len(loaded) == PEOPLE
    # The reference: the same generated people loaded from the CSV rosters and 任职经历.csv.
    ref_db = tmp_path / "ref.db"
    assert run(capsys, "init", ref_db)[0] == 0
    for kind in ("region", "unit", "cadre", "posting"):
        assert run(capsys, "load", ref_db, kind, *files[kind])[0] == 0, kind
    expected = rows(ref_db, "SELECT name, gender, birth, ethnicity, unit_code, post, id_number "
                            "FROM cadre WHERE id <= 'QH0000024' ORDER BY id_number")
    assert [r[1:] for r in loaded] == expected
    # Career history: the same spells (months), texts "unit name + post", township flags.
    with sqlite3.connect(ref_db) as conn:
        conn.execute(f"ATTACH '{db}' AS l")
        want = conn.execute(
            "SELECT c.id_number, substr(p.start, 1, 7), substr(p.[end], 1, 7), "
            "coalesce(u.name, r.name, '') || p.post, p.township "
            "FROM posting p JOIN cadre c ON c.id = p.cadre_id "
            "LEFT JOIN unit u ON u.code = p.unit_code "
            "LEFT JOIN region r ON r.code = p.region_code AND p.unit_code IS NULL "
            "WHERE c.id <= 'QH0000024' ORDER BY 1, 2, 3"
        ).fetchall()
        got = conn.execute(
            "SELECT c.id_number, p.start, p.[end], p.post, p.township FROM l.posting p "
            "JOIN l.cadre c ON c.id = p.cadre_id ORDER BY 1, 2, 3").fetchall()
        assert got == want
        # Recorded grades: the files give 2019–2021, each year after the cadre's first job began.
        first = conn.execute("SELECT c.id_number, min(substr(p.start, 1, 4)) FROM posting p "
                             "JOIN cadre c ON c.id = p.cadre_id WHERE c.id <= 'QH0000024' "
                             "GROUP BY 1").fetchall()
        graded = conn.execute("SELECT c.id_number, g.year, g.grade FROM l.annual_grade g "
                              "JOIN l.cadre c ON c.id = g.cadre_id ORDER BY 1, 2").fetchall()
    assert [(n, y) for n, y, _ in graded] == sorted(
        (n, y) for n, start in first for y in (2019, 2020, 2021) if y > int(start))
    assert {g for _, _, g in graded} <= {"优秀", "称职"}


def test_progress_over_the_files_read(db, tmp_path, capsys):
    folder = edge_cases(tmp_path / "f")
    code, out, err = run(capsys, "load", db, "干部", folder, "--dry-run", "--progress")
    assert code == 0, err
    assert "读取任免审批表" in err and "校验通过：任免审批表 3 份" in out
    code, out, err = run(capsys, "load", db, "干部", folder, "--dry-run")  # stderr: no terminal
    assert code == 0 and "读取任免审批表" not in err


def test_folder_mixing_lrmx_and_rosters_is_refused(db, tmp_path, capsys):
    # Loading the .lrmx alone would leave the roster out without a word.
    folder = edge_cases(tmp_path / "f")
    (folder / "名册.csv").write_text("姓名,性别\n", encoding="utf-8")
    before = db.read_bytes()
    code, out, err = run(capsys, "load", db, "干部", folder)
    assert code == 1
    assert f"文件夹 {folder} 里既有任免审批表（.lrmx），又有其他文件（如 {folder / '名册.csv'}）" in err
    assert db.read_bytes() == before
