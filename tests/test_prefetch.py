"""Workbooks parsed ahead (jishu/fast/prefetch.py): a parse is used only for the very file it was made
of, only regular files are opened ahead, and reading never waits on a parse that has not begun."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import openpyxl
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


def test_the_parse_ahead_is_the_one_read(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["身份证号", "姓名"], ["x", "张三"]])
    prefetch.start(tmp_path)
    settled(tmp_path)
    opened = open_workbook(path)
    (sheet,) = opened.tables
    assert sheet.parsed is not None  # taken from the parse ahead, not parsed again
    assert sheet.rows == [["身份证号", "姓名"], ["x", "张三"]] and sheet.parsed is None
    assert open_workbook(path).tables[0].parsed is None  # handed out once


def test_a_workbook_changed_after_its_parse_ahead_is_read_again(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["身份证号"], ["old"]])
    prefetch.start(tmp_path)
    settled(tmp_path)
    workbook(tmp_path / "new.tmp", [["身份证号"], ["new"]]).replace(path)  # another file, by a rename
    (sheet,) = open_workbook(path).tables
    assert sheet.parsed is None and sheet.rows == [["身份证号"], ["new"]]


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


def test_the_parse_ahead_changes_nothing_a_run_says(tmp_path, monkeypatch):
    """Through the command line, cold: the same report with and without workbooks parsed ahead."""
    data = tmp_path / "data"
    data.mkdir()
    header = ["身份证号", "姓名", "班级编号", "开班日期", "结业日期", "是否补贴性培训"]
    for name, seq in (("培训台账.xlsx", 1), ("trainings_2.xlsx", 2)):
        row = [resident_id(seq=seq), "张三", f"ZM{seq}", "2022-03-01", "2022-03-05", "是"]
        workbook(data / name, [["中牟县培训台账"], header, row, [resident_id(seq=seq), "x"], ["合计"]])
    args = ["check", "--format", "json", "--no-cache", "--data", str(data), "--targets", str(TARGETS)]
    ahead = run(args)
    monkeypatch.setattr(prefetch, "start", lambda folder: None)
    plain = run(args)
    assert (ahead.exit_code, ahead.stdout) == (plain.exit_code, plain.stdout)
    assert "title_rows" in plain.stdout and "ZM2" not in plain.stdout
