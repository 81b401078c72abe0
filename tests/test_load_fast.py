"""The loader's fast path (cells converted column by column, once per distinct value; rows
told apart by rowid; references looked up per batch) gives exactly what checking row by row
gives: the same errors, in the same order, with the same cap; the same rows stored.

The oracle below is the row-by-row algorithm written plainly: each row through
``RowChecker.check`` (the thorough way: converter, record, schema, plugins), a duplicate key
names the first row, references are checked on the stored rows in file-name and line order.
"""
from __future__ import annotations

import gc
import shutil
import sqlite3
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cadre_sdk import hookimpl
from cadre_sdk.ingest import batches as load_rows
from cadre_sdk.core.errors import DataError, RowError
from cadre_sdk.ingest.batches import RowChecker
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.ingest.readers import RawRow, iter_rows
from cadre_sdk.records.fields import clean_code
from cadre_sdk.records import RECORD_TYPES
from cadre_sdk.store.database import open_db
from cadre_sdk.testing import make_db, make_plugins

POSTING_HEADER = ["履历编号", "干部编号", "起始时间", "终止时间", "任职单位", "任职地区", "职务",
                  "经历类型", "乡镇工作", "挂职类别"]
#: Cell values per column: good ones, ones that normalize (spaces, full width, Traditional,
#: other date spellings), and bad ones (each kind of problem the loader reports).
CELLS = [
    ["P1", "P2", "P3", "P4", "P 5", "Ｐ６", "P/7", ""],
    ["C1", "C2", "C2", "C404", " C1", ""],
    ["1990.08", "1990年8月", "1995-03-15", "1990.13", "1990", "2020-02-30", ""],
    ["", "1995.03", "1989.01", "nonsense"],
    ["U1", "U1", "", "U404"],
    ["632801", "", "999999"],
    ["科员", "科長", "  副科长 ", "禁用", ""],
    ["任职", "挂职", "appointment", "调动", ""],
    ["是", "否", "", "也许"],
    ["", "对口援青", "省外"],
]


class Veto:
    """A plugin refusing one post, to have plugins' messages among the errors."""

    __name__ = "veto"

    @hookimpl
    def validate_record(self, kind, record):
        if kind == "posting" and record.post == "禁用":
            return [f"职务“{record.post}”不可用"]
        return None


class BatchVeto:
    """A plugin checking a batch's columns (``validate_records``): its messages follow the
    per-record ones of the same row; some name the post field (the error names the file's
    职务 column)."""

    __name__ = "batch_veto"

    @hookimpl
    def validate_records(self, kind, columns):
        if kind != "posting":
            return None
        return [(i, f"“{post}”不可挂职（{secondment}）") if post == "科员" else
                (i, "post", f"“{post}”不可挂职（{secondment}）")
                for i, (post, secondment) in enumerate(zip(columns["post"],
                                                           columns["secondment"]))
                if secondment == "对口援青" and post in ("禁用", "科员")]


PLUGINS = make_plugins(Veto(), BatchVeto())


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with the province's divisions, unit U1 and cadres C1, C2."""
    folder = tmp_path_factory.mktemp("fast")
    db = make_db(folder / "t.db", PLUGINS)
    units = folder / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,格尔木市农牧局,部门,县,632801\n",
                     encoding="utf-8")
    load_files(db, "unit", [units], plugins=PLUGINS)
    cadres = folder / "cadres.csv"
    cadres.write_text("干部编号,姓名,性别,出生年月,工作单位,职务\nC1,张三,男,1975.06,U1,局长\n"
                      "C2,李四,女,1980.01,U1,科长\n", encoding="utf-8")
    load_files(db, "cadre", [cadres], plugins=PLUGINS)
    db.conn.close()
    return folder / "t.db"


