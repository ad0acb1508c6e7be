"""The report of a verification (验证结果): one Check per fact, then MATCH, PARTIAL MATCH
(some facts could not be checked, and the report says which and why) or MISMATCH."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    skipped: bool = False  # could not be checked at all (a file is missing): detail says why
    unchecked: str = ""  # the part that could not be checked, and why; "" if none

    def line(self) -> str:
        """FAIL, SKIP (not checked), PART (passed as far as it could be checked) or PASS."""
        if not self.ok:
            return f"FAIL  {self.name}: {self.detail}"
        if self.skipped:
            return f"SKIP  {self.name}: {self.detail}"
        if self.unchecked:
            return f"PART  {self.name}: {self.detail}; not checked: {self.unchecked}"
        return f"PASS  {self.name}: {self.detail}"


@dataclass
class Verification:
    record_path: Path
    draw_id: str | None = None
    status: str | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed (skipped checks do not fail a draw; see `complete`)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def complete(self) -> bool:
        """True when every check passed in full: nothing skipped, nothing left unchecked."""
        return self.ok and not self.not_checked()

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def not_checked(self) -> list[Check]:
        """The checks skipped or done in part, whose lines say why."""
        return [c for c in self.checks if c.skipped or c.unchecked]

    def outcome(self) -> str:
        """MISMATCH if a check failed; MATCH only if every check was made in full; else
        PARTIAL MATCH: what was checked matches, the rest could not be checked."""
        if not self.ok:
            return "MISMATCH"
        return "PARTIAL MATCH" if self.not_checked() else "MATCH"

    def lines(self) -> list[str]:
        """What `shuangsui verify` prints: one line per check, then the outcome (MATCH,
        PARTIAL MATCH after a line naming what was not checked, or MISMATCH)."""
        out = [c.line() for c in self.checks]
        partly = self.not_checked()
        if self.ok and partly:
            names = ", ".join(c.name + (" (in part)" if c.unchecked else "") for c in partly)
            out.append(f"not checked: {names} — see the SKIP and PART lines")
        return [*out, self.outcome()]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def add(
        self, name: str, ok: bool, detail: str, skipped: bool = False, unchecked: str = ""
    ) -> Check:
        c = Check(name, ok, detail, skipped, unchecked)
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
