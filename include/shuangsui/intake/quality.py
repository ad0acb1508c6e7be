"""Data quality of directory files, checked with Great Expectations 1.x.

The suites are JSON files in shuangsui/expectations/, one per entity, in GX's own format:
a data engineer tunes a rule there, not in code. Each expectation's meta names the
`rule` and a Chinese `description` shown to clerks; severity `warning` reports a row but
still loads it (an expired 执法证 is a fact to know, not a typo to reject)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from shuangsui import db
from shuangsui.core import uscc
from shuangsui.core.reference import ALL_ITEMS, COLUMNS, KEY_INDUSTRIES, KEYS, NO_PROBLEM
from shuangsui.intake import normalize

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

NORMALIZERS = {
    "enterprises": {
        "uscc": normalize.code,
        "name": normalize.text,
        "industry": normalize.plain,
        "department": normalize.plain,
        "key_enterprise": normalize.boolean,
        "risk_class": normalize.upper,
        "status": normalize.plain,
        "address": normalize.free_text,
        "legal_rep": normalize.text,
    },
    "inspectors": {
        "inspector_id": normalize.code,
        "name": normalize.text,
        "cert_no": normalize.code,
        "cert_expiry": normalize.date,
        "department": normalize.plain,
        "industries": normalize.industry_list,
        "active": lambda s: normalize.boolean(s, default=True),
        "email": normalize.email,
        "phone": normalize.code,
    },
    "conflicts": {
        "inspector_id": normalize.code,
        "uscc": normalize.code,
        "reason": normalize.multiline,
        "source": normalize.plain,
        "decision": normalize.plain,
    },
    "results": {
        "draw_id": normalize.ident,
        "uscc": normalize.code,
        "item_code": normalize.ident,
        "started_on": normalize.date,
        "ended_on": normalize.date,
        "finding": normalize.multiline,
        "outcome": normalize.plain,
        "serious": lambda s: normalize.boolean(s, default=False),
        "rectification": normalize.plain,
        "rectified_on": normalize.date,
        "penalty_ref": normalize.free_text,
        "decided_on": normalize.date,
    },
}
MULTILINE = {"reason", "finding"}  # normalized by normalize.multiline: line breaks kept
DEFAULTS = {
    "conflicts": {"source": "申报", "decision": "回避"},
    "results": {"item_code": ALL_ITEMS},
}


@dataclass
class Finding:
    row: int
    column: str
    value: object
    rule: str
    message: str
    severity: str  # critical rows are quarantined; warning rows are loaded and reported


@dataclass
class Checked:
    entity: str
    valid: pd.DataFrame  # rows to apply (no critical finding)
    findings: list[Finding]
    expectations: list[dict]  # one summary per expectation, for the report
    rows: int
    quarantined_rows: set[int] = field(default_factory=set)
    seen_keys: pd.DataFrame | None = None  # keys present in the file, valid or not


def normalized(entity: str, frame: pd.DataFrame, draw_dates: dict | None = None) -> pd.DataFrame:
    """Canonical columns normalized; defaults filled where a blank has a meaning; derived
    columns that some expectations check (never applied to the database)."""
    df = frame.copy()
    for col, fn in NORMALIZERS[entity].items():
        df[col] = normalize.by_distinct(fn, df[col])
    for col, value in DEFAULTS.get(entity, {}).items():
        df[col] = df[col].where(df[col].notna(), value)
    if entity == "enterprises":
        # A blank 重点企业 cell: key-industry units (第五条) are key enterprises.
        blank = df["key_enterprise"].isna()
        df.loc[blank, "key_enterprise"] = df.loc[blank, "industry"].isin(KEY_INDUSTRIES)
    if entity == "inspectors":
        df["cert_expiry_date"] = pd.to_datetime(
            df["cert_expiry"], format="%Y-%m-%d", errors="coerce"
        )
    if entity == "results":
        df["item_code"] = df["item_code"].replace({"全部": ALL_ITEMS, "ALL": ALL_ITEMS})
        df["assignment"] = df["draw_id"].astype(str) + "|" + df["uscc"].astype(str)
        df["draw_date"] = df["draw_id"].map(draw_dates or {})
        df["names_item_if_problem"] = (df["outcome"] == NO_PROBLEM) | (
            df["item_code"].notna() & (df["item_code"] != ALL_ITEMS)
        )
    return df


def load_suite(entity: str):
    """The suite of shuangsui/expectations/<entity>.json as a GX ExpectationSuite."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    _register_custom_expectations()
    text = (
        resources.files("shuangsui.intake.expectations")
        .joinpath(f"{entity}.json")
        .read_text(encoding="utf-8")
    )
    return ExpectationSuite(**json.loads(text))


