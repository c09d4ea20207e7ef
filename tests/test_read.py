"""Reading CSV files as Excel/WPS write them: encodings, quoting, line numbers, shapes (SPEC §2)."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jishu.read import Unusable
from jishu.read.csv import _read_slow, decode, read_table

HEADER = ["person_id", "姓名", "class_id"]


def records(table) -> list[list[str]]:
    return [list(r) for r in zip(*[c.to_pylist() for c in table.columns])]


@pytest.mark.parametrize(
    "encoding,bom,newline",
    [("utf-8", False, "\n"), ("utf-8", True, "\r\n"), ("gb18030", False, "\r\n"), ("gbk", False, "\n")],
)
def test_encodings_and_line_endings(tmp_path, encoding, bom, newline):
    text = newline.join(["person_id,姓名,class_id", "1,张三,甲班", "2,李四,乙班"]) + newline
    data = text.encode(encoding)
    path = tmp_path / "t.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    raw = read_table(path)
    assert raw.header == HEADER
    assert records(raw) == [["1", "张三", "甲班"], ["2", "李四", "乙班"]]
    assert raw.lines.tolist() == [2, 3]
    assert (
        raw.encoding
        == {"utf-8": "utf-8-sig" if bom else "utf-8", "gb18030": "gb18030", "gbk": "gb18030"}[encoding]
    )


def test_quoted_newlines_blank_lines_and_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'\na,b\r\n1,"x\r\ny"\r\n\r\n2,"say ""hi"", ok"\r\n3,z')
    raw = read_table(path)
    assert raw.header == ["a", "b"]
    assert records(raw) == [["1", "x\r\ny"], ["2", 'say "hi", ok'], ["3", "z"]]
    assert raw.lines.tolist() == [3, 6, 7]


def test_short_records_are_padded_and_long_ones_cut(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2\n1,2,3,4\n5\n", encoding="utf-8")
    raw = read_table(path)
    assert records(raw) == [["1", "2", ""], ["1", "2", "3"], ["5", "", ""]]
    assert raw.lines.tolist() == [2, 3, 4]


@pytest.mark.parametrize(
    "data,code,line",
    [
        (b"", "file_empty", None),
        (b"\r\n\r\n", "file_empty", None),
        (b"a,b\n1,\x00\n", "file_binary", 2),
        ("a,b\n1,2\n".encode("utf-16"), "file_utf16", None),
        ("a,b\n1,2\n".encode("utf-16-le"), "file_utf16", None),
        (b'a,b\n1,2\n3,"unclosed\n4,5\n', "csv_quote", 3),
        (b"a,b\n1,\x81\n", "file_encoding", 2),
    ],
)
def test_unusable_files(tmp_path, data, code, line):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    found = read_table(path)
    assert isinstance(found, Unusable) and found.code == code
    if line is not None:
        assert found.line == line


@pytest.mark.parametrize("block", [7, 1 << 18])
def test_large_files_are_read_not_mapped(tmp_path, monkeypatch, block):
    """Past the first 64 KB, a NUL is looked for and line feeds and quotes are counted in blocks read
    from the file (read.blocks), never in a memory map: a file cut short while mapped kills the process
    (SIGBUS). A NUL anywhere still makes the file binary, at its line; blocks of any size agree."""
    import mmap

    import jishu.read

    def refuse(*_args, **_kwargs):
        raise AssertionError("a data file was memory-mapped")

    monkeypatch.setattr(mmap, "mmap", refuse)
    blocks = jishu.read.blocks
    monkeypatch.setattr(jishu.read.csv, "blocks", lambda *a, **k: blocks(*a, **{**k, "size": block}))
    rows = [f'{i},"x{i}"\n'.encode() for i in range(12_000)]  # quoted: line feeds and quotes counted
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"".join(rows))
    raw = read_table(path)
    assert raw.num_rows == 12_000 and raw.lines[-1] == 12_001 and records(raw)[-1] == ["11999", "x11999"]
    path.write_bytes(b"a,b\n" + b"".join(rows[:9_000]) + b"9000,\x00\n" + b"".join(rows[9_001:]))
    found = read_table(path)
    assert isinstance(found, Unusable) and (found.code, found.line) == ("file_binary", 9_002)


def test_a_folder_named_like_a_ledger(tmp_path):
    (tmp_path / "trainings_old.csv").mkdir()
    found = read_table(tmp_path / "trainings_old.csv")
    assert isinstance(found, Unusable) and found.code == "file_unreadable"


def test_encoding_override(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n张,三\n".encode("gbk"))
    assert records(read_table(path, "gbk")) == [["张", "三"]]
    found = read_table(path, "utf-8")
    assert isinstance(found, Unusable) and found.code == "file_encoding"


def test_a_decoder_that_raises_a_bare_unicode_error_reports_the_file(tmp_path):
    """punycode's decoder raises UnicodeError, not UnicodeDecodeError: still the file's problem, not a bug."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"person_id,name\n1,2\n")
    found = read_table(path, "punycode")
    assert isinstance(found, Unusable) and found.code == "file_encoding"


