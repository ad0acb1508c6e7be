"""Annual inspection plans (年度监督检查计划), one per year and 科室 (第七条(一)(三)(四)).

A plan states the planned units, the rounds (>= 3 random draws a year), the share of
planned units that must come from random draws (>= 30%), the key share of every draw
(>= 50%), how often a unit may be drawn in a year per risk class (default once), the
team size and the public random source (公开随机源) its scheduled draws name: always the
source's first draw at least sources.MARGIN after commit. Read from the trigger form
(from_dict) or a file (plan_file.read_plans, with the same cell reading and rules); stored
and loaded here, every change audited.

Every field is bounded, so a slip of the keyboard is refused where it was made instead of
being stored: the year lies within the rules' life (from FIRST_YEAR, when 淄高新安监发
〔2017〕5号 took effect, to next year by the China date), the counts within what a bureau
can plan, the shares between their minimum and 100%. Cells are read as the intake reads
them: full-width (全角) digits and signs made half-width."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from shuangsui import audit, db
from shuangsui.core.clock import china_date, china_today
from shuangsui.core.reference import DEPARTMENTS, LIVE, RISK_CLASSES
from shuangsui.draw import sources
from shuangsui.intake import normalize

MIN_ROUNDS, MIN_RANDOM_SHARE, MIN_KEY_SHARE, MIN_TEAM = 3, 0.30, 0.50, 2
# 淄高新安监发〔2017〕5号 took effect on its issue, 2017-03-06 (第十条): no plan before it.
FIRST_YEAR = 2017
MAX_UNITS = 10**7  # a province's market entities (~10^7): no bureau plans more
MAX_ROUNDS = 12  # a draw a month; also the most a unit can be drawn in a year
MAX_TEAM = 10  # a team on site; the roster is ~10^2 inspectors
DEFAULT_SOURCE = "fc3d"  # 福彩3D

Problem = tuple[str, str]  # (field, what is wrong with it)


class PlanInvalid(ValueError):
    """A plan that breaks the rules; one line per problem, each naming where (file, row and
    column; or the plan and field) and the rule."""


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

    def problems(self, today: dt.date | None = None) -> list[Problem]:
        """What breaks the rules, field by field; `today`: the China date the year is
        judged by (default: today)."""
        rules = _rules(today or china_today())
        return [(k, wrong) for k, rule in rules.items() if (wrong := rule(getattr(self, k)))]

    def check(self, today: dt.date | None = None) -> Plan:
        """The plan, if it keeps every rule; else PlanInvalid naming each problem."""
        if problems := self.problems(today):
            where = f"plan {self.year} {self.department}"
            raise PlanInvalid("\n".join(f"{where}, {LABELS[k]} ({k}): {w}" for k, w in problems))
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


# The fields as a file heads them: the canonical name, or the Chinese header (the first).
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
LABELS = {k: aliases[0] for k, aliases in COLUMNS.items()}
REQUIRED = ("year", "department", "planned_units")


# --- the rules, one per field: what is wrong with a value, or None ----------------------


def _rules(today: dt.date) -> dict[str, Callable[[Any], str | None]]:
    last = today.year + 1
    return {
        "year": lambda v: _whole_in(
            v,
            FIRST_YEAR,
            last,
            f"plans start in {FIRST_YEAR}, when 淄高新安监发〔2017〕5号 took effect (第十条), "
            f"and reach at most next year; today is {today} in China",
        ),
        "department": _department_rule,
        "planned_units": lambda v: _whole_in(
            v, 1, MAX_UNITS, "at most a province's market entities"
        ),
        "rounds": lambda v: _whole_in(
            v, MIN_ROUNDS, MAX_ROUNDS, "第七条(四): 每年不少于三次; at most a draw a month"
        ),
        "random_share": lambda v: _share_in(v, MIN_RANDOM_SHARE, "第七条(三): 不低于年度计划的30%"),
        "key_share": lambda v: _share_in(v, MIN_KEY_SHARE, "第七条(三): 重点企业数不低于50%"),
        "frequency": _frequency_rule,
        "team_size": lambda v: _whole_in(
            v, MIN_TEAM, MAX_TEAM, "行政处罚法 第四十二条: 执法人员不得少于两人"
        ),
        "source": _source_rule,
    }


def _whole_in(v, lo: int, hi: int, why: str) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int):
        return f"{_show(v)} is not a whole number"
    if lo <= v <= hi:
        return None
    return f"must be from {lo} to {hi}, not {v} ({why})"


def _share_in(v, lo: float, why: str) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return f"{_show(v)} is not a share; write 30% or 0.3"
    if lo <= v <= 1:
        return None
    if v > 1:
        shown = f"{v:g}" + (f"; for a percentage write {v:g}%" if v <= 100 else "")
    else:
        shown = f"{v * 100:g}%"
    return f"must be from {lo:.0%} to 100%, not {shown} ({why})"


def _department_rule(v) -> str | None:
    if v in DEPARTMENTS:
        return None
    return f"unknown 科室 {_show(v)}; known: {'、'.join(DEPARTMENTS)}"


def _frequency_rule(v) -> str | None:
    if not isinstance(v, dict):
        return f"{_show(v)} is not a count per risk class, like A:1;B:1;C:1;D:2"
    unknown = sorted(str(k) for k in v if k not in RISK_CLASSES)
    if unknown:
        return (
            f"unknown risk class {'、'.join(unknown)}; the classes are "
            f"{'、'.join(RISK_CLASSES)}, as in A:1;B:1;C:1;D:2"
        )
    wrong = {k: n for k, n in v.items() if _whole_in(n, 1, MAX_ROUNDS, "")}
    if wrong:
        return (
            f"a unit is drawn from 1 to {MAX_ROUNDS} times a year (at most once a draw), "
            f"not {';'.join(f'{k}:{n}' for k, n in wrong.items())}"
        )
    return None


def _source_rule(v) -> str | None:
    if v in sources.kinds():
        return None
    demo = " (demo only with SHUANGSUI_DEMO_SOURCE=1)" if v == "demo" else ""
    return (
        f"source {v!r} is not a public random source (公开随机源) a draw may name{demo}; "
        f"one of {'、'.join(sources.kinds())}"
    )


def _show(v) -> str:
    text = v if isinstance(v, str) else repr(v)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


# --- reading a cell: text to a value ------------------------------------------------------

# ASCII digits only ([0-9], not \d): full-width digits are made half-width first, and
# other scripts' digits are not what a clerk means.
_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _cell(v: Any) -> Any:
    """A cell's value, None when blank; text as the intake normalizes short values
    (normalize.plain: half-width, no spaces)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return normalize.plain(pd.Series([v], dtype=object)).iloc[0]
    return v


