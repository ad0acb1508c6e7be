"""Verify a published draw (验证抽查结果): re-compute it from record.json and the frozen
pool and roster snapshots beside it, and say what matches and what does not.

Uses only shuangsui.draw.algorithm (the pure algorithm), never the database, so anyone holding the
published files gets the same answer as the bureau. docs/draw-algorithm.md describes the
algorithm well enough to re-implement it without this package."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from shuangsui.core.hashing import gc_paused
from shuangsui.draw import algorithm as draw
from shuangsui.draw.verification import Verification, decode, read, short, summary
from shuangsui.draw.verify_teams import check_teams

HEX64 = re.compile(r"[0-9a-f]{64}")


def _parse_pool(text: str, name: str) -> tuple[list[draw.Unit] | None, str | None]:
    try:
        return draw.parse_pool(text), None
    except ValueError as e:
        return None, f"{name}: {e}"


def _pool_canonical(units: list[draw.Unit]) -> str | None:
    """None if the pool is in canonical form (sorted by USCC, each once, strata K/O)."""
    for i in range(1, len(units)):
        if units[i - 1].uscc >= units[i].uscc:
            a, b = units[i - 1].uscc, units[i].uscc
            what = "appears twice" if a == b else f"comes after {a}"
            return f"line {i + 2}: unit {b} {what} (lines must be sorted by USCC, each once)"
    for i, u in enumerate(units):
        if u.stratum not in (draw.KEY, draw.OTHER):
            return f"line {i + 2}: stratum {u.stratum!r} is neither K nor O"
    return None


def _target_text(t: dict | draw.Target) -> str:
    if isinstance(t, draw.Target):
        t = {"uscc": t.uscc, "stratum": t.stratum, "rank": t.rank, "position": t.position}
    return (
        f"{t.get('uscc')} (stratum {t.get('stratum')}, position {t.get('position')}, "
        f"rank {short(t.get('rank'))})"
    )


def _compare_targets(expected: list[draw.Target], recorded: list[dict]) -> str | None:
    """None if equal; else where they first differ and how many positions differ."""
    exp = [
        {"uscc": t.uscc, "stratum": t.stratum, "rank": t.rank, "position": t.position}
        for t in expected
    ]
    rec = [{k: t.get(k) for k in ("uscc", "stratum", "rank", "position")} for t in recorded]
    if exp == rec:
        return None
    differing = [
        i
        for i in range(max(len(exp), len(rec)))
        if i >= len(exp) or i >= len(rec) or exp[i] != rec[i]
    ]
    i = differing[0]
    where = f"first difference at position {i + 1}: "
    if i >= len(rec):
        where += f"expected {_target_text(exp[i])}, the record has no such position"
    elif i >= len(exp):
        where += f"the record has {_target_text(rec[i])}, none expected"
    else:
        fields = [k for k in ("uscc", "stratum", "rank", "position") if exp[i][k] != rec[i][k]]
        where += (
            f"expected {_target_text(exp[i])}, recorded {_target_text(rec[i])} "
            f"(differs in {', '.join(fields)})"
        )
    size = f"; expected {len(exp)} targets, recorded {len(rec)}" if len(exp) != len(rec) else ""
    return f"{where}; {len(differing)} of {max(len(exp), len(rec))} positions differ{size}"


def verify_record(
    record_path: str | Path,
    pool_path: str | Path | None = None,
    roster_path: str | Path | None = None,
) -> Verification:
    """Re-compute a draw from its record and snapshots; one Check per fact verified.

    Works on record.json at any stage: a committed draw (the secret not yet published,
    also commitment.json) is checked for its commitment-stage facts only."""
    record_path = Path(record_path)
    v = Verification(record_path)
    raw, err = read(record_path)
    if raw is None:
        v.add("record", False, err)
        return v
    try:
        rec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        v.add("record", False, f"{record_path.name} is not UTF-8 JSON: {e}")
        return v
    v.draw_id = rec.get("draw_id")
    v.status = rec.get("status") or (
        "committed" if rec.get("secret") is None and rec.get("seed") is None else "drawn"
    )
    folder = record_path.parent

    if v.status == "abandoned":
        # Never drawn: its secret is revealed to show it matches the commitment, and it
        # has no seed, targets or teams to re-compute.
        secret = rec.get("secret")
        v.add(
            "commitment",
            secret is not None and draw.commitment(secret) == rec.get("commitment"),
            "abandoned (作废) before the draw: the revealed secret matches the commitment",
        )
        _check_source(v, rec)
        v.add(
            "targets and teams",
            not rec.get("targets") and rec.get("seed") is None,
            f"abandoned, never drawn: {rec.get('abandoned_reason') or ''}",
            skipped=True,
        )
        return v
    seed = _check_seed(v, rec)
    _check_source(v, rec)
    units = _check_pool(
        v,
        rec,
        Path(pool_path)
        if pool_path
        else folder / (rec.get("pool") or {}).get("snapshot", "pool.csv"),
    )
    roster, conflicts = _check_roster(v, rec, Path(roster_path) if roster_path else None, folder)
    if v.status == "committed":
        v.add(
            "targets and teams",
            True,
            "the draw is committed, not drawn: the secret is not published "
            "yet, so targets and teams cannot be re-computed; verify again "
            "once it is drawn",
            skipped=True,
        )
        return v
    targets = _check_targets(v, rec, units, seed)
    check_teams(v, rec, units, targets, roster, conflicts, seed)
    return v


def _check_seed(v: Verification, rec: dict) -> str | None:
    """The algorithm, the commitment and the seed; returns the seed to re-compute with."""
    algo = rec.get("algorithm")
    v.add(
        "algorithm",
        algo == draw.ALGORITHM,
        f"{algo}"
        if algo == draw.ALGORITHM
        else f"the record was drawn with {algo!r}, this verifier implements {draw.ALGORITHM!r}",
    )
    secret, seed_rec, commit = rec.get("secret"), rec.get("seed"), rec.get("commitment")
    if not isinstance(commit, str) or not HEX64.fullmatch(commit):
        v.add(
            "commitment",
            False,
            f"the record's commitment {commit!r} is not 64 lowercase hex digits",
        )
    elif secret is None:
        v.add(
            "commitment",
            True,
            f"{short(commit)} recorded; the secret is not published "
            f"yet (status {v.status}), so it cannot be opened",
            skipped=True,
        )
    else:
        got = draw.commitment(secret)
        v.add(
            "commitment",
            got == commit,
            f"SHA-256(secret) = {short(commit)} as committed"
            if got == commit
            else f"SHA-256(secret) is {got}, the record committed to {commit}: the published "
            f"secret is not the one committed to before the draw",
        )
    if secret is None:
        if seed_rec is not None:
            v.add(
                "seed",
                False,
                f"the record gives seed {short(seed_rec)} but no secret to derive it from",
            )
        return seed_rec
    public_value = rec.get("public_value") or ""
    source_id = (rec.get("public_source") or {}).get("id")
    # The draw is re-computed from the committed secret, whatever seed the record shows.
    seed = draw.seed(secret, public_value, source_id)
    how = (
        f"SHA-256(secret|{source_id}|{public_value})"
        if source_id
        else f"SHA-256(secret|public value {public_value!r})"
    )
    v.add(
        "seed",
        seed == seed_rec,
        f"{how} = {short(seed)}"
        if seed == seed_rec
        else f"{how} is {seed}, the record says {seed_rec}; the draw is re-computed with "
        f"{short(seed)}",
    )
    return seed


def _moment(text: object) -> dt.datetime | None:
    """A published moment ("2026-11-26T13:15:00Z") as naive UTC; None if absent or not ISO."""
    if not isinstance(text, str) or not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def _check_source(v: Verification, rec: dict) -> None:
    """The public source's timing (公开随机源): due after the commit, so nobody knew its
    value then; the value entered once the source was due and before the draw. An
    abandoned draw (never drawn) is checked for the first part only."""
    name, source = "public source", rec.get("public_source")
    if not source:
        v.add(
            name,
            True,
            "the draw named no future public source: its public value "
            f"{rec.get('public_value')!r} was given at commit, so nothing shows it was "
            "unknown then",
            skipped=True,
        )
        return
    if not isinstance(source, dict):
        v.add(name, False, f"the record's public_source {source!r} is not an object")
        return
    label = source.get("label") or source.get("id")
    due_text, committed_text = source.get("due_at"), rec.get("committed_at")
    due, committed = _moment(due_text), _moment(committed_text)
    if due is None or committed is None:
        what = "due time (public_source.due_at)" if due is None else "commit time (committed_at)"
        v.add(
            name,
            False,
            f"{label}: the record gives no {what} "
            f"({(due_text if due is None else committed_text)!r}), so nothing shows the "
            "source's value was unknown at commit",
        )
        return
    if due <= committed:
        v.add(
            name,
            False,
            f"{label} was due at {due_text}, at or before the commit at {committed_text}: "
            "its value could have been known at commit",
        )
        return
    told = f"{label}: due at {due_text}, after the commit at {committed_text}"
    if v.status == "abandoned":
        v.add(name, True, f"{told}; abandoned (作废) before its value was used")
        return
    entry = rec.get("public_value_entry")
    at_text = entry.get("at") if isinstance(entry, dict) else None
    if at_text is None:
        if v.status == "committed":
            v.add(name, True, f"{told}; its value is not entered yet")
        else:
            v.add(name, True, told, unchecked="when its value was entered (no entry time)")
        return
    drawn_text = rec.get("drawn_at")
    at, drawn = _moment(at_text), _moment(drawn_text)
    if at is None or (drawn_text is not None and drawn is None):
        bad = ("public_value_entry.at", at_text) if at is None else ("drawn_at", drawn_text)
        v.add(name, False, f"{label}: {bad[0]} {bad[1]!r} is not an ISO 8601 moment")
        return
    if at < due:
        v.add(
            name,
            False,
            f"its value was entered at {at_text}, before {label} was due at {due_text}: "
            "it cannot be that draw's result",
        )
    elif drawn is not None and at > drawn:
        v.add(
            name,
            False,
            f"its value was entered at {at_text}, after the draw at {drawn_text}: the record "
            "says the draw was made before its value was known",
        )
    else:
        after = f", before the draw at {drawn_text}" if drawn_text else ""
        v.add(name, True, f"{told}; its value entered at {at_text}{after}")


def _check_pool(v: Verification, rec: dict, pool_file: Path) -> list[draw.Unit] | None:
    """The pool snapshot: hash, size, key count and canonical form; returns its units."""
    info = rec.get("pool") or {}
    data, err = read(pool_file)
    if data is None:
        v.add("pool snapshot", False, err)
        return None
    problems, units, size = [], None, ""
    got = hashlib.sha256(data).hexdigest()
    if got != info.get("sha256"):
        problems.append(
            f"SHA-256 of {pool_file.name} is {got}, the record says {info.get('sha256')}"
        )
    text, err = decode(data, pool_file)
    if text is None:
        problems.append(err)
    else:
        with gc_paused():
            units, err = _parse_pool(text, pool_file.name)
        if units is None:
            problems.append(err)
        else:
            key = sum(1 for u in units if u.stratum == draw.KEY)
            size = f"{len(units)} units ({key} key)"
            if len(units) != info.get("size"):
                problems.append(
                    f"{pool_file.name} lists {len(units)} units, the record says {info.get('size')}"
                )
            if "key" in info and key != info["key"]:
                problems.append(
                    f"{pool_file.name} has {key} key (K) units, the record says {info['key']}"
                )
            if not text.endswith("\n"):
                problems.append(f"{pool_file.name} does not end in a newline")
            bad = _pool_canonical(units)
            if bad:
                problems.append(f"{pool_file.name} is not canonical: {bad}")
    v.add(
        "pool snapshot",
        not problems,
        summary(problems) if problems else f"{pool_file.name}: SHA-256 {short(got)}, {size}",
    )
    return units


def _check_roster(v: Verification, rec: dict, roster_file: Path | None, folder: Path):
    """The roster snapshot's hash; returns (roster, conflicts), or (None, None) if absent.
    A roster named by the caller must exist; the default one may be missing."""
    info = rec.get("roster") or {}
    want = info.get("sha256", rec.get("roster_sha256"))  # commitment.json: flat
    if roster_file is None:
        roster_file = folder / info.get("snapshot", "roster.csv")
        if not roster_file.exists():
            v.add(
                "roster snapshot",
                True,
                f"not checked: {roster_file.name} not found beside the record (give it "
                f"with --roster to check it and the teams)",
                skipped=True,
            )
            return None, None
    data, err = read(roster_file)
    if data is None:
        v.add("roster snapshot", False, err)
        return None, None
    problems, roster, conflicts = [], None, None
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        problems.append(f"SHA-256 of {roster_file.name} is {got}, the record says {want}")
    text, err = decode(data, roster_file)
    if text is None:
        problems.append(err)
    else:
        try:
            roster, conflicts = draw.parse_roster(text)
        except (ValueError, TypeError) as e:
            problems.append(f"{roster_file.name} cannot be read: {e}")
    v.add(
        "roster snapshot",
        not problems,
        summary(problems)
        if problems
        else f"{roster_file.name}: SHA-256 {short(got)}, {len(roster)} inspectors, "
        f"{len(conflicts)} conflicts (回避关系)",
    )
    return roster, conflicts


def _check_targets(
    v: Verification, rec: dict, units: list[draw.Unit] | None, seed: str | None
) -> list[draw.Target] | None:
    """Re-draw the units (R1, R4) and compare with the record; returns the targets."""
    params, recorded = rec.get("params") or {}, rec.get("targets") or []
    refusal = rec.get("refusal")
    if units is None:
        v.add("targets", False, "not re-computed: the pool snapshot cannot be read")
        return None
    if seed is None:
        v.add("targets", False, "not re-computed: the record gives neither secret nor seed")
        return None
    share = params.get("key_share", 0.5)
    try:
        with gc_paused():
            targets = draw.select_targets(
                units,
                seed,
                v.draw_id,
                params.get("units"),
                share,
                params.get("allow_shortfall", False),
            )
    except draw.DrawRefused as e:
        if v.status == "refused" and refusal == str(e):
            v.add("targets", True, f"refused as recorded: {e}")
        else:
            v.add(
                "targets",
                False,
                f"the algorithm refuses this draw ({e}), the record has "
                f"status {v.status} with {len(recorded)} targets"
                + (f" and refusal {refusal!r}" if refusal else ""),
            )
        return None
    except (TypeError, ValueError, KeyError) as e:
        v.add("targets", False, f"not re-computed: bad parameters or pool ({e!r})")
        return None
    key = sum(t.stratum == draw.KEY for t in targets)
    quota = draw.key_quota(len(targets), share)
    if v.status == "refused" and not recorded:
        # refused at the team stage: no targets were kept; the teams check decides
        v.add(
            "targets",
            True,
            f"{len(targets)} units re-computed ({key} key, quota "
            f"{quota}); the draw was refused after them",
        )
    else:
        diff = _compare_targets(targets, recorded)
        v.add(
            "targets",
            diff is None,
            diff
            or f"{len(targets)} units re-computed and equal "
            f"to the record ({key} key, quota {quota})",
        )
    return targets
