"""Reading landing files (落地文件) and upstream tables into canonical columns.

CSV in UTF-8, UTF-8 with BOM or GBK (detected from the bytes, never assumed) and .xlsx.
Only files inside the landing folders are read (discover), none past the limits of
config (size, rows, a workbook's unzipped size), and each record keeps the line (CSV) or
sheet row (.xlsx) it starts on. A file unusable as a whole raises UnusableFile with a
message a clerk can act on."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shuangsui import config
from shuangsui.core.hashing import sha256_bytes
from shuangsui.core.reference import COLUMNS, REQUIRED

SUFFIXES = (".csv", ".xlsx")
_HINTS = {  # checked in this order
    "results": ("result", "结果"),
    "conflicts": ("conflict", "回避"),
    "inspectors": ("inspector", "人员", "执法"),
    "enterprises": ("enterprise", "企业", "名录"),
}
EXCEL_MAX_ROWS = 1_048_576  # the last row of an Excel (or WPS, LibreOffice) sheet
_MB = 1024 * 1024
# Parts smaller than this are not held to the compression ratio: styles and themes
# compress well, and a small part cannot exhaust anything.
_RATIO_FREE_BYTES = _MB
_BOM = b"\xef\xbb\xbf"

# What a corrupt workbook raises from openpyxl: not a zip, a damaged member (CRC, deflate,
# cut short), a compression zipfile does not know, a part missing from the package, XML
# that does not parse (xml.etree's and lxml's ParseError are both SyntaxErrors), no
# worksheet.
_BAD_WORKBOOK = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    KeyError,
    IndexError,
    SyntaxError,
    ValueError,
)


class UnusableFile(ValueError):
    """The whole file cannot be used: nothing from it is applied."""


@dataclass
class Landed:
    entity: str  # enterprises | inspectors | conflicts | results
    source: str  # file path or conn:<id>/<table>, as shown in reports
    sha256: str  # of the bytes read: identifies "the same file" across runs
    encoding: str
    # Canonical columns as text, plus _row: the line (CSV) or sheet row (.xlsx) on which
    # the record starts, the header being line 1; for a table, its position from 1.
    frame: pd.DataFrame
    # Headers not read: not a known column of the entity, or a repeat of one already read.
    unknown_columns: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Which files may be read
# ---------------------------------------------------------------------------------------


def discover(source: str | Path, roots: Sequence[str | Path] | None = None) -> list[Path]:
    """The landing files named by `source`: one file, or every CSV/.xlsx in a folder.
    Only files inside `roots` (default config.landing_roots()) are given, as their real
    paths: links and `..` are followed first, so a link to elsewhere is refused too."""
    allowed = _roots(roots)
    p = confined(source, allowed)
    if p.is_dir():
        files = []
        for f in sorted(p.iterdir()):
            if f.suffix.lower() not in SUFFIXES or f.name.startswith((".", "~$")):
                continue
            real = _real(f)
            if real is None or not _inside(real, allowed):
                raise UnusableFile(
                    f"{f}: a link to a file outside the landing folders; put the file "
                    f"itself in {p}, or add its folder to SHUANGSUI_LANDING_ROOTS"
                )
            if real.is_file():
                files.append(real)
        if not files:
            raise UnusableFile(f"{p}: no .csv or .xlsx files in this folder")
        return files
    if not p.exists():
        raise UnusableFile(f"{source}: no such file or folder")
    if p.suffix.lower() not in SUFFIXES:
        raise UnusableFile(f"{source}: only .csv and .xlsx files are read")
    return [p]


def confined(source: str | Path, roots: Sequence[str | Path] | None = None) -> Path:
    """The real path of `source` (links and `..` followed) if it lies inside `roots`
    (default config.landing_roots()); else UnusableFile, with nothing of the file read
    or shown, not even whether it exists. Also for other files named in a trigger form
    (an annual plan's file)."""
    allowed = _roots(roots)
    p = _real(source)
    if p is None or not _inside(p, allowed):
        raise UnusableFile(
            f"{source}: not in a landing folder ({'; '.join(map(str, allowed))}); put the "
            f"file in one of them, or add its folder to SHUANGSUI_LANDING_ROOTS"
        )
    return p


def _roots(roots: Sequence[str | Path] | None) -> list[Path]:
    return [r for r in map(_real, config.landing_roots() if roots is None else roots) if r]


def _real(path: str | Path) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path.is_relative_to(r) for r in roots)


# ---------------------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------------------


