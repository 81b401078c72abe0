"""Oversight canned queries rewritten for speed (issue 19) answer what the plain queries answer,
row for row and in order, and their plans read the index each declares instead of scanning or
sorting the big table; a query may declare a partial index. The daily-inspection counts read
summaries built when publishing (``materialize``), never the observations."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.defaults.inspection_queries import _TAGS, SUMMARIES
from cadre_sdk.defaults.assessment_queries import QUOTA_ADJUSTED, TOP_RANKED, in_region
from cadre_sdk.publish import copy, materialize
from cadre_sdk.publish.queries import PublishedQuery, collect, parameters
from cadre_sdk.store import explanations
from cadre_sdk.testing import make_plugins

#: The queries as first written (before issue 19's rewrite): the reference answers.
_SCOPE = f"""
FROM observation o
JOIN cadre c ON c.id = o.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code
WHERE (:year = '' OR substr(o.date, 1, 4) = :year) AND {in_region('u.region_code')}"""
_POLARITY = """sum(o.polarity = '正面'), sum(o.polarity = '中性'), sum(o.polarity = '负面')"""

PLAIN = {
    "inspection_by_source": f"""
SELECT o.source, count(*), count(DISTINCT o.cadre_id), {_POLARITY}
{_SCOPE}
GROUP BY o.source ORDER BY count(*) DESC, o.source""",
    "inspection_by_unit": f"""
SELECT c.unit_code, u.name, u.region_code, count(*), count(DISTINCT o.cadre_id), {_POLARITY},
  sum(coalesce(o.tags, '') != '')
{_SCOPE}
GROUP BY c.unit_code ORDER BY count(*) DESC, c.unit_code""",
    "inspection_by_tag": f"""
SELECT t.tag AS "问题标签", count(*) AS "记录数", count(DISTINCT o.cadre_id) AS "涉及干部数",
  count(DISTINCT c.unit_code) AS "涉及单位数"
FROM {_TAGS} t
JOIN observation o ON instr(',' || replace(o.tags, '、', ',') || ',', ',' || t.tag || ',') > 0
JOIN cadre c ON c.id = o.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code
WHERE (:year = '' OR substr(o.date, 1, 4) = :year) AND {in_region('u.region_code')}
GROUP BY t.tag ORDER BY count(*) DESC, t.tag""",
    "inspection_records": f"""
SELECT o.date, o.cadre_id, c.name, u.name, o.source, o.polarity, o.tags, o.content, o.id
FROM observation o
JOIN cadre c ON c.id = o.cadre_id
LEFT JOIN unit u ON u.code = c.unit_code
WHERE (:year = '' OR substr(o.date, 1, 4) = :year) AND {in_region('u.region_code')}
  AND (:source = '' OR o.source = :source)
  AND (:tag = '' OR instr(',' || replace(coalesce(o.tags, ''), '、', ',') || ',',
                          ',' || :tag || ',') > 0)
  AND (:unit = '' OR c.unit_code = :unit)
ORDER BY o.date DESC, o.id""",
    "subsidy_ledger": """
SELECT l.month, l.cadre_id, l.cadre_name, l.township_code, r.name, l.scheme, l.amount, l.days,
       u.plugin, u.jurisdiction, u.parameter_version, l.explanation_id, cadre_explain(e.json)
FROM (SELECT l.*, s.name AS scheme, c.name AS cadre_name
      FROM subsidy_line l JOIN subsidy_scheme s ON s.id = l.scheme_id
      JOIN cadre c ON c.id = l.cadre_id
      WHERE (:month = '' OR l.month = :month)
        AND (:region = '' OR l.township_code = :region
             OR substr(l.township_code, 1, 6) = :region
             OR substr(l.township_code, 1, 4) || '00' = :region)
        AND (:cadre = '' OR l.cadre_id = :cadre)
      ORDER BY l.month, l.township_code, l.cadre_id, s.name
      LIMIT -1) AS l
LEFT JOIN subsidy_rule u ON u.id = l.rule_id
LEFT JOIN region r ON r.code = l.township_code
LEFT JOIN explanation e ON e.id = l.explanation_id""",
    "care_gaps": """
