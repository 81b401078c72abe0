"""A large load into an empty table builds the table's plain indexes after its rows
(``ingest.deferred``): the store ends with the same indexes, defined as before, holding every
row; a load that fails leaves them as they were; the indexes the load reads (a cadre's ID
number, when a file without 干部编号 is matched by it) stay in place while it runs."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from cadre_sdk.core.errors import DataError
from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.ingest import deferred
from cadre_sdk.ingest.loader import load_files, load_sources
from cadre_sdk.testing import make_db

UNITS = "单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,格尔木市农牧局,部门,县,632801\n"


def indexes(path: Path, table: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = ?", [table]))
    finally:
        conn.close()


def checked(path: Path) -> None:
    """The indexes hold what their tables hold."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(deferred, "DEFER_ROWS", 3)
    db = make_db(tmp_path / "t.db")
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    load_files(db, "unit", [units])
    return db, tmp_path


def cadres(path: Path, n: int, *, bad_at: int | None = None, ids: bool = True) -> Path:
    head = "干部编号,姓名,性别,出生年月,工作单位,职务,身份证号\n" if ids else \
        "姓名,性别,出生年月,工作单位,职务,身份证号\n"
    rows = []
    for i in range(n):
        number = make_id_number("632801", dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i,
                                male=i % 2 == 0)
        unit = "U404" if i == bad_at else "U1"
        rows.append((f"C{i}," if ids else "") + f"张{i},{'男' if i % 2 == 0 else '女'},"
                    f"1980.0{1 + i % 9},{unit},科员,{number}\n")
    path.write_text(head + "".join(rows), encoding="utf-8")
    return path


def test_a_large_load_ends_with_the_same_indexes_holding_every_row(store, monkeypatch):
    db, folder = store
    before = indexes(folder / "t.db", "cadre")
    assert any(sql.startswith("CREATE INDEX") for _, sql in before if sql)
    dropped: list[str] = []
    drop = deferred.DeferredIndexes.written

    def written(self, rows):
        drop(self, rows)
        dropped.extend(name for name, _ in self.dropped if name not in dropped)
    monkeypatch.setattr(deferred.DeferredIndexes, "written", written)
    res = load_files(db, "cadre", [cadres(folder / "c.csv", 40)])
    assert res.rows == 40 and res.written
    assert dropped and "idx_cadre_id_number" not in dropped  # (the load reads that one)
    assert indexes(folder / "t.db", "cadre") == before
    checked(folder / "t.db")
    conn = sqlite3.connect(folder / "t.db")
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM cadre WHERE unit_code = 'U1'"))
    assert "idx_cadre_unit_code" in plan
    assert conn.execute("SELECT count(*) FROM cadre WHERE unit_code = 'U1'").fetchone() == (40,)
    conn.close()


def test_a_failing_load_leaves_the_indexes_as_they_were(store):
    db, folder = store
    before = indexes(folder / "t.db", "cadre")
    with pytest.raises(DataError) as err:
        load_files(db, "cadre", [cadres(folder / "c.csv", 40, bad_at=30)])
    assert [e.line for e in err.value.errors] == [32]
    assert indexes(folder / "t.db", "cadre") == before
    conn = sqlite3.connect(folder / "t.db")
    assert conn.execute("SELECT count(*) FROM cadre").fetchone() == (0,)
    conn.close()
    checked(folder / "t.db")


def test_cadres_matched_by_id_number_in_a_large_load(store):
    """Without 干部编号 each row's cadre is found by ID number, in the store and among the
    rows loaded before it: a number twice in the file is reported at its second row."""
    db, folder = store
    before = indexes(folder / "t.db", "cadre")
    path = cadres(folder / "c.csv", 30, ids=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[5]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_files(db, "cadre", [path])
    first = err.value.errors[0]
    assert (first.line, first.column) == (32, "身份证号")
    assert first.reason == f"身份证号与 {path}:6 相同：同一人出现了两次，请合并为一行"
    assert {e.line for e in err.value.errors} == {32}
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_files(db, "cadre", [path]).rows == 30
    assert indexes(folder / "t.db", "cadre") == before
    checked(folder / "t.db")


def test_a_dry_run_and_a_load_of_several_kinds(store):
    """A dry run writes nothing and keeps the indexes; kinds loaded together in one
    transaction (``load_sources``) each end with their indexes."""
    db, folder = store
    before = indexes(folder / "t.db", "cadre")
    res = load_files(db, "cadre", [cadres(folder / "c.csv", 40)], dry_run=True)
    assert not res.written and indexes(folder / "t.db", "cadre") == before
    load_sources(db, [("cadre", [cadres(folder / "c.csv", 40)])])
    assert indexes(folder / "t.db", "cadre") == before
    conn = sqlite3.connect(folder / "t.db")
    assert conn.execute("SELECT count(*) FROM cadre").fetchone() == (40,)
    conn.close()
    checked(folder / "t.db")
