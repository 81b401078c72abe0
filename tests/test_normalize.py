"""Hand-picked cases for ``cadre_sdk.core.normalize``: what clerks type, and the messages they get."""
from __future__ import annotations

import datetime as dt

import pytest

from cadre_sdk.core.normalize import (
    check_id_number, clean_text, id_number_birth, id_number_gender, make_id_number,
    normalize_header, to_bool, to_date, to_date_or_month, to_float, to_int, to_month,
    to_simplified, to_year,
)

# --- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幹部", "干部"),
        ("張三", "张三"),
        ("關於進一步激勵廣大幹部新時代新擔當新作為的指導意見", "关于进一步激励广大干部新时代新担当新作为的指导意见"),
        ("容錯糾錯", "容错纠错"),
        ("已是简体", "已是简体"),
        ("plain ASCII", "plain ASCII"),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected


def test_to_simplified_ascii_is_returned_unchanged() -> None:
    text = "ABC 123"
    assert to_simplified(text) is text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   \t ", None),
        ("\u3000\u3000", None),
        ("  张三  ", "张三"),
        ("张\u3000三", "张 三"),
        ("ＡＢＣ１２３", "ABC123"),
        ("（１）", "（1）"),  # the digit is folded, the Chinese parentheses stay
        # Chinese punctuation stays as typed, like 、。 (references match "组织部（公务员局）"
        # and "组织部(公务员局)" as the same unit on their NFKC form, ``match_key``)
        ("西宁市、海东市，海北州。", "西宁市、海东市，海北州。"),
        ("组织部（公务员局）", "组织部（公务员局）"),
        ("组织部(公务员局)", "组织部(公务员局)"),
        ("ＡＢ－１２．５％", "AB-12.5%"),  # symbols of numbers and codes are folded
        ("「引号」【括号】", "「引号」【括号】"),
        ("①", "①"),  # not full-width ASCII: left alone (unlike full NFKC)
        ("a  \t  b", "a b"),
        ("第一段\r\n\r\n  第二段  ", "第一段\n第二段"),
        ("a\x07b\x1fc\x7f", "abc"),
        ("\ufeff张三\u200b", "张三"),
        ("幹部  張三", "干部 张三"),
        (12, "12"),
        (12.0, "12"),
        (85.5, "85.5"),
        (True, "是"),
        (dt.date(1975, 6, 12), "1975-06-12"),
        (dt.datetime(1975, 6, 12), "1975-06-12"),
    ],
)
def test_clean_text(value: object, expected: str | None) -> None:
    assert clean_text(value) == expected


def test_clean_text_rejects_nul() -> None:
    with pytest.raises(ValueError, match="含有非法的空字符（NUL）"):
        clean_text("张\x00三")


def test_clean_text_rejects_containers() -> None:
    with pytest.raises(ValueError, match="应为文本，实为列表"):
        clean_text(["a"])


# --- numbers and yes/no ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("12.0", 12), (" 12 ", 12), ("１２", 12), ("-3", -3), ("1,200", 1200),
     (7, 7), (7.0, 7), ("", None), (None, None)],
)
def test_to_int(value: object, expected: int | None) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.5", "不能有小数"),
        (12.5, "不能有小数"),
        ("abc", "请只填写数字"),
        ("1,20", "请只填写数字"),
        (True, "是/否值"),
        ("9" * 40, "数字太长"),
    ],
)
def test_to_int_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("85.5", 85.5), ("85.5分", 85.5), ("85 分", 85.0), ("15%", 15.0), ("１５％", 15.0),
     (".5", 0.5), (90, 90.0), ("", None)],
)
def test_to_float(value: object, expected: float | None) -> None:
    assert to_float(value) == expected


@pytest.mark.parametrize("value", ["八十五", "85.5.1", "85分分", "nan", "inf", float("nan"), "1" * 400])
def test_to_float_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="无法识别的数字"):
        to_float(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True), ("否", False), ("有", True), ("无", False), ("無", False),
        ("Y", True), ("n", False), ("YES", True), ("No", False), ("True", True), ("false", False),
        ("1", True), ("0", False), ("√", True), ("×", False), (1, True), (0, False), (True, True),
        ("", None), (None, None),
    ],
)  # fmt: skip
def test_to_bool(value: object, expected: bool | None) -> None:
    assert to_bool(value) is expected


