"""Independent reference implementation of SPEC §2 (reading, row validation, de-duplication),
§3 (the six progress metrics) and §7 (the optional competitions ledger and its three metrics).

Written from /work/shared/SPEC.md only.  It deliberately uses nothing from `jishu`: just the
standard library (csv, datetime, unicodedata, re) plus python-stdnum's `cn.uscc` for the USCC
check character (which SPEC §2 names as the reference for USCC).

Decisions taken where the SPEC text leaves room (each one is the reading a county HR officer
would expect; they are listed in the test module's docstring as well):

* A record counts as "all empty" when every cell is empty after trimming/NFKC.
* The "five spellings" of a date are five *formats*; month and day may have one or two digits in
  the `-`, `/`, `.` and 年月日 forms (8 digits exactly in the compact form).  Nothing else:
  no time part, no 2-digit years, no Excel serials, no other separators.
* A typed optional value (start_date, agency_id, in_province, separation_date) that is present
  but not of its type breaks a rule: the row is rejected.
* A row that breaks a rule is *rejected* even if its key repeats an earlier accepted row's key
  (de-duplication is among valid rows; every row is in exactly one of the three buckets).
* Keys are compared on normalised/typed values (ID upper-cased, dates as dates), so
  `2022/3/5` and `2022-03-05` are the same hire_date.
* Sizes and payout kinds are matched case-insensitively, like booleans and English headers; a payout
  kind may also be written with the Chinese name the SPEC gives in brackets (吸纳就业补助, 职业介绍补贴).
* Cells beyond the header are ignored, also when deciding whether a record is all empty.
* USCC: `stdnum.cn.uscc.is_valid` decides (as the SPEC says it is the reference), so its own
  compaction (inner spaces/hyphens, lower case) applies; keys compare the compacted code.
* amount: digits with an optional `.` and at most two decimals (fen); Excel's thousands separators
  (`1,000.50`) are accepted.

Breakdowns (`--by township|month|quarter`, README "Decisions where the specification is silent").
Only the three §7 metrics are broken down here (`competition_breakdown`); the §3 metrics' breakdowns
are not modelled by this oracle and not compared by its tests.

* A row-count metric adds each qualifying row to its row's group.  A distinct-value metric (persons,
  competitions) attributes each distinct value to the group of its *first qualifying row*: earliest
  date, ties by file (files in name order) then line, so the groups add up to the county figure.
* Month groups are `YYYY-MM`, quarter groups `YYYY-Qn`, of the metric's date column.
* Townships: the cell as read (trimmed, NFKC); an empty township is the group （未填乡镇）.  When the
  targets list `township_names` (with optional `township_aliases`), a value is mapped through the
  aliases and a value still not in the list is the group 未识别乡镇 (SPEC §2 "Townships").

The competitions ledger (SPEC §7, 职业技能竞赛台账), decisions where §7 is silent:

* Files are found by name (`competitions*.csv`, name order), as this oracle finds the other ledgers;
  §2's header-based assignment of other file names, workbooks, title and total rows are not modelled.
* Optional like payouts, but *absence* is visible: with no `competitions*` file the ledger is absent,
  and the three metrics `competitions`, `competition_participants`, `competition_winners`, the level
  breakdown and the competitions entry of the reconciliation are absent from the result (not zero).
  A competitions file with a header and no rows is a present, empty ledger: the metrics are 0.
* Reading, header mapping (English or Chinese, normalised; `竞赛职业（工种）` and `竞赛职业(工种)` are
  the same header after NFKC), missing/doubled columns, all-empty records, validation, de-duplication
  and the reconciliation rows = accepted + rejected + duplicates are exactly those of the other ledgers.
* Required columns (and values): competition_id, level, end_date, person_id.  Optional: competition_name,
  occupation, name, award, township.  An empty required value rejects the row (jishu's
  `required_missing`; the oracle's reason reads `<column>: required`).
* level: 国家级/省级/市级/县级 or national/provincial/city/county (English case-insensitive), after the
  usual trim + NFKC of every cell (so `ｃｉｔｙ` is city); it is kept as the canonical English name.
  Anything else (`省`, `地市级`, `国际级`, `区级`, `一级`, ...) rejects the row with the code
  `competition_level_invalid` (not `level_invalid`, whose message speaks of skill levels 1-5).
* award is free text and never rejects a row.  After trim + NFKC it is compared *exactly* with the
  four no-award words: empty, 无, 未获奖, 参赛 mean no award; anything else is an award, including
  `参赛奖`, `无奖`, `-`, `/` and the traditional `無` (the literal rule; see the grey-area tests).
* Key: competition_id + person_id, on normalised values (competition_id compared as text, case-sensitive
  like class_id; person_id upper-cased).  A row that breaks a rule is rejected, never a duplicate.
* end_date (竞赛日期) is the row's date for the window, the as-of cut and month/quarter groups.  There is
  no start date, so no date-order rule.  The as-of date bounds birth dates as in the other ledgers.
* competitions = distinct competition_id over accepted rows in the window; a competition whose rows
  carry different dates counts in every period that holds one of them, once per period.
* competition_participants = accepted, de-duplicated rows in the window (参赛人次).
* competition_winners = distinct persons with at least one row in the window that has an award;
  attributed by the first such *award* row (as high_skilled is attributed by the first level 1-3 row).
* Level breakdown (`levels`): a mapping of all four canonical levels (national, provincial, city,
  county; zeros included) to the three metrics; participants are rows of that level, a distinct
  competition or winner goes to the level of its first qualifying row (so a competition recorded with
  two levels counts once, under the level of its first row, and the levels add up to the totals).
* Competition rows count toward no other metric: a competition is not a training, an award is not a
  certificate (§7: a level granted through a competition is in the certificates ledger), a participant
  is not a hire.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from stdnum.cn import uscc as _uscc  # SPEC §2: "python-stdnum's cn.uscc is the reference"

# ---------------------------------------------------------------------------------------------
# Schema (SPEC §2 tables).  name -> (chinese, column_required, value_required, type)
# value_required: True = must be non-empty; False = may be empty.
# ---------------------------------------------------------------------------------------------

TEXT, RID, DATE, BOOL, LEVEL, SIZE, INT0, USCC, KIND, AMOUNT, CLEVEL = (
    "text",
    "rid",
    "date",
    "bool",
    "level",
    "size",
    "int0",
    "uscc",
    "kind",
    "amount",
    "competition_level",
)

SCHEMAS: dict[str, dict[str, tuple[str, bool, bool, str]]] = {
    "trainings": {
        "person_id": ("身份证号", True, True, RID),
        "name": ("姓名", False, False, TEXT),
        "class_id": ("班级编号", True, True, TEXT),
        "occupation": ("培训职业", False, False, TEXT),
        "provider": ("培训机构", False, False, TEXT),
        "start_date": ("开班日期", False, False, DATE),
        "end_date": ("结业日期", True, True, DATE),
        "subsidized": ("是否补贴性培训", True, True, BOOL),
        "township": ("乡镇", False, False, TEXT),
    },
    "certificates": {
        "cert_no": ("证书编号", True, True, TEXT),
        "person_id": ("身份证号", True, True, RID),
        "name": ("姓名", False, False, TEXT),
        "cert_type": ("证书类型", False, False, TEXT),
        "occupation": ("职业", False, False, TEXT),
        "level": ("等级", True, False, LEVEL),
        "issue_date": ("发证日期", True, True, DATE),
        "issuer": ("发证机构", False, False, TEXT),
        "township": ("乡镇", False, False, TEXT),
    },
    "hires": {
        "person_id": ("身份证号", True, True, RID),
        "name": ("姓名", False, False, TEXT),
        "employer_id": ("统一社会信用代码", True, True, USCC),
        "employer_name": ("单位名称", True, True, TEXT),
        "employer_size": ("企业规模", True, True, SIZE),
        "hire_date": ("入职日期", True, True, DATE),
        "separation_date": ("离职日期", True, False, DATE),
        "insured_months": ("社保缴费月数", True, True, INT0),
        "agency_id": ("介绍机构统一社会信用代码", False, False, USCC),
        "agency_name": ("介绍机构名称", False, False, TEXT),
        "in_province": ("是否省内就业", False, False, BOOL),
        "township": ("乡镇", False, False, TEXT),
    },
    "payouts": {
        "payee_id": ("收款单位统一社会信用代码", True, True, USCC),
        "kind": ("补贴类型", True, True, KIND),
        "person_id": ("身份证号", True, True, RID),
        "amount": ("金额", True, True, AMOUNT),
        "paid_date": ("发放日期", True, True, DATE),
        "batch": ("批次号", False, False, TEXT),
    },
    # SPEC §7: optional ledger, one row per participant per competition.
    "competitions": {
        "competition_id": ("竞赛编号", True, True, TEXT),
        "competition_name": ("竞赛名称", False, False, TEXT),
        "level": ("竞赛级别", True, True, CLEVEL),
        "occupation": ("竞赛职业（工种）", False, False, TEXT),
        "end_date": ("竞赛日期", True, True, DATE),
        "person_id": ("身份证号", True, True, RID),
        "name": ("姓名", False, False, TEXT),
        "award": ("获奖等次", False, False, TEXT),
        "township": ("乡镇", False, False, TEXT),
    },
}

KEYS = {
    "trainings": ("person_id", "class_id"),
    "certificates": ("cert_no",),
    "hires": ("person_id", "employer_id", "hire_date"),
    "payouts": ("payee_id", "kind", "person_id"),
    "competitions": ("competition_id", "person_id"),
}

# The four ledgers of §2 (read always; payouts may be empty when it has no file) ...
LEDGERS = ("trainings", "certificates", "hires", "payouts")
# ... and the optional competitions ledger of §7, present only when a competitions* file exists.
OPTIONAL_LEDGERS = ("competitions",)
ALL_LEDGERS = LEDGERS + OPTIONAL_LEDGERS

COMPETITION_METRICS = ("competitions", "competition_participants", "competition_winners")


class FileError(Exception):
    """The whole file is unusable (missing/duplicated column, undecodable)."""


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


def norm_cell(value: str) -> str:
    """SPEC §2: trim spaces (incl. full-width space), NFKC-normalise."""
    return unicodedata.normalize("NFKC", value).strip()


def norm_header(value: str) -> str:
    """Headers: surrounding spaces and full-width characters normalised; English case-insensitive."""
    return unicodedata.normalize("NFKC", value).strip().lower()


# ---------------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK = "10X98765432"
_SCI = re.compile(r"^[+-]?[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+$")


def rid_check_char(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _RID_WEIGHTS))
    return _RID_CHECK[total % 11]


class Invalid(Exception):
    pass


def parse_rid(value: str, as_of: date) -> str:
    if _SCI.match(value):
        raise Invalid("scientific notation")
    v = value.upper()
    if len(v) != 18 or not v[:17].isascii() or not v[:17].isdigit() or v[17] not in "0123456789X":
        raise Invalid("format")
    if rid_check_char(v[:17]) != v[17]:
        raise Invalid("checksum")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise Invalid("birth date not a date") from None
    if born < date(1900, 1, 1) or born > as_of:
        raise Invalid("birth date out of range")
    return v  # unknown region code: warning only, the row is kept


# SPEC §2: each optionally followed by a time of day (Excel/WPS date-time cells); the date part counts.
_TIME = r"(?:(?: +|T)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?)?"
_DATE_FORMS = (
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})" + _TIME + "$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})" + _TIME + "$"),
    re.compile(r"^([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})" + _TIME + "$"),
    re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})" + _TIME + "$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日" + _TIME + "$"),
)


def parse_date(value: str) -> date:
    for form in _DATE_FORMS:
        m = form.match(value)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise Invalid("not a real date") from None
    raise Invalid("date spelling")


_TRUE = {"是", "y", "yes", "true", "1"}
_FALSE = {"否", "n", "no", "false", "0"}


def parse_bool(value: str) -> bool:
    v = value.lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise Invalid("boolean")


_LEVELS = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "一级": 1,
    "二级": 2,
    "三级": 3,
    "四级": 4,
    "五级": 5,
    "高级技师": 1,
    "技师": 2,
    "高级工": 3,
    "中级工": 4,
    "初级工": 5,
}


def parse_level(value: str) -> int | None:
    if value == "":
        return None
    if value in _LEVELS:
        return _LEVELS[value]
    raise Invalid("level")


_SIZES = {
    "大型": "large",
    "中型": "medium",
    "小型": "small",
    "微型": "micro",
    "large": "large",
    "medium": "medium",
    "small": "small",
    "micro": "micro",
}


def parse_size(value: str) -> str:
    v = value.lower()
    if v in _SIZES:
        return _SIZES[v]
    raise Invalid("size")


def parse_int0(value: str) -> int:
    if not re.fullmatch(r"[0-9]+", value):
        raise Invalid("integer >= 0")
    return int(value)


def parse_uscc(value: str) -> str:
    if not _uscc.is_valid(value):
        raise Invalid("uscc")
    return _uscc.compact(value)


def parse_kind(value: str) -> str:
    v = {"吸纳就业补助": "employer", "职业介绍补贴": "agency"}.get(value, value.lower())
    if v in ("employer", "agency"):
        return v
    raise Invalid("kind")


def parse_amount(value: str):
    from decimal import Decimal

    if not re.fullmatch(r"([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]{1,2})?元?", value):
        raise Invalid("amount")
    return Decimal(value.replace(",", "").removesuffix("元"))


COMPETITION_LEVELS = {
    "国家级": "national",
    "省级": "provincial",
    "市级": "city",
    "县级": "county",
    "national": "national",
    "provincial": "provincial",
    "city": "city",
    "county": "county",
}
LEVEL_ORDER = ("national", "provincial", "city", "county")


def parse_competition_level(value: str) -> str:
    """SPEC §7 level: the four Chinese words or the four English ones (case-insensitive)."""
    v = COMPETITION_LEVELS.get(value, COMPETITION_LEVELS.get(value.lower()))
    if v is None:
        raise Invalid("competition_level_invalid")
    return v


NO_AWARD = frozenset({"", "无", "未获奖", "参赛"})


def has_award(value: str | None) -> bool:
    """SPEC §7 award: empty, 无, 未获奖 or 参赛 mean no award; anything else is an award.
    `value` is the cell after the usual trim + NFKC (None when the column is absent)."""
    return value is not None and value not in NO_AWARD


def parse_value(typ: str, value: str, as_of: date):
    if typ == TEXT:
        return value
    return {
        RID: lambda v: parse_rid(v, as_of),
        DATE: parse_date,
        BOOL: parse_bool,
        LEVEL: parse_level,
        SIZE: parse_size,
        INT0: parse_int0,
        USCC: parse_uscc,
        KIND: parse_kind,
        AMOUNT: parse_amount,
        CLEVEL: parse_competition_level,
    }[typ](value)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileError(f"cannot decode: {exc}") from None


def map_header(ledger: str, header: list[str]) -> dict[str, int]:
    schema = SCHEMAS[ledger]
    lookup = {}
    for name, (zh, *_rest) in schema.items():
        lookup[name] = name
        lookup[norm_header(zh)] = name
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = lookup.get(norm_header(cell))
        if name is None:
            continue  # extra column, ignored
        if name in columns:
            raise FileError(f"column {name} named twice")
        columns[name] = i
    missing = [n for n, (_zh, col_req, _v, _t) in schema.items() if col_req and n not in columns]
    if missing:
        raise FileError(f"missing columns {missing}")
    return columns


@dataclass
class Row:
    file: str
    line: int
    values: dict  # canonical name -> typed value (None when empty/absent)


@dataclass
class LedgerResult:
    rows: int = 0
    accepted: list = field(default_factory=list)
    rejected: list = field(default_factory=list)  # (file, line, reason)
    duplicates: list = field(default_factory=list)  # (file, line, (first file, first line))

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "duplicates": len(self.duplicates),
        }


def _records(text: str):
    """Yield (start line, cells) for every CSV record; line numbers are physical lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    prev = 0
    for cells in reader:
        start = prev + 1
        prev = reader.line_num
        yield start, cells


