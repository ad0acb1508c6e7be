"""Reading annual plans from a file (计划文件): a CSV or .xlsx with English or Chinese
headers, or a JSON list of plans. A file is checked whole: every problem is named with the
file, the row (its line; the header is row 1), the column as headed in the file and the
rule, and no plan of a file with a problem is returned, so none is saved. Each row's cells
are read and checked as the trigger form's are (plan.parse_fields)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

from shuangsui.core.clock import china_today
from shuangsui.draw.plan import (
    COLUMNS,
    LABELS,
    REQUIRED,
    Plan,
    PlanInvalid,
    blank,
    by_field,
    canonical,
    parse_fields,
)

# What openpyxl raises on a file that is not a workbook (as landing.read_file treats it).
_BAD_WORKBOOK = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, SyntaxError, ValueError)

Item = tuple[str, dict[str, Any], dict[str, str]]  # 'row 5', values by field, field -> label


def read_plans(path: Path, today: dt.date | None = None) -> list[Plan]:
    """Plans from a CSV/.xlsx (English or Chinese headers) or a JSON list, checked whole:
    PlanInvalid names every problem (file, row, column, rule) and then no plan is
    returned. `today`: the China date plan years are judged by (default: today)."""
    path = Path(path)
    today = today or china_today()
    plans: list[Plan] = []
    problems: list[str] = []
    first: dict[tuple[int, str], str] = {}  # (year, 科室) -> the row that plans it
    for place, row, labels in _items(path):
        where = f"{path.name}: {place}"
        values, found = parse_fields(row, today)
        problems += [f"{where}, {labels.get(k, LABELS[k])}: {w}" for k, w in found]
        if found:
            continue
        p = Plan(**values).check(today)
        key = (p.year, p.department)
        if key in first:
            problems.append(
                f"{where}, {labels['department']}: {p.year} {p.department} is planned already "
                f"in {first[key]}; one row per year and 科室"
            )
        first.setdefault(key, place)
        plans.append(p)
    if problems:
        raise PlanInvalid("\n".join(problems))
    if not plans:
        raise PlanInvalid(f"{path.name}: no plans in the file, only a header")
    return plans


def _items(path: Path) -> list[Item]:
    try:
        if path.suffix.lower() == ".json":
            return _json_items(path)
        rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    except OSError as e:
        raise PlanInvalid(f"{path}: cannot be read ({e.strerror or e})") from None
    return _table_items(path.name, rows)


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """Each row with the line it starts on (a quoted cell may hold line breaks)."""
    from shuangsui.intake.landing import UnusableFile, decode

    try:
        text = decode(path.read_bytes(), path.name)[0]
    except UnusableFile as e:
        raise PlanInvalid(str(e)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for cells in reader:
            rows.append((line, list(cells)))
            line = reader.line_num + 1
    except csv.Error as e:
        raise PlanInvalid(f"{path.name}: row {line}: not a readable CSV row ({e})") from None
    return rows


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """The first sheet's rows with their row numbers, as Excel shows them."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except _BAD_WORKBOOK as e:
        raise PlanInvalid(f"{path.name}: not a readable .xlsx workbook ({e})") from None
    try:
        ws = wb.worksheets[0]
        cells = ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True)
        return [(n, list(row)) for n, row in enumerate(cells, 1)]
    finally:
        wb.close()


def _table_items(name: str, rows: list[tuple[int, list[Any]]]) -> list[Item]:
    """The rows under the header (the first row not blank), keyed by field, each labelled
    with its row and the file's own headers; blank rows are skipped."""
    rows = [(n, cells) for n, cells in rows if not all(blank(c) for c in cells)]
    if not rows:
        raise PlanInvalid(f"{name}: the file is empty, not even a header row")
    (_, header), body = rows[0], rows[1:]
    where: dict[str, tuple[int, str]] = {}  # field -> (position, header as written)
    for i, h in enumerate(header):
        key = None if blank(h) else canonical(h)
        if key and key not in where:
            where[key] = (i, str(h).replace("\ufeff", "").strip())
    missing = [k for k in REQUIRED if k not in where]
    if missing:
        raise PlanInvalid(
            f"{name}: required column(s) missing: "
            f"{'、'.join(f'{LABELS[k]} ({k})' for k in missing)}; "
            f"found: {', '.join(str(h) for h in header if not blank(h))}"
        )
    labels = {k: f"column {h}" for k, (_, h) in where.items()}
    return [
        (
            f"row {n}",
            {k: cells[i] if i < len(cells) else None for k, (i, _) in where.items()},
            labels,
        )
        for n, cells in body
    ]


def _json_items(path: Path) -> list[Item]:
    """A JSON list of plans, each an object keyed by English or Chinese names."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PlanInvalid(f"{path.name}: not readable as JSON ({e})") from None
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise PlanInvalid(f"{path.name}: a JSON list of plans (objects) is expected")
    items = []
    for n, d in enumerate(data, 1):
        values, names = by_field(d)
        labels = {k: f"field {k}" for k in COLUMNS} | {k: f"field {v}" for k, v in names.items()}
        items.append((f"item {n}", values, labels))
    return items
