"""Reports as CSV, one record per row of the report, for spreadsheets and other tools."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from jishu import safe
from jishu.i18n import Words
from jishu.model import AuditReport, CheckReport, PayeeReport, ProgressReport, SubsidyOverview
from jishu.render import Style


def text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe.spreadsheet_cell(v) for v in row])
    return out.getvalue()


PROGRESS_FIELDS = [
    "key",
    "name",
    "unit",
    "target",
    "actual",
    "rate",
    "time_progress",
    "status",
    "remaining",
    "projection",
]


def progress(report: ProgressReport, words: Words) -> str:
    header = (["group"] if report.groups else []) + PROGRESS_FIELDS
    rows = []
    for group in report.groups or [None]:
        for m in group.metrics if group else report.metrics:
            name, unit = words.metric(m.key)
            d = m.model_dump() | {
                "name": safe.text(name),
                "unit": safe.text(unit),
                "time_progress": report.time_progress,
            }
            rows.append(([safe.text(group.key)] if group else []) + [d[f] for f in PROGRESS_FIELDS])
    return text(header, rows)


SUBSIDY_FIELDS = [
    "payee_id",
    "payee_name",
    "kind",
    "person",
    "name",
    "hire_date",
    "due_date",
    "eligible",
    "paid",
    "amount",
    "reasons",
]


def payee(report: PayeeReport, words: Words) -> str:
    rows = [
        [
            report.payee.id,
            safe.text(report.payee.name),
            report.payee.kind,
            h.person,
            safe.text(h.name),
            h.hire_date,
            h.due_date,
            h.eligible,
            h.paid,
            h.amount,
            ";".join(h.reasons),
        ]
        for h in report.hires
    ]
    return text(SUBSIDY_FIELDS, rows)


OVERVIEW_FIELDS = [
    "payee_id",
    "payee_name",
    "kind",
    "eligible",
    "ineligible",
    "amount_eligible",
    "already_paid",
    "amount_due",
    "cap_remaining",
    "audit_flags",
]


def overview(report: SubsidyOverview, words: Words) -> str:
    rows = [
        [
            p.payee.id,
            safe.text(p.payee.name),
            p.payee.kind,
            p.eligible,
            p.ineligible,
            p.amount_eligible,
            p.already_paid,
            p.amount_due,
            p.cap_remaining,
            p.audit_flags,
        ]
        for p in report.payees
    ]
    return text(OVERVIEW_FIELDS, rows)


AUDIT_FIELDS = [
    "payee_id",
    "payee_name",
    "kind",
    "person",
    "paid_date",
    "batch",
    "amount",
    "code",
    "reasons",
    "message",
]


def audit(report: AuditReport, words: Words) -> str:
    rows = [
        [
            f.payee.id,
            safe.text(f.payee.name),
            f.kind,
            f.person,
            f.paid_date,
            safe.text(f.batch),
            f.amount,
            f.code,
            ";".join(f.reasons),
            safe.text(f.message),
        ]
        for f in report.findings
    ]
    return text(AUDIT_FIELDS, rows)


CHECK_FIELDS = ["file", "sheet", "line", "column", "letter", "header", "value", "code", "severity", "message"]


def check(report: CheckReport, words: Words) -> str:
    rows = [
        [
            safe.text(p.file),
            safe.text(p.sheet),
            p.line,
            p.column,
            p.letter,
            safe.text(p.header),
            safe.text(p.value),
            p.code,
            p.severity,
            safe.text(p.message),
        ]
        for p in report.problems
    ]
    return text(CHECK_FIELDS, rows)


PARTS = {
    ProgressReport: progress,
    PayeeReport: payee,
    SubsidyOverview: overview,
    AuditReport: audit,
    CheckReport: check,
}


def render(report, words: Words, style: Style | None = None) -> str:
    return PARTS[type(report)](report, words)
