"""``cadre publish``: what each level publishes, leaves out and masks; provenance and the file's
hash; indexes; Chinese labels; atomic writes."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cadre_sdk.cli.app import build_cli
from cadre_sdk.core.errors import CadreError, PluginError
from cadre_sdk.store import explanations
from cadre_sdk.hookspecs import hookimpl
from cadre_sdk.publish import publish
from cadre_sdk.publish.copy import FEW_VALUES, FILTER_COLUMNS, KEY_ONLY, NEVER_INDEXED
from cadre_sdk.publish.labels import UNLABELLED, UNLABELLED_COLUMN
from cadre_sdk.publish.metadata import hash_file, sidecar
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.publish.redact import (
    AGGREGATE_ONLY, ID_MASK, NAME_MASK, RATERS_KEY, RedactionError, id_numbers_in, normal_form,
)
from cadre_sdk.rules import CannedQuery
from cadre_sdk.store.explanations import register_sql_function
from cadre_sdk.store.explanations import write as write_explanations
from cadre_sdk.store.database import sha256_file
from cadre_sdk.testing import make_plugins
from test_publish_support import PUBLISH_DAY, ID_NUMBERS, NAMES, STRAY_ID, TYPED, load_sample

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: The test's own reading of "an ID number": 17 digits and a check character, on their own.
_ID_PATTERN = re.compile(r"\d{17}[\dX]")


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _objects(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _text_cells(path: Path) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text cell of every table and view of the file."""
    conn = _connect(path)
    cells = []
    for table in _objects(conn):
        cursor = conn.execute(f"SELECT * FROM [{table}]")
        cols = [d[0] for d in cursor.description]
        for row in cursor:
            cells += [(table, c, v) for c, v in zip(cols, row) if isinstance(v, str)]
    conn.close()
    return cells


def _columns(path: Path, table: str) -> list[str]:
    conn = _connect(path)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    finally:
        conn.close()


def test_public_level_has_no_id_number_and_no_name_anywhere(public_db: Path) -> None:
    cells = _text_cells(public_db)
    assert cells, "the public file has text"
    for table, column, text in cells:
        assert not id_numbers_in(text), (table, column, text)
        for number in [*ID_NUMBERS.values(), STRAY_ID]:
            assert number not in text, (table, column)
        for name in NAMES.values():
            assert name not in text, (table, column, text)
    # The naive pattern only ever matches inside hexadecimal hashes (SHA-256 of inputs).
    for table, column, text in cells:
        hashes = [m.span() for m in re.finditer(r"[0-9a-f]{64}", text)]
        for match in _ID_PATTERN.finditer(text):
            assert any(a <= match.start() and match.end() <= b for a, b in hashes), (
                table, column, text)
    # Typed in other spellings (grouped, hyphenated, full-width; a space inside a name), they
    # are gone in the normalized form too, and every free-text column that held one is masked.
    for table, column, text in cells:
        norm = normal_form(text)
        for secret in [*ID_NUMBERS.values(), *NAMES.values()]:
            assert secret not in norm, (table, column, text)
    # Rows about people, cases and adjustments are not published at all (the typed cells of
    # the sample are in case and adjustment rows; test_public_privacy plants such cells in a
    # public table and sees them masked); no public row carries a cadre id.
    objects = _objects(_connect(public_db))
    assert not AGGREGATE_ONLY & set(objects) and not set(TYPED) & set(objects)
    assert all("cadre_id" not in _columns(public_db, t) for t in objects)


def test_oversight_level_has_names_but_never_id_numbers(oversight_db: Path) -> None:
    cells = _text_cells(oversight_db)
    assert {"name", "gender"} <= set(_columns(oversight_db, "cadre"))
    assert "id_number" not in _columns(oversight_db, "cadre")
    assert any(text == NAMES["C001"] for t, c, text in cells if (t, c) == ("cadre", "name"))
    for table, column, text in cells:
        assert not id_numbers_in(text), (table, column)
        assert not any(number in text for number in [*ID_NUMBERS.values(), STRAY_ID])
    observation = [text for t, c, text in cells if (t, c) == ("observation", "content")]
    assert any("王芳同志" in text and ID_MASK in text for text in observation)


