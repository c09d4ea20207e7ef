"""Progress against the targets (SPEC §3): one function per metric, then the report.

Each metric function says which rows of which ledger count in a window, and how they are counted:
rows (人次) or distinct values (人). `progress` turns those into actual figures, rates against the
targets and time progress, and breakdowns by township, month or quarter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from jishu.fast.arrays import at_most, between, count_distinct, days, first_in_group, group_codes, is_true
from jishu.fast.lazy import pc
from jishu.model import NO_TOWNSHIP, UNRECOGNISED, Group, Metric, Period, PeriodOut, ProgressReport
from jishu.rules.holders import held_at
from jishu.rules.townships import township_codes
from jishu.schema import COMPETITION_LEVEL_ORDER, HIGH_SKILLED_LEVEL, NO_AWARD

if TYPE_CHECKING:
    from jishu.load import Ledgers, Needs
    from jishu.targets import Targets


@dataclass
class Counted:
    """What a metric counts: the rows of a ledger that count (a mask over its rows), the date that
    puts a row in the window, and either the rows themselves (人次) or the distinct values of one
    column among them (人)."""

    ledger: str
    rows: np.ndarray
    date: str
    distinct: str | None = None


@dataclass
class Window:
    """Period start … min(period end, as-of), both included (SPEC §3). Which rows of a ledger have
    their date in it is worked out once per column (two metrics share each date column)."""

    start: dt.date
    end: dt.date
    days: int
    _seen: dict = field(default_factory=dict, repr=False)

    def holds(self, ledgers: Ledgers, ledger: str, column: str) -> np.ndarray:
        if (ledger, column) not in self._seen:
            self._seen[ledger, column] = between(ledgers[ledger][column], self.start, self.end)
        return self._seen[ledger, column]


@dataclass
class Share:
    """A share (0-1) of the rows of a ledger: `held` among `rows`."""

    ledger: str
    rows: np.ndarray
    held: np.ndarray
    date: str


# ---------------------------------------------------------------- the metrics (SPEC §3)


def training(ledgers: Ledgers, window: Window) -> Counted:
    """职业技能培训: accepted, de-duplicated trainings with end_date in the window (人次)."""
    return Counted("trainings", window.holds(ledgers, "trainings", "end_date"), "end_date")


def subsidized_training(ledgers: Ledgers, window: Window) -> Counted:
    """其中：补贴性培训: the same, subsidized only."""
    rows = window.holds(ledgers, "trainings", "end_date") & is_true(ledgers["trainings"]["subsidized"])
    return Counted("trainings", rows, "end_date")


def skilled(ledgers: Ledgers, window: Window) -> Counted:
    """新增技能人才: distinct persons with at least one certificate issued in the window (any level)."""
    return Counted(
        "certificates",
        window.holds(ledgers, "certificates", "issue_date"),
        "issue_date",
        distinct="person_id",
    )


def high_skilled(ledgers: Ledgers, window: Window) -> Counted:
    """其中：新增高技能人才: distinct persons with a certificate of level 1-3 issued in the window."""
    level = ledgers["certificates"]["level"]
    rows = window.holds(ledgers, "certificates", "issue_date") & at_most(level, HIGH_SKILLED_LEVEL)
    return Counted("certificates", rows, "issue_date", distinct="person_id")


def employment(ledgers: Ledgers, window: Window) -> Counted:
    """城镇新增就业: distinct persons with at least one hire with hire_date in the window."""
    return Counted("hires", window.holds(ledgers, "hires", "hire_date"), "hire_date", distinct="person_id")


def certified_employment(ledgers: Ledgers, window: Window) -> Share:
    """持证就业率: the share of hires in the window whose person held a certificate at hire (§4)."""
    h = ledgers["hires"]
    rows = window.holds(ledgers, "hires", "hire_date")
    held = np.zeros(len(rows), dtype=bool)
    held[rows] = held_at(ledgers, h["person_id"].to_numpy()[rows], days(h["hire_date"])[rows])
    return Share("hires", rows, held, "hire_date")


# ---------------------------------------------------------------- the fourth system: competitions (SPEC §7)
# A competition row counts toward nothing else: a level granted through a competition (以赛代评) is a
# certificate, in the certificates ledger.


def competitions(ledgers: Ledgers, window: Window) -> Counted:
    """职业技能竞赛: distinct competitions (competition_id) with a row whose 竞赛日期 is in the window (场)."""
    return Counted(
        "competitions",
        window.holds(ledgers, "competitions", "end_date"),
        "end_date",
        distinct="competition_id",
    )


def competition_participants(ledgers: Ledgers, window: Window) -> Counted:
    """竞赛参赛: accepted, de-duplicated rows (one per person per competition) in the window (人次)."""
    return Counted("competitions", window.holds(ledgers, "competitions", "end_date"), "end_date")


def competition_winners(ledgers: Ledgers, window: Window) -> Counted:
    """竞赛获奖: distinct persons with an award (获奖等次 other than empty, 无, 未获奖 or 参赛) in the window."""
    rows = window.holds(ledgers, "competitions", "end_date") & awarded(ledgers["competitions"]["award"])
    return Counted("competitions", rows, "end_date", distinct="person_id")


def awarded(award: pa.ChunkedArray) -> np.ndarray:
    """Whether each 获奖等次 names an award: given (cells are trimmed; empty is missing) and not a no-award word."""
    return pc.fill_null(
        pc.and_(pc.is_valid(award), pc.invert(pc.is_in(award, pa.array(NO_AWARD)))), False
    ).to_numpy(zero_copy_only=False)


# key → (the ledger it needs, the rule). A metric is reported when its ledger is loaded: the competitions
# ledger is optional and without it its three metrics are absent, not zero (SPEC §7).
METRICS: dict[str, tuple[str, Callable]] = {
    "training": ("trainings", training),
    "subsidized_training": ("trainings", subsidized_training),
    "skilled": ("certificates", skilled),
    "high_skilled": ("certificates", high_skilled),
    "employment": ("hires", employment),
    "certified_employment": ("hires", certified_employment),
    "competitions": ("competitions", competitions),
    "competition_participants": ("competitions", competition_participants),
    "competition_winners": ("competitions", competition_winners),
}
SHARES = {"certified_employment"}  # targets given as a share 0-1, not a count
# The metrics targets.yaml must name. certified_employment and the competition metrics came later: a
# targets file without them still loads, and reports name them from i18n.METRIC_NAMES.
NAMED_IN_TARGETS = ("training", "subsidized_training", "skilled", "high_skilled", "employment")
COMPETITION_METRICS = tuple(key for key, (ledger, _rule) in METRICS.items() if ledger == "competitions")


def needs(by: str | None) -> Needs:
    """The columns progress reads from each ledger (a warm run reads only these from the cache)."""
    from jishu.load import Needs

    extra = ["person_id", "township", "file", "line"] if by else []
    return Needs(
        columns={
            "trainings": ["end_date", "subsidized"] + extra,
            "certificates": ["person_id", "issue_date", "level"] + extra,
            "hires": ["person_id", "hire_date"] + extra,
            "payouts": [],
            # the level breakdown attributes by first row (file, line) whether or not there is a --by
            "competitions": ["competition_id", "person_id", "end_date", "level", "award", "file", "line"]
            + extra,
        },
        problems=False,
    )


# ---------------------------------------------------------------- the report


def window_of(period: Period, as_of: dt.date) -> Window:
    """The window (SPEC §3): period start … min(period end, as-of), and its length in days (0 if none)."""
    end = min(period.end, as_of)
    return Window(period.start, end, max((end - period.start).days + 1, 0))


def status_of(rate: float | None, time_progress: float) -> str | None:
    """done when rate ≥ 1, else ahead when rate ≥ time progress, else behind (SPEC §3)."""
    if rate is None:
        return None
    if rate >= 1:
        return "done"
    return "ahead" if rate >= time_progress else "behind"


def metric(key: str, target: float | None, actual: float | None, time_progress: float) -> Metric:
    """One metric's figures: rate = actual ÷ target; a target of 0 counts as done."""
    share = key in SHARES
    rate = None
    if target is not None and actual is not None and target > 0:
        rate = round(actual / target, 4)
    status = status_of(rate, time_progress) if target else ("done" if target == 0 else None)
    remaining = projection = None
    if target is not None and actual is not None:
        remaining = round(max(target - actual, 0), 4) if share else max(target - actual, 0)
    if not share and actual is not None and time_progress > 0:
        projection = round(actual / time_progress)
    return Metric(
        key=key,
        target=target,
        actual=actual,
        rate=rate,
        status=status,
        remaining=remaining,
        projection=projection,
    )


