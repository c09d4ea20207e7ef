"""Process settings for the command line: allocators, threads, and pyarrow's import of pandas.

Only the command line calls `prepare`; the library leaves a notebook's process as it is.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

LARGE_LEDGERS = 1 << 30  # bytes of ledger files in the data folder from which freed memory is kept for reuse


def threads() -> int:
    """Threads for reading and checking (numpy and pyarrow release the GIL): JISHU_THREADS, else up to 2."""
    try:
        return max(int(os.environ.get("JISHU_THREADS") or 0), 0) or min(2, os.cpu_count() or 1)
    except ValueError:
        return min(2, os.cpu_count() or 1)


@contextlib.contextmanager
def many_objects() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a report makes hundreds of thousands of objects
    that hold no cycles (a province's audit findings, a check's problems): otherwise each collection
    walks all of them again, which was half the time of putting the audit's findings into words."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ledger_bytes(data: Path) -> int:
    try:
        return sum(
            e.stat().st_size
            for e in os.scandir(data)
            if e.name.lower().endswith(".csv") and e.is_file(follow_symlinks=False)
        )
    except OSError:
        return 0


def tune_allocators(data: Path) -> None:
    """Allocator settings by the size of the ledgers: how long freed memory is kept before it is returned.

    A run allocates and frees large arrays batch after batch. Memory returned to the system is zeroed
    again by the kernel when it is taken back: on the province-sized benchmark (4 GB of CSV) that cost
    about a third of the run (perf: clear_page_erms; 18.9 s against 10.9 s when kept). Keeping it costs
    memory instead, since each thread keeps what it freed: at city size (0.45 GB of CSV), keeping it
    for mimalloc's default second raised peak memory from 0.59 to 0.77 GB for no measurable gain in
    time. So from LARGE_LEDGERS bytes of CSV freed memory is kept for the whole run, below that it goes
    back after 10 ms. Only where the user has not set these themselves."""
    if _ledger_bytes(data) < LARGE_LEDGERS:
        os.environ.setdefault("MIMALLOC_PURGE_DELAY", "10")  # pyarrow's allocator; read when pyarrow loads
        return
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "-1")
    # numpy asks for transparent huge pages for large arrays; faulting them in (2 MB zeroed at a time)
    # cost more system time than it saved (province: 2.3-2.8 s against 3.2-3.6 s, four runs each).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        most = ctypes.c_int((1 << 31) - 1)  # mallopt takes a C int
        libc.mallopt(-1, most)  # M_TRIM_THRESHOLD: do not give the heap top back
        # M_MMAP_THRESHOLD: arrays up to 32 MB (a batch's temporaries) from the heap, reused after free;
        # larger ones (a few whole-column copies) mapped afresh. All from the heap kept more dead memory
        # and was no faster (province: 8.9 against 8.7 s, median of five).
        libc.mallopt(-3, ctypes.c_int(32 << 20))
    except (OSError, AttributeError):
        pass


def _without_pandas_in_pyarrow() -> None:
    """pyarrow imports pandas (about 0.1 s) the first time it converts any Python value, only to ask
    whether that value is a pandas object. jishu never hands it one, so on the command line pyarrow's
    one import attempt is made to fail. A later `import pandas` works as usual."""
    import importlib.abc

    class NoPandas(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "pandas":
                raise ImportError("pandas is not needed by pyarrow here")

    blocker = NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        import pyarrow

        pyarrow.scalar(0)  # the shim tries its import here, once
    finally:
        sys.meta_path.remove(blocker)


def prepare(data: Path) -> None:
    """Settings that must be made before pyarrow loads; once per process, from the command line."""
    if "pandas" in sys.modules or "pyarrow" in sys.modules:
        return
    tune_allocators(data)
    _without_pandas_in_pyarrow()
