"""Benchmark: the draw page's in-browser check (在线核验, templates/site/verify.js) of a
draw from a pool of --units units (default 677,083: 冶金工贸监管科 of the 10^6 directory,
docs/benchmarks-draw.md), against the Python verification of the same draw in the same run
(target: the page shows its result within 15 s).

    .venv/bin/python bench/browser_verify.py [--units 677083] [--draw 5000]
        [--key-share 0.2] [--chromium /usr/bin/chromium]

What it does:
1. synthesizes the pool in the snapshot format (algorithm.pool_snapshot): --units distinct
   USCCs, about --key-share of them key (K: 冶金 or 重点企业), the rest O, over the five
   industries of 冶金工贸监管科;
2. draws --draw units with algorithm.select_targets (the real algorithm, fixed secret and
   public value), writes pool.csv, commitment.json and record.json as lifecycle does, and
   builds the public site from that one draw with publish.site (render + write_tree: the
   real draw page, its files and assets/verify.js);
3. PYTHON: `verify.verify_record(record.json)` of the published files (median of --repeat);
4. BROWSER: serves the site on http://127.0.0.1 (a free port), opens the draw's page in
   headless Chromium (Playwright, Debian's /usr/bin/chromium; no browser is downloaded)
   and times from navigation to data-verify-result = match or mismatch (median of
   --repeat, each in a fresh browser: nothing cached);
5. prints both, their ratio, and whether the target is met; exit code 1 if the page did
   not show match or took longer than the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from shuangsui.core.hashing import sha256_hex
from shuangsui.core.reference import DrawStatus
from shuangsui.draw import algorithm
from shuangsui.draw.record import DrawRecord, Selection
from shuangsui.draw.verify import verify_record
from shuangsui.publish import site

TARGET_SECONDS = 15.0
DEPARTMENT = "冶金工贸监管科"
INDUSTRIES = ["冶金", "工贸", "建材", "机械", "轻工"]
SECRET = "0123456789abcdef" * 4  # fixed: the same draw in every run
PUBLIC_VALUE = "2026325 福彩3D 4 7 1"
NOW = dt.datetime(2026, 11, 26, 2)
DRAW_ID = "2026-YJ-BENCH00001"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet (GB 32100-2015)


def synth_pool(n: int, key_share: float) -> list[algorithm.Unit]:
    """n units with distinct 18-character USCCs; 冶金 units and every 1/key_share-th other
    one (重点企业) key, about key_share in all."""
    units = []
    every = max(1, round(1 / key_share))
    for i in range(n):
        tail, code = i, ""
        for _ in range(9):
            tail, d = divmod(tail, 31)
            code = ALPHABET[d] + code
        industry = INDUSTRIES[(i * 7) % len(INDUSTRIES)]
        key = industry == "冶金" or i % (every * 4) == 0
        units.append(
            algorithm.Unit(
                f"91370300{code}X",
                algorithm.KEY if key else algorithm.OTHER,
                DEPARTMENT,
                industry,
            )
        )
    return units


def make_site(folder: Path, units: list[algorithm.Unit], n: int) -> tuple[Path, float]:
    """The draw, its files and the public site built from it; (site folder, draw seconds)."""
    draws = folder / "data" / DRAW_ID
    draws.mkdir(parents=True)
    snapshot = algorithm.pool_snapshot(units)
    (draws / "pool.csv").write_text(snapshot, encoding="utf-8", newline="")
    pool_hash = sha256_hex(snapshot)
    seed = algorithm.seed(SECRET, PUBLIC_VALUE)
    t0 = time.perf_counter()
    targets = algorithm.select_targets(units, seed, DRAW_ID, n, 0.5)
    drawn = time.perf_counter() - t0
    params = {
        "department": DEPARTMENT,
        "kind": "年度计划",
        "year": 2026,
        "round": None,
        "units": n,
        "key_share": 0.5,
        "team_size": 2,
        "industries": [],
        "public_value": PUBLIC_VALUE,
        "inspection_date": "2026-12-10",
        "allow_shortfall": False,
        "max_per_inspector": None,
    }
    roster_hash = sha256_hex(algorithm.roster_snapshot([], set()))
    rec = DrawRecord(
        draw_id=DRAW_ID,
        origin="bench",
        year=2026,
        round=None,
        kind="年度计划",
        department=DEPARTMENT,
        params=params,
        status=DrawStatus.APPROVED,
        pool_sha256=pool_hash,
        pool_size=len(units),
        roster_sha256=roster_hash,
        commitment=algorithm.commitment(SECRET),
        secret=SECRET,
        public_value=PUBLIC_VALUE,
        seed=seed,
        code_version="bench",
        folder=draws,
        created_at=NOW,
        drawn_at=NOW,
        decided_at=NOW,
        decided_by=None,
        decision_reason=None,
        redraw_of=None,
        redraw_reason=None,
        refusal=None,
        public_source=None,
        value_entered_at=None,
        value_entered_by=None,
        value_confirmed_by=None,
        abandoned_reason=None,
        targets=tuple(Selection(t.position, t.uscc, t.stratum, t.rank) for t in targets),
        assignments=(),
        recusals=(),
        previous_inspectors={},
    )
    pre = {
        "draw_id": DRAW_ID,
        "algorithm": algorithm.ALGORITHM,
        "params": params,
        "pool": {
            "sha256": pool_hash,
            "size": len(units),
            "key": sum(u.stratum == algorithm.KEY for u in units),
        },
        "roster_sha256": roster_hash,
        "code_version": "bench",
        "commitment": rec.commitment,
        "committed_at": NOW.isoformat() + "Z",
        "public_value": PUBLIC_VALUE,
    }
    (draws / "commitment.json").write_text(json.dumps(pre, ensure_ascii=False, indent=2))
    (draws / "record.json").write_text(json.dumps(rec.to_json(), ensure_ascii=False, indent=2))
    data = site.SiteData(site.public_bureau())
    data.draws.append(site._draw_view(data, rec, {}))
    out = folder / "site"
    site.write_tree(out, site.render(data))
    return out, drawn


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def browser_seconds(out: Path, chromium: str) -> tuple[float, str, str]:
    """Seconds from opening the draw page to its result, the result, and its status line."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=out))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/draws/{DRAW_ID}.html"
    done = '#verify-draw[data-verify-result]:not([data-verify-result="checking"])'
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = b.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(done, timeout=300_000)
            seconds = time.perf_counter() - t0
            result = page.get_attribute("#verify-draw", "data-verify-result") or ""
            status = page.inner_text("#verify-draw .verify-status")
            b.close()
    finally:
        server.shutdown()
        server.server_close()
    return seconds, result, status


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=677_083)
    ap.add_argument("--draw", type=int, default=5000)
    ap.add_argument("--key-share", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-browser-verify-") as tmp:
        units = synth_pool(a.units, a.key_share)
        out, drawn = make_site(Path(tmp), units, a.draw)
        del units
        folder = out / "draws" / DRAW_ID
        size = (folder / "pool.csv").stat().st_size / 1e6
        py = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            v = verify_record(folder / "record.json")
            py.append(time.perf_counter() - t0)
        runs = [browser_seconds(out, a.chromium) for _ in range(a.repeat)]
    python_s = statistics.median(py)
    browser_s = statistics.median(r[0] for r in runs)
    result, status = runs[-1][1], runs[-1][2]
    print(f"pool: {a.units:,} units ({size:.1f} MB pool.csv), {a.draw:,} drawn")
    print(f"python select_targets (the draw): {drawn:.2f} s")
    print(f"python verify_record: {python_s:.2f} s ({v.outcome()})")
    print(f"browser (headless chromium): {browser_s:.2f} s to data-verify-result={result}")
    print(f"  {status}")
    print(f"ratio browser / python verify: {browser_s / python_s:.2f}")
    ok = result == "match" and browser_s <= TARGET_SECONDS
    print(f"target <= {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok and v.ok else 1


if __name__ == "__main__":
    sys.exit(main())
