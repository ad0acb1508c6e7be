"""The DAG files: they import cleanly, carry tags and retries, and really run."""

import datetime as dt
import shutil
import sys

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
    """One real run of a freshly parsed DAG (tasks run in this process and may leave state
    on the DAG object, such as params updated from a run's conf)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    dag = DagBag(dag_folder=str(ROOT / "dags" / f"{dag_id}.py")).get_dag(dag_id)
    dr = dag.test(run_conf=conf)
    return dr.state == DagRunState.SUCCESS, dr


@pytest.mark.e2e
def test_registry_sync_run_loads_reports_and_updates_the_asset(
    airflow_db, business_env, dagbag, tmp_path
):
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
        events = (
            s.query(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetModel.name == "shuangsui_registry", AssetEvent.source_run_id == dr.run_id)
            .count()
        )
    assert events == 1


@pytest.mark.e2e
def test_unusable_file_fails_the_run_without_retry_changes_nothing_and_alerts(
    airflow_db, business_env, dagbag, tmp_path, smtp_server
):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(FIXTURES / "enterprises_undecodable.csv", landing)
    ok, dr = run(dagbag, "registry_sync", {"source": str(landing)})
    assert not ok
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.enterprise)).scalar_one() == 0
        assert audit.count(conn, "registry_sync.failed") == 1
    [alert] = [m for m in smtp_server.messages if "运行失败" in m["Subject"]]
    assert "cannot be read as UTF-8 or GBK" in alert.get_body(("html",)).get_content()


@pytest.mark.e2e
def test_a_partial_snapshot_is_refused_without_retry_and_a_confirmed_run_applies_it(
    airflow_db, business_env, dagbag, tmp_path, smtp_server
):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES, landing)
    assert run(dagbag, "registry_sync", {"source": str(landing)})[0]
    lines = (landing / "enterprises.csv").read_text(encoding="utf-8").splitlines()
    (landing / "enterprises.csv").write_text("\n".join(lines[:25]) + "\n", encoding="gbk")
    ok, dr = run(dagbag, "registry_sync", {"source": str(landing)})
    assert not ok
    assert _tries(dr, "apply") == ("failed", 1)
    listed = select(func.count()).select_from(db.enterprise).where(db.enterprise.c.listed)
    with business_env.connect() as conn:
        assert conn.execute(listed).scalar_one() == 3000
        assert audit.count(conn, "registry_sync.refused") == 1
    [alert] = [m for m in smtp_server.messages if "运行失败" in m["Subject"]]
    assert "现有 3000 条中的 2976 条" in alert.get_body(("html",)).get_content()
    report = tmp_path / "data" / "reports" / "registry_sync" / "latest.html"
    assert "同步被拒绝，未作任何更改" in report.read_text(encoding="utf-8")

    ok, dr = run(dagbag, "registry_sync", {"source": str(landing), "confirm_delist": True})
    assert ok
    with business_env.connect() as conn:
        assert conn.execute(listed).scalar_one() == 24
    assert "已确认移出名录" in report.read_text(encoding="utf-8")


@pytest.mark.e2e
def test_registry_sync_reads_an_upstream_table_through_an_airflow_connection(
    airflow_db, business_env, dagbag, tmp_path, monkeypatch
):
    import json

    import pandas as pd
    from sqlalchemy import create_engine

    upstream = tmp_path / "upstream.db"
    rows = pd.read_csv(FIXTURES / "enterprises_gbk.csv", dtype=str, encoding="gbk")
    with create_engine(f"sqlite:///{upstream}").begin() as c:
        rows.to_sql("ent_directory", c, index=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_UPSTREAM_REGISTRY", json.dumps({"conn_type": "sqlite", "host": str(upstream)})
    )
    ok, _ = run(
        dagbag,
        "registry_sync",
        {
            "upstream_conn_id": "upstream_registry",
            "upstream_tables": {"enterprises": "ent_directory"},
        },
    )
    assert ok
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.enterprise)).scalar_one() == 10


def _answer(option, reason="", value="385"):
    """A clerk enters the source's value, a second clerk confirms it, the leader decides."""

    def answer(task_id, map_index, subject, body):
        step = task_id.rsplit(".", 1)[-1]
        if step == "enter_value":
            return ("录入", {"value": value, "reason": ""}, "clerk")
        if step == "confirm_value":
            return ("核对无误", {}, "clerk2")
        return (option, {"reason": reason})

    return answer


