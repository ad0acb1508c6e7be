"""The public site (公示网站) of “双随机、一公开”: the procedure, the verifiable draws and the
published results, as static files anyone can read on a phone, mirror or archive (第四条(三),
第七条(七)), with the open data for other platforms (publish.open_data, 第四条(四), R11).

What is published, and what never is (R10):
- per unit, only the public facts of the publication rows (shuangsui.publish.publication writes
  them): name, USCC, industry, address, the items checked and their outcome, 整改 status,
  penalty decision, the inspecting body, dates, and the inspectors' names and 执法证号
  (public under 行政执法公示). Fields are whitelisted, so a new key in the content is not
  published by accident;
- per draw, the commitment, pool hash and seed and the files to verify it: commitment.json,
  pool.csv and a public copy of record.json without the teams, the recusals and the
  previous teams (inspector ids, and recusals are 回避关系). roster.csv (the roster with the
  conflicts of interest) is never published, so teams are verified by the bureau only;
- a 暗访暗查 (covert) draw shows only its commitment until every drawn unit's result is
  published: its targets, parameters (the inspection date), pool and seed would tell who is
  about to be visited (the seed and the pool are enough to re-compute the targets);
- never: inspector phone, email, id, 科室 or qualifications, conflicts, an enterprise's legal
  representative or risk class. (Its stratum, key K or other O, is in pool.csv: a draw
  cannot be verified without it.) Every file is scanned before anything is written
  (publish.privacy_scan; `scan_private` does the same on a folder); a finding stops the build.

The output is deterministic (same data, same bytes): no build time is printed, everything is
sorted, and files are only rewritten when their bytes change. SHA256SUMS lists every file;
a rebuild removes the files an earlier build listed and this one no longer produces. The
served folder is a link switched whole to each new build (publish.served): a build that fails
(a full disk) leaves the previous site served, intact.
The one exception is the audit trail's head (publish.audit_heads): a build whose head is new
appends it, with its build time, to audit/heads.jsonl, which keeps every earlier line.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection, Engine, and_, func, select

from shuangsui import audit, config, db
from shuangsui.core.clock import china_date, china_minute, parse_utc, to_utc_naive
from shuangsui.core.hashing import sha256_bytes
from shuangsui.core.reference import ISSUED, DrawStatus
from shuangsui.documents.chinese import chinese_date
from shuangsui.draw import record
from shuangsui.draw.record import DrawRecord, Selection
from shuangsui.publish import audit_heads, commitments, served
from shuangsui.publish.open_data import CSV_NOTE, DATASETS, data_files, updated_on
from shuangsui.publish.privacy import public_content, public_record
from shuangsui.publish.privacy_scan import MANIFEST, PrivateData, scan_files

COVERT = "暗访暗查"
STATUS_ZH = {
    DrawStatus.COMMITTED: "已公布承诺，待抽取",
    DrawStatus.DRAWN: "已抽取，待审批",
    DrawStatus.REFUSED: "未能抽取",
    DrawStatus.APPROVED: "已批准",
    DrawStatus.REJECTED: "未获批准（另行抽取）",
    DrawStatus.ABANDONED: "已作废",
    DrawStatus.NOTIFIED: "已通知",
    DrawStatus.IN_PROGRESS: "检查中",
    DrawStatus.CLOSED: "已办结",
}
STATIC = Path(__file__).resolve().parents[1] / "templates" / "site"

# --- small helpers ---------------------------------------------------------------------


def _china_day(t: dt.datetime | None) -> str | None:
    return china_date(t).isoformat() if t else None


def iso_day(v) -> str | None:
    """A date (or the date of a datetime) as YYYY-MM-DD; other values as text."""
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


def _shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def public_bureau() -> dict:
    """The bureau as the public sees it: no internal mailbox."""
    b = config.bureau()
    return {k: b[k] for k in ("name", "short_name", "address", "contact", "phone")}


# --- reading the database --------------------------------------------------------------


@dataclass
class SiteData:
    """Everything the site shows: each result's published versions, the results still
    due, the draws as the public sees them, and the draws' files to copy."""

    bureau: dict
    versions: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    pending: dict[tuple[str, str], str | None] = field(default_factory=dict)
    draws: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # draws/<id>/... to copy
    audit_head: dict | None = None  # the audit chain's head, as this build publishes it
    heads: list[str] = field(default_factory=list)  # audit/heads.jsonl lines published before

    @property
    def latest(self) -> list[dict]:
        return [v[-1] for _, v in sorted(self.versions.items())]


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def load(engine: Engine, now: dt.datetime) -> SiteData:
    """Everything the site shows, as of `now` (naive UTC, or aware)."""
    now = to_utc_naive(now)
    data = SiteData(public_bureau())
    d = db.draw
    with engine.connect() as conn:
        _load_results(conn, data, now)
        ids = conn.execute(
            select(d.c.draw_id).where(d.c.created_at <= now).order_by(d.c.created_at, d.c.draw_id)
        ).scalars()
        records = [record.load(conn, draw_id) for draw_id in ids]
        names = _unit_names(conn)
        data.audit_head = {**audit.head(conn), "published_at": audit_heads.published_at(now)}
    for rec in records:
        data.draws.append(_draw_view(data, rec, names))
    data.draws.sort(key=lambda x: (x["sort_key"], x["draw_id"]), reverse=True)
    return data


