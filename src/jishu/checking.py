"""`check`: every problem of the targets file and of the ledgers (SPEC §2, §5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from jishu.load import EVERYTHING, LedgersUnusable, Needs, load
from jishu.model import CheckReport, Counts, problem_table, problems_of
from jishu.rules.townships import unknown_townships
from jishu.targets import TargetsError, township_warnings
from jishu.targets import load as load_targets


def check(
    data_dir: Path,
    targets_path: Path,
    as_of: dt.date,
    encoding: str | None = None,
    use_cache: bool = True,
    warn=None,
) -> CheckReport:
    """Every problem, the targets file's first; the ledgers' counts. Unusable files are listed with
    the rest instead of stopping the check."""
    targets = None
    try:
        targets = load_targets(targets_path)
        parts = [problem_table(township_warnings(targets, Path(targets_path).name))]
    except TargetsError as exc:
        parts = [exc.problems]
    counts: dict[str, Counts] = {}
    through = None
    try:
        ledgers = load(
            data_dir,
            as_of,
            encoding=encoding,
            use_cache=use_cache,
            needs=Needs(columns=EVERYTHING.columns, problems=True, holders=False),
            keep_going=True,
            warn=warn,
        )
        counts = ledgers.counts()
        through = ledgers.data_through()
        parts.append(ledgers.problems)
        if targets is not None:  # townships are told apart by the names targets.yaml lists
            parts.append(unknown_townships(ledgers, targets))
    except LedgersUnusable as exc:  # the data folder itself is missing
        parts.append(exc.problems)
    problems = problems_of(_in_order(pa.concat_tables(parts)))
    return CheckReport(
        ok=not any(p.severity == "error" for p in problems),
        problems=problems,
        data=counts,
        data_through=through,
    )


def _in_order(problems: pa.Table) -> pa.Table:
    return problems.sort_by([("file", "ascending"), ("sheet", "ascending"), ("line", "ascending")])
