"""The public site (公示网站), its open data and privacy scan, and the report of common
problems to the 管委会 — on SQLite and PostgreSQL, from data made by the real modules:
the bundled sample directory, real draws (commit, perform, approve), results loaded through
the registry and published by shuangsui.publish.publication."""

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from conftest import ROOT, SAMPLES
from shuangsui import config, db
from shuangsui.draw import lifecycle as draws
from shuangsui.draw.verify import verify_record
from shuangsui.intake import directories as registry
from shuangsui.publish import publication, site

NOW = dt.datetime(2026, 11, 26, 2)  # the draws (UTC)
BUILT = dt.datetime(2026, 12, 20, 2)  # the site is built (UTC)
WH, YJ, ZH = "危险化学品监管科", "冶金工贸监管科", "综合监督管理科"
PUBLIC_VALUE = "2026325 福彩3D 4 7 1"
CHROMIUM = Path("/usr/bin/chromium")


# --- data made through the real modules ------------------------------------------------


def _spec(department, **kw):
    return draws.Spec(
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
    draw_id = draws.commit(engine, spec, origin=origin, now=NOW)
    rec = draws.perform(engine, draw_id, now=NOW)
    draws.decide(engine, draw_id, approved=True, by="fgld@ajj.zbgx.example.cn", now=NOW)
    return draw_id, [t["uscc"] for t in rec["targets"]]


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


def _ok(draw_id, uscc):
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


def _problem(
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


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
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
    committed = draws.commit(engine, _spec(ZH, units=3), origin="run/ZH", now=NOW)

    first = [
        _problem(annual, a[0], "SC-02", FIRST_FINDING, rect="已整改", on="2026-12-11"),
        _problem(annual, a[1], "SC-02", "隐患排查治理台账缺失"),
        _problem(
            annual,
            a[1],
            "SC-03",
            "未取得危险化学品安全使用许可证使用危险化学品",
            outcome="立案查处",
            serious="是",
            penalty=PENALTY,
            decided="2026-12-12",
        ),
        _problem(annual, a[2], "SC-02", "未按规定开展风险辨识评估"),
        _ok(annual, a[3]),
        _ok(annual, a[4]),
        _ok(covert, c[0]),
        _problem(covert, c[1], "SC-07", "重大事故隐患未及时整改"),
    ]
    published = results_in(engine, tmp_path / "landing1", first, dt.datetime(2026, 12, 14))
    assert {x["uscc"] for x in published} == {a[0], a[1], a[3], a[4], c[0]}
    correction = [
        _problem(annual, a[0], "SC-02", CORRECTED_FINDING, rect="已整改", on="2026-12-11")
    ]
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


@pytest.fixture
def built(world):
    out = world["tmp"] / "site"
    index = site.build_site(world["engine"], out, now=BUILT)
    return {**world, "out": out, "index": index}


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _text(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def _name(engine, uscc):
    with engine.connect() as conn:
        return conn.execute(
            select(db.enterprise.c.name).where(db.enterprise.c.uscc == uscc)
        ).scalar_one()


# --- the site --------------------------------------------------------------------------


def test_every_page_and_data_file_is_produced_and_roster_never_is(built):
    out, annual, covert, committed = (
        built["out"],
        built["annual"],
        built["covert"],
        built["committed"],
    )
    assert built["index"] == out / "index.html"
    expected = [
        "index.html",
        "verify.html",
        "check.py",
        "results/index.html",
        "SHA256SUMS",
        "assets/site.css",
        "assets/site.js",
        "assets/search-index.js",
        "data/index.html",
        "data/results.csv",
        "data/results.json",
        "data/draws.json",
        "data/credit_records.csv",
        "data/credit_records.json",
        "data/fields.html",
        "data/FIELDS.md",
        *[f"draws/{d}.html" for d in (annual, covert, committed)],
        *[f"draws/{annual}/{f}" for f in ("record.json", "commitment.json", "pool.csv")],
        f"draws/{committed}/commitment.json",
        f"draws/{committed}/pool.csv",
        *[f"results/{u}.html" for u in built["published"]],
    ]
    files = _files(out)
    assert not [f for f in expected if f not in files]
    assert not [f for f in files if f.endswith("roster.csv")]
    for u in (built["a"][2], built["a"][5]):  # not yet published
        assert f"results/{u}.html" not in files
    assert f"draws/{committed}/record.json" not in files  # not drawn: no secret
    sums = dict(line.split("  ")[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[f]).hexdigest() == h for f, h in sums.items())
    for page in (f for f in files if f.endswith(".html")):  # no external assets
        html = files[page].decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), page
        assert '<meta name="viewport"' in html


def test_index_lists_the_draws_and_its_search_index_every_published_unit(built):
    html = _text(built["out"], "index.html")
    assert "“双随机、一公开”抽查结果公示" in html and "随机抽取检查对象" in html
    for d in (built["annual"], built["covert"], built["committed"]):
        assert f'href="draws/{d}.html"' in html
    assert "暗访暗查" in html and "年度计划" in html and WH in html
    assert 'href="verify.html"' in html and 'href="data/index.html"' in html
    assert '<script src="assets/search-index.js"></script>' in html
    assert 'name="q"' in html
    text = _text(built["out"], "assets/search-index.js")
    entries = json.loads(text[text.index("[") : text.rindex("]") + 1].replace(",\n]", "\n]"))
    assert {e["u"] for e in entries} == set(built["published"])
    first = next(e for e in entries if e["u"] == built["a"][0])
    assert first["n"] == _name(built["engine"], built["a"][0]) and first["r"] == "已整改"
    assert first["h"] == f"results/{built['a'][0]}.html"


def test_draw_page_shows_the_records_commitment_seed_and_pool_hash_and_its_files_verify(built):
    out, annual = built["out"], built["annual"]
    rec = json.loads(_text(out, f"draws/{annual}/record.json"))
    pre = json.loads(_text(out, f"draws/{annual}/commitment.json"))
    html = _text(out, f"draws/{annual}.html")
    assert rec["commitment"] == pre["commitment"] and rec["pool"]["sha256"] == pre["pool"]["sha256"]
    for value in (
        rec["commitment"],
        rec["seed"],
        rec["secret"],
        rec["pool"]["sha256"],
        pre["code_version"],
        pre["committed_at"],
    ):
        assert value in html
    assert "shuangsui verify record.json --pool pool.csv" in html and "verify.html" in html
    for uscc in built["published"][:4]:  # linked to their results
        assert f'href="../results/{uscc}.html"' in html
    assert built["a"][5] in html and "待公示" in html  # drawn, result pending
    assert (
        hashlib.sha256((out / f"draws/{annual}/pool.csv").read_bytes()).hexdigest()
        == rec["pool"]["sha256"]
    )
    folder = out / "draws" / annual
    assert not set(site.RECORD_OMITTED) & set(rec)  # no teams, no recusals
    v = verify_record(folder / "record.json", pool_path=folder / "pool.csv")
    assert v.ok, v.lines()
    assert [c.name for c in v.checks if not c.skipped][-1] == "targets"
    cli = subprocess.run(
        [
            str(Path(sys.executable).parent / "shuangsui"),
            "verify",
            "record.json",
            "--pool",
            "pool.csv",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0 and cli.stdout.strip().endswith("MATCH"), cli.stdout
    plain = subprocess.run(
        [sys.executable, str(out / "check.py"), "record.json", "pool.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    lines = plain.stdout.strip().splitlines()
    assert (
        plain.returncode == 0
        and lines[-1].endswith("MATCH")
        and all(line.endswith("True") for line in lines[:-1])
    ), plain.stdout + plain.stderr


def test_committed_draw_shows_its_commitment_and_never_its_secret(built):
    out, committed = built["out"], built["committed"]
    with built["engine"].connect() as conn:
        row = conn.execute(select(db.draw).where(db.draw.c.draw_id == committed)).one()
    html = _text(out, f"draws/{committed}.html")
    assert row.commitment in html and row.pool_sha256 in html and "尚未抽取" in html
    assert not [f for f, data in _files(out).items() if row.secret.encode() in data]


def test_unit_page_shows_outcome_rectification_inspectors_and_corrections(built):
    engine, annual, first = built["engine"], built["annual"], built["a"][0]
    html = _text(built["out"], f"results/{first}.html")
    assert _name(engine, first) in html and first in html
    assert "责令限期整改" in html and "已整改" in html and CORRECTED_FINDING in html
    assert "SC-02" in html and f"{config.bureau()['name']}（{WH}）" in html
    assert "2026-12-10 至 2026-12-11" in html
    with engine.connect() as conn:
        team = conn.execute(
            select(db.inspector.c.name, db.inspector.c.cert_no)
            .join(
                db.team_assignment, db.team_assignment.c.inspector_id == db.inspector.c.inspector_id
            )
            .where(db.team_assignment.c.draw_id == annual, db.team_assignment.c.uscc == first)
        )
        for name, cert in team:
            assert name in html and cert in html
    assert html.index("（组长）") < html.index("（组员）")
    assert "更正记录" in html and "补充检查发现的问题" in html  # the change note
    assert "第1版" in html and "第2版" in html
    older = html[html.index("查看第1版") :]
    assert FIRST_FINDING + "<" in older and "2026-12-14" in older  # the first version kept
    serious = _text(built["out"], f"results/{built['a'][1]}.html")
    assert "立案查处" in serious and PENALTY in serious and "已纳入社会信用记录" in serious


def test_open_data_has_the_documented_columns_and_credit_records_are_the_serious_ones(built):
    out = built["out"]
    raw = (out / "data/results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    df = pd.read_csv(out / "data/results.csv", encoding="utf-8-sig", dtype=str)
    assert tuple(df.columns) == site.CSV_RESULT_COLUMNS
    assert len(df) == 5 and set(df["uscc"]) == set(built["published"])
    first = df[df["uscc"] == built["a"][0]].iloc[0]
    assert first["version"] == "2" and first["rectification"] == "已整改"
    assert first["findings"] == CORRECTED_FINDING and "补充检查发现的问题" in first["change_note"]
    data = json.loads(_text(out, "data/results.json"))
    assert data["count"] == 5 and {r["version"] for r in data["records"]} == {1, 2}
    fields_html, fields_md = _text(out, "data/fields.html"), _text(out, "data/FIELDS.md")
    documented = {f.name for ds in site.DATASETS for f in ds[4]}
    for col in [
        *df.columns,
        *data["records"][0],
        *site.CSV_CREDIT_COLUMNS,
        *json.loads(_text(out, "data/draws.json"))["records"][0],
    ]:
        assert (
            col in documented and f"<code>{col}</code>" in fields_html and f"`{col}`" in fields_md
        ), col
    records = json.loads(_text(out, "data/credit_records.json"))["records"]
    assert [(r["uscc"], r["decision"], r["decided_on"]) for r in records] == [
        (built["a"][1], PENALTY, "2026-12-12")
    ]
    assert records[0]["violation"] == "未取得危险化学品安全使用许可证使用危险化学品"
    assert records[0]["deciding_body"] == config.bureau()["name"]
    df = pd.read_csv(out / "data/credit_records.csv", encoding="utf-8-sig", dtype=str)
    assert list(df["uscc"]) == [built["a"][1]] and tuple(df.columns) == site.CSV_CREDIT_COLUMNS


def test_covert_draw_hides_its_targets_until_all_their_results_are_published(built):
    engine, out, covert, c = built["engine"], built["out"], built["covert"], built["c"]
    files = _files(out)
    for uscc in c[1:]:  # drawn, result not published
        name = _name(engine, uscc)
        leaks = [f for f, data in files.items() if uscc.encode() in data or name.encode() in data]
        assert not leaks, (uscc, leaks)
    with engine.connect() as conn:
        row = conn.execute(select(db.draw).where(db.draw.c.draw_id == covert)).one()
    for secret in (row.secret, row.seed):  # seed + pool would re-compute them
        assert not [f for f, data in files.items() if secret.encode() in data]
    assert not [f for f in files if f.startswith(f"draws/{covert}/")]
    html = _text(out, f"draws/{covert}.html")
    assert row.commitment in html and c[0] in html and "暗访暗查" in html
    assert "2026-12-10" not in html  # nor when the visits were

    rest = [
        _problem(covert, c[1], "SC-07", "重大事故隐患未及时整改", rect="已整改", on="2026-12-16"),
        *[_ok(covert, u) for u in c[2:]],
    ]
    results_in(engine, built["tmp"] / "landing3", rest, dt.datetime(2026, 12, 19))
    site.build_site(engine, out, now=BUILT)  # all published: revealed
    html = _text(out, f"draws/{covert}.html")
    assert row.seed in html and all(u in html for u in c)
    folder = out / "draws" / covert
    assert verify_record(folder / "record.json", pool_path=folder / "pool.csv").ok


def test_nothing_private_is_published_and_the_scan_catches_planted_data(built):
    engine, out = built["engine"], built["out"]
    assert site.scan_private(out, engine=engine) == []
    assert site.scan_private(out) == []
    with engine.connect() as conn:
        email, phone = conn.execute(
            select(db.inspector.c.email, db.inspector.c.phone).order_by(db.inspector.c.inspector_id)
        ).first()
    everything = b"".join(_files(out).values()).decode("utf-8", "replace")
    assert config.bureau()["phone"] in everything  # the bureau's public phone
    assert "fgld@" not in everything  # who approved (an email here)

    copy = built["tmp"] / "planted"
    shutil.copytree(out, copy)
    page = copy / "results" / f"{built['a'][0]}.html"
    page.write_text(
        page.read_text("utf-8") + "\n<p>联系：" + "张三 13912345678</p>\n"
        "<p>身份证 11010519491231002X 邮箱 zhangsan@example.com</p>\n"
        "<p>办公室 0533-7654321 总机 " + config.bureau()["phone"] + "</p>\n",
        encoding="utf-8",
    )
    (copy / "data" / "extra.csv").write_text(
        f"inspector,{phone[:3]}-{phone[3:7]}-{phone[7:]}\nmail,{email.upper()}\n", encoding="utf-8"
    )
    found = site.scan_private(copy, engine=engine)
    joined = "\n".join(found)
    assert f"results/{built['a'][0]}.html:" in joined
    assert "mobile phone number 139****5678" in joined
    assert "resident id number" in joined and "110105********002X" in joined
    assert "email address z***@example.com" in joined and "telephone number" in joined
    assert (
        "data/extra.csv:1: inspector phone" in joined
        or "data/extra.csv:1: mobile phone number" in joined
    )
    assert "data/extra.csv:2: email address" in joined
    assert "0533****0000" not in joined  # the bureau's phone is allowed
    ids = [f for f in found if "resident id" in f]
    assert len(ids) == 1, ids  # USCCs are not id numbers


def test_a_result_carrying_private_data_stops_the_build_before_anything_is_written(built):
    engine, third = built["engine"], built["a"][2]
    typed = [
        _problem(
            built["annual"],
            third,
            "SC-02",
            "未按规定开展风险辨识评估（整改联系人 13912345678）",
            rect="已整改",
            on="2026-12-17",
        )
    ]
    assert results_in(engine, built["tmp"] / "landing3", typed, dt.datetime(2026, 12, 18))
    fresh = built["tmp"] / "fresh"
    with pytest.raises(site.PrivateData, match=rf"results/{third}.html:\d+: mobile phone"):
        site.build_site(engine, fresh, now=BUILT)
    assert not fresh.exists()
    before = _files(built["out"])
    with pytest.raises(site.PrivateData, match="data/results.csv"):
        site.build_site(engine, built["out"], now=BUILT)
    assert _files(built["out"]) == before  # the published site stays


def test_resident_id_check_digit_tells_ids_from_uscc_and_other_numbers():
    assert site.is_resident_id("11010519491231002X")
    assert not site.is_resident_id("110105194912310021")  # wrong check digit
    assert not site.is_resident_id("110105194902300028")  # 30 February
    assert site.id_check_digit("11010519491231002") == "X"
    uscc = [
        line.split(",")[0]
        for line in (SAMPLES / "enterprises.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    assert not [u for u in uscc if site.is_resident_id(u)]


def test_rebuilding_gives_identical_bytes_and_removes_what_is_no_longer_published(built):
    engine, out = built["engine"], built["out"]
    before = _files(out)
    site.build_site(engine, out, now=BUILT)
    assert _files(out) == before
    other = built["tmp"] / "again"
    site.build_site(engine, other, now=BUILT)
    assert _files(other) == before
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    site.build_site(engine, out, now=dt.datetime(2026, 12, 13))  # before any publication
    after = _files(out)
    assert not [f for f in after if f.startswith("results/") and f != "results/index.html"]
    assert "keep.txt" in after
    site.build_site(engine, out, now=BUILT)
    assert {f: b for f, b in _files(out).items() if f != "keep.txt"} == before


# --- the report to the 管委会 ------------------------------------------------------------


def test_management_report_counts_problems_and_flags_the_common_ones(built, tmp_path):
    from docx import Document

    paths = site.management_report(built["engine"], tmp_path / "report", year=2026, now=BUILT)
    data = json.loads(paths["json"].read_text("utf-8"))
    assert data["inspected_units"] == 7 and data["problem_units"] == 4
    items = {i["code"]: i for i in data["items"]}
    assert items["SC-02"]["units"] == 3 and items["SC-02"]["common"]
    assert not items["SC-03"]["common"] and not items["SC-07"]["common"]
    assert data["serious_units"] == 1 and data["serious"][0]["penalty_ref"] == PENALTY
    assert {g["name"]: g["problem_units"] for g in data["by_department"]} == {WH: 3, YJ: 1}
    html = paths["html"].read_text("utf-8")
    title = "关于2026年“双随机”抽查发现普遍性问题的情况通报"
    assert title in html and "主送：高新区管委会" in html and "<svg" in html
    assert "二〇二六年十二月二十日" in html and "<script" not in html
    doc = Document(str(paths["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith(title) and "主送：高新区管委会" in text
    assert text.rstrip().endswith(f"{config.bureau()['name']}\n二〇二六年十二月二十日")
    assert any("SC-02" in c.text for t in doc.tables for c in t.columns[0].cells)
    stricter = site.management_report(
        built["engine"], tmp_path / "r2", year=2026, now=BUILT, min_units=4, min_share=0.5
    )
    assert not json.loads(stricter["json"].read_text("utf-8"))["common_items"]
    again = site.management_report(built["engine"], tmp_path / "report", year=2026, now=BUILT)
    assert again["docx"].read_bytes() == paths["docx"].read_bytes()


# --- in a real browser, phone-sized ------------------------------------------------------


def _chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "chromium must be installed for the browser tests "
                "(apt-get install -y chromium fonts-noto-cjk)"
            )
        pytest.skip("chromium not installed (/usr/bin/chromium)")
    return str(CHROMIUM)


def _artifacts() -> Path:
    folder = Path(os.environ.get("SHUANGSUI_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _browse(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=390,844",
        "--hide-scrollbars",
        *args,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _screenshot(url: str, profile: Path, name: str, backend: str) -> Path:
    shot = _artifacts() / f"site_{name}_{backend}.png"
    shot.unlink(missing_ok=True)
    r = _browse(url, profile, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 5000, r.stderr[-2000:]
    return shot


def test_on_a_phone_the_search_runs_from_the_address_and_a_unit_page_reads(
    built, request, tmp_path
):
    engine, out, serious, first = built["engine"], built["out"], built["a"][1], built["a"][0]
    backend = request.node.callspec.params.get("db_url", "sqlite")
    profile = tmp_path / "profile"
    name = _name(engine, serious)
    url = (out / "index.html").as_uri() + "?q=" + name[2:6]  # part of the name
    dom = _browse(url, profile, "--dump-dom", "--virtual-time-budget=3000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    hits = dom.stdout[dom.stdout.index('id="search-results"') :]
    hits = hits[: hits.index("</ul>")]  # filled in by site.js
    assert name in hits and f"results/{serious}.html" in hits and "立案查处" in hits
    assert "找到" in dom.stdout
    _screenshot(url, profile, "index_search", backend)

    url = (out / "results" / f"{first}.html").as_uri()
    dom = _browse(url, profile, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _name(engine, first) in dom.stdout and "责令限期整改" in dom.stdout
    assert "已整改" in dom.stdout
    _screenshot(url, profile, "unit", backend)
    _screenshot((out / "draws" / f"{built['annual']}.html").as_uri(), profile, "draw", backend)
