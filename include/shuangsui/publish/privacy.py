"""Privacy (R10, 第四条(三)): what of a result and of a draw's record may be published — by
whitelist, so a new key is never published by accident — and the scan that nothing private
leaves in a published file: no email, no mobile or fixed phone number (the bureau's public
phone excepted), no resident id number (居民身份证号码, GB 11643 check digit verified, so USCCs
do not count), and, given the business database, no inspector's email or phone in it
however formatted. The public site is scanned before anything is written
(site.build_site); `scan_private` scans a folder."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, select

from shuangsui import config, db

# --- what may be published ------------------------------------------------------------

# The public facts of one unit's result (the publication content); nothing else passes.
CONTENT_KEYS = (
    "draw_id",
    "kind",
    "department",
    "inspecting_body",
    "uscc",
    "name",
    "industry",
    "address",
    "started_on",
    "ended_on",
    "items",
    "outcome",
    "rectification",
    "serious",
    "penalty_ref",
    "decided_on",
    "inspectors",
    "version",
    "published_on",
    "change_note",
)
ITEM_KEYS = ("code", "name", "outcome", "finding", "rectification", "rectified_on")
INSPECTOR_KEYS = ("name", "cert_no", "role")
# Left out of the public record.json: inspector ids per unit and the recusals (回避关系).
RECORD_OMITTED = ("teams", "current_teams", "previous_inspectors", "recusals")


def public_content(raw: dict) -> dict:
    """The whitelisted public facts of one publication's content."""
    c = {k: raw.get(k) for k in CONTENT_KEYS}
    c["items"] = [{k: i.get(k) for k in ITEM_KEYS} for i in raw.get("items") or []]
    c["inspectors"] = sorted(
        ({k: i.get(k) for k in INSPECTOR_KEYS} for i in raw.get("inspectors") or []),
        key=lambda i: i["role"] != "组长",
    )  # the lead first
    c["serious"] = bool(raw.get("serious"))
    return c


def public_record(rec: dict) -> dict:
    """record.json as published: without inspector ids per unit and recusals (回避关系),
    and without who decided. What remains still verifies the seed and the targets with
    `shuangsui verify` (the team checks are then skipped: the roster is not public)."""
    out = {k: v for k, v in rec.items() if k not in RECORD_OMITTED}
    if isinstance(out.get("decision"), dict):
        out["decision"] = {k: v for k, v in out["decision"].items() if k != "by"}
    out["public_copy"] = {
        "omitted": list(RECORD_OMITTED) + ["decision.by"],
        "reason": "公开版本：检查组（执法人员编号）与回避情况涉及个人信息和回避关系，不予公开；"
        "检查对象的抽取可用本文件和 pool.csv 完整验证。",
    }
    return out


# --- the scan --------------------------------------------------------------------------

# The checksum list a published tree carries (site.write_tree): text, without a suffix.
MANIFEST = "SHA256SUMS"
SCANNED = {".html", ".htm", ".js", ".json", ".csv", ".md", ".txt", ".py", ".svg", ".xml"}
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
MOBILE = re.compile(_B + r"(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:\d{8}|[\s-]\d{4}[\s-]\d{4})" + _E)
FIXED = re.compile(_B + r"(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}-)\d{7,8}(?:-\d{1,6})?" + _E)
RESIDENT_ID = re.compile(_B + r"(\d{6})((?:19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + _E)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: ISO 7064 MOD 11-2 check character of a resident id number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[total % 11]


def is_resident_id(text: str) -> bool:
    """An 18-digit 居民身份证号码: region, a real birth date, sequence and check digit."""
    m = RESIDENT_ID.fullmatch(text)
    if not m:
        return False
    try:
        dt.date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        return False
    return id_check_digit(text[:17]) == text[17].upper()


def _mask(s: str) -> str:
    """Enough of a value to find it, not enough to republish it in a log."""
    if "@" in s:
        local, _, dom = s.partition("@")
        return f"{local[:1]}***@{dom}"
    digits = re.sub(r"\D", "", s)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) > 7 else "****"


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s or "")


