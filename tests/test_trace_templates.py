"""Explanations written from ``Trace`` objects (engine-side templates, issue 19): ``Filled``
texts keep their constant parts in the template, ``split_trace`` finds the template without
walking the trace's dict; what is read back equals what the walk of the same trace as a plain
dict reads back, key for key, and renders the same Chinese text."""
from __future__ import annotations

import datetime
import json
import math
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.core.trace import (
    CompactTrace, Filled, Joined, Pattern, Trace, literal, parameter_record, render_text,
)
from cadre_sdk.parameters import ParameterValue
from cadre_sdk.store import explanations
from cadre_sdk.store.explanation_templates import NUMBER, TEXT, VALUE


def _store() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(explanations.TABLE_SQL)
    conn.execute("CREATE TABLE explanation_ref (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                 "digest INTEGER NOT NULL, json TEXT NOT NULL)")
    explanations.register_sql_function(conn)
    return conn


def _row(conn: sqlite3.Connection, eid: str) -> dict:
    return json.loads(conn.execute("SELECT cadre_explanation_json(json) FROM explanation "
                                   "WHERE id = ?", [eid]).fetchone()[0])


def _rendered(conn: sqlite3.Connection, eid: str) -> str:
    return conn.execute("SELECT cadre_explain(json) FROM explanation WHERE id = ?",
                        [eid]).fetchone()[0]


def _scored(subject: str, scores: tuple[float, float], votes: int) -> Trace:
    """A trace as a weighted formula records it: weights 30 and 70 are the rule's."""
    trace = Trace(subject=subject)
    trace.input("考核编号", subject)
    trace.input("指标得分", {"ji": scores[0], "de": scores[1]})
    value = (30 * scores[0] + 70 * scores[1]) / 100
    trace.step("加权得分", value, Filled("(30×{} + 70×{}) ÷ 100", *scores))
    trace.step(Filled("得分（四舍五入保留 2 位小数）"), round(value, 2))
    trace.step("民主测评", "有记录", Filled("参评 {} 人", votes))
    trace.result = round(value, 2)
    trace.see = ["assessment_rules:abcdef"]
    return trace


def test_a_filled_text_is_its_text() -> None:
    text = Filled("({}×30) ÷ {}", "91.5", 2)
    assert text == "(91.5×30) ÷ 2" and isinstance(text, str)
    assert json.dumps(text, ensure_ascii=False) == '"(91.5×30) ÷ 2"'
    assert Filled(literal("名称{甲}") + "：{}", 3) == "名称{甲}：3"


def test_traces_of_one_rule_share_a_template_and_store_only_their_numbers() -> None:
    conn = _store()
    first, second = _scored("甲 KH1", (91.5, 88), 12), _scored("乙 KH2", (70.25, 95), 7)
    expected = [json.loads(explanations.canonical(t.to_dict())) for t in (first, second)]
    texts = [render_text(e) for e in expected]      # stored JSON has its keys sorted
    explanations.write(conn, [("a:1", "a", "s", first), ("a:2", "a", "s", second)])
    one, two = _row(conn, "a:1"), _row(conn, "a:2")
    assert one["t"] == two["t"]
    # the weights 30, 70, 100 and the 2 of the label are in the template's texts, not in
    # the values; the shown scores and the count are
    numbers = [v for v in one["v"] if isinstance(v, (int, float))]
    cited = [n for v in one["v"] if isinstance(v, list) for n in v[1:]]
    assert 30 not in numbers + cited and 70 not in numbers + cited and 2 not in numbers
    assert {91.5, 88, 12} <= set(cited)
    stored = {json.loads(body) for body, in conn.execute(
        "SELECT json FROM explanation_ref WHERE kind = 'text'") if "30×" in body}
    assert stored == {f"(30×{NUMBER} + 70×{NUMBER}) ÷ 100"}
    for eid, want, text in zip(("a:1", "a:2"), expected, texts):
        assert explanations.lookup(conn, eid) == want
        assert _rendered(conn, eid) == text


