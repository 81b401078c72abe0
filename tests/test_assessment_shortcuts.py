"""Shortcuts of the assessment engine and the explanation writer (issue 19) give what the code
they replace gave: the values' JSON by one C encoder made once equals ``json.dumps``; quarters
put in calendar order without a sort equal the sort, unknown quarter names included; the cached
``pool_label`` equals the uncached one; the shown-number cache of ``Splitter`` empties when
full and keeps splitting as before."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.engines.assessment import engine
from cadre_sdk.engines.assessment.inputs import _quarter_rank, sorted_quarters
from cadre_sdk.store import explanation_templates as templates
from cadre_sdk.store import explanations

_SCALARS = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(), st.none(), st.booleans())
_VALUES = st.lists(st.one_of(_SCALARS, st.lists(_SCALARS, max_size=6)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_values_json_equals_json_dumps(values):
    assert explanations._compact(values) == json.dumps(values, ensure_ascii=False,
                                                       separators=(",", ":"))


def test_values_json_of_special_floats_and_texts_equals_json_dumps():
    values = [math.nan, math.inf, -math.inf, -0.0, 1e300, 0.1 + 0.2, "引号\"与\\反斜杠\n",
              "\u2028", [1704, 2022, "01"], [], [[]]]
    assert explanations._compact(values) == json.dumps(values, ensure_ascii=False,
                                                       separators=(",", ":"))


_QUARTERS = st.sampled_from(["一季度", "二季度", "三季度", "四季度", "年中", "补充"])


@given(st.lists(st.tuples(_QUARTERS, st.sampled_from(["好", "较好", "一般", "较差"])),
                max_size=6))
def test_quarters_in_calendar_order_equal_the_sort(pairs):
    quarters = dict(pairs)
    expected = {q: quarters[q] for q in sorted(quarters, key=_quarter_rank)}
    got = sorted_quarters(quarters)
    assert got == expected and list(got) == list(expected)


def test_pool_label_cached_equals_uncached():
    plain = engine.pool_label.__wrapped__
    for args in (("个人", "630102-01", "630102", 2024), ("班子", "", "63010203", 2023),
                 ("班子", "630102-01", "630102", 2024)):
        assert engine.pool_label(*args) == plain(*args)
        assert engine.pool_label(*args) == plain(*args)   # from the cache
    assert engine.pool_label("个人", "U1", "630102", 2024) == "单位 U1 2024 年度个人考核"


def test_shown_numbers_cache_empties_when_full(monkeypatch):
    monkeypatch.setattr(templates, "CACHED_SHOWN", 3)
    ids: dict[str, int] = {}
    splitter = templates.Splitter(lambda kind, entry: ids.setdefault(repr(entry), len(ids)))
    shown = [f"{n}.5" for n in range(10)]
    for text in shown + shown:
        sid, numbers = splitter._filled(templates.Pattern("得分 {}", (text,)))
        assert numbers == (float(text),)
        assert len(splitter._shown) <= 3
    assert splitter._filled(templates.Pattern("得分 {}", ("2.50",))) is None   # not a number
