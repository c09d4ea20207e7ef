"""Load the ledgers: find their files, read and validate each (or take it from the cache), assemble.

SPEC §2: every `trainings*` (etc.) file in the data folder belongs to that ledger, taken in name
order, rows in row order. The result, `Ledgers`, is data only: tables, counts, problems and the
as-of date they were loaded for, which every rule then reads (one source for as-of).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from jishu import schema
from jishu.assemble import Assembled, as_of_number, assemble, with_as_of, with_file_index
from jishu.fast.lazy import pc
from jishu.fast.runtime import many_objects, threads
from jishu.model import PROBLEM_SCHEMA, Counts, problem_table
from jishu.read import Notice, RawTable, Table, Unusable, open_tables, reader_for
from jishu.read.shape import Header, best_guess, columns_in, find_header, ledger_named
from jishu.rules.holders import earliest_certificates
from jishu.validate import ValidatedFile, map_header, selector, validate_table

if TYPE_CHECKING:
    from jishu.cache import EarlyParts


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
    notices: list[dict] = field(default_factory=list)  # what was said of files and sheets (problem fields)

    def __getitem__(self, name: str) -> pa.Table:
        return self.data[name].table

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def counts(self) -> dict[str, Counts]:
        return {name: d.counts for name, d in self.data.items()}

    def data_through(self) -> dict[str, dt.date | None]:
        """Each ledger's latest record date on or before the as-of date (None when it has none)."""
        return {name: self.latest(name) for name in self.data}

    def latest(self, name: str) -> dt.date | None:
        """The latest record date of a ledger on or before the as-of date (None when it has none)."""
        column = self.data[name].ledger.record_date
        table = self.data[name].table
        if column not in table.column_names or table.num_rows == 0:
            return None
        dates = table[column]
        latest = pc.max(dates).as_py()
        if latest is None or latest <= self.as_of:
            return latest  # the usual case, in one pass and no copy (filtering copied every date first)
        on_or_before = pc.less_equal(dates, pa.scalar(self.as_of, pa.date32()))
        return pc.max(pc.filter(dates, on_or_before)).as_py()

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
# The fields of a problem that can carry a file's content (a cell, a header, a close match).
ECHOED = ("value", "detail", "header")


class LedgersUnusable(Exception):
    """One or more files cannot be used at all (SPEC §5: exit 2), so no figure would be right.
    Carries their problems."""

    def __init__(self, problems: pa.Table):
        super().__init__("ledgers unusable")
        self.problems = problems


@dataclass
class FileEntry:
    """What one file gave: its tables (ledger name, validated table; in sheet order) and what was said
    about the file or its sheets (notices, as problem fields). The cache keeps it per file."""

    tables: list[tuple[str, ValidatedFile]]
    notices: list[dict]


@dataclass
class Folder:
    """What the data folder holds: the files of each ledger by name, the files whose ledger their
    headers tell, and what is said of everything else in it (SPEC §2: nothing skipped without a word)."""

    named: dict[str, list[Path]]
    unnamed: list[Path]
    notices: list[dict]
    unusable: list[dict]
    outside: set[str] = field(default_factory=set)  # names of symlinks to files outside the data folder

    def of(self, name: str) -> list[Path]:
        """The files that may hold a ledger's tables, in name order."""
        return sorted(self.named[name] + self.unnamed, key=lambda p: p.name)


