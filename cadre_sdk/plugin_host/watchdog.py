"""Calling plugins' code: each hook implementation and rule function runs under a time limit
(``plugin_time_limit``) and, for rule SQL, read-only; faults name the plugin and the hook.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.tracebacks import origin, where_defined
from cadre_sdk.plugin_host.rule_book import Registration


def _hook_caller(function: Callable, argnames: tuple[str, ...]) -> Callable[[str, Any], Any]:
    """``call(kind, record)`` passing a ``validate_record`` implementation the arguments it
    declares (pluggy's ``argnames``, in the function's order)."""
    names = tuple(argnames)
    if names == ("kind", "record"):
        return function  # called as function(kind, record), as pluggy would
    return lambda kind, record: function(**{n: {"kind": kind, "record": record}[n]
                                            for n in names})


def call_impl(impl: Any, hook: str, **kwargs: Any) -> Any:
    """Call one plugin's implementation of a hook, naming the plugin if it fails."""
    try:
        with _limited(_timeout(), impl.plugin_name, hook):
            return impl.function(**{k: kwargs[k] for k in impl.argnames})
    except PluginError:
        raise
    except Exception as exc:  # a plugin's fault, whatever it is, must name the plugin
        raise PluginError(impl.plugin_name, hook, f"raised {type(exc).__name__}: {exc}"
                          f"{origin(exc)}",
                          "fix the plugin, or remove it; nothing was written.") from exc


#: Seconds one call into a plugin may run before it is stopped (``CADRE_PLUGIN_TIMEOUT``).
DEFAULT_TIMEOUT = 30.0


def _timeout() -> float:
    try:
        return float(os.environ.get("CADRE_PLUGIN_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


class _Watch:
    """The plugin time limit's state: how deeply the watchdog is armed and by which thread, the
    handler it replaced, how long it sleeps between looks, and the plugin call in progress as
    ``(plugin, hook, limit, deadline)`` (``None`` between calls)."""

    __slots__ = ("depth", "owner", "previous", "interval", "call")

    def __init__(self) -> None:
        self.depth, self.owner, self.previous, self.interval = 0, 0, None, 0.0
        self.call: tuple[str, str, float, float] | None = None


_WATCH = _Watch()


#: The soonest the watchdog sets its next alarm, in seconds. An alarm arriving while the
#: handler still runs is taken only at the next bytecode: a plugin blocked in a system call
#: (a sleep, a read) would run on to the end of it. (And ``setitimer`` below a microsecond
#: is no alarm at all: it disarms the timer.)
_SOONEST = 0.005


def _arm(seconds: float) -> None:
    """The next alarm in ``seconds`` (``_SOONEST`` at least), then one every interval until
    the handler sets the next: an alarm taken too late to interrupt a blocked call (see
    ``_SOONEST``) is followed by another, which does."""
    signal.setitimer(signal.ITIMER_REAL, max(seconds, _SOONEST), _WATCH.interval)


def _on_alarm(signum: int, frame: Any) -> None:
    """The watchdog's SIGALRM handler: stop the call in progress if it has run past its limit,
    otherwise sleep until the earliest moment a call could have."""
    if not _WATCH.depth:   # sent as the block ended (``plugin_time_limit``): nothing to watch
        return
    call = _WATCH.call
    left = _WATCH.interval if call is None else call[3] - time.monotonic()
    _arm(left if left > 0 else _WATCH.interval)
    if call is not None and left <= 0:
        plugin, hook, limit, _ = call
        raise PluginError(plugin, hook, f"ran past the time limit of {limit:g} s",
                          "make it faster, raise CADRE_PLUGIN_TIMEOUT, or remove the plugin; "
                          "nothing was written.")


@contextlib.contextmanager
def plugin_time_limit() -> Iterator[bool]:
    """Arm the plugin watchdog around many plugin calls (a batch of rows, an engine's loop).

    SIGALRM's handler is installed and the timer started once; each plugin call inside
    (``call_impl``, ``call_rule``, ``CadrePlugins.record_validator``) only notes which plugin
    and hook it runs and its deadline. A call running past ``CADRE_PLUGIN_TIMEOUT`` seconds is
    stopped with a ``PluginError`` naming the plugin and the hook, exactly as outside a block.
    Yields whether the watchdog runs (main thread, a limit above 0). Blocks nest.
    """
    if _WATCH.depth:
        if threading.get_ident() != _WATCH.owner:
            yield False
            return
        _WATCH.depth += 1
        try:
            yield True
        finally:
            _WATCH.depth -= 1
        return
    limit = _timeout()
    if limit <= 0 or not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield False
        return
    _WATCH.previous = signal.signal(signal.SIGALRM, _on_alarm)
    _WATCH.depth, _WATCH.owner, _WATCH.interval, _WATCH.call = 1, threading.get_ident(), limit, None
    _arm(limit)
    try:
        yield True
    finally:
        # disarmed first: an alarm pending as the timer stops finds nothing to watch
        # (``_on_alarm``; it runs at the latest as the handler is put back) and sets no other
        _WATCH.depth, _WATCH.call = 0, None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, _WATCH.previous)
        _WATCH.previous = None


def _enter_call(seconds: float, plugin: str, hook: str) -> tuple | None:
    """Note a plugin call under an armed watchdog; returns the call it interrupts (to give
    back to ``_WATCH.call`` when it ends)."""
    if seconds < _WATCH.interval:   # the watchdog must look sooner than it planned to
        _WATCH.interval = seconds
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        if not 0 < left <= seconds:
            _arm(seconds)
    outer = _WATCH.call
    _WATCH.call = (plugin, hook, seconds, time.monotonic() + seconds)
    return outer


@contextlib.contextmanager
def _limited(seconds: float, plugin: str, hook: str) -> Iterator[None]:
    """Run one plugin call under a time limit of ``seconds`` (none if ``<= 0``): cheap inside
    ``plugin_time_limit()``; elsewhere the watchdog is armed for this call alone."""
    if seconds <= 0:
        yield
        return
    if not _WATCH.depth:
        with plugin_time_limit() as watched:
            if not watched:
                yield
                return
            yield from _watched_call(seconds, plugin, hook)
        return
    if threading.get_ident() != _WATCH.owner:
        yield
        return
    yield from _watched_call(seconds, plugin, hook)


def _watched_call(seconds: float, plugin: str, hook: str) -> Iterator[None]:
    """The body of ``_limited`` once the watchdog runs: this call's deadline, then the
    enclosing call's again (a plain generator: ``yield from`` it)."""
    outer = _enter_call(seconds, plugin, hook)
    try:
        yield
    finally:
        _WATCH.call = outer


_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                           sqlite3.SQLITE_RECURSIVE})


