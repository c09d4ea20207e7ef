"""Clerks' workbooks for tests: ledger rows as a county HR bureau keeps them in Excel/WPS.

A test helper written from SPEC §2 alone (it imports nothing from jishu), so that jishu's workbook reader
can be tested against files made independently of it.

Two parts:

* :func:`reshape_folder` takes a folder of ledger CSVs as jishu reads them today and writes the same rows
  as clerks' ``.xlsx`` workbooks (title rows, a merged group row, ``序号``, Chinese headers, ``合计`` and
  ``制表人：`` rows, blank rows, typed date and number cells, one sheet or one file per township, Chinese
  file names), plus the debris clerks leave in a shared folder (an Excel lock file, an empty sheet, a hidden
  sheet, a non-ledger workbook, a ``.docx``).  It returns an :class:`Expectation` saying where every CSV
  row went (file, sheet, Excel row number, column letters) and which notices SPEC asks jishu to give.
* Small builders (:func:`title_rows_workbook`, :func:`two_row_header_workbook`, :func:`typed_cells_workbook`,
  :func:`hidden_sheet_workbook`, :func:`empty_sheet_workbook`) that each write one workbook, ``.xlsx``
  with openpyxl or ``.xls`` with xlwt, chosen by the path's suffix.

Decisions (where SPEC §2 leaves room; see also the report of the change that added this file):

* **Hidden sheets are read** like any other sheet: SPEC says "every sheet of a workbook is read", and a
  township's rows must not drop out of the county figures because a clerk hid its sheet.  A hidden sheet
  gets no notice of its own.  (Hidden *columns* are different: SPEC says they are ignored, so this module
  never hides a column that holds ledger data.)
* **Every row keeps its verdict.**  A CSV text becomes a typed cell only when it is valid beyond doubt:
  a date column value that is exactly ``YYYY-M-D``/``YYYY/M/D``/``YYYY.M.D`` (one separator),
  ``YYYYMMDD`` or ``YYYY年M月D日`` with ASCII digits, no surrounding space, no time of day, a real date
  from 1900-03-01 on (Excel's serials are unambiguous only from there) becomes a date or datetime cell;
  a whole-number (``insured_months``) or amount column value that is exactly ``0`` or 1–9 ASCII digits
  without a leading zero becomes a number cell (``12`` or ``12.0``).  Everything else -- invalid dates,
  dates with a time of day, full-width digits, ``012``, ``-1``, ``12.5``, spaces -- is written as the
  CSV's text, verbatim.  IDs, credit codes and every other column are always text cells (a string that
  openpyxl would take for a formula or an error code, ``=…``/``#N/A``, is still a text cell).
* **Reading order is kept.**  jishu takes files in name order, sheets in workbook order, rows in row order,
  and keeps the first of two rows with the same key.  Splitting a file by township, or renaming it, could
  change which row comes first; so rows that share a person (resident ID) or a certificate number, after
  a coarse normalisation (NFKC, no spaces, upper case), keep their relative order in the ledger's reading
  order.  A file whose split would break that is written as one sheet; file names sort as the CSV names
  did (English stems first: ASCII sorts before CJK; Chinese names by year, or numbered ``第01批`` …).
* **What the CSV had above its header** (title records) is not copied: the workbook gets its own title
  rows.  Records whose cells are all empty, or only spaces, are not copied (jishu skips them either way).
  A record that is a total/footer row in the CSV (first non-empty cell starts with 合计/小计/总计/制表人：/
  审核人：/填表说明/备注： and the key columns are empty) is copied verbatim where it was and counted as a
  footer row; such a file is never split.
* A cell that is only spaces or full-width spaces (empty once SPEC's trim is done) is written as an empty
  cell (python-calamine reads a blank text cell as empty anyway).  A line break inside a cell comes back
  from any workbook as LF (XML turns CR LF and CR into LF), so ``Placement.expected`` and the header text
  say LF.  A CSV with CR-only line ends (old Macintosh) is read with each CR ending a line, as jishu does.
* ``序号`` is written only on rows whose key columns are all filled, so that a row whose first cell
  decides whether it is a footer row (SPEC: "first non-empty cell … and key columns empty") reads the same
  in the workbook as in the CSV.
* A CSV whose header does not fit its ledger exactly (a required column missing, a column named twice,
  a header that also fits another ledger, or one that matches a column name only when case is ignored)
  keeps its English file name (``trainings_x.xlsx``), its headers verbatim and the header on row 1:
  recognised by name, jishu must give the same missing-column error as for the CSV.
* A CSV that jishu cannot use at all (empty, UTF-16, NUL bytes, undecodable, an unclosed or stray quote)
  or whose cells hold characters a workbook cannot keep (C0 controls) raises :class:`ReshapeError`, or
  with ``on_unusable="skip"`` is left out and listed in :attr:`Expectation.unconverted`.

Notice kinds (this module's vocabulary, not jishu's codes): ``title_rows``, ``footer_rows`` (``合计``
and ``制表人：`` rows; blank rows are counted apart, in ``SheetExpectation.blank_rows``, since SPEC skips
all-empty rows silently), ``not_a_ledger``, ``empty_sheet``, ``lock_file``, ``unsupported_file``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "COLUMNS",
    "DATE_COLUMNS",
    "FOOTER_WORDS",
    "ID_COLUMNS",
    "KEY_COLUMNS",
    "LEDGERS",
    "NUMBER_COLUMNS",
    "XLS_SUPPORTED",
    "Expectation",
    "Notice",
    "Placement",
    "ReshapeError",
    "SheetExpectation",
    "column_letter",
    "credit_code",
    "empty_sheet_workbook",
    "excel_15_digits",
    "excel_lock_bytes",
    "hidden_sheet_workbook",
    "minimal_docx_bytes",
    "non_ledger_workbook",
    "reshape_folder",
    "resident_id",
    "sample_rows",
    "strict_date",
    "title_rows_workbook",
    "two_row_header_workbook",
    "typed_cells_workbook",
    "write_ledger_csv",
]

# --------------------------------------------------------------------------------------------------
# SPEC §2 vocabulary
# --------------------------------------------------------------------------------------------------

LEDGERS = ("trainings", "certificates", "hires", "payouts", "competitions")

#: ledger -> [(canonical name, Chinese name, required)] in SPEC order
COLUMNS: dict[str, list[tuple[str, str, bool]]] = {
    "trainings": [
        ("person_id", "身份证号", True),
        ("name", "姓名", False),
        ("class_id", "班级编号", True),
        ("occupation", "培训职业", False),
        ("provider", "培训机构", False),
        ("start_date", "开班日期", False),
        ("end_date", "结业日期", True),
        ("subsidized", "是否补贴性培训", True),
        ("township", "乡镇", False),
    ],
    "certificates": [
        ("cert_no", "证书编号", True),
        ("person_id", "身份证号", True),
        ("name", "姓名", False),
        ("cert_type", "证书类型", False),
        ("occupation", "职业", False),
        ("level", "等级", True),
        ("issue_date", "发证日期", True),
        ("issuer", "发证机构", False),
        ("township", "乡镇", False),
    ],
    "hires": [
        ("person_id", "身份证号", True),
        ("name", "姓名", False),
        ("employer_id", "统一社会信用代码", True),
        ("employer_name", "单位名称", True),
        ("employer_size", "企业规模", True),
        ("hire_date", "入职日期", True),
        ("separation_date", "离职日期", True),
        ("insured_months", "社保缴费月数", True),
        ("agency_id", "介绍机构统一社会信用代码", False),
        ("agency_name", "介绍机构名称", False),
        ("in_province", "是否省内就业", False),
        ("township", "乡镇", False),
    ],
    "payouts": [
        ("payee_id", "收款单位统一社会信用代码", True),
        ("kind", "补贴类型", True),
        ("person_id", "身份证号", True),
        ("amount", "金额", True),
        ("paid_date", "发放日期", True),
        ("batch", "批次号", False),
    ],
    "competitions": [
        ("competition_id", "竞赛编号", True),
        ("competition_name", "竞赛名称", False),
        ("level", "竞赛级别", True),
        ("occupation", "竞赛职业（工种）", False),
        ("end_date", "竞赛日期", True),
        ("person_id", "身份证号", True),
        ("name", "姓名", False),
        ("award", "获奖等次", False),
        ("township", "乡镇", False),
    ],
}
KEY_COLUMNS = {
    "trainings": ("person_id", "class_id"),
    "certificates": ("cert_no",),
    "hires": ("person_id", "employer_id", "hire_date"),
    "payouts": ("payee_id", "kind", "person_id"),
    "competitions": ("competition_id", "person_id"),
}
DATE_COLUMNS = {
    "trainings": ("start_date", "end_date"),
    "certificates": ("issue_date",),
    "hires": ("hire_date", "separation_date"),
    "payouts": ("paid_date",),
    "competitions": ("end_date",),
}
#: columns whose valid plain-integer values may become number cells (SPEC: `12.0` in a whole-number
#: column is 12; amounts are decimal yuan, so an integer amount is one too)
NUMBER_COLUMNS = {"hires": ("insured_months",), "payouts": ("amount",)}
#: columns that are always text cells (a number cell there has lost digits or is not what the clerk typed)
ID_COLUMNS = {
    "trainings": ("person_id", "class_id"),
    "certificates": ("cert_no", "person_id"),
    "hires": ("person_id", "employer_id", "agency_id"),
    "payouts": ("payee_id", "person_id", "batch"),
    "competitions": ("competition_id", "person_id"),
}
#: columns whose values tie rows together, so that their relative order must survive a reshape
_ORDER_COLUMNS = {
    "trainings": ("person_id",),
    "certificates": ("cert_no", "person_id"),
    "hires": ("person_id",),
    "payouts": ("person_id",),
    "competitions": ("person_id",),
}
#: SPEC's total/footer words, after NFKC (which turns `：` into `:`)
FOOTER_WORDS = ("合计", "小计", "总计", "制表人:", "审核人:", "填表说明", "备注:")

LEDGER_TITLES = {
    "trainings": "职业技能培训台账",
    "certificates": "技能人才取证台账",
    "hires": "城镇新增就业台账",
    "payouts": "就业补贴发放台账",
    "competitions": "职业技能竞赛台账",
}
GROUP_LABELS = {
    "trainings": "培训信息",
    "certificates": "证书信息",
    "hires": "就业信息",
    "payouts": "发放信息",
    "competitions": "竞赛信息",
}
TITLE_INFO_ROW = "填报单位：中牟县人社局  填报日期：2023年1月5日"
FOOTER_ROW = "制表人：张三      审核人：李四"
SERIAL_HEADER = "序号"
DATE_FORMATS = ("yyyy-mm-dd", "yyyy/m/d", 'yyyy"年"m"月"d"日"')
DATETIME_FORMATS = ("yyyy-mm-dd hh:mm:ss", "yyyy/m/d h:mm")

NOTICE_KINDS = ("title_rows", "footer_rows", "not_a_ledger", "empty_sheet", "lock_file", "unsupported_file")

try:  # xlwt is optional: the .xls builders need it
    import xlwt  # noqa: F401

    XLS_SUPPORTED = True
except ImportError:  # pragma: no cover
    XLS_SUPPORTED = False

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WHOLE = re.compile(r"(?:0|[1-9][0-9]{0,8})")
_DATE_SEP = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_DATE_CN = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FIRST_SAFE_DATE = dt.date(1900, 3, 1)


class ReshapeError(ValueError):
    """A CSV that cannot become a workbook without changing what jishu says about it."""


# --------------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _norm(text: str) -> str:
    """SPEC's header/cell normalisation: NFKC, then trim (NFKC turns U+3000 into a space)."""
    return unicodedata.normalize("NFKC", text).strip()


