"""What a workbook may be before calamine unpacks it (SPEC §6: nothing unbounded).

calamine lays a sheet out as a dense grid from its first to its last cell: one value in A1 and one in
XFD1048576 ask for 17 billion cells, and the allocation's failure aborts the whole process (Rust does not
raise on it), before any Python handler can say a word. So the extent of each sheet of an .xlsx/.xlsm
(the format Excel and WPS save) is read from its XML first, and a sheet beyond MAX_SHEET_CELLS is not
given to calamine. The scan reads the row numbers and looks for cell references of two or more letters
(column AA on): 0.08 s for a 60,000-row sheet, half of it decompressing. It trusts the references Excel,
WPS and the common libraries write (`<row r="…">`, `<c r="…">`); a sheet crafted without them can still
reach calamine's limits. An old binary workbook (.xls) hides such sizes deep in its records, so it is
loaded once in a child process first (`aborts_calamine`). Light: this module runs on the parse-ahead
thread, before pyarrow is loaded.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import zipfile

MAX_WORKBOOK_BYTES = 200 << 20  # a workbook is unpacked whole: the bound per file
# rows × columns from a sheet's first to its last cell: 50 million cells are about 1.6 GB in calamine
# and several GB more as Python values; a county's ledger of 60,000 rows and 30 columns is 1.8 million
MAX_SHEET_CELLS = 50_000_000

_ROW = re.compile(rb'<row r="(\d+)"')  # Excel, WPS and the libraries write r first, unprefixed
_WIDE = re.compile(rb'<c r="[A-Z]{2}')
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,})\d')
_TAG = r"<(?:\w+:)?{}\b([^>]*)>"
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


class SheetTooLarge(Exception):
    """A sheet beyond MAX_SHEET_CELLS, not given to calamine."""

    def __init__(self, span: int):
        super().__init__(f"{span:,} cells")
        self.span = span


def tags(xml: str, name: str) -> list[dict[str, str]]:
    """The attributes of every <name …> tag (in any order, with or without a namespace prefix)."""
    return [dict(_ATTRIBUTE.findall(found)) for found in re.findall(_TAG.format(name), xml, re.S)]


def sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """An .xlsx/.xlsm workbook's sheets, in order: (name, the zip member holding its XML), from
    xl/workbook.xml and its relationships (KeyError when the workbook has none)."""
    workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {r.get("Id"): r.get("Target", "") for r in tags(rels, "Relationship")}
    parts = []
    for sheet in tags(workbook, "sheet"):
        target = targets.get(sheet.get("r:id"), "").lstrip("/")
        parts.append(
            (html.unescape(sheet.get("name", "")), target if target.startswith("xl/") else f"xl/{target}")
        )
    return parts


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def oversized_sheets(source) -> dict[str, int]:
    """The sheets of an .xlsx/.xlsm workbook (a path or an open binary file; other formats: none) whose
    cells span more than MAX_SHEET_CELLS, with that span, by sheet name."""
    try:
        if not zipfile.is_zipfile(source):
            return {}
        with zipfile.ZipFile(source) as book:
            spans = {
                name: _span(book.read(member))
                for name, member in sheet_parts(book)
                if member in book.NameToInfo
            }
            return {name: span for name, span in spans.items() if span > MAX_SHEET_CELLS}
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, RuntimeError, EOFError):
        return {}  # not an Office Open XML workbook, or a damaged one: calamine says what it is


def _span(xml: bytes) -> int:
    """The rows × columns calamine lays a sheet's XML out on: its last row (<row r>) by its last column
    (26 unless a cell reference has two or more letters: then the widest)."""
    rows = max(map(int, _ROW.findall(xml)), default=0)
    columns = 26 if _WIDE.search(xml) is None else max(map(_column_number, _WIDE_CELL.findall(xml)))
    return rows * columns


# --------------------------------------------------------------------------- .xls: a trial in a child process

_CFB = bytes.fromhex("d0cf11e0a1b11ae1")  # the old binary workbook (.xls, also when named otherwise)
# The child reads the workbook from its stdin, within an address-space bound, and loads every sheet as
# the reader will: calamine's panics and errors end it with 1 (the reader says them), an abort by signal.
_TRIAL = """
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
import python_calamine as c
try:
    book = c.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
    for i, meta in enumerate(book.sheets_metadata):
        if meta.typ == c.SheetTypeEnum.WorkSheet:
            book.get_sheet_by_index(i).to_python(skip_empty_area=False)
except BaseException:
    sys.exit(1)
"""
TRIAL_SECONDS = 120


class WouldAbort(Exception):
    """calamine ended the trial of this workbook by a signal: it is not given to calamine here."""


def is_old_binary(head: bytes) -> bool:
    return head.startswith(_CFB)


def aborts_calamine(data: bytes) -> bool:
    """Whether calamine, loading this old binary workbook, ends the process: some damaged .xls files make
    it reserve hundreds of GB, and Rust aborts when that fails, past any handler. The trial runs in a
    child process (a fresh interpreter, 0.1 s plus the parse); an .xls is small and rare, so this is paid
    only for it."""
    try:
        trial = subprocess.run(
            [sys.executable, "-I", "-c", _TRIAL],
            input=data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TRIAL_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True
    return trial.returncode < 0