def scan(data_dir: Path) -> Folder:
    """Every entry of the data folder, in name order: a ledger file by name (`trainings*`, …) or by
    header (any other CSV or workbook); Excel's lock files, other files and folders get a notice.

    SPEC §6: only regular files are read (a FIFO, socket or device gets a notice and is never opened);
    a dangling symlink, or one that cannot be followed, is `file_unreadable`; a symlink to a file
    outside the data folder is read, but that file's content is never echoed (Folder.outside)."""
    from jishu.files import FOLDER_NAME, TEMP_PREFIX
    from jishu.read import OTHER_SHEETS

    folder = Folder({name: [] for name in schema.LEDGERS}, [], [], [])
    home = os.path.realpath(data_dir)
    for path in sorted(data_dir.iterdir(), key=lambda p: p.name):
        name = path.name
        by_name = ledger_named(name)
        if name == FOLDER_NAME or name.startswith(TEMP_PREFIX):
            continue  # jishu's own cache and temporaries
        if name.startswith("~$"):  # Excel's and WPS's lock file of an open workbook
            folder.notices.append({"file": name, "code": "lock_file"})
            continue
        try:
            kind = os.stat(path).st_mode  # symlinks followed
        except OSError as exc:  # a dangling symlink, a loop, a folder that may not be looked into
            if reader_for(path) is not None:
                folder.unusable.append(
                    {
                        "file": name,
                        "code": "file_unreadable",
                        "reason": "dangling" if path.is_symlink() else None,
                        "detail": exc.strerror,
                    }
                )
            else:
                folder.notices.append({"file": name, "code": "file_not_read", "detail": path.suffix or name})
            continue
        if stat.S_ISDIR(kind):
            if by_name and reader_for(path):
                folder.unusable.append({"file": name, "code": "file_unreadable", "reason": "is_folder"})
            else:
                folder.notices.append({"file": name, "code": "folder_not_read"})
        elif not stat.S_ISREG(kind):
            folder.notices.append({"file": name, "code": "file_not_regular", "reason": _special_kind(kind)})
        elif reader_for(path) is None:
            code = "file_not_read" if path.suffix.lower() not in OTHER_SHEETS else "file_format_not_read"
            folder.notices.append({"file": name, "code": code, "detail": path.suffix or name})
        else:
            if path.is_symlink() and os.path.commonpath([home, os.path.realpath(path)]) != home:
                folder.outside.add(name)
                folder.notices.append(
                    {"file": name, "code": "file_outside", "detail": os.path.realpath(path)}
                )
            if by_name:
                folder.named[by_name.name].append(path)
            else:
                folder.unnamed.append(path)
    return folder


def _special_kind(mode: int) -> str:
    """What a file that is not a regular file is: the reason shown in its notice."""
    if stat.S_ISFIFO(mode):
        return "is_fifo"
    if stat.S_ISSOCK(mode):
        return "is_socket"
    return "is_device"


def _unechoed(problems: list[dict], outside: set[str]) -> list[dict]:
    """Problems of files outside the data folder without anything of their content (SPEC §6)."""
    return [
        p | dict.fromkeys(ECHOED) if p.get("file") in outside and p.get("code") != "file_outside" else p
        for p in problems
    ]


def _unechoed_table(problems: pa.Table, outside: set[str]) -> pa.Table:
    if not outside or problems.num_rows == 0:
        return problems
    hide = pc.is_in(problems["file"], pa.array(sorted(outside))).to_numpy(zero_copy_only=False)
    hide &= problems["code"].to_numpy(zero_copy_only=False) != "file_outside"
    if not hide.any():
        return problems
    mask = pa.array(hide)
    for column in ECHOED:
        at = problems.schema.get_field_index(column)
        blank = pa.nulls(problems.num_rows, problems.schema.field(column).type)
        problems = problems.set_column(at, column, pc.if_else(mask, blank, problems[column]))
    return problems


def read_file(path: Path, encoding: str | None, keep: dict | None) -> tuple[FileEntry, list[dict]]:
    """Every table of one file, validated, each assigned to its ledger (by the file's name, else by
    its header); and the file's unusable problems (none when it was read). Python's cyclic garbage
    collector is paused meanwhile: a workbook's rows come as a list per row (60,000 of them in a
    county's sheet), which would be walked again and again, and are all freed (no cycles) before it
    resumes (a cold 60,000-row workbook: calamine's to_python 0.115 -> 0.07 s)."""
    with many_objects():
        return _read_file(path, encoding, keep)


