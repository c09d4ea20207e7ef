"""Load the ledgers: find their files, read and validate each (or take it from the cache), assemble.

SPEC §2: every `trainings*` (etc.) file in the data folder belongs to that ledger, taken in name
order, rows in row order. The result, `Ledgers`, is data only: tables, counts, problems and the
as-of date they were loaded for, which every rule then reads (one source for as-of).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from jishu import schema
from jishu.assemble import Assembled, as_of_number, assemble, with_as_of
from jishu.fast.runtime import threads
from jishu.model import PROBLEM_SCHEMA, Counts, problem_table
from jishu.read import RawTable, Unusable, read_table, reader_for
from jishu.rules.holders import earliest_certificates
from jishu.validate import ValidatedFile, selector, validate_table


@dataclass
class LedgerData:
    ledger: schema.Ledger
    files: list[str]
    table: pa.Table  # accepted, de-duplicated rows; `file` (index into files) and `line` say where from
    counts: Counts


@dataclass
class Ledgers:
    """The ledgers as of one date: what every rule reads."""

    as_of: dt.date
    data: dict[str, LedgerData]
    problems: pa.Table | None = None  # every problem, in file and line order (None when not loaded)
    # Each certificate holder's earliest issue date, when the cache keeps it (rules/holders.py).
    holders: pa.Table | None = None
    files_read: int = 0
    cache_hits: int = 0

    def __getitem__(self, name: str) -> pa.Table:
        return self.data[name].table

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def counts(self) -> dict[str, Counts]:
        return {name: d.counts for name, d in self.data.items()}

    @property
    def rejected(self) -> int:
        return sum(d.counts.rejected for d in self.data.values())


@dataclass(frozen=True)
class Needs:
    """What a command needs of the ledgers (a warm run reads only that from the cache)."""

    columns: dict[str, list[str]] | None = None  # per ledger; None: every column
    problems: bool = True
    holders: bool = True


EVERYTHING = Needs()


class LedgersUnusable(Exception):
    """One or more files cannot be used at all (SPEC §5: exit 2), so no figure would be right.
    Carries their problems."""

    def __init__(self, problems: pa.Table):
        super().__init__("ledgers unusable")
        self.problems = problems


def find_files(data_dir: Path, ledger: schema.Ledger) -> list[Path]:
    """The files of a ledger: named `<name>*` (case-insensitive) and of a kind jishu reads, in name order."""
    found = [p for p in data_dir.iterdir() if p.name.lower().startswith(ledger.name) and reader_for(p)]
    return sorted(found, key=lambda p: p.name)


def validate_file(path: Path, ledger: schema.Ledger, encoding: str | None,
                  keep: list[str] | None = None) -> ValidatedFile | Unusable:
    """Read the columns jishu uses and validate them batch by batch, two batches at a time (numpy and
    pyarrow.compute release the GIL); if some rows are empty in all of those columns, read every
    column to tell blank rows from rows with something elsewhere (rare). Every column is checked;
    `keep` may name the columns to hold on to afterwards (the others are dropped batch by batch)."""

    def check(batch: RawTable) -> ValidatedFile | Unusable | None:
        done = validate_table(ledger, batch, path.name)
        if keep is not None and isinstance(done, ValidatedFile):
            done = replace(done, table=done.table.select([c for c in done.table.column_names if c in keep]))
        return done

    with ThreadPoolExecutor(max_workers=threads()) as pool:
        parts = None
        for select in (selector(ledger), None):  # the columns used; then, if needed, all of them
            raw = read_table(path, encoding, select=select)
            if isinstance(raw, Unusable):
                return raw
            parts = list(pool.map(check, raw.batches()))
            if all(p is not None for p in parts):
                break
    unusable = next((p for p in parts if isinstance(p, Unusable)), None)
    if unusable is not None:
        return unusable
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
    needs: Needs = EVERYTHING,
    keep_going: bool = False,
) -> Ledgers:
    """Read, validate and assemble the ledgers as of a date.

    Raises LedgersUnusable for unusable files, unless `keep_going` (for `check`): then those files are
    left out and their problems are listed with the others.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise LedgersUnusable(problem_table([{"file": str(data_dir), "code": "data_dir_missing",
                                              "detail": str(data_dir)}]))
    store = None
    if use_cache:
        from jishu import cache  # pyarrow.parquet: only when the cache is used

        store = cache.Cache.for_data(data_dir, encoding)
    unusable: list[dict] = []
    assembled: dict[str, Assembled] = {}
    files: dict[str, list[Path]] = {}  # the ledgers still to be read, with their files
    for name, ledger in schema.LEDGERS.items():
        paths = find_files(data_dir, ledger)
        if not paths and not ledger.optional:
            unusable.append({"file": ledger.pattern, "code": "file_missing", "column": ledger.name,
                             "value": ledger.pattern, "detail": str(data_dir)})
            continue
        cached = store.get_ledger(ledger, paths, needs) if store else None
        if cached is not None and as_of_number(as_of) >= cached.latest_birth:
            assembled[name] = cached
        else:
            files[name] = paths
    read, hits = _read_ledgers(files, as_of, encoding, store, needs, unusable, assembled)
    if unusable and not keep_going:
        raise LedgersUnusable(problem_table(unusable))
    data = {name: LedgerData(schema.LEDGERS[name], a.files, a.table, a.counts)
            for name, a in sorted(assembled.items(), key=lambda item: list(schema.LEDGERS).index(item[0]))}
    problems = None
    if needs.problems:
        parts = [problem_table(unusable)] + [a.problems for a in assembled.values()]
        problems = with_as_of(pa.concat_tables(parts), as_of).sort_by([("file", "ascending"), ("line", "ascending")])
    holders = assembled["certificates"].earliest if needs.holders and "certificates" in assembled else None
    return Ledgers(as_of, data, problems, holders, files_read=read, cache_hits=hits)


