"""Working days (工作日) of China's official calendar: statutory holidays (法定节假日) and
make-up working days (调休上班, a Saturday or Sunday that is a working day).

Deadlines in the inspection rules are counted in working days, e.g. results are
published "within 20 working days from the end of the inspection, the end day not
counted": ``add_working_days(end_of_inspection, 20)``.

Where the calendar of a year comes from, first match wins:

1. the local override file ``calendar_overrides.json`` next to this module (path
   overridable by the env var ``SHUANGSUI_CALENDAR_OVERRIDES``). An operator copies the
   State Council notice (国务院办公厅关于XXXX年部分节假日安排的通知) there as soon as it
   is published, usually in November, before the packages are updated. A year in that
   file is fully defined by it; the file itself documents the format.
2. the ``chinese_calendar`` package (PyPI ``chinesecalendar``), the source of truth;
   1.11.0 covers 2004-2026.
3. the ``holidays`` package, for a year whose State Council notice it has encoded
   (0.109: 2001-2026) but chinese_calendar has not.

Any other year is refused with ``CalendarDataMissing``: China's days off depend on the
yearly notice, so a calendar guessed from weekends would silently move every deadline
around a Golden Week.

Cross-check (``cross_check(year)``). The two packages are compared on what decides a
deadline: the weekdays that are days off and the weekend days that are working days.
Which weekday off is "statutory" and which is "in lieu" is not compared, because the
packages label it differently (chinese_calendar calls a Monday given for a holiday that
fell on Sunday a holiday, holidays calls it 补假) without disagreeing about the day.
Findings with chinesecalendar 1.11.0 and holidays 0.109: 2004-2026 agree on every day,
2024, 2025 and 2026 included, except 2005-12-31 (Sat), which holidays (from the 2006
notice: 2006-01-03 off, "由 2005-12-31 调休") makes a working day and chinese_calendar
a rest day. The module trusts chinese_calendar there. Beyond its notices (2027 on) the
holidays package still answers, with holidays estimated from the lunar calendar and no
调休; those estimates are never used.

The year calendars are built once per year and cached; the override file is re-read
when its path, modification time or size changes.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

import chinese_calendar
from chinese_calendar import constants as _cc

OVERRIDES_ENV = "SHUANGSUI_CALENDAR_OVERRIDES"
DEFAULT_OVERRIDES = Path(__file__).with_name("calendar_overrides.json")

_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# chinese_calendar keys its data by English name and abbreviates some Chinese ones
# (清明, 端午, 中秋); use the names of the State Council notice instead.
_OFFICIAL_NAME = {
    _cc.Holiday.new_years_day.value: "元旦",
    _cc.Holiday.spring_festival.value: "春节",
    _cc.Holiday.tomb_sweeping_day.value: "清明节",
    _cc.Holiday.labour_day.value: "劳动节",
    _cc.Holiday.dragon_boat_festival.value: "端午节",
    _cc.Holiday.national_day.value: "国庆节",
    _cc.Holiday.mid_autumn_festival.value: "中秋节",
}


class CalendarDataMissing(LookupError):
    """No official calendar for a year: no override, and neither package knows it."""

    def __init__(self, year: int, message: str):
        super().__init__(message)
        self.year = year


class CalendarOverrideError(ValueError):
    """The override file cannot be used as written; the message names the entry."""


@dataclass(frozen=True)
class YearCalendar:
    """One year of the official calendar and where it came from."""

    year: int
    source: str
    # 放假: days off for a holiday, weekend days inside the break included when the
    # source lists them; value is the holiday's name.
    days_off: Mapping[date, str]
    # 调休上班: weekend days that are working days; value is the holiday they pay for.
    makeup_working_days: Mapping[date, str | None]
    _working: tuple[int, ...] = field(repr=False)  # ordinals of the working days, ascending

    def is_working_day(self, d: date) -> bool:
        """True if d (a date of this year) is a working day."""
        if d in self.makeup_working_days:
            return True
        return d.weekday() < 5 and d not in self.days_off


@dataclass(frozen=True)
class _Notice:
    """One year's entry of the override file: a State Council notice."""

    year: int
    notice: str
    url: str | None
    days_off: dict[date, str]
    makeup_working_days: dict[date, str | None]


# ---------------------------------------------------------------------------- public API


def is_working_day(d: date | datetime) -> bool:
    """True if d is a working day (工作日) of the official calendar."""
    d = _as_date(d)
    return _state().year(d.year).is_working_day(d)