def _read_file(path: Path, encoding: str | None, keep: dict | None) -> tuple[FileEntry, list[dict]]:
    opened = open_tables(path, encoding)
    if isinstance(opened, Unusable):
        return FileEntry([], []), [opened.fields(path.name)]
    by_name = ledger_named(path.name)
    entry = FileEntry([], [n.fields(path.name) for n in opened.notices])
    unusable = []
    for table in opened.tables:
        found = _header_of(table, by_name)
        if isinstance(found, Notice):
            entry.notices.append(found.fields(path.name))
            continue
        if isinstance(found, Unusable):
            unusable.append(found.fields(path.name))
            continue
        ledger, header = found
        validated = validate_file(table, ledger, header, (keep or {}).get(ledger.name))
        if isinstance(validated, Unusable):
            unusable.append(validated.fields(path.name))
            continue
        entry.tables.append((ledger.name, validated))
        if header and header.above:
            entry.notices.append(
                {
                    "file": path.name,
                    "sheet": table.sheet,
                    "line": header.row,
                    "code": "title_rows",
                    "value": str(len(header.above)),
                    "detail": _rows_text(header.above),
                }
            )
        if validated.footer:
            entry.notices.append(
                {
                    "file": path.name,
                    "sheet": table.sheet,
                    "line": validated.footer[0],
                    "code": "footer_rows",
                    "value": str(len(validated.footer)),
                    "detail": _rows_text(validated.footer),
                }
            )
    return entry, unusable


def _rows_text(rows) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (" …" if len(rows) > 5 else "")


def _header_of(table: Table, by_name: schema.Ledger | None):
    """(ledger, header) of a table; a Notice when the table is not a ledger (an empty sheet, a
    workbook's other sheet); Unusable when a file named for a ledger lacks its columns."""
    head = table.head()
    if isinstance(head, Unusable):
        return head
    if not head:
        if table.sheet:
            return Notice("sheet_empty", sheet=table.sheet)
        return by_name or schema.TRAININGS, None  # an empty CSV file: reading it says why it is unusable
    found = find_header(head, [by_name] if by_name else list(schema.LEDGERS.values()))
    if found is not None:
        fitting, header = found
        if len(fitting) > 1:
            return Notice(
                "ledger_ambiguous",
                sheet=table.sheet,
                line=header.row,
                value="、".join(lg.name for lg in fitting),
                detail=_shown_header(header.cells),
            )
        return fitting[0], header
    first_row, first_cells = head[0]
    if by_name is not None and not table.sheet:
        return by_name, None  # a CSV file named for a ledger: reading it says what is wrong with it
    if by_name is not None and len(columns_in(best_guess(head, by_name)[1], by_name)) >= 2:
        row, cells = best_guess(head, by_name)
        missing = map_header(by_name, cells)
        if isinstance(missing, Unusable):
            return Unusable(
                missing.code, row, missing.detail, missing.value, missing.column, missing.reason, table.sheet
            )
        return Unusable("header_missing", row, detail=_shown_header(cells), sheet=table.sheet)
    damaged = table.sniff()
    if damaged is not None:
        return damaged
    return Notice("not_a_ledger", sheet=table.sheet, line=first_row, detail=_shown_header(first_cells))


def _shown_header(cells: list[str]) -> str:
    return ", ".join(c.strip() for c in cells if c.strip())[:300] or "（无 / none）"


def validate_file(
    table: Table, ledger: schema.Ledger, header: Header | None, keep: list[str] | None = None
) -> ValidatedFile | Unusable:
    """Read the columns jishu uses and validate them batch by batch, two batches at a time (numpy and
    pyarrow.compute release the GIL); if some rows are empty in all of those columns, read every
    column to tell blank rows from rows with something elsewhere (rare). Every column is checked;
    `keep` may name the columns to hold on to afterwards (the others are dropped batch by batch)."""
    file = table.path.name

    def check(batch: RawTable) -> ValidatedFile | Unusable | None:
        done = validate_table(ledger, batch, file, table.sheet)
        if keep is not None and isinstance(done, ValidatedFile):
            done = replace(done, table=done.table.select([c for c in done.table.column_names if c in keep]))
        return done

    row = header.row if header else None
    with ThreadPoolExecutor(max_workers=threads()) as pool:
        parts = None
        for select in (selector(ledger), selector(ledger, everything=True)):  # then, if needed, every column
            raw = table.read(row, header.cells if header else None, select)
            if isinstance(raw, Unusable):
                return _at_header(raw, row)
            parts = list(pool.map(check, raw.batches()))
            if all(p is not None for p in parts):
                break
    unusable = next((p for p in parts if isinstance(p, Unusable)), None)
    if unusable is not None:
        return _at_header(unusable, row)
    if len(parts) == 1:
        return parts[0]
    return ValidatedFile(
        file,
        pa.concat_tables([p.table for p in parts]),
        pa.concat_tables([p.problems for p in parts]),
        sum(p.rows for p in parts),
        max(p.latest_birth for p in parts),
        table.sheet,
        [r for p in parts for r in p.footer],
        parts[0].encoding,
    )


