"""Build base.docx (in include/shuangsui/templates/notices/): the page and the paragraph styles
every generated DOCX is poured into.

Run once, and again only when the layout itself changes; the result is committed:

    .venv/bin/python tools/make_docx_templates.py

base.docx carries what GB/T 9704-2012 (党政机关公文格式) fixes for the page: A4, margins
37 mm top / 28 mm left (订口) / 35 mm bottom / 26 mm right, a 156 x 225 mm text block of 22
lines, page numbers "— 1 —" in 4号宋体 (odd pages right, even pages left, one character in),
and one paragraph style per part of a 公文 (the "GW ..." styles below). It holds no wording:
the words are in the Jinja2 templates beside it (notice.j2, task_sheet.j2, summary.j2).

A clerk may open base.docx in Word and change the styles (fonts, sizes, spacing, the red
rule under the 发文字号) or the page; keep the style names ("GW Body" and so on) and the
generated documents follow. The specimen paragraphs in its body are never copied.

The file is written byte for byte the same on every run (fixed zip timestamps and order),
so rebuilding it without a change shows no difference in git.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "include" / "shuangsui" / "templates" / "notices" / "base.docx"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

RED = "FF0000"
LINE = 579  # twips: 225 mm / 22 lines = 28.95 pt (GB/T 9704 7.1: 22 lines a page)
CHAR3 = 320  # twips: one 3号 (16 pt) character, the unit of 空二字 indents


def mm(v: float) -> int:
    return round(v * 1440 / 25.4)


def fonts(east: str, latin: str = "Times New Roman") -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:eastAsia="{east}" w:hAnsi="{latin}" '
        f'w:cs="{latin}" w:hint="eastAsia"/>'
    )


def size(pt: float) -> str:
    half = round(pt * 2)
    return f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'


def para_style(sid: str, name: str, alias: str, ppr: str, rpr: str) -> str:
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
        f'<w:name w:val="{name}"/><w:aliases w:val="{alias}"/><w:basedOn w:val="Normal"/>'
        f"<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
    )


def spacing(before: int = 0, after: int = 0, line: int = LINE, rule: str = "exact") -> str:
    return f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}" w:lineRule="{rule}"/>'


FIRST2 = f'<w:ind w:firstLine="{2 * CHAR3}" w:firstLineChars="200"/>'
LEFT2 = f'<w:ind w:left="{2 * CHAR3}" w:leftChars="200"/>'

STYLES = [
    # 发文机关标志: red, centred, 小标宋
    para_style(
        "GWHeader",
        "GW Header",
        "发文机关标志",
        spacing(0, 0, 880) + '<w:jc w:val="center"/>',
        fonts("方正小标宋简体") + f'<w:color w:val="{RED}"/>' + size(22),
    ),
    # 发文字号 with the red rule (版头中的分隔线) under it, 4 mm below
    para_style(
        "GWNumber",
        "GW Number",
        "发文字号",
        f'<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="11" w:color="{RED}"/>'
        f"</w:pBdr>" + spacing(LINE // 2, 0) + '<w:jc w:val="center"/>',
        fonts("仿宋") + size(16),
    ),
    # 标题: 2号小标宋, two lines below the rule, one line above the 主送
    para_style(
        "GWTitle",
        "GW Title",
        "标题",
        spacing(2 * LINE, LINE, 720) + '<w:jc w:val="center"/>',
        fonts("方正小标宋简体") + size(22),
    ),
    para_style("GWTo", "GW To", "主送机关", spacing(), fonts("仿宋") + size(16)),
    para_style(
        "GWBody",
        "GW Body",
        "正文",
        spacing() + FIRST2 + '<w:jc w:val="both"/>',
        fonts("仿宋") + size(16),
    ),
    para_style(
        "GWPlain",
        "GW Plain",
        "正文（不缩进）",
        spacing() + '<w:jc w:val="both"/>',
        fonts("仿宋") + size(16),
    ),
    para_style(
        "GWH1",
        "GW Heading 1",
        "一级标题",
        "<w:keepNext/>" + spacing() + FIRST2,
        fonts("黑体") + size(16),
    ),
    para_style(
        "GWH2",
        "GW Heading 2",
        "二级标题",
        "<w:keepNext/>" + spacing() + FIRST2,
        fonts("楷体") + size(16),
    ),
    # 附件说明: one line below the text, two characters in
    para_style(
        "GWAttach",
        "GW Attachment",
        "附件说明",
        "<w:keepNext/>" + spacing(LINE) + LEFT2,
        fonts("仿宋") + size(16),
    ),
    # 发文机关署名 and 成文日期, kept with the 附件说明 before them: right indents are set per
    # document (they depend on lengths)
    para_style(
        "GWSign",
        "GW Signature",
        "发文机关署名",
        "<w:keepNext/>" + spacing(2 * LINE) + '<w:jc w:val="right"/>',
        fonts("仿宋") + size(16),
    ),
    para_style(
        "GWDate",
        "GW Date",
        "成文日期",
        spacing() + '<w:jc w:val="right"/>',
        fonts("仿宋") + size(16),
    ),
    para_style("GWNote", "GW Note", "附注", spacing() + LEFT2, fonts("仿宋") + size(16)),
    # 附件 mark at the top left of an attachment's first page
    para_style(
        "GWAnnex",
        "GW Annex",
        "附件标识",
        "<w:pageBreakBefore/>" + spacing(),
        fonts("黑体") + size(16),
    ),
    para_style(
        "GWSmall",
        "GW Small",
        "小字说明",
        '<w:wordWrap w:val="0"/>' + spacing(0, 0, 360, "atLeast") + '<w:jc w:val="left"/>',
        fonts("仿宋") + size(12),
    ),
    para_style(
        "GWCell",
        "GW Cell",
        "表格文字",
        '<w:wordWrap w:val="0"/><w:snapToGrid w:val="0"/>'
        + spacing(0, 0, 300, "atLeast")
        + '<w:jc w:val="left"/>',
        fonts("仿宋") + size(10.5),
    ),
    para_style(
        "GWCellHead",
        "GW Cell Head",
        "表头文字",
        '<w:keepNext/><w:snapToGrid w:val="0"/>'
        + spacing(0, 0, 300, "atLeast")
        + '<w:jc w:val="center"/>',
        fonts("黑体") + size(10.5),
    ),
    para_style(
        "GWFooter",
        "GW Footer",
        "页码",
        spacing(0, 0, 240, "auto"),
        fonts("宋体", "宋体") + size(14),
    ),
]

TABLE_STYLE = (
    '<w:style w:type="table" w:customStyle="1" w:styleId="GWTable">'
    '<w:name w:val="GW Table"/><w:aliases w:val="公文表格"/><w:basedOn w:val="TableNormal"/>'
    "<w:tblPr><w:tblBorders>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + '</w:tblBorders><w:tblCellMar><w:top w:w="45" w:type="dxa"/>'
    '<w:left w:w="85" w:type="dxa"/><w:bottom w:w="45" w:type="dxa"/>'
    '<w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
)

STYLES_XML = (
    XML + f'<w:styles xmlns:w="{W}">'
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    + fonts("仿宋")
    + '<w:kern w:val="2"/>'
    + size(16)
    + '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
    "</w:rPrDefault><w:pPrDefault><w:pPr>" + spacing() + '<w:jc w:val="both"/></w:pPr>'
    "</w:pPrDefault></w:docDefaults>"
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    "<w:qFormat/></w:style>"
    '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
    '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
    "<w:unhideWhenUsed/></w:style>"
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr>'
    '<w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
    '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
    '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    + TABLE_STYLE
    + "".join(STYLES)
    + "</w:styles>"
)


def footer(odd: bool) -> str:
    """— 1 —: 4号半角宋体, odd pages right and even pages left, one character in."""
    ind = (
        '<w:ind w:right="280" w:rightChars="100"/>'
        if odd
        else '<w:ind w:left="280" w:leftChars="100"/>'
    )
    jc = "right" if odd else "left"
    return (
        XML + f'<w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p><w:pPr>'
        f'<w:pStyle w:val="GWFooter"/>{ind}<w:jc w:val="{jc}"/></w:pPr>'
        '<w:r><w:t xml:space="preserve">— </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>'
    )


SECT = (
    f'<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/>'
    f'<w:footerReference w:type="even" r:id="rIdFooterEven"/>'
    f'<w:pgSz w:w="11906" w:h="16838"/>'
    f'<w:pgMar w:top="{mm(37)}" w:right="{mm(26)}" w:bottom="{mm(35)}" w:left="{mm(28)}" '
    f'w:header="{mm(15)}" w:footer="{mm(22)}" w:gutter="0"/>'
    f'<w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="{LINE}"/></w:sectPr>'
)


def specimen() -> str:
    """One paragraph per style, so a clerk opening base.docx sees what each one is for."""
    rows = [
        ("GWHeader", "发文机关标志（GW Header）"),
        ("GWNumber", "发文字号〔2026〕1号（GW Number）"),
        ("GWTitle", "标题（GW Title）"),
        ("GWTo", "主送机关：（GW To）"),
        ("GWBody", "正文，首行缩进二字（GW Body）。"),
        ("GWH1", "一、一级标题（GW Heading 1）"),
        ("GWH2", "（一）二级标题（GW Heading 2）"),
        ("GWPlain", "不缩进的正文（GW Plain）"),
        ("GWAttach", "附件：附件说明（GW Attachment）"),
        ("GWSign", "发文机关署名（GW Signature）"),
        ("GWDate", "成文日期（GW Date）"),
        ("GWNote", "（附注：GW Note）"),
        ("GWSmall", "小字说明，如哈希值（GW Small）"),
        ("GWCell", "表格文字（GW Cell）"),
        ("GWCellHead", "表头文字（GW Cell Head）"),
    ]
    return "".join(
        f'<w:p><w:pPr><w:pStyle w:val="{s}"/></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>'
        for s, t in rows
    )


DOCUMENT = (
    XML
    + f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>'
    + specimen()
    + SECT
    + "</w:body></w:document>"
)

SETTINGS = (
    XML + f'<w:settings xmlns:w="{W}"><w:zoom w:percent="100"/>'
    '<w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>'
    '<w:characterSpacingControl w:val="compressPunctuation"/>'
    '<w:compat><w:useFELayout/><w:compatSetting w:name="compatibilityMode" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
    '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
    '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
)

FONT_TABLE = (
    XML
    + f'<w:fonts xmlns:w="{W}">'
    + "".join(
        f'<w:font w:name="{name}">'
        + (f'<w:altName w:val="{alt}"/>' if alt else "")
        + f'<w:charset w:val="{cs}"/><w:family w:val="{fam}"/><w:pitch w:val="{pitch}"/></w:font>'
        for name, alt, cs, fam, pitch in (
            ("Times New Roman", "", "00", "roman", "variable"),
            ("仿宋", "FangSong", "86", "modern", "fixed"),
            ("黑体", "SimHei", "86", "modern", "fixed"),
            ("楷体", "KaiTi", "86", "modern", "fixed"),
            ("宋体", "SimSun", "86", "auto", "variable"),
            ("方正小标宋简体", "", "86", "script", "default"),
        )
    )
    + "</w:fonts>"
)

CT = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES = (
    XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    f'ContentType="{CT}.wordprocessingml.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{CT}.wordprocessingml.styles+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{CT}.wordprocessingml.settings+xml"/>'
    f'<Override PartName="/word/fontTable.xml" ContentType="{CT}.wordprocessingml.fontTable+xml"/>'
    f'<Override PartName="/word/footer1.xml" ContentType="{CT}.wordprocessingml.footer+xml"/>'
    f'<Override PartName="/word/footer2.xml" ContentType="{CT}.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{CT}.extended-properties+xml"/>'
    "</Types>"
)

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT_RELS = (
    XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)

DOCUMENT_RELS = (
    XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rIdSettings" Type="{REL}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rIdFonts" Type="{REL}/fontTable" Target="fontTable.xml"/>'
    f'<Relationship Id="rIdFooterOdd" Type="{REL}/footer" Target="footer1.xml"/>'
    f'<Relationship Id="rIdFooterEven" Type="{REL}/footer" Target="footer2.xml"/>'
    "</Relationships>"
)

CORE = (
    XML + "<cp:coreProperties "
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>公文样式（GB/T 9704-2012）</dc:title><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)

APP = (
    XML + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>shuangsui</Application><DocSecurity>0</DocSecurity>'
    "</Properties>"
)

PARTS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": ROOT_RELS,
    "docProps/app.xml": APP,
    "docProps/core.xml": CORE,
    "word/_rels/document.xml.rels": DOCUMENT_RELS,
    "word/document.xml": DOCUMENT,
    "word/fontTable.xml": FONT_TABLE,
    "word/footer1.xml": footer(odd=True),
    "word/footer2.xml": footer(odd=False),
    "word/settings.xml": SETTINGS,
    "word/styles.xml": STYLES_XML,
}


def build() -> bytes:
    from shuangsui.documents.docx import pack_zip

    return pack_zip({k: v.encode("utf-8") for k, v in PARTS.items()}, dt.datetime(2026, 1, 1))


if __name__ == "__main__":
    data = build()
    OUT.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        print(f"wrote {OUT} ({len(data)} bytes, {len(z.namelist())} parts)")
