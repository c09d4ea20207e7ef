"""What jishu computes, as data: problems, counts, periods and the report models.

Reports carry codes and numbers only (STYLE §2). Display fields (a metric's `name`, a problem's
`message`) are left empty here and filled in the report's language by `render.localise`, so that
JSON keys, codes and group keys are the same in every language.

Problems travel inside the pipeline as an Arrow table (cheap for millions of rows, cached as Parquet)
and become `Problem` models at the edge. A problem's severity, and whether it makes a file unusable,
are decided here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated

import pyarrow as pa
from pydantic import BaseModel as _PydanticModel
from pydantic import ConfigDict, Field, PlainSerializer

from jishu.safe import text as _safe_text


def _inert(value: str | None) -> str | None:
    return None if value is None else _inert_text(value)


# Reports repeat their texts (a payee's name, a batch, the same sentence for half a million findings): each
# is made safe once.
_inert_text = functools.lru_cache(maxsize=1 << 16)(_safe_text)


# Text that may come from a ledger, a file name or targets.yaml: whenever a report is written as JSON,
# such a field passes through the one sanitiser (IDs masked, controls visible: jishu/safe.py). Every
# other text field of a report holds a code or a value jishu made (tests/test_safety_fields.py).
Text = Annotated[str, PlainSerializer(_inert, return_type=str, when_used="json")]


class BaseModel(_PydanticModel):
    """A report model. Built on first use (defer_build): a command uses a few of the report models
    here, and building every one of them at import cost about 15 ms of each run."""

    model_config = ConfigDict(defer_build=True)

    @classmethod
    def made(cls, **values):
        """A model of values jishu typed itself (from its own arrays), every field given: what
        model_construct does, without its per-field loop. For the reports that hold hundreds of
        thousands of rows (a province's audit findings); tests validate such rows against the model."""
        fields = cls.__pydantic_fields__
        if len(values) != len(fields):
            raise TypeError(f"{cls.__name__}.made needs every field: {sorted(set(fields) ^ set(values))}")
        return cls.made_from(tuple(values[name] for name in fields))

    @classmethod
    def made_from(cls, values: tuple):
        """`made` from the values in the model's field order (the fastest: no keyword dict per row)."""
        made = cls.__new__(cls)
        object.__setattr__(made, "__dict__", dict(zip(cls.__pydantic_fields__, values, strict=True)))
        object.__setattr__(made, "__pydantic_fields_set__", set(cls.__pydantic_fields__))
        object.__setattr__(made, "__pydantic_extra__", None)
        object.__setattr__(made, "__pydantic_private__", None)
        return made


# ---------------------------------------------------------------- problems

PROBLEM_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("sheet", pa.string()),  # workbooks: the sheet ("" for CSV)
        ("line", pa.int64()),  # the row as the file numbers it (CSV: physical line; workbooks: Excel's row)
        ("column", pa.string()),  # the canonical column name(s), e.g. end_date, person_id+class_id
        ("letter", pa.string()),  # the column's letter in the file (D), as Excel shows it
        ("header", pa.string()),  # the column's header as written in the file (结业日期)
        ("value", pa.string()),  # the offending value as shown (IDs masked)
        ("code", pa.string()),
        ("severity", pa.string()),
        ("detail", pa.string()),  # a language-free fact for the message: a date, a count, an OS error
        (
            "reason",
            pa.string(),
        ),  # a finer reason (an i18n key such as "is_folder"; date_order: the other column)
        ("ref_file", pa.string()),  # the row this one refers to (a duplicate's first occurrence)
        ("ref_sheet", pa.string()),
        ("ref_line", pa.int64()),
        ("ledger", pa.string()),  # the ledger of the table the problem is in ("" for whole files, targets)
    ]
)