def _at_header(unusable: Unusable, row: int | None) -> Unusable:
    """A header problem names the header's row (title rows above it shift nothing)."""
    if row is not None and unusable.code.startswith("header_"):
        return replace(unusable, line=row)
    return unusable


def load(
    data_dir: Path,
    as_of: dt.date,
    encoding: str | None = None,
    use_cache: bool = True,
    needs: Needs = EVERYTHING,
    keep_going: bool = False,
    warn: Callable[[str, str], None] | None = None,
) -> Ledgers:
    """Read, validate and assemble the ledgers as of a date.

    Raises LedgersUnusable for unusable files, unless `keep_going` (for `check`): then those files are
    left out and their problems are listed with the others. `warn(word, detail)` hears of what the run
    does differently (a cache folder it must not use).
    """
    data_dir = Path(data_dir)
    if needs.columns is not None:  # every report says how far each ledger goes: its record date is read
        needs = replace(
            needs,
            columns={
                name: [*needs.columns.get(name, []), ledger.record_date]
                for name, ledger in schema.LEDGERS.items()
            },
        )
    if not data_dir.is_dir():
        raise LedgersUnusable(
            problem_table([{"file": str(data_dir), "code": "data_dir_missing", "detail": str(data_dir)}])
        )
    store = None
    if use_cache:
        from jishu import cache  # pyarrow.parquet: only when the cache is used

        try:
            store = cache.Cache.for_data(data_dir, encoding)
        except cache.Unsafe as unsafe:
            if warn is not None:
                warn("cache_unsafe", str(unsafe.root))
    folder = scan(data_dir)
    unusable, notices = list(folder.unusable), list(folder.notices)
    assembled: dict[str, Assembled] = {}
    to_read: list[str] = []  # the ledgers not taken whole from the cache
    tails = 0  # files of which only what was appended was read

    def from_cache(name: str) -> tuple[Assembled | None, bool]:
        """The ledger as cached, or as cached and grown by an append (then True), or None."""
        ledger = schema.LEDGERS[name]
        cached = store.get_ledger(ledger, folder.of(name), needs)
        if cached is None and encoding is None:
            cached = _grown(store, ledger, folder.of(name), as_of, needs)
            return cached, cached is not None
        return cached, False

    # the ledgers' entries are checked (their seals hashed) and their appends read two at a time: xxhash,
    # numpy and pyarrow let go of the GIL (city, a day's appends to three ledgers: 0.33 s of 0.7)
    found = dict.fromkeys(schema.LEDGERS, (None, False))
    if store:
        with ThreadPoolExecutor(max_workers=threads()) as pool:
            found = dict(zip(schema.LEDGERS, pool.map(from_cache, schema.LEDGERS), strict=True))
    for name in schema.LEDGERS:
        cached, grown = found[name]
        tails += grown
        if cached is not None and as_of_number(as_of) >= cached.latest_birth:
            assembled[name] = cached
            notices += cached.notices  # of its files, not read this time
        else:
            to_read.append(name)
    rebuilt = {name for name in to_read if store and store.had_ledger(schema.LEDGERS[name])}
    with _Assembly(as_of, store, folder, assembled, needs) as assembly:
        tables, file_notices, read, hits = _read_files(
            folder, to_read, encoding, store, needs, unusable, rebuilt, assembly
        )
    notices += file_notices
    for name in to_read:
        ledger = schema.LEDGERS[name]
        if not tables[name] and not folder.named[name] and not ledger.optional:
            unusable.append(
                {
                    "file": ledger.pattern,
                    "code": "file_missing",
                    "column": ledger.name,
                    "value": ledger.pattern,
                    "detail": str(data_dir),
                }
            )
    unusable, notices = _unechoed(unusable, folder.outside), _unechoed(notices, folder.outside)
    if unusable and not keep_going:
        raise LedgersUnusable(problem_table(unusable))
    data = {
        name: LedgerData(schema.LEDGERS[name], a.files, a.table, a.counts)
        for name, a in sorted(assembled.items(), key=lambda item: list(schema.LEDGERS).index(item[0]))
    }
    problems = None
    if needs.problems:
        parts = [problem_table(unusable + notices)] + [
            _unechoed_table(a.problems, folder.outside) for a in assembled.values()
        ]
        problems = with_as_of(pa.concat_tables(parts), as_of).sort_by(
            [("file", "ascending"), ("sheet", "ascending"), ("line", "ascending")]
        )
    holders = assembled["certificates"].earliest if needs.holders and "certificates" in assembled else None
    return Ledgers(as_of, data, problems, holders, files_read=read + tails, cache_hits=hits, notices=notices)