def test_evaluation_is_published_at_public_level_only_as_aggregates_over_k_raters(
        public_db: Path, oversight_db: Path, sample_store: Path, tmp_path: Path) -> None:
    public = _connect(public_db)
    assert "evaluation" not in _objects(public)
    rows = public.execute("SELECT unit_code, year, method, participants, excellent "
                          "FROM evaluation_summary").fetchall()
    # U002's 5 raters stay unpublished; U001's 12 votes are about one assessed cadre (fewer
    # than 5): they would be that person's result, so they read as the notice
    hidden = "少于 5 人，不公开"
    assert rows == [("U001", 2024, "民主测评", hidden, hidden)]
    oversight = _connect(oversight_db)
    assert oversight.execute("SELECT count(*) FROM evaluation").fetchone()[0] == 2
    assert oversight.execute("SELECT count(*) FROM evaluation_summary").fetchone()[0] == 2
    register_sql_function(oversight)
    # A person's assessment is not a public row: its explanation (with the votes) stays at
    # oversight level, where the small group's votes are shown.
    assert public.execute("SELECT count(*) FROM explanation WHERE kind = 'assessment'"
                          ).fetchone()[0] == 0
    assert "参评人数 5" in oversight.execute(
        "SELECT cadre_explain(json) FROM explanation WHERE id = 'assessment:AS2'").fetchone()[0]
    strict = publish(sample_store, tmp_path / "strict.db", level="public",
                     plugins=make_plugins(), min_raters=13, as_of=PUBLISH_DAY)
    assert _connect(strict.out).execute("SELECT count(*) FROM evaluation_summary"
                                        ).fetchone()[0] == 0


