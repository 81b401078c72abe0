"""The per-version page cache: anonymous GET pages are rendered once; logged-in readers whose
actors are the same but for the session share pages, each with their own form token filled in;
a POST, a page that sets a cookie or fails, another actor, an extra cookie, an expired login, a
page showing the session are rendered afresh."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from cadre_sdk.publish.page_cache import PageCache


class Counting:
    """An ASGI app answering ``path`` + a call count; ``/cookie`` sets a cookie, ``/gone`` 404s."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.calls += 1
        headers = [(b"content-type", b"text/plain")]
        if scope["path"] == "/cookie":
            headers.append((b"set-cookie", b"ds_csrftoken=x"))
        status = 404 if scope["path"] == "/gone" else 200
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body",
                    "body": f"{scope['path']} {self.calls}".encode()})


async def _get_async(app: Any, path: str, *, method: str = "GET", cookie: bool = False,
                     host: bytes = b"a:1") -> bytes:
    headers = [(b"host", host)] + ([(b"cookie", b"ds_actor=z")] if cookie else [])
    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": headers}
    body = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            body.append(message["body"])
    await app(scope, receive, send)
    return b"".join(body)


def _get(app: Any, path: str, **request: Any) -> bytes:
    return asyncio.run(_get_async(app, path, **request))


def test_anonymous_pages_are_rendered_once_per_host() -> None:
    inner = Counting()
    cache = PageCache(inner)
    assert _get(cache, "/t") == b"/t 1" and _get(cache, "/t") == b"/t 1"
    assert _get(cache, "/t", host=b"b:2") == b"/t 2"    # its absolute links name the host
    assert inner.calls == 2


def test_what_may_differ_between_readers_is_never_kept() -> None:
    inner = Counting()
    cache = PageCache(inner)
    assert _get(cache, "/t", cookie=True) == b"/t 1"
    assert _get(cache, "/t", cookie=True) == b"/t 2"     # no Datasette: never kept
    assert _get(cache, "/cookie") != _get(cache, "/cookie")
    assert _get(cache, "/gone") != _get(cache, "/gone")
    assert _get(cache, "/t", method="POST") != _get(cache, "/t", method="POST")