def oracle(db_path: Path, kind: str, paths: list[Path], max_errors: int
           ) -> tuple[list[str], dict[tuple, tuple]]:
    """(errors as shown, the table's rows by key) of loading ``paths`` row by row."""
    cls = RECORD_TYPES[kind]
    names = [f.name for f in attrs.fields(cls)]
    keys = [names.index(k) for k in cls.__key__]
    conn = sqlite3.connect(db_path)
    table = {tuple(r[i] for i in keys): tuple(r) for r in
             conn.execute(f"SELECT {', '.join(names)} FROM [{kind}]")}
    parents = {f.name: {v for (v,) in conn.execute(
        f"SELECT [{RECORD_TYPES[f.metadata['ref']].__key__[0]}] FROM [{f.metadata['ref']}]")}
        for f in attrs.fields(cls) if f.metadata["ref"]}
    conn.close()
    checker = RowChecker(cls, PLUGINS)
    errors, seen, files = [], {}, []
    initial, appeared = dict(table), set()
    for path in paths:
        display = str(path)
        files.append(display)
        rows = list(iter_rows(path, display_name=display))
        header = [k for k in rows[0].values if not k.startswith("__")]
        mapping, header_errors = checker.columns(display, header)
        if header_errors:
            errors += header_errors
            continue
        for row in rows:
            row = merged(row, mapping, cls, names, initial, appeared)
            rec, row_errors = checker.check(row, mapping)
            if row_errors:
                errors += row_errors
                if len(errors) >= max_errors:
                    break
                continue
            values = attrs.astuple(rec, recurse=False)
            key = tuple(values[i] for i in keys)
            if key in seen:
                first = seen[key]
                column = cls.__key__[0] if len(key) == 1 else ""
                errors.append(RowError(display, row.line, column, f"主键 "
                              f"{'/'.join(map(str, key))} 与 {first[0]}:{first[1]} 重复"))
                continue
            seen[key] = (display, row.line)
            table[key] = values
        if len(errors) >= max_errors:
            break
    for f in attrs.fields(cls):
        if not f.metadata["ref"]:
            continue
        parent = RECORD_TYPES[f.metadata["ref"]]
        missing = sorted((seen[k], table[k][names.index(f.name)]) for k in seen
                         if table[k][names.index(f.name)] is not None and
                         table[k][names.index(f.name)] not in parents[f.name])
        for (file, line), value in missing[:max_errors]:
            errors.append(RowError(file, line, f.metadata["title"],
                          f"引用的{parent.__title__}“{value}”不存在。请先导入该{parent.__title__}，"
                          f"或核对{f.metadata['title']}"))
    errors.sort(key=lambda e: (files.index(e.file) if e.file in files else len(files), e.line))
    return [str(e) for e in errors], table


def merged(row, mapping, cls, names, initial, appeared):
    """The row as the loader sees it: the first row of a load naming a stored key keeps the
    stored value wherever its cell is empty (updates never erase)."""
    key_header = next(h for h, f in mapping.items() if f.name == cls.__key__[0])
    try:
        key = (clean_code(row.values.get(key_header)),)
    except ValueError:
        return row
    if None in key:
        return row
    old = initial.get(key) if key not in appeared else None
    appeared.add(key)
    if old is None:
        return row
    values = dict(row.values)
    for header, field in mapping.items():
        cell = values.get(header)
        stored = old[names.index(field.name)]
        if (cell is None or not str(cell).strip()) and stored is not None:
            values[header] = "1" if stored is True else "0" if stored is False else str(stored)
    return RawRow(row.file, row.line, values)


def table_rows(db_path: Path, kind: str) -> dict[tuple, tuple]:
    cls = RECORD_TYPES[kind]
    names = [f.name for f in attrs.fields(cls)]
    keys = [names.index(k) for k in cls.__key__]
    conn = sqlite3.connect(db_path)
    try:
        return {tuple(r[i] for i in keys): tuple(r) for r in
                conn.execute(f"SELECT {', '.join(names)} FROM [{kind}]")}
    finally:
        conn.close()


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    lines = [",".join(POSTING_HEADER)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Mostly good cells (the first two of each column), so that many loads go through; ids mostly
# distinct, some repeated.
row_strategy = st.tuples(
    st.one_of(st.integers(1, 60).map(lambda n: f"P{n}"), st.sampled_from(CELLS[0])),
    *(st.sampled_from(values[:2] * 60 + values) for values in CELLS[1:])).map(list)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(st.lists(row_strategy, min_size=1, max_size=9), min_size=1, max_size=3),
       same_file_twice=st.sampled_from([False] * 4 + [True]), stored_first=st.booleans(),
       batch=st.integers(1, 4), max_errors=st.sampled_from([2, 5, 5000]))
