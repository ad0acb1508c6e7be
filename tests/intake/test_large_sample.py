"""The benchmarks' large-directory writer (bench/large_sample.py): valid, unique rows,
the same bytes for the same seed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from shuangsui import sample
from shuangsui.core import uscc
from shuangsui.core.reference import DEPARTMENTS, INDUSTRIES, KEY_INDUSTRIES


def _bench_module(name: str):
    """A module of bench/, loaded from its file (bench/ is not put on sys.path, where its
    draw.py would shadow other imports)."""
    path = Path(__file__).resolve().parents[2] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_large_enterprises = _bench_module("large_sample").write_large_enterprises


def test_large_writer_produces_n_valid_unique_rows(tmp_path):
    path = write_large_enterprises(tmp_path / "big.csv", 20_000, seed=7, chunk_size=6_000)
    big = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(big) == 20_000
    assert list(big.columns) == sample.ENTERPRISE_HEADERS
    assert uscc.valid_mask(big["统一社会信用代码"]).all()
    assert big["统一社会信用代码"].is_unique
    assert big["企业名称"].is_unique
    assert set(big["行业"]) <= set(INDUSTRIES)
    assert (big.loc[big["行业"].isin(KEY_INDUSTRIES), "重点企业"] == "是").all()
    for industry, dept in zip(big["行业"], big["科室"]):
        assert industry in DEPARTMENTS[dept]


def test_large_writer_is_deterministic(tmp_path):
    a = write_large_enterprises(tmp_path / "a.csv", 3_000, seed=3, chunk_size=1_000)
    b = write_large_enterprises(tmp_path / "b.csv", 3_000, seed=3, chunk_size=1_000)
    assert a.read_bytes() == b.read_bytes()