def test_to_bool_rejects() -> None:
    with pytest.raises(ValueError, match="无法识别的是/否值“也许”：请填写 是 或 否"):
        to_bool("也许")


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "1975-06-12", "1975/6/12", "1975.6.12", "1975.06.12", "1975年6月12日", "1975年06月12号",
        "19750612", "１９７５－０６－１２", "１９７５年６月１２日", "1975-06-12 08:30:00",
        "1975-06-12T00:00:00", dt.date(1975, 6, 12), dt.datetime(1975, 6, 12, 14, 5), 19750612,
    ],
)  # fmt: skip
def test_to_date(value: object) -> None:
    assert to_date(value) == "1975-06-12"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1975-02-30", "无法识别的日期“1975-02-30”：1975年2月只有28天"),
        ("2000-02-30", "2000年2月只有29天"),
        ("1975.13.01", "月份应为 1–12"),
        ("1975.13", "月份应为 1–12"),
        ("1975-06", "缺少日"),
        ("1899-12-31", "年份应在 1900–2100 之间"),
        ("2101-01-01", "年份应在 1900–2100 之间"),
        ("75-06-12", "年份请写满4位"),
        ("1975-06/12", "无法识别的日期"),  # separators must agree
        ("六月十二日", "请写作 1975-06-12"),
        (dt.date(1850, 1, 1), "年份应在"),
    ],
)
def test_to_date_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1975.06", "1975-06"),
        ("1975.6", "1975-06"),
        ("1975.1", "1975-01"),  # as text, .1 is January ...
        ("1975.10", "1975-10"),  # ... and .10 is October
        ("1975-06", "1975-06"),
        ("1975/06", "1975-06"),
        ("1975年6月", "1975-06"),
        ("1975年6", "1975-06"),
        ("197506", "1975-06"),
        ("１９７５．０６", "1975-06"),
        ("1975-06-12", "1975-06"),
        ("1975.06.12", "1975-06"),
        (dt.date(1975, 6, 12), "1975-06"),
        (dt.datetime(1975, 12, 1), "1975-12"),
        (1975.06, "1975-06"),  # a float with two decimals from an Excel number cell
        (1975.12, "1975-12"),
        (197506, "1975-06"),
        ("", None),
    ],
)
def test_to_month(value: object, expected: str | None) -> None:
    assert to_month(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1975.1, "有歧义"),  # Excel stored 1975.10 (or 1975.1?) as a number
        (1975.0, "缺少月份"),
        ("1975", "缺少月份"),
        ("1975.13", "月份应为 1–12"),
        ("1975.00", "月份应为 1–12"),
        ("1975.123", "无法识别的年月"),
        (1975.123, "无法识别的年月"),
        ("1975-02-30", "只有28天"),
        ("abc", "请写作 1975.06"),
    ],
)
def test_to_month_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_month(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1975.06", "1975-06"),
        ("1975.06.12", "1975-06-12"),
        ("1975年6月", "1975-06"),
        ("1975年6月12日", "1975-06-12"),
        (dt.datetime(1975, 6, 12), "1975-06-12"),
        (19750612, "1975-06-12"),
        (197506, "1975-06"),
        (None, None),
    ],
)
def test_to_date_or_month(value: object, expected: str | None) -> None:
    assert to_date_or_month(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2024, 2024), ("2024", 2024), ("2024年", 2024), ("２０２４", 2024), (2024.0, 2024), ("", None)],
)
def test_to_year(value: object, expected: int | None) -> None:
    assert to_year(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [("24", "4 位数字"), ("1800", "1900–2100"), ("二〇二四", "4 位数字"), (True, "4 位数字")],
)
def test_to_year_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_year(value)


# --- ID numbers -------------------------------------------------------------------------------

