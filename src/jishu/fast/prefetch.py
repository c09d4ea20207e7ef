"""Workbooks parsed ahead: a cold run starts calamine on the data folder's workbooks on a thread of its
own while the command line and pyarrow are still being imported.

calamine's parse of a sheet (`get_sheet_by_index`, 0.33 s of a 60,000-row sheet) releases the GIL, and
a cold run spends about as long importing before it reads its first file; run side by side, the two
overlap (bench/workbook_speed.py). Only the parse is done ahead: what calamine says of a file (a
password, not a workbook, a damaged sheet) is handed to the reader, which says it in its own words as if
it had parsed the file itself; a file not parsed ahead is parsed there.

Safety (SPEC §6) is that of reading the file: only regular files that are not symlinks are opened
ahead (O_NOFOLLOW, O_NONBLOCK: a FIFO swapped in is never waited on), at most MAX_WORKBOOK_BYTES of
them, and a parse is used only for a file whose device, inode, size, modification and change times
are those of the file read then (what the cache trusts as "unchanged"). Anything that goes wrong ahead
is dropped without a word (the reader opens the file again). This module imports nothing heavy: it runs before pyarrow is loaded.
"""

from __future__ import annotations

import io
import os
import stat
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from jishu import bounds
from jishu.bounds import MAX_WORKBOOK_BYTES

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

# (device, inode, size, mtime_ns, ctime_ns) of a file → its parse, (the workbook, {sheet index: sheet}),
# and the room it takes in its folder's batch
_ahead: dict[tuple, tuple[Future, threading.Semaphore]] = {}
AHEAD = 2  # at most this many files of a folder parsed and not yet taken: large workbooks are not all held


def identity(status: os.stat_result) -> tuple:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


READING_COMMANDS = ("progress", "check", "subsidy", "audit", "summary")
DEFAULT_DATA = "data"  # the command line's default --data


def from_arguments(args: list[str]) -> None:
    """Start parsing the data folder's workbooks before the command line is parsed (Typer and pydantic
    take 0.15 s to import and build it) when the cache will not serve them: the folder as `--data` or
    JISHU_DATA names it. Nothing depends on this reading of the arguments: a parse is used only for the
    very file a command then reads, so a wrong guess costs only a parse not taken. `jishu` calls this
    first thing (jishu/__main__.py), and the command line again (for other callers of cli.main): a
    file already being parsed ahead is not parsed twice. Returns once the first workbook is measured
    (FIRST_SCAN_SECONDS, below)."""
    if not args or args[0] not in READING_COMMANDS or {"-h", "--help"} & set(args):
        return
    data = os.environ.get("JISHU_DATA") or DEFAULT_DATA
    for i, arg in enumerate(args):
        if arg == "--data" and i + 1 < len(args):
            data = args[i + 1]
        elif arg.startswith("--data="):
            data = arg.removeprefix("--data=")
    cold = "--no-cache" in args or not _cache_has_entries(Path(data))
    if cold and start(Path(data)):
        _first_scanned.wait(FIRST_SCAN_SECONDS)


# The extent scan (bounds.py) is regular expressions over a sheet's XML, holding the GIL: run beside the
# command line's imports it took 0.17-0.21 s instead of 0.14, and calamine's parse of the sheet waits on it.
# So the process imports the command line once the first workbook's sheets are measured (or it has none
# to measure, or after this long); calamine's parse then runs beside the imports (bench/README.md,
# "Workbooks"). calamine parses the first sheet while the next ones are measured.
FIRST_SCAN_SECONDS = 0.5
_first_scanned = threading.Event()


