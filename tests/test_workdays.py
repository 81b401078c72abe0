"""Working days on the official calendar: weekends, statutory holidays, make-up working days."""
import datetime

import pytest

from cadre_sdk.workdays import (CalendarError, add_workdays, is_workday, supported_years,
                                workdays_between)

D = datetime.date


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


@pytest.mark.parametrize("when", ["after", "before"])
def test_a_date_outside_the_calendar_is_a_clear_chinese_error(when):
    first, last = supported_years()
    day = D(last + 1, 1, 5) if when == "after" else D(first - 1, 12, 1)
    with pytest.raises(CalendarError) as info:
        add_workdays(day, 3)
    message = str(info.value)
    assert day.isoformat() in message
    assert f"{first}–{last}" in message
    assert "升级 chinesecalendar" in message


def test_counting_into_an_unknown_year_fails_rather_than_guessing():
    _, last = supported_years()
    with pytest.raises(CalendarError):
        add_workdays(D(last, 12, 30), 5)
    with pytest.raises(CalendarError):
        workdays_between(D(last, 12, 1), D(last + 1, 1, 10))


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_workdays(D(2024, 1, 2), -1)


def test_agrees_with_the_package_on_every_day_it_knows():
    import chinese_calendar

    first, last = supported_years()
    day = D(first, 1, 1)
    while day.year <= last:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)
