"""Documents of an approved draw (抽查文书): the 检查通知书 to each drawn unit, the 执法检查任务单
to each inspector, and the draw's 抽查工作方案及抽取结果 for the file — each as DOCX (to print)
and HTML (email bodies, the browser).

Where the pieces live, so a clerk knows what to change:
- the words: Jinja2 templates in templates/notices/ (notice.j2, task_sheet.j2, summary.j2),
  written in a small line markup (@title, @h1, @table ...; see README.md there);
- the look of the DOCX (GB/T 9704-2012 page, fonts, the red rule): templates/notices/base.docx,
  built by make_docx_templates.py and editable in Word;
- the look of the HTML: templates/notices/document.html.j2.

Every document is stored with its SHA-256 in the `document` table and versioned: rendering
again with the same data gives the same bytes and changes nothing; different bytes (a
recusal changed a team, a template was edited) become a new version in a new file
(通知书_<uscc>_v2.docx), the earlier file untouched.

发文字号 of the notices: <doc_prefix><doc_kind>〔<year>〕<N>号, e.g. 淄高新安监抽〔2026〕17号. The
year is the year of the 成文日期 (the day the 分管领导 approved the draw, China time). Each
approved draw takes a block of consecutive numbers within the year: N = the number of units
in the bureau's draws approved earlier that year (ordered by approval time, then draw id)
+ the unit's position in this draw (1 = drawn first). So numbers are unique across the
bureau's draws of a year, follow from the draw records alone, and do not depend on when or
how often documents are rendered; once a notice has been issued its number is kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection, Engine, and_, func, or_, select

from shuangsui import audit, config, db
from shuangsui.draw import algorithm as draw

KINDS = ("notice", "task_sheet", "summary")
FORMATS = ("docx", "html")
FILE_STEMS = {"notice": "通知书", "task_sheet": "任务单", "summary": "抽查结果"}
TEMPLATES = {
    "notice": "notices/notice.j2",
    "task_sheet": "notices/task_sheet.j2",
    "summary": "notices/summary.j2",
}
ISSUED = ("approved", "notified", "in_progress", "closed")  # statuses after approval
CHINA = dt.timedelta(hours=8)  # stored moments are naive UTC; China has no daylight saving

_DIGITS = "〇一二三四五六七八九"


class NotApproved(ValueError):
    """Documents are issued only for a draw the 分管领导 approved."""


class TemplateError(ValueError):
    """A notice template produced markup that cannot be laid out; names template and line."""


# --- Chinese dates and numbers ---------------------------------------------------------


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 31 -> 三十一 (for 1..99; else Arabic)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (
        (_DIGITS[tens] if tens > 1 else "")
        + ("十" if tens else "")
        + (_DIGITS[ones] if ones else "")
    )


def chinese_date(d: dt.date) -> str:
    """A date in Chinese numerals, the 成文日期 form: 2026-11-26 -> 二〇二六年十一月二十六日
    (year digit by digit with 〇; month and day as numbers: 十, 十一, 二十, 三十一)."""
    year = "".join(_DIGITS[int(c)] for c in f"{d.year:04d}")
    return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"


def arabic_date(d: dt.date) -> str:
    """2026-03-09 -> 2026年3月9日 (GB/T 9704-2012 7.3.5: Arabic numerals, no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _datetime_zh(t: dt.datetime | None) -> str:
    return f"{arabic_date(t)} {t:%H:%M}" if t else ""


def _percent(x: float) -> str:
    return f"{x:.0%}"


def china_time(t: dt.datetime | None) -> dt.datetime | None:
    """A stored moment (naive UTC) as China time (naive, UTC+8)."""
    return t + CHINA if t else None


# --- the line markup -------------------------------------------------------------------

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


@dataclass
class Block:
    kind: str
    text: str = ""
    head: list[str] | None = None  # tables: header cells (None: no header row)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None  # tables: relative column widths
    right: float | None = None  # sign/date: right indent in characters


def _clean(value) -> str:
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
        widths = [float(w) for w in m["widths"].split(",") if w.strip()] if m["widths"] else None
        if kind == "table":
            head = [c.strip() for c in text.split("|")] if text else None
            cols = len(head) if head else len(widths or [])
            if not cols:
                raise TemplateError(
                    f"{where}, line {number}: @table needs header cells "
                    f"('@table a|b') or widths ('@table[1,2]')"
                )
            if widths and len(widths) != cols:
                raise TemplateError(
                    f"{where}, line {number}: {len(widths)} widths for {cols} columns"
                )
            blocks.append(Block("table", head=head, widths=widths or [1.0] * cols))
        elif kind == "row":
            if not blocks or blocks[-1].kind != "table":
                raise TemplateError(
                    f"{where}, line {number}: @row outside a table (put '@table ...' first)"
                )
            cells = [c.strip() for c in text.split("|")]
            cols = len(blocks[-1].widths)
            if len(cells) != cols:
                raise TemplateError(
                    f"{where}, line {number}: {len(cells)} cells in a {cols}-column table"
                )
            blocks[-1].rows.append(cells)
        else:
            blocks.append(Block(kind, text))
    _place_signature(blocks)
    return blocks


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


# --- DOCX ------------------------------------------------------------------------------

CONTENT_TYPES = "[Content_Types].xml"
STYLE_OF = {
    "header": "GWHeader",
    "number": "GWNumber",
    "title": "GWTitle",
    "to": "GWTo",
    "body": "GWBody",
    "plain": "GWPlain",
    "h1": "GWH1",
    "h2": "GWH2",
    "attach": "GWAttach",
    "sign": "GWSign",
    "date": "GWDate",
    "note": "GWNote",
    "annex": "GWAnnex",
    "small": "GWSmall",
}
CHAR_TWIPS = 320  # one 3号 (16 pt) character


@dataclass(frozen=True)
class Deflated:
    """A zip member compressed once (the parts of base.docx every document shares)."""

    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, raw: bytes) -> Deflated:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(zlib.crc32(raw), len(raw), c.compress(raw) + c.flush())


