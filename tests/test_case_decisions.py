"""Determination on the dimensions: the decision rule, red lines, consequences, explanations,
local variants, and deterministic re-evaluation."""
import functools

import pytest

from cadre_sdk import ToleranceVariant, hookimpl, load_parameters
from cadre_sdk.core.errors import DataError
from cadre_sdk.records import vocab

from case_data import case_row, ev, evaluate, findings, people, rows

DETERMINED = [("申请", "2024-03-01"), ("受理", "2024-03-04"), ("认定", "2024-03-20")]


def load_case(db, load, case_id, found, region="630102", cadre="C1", extra_events=(),
              **determination):
    load(db, "case", [case_row(case_id, cadre, region)])
    events = [ev(case_id, n, e, d, **(determination if e == "认定" else {}))
              for n, (e, d) in enumerate(DETERMINED, 1)]
    events += [ev(case_id, len(events) + n, e, d, **x)
               for n, (e, d, x) in enumerate(extra_events, 1)]
    load(db, "case_event", events)
    if found:
        load(db, "case_finding", found)


def decision(db, case_id):
    (row,) = rows(db, "SELECT * FROM case_decision WHERE case_id = ?", [case_id])
    return row


@pytest.fixture
def db(cadre_db, cadre_load):
    people(cadre_db, cadre_load)
    return cadre_db


def test_a_red_line_overrides_favourable_dimensions(db, cadre_load, cadre_plugins):
    load_case(db, cadre_load, "R1", findings("R1"), red_line="违反政治纪律和政治规矩",
              decision="不予容错")
    evaluate(db, cadre_plugins(), "2024-04-01")
    row = decision(db, "R1")
    assert row["favourable"] == 7 and row["unfavourable"] == 0
    # the text is an alias of the provincial entry RL-01; the rule: a red line -> 不予容错
    assert (row["red_line"], row["rule_decision"], row["decision"], row["consequences"]) == (
        "RL-01 触碰纪律红线（违纪行为）", "不予容错", "不予容错", "依规依纪依法处理")
    assert row["consistent"] == 1
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      [row["check_explanation_id"]]).fetchone()[0]
    assert "触碰红线，不予容错" in text and "对应的红线目录条目：RL-01 触碰纪律红线" in text
    # the entry's status is shown with its source: the seed's words, an official statement
    assert "答记者问" in text
    state = db.execute("SELECT decision FROM case_state WHERE case_id = 'R1'").fetchone()
    assert state[0] == "不予容错"


# Each expectation follows the default rule in cadre_sdk/defaults/tolerance.py::decide.
@pytest.mark.parametrize("red_line, by_dimension, expected, consequences", [
    # "无" means no red line; all 7 有利 -> rule 4
    ("无", {}, "容错", "不作负面评价，免予追究责任"),
    # 2 不利 on non-decisive dimensions: 2 <= max 2 -> rule 5
    ("", {"结果": "不利", "处置": "不利"}, "部分容错", "从轻、减轻追究责任"),
    # 目的 is decisive (private gain) -> rule 2
    ("", {"目的": "不利"}, "不予容错", "依规依纪依法处理"),
    # 节点 is decisive (after a prohibition) -> rule 2
    ("", {"节点": "不利"}, "不予容错", "依规依纪依法处理"),
    # 3 不利, none decisive: 3 > 2 -> rule 3
    ("", {"方向": "不利", "程序": "不利", "结果": "不利"}, "不予容错", "依规依纪依法处理"),
    # a doubt prevents full tolerance -> rule 5
    ("", {"程序": "存疑"}, "部分容错", "从轻、减轻追究责任"),
])
def test_the_default_decision_rule(db, cadre_load, cadre_plugins, red_line, by_dimension,
                                   expected, consequences):
    load_case(db, cadre_load, "R1", findings("R1", **by_dimension), red_line=red_line,
              decision=expected)
    evaluate(db, cadre_plugins(), "2024-04-01")
    row = decision(db, "R1")
    assert (row["rule_decision"], row["decision"], row["consequences"], row["consistent"]) == (
        expected, expected, consequences, 1)
    assert row["red_line"] is None
    assert row["unfavourable"] == sum(v == "不利" for v in by_dimension.values())


