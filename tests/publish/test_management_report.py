"""The report of common problems to the 管委会 (第七条(六)): counts, the common problems, the
serious violations, as JSON, HTML and DOCX (the bureau's one DOCX writer)."""

import json

import pytest
from docx import Document

from shuangsui import config
from shuangsui.publish import management_report
from site_world import BUILT, PENALTY, WH, YJ, make_world


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    return make_world(engine, tmp_path, monkeypatch)


def test_management_report_counts_problems_and_flags_the_common_ones(world, tmp_path):
    paths = management_report.management_report(
        world["engine"], tmp_path / "report", year=2026, now=BUILT
    )
    data = json.loads(paths["json"].read_text("utf-8"))
    assert data["inspected_units"] == 7 and data["problem_units"] == 4
    items = {i["code"]: i for i in data["items"]}
    assert items["SC-02"]["units"] == 3 and items["SC-02"]["common"]
    assert not items["SC-03"]["common"] and not items["SC-07"]["common"]
    assert data["serious_units"] == 1 and data["serious"][0]["penalty_ref"] == PENALTY
    assert {g["name"]: g["problem_units"] for g in data["by_department"]} == {WH: 3, YJ: 1}
    html = paths["html"].read_text("utf-8")
    title = "关于2026年“双随机”抽查发现普遍性问题的情况通报"
    assert title in html and "主送：高新区管委会" in html and "<svg" in html
    assert "二〇二六年十二月二十日" in html and "<script" not in html
    doc = Document(str(paths["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith(title) and "主送：高新区管委会" in text
    assert text.rstrip().endswith(f"{config.bureau()['name']}\n二〇二六年十二月二十日")
    assert any("SC-02" in c.text for t in doc.tables for c in t.columns[0].cells)
    styles = [p.style.name for p in doc.paragraphs]  # the bureau's page and styles (base.docx)
    assert styles[:2] == ["GW Title", "GW To"] and styles[-2:] == ["GW Signature", "GW Date"]
    assert doc.core_properties.title == title
    stricter = management_report.management_report(
        world["engine"], tmp_path / "r2", year=2026, now=BUILT, min_units=4, min_share=0.5
    )
    assert not json.loads(stricter["json"].read_text("utf-8"))["common_items"]
    again = management_report.management_report(
        world["engine"], tmp_path / "report", year=2026, now=BUILT
    )
    assert again["docx"].read_bytes() == paths["docx"].read_bytes()