def _run_with(dag_id, conf, option, reason="", user="leader", seen=None):
    """Run with the answers of _answer; `seen` (a list) gets, when the clerk is asked
    for the value, the public site's page of each committed draw as it is then."""
    sys.path.insert(0, str(ROOT / "tools"))
    import airflow_run
    from shuangsui import config

    if dag_id == "double_random_draw":
        conf = {"source": "demo", **conf}
    policy = _answer(option, reason, value="385016")

    def watching(task_id, map_index, subject, body):
        if seen is not None and task_id.endswith("enter_value"):
            seen.extend(
                p.read_text(encoding="utf-8") for p in (config.site_dir() / "draws").glob("*.html")
            )
        return policy(task_id, map_index, subject, body)

    return airflow_run.run(dag_id, conf, watching, user=user)


@pytest.fixture
def registry_loaded(registry_engine):
    return registry_engine


@pytest.mark.e2e
def test_a_beacon_draw_fetches_its_round_with_no_entry_step(
    airflow_db, registry_loaded, dagbag, smtp_server, beacon
):
    from beacon_server import randomness
    from shuangsui.draw import lifecycle

    asked: list[str] = []
    policy = _answer("批准")

    def answer(task_id, map_index, subject, body):
        asked.append(task_id.rsplit(".", 1)[-1])
        return policy(task_id, map_index, subject, body)

    sys.path.insert(0, str(ROOT / "tools"))
    import airflow_run

    conf = {"department": "危险化学品监管科", "units": 6, "kind": "专项治理", "source": "beacon"}
    dr = airflow_run.run("double_random_draw", conf, answer, user="leader")
    assert str(dr.state).endswith("success")
    assert asked == ["approve"]  # nobody was asked for the value
    with registry_loaded.connect() as conn:
        [row] = conn.execute(select(db.draw)).all()
        rec = lifecycle.record(conn, row.draw_id).to_json()
    src = rec["public_source"]
    assert src["kind"] == "beacon" and f"/public/{src['round']}" in beacon.requests
    assert rec["public_value"] == randomness(src["round"])
    assert rec["public_value_entry"]["by"] == "beacon" and rec["status"] == "approved"


@pytest.mark.e2e
def test_draw_waits_for_the_leader_then_notifies_each_inspector_once(
    airflow_db, registry_loaded, dagbag, smtp_server
):
    from shuangsui.draw import lifecycle

    seen: list[str] = []
    dr = _run_with(
        "double_random_draw",
        {"department": "危险化学品监管科", "units": 12, "kind": "专项治理"},
        "批准",
        seen=seen,
    )
    assert str(dr.state).endswith("success")
    # Before anyone could enter the value, the commitment was on the public site.
    [page] = seen
    assert "已公布承诺，待抽取" in page and "演示随机源" in page
    with registry_loaded.connect() as conn:
        [row] = conn.execute(select(db.draw)).all()
        rec = lifecycle.record(conn, row.draw_id).to_json()
        assert audit.verify(conn).first_broken is None
    assert rec["status"] == "approved" and rec["decision"]["by"] == "王建国（分管副局长）"
    assert rec["commitment"] in page and rec["secret"] not in page
    assert len(rec["targets"]) == 12 and all(len(t["members"]) >= 2 for t in rec["teams"])
    # Each moment is when it happened: the leader answered after the draw, mail went after.
    with registry_loaded.connect() as conn:
        sent = conn.execute(
            select(func.min(db.outbox.c.sent_at)).where(db.outbox.c.kind == "task_sheet")
        ).scalar_one()
        occurred = (
            conn.execute(select(db.audit_event.c.occurred_at).order_by(db.audit_event.c.seq))
            .scalars()
            .all()
        )
    assert row.created_at < row.drawn_at < row.decided_at < sent
    assert occurred == sorted(occurred)  # the audit sequence never runs backwards in time
    inspectors = {m for t in rec["current_teams"] for m in t["members"]}
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert sum("待审批" in s for s in subjects) == 1  # the 分管领导 was asked
    sheets = [m for m in smtp_server.messages if "任务单" in m["Subject"]]
    assert len(sheets) == len(inspectors)
    names = {a.get_filename() for m in sheets for a in m.iter_attachments()}
    assert any(n.startswith("通知书_") for n in names) and any(
        n.startswith("任务单_") for n in names
    )