def test_names_in_explanations_are_masked_at_public_level(cadre_db: Any, cadre_load: Any,
                                                           tmp_path: Path) -> None:
    load_sample(cadre_db, cadre_load)
    write_explanations(cadre_db, [("x:1", "x", f"{NAMES['C001']} 的说明",
                                   {"subject": f"干部 {NAMES['C002']}",
                                    "note": f"{NAMES['C001']}：得分 90"})])
    # a trace written with \\u escapes (as older stores and other tools may hold it)
    escaped = json.dumps({"subject": f"干部 {NAMES['C002']}"})
    cadre_db.conn.execute("INSERT INTO explanation (id, subject, json) "
                          "VALUES ('x:2', 'x', ?)", [escaped])
    # Public level copies only the explanations a published row cites: units' targets (a
    # public reference table) cite both.
    cadre_db.conn.execute("INSERT INTO target_summary (unit_code, year, targets, on_schedule, "
                          "behind, share, last_month, explanation_id) VALUES "
                          "('U1', 2024, 1, 1, 0, 1.0, 12, 'x:1'), "
                          "('U2', 2024, 1, 1, 0, 1.0, 12, 'x:2')")
    cadre_db.conn.commit()
    path = Path(cadre_db.conn.execute("PRAGMA database_list").fetchone()[2])
    result = publish(path, tmp_path / "p.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    published = _connect(result.out)
    row = published.execute("SELECT subject, json FROM explanation WHERE id = 'x:1'").fetchone()
    assert row[0] == f"{NAME_MASK} 的说明"
    # (the texts are stored once each in explanation_ref: masked there, read back joined)
    assert explanations.stored(published, row[1]) == {"subject": f"干部 {NAME_MASK}",
                                                      "note": f"{NAME_MASK}：得分 90"}
    assert all(NAMES["C001"] not in j and NAMES["C002"] not in j
               for (j,) in published.execute("SELECT json FROM explanation_ref"))
    escaped_row = published.execute("SELECT json FROM explanation WHERE id = 'x:2'").fetchone()
    assert json.loads(escaped_row[0]) == {"subject": f"干部 {NAME_MASK}"}


def test_public_level_copies_only_the_entries_published_explanations_cite(
        cadre_db: Any, cadre_load: Any, tmp_path: Path) -> None:
    """The texts, templates, rules and parameters of ``explanation_ref`` the public level
    copies are those the published explanations cite: what the store's own ``prune`` keeps
    once every other explanation is gone (a person's explanation's texts are not copied)."""
    load_sample(cadre_db, cadre_load)
    write_explanations(cadre_db, [
        ("x:1", "x", "说明", {"subject": "单位目标", "note": "按月汇总", "result": 1}),
        ("x:2", "x", "说明", {"subject": "单位目标", "note": "按季汇总", "result": 2}),
        ("p:1", "p", "个人", {"subject": f"干部 {NAMES['C001']}", "detail": "个人情况说明"})])
    cadre_db.conn.execute("INSERT INTO target_summary (unit_code, year, targets, on_schedule, "
                          "behind, share, last_month, explanation_id) VALUES "
                          "('U1', 2024, 1, 1, 0, 1.0, 12, 'x:1')")
    cadre_db.conn.commit()
    path = Path(cadre_db.conn.execute("PRAGMA database_list").fetchone()[2])
    published = _connect(publish(path, tmp_path / "p.db", level="public",
                                 plugins=make_plugins(), as_of=PUBLISH_DAY).out)
    assert [i for (i,) in published.execute("SELECT id FROM explanation")] == ["x:1"]
    # the reference: the store with only the published explanation, pruned
    reference = sqlite3.connect(tmp_path / "reference.db")
    cadre_db.conn.backup(reference)
    reference.execute("DELETE FROM explanation WHERE id <> 'x:1'")
    explanations.prune(reference)
    query = f"SELECT id, kind, json FROM explanation_ref WHERE kind <> '{explanations.ZDICT}'"
    assert sorted(published.execute(query)) == sorted(reference.execute(query))
    assert published.execute("SELECT count(*) FROM explanation_ref").fetchone()[0] > 0
    assert not any(NAMES["C001"] in j or "个人情况说明" in j
                   for (j,) in published.execute("SELECT json FROM explanation_ref"))
    register_sql_function(published)
    assert "按月汇总" in published.execute("SELECT cadre_explain(json) FROM explanation"
                                        ).fetchone()[0]


def test_an_explanation_protection_unlinks_is_neither_copied_nor_masked(
        cadre_db: Any, cadre_load: Any, tmp_path: Path) -> None:
    """A row with hidden counts loses its own explanation (it repeats them): the public
    level copies the explanations once protection is done, so that one is never copied nor
    masked, and the masked cells counted are those of a store where no row cites it."""
    load_sample(cadre_db, cadre_load)
    write_explanations(cadre_db, [
        (f"x:{n}", "x", f"{NAMES['C001']} 的说明", {"subject": f"干部 {NAMES['C002']}"})
        for n in (1, 2)])
    # U1's 8 leaders are shown; U2's 2 are fewer than 5 (the sample's threshold): hidden
    cadre_db.conn.execute(
        "INSERT INTO training_coverage (year, unit_code, leaders, trained, coverage, "
        "full_coverage, hours_met, hours, explanation_id) VALUES "
        "(2024, 'U1', 8, 8, 1.0, 1, 8, 400.0, 'x:1'), (2024, 'U2', 2, 2, 1.0, 1, 2, 100.0, 'x:2')")
    cadre_db.conn.commit()
    path = Path(cadre_db.conn.execute("PRAGMA database_list").fetchone()[2])
    result = publish(path, tmp_path / "p.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    published = _connect(result.out)
    assert [i for (i,) in published.execute("SELECT id FROM explanation")] == ["x:1"]
    assert published.execute("SELECT explanation_id FROM training_coverage "
                             "ORDER BY unit_code").fetchall() == [("x:1",), (None,)]
    assert published.execute("SELECT subject FROM explanation").fetchone()[0] == \
        f"{NAME_MASK} 的说明"
    # the reference: the same store with U2's row citing nothing
    cadre_db.conn.execute("UPDATE training_coverage SET explanation_id = '' "
                          "WHERE unit_code = 'U2'")
    cadre_db.conn.commit()
    reference = publish(path, tmp_path / "r.db", level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    assert result.masked_cells == reference.masked_cells > 0


def test_names_in_packed_explanations_are_masked_at_public_level(
        cadre_db: Any, cadre_load: Any, tmp_path: Path) -> None:
    from cadre_sdk.store import explanation_packing as packing
    load_sample(cadre_db, cadre_load)
    conn = cadre_db.conn
    write_explanations(cadre_db, [(f"x:{n}", "x", "x", {"subject": "说明", "result": n})
                                  for n in (1, 2)])
    (rid, body), = conn.execute("SELECT id, json FROM explanation_ref WHERE kind = 'zdict'")
    clean = packing.Packer(rid, packing.dictionary_bytes(json.loads(body)))
    # a dictionary holding a name (another tool's, say): masking it would change what its
    # cells inflate to
    named = {"for": "x", "rows": [{"subject": f"干部 {NAMES['C001']}"}]}
    named_body = explanations.canonical(named)
    named_id = conn.execute("INSERT INTO explanation_ref (kind, digest, json) VALUES "
                            "('zdict', ?, ?)", [explanations.digest(named_body),
                                                named_body]).lastrowid
    dirty = packing.Packer(named_id, packing.dictionary_bytes(named))
    secret = explanations.canonical({"subject": f"干部 {NAMES['C002']}"})
    plain = explanations.canonical({"subject": "干部 某人"})
    conn.executemany("INSERT INTO explanation (id, subject, json) VALUES (?, 'x', ?)", [("x:3", clean.pack(secret)), ("x:4", dirty.pack(plain))])
    conn.executemany("INSERT INTO target_summary (unit_code, year, targets, on_schedule, "
                     "behind, share, last_month, explanation_id) VALUES "
                     "(?, 2024, 1, 1, 0, 1.0, 12, ?)",
                     [("U1", "x:1"), ("U2", "x:2"), ("U3", "x:3"), ("U4", "x:4")])
    conn.commit()
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
    published = _connect(publish(path, tmp_path / "p.db", level="public",
                                 plugins=make_plugins(), as_of=PUBLISH_DAY).out)
    register_sql_function(published)
    out = dict(published.execute("SELECT id, json FROM explanation"))
    # untouched by masking: published as its JSON text (the public level publishes no
    # packing dictionary)
    stored = dict(conn.execute("SELECT id, json FROM explanation"))
    assert isinstance(stored["x:1"], bytes)
    assert out["x:1"] == explanations.json_text(conn, stored["x:1"])
    assert not published.execute("SELECT count(*) FROM explanation_ref WHERE kind = 'zdict'"
                                  ).fetchone()[0]
    # a name inside a packed cell: masked, the cell published as JSON text
    assert json.loads(out["x:3"]) == {"subject": f"干部 {NAME_MASK}"}
    # a clean text packed with a dictionary masking changes: published as its JSON text
    assert out["x:4"] == plain
    assert [published.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                              [i]).fetchone()[0].splitlines()[0] for i in sorted(out)] == [
        "【说明】", "【说明】", f"【干部 {NAME_MASK}】", "【干部 某人】"]
    assert all(NAMES["C001"] not in j for (j,) in published.execute(
        "SELECT json FROM explanation_ref"))


@pytest.mark.parametrize("with_id_number", [False, True])
def test_packed_explanations_are_copied_as_they_are_unless_masking_changes_one(
        cadre_db: Any, cadre_load: Any, tmp_path: Path, with_id_number: bool) -> None:
    """Oversight level: every packed cell masking leaves unchanged is published byte for
    byte (judged all at once, then copied without inflating), and an ID number typed into a
    packed cell's text is masked (the cell published as its JSON text)."""
    from cadre_sdk.store import explanation_packing as packing
    load_sample(cadre_db, cadre_load)
    conn = cadre_db.conn
    write_explanations(cadre_db, [(f"x:{n}", "x", "x", {"subject": "说明", "result": n})
                                  for n in range(1, 4)])
    (rid, body), = conn.execute("SELECT id, json FROM explanation_ref WHERE kind = 'zdict'")
    packer = packing.Packer(rid, packing.dictionary_bytes(json.loads(body)))
    note = f"证件号码 {ID_NUMBERS['C001']}" if with_id_number else "证件号码已核对无误（无附件）"
    conn.execute("UPDATE explanation SET json = ? WHERE id = 'x:3'",
                 [packer.pack(explanations.canonical({"subject": "说明", "note": note}))])
    conn.commit()
    stored = dict(conn.execute("SELECT id, json FROM explanation"))
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
    published = _connect(publish(path, tmp_path / "o.db", level="oversight",
                                 plugins=make_plugins(), as_of=PUBLISH_DAY).out)
    out = dict(published.execute("SELECT id, json FROM explanation"))
    assert all(isinstance(stored[i], bytes) for i in ("x:1", "x:2", "x:3"))
    assert {i: out[i] for i in out if i != "x:3"} == {i: stored[i] for i in out if i != "x:3"}
    if with_id_number:
        assert json.loads(out["x:3"]) == {"subject": "说明", "note": f"证件号码 {ID_MASK}"}
    else:
        assert out["x:3"] == stored["x:3"]


@pytest.mark.parametrize("full_width", [False, True])
def test_a_key_holding_an_id_number_stops_the_build(cadre_db: Any, cadre_load: Any,
                                                     tmp_path: Path, full_width: bool) -> None:
    """Also one in full-width digits (``０``-``９``: loading turns them into ASCII digits, a
    table written otherwise, by an engine or a plugin, may keep them)."""
    cadre_load(cadre_db, "unit", [{"code": "U1", "name": "某局", "kind": "部门",
                                   "level": "省", "region_code": "630000"}])
    cadre_load(cadre_db, "cadre", [{"id": ID_NUMBERS["C001"], "name": "某某", "gender": "男",
                                    "birth": "1960.01", "unit_code": "U1", "post": "科员"}])
    path = Path(cadre_db.conn.execute("PRAGMA database_list").fetchone()[2])
    if full_width:
        wide = ID_NUMBERS["C001"].translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
        with cadre_db.conn:
            cadre_db.conn.execute("UPDATE cadre SET id = ?", [wide])
        assert cadre_db.conn.execute("SELECT id FROM cadre").fetchone()[0] == wide
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RedactionError, match="身份证号"):
        publish(path, folder / "p.db", level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    assert list(folder.iterdir()) == []


def test_a_nullable_link_holding_an_id_number_stops_the_build(cadre_db: Any,
                                                               tmp_path: Path) -> None:
    """A link column with no constraint (an engine's or a plugin's table) holding an ID number
    stops the build as a key does, though its copy would not fail by itself; in a process
    where sqlite3 prints callback tracebacks (Datasette turns them on), nothing is printed:
    the refusal is not raised inside the SQL function."""
    with cadre_db.conn:
        cadre_db.conn.execute("CREATE TABLE extra_link (ref_id TEXT, note TEXT)")
        cadre_db.conn.executemany("INSERT INTO extra_link VALUES (?, ?)",
                                  [("R1", "甲"), (None, "乙"), (ID_NUMBERS["C002"], "丙")])
    path = Path(cadre_db.conn.execute("PRAGMA database_list").fetchone()[2])
    folder = tmp_path / "out"
    folder.mkdir()
    unraisable: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    sqlite3.enable_callback_tracebacks(True)
    try:
        with pytest.raises(RedactionError, match=f"编号“{ID_NUMBERS['C002'][:6]}…”中含有身份证号"):
            publish(path, folder / "p.db", level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    finally:   # as it was: on where Datasette was imported (and turned it on)
        sqlite3.enable_callback_tracebacks("datasette.utils.sqlite" in sys.modules)
        sys.unraisablehook = hook
    assert unraisable == []
    assert list(folder.iterdir()) == []


class _LeakyQuery:
    """A plugin whose public query selects names (the public level has no rows about people:
    no ``cadre`` table)."""

    @hookimpl
    def register_queries(self, register: Any) -> None:
        register(CannedQuery(name="leaky", title="泄露", sql="SELECT name FROM cadre"))


def test_a_failed_build_leaves_the_previous_publication_untouched(public_db: Path,
                                                                  sample_store: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "p.db"
    first = publish(sample_store, out, level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(PluginError, match="_LeakyQuery.*leaky.*no such table: cadre"):
        publish(sample_store, out, level="public", plugins=make_plugins(_LeakyQuery()), as_of=PUBLISH_DAY)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert sha256_file(out) == first.sha256


def test_the_files_hash_is_next_to_it_and_sha256sum_verifies_it(public_db: Path) -> None:
    digest = sha256_file(public_db)
    assert hash_file(public_db).read_text() == f"{digest}  {public_db.name}\n"
    meta = json.loads(sidecar(public_db).read_text(encoding="utf-8"))
    assert meta["plugins"]["cadre-sdk"]["sha256"] == digest
    assert digest in meta["description_html"] and "sha256sum -c" in meta["description_html"]
    check = subprocess.run(["sha256sum", "-c", hash_file(public_db).name], cwd=public_db.parent,
                           capture_output=True, text=True)
    assert check.returncode == 0 and "OK" in check.stdout


def test_provenance_names_versions_rules_parameters_and_input_hashes(oversight_db: Path,
                                                                     sample_store: Path
                                                                     ) -> None:
    conn = _connect(oversight_db)
    facts = dict(conn.execute("SELECT key, value FROM publication"))
    assert facts["level"].startswith("oversight") and facts["sdk_version"]
    assert facts["source_sha256"] == sha256_file(sample_store)
    plugins = dict(conn.execute("SELECT name, version FROM plugin_version"))
    assert "cadre_sdk.defaults.queries" in plugins
    assert conn.execute("SELECT count(*) FROM rule_version WHERE kind = 'query' "
                        "AND key = 'cadre_profile'").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM rule_version WHERE parameter_sha256 IS NOT NULL"
                        ).fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM parameter_value WHERE reference <> ''"
                        ).fetchone()[0] > 0
    loads = dict(conn.execute("SELECT kind, sha256 FROM provenance WHERE step = 'load' "
                              "AND kind IN ('cadre', 'observation', 'case_event')"))
    assert len(loads) == 3 and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in loads.values())
    assert conn.execute("SELECT count(*) FROM provenance WHERE step = 'publish'").fetchone()[0] == 1


def test_every_filter_column_is_indexed(oversight_db: Path) -> None:
    conn = _connect(oversight_db)
    # explanations are read by their key (``copy.KEY_ONLY``)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE "
                                         "'sqlite_%' AND name NOT LIKE 'search_index_%'")
              if r[0] not in KEY_ONLY]
    missing = []
    for table in tables:
        info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
        # a column leading the key or an index, or following only columns of few values in
        # one (a filter on it reads the index by skip-scan)
        keys = [[r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]]
        keys += [[r[2] for r in conn.execute(f"PRAGMA index_info([{index[1]}])")]
                 for index in conn.execute(f"PRAGMA index_list([{table}])").fetchall()]
        served = {c for key in keys for i, c in enumerate(key) if set(key[:i]) <= FEW_VALUES}
        wanted = {r[1] for r in info if r[1] in FILTER_COLUMNS}
        wanted -= NEVER_INDEXED
        missing += [f"{table}.{c}" for c in sorted(wanted - served)]
    assert missing == []


