"""The line markup of the notice templates: blocks, tables, the signature's place, errors."""

import pytest

from shuangsui.documents import markup


def test_template_markup_errors_name_the_line():
    with pytest.raises(markup.TemplateError, match=r"t\.j2, line 2: unknown directive '@tilte'"):
        markup.parse("@title 标题\n@tilte 标题", "t.j2")
    with pytest.raises(markup.TemplateError, match="line 2: 3 cells in a 2-column table"):
        markup.parse("@table a|b\n@row 1|2|3", "t.j2")
    with pytest.raises(markup.TemplateError, match="line 1: @row outside a table"):
        markup.parse("@row 1|2", "t.j2")
    with pytest.raises(markup.TemplateError, match="line 1: 3 widths for 2 columns"):
        markup.parse("@table[1,2,3] a|b", "t.j2")


def test_tables_rows_and_the_signature_placed_per_gbt_9704():
    blocks = markup.parse(
        "@title 标题\n正文一行\n@table[1,3] 甲|乙\n@row 1|2\n@sign 某某局\n@date 二〇二六年一月一日"
    )
    assert [b.kind for b in blocks] == ["title", "body", "table", "sign", "date"]
    table = blocks[2]
    assert table.head == ["甲", "乙"] and table.rows == [["1", "2"]] and table.widths == [1, 3]
    sign, date = blocks[3:]
    assert date.right == 4.0 and sign.right == 4 + (9 - 3) / 2  # centred over the date


def test_a_printed_value_cannot_start_a_directive_or_split_a_cell():
    assert markup.clean("@甲|乙\n丙\x07") == "＠甲｜乙 丙"
    assert markup.clean(None) == "" and markup.clean(12) == "12"