def validate_row(ledger: str, columns: dict[str, int], cells: list[str], as_of: date):
    """Return (typed values, None) or (None, reason)."""
    schema = SCHEMAS[ledger]
    values = {}
    errors = []
    for name, (_zh, _col_req, val_req, typ) in schema.items():
        if name not in columns:
            values[name] = None
            continue
        i = columns[name]
        raw = norm_cell(cells[i]) if i < len(cells) else ""
        if raw == "":
            if val_req:
                errors.append(f"{name}: required")
            values[name] = None if typ != TEXT else ""
            continue
        try:
            values[name] = parse_value(typ, raw, as_of)
        except Invalid as exc:
            errors.append(f"{name}: {exc}")
            values[name] = None
    if (
        ledger == "trainings"
        and values["start_date"]
        and values["end_date"]
        and values["end_date"] < values["start_date"]
    ):
        errors.append("end_date < start_date")
    if ledger == "hires":
        if (
            values["separation_date"]
            and values["hire_date"]
            and values["separation_date"] < values["hire_date"]
        ):
            errors.append("separation_date < hire_date")
        if values.get("agency_id") and values.get("in_province") is None:
            errors.append("in_province needed when agency_id is set")
    if errors:
        return None, "; ".join(errors)
    return values, None


def ledger_files(data_dir: Path, ledger: str) -> list[Path]:
    return sorted((p for p in Path(data_dir).glob(f"{ledger}*.csv") if p.is_file()), key=lambda p: p.name)


