"""Working days on the official calendar: weekends, statutory holidays, make-up working days."""
import datetime

import pytest

from cadre_sdk.core.calendar_years import builtin_years
from cadre_sdk.core.workdays import Calendar

D = datetime.date
#: The calendar of the installed chinesecalendar package alone.
CAL = Calendar(builtin_years())
is_workday, add_workdays, workdays_between = CAL.is_workday, CAL.add_workdays, CAL.workdays_between


@pytest.mark.parametrize("day, expected", [
    (D(2024, 2, 4), True),    # Sunday, make-up working day before Spring Festival
    (D(2024, 2, 9), True),    # Friday, 除夕: a working day in the 2024 schedule
    (D(2024, 2, 12), False),  # Monday inside the Feb 10–17 holiday
    (D(2024, 2, 18), True),   # Sunday, make-up working day after Spring Festival
    (D(2024, 9, 29), True),   # Sunday, make-up working day before National Day
    (D(2024, 10, 7), False),  # Monday, last day of the Oct 1–7 holiday
    (D(2024, 10, 12), True),  # Saturday, make-up working day after National Day
    (D(2024, 3, 16), False),  # an ordinary Saturday
])
def test_is_workday_follows_the_official_schedule(day, expected):
    assert is_workday(day) is expected


@pytest.mark.parametrize("start, n, expected", [
    # Fri Feb 9 + 5: Feb 10–17 off; Feb 18 (Sun, make-up) 1, Feb 19 2, 20 3, 21 4, 22 5
    (D(2024, 2, 9), 5, D(2024, 2, 22)),
    # Fri Feb 2 + 1: Sat Feb 3 off, Sun Feb 4 is a make-up working day
    (D(2024, 2, 2), 1, D(2024, 2, 4)),
    # Thu Feb 8 + 2: Feb 9 (Fri) 1, then Feb 10–17 off, Feb 18 (Sun, make-up) 2
    (D(2024, 2, 8), 2, D(2024, 2, 18)),
    # Fri Sep 27 + 2: Sat Sep 28 off, Sep 29 (Sun, make-up) 1, Mon Sep 30 2
    (D(2024, 9, 27), 2, D(2024, 9, 30)),
    # Mon Sep 30 + 5: Oct 1–7 off; Oct 8 1, 9 2, 10 3, 11 4, Oct 12 (Sat, make-up) 5
    (D(2024, 9, 30), 5, D(2024, 10, 12)),
    # Sat Oct 12 + 1: Sun Oct 13 off, Mon Oct 14
    (D(2024, 10, 12), 1, D(2024, 10, 14)),
    (D(2024, 3, 13), 0, D(2024, 3, 13)),
])
def test_add_workdays_across_spring_festival_and_national_day(start, n, expected):
    assert add_workdays(start, n) == expected


@pytest.mark.parametrize("a, b, expected", [
    (D(2024, 2, 9), D(2024, 2, 22), 5),    # as above: Feb 18, 19, 20, 21, 22
    (D(2024, 9, 30), D(2024, 10, 12), 5),  # Oct 8, 9, 10, 11, 12
    (D(2024, 10, 12), D(2024, 10, 14), 1),  # Oct 13 is Sunday; Oct 14 counts
    (D(2024, 3, 22), D(2024, 3, 27), 3),   # Sat 23, Sun 24 off; Mar 25, 26, 27
    (D(2024, 3, 27), D(2024, 3, 22), -3),
    (D(2024, 5, 5), D(2024, 5, 5), 0),
])
def test_workdays_between_counts_days_after_a_up_to_b(a, b, expected):
    assert workdays_between(a, b) == expected


def test_workdays_between_inverts_add_workdays():
    start = D(2024, 9, 20)
    for n in range(0, 30):
        assert workdays_between(start, add_workdays(start, n)) == n


def test_a_year_without_a_schedule_counts_weekends_only_and_says_so():
    # No schedule at all (an empty calendar): weekends are the only days off.
    cal = Calendar({})
    # Fri 2040-01-06 + 3 working days: Sat 7, Sun 8 off; Mon 9 1, Tue 10 2, Wed 11 3
    assert cal.add_workdays(D(2040, 1, 6), 3) == D(2040, 1, 11)
    assert cal.is_workday(D(2040, 1, 2))       # a Monday: no holidays known, so a working day
    assert cal.missing_years(D(2039, 12, 30), D(2040, 1, 11)) == (2039, 2040)
    last = max(builtin_years())
    assert CAL.missing_years(D(last, 12, 1), D(last + 1, 1, 10)) == (last + 1,)
    assert CAL.missing_years(D(last, 1, 1), D(last, 12, 31)) == ()
    assert CAL.first_missing_year() == last + 1


@pytest.mark.parametrize("start, n, strict, expected", [
    # 2026 National Day: Oct 1 (Thu)–7 (Wed) off. Sun 2026-09-27 + 7 days = Sun Oct 4, a holiday;
    # Oct 5, 6, 7 are holidays too, so the period ends on Thu Oct 8 (民法典 第二百零三条).
    (D(2026, 9, 27), 7, False, D(2026, 10, 8)),
    (D(2026, 9, 27), 7, True, D(2026, 10, 4)),    # the strict reading: no extension
    # Mon 2024-03-11 + 5 days = Sat Mar 16, a rest day -> Mon Mar 18
    (D(2024, 3, 11), 5, False, D(2024, 3, 18)),
    # Mon 2024-03-11 + 3 days = Thu Mar 14, a working day: unchanged
    (D(2024, 3, 11), 3, False, D(2024, 3, 14)),
    # 2024-10-12 is a Saturday made a working day: a period ending on it ends on it
    (D(2024, 10, 5), 7, False, D(2024, 10, 12)),
])
def test_a_calendar_day_period_ending_on_a_day_off_ends_on_the_next_working_day(
        start, n, strict, expected):
    assert CAL.add_calendar_days(start, n, strict=strict) == expected
