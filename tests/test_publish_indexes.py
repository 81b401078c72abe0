"""The publication's indexes follow the rule in ``cadre_sdk.publish.copy``, canned queries use
them, and the search index (contentless, no copy of any text) finds what a full-content index finds."""
from __future__ import annotations

import itertools
import json
import re
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.defaults.assessment_queries import SCORECARD_BY_UNIT
from cadre_sdk.publish import charts, copy, introspect, search
from cadre_sdk.store import explanations
from cadre_sdk.store.table_labels import TableLabels, described
from cadre_sdk.publish.copy import (FEW_VALUES, FILTER_COLUMNS, KEY_ONLY, NEVER_INDEXED, Column,
                                    TablePlan)
from cadre_sdk.publish.introspect import record_value
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.publish.searchable import Searchable, searchables


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_the_indexes_are_those_the_rule_gives(oversight_db: Path, sample_store: Path) -> None:
    conn, store = _connect(oversight_db), _connect(sample_store)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE "
                                         "'sqlite_%' AND name NOT LIKE 'search_index_%'")]
    unexplained = []
    for table in tables:
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        store_indexes = {tuple(r[2] for r in store.execute(f"PRAGMA index_info([{i[1]}])"))
                         for i in store.execute(f"PRAGMA index_list([{table}])")}
        filters = (cols & set(FILTER_COLUMNS)) - NEVER_INDEXED
        allowed = set() if table in KEY_ONLY else (
            {(c,) for c in filters}
            | {ix for ix in store_indexes if set(ix) <= cols - NEVER_INDEXED})
        for _, name, _, origin, _ in conn.execute(f"PRAGMA index_list([{table}])").fetchall():
            if origin != "c" or "_q" in name:   # key constraints; declared by a query
                continue
            ix = tuple(r[2] for r in conn.execute(f"PRAGMA index_info([{name}])"))
            if ix not in allowed:
                unexplained.append(f"{table}{ix}")
    assert unexplained == []
    assert tables and "explanation" in tables


def test_no_index_holds_an_explanation_id_and_explanations_have_none(oversight_db: Path) -> None:
    conn = _connect(oversight_db)
    rows = conn.execute("SELECT m.tbl_name, i.name FROM sqlite_master m, "
                        "pragma_index_info(m.name) i WHERE m.type = 'index'").fetchall()
    assert rows and not [r for r in rows if r[1] == "explanation_id"]
    assert not [r for r in rows if r[0] in KEY_ONLY
                and not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ? AND sql "
                                     "IS NULL", [r[0]]).fetchone()]


def test_the_scorecard_by_unit_reads_its_index_in_order(oversight_db: Path) -> None:
    conn = _connect(oversight_db)
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + SCORECARD_BY_UNIT.sql,
                                       {"year": "2024", "region": ""})]
    assert any("USING INDEX idx_scorecard_q" in p for p in plan), plan
    assert not any("TEMP B-TREE" in p or p.startswith("SCAN") for p in plan), plan


def test_no_canned_query_scans_a_table_it_filters_on_an_indexed_key(oversight_db: Path) -> None:
    """Every published query, planned with a year and a cadre or unit given: a table searched
    by an equality on an indexed column is searched, not scanned."""
    conn = _connect(oversight_db)
    search.register_function(conn)
    explanations.register_sql_function(conn)
    meta = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))
    queries = meta["databases"]["oversight"]["queries"]
    scans = []
    for name, q in queries.items():
        params = {p: ("2024" if "year" in p else "") for p in q["params"]}
        for *_, detail in conn.execute("EXPLAIN QUERY PLAN " + q["sql"], params):
            if detail.startswith("SCAN ") and " USING " not in detail:
                table = detail.split()[1]
                if table in ("subsidy_line", "assessment", "indicator_score", "attendance"):
                    scans.append((name, detail))
    assert scans == []


def _hits(conn: sqlite3.Connection, sql: str, q: str) -> list[tuple]:
    return conn.execute(sql, {"q": q}).fetchall()


def _plan(conn: sqlite3.Connection, table: str, searched: tuple[str, ...]) -> TablePlan:
    """A publication plan for a test table whose ``searched`` columns are searchable."""
    cols = tuple(Column(r[1], r[2], bool(r[3]), r[5])
                 for r in conn.execute(f"PRAGMA table_info([{table}])"))
    labels = TableLabels(table, table, table, {c.name: c.name for c in cols}, search=searched)
    return TablePlan(table, cols, frozenset(), (), labels, {})


