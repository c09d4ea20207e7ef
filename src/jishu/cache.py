"""The validated cache: each ledger file's validated rows and problems, stored as Parquet.

Where: $JISHU_CACHE if set; else `.jishu-cache/` inside the data folder; if the data folder is
read-only, the user cache folder ($XDG_CACHE_HOME/jishu or ~/.cache/jishu), one subfolder per data
folder. One entry per ledger file, named after the file's path: it is used only when the file's
size and modification time, jishu's version, the cache schema and --encoding all match, so a changed
or added file rebuilds only its own entry. Each ledger as assembled from all its files (duplicates
settled) is kept as well, with, for certificates, each holder's earliest issue date; that is all a
warm run reads. An entry is a folder written under a temporary name and
renamed into place (atomic); Parquet pages carry CRC checksums, verified on reading, so anything
unreadable, damaged or inconsistent is treated as missing and rebuilt.
The cache is best effort: a failure to read or write it never fails a command.

Safety (SPEC §6): the stamp also holds the file's change time and inode, so an edit that restores the
size and the modification time (`touch -r`) is still seen; the folder is made 0700 whatever the umask,
and a folder owned by another user or writable by group or others is not used at all (it holds full
IDs, and an entry forged there would be believed); temporaries a killed run left are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import zlib
from pathlib import Path

import pyarrow.parquet as pq

from jishu import __version__, schema
from jishu.assemble import Assembled
from jishu.files import TEMP_PREFIX, remove_own_temporaries
from jishu.load import FileEntry
from jishu.model import PROBLEM_SCHEMA, Counts
from jishu.validate import ValidatedFile

# 3: SplitMix64 key hashes, index of earliest certificates; 4: int32 lines, int16 files;
# 5: problems with sheet, reason and the row referred to; 6: an entry per file with every table of it;
# 7: stamps with change time and inode
CACHE_SCHEMA = 7
FOLDER_NAME = ".jishu-cache"
LEGACY_TEMP_PREFIX = ".tmp-"  # entries being written, before schema 7 (the cache folder is jishu's own)


def cache_root(data_dir: Path) -> Path | None:
    env = os.environ.get("JISHU_CACHE")
    if env:
        return Path(env)
    data_dir = Path(data_dir).resolve()
    if os.access(data_dir, os.W_OK):
        return data_dir / FOLDER_NAME
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jishu"
    return base / hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]


def _seal(path: Path) -> list[int]:
    """[size, CRC-32 of the Parquet footer]. Pages carry their own checksums (verified on reading);
    the footer (schema, offsets, row counts) has none, so the entry's meta.json keeps one."""
    with open(path, "rb") as f:
        f.seek(-8, os.SEEK_END)
        length = int.from_bytes(f.read(4), "little")
        f.seek(-8 - length, os.SEEK_END)
        return [os.fstat(f.fileno()).st_size, zlib.crc32(f.read(length + 8))]


def _intact(path: Path, seal: list[int]) -> bool:
    try:
        return _seal(path) == seal
    except (OSError, ValueError):  # missing, or too short to hold a footer
        return False


def _open(path: Path) -> pq.ParquetFile:
    """A cache file, its page checksums verified as pages are read."""
    return pq.ParquetFile(path, memory_map=True, page_checksum_verification=True)


class Unsafe(Exception):
    """The cache folder is not the user's own: owned by another user, writable by others, or a symlink."""

    def __init__(self, root: Path):
        super().__init__(str(root))
        self.root = root


