"""fast.arrays.pick: a few rows of a column in many chunks (a ledger read from the cache in parts), picked
chunk by chunk. Arrow's own take, which joins the chunks first, is the oracle."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu.fast.arrays import pick

cells = st.one_of(st.none(), st.text(alphabet="41中Z ", max_size=6))


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(cells, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    rows=st.lists(st.integers(0, 10**6), max_size=30),
)
def test_pick_equals_arrows_take_whatever_the_chunks(values, cuts, rows):
    """Rows in any order, repeated or not, from chunks of any sizes (empty ones among them): the same
    values in the same order as Arrow's take, for a column and for a table."""
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    chunks = [pa.array(values[a:b], pa.string()) for a, b in itertools.pairwise(bounds)]
    column = pa.chunked_array([*chunks, pa.array([], pa.string())], pa.string())
    rows = np.array([r % len(values) for r in rows] if values else [], dtype=np.int64)
    expected = column.take(pa.array(rows, pa.int64())).to_pylist()
    assert pick(column, rows).to_pylist() == expected
    if chunks:  # the same rows of a table of two columns in the same chunks
        numbers = pa.chunked_array([pa.array(range(a, b), pa.int32()) for a, b in itertools.pairwise(bounds)])
        table = pa.table({"s": pa.chunked_array(chunks), "n": numbers})
        picked = pick(table, rows)
        assert picked.schema == table.schema
        assert picked.to_pylist() == table.take(pa.array(rows, pa.int64())).to_pylist()


def test_pick_from_one_array_or_one_chunk():
    array = pa.array([10, 11, 12, 13])
    assert pick(array, [3, 0, 3]).to_pylist() == [13, 10, 13]
    assert pick(pa.chunked_array([array]), np.array([2])).to_pylist() == [12]
    assert pick(pa.chunked_array([array, array]), []).to_pylist() == []
