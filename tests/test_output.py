"""Output where its readers are (issue 14, SPEC §5): -o in every format, exports for Excel, tables at 80
columns on a real pseudo-terminal, help in Chinese by default, --version.

Workbooks are opened back with openpyxl and CSV files read as Excel reads them (UTF-8 with a BOM); the
terminal tests run the real command line on a pseudo-terminal of 80 columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time

import openpyxl
import pytest
import yaml
from conftest import ROOT, TARGETS, resident_id, run
from rich.cells import cell_len

SAMPLE = ROOT / "data"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
ID = re.compile(r"^\d{17}[\dX]$")
STD = ["--data", str(SAMPLE), "--targets", str(TARGETS)]


def terminal(args: list[str], columns: int = 80, env: dict | None = None, timeout: float = 120) -> str:
    """The command's output as an 80-column pseudo-terminal shows it (colour codes removed)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("JISHU_")}
    full_env.update({"COLUMNS": str(columns), "LINES": "60", "TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen(
        [sys.executable, "-m", "jishu", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=full_env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    chunks, start = [], time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=30)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")


def without_spinner(shown: str) -> str:
    """The output less the spinner's status line (rich's braille frames), which a read of over a second
    shows on a terminal (`reading and checking the ledgers …`): the report is what is looked at."""
    return "\n".join(line for line in shown.splitlines() if not "\u2800" <= line.lstrip()[:1] <= "\u28ff")


def targets_names() -> tuple[list[str], list[str]]:
    doc = yaml.safe_load(TARGETS.read_text(encoding="utf-8"))
    return [m["name"] for m in doc["metrics"].values()], doc["township_names"]


# ---------------------------------------------------------------- 80 columns


@pytest.mark.parametrize(
    "args",
    [
        ["progress", "--year", "2022", "--as-of", "2022-03-31"],
        ["progress", "--year", "2022", "--as-of", "2022-03-31", "--by", "township"],
        ["progress", "--period", "2021-2025", "--as-of", "2023-12-31", "--by", "township"],
    ],
)
def test_no_metric_or_township_name_is_cut_at_80_columns(args):
    shown = without_spinner(terminal([*args, *STD]))
    lines = shown.splitlines()
    assert all(cell_len(line.rstrip()) <= 80 for line in lines), max(lines, key=cell_len)
    assert "…" not in shown
    metrics, townships = targets_names()
    for name in metrics + (townships if "--by" in args else []):
        if "competition" in name:
            continue
        assert any(name in line for line in lines), f"{name} is not shown whole on one line:\n{shown}"


def test_english_names_wrap_between_words_at_80_columns():
    shown = without_spinner(
        terminal(
            ["progress", "--year", "2022", "--as-of", "2022-03-31", "--by", "township", "--lang", "en", *STD]
        )
    )
    assert all(cell_len(line.rstrip()) <= 80 for line in shown.splitlines())
    assert "…" not in shown
    words = " ".join(shown.split())
    for word in ("Vocational", "skills", "training", "subsidized", "certified", "high-skilled"):
        assert word in words


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--as-of", "2023-12-31"],
        ["subsidy", "--as-of", "2023-12-31"],
        ["audit", "--as-of", "2023-12-31"],
        ["subsidy", "--as-of", "2023-12-31", "--employer", "91410100019739382B"],
    ],
)
def test_other_reports_fit_80_columns(args):
    shown = terminal([*args, *STD])
    lines = shown.splitlines()
    assert lines and all(cell_len(line.rstrip()) <= 80 for line in lines), max(lines, key=cell_len)
    assert not re.search(r"…\s*(│|$)", shown, re.M), "a cell cut short"


def test_township_table_has_a_total_row_and_names_its_ranking():
    result = run(["progress", "--year", "2022", "--as-of", "2022-03-31", "--by", "township", *STD])
    assert result.exit_code == 0
    assert "合计" in result.stdout
    assert "排名依据" in result.stdout


def test_a_finished_period_says_missed_not_behind():
    result = run(["progress", "--year", "2021", "--as-of", "2023-06-30", *STD])
    assert result.exit_code == 0
    assert "已结束" in result.stdout and "截至 2021-12-31" in result.stdout
    assert "滞后" not in result.stdout


def test_every_report_says_how_far_each_ledger_goes():
    for args in (["progress", "--year", "2022"], ["check"], ["subsidy"], ["audit"]):
        result = run([*args, "--as-of", "2022-03-31", *STD])
        assert "数据截至" in result.stdout, args
    doc = __import__("json").loads(
        run(["progress", "--year", "2022", "--as-of", "2022-03-31", "--format", "json", *STD]).stdout
    )
    assert set(doc["data_through"]) >= {"trainings", "certificates", "hires", "payouts"}
    assert all(day is None or day <= "2022-03-31" for day in doc["data_through"].values())


# ---------------------------------------------------------------- -o FILE and --export


