"""Each expectation of the suites catches what it is meant to, and only that."""

import datetime as dt

import pandas as pd
import pytest

from conftest import FIXTURES
from shuangsui.intake import landing, quality

TODAY = dt.date(2026, 11, 26)


def rules(checked, severity="critical"):
    return {(f.row, f.rule) for f in checked.findings if f.severity == severity}


def checked(name, **kw):
    l = landing.read_file(FIXTURES / name)
    return quality.check(l.entity, l.frame, today=TODAY, **kw)


@pytest.mark.parametrize(
    "name",
    ["enterprises_gbk.csv", "enterprises_bom.csv", "enterprises.xlsx", "enterprises_fullwidth.csv"],
)
def test_clean_files_pass_every_expectation(name):
    c = checked(name)
    assert c.findings == [] and len(c.valid) == 10
    assert all(e["success"] for e in c.expectations)


def test_full_width_file_normalizes_to_the_clean_codes():
    clean = checked("enterprises_bom.csv").valid
    assert list(checked("enterprises_fullwidth.csv").valid["uscc"]) == list(clean["uscc"])


def test_wrong_check_digit_is_quarantined_with_the_right_digit():
    c = checked("enterprises_bad_check_digit.csv")
    [f] = c.findings
    assert (f.row, f.column, f.value, f.rule) == (
        4,
        "uscc",
        "91370391MAP3UF2D9G",
        "uscc_check_digit",
    )
    assert f.message.endswith("校验位应为 9")
    assert len(c.valid) == 9


def test_duplicates_exact_repeat_dropped_and_clashing_key_quarantined():
    c = checked("enterprises_duplicates.csv")
    assert rules(c) == {(6, "duplicate_row"), (5, "duplicate_key"), (11, "duplicate_key")}
    assert "91370300MAN5T1KL3N" not in set(c.valid["uscc"])
    assert "91370300MAN5T1KL3N" in set(c.seen_keys["uscc"])  # seen: never delisted


def test_unknown_industry_is_quarantined():
    assert rules(checked("enterprises_unknown_industry.csv")) == {(5, "known_industry")}


def test_expired_certificate_is_loaded_with_a_warning():
    c = checked("inspectors_expired.csv")
    assert rules(c) == set()
    assert rules(c, "warning") == {(4, "cert_expired")}
    [w] = [f for f in c.findings if f.severity == "warning"]
    assert (w.column, w.value) == ("cert_expiry", "2025-06-30")
    assert "ZF003" in set(c.valid["inspector_id"])


def test_conflict_with_an_unknown_inspector_is_quarantined():
    staff = pd.read_csv(
        FIXTURES.parent.parent.parent / "include/shuangsui/samples/registry/inspectors.csv",
        dtype=str,
        encoding="utf-8-sig",
    )["人员编号"]
    c = checked("conflicts_unknown_inspector.csv", known_inspectors=list(staff))
    assert (6, "known_inspector") in rules(c)


def frame(entity, **cols):
    df = pd.DataFrame(cols)
    return landing.canonicalize(df, entity, "t.csv")


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("统一社会信用代码", "91370391MAP3UF2D9", "uscc_format"),
        ("统一社会信用代码", "", "required"),
        ("科室", "财务科", "known_department"),
        ("经营状态", "营业", "known_status"),
        ("风险等级", "E", "known_risk_class"),
        ("重点企业", "也许", "yes_no"),
        ("企业名称", "厂", "length"),
    ],
)
def test_each_enterprise_rule(column, value, rule):
    row = {
        "统一社会信用代码": "91370391MAP3UF2D99",
        "企业名称": "淄博测试化工有限公司",
        "行业": "危险化学品",
        "科室": "危险化学品监管科",
        "经营状态": "存续",
        "风险等级": "B",
        "重点企业": "是",
    }
    row[column] = value
    c = quality.check(
        "enterprises", frame("enterprises", **{k: [v] for k, v in row.items()}), today=TODAY
    )
    assert rules(c) == {(2, rule)}


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("执法证有效期至", "2027-02-30", "date"),
        ("执法行业", "危险化学品、航天", "known_industry"),
        ("电子邮箱", "zhang.at.example", "email"),
        ("联系电话", "call me", "phone"),
        ("在岗", "请假", "yes_no"),
    ],
)
def test_each_inspector_rule(column, value, rule):
    row = {
        "人员编号": "ZF001",
        "姓名": "张伟",
        "执法证号": "鲁037031720001",
        "执法证有效期至": "2028-06-30",
        "科室": "危险化学品监管科",
        "执法行业": "危险化学品",
        "在岗": "是",
        "电子邮箱": "zhangwei@ajj.example.cn",
        "联系电话": "13805330001",
    }
    row[column] = value
    c = quality.check(
        "inspectors", frame("inspectors", **{k: [v] for k, v in row.items()}), today=TODAY
    )
    assert rules(c) == {(2, rule)}


def test_two_inspectors_sharing_a_certificate_are_both_quarantined():
    c = quality.check(
        "inspectors",
        frame(
            "inspectors",
            人员编号=["ZF001", "ZF002"],
            姓名=["张伟", "李娜"],
            执法证号=["鲁1", "鲁1"],
            执法证有效期至=["2028-01-01"] * 2,
            科室=["危险化学品监管科"] * 2,
        ),
        today=TODAY,
    )
    assert rules(c) == {(2, "duplicate_cert"), (3, "duplicate_cert")}
