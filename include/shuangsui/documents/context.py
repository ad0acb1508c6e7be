"""The data the notice templates receive (see templates/notices/README.md): an approved
draw's record (shuangsui.draw.record) joined with the directories — the units from the
检查对象名录库, the inspectors from the 执法检查人员名录库, the checklist (随机抽查事项清单)
that applies to each unit's industry — and each notice's 发文字号.

发文字号 of the notices: <doc_prefix><doc_kind>〔<year>〕<N>号, e.g. 淄高新安监抽〔2026〕17号. The
year is the year of the 成文日期 (the day the 分管领导 approved the draw, China time). Each
approved draw takes a block of consecutive numbers within the year: N = the number of units
in the bureau's draws approved earlier that year (ordered by approval time, then draw id)
+ the unit's position in this draw (1 = drawn first). So numbers are unique across the
bureau's draws of a year, follow from the draw records alone, and do not depend on when or
how often documents are rendered; once a notice has been issued its number is kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, or_, select

from shuangsui import config, db
from shuangsui.core.clock import china_midnight_utc, china_time
from shuangsui.core.reference import ISSUED
from shuangsui.documents.chinese import doc_number
from shuangsui.draw import algorithm, record
from shuangsui.draw.record import DrawRecord


class NotApproved(ValueError):
    """Documents are issued only for a draw the 分管领导 approved."""


def applies(item_industries: str, industry: str) -> bool:
    """Does a checklist item (industries '全部' or a '、' list) apply to an industry?"""
    parts = {p for p in re.split(r"[、,，;；/\s]+", item_industries or "") if p}
    return "全部" in parts or industry in parts


@dataclass
class DrawDocuments:
    """An approved draw as its documents show it."""

    context: dict  # `draw` in the templates
    bureau: dict
    units: list[dict]  # in draw order, each with team, items, doc_number
    inspectors: dict[str, dict]
    recusals: list[dict]
    sheet_holders: set[str]  # inspectors who have or had a task sheet
    ever: dict[str, set[str]]  # inspector -> units he was ever on the team of
    decided_at: dt.datetime  # naive UTC


def gather(conn: Connection, draw_id: str) -> DrawDocuments:
    """Everything the documents of an approved draw say, from its record and the
    directories. Raises NotApproved before the 分管领导 has approved it."""
    rec = record.load(conn, draw_id)
    if rec.status not in ISSUED or rec.decided_at is None:
        raise NotApproved(
            f"draw {draw_id} is {rec.status}: notices and task sheets are issued "
            f"only after the 分管领导 approves the draw"
        )
    bureau = _bureau()
    inspectors = _inspectors(conn, rec)
    units = _units(conn, rec, bureau, inspectors)
    ever: dict[str, set[str]] = {}
    for a in rec.assignments:
        ever.setdefault(a.inspector_id, set()).add(a.uscc)
    return DrawDocuments(
        _draw_context(rec, units),
        bureau,
        units,
        inspectors,
        _recusals(rec, units, inspectors),
        _sheet_holders(conn, rec),
        ever,
        rec.decided_at,
    )


def _bureau() -> dict:
    b = config.bureau()
    return {
        k: b[k]
        for k in (
            "name",
            "short_name",
            "doc_prefix",
            "doc_kind",
            "address",
            "contact",
            "phone",
            "site_url",
        )
    }


def _inspectors(conn: Connection, rec: DrawRecord) -> dict[str, dict]:
    """Every inspector ever on one of the draw's teams and in the directory, by id."""
    i = db.inspector
    ids = sorted({a.inspector_id for a in rec.assignments})
    return {
        p.inspector_id: {
            "id": p.inspector_id,
            "name": p.name,
            "cert_no": p.cert_no,
            "department": p.department,
        }
        for p in sorted(
            conn.execute(select(i).where(i.c.inspector_id.in_(ids))),
            key=lambda p: p.inspector_id,
        )
    }


def _member(inspectors: dict[str, dict], iid: str, draw_id: str) -> dict:
    person = inspectors.get(iid)
    if person is None:
        raise ValueError(
            f"draw {draw_id}: inspector {iid} is on a team but not in the "
            f"inspector directory (执法检查人员名录库)"
        )
    return person


def _checklists(conn: Connection, versions: set[int]) -> tuple[Callable[[int, str], list], int]:
    """(applicable, latest): the checklist items of a version that apply to an industry,
    one shared list per (version, industry); and the latest version read."""
    c = db.checklist_item
    by_version: dict[int, list] = {}
    for it in conn.execute(
        select(c).where(c.c.version.in_(versions or {1})).order_by(c.c.version, c.c.code)
    ):
        by_version.setdefault(it.version, []).append(it)

    @functools.cache
    def applicable(version: int, industry: str) -> list[dict]:
        return [
            dict(it._mapping)
            for it in by_version.get(version, [])
            if applies(it.industries, industry)
        ]

    return applicable, max(by_version, default=1)


