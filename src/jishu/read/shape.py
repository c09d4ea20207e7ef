"""Sheets as clerks keep them (SPEC §2): where the header is, which ledger a table is, and which rows
are totals or signatures rather than data.

A clerk's sheet has a title (`中牟县2022年职业技能培训台账`), a `填报单位：…` line, perhaps a group row
above a two-row header, then the header; below the data a `合计` row and a `制表人：… 审核人：…`
footer. The header is the first of the first 20 rows that holds a ledger's required columns; a
header cell merged over two rows (its text only in the upper row) is taken from the row above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jishu import schema
from jishu.values import normalise_header

HEAD_ROWS = 20  # the header is looked for in the first 20 rows that are not blank

# Words a total or footer row starts with (SPEC §2): totals, and signature or note lines with their
# colon (a note column's "备注内容" is data, "备注：…" under the table is not). Spaces inside ignored.
FOOTER_WORDS = (
    "合计",
    "小计",
    "总计",
    "共计",
    "填表说明",
    "填报说明",
    "制表人：",
    "制表人:",
    "审核人：",
    "审核人:",
    "备注：",
    "备注:",
    "制表：",
    "制表:",
    "审核：",
    "审核:",
    "填表人：",
    "填表人:",
    "填报人：",
    "填报人:",
    "复核人：",
    "复核人:",
    "负责人：",
    "负责人:",
    "单位负责人：",
    "单位负责人:",
    "经办人：",
    "经办人:",
    "联系人：",
    "联系人:",
    "联系电话：",
    "联系电话:",
)
_SPACES = re.compile(r"\s+")


def is_footer_text(text: str) -> bool:
    """Whether a cell's text starts like a total or footer row (合计, 制表人：, 审核人：, 备注： …)."""
    return _SPACES.sub("", text).startswith(FOOTER_WORDS)


@dataclass(frozen=True)
class Header:
    row: int  # the row number of the header (CSV: its physical line; workbooks: the row Excel shows)
    cells: list[str]  # as written (a cell merged from the row above filled in)
    above: tuple[int, ...]  # the rows above it that are not blank (title rows): skipped


def _names(ledger: schema.Ledger) -> dict[str, str]:
    """Normalised header text → canonical column name, English and Chinese."""
    names = {}
    for col in ledger.columns:
        names[col.name.lower()] = col.name
        names[normalise_header(col.zh)] = col.name
    return names


def columns_in(cells: list[str], ledger: schema.Ledger) -> set[str]:
    names = _names(ledger)
    return {names[h] for h in (normalise_header(c) for c in cells) if h in names}


def fits(cells: list[str], ledger: schema.Ledger) -> bool:
    """Whether a row holds every column the ledger requires."""
    return {c.name for c in ledger.columns if c.header_required} <= columns_in(cells, ledger)


def _with_row_above(cells: list[str], above: list[str] | None) -> list[str]:
    if above is None:
        return cells
    width = max(len(cells), len(above))
    cells = cells + [""] * (width - len(cells))
    return [c if c.strip() else (above[i] if i < len(above) else "") for i, c in enumerate(cells)]


def find_header(
    head: list[tuple[int, list[str]]], ledgers: list[schema.Ledger]
) -> tuple[list[schema.Ledger], Header] | None:
    """The first of the first rows that holds a ledger's required columns, and the ledgers it fits
    (more than one: the table cannot be told apart); None when no row does."""
    previous = None
    for i, (row, cells) in enumerate(head[:HEAD_ROWS]):
        for candidate in (cells, _with_row_above(cells, previous)):
            fitting = [lg for lg in ledgers if fits(candidate, lg)]
            if fitting:
                return fitting, Header(row, candidate, tuple(r for r, _ in head[:i]))
        previous = cells
    return None


def best_guess(head: list[tuple[int, list[str]]], ledger: schema.Ledger) -> tuple[int, list[str]]:
    """The row that looks most like the ledger's header (for the message when none fits): the one
    with the most of its columns, else the first row."""
    if not head:
        return 1, []
    return max(head[:HEAD_ROWS], key=lambda rc: (len(columns_in(rc[1], ledger)), -rc[0]))


def ledger_named(file_name: str) -> schema.Ledger | None:
    """The ledger a file belongs to by its name (`trainings*`, …; case-insensitive), if any."""
    lower = file_name.lower()
    return next((lg for lg in schema.LEDGERS.values() if lower.startswith(lg.name)), None)
