"""A prepared sync (准备入库的数据): what `prepare` read and checked, handed from the DAG's
prepare task to its apply and report tasks through a work folder.

Saved as data, never as code: one Parquet file per DataFrame and one JSON file for the
rest (run id, dates, sources, findings, expectations). Loading it reads values only, so
whoever can write the work folder cannot make a worker run anything. The round trip is
exact: column dtypes, the index, None against NaN, Python bools and ints in object
columns, dates, Chinese text.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from shuangsui.intake.landing import Landed
from shuangsui.intake.quality import Checked, Finding

FORMAT = 2  # 2: Landed.unknown_columns
MANIFEST = "prepared.json"


@dataclass
class Prepared:
    """What a sync will apply: written to a work folder between the DAG's tasks."""

    run_id: str
    today: dt.date
    sources: list[dict] = field(default_factory=list)  # source, entity, sha256, encoding, rows
    checked: dict[str, list[tuple[Landed, Checked]]] = field(default_factory=dict)

    def save(self, folder: Path) -> Path:
        """Write prepared.json and its Parquet files into `folder`; returns the JSON's path.
        Saving again into the same folder rewrites the same files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        checked = {}
        for entity, pairs in self.checked.items():
            checked[entity] = [
                {
                    "landed": _record(landed, folder, f"{entity}.{i}.landed"),
                    "checked": _record(result, folder, f"{entity}.{i}.checked"),
                }
                for i, (landed, result) in enumerate(pairs)
            ]
        manifest = {
            "format": FORMAT,
            "run_id": self.run_id,
            "today": encode(self.today),
            "sources": encode(self.sources),
            "checked": checked,
        }
        path = folder / MANIFEST
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # the manifest last: it never names a file not yet written
        return path

    @staticmethod
    def load(path: Path) -> Prepared:
        """The Prepared saved at `path` (the prepared.json that save returned)."""
        path = Path(path)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            # e.g. the prepared.pkl of an earlier version, which is never unpickled
            raise ValueError(
                f"{path}: not a prepared sync ({MANIFEST}, format {FORMAT}); run prepare again"
            )
        folder = path.parent
        checked = {
            entity: [
                (
                    _from_record(Landed, pair["landed"], folder),
                    _from_record(Checked, pair["checked"], folder),
                )
                for pair in pairs
            ]
            for entity, pairs in manifest["checked"].items()
        }
        return Prepared(
            manifest["run_id"], decode(manifest["today"]), decode(manifest["sources"]), checked
        )


def _record(obj, folder: Path, stem: str) -> dict:
    """A dataclass's fields as JSON; each DataFrame field goes to <stem>.<field>.parquet."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name == "findings":
            out[f.name] = [[encode(getattr(x, k)) for k in _FINDING_FIELDS] for x in value]
        elif isinstance(value, pd.DataFrame):
            name = f"{stem}.{f.name}.parquet"
            out[f.name] = {"$frame": name, **write_frame(value, folder / name)}
        else:
            out[f.name] = encode(value)
    return out


def _from_record(cls, record: dict, folder: Path):
    values = {}
    for f in dataclasses.fields(cls):
        value = record[f.name]
        if f.name == "findings":
            values[f.name] = [Finding(*map(decode, x)) for x in value]
        elif isinstance(value, dict) and "$frame" in value:
            name = value["$frame"]
            if Path(name).name != name or not name.endswith(".parquet"):
                raise ValueError(f"{folder / MANIFEST}: {name!r} is not a file of this folder")
            values[f.name] = read_frame(folder / name, value)
        else:
            values[f.name] = decode(value)
    return cls(**values)


_FINDING_FIELDS = [f.name for f in dataclasses.fields(Finding)]


# ---------------------------------------------------------------------------------------
# DataFrames as Parquet
# ---------------------------------------------------------------------------------------

_NONE = type(None)


