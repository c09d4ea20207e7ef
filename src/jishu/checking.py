"""`jishu check`: every problem of the targets file and of the ledgers, and the exit code they mean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel

from jishu import i18n
from jishu.ledgers import Counts, LedgersUnusable, load
from jishu.problems import Problem, make_table, to_models
from jishu.targets import TargetsError, township_warnings
from jishu.targets import load as load_targets

FATAL_CODES = {
    "file_missing", "data_dir_missing", "file_unreadable", "file_empty", "file_binary", "file_utf16",
    "file_encoding", "csv_quote", "csv_malformed", "header_missing", "header_separator", "header_duplicate",
    "targets_missing", "targets_unreadable", "targets_yaml", "targets_invalid",
}  # fmt: skip


class CheckReport(BaseModel):
    ok: bool
    problems: list[Problem]
    data: dict[str, Counts]
    exit_code: int = 0

    def summary(self) -> dict[str, int]:
        count = {"errors": 0, "duplicates": 0, "warnings": 0}
        for p in self.problems:
            count[{"error": "errors", "duplicate": "duplicates"}.get(p.severity, "warnings")] += 1
        return count

    def footer(self, lang: str) -> list[str]:
        return [
            i18n.word("footer_counts", lang, ledger=i18n.word(f"ledger_{name}", lang), **c.model_dump())
            for name, c in self.data.items()
        ]


def check(data_dir: Path, targets_path: Path, as_of: dt.date, encoding: str | None, use_cache: bool,
          lang: str) -> CheckReport:
    rows: list[dict] = []
    try:
        targets = load_targets(targets_path)
        rows += township_warnings(targets, Path(targets_path).name)
    except TargetsError as exc:
        rows += exc.problems
    counts: dict[str, Counts] = {}
    ledger_problems = []
    try:
        books = load(data_dir, as_of, encoding=encoding, use_cache=use_cache, keep_going=True)
        counts = books.counts()
        ledger_problems = books.problems.to_pylist()
    except LedgersUnusable as exc:  # the data folder itself is missing
        ledger_problems = exc.problems.to_pylist()
    all_rows = make_table(rows).to_pylist() + ledger_problems
    problems = to_models(all_rows, lang)
    fatal = any(p.code in FATAL_CODES for p in problems)
    errors = any(p.severity == "error" for p in problems)
    exit_code = 2 if fatal else 1 if errors else 0
    return CheckReport(ok=not errors, problems=problems, data=counts, exit_code=exit_code)
