"""Time (时间): the one home of the project's time helpers.

Two kinds of time, never mixed up:
- an event's moment (when a draw was committed, a mail sent): the real wall-clock instant,
  stored as naive UTC (the business database's convention on SQLite and PostgreSQL alike);
- a business date (公示日期, a deadline, 成文日期): a day in China, Asia/Shanghai, never the
  UTC date (07:00 in Shanghai is 23:00 UTC the day before).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA_TZ_NAME = "Asia/Shanghai"
CHINA = ZoneInfo(CHINA_TZ_NAME)


def utcnow() -> dt.datetime:
    """The current moment as stored: naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_utc_naive(t: dt.datetime) -> dt.datetime:
    """A moment as stored: aware times converted to UTC, naive ones taken as UTC already."""
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def parse_utc(s: str | None) -> dt.datetime | None:
    """A stored moment from its ISO text ('2026-03-02T01:30:00Z' or without the Z)."""
    if not s:
        return None
    return to_utc_naive(dt.datetime.fromisoformat(s.replace("Z", "+00:00")))


def china_time(t: dt.datetime | None) -> dt.datetime | None:
    """A moment (naive UTC, or aware) as China wall-clock time, naive."""
    if t is None:
        return None
    return to_utc_naive(t).replace(tzinfo=dt.UTC).astimezone(CHINA).replace(tzinfo=None)


def china_date(t: dt.datetime) -> dt.date:
    """The day in China of a moment (naive UTC, or aware)."""
    local = china_time(t)
    assert local is not None
    return local.date()


def china_minute(t: dt.datetime | None) -> str | None:
    """A moment as people read it, China wall-clock time to the minute ('2026-12-02 07:30');
    print it labelled （北京时间）."""
    local = china_time(t)
    return local.strftime("%Y-%m-%d %H:%M") if local else None


def china_today() -> dt.date:
    """Today in China."""
    return china_date(utcnow())


def china_midnight_utc(day: dt.date) -> dt.datetime:
    """The moment (naive UTC) China's day `day` begins."""
    return to_utc_naive(dt.datetime.combine(day, dt.time(), tzinfo=CHINA))


def as_date(d: dt.date | dt.datetime) -> dt.date:
    """A calendar date from a date or a datetime, by the datetime's own date (convert aware
    UTC times with china_date first: 20:00 UTC is already the next day in China)."""
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"expected a datetime.date or datetime.datetime, got {type(d).__name__}: {d!r}")


def iso_utc(t: dt.datetime | None) -> str | None:
    """A stored moment as ISO text with a Z, as published in records."""
    return to_utc_naive(t).isoformat() + "Z" if t else None
