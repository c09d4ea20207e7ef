"""Read one ledger CSV into raw string columns, each record with the physical line it starts on.

SPEC §2: UTF-8 with or without BOM, else GB18030 (what Excel/WPS writes on Chinese Windows), or what
--encoding says; comma separated, quoted fields, CRLF. Blank lines are skipped. A short record has
empty values for its missing cells; cells beyond the header are ignored.

Three ways in, the first that applies:
- direct: a UTF-8 file whose records each fit on one line (most exports) is parsed by pyarrow, only
  the columns asked for; every physical line is a record, so lines are index + 2;
- general: the file is decoded to UTF-8 and parsed by pyarrow; record starts are found on the bytes
  with numpy (a newline ends a record when an even number of quote characters precedes it);
- slow: what pyarrow will not take as it is (ragged records, stray quotes) goes through Python's csv
  module, which gives the same records (tests/test_read.py checks the paths agree).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from jishu.read import DATES, Opened, RawTable, Table, Unusable, blocks, open_regular

_CHUNK = 1 << 26  # bytes scanned at a time, so temporaries stay small on multi-GB files
# The longest record jishu reads (SPEC §6: a bound per reader). A ledger's record is well under 1 KB;
# one of 64 MB is a cell that never ends (a stray quote) or no ledger at all.
MAX_RECORD = 64 << 20


def read_bytes(path: Path) -> bytes | Unusable:
    if path.is_dir():
        return Unusable("file_unreadable", reason="is_folder")
    try:
        return path.read_bytes()
    except OSError as exc:
        return Unusable("file_unreadable", detail=exc.strerror or type(exc).__name__)


def _line_of(data: bytes | memoryview, pos: int) -> int:
    return bytes(data[:pos]).count(b"\n") + 1


def decode(data: bytes, encoding: str | None) -> tuple[bytes, str] | Unusable:
    """UTF-8 bytes of the file, and the encoding it was read in."""
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeError as exc:  # a decoder may raise the plain UnicodeError, with no position
            return Unusable("file_encoding", line=_line_of(data, getattr(exc, "start", 0)), detail=encoding)
        out, used = text.removeprefix("\ufeff").encode("utf-8"), encoding
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        return Unusable("file_utf16")
    elif data.find(b"\x00") >= 0:
        return Unusable("file_binary", line=_line_of(data, data.find(b"\x00")))
    elif data.startswith(codecs.BOM_UTF8):
        out, used = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
        if not _is_utf8(out):
            return _not_utf8(out, "UTF-8")
    elif _is_utf8(data):
        out, used = data, "utf-8"
    else:
        try:
            out, used = data.decode("gb18030").encode("utf-8"), "gb18030"
        except UnicodeDecodeError as exc:
            return Unusable("file_encoding", line=_line_of(data, exc.start), detail="UTF-8 / GB18030")
    nul = out.find(b"\x00")
    if nul >= 0:
        return Unusable("file_binary", line=_line_of(out, nul))
    return out, used


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: its ASCII characters (commas, line ends) put NULs on one side of each pair."""
    head = np.frombuffer(data[:4000], dtype=np.uint8)
    nul = np.flatnonzero(head == 0)
    if len(nul) < 4:
        return False
    odd = int((nul % 2).sum())
    return max(odd, len(nul) - odd) >= 0.9 * len(nul) and len(nul) >= len(head) // 20


def _is_utf8(data: bytes | bytearray) -> bool:
    """Strict UTF-8 validation without making a str of the whole file (pyarrow validates in C)."""
    if data.isascii():
        return True
    buf = pa.py_buffer(data)
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    raw = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
    try:
        raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _not_utf8(data: bytes, name: str) -> Unusable:
    """file_encoding at the line of the first byte that is not UTF-8."""
    start = 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
    return Unusable("file_encoding", line=_line_of(data, start), detail=name)