def _indexed(rows: int) -> tuple[sqlite3.Connection, list[Searchable]]:
    """A publication with two searchable tables, indexed: ``place`` (3 rows, one without a
    name, and a rowid left out) and ``person`` (``rows`` rows)."""
    conn = sqlite3.connect(":memory:")
    search.register_function(conn)
    conn.execute("CREATE TABLE place (code TEXT PRIMARY KEY, name TEXT, kind TEXT)")
    conn.executemany("INSERT INTO place (rowid, code, name, kind) VALUES (?, ?, ?, ?)", [
        (1, "630000", "青海省", ""), (3, "632700", "玉树藏族自治州", "州"), (4, "632701", "", "市")])
    conn.execute("CREATE TABLE person (id TEXT PRIMARY KEY, name TEXT, post TEXT, note TEXT)")
    conn.executemany("INSERT INTO person VALUES (?, ?, ?, ?)", [
        (f"C{i:03d}", f"干部{i}", f"青海省海北州{i % 7}号乡镇党委副书记",
         "生态保护" if i % 3 else ("" if i % 2 else None)) for i in range(rows)])
    sources = searchables(conn, [_plan(conn, "place", ("name", "kind")),
                                 _plan(conn, "person", ("name", "post", "note"))])
    search.create_index(conn, [s.result_sql() for s in sources])
    assert search.add_rows(conn, [s.rows_sql() for s in sources]) == 3 + rows
    return conn, sources


def test_search_finds_what_a_full_content_index_finds() -> None:
    new, sources = _indexed(300)
    # the index as it was: FTS5 with its own copy of every column, rows numbered from 1
    old = sqlite3.connect(":memory:")
    search.register_function(old)
    old.execute(f"CREATE VIRTUAL TABLE [{search.TABLE}] USING fts5(tokens, kind UNINDEXED, "
                "title UNINDEXED, content UNINDEXED, record UNINDEXED, tokenize='unicode61')")
    place, person = sources
    rows = [(place.kind, name or code, kind, record_value("place", [code]), (name or code, kind))
            for code, name, kind in new.execute("SELECT code, name, kind FROM place")]
    rows += [(person.kind, name, "；".join(p for p in (post, note) if p),
              record_value("person", [key]), (name, post, note))
             for key, name, post, note in new.execute("SELECT * FROM person ORDER BY rowid")]
    old.executemany(f"INSERT INTO [{search.TABLE}] VALUES (?, ?, ?, ?, ?)", [
        (" ".join(search.tokens(p) for p in texts if p), kind, title, content, record)
        for kind, title, content, record, texts in rows])
    old_sql = f"""SELECT s.kind, s.title, s.content, s.record
FROM (SELECT rowid AS id, rank AS score FROM [{search.TABLE}]
      WHERE [{search.TABLE}] MATCH cadre_match(:q) LIMIT {search.RANKED}) AS hit
JOIN [{search.TABLE}] AS s ON s.rowid = hit.id ORDER BY hit.score, hit.id"""
    for q in ("生态", "海北 书记", "牧", "干部12", "没有的词", "青海", "玉树", "州", "632701"):
        expected = _hits(old, old_sql, q)
        assert _hits(new, search.SEARCH_SQL, q) == expected, q
    assert _hits(new, search.SEARCH_SQL, "生态") and not _hits(new, search.SEARCH_SQL, "没有的词")
    assert [r[3] for r in _hits(new, search.SEARCH_SQL, "玉树")] == [
        record_value("place", ["632700"])]
    # no copy of the text: the index stores no content, what a result shows is a view
    assert not new.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                           [f"{search.TABLE}_content"]).fetchone()
    assert new.execute("SELECT type FROM sqlite_master WHERE name = ?",
                       [search.RESULTS]).fetchone() == ("view",)


#: Values a searchable cell may hold: ASCII keys and words (any case, punctuation only,
#: blank), Traditional and Simplified Chinese, other scripts, full-width letters, numbers,
#: bytes, nothing.
_VALUES = ["QH0009999/2022/adjust_incompetent", "ABC def-GHI", "--/ ;", "", " ", None, 0, 1,
           1.0, 42, 1.5, 1e20, b"ab", b"", "幹部經驗", "干部abc中文", "Café RÉSUMÉ", "ＡＢＣ１２３",
           "①②", "カタカナ", "한국어", "😀干部", "参加年度健康体检", "體檢 2023", "龙", "，。",
           "ǅemal ǈ", "1.0"]


