"""The per-version page cache: anonymous GET pages are rendered once; a request with a cookie
(a logged-in reader), a POST, a page that sets a cookie or fails is always rendered afresh."""
from __future__ import annotations

import asyncio
from typing import Any

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


def _get(app: Any, path: str, *, method: str = "GET", cookie: bool = False,
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
    asyncio.run(app(scope, receive, send))
    return b"".join(body)


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
    assert _get(cache, "/t", cookie=True) == b"/t 2"     # a logged-in reader: always fresh
    assert _get(cache, "/cookie") != _get(cache, "/cookie")
    assert _get(cache, "/gone") != _get(cache, "/gone")
    assert _get(cache, "/t", method="POST") != _get(cache, "/t", method="POST")


def test_warming_renders_ahead() -> None:
    inner = Counting()
    cache = PageCache(inner)
    asyncio.run(cache.warm(["/", "/db"], "a:1"))
    assert inner.calls == 2
    assert _get(cache, "/db") == b"/db 2" and inner.calls == 2
