"""``publish.wordsearch.Words`` (the public level's names and cadre ids, an Aho–Corasick
automaton) against the regular expression it stands for: the words alternated longest
first (at the leftmost place a word starts, the longest word starting there), between
lookarounds refusing ASCII letters and digits for ``apart``."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.publish.redact import _ID_NEIGHBOURS, Redactor
from cadre_sdk.publish.wordsearch import Words

#: Han characters (one a 4-byte one), ASCII letters and digits, a space, a lone surrogate
#: (JSON text may hold one), the scanner's separator.
_ALPHABET = ["张", "三", "丰", "𠀀", "蕭", "Q", "H", "0", "1", "a", " ", "\ud800", "\x00"]
_words = st.lists(st.text(st.sampled_from(_ALPHABET), min_size=1, max_size=4),
                  min_size=1, max_size=8)
_texts = st.text(st.sampled_from(_ALPHABET), max_size=40)


def _reference(words: list[str], apart: bool) -> re.Pattern[str]:
    """The alternation, longest word first (Python's ``re`` takes the first alternative that
    matches; with the lookahead, it backtracks to a shorter one)."""
    body = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])" if apart else body)


def _spans(pattern: re.Pattern[str] | Words, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(_words, _texts, st.booleans())
def test_words_find_what_the_alternation_finds(words: list[str], text: str,
                                                apart: bool) -> None:
    found = Words(words, apart=_ID_NEIGHBOURS if apart else "")
    reference = _reference(words, apart)
    assert _spans(found, text) == _spans(reference, text)
    assert [m.group() for m in found.finditer(text)] == [
        m.group() for m in reference.finditer(text)]
    first = found.search(text)
    assert (first and first.span()) == ((m := reference.search(text)) and m.span())
    # a longer text, words found across the joins
    long = "丰".join([text] * 5)
    assert _spans(found, long) == _spans(reference, long)


def test_a_cadre_id_inside_a_longer_code_gives_way_to_a_shorter_one() -> None:
    ids = Words(["QH0001", "QH00012"], apart=_ID_NEIGHBOURS)
    assert _spans(ids, "QH00012") == [(0, 7)]
    assert _spans(ids, "QH000123") == []                 # inside a longer code
    assert _spans(ids, "QH0001-2 QH00012x") == [(0, 6)]  # "-" may follow, "x" may not
    assert _spans(ids, "张QH0001。") == [(1, 7)]


def test_the_longest_name_starting_first_is_masked() -> None:
    redactor = Redactor(["张三", "张三丰", "三丰年"], [])
    assert redactor.text("张三丰年来了") == "［姓名已隐去］年来了"
    # "三丰年" starts later than "张三丰": left as it is once "张三丰" is masked
    assert redactor.text("张三丰年") == "［姓名已隐去］年"


def test_words_need_a_word_and_ascii_neighbours() -> None:
    with pytest.raises(ValueError):
        Words([""])
    with pytest.raises(ValueError):
        Words(["张三"], apart="。")
