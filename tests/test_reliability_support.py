"""What the reliability tests share: a small synthetic Qinghai store made by the demo's own
generator and load step, evaluated once at an earlier date (so "nothing written" and "all
written" look different), and helpers to fingerprint a database and run ``cadre`` in a fresh
process. The demo_store fixture is in conftest.py; test modules import the helpers."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


from cadre_sdk.demo.generate import generate
from cadre_sdk.demo.pipeline import load_all
from cadre_sdk.engines.evaluate import evaluate
from cadre_sdk.store.database import migrate, open_db
from cadre_sdk.testing import make_plugins

ROOT = Path(__file__).resolve().parent.parent
DEMO_CADRES = 100
EARLIER = "2024-06-30"   # the evaluation already in the store
AS_OF = "2025-03-31"     # the evaluation the tests interrupt, break or repeat


def _build_demo_store(folder: Path) -> Path:
    plugins = make_plugins()
    files = generate(folder / "files", cadres=DEMO_CADRES, seed=1, years=(2022, 2023, 2024),
                     plugins=plugins)
    path = folder / "store.db"
    load_all(path, files, plugins, echo=lambda line: None)
    db = open_db(path)
    migrate(db)
    evaluate(db, plugins, as_of=EARLIER)
    db.conn.close()
    return path


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(path: Path) -> dict[str, str]:
    """A digest of every table's rows in a canonical order (and of the schema), leaving out
    the provenance table's timestamps: equal fingerprints, equal contents."""
    conn = sqlite3.connect(path)
    try:
        out = {"sqlite_master": hashlib.sha256(repr(conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()).encode())
            .hexdigest()}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                    "ORDER BY name").fetchall():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")
                    if (name, r[1]) != ("provenance", "at")]
            order = ", ".join(str(i + 1) for i in range(len(cols)))
            digest = hashlib.sha256()
            for row in conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} "
                                    f"FROM [{name}] ORDER BY {order}"):
                digest.update(repr(row).encode())
            out[name] = digest.hexdigest()
        return out
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def environment(**extra: str) -> dict[str, str]:
    """The environment of a `cadre` process: this checkout first, no plugins folder."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, "CADRE_PLUGINS_DIR": "", **extra}


def cadre(*args: object, **env: str) -> subprocess.CompletedProcess:
    """Run the real `cadre` command line in a fresh process; its output as text."""
    return subprocess.run([sys.executable, "-m", "cadre_sdk", *map(str, args)],
                          env=environment(**env), capture_output=True, text=True, timeout=120)


def test_demo_store_holds_every_kind_of_result(demo_store: Path) -> None:
    """The shared store exercises every engine, in several jurisdictions."""
    conn = sqlite3.connect(demo_store)
    try:
        for table in ("assessment_result", "case_state", "case_decision", "subsidy_ledger",
                      "career_summary", "training_coverage", "explanation"):
            assert conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] > 0, table
        counties = conn.execute("SELECT count(DISTINCT county_code) FROM subsidy_ledger")
        assert counties.fetchone()[0] > 5
    finally:
        conn.close()
    assert integrity(demo_store) == "ok"
