"""The snapshot guard (移出名录保护), serialized syncs and a database lost mid-sync, on
SQLite and PostgreSQL: a partial file must not empty the draw pools, and no failure
leaves a directory half-applied."""

import datetime as dt
import json
import threading

import pandas as pd
import pytest
from sqlalchemy import event, func, select, text

from conftest import SAMPLES, _url
from shuangsui import db
from shuangsui.intake import pipeline, quality_report

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0)
T1 = T0 + dt.timedelta(days=1)


def prepared(engine, source, run_id):
    with engine.connect() as conn:
        return pipeline.prepare(conn, pipeline.land(str(source)), run_id=run_id, today=TODAY)


def listed(engine, table=db.enterprise):
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(table).where(table.c.listed)
        ).scalar_one()


def history(engine):
    with engine.connect() as conn:
        return pd.read_sql(select(db.enterprise_history).order_by("id"), conn)


def events(engine, action):
    with engine.connect() as conn:
        rows = conn.execute(
            select(db.audit_event.c.actor, db.audit_event.c.payload).where(
                db.audit_event.c.action == action
            )
        ).all()
    return [(actor, json.loads(p)) for actor, p in rows]


def enterprises_file(folder, rows: int | None, encoding="utf-8"):
    """The sample enterprise directory cut to its first `rows` rows (None: all)."""
    df = pd.read_csv(SAMPLES / "enterprises.csv", dtype=str, keep_default_na=False)
    df = df if rows is None else df.head(rows)
    folder.mkdir(exist_ok=True)
    df.to_csv(folder / "enterprises.csv", index=False, encoding=encoding)
    return folder


@pytest.fixture
def loaded(engine):
    pipeline.apply(engine, prepared(engine, SAMPLES, "r1"), now=T0)
    assert listed(engine) == 3000
    return engine


@pytest.mark.parametrize("rows, encoding", [(0, "utf-8"), (24, "gbk")])
def test_a_partial_snapshot_is_refused_with_the_numbers_and_changes_nothing(
    loaded, tmp_path, rows, encoding
):
    engine = loaded
    before = history(engine)
    prep = prepared(engine, enterprises_file(tmp_path / "in", rows, encoding), "r2")
    with pytest.raises(pipeline.SnapshotRefused) as refused:
        pipeline.apply(engine, prep, now=T1)
    message = str(refused.value)
    assert f"现有 3000 条中的 {3000 - rows} 条" in message and "confirm_delist" in message
    assert ("没有任何数据行" in message) == (rows == 0)
    assert listed(engine) == 3000
    assert history(engine).equals(before)  # not even the rows the file does hold
    [(actor, payload)] = events(engine, "registry_sync.refused")
    assert (payload["entity"], payload["listed"], payload["would_delist"]) == (
        "enterprises",
        3000,
        3000 - rows,
    )
    assert payload["refused"] is True and payload["rows"] == rows
    assert [p["run_id"] for _, p in events(engine, "registry_sync.applied")] == ["r1"]


def test_a_confirmed_snapshot_delists_and_says_who_confirmed_in_report_and_audit(loaded, tmp_path):
    engine = loaded
    source = enterprises_file(tmp_path / "in", 24)
    work = tmp_path / "work"
    path = pipeline.prepare_run(
        engine, str(source), (), run_id="r2", today=TODAY, workdir=work, now=T1
    )
    with pytest.raises(pipeline.SnapshotRefused):
        pipeline.apply_run(engine, path, now=T1, actor="registry_sync:clerk")
    refused = json.loads((work / "summary.json").read_text(encoding="utf-8"))
    report = quality_report.quality_report(path, refused, folder=tmp_path / "reports")
    assert "同步被拒绝，未作任何更改" in report.read_text(encoding="utf-8")

    summary = pipeline.apply_run(
        engine, path, now=T1, confirm_delist=True, actor="registry_sync:leader"
    )
    assert summary["entities"]["enterprises"]["delisted"] == 2976
    assert listed(engine) == 24
    [guard] = summary["delist_guard"]
    assert (guard["listed"], guard["would_delist"], guard["confirmed"]) == (3000, 2976, True)
    [(actor, payload)] = [
        e for e in events(engine, "registry_sync.applied") if e[1]["run_id"] == "r2"
    ]
    assert actor == "registry_sync:leader" and payload["delist_guard"][0]["confirmed"]
    html = quality_report.quality_report(path, summary, folder=tmp_path / "reports")
    assert "已确认移出名录" in html.read_text(encoding="utf-8")


