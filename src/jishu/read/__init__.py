"""Reading ledger files: one module per source kind, behind one seam.

A file holds tables: a CSV file one, a workbook one per sheet. Every table shows its first rows
(`head`, to find the header: read/shape.py), then reads its records into a `RawTable`: the header
cells and one string column per header position, each record with the row number it has in the file
(for CSV the physical line where the record starts; for workbooks the row Excel shows). Validation
takes it from there, whatever the source. A file that cannot be used at all gives an `Unusable`.

The reader is chosen by the file's suffix here and nowhere else (`READERS`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from jishu.bounds import MAX_WORKBOOK_BYTES
from jishu.fast.prefetch import WORKBOOK_SUFFIXES

# Kinds of column a validator asks a reader for (select): read as text, DATES (read as dates where
# the source can: ISO dates in CSV, date cells in workbooks), IDS (a number cell has lost digits).
DATES = "dates"
IDS = "ids"


@dataclass(frozen=True)
class Unusable:
    """Why a whole file (or sheet) cannot be used: a problem code of model.UNUSABLE and what its
    message needs."""

    code: str
    line: int | None = None
    detail: str = ""
    value: str = ""
    column: str = ""
    reason: str = ""
    sheet: str = ""

    def fields(self, file: str) -> dict:
        return {
            "file": file,
            "sheet": self.sheet,
            "line": self.line,
            "code": self.code,
            "value": self.value,
            "column": self.column,
            "detail": self.detail,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Notice(Unusable):
    """A file or sheet that is not read, or rows of it that are not rows (a problem of severity
    `notice`, SPEC §2): same fields as Unusable."""


@dataclass
class RawTable:
    """The cells of a table as read: header cells and one string column per header position."""

    header: list[str]
    columns: list  # one pa.Array or pa.ChunkedArray per header cell (None when not read)
    lines: np.ndarray  # int64 row number of each record in the file
    encoding: str
    path: str = ""
    complete: bool = True  # False when only some columns were read (the others are None)
    blank_from: int | None = None  # rows from here to the end are known to be blank (only commas)
    sheet: str = ""
    # when the reader knows them: whether each record has a cell that is not blank, and a function giving
    # some records' first cell that is not blank, as text, by their positions (a workbook's reader)
    filled: np.ndarray | None = None
    first_cells: Callable[[np.ndarray], pa.Array] | None = None
    above: tuple[int, ...] = ()  # rows above the header that are not blank (title rows), skipped

    @property
    def num_rows(self) -> int:
        return len(self.lines)

    def batches(self):
        """The table in the record batches it was read in, each as a RawTable of plain arrays
        (validating batch by batch keeps temporaries small and avoids copying the whole file)."""
        read = [c for c in self.columns if c is not None]
        if not read or not isinstance(read[0], pa.ChunkedArray):
            yield self
            return
        start = 0
        for k in range(read[0].num_chunks):
            parts = [None if c is None else c.chunk(k) for c in self.columns]
            size = len(read[0].chunk(k))
            blank_from = None if self.blank_from is None else min(max(self.blank_from - start, 0), size)
            filled = None if self.filled is None else self.filled[start : start + size]
            yield RawTable(
                self.header,
                parts,
                self.lines[start : start + size],
                self.encoding,
                self.path,
                self.complete,
                blank_from,
                self.sheet,
                filled,
                None if self.first_cells is None else partial(_shifted, self.first_cells, start),
                self.above if k == 0 else (),
            )
            start += size


def _shifted(first_cells: Callable[[np.ndarray], pa.Array], start: int, rows: np.ndarray) -> pa.Array:
    return first_cells(np.asarray(rows) + start)  # a batch's records, by their positions in the table


# select(header) -> {position: True (read dictionary-encoded) | False | DATES | IDS} | Unusable
Select = Callable[[list[str]], "dict | Unusable"]


@dataclass
class Table:
    """One table of a file: the CSV file itself, or one sheet of a workbook."""

    path: Path
    sheet: str = ""  # "" for CSV
    index: int = 0  # the sheet's place in the workbook
    hidden: bool = False

    def head(self) -> list[tuple[int, list[str]]] | Unusable:
        """The first rows that are not blank (HEAD_ROWS of them), with their row numbers, as text."""
        raise NotImplementedError

    def read(
        self, header_row: int | None, header: list[str] | None, select: Select | None
    ) -> RawTable | Unusable:
        """The records below the header row (None: the first record that is not blank), the columns
        `select` asks for."""
        raise NotImplementedError

    def sniff(self) -> Unusable | None:
        """Why the table cannot be text at all (binary, UTF-16), seen from its first bytes; None if it can."""
        return None


@dataclass
class Opened:
    """A file's tables, and what is to be said about the file or its sheets (empty sheets …)."""

    tables: list[Table] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _csv(path: Path, encoding: str | None) -> Opened | Unusable:
    from jishu.read import csv

    return csv.open_csv(path, encoding)


