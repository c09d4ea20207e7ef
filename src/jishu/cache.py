"""The validated cache: each ledger file's validated rows and problems, and each ledger assembled.

Where: $JISHU_CACHE if set; else `.jishu-cache/` inside the data folder; if the data folder is
read-only, the user cache folder ($XDG_CACHE_HOME/jishu or ~/.cache/jishu), one subfolder per data
folder. One entry per ledger file, named after the file's path (Arrow IPC files sealed by a content
hash): it is used only when the file's stamp (size, modification and change time, inode), jishu's
version, the cache schema and --encoding all match, so a changed or added file rebuilds only its own
entry. Stamps are taken before a file is read, and a ledger is kept only if its files still have them
once it is ready to be written (a file saved while it was read is read again next time). Each ledger
as assembled from all its files (duplicates settled) is kept as well, with, for certificates, each
holder's earliest issue date; that is all a warm run reads. A ledger's rows are
written as its files are read (EarlyParts), and its entry is put in place once it is assembled. A
ledger whose last file only grew (an append: its bytes cached before are unchanged, by an xxh3
content hash) is read from its entry and the new tail, and the append is kept as one more part of the
entry (issue 16). An entry is a folder written under a temporary name
and renamed into place (atomic); anything unreadable, damaged or inconsistent is treated as missing
and rebuilt. The cache is best effort: a failure to read or write it never fails a command.

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
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from jishu import __version__, schema
from jishu.assemble import Assembled
from jishu.fast.lazy import pc
from jishu.files import TEMP_PREFIX, cache_root, remove_own_temporaries
from jishu.load import FileEntry
from jishu.model import PROBLEM_SCHEMA, Counts
from jishu.read import blocks
from jishu.validate import ValidatedFile

# 3: SplitMix64 key hashes, index of earliest certificates; 4: int32 lines, int16 files;
# 5: problems with sheet, reason and the row referred to; 6: an entry per file with every table of it;
# 7: stamps with change time and inode; 8: the competitions ledger (a `competitions*` file was no ledger before);
# 9: a ledger's parts written early, read through the ranges of rows kept (an older jishu would not apply them)
CACHE_SCHEMA = 9
LEGACY_TEMP_PREFIX = ".tmp-"  # entries being written, before schema 7 (the cache folder is jishu's own)


def _digest(column: pa.ChunkedArray) -> str:
    """xxh3-64 of a column's memory: every buffer of every chunk (validity, offsets, values, and a
    dictionary's), as read from the file."""
    import xxhash

    h = xxhash.xxh3_64()
    for chunk in column.chunks:
        for array in (chunk, chunk.dictionary) if pa.types.is_dictionary(chunk.type) else (chunk,):
            for buffer in array.buffers():
                if buffer is not None:
                    h.update(buffer)
    return h.hexdigest()


def _write_part(path: Path, table: pa.Table) -> dict:
    """Write a table as an Arrow IPC file; its seal: size and a digest per column, taken from the file
    as written (so that what is read back can be checked column by column)."""
    return _written(path, table)[0]


def _written(path: Path, table: pa.Table) -> tuple[dict, pa.Table]:
    """_write_part, and the table as written, memory-mapped."""
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
    written = _map(path)
    seal = {
        "size": os.path.getsize(path),
        "rows": written.num_rows,
        "columns": {name: _digest(written[name]) for name in written.column_names},
    }
    return seal, written


def _map(path: Path) -> pa.Table:
    """An Arrow IPC file, memory-mapped: columns cost nothing until they are used."""
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def _read_part(path: Path, seal: dict, columns: list[str] | None = None) -> pa.Table | None:
    """A part's table (only `columns`, when given) if the file is as written: its size, its rows and the
    digest of each column read; None when anything differs (damaged or replaced: the entry is rebuilt)."""
    if os.path.getsize(path) != seal["size"]:
        return None
    table = _map(path)
    if table.column_names != list(seal["columns"]):  # the schema as written, every column named as it was
        return None
    if columns is not None:
        table = table.select([c for c in table.column_names if c in set(columns)])
    if table.num_rows != seal["rows"] or any(
        _digest(table[c]) != seal["columns"].get(c) for c in table.column_names
    ):
        return None
    return table


