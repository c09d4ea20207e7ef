"""Assemble each ledger from its files: validated rows, the as-of bound, duplicates, reconciliation.

SPEC §2: every `trainings*.csv` (etc.) in the data folder belongs to that ledger, taken in name order,
rows in line order. A row whose key repeats an earlier accepted row is a duplicate of that file and
line. For every ledger: rows read = rows accepted + rows rejected + duplicates.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from jishu import schema
from jishu.hashing import among
from jishu.ids import birth_yyyymmdd, distinct, masked_ids
from jishu.lazy import pc
from jishu.problems import PROBLEM_SCHEMA, make_table
from jishu.read import FileProblem, read_table
from jishu.validate import TYPES, NeedAllColumns, ValidatedFile, selector, used_columns, validate_table


class Counts(BaseModel):
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0


@dataclass
class LedgerData:
    ledger: schema.Ledger
    files: list[str]
    table: pa.Table  # accepted, de-duplicated rows; `file` (index into files) and `line` say where from
    counts: Counts
    earliest: pa.Table | Callable[[], pa.Table] | None = None  # certificates: see earliest_certificates


@dataclass
class Ledgers:
    data: dict[str, LedgerData]
    problem_parts: list  # tables, or callables giving a table (read from the cache when asked for)
    as_of: dt.date
    files_read: int = 0
    cache_hits: int = 0
    holders: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)  # see certificate_holders

    @cached_property
    def problems(self) -> pa.Table:
        """Row problems of every ledger, in file and line order."""
        parts = [p() if callable(p) else p for p in self.problem_parts]
        problems = _with_as_of(pa.concat_tables(parts) if parts else PROBLEM_SCHEMA.empty_table(), self.as_of)
        return problems.sort_by([("file", "ascending"), ("line", "ascending")])

    def __getitem__(self, name: str) -> pa.Table:
        return self.data[name].table

    def certificate_holders(self, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(holders ascending, each one's earliest issue date as datetime64[D]), covering at least
        `persons`: from the cache's index when there is one, else worked out for those persons only."""
        if self.holders is not None:
            return self.holders
        certificates = self.data["certificates"]
        index = certificates.earliest() if callable(certificates.earliest) else certificates.earliest
        whole = index is not None  # the index of every holder: kept for the next call (subsidy asks 4 times)
        if not whole:
            index = earliest_certificates(certificates.table, persons)
        found = index["person_id"].to_numpy(), index["issue_date"].to_numpy().astype("datetime64[D]", copy=False)
        if whole:
            self.holders = found
        return found

    def counts(self) -> dict[str, Counts]:
        return {name: d.counts for name, d in self.data.items()}

    @property
    def rejected(self) -> int:
        return sum(d.counts.rejected for d in self.data.values())


class LedgersUnusable(Exception):
    """One or more files cannot be used at all (SPEC §5: exit 2). Carries their problems."""

    def __init__(self, problems: pa.Table):
        super().__init__("ledgers unusable")
        self.problems = problems


def find_files(data_dir: Path, ledger: schema.Ledger) -> list[Path]:
    """The files of a ledger: `<name>*.csv` (case-insensitive), in name order."""
    found = [
        p for p in data_dir.iterdir() if p.name.lower().startswith(ledger.name) and p.name.lower().endswith(".csv")
    ]
    return sorted(found, key=lambda p: p.name)


def _threads() -> int:
    return int(os.environ.get("JISHU_THREADS") or min(2, os.cpu_count() or 1))


def validate_file(path: Path, ledger: schema.Ledger, encoding: str | None, keep: list[str] | None = None) -> ValidatedFile:
    """Read the columns jishu uses and validate them batch by batch, two batches at a time (numpy and
    pyarrow.compute release the GIL); if some rows are empty in all of those columns, read every
    column to tell blank rows from rows with something elsewhere (rare). Every column is checked;
    `keep` may name the columns to hold on to afterwards (the others are dropped batch by batch)."""

    def check(batch) -> ValidatedFile:
        done = validate_table(ledger, batch, path.name)
        if keep is not None:
            done = replace(done, table=done.table.select([c for c in done.table.column_names if c in keep]))
        return done

    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        try:
            parts = list(pool.map(check, read_table(path, encoding, select=selector(ledger)).batches()))
        except NeedAllColumns:
            parts = list(pool.map(check, read_table(path, encoding).batches()))
    if len(parts) == 1:
        return parts[0]
    return ValidatedFile(path.name, pa.concat_tables([p.table for p in parts]),
                         pa.concat_tables([p.problems for p in parts]), sum(p.rows for p in parts),
                         max(p.latest_birth for p in parts))


