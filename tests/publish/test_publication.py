"""Publication deadlines on China's official calendar, warnings, overdue alerts,
corrections as new versions, idempotent reruns."""

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import select

from shuangsui import audit, db
from shuangsui.core import workdays
from shuangsui.draw import lifecycle
from shuangsui.draw.spec import Spec
from shuangsui.intake import pipeline as registry
from shuangsui.outreach import mail
from shuangsui.publish import publication

T = dt.datetime(2026, 9, 25, 2)
WH = "危险化学品监管科"


@pytest.fixture
def drawn(registry_engine, tmp_path):
    """An approved 3-unit draw of 2026-09-25, inspection planned for 2026-09-29."""
    engine = registry_engine
    d = lifecycle.commit(
        engine,
        Spec(department=WH, year=2026, units=3, inspection_date="2026-09-29"),
        origin="o",
        now=T,
    )
    rec = lifecycle.perform(engine, d, now=T)
    lifecycle.decide(engine, d, approved=True, by="leader", now=T)
    return engine, d, [t.uscc for t in rec.targets], tmp_path


def load_results(engine, tmp_path, rows, now):
    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False, encoding="gbk")
    with engine.connect() as conn:
        prep = registry.prepare(conn, registry.land(str(folder)), run_id=str(now), today=now.date())
    return registry.apply(engine, prep, now=now, full_snapshot=False)


def row(d, uscc, **kw):
    base = {
        "抽查任务编号": d,
        "统一社会信用代码": uscc,
        "检查事项编号": "全部",
        "检查开始日期": "2026-09-29",
        "检查结束日期": "2026-09-30",
        "检查结果": "未发现问题",
    }
    return {**base, **kw}


def pubs(engine):
    with engine.connect() as conn:
        return {(r.uscc, r.version): r for r in conn.execute(select(db.publication))}


def test_the_20_working_days_run_across_national_day(drawn):
    engine, d, (a, b, c), tmp = drawn
    load_results(engine, tmp, [row(d, a)], dt.datetime(2026, 9, 30, 10))
    publication.refresh(engine, now=dt.datetime(2026, 9, 30, 11))
    due = pubs(engine)[(a, 1)].due_on
    assert due == workdays.add_working_days(dt.date(2026, 9, 30), 20)
    # Counting weekdays alone would be 2026-10-28; the Golden Week pushes it out.
    assert due > dt.date(2026, 10, 28)
    # The unit without results is tracked against its planned inspection date.
    assert pubs(engine)[(c, 1)].due_on == workdays.add_working_days(dt.date(2026, 9, 29), 20)


def test_ready_results_are_published_problems_wait_until_handled(drawn):
    engine, d, (a, b, c), tmp = drawn
    load_results(
        engine,
        tmp,
        [
            row(d, a),
            row(
                d,
                b,
                检查事项编号="SC-07",
                检查结果="责令限期整改",
                检查发现="隐患未闭环",
                整改状态="整改中",
            ),
        ],
        dt.datetime(2026, 9, 30, 10),
    )
    publication.refresh(engine, now=dt.datetime(2026, 10, 9, 9))
    done = publication.publish_ready(engine, now=dt.datetime(2026, 10, 9, 9))
    assert [x["uscc"] for x in done] == [a] and done[0]["on_time"]
    assert pubs(engine)[(b, 1)].due_on is None  # not due until handled
    content = json.loads(pubs(engine)[(a, 1)].content)
    assert content["outcome"] == "未发现问题" and content["name"]
    assert "phone" not in json.dumps(content) and "@" not in json.dumps(content)
    # 整改 done on 10-12: published, with its own due date 20 working days after
    load_results(
        engine,
        tmp,
        [
            row(
                d,
                b,
                检查事项编号="SC-07",
                检查结果="责令限期整改",
                检查发现="隐患未闭环",
                整改状态="已整改",
                整改完成日期="2026-10-12",
            )
        ],
        dt.datetime(2026, 10, 12, 10),
    )
    publication.refresh(engine, now=dt.datetime(2026, 10, 12, 11))
    assert pubs(engine)[(b, 1)].due_on == workdays.add_working_days(dt.date(2026, 10, 12), 20)
    assert [
        x["uscc"] for x in publication.publish_ready(engine, now=dt.datetime(2026, 10, 12, 11))
    ] == [b]
    # Nothing more to do on a rerun
    assert publication.refresh(engine, now=dt.datetime(2026, 10, 12, 12))["new"] == 0
    assert publication.publish_ready(engine, now=dt.datetime(2026, 10, 12, 12)) == []


