"""What a workbook may be before calamine unpacks it (SPEC §6: nothing unbounded).

calamine lays a sheet out as a dense grid from its first to its last cell: one value in A1 and one in
XFD1048576 ask for 17 billion cells, and the allocation's failure aborts the whole process (Rust does not
raise on it), before any Python handler can say a word. So the extent of each sheet of an .xlsx/.xlsm
(the format Excel and WPS save) is read from its XML first, and a sheet beyond MAX_SHEET_CELLS is not
given to calamine. Every row and cell reference counts (calamine places a cell by its own reference, in
upper or lower case, however the attribute is quoted or spaced), and the parts are found as calamine finds
them (in any case: `refusals`); the scan streams the XML, so a sheet that unpacks to gigabytes is never held
whole. 0.04–0.06 s for a 60,000-row sheet (ISA-L inflates it, RE2 looks for far references, and re reads
them only where there are some). A sheet crafted with cells that carry no
reference can still reach calamine's limits. An old binary workbook (.xls) hides such sizes deep in its
records, so it is loaded once in a child process first (`aborts_calamine`), as is an OpenDocument one
(calamine loops for ever on some damaged ones). Light: this module runs on the parse-ahead thread, before
pyarrow is loaded.
"""

from __future__ import annotations

import functools
import html
import io
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator

MAX_WORKBOOK_BYTES = 200 << 20  # a workbook is unpacked whole: the bound per file
# rows × columns from a sheet's first to its last cell: 50 million cells are about 1.6 GB in calamine
# and several GB more as Python values; a county's ledger of 60,000 rows and 30 columns is 1.8 million
MAX_SHEET_CELLS = 50_000_000

# An r attribute (of a row or a cell) whose value has two or more letters or seven or more digits: the
# sheet may be wider than column Z or longer than 999,999 rows. Only these are measured on the first pass.
_FAR = re.compile(rb'r\s*=\s*["\']([A-Za-z]{2,}|[A-Za-z]?(?=\d{7}))(\d*)')
_ANY = re.compile(rb'r\s*=\s*["\']([A-Za-z]*)(\d*)')
_NEAR_ROWS, _NEAR_COLUMNS = 999_999, 26  # what a reference that _FAR does not match can reach
_PIECE = 16 << 20  # the XML is scanned this much at a time
# a sheet's XML unpacked: a million rows of 50 cells is about 3 GB; beyond this it is not measured (a few
# hundred KB of deflated data can unpack to gigabytes, and the scan would take minutes)
MAX_SHEET_XML_BYTES = 4 << 30
_TAG = r"<(?:\w+:)?{}\b([^>]*)>"
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


class SheetTooLarge(Exception):
    """A sheet beyond MAX_SHEET_CELLS, not given to calamine."""

    def __init__(self, span: int):
        super().__init__(f"{span:,} cells")
        self.span = span


class SheetNotMeasured(Exception):
    """A sheet whose XML runs _PIECE bytes without a tag beginning (a tag or a text that long is in no
    sheet Excel or WPS writes: a cell holds at most 32,767 characters), or unpacks to more than
    MAX_SHEET_XML_BYTES: measured no further and not given to calamine (said as a damaged sheet)."""


def tags(xml: str, name: str) -> list[dict[str, str]]:
    """The attributes of every <name …> tag (in any order, with or without a namespace prefix)."""
    return [dict(_ATTRIBUTE.findall(found)) for found in re.findall(_TAG.format(name), xml, re.S)]


def entries(book: zipfile.ZipFile) -> dict[str, list[zipfile.ZipInfo]]:
    """The zip's entries by their names in lower case (calamine finds `XL/Workbook.xml` as
    `xl/workbook.xml`), every entry of a name written twice."""
    found: dict[str, list[zipfile.ZipInfo]] = {}
    for entry in book.infolist():
        found.setdefault(entry.filename.lower(), []).append(entry)
    return found


