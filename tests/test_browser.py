"""What a person sees in a real browser (Debian's headless Chromium through Playwright): a table
page, the scorecard, a search typed into the form, the oversight login and the cadre profile."""
from __future__ import annotations

from typing import Any

import pytest

from test_publish_support import NAMES, PASSWORD, SCRIPT_NAME

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def test_public_pages_in_a_browser(public_url: str, page: Any) -> None:
    url = public_url
    # cases are public only as counts (the sample's one case: fewer than 5, hidden)
    page.goto(f"{url}/public/case_stage_summary")
    assert page.locator("h1").inner_text() == "容错纠错案件办理阶段（汇总）"
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    shown = {h.replace("▼", "").replace("▲", "").strip() for h in headers}   # sort arrows
    assert {"层级", "地区", "阶段", "状态", "案件数"} <= shown and "案件编号" not in shown
    assert "少于 5 人，不公开" in page.locator("table.rows-and-columns").inner_text()

    page.goto(f"{url}/public/assessment_scorecard_by_unit?year=2024&region=")
    assert "年度考核成绩单（按单位）" in page.locator("h1").inner_text()
    assert "玉树州农牧局" in page.locator("table.rows-and-columns").inner_text()

    page.goto(f"{url}/public/search")
    page.fill("input[name=q]", "玉樹")          # typed in Traditional characters
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_selector("table.rows-and-columns")
    results = page.locator("table.rows-and-columns").inner_text()
    # units are found; a person's achievement (玉树抗震救灾……) is an oversight row
    assert "玉树州农牧局" in results and "玉树抗震救灾中组织群众转移安置" not in results
    with page.expect_navigation():   # loaded: the relabelling script has run
        page.get_by_role("link", name="单位 U001").click()
    assert page.locator("h1").inner_text() == "单位：U001"
    assert all(name not in page.content() for name in NAMES.values())


def test_oversight_login_profile_and_an_escaped_name(oversight_url: str, page: Any) -> None:
    url = oversight_url
    assert page.goto(f"{url}/oversight/cadre").status == 403
    page.goto(f"{url}/-/login")
    page.fill("input[name=username]", "oversight")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():   # the login's redirect has set the cookie
        page.locator("form input[type=submit]").click()
    page.goto(f"{url}/oversight/cadre")
    table = page.locator("table.rows-and-columns").inner_text()
    assert SCRIPT_NAME in table and NAMES["C002"] in table   # shown as text, not run
    assert page.dialogs == []

    page.goto(f"{url}/oversight/cadre_profile?cadre_id=C002")
    assert page.locator("h1").inner_text().startswith("干部档案")
    profile = page.locator("table.rows-and-columns").inner_text()
    assert "姓名：廉福章" in profile and "街道党工委书记" in profile
    with page.expect_navigation():   # content() does not wait for the next page
        page.get_by_role("link", name="实绩记录 A003").click()
    page.wait_for_load_state()
    assert "玉树抗震救灾中组织群众转移安置" in page.content()
