"""The audit trail (痕迹化管理, 第七条(五)): append-only events, each carrying the hash of
the one before, so an edited or removed row breaks the chain where it happened."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from shuangsui.db import audit_event

GENESIS = "0" * 64
LOCK = "shuangsui.audit_event"  # the advisory lock writers of the chain take in turn


def _digest(seq, occurred_at, actor, action, entity, entity_key, payload, prev_hash) -> str:
    body = json.dumps(
        [
            seq,
            occurred_at.isoformat(timespec="microseconds"),
            actor,
            action,
            entity,
            entity_key,
            payload,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def canonical(payload: dict) -> str:
    """The stored form of a payload: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def record(
    conn: Connection,
    action: str,
    payload: dict,
    *,
    actor: str = "system",
    entity: str | None = None,
    entity_key: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Append one event in the caller's transaction; returns its hash."""
    if conn.dialect.name == "postgresql":
        # One writer at a time extends the chain; a second waits instead of forking it.
        # An advisory lock, not LOCK TABLE: the application's role may only SELECT and
        # INSERT here (docs/operations.md, database roles), which allows no stronger
        # table lock than ROW EXCLUSIVE.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": LOCK})
    last = conn.execute(
        select(audit_event.c.seq, audit_event.c.hash).order_by(audit_event.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    occurred_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    body = canonical(payload)
    digest = _digest(seq, occurred_at, actor, action, entity, entity_key, body, prev)
    conn.execute(
        audit_event.insert().values(
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            entity=entity,
            entity_key=entity_key,
            payload=body,
            prev_hash=prev,
            hash=digest,
        )
    )
    return digest


def head(conn: Connection) -> dict:
    """The chain's head: {"seq": the last event's seq, "sha256": its hash}; seq 0 and
    GENESIS while there is no event. Published on the site (audit/heads.jsonl), so a
    shortened or re-chained table no longer matches what anyone kept."""
    last = conn.execute(
        select(audit_event.c.seq, audit_event.c.hash).order_by(audit_event.c.seq.desc()).limit(1)
    ).first()
    return {"seq": last.seq, "sha256": last.hash} if last else {"seq": 0, "sha256": GENESIS}


@dataclass
class ChainReport:
    events: int
    first_broken: int | None  # seq of the first event whose link does not hold
    reason: str | None


def verify(conn: Connection) -> ChainReport:
    """Recompute the chain from the first event; report the first broken link."""
    prev, expected_seq, count = GENESIS, 1, 0
    rows = conn.execute(select(audit_event).order_by(audit_event.c.seq)).yield_per(10_000)
    for r in rows:
        count += 1
        if r.seq != expected_seq:
            return ChainReport(count, expected_seq, f"event {expected_seq} is missing")
        if r.prev_hash != prev:
            return ChainReport(count, r.seq, "prev_hash does not match the event before")
        digest = _digest(
            r.seq, r.occurred_at, r.actor, r.action, r.entity, r.entity_key, r.payload, r.prev_hash
        )
        if digest != r.hash:
            return ChainReport(count, r.seq, "content was changed after it was recorded")
        prev, expected_seq = r.hash, expected_seq + 1
    return ChainReport(count, None, None)


def unextended_heads(conn: Connection, heads: list[dict]) -> list[str]:
    """Each published head (audit/heads.jsonl: seq, sha256, published_at) the database's
    chain does not extend, as a sentence in Chinese and English naming it: the event with
    that seq must exist, carry that hash, and the chain up to it must verify."""
    report = verify(conn)
    wanted = {h["seq"] for h in heads}
    stored = {
        seq: digest
        for seq, digest in conn.execute(
            select(audit_event.c.seq, audit_event.c.hash).where(audit_event.c.seq.in_(wanted))
        )
    }
    stored[0] = GENESIS
    problems = []
    for h in heads:
        seq, published = h["seq"], h["sha256"]
        name = f"第 {seq} 条 sha256 {published}（{h.get('published_at') or '?'} 公布）"
        en = f"published head seq {seq} sha256 {published} ({h.get('published_at') or '?'})"
        if seq not in stored:
            problems.append(
                f"已公布的审计链头{name}在数据库中不存在：记录被删除或清空 / "
                f"{en} is missing from the database: events were deleted or the table emptied"
            )
        elif stored[seq] != published:
            problems.append(
                f"已公布的审计链头{name}与数据库不符（数据库为 {stored[seq]}）：记录被改写 / "
                f"{en} does not match the database ({stored[seq]}): the chain was rewritten"
            )
        elif report.first_broken is not None and report.first_broken <= seq:
            problems.append(
                f"已公布的审计链头{name}之前的链在第 {report.first_broken} 条断开 / "
                f"the chain up to {en} breaks at event {report.first_broken}: {report.reason}"
            )
    return problems


def count(conn: Connection, action: str | None = None) -> int:
    q = select(func.count()).select_from(audit_event)
    if action:
        q = q.where(audit_event.c.action == action)
    return conn.execute(q).scalar_one()
