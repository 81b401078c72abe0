"""The assessment engine: the default formula and grading worked out by hand, missing inputs,
local rules by jurisdiction, indicator weights, consequences, scorecards, re-evaluation.

Expected numbers are computed from the rules in cadre_sdk/formulas/assessment.py and
the parameters in cadre_sdk/defaults/parameters/assessment.yaml (individual weights: indicators
60, democratic 20, reverse 10, routine 10; votes 100/80/60/0; quarters 好100 较好85 一般70
较差50; thresholds 90/70/60; 优秀 ≤ 15% of a unit, rounded down); the arithmetic is in the
comments. The helpers here (``World``, ``local_plugin``) are shared with the quota and CLI tests.
"""
from __future__ import annotations

import types

import pytest

from cadre_sdk import (GradingRule, Indicator, IndicatorSet, PluginError, ScoringFormula,
                       hookimpl)
from cadre_sdk.store import explanations
from cadre_sdk.formulas.assessment import threshold_grade
from cadre_sdk.core.trace import render_text
from cadre_sdk.parameters import parse_parameters

CODES = ("de", "neng", "qin", "ji", "lian", "luoshi")
DEFAULTS = "cadre_sdk.defaults.assessment"


class World:
    """Clerks' rows for one test, loaded through the real loader (CSV with Chinese headers)."""

    def __init__(self, db, load):
        self.db, self.load = db, load
        self.rows: dict[str, list[dict]] = {k: [] for k in (
            "unit", "cadre", "assessment", "indicator_score", "evaluation", "target_progress")}

    def unit(self, code, region, kind="部门", level="县", positioning=""):
        self.rows["unit"].append({"单位代码": code, "单位名称": f"{code}单位", "单位类别": kind,
                                  "单位层级": level, "所在地区代码": region,
                                  "功能定位": positioning})
        return self

    def annual(self, aid, unit, year, cadre=None, scores=None, democratic=None, reverse=None,
               interview=None, quarters=None):
        """An annual assessment: ``cadre`` None is the unit's team. ``scores`` is one number
        for all six default indicators or a dict; votes are (优秀, 称职, 基本称职, 不称职, 参评);
        ``quarters`` maps 一季度… to 好/较好/一般/较差."""
        if cadre and cadre not in {c["干部编号"] for c in self.rows["cadre"]}:
            self.rows["cadre"].append({"干部编号": cadre, "姓名": f"干部{cadre}", "性别": "男",
                                       "出生年月": "1975.06", "工作单位": unit, "职务": "科长"})
        self._assessment(aid, unit, year, cadre, "年度", "")
        if scores is not None:
            scores = scores if isinstance(scores, dict) else dict.fromkeys(CODES, scores)
            self.rows["indicator_score"] += [{"考核编号": aid, "指标代码": c, "得分": s}
                                             for c, s in scores.items()]
        for method, votes in (("民主测评", democratic), ("反向测评", reverse),
                              ("考核谈话", interview)):
            if votes:
                self.rows["evaluation"].append(dict(zip(
                    ("考核编号", "测评方式", "优秀票", "称职票", "基本称职票", "不称职票", "参评人数"),
                    (aid, method, *votes))))
        for n, (quarter, grade) in enumerate((quarters or {}).items(), 1):
            self._assessment(f"{aid}-Q{n}", unit, year, cadre, quarter, grade)
        return self

    def _assessment(self, aid, unit, year, cadre, period, grade):
        self.rows["assessment"].append({
            "考核编号": aid, "考核对象": "个人" if cadre else "班子", "干部编号": cadre or "",
            "单位代码": unit, "年度": year, "考核周期": period, "平时考核等次": grade})

    def target(self, rid, unit, year, month, target, planned, actual):
        self.rows["target_progress"].append({
            "记录编号": rid, "单位代码": unit, "年度": year, "月份": month, "重点目标": target,
            "计划进度": planned, "实际进度": actual})
        return self

    def build(self):
        for kind, rows in self.rows.items():
            if rows:
                self.load(self.db, kind, rows)
        return self.db


def local_plugin(name, jurisdiction, **hooks):
    """A plugin object registered in code (as a county or prefecture would ship one)."""
    ns = types.SimpleNamespace(__name__=name)
    ns.cadre_jurisdiction = hookimpl(lambda: jurisdiction)
    for hook, fn in hooks.items():
        setattr(ns, hook, hookimpl(fn))
    return ns


def result(db, aid):
    """One row of assessment_result as a dict."""
    return next(db.query("SELECT * FROM assessment_result WHERE assessment_id = ?", [aid]))


def explanation(db, aid):
    """The stored explanation of an assessment with the shared entry it names (its rules and
    parameters), as ``cadre explain`` prints it: (text, JSON with rules and parameters)."""
    def get(eid):
        data = explanations.lookup(db.conn, eid)
        return render_text(data), data
    text, data = get(f"assessment:{aid}")
    for shared in data["see"]:
        shared_text, shared_data = get(shared)
        text += "\n" + shared_text
        data["rules"] += shared_data["rules"]
        data["parameters"] += shared_data["parameters"]
    return text, data