def test_traces_referring_to_other_shared_entries_share_a_template() -> None:
    # issue 19: an assessment names the shared entry of its year's rules (``see``); those
    # ids differ from rule set to rule set (letters and digits), and each made a template
    conn = _store()
    first, second = _scored("甲 KH1", (91.5, 88), 12), _scored("乙 KH2", (70.25, 95), 7)
    second.see = ["assessment_rules:9f3c0b27aa1e"]
    as_dicts = [_scored("甲 KH1", (91.5, 88), 12).to_dict(), second.to_dict()]
    expected = [json.loads(explanations.canonical(d)) for d in as_dicts]
    explanations.write(conn, [("a:1", "a", "s", first), ("a:2", "a", "s", second)])
    explanations.write(conn, [("d:1", "d", "s", as_dicts[0]), ("d:2", "d", "s", as_dicts[1])])
    assert len({_row(conn, eid)["t"] for eid in ("a:1", "a:2", "d:1", "d:2")}) == 1
    # the reference is cited from the values: its text without digits and its numbers
    assert [v for v in _row(conn, "a:2")["v"] if isinstance(v, list) and v[1:] == [9, 3, 0, 27, 1]]
    for eid, want in zip(("a:1", "a:2", "d:1", "d:2"), expected * 2):
        assert explanations.lookup(conn, eid) == want
        assert _rendered(conn, eid) == render_text(want)
        assert f"见说明 {want['see'][0]}" in _rendered(conn, eid)


def test_an_explanation_whose_template_holds_its_references_still_reads() -> None:
    # a store written before ``see`` was cited from the values: the template holds the
    # reference's text (its number-free form) and the values its numbers, in the walk's order
    conn = _store()

    def ref(kind: str, entry: object) -> int:
        body = explanations.canonical(entry)
        return conn.execute("INSERT INTO explanation_ref (kind, digest, json) VALUES (?, ?, ?)",
                            [kind, explanations.digest(body), body]).lastrowid
    see = ref("text", f"assessment_rules:ab{NUMBER}cd{NUMBER}")
    subject = ref("text", f"甲 KH{NUMBER}")
    label = ref("text", "得分")
    template = ref("template", {"inputs": [], "parameters": [], "result": VALUE, "rules": [],
                                "see": [f"{TEXT}{see}"], "steps": [{"formula": "",
                                "label": f"{TEXT}{label}", "value": VALUE}],
                                "subject": VALUE})
    conn.execute("INSERT INTO explanation (id, subject, json) VALUES ('a:1', 's', ?)",
                 [explanations.canonical({"t": template, "v": [91.5, 12, 7, 91.5, [subject, 1]]})])
    trace = {"subject": "甲 KH1", "inputs": [], "rules": [], "parameters": [],
             "steps": [{"label": "得分", "formula": "", "value": 91.5}], "result": 91.5,
             "see": ["assessment_rules:ab12cd7"]}
    assert explanations.lookup(conn, "a:1") == trace
    assert _rendered(conn, "a:1") == render_text(trace)
    assert _rendered(conn, "a:1").endswith("见说明 assessment_rules:ab12cd7")
    # the same trace written now: another template, the same reading
    explanations.write(conn, [("a:2", "a", "s", trace)])
    assert _row(conn, "a:2")["t"] != template
    assert explanations.lookup(conn, "a:2") == trace
    assert _rendered(conn, "a:2") == _rendered(conn, "a:1")


def test_numbers_a_template_cannot_carry_are_stored_as_the_text_shown() -> None:
    conn = _store()
    trace = Trace(subject="样例")
    trace.step("金额", 2.5, Filled("{} 元 × {} ＝ {}", "2.50", "-0", "1e5"))
    trace.step("比例", 1, Filled("{:.2f} 与 {}", 0.5, math.nan))   # a format spec: plain text
    trace.step("标记", True, Filled(f"含占位符{VALUE} {{}}", 1))
    explanations.write(conn, [("b:1", "b", "s", trace)])
    expected = json.loads(explanations.canonical(trace.to_dict()))
    assert explanations.lookup(conn, "b:1") == expected
    assert _rendered(conn, "b:1") == render_text(expected)


def test_a_trace_object_with_steps_set_by_hand_is_stored_by_the_walk() -> None:
    conn = _store()
    trace = Trace(subject="手工 2024")
    trace.steps = [{"label": "天数", "value": 20}]        # not the shape Trace.step records
    explanations.write(conn, [("c:1", "c", "s", trace)])
    assert explanations.lookup(conn, "c:1") == trace.to_dict()


