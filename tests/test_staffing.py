"""The staffing engine on a small constructed dataset: career facts, the two provincial staffing
rules (and a county replacing one), training coverage, exchanges and care gaps.

Expected figures are counted by hand from the rows below (see the comments)."""
from __future__ import annotations

import pytest

from cadre_sdk import StaffingRule, hookimpl
from cadre_sdk.defaults.staffing import _COUNTY_HEAD_SQL
from cadre_sdk.parameters import load_parameters
from cadre_sdk.rules import Thresholds
from cadre_sdk.testing import make_plugins

T1, T2, T3 = "632221101", "632222101", "632221102"  # altitudes 3600, 2800, 4000


def unit(code, name, level, region, sector="其他", kind="部门"):
    return {"单位代码": code, "单位名称": name, "单位类别": kind, "单位层级": level,
            "所在地区代码": region, "行业": sector}


def cadre(cid, unit_code, post, leader="否", principal="否"):
    return {"干部编号": cid, "姓名": f"姓名{cid}", "性别": "男", "出生年月": "1978.09",
            "工作单位": unit_code, "职务": post, "班子成员": leader, "主要负责人": principal}


def posting(pid, cid, start, kind="任职", township="否", leadership="否", region="", unit="",
            secondment="", exchange="", end=""):
    return {"履历编号": pid, "干部编号": cid, "起始时间": start, "终止时间": end, "职务": "职务",
            "经历类型": kind,
            "乡镇工作": township, "领导职务": leadership, "任职地区": region, "任职单位": unit,
            "挂职类别": secondment, "交流类别": exchange}


def training(tid, cid, year, topic, hours, ability=""):
    return {"培训编号": tid, "干部编号": cid, "年度": year, "开始日期": f"{year}-04-01",
            "专题": topic, "本领": ability, "学时": hours}


@pytest.fixture
def staffed(cadre_db, cadre_load):
    db = cadre_db
    cadre_load(db, "region", [
        {"地区代码": code, "地区名称": name, "层级": "乡镇", "上级代码": code[:6], "海拔": alt}
        for code, name, alt in ((T1, "青石咀镇", 3600), (T2, "八宝镇", 2800), (T3, "皇城乡", 4000))])
    cadre_load(db, "unit", [
        unit("PA", "海北州农牧局", "市州", "632200", "农牧"),
        unit("PB", "海北州民政局", "市州", "632200", "民政"),
        unit("PC", "海北州水利局", "市州", "632200", "水利"),
        unit("PD", "海北州教育局", "市州", "632200"),
        unit("CA", "门源县农牧局", "县", "632221", "农牧"),
        unit("CB", "门源县财政局", "县", "632221"),
        unit("CC", "祁连县民政局", "县", "632222", "民政"),
        unit("PE", "海北州扶贫局", "市州", "632200", "扶贫"),   # nobody loaded: not judged
        unit("TU", "青石咀镇人民政府", "乡镇", T1, kind="乡镇"),
    ])
    cadre_load(db, "cadre", [
        cadre("L1", "PA", "局长", leader="是", principal="是"),
        cadre("L2", "PB", "局长", leader="是", principal="是"),
        cadre("L3", "PB", "副局长", leader="是"),
        cadre("D1", "PD", "局长", leader="是"),
        cadre("H1", "CA", "局长", leader="是", principal="是"),
        cadre("H2", "CB", "局长", leader="是", principal="是"),
        cadre("W1", "PC", "科员"), cadre("W2", "CC", "科员"),   # staff, no team flagged
        *[cadre(c, "TU", "干事") for c in ("TC1", "TC2", "TC3", "TC4")],
    ])
    cadre_load(db, "posting", [
        posting("P1", "L1", "2008.01", township="是", leadership="是", region=T1, end="2015.06"),
        posting("P2", "L3", "2010.01", township="是", region=T1, end="2016.12"),
        posting("P3", "H1", "2005.07", township="是", region=T2, end="2012.03"),
        posting("P4", "L2", "2023.03", kind="挂职", region="632221", secondment="对口援青"),
        posting("P5", "L3", "2024.02", kind="交流", unit="PB", exchange="地区间"),
        posting("P6", "H2", "2024.06", kind="轮岗"),
        posting("P7", "TC4", "2022.01", township="是", region=T3),
    ])
    cadre_load(db, "training", [
        training("TR1", "L1", 2024, "现代农牧业", 60, ability="学习"),
        training("TR2", "L1", 2024, "生态文明", 60),
        training("TR3", "L2", 2024, "社会治理", 40, ability="群众工作"),
        training("TR4", "H1", 2023, "现代农牧业", 30),
    ])
    cadre_load(db, "attendance", [
        {"干部编号": "TC1", "乡镇代码": T1, "月份": "2024.03", "在岗天数": 20},
        {"干部编号": "TC2", "乡镇代码": T3, "月份": "2024.03", "在岗天数": 20},
        {"干部编号": "TC3", "乡镇代码": T2, "月份": "2024.03", "在岗天数": 20},
    ])
    cadre_load(db, "care_record", [
        {"记录编号": "K1", "干部编号": "TC1", "日期": "2023-06-01", "关爱类别": "体检"},
        {"记录编号": "K2", "干部编号": "TC2", "日期": "2024-05-10", "关爱类别": "体检"},
        {"记录编号": "K3", "干部编号": "TC4", "日期": "2024-08-01", "关爱类别": "谈心谈话"},
    ])
    return db