def _blank(text: str) -> bool:
    """Empty once SPEC's trim (spaces, full-width spaces) is done: written as an empty cell."""
    return text.strip(" \u3000") == ""


def _xml_text(text: str) -> str:
    """What a workbook gives back for a text: XML turns CR LF and a lone CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strict_date(text: str) -> dt.date | None:
    """The date a CSV text spells when it is valid beyond doubt (see the module docstring), else None."""
    for pattern in (_DATE_SEP, _DATE_COMPACT, _DATE_CN):
        m = pattern.fullmatch(text)
        if m:
            groups = [g for g in m.groups() if g not in ("-", "/", ".")]
            try:
                day = dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
            except ValueError:
                return None
            return day if day >= _FIRST_SAFE_DATE else None
    return None


def excel_serial(day: dt.date) -> int:
    """Excel's 1900-system serial of a date from 1900-03-01 on."""
    return (day - _EXCEL_EPOCH).days


def excel_15_digits(digits: str) -> float:
    """The number Excel keeps when a long digit string is typed into a General cell (15 significant digits)."""
    return float(f"{float(digits):.15g}")


def resident_id(region: str = "410122", birth: str = "19900101", seq: int = 123) -> str:
    """A valid resident ID (GB 11643-1999 check character)."""
    body = f"{region}{birth}{seq:03d}"
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(body: str = "91410122MA44AAAA0") -> str:
    """A valid unified social credit code (GB 32100-2015 check character) from its first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


def excel_lock_bytes(user: str = "Administrator") -> bytes:
    """An Excel owner ("lock") file, ~$Book.xlsx, as Excel writes it: 165 bytes with the user's name."""
    name = user[:53]
    head = bytes([len(name)]) + name.encode("ascii", "replace").ljust(53, b" ")
    tail = bytes([len(name), 0]) + name.encode("utf-16-le")
    data = head + tail
    data += (b" \x00" * 165)[: 165 - len(data)]
    return data[:165]


def minimal_docx_bytes(text: str = "培训台账填报说明：身份证号请设置为文本格式。") -> bytes:
    """A real, minimal Word document (a zip with the three parts Word needs)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# What the reshape promises
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A notice jishu should give about a file or sheet (severity `notice` in SPEC)."""

    file: str
    sheet: str | None
    kind: str  # one of NOTICE_KINDS
    count: int | None = None  # rows skipped (title_rows, footer_rows)
    rows: tuple[int, ...] = ()  # their Excel row numbers
    detail: str = ""  # e.g. the headers found (not_a_ledger)


@dataclass(eq=False)
class Placement:
    """One ledger row: where it came from and where it is in the workbook."""

    ledger: str
    source_file: str | None  # the CSV's name (None for hand-made builders)
    source_line: int | None  # physical line where the CSV record starts
    values: dict[str, str]  # column key -> the CSV text ('' when empty)
    file: str  # workbook file name
    sheet: str
    row: int  # Excel row number (1-based, title rows counted)
    columns: dict[str, str]  # column key -> letter
    headers: dict[str, str]  # column key -> header text written
    written: dict[str, object]  # column key -> value written (absent: empty cell)
    expected: dict[str, str]  # column key -> what jishu should take the cell for, as CSV-like text
    problems: dict[str, str] = field(default_factory=dict)  # builders: column key -> expected problem

    def position(self, column: str) -> str:
        """SPEC's column position, `D 结业日期`."""
        return f"{self.columns[column]} {self.headers[column]}"

    def cell(self, column: str) -> str:
        return f"{self.columns[column]}{self.row}"


@dataclass(eq=False)
class SheetExpectation:
    file: str
    sheet: str
    index: int  # position in the workbook (0-based, hidden sheets counted)
    kind: str  # "ledger", "empty" or "not_a_ledger"
    ledger: str | None = None
    recognised_by: str | None = None  # "name" or "header"
    hidden: bool = False
    header_row: int | None = None
    title_rows: tuple[int, ...] = ()
    data_rows: tuple[int, ...] = ()
    footer_rows: tuple[int, ...] = ()  # 合计 and 制表人 rows (and CSV footer records copied)
    blank_rows: tuple[int, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)  # column key -> letter
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header text
    serial_column: str | None = None  # letter of 序号
    merges: tuple[str, ...] = ()  # e.g. "A1:J1"
    date_style: str = "text"  # date | datetime | text
    number_style: str = "text"  # int | float | text
    header_merged: dict[str, str] = field(default_factory=dict)  # key -> range for vertically merged headers