def test_a_compact_trace_with_entries_set_by_hand_is_stored_by_the_walk() -> None:
    # its head entries as tuples, then an input and a step not of the shape Trace records
    conn = _store()
    trace = CompactTrace(subject="手工 2024", head_inputs=[("年度", 2024)],
                         head_steps=[("天数", Pattern("{} + {}", (12, 8)), 20)])
    trace.inputs = [{"label": "备注", "value": "甲", "unit": "天"}]
    trace.steps = [{"label": "合计", "value": 20}]
    explanations.write(conn, [("c:2", "c", "s", trace)])
    expected = json.loads(explanations.canonical(trace.to_dict()))
    assert expected["steps"][0]["formula"] == "12 + 8"
    assert explanations.lookup(conn, "c:2") == expected
    assert _rendered(conn, "c:2") == render_text(expected)


@pytest.mark.parametrize(("text", "numbers"), [
    ("第 0 名", [0]), ("编号 007", ["007"]), ("共 10 人", [10]), ("比例 0.5", [0.5]),
    ("比例 00.5", ["00.5"]), ("2.50 元", ["2.50"]), ("0 与 0.0", [0, 0.0]),
])
def test_the_digit_runs_of_a_text_are_numbers_only_where_they_read_back_alike(
        text, numbers) -> None:
    # a varying text (a step's value) cited from the values as [text id, numbers...]
    conn = _store()
    trace = Trace(subject="样例")
    trace.step("说明", text)
    explanations.write(conn, [("d:1", "d", "s", trace)])
    cited = [v for v in _row(conn, "d:1")["v"] if isinstance(v, list) and len(v) > 1]
    assert [v[1:] for v in cited] == [numbers]
    assert [type(n) for n in cited[0][1:]] == [type(n) for n in numbers]
    assert explanations.lookup(conn, "d:1") == json.loads(explanations.canonical(trace.to_dict()))


def test_the_assessment_engine_stores_what_the_walk_of_its_traces_reads_back(
        world, run, monkeypatch) -> None:
    from cadre_sdk.engines.assessment import engine

    written: list[tuple] = []

    def keep(db, rows):
        rows = list(rows)
        written.extend(rows)
        return explanations.write(db, rows)
    monkeypatch.setattr(engine, "write_explanations", keep)
    # its explanations stored whole (made when read, they read the same: test_assessment_replay)
    monkeypatch.setattr(engine, "REPLAY", False)
    db = world.unit("U1", "632801").unit("U2", "632801").annual(
        "A1", "U1", 2024, cadre="C1", scores=90, democratic=(8, 10, 1, 0, 20),
        quarters={"一季度": "好", "二季度": "较差"}).annual(
        "A2", "U1", 2024, cadre="C2", scores={"de": 70, "ji": 60}, reverse=(1, 2, 0, 0, 3)
    ).annual("A3", "U2", 2024, scores=85, interview=(2, 1, 0, 0, 3)).build()
    run(db)
    traces = [(eid, data) for eid, _, _, data in written if isinstance(data, Trace)]
    assert {eid for eid, _ in traces} == {"assessment:A1", "assessment:A2", "assessment:A3"}
    walked = _store()
    explanations.write(walked, [(eid, "assessment", "s", t.to_dict()) for eid, t in traces])
    for eid, trace in traces:
        assert set(_row(db.conn, eid)) == {"t", "v"}
        assert explanations.lookup(db.conn, eid) == explanations.lookup(walked, eid)
        assert explanations.render(db.conn, _row_text(db.conn, eid)) == \
            render_text(json.loads(explanations.canonical(trace.to_dict()))) == \
            _rendered(walked, eid)


def _row_text(conn: sqlite3.Connection, eid: str) -> str:
    return conn.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]


_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.-×÷ 年第名分a{}")), max_size=10)
_SHOWN = st.one_of(st.integers(-10**17, 10**17), st.floats(allow_nan=True), st.booleans(),
                   _TEXT, st.sampled_from(["0.25", "90", "2.50", "-0", "1e5", "007"]))
_PATTERN = st.lists(st.text(alphabet=st.sampled_from(list("()×÷ +=元年30.")), max_size=4),
                    min_size=1, max_size=4)


