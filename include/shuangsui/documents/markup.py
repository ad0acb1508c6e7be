"""The line markup (行标记) the notice templates are written in: one paragraph a line,
'@kind text' lines for the parts of a 公文 (GB/T 9704-2012), '@table' and '@row' lines for
tables (see templates/notices/README.md). `parse` turns rendered markup into blocks, which
documents.docx lays out as DOCX and templates/notices/document.html.j2 as HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLOCK_KINDS = (
    "header",
    "number",
    "title",
    "to",
    "body",
    "plain",
    "h1",
    "h2",
    "attach",
    "sign",
    "date",
    "note",
    "annex",
    "small",
    "table",
    "row",
    "pagebreak",
)
_DIRECTIVE = re.compile(r"@(?P<kind>[a-z0-9]+)(?:\[(?P<widths>[0-9.,\s]*)\])?(?:\s+(?P<text>.*))?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f|]|^@")


class TemplateError(ValueError):
    """A notice template produced markup that cannot be laid out; names template and line."""


@dataclass
class Block:
    """One paragraph or table of a document."""

    kind: str
    text: str = ""
    head: list[str] | None = None  # tables: header cells (None: no header row)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None  # tables: relative column widths
    right: float | None = None  # sign/date: right indent in characters


def clean(value) -> str:
    """Every value a template prints: one line, no control characters, and unable to
    start a directive or split a table cell."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if _NEEDS_CLEANING.search(text) is None:
        return text
    text = _CONTROL.sub("", re.sub(r"[\r\n\t]+", " ", text))
    text = text.replace("|", "｜")
    return "＠" + text[1:] if text.startswith("@") else text


def parse(markup: str, where: str = "template") -> list[Block]:
    """The blocks of a rendered template: one paragraph a line; '@kind text' lines for
    the parts of a 公文; '@table[w1,w2] a|b' then '@row x|y' lines for tables."""
    blocks: list[Block] = []
    for number, raw in enumerate(markup.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("@"):
            blocks.append(Block("body", line))
            continue
        m = _DIRECTIVE.fullmatch(line)
        if not m or m["kind"] not in BLOCK_KINDS:
            raise TemplateError(
                f"{where}, line {number}: unknown directive {line.split()[0]!r};"
                f" one of {', '.join('@' + k for k in BLOCK_KINDS)}"
            )
        kind, text = m["kind"], (m["text"] or "").strip()
        if kind == "table":
            blocks.append(_table(text, m["widths"], f"{where}, line {number}"))
        elif kind == "row":
            _add_row(blocks, text, f"{where}, line {number}")
        else:
            blocks.append(Block(kind, text))
    _place_signature(blocks)
    return blocks


def _table(text: str, widths_text: str | None, where: str) -> Block:
    """'@table[w1,w2] a|b': a table with header cells a, b (optional) and relative widths."""
    widths = [float(w) for w in widths_text.split(",") if w.strip()] if widths_text else None
    head = [c.strip() for c in text.split("|")] if text else None
    cols = len(head) if head else len(widths or [])
    if not cols:
        raise TemplateError(
            f"{where}: @table needs header cells ('@table a|b') or widths ('@table[1,2]')"
        )
    if widths and len(widths) != cols:
        raise TemplateError(f"{where}: {len(widths)} widths for {cols} columns")
    return Block("table", head=head, widths=widths or [1.0] * cols)


def _add_row(blocks: list[Block], text: str, where: str) -> None:
    """'@row x|y': a row of the table just above."""
    if not blocks or blocks[-1].kind != "table":
        raise TemplateError(f"{where}: @row outside a table (put '@table ...' first)")
    cells = [c.strip() for c in text.split("|")]
    cols = len(blocks[-1].widths)
    if len(cells) != cols:
        raise TemplateError(f"{where}: {len(cells)} cells in a {cols}-column table")
    blocks[-1].rows.append(cells)


def _width(text: str) -> float:
    """Width in 3号 characters: CJK full, Latin and digits half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.5 for c in text)


def _place_signature(blocks: list[Block]) -> None:
    """GB/T 9704-2012 7.3.5.1 (sealed documents): the 成文日期 4 characters from the right,
    the 发文机关署名 centred above it (flush right when it is the longer by far)."""
    for i, b in enumerate(blocks):
        if b.kind == "date":
            b.right = 4.0
        elif b.kind == "sign":
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt is not None and nxt.kind == "date":
                b.right = max(0.0, 4 + (_width(nxt.text) - _width(b.text)) / 2)
            else:
                b.right = 2.0