@dataclass(eq=False)
class Expectation:
    """Where every CSV row went and what jishu should say about each file and sheet."""

    folder: Path
    rows: list[Placement] = field(default_factory=list)  # in each ledger's original order
    sheets: list[SheetExpectation] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file written, sorted
    #: CSV records that are not rows read: (csv, line, "title"|"blank"|"footer"); title and blank records
    #: are not copied, footer records are copied verbatim and counted in their sheet's footer_rows
    source_skipped: list[tuple[str, int, str]] = field(default_factory=list)
    unconverted: list[tuple[str, str]] = field(default_factory=list)  # (csv, reason)
    #: errors (not notices) jishu must give for a whole sheet: kind "missing_columns" or "column_twice",
    #: detail the canonical columns; only for files kept under their English names
    errors: list[Notice] = field(default_factory=list)
    ignored_inputs: list[str] = field(default_factory=list)  # files in the CSV folder not read
    renamed: dict[str, list[str]] = field(default_factory=dict)  # csv name -> workbook names

    # -- look-ups ------------------------------------------------------------------------------
    def placement(self, source_file: str, line: int) -> Placement:
        for p in self.rows:
            if p.source_file == source_file and p.source_line == line:
                return p
        raise KeyError((source_file, line))

    def translate(self, source_file: str, line: int, column: str) -> tuple[str, str, int, str]:
        """(file, sheet, row, `D 结业日期`) of a CSV position (column by canonical name)."""
        p = self.placement(source_file, line)
        return p.file, p.sheet, p.row, p.position(column)

    def sheet(self, file: str, sheet: str) -> SheetExpectation:
        for s in self.sheets:
            if s.file == file and s.sheet == sheet:
                return s
        raise KeyError((file, sheet))

    def sheets_of(self, file: str) -> list[SheetExpectation]:
        return sorted((s for s in self.sheets if s.file == file), key=lambda s: s.index)

    def notices_for(self, file: str, sheet: str | None = None, kind: str | None = None) -> list[Notice]:
        return [
            n
            for n in self.notices
            if n.file == file and (sheet is None or n.sheet == sheet) and (kind is None or n.kind == kind)
        ]

    def rows_of(self, ledger: str) -> list[Placement]:
        return [p for p in self.rows if p.ledger == ledger]

    def read_order(self, ledger: str) -> list[Placement]:
        """The ledger's rows as jishu reads them: files by name, sheets in workbook order, rows in order."""
        index = {(s.file, s.sheet): s.index for s in self.sheets}
        return sorted(self.rows_of(ledger), key=lambda p: (p.file, index[(p.file, p.sheet)], p.row))

    def workbooks(self) -> list[str]:
        return sorted({s.file for s in self.sheets})

    @property
    def lock_files(self) -> list[str]:
        return [n.file for n in self.notices if n.kind == "lock_file"]

    @property
    def non_ledger_files(self) -> list[str]:
        return sorted({n.file for n in self.notices if n.kind == "not_a_ledger"})

    @property
    def other_files(self) -> list[str]:
        return [n.file for n in self.notices if n.kind == "unsupported_file"]

    @property
    def hidden_sheets(self) -> list[SheetExpectation]:
        return [s for s in self.sheets if s.hidden]

    @property
    def empty_sheets(self) -> list[SheetExpectation]:
        return [s for s in self.sheets if s.kind == "empty"]


# --------------------------------------------------------------------------------------------------
# Reading CSVs as jishu does (strictly; anything doubtful is refused)
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Source:
    name: str
    ledger: str
    encoding: str
    records: list[tuple[int, list[str]]]  # (start line, cells)
    header_index: int = 0
    keys: list[str] = field(default_factory=list)  # column key per header cell
    canon: list[str | None] = field(default_factory=list)  # canonical name per header cell (or None)
    exact: bool = False  # the header fits its ledger and only it
    header_errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail) jishu must report
    year: str = ""


def _decode(raw: bytes) -> tuple[str, str]:
    if not raw:
        raise ReshapeError("empty file")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ReshapeError("UTF-16 file")
    if b"\x00" in raw:
        raise ReshapeError("NUL bytes (binary file)")
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ReshapeError("undecodable UTF-8") from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ReshapeError("neither UTF-8 nor GB18030") from exc


def _parse_csv(text: str) -> list[tuple[int, list[str]]]:
    """Records with the physical line each starts on; RFC 4180 quoting, a `"` inside an unquoted cell is
    an ordinary character; a stray or unclosed quote raises (jishu reports those, a workbook cannot)."""
    records: list[tuple[int, list[str]]] = []
    i, n, line = 0, len(text), 1
    while i < n:
        start_line = line
        cells: list[str] = []
        while True:
            if i < n and text[i] == '"':
                j, parts = i + 1, []
                while True:
                    k = text.find('"', j)
                    if k < 0:
                        raise ReshapeError(f"unclosed quote (line {start_line})")
                    parts.append(text[j:k])
                    if k + 1 < n and text[k + 1] == '"':
                        parts.append('"')
                        j = k + 2
                        continue
                    j = k + 1
                    break
                value = "".join(parts)
                line += text.count("\n", i, j)
                i = j
                if i < n and text[i] not in ",\n" and text[i : i + 2] != "\r\n":
                    raise ReshapeError(f"stray quote (line {start_line})")
            else:
                k = i
                while k < n and text[k] not in ",\n":
                    k += 1
                value = text[i:k]
                if k < n and text[k] == "\n" and value.endswith("\r"):
                    value = value[:-1]
                i = k
            cells.append(value)
            if i >= n:
                break
            if text[i] == ",":
                i += 1
                if i >= n:
                    cells.append("")
                    break
                continue
            if text[i] == "\r":
                i += 1
            i += 1  # the "\n"
            line += 1
            break
        records.append((start_line, cells))
    return records


def _names(ledger: str) -> dict[str, str]:
    """Normalised header text (English or Chinese) -> canonical column, for one ledger."""
    out: dict[str, str] = {}
    for canon, zh, _ in COLUMNS[ledger]:
        out[_norm(canon)] = canon
        out[_norm(zh)] = canon
    return out


_ALL_NAMES_LOWER = {name.lower() for ledger in LEDGERS for name in _names(ledger)}


def _fits(header: Sequence[str], ledger: str) -> tuple[bool, bool]:
    """(holds the ledger's required columns, names one of them twice)."""
    names = _names(ledger)
    found = [names.get(_norm(h)) for h in header]
    present = {c for c in found if c}
    required = {c for c, _, req in COLUMNS[ledger] if req}
    twice = len([c for c in found if c]) != len(present)
    return required <= present, twice


def _ledger_of_name(name: str) -> str | None:
    lower = name.lower()
    if not lower.endswith(".csv"):
        return None
    for ledger in LEDGERS:
        if lower.startswith(ledger):
            return ledger
    return None


def _read_source(path: Path, ledger: str) -> _Source:
    text, encoding = _decode(path.read_bytes())
    if "\n" not in text and "\r" in text:  # old Macintosh line ends (CR only): each CR ends a line
        text = text.replace("\r", "\n")
    records = _parse_csv(text)
    if not records:
        raise ReshapeError("no header")
    for _, cells in records:
        for value in cells:
            if _ILLEGAL_XML.search(value):
                raise ReshapeError("a cell holds a control character that a workbook cannot keep")
    src = _Source(path.name, ledger, encoding, records)
    # the header: the first of the first 20 records that holds some ledger's required columns
    for idx, (_, cells) in enumerate(records[:20]):
        if any(_fits(cells, other)[0] for other in LEDGERS):
            src.header_index = idx
            break
    header = records[src.header_index][1]
    fits, twice = _fits(header, ledger)
    others = [o for o in LEDGERS if o != ledger and _fits(header, o)[0]]
    names = _names(ledger)
    near_miss = any(_norm(h) not in names and _norm(h).lower() in _ALL_NAMES_LOWER for h in header)
    src.exact = fits and not twice and not others and not near_miss
    found = [names.get(_norm(h)) for h in header]
    missing = [c for c, _, req in COLUMNS[ledger] if req and c not in found]
    if missing and not near_miss:
        src.header_errors.append(("missing_columns", ", ".join(missing)))
    doubled = sorted({c for c in found if c and found.count(c) > 1})
    if doubled:
        src.header_errors.append(("column_twice", ", ".join(doubled)))
    seen: dict[str, int] = {}
    for pos, h in enumerate(header):
        canon = names.get(_norm(h)) if src.exact else None
        key = canon or _norm(h) or f"#{pos + 1}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        src.keys.append(key)
        src.canon.append(canon)
    m = re.search(r"(19|20)[0-9]{2}", Path(path.name).stem)
    src.year = m.group(0) if m else ""
    return src


