"""What the 分管领导 reads before approving a draw (审批摘要): strata, the units by name,
the teams by name with their 执法证号 and 科室, the year's progress against the plan."""

from __future__ import annotations

from sqlalchemy import Connection, select

from shuangsui import db
from shuangsui.draw import algorithm as draw
from shuangsui.draw import record as records
from shuangsui.draw.plan import year_progress

SHOWN = 200  # rows of the targets table; the rest are in record.json


def summary_markdown(conn: Connection, draw_id: str) -> str:
    """What the 分管领导 reads before approving (Markdown): strata, each unit by name beside
    its 统一社会信用代码, each inspector by name, 执法证号 and 科室 beside his 人员编号, the
    year's progress."""
    rec = records.load(conn, draw_id)
    p = rec.params
    key = sum(t.stratum == draw.KEY for t in rec.targets)
    n = len(rec.targets)
    lines = [
        f"**抽查任务 {draw_id}**（{rec.kind}，{rec.department}，{rec.year}年"
        + (f"第{rec.round}次" if rec.round else "")
        + "）",
        "",
        f"- 候选名录：{rec.pool_size} 家，SHA-256 `{rec.pool_sha256[:16]}…`",
        f"- 抽取：{n} 家，其中重点行业领域/重点企业 {key} 家（{key / max(n, 1):.0%}，"
        f"要求不低于 {p['key_share']:.0%}）",
        f"- 检查日期：{p['inspection_date']}，每组 {p['team_size']} 人",
        f"- 种子承诺 `{rec.commitment[:16]}…`，种子 `{(rec.seed or '')[:16]}…`",
    ]
    progress = year_progress(conn, rec.year, rec.department)
    if progress:
        lines.append(
            f"- 本年度随机抽查已覆盖 {progress['drawn']} 家，占年度计划 "
            f"{progress['planned']} 家的 {progress['share']:.0%}（要求不低于 30%）"
        )
    if p.get("allow_shortfall") and key / max(n, 1) < p["key_share"]:
        lines.append(f"- **注意：重点企业比例不足 {p['key_share']:.0%}，须经分管领导批准**")
    shown = rec.targets[:SHOWN]
    teams = rec.current_teams()
    units = _unit_names(conn, {t.uscc for t in shown})
    people = _inspectors(conn, {i for t in shown for i in teams.get(t.uscc, [])})
    lines += [
        "",
        "| 序号 | 单位名称 | 统一社会信用代码 | 类别 | 检查组（组长在前） |",
        "|---|---|---|---|---|",
    ]
    for t in shown:
        team = "；".join(
            ("组长 " if i == 0 else "") + _person(iid, people)
            for i, iid in enumerate(teams.get(t.uscc, []))
        )
        lines.append(
            f"| {t.position} | {_cell(units.get(t.uscc, '（名录库中无此单位）'))} | {t.uscc} | "
            f"{'重点' if t.stratum == draw.KEY else '一般'} | {team} |"
        )
    if n > SHOWN:
        lines.append(f"| … | 共 {n} 家，完整名单见 record.json | | | |")
    return "\n".join(lines)


def _unit_names(conn: Connection, usccs: set[str]) -> dict[str, str]:
    """USCC -> unit name, from the 检查对象名录库."""
    e = db.enterprise
    rows = conn.execute(select(e.c.uscc, e.c.name).where(e.c.uscc.in_(sorted(usccs))))
    return {r.uscc: r.name for r in rows}


def _inspectors(conn: Connection, ids: set[str]) -> dict[str, tuple[str, str, str]]:
    """人员编号 -> (姓名, 执法证号, 科室), from the 执法检查人员名录库."""
    i = db.inspector
    rows = conn.execute(
        select(i.c.inspector_id, i.c.name, i.c.cert_no, i.c.department).where(
            i.c.inspector_id.in_(sorted(ids))
        )
    )
    return {r.inspector_id: (r.name, r.cert_no, r.department) for r in rows}


def _person(iid: str, people: dict[str, tuple[str, str, str]]) -> str:
    """张伟（ZF001，执法证号 37030020180001，危险化学品监管科）."""
    if iid not in people:
        return f"{iid}（名录库中无此人）"
    name, cert_no, department = people[iid]
    return _cell(f"{name}（{iid}，执法证号 {cert_no}，{department}）")


def _cell(text: str) -> str:
    """A value as a Markdown table cell: no pipe or line break can split the row."""
    return " ".join(text.split()).replace("|", "｜")