def load(
    data_dir: Path,
    as_of: dt.date,
    encoding: str | None = None,
    use_cache: bool = True,
    ledgers: tuple[str, ...] = tuple(schema.LEDGERS),
    keep_going: bool = False,
    columns: dict[str, list[str]] | None = None,
) -> Ledgers:
    """Read, validate and assemble the ledgers.

    Raises LedgersUnusable for unusable files, unless `keep_going` (for `check`): then those files are
    left out and their problems are listed with the others. `columns` may name, per ledger, the
    columns the caller needs; a ledger taken from the cache then reads only those.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise LedgersUnusable(make_table([{"file": str(data_dir), "code": "data_dir_missing", "detail": str(data_dir)}]))
    store = None
    if use_cache:
        from jishu import cache  # pyarrow.parquet: only when the cache is used

        store = cache.Cache.for_data(data_dir, encoding)
    fatal: list[dict] = []
    data: dict[str, LedgerData] = {}
    problem_parts: list[pa.Table] = []
    files: dict[str, list[Path]] = {}
    for name in ledgers:
        ledger = schema.LEDGERS[name]
        files[name] = find_files(data_dir, ledger)
        if not files[name] and not ledger.optional:
            fatal.append({"file": ledger.pattern, "code": "file_missing", "column": ledger.name,
                          "value": ledger.pattern, "detail": str(data_dir)})
            continue
        whole = store.get_ledger(ledger, files[name], (columns or {}).get(name)) if store else None
        if whole is not None and as_of_number(as_of) >= whole.latest_birth:
            data[name] = LedgerData(ledger, whole.files, whole.table, whole.counts, whole.earliest)
            problem_parts.append(whole.problems)
            del files[name]
    jobs = [(name, path) for name, paths in files.items() for path in paths]
    # Without the cache (which keeps every column for any later command), only what the caller needs
    # is held after checking, with what assembling needs: lines, keys, persons (birth dates), hashes.
    keep = {} if store or columns is None else {
        name: ["line", *schema.LEDGERS[name].key, "person_id", *columns.get(name, []), "key_hash"] for name in files}
    stamps = {name: store.ledger_stamp(paths) for name, paths in files.items()} if store else {}

    def one_file(job: tuple[str, Path]) -> tuple[ValidatedFile | FileProblem, bool]:
        """(validated file or its whole-file problem, whether it came from the cache)."""
        ledger = schema.LEDGERS[job[0]]
        try:
            entry = store.get(job[1], ledger) if store else None
            if entry is not None:
                return entry, True
            stamp = store.stamp(job[1]) if store else None
            entry = validate_file(job[1], ledger, encoding, keep.get(job[0]))
            if store:
                store.put(job[1], ledger, entry, stamp)
            return entry, False
        except FileProblem as exc:
            return exc, False

    validated: dict[str, list[ValidatedFile]] = {name: [] for name in files}
    remaining = {name: len(paths) for name, paths in files.items()}

    def finish(name: str) -> Assembled:
        """Assemble one ledger from its files, and keep it in the cache when all of them were usable."""
        whole = assemble(schema.LEDGERS[name], validated[name], as_of)
        if store and len(validated[name]) == len(files[name]) and whole.late == 0:
            if name == "certificates":  # kept with the ledger so that warm runs need not sort every holder
                whole.earliest = earliest_certificates(whole.table)
            store.put_ledger(schema.LEDGERS[name], stamps[name], whole)
        return whole

    files_read = hits = 0
    # One file at a time: reading and checking use every core. Each ledger is assembled (a single
    # thread, mostly sorting) in the background as soon as its last file is in, while the next
    # ledger's files are read.
    with ThreadPoolExecutor(max_workers=1) as background:
        assembling = {name: background.submit(finish, name) for name in files if not files[name]}
        for name, path in jobs:
            entry, cached = one_file((name, path))
            if isinstance(entry, FileProblem):
                fatal.append({"file": path.name, "line": entry.line, "code": entry.code, "value": entry.value,
                              "column": entry.column, "detail": entry.detail})
            else:
                validated[name].append(entry)
                hits += cached
                files_read += not cached
            remaining[name] -= 1
            if remaining[name] == 0:
                assembling[name] = background.submit(finish, name)
        assembled = {name: assembling[name].result() for name in files}
    if fatal and not keep_going:
        raise LedgersUnusable(make_table(fatal))
    if fatal:
        problem_parts.append(make_table(fatal))
    for name, whole in assembled.items():
        data[name] = LedgerData(schema.LEDGERS[name], whole.files, whole.table, whole.counts, whole.earliest)
        problem_parts.append(whole.problems)
    ordered = {name: data[name] for name in ledgers if name in data}
    return Ledgers(ordered, problem_parts, as_of, files_read=files_read, cache_hits=hits)


def as_of_number(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


@dataclass
class Assembled:
    """A ledger assembled from its files (what the ledger-level cache keeps)."""

    files: list[str]
    table: pa.Table
    problems: pa.Table | object  # birth-date details not yet filled (a callable when read lazily)
    counts: Counts
    latest_birth: int  # YYYYMMDD: valid for any as-of on or after it (no row rejected for birth)
    late: int = 0  # rows rejected because born after the as-of date
    earliest: pa.Table | Callable[[], pa.Table] | None = None  # certificates: see earliest_certificates


def earliest_certificates(certificates: pa.Table, persons: np.ndarray | None = None) -> pa.Table:
    """Each certificate holder once, ascending (`person_id`), with the issue date of their earliest
    accepted certificate (`issue_date`); only the holders among `persons` when given (SPEC §4: whether
    a person held a certificate on a date is whether this date is on or before it)."""
    holders = certificates["person_id"].to_numpy()
    issued = certificates["issue_date"].to_numpy().astype(np.int32)  # days since 1970
    if persons is not None:
        mine = among(holders, distinct(np.asarray(persons, np.int64)), threads=_threads())
        holders, issued = holders[mine], issued[mine]
    order = np.lexsort((issued, holders))
    holders, issued = holders[order], issued[order]
    first = np.r_[True, holders[1:] != holders[:-1]] if len(holders) else np.zeros(0, dtype=bool)
    return pa.table({"person_id": holders[first], "issue_date": pa.Array.from_buffers(
        pa.date32(), int(first.sum()), [None, pa.py_buffer(np.ascontiguousarray(issued[first]))])})


def assemble(ledger: schema.Ledger, files: list[ValidatedFile], as_of: dt.date) -> Assembled:
    """One ledger from its validated files: the as-of bound on birth dates, then duplicates by key."""
    names = [f.file for f in files]
    parts = []
    file_type = np.int16 if len(files) < 2**15 else np.int32  # the index of the file each row is from
    for i, f in enumerate(files):
        parts.append(f.table.append_column("file", pa.array(np.full(f.table.num_rows, i, dtype=file_type))))
    problems = [f.problems for f in files]
    rows = sum(f.rows for f in files)
    rejected_in_files = sum(_rejected_rows(f.problems) for f in files)
    table = pa.concat_tables(parts) if parts else _empty(ledger)
    latest = max((f.latest_birth for f in files), default=0)
    if as_of_number(as_of) < latest:
        table, late = _birth_after(table, names, as_of)
        problems.append(late)
    else:
        late = PROBLEM_SCHEMA.empty_table()
    table, duplicates = _deduplicate(ledger, table, names)
    table = table.drop_columns(["key_hash"])
    problems.append(duplicates)
    counts = Counts(
        rows=rows,
        accepted=table.num_rows,
        rejected=rejected_in_files + late.num_rows,
        duplicates=duplicates.num_rows,
    )
    assert counts.rows == counts.accepted + counts.rejected + counts.duplicates, counts
    return Assembled(names, table, pa.concat_tables(problems), counts, latest, late.num_rows)


def _with_as_of(problems: pa.Table, as_of: dt.date) -> pa.Table:
    """Birth dates are bounded by the as-of date, which file validation does not know: name it here."""
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
    fields = [("line", pa.int32())] + [(c.name, TYPES[c.type]) for c in used_columns(ledger)]
    fields += [("key_hash", pa.uint64()), ("file", pa.int16())]
    return pa.schema(fields).empty_table()


def _birth_after(table: pa.Table, names: list[str], as_of: dt.date) -> tuple[pa.Table, pa.Table]:
    """Reject rows whose person was born after the as-of date (SPEC §2: birth date ≤ as-of)."""
    person = table["person_id"].to_numpy()
    limit = as_of_number(as_of)
    late = birth_yyyymmdd(person) > limit
    if not late.any():
        return table, PROBLEM_SCHEMA.empty_table()
    idx = np.flatnonzero(late)
    file_idx = table["file"].to_numpy()[idx]
    rows = [
        {"file": names[f], "line": line, "column": "person_id", "value": shown, "code": "id_birthdate",
         "detail": as_of.isoformat()}
        for f, line, shown in zip(file_idx.tolist(), table["line"].to_numpy()[idx].tolist(), masked_ids(person[idx]))
    ]
    return table.filter(pa.array(~late)), make_table(rows)


def _key_text(ledger: schema.Ledger, table: pa.Table, idx: np.ndarray) -> list[str]:
    """The key of some rows as shown in a duplicate report (IDs masked)."""
    pieces = []
    for column in ledger.key:
        values = table[column].take(pa.array(idx))
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
    keys = zip(*[table[c].take(pa.array(candidates)).to_pylist() for c in columns])
    seen: dict[tuple, int] = {}
    later: dict[int, int] = {}
    for row, key in zip(candidates.tolist(), keys):
        first = seen.setdefault(key, row)
        if first != row:
            later[row] = first
    return later


def _deduplicate(ledger: schema.Ledger, table: pa.Table, names: list[str]) -> tuple[pa.Table, pa.Table]:
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
    file_idx = table["file"].to_numpy()
    line = table["line"].to_numpy()
    shown = _key_text(ledger, table, dup_rows)
    rows = [
        {"file": names[file_idx[d]], "line": int(line[d]), "column": "+".join(ledger.key), "value": s,
         "code": "duplicate", "detail": f"{names[file_idx[f]]}:{line[f]}"}
        for d, f, s in zip(dup_rows.tolist(), first_rows.tolist(), shown)
    ]
    return table.filter(pa.array(is_first)), make_table(rows)
