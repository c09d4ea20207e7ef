"""Tests of the workbook fixtures in clerk_workbooks.py (no jishu here): every workbook is opened back with
openpyxl and with python-calamine, and what they read must be what the Expectation says."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")
calamine = pytest.importorskip("python_calamine")

import clerk_workbooks as cw  # noqa: E402 - after the importorskip of what it needs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"

# ------------------------------------------------------------------------------------------------
# A folder of CSVs as clerks export them: every encoding, both header languages, good and bad values
# ------------------------------------------------------------------------------------------------

TOWNS = ("白沙镇", "官渡镇", "韩寺镇")
#: values that are not valid dates per SPEC (or not beyond doubt): each must stay the same text cell
BAD_DATES = [
    "2021/2/30",
    "44621",
    "2021-13-01",
    "2021-3/5",
    "21-03-05",
    "２０２１-03-05",
    " 2021-03-05",
    "2021-03-05 00:00:00",
    "2021/3/5 0:00",
    "2021-02-29",
]
GOOD_DATES = ["2021-03-05", "2021/3/5", "2021.3.5", "20210305", "2021年3月5日", "2021-3-5", "2021/03/05"]
BAD_MONTHS = ["012", "-1", "12.5", " 12", "１２", "1234567890", "12个月", "1,2"]
GOOD_MONTHS = ["12", "0", "6", "36"]


def _rid(i: int, birth: str = "19900101") -> str:
    return cw.resident_id(birth=birth, seq=100 + i)


def make_csv_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    # trainings_2021: UTF-8, English headers, CRLF, every date spelling, a blank Excel line, a duplicate key
    rows = []
    for i, day in enumerate(GOOD_DATES + BAD_DATES):
        rows.append(
            {
                "person_id": _rid(i),
                "name": f"学员{i}",
                "class_id": f"ZMPX2021{i % 3:04d}",
                "occupation": "中式面点师",
                "provider": "中牟县就业训练中心",
                "start_date": "2021-01-04",
                "end_date": day,
                "subsidized": "是" if i % 2 else "否",
                "township": TOWNS[i % 3],
            }
        )
    rows[3]["person_id"] = "4.10122E+17"
    x_id = next(
        r for r in (cw.resident_id(birth="19850101", seq=s) for s in range(500, 999)) if r.endswith("X")
    )
    rows[4]["person_id"] = x_id[:-1] + "x"  # lower-case check character
    rows[5]["start_date"] = "2021-03-06"  # end before start: a date_order error
    rows[6]["name"] = '=HYPERLINK("x")'  # a text openpyxl would take for a formula
    rows[7]["occupation"] = "#N/A"
    rows.append(dict(rows[0], end_date="2021/3/5"))  # duplicate of line 2 (same person, class)
    text = _csv_text(cw.COLUMNS["trainings"], rows, lang="en", blank_after=2)
    (root / "trainings_2021.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    # trainings_2022: GB18030, Chinese headers, a multi-line cell and a quoted comma
    rows2 = list(cw.sample_rows("trainings", 7, rng=random.Random(3), townships=TOWNS, start=50))
    rows2[1]["name"] = "张\n三"
    rows2[2]["provider"] = "中牟县,就业训练中心"
    rows2[3]["end_date"] = "2022年3月5日"
    (root / "trainings_2022.csv").write_bytes(
        _csv_text(cw.COLUMNS["trainings"], rows2, lang="zh").encode("gb18030")
    )
    # trainings_0_missing: no class_id column (an error for the file, recognised by its name)
    cols = [c for c in cw.COLUMNS["trainings"] if c[0] != "class_id"]
    (root / "trainings_0_missing.csv").write_text(_csv_text(cols, rows2[:2], lang="en"), encoding="utf-8")
    # certificates: UTF-8 with BOM, Chinese headers; certificates_b: a title line above, a 合计 line below
    certs = cw.sample_rows("certificates", 6, rng=random.Random(4), townships=TOWNS, start=70)
    certs[2]["issue_date"] = "2022/2/30"
    (root / "certificates.csv").write_bytes(
        b"\xef\xbb\xbf" + _csv_text(cw.COLUMNS["certificates"], certs, lang="zh").encode("utf-8")
    )
    certs_b = cw.sample_rows("certificates", 3, rng=random.Random(5), townships=TOWNS[:2], start=90)
    text = "中牟县2022年技能人才取证台账,,,,,,,,\n" + _csv_text(
        cw.COLUMNS["certificates"], certs_b, lang="zh"
    )
    text += ",合计,共3人,,,,,,\n"  # key (证书编号) empty: a footer row
    (root / "certificates_b.csv").write_text(text, encoding="utf-8")
    # hires: English headers, whole-number cells good and bad, an empty separation date
    hires = cw.sample_rows(
        "hires", len(GOOD_MONTHS + BAD_MONTHS), rng=random.Random(6), townships=TOWNS, start=20
    )
    for h, m in zip(hires, GOOD_MONTHS + BAD_MONTHS):
        h["insured_months"] = m
    hires[0]["separation_date"] = "2023-01-31"
    hires[1]["hire_date"] = "2022/13/1"
    hires[2]["employer_id"] = "91410122MA44A0022"  # a 17-character credit code
    (root / "hires.csv").write_text(_csv_text(cw.COLUMNS["hires"], hires, lang="en"), encoding="utf-8")
    # payouts: amounts, some not plain integers
    pays = cw.sample_rows("payouts", 5, rng=random.Random(8), start=20)
    for p, amount in zip(pays, ["1000", "1,000", "1000.5", "300元", "10,00"]):
        p["amount"] = amount
    (root / "payouts.csv").write_text(_csv_text(cw.COLUMNS["payouts"], pays, lang="en"), encoding="utf-8")
    (root / "readme.txt").write_text("not a ledger", encoding="utf-8")
    return root


def _csv_text(columns, rows, lang: str, blank_after: int | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([zh if lang == "zh" else c for c, zh, _ in columns])
    for i, r in enumerate(rows):
        w.writerow([r.get(c, "") for c, _, _ in columns])
        if blank_after is not None and i == blank_after:
            w.writerow([""] * len(columns))
    return buf.getvalue()


def read_csv_rows(path: Path, ledger: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Independent reading of a CSV: (header keys, [(start line, {key: text})]) of its data records."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    names = {}
    for c, zh, _ in cw.COLUMNS[ledger]:
        names[c] = c
        names[zh] = c
    records, last = [], 0
    for cells in reader:
        records.append((last + 1, cells))
        last = reader.line_num
    header_at = next(
        (i for i, (_, cells) in enumerate(records) if "身份证号" in cells or "person_id" in cells), 0
    )
    keys = [names.get(h.strip(), h.strip()) for h in records[header_at][1]]
    out = []
    for line, cells in records[header_at + 1 :]:
        if all(c == "" for c in cells):
            continue
        out.append((line, {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys)}))
    return keys, out


# ------------------------------------------------------------------------------------------------
# Reading workbooks back
# ------------------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as CSV-like text: dates ISO, whole numbers as integers."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        assert value.time() == dt.time(0), value
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    assert not isinstance(value, bool), f"boolean cell {value!r}"
    if isinstance(value, float) and value.is_integer():
        return str(int(Decimal(repr(value))))  # 4.10122199001011e+17 -> 410122199001011000, as Excel shows it
    if isinstance(value, (int, float)):
        return str(value)
    return value


_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def iso_if_date(text: str) -> str:
    """The test's own normalisation of a date text (applied to CSV and text cells alike)."""
    for form in _DATE_FORMS:
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            pass
    return text


