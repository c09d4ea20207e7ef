"""Value types of SPEC §2 on whole columns: cells, dates, resident IDs, credit codes, amounts.

Checked with numpy and pyarrow over whole columns: python-stdnum costs ~40 µs a call, which is 40 s
for a million rows, so it serves as the test oracle and, once per distinct 6-digit prefix, as the
region table. A valid resident ID is held as an int64 of its first 17 digits (the 18th is their check
character), which is unique per person and cheap to count distinct. Each check returns a problem code
per value (schema.CODE, 0 = fine), so that only bad rows ever become problem records.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa

from jishu.fast.arrays import distinct, fixed_width_matrix, lengths, take_rows
from jishu.fast.lazy import pc
from jishu.schema import CODE

# ---------------------------------------------------------------- cells


def normalise_header(cell: str) -> str:
    """Header cells: NFKC (full-width → half-width), trimmed, lower case for English names."""
    return unicodedata.normalize("NFKC", cell).strip().strip("\ufeff").strip().lower()


def normalise(values: pa.Array) -> pa.Array:
    """Cell values (SPEC §2): NFKC-normalised and trimmed (full-width space included); "" → null."""
    if not pc.all(pc.string_is_ascii(values)).as_py():
        values = pc.utf8_normalize(values, "NFKC")
    values = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


# ---------------------------------------------------------------- dates

_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

# 2022-03-05, 2022/3/5, 2022.3.5, 20220305, 2022年3月5日 — nothing else (SPEC §2).
_SPELLINGS = [
    r"(?P<y{i}>[0-9]{{4}})-(?P<m{i}>[0-9]{{1,2}})-(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})/(?P<m{i}>[0-9]{{1,2}})/(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})\.(?P<m{i}>[0-9]{{1,2}})\.(?P<d{i}>[0-9]{{1,2}})",
    r"(?P<y{i}>[0-9]{{4}})(?P<m{i}>[0-9]{{2}})(?P<d{i}>[0-9]{{2}})",
    r"(?P<y{i}>[0-9]{{4}})年(?P<m{i}>[0-9]{{1,2}})月(?P<d{i}>[0-9]{{1,2}})日",
]
# Each optionally followed by a time of day, as Excel/WPS export date-time cells (`2022-3-5 0:00:00`,
# `2022/3/5 0:00`); the date part counts (SPEC §2).
TIME_OF_DAY = r"(?:(?: +|T)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?)?"
DATE_PATTERN = "^(?:" + "|".join(s.format(i=i) for i, s in enumerate(_SPELLINGS)) + ")" + TIME_OF_DAY + "$"
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
            fields[f] = pc.cast(pc.if_else(matched, joined, "0"), pa.int64()).to_numpy(zero_copy_only=False)
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


# ---------------------------------------------------------------- resident IDs

ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_POW10_17 = np.array([10 ** (16 - i) for i in range(17)], dtype=np.int64)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i

SCIENTIFIC = r"^[0-9](\.[0-9]+)?[Ee][+]?[0-9]+$"  # what Excel shows for a long number: 4.10122E+17


_BLOCK = 1 << 17  # rows per block: temporaries stay small enough for the allocator to reuse them


def _check_id_matrix(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(person, code) for 18-byte candidates, block by block."""
    person = np.empty(len(m), dtype=np.int64)
    code = np.empty(len(m), dtype=np.uint8)
    for start in range(0, len(m), _BLOCK):
        stop = start + _BLOCK
        person[start:stop], code[start:stop] = _check_id_block(m[start:stop])
    return person, code


# GB 11643: the check character for each weighted sum of the first 17 digits (at most 9 x 100 = 900),
# 10 standing for X; a look-up instead of two remainders per ID.
_CHECK_OF_SUM = (12 - np.arange(901) % 11) % 11
# Birth dates: whether each (year - 1900, month, day) is a real date, for years 1900-2099 (SPEC §2:
# from 1900-01-01; the upper bound, the as-of date, is applied when ledgers are assembled).
_BIRTH_YEARS = 200


@cache
def _real_birth_dates() -> np.ndarray:
    year, month, day = np.meshgrid(
        np.arange(1900, 1900 + _BIRTH_YEARS), np.arange(13), np.arange(32), indexing="ij"
    )
    return real_dates(year, month, day).reshape(-1)


