"""What oversight readers read of amended data, from a real ``cadre serve`` over HTTP: the
subsidy ledger's 参数版本 names each parameter in Chinese with its date (a stored parameter
file's value with its file), the raw ``path@start`` staying in the JSON and on hover; and the
cadre profile marks a corrected case event and says what each correction (更正) changed, as
the query 容错案件事件及更正 does.

The store is the publication tests' sample (``test_publish_support``) with two corrections of
K001's 受理 (王芳 C004) and a provincial file raising 四类地区's 地区附加津贴 from 2024-02-01
(结古街道, where 廉福章 C002 works, is 四类)."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from datasette.utils import to_css_class

from cadre_sdk.core.parameter_versions import entries
from cadre_sdk.publish import publish
from cadre_sdk.store.stored_parameters import add_parameter_file
from cadre_sdk.testing import evaluate_all, load_rows, make_db, make_plugins
from test_publish_support import AS_OF, PASSWORD, PUBLISH_DAY, SAMPLE, cadre_serve

RATES = "qh-2024-地区附加津贴（测试）.yaml"
RATES_TEXT = """\
metadata: {rule: 地区附加津贴, jurisdiction: 青海省}
regional_allowance:
  class_4:
    values:
      2024-02-01: {value: 260, reference: 《青海省地区附加津贴调整（测试）》, status: example}