def normalise(ledger: str, key: str, value) -> str:
    """Dates ISO, whole numbers as integers; SPEC's trim of spaces, and XML's CR LF -> LF."""
    text = cell_text(value).replace("\r\n", "\n").replace("\r", "\n")
    if text.strip(" \u3000") == "":
        return ""
    if key in cw.DATE_COLUMNS.get(ledger, ()):
        return iso_if_date(text)
    if key in cw.NUMBER_COLUMNS.get(ledger, ()) and re.fullmatch(r"[0-9]+", text):
        return str(int(text)) if text == "0" or not text.startswith("0") else text
    return text


class Book:
    """One workbook read with openpyxl (xlsx only) or calamine: sheet -> {(row, letter): value}."""

    def __init__(self, path: Path, reader: str):
        self.path, self.reader = path, reader
        self.sheets: dict[str, dict[tuple[int, str], object]] = {}
        self.order: list[str] = []
        self.hidden: dict[str, bool] = {}
        self.merges: dict[str, set[str]] = {}
        if reader == "openpyxl":
            wb = openpyxl.load_workbook(path)
            for ws in wb.worksheets:
                self.order.append(ws.title)
                self.hidden[ws.title] = ws.sheet_state != "visible"
                self.merges[ws.title] = {str(r) for r in ws.merged_cells.ranges}
                cells = {}
                for row in ws.iter_rows():
                    for c in row:
                        if c.value is not None:
                            cells[(c.row, c.column_letter)] = c.value
                self.sheets[ws.title] = cells
        else:
            wb = calamine.CalamineWorkbook.from_path(str(path))
            for meta in wb.sheets_metadata:
                self.order.append(meta.name)
                self.hidden[meta.name] = meta.visible != calamine.SheetVisibleEnum.Visible
                sheet = wb.get_sheet_by_name(meta.name)
                cells = {}
                for r, row in enumerate(sheet.to_python(skip_empty_area=False), 1):
                    for c, v in enumerate(row, 1):
                        if v != "" and v is not None:
                            cells[(r, cw.column_letter(c))] = v
                self.sheets[meta.name] = cells
                ranges = sheet.merged_cell_ranges or []
                self.merges[meta.name] = {
                    f"{cw.column_letter(a[1] + 1)}{a[0] + 1}:{cw.column_letter(b[1] + 1)}{b[0] + 1}"
                    for a, b in ranges
                }

    def rows(self, sheet: str) -> dict[int, dict[str, object]]:
        out: dict[int, dict[str, object]] = {}
        for (r, letter), v in self.sheets[sheet].items():
            out.setdefault(r, {})[letter] = v
        return out