# Codes that make a whole file (or the targets file, or the data folder) unusable: SPEC §5, exit 2.
UNUSABLE = frozenset({
    "file_missing", "data_dir_missing", "file_unreadable", "file_empty", "file_binary", "file_utf16",
    "file_encoding", "csv_quote", "csv_malformed", "header_missing", "header_separator", "header_duplicate",
    "file_too_large", "record_too_large",
    "targets_missing", "targets_unreadable", "targets_yaml", "targets_invalid",
})  # fmt: skip
# SPEC §2: `warning` keeps the row with a remark; `duplicate` repeats an earlier key; every other
# problem of a row rejects it (`error`).
WARNINGS = frozenset({"id_region_unknown", "targets_township_sum", "township_unknown"})
# About a file or sheet, not a row (SPEC §2 `notice`): what is not read, and rows that are not rows.
NOTICES = frozenset({
    "lock_file", "folder_not_read", "file_not_read", "file_format_not_read", "sheet_empty", "sheet_not_a_table",
    "not_a_ledger", "ledger_ambiguous", "title_rows", "footer_rows", "file_not_regular",
    "file_outside",
})  # fmt: skip


# Notices of files and sheets that are not read at all, or not shown: every command names them (SPEC §2).
NOT_READ = frozenset({
    "lock_file", "folder_not_read", "file_not_read", "file_format_not_read", "sheet_empty", "sheet_not_a_table",
    "not_a_ledger", "ledger_ambiguous", "file_not_regular", "file_outside",
})  # fmt: skip


def severity_of(code: str) -> str:
    if code == "duplicate":
        return "duplicate"
    if code in NOTICES:
        return "notice"
    return "warning" if code in WARNINGS else "error"


def problem_table(rows: list[dict]) -> pa.Table:
    """A problem table from a few problems given as fields (file-level problems, targets problems);
    row problems are made column by column in validate.py."""
    full = [
        {
            "file": r["file"],
            "sheet": r.get("sheet") or "",
            "line": r.get("line"),
            "column": r.get("column") or "",
            "letter": r.get("letter") or "",
            "header": r.get("header") or "",
            "value": r.get("value") or "",
            "code": r["code"],
            "severity": severity_of(r["code"]),
            "detail": "" if r.get("detail") is None else str(r["detail"]),
            "reason": r.get("reason") or "",
            "ref_file": r.get("ref_file") or "",
            "ref_sheet": r.get("ref_sheet") or "",
            "ref_line": r.get("ref_line"),
            "ledger": r.get("ledger") or "",
        }
        for r in rows
    ]
    return pa.Table.from_pylist(full, schema=PROBLEM_SCHEMA)


class Problem(BaseModel):
    file: Text
    sheet: Text | None = None
    line: int | None = None
    column: Text | None = None
    letter: str | None = None  # the column as a clerk finds it in Excel: its letter and its header
    header: Text | None = None
    value: Text | None = None
    code: str
    severity: str
    message: Text | None = None  # display: filled in the report's language
    # What the message is made of (not in the JSON: the message says it).
    detail: str | None = Field(default=None, exclude=True)
    reason: str | None = Field(default=None, exclude=True)
    ref_file: str | None = Field(default=None, exclude=True)
    ref_sheet: str | None = Field(default=None, exclude=True)
    ref_line: int | None = Field(default=None, exclude=True)
    ledger: str | None = None

    @property
    def unusable(self) -> bool:
        return self.code in UNUSABLE


def problems_of(table: pa.Table) -> list[Problem]:
    """The models of a problem table (empty strings become None)."""
    return [Problem(**{k: (None if v == "" else v) for k, v in r.items()}) for r in table.to_pylist()]


class Counts(BaseModel):
    """One ledger's reconciliation (SPEC §2): rows = accepted + rejected + duplicates."""

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0


# Each ledger's data-through date: its latest record date on or before the as-of date (None: no record
# yet). Every report carries it, so that a reader knows how far the figures go.
DataThrough = dict[str, dt.date | None]


# ---------------------------------------------------------------- periods