def blank(v: Any) -> bool:
    """Whether a cell or form value is empty: None, NaN or only spaces."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _whole(v) -> int:
    """12, '12', '12.0' (an Excel number cell); not 12.5, '1e3' or '1,000'."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if not isinstance(v, str) or not _WHOLE.fullmatch(v):
        raise ValueError(f"{_show(v)} is not a whole number")
    if len(v) > 1000:  # beyond any bound, and beyond what int() reads
        raise ValueError(f"{_show(v)} is far too large")
    return int(v.split(".")[0])


def _share(v) -> float:
    """0.3, '0.3' or '30%'."""
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    number = v[:-1] if isinstance(v, str) and v.endswith("%") else v
    if not isinstance(v, str) or not _DECIMAL.fullmatch(number) or len(number) > 100:
        raise ValueError(f"{_show(v)} is not a share; write 30% or 0.3")
    return float(number) / 100 if number != v else float(number)


def _frequency(v) -> dict[str, int]:
    """'A:1;B:1;C:2;D:3', a JSON object or a dict -> {'A': 1, ...} (classes not named: 1)."""
    if isinstance(v, str) and v.startswith("{"):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            raise ValueError(f"{_show(v)} is not a JSON object of risk classes") from None
    if isinstance(v, dict):
        pairs = [(str(k), n) for k, n in v.items()]
    else:
        parts = [p for p in re.split(r"[;,、]", str(v)) if p]
        if not all(p.count(":") == 1 for p in parts):
            raise ValueError(f"{_show(v)} is not a count per risk class, like A:1;B:1;C:1;D:2")
        pairs = [(k, n) for k, n in (p.split(":") for p in parts)]
    out = {}
    for k, n in pairs:
        try:
            out[k.strip().upper()] = _whole(n)
        except ValueError:
            raise ValueError(f"{_show(v)}: the count of {k} is not a whole number") from None
    return out


def _source(v) -> str:
    """A source kind ('fc3d') or its public name ('福彩3D')."""
    by_name = {g.name: g.kind for g in sources.GAMES.values()}
    text = str(v)
    return by_name.get(text, text.lower())


_PARSE: dict[str, Callable[[Any], Any]] = {
    "year": _whole,
    "department": str,
    "planned_units": _whole,
    "rounds": _whole,
    "random_share": _share,
    "key_share": _share,
    "frequency": _frequency,
    "team_size": _whole,
    "source": _source,
}


def _defaults() -> dict[str, Any]:
    """What a blank optional cell means: the rules' minimum, once a year, 福彩3D."""
    return {
        "rounds": MIN_ROUNDS,
        "random_share": MIN_RANDOM_SHARE,
        "key_share": MIN_KEY_SHARE,
        "frequency": {c: 1 for c in RISK_CLASSES},
        "team_size": MIN_TEAM,
        "source": DEFAULT_SOURCE,
    }


def parse_fields(row: dict[str, Any], today: dt.date) -> tuple[dict[str, Any], list[Problem]]:
    """A plan's fields from a row keyed by field: read, defaults filled, and what is wrong
    with each (an unreadable cell, a broken rule)."""
    rules, defaults = _rules(today), _defaults()
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, parse in _PARSE.items():
        v = _cell(row.get(key))
        if v is None:
            if key in REQUIRED:
                problems.append((key, "the cell is empty; it is required"))
            else:
                values[key] = defaults[key]
            continue
        try:
            values[key] = parse(v)
        except ValueError as e:
            problems.append((key, str(e)))
            continue
        if wrong := rules[key](values[key]):
            problems.append((key, wrong))
    return values, problems


def canonical(header: Any) -> str | None:
    """The field a header or key names (canonical, any case, or the Chinese header), or None."""
    h = str(header).replace("\ufeff", "").strip().replace(" ", "")
    for key, aliases in COLUMNS.items():
        if h.lower() == key or h in aliases:
            return key
    return None


def by_field(item: dict) -> tuple[dict[str, Any], dict[str, str]]:
    """A dict keyed by English or Chinese names -> (values by field, name as written)."""
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, v in item.items():
        key = canonical(name)
        if key and key not in values:
            values[key], names[key] = v, str(name)
    return values, names


def from_dict(r: dict, today: dt.date | None = None) -> Plan:
    """A checked plan from the trigger form (30% or 0.3 both work); `today`: the China date
    the year is judged by (default: today)."""
    today = today or china_today()
    values, problems = parse_fields(by_field(r)[0], today)
    if problems:
        named = (str(r.get(k)) for k in ("year", "department") if not blank(r.get(k)))
        where = " ".join(["plan", *named])
        raise PlanInvalid("\n".join(f"{where}, {LABELS[k]} ({k}): {w}" for k, w in problems))
    return Plan(**values).check(today)


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
            p.check(china_date(now))
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
