"""Publication of results (一公开, 第七条(七)) and its deadlines (R8).

- A unit whose results show no problem is published within 20 working days from the end
  of its inspection, the end day not counted (`workdays.add_working_days(ended_on, 20)`).
- A unit with problems is published once handled — 整改 done or a decision made — with
  its own recorded due date (20 working days from the day it was handled).
- A unit of an approved draw with no results yet is tracked against its planned
  inspection date, so missing results are escalated instead of forgotten.
Due dates are tracked: the responsible 科室 is warned a few working days before, and an
overdue item is flagged, alerted and listed every day until it is published. A published
result is never edited: a correction is a new version that says what changed and why."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from shuangsui import audit, config, db
from shuangsui.core import workdays
from shuangsui.core.clock import china_date
from shuangsui.core.hashing import json_sha256, sha256_hex
from shuangsui.core.reference import ISSUED, NO_PROBLEM, OUTCOMES
from shuangsui.outreach import mail

PUBLISH_WITHIN = 20  # working days, 第七条(七)
SEVERITY = {outcome: n for n, outcome in enumerate(OUTCOMES)}  # the worst is the last


@dataclass
class Unit:
    draw_id: str
    uscc: str
    planned: dt.date
    results: list


def _units(conn: Connection) -> list[Unit]:
    d, s = db.draw, db.draw_selection
    rows = conn.execute(
        select(d.c.draw_id, d.c.params, s.c.uscc)
        .join(s, s.c.draw_id == d.c.draw_id)
        .where(d.c.status.in_(ISSUED))
    ).all()
    r = db.inspection_result
    results: dict[tuple[str, str], list] = {}
    for row in conn.execute(select(r).where(r.c.listed)):
        results.setdefault((row.draw_id, row.uscc), []).append(row)
    return [
        Unit(
            x.draw_id,
            x.uscc,
            dt.date.fromisoformat(json.loads(x.params)["inspection_date"]),
            sorted(results.get((x.draw_id, x.uscc), []), key=lambda t: t.item_code),
        )
        for x in rows
    ]


def _state(u: Unit) -> dict:
    """Problems, end of inspection, when handled, and the due date (None while unknown)."""
    if not u.results:
        return {
            "problems": False,
            "ended_on": u.planned,
            "handled_on": None,
            "due_from": u.planned,
            "ready": False,
        }
    problems = [x for x in u.results if x.outcome != NO_PROBLEM]
    ended = max(x.ended_on for x in u.results)
    if not problems:
        return {
            "problems": False,
            "ended_on": ended,
            "handled_on": None,
            "due_from": ended,
            "ready": True,
        }
    handled = None
    if all(x.rectification == "已整改" and x.rectified_on for x in problems):
        handled = max(x.rectified_on for x in problems)
    decided = [x.decided_on for x in problems if x.penalty_ref and x.decided_on]
    if decided and (handled is None or max(decided) < handled):
        handled = max(decided) if handled is None else handled
    return {
        "problems": True,
        "ended_on": ended,
        "handled_on": handled,
        "due_from": handled,
        "ready": handled is not None,
    }


def refresh(engine: Engine, *, now: dt.datetime) -> dict:
    """Bring the publication table up to date with approved draws and current results.
    Returns counts and the units whose due date the calendar cannot give yet."""
    p = db.publication
    counts: dict[str, Any] = {"new": 0, "updated": 0, "corrections": 0, "calendar_missing": {}}
    with engine.begin() as conn:
        latest = _latest(conn)
        for u in _units(conn):
            st = _state(u)
            due = None
            if st["due_from"] is not None:
                try:
                    due = workdays.add_working_days(st["due_from"], PUBLISH_WITHIN)
                except workdays.CalendarDataMissing as e:
                    # Never guessed: the item waits, listed, until the year's notice is in.
                    missing = counts["calendar_missing"].setdefault(
                        e.year, {"units": 0, "message": str(e)}
                    )
                    missing["units"] += 1
            values = {
                "problems": st["problems"],
                "ended_on": st["ended_on"],
                "handled_on": st["handled_on"],
                "due_on": due,
            }
            row = latest.get((u.draw_id, u.uscc))
            if row is None:
                conn.execute(
                    p.insert().values(
                        draw_id=u.draw_id, uscc=u.uscc, version=1, created_at=now, **values
                    )
                )
                counts["new"] += 1
            elif row.published_at is None:
                if any(getattr(row, k) != v for k, v in values.items()):
                    conn.execute(p.update().where(p.c.id == row.id).values(**values))
                    counts["updated"] += 1
            elif (
                st["ready"]
                and _content_hash(_content(conn, u, row.version + 1)) != row.content_sha256
            ):
                # Published facts changed: a correction (更正), due at once (today in China).
                conn.execute(
                    p.insert().values(
                        draw_id=u.draw_id,
                        uscc=u.uscc,
                        version=row.version + 1,
                        created_at=now,
                        **{**values, "due_on": china_date(now)},
                    )
                )
                counts["corrections"] += 1
    return counts


def _latest(conn: Connection) -> dict:
    """The latest version of each unit's publication row."""
    p = db.publication
    out = {}
    for r in conn.execute(select(p).order_by(p.c.draw_id, p.c.uscc, p.c.version)):
        out[(r.draw_id, r.uscc)] = r
    return out