def test_fast_path_matches_row_by_row(template, tmp_path, monkeypatch, files, same_file_twice,
                                      stored_first, batch, max_errors):
    db_path = tmp_path / f"db{id(files)}.db"
    shutil.copy(template, db_path)
    db = open_db(db_path)
    if stored_first:  # a posting already stored: loading it again updates it
        load_files(db, "posting", [write_rows(tmp_path / "stored.csv",
                                              [["P1", "C1", "1980.01", "", "U1", "", "科员", "任职",
                                                "否", ""]])], plugins=PLUGINS)
    # Names out of load order: references are reported by file name, then line.
    paths = [write_rows(tmp_path / f"{'zyx'[i]}{id(files)}.csv", rows)
             for i, rows in enumerate(files)]
    if same_file_twice:
        paths.append(paths[0])
    want, table = oracle(db_path, "posting", paths, max_errors)
    event("rejected" if want else "loaded")
    event(f"{len(want)} errors" if len(want) < 3 else "3+ errors")
    monkeypatch.setattr(load_rows, "BATCH", batch)
    monkeypatch.setattr(load_rows, "MAX_ERRORS", max_errors)
    try:
        load_files(db, "posting", paths, plugins=PLUGINS)
    except DataError as exc:
        assert [str(e) for e in exc.errors] == want
    else:
        assert want == []
        assert table_rows(db_path, "posting") == table
    finally:
        db.conn.close()


def test_a_key_written_earlier_in_the_same_load_is_not_a_stored_row(template, tmp_path):
    # Found by the property above: the first file writes P1 into an empty table; the second
    # file's P1 with an empty 干部编号 must be judged as a row of its own (required cell empty),
    # not filled from the first file's row as if P1 had been stored before the load.
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    first = write_rows(tmp_path / "z.csv", [["P1", "C1", "1990.08", "", "U1", "632801", "科员",
                                             "任职", "是", ""]])
    second = write_rows(tmp_path / "y.csv", [["P1", "", "1990.08", "", "U1", "632801", "科员",
                                              "任职", "是", ""]])
    before = (tmp_path / "t.db").read_bytes()
    with pytest.raises(DataError) as err:
        load_files(db, "posting", [first, second], plugins=PLUGINS)
    assert [str(e) for e in err.value.errors] == [f"{second}:2: 干部编号: 必填项“干部编号”为空"]
    db.conn.close()
    assert (tmp_path / "t.db").read_bytes() == before


