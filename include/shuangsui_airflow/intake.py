# mypy: disable-error-code="arg-type,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""The landing-file intake shared by registry_sync and results_intake: prepare → apply →
report, with its trigger-form params."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, Param, task

from shuangsui_airflow.run import Run, current_run

log = logging.getLogger(__name__)


def intake_params(
    source_help: str, full_snapshot_help: str, *, confirm_delist: bool = False
) -> dict[str, Param]:
    """Trigger-form params of a landing-file intake (registry_sync, results_intake); the
    two texts say what the source defaults to and what 完整名录 means for this intake;
    `confirm_delist` adds the snapshot guard's confirmation (directories only)."""
    guard = {
        "confirm_delist": Param(
            False,
            type="boolean",
            title="确认移出名录",
            description="默认关闭。完整名录同步将把超过设定比例（默认 5%）的现有单位"
            "（或人员、回避关系）标记为移出名录，或文件没有数据行时，同步被拒绝、不作任何"
            "更改。核实文件确为完整名录后，打开此项重新运行；确认人和数字记入数据质量报告"
            "和审计记录。",
            section="读取文件",
        )
    }
    return {
        "source": Param(
            None,
            type=["null", "string"],
            title="文件或文件夹",
            description=source_help,
            section="读取文件",
        ),
        "full_snapshot": Param(
            True,
            type="boolean",
            title="完整名录",
            description=full_snapshot_help,
            section="读取文件",
        ),
        **(guard if confirm_delist else {}),
        "upstream_conn_id": Param(
            None,
            type=["null", "string"],
            title="上游数据库连接",
            description="选填：从上游系统的数据库表读取时，填写 Airflow 连接的编号（Conn Id）。",
            section="上游数据库",
        ),
        "upstream_tables": Param(
            {},
            type="object",
            title="上游数据表",
            description='填写了上游数据库连接时必填：读取哪些表，如 {"enterprises": "ent_dir"}'
            '（检查对象）、{"inspectors": "…"}（执法人员）、{"conflicts": "…"}（回避关系）'
            '或 {"results": "inspection_results"}（检查结果）。',
            section="上游数据库",
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
        """Quarantine bad rows and apply valid ones, in one transaction. A full snapshot
        the snapshot guard refuses fails at once (no retry) after writing the report."""
        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException

        from shuangsui.intake import pipeline

        run = current_run()
        user = getattr(get_current_context()["dag_run"], "triggering_user_name", None)
        try:
            summary = pipeline.apply_run(
                run.engine(),
                prepared,
                now=run.now,
                full_snapshot=params["full_snapshot"],
                confirm_delist=bool(params.get("confirm_delist")),
                actor=f"{run.dag_id}:{user}" if user else run.dag_id,
            )
        except pipeline.SnapshotRefused as e:
            _write_report(
                prepared,
                run,
                json.loads(Path(prepared).with_name("summary.json").read_text(encoding="utf-8")),
            )
            raise AirflowFailException(str(e)) from e  # the same file is refused again
        return {k: summary[k] for k in ("entities", "quarantine_new", "delist_guard")}

    @task
    def report(prepared: str, summary: dict) -> str:
        """Write the human-readable data-quality report and say where it is."""
        return _write_report(prepared, current_run(), summary)

    prepared = prepare()
    return report(prepared, apply(prepared))


def _write_report(prepared: str, run: Run, summary: dict) -> str:
    from shuangsui import config
    from shuangsui.intake import quality_report

    path = quality_report.quality_report(
        Path(prepared), summary, folder=config.reports_dir() / run.dag_id
    )
    log.info("data-quality report: %s", path)
    return str(path)
