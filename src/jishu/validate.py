"""Validate one ledger file: raw string cells → typed columns of the accepted rows, and problems.

Every check works on a whole column. A row with any `error` problem is rejected (SPEC §2, "Bad
rows"); a `warning` keeps the row. Duplicates and the as-of bound of birth dates are decided later,
over all files of a ledger (ledgers.py), because they depend on the other files and on --as-of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jishu import schema
from jishu.dates import parse_dates
from jishu.ids import mask_value, resident_id_codes, scrub, unknown_regions, uscc_codes
from jishu.problems import PROBLEM_SCHEMA, severity_of
from jishu.read import FileProblem, RawTable, normalise, normalise_header

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


@dataclass
class ValidatedFile:
    """One file after row validation: typed accepted rows (with `line`), its problems, its row count."""

    file: str
    table: pa.Table
    problems: pa.Table
    rows: int  # records read, blank and all-empty records not included


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


def _lookup(values: pa.Array, vocabulary: dict) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value in a vocabulary (case-insensitive; -1 when unknown) and its meanings."""
    keys = list(vocabulary)
    index = pc.index_in(pc.utf8_lower(values), value_set=pa.array(keys))
    return pc.fill_null(index, -1).to_numpy(), np.array([vocabulary[k] for k in keys], dtype=object)


