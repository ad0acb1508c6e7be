# mypy: disable-error-code="arg-type,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""The landing-file intake shared by registry_sync and results_intake: prepare → apply →
report, with its trigger-form params."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, Param, task

from shuangsui_airflow.run import current_run

log = logging.getLogger(__name__)


def intake_params(default_source_help: str) -> dict[str, Param]:
    """Trigger-form params of a landing-file intake (registry_sync, results_intake)."""
    return {
        "source": Param(
            None,
            type=["null", "string"],
            title="Landing file or folder",
            description=default_source_help,
        ),
        "full_snapshot": Param(
            True,
            type="boolean",
            title="Full directory",
            description="Units missing from the files are marked 移出名录 "
            "(never deleted). Off for partial updates.",
        ),
        "upstream_conn_id": Param(
            None, type=["null", "string"], title="Upstream database connection id"
        ),
        "upstream_tables": Param(
            {},
            type="object",
            title="Upstream tables",
            description='e.g. {"enterprises": "ent_dir"} or {"results": "inspection_results"}',
        ),
    }


def intake(outlet: Asset, default_source: Callable[[], Path]):
    """prepare → apply → report: read and check landing files or upstream tables, apply
    the valid rows in one transaction (updating `outlet`), write the quality report.
    `default_source` gives the landing folder read when the form names no source."""

    @task
    def prepare(params: dict[str, Any]) -> str:
        """Read, normalize and validate; nothing is written to the database yet."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowFailException

        from shuangsui import config
        from shuangsui.intake import pipeline

        run = current_run()
        upstream = []
        if params.get("upstream_conn_id"):
            c = BaseHook.get_connection(params["upstream_conn_id"])
            url = pipeline.sqlalchemy_url(
                c.conn_type, c.host, c.schema, c.login, c.password, c.port, c.extra_dejson
            )
            upstream = [
                (url, table, entity, f"conn:{c.conn_id}/{table}")
                for entity, table in params["upstream_tables"].items()
            ]
        source = params.get("source")
        if source is None and not upstream:
            source = str(default_source())
        work = config.work_dir() / run.run_id.replace(":", "_")
        try:
            return str(
                pipeline.prepare_run(
                    run.engine(),
                    source,
                    upstream,
                    run_id=run.run_id,
                    today=run.today,
                    workdir=work,
                    now=run.now,
                )
            )
        except pipeline.UnusableFile as e:
            raise AirflowFailException(str(e)) from e  # a bad file: retrying will not help

    @task(outlets=[outlet])
    def apply(prepared: str, params: dict[str, Any]) -> dict:
        """Quarantine bad rows and apply valid ones, in one transaction."""
        from shuangsui.intake import pipeline

        run = current_run()
        summary = pipeline.apply_run(
            run.engine(), prepared, now=run.now, full_snapshot=params["full_snapshot"]
        )
        return {"entities": summary["entities"], "quarantine_new": summary["quarantine_new"]}

    @task
    def report(prepared: str, summary: dict) -> str:
        """Write the human-readable data-quality report and say where it is."""
        from shuangsui import config
        from shuangsui.intake import quality_report

        run = current_run()
        path = quality_report.quality_report(
            Path(prepared), summary, folder=config.reports_dir() / run.dag_id
        )
        log.info("data-quality report: %s", path)
        return str(path)

    prepared = prepare()
    return report(prepared, apply(prepared))
