"""What one draw is asked to do (抽查任务参数): from the trigger form, or from the annual
plans (年度监督检查计划) for a scheduled round, checked against the rules before anything
is frozen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection

from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS
from shuangsui.draw import plan as plans
from shuangsui.draw.algorithm import DrawRefused


@dataclass
class Spec:
    """What one draw is asked to do (from the trigger form or the annual plan)."""

    department: str
    kind: str = "年度计划"
    year: int = 0
    round: int | None = None
    units: int | None = None
    ratio: float | None = None
    key_share: float = 0.5
    team_size: int = 2
    industries: list[str] = field(default_factory=list)
    # A value given at commit, with no source: legacy records and library use (tests)
    # only. A run never sets it (specs_for_run): no value is given at trigger time.
    public_value: str = ""
    # The future public random source (draw/sources.py) and, optionally, the China day of
    # its draw; None only with a public_value given at commit.
    source: str | None = None
    source_date: str | None = None
    inspection_date: str | None = None
    allow_shortfall: bool = False
    max_per_inspector: int | None = None
    redraw_of: str | None = None
    redraw_reason: str | None = None

    def check(self) -> Spec:
        if self.department not in DEPARTMENTS:
            raise DrawRefused(f"unknown 科室 {self.department!r}")
        if self.kind not in DRAW_KINDS:
            raise DrawRefused(f"unknown kind {self.kind!r}; one of {'、'.join(DRAW_KINDS)}")
        if (self.units is None) == (self.ratio is None):
            raise DrawRefused("give either the number of units or the ratio, not both")
        if self.ratio is not None and not 0 < self.ratio <= 1:
            raise DrawRefused(f"ratio {self.ratio} must be in (0, 1]")
        if self.key_share < 0.5 or self.key_share > 1:
            raise DrawRefused(
                f"R4 (第七条(三)): key share {self.key_share} must be between 0.5 and 1"
            )
        if self.team_size < 2:
            raise DrawRefused("R2: team size must be at least 2 (行政处罚法 第四十二条)")
        if not self.inspection_date:
            raise DrawRefused("the inspection date (检查日期) is required")
        dt.date.fromisoformat(self.inspection_date)
        if self.redraw_of and not (self.redraw_reason or "").strip():
            raise DrawRefused("a re-draw must say why the earlier draw is redone")
        return self


def specs_for_run(
    conn: Connection, params: dict, *, today: dt.date, scheduled_round: int | None = None
) -> list[Spec]:
    """The draws a run makes. A scheduled run, or a manual one with from_plan, draws for
    every 科室 with an annual plan for the year, the plan's share for the round; a manual
    run otherwise draws once with the trigger form's parameters.

    Every draw names a future public source, never a value: a scheduled round the one its
    plan names (the first draw at least sources.MARGIN after commit), a manual from_plan
    run the form's `source` if given, else the plan's; a form's `public_value` is ignored."""
    from shuangsui.core import workdays

    inspection = (
        params.get("inspection_date")
        or workdays.add_working_days(today, int(params.get("lead_working_days") or 10)).isoformat()
    )
    common = {
        "inspection_date": inspection,
        "allow_shortfall": bool(params.get("allow_shortfall")),
        "max_per_inspector": params.get("max_per_inspector"),
    }
    asked = {"source": params.get("source") or None, "source_date": params.get("source_date")}
    if scheduled_round is not None or params.get("from_plan"):
        round_no = scheduled_round or int(params.get("round") or 1)
        found = [
            p
            for p in plans.load(conn, today.year)
            if not params.get("department") or p.department == params["department"]
        ]
        if not found:
            raise DrawRefused(
                f"R5 (第七条(四)): no annual plan (年度监督检查计划) for "
                f"{today.year}; load one with the annual_plan DAG first"
            )
        out = []
        for p in found:
            if round_no > p.rounds:
                continue
            if scheduled_round is not None:  # the plan's rule: its first draw after commit
                source, source_date = p.source, None
            else:
                source, source_date = asked["source"] or p.source, asked["source_date"] or None
            out.append(
                Spec(
                    department=p.department,
                    kind="年度计划",
                    year=today.year,
                    round=round_no,
                    units=p.units_for_round(round_no),
                    key_share=p.key_share,
                    team_size=p.team_size,
                    source=source,
                    source_date=source_date,
                    **common,
                ).check()
            )
        if not out:
            rounds = "、".join(f"{p.department} {p.rounds} 次" for p in found)
            raise DrawRefused(
                f"{today.year} 年度监督检查计划中没有第 {round_no} 次抽查（{rounds}），"
                f"不抽取 (no annual plan of {today.year} has round {round_no})"
            )
        return out
    if not params.get("department"):
        raise DrawRefused("choose the 科室 (department) of the draw, or from_plan")
    return [
        Spec(
            department=params["department"],
            kind=params.get("kind") or "专项治理",
            year=today.year,
            units=params.get("units"),
            ratio=params.get("ratio"),
            key_share=float(params.get("key_share") or 0.5),
            team_size=int(params.get("team_size") or 2),
            industries=list(params.get("industries") or []),
            redraw_of=params.get("redraw_of"),
            redraw_reason=params.get("redraw_reason"),
            source=asked["source"] or plans.DEFAULT_SOURCE,
            source_date=asked["source_date"] or None,
            **common,
        ).check()
    ]
