"""Every clerk-facing message about a field is Chinese and names the clerk's column: a bad value
is put into every field of every record kind (one at a time, the rest of the row valid) and
checked the way the loader checks a row (``RowChecker.check``), down to the schema."""
from __future__ import annotations

import re

import attrs
import pytest

from cadre_sdk.ingest.batches import RowChecker
from cadre_sdk.ingest.readers import RawRow
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.records.fields import YEAR_RANGE

#: ASCII words a Chinese message may contain: the ID-number check letter.
ALLOWED = {"X"}
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _id_number(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def good(field: attrs.Attribute) -> str:
    """A valid cell for ``field``."""
    meta = field.metadata
    if meta["choices"]:
        return meta["choices"][0]
    low = meta["minimum"]
    return {
        "code": "X1", "text": "文字", "name": "张三", "bool": "是", "date": "2024-01-01",
        "month": "2024-01", "date_or_month": "2024-01", "year": "2024",
        "int": str(int(low) if low is not None else 1),
        "number": str(low if low is not None else 1),
        "id_number": _id_number("63010219800101001"),
    }[meta["kind"]]


def bad(field: attrs.Attribute) -> list[str]:
    """Cells each wrong for ``field`` in one way (type, vocabulary, pattern, length, bounds)."""
    meta = field.metadata
    out = {
        "enum": ["不存在的取值"], "code": ["甲乙"], "text": ["字" * (meta["max_length"] + 1)],
        "name": ["名" * (meta["max_length"] + 1)], "bool": ["也许"], "date": ["2024-13-45"],
        "month": ["2024-13"], "date_or_month": ["2024-13"],
        "year": [str(YEAR_RANGE[0] - 1), str(YEAR_RANGE[1] + 1)],
        "int": ["1.5"], "number": ["一些"], "id_number": ["123"],
    }[meta["kind"]]
    if meta["kind"] in ("int", "number"):
        if meta["minimum"] is not None:
            out.append(str(meta["minimum"] - 1))
        if meta["maximum"] is not None:
            out.append(str(meta["maximum"] + 1))
    if meta["required"]:
        out.append("")
    return out


#: Cells making each field's valid cell agree with the others (record-level checks): a
#: decision (认定结论) is written on a deciding event only.
COHERENT = {"case_event": {"事件": "认定"}}


def _row(cls: type, **cells: str) -> RawRow:
    values = {f.metadata["title"]: good(f) for f in attrs.fields(cls)}
    values.update(COHERENT.get(cls.__kind__, {}))
    values.update(cells)
    return RawRow("台账.csv", 2, values)


CASES = [(kind, field.name, cell) for kind, cls in RECORD_TYPES.items()
         for field in attrs.fields(cls) for cell in bad(field)]


@pytest.mark.parametrize("kind", sorted(RECORD_TYPES))
def test_the_valid_row_of_each_kind_is_valid(kind):
    cls = RECORD_TYPES[kind]
    checker = RowChecker(cls, None)
    mapping = {f.metadata["title"]: f for f in attrs.fields(cls)}
    rec, errors = checker.check(_row(cls), mapping)
    assert errors == [] and rec is not None


@pytest.mark.parametrize("kind, name, cell", CASES,
                         ids=[f"{k}.{n}={c[:12]!r}" for k, n, c in CASES])
def test_a_bad_value_is_reported_in_chinese_naming_the_column(kind, name, cell):
    cls = RECORD_TYPES[kind]
    field = attrs.fields_dict(cls)[name]
    title = field.metadata["title"]
    mapping = {f.metadata["title"]: f for f in attrs.fields(cls)}
    rec, errors = RowChecker(cls, None).check(_row(cls, **{title: cell}), mapping)
    assert rec is None and errors, f"{kind}.{name} accepted {cell!r}"
    for error in errors:
        words = set(ENGLISH.findall(error.reason)) - ALLOWED
        assert not words, f"English in a clerk's message: {error}"
        assert "^" not in error.reason and "\\d" not in error.reason, f"a pattern: {error}"
        assert error.column == title or title in error.reason, \
            f"the message does not name the column “{title}”: {error}"
