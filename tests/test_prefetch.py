"""Workbooks parsed ahead (jishu/fast/prefetch.py): a parse is used only for the very file it was made
of, only regular files are opened ahead, and reading never waits on a parse that has not begun."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import TARGETS, resident_id, run

from jishu.fast import prefetch
from jishu.read.workbook import open_workbook


def workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def settled(folder: Path, timeout: float = 30) -> None:
    """Wait until every parse started for the folder's files has ended (or was never begun)."""
    keys = {prefetch.identity(os.stat(p, follow_symlinks=False)) for p in folder.iterdir()}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = [f for k, (f, _) in list(prefetch._ahead.items()) if k in keys and f.running()]
        if not pending:
            return
        time.sleep(0.01)
    raise AssertionError("a parse ahead did not end")


def parses_by_the_reader(monkeypatch) -> list:
    """The workbooks the reader parses itself from now on (those not taken from a parse ahead)."""
    made = []
    parse = prefetch.parse
    monkeypatch.setattr(prefetch, "parse", lambda data: made.append(data) or parse(data))
    return made


def test_the_parse_ahead_is_the_one_read(tmp_path, monkeypatch):
    path = workbook(tmp_path / "a.xlsx", [["身份证号", "姓名"], ["x", "张三"]])
    prefetch.start(tmp_path)
    settled(tmp_path)
    made = parses_by_the_reader(monkeypatch)
    opened = open_workbook(path)
    (sheet,) = opened.tables
    assert not made  # taken from the parse ahead, not parsed again
    assert sheet.rows == [["身份证号", "姓名"], ["x", "张三"]] and sheet.parsed is None
    open_workbook(path)
    assert len(made) == 1  # handed out once


def test_a_workbook_changed_after_its_parse_ahead_is_read_again(tmp_path, monkeypatch):
    path = workbook(tmp_path / "a.xlsx", [["身份证号"], ["old"]])
    prefetch.start(tmp_path)
    settled(tmp_path)
    made = parses_by_the_reader(monkeypatch)
    workbook(tmp_path / "new.tmp", [["身份证号"], ["new"]]).replace(path)  # another file, by a rename
    (sheet,) = open_workbook(path).tables
    assert len(made) == 1 and sheet.rows == [["身份证号"], ["new"]]


def test_only_regular_files_within_the_bound_are_opened_ahead(tmp_path, monkeypatch):
    """A FIFO is never opened (it would block), a symlink never followed, a large file never unpacked
    ahead; reading them is left to the readers, which say why they are not read."""
    good = workbook(tmp_path / "b.xlsx", [["身份证号"], ["1"]])
    big = workbook(tmp_path / "c.xlsx", [["身份证号"], ["1" * 2000]])
    os.mkfifo(tmp_path / "a.xlsx")
    (tmp_path / "d.xlsx").symlink_to(good)
    (tmp_path / "~$b.xlsx").write_bytes(b"lock")
    monkeypatch.setattr(prefetch, "MAX_WORKBOOK_BYTES", good.stat().st_size)
    started = time.monotonic()
    prefetch.start(tmp_path)
    assert time.monotonic() - started < 5
    ahead = set(prefetch._ahead)
    assert prefetch.identity(good.stat()) in ahead
    for other in ("a.xlsx", "c.xlsx", "d.xlsx", "~$b.xlsx"):
        assert prefetch.identity(os.stat(tmp_path / other, follow_symlinks=False)) not in ahead
    settled(tmp_path)
    assert big.stat().st_size > good.stat().st_size