# -- the default formula ------------------------------------------------------------------

def test_default_formula_all_components(world, run):
    # 部门 individual weights: de 15, neng 15, qin 15, ji 30, lian 15, luoshi 10.
    scores = {"de": 90, "neng": 80, "qin": 85, "ji": 92, "lian": 88, "luoshi": 70}
    db = world.unit("U1", "632801").annual(
        "A1", "U1", 2024, cadre="C1", scores=scores,
        democratic=(8, 10, 1, 0, 20), reverse=(6, 4, 0, 0, 10),
        quarters={"一季度": "好", "二季度": "较好", "三季度": "较好", "四季度": "一般"}).build()
    run(db)
    # indicators: (15×90 + 15×80 + 15×85 + 30×92 + 15×88 + 10×70) / 100
    #           = (1350 + 1200 + 1275 + 2760 + 1320 + 700) / 100 = 8605 / 100 = 86.05
    # democratic: (100×8 + 80×10 + 60×1 + 0×0) / 20 participants (1 abstention scores 0)
    #           = 1660 / 20 = 83
    # reverse: (100×6 + 80×4) / 10 = 920 / 10 = 92
    # routine: (100 + 85 + 85 + 70) / 4 = 340 / 4 = 85
    # score: (60×86.05 + 20×83 + 10×92 + 10×85) / 100 = (5163 + 1660 + 920 + 850) / 100 = 85.93
    row = result(db, "A1")
    assert row["score"] == pytest.approx(85.93)
    assert row["raw_grade"] == row["grade"] == "称职"     # 70 ≤ 85.93 < 90
    assert row["democratic_excellent_share"] == pytest.approx(0.4)   # 8 / 20
    text, data = explanation(db, "A1")
    steps = {s["label"]: s for s in data["steps"]}
    assert steps["分类考核指标加权得分"]["value"] == pytest.approx(86.05)
    # each weight beside its indicator's name: the reader need not match scores to weights
    assert "(15×德 90 + 15×能 80 + 15×勤 85 + 30×绩 92 + 15×廉 88 + 10×贯彻落实中央和省委决策部署 70) " \
        "÷ 100 = 86.05" in text
    assert steps["民主测评得分"]["value"] == pytest.approx(83)
    assert "弃权 1 人计 0 分" in steps["民主测评得分"]["formula"]
    assert steps["反向测评得分"]["value"] == pytest.approx(92)
    assert steps["平时考核得分"]["value"] == pytest.approx(85)
    weights = {p["path"]: p for p in data["parameters"]}
    ji = weights["indicators.individual.department.ji"]
    assert (ji["value"], ji["start"], ji["plugin"], ji["example"]) == (30, "2018-01-01",
                                                                       DEFAULTS, True)
    assert "分类考核指标和权重" in ji["reference"]
    assert {r["kind"] for r in data["rules"]} == {"indicators", "scoring", "grading",
                                                  "grade_quota"}
    assert "计算步骤" in text and "示例值" in text and "第 1 名，共 1 名" in text


def test_missing_democratic_evaluation_redistributes_its_weight(world, run):
    db = world.unit("U1", "632801").annual(
        "A1", "U1", 2024, cadre="C1", scores=80, reverse=(10, 0, 0, 0, 10),
        quarters={"一季度": "好", "二季度": "好", "三季度": "好", "四季度": "好"}).build()
    run(db)
    # indicators 80 (all six at 80); reverse 100 × 10 / 10 = 100; routine 100;
    # democratic missing: its 20 is shared out, so divide by 60 + 10 + 10 = 80:
    # (60×80 + 10×100 + 10×100) / 80 = (4800 + 1000 + 1000) / 80 = 6800 / 80 = 85
    assert result(db, "A1")["score"] == pytest.approx(85.0)
    text, _ = explanation(db, "A1")
    assert "民主测评缺失" in text and "按比例分配" in text


def test_missing_quarters_average_those_present(world, run):
    db = world.unit("U1", "632801").annual(
        "A1", "U1", 2024, cadre="C1", scores=80, democratic=(0, 10, 0, 0, 10),
        reverse=(0, 10, 0, 0, 10), quarters={"一季度": "好", "三季度": "一般"}).build()
    run(db)
    # routine: only 一季度 好 100 and 三季度 一般 70 → (100 + 70) / 2 = 85
    # democratic 80 × 10 / 10 = 80; reverse 80
    # (60×80 + 20×80 + 10×80 + 10×85) / 100 = (4800 + 1600 + 800 + 850) / 100 = 80.5
    assert result(db, "A1")["score"] == pytest.approx(80.5)
    text, _ = explanation(db, "A1")
    assert "平时考核缺少二季度、四季度" in text


