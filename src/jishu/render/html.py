"""The nightly summary as one self-contained HTML page, phone first (no network, no scripts: inline CSS
and inline SVG).

Read on a 390-px phone, forwarded in WeChat, it never scrolls sideways: a headline, then one card per
metric (status first, then its rate as a bar against the time-progress mark), the township ranking,
the trend month by month, subsidies and the audit, and data quality in words. At 1280 px the same
content is laid out in a grid. Every value passes through `safe.text` and is HTML-escaped (SPEC §6);
every number written into SVG is finite.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from html import escape

from jishu import __version__, safe
from jishu.i18n import Words
from jishu.render import summary as said
from jishu.render import views
from jishu.render.views import number, percent
from jishu.rules.progress import SHARES

STATUS_CLASS = {"done": "done", "ahead": "ahead", "behind": "behind", "missed": "behind"}

CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#1f2328;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",
"Microsoft YaHei",sans-serif;overflow-wrap:anywhere}
.page{max-width:1240px;margin:0 auto;padding:12px}
header.top{background:#0f3d6e;color:#fff;border-radius:12px;padding:14px 16px;margin-bottom:12px}
header.top h1{font-size:19px;line-height:1.35;margin:0 0 4px}
header.top .meta{margin:2px 0;font-size:13px;color:#d6e4f5}
.headline{margin:10px 0 0;font-size:18px;font-weight:700;line-height:1.4}
.headline.behind::before{content:"";display:inline-block;width:10px;height:10px;border-radius:50%;background:#ff6b6b;
margin-right:8px;vertical-align:middle}
.subline{margin:4px 0 0;font-size:14px;color:#d6e4f5}
section{background:#fff;border-radius:12px;padding:12px 14px 14px;margin-bottom:12px;min-width:0}
h2{font-size:17px;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:2px 10px;align-items:baseline}
h2 small{font-size:13px;font-weight:400;color:#57606a}
h3{font-size:15px;margin:2px 0 2px;line-height:1.35}
.note{font-size:13px;color:#57606a;margin:0 0 8px}
.cards{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.cards .card:not(.plain){grid-column:1/-1}
.card{border:1px solid #d8dee4;border-left:5px solid #8c959f;border-radius:10px;padding:8px 12px;min-width:0}
.card.done{border-left-color:#1a7f37}.card.ahead{border-left-color:#2da44e}.card.behind{border-left-color:#cf222e}
.status{display:inline-block;font-size:13px;font-weight:700;border-radius:999px;padding:1px 10px;margin:0;
background:#eaeef2;color:#424a53}
.done .status{background:#dafbe1;color:#116329}.ahead .status{background:#dafbe1;color:#1a7f37}
.behind .status{background:#ffebe9;color:#a40e26}
.figure{margin:0 0 4px;font-size:14px;color:#424a53}.figure strong{font-size:21px;color:#1f2328;margin-right:4px}
.plain .row{margin-top:2px}
.plain .row h3,.plain .row .figure{margin:0}
.label{margin:6px 0 0;font-size:13px;color:#57606a}
.nw{white-space:nowrap}
.bar{position:relative;height:12px;background:#eaeef2;border-radius:6px;margin:8px 0 4px}
.fill{position:absolute;left:0;top:0;bottom:0;border-radius:6px;background:#8c959f}
.done .fill{background:#1a7f37}.ahead .fill{background:#2da44e}.behind .fill{background:#cf222e}
.mark{position:absolute;top:-4px;bottom:-4px;width:2px;margin-left:-1px;background:#1f2328}
.scale{display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap;font-size:12px;color:#57606a;margin:0}
.scale b{color:#1f2328}
.ranking{list-style:none;margin:0;padding:0}
.ranking li{display:grid;grid-template-columns:1.8em minmax(0,7.5em) minmax(40px,1fr) auto;gap:6px;align-items:center;
padding:4px 0;border-bottom:1px solid #eaeef2;font-size:14px}
.ranking li.last{background:#fff5f5}
.ranking .rank{color:#57606a;text-align:right}
.ranking .bar{margin:0;height:10px}
.ranking .fill{background:#0969da}.ranking li.last .fill{background:#cf222e}
.ranking .value{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{margin-top:8px;font-size:14px}
summary{cursor:pointer;color:#0969da}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums;margin-top:6px}
th,td{padding:4px 6px;border-bottom:1px solid #eaeef2;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
th{font-weight:600;color:#424a53}
tfoot td{font-weight:700;border-top:2px solid #d8dee4}
.charts{display:grid;grid-template-columns:1fr;gap:10px}
figure{margin:0;border:1px solid #d8dee4;border-radius:10px;padding:8px 8px 4px;min-width:0}
figcaption{font-size:14px;font-weight:600;margin:0 4px 2px}
svg{display:block;width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:#57606a;margin:0 0 8px}
.key{display:inline-block;width:22px;height:0;border-top:3px solid #0969da;vertical-align:middle;margin-right:5px}
.key.tp{border-top:2px dashed #1f2328}
.money{display:grid;grid-template-columns:1fr;gap:10px}
.levels{margin-top:10px}.levels table{max-width:640px}
.total{font-size:15px;margin:8px 0 0}.total strong{font-size:20px}
ul.lines{margin:0;padding-left:18px}ul.lines li{margin:2px 0}
footer{font-size:12px;color:#57606a;text-align:center;padding:4px 0 16px}
@media (min-width:560px){.money{grid-template-columns:repeat(2,minmax(0,1fr))}
.cards .card:not(.plain){grid-column:auto}
.plain .row{display:flex;justify-content:space-between;align-items:baseline;gap:4px 10px;flex-wrap:wrap}
.charts{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (min-width:960px){.page{padding:20px}header.top{padding:18px 22px}header.top h1{font-size:22px}
.cards{grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
.wide{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px;align-items:start}
.wide>div>section:last-child{margin-bottom:12px}}
"""


