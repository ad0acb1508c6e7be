"""A prepared sync handed between tasks as Parquet + JSON: the same frames and findings
come back, no file is a pickle, and applying the saved sync is applying the sync."""

import datetime as dt
import decimal
import json
import pickle
import shutil
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import MetaData, select

from conftest import FIXTURES, SAMPLES
from shuangsui import db
from shuangsui.intake import landing, pipeline, quality
from shuangsui.intake.landing import Landed
from shuangsui.intake.prepared import Prepared, decode, encode
from shuangsui.intake.quality import Checked, Finding

TODAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0)


def assert_same_frame(a: pd.DataFrame | None, b: pd.DataFrame | None) -> None:
    """Equal values and dtypes, and in object columns the very same types cell by cell
    (True stays a bool, None stays None, not NaN or pd.NA)."""
    if a is None or b is None:
        assert a is None and b is None
        return
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_index_type=True)
    assert type(a.index) is type(b.index) and type(a.columns) is type(b.columns)
    for name in a.columns:
        if a[name].dtype == object:
            assert [type(v) for v in a[name]] == [type(v) for v in b[name]], name
            assert [v is None for v in a[name]] == [v is None for v in b[name]], name


def assert_same_prepared(a: Prepared, b: Prepared) -> None:
    assert (a.run_id, a.today, a.sources) == (b.run_id, b.today, b.sources)
    assert type(b.today) is dt.date
    assert list(a.checked) == list(b.checked)
    for entity in a.checked:
        assert len(a.checked[entity]) == len(b.checked[entity])
        for (la, ca), (lb, cb) in zip(a.checked[entity], b.checked[entity]):
            assert (la.entity, la.source, la.sha256, la.encoding) == (
                lb.entity,
                lb.source,
                lb.sha256,
                lb.encoding,
            )
            assert_same_frame(la.frame, lb.frame)
            assert_same_frame(ca.valid, cb.valid)
            assert_same_frame(ca.seen_keys, cb.seen_keys)
            assert ca.findings == cb.findings
            assert [type(f.value) for f in ca.findings] == [type(f.value) for f in cb.findings]
            assert (ca.entity, ca.expectations, ca.rows) == (cb.entity, cb.expectations, cb.rows)
            assert ca.quarantined_rows == cb.quarantined_rows
            assert type(cb.quarantined_rows) is set


def prepared_from(engine, folder, run_id="r1") -> Prepared:
    with engine.connect() as conn:
        return pipeline.prepare(conn, pipeline.land(str(folder)), run_id=run_id, today=TODAY)


def bad_folder(tmp_path):
    """Every bad-row fixture (the ones unusable as a whole left out) and the sample roster."""
    folder = tmp_path / "landing"
    folder.mkdir()
    for f in FIXTURES.iterdir():
        if f.suffix in (".csv", ".xlsx") and not f.stem.endswith(("missing_column", "undecodable")):
            shutil.copy(f, folder / f.name)
    shutil.copy(SAMPLES / "inspectors.csv", folder / "inspectors.csv")
    return folder


def test_a_saved_sync_loads_with_identical_frames_and_findings(engine, tmp_path):
    prep = prepared_from(engine, bad_folder(tmp_path))
    assert any(c.findings for pairs in prep.checked.values() for _, c in pairs)
    assert_same_prepared(prep, Prepared.load(prep.save(tmp_path / "work")))


