"""The public build's fast paths against the full judgement they stand for, on crafted and
generated inputs: complementary suppression skipping sums nothing changed (``suppress``), the
scanner's digit folding of a file's raw text (``scan._fold_digits``), the names' spellings
converted all at once (``redact._all_spellings``)."""
from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.publish import redact, scan
from cadre_sdk.publish.suppress import complementary, with_remainders

Cell = tuple[int, str]


def _full_passes(values: dict, hidden: set, sums: list, min_count: int | None) -> set:
    """Complementary suppression as the module docstring states it: every sum looked at in
    order, pass after pass, until a whole pass hides nothing."""
    values, hidden, sums, virtual = with_remainders(values, hidden, sums, min_count)

    def smallest(cells: list) -> Cell:
        return min(cells, key=lambda c: (values[c] == 0, values[c]))
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            hidden_parts = [c for c in parts if c in hidden]
            total_known = total is None or total not in hidden
            shown = [c for c in parts if c not in hidden and c not in virtual]
            if total is not None and total_known and hidden_parts and values[total] == 0:
                hidden.add(total)             # a shown 0 tells its hidden parts
                changed = True
            elif total_known and len(hidden_parts) == 1:
                if shown:
                    hidden.add(smallest(shown))
                elif total is not None:
                    hidden.add(total)
                else:
                    continue
                changed = True
            elif not total_known and not hidden_parts and (
                    len(parts) > 1 or values.get(total) == values[parts[0]]):
                hidden.add(smallest(shown))
                changed = True
    return hidden - virtual


@st.composite
def _tables(draw: st.DrawFn) -> tuple[dict, set, list, int | None]:
    """Cells with small counts, some hidden, tied in overlapping sums (totals shared by
    several sums, sums with and without a known total)."""
    n = draw(st.integers(2, 14))
    cells = [(i, "c") for i in range(n)]
    values = {c: float(draw(st.integers(0, 12))) for c in cells}
    hidden = {c for c in cells if draw(st.booleans()) and draw(st.booleans())}
    sums = []
    for _ in range(draw(st.integers(1, 8))):
        members = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=5, unique=True))
        total = None if draw(st.booleans()) else members.pop(0)
        sums.append((total, members))
    return values, hidden, sums, draw(st.sampled_from([None, 3, 5]))


@settings(max_examples=400, deadline=None)
@given(_tables())
def test_complementary_hides_what_full_passes_hide(case: tuple) -> None:
    values, hidden, sums, min_count = case
    assert complementary(values, hidden, sums, min_count) == \
        _full_passes(values, hidden, sums, min_count)


def test_complementary_looks_again_at_an_earlier_sum_a_later_one_changed() -> None:
    # sum 0 has nothing hidden until sum 1 hides its part (1, "c"); then sum 0 must hide
    # one more part in the next pass (a cell of sum 0 hidden after sum 0 was looked at)
    values = {(0, "c"): 7.0, (1, "c"): 6.0, (2, "c"): 2.0, (3, "c"): 9.0}
    sums = [(None, [(0, "c"), (1, "c")]), (None, [(1, "c"), (2, "c")])]
    hidden = complementary(values, {(2, "c")}, sums)
    assert hidden == {(0, "c"), (1, "c"), (2, "c")}
    assert hidden == _full_passes(values, {(2, "c")}, sums, None)


# --- the scanner's digit folding ------------------------------------------------------------

def _folds(char: str) -> bool:
    """Whether NFKC turns ``char`` into something else holding a digit or an X."""
    form = unicodedata.normalize("NFKC", char)
    return form != char and re.search(r"[\dXx]", form) is not None


#: Every character of this Python's Unicode that NFKC folds into digits or an X.
_FOLDING = [chr(c) for c in range(0x80, sys.maxunicode + 1)
            if not 0xD800 <= c <= 0xDFFF and _folds(chr(c))]


def _fold_each(text: str) -> str:
    """``scan._fold_digits`` as it is defined: each distinct character that NFKC folds into
    digits or an X replaced by its form."""
    for char in set(text):
        if not char.isascii() and _folds(char):
            text = text.replace(char, unicodedata.normalize("NFKC", char))
    return text


def test_every_folding_character_is_found_by_the_cheap_pattern() -> None:
    assert len(_FOLDING) > 300 and "３" in _FOLDING and "①" in _FOLDING and "𝟙" in _FOLDING
    pattern = scan._folding()
    assert all(pattern.fullmatch(char) for char in _FOLDING)
    if unicodedata.unidata_version == scan._FOLDING_UNICODE:   # the table is this Unicode's
        listed = {chr(c) for a, b in scan._FOLDING_RANGES for c in range(a, b + 1)}
        assert listed == set(_FOLDING)


_ALPHABET = st.sampled_from([*"0123456789Xx 张三-（）：", *_FOLDING[::7], "³", "½", "𝟗",
                             "\U0001d400", "\U0001fbf0", "\U0001f100", "\u24ff", "\u3000"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_digit_folding_equals_folding_each_character(text: str) -> None:
    folded = scan._fold_digits(text)
    assert folded == _fold_each(text)
    assert scan._ID_BARE.search(folded) is None or \
        scan._ID_BARE.search(unicodedata.normalize("NFKC", text)) is not None


def test_an_id_number_in_circled_and_mathematical_digits_is_found_in_raw_bytes() -> None:
    checker = scan._Checker([], [])
    math = "".join(chr(0x1D7CE + int(d)) for d in "630102198001011234")   # 𝟔𝟑𝟎…
    circled = "⑥③０①０②①⑨⑧００①０①①②③④"
    for spelled in (math, circled):
        data = ("表格 " + spelled + " 之后").encode()
        assert checker.raw(data) and "身份证号" in checker.raw(data)[0]
    assert checker.raw("½ 与 ３ 个".encode()) == []


# --- the names' spellings, converted all at once ------------------------------------------

def _each_name(names: list[str]) -> set[str]:
    return {s for n in names if n for s in redact._spellings(n)}


def test_spellings_of_all_names_at_once_equal_each_name_alone() -> None:
    names = ["蕭瀋", "萧 沈", "尕布龙", "張　三丰", "Zhang San", "欧阳\n修", "", "乾隆", "皇后",
             "後", "发", "髮型", "ｊｉａ 华", "王后", "于谦", "於謙"]
    assert redact._all_spellings(names) == _each_name(names)
    assert {"萧沈", "蕭瀋", "张三丰", "張三丰"} <= redact._all_spellings(names)
    # a name OpenCC cannot take: every name judged alone, as before
    bad = [*names, "张\ud800三"]
    assert redact._all_spellings(bad) == _each_name(bad)
    assert redact._all_spellings([]) == set()


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.one_of(_HAN, st.sampled_from([" ", "\u3000", "A", "３"])),
                        max_size=5), max_size=12))
def test_spellings_at_once_equal_each_name_on_generated_names(names: list[str]) -> None:
    assert redact._all_spellings(names) == _each_name(names)