def _read_ledgers(files: dict[str, list[Path]], as_of: dt.date, encoding: str | None, store, needs: Needs,
                  unusable: list[dict], assembled: dict[str, Assembled]) -> tuple[int, int]:
    """Read and validate the files of the ledgers not taken whole from the cache, and assemble each;
    adds to `unusable` and `assembled`. Returns (files read, files from the cache).

    One file at a time: reading and checking use every core. Each ledger is assembled (a single
    thread, mostly sorting) in the background as soon as its last file is in, while the next ledger's
    files are read."""
    # Without the cache (which keeps every column for any later command), only what the command needs
    # is held after checking, with what assembling needs: lines, keys, persons (birth dates), hashes.
    keep = {} if store or needs.columns is None else {
        name: ["line", *schema.LEDGERS[name].key, "person_id", *needs.columns.get(name, []), "key_hash"]
        for name in files}
    stamps = {name: store.ledger_stamp(paths) for name, paths in files.items()} if store else {}
    validated: dict[str, list[ValidatedFile]] = {name: [] for name in files}

    def finish(name: str) -> Assembled:
        """Assemble one ledger from its files, and keep it in the cache when all of them were usable."""
        whole = assemble(schema.LEDGERS[name], validated[name], as_of)
        if store and len(validated[name]) == len(files[name]) and whole.late == 0:
            if name == "certificates":  # kept with the ledger so that warm runs need not sort every holder
                whole.earliest = earliest_certificates(whole.table)
            store.put_ledger(schema.LEDGERS[name], stamps[name], whole)
        return whole

    read = hits = 0
    with ThreadPoolExecutor(max_workers=1) as background:
        assembling = {name: background.submit(finish, name) for name in files if not files[name]}
        for name, paths in files.items():
            for path in paths:
                entry, cached = _one_file(path, schema.LEDGERS[name], encoding, store, keep.get(name))
                if isinstance(entry, Unusable):
                    unusable.append(entry.fields(path.name))
                else:
                    validated[name].append(entry)
                    hits += cached
                    read += not cached
            if paths:
                assembling[name] = background.submit(finish, name)
        for name, job in assembling.items():
            assembled[name] = job.result()
    return read, hits


def _one_file(path: Path, ledger: schema.Ledger, encoding: str | None, store,
              keep: list[str] | None) -> tuple[ValidatedFile | Unusable, bool]:
    """(the validated file or why it is unusable, whether it came from the cache)."""
    entry = store.get(path, ledger) if store else None
    if entry is not None:
        return entry, True
    stamp = store.stamp(path) if store else None
    entry = validate_file(path, ledger, encoding, keep)
    if store and isinstance(entry, ValidatedFile):
        store.put(path, ledger, entry, stamp)
    return entry, False


# ---------------------------------------------------------------- ledgers written in code


def ledgers_from_rows(as_of: dt.date, **rows: list[dict] | None) -> Ledgers:
    """Ledgers from rows given in code, each row a dict of cells as a clerk would type them (column
    names in English or Chinese; values as text, or numbers and dates, which are written out), checked
    like a file's rows: for tests and notebooks. A ledger not given is empty (optional ones: absent).

        ledgers_from_rows(dt.date(2022, 3, 31), trainings=[{"person_id": "…", "class_id": "A1", …}])
    """
    unknown = set(rows) - set(schema.LEDGERS)
    if unknown:
        raise ValueError(f"no such ledger: {', '.join(sorted(unknown))}")
    assembled = {}
    problems = [PROBLEM_SCHEMA.empty_table()]
    for name, ledger in schema.LEDGERS.items():
        given = rows.get(name)
        if given is None and ledger.optional:
            continue
        validated = _validate_rows(ledger, list(given or []))
        whole = assemble(ledger, [validated], as_of)
        assembled[name] = LedgerData(ledger, whole.files, whole.table, whole.counts)
        problems.append(whole.problems)
    problems_table = with_as_of(pa.concat_tables(problems), as_of).sort_by([("file", "ascending"),
                                                                            ("line", "ascending")])
    return Ledgers(as_of, assembled, problems_table)


def _validate_rows(ledger: schema.Ledger, rows: list[dict]) -> ValidatedFile:
    header = list(dict.fromkeys(key for row in rows for key in row)) or [c.name for c in ledger.columns]
    header += [c.name for c in ledger.columns if c.header_required and c.name not in header
               and c.zh not in header]

    def text(value: object) -> str:
        if value is None:
            return ""
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    columns = [pa.array([text(row.get(h)) for row in rows], pa.string()) for h in header]
    raw = RawTable(header, columns, np.arange(2, len(rows) + 2, dtype=np.int64), "utf-8", ledger.name)
    validated = validate_table(ledger, raw, f"{ledger.name} (in memory)")
    if isinstance(validated, Unusable):
        raise ValueError(f"{ledger.name}: {validated}")
    return validated
