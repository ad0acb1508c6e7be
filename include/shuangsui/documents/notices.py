"""Documents of an approved draw (抽查文书): the 检查通知书 to each drawn unit, the 执法检查任务单
to each inspector, and the draw's 抽查工作方案及抽取结果 for the file — each as DOCX (to print)
and HTML (email bodies, the browser).

Where the pieces live, so a clerk knows what to change:
- the words: Jinja2 templates in templates/notices/ (notice.j2, task_sheet.j2, summary.j2),
  written in a small line markup (@title, @h1, @table ...; see README.md there), parsed by
  documents.markup;
- the data the templates receive: documents.context (a draw, its units, teams, checklists);
- the look of the DOCX (GB/T 9704-2012 page, fonts, the red rule): templates/notices/base.docx,
  built by tools/make_docx_templates.py and editable in Word; written by documents.docx;
- the look of the HTML: templates/notices/document.html.j2.

Every document is stored with its SHA-256 in the `document` table and versioned: rendering
again with the same data gives the same bytes and changes nothing; different bytes (a
recusal changed a team, a template was edited) become a new version in a new file
(通知书_<uscc>_v2.docx), the earlier file untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection, Engine, Row, and_, func, select

from shuangsui import audit, config, db
from shuangsui.core.clock import china_time
from shuangsui.core.hashing import canonical_json, sha256_bytes, sha256_hex
from shuangsui.documents.chinese import arabic_date, arabic_datetime, chinese_date, cn_number
from shuangsui.documents.context import DrawDocuments, documents, gather
from shuangsui.documents.docx import docx_bytes, same_package
from shuangsui.documents.markup import Block, clean, parse

KINDS = ("notice", "task_sheet", "summary")
FORMATS = ("docx", "html")
FILE_STEMS = {"notice": "通知书", "task_sheet": "任务单", "summary": "抽查结果"}
TEMPLATES = {
    "notice": "notices/notice.j2",
    "task_sheet": "notices/task_sheet.j2",
    "summary": "notices/summary.j2",
}
# What render_draw returns of each current document, besides whether it is new.
RESULT_KEYS = (
    "id",
    "kind",
    "subject_key",
    "format",
    "version",
    "doc_number",
    "path",
    "sha256",
    "size",
)


# --- templates -------------------------------------------------------------------------


def _percent(x: float) -> str:
    return f"{x:.0%}"


@functools.lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    """(markup, html): the wording templates print plain text through markup.clean; the
    HTML layout escapes. Both compile each template once per process."""
    loader = PackageLoader("shuangsui", "templates")
    filters = {
        "cn_date": chinese_date,
        "zh_date": arabic_date,
        "zh_datetime": arabic_datetime,
        "cn_num": cn_number,
        "percent": _percent,
    }
    markup = Environment(
        loader=loader,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        finalize=clean,
        keep_trailing_newline=True,
    )
    page = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    markup.filters.update(filters)
    page.filters.update(filters)
    return markup, page


def render_blocks(kind: str, context: dict) -> list[Block]:
    """Render one document's wording template and parse its markup."""
    markup, _ = _environments()
    name = TEMPLATES[kind]
    return parse(markup.get_template(name).render(**context), f"templates/{name}")


def html_text(blocks: list[Block], *, title: str, kind: str) -> str:
    """The HTML page of the blocks (document.html.j2)."""
    _, page = _environments()
    return page.get_template("notices/document.html.j2").render(
        blocks=blocks, title=title, kind=kind
    )


def _render(
    g: DrawDocuments, kind: str, subject: str, context: dict, revised: dt.datetime | None
) -> dict[str, bytes]:
    """The DOCX and HTML bytes of one document."""
    blocks = render_blocks(
        kind,
        {
            **context,
            "revised": revised is not None,
            "issue_date": china_time(revised or g.decided_at).date(),
        },
    )
    title = next((b.text for b in blocks if b.kind == "title"), FILE_STEMS[kind])
    return {
        "docx": docx_bytes(
            blocks,
            title=title,
            subject=FILE_STEMS[kind],
            keywords=f"{g.context['id']} {subject}",
            author=g.bureau["name"],
            created=g.decided_at,
            modified=max(revised or g.decided_at, g.decided_at),
        ),
        "html": html_text(blocks, title=title, kind=kind).encode("utf-8"),
    }


# --- versions on disk and in the `document` table --------------------------------------


def _file_name(kind: str, subject_key: str, draw_id: str, fmt: str, version: int) -> str:
    subject = draw_id if kind == "summary" else subject_key
    safe = re.sub(r"[^0-9A-Za-z_.-]", "_", subject)
    suffix = "" if version == 1 else f"_v{version}"
    return f"{FILE_STEMS[kind]}_{safe}{suffix}.{fmt}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _latest_rows(conn: Connection, draw_id: str) -> dict[tuple, Row]:
    rows = conn.execute(
        select(db.document).where(db.document.c.draw_id == draw_id).order_by(db.document.c.version)
    ).all()
    return {(r.kind, r.subject_key, r.format): r for r in rows}  # the highest version wins


