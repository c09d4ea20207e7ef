"""64-bit hashes of ledger keys, computed with numpy (no hash tables): duplicates are then found by
sorting hashes, and rows sharing a hash are compared by value (ledgers.first_occurrences)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(n: int) -> np.ndarray:
    """n well-mixed odd 64-bit constants (SplitMix64; numpy.random would cost an import on every run)."""
    with np.errstate(over="ignore"):
        x = np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) | np.uint64(1)


_STRING_MULT = _splitmix64(64)


def string_hash(values: pa.Array, block: int = 1 << 16) -> np.ndarray:
    """A 64-bit hash of each string, from its bytes (numpy, block by block, no hash table)."""
    out = np.empty(len(values), dtype=np.uint64)
    if len(values) == 0:
        return out
    offsets_all = np.frombuffer(values.buffers()[1], np.int32)[values.offset : values.offset + len(values) + 1]
    data_all = np.frombuffer(values.buffers()[2], np.uint8) if values.buffers()[2] else np.zeros(0, np.uint8)
    with np.errstate(over="ignore"):
        for first in range(0, len(values), block):
            offsets = offsets_all[first : first + block + 1]
            size = np.diff(offsets)
            starts = offsets[:-1] - offsets[0]
            data = data_all[offsets[0] : offsets[-1]]
            position = np.arange(len(data), dtype=np.int32) - np.repeat(starts, size)
            weighted = data.astype(np.uint64) * _STRING_MULT[position & 63]
            h = np.zeros(len(size), dtype=np.uint64)
            filled = size > 0
            if len(data):
                h[filled] = np.add.reduceat(weighted, starts[filled])
            out[first : first + len(size)] = h ^ (size.astype(np.uint64) * _GOLDEN)
    return out


def key_hash(table: pa.Table, columns: list[str]) -> np.ndarray:
    """A 64-bit hash per row of its values in `columns` (equal keys, equal hashes)."""
    mixed = np.zeros(table.num_rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            values = table[column].combine_chunks()
            if pa.types.is_string(values.type):
                h = string_hash(values)
            elif pa.types.is_date32(values.type):
                h = values.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.uint64)
            else:
                h = values.to_numpy(zero_copy_only=False).astype(np.uint64)
            mixed = (mixed ^ h) * _GOLDEN + np.uint64(0x632BE59BD9B4E019)
            mixed ^= mixed >> np.uint64(29)
    return mixed
