"""Assemble one ledger from its validated files (pure): the as-of bound on birth dates, duplicates
by key, and the reconciliation counts.

SPEC §2: files are taken in name order, rows in line order; a row whose key repeats the key of an
earlier accepted row is a duplicate of that file and line; for every ledger, rows read = rows
accepted + rows rejected + duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from jishu import schema
from jishu.fast.arrays import pick
from jishu.fast.hashing import among
from jishu.fast.lazy import pc
from jishu.fast.runtime import threads
from jishu.model import PROBLEM_SCHEMA, Counts, problem_table, severity_of
from jishu.validate import TYPES, ValidatedFile
from jishu.values import birth_yyyymmdd, masked_ids


def as_of_number(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


@dataclass
class Assembled:
    """A ledger assembled from its files (what the ledger-level cache keeps)."""

    files: list[list[str]]  # [file, sheet] of each table, in order ("" sheet for CSV)
    table: pa.Table  # accepted, de-duplicated rows; `file` (index into files) and `line` say where from
    problems: pa.Table | None  # None when read from the cache without them
    counts: Counts
    latest_birth: int  # YYYYMMDD: valid for any as-of on or after it (no row rejected for birth)
    late: int = 0  # rows rejected because born after the as-of date
    earliest: pa.Table | None = None  # certificates: each holder's earliest issue date (rules/holders.py)
    notices: list[dict] = field(default_factory=list)  # what was said of the files named for the ledger


def assemble(ledger: schema.Ledger, files: list[ValidatedFile], as_of: dt.date) -> Assembled:
    """One ledger from its validated tables (files in name order, sheets in workbook order): the as-of
    bound on birth dates, then duplicates by key."""
    names = [[f.file, f.sheet] for f in files]
    parts = [with_file_index(f.table, i, wide=len(files) >= 2**15) for i, f in enumerate(files)]
    problems = [f.problems for f in files]
    rows = sum(f.rows for f in files)
    rejected_in_files = sum(_rejected_rows(f.problems) for f in files)
    table = pa.concat_tables(parts) if parts else _empty(ledger)
    latest = max((f.latest_birth for f in files), default=0)
    if as_of_number(as_of) < latest:
        table, late = _birth_after(table, names, as_of, ledger.name)
        problems.append(late)
    else:
        late = PROBLEM_SCHEMA.empty_table()
    table, duplicates = _deduplicate(
        ledger, table, names
    )  # key hashes kept: the cache keeps them for appends
    problems.append(duplicates)
    counts = Counts(
        rows=rows,
        accepted=table.num_rows,
        rejected=rejected_in_files + late.num_rows,
        duplicates=duplicates.num_rows,
    )
    assert counts.rows == counts.accepted + counts.rejected + counts.duplicates, counts
    return Assembled(names, table, pa.concat_tables(problems), counts, latest, late.num_rows)


def with_file_index(table: pa.Table, index: int, wide: bool = False) -> pa.Table:
    """A file's table with the index of the file (among the ledger's) on every row: where it is from
    (int16, or int32 when the ledger has 2**15 tables or more: `wide`)."""
    return table.append_column(
        "file", pa.array(np.full(table.num_rows, index, dtype=np.int32 if wide else np.int16))
    )


def with_as_of(problems: pa.Table, as_of: dt.date) -> pa.Table:
    """Birth dates are bounded by the as-of date, which file validation does not know: name it in
    the problems of every birth date that is not a real date from 1900-01-01 (values.py)."""
    if problems.num_rows == 0:
        return problems
    fill = pc.and_(pc.equal(problems["code"], "id_birthdate"), pc.equal(problems["detail"], ""))
    if not pc.any(fill).as_py():
        return problems
    detail = pc.if_else(fill, as_of.isoformat(), problems["detail"])
    return problems.set_column(problems.schema.get_field_index("detail"), "detail", detail)


def _rejected_rows(problems: pa.Table) -> int:
    errors = problems.filter(pc.equal(problems["severity"], "error"))
    return pc.count_distinct(errors["line"]).as_py() if errors.num_rows else 0


def _empty(ledger: schema.Ledger) -> pa.Table:
    fields = [("line", pa.int32())] + [(c.name, TYPES[c.type]) for c in ledger.used]
    fields += [("key_hash", pa.uint64()), ("file", pa.int16())]
    return pa.schema(fields).empty_table()


def _birth_after(
    table: pa.Table, names: list[list[str]], as_of: dt.date, ledger_name: str
) -> tuple[pa.Table, pa.Table]:
    """Reject rows whose person was born after the as-of date (SPEC §2: birth date ≤ as-of; that it
    is a real date from 1900-01-01 is checked with the rest of the ID, in values.py)."""
    person = table["person_id"].to_numpy()
    limit = as_of_number(as_of)
    late = birth_yyyymmdd(person) > limit
    if not late.any():
        return table, PROBLEM_SCHEMA.empty_table()
    idx = np.flatnonzero(late)
    file_idx = table["file"].to_numpy()[idx]
    rows = [
        {
            "file": names[f][0],
            "sheet": names[f][1],
            "line": line,
            "column": "person_id",
            "value": shown,
            "code": "id_birthdate",
            "ledger": ledger_name,
            "detail": as_of.isoformat(),
        }
        for f, line, shown in zip(
            file_idx.tolist(), table["line"].to_numpy()[idx].tolist(), masked_ids(person[idx])
        )
    ]
    return table.filter(pa.array(~late)), problem_table(rows)


def _key_text(ledger: schema.Ledger, table: pa.Table, idx: np.ndarray) -> list[str]:
    """The key of some rows as shown in a duplicate report (IDs masked)."""
    pieces = []
    for column in ledger.key:
        values = pick(table[column], idx)
        if ledger.column(column).type == schema.RESIDENT_ID:
            pieces.append(masked_ids(values.to_numpy()))
        else:
            pieces.append([str(v) for v in values.to_pylist()])
    return [" / ".join(p) for p in zip(*pieces)]


def first_occurrences(table: pa.Table, columns: list[str]) -> dict[int, int]:
    """The rows whose values in `columns` repeat an earlier row's, each with that first row's index
    (empty when every key is unique, the usual case: then nothing row-sized is allocated).

    Every row carries a 64-bit hash of its key (`key_hash`, made while validating); hashes are sorted
    to find the repeated ones, and only rows with a repeated hash (duplicates, or very rarely a
    collision) are compared by their actual values, so the answer is exact.
    """
    if table.num_rows < 2:
        return {}
    ordered = table["key_hash"].to_numpy()  # a copy when the column has several chunks (the usual case)
    if not ordered.flags.writeable:
        ordered = ordered.copy()
    ordered.sort()  # in place: one row-sized array less
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    del ordered
    if len(repeated) == 0:
        return {}
    candidates = np.flatnonzero(np.isin(table["key_hash"].to_numpy(), repeated))
    keys = zip(*[pick(table[c], candidates).to_pylist() for c in columns])
    seen: dict[tuple, int] = {}
    later: dict[int, int] = {}
    for row, key in zip(candidates.tolist(), keys):
        first = seen.setdefault(key, row)
        if first != row:
            later[row] = first
    return later


def _deduplicate(ledger: schema.Ledger, table: pa.Table, names: list[list[str]]) -> tuple[pa.Table, pa.Table]:
    """Keep the first row of each key; report the others as duplicates of it (file and line)."""
    if table.num_rows == 0:
        return table, PROBLEM_SCHEMA.empty_table()
    later = first_occurrences(table, list(ledger.key))
    if not later:
        return table, PROBLEM_SCHEMA.empty_table()
    dup_rows = np.fromiter(later, dtype=np.int64, count=len(later))
    first_rows = np.fromiter(later.values(), dtype=np.int64, count=len(later))
    is_first = np.ones(table.num_rows, dtype=bool)
    is_first[dup_rows] = False
    problems = duplicate_problems(
        ledger,
        table,
        dup_rows,
        table["file"].to_numpy()[first_rows],
        table["line"].to_numpy()[first_rows],
        names,
    )
    return table.filter(pa.array(is_first)), problems


def duplicate_problems(
    ledger: schema.Ledger,
    table: pa.Table,
    dup_rows: np.ndarray,
    first_file: np.ndarray,
    first_line: np.ndarray,
    names: list[list[str]],
) -> pa.Table:
    """A `duplicate` problem for each of some rows of a table, naming the file and line of the row it
    repeats. Column by column (a day's appends can repeat thousands of rows: made row by row as dicts,
    39,000 of them took 0.25 s)."""
    n = len(dup_rows)
    files = pa.array([name for name, _ in names], pa.string())
    sheets = pa.array([sheet or "" for _, sheet in names], pa.string())
    where = pa.array(pick(table["file"], dup_rows).to_numpy().astype(np.int64))
    first = pa.array(np.asarray(first_file, np.int64))

    def same(text: str) -> pa.Array:
        return pa.repeat(pa.scalar(text, pa.string()), n)

    columns = {
        "file": files.take(where),
        "sheet": sheets.take(where),
        "line": pick(table["line"], dup_rows).cast(pa.int64()),
        "column": same("+".join(ledger.key)),
        "letter": same(""),
        "header": same(""),
        "value": pa.array(_key_text(ledger, table, dup_rows), pa.string()),
        "code": same("duplicate"),
        "severity": same(severity_of("duplicate")),
        "detail": same(""),
        "reason": same(""),
        "ref_file": files.take(first),
        "ref_sheet": sheets.take(first),
        "ref_line": pa.array(np.asarray(first_line, np.int64)),
        "ledger": same(ledger.name),
    }
    return pa.Table.from_arrays([columns[f.name] for f in PROBLEM_SCHEMA], schema=PROBLEM_SCHEMA)


def append(ledger: schema.Ledger, old: Assembled, tail: ValidatedFile, as_of: dt.date) -> Appended | None:
    """A ledger as cached (`old`, with its key hashes) and the rows its last file gained (`tail`, validated):
    the rows to add, their problems and the new counts, as assembling the whole again would give them.
    None when that cannot be told from these alone (a row born after the as-of date, a key hash shared by
    different keys): then the ledger is assembled whole."""
    if as_of_number(as_of) < tail.latest_birth:
        return None
    names = old.files
    last = len(names) - 1
    rows = tail.table.append_column("file", pa.array(np.full(tail.table.num_rows, last, dtype=np.int16)))
    rows = rows.cast(
        pa.schema(
            [
                old.table.schema.field(c) if c in old.table.column_names else rows.schema.field(c)
                for c in rows.column_names
            ]
        )
    )
    # The old rows whose key hash is among the new rows' (a scan of the old hashes against a small
    # table of the new ones, fast.hashing.among), then each new row's first old row of the same hash.
    # The old hashes are scanned chunk by chunk as the cache maps them, and the old rows are picked from
    # their chunks (joined, a province's hashes would be copied into 160 MB of fresh memory, its keys
    # into more).
    new_hash = rows["key_hash"].to_numpy()
    old_hashes = old.table["key_hash"]
    hits = np.flatnonzero(
        among(
            [c.to_numpy().view(np.int64) for c in old_hashes.chunks],
            np.unique(new_hash.view(np.int64)),
            threads=threads(),
        )
    )
    first_of: dict[int, int] = {}
    for row, h in zip(hits.tolist(), pick(old_hashes, hits).to_pylist()):
        first_of.setdefault(h, row)
    problems = [tail.problems]
    keep = np.ones(rows.num_rows, dtype=bool)
    if first_of:
        dup = np.array([i for i, h in enumerate(new_hash.tolist()) if h in first_of], dtype=np.int64)
        first = np.array([first_of[h] for h in new_hash[dup].tolist()], dtype=np.int64)
        for (
            column
        ) in ledger.key:  # equal hashes: compare the keys themselves (a collision is not a duplicate)
            mine = rows[column].take(pa.array(dup)).to_pylist()
            theirs = pick(old.table[column], first).to_pylist()
            if mine != theirs:
                return None
        problems.append(
            duplicate_problems(
                ledger,
                rows,
                dup,
                pick(old.table["file"], first).to_numpy(),
                pick(old.table["line"], first).to_numpy(),
                names,
            )
        )
        keep[dup] = False
    fresh = rows.filter(pa.array(keep)) if not keep.all() else rows
    fresh, within = _deduplicate(ledger, fresh, names)
    problems.append(within)
    added = pa.concat_tables(problems)
    duplicates = int((~keep).sum()) + within.num_rows
    counts = Counts(
        rows=old.counts.rows + tail.rows,
        accepted=old.counts.accepted + fresh.num_rows,
        rejected=old.counts.rejected + _rejected_rows(tail.problems),
        duplicates=old.counts.duplicates + duplicates,
    )
    assert counts.rows == counts.accepted + counts.rejected + counts.duplicates, counts
    return Appended(fresh, added, counts, max(old.latest_birth, tail.latest_birth))


@dataclass
class Appended:
    """What an append adds to a ledger: its accepted rows (with the file index and key hashes), the
    problems of the appended rows, and the ledger's counts now."""

    rows: pa.Table
    problems: pa.Table
    counts: Counts
    latest_birth: int
