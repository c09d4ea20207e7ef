"""The validated cache: used when files are unchanged, rebuilt per changed file, never trusted when
damaged, bypassed by --no-cache, placed where the README says."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu import load as ledgers
from tests.conftest import FIXTURES, ROOT, TARGETS, TRAINING_HEADER, resident_id, run, write_csv

SMALL = FIXTURES / "golden" / "small"
AS_OF = dt.date(2022, 12, 31)


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(SMALL, folder)
    return folder


def load(folder: Path, **kw):
    return ledgers.load(folder, AS_OF, **kw)


def figures(books) -> dict:
    return {name: (c.model_dump(), books[name].num_rows) for name, c in books.counts().items()}


def test_second_run_comes_from_the_cache_with_the_same_numbers(data):
    first = load(data)
    assert first.files_read == 4 and (data / ".jishu-cache").is_dir()
    second = load(data)
    assert second.files_read == 0
    assert figures(second) == figures(first)
    assert second.problems.to_pylist() == first.problems.to_pylist()


def test_a_changed_or_added_file_is_read_alone(data):
    write_csv(
        data / "trainings_b.csv",
        TRAINING_HEADER,
        [[resident_id(seq=778), "", "ZM22-08", "2022-05-01", "2022-05-20", "是", "韩寺镇"]],
    )
    load(data)
    write_csv(
        data / "trainings_extra.csv",
        TRAINING_HEADER,
        [[resident_id(seq=777), "", "ZM22-09", "2022-05-01", "2022-05-20", "是", "韩寺镇"]],
    )
    books = load(data)
    # the first build wrote the ledger's entry only, so this first change reads the ledger's three files
    # (and now keeps an entry for each); the other ledgers come whole from the cache
    assert books.files_read == 3 and books.cache_hits == 0
    assert books.counts()["trainings"].accepted == 6
    write_csv(
        data / "trainings_extra2.csv",
        TRAINING_HEADER,
        [[resident_id(seq=779), "", "ZM22-10", "2022-05-01", "2022-05-20", "是", "韩寺镇"]],
    )
    books = load(data)
    # from the second change on, only what changed is read; the others come from their own entries
    # (a ledger's only file has no entry of its own: its ledger's entry holds all of it)
    assert books.files_read == 1 and books.cache_hits == 3
    assert books.counts()["trainings"].accepted == 7
    hires = data / "hires.csv"
    hires.write_bytes(hires.read_bytes() + b"\n")  # size and mtime change, content the same
    books = load(data)
    assert books.files_read == 1


def damage_file(rows: Path, damage: str) -> None:
    if damage == "truncate":
        rows.write_bytes(rows.read_bytes()[: rows.stat().st_size // 2])
    elif damage == "garbage":
        rows.write_bytes(b"\x00" * rows.stat().st_size)
    elif damage == "flipped_byte":  # one byte of column data: same size, schema and footer intact
        file = pa.py_buffer(rows.read_bytes())
        values = pa.ipc.open_file(file).read_all().column("line").chunk(0).buffers()[1]
        at = values.address - file.address  # where the line numbers are stored in the file
        body = bytearray(file.to_pybytes())
        body[at] ^= 0xFF
        rows.write_bytes(bytes(body))
    elif damage == "footer":  # the schema, offsets and row counts: still readable, but renamed
        body = rows.read_bytes()
        at = body.rindex(b"person_id")
        rows.write_bytes(body[:at] + b"person_iD" + body[at + 9 :])


@pytest.mark.parametrize(
    "damage", ["truncate", "garbage", "flipped_byte", "footer", "delete_meta", "wrong_meta"]
)
def test_a_damaged_entry_is_rebuilt_not_trusted(data, damage):
    good = figures(load(data))
    for entry in (data / ".jishu-cache").iterdir():
        for rows in entry.glob("rows-*.arrow"):  # a ledger's parts, a file's tables
            damage_file(rows, damage)
        if damage == "delete_meta":
            (entry / "meta.json").unlink()
        elif damage == "wrong_meta":
            (entry / "meta.json").write_text("{not json")
    books = load(data)
    assert figures(books) == good
    assert books.files_read == 4


def test_no_cache_neither_reads_nor_writes(data):
    books = load(data, use_cache=False)
    assert books.files_read == 4 and not (data / ".jishu-cache").exists()
    load(data)
    result = run(
        [
            "progress",
            "--year",
            "2022",
            "--as-of",
            "2022-12-31",
            "--no-cache",
            "--format",
            "json",
            "--data",
            str(data),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0


def test_cache_location(data, tmp_path, monkeypatch):
    monkeypatch.setenv("JISHU_CACHE", str(tmp_path / "elsewhere"))
    load(data)
    assert (tmp_path / "elsewhere").is_dir() and not (data / ".jishu-cache").exists()
    monkeypatch.delenv("JISHU_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    # A read-only data folder (faked: the tests may run as root, who can write anywhere).
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == data.resolve() else real_access(p, mode)
    )
    load(data)
    assert not (data / ".jishu-cache").exists()
    assert any((tmp_path / "xdg" / "jishu").iterdir())


def test_as_of_before_a_birth_date_does_not_use_the_assembled_entry(data):
    late = resident_id(birth="20230315", seq=1)
    write_csv(
        data / "trainings_late.csv",
        TRAINING_HEADER,
        [[late, "", "ZM22-10", "2022-05-01", "2022-05-20", "是", "韩寺镇"]],
    )
    assert load(data).counts()["trainings"].rejected == 3  # born after 2022-12-31
    later = ledgers.load(data, dt.date(2023, 6, 30))
    assert later.counts()["trainings"].rejected == 2
    again = load(data)
    assert again.counts()["trainings"].rejected == 3


@pytest.mark.parametrize(
    "command",
    [
        ["progress", "--year", "2022", "--by", "township"],
        ["progress", "--period", "2021-2025", "--as-of", "2023-06-30"],
        ["subsidy", "--as-of", "2023-12-31"],
    ],
)
def test_warm_runs_answer_exactly_as_uncached_runs(tmp_path, command):
    """On the shipped sample: the cache (and its index of each holder's earliest certificate, which
    decides 持证就业率 and subsidy rule 2) gives the same output as reading every file."""
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns(".jishu-cache"))
    args = [*command, "--format", "json", "--data", str(folder), "--targets", str(TARGETS)]
    uncached = run([*args, "--no-cache"])
    building, warm = run(args), run(args)
    assert uncached.exit_code == building.exit_code == warm.exit_code == 0
    assert uncached.stdout == building.stdout == warm.stdout
    index = [*(folder / ".jishu-cache").glob("ledger-certificates-*/earliest.arrow")]
    assert len(index) == 1
    index[0].write_bytes(b"\x00" * index[0].stat().st_size)  # a damaged index is not trusted
    assert run(args).stdout == uncached.stdout


@pytest.mark.parametrize("part_rows", [1 << 20, 3])
def test_a_cache_built_by_one_command_serves_every_other(tmp_path, monkeypatch, part_rows):
    """The run that builds the cache holds only the columns its command uses once a table is handed to
    the cache writer (load.PART_ROWS rows at a time; 3 here makes a part of every file): the entry still
    holds every column, so every other command answers from it as it does from the files."""
    import jishu.load

    monkeypatch.setattr(jishu.load, "PART_ROWS", part_rows)
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns(".jishu-cache"))
    common = ["--data", str(folder), "--targets", str(TARGETS), "--as-of", "2023-12-31", "--format", "json"]
    assert run(["progress", "--year", "2022", *common]).exit_code == 0  # builds the cache
    for command in (
        ["progress", "--year", "2023", "--by", "township"],
        ["subsidy"],
        ["audit"],
        ["check"],
    ):
        warm, uncached = run([*command, *common]), run([*command, *common, "--no-cache"])
        assert warm.exit_code == uncached.exit_code and warm.stdout == uncached.stdout, command
        assert len(warm.stdout) > 200


def test_a_ledger_whose_part_cannot_be_written_is_not_kept(tmp_path, monkeypatch):
    """The cache is best effort: a part that fails to be written (a full disk) leaves its ledger out of
    the cache, with nothing left behind, and the run answers as without the cache."""
    import jishu.cache
    import jishu.load

    monkeypatch.setattr(jishu.load, "PART_ROWS", 3)
    written = jishu.cache._written

    def failing(path, table):
        if path.name == "rows-1.arrow" and "line" in table.column_names and "class_id" in table.column_names:
            raise OSError(28, "No space left on device")
        return written(path, table)

    monkeypatch.setattr(jishu.cache, "_written", failing)
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns(".jishu-cache"))
    args = [
        "progress",
        "--year",
        "2022",
        "--data",
        str(folder),
        "--targets",
        str(TARGETS),
        "--format",
        "json",
    ]
    building = run(args)
    cache = folder / ".jishu-cache"
    assert not list(cache.glob("ledger-trainings-*")) and list(cache.glob("ledger-certificates-*"))
    assert not [p for p in cache.iterdir() if p.name.startswith(".jishu-tmp")]
    monkeypatch.setattr(jishu.cache, "_written", written)
    assert building.stdout == run([*args, "--no-cache"]).stdout == run(args).stdout
    assert list(cache.glob("ledger-trainings-*"))


def test_a_written_part_is_held_as_written_not_in_memory(tmp_path):
    """Once a part is in the cache, the run holds its tables as the file maps them: the process's own
    copy is let go (on a virtual machine, fresh memory is what the build pays most for), and what is
    held is the same rows and columns, with the columns the command holds only."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow.compute as pc

    from jishu.assemble import with_file_index
    from jishu.cache import EarlyParts
    from jishu.validate import ValidatedFile

    def table(rows: int, times: int) -> pa.Table:  # in Arrow's memory, as a file's validated table is
        return pa.table(
            {
                "line": pa.array(np.arange(2, rows + 2, dtype=np.int32)),
                "x": pc.multiply(pa.array(np.arange(rows)), times),
            }
        )

    before = pa.total_allocated_bytes()
    first, second = table(500_000, 3), table(1_000, 7)
    early = ledgers._Early(EarlyParts(tmp_path / "entry"), 0)
    (tmp_path / "entry").mkdir()
    for index, table in enumerate([first, second]):
        early.pending.append(with_file_index(table, index))
        early.held.append(ValidatedFile(f"t{index}.csv", table.select(["x"]), pa.table({}), table.num_rows))
    held = early.held
    with ThreadPoolExecutor(1) as writer:
        early.hand_over(writer)
        early.written()
    assert [h.table.column_names for h in held] == [["x"], ["x"]]
    assert held[0].table["x"].to_pylist() == first["x"].to_pylist()
    assert held[1].table["x"].to_pylist() == second["x"].to_pylist()
    del first, second
    assert pa.total_allocated_bytes() - before < 100_000  # 4 MB of x was the process's own


