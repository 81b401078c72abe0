"""Page latency under load (issue 20): the home page, the database page and every table page
of a publication served by the real ``cadre serve``, with N concurrent clients.

    PYTHONPATH=. python benchmarks/pages.py --publication /tmp/cadre-demo/public.db
    PYTHONPATH=. python benchmarks/pages.py --publication public.db --clients 16 --rounds 20

Make the publication with ``cadre demo --no-serve`` (3,000 cadres by default). Every client
asks for every page ``--rounds`` times (in its own shuffled order); the in-run baseline is
``/-/versions.json``, the cheapest answer the same server gives (routing, no page, no query),
asked for by the same clients in the same run. Writes ``benchmarks/results/pages.md`` and
``pages.json``. Requests go only to 127.0.0.1; the run is bounded (``--budget`` seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = "/-/versions.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pages(publication: Path) -> list[str]:
    """Home, database and every table page the publication lists (hidden tables too)."""
    meta = json.loads(publication.with_name(publication.name + ".metadata.json").read_text(
        encoding="utf-8"))
    database = meta["plugins"]["cadre-sdk"]["database"]
    tables = meta["databases"][database]["tables"]
    return ["/", f"/{database}", *(f"/{database}/{t}" for t in sorted(tables))]


def _get(url: str, cookie: bool = False) -> tuple[float, int]:
    start = time.perf_counter()
    request = urllib.request.Request(url, headers={"Cookie": "bench=1"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return (time.perf_counter() - start) * 1000, status


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load(base: str, paths: list[str], clients: int, rounds: int, budget: float
          ) -> dict[str, list[tuple[float, int]]]:
    """Every client asks for every path ``rounds`` times; per path, (ms, status) answers."""
    results: dict[str, list[tuple[float, int]]] = {p: [] for p in paths}
    lock = threading.Lock()
    deadline = time.monotonic() + budget

    def client(n: int) -> None:
        order = [p for _ in range(rounds) for p in paths]
        random.Random(n).shuffle(order)
        for path in order:
            if time.monotonic() > deadline:
                return
            answer = _get(base + path)
            with lock:
                results[path].append(answer)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _wait(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("cadre serve exited before answering")
        if _get(base + BASELINE)[1] == 200:
            return
        time.sleep(0.2)
    raise SystemExit("cadre serve did not answer in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publication", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--budget", type=float, default=300.0)
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds between start and load (the server renders ahead)")
    args = parser.parse_args()
    publication = args.publication.resolve()
    paths = _pages(publication)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "cadre_sdk", "serve", str(publication), "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait(base, proc)
        time.sleep(args.settle)
        # What a page costs to render (a request with a cookie is never answered from the
        # cache): one client, each page once.
        rendered = {p: _get(base + p, cookie=True) for p in paths}
        load_1 = os.getloadavg()[0]
        began = time.monotonic()
        results = _load(base, [BASELINE, *paths], args.clients, args.rounds, args.budget)
        elapsed = time.monotonic() - began
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    report = _report(publication, paths, results, args, elapsed, load_1)
    for path, (ms, status) in rendered.items():
        report["pages"][path]["render_ms"] = round(ms, 1) if status == 200 else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    (RESULTS / "pages.md").write_text(_markdown(report), encoding="utf-8")
    print(_markdown(report))


def _report(publication: Path, paths: list[str], results: dict[str, list[tuple[float, int]]],
            args: Any, elapsed: float, load_1: float) -> dict[str, Any]:
    rows = {}
    for path, answers in results.items():
        ms = [a[0] for a in answers]
        rows[path] = {"n": len(ms), "errors": sum(1 for a in answers if a[1] != 200),
                      "p50_ms": round(statistics.median(ms), 1) if ms else None,
                      "p95_ms": round(_percentile(ms, 0.95), 1) if ms else None}
    base_p95 = rows[BASELINE]["p95_ms"] or 1
    for row in rows.values():
        row["p95_vs_baseline"] = round((row["p95_ms"] or 0) / base_p95, 2)
    pages = [rows[p] for p in paths]
    return {
        "publication": str(publication), "size_mb": round(publication.stat().st_size / 2**20, 1),
        "clients": args.clients, "rounds": args.rounds, "workers": args.workers or "cores",
        "requests": sum(r["n"] for r in rows.values()), "seconds": round(elapsed, 1),
        "load_before": round(load_1, 2), "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "worst_page_p95_ms": max(r["p95_ms"] or 0 for r in pages),
        "errors": sum(r["errors"] for r in rows.values()), "pages": rows,
    }


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Page latency under load (benchmarks/pages.py)", "",
        (f"Publication `{report['publication']}` ({report['size_mb']} MiB), "
         f"{report['clients']} clients, {report['rounds']} rounds of every page each, "
         f"`cadre serve` workers: {report['workers']}; {report['requests']} requests in "
         f"{report['seconds']} s; {report['errors']} errors. Machine: {report['cpus']} CPUs, "
         f"1-minute load average {report['load_before']} just before the run; Python "
         f"{report['python']}."), "",
        (f"Worst page p95: **{report['worst_page_p95_ms']} ms** (target < 300 ms). Baseline: "
         f"`{BASELINE}` in the same run."), "",
        ("Render ms: the same page rendered afresh (a request with a cookie bypasses the page "
         "cache), one client, once."), "",
        "| page | requests | errors | p50 ms | p95 ms | p95 / baseline | render ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for path, row in report["pages"].items():
        lines.append(f"| `{path}` | {row['n']} | {row['errors']} | {row['p50_ms']} | "
                     f"{row['p95_ms']} | {row['p95_vs_baseline']} | "
                     f"{row.get('render_ms', '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
