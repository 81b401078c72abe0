"""How far the assessment engine is from its plain loop without its own explanations: the
engine as it is, the engine with the ``assessment`` explanations neither encoded nor stored
(its traces still built; results, scorecards and the other kinds' explanations written), and
the plain loop (``baselines.assessment_loop``), alternating in one process on one store copy,
each run in a transaction rolled back. Prints the CPU seconds (``time.process_time``) of each
run and the plain loop's ratio to each engine variant (medians), as one JSON line.

    PYTHONPATH=. .venv/bin/python benchmarks/assessment_floor.py WORK/cadre.db /tmp/x/floor.db 3

Issue 19: what the ratio could reach if explanations cost nothing to store (the target is
0.25); the rest is reading the inputs, scoring, building the traces, quotas and scorecards.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baselines import assessment_loop  # noqa: E402
from common import AS_OF, _plugins, _settled_copy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="the store after load (not written)")
    ap.add_argument("work", type=Path, help="the copy the runs use (replaced)")
    ap.add_argument("rounds", type=int, nargs="?", default=3)
    a = ap.parse_args()
    from cadre_sdk.engines.assessment import engine
    from cadre_sdk.engines.evaluate import _fewer_collections
    from cadre_sdk.plugin_host.watchdog import plugin_time_limit
    from cadre_sdk.store.database import migrate, open_db

    plugins, _ = _plugins()
    a.work.unlink(missing_ok=True)
    _settled_copy(a.src, a.work)
    db = open_db(a.work)
    migrate(db)
    conn = db.conn
    plain, as_of = assessment_loop(), datetime.date.fromisoformat(AS_OF)
    write = engine.write_explanations

    def without_assessments(db: Any, rows: Any) -> int:
        return write(db, [row for row in rows if row[1] != engine.KIND])

    cpu: dict[str, list[float]] = {"engine": [], "without_assessment_explanations": [],
                                   "plain": []}
    try:
        for _ in range(a.rounds):
            for variant in cpu:
                conn.execute("BEGIN")
                start = time.process_time()
                if variant == "plain":
                    plain(conn)
                else:
                    engine.write_explanations = write if variant == "engine" \
                        else without_assessments
                    with plugin_time_limit(), _fewer_collections():
                        engine.evaluate(db, plugins, as_of=as_of)
                cpu[variant].append(round(time.process_time() - start, 3))
                conn.execute("ROLLBACK")
    finally:
        engine.write_explanations = write
        conn.close()
        a.work.unlink(missing_ok=True)
    plain_cpu = median(cpu["plain"])
    print(json.dumps({"cpu_seconds": cpu, "ratio": {
        variant: round(plain_cpu / median(runs), 3) for variant, runs in cpu.items()
        if variant != "plain"}}))


if __name__ == "__main__":
    main()
