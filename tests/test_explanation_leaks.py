"""Numbers a template split out of an explanation's texts are masked and scanned as a reader
sees them: joined back into their texts (a phone number or an ID number typed into a note)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_publish_support import PUBLISH_DAY, ID_NUMBERS, PASSWORD

from cadre_sdk.publish import publish
from cadre_sdk.publish.redact import ID_MASK, PHONE_MASK, RedactionError, normal_form
from cadre_sdk.publish.scan import scan
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.publish.thresholds import Thresholds
from cadre_sdk.store import explanation_packing as packing
from cadre_sdk.store import explanations
from cadre_sdk.testing import make_plugins

PHONE = "13912345678"
_WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
#: A clerk's note: a phone number, an ID number written with spaces, one in full-width
#: digits and one split into groups of four digits.
NOTE = (f"联系电话 {PHONE}，证件 {ID_NUMBERS['C001'][:6]} {ID_NUMBERS['C001'][6:14]} "
        f"{ID_NUMBERS['C001'][14:]}；另 {ID_NUMBERS['C002'].translate(_WIDE)}；又 "
        + " ".join(ID_NUMBERS["C003"][i:i + 4] for i in range(0, 18, 4)))
LEAKS = [PHONE, ID_NUMBERS["C001"], ID_NUMBERS["C002"], ID_NUMBERS["C003"]]


def _published_explanation(store: Path) -> str:
    """The id of an explanation the public level publishes (a training coverage's)."""
    conn = sqlite3.connect(store)
    eid = conn.execute("SELECT id FROM explanation WHERE kind = 'training_coverage' "
                       "ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    return eid


@pytest.fixture(scope="module")
def noted_store(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store with ``NOTE`` written into a published explanation."""
    return _noted(sample_store, tmp_path_factory.mktemp("noted") / "store.db", NOTE)


def _noted(sample_store: Path, store: Path, note: str) -> Path:
    """A copy of the sample store with ``note`` written into a published explanation (by the
    store's own writer: templated, its digit runs split out as numbers, packed)."""
    shutil.copy(sample_store, store)
    eid = _published_explanation(store)
    conn = sqlite3.connect(store)
    explanations.register_sql_function(conn)
    cell = conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]
    data = explanations.stored(conn, cell)
    data["note"] = note
    with conn:
        explanations.write(conn, [(eid, explanations.kind_of(eid), eid.partition(":")[2],
                                   data)])
    cell = conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]
    stored = explanations.json_text(conn, cell)
    conn.close()
    # the leak's premise: stored packed, the phone number a JSON number, not a string
    assert packing.is_packed(cell)
    assert PHONE not in {s for s in json.loads(stored)["v"] if isinstance(s, str)}
    assert PHONE in stored
    return store


def _built(store: Path, level: str, folder: Path) -> Path:
    out = folder / f"{level}.db"
    publish(store, out, level=level, plugins=make_plugins(), as_of=PUBLISH_DAY)
    return out


@pytest.fixture(scope="module")
def noted_public(noted_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(noted_store, "public", tmp_path_factory.mktemp("noted_public"))


@pytest.fixture(scope="module")
def noted_oversight(noted_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(noted_store, "oversight", tmp_path_factory.mktemp("noted_oversight"))


def _read(path: Path, eid: str) -> tuple[str, str]:
    """What ``cadre_explain(json)`` and ``cadre_explanation_json(json)`` give of ``eid``."""
    conn = sqlite3.connect(path)
    explanations.register_sql_function(conn)
    text, body = conn.execute("SELECT cadre_explain(json), cadre_explanation_json(json) "
                              "FROM explanation WHERE id = ?", [eid]).fetchone()
    conn.close()
    return text, body


def _hidden(text: str, leaks: list[str]) -> bool:
    """Whether none of ``leaks`` can be read in ``text`` in any spelling."""
    norm = normal_form(text)
    return not any(leak in norm for leak in leaks)


def test_a_note_split_into_a_template_is_masked_at_public_level(noted_store: Path,
                                                                noted_public: Path) -> None:
    eid = _published_explanation(noted_store)
    text, body = _read(noted_public, eid)
    assert "联系电话" in text and PHONE_MASK in text and text.count(ID_MASK) == 3
    assert _hidden(text, LEAKS)
    # the cell's JSON, whatever a SQL reader joins it with, holds none of the numbers
    conn = sqlite3.connect(noted_public)
    every_text = "\x00".join(r[0] for r in conn.execute("SELECT json FROM explanation_ref"))
    conn.close()
    assert _hidden(body, LEAKS) and _hidden(every_text, LEAKS)


def test_a_note_split_into_a_template_has_its_id_numbers_masked_at_oversight_level(
        noted_store: Path, noted_oversight: Path) -> None:
    eid = _published_explanation(noted_store)
    text, body = _read(noted_oversight, eid)
    # oversight readers see phone numbers; ID numbers never
    assert f"联系电话 {PHONE}" in text and text.count(ID_MASK) == 3
    assert _hidden(text, LEAKS[1:]) and _hidden(body, LEAKS[1:])


def _login(client: PublicationClient) -> dict[str, str]:
    response = client.post("/-/login", data={"username": "oversight", "password": PASSWORD})
    assert response.status_code == 302
    return {"ds_actor": response.cookies["ds_actor"]}


@pytest.mark.parametrize("level", ["public", "oversight"])
def test_the_explanation_page_and_its_json_show_the_note_masked(
        level: str, noted_store: Path, noted_public: Path, noted_oversight: Path,
        password_hash: str) -> None:
    eid = _published_explanation(noted_store)
    leaks = LEAKS if level == "public" else LEAKS[1:]
    with PublicationClient(noted_public if level == "public" else noted_oversight) as client:
        cookies = _login(client) if level == "oversight" else {}
        path = f"/{level}/explanation/{eid.replace(':', '~3A')}"
        page = client.get(path, cookies=cookies)
        raw = client.get(f"{path}.json", cookies=cookies)
    assert page.status_code == 200 and raw.status_code == 200
    assert "联系电话" in page.text and ID_MASK in page.text
    assert _hidden(page.text, leaks)
    # the row's JSON: a masked cell is text (a packed one would be base64 of its bytes)
    row = json.dumps(raw.json(), ensure_ascii=False)
    assert ID_MASK in row and _hidden(row, leaks)


def _add_ref(conn: sqlite3.Connection, kind: str, entry: object) -> int:
    body = explanations.canonical(entry)
    return conn.execute("INSERT INTO explanation_ref (kind, digest, json) VALUES (?, ?, ?)",
                        [kind, explanations.digest(body), body]).lastrowid


def _split_values(conn: sqlite3.Connection, number: str) -> dict:
    """A templated explanation whose subject is ``证件 <number>`` with the number's digits as
    three JSON numbers (no group starts with 0: each reads back the same)."""
    text_id = _add_ref(conn, "text", "证件 \ue001 \ue001 \ue001")
    template_id = _add_ref(conn, "template", {"subject": f"\ue002{text_id}"})
    first = next(i for i in range(6, 12) if number[i] != "0")
    second = next(i for i in range(14, first + 1, -1) if number[i] != "0")
    return {"t": template_id,
            "v": [int(number[:first]), int(number[first:second]), int(number[second:])]}


def _smuggle(path: Path, number: int) -> None:
    """Replace a published explanation by one whose subject is ``number`` as values of a
    split text (``_split_values``), packed with a dictionary planted beside it (the public
    level publishes its explanations as JSON text, without dictionaries)."""
    conn = sqlite3.connect(path)
    rowid = conn.execute("SELECT rowid FROM explanation ORDER BY rowid LIMIT 1").fetchone()[0]
    entry = {"for": "smuggled", "rows": [{"t": 1, "v": [1]}]}
    rid = _add_ref(conn, packing.ZDICT_KIND, entry)
    dictionary = packing.dictionary_bytes(entry)
    planted = _split_values(conn, str(number))
    conn.execute("UPDATE explanation SET json = ? WHERE rowid = ?",
                 [packing.Packer(rid, dictionary).pack(explanations.canonical(planted)),
                  rowid])
    conn.commit()
    conn.close()


def test_the_scanner_refuses_an_id_number_smuggled_as_split_values(
        public_db: Path, sample_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    conn = sqlite3.connect(sample_store)
    names, ids = map(list, zip(*conn.execute("SELECT name, id FROM cadre")))
    conn.close()
    assert scan(copy, names=names, cadre_ids=ids, limits=Thresholds()) == []
    number = ID_NUMBERS["C001"]
    assert number.isdigit()     # (the sample's first number has no X)
    _smuggle(copy, int(number))
    text, _ = _read(copy, sqlite3.connect(copy).execute(
        "SELECT id FROM explanation WHERE typeof(json) = 'blob' ORDER BY rowid LIMIT 1"
    ).fetchone()[0])
    assert text.startswith("【证件 ") and number in normal_form(text)   # what a reader sees
    findings = scan(copy, names=names, cadre_ids=ids, limits=Thresholds())
    assert any(f.startswith("表 explanation ") and "json 列：身份证号" in f
               for f in findings), findings


def test_the_scanner_refuses_an_id_number_smuggled_into_a_dictionary(
        public_db: Path, sample_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "public.db"
    shutil.copy(public_db, copy)
    conn = sqlite3.connect(copy)
    # a packing dictionary's rows are stored explanations: split values too
    _add_ref(conn, packing.ZDICT_KIND,
             {"for": "leak", "rows": [_split_values(conn, ID_NUMBERS["C001"])]})
    conn.commit()
    conn.close()
    conn = sqlite3.connect(sample_store)
    names, ids = map(list, zip(*conn.execute("SELECT name, id FROM cadre")))
    conn.close()
    findings = scan(copy, names=names, cadre_ids=ids, limits=Thresholds())
    assert any(f.startswith("表 explanation_ref ") and "json 列：身份证号" in f
               for f in findings), findings


def test_publishing_refuses_a_note_whose_masking_was_bypassed(
        sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cadre_sdk.publish import build as build_module
    from cadre_sdk.publish.redact import Redactor

    class NoMasking(Redactor):
        def text(self, value):        # noqa: ANN001, ANN202
            return value

        def json_text(self, value):   # noqa: ANN001, ANN202
            return value
    monkeypatch.setattr(build_module, "Redactor", NoMasking)
    # only numbers the template splits out (the full-width one stays in the text)
    split_only = NOTE.split("；")[0] + "；又" + NOTE.split("；又")[1]
    noted_store = _noted(sample_store, tmp_path / "store.db", split_only)
    with pytest.raises(RedactionError) as caught:
        publish(noted_store, tmp_path / "public.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    assert "explanation" in str(caught.value) and "身份证号" in str(caught.value)
    assert not (tmp_path / "public.db").exists()


def _strings(node: object) -> set[str]:
    """Every string of a JSON document, keys included."""
    if isinstance(node, str):
        return {node}
    if isinstance(node, list):
        return set().union(*map(_strings, node)) if node else set()
    if isinstance(node, dict):
        return set(node) | (set().union(*map(_strings, node.values())) if node else set())
    return set()


def test_what_masking_judges_of_an_explanation_holds_every_string_its_reader_reads(
        noted_store: Path) -> None:
    """``Joiner.filled`` (the texts numbers are written into) with the stored JSON and the
    ``explanation_ref`` entries (judged where they are stored) hold every string of every
    explanation joined back, the note's filled text among them."""
    conn = sqlite3.connect(noted_store)
    joiner = explanations.Joiner(conn)
    entries = set().union(*(_strings(e) for e in joiner.refs.values()))
    seen_note = False
    for (cell,) in conn.execute("SELECT json FROM explanation"):
        text = explanations.json_text(conn, cell)
        filled = joiner.filled(text)
        joined = _strings(joiner.data(json.loads(text)))
        assert joined <= set(filled) | entries | _strings(json.loads(text)), joined - entries
        seen_note = seen_note or NOTE in filled
    conn.close()
    assert seen_note


def test_the_public_level_publishes_explanations_as_text_and_only_the_entries_they_cite(
        public_db: Path, sample_store: Path) -> None:
    """A packing dictionary is made of the first stored explanations of its kind (a person's
    assessment among them), and a template or text may serve a person's explanation only:
    the public level publishes none of them, its explanations as JSON text."""
    pub = sqlite3.connect(public_db)
    store = sqlite3.connect(sample_store)
    for conn in (pub, store):
        explanations.register_sql_function(conn)
    assert store.execute("SELECT count(*) FROM explanation_ref WHERE kind = ?",
                         [packing.ZDICT_KIND]).fetchone()[0] > 0      # (the store has some)
    assert pub.execute("SELECT count(*) FROM explanation_ref WHERE kind = ?",
                       [packing.ZDICT_KIND]).fetchone()[0] == 0
    assert pub.execute("SELECT count(*) FROM explanation WHERE typeof(json) = 'blob'"
                       ).fetchone()[0] == 0
    # each published explanation reads as the store's
    published = pub.execute("SELECT id, cadre_explain(json) FROM explanation").fetchall()
    assert published
    for eid, text in published:
        assert text == store.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                                     [eid]).fetchone()[0]
    # every template left is one a published explanation uses
    assert pub.execute("SELECT count(*) FROM explanation_ref WHERE kind = 'template' AND id "
                       "NOT IN (SELECT json_extract(json, '$.t') FROM explanation "
                       "WHERE json_valid(json))").fetchone()[0] == 0
    # a person's assessment: its text is read in the store (made when read: no entry holds
    # it), not in the public file
    subject = "年度个人考核第"
    assert store.execute("SELECT count(*) FROM explanation WHERE kind = 'assessment' AND "
                         "instr(cadre_explain(json), ?)", [subject]).fetchone()[0] > 0
    assert pub.execute("SELECT count(*) FROM explanation_ref WHERE instr(json, ?)",
                       [subject]).fetchone()[0] == 0