def test_a_missing_dimension_counts_as_doubtful(db, cadre_load, cadre_plugins):
    found = [f for f in findings("R1") if f["研判维度"] != "处置"]
    load_case(db, cadre_load, "R1", found)
    evaluate(db, cadre_plugins(), "2024-04-01")
    row = decision(db, "R1")
    assert (row["favourable"], row["unjudged"], row["rule_decision"]) == (6, 1, "部分容错")
    assert row["dimensions"].endswith("结果:有利；处置:未研判")


def test_no_findings_and_no_red_line_leaves_the_decision_open(db, cadre_load, cadre_plugins):
    load_case(db, cadre_load, "R1", [])
    evaluate(db, cadre_plugins(), "2024-04-01")
    row = decision(db, "R1")
    assert row["rule_decision"] is None and row["consequences"] is None
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'case_check:R1'").fetchone()[0]
    assert "缺少研判意见" in text


def test_a_recorded_conclusion_that_disagrees_with_the_rule_is_flagged(
        db, cadre_load, cadre_plugins):
    load_case(db, cadre_load, "R1", findings("R1", 结果="不利"), decision="容错")
    load_case(db, cadre_load, "R2", findings("R2"), decision="容错")
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-04-01")
    assert (decision(db, "R1")["consistent"], decision(db, "R2")["consistent"]) == (0, 1)
    # the recorded 容错 is the 认定结果 of both; R1's rule check (1 不利 -> 部分容错) differs
    assert (decision(db, "R1")["decision"], decision(db, "R1")["rule_decision"]) == (
        "容错", "部分容错")
    sql = plugins.book.catalogue("query")["decisions_by_prefecture"].item.sql
    assert [(r["市州"], r["认定结果"], r["案件数"], r["认定与规则测算不一致"])
            for r in rows(db, sql)] == [("西宁市", "容错", 2, 1)]


def test_an_appeal_decision_is_final(db, cadre_load, cadre_plugins):
    appeal = [("反馈", "2024-03-22", {}), ("申诉", "2024-03-25", {}),
              ("申诉决定", "2024-04-10", {"decision": "容错"})]
    load_case(db, cadre_load, "R1", findings("R1", 程序="存疑"), extra_events=appeal,
              decision="部分容错")
    evaluate(db, cadre_plugins(), "2024-04-12")
    row = decision(db, "R1")
    assert (row["rule_decision"], row["recorded_decision"], row["appeal_decision"],
            row["decision"]) == ("部分容错", "部分容错", "容错", "容错")
    assert row["consequences"] == "不作负面评价，免予追究责任"
    # the decision in force (the appeal's 容错) differs from the rule's 部分容错: flagged
    assert row["consistent"] == 0


def test_a_mismatch_made_on_appeal_is_the_appeal_body_s(db, cadre_load, cadre_plugins):
    # 西宁 determines 不予容错, which is what the rule computes (目的 不利 is decisive); on appeal
    # the province decides 部分容错: the differing decision, its body and document are the
    # appeal's, and the first body's determination (consistent with the rule) is not blamed.
    appeal = [("反馈", "2024-03-22", {}), ("申诉", "2024-03-25", {}),
              ("申诉决定", "2024-04-10", {"decision": "部分容错", "body": "省委组织部",
                                       "document_no": "青组〔2024〕9号"})]
    load_case(db, cadre_load, "R1", findings("R1", 目的="不利"), extra_events=appeal,
              decision="不予容错", body="西宁市委组织部", document_no="宁组〔2024〕3号")
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-04-12")
    row = decision(db, "R1")
    assert (row["rule_decision"], row["recorded_decision"], row["decision"], row["consistent"]
            ) == ("不予容错", "不予容错", "部分容错", 0)
    assert (row["determined_by"], row["document_no"]) == ("省委组织部", "青组〔2024〕9号")
    sql = plugins.book.catalogue("query")["determination_mismatches_by_body"].item.sql
    assert [(r["认定机关"], r["认定与规则测算不一致"]) for r in rows(db, sql)] == [("省委组织部", 1)]
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                      [row["explanation_id"]]).fetchone()[0]
    assert "申诉决定与规则测算结果不一致（列入监督复核）" in text
    assert "认定结论与规则测算结果不一致" not in text