@pytest.mark.e2e
def test_an_answer_from_someone_who_is_not_the_leader_decides_nothing(
    airflow_db, registry_loaded, dagbag, smtp_server
):
    dr = _run_with(
        "double_random_draw", {"department": "非煤矿山监管科", "units": 5}, "批准", user="clerk"
    )
    assert not str(dr.state).endswith("success")
    with registry_loaded.connect() as conn:
        row = conn.execute(select(db.draw)).one()
        assert conn.execute(select(func.count()).select_from(db.document)).scalar_one() == 0
    assert (row.status, row.decided_by) == ("drawn", None)
    assert [m["Subject"] for m in smtp_server.messages if "任务单" in m["Subject"]] == []


def _tries(dr, task_id):
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = (
            session.query(TaskInstance)
            .filter_by(dag_id=dr.dag_id, run_id=dr.run_id, task_id=task_id)
            .one()
        )
        return str(ti.state), ti.try_number


@pytest.mark.e2e
def test_a_draw_the_rules_refuse_fails_at_once_without_retry(
    airflow_db, registry_loaded, dagbag, smtp_server
):
    from shuangsui.draw import plan, plan_file

    # 非煤矿山监管科 has 132 units: 500 cannot be drawn (第七条), and trying again won't help.
    dr = _run_with("double_random_draw", {"department": "非煤矿山监管科", "units": 500}, "批准")
    assert not str(dr.state).endswith("success")
    assert _tries(dr, "one_draw.perform") == ("failed", 1)
    with registry_loaded.connect() as conn:
        assert conn.execute(select(db.draw.c.status)).scalar_one() == "refused"
    # A plan round that no plan has is refused too, saying so, instead of drawing nothing.
    plans = plan_file.read_plans(SAMPLES.parent / "plans" / "annual_plan_2026.csv")
    plan.save(registry_loaded, plans, source="test", actor="test", now=dt.datetime(2026, 1, 5))
    dr = _run_with("double_random_draw", {"from_plan": True, "round": 9}, "批准")
    assert not str(dr.state).endswith("success")
    assert _tries(dr, "plan_draws") == ("failed", 1)


@pytest.mark.e2e
def test_a_missing_calendar_year_fails_the_daily_check_and_alerts_the_duty_office(
    airflow_db, business_env, dagbag, smtp_server, calendar_unknown_years, calendar_overrides
):
    from shuangsui.core.clock import china_today

    years = [china_today().year, china_today().year + 1]
    calendar_unknown_years(*years)
    ok, dr = run(dagbag, "calendar_check", {})
    assert not ok
    assert _tries(dr, "official_calendar_known") == ("failed", 1)
    [alert] = [m for m in smtp_server.messages if "运行失败" in m["Subject"]]
    assert f"缺少 {years[0]}" in alert.get_body(("html",)).get_content()
    # Once the notices are added, the check passes again.
    calendar_overrides(
        {
            str(y): {
                "notice": "test fixture",
                "holidays": [{"date": f"{y}-01-01", "name": "元旦"}],
                "makeup_working_days": [],
            }
            for y in years
        }
    )
    ok, dr = run(dagbag, "calendar_check", {})
    assert ok


@pytest.mark.e2e
def test_a_plan_saved_by_a_run_is_audited_when_it_was_saved_not_when_the_run_was_due(
    airflow_db, business_env, dagbag
):
    from airflow.dag_processing.dagbag import DagBag

    from shuangsui.core.clock import utcnow

    dag = DagBag(dag_folder=str(ROOT / "dags" / "annual_plan.py")).get_dag("annual_plan")
    due = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    before = utcnow()
    conf = {"file": str(SAMPLES.parent / "plans" / "annual_plan_2026.csv")}
    assert str(dag.test(run_after=due, run_conf=conf).state).endswith("success")
    with business_env.connect() as conn:
        [at] = (
            conn.execute(
                select(db.audit_event.c.occurred_at).where(db.audit_event.c.action == "plan.saved")
            )
            .scalars()
            .all()[:1]
        )
    assert at >= before  # the moment of saving, not the run's run_after an hour back


@pytest.mark.e2e
def test_a_rejected_draw_is_closed_with_its_reason_and_nothing_is_sent(
    airflow_db, registry_loaded, dagbag, smtp_server
):
    dr = _run_with(
        "double_random_draw",
        {"department": "非煤矿山监管科", "units": 5},
        "驳回",
        reason="抽取范围应包括停产整顿企业",
    )
    assert str(dr.state).endswith("success")
    with registry_loaded.connect() as conn:
        row = conn.execute(select(db.draw)).one()
        assert conn.execute(select(func.count()).select_from(db.document)).scalar_one() == 0
    assert (row.status, row.decision_reason) == ("rejected", "抽取范围应包括停产整顿企业")
    assert [m["Subject"] for m in smtp_server.messages if "任务单" in m["Subject"]] == []


