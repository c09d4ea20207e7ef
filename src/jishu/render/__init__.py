"""Renderers: reports (models with codes and numbers) → text in one language and one format.

`RENDERERS` is the one table every command uses: a format's name → a function
`(report, words, style) → str`. A new format is one module and one entry here; language comes from
`i18n.Words`, and every value shown passes through `jishu.safe`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jishu.fast.runtime import many_objects

if TYPE_CHECKING:  # the command line reads RENDERERS for its options: nothing heavy is imported here
    from pydantic import BaseModel

    from jishu.i18n import Words
    from jishu.model import ProgressReport


@dataclass(frozen=True)
class Style:
    """How the output will be seen: on a terminal (colour), and how wide it is."""

    color: bool = False
    width: int | None = None


def _module(name: str) -> Callable[[BaseModel, Words, Style], str]:
    """A renderer module's `render`, imported when first used (rich only for tables)."""

    def render(report: BaseModel, words: Words, style: Style) -> str:
        return importlib.import_module(f"jishu.render.{name}").render(report, words, style)

    return render


_MODULES = {"table": "text", "json": "json", "csv": "csv", "markdown": "markdown"}
RENDERERS: dict[str, Callable[[BaseModel, Words, Style], str]] = {
    fmt: _module(name) for fmt, name in _MODULES.items()
}


def imported(fmt: str) -> None:
    """Import the renderer of a format (and rich, for tables) ahead of its first use."""
    if fmt in _MODULES:
        importlib.import_module(f"jishu.render.{_MODULES[fmt]}")


def _sheets_as(writer: str) -> Callable[[BaseModel, Words], bytes]:
    def write(report: BaseModel, words: Words) -> bytes:
        from jishu.render import sheets

        parts = sheets.sheets(localise(report, words), words)
        if writer == "xlsx":
            from jishu.render import xlsx

            return xlsx.workbook(parts)
        return sheets.excel_csv(parts)

    return write


def _text_as(fmt: str) -> Callable[[BaseModel, Words], bytes]:
    def write(report: BaseModel, words: Words) -> bytes:
        text = render(report, fmt, words)
        return (text if text.endswith("\n") else text + "\n").encode("utf-8")

    return write


# `-o FILE`: the format is the file's extension (SPEC §5). CSV and xlsx are laid out for Excel: headers
# in the report's language, 序号 and 合计 where clerks total, IDs as text.
FILE_WRITERS: dict[str, Callable[[BaseModel, Words], bytes]] = {
    ".csv": _sheets_as("csv"),
    ".xlsx": _sheets_as("xlsx"),
    ".json": _text_as("json"),
    ".md": _text_as("markdown"),
}


def render(report: BaseModel, fmt: str, words: Words, style: Style = Style()) -> str:
    """The report in a format and a language."""
    return RENDERERS[fmt](localise(report, words), words, style)


def localise(report: BaseModel, words: Words) -> BaseModel:
    """A copy of the report with its display fields (metric names and units, group names, problem and
    finding messages) in the words' language; the report itself stays without language."""
    from jishu.model import AuditReport, CheckReport

    if isinstance(report, CheckReport):  # shallow copies: a province's check lists millions of problems
        with many_objects():
            said = [p.model_copy(update={"message": words.message(p)}) for p in report.problems]
        return report.model_copy(update={"problems": said})
    if isinstance(report, AuditReport):

        def said(f):  # a shallow copy with its message (made: a province's audit has half a million)
            terms = report.terms[f.kind]
            message = words.finding(f, terms.min_months, terms.min_insured_months)[1]
            return type(f).made_from(tuple((f.__dict__ | {"message": message}).values()))

        with many_objects():
            findings = [said(f) for f in report.findings]
        return report.model_copy(update={"findings": findings})
    report = report.model_copy(deep=True)
    for progress in _progress_reports(report):
        for m in progress.metrics + [m for g in progress.groups or [] for m in g.metrics]:
            m.name, m.unit = words.metric(m.key)
        for g in progress.groups or []:
            g.name = words.group(g.key) if g.key != words.group(g.key) else None
    return report


def _progress_reports(report: BaseModel) -> list[ProgressReport]:
    from jishu.model import ProgressReport, SummaryReport

    if isinstance(report, ProgressReport):
        return [report]
    if isinstance(report, SummaryReport):
        return [report.year, report.plan]
    return []