def _content(conn: Connection, u: Unit, version: int) -> dict:
    """The public facts of one unit's inspection (R10: no private data)."""
    d = conn.execute(select(db.draw).where(db.draw.c.draw_id == u.draw_id)).one()
    e = conn.execute(select(db.enterprise).where(db.enterprise.c.uscc == u.uscc)).one()
    c = db.checklist_item
    names = {
        code: name
        for code, name in conn.execute(select(c.c.code, c.c.name).where(c.c.version == 1))
    }
    t, i = db.team_assignment, db.inspector
    team = conn.execute(
        select(i.c.name, i.c.cert_no, t.c.role)
        .join(i, i.c.inspector_id == t.c.inspector_id)
        .where(t.c.draw_id == u.draw_id, t.c.uscc == u.uscc, t.c.active)
        .order_by(t.c.role != "lead", t.c.inspector_id)
    ).all()
    items = [
        {
            "code": x.item_code,
            "name": names.get(x.item_code, "全部适用检查事项"),
            "outcome": x.outcome,
            "finding": x.finding,
            "rectification": x.rectification,
            "rectified_on": x.rectified_on.isoformat() if x.rectified_on else None,
        }
        for x in u.results
    ]
    problems = [x for x in u.results if x.outcome != NO_PROBLEM]
    worst = max((x.outcome for x in u.results), key=lambda o: SEVERITY.get(o, 0))
    decided = [x for x in problems if x.penalty_ref]
    return {
        "draw_id": u.draw_id,
        "kind": d.kind,
        "department": d.department,
        "inspecting_body": f"{config.bureau()['name']}（{d.department}）",
        "uscc": u.uscc,
        "name": e.name,
        "industry": e.industry,
        "address": e.address,
        "started_on": min(x.started_on for x in u.results).isoformat(),
        "ended_on": max(x.ended_on for x in u.results).isoformat(),
        "items": items,
        "outcome": worst,
        "rectification": (
            "无需整改"
            if not problems
            else "已整改"
            if all(x.rectification == "已整改" for x in problems)
            else "整改中"
        ),
        "serious": any(x.serious for x in u.results),
        "penalty_ref": "；".join(sorted({x.penalty_ref for x in decided})) or None,
        "decided_on": _iso(max((x.decided_on for x in decided if x.decided_on), default=None)),
        "inspectors": [
            {"name": m.name, "cert_no": m.cert_no, "role": "组长" if m.role == "lead" else "组员"}
            for m in team
        ],
        "version": version,
    }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _content_hash(content: dict) -> str:
    body = {k: v for k, v in content.items() if k not in ("version", "published_on", "change_note")}
    return json_sha256(body)


def _change_note(old: dict, new: dict, reason: str) -> str:
    fields = {
        "outcome": "检查结果",
        "rectification": "整改状态",
        "items": "检查事项结果",
        "penalty_ref": "处罚决定书文号",
        "decided_on": "处罚决定日期",
        "serious": "严重违法",
        "inspectors": "检查人员",
        "started_on": "检查开始日期",
        "ended_on": "检查结束日期",
        "name": "单位名称",
        "address": "地址",
    }
    changed = [zh for k, zh in fields.items() if old.get(k) != new.get(k)]
    return f"更正第{old.get('version')}版：{'、'.join(changed) or '内容'}有变化。原因：{reason}"


def publish_ready(
    engine: Engine, *, now: dt.datetime, reason: str = "检查结果数据更新"
) -> list[dict]:
    """Publish every unpublished unit that is ready (results in; no problem, or handled).
    Each publication is recorded in the audit trail; returns what was published."""
    p = db.publication
    today = china_date(now)  # the 公示日期 is China's day: 07:00 Beijing is 23:00 UTC before
    done = []
    with engine.begin() as conn:
        units = {(u.draw_id, u.uscc): u for u in _units(conn)}
        pending = conn.execute(
            select(p).where(p.c.published_at.is_(None)).order_by(p.c.draw_id, p.c.uscc, p.c.version)
        ).all()
        for row in pending:
            u = units.get((row.draw_id, row.uscc))
            if u is None or not _state(u)["ready"]:
                continue
            content = _content(conn, u, row.version)
            content["published_on"] = today.isoformat()
            content["change_note"] = None
            if row.version > 1:
                old = json.loads(
                    conn.execute(
                        select(p.c.content).where(
                            p.c.draw_id == row.draw_id,
                            p.c.uscc == row.uscc,
                            p.c.version == row.version - 1,
                        )
                    ).scalar_one()
                )
                content["change_note"] = _change_note(old, content, reason)
            digest = _content_hash(content)
            conn.execute(
                p.update()
                .where(p.c.id == row.id)
                .values(
                    published_at=now,
                    content=json.dumps(content, ensure_ascii=False, sort_keys=True),
                    content_sha256=digest,
                    change_note=content["change_note"],
                )
            )
            audit.record(
                conn,
                "publication.published",
                {
                    "draw_id": row.draw_id,
                    "uscc": row.uscc,
                    "version": row.version,
                    "due_on": row.due_on,
                    "content_sha256": digest,
                    "change_note": content["change_note"],
                },
                actor="publication",
                entity="publication",
                entity_key=f"{row.draw_id}/{row.uscc}/v{row.version}",
                now=now,
            )
            done.append(
                {
                    "draw_id": row.draw_id,
                    "uscc": row.uscc,
                    "version": row.version,
                    "due_on": row.due_on,
                    "on_time": row.due_on is None or today <= row.due_on,
                }
            )
    return done


