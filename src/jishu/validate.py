"""Validate one ledger file: raw string cells → typed columns of the accepted rows, and problems.

Every check works on a whole column, and carries a uint8 problem code per row (schema.ROW_CODES);
only bad rows ever become problem records. Columns with few distinct values (dates, yes/no, levels,
sizes, credit codes, months, townships) are checked once per distinct value through Arrow's
dictionary encoding; ID numbers are checked on their bytes with numpy, and only the cells that need
it are NFKC-normalised. A row with any `error` problem is rejected (SPEC §2, "Bad rows"); a
`warning` keeps the row. Duplicates and the as-of bound of birth dates are decided later, over all
files of a ledger (ledgers.py), because they depend on the other files and on --as-of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from jishu import schema
from jishu.dates import parse_dates
from jishu.hashing import key_hash
from jishu.ids import (
    birth_yyyymmdd,
    lengths,
    mask_value,
    resident_id_codes,
    scrub,
    unknown_regions,
    uscc_codes,
)
from jishu.lazy import pc
from jishu.problems import PROBLEM_SCHEMA, severity_of
from jishu.read import DATES, FileProblem, RawTable, normalise, normalise_header
from jishu.schema import CODE, ROW_CODES

BOOLEANS = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False,
            "true": True, "false": False, "1": True, "0": False}  # fmt: skip
# 高技能 (high-skilled) = level 1-3 (SPEC §2).
LEVELS = {str(i): i for i in range(1, 6)} | {
    "一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5,
    "高级技师": 1, "技师": 2, "高级工": 3, "中级工": 4, "初级工": 5,
}  # fmt: skip
SIZES = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro",
         "large": "large", "medium": "medium", "small": "small", "micro": "micro"}  # fmt: skip
KINDS = {"employer": "employer", "agency": "agency", "吸纳就业补助": "employer", "职业介绍补贴": "agency"}

_VALUE_WIDTH = 60  # offending values longer than this are cut in reports

TYPES = {
    schema.TEXT: pa.string(),
    schema.RESIDENT_ID: pa.int64(),
    schema.USCC: pa.string(),
    schema.DATE: pa.date32(),
    schema.INT: pa.int64(),
    schema.AMOUNT: pa.int64(),
    schema.BOOL: pa.bool_(),
    schema.LEVEL: pa.int8(),
    schema.SIZE: pa.string(),
    schema.KIND: pa.string(),
}
# Types checked once per distinct value (few distinct values even in millions of rows).
_BY_DICTIONARY = {schema.DATE, schema.BOOL, schema.LEVEL, schema.SIZE, schema.KIND, schema.INT, schema.USCC,
                  schema.AMOUNT}

# Columns jishu never reads: they can neither reject a row nor appear in a report.
UNUSED = {
    "trainings": {"name", "occupation", "provider"},
    "certificates": {"name", "cert_type", "occupation", "issuer"},
    "hires": set(),
    "payouts": set(),
}


class NeedAllColumns(Exception):
    """Some rows are empty in every column read; whether they are blank needs the other columns."""


@dataclass
class ValidatedFile:
    """One file after row validation: typed accepted rows (with `line`), its problems, its row count."""

    file: str
    table: pa.Table
    problems: pa.Table
    rows: int  # records read, blank and all-empty records not included
    latest_birth: int = 0  # the latest birth date (YYYYMMDD) among accepted rows


def used_columns(ledger: schema.Ledger) -> list[schema.Column]:
    return [c for c in ledger.columns if c.name not in UNUSED[ledger.name]]


def map_header(ledger: schema.Ledger, header: list[str]) -> dict[str, int]:
    """Canonical column name → position. Missing or repeated ledger columns make the file unusable."""
    names = {}
    for col in ledger.columns:
        names[col.name.lower()] = col.name
        names[normalise_header(col.zh)] = col.name
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        canonical = names.get(normalise_header(cell))
        if canonical:
            positions.setdefault(canonical, []).append(i)
    found = ", ".join(h.strip() for h in header)
    repeated = [header[p[1]].strip() for p in positions.values() if len(p) > 1]
    if repeated:
        raise FileProblem("header_duplicate", line=1, value=", ".join(repeated), detail=found)
    missing = [c for c in ledger.columns if c.header_required and c.name not in positions]
    if missing:
        wanted = ", ".join(f"{c.name}（{c.zh}）" for c in missing)
        if len(header) == 1:
            for sep in (";", "\t", "|", "；"):
                if sep in header[0]:
                    raise FileProblem(
                        "header_separator", line=1, value=wanted, detail=header[0][:80], column=repr(sep)[1:-1]
                    )
        raise FileProblem("header_missing", line=1, value=wanted, detail=found or "（无 / none）")
    return {name: p[0] for name, p in positions.items()}


def selector(ledger: schema.Ledger):
    """For read_table: the positions of the columns jishu uses (unknown headers are left unread),
    each with whether it is checked by distinct value (then read dictionary-encoded: see
    check_column; its cells are never held as one string per row)."""

    def select(header: list[str]) -> dict:
        positions = map_header(ledger, header)
        return {positions[c.name]: DATES if c.type == schema.DATE else by_dictionary(c)
                for c in used_columns(ledger) if c.name in positions}

    return select


_FEW_TEXTS = {"township", "employer_name", "agency_name"}  # text columns where values repeat a lot


def by_dictionary(col: schema.Column) -> bool:
    """Columns of few distinct values (dates, yes/no, levels, codes, townships, employer and agency
    names): each distinct value is checked once."""
    return col.type in _BY_DICTIONARY or (col.type == schema.TEXT and col.name in _FEW_TEXTS)


def filled(cells: pa.Array) -> np.ndarray:
    """Whether each cell holds at least one byte (plain or dictionary-encoded strings; read as dates,
    whether the date is there)."""
    if pa.types.is_date32(cells.type):
        return pc.is_valid(cells).to_numpy(zero_copy_only=False)
    if pa.types.is_dictionary(cells.type):
        return (lengths(cells.dictionary) > 0)[cells.indices.to_numpy(zero_copy_only=False)]
    return lengths(cells) > 0


# ---------------------------------------------------------------- column checks


def _lookup(values: pa.Array, vocabulary: dict) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value in a vocabulary (case-insensitive; -1 when unknown) and its meanings."""
    keys = list(vocabulary)
    index = pc.index_in(pc.utf8_lower(values), value_set=pa.array(keys))
    return pc.fill_null(index, -1).to_numpy(), np.array([vocabulary[k] for k in keys], dtype=object)