# The check character, by hand (ISO 7064 MOD 11-2, GB 11643):
#   weights          7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
# 11010519491231002X, the standard's own example:
#   digits           1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
#   products         7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4  -> sum 167
#   167 mod 11 = 2, "10X98765432"[2] = X
# 630102197506120315, a man born 1975-06-12 in 西宁市城东区 (630102), order code 031 (odd):
#   digits           6  3  0  1  0  2  1  9  7  5  0  6  1  2  0  3  1
#   products        42 27  0  5  0  8  2  9 42 15  0 54 10 10  0 12  2  -> sum 238
#   238 mod 11 = 7, "10X98765432"[7] = 5
# 630222198003150243, a woman born 1980-03-15 in 民和县 (630222), order code 024 (even):
#   digits           6  3  0  2  2  2  1  9  8  0  0  3  1  5  0  2  4
#   products        42 27  0 10 16  8  2  9 48  0  0 27 10 25  0  8  8  -> sum 240
#   240 mod 11 = 9, "10X98765432"[9] = 3
VALID_IDS = ["11010519491231002X", "630102197506120315", "630222198003150243"]


@pytest.mark.parametrize("number", VALID_IDS)
def test_check_id_number_valid(number: str) -> None:
    assert check_id_number(number) == number


@pytest.mark.parametrize(
    "written",
    ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ", "110105\u300019491231002x"],
)
def test_check_id_number_normalizes(written: str) -> None:
    assert check_id_number(written) == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310023", "身份证号校验位错误：应为 X，实为 3"),
        ("630102197506120310", "身份证号校验位错误：应为 5，实为 0"),
        ("11010519491231002", "身份证号应为18位，实为17位"),
        ("110105491231002", "实为15位（这是旧的15位号码"),
        ("11010519491231002XX", "实为19位"),
        ("1101051949123100AX", "第17位含有非法字符“A”"),
        ("X10105194912310020", "第1位含有非法字符“X”"),
        ("110105197502300021", "出生日期“19750230”不存在"),
        ("110105197513010021", "出生日期“19751301”不存在"),
        ("", "身份证号为空"),
        (None, "身份证号为空"),
        (1.1010519491231e17, "存成了数字"),
    ],
)
def test_check_id_number_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_id_number(value)


def test_id_number_birth_and_gender() -> None:
    assert id_number_birth("11010519491231002X") == "1949-12-31"
    assert id_number_gender("11010519491231002X") == "女"  # 17th digit 2
    assert id_number_birth("630102197506120315") == "1975-06-12"
    assert id_number_gender("630102197506120315") == "男"  # 17th digit 1
    assert id_number_gender("630222198003150243") == "女"  # 17th digit 4


def test_make_id_number() -> None:
    assert make_id_number("630102", dt.date(1975, 6, 12), 15, male=True) == "630102197506120315"
    assert make_id_number("630222", dt.date(1980, 3, 15), 12, male=False) == "630222198003150243"
    for seq in range(500):
        for male in (True, False):
            number = make_id_number("632801", dt.date(1990, 1, 31), seq, male)
            assert check_id_number(number) == number
            assert id_number_gender(number) == ("男" if male else "女")


@pytest.mark.parametrize(
    ("region", "birth", "seq"),
    [
        ("63010", dt.date(1975, 6, 12), 1),
        ("630102", dt.date(1850, 1, 1), 1),
        ("630102", dt.date(1975, 6, 12), 500),
    ],
)
def test_make_id_number_rejects(region: str, birth: dt.date, seq: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, birth, seq, male=True)


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("姓名", "姓名"),
        ("  姓 名 ", "姓名"),
        ("*姓名", "姓名"),
        ("＊姓名", "姓名"),
        ("姓名*", "姓名"),
        ("出生年月（格式：1975.06）", "出生年月"),
        ("出生年月(格式:1975.06)", "出生年月"),
        ("*出生年月（格式：1975.06）*", "出生年月"),
        ("出生年月【必填】", "出生年月"),
        ("备注（可填（多行））", "备注"),
        ("（备注）", "(备注)"),  # nothing but a bracket: keep it rather than return ""
        ("幹部姓名", "干部姓名"),
        ("ＩＤ Number", "idnumber"),
        ("Name", "name"),
        ("", ""),
    ],
)
def test_normalize_header(text: str, expected: str) -> None:
    assert normalize_header(text) == expected
