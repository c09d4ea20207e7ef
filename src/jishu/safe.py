"""The one sanitiser every output uses (SPEC §6): values from the ledgers, file names and targets.yaml
are inert wherever they are shown (terminal, log, Markdown, HTML, CSV, xlsx, JSON).

- Control characters (C0, DEL, C1, ESC) and bidi controls (U+202A–U+202E, U+2066–U+2069, and the
  marks U+200E, U+200F, U+061C) are shown visibly, as `\\x1b` or `\\u202e`: nothing reaches a terminal
  raw, no text is reordered.
- Anything ID-shaped, 17 digits and a check character, also with spaces, hyphens or dots between them
  (`410122 19900915 5000`) or in full-width digits, is masked (`410122********5000`), as are 15-digit
  IDs (`410122*****1234`).
- Each format then escapes its own syntax: rich text is never parsed as markup (render/text.py),
  Markdown table and link syntax is escaped (`markdown_cell`), HTML is escaped by the page, and a
  spreadsheet cell cannot start a formula (`spreadsheet_cell`).
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_D = "[0-9\uff10-\uff19]"  # a digit, also full-width
_S = "[ .\\-\u3000\uff0d\uff0e]?"  # a separator between digits, also full-width (space, hyphen, dot)
# 17 digits and a check character, a separator allowed between any two of them.
_ID = re.compile(
    "(?<![0-9\uff10-\uff19])" + _D + f"(?:{_S}{_D}){{16}}{_S}[0-9\uff10-\uff19Xx\uff38\uff58]"
    "(?![0-9\uff10-\uff19])"
)
_OLD_ID = re.compile(f"(?<![0-9\uff10-\uff19])({_D}{{6}})({_D}{{5}})({_D}{{4}})(?![0-9\uff10-\uff19])")
_SEPARATORS = re.compile("[ .\\-\u3000\uff0d\uff0e]")
# What both ID shapes need at least: 15 digits, a separator allowed between any two (one C-level
# search tells most values, dates and amounts among them, that there is nothing to mask).
_CANDIDATE = re.compile(_D + f"(?:{_S}{_D}){{14}}")


def _masked(match: re.Match) -> str:
    digits = _SEPARATORS.sub("", match.group()).translate(_FULL_WIDTH)
    return f"{digits[:6]}********{digits[-4:]}"


def mask(text: str) -> str:
    """Every ID-shaped token masked (18-character IDs as 410122********1234, 15-digit as 410122*****1234),
    in ASCII or full-width digits, with or without separators between the digit groups."""
    if _CANDIDATE.search(text) is None:
        return text
    text = _ID.sub(_masked, text)
    return _OLD_ID.sub(lambda m: f"{m.group(1)}*****{m.group(3)}".translate(_FULL_WIDTH), text)


def visible(text: str) -> str:
    """Control and bidi characters shown as escapes (\\x1b, \\u202e)."""
    return _CONTROLS.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def text(value: object) -> str:
    """A value as text that is safe to show anywhere: IDs masked, controls visible."""
    return "" if value is None else visible(mask(str(value)))


def code(value: object) -> str:
    """A credit code or another code jishu has checked: shown as it is (an all-digit credit code is
    not a personal ID), controls made visible all the same."""
    return "" if value is None else visible(str(value))


def spreadsheet_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ or a tab gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~])")  # parentheses need none: no [ ] makes no link
# A masked ID's run of asterisks, escaped. When it is the only one in a cell it cannot pair with another
# (every other * is escaped), so it is put back as it was: the ID reads 410122********1234 raw too.
_ESCAPED_MASK = re.compile(r"(?<=[0-9])((?:\\\*){5}(?:(?:\\\*){3})?)(?=[0-9])")


def markdown_cell(value: object) -> str:
    """A value for a Markdown table: safe to show (`text`), unable to start a formula when the table is
    pasted into a spreadsheet, and its Markdown syntax escaped (no table break, link, image, HTML or
    emphasis)."""
    escaped = _MARKDOWN.sub(r"\\\1", str(spreadsheet_cell(text(value)))).replace("\n", " ")
    if len(_ESCAPED_MASK.findall(escaped)) != 1:
        return escaped
    return _ESCAPED_MASK.sub(lambda m: m.group().replace("\\", ""), escaped)
