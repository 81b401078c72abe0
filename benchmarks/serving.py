"""The served publication under load: canned queries and pages, 1 and 16 clients.

Either level: at oversight level the benchmark sets a password hash of its own for the server
and logs in once, then sends the session cookie with every request. Each target is one URL
asked again and again: at public level a repeated answer can come from the page cache
(``publish/page_cache.py``: anonymous GETs that set no cookie), at oversight level (logged in)
readers of one account share cached pages too, each with their own form token filled in.
``server_cpu_ms`` is the server processes' CPU per request (on a shared machine, a figure that
queueing does not inflate). ``canned_queries.py`` times every canned query of either level
in-process, with each parameter alone, and names the slow ones.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from common import ROOT, YEARS, _pct


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _targets(pub: Path, database: str) -> list[tuple[str, str]]:
    """(label, path) of every canned query, a faceted table page and a Chinese search."""
    meta = json.loads(pub.with_name(pub.name + ".metadata.json").read_text(encoding="utf-8"))
    dbmeta = meta.get("databases", {}).get(database, {})
    conn = sqlite3.connect(f"file:{pub}?mode=ro", uri=True)
    out = []
    for name, q in sorted(dbmeta.get("queries", {}).items()):
        sql = q["sql"] if isinstance(q, dict) else q
        names = sorted(set(re.findall(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", sql)))
        args = {n: _sample(conn, n) for n in names}
        path = f"/{database}/{urllib.parse.quote(name)}"
        if args:
            path += "?" + urllib.parse.urlencode(args)
        out.append((f"query {name}", path))
    tables = dbmeta.get("tables", {})
    faceted = [(t, m["facets"]) for t, m in tables.items() if isinstance(m, dict) and m.get("facets")]
    if faceted:
        t, facets = max(faceted, key=lambda tf: _count(conn, tf[0]))
        out.append((f"table {t} (facets {', '.join(map(str, facets))})",
                    f"/{database}/{urllib.parse.quote(t)}"))
    else:  # a large table with a year (the public level has no rows about people)
        t = next((t for t in ("assessment_result", "scorecard", "assessment")
                  if _count(conn, t)), "scorecard")
        out.append((f"table {t} ?_facet=year", f"/{database}/{t}?_facet=year"))
    q = urllib.parse.quote("生态")
    search_query = next((n for n, qq in dbmeta.get("queries", {}).items()
                         if "cadre_match" in (qq["sql"] if isinstance(qq, dict) else qq)), None)
    if search_query:
        sql = dbmeta["queries"][search_query]["sql"]
        pn = re.findall(r"cadre_match\(\s*:([A-Za-z_]\w*)", sql)
        if pn:
            out.append(("search 生态 (2 chars)",
                        f"/{database}/{urllib.parse.quote(search_query)}?{pn[0]}={q}"))
    else:
        out.append(("search 生态 (2 chars)", f"/{database}/search_index?_search={q}"))
    conn.close()
    return out


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return int(conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
    except sqlite3.Error:
        return 0


def _sample(conn: sqlite3.Connection, name: str) -> str:
    """A plausible value for a canned query's parameter: the last year (or half-year), every
    region (empty: the form's default and the widest answer), the first page."""
    low = name.lower()
    if "year" in low:
        return str(YEARS[-1])
    if low == "half":
        return f"{YEARS[-1]}H1"
    if low in ("q", "query", "term", "keyword", "search", "text"):
        return "生态"
    for table, col in (("cadre", "id"), ("unit", "code")):
        if low.endswith(("cadre", "cadre_id")) and table == "cadre" or \
                low.endswith(("unit", "unit_code")) and table == "unit":
            try:
                row = conn.execute(f"SELECT [{col}] FROM [{table}] LIMIT 1").fetchone()
                if row:
                    return str(row[0])
            except sqlite3.Error:
                pass
    return ""


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and every process under it
    (``cadre serve --workers N`` answers in child processes); NaN where /proc is missing."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return float("nan")
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        used[int(name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += used.get(p, 0.0)
        todo.extend(c for c, parent in parents.items() if parent == p)
    return total


def _login(base: str, user: str, password: str) -> str:
    """Log in at ``base`` (the oversight login form); the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/-/login", timeout=30).read().decode()
    token = re.search(r'name="csrftoken" value="([^"]+)"', form)
    if not token:
        raise RuntimeError("no login form at " + base + "/-/login")
    data = urllib.parse.urlencode({"username": user, "password": password,
                                   "csrftoken": token.group(1)}).encode()
    opener.open(base + "/-/login", data, timeout=30).read()
    if "ds_actor" not in {c.name for c in jar}:
        raise RuntimeError("the benchmark's login was refused")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def serve_bench(work: Path, requests_1: int, requests_16: int, budget: float = 20.0,
                workers: int | None = None, level: str = "public") -> dict:
    """Latency percentiles per target of ``<level>.db``; each (target, clients) stops after
    ``budget`` seconds (so a slow query bounds the run; ``n`` says how many requests were
    timed). ``workers``: `cadre serve --workers` (None: its default, one per core)."""
    pub = work / f"{level}.db"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    password = secrets.token_urlsafe(12)
    if level == "oversight":
        from datasette_auth_passwords.utils import hash_password

        from cadre_sdk.publish.app import DEFAULT_USER, PASSWORD_ENV
        env[PASSWORD_ENV] = hash_password(password)
    extra = ["--workers", str(workers)] if workers else []
    proc = subprocess.Popen([sys.executable, "-m", "cadre_sdk", "serve", str(pub), "--host",
                             "127.0.0.1", "--port", str(port), *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                break
            except urllib.error.HTTPError:   # oversight: 403 before the login, but it answers
                break
            except Exception:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("cadre serve did not start: "
                                       + proc.stderr.read().decode(errors="replace")[-2000:])
                time.sleep(0.2)
        headers = {"Cookie": _login(base, DEFAULT_USER, password)} if level == "oversight" \
            else {}
        targets = _targets(pub, level)
        out = {}
        for label, path in targets:
            url = base + path

            def get(url: str = url) -> Any:
                return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                              timeout=60)
            statuses: dict[int, int] = {}
            res: dict[str, Any] = {"path": path}
            for clients, count in ((1, requests_1), (16, requests_16)):
                times: list[float] = []
                lock = threading.Lock()
                todo = list(range(count))

                stop_at = time.perf_counter() + budget

                def worker() -> None:
                    while True:
                        with lock:
                            if not todo or time.perf_counter() > stop_at:
                                return
                            todo.pop()
                        t = time.perf_counter()
                        try:
                            with get() as r:
                                r.read()
                                code = r.status
                        except urllib.error.HTTPError as e:
                            code = e.code
                        except Exception:
                            code = -1
                        dt = (time.perf_counter() - t) * 1000
                        with lock:
                            times.append(dt)
                            statuses[code] = statuses.get(code, 0) + 1
                if clients == 1:   # warm up (errors show in the status counts below)
                    try:
                        get().read()
                    except Exception:
                        pass
                threads = [threading.Thread(target=worker) for _ in range(clients)]
                cpu = _tree_cpu(proc.pid)
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                cpu = _tree_cpu(proc.pid) - cpu
                res[f"c{clients}"] = {"n": len(times), "p50": _pct(times, 50),
                                      "p95": _pct(times, 95), "p99": _pct(times, 99),
                                      "server_cpu_ms": cpu * 1000 / max(len(times), 1)}
            res["status"] = statuses
            out[label] = res
        return {"targets": out, "workers": workers or "default"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
