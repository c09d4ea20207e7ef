"""Reports as Markdown (for chat messages and documents). Table and link syntax in values is escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jishu import safe
from jishu.i18n import Words
from jishu.model import AuditReport, PayeeReport, ProgressReport, SubsidyOverview
from jishu.render import Style, views

cell = safe.markdown_cell


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def progress(report: ProgressReport, words: Words) -> str:
    head = (f"**{words('period')} {report.period.label}** · {words('as_of')} {report.as_of} · "
            f"{words('time_progress')} {views.percent(report.time_progress)}\n\n")
    rows = []
    for m in report.metrics:
        row = views.progress_row(m, report, words)
        row[5] = words(m.status) if m.status else "—"
        rows.append(row)
    text = head + table(views.progress_header(report, words), rows)
    if report.groups:
        grows = [([g.rank or "—"] if report.by == "township" else []) + [safe.text(g.name or g.key)]
                 + [views.group_cell(m) for m in g.metrics] for g in report.groups]
        text += "\n" + table(views.group_header(report, words), grows)
    return text + "\n" + "\n".join(f"- {line}" for line in views.footer(report, words)) + "\n"


def payee(report: PayeeReport, words: Words) -> str:
    head = "\n".join(f"- **{k}**: {cell(v)}" for k, v in views.payee_header(report, words)) + "\n\n"
    rows = [views.hire_cells(h, report, words) for h in report.hires]
    return head + table([words(c) for c in views.HIRE_COLUMNS], rows)


def overview(report: SubsidyOverview, words: Words) -> str:
    text = table([words(c) for c in views.OVERVIEW_COLUMNS],
                 views.overview_rows(report, words) + views.totals_rows(report, words))
    return text + f"\n**{words('liability')}**\n\n" + table(
        [words(c) for c in views.LIABILITY_COLUMNS], views.liability_rows(report, words))


def audit(report: AuditReport, words: Words) -> str:
    text = f"**{cell(views.audit_title(report, words))}**\n\n"
    if report.findings:
        text += table([words(c) for c in views.FINDING_COLUMNS],
                      [views.finding_cells(f, report, words) for f in report.findings]) + "\n"
        text += table([words("finding"), words("count")], views.audit_totals_rows(report, words)) + "\n"
    return text + cell(views.audit_summary(report, words)) + "\n"


PARTS = {ProgressReport: progress, PayeeReport: payee, SubsidyOverview: overview, AuditReport: audit}


def render(report, words: Words, style: Style | None = None) -> str:
    return PARTS[type(report)](report, words)