SELECT g.year, g.cadre_id, c.name, c.post, g.township_code, r.name, g.altitude_m,
       g.last_health_check, cadre_explain(e.json)
FROM care_gap g
JOIN cadre c ON c.id = g.cadre_id
LEFT JOIN region r ON r.code = g.township_code
LEFT JOIN explanation e ON e.id = g.explanation_id
WHERE (:year = '' OR g.year = CAST(:year AS INTEGER))
  AND (:region = '' OR g.township_code = :region OR g.county_code = :region
       OR g.prefecture_code = :region)
ORDER BY g.year, g.township_code, g.cadre_id""",
}

#: For each query: SQL giving values of each parameter to try (besides every one empty).
#: Years observed and one not; the province, prefectures, counties and a township.
_COUNTS = {"year": "SELECT DISTINCT substr(date, 1, 4) FROM observation UNION SELECT '1999'",
           "region": "SELECT substr(region_code, 1, 2) || '0000' FROM unit "
                     "UNION SELECT substr(region_code, 1, 4) || '00' FROM unit "
                     "UNION SELECT substr(region_code, 1, 6) FROM unit "
                     "UNION SELECT max(region_code) || '001' FROM unit"}
VALUES = {
    "inspection_by_source": _COUNTS, "inspection_by_unit": _COUNTS, "inspection_by_tag": _COUNTS,
    "inspection_records": {"year": "SELECT DISTINCT substr(date, 1, 4) FROM observation",
                           "region": "SELECT DISTINCT substr(region_code, 1, 4) || '00' FROM unit",
                           "source": "SELECT DISTINCT source FROM observation",
                           "tag": "SELECT '两面人' UNION ALL SELECT '墙头草'",
                           "unit": "SELECT DISTINCT unit_code FROM cadre"},
    "subsidy_ledger": {"month": "SELECT DISTINCT month FROM subsidy_line",
                       "region": "SELECT DISTINCT substr(township_code, 1, 6) FROM subsidy_line",
                       "cadre": "SELECT DISTINCT cadre_id FROM subsidy_line LIMIT 5"},
    "care_gaps": {"year": "SELECT DISTINCT year FROM care_gap",
                  "region": "SELECT township_code FROM care_gap UNION SELECT county_code FROM "
                            "care_gap UNION SELECT prefecture_code FROM care_gap"},
}

#: The big table each reads (and its alias): the index it declares must be what its plan reads.
TABLES = {"inspection_records": ("observation", "o"), "subsidy_ledger": ("subsidy_line", "l"),
          "care_gaps": ("care_gap", "g")}


#: Problem tags on observations (the sample has none): separated by commas or 、, one tag
#: written twice, run together without a separator (no match), empty and NULL.
TAGS = ["两面人", "两面人、墙头草", "墙头草,精神懈怠", "精神懈怠,精神懈怠", "两面人墙头草", "", None,
        "作风漂浮、两面人", "形象工程"]


#: The tables published keyed by the index a query declares (``copy.keyed_by_declared``), and
#: the first term of its key a plan reads.
KEYED = {"subsidy_line": "month>?"}


#: ``sqlite_stat1`` as ANALYZE gives it at 100,000 cadres, by table and index (a declared
#: index by its name before the digest): with the sample's few rows any plan will do.
PROVINCE_STATS = {
    "subsidy_line": {"subsidy_line": "2273700 1001 251 2 1",
                     "idx_subsidy_line_cadre_id": "2508500 35"},
    "cadre": {"idx_cadre_unit_code": "89280 112", "idx_cadre_is_principal": "95794 1001",
              "sqlite_autoindex_cadre_1": "74120 1"},
    "observation": {"idx_observation_date": "117066 143",
                    "idx_observation_cadre_id": "142104 2",
                    "sqlite_autoindex_observation_1": "134964 1"},
}


@pytest.fixture(scope="module")
def tagged_db(oversight_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The oversight sample with observations carrying problem tags over two years."""
    path = tmp_path_factory.mktemp("tagged") / "oversight.db"
    shutil.copy(oversight_db, path)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM observation LIMIT 1").fetchone())
    cadres = [r[0] for r in conn.execute("SELECT id FROM cadre ORDER BY id")]
    for i, tags in enumerate(TAGS):
        new = {**row, "id": f"T{i:03}", "cadre_id": cadres[i % len(cadres)],
               "date": f"{2023 + i % 2}-0{1 + i % 9}-15", "tags": tags}
        conn.execute(f"INSERT INTO observation ({', '.join(new)}) VALUES "
                     f"({', '.join('?' * len(new))})", list(new.values()))
    # the summaries as the publication builds them, now of these observations too
    for name in SUMMARIES:
        conn.execute(f"DROP TABLE {name}")
    materialize.observation_summaries(conn, "oversight")
    for table, stats in PROVINCE_STATS.items():
        for name, in conn.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = ?", [table]).fetchall():
            conn.execute("UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx = ?",
                         [stats[name.rsplit("_q", 1)[0]], table, name])
    conn.commit()
    conn.close()
    return path


