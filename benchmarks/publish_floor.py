"""What SQLite itself costs to copy a store, next to ``cadre publish`` in parts: the floor
under "publish ≤ 4× ``VACUUM INTO``" (issue 19). One JSON line per round, then the medians.

    PYTHONPATH=. .venv/bin/python benchmarks/publish_floor.py EVALUATED.db WORKDIR \
        [--rounds 3] [--levels oversight,public]

Each round, in this process and alternately (these machines are noisy: read the ratios):

- ``vacuum``: ``VACUUM INTO`` of the store (the baseline of ``benchmarks/run.py``);
- ``raw``: the store's tables and indexes created in a new file, then each table copied with
  ``INSERT INTO t SELECT * FROM src.t``, which SQLite performs as a raw copy of records and
  index entries (its transfer optimization: the shapes are the same, the table empty);
- ``reencode``: the same, with ``WHERE 1`` added, which turns the transfer optimization off:
  SQLite decodes each record and encodes it again, and inserts each index entry, as any copy
  does whose published shape differs from the store's (coded, masked or generated columns);
  no Python runs during it;
- ``publish`` per level: ``publish`` as ``cadre publish`` calls it, with the CPU and wall time
  of its parts (copying tables, choosing codings, copying and dropping indexes, the search
  index, materialized tables and aggregates, hashing, the public scan); the remainder is the
  rest (ANALYZE, metadata, the final ``VACUUM INTO``, small steps).

Every figure is also given as a ratio to the same round's ``vacuum`` (wall and CPU).
"""
from __future__ import annotations

import argparse
import datetime
import json
import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import AS_OF, _plugins  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    """Wall and CPU seconds of a block, added to ``spent[name]``."""

    def __init__(self, spent: dict[str, list[float]], name: str) -> None:
        self.spent, self.name = spent, name

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def __exit__(self, *exc: Any) -> None:
        wall, cpu = self.spent.setdefault(self.name, [0.0, 0.0])
        self.spent[self.name] = [wall + time.perf_counter() - self.wall, cpu + _cpu() - self.cpu]


def _fresh(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        p.unlink(missing_ok=True)


def vacuum(src: Path, out: Path) -> None:
    _fresh(out)
    conn = sqlite3.connect(src)
    conn.execute("VACUUM INTO ?", [str(out)])
    conn.close()


def copy_tables(src: Path, out: Path, where: str) -> None:
    """The store's tables and indexes made anew in ``out``, each table copied by one
    ``INSERT … SELECT * … {where}`` in one transaction (as ``publish`` writes: no journal)."""
    _fresh(out)
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("ATTACH DATABASE ? AS src", [src.resolve().as_uri() + "?mode=ro"])
    schema = conn.execute(
        "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
        "AND type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY type DESC"
    ).fetchall()
    conn.execute("BEGIN")
    for _, _, sql in schema:
        conn.execute(sql)
    for kind, name, _ in schema:
        if kind == "table":
            info = conn.execute(f"PRAGMA src.table_xinfo([{name}])").fetchall()
            stored = [f"[{c[1]}]" for c in info if c[6] not in (2, 3)]   # not generated
            # (a table with generated columns is never copied raw: its columns are listed)
            cols = "*" if len(stored) == len(info) else ", ".join(stored)
            target = "" if cols == "*" else f"({cols})"
            conn.execute(f"INSERT INTO main.[{name}] {target} SELECT {cols} FROM src.[{name}] "
                         f"{where}")
    conn.execute("COMMIT")
    conn.close()


#: The parts of ``publish`` timed (module attribute, label): inclusive times, so a part
#: holding another (``copy_table`` holds ``coded.choose``) counts it too.
PARTS = (
    ("cadre_sdk.publish.copy", "copy_table", "copy tables (incl. codings)"),
    ("cadre_sdk.publish.coded", "choose", "choose codings"),
    ("cadre_sdk.publish.copy", "copy_indexes", "copy indexes"),
    ("cadre_sdk.publish.copy", "drop_unread", "drop unread indexes"),
    ("cadre_sdk.publish.build", "build_index", "search index"),
    ("cadre_sdk.publish.materialize", "materialize", "materialized tables"),
    ("cadre_sdk.publish.aggregates", "build", "aggregates"),
    ("cadre_sdk.publish.event_aggregates", "build", "event aggregates"),
    ("cadre_sdk.publish.generalize", "build", "generalize"),
    ("cadre_sdk.publish.suppress", "protect_all", "small-group protection"),
    ("cadre_sdk.publish.build", "sha256_file", "hashes"),
    ("cadre_sdk.publish.build", "_public_redactor", "redactor"),
    ("cadre_sdk.publish.scan", "scan", "scan"),
)


def _timed(spent: dict[str, list[float]]) -> Callable[[], None]:
    """Wrap ``PARTS`` to add their times to ``spent``; returns the function undoing it."""
    import importlib
    undo = []
    for module_name, attr, label in PARTS:
        module = importlib.import_module(module_name)
        func = getattr(module, attr)

        def run(*a: Any, _func: Callable = func, _label: str = label, **k: Any) -> Any:
            with _Clock(spent, _label):
                return _func(*a, **k)
        setattr(module, attr, run)
        undo.append((module, attr, func))
    # ``copy.copy_table`` is called from ``build`` by attribute, ``coded.choose`` from copy
    return lambda: [setattr(m, a, f) for m, a, f in undo]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path, help="an evaluated store (read only)")
    ap.add_argument("work", type=Path, help="a folder for the copies (files replaced)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--levels", default="oversight,public")
    ap.add_argument("--as-of", default=AS_OF, help="the day the publications speak for")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    from cadre_sdk.publish import publish
    plugins, _ = _plugins()
    rounds = []
    for r in range(a.rounds):
        spent: dict[str, list[float]] = {}
        with _Clock(spent, "vacuum"):
            vacuum(a.store, a.work / "vacuum.db")
        with _Clock(spent, "raw"):
            copy_tables(a.store, a.work / "raw.db", "")
        with _Clock(spent, "reencode"):
            copy_tables(a.store, a.work / "reencode.db", "WHERE 1")
        sizes = {n: (a.work / f"{n}.db").stat().st_size for n in ("vacuum", "raw", "reencode")}
        for level in a.levels.split(","):
            parts: dict[str, list[float]] = {}
            undo = _timed(parts)
            try:
                with _Clock(spent, f"publish {level}"):
                    publish(a.store, a.work / f"{level}.db", level=level, plugins=plugins,
                            as_of=datetime.date.fromisoformat(a.as_of))
            finally:
                undo()
            sizes[level] = (a.work / f"{level}.db").stat().st_size
            spent.update({f"{level}: {k}": v for k, v in parts.items()})
        base_wall, base_cpu = spent["vacuum"]
        row = {k: {"wall": round(w, 3), "cpu": round(c, 3), "x_wall": round(w / base_wall, 2),
                   "x_cpu": round(c / base_cpu, 2)} for k, (w, c) in spent.items()}
        row["bytes"] = sizes
        print(json.dumps({"round": r, **row}, ensure_ascii=False), flush=True)
        rounds.append(row)
    medians = {k: {f: statistics.median(x[k][f] for x in rounds)
                   for f in ("wall", "cpu", "x_wall", "x_cpu")}
               for k in rounds[0] if k != "bytes"}
    print(json.dumps({"median": medians}, ensure_ascii=False))


if __name__ == "__main__":
    main()
