"""Grade quotas: small units, ties at the boundary, local quotas, teams pooled apart.

Default: 优秀 for at most 15% of the graded individuals of a unit and year, rounded down; rank
by score, then the share of 优秀 votes in the democratic evaluation, then cadre id; candidates
beyond the quota get 称职. Scores below come from indicators only (all six indicators at the
same value give that value as the score), unless the comment says otherwise.
"""
from __future__ import annotations

import pytest

from cadre_sdk import GradeQuota
from cadre_sdk.engines.assessment.quota import quota_size
from cadre_sdk.parameters import parse_parameters

from test_assessment_engine import explanation, local_plugin, result


def grades(db, *aids):
    return [(result(db, a)["grade"], result(db, a)["rank_in_unit"], result(db, a)["quota_applied"])
            for a in aids]


@pytest.mark.parametrize("share, n, rounding, minimum, expected", [
    (0.15, 3, "floor", 0, 0),     # 0.45 → 0: a unit of 3 gets no 优秀
    (0.15, 7, "floor", 0, 1),     # 1.05 → 1
    (0.15, 20, "floor", 0, 3),    # 3.0 exactly (0.15 × 20 is 3.0000000000000004 in binary)
    (0.15, 20, "ceil", 0, 3),     # … which must not tip ceil to 4
    (0.15, 10, "round", 0, 2),    # 1.5 → 2 (half up, not half to even)
    (0.15, 3, "floor", 1, 1),     # a minimum of 1 lets a small unit have one
    (0.15, 0, "floor", 1, 0),     # never more than those assessed
])
def test_quota_size(share, n, rounding, minimum, expected):
    assert quota_size(share, n, rounding, minimum) == expected


def test_unit_of_three_gets_no_excellent(world, run):
    db = (world.unit("U1", "632801")
          .annual("A1", "U1", 2024, cadre="C1", scores=96)
          .annual("A2", "U1", 2024, cadre="C2", scores=93)
          .annual("A3", "U1", 2024, cadre="C3", scores=91).build())
    run(db)
    # all three ≥ 90 are 优秀 candidates; floor(0.15 × 3) = floor(0.45) = 0 places → 称职
    assert grades(db, "A1", "A2", "A3") == [("称职", 1, 1), ("称职", 2, 1), ("称职", 3, 1)]
    row = result(db, "A1")
    assert (row["raw_grade"], row["quota_allowed"], row["pool_size"]) == ("优秀", 0, 3)
    text = explanation(db, "A1")[0]
    assert "0.15 × 3 = 0.45，向下取整 = 0" in text
    # a quota of 0: nobody ranked ahead took the place
    assert "优秀名额为 0（0.15 × 3 = 0.45，向下取整），本单位无人可评为优秀，定为称职" in text
    assert "排名在前者" not in text


def seven(world, top):
    """A unit of 7 (floor(0.15 × 7) = 1 place); ``top`` maps assessment ids to
    (cadre, score, democratic votes); the rest score 80."""
    world.unit("U1", "632801")
    for aid, (cadre, score, votes) in top.items():
        world.annual(aid, "U1", 2024, cadre=cadre, scores=score, democratic=votes)
    for n in range(len(top) + 1, 8):
        world.annual(f"A{n}", "U1", 2024, cadre=f"C{n}", scores=80)
    return world.build()


def test_tie_at_the_boundary_goes_to_the_higher_democratic_excellent_share(world, run):
    # Two candidates with equal scores whose democratic evaluations score the same but differ
    # in the share of 优秀 votes:
    # A1: 4 优秀, 0 称职, 6 基本称职 of 10 → (400 + 360) / 10 = 76; share 0.4
    # A2: 0 优秀, 8 称职, 2 基本称职 of 10 → (640 + 120) / 10 = 76; share 0
    # score for both: (60×97 + 20×76) / 80 = (5820 + 1520) / 80 = 7340 / 80 = 91.75
    db = seven(world, {"A1": ("C9", 97, (4, 0, 6, 0, 10)), "A2": ("C1", 97, (0, 8, 2, 0, 10))})
    run(db)
    assert result(db, "A1")["score"] == result(db, "A2")["score"] == pytest.approx(91.75)
    # A1 wins the one place on the democratic share although its cadre id (C9) sorts later
    assert grades(db, "A1", "A2") == [("优秀", 1, 0), ("称职", 2, 1)]


