"""ID numbers spelled with characters that fold into digits (①, ², ⑳, ⒛: NFKC) are masked at
oversight level too, where masking looks for ID numbers only and skips a cell that cannot
hold one (shorter than ``Redactor.shortest``, without ``_ID_SHAPE``) before normalizing it:
one such character may stand for two digits (an ID number in 12 characters)."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.publish import publish
from cadre_sdk.publish.copy import _long_enough
from cadre_sdk.publish.redact import (
    DIGIT_FOLDS, DIGITS_PER_CHARACTER, ID_MASK, ID_SHAPED, TWO_DIGITS_GLOB, Redactor,
    holds_folding, mask_id_numbers, normal_form,
)
from cadre_sdk.store import explanations
from cadre_sdk.testing import make_plugins
from test_publish_support import PUBLISH_DAY

ID = "630102198001011234"
_CIRCLED = {str(n): chr(0x2460 + n - 1) for n in range(1, 21)} | {"0": "⓪"}
_CIRCLED |= {str(n): chr(0x3251 + n - 21) for n in range(21, 36)}
_CIRCLED |= {str(n): chr(0x32B1 + n - 36) for n in range(36, 51)}


def _folding_characters() -> set[str]:
    """Every character that is no digit but whose NFKC form holds one."""
    return {c for c in map(chr, range(sys.maxunicode + 1))
            if not c.isdecimal() and any(f.isdecimal() for f in unicodedata.normalize("NFKC", c))}


def _spelled(number: str, parts: list[str]) -> str:
    """``number`` written with one circled character per part (``parts`` join to it)."""
    assert "".join(parts) == number
    return "".join(_CIRCLED[p] for p in parts)


#: The ID number in 12 characters: circled numbers of one and of two digits.
SHORT = _spelled(ID, ["6", "30", "10", "21", "9", "8", "0", "0", "10", "11", "2", "34"])
#: The ID number in circled digits, one a character.
CIRCLED = "".join(_CIRCLED[d] for d in ID)
SUPERSCRIPT = ID.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def test_the_folding_characters_are_those_of_the_unicode_database() -> None:
    folding = _folding_characters()
    assert re.fullmatch(f"[{DIGIT_FOLDS}]+", "".join(sorted(folding)))
    assert not any(re.fullmatch(f"[{DIGIT_FOLDS}]", chr(c)) for c in range(sys.maxunicode + 1)
                   if chr(c) not in folding)
    # a digit stays one digit: a text without a folding character needs 17 characters
    # (``shortest``) to hold an ID number
    assert all(len(unicodedata.normalize("NFKC", c)) == 1 for c in map(chr, range(0x110000))
               if c.isdecimal())
    assert Redactor().shortest == 17
    # one stands for two digits at most (an ID number needs 9 of them), and SQL finds it
    most = max(len(run) for c in folding for run in re.findall(r"\d+", normal_form(c)))
    assert most == DIGITS_PER_CHARACTER
    # a text under 17 characters holds 17 digits only with one standing for two, which SQL
    # finds (``copy._long_enough``)
    two = {c for c in folding if any(len(r) >= 2 for r in re.findall(r"\d+", normal_form(c)))}
    conn = sqlite3.connect(":memory:")
    assert all(conn.execute("SELECT ? GLOB ?", [c, TWO_DIGITS_GLOB]).fetchone()[0] for c in two)
    # and tells from its lengths first: such a character takes more than a byte
    long_enough = f"SELECT {_long_enough(':t', 17)}"
    for c in two:
        assert len(c.encode()) > 1
        for text, judged in ((c + "0" * 8, True), ("0" * 8 + c, True), (c + "0" * 7, False),
                             (c * 17, True), ("０" * 16, False), ("0" * 16, False),
                             ("0" * 17, True)):
            assert conn.execute(long_enough, {"t": text}).fetchone()[0] == judged, text
    assert not conn.execute(long_enough, {"t": 1234567890123456}).fetchone()[0]
    assert conn.execute(long_enough, {"t": 12345678901234567}).fetchone()[0]
    conn.close()
    assert all(holds_folding(c) for c in folding) and not holds_folding("１２３ 科员 0")


def test_an_id_number_in_folding_characters_is_masked_at_oversight_level() -> None:
    redactor = Redactor()          # oversight level: ID numbers only
    for spelled in (SHORT, CIRCLED, SUPERSCRIPT, f"证件号{SHORT}，已核"):
        assert ID_SHAPED.search(normal_form(spelled))
        assert ID_MASK in mask_id_numbers(spelled)
        assert ID_MASK in redactor.text(spelled)
        document = json.dumps({"note": spelled}, ensure_ascii=False)
        assert ID_MASK in redactor.json_text(document)
        assert not redactor.leaves_unchanged(["科员", spelled])
        assert not redactor.leaves_unchanged([document], json_texts=True)
    # a folding character alone is no ID number
    assert redactor.text("面积 120㎡，①②③") == "面积 120㎡，①②③"


@given(st.lists(st.sampled_from(sorted(_CIRCLED)), min_size=1, max_size=18),
       st.text(st.sampled_from(list("0123456789①⑳⒛²㉑ -.，科员X")), max_size=12))
@settings(max_examples=300, deadline=None)
def test_masking_at_oversight_level_finds_what_normalizing_finds(parts: list[str],
                                                                 text: str) -> None:
    spelled = "".join(_CIRCLED[p] for p in parts) + text
    masked = Redactor().text(spelled)
    if ID_SHAPED.search(normal_form(spelled)):
        assert masked != spelled and ID_MASK in masked
    else:
        assert masked == spelled


def test_the_oversight_publication_masks_a_note_in_circled_digits(
        sample_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    shutil.copy(sample_store, store)
    with sqlite3.connect(store) as conn:
        rid = conn.execute("SELECT id FROM observation ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("UPDATE observation SET content = ? WHERE id = ?", [SHORT, rid])
    out = tmp_path / "oversight.db"
    publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(out)
    note = conn.execute("SELECT content FROM observation WHERE id = ?", [rid]).fetchone()[0]
    conn.close()
    assert note == ID_MASK


#: Texts written into an explanation, and how many ``explanation_ref`` texts masking changes.
_NOTES = [
    # a text read only filled: ``⑥㉚⑩㉑⑨⑧⓪⓪⑩⑪`` and the number 234 the template splits out
    # of it (13 characters; the ID number in neither part: judged as read, ``_as_read``)
    ({"note": "⑥㉚⑩㉑⑨⑧⓪⓪⑩⑪234"}, 0),
    # texts kept whole (no number split out of them: judged where stored,
    # ``explanation_ref``): a short one, one in full-width digits; and one whose numbers
    # the template splits out around the ID number
    ({"note": f"证件{SHORT}",
      "wide": "证件" + ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
      "remark": f"第 3 条 {CIRCLED}，2024 年"}, 3),
]


@pytest.mark.parametrize(("notes", "masked"), _NOTES)
def test_the_oversight_publication_masks_id_numbers_in_an_explanation_s_texts(
        sample_store: Path, tmp_path: Path, notes: dict[str, str], masked: int) -> None:
    store = tmp_path / "store.db"
    shutil.copy(sample_store, store)
    conn = sqlite3.connect(store)
    explanations.register_sql_function(conn)
    eid = conn.execute("SELECT id FROM explanation ORDER BY id LIMIT 1").fetchone()[0]
    cell = conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]
    data = {**explanations.stored(conn, cell), **notes}
    with conn:
        explanations.write(conn, [(eid, explanations.kind_of(eid), eid.partition(":")[2],
                                   data)])
    conn.close()
    out = tmp_path / "oversight.db"
    publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(out)
    explanations.register_sql_function(conn)
    text, body = conn.execute("SELECT cadre_explain(json), cadre_explanation_json(json) "
                              "FROM explanation WHERE id = ?", [eid]).fetchone()
    texts = "\x00".join(r[0] for r in conn.execute("SELECT json FROM explanation_ref"))
    conn.close()
    assert ID_MASK in text        # the page shows the note
    assert texts.count(ID_MASK) == masked
    assert not any(ID in normal_form(t) for t in (text, body, texts))