@st.composite
def _filled(draw) -> Filled:
    parts = [literal(p) for p in draw(_PATTERN)]
    shown = draw(st.lists(_SHOWN, min_size=len(parts) - 1, max_size=len(parts) - 1))
    return Filled("{}".join(parts), *shown)


_LABEL = st.one_of(_TEXT, _filled())
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False, allow_infinity=False), _TEXT, _filled())
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)), max_leaves=6)


@st.composite
def _trace(draw) -> Trace:
    trace = Trace(subject=draw(_TEXT))
    for _ in range(draw(st.integers(0, 3))):
        trace.input(draw(_LABEL), draw(_VALUE))
    for _ in range(draw(st.integers(0, 3))):
        trace.step(draw(_LABEL), draw(_VALUE), draw(st.one_of(_TEXT, _filled())))
    trace.result = draw(_VALUE)
    trace.note = draw(st.one_of(st.just(""), _LABEL))
    trace.see = draw(st.lists(_TEXT, max_size=2))
    return trace


@settings(max_examples=200, deadline=None)
@given(traces=st.lists(_trace(), min_size=1, max_size=4))
def test_any_trace_object_reads_back_as_the_walk_of_its_dict(traces) -> None:
    conn = _store()
    rows = [(f"t:{n}", "t", "s", t) for n, t in enumerate(traces)]
    rows += [(f"d:{n}", "d", "s", t.to_dict()) for n, t in enumerate(traces)]
    explanations.write(conn, rows)
    explanations.write(conn, rows[:len(traces)])      # again: the templates found by key
    for n, trace in enumerate(traces):
        expected = json.loads(explanations.canonical(trace.to_dict()))
        assert explanations.lookup(conn, f"t:{n}") == expected == \
            explanations.lookup(conn, f"d:{n}")
        assert _rendered(conn, f"t:{n}") == render_text(expected) == _rendered(conn, f"d:{n}")


@pytest.mark.parametrize("shown", [1.0, True, 1])
def test_equal_shown_numbers_of_other_types_keep_their_own_text(shown) -> None:
    conn = _store()
    traces = [Trace(subject="x"), Trace(subject="y")]
    traces[0].step("a", 1, Filled("{} 分", 1))
    traces[1].step("a", 1, Filled("{} 分", shown))
    explanations.write(conn, [(f"e:{n}", "e", "s", t) for n, t in enumerate(traces)])
    assert _rendered(conn, "e:1") == render_text(traces[1].to_dict()) == \
        f"【y】\n计算步骤：\n  1. a：{shown} 分 = 1"


def test_dict_inputs_with_their_nones_elsewhere_read_back_each_as_it_was() -> None:
    conn = _store()
    inputs = [{"de": 90, "ji": None}, {"ji": None, "de": 85}, {"de": None, "ji": "缺"},
              {"de": True, "ji": 1}, {"de": {"x": 1}, "ji": 2}]
    traces = []
    for n, value in enumerate(inputs):
        trace = Trace(subject=f"第 {n} 个")
        trace.input("指标得分", value)
        traces.append(trace)
    explanations.write(conn, [(f"f:{n}", "f", "s", t) for n, t in enumerate(traces)])
    for n, trace in enumerate(traces):
        assert explanations.lookup(conn, f"f:{n}")["inputs"] == [
            {"label": "指标得分", "value": inputs[n]}]
    templates = {_row(conn, f"f:{n}")["t"] for n in range(len(inputs))}
    assert len(templates) == 4      # the first two differ only in their keys' order


def _pattern(item):
    """A ``Filled`` text as the ``Pattern`` a ``CompactTrace`` holds instead."""
    return Pattern(item.pattern, item.shown) if type(item) is Filled else item