def _object_kind(values: np.ndarray) -> str:
    """How an object column is stored: as Arrow strings, bools or ints when every value is
    exactly that Python type or None, else each value as tagged JSON text."""
    types = set(map(type, values))
    if types <= {str, _NONE}:
        return "str"
    if types <= {bool, _NONE}:
        return "bool"
    if types <= {int, _NONE}:
        ints = [v for v in values if v is not None]
        if not ints or (min(ints) >= -(2**63) and max(ints) < 2**63):
            return "int"
    return "json"


def write_frame(frame: pd.DataFrame, path: Path) -> dict:
    """Write `frame` to Parquet; returns what read_frame needs to rebuild it exactly."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(frame.columns)
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise TypeError(f"{path.name}: column names must be distinct strings: {names}")
    if isinstance(frame.index, pd.MultiIndex) or frame.index.dtype == object:
        raise TypeError(f"{path.name}: an index of dtype {frame.index.dtype} is not saved")
    columns, encoded = [], {}
    for name in names:
        s = frame[name]
        if s.dtype == object:
            values = s.to_numpy()
            kind = _object_kind(values)
            arrow_type = {"str": pa.string(), "bool": pa.bool_(), "int": pa.int64()}.get(kind)
            if arrow_type is None:
                encoded[name] = pa.array([_dumps(v) for v in values], type=pa.string())
            else:
                encoded[name] = pa.array(values, type=arrow_type, from_pandas=False)
            columns.append({"name": name, "object": kind})
        elif isinstance(s.dtype, pd.StringDtype):
            na = "nan" if s.dtype.na_value is np.nan else "NA"
            columns.append({"name": name, "string": s.dtype.storage, "na": na})
        elif isinstance(s.dtype, pd.CategoricalDtype):  # Arrow keeps no unused categories
            cats = s.dtype.categories
            category = {"values": encode(list(cats)), "dtype": str(cats.dtype)}
            columns.append({"name": name, "category": category, "ordered": s.dtype.ordered})
        else:
            columns.append({"name": name})
    # The other columns and the index keep their dtypes through pyarrow's pandas metadata.
    table = pa.Table.from_pandas(frame.drop(columns=list(encoded)))
    for name, array in encoded.items():
        table = table.append_column(name, array)
    pq.write_table(table, path)
    return {
        "columns": columns,
        "columns_dtype": str(frame.columns.dtype),
        "columns_name": encode(frame.columns.name),
    }


def read_frame(path: Path, spec: dict) -> pd.DataFrame:
    """The DataFrame write_frame saved at `path` as described by `spec`."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    objects = [c["name"] for c in spec["columns"] if "object" in c]
    rest = table.drop_columns(objects).to_pandas()
    # Columns are put together on a plain range and given the saved index last: no
    # alignment on it, which would fail on repeated labels.
    data = {}
    for c in spec["columns"]:
        name = c["name"]
        if "object" not in c:
            s = rest[name].reset_index(drop=True)
            if "string" in c:
                na = np.nan if c["na"] == "nan" else pd.NA
                s = s.astype(pd.StringDtype(c["string"], na_value=na))
            if "category" in c:
                cats = pd.Index(decode(c["category"]["values"]), dtype=c["category"]["dtype"])
                s = s.astype(pd.CategoricalDtype(cats, ordered=c["ordered"]))
            data[name] = s
            continue
        column = table.column(name)
        if c["object"] == "str":
            values = column.to_numpy(zero_copy_only=False)  # str and None, as objects
        else:
            values = np.empty(len(column), dtype=object)
            if c["object"] == "json":
                for i, text in enumerate(column.to_pylist()):
                    values[i] = _loads(text)  # one by one: a list value stays one value
            else:
                values[:] = column.to_pylist()
        # dtype=object: pandas would otherwise infer its own string dtype for text.
        data[name] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rest)))
    frame.index = rest.index
    frame.columns = pd.Index(
        [c["name"] for c in spec["columns"]],
        dtype=spec["columns_dtype"],
        name=decode(spec.get("columns_name")),
    )
    return frame


# ---------------------------------------------------------------------------------------
# Values as tagged JSON
# ---------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(encode(value), ensure_ascii=False, allow_nan=False)


def _loads(text: str) -> Any:
    return decode(json.loads(text))


