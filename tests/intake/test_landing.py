"""Reading landing files: encodings detected, Excel read, unusable files refused whole,
columns that are not read named."""

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from conftest import FIXTURES, SAMPLES
from shuangsui.intake import landing, quality
from shuangsui.intake.prepared import Prepared

CLEAN = pd.read_csv(FIXTURES / "enterprises_bom.csv", dtype=str, encoding="utf-8-sig")


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("enterprises_gbk.csv", "gbk"),
        ("enterprises_bom.csv", "utf-8-sig"),
        ("enterprises.xlsx", "xlsx"),
        ("enterprises_bad_check_digit.csv", "utf-8"),
    ],
)
def test_encoding_is_detected_and_chinese_text_survives(name, encoding):
    got = landing.read_file(FIXTURES / name)
    assert got.entity == "enterprises"
    assert got.encoding == encoding
    if name != "enterprises_bad_check_digit.csv":
        assert list(got.frame["name"]) == list(CLEAN["企业名称"])
        assert list(got.frame["_row"]) == list(range(2, 2 + len(CLEAN)))


def test_undecodable_file_is_refused_with_its_name_line_and_offset():
    # Line 4 of the fixture is binary: its first byte is the file's byte 424.
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises_undecodable.csv: cannot be read as UTF-8 or GBK \(first bad byte "
        r"on line 4, byte offset 424\)",
    ):
        landing.read_file(FIXTURES / "enterprises_undecodable.csv")


def test_a_bad_byte_in_a_file_marked_utf8_is_refused_with_its_line(tmp_path):
    # The BOM says UTF-8, so the file is not tried as GBK: a part saved in another encoding.
    p = tmp_path / "enterprises.csv"
    good = (FIXTURES / "enterprises_bom.csv").read_bytes()
    lines = good.split(b"\n")
    lines[5] = "淄博".encode("gbk") + lines[5]
    p.write_bytes(b"\n".join(lines))
    offset = len(b"\n".join(lines[:5])) + 1
    with pytest.raises(
        landing.UnusableFile, match=rf"first bad byte on line 6, byte offset {offset}\)"
    ):
        landing.read_file(p)


def test_missing_required_column_is_named():
    with pytest.raises(landing.UnusableFile, match=r"required column\(s\) missing: 行业"):
        landing.read_file(FIXTURES / "enterprises_missing_column.csv")


def test_entity_is_recognised_from_headers_and_names():
    assert {landing.read_file(p).entity for p in landing.discover(SAMPLES)} == {
        "enterprises",
        "inspectors",
        "conflicts",
    }
    assert landing.read_file(FIXTURES / "conflicts_unknown_inspector.csv").entity == "conflicts"


def test_english_headers_are_accepted(tmp_path):
    p = tmp_path / "ents.csv"
    CLEAN.rename(
        columns={
            "统一社会信用代码": "uscc",
            "企业名称": "name",
            "行业": "industry",
            "科室": "department",
            "经营状态": "status",
        }
    ).to_csv(p, index=False)
    assert landing.read_file(p).entity == "enterprises"


def test_a_folder_without_tables_is_refused(tmp_path):
    with pytest.raises(landing.UnusableFile, match="no .csv or .xlsx"):
        landing.discover(tmp_path)


def test_columns_not_read_are_named(tmp_path):
    header = "统一社会信用代码,企业名称,行业,科室,经营状态,备注,企业名称,"
    row = "91370300MA3C1234X2,淄博齐天化工有限公司,危险化学品,危险化学品监管科,存续,新设,齐天,"
    p = tmp_path / "enterprises.csv"
    p.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    got = landing.read_file(p)
    # 备注 is unknown, the second 企业名称 a repeat (the first is read); the unnamed last
    # column holds nothing, so nothing is lost with it.
    assert got.unknown_columns == ["备注", "企业名称"]
    assert list(got.frame["name"]) == ["淄博齐天化工有限公司"] * 2
    p.write_text(f"{header}\n{row}\n{row}x\n", encoding="utf-8")
    assert landing.read_file(p).unknown_columns == ["备注", "企业名称", "column 8 (no header)"]


def test_a_file_of_known_columns_only_names_none():
    assert landing.read_file(FIXTURES / "enterprises_bom.csv").unknown_columns == []
    assert landing.read_file(FIXTURES / "enterprises.xlsx").unknown_columns == []


def test_columns_not_read_of_a_workbook_are_named(tmp_path):
    p = tmp_path / "enterprises.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append([*CLEAN.columns, "备注", "行业"])
    for row in CLEAN.itertuples(index=False):
        wb.active.append([*row, "", "x"])
    wb.save(p)
    assert landing.read_file(p).unknown_columns == ["备注", "行业"]


def test_columns_not_read_survive_the_saved_sync(tmp_path):
    p = tmp_path / "enterprises.csv"
    CLEAN.assign(备注="新设").to_csv(p, index=False)
    landed = landing.read_file(p)
    checked = quality.check("enterprises", landed.frame, today=dt.date(2026, 11, 26))
    prep = Prepared("r", dt.date(2026, 11, 26), [], {"enterprises": [(landed, checked)]})
    loaded = Prepared.load(prep.save(tmp_path / "work")).checked["enterprises"][0][0]
    assert loaded.unknown_columns == ["备注"]
    assert type(loaded.unknown_columns) is list


def test_a_workbook_is_read_as_pandas_reads_it(tmp_path):
    """Cell values as pandas.read_excel(dtype=str) gives them: numbers, dates, booleans,
    formulas without a cached value, errors, blank rows kept in place."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "行业", "科室", "经营状态", None, 2026])
    ws.append(["91370300MA3C1234X2", "a", 5, 5.5, dt.datetime(2026, 11, 10), True, "=1/0"])
    ws.append([])
    ws.append(["x", 1e16, 0.1, -3, dt.time(10, 30), False, " "])
    ws.append(["y", "#N/A", dt.date(2026, 1, 2)])
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / "enterprises.xlsx"
    p.write_bytes(buf.getvalue())
    theirs = pd.read_excel(p, dtype=str, keep_default_na=False, engine="openpyxl")
    headers, ours = landing._read_xlsx(p.read_bytes(), p)
    assert headers == ["统一社会信用代码", "企业名称", "行业", "科室", "经营状态", "", "2026"]
    assert list(ours.dtypes) == list(theirs.dtypes)
    pd.testing.assert_frame_equal(ours, theirs.set_axis(ours.columns, axis=1))