def sheet_parts(book: zipfile.ZipFile, named: dict | None = None) -> list[tuple[str, str]]:
    """An .xlsx/.xlsm workbook's sheets, in order: (name, the zip member holding its XML), from
    xl/workbook.xml and its relationships, found in any case; when the zip holds either more than once,
    the sheets of every one (a name may then come twice). KeyError when the workbook has neither."""
    named = named if named is not None else entries(book)
    parts = []
    for workbook in named["xl/workbook.xml"]:
        for rels in named["xl/_rels/workbook.xml.rels"]:
            relations = book.read(rels).decode("utf-8", "replace")
            targets = {r.get("Id"): r.get("Target", "") for r in tags(relations, "Relationship")}
            for sheet in tags(book.read(workbook).decode("utf-8", "replace"), "sheet"):
                target = targets.get(sheet.get("r:id"), "").lstrip("/")
                name = html.unescape(sheet.get("name", ""))
                parts.append((name, target if target.lower().startswith("xl/") else f"xl/{target}"))
    return parts


@functools.cache
def quick():
    """Whether _FAR matches anywhere (`.search`): the same pattern (\\s spelled out as Python reads it; RE2
    has no lookahead) run by RE2 (google-re2), which scans a 60,000-row sheet's 22 MB in 0.02 s where re
    takes 0.1 s, and lets the other threads run meanwhile (re holds the GIL: the command line's imports
    waited on it). Only a piece where it matches is read by _FAR (rare: a sheet wider than column Z or
    longer than 999,999 rows). _FAR itself where google-re2 has no wheel. Imported when first asked (5 ms:
    not on every start-up)."""
    try:
        import re2
    except ImportError:
        return _FAR
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # a byte is a character, as for re's bytes patterns
    options.never_capture = True
    return re2.compile(rb"r[ \t\n\r\f\v]*=[ \t\n\r\f\v]*[\"'](?:[A-Za-z]{2}|[A-Za-z]?[0-9]{7})", options)


@functools.cache
def _inflater():
    """ISA-L's inflate (python-isal): a 60,000-row sheet's 22 MB in 0.02 s, where zlib takes 0.05 s;
    zlib's own where python-isal has no wheel."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib
    return isal_zlib


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def refusals(source) -> Iterator[tuple[str | None, Exception | None]]:
    """Each sheet of an .xlsx/.xlsm workbook, in order, with why it is not given to calamine (None: it
    may be), each measured when it is asked for; then (None, why) for any sheet calamine may name
    otherwise. None for another format, or from where the workbook is damaged (calamine says what it
    is). calamine finds a workbook's parts without regard to case, and this finds them as it does:
    every entry of a sheet's part is measured (a name written twice too); a sheet whose part is not
    found is measured by every XML part no sheet names; and a name calamine reads otherwise (an
    attribute spelled oddly) gets the worst of every sheet and of every other part holding sheetData.
    Only a crafted workbook gets to the last two."""
    try:
        if not zipfile.is_zipfile(source):
            return
        with zipfile.ZipFile(source) as book:
            named = entries(book)
            targets: dict[str, list[str]] = {}
            for name, target in sheet_parts(book, named):
                targets.setdefault(name, []).append(target.lower())
            claimed = {target for found in targets.values() for target in found}
            unclaimed = [e for n, found in named.items() if n not in claimed for e in found]
            orphans = [e for e in unclaimed if e.filename.lower().endswith(".xml")]
            told = []
            for name, found in targets.items():
                members = [e for target in found for e in named.get(target, [])] or orphans
                told.append(_worst(_refusal(lambda m=m: _sheet_xml(book, m)) for m in members))
                yield name, told[-1]
            others = (_refusal(lambda m=m: _sheet_xml(book, m)) for m in unclaimed if _holds_cells(book, m))
            yield None, _worst([*told, *others])
    except (
        KeyError,
        ValueError,
        OSError,
        zipfile.BadZipFile,
        RuntimeError,
        EOFError,
        zlib.error,
        _inflater().error,
    ):
        return


def verdict(told: dict, sheet: str) -> Exception | None:
    """Why calamine's sheet of that name is not given to it, from what refusals told."""
    return told[sheet] if sheet in told else told.get(None)