@pytest.mark.parametrize("columns", [["a"], []])
def test_a_part_is_read_through_its_ranges_of_rows_kept(columns):
    """A part written before assembling dropped some of its rows is read through the ranges kept, also
    when a command reads none of its columns (its rows still count)."""
    from jishu.cache import _kept

    part = pa.table({"a": list(range(10))}).select(columns)
    assert _kept(part, [[0, 3], [4, 10]]).num_rows == 9
    assert _kept(part, []).num_rows == 0
    assert _kept(part, None).num_rows == 10
    if columns:
        assert _kept(part, [[0, 3], [4, 10]])["a"].to_pylist() == [0, 1, 2, 4, 5, 6, 7, 8, 9]


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(st.lists(st.integers(0, 5), max_size=20), max_size=6),
    tables=st.integers(1, 6),
)
def test_rows_by_file_counts_each_tables_rows_chunk_by_chunk(chunks, tables):
    """A ledger's rows per table (EarlyParts.settle), counted chunk by chunk, as numpy's bincount of the
    whole column counts them; an index out of range is refused (the parts are then not kept)."""
    import numpy as np

    from jishu.cache import _rows_by_file

    files = pa.chunked_array([pa.array(c, pa.int16()) for c in chunks], pa.int16())
    flat = np.concatenate([np.asarray(c, np.int64) for c in chunks] + [np.zeros(0, np.int64)])
    if len(flat) and flat.max() >= tables:
        with pytest.raises(ValueError):
            _rows_by_file(files, tables)
    else:
        assert _rows_by_file(files, tables).tolist() == np.bincount(flat, minlength=tables).tolist()
