"""Applying directory files to the business database, on SQLite and PostgreSQL."""

import datetime as dt
import shutil

import pandas as pd
import pytest
from sqlalchemy import func, select

from conftest import FIXTURES, SAMPLES
from shuangsui import audit, db
from shuangsui.intake import directories, pipeline

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0)


def sync(engine, source, run_id, now=T0, full_snapshot=True, confirm_delist=False):
    with engine.connect() as conn:
        prep = pipeline.prepare(conn, pipeline.land(str(source)), run_id=run_id, today=TODAY)
    return pipeline.apply(
        engine, prep, now=now, full_snapshot=full_snapshot, confirm_delist=confirm_delist
    )


def count(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_sample_directories_load_completely(engine):
    s = sync(engine, SAMPLES, "r1")
    assert s["entities"] == {
        "enterprises": {"inserted": 3000, "updated": 0, "delisted": 0},
        "inspectors": {"inserted": 60, "updated": 0, "delisted": 0},
        "conflicts": {"inserted": 40, "updated": 0, "delisted": 0},
    }
    assert count(engine, db.enterprise_history) == 3000
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(db.inspector.c.industries, db.inspector.c.cert_expiry).where(
                    db.inspector.c.inspector_id == "ZF001"
                )
            ).first()
            is not None
        )


def test_the_same_files_twice_change_nothing_the_second_time(engine):
    sync(engine, SAMPLES, "r1")
    with engine.connect() as conn:
        before = pd.read_sql(select(db.enterprise_history), conn)
    s = sync(engine, SAMPLES, "r2", now=T0 + dt.timedelta(days=1))
    assert all(c == {"inserted": 0, "updated": 0, "delisted": 0} for c in s["entities"].values())
    with engine.connect() as conn:
        assert pd.read_sql(select(db.enterprise_history), conn).equals(before)


def test_disappeared_enterprise_is_delisted_not_deleted_and_history_rebuilds_the_past(
    engine, tmp_path
):
    shutil.copy(FIXTURES / "enterprises_bom.csv", tmp_path / "enterprises.csv")
    sync(engine, tmp_path, "r1")
    rows = pd.read_csv(FIXTURES / "enterprises_bom.csv", dtype=str, encoding="utf-8-sig")
    gone = rows["统一社会信用代码"].iloc[0]
    rows.iloc[1:].assign(
        企业名称=lambda d: d["企业名称"].where(d.index != 1, "淄博改名有限公司")
    ).to_csv(tmp_path / "enterprises.csv", index=False)
    t1 = T0 + dt.timedelta(days=30)
    # 1 of 10 is more than the snapshot guard lets go unconfirmed (tests/intake/
    # test_snapshot_guard.py): this run confirms it.
    s = sync(engine, tmp_path, "r2", now=t1, confirm_delist=True)
    assert s["entities"]["enterprises"] == {"inserted": 0, "updated": 1, "delisted": 1}
    assert [(g["listed"], g["would_delist"], g["confirmed"]) for g in s["delist_guard"]] == [
        (10, 1, True)
    ]
    assert count(engine, db.enterprise) == 10
    assert count(engine, db.enterprise, db.enterprise.c.listed.is_(False)) == 1
    with engine.connect() as conn:
        past = directories.directory_as_of(conn, "enterprises", T0 + dt.timedelta(days=1))
        now = directories.directory_as_of(conn, "enterprises", t1)
    assert len(past) == 10 and gone in set(past["uscc"])
    assert len(now) == 9 and gone not in set(now["uscc"])
    assert "淄博改名有限公司" in set(now["name"]) and "淄博改名有限公司" not in set(past["name"])


def test_partial_update_never_delists(engine, tmp_path):
    sync(engine, SAMPLES, "r1")
    shutil.copy(FIXTURES / "enterprises_bom.csv", tmp_path / "enterprises.csv")
    s = sync(engine, tmp_path, "r2", full_snapshot=False)
    assert s["entities"]["enterprises"]["delisted"] == 0