def test_no_quarter_at_all_drops_routine(world, run):
    db = world.unit("U1", "632801").annual(
        "A1", "U1", 2024, cadre="C1", scores=90, democratic=(0, 10, 0, 0, 10),
        reverse=(0, 10, 0, 0, 10)).build()
    run(db)
    # (60×90 + 20×80 + 10×80) / (60 + 20 + 10) = (5400 + 1600 + 800) / 90 = 7800 / 90
    # = 86.666… → 86.67 (half up, two places)
    assert result(db, "A1")["score"] == pytest.approx(86.67)


def test_unscored_indicator_is_left_out_and_no_indicator_means_no_grade(world, run):
    scores = {"de": 80, "neng": 80, "qin": 80, "ji": 90, "lian": 80}     # luoshi missing
    db = (world.unit("U1", "632801")
          .annual("A1", "U1", 2024, cadre="C1", scores=scores)
          .annual("A2", "U1", 2024, cadre="C2", democratic=(5, 5, 0, 0, 10)).build())
    run(db)
    # 部门 weights without luoshi (10): (15×80 + 15×80 + 15×80 + 30×90 + 15×80) / 90
    # = (4800 + 2700) / 90 = 83.333… ; only indicators present → 83.33
    assert result(db, "A1")["score"] == pytest.approx(83.33)
    assert result(db, "A1")["pool_size"] == 1     # the unscored A2 is not counted
    unscored = result(db, "A2")
    assert (unscored["score"], unscored["grade"], unscored["rank_in_unit"]) == (None, None, None)
    text, _ = explanation(db, "A2")
    assert "未评定" in text


def test_team_formula_weighs_710_targets(world, run):
    db = (world.unit("L1", "632801", kind="地方")
          .annual("T1", "L1", 2024, scores=80, democratic=(5, 5, 0, 0, 10))
          .target("P1", "L1", 2024, 6, "目标甲", 50, 60)
          .target("P2", "L1", 2024, 9, "目标甲", 75, 70)       # the latest month counts: behind
          .target("P3", "L1", 2024, 12, "目标乙", 100, 100)
          .target("P4", "L1", 2024, 10, "目标丙", 80, 85)
          .target("P5", "L1", 2024, 11, "目标丁", 90, 95).build())
    run(db)
    summary = next(db.query("SELECT * FROM target_summary"))
    # 4 targets (甲 behind at month 9; 乙, 丙, 丁 on schedule) → 3 / 4
    assert (summary["targets"], summary["on_schedule"], summary["behind"],
            summary["share"], summary["last_month"]) == (4, 3, 1, 0.75, 12)
    # team weights: indicators 50, democratic 20, reverse 10 (missing), routine 10 (missing),
    # targets 10. democratic (100×5 + 80×5) / 10 = 90; targets 0.75 × 100 = 75
    # (50×80 + 20×90 + 10×75) / 80 = (4000 + 1800 + 750) / 80 = 6550 / 80 = 81.875 → 81.88
    row = result(db, "T1")
    assert (row["subject"], row["cadre_id"], row["score"]) == ("班子", None, pytest.approx(81.88))
    assert row["grade"] == "称职"


def test_weight_zero_components_are_shown_not_scored(world, run):
    db = world.unit("U1", "632801").annual("A1", "U1", 2024, cadre="C1", scores=70,
                                           interview=(10, 0, 0, 0, 10)).build()
    run(db)
    # interview has weight 0 for individuals: shown, not scored; score = indicators = 70
    assert result(db, "A1")["score"] == pytest.approx(70.0)
    assert "考核谈话权重为 0" in explanation(db, "A1")[0]


def test_poor_quarter_turns_excellent_into_competent(world, run):
    for n in range(1, 8):
        world.annual(f"A{n}", "U1", 2024, cadre=f"C{n}", scores=100 if n == 1 else 80,
                     quarters={"一季度": "较差", "二季度": "好"} if n == 1 else None)
    db = world.unit("U1", "632801").build()
    run(db)
    # C1: routine (50 + 100) / 2 = 75; (60×100 + 10×75) / 70 = 6750 / 70 = 96.428… → 96.43
    # ≥ 90, but a 较差 quarter bars 优秀 → 称职 before the quota (the place goes unused)
    row = result(db, "A1")
    assert row["score"] == pytest.approx(96.43)
    assert (row["raw_grade"], row["grade"], row["quota_applied"]) == ("称职", "称职", 0)


# -- local rules by jurisdiction ------------------------------------------------------------