def _read_files(
    folder: Folder,
    to_read: list[str],
    encoding: str | None,
    store,
    needs: Needs,
    unusable: list[dict],
    rebuilt: set[str],
    assembly: _Assembly,
) -> tuple[dict[str, int], list[dict], int, int]:
    """Read (or take from the cache) every file that may hold a table of the ledgers to read; the
    notices of files whose headers tell their ledger are wanted in any case (they may be no ledger).
    `rebuilt`: the ledgers whose entry in the cache was there but stale (see _own_entry). The assembly
    hears of each ledger as soon as its last file is read (`ready(name, tables, notices, unusable)`), so
    that it is assembled while the next files are read, of each table as it comes (`read_one(name,
    index, table)`, which returns the table to hold), and of each file's stamp, taken before it is read
    (`stamped(path, stamp, ends_a_ledger)`).
    Returns how many tables each ledger has, the notices, and how many files were read and taken from
    the cache."""
    # Without the cache (which keeps every column for any later command), only the columns held are
    # kept after checking; with it, a table's other columns are let go once handed to the cache writer.
    keep = None if store else held_columns(needs)
    paths = sorted(
        set(folder.unnamed) | {p for name in to_read for p in folder.named[name]}, key=lambda p: p.name
    )
    last = {name: folder.of(name)[-1] if folder.of(name) else None for name in to_read}
    tables: dict[str, list[ValidatedFile]] = {name: [] for name in to_read}
    notices: list[dict] = []
    read = hits = 0

    found = dict.fromkeys(to_read, 0)

    def tell(done: Path | None) -> None:
        for name in to_read:
            if last[name] == done:  # handed over whole: held here no longer (a province's peak memory)
                found[name] = len(tables[name])
                assembly.ready(name, tables.pop(name), list(notices), list(unusable))

    tell(None)
    for path in paths:
        stamp = store.stamp_before_reading(path) if store else None
        assembly.stamped(path, stamp, ends_a_ledger=any(last[name] == path for name in to_read))
        entry = store.get(path, stamp) if stamp else None
        if entry is None:
            entry, bad = read_file(path, encoding, keep)
            unusable += bad
            read += 1
            if stamp and not bad and _own_entry(folder, path, entry, rebuilt):
                store.put(path, entry, stamp)
        else:
            hits += 1
        notices += entry.notices
        for name, validated in entry.tables:
            if name in tables:
                tables[name].append(assembly.read_one(name, len(tables[name]), validated))
        tell(path)
    return found, notices, read, hits


def held_columns(needs: Needs) -> dict[str, list[str]] | None:
    """The columns of each ledger to hold once checked, when the command names what it uses: those, and
    what assembling needs (lines, keys, persons for birth dates, key hashes), and for certificates the
    issue dates (the cache's index of holders); None: every column."""
    if needs.columns is None:
        return None
    return {
        name: [
            "line",
            *ledger.key,
            "person_id",
            *needs.columns.get(name, []),
            "key_hash",
            *(["issue_date"] if name == "certificates" else []),
        ]
        for name, ledger in schema.LEDGERS.items()
    }


