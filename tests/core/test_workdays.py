"""The official working-day calendar: holidays, 调休 make-up days, deadlines, overrides."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants as cc
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangsui.core import workdays
from shuangsui.core.workdays import (
    CalendarDataMissing,
    CalendarOverrideError,
    add_working_days,
    covered_years,
    cross_check,
    holiday_name,
    is_working_day,
    next_working_day,
    working_days_between,
    year_calendar,
)

CC_LAST_YEAR = max(d.year for d in cc.holidays)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def write_overrides(path, years: dict) -> str:
    path.write_text(json.dumps({"years": years}, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture(autouse=True)
def empty_overrides(tmp_path, monkeypatch):
    """Every test starts from an empty override file, whatever the shipped one holds."""
    monkeypatch.setenv(workdays.OVERRIDES_ENV, write_overrides(tmp_path / "empty.json", {}))


@pytest.fixture
def overrides(tmp_path, monkeypatch):
    """Point the module at an override file holding the given years."""

    def use(years: dict) -> None:
        path = write_overrides(tmp_path / "overrides.json", years)
        monkeypatch.setenv(workdays.OVERRIDES_ENV, path)

    return use


def first_weekday(year: int, month: int, weekday: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(weekday - d.weekday()) % 7)


# ------------------------------------------------------------------ the official calendar


def test_spring_festival_2026_is_off_from_feb_15_to_feb_23():
    for d in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not is_working_day(d), d
        assert chinese_calendar.is_holiday(d), d
        assert holiday_name(d) == "春节"
    assert is_working_day(date(2026, 2, 13)) and is_working_day(date(2026, 2, 24))


def test_spring_festival_2026_makeup_saturdays_feb_14_and_feb_28_are_working_days():
    for d in (date(2026, 2, 14), date(2026, 2, 28)):
        assert d.weekday() == 5
        assert cc.workdays[d] == cc.Holiday.spring_festival.value  # the package's own data
        assert is_working_day(d)
        assert holiday_name(d) is None
        assert year_calendar(2026).makeup_working_days[d] == "春节"


def test_national_day_2025_is_off_from_oct_1_to_oct_8_with_makeup_days_sep_28_and_oct_11():
    for d in days(date(2025, 10, 1), date(2025, 10, 8)):
        assert not is_working_day(d), d
    assert holiday_name(date(2025, 10, 1)) == "国庆节"
    assert holiday_name(date(2025, 10, 6)) == "中秋节"  # Mid-Autumn fell inside the Golden Week
    assert date(2025, 9, 28).weekday() == 6 and is_working_day(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and is_working_day(date(2025, 10, 11))
    assert cc.workdays.keys() >= {date(2025, 9, 28), date(2025, 10, 11)}


def test_makeup_saturday_counts_as_a_working_day():
    friday, saturday, monday = date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 13)
    assert add_working_days(friday, 1) == saturday
    assert working_days_between(friday, monday) == 2
    assert next_working_day(saturday) == saturday


def test_ordinary_weekend_is_not_a_working_day_and_has_no_holiday_name():
    assert not is_working_day(date(2025, 10, 18))
    assert holiday_name(date(2025, 10, 18)) is None


def test_every_day_2004_to_last_package_year_agrees_with_chinese_calendar():
    for d in days(date(2004, 1, 1), date(CC_LAST_YEAR, 12, 31)):
        assert is_working_day(d) == chinese_calendar.is_workday(d), d


# -------------------------------------------------------------------------- deadlines


def test_20_working_days_after_inspection_ending_before_national_day_2025():
    end_of_inspection = date(2025, 9, 30)  # Tuesday, the day before the Golden Week
    deadline = add_working_days(end_of_inspection, 20)
    assert deadline == date(2025, 11, 4)
    # chinese_calendar's own counter agrees (it skips the start day when that is a workday)
    assert deadline == chinese_calendar.find_workday(20, end_of_inspection)
    assert working_days_between(end_of_inspection, deadline) == 20
    assert deadline != date(2025, 10, 28)  # what counting Monday-Friday alone would say


def test_end_day_is_not_counted_and_zero_days_is_the_day_itself():
    assert add_working_days(date(2025, 9, 29), 1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)


def test_negative_count_goes_backwards_over_the_holiday():
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 12), -1) == date(2025, 10, 11)


def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 10, 9), date(2025, 9, 30)) == -1
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == len(
        chinese_calendar.get_workdays(date(2025, 1, 1), date(2025, 12, 31))
    )


def test_next_working_day_skips_the_spring_festival():
    assert next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)
    assert next_working_day(date(2026, 2, 24)) == date(2026, 2, 24)
    assert next_working_day(date(2026, 2, 24), inclusive=False) == date(2026, 2, 25)


def test_datetime_counts_by_its_date_part_and_strings_are_refused():
    assert add_working_days(datetime(2025, 9, 30, 17, 30), 20) == date(2025, 11, 4)
    assert not is_working_day(datetime(2025, 10, 1, 9, 0))
    with pytest.raises(TypeError, match="datetime.date"):
        is_working_day("2025-10-01")


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2004, 3, 1), max_value=date(CC_LAST_YEAR, 9, 30)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_adding_working_days_lands_on_a_working_day_n_days_away(start, n):
    landed = add_working_days(start, n)
    if n == 0:
        assert landed == start
        return
    assert is_working_day(landed)
    if n > 0:
        assert working_days_between(start, landed) == n
    else:  # back n from start, forward n again: start itself, or the next working day
        assert add_working_days(landed, -n) == next_working_day(start)
        assert working_days_between(landed, start) == -n - (0 if is_working_day(start) else 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(date(2004, 1, 1), date(CC_LAST_YEAR, 12, 31)), min_size=3, max_size=3))
def test_working_days_between_adds_up_across_any_three_dates(abc):
    a, b, c = abc
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


# -------------------------------------------------------------------------- no data


def test_year_without_data_raises_calendar_data_missing_naming_the_year():
    for year in (1999, max(covered_years()) + 1):
        with pytest.raises(CalendarDataMissing) as caught:
            is_working_day(date(year, 3, 2))  # a weekday: still refused, never guessed
        assert caught.value.year == year
        message = str(caught.value)
        assert f"{year}" in message and f"国务院办公厅关于{year}年部分节假日安排的通知" in message
        assert "chinesecalendar" in message and "empty.json" in message  # what to do, and where


def test_deadline_running_into_a_year_without_data_is_refused():
    last = max(covered_years())
    with pytest.raises(CalendarDataMissing, match=str(last + 1)):
        add_working_days(date(last, 12, 20), 20)


def test_package_year_range_is_2004_to_at_least_2026():
    assert covered_years() >= set(range(2004, 2027))
    with pytest.raises(NotImplementedError):  # why an uncovered year cannot be asked of it
        chinese_calendar.is_workday(date(CC_LAST_YEAR + 1, 1, 5))


# --------------------------------------------------------------------- override file


def test_override_file_defines_a_future_year(overrides):
    year = max(covered_years()) + 3
    makeup = first_weekday(year, 2, 5)  # a Saturday
    holiday_from, holiday_to = makeup + timedelta(days=1), makeup + timedelta(days=8)
    overrides(
        {
            str(year): {
                "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
                "holidays": [
                    {"date": f"{year}-01-01", "name": "元旦"},
                    {
                        "from": holiday_from.isoformat(),
                        "to": holiday_to.isoformat(),
                        "name": "春节",
                    },
                ],
                "makeup_working_days": [{"date": makeup.isoformat(), "name": "春节"}],
            }
        }
    )
    assert year in covered_years()
    assert is_working_day(makeup) and makeup.weekday() == 5
    in_the_break = holiday_from + timedelta(days=1)
    assert not is_working_day(in_the_break) and holiday_name(in_the_break) == "春节"
    assert add_working_days(makeup - timedelta(days=1), 2) == holiday_to + timedelta(days=1)
    other_saturday = makeup + timedelta(days=21)
    assert not is_working_day(other_saturday)
    assert "国务院办公厅" in year_calendar(year).source
    source = year_calendar(year).source
    assert cross_check(year) == [f"{year}: not cross-checked, only {source} has data for {year}"]


def test_override_year_replaces_the_package_and_cross_check_reports_the_difference(overrides):
    # An operator's (deliberately wrong) 2025: National Day without Oct 8.
    overrides(
        {
            "2025": {
                "notice": "test notice",
                "holidays": [{"from": "2025-10-01", "to": "2025-10-07", "name": "国庆节"}],
                "makeup_working_days": [],
            }
        }
    )
    assert is_working_day(date(2025, 10, 8))
    findings = cross_check(2025)
    [oct8] = [f for f in findings if f.startswith("2025-10-08 (Wed)")]
    assert "chinese_calendar" in oct8 and "holidays" in oct8 and "In use: working day" in oct8


def test_override_reaching_into_previous_december_changes_that_day_only(overrides):
    year = 2026  # covered by the package; the next year's notice reaches back into it
    last_saturday = date(year, 12, 31) - timedelta(days=(date(year, 12, 31).weekday() - 5) % 7)
    overrides(
        {
            str(year + 1): {
                "notice": "next year's notice",
                "holidays": [{"from": f"{year}-12-31", "to": f"{year + 1}-01-01", "name": "元旦"}],
                "makeup_working_days": [{"date": last_saturday.isoformat(), "name": "元旦"}],
            }
        }
    )
    assert not is_working_day(date(year, 12, 31)) and holiday_name(date(year, 12, 31)) == "元旦"
    assert is_working_day(last_saturday)
    # the rest of the year still comes from the package
    assert year_calendar(year).source.startswith("chinese_calendar")
    assert not is_working_day(date(year + 1, 1, 1))


def test_override_error_names_the_entry_to_fix(overrides):
    overrides(
        {
            "2031": {
                "notice": "x",
                "holidays": [{"date": "2031-01-01", "name": "元旦"}],
                "makeup_working_days": [{"date": "2031-01-08", "name": "春节"}],  # a Wednesday
            }
        }
    )
    entry = r'years\."2031"\.makeup_working_days\[0\].*Wed'
    with pytest.raises(CalendarOverrideError, match=entry):
        is_working_day(date(2031, 1, 8))


def test_override_env_var_pointing_nowhere_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(workdays.OVERRIDES_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(CalendarOverrideError, match="missing.json"):
        is_working_day(date(2025, 1, 2))


def test_shipped_override_file_loads_and_its_example_is_the_2026_notice(monkeypatch, overrides):
    monkeypatch.delenv(workdays.OVERRIDES_ENV)
    assert covered_years() >= set(range(2004, 2027))
    shipped = json.loads(workdays.DEFAULT_OVERRIDES.read_text(encoding="utf-8"))
    overrides(shipped["_example"])
    from_example = year_calendar(2026)
    assert "国务院办公厅关于2026年部分节假日安排的通知" in from_example.source
    for d in days(date(2026, 1, 1), date(2026, 12, 31)):
        assert from_example.is_working_day(d) == chinese_calendar.is_workday(d), d
    assert cross_check(2026) == []


# ----------------------------------------------------------------------- cross-check


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_cross_check_finds_the_packages_agree(year):
    assert cross_check(year) == []
