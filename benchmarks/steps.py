"""The benchmark's steps, each run in a child process: generate, load (and the interleaved
load/raw-insert pairs), evaluate (and the interleaved engine/plain-loop rounds), publish.
"""
from __future__ import annotations

import datetime
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from baselines import assessment_loop, subsidy_loop
from common import (AS_OF, LEVELS, YEARS, _files, _kinds_to_load, _median, _plugins, _remove,
                    _settled_copy)


def step_generate(work: Path, cadres: int) -> dict:
    from cadre_sdk.demo.generate import generate

    plugins, names = _plugins()
    t = time.perf_counter()
    files = generate(work / "files", cadres=cadres, seed=1, years=YEARS, plugins=plugins)
    seconds = time.perf_counter() - t
    (work / "files.json").write_text(json.dumps({k: [str(p) for p in v] for k, v in files.items()}))
    size = sum(p.stat().st_size for v in files.values() for p in v)
    return {"seconds": seconds, "files": sum(len(v) for v in files.values()),
            "bytes": size, "plugins": names}


def step_load(work: Path) -> dict:
    """`cadre init` + one `cadre load` per kind (the functions the CLI calls), timed per kind."""
    from cadre_sdk.engines.registry import AFTER_LOAD
    from cadre_sdk.ingest.loader import load_files
    from cadre_sdk.testing import make_db

    plugins, _ = _plugins()
    files = _files(work)
    db_path = work / "cadre.db"
    _remove(db_path)
    db = make_db(db_path, plugins)  # `cadre init`: schema and the province's divisions
    out = {}
    for kind in _kinds_to_load(files, plugins):
        t = time.perf_counter()
        res = load_files(db, kind, files[kind], plugins=plugins, after_load=AFTER_LOAD)
        s = time.perf_counter() - t
        out[kind] = {"rows": res.rows, "seconds": s}
    db.conn.close()
    return {"kinds": out, "db_bytes": db_path.stat().st_size}


