"""jishu: progress, subsidies and a nightly summary for 「人人持证、技能河南」 ledgers (台账).

The library, for notebooks and other programs (the command line is a thin layer over it):

    import jishu
    targets = jishu.load_targets("targets.yaml")
    ledgers = jishu.load_ledgers("data", as_of="2022-03-31")
    report = jishu.progress(ledgers, targets, year=2022)     # a pydantic model: codes and numbers
    print(report.metrics[0].actual)

Imports are made where they are used, so `import jishu` stays light and never loads Typer or rich.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from jishu.load import Ledgers, Needs
    from jishu.model import CheckReport, PayeeReport, ProgressReport, SubsidyOverview, SummaryReport
    from jishu.targets import Targets

__all__ = [
    "Words",
    "check",
    "ledgers_from_rows",
    "load_ledgers",
    "load_targets",
    "progress",
    "subsidy",
    "summary",
]


def _day(as_of: dt.date | str | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.date):
        return as_of
    from jishu.values import parse_date

    day = parse_date(as_of)
    if day is None:
        raise ValueError(f"not a date: {as_of!r}")
    return day


def load_targets(path: str | Path = "targets.yaml") -> Targets:
    """targets.yaml, checked (raises jishu.targets.TargetsError with every problem)."""
    from jishu.targets import load

    return load(Path(path))


def load_ledgers(
    data: str | Path = "data",
    as_of: dt.date | str | None = None,
    *,
    encoding: str | None = None,
    cache: bool = True,
    needs: Needs | None = None,
) -> Ledgers:
    """The ledgers in a folder as of a date (default today), validated (raises
    jishu.load.LedgersUnusable when a file cannot be used at all)."""
    from jishu.load import EVERYTHING, load

    return load(Path(data), _day(as_of), encoding=encoding, use_cache=cache, needs=needs or EVERYTHING)


def ledgers_from_rows(as_of: dt.date | str, **rows: list[dict] | None) -> Ledgers:
    """Ledgers from rows written in code (see jishu.load.ledgers_from_rows)."""
    from jishu.load import ledgers_from_rows as from_rows

    return from_rows(_day(as_of), **rows)


def progress(
    ledgers: Ledgers,
    targets: Targets,
    *,
    year: int | None = None,
    period: str | None = None,
    by: str | None = None,
) -> ProgressReport:
    """Progress against the targets of a year or a plan period (SPEC §3), as of the ledgers' date."""
    from jishu.model import Period
    from jishu.rules.progress import progress as compute

    if (year is None) == (period is None):
        raise ValueError("give a year or a period")
    return compute(ledgers, targets, Period.parse(str(year) if year is not None else period), by=by)


def subsidy(
    ledgers: Ledgers,
    targets: Targets,
    *,
    employer: str | None = None,
    agency: str | None = None,
    year: int | None = None,
) -> SubsidyOverview | PayeeReport:
    """The subsidies (SPEC §4): every payee, or one employer's or agency's hires with their reasons."""
    from jishu.rules import subsidy as rules

    if employer is None and agency is None:
        return rules.subsidy(ledgers, targets.subsidy, year)
    kind = "agency" if agency is not None else "employer"
    return rules.payee_report(ledgers, targets.subsidy, agency or employer, kind, year)


def check(
    data: str | Path = "data",
    targets: str | Path = "targets.yaml",
    as_of: dt.date | str | None = None,
    *,
    encoding: str | None = None,
    cache: bool = True,
) -> CheckReport:
    """Every problem of the targets file and the ledgers (SPEC §2)."""
    from jishu.checking import check as run

    return run(Path(data), Path(targets), _day(as_of), encoding, cache)


def summary(ledgers: Ledgers, targets: Targets) -> SummaryReport:
    """The nightly summary as of the ledgers' date."""
    from jishu.nightly import build

    return build(ledgers, targets)


def __getattr__(name: str):
    if name == "Words":
        from jishu.i18n import Words

        return Words
    raise AttributeError(name)
