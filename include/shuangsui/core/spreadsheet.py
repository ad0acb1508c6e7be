"""Cells of the files people open in a spreadsheet (CSV, .xlsx): a text cell that Excel,
WPS or LibreOffice would read as a formula (CSV 注入, formula injection) is written with a
leading single quote, as OWASP's CSV Injection guidance advises. Every such writer calls
`safe_cell`; a program reading the file back calls `original_cell`.

Files whose bytes are hashed or verified (a draw's pool.csv and roster.csv, the JSON files)
are written exactly and never pass through here."""

from __future__ import annotations

# What a spreadsheet takes as the start of a formula (OWASP): = + - @, tab, carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _needs_quote(text: str) -> bool:
    # Past any quotes already leading the text, a formula start: a value that itself begins
    # with ' followed by one (''=1) gets one more, so original_cell gives it back exactly.
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def safe_cell(text: str) -> str:
    """The text as a spreadsheet cell: prefixed with ' if it would start a formula."""
    return QUOTE + text if _needs_quote(text) else text


def original_cell(text: str) -> str:
    """The value a cell written by `safe_cell` holds: one leading ' removed when a formula
    start follows it (past any further quotes)."""
    if text.startswith(QUOTE) and _needs_quote(text):
        return text[1:]
    return text