def test_duplicates_across_batches_and_files_name_the_first_row(template, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(load_rows, "BATCH", 2)
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    row = ["", "C1", "1990.08", "", "U1", "", "科员", "任职", "否", ""]
    a = write_rows(tmp_path / "a.csv", [["P1", *row[1:]], ["P2", *row[1:]], ["P3", *row[1:]],
                                         ["P1", *row[1:]]])
    b = write_rows(tmp_path / "b.csv", [["P2", *row[1:]]])
    with pytest.raises(DataError) as err:
        load_files(db, "posting", [a, b], plugins=PLUGINS)
    assert [str(e) for e in err.value.errors] == [
        f"{a}:5: id: 主键 P1 与 {a}:2 重复", f"{b}:2: id: 主键 P2 与 {a}:3 重复"]
    assert table_rows(tmp_path / "t.db", "posting") == {}


def test_reloading_updates_rows_and_keeps_them_unique(template, tmp_path):
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    first = write_rows(tmp_path / "a.csv", [["P1", "C1", "1990.08", "", "U1", "", "科员", "任职",
                                             "否", ""]])
    again = write_rows(tmp_path / "b.csv", [["P1", "C1", "1990.08", "", "U1", "", "副科长", "任职",
                                             "否", ""]])
    load_files(db, "posting", [first], plugins=PLUGINS)
    load_files(db, "posting", [again], plugins=PLUGINS)
    assert [r[:7] for r in table_rows(tmp_path / "t.db", "posting").values()] == [
        ("P1", "C1", "1990-08", None, "U1", None, "副科长")]
    with pytest.raises(DataError) as err:
        load_files(db, "posting", [again, again], plugins=PLUGINS)
    assert [str(e) for e in err.value.errors] == [f"{again}:2: id: 主键 P1 与 {again}:2 重复"]


def test_reference_errors_point_at_lines_after_multiline_cells(template, tmp_path):
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    path = tmp_path / "p.csv"
    path.write_text(",".join(POSTING_HEADER) + "\n"
                    'P1,C1,1990.08,,U1,,"科员\n（兼）",任职,否,\n'
                    "P2,C9,1990.08,,U1,,科员,任职,否,\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_files(db, "posting", [path], plugins=PLUGINS)
    # P2 starts on line 4: the quoted cell of P1 runs over lines 2 and 3.
    assert [str(e) for e in err.value.errors] == [
        f"{path}:4: 干部编号: 引用的干部“C9”不存在。请先导入该干部，或核对干部编号"]


def test_a_region_may_refer_to_a_region_later_in_the_same_load(tmp_path):
    db = make_db(tmp_path / "t.db")
    path = tmp_path / "r.csv"
    path.write_text("地区代码,地区名称,层级,上级代码\n632801001,甲镇,乡镇,632801999\n"
                    "632801999,乙县,县,632800\n632801002,丙镇,乡镇,632801998\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_files(db, "region", [path])
    assert [str(e) for e in err.value.errors] == [
        f"{path}:4: 上级代码: 引用的地区“632801998”不存在。请先导入该地区，或核对上级代码"]


def test_progress_counts_rows_in_thousands_then_the_rest(template, tmp_path, monkeypatch):
    monkeypatch.setattr(load_rows, "BATCH", 300)
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    rows = [[f"P{i}", "C1", "1990.08", "", "U1", "", "科员", "任职", "否", ""] for i in range(2500)]
    seen: list[int] = []
    result = load_files(db, "posting", [write_rows(tmp_path / "p.csv", rows)], plugins=PLUGINS,
                        progress=seen.append)
    assert (result.rows, seen) == (2500, [1000, 1000, 500])


def test_the_cycle_collector_runs_again_after_a_load_good_or_bad(template, tmp_path):
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    good = write_rows(tmp_path / "g.csv", [["P1", "C1", "1990.08", "", "U1", "", "科员", "任职",
                                            "否", ""]])
    bad = write_rows(tmp_path / "b.csv", [["P1", "C404", "1990.08", "", "U1", "", "科员", "任职",
                                           "否", ""]])
    assert gc.isenabled()
    load_files(db, "posting", [good], plugins=PLUGINS)
    assert gc.isenabled()
    with pytest.raises(DataError):
        load_files(db, "posting", [bad], plugins=PLUGINS)
    assert gc.isenabled()
    gc.disable()
    try:
        load_files(db, "posting", [good], plugins=PLUGINS)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_past_the_cap_reference_errors_come_from_files_in_name_order(template, tmp_path,
                                                                     monkeypatch):
    # As when the references were checked in a table of keys ordered by file name and line:
    # the cap keeps a.csv's three rows and b.csv's first, though b.csv was loaded first.
    monkeypatch.setattr(load_rows, "MAX_ERRORS", 4)
    db = open_db(shutil.copy(template, tmp_path / "t.db"))
    row = ["C9", "1990.08", "", "U1", "", "科员", "任职", "否", ""]
    b = write_rows(tmp_path / "b.csv", [["P1", *row], ["P2", *row], ["P3", *row]])
    a = write_rows(tmp_path / "a.csv", [["P4", *row], ["P5", *row], ["P6", *row]])
    with pytest.raises(DataError) as err:
        load_files(db, "posting", [b, a], plugins=PLUGINS)
    assert [(e.file, e.line) for e in err.value.errors] == [
        (str(b), 2), (str(a), 2), (str(a), 3), (str(a), 4)]


DAY_OR_MONTH = st.one_of(st.none(), st.sampled_from(
    ["2023-01", "2023-01-01", "2023-01-31", "2023-02", "2022-12-31", "2023-02-01", "2024"]))


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(DAY_OR_MONTH, DAY_OR_MONTH), min_size=1, max_size=4))
def test_record_checks_judged_from_values_as_records_judge_them(pairs):
    # posting and training check "end not before start" on their values, without records
    for kind in ("posting", "training"):
        cls = RECORD_TYPES[kind]
        judge = load_rows.value_checks_of(cls)
        assert judge is not None
        at = {f.name: i for i, f in enumerate(attrs.fields(cls))}
        rows = []
        for start, end in pairs:
            row = [None] * len(at)
            row[at["start"]], row[at["end"]] = start, end
            rows.append(tuple(row))
        records = [type("Rec", (), {"start": s, "end": e})() for s, e in pairs]
        assert judge([list(c) for c in zip(*rows)]) == all(map(load_rows.checks_of(cls), records))
    # a check without fields and fails needs records
    plain = type("Plain", (), {"__checks__": (lambda rec: None,)})
    assert load_rows.value_checks_of(plain) is None


VOTES = st.integers(min_value=0, max_value=60)


@settings(max_examples=200, deadline=None)
@given(votes=st.lists(st.tuples(VOTES, VOTES, VOTES, VOTES, VOTES), min_size=1, max_size=4),
       subjects=st.lists(st.tuples(st.sampled_from(["个人", "班子"]),
                                   st.one_of(st.none(), st.just("C1"))), min_size=1, max_size=4))
def test_assessment_checks_judged_from_values_as_records_judge_them(votes, subjects):
    # evaluation (votes within participants) and assessment (a personal one names its cadre)
    # are judged on a batch's columns, without records, exactly as their records are judged
    for kind, names, cases in (
            ("evaluation", ("excellent", "competent", "basic", "incompetent", "participants"),
             votes),
            ("assessment", ("subject", "cadre_id"), subjects)):
        cls = RECORD_TYPES[kind]
        judge = load_rows.value_checks_of(cls)
        assert judge is not None
        at = {f.name: i for i, f in enumerate(attrs.fields(cls))}
        columns = [[None] * len(cases) for _ in at]
        for j, values in enumerate(cases):
            for name, value in zip(names, values):
                columns[at[name]][j] = value
        records = [type("Rec", (), dict(zip(names, values)))() for values in cases]
        assert judge(columns) == all(map(load_rows.checks_of(cls), records))


@settings(max_examples=300, deadline=None)
@given(codes=st.lists(st.text(alphabet=st.one_of(st.characters(max_codepoint=0x7f),
                                                 st.sampled_from("Ｃ１　中")), max_size=5),
                      min_size=1, max_size=5))
def test_a_column_of_plain_codes_is_what_clean_code_gives_back(codes):
    """The shortcut of the key column and of the reference look-ups (``plain_codes``) takes
    a batch's codes as they are only when ``clean_code`` gives each back unchanged, and takes
    every printable ASCII code without a space."""
    from cadre_sdk.records.fields import plain_codes

    plain = all(c and c.isascii() and c.isprintable() and " " not in c for c in codes)
    accepted = plain_codes(codes)
    assert accepted == plain
    assert plain_codes(set(codes)) == plain  # (the look-ups give it the distinct cells)
    if accepted:
        assert [clean_code(c) for c in codes] == codes


def test_distinct_cadre_codes_are_checked_where_the_rows_are_stored(tmp_path, monkeypatch):
    """A batch whose cadre codes hardly repeat is not looked up before conversion (each is
    its own code: ``Resolver.as_written``); the stored rows' references are checked instead.
    A code not stored is still reported at its line, nothing is written; an ID number among
    the codes still names its cadre; a small batch is looked up as before."""
    from cadre_sdk.core.normalize import _id_check_char
    from cadre_sdk.ingest import references

    first17 = "63280119750612001"
    number = first17 + _id_check_char(first17)
    db = make_db(tmp_path / "t.db", PLUGINS)
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,格尔木市农牧局,部门,县,632801\n",
                     encoding="utf-8")
    load_files(db, "unit", [units], plugins=PLUGINS)
    n = references.AS_WRITTEN_BATCH
    cadres = tmp_path / "cadres.csv"
    cadres.write_text("干部编号,姓名,性别,出生年月,工作单位,职务,身份证号\n"
                      f"C0,张三,男,1975.06,U1,局长,{number}\n"
                      + "".join(f"C{i},李四,女,1980.01,U1,科长,\n" for i in range(1, n + 1)),
                      encoding="utf-8")
    load_files(db, "cadre", [cadres], plugins=PLUGINS)
    asked: list[list] = []
    learn = references.Resolver.learn
    monkeypatch.setattr(references.Resolver, "learn",
                        lambda self, values: (asked.append(list(values)), learn(self, values)))
    header = "表彰编号,干部编号,表彰日期,类别,名称,级别\n"

    def commendations(path: Path, cadre_ids: list[str]) -> Path:
        path.write_text(header + "".join(f"B{i},{c},2024-02-29,表彰,优秀共产党员,县\n"
                                         for i, c in enumerate(cadre_ids)), encoding="utf-8")
        return path

    codes = [f"C{i}" for i in range(1, n + 1)]
    bad = commendations(tmp_path / "bad.csv", codes[:40] + ["C404"] + codes[40:])
    with pytest.raises(DataError) as err:
        load_files(db, "commendation", [bad], plugins=PLUGINS)
    assert [str(e) for e in err.value.errors] == [
        f"{bad}:42: 干部编号: 引用的干部“C404”不存在。请先导入该干部，或核对干部编号"]
    assert asked == []  # (distinct codes: none looked up before conversion)
    assert table_rows(tmp_path / "t.db", "commendation") == {}
    with pytest.raises(DataError) as err:  # (a small batch: looked up first, same report)
        load_files(db, "commendation", [commendations(tmp_path / "small.csv",
                                                      ["C1", "C404"])], plugins=PLUGINS)
    assert [str(e) for e in err.value.errors] == [
        f"{tmp_path / 'small.csv'}:3: 干部编号: 引用的干部“C404”不存在。请先导入该干部，或核对干部编号"]
    assert asked == [["C1", "C404"]]
    good = commendations(tmp_path / "good.csv", [number] + codes[1:])
    load_files(db, "commendation", [good], plugins=PLUGINS)
    assert len(asked) == 2  # (an ID number among them: looked up, and resolved)
    stored = {k[0]: v[1] for k, v in table_rows(tmp_path / "t.db", "commendation").items()}
    assert stored == {f"B{i}": c for i, c in enumerate(["C0"] + codes[1:])}


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(1890, 2110), st.integers(0, 13),
              st.integers(0, 32)),
    st.sampled_from(["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024.02.29",
                     "2024-2-9", " 2024-02-09", "２０２４-02-09", "", "2024-02"])),
    min_size=1, max_size=30), field=st.sampled_from([("commendation", "date"),
                                                      ("training", "start")]))
