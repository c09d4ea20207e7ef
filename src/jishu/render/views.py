"""What the human-readable formats (terminal tables, Markdown) show of each report: headers and rows
in words, numbers formatted, every value passed through the sanitiser. The formats differ only in
how they lay these out."""

from __future__ import annotations

from jishu import safe
from jishu.i18n import Words
from jishu.model import AuditReport, Metric, PayeeSummary, ProgressReport, SubsidyOverview
from jishu.rules.progress import SHARES


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def metric_value(m: Metric, field: str) -> str:
    value = getattr(m, field)
    if m.key in SHARES and field in ("target", "actual", "remaining"):
        return percent(value)
    return number(value)


def money(value: float | None, words: Words) -> str:
    return words("no_cap") if value is None else number(value)


# ---------------------------------------------------------------- progress


def metric_name(m: Metric) -> str:
    return safe.text(m.name)


def progress_title(report: ProgressReport, words: Words) -> str:
    """The period, the date it is counted to (its last day once it has ended) and the time progress."""
    ended = words("period_ended") if report.finished else ""
    return (
        f"{words('period')} {report.period.label}{ended}  {words('as_of')} {report.window.end}  "
        f"{words('time_progress')} {percent(report.time_progress)}"
    )


def status_key(m: Metric, report: ProgressReport) -> str | None:
    """The status as words show it: a target still behind once its period has ended is missed (未完成)."""
    return "missed" if report.finished and m.status == "behind" else m.status


def progress_header(report: ProgressReport, words: Words) -> list[str]:
    projection = "projection" if "-" not in report.period.label else "projection_period"
    keys = ["metric", "target", "actual", "rate", "time_progress", "status", "remaining", projection]
    return [words(k) for k in keys]


def progress_row(m: Metric, report: ProgressReport, words: Words) -> list[str]:
    """A metric's row; the status stays a code (each format shows it in its own way)."""
    return [
        metric_name(m),
        metric_value(m, "target"),
        metric_value(m, "actual"),
        percent(m.rate),
        percent(report.time_progress),
        status_key(m, report) or "",
        metric_value(m, "remaining"),
        number(m.projection),
    ]


def group_header(report: ProgressReport, words: Words) -> list[str]:
    head = [words("rank")] if report.by == "township" else []
    return head + [words(report.by)] + [metric_name(m) for m in report.metrics]


def group_cell(m: Metric) -> str:
    text = metric_value(m, "actual")
    return text + (f" ({percent(m.rate)})" if m.rate is not None else "")


def group_rows(report: ProgressReport, words: Words) -> list[list[str]]:
    """The breakdown's rows, then the 合计 row: the county's own figures (a person or a competition in
    two townships is counted once, as in the county's figure)."""
    ranked = report.by == "township"
    rows = [
        ([str(g.rank or "—")] if ranked else [])
        + [safe.text(g.name or g.key)]
        + [group_cell(m) for m in g.metrics]
        for g in report.groups or []
    ]
    total = (
        ([""] if ranked else []) + [words("totals_row")] + [metric_value(m, "actual") for m in report.metrics]
    )
    return rows + [total]


def ranking_note(report: ProgressReport, words: Words) -> str | None:
    return words(f"ranking_{report.ranking}") if report.ranking else None


def footer(report: ProgressReport, words: Words) -> list[str]:
    lines = [counts_line(name, c, words, report.data_through) for name, c in report.data.items()]
    if report.rejected:
        lines.append(words("footer_rejected", n=report.rejected))
    return lines


def counts_line(name: str, c, words: Words, through: dict | None = None) -> str:
    """A ledger's reconciliation and how far its data goes."""
    line = words("footer_counts", ledger=words.ledger(name), **c.model_dump())
    if through is None or name not in through:
        return line
    sep = "；" if words.lang != "en" else "; "
    day = through[name]
    return line + sep + (words("data_through", date=day) if day else words("no_records"))


def through_line(through: dict | None, words: Words) -> str | None:
    """数据截至：each ledger's latest record date (for the reports without a counts footer)."""
    if not through:
        return None
    sep = "；" if words.lang != "en" else "; "
    return words(
        "data_through",
        date=sep.join(f"{words.ledger(n)} {d or words('no_records')}" for n, d in through.items()),
    )


def level_header(report: ProgressReport, words: Words) -> list[str]:
    """The competitions-by-level table (SPEC §7): the level, then the competition metrics."""
    keys = next(iter(report.levels.values())) if report.levels else {}
    return [words("competition_level")] + [words.metric(k)[0] for k in keys]


def level_rows(report: ProgressReport, words: Words) -> list[list[str]]:
    """One row per competition level (国家级 … 县级); none without the competitions ledger."""
    return [
        [words(f"level_{level}")] + [number(n) for n in values.values()]
        for level, values in (report.levels or {}).items()
    ]


# ---------------------------------------------------------------- subsidies


def reason_words(codes: list[str], summary: PayeeSummary, words: Words) -> str:
    months = {"insurance_short": summary.min_insured_months}
    sep = "；" if words.lang != "en" else "; "
    return sep.join(words(c, months=months.get(c, summary.min_months)) for c in codes)


def payee_header(report: PayeeSummary, words: Words) -> list[tuple[str, str]]:
    return [
        (words("payee"), f"{safe.text(report.payee.name)} ({safe.code(report.payee.id)})"),
        (words("kind"), words(f"kind_{report.payee.kind}")),
        (words("rate_yuan"), number(report.rate)),
        (words("cap"), money(report.cap, words)),
        (words("already_paid"), number(report.already_paid)),
        (words("amount_due"), number(report.amount_due)),
        (words("cap_remaining"), money(report.cap_remaining, words)),
        (words("eligible_n"), number(report.eligible)),
        (words("ineligible_n"), number(report.ineligible)),
    ]