def _e(text: object) -> str:
    """A value or a sentence as HTML: made safe (IDs masked, controls visible), then escaped."""
    return escape(safe.text(text))


_DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2} [A-Z][a-z]{2} \d{4}")


def _d(text: object) -> str:
    """A sentence as HTML (`_e`) whose dates never break across lines."""
    return _DAY.sub(lambda m: f'<span class="nw">{m.group()}</span>', _e(text))


def _pct(value: float | None) -> float:
    """A rate as a CSS or SVG percentage between 0 and 100 (0 for a missing or non-finite one)."""
    if value is None or not math.isfinite(value):
        return 0.0
    return max(0.0, min(value, 1.0)) * 100


def _n(value: float) -> str:
    """A coordinate for an SVG attribute: always a finite number."""
    return f"{value:.1f}" if math.isfinite(value) else "0"


# ---------------------------------------------------------------- the metric cards


def _card(m, time_progress: float, words: Words) -> str:
    cls = STATUS_CLASS.get(m.status or "", "none")
    name = f"<h3>{_e(m.name or m.key)}</h3>"
    status = f'<p class="status">{_e(said.state(m, time_progress, words))}</p>'
    if m.target is None or m.rate is None:
        unit = "" if m.key in SHARES else m.unit or ""
        figure = f'<p class="figure"><strong>{_e(said.shown(m, "actual"))}</strong>{_e(unit)}</p>'
        return f'<article class="card {cls} plain">{status}<div class="row">{name}{figure}</div></article>'
    figure = (
        f'<p class="figure"><strong>{_e(said.shown(m, "actual"))}</strong>'
        f"/ {_e(said.with_unit(m, 'target'))}</p>"
    )
    rate = words("rate_line", rate=percent(m.rate))
    time = words("time_mark", time=percent(time_progress))
    bar = (
        f'<div class="bar" role="img" aria-label="{_e(rate)}，{_e(time)}">'
        f'<span class="fill" style="width:{_pct(m.rate):.1f}%"></span>'
        f'<span class="mark" style="left:{_pct(time_progress):.1f}%"></span></div>'
    )
    scale = f'<p class="scale"><b>{_e(rate)}</b><span>{_e(time)}</span></p>'
    return f'<article class="card {cls}">{status}{name}{figure}{bar}{scale}</article>'