def test_a_column_of_iso_dates_is_judged_as_each_cell_is(cells, field):
    """A batch of a date column's cells written as ISO dates is taken as it is (one regex,
    each distinct date checked once) only when every one exists and in range: the column's
    values are those each cell gives on its own (the thorough conversion), bad cells marked
    bad."""
    kind, name = field
    cls = RECORD_TYPES[kind]
    column = RowChecker(cls, None).columns_by_field[name]
    assert column.iso_all is not None
    expected = [column.value(c) for c in cells]
    fresh = RowChecker(cls, None).columns_by_field[name]
    for _ in range(2):  # (the second time, the dates met are remembered)
        assert fresh.values(list(cells), True) == expected


def _thorough(cls: type, name: str, cell: object) -> object:
    """A cell's value as the record's constructor and the schema judge it: the converter
    (twice, as the loader and the record each convert), the field's validators, the field's
    schema; ``load_rows._BAD`` for a cell any of them refuses."""
    from cadre_sdk.records.schemas import property_validators

    field = attrs.fields_dict(cls)[name]
    try:
        value = field.converter(field.converter(cell))
        for check in field.validator if isinstance(field.validator, list) else [field.validator]:
            check(None, field, value)
    except ValueError:
        return load_rows._BAD
    return value if property_validators(cls.__kind__)[name](value) else load_rows._BAD


