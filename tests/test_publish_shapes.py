"""Texts of one shape (fixed literals around runs of digits: ``QH0000001``, ``630100-01``,
``2024-03-15``) stored as one integer in the oversight publication (``publish.coded.Shape``,
issue 19): every text reads back as it was, filters and joins on a coded filter column still
go through its index, canned queries and the timeline return the same rows."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from test_publish_coded import PARAMS
from test_publish_support import PUBLISH_DAY, PASSWORD

from cadre_sdk.publish import coded, publish
from cadre_sdk.publish.build import PublishResult
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.testing import make_plugins


def _publish(store: Path, out: Path, *, shapes: int) -> PublishResult:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(coded, "LEAST_SAVED", 0)   # the sample is small: code what has a shape
        m.setattr(coded, "SHAPED_LEAST_SAVED", 0)
        m.setattr(coded, "SHAPE_LEAST_SAVED", 0)
        m.setattr(coded, "MOST", 0)          # no text codes: shapes only
        m.setattr(coded, "SHAPES", shapes)
        m.setattr(coded, "PLACES", coded.PLACES if shapes else ())
        return publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)


@pytest.fixture(scope="module")
def pair(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample at oversight level without shapes (nor numbers coded) and with them."""
    folder = tmp_path_factory.mktemp("shapes")
    plain = _publish(sample_store, folder / "plain.db", shapes=0)
    shaped = _publish(sample_store, folder / "shaped.db", shapes=coded.SHAPES)
    assert plain.masked_cells == shaped.masked_cells
    return plain.out, shaped.out


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _shaped(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns of ``table`` coded by shape (their definition writes them with printf)."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    return {c[:-len(coded.SUFFIX)] for c in coded.codes(conn, table)
            if "printf(" in sql.split(f"[{c[:-len(coded.SUFFIX)]}]", 1)[1].split(" VIRTUAL")[0]}


@pytest.mark.parametrize(("text", "number"), [
    ("QH0000001", 1), ("2024-03-05", 20240305), ("630100-01", 63010001), ("0", 0), ("007", 7),
    ("第3期 100% *达标* [A]?", 3100),
    # a run of four digits or more repeating an earlier one (the year) is read once
    ("年度 2022 个人 QH0000123（编号 KH2022-07）", 2022000012307),
])
def test_a_shape_reads_its_texts_back(text: str, number: int) -> None:
    shape = coded.Shape.of(text)
    conn = sqlite3.connect(":memory:")
    assert shape.number(text) == number
    assert conn.execute(f"SELECT {shape.number_sql(':t')}", {"t": text}).fetchone()[0] == number
    assert conn.execute(f"SELECT {shape.text_sql(':n')}", {"n": number}).fetchone()[0] == text
    assert conn.execute(f"SELECT {shape.match_sql(':t')}", {"t": text}).fetchone()[0] == 1
    # one digit more or less, or another literal, is another shape
    for other in (text + "1", text.replace("0", "00", 1), "x" + text):
        assert conn.execute(f"SELECT {shape.match_sql(':t')}", {"t": other}).fetchone()[0] == 0


def test_a_repeated_run_must_repeat() -> None:
    shape = coded.Shape.of("2022 年度 QH0000001（2022）")
    assert shape.same == (-1, -1, 0) and shape.digits == 11
    conn = sqlite3.connect(":memory:")
    # the same literals and widths, but another year at the end: not this shape
    assert conn.execute(f"SELECT {shape.match_sql(':t')}",
                        {"t": "2022 年度 QH0000001（2023）"}).fetchone()[0] == 0
    # short runs (a month, a day) are not taken for repeats
    assert coded.Shape.of("2022-02-02").same == ()


