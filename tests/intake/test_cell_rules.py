"""Cell rules (单元格规则) for every text column, on SQLite and PostgreSQL alike: a cell too
long for the directory, or holding a NUL or another control character, quarantines its row
with a short preview, and the rest of the file applies; nothing is changed silently."""

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import String, Text, select

from conftest import SAMPLES
from shuangsui import db
from shuangsui.core.reference import COLUMNS
from shuangsui.intake import normalize, pipeline, quality, quality_report

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0)
HEADER = "统一社会信用代码,企业名称,行业,科室,重点企业,风险等级,经营状态,地址,法定代表人"


def sample_rows(n):
    return (SAMPLES / "enterprises.csv").read_text(encoding="utf-8").splitlines()[1 : n + 1]


def with_cell(row: str, column: int, value: str) -> str:
    cells = row.split(",")
    cells[column] = '"' + value.replace('"', '""') + '"'
    return ",".join(cells)


def sync(engine, folder, run_id="r1"):
    work = folder.parent / f"work-{run_id}"
    path = pipeline.prepare_run(
        engine, str(folder), (), run_id=run_id, today=TODAY, workdir=work, now=T0
    )
    return path, pipeline.apply_run(engine, path, now=T0, full_snapshot=False)


def quarantined(engine):
    q = db.quarantine.c
    with engine.connect() as conn:
        return conn.execute(
            select(q.row_number, q.column_name, q.rule, q.value).order_by(q.row_number)
        ).all()


def test_oversize_and_control_cells_are_quarantined_with_a_preview_and_the_rest_applies(
    engine, tmp_path
):
    rows = sample_rows(8)
    huge = "山东省淄博市高新区" * 1_200_000  # 10.8 MB
    rows[0] = with_cell(rows[0], 7, huge)  # 地址 (line 2)
    rows[1] = with_cell(rows[1], 8, "王" * 5_000_000)  # 法定代表人, 15 MB as UTF-8 (line 3)
    rows[2] = with_cell(rows[2], 1, "淄博\x00测试有限公司")  # NUL in 企业名称 (line 4)
    rows[3] = with_cell(rows[3], 1, "淄博\x1f测试\x7f有限公司")  # unit separator, DEL (line 5)
    rows[4] = with_cell(rows[4], 0, rows[4].split(",")[0] + "\x00")  # NUL in the key (line 6)
    rows[5] = with_cell(rows[5], 1, "名" * 300)  # too long a name (line 7)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    path, summary = sync(engine, folder)

    assert summary["entities"]["enterprises"]["inserted"] == 2  # lines 8 and 9
    got = {(r, c, rule) for r, c, rule, _ in quarantined(engine)}
    assert {
        (2, "address", "max_length"),
        (3, "legal_rep", "max_length"),
        (4, "name", "control_character"),
        (5, "name", "control_character"),
        (6, "uscc", "control_character"),
        (7, "name", "length"),
    } <= got
    for _, _, _, value in quarantined(engine):
        assert value is None or ("\x00" not in value and len(value) <= 260)
    values = {(r, c): v for r, c, _, v in quarantined(engine)}
    assert values[(2, "address")].startswith("山东省淄博市高新区")
    assert "共 10800000 个字符，仅显示前 200 个" in values[(2, "address")]
    assert values[(4, "name")] == "淄博\\u0000测试有限公司"
    assert values[(5, "name")] == "淄博\\u001f测试\\u007f有限公司"

    report = quality_report.quality_report(path, summary, folder=tmp_path / "reports")
    assert report.stat().st_size < 200_000  # not the 25 MB of the two big cells
    assert "超过 300 个字符" in report.read_text(encoding="utf-8")
    with engine.connect() as conn:
        names = set(conn.execute(select(db.enterprise.c.name)).scalars())
    assert len(names) == 2 and not any("\x00" in n or "\x1f" in n for n in names)


