"""The draw's timetable: fixed dates moved to working days.

The timetable is shuangsui_airflow/timetable.py, registered by the plugin
plugins/shuangsui_calendar.py. Covered: fixed dates moved to working days, catchup and
end_date, a year without calendar data, serialization, and the macros.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import textwrap

import airflow  # noqa: F401  (settings put plugins/ on sys.path; conftest set the folders)
import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangsui_airflow.timetable as sc
from shuangsui.core import workdays

TZ = "Asia/Shanghai"
START_2026 = pendulum.datetime(2026, 1, 1, tz=TZ)


def cst(y, m, d, hh=9, mm=30):
    return pendulum.datetime(y, m, d, hh, mm, tz=TZ)


def schedule(timetable, earliest, *, n=10, latest=None, catchup=True):
    """The run moments (in Asia/Shanghai) the scheduler would create one after another."""
    restriction = TimeRestriction(earliest=earliest, latest=latest, catchup=catchup)
    runs, last = [], None
    for _ in range(n):
        info = timetable.next_dagrun_info(
            last_automated_data_interval=last, restriction=restriction
        )
        if info is None:
            break
        assert info.run_after == info.data_interval.start == info.data_interval.end
        runs.append(info.run_after.in_timezone(TZ))
        last = info.data_interval
    return runs


@pytest.fixture
def no_overrides(tmp_path, monkeypatch):
    """An override file without years: only the packages' data (2004-2026) counts."""
    path = tmp_path / "no_overrides.json"
    path.write_text('{"years": {}}', encoding="utf-8")
    monkeypatch.setenv(workdays.OVERRIDES_ENV, str(path))
    return path


@pytest.fixture
def clock(monkeypatch):
    """Set the timetable's 'now' (catchup=False starts from it)."""

    def set_now(moment):
        monkeypatch.setattr(sc, "_utcnow", lambda: moment.in_timezone("UTC"))

    return set_now


@pytest.fixture
def errors(monkeypatch):
    """The timetable's error log lines (Airflow's logging setup bypasses caplog)."""
    lines = []

    class Recorder:
        def error(self, msg, *args):
            lines.append(msg % args)

    monkeypatch.setattr(sc, "log", Recorder())
    return lines


# ---------------------------------------------------------------------------- schedule


def test_2026_draws_fall_on_the_first_working_day_on_or_after_each_date(no_overrides):
    runs = schedule(sc.WorkingDayTimetable(), START_2026, n=3)
    # 2026-03-01 is a Sunday: moved to Monday 03-02. 06-01 (Mon) and 09-01 (Tue) are working days.
    assert runs == [cst(2026, 3, 2), cst(2026, 6, 1), cst(2026, 9, 1)]
    assert not workdays.is_working_day(dt.date(2026, 3, 1))
    assert all(workdays.is_working_day(r.date()) for r in runs)
    assert sc.scheduled_days(2026) == [r.date() for r in runs]


def test_a_date_in_golden_week_is_moved_past_the_whole_holiday(no_overrides):
    runs = schedule(
        sc.WorkingDayTimetable(dates=[(10, 1)]), pendulum.datetime(2025, 1, 1, tz=TZ), n=1
    )
    assert runs == [cst(2025, 10, 9)]
    # 国庆节 and 中秋节 2025: 10-01 to 10-08 off (10-04 and 10-05 a weekend inside the break).
    assert [workdays.is_working_day(dt.date(2025, 10, d)) for d in range(1, 10)] == [False] * 8 + [
        True
    ]


def test_local_time_and_dates_are_configurable(no_overrides):
    timetable = sc.WorkingDayTimetable(dates=[(9, 1), (2, 1)], at="14:05")
    assert timetable.dates == ((2, 1), (9, 1))  # calendar order is the round order
    # 2026-02-01 is a Sunday -> Monday 02-02.
    assert schedule(timetable, START_2026, n=2) == [cst(2026, 2, 2, 14, 5), cst(2026, 9, 1, 14, 5)]