READERS = ["openpyxl", "calamine"]


def check_sheet_layout(book: Book, sx: cw.SheetExpectation, placements: list[cw.Placement]) -> None:
    """Every non-empty row of the sheet is a title, header, data or footer row of the expectation, at the
    row the expectation names; blank rows are blank."""
    rows = book.rows(sx.sheet)
    where = f"{sx.file}/{sx.sheet} ({book.reader})"
    if sx.kind == "empty":
        assert rows == {}, where
        return
    if sx.kind == "not_a_ledger":
        assert [rows[sx.header_row][c] for c in sorted(rows[sx.header_row])] == list(sx.headers.values()), (
            where
        )
        assert sorted(rows) == [sx.header_row, *sx.data_rows], where
        return
    expected_rows = set(sx.title_rows) | {sx.header_row} | set(sx.data_rows) | set(sx.footer_rows)
    assert set(rows) <= expected_rows, (where, sorted(set(rows) - expected_rows))
    assert not set(sx.blank_rows) & set(rows), where
    assert max(rows) == max(expected_rows), where
    header = rows[sx.header_row]
    for key, letter in sx.columns.items():
        if key in sx.header_merged:
            continue
        assert header.get(letter, "") == sx.headers[key], (where, key)
    if sx.serial_column and sx.kind == "ledger":
        assert cw.SERIAL_HEADER in (header.get("A"), rows.get(sx.header_row - 1, {}).get("A")), where
    if sx.title_rows and sx.kind == "ledger":
        first = rows[sx.title_rows[0]]
        assert list(first) == ["A"], where
        assert "台账" in first["A"] or first["A"].startswith("填报单位"), where
        assert any(str(rows[r].get("A", "")).startswith("填报单位") for r in sx.title_rows), where
    for r in sx.footer_rows:
        first = next(v for _, v in sorted(rows[r].items(), key=lambda kv: (len(kv[0]), kv[0])))
        assert re.sub(r"\s", "", str(first)).startswith(("合计", "小计", "总计", "制表人", "审核人")), (
            where,
            r,
        )
    data_rows = {p.row for p in placements}
    assert data_rows == set(sx.data_rows), where
    for p in placements:
        cells = rows.get(p.row, {})
        assert set(cells) - {"A"} <= {p.columns[k] for k in p.written}, (where, p.row)
        for key, letter in p.columns.items():
            got = cells.get(letter)
            if key not in p.written:
                assert got is None, (where, p.row, key, got)
                continue
            if (
                key in cw.DATE_COLUMNS.get(p.ledger, ())
                and isinstance(got, (int, float))
                and key not in p.problems
            ):
                got = dt.date(1899, 12, 30) + dt.timedelta(days=int(got))  # an Excel serial
            assert cell_text(got) == p.expected[key], (where, p.row, key, got, p.expected[key])
        if sx.serial_column and sx.serial_column in cells:
            assert isinstance(cells[sx.serial_column], (int, float)), (where, p.row)


# ------------------------------------------------------------------------------------------------
# reshape_folder
# ------------------------------------------------------------------------------------------------

SEEDS = [1, 2, 3, 20220305]


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory) -> Path:
    return make_csv_folder(tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="module", params=SEEDS)
def reshaped(request, csv_folder, tmp_path_factory) -> tuple[Path, cw.Expectation]:
    out = tmp_path_factory.mktemp(f"xlsx{request.param}")
    return out, cw.reshape_folder(csv_folder, out, rng=random.Random(request.param))


def test_reshape_is_deterministic(csv_folder, tmp_path):
    a = cw.reshape_folder(csv_folder, tmp_path / "a", rng=random.Random(9))
    b = cw.reshape_folder(csv_folder, tmp_path / "b", rng=random.Random(9))
    assert a.files == b.files
    assert [(p.file, p.sheet, p.row) for p in a.rows] == [(p.file, p.sheet, p.row) for p in b.rows]