def _period(section, words: Words, anchor: str) -> str:
    metrics = (
        section.metrics
        if anchor == "year"
        else [m for m in section.metrics if m.status is not None or m.actual is not None]
    )
    if not metrics:
        return ""
    # the metrics with a target first (full cards), then the counts without one (small cards, two a row)
    metrics = [m for m in metrics if m.status is not None] + [m for m in metrics if m.status is None]
    cards = "".join(_card(m, section.time_progress, words) for m in metrics)
    return (
        f'<section id="{anchor}"><h2>{_e(said.period_name(section, words))}'
        f"<small>{_e(words('time_mark', time=percent(section.time_progress)))}</small></h2>"
        f'<div class="cards">{cards}</div>{_levels(section, words)}</section>'
    )


# ---------------------------------------------------------------- the township ranking


def _townships(report, words: Words) -> str:
    if not report.townships:
        return ""
    criterion, last = said.ranked_last(report)
    behind = {id(t) for t in last}
    most = max((t.actual.get("skilled") or 0 for t in report.townships), default=0) or 1
    rows = []
    for t in report.townships:
        if criterion == "mean_rate":
            width, value = _pct(t.score), percent(t.score)
            mark = f'<span class="mark" style="left:{_pct(report.year.time_progress):.1f}%"></span>'
        else:
            skilled = t.actual.get("skilled") or 0
            width, value, mark = min(skilled / most, 1) * 100, number(t.actual.get("skilled")), ""
        rank = t.rank if t.rank is not None else "—"
        rows.append(
            f'<li class="{"last" if id(t) in behind else ""}"><span class="rank">{rank}</span>'
            f'<span class="name">{_e(words.group(t.township))}</span>'
            f'<span class="bar"><span class="fill" style="width:{width:.1f}%"></span>{mark}</span>'
            f'<span class="value">{_e(value)}</span></li>'
        )
    ranked_by = words("ranking_mean_rate" if criterion == "mean_rate" else "ranking_skilled")
    note = f"{ranked_by}{words('clause_sep')}{words('ranking_last_mark')}" if last else ranked_by
    return (
        f'<section id="townships"><h2>{_e(words("ranking_title"))}<small>{_e(said.period_name(report.year, words))}'
        f'</small></h2><p class="note">{_e(note)}</p><ol class="ranking">{"".join(rows)}</ol>'
        f"{_township_table(report, words)}</section>"
    )


def _township_table(report, words: Words) -> str:
    metrics = report.year.metrics
    head = f"<th>{_e(words('rank'))}</th><th>{_e(words('township'))}</th>"
    head += "".join(f"<th>{_e(m.name or m.key)}</th>" for m in metrics)
    body = []
    for t in report.townships:
        cells = []
        for m in metrics:
            actual = t.actual.get(m.key)
            value = percent(actual) if m.key in SHARES else number(actual)
            rate = t.rate.get(m.key)
            cells.append(f"<td>{_e(value)}{'<br>' + _e(percent(rate)) if rate is not None else ''}</td>")
        body.append(
            f"<tr><td>{t.rank or '—'}</td><td>{_e(words.group(t.township))}</td>{''.join(cells)}</tr>"
        )
    return (
        f'<details><summary>{_e(words("ranking_details"))}</summary><div class="scroll"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div></details>"
    )


# ---------------------------------------------------------------- the trend (small multiples)

W, H = 320, 140
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 12, 26


def _axis_months(period_start: dt.date, period_end: dt.date, words: Words) -> list[tuple[dt.date, str]]:
    """Tick dates for the x axis: quarters of a year, years of a plan period."""
    if period_start.year == period_end.year:
        months = (1, 4, 7, 10)
        names = ["Jan", "Apr", "Jul", "Oct"] if words.lang == "en" else [f"{m}月" for m in months]
        return [(dt.date(period_start.year, m, 1), n) for m, n in zip(months, names, strict=True)]
    return [(dt.date(y, 1, 1), str(y)) for y in range(period_start.year, period_end.year + 1)]


