"""Reports as terminal tables (rich). Every value is a `Text`, so nothing in the data is read as markup."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from jishu.i18n import Words
from jishu.model import AuditReport, CheckReport, PayeeReport, ProgressReport, SubsidyOverview
from jishu.render import Style, views

STATUS_STYLE = {"done": "bold green", "ahead": "green", "behind": "bold red"}
SEVERITY_STYLE = {"error": "red", "duplicate": "yellow", "warning": "cyan", "notice": "dim"}


def _status(status: str | None, words: Words) -> Text:
    if not status:
        return Text("—")
    return Text(words(status), style=STATUS_STYLE.get(status, ""))


def progress(report: ProgressReport, words: Words) -> list:
    table = Table(title=Text(views.progress_title(report, words)), title_justify="left")
    for i, col in enumerate(views.progress_header(report, words)):
        table.add_column(col, justify="left" if i == 0 else "right")
    for m in report.metrics:
        cells = views.progress_row(m, report, words)
        table.add_row(*[Text(c) for c in cells[:5]], _status(m.status, words), *[Text(c) for c in cells[6:]])
    out: list = [table]
    if report.groups:
        out.append(_groups(report, words))
    return out + [Text(line) for line in views.footer(report, words)]


def _groups(report: ProgressReport, words: Words) -> Table:
    table = Table(title=words(report.by), title_justify="left")
    ranked = report.by == "township"
    for i, col in enumerate(views.group_header(report, words)):
        is_group_name = i == (1 if ranked else 0)
        table.add_column(col, justify="left" if is_group_name else "right")
    for g in report.groups:
        cells = [Text(views.group_cell(m), style=STATUS_STYLE.get(m.status or "", "")) for m in g.metrics]
        head = [Text(str(g.rank or "—"))] if report.by == "township" else []
        table.add_row(*head, Text(views.safe.text(g.name or g.key)), *cells)
    return table


def check(report: CheckReport, words: Words) -> list:
    out: list = []
    if report.problems:
        table = Table(show_lines=False)
        for f in views.PROBLEM_FIELDS:
            table.add_column(words(f), overflow="fold")
        for severity, line in views.problem_lines(report.problems, words):
            cells = [Text(c) for c in line]
            cells[5].stylize(SEVERITY_STYLE.get(severity, ""))
            table.add_row(*cells)
        out.append(table)
        out.append(Text(words("check_summary", **report.tally())))
    else:
        out.append(Text(words("check_ok")))
    return out + [Text(words("footer_counts", ledger=words.ledger(name), **c.model_dump()))
                  for name, c in report.data.items()]


def payee(report: PayeeReport, words: Words) -> list:
    head = Table(show_header=False, title=words(f"kind_{report.payee.kind}"), title_justify="left")
    head.add_column()
    head.add_column()
    for key, value in views.payee_header(report, words):
        head.add_row(key, Text(value))
    hires = Table()
    for c in views.HIRE_COLUMNS:
        hires.add_column(words(c), overflow="fold")
    for h in report.hires:
        cells = [Text(c) for c in views.hire_cells(h, report, words)]
        cells[4].stylize("green" if h.eligible else "red")
        hires.add_row(*cells)
    return [head, hires]


def overview(report: SubsidyOverview, words: Words) -> list:
    payees = Table(title=f"{words('as_of')} {report.as_of}", title_justify="left")
    for i, c in enumerate(views.OVERVIEW_COLUMNS):
        payees.add_column(words(c), justify="right" if i >= 3 else "left")
    for row in views.overview_rows(report, words):
        payees.add_row(*[Text(c) for c in row])
    payees.add_section()
    for row in views.totals_rows(report, words):
        payees.add_row(*[Text(c, style="bold") for c in row])
    upcoming = Table(title=words("liability"), title_justify="left")
    for i, c in enumerate(views.LIABILITY_COLUMNS):
        upcoming.add_column(words(c), justify="right" if i >= 2 else "left")
    for row in views.liability_rows(report, words):
        upcoming.add_row(*[Text(c) for c in row])
    return [payees, upcoming]


def audit(report: AuditReport, words: Words) -> list:
    out: list = [Text(views.audit_title(report, words))]
    if report.findings:
        table = Table()
        for c in views.FINDING_COLUMNS:
            table.add_column(words(c), overflow="fold", justify="right" if c == "amount" else "left")
        for f in report.findings:
            cells = [Text(c) for c in views.finding_cells(f, report, words)]
            cells[5].stylize("red")
            table.add_row(*cells)
        out.append(table)
        totals = Table(show_header=False)
        totals.add_column()
        totals.add_column(justify="right")
        for row in views.audit_totals_rows(report, words):
            totals.add_row(*[Text(c) for c in row])
        out.append(totals)
    return out + [Text(views.audit_summary(report, words))]


PARTS = {ProgressReport: progress, CheckReport: check, PayeeReport: payee, SubsidyOverview: overview,
         AuditReport: audit}


def render(report, words: Words, style: Style) -> str:
    """The report as terminal text: colour only on a terminal, at the terminal's width."""
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, width=style.width or 200, soft_wrap=False,
                      force_terminal=style.color, color_system="standard" if style.color else None, emoji=False,
                      markup=False)
    for part in PARTS[type(report)](report, words):
        console.print(part)
    return buffer.getvalue()