def _own_entry(folder: Folder, path: Path, entry: FileEntry, rebuilt: set[str]) -> bool:
    """Whether a file gets an entry of its own in the cache, beside its ledger's entry (which holds all
    of it, and its appends). An entry of its own saves reading the file again when another file of its
    ledger changes other than by an append; writing it doubles the cache writing of the run that
    builds it (a province's 1.6 GB). So it is written when the ledger's entry was there and stale (its
    files do change that way), never for a ledger's only file, and always for a file named for no
    ledger or holding none: its entry is what tells the next run which ledger its header fits."""
    if not entry.tables or path in folder.unnamed:
        return True
    return any(name in rebuilt and folder.of(name) != [path] for name, _ in entry.tables)


PART_ROWS = 1 << 20  # a ledger's rows written to the cache as one part while its next files are read


class _Assembly:
    """Each ledger assembled on a background thread as soon as its files are read (while the next
    ledger's files are read), and kept in the cache when every file of it was usable: a warm run must
    find an unusable file unusable again. With the cache, its rows are written as they are read, by
    `PART_ROWS` or more (cache.EarlyParts, on a writer thread), so that little is left to write once the
    last file is read, and only the columns the command holds are kept meanwhile, as written (mapped from
    the part's file) once the part is. The results land in `assembled` when the block ends."""

    def __init__(self, as_of: dt.date, store, folder: Folder, assembled: dict[str, Assembled], needs: Needs):
        self.as_of, self.store, self.folder, self.needs = as_of, store, folder, needs
        self.assembled = assembled
        self.background = ThreadPoolExecutor(max_workers=2)
        self.writer = ThreadPoolExecutor(max_workers=1)
        self.jobs: dict = {}
        self.early: dict[str, _Early] = {}
        self.stamps: dict[Path, dict | None] = {}  # of each file, taken before it was read
        self.hasher = ThreadPoolExecutor(max_workers=1)
        self.ends: dict[Path, Future] = {}  # how a ledger's last file ends (_tail), hashed while it is read
        self.held = held_columns(needs)

    def stamped(self, path: Path, stamp: dict | None, ends_a_ledger: bool) -> None:
        """A file is about to be read: its stamp; a CSV file that ends a ledger is hashed meanwhile, up to
        the size stamped (from the page cache, on a thread of its own: once the file is read, only its
        ledger's assembly is left before the entry is written). Nothing is kept unless the file is still
        as stamped once its ledger's entry is ready (Cache.unchanged)."""
        self.stamps[path] = stamp
        if self.store and stamp and ends_a_ledger and path.suffix.lower() == ".csv":
            self.ends[path] = self.hasher.submit(self.store.tail_of, path, stamp["size"])

    def read_one(self, name: str, index: int, validated: ValidatedFile) -> ValidatedFile:
        """Hand a ledger's table to the cache writer; the table to hold until the ledger is assembled."""
        if self.store is None:
            return validated
        if name not in self.early:
            parts = self.store.early_parts()
            if parts is None:
                return validated
            self.early[name] = _Early(parts, index)
        early = self.early[name]
        if index >= 2**15:  # a ledger of so many tables has wider file indices: it is not kept
            early.parts.failed = True
        early.pending.append(with_file_index(validated.table, index))
        columns = validated.table.column_names
        if self.held is not None:
            columns = [c for c in columns if c in set(self.held[name])]
        held = replace(validated, table=validated.table.select(columns))  # its own: _Early._write swaps it
        early.held.append(held)
        if sum(t.num_rows for t in early.pending) >= PART_ROWS:
            early.hand_over(self.writer)
        return held

    def ready(self, name: str, tables: list[ValidatedFile], notices: list[dict], unusable: list[dict]):
        ledger = schema.LEDGERS[name]
        if ledger.optional and not tables and not self.folder.named[name] and not ledger.shown_when_absent:
            return  # an optional ledger that is not there: its metrics are left out, not shown as 0
        bad = {u["file"] for u in unusable}
        if name in self.early:  # the rest is written while the ledger is assembled
            self.early[name].hand_over(self.writer)
        self.jobs[name] = self.background.submit(self._finish, name, tables, notices, bad)

    def _finish(
        self, name: str, tables: list[ValidatedFile], notices: list[dict], bad: set[str]
    ) -> Assembled:
        # assembled while its last part is still being written (its tables then held in memory or as
        # written, the same rows either way: a province's last trainings part took 0.7 s to write)
        whole = assemble(schema.LEDGERS[name], tables, self.as_of)
        early = self.early[name].written() if name in self.early else None
        named = {p.name for p in self.folder.named[name]}
        whole.notices = [n for n in notices if n.get("file") in named]
        paths = self.folder.of(name)
        usable = not any(p.name in bad for p in paths)
        before = [self.stamps.get(p) for p in paths]
        if self.store and whole.late == 0 and usable and not (early and early.failed) and all(before):
            if name == "certificates":  # kept with the ledger so that warm runs need not sort every holder
                whole.earliest = earliest_certificates(whole.table)
            stamp = self.store.ledger_stamp(paths, before)
            tail = _tail(self.store, paths, tables, stamp, self.ends)
            if self.store.unchanged(paths, stamp):  # else a clerk saved a file while it was read
                self.store.put_ledger(schema.LEDGERS[name], stamp, whole, tail, early)
        if early is not None:
            early.discard()  # there only when the entry was not written
        if self.needs.columns is None:
            whole.table = whole.table.drop_columns(["key_hash"])
        else:  # what the command uses, as a warm run reads it (the rest was only for the cache)
            used = set(self.needs.columns.get(name, []))
            whole.table = whole.table.select([c for c in whole.table.column_names if c in used])
        return whole

    def __enter__(self) -> _Assembly:
        return self

    def __exit__(self, failed, *_) -> None:
        with self.writer, self.background, self.hasher:  # every thread joined, whatever happened (SPEC §6)
            if failed is None:
                for name in sorted(self.jobs, key=list(schema.LEDGERS).index):
                    self.assembled[name] = self.jobs[name].result()
        for early in self.early.values():
            early.parts.discard()  # there only when a ledger was not finished (a failure)


