"""Results intake checks each result against its draw's day in China (the draw's
drawn_at is naive UTC: 23:30 UTC is already the next day in Beijing)."""

import datetime as dt

import pandas as pd
import pytest

from shuangsui import sample
from shuangsui.draw import lifecycle
from shuangsui.draw.spec import Spec
from shuangsui.intake import pipeline, results

WH = "危险化学品监管科"
LATE_EVENING_UTC = dt.datetime(2026, 12, 1, 23, 30)  # 2026-12-02 07:30 in Beijing
EARLY_MORNING_UTC = dt.datetime(2026, 12, 2, 0, 30)  # 2026-12-02 08:30 in Beijing


def approved_draw(engine, at: dt.datetime):
    d = lifecycle.commit(
        engine,
        Spec(department=WH, year=2026, units=3, inspection_date="2026-12-03"),
        origin="o",
        now=at,
    )
    lifecycle.perform(engine, d, now=at)
    lifecycle.decide(engine, d, approved=True, by="leader", now=at)
    with engine.connect() as conn:
        return lifecycle.record(conn, d).to_json()


def check(engine, tmp_path, frame: pd.DataFrame, today: dt.date):
    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    frame.to_csv(folder / "results.csv", index=False, encoding="gbk")
    with engine.connect() as conn:
        prep = pipeline.prepare(conn, pipeline.land(str(folder)), run_id="r", today=today)
    [(_, checked)] = prep.checked["results"]
    return checked


@pytest.mark.parametrize("at", [LATE_EVENING_UTC, EARLY_MORNING_UTC], ids=["23:30Z", "00:30Z"])
def test_a_draws_date_is_its_day_in_china(registry_engine, at):
    rec = approved_draw(registry_engine, at)
    with registry_engine.connect() as conn:
        assert results.check_context(conn)["draw_dates"][rec["draw_id"]] == "2026-12-02"


def test_a_result_dated_the_utc_day_of_a_late_evening_draw_is_before_the_draw(
    registry_engine, tmp_path
):
    rec = approved_draw(registry_engine, LATE_EVENING_UTC)
    a, b = (t["uscc"] for t in rec["targets"][:2])
    frame = pd.DataFrame(
        [
            {
                "抽查任务编号": rec["draw_id"],
                "统一社会信用代码": uscc,
                "检查事项编号": "全部",
                "检查开始日期": on,
                "检查结束日期": on,
                "检查结果": "未发现问题",
            }
            for uscc, on in ((a, "2026-12-01"), (b, "2026-12-02"))
        ]
    )
    checked = check(registry_engine, tmp_path, frame, dt.date(2026, 12, 2))
    assert [(f.row, f.rule) for f in checked.findings if f.severity == "critical"] == [
        (2, "date_after_draw")
    ]
    assert checked.valid["uscc"].tolist() == [b]


def test_demo_results_of_a_late_evening_draw_pass_the_date_check(registry_engine, tmp_path):
    rec = approved_draw(registry_engine, LATE_EVENING_UTC)
    # `today` as a UTC clock gives it, a day before the draw's China day: never used.
    frame = sample.demo_results([rec], dt.date(2026, 12, 1))
    assert set(frame["检查开始日期"]) == {"2026-12-02"}
    checked = check(registry_engine, tmp_path, frame, dt.date(2026, 12, 2))
    assert not [f for f in checked.findings if f.severity == "critical"]
    assert len(checked.valid) == len(frame)
