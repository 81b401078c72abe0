"""Crash safety of evaluation: `cadre evaluate` killed with SIGKILL at 20 points spread over
its run leaves a sound database holding all or none of the interrupted evaluation (the
previous results intact, or the new ones complete), and a rerun ends exactly as an
uninterrupted run.

The process runs what `cadre evaluate` runs (``open_db``, ``migrate``, ``evaluate``) with a
fixed ``as_of``, and says it is ready once the store is open, so the kills are spread over the
evaluation itself rather than over Python's start-up. Each is forked from one helper process
that imported the SDK once (``forked``), so no process pays for the imports again.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.plugin_host.discovery import CadrePlugins, get_plugin_manager
from cadre_sdk.store.database import migrate, open_db
from forked import Forked, cpu_seconds, wait_for_cpu
from test_reliability_support import AS_OF, environment, file_sha, fingerprint, integrity

pytestmark = pytest.mark.slow
KILLS = 20

# The evaluation runs in a child forked from a helper process that imported the SDK once
# (``forked``); it says it is ready once the store is open.
SCRIPT = """
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.plugin_host.discovery import get_plugin_manager
from cadre_sdk.store.database import migrate, open_db
def run(args, ready):
    plugins = get_plugin_manager()
    db = open_db(args[0])
    migrate(db)
    ready()
    evaluate(db, plugins, as_of=args[1])
"""


@pytest.fixture(scope="module")
def forked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forked]:
    helper = Forked(SCRIPT, environment(), tmp_path_factory.mktemp("forked") / "stderr.txt")
    yield helper
    helper.close()


def run(forked: Forked, db: Path) -> float:
    """Evaluate ``db`` to the end; the CPU seconds the evaluation took after "ready" (CPU
    time, not the clock: the kills below land at the same point of the work whatever else
    runs beside the test, e.g. other pytest-xdist workers)."""
    pid = forked.start(db, AS_OF)
    began = cpu_seconds(pid)[0]
    wait_for_cpu(pid, float("inf"))                # until it has ended (not yet reaped)
    took = cpu_seconds(pid)[0] - began
    assert forked.wait() == 0, forked.errors()
    return took


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


def test_sigkill_during_evaluate(store: Path, tmp_path: Path, forked: Forked) -> None:
    demo_store = store
    before = fingerprint(demo_store)
    base_sha = file_sha(demo_store)
    reference = tmp_path / "reference.db"
    shutil.copy(demo_store, reference)
    duration = run(forked, reference)
    after = fingerprint(reference)
    changed = sorted(t for t in after if after[t] != before.get(t))
    assert {"assessment_result", "scorecard", "case_state", "subsidy_line", "subsidy_totals",
            "explanation", "provenance"} <= set(changed), changed

    plugins = get_plugin_manager(plugins_dir="")   # what the killed process loads
    outcomes, journals = [], 0
    for k in range(KILLS):
        db = tmp_path / f"kill{k}.db"
        shutil.copy(demo_store, db)
        pid = forked.start(db, AS_OF)
        # Spread over the evaluation, the last few just past its measured end (the commit).
        wait_for_cpu(pid, cpu_seconds(pid)[0] + duration * 1.1 * (k + 0.5) / KILLS)
        os.kill(pid, signal.SIGKILL)   # not reaped before wait(): the pid is still the child's
        forked.wait()
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