PERIOD_KEY = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def period_key(value: object) -> str:
    """`2022` or `2021-2025`, else ValueError."""
    text = str(value)
    match = PERIOD_KEY.match(text)
    if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
        raise ValueError(f"'{text}' is not a year (2022) or a span of years (2021-2025)")
    return text


class Period(BaseModel):
    """A calendar year or a span of years (SPEC §3)."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_year(self) -> bool:
        return self.start.year == self.end.year

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2022` or `2021-2025`."""
        label = period_key(text.strip())
        first, _, last = label.partition("-")
        return cls(label=label, start=dt.date(int(first), 1, 1), end=dt.date(int(last or first), 12, 31))


# ---------------------------------------------------------------- progress (SPEC §3)


class Metric(BaseModel):
    key: str
    name: Text | None = None  # display
    unit: Text | None = None  # display
    target: int | float | None
    actual: int | float | None
    rate: float | None
    status: str | None  # done | ahead | behind
    remaining: int | float | None = None
    projection: int | float | None = None  # actual ÷ time progress, for counts


class Group(BaseModel):
    """One row of a breakdown (--by): a township, a month or a quarter."""

    key: Text
    name: Text | None = None  # display (for the groups without a township of their own)
    rank: int | None = None
    score: float | None = None  # mean rate over the metrics with a township target
    metrics: list[Metric]
    cumulative: dict[str, int | float | None] | None = None


NO_TOWNSHIP = "(none)"  # the group of rows without a township
UNRECOGNISED = "(unrecognised)"  # the group of rows whose township is not one of township_names


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
    finished: bool = False  # the period ended on or before the as-of date: a missed target is missed
    data_through: DataThrough | None = None
    by: str | None = None
    groups: list[Group] | None = None
    ranking: str | None = None  # --by township: what ranks the townships (mean_rate | skilled)
    # SPEC §7 by competition level (national, provincial, city, county) → the three competition metrics;
    # left out of the JSON without the competitions ledger (absent, not zero)
    levels: dict[str, dict[str, int]] | None = Field(default=None, exclude_if=lambda v: v is None)


# ---------------------------------------------------------------- subsidies (SPEC §4)


class Payee(BaseModel):
    id: str
    name: Text
    kind: str


class HireLine(BaseModel):
    person: str  # masked ID
    name: Text | None
    hire_date: dt.date
    employer_id: str
    employer_name: Text
    agency_id: str | None = None
    due_date: dt.date  # when the hire has lasted the required months
    eligible: bool
    reasons: list[str]
    amount: int | float
    paid: bool


class PayeeSummary(BaseModel):
    payee: Payee
    as_of: dt.date
    year: int | None = None
    data_through: DataThrough | None = None
    rate: int
    cap: int | None
    min_months: int
    min_insured_months: int
    hires_listed: int
    eligible: int
    ineligible: int
    amount_eligible: int | float
    already_paid: int | float
    amount_due: int | float
    cap_remaining: int | float | None
    audit_flags: int | None = None  # how many of its payouts `jishu audit` flags (overview only)


class PayeeReport(PayeeSummary):
    hires: list[HireLine]


class KindTotals(BaseModel):
    payees: int
    eligible: int
    amount_eligible: int | float
    already_paid: int | float
    amount_due: int | float


class LiabilityMonth(BaseModel):
    """Hires that pass every rule but `too_recent`, by the month they fall due (for budgeting)."""

    month: str
    kind: str
    hires: int
    amount: int | float


class SubsidyOverview(BaseModel):
    as_of: dt.date
    year: int | None = None
    data_through: DataThrough | None = None
    payees: list[PayeeSummary]
    totals: dict[str, KindTotals]
    liability: list[LiabilityMonth]


class PayeeRef(BaseModel):
    id: str
    name: Text


