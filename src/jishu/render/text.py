"""Reports as terminal tables (rich). Every value is a `Text`, so nothing in the data is read as markup.

At any width a name is never cut (SPEC §5): a table that does not fit is drawn lighter (no vertical
rules), then split into several tables by columns (a breakdown: a few metrics at a time, the township
named in each), and records that still do not fit are stacked (one block per record, a label before
each value). Names wrap rather than end in "…".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from jishu.i18n import Words
from jishu.model import AuditReport, CheckReport, PayeeReport, ProgressReport, SubsidyOverview
from jishu.render import Style, views

STATUS_STYLE = {"done": "bold green", "ahead": "green", "behind": "bold red", "missed": "bold red"}
SEVERITY_STYLE = {"error": "red", "duplicate": "yellow", "warning": "cyan", "notice": "dim"}


@dataclass
class Grid:
    """A table as data: headers, rows of cells, which columns are numbers (right-aligned) and how many
    leading columns name the record (kept in every part when the table is split by columns)."""

    header: list[str]
    rows: list[list[Text]]
    numeric: set[int] = field(default_factory=set)
    keys: int = 1
    title: str | None = None
    totals: int = 0  # the last rows that are totals (drawn after a rule, in bold)
    inline: tuple[int, ...] = ()  # stacked: further columns shown on the record's first line
    prose: tuple[int, ...] = ()  # sentences (a message, reasons): they wrap in any layout


def _cells(values: Sequence[str], style: str = "") -> list[Text]:
    return [Text(v, style=style) for v in values]


PROSE_MIN = 24  # cells: a sentence column narrower than this reads worse than stacked records


def _table(
    grid: Grid, columns: list[int], light: bool, narrow: bool = False, prose: int | None = None
) -> Table:
    """The grid's columns as a rich table. `narrow`: each header wrapped to its column's widest value
    (so that only headers wrap, never a value). `prose`: the width the sentence columns wrap at."""
    table = Table(
        title=Text(grid.title) if grid.title else None,
        title_justify="left",
        box=box.SIMPLE_HEAD if light else box.HEAVY_HEAD,
        pad_edge=not light,
        show_edge=not light,
    )
    for i in columns:
        header = Text(grid.header[i])
        if narrow:
            widest = max(
                (cell_len(line) for row in grid.rows for line in row[i].plain.split("\n")), default=1
            )
            words = [cell_len(w) for w in grid.header[i].split()] if grid.header[i].isascii() else []
            width = max(widest, 4, *words)
            lines = -(-cell_len(grid.header[i]) // width)  # as few lines as the width allows, evenly filled
            width = max(-(-cell_len(grid.header[i]) // lines) + 1, 0, *words) if lines > 1 else width
            header = Text("\n").join(header.wrap(_MEASURE, width, overflow="fold"))
        table.add_column(
            header,
            justify="right" if i in grid.numeric else "left",
            overflow="fold",
            max_width=prose if i in grid.prose else None,
        )
    body = len(grid.rows) - grid.totals
    for n, row in enumerate(grid.rows):
        if n == body and grid.totals:
            table.add_section()
        table.add_row(*[row[i] for i in columns], style="bold" if n >= body else None)
    return table


_MEASURE = Console(width=1 << 16, file=io.StringIO())  # wraps headers, measures tables: never prints


def _stacked(grid: Grid) -> Group:
    """One block per record: its naming cells (and `inline` ones) on a line, then a label before each
    other value, the values wrapping in their own column."""
    blocks: list = [Text(grid.title)] if grid.title else []
    for row in grid.rows:
        head = Text(" ").join(c for c in row[: grid.keys] if c.plain)
        head.stylize("bold")
        for i in grid.inline:
            head.append(" · ").append_text(row[i])
        blocks.append(head)
        rest = Table.grid(padding=(0, 1), pad_edge=True)
        rest.add_column(no_wrap=True, style="dim")
        rest.add_column(overflow="fold")
        for i in range(grid.keys, len(grid.header)):
            if i not in grid.inline and row[i].plain:
                rest.add_row(grid.header[i], row[i])
        blocks.append(rest)
    return Group(*blocks)


def _fits(console: Console, renderable, wrapping: bool = False) -> bool:
    """Whether a renderable fits the console's width with nothing wrapped; `wrapping`: with text wrapped
    between words where it has spaces (rich never breaks a word it can keep: a number, a CJK name)."""
    measured = Measurement.get(_MEASURE, _MEASURE.options, renderable)
    return (measured.minimum if wrapping else measured.maximum) <= console.width


def _prose_width(grid: Grid, console: Console, light: bool, narrow: bool) -> int | None:
    """What the console's width leaves to each sentence column (at least PROSE_MIN); None without any."""
    if not grid.prose:
        return None
    others = [i for i in range(len(grid.header)) if i not in grid.prose]
    used = Measurement.get(_MEASURE, _MEASURE.options, _table(grid, others, light, narrow)).maximum
    spare = console.width - used - 3 * len(grid.prose)
    return max(spare // len(grid.prose), PROSE_MIN)


def fit(grid: Grid, console: Console, split: bool = False):
    """The grid as it reads at the console's width, the first of: a table; a lighter one; (if
    `split`) several tables of a few columns each, the naming columns in every one; any of these with
    its headers wrapped; else stacked records."""
    everything = list(range(len(grid.header)))
    for narrow in (False, True):
        for light in (False, True):
            table = _table(grid, everything, light, narrow, _prose_width(grid, console, light, narrow))
            if _fits(console, table, wrapping=narrow):
                return table
        if split:
            rest = everything[grid.keys :]
            for per_part in range(len(rest) - 1, 1, -1):
                columns = [
                    everything[: grid.keys] + rest[i : i + per_part] for i in range(0, len(rest), per_part)
                ]
                parts = [_table(grid, c, light=True, narrow=narrow) for c in columns]
                if all(_fits(console, part, wrapping=narrow) for part in parts):
                    for part in parts[1:]:
                        part.title = None
                    return Group(*parts)
    return _stacked(grid)


# ---------------------------------------------------------------- reports


def _status(key: str | None, words: Words) -> Text:
    if not key:
        return Text("—")
    return Text(words(key), style=STATUS_STYLE.get(key, ""))


def progress(report: ProgressReport, words: Words, console: Console) -> list:
    header = views.progress_header(report, words)
    rows = []
    for m in report.metrics:
        cells = views.progress_row(m, report, words)
        rows.append(_cells(cells[:5]) + [_status(views.status_key(m, report), words)] + _cells(cells[6:]))
    grid = Grid(
        header, rows, numeric=set(range(1, len(header))) - {5}, title=views.progress_title(report, words)
    )
    if not _fits(console, _table(grid, list(range(len(header))), light=True)):
        # The time progress is the same on every row and stands in the title: the first column to go.
        grid = Grid(
            [h for i, h in enumerate(header) if i != 4],
            [r[:4] + r[5:] for r in rows],
            numeric={1, 2, 3, 5, 6},
            title=grid.title,
        )
    out: list = [fit(grid, console)]
    if report.groups:
        out.append(_groups(report, words, console))
        note = views.ranking_note(report, words)
        if note:
            out.append(Text(note, style="dim"))
    return out + [Text(line) for line in views.footer(report, words)]


def _groups(report: ProgressReport, words: Words, console: Console):
    ranked = report.by == "township"
    keys = 2 if ranked else 1
    rows = []
    for values in views.group_rows(report, words):
        rows.append(_cells(values))
    for g, row in zip(report.groups or [], rows):
        for m, cell in zip(g.metrics, row[keys:]):
            cell.stylize(STATUS_STYLE.get(views.status_key(m, report) or "", ""))
    header = views.group_header(report, words)
    grid = Grid(
        header,
        rows,
        numeric={0} | set(range(keys, len(header))) if ranked else set(range(1, len(header))),
        keys=keys,
        title=words(report.by),
        totals=1,
    )
    return fit(grid, console, split=True)


def check(report: CheckReport, words: Words, console: Console) -> list:
    out: list = []
    if report.problems:
        rows = []
        for severity, line in views.problem_lines(report.problems, words):
            cells = _cells(line)
            cells[5].stylize(SEVERITY_STYLE.get(severity, ""))
            rows.append(cells)
        grid = Grid([words(f) for f in views.PROBLEM_FIELDS], rows, keys=3, inline=(5, 4), prose=(6,))
        out.append(fit(grid, console))
        out.append(Text(words("check_summary", **report.tally())))
    else:
        out.append(Text(words("check_ok")))
    return out + [
        Text(views.counts_line(name, c, words, report.data_through)) for name, c in report.data.items()
    ]


def payee(report: PayeeReport, words: Words, console: Console) -> list:
    head = Table(show_header=False, title=words(f"kind_{report.payee.kind}"), title_justify="left")
    head.add_column()
    head.add_column(overflow="fold")
    for key, value in views.payee_header(report, words):
        head.add_row(key, Text(value))
    rows = []
    for h in report.hires:
        cells = _cells(views.hire_cells(h, report, words))
        cells[4].stylize("green" if h.eligible else "red")
        rows.append(cells)
    grid = Grid([words(c) for c in views.HIRE_COLUMNS], rows, numeric={5}, keys=2, prose=(6,))
    return [head, fit(grid, console), *_through(report, words)]


def _through(report, words: Words) -> list[Text]:
    line = views.through_line(report.data_through, words)
    return [Text(line, style="dim")] if line else []


def overview(report: SubsidyOverview, words: Words, console: Console) -> list:
    rows = [_cells(r) for r in views.overview_rows(report, words)]
    rows += [_cells(r) for r in views.totals_rows(report, words)]
    header = [words(c) for c in views.OVERVIEW_COLUMNS]
    payees = Grid(
        header,
        rows,
        numeric=set(range(3, 8)),
        keys=3,
        title=f"{words('as_of')} {report.as_of}",
        totals=len(report.totals),
    )
    if not _fits(console, _table(payees, list(range(len(header))), light=True, narrow=True), wrapping=True):
        # Narrow: one table per kind of payee, the name over its credit code in one column.
        out: list = [Text(payees.title)]
        for kind in report.totals:
            mine = [r for r, p in zip(rows, report.payees) if p.payee.kind == kind]
            total = rows[len(report.payees) + list(report.totals).index(kind)]
            merged = [[Text("\n").join(r[2:0:-1])] + r[3:] for r in mine + [total]]
            out.append(
                fit(
                    Grid(
                        [header[2]] + header[3:],
                        merged,
                        numeric=set(range(1, 6)),
                        title=words(f"kind_{kind}"),
                        totals=1,
                    ),
                    console,
                )
            )
        payees_part = Group(*out)
    else:
        payees_part = fit(payees, console)
    upcoming = Grid(
        [words(c) for c in views.LIABILITY_COLUMNS],
        [_cells(r) for r in views.liability_rows(report, words)],
        numeric={2, 3},
        keys=2,
        title=words("liability"),
    )
    if not report.liability:
        return [payees_part, Text(f"{words('liability')}：{words('none')}"), *_through(report, words)]
    return [payees_part, fit(upcoming, console), *_through(report, words)]


def audit(report: AuditReport, words: Words, console: Console) -> list:
    out: list = [Text(views.audit_title(report, words))]
    if report.findings:
        rows = []
        for f in report.findings:
            cells = _cells(views.finding_cells(f, report, words))
            cells[5].stylize("red")
            rows.append(cells)
        columns = views.FINDING_COLUMNS
        out.append(
            fit(
                Grid(
                    [words(c) for c in columns],
                    rows,
                    numeric={columns.index("amount")},
                    keys=2,
                    prose=(columns.index("reasons"),),
                ),
                console,
            )
        )
        totals = Table(show_header=False)
        totals.add_column(overflow="fold")
        totals.add_column(justify="right")
        for row in views.audit_totals_rows(report, words):
            totals.add_row(*_cells(row))
        out.append(totals)
    return out + [Text(views.audit_summary(report, words)), *_through(report, words)]


PARTS: dict[type, Callable[[object, Words, Console], list]] = {
    ProgressReport: progress,
    CheckReport: check,
    PayeeReport: payee,
    SubsidyOverview: overview,
    AuditReport: audit,
}


def render(report, words: Words, style: Style) -> str:
    """The report as terminal text: colour only on a terminal, at the terminal's width."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        highlight=False,
        width=style.width or 200,
        soft_wrap=False,
        force_terminal=style.color,
        color_system="standard" if style.color else None,
        emoji=False,
        markup=False,
    )
    for part in PARTS[type(report)](report, words, console):
        console.print(part)
    return buffer.getvalue()
