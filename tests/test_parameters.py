"""Dated parameter files: one bad fixture per error (with its exact line), and the good file."""
from __future__ import annotations

import datetime
import hashlib
import os
import re
from pathlib import Path

import pytest

from cadre_sdk.core.errors import ParameterError
from cadre_sdk.parameters import ParameterValue, Parameters, load_parameters, parse_parameters

FIXTURES = Path(__file__).parent / "fixtures" / "parameters"
D = datetime.date

# fixture -> (line the message must start with, a fragment of the message)
BAD_FIXTURES = {
    "duplicate_key.yaml": (7, "duplicate key 'description' in parameter "
                              "'assessment.quota.excellent_share' (lines 5 and 7)"),
    "duplicate_date.yaml": (11, "duplicate date 2007-01-01 in 'values' of parameter "
                                "'assessment.excellent_share' (lines 5 and 11)"),
    "unknown_leaf_key.yaml": (5, "unknown key 'descripton' on leaf 'assessment.excellent_share'; "
                                 "allowed: description, unit, values, reference, documentation, "
                                 "metadata; did you mean 'description'?"),
    "unknown_entry_key.yaml": (11, "unknown key 'refrence' in value entry; allowed: value, "
                                   "reference, example, note"),
    "missing_reference.yaml": (9, "the value of 'assessment.excellent_share' from 2020-12-28 has "
                                  "no 'reference'"),
    "bad_date.yaml": (9, "bad date '2020-13-01'"),
    "ratio_out_of_range.yaml": (7, "has unit ratio and must be a number from 0 to 1, got 15"),
    "negative_amount.yaml": (12, "has unit yuan and must be a number >= 0, got -50"),
    "empty_values.yaml": (5, "'values' of parameter 'assessment.excellent_share' is empty"),
    "values_and_children.yaml": (8, "parameter 'assessment.quota' has both 'values' (line 4) and "
                                    "a child node 'excellent_share'"),
    "not_mapping.yaml": (3, "the top level must be a mapping"),
    "yaml_syntax.yaml": (7, "YAML syntax error: expected ',' or ']'"),
}


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_bad_fixture(name: str) -> None:
    line, fragment = BAD_FIXTURES[name]
    path = FIXTURES / name
    with pytest.raises(ParameterError) as info:
        load_parameters(path)
    message = str(info.value)
    assert message.startswith(f"{path.resolve()}:{line}: "), message
    assert fragment in message


def test_every_fixture_is_checked() -> None:
    on_disk = {p.name for p in FIXTURES.glob("*.yaml")}
    assert on_disk == set(BAD_FIXTURES) | {"good.yaml"}


