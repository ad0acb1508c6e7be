"""What the 分管领导 reads before approving a draw (审批摘要): strata, teams, the year's
progress against the plan."""

from __future__ import annotations

from sqlalchemy import Connection

from shuangsui.draw import algorithm as draw
from shuangsui.draw import record as records
from shuangsui.draw.plan import year_progress


def summary_markdown(conn: Connection, draw_id: str) -> str:
    """What the 分管领导 reads before approving: strata, teams, the year's progress."""
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
    lines += ["", "| 序号 | 统一社会信用代码 | 类别 | 检查组（组长在前） |", "|---|---|---|---|"]
    teams = rec.current_teams()
    for t in rec.targets[:200]:
        lines.append(
            f"| {t.position} | {t.uscc} | "
            f"{'重点' if t.stratum == draw.KEY else '一般'} | "
            f"{'、'.join(teams.get(t.uscc, []))} |"
        )
    if n > 200:
        lines.append(f"| … | 共 {n} 家，完整名单见 record.json | | |")
    return "\n".join(lines)
