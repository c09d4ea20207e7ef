"""Problems as data (STYLE §1): every rejected row, duplicate, warning and unusable file is a record.

Inside the pipeline problems travel as a pyarrow table (cheap to build for millions of rows and to
cache as Parquet); at the edge they become `Problem` models with a message in the chosen language.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
from pydantic import BaseModel

from jishu import i18n, schema

PROBLEM_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("column", pa.string()),
        ("value", pa.string()),
        ("code", pa.string()),
        ("severity", pa.string()),
        ("detail", pa.string()),
    ]
)

WARNING_CODES = {"id_region_unknown", "targets_township_sum"}


def severity_of(code: str) -> str:
    if code == "duplicate":
        return "duplicate"
    return "warning" if code in WARNING_CODES else "error"


class Problem(BaseModel):
    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    code: str
    severity: str
    message: str


def ledger_of(file: str) -> schema.Ledger | None:
    lower = file.lower()
    return next((lg for lg in schema.LEDGERS.values() if lower.startswith(lg.name)), None)


def column_label(ledger: schema.Ledger | None, column: str, lang: str) -> str:
    """A column as a clerk knows it: the Chinese header in zh, the canonical name in en."""
    if lang == "en" or ledger is None:
        return column
    names = [c for c in ledger.columns if c.name == column]
    return names[0].zh if names else column


def message_for(row: dict, lang: str) -> str:
    code = row["code"]
    ledger = ledger_of(row["file"] or "")
    column = row.get("column") or ""
    detail = row.get("detail") or ""
    label = "+".join(column_label(ledger, c, lang) for c in column.split("+")) if column else ""
    if code == "date_order" and "=" in detail:
        other, value = detail.split("=", 1)
        detail = f"{column_label(ledger, other, lang)}“{value}”" if lang != "en" else f"{other} '{value}'"
    elif code == "duplicate" and ":" in detail:
        file, line = detail.rsplit(":", 1)
        detail = i18n.word("at", lang, file=file, line=line)
    elif code == "file_missing" and column in schema.LEDGERS:
        label = i18n.word(f"ledger_{column}", lang)
    elif code in DETAIL_WORDS:
        detail = translate(detail, lang)
    return i18n.message(code, lang, file=row["file"], line=row.get("line"), column=label,
                        value=row.get("value") or "", detail=detail)


DETAIL_WORDS = {"file_unreadable", "targets_invalid", "targets_yaml", "csv_malformed"}
SEP = "\x1f"


def detail_key(word_key: str, **fields: object) -> str:
    """A detail to be put into words at rendering time: a WORDS key and its fields."""
    import json

    return word_key + SEP + json.dumps(fields, ensure_ascii=False, default=str)


def translate(detail: str, lang: str) -> str:
    """Put a detail made by `detail_key` into words; other details are shown as they are."""
    import json

    key, sep, fields = detail.partition(SEP)
    values = json.loads(fields) if sep else {}
    if key in i18n.WORDS and (sep or "{" not in i18n.WORDS[key][0]):
        try:
            return i18n.word(key, lang, **values)
        except (KeyError, IndexError):
            pass
    return values.get("msg", detail) if sep else detail


def to_models(rows: Iterable[dict], lang: str) -> list[Problem]:
    return [
        Problem(
            file=r["file"],
            line=r.get("line"),
            column=r.get("column") or None,
            value=r.get("value") or None,
            code=r["code"],
            severity=r["severity"],
            message=message_for(r, lang),
        )
        for r in rows
    ]


def make_table(rows: list[dict]) -> pa.Table:
    """A problem table from a few dicts (file-level problems, targets problems)."""
    full = [
        {
            "file": r["file"],
            "line": r.get("line"),
            "column": r.get("column") or "",
            "value": r.get("value") or "",
            "code": r["code"],
            "severity": r.get("severity") or severity_of(r["code"]),
            "detail": r.get("detail") or "",
        }
        for r in rows
    ]
    return pa.Table.from_pylist(full, schema=PROBLEM_SCHEMA)


def one_line(row: dict, lang: str) -> str:
    """`file line N: message` for stderr."""
    where = row["file"] if not row.get("line") else i18n.word("at", lang, file=row["file"], line=row["line"])
    return f"{where}: {message_for(row, lang)}"
