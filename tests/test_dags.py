"""The DAG files: they import cleanly, carry tags and retries, and really run."""
import shutil

import pytest
from sqlalchemy import func, select

from conftest import FIXTURES, ROOT, SAMPLES
from shuangsui import audit, db


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "registry_sync" in dagbag.dags


def test_every_dag_has_tags_docs_and_retries(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md, dag_id
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag_id}.{t.task_id}"


def run(dagbag, dag_id, conf):
    from airflow.utils.state import DagRunState

    dr = dagbag.dags[dag_id].test(run_conf=conf)
    return dr.state == DagRunState.SUCCESS, dr


@pytest.mark.e2e
def test_registry_sync_run_loads_reports_and_updates_the_asset(airflow_db, business_env,
                                                                dagbag, tmp_path):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES, landing)
    shutil.copy(FIXTURES / "enterprises_bad_check_digit.csv", landing / "enterprises_upd.csv")
    ok, dr = run(dagbag, "registry_sync", {"source": str(landing)})
    assert ok
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.enterprise)).scalar_one() == 3000
        assert conn.execute(select(db.quarantine.c.rule)).scalars().all() == ["uscc_check_digit"]
        assert audit.count(conn, "registry_sync.applied") == 1
    report = tmp_path / "data" / "reports" / "registry_sync" / "latest.html"
    html = report.read_text(encoding="utf-8")
    assert "校验位应为 9" in html and "enterprises_upd.csv" in html
    with create_session() as s:
        events = (s.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                  .filter(AssetModel.name == "shuangsui_registry",
                          AssetEvent.source_run_id == dr.run_id).count())
    assert events == 1


@pytest.mark.e2e
def test_unusable_file_fails_the_run_without_retry_and_changes_nothing(
        airflow_db, business_env, dagbag, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(FIXTURES / "enterprises_undecodable.csv", landing)
    ok, dr = run(dagbag, "registry_sync", {"source": str(landing)})
    assert not ok
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.enterprise)).scalar_one() == 0
        assert audit.count(conn, "registry_sync.failed") == 1