def read_ledger(data_dir: Path, ledger: str, as_of: date) -> LedgerResult:
    result = LedgerResult()
    files = ledger_files(data_dir, ledger)
    if not files and ledger not in ("payouts",) + OPTIONAL_LEDGERS:
        raise FileError(f"no {ledger}*.csv")
    seen: dict[tuple, tuple[str, int]] = {}
    for path in sorted(files, key=lambda p: p.name):
        text = decode(path.read_bytes())
        records = _records(text)
        header = None
        for line, cells in records:
            if header is None:
                if all(norm_cell(c) == "" for c in cells):
                    continue  # leading blank lines before the header
                header = cells
                columns = map_header(ledger, header)
                continue
            if all(norm_cell(c) == "" for c in cells[: len(header)]):
                continue  # all-empty record (cells beyond the header ignored): skipped, not counted
            result.rows += 1
            values, reason = validate_row(ledger, columns, cells, as_of)
            if values is None:
                result.rejected.append((path.name, line, reason))
                continue
            key = tuple(values[k] for k in KEYS[ledger])
            if key in seen:
                result.duplicates.append((path.name, line, seen[key]))
                continue
            seen[key] = (path.name, line)
            result.accepted.append(Row(path.name, line, values))
        if header is None:
            raise FileError(f"{path.name}: no header")
    return result