_REGISTERED = False


# What no cell may hold (cell rule `control_character`): C0 controls but tab, line feed
# and carriage return, DEL, C1 controls, and unpaired surrogates. A NUL cannot be stored
# in PostgreSQL's text at all, a surrogate cannot be written as UTF-8 anywhere.
_CONTROL_BMP = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
CONTROL = re.compile(f"[{_CONTROL_BMP}\\ud800-\\udfff]")
PREVIEW = 200  # characters of a bad cell kept in the quarantine and the report


def clean_text(values: pd.Series) -> pd.Series:
    """True where a value holds no CONTROL character; one scan of the whole column first,
    since nearly every file has none."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # Arrow strings are valid UTF-8 (no surrogate): RE2 over the buffers, 3x faster
        bad = values.str.contains(f"[{_CONTROL_BMP}]", regex=True)
        return ~bad.fillna(False).astype(bool)
    return pd.Series(~matching(values.to_numpy(dtype=object), CONTROL), index=values.index)


def matching(values: np.ndarray, pattern: re.Pattern) -> np.ndarray:
    """Which text values `pattern` finds something in; one scan of the whole column first,
    since nearly every file has no such value."""
    if not pattern.search("".join(v for v in values if isinstance(v, str))):
        return np.zeros(len(values), dtype=bool)
    return np.fromiter(
        (isinstance(v, str) and pattern.search(v) is not None for v in values),
        dtype=bool,
        count=len(values),
    )


def preview(value):
    """A cell as the quarantine and the report keep it: control characters and surrogates
    written as escapes (\x00, \ud800), at most PREVIEW characters and then the length."""
    if isinstance(value, dict):
        return {k: preview(v) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    shown = value[:PREVIEW]
    shown = CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)
    if len(value) > PREVIEW:
        shown += f"……（共 {len(value)} 个字符，仅显示前 {PREVIEW} 个）"
    return shown


def _register_custom_expectations():
    """ExpectColumnValuesToBeValidUscc: the GB 32100-2015 check digit, vectorized.
    ExpectColumnValuesToBeCleanText: no CONTROL character (see clean_text)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.metrics import (
        ColumnMapMetricProvider,
        column_condition_partial,
    )

    class ColumnValuesValidUscc(ColumnMapMetricProvider):
        condition_metric_name = "column_values.valid_uscc_check_digit"

        @column_condition_partial(engine=PandasExecutionEngine)
        def _pandas(cls, column, **kwargs):
            values = column.astype(object).to_numpy()
            well_formed, ok = uscc.format_and_valid(values)
            # A value that is not text may look like a USCC once written as text.
            other = [i for i in np.flatnonzero(~well_formed) if not isinstance(values[i], str)]
            if other:
                well_formed[other] = (
                    column.iloc[other].astype(str).str.match(uscc.PATTERN.pattern).to_numpy()
                )
            # Malformed codes are the format rule's business, not this one's.
            return pd.Series(ok | ~well_formed, index=column.index)

    class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
        """Values are USCCs whose 18th character is the GB 32100-2015 check digit."""

        map_metric = "column_values.valid_uscc_check_digit"

    class ColumnValuesCleanText(ColumnMapMetricProvider):
        condition_metric_name = "column_values.clean_text"

        @column_condition_partial(engine=PandasExecutionEngine)
        def _pandas(cls, column, **kwargs):
            return clean_text(column)

    class ExpectColumnValuesToBeCleanText(ColumnMapExpectation):
        """Values hold no control character, NUL or unpaired surrogate."""

        map_metric = "column_values.clean_text"

    globals()["ExpectColumnValuesToBeValidUscc"] = ExpectColumnValuesToBeValidUscc
    globals()["ExpectColumnValuesToBeCleanText"] = ExpectColumnValuesToBeCleanText
    _REGISTERED = True


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch smaller than HASH_THRESHOLD (shallow bytes,
    # 1e9) by hashing all of it, 2 s at 10^6 rows; the fingerprint is a batch marker
    # nothing here reads. 0: never.
    pandas_execution_engine.HASH_THRESHOLD = 0

    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        ),
    )