def encode(value: Any) -> Any:
    """A value as JSON data that decode turns back into an equal value of the same type.
    JSON's own types pass as they are; others become an object with one "$" key."""
    t = type(value)
    if value is None or t in (str, bool, int):
        return value
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if t is list:
        return [encode(v) for v in value]
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if value is pd.NA:
        return {"$NA": None}
    if value is pd.NaT:
        return {"$NaT": None}
    if t in _ENCODE:
        return _ENCODE[t](value)
    if _NUMPY.get(t.__name__) is t:
        return {"$numpy": t.__name__, "value": encode(value.item())}
    raise TypeError(f"a value of type {t.__module__}.{t.__name__} cannot be saved: {value!r}")


def decode(data: Any) -> Any:
    """The value that encode turned into `data`."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    tags = [k for k in data if k.startswith("$")]
    if not tags:
        return {k: decode(v) for k, v in data.items()}
    if tags[0] not in _DECODE:
        raise ValueError(f"unknown tag {tags[0]!r} in a saved value")
    return _DECODE[tags[0]](data[tags[0]], data)


def _sorted(items) -> list:
    """A set's members in a stable order (numbers by value; mixed types by their repr)."""
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def _tz(tz) -> str | None:
    """A ZoneInfo's key; fixed offsets are already in the ISO text."""
    return tz.key if isinstance(tz, ZoneInfo) else None


def _timestamp(body: str, data: dict) -> pd.Timestamp:
    ts = pd.Timestamp(body).as_unit(data["unit"])
    return ts.tz_convert(data["tz"]) if data.get("tz") else ts


def _datetime(body: str, data: dict) -> dt.datetime:
    t = dt.datetime.fromisoformat(body)
    return t.astimezone(ZoneInfo(data["tz"])) if data.get("tz") else t


def _numpy(body: str, data: dict) -> np.generic:
    if body not in _NUMPY:
        raise ValueError(f"unknown numpy type {body!r} in a saved value")
    return _NUMPY[body](decode(data["value"]))


# By exact type: a subclass (a str enum, np.str_) is not taken for its base.
_ENCODE = {
    tuple: lambda v: {"$tuple": [encode(x) for x in v]},
    set: lambda v: {"$set": [encode(x) for x in _sorted(v)]},
    frozenset: lambda v: {"$frozenset": [encode(x) for x in _sorted(v)]},
    pd.Timestamp: lambda v: {"$Timestamp": v.isoformat(), "unit": v.unit, "tz": _tz(v.tzinfo)},
    dt.datetime: lambda v: {"$datetime": v.isoformat(), "tz": _tz(v.tzinfo)},
    dt.date: lambda v: {"$date": v.isoformat()},
    dt.time: lambda v: {"$time": v.isoformat()},
    dt.timedelta: lambda v: {"$timedelta": [v.days, v.seconds, v.microseconds]},
    decimal.Decimal: lambda v: {"$Decimal": str(v)},
    bytes: lambda v: {"$bytes": base64.b64encode(v).decode("ascii")},
}
_DECODE = {
    "$float": lambda body, _: float(body),
    "$dict": lambda body, _: {decode(k): decode(v) for k, v in body},
    "$tuple": lambda body, _: tuple(map(decode, body)),
    "$set": lambda body, _: set(map(decode, body)),
    "$frozenset": lambda body, _: frozenset(map(decode, body)),
    "$NA": lambda body, _: pd.NA,
    "$NaT": lambda body, _: pd.NaT,
    "$Timestamp": _timestamp,
    "$datetime": _datetime,
    "$date": lambda body, _: dt.date.fromisoformat(body),
    "$time": lambda body, _: dt.time.fromisoformat(body),
    "$timedelta": lambda body, _: dt.timedelta(*body),
    "$Decimal": lambda body, _: decimal.Decimal(body),
    "$bytes": lambda body, _: base64.b64decode(body),
    "$numpy": _numpy,
}
_NUMPY = {
    t.__name__: t
    for t in (
        np.bool_,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.float16,
        np.float32,
        np.float64,
        np.str_,
    )
}
