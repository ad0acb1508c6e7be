"""Benchmark: all documents of a 3,000-unit draw (检查通知书, 执法检查任务单, 抽查结果; DOCX
and HTML) against the target of the issue: the whole set in under 30 s on one machine.

    .venv/bin/python bench/notices.py [--keep] [--baseline-sample 200]

What it does:
1. in a temporary folder (in a subprocess), copies the bundled sample registry with every
   enterprise made 存续 and put under one 科室 (冶金工贸监管科), and every inspector moved to
   that 科室, so one draw can take all 3,000 units; loads it into a fresh SQLite database
   (registry_sync's own land -> prepare -> apply);
2. commits, performs and approves a draw of every unit in the pool (team size 2,
   allow_shortfall: the sample has fewer than 50% key units in that 科室);
3. OURS: in a fresh subprocess (so its peak RSS is its own), notices.render_draw for the
   draw: every document rendered, written, checksummed and stored with one audit event;
   then the same again (nothing changed: every document compared, nothing written);
4. BASELINE: the obvious alternative, python-docx building each notice from base.docx
   (add_paragraph / add_table in the same styles, then save), timed on a sample of
   notices and scaled to the draw's number of notices;
5. prints the figures and the ratios (to the 30 s target, and baseline / ours for the
   DOCX notices), and writes them to bench/out/notices.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SAMPLES = ROOT / "include" / "shuangsui" / "samples" / "registry"
DEPARTMENT = "冶金工贸监管科"
TARGET_S = 30.0
NOW = dt.datetime(2026, 11, 26, 2)
MARK = "BENCH_RESULT "

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("SHUANGSUI_SQL_DIR", str(ROOT / "sql"))


def _rewrite(src: Path, dst: Path, changes: dict[str, str]) -> int:
    with src.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r.update({k: v for k, v in changes.items() if k in r})
    with dst.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def setup(folder: Path) -> tuple[str, str]:
    """A SQLite database with an approved draw of every unit of the sample registry."""
    from shuangsui import db
    from shuangsui.draw import lifecycle
    from shuangsui.draw.spec import Spec
    from shuangsui.intake import pipeline as registry

    landing = folder / "registry"
    landing.mkdir()
    _rewrite(
        SAMPLES / "enterprises.csv",
        landing / "enterprises.csv",
        {"科室": DEPARTMENT, "经营状态": "存续"},
    )
    _rewrite(SAMPLES / "inspectors.csv", landing / "inspectors.csv", {"科室": DEPARTMENT})
    shutil.copy(SAMPLES / "conflicts.csv", landing / "conflicts.csv")
    url = f"sqlite:///{folder / 'bench.db'}"
    db.upgrade(url)
    engine = db.engine(url)
    with engine.connect() as conn:
        prep = registry.prepare(conn, registry.land(str(landing)), run_id="bench", today=NOW.date())
    registry.apply(engine, prep, now=NOW - dt.timedelta(days=1))
    spec = Spec(
        department=DEPARTMENT,
        year=2026,
        ratio=1.0,
        team_size=2,
        inspection_date="2026-12-10",
        allow_shortfall=True,
        public_value="bench",
    )
    draw_id = lifecycle.commit(engine, spec, origin="bench", now=NOW)
    lifecycle.perform(engine, draw_id, now=NOW).to_json()
    lifecycle.decide(engine, draw_id, approved=True, by="bench", now=NOW).to_json()
    engine.dispose()
    return url, draw_id


def render_child(url: str, draw_id: str) -> dict:
    """In the subprocess: time render_draw twice (first issue, then unchanged)."""
    from shuangsui import db
    from shuangsui.documents import notices

    engine = db.engine(url)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    docs = notices.render_draw(engine, draw_id, now=NOW)
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    again = notices.render_draw(engine, draw_id, now=NOW + dt.timedelta(hours=1))
    second = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[f"{d['kind']}.{d['format']}"] = kinds.get(f"{d['kind']}.{d['format']}", 0) + 1
    return {
        "documents": len(docs),
        "by_kind": kinds,
        "bytes": sum(d["size"] for d in docs),
        "first_s": first,
        "first_cpu_s": first_cpu,
        "again_s": second,
        "again_new": sum(d["new"] for d in again),
        "rss_after_imports_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def baseline(url: str, draw_id: str, sample: int) -> dict:
    """python-docx building notices from base.docx, on `sample` notices of the draw."""
    import docx
    from docx.enum.text import WD_BREAK

    from shuangsui import db
    from shuangsui.documents import context, notices
    from shuangsui.documents.docx import STYLE_OF

    engine = db.engine(url)
    with engine.connect() as conn:
        g = context.gather(conn, draw_id)
    contexts = [c for k, _, _, c, _ in context.documents(g) if k == "notice"][:sample]
    base = (ROOT / "include" / "shuangsui" / "templates" / "notices" / "base.docx").read_bytes()
    styles = STYLE_OF
    t0 = time.perf_counter()
    for ctx in contexts:
        blocks = notices.render_blocks(
            "notice", {**ctx, "issue_date": NOW.date(), "revised": False}
        )
        doc = docx.Document(io.BytesIO(base))
        body = doc.element.body
        for p in list(body):
            if not p.tag.endswith("sectPr"):
                body.remove(p)
        for b in blocks:
            if b.kind == "table":
                rows = ([b.head] if b.head else []) + b.rows
                t = doc.add_table(rows=len(rows), cols=len(b.widths), style="GW Table")
                for r, cells in zip(t.rows, rows):
                    for c, text in zip(r.cells, cells):
                        c.paragraphs[0].text = text
                        c.paragraphs[0].style = doc.styles["GW Cell"]
            elif b.kind == "pagebreak":
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            else:
                doc.add_paragraph(
                    b.text,
                    style=doc.styles[
                        [s.name for s in doc.styles if s.style_id == styles[b.kind]][0]
                    ],
                )
        doc.save(io.BytesIO())
    elapsed = time.perf_counter() - t0
    return {
        "sample": len(contexts),
        "seconds": elapsed,
        "per_notice_ms": 1000 * elapsed / max(len(contexts), 1),
    }


def _run(argv: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, env=os.environ.copy()
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(proc.returncode)
    return json.loads(
        next(line for line in proc.stdout.splitlines() if line.startswith(MARK))[len(MARK) :]
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--baseline-sample", type=int, default=200)
    ap.add_argument("--json", default=str(OUT / "notices.json"))
    ap.add_argument("--setup", metavar="FOLDER", help=argparse.SUPPRESS)
    ap.add_argument("--child", nargs=2, metavar=("URL", "DRAW_ID"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup:
        t0 = time.perf_counter()
        url, draw_id = setup(Path(args.setup))
        print(
            MARK + json.dumps({"url": url, "draw_id": draw_id, "setup_s": time.perf_counter() - t0})
        )
        return 0
    if args.child:
        print(MARK + json.dumps(render_child(*args.child)))
        return 0

    # The set-up (pandas, Great Expectations) and the render each run in their own
    # process: Linux carries a parent's peak RSS over into a child it starts, so this
    # process stays small until both are done.
    folder = Path(tempfile.mkdtemp(prefix="shuangsui-bench-notices-"))
    os.environ["SHUANGSUI_DATA_DIR"] = str(folder / "data")
    os.environ["SHUANGSUI_LANDING_ROOTS"] = str(folder)  # setup lands folder/registry
    try:
        made = _run(["--setup", str(folder)])
        url, draw_id, setup_s = made["url"], made["draw_id"], made["setup_s"]
        ours = _run(["--child", url, draw_id])
        base = baseline(url, draw_id, args.baseline_sample)
        notices_n = ours["by_kind"].get("notice.docx", 0)
        result = {
            "date": dt.date.today().isoformat(),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "load_average_1m": round(os.getloadavg()[0], 2),
            "draw_id": draw_id,
            "setup_s": round(setup_s, 1),
            **ours,
            "docs_per_s": ours["documents"] / ours["first_s"],
            "target_s": TARGET_S,
            "ratio_to_target": ours["first_s"] / TARGET_S,
            "baseline_python_docx": {
                **base,
                "scaled_to_notices_s": base["per_notice_ms"] * notices_n / 1000,
            },
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        per_doc_ms = 1000 * ours["first_s"] / ours["documents"]
        print(
            f"draw {draw_id}: {notices_n} units, {ours['documents']} documents "
            f"({', '.join(f'{k} {v}' for k, v in sorted(ours['by_kind'].items()))}), "
            f"{ours['bytes'] / 1e6:.1f} MB"
        )
        print(
            f"render_draw, first issue : {ours['first_s']:.1f} s  "
            f"({result['docs_per_s']:.0f} documents/s, {per_doc_ms:.2f} ms each)  "
            f"= {result['ratio_to_target']:.2f}x the {TARGET_S:.0f} s target; "
            f"CPU {ours['first_cpu_s']:.1f} s"
        )
        print(
            f"render_draw, unchanged   : {ours['again_s']:.1f} s  "
            f"({ours['again_new']} new documents)"
        )
        print(
            f"peak RSS                 : {ours['peak_rss_mb']:.0f} MB "
            f"({ours['rss_after_imports_mb']:.0f} MB after imports)"
        )
        bl = result["baseline_python_docx"]
        print(
            f"baseline python-docx     : {bl['per_notice_ms']:.1f} ms a notice (DOCX only, "
            f"{bl['sample']} sampled) -> {bl['scaled_to_notices_s']:.1f} s for "
            f"{notices_n} notices"
        )
        print(
            f"machine                  : {result['machine']}, load average "
            f"{result['load_average_1m']} (other work on the machine slows every figure)"
        )
        print(f"written to {args.json}")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
