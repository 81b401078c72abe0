"""Crash safety of evaluation: `cadre evaluate` killed with SIGKILL at 20 points spread over
its run leaves a sound database holding all or none of the interrupted evaluation (the
previous results intact, or the new ones complete), and a rerun ends exactly as an
uninterrupted run.

The process runs what `cadre evaluate` runs (``open_db``, ``migrate``, ``evaluate``) with a
fixed ``as_of`` (the command has no --as-of option), and says "ready" once the store is open,
so the kills are spread over the evaluation itself rather than over Python's start-up.
"""
from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.plugin_host.discovery import CadrePlugins, get_plugin_manager
from cadre_sdk.store.database import migrate, open_db
from test_reliability_support import AS_OF, environment, file_sha, fingerprint, integrity

pytestmark = pytest.mark.slow
KILLS = 20

SCRIPT = """
import sys
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.store.database import migrate, open_db
plugins = get_plugin_manager()
db = open_db(sys.argv[1])
migrate(db)
print("ready", flush=True)
evaluate(db, plugins, as_of=sys.argv[2])
"""


def start(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(db), AS_OF], env=environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.stderr.read()
    return proc


def run(db: Path) -> float:
    """Evaluate ``db`` to the end; the seconds the evaluation took after "ready"."""
    proc = start(db)
    began = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return time.monotonic() - began


def rerun_in_process(db: Path, plugins: CadrePlugins) -> None:
    """The rerun: the same steps, here (a fresh process would only add start-up time)."""
    database = open_db(db)
    migrate(database)
    evaluate(database, plugins, as_of=AS_OF)
    database.conn.close()


@pytest.fixture
def store(demo_store: Path, tmp_path: Path) -> Path:
    """The demo store with inputs changed since its last evaluation (as if clerks had loaded
    corrections), so that every engine's results change when it is evaluated again."""
    path = tmp_path / "store.db"
    shutil.copy(demo_store, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE indicator_score SET score = round(score * 0.9, 1)")
        conn.execute("UPDATE attendance SET days = days - 5 WHERE days > 10")
    conn.close()
    return path


def test_sigkill_during_evaluate(store: Path, tmp_path: Path) -> None:
    demo_store = store
    before = fingerprint(demo_store)
    base_sha = file_sha(demo_store)
    reference = tmp_path / "reference.db"
    shutil.copy(demo_store, reference)
    duration = run(reference)
    after = fingerprint(reference)
    changed = sorted(t for t in after if after[t] != before.get(t))
    assert {"assessment_result", "scorecard", "case_state", "subsidy_line", "subsidy_totals",
            "explanation", "provenance"} <= set(changed), changed

    plugins = get_plugin_manager(plugins_dir="")   # what the killed process loads
    outcomes, journals = [], 0
    for k in range(KILLS):
        db = tmp_path / f"kill{k}.db"
        shutil.copy(demo_store, db)
        proc = start(db)
        # Spread over the evaluation, the last few just past its measured end (the commit).
        time.sleep(duration * 1.1 * (k + 0.5) / KILLS)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        journals += db.with_name(db.name + "-journal").exists()
        assert integrity(db) == "ok", f"kill {k}"   # opening rolls back a hot journal
        got = fingerprint(db)
        if got == before:
            outcomes.append("none")
            # Rolled back to the very bytes it had: nothing half-written survives.
            assert file_sha(db) == base_sha, f"kill {k}"
        else:
            assert got == after, (f"kill {k}: half-written; tables differing from the "
                                  f"complete run: {sorted(t for t in got if got[t] != after[t])}")
            outcomes.append("all")
        rerun_in_process(db, plugins)
        rerun = fingerprint(db)
        differing = sorted(t for t in rerun if rerun[t] != after[t])
        # The provenance log gains a second entry for an evaluation that had already committed.
        assert differing == ([] if outcomes[-1] == "none" else ["provenance"]), f"kill {k}"
        db.unlink()
    assert outcomes.count("none") >= KILLS // 2, outcomes
    assert journals >= KILLS // 4, f"only {journals} kills landed while the evaluation wrote"