def test_files_in_the_folder(reshaped):
    out, exp = reshaped
    on_disk = sorted(p.name for p in out.iterdir())
    assert on_disk == exp.files
    assert not [n for n in on_disk if n.endswith(".csv")]
    # the lock file: 165 bytes, named after a workbook that is there
    (lock,) = exp.lock_files
    assert lock.startswith("~$") and lock[2:] in on_disk and (out / lock).stat().st_size == 165
    assert exp.notices_for(lock, kind="lock_file")
    # the .docx is a real Word file, with a notice
    assert exp.other_files == ["培训台账说明.docx"]
    with zipfile.ZipFile(out / "培训台账说明.docx") as z:
        assert "word/document.xml" in z.namelist()
    # the contact list fits no ledger
    assert exp.non_ledger_files == ["通讯录.xlsx"]
    (notice,) = exp.notices_for("通讯录.xlsx", kind="not_a_ledger")
    assert "姓名" in notice.detail and "电话" in notice.detail
    ws = openpyxl.load_workbook(out / "通讯录.xlsx").active
    header = [c.value for c in ws[1]]
    assert header == ["序号", "姓名", "电话", "乡镇"]
    for ledger in cw.LEDGERS:
        assert not cw._fits(header, ledger)[0]
    # every workbook in the expectation is on disk, and every .xlsx on disk is in it
    assert set(exp.workbooks()) == {n for n in on_disk if n.endswith(".xlsx") and not n.startswith("~$")}
    assert exp.ignored_inputs == ["readme.txt"]


def test_names_and_ledgers(reshaped):
    _out, exp = reshaped
    ledger_books = {s.file for s in exp.sheets if s.kind == "ledger"}
    chinese = {f for f in ledger_books if not f.isascii()}
    english = ledger_books - chinese
    assert chinese and english
    # the file with a missing column keeps its name, so jishu knows its ledger
    assert exp.renamed["trainings_0_missing.csv"] == ["trainings_0_missing.xlsx"]
    for sx in exp.sheets:
        if sx.kind != "ledger":
            continue
        header = list(sx.headers.values())
        fitting = [lg for lg in cw.LEDGERS if cw._fits(header, lg)[0]]
        if sx.file in chinese:
            assert sx.recognised_by == "header" and fitting == [sx.ledger], sx.file
            assert all(h == zh for h, (c, zh, _) in zip(header, cw.COLUMNS[sx.ledger])), sx.file
        else:
            assert sx.file.startswith(sx.ledger) and sx.recognised_by == "name"
    missing = exp.sheets_of("trainings_0_missing.xlsx")[0]
    assert missing.header_row == 1 and missing.title_rows == () and "class_id" not in missing.columns
    assert [(e.file, e.kind, e.detail) for e in exp.errors] == [
        ("trainings_0_missing.xlsx", "missing_columns", "class_id")
    ]


@pytest.mark.parametrize("column", ["township", "乡镇", None])
def test_township_column(csv_folder, tmp_path, column):
    exp = cw.reshape_folder(csv_folder, tmp_path, rng=random.Random(2), township_column=column)
    for sx in exp.sheets:
        rows = [p for p in exp.rows if (p.file, p.sheet) == (sx.file, sx.sheet)]
        towns = {p.values.get("township", "") for p in rows}
        if column is None:
            assert len(exp.sheets_of(sx.file)) <= 2 and "（" not in sx.file  # an empty sheet at most
        elif len(exp.sheets_of(sx.file)) > 2 or "镇）" in sx.file:
            assert len(towns) <= 1, (sx.file, sx.sheet, towns)


@pytest.mark.parametrize("reader", READERS)
def test_positions_read_back(reshaped, reader):
    out, exp = reshaped
    by_sheet: dict[tuple[str, str], list[cw.Placement]] = {}
    for p in exp.rows:
        by_sheet.setdefault((p.file, p.sheet), []).append(p)
    for name in exp.workbooks():
        book = Book(out / name, reader)
        sheets = exp.sheets_of(name)
        assert book.order == [s.sheet for s in sheets]
        for sx in sheets:
            assert book.hidden[sx.sheet] == sx.hidden, (name, sx.sheet)
            check_sheet_layout(book, sx, by_sheet.get((name, sx.sheet), []))
            if reader == "openpyxl" and sx.kind == "ledger":
                assert set(sx.merges) <= book.merges[sx.sheet]


