"""The nightly summary in words: what the page, the WeChat brief (.txt) and the Markdown say of it.

The sentences are built here once, from a localised SummaryReport (render.localise) and `Words`; the
formats differ only in how they lay them out and escape them. `esc` is applied to every value put
into a sentence (a name from a ledger or targets.yaml, a number): `safe.text` for plain text (IDs
masked, controls visible), `safe.markdown_cell` for Markdown; the page escapes whole sentences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jishu import safe
from jishu.i18n import Words
from jishu.render.views import number, percent
from jishu.rules.progress import SHARES

# Beijing time (Asia/Shanghai): China keeps UTC+8 all year, with no summer time.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
BRIEF_LIMIT = 1000  # characters: the .txt is pasted into a WeChat message

Esc = Callable[[object], str]


# ---------------------------------------------------------------- sentences shared by every format


def title(report, words: Words, key: str = "summary_title", esc: Esc = safe.text) -> str:
    return words(key, county=esc(report.county or "")).strip()


def generated(report, words: Words) -> str:
    """When the summary was made, in Beijing time and the report's language."""
    at = report.generated_at
    if at.tzinfo is None:  # a summary file written by hand: its time is taken as UTC, as jishu writes it
        at = at.replace(tzinfo=dt.UTC)
    at = at.astimezone(BEIJING)
    return words("generated_at", date=words.day(at.date()), time=at.strftime("%H:%M"))


def period_name(section, words: Words) -> str:
    key = "period_year" if section.period.start.year == section.period.end.year else "period_plan"
    return words(key, label=section.period.label)


def targeted(section) -> list:
    """The metrics with a target in the period (they have a status)."""
    return [m for m in section.metrics if m.status is not None]


def headline(section, words: Words) -> str:
    """One sentence on a period: how many of its targeted metrics are behind time progress (or missed,
    once the period is over), else that all are on time or done."""
    metrics = targeted(section)
    period = period_name(section, words)
    if not metrics:
        return words("headline_none", period=period)
    statuses = [m.status for m in metrics]
    n = len(metrics)
    for status in ("behind", "missed"):
        if status in statuses:
            return words(f"headline_{status}", period=period, n=n, k=statuses.count(status))
    if all(s == "done" for s in statuses):
        return words("headline_done", period=period, n=n)
    return words("headline_ahead", period=period, n=n)


def headlines(report, words: Words) -> tuple[str, str]:
    """The page's and the brief's headline, and the line under it: the current year's, unless it has
    no targets (a year after the work plan's), then the plan period's first."""
    year, plan = headline(report.year, words), headline(report.plan, words)
    return (year, plan) if targeted(report.year) or not targeted(report.plan) else (plan, year)


def main_section(report):
    """The period the headline is about (see `headlines`)."""
    return report.year if targeted(report.year) or not targeted(report.plan) else report.plan


def shown(m, field: str) -> str:
    """A metric's target or actual as shown: a share as a percentage, a count with separators."""
    value = getattr(m, field)
    return percent(value) if m.key in SHARES else number(value)


def points(value: float) -> str:
    return f"{abs(value) * 100:.1f}"


def state(m, time_progress: float, words: Words) -> str:
    """Where a metric stands against time progress, in words: `滞后 8.5 个百分点`, `已完成`, `未设目标`."""
    if m.status is None or m.rate is None:
        return words("no_target") if m.status is None else words(m.status)
    if m.status == "behind":
        return words("gap_behind", gap=points(time_progress - m.rate))
    if m.status == "ahead":
        return words("gap_ahead", gap=points(m.rate - time_progress))
    return words(m.status)


def ranked_last(report, n: int = 3) -> tuple[str, list]:
    """The townships furthest behind, and what ranks them: the last `n` ranked by mean completion rate
    when townships have targets, else by new skilled talents (rules/progress.py `_rank`)."""
    ranked = [t for t in report.townships if t.rank is not None]
    scored = [t for t in ranked if t.score is not None]
    if scored:
        return "mean_rate", scored[-n:][::-1]
    return "skilled", ranked[-n:][::-1]


def township_figure(t, criterion: str, unit: str = "") -> str:
    """What ranks a township, as shown: its mean rate, or its new skilled talents (with their unit)."""
    if criterion == "mean_rate":
        return percent(t.score)
    return f"{number(t.actual.get('skilled'))} {unit}".strip()


def liability_total(report) -> tuple[float, int]:
    months = report.subsidy.liability
    return sum(m.amount for m in months), sum(m.hires for m in months)


def audit_line(report, words: Words) -> str:
    """The audit of paid subsidies in one sentence: findings by name and the amount at risk (under a
    heading that names the audit: the brief prefixes it with `audit_brief`)."""
    t = report.audit.totals
    if not t.findings:
        return words("summary_audit_ok", payouts=report.audit.payouts)
    codes = words("list_sep").join(f"{words.finding_name(c)} {n:,}" for c, n in t.by_code.items() if n)
    return words(
        "summary_audit",
        payouts=report.audit.payouts,
        flagged=t.payouts_flagged,
        codes=codes,
        amount=number(t.amount_at_risk),
    )


def quality_total(report, words: Words, key: str = "quality_total") -> str:
    q = report.data_quality
    return words(
        key,
        rows=sum(c.rows for c in q.ledgers.values()),
        rejected=q.rejected,
        duplicates=q.duplicates,
        warnings=q.warnings,
    )


def data_through(report) -> dict:
    """Each ledger's data-through date: its latest record date on or before the as-of date (or None)."""
    return report.data_quality.data_through or {}