def test_a_long_cell(tmp_path):
    path = tmp_path / "t.csv"
    big = "长" * 2_000_000  # about 6 MB in UTF-8
    path.write_text(f"a,b\n1,{big}\n2,x\n", encoding="utf-8")
    raw = read_table(path)
    assert [r[0] for r in records(raw)] == ["1", "2"]
    assert len(records(raw)[0][1]) == 2_000_000


def test_trailing_blank_rows_beyond_the_last_block(tmp_path):
    """Excel's ,,,, rows at the end are known blank however many there are."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b,c\r\n1,2,3\r\n" + b",,\r\n" * 100_000)
    raw = read_table(path, select=lambda header: {0: False})
    assert raw.num_rows == 100_001 and raw.blank_from == 1


def excel_quote(cell: str, always: bool = False) -> str:
    """Quote a cell as Excel does: when it holds a comma, a quote or a line break (some tools: always)."""
    if always or any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


cell = st.text(alphabet=st.sampled_from(list('ab ,"\n\r中文\u3000x1')), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), max_size=8),
    crlf=st.booleans(),
    blank_after=st.sets(st.integers(0, 8)),
    quoted=st.sets(st.integers(0, 2)),
    wanted=st.dictionaries(st.integers(0, 2), st.booleans(), min_size=1),
)
def test_fast_reader_agrees_with_the_csv_module(tmp_path_factory, rows, crlf, blank_after, quoted, wanted):
    """pyarrow (fast path) and Python's csv module (fallback) read the same records at the same lines,
    whichever columns are read (as strings or dictionary-encoded) and whichever are quoted throughout."""
    end = "\r\n" if crlf else "\n"
    out = io.StringIO()
    out.write("a,b,c" + end)
    for i, row in enumerate(rows):
        out.write(",".join(excel_quote(c, always=k in quoted) for k, c in enumerate(row)) + end)
        if i in blank_after:
            out.write(end)
    data = out.getvalue().encode("utf-8")
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(data)
    slow = _read_slow(decode(data, None)[0], "utf-8", str(path))
    # The direct path keeps blank lines as empty records (validation skips them); compare the rest.
    assert nonblank(read_table(path)) == nonblank(slow)
    assert [r for r in records(slow) if any(r)] == [r for r in rows if any(r)]
    some = read_table(path, select=lambda header: wanted)
    assert [c is None for c in some.columns] == [k not in wanted for k in range(3)] or some.complete
    picked = [(line, [r[k] for k in sorted(wanted)]) for line, r in zip(slow.lines.tolist(), records(slow))]
    assert [(line, r) for line, r in picked if any(r)] == [
        (line, [r[k] for k in sorted(wanted)])
        for line, r in zip(some.lines.tolist(), _cells(some))
        if any(r[k] for k in sorted(wanted))
    ]


def _cells(raw) -> list[list[str]]:
    """Records with '' for the columns not read."""
    n = raw.num_rows
    return [list(r) for r in zip(*[c.to_pylist() if c is not None else [""] * n for c in raw.columns])]


def nonblank(raw) -> list[tuple[int, list[str]]]:
    return [(line, r) for line, r in zip(raw.lines.tolist(), records(raw)) if any(r)]


def test_quoted_files_are_read_directly_when_every_record_is_one_line(tmp_path, monkeypatch):
    """Some exporters quote every cell: such files take the direct path (no decoding, only the columns
    used) as long as no record spans lines; one that does is numbered by the general path."""
    from jishu.read import csv as read

    rows = ['"410122198503120212","张三","ZM-1, 二班","2022-03-05"'] * 3
    path = tmp_path / "t.csv"
    path.write_text(
        '"person_id","name","class_id","end_date"\r\n' + "\r\n".join(rows) + "\r\n", encoding="utf-8"
    )
    general = read._read_fast
    monkeypatch.setattr(read, "_read_fast", lambda *a: pytest.fail("took the general path"))
    raw = read_table(path, select=lambda header: {0: False, 2: False, 3: True})
    assert raw.header == ["person_id", "name", "class_id", "end_date"]
    assert raw.columns[2].to_pylist() == ["ZM-1, 二班"] * 3 and raw.lines.tolist() == [2, 3, 4]
    assert raw.columns[3].to_pylist() == ["2022-03-05"] * 3 and raw.columns[1] is None
    path.write_text('"person_id","name"\n"1","two\nlines"\n"2","x"\n', encoding="utf-8")
    monkeypatch.setattr(read, "_read_fast", general)
    raw = read_table(path, select=lambda header: {0: False})
    assert raw.columns[0].to_pylist() == ["1", "2"] and raw.lines.tolist() == [2, 4]


@pytest.mark.parametrize("late", ['9,"a, b"', '9,"ab"', '9,"a\nb"'])
def test_a_quote_after_the_first_64_kb(tmp_path, late):
    """The first 64 KB decide how to start; a quoted cell further on is still read as quoted."""
    path = tmp_path / "t.csv"
    plain = "".join(f"{i},x{i}\n" for i in range(10_000))  # about 90 KB
    path.write_text("a,b\n" + plain + late + "\n10,z\n", encoding="utf-8")
    raw = read_table(path, select=lambda header: {0: False, 1: False})
    values = {'9,"a, b"': "a, b", '9,"ab"': "ab", '9,"a\nb"': "a\nb"}[late]
    assert raw.columns[1].to_pylist()[-2:] == [values, "z"]
    assert raw.lines.tolist()[-2:] == [10_002, 10_003 + late.count("\n")]


def test_a_lone_carriage_return_in_a_cell_is_a_clear_problem(tmp_path):
    """A CR outside quotes inside a line (found by the CLI fuzz run): the file's problem, in words, not a crash."""
    from jishu.read import DATES

    path = tmp_path / "t.csv"
    path.write_bytes(b"person_id,hire_date,name\n1,2022-03-01,a\rb\n2,2022-03-02,c\n")
    found = read_table(path, select=lambda header: {0: False, 1: DATES})
    assert isinstance(found, Unusable) and (found.code, found.reason) == ("csv_malformed", "csv_lone_cr")