def _detail(rule: str, value) -> str:
    if rule == "uscc_check_digit" and isinstance(value, str):
        return f"，校验位应为 {uscc.check_digit(value[:17])}"
    return ""


def check(
    entity: str,
    frame: pd.DataFrame,
    *,
    today: dt.date,
    known_inspectors: Iterable[str] = (),
    known_enterprises: Iterable[str] = (),
    known_assignments: Iterable[str] = (),
    known_items: Iterable[str] = (),
    draw_dates: dict | None = None,
) -> Checked:
    """Normalize and validate one landed frame; split it into rows to apply and findings."""
    import great_expectations as gx

    frame, findings = _unpaired_surrogates(entity, frame)
    findings += _line_breaks(entity, frame)
    df = normalized(entity, frame, draw_dates)
    cols = list(COLUMNS[entity])

    # An exact repeat of an earlier row is dropped and reported, not treated as a clash.
    # Such a row repeats the key's first column too, so only the rows whose first key
    # column repeats are compared on every column (at 10^6 rows: 0.3 s instead of 2.5 s).
    first_key = df[KEYS[entity][0]].duplicated(keep=False).to_numpy()
    dup = pd.Series(False, index=df.index)
    if first_key.any():
        dup.iloc[np.flatnonzero(first_key)] = (
            df.loc[first_key].duplicated(subset=cols, keep="first").to_numpy()
        )
    for row, key in zip(df.loc[dup, "_row"], df.loc[dup, KEYS[entity][0]]):
        findings.append(
            Finding(
                int(row),
                "*",
                preview(key),
                "duplicate_row",
                "与前面某行完全重复，已忽略该行",
                "critical",
            )
        )
    body = df.loc[~dup].reset_index(drop=True)

    ctx = _context()
    batch = (
        ctx.data_sources.add_pandas("landing")
        .add_dataframe_asset(entity)
        .add_batch_definition_whole_dataframe("file")
    )
    suite = ctx.suites.add(load_suite(entity))
    validation = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=f"{entity}_validation", data=batch, suite=suite)
    )
    params = {
        "today": pd.Timestamp(today),
        "known_inspectors": sorted(set(known_inspectors)),
        "known_enterprises": sorted(set(known_enterprises)),
        "known_assignments": sorted(set(known_assignments)),
        "known_items": sorted(set(known_items) | {ALL_ITEMS}),
        "today_iso": today.isoformat(),
    }
    result = validation.run(
        batch_parameters={"dataframe": body},
        expectation_parameters=params,
        # Every unexpected row by its _row; not the query that would select them (a pandas
        # filter string over all their indexes, unused here and costly at 10^6 rows).
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["_row"],
            "return_unexpected_index_query": False,
        },
    )

    summaries = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        kw = cfg.kwargs
        columns = (
            [kw["column"]]
            if kw.get("column")
            else kw.get("column_list") or [kw[k] for k in ("column_A", "column_B") if kw.get(k)]
        )
        column = meta.get("report_column") or ",".join(columns)
        severity = getattr(cfg.severity, "value", str(cfg.severity))
        raised = (r.exception_info or {}).get("raised_exception")
        if raised:
            raise RuntimeError(
                f"expectation {cfg.type} on {column} could not run: "
                f"{r.exception_info.get('exception_message')}"
            )
        unexpected = r.result.get("unexpected_index_list") or []
        summaries.append(
            {
                "type": cfg.type,
                "column": column,
                "rule": meta.get("rule", cfg.type),
                "description": meta.get("description", ""),
                "severity": severity,
                "success": bool(r.success),
                "unexpected": len(unexpected),
            }
        )
        for item in unexpected:
            value = (
                item.get(columns[0])
                if len(columns) == 1
                else {c: _plain(item.get(c)) for c in columns}
            )
            if meta.get("report_column"):
                value = body.loc[body["_row"] == item["_row"], meta["report_column"]].iloc[0]
            rule = meta.get("rule", cfg.type)
            findings.append(
                Finding(
                    int(item["_row"]),
                    column,
                    preview(_plain(value)),
                    rule,
                    meta.get("description", cfg.type) + _detail(rule, value),
                    severity,
                )
            )

    bad_rows = {f.row for f in findings if f.severity == "critical"}
    valid = body.loc[~body["_row"].isin(bad_rows)].reset_index(drop=True)
    keys = list(KEYS[entity])
    seen = df[keys].dropna().drop_duplicates()
    # Keys merely seen keep a listed unit listed; one that no listed key can equal (too
    # long, or holding a control character) is left out: it could not even be staged.
    storable = np.ones(len(seen), dtype=bool)
    for k in keys:
        v = seen[k].astype(str)
        length = db.CURRENT[entity].c[k].type.length
        storable &= (v.str.len() <= length).to_numpy() & clean_text(v).to_numpy()
    seen = seen.loc[storable]
    return Checked(
        entity,
        valid[["_row", *cols]],
        sorted(findings, key=lambda f: f.row),
        summaries,
        len(df),
        bad_rows,
        seen,
    )