class Qilian:
    """祁连县 (632222) makes the provincial advisory check on principal heads a hard rule."""

    @hookimpl
    def cadre_jurisdiction(self):
        return "632222"

    @hookimpl
    def register_staffing_rules(self, register):
        register(StaffingRule(code="county_head_township_work", sql=_COUNTY_HEAD_SQL,
                              title="县直单位主要负责人须有乡镇工作经历（祁连县）"))


@pytest.fixture
def evaluated(staffed, cadre_plugins, cadre_evaluate):
    cadre_evaluate(staffed, cadre_plugins(Qilian()), as_of="2025-01-31", only=("staffing",))
    return staffed


def rows(db, sql, *args):
    return [tuple(r) for r in db.execute(sql, list(args)).fetchall()]


def test_career_summary(evaluated):
    # L1: a township leadership posting; L3: township work only; L2: one secondment;
    # H2: one rotation.
    got = rows(evaluated, "SELECT cadre_id, township_work, township_leadership, secondments, "
               "exchanges, rotations FROM career_summary WHERE cadre_id IN "
               "('L1', 'L2', 'L3', 'H2') ORDER BY cadre_id")
    assert got == [("H2", 0, 0, 0, 0, 1), ("L1", 1, 1, 0, 0, 0), ("L2", 0, 0, 1, 0, 0),
                   ("L3", 1, 0, 0, 1, 0)]


def test_staffing_breaches(evaluated):
    got = rows(evaluated, "SELECT rule_code, unit_code, severity, rule_jurisdiction, evidence "
               "FROM staffing_breach ORDER BY rule_code, unit_code")
    assert got == [
        # CB (门源, 632221): the province's advisory check; CC (祁连): 祁连's hard rule.
        ("county_head_township_work", "CB", "提示", "630000", "主要负责人（局长）无乡镇工作经历"),
        ("county_head_township_work", "CC", "违反", "632222",
         "未登记主要负责人（“主要负责人”为是），无法核对乡镇工作经历"),
        # PA complies (L1); PB's two leaders lack township *leadership*; PC has staff but no
        # team flagged; PD (教育) is not one of the four sectors; PE has nobody loaded;
        # CA complies (H1 has township work).
        ("rural_team_township_leader", "PB", "违反", "630000",
         "领导班子 2 人（局长；副局长）均无乡镇领导经历"),
        ("rural_team_township_leader", "PC", "违反", "630000",
         "未登记领导班子成员（“班子成员”为是），无法核对是否配备有乡镇领导经历的干部"),
    ]
    evidence = " ".join(r[-1] for r in got)
    assert "姓名" not in evidence  # public: posts, never names
    text = evaluated.execute("SELECT cadre_explain(e.json) FROM staffing_breach b JOIN explanation e "
                             "ON e.id = b.explanation_id WHERE b.unit_code = 'PB'").fetchone()[0]
    assert "答记者问" in text and "均无乡镇领导经历" in text
    # the subject names the rule by its title, not its code
    subject = evaluated.execute("SELECT e.subject FROM staffing_breach b JOIN explanation e "
                                "ON e.id = b.explanation_id WHERE b.unit_code = 'PB'").fetchone()[0]
    assert subject == ("配备规则“市州农牧、民政、水利、扶贫部门领导班子至少配备一名有乡镇领导经历的干部”"
                       " 单位 PB")


def test_training_coverage_by_unit(evaluated):
    got = rows(evaluated, "SELECT unit_code, leaders, trained, coverage, full_coverage, "
               "hours_met, hours FROM training_coverage WHERE year = 2024 ORDER BY unit_code")
    assert got == [
        ("CA", 1, 0, 0.0, 0, 0, 0),        # H1 trained in 2023 only
        ("CB", 1, 0, 0.0, 0, 0, 0),
        ("PA", 1, 1, 1.0, 1, 1, 120.0),    # L1: 60 + 60 = 120 >= 110
        ("PB", 2, 1, 0.5, 0, 0, 40.0),     # L2 40 h; L3 none: 1 / 2
        ("PD", 1, 0, 0.0, 0, 0, 0),
    ]
    assert rows(evaluated, "SELECT unit_code, coverage, full_coverage FROM training_coverage "
                "WHERE year = 2023 AND unit_code = 'CA'") == [("CA", 1.0, 1)]


