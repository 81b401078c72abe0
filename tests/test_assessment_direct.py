"""The direct path of the default formula and grading rule (``engines.assessment.direct``):
the same result rows and byte-identical explanation tables as the generic path (rule functions
called with a rule context, traces split after the fact), for every assessment of the demo store
and for hand-made shapes (missing scores, abstentions, missing and poor quarters, zero weights,
"710" targets, nothing to score); a plugin reusing ``weighted_score`` with its own weights takes
the direct path with its own numbers; a plugin's own grading function keeps the generic path; a
formula the direct path cannot read is reported by the generic path, naming the plugin, file and
line."""
from __future__ import annotations

import re
import shutil

import pytest

from cadre_sdk import GradingRule, PluginError, ScoringFormula
from cadre_sdk.engines.assessment import direct, engine
from cadre_sdk.formulas.assessment import threshold_grade, weighted_score
from cadre_sdk.parameters import parse_parameters
from cadre_sdk.store import explanations
from cadre_sdk.store.database import open_db
from test_assessment_engine import golmud, local_plugin, result

TABLES = {
    "results": "SELECT * FROM assessment_result ORDER BY assessment_id",
    "explanations": "SELECT id, kind, subject, json FROM explanation ORDER BY id",
    "refs": "SELECT id, kind, digest, json FROM explanation_ref ORDER BY id",
}


def stored(db) -> dict[str, list]:
    """The assessment results and every explanation row and reference entry, as stored."""
    return {name: db.execute(sql).fetchall() for name, sql in TABLES.items()}


def count_direct(monkeypatch) -> list[str]:
    """The ids of the assessments the direct path scores (appended as they are scored)."""
    scored: list[str] = []
    score = direct.DirectFormula.score

    def counted(self, inputs, trace):
        scored.append(inputs.assessment_id)
        return score(self, inputs, trace)
    monkeypatch.setattr(direct.DirectFormula, "score", counted)
    return scored


def both_paths(monkeypatch, evaluate) -> tuple[dict, dict, list[str]]:
    """``evaluate()`` on the generic path, then on the direct path (each replacing the other's
    results), every explanation stored whole (``engine.REPLAY = False``; made when read, they
    read the same: ``test_assessment_replay``): what each stored, and the assessments the
    direct path scored."""
    monkeypatch.setattr(engine, "REPLAY", False)
    with monkeypatch.context() as m:
        m.setattr(direct, "ENABLED", False)
        evaluate()
    generic = stored(evaluate.db)
    scored = count_direct(monkeypatch)
    evaluate()
    return generic, stored(evaluate.db), scored


class Evaluate:
    def __init__(self, run, db, *plugins):
        self.run, self.db, self.plugins = run, db, plugins

    def __call__(self):
        self.run(self.db, *self.plugins)


def test_demo_store_is_stored_byte_for_byte_alike_on_both_paths(demo_store, tmp_path,
                                                                 cadre_plugins, cadre_evaluate,
                                                                 monkeypatch):
    path = tmp_path / "store.db"
    shutil.copyfile(demo_store, path)
    db = open_db(path)
    plugins = cadre_plugins()

    def evaluate():
        cadre_evaluate(db, plugins, as_of="2025-01-31", only=("assessment",))
    evaluate.db = db
    generic, fast, scored = both_paths(monkeypatch, evaluate)
    assert len(scored) == len(generic["results"]) > 50    # every assessment took the direct path
    assert fast == generic
    texts = {eid: explanations.render(db.conn, body)
             for eid, _, _, body in fast["explanations"]}
    assert all(texts.values())