def read_all(data_dir: Path, as_of: date) -> dict[str, LedgerResult]:
    """The four ledgers of §2, plus "competitions" only when a competitions* file exists (§7)."""
    out = {ledger: read_ledger(data_dir, ledger, as_of) for ledger in LEDGERS}
    for ledger in OPTIONAL_LEDGERS:
        if ledger_files(data_dir, ledger):
            out[ledger] = read_ledger(data_dir, ledger, as_of)
    return out


# ---------------------------------------------------------------------------------------------
# Counting (SPEC §3)
# ---------------------------------------------------------------------------------------------


def period_bounds(year: int | None = None, period: str | None = None) -> tuple[date, date]:
    if year is not None:
        return date(year, 1, 1), date(year, 12, 31)
    a, b = period.split("-")
    return date(int(a), 1, 1), date(int(b), 12, 31)


def progress(ledgers: dict[str, LedgerResult], start: date, end: date, as_of: date) -> dict:
    w_end = min(end, as_of)

    def inside(d):
        return d is not None and start <= d <= w_end

    trainings = [r.values for r in ledgers["trainings"].accepted if inside(r.values["end_date"])]
    certs_all = [r.values for r in ledgers["certificates"].accepted]
    certs = [c for c in certs_all if inside(c["issue_date"])]
    hires = [r.values for r in ledgers["hires"].accepted if inside(r.values["hire_date"])]

    def held_at(person, day):
        return any(c["person_id"] == person and c["issue_date"] <= day for c in certs_all)

    certified = [h for h in hires if held_at(h["person_id"], h["hire_date"])]
    actual = {
        "training": len(trainings),
        "subsidized_training": sum(1 for t in trainings if t["subsidized"]),
        "skilled": len({c["person_id"] for c in certs}),
        "high_skilled": len({c["person_id"] for c in certs if c["level"] in (1, 2, 3)}),
        "employment": len({h["person_id"] for h in hires}),
        "certified_employment": (len(certified) / len(hires)) if hires else None,
    }
    result = {"actual": actual}
    if "competitions" in ledgers:  # §7: without the ledger the three metrics are absent, not zero
        counted = competition_counted(competition_rows(ledgers, start, w_end))
        actual.update({key: len(rows) for key, rows in counted.items()})
        by_level = group_counts(counted, lambda r: r.values["level"])
        result["levels"] = {
            level: by_level.get(level, dict.fromkeys(COMPETITION_METRICS, 0)) for level in LEVEL_ORDER
        }
    period_days = (end - start).days + 1
    window_days = max(0, (w_end - start).days + 1)
    result["time_progress"] = window_days / period_days
    result["data"] = {k: v.counts() for k, v in ledgers.items()}
    return result


