"""``cadre serve`` as a real process over HTTP: what readers get, logging in at oversight level,
writes refused; and the checks ``cadre serve`` makes before it starts."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cadre_sdk.cli import build_cli
from cadre_sdk.publish.metadata import hash_file, sidecar
from cadre_sdk.testing import make_plugins
from test_publish_support import NAMES, PASSWORD, cadre_serve

pytestmark = pytest.mark.slow


def test_public_publication_over_http(public_db: Path) -> None:
    with cadre_serve(public_db) as url, httpx.Client(base_url=url, timeout=10) as http:
        rows = http.get("/public/search.json", params={"q": "脱贫", "_shape": "array"}).json()
        assert {r["记录"] for r in rows} >= {'["achievement","A001"]', '["training","T002"]'}
        page = http.get("/public/case")
        assert page.status_code == 200 and "<h1>容错纠错案件</h1>" in page.text
        assert http.get("/").status_code == 200
        assert http.post("/public/cadre", json={"row": {"id": "X"}}).status_code == 405
        bad = http.get("/public.json", params={"sql": "delete from cadre"})
        assert bad.status_code == 400
        assert len(http.get("/public/cadre.json", params={"_shape": "array"}).json()) == 4
        assert all(name not in http.get("/public/observation").text for name in NAMES.values())


def test_oversight_publication_needs_a_login_over_http(oversight_db: Path,
                                                       password_hash: str) -> None:
    with cadre_serve(oversight_db) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert http.get("/oversight/cadre").status_code == 403
        form = http.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
        login = http.post("/-/login", data={"username": "oversight", "password": PASSWORD,
                                            "csrftoken": token})
        assert login.status_code == 302 and "ds_actor" in http.cookies
        page = http.get("/oversight/cadre_profile", params={"cadre_id": "C002"})
        assert page.status_code == 200 and "姓名：廉福章" in page.text
        assert http.post("/oversight/cadre", data={"csrftoken": token}).status_code == 405


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail instead of serving forever if ``cadre serve`` gets past its checks."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cadre serve started a server: its check did not refuse")
    monkeypatch.setattr("uvicorn.run", refuse)


def _copy(src: Path, folder: Path) -> Path:
    for path in (src, sidecar(src), hash_file(src)):
        shutil.copy(path, folder / path.name)
    return folder / src.name


def test_serve_refuses_a_file_changed_since_it_was_published(public_db: Path, tmp_path: Path,
                                                             no_server: None) -> None:
    copy = _copy(public_db, tmp_path)
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF          # one byte of the last page changed
    copy.write_bytes(bytes(data))
    result = CliRunner().invoke(build_cli(make_plugins()), ["serve", str(copy)])
    assert result.exit_code != 0 and "已被改动" in str(result.exception)


def test_serve_refuses_oversight_without_a_password_hash(oversight_db: Path, no_server: None,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.delenv("CADRE_OVERSIGHT_PASSWORD_HASH", raising=False)
    result = CliRunner().invoke(build_cli(make_plugins()), ["serve", str(oversight_db)])
    assert result.exit_code != 0
    assert "CADRE_OVERSIGHT_PASSWORD_HASH" in str(result.exception)
    assert "datasette hash-password" in str(result.exception)