def _cache_has_entries(data: Path) -> bool:
    """Whether the data folder's cache holds anything (a first run, and a run after the cache was
    removed, read every file)."""
    from jishu.files import cache_root

    try:
        with os.scandir(cache_root(data)) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def start(folder: Path) -> bool:
    """Parse the folder's workbooks (in name order, as they are read) on a background thread; those
    already being parsed ahead are left to that parse. Whether any parse was started."""
    try:
        with os.scandir(folder) as entries:
            found = sorted(
                (entry.name, identity(entry.stat(follow_symlinks=False)))
                for entry in entries
                if entry.name.lower().endswith(WORKBOOK_SUFFIXES)
                and not entry.name.startswith(("~$", "."))
                and entry.is_file(follow_symlinks=False)
                and identity(entry.stat(follow_symlinks=False)) not in _ahead
            )
    except OSError:
        return False
    work = [
        (os.path.join(folder, name), key, Future()) for name, key in found if key[2] <= MAX_WORKBOOK_BYTES
    ]
    if not work:
        return False
    room = threading.Semaphore(AHEAD)
    for _, key, future in work:
        _ahead[key] = (future, room)
    threading.Thread(target=_parse_all, args=(work, room), name="jishu-workbooks-ahead", daemon=True).start()
    return True


def _parse_all(work: list[tuple[str, tuple, Future]], room: threading.Semaphore) -> None:
    for path, key, future in work:
        room.acquire()
        if not future.set_running_or_notify_cancel():  # the file was read before its turn came
            room.release()
            _first_scanned.set()
            continue
        try:
            # the workbook is handed to the reader once it is open, and each sheet as it is parsed: the
            # reader takes a sheet's rows while calamine parses the next sheet (it releases the GIL)
            _parse(path, key, future.set_result)
            if not future.done():  # not the file that was looked at: the reader reads it
                future.set_result(None)
        except BaseException as exc:  # noqa: BLE001 - never raised on this thread
            # before the hand-over (after it, the sheets not parsed tell it): what calamine says of these
            # bytes is handed to the reader as its own (parsing again would only say it again, and a panic
            # prints Rust's note twice); anything else: read again there
            if future.done():
                continue
            if calamine_failed(exc) or isinstance(exc, bounds.WouldAbort):
                future.set_exception(exc)
            else:
                future.set_result(None)
        finally:
            _first_scanned.set()


def calamine_failed(exc: BaseException) -> bool:
    """Whether calamine refused a file: its own errors, and its panics on some damaged ones (pyo3 raises
    PanicException, a BaseException so that `except Exception` does not swallow it; told by name)."""
    from python_calamine import CalamineError

    return isinstance(exc, CalamineError) or type(exc).__name__ == "PanicException"


def _parse(path: str, key: tuple, opened: Callable[[tuple], object]) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or identity(status) != key:
            return
        data = handle.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) == key[2]:
        _parse_sheets(data, opened)


def parse(data: bytes) -> tuple:
    """A workbook's bytes as calamine parses them, after the checks of bounds.py: (its sheets'
    metadata, its Sheets: by index, each parsed sheet, or why it is not given to calamine, or
    calamine's refusal of it). Tried in a child process first where bounds.tried_first says so
    (WouldAbort); calamine's refusal of the whole file is raised. The reader calls this for a file not
    parsed ahead."""
    return _parse_sheets(data, None)


