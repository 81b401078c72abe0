"""Working days on the official Chinese calendar (weekends, statutory holidays and the make-up
working days 调休上班), from the maintained ``chinesecalendar`` package.

Time limits of the fault-tolerance procedure are counted in working days: the day an event
happens is day 0, and a limit of *n* working days ends on the *n*-th working day after it.
The package only knows the years the State Council has published schedules for; a date outside
them is a :class:`CalendarError` (in Chinese, for the clerk or official who sees it) rather than
a silent guess.
"""
from __future__ import annotations

import datetime
import functools

import chinese_calendar
from chinese_calendar import constants as _calendar_data

from .errors import CadreError

__all__ = ["CalendarError", "add_workdays", "is_workday", "supported_years", "workdays_between"]

_ONE_DAY = datetime.timedelta(days=1)


class CalendarError(CadreError):
    """A date outside the years the installed calendar knows."""


@functools.cache
def supported_years() -> tuple[int, int]:
    """The first and last year whose holidays the installed ``chinesecalendar`` knows."""
    years = [d.year for d in _calendar_data.holidays]
    return min(years), max(years)


def _check(day: datetime.date) -> None:
    first, last = supported_years()
    if not first <= day.year <= last:
        version = getattr(chinese_calendar, "__version__", "?")
        raise CalendarError(
            f"日期 {day.isoformat()} 超出工作日历的范围：当前安装的 chinesecalendar {version} "
            f"只收录 {first}–{last} 年的法定节假日和调休安排，无法按工作日计算时限。"
            "请升级 chinesecalendar（pip install -U chinesecalendar）后重试。")


def is_workday(day: datetime.date) -> bool:
    """Whether ``day`` is a working day: a weekday that is not a statutory holiday, or a
    weekend day made a working day (调休上班)."""
    _check(day)
    return _is_workday(day)


def _is_workday(day: datetime.date) -> bool:
    # The package's own is_workday re-derives its year range on every call; the rule is the
    # same, read from its published tables: a make-up working day, or a weekday not a holiday.
    return day in _calendar_data.workdays or (day.weekday() < 5
                                               and day not in _calendar_data.holidays)


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted; ``n = 0``
    gives ``start``). ``n`` must not be negative."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    _check(start)
    day = start
    while n:
        day += _ONE_DAY
        _check(day)
        n -= _is_workday(day)
    return day


def workdays_between(a: datetime.date, b: datetime.date) -> int:
    """Working days ``d`` with ``a < d <= b`` (negative, counted the same way, if ``b < a``),
    so that ``workdays_between(a, add_workdays(a, n)) == n``."""
    if b < a:
        return -workdays_between(b, a)
    _check(a)
    _check(b)
    count, day = 0, a
    while day < b:
        day += _ONE_DAY
        count += _is_workday(day)
    return count
