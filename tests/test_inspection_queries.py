"""The daily-inspection canned queries (observations by source, by problem tag, by unit, and
the list): oversight only, and their counts, computed by hand from the rows they read (the
counts through the summaries publishing builds, which the public level does not get)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.core.errors import PluginError
from cadre_sdk.defaults.inspection_queries import QUERIES, SUMMARIES
from cadre_sdk.publish import materialize, queries
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.testing import make_plugins

NAMES = {q.name for q in QUERIES}


def _query(name: str) -> str:
    return next(q.sql for q in QUERIES if q.name == name)


def test_inspection_queries_are_published_at_oversight_level_only(public_db: Path,
                                                                  oversight_db: Path) -> None:
    public = json.loads(sidecar(public_db).read_text(encoding="utf-8"))
    oversight = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))
    assert NAMES.isdisjoint(public["databases"]["public"]["queries"])
    published = oversight["databases"]["oversight"]["queries"]
    assert NAMES <= set(published)
    conn = sqlite3.connect(oversight_db)
    sql = published["inspection_by_source"]["sql"]
    rows = conn.execute(sql, {"year": "", "region": "", "page": ""}).fetchall()
    # the sample: O001 工作调研 (C001, 正面), O002 专项了解 (C004, 正面)
    assert sorted(rows) == [("专项了解", 1, 1, 1, 0, 0), ("工作调研", 1, 1, 1, 0, 0)]


def test_the_public_level_gets_no_observation_summary(public_db: Path,
                                                      oversight_db: Path) -> None:
    def tables(path: Path) -> set[str]:
        with sqlite3.connect(path) as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert set(SUMMARIES) <= tables(oversight_db)
    assert tables(public_db).isdisjoint(SUMMARIES) and "observation" not in tables(public_db)


def test_a_store_without_observations_leaves_the_counts_out() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE unit (code TEXT, name TEXT, region_code TEXT);"
                       "CREATE TABLE cadre (id TEXT, name TEXT, unit_code TEXT);")
    assert materialize.observation_summaries(conn, "oversight") == []
    counts = [q for q in queries.collect(make_plugins(), "oversight")
              if q.name in {"inspection_by_source", "inspection_by_unit", "inspection_by_tag"}]
    kept, left_out = queries.check(conn, counts, "oversight", {"unit", "cadre"})
    assert kept == [] and sorted(left_out) == sorted(q.name for q in counts)
    # with observations in the store, a missing summary is an error, not a silent gap
    with pytest.raises(PluginError, match="observation_by_"):
        queries.check(conn, counts, "oversight", {"unit", "cadre", "observation"})


def _store() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript("""
        CREATE TABLE unit (code TEXT, name TEXT, region_code TEXT);
        CREATE TABLE cadre (id TEXT, name TEXT, unit_code TEXT);
        CREATE TABLE observation (id TEXT, cadre_id TEXT, date TEXT, source TEXT,
                                  content TEXT, polarity TEXT, tags TEXT);
        INSERT INTO unit VALUES ('U1', '玉树州农牧局', '632700'), ('U2', '西宁市财政局', '630100');
        INSERT INTO cadre VALUES ('C1', '甲', 'U1'), ('C2', '乙', 'U1'), ('C3', '丙', 'U2');
        INSERT INTO observation VALUES
          ('O1', 'C1', '2024-01-05', '巡视巡察', '', '负面', '两面人,墙头草'),
          ('O2', 'C1', '2024-02-05', '信访举报', '', '负面', '两面人'),
          ('O3', 'C2', '2024-03-05', '巡视巡察', '', '中性', NULL),
          ('O4', 'C3', '2023-03-05', '巡视巡察', '', '负面', '墙头草'),
          ('O5', 'C3', '2024-04-05', '工作调研', '', '正面', '');
    """)
    assert materialize.observation_summaries(conn, "oversight") == list(SUMMARIES)
    return conn


def test_problem_tags_are_counted_once_per_observation() -> None:
    conn = _store()
    everywhere = conn.execute(_query("inspection_by_tag"), {"year": "", "region": ""}).fetchall()
    # 两面人: O1, O2 (both C1, unit U1); 墙头草: O1 (C1, U1) and O4 (C3, U2)
    assert everywhere == [("两面人", 2, 1, 1), ("墙头草", 2, 2, 2)]
    in_2024_yushu = conn.execute(_query("inspection_by_tag"),
                                 {"year": "2024", "region": "632700"}).fetchall()
    assert in_2024_yushu == [("两面人", 2, 1, 1), ("墙头草", 1, 1, 1)]   # O4 is 2023, Xining


def test_observations_by_unit_and_the_list() -> None:
    conn = _store()
    units = conn.execute(_query("inspection_by_unit"), {"year": "", "region": ""}).fetchall()
    # U1: O1, O2, O3 (C1, C2): 负面 2, 中性 1, tagged 2; U2: O4, O5 (C3): 正面 1, 负面 1, tagged 1
    assert units == [("U1", "玉树州农牧局", "632700", 3, 2, 0, 1, 2, 2),
                     ("U2", "西宁市财政局", "630100", 2, 1, 1, 0, 1, 1)]
    listed = conn.execute(_query("inspection_records"), {
        "year": "", "region": "", "source": "巡视巡察", "tag": "墙头草", "unit": ""}).fetchall()
    assert [r[-1] for r in listed] == ["O1", "O4"]
