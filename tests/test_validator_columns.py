"""Plugins' validators naming a field: ``validate_records`` answering ``(row, field, message)``
and ``validate_record`` answering ``(field, message)`` get the clerk's own column header in
the error (as written: alias, Traditional characters), with the file and line; the old forms
keep working; a malformed answer is the plugin's error, in English, naming it, its file and
line, and nothing is written."""
from __future__ import annotations

import inspect
from pathlib import Path

import openpyxl
import pytest

from cadre_sdk import hookimpl
from cadre_sdk.core.errors import DataError, PluginError
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.testing import make_db, make_plugins


class PostRules:
    """A county's checks: 科员 is not a post of this county's bureaus (a batch check naming
    the post field), a row whose 职级 is 二级科员 is checked as a whole and by its rank
    (per record: one message about the record, one naming the rank field)."""

    __name__ = "post_rules"

    @hookimpl
    def validate_records(self, kind, columns):
        if kind != "cadre":
            return None
        out = []
        for i, post in enumerate(columns["post"]):
            if post == "科员":
                out.append((i, "post", "本县各局不设“科员”职务，请填写具体职务"))
                out.append((i, "请核对这一行"))  # the two-element form, about the row
        return out

    @hookimpl
    def validate_record(self, kind, record):
        if kind == "cadre" and record.rank == "二级科员":
            return ["职级与任职年限不符", ("rank", "本县没有“二级科员”职级")]
        return None


HEADERS = {  # the clerk's headers: aliases, and Traditional ones in the Big5 file
    "gbk": "干部编号,姓名,性别,出生年月,所在单位,现任职务,现职级",
    "cp950": "幹部編號,姓名,性別,出生年月,所在單位,現任職務,現職級",
}
ROWS = {
    "gbk": ["C1,张三,男,1975.06,U1,局长,一级调研员",
            "C2,李四,女,1980.01,U1,科员,一级科员",
            "C3,王五,男,1982.03,U1,副局长,二级科员"],
    "cp950": ["C1,張三,男,1975.06,U1,局長,一級調研員",   # Traditional: the plugin sees
              "C2,李四,女,1980.01,U1,科員,一級科員",      # the values simplified, as stored
              "C3,王五,男,1982.03,U1,副局長,二級科員"],
}


@pytest.fixture
def db(tmp_path):
    database = make_db(tmp_path / "t.db")
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,格尔木市农牧局,部门,县,632801\n",
                     encoding="utf-8")
    load_files(database, "unit", [units], plugins=make_plugins())
    return database


def cadre_count(db) -> int:
    return db.conn.execute("SELECT count(*) FROM cadre").fetchone()[0]


def errors_of(db, path: Path, plugins) -> list[str]:
    with pytest.raises(DataError) as e:
        load_files(db, "cadre", [path], plugins=plugins)
    assert cadre_count(db) == 0
    return [str(error).removeprefix(f"{path.parent}/") for error in e.value.errors]


@pytest.mark.parametrize("encoding", ["gbk", "cp950"])
def test_messages_name_the_clerks_column_as_written(db, tmp_path, encoding):
    path = tmp_path / "名冊.csv"
    path.write_bytes(("\n".join([HEADERS[encoding], *ROWS[encoding]]) + "\n").encode(encoding))
    post, rank = HEADERS[encoding].split(",")[5:7]
    assert errors_of(db, path, make_plugins(PostRules())) == [
        f"名冊.csv:3: {post}: 本县各局不设“科员”职务，请填写具体职务",
        "名冊.csv:3: 请核对这一行",
        "名冊.csv:4: 职级与任职年限不符",
        f"名冊.csv:4: {rank}: 本县没有“二级科员”职级",
    ]


def test_messages_name_the_column_of_a_workbook(db, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["干部编号", "姓名", "性别", "出生年月", "工作单位", "职务", "职级"])
    for row in ROWS["gbk"]:
        wb.active.append(row.split(","))
    wb.save(tmp_path / "名册.xlsx")
    assert errors_of(db, tmp_path / "名册.xlsx", make_plugins(PostRules())) == [
        "名册.xlsx:3: 职务: 本县各局不设“科员”职务，请填写具体职务",
        "名册.xlsx:3: 请核对这一行",
        "名册.xlsx:4: 职级与任职年限不符",
        "名册.xlsx:4: 职级: 本县没有“二级科员”职级",
    ]