def _token_text(values: tuple) -> str:
    """The tokens of a row as each value's ``tokens`` (the index as it was built before)."""
    return " ".join(t for t in (search.tokens(str(v)) for v in values if v) if t)


def _instances(conn: sqlite3.Connection) -> list[tuple]:
    conn.execute(f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, [{search.TABLE}], "
                 "'instance')")
    return conn.execute("SELECT doc, col, offset, term FROM temp.terms ORDER BY 1, 2, 3"
                        ).fetchall()


@pytest.mark.parametrize("few", [False, True])
def test_the_index_holds_each_values_tokens(few: bool) -> None:
    """``add_rows`` gives FTS5 ASCII text as it is and each other text's tokens once: the
    index holds the same tokens at the same positions, row sizes and totals as one built from
    every value's ``tokens``, and searches find and rank the same; also where the tokens of
    the texts of columns with few (``few``: every column here) are written into the SQL."""
    conn = sqlite3.connect(":memory:")
    search.register_function(conn)
    conn.execute("CREATE TABLE item (code TEXT PRIMARY KEY, name, note)")
    conn.execute("CREATE TABLE remark (id TEXT PRIMARY KEY, body, extra)")
    rows = [(f"K{i}", *pair) for i, pair in enumerate(itertools.product(_VALUES, repeat=2))]
    conn.executemany("INSERT INTO item VALUES (?, ?, ?)", rows)
    conn.executemany("INSERT INTO remark VALUES (?, ?, ?)", rows)
    sources = searchables(conn, [_plan(conn, "item", ("name", "note")),
                                 _plan(conn, "remark", ("body", "extra"))])
    search.create_index(conn, [s.result_sql() for s in sources])
    selects = [s.rows_sql(s.few_texts(conn) if few else None) for s in sources]
    # the Traditional text's Simplified tokens are in the SQL only when written out
    assert ("'干部 部经 经验 验'" in selects[0]) is few
    count = search.add_rows(conn, selects)

    old = sqlite3.connect(":memory:")
    search.register_function(old)
    old.execute(f"CREATE VIRTUAL TABLE [{search.TABLE}] USING fts5(tokens, content='', "
                "tokenize='unicode61')")
    item, remark = sources
    # a named table: each row titled by its name as text, or its key if the name is empty
    texts = [(item.base + rowid, _token_text((title, note))) for rowid, title, note in
             conn.execute("SELECT rowid, CAST(coalesce(nullif(name, ''), code) AS TEXT), note "
                          "FROM item")]
    # a table without names: its rows with a searchable value, titled by their key
    texts += [(remark.base + rowid, _token_text((code, body, extra)))
              for rowid, (code, body, extra) in enumerate(rows, 1) if body or extra]
    old.executemany(f"INSERT INTO [{search.TABLE}] (rowid, tokens) VALUES (?, ?)",
                    [(doc, text) for doc, text in texts if text])

    assert count == len([t for _, t in texts if t]) < len(rows) * 2
    assert _instances(conn) == _instances(old)
    for shadow in ("docsize", "data"):
        table = f"[{search.TABLE}_{shadow}]"
        assert (conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                == old.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                ) or shadow == "data", shadow
    total = f"SELECT block FROM [{search.TABLE}_data] WHERE id = 1"   # rows and tokens
    assert conn.execute(total).fetchone() == old.execute(total).fetchone()
    ranked = (f"SELECT rowid, rank FROM [{search.TABLE}] WHERE [{search.TABLE}] MATCH "
              "cadre_match(:q) ORDER BY rank, rowid")
    found = 0
    for q in ("干部", "幹部", "经验", "检", "qh0009999", "Adjust", "abc", "cafe", "résumé",
              "ＡＢＣ", "42", "1e", "20", "2023 体检", "中文", "龙", "カタ", "한국", "b", "dž"):
        assert _hits(conn, ranked, q) == _hits(old, ranked, q), q
        found += bool(_hits(old, ranked, q))
    assert found >= 15
    # the build's own settings are not kept in the publication
    assert conn.execute(f"SELECT k FROM [{search.TABLE}_config]").fetchall() == [("version",)]