def add_working_days(d: date | datetime, n: int) -> date:
    """The n-th working day after d, d itself not counted; n < 0 counts backwards, n = 0 gives d.

    "Published within 20 working days from the end of the inspection, the end day not
    counted" is ``add_working_days(end, 20)``. Raises CalendarDataMissing if the count
    runs into a year without official data.
    """
    d = _as_date(d)
    n = int(n)
    if n == 0:
        return d
    state = _state()
    cur = d.toordinal()
    if n > 0:
        year = (d + timedelta(days=1)).year
        while True:
            working = state.year(year)._working
            i = bisect.bisect_right(working, cur)
            if n <= len(working) - i:
                return date.fromordinal(working[i + n - 1])
            n -= len(working) - i
            year += 1
    year = (d - timedelta(days=1)).year
    n = -n
    while True:
        working = state.year(year)._working
        i = bisect.bisect_left(working, cur)
        if n <= i:
            return date.fromordinal(working[i - n])
        n -= i
        year -= 1


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """Working days in (start, end]; if end is before start, minus those in (end, start].

    Additive: between(a, b) + between(b, c) == between(a, c). For end after start,
    ``add_working_days(start, working_days_between(start, end))`` is end whenever end
    is a working day.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    if end == start:
        return 0
    state = _state()
    lo, hi = start.toordinal(), end.toordinal()
    count = 0
    for year in range((start + timedelta(days=1)).year, end.year + 1):
        working = state.year(year)._working
        count += bisect.bisect_right(working, hi) - bisect.bisect_right(working, lo)
    return count


def next_working_day(d: date | datetime, inclusive: bool = True) -> date:
    """The first working day on or after d (strictly after d if inclusive is False)."""
    d = _as_date(d)
    if inclusive and is_working_day(d):
        return d
    return add_working_days(d, 1)


def holiday_name(d: date | datetime) -> str | None:
    """The holiday d is a day off for (e.g. "春节"), None for working days and ordinary weekends."""
    d = _as_date(d)
    return _state().year(d.year).days_off.get(d)


def covered_years() -> frozenset[int]:
    """The years with official data: override file, chinese_calendar, or holidays' notices."""
    state = _state()
    return frozenset(state.overrides) | _cc_years() | _holidays_notice_years()


def calendar_gaps(today: date, horizon_days: int = 60) -> list[CalendarDataMissing]:
    """The years from `today` to `horizon_days` later that have no official calendar:
    deadlines and the next draws in them cannot be computed (a check run daily, so a
    missing year is seen weeks before it is needed)."""
    last = today + timedelta(days=horizon_days)
    gaps = []
    for year in range(today.year, last.year + 1):
        try:
            _state().year(year)
        except CalendarDataMissing as e:
            gaps.append(e)
    return gaps


def year_calendar(year: int) -> YearCalendar:
    """The whole calendar of a year, with its source (for pages that show the calendar)."""
    return _state().year(int(year))


def cross_check(year: int) -> list[str]:
    """Where the sources that know the year disagree on a day, one line per day.

    Compares the override file (if it has the year), chinese_calendar and holidays on
    working day or not, for every day of the year. [] means at least two sources know
    the year and they agree; if only one does, the single line says so. Raises
    CalendarDataMissing if none does.
    """
    year = int(year)
    state = _state()
    views: list[tuple[str, Mapping[date, str], Mapping[date, str | None]]] = []
    if year in state.overrides:
        cal = state.year(year)
        views.append((cal.source, cal.days_off, cal.makeup_working_days))
    if year in _cc_years():
        views.append((_CC_SOURCE, *_cc_year(year)))
    if year in _holidays_notice_years():
        views.append((_holidays_source(), *_holidays_year(year)))
    if not views:
        raise state.missing(year)
    if len(views) == 1:
        return [f"{year}: not cross-checked, only {views[0][0]} has data for {year}"]
    in_use = state.year(year)
    findings = []
    for d in sorted(set().union(*(set(off) | set(makeup) for _, off, makeup in views))):
        if d.year != year:
            continue
        verdicts = [(source, _verdict(d, off, makeup)) for source, off, makeup in views]
        if len({v.startswith("working") for _, v in verdicts}) > 1:
            said = "; ".join(f"{source}: {v}" for source, v in verdicts)
            used = _verdict(d, in_use.days_off, in_use.makeup_working_days)
            findings.append(
                f"{d} ({_WEEKDAY[d.weekday()]}): {said}. In use: {used}, from {in_use.source}"
            )
    return findings


