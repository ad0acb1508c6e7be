"""Annual inspection plans (年度监督检查计划), one per year and 科室 (第七条(一)(三)(四)).

A plan states the planned units, the rounds (>= 3 random draws a year), the share of
planned units that must come from random draws (>= 30%), the key share of every draw
(>= 50%), how often a unit may be drawn in a year per risk class (default once), the
team size and the public random source (公开随机源) its scheduled draws name: always the
source's first draw at least sources.MARGIN after commit. Loaded from a file or the
trigger form; every change is audited."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from shuangsui import audit, db
from shuangsui.core.reference import DEPARTMENTS, LIVE, RISK_CLASSES
from shuangsui.draw import sources

MIN_ROUNDS, MIN_RANDOM_SHARE, MIN_KEY_SHARE, MIN_TEAM = 3, 0.30, 0.50, 2
DEFAULT_SOURCE = "fc3d"  # 福彩3D


class PlanInvalid(ValueError):
    """A plan that breaks the rules; the message names the field and the rule."""


@dataclass
class Plan:
    year: int
    department: str
    planned_units: int
    rounds: int = MIN_ROUNDS
    random_share: float = MIN_RANDOM_SHARE
    key_share: float = MIN_KEY_SHARE
    frequency: dict[str, int] = field(default_factory=lambda: {c: 1 for c in RISK_CLASSES})
    team_size: int = MIN_TEAM
    # The kind of public random source (sources.GAMES) a round's draws name: its first
    # draw at least sources.MARGIN after the commit.
    source: str = DEFAULT_SOURCE

    def check(self) -> Plan:
        where = f"plan {self.year} {self.department}"
        if self.department not in DEPARTMENTS:
            raise PlanInvalid(f"{where}: unknown 科室; known: {'、'.join(DEPARTMENTS)}")
        if self.planned_units < 1:
            raise PlanInvalid(f"{where}: planned_units must be at least 1")
        if self.rounds < MIN_ROUNDS:
            raise PlanInvalid(f"{where}: rounds {self.rounds} < 3 (第七条(四): 每年不少于三次)")
        if self.random_share < MIN_RANDOM_SHARE or self.random_share > 1:
            raise PlanInvalid(
                f"{where}: random_share {self.random_share} must be between "
                f"0.30 and 1 (第七条(三): 不低于年度计划的30%)"
            )
        if self.key_share < MIN_KEY_SHARE or self.key_share > 1:
            raise PlanInvalid(
                f"{where}: key_share {self.key_share} must be between 0.50 "
                f"and 1 (第七条(三): 重点企业数不低于50%)"
            )
        if self.team_size < MIN_TEAM:
            raise PlanInvalid(
                f"{where}: team_size {self.team_size} < 2 "
                f"(行政处罚法 第四十二条: 执法人员不得少于两人)"
            )
        unknown = set(self.frequency) - set(RISK_CLASSES)
        if unknown or any(int(v) < 1 for v in self.frequency.values()):
            raise PlanInvalid(f"{where}: frequency must map risk classes A-D to at least 1")
        if self.source not in sources.kinds():
            demo = " (demo only with SHUANGSUI_DEMO_SOURCE=1)" if self.source == "demo" else ""
            raise PlanInvalid(
                f"{where}: source {self.source!r} is not a public random source (公开随机源) "
                f"a draw may name{demo}; one of {'、'.join(sources.kinds())}"
            )
        self.frequency = {c: int(self.frequency.get(c, 1)) for c in RISK_CLASSES}
        return self

    @property
    def random_units(self) -> int:
        """Units to draw at random over the year: ceil(planned * random_share)."""
        return math.ceil(round(self.planned_units * self.random_share, 9))

    def units_for_round(self, round_no: int) -> int:
        """An even split of the year's random units over the rounds; early rounds take
        the remainder, so the year adds up exactly."""
        base, extra = divmod(self.random_units, self.rounds)
        return base + (1 if round_no <= extra else 0)


def _frequency(text) -> dict[str, int]:
    """'A:1;B:1;C:2;D:3' or a JSON object -> {'A': 1, ...}."""
    if isinstance(text, dict):
        return {str(k).upper(): int(v) for k, v in text.items()}
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return {c: 1 for c in RISK_CLASSES}
    text = str(text).strip()
    if text.startswith("{"):
        return _frequency(json.loads(text))
    pairs = [p.split(":") for p in text.replace("；", ";").replace("：", ":").split(";") if p]
    return {k.strip().upper(): int(v) for k, v in pairs}


COLUMNS = {
    "year": ("年度",),
    "department": ("科室",),
    "planned_units": ("计划检查户数",),
    "rounds": ("抽查次数",),
    "random_share": ("随机抽查比例",),
    "key_share": ("重点企业比例",),
    "frequency": ("抽查频次",),
    "team_size": ("每组人数",),
    "source": ("公开随机源",),
}


def read_plans(path: Path) -> list[Plan]:
    """Plans from a CSV/.xlsx (English or Chinese headers) or a JSON list."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        from shuangsui.intake.landing import decode

        if path.suffix.lower() == ".xlsx":
            df = pd.read_excel(path, dtype=str)
        else:
            import io

            df = pd.read_csv(io.StringIO(decode(path.read_bytes(), str(path))[0]), dtype=str)
        rename = {
            h: c
            for c, aliases in COLUMNS.items()
            for h in df.columns
            if h.strip() == c or h.strip() in aliases
        }
        df = df.rename(columns=rename)
        rows = df.to_dict("records")
    plans = []
    for n, r in enumerate(rows, 2):
        try:
            plans.append(from_dict(r))
        except (KeyError, ValueError, TypeError) as e:
            raise PlanInvalid(f"{path.name} row {n}: {e}") from None
    return plans