def test_rows_are_the_csv_rows(reshaped, csv_folder):
    """Data rows read back (in jishu's reading order) are exactly the CSV rows, dates and numbers aside."""
    out, exp = reshaped
    for reader in READERS:
        books = {name: Book(out / name, reader) for name in exp.workbooks()}
        placed = {(p.file, p.sheet, p.row): p for p in exp.rows}
        for csv_path in sorted(csv_folder.glob("*.csv")):
            ledger = cw._ledger_of_name(csv_path.name)
            keys, records = read_csv_rows(csv_path, ledger)
            mine = [p for p in exp.rows if p.source_file == csv_path.name]
            footers = [
                line
                for line, values in records
                if next((v for v in values.values() if v.strip()), "").startswith("合计")
            ]
            assert [p.source_line for p in mine] == [line for line, _ in records if line not in footers]
            for p, (line, values) in zip(mine, [(ln, v) for ln, v in records if ln not in footers]):
                assert p.values == values, (csv_path.name, line)
                row = books[p.file].rows(p.sheet).get(p.row, {})
                for key in keys:
                    if key not in p.columns:
                        continue
                    got = normalise(ledger, key, row.get(p.columns[key]))
                    assert got == normalise(ledger, key, values[key]), (reader, csv_path.name, line, key, got)
        # nothing else is a data row
        for name in books:
            for sx in exp.sheets_of(name):
                for r in sx.data_rows if sx.kind == "ledger" else ():
                    assert (name, sx.sheet, r) in placed


def test_every_row_keeps_its_verdict(reshaped):
    """Typed cells only where the CSV text was valid beyond doubt; IDs always text."""
    out, exp = reshaped
    books = {name: Book(out / name, "openpyxl") for name in exp.workbooks()}
    typed_dates = typed_numbers = text_dates = 0
    for p in exp.rows:
        row = books[p.file].rows(p.sheet)[p.row]
        for key, raw in p.values.items():
            got = row.get(p.columns[key])
            if raw.strip(" \u3000") == "":
                assert got is None
                continue
            if key in cw.ID_COLUMNS[p.ledger] or key in (
                "name",
                "level",
                "subsidized",
                "in_province",
                "kind",
            ):
                assert got == raw and isinstance(got, str), (p.file, p.row, key)
            elif key in cw.DATE_COLUMNS[p.ledger]:
                if raw in BAD_DATES or re.search("[０-９]", raw):
                    assert got == raw, (p.file, p.row, key, got)
                if isinstance(got, dt.datetime):
                    typed_dates += 1
                    assert re.fullmatch(
                        r"[0-9]{4}([-/.]?)[0-9]{1,2}\1[0-9]{1,2}|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日", raw
                    )
                    assert got.date().isoformat() == iso_if_date(raw)
                else:
                    assert got == raw
                    text_dates += 1
            elif key in cw.NUMBER_COLUMNS.get(p.ledger, ()):
                if isinstance(got, (int, float)):
                    typed_numbers += 1
                    assert re.fullmatch(r"0|[1-9][0-9]{0,8}", raw), raw
                    assert float(got) == int(raw)
                else:
                    assert got == raw, (p.file, p.row, key, got)
                if raw in BAD_MONTHS:
                    assert got == raw
            else:
                assert got == raw
    assert typed_dates and typed_numbers and text_dates


def test_reading_order_is_kept(reshaped):
    """Files by name, sheets in workbook order, rows in row order: rows of one person (or certificate) come
    in the order they had in the CSV files (so the same row is kept as first of a duplicate key)."""
    out, exp = reshaped
    source_rank = {}
    for ledger in cw.LEDGERS:
        seq = []
        for name in sorted(exp.workbooks()):
            book = Book(out / name, "openpyxl")
            for sheet in book.order:
                seq.extend(
                    sorted(
                        (p for p in exp.rows if p.file == name and p.sheet == sheet and p.ledger == ledger),
                        key=lambda p: p.row,
                    )
                )
        assert seq == exp.read_order(ledger)
        names = sorted({p.source_file for p in seq})
        source_rank = {n: i for i, n in enumerate(names)}
        for column in ("person_id", "cert_no"):
            last: dict[str, tuple[int, int]] = {}
            for p in seq:
                v = p.values.get(column, "").strip().upper()
                if not v:
                    continue
                rank = (source_rank[p.source_file], p.source_line)
                assert last.get(v, (-1, -1)) < rank, (ledger, column, v)
                last[v] = rank
    # the duplicate in trainings_2021 (line 2 and the last line) is still read after its first row
    first = exp.placement("trainings_2021.csv", 2)
    dup = [
        p
        for p in exp.rows_of("trainings")
        if p.values["person_id"] == first.values["person_id"]
        and p.values["class_id"] == first.values["class_id"]
        and p is not first
    ]
    assert dup and exp.read_order("trainings").index(dup[0]) > exp.read_order("trainings").index(first)


