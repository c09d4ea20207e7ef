"""Townships as clerks spell them (SPEC §2 "Townships"): with `township_names` in targets.yaml, each
value is mapped through `township_aliases` to a listed name; a value still not listed is a warning
(`township_unknown`, with up to three close matches), its rows stay counted county-wide, and in a
breakdown by township they form one group, never a township of their own."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from jishu.fast.arrays import pick
from jishu.model import NO_TOWNSHIP, UNRECOGNISED, problem_table

if TYPE_CHECKING:
    from jishu.load import Ledgers
    from jishu.targets import Targets


def township_of(values: pa.Array | pa.ChunkedArray, targets: Targets) -> np.ndarray:
    """Each row's township as reports name it: through the aliases to a listed name; UNRECOGNISED
    when the list does not have it; NO_TOWNSHIP when the cell is empty. Without a list, as written."""
    codes, names = township_codes(values, targets)
    return names[codes]


def township_codes(values: pa.Array | pa.ChunkedArray, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """township_of as (each row's group, as an index into the names; the groups' names, each once),
    worked out per distinct value of each chunk: a province's 35 million cells were Python strings
    one by one (2.9 s of a 12 s `--by township`)."""
    known = dict.fromkeys(targets.township_names)

    def name(value: str | None) -> str:
        if value is None:
            return NO_TOWNSHIP
        if not known:
            return value
        value = targets.township_aliases.get(value, value)
        return value if value in known else UNRECOGNISED

    groups: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    at = 0
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_decode()
        encoded = chunk.dictionary_encode(null_encoding="encode")
        mapped = [groups.setdefault(name(v), len(groups)) for v in encoded.dictionary.to_pylist()]
        codes[at : at + len(chunk)] = np.array(mapped, dtype=np.int64)[encoded.indices.to_numpy()]
        at += len(chunk)
    return codes, np.array(list(groups), dtype=object)


def close_matches(value: str, targets: Targets) -> list[str]:
    """Up to three listed names (or aliases' names) a value is close to."""
    spellings = {name: name for name in targets.township_names} | dict(targets.township_aliases)
    found = difflib.get_close_matches(value, list(spellings), n=6, cutoff=0.5)
    return list(dict.fromkeys(spellings[f] for f in found))[:3]


def unknown_townships(ledgers: Ledgers, targets: Targets) -> pa.Table:
    """A `township_unknown` warning for every row whose township is not one of township_names."""
    rows = []
    if not targets.township_names:
        return problem_table(rows)
    for name, data in ledgers.data.items():
        table = data.table
        if "township" not in table.column_names or table.num_rows == 0:
            continue
        groups = township_of(table["township"], targets)
        bad = np.flatnonzero(groups == UNRECOGNISED)
        if len(bad) == 0:
            continue
        values = pick(table["township"], bad).to_pylist()
        files = table["file"].to_numpy()[bad] if "file" in table.column_names else np.zeros(len(bad), int)
        lines = table["line"].to_numpy()[bad]
        matches = {v: "、".join(close_matches(v, targets)) for v in set(values)}
        for value, f, line in zip(values, files.tolist(), lines.tolist()):
            file, sheet = data.files[f] if f < len(data.files) else ("", "")
            rows.append(
                {
                    "file": file,
                    "sheet": sheet,
                    "line": line,
                    "column": "township",
                    "value": value,
                    "code": "township_unknown",
                    "detail": matches[value],
                    "ledger": name,
                }
            )
    return problem_table(rows)