HIRE_COLUMNS = ["person", "name", "hire_date", "due_date", "status", "amount", "reasons"]


def hire_state(h, words: Words) -> str:
    state = words("eligible" if h.eligible else "ineligible")
    return state + (f" · {words('paid')}" if h.paid else "")


def hire_cells(h, report: PayeeSummary, words: Words) -> list[str]:
    return [
        safe.text(h.person),
        safe.text(h.name or ""),
        str(h.hire_date),
        str(h.due_date),
        hire_state(h, words),
        number(h.amount),
        reason_words(h.reasons, report, words),
    ]


OVERVIEW_COLUMNS = [
    "kind",
    "employer_id",
    "payee",
    "eligible_n",
    "amount_eligible",
    "already_paid",
    "amount_due",
    "audit_flags",
]
LIABILITY_COLUMNS = ["due_month", "kind", "hires_n", "amount"]


def overview_rows(report: SubsidyOverview, words: Words) -> list[list[str]]:
    return [
        [
            words(f"kind_{p.payee.kind}"),
            safe.code(p.payee.id),
            safe.text(p.payee.name),
            number(p.eligible),
            number(p.amount_eligible),
            number(p.already_paid),
            number(p.amount_due),
            number(p.audit_flags),
        ]
        for p in report.payees
    ]


def totals_rows(report: SubsidyOverview, words: Words) -> list[list[str]]:
    return [
        [
            words(f"kind_{k}"),
            "",
            words("totals"),
            number(t.eligible),
            number(t.amount_eligible),
            number(t.already_paid),
            number(t.amount_due),
            number(sum(p.audit_flags or 0 for p in report.payees if p.payee.kind == k)),
        ]
        for k, t in report.totals.items()
    ]


def liability_rows(report: SubsidyOverview, words: Words) -> list[list[str]]:
    return [[m.month, words(f"kind_{m.kind}"), str(m.hires), number(m.amount)] for m in report.liability]


# ---------------------------------------------------------------- problems (check)

PROBLEM_FIELDS = ["file", "line", "column", "value", "code", "severity", "message"]


def where(p) -> str:
    """The file, and the sheet of a workbook."""
    return safe.text(p.file) + (f" · {safe.text(p.sheet)}" if p.sheet else "")


def column_cell(p) -> str:
    """The column as a clerk finds it in Excel: its letter and header (D 结业日期), else its name."""
    if p.letter:
        return f"{p.letter} {safe.text(p.header)}"
    return safe.text(p.column or "")


def problem_cells(p, words: Words) -> list[str]:
    return [
        where(p),
        str(p.line) if p.line is not None else "",
        column_cell(p),
        safe.text(p.value or ""),
        p.code,
        words(p.severity),
        safe.text(p.message),
    ]


GROUPED = 5  # more equal problems than this in one column are shown as one line (the JSON lists each)


def problem_lines(problems, words: Words) -> list[tuple[str, list[str]]]:
    """(severity, cells) per line of the problem table: the same problem in the same column of the
    same file or sheet, more than GROUPED times, is one line with the count and its first rows."""
    groups: dict[tuple, list] = {}
    for p in problems:
        groups.setdefault((p.file, p.sheet, p.column, p.code), []).append(p)
    out = []
    for group in groups.values():
        if len(group) <= GROUPED or group[0].line is None:
            out += [(p.severity, problem_cells(p, words)) for p in group]
            continue
        first = group[0]
        rows = words("first_rows", rows=", ".join(str(p.line) for p in group[:3]), n=len(group))
        values = "、".join(dict.fromkeys(safe.text(p.value or "") for p in group[:3]))
        out.append(
            (
                first.severity,
                [
                    where(first),
                    rows,
                    column_cell(first),
                    values,
                    first.code,
                    words(first.severity),
                    safe.text(first.message),
                ],
            )
        )
    return out


# ---------------------------------------------------------------- the audit

FINDING_COLUMNS = ["payee", "person", "paid_date", "batch", "amount", "finding", "reasons"]


def audit_title(report: AuditReport, words: Words) -> str:
    return words("audit_title", as_of=report.as_of, payouts=report.payouts)


def finding_cells(f, report: AuditReport, words: Words) -> list[str]:
    terms = report.terms[f.kind]
    short, sentence = words.finding(f, terms.min_months, terms.min_insured_months)
    payee = f"{safe.text(f.payee.name)} ({safe.code(f.payee.id)})" if f.payee.name else safe.code(f.payee.id)
    return [
        payee,
        safe.text(f.person),
        str(f.paid_date),
        safe.text(f.batch or ""),
        number(f.amount),
        short,
        safe.text(sentence),
    ]


def audit_totals_rows(report: AuditReport, words: Words) -> list[list[str]]:
    rows = [[words.finding_name(code), number(n)] for code, n in report.totals.by_code.items() if n]
    return rows + [[words("amount_at_risk"), number(report.totals.amount_at_risk)]]


def audit_summary(report: AuditReport, words: Words) -> str:
    if not report.findings:
        return words("audit_ok")
    t = report.totals
    return words(
        "audit_summary",
        findings=t.findings,
        payouts_flagged=t.payouts_flagged,
        amount=number(t.amount_at_risk),
    )
