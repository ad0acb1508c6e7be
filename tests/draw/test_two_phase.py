"""The two-phase draw, on SQLite and PostgreSQL: the commitment names a future public
source and carries no value; the value is entered by one person and confirmed by another
after the source's draw; one undecided draw per 科室 and kind; parallel draws of one 科室
never breach the yearly frequency."""

import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import select

from shuangsui import db
from shuangsui.core.clock import utcnow
from shuangsui.draw import algorithm as draw
from shuangsui.draw import lifecycle, sources
from shuangsui.draw.spec import Spec
from shuangsui.draw.verify import verify_record

WH = "危险化学品监管科"


@pytest.fixture
def loaded(registry_engine):
    return registry_engine


def spec(**kw):
    base = dict(department=WH, year=2026, units=20, inspection_date="2026-12-10", source="demo")
    return Spec(**{**base, **kw})


def test_a_source_whose_result_could_be_known_at_commit_is_refused():
    now = dt.datetime(2026, 12, 2, 13, 10)  # 21:10 in Beijing
    # 福彩3D draws at 21:15: five minutes is too close; today's draw is then not usable.
    with pytest.raises(sources.SourceRefused, match="开奖时间已过或不足"):
        sources.name_source("fc3d", now, dt.date(2026, 12, 2))
    with pytest.raises(sources.SourceRefused):
        sources.name_source("pl5", now, dt.date(2026, 12, 1))  # yesterday's
    # Unnamed: the first draw at least ten minutes after commit, tomorrow's here.
    s = sources.name_source("fc3d", now)
    assert s["id"] == "fc3d:2026-12-03" and s["due_at"] == "2026-12-03T13:15:00Z"
    assert s["label"] == "2026年12月3日福彩3D开奖号码"
    assert sources.check_value(s, "4 7 1") == "471"
    with pytest.raises(ValueError, match="3 位数字"):
        sources.check_value(s, "4712")


def test_commitment_names_the_source_not_a_value_and_the_draw_waits_for_it(loaded):
    t0 = utcnow()
    draw_id = lifecycle.commit(loaded, spec(), origin="a", now=t0)
    with loaded.connect() as conn:
        rec = lifecycle.record(conn, draw_id)
    pre = json.loads((rec.folder / "commitment.json").read_text(encoding="utf-8"))
    assert "public_value" not in pre and pre["public_source"]["kind"] == "demo"
    due = dt.datetime.fromisoformat(pre["public_source"]["due_at"].rstrip("Z"))
    assert due > t0
    with pytest.raises(draw.DrawRefused, match="not entered"):
        lifecycle.perform(loaded, draw_id, now=utcnow())
    enter = dict(value="385016", entered_by="clerk", entered_at=due + dt.timedelta(seconds=1))
    with pytest.raises(draw.DrawRefused, match="另一人"):
        lifecycle.enter_value(loaded, draw_id, confirmed_by="clerk", **enter)
    with pytest.raises(draw.DrawRefused, match="尚未开奖"):
        lifecycle.enter_value(loaded, draw_id, confirmed_by="clerk2", **{**enter, "entered_at": t0})
    lifecycle.enter_value(loaded, draw_id, confirmed_by="clerk2", **enter)
    time.sleep(max(0.0, (enter["entered_at"] - utcnow()).total_seconds()) + 0.05)
    out = lifecycle.perform(loaded, draw_id, now=utcnow()).to_json()
    assert out["seed"] == draw.seed(out["secret"], "385016", pre["public_source"]["id"])
    assert out["public_value_entry"]["by"] == "clerk"
    assert out["public_value_entry"]["confirmed_by"] == "clerk2"
    assert out["committed_at"] < out["public_value_entry"]["at"] < out["drawn_at"]
    result = verify_record(rec.folder / "record.json")
    assert result.ok, result.lines()


def test_one_undecided_draw_per_department_and_kind_a_redraw_names_the_old_one(loaded):
    first = lifecycle.commit(loaded, spec(source=None, public_value="1"), origin="a", now=utcnow())
    # Committed and not drawn: no other draw of the 科室 freezes an overlapping pool.
    with pytest.raises(draw.DrawRefused, match="已公布承诺、待抽取"):
        lifecycle.commit(loaded, spec(kind="暗访暗查"), origin="b", now=utcnow())
    lifecycle.perform(loaded, first, now=utcnow())
    with pytest.raises(draw.DrawRefused, match="同一类型须待前一项决定"):
        lifecycle.commit(loaded, spec(), origin="c", now=utcnow())
    # Another kind, or another 科室, may go ahead; a re-draw naming the draw too.
    lifecycle.commit(loaded, spec(department="非煤矿山监管科"), origin="d", now=utcnow())
    redraw = spec(source=None, public_value="2", redraw_of=first, redraw_reason="检查日期调整")
    assert lifecycle.commit(loaded, redraw, origin="e", now=utcnow())