def _workbook(path: Path, encoding: str | None) -> Opened | Unusable:
    from jishu.read import workbook

    return workbook.open_workbook(path)


READERS: dict[str, Callable[[Path, str | None], Opened | Unusable]] = {
    ".csv": _csv,
    **dict.fromkeys(WORKBOOK_SUFFIXES, _workbook),  # .xlsx .xlsm .xls .ods
}
# Spreadsheets jishu does not read, with the hint to save them as one it reads (a notice, not silence).
OTHER_SHEETS = {
    ".et",
    ".ett",
    ".numbers",
    ".xlsb",
    ".xlt",
    ".xltx",
    ".dbf",
    ".txt",
    ".tsv",
    ".wps",
    ".doc",
    ".docx",
}


def open_regular(path: Path, buffering: int = -1):
    """A file opened for reading without waiting: a FIFO swapped in for a ledger after the folder was
    scanned is never waited on (SPEC §6); anything but a regular file raises OSError."""
    handle = open(  # noqa: SIM115 - handed to the caller, who closes it
        os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb", buffering=buffering
    )
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise OSError(f"not a regular file: {path.name}")
    return handle


def blocks(path: Path, start: int = 0, end: int | None = None, size: int = 1 << 18):
    """A file's bytes from `start` up to `end` (or its end), a block at a time in one buffer reused
    for every block: (offset, buffer, bytes in it). Read, never memory-mapped: a file cut short while
    it is read (a clerk saving over it) then ends the reading, whereas a mapped page past the new end
    kills the process (SIGBUS). A buffer of 256 KB stays in the processor's cache: scanning a province's
    4 GB this way takes what scanning a memory map did (0.55 s). Opened by open_regular."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    try:
        with open_regular(path, buffering=0) as handle:
            handle.seek(start)
            offset = start
            while end is None or offset < end:
                got = handle.readinto(view[: size if end is None else min(size, end - offset)])
                if not got:
                    return
                yield offset, buffer, got
                offset += got
    finally:
        view.release()


def reader_for(path: Path) -> Callable[[Path, str | None], Opened | Unusable] | None:
    """The reader of a file by its suffix (case-insensitive); None when jishu does not read such files."""
    return READERS.get(path.suffix.lower())


# The largest file each kind of reader takes (SPEC §6: bounds per reader). A CSV file is read in
# blocks, so only the bound on a record (read/csv.py) limits memory; a workbook is unpacked whole
# (MAX_WORKBOOK_BYTES, in bounds.py, with the bound on a sheet's cells).
MAX_BYTES = {".csv": 8 << 30}


def open_tables(path: Path, encoding: str | None = None) -> Opened | Unusable:
    reader = reader_for(path)
    if reader is None:
        return Unusable("file_unreadable", detail=path.suffix)
    try:
        status = os.stat(path)
    except OSError as exc:
        return Unusable("file_unreadable", detail=exc.strerror or type(exc).__name__)
    if not stat.S_ISREG(status.st_mode):  # changed since the folder was scanned: never opened
        return Unusable(
            "file_unreadable", reason="is_folder" if stat.S_ISDIR(status.st_mode) else "not_regular"
        )
    limit = MAX_BYTES.get(path.suffix.lower(), MAX_WORKBOOK_BYTES)
    if status.st_size > limit:
        return Unusable("file_too_large", value=_size(status.st_size), detail=_size(limit))
    return reader(path, encoding)


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"


def read_table(path: Path, encoding: str | None = None, select: Select | None = None) -> RawTable | Unusable:
    """The first table of a file, its header the first row that is not blank (for tests and tools)."""
    opened = open_tables(path, encoding)
    if isinstance(opened, Unusable):
        return opened
    return opened.tables[0].read(None, None, select)