@dataclass
class _Early:
    """A ledger's rows on their way to its cache entry before it is assembled (cache.EarlyParts)."""

    parts: EarlyParts
    first: int  # the ledger's first table not handed to the writer yet
    pending: list[pa.Table] = field(default_factory=list)
    held: list[ValidatedFile] = field(default_factory=list)  # what the run holds of the tables pending
    writes: list[Future] = field(default_factory=list)

    def hand_over(self, writer: ThreadPoolExecutor) -> None:
        if self.pending:
            self.writes.append(writer.submit(self._write, self.first, self.pending, self.held))
            self.first, self.pending, self.held = self.first + len(self.pending), [], []

    def _write(self, first: int, tables: list[pa.Table], held: list[ValidatedFile]) -> None:
        """Write a part; then hold its tables as written (mapped from the cache file, in pages the
        system keeps anyway) instead of in the process's memory, which goes to the next files read:
        on a virtual machine, memory touched for the first time is what writing the cache costs most."""
        written = self.parts.write(first, tables)
        if written is None:
            return
        start = 0
        for table in held:
            rows = table.table.num_rows
            table.table = written.slice(start, rows).select(table.table.column_names)
            start += rows

    def written(self) -> EarlyParts:
        for write in self.writes:
            write.result()
        return self.parts


# ---------------------------------------------------------------- appends (issue 16)


def _tail(
    store, paths: list[Path], validated: list[ValidatedFile], stamp: list[dict], hashed: dict[Path, Future]
) -> dict | None:
    """How the ledger's last file ends, when rows appended to it could later be read on their own: a
    UTF-8 CSV file, read as such, without footer rows (rows after a 合计 row would be no append).
    `hashed`: Cache.tail_of of files up to the size stamped, begun while they were read."""
    if not paths or not validated or paths[-1].suffix.lower() != ".csv":
        return None
    last = validated[-1]
    if (
        last.file != paths[-1].name
        or last.sheet
        or last.footer
        or last.encoding not in ("utf-8", "utf-8-sig")
    ):
        return None
    ends = hashed.get(paths[-1])
    return ends.result() if ends is not None else store.tail_of(paths[-1], stamp[-1]["size"])


@dataclass
class _Tail(Table):
    """The records a CSV file gained past a byte up to the size it was stamped with (read/csv.read_tail;
    what a clerk adds while the run goes on is for the next run), as a table to validate."""

    start: int = 0
    lines: int = 0
    end: int | None = None

    def read(self, header_row, header, select):
        from jishu.read.csv import read_tail

        raw = read_tail(self.path, self.start, header or [], self.lines, select, self.end)
        return raw if raw is not None else Unusable("file_unreadable", reason="tail")


