"""``cadre serve`` as a real process over HTTP: what readers get, logging in at oversight level,
writes refused; and the checks ``cadre serve`` makes before it starts."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cadre_sdk.cli.app import build_cli
from cadre_sdk.publish.metadata import hash_file, sidecar
from cadre_sdk.testing import make_plugins
from test_publish_support import NAMES, PASSWORD

pytestmark = pytest.mark.slow


def test_public_publication_over_http(public_url: str) -> None:
    with httpx.Client(base_url=public_url, timeout=10) as http:
        # Search finds places and units; a case's text and a person's achievements and
        # training are oversight rows, not public ones.
        rows = http.get("/public/search.json", params={"q": "改革", "_shape": "array"}).json()
        assert rows == []
        rows = http.get("/public/search.json", params={"q": "玉树", "_shape": "array"}).json()
        assert '["unit","U001"]' in {r["记录"] for r in rows}
        rows = http.get("/public/search.json", params={"q": "脱贫", "_shape": "array"}).json()
        assert rows == []
        assert http.get("/public/case").status_code == 404
        page = http.get("/public/case_stage_summary")
        assert page.status_code == 200 and "<h1>容错纠错案件办理阶段（汇总）</h1>" in page.text
        assert all(name not in page.text for name in NAMES.values())
        assert "C004" not in page.text   # no link to a person
        assert http.get("/").status_code == 200
        assert http.post("/public/unit", json={"row": {"code": "X"}}).status_code == 405
        bad = http.get("/public.json", params={"sql": "delete from unit"})
        assert bad.status_code == 400
        for table in ("cadre", "observation", "assessment_result", "subsidy_ledger",
                      "subsidy_line", "subsidy_rule"):
            assert http.get(f"/public/{table}.json").status_code == 404, table
        # The four cadres are fewer than k = 5 at every step: none is shown, even generalized.
        assert http.get("/public/cadre_generalized.json",
                        params={"_shape": "array"}).json() == []
        # Counts of fewer than 5 people read as the notice, in the table and its JSON.
        grades = http.get("/public/grade_distribution.json", params={
            "_shape": "array", "region_level": "省", "subject": "个人"}).json()
        assert grades and {g["cadres"] for g in grades} == {"少于 5 人，不公开"}
        overdue = http.get("/public/overdue_cases_summary.json",
                           params={"region": "", "_shape": "array"}).json()
        assert overdue and all(r["案件数"] == "少于 5 人，不公开" for r in overdue)


def test_a_path_that_names_no_page_is_a_chinese_404(public_url: str) -> None:
    # rich is installed with the test extras (import-linter): Datasette's printing of a 404
    # never raised used to fail there, answering a 500 in English
    import importlib.util

    assert importlib.util.find_spec("rich") is not None
    with httpx.Client(base_url=public_url, timeout=10) as http:
        for path in ("/public.db.sha256", "/x.y.z"):
            got = http.get(path)
            assert got.status_code == 404 and "出错（404）" in got.text, (path, got.status_code)
        got = http.get("/public.db.metadata.json")          # a .json path: a JSON 404
        assert got.status_code == 404 and got.json()["status"] == 404


def test_oversight_publication_needs_a_login_over_http(oversight_url: str) -> None:
    with httpx.Client(base_url=oversight_url, timeout=10) as http:
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
