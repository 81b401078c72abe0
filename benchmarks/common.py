"""Shared by the benchmark's steps: scales, targets, the work folder's files, the plugin set,
medians and percentiles, the machine's description.
"""
from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import sqlite3
import sys
from pathlib import Path
from typing import Any



ROOT = Path(__file__).resolve().parent.parent


RESULTS = Path(__file__).resolve().parent / "results"


SCALES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


YEARS = (2022, 2023, 2024)


AS_OF = "2025-03-31"


#: Publication levels the publish step builds (``run.py --levels`` sets the variable for its
#: child processes; the 1M run publishes the public level only).
LEVELS = tuple(os.environ.get("CADRE_BENCH_LEVELS", "public,oversight").split(","))


TARGETS = {"load": 0.40, "evaluate": 0.25, "rss_mb_at_1m": 200, "p95_ms_at_100k_16": 100}


#: Store after evaluate and each publication, at most this many times the clerks' files (issue 19).
SIZE_TARGET = 3.0


def _plugins() -> tuple[Any, list[str]]:
    """Defaults plus every local plugin package found under plugins/cadre-*/ (if any)."""
    from cadre_sdk.testing import make_plugins

    modules, names = [], []
    for pkg in sorted((ROOT / "plugins").glob("cadre-*/pyproject.toml")):
        if str(pkg.parent) not in sys.path:
            sys.path.append(str(pkg.parent))
        name = pkg.parent.name.replace("-", "_")
        try:
            modules.append(importlib.import_module(f"{name}.plugin"))
            names.append(name)
        except Exception as exc:  # a package being written right now
            print(f"plugin {name} not usable: {exc!r}", file=sys.stderr)
    return make_plugins(*modules), names


def _remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        p = path.with_name(path.name + extra)
        if p.exists():
            p.unlink()


def _settled_copy(src: Path, dst: Path) -> None:
    """Copy a store and flush the copy to disk before anything is timed on it.

    A fresh copy leaves the whole file as dirty pages in the OS cache; the first COMMIT on it
    (an fsync) would then wait for every one of them, charging the benchmark's own copy to
    whatever is timed next (0.2-1 s at 100k, more than a small kind's whole load)."""
    import shutil

    shutil.copyfile(src, dst)
    fd = os.open(dst, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(work: Path) -> dict[str, list[Path]]:
    return {k: [Path(p) for p in v] for k, v in
            json.loads((work / "files.json").read_text()).items()}


def _kinds_to_load(files: dict[str, list[Path]], plugins: Any) -> list[str]:
    from cadre_sdk.demo.generate import KIND_ORDER, situations_registered

    return [k for k in KIND_ORDER if files.get(k) and
            (k != "adjustment" or situations_registered(plugins))]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(q / 100 * len(values) + 0.5)) - 1))
    return values[k]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    versions = {}
    for mod in ("datasette", "sqlite_utils", "pluggy", "attrs"):
        try:
            versions[mod] = importlib.import_module(mod).__version__
        except Exception:
            try:
                from importlib.metadata import version
                versions[mod] = version(mod.replace("_", "-"))
            except Exception:
                versions[mod] = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(), **versions,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
