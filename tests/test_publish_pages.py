"""What the publication's pages show readers (in-process Datasette): amounts with 元 and
thousands separators, shares with %, yes/no as 是/否, indicator names for codes, region
pickers by name in canned queries with names typed for codes, and the version in the footer."""
from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from datasette.utils import tilde_encode
from test_publish_support import PASSWORD

from cadre_sdk.publish.testing import PublicationClient


@pytest.fixture(scope="module")
def public(public_db: Path) -> Iterator[PublicationClient]:
    with PublicationClient(public_db) as client:
        yield client


@pytest.fixture(scope="module")
def oversight(oversight_db: Path, password_hash: str) -> Iterator[PublicationClient]:
    """The oversight publication, logged in (its tables hold the rows per person)."""
    with PublicationClient(oversight_db) as client:
        login = client.post("/-/login", data={"username": "oversight", "password": PASSWORD})
        client.cookies = {"ds_actor": login.cookies["ds_actor"]}
        yield client


def _cells(page: str, column: str) -> list[str]:
    return re.findall(rf'<td class="col-{column} [^"]*">(.*?)</td>', page, re.DOTALL)


def test_amounts_shares_and_yes_no_are_formatted(oversight: PublicationClient) -> None:
    get = oversight.get
    totals = get("/oversight/subsidy_totals?region_level=市州&scheme=地区附加津贴",
                 cookies=oversight.cookies).text
    assert _cells(totals, "amount") == ["250.00 元", "250.00 元"]   # stored as 250.0
    ledger = get("/oversight/subsidy_ledger?month=&region=&cadre=C002",   # a canned query
                 cookies=oversight.cookies).text
    assert "250.00 元" in ledger
    cadres = get("/oversight/cadre", cookies=oversight.cookies).text
    assert {c.strip() for c in _cells(cadres, "is_leader")} == {"是", "否"}   # 1/0 in the file
    shares = _cells(get("/oversight/evaluation_summary", cookies=oversight.cookies).text,
                    "excellent_share")
    assert "66.7%" in shares                                    # stored as 66.7 (per cent)
    # the JSON answers keep the numbers as they are
    rows = oversight.json("/oversight/evaluation_summary.json?_shape=array",
                          cookies=oversight.cookies)
    assert 66.7 in [r["excellent_share"] for r in rows]


def test_thousands_are_separated() -> None:
    from cadre_sdk.publish import chrome

    assert chrome.amount(39380.0) == "39,380.00 元"
    assert chrome.amount(True) is None and chrome.amount("x") is None
    assert chrome.percent(12.5) == "12.5%" and chrome.yes_no(1) == "是"
    assert chrome.yes_no(0) == "否" and chrome.yes_no(2) is None


def test_indicator_codes_show_their_chinese_names(public: PublicationClient,
                                                  oversight: PublicationClient) -> None:
    page = oversight.get("/oversight/indicator_score", cookies=oversight.cookies).text
    assert '<span title="指标代码 de">德</span>' in page
    names = public.json("/public/indicator.json?_shape=array")
    assert {"code": "de", "name": "德"} in [{"code": r["code"], "name": r["name"]}
                                             for r in names]


def test_region_picker_by_name_and_names_for_codes(public: PublicationClient) -> None:
    page = public.get("/public/assessment_scorecard_by_unit?year=2024&region=").text
    assert "<title>年度考核成绩单（按单位）</title>" in page         # not the SQL
    # typed, the names suggested (each with its code)
    assert '<option value="玉树藏族自治州">632700</option>' in page
    assert re.search(r'<input type="text" id="qp\d" name="region" value=""\s+list="qp\d-names"', page)
    assert re.search(r'<label for="qp\d" title="year">年度</label>', page)
    by_code = public.json("/public/assessment_scorecard_by_unit.json?year=2024&region=632700"
                          "&_shape=array")
    by_name = public.json("/public/assessment_scorecard_by_unit.json?year=2024"
                          "&region=玉树藏族自治州&_shape=array")
    assert by_code and by_name == by_code
    chosen = public.get("/public/assessment_scorecard_by_unit?year=2024&region=玉树藏族自治州").text
    assert 'name="region" value="玉树藏族自治州"' in chosen


