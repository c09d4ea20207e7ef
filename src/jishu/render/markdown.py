"""Reports as Markdown (for chat messages and documents). Table and link syntax in values is escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jishu import safe
from jishu.i18n import Words
from jishu.model import AuditReport, CheckReport, PayeeReport, ProgressReport, SubsidyOverview
from jishu.render import Style, views

cell = safe.markdown_cell


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def progress(report: ProgressReport, words: Words) -> str:
    head = f"**{cell(views.progress_title(report, words))}**\n\n"
    rows = []
    for m in report.metrics:
        row = views.progress_row(m, report, words)
        row[5] = words(row[5]) if row[5] else "—"
        rows.append(row)
    text = head + table(views.progress_header(report, words), rows)
    if report.groups:
        text += "\n" + table(views.group_header(report, words), views.group_rows(report, words))
        note = views.ranking_note(report, words)
        if note:
            text += "\n" + cell(note) + "\n"
    return text + "\n" + "\n".join(f"- {line}" for line in views.footer(report, words)) + "\n"


def _through_md(report, words: Words) -> str:
    line = views.through_line(report.data_through, words)
    return f"\n{cell(line)}\n" if line else ""


def payee(report: PayeeReport, words: Words) -> str:
    head = "\n".join(f"- **{k}**: {cell(v)}" for k, v in views.payee_header(report, words)) + "\n\n"
    rows = [views.hire_cells(h, report, words) for h in report.hires]
    return head + table([words(c) for c in views.HIRE_COLUMNS], rows) + _through_md(report, words)


def overview(report: SubsidyOverview, words: Words) -> str:
    text = table(
        [words(c) for c in views.OVERVIEW_COLUMNS],
        views.overview_rows(report, words) + views.totals_rows(report, words),
    )
    return (
        text
        + f"\n**{words('liability')}**\n\n"
        + table([words(c) for c in views.LIABILITY_COLUMNS], views.liability_rows(report, words))
        + _through_md(report, words)
    )


def audit(report: AuditReport, words: Words) -> str:
    text = f"**{cell(views.audit_title(report, words))}**\n\n"
    if report.findings:
        text += (
            table(
                [words(c) for c in views.FINDING_COLUMNS],
                [views.finding_cells(f, report, words) for f in report.findings],
            )
            + "\n"
        )
        text += table([words("finding"), words("count")], views.audit_totals_rows(report, words)) + "\n"
    return text + cell(views.audit_summary(report, words)) + "\n" + _through_md(report, words)


def check(report: CheckReport, words: Words) -> str:
    if not report.problems:
        text = cell(words("check_ok")) + "\n"
    else:
        text = table(
            [words(f) for f in views.PROBLEM_FIELDS],
            [line for _, line in views.problem_lines(report.problems, words)],
        )
        text += "\n" + cell(words("check_summary", **report.tally())) + "\n"
    return (
        text
        + "\n"
        + "\n".join(
            f"- {cell(views.counts_line(n, c, words, report.data_through))}" for n, c in report.data.items()
        )
        + "\n"
    )


PARTS = {
    ProgressReport: progress,
    PayeeReport: payee,
    SubsidyOverview: overview,
    AuditReport: audit,
    CheckReport: check,
}


def render(report, words: Words, style: Style | None = None) -> str:
    return PARTS[type(report)](report, words)