@pytest.mark.e2e
def test_recusal_goes_to_the_leader_and_the_replacement_is_recorded(
    airflow_db, registry_loaded, dagbag, smtp_server
):
    from shuangsui.draw import lifecycle

    _run_with("double_random_draw", {"department": "冶金工贸监管科", "units": 6}, "批准")
    with registry_loaded.connect() as conn:
        row = conn.execute(select(db.draw)).one()
        team = lifecycle.record(conn, row.draw_id).to_json()["teams"][2]
    dr = _run_with(
        "recusal",
        {
            "draw_id": row.draw_id,
            "uscc": team["uscc"],
            "inspector_id": team["members"][1],
            "reason": "曾在该单位任职（三年内）",
        },
        "批准",
    )
    assert str(dr.state).endswith("success")
    with registry_loaded.connect() as conn:
        rec = lifecycle.record(conn, row.draw_id).to_json()
    [r] = rec["recusals"]
    assert r["decision"] == "approved" and r["replacement"] not in team["members"]
    current = next(t for t in rec["current_teams"] if t["uscc"] == team["uscc"])
    assert current["members"] == [team["members"][0], r["replacement"]]


@pytest.mark.e2e
def test_results_then_publication_put_the_results_on_the_public_site(
    airflow_db, registry_loaded, dagbag, smtp_server, tmp_path
):
    import pandas as pd

    from shuangsui import config, sample
    from shuangsui.core.clock import china_today
    from shuangsui.draw import lifecycle

    _run_with("double_random_draw", {"department": "非煤矿山监管科", "units": 4}, "批准")
    with registry_loaded.connect() as conn:
        rec = lifecycle.record(conn, conn.execute(select(db.draw.c.draw_id)).scalar_one()).to_json()
    folder = tmp_path / "results"
    folder.mkdir()
    today = china_today()  # the inspection day is China's, as the demo's
    sample.demo_results([rec], today).to_csv(folder / "results.csv", index=False, encoding="gbk")
    ok, _ = run(dagbag, "results_intake", {"source": str(folder)})
    assert ok
    ok, _ = run(dagbag, "publication", {})
    assert ok
    with registry_loaded.connect() as conn:
        published = (
            conn.execute(
                select(db.publication.c.uscc).where(db.publication.c.published_at.is_not(None))
            )
            .scalars()
            .all()
        )
    assert published  # the ready ones; problems not yet handled wait
    site = config.site_dir()
    assert (site / "index.html").exists()
    unit = (site / "results" / f"{published[0]}.html").read_text(encoding="utf-8")
    assert published[0] in unit
    data = pd.read_csv(site / "data" / "results.csv", encoding="utf-8-sig", dtype=str)
    assert set(published) <= set(data.iloc[:, :].stack())
    report = config.reports_dir() / "results_intake" / "latest.html"
    assert "检查结果" in report.read_text(encoding="utf-8")


@pytest.mark.e2e
def test_a_plan_out_of_bounds_fails_at_once_naming_file_row_and_column(
    airflow_db, business_env, dagbag, tmp_path, smtp_server
):
    path = tmp_path / "plans.csv"
    path.write_text("年度,科室,计划检查户数\n1850,危险化学品监管科,100\n", encoding="utf-8")
    ok, dr = run(dagbag, "annual_plan", {"file": str(path)})
    assert not ok
    assert _tries(dr, "save_plans") == ("failed", 1)
    [alert] = [m for m in smtp_server.messages if "运行失败" in m["Subject"]]
    assert "plans.csv: row 2, column 年度" in alert.get_body(("html",)).get_content()
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.annual_plan)).scalar_one() == 0


@pytest.mark.e2e
def test_a_plan_file_outside_the_landing_folders_is_refused_unread(
    airflow_db, business_env, dagbag, tmp_path_factory, monkeypatch
):
    outside = tmp_path_factory.getbasetemp().parent / "not-landing-plans.csv"
    outside.write_text("年度,科室,计划检查户数\n2026,危险化学品监管科,100\n", encoding="utf-8")
    try:
        ok, dr = run(dagbag, "annual_plan", {"file": str(outside)})
    finally:
        outside.unlink()
    assert not ok
    assert _tries(dr, "save_plans") == ("failed", 1)
    with business_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.annual_plan)).scalar_one() == 0