def pack_zip(parts: dict[str, bytes | Deflated], when: dt.datetime) -> bytes:
    """A zip (an OOXML package) that is the same bytes for the same parts: [Content_Types]
    first, the rest in name order, every member stamped `when`, deflated, no extra fields
    and nothing from the host (written by hand: zipfile would compress the shared parts
    of base.docx again for every document)."""
    names = sorted(parts, key=lambda n: (n != CONTENT_TYPES, n != "_rels/.rels", n))
    year = max(when.year, 1980)
    dos_time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    dos_date = ((year - 1980) << 9) | (when.month << 5) | when.day
    out, central, offset = [], [], 0
    for name in names:
        part = parts[name]
        member = part if isinstance(part, Deflated) else Deflated.of(part)
        encoded = name.encode("ascii")
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            dos_time,
            dos_date,
            member.crc,
            len(member.data),
            member.size,
            len(encoded),
            0,
        )
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                dos_time,
                dos_date,
                member.crc,
                len(member.data),
                member.size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
        out += [local, encoded, member.data]
        offset += len(local) + len(encoded) + len(member.data)
    directory = b"".join(central)
    out += [
        directory,
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(directory), offset, 0
        ),
    ]
    return b"".join(out)


def _same_package(a: bytes, b: bytes) -> bool:
    """Two DOCX files with the same parts, byte for byte once unpacked (a different zlib
    build may compress the same parts differently: that is not a new version)."""
    try:
        with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
            if za.namelist() != zb.namelist():
                return False
            return all(za.read(n) == zb.read(n) for n in za.namelist())
    except zipfile.BadZipFile:
        return False


@dataclass(frozen=True)
class _Base:
    parts: dict[str, Deflated]  # compressed once; document.xml and the properties are replaced
    head: str  # document.xml up to and including <w:body>
    sect: str  # the final <w:sectPr>...</w:sectPr> (page, margins, footers)
    tail: str
    text_width: int  # twips between the margins


