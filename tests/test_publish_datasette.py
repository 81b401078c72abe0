"""The publication in Datasette (in process): every canned query runs, the cadre profile and
explanations, escaping, access levels, and every way of writing refused."""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadre_sdk.publish.app import make_datasette
from cadre_sdk.publish.metadata import sidecar
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.publish.thresholds import suppressed_text
from cadre_sdk.store.database import sha256_file
from test_publish_support import NAMES, PASSWORD, SCRIPT_NAME

#: A value for each named parameter the sample can answer.
PARAMS = {"year": "2024", "cadre_id": "C001", "cadre": "", "q": "玉树", "half": "2024H1",
          "region": "", "month": "", "scheme": "", "category": "", "kind": "", "unit": ""}


@pytest.fixture(scope="module")
def public(public_db: Path) -> Iterator[PublicationClient]:
    with PublicationClient(public_db) as client:
        yield client


@pytest.fixture(scope="module")
def oversight(oversight_db: Path, password_hash: str) -> Iterator[PublicationClient]:
    with PublicationClient(oversight_db) as client:
        yield client


def _login(client: PublicationClient) -> dict[str, str]:
    response = client.post("/-/login", data={"username": "oversight", "password": PASSWORD})
    assert response.status_code == 302
    return {"ds_actor": response.cookies["ds_actor"]}


def _queries(path: Path) -> dict[str, dict]:
    meta = json.loads(sidecar(path).read_text(encoding="utf-8"))
    return meta["databases"][path.stem]["queries"]


@pytest.mark.parametrize("level", ["public", "oversight"])
def test_every_canned_query_runs_with_chinese_title_and_parameters(
        level: str, public: PublicationClient, oversight: PublicationClient,
        public_db: Path, oversight_db: Path) -> None:
    client, path = (public, public_db) if level == "public" else (oversight, oversight_db)
    cookies = _login(client) if level == "oversight" else {}
    queries = _queries(path)
    assert {"search", "assessment_grade_distribution", "cases_by_stage_summary",
            "adjustment_inventory_summary", "staffing_breach_summary"} <= set(queries)
    # the queries over rows per case, per adjustment or per breach: oversight only
    rows = {"cases_by_stage", "decisions_by_dimension", "decisions_by_prefecture",
            "determination_mismatches_by_body", "adjustment_inventory", "staffing_breaches",
            "case_events"}
    assert (rows <= set(queries)) if level == "oversight" else not rows & set(queries)
    for name, query in queries.items():
        assert re.search(r"[\u4e00-\u9fff]", query["title"]), name
        assert all(f":{p}" in query["sql"] for p in query["params"]), name
        params = {p: PARAMS.get(p, "") for p in query["params"]}
        response = client.get(f"/{level}/{name}.json", params={**params, "_shape": "objects"},
                              cookies=cookies)
        assert response.status_code == 200, (name, response.text[:300])
        assert response.json()["ok"] is True, name


def test_oversight_queries_are_left_out_of_the_public_level(public: PublicationClient,
                                                            public_db: Path,
                                                            oversight_db: Path) -> None:
    assert "cadre_profile" in _queries(oversight_db)
    assert "cadre_profile" not in _queries(public_db)
    assert public.get("/public/cadre_profile?cadre_id=C001").status_code == 404


def test_the_cadre_profile_gathers_one_cadres_records(oversight: PublicationClient,
                                                       oversight_db: Path) -> None:
    titles = json.loads(sidecar(oversight_db).read_text(encoding="utf-8"))[
        "plugins"]["cadre-sdk"]["table_titles"]
    cookies = _login(oversight)
    rows = oversight.json("/oversight/cadre_profile.json",
                          params={"cadre_id": "C002", "_shape": "array"}, cookies=cookies)
    sections = [r["栏目"] for r in rows]
    assert sections[0] == "基本信息" and "姓名：廉福章" in rows[0]["内容"]
    for table in ("posting", "assessment", "assessment_result", "achievement", "commendation",
                  "training", "attendance", "subsidy_line"):
        assert titles[table] in sections, table
    # a ledger line cites its scheme and rule by number; the profile writes them out
    subsidy = next(r["内容"] for r in rows if r["栏目"] == titles["subsidy_line"])
    # (not the parameter versions, keys for SQL: the line's linked explanation names them)
    assert "补贴项目：" in subsidy and "规则插件：cadre_sdk.defaults.subsidies" in subsidy \
        and "规则名称：" in subsidy and "参数版本" not in subsidy and "@" not in subsidy, subsidy
    adjusted = oversight.json("/oversight/cadre_profile.json",
                              params={"cadre_id": "C003", "_shape": "array"}, cookies=cookies)
    assert titles["adjustment"] in {r["栏目"] for r in adjusted}
    assert {r["记录"] for r in rows} >= {'["posting","P001"]', '["achievement","A001"]',
                                        '["achievement","A003"]', '["training","T002"]'}
    assert all(r["记录"] != '["cadre","C001"]' for r in rows)
    case_rows = oversight.json("/oversight/cadre_profile.json",
                               params={"cadre_id": "C004", "_shape": "array"}, cookies=cookies)
    assert {"容错纠错案件", "案件事件"} <= {r["栏目"] for r in case_rows}
    explained = [r for r in rows if r["说明编号"]]
    assert explained, "computed rows carry their explanation"
    page = oversight.get("/oversight/cadre_profile?cadre_id=C002", cookies=cookies).text
    assert '<a href="/oversight/posting/P001">任职经历 P001</a>' in page
    assert f'href="/oversight/explanation/{explained[0]["说明编号"].replace(":", "~3A")}"' in page