GOLMUD_PARAMS = parse_parameters("""
description: 格尔木市年度考核等次标准（测试用）
grading:
  excellent_min:
    unit: points
    values:
      2018-01-01: {value: 90, reference: "测试：格尔木市等次标准（示例）", example: true}
  competent_min:
    unit: points
    values:
      2018-01-01: {value: 75, reference: "测试：格尔木市基本称职标准（示例）", example: true}
  basic_min:
    unit: points
    values:
      2018-01-01: {value: 65, reference: "测试：格尔木市不称职标准（示例）", example: true}
  incompetent_vote_share:
    unit: ratio
    values:
      2018-01-01: {value: 0.3333, reference: "测试：不称职票超过三分之一（示例）", example: true}
""", "golmud.yaml")


def golmud_grade(score, inputs, ctx):
    """格尔木市: 不称职票超过参评人数三分之一者不称职; below 65 不称职; below 75 基本称职."""
    votes = inputs.evaluations.get("民主测评")
    if votes and votes.participants and \
            votes.incompetent / votes.participants > ctx.param("grading.incompetent_vote_share"):
        return ctx.step("民主测评不称职票超过三分之一", "不称职")
    if score < ctx.param("grading.basic_min"):
        return "不称职"
    if score < ctx.param("grading.competent_min"):
        return "基本称职"
    return "优秀" if score >= ctx.param("grading.excellent_min") else "称职"


def golmud():
    def register_scoring(register):
        register(GradingRule(subject="个人", grade=golmud_grade, parameters=GOLMUD_PARAMS,
                             name="格尔木市等次标准"))
    return local_plugin("golmud_assessment", "632801", register_scoring=register_scoring)


def test_golmud_grades_its_own_cadres_only(world, run):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1", scores=72)
          .annual("A2", "D1", 2024, cadre="C2", scores=72)
          .annual("A3", "G1", 2024, cadre="C3", scores=80, democratic=(2, 2, 1, 4, 9))
          .annual("A4", "D1", 2024, cadre="C4", scores=80, democratic=(2, 2, 1, 4, 9))
          .build())
    run(db, golmud())
    # score 72 (indicators only): 格尔木 65 ≤ 72 < 75 → 基本称职; 德令哈 (default) ≥ 70 → 称职
    assert (result(db, "A1")["grade"], result(db, "A1")["grading_plugin"]) == \
        ("基本称职", "golmud_assessment")
    assert (result(db, "A2")["grade"], result(db, "A2")["grading_plugin"]) == ("称职", DEFAULTS)
    # 4 不称职 votes of 9 = 0.444 > 1/3 → 不称职 in 格尔木 whatever the score;
    # score (60×80 + 20×(100×2 + 80×2 + 60×1)/9) / 80 = (4800 + 20×46.666…) / 80 = 71.67 in both
    assert result(db, "A3")["score"] == result(db, "A4")["score"] == pytest.approx(71.67)
    assert result(db, "A3")["grade"] == "不称职"
    assert result(db, "A4")["grade"] == "称职"
    text, data = explanation(db, "A1")
    assert {"kind": "grading", "key": "个人", "plugin": "golmud_assessment",
            "jurisdiction": "632801", "name": "格尔木市等次标准"} in data["rules"]


def thresholds(name, excellent, competent, basic):
    params = parse_parameters(f"""
description: {name}
grading:
  excellent_min:
    values: {{2018-01-01: {{value: {excellent}, reference: "测试", example: true}}}}
  competent_min:
    values: {{2018-01-01: {{value: {competent}, reference: "测试", example: true}}}}
  basic_min:
    values: {{2018-01-01: {{value: {basic}, reference: "测试", example: true}}}}
  poor_quarter_blocks_excellent:
    values: {{2018-01-01: {{value: false, reference: "测试", example: true}}}}
""", f"{name}.yaml")

    def register_scoring(register):
        register(GradingRule(subject="个人", grade=threshold_grade, parameters=params))
    return register_scoring


def test_county_rule_beats_prefecture_beats_province(world, run):
    haixi = local_plugin("haixi", "632800", register_scoring=thresholds("haixi", 85, 65, 55))
    golmud_ = local_plugin("golmud", "632801", register_scoring=thresholds("golmud", 90, 75, 65))
    db = (world.unit("G1", "632801").unit("D1", "632802").unit("X1", "630102")
          .annual("A1", "G1", 2024, cadre="C1", scores=62)
          .annual("A2", "D1", 2024, cadre="C2", scores=62)
          .annual("A3", "X1", 2024, cadre="C3", scores=62).build())
    run(db, haixi, golmud_)
    # 62: 格尔木 (county) < 65 → 不称职; 德令哈 under 海西 (prefecture) 55 ≤ 62 < 65 → 基本称职;
    # 城东区 (province default) 60 ≤ 62 < 70 → 基本称职
    got = {a: (result(db, a)["grade"], result(db, a)["grading_plugin"])
           for a in ("A1", "A2", "A3")}
    assert got == {"A1": ("不称职", "golmud"), "A2": ("基本称职", "haixi"),
                   "A3": ("基本称职", DEFAULTS)}