def _judged_as_thorough(cells: list, kind: str, name: str) -> None:
    """Each cell of a column's batch is given what the thorough conversion gives it (its
    value, or bad), in a first batch and in a second one (cells met are remembered)."""
    cls = RECORD_TYPES[kind]
    expected = [_thorough(cls, name, c) for c in cells]
    column = RowChecker(cls, None).columns_by_field[name]
    for _ in range(2):
        assert column.values(list(cells), True) == expected


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(
    st.builds("{:04d}{}{:02d}{}{:02d}".format, st.integers(1890, 2110), st.sampled_from("-./"),
              st.integers(0, 13), st.sampled_from("-./"), st.integers(0, 32)),
    st.sampled_from(["2024.02.29", "2023.02.29", "2024/12/31", "2024.2.9", " 2024.02.09",
                     "２０２４.02.09", "2024.02.09 10:30", "", "2024.02", "1899.12.31",
                     "1975.06", "1975.6", "1975年6月", "1975.13", "1975-06", "2101.01"])),
    min_size=1, max_size=30), field=st.sampled_from([("achievement", "date"),
                                                      ("commendation", "date"),
                                                      ("cadre", "birth"),
                                                      ("posting", "start")]))
def test_a_column_of_dates_with_dots_or_slashes_is_judged_as_each_cell_is(cells, field):
    """Dates written 2022.03.26 or 2022/03/26 (the achievement file's), months written
    1975.06 (a roster's), are taken without the parser: each cell's value is what the
    thorough conversion gives (the ISO date or month), and a cell it refuses is marked bad,
    batch after batch (dates met are remembered)."""
    _judged_as_thorough(cells, *field)
    assert _thorough(RECORD_TYPES["achievement"], "date", "2022.03.26") == "2022-03-26"
    assert _thorough(RECORD_TYPES["cadre"], "birth", "1975.06") == "1975-06"  # (by hand)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(
    st.text(alphabet=st.sampled_from("ab 中國\n\tＡ　、，"), max_size=8),
    st.sampled_from(["平安", "x" * 200, "x" * 201, "x" * 200 + "　", "Ｘ" * 201, "y" * 5000,
                     "y" * 5001, "", " ", "國家", "a\x00b"])),
    min_size=1, max_size=30), field=st.sampled_from([("achievement", "description"),
                                                      ("achievement", "recognized_by"),
                                                      ("posting", "post")]))
