"""Public random sources (公开随机源): the future public value mixed into a draw's seed.

A draw is committed before its seed can be known (RFC 3797's idea): the commitment names
one future draw of a public lottery — its game and its China date — and publishes it with
the frozen pool and SHA-256(secret). Nobody, the bureau included, knows that draw's result
at commit; once it is announced, a clerk enters it, a second person confirms it, and
only then is the draw performed with seed = SHA-256(secret | source id | value).

The lotteries draw once a day at a fixed China time (福彩3D 21:15, 体彩排列三 and 排列五
21:25, as announced by 中国福利彩票 and 中国体育彩票). If no draw is held that day (the
Spring Festival break), the commitment is abandoned (作废) with that reason, its secret
revealed, and a new draw is committed.

The `demo` source exists only for `make demo` and tests (SHUANGSUI_DEMO_SOURCE=1): its
"draw" is 20 seconds after commit and its value is whatever six digits are entered;
everything shows it as 演示."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from shuangsui.core.clock import CHINA, china_date, to_utc_naive


class SourceRefused(Exception):
    """The named source is unusable: unknown, or its value could already be known."""


@dataclass(frozen=True)
class Game:
    kind: str
    name: str  # as the public knows it
    digits: int  # the value: this many decimal digits
    at: dt.time | None  # the daily draw time, China time (None: demo, 20 s after commit)


GAMES = {
    g.kind: g
    for g in (
        Game("fc3d", "福彩3D", 3, dt.time(21, 15)),
        Game("pl3", "体彩排列三", 3, dt.time(21, 25)),
        Game("pl5", "体彩排列五", 5, dt.time(21, 25)),
        Game("demo", "演示随机源", 6, None),
    )
}
DEMO_DELAY = dt.timedelta(seconds=int(os.environ.get("SHUANGSUI_DEMO_SOURCE_DELAY", "20")))
# The value must not be knowable when the commitment is published: the source's draw is
# at least this long after commit.
MARGIN = dt.timedelta(minutes=10)


def kinds() -> list[str]:
    """The kinds a draw may name here (demo only when enabled)."""
    return [k for k in GAMES if k != "demo" or demo_enabled()]


def demo_enabled() -> bool:
    return os.environ.get("SHUANGSUI_DEMO_SOURCE", "0") == "1"


def name_source(kind: str, committed_at: dt.datetime, on: dt.date | None = None) -> dict:
    """The source a draw committed at `committed_at` (naive UTC) names: the game's draw on
    China day `on`, or its first draw after commit (at least MARGIN later). Refused when
    that draw's result could already be known."""
    game = GAMES.get(kind)
    if game is None or kind not in kinds():
        raise SourceRefused(f"未知的公开随机源 {kind!r}（可用：{'、'.join(kinds())}）")
    if game.at is None:
        due = committed_at + DEMO_DELAY
        ident = f"{game.kind}:{due.isoformat()}Z"
        label = f"{game.name}（{due.isoformat()}Z，仅用于演示）"
    else:
        day = on or china_date(committed_at)
        due = to_utc_naive(dt.datetime.combine(day, game.at, tzinfo=CHINA))
        if on is None and due < committed_at + MARGIN:
            day = day + dt.timedelta(days=1)
            due = to_utc_naive(dt.datetime.combine(day, game.at, tzinfo=CHINA))
        ident = f"{game.kind}:{day.isoformat()}"
        label = f"{day.year}年{day.month}月{day.day}日{game.name}开奖号码"
    if due < committed_at + (MARGIN if game.at else DEMO_DELAY):
        raise SourceRefused(
            f"{label}开奖时间已过或不足 {int(MARGIN.total_seconds() // 60)} 分钟，"
            "承诺时其结果可能已知，不能使用 (the source's value may be known at commit)"
        )
    return {
        "kind": game.kind,
        "name": game.name,
        "id": ident,
        "label": label,
        "due_at": due.isoformat() + "Z",
        "digits": game.digits,
    }


def check_value(source: dict, value: str) -> str:
    """The entered value in its one canonical form (digits, no separators); ValueError
    naming what is wrong."""
    text = re.sub(r"[\s,，、\-]", "", value or "")
    digits = source["digits"]
    if not re.fullmatch(rf"[0-9]{{{digits}}}", text):
        raise ValueError(
            f"{source['label']}应为 {digits} 位数字，录入的是 {value!r} (expected {digits} digits)"
        )
    return text