@settings(max_examples=200, deadline=None)
@given(traces=st.lists(_trace(), min_size=1, max_size=4), head=st.integers(0, 3))
def test_a_compact_trace_is_stored_byte_for_byte_as_the_trace_it_stands_for(traces,
                                                                          head) -> None:
    # the first ``head`` inputs and steps as tuples (Filled texts as Patterns), the rest as dicts
    compact = [CompactTrace(
        subject=t.subject, inputs=t.inputs[head:], steps=t.steps[head:], result=t.result,
        note=t.note, see=t.see,
        head_inputs=[(_pattern(i["label"]), i["value"]) for i in t.inputs[:head]],
        head_steps=[(_pattern(s["label"]), _pattern(s["formula"]), _pattern(s["value"]))
                    for s in t.steps[:head]]) for t in traces]
    assert [c.to_dict() for c in compact] == [t.to_dict() for t in traces]
    stored = []
    for rows in ([(f"e:{n}", "e", "s", t) for n, t in enumerate(traces)],
                 [(f"e:{n}", "e", "s", c) for n, c in enumerate(compact)]):
        conn = _store()
        explanations.write(conn, rows)
        explanations.write(conn, rows)     # again: the templates found by key
        stored.append(conn.execute("SELECT * FROM explanation ORDER BY id").fetchall() +
                      conn.execute("SELECT * FROM explanation_ref ORDER BY id").fetchall())
    assert stored[0] == stored[1]   # the digit runs recorded too


def test_a_shared_trace_records_the_digit_run_of_its_head_and_its_rest() -> None:
    # the rest's note writes a 13-digit number; the head's month text writes 2024 and 01 (6
    # digits in a row once the hyphen is removed), its other text 7 digits or 15 and 2 (17 in
    # a row once the space is removed): the larger of the head's and the rest's, as the
    # whole trace records
    conn = _store()
    conn.execute(f"ALTER TABLE explanation ADD COLUMN {explanations.DIGIT_RUN} INTEGER")
    rest = _Shared()
    traces = [CompactTrace(subject="补贴 2024-01", note="编号 2024112345678", result=3.5,
                           head_inputs=head, shared=rest)
              for head in ([("月份", "2024-01"), ("编号", "1234567")],
                           [("月份", "2024-01"), ("编号", "123456789012345 67")])]
    explanations.write(conn, [(f"e:{n}", "e", "s", t) for n, t in enumerate(traces)])
    runs = [r for r, in conn.execute(f"SELECT {explanations.DIGIT_RUN} FROM explanation "
                                     "ORDER BY id")]
    assert runs == [13, 17]


@settings(max_examples=150, deadline=None)
@given(traces=st.lists(_trace(), min_size=1, max_size=4))
def test_a_trace_object_is_stored_byte_for_byte_as_its_dict(traces) -> None:
    # the scorecard, consequence and target explanations went from dicts to Trace objects
    stored = []
    for rows in ([(f"e:{n}", "e", "s", t.to_dict()) for n, t in enumerate(traces)],
                 [(f"e:{n}", "e", "s", t) for n, t in enumerate(traces)]):
        conn = _store()
        explanations.write(conn, rows)
        explanations.write(conn, rows)     # again: the templates found by key
        stored.append(conn.execute("SELECT * FROM explanation ORDER BY id").fetchall() +
                      conn.execute("SELECT * FROM explanation_ref ORDER BY id").fetchall())
    assert stored[0] == stored[1]


def _plain(item):
    """A ``Joined`` text as the plain text it stands for."""
    return str(item) if type(item) is Joined else item


@settings(max_examples=200, deadline=None)
@given(traces=st.lists(st.tuples(_trace(), st.lists(st.lists(_TEXT, max_size=5), min_size=4,
                                                    max_size=4), st.booleans()),
                       min_size=1, max_size=4))
def test_a_joined_text_is_stored_byte_for_byte_as_its_text(traces) -> None:
    # a subject, a result, a label and a value made of parts (digits and dots where two parts
    # meet: a number that runs across them); the parts also cited alone where ``cited`` says
    joined = []
    for trace, texts, cited in traces:
        subject, result, label, value = (Joined(parts) for parts in texts)
        if cited:
            for parts in texts:
                for part in parts:
                    trace.input("部分", part)
        trace.subject, trace.result = subject, result
        trace.step(label, value, Joined(texts[0]))
        joined.append(trace)
    plain = [Trace(subject=str(t.subject), inputs=t.inputs, steps=[
        {k: _plain(v) for k, v in s.items()} for s in t.steps], result=_plain(t.result),
        note=t.note, see=t.see) for t in joined]
    assert [t.to_dict() for t in joined] == [t.to_dict() for t in plain]
    stored = []
    for group in (plain, joined):
        rows = [(f"e:{n}", "e", t.subject, t) for n, t in enumerate(group)]
        conn = _store()
        explanations.write(conn, rows)
        explanations.write(conn, rows)     # again: the templates found by key
        stored.append(conn.execute("SELECT * FROM explanation ORDER BY id").fetchall() +
                      conn.execute("SELECT * FROM explanation_ref ORDER BY id").fetchall())
    assert stored[0] == stored[1]
    assert any(type(t.subject) is Joined for t in joined)