def test_a_text_column_is_judged_as_each_cell_is(cells, field):
    """A text cell is tidied (spaces, full-width letters such as Ａ, Simplified; the clerks'
    ，kept) in one step: each value is what the thorough conversion gives, too long or empty
    required cells marked bad."""
    _judged_as_thorough(cells, *field)
    assert _thorough(RECORD_TYPES["achievement"], "description", "  國家，平安Ａ ") == \
        "国家，平安A"
    assert _thorough(RECORD_TYPES["achievement"], "description", "") is load_rows._BAD
    column = RowChecker(RECORD_TYPES["achievement"], None).columns_by_field["description"]
    assert column.values(["a\x00b", "平安"], False) == [load_rows._BAD, "平安"]  # (.xlsx cells)


def test_a_text_cell_taken_in_one_step_still_meets_its_schema():
    """The one-step path for text asks the field's schema too (a pattern a schema may add
    one day): a tidied text the schema refuses is marked bad, as the thorough way marks it."""
    field = attrs.fields_dict(RECORD_TYPES["achievement"])["description"]
    column = load_rows._Column(field, lambda value: value != "不许")
    assert column.direct is not column.value         # the one-step path is the one asked
    assert column.values(["平安", " 不许 ", "國家"], True) == ["平安", load_rows._BAD, "国家"]
