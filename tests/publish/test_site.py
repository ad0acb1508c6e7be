"""The public site (公示网站) and its open data, on SQLite and PostgreSQL, from data made by the
real modules (site_world)."""

import csv
import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape
from sqlalchemy import select

from conftest import artifacts as _artifacts
from conftest import chromium as _chromium
from shuangsui import config, db
from shuangsui.core.spreadsheet import original_cell
from shuangsui.draw.verify import verify_record
from shuangsui.publish import open_data, privacy, site
from site_world import (
    BUILT,
    CORRECTED_FINDING,
    FIRST_FINDING,
    PENALTY,
    WH,
    build,
    make_world,
    ok,
    problem,
    results_in,
    site_files,
    site_text,
    unit_name,
)


@pytest.fixture
def built(engine, tmp_path, monkeypatch):
    return build(make_world(engine, tmp_path, monkeypatch))


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
    files = site_files(out)
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
    html = site_text(built["out"], "index.html")
    assert "“双随机、一公开”抽查结果公示" in html and "随机抽取检查对象" in html
    for d in (built["annual"], built["covert"], built["committed"]):
        assert f'href="draws/{d}.html"' in html
    assert "暗访暗查" in html and "年度计划" in html and WH in html
    assert 'href="verify.html"' in html and 'href="data/index.html"' in html
    assert '<script src="assets/search-index.js"></script>' in html
    assert 'name="q"' in html
    text = site_text(built["out"], "assets/search-index.js")
    entries = json.loads(text[text.index("[") : text.rindex("]") + 1].replace(",\n]", "\n]"))
    assert {e["u"] for e in entries} == set(built["published"])
    first = next(e for e in entries if e["u"] == built["a"][0])
    assert first["n"] == unit_name(built["engine"], built["a"][0]) and first["r"] == "已整改"
    assert first["h"] == f"results/{built['a'][0]}.html"


def test_draw_page_shows_the_records_commitment_seed_and_pool_hash_and_its_files_verify(built):
    out, annual = built["out"], built["annual"]
    rec = json.loads(site_text(out, f"draws/{annual}/record.json"))
    pre = json.loads(site_text(out, f"draws/{annual}/commitment.json"))
    html = site_text(out, f"draws/{annual}.html")
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
    assert not set(privacy.RECORD_OMITTED) & set(rec)  # no teams, no recusals
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
    html = site_text(out, f"draws/{committed}.html")
    assert row.commitment in html and row.pool_sha256 in html and "尚未抽取" in html
    assert not [f for f, data in site_files(out).items() if row.secret.encode() in data]


def test_unit_page_shows_outcome_rectification_inspectors_and_corrections(built):
    engine, annual, first = built["engine"], built["annual"], built["a"][0]
    html = site_text(built["out"], f"results/{first}.html")
    assert unit_name(engine, first) in html and first in html
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
    serious = site_text(built["out"], f"results/{built['a'][1]}.html")
    assert "立案查处" in serious and PENALTY in serious and "已纳入社会信用记录" in serious


