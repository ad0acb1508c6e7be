"""A large enterprise directory for the benchmarks (city or province scale, 10^6 rows):
numpy-vectorized, written chunk by chunk, every USCC and name unique by construction.

It draws from the sample generator's tables (shuangsui.sample) and is deterministic: the
same n and seed give the same bytes whatever the chunk size. Not part of the runtime
package: only bench/ and the tests use it.

    from large_sample import write_large_enterprises  # with bench/ on sys.path
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pandas as pd

from shuangsui.core import uscc
from shuangsui.core.reference import ENTERPRISE_STATUSES, INDUSTRIES, KEY_INDUSTRIES, RISK_CLASSES
from shuangsui.sample import (
    ADDRESS_PREFIX,
    CATEGORY_WEIGHTS,
    COOPERATIVE_INDUSTRIES,
    DEFAULT_SEED,
    DEPARTMENT_OF,
    ENTERPRISE_HEADERS,
    GIVEN,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    KEY_SHARE_OTHERS,
    ORG_WEIGHTS,
    PARKS,
    REGIONS,
    RISK_WEIGHTS,
    RISK_WEIGHTS_KEY,
    ROADS,
    STATUS_WEIGHTS,
    SUFFIX_WEIGHTS,
    SUFFIXES,
    SURNAMES,
    TOWNS,
    TRADE_CHARS,
)

_WORDS_PER_INDUSTRY = len(INDUSTRY_WORDS[INDUSTRIES[0]])
_NAME_CAPACITY = len(TRADE_CHARS) ** 3 * _WORDS_PER_INDUSTRY * len(SUFFIX_WEIGHTS)
_MA_CAPACITY = 31**6
_OLD_CAPACITY = 4 * 10**7  # first digit 1/2/6/7, then 7 digits


def _check_name_tables() -> None:
    """The names written here are unique only if these tables allow it; fail loudly if not."""
    assert len(set(TRADE_CHARS)) == len(TRADE_CHARS) == 100
    assert all(len(w) == _WORDS_PER_INDUSTRY for w in INDUSTRY_WORDS.values())
    assert set(INDUSTRY_WORDS) == set(INDUSTRIES) == set(INDUSTRY_WEIGHTS)
    tails = [
        w + s for ws in INDUSTRY_WORDS.values() for w in ws for ss in SUFFIXES.values() for s in ss
    ]
    assert len(tails) == len(set(tails)), "a word+suffix appears twice"


_check_name_tables()


def _affine(rng: random.Random, modulus: int):
    """A random bijection i -> (a*i + b) mod modulus on [0, modulus)."""
    while True:
        a = rng.randrange(modulus // 3, modulus)
        if math.gcd(a, modulus) == 1:
            break
    b = rng.randrange(modulus)
    return lambda i: (a * i + b) % modulus


def _digits(values: np.ndarray, base: int, width: int) -> np.ndarray:
    """Base-`base` digits of each value, most significant first, shape (len, width)."""
    out = np.empty((len(values), width), dtype=np.int64)
    v = values.copy()
    for k in range(width - 1, -1, -1):
        out[:, k] = v % base
        v //= base
    return out


def _ascii_rows(mat: np.ndarray) -> np.ndarray:
    """Rows of ASCII byte values -> array of str."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    return mat.view(f"S{mat.shape[1]}").ravel().astype(f"U{mat.shape[1]}")


_ALPHABET_BYTES = np.frombuffer(uscc.ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[_ALPHABET_BYTES] = np.arange(len(uscc.ALPHABET))
_USCC_WEIGHTS = np.asarray(uscc.WEIGHTS, dtype=np.int64)
_ORG_W = np.asarray(ORG_WEIGHTS, dtype=np.int64)


def _bulk_codes(
    i: np.ndarray, is_ma: np.ndarray, category: np.ndarray, region: np.ndarray, perm_old, perm_ma
) -> np.ndarray:
    """USCCs for row numbers i; unique because each organization code is a bijection of i."""
    m = len(i)
    org = np.empty((m, 9), dtype=np.uint8)
    org_value = np.empty((m, 8), dtype=np.int64)  # GB 11714 values: digits, then A=10..Z=35
    old = ~is_ma
    v = perm_old(i[old])
    d = np.empty((len(v), 8), dtype=np.int64)
    d[:, 0] = np.asarray([1, 2, 6, 7])[v // 10**7]  # old codes start 1/2/6/7
    d[:, 1:] = _digits(v % 10**7, 10, 7)
    org[old, :8] = d + ord("0")
    org_value[old] = d
    d = _digits(perm_ma(i[is_ma]), 31, 6)
    chars = _ALPHABET_BYTES[d]
    org[is_ma, 0], org[is_ma, 1] = ord("M"), ord("A")
    org[is_ma, 2:8] = chars
    org_value[is_ma, 0], org_value[is_ma, 1] = 22, 10
    org_value[is_ma, 2:] = np.where(chars <= ord("9"), chars - ord("0"), chars - 55)
    c9 = 11 - (org_value @ _ORG_W) % 11
    org[:, 8] = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), c9 + ord("0")))

    mat = np.empty((m, 18), dtype=np.uint8)
    mat[:, 0] = ord("9")
    mat[:, 1] = category
    mat[:, 2:8] = region
    mat[:, 8:17] = org
    total = _USCC_VALUE[mat[:, :17]] @ _USCC_WEIGHTS
    mat[:, 17] = _ALPHABET_BYTES[(31 - total % 31) % 31]
    return _ascii_rows(mat)