@functools.lru_cache(maxsize=1)
def _base() -> _Base:
    data = (resources.files("shuangsui") / "templates" / "notices" / "base.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
    for needed in ("word/document.xml", "docProps/core.xml", "word/styles.xml"):
        if needed not in parts:
            raise TemplateError(
                f"templates/notices/base.docx has no {needed}: rebuild it with "
                f"make_docx_templates.py"
            )
    xml = parts["word/document.xml"].decode("utf-8")
    start = xml.index("<w:body>") + len("<w:body>")
    end = xml.rindex("</w:body>")
    sect_at = xml.rfind("<w:sectPr", start, end)
    sect = xml[sect_at:end] if sect_at >= 0 else ""
    page = re.search(r'<w:pgSz[^>]*w:w="(\d+)"', sect)
    left = re.search(r'<w:pgMar[^>]*w:left="(\d+)"', sect)
    right = re.search(r'<w:pgMar[^>]*w:right="(\d+)"', sect)
    width = (int(page[1]) - int(left[1]) - int(right[1])) if page and left and right else 8845
    shared = {n: Deflated.of(v) for n, v in parts.items()}
    return _Base(shared, xml[:start], sect, xml[end:], width)


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraph(style: str, text: str, ppr: str = "") -> str:
    run = f'<w:r><w:t xml:space="preserve">{_x(text)}</w:t></w:r>' if text else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{run}</w:p>'


def _table(b: Block, width: int) -> str:
    total = sum(b.widths)
    cols = [int(width * w / total) for w in b.widths]
    cols[-1] += width - sum(cols)
    out = [
        f'<w:tbl><w:tblPr><w:tblStyle w:val="GWTable"/><w:tblW w:w="{width}" w:type="dxa"/>'
        f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{c}"/>' for c in cols)
        + "</w:tblGrid>"
    ]

    def row(cells, style, head):
        # rows never break across pages; the header row repeats on every page
        tr = "<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>"
        return (
            tr
            + "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{c}" w:type="dxa"/></w:tcPr>'
                f"{_paragraph(style, t)}</w:tc>"
                for c, t in zip(cols, cells)
            )
            + "</w:tr>"
        )

    if b.head:
        out.append(row(b.head, "GWCellHead", True))
    out.extend(row(r, "GWCell", False) for r in b.rows)
    out.append("</w:tbl>")
    return "".join(out)


def docx_body(blocks: list[Block], width: int) -> str:
    """WordprocessingML paragraphs and tables for the blocks, in base.docx's styles."""
    out: list[str] = []
    last_table = False
    for i, b in enumerate(blocks):
        if b.kind == "table":
            if last_table:  # two tables in a row would merge into one
                out.append(_paragraph("GWPlain", ""))
            out.append(_table(b, width))
            last_table = True
            continue
        last_table = False
        nxt = blocks[i + 1].kind if i + 1 < len(blocks) else None
        # The last lines of text go with the 附件说明 and 落款 (GB/T 9704 7.3.5: a page
        # never holds the signature alone)
        ppr = (
            "<w:keepNext/>"
            if nxt in ("attach", "sign") and b.kind not in ("attach", "sign")
            else ""
        )
        if b.kind == "pagebreak":
            out.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        elif b.right is not None:
            twips = round(b.right * CHAR_TWIPS)
            out.append(
                _paragraph(
                    STYLE_OF[b.kind],
                    b.text,
                    ppr + (f'<w:ind w:right="{twips}" w:rightChars="{round(b.right * 100)}"/>'),
                )
            )
        else:
            out.append(_paragraph(STYLE_OF[b.kind], b.text, ppr))
    if last_table:  # a cell or the body must not end with a table
        out.append(_paragraph("GWPlain", ""))
    return "".join(out)


def _core_xml(
    title: str,
    subject: str,
    keywords: str,
    author: str,
    created: dt.datetime,
    modified: dt.datetime,
) -> bytes:
    def w3c(t):
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_x(title)}</dc:title><dc:subject>{_x(subject)}</dc:subject>"
        f"<dc:creator>{_x(author)}</dc:creator><cp:keywords>{_x(keywords)}</cp:keywords>"
        f"<cp:lastModifiedBy>{_x(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{w3c(created)}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{w3c(modified)}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _app_xml(company: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
        '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Application>shuangsui</Application><DocSecurity>0</DocSecurity>"
        f"<Company>{_x(company)}</Company></Properties>"
    ).encode()