def test_every_page_names_its_version(public: PublicationClient, public_db: Path) -> None:
    sha = public_db.with_name(public_db.name + ".sha256").read_text().split()[0]
    for path in ("/", "/public", "/public/case", "/public/search?q=玉树", "/-/login"):
        assert f'<code class="cadre-version" title="文件的 SHA-256">{sha}</code>' in \
            public.get(path).text, path


def test_no_login_link_at_public_level(public: PublicationClient) -> None:
    for path in ("/", "/public", "/public/case"):
        assert "/-/login" not in public.get(path).text, path


def test_row_titles_name_tables_and_kinds_in_chinese(oversight: PublicationClient) -> None:
    # Rules explanations are cited by persons' assessments, so they are published at oversight
    # level only (the public level keeps only explanations a published row cites).
    shared = oversight.json("/oversight.json?sql=SELECT id FROM explanation WHERE kind = "
                            "'assessment_rules' LIMIT 1&_shape=array",
                            cookies=oversight.cookies)[0]["id"]
    page = oversight.get(f"/oversight/explanation/{shared.replace(':', '~3A')}",
                         cookies=oversight.cookies).text
    assert f"<title>计算说明：考核规则与参数:{shared.split(':', 1)[1]}</title>" in page
    assert _cells(page, "kind") == ["考核规则与参数"]
    # a table's method: the table's title, 计算方法, in the heading and the cells
    method = oversight.get("/oversight/explanation/subsidy_totals~3Amethod",
                           cookies=oversight.cookies).text
    assert "<title>计算说明：补贴汇总:计算方法</title>" in method
    assert _cells(method, "kind") == ["补贴汇总"]
    # the kind column of the table page, too; its JSON keeps the stored kind
    listed = oversight.get("/oversight/explanation?kind=subsidy_totals",
                           cookies=oversight.cookies).text
    assert set(_cells(listed, "kind")) == {"补贴汇总"}
    assert {r["kind"] for r in oversight.json(
        "/oversight/explanation.json?kind=subsidy_totals&_shape=array",
        cookies=oversight.cookies)} == {"subsidy_totals"}


def test_generated_columns_and_keyed_tables_show_the_stores_values(
        oversight: PublicationClient, sample_store: Path) -> None:
    """The oversight level keeps the store's generated columns VIRTUAL and stores a table
    without other indexes (the votes) WITHOUT ROWID: table pages, facets and row pages by
    key still show the store's values."""
    store = sqlite3.connect(f"file:{sample_store}?mode=ro", uri=True)
    get = functools.partial(oversight.json, cookies=oversight.cookies)
    # a generated column faceted on: the same kinds and counts as the store's
    facet = get("/oversight/explanation.json?_facet=kind&_size=0")["facet_results"]["kind"]
    assert ({r["value"]: r["count"] for r in facet["results"]}
            == dict(store.execute("SELECT kind, count(*) FROM explanation GROUP BY kind")))
    # generated columns on a table page, in the store's order
    rows = get("/oversight/assessment_result.json?_shape=array&_sort=assessment_id")
    assert rows and [(r["assessment_id"], r["pool"], r["grading_plugin"], r["explanation_id"])
                     for r in rows] == store.execute(
        "SELECT assessment_id, pool, grading_plugin, explanation_id FROM assessment_result "
        "ORDER BY assessment_id LIMIT ?", [len(rows)]).fetchall()
    # a row of the votes by its two-column key
    aid, method, participants = store.execute(
        "SELECT assessment_id, method, participants FROM evaluation ORDER BY 1, 2").fetchone()
    row = get(f"/oversight/evaluation/{tilde_encode(aid)},{tilde_encode(method)}.json"
              "?_shape=objects")["rows"]
    assert [(r["assessment_id"], r["method"], r["participants"]) for r in row] == [
        (aid, method, participants)]