def test_the_publications_own_tables_have_chinese_labels(oversight_db: Path) -> None:
    meta = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))
    tables = meta["databases"]["oversight"]["tables"]
    own = ["provenance", "explanation", "publication", "plugin_version", "rule_version",
           "parameter_value", "cadre_overview", "evaluation_summary", "cadre_timeline",
           "search_index", "cadre", "case", "observation"]
    for name in [*own, *RECORD_TYPES]:
        if name not in tables:
            continue
        assert _CJK.search(tables[name]["title"]) and not tables[name]["title"].startswith(
            UNLABELLED), name
        english = re.findall(r"[A-Za-z]{3,}", re.sub(r"cadre-sdk|SHA-256|\.sha256", "",
                                                     tables[name]["description"]))
        assert _CJK.search(tables[name]["description"]) and not english, (name, english)
        for column, text in tables[name]["columns"].items():
            assert _CJK.search(text) and UNLABELLED_COLUMN not in text, (name, column)


def test_every_published_table_and_column_has_a_chinese_label(public_db: Path,
                                                              oversight_db: Path) -> None:
    """Fails listing the tables and columns nobody described: their owners must call
    ``cadre_sdk.store.table_labels.describe(table, title, description, columns, units)``."""
    gaps = []
    for path in (public_db, oversight_db):
        meta = json.loads(sidecar(path).read_text(encoding="utf-8"))
        gaps += meta["plugins"]["cadre-sdk"]["unlabelled"]
    missing = sorted(set(gaps))
    assert not missing, ("no Chinese label (the owner should call cadre_sdk.store.table_labels.describe): "
                         + ", ".join(missing))


