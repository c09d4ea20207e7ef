"""Dates on whole columns: the five spellings of SPEC §2 and calendar-month arithmetic of SPEC §4."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa

from jishu.lazy import pc
from jishu.schema import CODE

_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

# 2022-03-05, 2022/3/5, 2022.3.5, 20220305, 2022年3月5日 — nothing else (SPEC §2).
_SPELLINGS = [
    r"(?P<y{i}>[0-9]{{4}})-(?P<m{i}>[0-9]{{1,2}})-(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})/(?P<m{i}>[0-9]{{1,2}})/(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})\.(?P<m{i}>[0-9]{{1,2}})\.(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})(?P<m{i}>[0-9]{{2}})(?P<d{i}>[0-9]{{2}})",
    r"(?P<y{i}>[0-9]{{4}})年(?P<m{i}>[0-9]{{1,2}})月(?P<d{i}>[0-9]{{1,2}})日",
]
DATE_PATTERN = "^(?:" + "|".join(s.format(i=i) for i, s in enumerate(_SPELLINGS)) + ")$"
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_PY_DATE = re.compile(DATE_PATTERN)


def real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Mask of (year, month, day) triples that are real calendar dates (years 1-9999)."""
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (year >= 1) & (year <= 9999) & (day >= 1) & (day <= dim)


def from_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] from valid (year, month, day) arrays."""
    months = (np.asarray(year, dtype=np.int64) - 1970) * 12 + np.asarray(month, dtype=np.int64) - 1
    return months.astype("datetime64[M]").astype("datetime64[D]") + (np.asarray(day, dtype=np.int64) - 1)


def parse_dates(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Parse normalised, non-null date strings.

    Returns (dates as datetime64[D], NaT where bad; schema.CODE per value: 0, date_format or date_invalid).
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype="datetime64[D]"), np.zeros(0, dtype=np.uint8)
    if pc.all(pc.match_substring_regex(values, _ISO)).as_py():
        # The common case (what jishu and most systems write): read the digits directly.
        from jishu.ids import fixed_width_matrix

        m = fixed_width_matrix(values, 10).astype(np.int64) - 48
        year = m[:, 0:4] @ np.array([1000, 100, 10, 1])
        month = m[:, 5:7] @ np.array([10, 1])
        day = m[:, 8:10] @ np.array([10, 1])
        shaped = np.ones(n, dtype=bool)
    else:
        parts = pc.extract_regex(values, DATE_PATTERN)
        matched = pc.is_valid(parts)
        shaped = matched.to_numpy(zero_copy_only=False)
        fields = {}
        for f in "ymd":
            joined = pc.binary_join_element_wise(
                *[parts.field(f"{f}{i}") for i in range(len(_SPELLINGS))], ""
            )
            fields[f] = pc.cast(pc.if_else(matched, joined, "0"), pa.int64()).to_numpy(
                zero_copy_only=False
            )
        year, month, day = fields["y"], fields["m"], fields["d"]
    ok = shaped & real_dates(year, month, day)
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        dates[ok] = from_ymd(year[ok], month[ok], day[ok])
    code = np.zeros(n, dtype=np.uint8)
    code[~shaped] = CODE["date_format"]
    code[shaped & ~ok] = CODE["date_invalid"]
    return dates, code


def parse_date(text: str) -> dt.date | None:
    """One date in any accepted spelling (for command-line options); None when it is not one."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text).strip()
    match = _PY_DATE.match(text)
    if not match:
        return None
    y, m, d = (int(next(v for k, v in match.groupdict().items() if k[0] == f and v)) for f in "ymd")
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def add_months(dates: np.ndarray, months: int) -> np.ndarray:
    """Calendar months (SPEC §4): 2022-08-31 + 6 = 2023-02-28; 2020-02-29 + 12 = 2021-02-28."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    start_month = dates.astype("datetime64[M]")
    day_index = (dates - start_month.astype("datetime64[D]")).astype(np.int64)
    target = start_month + months
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    result = target.astype("datetime64[D]") + np.minimum(day_index, month_len - 1)
    return np.where(np.isnat(dates), np.datetime64("NaT"), result)
