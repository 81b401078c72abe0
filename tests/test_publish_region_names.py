"""Regions typed the way readers write them in a canned query's 地区 field: the full name, the
code, or a short form (玉树, 玉树州, 海西州, 西宁, 城中区, 格尔木, Traditional 玉樹), resolved
to the code by the matcher the loaders use for names (``references.find_region``); a text
that names no single region shows, on the page, the regions it may mean instead of an empty
table. Served for real (``cadre serve`` over HTTP; a browser for the form)."""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

import pytest

from cadre_sdk.core.divisions import known
from cadre_sdk.core.region_names import township_short_forms
from cadre_sdk.ingest.references import find_region, short_forms

#: The province's divisions, and two townships of one name in two counties.
REGIONS = [(code, name) for code, (name, _level) in known().items()] + [
    ("630103001", "城关镇"), ("632802001", "城关镇")]


@pytest.mark.parametrize(("typed", "code"), [
    ("玉树州", "632700"), ("海西州", "632800"), ("海西", "632800"), ("西宁", "630100"),
    ("西宁市", "630100"), ("城中区", "630103"), ("城中", "630103"), ("格尔木", "632801"),
    ("大通县", "630121"), ("河南", "632324"), ("大柴旦", "632857"), ("玉树市", "632701"),
    ("海西蒙古族藏族自治州", "632800"), ("632801", "632801"), (" 海 西州 ", "632800"),
    ("ＸＸ", None)])
def test_short_forms_of_the_divisions(typed: str, code: str | None) -> None:
    assert find_region(typed, REGIONS).code == code


def test_a_short_form_a_prefecture_shares_with_its_county_is_the_prefecture() -> None:
    # 玉树 is 玉树藏族自治州 without 藏族自治州 and 玉树市 without 市: the prefecture, and
    # the county-level city is named as the other region meant
    for typed in ("玉树", "玉樹"):
        found = find_region(typed, REGIONS)
        assert (found.code, found.candidates) == ("632700", (("632701", "玉树市"),))


def test_names_two_regions_share_and_unknown_names_list_candidates() -> None:
    shared = find_region("城关镇", REGIONS)
    assert shared.code is None and shared.ambiguous
    assert shared.candidates == (("630103001", "城关镇"), ("632802001", "城关镇"))
    near = find_region("城", REGIONS)   # no name, no short form: the names holding it
    assert near.code is None and not near.ambiguous
    assert {"城东区", "城中区", "城西区", "城北区"} <= {n for _, n in near.candidates}


def test_short_forms_are_unique_but_for_yushu() -> None:
    keys = [k for _, n in REGIONS if n != "城关镇" for k in short_forms(n)]
    assert sorted({k for k in keys if keys.count(k) > 1}) == ["玉树"]
    assert short_forms("海西蒙古族藏族自治州") == ["海西", "海西州"]
    assert short_forms("循化撒拉族自治县") == ["循化", "循化县"]
    assert short_forms("结古街道") == [] and short_forms("城区") == []


#: Townships of the sample: 唐古拉山镇 (格尔木市), a 民族乡, and one whose stem is a county's.
TOWNS = [("632801101", "唐古拉山镇"), ("630121201", "宗家藏族乡"), ("632801102", "大通镇")]


@pytest.mark.parametrize(("typed", "code"), [
    ("唐古拉山", "632801101"), ("唐古拉山镇", "632801101"), ("宗家", "630121201"),
    ("宗家乡", "630121201"), ("宗家藏族乡", "630121201")])
def test_a_township_is_read_without_its_suffix(typed: str, code: str | None) -> None:
    assert find_region(typed, REGIONS + TOWNS).code == code


def test_a_township_short_form_several_share_lists_them() -> None:
    shared = find_region("城关", REGIONS + TOWNS)
    assert shared.code is None and shared.ambiguous
    assert shared.candidates == (("630103001", "城关镇"), ("632802001", "城关镇"))
    assert township_short_forms("结古街道") == [] and township_short_forms("新乡") == []


