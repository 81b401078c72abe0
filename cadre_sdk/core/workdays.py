"""Working days on the official Chinese calendar (weekends, statutory holidays and the make-up
working days 调休上班), counted on an explicit :class:`Calendar` made of yearly schedules
(``cadre_sdk.core.calendar_years``; built for a store by ``cadre_sdk.store.calendar.calendar_for``).

Time limits of the fault-tolerance procedure are counted in working days: the day an event
happens is day 0, and a limit of *n* working days ends on the *n*-th working day after it.

A year nobody has supplied a schedule for is not an error: its days are counted on weekends
alone (Saturday and Sunday off, no holidays), and :meth:`Calendar.missing_years` tells the
caller which years a figure relied on, so it can be marked provisional (暂定) until the year is
added. Nothing here reads the clock.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from cadre_sdk.core.calendar_years import STATUSES, YearSchedule

__all__ = ["Calendar", "provisional_note"]

_ONE_DAY = datetime.timedelta(days=1)


def provisional_note(years: Iterable[int]) -> str:
    """The Chinese note on a figure counted on weekends alone for ``years``."""
    return f"{'、'.join(str(y) for y in sorted(years))} 年节假日安排尚未录入，暂按双休日计算"


class Calendar:
    """Working days from yearly schedules (year -> :class:`YearSchedule`); years without a
    schedule count weekends only."""

    def __init__(self, years: Mapping[int, YearSchedule]):
        self.years = dict(sorted(years.items()))
        self._holidays = frozenset(d for s in self.years.values() for d in s.holidays)
        self._workdays = frozenset(d for s in self.years.values() for d in s.workdays)

    def knows(self, year: int) -> bool:
        """Whether a schedule for ``year`` has been supplied."""
        return year in self.years

    def first_missing_year(self, since: int | None = None) -> int:
        """The first year from ``since`` (default: the first known year) without a schedule."""
        year = since if since is not None else min(self.years, default=1)
        while year in self.years:
            year += 1
        return year

    def missing_years(self, a: datetime.date, b: datetime.date) -> tuple[int, ...]:
        """The years from ``a`` to ``b`` (either order) that have no schedule: a figure counted
        over these days is provisional."""
        first, last = sorted((a.year, b.year))
        return tuple(y for y in range(first, last + 1) if y not in self.years)

    def describe(self, a: datetime.date, b: datetime.date) -> list[tuple[int, str]]:
        """``(year, where its schedule comes from and its status)`` for the years from ``a`` to
        ``b`` (either order), e.g. ``(2026, "chinesecalendar 1.11.0；正式（国务院办公厅通知）")``;
        a year without one says so."""
        first, last = sorted((a.year, b.year))
        out = []
        for year in range(first, last + 1):
            s = self.years.get(year)
            out.append((year, f"{s.source or s.name}；{STATUSES.get(s.status, s.status)}" if s
                        else provisional_note([year])))
        return out

    def is_workday(self, day: datetime.date) -> bool:
        """A make-up working day, or a weekday that is not a statutory holiday."""
        return day in self._workdays or (day.weekday() < 5 and day not in self._holidays)

    def add_workdays(self, start: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted; ``n = 0``
        gives ``start``). ``n`` must not be negative."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        while n:
            day += _ONE_DAY
            n -= self.is_workday(day)
        return day

    def workdays_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days ``d`` with ``a < d <= b`` (negative, counted the same way, if ``b < a``),
        so that ``workdays_between(a, add_workdays(a, n)) == n``."""
        if b < a:
            return -self.workdays_between(b, a)
        count, day = 0, a
        while day < b:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count

    def next_workday(self, day: datetime.date) -> datetime.date:
        """``day`` if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def add_calendar_days(self, start: datetime.date, n: int, *, strict: bool = False
                          ) -> datetime.date:
        """The end of a period of ``n`` calendar days from ``start`` (``start`` not counted).

        Unless ``strict``, a period whose last day is a statutory holiday or rest day ends on
        the next working day instead (the general rule for periods, 民法典 第二百零三条)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        end = start + datetime.timedelta(days=n)
        return end if strict else self.next_workday(end)
