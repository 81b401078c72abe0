"""The loader's per-value schema checks say exactly what the compiled JSON Schema validator
(fastjsonschema) says, for every property of every record kind."""
from __future__ import annotations

from decimal import Decimal

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.records.schemas import _compiled_check, property_validators, schema_for

PROPERTIES = [(kind, name, prop) for kind, cls in RECORD_TYPES.items()
              for name, prop in schema_for(cls)["properties"].items()]
COMPILED: dict = {}
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 3000), st.floats(allow_nan=False),
    st.sampled_from([0.0, 6.0, 1949.0, 2100.5, 100.0, Decimal("5"), Decimal("-1")]),
    st.text(max_size=5), st.text(alphabet="0123456789-.Aa_ /", max_size=12),
    st.sampled_from(["男", "女", "任职", "厅局级", "x" * 200, "x" * 201, "1975-06", "2024-01-31",
                     "630102197506120075", "A-1", "A 1"]),
)


@pytest.mark.parametrize(("kind", "name", "prop"), PROPERTIES,
                         ids=[f"{k}.{n}" for k, n, _ in PROPERTIES])
@settings(max_examples=100, deadline=None)
@given(value=VALUES)
def test_a_value_passes_as_the_compiled_validator_says(kind, name, prop, value):
    if (kind, name) not in COMPILED:
        COMPILED[kind, name] = fastjsonschema.compile(prop, use_formats=False)
    compiled = COMPILED[kind, name]
    try:
        compiled(value)
        want = True
    except fastjsonschema.JsonSchemaException:
        want = False
    assert property_validators(kind)[name](value) is want


def test_a_property_with_other_keywords_is_left_to_fastjsonschema():
    check = _compiled_check({"type": "array", "items": {"type": "string"}})
    assert check(["a"]) and not check([1]) and not check("a")
