"""Pages answered once per published version: an ASGI cache in front of one version's
Datasette (``hotswap.Version``), so the home page, the database page and table pages cost a
dictionary look-up instead of tens of queries and a template render on every visit.

The file is immutable, so a page depends only on the request, and the cache belongs to the
version (a republished file gets a new, empty one: the key is in effect the file's SHA-256).
Only what cannot depend on who asks is kept: GET requests without cookies (anonymous readers;
a logged-in reader's pages are never cached), answered 200 without setting a cookie, whole
bodies up to ``MAX_BODY`` bytes. ``warm`` renders the pages every reader starts from (home,
database, each table) right after the version is opened, so not even the first reader waits.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

#: Largest page kept (a CSV export of a whole table is not).
MAX_BODY = 2 * 1024 * 1024
#: Most bytes kept in all (least recently used pages go first).
MAX_BYTES = 96 * 1024 * 1024


class PageCache:
    """The ASGI app ``app`` with its cacheable answers remembered (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pages: OrderedDict[tuple[bytes, str, bytes], tuple[int, list, bytes]] = \
            OrderedDict()
        self.size = 0

    @staticmethod
    def _key(scope: dict) -> tuple[bytes, str, bytes] | None:
        """Host (pages carry absolute links to their JSON), path and query; None for a
        request whose answer is not kept."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        host = b""
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                return None
            if name == b"host":
                host = value
        return host, scope["path"], scope.get("query_string", b"")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Answer from the cache, or from the app (remembering a cacheable answer)."""
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        hit = self.pages.get(key)
        if hit is not None:
            self.pages.move_to_end(key)
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        size = 0

        async def remember(message: dict) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= MAX_BODY:
                parts.append(message.get("body", b""))
                size += len(parts[-1])
            await send(message)

        await self.app(scope, receive, remember)
        headers = list(start.get("headers", []))
        if start.get("status") == 200 and size <= MAX_BODY and not any(
                name.lower() == b"set-cookie" for name, _ in headers):
            self._keep(key, (200, headers, b"".join(parts)))

    def _keep(self, key: tuple[bytes, str, bytes], page: tuple[int, list, bytes]) -> None:
        self.pages[key] = page
        self.size += len(page[2])
        while self.size > MAX_BYTES and self.pages:
            _, (_, _, body) = self.pages.popitem(last=False)
            self.size -= len(body)

    async def warm(self, paths: Iterable[str], host: str) -> None:
        """Render ``paths`` (as an anonymous reader asking ``host`` would ask for them) into
        the cache."""
        for path in paths:
            scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                     "query_string": b"", "headers": [(b"host", host.encode("latin-1"))],
                     "scheme": "http", "http_version": "1.1", "root_path": "",
                     "server": ("localhost", 80), "client": ("127.0.0.1", 0),
                     "asgi": {"version": "3.0"}}

            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def discard(message: dict) -> None:
                return None

            try:
                await self(scope, receive, discard)
            except Exception:  # noqa: BLE001, S110 - a page that fails is rendered (and fails) later
                pass
            await asyncio.sleep(0)   # let readers' requests in between
