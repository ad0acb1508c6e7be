"""Reading landing files (落地文件) and upstream tables into canonical columns.

CSV in UTF-8, UTF-8 with BOM or GBK (detected from the bytes, never assumed) and .xlsx.
A file unusable as a whole raises UnusableFile with a message a clerk can act on."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shuangsui.core.hashing import sha256_bytes
from shuangsui.core.reference import COLUMNS, REQUIRED

SUFFIXES = (".csv", ".xlsx")
_HINTS = {  # checked in this order
    "results": ("result", "结果"),
    "conflicts": ("conflict", "回避"),
    "inspectors": ("inspector", "人员", "执法"),
    "enterprises": ("enterprise", "企业", "名录"),
}


# What a corrupt workbook raises from openpyxl: not a zip, a damaged member (CRC, deflate,
# cut short), a part missing from the package, XML that does not parse (xml.etree's and
# lxml's ParseError are both SyntaxErrors), no worksheet.
_BAD_WORKBOOK = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, SyntaxError, ValueError)


class UnusableFile(ValueError):
    """The whole file cannot be used: nothing from it is applied."""


@dataclass
class Landed:
    entity: str  # enterprises | inspectors | conflicts | results
    source: str  # file path or conn:<id>/<table>, as shown in reports
    sha256: str  # of the bytes read: identifies "the same file" across runs
    encoding: str
    frame: pd.DataFrame  # canonical columns as text, plus _row (line/row number in the source)


def decode(raw: bytes, source: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM -> UTF-8-SIG; valid UTF-8 -> UTF-8; else GBK (as GB18030)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030"), "gbk"
        except UnicodeDecodeError:
            raise UnusableFile(
                f"{source}: cannot be read as UTF-8 or GBK (first bad byte at offset "
                f"{utf8_error.start}); save it again as CSV UTF-8 or Excel .xlsx"
            ) from None


def _entity_for(name: str, headers: list[str]) -> str:
    """Which directory a file holds: its headers if they complete exactly one, else its
    name (so a file missing a required column still gets the right message)."""
    present = {e: {_canonical(h, e) for h in headers} - {None} for e in COLUMNS}
    complete = [e for e in COLUMNS if set(REQUIRED[e]) <= present[e]]
    if len(complete) == 1:
        return complete[0]
    lower = name.lower()
    for entity, hints in _HINTS.items():
        if any(h in lower for h in hints):
            return entity
    best = max(present, key=lambda e: len(present[e]))
    if not present[best]:
        raise UnusableFile(
            f"{name}: no known columns; is it an enterprise, inspector or "
            f"conflict list? headers: {', '.join(headers)}"
        )
    return best


def _canonical(header: str, entity: str) -> str | None:
    h = str(header).strip().replace("\ufeff", "").replace(" ", "")
    for canon, aliases in COLUMNS[entity].items():
        if h.lower() == canon or h in aliases:
            return canon
    return None


def canonicalize(df: pd.DataFrame, entity: str, source: str, first_row: int = 2) -> pd.DataFrame:
    """Rename known headers to canonical names, drop the rest, check required columns."""
    mapping, seen = {}, set()
    for h in df.columns:
        c = _canonical(h, entity)
        if c and c not in seen:
            mapping[h] = c
            seen.add(c)
    missing = [c for c in REQUIRED[entity] if c not in seen]
    if missing:
        names = "、".join(f"{COLUMNS[entity][c][0]} ({c})" for c in missing)
        raise UnusableFile(
            f"{source}: required column(s) missing: {names}; "
            f"found: {', '.join(map(str, df.columns))}"
        )
    out = df[list(mapping)].rename(columns=mapping)
    for c in COLUMNS[entity]:
        if c not in out.columns:
            out[c] = None
    out = out[list(COLUMNS[entity])]
    out.insert(0, "_row", range(first_row, first_row + len(out)))
    return out.reset_index(drop=True)


def read_file(path: Path) -> Landed:
    """Read one CSV or .xlsx landing file."""
    path = Path(path)
    raw = path.read_bytes()
    digest = sha256_bytes(raw)
    if path.suffix.lower() == ".xlsx":
        try:
            df = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False, engine="openpyxl")
        except _BAD_WORKBOOK as e:  # a corrupt workbook is unusable as a whole
            raise UnusableFile(f"{path}: not a readable .xlsx workbook ({e})") from None
        encoding = "xlsx"
    else:
        text, encoding = decode(raw, str(path))
        try:
            # The decoded text as UTF-8 bytes (the file's own bytes when it is UTF-8):
            # pandas reads a StringIO of Chinese text in time quadratic in its size
            # (26 s instead of 2 s at 10^6 rows).
            data = (
                raw
                if encoding == "utf-8"
                else raw[3:]
                if encoding == "utf-8-sig"
                else text.encode("utf-8")
            )
            del text
            df = pd.read_csv(
                io.BytesIO(data),
                encoding="utf-8",
                dtype=str,
                keep_default_na=False,
                skipinitialspace=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise UnusableFile(f"{path}: not a readable CSV table ({e})") from None
    entity = _entity_for(path.name, [str(c) for c in df.columns])
    return Landed(entity, str(path), digest, encoding, canonicalize(df, entity, str(path)))


def read_table(url: str, table: str, entity: str, label: str) -> Landed:
    """Read an upstream database table (reached through an Airflow connection's URI)."""
    from sqlalchemy import create_engine

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            df = pd.read_sql_table(table, conn).astype("object")
    finally:
        eng.dispose()
    df = df.where(df.notna(), None)
    # The content digest plays the role of a file's hash: re-reading an unchanged table
    # quarantines nothing twice.
    digest = sha256_bytes(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    return Landed(entity, label, digest, "database", canonicalize(df, entity, label, 1))


def discover(source: str | Path) -> list[Path]:
    """The landing files named by `source`: one file, or every CSV/.xlsx in a folder."""
    p = Path(source)
    if p.is_dir():
        files = sorted(
            f
            for f in p.iterdir()
            if f.suffix.lower() in SUFFIXES and not f.name.startswith((".", "~$"))
        )
        if not files:
            raise UnusableFile(f"{p}: no .csv or .xlsx files in this folder")
        return files
    if not p.exists():
        raise UnusableFile(f"{p}: no such file or folder")
    if p.suffix.lower() not in SUFFIXES:
        raise UnusableFile(f"{p}: only .csv and .xlsx files are read")
    return [p]
