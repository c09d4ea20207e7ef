"""64-bit hashes of ledger keys, computed with numpy (no hash tables): duplicates are then found by
sorting hashes, and rows sharing a hash are compared by value (ledgers.first_occurrences). Also a
hashed membership test for large int64 arrays (among)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


def string_hash(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string, from its bytes: (sum over byte positions j of byte * M[j % 64])
    xor (length * GOLDEN), all modulo 2**64 (numpy, no hash table).

    Keys are mostly of one or a few lengths (class and certificate numbers): the strings of a common
    length are hashed as a matrix, one byte position (column) at a time; the others byte by byte.
    Both compute the same formula, so equal strings always get equal hashes."""
    n = len(values)
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset : values.offset + n + 1]
    data = np.frombuffer(values.buffers()[2], np.uint8) if values.buffers()[2] else np.zeros(0, np.uint8)
    size = np.diff(offsets)
    counts = np.bincount(size)
    common = [w for w in np.flatnonzero(counts >= max(n // 16, 1)).tolist() if 0 < w <= 64]
    rest = np.ones(n, dtype=bool)
    with np.errstate(over="ignore"):
        for width in common:
            if counts[width] == n:  # all one length: the bytes are already an (n, width) matrix
                rows = slice(None)
                matrix = data[offsets[0] : offsets[0] + n * width].reshape(n, width)
            else:
                rows = np.flatnonzero(size == width)
                matrix = data[offsets[rows][:, None] + np.arange(width, dtype=np.int32)]
            out[rows] = _matrix_hash(matrix)
            rest[rows] = False
        others = np.flatnonzero(rest)
        if len(others):
            out[others] = _bytewise_hash(offsets, data, others)
    return out


def _matrix_hash(matrix: np.ndarray, block: int = 1 << 15) -> np.ndarray:
    """string_hash of strings of one length, given as the rows of a uint8 matrix (blocks of rows,
    so that each byte position's temporaries stay in the CPU cache)."""
    n, width = matrix.shape
    out = np.empty(n, dtype=np.uint64)
    term = np.empty(min(n, block), dtype=np.uint64)
    for first in range(0, n, block):
        part = matrix[first : first + block]
        h = np.zeros(len(part), dtype=np.uint64)
        t = term[: len(part)]
        for j in range(width):
            np.multiply(part[:, j], _STRING_MULT[j], out=t, casting="unsafe")
            h += t
        out[first : first + len(part)] = h ^ (np.uint64(width) * _GOLDEN)
    return out


def _bytewise_hash(
    offsets: np.ndarray, data: np.ndarray, rows: np.ndarray, block: int = 1 << 16
) -> np.ndarray:
    """string_hash of some rows, byte by byte (any lengths), block by block."""
    out = np.empty(len(rows), dtype=np.uint64)
    everything = len(rows) == len(offsets) - 1  # then the rows' bytes are contiguous: no gathering
    for first in range(0, len(rows), block):
        part = rows[first : first + block]
        size = offsets[part + 1] - offsets[part]
        starts = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.int64)
        position = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(starts, size)
        if everything:
            picked = data[offsets[part[0]] : offsets[part[-1] + 1]]
        else:
            picked = data[np.repeat(offsets[part], size) + position]
        weighted = picked.astype(np.uint64) * _STRING_MULT[position & 63]
        h = np.zeros(len(part), dtype=np.uint64)
        filled = size > 0
        if len(picked):
            h[filled] = np.add.reduceat(weighted, starts[filled])
        out[first : first + len(part)] = h ^ (size.astype(np.uint64) * _GOLDEN)
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


def among(
    values: np.ndarray | list[np.ndarray], wanted: np.ndarray, threads: int = 1, bits: int = 24
) -> np.ndarray:
    """Whether each value (int64) is one of `wanted` (sorted, distinct), in blocks on `threads` threads.
    `values` may come as a list of arrays (a column's chunks, as mapped from the cache: joining them
    would copy a province's 160 MB of key hashes into fresh memory); the answer is for all of them, in
    order.

    A table of 2**bits flags, set at a multiplicative hash of each wanted value, rules out most values
    with one look-up (it fits the CPU cache); only the rest are searched for in `wanted`. Three times
    faster than pc.is_in on 12M certificates against 0.6M hired persons."""
    chunks = values if isinstance(values, list) else [values]
    found = np.zeros(sum(len(c) for c in chunks), dtype=bool)
    if len(wanted) == 0:
        return found
    flags = np.zeros(1 << bits, dtype=bool)
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        flags[(wanted.view(np.uint64) * _GOLDEN) >> shift] = True

    def block(at: tuple[np.ndarray, int]) -> None:
        part, start = at
        with np.errstate(over="ignore"):
            maybe = np.flatnonzero(flags[(part.view(np.uint64) * _GOLDEN) >> shift])
        candidates = part[maybe]
        where = np.minimum(np.searchsorted(wanted, candidates), len(wanted) - 1)
        found[start + maybe[wanted[where] == candidates]] = True

    blocks, offset = [], 0
    for chunk in chunks:
        blocks += [(chunk[i : i + (1 << 17)], offset + i) for i in range(0, len(chunk), 1 << 17)]
        offset += len(chunk)
    with ThreadPoolExecutor(max_workers=threads) as pool:  # numpy releases the GIL
        list(pool.map(block, blocks))
    return found