"""
#: K001: 1 申请 2024-02-01, 2 受理 2024-02-05 (城东区纪委监委); two corrections of the 受理.
CORRECTIONS = [
    {"case_id": "K001", "seq": 3, "event": "更正", "date": "2024-03-01", "body": "城东区纪委监委",
     "corrects": 2, "corrected_date": "2024-02-02", "note": "受理日期登记有误，按受理通知书更正"},
    {"case_id": "K001", "seq": 4, "event": "更正", "date": "2024-03-04", "body": "城东区纪委监委",
     "corrects": 2, "corrected_body": "城东区委组织部", "note": "承办机关登记有误"},
]


#: A township (乡, not a subdistrict: 乡镇工作岗位补助 applies) where C002 worked in 2024-03.
EXTRA = {"region": [{"code": "632701201", "name": "上拉秀乡", "level": "乡镇", "parent_code": "632701",
                     "altitude_m": 4200, "hardship_class": 5}],
         "case_event": CORRECTIONS,
         "attendance": [{"cadre_id": "C002", "township_code": "632701201", "month": "2024-03",
                         "days": 20}]}


@pytest.fixture(scope="module")
def oversight(tmp_path_factory: pytest.TempPathFactory, password_hash: str
              ) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp("amended")
    db = make_db(folder / "cadre.db")
    plugins = make_plugins()
    for kind, rows in SAMPLE:
        rows = rows + EXTRA.get(kind, [])
        header = list(dict.fromkeys(k for row in rows for k in row))
        load_rows(db, kind, [{k: row.get(k) for k in header} for row in rows],
                  plugins=plugins, tmp=folder)
    (folder / RATES).write_text(RATES_TEXT, encoding="utf-8")
    add_parameter_file(db, folder / RATES, plugins)
    evaluate_all(db, plugins, as_of=AS_OF)
    db.conn.close()
    out = folder / "oversight.db"
    publish(folder / "cadre.db", out, level="oversight", plugins=plugins, as_of=PUBLISH_DAY)
    with cadre_serve(out) as url, httpx.Client(base_url=url, timeout=10) as http:
        token = re.search(r'name="csrftoken" value="([^"]+)"',
                          http.get("/-/login").text).group(1)
        assert http.post("/-/login", data={"username": "oversight", "password": PASSWORD,
                                           "csrftoken": token}).status_code == 302
        yield http


def _cells(page: str, column: str) -> list[str]:
    """The cells of ``column`` (its ``col-`` class) on a Datasette page, as HTML."""
    css = re.escape(f"col-{to_css_class(column)}")
    return [c.strip() for c in re.findall(
        rf'<td class="(?:[^"]* )?{css}(?: [^"]*)?"[^>]*>(.*?)</td>', page, re.S)]


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


LEDGER = {"month": "", "region": "", "cadre": "C002"}


def test_the_ledger_names_parameters_and_a_stored_files_value(oversight: httpx.Client) -> None:
    # C002's 地区附加津贴: 2024-01 the provincial plugin's 四类 250 (from 2015-01-01), 2024-02
    # the stored file's 260 (from 2024-02-01)
    rows = oversight.get("/oversight/subsidy_ledger.json",
                         params={**LEDGER, "_shape": "array"}).json()
    regional = {r["月份"]: r for r in rows if r["补贴方案"] == "地区附加津贴"}
    assert (regional["2024-01"]["金额"], regional["2024-02"]["金额"]) == (250, 260)
    # SQL and JSON readers keep the versions as stored
    assert regional["2024-01"]["参数版本"] == "regional_allowance.class_4@2015-01-01"
    assert regional["2024-02"]["参数版本"] == \
        f"regional_allowance.class_4@2024-02-01（录入文件 {RATES}）"
    page = oversight.get("/oversight/subsidy_ledger", params=LEDGER).text
    shown = [_text(c) for c in _cells(page, "参数版本")]
    assert "四类地区月额（2015-01-01 起）" in shown
    assert f"四类地区月额（2024-02-01 起，录入文件 {RATES}）" in shown
    assert not [c for c in shown if "regional_allowance" in c or "township_post" in c]
    # the key as stored on hover
    assert '<span title="参数版本 regional_allowance.class_4@2015-01-01">四类地区月额（2015-01-01 ' \
           '起）</span>' in page


def test_several_parameters_read_one_a_line(oversight: httpx.Client) -> None:
    # 2024-03 at 上拉秀乡 (a 乡, not especially hard), township work since 2015-03: 9 full
    # years, tier 5 = 260 元 (provincial defaults); the rule read the attendance condition
    # and the tiers, both from 2015-01-01: one line each, by description
    march = {**LEDGER, "month": "2024-03"}
    rows = oversight.get("/oversight/subsidy_ledger.json",
                         params={**march, "_shape": "array"}).json()
    (line,) = [r for r in rows if r["补贴方案"] == "乡镇工作岗位补助"]
    assert line["金额"] == 260
    assert line["参数版本"] == "township_post.min_days@2015-01-01; township_post.tiers@2015-01-01"
    page = oversight.get("/oversight/subsidy_ledger", params=march).text
    township = [_text(c) for c in _cells(page, "参数版本") if "档次" in c]
    assert township and set(township) == {
        "当月实际在岗天数的发放条件（不足则当月不发放，不按比例折算）（2015-01-01 起）\n"
        "按在乡镇工作年限（满）确定的月补助档次（2015-01-01 起）"}
    # the subsidy rules' table reads them alike
    table = oversight.get("/oversight/subsidy_rule").text
    assert f"四类地区月额（2024-02-01 起，录入文件 {RATES}）" in \
        [_text(c) for c in _cells(table, "parameter_version")]


def test_the_profile_marks_corrected_events_as_the_case_events_query_does(
        oversight: httpx.Client) -> None:
    events = oversight.get("/oversight/case_events.json",
                           params={"case_id": "K001", "_shape": "array"}).json()
    said = {e["序号"]: e["更正情况"] for e in events}
    assert said == {1: None, 2: "已被更正，见序号 3、4",
                    3: "更正序号 2 的事件：日期改为 2024-02-02",
                    4: "更正序号 2 的事件：承办机关改为“城东区委组织部”"}
    profile = oversight.get("/oversight/cadre_profile.json",
                            params={"cadre_id": "C004", "_shape": "array"}).json()
    by_seq = {int(re.search(r"序号：(\d+)", r["内容"]).group(1)): r for r in profile
              if r["记录"].startswith('["case_event"')}
    assert sorted(by_seq) == [1, 2, 3, 4]
    assert "更正情况" not in by_seq[1]["内容"]
    for seq in (2, 3, 4):
        assert f"更正情况：{said[seq]}" in by_seq[seq]["内容"], by_seq[seq]["内容"]
    # the correction reads as its query row: no raw 更正序号 / 更正后… columns besides
    assert "更正后" not in by_seq[3]["内容"] and "更正序号：" not in by_seq[3]["内容"]
    assert by_seq[3]["日期"] == "2024-03-01" and "备注：受理日期登记有误" in by_seq[3]["内容"]
    # and on the page a reader reads
    page = oversight.get("/oversight/cadre_profile", params={"cadre_id": "C004"}).text
    assert "更正情况：已被更正，见序号 3、4" in html.unescape(page)


def test_the_profile_names_no_parameter_keys(oversight: httpx.Client) -> None:
    profile = oversight.get("/oversight/cadre_profile.json",
                            params={"cadre_id": "C002", "_shape": "array"}).json()
    lines = [r["内容"] for r in profile if r["记录"].startswith('["subsidy_line"')]
    assert lines and not [t for t in lines if "@" in t or "regional_allowance" in t]


def test_a_version_text_reads_a_stored_file_whose_name_has_brackets() -> None:
    text = "a.b@2025-01-01（录入文件 2025-津贴（示例）.yaml）; c_1@2015-01-01"
    assert entries(text) == [
        ("a.b@2025-01-01（录入文件 2025-津贴（示例）.yaml）", "a.b", "2025-01-01", "2025-津贴（示例）.yaml"),
        ("c_1@2015-01-01", "c_1", "2015-01-01", None)]
    assert entries("（无）") == []
