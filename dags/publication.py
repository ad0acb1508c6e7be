"""
### Publication (一公开)

Daily, and whenever new results arrive (the `shuangsui_results` asset): brings the
publication list up to date, publishes every result that is ready — no problem found, or
the problem handled (整改 done or a decision made) — rebuilds the public site and open
data, and tracks deadlines: results without problems within 20 working days from the end of
the inspection (第七条(七)), counted on China's official calendar. The responsible 科室 is
warned before an item falls due and alerted every day it is overdue; nothing is missed
silently. A correction is a new version that says what changed and why.
"""

from __future__ import annotations

from airflow.sdk import (
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Param,
    dag,
    get_current_context,
    task,
)

from shuangsui_airflow import (
    DEFAULT_ARGS,
    PUBLIC_SITE,
    RESULTS,
    START,
    TZ,
    engine_for_task,
    run_moment,
    smtp_settings,
)


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 7 * * *", timezone=TZ), assets=[RESULTS]
    ),
    start_date=START,
    catchup=False,
    tags=["publication", "one-public"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    params={
        "warn_days": Param(
            3,
            type="integer",
            minimum=1,
            maximum=15,
            title="Warn this many working days before a deadline",
        ),
        "correction_reason": Param(
            "检查结果数据更新", type="string", title="Reason shown on corrections (更正原因)"
        ),
    },
)
def publication():
    @task
    def refresh() -> dict:
        """Publication items for every unit of an approved draw, with due dates."""
        from shuangsui.publish import publication as pub

        _, now, _ = run_moment(get_current_context())
        counts = pub.refresh(engine_for_task(), now=now)
        for year, missing in counts["calendar_missing"].items():
            print(
                f"{missing['units']} due date(s) wait for the {year} calendar: {missing['message']}"
            )
        return counts

    @task
    def publish(counts: dict, params) -> list:
        """Publish every result that is ready (always by its deadline)."""
        from shuangsui.publish import publication as pub

        _, now, _ = run_moment(get_current_context())
        done = pub.publish_ready(engine_for_task(), now=now, reason=params["correction_reason"])
        late = [d for d in done if not d["on_time"]]
        print(f"published {len(done)} result(s), {len(late)} after their due date")
        return [{**d, "due_on": str(d["due_on"])} for d in done]

    @task(outlets=[PUBLIC_SITE])
    def build_site(published: list) -> str:
        """The public pages and open data (CSV/JSON), rebuilt from the database."""
        from shuangsui import config
        from shuangsui.publish import site

        _, now, _ = run_moment(get_current_context())
        index = site.build_site(engine_for_task(), config.site_dir(), now=now)
        print(f"public site: {index}")
        return str(index)

    @task
    def track_deadlines(published: list, params) -> dict:
        """Warn before, alert after: every unpublished item with a due date."""
        from shuangsui.outreach import mail
        from shuangsui.publish import publication as pub

        _, now, today = run_moment(get_current_context())
        eng = engine_for_task()
        result = pub.deadlines(eng, today=today, now=now, warn_days=params["warn_days"])
        mail.send_pending(
            eng, smtp_settings(), now=now, kinds=("deadline_warning", "overdue_alert")
        )
        return {k: {d: len(v) for d, v in groups.items()} for k, groups in result.items()}

    published = publish(refresh())
    build_site(published)
    track_deadlines(published)


publication()