# --------------------------------------------------------------------------------------------------
# Sheets as clerks keep them: a small model, rendered with openpyxl or xlwt
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _SheetModel:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, col) 1-based
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden: bool = False
    freeze: tuple[int, int] | None = None


def _merge_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"


def _write_xlsx(path: Path, sheets: Sequence[_SheetModel]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for model in sheets:
        ws = wb.create_sheet(model.name)
        for (r, c), value in sorted(model.cells.items()):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula or an error code
            fmt = model.formats.get((r, c))
            if fmt:
                cell.number_format = fmt
        for r1, c1, r2, c2 in model.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if model.freeze:
            ws.freeze_panes = ws.cell(row=model.freeze[0], column=model.freeze[1])
        if model.hidden:
            ws.sheet_state = "hidden"
    visible = [i for i, m in enumerate(sheets) if not m.hidden]
    wb.active = visible[0] if visible else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _write_xls(path: Path, sheets: Sequence[_SheetModel]) -> None:
    if not XLS_SUPPORTED:  # pragma: no cover
        raise RuntimeError("xlwt is not installed")
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}

    def style(fmt: str | None):
        if not fmt:
            return xlwt.Style.default_style
        if fmt not in styles:
            styles[fmt] = xlwt.easyxf(num_format_str=fmt)
        return styles[fmt]

    for model in sheets:
        ws = wb.add_sheet(model.name, cell_overwrite_ok=True)
        covered = set()
        for r1, c1, r2, c2 in model.merges:
            value = model.cells.get((r1, c1), "")
            ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, value, style(model.formats.get((r1, c1))))
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r, c), value in sorted(model.cells.items()):
            if (r, c) in covered:
                continue
            if isinstance(value, str) and len(value) > 32767:
                raise ReshapeError("a cell longer than .xls allows")
            ws.write(r - 1, c - 1, value, style(model.formats.get((r, c))))
        if model.hidden:
            ws.visibility = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))


def _write_book(path: Path, sheets: Sequence[_SheetModel]) -> None:
    if path.suffix.lower() == ".xls":
        _write_xls(path, sheets)
    else:
        _write_xlsx(path, sheets)


@dataclass
class _Style:
    title: str | None = None  # the title row's text, or no title row
    info_row: bool = True  # 填报单位：…  填报日期：…
    group_row: bool = False  # 基本信息 | 培训信息 (merged)
    serial: bool = True  # 序号 column
    date_style: str = "date"  # date | datetime | text
    date_format: str = DATE_FORMATS[0]
    number_style: str = "int"  # int | float | text
    blank_before_total: int = 0
    total_row: bool = True
    blank_before_footer: int = 1
    footer_row: bool = True
    merge_footer: bool = False
    header_lang: str = "zh"  # zh | raw (the CSV's header text, verbatim)


@dataclass
class _Row:
    """One row to write: raw CSV-like text per column key (or an explicit typed value)."""

    values: dict[str, str]
    source_file: str | None = None
    source_line: int | None = None
    footer: bool = False  # a CSV total/footer record copied verbatim
    typed: dict[str, object] = field(default_factory=dict)  # builders: value to write as is
    formats: dict[str, str] = field(default_factory=dict)  # builders: number format of a typed value
    expected: dict[str, str] = field(default_factory=dict)  # builders: what jishu should take it for
    problems: dict[str, str] = field(default_factory=dict)


def _typed_value(ledger: str, key: str, raw: str, style: _Style, rng: random.Random | None):
    """(value to write, number format, expected text) for one CSV text."""
    if key in DATE_COLUMNS.get(ledger, ()) and style.date_style != "text":
        day = strict_date(raw)
        if day is not None:
            if style.date_style == "datetime":
                return dt.datetime(day.year, day.month, day.day), style.date_format, day.isoformat()
            return day, style.date_format, day.isoformat()
    if key in NUMBER_COLUMNS.get(ledger, ()) and style.number_style != "text" and _WHOLE.fullmatch(raw):
        number = int(raw)
        return (float(number) if style.number_style == "float" else number), None, str(number)
    return raw, None, raw