def docx_bytes(
    blocks: list[Block],
    *,
    title: str,
    subject: str,
    keywords: str,
    author: str,
    created: dt.datetime,
    modified: dt.datetime,
) -> bytes:
    """A DOCX of the blocks: base.docx with its body and properties replaced. `created` and
    `modified` (naive UTC) are the document's own dates, never the time of rendering."""
    base = _base()
    body = base.head + docx_body(blocks, base.text_width) + base.sect + base.tail
    parts: dict[str, bytes | Deflated] = dict(base.parts)
    parts["word/document.xml"] = body.encode("utf-8")
    parts["docProps/core.xml"] = _core_xml(title, subject, keywords, author, created, modified)
    if "docProps/app.xml" in parts:
        parts["docProps/app.xml"] = _app_xml(author)
    return pack_zip(parts, china_time(modified))


# --- templates -------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    """(markup, html): the wording templates print plain text through _clean; the HTML
    layout escapes. Both compile each template once per process."""
    loader = PackageLoader("shuangsui", "templates")
    filters = {
        "cn_date": chinese_date,
        "zh_date": arabic_date,
        "zh_datetime": _datetime_zh,
        "cn_num": cn_number,
        "percent": _percent,
    }
    markup = Environment(
        loader=loader,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        finalize=_clean,
        keep_trailing_newline=True,
    )
    page = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    markup.filters.update(filters)
    page.filters.update(filters)
    return markup, page


def render_blocks(kind: str, context: dict) -> list[Block]:
    """Render one document's wording template and parse its markup."""
    markup, _ = _environments()
    name = TEMPLATES[kind]
    return parse(markup.get_template(name).render(**context), f"templates/{name}")


def html_text(blocks: list[Block], *, title: str, kind: str) -> str:
    """The HTML page of the blocks (document.html.j2)."""
    _, page = _environments()
    return page.get_template("notices/document.html.j2").render(
        blocks=blocks, title=title, kind=kind
    )


# --- the data of a draw ----------------------------------------------------------------


def applies(item_industries: str, industry: str) -> bool:
    """Does a checklist item (industries '全部' or a '、' list) apply to an industry?"""
    parts = {p for p in re.split(r"[、,，;；/\s]+", item_industries or "") if p}
    return "全部" in parts or industry in parts


@dataclass
class _Draw:
    context: dict  # `draw` in the templates
    bureau: dict
    units: list[dict]  # in draw order, each with team, items, doc_number
    inspectors: dict[str, dict]
    recusals: list[dict]
    sheet_holders: set[str]  # inspectors who have or had a task sheet
    ever: dict[str, set[str]]  # inspector -> units he was ever on the team of
    decided_at: dt.datetime  # naive UTC


def _bureau() -> dict:
    b = config.bureau()
    return {
        k: b[k]
        for k in (
            "name",
            "short_name",
            "doc_prefix",
            "doc_kind",
            "address",
            "contact",
            "phone",
            "site_url",
        )
    }


def doc_number(bureau: dict, year: int, n: int) -> str:
    """淄高新安监抽〔2026〕17号."""
    return f"{bureau['doc_prefix']}{bureau['doc_kind']}〔{year}〕{n}号"


def _number_offset(conn: Connection, row) -> int:
    """Units of the bureau's draws approved earlier in the same (China) year."""
    d, s = db.draw, db.draw_selection
    year = china_time(row.decided_at).year
    start, end = dt.datetime(year, 1, 1) - CHINA, dt.datetime(year + 1, 1, 1) - CHINA
    earlier = or_(
        d.c.decided_at < row.decided_at,
        and_(d.c.decided_at == row.decided_at, d.c.draw_id < row.draw_id),
    )
    return conn.execute(
        select(func.count())
        .select_from(s)
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.status.in_(ISSUED), d.c.decided_at >= start, d.c.decided_at < end, earlier)
    ).scalar_one()


