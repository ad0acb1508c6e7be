"""The report of a verification (验证结果): one Check per fact, then MATCH or MISMATCH."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    skipped: bool = False  # could not be checked (a file is missing)

    def line(self) -> str:
        mark = "SKIP" if self.skipped else ("PASS" if self.ok else "FAIL")
        return f"{mark}  {self.name}: {self.detail}"


@dataclass
class Verification:
    record_path: Path
    draw_id: str | None = None
    status: str | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed (skipped checks do not fail a draw)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def lines(self) -> list[str]:
        """One line per check, then MATCH or MISMATCH: what `shuangsui verify` prints."""
        return [c.line() for c in self.checks] + ["MATCH" if self.ok else "MISMATCH"]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def add(self, name: str, ok: bool, detail: str, skipped: bool = False) -> Check:
        c = Check(name, ok, detail, skipped)
        self.checks.append(c)
        return c


def short(h: str | None) -> str:
    return f"{h[:16]}…" if isinstance(h, str) and len(h) > 16 else repr(h)


def read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as e:
        return None, f"cannot read {path}: {e.strerror or e}"


def decode(data: bytes, path: Path) -> tuple[str | None, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, f"{path.name} is not UTF-8 (byte {e.start})"


def summary(problems: list[str]) -> str:
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more
