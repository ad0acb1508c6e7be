"""Hashing (哈希): SHA-256 as lowercase hex, and the canonical JSON that records, audit
payloads and publications are hashed in, written once so every reader hashes alike."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def sha256_hex(text: str) -> str:
    """SHA-256 of UTF-8 text, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of bytes, lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any, *, compact: bool = True) -> str:
    """Sorted keys, UTF-8 text (no \\u escapes). compact: no spaces (audit payloads);
    otherwise json.dumps' default separators (the form draw records and publications
    have always been hashed in, kept so old hashes still check)."""
    if compact:
        return json.dumps(
            obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
        )
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def json_sha256(obj: Any) -> str:
    """SHA-256 of a value's canonical JSON (json.dumps' separators, sorted keys)."""
    return sha256_hex(canonical_json(obj, compact=False))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are built (a
    10^6-unit pool): it would rescan them again and again, more than doubling the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