def _value(r: dict, key: str, conv, default=None):
    v = r.get(key)
    text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
    if text == "":
        if default is None:
            raise KeyError(f"{key} is required")
        return default
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return conv(text)


def _source(v) -> str:
    """A source kind ('fc3d') or its public name ('福彩3D'); empty: the default."""
    text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
    if text == "":
        return DEFAULT_SOURCE
    by_name = {g.name: g.kind for g in sources.GAMES.values()}
    return by_name.get(text, text.lower())


def from_dict(r: dict) -> Plan:
    """A checked plan from a row of a file or the trigger form (30% or 0.3 both work)."""
    return Plan(
        year=_value(r, "year", int),
        department=str(r["department"]).strip(),
        planned_units=_value(r, "planned_units", int),
        rounds=_value(r, "rounds", int, MIN_ROUNDS),
        random_share=_value(r, "random_share", float, MIN_RANDOM_SHARE),
        key_share=_value(r, "key_share", float, MIN_KEY_SHARE),
        frequency=_frequency(r.get("frequency")),
        team_size=_value(r, "team_size", int, MIN_TEAM),
        source=_source(r.get("source")),
    ).check()


def _columns(p: Plan) -> dict:
    """The plan as annual_plan stores it: its kind of public source in public_source (the
    table's `source` says where the plan came from)."""
    row = asdict(p)
    row["public_source"] = row.pop("source")
    return {**row, "frequency": json.dumps(p.frequency, sort_keys=True)}


def save(engine: Engine, plans: list[Plan], *, source: str, actor: str, now: dt.datetime) -> int:
    """Store plans (a plan replaces the same year and 科室's), each change audited.
    `source`: where the plans came from (a file, or the form of a run)."""
    t = db.annual_plan
    changed = 0
    with engine.begin() as conn:
        for p in plans:
            p.check()
            columns = _columns(p)
            old = conn.execute(
                select(t).where(t.c.year == p.year, t.c.department == p.department)
            ).first()
            if old and all(getattr(old, k) == v for k, v in columns.items()):
                continue
            row = {**columns, "source": source, "updated_at": now}
            if old:
                conn.execute(
                    t.update().where(t.c.year == p.year, t.c.department == p.department).values(row)
                )
            else:
                conn.execute(t.insert().values(row))
            event = {k: v for k, v in asdict(p).items() if k != "source"}
            audit.record(
                conn,
                "plan.saved",
                {**event, "public_source": p.source, "source": source, "replaced": bool(old)},
                actor=actor,
                entity="annual_plan",
                entity_key=f"{p.year}/{p.department}",
                now=now,
            )
            changed += 1
    return changed


def load(conn: Connection, year: int, department: str | None = None) -> list[Plan]:
    """The stored plans of a year (of one 科室, if given)."""
    t = db.annual_plan
    q = select(t).where(t.c.year == year).order_by(t.c.department)
    if department:
        q = q.where(t.c.department == department)
    return [
        Plan(
            r.year,
            r.department,
            r.planned_units,
            r.rounds,
            r.random_share,
            r.key_share,
            json.loads(r.frequency),
            r.team_size,
            r.public_source,
        )
        for r in conn.execute(q)
    ]


def year_progress(conn: Connection, year: int, department: str) -> dict | None:
    """The plan's yearly >= 30%: distinct units drawn at random this year vs planned."""
    plan = next(iter(load(conn, year, department)), None)
    if plan is None:
        return None
    s, d = db.draw_selection, db.draw
    drawn = conn.execute(
        select(func.count(func.distinct(s.c.uscc)))
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.year == year, d.c.department == department, d.c.status.in_(LIVE))
    ).scalar_one()
    return {
        "drawn": drawn,
        "planned": plan.planned_units,
        "share": drawn / plan.planned_units,
        "target": plan.random_share,
    }