def _grown(store, ledger: schema.Ledger, paths: list[Path], as_of: dt.date, needs: Needs) -> Assembled | None:
    """The ledger from its cache and the rows appended to its last file since (SPEC §6's cache rules
    kept: the bytes cached before are checked by their content hash); None when it must be assembled
    whole. The append is kept as one more part of the cache entry."""
    from jishu.assemble import append
    from jishu.rules.holders import with_certificates

    columns = None if needs.columns is None else needs.columns.get(ledger.name, [])
    growth = store.grown_ledger(ledger, paths, columns, needs.problems, ledger.name == "certificates")
    if growth is None:
        return None
    path = paths[-1]
    opened = open_tables(path, None)
    if isinstance(opened, Unusable) or len(opened.tables) != 1:
        return None
    found = _header_of(opened.tables[0], ledger_named(path.name))
    if not isinstance(found, tuple) or found[0] is not ledger or found[1] is None:
        return None
    header = found[1]
    tail = _Tail(path, start=growth.tail["size"], lines=growth.tail["lines"], end=growth.stamp[-1]["size"])
    validated = validate_file(tail, ledger, header)
    if not isinstance(validated, ValidatedFile) or validated.footer:
        return None
    added = append(ledger, growth.old, validated, as_of)
    if added is None:
        return None
    earliest = None
    if ledger.name == "certificates" and growth.old.earliest is not None:
        earliest = with_certificates(growth.old.earliest, added.rows)
    ends = store.tail_of(path, growth.stamp[-1]["size"], growth)
    if store.unchanged(paths, growth.stamp):  # else a clerk saved the file while its tail was read
        store.append_ledger(
            ledger, growth, added.rows, added.problems, added.counts, added.latest_birth, earliest, ends
        )
    old = growth.old
    table = pa.concat_tables([old.table, added.rows.select(old.table.column_names).cast(old.table.schema)])
    problems = pa.concat_tables([old.problems, added.problems]) if needs.problems else None
    keep = [
        c
        for c in table.column_names
        if c != "key_hash" and (columns is None or c in columns or c in ("line", "file"))
    ]
    return Assembled(
        old.files,
        table.select(keep),
        problems,
        added.counts,
        added.latest_birth,
        earliest=earliest if needs.holders else None,
        notices=old.notices,
    )


# ---------------------------------------------------------------- ledgers written in code


def ledgers_from_rows(as_of: dt.date, **rows: list[dict] | None) -> Ledgers:
    """Ledgers from rows given in code, each row a dict of cells as a clerk would type them (column
    names in English or Chinese; values as text, or numbers and dates, which are written out), checked
    like a file's rows: for tests and notebooks. A ledger not given is empty (or absent, for an optional
    ledger reported only when it exists).

        ledgers_from_rows(dt.date(2022, 3, 31), trainings=[{"person_id": "…", "class_id": "A1", …}])
    """
    unknown = set(rows) - set(schema.LEDGERS)
    if unknown:
        raise ValueError(f"no such ledger: {', '.join(sorted(unknown))}")
    assembled = {}
    problems = [PROBLEM_SCHEMA.empty_table()]
    for name, ledger in schema.LEDGERS.items():
        given = rows.get(name)
        if given is None and ledger.optional and not ledger.shown_when_absent:
            continue
        validated = _validate_rows(ledger, list(given or []))
        whole = assemble(ledger, [validated], as_of)
        assembled[name] = LedgerData(
            ledger, whole.files, whole.table.drop_columns(["key_hash"]), whole.counts
        )
        problems.append(whole.problems)
    problems_table = with_as_of(pa.concat_tables(problems), as_of).sort_by(
        [("file", "ascending"), ("line", "ascending")]
    )
    return Ledgers(as_of, assembled, problems_table)


def _validate_rows(ledger: schema.Ledger, rows: list[dict]) -> ValidatedFile:
    header = list(dict.fromkeys(key for row in rows for key in row)) or [c.name for c in ledger.columns]
    header += [
        c.name for c in ledger.columns if c.header_required and c.name not in header and c.zh not in header
    ]

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
