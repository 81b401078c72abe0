"""A load's memory does not grow with its rows (issue 19: a 1M-cadre load peaked at 373 MB,
the ID numbers it met held in a dict). What the load's state (``updates.LoadState``) holds
at its end is counted, object by object, for a load of a few rows and for one of several
batches more: the count must not grow with the rows. And the ID numbers the load met (found
through the store and the ledger now, ``identity.MetNumbers``) still name the first row of a
duplicate batches later, a row the load did not write among them."""
from __future__ import annotations

import datetime as dt

import pytest

from cadre_sdk.core.errors import DataError
from cadre_sdk.core.normalize import make_id_number
from cadre_sdk.ingest import loader
from cadre_sdk.ingest.batches import BATCH
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.ingest.identity import CadreIdentity
from cadre_sdk.ingest.updates import BirthYears, LoadState
from cadre_sdk.testing import make_db, write_csv
from held import held_entries


def cadre_rows(n: int, *, with_id: bool = True) -> list[dict[str, str]]:
    """``n`` cadres of one unit, each with its own valid ID number."""
    rows = []
    for i in range(n):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i // 400)
        row = {"姓名": f"干部{i}", "性别": "男", "出生年月": f"{birth:%Y.%m}", "工作单位": "U1",
               "职务": "科员", "身份证号": make_id_number("632801", birth, i % 400, male=True)}
        rows.append({"干部编号": f"C{i:06d}", **row} if with_id else row)
    return rows


@pytest.fixture
def store(tmp_path):
    db = make_db(tmp_path / "cadre.db")
    load_files(db, "unit", [write_csv(tmp_path / "units.csv", [
        {"单位代码": "U1", "单位名称": "格尔木市农牧局", "单位类别": "部门", "单位层级": "县",
         "所在地区": "632801"}])])
    yield db
    db.conn.close()


@pytest.fixture
def held_at_end(monkeypatch):
    """Records, at the end of each load, the entries its state holds (its bounded caches
    made small, so that a cache is told from a structure that grows with the rows)."""
    states: list[LoadState] = []
    monkeypatch.setattr(CadreIdentity, "LIMIT", 50)
    monkeypatch.setattr(BirthYears, "LIMIT", 50)

    class Spied(LoadState):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            states.append(self)

    monkeypatch.setattr(loader, "LoadState", Spied)
    return lambda: [held_entries(state) for state in states]


@pytest.mark.parametrize("with_id", [True, False], ids=["with-id-column", "by-id-number"])
def test_state_held_does_not_grow_with_rows(store, tmp_path, held_at_end, with_id):
    small, large = 10, 4 * BATCH
    load_files(store, "cadre", [write_csv(tmp_path / "a.csv", cadre_rows(small, with_id=with_id))])
    # the same cadres and more, onto the stored ones (updates), and a fresh load of them all
    load_files(store, "cadre", [write_csv(tmp_path / "b.csv", cadre_rows(large, with_id=with_id))])
    store.conn.execute("DELETE FROM cadre")
    store.conn.commit()
    load_files(store, "cadre", [write_csv(tmp_path / "c.csv", cadre_rows(large, with_id=with_id))])
    assert store.conn.execute("SELECT count(*) FROM cadre").fetchone()[0] == large
    held = held_at_end()
    first, update, fresh = held
    # (4,000 rows more: a structure keeping anything per row would hold thousands of entries)
    assert update - first < 200, held
    assert fresh - first < 200, held


@pytest.mark.parametrize("with_id", [True, False], ids=["with-id-column", "by-id-number"])
def test_duplicate_id_number_batches_apart_names_the_first_row(store, tmp_path, with_id):
    rows = cadre_rows(2 * BATCH, with_id=with_id)
    twin = dict(rows[-1], 身份证号=rows[3]["身份证号"])  # line 5's number again, two batches on
    path = write_csv(tmp_path / "c.csv", [*rows[:-1], twin])
    with pytest.raises(DataError) as caught:
        load_files(store, "cadre", [path])
    error = caught.value.errors[0]  # (without an id column its id is reported empty too)
    assert {e.line for e in caught.value.errors} == {2 * BATCH + 1}
    assert error.column == "身份证号"
    assert error.reason.startswith(f"身份证号与 {path}:5")
    assert ("（干部编号 C000003）相同" in error.reason) == with_id
    assert store.conn.execute("SELECT count(*) FROM cadre").fetchone()[0] == 0


def test_id_number_of_a_row_not_written_is_still_met(store, tmp_path):
    # line 5 has a bad birth month (not written); its ID number comes again two batches on
    rows = cadre_rows(2 * BATCH)
    rows[3] = dict(rows[3], 出生年月="1970.13")
    twin = dict(rows[-1], 身份证号=rows[3]["身份证号"])
    path = write_csv(tmp_path / "c.csv", [*rows[:-1], twin])
    with pytest.raises(DataError) as caught:
        load_files(store, "cadre", [path])
    lines = [(e.line, e.column) for e in caught.value.errors]
    assert lines == [(5, "出生年月"), (2 * BATCH + 1, "身份证号")], caught.value.errors
    assert caught.value.errors[1].reason.startswith(f"身份证号与 {path}:5（干部编号 C000003）相同")
