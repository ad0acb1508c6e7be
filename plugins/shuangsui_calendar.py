"""Airflow plugin: China's working-day timetable (for DAG serialization) and the
working-day macros (``macros.shuangsui_calendar.add_working_days`` …). The code lives in
``shuangsui_airflow.timetable``; this file only registers it."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from shuangsui_airflow.timetable import MACROS, WorkingDayTimetable


class ShuangsuiCalendarPlugin(AirflowPlugin):
    """Registers the working-day timetable and the macros."""

    name = "shuangsui_calendar"
    timetables = [WorkingDayTimetable]
    macros = MACROS
