"""
### 工作日历检查 (working-day calendar check)

每天 08:30 检查国务院办公厅节假日安排是否已录入：今天起 60 天内涉及的年份，若缺少官方
工作日历，本检查失败（界面上显示为失败的运行），并向值班科室发送告警邮件。缺少日历时，
双随机抽查的计划日期、公示期限和整改期限都无法计算，系统不会按周末推测工作日。

处理办法：将《国务院办公厅关于××年部分节假日安排的通知》中的放假日期和调休上班日期录入
`include/shuangsui/core/calendar_overrides.json`（"years" → 年份），或在 chinesecalendar
发布覆盖该年份的版本后升级。录入后本检查即恢复成功。

Engineers: shuangsui.core.workdays.calendar_gaps; the refusal is not retried.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from shuangsui_airflow.defaults import DEFAULT_ARGS, START


@dag(
    dag_display_name="工作日历检查",
    schedule="30 8 * * *",
    start_date=START,
    catchup=False,
    tags=["calendar"],
    doc_md=__doc__,
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
