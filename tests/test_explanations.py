"""Explanations stored compactly: rules and parameters once each in ``explanation_ref``, the
Chinese text rendered on demand (Python, SQL ``cadre_explain``, the publication)."""
from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadre_sdk.store import explanations
from cadre_sdk.core.trace import Trace, render_text
from cadre_sdk.parameters import ParameterValue
from cadre_sdk.publish.testing import PublicationClient



def pv(path: str, value: object, reference: str, example: bool = True,
       file: str = "subsidies.yaml", start: datetime.date = datetime.date(2015, 1, 1)
       ) -> ParameterValue:
    return ParameterValue(path=path, value=value, start=start, reference=reference,
                          example=example, note=None, file=file, line=1, unit=None)


MIN_DAYS = pv("township_post.min_days", 15, "示例依据：在岗天数")
TIERS = pv("township_post.tiers", [{"min_years": 0, "monthly_yuan": 200}], "示例依据：档次")


def trace(subject: str, days: int) -> Trace:
    t = Trace(subject=subject)
    t.rule("subsidy", "乡镇工作岗位补助", "plug_a", "630000", "乡镇补贴")
    t.input("在岗天数", days)
    t.parameter(MIN_DAYS, "plug_a")
    t.parameter(TIERS, "plug_a")
    t.parameter(MIN_DAYS, "plug_a")          # read twice: recorded once
    t.step("补贴", 200, "按档次")
    t.result = 200
    return t


def refs(db) -> list[tuple[int, str, dict]]:
    """The stored rules and parameters (templates and texts left out)."""
    return [(i, k, json.loads(j)) for i, k, j in
            db.execute("SELECT id, kind, json FROM explanation_ref "
                       "WHERE kind IN ('rules', 'parameters') ORDER BY id")]


def stored_row(db, eid: str) -> dict:
    """An explanation's stored trace, its template joined (rules and parameters as ids)."""
    body = db.execute("SELECT json FROM explanation WHERE id = ?", [eid]).fetchone()[0]
    return explanations.stored(db.conn, body)


def test_each_rule_and_parameter_is_stored_once_and_cited_by_id(cadre_db) -> None:
    a, b = trace("补贴 2024-01", 20), trace("补贴 2024-02", 18)
    explanations.write(cadre_db, [("s:a", "s", "a", a.to_dict()),
                                  ("s:b", "s", "b", b.to_dict())])
    stored = refs(cadre_db)
    # one rule and two parameters, although two traces cite them (MIN_DAYS read twice each)
    assert [k for _, k, _ in stored] == ["rules", "parameters", "parameters"]
    rule_id, days_id, tiers_id = (i for i, _, _ in stored)
    assert stored[1][2] == {"path": "township_post.min_days", "value": 15,
                            "start": "2015-01-01", "reference": "示例依据：在岗天数",
                            "example": True, "status": "example", "plugin": "plug_a",
                            "file": "subsidies.yaml"}
    row = stored_row(cadre_db, "s:b")
    assert (row["rules"], row["parameters"]) == ([rule_id], [days_id, tiers_id])
    assert row["inputs"] == [{"label": "在岗天数", "value": 18}]


def test_reading_back_gives_the_trace_and_its_text(cadre_db) -> None:
    t = trace("补贴 2024-01", 20)
    explanations.write(cadre_db, [("s:a", "s", "a", t.to_dict())])
    assert explanations.lookup(cadre_db.conn, "s:a") == t.to_dict()
    text = cadre_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 's:a'"
                            ).fetchone()[0]
    assert text == render_text(t.to_dict())
    assert "township_post.min_days = 15，自 2015-01-01 起施行（示例值，非官方数据）；" \
           "依据：示例依据：在岗天数；插件 plug_a" in text
    assert explanations.lookup(cadre_db.conn, "s:none") is None
    assert cadre_db.execute("SELECT cadre_explain(NULL)").fetchone()[0] is None


def test_writing_again_is_byte_identical(cadre_db) -> None:
    rows = [("s:a", "s", "a", trace("补贴 2024-01", 20).to_dict())]
    explanations.write(cadre_db, rows)
    before = list(cadre_db.conn.iterdump())
    explanations.write(cadre_db, rows)
    assert list(cadre_db.conn.iterdump()) == before


def test_inline_entries_of_older_stores_and_missing_references_still_render(cadre_db) -> None:
    inline = trace("旧格式", 20).to_dict()
    cadre_db.execute("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)",
                     ["old:1", "x", json.dumps(inline, ensure_ascii=False)])
    assert explanations.lookup(cadre_db.conn, "old:1") == inline
    cadre_db.execute("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)",
                     ["bad:1", "x", '{"subject": "断链", "parameters": [999]}'])
    text = cadre_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 'bad:1'"
                            ).fetchone()[0]
    assert text == "【断链】\n参数：\n  · （引用 999 不存在）"