def _chart(m, trend, period, words: Words) -> str:
    """One metric's cumulative line over the whole period: its rate of the target against the time-progress
    diagonal (0 at the start, 100% at the end), or its count when it has no target."""
    start, end = period.start, period.end
    span = max((end - start).days + 1, 1)
    rated = any(p.rate.get(m.key) is not None for p in trend.points)
    values = [(p.date, p.rate.get(m.key) if rated else p.actual.get(m.key)) for p in trend.points]
    values = [(d, float(v)) for d, v in values if v is not None and math.isfinite(float(v))]
    top = max([v for _, v in values] + [1.0])  # a count axis goes at least to 1, a rate axis to 100%
    top = top * 1.08 if rated else top * 1.15

    def x(day: dt.date) -> float:
        return LEFT + ((day - start).days + 1) / span * (W - LEFT - RIGHT)

    def y(v: float) -> float:
        return TOP + (1 - v / top) * (H - TOP - BOTTOM)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{_e(m.name or m.key)}">'
    ]
    peak = max([v for _, v in values] + [0.0])
    ticks = (0, 0.5, 1.0) if rated else sorted({0, round(peak / 2), round(peak)})  # counts: whole numbers
    for tick in ticks:
        label = f"{tick:.0%}" if rated else number(round(tick))
        parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" stroke="#eaeef2"/>'
            f'<text x="{LEFT - 5}" y="{_n(y(tick) + 4)}" font-size="11" fill="#57606a" '
            f'text-anchor="end">{_e(label)}</text>'
        )
    for day, label in _axis_months(start, end, words):
        parts.append(
            f'<line x1="{_n(x(day) - (W - LEFT - RIGHT) / span)}" x2="{_n(x(day) - (W - LEFT - RIGHT) / span)}" '
            f'y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}" stroke="#8c959f"/>'
            f'<text x="{_n(x(day) - (W - LEFT - RIGHT) / span)}" y="{H - 8}" font-size="11" fill="#57606a" '
            f'text-anchor="start">{_e(label)}</text>'
        )
    parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="#8c959f"/>')
    origin = (start - dt.timedelta(days=1), 0.0)
    if rated:  # time progress: a straight line from 0 at the start to 100% at the period's end
        parts.append(
            f'<line x1="{_n(x(origin[0]))}" y1="{_n(y(0))}" x2="{_n(x(end))}" y2="{_n(y(1))}" '
            f'stroke="#1f2328" stroke-width="1.5" stroke-dasharray="5,4"/>'
        )
    colour = {"done": "#1a7f37", "ahead": "#2da44e", "behind": "#cf222e", "missed": "#cf222e"}.get(
        m.status or "", "#0969da"
    )
    if values:
        line = [origin, *values]
        coords = " ".join(f"{_n(x(d))},{_n(y(v))}" for d, v in line)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
            f'points="{coords}"/>'
        )
        parts += [f'<circle cx="{_n(x(d))}" cy="{_n(y(v))}" r="2.8" fill="{colour}"/>' for d, v in values]
        last_day, last = values[-1]
        label = percent(last) if rated else number(last)
        # The label keeps clear of the time-progress line: under it and to the right when behind (the line
        # is above), above it and to the left when ahead (the line is below and rises to the right).
        below = rated and m.status in ("behind", "missed")
        anchor = "start" if below or x(last_day) < LEFT + 60 else "end"
        if x(last_day) > W - RIGHT - 60:
            anchor = "end"
        dx = -6 if anchor == "end" else 6
        ty = y(last) + 16 if below else y(last) - 8
        ty = min(max(ty, TOP + 10), H - BOTTOM - 4)
        parts.append(
            f'<text x="{_n(x(last_day) + dx)}" y="{_n(ty)}" font-size="12" '
            f'font-weight="700" fill="{colour}" text-anchor="{anchor}">{_e(label)}</text>'
        )
    parts.append("</svg>")
    caption = _e(m.name or m.key)
    if not rated:
        caption += f' <small class="note">{_e(words("trend_counts", unit=m.unit or ""))}</small>'
    return f"<figure><figcaption>{caption}</figcaption>{''.join(parts)}</figure>"


