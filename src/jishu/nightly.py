"""`jishu summary`: the nightly job. Computes one SummaryReport and writes it to disk, cron-safe.

Files in --out DIR: summary-<as-of>.json / .md / .html, latest.json and history.csv. Each is written
to a temporary file in DIR, flushed to disk and renamed into place, so a run killed at any moment
leaves only whole files; a lock file in DIR keeps overlapping runs from interleaving.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import fcntl
import io
import json
import os
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from jishu.i18n import Words
from jishu.load import Ledgers
from jishu.model import (
    AuditSection,
    DataQuality,
    Period,
    ProblemCount,
    SubsidySection,
    SummaryReport,
    TownshipRow,
)
from jishu.rules.audit import audit_books
from jishu.rules.progress import progress
from jishu.rules.subsidy import books, overview
from jishu.rules.townships import unknown_townships
from jishu.targets import Targets

SCHEMA_VERSION = 1
LOCK_NAME = ".jishu-summary.lock"
HISTORY_FIELDS = ["as_of", "period", "metric", "target", "actual", "rate", "time_progress", "status"]


def build(ledgers: Ledgers, targets: Targets) -> SummaryReport:
    """The night's summary as of the ledgers' date: this year and the plan period, the townships,
    the subsidies, and the data's quality."""
    as_of = ledgers.as_of
    year = Period.parse(str(as_of.year))
    plan = Period.parse(targets.plan_period or "2021-2025")
    year_report = progress(ledgers, targets, year, by="township")
    plan_report = progress(ledgers, targets, plan)
    townships = [
        TownshipRow(
            rank=g.rank, township=g.key, score=g.score,
            actual={m.key: m.actual for m in g.metrics}, rate={m.key: m.rate for m in g.metrics},
        )
        for g in year_report.groups or []
    ]
    year_report.groups = None
    year_report.by = None
    of = books(ledgers, targets.subsidy)
    checked = audit_books(ledgers, of)
    money = overview(of, flagged=checked.flagged)
    problems = pa.concat_tables([ledgers.problems, unknown_townships(ledgers, targets)])
    severities = problems["severity"].to_pylist()
    codes = Counter(zip(problems["code"].to_pylist(), severities))
    quality = DataQuality(
        ledgers=ledgers.counts(),
        rejected=ledgers.rejected,
        duplicates=sum(c.duplicates for c in ledgers.counts().values()),
        warnings=severities.count("warning"),
        top_problems=[ProblemCount(code=c, severity=s, count=n) for (c, s), n in codes.most_common(10)],
    )
    return SummaryReport(
        schema_version=SCHEMA_VERSION,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        as_of=as_of,
        county=targets.county,
        year=year_report,
        plan=plan_report,
        townships=townships,
        subsidy=SubsidySection(totals=money.totals, liability=money.liability),
        audit=AuditSection(payouts=checked.payouts, totals=checked.totals),
        data_quality=quality,
    )


# ---------------------------------------------------------------- writing, cron-safe


class Locked(Exception):
    """Another summary run holds the lock in this folder past the wait (SPEC §5: exit 75)."""


@contextmanager
def folder_lock(folder: Path, wait_seconds: float):
    """An exclusive flock on DIR/.jishu-summary.lock, waited for at most `wait_seconds`.

    flock is released by the kernel when the holder dies, so a killed run never leaves a stale lock.
    """
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise Locked() from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, rename over `path`, fsync the folder."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def clean_temporaries(folder: Path) -> None:
    """Remove temporaries left by a killed run (never the finished files)."""
    for stale in folder.glob(".*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass


def history_rows(report: SummaryReport) -> list[dict]:
    rows = []
    for section in (report.year, report.plan):
        for m in section.metrics:
            rows.append({
                "as_of": report.as_of.isoformat(), "period": section.period.label, "metric": m.key,
                "target": "" if m.target is None else m.target, "actual": "" if m.actual is None else m.actual,
                "rate": "" if m.rate is None else m.rate, "time_progress": section.time_progress,
                "status": m.status or "",
            })
    return rows


def merged_history(existing: str, report: SummaryReport) -> str:
    """history.csv with this as-of date's rows replaced and every other date's rows kept."""
    day = report.as_of.isoformat()
    kept = [r for r in csv.DictReader(io.StringIO(existing)) if r.get("as_of") and r["as_of"] != day]
    rows = kept + history_rows(report)
    rows.sort(key=lambda r: (r["as_of"], r["period"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_history(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def write_all(folder: Path, report: SummaryReport, words: Words, log) -> list[Path]:
    """Write the day's files, latest.json and history.csv. Call with the folder lock held."""
    from jishu.render import Style, html, json, localise

    clean_temporaries(folder)
    history_path = folder / "history.csv"
    existing = history_path.read_text(encoding="utf-8") if history_path.exists() else ""
    history = merged_history(existing, report)
    stem = f"summary-{report.as_of.isoformat()}"
    shown = localise(report, words)
    as_json = json.render(shown, words, Style()).encode("utf-8")
    outputs = [
        (folder / f"{stem}.json", as_json),
        (folder / f"{stem}.md", html.markdown(shown, words).encode("utf-8")),
        (folder / f"{stem}.html", html.html(shown, read_history(history), words).encode("utf-8")),
        (folder / "history.csv", history.encode("utf-8")),
    ]
    if _is_latest(folder / "latest.json", report.as_of):
        outputs.append((folder / "latest.json", as_json))
    for path, data in outputs:
        write_atomic(path, data)
        log(f"wrote {path} ({len(data):,} bytes)")
    return [p for p, _ in outputs]


def _is_latest(path: Path, as_of: dt.date) -> bool:
    """latest.json follows the newest as-of date: re-running an older date does not replace it."""
    try:
        current = json.loads(path.read_text(encoding="utf-8"))["as_of"]
        return as_of.isoformat() >= current
    except (OSError, ValueError, KeyError, TypeError):
        return True


SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "summary.schema.json"


def main() -> None:
    """`python -m jishu.summary --write-schema` publishes the JSON Schema of the summary file."""
    import sys

    text = json.dumps(SummaryReport.model_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if "--write-schema" in sys.argv:
        SCHEMA_PATH.parent.mkdir(exist_ok=True)
        SCHEMA_PATH.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