def test_township_short_forms_change_nothing_that_resolved_before() -> None:
    """Every division's name and short form resolves as without townships; a township whose
    stem a county is written as (大通镇: 大通) is only named beside the county."""
    regions = REGIONS + TOWNS
    for code, name in REGIONS:
        if len(code) > 6:
            continue
        for typed in (name, *short_forms(name)):
            before, after = find_region(typed, REGIONS), find_region(typed, regions)
            assert after.code == before.code, typed
            if typed != "大通":
                assert after.candidates == before.candidates, typed
    found = find_region("大通", regions)
    assert (found.code, found.candidates) == ("630121", (("632801102", "大通镇"),))
    found = find_region("玉树", regions)
    assert (found.code, found.candidates) == ("632700", (("632701", "玉树市"),))
    assert find_region("海西州", regions).code == "632800"
    assert find_region("格尔木", regions).code == "632801"


def _page(url: str, query: str, region: str) -> str:
    with urllib.request.urlopen(f"{url}/public/{query}?year=2024&region="
                                f"{urllib.parse.quote(region)}") as response:
        return response.read().decode()


def _notes(page: str) -> list[str]:
    return re.findall(r'<p class="message-(?:info|warning) cadre-note">(.*?)</p>', page)


def _units(url: str, region: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/public/assessment_scorecard_by_unit.json?year=2024"
                                f"&region={urllib.parse.quote(region)}&_shape=array") as r:
        return [row["单位代码"] for row in json.load(r)]


def test_served_queries_take_short_forms(public_url: str) -> None:
    # the sample's units: U001 in 玉树藏族自治州 (632700), U002 in 城东区 (630102, 西宁市),
    # U003 in 结古街道 (632701100, 玉树市)
    assert sorted(_units(public_url, "玉树州")) == ["U001", "U003"]
    assert sorted(_units(public_url, "玉樹")) == ["U001", "U003"]
    assert _units(public_url, "西宁") == ["U002"] == _units(public_url, "城东")
    assert _units(public_url, "玉树市") == ["U003"]
    page = _page(public_url, "assessment_scorecard_by_unit", "西宁市")
    assert 'name="region" value="西宁市"' in page and not _notes(page)
    assert "城东区人民政府" in page
    yushu = _page(public_url, "assessment_scorecard_by_unit", "玉树")
    assert _notes(yushu) == ["地区“玉树”按玉树藏族自治州（632700）查询；要查玉树市（632701），"
                             "请选择或填写其完整名称或代码。"]
    assert "玉树州农牧局" in yushu and "结古街道办事处" in yushu


def test_a_region_not_found_shows_the_candidates_not_an_empty_table(public_url: str) -> None:
    page = _page(public_url, "assessment_scorecard_by_unit", "城")
    assert _notes(page) == ["地区“城”不是本发布中的地区名称、简称或代码。最接近的有：城东区（630102）、"
                            "城中区（630103）、城北区（630105）、城西区（630104）。"
                            "请在下拉列表中选择，或填写完整名称或地区代码。"]
    assert 'class="zero-results"' not in page and '<table class="rows-and-columns">' not in page
    assert '<p class="message-warning cadre-note">' in page
    unknown = _page(public_url, "assessment_grade_distribution", "乌有乡")
    assert _notes(unknown) == ["地区“乌有乡”不是本发布中的地区名称、简称或代码。"
                               "请在下拉列表中选择，或填写完整名称或地区代码。"]


