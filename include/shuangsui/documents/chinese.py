"""Chinese numbers and dates (中文数字与日期) as the bureau's documents write them, and the
发文字号 (document number) of a notice."""

from __future__ import annotations

import datetime as dt

DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 31 -> 三十一 (for 1..99; else Arabic)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (
        (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones else "")
    )


def chinese_date(d: dt.date) -> str:
    """A date in Chinese numerals, the 成文日期 form: 2026-11-26 -> 二〇二六年十一月二十六日
    (year digit by digit with 〇; month and day as numbers: 十, 十一, 二十, 三十一)."""
    year = "".join(DIGITS[int(c)] for c in f"{d.year:04d}")
    return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"


def arabic_date(d: dt.date) -> str:
    """2026-03-09 -> 2026年3月9日 (GB/T 9704-2012 7.3.5: Arabic numerals, no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def arabic_datetime(t: dt.datetime | None) -> str:
    """2026-11-26 10:00 -> 2026年11月26日 10:00 (empty for None)."""
    return f"{arabic_date(t)} {t:%H:%M}" if t else ""


def doc_number(bureau: dict, year: int, n: int) -> str:
    """The 发文字号 <doc_prefix><doc_kind>〔<year>〕<n>号, e.g. 淄高新安监抽〔2026〕17号."""
    return f"{bureau['doc_prefix']}{bureau['doc_kind']}〔{year}〕{n}号"