# ------------------------------------------------------------------------------ internals


def _as_date(d: date | datetime) -> date:
    # A datetime counts by its own calendar date; convert aware UTC times (Airflow's
    # logical dates) to Asia/Shanghai before calling, or 20:00 UTC is the wrong day.
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    raise TypeError(f"expected a datetime.date or datetime.datetime, got {type(d).__name__}: {d!r}")


def _verdict(d: date, off: Mapping[date, str], makeup: Mapping[date, str | None]) -> str:
    if d in makeup:
        return "working day (调休上班" + (f" for {makeup[d]})" if makeup[d] else ")")
    if d in off:
        return f"rest day ({off[d]})"
    return "working day" if d.weekday() < 5 else "rest day (weekend)"


_CC_SOURCE = f"chinese_calendar {chinese_calendar.__version__}"


@lru_cache(maxsize=1)
def _cc_index() -> dict[int, tuple[dict[date, str], dict[date, str | None]]]:
    index: dict[int, tuple[dict[date, str], dict[date, str | None]]] = {}
    for d, name in _cc.holidays.items():
        index.setdefault(d.year, ({}, {}))[0][d] = _OFFICIAL_NAME.get(name) or _cc_chinese(name)
    for d, name in _cc.workdays.items():
        index.setdefault(d.year, ({}, {}))[1][d] = _OFFICIAL_NAME.get(name) or _cc_chinese(name)
    return index


def _cc_chinese(english: str) -> str:
    for holiday in _cc.Holiday:
        if holiday.value == english:
            return holiday.chinese
    return english


@lru_cache(maxsize=1)
def _cc_years() -> frozenset[int]:
    # chinese_calendar raises NotImplementedError outside min..max of its holiday years.
    years = [d.year for d in _cc.holidays]
    return frozenset(range(min(years), max(years) + 1))


def _cc_year(year: int) -> tuple[dict[date, str], dict[date, str | None]]:
    off, makeup = _cc_index().get(year, ({}, {}))
    return dict(off), dict(makeup)


def _holidays_source() -> str:
    import holidays

    return f"holidays {holidays.__version__}"


@lru_cache(maxsize=1)
def _holidays_notice_years() -> frozenset[int]:
    # The holidays package answers for any year up to 2100, but only the years whose
    # notice it encoded (special_public_holidays: the 调休 swaps) are official; the
    # rest are lunar-calendar estimates without make-up working days.
    try:
        import holidays

        special = getattr(holidays.China(years=[]), "special_public_holidays", {}) or {}
    # holidays not installed (ImportError), or a release that moved things: China or
    # its years argument gone (AttributeError, TypeError), or a class its own base refuses
    # (ValueError). Cross-check what we can.
    except (ImportError, AttributeError, TypeError, ValueError):
        return frozenset()
    return frozenset(int(y) for y in special)


@cache
def _holidays_year_cached(year: int) -> tuple[tuple[tuple[date, str], ...], tuple[date, ...]]:
    import holidays

    h = holidays.country_holidays("CN", years=[year], language="zh_CN")
    off = tuple(sorted((d, name) for d, name in h.items() if d.year == year))
    # weekend_workdays also holds the cross-year swaps of every notice (e.g. 2005-12-31
    # from the 2006 notice), whatever years were asked for.
    makeup = tuple(sorted(d for d in h.weekend_workdays if d.year == year))
    return off, makeup


def _holidays_year(year: int) -> tuple[dict[date, str], dict[date, str | None]]:
    off, makeup = _holidays_year_cached(year)
    return dict(off), {d: None for d in makeup}


def _overrides_path() -> tuple[Path, bool]:
    configured = os.environ.get(OVERRIDES_ENV)
    return (Path(configured), True) if configured else (DEFAULT_OVERRIDES, False)