def _rows_of_parts(
    entry: Path, meta: dict, numbers: range, columns: list[str] | None, hashes: bool
) -> list[pa.Table] | None:
    """Some parts' rows of a ledger's entry (only `columns`, when given; the key hashes only with
    `hashes`), each without the rows assembling dropped; None when one is damaged."""
    tables = []
    for i in numbers:
        seal = meta["seal"][f"rows-{i}"]
        wanted = [c for c in seal["columns"] if hashes or c != "key_hash"] if columns is None else columns
        table = _read_part(entry / f"rows-{i}.arrow", seal, wanted)
        if table is None:
            return None
        tables.append(_kept(table, seal.get("keep")))
    return tables


def _problems_of_parts(entry: Path, meta: dict, numbers: range) -> list[pa.Table] | None:
    """Some parts' problems of a ledger's entry; None when one is damaged."""
    parts = [_read_part(entry / f"problems-{i}.arrow", meta["seal"][f"problems-{i}"]) for i in numbers]
    if any(p is None or not p.schema.equals(PROBLEM_SCHEMA) for p in parts):
        return None
    return parts


def _joined(tables: list[pa.Table]) -> pa.Table:
    """Tables of one schema one after the other (no copy), also tables without columns: Arrow's
    concatenation of those loses their rows."""
    if len(tables) == 1:
        return tables[0]
    if tables[0].num_columns == 0:
        return pa.table({"rows": pa.nulls(sum(t.num_rows for t in tables))}).drop_columns(["rows"])
    return pa.concat_tables(tables)


def _kept(table: pa.Table, ranges: list[list[int]] | None) -> pa.Table:
    """A part's rows without those assembling dropped after it was written (EarlyParts): its ranges
    of rows kept, as slices (no copy)."""
    if ranges is None:
        return table
    return _joined([table.slice(start, stop - start) for start, stop in ranges] or [table.slice(0, 0)])


MAX_PARTS = 32  # appends kept as parts of a ledger's entry; then they are joined into one part
_BLOCK = 1 << 20  # bytes hashed at a time (read.blocks)


def _content(path: Path, size: int, lines: bool = True, since: tuple | None = None) -> tuple:
    """The first `size` bytes of a file: their xxh3-128 hash (a hasher: its hexdigest), their line feeds
    (when `lines`), their last byte; read a block at a time into one buffer (xxh3 and numpy: a few GB a
    second; not through a memory map, where a file cut short meanwhile kills the process). `since`: the
    hasher of the file's first bytes, their number and their line feeds, when those are known (an
    append: only the bytes after them are read)."""
    import numpy as np
    import xxhash

    digest, start, count = (since[0].copy(), since[1], since[2]) if since else (xxhash.xxh3_128(), 0, 0)
    last, read_to = b"", start
    for offset, buffer, got in blocks(path, start, size, _BLOCK):
        view = memoryview(buffer)[:got]
        digest.update(view)
        if lines:
            count += int(np.count_nonzero(np.frombuffer(view, np.uint8) == 10))
        last, read_to = bytes(view[-1:]), offset + got
        view.release()
    if read_to < size:
        raise OSError("the file is shorter than cached")
    if size and not last:  # nothing read past `since`: the last byte cached
        last = b"".join(bytes(buffer[:got]) for _, buffer, got in blocks(path, size - 1, size))
    return digest, count, last


