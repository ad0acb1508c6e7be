# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""结果公示（一公开） (publication): wiring only; what staff read is
shuangsui_airflow/docs/publication.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

import logging

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from shuangsui.core.clock import utcnow
from shuangsui_airflow.assets import PUBLIC_SITE, RESULTS
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START, TZ
from shuangsui_airflow.run import current_run
from shuangsui_airflow.smtp import smtp_settings

log = logging.getLogger(__name__)


@dag(
    dag_display_name="结果公示",
    description="公示抽查结果，重建公示网站和开放数据，到期提醒、逾期告警",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 7 * * *", timezone=TZ), assets=[RESULTS]
    ),
    start_date=START,
    catchup=False,
    tags=["publication", "one-public"],
    doc_md=doc_md("publication"),
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    params={
        "warn_days": Param(
            3,
            type="integer",
            minimum=1,
            maximum=15,
            title="提前提醒天数",
            description="必填：公示期限前几个工作日提醒负责的科室，1 到 15。",
            section="公示期限",
        ),
        "correction_reason": Param(
            "检查结果数据更新",
            type="string",
            minLength=1,
            title="更正原因",
            description="必填：已公示的结果有变化、发布新版本时注明的原因。",
            section="更正",
        ),
    },
)
def publication():
    @task
    def refresh() -> dict:
        """Publication items for every unit of an approved draw, with due dates."""
        from shuangsui.publish import publication as pub

        run = current_run()
        counts = pub.refresh(run.engine(), now=utcnow())
        for year, missing in counts["calendar_missing"].items():
            log.warning(
                "%s due date(s) wait for the %s calendar: %s",
                missing["units"],
                year,
                missing["message"],
            )
        return counts

    @task
    def publish(counts: dict, params) -> list:
        """Publish every result that is ready (always by its deadline)."""
        from shuangsui.publish import publication as pub

        run = current_run()
        done = pub.publish_ready(run.engine(), now=utcnow(), reason=params["correction_reason"])
        late = [d for d in done if not d["on_time"]]
        log.info("published %d result(s), %d after their due date", len(done), len(late))
        return [{**d, "due_on": str(d["due_on"])} for d in done]

    @task(outlets=[PUBLIC_SITE])
    def build_site(published: list) -> str:
        """The public pages and open data (CSV/JSON), rebuilt from the database."""
        from shuangsui import config
        from shuangsui.publish import site

        run = current_run()
        index = site.build_site(run.engine(), config.site_dir(), now=utcnow())
        log.info("public site: %s", index)
        return str(index)

    @task
    def track_deadlines(published: list, params) -> dict:
        """Warn before, alert after: every unpublished item with a due date."""
        from shuangsui.outreach import mail
        from shuangsui.publish import publication as pub

        run = current_run()
        eng = run.engine()
        result = pub.deadlines(eng, today=run.today, now=utcnow(), warn_days=params["warn_days"])
        mail.send_pending(
            eng, smtp_settings(), now=utcnow(), kinds=("deadline_warning", "overdue_alert")
        )
        return {k: {d: len(v) for d, v in groups.items()} for k, groups in result.items()}

    published = publish(refresh())
    build_site(published)
    track_deadlines(published)


publication()
