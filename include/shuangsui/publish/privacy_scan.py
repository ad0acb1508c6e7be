"""The privacy scan (R10, 第四条(三)): nothing private leaves in a published file — no email,
no mobile or fixed phone number (the bureau's public phone excepted), no resident id number
(居民身份证号码, GB 11643 check digit verified, so USCCs do not count), and, given the business
database, no inspector's email or phone in it — however written: text is matched as it
reads (normalize), so separators, invisible characters, other scripts' digits, Chinese
numerals and spelled-out addresses hide nothing, while dates, amounts, 文号, USCCs and
digests are not taken for phone numbers. The public site is scanned before anything is
written (site.build_site, with scan_files); `scan_private` scans a folder. What may be
published at all (the whitelists) is publish.privacy."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import html
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, select

from shuangsui import config, db

# The checksum list a published tree carries (site.write_tree): text, without a suffix.
MANIFEST = "SHA256SUMS"
SCANNED = {
    ".html",
    ".htm",
    ".js",
    ".json",
    ".jsonl",
    ".csv",
    ".css",
    ".md",
    ".txt",
    ".py",
    ".svg",
    ".xml",
}
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
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


# --- what a reader sees ----------------------------------------------------------------

# Text is matched as it reads, not as it is encoded: HTML character references decoded;
# full-width, circled and other compatibility forms of letters, digits, ＠ and dots to
# ASCII (NFKC, character by character); every decimal digit of any script to ASCII
# (Arabic-Indic ٠١٢…); invisible, format and combining characters dropped (zero-width
# spaces, word joiner, BOM, soft hyphen, control characters); every space to " " and
# every dash to "-"; and runs of Chinese numerals (一三八〇〇一三八〇〇〇, 零/〇, 幺 for 1)
# to digits.
_CN_DIGITS = {
    **dict.fromkeys("零〇", "0"),
    **dict.fromkeys("一幺壹", "1"),
    **dict.fromkeys("二贰貳", "2"),
    **dict.fromkeys("三叁參", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆陸", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
_CN_TABLE = str.maketrans(_CN_DIGITS)
_DASHES = {0x2212, 0x2043, 0x02D7, 0x2796}  # minus signs and the hyphen bullet (not Pd)
# What may stand between the digit groups of one number (after normalization): spaces,
# dots, slashes, dashes, underscores, brackets, commas. Their full-width forms are listed
# rather than folded: they are frequent in Chinese text, and folding costs time.
_GAP = 5  # separators at most between two groups: "(0533) - 1234567"
_SEP = r"[ \t.。·・•‧∙/\\_,、()\[\]{}〔〕【】，（）［］｛｝／＼＿\-]"
_CN = "[" + "".join(_CN_DIGITS) + "]"
_NUMERAL = "[0-9" + "".join(_CN_DIGITS) + "]"
_NUMERALS = re.compile(_NUMERAL)
_CN_ANY = re.compile(_CN)
_CN_RUN = re.compile(rf"{_NUMERAL}(?:{_SEP}{{0,{_GAP}}}{_NUMERAL})*")
_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what splitlines() splits on
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # a \r left is a &#13;
_KEEP = re.compile(r"[0-9A-Za-z@.。 ]")


def _fold_char(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    if ch == "\t" or cat in ("Zs", "Zl", "Zp"):  # a U+2028 left is a &#8232;
        return " "
    if ch == "\n":
        return ch
    if cat in ("Cf", "Cc", "Mn", "Me"):
        return ""
    if cat == "Pd" or ord(ch) in _DASHES:
        return "-"
    return ch


@functools.cache
def _folding() -> tuple[dict[str, str], re.Pattern[str]]:
    """The characters normalize changes (what each becomes), and a pattern finding them.
    Made once, when first needed (planes 0 and 1 and the tags: ~0.1 s)."""
    table = {}
    for cp in (*range(0x80, 0x20000), *range(0xE0000, 0xE01F0)):
        ch = chr(cp)
        out = _fold_char(ch)
        if out == ch:
            nfkc = unicodedata.normalize("NFKC", ch)
            if nfkc == ch or not _KEEP.search(nfkc):
                continue
            out = "".join(map(_fold_char, nfkc))
        table[ch] = out
    ranges, bmp = [], sorted(ord(c) for c in table if ord(c) < 0x10000)
    start = prev = bmp[0]
    for cp in [*bmp[1:], -1]:
        if cp != prev + 1:
            ranges.append(f"\\u{start:04x}-\\u{prev:04x}" if prev > start else f"\\u{start:04x}")
            start = cp
        prev = cp
    # A class of plane 0 only is a bitmap to sre (see _ASTRAL for the rest).
    return table, re.compile("[" + "".join(ranges) + "]")


def normalize(text: str) -> str:
    """`text` as it reads, for matching (see above). Its lines are those splitlines()
    gives, joined by "\\n", and stay lines: a position still names its line."""
    if _BREAKS.search(text):
        text = "\n".join(text.splitlines())
    if "&" in text:
        unescaped = html.unescape(text)
        if unescaped.count("\n") != text.count("\n"):  # a &#10; is not a line of the file
            unescaped = "\n".join(html.unescape(x).replace("\n", " ") for x in text.split("\n"))
        text = unescaped
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if text.isascii():
        return text
    table, odd = _folding()
    for pattern in (odd, _ASTRAL):
        if pattern.search(text):
            text = pattern.sub(lambda m: table.get(m.group(), m.group()), text)
    return _fold_numeral_runs(text) if _CN_ANY.search(text) else text


def _fold_numeral_runs(text: str) -> str:
    """Chinese numerals to digits where they run (three numerals or more, digits and
    separators between them allowed): 一三八〇〇一三八〇〇〇, 1三8 0013 8000; not the 一
    of 统一社会信用代码. Only lines with a numeral are looked at."""
    out, done = [], 0
    while m := _CN_ANY.search(text, done):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        end = len(text) if end < 0 else end
        out += [text[done:start], _CN_RUN.sub(_fold_run, text[start:end])]
        done = end
    return "".join(out) + text[done:]


def _fold_run(m: re.Match[str]) -> str:
    run = m.group()
    return (
        run.translate(_CN_TABLE)
        if len(_NUMERALS.findall(run)) >= 3 and _CN_ANY.search(run)
        else run
    )


# --- phone and id numbers --------------------------------------------------------------

# Digit groups (bounded by what is neither a letter nor a digit) joined across
# separators. Groups join only as a number is written — each of three digits or more
# (138 0013 8000, 0533-358-0000, 110105 19491231 002X) or each of one digit (1 3 8 …, but
# not across commas: that is a list of counts) — and only when the joined digits are
# exactly a mobile number (1[3-9] and 11 digits, after +86 or 0086), a landline (0, a 2-3
# digit area code, 7-8 digits) or a resident id with its check digit. So dates
# (2026-12-01), amounts (1,234,567.89), 文号, table rows (2026 12 01 3 5), USCCs,
# 执法证号 (37031720142), digests and round numbers are not numbers to report.
_TOKEN = _B + r"[0-9]++[Xx]?" + _E
_GROUP = re.compile(r"[0-9]+[Xx]?")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_FIXED = re.compile(r"0[12][0-9][1-9][0-9]{7}|0[3-9][0-9]{2}[1-9][0-9]{6,7}")
_COUNTRY = ("0086", "86")
MOBILE, FIXED, ID = "mobile phone number", "telephone number", "resident id number (身份证号)"
_ORDER = {MOBILE: 2, FIXED: 3, ID: 4}


def _chains(min_digits: int) -> re.Pattern[str]:
    """Digit groups a run of separators (up to _GAP) apart, at least min_digits in all."""
    first = rf"[0-9](?<![0-9A-Za-z][0-9])(?=(?:{_SEP}{{0,{_GAP}}}[0-9]){{{min_digits - 1}}})"
    return re.compile(rf"{first}[0-9]*+[Xx]?{_E}(?:{_SEP}{{1,{_GAP}}}{_TOKEN})*")


_CHAIN = _chains(11)


def _national(digits: str) -> str:
    """A mobile number without its +86 / 0086."""
    for cc in _COUNTRY:
        if digits.startswith(cc) and _MOBILE.fullmatch(digits[len(cc) :]):
            return digits[len(cc) :]
    return digits


def _number(groups: list[str], seps: list[str]) -> tuple[str, str] | None:
    """What digit groups (with the separators between them) are when joined: (kind,
    digits), or None."""
    if len(groups) > 1 and groups[0] in _COUNTRY:
        groups, seps = groups[1:], seps[1:]
    if len(groups) > 1:
        sizes = [len(g.rstrip("Xx")) for g in groups]
        if min(sizes) < 3 and (max(sizes) > 1 or any("," in s or "、" in s for s in seps)):
            return None
    digits = "".join(groups)
    if len(digits) == 18:
        return (ID, digits) if is_resident_id(digits) else None
    if not digits.isdigit():
        return None
    digits = _national(digits) if len(groups) == 1 else digits
    if _MOBILE.fullmatch(digits):
        return MOBILE, digits
    return (FIXED, digits) if _FIXED.fullmatch(digits) else None


def _numbers_in(groups: list[str], seps: list[str]) -> list[tuple[str, str]]:
    """The phone and id numbers, (kind, digits), in one chain of digit groups: the longest
    from each group on, none overlapping."""
    found, i = [], 0
    while i < len(groups):
        j, total = i, 0
        while j < len(groups) and total + len(groups[j]) <= 22:  # 0086 + 18 at most
            total += len(groups[j])
            j += 1
        for end in range(j, i, -1):
            hit = _number(groups[i:end], seps[i : end - 1])
            if hit:
                found.append(hit)
                i = end - 1
                break
        i += 1
    return found


def _known_in(groups: list[str], known: set[str], longest: int) -> list[str]:
    """The known numbers (an inspector's phone) a chain's groups make when joined, however
    grouped, with or without +86 / 0086."""
    found = []
    for i in range(len(groups)):
        digits = ""
        for g in groups[i:]:
            digits += g
            if len(digits) > longest + 4:
                break
            if _national(digits) in known:
                found.append(_national(digits))
    return found


# --- emails ----------------------------------------------------------------------------

# Also spelled out: test at example dot com, test(at)example.com, test [at] example [dot]
# com, test＠example。com, test&#64;example.com, test%40example.com.
_LOCAL = r"[A-Za-z0-9._+\-]"  # no %: test%40example.com
_OPEN, _CLOSE = r"[(\[{【<（［｛]", r"[)\]}】>）］｝]"
_AT = (
    r"(?:[ \t]*(?:@|%40|艾特)[ \t]*"
    rf"|[ \t]*{_OPEN}[ \t]*(?:at|@)[ \t]*{_CLOSE}[ \t]*"
    r"|[ \t]+at[ \t]+)"
)
_DOT = (
    r"(?:[ \t]*[.。点][ \t]*"
    rf"|[ \t]*{_OPEN}[ \t]*(?:dot|\.|点)[ \t]*{_CLOSE}[ \t]*"
    r"|[ \t]+dot[ \t]+)"
)
_LABEL = r"[A-Za-z0-9\-]++"
_ANY_EMAIL = re.compile(
    rf"({_LOCAL}(?<!{_LOCAL}{_LOCAL}){_LOCAL}*+){_AT}({_LABEL}(?:{_DOT}{_LABEL})+)", re.I
)
_AT_WORD = re.compile(rf"[Aa][Tt](?<=[ \t]..|{_OPEN}..)(?=[ \t]|{_CLOSE})")
_DOT_SPLIT = re.compile(_DOT, re.I)
# A spelled-out address counts when it ends as addresses do (plain ones always count):
# "computed at rec.drawn" in a script is not one.
_TLDS = frozenset(
    ("com", "cn", "net", "org", "gov", "edu", "mil", "info", "biz", "cc", "hk", "mo", "tw")
)


def _email_pattern(email: str) -> re.Pattern[str]:
    """One known address however its @ and dots are written."""
    parts = re.split(r"([.@])", email)
    return re.compile("".join({"@": _AT, ".": _DOT}.get(p) or re.escape(p) for p in parts), re.I)


# --- the scan --------------------------------------------------------------------------


def _mask(s: str) -> str:
    """Enough of a value to find it, not enough to republish it in a log."""
    if "@" in s:
        local, _, dom = s.partition("@")
        return f"{local[:1]}***@{dom}"
    digits = re.sub(r"\D", "", s)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) > 7 else "****"


def _digits(s: str) -> str:
    return re.sub(r"[^0-9]", "", normalize(s or ""))


def _private_terms(engine: Engine) -> tuple[set[str], set[str], set[str]]:
    """The inspectors' emails (lower case) and phone numbers (digits, mobiles without +86)
    in the database, and their 执法证号 (digits), which are public (行政执法公示) whatever
    their shape."""
    emails, phones, certs = set(), set(), set()
    with engine.connect() as conn:
        for t in (db.inspector, db.inspector_history):
            for em, ph, cert in conn.execute(select(t.c.email, t.c.phone, t.c.cert_no)):
                if em and em.strip():
                    emails.add(normalize(em.strip()).lower())
                if len(_digits(ph)) >= 7:
                    phones.add(_national(_digits(ph)))
                if len(_digits(cert)) >= 7:
                    certs.add(_digits(cert))
    return emails, phones, certs


class PrivateData(ValueError):
    """The site would publish private data (R10): nothing was written."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        more = f"\n… and {len(findings) - 20} more" if len(findings) > 20 else ""
        super().__init__(
            "R10 (第四条(三)): private data in the public site, nothing was "
            "published; fix the source data or the template:\n" + "\n".join(findings[:20]) + more
        )


class _Lines:
    """Line numbers of positions in a text (indexed when first asked)."""

    def __init__(self, text: str):
        self.text = text
        self.starts: list[int] | None = None

    def __call__(self, pos: int) -> int:
        if self.starts is None:
            self.starts = [m.end() for m in re.finditer("\n", self.text)]
        return bisect.bisect_right(self.starts, pos) + 1


_Found = tuple[int, int, int, str]  # line, kind (the order within a line), position, what


class _Scanner:
    """Finds private data in published text (see scan_private)."""

    def __init__(self, engine: Engine | None = None):
        self.allowed = _digits(config.bureau()["phone"])
        emails, phones, self.public = (
            _private_terms(engine) if engine is not None else (set(), set(), set())
        )
        phones.discard(self.allowed)
        self.emails, self.phones = emails, phones
        self.longest = max(map(len, phones), default=0)
        self.chain = _chains(min(11, *map(len, phones))) if phones else _CHAIN
        self.any_phone = re.compile("|".join(sorted(phones))) if phones else None
        self.email_patterns = [
            (
                max(re.findall("[a-z0-9]+", e.partition("@")[0]) or [e], key=len),
                e,
                _email_pattern(e),
            )
            for e in sorted(emails)
        ]

    def scan(self, rel: str, text: str) -> list[str]:
        """Findings in one file: "file:line: what", in line order."""
        text = normalize(text)
        lines = _Lines(text)
        found = self._emails(text, lines) + self._numbers(text, lines)
        return [f"{rel}:{line}: {what}" for line, _, _, what in sorted(found)]

    def _emails(self, text: str, line: _Lines) -> list[_Found]:
        found: list[_Found] = []
        if not ("@" in text or "%40" in text or "艾特" in text or _AT_WORD.search(text)):
            return found
        spans = []
        for m in _ANY_EMAIL.finditer(text):
            labels = _DOT_SPLIT.split(m.group(2))
            email = f"{m.group(1)}@{'.'.join(labels)}".lower()
            if EMAIL.fullmatch(m.group()) or labels[-1].lower() in _TLDS or email in self.emails:
                found.append((line(m.start()), 0, m.start(), f"email address {_mask(email)}"))
                spans.append(m.span())
        lower = text.lower() if self.email_patterns else ""
        for key, email, pattern in self.email_patterns:
            if key not in lower:
                continue
            for m in pattern.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    found.append((line(m.start()), 1, m.start(), f"inspector email {_mask(email)}"))
        return found

    def _numbers(self, text: str, line: _Lines) -> list[_Found]:
        found: list[_Found] = []
        for m in self.chain.finditer(text):
            chain, at = m.group(), m.start()
            groups = _GROUP.findall(chain)
            if self.any_phone and self.any_phone.search("".join(groups)):
                found += [
                    (line(at), 5, at, f"inspector phone {_mask(p)}")
                    for p in _known_in(groups, self.phones, self.longest)
                ]
            if sum(map(len, groups)) < 11:
                continue
            for kind, digits in _numbers_in(groups, _GROUP.split(chain)[1:-1]):
                if self.allowed.startswith(digits) or digits in self.public:
                    continue
                shown = (
                    f"{digits[:6]}********{digits[-4:].upper()}" if kind == ID else _mask(digits)
                )
                found.append((line(at), _ORDER[kind], at, f"{kind} {shown}"))
        return found


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
    """Private data in the published files (html, js, css, json, csv, md, ...): emails,
    mobile and fixed phone numbers (the bureau's public phone excepted), resident id
    numbers (GB 11643 check digit verified, so USCCs do not count), and, given the
    database, any inspector email or phone in it. However written: spelled out, split by
    separators, in full-width, Arabic-Indic or Chinese digits, with invisible characters
    inside (see normalize). Findings: "file:line: what"."""
    out_dir = Path(out_dir)
    scanner = _Scanner(engine)
    findings = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        if _scanned(rel):
            findings += scanner.scan(rel, path.read_bytes().decode("utf-8-sig", "replace"))
    return list(dict.fromkeys(findings))