class _State:
    """The override file as last read and the year calendars built from it."""

    def __init__(self, key: tuple, path: Path, overrides: dict[int, _Notice]):
        self.key = key
        self.path = path
        self.overrides = overrides
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        cal = self._years.get(year)
        if cal is None:
            cal = self._years[year] = self._build(year)
        return cal

    def missing(self, year: int) -> CalendarDataMissing:
        cc = sorted(_cc_years())
        notices = sorted(_holidays_notice_years())
        known = f"{_CC_SOURCE} covers {cc[0]}-{cc[-1]}"
        if notices:
            known += f", {_holidays_source()} has notices for {notices[0]}-{notices[-1]}"
        if self.overrides:
            known += f", {self.path} has {', '.join(map(str, sorted(self.overrides)))}"
        return CalendarDataMissing(
            year,
            f"No official working-day calendar for {year} ({known}). Add the "
            f"国务院办公厅关于{year}年部分节假日安排的通知 (its holidays and make-up working "
            f'days) to {self.path} under "years" -> "{year}", or upgrade chinesecalendar '
            f"(pip install -U chinesecalendar) once a release covers {year}. Working days "
            f"are not guessed from weekends.",
        )

    def _build(self, year: int) -> YearCalendar:
        notice = self.overrides.get(year)
        if notice is not None:
            source = f"{self.path} ({notice.notice})"
            off = {d: n for d, n in notice.days_off.items() if d.year == year}
            makeup = {d: n for d, n in notice.makeup_working_days.items() if d.year == year}
        elif year in _cc_years():
            source = _CC_SOURCE
            off, makeup = _cc_year(year)
        elif year in _holidays_notice_years():
            source = _holidays_source()
            off, makeup = _holidays_year(year)
        else:
            raise self.missing(year)
        # A notice may reach into the previous December (the 2019 notice: 2018-12-30/31
        # off, 2018-12-29 worked); the next year's override entry wins for those days.
        following = self.overrides.get(year + 1)
        if following is not None:
            for d, n in following.days_off.items():
                if d.year == year:
                    off[d] = n
                    makeup.pop(d, None)
            for d, n in following.makeup_working_days.items():
                if d.year == year:
                    makeup[d] = n
                    off.pop(d, None)
        first = date(year, 1, 1).toordinal()
        working = tuple(
            o
            for o in range(first, date(year, 12, 31).toordinal() + 1)
            if (d := date.fromordinal(o)) in makeup or (d.weekday() < 5 and d not in off)
        )
        return YearCalendar(
            year=year,
            source=source,
            days_off=MappingProxyType(off),
            makeup_working_days=MappingProxyType(makeup),
            _working=working,
        )


_lock = threading.Lock()
_current: _State | None = None