def test_search_ranks_the_first_matches_in_index_order() -> None:
    conn, _ = _indexed(search.RANKED + 100)
    found = {r[3] for r in _hits(conn, search.SEARCH_SQL, "书记")}
    # every person matches: the ranked ones are the first RANKED, not the best-ranked of all
    assert found == {record_value("person", [f"C{i:03d}"]) for i in range(search.RANKED)}


def test_a_search_reads_each_hit_by_rowid(oversight_db: Path) -> None:
    conn = _connect(oversight_db)
    search.register_function(conn)
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + search.SEARCH_SQL, {"q": "玉树"})]
    reads = [p for p in plan if p.startswith(("SCAN", "SEARCH"))]
    assert len([p for p in reads if "USING INTEGER PRIMARY KEY (rowid=?)" in p]) >= 4 * 3, plan
    # besides the index and its hits (``hit``), no table is scanned, nor the view built
    assert {p.split()[1] for p in reads if "INTEGER PRIMARY KEY" not in p} == {
        search.TABLE, "hit"}, plan
    assert not [p for p in plan if "AUTOMATIC" in p or search.RESULTS in p], plan


def test_a_without_rowid_table_with_searchable_text_is_published_with_a_rowid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index addresses a row by its rowid: an oversight table with searchable
    text keeps one, another ``WITHOUT ROWID`` table stays so."""
    store = sqlite3.connect(tmp_path / "store.db")
    for table in ("note", "tally"):
        store.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, text TEXT) WITHOUT ROWID")
    store.commit()
    store.close()
    labels = {"note": TableLabels("note", "备注", "备注", {"id": "编号", "text": "内容"},
                                  search=("text",)),
              "tally": TableLabels("tally", "计数", "计数", {"id": "编号", "text": "内容"})}
    monkeypatch.setattr(copy, "described", labels.get)
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH DATABASE ? AS src", [str(tmp_path / "store.db")])
    plans = {p.name: p for p in copy.plan_tables(conn, "oversight")}
    assert not plans["note"].without_rowid and plans["tally"].without_rowid
    assert "WITHOUT ROWID" not in copy.create_sql(plans["note"])


def _without_rowid(conn: sqlite3.Connection) -> set[str]:
    return {n for n, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = "
                                         "'table'") if " ".join(sql.split()).upper()
            .endswith("WITHOUT ROWID")}


def test_a_keyed_table_without_other_indexes_is_stored_without_rowid(
        oversight_db: Path, public_db: Path, sample_store: Path) -> None:
    """At oversight level a table whose key the store indexes on its own (a text key) and
    that gets no other index is stored WITHOUT ROWID (its rows are the key's index); a table
    with other indexes keeps its rowid (they would each hold the whole key)."""
    conn, store = _connect(oversight_db), _connect(sample_store)
    copied = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    new = (_without_rowid(conn) - _without_rowid(store)) & copied
    assert "evaluation" in new
    for table in new:   # only the key's own index
        assert [r[3] for r in conn.execute(f"PRAGMA index_list([{table}])")] == ["pk"], table
    for table in copied - _without_rowid(conn):
        # a rowid table with its key's index only has searchable text (the rule above), or
        # had indexes of the store's that no query reads (``copy.drop_unread``, later)
        if [r[3] for r in conn.execute(f"PRAGMA index_list([{table}])")] == ["pk"]:
            labels = described(table)
            assert (labels is not None and labels.search) or [
                r for r in store.execute(f"PRAGMA index_list([{table}])") if r[3] == "c"], table
    assert "assessment" not in new   # a text key and indexes on its links
    assert (conn.execute("SELECT * FROM evaluation ORDER BY 1, 2").fetchall()
            == store.execute("SELECT * FROM evaluation ORDER BY 1, 2").fetchall())
    # the public level stores no copied table WITHOUT ROWID the store does not
    assert not (_without_rowid(_connect(public_db)) - _without_rowid(store)) & copied


def test_the_stores_indexes_are_kept_only_where_a_query_reads_them(oversight_db: Path) -> None:
    """Rule 2: a store index the filter rule does not give (several columns, or not a filter
    column) is published only where a canned query's or a chart's plan reads it (``drop_unread``
    checks before the indexes queries declare are made); every filter column still leads an
    index (or the key)."""
    conn = _connect(oversight_db)
    search.register_function(conn)
    explanations.register_sql_function(conn)
    meta = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))
    sqls = [q["sql"] for q in meta["databases"]["oversight"]["queries"].values()]
    read = set()
    for sql in sqls + charts.queries():
        params = dict.fromkeys(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
        read |= {m for *_, d in conn.execute("EXPLAIN QUERY PLAN " + sql, params)
                 for m in re.findall(r"INDEX (\S+)", d)}
    assert "idx_assessment_year_period" not in read   # the store's, for its engine only
    for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = "
                                    "'index' AND sql IS NOT NULL AND name NOT LIKE '%\\_q%' "
                                    "ESCAPE '\\'").fetchall():
        cols = [r[2] for r in conn.execute(f"PRAGMA index_info([{name}])")]
        declared = [r for r in conn.execute(f"PRAGMA index_list([{table}])") if "_q" in r[1]]
        if not (len(cols) == 1 and cols[0] in FILTER_COLUMNS):
            # read, or read before a query's own index on the table was made (it comes last)
            assert name in read or declared, name
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql "
                                 "NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite%'"):
        if table in KEY_ONLY:
            continue
        served = _served(conn, table)
        for column in set(introspect.columns(conn, table)) & set(FILTER_COLUMNS) - NEVER_INDEXED:
            assert column in served, (table, column)


def _served(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns that lead an index or the key of ``table``, or follow only columns of few
    values in one (read by skip-scan)."""
    keys = [[r[2] for r in conn.execute(f"PRAGMA index_info([{r[1]}])")]
            for r in conn.execute(f"PRAGMA index_list([{table}])")]
    keys.append(introspect.primary_key(conn, table))
    served = set()
    for key in keys:
        for i, column in enumerate(key):
            if set(key[:i]) <= FEW_VALUES:
                served.add(column)
    return served


def test_an_index_no_query_reads_gives_way_to_the_filter_columns_one() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT, unit_code TEXT, year INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                     [(f"r{i}", f"a{i % 50}", f"U{i % 30}", 2000 + i % 5) for i in range(500)])
    for cols in ("unit_code, year", "a, year"):
        conn.execute(f"CREATE INDEX idx_t_{cols.replace(', ', '_')} ON t ({cols})")
    candidates = ["idx_t_unit_code_year", "idx_t_a_year"]
    reads_a = "SELECT id FROM t WHERE a = :a AND year = :year"
    # a query that cannot be planned yet (its other table comes later) keeps t's indexes
    assert copy.drop_unread(conn, candidates, [reads_a, "SELECT * FROM t JOIN later"]) == []
    assert copy.drop_unread(conn, candidates, [reads_a]) == ["idx_t_unit_code_year"]
    indexes = {r[1] for r in conn.execute("PRAGMA index_list(t)") if r[3] == "c"}
    assert indexes == {"idx_t_a_year", "idx_t_unit_code", "idx_t_year"}