def shapes(world):
    """Every shape of annual assessment the direct path meets: components missing, a poor
    quarter blocking 优秀, nothing to score, an abstention, a tie, teams pooled by region, a
    unit's "710" targets."""
    return (world.unit("D1", "632802").unit("D2", "632802")
            .annual("A1", "D1", 2024, cadre="C1", scores={"de": 95, "neng": 92},  # some missing
                    democratic=(5, 3, 0, 0, 10), quarters={"一季度": "较差", "三季度": "好"})
            .annual("A2", "D1", 2024, cadre="C2", scores=96, democratic=(9, 0, 0, 0, 9),
                    quarters={"二季度": "较差"})                  # 优秀 blocked by a poor quarter
            .annual("A3", "D1", 2024, cadre="C3", scores=None)  # nothing to score
            .annual("A4", "D1", 2024, cadre="C4", scores=88, reverse=(1, 1, 0, 0, 3),
                    interview=(0, 0, 0, 0, 0),                  # abstention; 0 participants
                    quarters={"一季度": "好", "二季度": "较好", "三季度": "一般", "四季度": "好"})
            .annual("A5", "D1", 2024, cadre="C5", scores=61)
            .annual("A7", "D1", 2024, cadre="C7", scores=98, democratic=(9, 0, 0, 0, 9))
            .annual("A8", "D1", 2024, cadre="C8", scores=98, democratic=(9, 0, 0, 0, 9))  # tie
            .annual("A6", "D2", 2024, cadre="C6", scores=50, democratic=(0, 0, 1, 8, 9))
            .annual("B1", "D1", 2024, scores=90)                # teams, pooled by region
            .annual("B2", "D2", 2024, scores=97)
            .target("T1", "D2", 2024, 12, "重点目标一", 100, 100)
            .target("T2", "D2", 2024, 12, "重点目标二", 100, 40)
            .build())


def test_every_shape_is_stored_alike_on_both_paths(world, run, monkeypatch):
    db = shapes(world)
    generic, fast, scored = both_paths(monkeypatch, Evaluate(run, db))
    assert sorted(scored) == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1", "B2"]
    assert fast == generic
    assert result(db, "A3")["grade"] is None
    assert result(db, "A2")["raw_grade"] == "称职"


def formula_parameters(weights: dict[str, int], name: str) -> object:
    """A local parameter file of the default formula with its own ``weights`` (the rest as
    the defaults' shape)."""
    return parse_parameters("""
description: 测试：本地计分公式参数（只改权重）
formula:
  individual:
    weights:
""" + "".join(f"""      {key}:
        values: {{2018-01-01: {{value: {w}, reference: "测试：权重", example: true}}}}
""" for key, w in weights.items()) + """
  vote_points:
""" + "".join(f"""    {key}:
      values: {{2018-01-01: {{value: {p}, reference: "测试：票分", example: true}}}}
""" for key, p in (("excellent", 100), ("competent", 80), ("basic", 60), ("incompetent", 0))) + """
  routine_points:
""" + "".join(f"""    {key}:
      values: {{2018-01-01: {{value: {p}, reference: "测试：季度分", example: true}}}}
""" for key, p in (("good", 100), ("fairly_good", 85), ("average", 70), ("poor", 50))) + """
  score_decimals:
    values: {2018-01-01: {value: 2, reference: "测试：保留两位", example: true}}
""", name)


OWN_FORMULA = formula_parameters({"indicators": 50, "democratic": 50, "reverse": 0, "interview": 0,
                                  "routine": 0, "targets": 0}, "own_formula.yaml")


def own_weights(parameters=OWN_FORMULA):
    def register_scoring(register):
        register(ScoringFormula(subject="个人", compute=weighted_score, parameters=parameters,
                                name="本地权重计分公式"))
    return local_plugin("own_weights", "632801", register_scoring=register_scoring)


def test_a_plugin_reusing_the_formula_with_its_own_weights_takes_the_direct_path(
        world, run, monkeypatch):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1", scores=80, democratic=(5, 4, 0, 0, 9),
                  reverse=(9, 0, 0, 0, 9), quarters={"一季度": "好"})
          .annual("A2", "D1", 2024, cadre="C2", scores=80, democratic=(5, 4, 0, 0, 9),
                  reverse=(9, 0, 0, 0, 9))
          .build())
    generic, fast, scored = both_paths(monkeypatch, Evaluate(run, db, own_weights()))
    assert sorted(scored) == ["A1", "A2"]
    assert fast == generic
    # 民主测评 (100×5 + 80×4) / 9 = 91.111…; 反向测评 100 and 平时考核 100 (weight 0 here:
    # shown only); own weights: (50×80 + 50×91.111…) / 100 = 85.555… → 85.56
    assert (result(db, "A1")["score"], result(db, "A1")["formula_plugin"]) == \
        (85.56, "own_weights")
    # default weights: (60×80 + 20×91.111… + 10×100) / 90 = 7622.22… / 90 = 84.69
    assert result(db, "A2")["score"] == 84.69
    text = explanations.render(db.conn, db.execute(
        "SELECT json FROM explanation WHERE id = 'assessment:A1'").fetchone()[0])
    assert "反向测评权重为 0：上项只作参考" in text and "平时考核权重为 0：上项只作参考" in text
    shared = explanations.lookup(db.conn, explanations.lookup(
        db.conn, "assessment:A1")["see"][0])
    cited = {(p["path"], p["plugin"]) for p in shared["parameters"]}
    assert ("formula.individual.weights.democratic", "own_weights") in cited
    assert ("formula.routine_points.good", "own_weights") in cited