def _gather(conn: Connection, draw_id: str) -> _Draw:
    row = conn.execute(select(db.draw).where(db.draw.c.draw_id == draw_id)).first()
    if row is None:
        raise KeyError(f"no draw {draw_id}")
    if row.status not in ISSUED or row.decided_at is None:
        raise NotApproved(
            f"draw {draw_id} is {row.status}: notices and task sheets are issued "
            f"only after the 分管领导 approves the draw"
        )
    params = json.loads(row.params)
    bureau = _bureau()
    t, e, i, c = db.team_assignment, db.enterprise, db.inspector, db.checklist_item

    ents = {
        r.uscc: r
        for r in conn.execute(
            select(e)
            .join(db.draw_selection, db.draw_selection.c.uscc == e.c.uscc)
            .where(db.draw_selection.c.draw_id == draw_id)
        )
    }
    targets = conn.execute(
        select(db.draw_selection)
        .where(db.draw_selection.c.draw_id == draw_id)
        .order_by(db.draw_selection.c.position)
    ).all()
    assignments = conn.execute(
        select(t.c.uscc, t.c.inspector_id, t.c.active, t.c.role, t.c.rank, t.c.checklist_version)
        .where(t.c.draw_id == draw_id)
        .order_by(t.c.id)
    ).all()
    people = {
        r.inspector_id: r
        for r in conn.execute(
            select(i).where(
                i.c.inspector_id.in_(select(t.c.inspector_id).where(t.c.draw_id == draw_id))
            )
        )
    }
    versions = {a.uscc: a.checklist_version for a in assignments if a.active}
    items_by_version: dict[int, list] = {}
    for it in conn.execute(
        select(c)
        .where(c.c.version.in_(set(versions.values()) or {1}))
        .order_by(c.c.version, c.c.code)
    ):
        items_by_version.setdefault(it.version, []).append(it)

    recusal_rows = conn.execute(
        select(db.recusal)
        .where(  # decided ones: requests pending
            db.recusal.c.draw_id == draw_id, db.recusal.c.decision.is_not(None)
        )  # change nothing
        .order_by(db.recusal.c.id)
    ).all()

    def person(iid: str) -> dict:
        p = people.get(iid)
        if p is None:
            raise ValueError(
                f"draw {draw_id}: inspector {iid} is on a team but not in the "
                f"inspector directory (执法检查人员名录库)"
            )
        return {"id": iid, "name": p.name, "cert_no": p.cert_no, "department": p.department}

    inspectors = {iid: person(iid) for iid in sorted(people)}
    # A number once issued is kept (the first version's; rows come highest version first)
    numbers = {
        r.subject_key: r.doc_number
        for r in conn.execute(
            select(db.document.c.subject_key, db.document.c.doc_number)
            .where(
                db.document.c.draw_id == draw_id,
                db.document.c.kind == "notice",
                db.document.c.doc_number.is_not(None),
            )
            .order_by(db.document.c.version.desc())
        )
    }
    issue_year = china_time(row.decided_at).year
    offset = None
    teams: dict[str, list[str]] = {}  # the current team, lead first, then by rank (as drawn)
    for a in sorted(
        (a for a in assignments if a.active),
        key=lambda a: (a.role != "lead", a.rank, a.inspector_id),
    ):
        teams.setdefault(a.uscc, []).append(a.inspector_id)

    @functools.cache  # one shared list per (version, industry)
    def applicable(version: int, industry: str) -> list[dict]:
        return [
            dict(it._mapping)
            for it in items_by_version.get(version, [])
            if applies(it.industries, industry)
        ]

    units = []
    for target in targets:
        uscc = target.uscc
        ent = ents.get(uscc)
        if ent is None:
            raise ValueError(
                f"draw {draw_id}: unit {uscc} is not in the enterprise directory (检查对象名录库)"
            )
        if uscc not in numbers:
            offset = _number_offset(conn, row) if offset is None else offset
            numbers[uscc] = doc_number(bureau, issue_year, offset + target.position)
        members = teams.get(uscc, [])
        version = versions.get(uscc, max(items_by_version, default=1))
        units.append(
            {
                "unit": {
                    "uscc": uscc,
                    "name": ent.name,
                    "industry": ent.industry,
                    "department": ent.department,
                    "address": ent.address or "",
                    "legal_rep": ent.legal_rep or "",
                    "key": target.stratum == draw.KEY,
                    "stratum": "重点" if target.stratum == draw.KEY else "一般",
                    "position": target.position,
                },
                "doc_number": numbers[uscc],
                "team": [
                    {**inspectors[m], "lead": n == 0, "role": "组长" if n == 0 else "组员"}
                    for n, m in enumerate(members)
                ],
                "checklist_version": version,
                "items": applicable(version, ent.industry),
            }
        )

    recusals = []
    for r in recusal_rows:
        unit = next((u["unit"] for u in units if u["unit"]["uscc"] == r.uscc), None)
        recusals.append(
            {
                "uscc": r.uscc,
                "unit_name": unit["name"] if unit else "",
                "inspector": inspectors.get(r.inspector_id, {"id": r.inspector_id, "name": ""}),
                "reason": r.reason,
                "decision": "批准回避" if r.decision == "approved" else "不予回避",
                "approved": r.decision == "approved",
                "decided_by": r.decided_by or "",
                "decided_at": china_time(r.decided_at),
                "decided_at_utc": r.decided_at,
                "replacement": inspectors.get(r.replacement) if r.replacement else None,
            }
        )

    key = sum(u["unit"]["key"] for u in units)
    ctx = {
        "id": draw_id,
        "kind": row.kind,
        "department": row.department,
        "year": row.year,
        "round": row.round,
        "inspection_date": dt.date.fromisoformat(params["inspection_date"]),
        "issue_date": china_time(row.decided_at).date(),
        "decided_by": row.decided_by or "",
        "decided_at": china_time(row.decided_at),
        "decision_reason": row.decision_reason or "",
        "created_at": china_time(row.created_at),
        "drawn_at": china_time(row.drawn_at),
        "pool_size": row.pool_size,
        "pool_sha256": row.pool_sha256,
        "roster_sha256": row.roster_sha256,
        "commitment": row.commitment,
        "public_value": row.public_value or "",
        "seed": row.seed or "",
        "code_version": row.code_version,
        "algorithm": draw.ALGORITHM,
        "units": len(units),
        "key_units": key,
        "other_units": len(units) - key,
        "key_share_required": params.get("key_share", 0.5),
        "key_share": key / len(units) if units else 0.0,
        "team_size": params.get("team_size"),
        "industries": params.get("industries") or [],
        "allow_shortfall": bool(params.get("allow_shortfall")),
        "redraw_of": row.redraw_of or "",
        "redraw_reason": row.redraw_reason or "",
        "first_number": units[0]["doc_number"] if units else "",
        "last_number": units[-1]["doc_number"] if units else "",
    }
    holders = {a.inspector_id for a in assignments if a.active} | set(
        conn.execute(
            select(db.document.c.subject_key).where(
                db.document.c.draw_id == draw_id, db.document.c.kind == "task_sheet"
            )
        ).scalars()
    )
    ever: dict[str, set[str]] = {}
    for a in assignments:
        ever.setdefault(a.inspector_id, set()).add(a.uscc)
    return _Draw(ctx, bureau, units, inspectors, recusals, holders, ever, row.decided_at)