def _doc_numbers(conn: Connection, rec: DrawRecord, bureau: dict) -> dict[str, str]:
    """The 发文字号 of each unit's notice: the one issued, else the next in the year."""
    d = db.document
    # A number once issued is kept (the first version's; rows come highest version first)
    numbers = {
        r.subject_key: r.doc_number
        for r in conn.execute(
            select(d.c.subject_key, d.c.doc_number)
            .where(d.c.draw_id == rec.draw_id, d.c.kind == "notice", d.c.doc_number.is_not(None))
            .order_by(d.c.version.desc())
        )
    }
    missing = [t for t in rec.targets if t.uscc not in numbers]
    if missing:
        year = china_time(rec.decided_at).year
        offset = _number_offset(conn, rec)
        for t in missing:
            numbers[t.uscc] = doc_number(bureau, year, offset + t.position)
    return numbers


def _number_offset(conn: Connection, rec: DrawRecord) -> int:
    """Units of the bureau's draws approved earlier in the same (China) year."""
    d, s = db.draw, db.draw_selection
    year = china_time(rec.decided_at).year
    start = china_midnight_utc(dt.date(year, 1, 1))
    end = china_midnight_utc(dt.date(year + 1, 1, 1))
    earlier = or_(
        d.c.decided_at < rec.decided_at,
        and_(d.c.decided_at == rec.decided_at, d.c.draw_id < rec.draw_id),
    )
    return conn.execute(
        select(func.count())
        .select_from(s)
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.status.in_(ISSUED), d.c.decided_at >= start, d.c.decided_at < end, earlier)
    ).scalar_one()


def _units(
    conn: Connection, rec: DrawRecord, bureau: dict, inspectors: dict[str, dict]
) -> list[dict]:
    """The drawn units in draw order, each with its notice's number, current team (lead
    first) and the checklist items that apply to it."""
    e = db.enterprise
    ents = {
        r.uscc: r
        for r in conn.execute(select(e).where(e.c.uscc.in_(sorted({t.uscc for t in rec.targets}))))
    }
    versions = rec.checklist_versions()
    applicable, latest = _checklists(conn, set(versions.values()))
    numbers = _doc_numbers(conn, rec, bureau)
    teams = rec.current_teams()
    units = []
    for target in rec.targets:
        ent = ents.get(target.uscc)
        if ent is None:
            raise ValueError(
                f"draw {rec.draw_id}: unit {target.uscc} is not in the enterprise directory "
                f"(检查对象名录库)"
            )
        version = versions.get(target.uscc, latest)
        key = target.stratum == algorithm.KEY
        units.append(
            {
                "unit": {
                    "uscc": target.uscc,
                    "name": ent.name,
                    "industry": ent.industry,
                    "department": ent.department,
                    "address": ent.address or "",
                    "legal_rep": ent.legal_rep or "",
                    "key": key,
                    "stratum": "重点" if key else "一般",
                    "position": target.position,
                },
                "doc_number": numbers[target.uscc],
                "team": [
                    {
                        **_member(inspectors, m, rec.draw_id),
                        "lead": n == 0,
                        "role": "组长" if n == 0 else "组员",
                    }
                    for n, m in enumerate(teams.get(target.uscc, []))
                ],
                "checklist_version": version,
                "items": applicable(version, ent.industry),
            }
        )
    return units


def _recusals(rec: DrawRecord, units: list[dict], inspectors: dict[str, dict]) -> list[dict]:
    """The decided recusals (pending requests change nothing), in the order requested."""
    names = {u["unit"]["uscc"]: u["unit"]["name"] for u in units}
    return [
        {
            "uscc": r.uscc,
            "unit_name": names.get(r.uscc, ""),
            "inspector": inspectors.get(r.inspector_id, {"id": r.inspector_id, "name": ""}),
            "reason": r.reason,
            "decision": "批准回避" if r.approved else "不予回避",
            "approved": r.approved,
            "decided_by": r.decided_by or "",
            "decided_at": china_time(r.decided_at),
            "decided_at_utc": r.decided_at,
            "replacement": inspectors.get(r.replacement) if r.replacement else None,
        }
        for r in rec.recusals
        if r.decision is not None
    ]


