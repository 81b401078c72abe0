"""Every input format clerks use loads through the same pipeline."""
import json
import sqlite3

import openpyxl
import pytest

from cadre_sdk.core.errors import StoreError
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.store.database import open_db
from cadre_sdk.testing import make_db, make_plugins

UNIT = {"单位代码": "U1", "单位名称": "玛沁县民政局", "单位类别": "部门", "单位层级": "县",
        "所在地区代码": "632621"}


@pytest.fixture
def db(tmp_path):
    database = make_db(tmp_path / "c.db")
    (tmp_path / "u.csv").write_text(",".join(UNIT) + "\n" + ",".join(UNIT.values()) + "\n",
                                    encoding="utf-8")
    load_files(database, "unit", [tmp_path / "u.csv"], plugins=make_plugins())
    return database


def cadres(db):
    return db.execute("SELECT id, name, birth, appointed FROM cadre ORDER BY id").fetchall()


def test_xlsx_with_dates_and_numeric_codes(db, tmp_path):
    import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["干部编号", "姓名", "性别", "出生年月", "工作单位", "职务", "任现职时间"])
    ws.append([1001, "才让", "男", "1975.06", "U1", "局长", datetime.datetime(2021, 3, 15)])
    wb.save(tmp_path / "c.xlsx")
    load_files(db, "cadre", [tmp_path / "c.xlsx"], plugins=make_plugins())
    assert cadres(db) == [("1001", "才让", "1975-06", "2021-03-15")]


def test_json_and_ndjson(db, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([
        {"id": "C1", "name": "卓玛", "gender": "female", "birth": "1985年3月",
         "unit_code": "U1", "post": "副局长"}], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.ndjson").write_text(json.dumps(
        {"干部编号": "C2", "姓名": "马明", "性别": "男", "出生年月": "1979.11",
         "工作单位": "U1", "职务": "科长"}, ensure_ascii=False) + "\n", encoding="utf-8")
    load_files(db, "cadre", [tmp_path / "a.json", tmp_path / "b.ndjson"], plugins=make_plugins())
    assert [r[:3] for r in cadres(db)] == [("C1", "卓玛", "1985-03"), ("C2", "马明", "1979-11")]


def test_traditional_and_fullwidth_input(db, tmp_path):
    (tmp_path / "c.tsv").write_text("幹部編號\t姓名\t性別\t出生年月\t工作單位\t職務\n"
                                    "Ｃ９\t張德華\t男\t１９７５．０６\tU1\t局長\n", encoding="utf-8")
    load_files(db, "cadre", [tmp_path / "c.tsv"], plugins=make_plugins())
    # headers and codes are folded; the name is stored as written (issue 16: legal names
    # keep their Traditional characters; matching and search use the Simplified form)
    assert cadres(db) == [("C9", "張德華", "1975-06", None)]


def test_progress_is_reported(db, tmp_path):
    lines = ["干部编号,姓名,性别,出生年月,工作单位,职务"]
    lines += [f"C{i},某{i},男,1975.06,U1,科员" for i in range(2500)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = []
    load_files(db, "cadre", [tmp_path / "c.csv"], plugins=make_plugins(), progress=seen.append)
    assert sum(seen) == 2500


def test_locked_database_is_a_clear_error(db, tmp_path):
    other = sqlite3.connect(tmp_path / "c.db")
    other.execute("BEGIN IMMEDIATE")
    try:
        (tmp_path / "c.csv").write_text("干部编号,姓名,性别,出生年月,工作单位,职务\n"
                                        "C1,某,男,1975.06,U1,科员\n", encoding="utf-8")
        with pytest.raises(StoreError, match="占用"):
            load_files(db, "cadre", [tmp_path / "c.csv"], plugins=make_plugins())
    finally:
        other.rollback()


def test_database_from_a_newer_schema_is_refused(tmp_path):
    db = make_db(tmp_path / "c.db")
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
               "VALUES ('cadre_sdk', '9999_future', '2030-01-01')")
    db.conn.commit()
    before = (tmp_path / "c.db").read_bytes()
    with pytest.raises(StoreError, match="更新版本"):
        open_db(tmp_path / "c.db")
    assert (tmp_path / "c.db").read_bytes() == before


def test_not_a_database(tmp_path):
    (tmp_path / "x.db").write_text("hello, not sqlite" * 100)
    with pytest.raises(StoreError, match="不是 SQLite"):
        open_db(tmp_path / "x.db")


def test_provenance_records_each_file_with_its_hash_and_rows(db, tmp_path):
    import hashlib

    header = "干部编号,姓名,性别,出生年月,工作单位,职务\n"
    (tmp_path / "a.csv").write_text(header + "C1,某,男,1975.06,U1,科员\nC2,某,女,1976.06,U1,科员\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text(header + "C3,某,男,1977.06,U1,科员\n", encoding="utf-8")
    load_files(db, "cadre", [tmp_path / "a.csv", tmp_path / "b.csv"], plugins=make_plugins())
    got = db.execute("SELECT detail, sha256, rows FROM provenance WHERE kind = 'cadre' "
                     "ORDER BY id").fetchall()
    assert got == [(str(tmp_path / name), hashlib.sha256((tmp_path / name).read_bytes())
                    .hexdigest(), rows) for name, rows in (("a.csv", 2), ("b.csv", 1))]
