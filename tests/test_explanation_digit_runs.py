"""Each explanation records at least the most digits in a row its own values write
(``explanations.DIGIT_RUN``, ``store.digit_runs``), and the oversight publication judges only
those that can hold an ID number; a row without the record (a store written before it) is
judged as before."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_publish_support import PUBLISH_DAY, ID_NUMBERS

from cadre_sdk.core.trace import Filled, Trace
from cadre_sdk.publish import publish
from cadre_sdk.publish.redact import ID_DIGITS, ID_MASK, normal_form
from cadre_sdk.store import explanations
from cadre_sdk.store.digit_runs import text_bound
from cadre_sdk.store.database import migrate, open_db
from cadre_sdk.testing import make_plugins

_WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_CIRCLED = {str(n): chr(0x2460 + n - 1) for n in range(1, 21)} | {"0": "⓪"}
_CIRCLED |= {str(n): chr(0x3251 + n - 21) for n in range(21, 36)}
_CIRCLED |= {str(n): chr(0x32B1 + n - 36) for n in range(36, 51)}
ASCII_ID, WIDE_ID, CIRCLED_ID = ID_NUMBERS["C001"], ID_NUMBERS["C002"], ID_NUMBERS["C003"]
#: A clerk's note: an ID number in ASCII digits written in groups (the template splits each
#: group out as a number: only the filled text shows it whole), one in full-width digits
#: and one in circled digits, its last digits ASCII (split out as a number).
NOTE = (f"证件 {ASCII_ID[:6]} {ASCII_ID[6:14]} {ASCII_ID[14:]}；另 {WIDE_ID.translate(_WIDE)}；"
        "又 " + "".join(_CIRCLED[d] for d in CIRCLED_ID[:14]) + CIRCLED_ID[14:])
LEAKS = [ASCII_ID, WIDE_ID, CIRCLED_ID]
_RUN = re.compile(r"\d+")


def _longest_run(texts: list[str]) -> int:
    """The most digits in a row any of ``texts`` holds once normalized."""
    return max((len(r) for t in texts for r in _RUN.findall(normal_form(t))), default=0)


def _read_as_published(conn: sqlite3.Connection, text: str) -> list[str]:
    """What a reader reads of an explanation's JSON ``text`` beyond the entries it cites:
    its filled texts and its stored strings."""
    strings = list(explanations.Joiner(conn).filled(text))

    def walk(node: object) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(json.loads(text)["v"])
    return strings


def _noted(sample_store: Path, store: Path, note: str) -> tuple[Path, str]:
    """A copy of the sample store with ``note`` written into its first explanation by the
    store's writer (templated, packed); the explanation's id."""
    shutil.copy(sample_store, store)
    conn = sqlite3.connect(store)
    explanations.register_sql_function(conn)
    eid = conn.execute("SELECT id FROM explanation ORDER BY id LIMIT 1").fetchone()[0]
    cell = conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]
    data = {**explanations.stored(conn, cell), "note": note}
    with conn:
        explanations.write(conn, [(eid, explanations.kind_of(eid), eid.partition(":")[2],
                                   data)])
    conn.close()
    return store, eid


def _published_reading(store: Path, eid: str, tmp_path: Path) -> tuple[str, str, str]:
    """The oversight publication of ``store``: the explanation's text and JSON, and every
    ``explanation_ref`` entry."""
    out = tmp_path / "oversight.db"
    publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(out)
    explanations.register_sql_function(conn)
    text, body = conn.execute("SELECT cadre_explain(json), cadre_explanation_json(json) "
                              "FROM explanation WHERE id = ?", [eid]).fetchone()
    entries = "\x00".join(r[0] for r in conn.execute("SELECT json FROM explanation_ref"))
    columns = {r[1] for r in conn.execute("PRAGMA table_info(explanation)")}
    conn.close()
    assert explanations.DIGIT_RUN not in columns     # the store's own record, not published
    return text, body, entries


def test_the_sample_store_records_short_runs_for_its_explanations(sample_store: Path) -> None:
    conn = sqlite3.connect(sample_store)
    runs = [r[0] for r in conn.execute(f"SELECT {explanations.DIGIT_RUN} FROM explanation "
                                       "WHERE typeof(json) = 'blob'")]
    conn.close()
    # every templated explanation has its record, and none of the engines' can hold an ID
    # number (what the publication then leaves unjudged)
    assert runs and None not in runs
    assert max(runs) < ID_DIGITS


def test_a_note_holding_id_numbers_is_recorded_as_long_and_masked(
        sample_store: Path, tmp_path: Path) -> None:
    store, eid = _noted(sample_store, tmp_path / "store.db", NOTE)
    conn = sqlite3.connect(store)
    explanations.register_sql_function(conn)
    run, text = conn.execute(f"SELECT {explanations.DIGIT_RUN}, cadre_explanation_json(json) "
                             "FROM explanation WHERE id = ?", [eid]).fetchone()
    read = _read_as_published(conn, text)
    others = conn.execute(f"SELECT max({explanations.DIGIT_RUN}) FROM explanation "
                          "WHERE id <> ?", [eid]).fetchone()[0]
    conn.close()
    # the ASCII ID number is only whole once its groups are written back into the note
    assert ASCII_ID not in text and ASCII_ID in normal_form("\x00".join(read))
    assert run >= _longest_run(read) >= 18 and others < ID_DIGITS
    shown, body, entries = _published_reading(store, eid, tmp_path)
    assert shown.count(ID_MASK) == 3
    assert not any(leak in normal_form(t) for leak in LEAKS for t in (shown, body, entries))


def test_a_store_written_before_the_record_is_judged_as_before(
        sample_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    shutil.copy(sample_store, store)
    # the store as an SDK without the record left it: no column, no migration
    with sqlite3.connect(store) as conn:
        conn.execute(f"DROP TRIGGER explanation_{explanations.DIGIT_RUN}_forgotten")
        conn.execute(f"ALTER TABLE explanation DROP COLUMN {explanations.DIGIT_RUN}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0011_explanation_digit_run'")
    explanations._LAST[:] = [None, None, None]      # no encoder of another connection
    store, eid = _noted(store, tmp_path / "old.db", NOTE)
    shown, body, entries = _published_reading(store, eid, tmp_path)
    assert shown.count(ID_MASK) == 3
    assert not any(leak in normal_form(t) for leak in LEAKS for t in (shown, body, entries))
    # migrated: the column is added, every row's record not known (NULL), judged as before
    db = open_db(store)
    migrate(db)
    assert db.execute(f"SELECT count(*) FROM explanation WHERE {explanations.DIGIT_RUN} "
                      "IS NOT NULL").fetchone()[0] == 0
    db.conn.close()
    (tmp_path / "oversight.db").unlink()
    again = _published_reading(store, eid, tmp_path)
    assert again == (shown, body, entries)


def test_a_json_updated_by_another_writer_forgets_its_record(sample_store: Path,
                                                            tmp_path: Path) -> None:
    store, eid = _noted(sample_store, tmp_path / "store.db", "已核对")
    conn = sqlite3.connect(store)
    explanations.register_sql_function(conn)
    short, text = conn.execute(f"SELECT {explanations.DIGIT_RUN}, cadre_explanation_json(json) "
                               "FROM explanation WHERE id = ?", [eid]).fetchone()
    assert short is not None and short < ID_DIGITS
    # written again by ``write``: recorded again; changed by an UPDATE: forgotten
    with conn:
        explanations.write(conn, [(eid, explanations.kind_of(eid), "s",
                                   {**explanations.stored(conn, text), "note": "已核对"})])
    assert conn.execute(f"SELECT {explanations.DIGIT_RUN} FROM explanation WHERE id = ?",
                        [eid]).fetchone()[0] == short
    with conn:
        conn.execute("UPDATE explanation SET json = ? WHERE id = ?", [explanations.canonical(
            {**explanations.stored(conn, text), "note": f"证件 {ASCII_ID}"}), eid])
    assert conn.execute(f"SELECT {explanations.DIGIT_RUN} FROM explanation WHERE id = ?",
                        [eid]).fetchone()[0] is None
    conn.close()
    shown, body, _ = _published_reading(store, eid, tmp_path)
    assert ID_MASK in shown and ASCII_ID not in normal_form(body)


def test_the_record_published_or_not_gives_the_same_publication(
        sample_store: Path, tmp_path: Path) -> None:
    store, eid = _noted(sample_store, tmp_path / "store.db", NOTE)
    first = _published_reading(store, eid, tmp_path)
    with sqlite3.connect(store) as conn:       # forgotten: every row judged as before
        conn.execute(f"UPDATE explanation SET {explanations.DIGIT_RUN} = NULL")
    (tmp_path / "oversight.db").unlink()
    assert _published_reading(store, eid, tmp_path) == first


_PIECES = st.sampled_from(["0", "7", "12", "０", "９", "⑳", "㉑", "①", "²", " ", "-", ".", "·",
                           "\u3000", "年", "×", "+", "，", "a", "(", "%", "{", "}"])


def _memory_store() -> sqlite3.Connection:
    """An empty explanation store in memory, with the record's column."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE explanation_ref (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                 "digest INTEGER, json TEXT NOT NULL)")
    conn.execute(explanations.TABLE_SQL)
    conn.execute(f"ALTER TABLE explanation ADD COLUMN {explanations.DIGIT_RUN} INTEGER")
    conn.execute(explanations.DIGIT_RUN_TRIGGER)
    explanations.register_sql_function(conn)
    explanations._LAST[:] = [None, None, None]      # an encoder of this connection only
    return conn