def test_decisions_by_dimension_query(db, cadre_load, cadre_plugins):
    load_case(db, cadre_load, "R1", findings("R1", 结果="不利"), decision="部分容错")
    load_case(db, cadre_load, "R2", findings("R2"), decision="容错")
    load_case(db, cadre_load, "R3", findings("R3"))    # no determination: not counted
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-04-01")
    sql = plugins.book.catalogue("query")["decisions_by_dimension"].item.sql
    got = {(r["研判维度"], r["研判结论"], r["认定结果"]): r["案件数"] for r in rows(db, sql)}
    assert got[("结果", "不利", "部分容错")] == 1 and got[("结果", "有利", "容错")] == 1
    assert got[("节点", "有利", "部分容错")] == 1
    assert sum(got.values()) == 14  # 2 cases x 7 dimensions
    # counted once per evaluation, replaced (not added to) by the next one
    evaluate(db, plugins, "2024-04-01")
    again = {(r["研判维度"], r["研判结论"], r["认定结果"]): r["案件数"] for r in rows(db, sql)}
    assert again == got


class HaixiExtraDimension:
    """海西州: an extra dimension (民族团结) and an extra red line; the rest from the province."""

    __name__ = "haixi_dimensions"

    def __init__(self, folder):
        path = folder / "haixi.yaml"
        path.write_text("description: 海西州（测试）\nx:\n  unused:\n    values:\n"
                        "      2018-01-01: {value: 1, reference: 测试}\n", encoding="utf-8")
        self.variant = ToleranceVariant(parameters=load_parameters(path),
                                        dimensions=(*vocab.DIMENSIONS, "民族团结"),
                                        red_lines=("破坏民族团结",))

    @hookimpl
    def cadre_jurisdiction(self):
        """海西州."""
        return "632800"

    @hookimpl
    def register_tolerance_variants(self, register):
        """The variant with the extra dimension and red line."""
        register(self.variant)


def test_a_local_extra_dimension_counts_only_in_its_prefecture(
        db, cadre_load, cadre_plugins, tmp_path):
    for case_id, region, cadre in (("R1", "630102", "C1"), ("R2", "632801", "C2")):
        found = findings(case_id, 结果="不利", 处置="不利")
        found.append({"案件编号": case_id, "研判维度": "民族团结", "研判结论": "不利", "理由": ""})
        load_case(db, cadre_load, case_id, found, region=region, cadre=cadre)
    evaluate(db, cadre_plugins(HaixiExtraDimension(tmp_path)), "2024-04-01")
    # 西宁: the extra dimension is not judged there: 2 不利 <= 2 -> 部分容错
    assert (decision(db, "R1")["unfavourable"], decision(db, "R1")["rule_decision"]) == (
        2, "部分容错")
    # 格尔木 (海西州): 8 dimensions, 3 不利 > 2 -> 不予容错 (by the provincial rule, inherited)
    assert (decision(db, "R2")["unfavourable"], decision(db, "R2")["rule_decision"]) == (
        3, "不予容错")
    assert decision(db, "R2")["dimensions"].endswith("民族团结:不利")


def test_a_local_red_line_adds_to_the_provinces(db, cadre_load, cadre_plugins, tmp_path):
    plugins = cadre_plugins(HaixiExtraDimension(tmp_path))
    load = functools.partial(_load_with, cadre_load, plugins)
    load_case(db, load, "R2", findings("R2"), region="632801", cadre="C2",
              red_line="破坏民族团结")
    evaluate(db, plugins, "2024-04-01")
    assert decision(db, "R2")["rule_decision"] == "不予容错"
    # a variant's red line not registered as an entry is listed under a code made from its
    # jurisdiction (632800, first red line), without a status
    text = db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'case_check:R2'").fetchone()[0]
    assert "对应的红线目录条目：632800-01 破坏民族团结" in text
    # in 西宁 the 海西 red line is not in the catalogue: refused at load
    with pytest.raises(DataError):
        load_case(db, load, "R1", findings("R1"), red_line="破坏民族团结")


def _load_with(load, plugins, db, kind, rows_):
    return load(db, kind, rows_, plugins)


def dump(db):
    tables = ("case_state", "case_deadline", "case_decision", "explanation", "explanation_ref")
    return {t: list(db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()) for t in tables}


def test_re_evaluation_is_byte_identical(db, cadre_load, cadre_plugins):
    load_case(db, cadre_load, "R1", findings("R1", 结果="不利"), red_line="", decision="容错")
    load_case(db, cadre_load, "R2", findings("R2"))
    plugins = cadre_plugins()
    evaluate(db, plugins, "2024-04-01")
    first = dump(db)
    evaluate(db, plugins, "2024-04-01")
    assert dump(db) == first and first["case_decision"]