def test_prune_removes_only_entries_nobody_cites(cadre_db) -> None:
    explanations.write(cadre_db, [("s:a", "s", "a", trace("a", 20).to_dict())])
    other = Trace(subject="其他")
    other.parameter(pv("x.y", 1, "r", example=False, file="f.yaml"), "plug_b")
    explanations.write(cadre_db, [("o:1", "o", "o", other.to_dict())])
    assert len(refs(cadre_db)) == 4
    text_a = cadre_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 's:a'"
                              ).fetchone()[0]
    cadre_db.execute("DELETE FROM explanation WHERE id = 'o:1'")
    # o:1's template, its parameter and its subject's text "其他" (s:a does not cite them)
    assert explanations.prune(cadre_db) == 3
    assert [k for _, k, _ in refs(cadre_db)] == ["rules", "parameters", "parameters"]
    assert explanations.prune(cadre_db) == 0
    assert cadre_db.execute("SELECT cadre_explain(json) FROM explanation WHERE id = 's:a'"
                            ).fetchone()[0] == text_a


def test_prune_reads_what_each_stored_form_cites(cadre_db) -> None:
    # Rows as stored by hand: a templated row cites its template and the texts opening its
    # [text id, numbers] lists, not a number that merely looks like one inside a string
    # value; a row stored whole cites its rules and parameters lists.
    def ref(kind: str, body: str) -> int:
        return cadre_db.conn.execute(
            "INSERT INTO explanation_ref (kind, digest, json) VALUES (?, ?, ?)",
            [kind, explanations.digest(body), body]).lastrowid
    template = ref("template", json.dumps({"subject": explanations.TEXT + "0"}))
    listed, in_string, in_template = ref("text", '"甲"'), ref("text", '"乙"'), ref("text", '"丙"')
    cadre_db.conn.execute("UPDATE explanation_ref SET json = ? WHERE id = ?",
                          [json.dumps({"subject": f"{explanations.TEXT}{in_template}"}),
                           template])
    param, rule, unused = ref("parameters", '{"p":1}'), ref("rules", '{"r":1}'), ref("rules", "2")
    rows = [("a:1", "x", f'{{"t":{template},"v":[[{listed},3],"[{in_string},",7]}}'),
            ("b:1", "y", json.dumps({"subject": "整条", "rules": [rule],
                                          "parameters": [param, {"inline": 1}]}))]
    cadre_db.conn.executemany("INSERT INTO explanation (id, subject, json) VALUES (?, ?, ?)",
                              rows)
    assert explanations.prune(cadre_db) == 2            # in_string and unused
    left = {r[0] for r in cadre_db.execute("SELECT id FROM explanation_ref")}
    assert {template, listed, in_template, param, rule} <= left
    assert not {in_string, unused} & left
    cadre_db.execute("DELETE FROM explanation WHERE id = 'a:1'")
    assert explanations.prune(cadre_db) == 3            # the template and both its texts
    assert {r[0] for r in cadre_db.execute("SELECT id FROM explanation_ref")} \
        & {template, listed, in_template} == set()


def test_note_sql_and_see_are_rendered() -> None:
    text = render_text({"subject": "培训覆盖", "note": "由培训记录统计。",
                        "sql": "SELECT 1", "see": ["assessment_rules:abc"]})
    assert text.splitlines() == ["【培训覆盖】", "由培训记录统计。", "计算方法（SQL）：SELECT 1",
                                 "适用规则、参数及其依据：见说明 assessment_rules:abc"]


@pytest.fixture(scope="module")
def public(public_db: Path) -> Iterator[PublicationClient]:  # noqa: F811
    with PublicationClient(public_db) as client:
        yield client


def test_the_publication_renders_cited_parameters_with_their_sources(public) -> None:
    # (a person's assessment and a case are not public: the training coverage cites the
    # training hours it applies)
    shared = public.json("/public.json?sql=" + "SELECT id FROM explanation WHERE kind = "
                         "'training_coverage' ORDER BY id LIMIT 1&_shape=array")[0]["id"]
    page = public.get(f"/public/explanation/{shared.replace(':', '~3A')}").text
    assert 'class="cadre-explanation"' in page
    assert "参数及依据：" in page and "依据：" in page and "适用规则：" in page
    assert "（引用" not in page                        # every id resolved
    # SQL readers get the same text through cadre_explain(json)
    got = public.json("/public.json?sql=" + f"SELECT cadre_explain(json) AS t FROM explanation "
                      f"WHERE id = '{shared}'&_shape=array")[0]["t"]
    assert got.startswith("【") and "依据：" in got
    # the public level publishes explanations as JSON text (no packing dictionary): a
    # template and its values; cadre_explanation_json(json) gives the same text
    cell = public.json("/public.json?sql=" + "SELECT typeof(json) AS type, json, "
                       "cadre_explanation_json(json) AS body FROM explanation "
                       f"WHERE id = '{shared}'&_shape=array")[0]
    assert cell["type"] == "text" and cell["body"] == cell["json"]
    assert set(json.loads(cell["body"])) == {"t", "v"}
