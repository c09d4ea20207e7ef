"""Reports as JSON: the report model itself, with its display fields in the report's language and
every text value passed through the sanitiser. JSON and table can never disagree (STYLE §2)."""

from __future__ import annotations

from pydantic import BaseModel

from jishu.i18n import Words
from jishu.render import Style


def render(report: BaseModel, words: Words, style: Style | None = None) -> str:
    """pydantic's own serializer (fast on a province's reports); every text that may come from a ledger
    is a model.Text, which passes through the sanitiser as it is written."""
    return report.model_dump_json(indent=2)
