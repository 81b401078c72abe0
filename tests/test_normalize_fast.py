"""The shortcuts that make a load cheap change no result: ``clean_text``'s cache (which also
enters a result as its own when there was nothing to simplify), the ID-number check's common
case, ``clean_code``'s plain-ASCII case, records made from values already converted."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.core import normalize as nz
from cadre_sdk.records import IndicatorScore, Posting
from cadre_sdk.records.fields import clean_code, record_builder

TEXT = st.text(alphabet=st.sampled_from(list("ab 张幹部，。、（）：．\t\n\r\x0b\x01\u3000ＡＢ１\u200b髮發")),
               max_size=12)


def clean_plainly(text: str, simplify: bool = True) -> str | None:
    """clean_text (``simplify=False``: clean_name) of a string, each step always done (as
    before the shortcuts)."""
    if "\x00" in text:
        raise ValueError("NUL")
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(nz._FULLWIDTH)
    text = nz._DROP.sub("", text.translate(nz._LINEBREAKS))
    lines = (nz._HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(line for line in lines if line)
    return (nz.to_simplified(text) if simplify else text) if text else None


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_clean_name_is_tidied_plainly(text):
    assert nz.clean_name(text) == clean_plainly(text, simplify=False)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_clean_text_cached_is_clean_text_done_plainly(texts):
    nz._CLEAN_CACHE.clear()
    for text in texts + texts:  # the second time from the cache
        assert nz.clean_text(text) == clean_plainly(text)
        cleaned = nz.clean_text(text)
        if cleaned is not None:  # what the loader does: convert the result again
            assert nz.clean_text(cleaned) == clean_plainly(cleaned)


def test_a_result_enters_the_cache_as_its_own_only_when_nothing_was_simplified():
    nz._CLEAN_CACHE.clear()
    assert nz.clean_text(" 张三\u3000 ") == "张三"
    assert nz._CLEAN_CACHE["张三"] == "张三"
    assert nz.clean_text("幹部") == "干部"
    assert "干部" not in nz._CLEAN_CACHE  # converting "干部" again is OpenCC's to say
    with pytest.raises(ValueError, match="空字符"):
        nz.clean_text("a\x00b")


def check_id_plainly(text: str) -> str:
    """check_id_number of a string, the character checks always made."""
    number = re.sub(r"\s+", "", text.translate(nz._FULLWIDTH_ASCII)).upper()
    if not number:
        raise ValueError("身份证号为空：请填写18位身份证号")
    if len(number) != 18:
        old = "（这是旧的15位号码，请换成18位号码）" if len(number) == 15 and number.isdigit() else ""
        raise ValueError(f"身份证号应为18位，实为{len(number)}位{old}")
    for pos, char in enumerate(number, 1):
        if not ("0" <= char <= "9" or (pos == 18 and char == "X")):
            raise ValueError(f"身份证号第{pos}位含有非法字符“{char}”：前17位只能是数字，最后一位是数字或 X")
    birth = number[6:14]
    year, month, day = int(birth[:4]), int(birth[4:6]), int(birth[6:])
    try:
        if not 1900 <= year <= 2100:
            raise ValueError
        dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"身份证号中的出生日期“{birth}”不存在：请核对第7–14位") from None
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    expected = "10X98765432"[sum(int(c) * w for c, w in zip(number, weights)) % 11]
    if number[17] != expected:
        raise ValueError(f"身份证号校验位错误：应为 {expected}，实为 {number[17]}（请核对号码是否抄错）")
    return number


ID_TEXT = st.one_of(
    st.builds(lambda d, seq, male: nz.make_id_number("632801", d, seq, male),
              st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), st.integers(0, 499),
              st.booleans()),
    st.text(alphabet=st.sampled_from(list("0123456789Xx １ａ")), min_size=14, max_size=19),
)


@settings(max_examples=400, deadline=None)
@given(text=ID_TEXT, tweak=st.integers(0, 17))
def test_check_id_number_says_what_it_said(text, tweak):
    for candidate in (text, text[:tweak] + "7" + text[tweak + 1:]):
        try:
            want = check_id_plainly(candidate)
        except ValueError as exc:
            with pytest.raises(ValueError) as err:
                nz.check_id_number(candidate)
            assert str(err.value) == str(exc)
        else:
            assert nz.check_id_number(candidate) == want


@given(text=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=10))
def test_clean_code_of_printable_ascii_is_the_nfkc_result(text):
    plain = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    assert clean_code(text) == (plain or None)


def test_records_made_from_converted_values_equal_records_constructed():
    score = IndicatorScore(assessment_id="A1", indicator="de", score="87.5分")
    posting = Posting(id="P1", cadre_id="C1", start="1990年8月", end="1995.03", unit_code="U1",
                      post="科员", kind="appointment", township="是")
    for rec in (score, posting):
        values = attrs.astuple(rec, recurse=False)
        built = record_builder(type(rec))(values)
        assert built == rec and type(built) is type(rec)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.id = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("birth", ["19000229", "20000229", "20240229", "20230229", "19991301",
                                   "19990100", "19990431", "19990430", "18991231", "21010101",
                                   "21001231", "19000101"])
def test_birth_dates_inside_id_numbers_are_judged_as_dates(birth):
    # 1900 and 2023 are not leap years, 2000 and 2024 are; months 1-12; 1900-2100 only
    first17 = "632801" + birth + "123"
    number = first17 + nz._id_check_char(first17)
    try:
        want = check_id_plainly(number)
    except ValueError as exc:
        with pytest.raises(ValueError) as err:
            nz.check_id_number(number)
        assert str(err.value) == str(exc)
    else:
        assert nz.check_id_number(number) == want


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(TEXT, st.sampled_from(["张三", "於海燕", "A B", "李 四"])),
                      min_size=1, max_size=5), limit=st.integers(1, 6))
def test_names_as_written_only_when_each_is_its_clean_name(texts, limit):
    if nz.names_as_written(texts, limit):
        assert all(nz.clean_name(t) == t and len(t) <= limit for t in texts)
    elif all(t and clean_plainly(t, simplify=False) == t and len(t) <= limit and "\x00" not in t
             and t.isprintable() and "  " not in t for t in texts):
        # printable, no run of spaces, nothing full-width: these are the names it must accept
        assert any(nz._WIDE.search(t) for t in texts)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(ID_TEXT, min_size=1, max_size=4))
def test_id_numbers_as_written_only_when_each_is_accepted_unchanged(texts):
    def unchanged(text):
        try:
            return check_id_plainly(text) == text
        except ValueError:
            return False
    assert nz.id_numbers_as_written(texts) == all(unchanged(t) for t in texts)


@settings(max_examples=200, deadline=None)
@given(text=ID_TEXT)
def test_birth_and_gender_together_are_what_each_gives(text):
    try:
        want = (nz.id_number_birth(text)[:7], nz.id_number_gender(text))
    except ValueError as exc:
        with pytest.raises(ValueError) as err:
            nz.id_number_birth_gender(text)
        assert str(err.value) == str(exc)
    else:
        assert nz.id_number_birth_gender(text) == want


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(
    st.text(alphabet="0123456789.-/年月日 １", max_size=10),
    st.builds(lambda y, sep, m, end: f"{y}{sep}{m}{end}", st.integers(1890, 2110),
              st.sampled_from([".", "-", "/", "年", "．", " "]),
              st.integers(0, 13).map(str) | st.integers(0, 13).map("{:02d}".format),
              st.sampled_from(["", "月", "月1日", ".5", " "]))))
def test_plain_month_is_what_the_month_converters_give(text):
    month = nz.plain_month(text)
    if month is not None:
        assert nz.to_month(text) == nz.to_date_or_month(text) == month
        assert nz.to_month(month) == month
    elif re.fullmatch(r"(\d{4})([-/.]|年)(\d{1,2})", text, re.ASCII) and \
            1900 <= int(text[:4]) <= 2100 and 1 <= int(re.split(r"[-/.年]", text)[1]) <= 12:
        raise AssertionError(f"{text!r} is plain and should be taken")


def test_id_numbers_as_written_never_takes_an_empty_cell(monkeypatch):
    # The column asked again is answered from the last one accepted; an empty cell (a
    # one-row batch of it joins to "") is never that, before or after any acceptance.
    monkeypatch.setattr(nz, "_last_accepted", None)
    assert not nz.id_numbers_as_written([""])
    first17 = "63280119750612123"
    number = first17 + nz._id_check_char(first17)
    assert nz.id_numbers_as_written([number]) and nz.id_numbers_as_written([number])
    assert not nz.id_numbers_as_written([""]) and not nz.id_numbers_as_written(["", ""])


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(
    st.text(alphabet="0123456789-/.年月日 １", max_size=12),
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", st.integers(1890, 2110),
              st.integers(0, 13).map("{:02d}".format) | st.integers(0, 13).map(str),
              st.integers(0, 32).map("{:02d}".format) | st.integers(0, 32).map(str))))
def test_plain_date_is_what_the_date_converters_give(text):
    date = nz.plain_date(text)
    if date is not None:
        assert date == text == nz.to_date(text) == nz.to_date_or_month(text)
        return
    try:  # refused: then it is not an existing date in range written as YYYY-MM-DD
        taken = dt.date.fromisoformat(text)
    except ValueError:
        return
    assert not (re.fullmatch(r"\d{4}-\d\d-\d\d", text, re.ASCII) and 1900 <= taken.year <= 2100)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(
    st.text(alphabet="0123456789-/.年月日 １", max_size=12),
    st.builds(lambda y, a, m, b, d: f"{y}{a}{m}{b}{d}", st.integers(1890, 2110),
              st.sampled_from("-./"),
              st.integers(0, 13).map("{:02d}".format) | st.integers(0, 13).map(str),
              st.sampled_from("-./"),
              st.integers(0, 32).map("{:02d}".format) | st.integers(0, 32).map(str))))
def test_plain_written_date_is_what_the_date_converters_give(text):
    date = nz.plain_written_date(text)
    if date is not None:
        assert date == nz.to_date(text) == nz.to_date_or_month(text)
        return
    # refused: then it is not an existing date in range written as YYYY?MM?DD (one separator)
    m = re.fullmatch(r"(\d{4})([-./])(\d\d)\2(\d\d)", text, re.ASCII)
    if m is None:
        return
    try:
        taken = dt.date(int(m[1]), int(m[3]), int(m[4]))
    except ValueError:
        return
    assert not 1900 <= taken.year <= 2100


def test_plain_written_date_by_hand():
    assert nz.plain_written_date("2022.03.26") == "2022-03-26"
    assert nz.plain_written_date("2022/12/31") == "2022-12-31"
    assert nz.plain_written_date("2022-01-05") == "2022-01-05"
    assert nz.plain_written_date("2023.02.29") is None  # not a leap year: the parser explains
    assert nz.plain_written_date("2022.03/26") is None  # two separators: the parser decides
    assert nz.plain_written_date("2022.3.26") is None
    assert nz.plain_written_date("1899.12.31") is None
