"""Sheets (render/sheets.py) as an .xlsx workbook, written with XlsxWriter.

One worksheet per sheet: a bold header row with the panes frozen under it and a filter on it, the
columns as wide as their contents (Chinese characters count double), totals rows in bold, numbers
as numbers, percentages and dates formatted, and IDs, credit codes and codes written as text cells
(Excel would turn an 18-digit ID into 4.10122E+17). XlsxWriter writes every string as a string: no
cell can become a formula.
"""

from __future__ import annotations

import datetime as dt
import io

from rich.cells import cell_len

from jishu.render.sheets import Cell, Code, Percent, Sheet

MAX_WIDTH = 60  # characters: longer texts wrap
FORMATS = {
    "text": {"num_format": "@"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "plain": {},
    "int": {"num_format": "#,##0"},
    "float": {"num_format": "#,##0.00"},
    "percent": {"num_format": "0.00%"},
    "date": {"num_format": "yyyy-mm-dd"},
}
_SHEET_NAME_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def workbook(parts: list[Sheet]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header = book.add_format(
        {"bold": True, "bg_color": "#EEF2F7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    formats = {name: book.add_format(spec) for name, spec in FORMATS.items()}
    bold = {name: book.add_format(spec | {"bold": True}) for name, spec in FORMATS.items()}
    names: set[str] = set()
    for part in parts:
        sheet = book.add_worksheet(_sheet_name(part.name, names))
        widths = [cell_len(h) for h in part.header]
        for c, title in enumerate(part.header):
            sheet.write_string(0, c, title, header)
        first_total = len(part.rows) - part.totals
        for r, row in enumerate(part.rows, start=1):
            styles = bold if r - 1 >= first_total else formats
            for c, value in enumerate(row):
                widths[c] = max(widths[c], _write(sheet, r, c, value, styles))
        if part.note:
            sheet.write_string(len(part.rows) + 2, 0, part.note)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, min(width, MAX_WIDTH) + 2, formats["wrap"] if width > MAX_WIDTH else None)
        sheet.freeze_panes(1, 0)
        if part.rows:
            sheet.autofilter(0, 0, max(len(part.rows) - part.totals, 1), len(part.header) - 1)
    book.close()
    return buffer.getvalue()


def _write(sheet, r: int, c: int, value: Cell, styles: dict) -> int:
    """Write one cell in its type; returns its width in characters."""
    if value is None:
        return 0
    if isinstance(value, Code):
        sheet.write_string(r, c, str(value), styles["text"])
        return cell_len(value)
    if isinstance(value, Percent):
        sheet.write_number(r, c, value.value, styles["percent"])
        return 8
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
        return 5
    if isinstance(value, int):
        sheet.write_number(r, c, value, styles["int"])
        return len(f"{value:,}")
    if isinstance(value, float):
        sheet.write_number(r, c, value, styles["float"])
        return len(f"{value:,.2f}")
    if isinstance(value, dt.date):
        sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), styles["date"])
        return 10
    text = str(value)
    sheet.write_string(r, c, text, styles["wrap" if cell_len(text) > MAX_WIDTH else "plain"])
    return cell_len(text)


def _sheet_name(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    base = name.translate(_SHEET_NAME_BAD).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        candidate = f"{base[:28]}({n})"
        n += 1
    taken.add(candidate.lower())
    return candidate