def test_local_formula_replaces_the_default_for_its_jurisdiction(world, run):
    def plain_mean(inputs, ctx):
        scored = [line.score for line in inputs.indicators if line.score is not None]
        return ctx.step("指标平均分", sum(scored) / len(scored))

    def register_scoring(register):
        register(ScoringFormula(subject="个人", compute=plain_mean))
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1",
                  scores={"de": 60, "neng": 60, "qin": 60, "ji": 90, "lian": 60, "luoshi": 60})
          .annual("A2", "D1", 2024, cadre="C2",
                  scores={"de": 60, "neng": 60, "qin": 60, "ji": 90, "lian": 60, "luoshi": 60})
          .build())
    run(db, local_plugin("golmud_formula", "632801", register_scoring=register_scoring))
    # 格尔木: plain mean (5×60 + 90) / 6 = 390 / 6 = 65
    # 德令哈: 部门 weights (15×60 + 15×60 + 15×60 + 30×90 + 15×60 + 10×60) / 100 = 69
    assert result(db, "A1")["score"] == pytest.approx(65.0)
    assert result(db, "A1")["formula_plugin"] == "golmud_formula"
    assert result(db, "A2")["score"] == pytest.approx(69.0)


@pytest.mark.parametrize("fault", ["raise", "wrong", "slow"])
def test_a_faulty_scoring_formula_names_the_plugin(world, run, fault, monkeypatch):
    # The formula runs for a unit's assessments in one rule call: a fault in any of them (a
    # second cadre's here) still names the plugin and the rule, and nothing is written.
    import time

    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", "0.3")

    def faulty(inputs, ctx):
        if inputs.cadre_id != "C2":
            return 80.0
        if fault == "raise":
            raise RuntimeError("boom")
        if fault == "wrong":
            return "high"
        time.sleep(5)

    def register_scoring(register):
        register(ScoringFormula(subject="个人", compute=faulty))
    db = (world.unit("G1", "632801").annual("A1", "G1", 2024, cadre="C1", scores=80)
          .annual("A2", "G1", 2024, cadre="C2", scores=80).build())
    with pytest.raises(PluginError) as err:
        run(db, local_plugin("faulty_formula", "632801", register_scoring=register_scoring))
    assert err.value.plugin == "faulty_formula" and err.value.hook.startswith("register_scoring")
    says = {"raise": "RuntimeError: boom", "wrong": "returned 'high'", "slow": "time limit"}
    assert says[fault] in str(err.value)
    assert db["assessment_result"].count == 0


# -- indicator sets and weights -------------------------------------------------------------

def ecology_set(ji_2020, lian_2020, ji_2024=None, lian_2024=None, positioning=None):
    later = "" if ji_2024 is None else (
        f"\n      2024-12-31: {{value: {ji_2024}, reference: \"测试：2024年调整\"}}")
    later_lian = "" if lian_2024 is None else (
        f"\n      2024-12-31: {{value: {lian_2024}, reference: \"测试：2024年调整\"}}")
    params = parse_parameters(f"""
description: 格尔木市部门考核指标（测试）
w:
  ji:
    unit: percent
    values:
      2020-01-01: {{value: {ji_2020}, reference: "测试：格尔木市考核办法"}}{later}
  eco:
    unit: percent
    values:
      2020-01-01: {{value: {lian_2020}, reference: "测试：格尔木市考核办法"}}{later_lian}
""", "golmud_indicators.yaml")

    def register_indicators(register):
        # replace=True: the whole set, not an overlay on the province's 部门 set
        register(IndicatorSet(unit_kind="部门", subject="个人", parameters=params,
                              positioning=positioning, replace=True,
                              indicators=[Indicator("ji", "绩", "w.ji"),
                                          Indicator("eco", "生态保护", "w.eco")]))
    return local_plugin("golmud_indicators", "632801", register_indicators=register_indicators)


def test_weights_that_do_not_add_up_name_the_plugin(world, run):
    db = world.unit("G1", "632801").annual("A1", "G1", 2024, cadre="C1", scores=80).build()
    with pytest.raises(PluginError) as err:
        run(db, ecology_set(50, 40))
    message = str(err.value)
    assert "golmud_indicators" in message and "register_indicators" in message
    assert "add up to 90" in message
    assert db["assessment_result"].count == 0       # the run was rolled back


def test_local_indicator_set_and_weights_in_force_on_31_december(world, run):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2023, cadre="C1", scores={"ji": 100, "eco": 50})
          .annual("A2", "G1", 2024, cadre="C1", scores={"ji": 100, "eco": 50})
          .annual("A3", "D1", 2024, cadre="C2", scores=80).build())
    run(db, ecology_set(50, 50, 70, 30))
    # 2023: (50×100 + 50×50) / 100 = 75; 2024 (new weights from 2024-12-31):
    # (70×100 + 30×50) / 100 = 85; 德令哈 keeps the default set: all 80 → 80
    assert result(db, "A1")["score"] == pytest.approx(75.0)
    assert result(db, "A2")["score"] == pytest.approx(85.0)
    assert result(db, "A3")["score"] == pytest.approx(80.0)
    assert result(db, "A2")["indicator_plugin"] == "golmud_indicators"
    _, data = explanation(db, "A2")
    ji = next(p for p in data["parameters"] if p["path"] == "w.ji")
    assert (ji["value"], ji["start"]) == (70, "2024-12-31")


