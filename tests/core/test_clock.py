"""Business dates are China's days: 23:30 UTC and 00:30 UTC are both 12-02 in Beijing."""

import datetime as dt

import pytest

from shuangsui.core.clock import china_date, china_midnight_utc, china_minute, to_utc_naive


@pytest.mark.parametrize(
    ("moment", "day", "minute"),
    [
        (dt.datetime(2026, 12, 1, 15, 59), dt.date(2026, 12, 1), "2026-12-01 23:59"),
        (dt.datetime(2026, 12, 1, 16, 0), dt.date(2026, 12, 2), "2026-12-02 00:00"),
        (dt.datetime(2026, 12, 1, 23, 30), dt.date(2026, 12, 2), "2026-12-02 07:30"),
        (dt.datetime(2026, 12, 2, 0, 30), dt.date(2026, 12, 2), "2026-12-02 08:30"),
        (dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC), dt.date(2026, 12, 2), "2026-12-02 07:30"),
    ],
)
def test_a_moment_has_its_day_and_minute_in_china(moment, day, minute):
    assert china_date(moment) == day
    assert china_minute(moment) == minute


def test_no_moment_no_minute():
    assert china_minute(None) is None


def test_china_midnight_is_16_00_utc_the_day_before():
    assert china_midnight_utc(dt.date(2026, 12, 2)) == dt.datetime(2026, 12, 1, 16)
    assert to_utc_naive(
        dt.datetime(2026, 12, 2, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    ) == (dt.datetime(2026, 12, 1, 23, 30))