def _load_results(conn: Connection, data: SiteData, now: dt.datetime) -> None:
    """Each result's versions published by `now`, and the due date of each result not
    published yet."""
    p = db.publication
    for row in conn.execute(
        select(p.c.draw_id, p.c.uscc, p.c.version, p.c.published_at, p.c.content)
        .where(p.c.published_at.is_not(None), p.c.published_at <= now, p.c.content.is_not(None))
        .order_by(p.c.draw_id, p.c.uscc, p.c.version)
    ):
        c = public_content(json.loads(row.content))
        c["version"] = row.version
        c["published_on"] = c["published_on"] or _china_day(row.published_at)
        data.versions.setdefault((row.draw_id, row.uscc), []).append(c)
    newest = (
        select(p.c.draw_id, p.c.uscc, func.max(p.c.version).label("v"))
        .group_by(p.c.draw_id, p.c.uscc)
        .subquery()
    )
    for row in conn.execute(
        select(p.c.draw_id, p.c.uscc, p.c.due_on)
        .join(
            newest,
            and_(
                newest.c.draw_id == p.c.draw_id,
                newest.c.uscc == p.c.uscc,
                newest.c.v == p.c.version,
            ),
        )
        .where(p.c.published_at.is_(None))
    ):
        if (row.draw_id, row.uscc) not in data.versions:
            data.pending[(row.draw_id, row.uscc)] = iso_day(row.due_on)


def _unit_names(conn: Connection) -> dict[str, str]:
    """The registered name of every unit ever drawn."""
    e, s = db.enterprise, db.draw_selection
    drawn = select(e.c.uscc, e.c.name).where(e.c.uscc.in_(select(s.c.uscc)))
    return {uscc: name for uscc, name in conn.execute(drawn)}


def _draw_view(data: SiteData, rec: DrawRecord, names: dict[str, str]) -> dict:
    """One draw as the public sees it; also queues the files to copy beside its page."""
    pre = _read_json(rec.folder / "commitment.json") or {}
    drawn = rec.status != DrawStatus.COMMITTED
    # the record as written beside the snapshots (the file anyone verifies)
    written = _read_json(rec.folder / "record.json") if drawn else None
    covert = rec.kind == COVERT
    published = [t for t in rec.targets if (rec.draw_id, t.uscc) in data.versions]
    # A covert draw is revealed once every unit it drew has its result published.
    revealed = drawn and (
        not covert
        or (rec.status in ISSUED and bool(rec.targets) and len(published) == len(rec.targets))
    )
    public = not covert or revealed
    committed_at = parse_utc(pre.get("committed_at")) or rec.created_at
    files = _queue_files(data, rec, written if revealed else None, public)
    shown = rec.targets if public else published
    # the seed and secret as the record publishes them (the database if it is missing)
    seed = (written or {}).get("seed", rec.seed) if revealed else None
    secret = (written or {}).get("secret", rec.secret) if revealed else None
    day = rec.drawn_at or committed_at
    return {
        "draw_id": rec.draw_id,
        "year": rec.year,
        "round": rec.round,
        "kind": rec.kind,
        "department": rec.department,
        "status": str(rec.status),
        "status_zh": STATUS_ZH.get(rec.status, str(rec.status)),
        "covert": covert,
        "revealed": revealed,
        "drawn": drawn,
        "sort_key": (_china_day(day), committed_at.isoformat()),
        "date": _china_day(day),
        "committed_at": committed_at.isoformat() + "Z",
        "committed_cn": china_minute(committed_at),
        "drawn_cn": china_minute(rec.drawn_at) if drawn else None,
        "drawn_on": _china_day(rec.drawn_at) if drawn else None,
        "algorithm": pre.get("algorithm") or (written or {}).get("algorithm"),
        "code_version": rec.code_version,
        "pool_sha256": rec.pool_sha256,
        "pool_size": rec.pool_size,
        "pool_key": (pre.get("pool") or {}).get("key"),
        "commitment": rec.commitment,
        "public_value": rec.public_value if public else None,
        "public_source": rec.public_source,
        "value_entry": {"by": rec.value_entered_by, "confirmed_by": rec.value_confirmed_by}
        if public
        else None,
        "abandoned_reason": rec.abandoned_reason,
        "secret": secret,
        "seed": seed,
        "params": rec.params if public else None,
        "units": len(rec.targets) if rec.targets else rec.params.get("units"),
        "published_units": len(published),
        "targets": [_target_row(data, rec.draw_id, t, names) for t in shown],
        "refusal": rec.refusal if revealed else None,
        "redraw_of": rec.redraw_of,
        "redraw_reason": rec.redraw_reason,
        "decision_reason": rec.decision_reason if rec.status == DrawStatus.REJECTED else None,
        "files": files,
    }


