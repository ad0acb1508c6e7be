"""The draw page checks the draw in the browser (在线核验): verify.js re-computes, with
WebCrypto, the commitment, the seed, the pool hash and the targets from the files published
beside the page, checks the public source's timing, and says 一致 (match), 部分核验
(partial: what it could check matches, something could not be checked) or 不一致
(mismatch) and which check failed. Driven with Playwright on Debian's Chromium, the site
served over http://127.0.0.1."""

import functools
import json
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import artifacts as _artifacts
from conftest import chromium as _chromium
from conftest import sync_playwright as _sync_playwright
from shuangsui.core.hashing import sha256_hex
from shuangsui.draw import algorithm
from shuangsui.publish import site
from site_world import build, make_world

DONE = '#verify-draw[data-verify-result]:not([data-verify-result="checking"])'
CHECKS = ["record", "commitment", "seed", "source", "pool", "params", "targets"]
# The browser reads static files: the business database's backend is no part of it.
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# every value data-verify-result takes, as verify.js sets it
STATES = """
window.__states = [];
new MutationObserver(function (ms) {
  ms.forEach(function (m) { window.__states.push(m.target.getAttribute("data-verify-result")); });
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-verify-result"] });
"""


@pytest.fixture
def built(engine, tmp_path, monkeypatch):
    return build(make_world(engine, tmp_path, monkeypatch))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    """The folder over http://127.0.0.1 on a free port, as a static web server would."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser(**context):
    with _sync_playwright()() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            yield b.new_context(viewport={"width": 390, "height": 844}, **context)
        finally:
            b.close()


def verify_page(folder: Path, draw_id: str, shot: str | None = None) -> dict:
    """Open the draw's page; wait for verify.js to finish; what it shows."""
    with serve(folder) as base, browser() as ctx:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_init_script(STATES)
        page.goto(f"{base}/draws/{draw_id}.html")
        page.wait_for_selector(DONE, timeout=60_000)
        box = page.locator("#verify-draw")
        out = {
            "result": box.get_attribute("data-verify-result"),
            "states": page.evaluate("window.__states"),
            "status": box.locator(".verify-status").inner_text(),
            "checks": {
                # (passed, detail): each line reads "一致 名称：detail"
                li.get_attribute("data-check"): (
                    li.get_attribute("data-ok"),
                    li.inner_text().split("：", 1)[1],
                )
                for li in box.locator("li[data-check]").all()
            },
            "errors": errors,
        }
        if shot:
            box.screenshot(path=str(_artifacts() / f"verify_{shot}.png"))
        return out


def failed(shown: dict) -> list[str]:
    return [name for name, (ok, _) in shown["checks"].items() if ok == "false"]


def skipped(shown: dict) -> list[str]:
    """The checks shown as 无从核验 (could not be checked)."""
    return [name for name, (ok, _) in shown["checks"].items() if ok == "skip"]


def _copy(built, name: str) -> Path:
    folder = built["tmp"] / name
    shutil.copytree(built["out"], folder)
    return folder


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- a real draw -----------------------------------------------------------------------


@SQLITE
def test_a_real_draws_page_recomputes_it_in_the_browser_and_says_what_it_could_not(built):
    """The sample world's draws were given their public value at commit: everything else
    matches, and the source's timing is shown as 无从核验, so partial, never match."""
    shown = verify_page(built["out"], built["annual"], shot="partial")
    assert shown["result"] == "partial", shown
    assert shown["states"][0] == "checking" and shown["states"][-1] == "partial"
    assert list(shown["checks"]) == CHECKS and not failed(shown)
    assert skipped(shown) == ["source"]
    assert "在承诺时即已给出，无从证明承诺时该数尚未可知" in shown["checks"]["source"][1]
    assert shown["status"].startswith("核验结果：部分核验。已核验的各项均与公布的记录一致")
    rec = _read(built["out"] / "draws" / built["annual"] / "record.json")
    detail = shown["checks"]["targets"][1]
    assert (
        f"全部 {rec['pool']['size']} 家单位" in detail
        and f"抽取 {len(rec['targets'])} 家" in detail
    )
    assert rec["seed"][:16] in shown["checks"]["seed"][1]
    assert not shown["errors"]


@SQLITE
def test_a_pool_with_one_line_changed_shows_mismatch_on_the_pool(built):
    folder = _copy(built, "tampered-pool")
    pool = folder / "draws" / built["annual"] / "pool.csv"
    lines = pool.read_text(encoding="utf-8").split("\n")
    uscc, stratum, department, industry = lines[5].split(",")
    lines[5] = ",".join([uscc, stratum, department, industry + "制造"])  # one unit's industry
    pool.write_text("\n".join(lines), encoding="utf-8")
    shown = verify_page(folder, built["annual"], shot="tampered_pool")
    assert shown["result"] == "mismatch", shown
    assert failed(shown) == ["pool"]  # the ranks do not depend on the industry
    assert "pool.csv 的 SHA-256 为" in shown["checks"]["pool"][1]
    assert shown["status"].startswith("核验结果：不一致。候选名录未通过核验")