def test_bad_rows_are_quarantined_once_and_valid_rows_applied(engine, tmp_path):
    shutil.copy(FIXTURES / "enterprises_duplicates.csv", tmp_path / "enterprises.csv")
    shutil.copy(FIXTURES / "enterprises_unknown_industry.csv", tmp_path / "enterprises_2.csv")
    s = sync(engine, tmp_path, "r1")
    assert s["quarantine_new"] == 4
    with engine.connect() as conn:
        q = pd.read_sql(select(db.quarantine), conn)
    assert set(
        zip(q["source"].str.split("/").str[-1], q["row_number"], q["column_name"], q["rule"])
    ) == {
        ("enterprises.csv", 6, "*", "duplicate_row"),
        ("enterprises.csv", 5, "uscc", "duplicate_key"),
        ("enterprises.csv", 11, "uscc", "duplicate_key"),
        ("enterprises_2.csv", 5, "industry", "known_industry"),
    }
    assert (q["value"] == "航天").sum() == 1
    # Both files hold the same 10 units; the one on line 5 is bad in both, so 9 apply.
    assert count(engine, db.enterprise) == 9
    assert count(engine, db.enterprise, db.enterprise.c.uscc == "91370300MAN5T1KL3N") == 0
    again = sync(engine, tmp_path, "r2")
    assert again["quarantine_new"] == 0 and count(engine, db.quarantine) == 4


def test_unusable_file_fails_whole_and_changes_nothing(engine, tmp_path):
    sync(engine, SAMPLES, "r1")
    shutil.copy(FIXTURES / "enterprises_missing_column.csv", tmp_path / "enterprises.csv")
    with engine.connect() as conn:
        before = pd.read_sql(select(db.enterprise), conn)
    with pytest.raises(pipeline.UnusableFile, match="行业"):
        pipeline.prepare_run(
            engine, str(tmp_path), (), run_id="r2", today=TODAY, workdir=tmp_path / "work", now=T0
        )
    with engine.connect() as conn:
        assert pd.read_sql(select(db.enterprise), conn).equals(before)
        assert audit.count(conn, "registry_sync.failed") == 1
        assert audit.verify(conn).first_broken is None


def test_expired_inspector_is_kept_but_ineligible_by_date(engine, tmp_path):
    shutil.copy(FIXTURES / "inspectors_expired.csv", tmp_path / "inspectors.csv")
    sync(engine, tmp_path, "r1")
    with engine.connect() as conn:
        expiry = conn.execute(
            select(db.inspector.c.cert_expiry).where(db.inspector.c.inspector_id == "ZF003")
        ).scalar_one()
    assert expiry == dt.date(2025, 6, 30)


def test_conflicts_are_checked_against_the_roster_in_the_database(engine, tmp_path):
    sync(engine, SAMPLES, "r1")
    shutil.copy(FIXTURES / "conflicts_unknown_inspector.csv", tmp_path / "conflicts.csv")
    sync(engine, tmp_path, "r2", full_snapshot=False)  # a few rows: not the whole list
    with engine.connect() as conn:
        rules = conn.execute(select(db.quarantine.c.row_number, db.quarantine.c.rule)).all()
    assert rules == [(6, "known_inspector")]


def test_upstream_table_is_read_like_a_file(engine, tmp_path):
    from sqlalchemy import create_engine

    upstream = f"sqlite:///{tmp_path / 'upstream.db'}"
    rows = pd.read_csv(FIXTURES / "enterprises_gbk.csv", dtype=str, encoding="gbk")
    with create_engine(upstream).begin() as c:
        rows.to_sql("ent_directory", c, index=False)
    with engine.connect() as conn:
        landed = pipeline.land(None, [(upstream, "ent_directory", "enterprises", "conn:up")])
        prep = pipeline.prepare(conn, landed, run_id="r1", today=TODAY)
    s = pipeline.apply(engine, prep, now=T0)
    assert s["entities"]["enterprises"]["inserted"] == 10


def test_every_sync_is_in_the_audit_chain(engine):
    sync(engine, SAMPLES, "r1")
    sync(engine, SAMPLES, "r2", now=T0 + dt.timedelta(hours=1))
    with engine.connect() as conn:
        assert audit.count(conn, "registry_sync.applied") == 2
        assert audit.verify(conn).events == 2
