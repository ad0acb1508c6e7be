"""
### Registry sync (名录库同步)

Keeps the enterprise directory (检查对象名录库), the inspector directory
(执法检查人员名录库) and the conflicts of interest (回避关系) current and clean.

Runs daily on the landing folder, and on demand: **Trigger DAG** with `source` naming a
file or a folder. Files may be CSV (UTF-8, UTF-8 with BOM or GBK) or Excel .xlsx; an
upstream database table can be read through an Airflow connection.

Bad rows are quarantined and listed in the data-quality report (path in the `report`
task's log and return value); valid rows are applied in one transaction. A file unusable as
a whole fails the run and changes nothing. A success updates the `shuangsui_registry` asset.
"""
from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task

from shuangsui_airflow import DEFAULT_ARGS, REGISTRY, START, run_moment


@dag(
    schedule="0 6 * * *",  # 06:00 Asia/Shanghai, before the working day
    start_date=START,
    catchup=False,
    tags=["registry", "data-quality"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params={
        "source": Param(None, type=["null", "string"], title="Landing file or folder",
                        description="Default: the landing folder (SHUANGSUI_LANDING_DIR)."),
        "full_snapshot": Param(True, type="boolean", title="Full directory",
                               description="Units missing from the files are marked 移出名录 "
                                           "(never deleted). Off for partial updates."),
        "upstream_conn_id": Param(None, type=["null", "string"],
                                  title="Upstream database connection id"),
        "upstream_tables": Param({}, type="object", title="Upstream tables",
                                 description='e.g. {"enterprises": "ent_dir", '
                                             '"inspectors": "staff", "conflicts": "recusals"}'),
    },
)
def registry_sync():
    @task
    def prepare(params) -> str:
        """Read, normalize and validate; nothing is written to the directories yet."""
        from shuangsui import config, db, registry

        run_id, now, today = run_moment(get_current_context())
        upstream = []
        if params.get("upstream_conn_id"):
            from airflow.sdk import BaseHook

            c = BaseHook.get_connection(params["upstream_conn_id"])
            url = registry.sqlalchemy_url(c.conn_type, c.host, c.schema, c.login, c.password,
                                          c.port, c.extra_dejson)
            upstream = [(url, table, entity, f"conn:{c.conn_id}/{table}")
                        for entity, table in params["upstream_tables"].items()]
        source = params.get("source")
        if source is None and not upstream:
            source = str(config.landing_dir())
        work = config.work_dir() / "registry_sync" / run_id.replace(":", "_")
        try:
            return str(registry.prepare_run(db.engine(), source, upstream, run_id=run_id,
                                            today=today, workdir=work, now=now))
        except registry.UnusableFile as e:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(e)) from e  # a bad file: retrying will not help

    @task(outlets=[REGISTRY])
    def apply(prepared: str, params) -> dict:
        """Quarantine bad rows and apply valid ones, in one transaction."""
        from shuangsui import db, registry

        _, now, _ = run_moment(get_current_context())
        summary = registry.apply_run(db.engine(), prepared, now=now,
                                     full_snapshot=params["full_snapshot"])
        return {"entities": summary["entities"], "quarantine_new": summary["quarantine_new"]}

    @task
    def report(prepared: str, summary: dict) -> str:
        """Write the human-readable data-quality report and say where it is."""
        from shuangsui import report as reports

        path = reports.quality_report(prepared, summary)
        print(f"data-quality report: {path}")
        return str(path)

    prepared = prepare()
    report(prepared, apply(prepared))


registry_sync()