def _revised(recusals: list[dict], usccs: set[str]) -> dt.datetime | None:
    """The latest approved recusal on these units (naive UTC): a document it changed is
    dated the day of that decision."""
    at = [
        r["decided_at_utc"]
        for r in recusals
        if r["approved"] and r["uscc"] in usccs and r["decided_at_utc"]
    ]
    return max(at) if at else None


def _documents(g: _Draw):
    """(kind, subject_key, doc_number, context, revised_at) for every document of the draw."""
    common = {"bureau": g.bureau, "draw": g.context}
    for u in g.units:
        revised = _revised(g.recusals, {u["unit"]["uscc"]})
        yield "notice", u["unit"]["uscc"], u["doc_number"], {**common, **u}, revised
    for iid in sorted(g.sheet_holders):
        mine = [u for u in g.units if any(m["id"] == iid for m in u["team"])]
        items: dict[str, dict] = {}
        for n, u in enumerate(mine, 1):
            for it in u["items"]:
                items.setdefault(it["code"], {**it, "unit_numbers": []})["unit_numbers"].append(n)
        sheet = [
            {**u, "my_role": next(m["role"] for m in u["team"] if m["id"] == iid)} for u in mine
        ]
        revised = _revised(g.recusals, g.ever.get(iid, set()))
        yield (
            "task_sheet",
            iid,
            None,
            {
                **common,
                "inspector": g.inspectors[iid],
                "units": sheet,
                "leads": sum(u["my_role"] == "组长" for u in sheet),
                "items": [items[k] for k in sorted(items)],
                "checklist_versions": sorted({u["checklist_version"] for u in mine}),
                "recusals": [
                    r
                    for r in g.recusals
                    if r["inspector"]["id"] == iid
                    or (r["replacement"] and r["replacement"]["id"] == iid)
                ],
            },
            revised,
        )
    industries: dict[str, int] = {}
    for u in g.units:
        industries[u["unit"]["industry"]] = industries.get(u["unit"]["industry"], 0) + 1
    revised = _revised(g.recusals, {u["unit"]["uscc"] for u in g.units})
    yield (
        "summary",
        "draw",
        None,
        {
            **common,
            "targets": g.units,
            "recusals": g.recusals,
            "industries": sorted(industries.items(), key=lambda kv: (-kv[1], kv[0])),
        },
        revised,
    )


