"""Progress against the targets (SPEC §3): a pure function from ledgers and targets to a report."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from jishu.ids import distinct
from jishu.ledgers import Counts, Ledgers
from jishu.targets import METRIC_KEYS, SHARE_METRICS, Period, Targets


class Metric(BaseModel):
    key: str
    name: str
    unit: str
    target: int | float | None
    actual: int | float | None
    rate: float | None
    status: str | None  # done | ahead | behind
    remaining: int | float | None = None
    projection: int | float | None = None  # actual ÷ time progress, for counts


class Group(BaseModel):
    """One row of a breakdown (--by): a township, a month or a quarter."""

    key: str
    rank: int | None = None
    score: float | None = None  # mean rate over the metrics with a township target
    metrics: list[Metric]
    cumulative: dict[str, int | float | None] | None = None


class PeriodOut(BaseModel):
    label: str
    start: dt.date
    end: dt.date


class ProgressReport(BaseModel):
    period: PeriodOut
    as_of: dt.date
    window: PeriodOut
    time_progress: float
    metrics: list[Metric]
    data: dict[str, Counts]
    rejected: int
    by: str | None = None
    groups: list[Group] | None = None


def columns_needed(by: str | None) -> dict[str, list[str]]:
    """The columns progress reads from each ledger (a warm run reads only these from the cache)."""
    extra = ["person_id", "township", "file", "line"] if by else []
    return {
        "trainings": ["end_date", "subsidized"] + extra,
        "certificates": ["person_id", "issue_date", "level"] + extra,
        "hires": ["person_id", "hire_date"] + extra,
        "payouts": [],
    }


def window_of(period: Period, as_of: dt.date) -> tuple[dt.date, dt.date, int]:
    """The window (SPEC §3): period start … min(period end, as-of), and its length in days (0 if none)."""
    end = min(period.end, as_of)
    days = max((end - period.start).days + 1, 0)
    return period.start, end, days


def status_of(rate: float | None, time_progress: float) -> str | None:
    if rate is None:
        return None
    if rate >= 1:
        return "done"
    return "ahead" if rate >= time_progress else "behind"


def _in_window(column: pa.ChunkedArray, start: dt.date, end: dt.date) -> pa.Array:
    return pc.and_(pc.greater_equal(column, pa.scalar(start, pa.date32())),
                   pc.less_equal(column, pa.scalar(end, pa.date32())))


def certificate_held_at(ledgers: Ledgers, person: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Whether each person had an accepted certificate issued on or before the date (SPEC §4)."""
    if ledgers["certificates"].num_rows == 0 or len(person) == 0:
        return np.zeros(len(person), dtype=bool)
    holders, earliest = ledgers.certificate_holders(person)
    if len(holders) == 0:
        return np.zeros(len(person), dtype=bool)
    order = np.argsort(person)  # searching in ascending order keeps to nearby memory: 4x faster
    pos = np.empty(len(person), dtype=np.int64)
    pos[order] = np.searchsorted(holders, person[order])
    pos = np.minimum(pos, len(holders) - 1)
    return (holders[pos] == person) & (earliest[pos] <= np.asarray(dates, dtype="datetime64[D]"))


def distinct_persons(table: pa.Table) -> int:
    return len(distinct(table["person_id"].to_numpy())) if table.num_rows else 0


class _Facts:
    """The rows each metric counts, restricted to the window, with the group each row falls in."""

    def __init__(self, ledgers: Ledgers, start: dt.date, end: dt.date, by: str | None):
        wanted = columns_needed(by)

        def window(name: str, date_column: str) -> pa.Table:
            table = ledgers[name]
            table = table.select([c for c in dict.fromkeys(wanted[name]) if c in table.column_names])
            return table.filter(_in_window(table[date_column], start, end))

        self.trainings = window("trainings", "end_date")
        self.certificates = window("certificates", "issue_date")
        self.hires = window("hires", "hire_date")


def _first_per_person(table: pa.Table, date_column: str) -> pa.Table:
    """Each person's earliest row (ties: file, then line): distinct persons, attributed once."""
    if table.num_rows == 0:
        return table
    ordered = table.sort_by([(date_column, "ascending"), ("file", "ascending"), ("line", "ascending")])
    _, first = np.unique(ordered["person_id"].to_numpy(), return_index=True)
    return ordered.take(pa.array(np.sort(first)))


def _counted(facts: _Facts) -> dict[str, pa.Table]:
    """Per metric, the rows in the window that it counts (persons may repeat)."""
    t, c, h = facts.trainings, facts.certificates, facts.hires
    return {
        "training": t,
        "subsidized_training": t.filter(pc.fill_null(t["subsidized"], False)),
        "skilled": c,
        "high_skilled": c.filter(pc.fill_null(pc.less_equal(c["level"], 3), False)),
        "employment": h,
    }


DISTINCT = {"skilled": "issue_date", "high_skilled": "issue_date", "employment": "hire_date"}