def test_a_joined_text_is_its_text_and_splits_a_number_across_its_parts_as_one() -> None:
    text = Joined(("得分 ", "91", ".5", "，第 ", "1", "2", " 名"))
    assert text == "得分 91.5，第 12 名" and isinstance(text, str) and text.parts[1] == "91"
    conn = _store()
    explanations.write(conn, [("e:1", "e", "s", Trace(subject=text))])
    assert _row(conn, "e:1")["v"][-1][1:] == [91.5, 12]
    assert _rendered(conn, "e:1") == "【得分 91.5，第 12 名】"


def test_a_started_trace_holds_the_opening_rules_and_parameters_once_and_apart() -> None:
    weight = parameter_record(ParameterValue(
        path="formula.weights.x", value=30, start=datetime.date(2024, 1, 1), reference="依据",
        example=True, note=None, file="x.yaml", line=1, unit=None), "p")
    opened = CompactTrace(subject="")
    opened.rule("formula", "k", "p", "63")
    opened.cite(weight)
    first, second = opened.started("甲"), opened.started("乙")
    first.cite(weight)                      # cited already: not listed twice
    first.rule("formula", "k", "p", "63")
    first.rule("grading", "g", "p", "63")   # a new rule: in this trace only
    assert (first.subject, len(first.parameters), [r["kind"] for r in first.rules]) == \
        ("甲", 1, ["formula", "grading"])
    assert [r["kind"] for r in second.rules] == [r["kind"] for r in opened.rules] == ["formula"]
    assert type(first) is CompactTrace and first.head_steps == [] and first.inputs == []


class _Shared:
    """What a shared trace's ``shared`` stands for (an engine's rule call)."""


@settings(max_examples=150, deadline=None)
@given(tails=st.lists(_trace(), min_size=1, max_size=3),
       heads=st.lists(st.lists(st.tuples(_LABEL, _VALUE), max_size=3), min_size=1,
                      max_size=3),
       pairs=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1,
                      max_size=8))
def test_a_shared_trace_is_stored_byte_for_byte_as_the_trace_it_stands_for(tails, heads,
                                                                          pairs) -> None:
    # each (head, rest) pair a trace; the rest's object and the head's list passed again for
    # every trace that shares them, as the subsidy engine passes its rule calls' outcomes
    tokens = [_Shared() for _ in tails]
    pairs = [(h % len(heads), t % len(tails)) for h, t in pairs]
    whole, shared = [], []
    for h, t in pairs:
        tail, head = tails[t], heads[h]
        whole.append(Trace(subject=tail.subject,
                           inputs=[{"label": label, "value": value} for label, value in head]
                           + tail.inputs, steps=tail.steps, result=tail.result,
                           note=tail.note, see=tail.see))
        shared.append(CompactTrace(subject=tail.subject, inputs=tail.inputs, steps=tail.steps,
                                   result=tail.result, note=tail.note, see=tail.see,
                                   head_inputs=head, shared=tokens[t]))
    assert [s.to_dict() for s in shared] == [w.to_dict() for w in whole]
    stored = []
    for traces in (whole, shared):
        conn = _store()
        conn.execute(f"ALTER TABLE explanation ADD COLUMN {explanations.DIGIT_RUN} INTEGER")
        rows = [(f"e:{n}", "e", "s", trace) for n, trace in enumerate(traces)]
        explanations.write(conn, rows[:len(rows) // 2])    # two writes: the parts kept
        explanations.write(conn, rows[len(rows) // 2:])
        explanations.write(conn, rows)     # again: the templates found by key
        stored.append(conn.execute("SELECT * FROM explanation ORDER BY id").fetchall() +
                      conn.execute("SELECT * FROM explanation_ref ORDER BY id").fetchall())
    assert stored[0] == stored[1]