def test_a_warning_before_and_a_daily_alert_after_the_deadline(drawn):
    engine, d, (a, b, c), tmp = drawn
    publication.refresh(engine, now=dt.datetime(2026, 9, 29, 9))
    due = pubs(engine)[(c, 1)].due_on
    before = workdays.add_working_days(due, -2)
    first = publication.deadlines(engine, today=before, now=dt.datetime(2026, 10, 20))
    assert {x[1] for x in first["warned"][WH]} == {a, b, c}
    again = publication.deadlines(engine, today=before, now=dt.datetime(2026, 10, 20))
    assert again["warned"] == {}  # warned once per item
    after = workdays.add_working_days(due, 1)
    late = publication.deadlines(engine, today=after, now=dt.datetime(2026, 11, 2))
    assert {x[1] for x in late["overdue"][WH]} == {a, b, c}
    next_day = workdays.add_working_days(due, 2)
    publication.deadlines(engine, today=next_day, now=dt.datetime(2026, 11, 3))
    kinds = [m["message_key"].split("/")[0] for m in mail.status(engine)]
    assert kinds.count("deadline_warning") == 1 and kinds.count("overdue_alert") == 2
    with engine.connect() as conn:
        assert publication.overdue_list(conn, next_day)[0]["department"] == WH
        assert audit.count(conn, "publication.overdue") == 2


def _publish_then_correct(drawn, published_at, finding, done_on, corrected_at):
    """Unit a's result published at `published_at`, then corrected: a finding, rectified
    on `done_on`, loaded at `corrected_at`."""
    engine, d, (a, b, c), tmp = drawn
    load_results(engine, tmp, [row(d, a)], dt.datetime(2026, 9, 30, 10))
    publication.refresh(engine, now=published_at)
    publication.publish_ready(engine, now=published_at)
    corrected = row(
        d,
        a,
        检查结果="责令限期整改",
        检查事项编号="SC-09",
        检查发现=finding,
        整改状态="已整改",
        整改完成日期=done_on,
    )
    load_results(engine, tmp, [corrected], corrected_at)


def test_a_changed_result_is_a_new_version_that_says_what_changed(drawn):
    engine, d, (a, b, c), tmp = drawn
    _publish_then_correct(
        drawn,
        dt.datetime(2026, 10, 9),
        "劳动防护用品配备不足",
        "2026-10-10",
        dt.datetime(2026, 10, 10, 10),
    )
    assert publication.refresh(engine, now=dt.datetime(2026, 10, 10, 11))["corrections"] == 1
    publication.publish_ready(engine, now=dt.datetime(2026, 10, 10, 11), reason="补录检查事项")
    versions = pubs(engine)
    assert json.loads(versions[(a, 1)].content)["outcome"] == "未发现问题"  # kept
    assert (
        "检查结果" in versions[(a, 2)].change_note
        and "补录检查事项" in versions[(a, 2)].change_note
    )


def test_a_year_without_calendar_data_is_listed_not_guessed(drawn, calendar_unknown_years):
    engine, d, (a, b, c), tmp = drawn
    calendar_unknown_years(2027)  # whatever the installed packages cover
    load_results(
        engine,
        tmp,
        [row(d, a, 检查开始日期="2026-12-14", 检查结束日期="2026-12-15")],
        dt.datetime(2026, 12, 15, 10),
    )
    counts = publication.refresh(engine, now=dt.datetime(2026, 12, 15, 11))
    assert counts["calendar_missing"][2027]["units"] == 1
    assert "2027" in counts["calendar_missing"][2027]["message"]
    assert pubs(engine)[(a, 1)].due_on is None