def _positions(b: np.ndarray, byte: int) -> np.ndarray:
    parts = [np.flatnonzero(b[i : i + _CHUNK] == byte) + i for i in range(0, len(b), _CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass
class _Layout:
    lines: np.ndarray  # physical line of each non-blank record (header included)
    quoted_newlines: bool
    balanced: bool  # an even number of quote characters in the file
    open_quote_line: int | None
    max_record: int  # longest record in bytes
    longest_line: int = 1  # the physical line where the longest record starts


def layout(data: bytes) -> _Layout:
    """Where the records of a CSV start, from its bytes (a newline inside quotes does not end one)."""
    b = np.frombuffer(data, dtype=np.uint8)
    newlines = _positions(b, 10)
    if data.find(b'"') >= 0:
        quotes = _positions(b, 34)
        inside = (np.searchsorted(quotes, newlines) % 2) == 1
        ends = newlines[~inside]
        balanced = len(quotes) % 2 == 0
        quoted_newlines = bool(inside.any())
    else:
        quotes = None
        ends = newlines
        balanced = True
        quoted_newlines = False
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(b)]])
    length = stops - starts
    last_byte = b[np.maximum(stops - 1, 0)] if len(b) else np.zeros(len(stops), dtype=np.uint8)
    blank = (length == 0) | ((length == 1) & (last_byte == 13))
    keep = ~blank
    record_lines = np.searchsorted(newlines, starts[keep]) + 1
    open_quote_line = None
    if not balanced and quotes is not None:
        last_start = starts[np.searchsorted(starts, quotes[-1], side="right") - 1]
        open_quote_line = int(np.searchsorted(newlines, last_start)) + 1
    return _Layout(
        lines=record_lines.astype(np.int64),
        quoted_newlines=quoted_newlines,
        balanced=balanced,
        open_quote_line=open_quote_line,
        max_record=int(length.max()) if len(length) else 0,
        longest_line=int(np.searchsorted(newlines, starts[int(np.argmax(length))])) + 1 if len(length) else 1,
    )


def split_header(data: bytes, first_line: int) -> list[str]:
    """The cells of the header record (the first non-blank record)."""
    text = data[: 1 << 20].decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)[first_line - 1 :]
    reader = csv.reader(io.StringIO("".join(lines), newline=""))
    for row in reader:
        if row:
            return row
    return []


def read_table(
    path: Path, encoding: str | None = None, select=None, header_line: int | None = None
) -> RawTable | Unusable:
    """Read one CSV file, or say why the file as a whole cannot be used.

    `select(header) -> {position: dictionary-encoded? or DATES}` may name the columns wanted; the
    others are then not converted (RawTable.complete is False), those marked True are read as
    dictionary arrays, and DATES columns as date32 when all their dates are ISO (else as dictionary).
    Only one-line records (_one_line_records) honour it; the general path reads all, as strings.
    `header_line` is the physical line of the header record (title rows above it are not read);
    by default the first record that is not blank.
    """
    if encoding in (None, "utf-8"):
        direct = _read_direct(path, select, header_line)
        if direct is not None:
            return direct
    data = read_bytes(path)
    if isinstance(data, Unusable):
        return data
    decoded = decode(data, encoding)
    if isinstance(decoded, Unusable):
        return decoded
    data, used = decoded
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")  # old Macintosh line ends
    elif used not in ("utf-8", "utf-8-sig"):  # transcoded (GB18030, --encoding): as direct, from memory
        source = _Source(
            lambda: pa.BufferReader(data),
            lambda: _count_in(data),
            data[: 1 << 16],
            _trailing_blank_lines(io.BytesIO(data), len(data)),
            data.endswith(b"\n"),
        )
        direct = _one_line_records(source, select, used, str(path), header_line)
        if direct is not None:
            return direct
    shape = layout(data)
    if len(shape.lines) == 0:
        return Unusable("file_empty")
    if shape.max_record > MAX_RECORD:
        return Unusable("record_too_large", line=shape.longest_line, detail=f"{MAX_RECORD >> 20} MB")
    at = 0 if header_line is None else int(np.searchsorted(shape.lines, header_line))
    if at >= len(shape.lines) or (header_line is not None and shape.lines[at] != header_line):
        at = 0  # not a record start after all: the first record is the header
    header = split_header(data, int(shape.lines[at]))
    if shape.balanced:
        start = _offset_of_line(data, int(shape.lines[at]))
        table = _read_fast(memoryview(data)[start:], header, shape, at)
        if table is not None:
            return RawTable(header, table, shape.lines[at + 1 :], used, str(path))
    return _read_slow(data, used, str(path), int(shape.lines[at]))