def _queries() -> dict[str, PublishedQuery]:
    return {q.name: q for q in collect(make_plugins(), "oversight")}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    explanations.register_sql_function(conn)
    return conn


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_the_rewritten_query_answers_what_the_plain_one_does(tagged_db: Path,
                                                             name: str) -> None:
    conn, query = _connect(tagged_db), _queries()[name]
    assert parameters(PLAIN[name]) == query.params
    empty = {p: "" for p in query.params}
    cases = [empty] + [{**empty, p: str(v)} for p, sql in VALUES[name].items()
                       for (v,) in conn.execute(sql) if v is not None]
    assert len(cases) > 3, cases
    # Every parameter given at once (the first value of each).
    cases.append({**empty, **{p: str(conn.execute(sql).fetchone()[0])
                              for p, sql in VALUES[name].items()}})
    answered = 0
    for args in cases:
        expected = conn.execute(PLAIN[name], args).fetchall()
        assert conn.execute(query.sql, args).fetchall() == expected, args
        answered += bool(expected)
    assert conn.execute(PLAIN[name], empty).fetchall(), "the sample has no rows to compare"
    assert answered > 1


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_rewritten_query_reads_its_declared_index(tagged_db: Path, name: str) -> None:
    conn, query = _connect(tagged_db), _queries()[name]
    table, alias = TABLES[name]
    # The observation list declares none: it reads the date index, or a unit's cadres.
    assert bool(query.indexes) == (name != "inspection_records")
    assert all(spec.startswith(f"{table}(") for spec in query.indexes)
    for args in ({p: "" for p in query.params},
                 {p: ("2024" if p == "year" else "2024-07" if p == "month" else "")
                  for p in query.params}):
        rows = conn.execute("EXPLAIN QUERY PLAN " + query.paged_sql(), args).fetchall()
        plan = [r[3] for r in rows]
        # the declared index, or the key of the table keyed by it (``keyed_by_declared``)
        assert any(f"INDEX idx_{table}_q" in p for p in plan) or not query.indexes or (
            table in KEYED and any(f"{alias} USING PRIMARY KEY ({KEYED[table]}" in p
                                   for p in plan)), plan
        # A scan of the table itself (the ledger's subquery, also named l, is read as it comes).
        subqueries = {p.split()[-1] for p in plan if p.startswith("CO-ROUTINE")}
        assert not [r for r in rows if r[3] in (f"SCAN {table}", f"SCAN {alias}")
                    and not (alias in subqueries and r[1] == 0)], plan
        if name == "subsidy_ledger":   # a cadre's lines: through the cadre index
            assert any("INDEX idx_subsidy_line_cadre_id (cadre_id=?" in p for p in plan), plan
        if name == "inspection_records":   # a unit's: through its cadres
            assert any("INDEX idx_cadre_unit_code (unit_code=?)" in p for p in plan), plan
        # The rows come in the query's order: nothing sorts the table (the ledger sorts only
        # each cadre's few lines by scheme name; the observation list, one unit's records).
        assert [p for p in plan if p == "USE TEMP B-TREE FOR ORDER BY"] == [] or \
            name == "inspection_records", plan