def test_cli_publish_reports_what_it_wrote(sample_store: Path, tmp_path: Path) -> None:
    cli = build_cli(make_plugins())
    out = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["publish", str(sample_store), str(out), "--level",
                                      "public", "-k", "12", "--license", "CC BY 4.0"])
    assert result.exit_code == 0, result.output
    assert "已生成公开版" in result.output and sha256_file(out) in result.output
    # the sample's typed cells are in case and adjustment rows, which the public level leaves
    # out, and in packing dictionaries made of the explanations of people (their subjects'
    # cadre ids, joined back), which it does not publish: nothing left to mask
    masked = re.search(r"已屏蔽身份证号、电话号码、姓名或干部编号的单元格：(\d+) 个", result.output)
    assert masked and int(masked.group(1)) == 0, result.output
    assert "测评不少于 12 人" in result.output and "发布前扫描未发现问题" in result.output
    meta = json.loads(sidecar(out).read_text(encoding="utf-8"))
    assert meta["license"] == "CC BY 4.0" and meta["plugins"]["cadre-sdk"]["min_raters"] == 12
    lower = CliRunner().invoke(cli, ["publish", str(sample_store), str(out), "--level",
                                     "public", "-k", "3"])
    assert lower.exit_code != 0 and "不能低于规则规定的 10 人" in str(lower.exception)
    bad = CliRunner().invoke(cli, ["publish", str(sample_store), str(out), "--level", "secret"])
    assert bad.exit_code == 2 and "secret" in bad.output