def test_a_field_the_file_has_no_column_for_is_named_by_its_title(db, tmp_path):
    class EthnicityRule:
        __name__ = "ethnicity_rule"

        @hookimpl
        def validate_records(self, kind, columns):
            return [(0, "ethnicity", "请补填民族")] if kind == "cadre" else None

    path = tmp_path / "c.csv"
    path.write_text("\n".join([HEADERS["gbk"], ROWS["gbk"][0]]) + "\n", encoding="utf-8")
    assert errors_of(db, path, make_plugins(EthnicityRule())) == ["c.csv:2: 民族: 请补填民族"]


class Wrong:
    """A plugin whose answer is malformed (set per test)."""

    __name__ = "wrong_answers"

    def __init__(self, batch=None, record=None):
        self.batch, self.record = batch, record

    @hookimpl
    def validate_records(self, kind, columns):
        return self.batch

    @hookimpl
    def validate_record(self, kind, record):
        return self.record


@pytest.mark.parametrize(("plugin", "hook", "said"), [
    (Wrong(batch=[(0, "posts", "不对")]), "validate_records",
     "returned (0, 'posts', '不对'): 'posts' is not a field of the record (did you mean 'post'?)"),
    (Wrong(batch=[(0, "post", "不对", "多")]), "validate_records",
     "returned (0, 'post', '不对', '多'), not a (row, message) pair nor a (row, field, message)"),
    (Wrong(batch=[(0, 5, "不对")]), "validate_records",
     "returned (0, 5, '不对'): the field is int, not a field name (str)"),
    (Wrong(record=[("ranks", "不对")]), "validate_record",
     "returned ('ranks', '不对'): 'ranks' is not a field of the record (did you mean 'rank'?)"),
    (Wrong(record=[("rank",)]), "validate_record",
     "returned ('rank',), not a message (str) nor a (field, message) pair"),
])
def test_a_malformed_answer_names_the_plugin_its_file_and_line(db, tmp_path, plugin, hook, said):
    path = tmp_path / "c.csv"
    path.write_text("\n".join([HEADERS["gbk"], *ROWS["gbk"]]) + "\n", encoding="utf-8")
    with pytest.raises(PluginError) as e:
        load_files(db, "cadre", [path], plugins=make_plugins(plugin))
    function = getattr(Wrong, hook)
    where = f"{inspect.getsourcefile(function)}:{function.__code__.co_firstlineno}"
    assert str(e.value).startswith(f"plugin 'wrong_answers', hook {hook}: {said}")
    assert f" at {where} Fix: return None or a list of" in str(e.value)
    assert cadre_count(db) == 0


COUNTY = '''from cadre_sdk import hookimpl, record_kinds


@hookimpl
def cadre_jurisdiction():
    return "632801"


@hookimpl
@record_kinds("cadre")
def validate_records(kind, columns):
    return [(row, "{field}", "本县各局不设“科员”职务，请填写具体职务")
            for row, post in enumerate(columns["post"]) if post == "科员"]
'''


@pytest.mark.parametrize("field", ["post", "posts"])
def test_cadre_load_names_the_column_or_the_plugins_mistake(tmp_path, capsys, field):
    from clihelp import run

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "golmud_posts.py").write_text(COUNTY.replace("{field}", field), encoding="utf-8")
    db = tmp_path / "cadre.db"
    assert run(capsys, "init", db)[0] == 0
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,格尔木市农牧局,部门,县,632801\n",
                     encoding="utf-8")
    assert run(capsys, "--plugins-dir", folder, "load", db, "unit", units)[0] == 0
    roster = tmp_path / "名冊.csv"  # a Big5 file with Traditional headers
    roster.write_bytes(("\n".join([HEADERS["cp950"], *ROWS["cp950"][:2]]) + "\n").encode("cp950"))
    before = db.read_bytes()
    code, out, err = run(capsys, "--plugins-dir", folder, "load", db, "干部", roster)
    assert code != 0 and "Traceback" not in out + err
    if field == "post":
        assert f"{roster}:3: 現任職務: 本县各局不设“科员”职务，请填写具体职务" in err
    else:
        assert ("plugin 'golmud_posts', hook validate_records: returned (1, 'posts', "
                "'本县各局不设“科员”职务，请填写具体职务'): 'posts' is not a field of the record (did "
                f"you mean 'post'?) at {folder / 'golmud_posts.py'}:9") in err  # its @hookimpl
    assert db.read_bytes() == before