def _parse_sheets(data: bytes, opened: Callable[[tuple], object] | None) -> tuple:
    """parse(), handing (the sheets' metadata, its Sheets) to `opened` as soon as the workbook is open,
    before its sheets are parsed (one by one, on this thread)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    if bounds.tried_first(data):
        _first_scanned.set()  # not scanned: tried in a child process, which holds no GIL of this one
        if bounds.aborts_calamine(data):
            raise bounds.WouldAbort
    measured = _Measured(data)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    del data
    # the workbook itself stays on this thread: calamine's objects may not be used by two at once
    metadata, sheets = book.sheets_metadata, Sheets()
    if opened is not None:
        opened((metadata, sheets))
    try:
        for index, meta in enumerate(metadata):
            refused = measured.refusal(meta.name)
            if refused is not None:
                sheets.put(index, refused)
            elif meta.typ == SheetTypeEnum.WorkSheet:
                try:
                    sheets.put(index, book.get_sheet_by_index(index))
                except BaseException as exc:  # a damaged sheet: said of that sheet when it is read
                    if not calamine_failed(exc):
                        raise
                    sheets.put(index, exc)
    except BaseException as exc:
        sheets.end(exc)  # not calamine's: a fault, said as one by the reader of a sheet not parsed
        raise
    sheets.end()
    return metadata, sheets


class Sheets:
    """A workbook's sheets by index, as they are parsed: each parsed sheet, or why it is not (an
    exception); `get` waits for a sheet not parsed yet, doing the command line's work meanwhile."""

    def __init__(self):
        self._parsed: dict[int, object] = {}
        self._ended = False
        self._fault: BaseException | None = None
        self._changed = threading.Condition()

    def put(self, index: int, sheet: object) -> None:
        with self._changed:
            self._parsed[index] = sheet
            self._changed.notify_all()

    def end(self, fault: BaseException | None = None) -> None:
        with self._changed:
            self._ended, self._fault = True, fault
            self._changed.notify_all()

    def _has(self, index: int) -> bool:
        return index in self._parsed or self._ended

    def get(self, index: int) -> object:
        """The sheet (or why it is not given, an exception), once it is parsed; None for a sheet that
        is not a worksheet."""
        _while_waiting(lambda: self._has(index))
        with self._changed:
            self._changed.wait_for(lambda: self._has(index))
            if index not in self._parsed and self._fault is not None:
                return self._fault
            return self._parsed.get(index)


class _Measured:
    """The extents of a workbook's sheets (bounds.py), measured on a thread of their own: calamine parses
    a sheet as soon as it is measured, while the next ones are (a 15-sheet workbook's parse no longer
    waits for every sheet to be measured first)."""

    def __init__(self, data: bytes):
        self._refusals: dict[str | None, Exception | None] = {}
        self._done = False
        self._changed = threading.Condition()
        threading.Thread(target=self._measure, args=(data,), name="jishu-extents", daemon=True).start()

    def _measure(self, data: bytes) -> None:
        try:
            for name, why in bounds.refusals(io.BytesIO(data)):
                with self._changed:
                    self._refusals[name] = why
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()
            _first_scanned.set()

    def refusal(self, name: str) -> Exception | None:
        """Why the sheet is not given to calamine, once it is measured (None: it may be; also for a sheet
        that could not be measured, where calamine says why)."""
        with self._changed:
            self._changed.wait_for(lambda: name in self._refusals or self._done)
            return bounds.verdict(self._refusals, name)


_meanwhile: list[Callable[[], object]] = []


def meanwhile(work: Callable[[], object]) -> None:
    """Work for the reader while it waits on a parse ahead not yet done (a workbook or a sheet): the
    command line hands over the imports of its output (rich for a table: 0.03 s, otherwise paid after
    the reading). Done once, the first time the reader waits; never if it does not."""
    _meanwhile.append(work)


def taken(handle) -> tuple | None:
    """The parse made ahead of the open file `handle`, if it is that very file (else None); a sheet that
    calamine refused is its exception, raised when its rows are asked for. Each parse is handed out
    once; one under way is waited for, one not begun is called off (never waited on: the thread may be
    waiting for room that files never taken hold)."""
    future, room = _ahead.pop(identity(os.fstat(handle.fileno())), (None, None))
    if future is None or future.cancel():
        return None
    try:
        _while_waiting(future.done)
        return future.result()  # calamine's refusal of the file is raised here, as if parsed here
    finally:
        room.release()


def _while_waiting(done: Callable[[], bool]) -> None:
    """The work handed over by `meanwhile`, done while the reader would wait for a parse."""
    while _meanwhile and not done():
        _meanwhile.pop(0)()
