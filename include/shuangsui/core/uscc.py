"""The unified social credit code (统一社会信用代码, USCC), GB 32100-2015.

18 characters from a 31-character alphabet (digits and upper-case letters without
I, O, Z, S, V). The 18th is a check digit over the first 17 with weights 3^i mod 31.
"""

from __future__ import annotations

import re

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门代码 (1 char) + 机构类别代码 (1 char) + 登记管理机关行政区划码 (6 digits)
# + 主体标识码 (9 chars, organization code) + check digit.
PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKUP = np.full(256, -1, dtype=np.int64)
for _c, _i in _VALUE.items():
    _LOOKUP[ord(_c)] = _i


def check_digit(first17: str) -> str:
    """The check character for the first 17 characters of a USCC."""
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True if code has the USCC format and a correct check digit."""
    return bool(PATTERN.match(code or "")) and check_digit(code[:17]) == code[17]


def problem(code: str) -> str | None:
    """Why code is not a valid USCC, in words a clerk can act on; None if it is valid."""
    if not isinstance(code, str) or not code:
        return "USCC is empty"
    if len(code) != 18:
        return f"USCC must have 18 characters, has {len(code)}"
    if not PATTERN.match(code):
        return "USCC has characters outside GB 32100-2015 (no I, O, Z, S, V; digits 3-8)"
    expected = check_digit(code[:17])
    if expected != code[17]:
        return f"check digit should be {expected}"
    return None


def valid_mask(codes) -> np.ndarray:
    """Vectorized is_valid over a sequence of strings (10^6 codes in well under a second)."""
    return format_and_valid(codes)[1]


def format_and_valid(codes) -> tuple[np.ndarray, np.ndarray]:
    """For each of codes: is it a string PATTERN matches; is it a valid USCC (is_valid).
    Both from one pass of the regular expression."""
    codes = np.asarray(codes, dtype=object)
    out = np.zeros(len(codes), dtype=bool)
    fmt = np.fromiter(
        (isinstance(c, str) and PATTERN.match(c) is not None for c in codes),
        dtype=bool,
        count=len(codes),
    )
    if fmt.any():
        joined = "".join(codes[fmt]).encode("ascii")
        chars = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)].reshape(-1, 18)
        total = chars[:, :17] @ np.asarray(WEIGHTS, dtype=np.int64)
        out[fmt] = (31 - total % 31) % 31 == chars[:, 17]
    return fmt, out