def read_file(path: Path) -> Landed:
    """Read one CSV or .xlsx landing file (discover says which files may be read)."""
    path = Path(path)
    size = path.stat().st_size
    limit = config.max_file_mb()
    if size > limit * _MB:
        raise UnusableFile(
            f"{path}: {_mb(size)}, more than the {limit:g} MB a landing file may be "
            f"(SHUANGSUI_MAX_FILE_MB); split it into smaller files, or raise "
            f"SHUANGSUI_MAX_FILE_MB if the server has the memory"
        )
    try:
        return _read(path)
    except MemoryError:
        pass  # leaving the handler releases what the failed read held
    raise UnusableFile(
        f"{path}: not enough memory to read it ({_mb(size)}); split it into smaller "
        f"files, or give the worker more memory (lower SHUANGSUI_MAX_FILE_MB and "
        f"SHUANGSUI_MAX_ROWS to what it holds, and such files are refused at once)"
    )


def _read(path: Path) -> Landed:
    raw = path.read_bytes()
    digest = sha256_bytes(raw)
    if path.suffix.lower() == ".xlsx":
        headers, df = _read_xlsx(raw, path)
        rows, encoding = None, "xlsx"  # every sheet row is kept: row n is at n - 2
    else:
        headers, df, rows, encoding = _read_csv(raw, path)
    del raw
    entity = _entity_for(path.name, headers)
    frame, unknown = _canonical_frame(df, entity, str(path), 2, rows, headers)
    return Landed(entity, str(path), digest, encoding, frame, unknown)


def _mb(size: int) -> str:
    mb = size / _MB
    return f"{mb:,.1f} MB" if mb >= 0.1 else f"{mb:.2g} MB"