# ---------------------------------------------------------------------------------------------
# Competitions (SPEC §7) and breakdowns
# ---------------------------------------------------------------------------------------------

NO_TOWNSHIP = "（未填乡镇）"  # README: rows without a township
UNRECOGNISED = "未识别乡镇"  # SPEC §2: a township not in targets.yaml's township_names


def competition_rows(ledgers: dict[str, LedgerResult], start: date, w_end: date) -> list[Row]:
    """Accepted competitions rows with end_date in the window start … w_end (w_end already cut at as-of)."""
    return [r for r in ledgers["competitions"].accepted if start <= r.values["end_date"] <= w_end]


def _order(row: Row) -> tuple:
    """First qualifying row: earliest date, ties by file (files are read in name order), then line."""
    return (row.values["end_date"], row.file, row.line)


def first_rows(rows: list[Row], ident) -> list[Row]:
    """One row per distinct ident(row): its first qualifying row (see `_order`)."""
    firsts: dict = {}
    for row in sorted(rows, key=_order):
        firsts.setdefault(ident(row), row)
    return list(firsts.values())


def competition_counted(rows: list[Row]) -> dict[str, list[Row]]:
    """Per §7 metric, the rows that count it: every row for participants (人次), the first row of each
    distinct competition_id, and the first *award* row of each distinct person for winners."""
    return {
        "competitions": first_rows(rows, lambda r: r.values["competition_id"]),
        "competition_participants": list(rows),
        "competition_winners": first_rows(
            [r for r in rows if has_award(r.values["award"])], lambda r: r.values["person_id"]
        ),
    }


