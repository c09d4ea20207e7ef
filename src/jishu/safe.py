"""The one sanitiser every renderer uses (SPEC §6): values from the ledgers and targets.yaml are inert
wherever they are shown. ID-shaped tokens are masked; spreadsheet cells cannot start a formula."""

from __future__ import annotations

from jishu.values import scrub

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: object) -> str:
    """A value as text that is safe to show: anything ID-like masked."""
    return "" if value is None else scrub(str(value))


def code(value: object) -> str:
    """A credit code or another code jishu has checked: shown as it is (an all-digit credit code is
    not a personal ID)."""
    return "" if value is None else str(value)


def spreadsheet_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ or a tab gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
