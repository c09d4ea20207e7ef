"""Which library should jishu read workbooks with? Generates county-size trainings workbooks shaped as
clerks keep them, times whole processes loading every cell of every sheet with each candidate, and probes
how each hands over typed cells. Findings: bench/WORKBOOK_LIBS.md.

    python bench/workbooks.py [--repeat 5] [--rows 60000] [--regen] [--no-probes] [--probes-only]

Workbooks (deterministic, seeded) go to bench/out/workbooks/ (git-ignored):

- trainings_1sheet.xlsx            one sheet, openpyxl write_only (inline strings), dates as date cells
- trainings_1sheet_textdates.xlsx  the same with dates as text `2022-03-05`
- trainings_1sheet_sst.xlsx        the same cells as Excel/WPS save them: a shared-string table, dates styled
                                   with built-in format 14; written here directly (openpyxl writes inline strings)
- trainings_15sheets.xlsx          15 sheets (one per township) of 4,000 rows, openpyxl
- trainings_1sheet.xls, trainings_15sheets.xls   xlwt (BIFF8, shared strings, date cells)
- trainings_1sheet.ods, trainings_15sheets.ods   ODF 1.2 written directly (there is no LibreOffice on this
                                   machine); dates as office:value-type="date" cells

Each sheet: title row (merged), 填报单位/填报日期 row (merged), header row, data rows, a 合计 row and a
制表人/审核人 footer row. Every ID is a valid 18-character resident ID (GB 11643 check character).

Candidates (LIBS below): python-calamine (to Python objects, and to Arrow as jishu would convert them),
fastexcel (to Arrow; also all-string, and text plus a typed view), pandas.read_excel(engine="calamine"), and
openpyxl read_only (xlsx only, one run: it takes 7-12 s).

Timings are of whole processes (`python -c ...`: interpreter start-up + import + load), medians of --repeat
runs: wall and CPU seconds (user + system, os.wait4; CPU is the steadier figure on a shared machine), the
import and the load measured inside the process, and the peak memory (the child's own VmHWM). The import
alone is timed as a process of its own. Before timing, a check run of every library must see the same number
of rows and non-empty cells. Then the probes: small workbooks with typed cells, positions, hidden and empty
sheets, and files that are not workbooks, read by each library. Results: bench/out/workbooks/results.json
and probes.json. Total running time ~3 min on 2 cores (plus ~40 s the first time, to write the workbooks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import OCCUPATIONS, TOWNSHIPS  # the benchmark's one list of each

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "workbooks"
SEED = 20220305
HEADERS = [
    "序号",
    "身份证号",
    "姓名",
    "班级编号",
    "培训职业",
    "培训机构",
    "开班日期",
    "结业日期",
    "是否补贴性培训",
    "乡镇",
]
REGIONS = ["410122", "410102", "410103", "410181", "410182", "410183", "410184", "410185", "410221", "410305"]
PROVIDERS = ["中牟县职业培训学校", "郑州技师学院", "河南省就业训练中心", "中牟县农广校", "郑州市第一技工学校"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国红玉兰"
TITLE = "中牟县2022年职业技能培训台账"
FILLED = "填报单位：中牟县人力资源和社会保障局  填报日期：2023年1月10日"
FOOTER = "制表人：张三  审核人：李四"
EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------------------------------------- data


def make_rows(n: int) -> list[list]:
    """n trainings rows: 序号, 身份证号, 姓名, 班级编号, 培训职业, 培训机构, 开班日期, 结业日期, 是否补贴性培训, 乡镇."""
    from stdnum.cn import ric

    rng = random.Random(SEED)
    rows = []
    per_township = max(1, -(-n // len(TOWNSHIPS)))
    for i in range(n):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16_000))
        body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        k, j = divmod(i, per_township)
        cls = j // 50
        start = dt.date(2022, 1, 4) + dt.timedelta(days=(k * 7 + cls * 4) % 320)
        end = start + dt.timedelta(days=5 + cls % 26)
        rows.append(
            [
                i + 1,
                body + ric.calc_check_digit(body + "?"),  # stdnum ignores the last character
                rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                f"ZM2022{k + 1:02d}{cls + 1:03d}",
                OCCUPATIONS[(k + cls) % len(OCCUPATIONS)],
                PROVIDERS[(k * 3 + cls) % len(PROVIDERS)],
                start,
                end,
                "是" if rng.random() < 0.8 else "否",
                TOWNSHIPS[k % len(TOWNSHIPS)],
            ]
        )
    return rows


def layouts(rows: list[list], split: bool) -> list[tuple[str, str, list[list]]]:
    """[(sheet name, title, data rows)]: one sheet, or one per township (序号 restarting at 1)."""
    if not split:
        return [("培训台账", TITLE, rows)]
    per = -(-len(rows) // len(TOWNSHIPS))
    out = []
    for k, town in enumerate(TOWNSHIPS):
        part = [[j + 1, *r[1:]] for j, r in enumerate(rows[k * per : (k + 1) * per])]
        out.append((town, f"{TITLE}（{town}）", part))
    return out


def sheet_rows(title: str, data: list[list], text_dates: bool) -> list[list]:
    """The rows of one sheet as a clerk keeps it (None = empty cell)."""
    body = data
    if text_dates:
        body = [[*r[:6], r[6].isoformat(), r[7].isoformat(), *r[8:]] for r in data]
    return [[title], [FILLED], list(HEADERS), *body, ["合计", None, len(data)], [FOOTER]]


# ------------------------------------------------------------------------------------------- writers


def write_xlsx_openpyxl(path: Path, sheets, text_dates: bool) -> None:
    import openpyxl
    from openpyxl.worksheet.cell_range import MultiCellRange

    wb = openpyxl.Workbook(write_only=True)
    for name, title, data in sheets:
        ws = wb.create_sheet(name)
        n = len(data) + 5
        ws.merged_cells = MultiCellRange(f"A1:J1 A2:J2 A{n}:J{n}")
        for row in sheet_rows(title, data, text_dates):
            ws.append(row)
    wb.save(path)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx_sst(path: Path, sheets, text_dates: bool) -> None:
    """An .xlsx as Excel/WPS save it: strings in xl/sharedStrings.xml, dates as serials styled with the
    built-in date format 14, numbers as <v>, empty cells absent, merges listed after sheetData."""
    strings: dict[str, int] = {}

    def sst(s: str) -> int:
        return strings.setdefault(s, len(strings))

    sheet_xml = []
    for _, title, data in sheets:
        parts = [
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
        ]
        rows = sheet_rows(title, data, text_dates)
        for r, row in enumerate(rows, 1):
            cells = []
            for c, v in enumerate(row):
                ref = f"{_col(c)}{r}"
                if v is None:
                    continue
                if isinstance(v, str):
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(v)}</v></c>')
                elif isinstance(v, dt.date):
                    cells.append(f'<c r="{ref}" s="1"><v>{(v - EPOCH).days}</v></c>')
                else:
                    cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            parts.append(f'<row r="{r}">{"".join(cells)}</row>')
        n = len(rows)
        parts.append(
            f'</sheetData><mergeCells count="3"><mergeCell ref="A1:J1"/><mergeCell ref="A2:J2"/>'
            f'<mergeCell ref="A{n}:J{n}"/></mergeCells></worksheet>'
        )
        sheet_xml.append("".join(parts))
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{ns}/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/'
            'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(len(sheets))
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}/spreadsheetml/'
            f'2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                for i, (name, _, _) in enumerate(sheets)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}/package/'
            '2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="{ns}/officeDocument/2006/relationships/'
                f'worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(len(sheets))
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{ns}/officeDocument/2006/relationships/styles"'
            f' Target="styles.xml"/><Relationship Id="rId{len(sheets) + 2}" Type="{ns}/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        z.writestr(
            "xl/styles.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{ns}/spreadsheetml'
            '/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills '
            'count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>",
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{ns}/spreadsheetml/2006/'
            f'main" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
            + "</sst>",
        )
        for i, xml in enumerate(sheet_xml):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)


def write_xls(path: Path, sheets, text_dates: bool) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, title, data in sheets:
        ws = wb.add_sheet(name)
        rows = sheet_rows(title, data, text_dates)
        for r, row in enumerate(rows):
            if r in (0, 1, len(rows) - 1):
                ws.write_merge(r, r, 0, 9, row[0])
                continue
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2"'
)


def ods_cell(v) -> str:
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, str):
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
    if isinstance(v, dt.datetime):
        return (
            f'<table:table-cell table:style-name="ceDT" office:value-type="date" '
            f'office:date-value="{v.isoformat()}"><text:p>{v:%Y-%m-%d %H:%M:%S}</text:p></table:table-cell>'
        )
    if isinstance(v, dt.date):
        return (
            f'<table:table-cell table:style-name="ceD" office:value-type="date" '
            f'office:date-value="{v.isoformat()}"><text:p>{v.isoformat()}</text:p></table:table-cell>'
        )
    if isinstance(v, bool):
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(v).lower()}">'
            f"<text:p>{'TRUE' if v else 'FALSE'}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>'


def write_ods_parts(path: Path, tables: list[str], extra_styles: str = "") -> None:
    """Zip an .ods from the <table:table> elements given (mimetype first and stored, as ODF requires)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODS_NS}>'
        "<office:automatic-styles>"
        '<number:date-style style:name="N37"><number:year number:style="long"/><number:text>-</number:text>'
        '<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>'
        "</number:date-style>"
        '<style:style style:name="ceD" style:family="table-cell" style:data-style-name="N37"/>'
        '<style:style style:name="ceDT" style:family="table-cell" style:data-style-name="N37"/>'
        '<style:style style:name="taHidden" style:family="table"><style:table-properties '
        'table:display="false"/></style:style>'
        '<style:style style:name="coHidden" style:family="table-column"><style:table-column-properties '
        'fo:break-before="auto"/></style:style>'
        f"{extra_styles}</office:automatic-styles><office:body><office:spreadsheet>"
        + "".join(tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)