def test_an_abandoned_commitment_stays_with_its_reason_and_its_secret_revealed(loaded):
    draw_id = lifecycle.commit(loaded, spec(), origin="a", now=utcnow())
    rec = lifecycle.abandon(loaded, draw_id, reason="该期因春节休市未开奖", by="clerk")
    out = json.loads((rec.folder / "record.json").read_text(encoding="utf-8"))
    assert out["status"] == "abandoned" and out["abandoned_reason"] == "该期因春节休市未开奖"
    assert draw.commitment(out["secret"]) == out["commitment"]
    result = verify_record(rec.folder / "record.json")
    assert result.ok and not result.complete and result.lines()[-1] == "PARTIAL MATCH"
    # The 科室 may commit again.
    assert lifecycle.commit(loaded, spec(), origin="b", now=utcnow())


def test_parallel_draws_of_one_department_never_breach_the_yearly_frequency(loaded):
    kinds = ["专项治理", "暗访暗查", "综合督导"]
    errors: list[Exception] = []
    barrier = threading.Barrier(len(kinds))

    def one(kind):
        s = spec(kind=kind, units=100, source=None, public_value=kind)
        barrier.wait()
        try:
            lifecycle.perform(
                loaded, lifecycle.commit(loaded, s, origin=kind, now=utcnow()), now=utcnow()
            )
        except draw.DrawRefused as e:
            errors.append(e)

    threads = [threading.Thread(target=one, args=(k,)) for k in kinds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with loaded.connect() as conn:
        drawn = conn.execute(select(db.draw_selection.c.uscc)).scalars().all()
        n_draws = len(
            conn.execute(select(db.draw.c.draw_id).where(db.draw.c.status == "drawn")).all()
        )
    # Each either drew or was refused (another draw of the 科室 was committed and not yet
    # drawn): serialized, never both reading the same pool.
    assert n_draws + len(errors) == len(kinds) and n_draws >= 1, errors
    # The sample plans give every class frequency 1: no unit drawn twice this year.
    assert len(drawn) == len(set(drawn)) == 100 * n_draws


def test_a_beacon_round_is_named_at_commit_then_fetched_checked_and_recorded(loaded, beacon):
    from beacon_server import CHAIN, randomness, signature

    info = sources.fetch_json(f"{beacon.url}/info")
    b = sources.Beacon.from_info(beacon.url, info, margin=2)
    with pytest.raises(sources.SourceRefused, match="未配置公开随机信标"):
        lifecycle.commit(loaded, spec(source="beacon"), origin="no-beacon", now=utcnow())
    t0 = utcnow()
    draw_id = lifecycle.commit(loaded, spec(source="beacon"), origin="a", now=t0, beacon=b)
    with loaded.connect() as conn:
        rec = lifecycle.record(conn, draw_id)
    src = rec.public_source
    due = dt.datetime.fromisoformat(src["due_at"].rstrip("Z"))
    # The named round is the first due at least the margin after commit: not published yet.
    assert src["id"] == f"beacon:{CHAIN}:{src['round']}" and src["automatic"]
    assert t0 + dt.timedelta(seconds=2) <= due < t0 + dt.timedelta(seconds=3)
    assert sources.fetch_json(src["url"]) is None
    assert lifecycle.fetch_value(loaded, draw_id, fetch=sources.fetch_json) is None
    with pytest.raises(draw.DrawRefused, match="自动读取"):
        lifecycle.enter_value(
            loaded,
            draw_id,
            value="0" * 64,
            entered_by="clerk",
            confirmed_by="clerk2",
            entered_at=due,
        )
    # A beacon answering with another round, or randomness not from its signature, is refused.
    n = src["round"]
    wrong_round = {"round": n - 1, "randomness": randomness(n - 1), "signature": signature(n - 1)}
    forged = {"round": n, "randomness": randomness(n + 7), "signature": signature(n)}
    for payload, why in ((wrong_round, "第"), (forged, "SHA-256")):
        with pytest.raises(ValueError, match=why):
            sources.beacon_value(src, payload)
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.2)
    got = lifecycle.fetch_value(loaded, draw_id, fetch=sources.fetch_json)
    assert got.public_value == randomness(n)
    out = lifecycle.perform(loaded, draw_id, now=utcnow()).to_json()
    assert out["seed"] == draw.seed(out["secret"], randomness(n), src["id"])
    assert out["public_value_entry"]["by"] == "beacon"
    moments = [out["committed_at"], src["due_at"], out["public_value_entry"]["at"], out["drawn_at"]]
    committed, due_at, fetched, drawn = (dt.datetime.fromisoformat(m[:-1]) for m in moments)
    assert committed < due_at <= fetched < drawn
    assert verify_record(rec.folder / "record.json").ok


def test_beacon_rounds_follow_genesis_and_period():
    b = sources.Beacon("http://x", "c" * 64, period=30, genesis=1_600_000_000, margin=600)
    at = dt.datetime.fromtimestamp(1_600_000_000 + 30 * 10 + 1, dt.UTC).replace(tzinfo=None)
    assert b.round_at(at) == 12  # round 11 was published a second earlier
    assert b.due(12) == dt.datetime.fromtimestamp(1_600_000_000 + 330, dt.UTC).replace(tzinfo=None)
    s = sources.beacon_source(b, at)
    assert s["round"] == 32 and s["url"] == "http://x/public/32"  # 600 s later: 20 rounds on