def read_tail(
    path: Path, start: int, header: list[str], lines_before: int, select=None, end: int | None = None
) -> RawTable | None:
    """The records a file gained past byte `start` up to byte `end` (an append, cache.py; by default to
    the end of the file), numbered on from `lines_before` lines, as if the CSV `header` line came right
    before them. None when the tail is anything but plain UTF-8 records with balanced quotes (a NUL,
    another encoding, an open quote, a record beyond the bound): the whole file is then read again,
    which says what is wrong with it.

    The tail is read once, into one buffer (a province's day of appends is 23 MB, and each copy of it
    was fresh memory: 0.1 s of system time on the benchmark machine), and not through a memory map: a
    clerk's program could cut the file short meanwhile, and a mapped page past its end kills the
    process (SIGBUS) where a read just comes back short."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    first = out.getvalue().encode("utf-8")
    if list(split_header(first, 1)) != list(header):
        return None
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            end = size if end is None else end
            if not start < end <= size:
                return None
            handle.seek(start)
            data = bytearray(end - start)
            if handle.readinto(data) != len(data):
                return None
    except (OSError, ValueError):
        return None
    if data.find(0) >= 0 or not _is_utf8(data):
        return None
    newlines, quotes = _count_in(data)
    if quotes % 2:
        return None
    tail = pa.py_buffer(data)
    source = _Source(
        lambda: pa.BufferReader(tail),
        lambda: (newlines, quotes),
        first + bytes(data[: 1 << 16]),
        _trailing_blank_lines(pa.BufferReader(tail), len(tail)),
        data.endswith(b"\n"),
        lines_before=1,
    )
    # Its quotes are balanced (counted above), and a tail no longer than the bound holds no record
    # longer: the byte scan of the records (layout) is then needed only where pyarrow's one-line read
    # gives up.
    table = _one_line_records(source, select, "utf-8", str(path), 1) if len(tail) <= MAX_RECORD else None
    if table is None:
        whole = first + bytes(data)
        shape = layout(whole)
        if not shape.balanced or shape.max_record > MAX_RECORD:
            return None
        fast = _read_fast(memoryview(whole), header, shape, 0)
        if fast is None:
            return None
        table = RawTable(header, fast, shape.lines[1:], "utf-8", str(path))
    if isinstance(table, Unusable):
        return None
    table.lines = table.lines + (lines_before - 1)
    return table


def _offset_of_line(data: bytes, line: int) -> int:
    """The byte where a physical line starts."""
    offset = 0
    for _ in range(line - 1):
        offset = data.index(b"\n", offset) + 1
    return offset


_BLOCK = 1 << 24


def _read_direct(path: Path, select, header_line: int | None = None) -> RawTable | Unusable | None:
    """The common case: a UTF-8 file (BOM or not) without NULs, every record on one line, read by
    pyarrow straight from the file (see _one_line_records). None for anything else."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
            size = os.fstat(handle.fileno()).st_size
            blank = _trailing_blank_lines(handle, size)
            handle.seek(max(size - 1, 0))
            ends_with_newline = handle.read(1) == b"\n"
    except (OSError, ValueError):
        return None
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(head[:4000]):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # GB18030 shows here: no pass over the file
    except UnicodeDecodeError:
        return None
    if b"\x00" not in head and size > len(head):
        nul = _first_nul(path, len(head), size)
        if nul >= 0:  # the verdict of a NUL at the start: the file is not CSV text (SPEC §6)
            return Unusable("file_binary", line=_count_newlines(path, nul) + 1)
    used = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    source = _Source(lambda: pa.OSFile(str(path)), lambda: _count_bytes(path), head, blank, ends_with_newline)
    return _one_line_records(source, select, used, str(path), header_line)


def _first_nul(path: Path, start: int, size: int) -> int:
    """The offset of the first NUL byte at or after `start` (up to `size`), -1 if none: memchr over
    the file read a block at a time (the pages are the ones pyarrow reads next, so this costs little)."""
    try:
        for offset, buffer, got in blocks(path, start, size):
            found = buffer.find(b"\x00", 0, got)
            if found >= 0:
                return offset + found
    except (OSError, ValueError):
        return -1
    return -1


