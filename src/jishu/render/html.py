"""The nightly summary as Markdown (short enough for a chat message) and as one self-contained HTML
page (no network: inline CSS and an inline SVG trend chart, no scripts)."""

from __future__ import annotations

import datetime as dt
from html import escape

from jishu import safe
from jishu.i18n import Words
from jishu.render.views import number, percent
from jishu.rules.progress import SHARES

STATUS_MARK = {"done": "✅", "ahead": "🟢", "behind": "🔴"}
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def _title(report, words: Words) -> str:
    return words("summary_title", county=safe.text(report.county or ""), as_of=report.as_of).strip()


def _metric_line(m, time_progress: float, words: Words) -> str:
    if m.key in SHARES:
        actual = percent(m.actual)
        target = percent(m.target) if m.target is not None else None
    else:
        actual = number(m.actual)
        target = number(m.target) if m.target is not None else None
    name = safe.text(m.name)
    if target is None:
        return words("summary_metric_plain", name=name, actual=actual)
    status = f"{STATUS_MARK.get(m.status, '')} {words(m.status)}" if m.status else ""
    return words("summary_metric", name=name, actual=actual, target=target, unit=safe.text(m.unit),
                 rate=percent(m.rate), time=percent(time_progress), status=status)


def quality_line(report, words: Words) -> str:
    q = report.data_quality
    rows = sum(c.rows for c in q.ledgers.values())
    top = words("list_sep").join(f"{p.code}×{p.count}" for p in q.top_problems[:3])
    text = words("summary_quality", rows=rows, rejected=q.rejected, duplicates=q.duplicates)
    return text + (words("summary_quality_top", top=top) if top else "")


def markdown(report, words: Words) -> str:
    lines = [f"**{_title(report, words)}**", ""]
    for section in (report.year, report.plan):
        label = section.period.label
        lines.append(words("summary_period", label=label, time=percent(section.time_progress)))
        lines += [_metric_line(m, section.time_progress, words) for m in section.metrics
                  if m.target is not None or (section is report.year and m.actual is not None and
                                              m.key in ("employment", "certified_employment"))]
    lines += ["", audit_line(report, words), quality_line(report, words)]
    return "\n".join(lines) + "\n"


def audit_line(report, words: Words) -> str:
    """The audit of paid subsidies in one line: findings by code and the amount at risk."""
    t = report.audit.totals
    if not t.findings:
        return words("summary_audit_ok", payouts=report.audit.payouts)
    codes = words("list_sep").join(f"{words.finding_name(c)} {n}" for c, n in t.by_code.items() if n)
    return words("summary_audit", payouts=report.audit.payouts, flagged=t.payouts_flagged, codes=codes,
                 amount=number(t.amount_at_risk))


# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.muted{color:#777;font-size:13px}
.bar{position:relative;width:320px;height:16px;background:#eee;border-radius:3px;display:inline-block;vertical-align:middle}
.fill{position:absolute;left:0;top:0;bottom:0;border-radius:3px}
.done .fill{background:#2e7d32}.ahead .fill{background:#66bb6a}.behind .fill{background:#e53935}.none .fill{background:#90a4ae}
.mark{position:absolute;top:-3px;bottom:-3px;width:2px;background:#111}
.status{font-weight:bold;padding:0 6px}.done .status{color:#2e7d32}.ahead .status{color:#388e3c}.behind .status{color:#c62828}
"""


def _bar(m, time_progress: float, words: Words) -> str:
    rate = m.rate if m.rate is not None else None
    cls = m.status or "none"
    width = 0 if rate is None else min(rate, 1) * 100
    status = escape(words(m.status)) if m.status else "—"
    value = percent(m.actual) if m.key in SHARES else number(m.actual)
    target = "—" if m.target is None else (percent(m.target) if m.key in SHARES else number(m.target))
    return (
        f'<tr class="{cls}"><td>{escape(safe.text(m.name))}</td><td>{escape(value)}</td><td>{escape(target)}</td>'
        f"<td>{escape(percent(rate))}</td>"
        f'<td><span class="bar" role="img" aria-label="{escape(percent(rate))}">'
        f'<span class="fill" style="width:{width:.1f}%"></span>'
        f'<span class="mark" style="left:{min(time_progress, 1) * 100:.1f}%" title="{escape(words("time_progress"))}"></span></span></td>'
        f'<td><span class="status">{status}</span></td></tr>'
    )


def _progress_section(section, words: Words) -> str:
    head = "".join(f"<th>{escape(words(k))}</th>" for k in ("metric", "actual", "target", "rate"))
    head += f"<th>{escape(words('time_progress'))} {escape(percent(section.time_progress))}</th>"
    head += f"<th>{escape(words('status'))}</th>"
    rows = "".join(_bar(m, section.time_progress, words) for m in section.metrics)
    return (f"<h2>{escape(words('period'))} {escape(section.period.label)}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _townships(report, words: Words) -> str:
    if not report.townships:
        return ""
    keys = [m.key for m in report.year.metrics]
    names = {m.key: safe.text(m.name) for m in report.year.metrics}
    head = f"<th>{escape(words('rank'))}</th><th>{escape(words('township'))}</th>"
    head += "".join(f"<th>{escape(names[k])}</th>" for k in keys)
    body = ""
    for t in report.townships:
        cells = []
        for k in keys:
            value = percent(t.actual[k]) if k in SHARES else number(t.actual[k])
            if t.rate.get(k) is not None:
                value += f" ({percent(t.rate[k])})"
            cells.append(f"<td>{escape(value)}</td>")
        body += f"<tr><td>{t.rank or '—'}</td><td>{escape(safe.text(words.group(t.township)))}</td>{''.join(cells)}</tr>"
    return (f"<h2>{escape(words('township'))} · {escape(report.year.period.label)}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def trend_svg(history: list[dict], period: str, metrics: list, words: Words) -> str:
    """Completion rate per metric over the as-of dates of history.csv, against time progress."""
    rows = [r for r in history if r.get("period") == period and r.get("rate") not in (None, "")]
    days = sorted({r["as_of"] for r in rows})
    if not days:
        return f'<p class="muted">{escape(words("no_history"))}</p>'
    width, height, left, bottom, top, right = 760, 280, 48, 40, 16, 180
    x0 = dt.date.fromisoformat(days[0])
    span = max((dt.date.fromisoformat(days[-1]) - x0).days, 1)
    rates = [float(r["rate"]) for r in rows] + [float(r["time_progress"]) for r in rows]
    ymax = max(1.0, max(rates)) * 1.05

    def x(day: str) -> float:
        return left + (dt.date.fromisoformat(day) - x0).days / span * (width - left - right)

    def y(v: float) -> float:
        return top + (1 - v / ymax) * (height - top - bottom)

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" role="img">')]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick:.0%}</text>')
    parts.append(f'<text x="{left}" y="{height - 12}" font-size="11">{escape(days[0])}</text>'
                 f'<text x="{width - right}" y="{height - 12}" font-size="11" text-anchor="end">{escape(days[-1])}</text>')
    series: list[tuple[str, str, list[tuple[str, float]]]] = []
    by_day_tp = {r["as_of"]: float(r["time_progress"]) for r in rows}
    series.append((words("time_progress"), "#111", sorted(by_day_tp.items())))
    names = {m.key: m.name for m in metrics}
    for i, key in enumerate(k for k in names if any(r["metric"] == k for r in rows)):
        points = sorted((r["as_of"], float(r["rate"])) for r in rows if r["metric"] == key)
        series.append((names[key], COLOURS[i % len(COLOURS)], points))
    for i, (label, colour, points) in enumerate(series):
        dash = ' stroke-dasharray="5,4"' if i == 0 else ""
        coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{coords}"/>')
        for d, v in points:
            parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        ly = top + 14 + i * 18
        parts.append(f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{ly - 4}" y2="{ly - 4}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>'
                     f'<text x="{width - right + 36}" y="{ly}" font-size="11">{escape(safe.text(label))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _subsidy(report, words: Words) -> str:
    head = "".join(f"<th>{escape(words(k))}</th>" for k in
                   ("kind", "eligible_n", "amount_eligible", "already_paid", "amount_due"))
    body = "".join(
        f"<tr><td>{escape(words(f'kind_{k}'))}</td><td>{t.eligible:,}</td><td>{escape(number(t.amount_eligible))}</td>"
        f"<td>{escape(number(t.already_paid))}</td><td>{escape(number(t.amount_due))}</td></tr>"
        for k, t in report.subsidy.totals.items()
    )
    months = "".join(
        f"<tr><td>{escape(m.month)}</td><td>{escape(words(f'kind_{m.kind}'))}</td><td>{m.hires:,}</td>"
        f"<td>{escape(number(m.amount))}</td></tr>" for m in report.subsidy.liability
    )
    lhead = "".join(f"<th>{escape(words(k))}</th>" for k in ("due_month", "kind", "hires_n", "amount"))
    return (f"<h2>{escape(words('kind_employer'))} / {escape(words('kind_agency'))}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<h3>{escape(words('liability'))}</h3>"
            f"<table><thead><tr>{lhead}</tr></thead><tbody>{months}</tbody></table>")


def html(report, history: list[dict], words: Words) -> str:
    title = _title(report, words)
    trend_title = words("trend_title")
    return (
        f'<!DOCTYPE html><html lang="{"en" if words.lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="muted">generated {escape(report.generated_at.isoformat())} · jishu</p>'
        + _progress_section(report.year, words)
        + f"<h2>{escape(trend_title)} · {escape(report.year.period.label)}</h2>"
        + trend_svg(history, report.year.period.label, report.year.metrics, words)
        + _townships(report, words)
        + _progress_section(report.plan, words)
        + _subsidy(report, words)
        + f"<h3>{escape(words('audit_heading'))}</h3><p>{escape(audit_line(report, words))}</p>"
        + f"<h2>{escape(words('data_quality'))}</h2><p>{escape(quality_line(report, words))}</p>"
        + "</body></html>\n"
    )
