"""`jishu summary`: the nightly job. Computes one SummaryReport and writes it to disk, cron-safe.

Files in --out DIR: summary-<as-of>.json / .md / .txt / .html, latest.json and history.csv. Each is written
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
import math
import os
import stat
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
    Trend,
    TrendPoint,
)
from jishu.rules.audit import audit_books
from jishu.rules.progress import SHARES, progress
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
            rank=g.rank,
            township=g.key,
            score=g.score,
            actual={m.key: m.actual for m in g.metrics},
            rate={m.key: m.rate for m in g.metrics},
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
        data_through=ledgers.data_through(),
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
        trend=trend(ledgers, targets, year),
    )


def trend(ledgers: Ledgers, targets: Targets, period: Period) -> Trend:
    """Each metric's cumulative count (and its rate of the target) at the end of every month from the
    period's start to the as-of date, the last point on the as-of date itself, with the time progress
    at each (SPEC §3's window and rate, taken month by month). Shares (持证就业率) are not cumulative
    counts and are left out."""
    monthly = progress(ledgers, targets, period, by="month")
    end = monthly.window.end
    targets_of = {m.key: m.target for m in monthly.metrics if m.key not in SHARES}
    counted = {
        g.key: {m.key: m.actual or 0 for m in g.metrics if m.key in targets_of} for g in monthly.groups or []
    }
    running = dict.fromkeys(targets_of, 0)
    points = []
    month = period.start
    while month <= end:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        day = min(following - dt.timedelta(days=1), end)
        for key, n in counted.get(f"{month.year}-{month.month:02d}", {}).items():
            running[key] += n
        points.append(
            TrendPoint(
                date=day,
                time_progress=round(((day - period.start).days + 1) / period.days, 4),
                actual=dict(running),
                rate={k: round(running[k] / t, 4) if t else None for k, t in targets_of.items()},
            )
        )
        month = following
    return Trend(period=period.label, points=points)


# ---------------------------------------------------------------- writing, cron-safe


class Locked(Exception):
    """Another summary run holds the lock in this folder past the wait (SPEC §5: exit 75)."""


@contextmanager
def folder_lock(folder: Path, wait_seconds: float):
    """An exclusive flock on DIR/.jishu-summary.lock, waited for at most `wait_seconds`.

    flock is released by the kernel when the holder dies, so a killed run never leaves a stale lock.
    The lock file is opened without following a symlink and without blocking: anything but a regular
    file planted there (a symlink, a FIFO) is removed and the lock file made anew (SPEC §6)."""
    fd = _open_lock(folder / LOCK_NAME)
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


def _open_lock(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    for _ in range(3):
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            os.unlink(path)  # a symlink: replaced, never followed
            continue
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
        os.close(fd)
        os.unlink(path)
    raise OSError(errno.EEXIST, "the lock file keeps being replaced", str(path))


def history_rows(report: SummaryReport) -> list[dict]:
    rows = []
    for section in (report.year, report.plan):
        for m in section.metrics:
            rows.append(
                {
                    "as_of": report.as_of.isoformat(),
                    "period": section.period.label,
                    "metric": m.key,
                    "target": "" if m.target is None else m.target,
                    "actual": "" if m.actual is None else m.actual,
                    "rate": "" if m.rate is None else m.rate,
                    "time_progress": section.time_progress,
                    "status": m.status or "",
                }
            )
    return rows


def merged_history(rows: list[dict], report: SummaryReport) -> str:
    """history.csv with this as-of date's rows replaced and every other date's rows kept."""
    day = report.as_of.isoformat()
    rows = [r for r in rows if r["as_of"] != day] + history_rows(report)
    rows.sort(key=lambda r: (r["as_of"], r["period"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


class Damaged(ValueError):
    """history.csv cannot be trusted: not text, another header, or a row that is not a row of it."""


def parse_history(text: str) -> list[dict]:
    """history.csv's rows, each checked: an ISO date, numbers that are finite (or blank). Damaged if not."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != HISTORY_FIELDS:
        raise Damaged("header")
    rows = list(reader)
    for row in rows:
        if None in row or any(v is None for v in row.values()):
            raise Damaged("cells")
        try:
            dt.date.fromisoformat(row["as_of"])
            for key in ("target", "actual", "rate", "time_progress"):
                if row[key] != "" and not math.isfinite(float(row[key])):
                    raise Damaged(key)
        except ValueError as exc:
            raise Damaged(str(exc)) from None
    return rows


def read_history(folder: Path, log) -> list[dict]:
    """The rows of DIR/history.csv. A file that is damaged, or not a regular file, is moved aside
    (history.csv.damaged-<time>) with a warning and the history rebuilt from the summary-*.json files
    there (SPEC §6): one bad file never stops the nightly run."""
    path = folder / "history.csv"
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return []
    try:
        if not stat.S_ISREG(status.st_mode):
            raise Damaged("not a regular file")
        return parse_history(_read_regular(path).decode("utf-8"))
    except (Damaged, UnicodeDecodeError, OSError) as exc:
        aside = folder / f"history.csv.damaged-{dt.datetime.now().strftime('%Y%m%dT%H%M%S')}"
        os.replace(path, aside)
        log(
            f"warning: history.csv could not be read ({exc}); moved aside as {aside.name} and rebuilt "
            "from the summary-*.json files"
        )
        return rebuilt_history(folder)


def rebuilt_history(folder: Path) -> list[dict]:
    """History rows from the summary-<date>.json files of a folder (those that read back whole)."""
    rows = []
    for path in sorted(folder.glob("summary-*.json")):
        try:
            report = SummaryReport.model_validate_json(_read_regular(path))
        except (OSError, ValueError):
            continue
        rows += [{k: str(v) for k, v in row.items()} for row in history_rows(report)]
    return rows


def _read_regular(path: Path, limit: int = 64 << 20) -> bytes:
    """A file's bytes if it is a regular file (opened without blocking, never a FIFO's writer's wait)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, "too large")
    return data


def write_all(folder: Path, report: SummaryReport, words: Words, log) -> list[Path]:
    """Write the day's files, history.csv and latest.json. Call with the folder lock held.

    SPEC §6: every file is first written whole to a temporary file of jishu's own in the folder; only
    when all of them are on disk are they renamed into place, latest.json last. A failure (a full disk)
    leaves every earlier file as it was and no temporary file behind."""
    from jishu import files
    from jishu.render import Style, html, json, localise, summary

    files.remove_own_temporaries(folder)
    history = merged_history(read_history(folder, log), report)
    stem = f"summary-{report.as_of.isoformat()}"
    shown = localise(report, words)
    as_json = json.render(shown, words, Style()).encode("utf-8")
    outputs = [
        (folder / f"{stem}.json", as_json),
        (folder / f"{stem}.md", summary.markdown(shown, words).encode("utf-8")),
        (folder / f"{stem}.txt", summary.text(shown, words).encode("utf-8")),
        (folder / f"{stem}.html", html.html(shown, words).encode("utf-8")),
        (folder / "history.csv", history.encode("utf-8")),
    ]
    if _is_latest(folder / "latest.json", report.as_of, log):
        outputs.append((folder / "latest.json", as_json))
    written: list[Path] = []
    try:
        for path, data in outputs:
            written.append(files.write_temporary(path, data))
    except BaseException:
        files.discard(written)
        raise
    for (path, data), temporary in zip(outputs, written, strict=True):
        files.commit(temporary, path)
        log(f"wrote {path} ({len(data):,} bytes)")
    return [p for p, _ in outputs]


def _is_latest(path: Path, as_of: dt.date, log) -> bool:
    """latest.json follows the newest as-of date: re-running an older date does not replace it."""
    try:
        current = json.loads(_read_regular(path).decode("utf-8"))["as_of"]
        return as_of.isoformat() >= current
    except FileNotFoundError:
        return True
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log(f"warning: latest.json could not be read ({exc}); it is replaced")
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