def test_the_ledger_is_keyed_in_the_order_its_query_reads(oversight_db: Path,
                                                          sample_store: Path) -> None:
    """``subsidy_line`` (WITHOUT ROWID) is published keyed by the index the ledger query
    declares, then the store's key: no index of that declaration is built, and the table has
    the store's columns and rows."""
    conn, store = _connect(oversight_db), _connect(sample_store)
    key = [r[1] for r in sorted(conn.execute("PRAGMA table_info(subsidy_line)"),
                                key=lambda r: r[5]) if r[5]]
    assert key == ["month", "township_code", "cadre_id", "scheme_id"]
    assert [r[1] for r in conn.execute("PRAGMA index_list(subsidy_line)")
            if "_q" in r[1]] == []
    columns = [r[1] for r in store.execute("PRAGMA table_xinfo(subsidy_line)")]
    assert [r[1] for r in conn.execute("PRAGMA table_xinfo(subsidy_line)")] == columns
    select = f"SELECT {', '.join(columns)} FROM subsidy_line ORDER BY month, cadre_id, scheme_id"
    rows = conn.execute(select).fetchall()
    assert rows and rows == store.execute(select).fetchall()
    # stored in the ledger's order: read without sorting
    assert conn.execute("SELECT month, township_code, cadre_id, scheme_id FROM subsidy_line"
                        ).fetchall() == sorted(r[:4] for r in conn.execute(
                            "SELECT month, township_code, cadre_id, scheme_id FROM subsidy_line"))