class Slow(Counting):
    """A ``Counting`` app that takes a moment (yielding to the event loop) to answer."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.calls += 1
        calls = self.calls
        await asyncio.sleep(0.05)
        status = 404 if scope["path"] == "/gone" else 200
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": f"{scope['path']} {calls}".encode()})


def test_readers_asking_at_once_for_a_page_being_rendered_wait_for_that_render() -> None:
    inner = Slow()
    cache = PageCache(inner)

    async def sixteen(path: str) -> list[bytes]:
        return await asyncio.gather(*(_get_async(cache, path) for _ in range(16)))

    assert asyncio.run(sixteen("/t")) == [b"/t 1"] * 16
    assert inner.calls == 1
    # a page that is not kept (a 404) is rendered for each waiter: none gets another's answer
    bodies = asyncio.run(sixteen("/gone"))
    assert sorted(bodies) == sorted(f"/gone {n}".encode() for n in range(2, 18))
    assert inner.calls == 17


def test_warming_renders_ahead() -> None:
    inner = Counting()
    cache = PageCache(inner)
    asyncio.run(cache.warm(["/", "/db", "/db/表"], "a:1"))
    assert inner.calls == 3
    assert _get(cache, "/db") == b"/db 2" and inner.calls == 3
    # A reader's request names the path as a client sends it (percent-encoded).
    asked = _ask(cache, "/db/%E8%A1%A8", {}, host=b"a:1")
    assert asked[1][b"x-cadre-page"] == b"cached" and inner.calls == 3


# -- logged-in readers, on the real oversight Datasette and on a stand-in app ------------------

SECRET = "page-cache-test-secret"
OVERSIGHT = {"id": "oversight", "name": "监督人员"}


class Rendering:
    """``app`` counting the requests it answers."""

    def __init__(self, app: Any) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


def _ask(app: Any, path: str, cookies: dict[str, str], *,
         host: bytes = b"127.0.0.1:8001") -> tuple[int, dict[bytes, bytes], str]:
    """GET ``path`` with ``cookies``: status, headers (last of each name), body."""
    target, _, query = path.partition("?")
    headers = [(b"host", host)]
    if cookies:
        headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    scope = {"type": "http", "method": "GET", "path": target, "raw_path": target.encode(),
             "query_string": query.encode(), "headers": headers, "scheme": "http",
             "http_version": "1.1", "root_path": "", "server": ("127.0.0.1", 8001),
             "client": ("127.0.0.1", 5), "asgi": {"version": "3.0"}}
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], dict(message["headers"])
        else:
            out["body"] += message.get("body", b"")
    asyncio.run(app(scope, receive, send))
    return out["status"], out["headers"], out["body"].decode()


def _reader(ds: Any, actor: dict, sid: str, **extra: Any) -> dict[str, str]:
    """The cookies of a reader logged in as ``actor`` with session ``sid`` and a form token."""
    from itsdangerous.url_safe import URLSafeSerializer

    token = URLSafeSerializer(ds._secret).dumps(sid * 2, "csrftoken")
    return {"ds_actor": ds.sign({"a": {**actor, "sid": sid, **extra}}, "actor"),
            "ds_csrftoken": token}


def _token_in(page: str) -> str:
    return re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)


def _without_timing(page: str) -> str:
    return re.sub(r"查询用时 [\d.]+ 毫秒", "", page)


@pytest.fixture
def oversight_ds(oversight_db: Path, password_hash: str) -> Any:
    from cadre_sdk.publish.app import make_datasette

    ds = make_datasette(oversight_db, secret=SECRET)
    asyncio.run(ds.invoke_startup())
    yield ds
    for db in ds.databases.values():
        db.close()


PROFILE = "/oversight/cadre_profile?cadre_id=C002"


def test_readers_of_one_account_share_a_page_each_with_their_own_token(oversight_ds: Any
                                                                         ) -> None:
    inner = Rendering(oversight_ds.app())
    cache = PageCache(inner, oversight_ds)
    a, b = _reader(oversight_ds, OVERSIGHT, "A" * 32), _reader(oversight_ds, OVERSIGHT, "B" * 32)
    status, _, page_a = _ask(cache, PROFILE, a)
    assert status == 200 and "廉福章" in page_a and _token_in(page_a) == a["ds_csrftoken"]
    status, headers, page_b = _ask(cache, PROFILE, b)
    assert status == 200 and headers[b"x-cadre-page"] == b"cached" and inner.calls == 1
    assert _token_in(page_b) == b["ds_csrftoken"] and a["ds_csrftoken"] not in page_b
    assert "监督人员" in page_b
    # Byte for byte what Datasette renders for B (but the query's time in the footer).
    fresh = _ask(oversight_ds.app(), PROFILE, b)[2]
    assert _without_timing(page_b) == _without_timing(fresh)
    # A JSON answer has no token: kept whole, given to a reader without a token cookie too.
    _ask(cache, PROFILE.replace("?", ".json?"), a)
    status, headers, _ = _ask(cache, PROFILE.replace("?", ".json?"),
                              {"ds_actor": b["ds_actor"]})
    assert status == 200 and headers[b"x-cadre-page"] == b"cached" and inner.calls == 2


def test_another_actor_never_gets_a_page_kept_for_someone_else(oversight_ds: Any) -> None:
    inner = Rendering(oversight_ds.app())
    cache = PageCache(inner, oversight_ds)
    a = _reader(oversight_ds, OVERSIGHT, "A" * 32)
    auditor = _reader(oversight_ds, {"id": "auditor", "name": "审计员"}, "C" * 32)
    more = _reader(oversight_ds, OVERSIGHT, "D" * 32, role="admin")   # one more field
    page_a = _ask(cache, PROFILE, a)[2]
    _, headers, page_c = _ask(cache, PROFILE, auditor)
    assert b"x-cadre-page" not in headers and inner.calls == 2
    assert "审计员" in page_c and "监督人员" not in page_c and "审计员" not in page_a
    assert a["ds_csrftoken"] not in page_c
    assert b"x-cadre-page" not in _ask(cache, PROFILE, more)[1] and inner.calls == 3
    # Anonymous readers (403 at oversight level) never see a reader's page.
    status, headers, _ = _ask(cache, PROFILE, {})
    assert status == 403 and b"x-cadre-page" not in headers


def test_what_depends_on_the_reader_beyond_the_token_is_rendered_afresh(oversight_ds: Any
                                                                        ) -> None:
    inner = Rendering(oversight_ds.app())
    cache = PageCache(inner, oversight_ds)
    a, b = _reader(oversight_ds, OVERSIGHT, "A" * 32), _reader(oversight_ds, OVERSIGHT, "B" * 32)
    # The actor page shows the session id: never kept.
    first = _ask(cache, "/-/actor.json", a)[2]
    assert "A" * 32 in first and "B" * 32 in _ask(cache, "/-/actor.json", b)[2]
    assert inner.calls == 2
    _ask(cache, PROFILE, a)
    calls = inner.calls
    # A message cookie, a reader without a valid form token, an expired login: rendered.
    _, headers, _ = _ask(cache, PROFILE, {**b, "ds_messages": "x"})
    assert b"x-cadre-page" not in headers
    status, headers, page = _ask(cache, PROFILE, {**b, "ds_csrftoken": "forged"})
    assert status == 200 and b"x-cadre-page" not in headers and b"set-cookie" in headers
    assert a["ds_csrftoken"] not in page and "forged" not in page
    expired = oversight_ds.sign({"a": {**OVERSIGHT, "sid": "B" * 32}, "e": "1"}, "actor")
    status, headers, page = _ask(cache, PROFILE, {**b, "ds_actor": expired})
    assert status == 403 and "廉福章" not in page
    forged = _signed_elsewhere({**OVERSIGHT, "sid": "A" * 32})
    assert _ask(cache, PROFILE, {**a, "ds_actor": forged})[0] == 403
    assert inner.calls == calls + 4
    # A page that shows A's token outside a form (a parameter echoing it) is not kept.
    echoing = f"/oversight/cadre_profile?cadre_id={a['ds_csrftoken']}"
    assert a["ds_csrftoken"] in _ask(cache, echoing, a)[2]
    status, headers, page = _ask(cache, echoing, b)
    assert b"x-cadre-page" not in headers and inner.calls == calls + 6
    assert _token_in(page) == b["ds_csrftoken"] and a["ds_csrftoken"] in page   # as asked


def _signed_elsewhere(actor: dict) -> str:
    """A login cookie for ``actor`` signed with a secret that is not the server's."""
    from datasette.app import Datasette

    return Datasette(secret="another secret").sign({"a": actor}, "actor")


