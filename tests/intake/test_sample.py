"""The sample-data generator: valid, unique, deterministic, and the bundled files match it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from shuangsui import sample
from shuangsui.core import uscc
from shuangsui.core.reference import DEPARTMENTS, INDUSTRIES, KEY_INDUSTRIES

TODAY = date(2026, 11, 26)
BUNDLED = Path(__file__).resolve().parents[2] / "include" / "shuangsui" / "samples" / "registry"


@pytest.fixture(scope="module")
def ents() -> pd.DataFrame:
    return sample.enterprises()


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    return sample.inspectors(today=TODAY)


@pytest.fixture(scope="module")
def confl(ents, staff) -> pd.DataFrame:
    return sample.conflicts(ents, staff)


def test_every_generated_uscc_is_valid_and_unique(ents):
    codes = ents["统一社会信用代码"]
    assert all(uscc.is_valid(c) for c in codes)
    assert codes.is_unique
    assert codes.str[0].eq("9").all()
    assert set(codes.str[1]) <= {"1", "2", "3"} and codes.str[1].eq("1").mean() > 0.9
    assert codes.str[2:6].eq("3703").all()


def test_enterprise_names_are_unique_and_zibo(ents):
    assert ents["企业名称"].is_unique
    assert ents["企业名称"].str.startswith("淄博").all()


def test_enterprise_columns_and_vocabulary(ents):
    assert list(ents.columns) == sample.ENTERPRISE_HEADERS
    assert set(ents["行业"]) <= set(INDUSTRIES)
    for industry, dept in zip(ents["行业"], ents["科室"]):
        assert industry in DEPARTMENTS[dept]
    assert (ents.loc[ents["行业"].isin(KEY_INDUSTRIES), "重点企业"] == "是").all()
    assert set(ents["风险等级"]) == {"A", "B", "C", "D"}
    assert ents["经营状态"].eq("存续").mean() > 0.9
    assert {"停产", "注销"} <= set(ents["经营状态"])


def test_industry_shares_are_roughly_the_zones(ents):
    share = ents["行业"].value_counts(normalize=True)
    assert 0.11 < share["危险化学品"] < 0.19
    assert 0.03 < share["非煤矿山"] < 0.08
    assert 0.05 < share["冶金"] < 0.11
    assert 0 < share["烟花爆竹"] < 0.03


def test_sample_set_sizes(tmp_path):
    paths = sample.write_sample_set(tmp_path, today=TODAY)
    assert [p.name for p in paths] == ["enterprises.csv", "inspectors.csv", "conflicts.csv"]
    e, i, c = (pd.read_csv(p, dtype=str, encoding="utf-8-sig") for p in paths)
    assert (len(e), len(i), len(c)) == (3000, 60, 40)
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")  # Excel-style BOM
    assert not paths[0].read_bytes().startswith(b"\xef\xbb\xbf")


def test_bundled_sample_set_matches_the_generator(tmp_path):
    for path in sample.write_sample_set(tmp_path, today=TODAY, seed=2017):
        assert path.read_bytes() == (BUNDLED / path.name).read_bytes(), path.name


def test_same_seed_gives_identical_frames(ents, staff, confl):
    pd.testing.assert_frame_equal(ents, sample.enterprises())
    pd.testing.assert_frame_equal(staff, sample.inspectors(today=TODAY))
    pd.testing.assert_frame_equal(confl, sample.conflicts(ents, staff))


def test_different_seed_gives_different_data():
    assert not sample.enterprises(50, seed=1).equals(sample.enterprises(50, seed=2))


def test_some_inspectors_hold_expired_certificates(staff):
    expired = staff["执法证有效期至"] < TODAY.isoformat()
    assert 1 <= expired.sum() <= 6
    ahead = pd.to_datetime(staff.loc[~expired, "执法证有效期至"]).dt.date
    assert all(365 <= (d - TODAY).days <= 5 * 365 for d in ahead)


def test_inspector_roster_is_realistic(staff):
    assert list(staff.columns) == sample.INSPECTOR_HEADERS
    assert staff["人员编号"].tolist() == [f"ZF{k:03d}" for k in range(1, 61)]
    assert staff["执法证号"].is_unique
    assert staff["执法证号"].str.fullmatch(r"鲁\d{11}").all()
    assert staff["科室"].value_counts().reindex(list(DEPARTMENTS)).min() >= 6
    for dept, inds in zip(staff["科室"], staff["执法行业"]):
        assert set(DEPARTMENTS[dept]) <= set(inds.split("、")) <= set(INDUSTRIES)
    assert 1 <= staff["在岗"].eq("否").sum() <= 3
    assert staff["电子邮箱"].is_unique
    assert staff["电子邮箱"].str.fullmatch(r"[a-z]+\d*@ajj\.zbgx\.example\.cn").all()
    assert staff["联系电话"].str.fullmatch(r"1[358]\d{9}").all()


def test_conflicts_reference_existing_inspectors_and_enterprises(ents, staff, confl):
    assert list(confl.columns) == sample.CONFLICT_HEADERS
    assert set(confl["人员编号"]) <= set(staff["人员编号"])
    assert set(confl["统一社会信用代码"]) <= set(ents["统一社会信用代码"])
    assert not confl.duplicated(["人员编号", "统一社会信用代码"]).any()
    assert confl["决定"].eq("回避").mean() > 0.7


def test_conflicts_mostly_fall_in_the_inspectors_own_industries(ents, staff, confl):
    industry = dict(zip(ents["统一社会信用代码"], ents["行业"]))
    qualified = dict(zip(staff["人员编号"], staff["执法行业"].str.split("、")))
    own = [
        industry[c] in qualified[i] for i, c in zip(confl["人员编号"], confl["统一社会信用代码"])
    ]
    assert sum(own) / len(own) > 0.6


def test_demo_results_are_never_dated_before_their_draws_china_day():
    # Drawn 2026-12-01 23:30 UTC: 12-02 in China. A UTC `today` (12-01) is too early.
    late = {
        "draw_id": "D-late",
        "drawn_at": "2026-12-01T23:30:00Z",
        "targets": [{"uscc": f"U{i}"} for i in range(20)],
    }
    early = {**late, "draw_id": "D-early", "drawn_at": "2026-11-20T02:00:00Z"}
    df = sample.demo_results([late, early], date(2026, 12, 1))
    dated = [c for c in df.columns if c.endswith("日期")]
    by_draw = {
        d: set(g[dated].stack().replace("", pd.NA).dropna()) for d, g in df.groupby("抽查任务编号")
    }
    assert by_draw == {"D-late": {"2026-12-02"}, "D-early": {"2026-12-01"}}