def test_publishing_onto_the_store_itself_is_refused(sample_store: Path) -> None:
    with pytest.raises(CadreError, match="同一个文件"):
        publish(sample_store, sample_store, level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)


def test_hash_shaped_ids_are_not_taken_for_id_numbers():
    """Explanation ids and hash-chain links are hex hashes; one can hold 18 digits in a row,
    which must not be masked as an ID number (the build would break keys or the chain)."""
    from cadre_sdk.publish.redact import Redactor, id_numbers_in

    digits = "123456789012345678"  # 18 digits, shaped like an ID number
    assert id_numbers_in(f"身份证 {digits} 号") == [digits]
    hashed = "subsidy:" + digits + "abcdef01234567"  # 32 hex digits, as the engine writes them
    assert id_numbers_in(hashed) == []
    assert Redactor().check_code(hashed) == hashed


@pytest.mark.parametrize("length", range(15, 40))
def test_a_code_is_sent_to_the_id_number_check_where_it_may_hold_one(length: int) -> None:
    """SQL picks the codes ``check_code`` must judge (``copy._may_hold_id_number``): an ASCII
    code where it has 17 digits in a row, wherever the run is, unless it is one hexadecimal
    hash of 32 characters or more; any other code of 17 characters or more (digits of other
    scripts: ``id_numbers_in`` finds an ID number in full-width digits too)."""
    from cadre_sdk.publish.copy import _may_hold_id_number
    from cadre_sdk.publish.redact import id_numbers_in

    conn = sqlite3.connect(":memory:")
    sql = f"SELECT {_may_hold_id_number(':v')}"

    def judged(code: str) -> bool:
        if not code.isascii():
            return len(code) >= 17
        return (re.search(r"[0-9]{17}", code) is not None
                and not (length >= 32 and re.fullmatch(r"[0-9A-Fa-f]+", code) is not None))

    full_width = "６３０１０２１９８００１０１１２３"
    for run in ("63010219800101123", full_width):
        for fill in ("x", "-", "中", "1", "f"):
            for at in range(max(0, length - len(run)) + 1):
                code = (fill * at + run + fill * length)[:length]
                blank = code.replace(run, run[:8] + fill + run[9:])   # one digit less
                for value in (code, blank):
                    found = bool(conn.execute(sql, {"v": value}).fetchone()[0])
                    assert found is judged(value), value
                    assert found or not id_numbers_in(value), value