def _actuals(counted: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """For breakdowns: the rows that count, one per person for the distinct metrics."""
    return {k: _first_per_person(t, DISTINCT[k]) if k in DISTINCT else t for k, t in counted.items()}


DATE_OF = {"training": "end_date", "subsidized_training": "end_date", "skilled": "issue_date",
           "high_skilled": "issue_date", "employment": "hire_date", "certified_employment": "hire_date"}


def _group_keys(table: pa.Table, by: str, date_column: str, no_township: str) -> np.ndarray:
    if by == "township":
        return np.array(pc.fill_null(table["township"], no_township).to_pylist(), dtype=object)
    days = table[date_column].to_numpy().astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)
    if by == "month":
        return np.array([f"{1970 + m // 12}-{m % 12 + 1:02d}" for m in months], dtype=object)
    return np.array([f"{1970 + m // 12}-Q{(m % 12) // 3 + 1}" for m in months], dtype=object)


def _metric(key: str, targets: Targets, target, actual, time_progress: float, lang: str) -> Metric:
    definition = targets.metric(key)
    name = definition.name_en if lang == "en" and definition.name_en else definition.name
    unit = definition.unit_en if lang == "en" and definition.unit_en else definition.unit
    share = key in SHARE_METRICS
    rate = None
    if target is not None and actual is not None:
        rate = round(actual / target, 4) if target > 0 else None
    status = status_of(rate, time_progress) if target is not None and target > 0 else (
        "done" if target == 0 else None)
    remaining = projection = None
    if target is not None and actual is not None:
        remaining = round(max(target - actual, 0), 4) if share else max(target - actual, 0)
    if not share and actual is not None and time_progress > 0:
        projection = round(actual / time_progress)
    return Metric(key=key, name=name, unit=unit, target=target, actual=actual, rate=rate, status=status,
                  remaining=remaining, projection=projection)


def _share(held: np.ndarray) -> float | None:
    return round(float(held.mean()), 4) if len(held) else None


def progress(
    ledgers: Ledgers,
    targets: Targets,
    period: Period,
    as_of: dt.date,
    by: str | None = None,
    lang: str = "zh",
) -> ProgressReport:
    start, end, days = window_of(period, as_of)
    time_progress = round(days / period.days, 4)
    facts = _Facts(ledgers, start, end, by)
    counted = _counted(facts)
    held = certificate_held_at(ledgers, facts.hires["person_id"].to_numpy(),
                               facts.hires["hire_date"].to_numpy())
    actual = {key: distinct_persons(t) if key in DISTINCT else t.num_rows for key, t in counted.items()}
    actual["certified_employment"] = _share(held)
    metrics = [
        _metric(key, targets, targets.target(period.label, key), actual[key], time_progress, lang)
        for key in METRIC_KEYS
    ]
    report = ProgressReport(
        period=PeriodOut(label=period.label, start=period.start, end=period.end),
        as_of=as_of,
        window=PeriodOut(label=f"{start}…{end}", start=start, end=end),
        time_progress=time_progress,
        metrics=metrics,
        data=ledgers.counts(),
        rejected=ledgers.rejected,
    )
    if by:
        report.by = by
        report.groups = _groups(by, _actuals(counted), facts, held, targets, period, time_progress, lang)
    return report


def _groups(by, rows, facts, held, targets, period, time_progress, lang) -> list[Group]:
    from jishu.i18n import word

    no_township = word("no_township", lang)
    counts: dict[str, dict[str, int]] = {}
    for key, table in rows.items():
        labels, n = np.unique(_group_keys(table, by, DATE_OF[key], no_township), return_counts=True)
        for label, count in zip(labels.tolist(), n.tolist()):
            counts.setdefault(label, {})[key] = count
    hire_groups = _group_keys(facts.hires, by, "hire_date", no_township)
    for label in np.unique(hire_groups).tolist():
        counts.setdefault(label, {})
    groups = []
    for label in sorted(counts):
        found = counts[label]
        in_group = hire_groups == label
        values = {k: found.get(k, 0) for k in rows} | {"certified_employment": _share(held[in_group])}
        metrics = []
        for key in METRIC_KEYS:
            target = targets.target(period.label, key, township=label) if by == "township" else None
            metrics.append(_metric(key, targets, target, values[key], time_progress, lang))
        groups.append(Group(key=label, metrics=metrics))
    if by == "township":
        _rank(groups)
    else:
        running = {k: 0 for k in rows}
        for g in groups:
            for m in g.metrics:
                if m.key in running:
                    running[m.key] += m.actual
            g.cumulative = dict(running)
    return groups


def _rank(groups: list[Group]) -> None:
    """Townships by mean completion rate over targeted metrics; without targets, by new skilled talents."""
    for g in groups:
        rates = [m.rate for m in g.metrics if m.rate is not None]
        g.score = round(sum(rates) / len(rates), 4) if rates else None
    skilled = {g.key: next(m.actual for m in g.metrics if m.key == "skilled") for g in groups}
    groups.sort(key=lambda g: (g.score is None, -(g.score or 0), -skilled[g.key], g.key))
    for i, g in enumerate(groups, 1):
        g.rank = i