def _too_many_rows(path: Path, found: str) -> UnusableFile:
    limit = config.max_rows()
    return UnusableFile(
        f"{path}: {found}, more than the {limit:,} rows a landing file may have "
        f"(SHUANGSUI_MAX_ROWS); split it into files of at most {limit:,} rows, or raise "
        f"SHUANGSUI_MAX_ROWS if the server has the memory"
    )


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def decode(raw: bytes, source: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM -> UTF-8-SIG; valid UTF-8 -> UTF-8; else GBK (as GB18030)."""
    if raw.startswith(_BOM):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:  # marked UTF-8, so not GBK: a file of mixed parts
            raise _undecodable(raw, source, e.start + 3) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030"), "gbk"
        except UnicodeDecodeError:
            raise _undecodable(raw, source, utf8_error.start) from None


def _undecodable(raw: bytes, source: str, offset: int) -> UnusableFile:
    line = _line_breaks(raw[:offset]) + 1
    return UnusableFile(
        f"{source}: cannot be read as UTF-8 or GBK (first bad byte on line {line:,}, byte "
        f"offset {offset:,}); save it again as CSV UTF-8 or Excel .xlsx"
    )


def _line_breaks(data: bytes) -> int:
    """Line breaks as pandas and text editors count them: LF, CRLF and a lone CR."""
    n = data.count(b"\n")
    if b"\r" in data:
        n += data.count(b"\r") - data.count(b"\r\n")
    return n


def _read_csv(raw: bytes, path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray | None, str]:
    """Header texts, the table (pandas' names), the line of each record (None: line
    2 onwards) and the encoding of a CSV file."""
    # Neither LF nor CR occurs inside a GBK or UTF-8 character: lines are counted on the
    # bytes as they are, before decoding.
    breaks = _line_breaks(raw)
    lines = breaks + (not raw.endswith((b"\n", b"\r")))
    if lines - 1 > config.max_rows():
        raise _too_many_rows(path, f"{lines - 1:,} lines after the header")
    end = len(raw)
    while end and raw[end - 1] in b" \t\r\n":  # blank lines at the end (pandas skips them)
        end -= 1
    content_lines = breaks - _line_breaks(raw[end:]) + 1
    text, encoding = decode(raw, str(path))
    # The decoded text as UTF-8 bytes (the file's own bytes when it is UTF-8): pandas
    # reads a StringIO of Chinese text in time quadratic in its size (26 s instead of 2 s
    # at 10^6 rows).
    data = raw if encoding == "utf-8" else raw[3:] if encoding == "utf-8-sig" else None
    if data is None:
        data = text.encode("utf-8")
    del text
    try:
        df = pd.read_csv(io.BytesIO(data), encoding="utf-8", dtype=str, keep_default_na=False)
        # pandas renames a repeated header (名称, 名称.1) and a blank one (Unnamed: 3):
        # the file's own texts, from its first record.
        first = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8",
            dtype=str,
            keep_default_na=False,
            header=None,
            nrows=1,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise UnusableFile(f"{path}: not a readable CSV table ({e})") from None
    if len(df) > config.max_rows():
        raise _too_many_rows(path, f"{len(df):,} rows")
    headers = [str(h) for h in first.iloc[0]] if len(first) else []
    if len(headers) != len(df.columns):
        headers = [str(c) for c in df.columns]
    # Fast path: up to the blank lines ending the file, as many lines as records and
    # header, so each is one line (no line break inside a quoted field, no blank line
    # skipped) and record i is on line i + 2.
    rows = None if content_lines == len(df) + 1 else _record_lines(data, len(df), path)
    return headers, df, rows, encoding


class _Lines:
    """The lines of a text as csv's reader takes them, keeping the first line of the
    record being read (until `first` is cleared)."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self.first: str | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.first is None:
            self.first = line
        return line


def _record_lines(data: bytes, records: int, path: Path) -> np.ndarray:
    """The line on which each record after the header starts. csv's reader splits the
    records as pandas does (a quoted field keeps its line breaks), and pandas skips lines
    of nothing but spaces and tabs: both checked against the records pandas read."""
    lines = _Lines(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    reader = csv.reader(lines)
    starts: list[int] = []
    read = 0  # lines read before the record
    after_lone_cr = False  # the last line skipped ends with a lone CR
    limit = csv.field_size_limit(min(len(data) + 1, 2**31 - 1))  # pandas has none
    try:
        for _ in reader:
            first = lines.first or ""
            lines.first = None
            if not first.strip(" \t\r\n"):
                after_lone_cr = first.endswith("\r")
            elif after_lone_cr and first.startswith(","):
                # pandas drops the comma after a blank line ended by a lone CR (classic
                # Mac line ends), moving the record's fields one column left.
                raise UnusableFile(
                    f"{path}: line {read + 1:,} cannot be read reliably (a blank line "
                    f"ended by a lone CR before it); save it again as CSV UTF-8"
                )
            else:
                starts.append(read + 1)
            read = reader.line_num
    except csv.Error as e:
        raise UnusableFile(f"{path}: not a readable CSV table (line {read + 1:,}: {e})") from None
    finally:
        csv.field_size_limit(limit)
    if len(starts) != records + 1:
        raise UnusableFile(
            f"{path}: its lines cannot be matched to its {records:,} rows (a quote left "
            f"open, or line breaks of mixed kinds); save it again as CSV UTF-8"
        )
    return np.asarray(starts[1:], dtype=np.int64)


# ---------------------------------------------------------------------------------------
# .xlsx
# ---------------------------------------------------------------------------------------


def _check_workbook(raw: bytes, path: Path) -> None:
    """Refuse a workbook that would unzip past the limits, from the zip's directory
    alone (zipfile never inflates a part past the size the directory gives it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            parts = z.infolist()
    except zipfile.BadZipFile as e:
        raise UnusableFile(f"{path}: not a readable .xlsx workbook ({e})") from None
    total, limit = sum(p.file_size for p in parts), config.max_xlsx_mb()
    if total > limit * _MB:
        raise UnusableFile(
            f"{path}: its parts unzip to {_mb(total)}, more than the {limit:g} MB a "
            f"workbook may (SHUANGSUI_MAX_XLSX_MB); save it as CSV, or raise "
            f"SHUANGSUI_MAX_XLSX_MB if the server has the memory"
        )
    ratio = config.max_xlsx_ratio()
    for p in parts:
        if p.file_size > _RATIO_FREE_BYTES and p.file_size > ratio * p.compress_size:
            times = p.file_size / max(p.compress_size, 1)
            raise UnusableFile(
                f"{path}: its part {p.filename[:80]} unzips {times:,.0f} times over "
                f"({_mb(p.compress_size)} to {_mb(p.file_size)}), more than the "
                f"{ratio:g} times a workbook's parts do (SHUANGSUI_MAX_XLSX_RATIO): not a "
                f"workbook as Excel saves it; save it again from Excel, or as CSV"
            )


def _read_xlsx(raw: bytes, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Header texts and the table of the first sheet of a workbook, its values as
    pandas.read_excel(dtype=str) gives them; row n of the sheet is record n - 2."""
    from openpyxl import load_workbook

    _check_workbook(raw, path)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
        try:
            values = _sheet_values(book.worksheets[0], path)
        finally:
            book.close()
    except UnusableFile:
        raise
    except _BAD_WORKBOOK as e:  # a corrupt workbook is unusable as a whole
        raise UnusableFile(f"{path}: not a readable .xlsx workbook ({e!r})") from None
    width = max(map(len, values), default=0)
    values = [v + [""] * (width - len(v)) for v in values]
    headers = ["" if h is None else h for h in values[0]] if values else []
    df = pd.DataFrame(values[1:], columns=range(width), dtype=str)
    return headers, df


def _sheet_values(sheet, path: Path) -> list[list[str | None]]:
    """The sheet's rows from row 1, each without its trailing blank cells, as text (None
    for an error such as #DIV/0!), up to the last row holding a value."""
    title = str(sheet.title)[:40]
    declared = sheet.max_row  # from the sheet's <dimension ref=...>, if it has one
    if declared and declared > EXCEL_MAX_ROWS:
        raise _past_excel(path, title, declared)
    if declared and declared - 1 > config.max_rows():
        raise _too_many_rows(path, f"sheet {title} reaches row {declared:,}")
    sheet.reset_dimensions()  # a declared size can be wrong: read what is there, as pandas
    limit = config.max_rows() + 1
    values: list[list[str | None]] = []
    last = 0
    for number, cells in enumerate(sheet.rows, start=1):
        if number > EXCEL_MAX_ROWS:
            raise _past_excel(path, title, number)
        if number > limit:
            raise _too_many_rows(path, f"sheet {title} has rows past row {limit:,}")
        row = [_cell_text(c) for c in cells]
        while row and row[-1] == "":
            row.pop()
        values.append(row)
        if row:
            last = number
    return values[:last]


def _past_excel(path: Path, title: str, row: int) -> UnusableFile:
    return UnusableFile(
        f"{path}: sheet {title} reaches row {row:,}, past the last row of an Excel sheet "
        f"({EXCEL_MAX_ROWS:,}): not a workbook Excel saved; save the table as CSV"
    )


def _cell_text(cell) -> str | None:
    """A cell as pandas.read_excel(dtype=str) reads it: a whole number without ".0"."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "e":  # #N/A, #DIV/0!: pandas gives NaN
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else str(value)


# ---------------------------------------------------------------------------------------
# Canonical columns
# ---------------------------------------------------------------------------------------


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
    return _canonical_frame(df, entity, source, first_row)[0]


def _canonical_frame(
    df: pd.DataFrame,
    entity: str,
    source: str,
    first_row: int,
    rows: np.ndarray | None = None,
    headers: list[str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """canonicalize, given the header texts of df's columns (default their names) and
    the row of each record (default first_row onwards); with the headers not read."""
    names = [str(h) for h in (df.columns if headers is None else headers)]
    picked: dict[int, str] = {}  # column position -> canonical name; the first one wins
    for i, h in enumerate(names):
        c = _canonical(h, entity)
        if c and c not in picked.values():
            picked[i] = c
    missing = [c for c in REQUIRED[entity] if c not in picked.values()]
    if missing:
        wanted = "、".join(f"{COLUMNS[entity][c][0]} ({c})" for c in missing)
        raise UnusableFile(
            f"{source}: required column(s) missing: {wanted}; found: {', '.join(names)}"
        )
    out = df.iloc[:, list(picked)].set_axis(list(picked.values()), axis=1)
    for c in COLUMNS[entity]:
        if c not in out.columns:
            out[c] = None
    out = out[list(COLUMNS[entity])]
    out.insert(0, "_row", range(first_row, first_row + len(out)) if rows is None else rows)
    unknown = [
        h if h.strip() else f"column {i + 1} (no header)"
        for i, h in enumerate(names)
        if i not in picked and (h.strip() or _has_values(df.iloc[:, i]))
    ]
    return out.reset_index(drop=True), unknown


def _has_values(column: pd.Series) -> bool:
    """Whether a column holds anything but blanks (an unnamed one often holds nothing)."""
    return bool(column.dropna().astype(str).str.strip().ne("").any())


def read_table(url: str, table: str, entity: str, label: str) -> Landed:
    """Read an upstream database table (reached through an Airflow connection's URI); a
    table of more than config.max_rows() rows is refused before it is read."""
    from sqlalchemy import MetaData, Table, create_engine, func, select

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(
                select(func.count()).select_from(Table(table, MetaData(), autoload_with=conn))
            ).scalar_one()
            if rows > config.max_rows():
                raise UnusableFile(
                    f"{label}: {rows} rows, more than the limit of {config.max_rows()} rows "
                    "(SHUANGSUI_MAX_ROWS); raise the setting or read the table in parts"
                )
            df = pd.read_sql_table(table, conn).astype("object")
    finally:
        eng.dispose()
    df = df.where(df.notna(), None)
    # The content digest plays the role of a file's hash: re-reading an unchanged table
    # quarantines nothing twice.
    digest = sha256_bytes(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    frame, unknown = _canonical_frame(df, entity, label, 1)
    return Landed(entity, label, digest, "database", frame, unknown)
