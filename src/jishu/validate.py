"""Validate one raw table: raw string cells → typed columns of the accepted rows, and problems.

Every check works on a whole column, and carries a uint8 problem code per row (schema.ROW_CODES);
only bad rows ever become problem records. Columns with few distinct values (dates, yes/no, levels,
sizes, credit codes, months, townships) are checked once per distinct value through Arrow's
dictionary encoding; ID numbers are checked on their bytes with numpy, and only the cells that need
it are NFKC-normalised. A row with any `error` problem is rejected (SPEC §2, "Bad rows"); a
`warning` keeps the row. Duplicates and the as-of bound of birth dates are decided later, over all
files of a ledger (assemble.py), because they depend on the other files and on --as-of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from jishu import safe, schema
from jishu.fast.arrays import lengths
from jishu.fast.hashing import key_hash
from jishu.fast.lazy import pc
from jishu.model import PROBLEM_SCHEMA, severity_of
from jishu.read import DATES, IDS, RawTable, Unusable
from jishu.read.shape import FOOTER_WORDS
from jishu.schema import ROW_CODES
from jishu.values import (
    amounts_fen,
    birth_yyyymmdd,
    in_vocabulary,
    mask_value,
    normalise,
    normalise_header,
    parse_dates,
    resident_id_codes,
    unknown_regions,
    uscc_codes,
    whole_numbers,
)

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
    schema.COMPETITION_LEVEL: pa.string(),
}
# Types checked once per distinct value (few distinct values even in millions of rows).
_BY_DICTIONARY = {
    schema.DATE,
    schema.BOOL,
    schema.LEVEL,
    schema.SIZE,
    schema.KIND,
    schema.INT,
    schema.USCC,
    schema.AMOUNT,
    schema.COMPETITION_LEVEL,
}


@dataclass
class ValidatedFile:
    """One table (a file, or a sheet of a workbook) after row validation: typed accepted rows (with
    `line`), its problems, its row count."""

    file: str
    table: pa.Table
    problems: pa.Table
    rows: int  # records read: blank, total and footer rows not included
    latest_birth: int = 0  # the latest birth date (YYYYMMDD) among accepted rows
    sheet: str = ""
    footer: list[int] = field(default_factory=list)  # rows skipped as totals or footers (合计, 制表人：…)
    encoding: str = ""  # the encoding the file was read in (a CSV file's)


def map_header(ledger: schema.Ledger, header: list[str]) -> dict[str, int] | Unusable:
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
        return Unusable("header_duplicate", line=1, value=", ".join(repeated), detail=found)
    missing = [c for c in ledger.columns if c.header_required and c.name not in positions]
    if missing:
        wanted = ", ".join(f"{c.name}（{c.zh}）" for c in missing)
        if len(header) == 1:
            for sep in (";", "\t", "|", "；"):
                if sep in header[0]:
                    return Unusable(
                        "header_separator",
                        line=1,
                        value=wanted,
                        detail=header[0][:80],
                        column=repr(sep)[1:-1],
                    )
        return Unusable("header_missing", line=1, value=wanted, detail=found or "（无 / none）")
    return {name: p[0] for name, p in positions.items()}


def selector(ledger: schema.Ledger, everything: bool = False):
    """For a reader: the positions of the columns jishu uses (unknown headers are left unread, unless
    `everything`), each with how to read it: dates as dates where the source can, IDs as IDs, and
    whether it is checked by distinct value (then read dictionary-encoded: see check_column; its
    cells are never held as one string per row)."""

    def select(header: list[str]) -> dict | Unusable:
        positions = map_header(ledger, header)
        if isinstance(positions, Unusable):
            return positions
        kinds = {schema.DATE: DATES, schema.RESIDENT_ID: IDS}
        wanted = {
            positions[c.name]: kinds.get(c.type, by_dictionary(c)) for c in ledger.used if c.name in positions
        }
        return (dict.fromkeys(range(len(header)), False) | wanted) if everything else wanted

    return select


def by_dictionary(col: schema.Column) -> bool:
    """Columns of few distinct values (dates, yes/no, levels, codes, townships, employer and agency
    names): each distinct value is checked once."""
    return col.type in _BY_DICTIONARY or (col.type == schema.TEXT and col.repeats)


def filled(cells: pa.Array) -> np.ndarray:
    """Whether each cell holds at least one byte (plain or dictionary-encoded strings; read as dates,
    whether the date is there)."""
    if pa.types.is_date32(cells.type):
        return pc.is_valid(cells).to_numpy(zero_copy_only=False)
    if pa.types.is_dictionary(cells.type):
        return (lengths(cells.dictionary) > 0)[cells.indices.to_numpy(zero_copy_only=False)]
    return lengths(cells) > 0


# ---------------------------------------------------------------- column checks


def convert(col: schema.Column, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Typed values and a problem code (uint8, 0 = fine) for non-null normalised strings.
    (ID numbers have their own path, _check_ids, which normalises only the cells that need it.)"""
    kind = col.type
    if kind == schema.TEXT:
        return values, np.zeros(len(values), dtype=np.uint8)
    if kind == schema.USCC:
        return uscc_codes(values)
    if kind == schema.DATE:
        dates, code = parse_dates(values)
        return pa.array(dates, pa.date32()), code
    if kind == schema.INT:
        return whole_numbers(values)
    if kind == schema.AMOUNT:
        return amounts_fen(values)
    vocabulary, bad = schema.VOCABULARIES[kind]
    return in_vocabulary(values, vocabulary, bad, TYPES[kind])


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
    return Checked(
        _scatter(pa.array(person, pa.int64()), lengths(raw) > 0, pa.int64()), present, full_code, raw
    )