def _queue_files(
    data: SiteData, rec: DrawRecord, written: dict | None, public: bool
) -> dict[str, str]:
    """Queue the draw's files to publish beside its page; returns their addresses. The
    commitment and pool once the draw may be public, the record (its public copy) once
    revealed (`written`: the record.json written beside the snapshots)."""
    files = {}
    base = f"draws/{rec.draw_id}"
    if public:
        for name in ("commitment.json", "pool.csv"):
            raw = _read_bytes(rec.folder / name)
            if raw is not None:
                data.files[f"{base}/{name}"] = raw
                files[name.split(".")[0]] = f"{base}/{name}"
    if written is not None:
        data.files[f"{base}/record.json"] = (
            json.dumps(public_record(written), ensure_ascii=False, indent=2) + "\n"
        ).encode("utf-8")
        files["record"] = f"{base}/record.json"
    return files


def _target_row(data: SiteData, draw_id: str, t: Selection, names: dict[str, str]) -> dict:
    """A drawn unit on its draw's page, with its latest published result or due date."""
    key = (draw_id, t.uscc)
    latest = data.versions[key][-1] if key in data.versions else None
    return {
        "position": t.position,
        "uscc": t.uscc,
        "name": latest["name"] if latest else (names.get(t.uscc) or ""),
        "stratum": t.stratum,
        "rank": t.rank,
        "result": latest,
        "due_on": data.pending.get(key),
        "pending": key in data.pending,
    }


# --- rendering -------------------------------------------------------------------------