@pytest.mark.parametrize("late", ["", '9,"甲\n乙",x\n'])
def test_gb18030_files_are_read_like_utf8_ones(tmp_path, late):
    """Excel on Chinese Windows saves GB18030: once transcoded, such a file is read the same way as a
    UTF-8 one (only the columns used, dictionary-encoded where asked); a record spanning lines is
    still numbered exactly."""
    text = (
        "编号,乡镇,备注\r\n"
        + "".join(f"{i},韩寺镇,第{i}行\r\n" for i in range(1, 4))
        + late
        + "10,官渡镇,末行\r\n"
    )
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("gb18030"))
    raw = read_table(path, select=lambda header: {0: False, 1: True})
    assert raw.encoding == "gb18030" and raw.header == ["编号", "乡镇", "备注"]
    assert raw.columns[1].to_pylist()[:3] == ["韩寺镇"] * 3 and raw.columns[1].to_pylist()[-1] == "官渡镇"
    assert raw.lines.tolist()[-1] == (7 if late else 5)
    assert list(zip(raw.lines.tolist(), raw.columns[0].to_pylist()))[:3] == [(2, "1"), (3, "2"), (4, "3")]


def test_iso_dates_read_as_dates_give_what_the_distinct_value_check_gives(tmp_path, monkeypatch):
    """ISO dates are read by pyarrow as dates (and checked as real dates there); otherwise jishu checks
    each distinct date itself. On bulk ledgers, with a file whose end date comes before its start and
    one with a date that is not a real one, both ways give the same figures and the same problems."""
    import sys

    from jishu import schema
    from jishu.read import csv as read
    from jishu.validate import selector
    from tests.conftest import ROOT, TARGETS, TRAINING_HEADER, run

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    folder = tmp_path / "data"
    generate("tiny", folder)
    write = TRAINING_HEADER
    (folder / "trainings_zy.csv").write_text(
        ",".join(write) + "\n410122199001010123,,ZM22-Y,2022-05-20,2022-05-01,是,韩寺镇\n", encoding="utf-8"
    )
    (folder / "trainings_zz.csv").write_text(
        ",".join(write) + "\n410122199001010123,,ZM22-X,2022-02-30,2022-03-01,是,韩寺镇\n", encoding="utf-8"
    )
    typed = read_table(folder / "trainings_zy.csv", select=selector(schema.LEDGERS["trainings"]))
    assert str(typed.columns[4].type) == "date32[day]"  # the dates were read as dates
    args = ["--data", str(folder), "--targets", str(TARGETS), "--format", "json", "--no-cache"]
    as_dates = (
        run(["progress", "--year", "2022", *args]).stdout,
        run(["check", "--as-of", "2025-12-31", *args]).stdout,
    )
    original = read._pyarrow_read
    monkeypatch.setattr(
        read,
        "_pyarrow_read",
        lambda stream, header, wanted, quoted, dates, **kw: original(
            stream, header, wanted, quoted, dates=False, **kw
        ),
    )
    by_value = (
        run(["progress", "--year", "2022", *args]).stdout,
        run(["check", "--as-of", "2025-12-31", *args]).stdout,
    )
    assert as_dates == by_value
    assert '"date_invalid"' in as_dates[1] and '"date_order"' in as_dates[1]


def test_blocks_never_wait_on_a_fifo(tmp_path):
    """read.blocks (the NUL scan, a quoted file's counts, the cache's hashes, on a thread of its own while
    the file is read) and the read of an append's tail open without waiting: a FIFO swapped in for a
    ledger raises OSError at once (the tail is then read as nothing: the file is read whole)."""
    import threading

    from jishu.read import blocks
    from jishu.read.csv import read_tail

    fifo = tmp_path / "trainings.csv"
    os.mkfifo(fifo)
    outcome = []

    def scan():
        try:
            list(blocks(fifo))
        except OSError as error:
            outcome.append(error)
        outcome.append(read_tail(fifo, 0, ["a"], 1))

    thread = threading.Thread(target=scan, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and len(outcome) == 2
    assert isinstance(outcome[0], OSError) and outcome[1] is None
