"""Readers see rules by their Chinese names, not their codes: the staffing-rule breaches
(oversight query and table, the public summary), the explanations (their ids, titles and the
rules they applied), and the audit tables' kinds, steps and units. Codes stay in the file for
SQL and show on hover. Read from a real ``cadre serve`` over HTTP."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from test_publish_support import PASSWORD

from cadre_sdk.publish.metadata import sidecar

#: The sample's one breach: 玉树州农牧局 (U001) has no leader with township leadership.
RULE = "市州农牧、民政、水利、扶贫部门领导班子至少配备一名有乡镇领导经历的干部"
CODE = "rural_team_township_leader"
#: The words readers may not meet where they read (codes of rules and kinds, English keys).
CODES = (CODE, "county_head_township_work", "adjust_incompetent", "staffing_breach",
         "scorecard", "min_count", "k_anonymity", "publication_threshold")


def visible(page: str) -> str:
    """What a reader reads: the page without scripts, styles, the (hidden) SQL, tags and
    their attributes (hover titles, links)."""
    page = re.sub(r"<(script|style|pre|textarea)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def cells(page: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


@pytest.fixture(scope="module")
def oversight(oversight_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=oversight_url, timeout=10) as http:
        token = re.search(r'name="csrftoken" value="([^"]+)"',
                          http.get("/-/login").text).group(1)
        login = http.post("/-/login", data={"username": "oversight", "password": PASSWORD,
                                            "csrftoken": token})
        assert login.status_code == 302
        yield http


@pytest.fixture(scope="module")
def public(public_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=public_url, timeout=10) as http:
        yield http


def test_the_breaches_query_names_the_rule(oversight: httpx.Client) -> None:
    page = oversight.get("/oversight/staffing_breaches", params={"region": ""}).text
    shown = visible(page)
    assert RULE in shown and "规则代码" not in shown
    assert not [c for c in CODES if c in shown]
    # its explanation link reads 配备规则核查结果:<rule>:U001 and leads to the stored id
    link = re.search(r'<a href="([^"]+)" title="查看计算说明">([^<]+)</a>', page)
    assert link.group(1) == f"/oversight/explanation/staffing_breach~3A{CODE}~3AU001"
    assert link.group(2) == f"配备规则核查结果:{RULE}:U001"
    rows = oversight.get("/oversight/staffing_breaches.json",
                         params={"region": "", "_shape": "array"}).json()
    assert [(r["规则"], r["单位代码"]) for r in rows] == [(RULE, "U001")]
    assert "规则代码" not in rows[0]


def test_the_breach_table_shows_the_name_with_the_code_on_hover(
        oversight: httpx.Client) -> None:
    page = oversight.get("/oversight/staffing_breach").text
    assert f'<span title="规则代码 {CODE}">{RULE}</span>' in cells(page)
    # the link to the row reads the rule's name too (its address keeps the code)
    assert f'<a href="/oversight/staffing_breach/{CODE},U001">{RULE},U001</a>' in cells(page)
    assert not [c for c in CODES if c in visible(page.split("<tbody>")[1].split("</tbody>")[0])]
    # the explanations' list: each id in Chinese words, linked by its stored id
    listed = cells(oversight.get("/oversight/explanation", params={"kind": "staffing_breach"}).text)
    assert (f'<a href="/oversight/explanation/staffing_breach~3A{CODE}~3AU001">'
            f'配备规则核查结果:{RULE}:U001</a>') in listed
    # the JSON (SQL readers) keeps the code
    rows = oversight.get("/oversight/staffing_breach.json", params={"_shape": "array"}).json()
    assert [r["rule_code"] for r in rows] == [CODE]


def test_explanations_name_the_rule_and_its_region(oversight: httpx.Client) -> None:
    page = oversight.get(f"/oversight/explanation/staffing_breach~3A{CODE}~3AU001").text
    assert f"<title>计算说明：配备规则核查结果:{RULE}:U001</title>" in page
    shown = visible(page)
    # the rule is the province's (630000)
    assert '（管辖：<span title="地区代码 630000">青海省</span>）' in page
    assert not [c for c in CODES if c in shown], [c for c in CODES if c in shown]
    assert f'title="规则键 {CODE}"' in page      # on hover
    # a scorecard's explanation link: 年度考核成绩单:单位:U001:2024, not scorecard:unit:…
    card = oversight.get("/oversight/assessment_scorecard_by_unit",
                         params={"year": "2024", "region": ""}).text
    assert ('<a href="/oversight/explanation/scorecard~3Aunit~3AU001~3A2024" '
            'title="查看计算说明">年度考核成绩单:单位:U001:2024</a>') in card


def test_audit_tables_show_kinds_steps_and_units_in_chinese(oversight: httpx.Client) -> None:
    rules = oversight.get("/oversight/rule_version", params={"kind": "staffing"}).text
    assert "配备规则" in cells(rules) and "staffing" not in cells(rules)
    thresholds = oversight.get("/oversight/rule_version.json", params={
        "kind": "publication_threshold", "_shape": "array"}).json()
    assert {r["key"]: r["title"] for r in thresholds}["min_count"] == "人数单元格公开的最少人数"
    steps = set(cells(oversight.get("/oversight/provenance", params={"_size": "max"}).text))
    assert {"导入", "测算", "发布"} <= steps and not {"load", "evaluate", "publish"} & steps
    values = cells(oversight.get("/oversight/parameter_value",
                                 params={"unit": "percent"}).text)
    assert "百分比（%）" in values and "percent" not in values


def test_the_public_summary_names_the_rule(public: httpx.Client) -> None:
    page = public.get("/public/staffing_breach_summary", params={"region": ""}).text
    shown = visible(page)
    assert RULE in shown and "规则代码" not in shown
    assert not [c for c in CODES if c in shown]
    thresholds = public.get("/public/rule_version.json", params={
        "kind": "publication_threshold", "_shape": "array"}).json()
    assert sorted(r["title"] for r in thresholds) == sorted([
        "测评票数公开的最少参评人数", "人数单元格公开的最少人数",
        "平均数、比例、金额背后的最少干部人数", "概化记录中准标识符组合的最少共有人数（k）"])


def test_explanation_texts_name_rules_and_parameters(oversight: httpx.Client) -> None:
    # 廉福章 (C002) worked at 结古街道 (3,700 m) in 2024 with no health check: the rule
    # 高海拔乡镇干部每年体检 and its parameter care.high_altitude_m (its description in
    # parameters/staffing.yaml) by name in the query's 说明, as on the explanation's page
    rows = oversight.get("/oversight/care_gaps.json", params={
        "year": "2024", "region": "", "_shape": "array"}).json()
    text = next(r["说明"] for r in rows if r["干部编号"] == "C002")
    assert "  · 高海拔乡镇干部每年体检，插件 cadre_sdk.defaults.staffing，管辖 630000" in text
    assert "  · 视为高海拔乡镇岗位的海拔下限（米），用于列出当年无体检记录的高海拔乡镇干部 = 3500，" in text
    assert "high_altitude" not in text
    # a subsidy line: 地区附加津贴 of 四类地区 (regional_allowance.class_4 = 250 元)
    lines = oversight.get("/oversight/subsidy_ledger.json", params={
        "month": "2024-01", "region": "", "cadre": "C002", "_shape": "array"}).json()
    line = next(r for r in lines if r["补贴方案"] == "地区附加津贴")
    assert "  · 四类地区月额 = 250，" in line["说明"] and "class_4 =" not in line["说明"]
    page = oversight.get("/oversight/explanation/" + line["说明编号"].replace(":", "~3A")).text
    assert '<li><span title="参数路径 regional_allowance.class_4">四类地区月额</span> = 250，' in page
    names = {r["path"]: r["description"] for r in oversight.get(
        "/oversight/parameter_value.json", params={"_shape": "array", "_size": "max"}).json()}
    assert names["regional_allowance.class_4"] == "四类地区月额"


def test_no_query_speaks_of_its_parameters_in_english(public_db: Path, oversight_db: Path) -> None:
    # (参数：region 地区代码 was written in four summaries' descriptions)
    for db in (public_db, oversight_db):
        queries = json.loads(sidecar(db).read_text("utf-8"))["databases"][db.stem]["queries"]
        for name, q in queries.items():
            words = set(re.findall(r"[A-Za-z_]{2,}", q["title"] + q["description"]))
            assert not words - {"SQL", "cadre", "sdk"}, (db.stem, name, words)