def test_shapes_follow_text_codes_and_other_texts_stay_as_they_are() -> None:
    shapes = (coded.Shape.of("QH0000001"), coded.Shape.of("2024-03-05"))
    coding = coded.Coding("v", ("甲", "乙"), ("甲", "乙"), mixed=True, shapes=shapes)
    conn = sqlite3.connect(":memory:")
    coding.register(conn)
    conn.execute(f"CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT {coding.clause()}, [v_code])")
    conn.execute("CREATE INDEX t_v ON t (v)")
    cells = ["甲", "QH0000001", "乙", "2024-03-05", "QH9999999", "QH123", "12", None, "1999-12-31"]
    conn.execute("CREATE TABLE s (n INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO s (v) VALUES (?)", [(c,) for c in cells])
    conn.execute(f"INSERT INTO t (n, v_code) SELECT n, {coding.select('[v]')} FROM s")
    assert conn.execute("SELECT v, typeof(v) FROM t ORDER BY n").fetchall() == \
        conn.execute("SELECT v, typeof(v) FROM s ORDER BY n").fetchall()
    # text codes 0 and 1, then shape i of n as 2 + i + 2 * number; texts of no shape as stored
    assert [c for (c,) in conn.execute("SELECT v_code FROM t ORDER BY n")] == \
        [0, 2 + 0 + 2 * 1, 1, 2 + 1 + 2 * 20240305, 2 + 2 * 9999999, "QH123", "12", None,
         2 + 1 + 2 * 19991231]
    assert conn.execute("SELECT n FROM t WHERE v = 'QH9999999'").fetchall() == [(5,)]
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT n FROM t WHERE v = ?", ["x"]).fetchall()
    assert "USING INDEX t_v" in plan[-1][-1] or "USING COVERING INDEX t_v" in plan[-1][-1]


@pytest.mark.parametrize(("values", "places"), [
    ([87.7, 85.0, 0.1, -3.3, 1234.5, None], 1),
    ([84.28, 0.07, 99.99], 2),
    ([84.28571428571429, 1.0], 0),   # more places than ``PLACES``: left as it is
    ([1e7, 0.5], 0),                 # a code of more than three bytes: left as it is
])
def test_numbers_with_few_decimals_are_coded_as_integers(values: list[float | None],
                                                         places: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coded, "SHAPED_LEAST_SAVED", 0)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE s (n INTEGER PRIMARY KEY, v REAL)")
    conn.executemany("INSERT INTO s (v) VALUES (?)", [(v,) for v in values])
    cells = "FROM s WHERE v IS NOT NULL"
    fractions = conn.execute(f"SELECT sum(v <> CAST(v AS INTEGER)) {cells}").fetchone()[0]
    assert coded._places(conn, cells, "[v]", fractions) == places
    if not places:
        return
    coding = coded.Coding("v", (), (), places=places)
    conn.execute(f"CREATE TABLE t (n INTEGER PRIMARY KEY, v REAL {coding.clause()}, "
                 "v_code INTEGER)")
    conn.execute(f"INSERT INTO t (n, v_code) SELECT n, {coding.select('[v]')} FROM s")
    # the same doubles (compared by their bits), and typed as before
    assert conn.execute("SELECT v, typeof(v) FROM t ORDER BY n").fetchall() == \
        conn.execute("SELECT v, typeof(v) FROM s ORDER BY n").fetchall()
    assert [repr(v) for (v,) in conn.execute("SELECT v FROM t ORDER BY n")] == \
        [repr(v) for v in values]
    assert coded.codes(conn, "t") == {"v_code"}


