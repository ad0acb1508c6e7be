"""Normalization of what real directory files contain: full-width (全角) digits and letters,
stray spaces, lower-case codes, mixed punctuation, and the many ways to write a date or
a yes/no. Vectorized over pandas columns: 10^6 rows take seconds, not minutes.

Whitespace here is spaces, tabs and line breaks of every script, never a control
character: a cell holding one keeps it, for the cell rule to quarantine (quality.CONTROL).
Only names take official punctuation; free text (addresses, 文号, findings) keeps its own."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from shuangsui.core.reference import FALSE_WORDS, INDUSTRIES, TRUE_WORDS

# Full-width ASCII (U+FF01..U+FF5E) to half-width, and the ideographic space to a space.
_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20
_HALF[0x00A0] = 0x20
# In names and addresses, brackets take the full-width form of official registrations
# (企业名称登记管理规定 uses （）), so "(" and "（" compare equal after normalization.
_NAME_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "："})
_HALF_TABLE = str.maketrans(_HALF)
# Full-width letters and digits and the ideographic space only: free text keeps its
# punctuation as written.
_ALNUM_TABLE = str.maketrans(
    {
        cp: cp - 0xFEE0
        for r in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B))
        for cp in range(*r)
    }
    | {0x3000: 0x20, 0x00A0: 0x20}
)
_HSPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # horizontal whitespace
_WS = f"[{_HSPACE}\n\r\u2028\u2029]"  # and line breaks
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"{_WS}+(?=[{_CJK}])|(?<=[{_CJK}]){_WS}+")
_HSPACE_NEAR_CJK = re.compile(rf"[{_HSPACE}]+(?=[{_CJK}])|(?<=[{_CJK}])[{_HSPACE}]+")
# Values that text() and code() return as they are: no whitespace, nothing they translate
# (text() keeps （），；： since it maps them to themselves). Most cells of a clean file
# are such values, and are then copied rather than worked on.
_TEXT_AS_IS = re.compile(
    rf"[^{_HSPACE}\n\r\u2028\u2029(),;:\uff01-\uff07\uff0a\uff0b\uff0d-\uff19\uff1c-\uff5e]+"
)
_FREE_AS_IS = re.compile(rf"[^{_HSPACE}\n\r\u2028\u2029\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_CODE_AS_IS = re.compile(r"[0-9A-Z]+")


def _unless_as_is(s: pd.Series, as_is: re.Pattern, fn) -> pd.Series:
    """fn(s), computed only for the values fn may change: a string that fully matches
    `as_is` is one fn returns unchanged."""
    obj = s.astype("object")
    keep = np.fromiter(
        (isinstance(v, str) and as_is.fullmatch(v) is not None for v in obj),
        dtype=bool,
        count=len(obj),
    )
    if not keep.any():
        return fn(s)
    out = obj.copy()
    todo = np.flatnonzero(~keep)
    if len(todo):
        out.iloc[todo] = fn(s.iloc[todo]).to_numpy(dtype=object)
    return out


def by_distinct(fn, s: pd.Series) -> pd.Series:
    """fn(s) computed once per distinct value, for a text column that repeats itself
    (行业, 科室, 经营状态, 重点企业 ...): every normalizer here maps each value on its own.
    A column of mostly distinct values (codes, names) is passed to fn as it is."""
    if len(s) < 1000 or pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        return fn(s)  # mixed types: 1, 1.0 and True would count as one value
    head = s.iloc[:10_000]
    if head.nunique(dropna=False) > len(head) // 2:
        return fn(s)
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    out = fn(pd.Series(uniques, name=s.name))
    out = out.iloc[codes]
    out.index = s.index
    return out


def _blank_to_none(s: pd.Series) -> pd.Series:
    s = s.astype("object")
    return s.where(s.notna() & (s.astype(str) != ""), None)


def text(s: pd.Series) -> pd.Series:
    """Free text (names, addresses, reasons): half-width letters and digits, official
    brackets, whitespace collapsed, no spaces inside Chinese text."""
    return _unless_as_is(s, _TEXT_AS_IS, _text)


def _text(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.translate(_HALF_TABLE).str.translate(_NAME_PUNCT)
    return _spaces(s)


def _spaces(s: pd.Series) -> pd.Series:
    # strip(" "), not strip(): str.strip would also take \x1c-\x1f, control characters
    s = s.str.replace(f"{_WS}+", " ", regex=True).str.strip(" ")
    s = s.str.replace(_SPACE_NEAR_CJK, "", regex=True)
    return _blank_to_none(s)


def free_text(s: pd.Series) -> pd.Series:
    """Free text on one line (addresses, 文号): half-width letters and digits, whitespace
    collapsed, no spaces inside Chinese text; punctuation as written."""
    return _unless_as_is(
        s, _FREE_AS_IS, lambda v: _spaces(v.astype("string").str.translate(_ALNUM_TABLE))
    )


def multiline(s: pd.Series) -> pd.Series:
    """Free text that may run over lines (检查发现, 回避事由): as free_text within each
    line; line breaks kept, as \n."""

    def fn(v: pd.Series) -> pd.Series:
        v = v.astype("string").str.translate(_ALNUM_TABLE)
        v = v.str.replace("\r\n?|[\u2028\u2029]", "\n", regex=True)
        v = v.str.replace(f"[{_HSPACE}]+", " ", regex=True)
        v = v.str.replace(" *\n[ \n]*", "\n", regex=True).str.strip(" \n")
        v = v.str.replace(_HSPACE_NEAR_CJK, "", regex=True)
        return _blank_to_none(v)

    return _unless_as_is(s, _FREE_AS_IS, fn)


def code(s: pd.Series) -> pd.Series:
    """Codes (USCC, ids, certificate numbers): half-width, upper case, no spaces or dashes."""
    return _unless_as_is(s, _CODE_AS_IS, _code)


def _code(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.translate(_HALF_TABLE).str.upper()
    s = s.str.replace(rf"(?:{_WS}|[\-－])+", "", regex=True)
    return _blank_to_none(s)


def ident(s: pd.Series) -> pd.Series:
    """Identifiers that keep their dashes (draw ids, checklist codes): half-width, upper
    case, no spaces."""
    s = s.astype("string").str.translate(_HALF_TABLE).str.upper()
    s = s.str.replace(f"{_WS}+", "", regex=True).str.replace("－", "-")
    return _blank_to_none(s)


def plain(s: pd.Series) -> pd.Series:
    """Short values from a fixed list (industry, 科室, status, email): half-width, trimmed."""
    s = s.astype("string").str.translate(_HALF_TABLE)
    s = s.str.replace(f"{_WS}+", "", regex=True)
    return _blank_to_none(s)


def upper(s: pd.Series) -> pd.Series:
    return _blank_to_none(plain(s).astype("string").str.upper())


def email(s: pd.Series) -> pd.Series:
    s = plain(s).astype("string").str.replace("。", ".").str.lower()
    return _blank_to_none(s)


def boolean(s: pd.Series, default: bool | None = None) -> pd.Series:
    """是/否, Y/N, true/false, 1/0 -> True/False; blank -> default; anything else stays as
    written so the validation can name it."""
    v = upper(s)
    out = v.astype("object").copy()
    out[v.isin(TRUE_WORDS)] = True
    out[v.isin(FALSE_WORDS)] = False
    if default is not None:
        out[v.isna()] = default
    return out


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


def date(s: pd.Series) -> pd.Series:
    """Dates written as 2026-12-31, 2026/12/31, 20261231, 2026年12月31日 or an Excel cell
    -> ISO text; what is not a real date is kept as written for the validation to name."""
    v = s.astype("string").str.translate(_HALF_TABLE)
    v = v.str.replace(f"{_WS}+", " ", regex=True).str.strip(" ")
    v = v.str.replace(r"\.0$", "", regex=True)
    v = _blank_to_none(v).astype("string")  # 20261231.0 comes from Excel number cells
    out = pd.Series(pd.NaT, index=v.index, dtype="datetime64[ns]")
    plausible = v.str.match(r"^(19|20|21)[0-9]{2}").fillna(False).astype(bool)
    for fmt in _DATE_FORMATS:
        # Only years 1900-2199 are parsed: "0001-01-01" stays as written for the report
        # instead of overflowing pandas' timestamps.
        todo = out.isna() & v.notna() & plausible
        if not todo.any():
            break
        out[todo] = pd.to_datetime(v[todo], format=fmt, errors="coerce")
    iso = out.dt.strftime("%Y-%m-%d").astype("object")
    return _blank_to_none(iso.where(out.notna(), v.astype("object")))


_INDUSTRY_ORDER = {name: i for i, name in enumerate(INDUSTRIES)}


def industry_list(s: pd.Series) -> pd.Series:
    """'冶金,工贸 ；机械' -> '冶金、工贸、机械' in the reference order, duplicates dropped."""

    def canon(v):
        if v is None or v is pd.NA:
            return None
        parts = [p for p in re.split(rf"(?:[、,，;；/|]|{_WS})+", v) if p]
        parts = sorted(set(parts), key=lambda p: (_INDUSTRY_ORDER.get(p, 99), p))
        return "、".join(parts) or None

    return plain(s).map(canon, na_action="ignore")