# Error kinds beyond the fixtures, small enough to read inline: (yaml, line, fragment).
LEAF = "p:\n  values:\n    2020-01-01:\n"
INLINE_ERRORS = {
    "bad date shape": ("p:\n  values:\n    2020.01:\n      value: 1\n      reference: R\n", 3,
                       "bad date '2020.01'"),
    "date with time": ("p:\n  values:\n    2020-01-01 10:00:00:\n      value: 1\n"
                       "      reference: R\n", 3, "bad date"),
    "unknown unit": ("p:\n  unit: yaun\n  values:\n    2020-01-01: {value: 1, reference: R}\n",
                     2, "unknown unit 'yaun'"),
    "unit on a node": ("p:\n  unit: yuan\n  q:\n    values:\n      2020-01-01: {value: 1, "
                       "reference: R}\n", 2, "'unit' is only allowed on a leaf"),
    "entry not a mapping": (LEAF + "      0.15\n", 4, "must be a mapping with 'value' and "
                                                     "'reference'"),
    "null value": (LEAF + "      value: null\n      reference: R\n", 4, "is empty (null)"),
    "missing value": (LEAF + "      reference: R\n", 3, "has no 'value'"),
    "blank reference": (LEAF + "      value: 1\n      reference: '  '\n", 5, "is blank"),
    "example not bool": (LEAF + "      value: 1\n      reference: R\n      example: maybe\n", 6,
                         "must be true or false"),
    "only an end": ("p:\n  values:\n    2020-01-01: null\n", 2, "only ends the parameter"),
    "child not a mapping": ("a:\n  descripton: x\n", 2, "did you mean 'description'?"),
    "bad name": ("a:\n  2020-01-01:\n    value: 1\n", 2, "did you forget 'values:'"),
    "empty node": ("a:\n  description: nothing below\n", 1, "has no child parameters"),
    "values at top": ("values:\n  2020-01-01: {value: 1, reference: R}\n", 1,
                      "the top level is a node"),
    "description not text": ("description: [a, b]\n", 1, "'description' of the top level must "
                                                          "be text"),
    "bad tagged scalar": ("metadata:\n  x: !!int zz\n", 2, "cannot read 'zz'"),
    "merge key": ("p:\n  <<: {description: x}\n", 2, "no '<<' merges"),
    "duplicate in value": (LEAF + "      value: {a: 1, a: 2}\n      reference: R\n", 4,
                           "duplicate key 'a'"),
    "value nested too deep": (LEAF + "      value: [[[1]]]\n      reference: R\n", 4,
                              "nested too deeply"),
    "alias loop": ("a: &x\n  b: *x\n", 2, "'a.b' contains itself"),
    "empty file": ("# nothing\n", 1, "the file is empty"),
    "two documents": ("a: 1\n---\nb: 2\n", 2, "YAML syntax error"),
    "control character": ("description: ok\nx: \x07\n", 2, "character #x0007 is not allowed"),
    "count not whole": ("p:\n  unit: count\n  values:\n    2020-01-01: {value: 1.5, "
                        "reference: R}\n", 4, "whole number"),
    "ratio is bool": ("p:\n  unit: ratio\n  values:\n    2020-01-01: {value: true, "
                      "reference: R}\n", 4, "from 0 to 1"),
    "list item out of range": ("p:\n  unit: ratio\n  values:\n    2020-01-01:\n      value:\n"
                               "        - 0.5\n        - 2\n      reference: R\n", 7,
                               "from 0 to 1, got 2"),
}


@pytest.mark.parametrize("case", sorted(INLINE_ERRORS))
def test_inline_errors(case: str) -> None:
    text, line, fragment = INLINE_ERRORS[case]
    with pytest.raises(ParameterError) as info:
        parse_parameters(text, "x.yaml")
    message = str(info.value)
    assert message.startswith(f"x.yaml:{line}: "), message
    assert fragment in message, message