# --- render and store ------------------------------------------------------------------


def _file_name(kind: str, subject_key: str, draw_id: str, fmt: str, version: int) -> str:
    subject = draw_id if kind == "summary" else subject_key
    safe = re.sub(r"[^0-9A-Za-z_.-]", "_", subject)
    suffix = "" if version == 1 else f"_v{version}"
    return f"{FILE_STEMS[kind]}_{safe}{suffix}.{fmt}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _latest_rows(conn: Connection, draw_id: str) -> dict[tuple, object]:
    rows = conn.execute(
        select(db.document).where(db.document.c.draw_id == draw_id).order_by(db.document.c.version)
    ).all()
    return {(r.kind, r.subject_key, r.format): r for r in rows}  # the highest version wins


def _unchanged(prev, data: bytes, digest: str) -> tuple[bool, bool]:
    """(unchanged, restore) of freshly rendered bytes against the latest stored version.
    A file gone or altered on disk whose stored checksum matches is put back as issued."""
    path = Path(prev.path)
    old = path.read_bytes() if path.exists() else None
    intact = old is not None and hashlib.sha256(old).hexdigest() == prev.sha256
    if prev.sha256 == digest:
        return True, not intact
    return intact and prev.format == "docx" and _same_package(old, data), False


def _render(
    g: _Draw, kind: str, subject: str, context: dict, revised: dt.datetime | None
) -> dict[str, bytes]:
    """The DOCX and HTML bytes of one document."""
    blocks = render_blocks(
        kind,
        {
            **context,
            "revised": revised is not None,
            "issue_date": china_time(revised or g.decided_at).date(),
        },
    )
    title = next((b.text for b in blocks if b.kind == "title"), FILE_STEMS[kind])
    return {
        "docx": docx_bytes(
            blocks,
            title=title,
            subject=FILE_STEMS[kind],
            keywords=f"{g.context['id']} {subject}",
            author=g.bureau["name"],
            created=g.decided_at,
            modified=max(revised or g.decided_at, g.decided_at),
        ),
        "html": html_text(blocks, title=title, kind=kind).encode("utf-8"),
    }


def render_draw(
    engine: Engine, draw_id: str, *, now: dt.datetime, actor: str = "notices"
) -> list[dict]:
    """Render every document of an approved draw (DOCX and HTML) and store what is new.

    Same bytes as the latest version: nothing is written or recorded. Different bytes: a
    new version, in a new file, with a new `document` row. One audit event per run that
    stored anything, with the counts and a hash over the list of current documents.
    Returns the current version of every document: id, kind, subject_key, format,
    version, doc_number, path, sha256, size, new."""
    folder = config.documents_dir() / draw_id
    with engine.begin() as conn:
        g = _gather(conn, draw_id)
        latest = _latest_rows(conn, draw_id)
        new_rows, restored, results = [], 0, []
        for kind, subject, number, context, revised in _documents(g):
            for fmt, data in _render(g, kind, subject, context, revised).items():
                digest = hashlib.sha256(data).hexdigest()
                prev = latest.get((kind, subject, fmt))
                if prev is not None:
                    same, restore = _unchanged(prev, data, digest)
                    if restore:
                        _write(Path(prev.path), data)
                        restored += 1
                    if same:
                        results.append((kind, subject, fmt, False))
                        continue
                version = prev.version + 1 if prev is not None else 1
                path = folder / _file_name(kind, subject, draw_id, fmt, version)
                _write(path, data)
                new_rows.append(
                    {
                        "draw_id": draw_id,
                        "kind": kind,
                        "subject_key": subject,
                        "format": fmt,
                        "version": version,
                        "doc_number": number,
                        "path": str(path),
                        "sha256": digest,
                        "size": len(data),
                        "created_at": now,
                    }
                )
                results.append((kind, subject, fmt, True))
        if new_rows:
            conn.execute(db.document.insert(), new_rows)
        current = {
            (d["kind"], d["subject_key"], d["format"]): d for d in documents_for(conn, draw_id)
        }
        out = [
            {
                **{
                    k: current[(kind, s, f)][k]
                    for k in (
                        "id",
                        "kind",
                        "subject_key",
                        "format",
                        "version",
                        "doc_number",
                        "path",
                        "sha256",
                        "size",
                    )
                },
                "new": new,
            }
            for kind, s, f, new in results
        ]
        if new_rows or restored:
            _record(conn, draw_id, out, new_rows, restored, actor=actor, now=now)
    return out


