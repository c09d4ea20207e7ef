"""Every text field of a report either passes through the sanitiser when written (model.Text) or holds
a code or a value jishu made itself: a new free-text field cannot slip past it unnoticed."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from jishu import model

# Fields whose text jishu makes or has checked: codes, keys, dates and labels it writes, masked IDs,
# credit codes it validated, letters of columns.
MADE_BY_JISHU = {
    "Problem": {"letter", "code", "severity", "detail", "reason", "ref_file", "ref_sheet", "ledger"},
    "PeriodOut": {"label"},
    "Metric": {"key", "status"},
    "Payee": {"id", "kind"},
    "HireLine": {"person", "employer_id", "agency_id", "reasons"},
    "LiabilityMonth": {"month", "kind"},
    "PayeeRef": {"id"},
    "Finding": {"kind", "person", "code", "reasons", "first_payee"},
    "PayoutLine": {"payee_id", "kind"},
    "ProblemCount": {"code", "severity"},
    "Period": {"label"},
    # mappings keyed by metric, ledger, code or kind names
    "Group": {"cumulative"},
    "ProgressReport": {"by", "data", "data_through", "ranking", "levels"},
    "SubsidyOverview": {"totals", "data_through"},
    "PayeeSummary": {"data_through"},
    "PayeeReport": {"data_through"},
    "AuditTotals": {"by_code"},
    "AuditReport": {"terms", "flagged", "data_through"},
    "TownshipRow": {"actual", "rate"},
    "DataQuality": {"ledgers", "data_through"},
    "CheckReport": {"data", "data_through"},
    "SubsidySection": {"totals"},
    "TrendPoint": {"actual", "rate"},
    "Trend": {"period"},
}


def _has_str(annotation) -> bool:
    if annotation is str:
        return True
    return any(_has_str(a) for a in typing.get_args(annotation))


def _is_text(annotation, metadata=()) -> bool:
    """model.Text: str with the sanitiser as its JSON serializer (also inside `| None`)."""
    if any(getattr(m, "func", None) is model._inert for m in metadata):
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0], annotation.__metadata__)
    return any(_is_text(a) for a in typing.get_args(annotation))


def test_every_text_field_is_sanitised_or_made_by_jishu():
    for name, cls in vars(model).items():
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls.__module__ != model.__name__:
            continue
        for field, info in cls.model_fields.items():
            if not _has_str(info.annotation):
                continue
            sanitised = _is_text(info.annotation, info.metadata)
            assert sanitised or field in MADE_BY_JISHU.get(name, set()), f"{name}.{field}: make it model.Text"


def test_text_fields_are_inert_in_json():
    problem = model.Problem(
        file="a\x1b[2J.csv", value="410122 19900915 5000", code="x", severity="error", message="\u202eevil"
    )
    written = problem.model_dump_json()
    assert "\x1b" not in written and "\u202e" not in written and "19900915" not in written
    assert "\\\\x1b" in written and "410122********5000" in written
