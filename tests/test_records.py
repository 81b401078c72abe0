"""Records: converters accept what clerks write; validators reject what is wrong; the JSON
Schemas in schemas/ are exactly what the classes generate."""
import json
from pathlib import Path

import attrs
import pytest

from cadre_sdk.records import schemas
from cadre_sdk.records import RECORD_TYPES, Assessment, Cadre, Evaluation, Posting

ROOT = Path(__file__).resolve().parent.parent


def test_cadre_converters_normalize_clerk_input():
    c = Cadre(id=" Ｃ１ ", name="張三", gender="male", birth="1975.06", unit_code="U1",
              post="局長", id_number="11010519491231002x", is_leader="是")
    # the legal name is kept as written (issue 16); other text is folded to Simplified
    assert (c.id, c.name, c.gender, c.birth, c.post) == ("C1", "張三", "男", "1975-06", "局长")
    assert c.id_number == "11010519491231002X"
    assert c.is_leader is True and c.is_principal is False


def test_frozen():
    c = Cadre(id="C1", name="张三", gender="男", birth="1975-06", unit_code="U1", post="局长")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.name = "李四"


@pytest.mark.parametrize("field, value, fragment", [
    ("gender", "中", "可填：男、女"),
    ("birth", "1975.13", "月份"),
    ("id_number", "110105194912310021", "应为 X"),
    ("name", None, "必填项“姓名”为空"),
])
def test_cadre_rejects(field, value, fragment):
    values = dict(id="C1", name="张三", gender="男", birth="1975-06", unit_code="U1", post="局长")
    values[field] = value
    with pytest.raises(ValueError, match=fragment):
        Cadre(**values)


def test_record_checks_run_after_fields():
    with pytest.raises(ValueError, match="早于"):
        Posting(id="P1", cadre_id="C1", start="2010-05", end="2009-01", post="乡长", kind="任职")
    with pytest.raises(ValueError, match="超过参评人数"):
        Evaluation(assessment_id="A1", method="民主测评", excellent=5, competent=5, basic=0,
                   incompetent=0, participants=9)
    with pytest.raises(ValueError, match="干部编号"):
        Assessment(id="A1", subject="个人", unit_code="U1", year=2024, period="年度")


def test_every_kind_has_a_chinese_schema_with_aliases():
    for kind, schema in schemas.all_schemas().items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in schema["title"]), kind
        for name, prop in schema["properties"].items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in prop["title"]), (kind, name)
            assert prop["x-aliases"][0] == prop["title"]
    cadre = schemas.all_schemas()["cadre"]["properties"]
    headers = {p["title"] for p in cadre.values()}
    assert {"姓名", "性别", "出生年月", "民族", "工作单位", "职务", "职级", "身份证号"} <= headers
    assert cadre["id_number"]["x-pii"] is True


def test_schema_files_match_the_classes():
    """schemas/ is generated from the records: regenerate with `cadre schemas export schemas/`."""
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.json")}
    generated = {f"{k}.schema.json": schemas.schema_text(s)
                 for k, s in schemas.all_schemas().items()}
    assert sorted(on_disk) == sorted(generated), "a schema file is missing or left over"
    for name, text in generated.items():
        assert on_disk[name] == text, f"{name} drifted from its class"


def test_schemas_accept_records_and_reject_drift():
    import jsonschema

    c = Cadre(id="C1", name="张三", gender="男", birth="1975-06", unit_code="U1", post="局长")
    schema = json.loads((ROOT / "schemas" / "cadre.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(attrs.asdict(c))
    bad = {**attrs.asdict(c), "gender": "中"}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_record_kinds_are_in_reference_order():
    seen: set[str] = set()
    for kind, cls in RECORD_TYPES.items():
        for field in attrs.fields(cls):
            ref = field.metadata["ref"]
            assert ref is None or ref in seen or ref == kind, (kind, field.name, ref)
        seen.add(kind)