@SQLITE
def test_a_record_whose_selection_was_changed_shows_mismatch_on_the_targets(built):
    folder = _copy(built, "tampered-record")
    path = folder / "draws" / built["annual"] / "record.json"
    rec = _read(path)
    pool = (folder / "draws" / built["annual"] / "pool.csv").read_text(encoding="utf-8")
    drawn = {t["uscc"] for t in rec["targets"]}
    other = next(u.uscc for u in algorithm.parse_pool(pool) if u.uscc not in drawn)
    rec["targets"][1]["uscc"] = other  # a unit that was not drawn, in position 2
    _write(path, rec)
    shown = verify_page(folder, built["annual"])
    assert shown["result"] == "mismatch", shown
    assert failed(shown) == ["targets"]
    detail = shown["checks"]["targets"][1]
    assert (
        detail.startswith("第2位不一致") and other in detail and "共 6 位中有 1 位不一致" in detail
    )
    assert "抽取结果未通过核验" in shown["status"]


@SQLITE
def test_a_draw_naming_a_public_source_is_checked_with_its_seed_rule(built):
    """seed = SHA-256(secret|source id|value) when the record names a public source."""
    folder = _copy(built, "two-phase")
    draw_dir = folder / "draws" / built["annual"]
    rec, pre = _read(draw_dir / "record.json"), _read(draw_dir / "commitment.json")
    source = {
        "id": "fc3d:2026-11-26",
        "label": "2026年11月26日福彩3D开奖号码",
        "due_at": "2026-11-26T13:15:00Z",  # 21:15 Beijing time, after the commit at 10:00
    }
    rec["public_source"], pre["public_source"], rec["public_value"] = source, source, "471"
    assert rec["committed_at"] == "2026-11-26T02:00:00Z"
    rec["public_value_entry"] = {"at": "2026-11-26T13:40:00Z", "by": "c1", "confirmed_by": "c2"}
    rec["drawn_at"] = "2026-11-26T13:45:00Z"
    pre.pop("public_value", None)
    rec["seed"] = algorithm.seed(rec["secret"], "471", source["id"])
    units = algorithm.parse_pool((draw_dir / "pool.csv").read_text(encoding="utf-8"))
    p = rec["params"]
    targets = algorithm.select_targets(units, rec["seed"], rec["draw_id"], p["units"], 0.5)
    rec["targets"] = [
        {"position": t.position, "uscc": t.uscc, "stratum": t.stratum, "rank": t.rank}
        for t in targets
    ]
    _write(draw_dir / "record.json", rec)
    _write(draw_dir / "commitment.json", pre)
    shown = verify_page(folder, built["annual"])
    assert shown["result"] == "match", shown
    assert "公开随机源标识“fc3d:2026-11-26”" in shown["checks"]["seed"][1]
    assert shown["checks"]["source"] == (
        "true",
        "2026年11月26日福彩3D开奖号码开奖（发布）时间 2026-11-26T13:15:00Z，晚于承诺时间 "
        "2026-11-26T02:00:00Z；开奖号码于 2026-11-26T13:40:00Z 录入，早于抽取时间 "
        "2026-11-26T13:45:00Z",
    )

    # A value entered before the source drew cannot be its result.
    rec["public_value_entry"]["at"] = "2026-11-26T13:00:00Z"
    _write(draw_dir / "record.json", rec)
    shown = verify_page(folder, built["annual"])
    assert shown["result"] == "mismatch" and failed(shown) == ["source"], shown
    assert "早于2026年11月26日福彩3D开奖号码的开奖（发布）时间" in shown["checks"]["source"][1]
    # A source due before the commit: its value could have been known then.
    rec["public_value_entry"]["at"] = "2026-11-26T13:40:00Z"
    rec["public_source"] = {**source, "due_at": "2026-11-25T13:15:00Z"}
    _write(draw_dir / "record.json", rec)
    shown = verify_page(folder, built["annual"])
    assert shown["result"] == "mismatch" and failed(shown) == ["source"], shown
    assert "承诺时其值可能已经可知" in shown["checks"]["source"][1]
    rec["public_source"] = source

    rec["seed"] = algorithm.seed(rec["secret"], "471")  # the rule without the source
    _write(draw_dir / "record.json", rec)
    shown = verify_page(folder, built["annual"])
    assert shown["result"] == "mismatch" and failed(shown) == ["seed"], shown


# --- without a secret, and without JavaScript --------------------------------------------


@SQLITE
def test_pages_read_without_javascript_and_only_revealed_draws_are_checked(built):
    out = built["out"]
    with serve(out) as base, browser(java_script_enabled=False) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/draws/{built['annual']}.html")
        box = page.locator("#verify-draw")
        assert box.get_attribute("data-verify-result") is None  # claims nothing without JS
        assert "未启用脚本时，可按下列步骤自行核验" in box.inner_text()
        assert "python3 check.py record.json pool.csv" in page.inner_text("main")
    for draw_id in (built["committed"], built["covert"]):  # no secret published yet
        html = (out / "draws" / f"{draw_id}.html").read_text(encoding="utf-8")
        assert 'id="verify-draw"' not in html and "verify.js" not in html
        assert "在浏览器中自动核验" in html
    assert (out / "assets" / "verify.js").read_bytes() == (
        Path(__file__).resolve().parents[2] / "include/shuangsui/templates/site/verify.js"
    ).read_bytes()