def _check_text(col: schema.Column, raw: pa.Array) -> Checked:
    """Text: ASCII columns only need trimming; others are NFKC-normalised as well."""
    if pc.all(pc.string_is_ascii(raw)).as_py() is not False:
        text = pc.ascii_trim_whitespace(raw)
        present = lengths(text) > 0
        text = (
            pc.if_else(pa.array(present), text, pa.scalar(None, pa.string())) if not present.all() else text
        )
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

    def __init__(
        self,
        file: str,
        sheet: str,
        lines: np.ndarray,
        ledger: str = "",
        places: dict[str, tuple[str, str]] | None = None,
    ):
        self.file = file
        self.sheet = sheet
        self.lines = lines
        self.ledger = ledger
        self.places = places or {}  # column → (letter, header as written)
        self.parts: list[tuple[np.ndarray, str, list, np.ndarray, list, str]] = []

    def add(
        self,
        rows: np.ndarray,
        column: str,
        values: list,
        codes,
        details: list | None = None,
        reason: str = "",
    ):
        if len(rows):
            names = (
                np.asarray(codes) if not isinstance(codes, str) else np.full(len(rows), codes, dtype=object)
            )
            if names.dtype != object:
                names = np.array(ROW_CODES, dtype=object)[names]
            self.parts.append((rows, column, values, names, details or [""] * len(rows), reason))

    def error_rows(self) -> np.ndarray:
        bad = [p[0][np.array([severity_of(c) == "error" for c in p[3]], dtype=bool)] for p in self.parts]
        return np.unique(np.concatenate(bad)) if bad else np.zeros(0, dtype=np.int64)

    def table(self) -> pa.Table:
        if not self.parts:
            return PROBLEM_SCHEMA.empty_table()
        rows = np.concatenate([p[0] for p in self.parts])
        columns = [c for p in self.parts for c in [p[1]] * len(p[0])]
        values = [v for p in self.parts for v in p[2]]
        codes = np.concatenate([p[3] for p in self.parts]).tolist()
        details = [d for p in self.parts for d in p[4]]
        reasons = [r for p in self.parts for r in [p[5]] * len(p[0])]
        order = np.lexsort((np.arange(len(rows)), self.lines[rows]))
        n = len(rows)
        return pa.table(
            {
                "file": pa.array([self.file] * n, pa.string()),
                "sheet": pa.array([self.sheet] * n, pa.string()),
                "line": pa.array(self.lines[rows][order], pa.int64()),
                "column": pa.array([columns[i] for i in order], pa.string()),
                "letter": pa.array([self.places.get(columns[i], ("", ""))[0] for i in order], pa.string()),
                "header": pa.array([self.places.get(columns[i], ("", ""))[1] for i in order], pa.string()),
                "value": pa.array([values[i] for i in order], pa.string()),
                "code": pa.array([codes[i] for i in order], pa.string()),
                "severity": pa.array([severity_of(codes[i]) for i in order], pa.string()),
                "detail": pa.array([details[i] for i in order], pa.string()),
                "reason": pa.array([reasons[i] for i in order], pa.string()),
                "ref_file": pa.array([""] * n, pa.string()),
                "ref_sheet": pa.array([""] * n, pa.string()),
                "ref_line": pa.nulls(n, pa.int64()),
                "ledger": pa.array([self.ledger] * n, pa.string()),
            },
            schema=PROBLEM_SCHEMA,
        )


