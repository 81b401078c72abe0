"""Crash safety: `cadre load` killed with SIGKILL at many points leaves a sound database holding
all or none of the interrupted load, and a rerun ends exactly as an uninterrupted run.

Every load is a real process running the `cadre` command line (``cadre_sdk.cli.app.main``), forked
from one helper process that imported the SDK once (``forked``): the kills are spread over the
load itself rather than over Python's start-up, and no process pays for the imports again."""
from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadre_sdk.testing import make_db
from forked import Forked

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
N = 12_000
KILLS = 20

# Each load runs the `cadre` command line (what `python -m cadre_sdk` runs) in a forked child.
CADRE = """
from cadre_sdk.cli.app import main
def run(args, ready):
    ready()
    main(args)
"""


def snapshot(db: Path) -> tuple[str, int, list]:
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM cadre").fetchone()[0]
        rows = conn.execute("SELECT * FROM cadre ORDER BY id").fetchall()
        return check, count, rows
    finally:
        conn.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("crash")
    cadre = Forked(CADRE, {**os.environ, "PYTHONPATH": str(ROOT)}, tmp / "stderr.txt")
    base = tmp / "base.db"
    make_db(base).conn.close()
    units = tmp / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,某局,部门,县,632801\n",
                     encoding="utf-8")
    assert cadre.run("load", base, "unit", units) == 0, cadre.errors()
    rows = ["干部编号,姓名,性别,出生年月,民族,工作单位,职务"]
    rows += [f"C{i:06d},某{i},{'男' if i % 2 else '女'},19{60 + i % 30}.0{1 + i % 9},汉族,U1,科员"
             for i in range(N)]
    data = tmp / "cadres.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    yield {"base": base, "data": data, "tmp": tmp, "cadre": cadre}
    cadre.close()


def test_sigkill_during_load(files):
    tmp, base, data, cadre = files["tmp"], files["base"], files["data"], files["cadre"]
    reference = tmp / "reference.db"
    reference.write_bytes(base.read_bytes())
    started = time.monotonic()
    assert cadre.run("load", reference, "cadre", data) == 0, cadre.errors()
    duration = time.monotonic() - started
    expected = snapshot(reference)
    assert expected[:2] == ("ok", N)

    outcomes = set()
    for k in range(KILLS):
        db = tmp / f"kill{k}.db"
        db.write_bytes(base.read_bytes())
        pid = cadre.start("load", db, "cadre", data)
        time.sleep(duration * (k + 0.5) / KILLS)
        os.kill(pid, signal.SIGKILL)   # the child is not reaped before wait(): pid still its own
        cadre.wait()
        check, count, _ = snapshot(db)
        assert check == "ok", f"kill {k}: {check}"
        assert count in (0, N), f"kill {k}: half-loaded ({count} rows)"
        outcomes.add(count)
        assert cadre.run("load", db, "cadre", data) == 0, cadre.errors()
        assert snapshot(db) == expected, f"kill {k}: rerun differs from an uninterrupted run"
    assert 0 in outcomes, "no kill landed before the commit: the test did not test anything"