def group_counts(counted: dict[str, list[Row]], group) -> dict[str, dict[str, int]]:
    """{group label: {metric: count}} over the counted rows (a label appears when a row falls in it)."""
    out: dict[str, dict[str, int]] = {}
    for metric, rows in counted.items():
        for row in rows:
            out.setdefault(group(row), dict.fromkeys(counted, 0))[metric] += 1
    return out


def township_group(value: str | None, names=None, aliases=None) -> str:
    """The --by township group of a township cell (already trimmed and NFKC-normalised)."""
    if not value:
        return NO_TOWNSHIP
    if names is None:
        return value
    aliases = {norm_cell(k): norm_cell(v) for k, v in (aliases or {}).items()}
    value = aliases.get(value, value)
    return value if value in {norm_cell(n) for n in names} else UNRECOGNISED


def group_of(by: str, day: date, township: str | None, names=None, aliases=None) -> str:
    if by == "township":
        return township_group(township, names, aliases)
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    raise ValueError(by)


def competition_breakdown(
    ledgers: dict[str, LedgerResult],
    start: date,
    end: date,
    as_of: date,
    by: str,
    township_names=None,
    township_aliases=None,
) -> dict[str, dict[str, int]] | None:
    """`progress --by township|month|quarter` for the three §7 metrics: {group: {metric: count}}, only
    groups that some counted row falls in; None when the ledger is absent."""
    if "competitions" not in ledgers:
        return None
    counted = competition_counted(competition_rows(ledgers, start, min(end, as_of)))
    return group_counts(
        counted,
        lambda r: group_of(by, r.values["end_date"], r.values["township"], township_names, township_aliases),
    )
