"""`cadre evaluate` on a copy of a store, in parts: each engine's CPU (user and system), wall
time, CPU spent writing explanations and bytes read and written through system calls, then
the pruning of ``explanation_ref`` and the final compaction (``VACUUM``). One JSON line.

    PYTHONPATH=. .venv/bin/python benchmarks/evaluate_parts.py WORK/cadre.db /tmp/x/ev.db \
        --compact [--only subsidies,staffing] [--cache-kib 65536] [--profile subsidies out.prof]

Compare scales per cadre (10k, 100k) and code versions back to back on the same copy: on a
shared machine CPU is the figure to read, wall time is not. Bytes read and written by system
calls (``/proc/self/io``: ``rchar``, ``wchar``) show SQLite's page cache missing, whether the
pages come from the OS cache or the disk. ``--cache-kib`` sets the store connection's page
cache for the run (SQLite's default is 2,000 KiB). Linux only.
"""
from __future__ import annotations

import argparse
import cProfile
import inspect
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import AS_OF, _plugins, _settled_copy  # noqa: E402


def _io() -> dict[str, int]:
    with open("/proc/self/io") as f:
        return {k: int(v) for k, v in (line.split(":") for line in f)}


class _Meter:
    """CPU (user, system), wall time and system-call bytes between ``__enter__`` and exit."""

    def __enter__(self) -> _Meter:
        self.usage = resource.getrusage(resource.RUSAGE_SELF)
        self.io, self.wall = _io(), time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        usage, io = resource.getrusage(resource.RUSAGE_SELF), _io()
        user = usage.ru_utime - self.usage.ru_utime
        system = usage.ru_stime - self.usage.ru_stime
        self.figures = {"cpu": round(user + system, 2), "user": round(user, 2),
                        "sys": round(system, 2),
                        "wall": round(time.perf_counter() - self.wall, 2),
                        "rchar_mb": round((io["rchar"] - self.io["rchar"]) / 1e6, 1),
                        "wchar_mb": round((io["wchar"] - self.io["wchar"]) / 1e6, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="the store after load (not written)")
    ap.add_argument("work", type=Path, help="the copy evaluated (replaced)")
    ap.add_argument("--only", default="", help="engines, comma-separated (default: all)")
    ap.add_argument("--compact", action="store_true", help="VACUUM afterwards, measured")
    ap.add_argument("--cache-kib", type=int, default=0, help="page cache of the run, KiB")
    ap.add_argument("--profile", nargs=2, metavar=("ENGINE", "OUT"),
                    help="cProfile one engine into OUT")
    ap.add_argument("--as-of", default=AS_OF)
    a = ap.parse_args()
    from cadre_sdk.engines import batch_writer
    from cadre_sdk.engines.evaluate import compact_store, evaluate
    from cadre_sdk.engines.registry import ENGINES, engine_name
    from cadre_sdk.store import explanations
    from cadre_sdk.store.database import migrate, open_db

    plugins, _ = _plugins()
    a.work.unlink(missing_ok=True)
    _settled_copy(a.src, a.work)
    figures: dict[str, Any] = {}
    written = [0.0]
    original_write, original_prune = explanations.write, explanations.prune

    def write(db: Any, rows: Any) -> int:
        cpu = time.process_time()
        try:
            return original_write(db, rows)
        finally:
            written[0] += time.process_time() - cpu

    def prune(db: Any) -> int:
        with _Meter() as meter:
            removed = original_prune(db)
        figures["prune"] = meter.figures
        return removed
    for module in list(sys.modules.values()):
        if getattr(module, "write_explanations", None) is original_write:
            module.write_explanations = write
    batch_writer.write_explanations = write
    explanations.prune = prune

    def timed(func: Any, name: str) -> Any:
        def run(*args: Any, **kw: Any) -> Any:
            profile = cProfile.Profile() if a.profile and a.profile[0] == name else None
            before, meter = written[0], _Meter()
            try:
                with meter:
                    if profile:
                        profile.enable()
                    try:
                        return func(*args, **kw)
                    finally:
                        if profile:
                            profile.disable()
                            profile.dump_stats(a.profile[1])
            finally:
                figures[name] = {**meter.figures,
                                 "explain_write_cpu": round(written[0] - before, 2)}
        run.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
        return run
    for module in ENGINES:
        module.evaluate = timed(module.evaluate, engine_name(module))
    db = open_db(a.work)
    migrate(db)
    if a.cache_kib:
        db.conn.execute(f"PRAGMA cache_size = -{a.cache_kib}")
    with _Meter() as meter:
        evaluate(db, plugins, as_of=a.as_of, compact=False,
                 only=tuple(x for x in a.only.split(",") if x))
    figures["evaluate_total"] = meter.figures
    figures["before_compact"] = {"bytes": a.work.stat().st_size, "free_pages": db.conn.execute(
        "PRAGMA freelist_count").fetchone()[0]}
    if a.compact:
        with _Meter() as meter:
            compact_store(db)
        figures["compact"] = {**meter.figures, "bytes_after": a.work.stat().st_size}
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
