"""Canned queries as published: a page at a time (a ``page`` parameter; fewer rows a page the
more columns), in the query's own order and columns; wide tables get smaller pages too; the
grade distribution read from the score cards equals counting every result."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from cadre_sdk.defaults.assessment_queries import GRADE_DISTRIBUTION, _GRADE_ORDER, in_region
from cadre_sdk.publish import aggregates
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.queries import PAGE, PublishedQuery, collect, page_rows, paginate, \
    parameters
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.testing import make_plugins


def test_pages_hold_about_400_cells_in_fives_of_rows() -> None:
    assert [page_rows(n) for n in (1, 4, 8, 10, 12, 19, 22, 60, 200)] == \
        [50, 50, 50, 40, 30, 20, 15, 10, 10]


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """25 rows: k = 0..24, v = 'v' + k % 3."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER, v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(k, f"v{k % 3}") for k in range(25)])
    yield conn
    conn.close()


def _query(sql: str) -> PublishedQuery:
    return PublishedQuery("q", "查询", "说明。", sql, parameters(sql), "plugin", "public")


def test_a_query_is_published_a_page_at_a_time_in_its_own_order(
        conn: sqlite3.Connection) -> None:
    (published,) = paginate(conn, [_query(
        "SELECT v AS 值, k AS 序号 FROM t WHERE v != :skip ORDER BY v DESC, k;")])
    assert published.page_rows == 50                       # two columns
    small = attrs.evolve(published, page_rows=10)
    meta = small.metadata()
    assert meta["params"] == ["skip", PAGE] and ":page" in meta["sql"]
    assert "每页 10 行" in meta["description"] and "“页码”中填写" in meta["description"]

    def page(number: str) -> list[int]:
        return [k for _, k in conn.execute(meta["sql"], {"skip": "v1", PAGE: number})]
    # v2 rows (k % 3 == 2) first, then v0 rows, each by k; the v1 rows are skipped
    assert page("") == page("1") == page("0") == page("-3") == page("第") == \
        [2, 5, 8, 11, 14, 17, 20, 23, 0, 3]
    assert page("2") == [6, 9, 12, 15, 18, 21, 24]
    assert page("3") == []


def test_queries_that_page_themselves_or_repeat_a_column_name_are_left_whole(
        conn: sqlite3.Connection) -> None:
    own = _query("SELECT k FROM t ORDER BY k LIMIT 5 OFFSET :page * 5")
    twice = _query("SELECT a.v, b.v FROM t a JOIN t b ON b.k = a.k + 1 ORDER BY a.k")
    assert [q.page_rows for q in paginate(conn, [own, twice])] == [0, 0]
    assert own.metadata()["sql"] == own.sql and own.metadata()["params"] == [PAGE]


@pytest.mark.parametrize("level", ["public", "oversight"])
def test_every_published_query_keeps_its_columns_and_first_rows(
        level: str, public_db: Path, oversight_db: Path, password_hash: str) -> None:
    path = public_db if level == "public" else oversight_db
    published = json.loads(sidecar(path).read_text(encoding="utf-8"))[
        "databases"][path.stem]["queries"]
    registered = {q.name: q for q in collect(make_plugins(), level)}
    values = {"year": "2024", "cadre_id": "C002", "q": "玉树", "half": "2024H1"}
    with PublicationClient(path) as client:   # its connections have the SQL functions
        db = client.datasette.get_database(path.stem)
        for name, meta in published.items():
            assert meta["params"][-1] == PAGE, name
            args = {p: values.get(p, "") for p in registered[name].params}
            whole = client.run(db.execute(registered[name].sql, args))
            page = client.run(db.execute(meta["sql"], {**args, PAGE: ""}))
            assert page.columns == whole.columns, name
            size = page_rows(len(whole.columns))
            assert f"每页 {size} 行" in meta["description"], name
            assert [tuple(r) for r in page.rows] == [tuple(r) for r in whole.rows[:size]], name


def test_wide_tables_show_fewer_rows_a_page(public_db: Path) -> None:
    tables = json.loads(sidecar(public_db).read_text(encoding="utf-8"))[
        "databases"]["public"]["tables"]
    conn = sqlite3.connect(public_db)
    for table, meta in tables.items():
        width = len(conn.execute(f"PRAGMA table_info([{table}])").fetchall())
        assert meta.get("size", 50) == page_rows(width), table
    conn.close()
    assert tables["scorecard"]["size"] < 50 and "size" not in tables["unit"]


def test_served_pages_hold_a_page_and_the_counts_come_from_the_metadata(
        public_db: Path) -> None:
    with PublicationClient(public_db) as client:
        ds = client.datasette
        recorded = ds.plugin_config("cadre-sdk")
        assert ds.databases["public"].hash == recorded["sha256"]   # not hashed again
        assert ds.inspect_data["public"]["tables"]["unit"]["count"] == 3
        assert "3 行" in client.get("/public/unit").text
        rows = client.json("/public/search.json", params={"q": "玉树", "_shape": "array"})
        assert rows and client.json("/public/search.json", params={
            "q": "玉树", "page": "2", "_shape": "array"}) == []


_COUNT_EVERY_RESULT = f"""SELECT r.subject, coalesce(r.grade, '未评定'), count(*),
  round(count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY r.subject), 4), sum(r.quota_applied)
FROM assessment_result r
WHERE r.year = :year AND {in_region("r.region_code")}
GROUP BY r.subject, r.grade
ORDER BY r.subject, {_GRADE_ORDER.format(col="r.grade")}"""


def test_grade_distribution_equals_counting_every_result(demo_store: Path) -> None:
    """The publication's aggregate (built here as at oversight level, where nothing is
    hidden) gives what counting every result gives."""
    conn = sqlite3.connect("file::memory:", uri=True)
    conn.execute("ATTACH DATABASE ? AS src", [f"file:{demo_store}?mode=ro"])
    conn.execute("CREATE TABLE main.region AS SELECT * FROM src.region")
    conn.execute("CREATE TABLE main.assessment_result AS SELECT * FROM src.assessment_result")
    assert aggregates.grade_distribution(conn) == "grade_distribution"
    regions = ["", *(r[0] for r in conn.execute("SELECT code FROM region"))]
    compared = 0
    for year in (2022, 2023, 2024, 2025):
        for region in regions:
            args = {"year": year, "region": region}
            got = conn.execute(GRADE_DISTRIBUTION.sql, args).fetchall()
            if len(region) > 6:   # counted by county and above: a township has no row
                assert got == [], args
                continue
            expected = conn.execute(_COUNT_EVERY_RESULT, args).fetchall()
            assert got == expected, args
            compared += bool(expected)
    conn.close()
    assert compared > 30     # provinces, prefectures and counties with results