_LINE_BREAK = re.compile("[\r\n\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unpaired_surrogates(entity: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Finding]]:
    """Cells holding an unpaired surrogate (only an upstream table's driver can hand one
    over: no CSV or workbook decodes to one) cannot even be normalized, which writes text
    as UTF-8. Their rows are quarantined under the cell rule `control_character`, and the
    surrogate is replaced by U+FFFD in what is checked further."""
    findings: list[Finding] = []
    out = frame
    for col in COLUMNS[entity]:
        if col not in frame.columns or frame[col].dtype != object:
            continue  # an Arrow string column cannot hold a surrogate
        values = frame[col].to_numpy(dtype=object)
        bad = matching(values, _SURROGATE)
        if not bad.any():
            continue
        if out is frame:
            out = frame.copy()
        for row, v in zip(frame.loc[bad, "_row"], values[bad]):
            findings.append(
                Finding(
                    int(row),
                    col,
                    preview(v),
                    "control_character",
                    f"“{COLUMNS[entity][col][0]}”含无效字符（未配对的代理项），无法存储",
                    "critical",
                )
            )
        out.loc[bad, col] = [_SURROGATE.sub("\ufffd", v) for v in values[bad]]
    return out, findings


def _line_breaks(entity: str, frame: pd.DataFrame) -> list[Finding]:
    """A line break in a one-line cell (an address typed with Alt+Enter) becomes a space
    when normalized: said as a warning, not done silently."""
    out = []
    for col in COLUMNS[entity]:
        if col in MULTILINE or col not in frame.columns:
            continue
        values = frame[col].to_numpy(dtype=object)
        broken = matching(values, _LINE_BREAK)
        for row, v in zip(frame["_row"].to_numpy()[broken], values[broken]):
            out.append(
                Finding(
                    int(row),
                    col,
                    preview(v),
                    "line_break",
                    f"“{COLUMNS[entity][col][0]}”中的换行已替换为空格",
                    "warning",
                )
            )
    return out


def _plain(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