def test_reading_never_waits_on_a_parse_not_begun(tmp_path, monkeypatch):
    """Two files parsed and never taken fill the room ahead; the third is then read at once, not waited
    for (its parse is called off)."""
    monkeypatch.setattr(prefetch, "AHEAD", 2)
    paths = [workbook(tmp_path / f"{n}.xlsx", [["身份证号"], [n]]) for n in ("a", "b", "c")]
    prefetch.start(tmp_path)
    found = {}

    def read_last() -> None:
        found["sheet"] = open_workbook(paths[2]).tables[0]

    reader = threading.Thread(target=read_last, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "reading waited on a parse that could not begin"
    assert found["sheet"].rows == [["身份证号"], ["c"]]


def clerk_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    header = ["身份证号", "姓名", "班级编号", "开班日期", "结业日期", "是否补贴性培训"]
    for name, seq in (("培训台账.xlsx", 1), ("trainings_2.xlsx", 2)):
        row = [resident_id(seq=seq), "张三", f"ZM{seq}", "2022-03-01", "2022-03-05", "是"]
        workbook(data / name, [["中牟县培训台账"], header, row, [resident_id(seq=seq), "x"], ["合计"]])
    return data


def test_the_parse_ahead_changes_nothing_a_run_says(tmp_path):
    """Cold, the same report with and without the workbooks parsed ahead; the parses are taken."""
    data = clerk_folder(tmp_path)
    args = ["check", "--format", "json", "--no-cache", "--data", str(data), "--targets", str(TARGETS)]
    plain = run(args)  # Typer's runner calls the command itself: nothing is parsed ahead
    prefetch.from_arguments(args)
    keys = {prefetch.identity(p.stat()) for p in data.glob("*.xlsx")}
    assert keys <= set(prefetch._ahead)
    ahead = run(args)
    assert not keys & set(prefetch._ahead)  # both taken
    assert (ahead.exit_code, ahead.stdout) == (plain.exit_code, plain.stdout)
    assert "title_rows" in plain.stdout and "ZM2" not in plain.stdout
    real = subprocess.run(
        [sys.executable, "-m", "jishu", *args], capture_output=True, env=dict(os.environ, JISHU_LANG="zh")
    )
    assert (real.returncode, real.stdout.decode()) == (plain.exit_code, plain.stdout)


@pytest.mark.parametrize(
    "args,env,parsed",
    [
        (["progress", "--year", "2022", "--data", "{data}"], {}, True),
        (["check", "--data={data}", "--no-cache"], {}, True),
        (["audit"], {"JISHU_DATA": "{data}"}, True),
        (["progress", "--data", "{data}", "--help"], {}, False),
        (["--version"], {"JISHU_DATA": "{data}"}, False),
        (["check", "--data", "{data}"], {"JISHU_CACHE": "{cache}"}, False),  # a warm cache serves them
        (["check", "--data", "{data}", "--no-cache"], {"JISHU_CACHE": "{cache}"}, True),
    ],
)
def test_which_runs_parse_ahead(tmp_path, monkeypatch, args, env, parsed):
    data = clerk_folder(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "an-entry").mkdir()
    for name, value in {"JISHU_DATA": None, "JISHU_CACHE": str(tmp_path / "empty"), **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value.format(data=data, cache=cache))
    prefetch.from_arguments([a.format(data=data) for a in args])
    keys = {prefetch.identity(p.stat()) for p in data.glob("*.xlsx")}
    assert (keys <= set(prefetch._ahead)) is parsed
    settled(data)


def test_the_command_line_waits_for_the_first_workbook_measured_not_for_its_parse(tmp_path, monkeypatch):
    """The extent scan holds the GIL: the command line is imported once the first workbook's sheets are
    measured, while calamine parses them (and not later: the parse is held back here)."""
    monkeypatch.setattr(prefetch, "_first_scanned", threading.Event())
    monkeypatch.setattr(prefetch, "FIRST_SCAN_SECONDS", 60)
    workbook(tmp_path / "a.xlsx", [["身份证号"], ["1"]])
    gate = threading.Event()
    measured = []

    class Held(prefetch._Measured):
        def refusal(self, name):
            measured.append(name)
            gate.wait(60)  # the parse does not begin until the test lets it
            return super().refusal(name)

    monkeypatch.setattr(prefetch, "_Measured", Held)
    started = time.monotonic()
    prefetch.from_arguments(["check", "--no-cache", "--data", str(tmp_path)])
    assert time.monotonic() - started < 30 and prefetch._first_scanned.is_set()
    gate.set()
    settled(tmp_path)
    assert measured == ["Sheet"]


@pytest.mark.parametrize("content", ["none", "csv only"])
def test_the_command_line_waits_for_no_scan_where_there_is_none(tmp_path, monkeypatch, content):
    monkeypatch.setattr(prefetch, "_first_scanned", threading.Event())
    monkeypatch.setattr(prefetch, "FIRST_SCAN_SECONDS", 60)
    if content == "csv only":
        (tmp_path / "trainings.csv").write_text("身份证号\n1\n", encoding="utf-8")
    started = time.monotonic()
    prefetch.from_arguments(["check", "--no-cache", "--data", str(tmp_path)])
    assert time.monotonic() - started < 30 and not prefetch._first_scanned.is_set()


def test_an_old_workbook_tried_in_a_child_is_not_waited_for(tmp_path, monkeypatch):
    """An .xls is tried in a child process (no scan holding this one's GIL): the command line goes on
    while the trial runs."""
    monkeypatch.setattr(prefetch, "_first_scanned", threading.Event())
    monkeypatch.setattr(prefetch, "FIRST_SCAN_SECONDS", 60)
    (tmp_path / "a.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600))
    trial = threading.Event()
    monkeypatch.setattr(prefetch.bounds, "aborts_calamine", lambda data: trial.wait(60) and False)
    started = time.monotonic()
    prefetch.from_arguments(["check", "--no-cache", "--data", str(tmp_path)])
    assert time.monotonic() - started < 30
    trial.set()
    settled(tmp_path)


def test_the_reader_does_the_command_lines_work_while_it_waits_on_a_parse(tmp_path, monkeypatch):
    """Work handed over (`meanwhile`: the output's imports) is done by the reader while a parse ahead is
    not done, once; a reader that does not wait does not do it."""
    monkeypatch.setattr(prefetch, "_meanwhile", [])
    path = workbook(tmp_path / "a.xlsx", [["身份证号"], ["1"]])
    gate = threading.Event()
    parse = prefetch._parse_sheets
    monkeypatch.setattr(prefetch, "_parse_sheets", lambda data, opened: gate.wait(60) and parse(data, opened))
    prefetch.start(tmp_path)
    done = []
    prefetch.meanwhile(lambda: done.append("imports") or gate.set())  # the parse ends only after it
    (sheet,) = open_workbook(path).tables
    assert done == ["imports"] and sheet.rows == [["身份证号"], ["1"]]

    prefetch.meanwhile(lambda: done.append("again"))
    workbook(tmp_path / "b.xlsx", [["身份证号"], ["2"]])
    prefetch.start(tmp_path)
    settled(tmp_path)
    open_workbook(tmp_path / "b.xlsx")
    assert done == ["imports"]  # the parse was done: nothing to do meanwhile


def test_a_sheet_is_read_while_calamine_parses_the_next(tmp_path, monkeypatch):
    """The reader gets a workbook parsed ahead as soon as it is open, and each sheet as soon as it is
    parsed: it takes the first sheet's rows while the second is still being parsed."""
    book = openpyxl.Workbook()
    book.active.append(["身份证号"])
    book.active.append(["1"])
    book.create_sheet("第二张").append(["身份证号"])
    book.save(tmp_path / "a.xlsx")
    order, gate = [], threading.Event()
    put = prefetch.Sheets.put

    def second_sheet_held(sheets, index, sheet):
        if index == 1:
            gate.wait(5)
            order.append("second parsed")
        put(sheets, index, sheet)

    monkeypatch.setattr(prefetch.Sheets, "put", second_sheet_held)
    prefetch.start(tmp_path)
    first, second = open_workbook(tmp_path / "a.xlsx").tables
    assert first.rows == [["身份证号"], ["1"]]
    order.append("first read")
    gate.set()
    assert second.rows == [["身份证号"]]
    assert order == ["first read", "second parsed"]


def test_a_fault_after_the_hand_over_reaches_the_reader_of_the_sheets_not_parsed(tmp_path, monkeypatch):
    """A fault on the parse thread once the workbook was handed over (not calamine's: a bug) is raised to
    the reader of each sheet not parsed, which never waits for it for ever; the sheets parsed are read."""
    book = openpyxl.Workbook()
    book.active.append(["身份证号"])
    book.create_sheet("第二张").append(["身份证号"])
    book.save(tmp_path / "a.xlsx")
    put = prefetch.Sheets.put

    def fault_on_the_second(sheets, index, sheet):
        if index == 1:
            raise RuntimeError("a fault")
        put(sheets, index, sheet)

    monkeypatch.setattr(prefetch.Sheets, "put", fault_on_the_second)
    prefetch.start(tmp_path)
    ((future, _room),) = (
        v for k, v in prefetch._ahead.items() if k == prefetch.identity(os.stat(tmp_path / "a.xlsx"))
    )
    future.result(timeout=30)  # handed over: the parse ahead is the one read
    first, second = open_workbook(tmp_path / "a.xlsx").tables
    assert first.rows == [["身份证号"]]
    with pytest.raises(RuntimeError, match="a fault"):
        second.rows  # noqa: B018 - the property is the read
