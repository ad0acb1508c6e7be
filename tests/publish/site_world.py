"""The data the public site, its privacy scan and the report to the 管委会 are tested on,
made by the real modules — on SQLite and PostgreSQL: the bundled sample directory, real
draws (commit, perform, approve), results loaded through the registry and published by
shuangsui.publish.publication."""

import csv
import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import select

from conftest import SAMPLES
from shuangsui import db
from shuangsui.draw import lifecycle
from shuangsui.draw.spec import Spec
from shuangsui.intake import pipeline as registry
from shuangsui.publish import publication, site

NOW = dt.datetime(2026, 11, 26, 2)  # the draws (UTC)
BUILT = dt.datetime(2026, 12, 20, 2)  # the site is built (UTC)
WH, YJ, ZH = "危险化学品监管科", "冶金工贸监管科", "综合监督管理科"
PUBLIC_VALUE = "2026325 福彩3D 4 7 1"


# --- data made through the real modules ------------------------------------------------


def _spec(department, **kw):
    return Spec(
        **{
            "department": department,
            "year": 2026,
            "units": 6,
            "inspection_date": "2026-12-10",
            "public_value": PUBLIC_VALUE,
            **kw,
        }
    )


def _approved_draw(engine, spec, origin):
    draw_id = lifecycle.commit(engine, spec, origin=origin, now=NOW)
    rec = lifecycle.perform(engine, draw_id, now=NOW)
    lifecycle.decide(engine, draw_id, approved=True, by="fgld@ajj.zbgx.example.cn", now=NOW)
    return draw_id, [t.uscc for t in rec.targets]


RESULT_HEADER = [
    "抽查任务编号",
    "统一社会信用代码",
    "检查事项编号",
    "检查开始日期",
    "检查结束日期",
    "检查发现",
    "检查结果",
    "严重违法",
    "整改状态",
    "整改完成日期",
    "处罚决定书文号",
    "处罚决定日期",
]
PENALTY = "淄高新安监罚〔2026〕12号"


def ok(draw_id, uscc):
    return [
        draw_id,
        uscc,
        "全部",
        "2026-12-10",
        "2026-12-11",
        "",
        "未发现问题",
        "否",
        "无需整改",
        "",
        "",
        "",
    ]


def problem(
    draw_id,
    uscc,
    item,
    finding,
    outcome="责令限期整改",
    rect="整改中",
    on="",
    serious="否",
    penalty="",
    decided="",
):
    return [
        draw_id,
        uscc,
        item,
        "2026-12-10",
        "2026-12-11",
        finding,
        outcome,
        serious,
        rect,
        on,
        penalty,
        decided,
    ]


def results_in(engine, folder: Path, rows, now: dt.datetime, *, reason="检查结果数据更新"):
    """Results come in through the registry (results.csv in a landing folder), then the
    publication module tracks and publishes what is ready, as the DAGs do."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([RESULT_HEADER, *rows])
    with engine.connect() as conn:
        prep = registry.prepare(
            conn, registry.land(str(folder)), run_id=f"results {now}", today=now.date()
        )
    bad = [
        f.message
        for _, c in prep.checked["results"]
        for f in c.findings
        if f.severity == "critical"
    ]
    assert not bad, bad
    registry.apply(engine, prep, now=now, full_snapshot=False)
    publication.refresh(engine, now=now)
    return publication.publish_ready(engine, now=now + dt.timedelta(hours=1), reason=reason)


def _sample(folder: Path) -> Path:
    """The bundled sample directory with every fifth enterprise (and those named in a
    conflict): the same files and checks, a fifth of the rows, so each test loads fast."""
    folder.mkdir()
    conflicts = (SAMPLES / "conflicts.csv").read_text("utf-8-sig").splitlines()[1:]
    named = {line.split(",")[1] for line in conflicts}
    lines = (SAMPLES / "enterprises.csv").read_text("utf-8-sig").splitlines()
    kept = [lines[0]] + [
        line for n, line in enumerate(lines[1:]) if n % 5 == 0 or line.split(",")[0] in named
    ]
    (folder / "enterprises.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    for name in ("inspectors.csv", "conflicts.csv"):
        shutil.copyfile(SAMPLES / name, folder / name)
    return folder


FIRST_FINDING = "未建立安全风险分级管控清单"
CORRECTED_FINDING = "未建立安全风险分级管控清单，未开展岗位风险辨识"


def make_world(engine, tmp_path, monkeypatch) -> dict:
    """Three draws. An annual one (WH, 6 units): published results, one corrected (v2), one
    serious violation, one problem still being rectified, one unit without results yet. A
    covert one (YJ, 4 units): one result published, the rest not. One only committed (ZH)."""
    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    with engine.connect() as conn:
        prep = registry.prepare(
            conn, registry.land(str(_sample(tmp_path / "sample"))), run_id="r", today=NOW.date()
        )
    registry.apply(engine, prep, now=NOW - dt.timedelta(days=1))
    annual, a = _approved_draw(engine, _spec(WH), "run/WH")
    covert, c = _approved_draw(engine, _spec(YJ, kind="暗访暗查", units=4), "run/YJ")
    committed = lifecycle.commit(engine, _spec(ZH, units=3), origin="run/ZH", now=NOW)

    first = [
        problem(annual, a[0], "SC-02", FIRST_FINDING, rect="已整改", on="2026-12-11"),
        problem(annual, a[1], "SC-02", "隐患排查治理台账缺失"),
        problem(
            annual,
            a[1],
            "SC-03",
            "未取得危险化学品安全使用许可证使用危险化学品",
            outcome="立案查处",
            serious="是",
            penalty=PENALTY,
            decided="2026-12-12",
        ),
        problem(annual, a[2], "SC-02", "未按规定开展风险辨识评估"),
        ok(annual, a[3]),
        ok(annual, a[4]),
        ok(covert, c[0]),
        problem(covert, c[1], "SC-07", "重大事故隐患未及时整改"),
    ]
    published = results_in(engine, tmp_path / "landing1", first, dt.datetime(2026, 12, 14))
    assert {x["uscc"] for x in published} == {a[0], a[1], a[3], a[4], c[0]}
    correction = [problem(annual, a[0], "SC-02", CORRECTED_FINDING, rect="已整改", on="2026-12-11")]
    published = results_in(
        engine,
        tmp_path / "landing2",
        correction,
        dt.datetime(2026, 12, 18),
        reason="补充检查发现的问题",
    )
    assert [(x["uscc"], x["version"]) for x in published] == [(a[0], 2)]
    return {
        "engine": engine,
        "annual": annual,
        "a": a,
        "covert": covert,
        "c": c,
        "committed": committed,
        "tmp": tmp_path,
        "published": [a[0], a[1], a[3], a[4], c[0]],
    }


def build(world: dict) -> dict:
    """The world with its site built (as of BUILT) in tmp/site."""
    out = world["tmp"] / "site"
    index = site.build_site(world["engine"], out, now=BUILT)
    return {**world, "out": out, "index": index}


def site_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def site_text(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def unit_name(engine, uscc):
    with engine.connect() as conn:
        return conn.execute(
            select(db.enterprise.c.name).where(db.enterprise.c.uscc == uscc)
        ).scalar_one()
