"""DOCX (Office Open XML) of the bureau's documents: THE one DOCX writer and THE one ZIP
writer of the project. Blocks of the line markup (documents.markup) become WordprocessingML
poured into templates/notices/base.docx (its page, styles and footers: GB/T 9704-2012),
built by tools/make_docx_templates.py and editable in Word.

The same blocks give the same bytes: the zip is written by hand (fixed member order and
timestamps, nothing from the host), and the parts of base.docx every document shares are
compressed once per process."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources

from shuangsui.core.clock import china_time
from shuangsui.documents.markup import Block, TemplateError

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


def same_package(a: bytes, b: bytes) -> bool:
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
    """base.docx taken apart once: the shared parts, and document.xml around its body."""

    parts: dict[str, Deflated]  # compressed once; document.xml and the properties are replaced
    head: str  # document.xml up to and including <w:body>
    sect: str  # the final <w:sectPr>...</w:sectPr> (page, margins, footers)
    tail: str
    text_width: int  # twips between the margins


@functools.lru_cache(maxsize=1)
def _base() -> _Base:
    """templates/notices/base.docx, read and compressed once per process."""
    data = (resources.files("shuangsui") / "templates" / "notices" / "base.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
    for needed in ("word/document.xml", "docProps/core.xml", "word/styles.xml"):
        if needed not in parts:
            raise TemplateError(
                f"templates/notices/base.docx has no {needed}: rebuild it with "
                f"tools/make_docx_templates.py"
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