def private_folder(root: Path) -> bool:
    """Make the cache folder (0700 whatever the umask) if missing; whether it is safe to use: a real
    folder, owned by this user, not writable by group or others. Raises Unsafe when it is not; False
    when it cannot be made."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(root, 0o700)
            os.chmod(root, 0o700)  # mkdir's mode is cut by the umask; 0700 is at most what it leaves
        except FileExistsError:
            pass
        status = os.lstat(root)
    except OSError:
        return False
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid() or status.st_mode & 0o022:
        raise Unsafe(root)
    if stat.S_IMODE(status.st_mode) != 0o700:  # made by an older jishu, or copied: readable by others
        try:
            os.chmod(root, 0o700)
        except OSError:
            return False
    return True


class Cache:
    def __init__(self, root: Path, encoding: str | None):
        self.root = root
        self.encoding = encoding or ""

    @classmethod
    def for_data(cls, data_dir: Path, encoding: str | None) -> Cache | None:
        """The data folder's cache; None when it cannot be made; Unsafe when it must not be used."""
        root = cache_root(data_dir)
        if not private_folder(root):
            return None
        remove_own_temporaries(root, also=LEGACY_TEMP_PREFIX)
        return cls(root, encoding)

    def _entry(self, path: Path) -> Path:
        name = f"{path.resolve()}|{self.encoding}"
        return self.root / hashlib.sha256(name.encode()).hexdigest()[:32]

    def stamp(self, path: Path) -> dict:
        """What must match for an entry to be used (taken before the file is read)."""
        st = path.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino,
                "dev": st.st_dev, "version": __version__, "schema": CACHE_SCHEMA, "encoding": self.encoding,
                "file": path.name}

    def get(self, path: Path) -> FileEntry | None:
        """Every table of a file (a CSV file has one, a workbook one per sheet), validated, and what was
        said about the file; None when the file changed or the entry is damaged."""
        entry = self._entry(path)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            if meta.get("stamp") != self.stamp(path):
                return None
            tables = []
            for i, part in enumerate(meta["tables"]):
                if not all(_intact(entry / f"{kind}-{i}.parquet", meta["seal"][f"{kind}-{i}"])
                           for kind in ("rows", "problems")):
                    return None
                table = _open(entry / f"rows-{i}.parquet").read()
                problems = _open(entry / f"problems-{i}.parquet").read()
                if table.num_rows != part["accepted"] or problems.num_rows != part["problems"]:
                    return None
                if not problems.schema.equals(PROBLEM_SCHEMA):
                    return None
                tables.append((part["ledger"], ValidatedFile(meta["stamp"]["file"], table, problems, part["rows"],
                                                             part["latest_birth"], part["sheet"], part["footer"])))
            return FileEntry(tables, meta["notices"])
        except Exception:  # noqa: BLE001 - missing, partial or corrupt: rebuild, never trust
            return None

    def put(self, path: Path, found: FileEntry, stamp: dict) -> None:
        tables = [{"ledger": ledger, "sheet": v.sheet, "rows": v.rows, "accepted": v.table.num_rows,
                   "problems": v.problems.num_rows, "latest_birth": v.latest_birth, "footer": v.footer}
                  for ledger, v in found.tables]
        parts = {}
        for i, (_, validated) in enumerate(found.tables):
            parts[f"rows-{i}"], parts[f"problems-{i}"] = validated.table, validated.problems
        self._write_entry(self._entry(path), parts, {"stamp": stamp, "tables": tables, "notices": found.notices})

    # ---- the assembled ledger (all its files, duplicates settled): what a warm run reads

    def _ledger_entry(self, ledger: schema.Ledger) -> Path:
        return self.root / f"ledger-{ledger.name}-{hashlib.sha256(self.encoding.encode()).hexdigest()[:8]}"

    def ledger_stamp(self, paths: list[Path]) -> list[dict]:
        return [self.stamp(p) | {"path": str(p.resolve())} for p in paths]

    def get_ledger(self, ledger: schema.Ledger, paths: list[Path], needs) -> Assembled | None:
        """The assembled ledger if every file is unchanged, with only what `needs` (load.Needs) asks
        for: its columns, its problems, the certificate holders."""
        columns = None if needs.columns is None else needs.columns.get(ledger.name, [])
        entry = self._ledger_entry(ledger)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            if meta.get("stamp") != self.ledger_stamp(paths) or meta.get("version") != [__version__, CACHE_SCHEMA]:
                return None
            if not all(_intact(entry / f"{part}.parquet", meta["seal"][part]) for part in ("rows", "problems")):
                return None
            rows = _open(entry / "rows.parquet")
            wanted = None if columns is None else [c for c in rows.schema_arrow.names if c in set(columns)]
            table = rows.read(columns=wanted)
            if table.num_rows != meta["counts"]["accepted"]:
                return None
            problems = None
            if needs.problems:
                problems = _open(entry / "problems.parquet").read()
                if problems.num_rows != meta["problems"] or not problems.schema.equals(PROBLEM_SCHEMA):
                    return None
            earliest = None
            if needs.holders and "earliest" in meta["seal"]:
                earliest = self._earliest(entry / "earliest.parquet", meta)
            return Assembled(meta["files"], table, problems, Counts(**meta["counts"]), meta["latest_birth"],
                             earliest=earliest, notices=meta["notices"])
        except Exception:  # noqa: BLE001 - missing, stale, partial or corrupt: rebuild
            return None

    @staticmethod
    def _earliest(path: Path, meta: dict):
        """The certificates' earliest-issue index; None if unusable (then it is worked out afresh)."""
        try:
            if not _intact(path, meta["seal"]["earliest"]):
                return None
            table = _open(path).read()
            ok = table.num_rows == meta["earliest"] and table.column_names == ["person_id", "issue_date"]
            return table if ok else None
        except Exception:  # noqa: BLE001 - damaged: the caller works it out from the ledger instead
            return None

    def put_ledger(self, ledger: schema.Ledger, stamp: list[dict], assembled) -> None:
        meta = {"stamp": stamp, "version": [__version__, CACHE_SCHEMA], "files": assembled.files,
                "counts": assembled.counts.model_dump(), "latest_birth": assembled.latest_birth,
                "problems": assembled.problems.num_rows, "notices": assembled.notices}
        if assembled.earliest is not None:
            meta["earliest"] = assembled.earliest.num_rows
        parts = {"rows": assembled.table, "problems": assembled.problems}
        if assembled.earliest is not None:
            parts["earliest"] = assembled.earliest
        self._write_entry(self._ledger_entry(ledger), parts, meta)

    def _write_entry(self, entry: Path, parts: dict, meta: dict) -> None:
        """Write an entry folder (one Parquet file per part, and meta.json) under a temporary name,
        then rename it into place (atomic)."""
        tmp = None
        try:
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
            for part, table in parts.items():
                pq.write_table(table, tmp / f"{part}.parquet", compression="lz4", write_page_checksum=True)
            meta = meta | {"seal": {p: _seal(tmp / f"{p}.parquet") for p in parts}}
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            if entry.exists():
                shutil.rmtree(entry, ignore_errors=True)
            os.rename(tmp, entry)
            tmp = None
        except Exception:  # noqa: BLE001, S110 - the cache is best effort; the run goes on without it
            pass
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