def quality_ledgers(report, words: Words) -> list[str]:
    """One sentence per ledger: its reconciliation and how far its records go (data-through date)."""
    lines = []
    days = data_through(report)
    for name, c in report.data_quality.ledgers.items():
        latest = days.get(name)
        through = words("data_through", date=words.day(latest)) if latest else words("no_records")
        lines.append(
            words(
                "quality_ledger",
                ledger=words.ledger(name),
                rows=c.rows,
                accepted=c.accepted,
                rejected=c.rejected,
                duplicates=c.duplicates,
                through=through,
            )
        )
    return lines


def quality_top(report, words: Words, n: int = 5) -> str:
    """The most frequent problems by name (never by code), or "" when there are none."""
    top = report.data_quality.top_problems[:n]
    if not top:
        return ""
    items = words("list_sep").join(
        words("quality_item", name=words.problem_name(p.code), n=p.count) for p in top
    )
    return words("quality_top", top=items)


# ---------------------------------------------------------------- the brief: .txt and .md


def with_unit(m, field: str) -> str:
    """A metric's target or actual with its unit (`13,300 人次`); a share is a percentage."""
    value = shown(m, field)
    return value if m.key in SHARES or not m.unit or value == "—" else f"{value} {m.unit}"


def _metric_sentence(m, time_progress: float, words: Words, esc: Esc) -> str:
    name = esc(m.name or m.key)
    if m.target is None or m.rate is None:
        return words(
            "brief_metric_plain",
            name=name,
            actual=esc(with_unit(m, "actual")),
            state=state(m, time_progress, words),
        )
    return words(
        "brief_metric",
        name=name,
        rate=esc(percent(m.rate)),
        actual=esc(shown(m, "actual")),
        target=esc(with_unit(m, "target")),
        state=state(m, time_progress, words),
    )


# A block's heading: a title that opens a paragraph, "" for a paragraph without one, None to go on
# with the paragraph before.
Block = tuple[int, str | None, list[str]]


def brief_blocks(report, words: Words, esc: Esc) -> list[Block]:
    """The brief as blocks (priority, heading, lines); the lowest priorities go first when it is too long."""
    blocks: list[Block] = []
    main = main_section(report)
    for section, first in ((report.year, True), (report.plan, False)):
        heading = words(
            "period_heading", period=period_name(section, words), time=percent(section.time_progress)
        )
        lines = [_metric_sentence(m, section.time_progress, words, esc) for m in targeted(section)]
        plain = [
            _metric_sentence(m, section.time_progress, words, esc)
            for m in section.metrics
            if m.status is None and m.actual is not None
        ]
        priority = 9 if section is main else 6
        if not lines and first:  # a year without targets: its counts are the block
            lines, plain, priority = plain, [], 4
        if lines:
            blocks.append((priority, heading, lines))
            if plain:
                blocks.append((2 if first else 1, None, plain))
    criterion, last = ranked_last(report)
    if last:
        unit = next((m.unit or "" for m in report.year.metrics if m.key == "skilled"), "")
        listed = words("list_sep").join(
            f"{esc(words.group(t.township))} {esc(township_figure(t, criterion, unit))}" for t in last
        )
        blocks.append(
            (7, "", [words("ranking_last_brief", criterion=words(f"criterion_{criterion}"), list=listed)])
        )
    due = words("clause_sep").join(
        words("brief_due", kind=words(f"kind_{k}"), amount=esc(number(t.amount_due)), n=f"{t.eligible:,}")
        for k, t in report.subsidy.totals.items()
    )
    amount, _hires = liability_total(report)
    blocks.append(
        (
            8,
            "",
            [
                words("brief_subsidy", lines=due, amount=esc(number(amount))),
                words("audit_brief", line=audit_line(report, words)),
            ],
        )
    )
    blocks.append((3, None, [quality_total(report, words, "quality_brief")]))
    return blocks


def _fit(
    head: list[str], blocks: list[Block], tail: list[str], layout: Callable[[list[Block]], list[str]]
) -> str:
    """The brief within BRIEF_LIMIT characters: the least important blocks are left out until it fits."""
    kept = list(blocks)
    while True:
        text = "\n".join(head + layout(kept) + tail) + "\n"
        if len(text) <= BRIEF_LIMIT or not kept:
            return text
        kept.remove(min(kept, key=lambda b: b[0]))


def text(report, words: Words) -> str:
    """summary-<as-of>.txt: plain text for a WeChat message, no Markdown syntax, at most ~1,000 characters."""
    head = [
        title(report, words, "brief_title"),
        words("as_of_day", date=words.day(report.as_of)),
        headlines(report, words)[0],
    ]

    def layout(blocks: list[Block]) -> list[str]:
        lines: list[str] = []
        for _priority, heading, body in blocks:
            if heading is not None:
                lines += ["", _bracket(heading, words)] if heading else [""]
            lines += body
        return lines

    return _fit(head, brief_blocks(report, words, safe.text), ["", generated(report, words)], layout)


def _bracket(heading: str, words: Words) -> str:
    return f"【{heading}】" if words.lang != "en" else f"[{heading}]"


def markdown(report, words: Words) -> str:
    """summary-<as-of>.md: the brief in Markdown (values escaped, no code spans, problems by name)."""
    head = [
        f"**{title(report, words, 'brief_title', safe.markdown_cell)}**",
        "",
        words("as_of_day", date=words.day(report.as_of)),
        "",
        f"**{headlines(report, words)[0]}**",
    ]

    def layout(blocks: list[Block]) -> list[str]:
        lines: list[str] = []
        for _priority, heading, body in blocks:
            if heading is not None:
                lines += ["", f"**{heading}**", ""] if heading else [""]
            lines += [f"- {line}" for line in body]
        return lines

    return _fit(head, brief_blocks(report, words, safe.markdown_cell), ["", generated(report, words)], layout)