@pytest.mark.parametrize(
    "dates, message",
    [
        ([(2, 29)], "not every year has it"),
        ([(13, 1)], "give (month, day)"),
        ([(3, 1), (3, 1)], "listed twice"),
        ([], "at least one"),
    ],
)
def test_unusable_dates_are_refused_when_the_dag_is_parsed(dates, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sc.WorkingDayTimetable(dates=dates)


def test_catchup_runs_every_draw_from_start_date_on_and_not_before(no_overrides):
    timetable = sc.WorkingDayTimetable()
    # start_date after the 09:30 run of 03-02: the first run is June's.
    assert schedule(timetable, cst(2026, 3, 2, 10, 0), n=1) == [cst(2026, 6, 1)]
    # start_date exactly at a run moment includes it.
    assert schedule(timetable, cst(2026, 3, 2), n=1) == [cst(2026, 3, 2)]
    # A start in 2025 catches up 2025's draws first (2025-03-01 is a Saturday -> 03-03).
    assert schedule(timetable, pendulum.datetime(2025, 1, 1, tz=TZ), n=3) == [
        cst(2025, 3, 3),
        cst(2025, 6, 3),
        cst(2025, 9, 1),
    ]  # 2025-06-02: 端午节 in lieu


def test_catchup_false_schedules_the_next_draw_after_now(no_overrides, clock):
    clock(cst(2026, 4, 10, 12, 0))
    timetable = sc.WorkingDayTimetable()
    assert schedule(timetable, START_2026, n=1, catchup=False) == [cst(2026, 6, 1)]
    # ... also when the last automated run is long past.
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval.exact(cst(2025, 9, 1)),
        restriction=TimeRestriction(earliest=START_2026, latest=None, catchup=False),
    )
    assert info.run_after == cst(2026, 6, 1)


def test_catchup_false_still_runs_a_draw_missed_earlier_today(no_overrides, clock):
    clock(cst(2026, 6, 1, 15, 0))  # e.g. the scheduler was down at 09:30
    timetable = sc.WorkingDayTimetable()
    restriction = TimeRestriction(earliest=START_2026, latest=None, catchup=False)
    info = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.run_after == cst(2026, 6, 1)
    # Once it has run, the next is September's.
    info = timetable.next_dagrun_info(
        last_automated_data_interval=info.data_interval, restriction=restriction
    )
    assert info.run_after == cst(2026, 9, 1)


def test_end_date_stops_the_schedule_without_asking_for_later_years(no_overrides, errors):
    timetable = sc.WorkingDayTimetable()
    assert schedule(timetable, START_2026, latest=cst(2026, 8, 31, 23, 59)) == [
        cst(2026, 3, 2),
        cst(2026, 6, 1),
    ]
    assert schedule(timetable, START_2026, latest=pendulum.datetime(2026, 12, 31, tz=TZ)) == [
        cst(2026, 3, 2),
        cst(2026, 6, 1),
        cst(2026, 9, 1),
    ]
    assert errors == []  # 2027 has no data, but an ended DAG never needs it


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2025, 12, 31)),
    dates=st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=4, unique=True
    ),
)
def test_any_run_is_the_first_scheduled_working_day_at_or_after_start(start, dates):
    # Works with the packaged calendar only (no override file needed in 2005-2026).
    timetable = sc.WorkingDayTimetable(dates=dates)
    earliest = pendulum.datetime(start.year, start.month, start.day, tz=TZ)
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=earliest, latest=None, catchup=True),
    )
    run = info.run_after.in_timezone(TZ)
    assert run >= earliest and (run.hour, run.minute) == (9, 30)
    assert workdays.is_working_day(run.date())
    candidates = sorted(
        d for y in range(start.year - 1, start.year + 2) for d in timetable.scheduled_days(y)
    )
    assert run.date() == min(d for d in candidates if d >= start)
    assert 1 <= timetable.round_of(run.date()) <= len(dates)


# ------------------------------------------------------------------- a year without data