def _ledger_plan(declared: list[str], without_rowid: bool = True) -> TablePlan:
    """A plan of a ledger-like table keyed (m, c) with a township t and a generated g."""
    cols = (Column("m", "TEXT", True, 1), Column("c", "TEXT", True, 2),
            Column("t", "TEXT", True, 0), Column("g", "TEXT", False, 0, "GENERATED ALWAYS "
                                                 "AS (t || c) VIRTUAL"))
    plan = TablePlan("ledger", cols, frozenset(), (), None, {}, without_rowid)
    return copy.keyed_by_declared(plan, declared)


def test_a_without_rowid_table_is_keyed_by_the_first_plain_index_declared_on_it() -> None:
    assert _ledger_plan(["ledger(m, t)"]).pk == ["m", "t", "c"]
    assert _ledger_plan(["other(t)", "ledger(t, c)", "ledger(m, t)"]).pk == ["t", "c", "m"]
    # the key itself, an expression, a partial index, a generated column, another table, a
    # rowid table: the store's key
    for declared in (["ledger(m, c)"], ["ledger(m, substr(t, 1, 4))"],
                     ["ledger(m, t) WHERE t != ''"], ["ledger(g)"], ["other(m, t)"], []):
        plan = _ledger_plan(declared)
        assert plan.pk == ["m", "c"] and plan.key == (), declared
    assert _ledger_plan(["ledger(m, t)"], without_rowid=False).pk == ["m", "c"]
    sql = copy.create_sql(_ledger_plan(["ledger(m, t)"]))
    assert "PRIMARY KEY ([m], [t], [c])" in sql and sql.endswith("WITHOUT ROWID")


def test_no_index_is_made_where_the_key_is_the_declared_one() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(copy.create_sql(_ledger_plan(["ledger(m, t)"])))
    conn.execute("CREATE TABLE plain (m TEXT, t TEXT, c TEXT, PRIMARY KEY (m, t, c))")
    made = copy.create_declared(conn, ["ledger(m, t)", "ledger(m)", "ledger(t, m)",
                                       "ledger(m, t) WHERE t != ''", "plain(m, t)"])
    tables = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                               "AND name LIKE 'idx_%'"))
    # a prefix of the key is the key; another order, a partial index, a rowid table: made
    assert sorted(tables[n] for n in made) == ["ledger", "ledger", "plain"]
    assert sorted(made) == sorted(tables)


def _filter_rows(conn: sqlite3.Connection, table: str, column: str, value: object,
                 indexed: bool = True) -> list[tuple]:
    """The rows of ``table`` whose ``column`` is ``value``, read as SQLite plans it or by
    reading the whole table (``NOT INDEXED``), in one order."""
    hint = "" if indexed else " NOT INDEXED"
    return sorted(conn.execute(f"SELECT * FROM [{table}]{hint} WHERE [{column}] = ?", [value]))


