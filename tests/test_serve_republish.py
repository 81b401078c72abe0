"""Republishing while ``cadre serve`` runs (a real server over HTTP, two worker processes):
readers under load get no error and no mixed answers, every answer names the version it came
from, the server switches without a restart, and the old file is gone afterwards."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from test_publish_support import PUBLISH_DAY, cadre_serve

from cadre_sdk.publish import publish
from cadre_sdk.publish.hotswap import remove_stale, serving_folder
from cadre_sdk.testing import make_plugins

pytestmark = pytest.mark.slow

PAGES = ("/", "/public", "/public/case_stage_summary", "/public/region.json?_shape=array",
         "/public/assessment_grade_distribution")


def _sha(path: Path) -> str:
    return path.with_name(path.name + ".sha256").read_text().split()[0]


def test_republish_under_load_switches_between_requests(sample_store: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "public.db"
    publish(sample_store, out, level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
    old = _sha(out)
    answers: list[tuple[float, float, int, str]] = []   # (sent, answered, status, sha)
    errors: list[str] = []
    stop = threading.Event()

    def reader(url: str, n: int) -> None:
        with httpx.Client(base_url=url, timeout=20) as http:
            i = n
            deadline = time.monotonic() + 120   # bounded, whatever happens
            while not stop.is_set() and time.monotonic() < deadline:
                sent = time.monotonic()
                try:
                    r = http.get(PAGES[i % len(PAGES)])
                    answers.append((sent, time.monotonic(), r.status_code,
                                    r.headers.get("x-cadre-sha256", "")))
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                i += 1

    with cadre_serve(out, "--workers", "2") as url:
        assert httpx.get(url + "/").headers["x-cadre-sha256"] == old
        threads = [threading.Thread(target=reader, args=(url, n)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        publish(sample_store, out, level="public", plugins=make_plugins(), as_of=PUBLISH_DAY)
        published = time.monotonic()
        new = _sha(out)
        time.sleep(2.0)
        stop.set()
        for t in threads:
            t.join()
        home = httpx.get(url + "/")
        served = [p.stat().st_ino for p in serving_folder(out).rglob("public.db")]

    assert new != old   # the build time differs: a new file
    assert errors == []
    assert {status for *_, status, _ in answers} == {200}
    before = [sha for sent, done, _, sha in answers if done < published]
    after = [sha for sent, done, _, sha in answers if sent > published]
    assert before and set(before) == {old}
    assert after and set(after) == {new}          # no answer from the old file after the switch
    assert new in home.text and home.headers["x-cadre-sha256"] == new
    # One link per worker, both to the new file: the old file has no name left.
    assert served == [out.stat().st_ino] * 2
    remove_stale(out)   # what the next start does with links of servers no longer running
    assert not serving_folder(out).exists() or not any(serving_folder(out).iterdir())