def test_an_unpaired_surrogate_is_a_control_character_finding():
    """Not from a CSV or workbook (their decoders refuse one), but an upstream table's
    driver can hand one over; it could not be written as UTF-8 anywhere."""
    frame = pd.read_csv(SAMPLES / "enterprises.csv", dtype=str, keep_default_na=False).head(3)
    from shuangsui.intake.landing import canonicalize

    frame = canonicalize(frame, "enterprises", "t").astype(object)  # as read_table gives
    frame.loc[1, "name"] = "淄博\ud800有限公司"
    checked = quality.check("enterprises", frame, today=TODAY)
    [f] = [f for f in checked.findings if f.severity == "critical"]
    assert (f.row, f.column, f.rule, f.value) == (
        3,
        "name",
        "control_character",
        "淄博\\ud800有限公司",
    )
    assert len(checked.valid) == 2


def test_every_text_column_has_the_cell_rules_and_the_schema_length():
    for entity, columns in COLUMNS.items():
        suite = json.loads(
            (quality.resources.files("shuangsui.intake.expectations") / f"{entity}.json").read_text(
                encoding="utf-8"
            )
        )["expectations"]
        clean = {
            e["kwargs"]["column"]
            for e in suite
            if e["type"] == "expect_column_values_to_be_clean_text"
        }
        assert clean == set(columns), entity
        maxima = {
            e["kwargs"]["column"]: e["kwargs"]["max_value"]
            for e in suite
            if e["type"] == "expect_column_value_lengths_to_be_between"
        }
        for col in columns:
            t = db.CURRENT[entity].c[col].type
            if isinstance(t, String) and not isinstance(t, Text) and t.length:
                assert maxima.get(col) == t.length, (entity, col)
            if isinstance(t, Text):
                assert maxima.get(col), (entity, col)  # a Text column still has a limit


def test_line_breaks_in_one_line_cells_are_reported_and_punctuation_is_kept(engine, tmp_path):
    rows = sample_rows(3)
    rows[0] = with_cell(rows[0], 7, "山东省淄博市高新区\n柳泉路395号")
    rows[1] = with_cell(rows[1], 7, "高新区政通路135号,A座(东门);3层")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    path, summary = sync(engine, folder)
    assert summary["entities"]["enterprises"]["inserted"] == 3
    with engine.connect() as conn:
        addresses = dict(conn.execute(select(db.enterprise.c.uscc, db.enterprise.c.address)).all())
    assert addresses[rows[0].split(",")[0]] == "山东省淄博市高新区柳泉路395号"
    assert addresses[rows[1].split(",")[0]] == "高新区政通路135号,A座(东门);3层"
    html = quality_report.quality_report(path, summary, folder=tmp_path / "r").read_text("utf-8")
    assert "“地址”中的换行已替换为空格" in html


def test_multiline_free_text_keeps_its_lines_and_names_get_official_brackets():
    s = pd.Series(["一、消防通道堵塞；\r\n二、 未设警示标识。 ", "（１）  仓库 ,  台账"])
    assert list(normalize.multiline(s)) == [
        "一、消防通道堵塞；\n二、未设警示标识。",
        "（1）仓库,台账",  # full-width digits only; brackets and comma as written
    ]
    assert list(normalize.text(pd.Series(["淄博(高新)化工,有限公司"]))) == [
        "淄博（高新）化工，有限公司"
    ]
    assert list(normalize.free_text(pd.Series(["政通路１３５号，A座"]))) == ["政通路135号，A座"]


@pytest.mark.parametrize("bad", ["\x0b", "\x0c", "\x1c", "\x85"])
def test_control_characters_that_python_counts_as_whitespace_are_not_normalized_away(bad):
    s = pd.Series([f"淄博{bad}测试", f"{bad}淄博"])
    for fn in (normalize.text, normalize.free_text, normalize.code, normalize.plain):
        assert all(bad in v for v in fn(s)), fn.__name__
