"""``cadre serve --workers N``: N worker processes answer over HTTP; a login and its form made
by one worker hold on the others (one shared secret); a worker checks the file again only if
it was replaced after the parent checked it; one worker runs in the parent process."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from cadre_sdk.core.errors import CadreError
from cadre_sdk.publish import app
from cadre_sdk.publish.metadata import hash_file, sidecar
from test_publish_support import PASSWORD, cadre_serve


def _workers(proc: subprocess.Popen) -> list[int]:
    """The worker processes ``proc`` started (multiprocessing's spawned children)."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return [int(pid) for pid in children
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _fresh(url: str, path: str, *, method: str = "GET", cookies: object = None,
           **kwargs: object) -> httpx.Response:
    """One request on a new connection (the kernel hands it to any worker)."""
    with httpx.Client(base_url=url, timeout=10, cookies=cookies) as http:
        return http.request(method, path, **kwargs)


@pytest.mark.slow
def test_two_workers_share_a_login(oversight_db: Path, password_hash: str) -> None:
    started: list[subprocess.Popen] = []
    with cadre_serve(oversight_db, "--workers", "2", process=started) as url:
        assert len(_workers(started[0])) == 2
        form = _fresh(url, "/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
        login = _fresh(url, "/-/login", method="POST", cookies=form.cookies,
                       data={"username": "oversight", "password": PASSWORD, "csrftoken": token})
        assert login.status_code == 302 and "ds_actor" in login.cookies
        cookies = {"ds_actor": login.cookies["ds_actor"]}
        pages = [_fresh(url, "/oversight/cadre_profile", params={"cadre_id": "C002"},
                        cookies=cookies) for _ in range(12)]
        assert [p.status_code for p in pages] == [200] * 12
        assert all("姓名：廉福章" in p.text for p in pages)
        assert _fresh(url, "/oversight/cadre").status_code == 403   # no cookie: no entry


@pytest.mark.slow
def test_one_worker_serves_in_the_parent_process(public_db: Path) -> None:
    started: list[subprocess.Popen] = []
    with cadre_serve(public_db, "--workers", "1", process=started) as url:
        assert _workers(started[0]) == []
        rows = _fresh(url, "/public/search.json", params={"q": "玉树", "_shape": "array"}).json()
        assert '["unit","U001"]' in {r["记录"] for r in rows}


def _spec(out: Path, file_id: list[int]) -> str:
    return json.dumps({"out": str(out), "file_id": file_id, "state": str(out.parent),
                       "password_hash_env": app.PASSWORD_ENV, "user": app.DEFAULT_USER})


def test_a_worker_checks_the_file_again_only_if_it_was_replaced(
        public_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / public_db.name
    for path in (public_db, sidecar(public_db), hash_file(public_db)):
        shutil.copy(path, tmp_path / path.name)
    checked = app._file_id(copy)
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF                  # changed after the parent's check: a new file
    replacement = tmp_path / "replacement.db"
    replacement.write_bytes(bytes(data))
    replacement.replace(copy)
    monkeypatch.setenv(app.WORKER_ENV, _spec(copy, checked))
    with pytest.raises(CadreError, match="已被改动"):
        app.worker_app()
    # the same file as the parent checked (inode, size, time): trusted, not hashed again
    # (this one would fail the check)
    monkeypatch.setenv(app.WORKER_ENV, _spec(copy, app._file_id(copy)))
    assert callable(app.worker_app())

