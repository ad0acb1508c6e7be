"""The data-quality report prints its time in 北京时间, labelled so, at both UTC day edges."""

import datetime as dt
import re

import pytest

from shuangsui.intake.prepared import Prepared
from shuangsui.intake.quality_report import quality_report

SUMMARY: dict = {"entities": {}, "quarantine_new": 0}


@pytest.mark.parametrize(
    ("generated_at", "shown"),
    [
        (dt.datetime(2026, 12, 1, 23, 30), "2026-12-02 07:30"),  # naive UTC, as stored
        (dt.datetime(2026, 12, 2, 0, 30), "2026-12-02 08:30"),
        (dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC), "2026-12-02 07:30"),
    ],
)
def test_the_generation_time_is_beijing_time_and_says_so(tmp_path, generated_at, shown):
    prepared = Prepared("scheduled__2026-12-01T23:00:00+00:00", dt.date(2026, 12, 2)).save(
        tmp_path / "work"
    )
    html = quality_report(prepared, SUMMARY, folder=tmp_path / "reports", generated_at=generated_at)
    text = html.read_text(encoding="utf-8")
    assert f"生成时间：{shown}（北京时间）" in text
    assert "核验基准日：2026-12-02" in text


def test_the_default_generation_time_is_labelled_too(tmp_path):
    prepared = Prepared("manual", dt.date(2026, 12, 2)).save(tmp_path / "work")
    text = quality_report(prepared, SUMMARY, folder=tmp_path / "reports").read_text(
        encoding="utf-8"
    )
    assert re.search(r"生成时间：\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", text)