def _parsed_rows(kind: str, paths: list[Path]) -> tuple[str, list[tuple]]:
    """The baseline's input: a kind's rows parsed and normalized through the record classes
    (not timed), and the INSERT statement for the kind's table."""
    import attrs

    from cadre_sdk.ingest.batches import RowChecker, rows_with_header
    from cadre_sdk.ingest.loader import resolve_kind

    cls = resolve_kind(kind)
    checker = RowChecker(cls, None)
    rows: list[tuple] = []
    for path in paths:
        header, it = rows_with_header(path, str(path))
        mapping, _ = checker.columns(str(path), header)
        for row in it:
            rec, _ = checker.check(row, mapping)
            if rec is not None:
                rows.append(attrs.astuple(rec, recurse=False))
    names = [f.name for f in attrs.fields(cls)]
    sql = (f"INSERT OR REPLACE INTO [{kind}] ({', '.join(f'[{n}]' for n in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    return sql, rows


def step_load_pairs(work: Path, repeat: int = 5, only: frozenset[str] = frozenset()) -> dict:
    """Each kind's load and its raw-insert baseline, interleaved in this one process.

    For every kind (in load order) ``repeat`` pairs, alternating which side goes first
    (A B, B A, A B, ...):
    - load: a copy of the store holding the kinds before this one (``cadre init`` + their
      loads), then ``load_files`` for the kind's files (what ``cadre load`` calls), timed;
    - raw: a copy of an empty migrated store (the same schema), then only a raw sqlite3
      ``executemany`` of the kind's rows, parsed and normalized through the record classes
      beforehand (not timed), in one transaction, timed.
    Both sides start from a fresh copy of their file, so every repetition does the same work.
    The ratio is the load's rows/s over the raw rows/s, from the median seconds of each side;
    the per-pair ratios show the noise, and the same ratio from the process's CPU time (which
    other jobs on the machine move less; it leaves out waiting for the disk) is a cross-check.
    The first pair of a kind pays the imports its reader
    needs (openpyxl, OpenCC); the median leaves that out (``pairs`` has every figure).
    ``only``: time these kinds only (the others are loaded once, untimed, for references)."""
    import statistics

    from cadre_sdk.ingest.loader import load_files
    from cadre_sdk.store.database import migrate, open_db
    from cadre_sdk.testing import make_db

    plugins, _ = _plugins()
    files = _files(work)
    base, trial = work / "pairs-base.db", work / "pairs-trial.db"
    empty, raw = work / "pairs-empty.db", work / "pairs-raw.db"
    for path in (base, trial, empty, raw):
        _remove(path)
    make_db(base, plugins).conn.close()
    db = open_db(empty, create=True)
    migrate(db)
    db.conn.close()

    def load_once(kind: str) -> tuple[int, float, float]:
        _remove(trial)
        _settled_copy(base, trial)
        db = open_db(trial)
        t, c = time.perf_counter(), time.process_time()
        res = load_files(db, kind, files[kind], plugins=plugins)
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        db.conn.close()
        return res.rows, seconds, cpu

    def raw_once(sql: str, rows: list[tuple]) -> tuple[int, float, float]:
        _remove(raw)
        _settled_copy(empty, raw)
        conn = open_db(raw).conn
        conn.isolation_level = None
        t, c = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        conn.close()
        return len(rows), seconds, cpu

    out = {}
    for kind in _kinds_to_load(files, plugins):
        if only and only <= set(out):
            break  # (the kinds after the last one asked for are not needed)
        if only and kind not in only:
            load_once(kind)
            _remove(base)
            trial.rename(base)
            continue
        sql, rows = _parsed_rows(kind, files[kind])
        loads: list[float] = []
        raws: list[float] = []
        cpu_loads: list[float] = []
        cpu_raws: list[float] = []
        n_load = n_raw = 0
        for i in range(repeat):
            for side in ("load", "raw") if i % 2 == 0 else ("raw", "load"):
                if side == "load":
                    n_load, s, c = load_once(kind)
                    loads.append(s)
                    cpu_loads.append(c)
                else:
                    n_raw, s, c = raw_once(sql, rows)
                    raws.append(s)
                    cpu_raws.append(c)
        del rows
        _remove(base)
        trial.rename(base)   # the store with this kind loaded: where the next kind goes
        load_s, raw_s = statistics.median(loads), statistics.median(raws)
        cpu_load, cpu_raw = statistics.median(cpu_loads), statistics.median(cpu_raws)
        out[kind] = {"rows": n_load, "raw_rows": n_raw, "seconds": load_s, "raw_seconds": raw_s,
                     "ratio": (n_load / load_s) / (n_raw / raw_s) if n_raw and load_s else None,
                     "cpu_seconds": cpu_load, "raw_cpu_seconds": cpu_raw,
                     "cpu_ratio": (n_load / cpu_load) / (n_raw / cpu_raw)
                     if n_raw and cpu_load and cpu_raw else None,
                     "pairs": [{"load": a, "raw": b,
                                "ratio": (n_load / a) / (n_raw / b) if n_raw and a else None}
                               for a, b in zip(loads, raws)]}
        spread = ", ".join(f"{p['ratio']:.2f}" for p in out[kind]["pairs"] if p["ratio"])
        print(f"    {kind}: {n_load:,} rows, ratio {out[kind]['ratio'] or float('nan'):.3f} "
              f"(pairs {spread}; CPU time {out[kind]['cpu_ratio'] or float('nan'):.3f})",
              flush=True)
    for path in (base, empty, raw):
        _remove(path)
    return {"kinds": out, "repeat": repeat}


def step_evaluate(work: Path) -> dict:
    """`cadre evaluate` (every engine, all plugins, explanations stored), timed per engine,
    with the time spent rendering (Trace.to_dict) and writing explanations."""
    from cadre_sdk.core import trace as explain
    from cadre_sdk.store import explanations
    from cadre_sdk.engines.registry import ENGINES, engine_name
    from cadre_sdk.engines.evaluate import evaluate
    from cadre_sdk.store.database import migrate, open_db

    plugins, _ = _plugins()
    src, db_path = work / "cadre.db", work / "evaluated.db"
    _remove(db_path)
    _settled_copy(src, db_path)
    clock = {"explain_render": 0.0, "explain_write": 0.0}

    def timed(func: Any, key: str) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                clock[key] += time.perf_counter() - t
        return wrapper

    explain.Trace.to_dict = timed(explain.Trace.to_dict, "explain_render")
    original_write = explanations.write

    def write(db: Any, rows: Any) -> int:
        # Rows may come from a generator that builds them: the time spent pulling them is not
        # the write's. (Not materialized first: that would add the rows to the peak RSS.)
        pulled = [0.0]

        def items() -> Any:
            it = iter(rows)
            while True:
                t = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    pulled[0] += time.perf_counter() - t
                yield item
        t = time.perf_counter()
        n = original_write(db, items())
        clock["explain_write"] += time.perf_counter() - t - pulled[0]
        return n
    engines = {}
    for module in ENGINES:
        name = engine_name(module)
        for mod_name, mod in list(sys.modules.items()):
            if mod_name.startswith("cadre_sdk.engines") and getattr(mod, "write_explanations",
                                                                     None) is original_write:
                mod.write_explanations = write
        engines[name] = 0.0

        def wrap(func: Any, name: str = name) -> Any:
            def run(*a: Any, **k: Any) -> Any:
                t = time.perf_counter()
                try:
                    return func(*a, **k)
                finally:
                    engines[name] += time.perf_counter() - t
            run.__signature__ = __import__("inspect").signature(func)  # type: ignore[attr-defined]
            return run
        module.evaluate = wrap(module.evaluate)
    db = open_db(db_path)
    migrate(db)
    t = time.perf_counter()
    summary = evaluate(db, plugins, as_of=AS_OF)
    seconds = time.perf_counter() - t
    conn = db.conn
    annual = conn.execute("SELECT count(*) FROM assessment WHERE period = '年度'").fetchone()[0]
    results = conn.execute("SELECT count(*) FROM assessment_result").fetchone()[0] \
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='assessment_result'").fetchone() \
        else 0
    expl = {k: {"rows": n, "bytes_json": bj or 0} for k, n, bj in
            conn.execute("SELECT kind, count(*), sum(length(CAST(json AS BLOB))) "
                         "FROM explanation GROUP BY kind ORDER BY 2 DESC")}
    refs = conn.execute("SELECT count(*), sum(length(CAST(json AS BLOB))) FROM explanation_ref"
                        ).fetchone()
    expl["(explanation_ref)"] = {"rows": refs[0], "bytes_json": refs[1] or 0}
    sizes = _table_sizes(conn)
    conn.close()
    return {"seconds": seconds, "engines": engines, "annual_assessments": annual,
            "assessment_results": results, "explain_clock": clock,
            "explanations": expl, "table_bytes": sizes,
            "db_bytes": db_path.stat().st_size,
            "summary": json.loads(json.dumps(summary, default=str))}


def _table_sizes(conn: sqlite3.Connection) -> dict[str, int]:
    """Bytes per table and its indexes (dbstat), largest first."""
    try:
        rows = conn.execute(
            "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
            "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC").fetchall()
    except sqlite3.Error:
        return {}
    return dict(rows)


def step_evaluate_ab(work: Path, rounds: int = 3) -> dict:
    """The assessment and subsidy engines (each alone, as `cadre evaluate --only` runs it: all
    plugins, explanations stored) and their plain-loop baselines, interleaved A/B/A/B in one
    process on one store copy, ``rounds`` times; each run in its own transaction, rolled back
    (so every run starts from the loaded store). Medians of the wall seconds and of the
    process's CPU seconds (which other jobs on a shared machine disturb much less). The first round checks
    that the baselines' results equal the engines' (every score, every ledger amount)."""
    from cadre_sdk.engines.assessment import engine as assessment
    from cadre_sdk.engines.subsidies import engine as subsidies
    from cadre_sdk.engines.evaluate import _fewer_collections
    from cadre_sdk.plugin_host.watchdog import plugin_time_limit
    from cadre_sdk.store.database import migrate, open_db

    plugins, _ = _plugins()
    db_path = work / "ab.db"
    _remove(db_path)
    _settled_copy(work / "cadre.db", db_path)
    db = open_db(db_path)
    migrate(db)
    conn = db.conn
    as_of = datetime.date.fromisoformat(AS_OF)
    pairs = {
        "assessment": (assessment, assessment_loop(),
                       "SELECT assessment_id, score FROM assessment_result"),
        "subsidies": (subsidies, subsidy_loop(plugins, conn),
                      "SELECT month, cadre_id, scheme, amount FROM subsidy_ledger"),
    }
    times: dict[str, dict[str, list[float]]] = {k: {"engine": [], "plain": []} for k in pairs}
    cpu: dict[str, dict[str, list[float]]] = {k: {"engine": [], "plain": []} for k in pairs}
    checked: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for n in range(rounds):
        for name, (module, plain, result_sql) in pairs.items():
            with plugin_time_limit(), _fewer_collections():
                conn.execute("BEGIN")
                t, c = time.perf_counter(), time.process_time()
                module.evaluate(db, plugins, as_of=as_of)
                times[name]["engine"].append(time.perf_counter() - t)
                cpu[name]["engine"].append(time.process_time() - c)
                engine_rows = conn.execute(result_sql).fetchall() if n == 0 else None
                conn.execute("ROLLBACK")
            conn.execute("BEGIN")
            t, c = time.perf_counter(), time.process_time()
            plain_rows = plain(conn)
            times[name]["plain"].append(time.perf_counter() - t)
            cpu[name]["plain"].append(time.process_time() - c)
            conn.execute("ROLLBACK")
            if engine_rows is not None:
                checked[name] = _check_equal(name, engine_rows, plain_rows)
                counts[name] = len(engine_rows)
            print(f"    {name} round {n + 1}: engine {times[name]['engine'][-1]:.2f} s, "
                  f"plain {times[name]['plain'][-1]:.2f} s", flush=True)
    conn.close()
    _remove(db_path)
    return {"rounds": rounds, "counts": counts, "checked": checked, "seconds": times,
            "cpu_seconds": cpu,
            "median": {k: {side: _median(v) for side, v in t.items()} for k, t in times.items()},
            "median_cpu": {k: {side: _median(v) for side, v in t.items()}
                           for k, t in cpu.items()}}


def _check_equal(name: str, engine_rows: list[tuple], plain: Any) -> dict[str, int]:
    """Every engine result equals the baseline's (same keys, same value); raises otherwise."""
    if name == "assessment":
        engine = dict(engine_rows)
    else:
        engine = {row[:3]: row[3] for row in engine_rows}
        plain = {row[:3]: row[3] for row in plain}
    missing = engine.keys() ^ plain.keys()
    differ = [k for k in engine.keys() & plain.keys() if engine[k] != plain[k]]
    if missing or differ:
        sample = sorted(missing)[:3] + [(k, engine[k], plain[k]) for k in sorted(differ)[:3]]
        raise SystemExit(f"{name}: the plain loop disagrees with the engine: {len(missing)} "
                         f"results on one side only, {len(differ)} different; e.g. {sample}")
    return {"equal": len(engine)}


def step_publish(work: Path) -> dict:
    """`publish(DB, OUT, level=L)` per level (what `cadre publish` calls), and a plain
    `VACUUM INTO` of the same database right after each."""
    from cadre_sdk.publish import publish

    plugins, _ = _plugins()
    src = work / "evaluated.db"
    out = {}
    for level in LEVELS:
        target = work / f"{level}.db"
        t = time.perf_counter()
        error = None
        try:
            publish(src, target, level=level, plugins=plugins,
                    as_of=datetime.date.fromisoformat(AS_OF))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        if error:
            out[level] = {"error": error}
            continue
        pub = time.perf_counter() - t
        copy = work / "vacuum.db"
        _remove(copy)
        conn = sqlite3.connect(src)
        t = time.perf_counter()
        conn.execute("VACUUM INTO ?", [str(copy)])
        vac = time.perf_counter() - t
        conn.close()
        out[level] = {"seconds": pub, "vacuum_seconds": vac, "bytes": target.stat().st_size,
                      "vacuum_bytes": copy.stat().st_size}
        _remove(copy)
    return {"levels": out}