def test_a_filter_column_after_columns_of_few_values_in_a_key_has_no_index() -> None:
    """A cadre following a month in a ``WITHOUT ROWID`` key (``copy.FEW_VALUES``) gets no index
    of its own: a filter on it reads the key by skip-scan (searched, not scanned) and finds the
    rows the whole table holds. Columns of few values still get their own index (never one
    leading another column's), and so does a cadre after a kind of more than ``FEW_LIMIT``
    values."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE a (month TEXT, cadre_id TEXT, township_code TEXT, days INTEGER, "
                 "PRIMARY KEY (month, cadre_id, township_code)) WITHOUT ROWID")
    conn.executemany("INSERT INTO a VALUES (?, ?, ?, ?)",
                     [(f"2024-{1 + i % 12:02}", f"QH{i % 500:04}", f"T{i % 3}", i % 30)
                      for i in range(1500)])
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, cadre_id TEXT, year INTEGER, kind TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                     [(f"r{i:05}", f"QH{i % 700:04}", 2020 + i % 4, "任职"[i % 2])
                      for i in range(3000)])
    conn.execute("CREATE TABLE k (kind TEXT, cadre_id TEXT, PRIMARY KEY (kind, cadre_id)) "
                 "WITHOUT ROWID")
    conn.executemany("INSERT INTO k VALUES (?, ?)", [(f"k{i}", f"QH{i % 7}")
                                                     for i in range(copy.FEW_LIMIT + 1)])
    for table in ("a", "t", "k"):
        copy.index_filters(conn, table)
    conn.execute("ANALYZE")
    made = {r[1] for t in ("a", "t", "k") for r in conn.execute(f"PRAGMA index_list({t})")
            if r[3] == "c"}
    assert made == {"idx_t_cadre_id", "idx_t_year", "idx_t_kind", "idx_k_cadre_id"}
    assert copy.served_columns(conn, "a") == {"month", "cadre_id"}
    for value in ("QH0000", "QH0499", "none"):
        rows = _filter_rows(conn, "a", "cadre_id", value)
        assert rows == _filter_rows(conn, "a", "cadre_id", value, indexed=False)
        assert bool(rows) == (value != "none")
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM a WHERE "
                                       "cadre_id = ?", ["QH0001"])]
    assert plan == ["SEARCH a USING PRIMARY KEY (ANY(month) AND cadre_id=?)"]


def test_a_filtered_table_page_shows_the_rows_the_table_holds(oversight_db: Path,
                                                              password_hash: str) -> None:
    """A table page filtered on a column read through a key or index led by columns of few
    values (``copy.FEW_VALUES``: skip-scan) lists, and counts, the rows with that value."""
    conn = _connect(oversight_db)
    folded = set()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql "
                                 "NOT LIKE 'CREATE VIRTUAL%'").fetchall():
        keys = [[r[2] for r in conn.execute(f"PRAGMA index_info([{i[1]}])")]
                for i in conn.execute(f"PRAGMA index_list([{table}])")]
        keys.append(introspect.primary_key(conn, table))
        folded |= {(table, c) for key in keys for i, c in enumerate(key)
                   if i and set(key[:i]) <= FEW_VALUES and c in FILTER_COLUMNS}
    assert ("attendance", "cadre_id") in folded, folded
    with PublicationClient(oversight_db) as client:
        cookies = {"ds_actor": client.datasette.sign({"a": {"id": "oversight"}}, "actor")}
        checked = 0
        for table, column in sorted(folded):
            found = conn.execute(f"SELECT [{column}] FROM [{table}] WHERE [{column}] IS NOT "
                                 f"NULL GROUP BY 1 ORDER BY count(*) DESC").fetchone()
            if found is None:   # no rows in the sample
                continue
            page = client.json(f"/{client.database}/{table}.json",
                               params={column: found[0], "_size": "max"}, cookies=cookies)
            if "query_name" in page:   # a canned query of the same name takes the address
                continue
            value, checked = found[0], checked + 1
            expected = _filter_rows(conn, table, column, value, indexed=False)
            stored = [i for i, c in enumerate(page["columns"]) if c != "rowid"]
            shown = sorted(tuple(row[i] for i in stored) for row in page["rows"])
            assert page["filtered_table_rows_count"] == len(expected), (table, column)
            assert shown and set(shown) <= set(expected), (table, column)
            assert len(shown) == len(expected) or len(shown) == len(page["rows"]) >= 100
    assert checked, folded


def test_indexes_read_by_skip_scan_get_exact_statistics() -> None:
    """``analyse_skip_scans`` counts every row of an index (or ``WITHOUT ROWID`` key) led by a
    column of few values that serves a filter column, not ``analysis_limit``'s sample of it,
    and leaves that limit as it was; it leaves the other indexes' statistics alone."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, unit_code TEXT, year INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)",
                     [(f"r{i:06}", f"U{i % 1000:04}", 2020 + i % 3) for i in range(30000)])
    conn.execute("CREATE TABLE a (month TEXT, cadre_id TEXT, days INTEGER, "
                 "PRIMARY KEY (month, cadre_id)) WITHOUT ROWID")
    conn.executemany("INSERT INTO a VALUES (?, ?, ?)",
                     [(f"2024-{1 + i % 12:02}", f"QH{i:05}", 1) for i in range(24000)])
    conn.execute("CREATE INDEX idx_t_year_unit_code ON t (year, unit_code)")
    conn.execute("PRAGMA analysis_limit = 100")
    conn.execute("ANALYZE")
    sampled = dict(conn.execute("SELECT idx, stat FROM sqlite_stat1"))
    assert sorted(copy.analyse_skip_scans(conn)) == ["a", "idx_t_year_unit_code"]
    stats = dict(conn.execute("SELECT idx, stat FROM sqlite_stat1"))
    # 30,000 rows, 10,000 a year, 10 a year and unit; 24,000 rows, 2,000 a month
    assert stats["idx_t_year_unit_code"] == "30000 10000 10"
    assert stats["a"].split()[:2] == ["24000", "2000"]
    assert stats["sqlite_autoindex_t_1"] == sampled["sqlite_autoindex_t_1"]
    assert conn.execute("PRAGMA analysis_limit").fetchone()[0] == 100
