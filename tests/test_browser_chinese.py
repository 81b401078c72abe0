"""The publication's pages in Chinese, as a reader sees them in a real browser (Debian's
headless Chromium through Playwright): the public home, a table, a canned query, the login page
and an explanation show no English word in their chrome (navigation, controls, headings, tab
titles, footer), the public level has no login link, and an explanation reads as steps."""
from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Proper names and abbreviations a Chinese page may show as they are.
ALLOWED = {"datasette", "sql", "csv", "json", "sqlite", "sha-256", "utc", "mb", "kb",
           "cadre-sdk", "like", "glob", "windows"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")
#: The chrome: everything shown but the data (cells, code and commands quoted as they are).
_CHROME_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("td, code, pre, script, style, datalist, option:not(:checked)")
      .forEach(e => e.remove());
  document.body.appendChild(copy);
  copy.style.display = "block";
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def english_words(page: Any) -> set[str]:
    """English words (letters, not codes made of digits) in the page's chrome and tab title."""
    text = page.evaluate(_CHROME_TEXT) + "\n" + page.title()
    text = text.replace("GB/T", "")   # a national standard's designation (GB/T 2260)
    # Unit codes, ids and hashes are data (U001, KH2024-0001, 6e3a…), not words.
    words = {w for w in _WORD.findall(text) if not re.search(r"\d", w)}
    return {w for w in words if w.lower() not in ALLOWED}


def test_public_pages_have_chinese_chrome(public_url: str, page: Any) -> None:
    url = public_url
    page.goto(f"{url}/")
    assert english_words(page) == set()
    assert page.locator('a[href$="/-/login"]').count() == 0   # no login at public level
    assert "青海省干部激励数据发布" in page.title()

    page.goto(f"{url}/public/region")
    assert page.title().startswith("地区")
    assert english_words(page) == set()
    page.locator("th[data-column=level] .dropdown-menu-icon").click()
    page.get_by_text("升序排列").wait_for(state="visible")      # table.js's column menu

    page.goto(f"{url}/public/assessment_scorecard_by_unit?year=2024&region=")
    assert page.title() == "年度考核成绩单（按单位）"              # not the SQL
    assert english_words(page) == set()
    labels = page.locator("form.sql label").all_inner_texts()
    assert "年度" in labels and any(t.startswith("地区") for t in labels)
    names = page.locator("form.sql datalist option").evaluate_all(
        "options => options.map(o => o.value)")
    assert "玉树藏族自治州" in names                                 # typed, names suggested

    page.goto(f"{url}/-/dashboards/cadre-overview")     # redirected to the latest year
    assert page.url.endswith("?year=2024") and page.title() == "监督看板"
    assert english_words(page) == set()

    # (a case's explanation with its steps is oversight-only now: the training coverage's
    # cites its rules and parameters)
    page.goto(f"{url}/public/explanation/training_coverage~3A2024")
    page.wait_for_selector(".cadre-explanation")
    assert english_words(page) == set()
    assert "参数及依据：" in page.locator(".cadre-explanation").inner_text()
    raw = page.get_by_role("link", name="原始数据")
    assert raw.get_attribute("href").endswith(".json")


def test_the_login_page_is_chinese(oversight_url: str, page: Any) -> None:
    url = oversight_url
    page.goto(f"{url}/-/login")
    assert page.title() == "登录"
    assert english_words(page) == set()
    page.fill("input[name=username]", "oversight")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.locator("form input[type=submit]").click()
    assert "用户名或密码错误" in page.content()
    assert english_words(page) == set()
    response = page.goto(f"{url}/oversight/cadre")
    assert response.status == 403 and english_words(page) == set()
