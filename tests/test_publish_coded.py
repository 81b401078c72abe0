"""Repeated texts of the oversight publication stored as codes (``publish.coded``, issue 19):
readers see the same texts, filters and facets by text find the same rows, canned queries
and the cadre timeline return the same rows as a publication without codes."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_publish_support import PUBLISH_DAY, PASSWORD

from cadre_sdk.publish import coded, publish
from cadre_sdk.publish.build import PublishResult
from cadre_sdk.publish.labels import CODE_TITLE
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.testing import make_plugins

#: Parameters the canned queries are run with (besides each one left empty).
PARAMS = {"year": "2024", "region": "630100", "unit": "630100-01", "cadre_id": "QH0000001",
          "cadre": "QH0000001", "month": "2024-03"}


def _publish(store: Path, out: Path, monkeypatch: pytest.MonkeyPatch, *,
             most: int) -> PublishResult:
    with monkeypatch.context() as m:
        m.setattr(coded, "LEAST_SAVED", 0)   # the sample is small: code what repeats
        m.setattr(coded, "MOST", most)
        result = publish(store, out, level="oversight", plugins=make_plugins(), as_of=PUBLISH_DAY)
    return result


@pytest.fixture(scope="module")
def pair(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample at oversight level with codes (every column of few texts) and without."""
    mp = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("coded")
    plain = _publish(sample_store, folder / "plain.db", mp, most=0)
    with_codes = _publish(sample_store, folder / "coded.db", mp, most=coded.MOST)
    assert plain.masked_cells == with_codes.masked_cells
    return plain.out, with_codes.out


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _coded_tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: found for t in names if (found := coded.codes(conn, t))}


def test_repeated_texts_are_coded_and_read_the_same(pair: tuple[Path, Path]) -> None:
    plain, with_codes = map(_connect, pair)
    assert _coded_tables(plain) == {}
    found = _coded_tables(with_codes)
    # a training's programme and a posting's post (texts that repeat), never a key, a link
    # or a filter column (a posting's ``kind``: indexed)
    assert "program_code" in found["training"] and "post_code" in found["posting"]
    assert "kind_code" not in found["posting"]
    # nor dates (a few bytes a cell)
    assert not {"start_code", "end_code"} & found["posting"]
    assert not any(c[:-len(coded.SUFFIX)] in ("id", "cadre_id", "unit_code", "year")
                   for codes in found.values() for c in codes)
    for table, codes in found.items():
        cols = [r[1] for r in plain.execute(f"PRAGMA table_xinfo([{table}])")]
        shown = [r[1] for r in with_codes.execute(f"PRAGMA table_xinfo([{table}])")]
        # the same columns in the same order, the codes after them
        assert shown == cols + sorted(codes, key=lambda c: cols.index(c[:-5])), table
        select = ", ".join(f"[{c}]" for c in cols)
        rows = sorted(plain.execute(f"SELECT {select} FROM [{table}]").fetchall(), key=repr)
        assert sorted(with_codes.execute(f"SELECT {select} FROM [{table}]").fetchall(),
                      key=repr) == rows, table
        for code in codes:
            text = code[:-len(coded.SUFFIX)]
            # one text a code, the codes 0, 1, 2, ... (every text of the sample coded)
            pairs = with_codes.execute(f"SELECT DISTINCT [{code}], [{text}] FROM [{table}] "
                                       f"WHERE [{text}] IS NOT NULL").fetchall()
            assert len({c for c, _ in pairs}) == len({t for _, t in pairs}) == len(pairs)
            assert sorted(c for c, _ in pairs) == list(range(len(pairs)))
            # a filter and a facet by text find the same rows
            value = pairs[0][1]
            query = f"SELECT {select} FROM [{table}] WHERE [{text}] = ?"
            assert sorted(with_codes.execute(query, [value]).fetchall(), key=repr) == \
                sorted(plain.execute(query, [value]).fetchall(), key=repr)
            facet = f"SELECT [{text}], count(*) FROM [{table}] GROUP BY 1 ORDER BY 1"
            assert with_codes.execute(facet).fetchall() == plain.execute(facet).fetchall()


def test_canned_queries_and_the_timeline_are_unchanged(pair: tuple[Path, Path]) -> None:
    plain, with_codes = map(_connect, pair)
    timeline = "SELECT * FROM cadre_timeline ORDER BY 1, 2, 3, 4, 5, 6"
    assert with_codes.execute(timeline).fetchall() == plain.execute(timeline).fetchall()
    meta = json.loads(sidecar(pair[0]).read_text(encoding="utf-8"))
    queries = meta["databases"][pair[0].stem]["queries"]
    assert queries
    from cadre_sdk.publish import search
    from cadre_sdk.store import explanations
    for conn in (plain, with_codes):
        search.register_function(conn)
        explanations.register_sql_function(conn)
    for name, query in queries.items():
        for chosen in [None, *query["params"]]:
            args = {p: PARAMS.get(p, "") if p == chosen else "" for p in query["params"]}
            if chosen == "q":
                args["q"] = "体检"
            assert with_codes.execute(query["sql"], args).fetchall() == \
                plain.execute(query["sql"], args).fetchall(), (name, args)