def _draw_context(rec: DrawRecord, units: list[dict]) -> dict:
    """`draw` in the templates."""
    params = rec.params
    key = sum(u["unit"]["key"] for u in units)
    return {
        "id": rec.draw_id,
        "kind": rec.kind,
        "department": rec.department,
        "year": rec.year,
        "round": rec.round,
        "inspection_date": rec.inspection_date,
        "issue_date": china_time(rec.decided_at).date(),
        "decided_by": rec.decided_by or "",
        "decided_at": china_time(rec.decided_at),
        "decision_reason": rec.decision_reason or "",
        "created_at": china_time(rec.created_at),
        "drawn_at": china_time(rec.drawn_at),
        "pool_size": rec.pool_size,
        "pool_sha256": rec.pool_sha256,
        "roster_sha256": rec.roster_sha256,
        "commitment": rec.commitment,
        "public_value": rec.public_value or "",
        "seed": rec.seed or "",
        "code_version": rec.code_version,
        "algorithm": algorithm.ALGORITHM,
        "units": len(units),
        "key_units": key,
        "other_units": len(units) - key,
        "key_share_required": params.get("key_share", 0.5),
        "key_share": key / len(units) if units else 0.0,
        "team_size": params.get("team_size"),
        "industries": params.get("industries") or [],
        "allow_shortfall": bool(params.get("allow_shortfall")),
        "redraw_of": rec.redraw_of or "",
        "redraw_reason": rec.redraw_reason or "",
        "first_number": units[0]["doc_number"] if units else "",
        "last_number": units[-1]["doc_number"] if units else "",
    }


def _sheet_holders(conn: Connection, rec: DrawRecord) -> set[str]:
    """Inspectors on a team now, and those who had a task sheet (it must be revised)."""
    d = db.document
    return {a.inspector_id for a in rec.assignments if a.active} | set(
        conn.execute(
            select(d.c.subject_key).where(d.c.draw_id == rec.draw_id, d.c.kind == "task_sheet")
        ).scalars()
    )


# --- one context per document ----------------------------------------------------------


def _revised(recusals: list[dict], usccs: set[str]) -> dt.datetime | None:
    """The latest approved recusal on these units (naive UTC): a document it changed is
    dated the day of that decision."""
    at = [
        r["decided_at_utc"]
        for r in recusals
        if r["approved"] and r["uscc"] in usccs and r["decided_at_utc"]
    ]
    return max(at) if at else None


def documents(g: DrawDocuments) -> Iterator[tuple[str, str, str | None, dict, dt.datetime | None]]:
    """(kind, subject_key, doc_number, context, revised_at) for every document of the draw:
    the notices in draw order, the task sheets by inspector id, then the summary."""
    common = {"bureau": g.bureau, "draw": g.context}
    for u in g.units:
        revised = _revised(g.recusals, {u["unit"]["uscc"]})
        yield "notice", u["unit"]["uscc"], u["doc_number"], {**common, **u}, revised
    for iid in sorted(g.sheet_holders):
        revised = _revised(g.recusals, g.ever.get(iid, set()))
        yield "task_sheet", iid, None, {**common, **_task_sheet(g, iid)}, revised
    industries: dict[str, int] = {}
    for u in g.units:
        industries[u["unit"]["industry"]] = industries.get(u["unit"]["industry"], 0) + 1
    revised = _revised(g.recusals, {u["unit"]["uscc"] for u in g.units})
    summary = {
        "targets": g.units,
        "recusals": g.recusals,
        "industries": sorted(industries.items(), key=lambda kv: (-kv[1], kv[0])),
    }
    yield "summary", "draw", None, {**common, **summary}, revised


def _task_sheet(g: DrawDocuments, iid: str) -> dict:
    """One inspector's 任务单: his units in draw order, their checklist items, his recusals."""
    mine = [u for u in g.units if any(m["id"] == iid for m in u["team"])]
    items: dict[str, dict] = {}
    for n, u in enumerate(mine, 1):
        for it in u["items"]:
            items.setdefault(it["code"], {**it, "unit_numbers": []})["unit_numbers"].append(n)
    sheet = [{**u, "my_role": next(m["role"] for m in u["team"] if m["id"] == iid)} for u in mine]
    return {
        "inspector": g.inspectors[iid],
        "units": sheet,
        "leads": sum(u["my_role"] == "组长" for u in sheet),
        "items": [items[k] for k in sorted(items)],
        "checklist_versions": sorted({u["checklist_version"] for u in mine}),
        "recusals": [
            r
            for r in g.recusals
            if r["inspector"]["id"] == iid or (r["replacement"] and r["replacement"]["id"] == iid)
        ],
    }