def _unchanged(prev: Row, data: bytes, digest: str) -> tuple[bool, bool]:
    """(unchanged, restore) of freshly rendered bytes against the latest stored version.
    A file gone or altered on disk whose stored checksum matches is put back as issued."""
    path = Path(prev.path)
    old = path.read_bytes() if path.exists() else None
    intact = old is not None and sha256_bytes(old) == prev.sha256
    if prev.sha256 == digest:
        return True, not intact
    return intact and prev.format == "docx" and same_package(old, data), False


def render_draw(
    engine: Engine, draw_id: str, *, now: dt.datetime, actor: str = "notices"
) -> list[dict]:
    """Render every document of an approved draw (DOCX and HTML) and store what is new.

    Same bytes as the latest version: nothing is written or recorded. Different bytes: a
    new version, in a new file, with a new `document` row. One audit event per run that
    stored anything, with the counts and a hash over the list of current documents.
    Returns the current version of every document: id, kind, subject_key, format,
    version, doc_number, path, sha256, size, new."""
    folder = config.documents_dir() / draw_id
    with engine.begin() as conn:
        g = gather(conn, draw_id)
        latest = _latest_rows(conn, draw_id)
        new_rows, restored, results = [], 0, []
        for kind, subject, number, context, revised in documents(g):
            for fmt, data in _render(g, kind, subject, context, revised).items():
                digest = sha256_bytes(data)
                prev = latest.get((kind, subject, fmt))
                if prev is not None:
                    same, restore = _unchanged(prev, data, digest)
                    if restore:
                        _write(Path(prev.path), data)
                        restored += 1
                    if same:
                        results.append((kind, subject, fmt, False))
                        continue
                version = prev.version + 1 if prev is not None else 1
                path = folder / _file_name(kind, subject, draw_id, fmt, version)
                _write(path, data)
                new_rows.append(
                    {
                        "draw_id": draw_id,
                        "kind": kind,
                        "subject_key": subject,
                        "format": fmt,
                        "version": version,
                        "doc_number": number,
                        "path": str(path),
                        "sha256": digest,
                        "size": len(data),
                        "created_at": now,
                    }
                )
                results.append((kind, subject, fmt, True))
        if new_rows:
            conn.execute(db.document.insert(), new_rows)
        current = {
            (d["kind"], d["subject_key"], d["format"]): d for d in documents_for(conn, draw_id)
        }
        out = [
            {**{k: current[(kind, s, f)][k] for k in RESULT_KEYS}, "new": new}
            for kind, s, f, new in results
        ]
        if new_rows or restored:
            _record(conn, draw_id, out, new_rows, restored, actor=actor, now=now)
    return out


def _record(
    conn: Connection,
    draw_id: str,
    out: list[dict],
    new_rows: list[dict],
    restored: int,
    *,
    actor: str,
    now: dt.datetime,
) -> None:
    """One audit event for the run (R6): counts, what was revised, and a hash over the
    list of current documents (kind, subject, format, version, sha256)."""
    listing = sorted(
        [d["kind"], d["subject_key"], d["format"], d["version"], d["sha256"]] for d in out
    )
    counts: dict[str, int] = {}
    for d in out:
        counts[f"{d['kind']}.{d['format']}"] = counts.get(f"{d['kind']}.{d['format']}", 0) + 1
    revised = [
        {k: r[k] for k in ("kind", "subject_key", "format", "version")}
        for r in new_rows
        if r["version"] > 1
    ]
    audit.record(
        conn,
        "documents.rendered",
        {
            "draw_id": draw_id,
            "documents": len(out),
            "counts": counts,
            "new_versions": len(new_rows),
            "first_versions": sum(r["version"] == 1 for r in new_rows),
            "revised": revised[:100],
            "revised_total": len(revised),
            "restored_files": restored,
            "unchanged": len(out) - len(new_rows),
            "documents_sha256": sha256_hex(canonical_json({"documents": listing})),
        },
        actor=actor,
        entity="draw",
        entity_key=draw_id,
        now=now,
    )


def documents_for(
    conn: Connection,
    draw_id: str,
    kind: str | None = None,
    subject_key: str | list[str] | None = None,
) -> list[dict]:
    """The latest version of each document of a draw, optionally of one kind and for one
    subject (a USCC, an inspector id, 'draw') or several; ordered by kind, subject, format."""
    d = db.document
    cond = [d.c.draw_id == draw_id]
    if kind is not None:
        cond.append(d.c.kind == kind)
    if subject_key is not None:
        keys = [subject_key] if isinstance(subject_key, str) else list(subject_key)
        cond.append(d.c.subject_key.in_(keys))
    latest = (
        select(d.c.kind, d.c.subject_key, d.c.format, func.max(d.c.version).label("v"))
        .where(*cond)
        .group_by(d.c.kind, d.c.subject_key, d.c.format)
        .subquery()
    )
    rows = conn.execute(
        select(d)
        .join(
            latest,
            and_(
                d.c.kind == latest.c.kind,
                d.c.subject_key == latest.c.subject_key,
                d.c.format == latest.c.format,
                d.c.version == latest.c.v,
            ),
        )
        .where(d.c.draw_id == draw_id)
        .order_by(d.c.kind, d.c.subject_key, d.c.format)
    ).all()
    return [dict(r._mapping) for r in rows]
