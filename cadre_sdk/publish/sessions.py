"""The oversight login's server-side state: open sessions and recent failed logins, in a small
SQLite file that every worker process of one ``cadre serve`` shares.

A login cookie is valid only while its session is open here: logging out closes it, so the
cookie is refused afterwards even though its signature is still good, and a cookie signed with
the server's secret but never issued by a login (no session) is refused too. Failed logins are
counted per account name and per client address: ``MAX_FAILURES`` within ``WINDOW_SECONDS``
and further attempts are refused (429) until the window has passed.
"""
from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

#: Failed logins allowed per account and per address within the window (an SDK choice:
#: guessing a strong password at 5 a minute takes longer than any password lives).
MAX_FAILURES = 5
WINDOW_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (sid TEXT PRIMARY KEY, actor TEXT NOT NULL,
                                    opened REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failure (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failure_key ON failure (key, at);
"""


class SessionStore:
    """Sessions and failed logins in the SQLite file ``path`` (created if missing)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                    timeout=5.0)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(_SCHEMA)

    def open_session(self, actor_id: str) -> str:
        """A new session for ``actor_id``; returns its id (goes into the signed cookie)."""
        sid = secrets.token_urlsafe(24)
        self.conn.execute("INSERT INTO session VALUES (?, ?, ?)", [sid, actor_id, self.clock()])
        return sid

    def is_open(self, sid: object) -> bool:
        """Whether the session ``sid`` was opened and not closed."""
        if not isinstance(sid, str):
            return False
        return self.conn.execute("SELECT 1 FROM session WHERE sid = ?", [sid]).fetchone() \
            is not None

    def close_session(self, sid: object) -> None:
        """Close the session ``sid`` (logging out): its cookie is refused from now on."""
        if isinstance(sid, str):
            self.conn.execute("DELETE FROM session WHERE sid = ?", [sid])

    def recent_failures(self, keys: list[str]) -> int:
        """The most failed logins any of ``keys`` had within the window."""
        since = self.clock() - WINDOW_SECONDS
        return max((self.conn.execute(
            "SELECT count(*) FROM failure WHERE key = ? AND at > ?", [k, since]).fetchone()[0]
            for k in keys), default=0)

    def record_failure(self, keys: list[str]) -> None:
        """Count one failed login against each of ``keys`` (and forget old ones)."""
        now = self.clock()
        with self.conn:
            self.conn.execute("DELETE FROM failure WHERE at <= ?", [now - WINDOW_SECONDS])
            self.conn.executemany("INSERT INTO failure VALUES (?, ?)", [(k, now) for k in keys])

    def limited(self, keys: list[str]) -> bool:
        """Whether a login for ``keys`` must be refused without checking the password."""
        return self.recent_failures(keys) >= MAX_FAILURES