def _check_id_block(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(person, code) for 18-byte candidates: shape, GB 11643 check character, real birth date.

    The block is transposed so that every step works on one contiguous vector per character
    position (fast, and no large temporaries); the person number is built from two int32 halves."""
    digit = np.ascontiguousarray(m.T) - np.uint8(48)  # (18, n); non-digits wrap to values > 9
    shaped = (digit[:17] <= 9).all(axis=0)
    weighted = np.zeros(m.shape[0], dtype=np.int16)
    high = np.zeros(m.shape[0], dtype=np.int32)  # digits 1-9
    low = np.zeros(m.shape[0], dtype=np.int32)  # digits 10-17
    for i in range(17):
        d = digit[i].astype(np.int16) if i else digit[0].astype(np.int16)
        weighted += d * np.int16(ID_WEIGHTS[i])
        half = high if i < 9 else low
        half *= 10
        half += d
    last = digit[17]
    is_x = (last == np.uint8(ord("X") - 48)) | (last == np.uint8(ord("x") - 48))
    shaped &= (last <= 9) | is_x
    check_ok = shaped & (_CHECK_OF_SUM[np.where(shaped, weighted, 0)] == np.where(is_x, 10, last))
    born = digit[6:14].astype(np.int32)  # YYYYMMDD
    year = born[0] * 1000 + born[1] * 100 + born[2] * 10 + born[3] - 1900
    month = born[4] * 10 + born[5]
    day = born[6] * 10 + born[7]
    in_range = check_ok & (year >= 0) & (year < _BIRTH_YEARS) & (month <= 12) & (day <= 31)
    where = np.where(in_range, (year * 13 + month) * 32 + day, 0)
    good = in_range & _real_birth_dates()[where]
    later = np.flatnonzero(
        check_ok & (year >= _BIRTH_YEARS)
    )  # born 2100 or after: the as-of date rejects them
    if len(later):
        good[later] = real_dates(year[later] + 1900, month[later], day[later])
    code = np.where(shaped, CODE["id_checksum"], CODE["id_format"]).astype(np.uint8)
    code[check_ok] = CODE["id_birthdate"]
    code[good] = 0
    person = high.astype(np.int64) * 100_000_000 + low
    return np.where(good, person, 0), code


def resident_id_codes(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Check raw, non-null ID cells (normalising only the cells that need it).

    Returns (person, code): person is the int64 of the first 17 digits (0 when invalid); code is a
    schema.CODE value (0 = valid; else id_format, id_checksum, id_birthdate, id_15digit,
    id_scientific). The birth date is checked to be a real date from 1900-01-01; its upper bound
    (the as-of date) is applied when the ledgers are assembled, since it depends on --as-of.
    """
    n = len(values)
    person = np.zeros(n, dtype=np.int64)
    code = np.full(n, CODE["id_format"], dtype=np.uint8)
    plain = np.flatnonzero(lengths(values) == 18)
    if len(plain):
        person[plain], code[plain] = _check_id_matrix(fixed_width_matrix(take_rows(values, plain), 18))
    rest = np.flatnonzero(code != 0)  # not 18 bytes, or failed: maybe spaces or full-width digits
    if len(rest):
        cleaned = pc.ascii_upper(pc.fill_null(normalise(values.take(pa.array(rest))), ""))
        again = np.flatnonzero(lengths(cleaned) == 18)
        sub_person = np.zeros(len(rest), dtype=np.int64)
        sub_code = np.full(len(rest), CODE["id_format"], dtype=np.uint8)
        if len(again):
            sub_person[again], sub_code[again] = _check_id_matrix(
                fixed_width_matrix(cleaned.take(pa.array(again)), 18)
            )
        other = np.flatnonzero(lengths(cleaned) != 18)
        if len(other):
            texts = cleaned.take(pa.array(other))
            sci = pc.match_substring_regex(texts, SCIENTIFIC).to_numpy(zero_copy_only=False)
            old = pc.match_substring_regex(texts, r"^[0-9]{15}$").to_numpy(zero_copy_only=False)
            sub_code[other] = np.where(
                sci, CODE["id_scientific"], np.where(old, CODE["id_15digit"], CODE["id_format"])
            )
        person[rest], code[rest] = sub_person, sub_code
    return person, code


def birth_yyyymmdd(person: np.ndarray) -> np.ndarray:
    """The birth date digits (YYYYMMDD as an integer) of persons held as 17-digit int64."""
    return (person // 1000) % 100_000_000


def region_of(person: np.ndarray) -> np.ndarray:
    return person // 100_000_000_000


@cache
def known_regions() -> frozenset[int] | None:
    """The 6-digit division codes that python-stdnum's table (cn/loc.dat) lists as a county, whatever
    the period of validity. The file is two levels, a province line (`41 province=...`) and its
    county lines (`  0122 county=...`), and is read directly: numdb's general parser takes 50 ms, as
    long as validating a whole county's ledgers. None if the file looks any different (then numdb is
    asked, code by code). tests/test_ids.py checks both agree on every code."""
    import importlib.util
    import os

    # where python-stdnum is, without importing it (its package imports ssl and more: 7 ms of a cold run)
    found = importlib.util.find_spec("stdnum")
    if found is None or not found.submodule_search_locations:
        return None
    path = os.path.join(found.submodule_search_locations[0], "cn", "loc.dat")
    codes, prefix = set(), None
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#") or not line.strip():
                    continue
                if line[:2].isdigit() and line[2:3] == " ":
                    prefix = line[:2]
                elif line[:2] == "  " and line[2:6].isdigit() and line[6:7] == " " and prefix is not None:
                    if "county=" in line:
                        codes.add(int(prefix + line[2:6]))
                else:
                    return None
    except OSError:
        return None
    return frozenset(codes)


@cache
def region_known(region: int) -> bool:
    """Whether a 6-digit division code is in python-stdnum's table (any period of validity)."""
    known = known_regions()
    if known is not None:
        return region in known
    from stdnum import numdb

    results = numdb.get("cn/loc").info(f"{region:06d}")
    info = {k: v for _part, props in results for k, v in props.items()}
    return "county" in info


def unknown_regions(person: np.ndarray) -> np.ndarray:
    """Mask of persons whose region code is not in the division-code table (a warning)."""
    regions = region_of(person)
    unknown = np.array([r for r in distinct(regions).tolist() if not region_known(r)], dtype=np.int64)
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


# ---------------------------------------------------------------- credit codes


def uscc_codes(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Check normalised, non-null credit codes (python-stdnum's cn.uscc rules).
    Returns (upper-cased codes without spaces or dashes, schema.CODE value per value)."""
    upper = pc.ascii_upper(pc.replace_substring_regex(values, r"[ -]", ""))
    code = np.full(len(upper), CODE["uscc_format"], dtype=np.uint8)
    idx18 = np.flatnonzero(lengths(upper) == 18)
    if len(idx18):
        m = fixed_width_matrix(take_rows(upper, idx18), 18)
        v = _USCC_VALUE[m]
        shaped = (v >= 0).all(axis=1) & ((m[:, :8] - np.uint8(48)) <= 9).all(axis=1)
        expected = (31 - (np.where(v[:, :17] < 0, 0, v[:, :17]) @ USCC_WEIGHTS) % 31) % 31
        sub = np.where(shaped, CODE["uscc_checksum"], CODE["uscc_format"]).astype(np.uint8)
        sub[shaped & (expected == v[:, 17])] = 0
        code[idx18] = sub
    return upper, code


# ---------------------------------------------------------------- numbers and amounts


def whole_numbers(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A whole number ≥ 0 of at most 9 digits (insured_months), per normalised, non-null value."""
    ok = pc.match_substring_regex(values, r"^[0-9]{1,9}$").to_numpy(zero_copy_only=False)
    numbers = pc.cast(pc.if_else(pa.array(ok), values, "0"), pa.int64())
    return numbers, np.where(ok, 0, CODE["int_invalid"]).astype(np.uint8)


# SPEC §2 "amount": digits with at most two decimals; thousands separators only in true groups of
# three; an optional trailing 元. Nothing else (`10,00`, `1,5`, `300,`, `3,,00` are typing slips).
AMOUNT = r"^(?P<yuan>[0-9]{1,16}|[0-9]{1,3}(?:,[0-9]{3}){1,5})(?:\.(?P<fen>[0-9]{1,2}))?元?$"


def amounts_fen(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Amounts in yuan (SPEC §2 "amount"), per normalised, non-null value: integer fen, and a code."""
    parts = pc.extract_regex(values, AMOUNT)
    ok = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    given = pa.array(ok)
    yuan = pc.cast(pc.if_else(given, pc.replace_substring(parts.field("yuan"), ",", ""), "0"), pa.int64())
    fen_text = pc.utf8_rpad(
        pc.if_else(pc.and_(given, pc.not_equal(parts.field("fen"), "")), parts.field("fen"), "0"), 2, "0"
    )
    fen = pc.add(pc.multiply(yuan, 100), pc.cast(fen_text, pa.int64()))
    return fen, np.where(ok, 0, CODE["amount_invalid"]).astype(np.uint8)


def in_vocabulary(
    values: pa.Array, vocabulary: dict, bad: str, out_type: pa.DataType
) -> tuple[pa.Array, np.ndarray]:
    """Words from a vocabulary (schema: yes/no, levels, sizes, kinds), case-insensitive, per
    normalised, non-null value: the meaning, and a code (`bad` when the word is not in it)."""
    keys = list(vocabulary)
    index = pc.fill_null(pc.index_in(pc.utf8_lower(values), value_set=pa.array(keys)), -1).to_numpy()
    meanings = np.array([vocabulary[k] for k in keys], dtype=object)
    ok = index >= 0
    typed = np.where(ok, meanings[np.where(ok, index, 0)], None)
    return pa.array(typed.tolist(), out_type), np.where(ok, 0, CODE[bad]).astype(np.uint8)


def yuan(fen: int) -> int | float:
    """Money in yuan: an int when whole (amounts are kept as integer fen inside)."""
    return fen // 100 if fen % 100 == 0 else round(fen / 100, 2)