def test_training_coverage_by_region_and_topic(evaluated):
    # 海北 2024: units PA, PB, PD (632200) + CA, CB (632221) = 5; leaders 1+2+1+1+1 = 6;
    # trained 1 + 1 = 2 -> 2/6 = 0.3333; one unit (PA) fully covered.
    assert rows(evaluated, "SELECT units, leaders, trained, coverage, full_coverage, "
                "full_coverage_units FROM training_coverage_region WHERE region_code = '632200' "
                "AND year = 2024") == [(5, 6, 2, 0.3333, 0, 1)]
    assert rows(evaluated, "SELECT region_level, leaders, trained FROM training_coverage_region "
                "WHERE region_code = '632221' AND year = 2024") == [("县", 2, 0)]
    # Topics in 海北 2024: 现代农牧业 60 h (L1), 生态文明 60 h, 社会治理 40 h; abilities 学习 and
    # 群众工作 (TR2 has no ability).
    assert rows(evaluated, "SELECT dimension, item, trainings, leaders, hours FROM training_topics "
                "WHERE region_code = '632200' AND year = 2024 ORDER BY dimension, item") == sorted([
        ("专题", "现代农牧业", 1, 1, 60.0), ("专题", "生态文明", 1, 1, 60.0),
        ("专题", "社会治理", 1, 1, 40.0),
        ("八个本领", "学习", 1, 1, 60.0), ("八个本领", "群众工作", 1, 1, 40.0)])


def test_exchange_summary(evaluated):
    # P4 挂职 2023 in 632221; P5 交流 2024 in unit PB (632200: no county row); P6 轮岗 2024 with
    # no region or unit -> H2's unit CB (632221).
    assert rows(evaluated, "SELECT region_code, year, kind, subkind, postings "
                "FROM exchange_summary ORDER BY region_code, year, kind") == [
        ("632200", 2023, "挂职", "对口援青", 1), ("632200", 2024, "交流", "地区间", 1),
        ("632200", 2024, "轮岗", "", 1),
        ("632221", 2023, "挂职", "对口援青", 1), ("632221", 2024, "轮岗", "", 1)]


def test_care_gaps_at_high_altitude(evaluated):
    # TC1 at 3600 m in 2024, last check 2023 -> listed for 2024; TC2 checked in 2024; TC3 is at
    # 2800 m (< 3500). TC4 holds a township posting at 4000 m since 2022 and has no check:
    # listed for 2023 and 2024 (the years with attendance or care records).
    assert rows(evaluated, "SELECT year, cadre_id, township_code, altitude_m, last_health_check "
                "FROM care_gap ORDER BY year, cadre_id") == [
        (2023, "TC4", T3, 4000, None), (2024, "TC1", T1, 3600, "2023-06-01"),
        (2024, "TC4", T3, 4000, None)]
    text = evaluated.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'care_gap:2024'"
                             ).fetchone()[0]
    assert "care.high_altitude_m = 3500" in text


def test_care_summary(evaluated):
    # Care records by the cadre's unit region (TU is in T1 -> 632221 / 632200).
    assert rows(evaluated, "SELECT region_code, year, kind, records FROM care_summary "
                "WHERE region_level = '县' ORDER BY year, kind") == [
        ("632221", 2023, "体检", 1), ("632221", 2024, "体检", 1), ("632221", 2024, "谈心谈话", 1)]
    # how the table is derived, under the table's Chinese title, as subject and first line
    subject, text = evaluated.execute("SELECT subject, cadre_explain(json) FROM explanation "
                                      "WHERE id = 'care_summary:method'").fetchone()
    assert subject == "关心关爱记录汇总：计算方法"
    assert text.startswith("【关心关爱记录汇总：计算方法】")


def test_canned_queries_run(evaluated, cadre_plugins):
    plugins = cadre_plugins(Qilian())
    queries = {r.key: r.item for r in plugins.book.everything("query").values()}
    args = {"region": "632200", "year": "2024", "kind": "", "category": "", "month": "",
            "scheme": "", "cadre": ""}
    breaches = evaluated.execute(queries["staffing_breaches"].sql, args).fetchall()
    # CC is in 祁连县 (632222), also in 海北 (632200): the prefecture filter includes it.
    assert {r[2] for r in breaches} == {"CB", "CC", "PB", "PC"}   # 单位代码
    county = evaluated.execute(queries["staffing_breaches"].sql, {**args, "region": "632221"})
    assert [r[2] for r in county.fetchall()] == ["CB"]
    # rows naming a unit and its posts are oversight-only; the public level reads the counts
    assert queries["staffing_breaches"].level == "oversight"
    assert queries["staffing_breach_summary"].level == "public"
    assert queries["care_gaps"].level == "oversight"
    gaps = evaluated.execute(queries["care_gaps"].sql, args).fetchall()
    assert [g[1] for g in gaps] == ["TC1", "TC4"]