def test_the_waiting_unit_gets_its_due_date_once_the_notice_is_in_the_override_file(
    drawn, calendar_unknown_years, calendar_overrides
):
    engine, d, (a, b, c), tmp = drawn
    calendar_unknown_years(2027)
    load_results(
        engine,
        tmp,
        [row(d, a, 检查开始日期="2026-12-14", 检查结束日期="2026-12-15")],
        dt.datetime(2026, 12, 15, 10),
    )
    publication.refresh(engine, now=dt.datetime(2026, 12, 15, 11))
    # Test data, not the real 2027 notice: only 2027-01-01 (a Friday) off.
    calendar_overrides(
        {
            "2027": {
                "notice": "test fixture for the 2027 notice",
                "holidays": [{"date": "2027-01-01", "name": "元旦"}],
                "makeup_working_days": [],
            }
        }
    )
    counts = publication.refresh(engine, now=dt.datetime(2026, 12, 16, 9))
    assert counts["calendar_missing"] == {} and counts["updated"] == 1
    # 12 working days left in December 2026, then 8 in January: 01-04 to 01-13, the
    # file's 01-01 skipped (weekdays alone would give 01-12).
    assert pubs(engine)[(a, 1)].due_on == dt.date(2027, 1, 13)


# --- China's day, not UTC's: the 07:00 Beijing run is 23:00 UTC the day before ----------

LATE_EVENING_UTC = dt.datetime(2026, 12, 1, 23, 30)  # 2026-12-02 07:30 in Beijing
EARLY_MORNING_UTC = dt.datetime(2026, 12, 2, 0, 30)  # 2026-12-02 08:30 in Beijing


@pytest.mark.parametrize("now", [LATE_EVENING_UTC, EARLY_MORNING_UTC], ids=["23:30Z", "00:30Z"])
def test_the_publication_date_and_the_on_time_check_are_china_days(drawn, now):
    engine, d, (a, b, c), tmp = drawn
    # November 2026 has no holiday: ended 11-03 is due 12-01, ended 11-04 is due 12-02.
    assert workdays.add_working_days(dt.date(2026, 11, 3), 20) == dt.date(2026, 12, 1)
    assert workdays.add_working_days(dt.date(2026, 11, 4), 20) == dt.date(2026, 12, 2)
    load_results(
        engine,
        tmp,
        [
            row(d, a, 检查开始日期="2026-11-02", 检查结束日期="2026-11-03"),
            row(d, b, 检查开始日期="2026-11-02", 检查结束日期="2026-11-04"),
        ],
        dt.datetime(2026, 11, 5, 2),
    )
    publication.refresh(engine, now=now)
    done = {x["uscc"]: x for x in publication.publish_ready(engine, now=now)}
    # Both runs are on 12-02 in China: the one due 12-01 is a day late, the other on time
    # (by the UTC date the 23:30 run would call 12-01 and pass both).
    assert (done[a]["due_on"], done[a]["on_time"]) == (dt.date(2026, 12, 1), False)
    assert (done[b]["due_on"], done[b]["on_time"]) == (dt.date(2026, 12, 2), True)
    for uscc in (a, b):
        row_ = pubs(engine)[(uscc, 1)]
        assert json.loads(row_.content)["published_on"] == "2026-12-02"
        assert row_.published_at == now  # the moment itself stays naive UTC


def test_a_correction_made_at_23_30_utc_is_due_the_same_china_day(drawn):
    engine, d, (a, b, c), tmp = drawn
    _publish_then_correct(
        drawn,
        dt.datetime(2026, 10, 9, 2),
        "防护用品不足",
        "2026-11-30",
        dt.datetime(2026, 12, 1, 2),
    )
    assert publication.refresh(engine, now=LATE_EVENING_UTC)["corrections"] == 1
    assert pubs(engine)[(a, 2)].due_on == dt.date(2026, 12, 2)
    [done] = publication.publish_ready(engine, now=LATE_EVENING_UTC, reason="补录")
    assert done["on_time"] and json.loads(pubs(engine)[(a, 2)].content)["published_on"] == (
        "2026-12-02"
    )
