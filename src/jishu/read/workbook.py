"""Workbooks (.xlsx, .xlsm, .xls, .ods), every sheet a table, through python-calamine.

Chosen by measurement (bench/WORKBOOK_LIBS.md): python-calamine is the one reader that hands over each
cell with its own type, which SPEC §2 needs (a number cell in an ID column has lost its last digits;
a number in a date column is an Excel date serial; date cells in the zh-CN built-in formats are
dates), it is as fast as the alternatives, keeps every row and column in place (Excel's row numbers),
and tells hidden sheets apart. The format is told from the content, not the name (WPS saves .xlsx
files as .xls).

Cells are turned into text here, column by column, as the validator reads text: a date cell becomes
`2022-03-05` (its date part, whatever the time), a number in a date column the date of that serial,
a number in an ID column what Excel shows of it (`4.10122199001011E+17`, rejected with the "format the
column as text" hint), a whole number `12`, a yes/no cell `true`/`false`.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path

import numpy as np
import pyarrow as pa

from jishu import bounds
from jishu.fast import prefetch
from jishu.read import DATES, IDS, Notice, Opened, RawTable, Table, Unusable
from jishu.read.shape import HEAD_ROWS

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 is 1900-03-01 (Excel counts a 1900-02-29 that never was)
_LAST_SERIAL = 2_958_465  # 9999-12-31


def open_workbook(path: Path) -> Opened | Unusable:
    from python_calamine import CalamineError, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        with open(path, "rb") as handle:
            sheets, parsed = prefetch.taken(handle) or prefetch.parse(handle.read(bounds.MAX_WORKBOOK_BYTES))
    except PasswordError:
        return Unusable("file_unreadable", reason="workbook_password")
    except (CalamineError, bounds.WouldAbort):
        return Unusable("file_unreadable", reason="not_a_workbook", detail=path.suffix)
    except OSError as exc:
        return Unusable("file_unreadable", detail=exc.strerror or type(exc).__name__)
    except BaseException as exc:  # calamine panics on some damaged .xls files
        if not prefetch.calamine_failed(exc):
            raise
        return Unusable("file_unreadable", reason="not_a_workbook", detail=path.suffix)
    opened = Opened()
    hidden_columns = _hidden_columns(path)
    for index, meta in enumerate(sheets):
        if meta.typ != SheetTypeEnum.WorkSheet:  # a chart sheet, a macro sheet: no table
            opened.notices.append(Notice("sheet_not_a_table", sheet=meta.name))
            continue
        opened.tables.append(
            SheetTable(
                path,
                meta.name,
                index,
                meta.visible != SheetVisibleEnum.Visible,
                hidden_columns=hidden_columns.get(meta.name, set()),
                parsed=partial(parsed.get, index),
            )
        )
    return opened


@dataclass
class SheetTable(Table):
    hidden_columns: set = field(default_factory=set)
    # the sheet as calamine parsed it (prefetch.Sheets.get: waits for its parse), or why not, until its
    # rows are taken
    parsed: Callable[[], object] | None = None
    _rows: list | None = None

    @property
    def rows(self) -> list[list]:
        """Every row of the sheet, typed cells, row i being Excel's row i + 1 (empty rows kept)."""
        if self._rows is None:
            parsed = self.parsed()
            if isinstance(parsed, BaseException):  # not given to calamine, or refused by it: said here
                raise parsed
            self._rows, self.parsed = parsed.to_python(skip_empty_area=False), None
        return self._rows

    def head(self) -> list[tuple[int, list[str]]] | Unusable:
        try:
            rows = self.rows
        except bounds.SheetTooLarge as exc:  # never given to calamine (bounds.py)
            return Unusable(
                "file_unreadable", reason="sheet_too_large", detail=f"{exc.span:,}", sheet=self.sheet
            )
        except BaseException as exc:  # the workbook opened, but this sheet's part is damaged (cut short)
            if not (prefetch.calamine_failed(exc) or isinstance(exc, bounds.SheetNotMeasured)):
                raise
            return Unusable(
                "file_unreadable", reason="sheet_damaged", detail=type(exc).__name__, sheet=self.sheet
            )
        out = []
        for i, row in enumerate(rows):
            cells = [text_of(v) for v in row]
            if any(c.strip() for c in cells):
                out.append((i + 1, cells))
                if len(out) >= HEAD_ROWS:
                    break
        return out

    def read(self, header_row: int | None, header: list[str] | None, select) -> RawTable | Unusable:
        rows = self.rows
        if header_row is None:
            found = self.head()
            if not found:
                return Unusable("file_empty", sheet=self.sheet)
            header_row, header = found[0]
        body = rows[header_row:]
        widths = set(map(len, body))
        width = max(len(header), max(widths, default=0))
        header = [
            ("" if i in self.hidden_columns else c)
            for i, c in enumerate(header + [""] * (width - len(header)))
        ]
        while header and not header[-1].strip():  # cells right of the last header are not columns
            header.pop()
        wanted = dict.fromkeys(range(len(header)), False) if select is None else select(header)
        if isinstance(wanted, Unusable):
            return Unusable(
                wanted.code, header_row, wanted.detail, wanted.value, wanted.column, wanted.reason, self.sheet
            )
        across = len(body[0]) if body else 0
        even = widths <= {across}  # rows as wide as calamine gives them: columns at C level

        def column(p: int) -> list:
            if even:
                return list(map(itemgetter(p), body)) if p < across else [""] * len(body)
            return [r[p] if p < len(r) else "" for r in body]

        columns: list[pa.Array | None] = [None] * len(header)
        for p, kind in wanted.items():
            columns[p] = _text_column(column(p), kind)
        lines = np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64)
        return RawTable(
            header,
            columns,
            lines,
            "workbook",
            str(self.path),
            complete=len(wanted) == len(header),
            sheet=self.sheet,
            filled=_filled(body, column(0)),
            first_cells=lambda rows: pa.array([_lead(body[i]) for i in rows.tolist()], pa.string()),
        )


