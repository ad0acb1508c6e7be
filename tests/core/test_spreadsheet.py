"""Spreadsheet cells (core.spreadsheet): text that would start a formula is prefixed with ',
and the prefix comes off again exactly."""

from hypothesis import given
from hypothesis import strategies as st

from shuangsui.core.spreadsheet import FORMULA_STARTS, original_cell, safe_cell

PAYLOADS = ["=1+1", "@SUM(A1)", "=cmd|' /C calc'!A0", "+1", "-1+1", "\t=1+1", "\r=1+1"]


def test_every_formula_start_is_prefixed_with_one_quote():
    for text in PAYLOADS:
        assert safe_cell(text) == "'" + text
    assert {c: safe_cell(c + "x") for c in FORMULA_STARTS} == {
        c: "'" + c + "x" for c in FORMULA_STARTS
    }


def test_ordinary_text_is_left_as_it_is():
    for text in ["", "淄博运顺石灰石有限公司", "淄高新安监罚〔2026〕12号", "a=1", " =1", "'", "'x"]:
        assert safe_cell(text) == text == original_cell(text)


def test_text_already_quoted_before_a_formula_start_gets_one_more_quote():
    assert safe_cell("'=1+1") == "''=1+1"
    assert original_cell("''=1+1") == "'=1+1"


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", "甲", " "])))
def test_original_cell_gives_back_every_value_safe_cell_wrote(text):
    cell = safe_cell(text)
    assert original_cell(cell) == text
    assert not cell.startswith(FORMULA_STARTS)