@pytest.mark.parametrize(("query", "written", "stored"), [
    # the form's label says 半年（上/下）: every way of writing the first half of 2024
    ("adjustment_inventory?half=", ("2024上", "2024年上半年", "2024h1", "２０２４Ｈ１"), "2024H1"),
    # months as clerks write them
    ("subsidy_ledger?month=", ("2024.01", "2024年1月", "202401", "2024.1"), "2024-01"),
    # a year with 年, full-width digits
    ("inspection_records?source=&year=", ("2024年", "２０２４"), "2024"),
    # a source in Traditional characters (stored Simplified)
    ("inspection_records?year=2024&source=", ("工作調研", " 工作调研 "), "工作调研"),
    # a cadre by name (the one 廉福章) where the query takes the id
    ("subsidy_ledger?cadre=", ("廉福章", " 廉福章 "), "C002"),
])
def test_parameters_as_readers_write_them_answer_as_the_stored_form(
        oversight: PublicationClient, query: str, written: tuple[str, ...], stored: str) -> None:
    def rows(value: str) -> list:
        path = f"/oversight/{query.replace('?', '.json?')}{value}&_shape=array"
        return oversight.json(path, cookies=oversight.cookies)

    expected = rows(stored)
    assert expected                          # the sample has rows for the stored form
    for value in written:
        assert rows(value) == expected, value


def test_explanations_read_in_sql_name_the_indicators(oversight: PublicationClient) -> None:
    # cadre_explain(json) reads as the explanation page does: 德 92, not {"de": 92}
    rows = oversight.json("/oversight.json?sql=SELECT cadre_explain(json) AS t FROM explanation "
                          "WHERE kind = 'assessment' AND t LIKE '%指标得分：%' LIMIT 5"
                          "&_shape=array", cookies=oversight.cookies)
    assert rows
    for row in rows:
        scores = next(line for line in row["t"].splitlines() if "指标得分：" in line)
        assert "{" not in scores and re.search(r"[德能勤绩廉] \d", scores), scores


def test_a_scorecard_says_yes_or_no_to_its_quota(public: PublicationClient) -> None:
    # quota_compliant is stored 1/0: the scorecard query and table read 是/否
    from datasette.utils import to_css_class

    page = public.get("/public/assessment_scorecard_by_unit?year=2024&region=").text
    cells = re.findall(rf'<td class="col-{to_css_class("是否名额合规")}[^"]*">(.*?)</td>', page,
                       re.DOTALL)
    assert cells and {c.strip() for c in cells} <= {"是", "否"}, cells
    table = public.get("/public/scorecard?year=2024").text
    assert {c.strip() for c in _cells(table, "quota_compliant")} <= {"是", "否"}
    assert _cells(table, "quota_compliant")


def test_the_columns_datasette_adds_are_in_chinese(oversight: PublicationClient) -> None:
    # subsidy_line is keyed by several columns: its first column links each row ("Link")
    page = oversight.get("/oversight/subsidy_line", cookies=oversight.cookies).text
    header = re.search(r'<th [^>]*data-column="Link"[^>]*>(.*?)</th>', page, re.DOTALL)
    assert header and header.group(1).strip() == "记录", header


def test_a_parameter_value_s_status_reads_in_chinese(public: PublicationClient) -> None:
    page = public.get("/public/parameter_value?_size=max").text
    statuses = {c.strip() for c in _cells(page, "status")}
    assert statuses and statuses <= {"官方依据", "参照适用", "示例值", "未核实"}, statuses
    # the JSON keeps the stored word
    rows = public.json("/public/parameter_value.json?_shape=array&_size=5")
    assert {r["status"] for r in rows} <= {"official", "analogy", "example", "unverified"}


def test_an_empty_year_is_named_when_a_query_finds_nothing(public: PublicationClient) -> None:
    empty = public.get("/public/assessment_scorecard_by_unit?year=&region=").text
    assert "没有结果。未填写：年度——本查询可能须填写后才有结果" in empty
    # a year given that has no rows: just 没有结果
    none = public.get("/public/assessment_scorecard_by_unit?year=1990&region=").text
    assert '<p class="zero-results">没有结果</p>' in none


def test_a_public_query_page_asks_for_no_table_the_file_has_not(public_db: Path, capfd) -> None:
    """The public file has no cadre table: the names readers may type for a cadre are not
    looked for there (Datasette writes a failing query to the log as an ERROR)."""
    with PublicationClient(public_db) as client:   # its own: the pickers are read once
        page = client.get(f"/{client.database}/assessment_grade_distribution?year=2024")
    assert page.status_code == 200
    assert "no such table" not in capfd.readouterr().err