@pytest.mark.parametrize("query", [TOP_RANKED, QUOTA_ADJUSTED], ids=lambda q: q.name)
def test_a_years_few_ranked_results_are_read_in_order_from_a_partial_index(
        oversight_db: Path, query: PublishedQuery) -> None:
    conn = _connect(oversight_db)
    (spec,) = query.indexes
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = 'assessment_result'").fetchall()
    assert len([sql for name, sql in indexes if name.startswith("idx_assessment_result_q")
                and sql.endswith(spec.split(") ", 1)[1])]) == 1
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + query.sql,
                                       {"year": "2024", "region": ""})]
    assert plan[0].startswith("SEARCH r USING INDEX idx_assessment_result_q"), plan
    assert "(year=?)" in plan[0] and not any("TEMP B-TREE" in p for p in plan), plan
    expected = conn.execute(query.sql.replace("FROM assessment_result r",
                                              "FROM assessment_result r NOT INDEXED"),
                            {"year": "2024", "region": ""}).fetchall()
    assert conn.execute(query.sql, {"year": "2024", "region": ""}).fetchall() == expected


@pytest.mark.parametrize("name", sorted(set(PLAIN) - set(TABLES)))
def test_the_inspection_counts_read_their_summary_not_the_observations(tagged_db: Path,
                                                                      name: str) -> None:
    conn, query = _connect(tagged_db), _queries()[name]
    assert not query.indexes
    read: set[str] = set()

    def authorize(action: int, table: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ:
            read.add(table or "")
        return sqlite3.SQLITE_OK
    conn.set_authorizer(authorize)
    conn.execute(query.paged_sql(), {p: "" for p in query.params} | {"page": ""}).fetchall()
    conn.set_authorizer(None)
    # its summary (and the units' names), never the observations or the cadres
    assert read - {"unit"} == {f"observation_by_{name.rsplit('_', 1)[1]}"}, read
    # a summary row per year (and one for every year) and county or unit: far fewer rows than
    # observations in a province, where a county has hundreds of cadres
    (table,) = {t for t in SUMMARIES if t in query.sql}
    years = conn.execute("SELECT count(DISTINCT substr(date, 1, 4)) + 1 FROM observation")
    assert conn.execute(f"SELECT count(*) FROM {table} WHERE all_years").fetchone()[0] > 0
    assert conn.execute(f"SELECT count(DISTINCT year) + 1 FROM {table}").fetchone() \
        == years.fetchone()


def test_the_summaries_are_built_at_oversight_level_only(tagged_db: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"ATTACH '{tagged_db}' AS o")
    for table in ("observation", "cadre", "unit"):
        conn.execute(f"CREATE TABLE {table} AS SELECT * FROM o.{table}")
    assert materialize.observation_summaries(conn, "public") == []
    assert materialize.observation_summaries(conn, "oversight") == list(SUMMARIES)
    # without observations (a store that never had them), nothing is built
    empty = sqlite3.connect(":memory:")
    empty.execute("CREATE TABLE cadre (id TEXT, unit_code TEXT)")
    empty.execute("CREATE TABLE unit (code TEXT, region_code TEXT)")
    assert materialize.observation_summaries(empty, "oversight") == []


def test_a_declared_partial_index_is_created_with_its_condition() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a TEXT, b TEXT)")
    (name,) = copy.create_declared(conn, ["t(a, substr(b, 1, 2)) WHERE b != ''", "u(a)"])
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
    assert sql.endswith("ON [t] (a, substr(b, 1, 2)) WHERE b != ''")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [("x", ""), ("y", "yy"), ("z", None)])
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT a FROM t WHERE b != '' AND a = 'y'").fetchall()
    assert name in plan[0][3]
    for bad in ("t(a) WHERE", "t(a) junk", "t a"):
        with pytest.raises(ValueError, match="WHERE condition"):
            copy.create_declared(conn, [bad])
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")] \
        == [name]