def _recorded(conn: sqlite3.Connection, trace: Trace | dict) -> tuple[int | None, list[str]]:
    """``trace`` written: its record and what a reader reads of it beyond the entries it
    cites (``_read_as_published``)."""
    with conn:
        explanations.write(conn, [("t:1", "t", "s", trace)])
    run, text = conn.execute(f"SELECT {explanations.DIGIT_RUN}, cadre_explanation_json(json) "
                             "FROM explanation").fetchone()
    return run, (_read_as_published(conn, text) if text.startswith('{"t":') else [])


_TEXT = st.lists(st.one_of(_PIECES, st.integers(0, 10 ** 12), st.floats(0, 1e6),
                           st.sampled_from(["0001", "2.50", "007"])), max_size=14).map(
    lambda pieces: "".join(p if isinstance(p, str) else repr(p) for p in pieces))


@given(_TEXT, _TEXT, st.lists(st.one_of(st.integers(-10 ** 9, 10 ** 15),
                                        st.floats(allow_nan=False, allow_infinity=False)),
                              max_size=3))
@settings(max_examples=300, deadline=None)
def test_the_record_is_at_least_the_longest_run_a_reader_reads(note: str, label: str,
                                                                shown: list) -> None:
    conn = _memory_store()
    pattern = label.replace("{", "{{").replace("}", "}}") + " {}" * len(shown)
    trace = Trace(subject=f"年度 {note}", inputs=[{"label": label, "value": note},
                                                 {"label": "分", "value": 3}],
                  steps=[{"label": note, "formula": Filled(pattern, *shown), "value": note}],
                  result=Filled(pattern, *shown))
    run, read = _recorded(conn, trace)
    # as a dict (``split``, not ``split_trace``)
    explanations._LAST[:] = [None, None, None]
    conn.execute("DELETE FROM explanation")
    run_dict, read_dict = _recorded(conn, trace.to_dict())
    conn.close()
    for recorded, strings in ((run, read), (run_dict, read_dict)):
        assert recorded is None or recorded >= _longest_run(strings)


@pytest.mark.parametrize("note", [NOTE, "证件 " + " ".join(ASCII_ID[i:i + 3]
                                                          for i in range(0, 18, 3))])
def test_a_note_with_an_id_number_in_groups_is_recorded_long(note: str) -> None:
    conn = _memory_store()
    run, read = _recorded(conn, {"subject": "x", "inputs": [{"label": "备注", "value": note}]})
    conn.close()
    assert run is not None and run >= _longest_run(read) >= 18


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("0123456789-. \tAb中，０９⑳"), max_size=40))
def test_a_text_stored_as_it_is_records_at_least_the_digits_a_reader_reads(text):
    """A text stored as it is (a stub of an explanation made when read) records at least the
    most digits in a row its normalized form holds: gaps between digits (``KH2022-0000040``:
    11) and full-width or circled digits count."""
    assert text_bound(text) >= _longest_run([text])
    assert text_bound("KH2022-0000040") == 11 and text_bound("A1-B2") == 1   # (by hand)
