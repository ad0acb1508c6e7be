"""工作日历检查 (working-day calendar check) (calendar_check): wiring only; what staff read is
shuangsui_airflow/docs/calendar_check.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag, task

from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START


@dag(
    dag_display_name="工作日历检查",
    schedule="30 8 * * *",
    start_date=START,
    catchup=False,
    tags=["calendar"],
    doc_md=doc_md("calendar_check"),
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
)
def calendar_check():
    @task
    def official_calendar_known() -> list[int]:
        """Fail (alerting the 科室) while a year within 60 days has no official calendar."""
        from airflow.sdk.exceptions import AirflowFailException

        from shuangsui.core import workdays
        from shuangsui_airflow.run import current_run

        today = current_run().today
        gaps = workdays.calendar_gaps(today)
        if gaps:
            years = "、".join(str(g.year) for g in gaps)
            raise AirflowFailException(
                f"缺少 {years} 年的官方工作日历，抽查日期和期限无法计算。"
                + " ".join(map(str, gaps))
            )
        return sorted({today.year, workdays.add_working_days(today, 40).year})

    official_calendar_known()


calendar_check()
