"""Human-readable reports (in Chinese, for the bureau's staff) rendered with Jinja2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from shuangsui import config
from shuangsui.core.clock import china_minute, utcnow
from shuangsui.intake.prepared import Prepared

ENTITY_ZH = {
    "enterprises": "检查对象（生产经营单位）",
    "inspectors": "执法检查人员",
    "conflicts": "回避关系",
    "results": "检查结果",
}


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("shuangsui", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def quality_report(
    prepared: Path,
    summary: dict,
    *,
    folder: Path | None = None,
    generated_at: dt.datetime | None = None,
) -> Path:
    """Write the data-quality report of one intake (registry sync or results); returns the
    HTML file's path. The same report is also kept as latest.html beside it. `generated_at`
    is a moment (naive UTC, or aware; default now), printed in 北京时间."""
    prep = Prepared.load(prepared)
    folder = folder or config.reports_dir() / "registry_sync"
    folder.mkdir(parents=True, exist_ok=True)
    sections: list[dict[str, Any]] = []
    for entity, pairs in prep.checked.items():
        for landed, checked in pairs:
            sections.append(
                {
                    "entity": entity,
                    "entity_zh": ENTITY_ZH[entity],
                    "source": landed.source,
                    "encoding": landed.encoding,
                    "sha256": landed.sha256,
                    "rows": checked.rows,
                    "valid": len(checked.valid),
                    "quarantined": len(checked.quarantined_rows),
                    "expectations": checked.expectations,
                    "findings": checked.findings,
                }
            )
    html = (
        environment()
        .get_template("quality_report.html.j2")
        .render(
            run_id=prep.run_id,
            today=prep.today,
            sections=sections,
            summary=summary,
            entity_zh=ENTITY_ZH,
            generated_at=china_minute(generated_at or utcnow()),
        )
    )
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in prep.run_id)
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    (folder / "latest.html").write_text(html, encoding="utf-8")
    (folder / f"{name}.json").write_text(
        json.dumps(
            {
                "summary": summary,
                "sections": [
                    {
                        **{k: v for k, v in s.items() if k != "findings"},
                        "findings": [f.__dict__ for f in s["findings"]],
                    }
                    for s in sections
                ],
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return path