def _private_terms(engine: Engine) -> tuple[set[str], set[str]]:
    """The inspectors' emails (lower case) and phone numbers (digits) in the database."""
    emails, phones = set(), set()
    with engine.connect() as conn:
        for t in (db.inspector, db.inspector_history):
            for em, ph in conn.execute(select(t.c.email, t.c.phone)):
                if em and em.strip():
                    emails.add(em.strip().lower())
                if len(_digits(ph)) >= 7:
                    phones.add(_digits(ph))
    return emails, phones


class PrivateData(ValueError):
    """The site would publish private data (R10): nothing was written."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        more = f"\n… and {len(findings) - 20} more" if len(findings) > 20 else ""
        super().__init__(
            "R10 (第四条(三)): private data in the public site, nothing was "
            "published; fix the source data or the template:\n" + "\n".join(findings[:20]) + more
        )


class _Scanner:
    """Finds private data in published text, line by line (see scan_private)."""

    def __init__(self, engine: Engine | None = None):
        self.allowed = _digits(config.bureau()["phone"])
        emails, phones = _private_terms(engine) if engine is not None else (set(), set())
        phones.discard(self.allowed)
        self.emails = re.compile("|".join(map(re.escape, sorted(emails))), re.I) if emails else None
        self.phones = (
            re.compile(_B + "(?:" + "|".join(sorted(phones)) + ")" + _E) if phones else None
        )

    def scan(self, rel: str, text: str) -> list[str]:
        out = []
        for no, line in enumerate(text.splitlines(), 1):
            where = f"{rel}:{no}"
            found = [m.group() for m in EMAIL.finditer(line)]
            out += [f"{where}: email address {_mask(x)}" for x in found]
            if self.emails:
                out += [
                    f"{where}: inspector email {_mask(m.group())}"
                    for m in self.emails.finditer(line)
                    if not any(m.group().lower() in x.lower() for x in found)
                ]
            if not any(c.isdigit() for c in line):
                continue
            out += [
                f"{where}: mobile phone number {_mask(m.group())}" for m in MOBILE.finditer(line)
            ]
            out += [
                f"{where}: telephone number {_mask(m.group())}"
                for m in FIXED.finditer(line)
                if not _digits(m.group()).startswith(self.allowed)
            ]
            out += [
                f"{where}: resident id number (身份证号) {m.group()[:6]}********{m.group()[-4:]}"
                for m in RESIDENT_ID.finditer(line)
                if is_resident_id(m.group())
            ]
            if self.phones:
                squeezed = re.sub(r"(?<=\d)[\s\-()（）](?=\d)", "", line)
                out += [
                    f"{where}: inspector phone {_mask(m.group())}"
                    for m in self.phones.finditer(squeezed)
                ]
        return out


def _scanned(rel: str) -> bool:
    return Path(rel).suffix.lower() in SCANNED or Path(rel).name == MANIFEST


def scan_files(files: Mapping[str, bytes], engine: Engine | None = None) -> list[str]:
    """Private data in files about to be published (by path relative to the root), in path
    order, each finding once. Findings: "file:line: what"."""
    scanner = _Scanner(engine)
    findings = [
        f
        for rel, data in sorted(files.items())
        if _scanned(rel)
        for f in scanner.scan(rel, data.decode("utf-8-sig", "replace"))
    ]
    return list(dict.fromkeys(findings))


def scan_private(out_dir: str | Path, engine: Engine | None = None) -> list[str]:
    """Private data in the published files (html, js, json, csv, md, ...): emails, mobile
    and fixed phone numbers (the bureau's public phone excepted), resident id numbers
    (GB 11643 check digit verified, so USCCs do not count), and, given the database, any
    inspector email or phone in it, however formatted. Findings: "file:line: what"."""
    out_dir = Path(out_dir)
    scanner = _Scanner(engine)
    findings = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        if _scanned(rel):
            findings += scanner.scan(rel, path.read_bytes().decode("utf-8-sig", "replace"))
    return list(dict.fromkeys(findings))