def _layout_sheet(
    model: _SheetModel,
    ledger: str | None,
    keys: Sequence[str],
    canon: Sequence[str | None],
    raw_headers: Sequence[str],
    rows: Sequence[_Row],
    style: _Style,
    file: str,
    index: int,
    recognised_by: str | None,
    rng: random.Random | None = None,
) -> tuple[SheetExpectation, list[Placement]]:
    """Lay rows out on a sheet the way a clerk does; returns what a reader should find."""
    first_col = 2 if style.serial else 1
    letters = {key: column_letter(first_col + i) for i, key in enumerate(keys)}
    last_col = first_col + len(keys) - 1
    zh_of = {c: zh for c, zh, _ in COLUMNS.get(ledger or "", [])}
    headers = {}
    for key, c, raw in zip(keys, canon, raw_headers):
        headers[key] = zh_of[c] if (style.header_lang == "zh" and c) else _xml_text(raw)

    sx = SheetExpectation(
        file=file,
        sheet=model.name,
        index=index,
        kind="ledger",
        ledger=ledger,
        recognised_by=recognised_by,
        hidden=model.hidden,
        date_style=style.date_style,
        number_style=style.number_style,
    )
    merges: list[str] = []

    def merge(r1, c1, r2, c2):
        if (r1, c1) != (r2, c2):
            model.merges.append((r1, c1, r2, c2))
            merges.append(_merge_ref(r1, c1, r2, c2))

    r = 1
    titles = []
    if style.title is not None:
        model.cells[(r, 1)] = style.title
        merge(r, 1, r, last_col)
        titles.append(r)
        r += 1
    if style.info_row:
        model.cells[(r, 1)] = TITLE_INFO_ROW
        merge(r, 1, r, last_col)
        titles.append(r)
        r += 1
    if style.group_row and last_col >= 3:
        split = max(2, (last_col + 1) // 2)
        model.cells[(r, 1)] = "基本信息"
        merge(r, 1, r, split)
        model.cells[(r, split + 1)] = GROUP_LABELS.get(ledger or "", "其他信息")
        merge(r, split + 1, r, last_col)
        titles.append(r)
        r += 1
    header_row = r
    if style.serial:
        model.cells[(r, 1)] = SERIAL_HEADER
        sx.serial_column = "A"
    for key in keys:
        if headers[key] != "":
            model.cells[(r, first_col + keys.index(key))] = headers[key]
    model.freeze = (header_row + 1, first_col)
    r += 1

    key_cols = KEY_COLUMNS.get(ledger or "", ())
    placements: list[Placement] = []
    data_rows, footer_rows, blank_rows = [], [], []
    serial = 0
    for row in rows:
        written: dict[str, object] = {}
        expected: dict[str, str] = {}
        for key in keys:
            col = first_col + keys.index(key)
            if key in row.typed:
                value = row.typed[key]
                fmt = row.formats.get(key)
                exp = row.expected.get(key, "")
            else:
                raw = row.values.get(key, "")
                if _blank(raw):
                    expected[key] = ""
                    continue
                value, fmt, exp = _typed_value(ledger or "", key, raw, style, rng)
                if isinstance(value, str):
                    value = exp = _xml_text(value)
            if value is None or value == "":
                expected[key] = exp
                continue
            model.cells[(r, col)] = value
            if fmt is None and isinstance(value, dt.date):
                fmt = DATE_FORMATS[0] if not isinstance(value, dt.datetime) else DATETIME_FORMATS[0]
            if fmt:
                model.formats[(r, col)] = fmt
            written[key] = value
            expected[key] = exp
        if row.footer:
            footer_rows.append(r)
        else:
            keyed = bool(key_cols) and all(
                _norm(row.values.get(k, "")) != "" or k in row.typed for k in key_cols
            )
            if style.serial and keyed:
                serial += 1
                model.cells[(r, 1)] = serial
            data_rows.append(r)
            placements.append(
                Placement(
                    ledger=ledger or "",
                    source_file=row.source_file,
                    source_line=row.source_line,
                    values=dict(row.values),
                    file=file,
                    sheet=model.name,
                    row=r,
                    columns=dict(letters),
                    headers=dict(headers),
                    written=written,
                    expected=expected,
                    problems=dict(row.problems),
                )
            )
        r += 1
    for _ in range(style.blank_before_total):
        blank_rows.append(r)
        r += 1
    if style.total_row:
        model.cells[(r, 1)] = "合计"
        name_col = "name" if "name" in keys else None
        if name_col:
            model.cells[(r, first_col + keys.index(name_col))] = f"共{len(placements)}人"
        footer_rows.append(r)
        r += 1
    for _ in range(style.blank_before_footer if style.footer_row else 0):
        blank_rows.append(r)
        r += 1
    if style.footer_row:
        model.cells[(r, 1)] = FOOTER_ROW
        if style.merge_footer:
            merge(r, 1, r, last_col)
        footer_rows.append(r)
        r += 1

    sx.header_row = header_row
    sx.title_rows = tuple(titles)
    sx.data_rows = tuple(data_rows)
    sx.footer_rows = tuple(footer_rows)
    sx.blank_rows = tuple(blank_rows)
    sx.columns = dict(letters)
    sx.headers = dict(headers)
    sx.merges = tuple(merges)
    return sx, placements


def _sheet_notices(sx: SheetExpectation) -> list[Notice]:
    out = []
    if sx.title_rows:
        out.append(Notice(sx.file, sx.sheet, "title_rows", len(sx.title_rows), sx.title_rows))
    if sx.footer_rows:
        out.append(Notice(sx.file, sx.sheet, "footer_rows", len(sx.footer_rows), sx.footer_rows))
    return out


# --------------------------------------------------------------------------------------------------
# reshape_folder
# --------------------------------------------------------------------------------------------------

_FORBIDDEN_SHEET = re.compile(r"[\[\]:*?/\\]")
_FORBIDDEN_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _sheet_name(text: str, taken: set[str]) -> str:
    name = _FORBIDDEN_SHEET.sub("_", text).strip("'")[:31] or "Sheet"
    if name.lower() == "history":
        name = "History_"
    base, k = name, 2
    while name.lower() in taken:
        suffix = f"({k})"
        name = base[: 31 - len(suffix)] + suffix
        k += 1
    taken.add(name.lower())
    return name


def _short_township(name: str) -> str:
    for suffix in ("街道办事处", "办事处", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _order_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def _order_ok(sequence: Iterable[tuple[int, list[tuple[str, str]]]]) -> bool:
    """True when rows sharing an order key appear in increasing original index."""
    last: dict[tuple[str, str], int] = {}
    for seq, keys in sequence:
        for k in keys:
            if last.get(k, -1) > seq:
                return False
            last[k] = seq
    return True


@dataclass(eq=False)
class _Item:
    seq: int  # position in the ledger's original order
    row: _Row
    group: str  # township value ('' when none)
    order_keys: list[tuple[str, str]]


@dataclass(eq=False)
class _Plan:
    source: _Source
    items: list[_Item]
    english: bool = True
    layout: str = "single"  # single | sheets | files
    groups: list[str] = field(default_factory=list)


def _groups_in_order(items: Sequence[_Item], how: str) -> list[str]:
    first = []
    for it in items:
        if it.group not in first:
            first.append(it.group)
    return sorted(first) if how == "sorted" else first


def _split_ok(items: Sequence[_Item], groups: Sequence[str]) -> bool:
    seq = [(it.seq, it.order_keys) for g in groups for it in items if it.group == g]
    return _order_ok(seq)


def reshape_folder(
    csv_folder: str | Path,
    out_folder: str | Path,
    *,
    rng: random.Random,
    township_column: str | None = "乡镇",
    on_unusable: str = "raise",
    extras: bool = True,
) -> Expectation:
    """Write the ledger CSVs of `csv_folder` as clerks' workbooks in `out_folder`.

    `csv_folder` holds files named ``trainings*``/``certificates*``/``hires*``/``payouts*``/
    ``competitions*`` ``.csv`` (case ignored; English or Chinese headers; UTF-8 with or without BOM, or
    GB18030).  Other files are not read (listed in ``Expectation.ignored_inputs``).

    `township_column` names the column that splits a file into one sheet, or one workbook, per
    township: ``乡镇`` or ``township`` (the same column), another header, or None for no split.
    `rng` decides every choice, so a seed gives the same folder each time.  With `extras` the folder also
    gets an Excel lock file, an empty sheet in one workbook, a hidden ledger sheet (when some workbook has
    two sheets), ``通讯录.xlsx`` (not a ledger) and ``培训台账说明.docx``.

    Hidden sheets hold ledger rows and are expected to be read like any other sheet.
    """
    if on_unusable not in ("raise", "skip"):
        raise ValueError("on_unusable must be 'raise' or 'skip'")
    csv_folder, out = Path(csv_folder), Path(out_folder)
    out.mkdir(parents=True, exist_ok=True)
    exp = Expectation(folder=out)

    # 1. read the CSVs, in jishu's order (names as written)
    sources: dict[str, list[_Source]] = {ledger: [] for ledger in LEDGERS}
    for path in sorted(csv_folder.iterdir(), key=lambda p: p.name):
        ledger = _ledger_of_name(path.name) if path.is_file() else None
        if ledger is None:
            exp.ignored_inputs.append(path.name)
            continue
        try:
            sources[ledger].append(_read_source(path, ledger))
        except ReshapeError as exc:
            if on_unusable == "raise":
                raise ReshapeError(f"{path.name}: {exc}") from exc
            exp.unconverted.append((path.name, str(exc)))

    # 2. rows, with the records the workbook leaves out
    plans: dict[str, list[_Plan]] = {}
    for ledger, srcs in sources.items():
        seq = 0
        plans[ledger] = []
        for src in srcs:
            header = src.records[src.header_index][1]
            town_key = None
            if township_column is not None and src.exact:
                wanted = _norm(township_column)
                names = _names(ledger)
                target = names.get(wanted, wanted)
                town_key = target if target in src.keys else None
            items: list[_Item] = []
            for line, _cells in src.records[: src.header_index]:
                exp.source_skipped.append((src.name, line, "title"))
            for line, cells in src.records[src.header_index + 1 :]:
                if all(c == "" for c in cells):
                    exp.source_skipped.append((src.name, line, "blank"))
                    continue
                values = {key: (cells[i] if i < len(cells) else "") for i, key in enumerate(src.keys)}
                if all(_blank(v) for v in values.values()):
                    exp.source_skipped.append((src.name, line, "blank"))
                    continue
                first = next((_norm(c) for c in cells[: len(header)] if _norm(c) != ""), "")
                keys_empty = all(_norm(values.get(k, "")) == "" for k in KEY_COLUMNS[ledger])
                footer = keys_empty and first.startswith(FOOTER_WORDS)
                if footer:
                    exp.source_skipped.append((src.name, line, "footer"))
                order_keys = [
                    (c, _order_key(values[c]))
                    for c in _ORDER_COLUMNS[ledger]
                    if c in values and _order_key(values[c]) != ""
                ]
                group = values.get(town_key, "").strip() if town_key else ""
                items.append(_Item(seq, _Row(values, src.name, line, footer=footer), group, order_keys))
                seq += 1
            plans[ledger].append(_Plan(src, items))

    # 3. which files keep their English names: a leading run per ledger (ASCII sorts before CJK)
    all_plans = [p for ledger in LEDGERS for p in plans[ledger]]
    for ledger in LEDGERS:
        ps = plans[ledger]
        k = max((i + 1 for i, p in enumerate(ps) if not p.source.exact), default=0)
        if len(ps) >= 2:
            k = max(k, rng.choice((0, 1)))
        for i, p in enumerate(ps):
            p.english = i < k
    shuffled = list(LEDGERS)
    rng.shuffle(shuffled)
    if not any(not p.english for p in all_plans):  # some file must be known by its header only
        for ledger in shuffled:
            if plans[ledger] and plans[ledger][-1].source.exact:
                plans[ledger][-1].english = False
                break
    if len(all_plans) >= 2 and not any(p.english for p in all_plans):  # and some keeps its English name
        multi = [lg for lg in shuffled if len(plans[lg]) >= 2]
        some = [lg for lg in shuffled if plans[lg]]
        plans[(multi or some)[0]][0].english = True

    # 4. layouts: single sheet, one sheet per township, or one workbook per township
    for p in all_plans:
        p.groups = []
    candidates = [p for p in all_plans if p.source.exact and not any(it.row.footer for it in p.items)]
    rng.shuffle(candidates)

    def feasible(p: _Plan, layout: str) -> list[str] | None:
        groups_first = _groups_in_order(p.items, "first")
        if len(groups_first) < 2 or (layout == "files" and "" in groups_first):
            return None
        if layout == "sheets" and len(groups_first) <= 40:
            for how in ("first", "sorted"):
                gs = _groups_in_order(p.items, how)
                if _split_ok(p.items, gs):
                    return gs
        if layout == "files" and not p.english and len(groups_first) <= 8:
            gs = sorted(groups_first, key=lambda g: _FORBIDDEN_FILE.sub("_", g))
            if _split_ok(p.items, gs):
                return gs
        return None

    want_sheets, want_files = True, True
    for p in candidates:
        gs_sheets, gs_files = feasible(p, "sheets"), feasible(p, "files")
        if want_sheets and gs_sheets:
            p.layout, p.groups, want_sheets = "sheets", gs_sheets, False
            continue
        if want_files and gs_files:
            p.layout, p.groups, want_files = "files", gs_files, False
            continue
        options = ["single", "single"] + (["sheets"] if gs_sheets else []) + (["files"] if gs_files else [])
        choice = rng.choice(options)
        p.layout = choice
        p.groups = gs_sheets if choice == "sheets" else gs_files if choice == "files" else []

    # 5. file names, then a check that each ledger is read in its original order
    def name_files(ledger: str) -> None:
        ps = plans[ledger]
        chinese = [p for p in ps if not p.english]
        years = [p.source.year for p in chinese]
        by_year = all(years) and all(a < b for a, b in itertools.pairwise(years))
        for j, p in enumerate(chinese):
            if by_year:
                base = f"中牟县{p.source.year}年{LEDGER_TITLES[ledger]}"
            elif len(chinese) == 1:
                base = f"中牟县{p.source.year + '年' if p.source.year else ''}{LEDGER_TITLES[ledger]}"
            else:
                base = f"中牟县{LEDGER_TITLES[ledger]}第{j + 1:02d}批"
            p.base = base  # type: ignore[attr-defined]
        for p in ps:
            if p.english:
                p.base = Path(p.source.name).stem  # type: ignore[attr-defined]

    def book_names(p: _Plan) -> list[tuple[str, list[str]]]:
        """[(file name, [groups in its sheets])]."""
        base = p.base  # type: ignore[attr-defined]
        if p.layout == "files":
            return [(f"{base}（{_FORBIDDEN_FILE.sub('_', g)}）.xlsx", [g]) for g in p.groups]
        if p.layout == "sheets":
            return [(f"{base}.xlsx", list(p.groups))]
        return [(f"{base}.xlsx", [None])]  # type: ignore[list-item]

    for ledger in LEDGERS:
        for _attempt in range(2):
            name_files(ledger)
            books = [(name, p, gs) for p in plans[ledger] for name, gs in book_names(p)]
            ordered = sorted(books, key=lambda b: b[0])
            seq = []
            for _name, p, gs in ordered:
                for g in gs:
                    seq.extend((it.seq, it.order_keys) for it in p.items if g is None or it.group == g)
            names_ok = len({b[0] for b in books}) == len(books)
            if names_ok and _order_ok(seq):
                break
            for p in plans[ledger]:  # fall back: one sheet per file, English stems
                p.layout, p.groups, p.english = "single", [], True
        else:  # pragma: no cover - English stems always sort as the CSVs did
            raise AssertionError(f"cannot keep the order of {ledger}")

    # 6. styles, cycled so that a small folder still shows every variant
    date_styles = ["date", "datetime", "text"]
    number_styles = ["int", "float", "text"]
    rng.shuffle(date_styles)
    rng.shuffle(number_styles)
    group_rows = [True, False]
    rng.shuffle(group_rows)
    counter = {"n": 0}

    def next_style(ledger: str, year: str, exact: bool, english: bool) -> _Style:
        n = counter["n"]
        counter["n"] += 1
        if not exact:
            return _Style(
                title=None,
                info_row=False,
                group_row=False,
                serial=False,
                date_style="text",
                number_style="text",
                total_row=False,
                footer_row=False,
                blank_before_footer=0,
                header_lang="raw",
            )
        date_style = date_styles[n % 3]
        return _Style(
            title=f"中牟县{year + '年' if year else ''}{LEDGER_TITLES[ledger]}",
            info_row=True,
            group_row=group_rows[n % 2],
            serial=True,
            date_style=date_style,
            date_format=rng.choice(DATETIME_FORMATS if date_style == "datetime" else DATE_FORMATS),
            number_style=number_styles[(n // 3 + n) % 3],
            blank_before_total=rng.choice((0, 0, 1)),
            total_row=True,
            blank_before_footer=rng.choice((0, 1, 2)),
            footer_row=True,
            merge_footer=rng.random() < 0.5,
            header_lang="zh" if not english or rng.random() < 0.5 else "raw",
        )

    # 7. write
    written_books: list[tuple[str, list[_SheetModel], list[SheetExpectation]]] = []
    for ledger in LEDGERS:
        for p in plans[ledger]:
            src = p.source
            header = src.records[src.header_index][1]
            names_for_csv = []
            short = rng.random() < 0.5
            for fname, gs in book_names(p):
                models, sxs = [], []
                taken: set[str] = set()
                for g in gs:
                    if g is None:
                        towns = {it.group for it in p.items}
                        label = (
                            next(iter(towns))
                            if len(towns) == 1 and "" not in towns
                            else rng.choice(("Sheet1", "台账", "汇总"))
                        )
                    else:
                        label = (_short_township(g) if short else g) or "未填乡镇"
                    model = _SheetModel(_sheet_name(label, taken))
                    rows = [it.row for it in p.items if g is None or it.group == g]
                    style = next_style(ledger, src.year, src.exact, p.english)
                    sx, placements = _layout_sheet(
                        model,
                        ledger,
                        src.keys,
                        src.canon,
                        header,
                        rows,
                        style,
                        fname,
                        len(models),
                        "name" if p.english else "header",
                        rng,
                    )
                    models.append(model)
                    sxs.append(sx)
                    exp.rows.extend(placements)
                    exp.errors.extend(
                        Notice(fname, model.name, kind, detail=detail) for kind, detail in src.header_errors
                    )
                written_books.append((fname, models, sxs))
                names_for_csv.append(fname)
            exp.renamed[src.name] = names_for_csv

    # 8. the debris of a shared folder
    if extras:
        multi = [b for b in written_books if len(b[1]) >= 2]
        if multi:
            fname, models, sxs = rng.choice(multi)
            k = rng.randrange(1, len(models))
            models[k].hidden = True
            sxs[k].hidden = True
        if written_books:
            singles = [b for b in written_books if not any(m.hidden for m in b[1])] or written_books
            fname, models, sxs = rng.choice(singles)
            taken = {m.name.lower() for m in models}
            n = len(models) + 1
            while f"sheet{n}" in taken:
                n += 1
            models.append(_SheetModel(f"Sheet{n}"))
            sxs.append(SheetExpectation(file=fname, sheet=f"Sheet{n}", index=len(sxs), kind="empty"))
    for fname, models, sxs in written_books:
        _write_xlsx(out / fname, models)
        for sx in sxs:
            exp.sheets.append(sx)
            if sx.kind == "empty":
                exp.notices.append(Notice(fname, sx.sheet, "empty_sheet"))
            else:
                exp.notices.extend(_sheet_notices(sx))
    if extras:
        chinese_books = [b[0] for b in written_books if not b[0].isascii()] or [b[0] for b in written_books]
        if chinese_books:
            lock = "~$" + rng.choice(chinese_books)
            (out / lock).write_bytes(excel_lock_bytes())
            exp.notices.append(Notice(lock, None, "lock_file"))
        sx = non_ledger_workbook(out / "通讯录.xlsx")
        exp.sheets.append(sx)
        exp.notices.append(Notice(sx.file, sx.sheet, "not_a_ledger", detail=", ".join(sx.headers.values())))
        (out / "培训台账说明.docx").write_bytes(minimal_docx_bytes())
        exp.notices.append(Notice("培训台账说明.docx", None, "unsupported_file"))

    # rows in each ledger's original order
    order = {(lg, p.source.name): (i, j) for i, lg in enumerate(LEDGERS) for j, p in enumerate(plans[lg])}
    exp.rows.sort(key=lambda pl: (order[(pl.ledger, pl.source_file)], pl.source_line))
    exp.files = sorted(p.name for p in out.iterdir())
    return exp


# --------------------------------------------------------------------------------------------------
# Hand-made cases
# --------------------------------------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_TOWNSHIPS = ("白沙镇", "官渡镇", "韩寺镇", "刘集镇", "狼城岗镇", "青年路街道")


def sample_rows(
    ledger: str,
    n: int = 3,
    *,
    rng: random.Random | None = None,
    townships: Sequence[str] = _TOWNSHIPS[:3],
    start: int = 0,
) -> list[dict[str, str]]:
    """`n` valid rows of a ledger (canonical column -> text), distinct keys, townships in turn."""
    rng = rng or random.Random(n)
    rows = []
    for i in range(start, start + n):
        pid = resident_id(
            birth=f"19{rng.randint(70, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            seq=100 + i % 900,
        )
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", rng.choice(_GIVEN)))
        town = townships[i % len(townships)] if townships else ""
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        if ledger == "trainings":
            rows.append(
                {
                    "person_id": pid,
                    "name": name,
                    "class_id": f"ZMPX2022{i // 5 + 1:04d}",
                    "occupation": "中式面点师",
                    "provider": "中牟县就业训练中心",
                    "start_date": (day - dt.timedelta(days=20)).isoformat(),
                    "end_date": day.isoformat(),
                    "subsidized": rng.choice(("是", "否")),
                    "township": town,
                }
            )
        elif ledger == "certificates":
            rows.append(
                {
                    "cert_no": f"Y0000410122002220{i:05d}",
                    "person_id": pid,
                    "name": name,
                    "cert_type": "职业技能等级证书",
                    "occupation": "电工",
                    "level": rng.choice(("三级", "四级", "5")),
                    "issue_date": day.isoformat(),
                    "issuer": "中牟县职业技能鉴定中心",
                    "township": town,
                }
            )
        elif ledger == "hires":
            rows.append(
                {
                    "person_id": pid,
                    "name": name,
                    "employer_id": credit_code(f"91410122MA44A{i:04d}"),
                    "employer_name": f"中牟县第{i + 1}服装有限公司",
                    "employer_size": "小型",
                    "hire_date": day.isoformat(),
                    "separation_date": "",
                    "insured_months": "12",
                    "agency_id": "",
                    "agency_name": "",
                    "in_province": "",
                    "township": town,
                }
            )
        elif ledger == "payouts":
            rows.append(
                {
                    "payee_id": credit_code(f"91410122MA44A{i:04d}"),
                    "kind": "employer",
                    "person_id": pid,
                    "amount": "1000",
                    "paid_date": day.isoformat(),
                    "batch": "2022-01",
                }
            )
        elif ledger == "competitions":
            rows.append(
                {
                    "competition_id": f"ZMJS2022{i // 5 + 1:03d}",
                    "competition_name": "中牟县焊工技能大赛",
                    "level": "县级",
                    "occupation": "焊工",
                    "end_date": day.isoformat(),
                    "person_id": pid,
                    "name": name,
                    "award": rng.choice(("一等奖", "参赛", "")),
                    "township": town,
                }
            )
        else:
            raise ValueError(ledger)
    return rows


def write_ledger_csv(
    path: str | Path,
    ledger: str,
    rows: Sequence[Mapping[str, str]],
    *,
    lang: str = "en",
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
    columns: Sequence[str] | None = None,
) -> Path:
    """A ledger CSV as Excel would save it (fields quoted only when needed)."""
    import csv
    import io

    cols = list(columns or [c for c, _, _ in COLUMNS[ledger]])
    zh = {c: z for c, z, _ in COLUMNS[ledger]}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow([zh.get(c, c) if lang == "zh" else c for c in cols])
    for row in rows:
        w.writerow([row.get(c, "") for c in cols])
    data = buf.getvalue().encode(encoding)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _builder_keys(ledger: str) -> tuple[list[str], list[str | None], list[str]]:
    keys = [c for c, _, _ in COLUMNS[ledger]]
    return keys, list(keys), keys


def _single_book(
    path: Path,
    specs: Sequence[tuple[str, str, Sequence[_Row], _Style, bool]],
    extra: Sequence[_SheetModel] = (),
) -> Expectation:
    """Write one workbook of ledger sheets [(sheet, ledger, rows, style, hidden)] (+ extra sheets)."""
    path = Path(path)
    exp = Expectation(folder=path.parent)
    models = []
    for name, ledger, rows, style, hidden in specs:
        keys, canon, raw = _builder_keys(ledger)
        model = _SheetModel(name, hidden=hidden)
        sx, placements = _layout_sheet(
            model, ledger, keys, canon, raw, rows, style, path.name, len(models), "header"
        )
        models.append(model)
        exp.sheets.append(sx)
        exp.rows.extend(placements)
        exp.notices.extend(_sheet_notices(sx))
    for model in extra:
        exp.sheets.append(SheetExpectation(file=path.name, sheet=model.name, index=len(models), kind="empty"))
        exp.notices.append(Notice(path.name, model.name, "empty_sheet"))
        models.append(model)
    _write_book(path, models)
    exp.files = [path.name]
    return exp


def _rows(ledger: str, rows: Sequence[Mapping[str, str]] | None, n: int = 3, start: int = 0) -> list[_Row]:
    data = rows if rows is not None else sample_rows(ledger, n, rng=random.Random(7 + start), start=start)
    return [_Row(dict(r)) for r in data]


def title_rows_workbook(
    path: str | Path,
    ledger: str = "trainings",
    rows: Sequence[Mapping[str, str]] | None = None,
    *,
    sheet: str = "白沙镇",
    group_row: bool = False,
    blank_rows: int = 1,
    date_style: str = "date",
    number_style: str = "int",
) -> Expectation:
    """One sheet: title row, 填报单位 row, (group row), header, 序号, data, 合计, blank rows, 制表人 footer.

    `.xlsx` or `.xls` by the path's suffix.  The header is on row 3 (row 4 with `group_row`)."""
    style = _Style(
        title=f"中牟县2022年{LEDGER_TITLES[ledger]}",
        group_row=group_row,
        date_style=date_style,
        number_style=number_style,
        blank_before_footer=blank_rows,
    )
    return _single_book(Path(path), [(sheet, ledger, _rows(ledger, rows), style, False)])


def two_row_header_workbook(
    path: str | Path,
    ledger: str = "trainings",
    rows: Sequence[Mapping[str, str]] | None = None,
    *,
    merge_required: bool = False,
) -> Expectation:
    """A two-row header as clerks draw it: row 3 has merged group cells (`基本信息` over the person's
    columns, `培训信息` over the rest) and `序号` merged down over rows 3–4; row 4 has the column names.

    With `merge_required`, the person's columns (`身份证号`, `姓名`) are not under a group but merged down
    over rows 3–4 like `序号`, so their names are in row 3 only (the top-left cell of the merge): a reader
    must take a merged cell's value for every cell it covers to find the header on row 4.  SPEC does not
    say so; the expectation records it in ``SheetExpectation.header_merged``.  `.xlsx` or `.xls`."""
    path = Path(path)
    style = _Style(
        title=f"中牟县2022年{LEDGER_TITLES[ledger]}",
        group_row=True,
        date_style="text",
        number_style="text",
        blank_before_footer=1,
    )
    keys, canon, raw = _builder_keys(ledger)
    model = _SheetModel("Sheet1")
    sx, placements = _layout_sheet(
        model, ledger, keys, canon, raw, _rows(ledger, rows), style, path.name, 0, "header"
    )
    top, sub = sx.title_rows[-1], sx.header_row
    assert (top, sub) == (3, 4)
    last_col = 1 + len(keys)
    # redraw the group row
    model.merges = [m for m in model.merges if m[0] != top]
    for c in range(1, last_col + 1):
        model.cells.pop((top, c), None)
    merges = [(top, 1, sub, 1)]  # 序号 over both rows
    model.cells[(top, 1)] = model.cells.pop((sub, 1))
    person = [k for k in ("person_id", "name") if k in keys]
    person_cols = sorted(keys.index(k) + 2 for k in person)
    header_merged = {}
    if merge_required:
        for k in person:
            c = keys.index(k) + 2
            model.cells[(top, c)] = model.cells.pop((sub, c))
            merges.append((top, c, sub, c))
            header_merged[k] = _merge_ref(top, c, sub, c)
        rest = [c for c in range(2, last_col + 1) if c not in person_cols]
        groups = [(rest[0], rest[-1], GROUP_LABELS[ledger])]
        if person_cols != list(range(2, 2 + len(person_cols))):
            raise ValueError("merge_required wants the person's columns first")
    else:
        split = max(person_cols + [3])
        groups = [(2, split, "基本信息"), (split + 1, last_col, GROUP_LABELS[ledger])]
    for c1, c2, label in groups:
        model.cells[(top, c1)] = label
        merges.append((top, c1, top, c2))
    model.merges.extend(merges)
    _write_book(path, [model])
    sx.merges = tuple(_merge_ref(*m) for m in model.merges)
    sx.header_merged = header_merged
    return Expectation(
        folder=path.parent, rows=placements, sheets=[sx], notices=_sheet_notices(sx), files=[path.name]
    )


def typed_cells_workbook(path: str | Path) -> Expectation:
    """A hires sheet whose cells have Excel types, one case per row (see each Placement's `expected` and
    `problems`; `problems` uses this module's words, not jishu's codes):

    row 4: hire_date a date cell, insured_months the number 12                       -> accepted
    row 5: hire_date and separation_date datetime cells at 00:00:00, insured_months 12.0 -> accepted, 12
    row 6: hire_date the number 44621 (General format: an Excel serial)               -> 2022-03-01
    row 7: person_id the number Excel keeps for 410122199001011234 (15 digits)        -> id_numeric (format as text)
    row 8: hire_date a text date in the clerk's spelling `2022年3月5日`                -> accepted
    row 9: insured_months the number 12.5                                            -> not a whole number
    row 10: hire_date a date cell formatted `yyyy"年"m"月"d"日"`, separation_date empty -> accepted
    """
    path = Path(path)
    base = sample_rows("hires", 7, rng=random.Random(11), start=40)
    for r in base:
        r["hire_date"] = "2022-03-05"
    cases: list[_Row] = []

    def row(i, typed=None, formats=None, expected=None, problems=None, **text):
        values = dict(base[i])
        values.update(text)
        return _Row(
            values, typed=typed or {}, formats=formats or {}, expected=expected or {}, problems=problems or {}
        )

    cases.append(
        row(
            0,
            typed={"hire_date": dt.date(2022, 3, 5), "insured_months": 12},
            formats={"hire_date": "yyyy-mm-dd"},
            expected={"hire_date": "2022-03-05", "insured_months": "12"},
        )
    )
    cases.append(
        row(
            1,
            typed={
                "hire_date": dt.datetime(2022, 3, 5),
                "separation_date": dt.datetime(2023, 6, 30),
                "insured_months": 12.0,
            },
            formats={"hire_date": "yyyy-mm-dd hh:mm:ss", "separation_date": "yyyy/m/d h:mm"},
            expected={"hire_date": "2022-03-05", "separation_date": "2023-06-30", "insured_months": "12"},
            separation_date="2023-06-30",
        )
    )
    cases.append(row(2, typed={"hire_date": 44621}, expected={"hire_date": "2022-03-01"}))
    lost = excel_15_digits("410122199001011234")
    from decimal import Decimal

    cases.append(
        row(
            3,
            typed={"person_id": lost},
            expected={"person_id": format(Decimal(repr(lost)), "f")},
            problems={"person_id": "id_numeric"},
            person_id="410122199001011234",
        )
    )
    cases.append(row(4, hire_date="2022年3月5日"))
    cases.append(
        row(
            5,
            typed={"insured_months": 12.5},
            expected={"insured_months": "12.5"},
            problems={"insured_months": "not_whole"},
            insured_months="12.5",
        )
    )
    cases.append(
        row(
            6,
            typed={"hire_date": dt.date(2022, 3, 5)},
            formats={"hire_date": 'yyyy"年"m"月"d"日"'},
            expected={"hire_date": "2022-03-05"},
        )
    )
    for c in cases:
        for k, v in c.values.items():
            c.expected.setdefault(k, v)
    style = _Style(
        title="中牟县2022年城镇新增就业台账", date_style="text", number_style="text", blank_before_footer=1
    )
    return _single_book(path, [("白沙镇", "hires", cases, style, False)])


def hidden_sheet_workbook(path: str | Path, ledger: str = "trainings") -> Expectation:
    """Two township sheets, the second hidden; both hold ledger rows and both are read."""
    a = _Style(title=f"中牟县2022年{LEDGER_TITLES[ledger]}", date_style="date")
    b = _Style(title=f"中牟县2022年{LEDGER_TITLES[ledger]}", date_style="text", group_row=True)
    return _single_book(
        Path(path),
        [
            ("白沙镇", ledger, _rows(ledger, None, 3, 0), a, False),
            ("官渡镇", ledger, _rows(ledger, None, 2, 10), b, True),
        ],
    )


def empty_sheet_workbook(path: str | Path, ledger: str = "trainings") -> Expectation:
    """A ledger sheet followed by Excel's untouched `Sheet2` and `Sheet3` (each an `empty_sheet` notice)."""
    a = _Style(
        title=f"中牟县2022年{LEDGER_TITLES[ledger]}", date_style="datetime", date_format=DATETIME_FORMATS[0]
    )
    return _single_book(
        Path(path),
        [("白沙镇", ledger, _rows(ledger, None, 3), a, False)],
        extra=[_SheetModel("Sheet2"), _SheetModel("Sheet3")],
    )


def non_ledger_workbook(path: str | Path) -> SheetExpectation:
    """`通讯录.xlsx`: a contact list (序号/姓名/电话/乡镇), which fits no ledger."""
    path = Path(path)
    model = _SheetModel("Sheet1")
    head = ["序号", "姓名", "电话", "乡镇"]
    for c, h in enumerate(head, 1):
        model.cells[(1, c)] = h
    people = [("张三", "13800000001", "白沙镇"), ("李四", "13900000002", "官渡镇")]
    for r, person in enumerate(people, 2):
        model.cells[(r, 1)] = r - 1
        for c, v in enumerate(person, 2):
            model.cells[(r, c)] = v
    _write_book(path, [model])
    return SheetExpectation(
        file=path.name,
        sheet="Sheet1",
        index=0,
        kind="not_a_ledger",
        header_row=1,
        data_rows=(2, 3),
        columns={h: column_letter(i) for i, h in enumerate(head, 1)},
        headers={h: h for h in head},
    )
