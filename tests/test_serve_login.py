"""The oversight login of a real ``cadre serve`` over HTTP: failed logins limited per account
and per address (then a Chinese 429 page), logout closing the session on the server, forged
cookies refused; and a malformed or weak password hash stopping ``cadre serve``."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from datasette_auth_passwords.utils import hash_password
from test_publish_support import PASSWORD, cadre_serve

from cadre_sdk.cli.app import build_cli
from cadre_sdk.publish.sessions import MAX_FAILURES
from cadre_sdk.testing import make_plugins

pytestmark = pytest.mark.slow
SECRET = "a-known-test-secret"


def _token(http: httpx.Client, path: str) -> str:
    return re.search(r'name="csrftoken" value="([^"]+)"', http.get(path).text).group(1)


def _login(http: httpx.Client, user: str, password: str) -> httpx.Response:
    return http.post("/-/login", data={"username": user, "password": password,
                                       "csrftoken": _token(http, "/-/login")})


def test_six_wrong_passwords_in_a_minute_are_refused_with_429(oversight_db: Path,
                                                              password_hash: str) -> None:
    with cadre_serve(oversight_db) as url, httpx.Client(base_url=url, timeout=10) as http:
        for _ in range(MAX_FAILURES):
            wrong = _login(http, "oversight", "wrong")
            assert wrong.status_code == 200 and "ds_actor" not in http.cookies
        sixth = _login(http, "oversight", PASSWORD)   # even the right one, for now
        assert sixth.status_code == 429 and "ds_actor" not in http.cookies
        assert "登录尝试过多" in sixth.text and "一分钟后再试" in sixth.text
        assert http.get("/oversight/cadre").status_code == 403


def test_failed_logins_are_counted_per_address_too(oversight_db: Path,
                                                   password_hash: str) -> None:
    with cadre_serve(oversight_db) as url, httpx.Client(base_url=url, timeout=10) as http:
        for n in range(MAX_FAILURES):   # a different account name each time, one address
            assert _login(http, f"guess{n}", "wrong").status_code == 200
        assert _login(http, "oversight", PASSWORD).status_code == 429


def test_a_cookie_is_refused_after_logout(oversight_db: Path, password_hash: str) -> None:
    with cadre_serve(oversight_db) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert _login(http, "oversight", PASSWORD).status_code == 302
        cookie = http.cookies["ds_actor"]
        assert http.get("/oversight/cadre").status_code == 200
        out = http.post("/-/logout", data={"csrftoken": _token(http, "/-/logout")})
        assert out.status_code == 302
        with httpx.Client(base_url=url, timeout=10, cookies={"ds_actor": cookie}) as replay:
            assert replay.get("/oversight/cadre").status_code == 403   # the stolen cookie


def test_forged_actor_cookies_must_log_in(oversight_db: Path, password_hash: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATASETTE_SECRET", SECRET)
    actor = {"a": {"id": "oversight", "name": "监督人员"}}
    with_secret = Datasette(secret=SECRET).sign(actor, "actor")     # signed, never issued
    other = Datasette(secret="another secret").sign(actor, "actor")
    with cadre_serve(oversight_db) as url:
        for forged in (with_secret, other, "oversight"):
            with httpx.Client(base_url=url, timeout=10, cookies={"ds_actor": forged}) as http:
                assert http.get("/oversight/cadre").status_code == 403
        with httpx.Client(base_url=url, timeout=10) as http:   # a real login still works
            assert _login(http, "oversight", PASSWORD).status_code == 302
            assert http.get("/oversight/cadre").status_code == 200


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail instead of serving forever if ``cadre serve`` gets past its checks."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cadre serve started a server: its check did not refuse")
    monkeypatch.setattr("uvicorn.run", refuse)


@pytest.mark.parametrize(("value", "said"), [
    ("s3cret-监督", "格式不对"),                                   # the password, not a hash
    ("pbkdf2_sha256$480000$salt$not-base64", "格式不对"),
    ("md5$1$salt$" + "A" * 43 + "=", "格式不对"),
    # 1,000 < 310,000; named, since the hash's salt is random and every pytest-xdist worker
    # must collect the same test ids
    pytest.param(hash_password("pw", iterations=1000), "强度不足", id="weak-pbkdf2-1000"),
    # what `datasette hash-password --password X --no-confirm` gives with nothing on standard
    # input: the empty password's hash (anyone would log in without one)
    pytest.param(hash_password(""), "空密码", id="empty-password"),
])
def test_a_malformed_or_weak_hash_stops_serve(oversight_db: Path, no_server: None,
                                              monkeypatch: pytest.MonkeyPatch, value: str,
                                              said: str) -> None:
    monkeypatch.setenv("CADRE_OVERSIGHT_PASSWORD_HASH", value)
    result = CliRunner().invoke(build_cli(make_plugins()), ["serve", str(oversight_db)])
    assert result.exit_code != 0
    message = str(result.exception)
    assert said in message and "CADRE_OVERSIGHT_PASSWORD_HASH" in message
    assert "datasette hash-password" in message and value not in message


def test_two_readers_share_pages_but_not_tokens_and_logout_closes_them(
        oversight_db: Path, password_hash: str) -> None:
    page = "/oversight/cadre_profile?cadre_id=C002"
    # One worker: every request meets the same cache (each worker process has its own).
    with cadre_serve(oversight_db, "--workers", "1") as url, httpx.Client(base_url=url, timeout=10) as a, \
            httpx.Client(base_url=url, timeout=10) as b:
        for reader in (a, b):
            assert _login(reader, "oversight", PASSWORD).status_code == 302
        first = a.get(page)
        assert first.status_code == 200 and "廉福章" in first.text
        shared = b.get(page)
        assert shared.status_code == 200 and shared.headers["x-cadre-page"] == "cached"
        token_a, token_b = a.cookies["ds_csrftoken"], b.cookies["ds_csrftoken"]
        assert token_a != token_b and token_a not in shared.text
        assert re.search(r'name="csrftoken" value="([^"]+)"', shared.text).group(1) == token_b
        stolen = dict(a.cookies)
        assert a.post("/-/logout", data={"csrftoken": token_a}).status_code == 302
        with httpx.Client(base_url=url, timeout=10, cookies=stolen) as replay:
            gone = replay.get(page)
            assert gone.status_code == 403 and "廉福章" not in gone.text
        assert a.get(page).status_code == 403
        again = b.get(page)
        assert again.headers["x-cadre-page"] == "cached" and token_a not in again.text
        # The token filled in for B is B's working token: B logs out with it.
        filled = re.search(r'name="csrftoken" value="([^"]+)"', again.text).group(1)
        assert b.post("/-/logout", data={"csrftoken": filled}).status_code == 302
        assert b.get(page).status_code == 403
