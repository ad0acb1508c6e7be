"""Chinese numbers and dates as the bureau's documents write them, and the 发文字号."""

import datetime as dt

import pytest

from shuangsui.documents import chinese


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 3, 9), "二〇二六年三月九日"),
        (dt.date(2026, 11, 30), "二〇二六年十一月三十日"),
        (dt.date(2026, 10, 10), "二〇二六年十月十日"),
        (dt.date(2020, 12, 21), "二〇二〇年十二月二十一日"),
        (dt.date(2026, 11, 26), "二〇二六年十一月二十六日"),
        (dt.date(2031, 1, 31), "二〇三一年一月三十一日"),
    ],
)
def test_chinese_date_uses_ling_circle_and_ten_forms(day, expected):
    assert chinese.chinese_date(day) == expected
    assert "零" not in chinese.chinese_date(day)


def test_numbers_past_99_stay_arabic_and_dates_follow_gbt_9704():
    assert [chinese.cn_number(n) for n in (1, 10, 12, 20, 99)] == [
        "一",
        "十",
        "十二",
        "二十",
        "九十九",
    ]
    assert chinese.cn_number(100) == "100" and chinese.cn_number(0) == "0"
    assert chinese.arabic_date(dt.date(2026, 3, 9)) == "2026年3月9日"
    assert chinese.arabic_datetime(dt.datetime(2026, 3, 9, 8, 5)) == "2026年3月9日 08:05"
    assert chinese.arabic_datetime(None) == ""


def test_a_document_number_names_prefix_kind_year_and_number():
    bureau = {"doc_prefix": "淄高新安监", "doc_kind": "抽"}
    assert chinese.doc_number(bureau, 2026, 17) == "淄高新安监抽〔2026〕17号"
