"""Files jishu writes and reads outside the ledgers, safely (SPEC §6).

Every write (the nightly summary, `-o`, `--export`) goes into a new temporary file in the target's
folder, is flushed to disk and renamed over the target: a symlink at the target is replaced, never
written through; a failed write (a full disk) leaves the previous file whole and no temporary file.
Temporary files carry jishu's own prefix, and jishu removes only those.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

TEMP_PREFIX = ".jishu-tmp-"
FOLDER_NAME = ".jishu-cache"  # the cache's folder inside a data folder (cache.py)


def cache_root(data_dir: Path) -> Path:
    """Where the data folder's cache is (cache.py's docstring says why there)."""
    env = os.environ.get("JISHU_CACHE")
    if env:
        return Path(env)
    data_dir = Path(data_dir).resolve()
    if os.access(data_dir, os.W_OK):
        return data_dir / FOLDER_NAME
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jishu"
    return base / hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    temporary = write_temporary(path, data, mode)
    commit(temporary, path)


def write_temporary(path: Path, data: bytes, mode: int = 0o644) -> Path:
    """The first half of write_atomic: `data` in a new temporary file beside `path`, on disk, with its
    mode set; on failure nothing is left behind (OSError is raised)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name)


def commit(temporary: Path, path: Path) -> None:
    """The second half: rename the temporary file over the target (a symlink there is replaced)."""
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def discard(temporaries: list[Path]) -> None:
    for temporary in temporaries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def remove_own_temporaries(folder: Path, also: str | None = None) -> None:
    """Remove the temporary files (or folders) a killed jishu run left in a folder: only jishu's own
    (by their prefix), and only those of runs no longer alive (their process id is in the name).
    `also`: another prefix that is jishu's in this folder (whatever follows it)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        ours = entry.name.startswith(TEMP_PREFIX) and not _alive(
            entry.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        )
        if ours or (also and entry.name.startswith(also)):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_regular(path: Path) -> bool:
    """Whether the path (its symlinks followed) is a regular file: never a FIFO, device or socket,
    which could block a read or never end."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def inside(path: Path, folder: Path) -> bool:
    """Whether a path to be written (or its folder, symlinks resolved) lies inside a folder."""
    try:
        target = Path(os.path.realpath(path.parent)) / path.name
        return Path(os.path.realpath(target)).is_relative_to(Path(os.path.realpath(folder)))
    except (OSError, ValueError):
        return False
