"""Compact loaded tables (issue 19; migrations cadre_sdk/0009_compact_tables,
cadre_sdk.assessment/0002_unused_result_index, cadre_sdk.staffing/0002_compact_tables):
attendance, indicator_score and career_summary are WITHOUT ROWID tables, indexes nothing uses
are gone; a store from before upgrades to exactly the new schema with every row kept, and
loads, evaluations and publications work the same on it."""
from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cadre_sdk.demo.generate import KIND_ORDER, generate, situations_registered
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.engines.registry import AFTER_LOAD
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.core.errors import DataError
from cadre_sdk.publish.testing import PublicationClient
from cadre_sdk.store.database import UNUSED_INDEXES, migrate, open_db
from cadre_sdk.testing import make_db, make_plugins

AS_OF = datetime.date(2024, 12, 31)

#: The tables and indexes these migrations change, as main's migrations (0001-0008 and the
#: engines' 0001) left them.
MAIN_SCHEMA = [
    "DROP TABLE attendance",
    """CREATE TABLE [attendance] (
  [cadre_id] TEXT NOT NULL,
  [township_code] TEXT NOT NULL,
  [month] TEXT NOT NULL,
  [days] INTEGER NOT NULL,
  PRIMARY KEY ([cadre_id], [township_code], [month]),
  FOREIGN KEY([cadre_id]) REFERENCES [cadre]([id]),
  FOREIGN KEY([township_code]) REFERENCES [region]([code])
)""",
    'CREATE INDEX "idx_attendance_township_code" ON "attendance" ("township_code")',
    'CREATE INDEX "idx_attendance_month" ON "attendance" ("month")',
    "DROP TABLE indicator_score",
    """CREATE TABLE [indicator_score] (
  [assessment_id] TEXT NOT NULL,
  [indicator] TEXT NOT NULL,
  [score] REAL NOT NULL,
  PRIMARY KEY ([assessment_id], [indicator]),
  FOREIGN KEY([assessment_id]) REFERENCES [assessment]([id])
)""",
    'CREATE INDEX "idx_care_record_cadre_id" ON "care_record" ("cadre_id")',
    'CREATE INDEX "idx_training_cadre_id" ON "training" ("cadre_id")',
    'CREATE INDEX "idx_posting_unit_code" ON "posting" ("unit_code")',
    'CREATE INDEX "idx_posting_region_code" ON "posting" ("region_code")',
    'CREATE INDEX "idx_observation_date" ON "observation" ("date")',
    'CREATE INDEX "idx_assessment_result_explanation_id" ON "assessment_result" '
    '("explanation_id")',
    "DROP TABLE career_summary",
    """CREATE TABLE career_summary (cadre_id TEXT PRIMARY KEY, unit_code TEXT,
            township_work INTEGER NOT NULL, township_leadership INTEGER NOT NULL,
            township_postings INTEGER NOT NULL, secondments INTEGER NOT NULL,
            exchanges INTEGER NOT NULL, rotations INTEGER NOT NULL,
            explanation_id TEXT NOT NULL)""",
    'CREATE INDEX "idx_career_summary_unit_code" ON "career_summary" ("unit_code")',
    'CREATE INDEX "idx_candidate_pool_county_code" ON "candidate_pool" ("county_code")',
    "DELETE FROM _sqlite_migrations WHERE (migration_set, name) IN (VALUES "
    "('cadre_sdk', '0009_compact_tables'), ('cadre_sdk.assessment', '0002_unused_result_index'),"
    " ('cadre_sdk.staffing', '0002_compact_tables'))",
]

#: Tables whose rows hold the time they were written.
_TIMED = {"provenance", "_sqlite_migrations"}


def _main_store(path: Path) -> Any:
    """A store with main's schema (before these migrations)."""
    db = make_db(path)
    for sql in MAIN_SCHEMA:
        db.conn.execute(sql)
    db.conn.commit()
    return db


def _load_and_evaluate(db: Any, files: dict[str, list[Path]], plugins: Any) -> None:
    for kind in KIND_ORDER:
        if files.get(kind) and (kind != "adjustment" or situations_registered(plugins)):
            load_files(db, kind, files[kind], plugins=plugins, after_load=AFTER_LOAD)
    evaluate(db, plugins, as_of=AS_OF)