def test_a_plugin_with_its_own_grading_function_keeps_the_generic_path(world, run,
                                                                       monkeypatch):
    db = (world.unit("G1", "632801").unit("D1", "632802")
          .annual("A1", "G1", 2024, cadre="C1", scores=72)
          .annual("A2", "D1", 2024, cadre="C2", scores=72).build())
    generic, fast, scored = both_paths(monkeypatch, Evaluate(run, db, golmud()))
    # 格尔木's own function grades A1 (65 ≤ 72 < 75) on the generic path; the default
    # thresholds grade A2 (≥ 70) on the direct path
    assert scored == ["A2"]
    assert fast == generic
    assert (result(db, "A1")["grade"], result(db, "A1")["grading_plugin"]) == \
        ("基本称职", "golmud_assessment")
    assert result(db, "A2")["grade"] == "称职"


def test_a_formula_the_direct_path_cannot_read_is_reported_naming_the_plugin(world, run,
                                                                            monkeypatch):
    # a weight that is not a number: the direct path leaves this rule to the generic path,
    # whose fault names the plugin and where in the formula it failed
    broken = parse_parameters("""
description: 测试：权重不是数的计分公式参数
formula:
  individual:
    weights:
      routine:
        values: {2018-01-01: {value: 十, reference: "测试", example: true}}
""", "broken.yaml")

    def register_scoring(register):
        register(ScoringFormula(subject="个人", compute=weighted_score, parameters=broken))
        register(GradingRule(subject="个人", grade=threshold_grade,
                             parameters=broken))
    db = world.unit("G1", "632801").annual("A1", "G1", 2024, cadre="C1", scores=80).build()
    scored = count_direct(monkeypatch)
    with pytest.raises(PluginError) as err:
        run(db, local_plugin("broken_formula", "632801", register_scoring=register_scoring))
    assert scored == []
    assert err.value.plugin == "broken_formula"
    assert re.search(r"formulas/assessment\.py:\d+", str(err.value))
    assert db["assessment_result"].count == 0


def test_a_fault_inside_the_direct_path_falls_back_to_the_generic_path(world, run,
                                                                       monkeypatch):
    db = world.unit("D1", "632802").annual("A1", "D1", 2024, cadre="C1", scores=80).build()

    def fails(self, inputs, trace):
        raise ZeroDivisionError("direct path")
    monkeypatch.setattr(direct.DirectFormula, "score", fails)
    run(db)
    assert result(db, "A1")["score"] == 80.0


def test_indicator_lines_are_shared_across_groups_and_bounded() -> None:
    """Equal indicator lines are shared by every group of a run, and the memo holding them
    stops at ``LINES_LIMIT`` whatever the number of groups (a memo per group grew with them)."""
    from types import SimpleNamespace

    from cadre_sdk.engines.assessment import scoring
    from cadre_sdk.engines.assessment.rules import line_specs

    shared: dict = {}

    def group(weight: float) -> SimpleNamespace:
        ind = SimpleNamespace(code="I1", name="指标一")
        weights = [(ind, [SimpleNamespace(value=weight)])]
        return SimpleNamespace(lines=shared, weights=weights, line_specs=line_specs(weights))

    a, b, c = group(30.0), group(30.0), group(30)   # c: the same weight as an int
    (line_a,) = scoring._lines(a, {"I1": 88.5})
    (line_b,) = scoring._lines(b, {"I1": 88.5})
    (line_c,) = scoring._lines(c, {"I1": 88.5})
    assert line_a is line_b                       # equal lines of two groups: one object
    assert line_c is not line_a and type(line_c.weight) is int   # 30 is not 30.0 in a text
    for i in range(scoring.LINES_LIMIT + 500):
        (line,) = scoring._lines(group(float(i % 7)), {"I1": 50 + i / 1000})
        assert line.score == 50 + i / 1000
    assert len(shared) == scoring.LINES_LIMIT