@pytest.mark.parametrize(
    "command",
    [
        ["progress", "--year", "2022", "--as-of", "2022-03-31", "--by", "township"],
        ["subsidy", "--as-of", "2023-12-31"],
        ["subsidy", "--as-of", "2023-12-31", "--employer", "91410100019739382B"],
        ["audit", "--as-of", "2023-12-31"],
        ["check", "--as-of", "2023-12-31"],
    ],
)
@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".json", ".md"])
def test_o_writes_every_format(tmp_path, command, ext):
    target = tmp_path / f"report{ext}"
    result = run([*command, "-o", str(target), *STD])
    assert result.exit_code in (0, 1), result.stderr
    assert result.stdout == ""
    assert target.is_file() and str(target) in result.stderr
    data = target.read_bytes()
    if ext == ".csv":
        assert data.startswith(b"\xef\xbb\xbf")
        first = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert re.search(r"[\u4e00-\u9fff]", "".join(first)), first  # headers in the report's language
    elif ext == ".json":
        __import__("json").loads(data)
    elif ext == ".xlsx":
        book = openpyxl.load_workbook(target)
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2"
            assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_o_xlsx_keeps_ids_and_codes_as_text(tmp_path):
    target = tmp_path / "audit.xlsx"
    run(["audit", "--as-of", "2023-12-31", "-o", str(target), *STD])
    sheet = openpyxl.load_workbook(target).worksheets[0]
    header = [c.value for c in sheet[1]]
    for name in ("身份证号", "统一社会信用代码"):
        column = header.index(name)
        values = [row[column] for row in sheet.iter_rows(min_row=2) if row[column].value]
        assert values and all(c.data_type == "s" and c.number_format == "@" for c in values)


def test_check_o_xlsx_lists_each_problem_with_sheet_row_and_letter(tmp_path):
    target = tmp_path / "problems.xlsx"
    result = run(["check", "--as-of", "2023-12-31", "-o", str(target), *STD])
    assert result.exit_code == 1
    sheet = openpyxl.load_workbook(target).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["序号", "文件", "工作表", "行", "列号", "列"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    doc = __import__("json").loads(run(["check", "--as-of", "2023-12-31", "--format", "json", *STD]).stdout)
    assert len(rows) == len(doc["problems"])  # every problem its own row: filterable
    assert any(r[2] for r in rows) and any(r[4] for r in rows)  # sheets of workbooks, column letters


def test_o_refuses_an_unknown_extension(tmp_path):
    result = run(["progress", "--year", "2022", "-o", str(tmp_path / "x.pdf"), *STD])
    assert result.exit_code == 2 and ".xlsx" in result.stderr


@pytest.mark.parametrize("ext", [".xlsx", ".csv"])
def test_export_for_the_finance_office(tmp_path, ext):
    target = tmp_path / f"due{ext}"
    result = run(["subsidy", "--as-of", "2023-12-31", "--export", str(target), "--full-ids", *STD])
    assert result.exit_code == 0
    if ext == ".xlsx":
        sheet = openpyxl.load_workbook(target).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows()]
        header = [c.value for c in rows[0]]
        body, total = rows[1:-1], rows[-1]
        person = header.index("身份证号")
        assert all(r[person].data_type == "s" and ID.match(r[person].value) for r in body)
    else:
        table = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
        header, body, total = table[0], table[1:-1], table[-1]
        total = [type("C", (), {"value": v})() for v in total]
        body = [[type("C", (), {"value": v})() for v in r] for r in body]
    assert header[0] == "序号" and "金额（元）" in header
    assert [int(r[0].value) for r in body] == list(range(1, len(body) + 1))
    assert total[1].value == "合计"
    amount = header.index("金额（元）")
    assert int(total[amount].value) == sum(int(r[amount].value) for r in body)


# ---------------------------------------------------------------- help


def test_help_is_chinese_by_default_and_english_on_request():
    zh = subprocess.run(
        [sys.executable, "-m", "jishu", "progress", "-h"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "JISHU_LANG"},
        cwd=ROOT,
    )
    assert zh.returncode == 0 and "序时进度" in zh.stdout and "选项" in zh.stdout and "示例" in zh.stdout
    en = subprocess.run(
        [sys.executable, "-m", "jishu", "progress", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "JISHU_LANG": "en"},
        cwd=ROOT,
    )
    assert en.returncode == 0 and "Examples" in en.stdout and "Options" in en.stdout


def test_version():
    from jishu import __version__

    result = subprocess.run(
        [sys.executable, "-m", "jishu", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and result.stdout.strip() == f"jishu {__version__}"


def test_completion_is_offered():
    result = subprocess.run(
        [sys.executable, "-m", "jishu", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert "--install-completion" in result.stdout


def test_no_progress_display_on_a_pipe(tmp_path):
    result = run(["progress", "--year", "2022", "--format", "json", *STD])
    assert "正在读取" not in result.stderr


def test_data_through_is_the_latest_date_on_or_before_the_as_of_date():
    """A training still running on the as-of date has its end date after it: that date is not how far the
    ledger goes."""
    import jishu

    ledgers = jishu.ledgers_from_rows(
        "2022-06-30",
        trainings=[
            {
                "person_id": resident_id(seq=1),
                "class_id": "C1",
                "start_date": "2022-03-01",
                "end_date": "2022-03-05",
                "subsidized": "是",
            },
            {
                "person_id": resident_id(seq=2),
                "class_id": "C2",
                "start_date": "2022-06-01",
                "end_date": "2022-07-20",
                "subsidized": "否",
            },
        ],
        certificates=[],
        hires=[],
    )
    assert ledgers["trainings"].num_rows == 2
    assert ledgers.data_through() == {
        "trainings": dt.date(2022, 3, 5),
        "certificates": None,
        "hires": None,
        "payouts": None,
    }