def write_ods(path: Path, sheets, text_dates: bool) -> None:
    tables = []
    for name, title, data in sheets:
        rows = sheet_rows(title, data, text_dates)
        parts = [
            f'<table:table table:name="{escape(name)}"><table:table-column table:number-columns-repeated="10"/>'
        ]
        for r, row in enumerate(rows):
            if r in (0, 1, len(rows) - 1):  # merged across A:J
                parts.append(
                    '<table:table-row><table:table-cell office:value-type="string" table:number-columns-'
                    f'spanned="10"><text:p>{escape(row[0])}</text:p></table:table-cell>'
                    '<table:covered-table-cell table:number-columns-repeated="9"/></table:table-row>'
                )
            else:
                parts.append("<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>")
        parts.append("</table:table>")
        tables.append("".join(parts))
    write_ods_parts(path, tables)


FILES = {  # label: (file name, writer, one sheet per township, dates as text)
    "xlsx 1 sheet": ("trainings_1sheet.xlsx", "write_xlsx_openpyxl", False, False),
    "xlsx 1 sheet, text dates": ("trainings_1sheet_textdates.xlsx", "write_xlsx_openpyxl", False, True),
    "xlsx 1 sheet, shared strings": ("trainings_1sheet_sst.xlsx", "write_xlsx_sst", False, False),
    "xlsx 15 sheets": ("trainings_15sheets.xlsx", "write_xlsx_openpyxl", True, False),
    "xls 1 sheet": ("trainings_1sheet.xls", "write_xls", False, False),
    "xls 15 sheets": ("trainings_15sheets.xls", "write_xls", True, False),
    "ods 1 sheet": ("trainings_1sheet.ods", "write_ods", False, False),
    "ods 15 sheets": ("trainings_15sheets.ods", "write_ods", True, False),
}


def files_of() -> dict[str, Path]:
    return {label: OUT / name for label, (name, *_) in FILES.items()}


def generate(n: int, regen: bool) -> None:
    """Write the workbooks unless those of the same size and seed are there."""
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = OUT / "generated.json"
    want = {"rows": n, "seed": SEED, "version": 5}
    if (
        not regen
        and stamp.exists()
        and json.loads(stamp.read_text()) == want
        and all(p.exists() for p in files_of().values())
    ):
        return
    t0 = time.perf_counter()
    rows = make_rows(n)
    for name, writer, split, text_dates in FILES.values():
        t = time.perf_counter()
        path = OUT / name
        globals()[writer](path, layouts(rows, split), text_dates)
        print(
            f"  wrote {name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
            flush=True,
        )
    stamp.write_text(json.dumps(want))
    print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)