def test_a_small_delisting_under_the_share_needs_no_confirmation(loaded, tmp_path):
    engine = loaded
    prep = prepared(engine, enterprises_file(tmp_path / "in", 3000 - 150), "r2")  # 5.0%
    summary = pipeline.apply(engine, prep, now=T1)
    assert summary["entities"]["enterprises"]["delisted"] == 150
    assert summary["delist_guard"] == []


def test_the_share_is_a_setting(loaded, tmp_path, monkeypatch):
    monkeypatch.setenv("SHUANGSUI_DELIST_MAX_SHARE", "0.01")
    prep = prepared(loaded, enterprises_file(tmp_path / "in", 3000 - 150), "r2")
    with pytest.raises(pipeline.SnapshotRefused, match="超过允许的 1%"):
        pipeline.apply(loaded, prep, now=T1)


def test_inspectors_and_conflicts_are_guarded_too(loaded, tmp_path):
    """Dropping conflicts would drop recusals: as guarded as the enterprise directory."""
    engine = loaded
    folder = tmp_path / "in"
    folder.mkdir()
    df = pd.read_csv(SAMPLES / "conflicts.csv", dtype=str, keep_default_na=False)
    df.head(20).to_csv(folder / "conflicts.csv", index=False)
    with pytest.raises(
        pipeline.SnapshotRefused, match="回避关系：按完整名录同步，将把现有 40 条中的 20"
    ):
        pipeline.apply(engine, prepared(engine, folder, "r2"), now=T1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.conflict)).scalar_one() == 40


def test_two_syncs_of_the_same_file_at_once_both_finish_and_apply_once(engine):
    preps = [prepared(engine, SAMPLES, f"r{i}") for i in (1, 2)]
    errors, summaries = [], []

    def run(prep):
        try:
            summaries.append(pipeline.apply(engine, prep, now=T0))
        except Exception as e:  # noqa: BLE001 — the test reports whatever went wrong
            errors.append(e)

    threads = [threading.Thread(target=run, args=(p,)) for p in preps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    inserted = sorted(s["entities"]["enterprises"]["inserted"] for s in summaries)
    assert inserted == [0, 3000]  # the second waited, then found every row there
    assert listed(engine) == 3000
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(db.enterprise_history)).scalar_one()
            == 3000
        )


@pytest.fixture
def pg_engine(tmp_path):
    url, drop = _url("postgresql", tmp_path)
    db.upgrade(url)
    eng = db.engine(url)
    yield eng
    eng.dispose()
    drop()


def test_postgresql_lost_mid_apply_fails_clearly_and_the_retry_completes(pg_engine):
    """A restart as the sync's connection sees it: its backend terminated while history is
    written. The task fails with a plain message, nothing is applied, the retry completes."""
    engine = pg_engine
    prep = prepared(engine, SAMPLES, "r1")
    killed = []

    @event.listens_for(engine, "before_cursor_execute")
    def terminate(conn, cursor, statement, *args):
        if not killed and statement.startswith("INSERT INTO enterprise_history"):
            pid = conn.connection.dbapi_connection.get_backend_pid()
            with engine.connect() as other:  # another connection of the pool
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                other.commit()
            killed.append(pid)

    with pytest.raises(pipeline.DatabaseUnavailable, match="连接在同步过程中中断.*未作任何更改"):
        pipeline.apply(engine, prep, now=T0)
    assert killed
    event.remove(engine, "before_cursor_execute", terminate)
    assert listed(engine) == 0
    summary = pipeline.apply(engine, prep, now=T0)
    assert summary["entities"]["enterprises"]["inserted"] == 3000
    assert listed(engine) == 3000


def test_the_command_line_refuses_with_the_numbers_and_applies_when_confirmed(
    loaded, db_url, tmp_path, monkeypatch, capsys
):
    from shuangsui import cli

    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    source = str(enterprises_file(tmp_path / "in", 24))
    assert cli.main(["--db", db_url, "sync", source, "--run-id", "c1"]) == 2
    assert "现有 3000 条中的 2976 条" in capsys.readouterr().out
    assert listed(loaded) == 3000
    argv = ["--db", db_url, "sync", source, "--run-id", "c2", "--confirm-delist"]
    assert cli.main(argv) == 0
    assert "已确认移出名录" in capsys.readouterr().out
    assert listed(loaded) == 24
    [(actor, _)] = [e for e in events(loaded, "registry_sync.applied") if e[1]["run_id"] == "c2"]
    assert actor.startswith("cli:")
