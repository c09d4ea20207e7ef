"""Townships as reports name them (rules/townships.py): worked out per distinct value of each chunk, they
must name every row as mapping each cell on its own does (the oracle), with or without a list."""

from __future__ import annotations

from types import SimpleNamespace

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu.model import NO_TOWNSHIP, UNRECOGNISED
from jishu.rules.townships import township_codes, township_of

LISTED = ["白沙镇", "韩寺镇", "官渡镇"]
ALIASES = {"白沙": "白沙镇", "韩寺": "韩寺镇"}
cells = st.one_of(st.none(), st.sampled_from([*LISTED, *ALIASES, "狼城岗镇", "白沙 镇", NO_TOWNSHIP]))


def oracle(value: str | None, listed: bool) -> str:
    if value is None:
        return NO_TOWNSHIP
    if not listed:
        return value
    value = ALIASES.get(value, value)
    return value if value in LISTED else UNRECOGNISED


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.lists(cells, max_size=8), max_size=5), listed=st.booleans(), encoded=st.booleans())
def test_townships_are_named_as_each_cell_alone_would_be(chunks, listed, encoded):
    targets = SimpleNamespace(
        township_names=LISTED if listed else [], township_aliases=ALIASES if listed else {}
    )
    arrays = [pa.array(c, pa.string()) for c in chunks]
    values = pa.chunked_array(
        [a.dictionary_encode() for a in arrays] if encoded else arrays,
        pa.dictionary(pa.int32(), pa.string()) if encoded else pa.string(),
    )
    expected = [oracle(v, listed) for c in chunks for v in c]
    codes, names = township_codes(values, targets)
    assert names[codes].tolist() == expected == township_of(values, targets).tolist()
    assert len(set(names.tolist())) == len(names)  # each group once: counted by its index