def _trend(report, words: Words) -> str:
    trend, section = report.trend, report.year
    heading = f"<h2>{_e(words('trend_title'))}<small>{_e(said.period_name(section, words))}</small></h2>"
    if trend is None or not trend.points:
        return f'<section id="trend">{heading}<p class="note">{_e(words("trend_none"))}</p></section>'
    keys = set(trend.points[-1].actual)
    metrics = [m for m in section.metrics if m.key in keys]
    note = words("trend_note", start=words.day(section.period.start), end=words.day(trend.points[-1].date))
    legend = (
        f'<p class="legend"><span><span class="key"></span>{_e(words("rate"))}</span>'
        f'<span><span class="key tp"></span>{_e(words("time_progress"))}</span></p>'
    )
    charts = "".join(_chart(m, trend, section.period, words) for m in metrics)
    return f'<section id="trend">{heading}<p class="note">{_e(note)}</p>{legend}<div class="charts">{charts}</div></section>'


# ---------------------------------------------------------------- subsidies, audit, data quality


def _subsidy(report, words: Words) -> str:
    cards = []
    for kind, t in report.subsidy.totals.items():
        cards.append(
            f'<article class="card"><h3>{_e(words(f"kind_{kind}"))}</h3>'
            f'<p class="label">{_e(words("amount_due"))}</p>'
            f'<p class="figure"><strong>{_e(number(t.amount_due))}</strong></p>'
            f'<p class="scale"><span>{_e(words("eligible_n"))} {t.eligible:,}</span>'
            f"<span>{_e(words('amount_eligible'))} {_e(number(t.amount_eligible))}</span>"
            f"<span>{_e(words('already_paid'))} {_e(number(t.already_paid))}</span></p></article>"
        )
    due = sum(t.amount_due for t in report.subsidy.totals.values())
    amount, hires = said.liability_total(report)
    total = f'<p class="total">{_e(words("due_total", amount=number(due)))}</p>'
    if amount:
        total += (
            f'<p class="label">{_e(words("liability_total"))}</p><p class="total"><strong>{_e(number(amount))}'
            f"</strong> {_e(words('yuan_hires', hires=f'{hires:,}'))}</p>"
        )
    else:
        total += f'<p class="note">{_e(words("liability_none"))}</p>'

    return (
        f'<section id="subsidy"><h2>{_e(words("subsidy_title"))}<small>{_e(words("as_of_day", date=words.day(report.as_of)))}'
        f'</small></h2><div class="money">{"".join(cards)}</div>{total}{_liability(report, words)}</section>'
    )


def _liability(report, words: Words) -> str:
    """Upcoming liability by the month hires qualify: one row per month, a column per kind, totals."""
    months = report.subsidy.liability
    if not months:
        return ""
    kinds = list(dict.fromkeys(m.kind for m in months))
    table: dict[str, dict[str, float]] = {}
    for m in months:
        table.setdefault(m.month, {}).setdefault(m.kind, 0)
        table[m.month][m.kind] += m.amount
    head = f"<th>{_e(words('due_month'))}</th>" + "".join(f"<th>{_e(words(f'kind_{k}'))}</th>" for k in kinds)
    head += f"<th>{_e(words('totals'))}</th>"
    body = "".join(
        f"<tr><td>{_e(month)}</td>"
        + "".join(f"<td>{_e(number(row.get(k, 0)))}</td>" for k in kinds)
        + f"<td>{_e(number(sum(row.values())))}</td></tr>"
        for month, row in sorted(table.items())
    )
    totals = {k: sum(m.amount for m in months if m.kind == k) for k in kinds}
    foot = (
        f"<tr><td>{_e(words('totals'))}</td>"
        + "".join(f"<td>{_e(number(totals[k]))}</td>" for k in kinds)
        + f"<td>{_e(number(sum(totals.values())))}</td></tr>"
    )
    return (
        f'<details><summary>{_e(words("liability_months", n=len(table)))}</summary><div class="scroll"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table></div></details>"
    )