def test_results_with_nullable_booleans_and_dates_round_trip(tmp_path):
    csv = tmp_path / "results.csv"
    pd.DataFrame(
        {
            "抽查任务编号": ["D1", "D1", "D9", "D1"],
            "统一社会信用代码": ["91370300MA3C1234X2", "91370300MA3C1234X2", "X", ""],
            "检查事项编号": ["全部", "SC-07", "", "SC-08"],
            "检查开始日期": ["2026-11-10", "2026/11/10", "20261301", ""],
            "检查结束日期": ["2026-11-11", "2026年11月11日", "2026-11-11", "2026-11-11"],
            "检查结果": ["未发现问题", "责令限期整改", "立案查处", "未发现问题"],
            "检查发现": ["", "台账不完整（部分）", "", ""],
            "严重违法": ["否", "", "是", "也许"],
        }
    ).to_csv(csv, index=False, encoding="gbk")
    landed = landing.read_file(csv)
    checked = quality.check(
        "results",
        landed.frame,
        today=TODAY,
        known_assignments=["D1|91370300MA3C1234X2"],
        known_items=["SC-07", "SC-08"],
        draw_dates={"D1": "2026-11-02"},
    )
    assert checked.findings and len(checked.valid)
    prep = Prepared(
        "manual__2026-11-26T01:00:00+00:00", TODAY, [], {"results": [(landed, checked)]}
    )
    assert_same_prepared(prep, Prepared.load(prep.save(tmp_path / "work")))


def awkward_frame() -> pd.DataFrame:
    """Every kind of column a landed or checked frame may hold, blanks of every kind."""
    n = 5
    return pd.DataFrame(
        {
            "_row": np.arange(2, 2 + n, dtype=np.int64),
            "text": pd.Series(["淄博（高新）", None, "", "a b", "全角１"], dtype=object),
            "blank": pd.Series([None] * n, dtype=object),
            "yes_no": pd.Series([True, False, None, True, False], dtype=object),
            "count": pd.Series([1, None, 3, 2**40, -7], dtype=object),
            "mixed": pd.Series(
                [
                    "是",
                    1,
                    float("nan"),
                    None,
                    {"ended_on": "2026-11-11", "$x": [1, (2, 3)]},
                ],
                dtype=object,
            ),
            "cells": pd.Series(
                [
                    dt.date(2026, 11, 26),
                    dt.datetime(2026, 11, 26, 9, 30, 1, 5),
                    pd.Timestamp("2026-11-26 09:30:00.000000001"),
                    decimal.Decimal("3.10"),
                    np.bool_(True),
                ],
                dtype=object,
            ),
            "more": pd.Series(
                [
                    pd.NA,
                    pd.NaT,
                    dt.datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
                    [1, "二", None],
                    np.int64(5),
                ],
                dtype=object,
            ),
            "str": pd.Series(["甲", None, "丙", "", "戊"], dtype="str"),
            "string": pd.Series(["甲", None, "丙", "", "戊"], dtype="string[python]"),
            "float": [1.5, np.nan, -0.0, np.inf, 2.0],
            "Int64": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "boolean": pd.array([True, None, False, True, None], dtype="boolean"),
            "bool": [True, False, True, True, False],
            "when": pd.to_datetime(["2026-11-26", None, "2026-01-01", "2025-12-31", None]),
            "category": pd.Categorical(["A", "B", None, "A", "D"]),
        }
    ).set_axis(pd.Index([7, 3, 3, 0, 11], dtype=np.int64))  # repeated labels, out of order


def test_awkward_values_come_back_exactly(tmp_path):
    frame = awkward_frame()
    findings = [
        Finding(2, "uscc", "91370300MA3C1234X2", "uscc_check_digit", "校验位应为 1", "critical"),
        Finding(3, "ended_on,started_on", {"a": None, "b": "x"}, "dates_order", "早于", "critical"),
        Finding(4, "cert_expiry", None, "required", "为空", "critical"),
        Finding(5, "risk", 3, "r", "m", "warning"),
        Finding(6, "*", dt.date(2026, 1, 1), "duplicate_row", "重复", "critical"),
    ]
    landed = Landed("enterprises", "conn:up/企业表", "0" * 64, "database", frame)
    checked = Checked(
        "enterprises",
        frame.iloc[:0],
        findings,
        [{"type": "t", "success": True, "unexpected": 0}],
        5,
        {3, 6, 2},
        None,
    )
    prep = Prepared("r", TODAY, [{"source": "s", "rows": 5}], {"enterprises": [(landed, checked)]})
    back = Prepared.load(prep.save(tmp_path / "work"))
    assert_same_prepared(prep, back)
    # nan is not equal to itself: the mixed column's nan is checked on its own.
    assert isinstance(back.checked["enterprises"][0][0].frame["mixed"].iloc[2], float)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "文本",
        True,
        0,
        -(2**70),
        1.25,
        float("inf"),
        [1, [2, "三"]],
        (1, "a"),
        {1, 2},
        frozenset({"x"}),
        {"k": 1},
        {"$k": 1, 2: "b"},
        dt.date(2026, 2, 28),
        dt.datetime(2026, 2, 28, 23, 59, 59, 999999),
        dt.datetime(2026, 2, 28, tzinfo=dt.UTC),
        dt.time(7, 30),
        dt.timedelta(days=-1, seconds=5),
        pd.Timestamp("2026-02-28", tz="Asia/Shanghai"),
        pd.NA,
        pd.NaT,
        decimal.Decimal("0.10"),
        b"\x80\x04",
        np.float32(1.5),
        np.str_("字"),
    ],
)
def test_every_saved_value_decodes_to_the_same_type_and_value(value):
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    assert type(back) is type(value)
    assert back is value if value is pd.NA or value is pd.NaT else back == value