def test_explanations_render_as_readable_chinese(public: PublicationClient,
                                                 oversight: PublicationClient) -> None:
    cookies = _login(oversight)
    page = oversight.get("/oversight/explanation/assessment~3AAS1", cookies=cookies).text
    assert 'class="cadre-explanation"' in page
    assert "<strong>2024 年度考核 个人 C001（考核编号 AS1）</strong>" in page
    assert "计算步骤：</p><ol><li>" in page and "输入：</p><ul><li>" in page
    assert "指标得分：德 92、" in page            # indicator names, not their codes (de 92)
    assert '<a href="/oversight/explanation/assessment~3AAS1.json">原始数据</a>' in page
    assert '{"inputs"' not in page and "&#34;inputs&#34;" not in page   # no raw JSON shown
    # the rules and parameters: each rule linked to its row in 规则清单, each parameter to its
    # row and basis in 参数取值
    see = re.search(r'<a href="(/oversight/explanation/assessment_rules[^"]+)"[^>]*>见说明', page)
    rules = oversight.get(see.group(1), cookies=cookies).text
    assert '<a href="/oversight/rule_version?key=' in rules
    assert '<a href="/oversight/parameter_value?path=' in rules and "出处</a>：" in rules
    listing = oversight.get("/oversight/assessment_result", cookies=cookies).text
    assert '<a href="/oversight/explanation/assessment~3AAS1" title="查看计算说明">' in listing
    # A person's assessment is not public, nor its explanation; nor a case's (oversight only).
    assert public.get("/public/explanation/assessment~3AAS1").status_code == 404
    assert public.get("/public/explanation/case_state~3AK001").status_code == 404
    page = oversight.get("/oversight/explanation/case_state~3AK001", cookies=cookies).text
    assert 'class="cadre-explanation"' in page and "计算步骤：</p><ol><li>" in page


def test_a_name_with_a_script_tag_is_shown_escaped(oversight: PublicationClient) -> None:
    cookies = _login(oversight)
    for path in ("/oversight/cadre", "/oversight/cadre/C003",
                 "/oversight/cadre_profile?cadre_id=C003",
                 f"/oversight/search?q={SCRIPT_NAME}"):
        page = oversight.get(path, cookies=cookies).text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page \
            or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, path
        assert SCRIPT_NAME not in page, path


def test_public_level_is_open_and_oversight_requires_a_login(public: PublicationClient,
                                                             oversight: PublicationClient,
                                                             password_hash: str) -> None:
    for path in ("/", "/public", "/public/cadre_generalized", "/public/search?q=玉树",
                 "/public.json"):
        assert public.get(path).status_code == 200, path
    assert public.get("/public/cadre").status_code == 404   # rows about people: oversight only
    for path in ("/", "/oversight", "/oversight/cadre", "/oversight/cadre.json",
                 "/oversight/search?q=玉树", "/oversight.json?sql=select+1",
                 "/oversight.db", "/-/dashboards/cadre-overview"):
        assert oversight.get(path).status_code == 403, path
    assert oversight.get("/-/login").status_code == 200
    wrong = oversight.post("/-/login", data={"username": "oversight", "password": "x"})
    assert wrong.status_code == 200 and "ds_actor" not in wrong.cookies
    cookies = _login(oversight)
    assert oversight.get("/oversight/cadre", cookies=cookies).status_code == 200
    assert NAMES["C002"] in oversight.get("/oversight/cadre", cookies=cookies).text
    shown = oversight.get("/-/metadata.json", cookies=cookies).text
    assert password_hash not in shown and "CADRE_OVERSIGHT_PASSWORD_HASH" in shown


def test_labels_and_settings_reach_the_pages(public: PublicationClient) -> None:
    page = public.get("/public/case_stage_summary").text
    assert "<h1>容错纠错案件办理阶段（汇总）</h1>" in page
    assert '"stage": "\\u9636\\u6bb5"' in page or '"stage": "阶段"' in page   # header relabel
    assert public.json("/-/settings.json")["suggest_facets"] is False
    assert public.json("/public/case_stage_summary.json")["suggested_facets"] == []
    assert public.get("/public/case").status_code == 404   # rows per case: oversight only


WRITE_SQL = [
    "insert into region (code, name, level) values ('1', 'x', '省')",
    "update cadre set post = 'x'",
    "delete from cadre",
    "drop table cadre",
    "create table t (x)",
    "alter table cadre add column x",
    "PRAGMA writable_schema = 1",
    "PRAGMA user_version = 7",
    "attach database ':memory:' as other",
    "select 1; delete from cadre",
    "with x as (select 1) delete from cadre",
]


