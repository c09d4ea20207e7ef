"""Resident IDs and credit codes: the vectorised checks agree with python-stdnum (the oracle)."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from jishu.safe import mask as scrub
from jishu.schema import ROW_CODES
from jishu.values import id_strings, mask_value, masked_ids, resident_id_codes, uscc_codes

DIGITS = "0123456789"


def valid_id(prefix17: str) -> str:
    return prefix17 + ric.calc_check_digit(prefix17 + "0")


id_like = st.one_of(
    st.text(alphabet=DIGITS + "Xx", min_size=16, max_size=19),
    st.builds(lambda s: valid_id(s), st.text(alphabet=DIGITS, min_size=17, max_size=17)),
    st.builds(
        lambda y, m, d, tail: valid_id(f"410122{y:04d}{m:02d}{d:02d}{tail:03d}"),
        st.integers(1890, 2030),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 999),
    ),
)


def stdnum_verdict(value: str) -> bool:
    """The oracle for shape + check character + real birth date (region rule deliberately left out:
    stdnum rejects region codes created after the birth year, SPEC §2 makes that a warning)."""
    number = value.upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if number[-1] != ric.calc_check_digit(number):
        return False
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        return False
    return birth.year >= 1900


@settings(max_examples=400, deadline=None)
@given(st.lists(id_like, min_size=1, max_size=30))
def test_resident_id_check_agrees_with_stdnum(values):
    person, code = resident_id_codes(pa.array(values))
    for value, p, c in zip(values, person.tolist(), code.tolist()):
        assert (c == 0) == stdnum_verdict(value), (value, ROW_CODES[c])
        if c == 0:
            assert id_strings(np.array([p]))[0] == value.upper()


def test_id_problem_codes():
    good = valid_id("41012219900101123")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    values = [
        good,
        good.lower(),
        wrong,
        "4.10122E+17",
        "4.10122199E17",
        "410122900101123",
        "41012219900101",
        valid_id("41012218991231123"),
        valid_id("41012219900230123"),
    ]
    _, code = resident_id_codes(pa.array(values))
    assert [ROW_CODES[c] for c in code] == [
        "",
        "",
        "id_checksum",
        "id_scientific",
        "id_scientific",
        "id_15digit",
        "id_format",
        "id_birthdate",
        "id_birthdate",
    ]


usccs = st.one_of(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV", min_size=17, max_size=19),
    st.builds(
        lambda s: s + uscc.calc_check_digit(s),
        st.builds(
            lambda a, b: a + b,
            st.text(alphabet=DIGITS, min_size=8, max_size=8),
            st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9),
        ),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(usccs, min_size=1, max_size=30))
def test_uscc_check_agrees_with_stdnum(values):
    _, code = uscc_codes(pa.array(values))
    for value, c in zip(values, code.tolist()):
        assert (c == 0) == uscc.is_valid(value), (value, ROW_CODES[c])


WHOLE_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(lambda s: valid_id(s), st.text(alphabet=DIGITS, min_size=17, max_size=17)), min_size=1
    ),
    st.text(max_size=20),
)
def test_masking_never_leaves_an_id_whole(ids, noise):
    text = noise.join(ids)
    assert not WHOLE_ID.search(scrub(text))
    assert not any(WHOLE_ID.search(mask_value(v)) for v in ids)
    persons = np.array([int(v[:17]) for v in ids], dtype=np.int64)
    for full, masked in zip(ids, masked_ids(persons)):
        assert masked == full[:6] + "********" + full[-4:]


def test_region_table_read_directly_agrees_with_stdnum():
    """jishu reads python-stdnum's division-code table itself (50 ms faster than numdb); both must
    agree on every code listed, on every code of Henan, and on random others."""
    import random

    from stdnum import numdb

    from jishu.values import known_regions

    table = numdb.get("cn/loc")

    def stdnum_knows(code: int) -> bool:
        return "county" in {k: v for _part, props in table.info(f"{code:06d}") for k, v in props.items()}

    known = known_regions()
    assert known is not None and len(known) > 3000
    rng = random.Random(410122)
    codes = set(known) | set(range(410000, 420000)) | {rng.randrange(100000, 1000000) for _ in range(20000)}
    assert [c for c in sorted(codes) if (c in known) != stdnum_knows(c)] == []