MENYUAN_THRESHOLDS = """\
description: 门源县的关爱与培训参考线（测试用）
metadata:
  jurisdiction: "632221"
care:
  high_altitude_m:
    unit: count
    values:
      2015-01-01:
        value: 3700
        reference: "门源县测试用参考线"
        example: true
training:
  min_hours_per_year:
    unit: count
    values:
      2015-01-01:
        value: 100
        reference: "门源县测试用参考线"
        example: true
"""


class Menyuan:
    """门源县 (632221) raises the high-altitude line to 3700 m and lowers the yearly training
    hours to 100, through ``register_thresholds``; everything else it inherits."""

    def __init__(self, folder):
        path = folder / "menyuan.yaml"
        path.write_text(MENYUAN_THRESHOLDS, encoding="utf-8")
        self.parameters = load_parameters(path)

    @hookimpl
    def cadre_jurisdiction(self):
        return "632221"

    @hookimpl
    def register_thresholds(self, register):
        register(Thresholds(concern="staffing", parameters=self.parameters))


def test_a_county_changes_the_staffing_thresholds(staffed, cadre_plugins, cadre_evaluate,
                                                   tmp_path):
    cadre_evaluate(staffed, cadre_plugins(Menyuan(tmp_path)), as_of="2025-01-31",
                   only=("staffing",))
    # 门源 (632221) now draws the line at 3700 m: TC1 at 青石咀镇 (T1, 门源, 3600 m) is no longer
    # listed; TC4 at 皇城乡 (T3, 门源, 4000 m) still is (4000 >= 3700), with 门源's explanation.
    assert rows(staffed, "SELECT year, cadre_id, explanation_id FROM care_gap "
                "ORDER BY year, cadre_id") == [
        (2023, "TC4", "care_gap:2023:632221"), (2024, "TC4", "care_gap:2024:632221")]
    text = staffed.execute("SELECT cadre_explain(json) FROM explanation "
                           "WHERE id = 'care_gap:2024:632221'").fetchone()[0]
    assert "care.high_altitude_m = 3700" in text and "Menyuan" in text
    # Training hours: 门源's units CA and CB count hours >= 100 (nobody trained there in 2024);
    # the province's units keep 110: PA's L1 has 60 + 60 = 120 >= 110 -> 1.
    assert rows(staffed, "SELECT unit_code, hours_met, explanation_id FROM training_coverage "
                "WHERE year = 2024 ORDER BY unit_code") == [
        ("CA", 0, "training_coverage:2024:632221"), ("CB", 0, "training_coverage:2024:632221"),
        ("PA", 1, "training_coverage:2024"), ("PB", 0, "training_coverage:2024"),
        ("PD", 0, "training_coverage:2024")]
    text = staffed.execute("SELECT cadre_explain(json) FROM explanation "
                           "WHERE id = 'training_coverage:2024:632221'").fetchone()[0]
    # The overlay: 门源's file supplies the hours; the altitude it also states is not read here.
    assert "training.min_hours_per_year = 100" in text


def test_without_defaults_no_threshold_is_applied(staffed, cadre_evaluate):
    # A plugin manager without the defaults has no thresholds item: the views that need one
    # are left empty rather than filled with numbers nobody supplied.
    plugins = make_plugins(defaults=False)
    cadre_evaluate(staffed, plugins, as_of="2025-01-31", only=("staffing",))
    for table in ("care_gap", "training_coverage", "candidate_pool"):
        assert staffed[table].count == 0, table
    assert staffed["career_summary"].count == 12   # L1-3, D1, H1-2, W1-2, TC1-4: no threshold


def test_roll_ups_run_the_rows_their_method_explanations_state(staffed):
    """The training-topic and care-summary roll-ups read cadres' places from a table made for
    them (speed): the rows they group, in order, are those of the SQL their method
    explanations state (leaders and staff, units at prefecture, county and township level)."""
    from cadre_sdk.engines.staffing import engine as st

    for sql in st._PLACES_SQL:
        staffed.conn.execute(sql)
    for stated, run in ((st._TOPICS_BASE, st._TOPICS_ROWS), (st._CARE_BASE, st._CARE_ROWS)):
        expected = rows(staffed, stated)
        assert len(expected) >= 3
        assert rows(staffed, run) == expected
    staffed.conn.execute(st._PLACES_SQL[0])
    assert not staffed.conn.execute(
        "SELECT 1 FROM temp.sqlite_master WHERE name = '_staffing_cadre_place'").fetchone()