def _state() -> _State:
    """The calendar state for the override file as it is now on disk."""
    global _current
    path, required = _overrides_path()
    try:
        st = path.stat()
        key: tuple = (str(path), st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        if required:
            raise CalendarOverrideError(
                f"{OVERRIDES_ENV}={path}: no such file; point it at a calendar override "
                f"file or unset it to use {DEFAULT_OVERRIDES}"
            ) from None
        key = (str(path), None, None)
    state = _current
    if state is not None and state.key == key:
        return state
    with _lock:
        if _current is None or _current.key != key:
            overrides = _load_overrides(path) if key[1] is not None else {}
            _current = _State(key, path, overrides)
        return _current


_YEAR_KEYS = {"notice", "url", "holidays", "makeup_working_days"}


def _load_overrides(path: Path) -> dict[int, _Notice]:
    """Parse and check the override file; every error names the entry to fix."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise CalendarOverrideError(
            f"{path} line {e.lineno} column {e.colno}: not valid JSON: {e.msg}"
        ) from None
    if not isinstance(data, dict):
        raise CalendarOverrideError(f'{path}: must be a JSON object with a "years" object')
    unknown = [k for k in data if not k.startswith("_") and k != "years"]
    if unknown:
        raise CalendarOverrideError(
            f'{path}: unknown key(s) {unknown}; only "years" (and "_"-prefixed notes) are read'
        )
    years = data.get("years", {})
    if not isinstance(years, dict):
        raise CalendarOverrideError(f'{path}: "years" must be an object like {{"2027": {{...}}}}')
    notices = {}
    for key, entry in years.items():
        where = f'{path}: years."{key}"'
        if not (isinstance(key, str) and len(key) == 4 and key.isdigit()):
            raise CalendarOverrideError(f"{where}: the key must be a four-digit year")
        notices[int(key)] = _parse_notice(int(key), entry, where)
    return notices


def _parse_notice(year: int, entry: object, where: str) -> _Notice:
    notice, url, raw_off, raw_makeup = _check_entry(year, entry, where)
    off = _parse_days_off(raw_off, year, where)
    makeup = _parse_makeup_days(raw_makeup, off, year, where)
    return _Notice(year, notice.strip(), url, off, makeup)


def _check_entry(year: int, entry: object, where: str) -> tuple[str, str | None, list, list]:
    """The keys of a year's entry, checked: notice, url, holidays, makeup_working_days."""
    if not isinstance(entry, dict):
        raise CalendarOverrideError(f"{where}: must be an object with {sorted(_YEAR_KEYS)}")
    unknown = [k for k in entry if not k.startswith("_") and k not in _YEAR_KEYS]
    if unknown:
        raise CalendarOverrideError(
            f"{where}: unknown key(s) {unknown}; expected {sorted(_YEAR_KEYS)}"
        )
    notice = entry.get("notice")
    if not isinstance(notice, str) or not notice.strip():
        raise CalendarOverrideError(
            f"{where}.notice: give the title and number of the State Council notice, e.g. "
            f'"国务院办公厅关于{year}年部分节假日安排的通知（国办发明电〔{year - 1}〕N号）"'
        )
    url = entry.get("url")
    if url is not None and not isinstance(url, str):
        raise CalendarOverrideError(f"{where}.url: must be a string (the notice's gov.cn address)")
    raw_off = entry.get("holidays")
    if not isinstance(raw_off, list) or not raw_off:
        raise CalendarOverrideError(f"{where}.holidays: must be a non-empty list of days off")
    raw_makeup = entry.get("makeup_working_days")
    if not isinstance(raw_makeup, list):
        raise CalendarOverrideError(
            f"{where}.makeup_working_days: must be a list (empty if the notice has none)"
        )
    return notice, url, raw_off, raw_makeup


def _parse_days_off(raw_off: list, year: int, where: str) -> dict[date, str]:
    """The entry's "holidays": every day off (a range expanded), with its holiday's name."""
    off: dict[date, str] = {}
    for i, item in enumerate(raw_off):
        at = f"{where}.holidays[{i}]"
        if not isinstance(item, dict):
            raise CalendarOverrideError(
                f'{at}: must be {{"date": ..., "name": ...}} '
                f'or {{"from": ..., "to": ..., "name": ...}}'
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CalendarOverrideError(f'{at}: "name" is missing (e.g. "春节")')
        if "date" in item:
            first = last = _parse_date(item["date"], year, f"{at}.date")
        elif "from" in item and "to" in item:
            first = _parse_date(item["from"], year, f"{at}.from")
            last = _parse_date(item["to"], year, f"{at}.to")
            if last < first:
                raise CalendarOverrideError(f'{at}: "to" {last} is before "from" {first}')
        else:
            raise CalendarOverrideError(
                f'{at}: give "date", or "from" and "to" (both days included)'
            )
        for k in range((last - first).days + 1):
            off[first + timedelta(days=k)] = name.strip()
    return off


def _parse_makeup_days(
    raw_makeup: list, off: Mapping[date, str], year: int, where: str
) -> dict[date, str | None]:
    """The entry's "makeup_working_days": weekend days worked, with the holiday (if named)."""
    makeup: dict[date, str | None] = {}
    for i, item in enumerate(raw_makeup):
        at = f"{where}.makeup_working_days[{i}]"
        if not isinstance(item, dict) or "date" not in item:
            raise CalendarOverrideError(
                f'{at}: must be {{"date": "YYYY-MM-DD", "name": <the holiday it pays for>}}'
            )
        d = _parse_date(item["date"], year, f"{at}.date")
        if d.weekday() < 5:
            raise CalendarOverrideError(
                f"{at}: {d} is a {_WEEKDAY[d.weekday()]}; a make-up working day (调休上班) is a "
                f"Saturday or Sunday that becomes a working day, weekdays are working days anyway"
            )
        if d in off:
            raise CalendarOverrideError(
                f"{at}: {d} is also listed under holidays ({off[d]}); it cannot be both"
            )
        name = item.get("name")
        makeup[d] = name.strip() if isinstance(name, str) and name.strip() else None
    return makeup


def _parse_date(value: object, year: int, at: str) -> date:
    try:
        d = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        d = None
    if d is None:
        raise CalendarOverrideError(f"{at}: {value!r} is not a date; write YYYY-MM-DD")
    # A notice covers its year and may reach back into the previous December.
    if d.year not in (year, year - 1):
        raise CalendarOverrideError(
            f"{at}: {d} is outside {year} (a notice for {year} may only reach back into {year - 1})"
        )
    return d