def environment() -> Environment:
    """Jinja2 for the site's pages (templates/site/), HTML autoescaped, strict."""
    env = Environment(
        loader=PackageLoader("shuangsui", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["shellquote"] = _shell_quote
    env.filters["cn_date"] = chinese_date
    return env


def _search_index(latest: list[dict]) -> bytes:
    """The search index as a script (fetch() of file:// fails; a <script src> works)."""
    by_unit: dict[str, dict] = {}
    for c in sorted(latest, key=lambda c: (c["published_on"], c["draw_id"])):
        by_unit[c["uscc"]] = c
    lines = [
        "/* 抽查结果检索索引：每个已公示单位一条（最新一次抽查） */",
        "window.SHUANGSUI_SEARCH = [",
    ]
    for uscc, c in sorted(by_unit.items()):
        entry = {
            "n": c["name"],
            "u": uscc,
            "i": c["industry"],
            "o": c["outcome"],
            "r": c["rectification"],
            "d": c["published_on"],
            "h": f"results/{uscc}.html",
        }
        lines.append(json.dumps(entry, ensure_ascii=False) + ",")
    lines.append("];")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _units(data: SiteData) -> list[dict]:
    """Each unit with a published result: its results, the latest inspection first, each
    with its versions, the latest first."""
    by_unit: dict[str, list[dict]] = {}
    for key, versions in sorted(data.versions.items()):
        by_unit.setdefault(key[1], []).append(
            {"latest": versions[-1], "history": list(reversed(versions))}
        )
    units = []
    for uscc, results in sorted(by_unit.items()):
        results.sort(
            key=lambda r: (r["latest"]["ended_on"] or "", r["latest"]["draw_id"]), reverse=True
        )
        units.append({"uscc": uscc, "latest": results[0]["latest"], "results": results})
    return units


def render(data: SiteData) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root."""
    env = environment()
    out: dict[str, bytes] = {}
    latest = data.latest
    heads = audit_heads.extend(data.heads, data.audit_head)
    common = {"bureau": data.bureau, "draws": data.draws, "audit_head": audit_heads.current(heads)}

    def page(template: str, path: str, **ctx) -> None:
        root = "../" * path.count("/")
        out[path] = (
            env.get_template(f"site/{template}").render(root=root, **common, **ctx).encode("utf-8")
        )

    units = _units(data)
    recent = sorted(
        latest, key=lambda c: (c["published_on"], c["draw_id"], c["uscc"]), reverse=True
    )
    updated = updated_on(latest)
    page(
        "index.html.j2",
        "index.html",
        recent=recent[:20],
        total=len(latest),
        units=len(units),
        updated=updated,
    )
    page(
        "results.html.j2",
        "results/index.html",
        units=sorted(units, key=lambda u: (u["latest"]["published_on"], u["uscc"]), reverse=True),
    )
    for u in units:
        page("unit.html.j2", f"results/{u['uscc']}.html", unit=u)
    check_py = (STATIC / "check.py").read_bytes()
    for v in data.draws:
        page("draw.html.j2", f"draws/{v['draw_id']}.html", d=v)
    page("verify.html.j2", "verify.html", check_py=check_py.decode("utf-8"))
    out["check.py"] = check_py
    out.update(data.files)
    out.update(audit_heads.files(heads))
    for name in ("site.css", "site.js", "verify.js"):
        out[f"assets/{name}"] = (STATIC / name).read_bytes()
    out["assets/search-index.js"] = _search_index(latest)

    out.update(data_files(latest, data.draws, publisher=data.bureau["name"]))
    out.update(
        commitments.files(data.draws, data.bureau["name"], data.bureau.get("site_url") or "")
    )
    sums = {name: sha256_bytes(out[f"data/{name}"]) for ds in DATASETS for name in ds[3]}
    page("fields.html.j2", "data/fields.html", datasets=DATASETS, csv_note=CSV_NOTE)
    page(
        "data.html.j2",
        "data/index.html",
        datasets=DATASETS,
        sums=sums,
        updated=updated,
        counts={
            "results": len(latest),
            "credit_records": sum(1 for c in latest if c["serious"]),
            "draws": len(data.draws),
        },
    )
    out["data/FIELDS.md"] = (
        env.get_template("site/FIELDS.md.j2")
        .render(bureau=data.bureau, datasets=DATASETS, csv_note=CSV_NOTE)
        .encode("utf-8")
    )
    return out


def _listed(manifest: Path) -> set[str]:
    """The files a SHA256SUMS lists (none if it is absent)."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {line.split("  ", 1)[1] for line in text.splitlines() if "  " in line}


def write_tree(out_dir: Path, files: dict[str, bytes]) -> None:
    """Serve the files and their SHA256SUMS at out_dir, switched whole (publish.served):
    a write that fails leaves the previous site served, and raises served.SiteNotWritten.
    Files the previous SHA256SUMS listed and this build no longer produces are gone; other
    files found in the site (put there by hand) are kept."""
    out_dir = Path(out_dir)
    with served.locked(out_dir):
        files = audit_heads.keep_published(out_dir, files)  # never drop a published head
        text = "".join(f"{sha256_bytes(files[r])}  {r}\n" for r in sorted(files))
        old = _listed(out_dir / MANIFEST)
        served.replace(out_dir, {**files, MANIFEST: text.encode("utf-8")}, drop=old)


def build_site(engine: Engine, out_dir: str | Path, *, now: dt.datetime) -> Path:
    """Build the public site (“双随机、一公开”抽查结果公示) in out_dir from what is
    published as of `now`; returns the path of index.html. Same data, same bytes.
    Every file is scanned for private data first (R10): if any is found, PrivateData is
    raised and nothing is written."""
    out_dir = Path(out_dir)
    data = load(engine, now)
    data.heads = audit_heads.read_lines(out_dir)  # before write_tree replaces the file
    files = render(data)
    findings = scan_files(files, engine)
    if findings:
        raise PrivateData(findings)
    write_tree(out_dir, files)
    return out_dir / "index.html"