def test_notices(reshaped):
    _out, exp = reshaped
    for sx in exp.sheets:
        notices = exp.notices_for(sx.file, sx.sheet)
        kinds = sorted(n.kind for n in notices)
        if sx.kind == "empty":
            assert kinds == ["empty_sheet"]
            continue
        if sx.kind == "not_a_ledger":
            assert kinds == ["not_a_ledger"]
            continue
        titles = [n for n in notices if n.kind == "title_rows"]
        footers = [n for n in notices if n.kind == "footer_rows"]
        assert [(n.count, n.rows) for n in titles] == (
            [(sx.header_row - 1, tuple(range(1, sx.header_row)))] if sx.header_row > 1 else []
        )
        assert [(n.count, n.rows) for n in footers] == (
            [(len(sx.footer_rows), sx.footer_rows)] if sx.footer_rows else []
        )
        if sx.recognised_by == "header":
            assert sx.header_row in (3, 4) and titles and footers
    # the CSV's own title line is gone and its 合计 line copied as a footer row
    assert ("certificates_b.csv", 1, "title") in exp.source_skipped
    assert ("certificates_b.csv", 6, "footer") in exp.source_skipped
    (book,) = exp.renamed["certificates_b.csv"]
    sx = exp.sheets_of(book)[0]
    assert len(sx.footer_rows) == 3
    # the blank Excel line in trainings_2021
    assert [s for s in exp.source_skipped if s[0] == "trainings_2021.csv"] == [
        ("trainings_2021.csv", 5, "blank")
    ]


def test_variety_over_seeds(csv_folder, tmp_path):
    """Across a few seeds, every shape the brief asks for turns up."""
    seen = set()
    for seed in SEEDS:
        exp = cw.reshape_folder(csv_folder, tmp_path / str(seed), rng=random.Random(seed))
        for sx in exp.sheets:
            if sx.kind != "ledger":
                continue
            seen.add(("header_row", sx.header_row))
            seen.add(("date", sx.date_style))
            seen.add(("number", sx.number_style))
            seen.add(("blank", bool(sx.blank_rows)))
            if sx.hidden:
                seen.add("hidden")
        books = {s.file for s in exp.sheets if s.kind == "ledger"}
        if any(len([s for s in exp.sheets_of(b) if s.kind == "ledger"]) > 1 for b in books):
            seen.add("sheet per township")
        if any("（" in b and b.endswith("镇）.xlsx") for b in books):
            seen.add("file per township")
        if any(b.startswith("trainings_") for b in books):
            seen.add("English prefix")
        if any(s.kind == "empty" for s in exp.sheets):
            seen.add("empty sheet")
    wanted = {
        ("header_row", 1),
        ("header_row", 3),
        ("header_row", 4),
        ("date", "date"),
        ("date", "datetime"),
        ("date", "text"),
        ("number", "int"),
        ("number", "float"),
        ("number", "text"),
        ("blank", True),
        "hidden",
        "sheet per township",
        "file per township",
        "English prefix",
        "empty sheet",
    }
    assert wanted <= seen, wanted - seen


def test_translate_and_position(reshaped):
    out, exp = reshaped
    p = exp.placement("trainings_2021.csv", 2)
    file, sheet, row, position = exp.translate("trainings_2021.csv", 2, "end_date")
    assert (file, sheet, row) == (p.file, p.sheet, p.row)
    letter, header = position.split(" ")
    assert header in ("结业日期", "end_date") and re.fullmatch(r"[A-Z]+", letter)
    ws = openpyxl.load_workbook(out / file)[sheet]
    assert ws[f"{letter}{exp.sheet(file, sheet).header_row}"].value == header


def test_unusable_csv(tmp_path):
    src = tmp_path / "csv"
    src.mkdir()
    (src / "trainings.csv").write_bytes(b'person_id,name\n"41012219900101123X,x\n')
    with pytest.raises(cw.ReshapeError, match=r"trainings\.csv"):
        cw.reshape_folder(src, tmp_path / "out", rng=random.Random(1))
    (src / "hires.csv").write_bytes("\ufeffperson_id\n1\n".encode("utf-16"))
    exp = cw.reshape_folder(src, tmp_path / "out2", rng=random.Random(1), on_unusable="skip")
    assert sorted(name for name, _ in exp.unconverted) == ["hires.csv", "trainings.csv"]


