import datetime

import pytest

from tremplin.referrals.workdays import (
    easter_sunday,
    is_working_day,
    public_holidays,
    working_days_before,
    working_days_between,
)

D = datetime.date


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)), (2038, D(2038, 4, 25))],
)
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def test_french_public_holidays_2025():
    assert sorted(public_holidays(2025)) == [
        D(2025, 1, 1),
        D(2025, 4, 21),
        D(2025, 5, 1),
        D(2025, 5, 8),
        D(2025, 5, 29),
        D(2025, 6, 9),
        D(2025, 7, 14),
        D(2025, 8, 15),
        D(2025, 11, 1),
        D(2025, 11, 11),
        D(2025, 12, 25),
    ]


def test_working_days():
    assert not is_working_day(D(2025, 3, 8))  # Saturday
    assert not is_working_day(D(2025, 5, 8))
    assert is_working_day(D(2025, 5, 9))
    # Friday to Monday: one working day; across New Year's Day.
    assert working_days_between(D(2025, 3, 7), D(2025, 3, 10)) == 1
    assert working_days_between(D(2024, 12, 31), D(2025, 1, 3)) == 2


@pytest.mark.parametrize("days", [1, 5, 10])
@pytest.mark.parametrize("end", [D(2025, 3, 10), D(2025, 5, 9), D(2025, 1, 2), D(2025, 3, 9)])
def test_working_days_before_is_the_latest_start(end, days):
    start = working_days_before(end, days)
    assert working_days_between(start, end) == days
    assert working_days_between(start + datetime.timedelta(days=1), end) == days - 1
