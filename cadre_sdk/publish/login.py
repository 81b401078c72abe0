"""The oversight login as ``cadre serve`` runs it: an ASGI layer around the publication that
limits failed logins, ties every login cookie to a server-side session and closes the session
on logout (state in ``sessions.SessionStore``).

datasette-auth-passwords still checks the password and makes the signed ``ds_actor`` cookie;
this layer
- refuses a login attempt with a Chinese 429 page once the account name or the client address
  has had ``MAX_FAILURES`` failed logins within a minute (the password is not even checked);
- on a successful login, opens a session and puts its id into the signed cookie;
- on every request, drops a ``ds_actor`` cookie whose session is not open (logged out, never
  issued, or signed by someone else) before Datasette reads it: the visitor is anonymous;
- on logout, closes the session.

The client address is the TCP peer's: behind a reverse proxy every visitor has the proxy's
address, and only the per-account limit distinguishes them.
"""
from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from datasette.app import Datasette

from cadre_sdk.publish.sessions import MAX_FAILURES, WINDOW_SECONDS, SessionStore

COOKIE = "ds_actor"
LOGIN_PATH = "/-/login"
LOGOUT_PATH = "/-/logout"
#: Login cookies whose signed session id is remembered (checking a signature costs more than
#: the rest of a cached page's answer).
SIGNED_MEMO = 1024

_TOO_MANY = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录尝试过多</title></head>
<body><h1>登录尝试过多</h1>
<p>该账号或本机地址在 {int(WINDOW_SECONDS)} 秒内登录失败已达 {MAX_FAILURES} 次，暂停登录。
请一分钟后再试；如忘记密码，请联系发布单位的管理员重新设置。</p>
<p><a href="/">返回首页</a></p></body></html>"""


def _cookies(scope: dict) -> SimpleCookie:
    """The request's cookies."""
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                pass
    return jar


def _without_cookie(scope: dict, name: str) -> dict:
    """``scope`` with the cookie ``name`` removed from its Cookie headers."""
    headers = []
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            parts = [p for p in value.decode("latin-1").split(";")
                     if p.strip().split("=", 1)[0] != name]
            if not parts:
                continue
            value = ";".join(parts).strip().encode("latin-1")
        headers.append((key, value))
    return dict(scope, headers=headers)


async def _read_body(receive: Any) -> bytes:
    """The whole request body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def _replay(body: bytes) -> Any:
    """A ``receive`` that gives ``body`` again."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


class LoginGuard:
    """The ASGI layer described in the module docstring, around ``app``; ``datasette()`` gives
    the Datasette currently served (its secret signs the cookies)."""

    def __init__(self, app: Any, datasette: Callable[[], Datasette],
                 store: SessionStore) -> None:
        self.app, self.datasette, self.store = app, datasette, store
        self._sids: dict[tuple[str, str], str | None] = {}

    def _session(self, scope: dict) -> str | None:
        """The open session the request's login cookie names, or None."""
        morsel = _cookies(scope).get(COOKIE)
        if morsel is None:
            return None
        sid = self._signed_sid(morsel.value)
        return sid if self.store.is_open(sid) else None

    def _signed_sid(self, value: str) -> str | None:
        """The session id signed into the login cookie ``value`` (None: a bad signature or
        shape). Remembered per value and secret: a signature's check has one answer."""
        ds = self.datasette()
        key = (ds._secret, value)
        if key not in self._sids:
            try:
                actor = ds.unsign(value, "actor")["a"]
            except Exception:  # noqa: BLE001 - a bad signature or shape: no session
                actor = None
            if len(self._sids) >= SIGNED_MEMO:
                self._sids.clear()
            self._sids[key] = actor.get("sid") if isinstance(actor, dict) else None
        return self._sids[key]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Check the login cookie; count, limit and complete logins; close sessions."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sid = self._session(scope)
        if sid is None:
            scope = _without_cookie(scope, COOKIE)
        path, method = scope["path"], scope["method"]
        if path == LOGIN_PATH and method == "POST":
            await self._login(scope, receive, send)
            return
        if path == LOGOUT_PATH and method == "POST" and sid is not None:
            self.store.close_session(sid)
        await self.app(scope, receive, send)

    async def _login(self, scope: dict, receive: Any, send: Any) -> None:
        """A login attempt: refused while limited, else passed on and its outcome kept."""
        body = await _read_body(receive)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        user = (form.get("username") or [""])[0]
        client = (scope.get("client") or ("?", 0))[0]
        keys = [f"user:{user}", f"address:{client}"]
        if self.store.limited(keys):
            await self._too_many(send)
            return
        outcome: dict[str, bool] = {"ok": False}

        async def complete(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers, made = [], False
                for key, value in message.get("headers", []):
                    if key.lower() == b"set-cookie" and value.startswith(COOKIE.encode() + b"="):
                        value, made = self._with_session(value), True
                    headers.append((key, value))
                outcome["ok"] = made and message["status"] in (301, 302, 303)
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, _replay(body), complete)
        if not outcome["ok"]:
            self.store.record_failure(keys)

    def _with_session(self, header: bytes) -> bytes:
        """The login cookie Datasette set, with a new session's id signed into it."""
        jar: SimpleCookie = SimpleCookie()
        jar.load(header.decode("latin-1"))
        ds = self.datasette()
        signed = ds.unsign(jar[COOKIE].value, "actor")
        actor = dict(signed["a"])
        actor["sid"] = self.store.open_session(str(actor.get("id", "")))
        jar[COOKIE] = ds.sign({**signed, "a": actor}, "actor")
        jar[COOKIE]["path"] = "/"
        jar[COOKIE]["httponly"] = True
        jar[COOKIE]["samesite"] = "lax"
        return jar.output(header="").strip().encode("latin-1")

    @staticmethod
    async def _too_many(send: Any) -> None:
        """The Chinese 429 page."""
        body = _TOO_MANY.encode("utf-8")
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"retry-after", str(int(WINDOW_SECONDS)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