def test_a_year_without_calendar_data_schedules_nothing_and_says_what_to_add(
    calendar_unknown_years, errors
):
    calendar_unknown_years(2027)
    assert 2027 not in workdays.covered_years()
    timetable = sc.WorkingDayTimetable()
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval.exact(cst(2026, 9, 1)),
        restriction=TimeRestriction(earliest=START_2026, latest=None, catchup=True),
    )
    assert info is None
    [line] = errors
    assert "no next run is scheduled" in line and "2027" in line
    assert os.environ["SHUANGSUI_CALENDAR_OVERRIDES"] in line  # where to add the notice
    assert "国务院办公厅关于2027年部分节假日安排的通知" in line
    with pytest.raises(workdays.CalendarDataMissing):
        sc.round_of("2027-03-01")


def test_an_override_file_for_2027_schedules_the_2027_draws(tmp_path, monkeypatch, errors):
    # Test data, not the real 2027 notice: a made-up day off on 03-01 and 03-02 shows
    # that the override file is what moves the draw.
    path = tmp_path / "overrides.json"
    path.write_text(
        json.dumps(
            {
                "years": {
                    "2027": {
                        "notice": "test fixture for the 2027 notice",
                        "holidays": [
                            {"date": "2027-01-01", "name": "元旦"},
                            {"from": "2027-03-01", "to": "2027-03-02", "name": "test-only day off"},
                        ],
                        "makeup_working_days": [],
                    }
                }
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv(workdays.OVERRIDES_ENV, str(path))
    timetable = sc.WorkingDayTimetable()
    runs = schedule(timetable, START_2026, n=4)
    assert runs[3] == cst(2027, 3, 3)
    assert errors == []
    assert sc.round_of("2027-03-03") == 1


# ------------------------------------------------------------------------------- rounds


def test_round_of_gives_the_index_of_the_draw_date_in_its_year(no_overrides):
    assert sc.round_of(dt.date(2026, 3, 2)) == 1
    assert sc.round_of("2026-06-01") == 2
    # Airflow's logical date of the September draw: 01:30 UTC.
    assert sc.round_of(pendulum.datetime(2026, 9, 1, 1, 30, tz="UTC")) == 3
    assert sc.round_of(dt.date(2025, 10, 9), dates=[(6, 1), (10, 1)]) == 2
    assert sc.WorkingDayTimetable(dates=[(10, 1)]).round_of("2025-10-09") == 1


def test_round_of_refuses_a_day_that_is_not_a_draw_day(no_overrides):
    with pytest.raises(
        ValueError,
        match=r"2026-03-01 is not a scheduled draw day.*"
        r"2026-03-02 \(round 1\)",
    ):
        sc.round_of("2026-03-01")


def test_round_of_finds_a_december_date_moved_into_january(no_overrides):
    # 2025-12-31 is a Wednesday, a working day; 2022-12-31 (Saturday) moves to 2023-01-03
    # (2023-01-01/02 off for 元旦).
    assert sc.round_of("2023-01-03", dates=[(6, 1), (12, 31)]) == 2
    timetable = sc.WorkingDayTimetable(dates=[(6, 1), (12, 31)])
    assert schedule(timetable, pendulum.datetime(2022, 7, 1, tz=TZ), n=2) == [
        cst(2023, 1, 3),
        cst(2023, 6, 1),
    ]


# ------------------------------------------------------------------------ serialization


def test_serialize_deserialize_round_trip():
    timetable = sc.WorkingDayTimetable(dates=[(3, 15), (7, 1), (11, 2)], at="08:45")
    data = json.loads(json.dumps(timetable.serialize()))
    assert data == {"dates": [[3, 15], [7, 1], [11, 2]], "at": "08:45"}
    again = sc.WorkingDayTimetable.deserialize(data)
    assert again == timetable
    assert (
        again.summary
        == timetable.summary
        == "每年 03-15, 07-01, 11-02 08:45（遇节假日顺延至工作日）"
    )
    assert "节假日顺延" in again.description
    assert again.type_name == "shuangsui_airflow.timetable.WorkingDayTimetable"


def test_manual_runs_cover_the_moment_they_are_triggered():
    moment = pendulum.datetime(2026, 4, 3, 2, 0, tz="UTC")
    assert sc.WorkingDayTimetable().infer_manual_data_interval(run_after=moment) == DataInterval(
        moment, moment
    )


def test_the_plugin_registers_the_timetable_for_the_scheduler():
    from airflow import plugins_manager

    registered = plugins_manager.get_timetables_plugins()
    assert (
        registered["shuangsui_airflow.timetable.WorkingDayTimetable"].__name__
        == "WorkingDayTimetable"
    )


DAG_FILE = '''
"""A DAG on the working-day timetable."""
import pendulum
from airflow.sdk import dag, task

from shuangsui_airflow.timetable import WorkingDayTimetable


@dag(schedule=WorkingDayTimetable(dates=[(3, 1), (6, 1), (9, 1)], at="09:30"),
     start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"), catchup=True,
     tags=["test"], doc_md=__doc__)
def on_working_days():
    @task
    def noop():
        return None

    noop()


on_working_days()
'''


def test_a_dag_on_the_timetable_loads_serializes_and_schedules(tmp_path, no_overrides):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    (tmp_path / "on_working_days.py").write_text(textwrap.dedent(DAG_FILE), encoding="utf-8")
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.import_errors == {}
    dag = bag.dags["on_working_days"]
    assert type(dag.timetable).__name__ == "WorkingDayTimetable"

    # The scheduler only sees the serialized DAG: the timetable is stored by import path
    # and rebuilt from the plugin's registered class.
    data = json.loads(json.dumps(DagSerialization.to_dict(dag)))
    stored = data["dag"]["timetable"]
    assert stored["__type"] == "shuangsui_airflow.timetable.WorkingDayTimetable"
    assert stored["__var"] == {"dates": [[3, 1], [6, 1], [9, 1]], "at": "09:30"}
    serialized = DagSerialization.from_dict(data)
    assert serialized.timetable.serialize() == dag.timetable.serialize()
    info = serialized.next_dagrun_info(last_automated_run_info=None)
    assert info.run_after == pendulum.datetime(2026, 3, 2, 1, 30, tz="UTC")


# ------------------------------------------------------------------------------ macros


def test_macros_accept_date_strings_dates_and_airflow_datetimes(no_overrides):
    # 国庆节 2026: 10-01 to 10-07 off; 10-08 (Thu) works.
    assert sc.add_working_days("2026-09-30", 1) == dt.date(2026, 10, 8)
    assert sc.add_working_days(dt.date(2026, 10, 8), -1) == dt.date(2026, 9, 30)
    assert sc.is_working_day("2026-02-28")  # a Saturday worked for 春节 (调休上班)
    assert not sc.is_working_day("2026-03-01")
    assert sc.next_working_day("2026-03-01") == dt.date(2026, 3, 2)
    assert sc.next_working_day("2026-03-02", inclusive=False) == dt.date(2026, 3, 3)
    assert sc.working_days_between("2026-09-30", "2026-10-09") == 2
    # 2026-03-01 20:00 UTC is Monday 03-02 04:00 in China: a working day.
    assert sc.is_working_day(pendulum.datetime(2026, 3, 1, 20, tz="UTC"))
    assert sc.is_working_day("2026-03-01T20:00:00+00:00")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        sc.is_working_day("next monday")


def test_macros_are_reachable_in_task_templates(no_overrides):
    import jinja2
    from airflow.sdk.execution_time import macros
    from airflow.sdk.plugins_manager import integrate_macros_plugins

    integrate_macros_plugins()
    # 20 working days after 09-30: 10-08, 10-09, 10-10 (Saturday worked for 国庆节), then
    # 15 weekdays 10-12 to 10-30, then 11-02 and 11-03.
    template = jinja2.Template(
        "{{ macros.shuangsui_calendar.add_working_days(ds, 20) }} "
        "{{ macros.shuangsui_calendar.is_working_day(ds) }} "
        "{{ macros.shuangsui_calendar.working_days_between(ds, '2026-10-09') }}"
    )
    assert template.render(macros=macros, ds="2026-09-30") == "2026-11-03 True 2"