def _count_newlines(path: Path, end: int) -> int:
    """Line feeds in the first `end` bytes of a file."""
    return sum(buffer.count(b"\n", 0, got) for _, buffer, got in blocks(path, 0, end))


@dataclass
class _Source:
    """What _one_line_records needs of a file's UTF-8 bytes, wherever they are."""

    open: Callable[[], pa.NativeFile]  # a pyarrow input stream over the bytes
    count: Callable[[], tuple[int, int]]  # (line feeds, quote characters)
    head: bytes  # the first 64 KB
    blank: int  # blank lines (only commas and spaces) at the end
    ends_with_newline: bool
    lines_before: int = 0  # lines of `head` that the stream and its counts do not hold (a tail's header)


def _one_line_records(
    source: _Source, select, used: str, path: str, header_line: int | None = None
) -> RawTable | Unusable | None:
    """UTF-8 bytes read by pyarrow (in blocks, on every core), only the columns asked for.

    Blank lines are kept as empty records (ignore_empty_lines=False), so when every record is one
    line the record at index i starts on line i + 2. Bytes whose first 64 KB hold no quote character
    are read with quoting off: a quoted cell further on shows as a record with too many or too few
    cells (a comma or line break inside quotes), which pyarrow refuses, or as a cell starting with a
    quote, and the bytes are then read with quoting on. With quoting on, line feeds and quote
    characters are counted: if some record spans lines (a line break inside quotes) or a quote is
    left over, None is returned and the general way, which numbers such records exactly and reports
    stray quotes, takes over. So does anything else unusual (ragged records, NULs at the start).
    """
    line = header_line or 1
    start = _offset_of_line(source.head, line) if source.head.count(b"\n") >= line else -1
    if start < 0 or b'"' in source.head[:start]:
        return None  # title rows with quotes, or beyond the first 64 KB: the general way
    head = source.head[start:]
    # NULs mark a binary file (an .xlsx or .zip renamed, a damaged save): they show in its first bytes,
    # and looking only there spares a pass over gigabytes.
    end = head.find(b"\n")
    if b"\x00" in source.head or end <= 0:
        return None
    try:
        first_line = head[:end].removeprefix(codecs.BOM_UTF8).rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        return None
    if first_line.count('"') % 2:
        return None  # the header goes on past its line
    header = next(csv.reader([first_line]), [])
    if not "".join(header).strip():
        return None
    wanted = dict.fromkeys(range(len(header)), False) if select is None else select(header)
    if isinstance(wanted, Unusable):
        return wanted
    iso = _iso_dates_at_start(head, [p for p, kind in wanted.items() if kind == DATES])
    skip = line - source.lines_before

    def attempt(quoted: bool) -> pa.Table | None:
        """Dates read as dates first (ISO dates, what systems write), unless the first records spell
        them otherwise; any other spelling further on: read again, dates checked by distinct value."""
        table = _pyarrow_read(source.open(), header, wanted, quoted, dates=True, skip=skip) if iso else None
        if table is None:
            table = _pyarrow_read(source.open(), header, wanted, quoted, dates=False, skip=skip)
        return table

    quoted = b'"' in head
    table = None if quoted else attempt(quoted=False)
    if table is None:
        table = attempt(quoted=True)
        if table is None:
            return None
        newlines, quotes = source.count()
        # pyarrow is lenient with stray quotes; the general way reports an odd number of them.
        if (
            quotes % 2
            or newlines + source.lines_before != table.num_rows + line - 1 + source.ends_with_newline
        ):
            return None
    columns: list[pa.ChunkedArray | None] = [None] * len(header)
    for p in wanted:
        columns[p] = table.column(f"c{p}")
    lines = np.arange(line + 1, table.num_rows + line + 1, dtype=np.int64)
    return RawTable(
        header,
        columns,
        lines,
        used,
        path,
        complete=len(wanted) == len(header),
        blank_from=max(table.num_rows - source.blank, 0),
    )


_ISO_DATE = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*")