def test_codes_are_labelled(pair: tuple[Path, Path]) -> None:
    meta = json.loads(sidecar(pair[1]).read_text(encoding="utf-8"))
    plugin = next(iter(meta["plugins"].values()))
    titles = plugin["column_titles"]["training"]
    assert titles["program_code"] == titles["program"] + CODE_TITLE
    assert not [g for g in plugin["unlabelled"] if g.endswith(coded.SUFFIX)]
    described = meta["databases"][pair[1].stem]["tables"]["training"]["columns"]
    assert f"“{titles['program']}”" in described["program_code"]


def test_table_pages_filter_and_facet_coded_columns_by_text(pair: tuple[Path, Path],
                                                            password_hash: str) -> None:
    plain = _connect(pair[0])
    note, count = plain.execute("SELECT program, count(*) FROM training WHERE program IS NOT "
                                "NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()
    with PublicationClient(pair[1]) as client:
        response = client.post("/-/login", data={"username": "oversight",
                                                 "password": PASSWORD})
        cookies = {"ds_actor": response.cookies["ds_actor"]}
        db = client.database
        page = client.get(f"/{db}/training.json",
                          params={"program": note, "_facet": "program", "_shape": "objects",
                                  "_size": "max"}, cookies=cookies)
        html = client.get(f"/{db}/training", params={"program": note}, cookies=cookies)
    assert page.status_code == 200 and html.status_code == 200
    body = page.json()
    assert body["filtered_table_rows_count"] == count
    assert {r["program"] for r in body["rows"]} == {note}
    facet = {v["value"]: v["count"]
             for v in body["facet_results"]["program"]["results"]}
    assert facet == {note: count}
    assert note in html.text


def test_texts_beyond_the_most_frequent_are_stored_as_they_are(
        pair: tuple[Path, Path], sample_store: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _connect(_publish(sample_store, tmp_path / "one.db", monkeypatch, most=1).out)
    plain = _connect(pair[0])
    assert "raw_grade_code" in coded.codes(conn, "assessment_result")
    kinds = dict(conn.execute("SELECT typeof(raw_grade_code), count(*) FROM assessment_result "
                              "WHERE raw_grade IS NOT NULL GROUP BY 1"))
    top = plain.execute("SELECT raw_grade, count(*) FROM assessment_result WHERE raw_grade IS "
                        "NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    # the most frequent text coded 0, the others stored in the code column as they are
    assert kinds["integer"] == top[1] and kinds["text"] > 0
    assert conn.execute("SELECT DISTINCT raw_grade FROM assessment_result WHERE "
                        "raw_grade_code = 0").fetchall() == [(top[0],)]
    assert conn.execute("SELECT count(*) FROM assessment_result WHERE typeof(raw_grade_code) "
                        "= 'text' AND raw_grade_code IS NOT raw_grade").fetchone()[0] == 0
    same = "SELECT assessment_id, raw_grade FROM assessment_result ORDER BY 1"
    assert conn.execute(same).fetchall() == plain.execute(same).fetchall()
    # the default threshold: a sample this small saves too few bytes to code anything
    result = publish(sample_store, tmp_path / "small.db", level="oversight",
                     plugins=make_plugins(), as_of=PUBLISH_DAY)
    assert _coded_tables(_connect(result.out)) == {}


@pytest.mark.parametrize("count", [1, 2, 8, 9, 20, coded.MOST])
def test_every_code_reads_its_text_and_a_text_of_digits_stays_a_text(count: int) -> None:
    texts = tuple(f"文字{i}" for i in range(count))
    coding = coded.Coding("v", texts, tuple(t + "'" for t in texts), mixed=True)
    conn = sqlite3.connect(":memory:")
    coding.register(conn)
    conn.execute(f"CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT {coding.clause()}, [v_code])")
    conn.execute("CREATE TABLE s (n INTEGER PRIMARY KEY, v TEXT)")
    cells = [*texts, "12", "0", None, "其他"]
    conn.executemany("INSERT INTO s (v) VALUES (?)", [(c,) for c in cells])
    conn.execute(f"INSERT INTO t (n, v_code) SELECT n, {coding.select('[v]')} FROM s")
    # a coded text reads as published (here with a quote added), any other as stored
    assert conn.execute("SELECT v FROM t ORDER BY n").fetchall() == \
        [(t + "'",) for t in texts] + [("12",), ("0",), (None,), ("其他",)]
    assert conn.execute("SELECT v_code FROM t ORDER BY n LIMIT ?", [count]).fetchall() == \
        [(i,) for i in range(count)]
    assert coded.codes(conn, "t") == {"v_code"}