def test_full_tie_goes_to_the_lower_cadre_id(world, run):
    db = seven(world, {"A1": ("C9", 95, None), "A2": ("C1", 95, None)})
    run(db)
    # same score 95, no democratic evaluation (share 0 for both) → cadre id: C1 before C9
    assert grades(db, "A2", "A1") == [("优秀", 1, 0), ("称职", 2, 1)]
    text = explanation(db, "A1")[0]
    assert "再按干部编号" in text and "第 2 名，共 7 名" in text
    # both explanations say there was a tie and how it was broken
    for aid in ("A1", "A2"):
        shown = explanation(db, aid)[0]
        assert "并列：得分和民主测评优秀票比例均相同；按 cadre-sdk 的约定以干部编号" in shown
        assert "C1（第 1 名）、C9（第 2 名）" in shown
    assert "与 C1 并列，按干部编号排在其后" in text
    assert "已由排名在前者占满" not in text


def test_unscored_assessments_do_not_count_towards_the_quota(world, run):
    world.unit("U1", "632801")
    for n in range(1, 8):
        world.annual(f"A{n}", "U1", 2024, cadre=f"C{n}", scores=95 if n == 1 else 80)
    world.annual("A8", "U1", 2024, cadre="C8", democratic=(1, 1, 0, 0, 2))   # no indicators
    db = world.build()
    run(db)
    # 7 graded (A8 has no score): floor(0.15 × 7) = 1 → A1 keeps 优秀
    assert grades(db, "A1") == [("优秀", 1, 0)]
    assert result(db, "A1")["pool_size"] == 7
    assert result(db, "A8")["grade"] is None


GENEROUS = parse_parameters("""
description: 格尔木市优秀名额（测试）
quota:
  share:
    unit: ratio
    values:
      2020-01-01: {value: 0.2, reference: "测试：本地优秀比例", example: true}
  minimum:
    unit: count
    values:
      2020-01-01: {value: 1, reference: "测试：小单位至少一个名额", example: true}
""", "golmud_quota.yaml")


def test_local_quota_applies_in_its_jurisdiction_only(world, run):
    def register_scoring(register):
        register(GradeQuota(grade="优秀", share="quota.share", minimum="quota.minimum",
                            parameters=GENEROUS, name="格尔木市优秀名额"))
    for unit, region in (("G1", "632801"), ("D1", "632802")):
        world.unit(unit, region)
        for n in range(1, 4):
            world.annual(f"{unit}-{n}", unit, 2024, cadre=f"{unit}C{n}", scores=90 + n)
    db = world.build()
    run(db, local_plugin("golmud_quota", "632801", register_scoring=register_scoring))
    # 格尔木: max(floor(0.2 × 3), 1) = max(0, 1) = 1 → the best (93) keeps 优秀
    assert grades(db, "G1-3", "G1-2", "G1-1") == [("优秀", 1, 0), ("称职", 2, 1), ("称职", 3, 1)]
    # 德令哈: the provincial floor(0.15 × 3) = 0
    assert [g for g, _, _ in grades(db, "D1-3", "D1-2", "D1-1")] == ["称职"] * 3
    assert result(db, "G1-3")["quota_allowed"] == 1


def test_teams_are_pooled_apart_from_individuals(world, run):
    world.unit("U1", "632801")
    for n in range(1, 8):
        world.annual(f"A{n}", "U1", 2024, cadre=f"C{n}", scores=93 if n <= 2 else 80)
    world.annual("T1", "U1", 2024, scores=99)
    db = world.build()
    run(db)
    # individuals: 7 graded → 1 place: C1 (93, id first) 优秀, C2 (93) 称职
    assert grades(db, "A1", "A2") == [("优秀", 1, 0), ("称职", 2, 1)]
    # the team (99, the best score in the unit) took no individual's place: it is pooled with
    # the teams of 632801 — only itself, floor(0.15 × 1) = 0 → 称职
    team = result(db, "T1")
    assert (team["grade"], team["rank_in_unit"], team["pool_size"], team["quota_allowed"]) == \
        ("称职", 1, 1, 0)
    assert team["pool"] == "地区 632801 2024 年度领导班子考核"