def test_positioning_set_beats_the_general_set(world, run):
    db = (world.unit("E1", "632801", positioning="生态保护").unit("G1", "632801")
          .annual("A1", "E1", 2024, cadre="C1", scores={**dict.fromkeys(CODES, 80),
                                                          "ji": 100, "eco": 50})
          .annual("A2", "G1", 2024, cadre="C2", scores=80).build())
    run(db, ecology_set(50, 50, positioning="生态保护"))
    # E1 (生态保护): (50×100 + 50×50) / 100 = 75; G1: the provincial 部门 set, all 80 → 80
    assert result(db, "A1")["score"] == pytest.approx(75.0)
    assert result(db, "A2")["score"] == pytest.approx(80.0)


def test_every_unit_kind_and_subject_has_a_default_set_summing_to_100(cadre_plugins):
    from cadre_sdk.engines.assessment.rules import AssessmentRules

    rules = AssessmentRules(cadre_plugins())
    for subject in ("个人", "班子"):
        for kind in ("地方", "部门", "企业", "事业单位", "乡镇"):
            reg = rules.indicator_set(subject, kind, None, "632801", 2024)
            lines = rules.weights(reg, 2024)
            assert [i.code for i, _ in lines] == list(CODES)
            assert sum(pv.value for _, pv in lines) == 100


# -- consequences ---------------------------------------------------------------------------

def consequence_world(world):
    """A unit of 7 over three years: floor(0.15 × 7) = 1 place for 优秀 each year."""
    world.unit("U1", "632801")
    plan = {"C1": (95, 95, 95), "C2": (80, 65, 65), "C3": (80, 80, 50)}
    for year_index, year in enumerate((2022, 2023, 2024)):
        for n in range(1, 8):
            cadre = f"C{n}"
            score = plan.get(cadre, (80, 80, 80))[year_index]
            world.annual(f"A{year}-{n}", "U1", year, cadre=cadre, scores=score)
    return world.build()


def test_consequences(world, run):
    db = consequence_world(world)
    run(db)
    got = [(r["cadre_id"], r["year"], r["code"], r["reason"]) for r in db.query(
        "SELECT * FROM consequence ORDER BY cadre_id, year, code")]
    # C1: 95 each year, ranked first of 7, keeps the one 优秀 place → 3 years by 2024.
    # C2: 65, 65 in 2023–2024 → 基本称职 twice → 诫勉 in 2024 (only one year by 2023).
    # C3: 50 in 2024 → 不称职.
    assert got == [
        ("C1", 2024, "priority_selection", "2022—2024 年连续 3 年年度考核优秀"),
        ("C2", 2024, "admonish_basic", "2023—2024 年连续 2 年年度考核基本称职"),
        ("C3", 2024, "adjust_incompetent", "2024 年度考核被确定为不称职"),
    ]
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      ["consequence:C1:2024:priority_selection"]).fetchone()[0]
    assert "consequences.excellent_years = 3" in text and "历年年度考核等次" in text


def test_cadres_with_equal_histories_share_one_call_of_a_consequence_rule(world, run):
    from cadre_sdk import ConsequenceRule

    db = consequence_world(world)
    histories = []

    def latest(history, ctx):
        histories.append(dict(history))
        year = max(history)
        return ctx.step("最近一年等次", f"{year} 年度{history[year]}")

    def register_scoring(register):
        register(ConsequenceRule(code="latest", title="最近一年等次", applies=latest))
    run(db, local_plugin("latest_grade", "632801", register_scoring=register_scoring))
    # Distinct histories: 2022 C1 优秀 / the rest 称职 (2); 2023 C1 / C2 (基本称职) / the rest
    # (3); 2024 C1 / C2 / C3 (不称职) / C4–C7 (4): 9 calls for 21 cadre-years.
    assert len(histories) == 9
    got = {(r["cadre_id"], r["year"]): r["reason"] for r in db.query(
        "SELECT * FROM consequence WHERE code = 'latest'")}
    assert len(got) == 21
    assert got[("C1", 2024)] == "2024 年度优秀" and got[("C3", 2024)] == "2024 年度不称职"
    assert got[("C5", 2023)] == got[("C6", 2023)] == "2023 年度称职"
    # the shared call's explanation is each cadre's own
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      ["consequence:C6:2023:latest"]).fetchone()[0]
    assert "干部 C6" in text and "最近一年等次" in text and "2023 年度称职" in text


# -- scorecards and re-evaluation ------------------------------------------------------------