def convert(col: schema.Column, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Typed values and a problem code (uint8, 0 = fine) for non-null normalised strings.
    (ID numbers have their own path, _check_ids, which normalises only the cells that need it.)"""
    n = len(values)
    kind = col.type
    ok_code = np.zeros(n, dtype=np.uint8)
    if kind == schema.TEXT:
        return values, ok_code
    if kind == schema.USCC:
        return uscc_codes(values)
    if kind == schema.DATE:
        dates, code = parse_dates(values)
        return pa.array(dates, pa.date32()), code
    if kind == schema.INT:
        ok = pc.match_substring_regex(values, r"^[0-9]{1,9}$").to_numpy(zero_copy_only=False)
        numbers = pc.cast(pc.if_else(pa.array(ok), values, "0"), pa.int64())
        return numbers, np.where(ok, 0, CODE["int_invalid"]).astype(np.uint8)
    if kind == schema.AMOUNT:
        plain = pc.replace_substring_regex(values, r"^([0-9]{1,3}(?:,[0-9]{3})+)(\.[0-9]{1,2})?$", r"\1\2")
        plain = pc.replace_substring(plain, ",", "") if pc.any(pc.match_substring(values, ",")).as_py() else plain
        parts = pc.extract_regex(plain, r"^(?P<yuan>[0-9]{1,12})(?:\.(?P<fen>[0-9]{1,2}))?$")
        ok = pc.is_valid(parts).to_numpy(zero_copy_only=False)
        yuan = pc.cast(pc.if_else(pa.array(ok), parts.field("yuan"), "0"), pa.int64())
        fen_text = pc.utf8_rpad(pc.if_else(pc.and_(pa.array(ok), pc.not_equal(parts.field("fen"), "")),
                                           parts.field("fen"), "0"), 2, "0")
        fen = pc.add(pc.multiply(yuan, 100), pc.cast(fen_text, pa.int64()))
        return fen, np.where(ok, 0, CODE["amount_invalid"]).astype(np.uint8)
    vocab, bad, out_type = {
        schema.BOOL: (BOOLEANS, "bool_invalid", pa.bool_()),
        schema.LEVEL: (LEVELS, "level_invalid", pa.int8()),
        schema.SIZE: (SIZES, "size_invalid", pa.string()),
        schema.KIND: (KINDS, "kind_invalid", pa.string()),
    }[kind]
    index, targets = _lookup(values, vocab)
    ok = index >= 0
    typed = np.where(ok, targets[np.where(ok, index, 0)], None)
    return pa.array(typed.tolist(), out_type), np.where(ok, 0, CODE[bad]).astype(np.uint8)


def _scatter(typed: pa.Array, present: np.ndarray, dtype: pa.DataType) -> pa.Array:
    """Values of the rows with a value, back at their positions; null elsewhere."""
    if present.all():
        return typed.cast(dtype) if typed.type != dtype else typed
    positions = np.full(len(present), -1, dtype=np.int64)
    positions[present] = np.arange(int(present.sum()))
    return typed.take(pa.array(positions, mask=~present)).cast(dtype)


@dataclass
class Checked:
    """One column checked: typed values (null when missing or bad), whether a value was given,
    the problem code per row, and the normalised text (per row, or per distinct value + indices)."""

    typed: pa.Array
    present: np.ndarray
    code: np.ndarray
    text: pa.Array
    indices: pa.Array | None = None

    def text_of(self, rows: np.ndarray) -> pa.Array:
        """The normalised text of some rows (for showing offending values)."""
        rows = pa.array(rows, pa.int64())
        if self.text is None:  # dates read as dates: they were written in ISO form
            return pc.cast(self.typed.take(rows), pa.string())
        return self.text.take(self.indices.take(rows) if self.indices is not None else rows)


def _check_plain(col: schema.Column, raw: pa.Array) -> Checked:
    """Normalise every cell, then convert the non-empty ones."""
    text = normalise(raw)
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    given = text.filter(pa.array(present)) if not present.all() else text
    typed, code = convert(col, given)
    full_code = np.zeros(len(raw), dtype=np.uint8)
    full_code[present] = code
    return Checked(_scatter(typed, present, TYPES[col.type]), present, full_code, text)


def _check_by_dictionary(col: schema.Column, raw: pa.Array) -> Checked:
    """Check each distinct cell once, then spread the results over the rows."""
    encoded = raw if pa.types.is_dictionary(raw.type) else pc.dictionary_encode(raw)
    distinct = _check_plain(col, encoded.dictionary)
    indices = encoded.indices
    n = len(indices)
    if distinct.present.all() and not distinct.code.any():  # the usual: every distinct value given and fine
        present, code = np.ones(n, dtype=bool), np.zeros(n, dtype=np.uint8)
    else:
        positions = indices.to_numpy(zero_copy_only=False)
        present, code = distinct.present[positions], distinct.code[positions]
    return Checked(distinct.typed.take(indices), present, code, distinct.text, indices)


def _check_ids(col: schema.Column, raw: pa.Array) -> Checked:
    """ID numbers: the usual 18-character cells are checked on their bytes as they are; only the
    cells that fail are normalised (resident_id_codes), and a cell that is blank after that is empty."""
    present = lengths(raw) > 0
    given = raw.filter(pa.array(present)) if not present.all() else raw
    person, code = resident_id_codes(given)
    full_code = np.zeros(len(raw), dtype=np.uint8)
    full_code[present] = code
    failed = np.flatnonzero(full_code != 0)
    if len(failed):
        blank = pc.is_null(normalise(raw.take(pa.array(failed)))).to_numpy(zero_copy_only=False)
        present[failed[blank]] = False
        full_code[failed[blank]] = 0
    return Checked(_scatter(pa.array(person, pa.int64()), lengths(raw) > 0, pa.int64()), present, full_code, raw)


def _check_text(col: schema.Column, raw: pa.Array) -> Checked:
    """Text: ASCII columns only need trimming; others are NFKC-normalised as well."""
    if pc.all(pc.string_is_ascii(raw)).as_py() is not False:
        text = pc.ascii_trim_whitespace(raw)
        present = lengths(text) > 0
        text = pc.if_else(pa.array(present), text, pa.scalar(None, pa.string())) if not present.all() else text
        return Checked(text, present, np.zeros(len(raw), dtype=np.uint8), text)
    return _check_plain(col, raw)


def check_column(col: schema.Column, raw: pa.Array) -> Checked:
    if pa.types.is_date32(raw.type):  # ISO dates pyarrow has read and checked as real dates
        present = pc.is_valid(raw).to_numpy(zero_copy_only=False)
        return Checked(raw, present, np.zeros(len(raw), dtype=np.uint8), None)
    if col.type == schema.RESIDENT_ID:
        return _check_ids(col, raw)
    if by_dictionary(col):
        return _check_by_dictionary(col, raw)
    if col.type == schema.TEXT:
        return _check_text(col, raw)
    return _check_plain(col, raw)


# ---------------------------------------------------------------- problems


class _Problems:
    """Problems found while validating one file, collected column by column."""

    def __init__(self, file: str, lines: np.ndarray):
        self.file = file
        self.lines = lines
        self.parts: list[tuple[np.ndarray, str, list, np.ndarray, list]] = []

    def add(self, rows: np.ndarray, column: str, values: list, codes, details: list | None = None):
        if len(rows):
            names = np.asarray(codes) if not isinstance(codes, str) else np.full(len(rows), codes, dtype=object)
            if names.dtype != object:
                names = np.array(ROW_CODES, dtype=object)[names]
            self.parts.append((rows, column, values, names, details or [""] * len(rows)))

    def error_rows(self) -> np.ndarray:
        bad = [rows[np.array([severity_of(c) == "error" for c in codes], dtype=bool)]
               for rows, _, _, codes, _ in self.parts]
        return np.unique(np.concatenate(bad)) if bad else np.zeros(0, dtype=np.int64)

    def table(self) -> pa.Table:
        if not self.parts:
            return PROBLEM_SCHEMA.empty_table()
        rows = np.concatenate([p[0] for p in self.parts])
        columns = [c for p in self.parts for c in [p[1]] * len(p[0])]
        values = [v for p in self.parts for v in p[2]]
        codes = np.concatenate([p[3] for p in self.parts]).tolist()
        details = [d for p in self.parts for d in p[4]]
        order = np.lexsort((np.arange(len(rows)), self.lines[rows]))
        return pa.table(
            {
                "file": pa.array([self.file] * len(rows), pa.string()),
                "line": pa.array(self.lines[rows][order], pa.int64()),
                "column": pa.array([columns[i] for i in order], pa.string()),
                "value": pa.array([values[i] for i in order], pa.string()),
                "code": pa.array([codes[i] for i in order], pa.string()),
                "severity": pa.array([severity_of(codes[i]) for i in order], pa.string()),
                "detail": pa.array([details[i] for i in order], pa.string()),
            },
            schema=PROBLEM_SCHEMA,
        )


def shown(values: pa.Array, is_id: bool) -> list[str]:
    """Offending values as shown in reports: IDs masked, long values cut."""
    out = []
    for v in values.to_pylist():
        v = "" if v is None else v.strip()
        v = mask_value(v) if is_id else scrub(v)
        out.append(v if len(v) <= _VALUE_WIDTH else v[: _VALUE_WIDTH - 1] + "…")
    return out


# ---------------------------------------------------------------- a whole file


def _nonblank(raw: RawTable) -> np.ndarray:
    """Records with at least one cell that is not empty (whitespace-only cells are settled later).

    When some columns were not read, a record empty in every column read may still hold something
    in the others: unless it is one of the known blank lines at the end, they must be read."""
    nonempty = np.zeros(raw.num_rows, dtype=bool)
    empty = np.arange(raw.num_rows)  # rows with nothing found so far: usually none after one column
    for column in raw.columns:
        if column is not None and len(empty):
            found = filled(column.take(pa.array(empty)) if len(empty) < raw.num_rows else column)
            nonempty[empty[found]] = True
            empty = empty[~found]
    if not raw.complete:
        known_blank = raw.num_rows if raw.blank_from is None else raw.blank_from
        if not nonempty[:known_blank].all():
            raise NeedAllColumns()
    return nonempty


def validate_table(ledger: schema.Ledger, raw: RawTable, file: str) -> ValidatedFile:
    positions = map_header(ledger, raw.header)
    keep = np.flatnonzero(_nonblank(raw))
    lines = raw.lines[keep]
    n = len(keep)
    take = pa.array(keep) if n != raw.num_rows else None
    problems = _Problems(file, lines)
    typed: dict[str, pa.Array] = {}
    checked: dict[str, Checked] = {}
    for col in used_columns(ledger):
        if col.name not in positions:
            typed[col.name] = pa.nulls(n, TYPES[col.type])
            continue
        cells = raw.columns[positions[col.name]]
        result = check_column(col, cells.take(take) if take is not None else cells)
        checked[col.name] = result
        typed[col.name] = result.typed
    blank = _whitespace_only(raw, positions, checked, take, n)
    for col in used_columns(ledger):
        if col.name not in checked:
            continue
        result = checked[col.name]
        if col.value_required:
            rows = np.flatnonzero(~result.present & ~blank)
            problems.add(rows, col.name, [""] * len(rows), "required_missing")
        rows = np.flatnonzero((result.code != 0) & ~blank)
        if len(rows):
            problems.add(rows, col.name, shown(result.text_of(rows), col.type == schema.RESIDENT_ID),
                         result.code[rows])
        if col.type == schema.RESIDENT_ID:
            valid = np.flatnonzero(result.present & (result.code == 0) & ~blank)
            person = result.typed.take(pa.array(valid)).to_numpy()
            unknown = unknown_regions(person)
            if unknown.any():
                rows = valid[unknown]
                problems.add(rows, col.name, shown(result.text_of(rows), True), "id_region_unknown",
                             [f"{p // 10**11:06d}" for p in person[unknown].tolist()])
    _check_date_order(ledger, checked, problems, blank)
    _check_agency(ledger, checked, positions, problems, blank)
    accepted = ~blank
    accepted[problems.error_rows()] = False
    table = pa.table({"line": pa.array(lines, pa.int32())} | typed)  # int32: 4 bytes a row less on 35M rows
    if not accepted.all():
        table = table.filter(pa.array(accepted))
    table = table.append_column("key_hash", pa.array(key_hash(table, list(ledger.key)), pa.uint64()))
    births = birth_yyyymmdd(table["person_id"].to_numpy(zero_copy_only=False)) if table.num_rows else [0]
    return ValidatedFile(file, table, problems.table(), int(n - blank.sum()), int(np.max(births)))


def _whitespace_only(raw: RawTable, positions, checked, take, n) -> np.ndarray:
    """Rows whose cells are all blank after trimming (e.g. full-width spaces): skipped like ,,,, rows.

    Only rows where every checked column is empty can be such rows; their other cells are looked at
    here, or, when some columns were not read (RawTable.complete is False), the caller reads them.
    """
    candidate = np.ones(n, dtype=bool)
    for result in checked.values():
        candidate &= ~result.present
    if not candidate.any():
        return candidate
    if not raw.complete:
        raise NeedAllColumns()
    rows = np.flatnonzero(candidate)
    pick = pa.array(rows if take is None else take.to_numpy()[rows])
    done = {positions[name] for name in checked}
    for i, column in enumerate(raw.columns):
        if i not in done:
            candidate[rows] &= pc.is_null(normalise(column.take(pick))).to_numpy(zero_copy_only=False)
    return candidate


def _check_date_order(ledger, checked, problems: _Problems, blank) -> None:
    for later, earlier in schema.DATE_ORDER.get(ledger.name, ()):
        if later not in checked or earlier not in checked:
            continue
        wrong = pc.fill_null(pc.less(checked[later].typed, checked[earlier].typed), False).to_numpy(
            zero_copy_only=False)
        rows = np.flatnonzero(wrong & ~blank)
        if len(rows):
            earlier_values = shown(checked[earlier].text_of(rows), False)
            problems.add(rows, later, shown(checked[later].text_of(rows), False), "date_order",
                         [f"{earlier}={v}" for v in earlier_values])


def _check_agency(ledger, checked, positions, problems: _Problems, blank) -> None:
    """in_province is needed when agency_id is set (SPEC §2, hires). A value that is not yes/no is
    already a bool_invalid problem, so only an empty cell (or no column) counts as missing."""
    if ledger.name != "hires" or "agency_id" not in checked:
        return
    empty = ~checked["in_province"].present if "in_province" in checked else np.ones(len(blank), dtype=bool)
    rows = np.flatnonzero(checked["agency_id"].present & empty & ~blank)
    if len(rows):
        problems.add(rows, "in_province", [""] * len(rows), "in_province_missing")
