"""China's working-day calendar (工作日) in Airflow: the draw's timetable and template macros.

``WorkingDayTimetable`` runs a DAG on fixed dates of each year (default March 1, June 1,
September 1) at a local time (default 09:30 Asia/Shanghai), each moved forward to the
first working day on or after it (节假日顺延) per ``shuangsui.core.workdays``. A DAG file uses
it as ``from shuangsui_airflow.timetable import WorkingDayTimetable``, and ``round_of(day)``
tells which round (1..N) of the year a run day is.

How Airflow 3.3 accepts it: a custom timetable subclasses the core protocol
``airflow.timetables.base.Timetable`` and is passed to ``schedule=`` as is; the SDK DAG
keeps any core Timetable instance. The scheduler only sees serialized DAGs, and the
(de)serializer finds a custom class by its import path (``shuangsui_airflow.timetable.
WorkingDayTimetable``) in the classes that plugins list under ``timetables``: the plugin
``plugins/shuangsui_calendar.py`` registers it; without that plugin the DAG fails to serialize with
"Timetable class ... is not registered".

A year without official calendar data is never guessed: ``next_dagrun_info`` then returns
None (no next run) and logs an error naming the year and what to add. The DAG processor
asks again on every parse, so the run is scheduled as soon as the year is in the override
file (``include/shuangsui/core/calendar_overrides.json`` or ``SHUANGSUI_CALENDAR_OVERRIDES``)
or in an upgraded chinesecalendar.

Macros, in templates as ``macros.shuangsui_calendar.<name>``: ``add_working_days``,
``is_working_day``, ``next_working_day``, ``working_days_between``; they take dates,
datetimes or ISO strings, e.g. ``{{ macros.shuangsui_calendar.add_working_days(ds, 20) }}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from shuangsui.core import workdays
from shuangsui.core.clock import CHINA_TZ_NAME
from shuangsui.core.workdays import CalendarDataMissing

log = logging.getLogger(__name__)

TZ = CHINA_TZ_NAME
# 双随机抽查 "no fewer than three times a year": one round per date.
DEFAULT_DATES: tuple[tuple[int, int], ...] = ((3, 1), (6, 1), (9, 1))
DEFAULT_AT = dt.time(9, 30)

_LEAP_YEAR = 2000  # a (month, day) must exist in a leap year to be checked at all


def _utcnow() -> pendulum.DateTime:
    """The clock; tests replace it."""
    return pendulum.now("UTC")


# ------------------------------------------------------------------------ the schedule


def _check_dates(dates: Iterable[Sequence[int]]) -> tuple[tuple[int, int], ...]:
    """The (month, day) pairs, validated and in calendar order (the round order)."""
    checked: list[tuple[int, int]] = []
    for i, item in enumerate(dates):
        try:
            month, day = (int(x) for x in item)
            dt.date(_LEAP_YEAR, month, day)
        except (TypeError, ValueError):
            raise ValueError(
                f"WorkingDayTimetable dates[{i}] = {item!r}: give (month, day), e.g. (3, 1)"
            ) from None
        if (month, day) == (2, 29):
            raise ValueError(
                f"WorkingDayTimetable dates[{i}] = (2, 29): not every year has it; use (3, 1)"
            )
        checked.append((month, day))
    if not checked:
        raise ValueError("WorkingDayTimetable needs at least one (month, day) date")
    if len(set(checked)) != len(checked):
        raise ValueError(f"WorkingDayTimetable dates {checked}: a date is listed twice")
    return tuple(sorted(checked))


def _check_at(at: dt.time | str) -> dt.time:
    if isinstance(at, dt.time):
        if at.tzinfo is not None:
            raise ValueError(f"WorkingDayTimetable at={at!r}: give a local time without a zone")
        return at
    try:
        return dt.time.fromisoformat(str(at))
    except ValueError:
        raise ValueError(f"WorkingDayTimetable at={at!r}: give a local time as 'HH:MM'") from None


def scheduled_days(year: int, dates: Iterable[Sequence[int]] = DEFAULT_DATES) -> list[dt.date]:
    """The run days of a year's dates: each one's first working day on or after it.

    One entry per date, in round order. A day may fall in the next year (a late-December
    date before the New Year holiday). Raises CalendarDataMissing for a year without data.
    """
    return [workdays.next_working_day(dt.date(year, m, d)) for m, d in _check_dates(dates)]


def round_of(
    run_date: dt.date | dt.datetime | str, dates: Iterable[Sequence[int]] = DEFAULT_DATES
) -> int:
    """Which round (1..len(dates)) of its year a scheduled run day is.

    Aware datetimes (Airflow's logical dates are UTC) count by their day in Asia/Shanghai.
    If two dates fall on the same working day the earlier round is given: the timetable
    makes one run for both. Raises ValueError for a day that is not a scheduled run day
    (a manual run must name its round), CalendarDataMissing for a year without data.
    """
    day = _as_date(run_date)
    dates = _check_dates(dates)
    # A late-December date can be moved into January of the next year.
    years = (day.year - 1, day.year) if any(m == 12 for m, _ in dates) else (day.year,)
    for year in years:
        for i, moved in enumerate(scheduled_days(year, dates), start=1):
            if moved == day:
                return i
    listed = ", ".join(
        f"{moved} (round {i})" for i, moved in enumerate(scheduled_days(day.year, dates), 1)
    )
    raise ValueError(
        f"{day} is not a scheduled draw day; the draw days of {day.year} are {listed}. "
        f"A run on another day must give its round in the trigger form."
    )


class WorkingDayTimetable(Timetable):
    """Runs at a local time on fixed dates of each year, each moved to the next working day.

    :param dates: (month, day) pairs, e.g. ``[(3, 1), (6, 1), (9, 1)]``; they are sorted
        and their order is the round number (1-based). Feb 29 is refused.
    :param at: local time of day in Asia/Shanghai, ``"09:30"`` or a ``datetime.time``.

    Runs are trigger-style, like CronTriggerTimetable: the data interval is the moment
    of the run. Two dates falling on the same working day give a single run.

    catchup=True: every run day from start_date on, start_date included.
    catchup=False: no run before the start of today (Asia/Shanghai). A draw due earlier
    today that has not run yet still runs (e.g. the scheduler was down at 09:30, or a
    DAG-file parse recomputed the next run just after 09:30); earlier ones are skipped.
    A year without official calendar data: no run is scheduled (returns None) and an
    error is logged; it is never guessed from weekends.
    """

    periodic = True
    run_ordering = ("logical_date",)

    def __init__(
        self, dates: Iterable[Sequence[int]] = DEFAULT_DATES, at: dt.time | str = DEFAULT_AT
    ) -> None:
        self.dates = _check_dates(dates)
        self.at = _check_at(at)
        listed = ", ".join(f"{m:02d}-{d:02d}" for m, d in self.dates)
        self._summary = f"每年 {listed} {self._at_text()}（遇节假日顺延至工作日）"
        self.description = (
            f"每年 {listed} {self._at_text()}（北京时间）运行，节假日顺延：按国务院办公厅公布的"
            f"工作日历顺延至下一个工作日 (each year on {listed} at {self._at_text()} {TZ}, "
            f"moved forward to the first working day of China's official calendar)"
        )

    # -- Airflow's timetable API

    @property
    def summary(self) -> str:
        return self._summary

    def serialize(self) -> dict[str, Any]:
        return {"dates": [[m, d] for m, d in self.dates], "at": self._at_text()}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> WorkingDayTimetable:
        return cls(dates=[tuple(x) for x in data["dates"]], at=data["at"])

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        after = last_automated_data_interval.end if last_automated_data_interval else None
        not_before = restriction.earliest
        if not restriction.catchup or (not_before is None and after is None):
            today = _utcnow().in_timezone(TZ).start_of("day")
            not_before = today if not_before is None else max(not_before, today)
        bounds = [b for b in (after, not_before) if b is not None]
        start_year = pendulum.instance(max(bounds)).in_timezone(TZ).year
        try:
            for when in self._runs_from(start_year, restriction.latest):
                if (after is None or when > after) and (not_before is None or when >= not_before):
                    if restriction.latest is not None and when > restriction.latest:
                        return None
                    return DagRunInfo.exact(when)
        except CalendarDataMissing as e:
            log.error(
                "WorkingDayTimetable %s: no next run is scheduled, because the next draw "
                "date falls in %s and there is no official working-day calendar for %s. %s "
                "The DAG processor and the scheduler must see the same override file. The "
                "run is scheduled at the next DAG-file parse after the year is added.",
                self.summary,
                e.year,
                e.year,
                e,
            )
            return None
        return None  # latest (end_date) reached before any candidate

    # -- helpers

    def round_of(self, run_date: dt.date | dt.datetime | str) -> int:
        """Which round (1..len(dates)) of its year a run day is; see module ``round_of``."""
        return round_of(run_date, self.dates)

    def scheduled_days(self, year: int) -> list[dt.date]:
        """The run days of a year, in round order."""
        return scheduled_days(year, self.dates)

    def _runs_from(self, year: int, latest: dt.datetime | None) -> Iterator[pendulum.DateTime]:
        """Run moments (UTC) in ascending order from the first date of year on.

        Stops when a date itself (before moving) is after latest, so a DAG past its
        end_date does not ask for a year's calendar it will never use.
        """
        if any(m == 12 for m, _ in self.dates):
            year -= 1  # that year's December date may have moved into this January
        while True:
            for m, d in self.dates:
                nominal = pendulum.datetime(
                    year, m, d, self.at.hour, self.at.minute, self.at.second, tz=TZ
                )
                if latest is not None and nominal > latest:
                    return
                day = workdays.next_working_day(dt.date(year, m, d))
                yield pendulum.datetime(
                    day.year,
                    day.month,
                    day.day,
                    self.at.hour,
                    self.at.minute,
                    self.at.second,
                    tz=TZ,
                ).in_timezone("UTC")
            year += 1

    def _at_text(self) -> str:
        return self.at.isoformat(timespec="minutes" if not self.at.second else "seconds")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingDayTimetable):
            return NotImplemented
        return (self.dates, self.at) == (other.dates, other.at)

    def __hash__(self) -> int:
        return hash((self.dates, self.at))

    def __repr__(self) -> str:
        return f"WorkingDayTimetable(dates={list(self.dates)}, at={self._at_text()!r})"


# ------------------------------------------------------------------------------ macros


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    """A day in Asia/Shanghai from a date, a datetime or an ISO string ('2026-03-02')."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            # a Time or a Duration (pendulum parses those too) falls to the TypeError below
            value = cast(Any, pendulum.parse(text, tz=TZ))
        except (ValueError, TypeError):
            raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        # Airflow's logical dates are aware UTC: 20:00 UTC is already tomorrow in China.
        if value.tzinfo is not None:
            return pendulum.instance(value).in_timezone(TZ).date()
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(
        f"expected a date, a datetime or 'YYYY-MM-DD', got {type(value).__name__}: {value!r}"
    )


def add_working_days(day: dt.date | dt.datetime | str, n: int) -> dt.date:
    """The n-th working day after day, day itself not counted (n < 0 counts back)."""
    return workdays.add_working_days(_as_date(day), int(n))


def is_working_day(day: dt.date | dt.datetime | str) -> bool:
    """True if day is a working day of China's official calendar."""
    return workdays.is_working_day(_as_date(day))


def next_working_day(day: dt.date | dt.datetime | str, inclusive: bool = True) -> dt.date:
    """The first working day on or after day (strictly after it if inclusive is False)."""
    return workdays.next_working_day(_as_date(day), inclusive=inclusive)


def working_days_between(
    start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str
) -> int:
    """Working days in (start, end]; negative if end is before start."""
    return workdays.working_days_between(_as_date(start), _as_date(end))


# The macros a DAG's templates may use ({{ macros.shuangsui_calendar.add_working_days(ds, 20) }}).
MACROS = [add_working_days, is_working_day, next_working_day, working_days_between]
