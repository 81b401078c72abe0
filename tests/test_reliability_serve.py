"""The served publication under load: 16 concurrent clients x 25 requests against a real
`cadre serve` on 127.0.0.1 (canned queries, a table page, a search, as HTML and JSON) get no
errors; and republishing the file while it is served replaces it atomically: every answer,
during and after the republish, is a 200 whose data is wholly the old version or wholly the
new one, never a mixture or an error.

Operational procedure (what the test shows): `cadre publish` to the path `cadre serve` is
serving; the running server checks the new file's hash and switches to it between requests
(``cadre_sdk.publish.hotswap``), no restart needed; a restarted server serves it too.
"""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cadre_sdk.publish import publish
from cadre_sdk.testing import make_plugins
from test_publish_support import PUBLISH_DAY, cadre_serve

pytestmark = pytest.mark.slow
CLIENTS, REQUESTS = 16, 25


def _search_word(db: Path) -> str:
    """Two characters that occur in the publication's search index."""
    conn = sqlite3.connect(db)
    try:
        title = conn.execute("SELECT title FROM search_result WHERE kind = '干部' "
                             "OR title IS NOT NULL LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    return title[:2]


def _urls(db: Path) -> tuple[list[str], list[str]]:
    """(JSON URLs whose data is compared, HTML pages that must render) of the publication."""
    name, word = db.stem, _search_word(db)
    data = [f"/{name}/cases_by_stage_summary.json?_shape=array&region=",
            f"/{name}/subsidy_totals_by_prefecture.json?_shape=array&month=&scheme=",
            f"/{name}/search.json?_shape=array&q={word}",
            f"/{name}/case_stage_summary.json?_shape=array&_size=100"]
    pages = [f"/{name}/case_stage_summary", f"/{name}/cases_by_stage_summary",
             f"/{name}/search?q={word}"]
    return data, pages


def _snapshot(url: str, data: list[str]) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=30) as http:
        out = {}
        for path in data:
            response = http.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            out[path] = response.json()
        return out


@pytest.fixture
def versions(demo_store: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two stores whose publications differ: the demo store, and a later one with half of
    the tolerance cases' states removed."""
    later = tmp_path / "later.db"
    shutil.copy(demo_store, later)
    with sqlite3.connect(later) as conn:
        conn.execute("DELETE FROM case_state WHERE rowid % 2 = 0")
    conn.close()
    return demo_store, later


def test_concurrent_readers_through_a_republish(versions: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    first, second = versions
    out = tmp_path / "public.db"
    plugins = make_plugins()
    publish(first, out, level="public", plugins=plugins, as_of=PUBLISH_DAY)
    data, pages = _urls(out)
    answers: list[tuple[str, int, Any]] = []
    errors: list[str] = []
    done = threading.Semaphore(0)
    lock = threading.Lock()
    published = threading.Event()

    def client(url: str, k: int) -> None:
        paths = data + pages
        deadline = time.monotonic() + 300   # bounded, whatever happens
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                i = after = 0
                # REQUESTS each, and on until each has sent 5 after the republish
                while (i < REQUESTS or after < 5) and time.monotonic() < deadline:
                    after += published.is_set()
                    path = paths[(k + i) % len(paths)]
                    i += 1
                    response = http.get(path)
                    body = response.json() if path in data and response.status_code == 200 \
                        else None
                    with lock:
                        answers.append((path, response.status_code, body))
                    done.release()
        except Exception as exc:   # a refused connection, a timeout: an error of the test
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    with cadre_serve(out) as url:
        old = _snapshot(url, data)
        assert old[data[2]], "the search found nothing: the test would not test it"
        for page in ("/", f"/{out.stem}"):   # slower pages (every table): once, not in the load
            assert httpx.get(url + page, timeout=30).status_code == 200
        threads = [threading.Thread(target=client, args=(url, k)) for k in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for _ in range(CLIENTS * REQUESTS // 4):   # a quarter of the load, then republish
            done.acquire()
        publish(second, out, level="public", plugins=plugins, as_of=PUBLISH_DAY)
        republished_at = len(answers)
        published.set()
        for thread in threads:
            thread.join()
        after_republish = _snapshot(url, data)   # the running server, once it is all over
    assert not errors, errors[:5]
    assert len(answers) >= CLIENTS * REQUESTS
    assert republished_at < len(answers), "the republish came after the load"

    with cadre_serve(out) as url:   # restarted: checks the new file's hash, serves it
        new = _snapshot(url, data)
    assert new != old and new[data[0]] != old[data[0]]
    bad = [(path, status) for path, status, _ in answers if status != 200]
    assert not bad, bad[:5]
    mixed = [path for path, _, body in answers if path in data
             and body not in (old[path], new[path])]
    assert not mixed, f"answers that are neither version: {mixed[:5]}"
    assert after_republish == new   # the running server switched, without a restart
