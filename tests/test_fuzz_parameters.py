"""Fuzzing parse_parameters: whatever the text, it returns Parameters or raises ParameterError."""
from __future__ import annotations

import datetime
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.parameters import ENTRY_KEYS, LEAF_KEYS, UNITS, Parameters, parse_parameters

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFIX = re.compile(r"fuzz\.yaml:\d+: ")


def _parse_or_parameter_error(text: str) -> None:
    try:
        result = parse_parameters(text, "fuzz.yaml")
    except ParameterError as e:
        assert PREFIX.match(str(e)), str(e)
    else:
        assert isinstance(result, Parameters)
        for path, values in result.leaves():
            for v in values:
                assert result.at(path, v.start) == v
                v.describe_zh()


@FUZZ
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    _parse_or_parameter_error(text)


# Text built from YAML's own punctuation and the file's keywords reaches the parser's corners
# (flow collections, anchors, tags, indentation) far more often than uniform text does.
_PIECES = st.sampled_from([
    "\n", "  ", "    ", ": ", ":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!int ", "!!str ",
    "!x ", "? ", "|\n", ">\n", "'", '"', "#", "---\n", "...\n", "<<: ", "~", "null", "true",
    "0.15", "-5", "1e999", ".nan", "2020-01-01", "2020-13-01", "2020-1-1", "description",
    "values", "value", "reference", "unit", "ratio", "yuan", "example", "note", "metadata",
    "a", "b", "优秀", "\t", "%", "@", "\\", "\x85", "\ufeff",
])


@FUZZ
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_yaml_punctuation_soup(text: str) -> None:
    _parse_or_parameter_error(text)


_SCALARS = (
    st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats(allow_nan=True)
    | st.text(max_size=8) | st.dates(datetime.date(1990, 1, 1), datetime.date(2040, 12, 31))
    | st.sampled_from(["2020-01-01", "2020-13-01", "2020.01", "15%"])
)
_KEYS = st.sampled_from(
    [*LEAF_KEYS, *ENTRY_KEYS, "refrence", "descripton", "assessment", "quota", "share",
     "2020-01-01", "2020-1-1", "x.y", ""]
) | st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 1, 1)) | st.integers(0, 3)


def _docs() -> st.SearchStrategy[object]:
    return st.recursive(
        _SCALARS,
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(_KEYS, children, max_size=5),
        max_leaves=30,
    )


@FUZZ
@given(_docs())
def test_structured_documents(doc: object) -> None:
    _parse_or_parameter_error(yaml.safe_dump(doc, allow_unicode=True))


# Well-formed documents: every generated value must read back as written.
_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
# Control characters are left out: PyYAML itself does not round-trip some of them (NEL).
_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
_ENTRY = st.fixed_dictionaries(
    {"value": st.floats(0, 1), "reference": _TEXT.filter(str.strip)},
    optional={"example": st.booleans(), "note": _TEXT},
)
_VALUES = st.dictionaries(
    st.dates(datetime.date(1990, 1, 1), datetime.date(2040, 12, 31)), _ENTRY, min_size=1,
    max_size=4)


@FUZZ
@given(st.dictionaries(_NAMES, st.dictionaries(_NAMES, _VALUES, min_size=1, max_size=3),
                       min_size=1, max_size=3))
def test_valid_documents_round_trip(tree: dict[str, dict[str, dict]]) -> None:
    doc = {"description": "fuzz"}
    for node, leaves in tree.items():
        doc[node] = {name: {"unit": "ratio", "values": values} for name, values in leaves.items()}
    params = parse_parameters(yaml.safe_dump(doc, allow_unicode=True), "fuzz.yaml")
    for node, leaves in tree.items():
        for name, values in leaves.items():
            for start, entry in values.items():
                got = params.at(f"{node}.{name}", start)
                assert got.value == entry["value"]
                assert got.reference == entry["reference"]
                assert got.example == entry.get("example", False)
                assert got.start == start
            assert params.newest_date(f"{node}.{name}") == max(values)
    assert UNITS  # the unit list is public and non-empty
