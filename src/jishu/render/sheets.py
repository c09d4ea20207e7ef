"""Reports as sheets for Excel (SPEC §5 `-o FILE.xlsx|.csv`, `--export`): what clerks open, filter and
total. A sheet is a title, headers in the report's language, rows of typed cells and the totals rows;
render/xlsx.py writes sheets as a workbook, `excel_csv` as CSV that Excel on Chinese Windows opens.

Cells keep their type (numbers stay numbers, dates dates) except what must stay text in Excel: IDs,
credit codes, codes (`Code`), so that Excel never turns an 18-digit ID into 4.10122E+17. Every
text passes through the sanitiser (jishu.safe).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from jishu import safe
from jishu.i18n import Words
from jishu.model import (
    AuditReport,
    CheckReport,
    Metric,
    PayeeReport,
    PayoutLine,
    ProgressReport,
    SubsidyOverview,
)
from jishu.render import views
from jishu.rules.progress import SHARES


class Code(str):
    """Text that must stay text in a spreadsheet: an ID, a credit code, a problem code, a batch."""


@dataclass(frozen=True)
class Percent:
    value: float


Cell = str | Code | int | float | Percent | dt.date | None


@dataclass
class Sheet:
    name: str  # the sheet's (tab's) name
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    totals: int = 0  # the last rows are totals (bold in a workbook)
    note: str | None = None  # a line under the table (what ranks the townships …)


def _text(value: object) -> str:
    return safe.text(value) if value is not None else ""


def _code(value: object) -> Code | None:
    return Code(safe.code(value)) if value not in (None, "") else None


def _measure(m: Metric, field_name: str) -> Cell:
    value = getattr(m, field_name)
    if value is None:
        return None
    return Percent(value) if m.key in SHARES and field_name in ("target", "actual", "remaining") else value


def _numbered(rows: list[list[Cell]]) -> list[list[Cell]]:
    """序号 in front of each row (clerks count and refer to rows by it)."""
    return [[i + 1, *row] for i, row in enumerate(rows)]


# ---------------------------------------------------------------- progress


def progress(report: ProgressReport, words: Words) -> list[Sheet]:
    keys = [
        "metric",
        "unit",
        "target",
        "actual",
        "rate",
        "time_progress",
        "status",
        "remaining",
        "projection" if "-" not in report.period.label else "projection_period",
    ]
    main = Sheet(
        words("period") + " " + report.period.label,
        [words(k) for k in keys],
        note=views.progress_title(report, words),
    )
    for m in report.metrics:
        status = views.status_key(m, report)
        main.rows.append(
            [
                _text(m.name),
                _text(m.unit),
                _measure(m, "target"),
                _measure(m, "actual"),
                Percent(m.rate) if m.rate is not None else None,
                Percent(report.time_progress),
                words(status) if status else None,
                _measure(m, "remaining"),
                m.projection,
            ]
        )
    sheets = [main]
    if report.groups:
        ranked = report.by == "township"
        rates = report.ranking == "mean_rate"  # township targets: each township's rates too
        header = ([words("rank")] if ranked else []) + [words(report.by)]
        for m in report.metrics:
            header.append(f"{_text(m.name)} {words('actual')}")
            if rates:
                header.append(f"{_text(m.name)} {words('rate')}")
        groups = Sheet(words(report.by), header, totals=1, note=views.ranking_note(report, words))
        for g in report.groups:
            row: list[Cell] = ([g.rank] if ranked else []) + [_text(g.name or g.key)]
            for m in g.metrics:
                row.append(_measure(m, "actual"))
                if rates:
                    row.append(Percent(m.rate) if m.rate is not None else None)
            groups.rows.append(row)
        total: list[Cell] = ([None] if ranked else []) + [words("totals_row")]
        for m in report.metrics:
            total += [_measure(m, "actual")] + (
                [Percent(m.rate) if m.rate is not None else None] if rates else []
            )
        groups.rows.append(total)
        sheets.append(groups)
    return sheets + [data_sheet(report.data, report.data_through, words)]


def data_sheet(data: dict, through: dict | None, words: Words) -> Sheet:
    """Each ledger's reconciliation and data-through date."""
    sheet = Sheet(
        words("ledgers"),
        [words(k) for k in ("ledger", "rows", "accepted", "rejected", "duplicates", "latest_record")],
    )
    for name, c in data.items():
        sheet.rows.append(
            [words.ledger(name), c.rows, c.accepted, c.rejected, c.duplicates, (through or {}).get(name)]
        )
    return sheet


# ---------------------------------------------------------------- subsidies


def payee(report: PayeeReport, words: Words) -> list[Sheet]:
    summary = Sheet(words(f"kind_{report.payee.kind}"), [words("item"), words("value")])
    summary.rows = [[k, v] for k, v in views.payee_header(report, words)]
    keys = ["serial", "person", "name", "hire_date", "due_date", "status", "amount", "reasons"]
    hires = Sheet(words("hires_sheet"), [words(k) for k in keys], totals=1)
    for h in report.hires:
        hires.rows.append(
            [
                Code(safe.text(h.person)),
                _text(h.name),
                h.hire_date,
                h.due_date,
                views.hire_state(h, words),
                h.amount,
                views.reason_words(h.reasons, report, words),
            ]
        )
    hires.rows = _numbered(hires.rows)
    hires.rows.append(
        [None, words("totals_row"), None, None, None, None, sum(h.amount for h in report.hires), None]
    )
    return [summary, hires]


