"""Normalization of what real files contain."""

import pandas as pd

from shuangsui.intake import normalize


def s(*values):
    return pd.Series(list(values), dtype="object")


def test_full_width_lower_case_usccs_with_spaces_become_canonical():
    got = normalize.code(
        s(
            "９１３７０３９１ｍａｐ３ｕｆ２ｄ９９",
            " 91370391map3uf2d99 ",
            "\u300091370391-MAP3UF2D99\u3000",
        )
    )
    assert list(got) == ["91370391MAP3UF2D99"] * 3


def test_names_get_official_brackets_and_lose_stray_spaces():
    got = normalize.text(
        s(
            " 齐天汽车配件(淄博)有限公司\u3000",
            "淄博 齐鲁 化工 有限公司",
            "ＡＢＣ Trading 淄博有限公司",
        )
    )
    assert list(got) == [
        "齐天汽车配件（淄博）有限公司",
        "淄博齐鲁化工有限公司",
        "ABC Trading淄博有限公司",
    ]


def test_blank_cells_become_missing():
    assert list(normalize.plain(s("", "  ", None, "危险化学品"))) == [
        None,
        None,
        None,
        "危险化学品",
    ]


def test_dates_in_the_forms_clerks_write_become_iso():
    got = normalize.date(
        s(
            "2026-12-31",
            "2026/12/31",
            "20261231",
            "2026年12月31日",
            "2026-12-31 00:00:00",
            "２０２６－１２－３１",
        )
    )
    assert list(got) == ["2026-12-31"] * 6


def test_impossible_dates_are_kept_as_written_for_the_report():
    assert list(normalize.date(s("2026-02-30", "明年"))) == ["2026-02-30", "明年"]


def test_yes_no_words():
    got = normalize.boolean(s("是", "否", "Y", "n", "", "也许"), default=True)
    assert list(got) == [True, False, True, False, True, "也许"]


def test_industry_lists_are_ordered_and_deduplicated():
    got = normalize.industry_list(s("机械, 冶金；冶金", "烟花爆竹/危险化学品"))
    assert list(got) == ["冶金、机械", "危险化学品、烟花爆竹"]


def test_dates_out_of_any_real_range_are_kept_for_the_report_not_a_crash():
    assert list(normalize.date(s("0001-01-01", "-2026-12-31", "2026-12-31"))) == [
        "0001-01-01",
        "-2026-12-31",
        "2026-12-31",
    ]