def test_cr_only_line_ends(tmp_path):
    """Old Macintosh line ends: every CR ends a line, as jishu numbers them."""
    src = tmp_path / "csv"
    rows = cw.sample_rows("trainings", 3)
    text = _csv_text(cw.COLUMNS["trainings"], rows, lang="zh").replace("\n", "\r")
    src.mkdir()
    (src / "trainings.csv").write_bytes(text.encode("utf-8"))
    exp = cw.reshape_folder(src, tmp_path / "out", rng=random.Random(1))
    assert [(p.source_line, p.values["person_id"]) for p in exp.rows] == [
        (i + 2, r["person_id"]) for i, r in enumerate(rows)
    ]


def test_sample_of_real_data(tmp_path):
    """The head of each shipped ledger (GB18030 and BOM files, every date spelling they use) reshapes."""
    src = tmp_path / "csv"
    src.mkdir()
    files = sorted((ROOT / "data").glob("*.csv"))
    for path in files:
        lines = path.read_bytes().split(b"\n")[:30]
        (src / path.name).write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out"
    exp = cw.reshape_folder(src, out, rng=random.Random(5))
    assert len(exp.rows) == len(files) * 29
    for name in exp.workbooks():
        for reader in READERS:
            book = Book(out / name, reader)
            for sx in exp.sheets_of(name):
                check_sheet_layout(book, sx, [p for p in exp.rows if p.file == name and p.sheet == sx.sheet])


def _corpus_folders():
    return sorted(p / "data" for p in CORPUS.iterdir() if (p / "data").is_dir()) if CORPUS.is_dir() else []


def test_corpus_cases_reshape(tmp_path):
    """Corpus cases' CSVs (every fifth case, and the odd ones) become workbooks whose cells read back as the
    CSV's values; the unusable ones are refused."""
    every = _corpus_folders()
    if not every:
        pytest.skip("no corpus")
    odd = ("137_", "083_", "089_", "091_", "040_", "017_")
    folders = sorted(set(every[::5]) | {f for f in every if f.parent.name.startswith(odd)})
    converted = 0
    for i, folder in enumerate(folders):
        out = tmp_path / folder.parent.name
        exp = cw.reshape_folder(folder, out, rng=random.Random(i), on_unusable="skip", extras=False)
        reader = READERS[i % 2]
        for name in exp.workbooks():
            book = Book(out / name, reader)
            for sx in exp.sheets_of(name):
                check_sheet_layout(book, sx, [p for p in exp.rows if p.file == name and p.sheet == sx.sheet])
        converted += len(exp.rows)
        if folder.parent.name.startswith(("083_", "089_", "091_")):
            assert exp.unconverted, folder
        if folder.parent.name.startswith("137_"):  # CR-only line ends: the bad value is on line 3
            assert [p.source_line for p in exp.rows_of("trainings")][:2] == [2, 3]
        if folder.parent.name.startswith("040_"):  # a multi-line cell: the next row starts on line 4
            assert [p.source_line for p in exp.rows_of("trainings")][:2] == [2, 4]
    assert converted > 0


# ------------------------------------------------------------------------------------------------
# Hand-made workbooks
# ------------------------------------------------------------------------------------------------

SUFFIXES = [".xlsx"] + ([".xls"] if cw.XLS_SUPPORTED else [])


def _readers_for(path: Path) -> list[str]:
    return READERS if path.suffix == ".xlsx" else ["calamine"]


def _check_builder(exp: cw.Expectation, path: Path) -> None:
    for reader in _readers_for(path):
        book = Book(path, reader)
        assert book.order == [s.sheet for s in exp.sheets]
        for sx in exp.sheets:
            assert book.hidden[sx.sheet] == sx.hidden
            check_sheet_layout(book, sx, [p for p in exp.rows if p.sheet == sx.sheet])
            if sx.kind == "ledger" and (reader == "openpyxl" or path.suffix == ".xlsx"):
                assert set(sx.merges) <= book.merges[sx.sheet], (reader, sx.merges, book.merges[sx.sheet])


