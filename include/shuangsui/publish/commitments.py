"""The list of every commitment (承诺公告), published the moment a draw is committed and
kept forever — drawn, refused, rejected and abandoned ones alike — as JSON and as an
Atom feed (commitments.xml) that anyone can subscribe to and archive. A copy kept by an
outsider shows the commitment, the frozen pool's hash and the named public source were
public before the source's value existed."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape


def _entries(draws: list[dict]) -> list[dict]:
    return sorted(
        (
            {
                "draw_id": d["draw_id"],
                "department": d["department"],
                "kind": d["kind"],
                "round": d["round"],
                "status": d["status"],
                "status_zh": d["status_zh"],
                "committed_at": d["committed_at"],
                "commitment": d["commitment"],
                "pool_sha256": d["pool_sha256"],
                "pool_size": d["pool_size"],
                "public_source": d.get("public_source"),
                "abandoned_reason": d.get("abandoned_reason"),
                "page": f"draws/{d['draw_id']}.html",
            }
            for d in draws
        ),
        key=lambda e: (e["committed_at"], e["draw_id"]),
    )


def files(draws: list[dict], publisher: str, site_url: str = "") -> dict[str, bytes]:
    """data/commitments.json and commitments.xml, oldest first in the JSON, newest first
    in the feed; the same draws give the same bytes."""
    entries = _entries(draws)
    body = json.dumps({"commitments": entries}, ensure_ascii=False, indent=2) + "\n"
    base = site_url.rstrip("/") + "/" if site_url else ""
    updated = entries[-1]["committed_at"] if entries else "1970-01-01T00:00:00Z"
    items = []
    for e in reversed(entries):
        src = e["public_source"]
        summary = (
            f"承诺值 {e['commitment']}；"
            f"候选名录 SHA-256 {e['pool_sha256']}（{e['pool_size']} 家）；"
            + (f"公开随机源：{src['label']}（开奖时间 {src['due_at']}）；" if src else "")
            + f"状态：{e['status_zh']}"
            + (f"（{e['abandoned_reason']}）" if e["abandoned_reason"] else "")
        )
        items.append(
            "<entry>"
            f"<id>urn:shuangsui:commitment:{escape(e['draw_id'])}</id>"
            f"<title>抽查任务 {escape(e['draw_id'])}（{escape(e['department'])}，"
            f"{escape(e['kind'])}）承诺公告</title>"
            f"<updated>{escape(e['committed_at'])}</updated>"
            f'<link href="{escape(base + e["page"])}"/>'
            f"<summary>{escape(summary)}</summary>"
            "</entry>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:shuangsui:commitments:{escape(publisher)}</id>"
        f"<title>{escape(publisher)}“双随机”抽查承诺公告</title>"
        f"<updated>{escape(updated)}</updated>"
        f"<author><name>{escape(publisher)}</name></author>" + "".join(items) + "</feed>\n"
    )
    return {
        "data/commitments.json": body.encode("utf-8"),
        "commitments.xml": feed.encode("utf-8"),
    }
