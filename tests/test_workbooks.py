"""Ledgers as clerks keep them (SPEC §2): workbooks read directly, title/total/footer rows, headers
found, typed cells, positions as Excel shows them, and townships that match.

Workbooks are written by openpyxl (and xlwt for .xls) in temp folders, by tests/clerk_workbooks.py,
which was written from the SPEC alone; the same rows as CSV and as workbooks must give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from clerk_workbooks import (
    credit_code,
    excel_lock_bytes,
    minimal_docx_bytes,
    reshape_folder,
    resident_id,
    two_row_header_workbook,
    typed_cells_workbook,
)
from conftest import FIXTURES, TARGETS, ledger_folder, run
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_oracle_progress import scenario, write_scenario

from jishu.read import DATES, IDS

SMALL = FIXTURES / "golden" / "small"


def check_json(data: Path, *extra: str) -> tuple[int, dict]:
    result = run(
        [
            "check",
            "--format",
            "json",
            "--as-of",
            "2022-12-31",
            "--no-cache",
            "--data",
            str(data),
            "--targets",
            str(TARGETS),
            *extra,
        ]
    )
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


def progress_json(data: Path, *extra: str) -> dict:
    result = run(
        [
            "progress",
            "--year",
            "2022",
            "--as-of",
            "2022-12-31",
            "--format",
            "json",
            "--no-cache",
            "--data",
            str(data),
            "--targets",
            str(TARGETS),
            *extra,
        ]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_clerks_workbooks_give_the_csv_numbers_and_say_what_they_skipped(tmp_path):
    expectation = reshape_folder(SMALL, tmp_path / "books", rng=random.Random(3))
    assert progress_json(tmp_path / "books")["metrics"] == progress_json(SMALL)["metrics"]
    _code, found = check_json(tmp_path / "books")
    _, plain = check_json(SMALL)
    assert found["data"] == plain["data"]
    notices = {(p["file"], p["sheet"], p["code"]) for p in found["problems"] if p["severity"] == "notice"}
    kinds = {
        "title_rows": "title_rows",
        "footer_rows": "footer_rows",
        "lock_file": "lock_file",
        "empty_sheet": "sheet_empty",
        "not_a_ledger": "not_a_ledger",
        "unsupported_file": "file_format_not_read",
    }
    for notice in expectation.notices:
        sheet = notice.sheet if notice.kind not in ("lock_file", "unsupported_file") else None
        assert (notice.file, sheet, kinds[notice.kind]) in notices, notice
    # Every rejected row of the CSV is named where it is in the workbooks: file, sheet, Excel's row, D 结业日期.
    for problem in (p for p in plain["problems"] if p["severity"] == "error" and p["code"] != "duplicate"):
        file, sheet, row, column = expectation.translate(problem["file"], problem["line"], problem["column"])
        assert any(
            p["file"] == file
            and p["sheet"] == sheet
            and p["line"] == row
            and p["code"] == problem["code"]
            and f"{p['letter']} {p['header']}" == column
            for p in found["problems"]
        ), (problem, column)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(sc=scenario(partial=True), seed=__import__("hypothesis").strategies.integers(0, 1000))
def test_the_same_rows_as_csv_and_as_workbooks_give_the_same_numbers(tmp_path_factory, sc, seed):
    folder = tmp_path_factory.mktemp("csv")
    write_scenario(folder, sc)
    books = tmp_path_factory.mktemp("books")
    expectation = reshape_folder(folder, books, rng=random.Random(seed), on_unusable="skip")
    if expectation.unconverted:
        return  # a CSV jishu cannot use at all has no workbook twin
    args = ["--year", str(sc["year"]), "--as-of", sc["as_of"].isoformat()]
    results = []
    for data in (folder, books):
        result = run(
            [
                "progress",
                *args,
                "--format",
                "json",
                "--no-cache",
                "--data",
                str(data),
                "--targets",
                str(TARGETS),
            ]
        )
        assert "Traceback" not in result.stderr
        results.append(
            (result.exit_code, json.loads(result.stdout)["metrics"] if result.exit_code == 0 else None)
        )
    assert results[0] == results[1]


def test_typed_cells(tmp_path):
    """A date cell is a date, a number in a date column an Excel serial, a number in an ID column has
    lost digits (rejected with the "format as text" hint), 12.0 in a whole-number column is 12."""
    data = tmp_path / "data"
    ledger_folder(data, trainings=[], certificates=[])
    (data / "hires.csv").unlink()
    expectation = typed_cells_workbook(data / "中牟县2022年城镇新增就业台账.xlsx")
    _code, found = check_json(data)
    codes = {(p["line"], p["code"]) for p in found["problems"] if p["severity"] == "error"}
    words = {"id_numeric": "id_scientific", "not_whole": "int_invalid"}  # the helper's words → jishu's codes
    for row in expectation.rows:
        wanted = {words[kind] for kind in row.problems.values()}
        assert {c for line, c in codes if line == row.row} == wanted, (row, codes)
    assert found["data"]["hires"]["rejected"] == 2 and found["data"]["hires"]["accepted"] == 5
    scientific = [p for p in found["problems"] if p["code"] == "id_scientific"]
    assert scientific and all("E+17" in p["value"] and "文本" in p["message"] for p in scientific)


def test_a_header_merged_over_two_rows_is_found(tmp_path):
    data = tmp_path / "data"
    ledger_folder(data, certificates=[], hires=[])
    (data / "trainings.csv").unlink()
    two_row_header_workbook(data / "中牟县培训台账.xlsx", merge_required=True)
    _code, found = check_json(data)
    assert found["data"]["trainings"]["accepted"] == 3, found


def test_hidden_sheets_are_read_hidden_columns_ignored_and_xls_read(tmp_path):
    data = tmp_path / "data"
    ledger_folder(data, certificates=[], hires=[])
    (data / "trainings.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "白沙镇"
    person = resident_id(seq=5)
    sheet.append(
        ["身份证号", "班级编号", "结业日期", "是否补贴性培训", "身份证号"]
    )  # the second 身份证号 is hidden
    sheet.append([person, "ZM-1", "2022-05-06", "是", "旧号码"])
    sheet.column_dimensions["E"].hidden = True
    hidden = book.create_sheet("韩寺镇")
    hidden.append(["身份证号", "班级编号", "结业日期", "是否补贴性培训"])
    hidden.append([resident_id(seq=6), "ZM-2", "2022-05-07", "否"])
    hidden.sheet_state = "hidden"
    book.save(data / "trainings_2022.xlsx")
    code, found = check_json(data)
    assert code == 0 and found["data"]["trainings"]["accepted"] == 2, found


def test_an_xls_workbook(tmp_path):
    from clerk_workbooks import title_rows_workbook

    data = tmp_path / "data"
    ledger_folder(data, certificates=[], hires=[])
    (data / "trainings.csv").unlink()
    title_rows_workbook(data / "培训台账.xls")
    _code, found = check_json(data)
    assert found["data"]["trainings"]["accepted"] >= 1
    assert any(p["code"] == "title_rows" for p in found["problems"])


def test_the_cache_keeps_workbooks_like_csv(tmp_path):
    books = tmp_path / "books"
    reshape_folder(SMALL, books, rng=random.Random(5))
    args = [
        "progress",
        "--year",
        "2022",
        "--as-of",
        "2022-12-31",
        "--format",
        "json",
        "--data",
        str(books),
        "--targets",
        str(TARGETS),
    ]
    first, second = run(args), run(args)
    assert first.stdout == second.stdout and (books / ".jishu-cache").is_dir()
    assert first.stdout == run([*args, "--no-cache"]).stdout


def test_lock_files_other_files_and_folders_get_a_notice(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    (data / "~$中牟县培训台账.xlsx").write_bytes(excel_lock_bytes())
    (data / "填报说明.docx").write_bytes(minimal_docx_bytes())
    (data / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (data / "2021年备份").mkdir()
    _code, found = check_json(data)
    notices = {(p["file"], p["code"]) for p in found["problems"] if p["severity"] == "notice"}
    assert {
        ("~$中牟县培训台账.xlsx", "lock_file"),
        ("填报说明.docx", "file_format_not_read"),
        ("photo.jpg", "file_not_read"),
        ("2021年备份", "folder_not_read"),
    } <= notices


def test_total_and_footer_rows_of_a_csv(tmp_path):
    data = tmp_path / "data"
    ledger_folder(data, certificates=[], hires=[])
    header = "序号,身份证号,班级编号,结业日期,是否补贴性培训\n"
    rows = [f"{i},{resident_id(seq=i)},ZM-{i},2022-05-0{i},是\n" for i in range(1, 4)]
    footer = ",,,,\n合计,,,,3人\n制表人：张三,,审核人：李四,,\n"
    (data / "trainings.csv").write_text(
        "中牟县2022年培训台账,,,,\n填报单位：中牟县人社局,,,,\n" + header + "".join(rows) + footer,
        encoding="gbk",
    )
    code, found = check_json(data)
    assert code == 0 and found["data"]["trainings"] == {
        "rows": 3,
        "accepted": 3,
        "rejected": 0,
        "duplicates": 0,
    }
    notices = {(p["code"], p["line"], p["value"]) for p in found["problems"]}
    assert notices == {("title_rows", 3, "2"), ("footer_rows", 8, "2")}
    # A row with a real key is never taken for a footer: it is checked, and rejected here.
    (data / "trainings.csv").write_text(
        header + f"合计,{resident_id(seq=9)},,2022-05-01,是\n", encoding="utf-8"
    )
    code, found = check_json(data)
    assert [p["code"] for p in found["problems"]] == ["required_missing"]


def test_excel_serials_in_a_csv_say_the_date(tmp_path):
    data = tmp_path / "data"
    ledger_folder(
        data,
        trainings=[{"person_id": resident_id(), "class_id": "K1", "end_date": "44652", "subsidized": "是"}],
        certificates=[],
        hires=[],
    )
    _, found = check_json(data)
    (problem,) = found["problems"]
    assert (
        problem["code"] == "date_format" and "2022-04-01" in problem["message"] and problem["letter"] == "E"
    )
    _code, found = check_json(data, "--lang", "en")
    assert "Excel date serial, standing for 2022-04-01" in found["problems"][0]["message"]


def test_townships_map_through_aliases_and_unknown_ones_are_grouped(tmp_path):
    persons = [resident_id(seq=i) for i in range(6)]
    spelled = ["白沙镇", "白沙", "白砂镇", "万滩镇镇", "中牟县白沙镇", ""]
    data = ledger_folder(
        tmp_path / "data",
        trainings=[
            {"person_id": p, "class_id": f"K{i}", "end_date": "2022-05-01", "subsidized": "是", "township": t}
            for i, (p, t) in enumerate(zip(persons, spelled))
        ],
        certificates=[],
        hires=[],
    )
    report = progress_json(data, "--by", "township")
    groups = {g["key"]: g["metrics"][0]["actual"] for g in report["groups"]}
    assert groups["白沙镇"] == 2 and groups["(unrecognised)"] == 3 and groups["(none)"] == 1
    assert report["metrics"][0]["actual"] == 6  # county totals unchanged
    assert len(groups) == 15 + 2  # every listed township, and the two groups of their own
    code, found = check_json(data)
    unknown = {p["value"]: p["message"] for p in found["problems"] if p["code"] == "township_unknown"}
    assert set(unknown) == {"白砂镇", "万滩镇镇", "中牟县白沙镇"} and "白沙镇" in unknown["白砂镇"]
    assert code == 0  # a warning, the rows are kept


def test_a_non_ledger_workbook_and_an_ambiguous_header(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话"])
    book.active.append(["张三", "13800000000"])
    book.save(data / "通讯录.xlsx")
    both = ["身份证号", "班级编号", "结业日期", "是否补贴性培训", "证书编号", "等级", "发证日期"]
    (data / "汇总.csv").write_text(",".join(both) + "\n", encoding="utf-8")
    _code, found = check_json(data)
    codes = {(p["file"], p["code"]) for p in found["problems"] if p["severity"] == "notice"}
    assert {("通讯录.xlsx", "not_a_ledger"), ("汇总.csv", "ledger_ambiguous")} <= codes
    assert credit_code()  # the helper's credit codes are valid (used by reshape_folder)


CELLS = st.one_of(
    st.none(),
    st.text(alphabet=" \t\u3000合计制表人abc1", max_size=4),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=3), min_size=1, max_size=8),
    kind=st.sampled_from([None, False, True, DATES, IDS]),
)
def test_cells_taken_a_column_at_a_time_read_as_each_cell_alone(rows, kind):
    """The column-at-once ways of turning cells into text agree with the cell-by-cell ones."""
    from jishu.read.workbook import _filled, _lead, _text_column, column_text

    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    first = [r[0] for r in rows]
    assert _filled(rows, first).tolist() == [_lead(r) != "" for r in rows]
    assert _text_column(first, kind).to_pylist() == column_text(first, kind)


CLERK_HEADER = ["身份证号", "姓名", "班级编号", "开班日期", "结业日期", "是否补贴性培训"]


def clerk_book(first_id: object = None) -> openpyxl.Workbook:
    """A one-sheet trainings workbook (sheet 白沙镇) with one row."""
    book = openpyxl.Workbook()
    book.active.title = "白沙镇"
    book.active.append(CLERK_HEADER)
    book.active.append([first_id or resident_id(), "张三", "ZM1", "2022-03-01", "2022-03-05", "是"])
    return book


def with_sheet_xml(book: openpyxl.Workbook, path: Path, change) -> Path:
    """The workbook saved to `path` with its first sheet's XML passed through `change` (bytes → bytes)."""
    import zipfile

    plain = path.with_name(path.name + ".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as crafted:
        for item in source.infolist():
            content = source.read(item.filename)
            crafted.writestr(
                item, change(content) if item.filename == "xl/worksheets/sheet1.xml" else content
            )
    plain.unlink()
    return path


def checked_both_ways(data: Path) -> list[tuple[int, dict]]:
    """check_json on a cold run, without and then with the workbooks parsed ahead (as the command line does)."""
    from jishu.fast import prefetch

    found = [check_json(data)]
    prefetch.from_arguments(["check", "--no-cache", "--data", str(data)])
    return found + [check_json(data)]


def refused_both_ways(data: Path) -> list[str]:
    """The message of trainings.xlsx's one problem, on a cold run without and with the parse ahead: its
    sheet 白沙镇 is not read (file_unreadable, exit 2)."""
    messages = []
    for code, report in checked_both_ways(data):
        (problem,) = [p for p in report["problems"] if p["file"] == "trainings.xlsx"]
        assert code == 2 and problem["code"] == "file_unreadable" and problem["sheet"] == "白沙镇"
        messages.append(problem["message"])
    return messages


def test_a_crafted_infinite_number_in_an_id_column_is_a_problem_not_a_crash(tmp_path):
    """calamine reads <v>inf</v> as a number; in an ID column it is shown as typed and rejected."""

    def infinite(xml: bytes) -> bytes:
        assert b"<v>12345</v>" in xml
        return xml.replace(b"<v>12345</v>", b"<v>inf</v>")

    data = tmp_path / "data"
    data.mkdir()
    with_sheet_xml(clerk_book(12345), data / "trainings.xlsx", infinite)
    code, report = check_json(data)
    assert code == 2
    assert any(p["code"] == "id_format" and p["value"] == "inf" for p in report["problems"])


def test_a_workbook_with_a_sheet_cut_short_is_unusable_in_words(tmp_path):
    """The workbook opens, but one sheet's XML ends in the middle (a copy interrupted): exit 2 naming the
    file and the sheet, not an internal error; the same when the sheet was parsed ahead."""
    data = tmp_path / "data"
    data.mkdir()
    with_sheet_xml(clerk_book(), data / "trainings.xlsx", lambda xml: xml[: len(xml) // 2])
    for message in refused_both_ways(data):
        assert "damaged" in message or "损坏" in message


def test_an_xls_cut_short_anywhere_is_unusable_in_words(tmp_path):
    """An .xls copied only in part: calamine refuses it, and at some lengths panics (pyo3's PanicException,
    a BaseException). Every length is file_unreadable (exit 2), parsed ahead or not, never a crash."""
    import io

    import python_calamine
    import xlwt

    from jishu.fast.prefetch import calamine_failed

    book = xlwt.Workbook()
    sheet = book.add_sheet("白沙镇")
    for i, row in enumerate(
        [CLERK_HEADER] + [[resident_id(), "张三", "ZM1", "2022-03-01", "2022-03-05", "是"]] * 40
    ):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    whole = io.BytesIO()
    book.save(whole)
    data = tmp_path / "data"
    data.mkdir()
    panics = 0
    for size in range(512, len(whole.getvalue()), 512):
        cut = whole.getvalue()[:size]
        try:
            python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(cut)).get_sheet_by_index(0).to_python()
        except BaseException as exc:  # noqa: BLE001 - what calamine does with it, for the record
            assert calamine_failed(exc)
            panics += type(exc).__name__ == "PanicException"
        (data / "trainings.xls").write_bytes(cut)
        for code, report in checked_both_ways(data):
            assert code == 2
            assert any(
                p["file"] == "trainings.xls" and p["code"] == "file_unreadable" for p in report["problems"]
            )
    assert panics, "no length made calamine panic: the test no longer covers panics"


def test_a_sheet_spanning_too_many_cells_is_not_given_to_calamine(tmp_path):
    """One value in A1 and one in XFD1048576: calamine would lay out 17 billion cells and the failed
    allocation would abort the process. The sheet is refused first, named, with what to do."""
    data = tmp_path / "data"
    data.mkdir()
    book = clerk_book()
    book.active["XFD1048576"] = "x"
    book.save(data / "trainings.xlsx")
    for message in refused_both_ways(data):
        assert "17,179,869,184" in message
    book.active["XFD1048576"] = None
    book.active["Z60000"] = "a ledger's size is read"
    book.save(data / "trainings.xlsx")
    _code, report = check_json(data)
    assert not [
        p for p in report["problems"] if p["file"] == "trainings.xlsx" and p["code"] == "file_unreadable"
    ]


@pytest.mark.parametrize(
    "far",
    [
        '<c r="A400000000" t="inlineStr"><is><t>x</t></is></c>',  # a far row in a near <row r>
        '<c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c>',  # lower case: calamine reads it alike
        "<c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>",  # quoted the other way
        '<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # spaced
        '<c\tr="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # a tab before the attribute
        '<c r="AAAAAAA2" t="inlineStr"><is><t>x</t></is></c>',  # a column far past XFD
    ],
)
def test_every_spelling_of_a_far_cell_reference_is_measured(tmp_path, far):
    """calamine places a cell by its own reference, however it is written: any spelling of a far one makes
    the sheet too large, refused before calamine lays it out (a miss would abort this test run)."""
    data = tmp_path / "data"
    data.mkdir()

    def with_far_cell(xml: bytes) -> bytes:
        assert xml.count(b"</row>") >= 2
        return xml.replace(b"</row>", far.encode() + b"</row>", 1)

    with_sheet_xml(clerk_book(), data / "trainings.xlsx", with_far_cell)
    for message in refused_both_ways(data):
        assert "五千万" in message


# What a sheet's XML is made of near a reference, and what could fool a search for one: every spelling
# calamine accepts, Python's whitespace (\v and \f too), case, digits, quotes, UTF-8 and stray bytes;
# and references themselves, spelled every way, near and far, whole and broken.
_SPACE = st.lists(st.sampled_from([b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\xa0"]), max_size=2).map(
    b"".join
)
_REFERENCE = st.tuples(
    st.sampled_from([b"r", b"R", b"<c r", b"xr"]),
    _SPACE,
    st.sampled_from([b"=", b"", b"=="]),
    _SPACE,
    st.sampled_from([b'"', b"'", b"", b"`"]),
    st.text(alphabet="AZazr", max_size=3).map(str.encode),  # the column
    st.text(alphabet="0189", max_size=9).map(str.encode),  # the row
    st.sampled_from([b"", b'"', b" ", b"A"]),
).map(b"".join)
_XML_BITS = st.one_of(
    _REFERENCE,
    st.sampled_from(
        [b"r", b"=", b'"', b"A", b"1", b"123456", b"<row ", b"/>", b"\xe4\xb8\xad", b"\xff", b' s="1"']
    ),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_XML_BITS, max_size=30))
@example([b'<row r="999999"'])  # the edges: six digits are near, seven far
@example([b'<c r="A1000000"'])
@example([b"<c r='Z999999'"])
def test_the_quick_search_for_a_far_reference_finds_one_wherever_the_exact_one_does(bits):
    """The extent scan first asks RE2 whether a piece of XML holds any far reference, and reads the
    piece with the exact (slower) expression only then: the two must agree on every input, or a far
    cell would go unmeasured and calamine would abort the process."""
    from jishu import bounds

    assert bounds.quick() is not bounds._FAR, "google-re2 is a dependency: the quick search is RE2's"
    xml = b"".join(bits)
    assert (bounds.quick().search(xml) is not None) == (bounds._FAR.search(xml) is not None)


def test_a_far_cell_is_measured_in_a_workbook_stored_without_compression(tmp_path):
    """The extent scan inflates deflated parts itself; a part stored as it is (some tools write them so)
    is read through zipfile, and measured alike."""
    import zipfile

    data = tmp_path / "data"
    data.mkdir()
    book = clerk_book()
    book.active["XFD1048576"] = "x"
    book.save(tmp_path / "deflated.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "deflated.xlsx") as source,
        zipfile.ZipFile(data / "trainings.xlsx", "w", zipfile.ZIP_STORED) as stored,
    ):
        for item in source.infolist():
            stored.writestr(item.filename, source.read(item.filename))
    for message in refused_both_ways(data):
        assert "17,179,869,184" in message


def test_a_sheet_with_a_text_longer_than_any_cell_is_not_measured_nor_read(tmp_path):
    """40 MB of spaces between a cell's attributes (a cell holds at most 32,767 characters): the scan
    would have to hold it whole, so the sheet is not measured, nor given to calamine: a damaged sheet."""
    data = tmp_path / "data"
    data.mkdir()

    def padded(xml: bytes) -> bytes:
        return xml.replace(b'<c r="A2"', b"<c" + b" " * (40 << 20) + b'r="A2"', 1)

    with_sheet_xml(clerk_book(), data / "trainings.xlsx", padded)
    for message in refused_both_ways(data):
        assert "damaged" in message or "损坏" in message


def test_a_far_row_of_cells_without_references_is_too_large(tmp_path):
    """Row 60,000,000 holding a cell that carries no reference of its own (calamine places it in the
    row's first column): 60 million rows of one column is over the bound, refused before calamine."""
    data = tmp_path / "data"
    data.mkdir()

    def far_row(xml: bytes) -> bytes:
        row = b'<row r="60000000"><c t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace(b"</sheetData>", row + b"</sheetData>", 1)

    with_sheet_xml(clerk_book(), data / "trainings.xlsx", far_row)
    for message in refused_both_ways(data):
        assert "60,000,000" in message


def test_a_sheet_unpacking_past_the_bound_is_not_measured_nor_read(tmp_path, monkeypatch):
    """A sheet's XML is scanned up to bounds.MAX_SHEET_XML_BYTES unpacked (4 GB: a deflated zip bomb
    would take minutes), here lowered to 1 MB: beyond it the sheet is a damaged one, not read."""
    from jishu import bounds

    monkeypatch.setattr(bounds, "MAX_SHEET_XML_BYTES", 1 << 20)
    monkeypatch.setattr(bounds, "_PIECE", 1 << 16)
    data = tmp_path / "data"
    data.mkdir()
    row = b'<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>'

    def long(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", row * 20_000 + b"</sheetData>", 1)

    with_sheet_xml(clerk_book(), data / "trainings.xlsx", long)
    for message in refused_both_ways(data):
        assert "damaged" in message or "损坏" in message


FAR_CELL = b'<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'


def rezipped(book: openpyxl.Workbook, path: Path, entries) -> Path:
    """The workbook saved to `path` with each zip entry (name, bytes) replaced by what `entries` gives
    for it: a list of (name, bytes), written in that order (a name may come twice)."""
    import io
    import zipfile

    saved = io.BytesIO()
    book.save(saved)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as crafted:
        for item in source.infolist():
            for name, content in entries(item.filename, source.read(item.filename)):
                crafted.writestr(name, content)
    return path


def with_far_cell(xml: bytes) -> bytes:
    return xml.replace(b"</row>", FAR_CELL + b"</row>", 1)


def test_a_sheet_part_named_in_another_case_is_measured(tmp_path):
    """The relationship names `Worksheets/Sheet1.xml`; calamine finds `xl/worksheets/sheet1.xml` by it
    (its far cell aborted the process): the part is measured whatever the case of its name."""
    data = tmp_path / "data"
    data.mkdir()

    def entries(name: str, content: bytes):
        if name == "xl/_rels/workbook.xml.rels":
            content = content.replace(b"worksheets/sheet1.xml", b"Worksheets/Sheet1.xml")
            assert b"Worksheets/Sheet1.xml" in content
        elif name == "xl/worksheets/sheet1.xml":
            content = with_far_cell(content)
        return [(name, content)]

    rezipped(clerk_book(), data / "trainings.xlsx", entries)
    for message in refused_both_ways(data):
        assert "17,179,869,184" in message


@pytest.mark.parametrize(
    "renamed",
    [
        {"xl/workbook.xml": "XL/Workbook.XML"},
        {"xl/_rels/workbook.xml.rels": "xl/_rels/WORKBOOK.xml.rels"},
        {"xl/worksheets/sheet1.xml": "xl/Worksheets/Sheet1.xml"},
    ],
)
def test_workbook_parts_named_in_another_case_are_found(tmp_path, renamed):
    """calamine finds a workbook's own parts without regard to case (each of these aborted the process
    with a far cell in the sheet): the extent check finds them as it does."""
    data = tmp_path / "data"
    data.mkdir()

    def entries(name: str, content: bytes):
        if name == "xl/worksheets/sheet1.xml":
            content = with_far_cell(content)
        return [(renamed.get(name, name), content)]

    rezipped(clerk_book(), data / "trainings.xlsx", entries)
    for message in refused_both_ways(data):
        assert "17,179,869,184" in message


def test_a_sheet_calamine_names_otherwise_gets_the_worst_verdict(tmp_path):
    """Should calamine read a sheet's name otherwise than the check does, that sheet is judged by the
    worst of every sheet and of every other part holding cells (told under None)."""
    from jishu import bounds

    book = clerk_book()
    book.create_sheet("另一张")
    book["另一张"]["XFD1048576"] = "x"
    book.save(tmp_path / "book.xlsx")
    told = dict(bounds.refusals(tmp_path / "book.xlsx"))
    assert bounds.verdict(told, "白沙镇") is None
    assert isinstance(bounds.verdict(told, "另一张"), bounds.SheetTooLarge)
    assert isinstance(bounds.verdict(told, "a name read otherwise"), bounds.SheetTooLarge)


def test_a_sheet_part_written_twice_is_measured_both_times(tmp_path):
    """Two zip entries of one name, the first with a far cell, the second plain: whichever of them a
    reader takes, the sheet is measured by both."""
    data = tmp_path / "data"
    data.mkdir()

    def entries(name: str, content: bytes):
        if name == "xl/worksheets/sheet1.xml":
            return [(name, with_far_cell(content)), (name, content)]
        return [(name, content)]

    with pytest.warns(UserWarning, match="Duplicate name"):
        rezipped(clerk_book(), data / "trainings.xlsx", entries)
    for message in refused_both_ways(data):
        assert "17,179,869,184" in message


def test_a_wide_short_sheet_is_measured_exactly_and_read(tmp_path):
    """A stray value in XFD3 of a two-row ledger: 3 × 16,384 cells is no danger, and the ledger is read
    (the first pass's bound would refuse it; the exact second pass does not)."""
    data = tmp_path / "data"
    data.mkdir()
    book = clerk_book()
    book.active["XFD3"] = "stray"
    book.save(data / "trainings.xlsx")
    for _code, report in checked_both_ways(data):
        assert not [p for p in report["problems"] if p["code"] == "file_unreadable"]
        assert report["data"]["trainings"]["accepted"] == 1  # row 3 holds only the stray value: rejected


@pytest.mark.parametrize(
    "fixture",
    [
        "xls_huge_reservation.xls",  # calamine 0.9 reserves 300 GB loading it, and aborts the process
        "ods_calamine_loops.ods",  # calamine 0.9 never returns from opening it: a nightly run would hang
    ],
)
def test_a_workbook_calamine_would_not_survive_is_tried_in_a_child_first(tmp_path, monkeypatch, fixture):
    """Generated workbooks with bytes changed, found by fuzzing (tests/fixtures/damaged/). An .xls or .ods
    is tried in a child process first (its time bound lowered here from 120 s): the file is
    file_unreadable (exit 2), parsed ahead or not, and the run goes on."""
    from jishu import bounds

    monkeypatch.setattr(bounds, "TRIAL_SECONDS", 3)
    data = tmp_path / "data"
    data.mkdir()
    name = "trainings" + Path(fixture).suffix
    shutil.copy(FIXTURES / "damaged" / fixture, data / name)
    for code, report in checked_both_ways(data):
        assert code == 2
        assert [p["code"] for p in report["problems"] if p["file"] == name] == ["file_unreadable"]
