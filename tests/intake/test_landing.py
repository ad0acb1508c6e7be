"""Reading landing files: encodings detected, Excel read, unusable files refused whole."""

import pandas as pd
import pytest

from conftest import FIXTURES, SAMPLES
from shuangsui.intake import landing

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


def test_undecodable_file_is_refused_with_its_name():
    with pytest.raises(
        landing.UnusableFile, match="enterprises_undecodable.csv: cannot be read as UTF-8 or GBK"
    ):
        landing.read_file(FIXTURES / "enterprises_undecodable.csv")


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
