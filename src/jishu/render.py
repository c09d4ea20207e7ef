"""Renderers: reports (pydantic models) → table, JSON, CSV or Markdown. No computing here (STYLE §2)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from jishu.i18n import word
from jishu.ids import scrub

STATUS_STYLE = {"done": "bold green", "ahead": "green", "behind": "bold red"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ or a tab gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def md_cell(value: object) -> str:
    text = "" if value is None else str(safe_cell(value))
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def status_text(status: str | None, lang: str) -> Text:
    if status is None:
        return Text("—")
    return Text(word(status, lang), style=STATUS_STYLE.get(status, ""))


def plain(value: object) -> Text:
    """A cell that rich prints literally (no markup from the data); anything ID-like is masked."""
    return Text(scrub(str(value)) if value is not None else "")


def code_cell(value: object) -> Text:
    """A credit code cell: printed as is (an all-digit credit code is not a personal ID)."""
    return Text("" if value is None else str(value))


# ---------------------------------------------------------------- progress


def _metric_value(m, field: str) -> str:
    value = getattr(m, field)
    if m.key == "certified_employment" and field in ("target", "actual", "remaining"):
        return percent(value)
    return number(value)


def progress_columns(lang: str, period_is_year: bool) -> list[str]:
    projection = "projection" if period_is_year else "projection_period"
    keys = ["metric", "target", "actual", "rate", "time_progress", "status", "remaining", projection]
    return [word(k, lang) for k in keys]


def progress_table(report, lang: str) -> list[Table]:
    is_year = "-" not in report.period.label
    title = (
        f"{word('period', lang)} {report.period.label}  {word('as_of', lang)} {report.as_of}  "
        f"{word('time_progress', lang)} {percent(report.time_progress)}"
    )
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(progress_columns(lang, is_year)):
        table.add_column(col, justify="left" if i == 0 else "right")
    for m in report.metrics:
        table.add_row(
            plain(m.name), _metric_value(m, "target"), _metric_value(m, "actual"), percent(m.rate),
            percent(report.time_progress), status_text(m.status, lang), _metric_value(m, "remaining"),
            number(m.projection),
        )
    tables = [table]
    if report.groups:
        tables.append(groups_table(report, lang))
    return tables


def groups_table(report, lang: str) -> Table:
    by = report.by
    table = Table(title=word(by, lang), title_justify="left")
    if by == "township":
        table.add_column(word("rank", lang), justify="right")
    table.add_column(word(by, lang))
    for m in report.metrics:
        table.add_column(m.name, justify="right")
    for g in report.groups:
        cells = []
        for m in g.metrics:
            text = _metric_value(m, "actual")
            if m.rate is not None:
                text += f" ({percent(m.rate)})"
            cells.append(Text(text, style=STATUS_STYLE.get(m.status or "", "")))
        head = [str(g.rank)] if by == "township" else []
        table.add_row(*head, plain(g.key), *cells)
    return table


def progress_footer(report, lang: str) -> list[str]:
    lines = [
        word("footer_counts", lang, ledger=word(f"ledger_{name}", lang), **c.model_dump())
        for name, c in report.data.items()
    ]
    if report.rejected:
        lines.append(word("footer_rejected", lang, n=report.rejected))
    return lines


PROGRESS_CSV_FIELDS = ["key", "name", "unit", "target", "actual", "rate", "time_progress", "status",
                       "remaining", "projection"]


def progress_csv(report) -> str:
    header = (["group"] if report.groups else []) + PROGRESS_CSV_FIELDS
    rows = []
    for group in report.groups or [None]:
        metrics = group.metrics if group else report.metrics
        for m in metrics:
            d = m.model_dump() | {"time_progress": report.time_progress}
            rows.append(([group.key] if group else []) + [d[f] for f in PROGRESS_CSV_FIELDS])
    return csv_text(header, rows)


def progress_markdown(report, lang: str) -> str:
    is_year = "-" not in report.period.label
    head = (
        f"**{word('period', lang)} {report.period.label}** · {word('as_of', lang)} {report.as_of} · "
        f"{word('time_progress', lang)} {percent(report.time_progress)}\n\n"
    )
    rows = [
        [m.name, _metric_value(m, "target"), _metric_value(m, "actual"), percent(m.rate),
         percent(report.time_progress), word(m.status, lang) if m.status else "—",
         _metric_value(m, "remaining"), number(m.projection)]
        for m in report.metrics
    ]
    text = head + markdown_table(progress_columns(lang, is_year), rows)
    if report.groups:
        header = ([word("rank", lang)] if report.by == "township" else []) + [word(report.by, lang)]
        header += [m.name for m in report.metrics]
        grows = []
        for g in report.groups:
            cells = [_metric_value(m, "actual") + (f" ({percent(m.rate)})" if m.rate is not None else "")
                     for m in g.metrics]
            grows.append(([g.rank] if report.by == "township" else []) + [g.key] + cells)
        text += "\n" + markdown_table(header, grows)
    return text + "\n" + "\n".join(f"- {line}" for line in progress_footer(report, lang)) + "\n"


# ---------------------------------------------------------------- problems (check)

PROBLEM_FIELDS = ["file", "line", "column", "value", "code", "severity", "message"]


def problems_table(problems, lang: str) -> Table:
    table = Table(show_lines=False)
    for f in PROBLEM_FIELDS:
        table.add_column(word(f, lang), overflow="fold")
    for p in problems:
        style = {"error": "red", "duplicate": "yellow", "warning": "cyan"}.get(p.severity, "")
        table.add_row(plain(p.file), plain(p.line if p.line is not None else ""), plain(p.column or ""),
                      plain(p.value or ""), plain(p.code), Text(word(p.severity, lang), style=style),
                      plain(p.message))
    return table


# ---------------------------------------------------------------- subsidy


def reason_words(codes: list[str], summary, lang: str) -> str:
    months = {"insurance_short": summary.min_insured_months}
    sep = "；" if lang != "en" else "; "
    return sep.join(word(c, lang, months=months.get(c, summary.min_months)) for c in codes)


def money(value: float | None, lang: str) -> str:
    return word("no_cap", lang) if value is None else number(value)


def payee_header(report, lang: str) -> list[tuple[str, str]]:
    return [
        (word("payee", lang), f"{report.payee.name} ({report.payee.id})"),
        (word("kind", lang), word(f"kind_{report.payee.kind}", lang)),
        (word("rate_yuan", lang), number(report.rate)),
        (word("cap", lang), money(report.cap, lang)),
        (word("already_paid", lang), number(report.already_paid)),
        (word("amount_due", lang), number(report.amount_due)),
        (word("cap_remaining", lang), money(report.cap_remaining, lang)),
        (word("eligible_n", lang), number(report.eligible)),
        (word("ineligible_n", lang), number(report.ineligible)),
    ]


def hire_state(h, lang: str) -> str:
    state = word("eligible" if h.eligible else "ineligible", lang)
    return state + (f" · {word('paid', lang)}" if h.paid else "")


HIRE_COLUMNS = ["person", "name", "hire_date", "due_date", "status", "amount", "reasons"]


def _hire_cells(h, report, lang: str) -> list:
    return [h.person, h.name or "", str(h.hire_date), str(h.due_date), hire_state(h, lang), number(h.amount),
            reason_words(h.reasons, report, lang)]


def payee_tables(report, lang: str) -> list[Table]:
    head = Table(show_header=False, title=word(f"kind_{report.payee.kind}", lang), title_justify="left")
    head.add_column()
    head.add_column()
    for key, value in payee_header(report, lang):
        head.add_row(key, Text(value))
    hires = Table()
    for c in HIRE_COLUMNS:
        hires.add_column(word(c, lang), overflow="fold")
    for h in report.hires:
        cells = [plain(c) for c in _hire_cells(h, report, lang)]
        cells[4].stylize("green" if h.eligible else "red")
        hires.add_row(*cells)
    return [head, hires]


SUBSIDY_CSV_FIELDS = ["payee_id", "payee_name", "kind", "person", "name", "hire_date", "due_date", "eligible",
                      "paid", "amount", "reasons"]


def payee_csv(report) -> str:
    rows = [[report.payee.id, report.payee.name, report.payee.kind, h.person, h.name, h.hire_date, h.due_date,
             h.eligible, h.paid, h.amount, ";".join(h.reasons)] for h in report.hires]
    return csv_text(SUBSIDY_CSV_FIELDS, rows)


def payee_markdown(report, lang: str) -> str:
    head = "\n".join(f"- **{k}**: {md_cell(v)}" for k, v in payee_header(report, lang)) + "\n\n"
    rows = [_hire_cells(h, report, lang) for h in report.hires]
    return head + markdown_table([word(c, lang) for c in HIRE_COLUMNS], rows)


OVERVIEW_COLUMNS = ["kind", "employer_id", "payee", "eligible_n", "amount_eligible", "already_paid", "amount_due"]


def _overview_rows(report, lang: str) -> list[list]:
    return [[word(f"kind_{p.payee.kind}", lang), p.payee.id, p.payee.name, number(p.eligible), number(p.amount_eligible),
             number(p.already_paid), number(p.amount_due)] for p in report.payees]


def _totals_rows(report, lang: str) -> list[list]:
    return [[word(f"kind_{k}", lang), "", word("totals", lang), number(t.eligible), number(t.amount_eligible),
             number(t.already_paid), number(t.amount_due)] for k, t in report.totals.items()]


def _liability_rows(report, lang: str) -> list[list]:
    return [[m.month, word(f"kind_{m.kind}", lang), m.hires, number(m.amount)] for m in report.liability]


LIABILITY_COLUMNS = ["due_month", "kind", "hires_n", "amount"]


def overview_tables(report, lang: str) -> list[Table]:
    payees = Table(title=f"{word('as_of', lang)} {report.as_of}", title_justify="left")
    for i, c in enumerate(OVERVIEW_COLUMNS):
        payees.add_column(word(c, lang), justify="right" if i >= 3 else "left")
    for row in _overview_rows(report, lang):
        payees.add_row(plain(row[0]), code_cell(row[1]), *[plain(c) for c in row[2:]])
    payees.add_section()
    for row in _totals_rows(report, lang):
        payees.add_row(*[Text(str(c), style="bold") for c in row])
    upcoming = Table(title=word("liability", lang), title_justify="left")
    for i, c in enumerate(LIABILITY_COLUMNS):
        upcoming.add_column(word(c, lang), justify="right" if i >= 2 else "left")
    for row in _liability_rows(report, lang):
        upcoming.add_row(*[plain(c) for c in row])
    return [payees, upcoming]


def overview_csv(report) -> str:
    fields = ["payee_id", "payee_name", "kind", "eligible", "ineligible", "amount_eligible", "already_paid",
              "amount_due", "cap_remaining"]
    rows = [[p.payee.id, p.payee.name, p.payee.kind, p.eligible, p.ineligible, p.amount_eligible, p.already_paid,
             p.amount_due, p.cap_remaining] for p in report.payees]
    return csv_text(fields, rows)


def overview_markdown(report, lang: str) -> str:
    text = markdown_table([word(c, lang) for c in OVERVIEW_COLUMNS],
                          _overview_rows(report, lang) + _totals_rows(report, lang))
    return text + f"\n**{word('liability', lang)}**\n\n" + markdown_table(
        [word(c, lang) for c in LIABILITY_COLUMNS], _liability_rows(report, lang))


def export_csv(rows: list[dict], full_ids: bool) -> str:
    """The payout list for the finance office (Excel opens UTF-8 with a BOM; the caller writes it)."""
    import numpy as np

    from jishu.ids import id_strings, masked_ids

    persons = np.array([r["person_id"] for r in rows], dtype=np.int64)
    shown = (id_strings(persons) if full_ids else masked_ids(persons)) if len(rows) else []
    fields = ["payee_id", "payee_name", "kind", "person_id", "name", "hire_date", "amount"]
    return csv_text(fields, [[r["payee_id"], r["payee_name"], r["kind"], s, r["name"], r["hire_date"], r["amount"]]
                             for r, s in zip(rows, shown)])
