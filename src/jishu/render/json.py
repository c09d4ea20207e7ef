"""Reports as JSON: the report model itself, with its display fields in the report's language and
every text value passed through the sanitiser. JSON and table can never disagree (STYLE §2)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from jishu.i18n import Words
from jishu.render import Style, safe

# Fields holding codes jishu has checked (credit codes) or made itself (masked IDs, dates, keys):
# shown as they are; every other text is sanitised.
CODE_FIELDS = {"id", "employer_id", "agency_id", "payee_id", "first_payee", "person", "key", "code", "severity", "kind",
               "status", "as_of", "label", "month"}


def _clean(value, field: str | None = None):
    if isinstance(value, dict):
        return {k: _clean(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, field) for v in value]
    if isinstance(value, str) and field not in CODE_FIELDS:
        return safe.text(value)
    return value


def render(report: BaseModel, words: Words, style: Style | None = None) -> str:
    data = json.loads(report.model_dump_json())
    return json.dumps(_clean(data), ensure_ascii=False, indent=2)