def test_scorecards_rank_and_change(world, run):
    db = (world.unit("L1", "632801", kind="地方").unit("L2", "632802", kind="地方")
          .unit("D1", "632801")
          .annual("T1-23", "L1", 2023, scores=80).annual("T1-24", "L1", 2024, scores=85)
          .annual("T2-23", "L2", 2023, scores=88).annual("T2-24", "L2", 2024, scores=82)
          .annual("A1", "D1", 2024, cadre="C1", scores=95)
          .annual("A2", "D1", 2024, cadre="C2", scores=80)
          .annual("A3", "D1", 2024, cadre="C3", scores=65).build())
    run(db)

    def card(scope, code, year):
        return next(db.query("SELECT * FROM scorecard WHERE scope = ? AND code = ? AND year = ?",
                             [scope, code, year]))
    # teams scored by indicators only: L1 80 → 85, L2 88 → 82
    c = card("地区", "632801", 2024)
    assert (c["team_score"], c["rank_in_class"], c["class_size"]) == (85, 1, 2)
    assert (c["prev_team_score"], c["team_score_change"], c["prev_rank"]) == (80, 5, 2)
    assert (card("地区", "632802", 2024)["rank_in_class"],
            card("地区", "632802", 2024)["team_score_change"]) == (2, -6)
    assert card("单位", "L2", 2023)["rank_in_class"] == 1       # 88 > 80 in 2023
    # D1: 95 is a 优秀 candidate but floor(0.15 × 3) = 0 places → 称职; 80 称职; 65 基本称职
    d = card("单位", "D1", 2024)
    assert (d["assessed"], d["excellent"], d["competent"], d["basic"], d["incompetent"]) == \
        (3, 0, 2, 1, 0)
    assert d["mean_score"] == pytest.approx(80.0)            # (95 + 80 + 65) / 3
    assert (d["excellent_candidates"], d["excellent_allowed"], d["quota_demoted"],
            d["quota_compliant"]) == (1, 0, 1, 1)
    assert d["rank_in_class"] is None                        # no team assessment
    province = card("地区", "630000", 2024)
    assert (province["assessed"], province["competent"], province["class"]) == (3, 2, "省")
    assert card("地区", "632800", 2024)["team_score"] is None   # no 地方 unit at 632800 itself
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'scorecard:region:632801:2024'"
                      ).fetchone()[0]
    assert "第 1 名，共 2 个" in text and "班子得分较上年" in text


def test_a_region_without_a_team_score_reads_so_in_its_change_from_last_year(world, run):
    # 632801 has cadres assessed in 2023 and 2024 but no 地方 team: its mean score changes
    # (90 → 80), its team score has no last year's value to compare: said in Chinese, not None
    db = (world.unit("D1", "632801")
          .annual("A0", "D1", 2023, cadre="C1", scores=90)
          .annual("A1", "D1", 2024, cadre="C1", scores=80).build())
    run(db)
    text = db.execute("SELECT cadre_explain(json) FROM explanation "
                      "WHERE id = 'scorecard:region:632801:2024'").fetchone()[0]
    assert "个人平均分较上年 = -10" in text
    assert "班子得分较上年：上年无班子得分" in text and "None" not in text, text


def dump(db):
    tables = ("assessment_result", "consequence", "scorecard", "target_summary", "explanation")
    return [line for line in db.conn.iterdump()
            if line.startswith(tuple(f'INSERT INTO "{t}"' for t in tables))]


def test_reevaluation_is_byte_identical(world, run):
    world.target("P1", "U1", 2024, 6, "目标甲", 50, 60)
    db = consequence_world(world)
    run(db)
    first = dump(db)
    run(db)
    assert first and dump(db) == first
    assert sum(line.startswith('INSERT INTO "assessment_result"') for line in first) == 21


def test_rules_and_parameters_are_stored_once_per_rule_set(world, run):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "D1", 2024, cadre="C1", scores=80)
          .annual("A2", "D1", 2024, cadre="C2", scores=70)
          .annual("A3", "G1", 2024, cadre="C3", scores=80).build())
    run(db, golmud())

    def see(aid):
        return explanations.stored(db.conn, db.execute(
            "SELECT json FROM explanation WHERE id = ?", [f"assessment:{aid}"]).fetchone()[0]
            )["see"]
    # A1 and A2 used the same rules (all provincial defaults): one shared entry;
    # A3 was graded by 格尔木's rule: another
    assert see("A1") == see("A2") != see("A3")
    shared = [r["subject"] for r in db.query(
        "SELECT subject FROM explanation WHERE kind = 'assessment_rules' ORDER BY id")]
    assert len(shared) == 2 and any("格尔木市等次标准" in s for s in shared)
    own = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'assessment:A1'").fetchone()[0]
    assert f"见说明 {see('A1')[0]}" in own and "参数：" not in own and "适用规则：" not in own


