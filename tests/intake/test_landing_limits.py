"""A landing file past the limits (size, rows, a workbook's unzipped size) is refused at
once with the limit, the figure found and the setting to change; running out of memory
while reading is a refusal too, never a crash that Airflow would retry."""

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, SAMPLES
from shuangsui import config
from shuangsui.intake import landing

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def never(*args, **kwargs):
    raise AssertionError("read although refused")


def repack(path: Path, sheet_parts, src: Path = FIXTURES / "enterprises.xlsx") -> Path:
    """`src` with its first sheet's XML replaced by the concatenation of `sheet_parts`,
    written part by part (a sheet of 10^8 bytes never sits in memory)."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != SHEET:
                new.writestr(info.filename, old.read(info.filename))
                continue
            with new.open(SHEET, "w") as f:
                for part in sheet_parts:
                    f.write(part)
    return path


def original_sheet() -> bytes:
    with zipfile.ZipFile(FIXTURES / "enterprises.xlsx") as z:
        return z.read(SHEET)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("SHUANGSUI_MAX_FILE_MB", "0.25")
    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises.csv: 0.4 MB, more than the 0.25 MB a landing file may be "
        r"\(SHUANGSUI_MAX_FILE_MB\); split it",
    ):
        landing.read_file(SAMPLES / "enterprises.csv")


def test_a_csv_with_more_lines_than_rows_allowed_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "9")
    monkeypatch.setattr(landing.pd, "read_csv", never)
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises_bom.csv: 10 lines after the header, more than the 9 rows a "
        r"landing file may have \(SHUANGSUI_MAX_ROWS\); split it into files of at most 9 rows",
    ):
        landing.read_file(FIXTURES / "enterprises_bom.csv")


def test_a_csv_of_exactly_the_rows_allowed_is_read(monkeypatch):
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "10")
    assert len(landing.read_file(FIXTURES / "enterprises_bom.csv").frame) == 10


def test_rows_are_counted_whatever_the_line_ends(tmp_path, monkeypatch):
    # Classic Mac line ends (a lone CR): no LF to count, the rows read are counted.
    p = tmp_path / "enterprises.csv"
    text = (FIXTURES / "enterprises_bom.csv").read_bytes().replace(b"\r\n", b"\r")
    p.write_bytes(text.replace(b"\n", b"\r"))
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "9")
    with pytest.raises(landing.UnusableFile, match=r"10 (rows|lines after the header), more"):
        landing.read_file(p)


def test_the_workbook_bomb_is_refused_before_it_is_unzipped(tmp_path, monkeypatch):
    # The reported file: 3*10^6 rows of one cell without row numbers, 147 MB of XML in
    # 0.4 MB of zip, which took 5 GB and three minutes before it failed.
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    p = repack(
        tmp_path / "enterprises.xlsx",
        [SHEET_START, b"<sheetData>", *[row * 100_000] * 30, b"</sheetData></worksheet>"],
    )
    assert p.stat().st_size < 500_000
    monkeypatch.setattr("openpyxl.load_workbook", never)
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises.xlsx: its part xl/worksheets/sheet1.xml unzips 34\d times over "
        r"\(0.4 MB to 140.2 MB\), more than the 100 times a workbook's parts do "
        r"\(SHUANGSUI_MAX_XLSX_RATIO\)",
    ):
        landing.read_file(p)


def test_a_workbook_unzipping_past_the_limit_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setenv("SHUANGSUI_MAX_XLSX_MB", "0.01")
    monkeypatch.setattr("openpyxl.load_workbook", never)
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises.xlsx: its parts unzip to 0.024 MB, more than the 0.01 MB a "
        r"workbook may \(SHUANGSUI_MAX_XLSX_MB\); save it as CSV",
    ):
        landing.read_file(FIXTURES / "enterprises.xlsx")


def test_a_sheet_past_the_last_excel_row_is_refused_from_its_dimension(tmp_path):
    sheet = original_sheet().replace(
        b'<dimension ref="A1:I11"/>', b'<dimension ref="A1:I3000000"/>'
    )
    assert b"A1:I3000000" in sheet
    p = repack(tmp_path / "enterprises.xlsx", [sheet])
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises.xlsx: sheet 企业名录 reaches row 3,000,000, past the last row of "
        r"an Excel sheet \(1,048,576\)",
    ):
        landing.read_file(p)


def test_a_sheet_jumping_past_the_last_excel_row_is_refused(tmp_path):
    # No <dimension>, a row numbered beyond Excel's last: stopped while counting.
    sheet = re.sub(rb"<dimension[^>]*/>", b"", original_sheet())
    far = b'<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>x</t></is></c></row>'
    p = repack(
        tmp_path / "enterprises.xlsx", [sheet.replace(b"</sheetData>", far + b"</sheetData>")]
    )
    with pytest.raises(landing.UnusableFile, match=r"reaches row 1,048,577, past the last row"):
        landing.read_file(p)


@pytest.mark.parametrize("dimension", [True, False])
def test_a_sheet_with_more_rows_than_allowed_is_refused(tmp_path, monkeypatch, dimension):
    sheet = original_sheet()
    if not dimension:
        sheet = re.sub(rb"<dimension[^>]*/>", b"", sheet)
    p = repack(tmp_path / "enterprises.xlsx", [sheet])
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "9")
    found = "reaches row 11" if dimension else "has rows past row 10"
    with pytest.raises(
        landing.UnusableFile,
        match=rf"enterprises.xlsx: sheet 企业名录 {found}, more than the 9 rows a landing file "
        r"may have \(SHUANGSUI_MAX_ROWS\)",
    ):
        landing.read_file(p)
    monkeypatch.setenv("SHUANGSUI_MAX_ROWS", "10")
    assert len(landing.read_file(p).frame) == 10


def test_running_out_of_memory_is_a_refusal_not_a_crash(tmp_path, monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    p = shutil.copy(FIXTURES / "enterprises_bom.csv", tmp_path / "enterprises.csv")
    monkeypatch.setattr(landing.pd, "read_csv", exhausted)
    with pytest.raises(
        landing.UnusableFile,
        match=r"enterprises.csv: not enough memory to read it \(0.0015 MB\); split it into "
        r"smaller files, or give the worker more memory \(lower SHUANGSUI_MAX_FILE_MB",
    ) as refused:
        landing.read_file(p)
    assert refused.value.__context__ is None and refused.value.__cause__ is None


def test_limits_have_province_defaults_and_refuse_nonsense(monkeypatch):
    for name in ("MAX_FILE_MB", "MAX_XLSX_MB", "MAX_XLSX_RATIO", "MAX_ROWS"):
        monkeypatch.delenv(f"SHUANGSUI_{name}", raising=False)
    assert (config.max_file_mb(), config.max_xlsx_mb()) == (2048, 2048)
    assert (config.max_xlsx_ratio(), config.max_rows()) == (100, 20_000_000)
    for bad in ("0", "-1", "many", "inf"):
        monkeypatch.setenv("SHUANGSUI_MAX_ROWS", bad)
        with pytest.raises(ValueError, match="SHUANGSUI_MAX_ROWS: a positive number"):
            config.max_rows()


def test_a_directory_of_ten_million_rows_is_within_the_defaults():
    # bench/large_sample.py's rows are 155 bytes: 10^7 of them are 1.55 GB.
    assert config.max_file_mb() * 1024 * 1024 > 155 * 10**7
    assert config.max_rows() > 10**7


def test_a_corrupt_workbook_is_still_refused_as_unreadable(tmp_path):
    p = tmp_path / "enterprises.xlsx"
    p.write_bytes(io.BytesIO(b"PK\x03\x04 not really a zip").getvalue())
    with pytest.raises(landing.UnusableFile, match="enterprises.xlsx: not a readable .xlsx"):
        landing.read_file(p)
