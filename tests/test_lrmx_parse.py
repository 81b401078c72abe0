"""The free-text parts of a 任免审批表: résumé lines, the annual assessment sentence, rewards.
Every expected value below is read off the input text by hand."""
from __future__ import annotations

from cadre_sdk.ingest.lrmx.resume import parse_grades, parse_resume, parse_rewards


def test_resume_spells_continuations_asides_and_open_end():
    text = ("1990.09--1994.07  青海民族学院汉语言文学专业学习\n"
            "1994.07--1997.12  玉树市结古镇人民政府干事\n"
            "1997.12--2003.03  玉树市结古镇党委副书记、\n"
            "                  镇长（其间：1999.09--2001.07在青海省委党校\n"
            "                  2000年度经济管理专业在职大专班学习）\n"
            "2003.03—2004.3   海南州共和县人民政府副县长（挂职）\n"
            "２００４．０３－－          玉树市水利局局长")
    r = parse_resume(text)
    assert r.problems == ()
    got = [(e.line, e.start, e.end, e.text, e.kind, e.township, e.leadership, e.study)
           for e in r.entries]
    assert got == [
        (1, "1990-09", "1994-07", "青海民族学院汉语言文学专业学习", "任职", False, False, True),
        (2, "1994-07", "1997-12", "玉树市结古镇人民政府干事", "任职", True, False, False),
        # lines 4 and 5 continue line 3 (line 5 begins with digits but sits under the indent)
        (3, "1997-12", "2003-03", "玉树市结古镇党委副书记、镇长（其间：1999.09--2001.07在青海省委党校"
                                  "2000年度经济管理专业在职大专班学习）", "任职", True, True, False),
        # an em dash, a one-digit month; "（挂职）" makes it a secondment
        (6, "2003-03", "2004-03", "海南州共和县人民政府副县长（挂职）", "挂职", False, True, False),
        # full-width digits and dashes; no end: to date
        (7, "2004-03", None, "玉树市水利局局长", "任职", False, True, False),
    ]


def test_resume_aside_secondment_does_not_make_the_spell_one():
    r = parse_resume("2005.03--2006.03  某某局科员（其间：2005.06--2005.12挂职任某县副县长）")
    # the spell is the clerk post (科员); the aside's secondment is not this spell's kind
    assert [(e.kind, e.leadership) for e in r.entries] == [("任职", False)]


def test_resume_problems_are_reported_by_line_never_dropped():
    text = ("某某局科员\n"                      # 1: no spell before it
            "1995.07--1998.09  某某局科员\n"    # 2: fine
            "1999.13--2000.01  某某局副科长\n"  # 3: month 13
            "2001.05  某某局科长\n"             # 4: no dash: not a spell
            "2003.05--2002.01  某某局局长\n"    # 5: ends before it starts
            "2004.01--2005.01\n")               # 6: no text
    r = parse_resume(text)
    assert [(e.line, e.text) for e in r.entries] == [(2, "某某局科员")]
    assert r.problems == (
        (1, "“某某局科员”：第一行应以起止时间开头，例如“1995.07--1998.09  单位及职务”"),
        (3, "“1999.13--2000.01  某某局副科长”：起止时间有误（月份“13”应为 1–12）"),
        (4, "“2001.05  某某局科长”：无法识别起止时间，应写作“1995.07--1998.09  单位及职务”"
            "（至今的写作“2016.03--”）"),
        (5, "“2003.05--2002.01  某某局局长”：终止时间 2002-01 早于起始时间 2003-05"),
        (6, "只有起止时间，没有写单位和职务"),
    )


def test_empty_resume():
    assert parse_resume("").entries == () and parse_resume(None).problems == ()


def test_grades_sentence():
    g = parse_grades("2021年度、2022年度考核为称职，2023年度考核为优秀。")
    assert g.by_year == {2021: "称职", 2022: "称职", 2023: "优秀"} and g.notes == ()
    g = parse_grades("2019—2021年度均为称职；2022年度被确定为优秀等次")
    assert g.by_year == {2019: "称职", 2020: "称职", 2021: "称职", 2022: "优秀"}


def test_grades_ambiguous_parts_are_notes_not_guesses():
    g = parse_grades("2020年度考核为优秀、称职，2021年度考核合格，2022年度，考核为称职。优秀。"
                     "2023年度考核为称职，2023年度考核为优秀")
    # 2022 is given by the clause after it; 2023 twice with two grades: neither kept
    assert g.by_year == {2022: "称职"}
    assert g.notes == (
        "“2020年度考核为优秀、称职”同时写了优秀、称职，无法确定各年度等次，未导入",
        "“2021年度考核合格”的等次“合格”不是年度考核等次（优秀、称职、基本称职、不称职），未导入",
        "“优秀”没有写明年度，未导入",
        "2023年度写了两个不同的等次，未导入",
    )
    assert parse_grades("无") == parse_grades("") and parse_grades("无").by_year == {}


def test_rewards_need_a_full_date_and_punishments_are_not_commendations():
    r = parse_rewards("2019年12月6日被青海省委、省政府评为全省民族团结进步先进个人；2022年获嘉奖。"
                      "2018.05.04被评为优秀共产党员\n2020年3月受到党内警告处分")
    assert [(x.date, x.title) for x in r.items] == [
        ("2019-12-06", "被青海省委、省政府评为全省民族团结进步先进个人"),
        ("2018-05-04", "被评为优秀共产党员"),
    ]
    assert r.notes == ("“2022年获嘉奖”没有写明年月日，表彰记录需要日期，未导入",
                       "“2020年3月受到党内警告处分”是惩戒记录，本系统不保存，未导入")
    assert parse_rewards("无。").items == ()


def test_resume_clerk_ranks_are_not_leading_posts():
    # 主任科员 and 副主任科员 (and the ranks 一级主任科员 …) are non-leading posts (非领导职务),
    # whatever word they end in; 办公室主任 and 科长 are leading posts.
    r = parse_resume("2005.03--2008.06  玉树市水利局科员、副主任科员\n"
                     "2008.06--2012.06  玉树市结古镇人民政府主任科员\n"
                     "2012.06--2015.01  玉树市水利局一级主任科员\n"
                     "2015.01--2018.01  玉树市水利局办公室主任\n"
                     "2018.01--  玉树市水利局规划科科长")
    assert [(e.township, e.leadership) for e in r.entries] == [
        (False, False), (True, False), (False, False), (False, True), (False, True)]