# -- derived result columns (migration cadre_sdk.assessment/0003, issue 19) ---------------

_SHOWN = ("assessment_id, subject, cadre_id, unit_code, unit_kind, region_code, year, score, "
          "raw_grade, grade, democratic_excellent_share, pool, rank_in_unit, pool_size, "
          "quota_allowed, quota_applied, indicator_plugin, formula_plugin, grading_plugin, "
          "explanation_id")


def test_what_a_result_derives_is_generated_and_only_other_plugins_are_stored(world, run):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1", scores=72)
          .annual("A2", "D1", 2024, cadre="C2", scores=72)
          .annual("A3", "D1", 2024, cadre="C3")            # nothing to score: no grading
          .annual("T1", "D1", 2024, scores=80)
          .build())
    run(db, golmud())
    derived = [r[1] for r in db.execute("PRAGMA table_xinfo(assessment_result)") if r[6] == 2]
    assert derived == ["pool", "indicator_plugin", "formula_plugin", "grading_plugin",
                       "explanation_id"]
    rows = {r["assessment_id"]: r for r in db.query("SELECT * FROM assessment_result")}
    assert {a: (r["pool"], r["indicator_plugin"], r["formula_plugin"], r["grading_plugin"],
                r["explanation_id"]) for a, r in rows.items()} == {
        "A1": ("单位 G1 2024 年度个人考核", DEFAULTS, DEFAULTS, "golmud_assessment",
               "assessment:A1"),
        "A2": ("单位 D1 2024 年度个人考核", DEFAULTS, DEFAULTS, DEFAULTS, "assessment:A2"),
        "A3": ("单位 D1 2024 年度个人考核", DEFAULTS, DEFAULTS, None, "assessment:A3"),
        "T1": ("地区 632802 2024 年度领导班子考核", DEFAULTS, DEFAULTS, DEFAULTS,
               "assessment:T1")}
    # stored: only golmud's name (the pools are the ones the SQL derives, as in explanations)
    assert {a: (r["pool_stored"], r["indicator_plugin_stored"], r["formula_plugin_stored"],
                r["grading_plugin_stored"]) for a, r in rows.items() if any(
        r[c] for c in ("pool_stored", "indicator_plugin_stored", "formula_plugin_stored",
                       "grading_plugin_stored"))} == {"A1": (None, None, None,
                                                             "golmud_assessment")}
    text, _ = explanation(db, "A2")
    assert "排名（单位 D1 2024 年度个人考核）" in text


def test_a_result_table_from_before_0003_upgrades_reading_the_same(world, run):
    from cadre_sdk.store.database import migrate
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1", scores=72)
          .annual("A2", "D1", 2024, cadre="C2", scores=90, democratic=(9, 1, 0, 0, 10))
          .annual("A3", "D1", 2024, cadre="C3")
          .annual("T1", "D1", 2024, scores=80)
          .build())
    run(db, golmud())
    conn = db.conn
    rows = conn.execute(f"SELECT {_SHOWN} FROM assessment_result ORDER BY 1").fetchall()
    # as 0001 made it (every column stored), one pool named otherwise (an older version's)
    rows[1] = (*rows[1][:11], "旧的排名范围", *rows[1][12:])
    conn.execute("DROP TABLE assessment_result")
    conn.execute("""CREATE TABLE assessment_result (assessment_id TEXT PRIMARY KEY
      REFERENCES assessment(id), subject TEXT NOT NULL, cadre_id TEXT, unit_code TEXT NOT NULL,
      unit_kind TEXT NOT NULL, region_code TEXT NOT NULL, year INTEGER NOT NULL, score REAL,
      raw_grade TEXT, grade TEXT, democratic_excellent_share REAL, pool TEXT,
      rank_in_unit INTEGER, pool_size INTEGER, quota_allowed INTEGER,
      quota_applied INTEGER NOT NULL, indicator_plugin TEXT NOT NULL,
      formula_plugin TEXT NOT NULL, grading_plugin TEXT, explanation_id TEXT NOT NULL)""")
    conn.execute("CREATE INDEX idx_assessment_result_cadre_id_year "
                 "ON assessment_result (cadre_id, year)")
    conn.executemany(f"INSERT INTO assessment_result VALUES ({', '.join('?' * 20)})", rows)
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'cadre_sdk.assessment' "
                 "AND name = '0003_derived_result_columns'")
    conn.commit()
    migrate(db)
    assert conn.execute(f"SELECT {_SHOWN} FROM assessment_result ORDER BY 1").fetchall() == rows
    assert conn.execute("SELECT assessment_id, pool_stored FROM assessment_result WHERE "
                        "pool_stored IS NOT NULL").fetchall() == [("A2", "旧的排名范围")]
    assert [r[1] for r in conn.execute("PRAGMA index_list(assessment_result)")
            if r[3] == "c"] == ["idx_assessment_result_cadre_id_year"]