def test_open_data_has_the_documented_columns_and_credit_records_are_the_serious_ones(built):
    out = built["out"]
    raw = (out / "data/results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    df = pd.read_csv(out / "data/results.csv", encoding="utf-8-sig", dtype=str)
    assert tuple(df.columns) == open_data.CSV_RESULT_COLUMNS
    assert len(df) == 5 and set(df["uscc"]) == set(built["published"])
    first = df[df["uscc"] == built["a"][0]].iloc[0]
    assert first["version"] == "2" and first["rectification"] == "已整改"
    assert first["findings"] == CORRECTED_FINDING and "补充检查发现的问题" in first["change_note"]
    data = json.loads(site_text(out, "data/results.json"))
    assert data["count"] == 5 and {r["version"] for r in data["records"]} == {1, 2}
    fields_html, fields_md = site_text(out, "data/fields.html"), site_text(out, "data/FIELDS.md")
    documented = {f.name for ds in open_data.DATASETS for f in ds[4]}
    for col in [
        *df.columns,
        *data["records"][0],
        *open_data.CSV_CREDIT_COLUMNS,
        *json.loads(site_text(out, "data/draws.json"))["records"][0],
    ]:
        assert (
            col in documented and f"<code>{col}</code>" in fields_html and f"`{col}`" in fields_md
        ), col
    records = json.loads(site_text(out, "data/credit_records.json"))["records"]
    assert [(r["uscc"], r["decision"], r["decided_on"]) for r in records] == [
        (built["a"][1], PENALTY, "2026-12-12")
    ]
    assert records[0]["violation"] == "未取得危险化学品安全使用许可证使用危险化学品"
    assert records[0]["deciding_body"] == config.bureau()["name"]
    df = pd.read_csv(out / "data/credit_records.csv", encoding="utf-8-sig", dtype=str)
    assert list(df["uscc"]) == [built["a"][1]] and tuple(df.columns) == open_data.CSV_CREDIT_COLUMNS


FORMULAS = ["=1+1", "@SUM(A1)", "=cmd|' /C calc'!A0", "+1", "-1+1", "\t=1+1", "\r=1+1", "'=1"]


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_text_that_would_start_a_formula_is_quoted_in_the_csv_and_exact_in_the_json(built):
    engine, serious = built["engine"], built["a"][1]
    for text in FORMULAS:
        data = site.load(engine, BUILT)
        c = data.versions[(built["annual"], serious)][-1]
        c["name"], c["penalty_ref"] = text, text
        for item in c["items"]:
            item["finding"] = text
        files = site.render(data)
        cell = "'" + text
        raw = files["data/results.csv"]
        assert b'"' + cell.encode() + b'"' in raw  # prefixed, and quoted
        row = next(r for r in _csv_rows(raw) if r["uscc"] == serious)
        assert row["name"] == row["penalty_ref"] == cell and row["findings"].startswith(cell)
        (credit,) = _csv_rows(files["data/credit_records.csv"])
        assert credit["name"] == credit["violation"] == credit["decision"] == cell
        records = json.loads(files["data/results.json"])["records"]
        exact = next(r for r in records if r["uscc"] == serious)
        assert exact["name"] == exact["penalty_ref"] == text
        assert {i["finding"] for i in exact["items"]} == {text}
        assert json.loads(files["data/credit_records.json"])["records"][0]["name"] == text
        # A program reading the CSV gets every original value back (CSV_NOTE's rule).
        expected = {r["uscc"]: open_data.result_row(r) for r in records}
        for r in _csv_rows(raw):
            want = expected[r["uscc"]]
            assert {k: original_cell(v) for k, v in r.items()} == {
                k: "" if want[k] is None else str(want[k]) for k in r
            }


def test_the_field_description_says_which_cells_are_prefixed_and_how_to_read_them(built):
    out = built["out"]
    assert open_data.CSV_NOTE in site_text(out, "data/FIELDS.md")
    html = site_text(out, "data/fields.html")
    assert str(escape(open_data.CSV_NOTE)) in html
    assert "“=”“+”“-”“@”、制表符或回车符" in open_data.CSV_NOTE
    assert "JSON 文件中的值均为原值" in open_data.CSV_NOTE


def test_covert_draw_hides_its_targets_until_all_their_results_are_published(built):
    engine, out, covert, c = built["engine"], built["out"], built["covert"], built["c"]
    files = site_files(out)
    for uscc in c[1:]:  # drawn, result not published
        name = unit_name(engine, uscc)
        leaks = [f for f, data in files.items() if uscc.encode() in data or name.encode() in data]
        assert not leaks, (uscc, leaks)
    with engine.connect() as conn:
        row = conn.execute(select(db.draw).where(db.draw.c.draw_id == covert)).one()
    for secret in (row.secret, row.seed):  # seed + pool would re-compute them
        assert not [f for f, data in files.items() if secret.encode() in data]
    assert not [f for f in files if f.startswith(f"draws/{covert}/")]
    html = site_text(out, f"draws/{covert}.html")
    assert row.commitment in html and c[0] in html and "暗访暗查" in html
    assert "2026-12-10" not in html  # nor when the visits were

    rest = [
        problem(covert, c[1], "SC-07", "重大事故隐患未及时整改", rect="已整改", on="2026-12-16"),
        *[ok(covert, u) for u in c[2:]],
    ]
    results_in(engine, built["tmp"] / "landing3", rest, dt.datetime(2026, 12, 19))
    site.build_site(engine, out, now=BUILT)  # all published: revealed
    html = site_text(out, f"draws/{covert}.html")
    assert row.seed in html and all(u in html for u in c)
    folder = out / "draws" / covert
    assert verify_record(folder / "record.json", pool_path=folder / "pool.csv").ok


# --- in a real browser, phone-sized ------------------------------------------------------


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
    name = unit_name(engine, serious)
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
    assert unit_name(engine, first) in dom.stdout and "责令限期整改" in dom.stdout
    assert "已整改" in dom.stdout
    _screenshot(url, profile, "unit", backend)
    _screenshot((out / "draws" / f"{built['annual']}.html").as_uri(), profile, "draw", backend)