def _iso_dates_at_start(head: bytes, positions: list[int]) -> bool:
    """Whether the date cells of the records in the first 64 KB are all ISO dates or blank."""
    if not positions:
        return False
    lines = head.decode("utf-8", errors="replace").split("\n")[1:-1]  # no header, no cut-off last line
    try:
        for row in csv.reader(lines):
            for p in positions:
                if p < len(row) and row[p].strip() and not _ISO_DATE.fullmatch(row[p]):
                    return False
    except csv.Error:  # a lone carriage return in a cell: the general way reads it
        return False
    return True


def _encoded(kind) -> bool:
    """Whether a column is read dictionary-encoded: those checked by distinct value, and dates."""
    return kind is True or kind == DATES


def _pyarrow_read(
    stream, header: list[str], wanted: dict, quoted: bool, dates: bool, skip: int = 1
) -> pa.Table | None:
    """The columns `wanted` ({position: dictionary-encoded? or DATES}) of every record after the
    header; None when pyarrow refuses the bytes (a date not in ISO form among them, when `dates`),
    or, with quoting off, when a cell was quoted. pyarrow checks ISO dates are real dates; a blank
    cell is a missing date."""
    names = [f"c{i}" for i in range(len(header))]
    positions = sorted(wanted)
    encoded = pa.dictionary(pa.int32(), pa.string())

    def arrow_type(kind) -> pa.DataType:
        if kind == DATES and dates:
            return pa.date32()
        return encoded if _encoded(kind) else pa.string()

    try:
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=_BLOCK),
            # A record with too few or too many cells raises (pyarrow's default): the general path pads it.
            # With quoting on, line breaks inside quotes must be allowed for the file to be read right.
            parse_options=pacsv.ParseOptions(
                quote_char='"' if quoted else False, newlines_in_values=quoted, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[p] for p in positions],
                column_types={names[p]: arrow_type(wanted[p]) for p in positions},
                strings_can_be_null=False,
                null_values=[""],  # only for dates: "N/A" and the like are spellings to report, not blanks
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, OSError):
        return None
    if not quoted:
        for p in positions:
            chunks = table.column(names[p]).chunks
            if pa.types.is_date32(table.column(names[p]).type):
                continue  # a quoted date is no date: pyarrow would have refused it
            if _starts_quoted([c.dictionary for c in chunks] if _encoded(wanted[p]) else chunks):
                return None
    return table


def _count_bytes(path: Path) -> tuple[int, int]:
    """Line feeds and quote characters in a file, read a block at a time (read/blocks)."""
    newlines = quotes = 0
    for _, buffer, got in blocks(path, size=1 << 20):
        counted = _count_in(memoryview(buffer)[:got])
        newlines, quotes = newlines + counted[0], quotes + counted[1]
    return newlines, quotes


def _count_in(data, step: int = 1 << 22) -> tuple[int, int]:
    """Line feeds and quote characters in a buffer, counted with numpy 4 MB at a time."""
    array = np.frombuffer(data, np.uint8)
    newlines = quotes = 0
    for start in range(0, len(array), step):
        block = array[start : start + step]
        newlines += int(np.count_nonzero(block == 10))
        quotes += int(np.count_nonzero(block == 34))
    return newlines, quotes


def _starts_quoted(chunks: list[pa.Array]) -> bool:
    """Whether a cell starts with a quote character (then it was quoted in the file). The first byte
    of every cell is looked at with numpy; an empty cell shows the next one's, which is harmless."""
    for chunk in chunks:
        data = chunk.buffers()[2]
        if len(chunk) == 0 or data is None or data.size == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int32)[chunk.offset : chunk.offset + len(chunk)]
        first = np.frombuffer(data, np.uint8)[np.minimum(offsets, data.size - 1)]
        if (first == ord('"')).any():
            return True
    return False


def _trailing_blank_lines(handle, size: int) -> int:
    """How many lines at the end hold nothing but commas and spaces (Excel's trailing ,,,, rows),
    reading back from the end only as far as they go."""
    window = 1 << 16
    while True:
        start = max(size - window, 0)
        handle.seek(start)
        tail = handle.read()
        if start > 0:
            tail = tail[tail.find(b"\n") + 1 :]  # from the first whole line
        lines = tail.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the file's final line break
        count = 0
        for line in reversed(lines):
            if line.strip(b" \t\r,"):
                return count
            count += 1
        if start == 0:
            return count
        window *= 8


