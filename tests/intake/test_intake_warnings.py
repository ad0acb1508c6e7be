"""What the intake says instead of doing silently, and what it refuses instead of
crashing: unknown columns are warnings in the report, an upstream table past the row
limit is refused unread, a file too big for the machine's memory is an unusable file."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import create_engine

from conftest import SAMPLES
from shuangsui import audit
from shuangsui.intake import pipeline, quality_report

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0)


def test_unknown_columns_are_listed_as_warnings_in_the_report(engine, tmp_path):
    df = pd.read_csv(SAMPLES / "inspectors.csv", dtype=str, keep_default_na=False)
    df["备注"] = "借调"
    folder = tmp_path / "in"
    folder.mkdir()
    df.to_csv(folder / "inspectors.csv", index=False)
    path = pipeline.prepare_run(
        engine, str(folder), (), run_id="r1", today=TODAY, workdir=tmp_path / "w", now=T0
    )
    summary = pipeline.apply_run(engine, path, now=T0)
    assert summary["entities"]["inspectors"]["inserted"] == len(df)  # still loaded
    [source] = summary["sources"]
    assert source["warnings"] >= 1
    html = quality_report.quality_report(path, summary, folder=tmp_path / "r")
    text = html.read_text(encoding="utf-8")
    assert "未识别的列“备注”，该列未读取" in text and "unknown_column" in text


def test_an_upstream_table_past_the_row_limit_is_refused_before_it_is_read(
    engine, tmp_path, monkeypatch
):
    upstream = f"sqlite:///{tmp_path / 'upstream.db'}"
    rows = pd.read_csv(SAMPLES / "enterprises.csv", dtype=str).head(50)
    with create_engine(upstream).begin() as c:
        rows.to_sql("ent_directory", c, index=False)
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "20")
    with pytest.raises(pipeline.UnusableFile, match=r"conn:up/ent_directory: 50 rows, more than"):
        pipeline.land(None, [(upstream, "ent_directory", "enterprises", "conn:up/ent_directory")])


def test_running_out_of_memory_while_checking_is_an_unusable_file_not_a_crash(
    engine, tmp_path, monkeypatch
):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pipeline, "check", exhausted)
    with pytest.raises(pipeline.UnusableFile, match="too large to check with the memory"):
        pipeline.prepare_run(
            engine, str(SAMPLES), (), run_id="r1", today=TODAY, workdir=tmp_path / "w", now=T0
        )
    with engine.connect() as conn:
        assert audit.count(conn, "registry_sync.failed") == 1
