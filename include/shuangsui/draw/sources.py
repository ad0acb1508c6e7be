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

A public randomness beacon (公开随机信标) is the automatic source: a server publishing,
every `period` seconds from its `genesis`, a numbered round of randomness (drand's HTTP
API: GET {base}/info, GET {base}/public/{round} → {"round", "randomness", "signature"},
randomness = SHA-256(signature)). The commitment names the first round due at least
`margin` after commit; once due, the round is fetched, checked and recorded, no person in
between. Anyone can fetch the same round from the beacon and compare.

The `demo` source exists only for `make demo` and tests (SHUANGSUI_DEMO_SOURCE=1): its
"draw" is 20 seconds after commit and its value is whatever six digits are entered;
everything shows it as 演示."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import urllib.error
import urllib.request
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
        Game("beacon", "公开随机信标", 64, None),
        Game("demo", "演示随机源", 6, None),
    )
}
HEX64 = re.compile(r"[0-9a-f]{64}")
DEMO_DELAY = dt.timedelta(seconds=int(os.environ.get("SHUANGSUI_DEMO_SOURCE_DELAY", "20")))
# The value must not be knowable when the commitment is published: the source's draw is
# at least this long after commit.
MARGIN = dt.timedelta(minutes=10)


def kinds() -> list[str]:
    """The kinds a draw may name here (demo only when enabled)."""
    return [k for k in GAMES if k != "demo" or demo_enabled()]


def demo_enabled() -> bool:
    return os.environ.get("SHUANGSUI_DEMO_SOURCE", "0") == "1"


@dataclass(frozen=True)
class Beacon:
    """A randomness beacon as its /info describes it: round n is published at
    genesis + (n - 1) * period (unix seconds)."""

    base_url: str  # e.g. http://127.0.0.1:8080 or https://api.drand.sh/<chain hash>
    chain: str  # the chain's hash (its identity)
    period: int  # seconds between rounds
    genesis: int  # unix seconds of round 1
    margin: int = int(MARGIN.total_seconds())  # seconds between commit and the round

    @classmethod
    def from_info(cls, base_url: str, info: dict, margin: int | None = None) -> Beacon:
        try:
            period, genesis = int(info["period"]), int(info["genesis_time"])
            chain = str(info.get("hash") or info.get("chain_hash") or "")
        except (KeyError, TypeError, ValueError) as e:
            raise SourceRefused(f"公开随机信标 {base_url} 的 /info 无法识别：{e!r}") from e
        if period < 1 or not chain:
            raise SourceRefused(f"公开随机信标 {base_url} 的 /info 缺少周期或链标识")
        return cls(
            base_url.rstrip("/"),
            chain,
            period,
            genesis,
            int(MARGIN.total_seconds()) if margin is None else margin,
        )

    def round_at(self, moment: dt.datetime) -> int:
        """The first round published at or after `moment` (naive UTC)."""
        t = moment.replace(tzinfo=dt.UTC).timestamp()
        return max(1, 1 + math.ceil((t - self.genesis) / self.period))

    def due(self, round_no: int) -> dt.datetime:
        """When round `round_no` is published (naive UTC)."""
        t = self.genesis + (round_no - 1) * self.period
        return dt.datetime.fromtimestamp(t, dt.UTC).replace(tzinfo=None)


def fetch_json(url: str, timeout: float = 10) -> dict | None:
    """GET a beacon URL: its JSON, or None while the round is not published (404/425)."""
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        if e.code in (404, 425):
            return None
        raise


def beacon_source(beacon: Beacon, committed_at: dt.datetime) -> dict:
    """The beacon round a draw committed at `committed_at` names: the first one due at
    least the beacon's margin later."""
    round_no = beacon.round_at(committed_at + dt.timedelta(seconds=beacon.margin))
    due = beacon.due(round_no)
    return {
        "kind": "beacon",
        "name": GAMES["beacon"].name,
        "id": f"beacon:{beacon.chain}:{round_no}",
        "label": f"公开随机信标（链 {beacon.chain[:12]}…）第 {round_no} 轮",
        "due_at": due.isoformat() + "Z",
        "digits": GAMES["beacon"].digits,
        "round": round_no,
        "chain": beacon.chain,
        "url": f"{beacon.base_url}/public/{round_no}",
        "automatic": True,
    }


def beacon_value(source: dict, payload: dict) -> str:
    """The randomness of the round the draw named, checked: the right round, 64 hex
    digits, and SHA-256 of the round's signature (drand's rule) when it carries one."""
    if int(payload.get("round", -1)) != source["round"]:
        raise ValueError(
            f"{source['label']}：信标返回的是第 {payload.get('round')!r} 轮 "
            f"(expected round {source['round']})"
        )
    value = str(payload.get("randomness") or "").lower()
    if not HEX64.fullmatch(value):
        raise ValueError(f"{source['label']}：随机数应为 64 位十六进制，收到 {value!r}")
    signature = payload.get("signature")
    if signature and hashlib.sha256(bytes.fromhex(signature)).hexdigest() != value:
        raise ValueError(
            f"{source['label']}：随机数不是其签名的 SHA-256 "
            "(randomness != SHA-256(signature): not this beacon's round)"
        )
    return value


def name_source(
    kind: str, committed_at: dt.datetime, on: dt.date | None = None, beacon: Beacon | None = None
) -> dict:
    """The source a draw committed at `committed_at` (naive UTC) names: the game's draw on
    China day `on`, or its first draw after commit (at least MARGIN later); for the beacon,
    its first round due at least its margin later. Refused when that value could already
    be known."""
    game = GAMES.get(kind)
    if game is None or kind not in kinds():
        raise SourceRefused(f"未知的公开随机源 {kind!r}（可用：{'、'.join(kinds())}）")
    if kind == "beacon":
        if beacon is None:
            raise SourceRefused(
                "未配置公开随机信标（Airflow 连接 shuangsui_beacon），不能使用信标 "
                "(no beacon configured)"
            )
        return beacon_source(beacon, committed_at)
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
    if source["kind"] == "beacon":
        text = (value or "").strip().lower()
        if not HEX64.fullmatch(text):
            raise ValueError(f"{source['label']}应为 64 位十六进制，录入的是 {value!r}")
        return text
    text = re.sub(r"[\s,，、\-]", "", value or "")
    digits = source["digits"]
    if not re.fullmatch(rf"[0-9]{{{digits}}}", text):
        raise ValueError(
            f"{source['label']}应为 {digits} 位数字，录入的是 {value!r} (expected {digits} digits)"
        )
    return text
