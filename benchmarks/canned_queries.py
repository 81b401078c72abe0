"""Every canned query of a built publication, timed in-process (no Datasette, no HTTP).

For each query the publication's metadata holds (the SQL as served: its first page), run it
with every parameter empty (the form's default) and then with each parameter alone set to a
value read from the data (the last year, a prefecture, the last month, a cadre with subsidy
lines, ...). Each case runs ``--runs`` times; the report gives the median CPU and wall ms of
one run, the rows of the first page and whether the plan scans a table (``SCAN`` in EXPLAIN
QUERY PLAN, with the table). Cases above ``--slow`` ms CPU are marked ``SLOW``.

    PYTHONPATH=. .venv/bin/python benchmarks/canned_queries.py WORK/oversight.db
    PYTHONPATH=. .venv/bin/python benchmarks/canned_queries.py WORK/public.db --json out.json

The serve step (``serving.py``) measures either level over HTTP with 16 clients, each query
with one set of parameters; this script tries each parameter alone and names the slow cases. A
query slow here is slower still when served (Datasette renders each cell and serves one query
at a time per connection).
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cadre_sdk.publish import search  # noqa: E402
from cadre_sdk.store import explanations  # noqa: E402

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _one(conn: sqlite3.Connection, sql: str) -> str:
    """The first column of the first row of ``sql`` as text ('' if none or no such table)."""
    try:
        row = conn.execute(sql).fetchone()
    except sqlite3.Error:
        return ""
    return "" if row is None or row[0] is None else str(row[0])


def sample_values(conn: sqlite3.Connection) -> dict[str, str]:
    """A realistic value for each parameter name the default queries use, read from the data."""
    year = _one(conn, "SELECT max(year) FROM scorecard") or \
        _one(conn, "SELECT max(substr(date, 1, 4)) FROM observation")
    prefecture = _one(conn, "SELECT substr(region_code, 1, 4) || '00' AS p FROM unit "
                            "WHERE region_code IS NOT NULL GROUP BY p ORDER BY count(*) DESC")
    return {
        "year": year,
        "half": f"{year}H1" if year else "",
        "region": prefecture,
        "month": _one(conn, "SELECT max(month) FROM subsidy_line"),
        "scheme": _one(conn, "SELECT min(scheme) FROM subsidy_totals"),
        "cadre": _one(conn, "SELECT min(cadre_id) FROM subsidy_line"),
        "cadre_id": _one(conn, "SELECT min(id) FROM cadre"),
        "kind": _one(conn, "SELECT min(kind) FROM commendation"),
        "category": _one(conn, "SELECT min(categories) FROM candidate_pool").split("、")[0],
        "source": _one(conn, "SELECT min(source) FROM observation"),
        "tag": _one(conn, "SELECT min(tags) FROM observation WHERE tags != ''").replace("、", ",").split(",")[0],
        "unit": _one(conn, "SELECT min(code) FROM unit"),
        "q": "生态",
    }


def connect(pub: Path) -> sqlite3.Connection:
    """The publication read-only, with the SQL functions Datasette registers on it."""
    conn = sqlite3.connect(f"file:{pub}?mode=ro", uri=True)
    search.register_function(conn)
    explanations.register_sql_function(conn)
    return conn


def scans(conn: sqlite3.Connection, sql: str, args: dict[str, str]) -> list[str]:
    """The tables the plan reads whole (``SCAN t``, not an index or a subquery's rows)."""
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
    subqueries = {p.split()[-1] for p in plan if p.startswith(("CO-ROUTINE", "MATERIALIZE"))}
    return [m.group(1) for p in plan if (m := re.fullmatch(r"SCAN (\w+)", p))
            and m.group(1) not in subqueries]


def time_query(conn: sqlite3.Connection, sql: str, args: dict[str, str],
               runs: int) -> dict[str, Any]:
    """Median CPU and wall ms of ``runs`` runs of ``sql`` (every row fetched)."""
    cpu, wall, rows = [], [], 0
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        rows = len(conn.execute(sql, args).fetchall())
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return {"cpu_ms": round(statistics.median(cpu), 1),
            "wall_ms": round(statistics.median(wall), 1), "rows": rows}


def queries_of(pub: Path) -> dict[str, str]:
    """Name -> SQL as served, from the publication's metadata file."""
    meta = json.loads(pub.with_name(pub.name + ".metadata.json").read_text(encoding="utf-8"))
    out = {}
    for db in meta.get("databases", {}).values():
        for name, q in db.get("queries", {}).items():
            out[name] = q["sql"] if isinstance(q, dict) else q
    return out


def run(pub: Path, runs: int = 3, only: list[str] | None = None) -> dict[str, Any]:
    """Every case of every canned query (or of those named in ``only``)."""
    conn = connect(pub)
    values = sample_values(conn)
    out: dict[str, Any] = {}
    for name, sql in sorted(queries_of(pub).items()):
        if only and name not in only:
            continue
        params = list(dict.fromkeys(_PARAM.findall(re.sub(r"'(?:[^']|'')*'", "", sql))))
        empty = {p: "" for p in params}
        cases = {"(none)": empty}
        for p in params:
            if p != "page" and values.get(p):
                cases[f"{p}={values[p]}"] = {**empty, p: values[p]}
        for label, args in cases.items():
            res = time_query(conn, sql, args, runs)
            res["scans"] = scans(conn, sql, args)
            out[f"{name} {label}"] = res
    conn.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("publication", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slow", type=float, default=50.0, help="ms CPU above which a case is SLOW")
    ap.add_argument("--only", nargs="*", help="query names to time (default: all)")
    ap.add_argument("--json", type=Path, help="write the results here too")
    args = ap.parse_args(argv)
    res = run(args.publication, args.runs, args.only)
    for label, r in res.items():
        flag = "SLOW" if r["cpu_ms"] > args.slow else ""
        print(f"{r['cpu_ms']:9.1f} {r['wall_ms']:9.1f} {r['rows']:5d}  {flag:4} {label}"
              f"{'  scans ' + ','.join(r['scans']) if r['scans'] else ''}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