def _convert(col: schema.Column, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Typed values and a problem code ("" = fine) for non-null normalised strings of one column."""
    n = len(values)
    kind = col.type
    if kind == schema.TEXT:
        return values, np.full(n, "", dtype=object)
    if kind == schema.RESIDENT_ID:
        person, code = resident_id_codes(values)
        return pa.array(person, pa.int64()), code
    if kind == schema.USCC:
        upper, code = uscc_codes(values)
        return upper, code
    if kind == schema.DATE:
        dates, code = parse_dates(values)
        return pa.array(dates, pa.date32()), code
    if kind == schema.INT:
        ok = pc.match_substring_regex(values, r"^[0-9]{1,9}$").to_numpy(zero_copy_only=False)
        numbers = pc.cast(pc.if_else(pa.array(ok), values, "0"), pa.int64())
        return numbers, np.where(ok, "", "int_invalid").astype(object)
    if kind == schema.AMOUNT:
        plain = pc.replace_substring_regex(values, r"^([0-9]{1,3}(?:,[0-9]{3})+)(\.[0-9]{1,2})?$", r"\1\2")
        plain = pc.replace_substring(plain, ",", "") if pc.any(pc.match_substring(values, ",")).as_py() else plain
        parts = pc.extract_regex(plain, r"^(?P<yuan>[0-9]{1,12})(?:\.(?P<fen>[0-9]{1,2}))?$")
        ok = pc.is_valid(parts).to_numpy(zero_copy_only=False)
        yuan = pc.cast(pc.if_else(pa.array(ok), parts.field("yuan"), "0"), pa.int64())
        fen_text = pc.utf8_rpad(pc.if_else(pc.and_(pa.array(ok), pc.not_equal(parts.field("fen"), "")),
                                           parts.field("fen"), "0"), 2, "0")
        fen = pc.add(pc.multiply(yuan, 100), pc.cast(fen_text, pa.int64()))
        return fen, np.where(ok, "", "amount_invalid").astype(object)
    vocab, bad, out_type = {
        schema.BOOL: (BOOLEANS, "bool_invalid", pa.bool_()),
        schema.LEVEL: (LEVELS, "level_invalid", pa.int8()),
        schema.SIZE: (SIZES, "size_invalid", pa.string()),
        schema.KIND: (KINDS, "kind_invalid", pa.string()),
    }[kind]
    index, targets = _lookup(values, vocab)
    ok = index >= 0
    typed = np.where(ok, targets[np.where(ok, index, 0)], None)
    return pa.array(typed.tolist(), out_type), np.where(ok, "", bad).astype(object)


def _scatter(typed: pa.Array, present: np.ndarray, n: int, dtype: pa.DataType) -> pa.Array:
    """Put values of the non-null rows back at their positions, null elsewhere."""
    if present.all():
        return typed.cast(dtype) if typed.type != dtype else typed
    positions = np.full(n, -1, dtype=np.int64)
    positions[present] = np.arange(int(present.sum()))
    idx = pa.array(positions, mask=~present)
    return typed.take(idx).cast(dtype)


_TYPES = {
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


class _Problems:
    """Problems found while validating one file, collected column by column."""

    def __init__(self, file: str, lines: np.ndarray):
        self.file = file
        self.lines = lines
        self.parts: list[tuple[np.ndarray, str, list, np.ndarray, list]] = []

    def add(self, rows: np.ndarray, column: str, values: list, codes: np.ndarray, details: list | None = None):
        if len(rows):
            self.parts.append((rows, column, values, codes, details or [""] * len(rows)))

    def error_rows(self) -> np.ndarray:
        bad = [rows[np.array([severity_of(c) == "error" for c in codes], dtype=bool)] for rows, _, _, codes, _ in self.parts]
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
        v = "" if v is None else v
        v = mask_value(v) if is_id else scrub(v)
        out.append(v if len(v) <= _VALUE_WIDTH else v[: _VALUE_WIDTH - 1] + "…")
    return out


def validate_table(ledger: schema.Ledger, raw: RawTable, file: str) -> ValidatedFile:
    positions = map_header(ledger, raw.header)
    nonempty = np.zeros(raw.num_rows, dtype=bool)
    for column in raw.columns:
        nonempty |= pc.not_equal(pc.utf8_trim_whitespace(column), "").to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(nonempty)
    lines = raw.lines[keep]
    n = len(keep)
    take = pa.array(keep) if len(keep) != raw.num_rows else None
    problems = _Problems(file, lines)
    typed: dict[str, pa.Array] = {}
    text: dict[str, pa.Array] = {}
    for col in ledger.columns:
        if col.name not in positions:
            typed[col.name] = pa.nulls(n, _TYPES[col.type])
            continue
        cells = raw.columns[positions[col.name]]
        values = normalise(cells.take(take) if take is not None else cells)
        text[col.name] = values
        present = pc.is_valid(values).to_numpy(zero_copy_only=False)
        if col.value_required and not present.all():
            rows = np.flatnonzero(~present)
            problems.add(rows, col.name, [""] * len(rows), np.full(len(rows), "required_missing", dtype=object))
        given = values.filter(pa.array(present)) if not present.all() else values
        converted, codes = _convert(col, given)
        bad = np.flatnonzero(codes != "")
        if len(bad):
            rows = np.flatnonzero(present)[bad]
            details = None
            if col.type == schema.RESIDENT_ID:
                details = ["" for _ in bad]
            problems.add(rows, col.name, shown(given.take(pa.array(bad)), col.type == schema.RESIDENT_ID),
                         codes[bad], details)
        typed[col.name] = _scatter(converted, present, n, _TYPES[col.type])
        if col.type == schema.RESIDENT_ID:
            valid_ids = np.flatnonzero(present)[codes == ""]
            person = converted.to_numpy()[codes == ""]
            unknown = unknown_regions(person)
            if unknown.any():
                rows = valid_ids[unknown]
                problems.add(rows, col.name, shown(values.take(pa.array(rows)), True),
                             np.full(len(rows), "id_region_unknown", dtype=object),
                             [f"{p // 10**11:06d}" for p in person[unknown].tolist()])
    _check_date_order(ledger, typed, text, problems)
    _check_agency(ledger, typed, text, positions, problems)
    rejected = problems.error_rows()
    accepted = np.ones(n, dtype=bool)
    accepted[rejected] = False
    columns = {"line": pa.array(lines, pa.int64())} | typed
    table = pa.table(columns)
    if not accepted.all():
        table = table.filter(pa.array(accepted))
    return ValidatedFile(file, table, problems.table(), n)


def _check_date_order(ledger, typed, text, problems: _Problems) -> None:
    for later, earlier in schema.DATE_ORDER.get(ledger.name, ()):
        if later not in text or earlier not in text:
            continue
        wrong = pc.fill_null(pc.less(typed[later], typed[earlier]), False).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(wrong)
        if len(rows):
            earlier_values = shown(text[earlier].take(pa.array(rows)), False)
            problems.add(rows, later, shown(text[later].take(pa.array(rows)), False),
                         np.full(len(rows), "date_order", dtype=object),
                         [f"{earlier}={v}" for v in earlier_values])


def _check_agency(ledger, typed, text, positions, problems: _Problems) -> None:
    """in_province is needed when agency_id is set (SPEC §2, hires). A value that is not yes/no is
    already a bool_invalid problem, so only an empty cell (or no column) counts as missing."""
    if ledger.name != "hires" or "agency_id" not in positions:
        return
    empty = pc.is_null(text["in_province"]) if "in_province" in text else pa.array([True] * len(typed["agency_id"]))
    missing = pc.and_(pc.is_valid(text["agency_id"]), empty)
    rows = np.flatnonzero(missing.to_numpy(zero_copy_only=False))
    if len(rows):
        problems.add(rows, "in_province", [""] * len(rows), np.full(len(rows), "in_province_missing", dtype=object))