def test_check_characters_match_stdnum():
    ric = pytest.importorskip("stdnum.cn.ric")
    uscc = pytest.importorskip("stdnum.cn.uscc")
    for seq in range(100, 130):
        assert ric.is_valid(cw.resident_id(birth="19900101", seq=seq))
    for i in range(30):
        assert uscc.is_valid(cw.credit_code(f"91410122MA44A{i:04d}"))


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("group_row", [False, True])
def test_title_rows_workbook(tmp_path, suffix, group_row):
    path = tmp_path / f"中牟县2022年职业技能培训台账（白沙镇）{suffix}"
    exp = cw.title_rows_workbook(path, group_row=group_row)
    (sx,) = exp.sheets
    assert sx.header_row == (4 if group_row else 3)
    assert sx.title_rows == tuple(range(1, sx.header_row))
    assert len(sx.footer_rows) == 2 and sx.blank_rows == (sx.footer_rows[0] + 1,)
    assert [p.row for p in exp.rows] == list(range(sx.header_row + 1, sx.header_row + 4))
    _check_builder(exp, path)
    assert exp.rows[0].position("end_date") == "H 结业日期"


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("merge_required", [False, True])
def test_two_row_header_workbook(tmp_path, suffix, merge_required):
    path = tmp_path / f"two{suffix}"
    exp = cw.two_row_header_workbook(path, merge_required=merge_required)
    (sx,) = exp.sheets
    assert sx.header_row == 4 and "A3:A4" in sx.merges
    if merge_required:
        assert sx.header_merged == {"person_id": "B3:B4", "name": "C3:C4"}
    else:
        assert {"B3:C3", "D3:J3"} <= set(sx.merges) and sx.header_merged == {}
    _check_builder(exp, path)
    book = Book(path, "calamine")
    rows = book.rows("Sheet1")
    assert rows[3]["A"] == "序号" and "A" not in rows[4]
    if merge_required:
        assert rows[3]["B"] == "身份证号" and "B" not in rows[4] and rows[4]["D"] == "班级编号"
    else:
        assert rows[3]["B"] == "基本信息" and rows[4]["B"] == "身份证号"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_typed_cells_workbook(tmp_path, suffix):
    path = tmp_path / f"typed{suffix}"
    exp = cw.typed_cells_workbook(path)
    _check_builder(exp, path)
    by_row = {p.row: p for p in exp.rows}
    cal = Book(path, "calamine").rows("白沙镇")
    hire, months, pid = (exp.rows[0].columns[k] for k in ("hire_date", "insured_months", "person_id"))
    assert isinstance(cal[4][hire], dt.date) and cal[4][months] == 12
    assert isinstance(cal[5][hire], dt.date) and cal[5][months] == 12.0
    assert cal[6][hire] == 44621 and not isinstance(cal[6][hire], dt.date)
    assert by_row[6].expected["hire_date"] == "2022-03-01"
    assert dt.date(1899, 12, 30) + dt.timedelta(days=44621) == dt.date(2022, 3, 1)
    lost = cal[7][pid]
    assert (
        isinstance(lost, float)
        and lost == float("4.10122199001011e17")
        and by_row[7].problems == {"person_id": "id_numeric"}
    )
    assert f"{lost:.0f}" != "410122199001011234"
    assert cal[8][hire] == "2022年3月5日"
    assert cal[9][months] == 12.5 and by_row[9].problems == {"insured_months": "not_whole"}
    if suffix == ".xlsx":
        ws = openpyxl.load_workbook(path)["白沙镇"]
        assert ws[f"{hire}4"].is_date and ws[f"{hire}5"].is_date and ws[f"{hire}10"].is_date
        assert ws[f"{hire}5"].number_format == "yyyy-mm-dd hh:mm:ss"
        assert not ws[f"{hire}6"].is_date and ws[f"{hire}6"].data_type == "n"
        assert ws[f"{pid}7"].data_type == "n" and ws[f"{pid}4"].data_type == "s"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_hidden_sheet_workbook(tmp_path, suffix):
    path = tmp_path / f"hidden{suffix}"
    exp = cw.hidden_sheet_workbook(path)
    assert [(s.sheet, s.hidden) for s in exp.sheets] == [("白沙镇", False), ("官渡镇", True)]
    assert len([p for p in exp.rows if p.sheet == "官渡镇"]) == 2  # hidden rows are read
    _check_builder(exp, path)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_empty_sheet_workbook(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    exp = cw.empty_sheet_workbook(path)
    assert [s.sheet for s in exp.empty_sheets] == ["Sheet2", "Sheet3"]
    assert [n.kind for n in exp.notices_for(path.name, "Sheet2")] == ["empty_sheet"]
    _check_builder(exp, path)
    cal = calamine.CalamineWorkbook.from_path(str(path))
    assert cal.get_sheet_by_name("Sheet2").to_python() == []


def test_lock_and_docx_bytes():
    lock = cw.excel_lock_bytes("张三")
    assert len(lock) == 165 and lock[0] == 2
    assert zipfile.ZipFile(io.BytesIO(cw.minimal_docx_bytes())).testzip() is None


def test_strict_date():
    for good in GOOD_DATES:
        assert cw.strict_date(good) == dt.date(2021, 3, 5), good
    for bad in BAD_DATES:
        assert cw.strict_date(bad) is None, bad
    assert cw.strict_date("1900-02-28") is None  # before Excel's serials are unambiguous