def _record(
    conn: Connection,
    draw_id: str,
    out: list[dict],
    new_rows: list[dict],
    restored: int,
    *,
    actor: str,
    now: dt.datetime,
) -> None:
    """One audit event for the run (R6): counts, what was revised, and a hash over the
    list of current documents (kind, subject, format, version, sha256)."""
    listing = sorted(
        [d["kind"], d["subject_key"], d["format"], d["version"], d["sha256"]] for d in out
    )
    counts: dict[str, int] = {}
    for d in out:
        counts[f"{d['kind']}.{d['format']}"] = counts.get(f"{d['kind']}.{d['format']}", 0) + 1
    revised = [
        {k: r[k] for k in ("kind", "subject_key", "format", "version")}
        for r in new_rows
        if r["version"] > 1
    ]
    audit.record(
        conn,
        "documents.rendered",
        {
            "draw_id": draw_id,
            "documents": len(out),
            "counts": counts,
            "new_versions": len(new_rows),
            "first_versions": sum(r["version"] == 1 for r in new_rows),
            "revised": revised[:100],
            "revised_total": len(revised),
            "restored_files": restored,
            "unchanged": len(out) - len(new_rows),
            "documents_sha256": hashlib.sha256(
                audit.canonical({"documents": listing}).encode("utf-8")
            ).hexdigest(),
        },
        actor=actor,
        entity="draw",
        entity_key=draw_id,
        now=now,
    )


def documents_for(
    conn: Connection,
    draw_id: str,
    kind: str | None = None,
    subject_key: str | list[str] | None = None,
) -> list[dict]:
    """The latest version of each document of a draw, optionally of one kind and for one
    subject (a USCC, an inspector id, 'draw') or several; ordered by kind, subject, format."""
    d = db.document
    cond = [d.c.draw_id == draw_id]
    if kind is not None:
        cond.append(d.c.kind == kind)
    if subject_key is not None:
        keys = [subject_key] if isinstance(subject_key, str) else list(subject_key)
        cond.append(d.c.subject_key.in_(keys))
    latest = (
        select(d.c.kind, d.c.subject_key, d.c.format, func.max(d.c.version).label("v"))
        .where(*cond)
        .group_by(d.c.kind, d.c.subject_key, d.c.format)
        .subquery()
    )
    rows = conn.execute(
        select(d)
        .join(
            latest,
            and_(
                d.c.kind == latest.c.kind,
                d.c.subject_key == latest.c.subject_key,
                d.c.format == latest.c.format,
                d.c.version == latest.c.v,
            ),
        )
        .where(d.c.draw_id == draw_id)
        .order_by(d.c.kind, d.c.subject_key, d.c.format)
    ).all()
    return [dict(r._mapping) for r in rows]


def plain_text(blocks: list[Block]) -> str:
    """The blocks as plain text (for logs and previews)."""
    lines = []
    for b in blocks:
        if b.kind == "table":
            lines += [" | ".join(r) for r in ([b.head] if b.head else []) + b.rows]
        elif b.kind != "pagebreak":
            lines.append(b.text)
    return "\n".join(lines)