@dataclass
class Growth:
    """A cached ledger whose last file grew: its entry's meta, the ledger as cached, the files' stamps now,
    how the last file ended when cached (its size, hash and lines), and the hash of those bytes."""

    meta: dict
    old: Assembled
    stamp: list[dict]
    tail: dict
    prefix: object  # the hasher of the bytes cached (xxh3-128), to hash only what was appended


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
        return {
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "ctime_ns": st.st_ctime_ns,
            "ino": st.st_ino,
            "dev": st.st_dev,
            "version": __version__,
            "schema": CACHE_SCHEMA,
            "encoding": self.encoding,
            "file": path.name,
        }

    def stamp_before_reading(self, path: Path) -> dict | None:
        """The file's stamp, None when it cannot be taken (it is then not kept: reading it says why)."""
        try:
            return self.stamp(path)
        except OSError:
            return None

    def unchanged(self, paths: list[Path], stamp: list[dict]) -> bool:
        """Whether the files are still as stamped before they were read (nothing is kept otherwise: what
        was read may be of neither version)."""
        try:
            return self.ledger_stamp(paths) == stamp
        except OSError:
            return False

    def get(self, path: Path, stamp: dict) -> FileEntry | None:
        """Every table of a file (a CSV file has one, a workbook one per sheet), validated, and what was
        said about the file; None when the file changed from the entry's stamp (`stamp`: the file's now)
        or the entry is damaged."""
        entry = self._entry(path)
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            if meta.get("stamp") != stamp:
                return None
            tables = []
            for i, part in enumerate(meta["tables"]):
                table = _read_part(entry / f"rows-{i}.arrow", meta["seal"][f"rows-{i}"])
                problems = _read_part(entry / f"problems-{i}.arrow", meta["seal"][f"problems-{i}"])
                if table is None or problems is None:
                    return None
                if table.num_rows != part["accepted"] or problems.num_rows != part["problems"]:
                    return None
                if not problems.schema.equals(PROBLEM_SCHEMA):
                    return None
                tables.append(
                    (
                        part["ledger"],
                        ValidatedFile(
                            meta["stamp"]["file"],
                            table,
                            problems,
                            part["rows"],
                            part["latest_birth"],
                            part["sheet"],
                            part["footer"],
                            part["encoding"],
                        ),
                    )
                )
            return FileEntry(tables, meta["notices"])
        except Exception:  # noqa: BLE001 - missing, partial or corrupt: rebuild, never trust
            return None

    def put(self, path: Path, found: FileEntry, stamp: dict) -> None:
        tables = [
            {
                "ledger": ledger,
                "sheet": v.sheet,
                "rows": v.rows,
                "accepted": v.table.num_rows,
                "problems": v.problems.num_rows,
                "latest_birth": v.latest_birth,
                "footer": v.footer,
                "encoding": v.encoding,
            }
            for ledger, v in found.tables
        ]
        parts = {}
        for i, (_, validated) in enumerate(found.tables):
            parts[f"rows-{i}"], parts[f"problems-{i}"] = validated.table, validated.problems
        self._write_entry(
            self._entry(path), parts, {"stamp": stamp, "tables": tables, "notices": found.notices}
        )

    # ---- the assembled ledger (all its files, duplicates settled): what a warm run reads

    def _ledger_entry(self, ledger: schema.Ledger) -> Path:
        return self.root / f"ledger-{ledger.name}-{hashlib.sha256(self.encoding.encode()).hexdigest()[:8]}"

    def had_ledger(self, ledger: schema.Ledger) -> bool:
        """Whether the ledger has an entry, current or stale."""
        return (self._ledger_entry(ledger) / "meta.json").is_file()

    def ledger_stamp(self, paths: list[Path], stamps: list[dict] | None = None) -> list[dict]:
        """The stamps of a ledger's files (taken now, or `stamps` taken before), with their full paths."""
        return [
            s | {"path": str(p.resolve())}
            for p, s in zip(paths, stamps or map(self.stamp, paths), strict=True)
        ]

    def get_ledger(self, ledger: schema.Ledger, paths: list[Path], needs) -> Assembled | None:
        """The assembled ledger if every file is unchanged, with only what `needs` (load.Needs) asks
        for: its columns, its problems, the certificate holders."""
        columns = None if needs.columns is None else needs.columns.get(ledger.name, [])
        try:
            meta = self._ledger_meta(ledger)
            if meta is None or meta.get("stamp") != self.ledger_stamp(paths):
                return None
            return self._read_ledger(ledger, meta, columns, needs.problems, needs.holders)
        except Exception:  # noqa: BLE001 - missing, stale, partial or corrupt: rebuild
            return None

    def _ledger_meta(self, ledger: schema.Ledger) -> dict | None:
        meta = json.loads((self._ledger_entry(ledger) / "meta.json").read_text(encoding="utf-8"))
        return meta if meta.get("version") == [__version__, CACHE_SCHEMA] else None

    def _read_ledger(
        self,
        ledger: schema.Ledger,
        meta: dict,
        columns: list[str] | None,
        problems_too: bool,
        holders: bool,
        hashes: bool = False,
    ) -> Assembled | None:
        """A ledger entry's parts (the whole ledger, then each append), read and put together; the key
        hashes only when asked for (`hashes`: for an append)."""
        entry = self._ledger_entry(ledger)
        tables = _rows_of_parts(entry, meta, range(meta["parts"]), columns, hashes)
        if tables is None:
            return None
        table = _joined(tables)
        if table.num_rows != meta["counts"]["accepted"]:
            return None
        problems = None
        if problems_too:
            parts = _problems_of_parts(entry, meta, range(meta["parts"]))
            if parts is None:
                return None
            problems = pa.concat_tables(parts)
            if problems.num_rows != meta["problems"]:
                return None
        earliest = None
        if holders and "earliest" in meta["seal"]:
            earliest = self._earliest(entry / "earliest.arrow", meta)
        return Assembled(
            meta["files"],
            table,
            problems,
            Counts(**meta["counts"]),
            meta["latest_birth"],
            earliest=earliest,
            notices=meta["notices"],
        )

    @staticmethod
    def _earliest(path: Path, meta: dict):
        """The certificates' earliest-issue index; None if unusable (then it is worked out afresh)."""
        try:
            table = _read_part(path, meta["seal"]["earliest"])
            ok = (
                table is not None
                and table.num_rows == meta["earliest"]
                and table.column_names == ["person_id", "issue_date"]
            )
            return table if ok else None
        except Exception:  # noqa: BLE001 - damaged: the caller works it out from the ledger instead
            return None

    def put_ledger(
        self,
        ledger: schema.Ledger,
        stamp: list[dict],
        assembled,
        tail: dict | None = None,
        early: EarlyParts | None = None,
    ) -> None:
        """Keep an assembled ledger (its table with the key hashes, for later appends). `tail`: how the
        last file ended (grown_ledger), when rows appended to it may later be read on their own. `early`:
        parts of its rows already written while its later files were read."""
        meta = {
            "stamp": stamp,
            "version": [__version__, CACHE_SCHEMA],
            "files": assembled.files,
            "counts": assembled.counts.model_dump(),
            "latest_birth": assembled.latest_birth,
            "problems": assembled.problems.num_rows,
            "notices": assembled.notices,
            "tail": tail,
        }
        if early is None:
            to_write, meta["seal"] = {0: assembled.table}, {}
        else:
            try:
                to_write, meta["seal"] = early.settle(assembled.table)
            except Exception:  # noqa: BLE001 - best effort: a ledger whose parts do not add up is not kept
                return
        count = len(to_write) + len(meta["seal"])
        meta |= {"parts": count, "base": count}
        parts = {f"rows-{i}": table for i, table in to_write.items()}
        empty = assembled.problems.schema.empty_table()
        parts |= {f"problems-{i}": assembled.problems if i == 0 else empty for i in range(count)}
        if assembled.earliest is not None:
            meta["earliest"] = assembled.earliest.num_rows
            parts["earliest"] = assembled.earliest
        self._write_entry(
            self._ledger_entry(ledger), parts, meta, folder=early.folder if early is not None else None
        )

    def early_parts(self) -> EarlyParts | None:
        """A ledger's entry begun before its last file is read; None when the folder cannot be made."""
        try:
            return EarlyParts(Path(tempfile.mkdtemp(dir=self.root, prefix=f"{TEMP_PREFIX}{os.getpid()}-")))
        except OSError:
            return None

    # ---- appends (issue 16): a ledger whose last file only grew is read from its cache and the new tail

    def tail_of(self, path: Path, size: int, grown: Growth | None = None) -> dict | None:
        """How a CSV file ends, to tell an append from any other change later: its size, a content hash
        of those bytes, its lines; None when its last line is not complete (an append could change it).
        `grown`: the file grew from what was cached, whose bytes are then not read again."""
        since = (grown.prefix, grown.tail["size"], grown.tail["lines"]) if grown else None
        try:
            digest, lines, last = _content(path, size, since=since)
        except OSError:
            return None
        if last != b"\n":
            return None
        return {"path": str(path.resolve()), "size": size, "hash": digest.hexdigest(), "lines": lines}

    def grown_ledger(
        self,
        ledger: schema.Ledger,
        paths: list[Path],
        columns: list[str] | None,
        problems_too: bool,
        holders: bool,
    ) -> Growth | None:
        """The cached ledger and what its last file gained, when that file only grew (its bytes up to the
        size cached are the same, by a content hash) and every other file is unchanged; else None."""
        try:
            meta = self._ledger_meta(ledger)
            tail = meta.get("tail") if meta else None
            if tail is None or not paths:
                return None
            now = self.ledger_stamp(paths)
            before = meta["stamp"]
            if len(now) != len(before) or now[:-1] != before[:-1] or now[-1]["path"] != tail["path"]:
                return None
            grown = now[-1]
            if grown["size"] <= tail["size"] or any(
                grown[k] != before[-1][k] for k in ("version", "schema", "encoding", "file")
            ):
                return None
            prefix = _content(paths[-1], tail["size"], lines=False)[0]
            if prefix.hexdigest() != tail["hash"]:
                return None
            wanted = None if columns is None else sorted({*columns, *ledger.key, "key_hash", "line", "file"})
            old = self._read_ledger(ledger, meta, wanted, problems_too, holders, hashes=True)
            if old is None or "key_hash" not in old.table.column_names:
                return None
            return Growth(meta, old, now, tail, prefix)
        except Exception:  # noqa: BLE001 - anything unexpected: the whole ledger is read again
            return None

    def append_ledger(
        self,
        ledger: schema.Ledger,
        growth: Growth,
        rows: pa.Table,
        problems: pa.Table,
        counts: Counts,
        latest_birth: int,
        earliest: pa.Table | None,
        tail: dict | None,
    ) -> None:
        """Keep an append as one more part of the ledger's entry (the parts before are linked, not copied);
        after MAX_PARTS appends, those appends and this one are joined into one part (the rows as cached:
        nothing is read or checked again; the parts before them stay linked), which counts as the
        ledger's from then on."""
        entry = self._ledger_entry(ledger)
        n = growth.meta["parts"]
        base = pa.ipc.open_file(pa.memory_map(str(entry / "rows-0.arrow"))).schema  # every part as the first
        rows = rows.select(base.names).cast(base)
        meta = growth.meta | {
            "stamp": growth.stamp,
            "counts": counts.model_dump(),
            "latest_birth": latest_birth,
            "problems": growth.meta["problems"] + problems.num_rows,
            "parts": n + 1,
            "tail": tail,
        }
        parts = {f"rows-{n}": rows, f"problems-{n}": problems}
        kept = [f"rows-{i}" for i in range(n)] + [f"problems-{i}" for i in range(n)]
        first = growth.meta.get("base", 1)  # the first append kept as a part of its own
        if n + 1 - first > MAX_PARTS:
            appended = range(first, n)
            tables = _rows_of_parts(entry, growth.meta, appended, None, hashes=True)
            found = _problems_of_parts(entry, growth.meta, appended)
            if tables is None or found is None:
                return
            parts = {
                f"rows-{first}": _joined([*tables, rows]),
                f"problems-{first}": pa.concat_tables([*found, problems]),
            }
            meta |= {"parts": first + 1, "base": first + 1}
            kept = [f"rows-{i}" for i in range(first)] + [f"problems-{i}" for i in range(first)]
        if earliest is not None:
            meta["earliest"] = earliest.num_rows
            parts["earliest"] = earliest
        self._write_entry(entry, parts, meta, linked={part: entry / f"{part}.arrow" for part in kept})

    def _write_entry(
        self, entry: Path, parts: dict, meta: dict, linked: dict | None = None, folder: Path | None = None
    ) -> None:
        """Write an entry folder (one Arrow IPC file per part, sealed column by column, and meta.json)
        under a temporary name, then rename it into place (atomic). `linked`: parts kept from the entry
        there, hard-linked. `folder`: the temporary folder, when some parts were written into it before
        (their seals in meta). Arrow IPC: written ten times faster than Parquet (so a run that builds the
        cache costs little more than one without it) and read by memory map (a warm run touches only
        the columns it uses, and checks those)."""
        tmp = folder
        try:
            if tmp is None:
                tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
            seals = dict(meta["seal"]) if folder is not None else {}  # of the parts written before
            for part, source in (linked or {}).items():
                os.link(source, tmp / f"{part}.arrow")
                seals[part] = meta["seal"][part]
            for part, table in parts.items():
                seals[part] = _write_part(tmp / f"{part}.arrow", table)
            meta = meta | {"seal": seals}
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