def deadlines(engine: Engine, *, today: dt.date, now: dt.datetime, warn_days: int = 3) -> dict:
    """Warn each 科室 of its items due within `warn_days` working days (once per item) and
    alert it of every overdue item (each day until published). Returns the lists."""
    from shuangsui.outreach.dispatch import department_emails

    p, d = db.publication, db.draw
    warn: dict[str, list] = {}
    overdue: dict[str, list] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(p, d.c.department)
            .join(d, d.c.draw_id == p.c.draw_id)
            .where(p.c.published_at.is_(None), p.c.due_on.is_not(None))
            .order_by(p.c.due_on, p.c.draw_id, p.c.uscc)
        ).all()
    for r in rows:
        if r.due_on < today:
            overdue.setdefault(r.department, []).append(r)
        elif r.warned_on is None and workdays.working_days_between(today, r.due_on) <= warn_days:
            warn.setdefault(r.department, []).append(r)
    emails = department_emails()
    for kind, title, groups in (
        ("deadline_warning", "即将到期", warn),
        ("overdue_alert", "已逾期", overdue),
    ):
        for dept, items in groups.items():
            rows_html = "".join(
                f"<tr><td>{x.draw_id}</td><td>{x.uscc}</td><td>{x.ended_on}</td>"
                f"<td>{x.due_on}</td><td>{'有问题，已处理' if x.problems else '未发现问题'}</td>"
                f"</tr>"
                for x in items
            )
            body = (
                f"<p>{dept}：</p><p>以下 {len(items)} 项抽查结果公示{title}，请及时公示"
                f"（第七条(七)：对抽查结果正常的生产经营单位，自抽查结束之日起20个工作日内"
                f'向社会公示）。</p><table border="1"><tr><th>抽查任务</th><th>统一社会'
                f"信用代码</th><th>检查结束</th><th>公示期限</th><th>情况</th></tr>"
                f"{rows_html}</table>"
            )
            # A warning is sent once per item; an overdue alert once a day until published.
            key = (
                f"{kind}/{dept}/{today.isoformat()}"
                if kind == "overdue_alert"
                else f"{kind}/{dept}/" + sha256_hex(",".join(str(x.id) for x in items))[:16]
            )
            mail.queue(
                engine,
                message_key=key,
                kind=kind,
                recipient=emails.get(dept, emails["*"]),
                recipient_name=dept,
                subject=f"【公示{title}】{dept}：{len(items)} 项抽查结果",
                body_html=body,
                now=now,
            )
    with engine.begin() as conn:
        for items in warn.values():
            conn.execute(
                p.update().where(p.c.id.in_([x.id for x in items])).values(warned_on=today)
            )
        for items in overdue.values():
            conn.execute(
                p.update().where(p.c.id.in_([x.id for x in items])).values(overdue_alerted_on=today)
            )
            audit.record(
                conn,
                "publication.overdue",
                {
                    "items": [f"{x.draw_id}/{x.uscc}" for x in items],
                    "due": [x.due_on for x in items],
                },
                actor="publication",
                entity="publication",
                now=now,
            )
    return {
        "warned": {k: [(x.draw_id, x.uscc, x.due_on) for x in v] for k, v in warn.items()},
        "overdue": {k: [(x.draw_id, x.uscc, x.due_on) for x in v] for k, v in overdue.items()},
    }


def overdue_list(conn: Connection, today: dt.date) -> list[dict]:
    """Every unpublished item past its due date, for the report and the site's back office."""
    p, d = db.publication, db.draw
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(p.c.draw_id, p.c.uscc, p.c.due_on, p.c.problems, d.c.department)
            .join(d, d.c.draw_id == p.c.draw_id)
            .where(p.c.published_at.is_(None), p.c.due_on < today)
            .order_by(p.c.due_on)
        )
    ]
