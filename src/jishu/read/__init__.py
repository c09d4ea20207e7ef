"""Reading ledger files: one module per source kind, behind one seam.

Every reader turns a file into `RawTable`s: the header cells and one string column per header
position, each record with the row number it has in the file (for CSV the physical line where the
record starts; for workbooks the row Excel shows). Validation takes it from there, whatever the
source. A file that cannot be used at all gives an `Unusable` instead (SPEC §5: exit 2).

The reader is chosen by the file's suffix here and nowhere else (`READERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Unusable:
    """Why a whole file cannot be used: a problem code of model.UNUSABLE and what its message needs."""

    code: str
    line: int | None = None
    detail: str = ""
    value: str = ""
    column: str = ""
    reason: str = ""

    def fields(self, file: str) -> dict:
        return {"file": file, "line": self.line, "code": self.code, "value": self.value, "column": self.column,
                "detail": self.detail, "reason": self.reason}


@dataclass
class RawTable:
    """The cells of a file as read: header cells and one string column per header position."""

    header: list[str]
    columns: list  # one pa.Array or pa.ChunkedArray per header cell (None when not read)
    lines: np.ndarray  # int64 row number of each record in the file
    encoding: str
    path: str = ""
    complete: bool = True  # False when only some columns were read (the others are None)
    blank_from: int | None = None  # rows from here to the end are known to be blank (only commas)

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
            yield RawTable(self.header, parts, self.lines[start : start + size], self.encoding, self.path,
                           self.complete, blank_from)
            start += size


# select(header) -> {position: how to read it} | Unusable: the columns a validator wants (see validate.selector)
Select = Callable[[list[str]], "dict | Unusable"]
Reader = Callable[[Path, "str | None", "Select | None"], "RawTable | Unusable"]


def _csv(path: Path, encoding: str | None, select: Select | None) -> RawTable | Unusable:
    from jishu.read import csv

    return csv.read_table(path, encoding, select)


READERS: dict[str, Reader] = {".csv": _csv}


def reader_for(path: Path) -> Reader | None:
    """The reader of a file by its suffix (case-insensitive); None when jishu does not read such files."""
    return READERS.get(path.suffix.lower())


def read_table(path: Path, encoding: str | None = None, select: Select | None = None) -> RawTable | Unusable:
    reader = reader_for(path)
    if reader is None:
        return Unusable("file_unreadable", detail=path.suffix)
    return reader(path, encoding, select)