@pytest.mark.parametrize("sql", WRITE_SQL)
def test_write_sql_is_refused(public: PublicationClient, sql: str) -> None:
    response = public.get("/public.json", params={"sql": sql})
    assert response.status_code == 400 and response.json()["ok"] is False, sql


@pytest.mark.parametrize("path", ["/public/cadre", "/public/cadre/-/insert", "/public/-/create",
                                  "/public/cadre/C001/-/delete", "/public/cadre/C001/-/update",
                                  "/public/search", "/public", "/-/permissions"])
def test_posts_and_other_write_methods_are_refused(public: PublicationClient,
                                                   public_db: Path, path: str) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = public.request(method, path, json={"row": {"id": "X"}})
        assert response.status_code == 405, (method, path)
        assert "只读" in response.text


def test_the_connection_itself_refuses_writes_attach_and_pragma_changes(
        public: PublicationClient, public_db: Path) -> None:
    before = sha256_file(public_db)
    db = public.datasette.get_database("public")
    for sql in ("PRAGMA writable_schema = 1", "ATTACH DATABASE ':memory:' AS other",
                "DELETE FROM unit", "CREATE TEMP TABLE t (x)", "PRAGMA user_version = 7",
                "INSERT INTO search_index (search_index) VALUES ('optimize')"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            public.run(db.execute_fn(lambda conn, sql=sql: conn.execute(sql).fetchall()))
    assert public.run(db.execute("SELECT count(*) FROM unit")).rows[0][0] == 3
    assert sha256_file(public_db) == before


def test_write_actions_are_denied_even_to_root(public: PublicationClient) -> None:
    for action in ("insert-row", "delete-row", "update-row", "create-table", "drop-table",
                   "alter-table"):
        allowed = public.run(public.datasette.permission_allowed(
            {"id": "root"}, action, resource=("public", "cadre"), default=True))
        assert allowed is False, action


def test_a_writable_canned_query_added_by_mistake_changes_nothing(public_db: Path) -> None:
    ds = make_datasette(public_db)
    ds._metadata_local["databases"]["public"]["queries"]["oops"] = {
        "sql": "delete from unit", "write": True}
    before = sha256_file(public_db)
    with PublicationClient(ds) as client:
        assert client.post("/public/oops", data={}).status_code == 405
        assert len(client.json("/public/unit.json?_shape=array")) == 3
    assert sha256_file(public_db) == before


def test_charts_are_configured_for_the_tables_present_and_their_queries_run(
        public: PublicationClient, public_db: Path) -> None:
    from datasette_dashboards import replace_opts_in_query

    meta = json.loads(sidecar(public_db).read_text(encoding="utf-8"))
    board = meta["plugins"]["datasette-dashboards"]["cadre-overview"]
    assert set(board["charts"]) == {"grades-by-region", "cases-by-month", "cases-overdue",
                                    "subsidies-by-prefecture"}
    results = {}
    for slug, chart in board["charts"].items():
        assert chart["db"] == "public" and re.search(r"[\u4e00-\u9fff]", chart["title"])
        for year in ("", "2024"):
            sql = replace_opts_in_query(chart["query"], {"year": year} if year else {})
            params = {"year": year} if year else {}
            results[slug, year] = public.json("/public.json", params={
                "sql": sql, **params, "_shape": "array"})
    # 玉树's two 称职 cadres are fewer than 5: the chart has no number (Vega-Lite leaves it
    # out) and the notice in 备注 (its tooltip)
    hidden = suppressed_text(5)
    assert {"地区": "玉树藏族自治州", "等次": "称职", "人数": None, "备注": hidden} in \
        results["grades-by-region", "2024"]
    assert all(r["人数"] is None and r["备注"] == hidden or r["人数"] == 0 or r["人数"] >= 5
               for r in results["grades-by-region", "2024"])
    # the sample's one application (2024-02) is fewer than 5: hidden
    assert results["cases-by-month", ""] == [{"月份": "2024-02", "申请数": None, "备注": hidden}]
    # the subsidy of 玉树's one cadre is not summed into a chart either
    assert {"市州": "玉树藏族自治州", "项目": "地区附加津贴", "金额": None} in \
        results["subsidies-by-prefecture", ""]
    board_page = public.get("/-/dashboards/cadre-overview")
    # The latest year by default (2024, the sample's last): not every year summed.
    assert board["filters"]["year"]["default"] == "2024"
    assert board_page.status_code == 302 and board_page.headers["location"].endswith("?year=2024")
    assert public.get("/-/dashboards/cadre-overview?year=2024").status_code == 200


def test_a_chart_without_its_source_tables_is_left_out() -> None:
    from cadre_sdk.publish.charts import CHARTS, dashboards

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE case_month_summary (month, applications)")
    config, missing = dashboards(conn, "x")
    assert list(config["cadre-overview"]["charts"]) == ["cases-by-month"]
    assert set(missing) == {c.slug for c in CHARTS} - {"cases-by-month"}
    assert dashboards(sqlite3.connect(":memory:"), "x") == ({}, [c.slug for c in CHARTS])