def _read_fast(
    data: bytes | memoryview, header: list[str], shape: _Layout, at: int = 0
) -> list[pa.Array] | None:
    """Every record from the header on (`data` starts at the header, the `at`-th record)."""
    names = [f"c{i}" for i in range(len(header))]

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(
                column_names=names, block_size=max(1 << 22, 2 * shape.max_record + 1024)
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=shape.quoted_newlines),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if table.num_rows != len(shape.lines) - at:
        return None  # a record structure the byte scan did not predict: let the csv module decide
    return [table.column(i).combine_chunks().slice(1) for i in range(len(names))]


def _read_slow(data: bytes, used: str, path: str, header_line: int = 1) -> RawTable | Unusable:
    csv.field_size_limit(sys.maxsize)
    text = data.decode("utf-8")
    # Physical lines end at "\n" only (as in the fast path), so a "\r" inside a cell is not a line.
    reader = csv.reader(
        iter(text.splitlines(keepends=True) if "\n" not in text else _lines(text)), strict=True
    )
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if row:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return Unusable("csv_quote", line=start)
        if "expected after" in str(exc):
            return Unusable("csv_malformed", line=start, reason="csv_quote_after")
        if "new-line character" in str(exc):
            return Unusable("csv_malformed", line=start, reason="csv_lone_cr")
        return Unusable("csv_malformed", line=start, detail=str(exc))
    if not rows:
        return Unusable("file_empty")
    at = lines.index(header_line) if header_line in lines else 0
    header, body = rows[at], rows[at + 1 :]
    lines = lines[at:]
    width = len(header)
    padded = [r[:width] + [""] * (width - len(r)) for r in body]
    columns = [pa.array([r[i] for r in padded], type=pa.string()) for i in range(width)]
    return RawTable(header, columns, np.array(lines[1:], dtype=np.int64), used, path)


def _lines(text: str):
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


# ---------------------------------------------------------------- the seam (read/__init__.py)

_HEAD_BYTES = 1 << 16


def open_csv(path: Path, encoding: str | None) -> Opened:
    """A CSV file is one table."""
    return Opened([CsvTable(path, encoding=encoding)])


@dataclass
class CsvTable(Table):
    encoding: str | None = None

    def head(self) -> list[tuple[int, list[str]]]:
        """The first records that are not blank, from the first 64 KB (decoded as the file will be;
        what cannot be decoded is left to `read` to report), with the physical line each starts on."""
        from jishu.read.shape import HEAD_ROWS

        try:
            with open(self.path, "rb") as handle:
                data = handle.read(_HEAD_BYTES)
        except OSError:
            return []
        text = _head_text(data, self.encoding)
        if "\n" not in text and "\r" in text:
            text = text.replace("\r", "\n")  # old Macintosh line ends, as read_table takes them
        rows, line = [], 1
        reader = csv.reader(_lines(text))
        try:
            for record in reader:
                if any(cell.strip(" \t\u3000") for cell in record):
                    rows.append((line, record))
                    if len(rows) >= HEAD_ROWS:
                        break
                line = reader.line_num + 1
        except csv.Error:
            pass
        return rows

    def read(self, header_row: int | None, header: list[str] | None, select) -> RawTable | Unusable:
        return read_table(self.path, self.encoding, select, header_row)

    def sniff(self) -> Unusable | None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(_HEAD_BYTES)
        except OSError as exc:
            return Unusable("file_unreadable", detail=exc.strerror or type(exc).__name__)
        if self.encoding:
            return None
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data[:4000]):
            return Unusable("file_utf16")
        if b"\x00" in data:
            return Unusable("file_binary", line=_line_of(data, data.find(b"\x00")))
        return None


def _head_text(data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding, errors="replace")
        except UnicodeError:
            return ""  # no head to look at; `read` reports the file
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data)
    except UnicodeDecodeError:
        return codecs.getincrementaldecoder("gb18030")(errors="replace").decode(data)
