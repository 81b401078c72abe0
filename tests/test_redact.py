"""The redactor's masking of ID numbers and names in text cells (public level)."""
from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.publish import scan
from cadre_sdk.publish.redact import (
    _ID_SHAPE, ID_MASK, ID_SHAPED, NAME_MASK, Redactor, _id_shaped, mask_id_numbers,
    normal_form,
)
from cadre_sdk.publish.scan import _Checker

ID = "63010219750601001X"        # 17 digits and a check character


def test_id_numbers_are_masked_and_other_digit_runs_are_not() -> None:
    assert mask_id_numbers(f"身份证 {ID} 已核") == f"身份证 {ID_MASK} 已核"
    assert mask_id_numbers("编号 1234567890123456") == "编号 1234567890123456"   # 16 digits
    assert mask_id_numbers("1" * 19) == "1" * 19                                  # too long
    hashed = "subsidy:" + "0123456789" * 2 + "abcdef" * 2
    assert mask_id_numbers(hashed) == hashed                                     # inside a hash


def test_repeated_cells_are_masked_every_time_and_counted_every_time() -> None:
    r = Redactor(["张三丰", "李四"])
    cells = ["张三丰", "科员", f"李四 {ID}", "张三丰", f"李四 {ID}", "科员", None, 3]
    out = [r.text(c) for c in cells]
    assert out == [NAME_MASK, "科员", f"{NAME_MASK} {ID_MASK}", NAME_MASK,
                   f"{NAME_MASK} {ID_MASK}", "科员", None, 3]
    assert r.masked == 4          # four cells changed, two of them answered from memory


def test_long_cells_are_not_remembered_but_still_masked() -> None:
    r = Redactor(["王五"])
    long_text = "说明" * 40 + "王五"
    assert r.text(long_text) == "说明" * 40 + NAME_MASK
    assert r.text(long_text) == "说明" * 40 + NAME_MASK
    assert long_text not in r._seen and r.masked == 2


# --- the cheaper forms the redactor and the scanner search first ----------------------------

#: Characters that make the patterns work: digits (ASCII, full-width, superscript, circled),
#: gaps between digits, spaces, Han characters (of the names below), letters of the ids.
_ALPHABET = st.sampled_from(list("0123456789１９¹①⒛ -.\u3000·XQH尕布龙张三李四国aé\u0301,\x00"))
_TEXTS = st.text(_ALPHABET, max_size=40)
_NAMES, _IDS = ["尕布龙", "张三", "李四国"], ["QH0001", "QH0012"]


def _reference_normal_form(text: str) -> str:
    """``normal_form`` as first written (lookbehinds first, NFKC always)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = re.sub(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])\s{1,3}"
                      r"(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])", "", text)
    return re.sub(r"(?<=\d)[\s\-.\u2010-\u2014\u2212\u00b7\u30fb]{1,3}(?=\d)", "", text)


@given(_TEXTS)
@settings(max_examples=400, deadline=None)
def test_normal_form_is_the_reference_one(text: str) -> None:
    assert normal_form(text) == _reference_normal_form(text)


#: Digits (ASCII, full-width, Arabic-Indic, Devanagari), and non-digits of every kind.
_DIGITS_AND_GAPS = st.text(st.sampled_from(list("0123456789０９٣७") + list(" -年Xa\x00①")),
                           max_size=70)


@given(_DIGITS_AND_GAPS)
@settings(max_examples=1000, deadline=None)
def test_the_one_pass_id_shape_is_the_regex_one(text: str) -> None:
    assert _id_shaped(text) == (_ID_SHAPE.search(text) is not None)


def test_the_one_pass_id_shape_counts_digits_up_to_three_characters_apart() -> None:
    seventeen = "630102-198001年01-123"            # 17 digits, at most 3 characters apart
    assert _id_shaped(seventeen) and _id_shaped(f"编号 {seventeen} 已核")
    assert not _id_shaped("630102-1980 年度 0101-123")   # 4 characters apart: two runs
    assert not _id_shaped("6301021980010112")          # 16 digits
    assert _id_shaped("６３０１０２１９８００１０１１２３")    # full-width digits count
    assert not _id_shaped("12345678 年 度 考核 123456789")


@given(st.lists(_TEXTS.map(lambda t: t + "630102198001011234"[: len(t) % 19]), max_size=6))
@settings(max_examples=300, deadline=None)
def test_texts_judged_joined_find_a_leak_exactly_when_one_of_them_has_one(
        texts: list[str]) -> None:
    checker = _Checker(_NAMES, _IDS)
    assert scan._all_clean(checker, texts) == (not any(checker.text(t) for t in texts))


@given(st.text(_ALPHABET, max_size=60))
@settings(max_examples=400, deadline=None)
def test_the_raw_bytes_prefilter_finds_every_id_number_nfkc_finds(text: str) -> None:
    if ID_SHAPED.search(unicodedata.normalize("NFKC", text)):
        assert scan._ID_BARE.search(scan._fold_digits(text))


@given(st.lists(_TEXTS.map(lambda t: t + "13912345678630102198001011234"[: len(t) % 30]),
                max_size=6))
@settings(max_examples=300, deadline=None)
def test_texts_masking_leaves_unchanged_judged_joined_are_each_unchanged(
        texts: list[str]) -> None:
    for redactor in (Redactor(_NAMES, _IDS), Redactor()):
        if redactor.leaves_unchanged(texts):
            assert [redactor.text(t) for t in texts] == texts
        documents = [json.dumps({"note": t}, ensure_ascii=False) for t in texts]
        if redactor.leaves_unchanged(documents, json_texts=True):
            assert [redactor.json_text(d) for d in documents] == documents
    # ID numbers only: exact (a text is judged changed only if masking changes it)
    ids_only = Redactor()
    assert ids_only.leaves_unchanged(texts) == all(ids_only.text(t) == t for t in texts)


def test_a_column_with_one_text_to_mask_is_not_judged_unchanged() -> None:
    texts = ["科员", "副主任科员", "第一书记"] * 100
    redactor = Redactor(_NAMES, _IDS)
    assert redactor.leaves_unchanged(texts)
    assert not redactor.leaves_unchanged([*texts, "联系人李四国"])
    assert not redactor.leaves_unchanged([*texts, "QH0012"])
    # a name split over two texts is in neither
    assert redactor.leaves_unchanged(["交由尕布", "龙乡办理"])
    # only ID numbers at oversight level
    assert Redactor().leaves_unchanged([*texts, "联系人李四国"])
    assert not Redactor().leaves_unchanged([*texts, "证件 630102 19800101 1234"])
    # a JSON text with escapes cannot be judged joined
    assert not redactor.leaves_unchanged(['{"a": "\\u674e"}'], json_texts=True)
