"""The annual plan's bounds (issue 12): the year within the rules' life, every number within
what a bureau can plan, and every refusal naming the file, the row (the file's line, the
header is row 1), the column as headed in the file and the rule."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from shuangsui import db
from shuangsui.core.clock import china_today
from shuangsui.draw import plan, plan_file

TODAY = dt.date(2026, 12, 3)  # a China date: plans of 2017 to 2027
WH = "危险化学品监管科"
HEADER = "年度,科室,计划检查户数,抽查次数,随机抽查比例,重点企业比例,抽查频次,每组人数,公开随机源"
GOOD = ["2026", WH, "300", "3", "30%", "50%", "A:1;B:1;C:1;D:2", "2", "福彩3D"]
COLUMN = {name: i for i, name in enumerate(HEADER.split(","))}


def plans_file(tmp_path, *rows: list[str], header: str = HEADER, name: str = "plans.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


def row_with(**cells: str) -> list[str]:
    """The good row with some cells changed, by their Chinese header."""
    row = list(GOOD)
    for name, value in cells.items():
        row[COLUMN[name]] = value
    return row


def refusal(path, today=TODAY) -> list[str]:
    with pytest.raises(plan.PlanInvalid) as e:
        plan_file.read_plans(path, today=today)
    return str(e.value).splitlines()


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("年度", "1850", "must be from 2017 to 2027, not 1850"),
        ("年度", "2016", "must be from 2017 to 2027, not 2016"),
        ("年度", "2028", "must be from 2017 to 2027, not 2028"),
        ("计划检查户数", "-5", "must be from 1 to 10000000, not -5"),
        ("计划检查户数", "0", "must be from 1 to 10000000, not 0"),
        ("计划检查户数", str(10**20), f"must be from 1 to 10000000, not {10**20}"),
        ("计划检查户数", "1e20", "'1e20' is not a whole number"),
        ("计划检查户数", "12.5", "'12.5' is not a whole number"),
        ("计划检查户数", '"1,000"', "'1,000' is not a whole number"),
        ("计划检查户数", "三百", "'三百' is not a whole number"),
        ("抽查次数", "2", "must be from 3 to 12, not 2 (第七条(四): 每年不少于三次"),
        ("抽查次数", "13", "must be from 3 to 12, not 13"),
        ("每组人数", "1", "must be from 2 to 10, not 1 (行政处罚法 第四十二条"),
        ("每组人数", "11", "must be from 2 to 10, not 11"),
        ("随机抽查比例", "29%", "must be from 30% to 100%, not 29% (第七条(三)"),
        ("随机抽查比例", "101%", "must be from 30% to 100%, not 1.01"),
        ("随机抽查比例", "-30%", "must be from 30% to 100%, not -30%"),
        ("随机抽查比例", "30", "not 30; for a percentage write 30%"),
        ("随机抽查比例", "nan", "'nan' is not a share"),
        ("重点企业比例", "0.4", "must be from 50% to 100%, not 40%"),
        ("重点企业比例", "1e400", "'1e400' is not a share"),
        ("抽查频次", "A:0", "a unit is drawn from 1 to 12 times a year"),
        ("抽查频次", "A:13", "not A:13"),
        ("抽查频次", f"D:{10**20}", "a unit is drawn from 1 to 12 times a year"),
        ("抽查频次", "E:1", "unknown risk class E"),
        ("抽查频次", "A:1;B", "is not a count per risk class"),
        ("科室", "安全科", "unknown 科室 '安全科'"),
        ("科室", "", "the cell is empty; it is required"),
    ],
)
def test_a_cell_out_of_bounds_is_refused_naming_file_row_and_column(tmp_path, column, value, says):
    path = plans_file(tmp_path, GOOD, row_with(**{column: value}))
    [line] = refusal(path)
    assert line.startswith(f"plans.csv: row 3, column {column}: ")
    assert says in line


def test_every_problem_of_a_file_is_named_at_once_and_nothing_is_returned(tmp_path):
    path = plans_file(
        tmp_path,
        row_with(年度="1850"),
        row_with(科室="非煤矿山监管科", 计划检查户数=str(10**20), 抽查次数="12.5"),
    )
    lines = refusal(path)
    assert [re.match(r"plans\.csv: row (\d+), column (\S+): ", x).groups() for x in lines] == [
        ("2", "年度"),
        ("3", "计划检查户数"),
        ("3", "抽查次数"),
    ]


def test_the_row_is_the_files_line_counting_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "plans.csv"
    good = ",".join(row_with(科室="综合监督管理科"))
    bad = ",".join(row_with(科室="冶金工贸监管科", 年度="1850"))
    # line 2 a plan whose 抽查频次 spans lines 2-3, line 4 blank, line 5 the bad row
    quoted = ",".join(row_with(抽查频次='"A:1;\nB:1"'))
    path.write_text(f"{HEADER}\n{quoted}\n\n{bad}\n{good}\n", encoding="utf-8")
    [line] = refusal(path)
    assert line.startswith("plans.csv: row 5, column 年度: must be from 2017 to 2027, not 1850")


def test_the_column_is_named_as_the_file_heads_it(tmp_path):
    header = HEADER.replace("年度", "year").replace("抽查次数", " 抽查次数 ")
    path = plans_file(tmp_path, row_with(年度="2016", 抽查次数="2"), header=header)
    assert [x.split(": ")[1] for x in refusal(path)] == [
        "row 2, column year",
        "row 2, column 抽查次数",
    ]


def test_full_width_digits_and_signs_are_read_as_the_intake_reads_them(tmp_path):
    path = plans_file(
        tmp_path,
        row_with(年度="２０２６", 计划检查户数="１２００", 抽查次数="１２", 随机抽查比例="３０％"),
        row_with(科室="非煤矿山监管科", 抽查频次="Ａ：１；Ｄ：３", 每组人数="　３　"),
    )
    a, b = plan_file.read_plans(path, today=TODAY)
    assert (a.year, a.planned_units, a.rounds, a.random_share) == (2026, 1200, 12, 0.3)
    assert (b.frequency, b.team_size) == ({"A": 1, "B": 1, "C": 1, "D": 3}, 3)
    # A full-width decimal point is still a decimal: not a whole number.
    [line] = refusal(plans_file(tmp_path, row_with(计划检查户数="１２．５")))
    assert line == "plans.csv: row 2, column 计划检查户数: '12.5' is not a whole number"


def test_a_plan_of_this_year_and_of_next_year_passes(tmp_path):
    this = china_today().year
    path = plans_file(
        tmp_path,
        row_with(年度=str(this), 计划检查户数="10000000", 抽查次数="12", 每组人数="10"),
        row_with(年度=str(this + 1), 随机抽查比例="100%", 重点企业比例="1", 抽查频次="D:12"),
    )
    a, b = plan_file.read_plans(path)  # judged by today's China date
    assert (a.year, a.planned_units, a.rounds, a.team_size) == (this, 10**7, 12, 10)
    assert (b.year, b.random_share, b.key_share, b.frequency["D"]) == (this + 1, 1.0, 1.0, 12)
    [line] = refusal(plans_file(tmp_path, row_with(年度=str(this + 2))), today=None)
    assert line.startswith(f"plans.csv: row 2, column 年度: must be from 2017 to {this + 1}")
    assert plan_file.read_plans(plans_file(tmp_path, row_with(年度="2017")), today=TODAY)


def test_next_year_is_reckoned_by_the_china_date_when_a_plan_is_saved(engine):
    # 2026-12-31 16:30 UTC is already 2027-01-01 in China: 2028 is next year there.
    new_year_in_china = dt.datetime(2026, 12, 31, 16, 30)
    p = plan.Plan(2028, WH, 300)
    with pytest.raises(plan.PlanInvalid, match=r"年度 \(year\): must be from 2017 to 2027"):
        plan.save(engine, [p], source="t", actor="t", now=new_year_in_china - dt.timedelta(hours=1))
    assert plan.save(engine, [p], source="t", actor="t", now=new_year_in_china) == 1
    with engine.connect() as conn:
        assert conn.execute(select(db.annual_plan.c.year)).scalars().all() == [2028]


def test_the_same_year_and_department_twice_in_a_file_is_refused(tmp_path):
    path = plans_file(tmp_path, GOOD, row_with(计划检查户数="400"))
    assert refusal(path) == [
        f"plans.csv: row 3, column 科室: 2026 {WH} is planned already in row 2; "
        "one row per year and 科室"
    ]


def test_a_file_without_a_required_column_or_without_plans_is_refused(tmp_path):
    header = HEADER.replace("计划检查户数,", "")
    row = [c for i, c in enumerate(GOOD) if i != COLUMN["计划检查户数"]]
    [line] = refusal(plans_file(tmp_path, row, header=header))
    assert line.startswith("plans.csv: required column(s) missing: 计划检查户数 (planned_units)")
    assert refusal(plans_file(tmp_path)) == ["plans.csv: no plans in the file, only a header"]
    assert refusal(tmp_path / "nowhere.csv")[0].startswith(f"{tmp_path / 'nowhere.csv'}: ")


def test_an_xlsx_plan_is_bounded_and_named_by_its_excel_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append([2026, WH, 300, 3, 0.3, 0.5, "A:1", 2, "福彩3D"])
    ws.append([None] * 9)  # a blank row 3 is skipped but counted
    ws.append([2026, "非煤矿山监管科", 1e20, 12.5, 0.3, 0.5, None, 2.0, None])
    path = tmp_path / "plans.xlsx"
    wb.save(path)
    assert refusal(path) == [
        f"plans.xlsx: row 4, column 计划检查户数: must be from 1 to 10000000, not {10**20} "
        "(at most a province's market entities)",
        "plans.xlsx: row 4, column 抽查次数: '12.5' is not a whole number",
    ]


def test_a_json_plan_is_bounded_and_named_by_its_item(tmp_path):
    path = tmp_path / "plans.json"
    items = [
        {"year": 2026, "department": WH, "planned_units": 300},
        {"年度": 1850, "科室": WH, "planned_units": 12.5, "rounds": True},
    ]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    assert [x.split(": ")[1] for x in refusal(path)] == [
        "item 2, field 年度",
        "item 2, field planned_units",
        "item 2, field rounds",
    ]


def test_the_forms_plan_is_bounded_too():
    form = {"file": None, "year": 2016, "department": WH, "planned_units": 10**20, "rounds": 3}
    with pytest.raises(plan.PlanInvalid) as e:
        plan.from_dict(form, today=TODAY)
    assert str(e.value).splitlines() == [
        f"plan 2016 {WH}, 年度 (year): must be from 2017 to 2027, not 2016 (plans start in "
        "2017, when 淄高新安监发〔2017〕5号 took effect (第十条), and reach at most next year; "
        "today is 2026-12-03 in China)",
        f"plan 2016 {WH}, 计划检查户数 (planned_units): must be from 1 to 10000000, not "
        f"{10**20} (at most a province's market entities)",
    ]
    assert plan.from_dict({**form, "year": 2027, "planned_units": 5}, today=TODAY).year == 2027