@pytest.mark.browser
@pytest.mark.slow
def test_a_reader_types_a_short_form_in_the_form(public_url: str, page: Any) -> None:
    """The 地区 field is typed into (the names suggested): 玉树州 asks for the prefecture and
    the field then shows its name; 城 names no single region and the page lists the ones it
    may mean instead of an empty table."""
    page.goto(f"{public_url}/public/assessment_scorecard_by_unit?year=2024&region=")
    field = page.locator("form.sql input[name=region]")
    suggested = page.locator(f"datalist#{field.get_attribute('list')} option")
    assert "玉树藏族自治州" in [o.get_attribute("value") for o in suggested.all()]
    field.fill("玉树州")
    with page.expect_navigation():
        page.locator("form.sql input[type=submit]").click()
    assert "region=" in page.url
    assert page.locator("form.sql input[name=region]").input_value() == "玉树藏族自治州"
    answer = page.locator("table.rows-and-columns").inner_text()
    assert "玉树州农牧局" in answer and "结古街道办事处" in answer and "城东区人民政府" not in answer
    page.locator("form.sql input[name=region]").fill("城")
    with page.expect_navigation():
        page.locator("form.sql input[type=submit]").click()
    note = page.locator("p.cadre-note").inner_text()
    assert note.startswith("地区“城”不是本发布中的地区名称、简称或代码。最接近的有：城东区（630102）")
    assert page.locator("table.rows-and-columns").count() == 0
    assert page.locator("p.zero-results").count() == 0


def test_a_township_is_the_township_not_its_county(public_url: str) -> None:
    """A township (结古街道 632701100, of 玉树市), typed by name or code, answers for its
    own units only, and the page says so and how to ask for its county."""
    assert _units(public_url, "结古街道") == ["U003"] == _units(public_url, "632701100")
    note = ("地区“{}”是乡镇（街道）结古街道（632701100，玉树市）：只列该乡镇本身的记录，按县及以上"
            "地区统计的数字没有乡镇一级。要查玉树市（632701）全部，请选择或填写其名称或代码。")
    for typed in ("结古街道", "632701100"):
        assert _notes(_page(public_url, "assessment_scorecard_by_unit", typed)) == [
            note.format(typed)]
    # counted by county and above: no row for a township (not its county's rows)
    page = _page(public_url, "assessment_scorecard_by_region", "结古街道")
    assert "玉树市" not in page.split('cadre-note">')[-1].split("</p>")[-1]


@pytest.mark.parametrize(("region", "units"), [
    ("630102102", ["T1"]), ("630102", ["C1", "T1", "T2"]), ("630100", ["C1", "T1", "T2"]),
    ("630000", ["C1", "P1", "T1", "T2"]), ("", ["C1", "P1", "T1", "T2"])])
def test_in_region_takes_a_township_as_itself(region: str, units: list[str]) -> None:
    """The assessment queries' region filter: a township code matches that township's units,
    never the other units of its county (城东区's department, its other township)."""
    import sqlite3

    from cadre_sdk.defaults.assessment_queries import in_region

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE u (code TEXT, region_code TEXT)")
    db.executemany("INSERT INTO u VALUES (?, ?)", [
        ("C1", "630102"), ("T1", "630102102"), ("T2", "630102101"), ("P1", "632800")])
    got = [r[0] for r in db.execute(f"SELECT code FROM u WHERE {in_region('region_code')} "
                                    "ORDER BY code", {"region": region})]
    assert got == units


def test_the_page_reads_a_township_without_its_suffix() -> None:
    """The canned query's 地区 field: 唐古拉山 is 唐古拉山镇 (its code, and the township note);
    城关 lists the two 城关镇; 大通 stays the county, the township named beside it."""
    from cadre_sdk.publish.pages import regions_for_names

    options = REGIONS + TOWNS
    params = frozenset({"region"})
    query, notes = regions_for_names("year=2024&region=唐古拉山", params, options)
    assert query == "year=2024&region=632801101"
    assert notes == [("地区“唐古拉山”是乡镇（街道）唐古拉山镇（632801101，格尔木市）：只列该乡镇本身的记录，"
                      "按县及以上地区统计的数字没有乡镇一级。要查格尔木市（632801）全部，请选择或填写其名称或代码。",
                      True)]
    query, notes = regions_for_names("region=城关", params, options)
    assert query == "region=城关" and notes[0][1] is False
    assert notes[0][0].startswith("地区“城关”可指 2 个地区：城关镇（630103001，城中区）、城关镇（632802001，")
    query, notes = regions_for_names("region=大通", params, options)
    assert query == "region=630121"
    assert notes == [("地区“大通”按大通回族土族自治县（630121）查询；要查大通镇（632801102，格尔木市），"
                      "请选择或填写其完整名称或代码。", True)]
