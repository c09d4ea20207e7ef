"""Resident ID numbers (身份证号, GB 11643-1999) and credit codes (统一社会信用代码, GB 32100-2015).

Checked on whole columns with numpy: python-stdnum costs ~40 µs a call, which is 40 s for a million
rows, so it serves as the test oracle and, once per distinct 6-digit prefix, as the region table.

A valid ID is held as an int64 of its first 17 digits (the 18th is their check character), which is
unique per person and cheap to count distinct.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jishu.dates import real_dates

ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
ID_CHECK_CHARS = "10X98765432"  # index: (sum of weighted digits) mod 11
_POW10_17 = np.array([10 ** (16 - i) for i in range(17)], dtype=np.int64)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i

SCIENTIFIC = r"^[0-9](\.[0-9]+)?[Ee][+]?[0-9]+$"  # what Excel shows for a long number: 4.10122E+17


def fixed_width_matrix(values: pa.Array, width: int) -> np.ndarray:
    """The bytes of string values that are all `width` bytes long, as an (n, width) uint8 matrix."""
    values = pa.array(values) if not isinstance(values, pa.Array) else values
    if len(values) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    values = pc.cast(values, pa.binary()) if values.type != pa.binary() else values
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(values), width)


# ---------------------------------------------------------------- resident IDs


def resident_id_codes(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Check normalised, non-null ID strings.

    Returns (person, code): person is the int64 of the first 17 digits (0 when invalid); code is ""
    for a valid ID, else one of id_scientific, id_15digit, id_format, id_checksum, id_birthdate.
    The birth date is checked to be a real date from 1900-01-01; its upper bound (the as-of date)
    is applied when the ledgers are assembled, since it depends on the command's --as-of.
    """
    n = len(values)
    upper = pc.ascii_upper(values)
    person = np.zeros(n, dtype=np.int64)
    code = np.full(n, "id_format", dtype=object)
    length = pc.binary_length(upper).to_numpy(zero_copy_only=False)
    idx18 = np.flatnonzero(length == 18)
    if len(idx18):
        m = fixed_width_matrix(upper.take(pa.array(idx18)), 18).astype(np.int64) - 48
        digits_ok = ((m[:, :17] >= 0) & (m[:, :17] <= 9)).all(axis=1)
        last = m[:, 17]
        last_value = np.where(last == ord("X") - 48, 10, last)
        last_ok = (last_value >= 0) & (last_value <= 10)
        shaped = digits_ok & last_ok
        d17 = np.where(shaped[:, None], m[:, :17], 0)
        expected = (12 - (d17 @ ID_WEIGHTS) % 11) % 11
        check_ok = shaped & (expected == last_value)
        year = d17[:, 6:10] @ np.array([1000, 100, 10, 1])
        month = d17[:, 10:12] @ np.array([10, 1])
        day = d17[:, 12:14] @ np.array([10, 1])
        birth_ok = real_dates(year, month, day) & (year >= 1900)
        sub = np.full(len(idx18), "id_format", dtype=object)
        sub[shaped] = "id_checksum"
        sub[check_ok] = "id_birthdate"
        sub[check_ok & birth_ok] = ""
        code[idx18] = sub
        person[idx18] = np.where(check_ok & birth_ok, d17 @ _POW10_17, 0)
    rest = np.flatnonzero(length != 18)
    if len(rest):
        others = upper.take(pa.array(rest))
        sci = pc.match_substring_regex(others, SCIENTIFIC).to_numpy(zero_copy_only=False)
        old = pc.match_substring_regex(others, r"^[0-9]{15}$").to_numpy(zero_copy_only=False)
        sub = np.full(len(rest), "id_format", dtype=object)
        sub[old] = "id_15digit"
        sub[sci] = "id_scientific"
        code[rest] = sub
    return person, code


def birth_yyyymmdd(person: np.ndarray) -> np.ndarray:
    """The birth date digits (YYYYMMDD as an integer) of persons held as 17-digit int64."""
    return (person // 1000) % 100_000_000


def region_of(person: np.ndarray) -> np.ndarray:
    return person // 100_000_000_000


@lru_cache(maxsize=None)
def region_known(region: int) -> bool:
    """Whether a 6-digit division code is in python-stdnum's table (any period of validity)."""
    from stdnum import numdb

    results = numdb.get("cn/loc").info(f"{region:06d}")
    info = {k: v for _part, props in results for k, v in props.items()}
    return "county" in info


def unknown_regions(person: np.ndarray) -> np.ndarray:
    """Mask of persons whose region code is not in the division-code table (a warning)."""
    regions = region_of(person)
    distinct = np.unique(regions)
    unknown = np.array([r for r in distinct.tolist() if not region_known(r)], dtype=np.int64)
    return np.isin(regions, unknown)


def id_strings(person: np.ndarray) -> list[str]:
    """Full 18-character ID strings from the int64 form (only for --full-ids and tests)."""
    check = (12 - (_digits17(person) @ ID_WEIGHTS) % 11) % 11
    return [f"{p:017d}{'X' if c == 10 else c}" for p, c in zip(person.tolist(), check.tolist())]


def masked_ids(person: np.ndarray) -> list[str]:
    """Masked ID strings (410122********1234) from the int64 form."""
    check = (12 - (_digits17(person) @ ID_WEIGHTS) % 11) % 11
    return [
        f"{p // 10**11:06d}********{p % 1000:03d}{'X' if c == 10 else c}"
        for p, c in zip(person.tolist(), check.tolist())
    ]


def _digits17(person: np.ndarray) -> np.ndarray:
    person = np.asarray(person, dtype=np.int64)
    return (person[:, None] // _POW10_17[None, :]) % 10


_DIGIT_RUN = re.compile(r"[0-9]{11,}[Xx]?")


def mask_value(value: str | None) -> str | None:
    """Mask what a clerk typed in an ID column: in any run of 11 or more digits keep the first 6 and
    the last 4 characters (410122********1234); other text (e.g. 4.10122E+17) is shown as typed."""
    if value is None:
        return None
    return _DIGIT_RUN.sub(lambda m: m.group()[:6] + "*" * (len(m.group()) - 10) + m.group()[-4:], value)


_ID_RUN = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9])")
_OLD_ID_RUN = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{5})([0-9]{4})(?![0-9])")


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an 18- or 15-digit ID number."""
    text = _ID_RUN.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)
    return _OLD_ID_RUN.sub(lambda m: f"{m.group(1)}*****{m.group(3)}", text)


# ---------------------------------------------------------------- credit codes


def uscc_codes(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Check normalised, non-null credit codes. Returns (upper-cased codes, code per value)."""
    upper = pc.ascii_upper(pc.replace_substring_regex(values, r"[ -]", ""))
    n = len(upper)
    code = np.full(n, "uscc_format", dtype=object)
    length = pc.binary_length(upper).to_numpy(zero_copy_only=False)
    idx18 = np.flatnonzero(length == 18)
    if len(idx18):
        m = fixed_width_matrix(upper.take(pa.array(idx18)), 18)
        v = _USCC_VALUE[m]
        shaped = (v >= 0).all(axis=1) & (m[:, :8] >= ord("0")).all(axis=1) & (m[:, :8] <= ord("9")).all(axis=1)
        expected = (31 - (np.where(v[:, :17] < 0, 0, v[:, :17]) @ USCC_WEIGHTS) % 31) % 31
        sub = np.full(len(idx18), "uscc_format", dtype=object)
        sub[shaped] = "uscc_checksum"
        sub[shaped & (expected == v[:, 17])] = ""
        code[idx18] = sub
    return upper, code