def _rows_by_file(files: pa.ChunkedArray, tables: int):
    """How many rows each of the ledger's tables has (`files`: each row's table index, under `tables`),
    chunk by chunk: a chunk of one table is counted by its length (a province's 20 million indices
    copied into one array and widened for bincount took 0.3 s)."""
    import numpy as np

    kept = np.zeros(tables, np.int64)
    for chunk in files.chunks:
        if len(chunk) == 0:
            continue
        low, high = (value.as_py() for value in pc.min_max(chunk).values())
        if low is None or low < 0 or high >= tables:
            raise ValueError("rows of tables not written")
        if low == high:
            kept[low] += len(chunk)
        else:
            kept += np.bincount(chunk.to_numpy(zero_copy_only=False), minlength=tables)
    return kept


MAX_GAPS = 64  # rows of a part written early that assembling may drop (each a gap in the part as read)


class EarlyParts:
    """A ledger's rows written to its cache entry while its later files are still being read: a
    province's trainings are 1.2 GB, which written after the last file would be a third of the run
    that builds the cache, and which need not be held whole in memory meanwhile. Each part holds whole
    tables (a file, or a sheet) in ledger order, every column, with their `file` column as assembling
    adds it. Once the ledger is assembled (`settle`), a part is kept when assembling dropped none of its
    rows (duplicates of earlier rows) or a few (then the part is read without them: its seal lists the
    ranges of rows kept), else it is written again without them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.spans: list[tuple[int, int, int, dict]] = []  # first table, end table, rows, seal
        self.failed = False

    def write(self, first: int, tables: list[pa.Table]) -> pa.Table | None:
        """Write tables `first`… of the ledger as its next part (on the writer thread); the part as
        written, memory-mapped (None when it could not be written)."""
        if self.failed:
            return None
        try:
            table = pa.concat_tables(tables)
            seal, written = _written(self.folder / f"rows-{len(self.spans)}.arrow", table)
            self.spans.append((first, first + len(tables), table.num_rows, seal))
            return written
        except Exception:  # noqa: BLE001 - best effort: the ledger is then not kept
            self.failed = True
            return None

    def settle(self, table: pa.Table) -> tuple[dict[int, pa.Table], dict]:
        """The ledger's entry from the parts written early, once it is assembled (`table`: its rows in
        file order, then line order; it may hold fewer columns than the parts): the seals of the parts
        kept, with the ranges of rows kept when assembling dropped some, and the parts to write again
        (from the part as written, without the rows dropped), by part number. Raises when the parts do
        not add up to the ledger (then it is not kept)."""
        import numpy as np

        if self.failed or not self.spans:
            raise ValueError("no parts")
        tables = self.spans[-1][1]
        kept = _rows_by_file(table["file"], tables)
        starts = np.concatenate([[0], np.cumsum(kept)])
        to_write, seals, schema = {}, {}, None
        for i, (first, end, rows, seal) in enumerate(self.spans):
            written = _map(self.folder / f"rows-{i}.arrow")
            schema = schema or written.schema
            if not written.schema.equals(schema) or any(
                not written.schema.field(f.name).equals(f) for f in table.schema
            ):
                raise ValueError("another schema")
            start, stop = int(starts[first]), int(starts[end])
            if stop - start == rows:  # rows are only ever dropped: none was
                seals[f"rows-{i}"] = seal
                continue
            keep = self._rows_kept(written, table.slice(start, stop - start))
            if rows - (stop - start) <= MAX_GAPS:
                edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
                seals[f"rows-{i}"] = seal | {"keep": edges.reshape(-1, 2).tolist()}
            else:
                to_write[i] = written.filter(pa.array(keep))
                os.unlink(self.folder / f"rows-{i}.arrow")  # a new file in its place: the map stays valid
        return to_write, seals

    @staticmethod
    def _rows_kept(written: pa.Table, ledger: pa.Table):
        """Which rows of a part the ledger kept (its rows of the part's tables: `ledger`), by file and line."""
        import numpy as np

        def where(t: pa.Table):
            return t["file"].to_numpy().astype(np.int64) << 32 | t["line"].to_numpy()

        theirs, mine = where(ledger), where(written)
        found = np.searchsorted(theirs, mine)  # both ascending
        keep = (
            theirs[np.minimum(found, len(theirs) - 1)] == mine if len(theirs) else np.zeros(len(mine), bool)
        )
        if int(keep.sum()) != len(theirs):
            raise ValueError("rows the part does not have")
        return keep

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