def test_a_value_of_an_unknown_type_is_refused_not_pickled():
    with pytest.raises(TypeError, match="cannot be saved"):
        encode(object())


def test_no_file_in_the_work_folder_is_a_pickle(engine, tmp_path, monkeypatch):
    work = tmp_path / "work"
    path = pipeline.prepare_run(
        engine, str(SAMPLES), (), run_id="r1", today=TODAY, workdir=work, now=T0
    )
    assert path == work / "prepared.json"
    files = sorted(work.iterdir())
    assert files and not [f for f in files if f.suffix not in (".json", ".parquet")]
    for f in files:
        raw = f.read_bytes()
        assert not raw.startswith(b"\x80"), f"{f.name} looks like a pickle"
        if f.suffix == ".parquet":
            assert raw[:4] == raw[-4:] == b"PAR1"
        else:
            json.loads(raw)

    def refuse(*args, **kwargs):
        raise AssertionError("loading a prepared sync must not unpickle anything")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    Prepared.load(path)


def test_a_manifest_naming_a_file_outside_its_folder_is_refused(engine, tmp_path):
    path = prepared_from(engine, SAMPLES).save(tmp_path / "work")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["checked"]["enterprises"][0]["checked"]["valid"]["$frame"] = "../elsewhere.parquet"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="not a file of this folder"):
        Prepared.load(path)


def dump(engine) -> dict:
    md = MetaData()
    md.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
            for name, table in md.tables.items()
        }


def test_applying_the_saved_sync_is_applying_the_sync_on_sqlite(tmp_path):
    engines = []
    for name in ("memory", "saved"):
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        db.upgrade(url)
        engines.append(db.engine(url))
    direct, saved = engines
    folder = bad_folder(tmp_path)
    try:
        for run_id, now, full in (("r1", T0, True), ("r2", T0 + dt.timedelta(days=1), False)):
            expected = pipeline.apply(
                direct, prepared_from(direct, folder, run_id), now=now, full_snapshot=full
            )
            path = pipeline.prepare_run(
                saved,
                str(folder),
                (),
                run_id=run_id,
                today=TODAY,
                workdir=tmp_path / run_id,
                now=now,
            )
            summary = pipeline.apply_run(saved, path, now=now, full_snapshot=full)
            assert summary == expected
            assert json.loads(path.with_name("summary.json").read_text(encoding="utf-8")) == (
                json.loads(json.dumps(expected, default=str))
            )
        assert dump(saved) == dump(direct)
    finally:
        for e in engines:
            e.dispose()


def test_a_pickle_left_by_an_earlier_version_is_refused_not_unpickled(tmp_path):
    old = tmp_path / "prepared.pkl"
    old.write_bytes(pickle.dumps({"run_id": "r"}, protocol=pickle.HIGHEST_PROTOCOL))
    with pytest.raises(ValueError, match="run prepare again"):
        Prepared.load(old)