def shape(conn: Any) -> dict[str, Any]:
    """Every table's columns, key (in stored order), foreign keys, WITHOUT ROWID or not, and
    indexes (name, origin, columns): what a query plan and a publication see."""
    out = {}
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                  "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall():
        indexes = sorted(
            (ix[1] if ix[3] == "c" else ix[3], ix[2],
             tuple(c[2] for c in conn.execute(f"PRAGMA index_info([{ix[1]}])")))
            for ix in conn.execute(f"PRAGMA index_list([{name}])"))
        out[name] = {
            "columns": conn.execute(f"PRAGMA table_info([{name}])").fetchall(),
            "fks": sorted(conn.execute(f"PRAGMA foreign_key_list([{name}])").fetchall()),
            "without_rowid": " ".join(sql.split()).upper().endswith("WITHOUT ROWID"),
            "indexes": indexes,
        }
    return out


def rows(conn: Any) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (the timed tables left out)."""
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: sorted(conn.execute(f"SELECT * FROM [{n}]").fetchall(), key=repr)
            for n in names if n not in _TIMED}


@pytest.fixture(scope="module")
def plugins() -> Any:
    return make_plugins()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, plugins: Any) -> dict[str, list[Path]]:
    return generate(tmp_path_factory.mktemp("files"), cadres=60, seed=19,
                    years=(2023, 2024), plugins=plugins)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, files: dict, plugins: Any
           ) -> dict[str, Any]:
    """``old``: main's schema, loaded and evaluated; ``migrated``: a copy of it upgraded;
    ``new``: a new store loaded and evaluated with the same files."""
    folder = tmp_path_factory.mktemp("stores")
    old = _main_store(folder / "old.db")
    _load_and_evaluate(old, files, plugins)
    old.conn.close()
    (folder / "migrated.db").write_bytes((folder / "old.db").read_bytes())
    migrated = open_db(folder / "migrated.db")
    migrate(migrated)
    new = make_db(folder / "new.db")
    _load_and_evaluate(new, files, plugins)
    old = open_db(folder / "old.db", readonly=True)
    yield {"old": old, "migrated": migrated, "new": new}
    for db in (old, migrated, new):
        db.conn.close()


def test_main_schema_is_what_the_test_starts_from(stores: dict) -> None:
    conn = stores["old"].conn
    old = shape(conn)
    assert not old["attendance"]["without_rowid"] and not old["career_summary"]["without_rowid"]
    named = {ix[0] for table in old.values() for ix in table["indexes"]}
    assert set(UNUSED_INDEXES) <= named
    # the store holds rows of every table these migrations rebuild
    for table in ("attendance", "indicator_score", "career_summary"):
        assert conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] > 10


def test_the_new_store_has_compact_tables_and_no_unused_index(stores: dict) -> None:
    new = shape(stores["new"].conn)
    for table in ("attendance", "indicator_score", "career_summary"):
        assert new[table]["without_rowid"], table
    pk = sorted((c[5], c[1]) for c in new["attendance"]["columns"] if c[5])
    assert [name for _, name in pk] == ["month", "cadre_id", "township_code"]
    assert [ix[0] for ix in new["attendance"]["indexes"]] == ["pk"]   # its key, nothing else
    named = {ix[0] for table in new.values() for ix in table["indexes"]}
    dropped = {*UNUSED_INDEXES, "idx_assessment_result_explanation_id",
               "idx_career_summary_unit_code", "idx_candidate_pool_county_code"}
    assert not named & dropped
    # the indexes that are used are all still there
    assert {"idx_posting_cadre_id", "idx_posting_township", "idx_care_record_kind_date",
            "idx_training_year", "idx_observation_cadre_id",
            "idx_assessment_result_cadre_id_year"} <= named


def test_a_migrated_store_has_the_new_stores_schema(stores: dict) -> None:
    assert shape(stores["migrated"].conn) == shape(stores["new"].conn)


def test_the_migration_keeps_every_row(stores: dict) -> None:
    before, after = rows(stores["old"].conn), rows(stores["migrated"].conn)
    assert after == before
    assert len(after["attendance"]) > 100


def test_loads_and_evaluations_give_the_same_rows_on_compact_tables(stores: dict) -> None:
    """The new store was loaded and evaluated on compact tables; main's store on rowid
    tables: every table holds the same rows."""
    assert rows(stores["new"].conn) == rows(stores["migrated"].conn)


def test_the_subsidy_engine_reads_attendance_in_key_order(stores: dict) -> None:
    plan = stores["new"].conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM attendance ORDER BY month, cadre_id, township_code"
    ).fetchall()
    assert not any("TEMP B-TREE" in row[3] for row in plan)


def test_a_migrated_store_loads_again_and_finds_duplicates(stores: dict, plugins: Any,
                                                           tmp_path: Path) -> None:
    db = stores["migrated"]
    cadre_id, township, month, days = db.conn.execute(
        "SELECT cadre_id, township_code, month, days FROM attendance LIMIT 1").fetchone()
    count = db["attendance"].count
    changed = tmp_path / "att.csv"
    changed.write_text("干部编号,乡镇代码,月份,在岗天数\n"
                       f"{cadre_id},{township},{month},{(days + 1) % 31}\n", "utf-8")
    load_files(db, "attendance", [changed], plugins=plugins)
    assert db.conn.execute("SELECT days, (SELECT count(*) FROM attendance) FROM attendance "
                           "WHERE month = ? AND cadre_id = ? AND township_code = ?",
                           [month, cadre_id, township]).fetchone() == ((days + 1) % 31, count)
    twice = tmp_path / "twice.csv"
    twice.write_text("干部编号,乡镇代码,月份,在岗天数\n"
                     f"{cadre_id},{township},{month},3\n{cadre_id},{township},{month},4\n",
                     "utf-8")
    with pytest.raises(DataError) as err:
        load_files(db, "attendance", [twice], plugins=plugins)
    (bad,) = err.value.errors   # the second row, naming the first
    assert bad.line == 3 and "twice.csv:2 重复" in bad.reason
    assert db.conn.execute("SELECT days FROM attendance WHERE month = ? AND cadre_id = ? AND "
                           "township_code = ?", [month, cadre_id, township]).fetchone() == \
        ((days + 1) % 31,)   # nothing changed


def test_oversight_addresses_attendance_rows_by_their_key(oversight_db: Path,
                                                         password_hash: str) -> None:
    with PublicationClient(oversight_db) as client:
        cookies = {"ds_actor": client.datasette.sign({"a": {"id": "oversight"}}, "actor")}
        rows = client.json("/oversight/attendance.json?_shape=objects", cookies=cookies)
        assert rows["primary_keys"] == ["month", "cadre_id", "township_code"]
        first = rows["rows"][0]
        address = f"{first['month']},{first['cadre_id']},{first['township_code']}"
        row = client.json(f"/oversight/attendance/{address}.json?_shape=objects",
                          cookies=cookies)
        assert row["rows"] == [first]


def test_a_store_with_the_calendar_migration_opens_in_a_fresh_process(tmp_path: Path) -> None:
    """open_db knows the calendar's migration set without cadre_sdk.store.calendar having been
    imported (a fresh process that imports only the store)."""
    path = tmp_path / "cal.db"
    db = make_db(path)
    assert db.conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = "
                           "'cadre_sdk.calendar'").fetchone() == (1,)
    db.conn.close()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from cadre_sdk.store.database import open_db; "
         "open_db(sys.argv[1]); print('opened')", str(path)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "opened"


# -- a load into an empty WITHOUT ROWID table (FreshLedger, redone the ordinary way) ---------

_HEADER = "干部编号,乡镇代码,月份,在岗天数\n"


@pytest.fixture
def empty_attendance(tmp_path: Path, stores: dict) -> Any:
    """A copy of the new store with no attendance row (its references are all there)."""
    path = tmp_path / "empty.db"
    stores["new"].conn.commit()
    path.write_bytes(Path(stores["new"].conn.execute("PRAGMA database_list").fetchone()[2])
                     .read_bytes())
    db = open_db(path)
    db.conn.execute("DELETE FROM attendance")
    db.conn.commit()
    yield db
    db.conn.close()


def _some_attendance(stores: dict, n: int) -> list[tuple]:
    return stores["new"].conn.execute(
        "SELECT cadre_id, township_code, month, days FROM attendance ORDER BY cadre_id, month "
        f"LIMIT {n}").fetchall()


def test_a_fresh_load_writes_every_row(empty_attendance: Any, stores: dict, plugins: Any,
                                       tmp_path: Path) -> None:
    rows = _some_attendance(stores, 50)
    path = tmp_path / "att.csv"
    path.write_text(_HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows), "utf-8")
    shown: list[int] = []
    result = load_files(empty_attendance, "attendance", [path], plugins=plugins,
                        progress=shown.append)
    assert (result.rows, result.new, sum(shown)) == (50, 50, 50)
    assert sorted(empty_attendance.conn.execute(
        "SELECT cadre_id, township_code, month, days FROM attendance")) == sorted(rows)


def test_a_key_twice_in_a_fresh_load_names_the_first_row(empty_attendance: Any, stores: dict,
                                                         plugins: Any, tmp_path: Path) -> None:
    rows = _some_attendance(stores, 30)
    again = rows[4]
    path = tmp_path / "att.csv"
    lines = [",".join(map(str, r)) for r in rows]
    lines.insert(20, ",".join(map(str, again[:3])) + ",7")   # line 22 repeats line 6
    path.write_text(_HEADER + "\n".join(lines) + "\n", "utf-8")
    shown: list[int] = []
    with pytest.raises(DataError) as err:
        load_files(empty_attendance, "attendance", [path], plugins=plugins,
                   progress=shown.append)
    (bad,) = err.value.errors
    assert bad.line == 22 and "att.csv:6 重复" in bad.reason
    assert sum(shown) == 31   # every row counted once, though the pass was done again
    assert empty_attendance["attendance"].count == 0


def test_a_missing_reference_in_a_fresh_load_names_its_row(empty_attendance: Any, stores: dict,
                                                           plugins: Any, tmp_path: Path) -> None:
    rows = _some_attendance(stores, 10)
    path = tmp_path / "att.csv"
    lines = [",".join(map(str, r)) for r in rows]
    lines[7] = ",".join(["X99999", *map(str, rows[7][1:])])
    path.write_text(_HEADER + "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(DataError) as err:
        load_files(empty_attendance, "attendance", [path], plugins=plugins)
    (bad,) = err.value.errors
    assert bad.line == 9 and "X99999" in bad.reason
    assert empty_attendance["attendance"].count == 0


# -- the store compacted after an evaluation (engines.evaluate.compact_store) ---------------

def _pages(db: Any) -> tuple[int, int]:
    return (db.conn.execute("PRAGMA page_count").fetchone()[0],
            db.conn.execute("PRAGMA freelist_count").fetchone()[0])


def test_an_evaluation_compacts_the_store_keeping_every_row(tmp_path: Path, files: dict,
                                                            plugins: Any) -> None:
    from cadre_sdk.engines.evaluate import compact_store
    db = make_db(tmp_path / "store.db")
    for kind in KIND_ORDER:
        if files.get(kind) and (kind != "adjustment" or situations_registered(plugins)):
            load_files(db, kind, files[kind], plugins=plugins, after_load=AFTER_LOAD)
    evaluate(db, plugins, as_of=AS_OF, compact=False)
    evaluate(db, plugins, as_of=AS_OF, compact=False)     # results replaced: pages freed
    before, (pages, _) = rows(db.conn), _pages(db)
    # another connection reading: the store cannot be compacted, and stays as it is
    reader = open_db(tmp_path / "store.db", readonly=True)
    reader.conn.execute("BEGIN")
    reader.conn.execute("SELECT count(*) FROM explanation").fetchone()
    assert compact_store(db) is False
    assert _pages(db)[0] == pages and rows(db.conn) == before
    reader.conn.rollback()
    reader.conn.close()
    assert compact_store(db) is True
    compacted, free = _pages(db)
    assert compacted < pages and free == 0
    assert rows(db.conn) == before
    # cadre evaluate compacts (the default): the same results, no free page
    evaluate(db, plugins, as_of=AS_OF)
    assert _pages(db)[1] == 0 and rows(db.conn) == before
