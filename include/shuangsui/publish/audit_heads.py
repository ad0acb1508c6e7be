"""The audit trail's head on the public site (审计链头公示): every site build publishes the
chain's head (shuangsui.audit.head) in audit/head.json and appends it to audit/heads.jsonl,
one JSON object a line, never dropping an earlier line. Anyone who kept a copy can then
show that the business database still extends every head it published
(`shuangsui verify-audit --against`): an emptied, shortened or re-chained audit_event
no longer does.

head.json names the head and when it was first published (the build time of the build
that appended it), so a rebuild with an unchanged head changes no byte."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from shuangsui.core.clock import china_minute, parse_utc, to_utc_naive

HEAD = "audit/head.json"
HEADS = "audit/heads.jsonl"


class HeadsError(ValueError):
    """A heads file that cannot be read as published heads."""


def published_at(now: dt.datetime) -> str:
    """A build time as heads.jsonl writes it: UTC, ISO 8601 to the second, with Z."""
    return to_utc_naive(now).isoformat(timespec="seconds") + "Z"


def line(head: dict) -> str:
    """One line of heads.jsonl (no newline): seq, sha256, published_at, in that order."""
    return json.dumps(
        {"seq": head["seq"], "sha256": head["sha256"], "published_at": head["published_at"]},
        ensure_ascii=False,
    )


def read_lines(site_dir: str | Path) -> list[str]:
    """The lines of audit/heads.jsonl already in a site folder, as written (none if absent)."""
    path = Path(site_dir) / HEADS
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [ln for ln in text.splitlines() if ln.strip()]


def parse(lines: list[str], source: str = HEADS) -> list[dict]:
    """The published heads of heads.jsonl lines; HeadsError names the line that is not one."""
    heads = []
    for no, text in enumerate(lines, 1):
        try:
            h = json.loads(text)
            ok = (
                isinstance(h, dict)
                and isinstance(h.get("seq"), int)
                and h["seq"] >= 0
                and isinstance(h.get("sha256"), str)
                and len(h["sha256"]) == 64
            )
        except ValueError:
            ok = False
        if not ok:
            raise HeadsError(
                f"{source} line {no}: not a published head "
                f'{{"seq": …, "sha256": …, "published_at": …}}: {text[:120]!r}'
            )
        heads.append(h)
    return heads


def read(path: str | Path) -> list[dict]:
    """The heads published in a site folder (its audit/heads.jsonl) or in a heads file."""
    path = Path(path)
    file = path / HEADS if path.is_dir() else path
    if not file.is_file():
        raise HeadsError(f"{file}: no such heads file (a site folder has {HEADS})")
    text = file.read_text(encoding="utf-8")
    return parse([ln for ln in text.splitlines() if ln.strip()], str(file))


def _last(lines: list[str]) -> dict | None:
    """The last line that reads as a head (an unreadable line is kept, never trusted)."""
    for text in reversed(lines):
        try:
            h = json.loads(text)
        except ValueError:
            continue
        if isinstance(h, dict) and "seq" in h and "sha256" in h:
            return h
    return None


def extend(lines: list[str], head: dict | None) -> list[str]:
    """The heads.jsonl lines after this build: `lines`, plus `head` (with its published_at)
    unless it is the last one published already."""
    if head is None:
        return list(lines)
    last = _last(lines)
    if last and (last["seq"], last["sha256"]) == (head["seq"], head["sha256"]):
        return list(lines)
    return [*lines, line(head)]


def current(lines: list[str]) -> dict | None:
    """The last published head (the one this build carries), with the China time it was
    first published, for the pages; None if there is none."""
    h = _last(lines)
    if h is None:
        return None
    at = parse_utc(h.get("published_at"))
    return {**h, "published_cn": china_minute(at) or ""}


def files(lines: list[str]) -> dict[str, bytes]:
    """audit/head.json and audit/heads.jsonl of the site (none while no head is known)."""
    head = current(lines)
    if head is None:
        return {}
    doc = {k: head.get(k) for k in ("seq", "sha256", "published_at")}
    doc["heads"] = "heads.jsonl"
    return {
        HEAD: (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        HEADS: "".join(f"{ln}\n" for ln in lines).encode("utf-8"),
    }


def _key(text: str) -> tuple | str:
    try:
        h = json.loads(text)
        return (h["seq"], h["sha256"])
    except (ValueError, TypeError, KeyError):
        return text


def keep_published(out_dir: Path, tree: dict[str, bytes]) -> dict[str, bytes]:
    """`tree` (the files of a build) with audit/heads.jsonl keeping every line already in
    out_dir, as written and in its order, then the heads the new file adds; head.json
    follows. A build never drops a published head, even one rendered without them."""
    old = read_lines(out_dir)
    if not old:
        return tree
    new = [ln for ln in tree.get(HEADS, b"").decode("utf-8").splitlines() if ln.strip()]
    if new[: len(old)] == old:
        return tree
    seen = {_key(ln) for ln in old}
    merged = old + [ln for ln in new if _key(ln) not in seen]
    return {**tree, **files(merged)}
