"""Pages answered once per published version: an ASGI cache in front of one version's
Datasette (``hotswap.Version``), so the home page, the database page, table pages and canned
queries cost a dictionary look-up instead of tens of queries and a template render on every
visit, for anonymous readers and for logged-in (oversight) readers alike.

The file is immutable, so a page depends only on the request, and the cache belongs to the
version (a republished file gets a new, empty one: the key is in effect the file's SHA-256).
Kept: answers 200 to a GET that set no cookie, whole bodies up to ``MAX_BODY`` bytes, keyed
by host (pages carry absolute links), raw path, query string and *who asks*:

- an anonymous reader: a request without any cookie (``ANONYMOUS`` in the key);
- a logged-in reader: a request whose only cookies are ``ds_actor`` (the login) and
  ``ds_csrftoken`` (the form token), in one Cookie header, without an Authorization header,
  outside ``/-/`` (the login, logout, actor and debugging pages describe the reader or the
  server's state); the key holds the actor Datasette will see, worked out here by Datasette's
  own ``actor_from_request`` hooks (signature and expiry checked), every field but ``sid``.

Why a page rendered for reader A may be sent to reader B (the security argument). Datasette
renders a page from the request: method, path, query, host, headers and, from the cookies,
the actor (who may see what, the name in the menu) and the CSRF token (in the logout form and
other forms). A and B share an entry only if their path, query and host are the same, neither
sends any other cookie (``ds_messages`` would show A's messages) or an Authorization header,
and their actors are equal field by field except the session id ``sid``: every permission
check, menu link and name shown is the same for both. ``sid`` is read only by
``login.LoginGuard``, in front of this cache, and shown on no page this cache keeps (pages
under ``/-/`` are never kept; a body containing A's ``sid`` or login cookie is not kept
either). The CSRF token differs between readers: a body is kept as the pieces around A's
token (A's ``ds_csrftoken`` cookie, a signed random string), kept only if every place it
appears is a form's ``csrftoken`` field (a query that reflects the token is not kept), and B
gets them joined by B's own token, checked as ``asgi_csrf`` checks it (B without a
valid one gets a fresh render, which sets B's cookie and is not kept). So B receives byte for
byte the page Datasette would have rendered for B. Different actors (another account, another
name, any other field) never share an entry, nor do anonymous and logged-in readers.

Logging out and expiry: an entry holds nothing of A's session, and every request is checked
before any entry is looked at: ``LoginGuard`` drops a login cookie whose session is closed
(logged out) and here an expired or badly signed cookie gives no actor, so such a request
is not a logged-in reader's and is answered by Datasette (403 at oversight level). The actor
worked out from a Cookie header is remembered for ``MEMO_SECONDS`` (its signature costs more
to check than a page costs to answer): a cookie's own expiry time is honoured within that
second; a logout at once (the guard has dropped the cookie: another header).

Readers asking at once for a page that is being rendered wait for that render and are answered
from the cache (or, if the page may not be kept, each gets a render of their own): a page that
takes 300 ms is not rendered once per waiting reader.

``warm`` renders the pages every anonymous reader starts from (home, database, each table)
right after the version is opened, so not even the first reader waits. Every answer from the
cache carries the header ``X-Cadre-Page: cached``.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any

#: Largest page kept (a CSV export of a whole table is not).
MAX_BODY = 2 * 1024 * 1024
#: Most bytes kept in all (least recently used pages go first).
MAX_BYTES = 96 * 1024 * 1024
#: How long the reader worked out from one Cookie header is remembered (seconds), and how many
#: Cookie headers at most (checking a login's signature costs more than answering a page).
MEMO_SECONDS = 1.0
MEMO_SIZE = 1024
#: Who asks, in the key of an anonymous reader's page.
ANONYMOUS = ""
ACTOR_COOKIE = "ds_actor"
TOKEN_COOKIE = "ds_csrftoken"
#: Set on every answer taken from the cache.
CACHED_HEADER = (b"x-cadre-page", b"cached")

Key = tuple[bytes, bytes, bytes, str]


class _Reader:
    """A logged-in request the cache may answer: its key part, token and login cookie."""

    __slots__ = ("who", "token", "login", "sid")

    def __init__(self, who: str, token: str | None, login: str, sid: str | None) -> None:
        self.who, self.token, self.login, self.sid = who, token, login, sid


class PageCache:
    """The ASGI app ``app`` with its cacheable answers remembered (see the module docstring).
    ``datasette``, the Datasette behind ``app``, works out a logged-in reader's actor and
    checks form tokens; without it only anonymous readers' pages are kept."""

    def __init__(self, app: Any, datasette: Any = None) -> None:
        self.app = app
        self.datasette = datasette
        self.pages: OrderedDict[Key, tuple[list, list[bytes]]] = OrderedDict()
        self.size = 0
        self._tokens: Any = None
        self._readers: dict[bytes, tuple[_Reader | None, float]] = {}
        #: Pages being rendered: a request for one waits for that render instead of starting
        #: its own (16 readers asking at once for a page that takes 300 ms to render would
        #: otherwise render it 16 times, one after the other on the server's cores).
        self._rendering: dict[Key, asyncio.Event] = {}

    @staticmethod
    def _parts(scope: dict) -> tuple[bytes, bytes, bytes, bytes | None] | None:
        """Host, raw path, query and the one Cookie header (None if there is none) of a GET;
        None for a request whose answer is never kept."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        host, cookie = b"", None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                if cookie is not None:
                    return None
                cookie = value
            elif name == b"host":
                host = value
            elif name == b"authorization":
                return None
        path = scope.get("raw_path") or urllib.parse.quote(scope["path"]).encode("ascii")
        return host, path, scope.get("query_string", b""), cookie

    async def _reader(self, scope: dict, receive: Any, cookie: bytes) -> _Reader | None:
        """The logged-in reader asking (see the module docstring), or None; worked out once
        per Cookie header and ``MEMO_SECONDS``."""
        if self.datasette is None or scope["path"].startswith("/-/") or \
                (scope.get("raw_path") or b"").startswith(b"/-/"):
            return None
        now = time.monotonic()
        memo = self._readers.get(cookie)
        if memo is not None and now - memo[1] < MEMO_SECONDS:
            return memo[0]
        reader = await self._work_out(scope, receive, cookie)
        if len(self._readers) >= MEMO_SIZE:
            self._readers.clear()
        self._readers[cookie] = (reader, now)
        return reader

    async def _work_out(self, scope: dict, receive: Any, cookie: bytes) -> _Reader | None:
        """The logged-in reader asking, as Datasette sees them (its ``actor_from_request``
        hooks), or None."""
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie.decode("latin-1"))
        except CookieError:
            return None
        if ACTOR_COOKIE not in jar or not set(jar) <= {ACTOR_COOKIE, TOKEN_COOKIE}:
            return None
        from datasette.plugins import pm
        from datasette.utils import await_me_maybe
        from datasette.utils.asgi import Request

        actor = None
        for found in pm.hook.actor_from_request(datasette=self.datasette,
                                                request=Request(scope, receive)):
            actor = await await_me_maybe(found)
            if actor:
                break
        if not isinstance(actor, dict) or not actor:
            return None
        who = json.dumps({k: v for k, v in actor.items() if k != "sid"}, sort_keys=True,
                         ensure_ascii=False, default=repr)
        sid = actor.get("sid")
        token = jar[TOKEN_COOKIE].value if TOKEN_COOKIE in jar else None
        return _Reader(who, token if token and self._valid_token(token) else None,
                       jar[ACTOR_COOKIE].value, sid if isinstance(sid, str) and sid else None)

    def _valid_token(self, token: str) -> bool:
        """Whether Datasette's ``asgi_csrf`` accepts ``token`` (signed with its secret)."""
        if self._tokens is None:
            from itsdangerous.url_safe import URLSafeSerializer
            self._tokens = URLSafeSerializer(self.datasette._secret)
        try:
            self._tokens.loads(token, "csrftoken")
        except Exception:  # noqa: BLE001 - a bad signature or shape: not a token
            return False
        return True

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Answer from the cache, or from the app (remembering a cacheable answer)."""
        parts = self._parts(scope)
        reader = None
        if parts is not None and parts[3] is not None:
            reader = await self._reader(scope, receive, parts[3])
            if reader is None:
                parts = None
        if parts is None:
            await self.app(scope, receive, send)
            return
        key: Key = (*parts[:3], ANONYMOUS if reader is None else reader.who)
        if await self._answered(key, reader, send):
            return
        rendering = self._rendering.get(key)
        if rendering is not None:          # the same page is being rendered: wait for it
            await rendering.wait()
            if await self._answered(key, reader, send):
                return
        if key in self._rendering:         # (another waiter started a render meanwhile)
            await self.app(scope, receive, send)
            return
        self._rendering[key] = done = asyncio.Event()
        try:
            await self._render(key, reader, scope, receive, send)
        finally:
            del self._rendering[key]
            done.set()

    async def _answered(self, key: Key, reader: _Reader | None, send: Any) -> bool:
        """Send the kept page of ``key`` if there is one ``reader`` may have (whether it did)."""
        hit = self.pages.get(key)
        if hit is None or not (len(hit[1]) == 1 or reader is not None and reader.token):
            return False
        self.pages.move_to_end(key)
        headers, pieces = hit
        body = pieces[0] if len(pieces) == 1 else reader.token.encode().join(pieces)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_sized(headers, len(body)), CACHED_HEADER]})
        await send({"type": "http.response.body", "body": body})
        return True

    async def _render(self, key: Key, reader: _Reader | None, scope: dict, receive: Any,
                      send: Any) -> None:
        """Answer from the app, keeping the answer under ``key`` if it may be kept."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0

        async def remember(message: dict) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= MAX_BODY:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            await send(message)

        await self.app(scope, receive, remember)
        headers = list(start.get("headers", []))
        if start.get("status") != 200 or size > MAX_BODY or any(
                name.lower() == b"set-cookie" for name, _ in headers):
            return
        pieces = _pieces(b"".join(chunks), headers, reader)
        if pieces is not None:
            self._keep(key, (headers, pieces))

    def _keep(self, key: Key, page: tuple[list, list[bytes]]) -> None:
        self.pages[key] = page
        self.size += sum(map(len, page[1]))
        while self.size > MAX_BYTES and self.pages:
            _, (_, pieces) = self.pages.popitem(last=False)
            self.size -= sum(map(len, pieces))

    async def warm(self, paths: Iterable[str], host: str) -> None:
        """Render ``paths`` (as an anonymous reader asking ``host`` would ask for them) into
        the cache."""
        for path in paths:
            scope = {"type": "http", "method": "GET", "path": path,
                     "raw_path": urllib.parse.quote(path).encode("ascii"),   # as a client sends it
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


def _pieces(body: bytes, headers: list, reader: _Reader | None) -> list[bytes] | None:
    """``body`` as kept: whole for an anonymous reader; for a logged-in reader the pieces
    around the reader's form token, or None when the page or its headers show anything else
    of the reader's (the login cookie, the session id) or a token the reader did not send."""
    if reader is None:
        return [body]
    token = reader.token.encode("latin-1") if reader.token else None
    others = [reader.login.encode("latin-1"), *([reader.sid.encode()] if reader.sid else [])]
    if any(mine in value for _, value in headers for mine in (*others, token) if mine):
        return None
    if any(mine in body for mine in others):
        return None
    if not token:
        return [body]
    if body.count(token) != body.count(b'name="csrftoken" value="' + token + b'"'):
        return None   # the token elsewhere too (a query reflecting it): not only a form's
    return body.split(token)


def _sized(headers: list, size: int) -> list:
    """``headers`` with any Content-Length set to ``size`` (a filled-in token's length)."""
    return [(k, str(size).encode()) if k.lower() == b"content-length" else (k, v)
            for k, v in headers]