def test_canned_queries_show_the_form_first_and_name_parameters_once(public_db: Path) -> None:
    """Oversight readers get the form and the answer; the SQL is one click away."""
    import json

    meta = json.loads(Path(f"{public_db}.metadata.json").read_text(encoding="utf-8"))
    queries = [q for db in meta["databases"].values() for q in db.get("queries", {}).values()]
    assert queries
    for query in queries:
        assert query["hide_sql"] is True, query["title"]
        assert query["description"].count("参数：") <= 1, query["title"]


def test_a_store_evaluated_before_migration_0006_publishes_with_votes_withheld(
        cadre_db: Any, cadre_load: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A store written before templates: explanations stored whole, explanation_ref of
    # migration 0003 (UNIQUE json, no digest column), migration 0006 not applied. Publishing
    # it without evaluating again must still withhold a small evaluation's votes, which
    # writes the amended explanation (its texts and template) into explanation_ref.
    load_sample(cadre_db, cadre_load)
    conn = cadre_db.conn
    conn.execute("DROP TABLE explanation_ref")
    conn.execute("CREATE TABLE explanation_ref (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                 "json TEXT NOT NULL UNIQUE)")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_explanation_ref_digest'")
    old = {"subject": "考核 2024", "inputs": [{"label": "民主测评",
                                               "value": {RATERS_KEY: 5, "优秀": 3}}],
           "rules": [], "parameters": [], "steps": [], "result": "优秀"}
    conn.execute("INSERT INTO explanation (id, subject, json) VALUES ('o:1', 'x', ?)",
                 [explanations.canonical(old)])
    conn.execute("CREATE TABLE local_note (id TEXT PRIMARY KEY, explanation_id TEXT)")
    conn.execute("INSERT INTO local_note VALUES ('n1', 'o:1')")
    conn.commit()
    # the note stands for a public reference table citing the explanation (the public level
    # copies only the tables of its allow-list, and keeps only the explanations they cite)
    from cadre_sdk.publish import redact, scan
    for module in (redact, scan):
        monkeypatch.setattr(module, "PUBLIC_REFERENCE", redact.PUBLIC_REFERENCE | {"local_note"})
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
    result = publish(path, tmp_path / "p.db", level="public", plugins=make_plugins(),
                     min_raters=12, as_of=PUBLISH_DAY)
    published = _connect(result.out)
    stored = published.execute("SELECT json FROM explanation WHERE id = 'o:1'").fetchone()[0]
    # 5 raters < 12: the votes read as the notice, everything else as before
    assert explanations.stored(published, stored) == {
        **old, "inputs": [{"label": "民主测评", "value": "参评人数不足 12 人，票数不公开"}]}
    # the source store is left as it was (still without the digest column)
    assert "digest" not in {r[1] for r in conn.execute("PRAGMA table_info(explanation_ref)")}


