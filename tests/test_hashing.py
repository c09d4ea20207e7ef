"""Key hashes: equal keys must get equal hashes however the strings are laid out, since duplicates are
found by sorting hashes (ledgers.first_occurrences). Checked against the formula written in Python."""

from __future__ import annotations

import itertools

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu.fast.hashing import _GOLDEN, _STRING_MULT, string_hash

MASK = (1 << 64) - 1


def formula(text: str) -> int:
    """(sum of byte * M[position % 64]) xor (length * GOLDEN), modulo 2**64."""
    data = text.encode("utf-8")
    total = sum(b * int(_STRING_MULT[j % 64]) for j, b in enumerate(data)) & MASK
    return total ^ ((len(data) * int(_GOLDEN)) & MASK)


same_length = st.text(alphabet="ZM0123456789", min_size=10, max_size=10)
any_text = st.text(alphabet=st.sampled_from(list('ab,"x1中文\u3000')), max_size=80)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(same_length, any_text, st.just("")), max_size=60),
    common=st.lists(same_length, max_size=60),
    skip=st.integers(0, 5),
)
def test_string_hash_is_the_formula_whatever_the_layout(values, common, skip):
    """Mixed lengths, one dominant length (hashed as a matrix), an array that is a slice."""
    texts = common + values
    array = pa.array(["pad"] * skip + texts, pa.string()).slice(skip)
    assert string_hash(array).tolist() == [formula(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(-(10**17), 10**17), max_size=300),
    extra=st.lists(st.integers(-(10**17), 10**17), max_size=20),
    take=st.integers(0, 30),
    bits=st.integers(1, 24),
)
def test_among_is_membership(values, extra, take, bits):
    """among (a hashed flag table, then a search) answers exactly like np.isin, even when the table is
    tiny and every value collides, on one thread or several."""
    import numpy as np

    from jishu.fast.hashing import among

    values = np.array(values, dtype=np.int64)
    wanted = np.unique(np.array(values[:take].tolist() + extra, dtype=np.int64))
    expected = np.isin(values, wanted).tolist()
    assert among(values, wanted, threads=2, bits=bits).tolist() == expected
    # the same values as a column's chunks (some empty), as the cache maps them
    cuts = sorted({0, len(values), *(v % (len(values) + 1) for v in extra)})
    chunks = [values[a:b] for a, b in itertools.pairwise(cuts)] + [values[:0]]
    assert among(chunks, wanted, threads=2, bits=bits).tolist() == expected


def test_among_over_many_blocks():
    import numpy as np

    from jishu.fast.hashing import among

    rng = np.random.default_rng(410122)
    values = rng.integers(10**16, 10**17, 400_000)  # four blocks
    wanted = np.unique(np.concatenate([values[::97], rng.integers(10**16, 10**17, 5000)]))
    assert (among(values, wanted, threads=2) == np.isin(values, wanted)).all()
    chunks = [values[:150_000], values[150_000:150_001], values[150_001:]]  # blocks across chunks
    assert (among(chunks, wanted, threads=2) == np.isin(values, wanted)).all()