def _read_only(action: int, *args: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


def call_rule(reg: Registration, function: Any, *args: Any, returns: type | tuple | None = None,
              subject: str = "", conn: sqlite3.Connection | None = None) -> Any:
    """Call a registered rule's function (e.g. ``reg.item.compute``) for one subject.

    A fault of the plugin's code becomes a ``PluginError`` naming the plugin and the rule; so
    does running past the time limit, and returning the wrong type when ``returns`` is given.
    ``subject`` (e.g. ``"cadre C1, month 2024-01"``) says in the message what the call was for.
    ``conn``: the rule runs SQL on this connection; it may only read (an authorizer refuses
    writes, transactions, ATTACH and PRAGMA: a rule cannot change or commit stored data), and
    the time limit stops the SQL too (a signal cannot interrupt SQLite, so a progress handler
    checks the clock).
    """
    hook = f"{reg.hook} ({reg.kind} {reg.key!r})"
    where = f" ({subject})" if subject else ""
    limit = _timeout()
    deadline = time.monotonic() + limit
    sql_limit = conn is not None and limit > 0
    if sql_limit:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    if conn is not None:
        conn.set_authorizer(_read_only)
    try:
        # For SQL the progress handler keeps time: an alarm would fire inside its callback.
        with _limited(0 if sql_limit else limit, reg.plugin, hook):
            got = function(*args)
    except Exception as exc:
        if sql_limit and time.monotonic() > deadline:  # SQLite reports only "interrupted"
            raise PluginError(reg.plugin, hook, f"ran past the time limit of {limit:g} s{where}",
                              "make it faster, raise CADRE_PLUGIN_TIMEOUT, or remove the "
                              "plugin; nothing was written.") from exc
        if isinstance(exc, PluginError):
            if exc.problem.startswith("ran past the time limit") and where \
                    and where not in exc.problem:   # the alarm knows no subject
                raise PluginError(exc.plugin, exc.hook, f"{exc.problem}{where_defined(function)}"
                                  f"{where}", exc.fix) from exc
            raise
        raise PluginError(reg.plugin, hook, f"raised {type(exc).__name__}: {exc}{origin(exc)}"
                          f"{where}",
                          "fix the rule, or remove the plugin; nothing was written.") from exc
    finally:
        if sql_limit:
            conn.set_progress_handler(None, 0)
        if conn is not None:
            conn.set_authorizer(None)
    if returns is not None and not isinstance(got, returns) or isinstance(got, bool) and \
            returns in (int, float, (int, float)):
        want = returns.__name__ if isinstance(returns, type) else \
            " or ".join(t.__name__ for t in returns)
        raise PluginError(reg.plugin, hook, f"returned {type(got).__name__} {got!r:.60}, "
                          f"expected {want}{where_defined(function)}{where}",
                          "return the type cadre_sdk.rules documents "
                          "for this rule, or remove the plugin; nothing was written.")
    return got