class Echo:
    """A stand-in app whose page shows the request's login cookie."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        login = re.search(rb"ds_actor=([^;]+)", dict(scope["headers"])[b"cookie"]).group(1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"you: " + login})


def test_a_page_showing_the_login_cookie_is_never_kept() -> None:
    from datasette.app import Datasette

    ds = Datasette(secret=SECRET)
    cache = PageCache(Echo(), ds)
    a = _reader(ds, OVERSIGHT, "A" * 32)
    b = _reader(ds, OVERSIGHT, "B" * 32)
    _ask(cache, "/db/t", a)
    status, headers, page = _ask(cache, "/db/t", b)
    assert status == 200 and b"x-cadre-page" not in headers and a["ds_actor"] not in page
    assert cache.pages == {}


class Form:
    """A stand-in page: a form with the reader's token (as Datasette's templates write it) and
    the query string shown as text."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        token = re.search(rb"ds_csrftoken=([^;]+)", dict(scope["headers"])[b"cookie"]).group(1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'<input name="csrftoken" value="'
                    + token + b'"> ' + scope["query_string"]})


def test_a_token_shown_outside_a_form_is_never_kept() -> None:
    from datasette.app import Datasette

    ds = Datasette(secret=SECRET)
    cache = PageCache(Form(), ds)
    a = _reader(ds, OVERSIGHT, "A" * 32)
    b = _reader(ds, OVERSIGHT, "B" * 32)
    _ask(cache, "/db/q?x=1", a)
    _, headers, page = _ask(cache, "/db/q?x=1", b)
    assert headers[b"x-cadre-page"] == b"cached" and page == (
        f'<input name="csrftoken" value="{b["ds_csrftoken"]}"> x=1')
    _ask(cache, f"/db/q?x={a['ds_csrftoken']}", a)
    _, headers, page = _ask(cache, f"/db/q?x={a['ds_csrftoken']}", b)
    assert b"x-cadre-page" not in headers and page == (
        f'<input name="csrftoken" value="{b["ds_csrftoken"]}"> x={a["ds_csrftoken"]}')


def test_an_expiring_login_is_honoured_within_the_memo_window(monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    import time

    from datasette.app import Datasette
    from datasette.utils import baseconv

    from cadre_sdk.publish import page_cache

    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    ds = Datasette(secret=SECRET)
    inner = Rendering(Form())
    cache = PageCache(inner, ds)
    ends = int(time.time()) + 3600
    a = _reader(ds, OVERSIGHT, "A" * 32)
    a["ds_actor"] = ds.sign({"a": {**OVERSIGHT, "sid": "A" * 32},
                             "e": baseconv.base62.encode(ends)}, "actor")
    b = _reader(ds, OVERSIGHT, "B" * 32)
    _ask(cache, "/db/q", b)
    assert _ask(cache, "/db/q", a)[1][b"x-cadre-page"] == b"cached"
    monkeypatch.setattr("datasette.actor_auth_cookie.time.time", lambda: ends + 1.0)
    clock[0] += page_cache.MEMO_SECONDS / 2     # the reader worked out half a second ago
    assert _ask(cache, "/db/q", a)[1][b"x-cadre-page"] == b"cached"
    clock[0] += page_cache.MEMO_SECONDS         # worked out again: expired, no actor
    assert b"x-cadre-page" not in _ask(cache, "/db/q", a)[1] and inner.calls == 2