def column_letter(position: int) -> str:
    """A column's letter as Excel shows it: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shown(values: pa.Array, is_id: bool) -> list[str]:
    """Offending values as shown in reports: IDs masked, long values cut."""
    out = []
    for v in values.to_pylist():
        v = "" if v is None else v.strip()
        v = safe.text(mask_value(v) if is_id else v)
        out.append(v if len(v) <= _VALUE_WIDTH else v[: _VALUE_WIDTH - 1] + "…")
    return out


# ---------------------------------------------------------------- a whole file


def _nonblank(raw: RawTable) -> np.ndarray | None:
    """Records with at least one cell that is not empty (whitespace-only cells are settled later).

    When some columns were not read, a record empty in every column read may still hold something
    in the others: unless it is one of the known blank lines at the end, they must be read (None)."""
    if raw.filled is not None:  # the reader knows which records have a cell that is not blank
        return raw.filled
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
            return None
    return nonempty


def validate_table(
    ledger: schema.Ledger, raw: RawTable, file: str, sheet: str = ""
) -> ValidatedFile | Unusable | None:
    """The rows of one raw table checked against the ledger's columns (SPEC §2). None when some
    rows are empty in every column read and the others must be read to tell whether they are blank."""
    positions = map_header(ledger, raw.header)
    if isinstance(positions, Unusable):
        return positions
    nonblank = _nonblank(raw)
    if nonblank is None:
        return None
    keep = np.flatnonzero(nonblank)
    lines = raw.lines[keep]
    n = len(keep)
    take = pa.array(keep) if n != raw.num_rows else None
    places = {name: (column_letter(p), raw.header[p].strip()) for name, p in positions.items()}
    problems = _Problems(file, sheet, lines, ledger.name, places)
    typed: dict[str, pa.Array] = {}
    checked: dict[str, Checked] = {}
    for col in ledger.used:
        if col.name not in positions:
            typed[col.name] = pa.nulls(n, TYPES[col.type])
            continue
        cells = raw.columns[positions[col.name]]
        result = check_column(col, cells.take(take) if take is not None else cells)
        checked[col.name] = result
        typed[col.name] = result.typed
    blank = _whitespace_only(raw, positions, checked, take, n)
    if blank is None:
        return None
    footer = _footer_rows(ledger, raw, positions, checked, take, blank)
    if footer is None:
        return None
    blank |= footer
    for col in ledger.used:
        if col.name not in checked:
            continue
        result = checked[col.name]
        if col.value_required:
            rows = np.flatnonzero(~result.present & ~blank)
            problems.add(rows, col.name, [""] * len(rows), "required_missing")
        rows = np.flatnonzero((result.code != 0) & ~blank)
        if col.type == schema.DATE and len(rows):
            rows = _serials_told(rows, col.name, result, problems)
        if len(rows):
            problems.add(
                rows, col.name, shown(result.text_of(rows), col.type == schema.RESIDENT_ID), result.code[rows]
            )
        if col.type == schema.RESIDENT_ID:
            valid = np.flatnonzero(result.present & (result.code == 0) & ~blank)
            person = result.typed.take(pa.array(valid)).to_numpy()
            unknown = unknown_regions(person)
            if unknown.any():
                rows = valid[unknown]
                problems.add(
                    rows,
                    col.name,
                    shown(result.text_of(rows), True),
                    "id_region_unknown",
                    [f"{p // 10**11:06d}" for p in person[unknown].tolist()],
                )
    _check_date_order(ledger, checked, problems, blank)
    _check_required_with(ledger, checked, problems, blank)
    accepted = ~blank
    accepted[problems.error_rows()] = False
    table = pa.table({"line": pa.array(lines, pa.int32())} | typed)  # int32: 4 bytes a row less on 35M rows
    if not accepted.all():
        table = table.filter(pa.array(accepted))
    table = table.append_column("key_hash", pa.array(key_hash(table, list(ledger.key)), pa.uint64()))
    births = birth_yyyymmdd(table["person_id"].to_numpy(zero_copy_only=False)) if table.num_rows else [0]
    return ValidatedFile(
        file,
        table,
        problems.table(),
        int(n - blank.sum()),
        int(np.max(births)),
        sheet,
        lines[footer].tolist(),
        raw.encoding,
    )


def _whitespace_only(raw: RawTable, positions, checked, take, n) -> np.ndarray | None:
    """Rows whose cells are all blank after trimming (e.g. full-width spaces): skipped like ,,,, rows.

    Only rows where every checked column is empty can be such rows; their other cells are looked at
    here, or, when some columns were not read (RawTable.complete is False), the caller must read
    them (None).
    """
    candidate = np.ones(n, dtype=bool)
    if raw.filled is not None:  # blank records are already known (and left out)
        return ~candidate
    for result in checked.values():
        candidate &= ~result.present
    if not candidate.any():
        return candidate
    if not raw.complete:
        return None
    rows = np.flatnonzero(candidate)
    pick = pa.array(rows if take is None else take.to_numpy()[rows])
    done = {positions[name] for name in checked}
    for i, column in enumerate(raw.columns):
        if i not in done:
            candidate[rows] &= pc.is_null(normalise(column.take(pick))).to_numpy(zero_copy_only=False)
    return candidate


_FOOTER = r"^\s*(?:" + "|".join(r"\s*".join(re.escape(ch) for ch in word) for word in FOOTER_WORDS) + ")"


def _footer_rows(ledger, raw: RawTable, positions, checked, take, blank) -> np.ndarray | None:
    """Total and footer rows (SPEC §2): the row's first cell that is not empty starts with 合计, 小计,
    制表人：… and its key columns are empty (or hold that word): skipped, not rows. A row with a real
    key never is. None when the first cells must be read (some columns were not)."""
    n = len(blank)
    keys = [checked[k] for k in ledger.key if k in checked]
    given = np.zeros(n, dtype=np.int8)
    for key in keys:
        given += key.present
    candidate = ~blank & (given <= 1)  # a footer word may stand in one key column (合计 under 证书编号)
    for key in keys:
        rows = np.flatnonzero(candidate & key.present)
        if len(rows):
            candidate[rows] = _starts_like_footer(key.text_of(rows))
    rows = np.flatnonzero(candidate)
    if len(rows) == 0:
        return candidate
    if raw.first_cells is not None:
        lead = raw.first_cells(rows if take is None else take.to_numpy()[rows])
    elif raw.complete:
        lead = _first_cells(raw, rows if take is None else take.to_numpy()[rows])
    else:
        return None
    footer = np.zeros(n, dtype=bool)
    footer[rows] = _starts_like_footer(lead)
    return footer


def _starts_like_footer(values: pa.Array) -> np.ndarray:
    """Whether each text starts with a footer word. Footer words are Chinese: only texts whose first
    byte starts a multi-byte character are matched against them (IDs and codes never are)."""
    values = values.cast(pa.string()) if values.type != pa.string() else values
    n = len(values)
    if n == 0 or values.null_count == n:
        return np.zeros(n, dtype=bool)
    values = pc.fill_null(values, "")
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset : values.offset + n + 1]
    data = values.buffers()[2]
    if data is None or data.size == 0:
        return np.zeros(n, dtype=bool)
    first = np.frombuffer(data, np.uint8)[np.minimum(offsets[:-1], data.size - 1)]
    maybe = np.flatnonzero((first >= 0xC0) | (first == 0x20) | (first == 0x09))  # multi-byte, or spaces first
    found = np.zeros(n, dtype=bool)
    if len(maybe):
        found[maybe] = pc.match_substring_regex(values.take(pa.array(maybe)), _FOOTER).to_numpy(
            zero_copy_only=False
        )
    return found & (np.diff(offsets) > 0)


def _first_cells(raw: RawTable, rows: np.ndarray) -> pa.Array:
    """The first cell that is not empty of some records, from every column."""
    picked = pa.array(rows)
    lead = pa.nulls(len(rows), pa.string())
    for column in raw.columns:
        if column is None:
            continue
        cells = pc.fill_null(pc.utf8_trim_whitespace(column.take(picked).cast(pa.string())), "")
        lead = pc.if_else(pc.or_(pc.is_valid(lead), pc.equal(cells, "")), lead, cells)
    return pc.fill_null(lead, "")


def _serials_told(rows: np.ndarray, column: str, result: Checked, problems: _Problems) -> np.ndarray:
    """Dates typed as Excel date serials (44652: what Excel shows of a date cell in a column formatted
    as a number) are rejected with the date they stand for (SPEC §2); returns the other bad rows."""
    from jishu.read.workbook import text_of

    texts = result.text_of(rows).to_pylist()
    serial = np.array([t is not None and len(t) == 5 and t.isdigit() for t in texts], dtype=bool)
    if not serial.any():
        return rows
    picked = rows[serial]
    dates = [text_of(int(t), DATES) for t, s in zip(texts, serial) if s]
    problems.add(
        picked, column, [t for t, s in zip(texts, serial) if s], "date_format", dates, reason="excel_serial"
    )
    return rows[~serial]


def _check_date_order(ledger, checked, problems: _Problems, blank) -> None:
    """SPEC §2: end_date ≥ start_date, separation_date ≥ hire_date (the ledger's date_order)."""
    for later, earlier in ledger.date_order:
        if later not in checked or earlier not in checked:
            continue
        wrong = pc.fill_null(pc.less(checked[later].typed, checked[earlier].typed), False).to_numpy(
            zero_copy_only=False
        )
        rows = np.flatnonzero(wrong & ~blank)
        if len(rows):
            problems.add(
                rows,
                later,
                shown(checked[later].text_of(rows), False),
                "date_order",
                shown(checked[earlier].text_of(rows), False),
                reason=earlier,
            )


def _check_required_with(ledger, checked, problems: _Problems, blank) -> None:
    """A column that must be filled when another is (SPEC §2: in_province when agency_id is set). A
    value of the wrong type is already its own problem, so only an empty cell (or no column) counts."""
    for column, other, code in ledger.required_with:
        if other not in checked:
            continue
        empty = ~checked[column].present if column in checked else np.ones(len(blank), dtype=bool)
        rows = np.flatnonzero(checked[other].present & empty & ~blank)
        if len(rows):
            problems.add(rows, column, [""] * len(rows), code)