def _filled(body: list[list], first: list) -> np.ndarray:
    """Whether each row has a cell that is not blank: at once where its first cell is a number (序号) or
    text that is not blank, else as _lead finds it."""
    filled = np.fromiter(
        (v.__class__ is float or (v.__class__ is str and not v.isspace() and v != "") for v in first),
        dtype=bool,
        count=len(first),
    )
    for i in np.flatnonzero(~filled).tolist():
        filled[i] = _lead(body[i]) != ""
    return filled


def _lead(row: list) -> str:
    """A row's first cell that is not empty, as text ("" for a blank row)."""
    for v in row:
        if v.__class__ is str:
            if v.strip():
                return v.strip()
        elif v is not None:
            text = text_of(v).strip()
            if text:
                return text
    return ""


def _text_column(cells, kind) -> pa.Array:
    """A column's cells as a text array: as they are when every cell is text or empty, in ISO form when
    every cell is a date cell or empty (None or ""), else each cell by its own type (column_text)."""
    try:  # text and empty cells ("") only, as most columns are: at once (pyarrow refuses any other)
        column = pa.array(cells, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        types = list(map(type, cells))
        if not set(types) - {type(None)} <= {dt.date, str}:
            return pa.array(column_text(cells, kind), pa.string())
        # date cells (no date-time, no serial) and maybe text: ISO text
        text = _positions(types, str)
        if any(cells[i] for i in text):  # text that is not empty: each cell by its own type
            return pa.array(column_text(cells, kind), pa.string())
        if text:
            cells = list(cells)
            for i in text:
                cells[i] = None
        column = pa.array(cells, pa.date32()).cast(pa.string())
    return column.fill_null("") if column.null_count else column


def _positions(items: list, value) -> list[int]:
    """Where `value` is in `items`, found by list.index (a loop in C: a date column's few empty cells
    among 60,000 in a millisecond)."""
    found, at = [], -1
    try:
        while True:
            at = items.index(value, at + 1)
            found.append(at)
    except ValueError:
        return found


def column_text(values: list, kind) -> list[str]:
    """A column's cells as text, each by its own type and the kind of column (module docstring)."""
    date = dt.date
    return [
        v if v.__class__ is str else v.isoformat() if v.__class__ is date else text_of(v, kind)
        for v in values
    ]


def text_of(value, kind=None) -> str:
    """One cell as text."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if kind == DATES:
            return _serial_date(value)
        if kind == IDS:
            return _as_excel_shows(value)
        return _number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()  # a date-time cell: its date part counts (SPEC §2)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))  # 12.0 in a whole-number column is 12
    return repr(float(value))


def _serial_date(value: float) -> str:
    """An Excel date serial (1900 date system) as the date it stands for; other numbers as they are."""
    if not float(value).is_integer() or not 1 <= value <= _LAST_SERIAL:
        return _number(value)
    days = int(value)
    if days == 60:
        return "1900-02-29"  # Excel's own day that never was: not a real date
    return (
        dt.date(1899, 12, 31) + dt.timedelta(days=days)
        if days < 60
        else _EXCEL_EPOCH + dt.timedelta(days=days)
    ).isoformat()


def _as_excel_shows(value: float) -> str:
    """A number in an ID column: Excel keeps 15 significant digits, so an 18-digit ID has lost its last
    digits; shown as Excel shows it (4.10122199001011E+17). Up to 15 digits it is whole (a 15-digit ID)."""
    if not math.isfinite(value) or (float(value).is_integer() and abs(value) < 1e15):
        return _number(value)  # whole, or not a number at all (a crafted inf or nan cell)
    mantissa, exponent = f"{float(value):.14E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent))}"


# ---------------------------------------------------------------- hidden columns (xlsx, xlsm)


def _hidden_columns(path: Path) -> dict[str, set[int]]:
    """Per sheet, the columns hidden in Excel (0 = A), from the sheet's <cols> (SPEC §2: hidden
    columns are ignored). Only xlsx and xlsm keep this where it can be read cheaply."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return {}
    out: dict[str, set[int]] = {}
    try:
        with zipfile.ZipFile(path) as book:
            for name, member in bounds.sheet_parts(book):
                with book.open(member) as sheet:
                    start = sheet.read(1 << 16).decode("utf-8", "replace").split("<sheetData", 1)[0]
                hidden = set()
                for found in bounds.tags(start, "col"):
                    if found.get("hidden") in ("1", "true"):
                        hidden.update(range(int(found["min"]) - 1, int(found["max"])))
                if hidden:
                    out[name] = hidden
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return {}
    return out