def actual_of(found: Counted | Share, ledgers: Ledgers) -> int | float | None:
    if isinstance(found, Share):
        return round(float(found.held[found.rows].mean()), 4) if found.rows.any() else None
    if found.distinct:
        return count_distinct(ledgers[found.ledger][found.distinct], found.rows)
    return int(found.rows.sum())


def progress(ledgers: Ledgers, targets: Targets, period: Period, by: str | None = None) -> ProgressReport:
    """How far each target of the period is, as of the ledgers' date (SPEC §3)."""
    window = window_of(period, ledgers.as_of)
    time_progress = round(window.days / period.days, 4)
    found = {key: rule(ledgers, window) for key, (ledger, rule) in METRICS.items() if ledger in ledgers}
    metrics = [
        metric(key, targets.target(period.label, key), actual_of(f, ledgers), time_progress)
        for key, f in found.items()
    ]
    report = ProgressReport(
        period=PeriodOut(label=period.label, start=period.start, end=period.end),
        as_of=ledgers.as_of,
        window=PeriodOut(label=f"{window.start}…{window.end}", start=window.start, end=window.end),
        time_progress=time_progress,
        metrics=metrics,
        data=ledgers.counts(),
        rejected=ledgers.rejected,
        finished=ledgers.as_of >= period.end,
        data_through=ledgers.data_through(),
    )
    report.levels = levels(found, ledgers)
    if by:
        report.by = by
        report.groups = _groups(by, found, ledgers, targets, period, time_progress)
        if by == "township":
            has_targets = any(m.target is not None for g in report.groups for m in g.metrics)
            report.ranking = "mean_rate" if has_targets else "skilled"
    return report