def test_links_dates_and_filter_columns_are_coded_and_read_the_same(
        pair: tuple[Path, Path]) -> None:
    plain, shaped = map(_connect, pair)
    assert all(not _shaped(plain, t) for (t,) in plain.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"))
    # a cadre link, a unit link and a date (indexed filter columns); a date nothing indexes
    # stays a text (a filter on it reads every row: writing each out again was dearer)
    assert {"cadre_id", "unit_code"} <= _shaped(shaped, "assessment")
    assert "date" in _shaped(shaped, "achievement")
    assert "start" not in _shaped(shaped, "posting")
    assert "start_code" not in coded.codes(shaped, "posting")
    # numbers with one decimal: their value times ten
    assert "score_code" in coded.codes(shaped, "indicator_score")
    assert shaped.execute("SELECT count(*) FROM indicator_score WHERE typeof(score_code) <> "
                          "'integer' OR score <> score_code / 10.0").fetchone()[0] == 0
    for (table,) in plain.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                  "name NOT LIKE 'search_index%' AND name NOT IN "
                                  "('provenance', 'publication')"):
        codes = coded.codes(plain, table) | coded.codes(shaped, table)
        cols = [r[1] for r in plain.execute(f"PRAGMA table_xinfo([{table}])")
                if r[1] not in codes]
        select = ", ".join(f"[{c}], typeof([{c}])" for c in cols)
        assert shaped.execute(f"SELECT {select} FROM [{table}]").fetchall() == \
            plain.execute(f"SELECT {select} FROM [{table}]").fetchall(), table


def test_a_coded_filter_column_is_still_read_through_its_index(pair: tuple[Path, Path]) -> None:
    plain, shaped = map(_connect, pair)
    cadre = plain.execute("SELECT cadre_id FROM assessment WHERE cadre_id IS NOT NULL "
                          "LIMIT 1").fetchone()[0]
    for sql in ("SELECT * FROM assessment WHERE cadre_id = :v ORDER BY id LIMIT 41",
                "SELECT count(*) FROM assessment WHERE unit_code = :v",
                "SELECT * FROM assessment ORDER BY unit_code LIMIT 41"):
        # the same index (SQLite 3.40 does not call an index of a computed column covering:
        # it reads the row's code where the column's value is asked for)
        plans = [re.findall(r"INDEX (\S+)", " ".join(
                    r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, {"v": cadre})))
                 for conn in (plain, shaped)]
        assert plans[0] == plans[1] and plans[1][0].startswith("idx_assessment_"), sql
    timeline = "EXPLAIN QUERY PLAN SELECT * FROM cadre_timeline WHERE cadre_id = ?"
    assert [r[-1] for r in shaped.execute(timeline, [cadre])] == \
        [r[-1] for r in plain.execute(timeline, [cadre])]
    rows = "SELECT * FROM cadre_timeline WHERE cadre_id = ? ORDER BY 1, 2, 3, 4, 5, 6"
    assert shaped.execute(rows, [cadre]).fetchall() == plain.execute(rows, [cadre]).fetchall()


def test_canned_queries_return_the_same_rows(pair: tuple[Path, Path]) -> None:
    plain, shaped = map(_connect, pair)
    meta = json.loads(sidecar(pair[0]).read_text(encoding="utf-8"))
    queries = meta["databases"][pair[0].stem]["queries"]
    from cadre_sdk.publish import search
    from cadre_sdk.store import explanations
    for conn in (plain, shaped):
        search.register_function(conn)
        explanations.register_sql_function(conn)
    for name, query in queries.items():
        for chosen in [None, *query["params"]]:
            args = {p: PARAMS.get(p, "") if p == chosen else "" for p in query["params"]}
            if chosen == "q":
                args["q"] = "QH0000001"
            assert shaped.execute(query["sql"], args).fetchall() == \
                plain.execute(query["sql"], args).fetchall(), (name, args)