def _audit(report, words: Words) -> str:
    t = report.audit.totals
    items = "".join(
        f"<li>{_e(words.finding_name(code))}：{n:,}</li>"
        if words.lang != "en"
        else f"<li>{_e(words.finding_name(code))}: {n:,}</li>"
        for code, n in t.by_code.items()
        if n
    )
    flagged = (
        (
            f'<ul class="lines">{items}</ul><p class="label">{_e(words("at_risk"))}</p>'
            f'<p class="total"><strong>{_e(number(t.amount_at_risk))}</strong></p>'
        )
        if t.findings
        else ""
    )
    return (
        f'<section id="audit"><h2>{_e(words("audit_heading"))}</h2>'
        f"<p>{_e(said.audit_line(report, words))}</p>{flagged}</section>"
    )


def _quality(report, words: Words) -> str:
    ledgers = "".join(f"<li>{_d(line)}</li>" for line in said.quality_ledgers(report, words))
    top = said.quality_top(report, words)
    return (
        f'<section id="quality"><h2>{_e(words("data_quality"))}</h2>'
        f"<p>{_e(said.quality_total(report, words))}</p>"
        f'<ul class="lines">{ledgers}</ul>'
        + (f"<p>{_e(top)}</p>" if top else "")
        + f'<p class="note">{_e(words("quality_hint"))}</p></section>'
    )


def _levels(section, words: Words) -> str:
    """The competitions by level (SPEC §7) of a period: only when the competitions ledger exists."""
    rows = views.level_rows(section, words)
    if not rows:
        return ""
    head = "".join(f"<th>{_e(h)}</th>" for h in views.level_header(section, words))
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="levels"><h3>{_e(words("competition_level"))}</h3>'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>'
    )


def _through(report, words: Words) -> str:
    items = [
        f"{words.ledger(name)} {words.day(day)}" for name, day in said.data_through(report).items() if day
    ]
    return words("through_list", list=words("list_sep").join(items)) if items else ""


# ---------------------------------------------------------------- the page


def html(report, words: Words) -> str:
    """The page of a localised SummaryReport (render.localise)."""
    title = said.title(report, words)
    as_of = words("as_of_day", date=words.day(report.as_of))
    main, other = said.headlines(report, words)
    behind = any(m.status in ("behind", "missed") for m in said.main_section(report).metrics)
    through = _through(report, words)
    header = (
        f'<header class="top"><h1>{_e(title)}</h1><p class="meta">{_d(as_of)}</p>'
        f'<p class="meta">{_d(said.generated(report, words))}</p>'
        + (f'<p class="meta">{_d(through)}</p>' if through else "")
        + f'<p class="headline{" behind" if behind else ""}">{_e(main)}</p>'
        f'<p class="subline">{_e(other)}</p></header>'
    )
    return (
        f'<!DOCTYPE html><html lang="{"en" if words.lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)} · {report.as_of.isoformat()}</title><style>{CSS}</style></head><body><div class="page">'
        + header
        + _period(report.year, words, "year")
        + '<div class="wide"><div>'
        + _townships(report, words)
        + "</div><div>"
        + _trend(report, words)
        + "</div></div>"
        + '<div class="wide"><div>'
        + _subsidy(report, words)
        + "</div><div>"
        + _audit(report, words)
        + _quality(report, words)
        + "</div></div>"
        + _period(report.plan, words, "plan")
        + f"<footer>{_e(said.generated(report, words))} · jishu {_e(__version__)}</footer>"
        + "</div></body></html>\n"
    )
