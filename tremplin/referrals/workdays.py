"""Working days for the reminder and escalation deadlines: Monday to Friday, except the eleven
public holidays of metropolitan France (Code du travail L3133-1). The extra holidays of
Alsace-Moselle (Good Friday, 26 December) and of the overseas départements are not counted: a
deadline there falls at most a day early."""

import datetime
import functools


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter (anonymous Gregorian algorithm, "Meeus/Jones/Butcher")."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return datetime.date(year, month, day + 1)


@functools.cache
def public_holidays(year: int) -> frozenset[datetime.date]:
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + datetime.timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return frozenset([datetime.date(year, m, d) for m, d in fixed] + movable)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days ``d`` with ``start < d <= end``: a referral sent on a Friday has waited one
    working day on Monday."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def working_days_before(end: datetime.date, days: int) -> datetime.date:
    """The latest day ``start`` such that ``working_days_between(start, end) == days`` (for
    ``days`` >= 1): something dated on or before it has waited at least ``days`` working days."""
    day, left = end, days
    while left > 0:
        left -= is_working_day(day)
        day -= datetime.timedelta(days=1)
    return day