def test_table_pages_filter_facet_and_link_coded_columns_as_before(
        pair: tuple[Path, Path], password_hash: str) -> None:
    plain = _connect(pair[0])
    cadre, unit = plain.execute("SELECT cadre_id, unit_code FROM assessment WHERE cadre_id "
                                "IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    count = plain.execute("SELECT count(*) FROM assessment WHERE cadre_id = ?",
                          [cadre]).fetchone()[0]
    units = dict(plain.execute("SELECT unit_code, count(*) FROM assessment GROUP BY 1"))
    seen = []
    for path in pair:
        with PublicationClient(path) as client:
            response = client.post("/-/login", data={"username": "oversight",
                                                     "password": PASSWORD})
            cookies = {"ds_actor": response.cookies["ds_actor"]}
            db = client.database
            page = client.get(f"/{db}/assessment.json",
                              params={"cadre_id": cadre, "_facet": "unit_code",
                                      "_shape": "objects", "_size": "max"}, cookies=cookies)
            units_page = client.get(f"/{db}/assessment.json",
                                    params={"_facet": "unit_code", "_size": "1"},
                                    cookies=cookies)
            row = client.get(f"/{db}/cadre/{cadre}.json", params={"_extras": "foreign_key_tables"},
                             cookies=cookies)
        assert page.status_code == units_page.status_code == row.status_code == 200
        body = page.json()
        assert body["filtered_table_rows_count"] == count
        assert {r["cadre_id"] for r in body["rows"]} == {cadre}
        assert {r["unit_code"] for r in body["rows"]} == {unit}
        facet = {v["value"]: v["count"]
                 for v in units_page.json()["facet_results"]["unit_code"]["results"]}
        assert facet == dict(sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))[:len(facet)])
        links = {(t["other_table"], t["other_column"]): t["count"]
                 for t in row.json()["foreign_key_tables"]}
        assert links[("assessment", "cadre_id")] == count
        seen.append(([{k: v for k, v in r.items() if not k.endswith(coded.SUFFIX)}
                      for r in body["rows"]], facet, links))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("odd", [20240305, -1, 2.5, b"QH0000001", b""])
def test_a_column_holding_numbers_among_its_texts_is_not_coded(odd: object) -> None:
    """A column without a type may hold numbers (or bytes): stored as they are in the code
    column, they would read as codes, so such a column is left as it is."""
    from cadre_sdk.publish.copy import Column, TablePlan
    from cadre_sdk.publish.redact import Redactor

    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH ':memory:' AS src")
    conn.execute("CREATE TABLE src.t (n INTEGER PRIMARY KEY, v, w TEXT)")
    rows = [(f"QH{i:07d}", f"QH{i:07d}") for i in range(50)] + [(odd, "QH0000001")]
    conn.executemany("INSERT INTO src.t (v, w) VALUES (?, ?)", rows)
    columns = (Column("n", "INTEGER", False, 1), Column("v", "", False, 0),
               Column("w", "TEXT", False, 0))
    plan = TablePlan("t", columns, frozenset(), (), None, {}, shaped=("v", "w"))
    with pytest.MonkeyPatch.context() as m:
        for name in ("LEAST_SAVED", "SHAPED_LEAST_SAVED", "SHAPE_LEAST_SAVED"):
            m.setattr(coded, name, 0)
        found = coded.choose(conn, plan, Redactor())
    assert [(c.column, c.shapes) for c in found] == [("w", (coded.Shape(("QH", 7, "")),))]


@pytest.mark.parametrize(("texts", "short"), [
    (["QH0000001"], True),                           # 9 characters
    (["QH0000001", "630100-01", "2024-03-15"], True),
    (["1234567890123456"], True),                    # 16 digits: one short of an ID number
    (["12345678901234567"], False),                  # 17: masking looks at it
    (["第⑩号0000001"], False),                       # ⑩ stands for two digits: 11 characters
    (["第1号0000001"], True),
    (["2024 年度考核 个人 QH0000001（考核编号 KH2024-0000001）"], False),
])
def test_texts_of_short_shapes_are_not_judged(texts: list[str], short: bool) -> None:
    """A shape's texts have its fixed length: where no text of a column's shapes is long
    enough for the oversight level's masking (ID numbers, 17 digits; 9 characters with one
    standing for two), the column's texts are not read again to judge them (``_too_short``);
    at public level every text is judged."""
    from cadre_sdk.publish.copy import _too_short
    from cadre_sdk.publish.redact import Redactor

    shapes = [coded.Shape.of(t) for t in texts]
    assert [s.length for s in shapes] == [len(t) for t in texts]
    assert _too_short(shapes, Redactor()) is short
    assert not _too_short(shapes, Redactor(["张三"], ["QH0000001"]))
