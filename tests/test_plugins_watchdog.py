"""The plugin time limit: one watchdog (SIGALRM handler and interval timer) armed around many
plugin calls, each call noting only who runs. A call past ``CADRE_PLUGIN_TIMEOUT`` seconds is
stopped with an error naming the plugin and the hook; calls under it are never stopped, however
long the block of calls lasts."""
from __future__ import annotations

import signal
import threading
import time
from types import SimpleNamespace

import pytest

from cadre_sdk import hookimpl
from cadre_sdk.core.errors import DataError, PluginError
from cadre_sdk.ingest.loader import load_files
from cadre_sdk.plugin_host import watchdog
from cadre_sdk.plugin_host.watchdog import call_impl, plugin_time_limit
from cadre_sdk.testing import make_db, make_plugins


def impl(name: str, seconds: float) -> SimpleNamespace:
    """A hook implementation (as pluggy hands them out) that sleeps, then returns None."""
    return SimpleNamespace(plugin_name=name, function=lambda: time.sleep(seconds), argnames=())


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", "0.2")


def test_calls_under_the_limit_are_never_stopped_however_long_the_block(limit):
    started = time.monotonic()
    with plugin_time_limit() as watched:
        for _ in range(6):
            call_impl(impl("quick", 0.06), "validate_record")
    assert watched
    assert time.monotonic() - started > 0.3  # the block outlasted the limit; no call did


def test_a_call_past_the_limit_is_stopped_and_named_inside_a_block(limit):
    with plugin_time_limit():
        call_impl(impl("quick", 0.01), "validate_record")
        started = time.monotonic()
        with pytest.raises(PluginError, match="time limit of 0.2 s") as err:
            call_impl(impl("sluggish", 5), "register_queries")
        assert 0.15 < time.monotonic() - started < 2
        assert (err.value.plugin, err.value.hook) == ("sluggish", "register_queries")
        # The watchdog still watches the calls after it.
        with pytest.raises(PluginError) as again:
            call_impl(impl("sluggish2", 5), "validate_record")
        assert again.value.plugin == "sluggish2"


def test_an_alarm_a_hair_before_the_deadline_still_stops_a_blocked_call(limit, monkeypatch):
    """The alarm may come a hair before a call's deadline (here 0.1 µs: the clocks differ).
    The next one must neither be lost (``setitimer`` below a microsecond disarms the timer)
    nor come while the handler still runs (it would be taken only after the blocked call
    ends); and one taken too late is followed by another (the timer repeats)."""
    with plugin_time_limit():
        now = time.monotonic()
        watchdog._WATCH.call = ("early", "validate_record", 0.2, now + 1e-7)
        try:
            with monkeypatch.context() as patched:
                patched.setattr(watchdog, "time", SimpleNamespace(monotonic=lambda: now))
                watchdog._on_alarm(signal.SIGALRM, None)   # 0.1 µs early: not stopped yet
            next_alarm, repeat = signal.getitimer(signal.ITIMER_REAL)
            assert next_alarm > 0.001 and repeat == pytest.approx(0.2)
            started = time.monotonic()
            with pytest.raises(PluginError, match="time limit") as err:
                time.sleep(2)   # the plugin's call, blocked
            assert time.monotonic() - started < 1
            assert err.value.plugin == "early"
        finally:
            watchdog._WATCH.call = None


def test_the_handler_and_timer_are_put_back_after_the_block(limit):
    def mine(signum, frame):  # pragma: no cover - never fires
        raise AssertionError("the watchdog's alarm reached the previous handler")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with plugin_time_limit():
            assert signal.getsignal(signal.SIGALRM) is not mine
            with plugin_time_limit():  # nested: the same watchdog
                call_impl(impl("quick", 0.01), "validate_record")
            assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        call_impl(impl("alone", 0.01), "validate_record")  # a call alone arms and disarms
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_no_limit_when_the_setting_is_zero(monkeypatch):
    monkeypatch.setenv("CADRE_PLUGIN_TIMEOUT", "0")
    with plugin_time_limit() as watched:
        call_impl(impl("slowish", 0.05), "validate_record")
    assert not watched


def test_other_threads_run_plugins_without_the_watchdog(limit):
    seen = []

    def work():
        with plugin_time_limit() as watched:
            call_impl(impl("threaded", 0.3), "validate_record")
            seen.append(watched)

    with plugin_time_limit():
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert seen == [False]


class Sleeper:
    """A plugin whose validate_record is slow for one cadre."""

    __name__ = "sleeper"

    @hookimpl
    def validate_record(self, kind, record):
        if kind == "unit" and record.code == "U3":
            time.sleep(5)


def test_a_slow_validate_record_stops_the_load_naming_plugin_and_hook(limit, tmp_path):
    plugins = make_plugins(Sleeper())
    db = make_db(tmp_path / "t.db", plugins)
    units = tmp_path / "u.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n" + "".join(
        f"U{i},单位{i},部门,县,632801\n" for i in range(1, 5)), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(PluginError, match="time limit of 0.2 s") as err:
        load_files(db, "unit", [units], plugins=plugins)
    assert time.monotonic() - started < 3
    assert (err.value.plugin, err.value.hook) == ("sleeper", "validate_record")
    assert db.conn.execute("SELECT count(*) FROM unit").fetchone()[0] == 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


class Picky:
    """A plugin with messages about some units, and a signature of its own order."""

    __name__ = "picky"

    @hookimpl
    def validate_record(self, record, kind):
        if kind == "unit" and record.code in ("U2", "U4"):
            return [f"单位“{record.code}”不可导入", "请联系管理员"]
        return None


def test_plugins_messages_name_each_row_in_a_load(tmp_path):
    plugins = make_plugins(Picky())
    db = make_db(tmp_path / "t.db", plugins)
    units = tmp_path / "u.csv"
    units.write_text("单位代码,单位名称,单位类别,单位层级,所在地区代码\n" + "".join(
        f"U{i},单位{i},部门,县,632801\n" for i in range(1, 5)), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_files(db, "unit", [units], plugins=plugins)
    assert [str(e) for e in err.value.errors] == [
        f"{units}:3: 单位“U2”不可导入", f"{units}:3: 请联系管理员",
        f"{units}:5: 单位“U4”不可导入", f"{units}:5: 请联系管理员"]