def _holds_cells(book: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    with _sheet_xml(book, entry) as xml:
        return any(b"sheetData" in piece for piece in _pieces(xml))


def _refusal(opened) -> Exception | None:
    try:
        span = _span(opened)
    except SheetNotMeasured as exc:
        return exc
    return SheetTooLarge(span) if span > MAX_SHEET_CELLS else None


def _worst(refusals) -> Exception | None:
    """Of several parts' refusals: one not measured, else the largest span, else None."""
    found = [why for why in refusals if why is not None]
    unmeasured = [why for why in found if isinstance(why, SheetNotMeasured)]
    return (unmeasured or sorted(found, key=lambda why: why.span, reverse=True) or [None])[0]


def _sheet_xml(book: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A sheet's XML as a binary stream. Deflated (as every workbook saves it): its bytes read at once and
    inflated in large steps, each one call that lets the other threads run (zipfile's own stream inflates
    a few KB at a time and takes the GIL for each, which made the scan wait on a cold run's imports).
    Stored, or another method, or encrypted: zipfile's stream."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
        return book.open(info)
    book.fp.seek(info.header_offset)
    local = book.fp.read(30)  # the local file header: its name and extra field precede the data
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    name, extra = struct.unpack("<HH", local[26:30])
    book.fp.seek(info.header_offset + 30 + name + extra)
    return _Inflated(book.fp.read(info.compress_size))


class _Inflated:
    """Raw deflate data as a stream of its inflated bytes (read(n): at most n at a time)."""

    def __init__(self, deflated: bytes):
        self._inflate = _inflater().decompressobj(-zlib.MAX_WBITS)
        self._left = deflated

    def read(self, size: int) -> bytes:
        out = self._inflate.decompress(self._left, size)
        self._left = self._inflate.unconsumed_tail
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._left = b""


def _span(opened) -> int:
    """At least the rows × columns calamine lays a sheet's XML out on (`opened()` gives the XML as a
    binary stream): the last row by the last column of any reference. First only the references that
    reach past column Z or row 999,999 are read; when those can make the sheet too large, every
    reference is (a second pass: rare, a sheet over 50 columns)."""
    with opened() as xml:
        far = [found for piece in _pieces(xml) if quick().search(piece) for found in _FAR.findall(piece)]
    rows = max((_row_number(digits) for _, digits in far if digits), default=0)
    columns = max((_column_number(letters) for letters in {letters for letters, _ in far}), default=0)
    bound = max(rows, _NEAR_ROWS) * max(columns, _NEAR_COLUMNS)
    if bound <= MAX_SHEET_CELLS:
        return bound
    rows = columns = 0
    with opened() as xml:
        for piece in _pieces(xml):
            found = _ANY.findall(piece)
            rows = max(rows, max((_row_number(digits) for _, digits in found if digits), default=0))
            columns = max(columns, max(map(_column_number, {letters for letters, _ in found}), default=0))
    return rows * max(columns, 1)  # cells without a reference of their own still take a column


def _row_number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else 10**12  # no longer number is read as one (nor need be)


def _pieces(xml):
    """The stream in pieces of about _PIECE bytes, each cut before its last tag (an attribute is never
    split between two pieces). SheetNotMeasured when a piece holds no tag's beginning, or the stream
    runs past MAX_SHEET_XML_BYTES."""
    carry = b""
    read = 0
    while piece := xml.read(_PIECE):
        read += len(piece)
        if read > MAX_SHEET_XML_BYTES:
            raise SheetNotMeasured(f"over {MAX_SHEET_XML_BYTES:,} bytes of XML")
        piece = carry + piece
        cut = piece.rfind(b"<")
        if cut <= 0:
            if len(piece) > _PIECE:
                raise SheetNotMeasured(f"{len(piece):,} bytes without a tag")
            cut = 0  # the stream's first bytes, or its last: read on
        carry = piece[cut:]
        yield piece[:cut]
    yield carry


# ------------------------------------------------- .xls, .ods: a trial in a child process

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
    """calamine's trial of this workbook was killed or did not end: it is not given to calamine here."""


def tried_first(data: bytes) -> bool:
    """Whether calamine is tried on these bytes in a child process before it loads them here: an old
    binary workbook (CFB: on some damaged ones calamine reserves hundreds of GB, and Rust aborts when
    that fails) and any other that is not an .xlsx/.xlsm (an OpenDocument one: on some damaged ones
    calamine loops for ever). .xlsx/.xlsm are measured instead (refusals): trying them would double a
    cold run's parse, and the damaged ones fuzzed never made calamine loop."""
    if data.startswith(_CFB):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "xl/workbook.xml" not in entries(book)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        return False  # neither: calamine refuses it at once


def aborts_calamine(data: bytes) -> bool:
    """Whether calamine, loading these bytes, ends the process (killed by a signal: an abort, the
    address-space bound) or does not end in TRIAL_SECONDS (a loop). The trial runs in a child process (a
    fresh interpreter, 0.1 s plus the parse); .xls and .ods files are small and rare, so this is paid only
    for them (tried_first)."""
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