class Finding(BaseModel):
    """A payout the rules do not support (SPEC §4.1), with what the message needs."""

    payee: PayeeRef
    kind: str
    person: str  # masked ID
    paid_date: dt.date
    batch: Text | None
    amount: int | float
    code: str  # paid_no_hire | paid_early | paid_ineligible | paid_twice | over_cap | amount_mismatch
    reasons: list[str] = []  # paid_ineligible: the rules the hire fails (codes of SPEC §4)
    message: Text | None = None  # display
    hire_date: dt.date | None = None  # the hire the payout is for (none for paid_no_hire)
    due_date: dt.date | None = None  # when that hire had lasted the required months
    first_payee: str | None = None  # paid_twice: the employer that paid first, and when
    first_payee_name: Text | None = None
    first_paid_date: dt.date | None = None
    paid_total: int | float | None = None  # over_cap: the payee's total with this payout
    cap: int | None = None
    rate: int | None = None  # amount_mismatch: the policy's rate


class AuditTotals(BaseModel):
    by_code: dict[str, int]
    findings: int
    payouts_flagged: int
    amount_at_risk: int | float  # the flagged payouts' amounts, each payout counted once


class Terms(BaseModel):
    """A subsidy's policy terms (targets.yaml), as the audit applied them."""

    rate: int
    cap: int | None
    min_months: int
    min_insured_months: int


class AuditReport(BaseModel):
    as_of: dt.date
    data_through: DataThrough | None = None
    payouts: int  # payouts checked (paid by the as-of date)
    terms: dict[str, Terms]
    findings: list[Finding]
    totals: AuditTotals
    flagged: dict[str, dict[str, int]] = Field(default={}, exclude=True)  # kind → payee → flagged payouts


class PayoutLine(BaseModel):
    """One line of the payout list (--export): person_id is the full ID; the writer masks it or not."""

    payee_id: str
    payee_name: Text
    kind: str
    person_id: int
    name: Text | None
    hire_date: dt.date
    amount: int | float


# ---------------------------------------------------------------- check


class CheckReport(BaseModel):
    ok: bool
    problems: list[Problem]
    data: dict[str, Counts]
    data_through: DataThrough | None = None

    @property
    def unusable(self) -> bool:
        return any(p.unusable for p in self.problems)

    def tally(self) -> dict[str, int]:
        count = {"errors": 0, "duplicates": 0, "warnings": 0, "notices": 0}
        for p in self.problems:
            count[p.severity + "s"] += 1
        return count


# ---------------------------------------------------------------- the nightly summary


class ProblemCount(BaseModel):
    code: str
    severity: str
    count: int


class DataQuality(BaseModel):
    ledgers: dict[str, Counts]
    data_through: DataThrough | None = None
    rejected: int
    duplicates: int
    warnings: int
    top_problems: list[ProblemCount]


class SubsidySection(BaseModel):
    totals: dict[str, KindTotals]
    liability: list[LiabilityMonth]


class AuditSection(BaseModel):
    """What the audit of paid subsidies found (SPEC §4.1): counts and the amount at risk."""

    payouts: int
    totals: AuditTotals


class TownshipRow(BaseModel):
    rank: int | None  # none for the rows without a township, or with one not on the list
    township: Text
    score: float | None
    actual: dict[str, int | float | None]
    rate: dict[str, float | None]


class TrendPoint(BaseModel):
    """The figures counted from the period's start to `date` (a month's last day, or the as-of date),
    and the time progress at that date."""

    date: dt.date
    time_progress: float
    actual: dict[str, int | float]  # cumulative counts, per metric (shares are not in the trend)
    rate: dict[str, float | None]  # actual ÷ target; None when the metric has no target in the period


class Trend(BaseModel):
    """Progress month by month, cumulative, computed from the ledgers themselves (so the first night
    already has it); history.csv keeps what each night said."""

    period: str
    points: list[TrendPoint]


class SummaryReport(BaseModel):
    schema_version: int
    generated_at: dt.datetime
    as_of: dt.date
    county: Text | None
    year: ProgressReport
    plan: ProgressReport
    townships: list[TownshipRow]
    subsidy: SubsidySection
    audit: AuditSection
    data_quality: DataQuality
    trend: Trend | None = None  # the current year's, month by month