def test_deep_nesting_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"^x\.yaml:1: "):
        parse_parameters("[" * 5000, "x.yaml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("description: ok\n说明: 参数\n".encode("gbk"))
    with pytest.raises(ParameterError, match=r":2: parameter files must be UTF-8"):
        load_parameters(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"nope\.yaml:1: cannot read parameter file"):
        load_parameters(tmp_path / "nope.yaml")


# -- the good file ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good() -> Parameters:
    return load_parameters(FIXTURES / "good.yaml")


SHARE = "assessment.quota.excellent_share"


def test_header(good: Parameters) -> None:
    assert good.description.startswith("Provincial default parameters")
    assert good.metadata == {"jurisdiction": "630000", "maintainers": ["organization-department"]}
    assert good.file == str((FIXTURES / "good.yaml").resolve())


def test_sha256_matches_file_bytes(good: Parameters) -> None:
    assert good.sha256 == hashlib.sha256((FIXTURES / "good.yaml").read_bytes()).hexdigest()


def test_at_across_a_change_date(good: Parameters) -> None:
    assert good.at(SHARE, D(2020, 12, 27)).value == 0.15
    on_the_day = good.at(SHARE, D(2020, 12, 28))
    assert on_the_day.value == 0.20
    assert on_the_day.start == D(2020, 12, 28)
    assert on_the_day.example is True
    assert on_the_day.note == "测试用示例值"
    assert on_the_day.line == 15
    assert good.at(SHARE, "2031-06-01").value == 0.20
    assert good.at(SHARE, datetime.datetime(2007, 1, 1, 9, 30)).value == 0.15


def test_value_record(good: Parameters) -> None:
    first = good.at(SHARE, "2010-01-01")
    assert first == ParameterValue(
        path=SHARE, value=0.15, start=D(2007, 1, 1),
        reference="《公务员考核规定（试行）》（2007）第十一条：优秀等次一般掌握在15%以内",
        example=False, note=None, file=good.file, line=12, unit="ratio",
        description="优秀等次比例上限（占参加考核人数）")


def test_before_the_first_date(good: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        good.at(SHARE, D(2006, 12, 31))
    assert str(info.value).startswith(f"{good.file}:8: ")
    assert "first value starts 2007-01-01" in str(info.value)
    assert good.get(SHARE, D(2006, 12, 31)) is None


def test_after_a_null_end(good: Parameters) -> None:
    path = "assessment.quota.pilot_bonus_points"
    assert good.at(path, D(2018, 6, 30)).value == 5
    with pytest.raises(ParameterError) as info:
        good.at(path, D(2018, 7, 1))
    assert str(info.value).startswith(f"{good.file}:27: ")
    assert "ended (null) from 2018-07-01" in str(info.value)
    assert good.get(path, D(2024, 1, 1)) is None


def test_unknown_path(good: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        good.at("assessment.quota.excelent_share", "2020-01-01")
    message = str(info.value)
    # the line of the deepest existing ancestor, 'assessment.quota'
    assert message.startswith(f"{good.file}:7: no parameter 'assessment.quota.excelent_share' "
                              f"in {good.file}; known: {SHARE}, ")
    with pytest.raises(ParameterError, match=r":1: no parameter 'nothing'"):
        good.at("nothing", "2020-01-01")
    with pytest.raises(ParameterError, match="is a node, not a parameter"):
        good.at("assessment.quota", "2020-01-01")
    assert good.get("nothing", "2020-01-01") is None


def test_bad_date_argument(good: Parameters) -> None:
    with pytest.raises(ParameterError, match="bad date '2020-1-1'"):
        good.at(SHARE, "2020-1-1")
    with pytest.raises(ParameterError, match="bad date"):
        good.get(SHARE, "yesterday")


def test_has(good: Parameters) -> None:
    assert good.has(SHARE)
    assert not good.has("assessment.quota")
    assert not good.has("assessment.quota.nothing")


def test_leaves(good: Parameters) -> None:
    leaves = dict(good.leaves())
    assert list(leaves) == [
        "assessment.quota.excellent_share",
        "assessment.quota.pilot_bonus_points",
        "subsidies.altitude_tiers",
        "subsidies.remote_area_name",
    ]
    assert [v.start for v in leaves[SHARE]] == [D(2007, 1, 1), D(2020, 12, 28)]
    assert [v.value for v in leaves["assessment.quota.pilot_bonus_points"]] == [5]  # null left out
    tiers = leaves["subsidies.altitude_tiers"][0]
    assert tiers.value == [{"min_altitude_m": 3000, "monthly_yuan": 200},
                           {"min_altitude_m": 4000, "monthly_yuan": 400}]
    assert tiers.start == D(2016, 1, 1)  # a quoted date key is accepted too


def test_newest_date_and_stale(good: Parameters) -> None:
    assert good.newest_date(SHARE) == D(2020, 12, 28)
    assert good.newest_date("assessment.quota.pilot_bonus_points") == D(2015, 1, 1)
    # the ended pilot is not listed: it was retired on purpose
    assert good.stale(D(2016, 1, 1)) == [("subsidies.remote_area_name", D(2010, 1, 1))]
    assert good.stale(D(2021, 1, 1)) == [
        (SHARE, D(2020, 12, 28)),
        ("subsidies.altitude_tiers", D(2016, 1, 1)),
        ("subsidies.remote_area_name", D(2010, 1, 1)),
    ]
    assert good.stale(D(2000, 1, 1)) == []


def test_node_view(good: Parameters) -> None:
    root = good.node()
    assert root.children() == ["assessment", "subsidies"]
    quota = good.node("assessment").node("quota")
    assert quota.children() == ["excellent_share", "pilot_bonus_points"]
    assert quota.at("excellent_share", "2021-01-01").value == 0.20
    assert quota.has("excellent_share")
    assert quota.get("pilot_bonus_points", "2020-01-01") is None
    assert good.node("assessment").description == "Assessment"
    with pytest.raises(ParameterError, match="is a parameter .* not a node"):
        good.node(SHARE)
    with pytest.raises(ParameterError, match="no parameter 'nope'"):
        good.node("nope")


def test_describe_zh(good: Parameters) -> None:
    assert good.at(SHARE, "2010-01-01").describe_zh() == (
        f"{SHARE} = 0.15（自 2007-01-01 起；依据：《公务员考核规定（试行）》（2007）第十一条："
        "优秀等次一般掌握在15%以内）")
    assert good.at(SHARE, "2021-01-01").describe_zh() == (
        f"{SHARE} = 0.2（自 2020-12-28 起；依据：《公务员考核规定》（2020）；示例值；说明：测试用示例值）")
    assert good.at("assessment.quota.pilot_bonus_points", "2016-01-01").describe_zh().startswith(
        "assessment.quota.pilot_bonus_points = 5 分（自 2015-01-01 起")


def test_parse_parameters_from_string() -> None:
    text = ("description: 示例\np:\n  unit: bool\n  values:\n"
            "    2020-01-01: {value: true, reference: R}\n")
    params = parse_parameters(text)
    assert params.file == "<string>"
    assert params.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert params.at("p", "2020-01-01").value is True
    assert params.at("p", "2020-01-01").describe_zh() == "p = 是（自 2020-01-01 起；依据：R）"


def test_load_is_cached_and_reloads_on_change(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("p:\n  values:\n    2020-01-01: {value: 1, reference: R}\n", "utf-8")
    first = load_parameters(path)
    assert load_parameters(str(path)) is first
    path.write_text("p:\n  values:\n    2020-01-01: {value: 22, reference: R}\n", "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = load_parameters(path)
    assert second is not first
    assert second.at("p", "2020-01-01").value == 22


def test_every_message_starts_with_file_and_line() -> None:
    for text, _, _ in INLINE_ERRORS.values():
        with pytest.raises(ParameterError) as info:
            parse_parameters(text, "f.yaml")
        assert re.match(r"f\.yaml:\d+: ", str(info.value))


# --- libyaml's composer (start-up speed) against PyYAML's ------------------------------------

def _outcome(text: str) -> tuple:
    """What parsing ``text`` gives: the file's description, metadata, nodes and leaves, or
    the error's message."""
    try:
        params = parse_parameters(text, "x.yaml")
    except ParameterError as exc:
        return ("error", str(exc))
    return ("ok", params.description, repr(params.metadata), repr(params._nodes),
            repr(params._leaves))


_ROOT = Path(__file__).resolve().parents[1]
_YAML_TEXTS = [p.read_text("utf-8-sig") for p in sorted(
    [*_ROOT.glob("cadre_sdk/**/*.yaml"), *_ROOT.glob("plugins/*/**/*.yaml"),
     *FIXTURES.glob("*.yaml")])] + [
    "a:\n  description: d\n  unit: count\n  values:\n    - value: "
    + "[" * 40 + "1" + "]" * 40 + "\n      reference: R\n",        # deeper than _FAST_DEPTH
    "[" * 5000, "a: &x [1]\nb: *x\n", "--- 1\n--- 2\n", "", "a: \x85b\n"]


def test_libyaml_composes_what_pyyaml_composes(monkeypatch: pytest.MonkeyPatch) -> None:
    from cadre_sdk.parameters import reader
    if getattr(reader.yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML without libyaml")
    assert reader._fast_node((FIXTURES / "good.yaml").read_text("utf-8")) is not None
    fast = [_outcome(text) for text in _YAML_TEXTS]
    assert sum(reader._fast_node(text) is not None for text in _YAML_TEXTS) > 10
    monkeypatch.setattr(reader, "_fast_node", lambda text: None)
    assert [_outcome(text) for text in _YAML_TEXTS] == fast