def test_the_oversight_level_gives_the_subsidy_ledger_as_the_store_does(
        sample_store: Path, oversight_db: Path, public_db: Path) -> None:
    # the store keeps subsidy_line citing scheme and rule by number; both the store and the
    # oversight publication give every line back with its texts in the view subsidy_ledger
    def rows(path: Path) -> list[tuple]:
        conn = _connect(path)
        try:
            return conn.execute("SELECT * FROM subsidy_ledger ORDER BY cadre_id, month, scheme"
                                ).fetchall()
        finally:
            conn.close()
    stored = rows(sample_store)
    assert stored and rows(oversight_db) == stored
    conn = _connect(public_db)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN "
                            "('subsidy_ledger', 'subsidy_line', 'subsidy_rule')").fetchone() == (0,)
    finally:
        conn.close()


def test_a_without_rowid_table_is_published_without_rowid(sample_store: Path,
                                                          tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    store.write_bytes(sample_store.read_bytes())
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE scheme_label (code INTEGER PRIMARY KEY, label TEXT NOT NULL) "
                 "WITHOUT ROWID")
    conn.execute("INSERT INTO scheme_label VALUES (2, '乡镇工作补贴'), (1, '艰苦边远地区津贴')")
    conn.commit()
    conn.close()
    out = tmp_path / "oversight.db"
    publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    pub = _connect(out)
    sql = pub.execute("SELECT sql FROM sqlite_master WHERE name = 'scheme_label'").fetchone()[0]
    assert sql.endswith("WITHOUT ROWID")
    assert pub.execute("SELECT code, label FROM scheme_label").fetchall() == [
        (1, "艰苦边远地区津贴"), (2, "乡镇工作补贴")]



def test_the_publication_is_packed(sample_store: Path, tmp_path: Path) -> None:
    """No page is left free or part empty by the build (rows written in key order leave a
    keyed table's pages about a tenth empty): copying the file again with VACUUM gives no
    fewer pages, and the same rows."""
    store = tmp_path / "store.db"
    store.write_bytes(sample_store.read_bytes())
    conn = sqlite3.connect(store)
    (cadre,) = conn.execute("SELECT id FROM cadre LIMIT 1").fetchone()
    (town,) = conn.execute("SELECT code FROM region ORDER BY length(code) DESC").fetchone()
    conn.executemany("INSERT OR IGNORE INTO attendance (cadre_id, township_code, month, days) "
                     "VALUES (?, ?, ?, 20)", [(f"{cadre}-{i:05}", town, f"20{i % 90:02}-01")
                                              for i in range(20_000)])
    conn.commit()
    conn.close()
    out = tmp_path / "oversight.db"
    publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
    conn.execute("VACUUM INTO ?", [str(tmp_path / "again.db")])
    again = sqlite3.connect(tmp_path / "again.db")
    assert (conn.execute("PRAGMA page_count").fetchone()
            <= again.execute("PRAGMA page_count").fetchone())
    count = "SELECT count(*) FROM attendance"
    assert conn.execute(count).fetchone() == again.execute(count).fetchone() >= (20_000,)
