"""The certificate holders' index (rules/holders.py): each holder once, ascending, with their earliest issue
date, worked out by packed keys when the IDs and dates fit and by an argsort when not. A dict of minimums
is the oracle."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu.rules.holders import _by_packed_keys, earliest_certificates, with_certificates

EPOCH = dt.date(1970, 1, 1)


def person(region: int, birth: dt.date, sequence: int) -> int:
    """A resident ID's first 17 digits as jishu holds them (int64)."""
    return region * 10**11 + int(birth.strftime("%Y%m%d")) * 1000 + sequence


near = [
    dt.date(1900, 1, 1),
    dt.date(1989, 12, 31),
    dt.date(1990, 1, 1),
    dt.date(1990, 1, 31),
    dt.date(1990, 2, 1),
]
ids = st.builds(  # IDs that differ in one field only, by one, at the edges of each field
    person,
    st.sampled_from([0, 110101, 410122, 410123, 999999]),
    st.one_of(
        st.sampled_from([*near, dt.date(2249, 12, 31)]), st.dates(dt.date(1900, 1, 1), dt.date(2249, 12, 31))
    ),
    st.sampled_from([0, 1, 998, 999]),
)
odd_ids = st.one_of(
    st.integers(0, 10**17 - 1),  # any digits: a month 13 or a day 00 does not fit the packing
    st.builds(lambda r, d: r * 10**11 + d * 1000, st.integers(0, 999999), st.integers(18991231, 18991231)),
)
days = st.integers(-25567, 60000)  # 1900 … 2134, as days since 1970


def table(rows: list[tuple[int, int]]) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array([p for p, _ in rows], pa.int64()),
            "issue_date": pa.array([EPOCH + dt.timedelta(days=d) for _, d in rows], pa.date32()),
        }
    )


def oracle(rows: list[tuple[int, int]]) -> list[tuple[int, dt.date]]:
    first: dict[int, int] = {}
    for p, d in rows:
        first[p] = min(d, first.get(p, d))
    return [(p, EPOCH + dt.timedelta(days=first[p])) for p in sorted(first)]


def listed(index: pa.Table) -> list[tuple[int, dt.date]]:
    return list(zip(index["person_id"].to_pylist(), index["issue_date"].to_pylist(), strict=True))


@settings(max_examples=300, deadline=None)
@given(
    persons=st.lists(ids, min_size=1, max_size=12),
    base=days,
    picks=st.lists(
        st.tuples(st.integers(0, 11), st.one_of(st.integers(0, 40), st.integers(0, 65535))), max_size=60
    ),
)
def test_packed_keys_give_each_holders_earliest_date(persons, base, picks):
    """IDs that fit and dates within 179 years of each other: the packed way is taken, and is right."""
    rows = [(persons[i % len(persons)], base + d) for i, d in picks]
    found = _by_packed_keys(
        np.array([p for p, _ in rows], np.int64), np.array([d for _, d in rows], np.int32)
    )
    assert found is not None or not rows
    assert listed(earliest_certificates(table(rows))) == oracle(rows)


@settings(max_examples=200, deadline=None)
@given(
    persons=st.lists(st.one_of(ids, odd_ids), min_size=1, max_size=12),
    picks=st.lists(st.tuples(st.integers(0, 11), days), max_size=60),
)
def test_the_index_is_each_holders_earliest_date(persons, picks):
    """Any IDs and dates (the argsort where they do not fit), and an append taken into an index."""
    rows = [(persons[i % len(persons)], d) for i, d in picks]
    assert listed(earliest_certificates(table(rows))) == oracle(rows)
    half = len(rows) // 2
    grown = with_certificates(earliest_certificates(table(rows[:half])), table(rows[half:]))
    assert listed(grown) == oracle(rows)


def test_the_packed_way_is_taken_when_the_ids_fit_and_not_otherwise():
    born = dt.date(1990, 1, 1)
    fits = np.array([person(410122, born, 1), person(410122, born, 1), person(110101, born, 7)], np.int64)
    issued = np.array([19000, 18000, 18500], np.int32)
    holders, earliest = _by_packed_keys(fits, issued)
    assert holders.tolist() == sorted({*fits.tolist()}) and earliest.tolist() == [18500, 18000]
    month_13 = fits.copy()
    month_13[0] = 410122 * 10**11 + 19901301 * 1000
    assert _by_packed_keys(month_13, issued) is None
    assert _by_packed_keys(fits, np.array([0, 70000, 1], np.int32)) is None  # dates too far apart
    # neighbours in every field, the later one with the earlier certificate
    for a, b in (
        (person(410122, dt.date(1990, 1, 31), 5), person(410122, dt.date(1990, 2, 1), 5)),
        (person(410122, dt.date(1989, 12, 31), 5), person(410122, dt.date(1990, 1, 1), 5)),
        (person(410122, born, 5), person(410122, born, 6)),
        (person(410122, born, 999), person(410123, born, 0)),
    ):
        holders, earliest = _by_packed_keys(np.array([a, b], np.int64), np.array([65535, 0], np.int32))
        assert holders.tolist() == [a, b] and earliest.tolist() == [65535, 0]
