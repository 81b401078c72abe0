"""Crash safety: `cadre load` killed with SIGKILL at many points leaves a sound database holding
all or none of the interrupted load, and a rerun ends exactly as an uninterrupted run."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cadre_sdk.testing import make_db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
N = 12_000
KILLS = 20


def cadre(*args: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cadre_sdk", *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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
def files(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("crash")
    base = tmp / "base.db"
    make_db(base).conn.close()
    units = tmp / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\nU1,某局,部门,县,632801\n",
                     encoding="utf-8")
    assert cadre("load", base, "unit", units).wait() == 0
    rows = ["干部编号,姓名,性别,出生年月,民族,工作单位,职务"]
    rows += [f"C{i:06d},某{i},{'男' if i % 2 else '女'},19{60 + i % 30}.0{1 + i % 9},汉族,U1,科员"
             for i in range(N)]
    data = tmp / "cadres.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"base": base, "data": data, "tmp": tmp}


def test_sigkill_during_load(files):
    tmp, base, data = files["tmp"], files["base"], files["data"]
    reference = tmp / "reference.db"
    reference.write_bytes(base.read_bytes())
    started = time.monotonic()
    assert cadre("load", reference, "cadre", data).wait() == 0
    duration = time.monotonic() - started
    expected = snapshot(reference)
    assert expected[:2] == ("ok", N)

    outcomes = set()
    for k in range(KILLS):
        db = tmp / f"kill{k}.db"
        db.write_bytes(base.read_bytes())
        proc = cadre("load", db, "cadre", data)
        time.sleep(duration * (k + 0.5) / KILLS)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check, count, _ = snapshot(db)
        assert check == "ok", f"kill {k}: {check}"
        assert count in (0, N), f"kill {k}: half-loaded ({count} rows)"
        outcomes.add(count)
        assert cadre("load", db, "cadre", data).wait() == 0
        assert snapshot(db) == expected, f"kill {k}: rerun differs from an uninterrupted run"
    assert 0 in outcomes, "no kill landed before the commit: the test did not test anything"
