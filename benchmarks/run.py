"""Benchmarks: load, evaluate, publish and serve at a chosen scale, each against a baseline
measured in the same run (issue 8).

    PYTHONPATH=. python benchmarks/run.py --scale 10k        # quick (a few minutes)
    PYTHONPATH=. python benchmarks/run.py --scale 100k       # a province
    PYTHONPATH=. python benchmarks/run.py --scale 10k --skip serve

Every step runs in its own child process (this script with ``--step``); its peak RSS comes from
``os.wait4`` (the child's own rusage). Results: ``benchmarks/results/<scale>.md`` and ``.json``.
Work files go to ``--work`` (default ``/tmp/cadre-bench/<scale>``).

The evaluate step also runs ``evaluate_ab``: the assessment and subsidy engines and their plain
loops alternately (A/B/A/B, medians of 3 rounds, one process), so that the ratios are not
dominated by the noise of a shared machine; it fails if a plain loop's scores or amounts differ
from the engine's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# The steps, baselines and report are this folder's modules (also when run with runpy).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, RESULTS, ROOT, SCALES, YEARS, machine
from report import SERVE_KEYS, render
from serving import serve_bench
from steps import (
    step_evaluate,
    step_evaluate_ab,
    step_generate,
    step_load,
    step_load_pairs,
    step_publish,
)


STEPS = {"generate": step_generate, "load": step_load, "load_pairs": step_load_pairs,
         "evaluate": step_evaluate, "evaluate_ab": step_evaluate_ab,
         "publish": step_publish}


def run_child(step: str, work: Path, cadres: int, extra: tuple[str, ...] = ()) -> dict:
    """Run one step in a child process; its result plus its own peak RSS (os.wait4)."""
    out_file = work / f"step-{step}.json"
    out_file.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--step", step, "--work", str(work),
                             "--cadres", str(cadres), *extra], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {step} failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out_file.read_text())
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["wall_seconds"] = wall
    # the child's own CPU (user + system): on a shared machine, what the step costs itself
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    print(f"  {step}: {wall:.1f} s, CPU {result['cpu_seconds']:.1f} s, "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SCALES), default="10k")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--skip", action="append", default=[],
                    choices=["generate", "load", "load_store", "load_pairs", "evaluate",
                             "evaluate_ab", "publish", "serve"],
                    help="skip a step (generate/load reuse the work folder's files); "
                         "load skips both loads; load_store: only the single load that builds "
                         "the store for evaluate (its peak RSS); load_pairs: only the "
                         "interleaved load/raw pairs; evaluate_ab: only the interleaved "
                         "engine/plain-loop rounds")
    ap.add_argument("--requests", type=int, default=30,
                    help="requests per target with 1 client (16 clients: 4x as many)")
    ap.add_argument("--serve-workers", type=int,
                    help="`cadre serve --workers N` for the serve step (default: its own, "
                         "one per core)")
    ap.add_argument("--render", action="store_true",
                    help="only rewrite results/<scale>.md from results/<scale>.json")
    ap.add_argument("--results", type=Path, default=RESULTS,
                    help="folder for <scale>.md and <scale>.json (default: benchmarks/results)")
    ap.add_argument("--load-repeat", type=int, default=5,
                    help="load/raw-insert pairs per kind, interleaved (median of each side)")
    ap.add_argument("--load-kinds", type=lambda v: v.split(","),
                    help="time only these kinds' load pairs (comma-separated; the others are "
                         "loaded once, untimed)")
    ap.add_argument("--ab-rounds", type=int, default=3,
                    help="rounds of the interleaved engine/plain-loop pairs (evaluate_ab); "
                         "1 at 100k and above keeps the run under an hour")
    ap.add_argument("--levels", default="public,oversight",
                    help="publication levels the publish and serve steps build and serve "
                         "(comma-separated; serving oversight logs in with a password of "
                         "the benchmark's own)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--cadres", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    cadres = args.cadres or SCALES[args.scale]
    work = args.work or Path("/tmp/cadre-bench") / args.scale
    if args.render:
        src = args.results / f"{args.scale}.json"
        if not src.exists() or (work / "partial.json").exists() and \
                (work / "partial.json").stat().st_mtime > src.stat().st_mtime:
            src = work / "partial.json"   # a run stopped before the end
        res = json.loads(src.read_text())
        (args.results / f"{args.scale}.md").write_text(render(res), encoding="utf-8")
        return
    work.mkdir(parents=True, exist_ok=True)
    if not args.step:   # the child steps read it when common.py is imported (LEVELS)
        os.environ["CADRE_BENCH_LEVELS"] = args.levels
    if args.step:
        fn = STEPS[args.step]
        if args.step == "generate":
            result = fn(work, cadres)
        elif args.step == "load_pairs":
            result = fn(work, args.load_repeat, frozenset(args.load_kinds or ()))
        elif args.step == "evaluate_ab":
            result = fn(work, args.ab_rounds)
        else:
            result = fn(work)
        (work / f"step-{args.step}.json").write_text(json.dumps(result, ensure_ascii=False))
        return
    print(f"benchmark at {args.scale} ({cadres:,} cadres) in {work}", flush=True)
    res: dict[str, Any] = {"scale": args.scale, "cadres": cadres, "machine": machine(),
                           "as_of": AS_OF, "years": YEARS}
    steps = {}
    for step in ("generate", "load", "load_pairs", "evaluate", "evaluate_ab", "publish"):
        if step in args.skip or step.split("_")[0] in args.skip \
                or step == "load" and "load_store" in args.skip:
            continue
        extra = (("--load-repeat", str(args.load_repeat))
                 + (("--load-kinds", ",".join(args.load_kinds)) if args.load_kinds else ())
                 if step == "load_pairs" else
                 ("--ab-rounds", str(args.ab_rounds)) if step == "evaluate_ab" else ())
        steps[step] = run_child(step, work, cadres, extra)
        res["steps"] = steps   # partial results, in case a long run is stopped
        (work / "partial.json").write_text(json.dumps(res, ensure_ascii=False, indent=2))
    earlier = work / "step-generate.json"
    if "generate" not in steps and earlier.exists():   # the same files, generated earlier
        steps = {"generate": {**json.loads(earlier.read_text()), "earlier": True}, **steps}
    res["steps"] = steps
    for level in args.levels.split(","):   # res["serve"]: public, res["serve_oversight"]
        if "serve" in args.skip or not (work / f"{level}.db").exists():
            continue
        print(f"  serve {level} ...", flush=True)
        t = time.perf_counter()
        res[SERVE_KEYS[level]] = serve_bench(work, args.requests, args.requests * 4,
                                             workers=args.serve_workers, level=level)
        print(f"  serve {level}: {time.perf_counter() - t:.1f} s", flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    old = args.results / f"{args.scale}.json"
    if old.exists() and args.skip:   # keep figures of the skipped steps from the last run
        prev = json.loads(old.read_text())
        for k, v in prev.get("steps", {}).items():
            if k != "evaluate_plain":   # replaced by evaluate_ab (interleaved, checked)
                res["steps"].setdefault(k, v)
        for key in SERVE_KEYS.values():
            if "serve" in args.skip and key in prev:
                res[key] = prev[key]
    old.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
    (args.results / f"{args.scale}.md").write_text(render(res), encoding="utf-8")
    print(f"results: {args.results / (args.scale + '.md')}")


if __name__ == "__main__":
    main()