def write_large_enterprises(
    path: Path | str, n: int, seed: int = DEFAULT_SEED, chunk_size: int = 200_000
) -> Path:
    """Stream n valid enterprise rows (unique USCCs and names) to a UTF-8 CSV, chunk by chunk."""
    capacity = min(_NAME_CAPACITY, _MA_CAPACITY, _OLD_CAPACITY)
    if n > capacity:
        raise ValueError(
            f"n={n} exceeds the {capacity} unique codes and names this writer can make"
        )
    rng = random.Random(seed)
    gen = np.random.default_rng(rng.getrandbits(128))
    perm_old, perm_ma = _affine(rng, _OLD_CAPACITY), _affine(rng, _MA_CAPACITY)
    # Names are unique because (trade characters, word[, suffix]) is a bijection of the row
    # number; the suffix joins the bijection only when n needs it, else it keeps its weights.
    suffix_in_name = n > _NAME_CAPACITY // len(SUFFIX_WEIGHTS)
    perm_name = _affine(
        rng, _NAME_CAPACITY if suffix_in_name else _NAME_CAPACITY // len(SUFFIX_WEIGHTS)
    )

    industries = np.asarray(INDUSTRIES, dtype=object)
    ind_p = np.asarray([INDUSTRY_WEIGHTS[x] for x in INDUSTRIES])
    departments = np.asarray([DEPARTMENT_OF[x] for x in INDUSTRIES], dtype=object)
    is_key_industry = np.isin(industries, KEY_INDUSTRIES)
    coop_ok = np.isin(industries, COOPERATIVE_INDUSTRIES)
    words = np.asarray([INDUSTRY_WORDS[x] for x in INDUSTRIES], dtype=object)
    categories = np.asarray(list(SUFFIXES))
    suffixes = np.asarray([SUFFIXES[c] for c in categories], dtype=object)
    cat_bytes = np.frombuffer("".join(categories).encode(), dtype=np.uint8)
    regions = list(REGIONS)
    region_bytes = np.frombuffer("".join(regions).encode(), dtype=np.uint8).reshape(-1, 6)
    region_p = np.asarray([REGIONS[r] for r in regions])
    trade = np.asarray(list(TRADE_CHARS), dtype=object)
    places = np.asarray(ROADS + tuple(t + p for t in TOWNS for p in PARKS), dtype=object)
    place_p = np.asarray(
        [0.8 / len(ROADS)] * len(ROADS)
        + [0.2 / (len(places) - len(ROADS))] * (len(places) - len(ROADS))
    )
    surnames = np.asarray([s[0] for s in SURNAMES], dtype=object)
    surname_p = np.asarray([s[2] for s in SURNAMES], dtype=float)
    surname_p /= surname_p.sum()
    given = np.asarray([g[0] for g in GIVEN], dtype=object)
    yes_no = np.asarray(["否", "是"], dtype=object)
    risks = np.asarray(RISK_CLASSES, dtype=object)
    statuses = np.asarray(ENTERPRISE_STATUSES, dtype=object)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, max(n, 1), chunk_size):
            i = np.arange(start, min(n, start + chunk_size), dtype=np.int64)
            m = len(i)
            ind = gen.choice(len(industries), size=m, p=ind_p)
            key = is_key_industry[ind] | (gen.random(m) < KEY_SHARE_OTHERS)
            risk = np.where(
                key,
                gen.choice(4, size=m, p=RISK_WEIGHTS_KEY),
                gen.choice(4, size=m, p=RISK_WEIGHTS),
            )
            cat = gen.choice(3, size=m, p=list(CATEGORY_WEIGHTS.values()))
            cat = np.where((cat == 2) & ~coop_ok[ind], 0, cat)
            region = gen.choice(len(regions), size=m, p=region_p)
            codes = _bulk_codes(
                i, gen.random(m) >= 0.35, cat_bytes[cat], region_bytes[region], perm_old, perm_ma
            )

            j = perm_name(i)  # mixed radix: 3 trade characters, word[, suffix]
            if suffix_in_name:
                s, j = j % len(SUFFIX_WEIGHTS), j // len(SUFFIX_WEIGHTS)
            else:
                s = gen.choice(len(SUFFIX_WEIGHTS), size=m, p=SUFFIX_WEIGHTS)
            w, j = j % _WORDS_PER_INDUSTRY, j // _WORDS_PER_INDUSTRY
            c3, j = j % 100, j // 100
            c2, c1 = j % 100, j // 100
            names = "淄博" + trade[c1] + trade[c2] + trade[c3] + words[ind, w] + suffixes[cat, s]

            place = gen.choice(len(places), size=m, p=place_p)
            number = np.where(place < len(ROADS), gen.integers(1, 400, m), gen.integers(1, 89, m))
            address = ADDRESS_PREFIX + places[place] + number.astype("U3").astype(object) + "号"
            two = gen.random(m) >= 0.3
            person = (
                surnames[gen.choice(len(surnames), size=m, p=surname_p)]
                + given[gen.integers(0, len(given), m)]
                + np.where(two, given[gen.integers(0, len(given), m)], "")
            )
            frame = pd.DataFrame(
                dict(
                    zip(
                        ENTERPRISE_HEADERS,
                        (
                            codes,
                            names,
                            industries[ind],
                            departments[ind],
                            yes_no[key.astype(int)],
                            risks[risk],
                            statuses[gen.choice(4, size=m, p=STATUS_WEIGHTS)],
                            address,
                            person,
                        ),
                    )
                )
            )
            frame.to_csv(fh, header=start == 0, index=False, lineterminator="\n")
    return path