def overview(report: SubsidyOverview, words: Words) -> list[Sheet]:
    keys = [
        "serial",
        "kind",
        "employer_id",
        "payee",
        "eligible_n",
        "ineligible_n",
        "amount_eligible",
        "already_paid",
        "amount_due",
        "cap_remaining",
        "audit_flags",
    ]
    payees = Sheet(
        words("payees_sheet"),
        [words(k) for k in keys],
        totals=len(report.totals),
        note=f"{words('as_of')} {report.as_of}",
    )
    payees.rows = _numbered(
        [
            [
                words(f"kind_{p.payee.kind}"),
                _code(p.payee.id),
                _text(p.payee.name),
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
    )
    for kind, t in report.totals.items():
        flagged = sum(p.audit_flags or 0 for p in report.payees if p.payee.kind == kind)
        payees.rows.append(
            [
                None,
                words(f"kind_{kind}"),
                None,
                words("totals_row"),
                t.eligible,
                None,
                t.amount_eligible,
                t.already_paid,
                t.amount_due,
                None,
                flagged,
            ]
        )
    upcoming = Sheet(
        words("liability_sheet"),
        [words(k) for k in views.LIABILITY_COLUMNS],
        totals=1,
        note=words("liability"),
    )
    upcoming.rows = [[m.month, words(f"kind_{m.kind}"), m.hires, m.amount] for m in report.liability]
    upcoming.rows.append(
        [
            words("totals_row"),
            None,
            sum(m.hires for m in report.liability),
            sum(m.amount for m in report.liability),
        ]
    )
    return [payees, upcoming]


def payout_list(rows: list[PayoutLine], shown_ids: list[str], words: Words) -> list[Sheet]:
    """The payout list for the finance office (--export): one line per hire due, 序号 and 合计."""
    keys = ["serial", "employer_id", "payee", "kind", "person", "name", "hire_date", "amount"]
    sheet = Sheet(words("payout_list"), [words(k) for k in keys], totals=1)
    sheet.rows = _numbered(
        [
            [
                _code(r.payee_id),
                _text(r.payee_name),
                words(f"kind_{r.kind}"),
                Code(shown),
                _text(r.name),
                r.hire_date,
                r.amount,
            ]
            for r, shown in zip(rows, shown_ids)
        ]
    )
    sheet.rows.append([None, words("totals_row"), None, None, None, None, None, sum(r.amount for r in rows)])
    return [sheet]


# ---------------------------------------------------------------- the audit and check


def audit(report: AuditReport, words: Words) -> list[Sheet]:
    keys = [
        "serial",
        "payee",
        "employer_id",
        "kind",
        "person",
        "paid_date",
        "batch",
        "amount",
        "finding",
        "reasons",
    ]
    findings = Sheet(
        words("findings_sheet"), [words(k) for k in keys], totals=1, note=views.audit_title(report, words)
    )
    for f in report.findings:
        terms = report.terms[f.kind]
        short, sentence = words.finding(f, terms.min_months, terms.min_insured_months)
        findings.rows.append(
            [
                _text(f.payee.name),
                _code(f.payee.id),
                words(f"kind_{f.kind}"),
                Code(safe.text(f.person)),
                f.paid_date,
                _code(f.batch),
                f.amount,
                short,
                _text(sentence),
            ]
        )
    findings.rows = _numbered(findings.rows)
    findings.rows.append(
        [
            None,
            words("totals_row"),
            None,
            None,
            None,
            None,
            None,
            report.totals.amount_at_risk,
            report.totals.findings,
            None,
        ]
    )
    totals = Sheet(words("totals"), [words("finding"), words("count")], totals=1)
    totals.rows = [[words.finding_name(code), n] for code, n in report.totals.by_code.items() if n]
    totals.rows.append([words("amount_at_risk"), report.totals.amount_at_risk])
    return [findings, totals]


def check(report: CheckReport, words: Words) -> list[Sheet]:
    """Every problem on its own row (not grouped), with the sheet, row and column letter: a list a
    clerk filters in Excel and works through."""
    keys = ["serial", "file", "sheet", "line", "letter", "column", "value", "code", "severity", "message"]
    problems = Sheet(words("problems_sheet"), [words(k) for k in keys])
    problems.rows = _numbered(
        [
            [
                _text(p.file),
                _text(p.sheet) or None,
                p.line,
                p.letter,
                _text(p.header or p.column) or None,
                Code(_text(p.value)) if p.value else None,
                Code(p.code),
                words(p.severity),
                _text(p.message),
            ]
            for p in report.problems
        ]
    )
    return [problems, data_sheet(report.data, report.data_through, words)]


SHEETS = {
    ProgressReport: progress,
    PayeeReport: payee,
    SubsidyOverview: overview,
    AuditReport: audit,
    CheckReport: check,
}


def sheets(report, words: Words) -> list[Sheet]:
    return SHEETS[type(report)](report, words)


# ---------------------------------------------------------------- CSV for Excel


def excel_csv(parts: list[Sheet]) -> bytes:
    """Sheets as one CSV file for Excel: UTF-8 with a BOM (Excel on Chinese Windows reads it as UTF-8),
    headers in the report's language, no cell able to start a formula. Several sheets follow one
    another, each under its name, a blank row between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, sheet in enumerate(parts):
        if len(parts) > 1:
            if i:
                writer.writerow([])
            writer.writerow([safe.spreadsheet_cell(sheet.name)])
        writer.writerow([safe.spreadsheet_cell(h) for h in sheet.header])
        for row in sheet.rows:
            writer.writerow([_csv_cell(v) for v in row])
        if sheet.note:
            writer.writerow([safe.spreadsheet_cell(sheet.note)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value.value * 100:.2f}%"
    if isinstance(value, (int, float, dt.date)):
        return str(value)
    return safe.spreadsheet_cell(str(value))