# ------------------------------------------------------------------------------------------- timing

# Each child loads every cell of every sheet and keeps it all in memory until it reports. `count` (argv[2])
# makes it also count rows and non-empty cells per sheet (the check run before the timed runs). The peak
# memory is the child's own VmHWM: ru_maxrss from wait4 would also count the parent's memory at fork time.
PRELUDE = "import sys, time, json\nt0 = time.perf_counter()\nc0 = time.process_time()\n"
HWM = "int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
EPILOGUE = (
    "print(json.dumps({'import': t1 - t0, 'load': t2 - t1, 'load_cpu': c2 - c1, 'counts': counts, "
    f"'hwm_kb': {HWM}}}))\n"
)
CALAMINE_ARROW = """
import datetime, pyarrow as pa
TAG = {str: 0, float: 1, int: 1, bool: 2, datetime.date: 3, datetime.datetime: 3, datetime.time: 4,
       datetime.timedelta: 4}
def column(col):
    # every cell as text (dates ISO, numbers repr) plus, where a column is not all text, a type tag per cell
    if all(v.__class__ is str for v in col):
        return pa.array(col, pa.string()), None
    text = [v if v.__class__ is str else v.isoformat() if hasattr(v, 'isoformat') else repr(v) for v in col]
    return pa.array(text, pa.string()), pa.array([TAG[v.__class__] for v in col], pa.int8())
"""
# label: (code, import statement to time alone, files it is timed on (None: all it can read), timed runs)
LIBS = {
    "python-calamine": (
        (
            "from python_calamine import CalamineWorkbook\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "wb = CalamineWorkbook.from_path(sys.argv[1])\n"
            "data = [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[len(d), sum(v != '' for r in d for v in r)] for d in data] if sys.argv[2:] else None\n"
        ),
        "from python_calamine import CalamineWorkbook",
        None,
        "repeat",
    ),
    "python-calamine → Arrow": (
        "from python_calamine import CalamineWorkbook\n"
        + CALAMINE_ARROW
        + "t1 = time.perf_counter()\nc1 = time.process_time()\n"
        "wb = CalamineWorkbook.from_path(sys.argv[1])\n"
        "data = []\n"
        "for n in wb.sheet_names:\n"
        "    rows = wb.get_sheet_by_name(n).to_python(skip_empty_area=False)\n"
        "    data.append([column(c) for c in zip(*rows)])\n"
        "    del rows\n"
        "t2 = time.perf_counter()\nc2 = time.process_time()\n"
        "counts = [[len(d[0][0]) if d else 0, sum(len(t) - t.to_pylist().count('') for t, _ in d)] "
        "for d in data] if sys.argv[2:] else None\n",
        "from python_calamine import CalamineWorkbook; import pyarrow",
        {"xlsx 1 sheet, shared strings", "xls 1 sheet"},
        "repeat",
    ),
    "fastexcel": (
        (
            "import fastexcel\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "r = fastexcel.read_excel(sys.argv[1])\n"
            "data = [r.load_sheet(n, header_row=None).to_arrow() for n in r.sheet_names]\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[b.num_rows, sum(b.num_rows - c.null_count for c in b.columns)] for b in data] "
            "if sys.argv[2:] else None\n"
        ),
        "import fastexcel, pyarrow",
        None,
        "repeat",
    ),
    "fastexcel, dtypes='string'": (
        (
            "import fastexcel\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "r = fastexcel.read_excel(sys.argv[1])\n"
            "data = [r.load_sheet(n, header_row=None, dtypes='string').to_arrow() for n in r.sheet_names]\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[b.num_rows, sum(b.num_rows - c.null_count for c in b.columns)] for b in data] "
            "if sys.argv[2:] else None\n"
        ),
        None,
        {"xlsx 1 sheet, shared strings"},
        "repeat",
    ),
    # what jishu would need from fastexcel to tell number and date cells from text (see WORKBOOK_LIBS.md):
    # every column as text, plus a second load of the ID and date columns typed (non-null = a number cell in
    # 身份证号, a date or number cell in the date columns). Each load parses the sheet again.
    "fastexcel, text + typed view": (
        (
            "import fastexcel\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "r = fastexcel.read_excel(sys.argv[1])\n"
            "data = [(r.load_sheet(n, header_row=None, skip_rows=0, dtypes='string').to_arrow(), "
            "r.load_sheet(n, header_row=None, skip_rows=0, use_columns=[1, 6, 7], "
            "dtypes={1: 'float', 6: 'datetime', 7: 'datetime'}).to_arrow()) for n in r.sheet_names]\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[b.num_rows, sum(b.num_rows - c.null_count for c in b.columns)] for b, _ in data] "
            "if sys.argv[2:] else None\n"
        ),
        None,
        {"xlsx 1 sheet, shared strings", "xls 1 sheet"},
        "repeat",
    ),
    "pandas (calamine)": (
        (
            "import pandas\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "data = list(pandas.read_excel(sys.argv[1], engine='calamine', sheet_name=None, header=None,"
            " dtype=object).values())\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[len(d), int(d.notna().to_numpy().sum())] for d in data] if sys.argv[2:] else None\n"
        ),
        "import pandas, python_calamine",
        None,
        "repeat",
    ),
    "openpyxl": (  # 20 times slower: one run, counting included (30 ms of 8-11 s)
        (
            "import openpyxl\nt1 = time.perf_counter()\nc1 = time.process_time()\n"
            "wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)\n"
            "data = [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]\n"
            "t2 = time.perf_counter()\nc2 = time.process_time()\n"
            "counts = [[len(d), sum(v is not None for r in d for v in r)] for d in data]\n"
        ),
        "import openpyxl",
        {"xlsx 1 sheet, shared strings", "xlsx 15 sheets"},
        "once",
    ),
}
IMPORTS = {
    "python (bare)": "pass",
    "pyarrow": "import pyarrow",
    **{lib: imp for lib, (_, imp, _, _) in LIBS.items() if imp},
}


def run_measured(cmd: list[str]) -> tuple[float, str, float]:
    """(wall seconds, stdout, CPU seconds user + system) of one whole process, from os.wait4. CPU time is
    the steadier figure when other work shares the machine's 2 cores."""
    import tempfile

    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(err.read().decode()[-1500:])
    return elapsed, out.decode(), usage.ru_utime + usage.ru_stime


def time_all(files: dict[str, Path], repeat: int) -> dict:
    results: dict = {"load_average_before": os.getloadavg(), "imports": {}, "loads": []}
    for label, code in IMPORTS.items():
        runs = [run_measured([sys.executable, "-c", f"{code}\nprint({HWM})"]) for _ in range(repeat)]
        results["imports"][label] = {
            "code": code,
            "s": statistics.median(r[0] for r in runs),
            "cpu_s": statistics.median(r[2] for r in runs),
            "peak_mb": statistics.median(int(r[1]) for r in runs) / 1024,
        }
    for label, path in files.items():
        expected = None
        for lib, (code, _, only, runs_wanted) in LIBS.items():
            if (only is not None and label not in only) or (lib == "openpyxl" and path.suffix != ".xlsx"):
                continue
            cmd = [sys.executable, "-c", PRELUDE + code + EPILOGUE, str(path)]
            try:
                checked = run_measured([*cmd, "count"])
            except RuntimeError as e:
                msg = str(e).strip().splitlines()[-1]
                results["loads"].append({"file": label, "lib": lib, "error": msg})
                print(f"  {label:30} {lib:26} FAILED: {msg}", flush=True)
                continue
            counts = json.loads(checked[1])["counts"]
            # openpyxl takes 10-20 s: its check run (counting adds 30 ms) is its one timed run
            runs = [run_measured(cmd) for _ in range(repeat)] if runs_wanted == "repeat" else [checked]
            inside = [json.loads(r[1]) for r in runs]
            row = {
                "file": label,
                "path": path.name,
                "mb": path.stat().st_size / 1e6,
                "lib": lib,
                "runs": len(runs),
                "process_s": statistics.median(r[0] for r in runs),
                "process_cpu_s": statistics.median(r[2] for r in runs),
                "import_s": statistics.median(i["import"] for i in inside),
                "load_s": statistics.median(i["load"] for i in inside),
                "load_cpu_s": statistics.median(i["load_cpu"] for i in inside),
                "peak_mb": statistics.median(i["hwm_kb"] for i in inside) / 1024,
                "process_runs_s": [round(r[0], 3) for r in runs],
                "sheets": len(counts),
                "rows": sum(c[0] for c in counts),
                "cells": sum(c[1] for c in counts),
            }
            if expected is None:
                expected = (row["rows"], row["cells"])
            row["same_as_calamine"] = (row["rows"], row["cells"]) == expected
            results["loads"].append(row)
            print(
                f"  {label:30} {lib:26} {row['process_s']:6.2f} s (cpu {row['process_cpu_s']:5.2f})  load "
                f"{row['load_s']:5.2f} s (cpu {row['load_cpu_s']:5.2f})  peak {row['peak_mb']:4.0f} MB  "
                f"rows {row['rows']} cells {row['cells']}",
                flush=True,
            )
    results["load_average_after"] = os.getloadavg()
    return results


def table(results: dict) -> str:
    lines = [
        (
            "| workbook | MB | library | process s | process CPU s | of it import s | load s | load CPU s "
            "| peak MB | rows, non-empty cells |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["loads"]:
        if "error" in r:
            lines.append(f"| {r['file']} | | {r['lib']} | failed: {r['error']} | | | | | | |")
            continue
        same = "" if r["same_as_calamine"] else " (differs)"
        once = " (1 run)" if r["runs"] == 1 else ""
        lines.append(
            f"| {r['file']} | {r['mb']:.1f} | {r['lib']} | {r['process_s']:.2f}{once} | "
            f"{r['process_cpu_s']:.2f} | {r['import_s']:.2f} | {r['load_s']:.2f} | {r['load_cpu_s']:.2f} | "
            f"{r['peak_mb']:.0f} | "
            f"{r['rows']:,}, {r['cells']:,}{same} |"
        )
    lines += ["", "| import alone (whole process) | s | CPU s | peak MB |", "|---|---|---|---|"]
    for r in results["imports"].values():
        lines.append(f"| `{r['code']}` | {r['s']:.3f} | {r['cpu_s']:.3f} | {r['peak_mb']:.0f} |")
    before, after = results["load_average_before"], results["load_average_after"]
    lines.append(f"\nload average (1 min) before {before[0]:.1f}, after {after[0]:.1f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- probes


def _patch_zip(path: Path, edits: dict[str, list[tuple[str, str]]]) -> None:
    """Rewrite members of an .xlsx, replacing text (to make what openpyxl cannot: cached formula values,
    shared empty strings, built-in East Asian date formats), checking every replacement applies."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    for name, subs in edits.items():
        text = members[name].decode()
        for old, new in subs:
            if old not in text:
                raise AssertionError(f"{old!r} not in {name}")
            text = text.replace(old, new, 1)
        members[name] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


PROBE_CELLS = [  # (column letter, what, value written, number format or None)
    ("A", "date cell 2022-03-05 (yyyy-mm-dd)", dt.date(2022, 3, 5), "yyyy-mm-dd"),
    ("B", "datetime 2022-03-05 00:00:00 (yyyy-mm-dd h:mm:ss)", dt.datetime(2022, 3, 5), "yyyy-mm-dd h:mm:ss"),
    ("C", "datetime 2022-03-05 10:30:00", dt.datetime(2022, 3, 5, 10, 30), "yyyy-mm-dd h:mm:ss"),
    ("D", "number 44621 (General) in a text column", 44621, None),
    (
        "E",
        "410122199001011234 typed as a number (Excel keeps 4.10122199001011E+17)",
        4.10122199001011e17,
        None,
    ),
    ("F", "12.0 as a number cell", 12.0, None),
    ("G", "12.5 as a number cell", 12.5, None),
    ("H", "empty cell (no <c>)", None, None),
    ("I", "cell holding an empty string", "", None),
    ("J", "formula =E5*2 (E5 = 44621) with cached value 89242", "=E5*2", None),
    ("K", 'formula ="" with cached empty string', '=""', None),
    ("L", 'date, built-in format 31 (yyyy"年"m"月"d"日", no numFmt entry)', dt.date(2022, 3, 5), "yyyy-m-d"),
    ("M", 'date, custom format yyyy"年"m"月"d"日"', dt.date(2022, 3, 5), 'yyyy"年"m"月"d"日"'),
    ("N", "date, custom format yyyy/m/d", dt.date(2022, 3, 5), "yyyy/m/d"),
    ("O", "text '2022-03-05'", "2022-03-05", None),
    ("P", "boolean TRUE", True, None),
    ("Q", "error #N/A (cached)", "=NA()", None),
    ("R", "text ' 12 ' (spaces, full-width digits １２)", " １２ ", None),
]


def make_probe_xlsx(path: Path) -> None:
    """台账 sheet: 2 empty rows, then (row 3, from column B) a merged title, a header row 4, the probe row 5,
    a hidden row 6, a hidden column; sheets 隐藏 (hidden), 深度隐藏 (very hidden), 空表 (empty),
    公式 (formula only)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws["B3"] = TITLE
    ws.merge_cells("B3:F3")
    for col, _what, value, fmt in PROBE_CELLS:
        c = chr(ord(col) + 1)  # shifted one column right: column A stays empty
        ws[f"{c}4"] = f"h{col}"
        ws[f"{c}5"] = value
        if fmt:
            ws[f"{c}5"].number_format = fmt
    ws["B6"] = "hidden row"
    ws.row_dimensions[6].hidden = True
    ws.column_dimensions["D"].hidden = True
    ws["B8"] = "after a blank row 7"
    wb.create_sheet("隐藏").sheet_state = "hidden"
    wb["隐藏"]["A1"] = "in a hidden sheet"
    wb.create_sheet("深度隐藏").sheet_state = "veryHidden"
    wb["深度隐藏"]["A1"] = "in a very hidden sheet"
    wb.create_sheet("空表")
    styled = wb.create_sheet("只有格式")  # cells with a style but no value
    styled["A1"].number_format = "yyyy-mm-dd"
    styled["C5"].number_format = "@"
    wb.save(path)
    # what openpyxl cannot write, made as Excel writes it
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
        xml = z.read(sheet).decode()
    import re

    def cell(ref: str) -> str:
        m = re.search(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml)
        assert m, ref
        return m.group(0)

    # the style index of L's date cell (column M): point its xf at built-in numFmtId 31, no numFmt entry
    m_style = re.search(r's="(\d+)"', cell("M5")).group(1)
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles).group(1)
    xf_list = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs)
    old_xf = xf_list[int(m_style)]
    new_xf = re.sub(r'numFmtId="\d+"', 'numFmtId="31"', old_xf)
    _patch_zip(
        path,
        {
            sheet: [
                (cell("E5"), '<c r="E5" t="n"><v>44621</v></c>'),
                (cell("F5"), '<c r="F5" t="n"><v>4.10122199001011E+17</v></c>'),
                (cell("J5"), '<c r="J5" t="s"><v>0</v></c>'),
                (cell("K5"), '<c r="K5"><f>E5*2</f><v>89242</v></c>'),
                (cell("L5"), '<c r="L5" t="str"><f>""</f><v></v></c>'),
                (cell("R5"), '<c r="R5" t="e"><f>NA()</f><v>#N/A</v></c>'),
            ],
            "xl/styles.xml": [(old_xf, new_xf)],
        },
    )
    _add_shared_strings(path, [""])


def _add_shared_strings(path: Path, strings: list[str]) -> None:
    """Add xl/sharedStrings.xml (openpyxl writes inline strings only) holding `strings`."""
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    rel = (
        '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    ct = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>'
    )
    _patch_zip(
        path,
        {
            "xl/_rels/workbook.xml.rels": [("</Relationships>", rel)],
            "[Content_Types].xml": [("</Types>", ct)],
        },
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", sst)


def make_probe_xls(path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    ws.write_merge(2, 2, 1, 5, TITLE)
    values = [
        ("date cell (YYYY-MM-DD)", dt.date(2022, 3, 5), "YYYY-MM-DD"),
        ("datetime 00:00:00", dt.datetime(2022, 3, 5), "YYYY-MM-DD HH:MM:SS"),
        ("datetime 10:30", dt.datetime(2022, 3, 5, 10, 30), "YYYY-MM-DD HH:MM:SS"),
        ("number 44621 (General)", 44621, None),
        ("4.10122199001011E+17 as a number", 4.10122199001011e17, None),
        ("12.0 as a number", 12.0, None),
        ("12.5 as a number", 12.5, None),
        ("empty string", "", None),
        ('date, format yyyy"年"m"月"d"日"', dt.date(2022, 3, 5), 'yyyy"年"m"月"d"日"'),
        ("formula E5*2 (xlwt writes no cached value)", xlwt.Formula("E5*2"), None),
        ("boolean", True, None),
    ]
    for i, (_what, value, fmt) in enumerate(values):
        ws.write(3, i + 1, f"h{i}")
        if fmt:
            ws.write(4, i + 1, value, xlwt.easyxf(num_format_str=fmt))
        else:
            ws.write(4, i + 1, value)
    ws.write(7, 1, "after a blank row 7")
    ws.row(5).hidden = True
    ws.write(5, 1, "hidden row")
    hidden = wb.add_sheet("隐藏")
    hidden.write(0, 0, "in a hidden sheet")
    hidden.visibility = 1
    wb.add_sheet("空表")
    wb.save(str(path))
    return values


def make_probe_ods(path: Path) -> list[str]:
    """Leading empty rows compressed with number-rows-repeated (as LibreOffice writes them), a spanned title,
    typed cells, a hidden row, a hidden sheet, an empty sheet."""
    cells = [
        ("date 2022-03-05", dt.date(2022, 3, 5)),
        ("datetime 2022-03-05T00:00:00", dt.datetime(2022, 3, 5)),
        ("datetime 2022-03-05T10:30:00", dt.datetime(2022, 3, 5, 10, 30)),
        ("float 44621", 44621),
        ("float 4.10122199001011E+17", 4.10122199001011e17),
        ("float 12 (written 12.0)", 12.0),
        ("string ''", ""),
        ("formula of=[.E5]*2 cached 89242", None),
        ("boolean true", True),
    ]
    head = "".join(ods_cell(f"h{i}") for i in range(len(cells)))
    vals = []
    for what, v in cells:
        if what.startswith("formula"):
            vals.append(
                '<table:table-cell table:formula="of:=[.E5]*2" office:value-type="float" '
                'office:value="89242"><text:p>89242</text:p></table:table-cell>'
            )
        else:
            vals.append(ods_cell(v))
    main = (
        '<table:table table:name="台账"><table:table-column table:number-columns-repeated="12"/>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="12"/>'
        "</table:table-row>"
        '<table:table-row><table:table-cell/><table:table-cell office:value-type="string" '
        f'table:number-columns-spanned="5"><text:p>{TITLE}</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="4"/></table:table-row>'
        f"<table:table-row><table:table-cell/>{head}</table:table-row>"
        f"<table:table-row><table:table-cell/>{''.join(vals)}</table:table-row>"
        '<table:table-row table:visibility="collapse"><table:table-cell/>'
        f"{ods_cell('hidden row')}</table:table-row>"
        '<table:table-row><table:table-cell table:number-columns-repeated="12"/></table:table-row>'
        f"<table:table-row><table:table-cell/>{ods_cell('after a blank row 7')}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048568"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>"
    )
    hidden = (
        f'<table:table table:name="隐藏" table:style-name="taHidden"><table:table-column/>'
        f"<table:table-row>{ods_cell('in a hidden sheet')}</table:table-row></table:table>"
    )
    empty = (
        '<table:table table:name="空表"><table:table-column/><table:table-row><table:table-cell/>'
        "</table:table-row></table:table>"
    )
    write_ods_parts(path, [main, hidden, empty])
    return [what for what, _ in cells]


def make_bad_files(d: Path, good: Path, good_xls: Path) -> dict[str, Path]:
    owner = "张三"
    lock = bytes([len(owner)]) + owner.encode("gbk").ljust(53, b" ") + owner.encode("utf-16-le")
    lock = lock.ljust(165, b"\x00")[:165]  # Excel's owner file: 165 bytes, not a zip
    files = {
        "~$lockfile.xlsx (165-byte owner file)": d / "~$中牟县培训台账.xlsx",
        ".docx renamed to .xlsx": d / "renamed_docx.xlsx",
        "zero-byte .xlsx": d / "empty.xlsx",
        "truncated .xlsx (first half)": d / "truncated.xlsx",
        ".xls that is an HTML table (web-system export)": d / "html_export.xls",
        ".xls that is tab-separated text": d / "tsv_export.xls",
        ".csv renamed to .xlsx": d / "csv_renamed.xlsx",
        ".xlsx saved as .xls (WPS does this)": d / "really_xlsx.xls",
        ".xls renamed to .xlsx": d / "really_xls.xlsx",
        "missing file": d / "no_such_file.xlsx",
    }
    files["~$lockfile.xlsx (165-byte owner file)"].write_bytes(lock)
    with zipfile.ZipFile(files[".docx renamed to .xlsx"], "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.'
            'org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>培训台账</w:t></w:r></w:p></w:body>'
            "</w:document>",
        )
    files["zero-byte .xlsx"].write_bytes(b"")
    data = good.read_bytes()
    files["truncated .xlsx (first half)"].write_bytes(data[: len(data) // 2])
    files[".xls that is an HTML table (web-system export)"].write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>身份证号</td><td>姓名</td></tr>"
        "<tr><td>410122199001011234</td><td>张三</td></tr></table></body></html>",
        encoding="utf-8",
    )
    files[".xls that is tab-separated text"].write_bytes(
        "身份证号\t姓名\n410122199001011234\t张三\n".encode("gbk")
    )
    files[".csv renamed to .xlsx"].write_bytes("身份证号,姓名\n410122199001011234,张三\n".encode())
    files[".xlsx saved as .xls (WPS does this)"].write_bytes(good.read_bytes())
    files[".xls renamed to .xlsx"].write_bytes(good_xls.read_bytes())
    return files


def describe(v) -> str:
    """type and value, compactly, for the probe tables."""
    if v is None:
        return "None"
    name = type(v).__name__
    if name == "float" and math.isnan(v):
        return "nan"
    return f"{name} {v!r}" if not isinstance(v, str) else f"str {v!r}"


def probe_readers(path: Path) -> dict[str, dict]:
    """Every cell each library hands over for each sheet: {lib: {sheet: {...}}}."""
    import fastexcel
    import openpyxl
    import pandas as pd
    import python_calamine as pc

    out: dict[str, dict] = {}
    wb = pc.CalamineWorkbook.from_path(path)
    res = {}
    for meta in wb.sheets_metadata:
        s = wb.get_sheet_by_name(meta.name)
        res[meta.name] = {
            "visible": str(meta.visible),
            "start": s.start,
            "end": s.end,
            "merged": s.merged_cell_ranges,
            "rows_skip_empty_area_False": [
                [describe(v) for v in r] for r in s.to_python(skip_empty_area=False)
            ],
            "rows_default": [[describe(v) for v in r] for r in s.to_python()],
        }
    out["python-calamine"] = res
    res = {}
    r = fastexcel.read_excel(str(path))
    for name in r.sheet_names:
        entry = {}
        # header_row=None alone drops leading empty rows; skip_rows=0 keeps them (row index = Excel row - 1).
        # Leading empty columns are dropped either way: each column's absolute_index says where it was, and
        # rows are given here at their absolute column positions ('-' = a column fastexcel did not return).
        for mode, kw in (
            ("default", {}),
            ("guessed", {"skip_rows": 0}),
            ("string", {"skip_rows": 0, "dtypes": "string"}),
        ):
            try:
                sh = r.load_sheet(name, header_row=None, **kw)
                batch, errors = sh.to_arrow_with_errors()
                where = [c.absolute_index for c in sh.selected_columns]
                width = max(where, default=-1) + 1
                rows = []
                for row in batch.to_pylist():
                    placed = ["-"] * width
                    for k, v in zip(where, row.values()):
                        placed[k] = describe(v)
                    rows.append(placed)
                entry["visible"] = sh.visible
                entry[f"columns_absolute_index_{mode}"] = where
                entry[f"schema_{mode}"] = [str(f.type) for f in batch.schema]
                entry[f"rows_{mode}"] = rows
                entry[f"errors_{mode}"] = repr(errors) if errors else None
            except Exception as e:  # noqa: BLE001 - recorded
                entry[f"error_{mode}"] = f"{type(e).__module__}.{type(e).__qualname__}: {e}"
        res[name] = entry
    out["fastexcel"] = res
    res = {}
    try:
        frames = pd.read_excel(path, engine="calamine", sheet_name=None, header=None, dtype=object)
        for name, df in frames.items():
            res[name] = {
                "shape": list(df.shape),
                "index": [int(i) for i in df.index],
                "rows": [[describe(v) for v in row] for row in df.itertuples(index=False)],
            }
    except Exception as e:  # noqa: BLE001 - recorded
        res["error"] = f"{type(e).__module__}.{type(e).__qualname__}: {e}"
    out["pandas (calamine)"] = res
    if path.suffix == ".xlsx":
        res = {}
        owb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in owb.worksheets:
            res[ws.title] = {
                "sheet_state": ws.sheet_state,
                "rows": [[describe(v) for v in row] for row in ws.iter_rows(values_only=True)],
            }
        full = openpyxl.load_workbook(path)  # hidden rows and columns need the full (not read-only) mode
        first = full.worksheets[0]
        res["hidden rows/columns (full mode)"] = {
            "rows": [i for i, d in first.row_dimensions.items() if d.hidden],
            "columns": [k for k, d in first.column_dimensions.items() if d.hidden],
        }
        out["openpyxl"] = res
    return out


def open_error(lib: str, path: Path) -> str:
    import fastexcel
    import openpyxl
    import pandas as pd
    import python_calamine as pc

    try:
        if lib == "python-calamine":
            wb = pc.CalamineWorkbook.from_path(path)
            got = [len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]
        elif lib == "python-calamine from_filelike":  # the format from the content, not the name
            with open(path, "rb") as f:
                wb = pc.CalamineWorkbook.from_filelike(f)
                got = [len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]
        elif lib == "fastexcel":
            r = fastexcel.read_excel(str(path))
            got = [r.load_sheet(n, header_row=None).height for n in r.sheet_names]
        elif lib == "pandas (calamine)":
            got = {
                k: v.shape
                for k, v in pd.read_excel(
                    path, engine="calamine", sheet_name=None, header=None, dtype=object
                ).items()
            }
        else:
            wb = openpyxl.load_workbook(path, read_only=True)
            got = [len(list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]
        return f"no error: {got}"
    except BaseException as e:  # noqa: BLE001 - the point is which class
        mro = " < ".join(f"{c.__module__}.{c.__qualname__}" for c in type(e).__mro__[:4])
        return f"{mro}: {str(e)[:160]!r}"


def run_probes() -> dict:
    d = OUT / "probes"
    d.mkdir(parents=True, exist_ok=True)
    xlsx, xls, ods = d / "probe.xlsx", d / "probe.xls", d / "probe.ods"
    make_probe_xlsx(xlsx)
    make_probe_xls(xls)
    make_probe_ods(ods)
    probes = {"cells_xlsx": [[c, what] for c, what, _, _ in PROBE_CELLS]}
    for label, path in (("xlsx", xlsx), ("xls", xls), ("ods", ods)):
        probes[label] = probe_readers(path)
    probes["mixed_column"] = probe_mixed_column(d / "mixed.xlsx")
    probes["date1904"] = probe_1904(d / "date1904.xlsx")
    probes["builtin_date_formats"] = probe_builtin_formats(xlsx, d)
    probes["fastexcel_typed_views"] = probe_typed_views(d / "typed_views.xlsx")
    bad = make_bad_files(d, xlsx, xls)
    probes["bad_files"] = {
        label: {
            lib: open_error(lib, path)
            for lib in (
                "python-calamine",
                "python-calamine from_filelike",
                "fastexcel",
                "pandas (calamine)",
                "openpyxl",
            )
        }
        for label, path in bad.items()
    }
    (OUT / "probes.json").write_text(json.dumps(probes, ensure_ascii=False, indent=1, default=str))
    return probes


def probe_mixed_column(path: Path) -> dict:
    """fastexcel guesses a column's type from its first 1,000 rows (schema_sample_rows): a ledger with 1,200
    date cells in 结业日期 then a text date `2022.3.5`, a serial 44621 and footer rows. What survives?"""
    import fastexcel
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append([TITLE])
    ws.append([FILLED])
    ws.append(["序号", "身份证号", "结业日期", "人数"])
    for i in range(1200):
        ws.append([i + 1, "41012219900101123X", dt.date(2022, 3, 5) + dt.timedelta(days=i % 200), 1])
    ws.append([1201, "41012219900101123X", "2022.3.5", "1人"])
    ws.append([1202, "41012219900101123X", 44621, 12.0])
    ws.append(["合计", None, None, 1202])
    ws.append([FOOTER])
    wb.save(path)
    r = fastexcel.read_excel(str(path))
    out = {}
    tail = slice(-4, None)
    for label, kw in (
        ("header_row=None", {"header_row": None}),
        ("header_row=2 (the header found first)", {"header_row": 2}),
        ("header_row=None, schema_sample_rows=None", {"header_row": None, "schema_sample_rows": None}),
        ("header_row=None, dtypes='string'", {"header_row": None, "dtypes": "string"}),
    ):
        sh = r.load_sheet(0, **kw)
        batch, errors = sh.to_arrow_with_errors()
        rows = batch.to_pylist()
        out[label] = {
            "schema": [f"{f.name}: {f.type}" for f in batch.schema],
            "first_data_row": [describe(v) for v in rows[3 if kw.get("header_row") is None else 0].values()],
            "last_4_rows": [[describe(v) for v in row.values()] for row in rows[tail]],
            "errors": [(e.position, e.detail) for e in errors.errors] if errors else None,
        }
    import python_calamine as pc

    rows = pc.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
    out["python-calamine"] = {
        "first_data_row": [describe(v) for v in rows[3]],
        "last_4_rows": [[describe(v) for v in row] for row in rows[tail]],
    }
    return out


def probe_builtin_formats(probe: Path, d: Path) -> dict:
    """The date cell of probe.xlsx column M (2022-03-05) styled with each built-in number format id and no
    numFmt entry, as East Asian Excel and WPS write their locale's date formats (zh-CN: 14 yyyy/m/d,
    27 yyyy"年"m"月", 28 m"月"d"日", 31 yyyy"年"m"月"d"日", 57/58 like 27/28, ...)."""
    import re

    import fastexcel
    import openpyxl
    import python_calamine as pc

    with zipfile.ZipFile(probe) as z:
        styles = z.read("xl/styles.xml").decode()
    xfs = re.search(r"<cellXfs[^>]*>.*?</cellXfs>", styles).group(0)
    out = {}
    for fid in (14, 22, 27, 28, 30, 31, 32, 36, 50, 55, 57, 58, 176):
        path = d / f"builtin_format_{fid}.xlsx"
        path.write_bytes(probe.read_bytes())
        _patch_zip(path, {"xl/styles.xml": [(xfs, xfs.replace('numFmtId="31"', f'numFmtId="{fid}"'))]})
        cal = (
            pc.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)[4][12]
        )
        fe = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        fe_value = fe.to_arrow().to_pylist()[4]["__UNNAMED__11"]
        opx = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))[4][
            12
        ]
        out[str(fid)] = {
            "python-calamine": describe(cal),
            "fastexcel (string)": describe(fe_value),
            "openpyxl": describe(opx),
        }
    return out


def probe_typed_views(path: Path) -> dict:
    """Can a typed fastexcel view tell a number cell from a text cell? 身份证号 as text, as a number, 结业日期
    as ISO text, as text 44621, as a date cell."""
    import fastexcel
    import openpyxl
    import python_calamine as pc

    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        ["身份证号", "结业日期"],
        ["410122199001011234", "2022-03-05"],
        [4.10122199001011e17, "44621"],
        ["12", dt.date(2022, 3, 5)],
        ["abc", "2022/3/5"],
    ]
    for row in rows:
        ws.append(row)
    wb.save(path)
    batch = (
        fastexcel.read_excel(str(path))
        .load_sheet(0, header_row=None, skip_rows=0, dtypes={0: "float", 1: "datetime"})
        .to_arrow()
    )
    cal = pc.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return {
        "written": [[describe(v) for v in row] for row in rows],
        "fastexcel dtypes={0: float, 1: datetime}": [
            [describe(v) for v in r.values()] for r in batch.to_pylist()
        ],
        "python-calamine": [[describe(v) for v in row] for row in cal],
    }


def probe_1904(path: Path) -> dict:
    """A workbook in the 1904 date system (old Mac Excel): is 2022-03-05 read as 2022-03-05?"""
    import fastexcel
    import openpyxl
    import pandas as pd
    import python_calamine as pc
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active["A1"] = "date"
    wb.active["A2"] = dt.date(2022, 3, 5)
    wb.active["A2"].number_format = "yyyy-mm-dd"
    wb.save(path)
    return {
        "python-calamine": describe(
            pc.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()[1][0]
        ),
        "fastexcel": describe(fastexcel.read_excel(str(path)).load_sheet(0).to_arrow().column(0)[0].as_py()),
        "pandas (calamine)": describe(pd.read_excel(path, engine="calamine").iloc[0, 0]),
        "openpyxl": describe(
            next(
                openpyxl.load_workbook(path, read_only=True)
                .worksheets[0]
                .iter_rows(min_row=2, values_only=True)
            )[0]
        ),
    }


def print_probes(probes: dict) -> None:
    xl = probes["xlsx"]
    print(
        "\nTyped cells, row 5 of probe.xlsx 台账 (column: what → calamine | fastexcel guessed | fastexcel string"
        " | pandas | openpyxl):"
    )
    cal = xl["python-calamine"]["台账"]["rows_skip_empty_area_False"][4]
    fe = xl["fastexcel"]["台账"]
    feg = fe["rows_guessed"][4] if "rows_guessed" in fe else []
    fes = fe["rows_string"][4] if "rows_string" in fe else []
    pdr = xl["pandas (calamine)"]["台账"]["rows"][4]
    opx = xl["openpyxl"]["台账"]["rows"][4]
    for j, (col, what) in enumerate(probes["cells_xlsx"], 1):
        got = " | ".join(row[j] if j < len(row) else "-" for row in (cal, feg, fes, pdr, opx))
        print(f"  {col} {what}\n      {got}")
    print(f"\n1904 date system, 2022-03-05: {probes['date1904']}")
    print("\nfastexcel typed view (float / datetime) vs python-calamine, cell by cell:")
    views = probes["fastexcel_typed_views"]
    for written, fe, cal in zip(
        views["written"],
        views["fastexcel dtypes={0: float, 1: datetime}"],
        views["python-calamine"],
        strict=True,
    ):
        print(f"  written {written}\n      fastexcel {fe}\n      calamine  {cal}")
    print("\nDate cell 2022-03-05 with a built-in number format id (no numFmt entry):")
    for fid, got in probes["builtin_date_formats"].items():
        print(f"  {fid:>4}  " + " | ".join(f"{k}: {v}" for k, v in got.items()))
    print("\nOpening files that are not workbooks:")
    for label, libs in probes["bad_files"].items():
        print(f"  {label}")
        for lib, msg in libs.items():
            print(f"      {lib:30} {msg}")


# --------------------------------------------------------------------------------------------- main


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        cpu = ""
    from importlib.metadata import version

    libs = ", ".join(
        f"{p} {version(p)}" for p in ("python-calamine", "fastexcel", "pandas", "openpyxl", "pyarrow", "xlwt")
    )
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}; {libs}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=60_000)
    ap.add_argument("--regen", action="store_true", help="write the workbooks again even if present")
    ap.add_argument("--no-probes", action="store_true")
    ap.add_argument("--probes-only", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate_only:
        generate(args.rows, args.regen)
        return
    t0 = time.perf_counter()
    print(machine(), flush=True)
    results: dict = {
        "machine": machine(),
        "repeat": args.repeat,
        "rows": args.rows,
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if not args.probes_only:
        # in a child process, so that this one stays small (its children are timed)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-only",
                "--rows",
                str(args.rows),
                *(["--regen"] if args.regen else []),
            ],
            check=True,
        )
        files = files_of()
        results.update(time_all(files, args.repeat))
        print("\n" + table(results))
        (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    if not args.no_probes:
        OUT.mkdir(parents=True, exist_ok=True)
        print_probes(run_probes())
    print(
        f"\ntotal {time.perf_counter() - t0:.0f} s; results in {OUT / 'results.json'}, probes in "
        f"{OUT / 'probes.json'}"
    )


if __name__ == "__main__":
    main()