# --- the rules of select_targets, on pools made for them -----------------------------------


def _units(key: int, other: int) -> list[algorithm.Unit]:
    return [
        algorithm.Unit(
            f"91370300MA{i:08d}", algorithm.KEY if i < key else algorithm.OTHER, "科", "业"
        )
        for i in range(key + other)
    ]


EDGES = {
    # name: (key units, other units, n, key_share, allow_shortfall)
    "key units fill in for a short other stratum": (10, 2, 6, 0.5, False),
    "a shortfall of key units, approved": (2, 20, 6, 0.5, True),
    "a shortfall of key units, refused (R4)": (2, 20, 6, 0.5, False),
    "a pool smaller than n (R1)": (3, 2, 6, 0.5, False),
    "25 x 0.28 is 7.000000000000001: the quota is 7": (12, 20, 25, 0.28, False),
    "every unit drawn": (5, 4, 9, 0.5, False),
}


def _edge_draw(folder: Path, case: str, key, other, n, share, allow) -> dict:
    units = _units(key, other)
    secret, draw_id = algorithm.commitment(case), f"2026-ZZ-{len(case):010d}"
    source = {"id": "pl3:2026-11-26", "due_at": "2026-11-26T13:25:00Z"}
    seed = algorithm.seed(secret, "123", source["id"])
    params = {"units": n, "key_share": share, "allow_shortfall": allow}
    snapshot = algorithm.pool_snapshot(units)
    pool = {"sha256": sha256_hex(snapshot), "size": len(units), "snapshot": "pool.csv"}
    rec: dict[str, Any] = {
        "algorithm": algorithm.ALGORITHM,
        "draw_id": draw_id,
        "status": "approved",
    }
    rec |= {"params": params, "pool": pool, "commitment": algorithm.commitment(secret)}
    rec |= {"public_source": source, "public_value": "123", "secret": secret, "seed": seed}
    rec |= {"committed_at": "2026-11-26T02:00:00Z", "drawn_at": "2026-11-26T13:45:00Z"}
    rec["public_value_entry"] = {"at": "2026-11-26T13:40:00Z", "by": "c1", "confirmed_by": "c2"}
    try:
        targets = algorithm.select_targets(units, seed, draw_id, n, share, allow)
        rec |= {"targets": [vars(t) for t in targets], "refusal": None}
    except algorithm.DrawRefused as e:
        rec |= {"status": "refused", "targets": [], "refusal": str(e)}
    pre: dict[str, Any] = {"draw_id": draw_id, "params": params, "commitment": rec["commitment"]}
    pre["public_source"] = source
    pre["pool"] = {"sha256": pool["sha256"], "size": len(units), "key": key}
    (folder / draw_id).mkdir()
    (folder / draw_id / "pool.csv").write_text(snapshot, encoding="utf-8")
    _write(folder / draw_id / "record.json", rec)
    _write(folder / draw_id / "commitment.json", pre)
    files = {k: f"{draw_id}/{k}.{x}" for k, x in (("record", "json"), ("pool", "csv"))}
    (folder / f"{draw_id}.html").write_text(
        f'<!DOCTYPE html><meta charset="utf-8"><div id="verify-draw" data-draw="{draw_id}" '
        f'data-record="{files["record"]}" data-pool="{files["pool"]}" '
        f'data-commitment="{draw_id}/commitment.json"><p class="verify-status"></p></div>'
        '<script src="verify.js"></script>',
        encoding="utf-8",
    )
    return rec


def test_the_browser_applies_the_quota_fill_in_shortfall_and_refusal_rules(tmp_path):
    shutil.copyfile(site.STATIC / "verify.js", tmp_path / "verify.js")
    draws = {case: _edge_draw(tmp_path, case, *args) for case, args in EDGES.items()}
    assert [len(r["targets"]) for r in draws.values()] == [6, 6, 0, 0, 25, 9]
    assert (
        sum(
            t["stratum"] == "K"
            for t in draws["key units fill in for a short other stratum"]["targets"]
        )
        == 4
    )
    with serve(tmp_path) as base, browser() as ctx:
        page = ctx.new_page()
        for case, rec in draws.items():
            page.goto(f"{base}/{rec['draw_id']}.html")
            page.wait_for_selector(DONE, timeout=30_000)
            result = page.get_attribute("#verify-draw", "data-verify-result")
            assert result == "match", (case, page.inner_text("#verify-draw"))
            if rec["refusal"]:
                assert f"按规则 {rec['refusal'][:2]} 不能抽取" in page.inner_text("#verify-draw")
