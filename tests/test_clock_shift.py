"""Nothing breaks on a date: the demo pipeline (generate, load, evaluate, publish) runs as a user
would run it with the machine's clock moved past the last year the calendar package knows.

The clock is moved with libfaketime (Debian package ``faketime``; ``.ci/run`` installs it and runs
this module explicitly), preloaded into ``cadre`` subprocesses, rather than with an in-process clock library:
it moves every clock the process reads (Python's, SQLite's ``date('now')``, any C library's), and
it runs the real console script exactly as a clerk would, with no patching of our own modules.
"""
from __future__ import annotations

import glob
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CADRE = Path(sys.executable).with_name("cadre")
FIXTURE_2027 = Path(__file__).parent / "fixtures" / "calendar" / "2027-test-fixture.yaml"


def libfaketime() -> str:
    """The libfaketime library (Debian package ``faketime``)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
                   + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is not installed: apt-get install faketime (CI installs it)")
    return found[0]


def at(clock: str, *args: object, cwd: Path) -> subprocess.CompletedProcess:
    """Run a command with the process clock at ``clock``. libfaketime is preloaded directly
    (not through the ``faketime`` wrapper, which refuses to nest): the suite itself may run
    under a moved clock (``faketime '2027-06-01 10:00:00' bash scripts/test.sh``), and the
    outer run's settings are dropped so that only this clock applies."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FAKETIME") and k != "LD_PRELOAD"}
    env.pop("CADRE_PLUGINS_DIR", None)
    env.update(LD_PRELOAD=libfaketime(), FAKETIME=f"@{clock} 10:00:00", FAKETIME_NO_CACHE="1")
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("clock, missing", [
    ("2027-06-01", "2027"),
    # Overdue days counted from the demo's 2025 deadlines up to 2031: five unknown years.
    ("2031-01-01", "2027、2028、2029、2030、2031"),
])
def test_the_demo_pipeline_runs_with_the_clock_years_ahead(clock, missing, tmp_path):
    # The clock really is moved for the subprocess (or this test would prove nothing).
    assert ok(at(clock, sys.executable, "-c", "import datetime; print(datetime.date.today())",
                 cwd=tmp_path)).strip() == clock
    out = tmp_path / "demo"
    ok(at(clock, CADRE, "demo", "--no-serve", "--cadres", "120", "--seed", "3", "--out", out,
          cwd=tmp_path))
    db = out / "cadre.db"
    shown = ok(at(clock, CADRE, "evaluate", db, cwd=tmp_path))
    assert f"测算基准日：{clock}（未指定 --as-of，取今天）" in shown
    warning = f"警告：{missing} 年节假日安排尚未录入"
    assert shown.count("警告：") == 1 and warning in shown
    with sqlite3.connect(db) as conn:
        as_of, = conn.execute("SELECT DISTINCT as_of FROM case_state").fetchone()
        provisional = conn.execute("SELECT count(*) FROM case_state WHERE overdue_days > 0 "
                                   "AND provisional LIKE '暂定：%暂按双休日计算'").fetchone()[0]
        overdue = conn.execute("SELECT count(*) FROM case_state WHERE overdue_days > 0"
                               ).fetchone()[0]
    assert as_of == clock
    # Every overdue count runs into the clock's year, which nobody has supplied.
    assert overdue > 0 and provisional == overdue
    published = tmp_path / "oversight.db"
    ok(at(clock, CADRE, "publish", db, published, "--level", "oversight", cwd=tmp_path))
    with sqlite3.connect(published) as conn:
        sql, = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'case_state'").fetchone()
    assert "provisional" in sql
    if clock.startswith("2027"):
        # Adding the year (a TEST FIXTURE, not official) makes the next evaluation final.
        ok(at(clock, CADRE, "calendar", "add", db, FIXTURE_2027, cwd=tmp_path))
        shown = ok(at(clock, CADRE, "evaluate", db, cwd=tmp_path))
        assert "警告：" not in shown
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM case_state WHERE provisional IS NOT NULL"
                                ).fetchone()[0] == 0
