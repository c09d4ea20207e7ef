"""Assemble each ledger from its files: validated rows, the as-of bound, duplicates, reconciliation.

SPEC §2: every `trainings*.csv` (etc.) in the data folder belongs to that ledger, taken in name order,
rows in line order. A row whose key repeats an earlier accepted row is a duplicate of that file and
line. For every ledger: rows read = rows accepted + rows rejected + duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from jishu import schema
from jishu.ids import birth_yyyymmdd, masked_ids
from jishu.problems import PROBLEM_SCHEMA, make_table
from jishu.read import FileProblem, read_table
from jishu.validate import ValidatedFile, validate_table


class Counts(BaseModel):
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0


@dataclass
class LedgerData:
    ledger: schema.Ledger
    files: list[str]
    table: pa.Table  # accepted, de-duplicated rows; `file` (index into files) and `line` say where from
    counts: Counts


@dataclass
class Ledgers:
    data: dict[str, LedgerData]
    problems: pa.Table  # row problems of every ledger, in file and line order
    as_of: dt.date
    files_read: int = 0
    cache_hits: int = 0
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pa.Table:
        return self.data[name].table

    def counts(self) -> dict[str, Counts]:
        return {name: d.counts for name, d in self.data.items()}

    @property
    def rejected(self) -> int:
        return sum(d.counts.rejected for d in self.data.values())


class LedgersUnusable(Exception):
    """One or more files cannot be used at all (SPEC §5: exit 2). Carries their problems."""

    def __init__(self, problems: pa.Table):
        super().__init__("ledgers unusable")
        self.problems = problems


def find_files(data_dir: Path, ledger: schema.Ledger) -> list[Path]:
    """The files of a ledger: `<name>*.csv` (case-insensitive), in name order."""
    found = [
        p for p in data_dir.iterdir() if p.name.lower().startswith(ledger.name) and p.name.lower().endswith(".csv")
    ]
    return sorted(found, key=lambda p: p.name)


def validate_file(path: Path, ledger: schema.Ledger, encoding: str | None) -> ValidatedFile:
    return validate_table(ledger, read_table(path, encoding), path.name)


def load(
    data_dir: Path,
    as_of: dt.date,
    encoding: str | None = None,
    use_cache: bool = True,
    ledgers: tuple[str, ...] = tuple(schema.LEDGERS),
    keep_going: bool = False,
) -> Ledgers:
    """Read, validate and assemble the ledgers.

    Raises LedgersUnusable for unusable files, unless `keep_going` (for `check`): then those files are
    left out and their problems are listed with the others.
    """
    from jishu import cache

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise LedgersUnusable(make_table([{"file": str(data_dir), "code": "data_dir_missing", "detail": str(data_dir)}]))
    store = cache.Cache.for_data(data_dir, encoding) if use_cache else None
    fatal: list[dict] = []
    validated: dict[str, list[ValidatedFile]] = {}
    files_read = hits = 0
    for name in ledgers:
        ledger = schema.LEDGERS[name]
        paths = find_files(data_dir, ledger)
        if not paths and not ledger.optional:
            fatal.append({"file": ledger.pattern, "code": "file_missing", "column": ledger.name,
                          "value": ledger.pattern, "detail": str(data_dir)})
        validated[name] = []
        for path in paths:
            try:
                entry = store.get(path, ledger) if store else None
                if entry is None:
                    stamp = store.stamp(path) if store else None
                    entry = validate_file(path, ledger, encoding)
                    files_read += 1
                    if store:
                        store.put(path, ledger, entry, stamp)
                else:
                    hits += 1
                validated[name].append(entry)
            except FileProblem as exc:
                fatal.append({"file": path.name, "line": exc.line, "code": exc.code, "value": exc.value,
                              "column": exc.column, "detail": exc.detail})
    if fatal and not keep_going:
        raise LedgersUnusable(make_table(fatal))
    data = {}
    problem_parts = [make_table(fatal)]
    for name, files in validated.items():
        data[name], problems = assemble(schema.LEDGERS[name], files, as_of)
        problem_parts.append(problems)
    problems = pa.concat_tables(problem_parts) if problem_parts else PROBLEM_SCHEMA.empty_table()
    problems = problems.sort_by([("file", "ascending"), ("line", "ascending")])
    return Ledgers(data, problems, as_of, files_read=files_read, cache_hits=hits)


def assemble(ledger: schema.Ledger, files: list[ValidatedFile], as_of: dt.date) -> tuple[LedgerData, pa.Table]:
    """One ledger from its validated files: the as-of bound on birth dates, then duplicates by key."""
    names = [f.file for f in files]
    parts = []
    for i, f in enumerate(files):
        parts.append(f.table.append_column("file", pa.array(np.full(f.table.num_rows, i, dtype=np.int32))))
    problems = [_with_as_of(f.problems, as_of) for f in files]
    rows = sum(f.rows for f in files)
    rejected_in_files = sum(_rejected_rows(f.problems) for f in files)
    if parts:
        table = pa.concat_tables(parts).combine_chunks()
    else:
        table = _empty(ledger)
    table, late = _birth_after(table, names, as_of)
    problems.append(late)
    table, duplicates = _deduplicate(ledger, table, names)
    problems.append(duplicates)
    counts = Counts(
        rows=rows,
        accepted=table.num_rows,
        rejected=rejected_in_files + late.num_rows,
        duplicates=duplicates.num_rows,
    )
    assert counts.rows == counts.accepted + counts.rejected + counts.duplicates, counts
    return LedgerData(ledger, names, table, counts), pa.concat_tables(problems)


def _with_as_of(problems: pa.Table, as_of: dt.date) -> pa.Table:
    """Birth dates are bounded by the as-of date, which file validation does not know: name it here."""
    if problems.num_rows == 0:
        return problems
    fill = pc.and_(pc.equal(problems["code"], "id_birthdate"), pc.equal(problems["detail"], ""))
    if not pc.any(fill).as_py():
        return problems
    detail = pc.if_else(fill, as_of.isoformat(), problems["detail"])
    return problems.set_column(problems.schema.get_field_index("detail"), "detail", detail)


def _rejected_rows(problems: pa.Table) -> int:
    errors = problems.filter(pc.equal(problems["severity"], "error"))
    return pc.count_distinct(errors["line"]).as_py() if errors.num_rows else 0


def _empty(ledger: schema.Ledger) -> pa.Table:
    from jishu.validate import _TYPES

    fields = [("line", pa.int64())] + [(c.name, _TYPES[c.type]) for c in ledger.columns] + [("file", pa.int32())]
    return pa.schema(fields).empty_table()


def _birth_after(table: pa.Table, names: list[str], as_of: dt.date) -> tuple[pa.Table, pa.Table]:
    """Reject rows whose person was born after the as-of date (SPEC §2: birth date ≤ as-of)."""
    person = table["person_id"].to_numpy()
    limit = as_of.year * 10000 + as_of.month * 100 + as_of.day
    late = birth_yyyymmdd(person) > limit
    if not late.any():
        return table, PROBLEM_SCHEMA.empty_table()
    idx = np.flatnonzero(late)
    file_idx = table["file"].to_numpy()[idx]
    rows = [
        {"file": names[f], "line": line, "column": "person_id", "value": shown, "code": "id_birthdate",
         "detail": as_of.isoformat()}
        for f, line, shown in zip(file_idx.tolist(), table["line"].to_numpy()[idx].tolist(), masked_ids(person[idx]))
    ]
    return table.filter(pa.array(~late)), make_table(rows)


def _key_text(ledger: schema.Ledger, table: pa.Table, idx: np.ndarray) -> list[str]:
    """The key of some rows as shown in a duplicate report (IDs masked)."""
    pieces = []
    for column in ledger.key:
        values = table[column].take(pa.array(idx))
        if ledger.column(column).type == schema.RESIDENT_ID:
            pieces.append(masked_ids(values.to_numpy()))
        else:
            pieces.append([str(v) for v in values.to_pylist()])
    return [" / ".join(p) for p in zip(*pieces)]


def _deduplicate(ledger: schema.Ledger, table: pa.Table, names: list[str]) -> tuple[pa.Table, pa.Table]:
    """Keep the first row of each key; report the others as duplicates of it (file and line)."""
    if table.num_rows == 0:
        return table, PROBLEM_SCHEMA.empty_table()
    keys = list(ledger.key)
    indexed = table.select(keys).append_column("row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    groups = indexed.group_by(keys).aggregate([("row", "min"), ("row", "count")])
    repeated = groups.filter(pc.greater(groups["row_count"], 1))
    if repeated.num_rows == 0:
        return table, PROBLEM_SCHEMA.empty_table()
    joined = indexed.join(repeated.select(keys + ["row_min"]), keys=keys, join_type="inner")
    dup = joined.filter(pc.not_equal(joined["row"], joined["row_min"]))
    dup = dup.sort_by("row")
    dup_rows = dup["row"].to_numpy()
    first_rows = dup["row_min"].to_numpy()
    file_idx = table["file"].to_numpy()
    line = table["line"].to_numpy()
    shown = _key_text(ledger, table, dup_rows)
    rows = [
        {"file": names[file_idx[d]], "line": int(line[d]), "column": "+".join(keys), "value": s,
         "code": "duplicate", "detail": f"{names[file_idx[f]]}:{line[f]}"}
        for d, f, s in zip(dup_rows.tolist(), first_rows.tolist(), shown)
    ]
    keep = np.ones(table.num_rows, dtype=bool)
    keep[dup_rows] = False
    return table.filter(pa.array(keep)), make_table(rows)