# ---------------------------------------------------------------- breakdowns (--by)


def _group_keys(
    table: pa.Table, by: str, date_column: str, targets: Targets
) -> tuple[np.ndarray, np.ndarray]:
    """The group of each row, as (an index into the groups' labels, the labels, each once): its
    township (named as targets.yaml lists them: rules/townships.py), or the month or quarter of its
    date. Groups are counted by their indices: labels sorted as Python strings row by row took 4.6 s
    of a province's `--by township`."""
    if by == "township":
        return township_codes(table["township"], targets)
    months = days(table[date_column]).astype("datetime64[M]").astype(np.int64)
    periods, codes = np.unique(months if by == "month" else months // 3, return_inverse=True)
    if by == "month":
        labels = [f"{1970 + m // 12}-{m % 12 + 1:02d}" for m in periods.tolist()]
    else:
        labels = [f"{1970 + q // 4}-Q{q % 4 + 1}" for q in periods.tolist()]
    return codes.reshape(-1), np.array(labels, dtype=object)


def _attributed(found: Counted, ledgers: Ledgers, column: str) -> pa.Table:
    """The rows that count (with their date and the `column` they are grouped by), with distinct values
    attributed once: to the group of their first qualifying record (earliest date; ties by file, then
    line), so that the groups add up."""
    table = ledgers[found.ledger]
    columns = [c for c in dict.fromkeys([found.date, column, "file", "line", found.distinct]) if c]
    rows = table.select(columns).filter(pa.array(found.rows))
    if found.distinct is None or rows.num_rows == 0:
        return rows
    first = first_in_group(
        group_codes(rows[found.distinct]),
        (days(rows[found.date]).astype(np.int64), rows["file"].to_numpy(), rows["line"].to_numpy()),
    )
    return rows.filter(pa.array(first))


def _groups(
    by: str, found: dict, ledgers: Ledgers, targets: Targets, period: Period, time_progress: float
) -> list[Group]:
    counts: dict[str, dict[str, int | float | None]] = {}
    shares = {}
    for key, f in found.items():
        if isinstance(f, Share):
            table = ledgers[f.ledger].filter(pa.array(f.rows))
            codes, labels = _group_keys(table, by, f.date, targets)
            shares[key] = (codes, {label: i for i, label in enumerate(labels.tolist())}, f.held[f.rows])
            for label in labels[np.unique(codes)].tolist():
                counts.setdefault(label, {})
            continue
        counted = _attributed(f, ledgers, "township" if by == "township" else f.date)
        codes, labels = _group_keys(counted, by, f.date, targets)
        for label, count in zip(labels.tolist(), np.bincount(codes, minlength=len(labels)).tolist()):
            if count:
                counts.setdefault(label, {})[key] = count
    if by == "township":  # every listed township is shown, also one with nothing yet
        for name in targets.township_names:
            counts.setdefault(name, {})
    groups = []
    for label in sorted(counts):
        values = {k: counts[label].get(k, 0) for k in found if k not in shares}
        for key, (codes, code_of, held) in shares.items():
            mine = held[codes == code_of[label]] if label in code_of else held[:0]
            values[key] = round(float(mine.mean()), 4) if len(mine) else None
        metrics = [
            metric(
                key,
                targets.target(period.label, key, township=label) if by == "township" else None,
                values[key],
                time_progress,
            )
            for key in found
        ]
        groups.append(Group(key=label, metrics=metrics))
    if by == "township":
        _rank(groups)
    else:
        running = {k: 0 for k in found if k not in shares}
        for g in groups:
            for m in g.metrics:
                if m.key in running:
                    running[m.key] += m.actual
            g.cumulative = dict(running)
    return groups


def levels(found: dict, ledgers: Ledgers) -> dict[str, dict[str, int]] | None:
    """The competition metrics by competition level (竞赛级别), every level listed (SPEC §7; README): a
    row counts under its own level, a distinct competition or winner under the level of its first
    qualifying row, as in the other breakdowns, so the levels add up to the county figures. None
    without the competitions ledger."""
    if "competitions" not in ledgers:
        return None
    out = {level: dict.fromkeys(COMPETITION_METRICS, 0) for level in COMPETITION_LEVEL_ORDER}
    for key in COMPETITION_METRICS:
        counted = _attributed(found[key], ledgers, "level")
        for level, n in zip(
            *np.unique(counted["level"].to_numpy(zero_copy_only=False).astype(str), return_counts=True)
        ):
            out[str(level)][key] = int(n)
    return out


def _rank(groups: list[Group]) -> None:
    """Townships by mean completion rate over targeted metrics; without targets, by new skilled talents.
    The rows without a township, or with one not on the list, come last and are not ranked."""
    for g in groups:
        rates = [m.rate for m in g.metrics if m.rate is not None]
        g.score = round(sum(rates) / len(rates), 4) if rates else None
    skilled_of = {g.key: next((m.actual for m in g.metrics if m.key == "skilled"), 0) for g in groups}
    special = (NO_TOWNSHIP, UNRECOGNISED)
    groups.sort(
        key=lambda g: (
            g.key in special,
            g.key == NO_TOWNSHIP,
            g.score is None,
            -(g.score or 0),
            -skilled_of[g.key],
            g.key,
        )
    )
    for i, g in enumerate(g for g in groups if g.key not in special):
        g.rank = i + 1
