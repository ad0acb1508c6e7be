"""The row of a landed record is where a clerk finds it: the line of the file on which the
record starts (the header is line 1), whatever line breaks quoted fields hold and blank
lines the file has; the sheet row of a workbook."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsui.intake import landing, quality

HEADER = ["统一社会信用代码", "企业名称", "行业", "科室", "经营状态"]
CANON = ["uscc", "name", "industry", "department", "status"]
GOOD = ["91370303MAEHTY375Y", "淄博运顺石灰石有限公司", "非煤矿山", "非煤矿山监管科", "存续"]
BAD = ["91370391MAP3UF2D9G", "淄博益亨实业有限公司", "工贸", "冶金工贸监管科", "存续"]


def write(tmp_path, text: str, name="enterprises.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def line(fields) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def test_a_bad_row_after_a_multiline_field_is_reported_on_its_own_line(tmp_path):
    # Line 2's 企业名称 runs over three lines (typed with Alt+Enter); the bad check digit
    # is on line 5 of the file, not on record 3.
    multi = [GOOD[0], "淄博运顺\n石灰石\n有限公司", *GOOD[2:]]
    p = write(tmp_path, line(HEADER) + line(multi) + line(BAD))
    got = landing.read_file(p)
    assert list(got.frame["_row"]) == [2, 5]
    findings = quality.check("enterprises", got.frame, today=dt.date(2026, 11, 26)).findings
    assert {(f.row, f.rule) for f in findings if f.column == "uscc"} == {(5, "uscc_check_digit")}


def test_blank_lines_keep_the_lines_of_the_rows_below(tmp_path):
    text = "\n" + line(HEADER) + line(GOOD) + "\n \t\n" + line(BAD) + "\n\n"
    assert list(landing.read_file(write(tmp_path, text)).frame["_row"]) == [3, 6]


def test_blank_lines_ending_a_file_need_no_line_count(tmp_path, monkeypatch):
    monkeypatch.setattr(landing, "_record_lines", None)  # the fast path: rows i + 2
    text = line(HEADER) + line(GOOD) + line([*BAD[:4], "存续  "]) + "\r\n \n\t\n"
    got = landing.read_file(write(tmp_path, text))
    assert list(got.frame["_row"]) == [2, 3]
    assert got.frame["status"][1] == "存续  "


@pytest.mark.parametrize("end", ["\r\n", "\r"])
def test_windows_and_classic_mac_line_ends_count_as_lines(tmp_path, end):
    rows = [HEADER, GOOD, [BAD[0], f"淄博{end}益亨", *BAD[2:]], GOOD]
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerows(rows)
    got = landing.read_file(write(tmp_path, buf.getvalue()))
    assert list(got.frame["_row"]) == [2, 3, 5]
    assert got.frame["name"][1] == f"淄博{end}益亨"


def test_a_header_over_two_lines_puts_the_first_row_on_line_3(tmp_path):
    text = line([*HEADER, "备\n注"]) + line([*GOOD, ""])
    got = landing.read_file(write(tmp_path, text))
    assert list(got.frame["_row"]) == [3]
    assert got.unknown_columns == ["备\n注"]


def test_gbk_file_with_multiline_fields_is_numbered_by_lines(tmp_path):
    multi = [GOOD[0], "淄博运顺\r\n石灰石有限公司", *GOOD[2:]]
    p = write(tmp_path, line(HEADER) + line(multi) + line(BAD), encoding="gbk")
    got = landing.read_file(p)
    assert got.encoding == "gbk"
    assert list(got.frame["_row"]) == [2, 4]


def test_a_row_pandas_would_shift_is_refused_with_its_line(tmp_path):
    # After a blank line ended by a lone CR, pandas drops a comma starting the next line,
    # moving that row's fields one column left: the file is refused, not misread.
    text = "\r".join([",".join(HEADER), ",".join(GOOD), "", "," + ",".join(BAD[1:]), ""])
    with pytest.raises(landing.UnusableFile, match=r"enterprises.csv: line 4 cannot be read"):
        landing.read_file(write(tmp_path, text))


def test_workbook_rows_are_sheet_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(GOOD)
    ws.append([])
    ws.append([])
    ws.append(BAD)
    ws["A9"] = GOOD[0]
    p = tmp_path / "enterprises.xlsx"
    wb.save(p)
    got = landing.read_file(p)
    assert list(got.frame["_row"]) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert list(got.frame.loc[got.frame["uscc"] != "", "_row"]) == [2, 5, 9]


_FIELD = st.lists(
    st.sampled_from(["a", "中", ",", '"', " ", "\t", "\n", "\r\n", "\r"]), max_size=6
).map("".join)
_BLANK = st.sampled_from(["", " ", "\t ", "  "])


def _csv_line(fields, quoted, end) -> str:
    """A record as Excel writes it: a field is quoted when it holds a comma, a quote or a
    line break (csv.writer leaves a lone CR unquoted), and here and there when it need not."""
    out = []
    for f, q in zip(fields, quoted):
        if q or any(c in f for c in ',"\r\n'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + end


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.tuples(
            st.lists(_BLANK, max_size=2),
            st.lists(_FIELD, min_size=5, max_size=5),
            st.lists(st.booleans(), min_size=5, max_size=5),
        ),
        min_size=1,
        max_size=8,
    ),
    leading=st.lists(_BLANK, max_size=2),
    end=st.sampled_from(["\n", "\r\n"]),
)
def test_every_row_is_on_the_line_it_was_written_on(tmp_path, records, leading, end):
    """Fields holding commas, quotes and line breaks of every kind, blank lines anywhere:
    each row is found on the line where it was written, with the values written."""
    text = "".join(blank + end for blank in leading) + _csv_line(HEADER, [False] * 5, end)
    expected = []
    for blanks, fields, quoted in records:
        text += "".join(blank + end for blank in blanks)
        expected.append(len(text.splitlines()) + 1)
        text += _csv_line(fields, quoted, end)
    got = landing.read_file(write(tmp_path, text))
    assert list(got.frame["_row"]) == expected
    assert got.frame[CANON].values.tolist() == [f for _, f, _ in records]
