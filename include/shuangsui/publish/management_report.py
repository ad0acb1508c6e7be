"""The report of common problems to the 管委会 (第七条(六), R7): 关于20XX年“双随机”抽查发现
普遍性问题的情况通报 — the year's problems by checklist item, industry and 科室, the common
ones highlighted, the serious violations; as HTML (inline SVG charts, templates/site/
report.html.j2), DOCX (the bureau's one DOCX writer, documents.docx) and JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from markupsafe import Markup, escape
from sqlalchemy import Connection, Engine, Row, and_, case, distinct, func, select

from shuangsui import db
from shuangsui.core.clock import china_date, to_utc_naive
from shuangsui.core.reference import NO_PROBLEM
from shuangsui.documents.chinese import chinese_date, cn_number
from shuangsui.documents.docx import docx_bytes
from shuangsui.documents.markup import clean, parse
from shuangsui.publish.open_data import json_bytes
from shuangsui.publish.site import environment, iso_day, public_bureau

TO = "高新区管委会"


def management_report(
    engine: Engine,
    out_dir: str | Path,
    *,
    year: int,
    now: dt.datetime,
    min_units: int = 3,
    min_share: float = 0.10,
) -> dict:
    """关于20XX年“双随机”抽查发现普遍性问题的情况通报 to the 管委会 (第七条(六), R7): the
    year's problems by item, industry and 科室, the common ones highlighted, the serious
    violations; as HTML (inline SVG charts), DOCX (tables) and JSON. Returns the paths."""
    stats = problem_statistics(engine, year, min_units=min_units, min_share=min_share)
    bureau = public_bureau()
    now = to_utc_naive(now)
    on = china_date(now)
    title = f"关于{year}年“双随机”抽查发现普遍性问题的情况通报"
    ctx = {
        "title": title,
        "stats": stats,
        "bureau": bureau,
        "date_cn": chinese_date(on),
        "charts": _charts(stats),
        "percent": _percent,
    }
    ctx["lines"] = _report_lines(ctx)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"management_report_{year}"
    html = environment().get_template("site/report.html.j2").render(**ctx)
    paths = {
        "html": out_dir / f"{stem}.html",
        "docx": out_dir / f"{stem}.docx",
        "json": out_dir / f"{stem}.json",
    }
    paths["html"].write_text(html, encoding="utf-8", newline="\n")
    paths["docx"].write_bytes(_report_docx(ctx, year=year, now=now))
    paths["json"].write_bytes(
        json_bytes(
            {"title": title, "to": TO, "from": bureau["name"], "date": on.isoformat(), **stats}
        )
    )
    return paths


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%".replace(".0%", "%")


# --- the figures -----------------------------------------------------------------------


def problem_statistics(
    engine: Engine, year: int, *, min_units: int = 3, min_share: float = 0.10
) -> dict:
    """Problem results (outcome other than 未发现问题) of the year's draws, counted by
    checklist item, industry and 科室 (distinct units, and occurrences); an item is a
    普遍性问题 when found at >= min_units units or at >= min_share of the inspected units
    (and always at two units at least: one unit's problem is not common)."""
    with engine.connect() as conn:
        q = _Queries(conn, year)
        inspected = q.count(distinct(q.r.c.uscc))
        problem_units = q.count(distinct(q.r.c.uscc), q.problem)
        draws_n = q.count(distinct(q.r.c.draw_id))
        items = _items(q, inspected, min_units, min_share)
        by_industry = q.by(q.e.c.industry, industry=True)
        by_department = q.by(q.d.c.department)
        serious = q.serious()
    serious_units = _serious_units(serious)
    return {
        "year": year,
        "draws": draws_n,
        "inspected_units": inspected,
        "problem_units": problem_units,
        "problem_share": _share(problem_units, inspected),
        "threshold": {"min_units": min_units, "min_share": min_share},
        "items": items,
        "common_items": [i for i in items if i["common"]],
        "by_industry": _groups(by_industry),
        "by_department": _groups(by_department),
        "serious_units": len(serious_units),
        "serious_occurrences": len(serious),
        "serious": serious_units,
    }


def _share(n: int, inspected: int) -> float:
    return n / inspected if inspected else 0.0


class _Queries:
    """The listed results of one year's draws, counted in SQL."""

    def __init__(self, conn: Connection, year: int):
        self.conn = conn
        self.r, self.e, self.d = db.inspection_result, db.enterprise, db.draw
        self.problem = self.r.c.outcome != NO_PROBLEM
        self.base = and_(self.d.c.year == year, self.r.c.listed)

    def _results(self, *columns):
        return select(*columns).join(self.d, self.d.c.draw_id == self.r.c.draw_id)

    def count(self, what, *where) -> int:
        return self.conn.execute(
            self._results(func.count(what)).where(self.base, *where)
        ).scalar_one()

    def item_names(self) -> dict[str, str]:
        """Each checklist item's name, the latest version's."""
        c = db.checklist_item
        names = {}
        for code, name, _ in self.conn.execute(
            select(c.c.code, c.c.name, c.c.version).order_by(c.c.code, c.c.version)
        ):
            names[code] = name
        return names

    def by_item(self) -> Sequence[Row]:
        """(item code, problem units, problem occurrences)."""
        r = self.r
        return self.conn.execute(
            self._results(r.c.item_code, func.count(distinct(r.c.uscc)), func.count())
            .where(self.base, self.problem)
            .group_by(r.c.item_code)
        ).all()

    def examples(self) -> dict[str, list[str]]:
        """The distinct findings of each item, in order."""
        r = self.r
        out: dict[str, list[str]] = {}
        for code, finding in self.conn.execute(
            self._results(r.c.item_code, r.c.finding)
            .where(self.base, self.problem, r.c.finding.is_not(None))
            .distinct()
            .order_by(r.c.item_code, r.c.finding)
        ):
            out.setdefault(code, []).append(finding)
        return out

    def by(self, column, *, industry: bool = False) -> Sequence[Row]:
        """(group, inspected units, problem units) by a column of the draw or the unit."""
        r = self.r
        unit_if_problem = func.count(distinct(case((self.problem, r.c.uscc))))
        q = self._results(column, func.count(distinct(r.c.uscc)), unit_if_problem)
        if industry:
            q = q.join(self.e, self.e.c.uscc == r.c.uscc, isouter=True)
        return self.conn.execute(q.where(self.base).group_by(column)).all()

    def serious(self) -> Sequence[Row]:
        """Every serious violation (严重违法) result, by unit and item."""
        r, e, d = self.r, self.e, self.d
        return self.conn.execute(
            self._results(
                r.c.uscc,
                e.c.name,
                e.c.industry,
                r.c.item_code,
                r.c.finding,
                r.c.penalty_ref,
                r.c.decided_on,
                d.c.department,
            )
            .join(e, e.c.uscc == r.c.uscc, isouter=True)
            .where(self.base, r.c.serious)
            .order_by(r.c.uscc, r.c.item_code)
        ).all()


def _items(q: _Queries, inspected: int, min_units: int, min_share: float) -> list[dict]:
    """The items with problems, the most widespread first; common ones flagged."""
    names, examples = q.item_names(), q.examples()
    items = []
    for code, units, occurrences in q.by_item():
        share = _share(units, inspected)
        items.append(
            {
                "code": code,
                "name": names.get(code, code),
                "units": units,
                "occurrences": occurrences,
                "share": share,
                "common": units >= 2 and (units >= min_units or share >= min_share),
                "examples": examples.get(code, [])[:3],
            }
        )
    items.sort(key=lambda i: (-i["units"], -i["occurrences"], i["code"]))
    return items


def _groups(rows) -> list[dict]:
    out = [
        {
            "name": name or "未登记",
            "inspected": n,
            "problem_units": k,
            "share": k / n if n else 0.0,
        }
        for name, n, k in rows
    ]
    return sorted(out, key=lambda g: (-g["problem_units"], -g["inspected"], g["name"]))


def _serious_units(serious: Sequence[Row]) -> list[dict]:
    units: dict[str, dict] = {}
    for s in serious:
        u = units.setdefault(
            s.uscc,
            {
                "uscc": s.uscc,
                "name": s.name,
                "industry": s.industry,
                "department": s.department,
                "findings": [],
                "penalty_ref": s.penalty_ref,
                "decided_on": iso_day(s.decided_on),
            },
        )
        if s.finding:
            u["findings"].append(s.finding)
        u["penalty_ref"] = u["penalty_ref"] or s.penalty_ref
    return list(units.values())


# --- the charts (HTML) -----------------------------------------------------------------


def _charts(stats: dict) -> dict[str, Markup]:
    common = {f"{i['code']} {i['name']}" for i in stats["common_items"]}
    return {
        "items": svg_bars(
            [(f"{i['code']} {i['name']}", i["units"]) for i in stats["items"]],
            title="各检查事项发现问题的单位数（红色为普遍性问题）",
            highlight=common,
        ),
        "industry": svg_bars(
            [(g["name"], g["problem_units"]) for g in stats["by_industry"]],
            title="各行业领域发现问题的单位数",
        ),
        "department": svg_bars(
            [(g["name"], g["problem_units"]) for g in stats["by_department"]],
            title="各科室抽查发现问题的单位数",
        ),
    }


def svg_bars(
    rows: list[tuple[str, int]],
    *,
    title: str,
    unit: str = "家",
    highlight: frozenset[str] | set[str] = frozenset(),
) -> Markup:
    """A horizontal bar chart as inline SVG (no script, scales to the screen width)."""
    width, label_w, bar_w, row_h, top = 640, 230, 330, 26, 30
    height = top + row_h * max(len(rows), 1) + 8
    peak = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = round(bar_w * value / peak, 1)
        short = label if len(label) <= 15 else label[:14] + "…"
        fill = "#b3261e" if label in highlight else "#4a6fa5"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" '
            f'text-anchor="end">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="18" '
            f'fill="{fill}"><title>{escape(label)}：{value}{unit}</title></rect>'
        )
        parts.append(
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="13">{value}{unit}</text>'
        )
    if not rows:
        parts.append(f'<text x="{label_w}" y="{top + 17}" font-size="13">无</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


# --- the DOCX ---------------------------------------------------------------------------

# The report's lines as the parts of a 公文 (documents.markup); charts are HTML only.
MARKUP_OF = {"title": "@title", "to": "@to", "h1": "@h1", "h2": "@h2", "p": "@body"}


def report_markup(lines: list[tuple]) -> str:
    """The report's lines in the notices' line markup: the tables as tables, the closing
    lines as 发文机关署名 and, last, the 成文日期."""
    out = []
    for n, line in enumerate(lines):
        kind = line[0]
        if kind == "table":
            out += _table_markup(line[1], line[2])
        elif kind == "sign":
            out.append(f"{'@date' if n == len(lines) - 1 else '@sign'} {clean(line[1])}")
        elif kind in MARKUP_OF:
            out.append(f"{MARKUP_OF[kind]} {clean(line[1])}")
    return "\n".join(out) + "\n"


def _table_markup(head: list[str], rows: list[list]) -> list[str]:
    """'@table[widths] a|b' then '@row' lines; a column as wide as its longest text."""
    cells = [[clean(c) for c in r] for r in [head, *rows]]
    widths = [min(16, max(2, *(len(r[k]) for r in cells))) for k in range(len(head))]
    return [
        f"@table[{','.join(map(str, widths))}] {'|'.join(cells[0])}",
        *(f"@row {'|'.join(r)}" for r in cells[1:]),
    ]


def _report_docx(ctx: dict, *, year: int, now: dt.datetime) -> bytes:
    """The report as DOCX, on the bureau's page and styles (templates/notices/base.docx);
    dated `now` (naive UTC) so the same data gives the same bytes."""
    blocks = parse(report_markup(ctx["lines"]), "management report")
    return docx_bytes(
        blocks,
        title=ctx["title"],
        subject="情况通报",
        keywords=f"{year} {TO}",
        author=ctx["bureau"]["name"],
        created=now,
        modified=now,
    )


# --- the text (HTML and DOCX) -------------------------------------------------------------


def _report_lines(ctx: dict) -> list[tuple]:
    """The report's text, shared by the DOCX; the HTML template says the same."""
    s, pct = ctx["stats"], ctx["percent"]
    th = s["threshold"]
    lines: list[tuple] = [("title", ctx["title"]), ("to", f"主送：{TO}")]
    lines.append(
        (
            "p",
            f"根据《淄博高新区安监局“双随机”抽查和重点监督检查工作制度》第七条第（六）项"
            f"“随机抽查中发现的安全生产工作中带有普遍性的问题，要及时向高新区管委会及其"
            f"相关部门通报反馈”的规定，现将{s['year']}年“双随机”抽查发现的问题情况通报如下。",
        )
    )
    lines.append(("h1", "一、总体情况"))
    lines.append(
        (
            "p",
            f"{s['year']}年，我局开展“双随机”抽查{s['draws']}次，检查生产经营单位"
            f"{s['inspected_units']}家，发现问题单位{s['problem_units']}家，占"
            f"{pct(s['problem_share'])}；其中存在严重安全生产违法行为的"
            f"{s['serious_units']}家，已依法立案查处并按规定纳入社会信用记录。",
        )
    )
    lines.append(("h1", "二、带有普遍性的问题"))
    if s["common_items"]:
        lines.append(
            (
                "p",
                f"以下检查事项在{th['min_units']}家及以上单位或{pct(th['min_share'])}"
                f"及以上受检单位发现问题，属带有普遍性的问题：",
            )
        )
        for n, i in enumerate(s["common_items"], 1):
            text = (
                f"（{cn_number(n)}）{i['code']} {i['name']}：{i['units']}家单位存在问题，占受检单位"
                f"{pct(i['share'])}。"
            )
            if i["examples"]:
                text += "主要表现为：" + "；".join(i["examples"]) + "。"
            lines.append(("p", text))
    else:
        lines.append(("p", "本年度抽查未发现带有普遍性的问题。"))
    lines.append(("h1", "三、问题分布"))
    lines.append(("h2", "（一）按检查事项"))
    lines.append(
        (
            "table",
            ["检查事项", "问题单位数", "问题数", "占受检单位", "普遍性问题"],
            [
                [
                    f"{i['code']} {i['name']}",
                    i["units"],
                    i["occurrences"],
                    pct(i["share"]),
                    "是" if i["common"] else "否",
                ]
                for i in s["items"]
            ],
        )
    )
    lines.append(("chart", "items"))
    lines.append(("h2", "（二）按行业领域"))
    lines.append(
        (
            "table",
            ["行业领域", "受检单位数", "问题单位数", "问题单位占比"],
            [
                [g["name"], g["inspected"], g["problem_units"], pct(g["share"])]
                for g in s["by_industry"]
            ],
        )
    )
    lines.append(("chart", "industry"))
    lines.append(("h2", "（三）按科室"))
    lines.append(
        (
            "table",
            ["科室", "受检单位数", "问题单位数", "问题单位占比"],
            [
                [g["name"], g["inspected"], g["problem_units"], pct(g["share"])]
                for g in s["by_department"]
            ],
        )
    )
    lines.append(("chart", "department"))
    lines.append(("h1", "四、严重违法行为"))
    if s["serious"]:
        lines.append(
            (
                "table",
                ["单位名称", "统一社会信用代码", "违法行为", "处罚决定书文号", "决定日期"],
                [
                    [
                        u["name"] or "",
                        u["uscc"],
                        "；".join(u["findings"]),
                        u["penalty_ref"] or "",
                        u["decided_on"] or "",
                    ]
                    for u in s["serious"]
                ],
            )
        )
    else:
        lines.append(("p", "本年度抽查未发现严重安全生产违法行为。"))
    lines.append(("h1", "五、工作建议"))
    lines.append(
        (
            "p",
            "建议管委会督促相关部门和街道（园区）针对上述普遍性问题，组织相关行业领域生产经营单位"
            "开展自查自改，加强安全生产法律法规宣传培训；我局将把普遍性问题涉及的检查事项"
            "列为下一年度随机抽查的重点，并及时更新随机抽查事项清单（第七条（八））。",
        )
    )
    lines.append(("sign", ctx["bureau"]["name"]))
    lines.append(("sign", ctx["date_cn"]))
    return lines
