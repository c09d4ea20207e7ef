"""The `jishu` command line: options, calls into the library, exit codes (SPEC §5). Nothing else.

Exit codes: 0 success; 1 the data has errors (`check`) or --strict and rows were rejected; 2 usage
error, unusable targets file, missing ledger file or column; 75 another summary run holds the lock;
70 a fault of jishu itself. Heavy imports happen inside the commands, so `jishu --help` stays quick.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from jishu import __version__, help
from jishu.fast import prefetch
from jishu.render import RENDERERS

# Help text in the language asked for (SPEC §5: Chinese by default, for help too).
H = help.texts(help.language(sys.argv[1:]))
HELP_OPTIONS = ["-h", "--help"]

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": HELP_OPTIONS},
    help=H["app"],
    epilog=H["app_epilog"],
)

EXIT_DATA_ERRORS = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75


class Lang(str, Enum):
    zh = "zh"
    en = "en"


# The output formats are the renderers' (render.RENDERERS): a new renderer is a new --format.
Format = Enum("Format", {name: name for name in RENDERERS}, type=str)
TABLE = Format("table")


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class By(str, Enum):
    township = "township"
    month = "month"
    quarter = "quarter"


DataOpt = Annotated[Path, typer.Option("--data", envvar="JISHU_DATA", help=H["data"], show_default=True)]
TargetsOpt = Annotated[
    Path, typer.Option("--targets", envvar="JISHU_TARGETS", help=H["targets"], show_default=True)
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help=H["encoding"]),
]
LangOpt = Annotated[Lang, typer.Option("--lang", envvar="JISHU_LANG", help=H["lang"])]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help=H["no_cache"])]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help=H["as_of"])]
YearOpt = Annotated[int | None, typer.Option("--year", help=H["year"], min=1900, max=2100)]
FormatOpt = Annotated[Format, typer.Option("--format", help=H["format"])]
OutputOpt = Annotated[
    Path | None,
    typer.Option("-o", "--output", help=H["output"]),
]

DEFAULT_DATA = Path(prefetch.DEFAULT_DATA)
DEFAULT_TARGETS = Path("targets.yaml")


# ---------------------------------------------------------------- shared steps


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"jishu {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help=H["version"])
    ] = False,
) -> None:
    pass


def _say(text: str) -> None:
    """A line (or lines) on stderr, safe to show (SPEC §6): IDs masked, control characters visible."""
    from jishu import safe

    sys.stderr.write("\n".join(safe.text(line) for line in text.rstrip("\n").split("\n")) + "\n")


def _words(lang: Lang, targets=None):
    from jishu.i18n import Words

    return Words(lang.value, targets.metrics if targets is not None else None)


def fail(lines: list[str] | str, words, code: int = EXIT_USAGE) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        _say(f"{words('error_prefix')}: {line}")
    raise typer.Exit(code)


def usage(words, key: str, **fields) -> NoReturn:
    fail(words.usage(key, **fields), words)


def prepare(data: Path, as_of: str | None, encoding: str | None, words) -> tuple[dt.date, str | None]:
    """What every command that reads ledgers does first: process settings, the as-of date and the
    encoding, checked."""
    from jishu.fast.runtime import prepare as tune

    tune(data)
    return _as_of(as_of, words), _encoding(encoding, words)


def _as_of(text: str | None, words) -> dt.date:
    if text is None:
        return dt.date.today()
    from jishu.values import parse_date

    day = parse_date(text)
    if day is None:
        usage(words, "as_of", value=text)
    return day


def _encoding(encoding: str | None, words) -> str | None:
    if encoding is None:
        return None
    import codecs

    try:
        "a".encode(encoding)  # refuses codecs that are not text encodings (rot13, base64)
        name = codecs.lookup(encoding).name
    except (LookupError, UnicodeError):  # "undefined" refuses even to encode
        usage(words, "encoding", value=encoding)
    if name in _NOT_CHARSETS:
        usage(words, "encoding", value=encoding)
    return name


# Text codecs that are not character sets a file is saved in: domain-name labels and a codec that
# refuses everything. Their decoders raise where a charset reports a byte (even with errors="replace").
_NOT_CHARSETS = frozenset({"punycode", "idna", "undefined"})


def _problems_to_stderr(table, words) -> None:
    from jishu import safe
    from jishu.model import problems_of

    for problem in problems_of(table):
        _say(f"{words('error_prefix')}: {safe.text(words.one_line(problem))}")


def load_targets(path: Path, words):
    from jishu.targets import TargetsError, load

    try:
        return load(path)
    except TargetsError as exc:
        _problems_to_stderr(exc.problems, words)
        raise typer.Exit(EXIT_USAGE) from None


def load_ledgers(
    data: Path, as_of: dt.date, encoding: str | None, no_cache: bool, words, needs, shown: bool = True
):
    """The ledgers, or exit 2 naming what is unusable. `shown`: a run of more than about a second shows
    that it is working, on stderr when that is a terminal (never for JSON)."""
    from jishu.load import LedgersUnusable, load

    try:
        with activity(words("reading", data=data), shown):
            ledgers = load(
                data, as_of, encoding=encoding, use_cache=not no_cache, needs=needs, warn=warner(words)
            )
    except LedgersUnusable as exc:
        _problems_to_stderr(exc.problems, words)
        raise typer.Exit(EXIT_USAGE) from None
    _not_read_to_stderr(ledgers.notices, words)
    return ledgers


@contextmanager
def activity(text: str, shown: bool = True, after: float = 1.0):
    """A spinner with `text` on stderr from `after` seconds into a step, only on a terminal; its timer
    thread is joined before the step returns (SPEC §5: never on a pipe)."""
    if not (shown and sys.stderr.isatty()):
        yield
        return
    import threading

    from rich.console import Console

    status = Console(stderr=True).status(text)
    timer = threading.Timer(after, status.start)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        status.stop()


def _not_read_to_stderr(notices: list[dict], words) -> None:
    """Every file or sheet that was not read is named (SPEC §2), on stderr: the report stays the report."""
    from jishu.model import NOT_READ, problem_table, problems_of

    for problem in problems_of(problem_table([n for n in notices if n["code"] in NOT_READ])):
        _say(f"{words('notice_prefix')}: {words.one_line(problem)}")


def warner(words):
    """What the library warns of (load's `warn`), said on stderr in the user's language."""

    def warn(key: str, detail: str) -> None:
        _say(f"{words('warning_prefix')}: {words(key, detail=detail)}")

    return warn


def output_checked(output: Path | None, words, fmt: str) -> None:
    """Refuse an -o file jishu cannot write in its extension's format, before any work is done. Output
    to stdout: its renderer is imported while a workbook's parse is awaited (fast/prefetch.py)."""
    from jishu.render import FILE_WRITERS, imported

    if output is not None and output.suffix.lower() not in FILE_WRITERS:
        usage(words, "output_format", value=output)
    if output is None:
        prefetch.meanwhile(lambda: imported(fmt))


def emit(report, fmt: str, words, output: Path | None = None, data: Path | None = None) -> None:
    """Write a report to stdout (colour and the terminal's width on a terminal, none when piped), or
    to the -o file in the format of its extension."""
    from jishu.render import FILE_WRITERS, Style, render

    if output is not None:
        write_file(output, FILE_WRITERS[output.suffix.lower()](report, words), words, data or DEFAULT_DATA)
        _say(words("report_written", path=output))
        return

    terminal = sys.stdout.isatty()
    width = os.get_terminal_size(sys.stdout.fileno()).columns if terminal else None
    text = render(report, fmt, words, Style(color=terminal, width=width))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# ---------------------------------------------------------------- commands


@app.command(help=H["progress"], epilog=H["progress_epilog"])
def progress(
    year: YearOpt = None,
    period: Annotated[str | None, typer.Option("--period", help=H["period"])] = None,
    as_of: AsOfOpt = None,
    by: Annotated[By | None, typer.Option("--by", help=H["by"])] = None,
    format: FormatOpt = TABLE,
    output: OutputOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help=H["strict"])] = False,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """How far each target is against the time elapsed (序时进度)."""
    words = _words(lang)
    output_checked(output, words, format.value)
    day, encoding = prepare(data, as_of, encoding, words)
    the_period = _period(year, period, words)
    plan = load_targets(targets, words)
    from jishu.rules import progress as rules

    group = by.value if by else None
    ledgers = load_ledgers(data, day, encoding, no_cache, words, rules.needs(group), format.value != "json")
    report = rules.progress(ledgers, plan, the_period, by=group)
    emit(report, format.value, _words(lang, plan), output, data)
    if strict and report.rejected:
        raise typer.Exit(EXIT_DATA_ERRORS)


def _period(year: int | None, period: str | None, words):
    from jishu.model import Period

    if (year is None) == (period is None):
        usage(words, "year_or_period")
    if year is not None:
        return Period.parse(str(year))
    try:
        result = Period.parse(period)
    except ValueError:
        result = None
    if result is None or not (result.start.year >= 1900 and result.end.year <= 2100):
        usage(words, "period", value=period)
    return result


@app.command(help=H["check"], epilog=H["check_epilog"])
def check(
    format: Annotated[CheckFormat, typer.Option("--format", help=H["check_format"])] = CheckFormat.table,
    output: OutputOpt = None,
    as_of: AsOfOpt = None,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """Validate the targets file and every ledger; list every problem (exit 1 when there are errors)."""
    words = _words(lang)
    output_checked(output, words, format.value)
    day, encoding = prepare(data, as_of, encoding, words)
    from jishu.checking import check as run

    with activity(words("reading", data=data), format.value != "json"):
        report = run(data, targets, day, encoding, not no_cache, warner(words))
    emit(report, format.value, words, output, data)
    raise typer.Exit(EXIT_USAGE if report.unusable else 0 if report.ok else EXIT_DATA_ERRORS)


@app.command(help=H["subsidy"], epilog=H["subsidy_epilog"])
def subsidy(
    employer: Annotated[str | None, typer.Option("--employer", help=H["employer"])] = None,
    agency: Annotated[str | None, typer.Option("--agency", help=H["agency"])] = None,
    year: YearOpt = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = TABLE,
    output: OutputOpt = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help=H["export"]),
    ] = None,
    full_ids: Annotated[bool, typer.Option("--full-ids", help=H["full_ids"])] = False,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """What an employer or HR agency may be paid now, hire by hire, with reasons (SPEC §4)."""
    words = _words(lang)
    if employer is not None and agency is not None:
        usage(words, "employer_and_agency")
    if full_ids and export is None:
        usage(words, "full_ids_alone")
    output_checked(output, words, format.value)
    if export is not None and export.suffix.lower() not in (".csv", ".xlsx"):
        usage(words, "export_format", value=export)
    day, encoding = prepare(data, as_of, encoding, words)
    plan = load_targets(targets, words)
    words = _words(lang, plan)
    from jishu.rules import subsidy as rules

    ledgers = load_ledgers(data, day, encoding, no_cache, words, rules.needs(), format.value != "json")
    query = agency if agency is not None else employer
    if query is None:
        from jishu.rules.audit import flags

        books = rules.books(ledgers, plan.subsidy)
        report = rules.overview(books, year, flags(ledgers, books))
        payouts = [line for book in books.values() for line in book.due(None, year)] if export else []
    else:
        book = rules.Book(ledgers, plan.subsidy, "agency" if agency is not None else "employer")
        try:
            payee = book.find(query)
        except rules.PayeeNotFound as exc:
            _payee_not_found(exc, words)
        report = book.report(payee, year)
        payouts = book.due(payee, year) if export else []
    report.data_through = ledgers.data_through()
    emit(report, format.value, words, output, data)
    if export is not None:
        _write_export(export, payouts, full_ids, words, data)


def _payee_not_found(exc, words) -> NoReturn:
    from jishu import safe

    kind = words(f"kind_{exc.kind}")
    lines = [
        words("payee_ambiguous" if exc.ambiguous else "payee_unknown", kind=kind, query=safe.text(exc.query))
    ]
    if exc.matches:
        found = "; ".join(f"{safe.text(n)} ({i})" if n else i for i, n in exc.matches)
        lines.append(words("close_matches") + "  " + found)
    else:
        lines.append(words("no_close_matches"))
    fail(lines, words)


def _write_export(path: Path, payouts: list, full_ids: bool, words, data: Path) -> None:
    """The payout list for the finance office, laid out for Excel (序号, 合计, Chinese headers); IDs
    masked unless --full-ids (then the file is private to its owner, 0600)."""
    import numpy as np

    from jishu.render import sheets
    from jishu.values import id_strings, masked_ids

    persons = np.array([line.person_id for line in payouts], dtype=np.int64)
    shown = (id_strings(persons) if full_ids else masked_ids(persons)) if payouts else []
    parts = sheets.payout_list(payouts, list(shown), words)
    if path.suffix.lower() == ".xlsx":
        from jishu.render import xlsx

        payload = xlsx.workbook(parts)
    else:
        payload = sheets.excel_csv(parts)
    write_file(path, payload, words, data, mode=0o600 if full_ids else 0o644)
    total = sum(line.amount for line in payouts)
    _say(words("export_written", path=path, n=len(payouts), amount=f"{total:,}"))
    if full_ids:
        _say(words("full_ids_warning", path=path))


def write_file(path: Path, payload: bytes, words, data: Path, mode: int = 0o644) -> None:
    """Write a file the user asked for (SPEC §6): never into the data folder (it would be read as a
    ledger next time); through a temporary file and a rename, so a symlink there is replaced, never
    written through, and a failed write leaves the old file whole."""
    from jishu import files

    if files.inside(path, data):
        usage(words, "write_into_data", value=path, detail=data)
    try:
        files.write_atomic(path, payload, mode)
    except OSError as exc:
        usage(words, "cannot_write", value=path, detail=exc.strerror or type(exc).__name__)


@app.command(help=H["audit"], epilog=H["audit_epilog"])
def audit(
    as_of: AsOfOpt = None,
    format: FormatOpt = TABLE,
    output: OutputOpt = None,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """Payouts the subsidy rules do not support (SPEC §4.1); exit 1 when there are findings."""
    words = _words(lang)
    output_checked(output, words, format.value)
    day, encoding = prepare(data, as_of, encoding, words)
    plan = load_targets(targets, words)
    from jishu.rules import audit as rules
    from jishu.rules.subsidy import needs

    shown = format.value != "json"
    ledgers = load_ledgers(data, day, encoding, no_cache, words, needs(), shown)
    report = rules.audit(ledgers, plan.subsidy)
    report.data_through = ledgers.data_through()
    emit(report, format.value, _words(lang, plan), output, data)
    raise typer.Exit(EXIT_DATA_ERRORS if report.findings else 0)


@app.command(help=H["summary"], epilog=H["summary_epilog"])
def summary(
    out: Annotated[Path, typer.Option("--out", help=H["out"])],
    as_of: AsOfOpt = None,
    lock_wait: Annotated[
        float, typer.Option("--lock-wait", envvar="JISHU_LOCK_WAIT", min=0, help=H["lock_wait"])
    ] = 60.0,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """The nightly job: write DIR/summary-<as-of>.json, .md, .txt and .html, latest.json and history.csv."""
    words = _words(lang)
    day, encoding = prepare(data, as_of, encoding, words)
    if out.exists() and not out.is_dir():
        usage(words, "out_is_file", value=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage(words, "cannot_create", value=out, detail=exc.strerror)
    from jishu import nightly
    from jishu.load import EVERYTHING

    log(f"summary started: as of {day}, data {data}, out {out}")
    try:
        with nightly.folder_lock(out, lock_wait):
            plan = load_targets(targets, words)
            ledgers = load_ledgers(data, day, encoding, no_cache, words, EVERYTHING)
            log(
                f"ledgers read: {ledgers.files_read} files validated, {ledgers.cache_hits} from cache, "
                f"{ledgers.rejected} rows rejected"
            )
            nightly.write_all(out, nightly.build(ledgers, plan), _words(lang, plan), log)
    except nightly.Locked:
        log(f"another summary run holds {out / nightly.LOCK_NAME}; gave up after {lock_wait:g} s")
        raise typer.Exit(EXIT_LOCKED) from None
    except OSError as exc:
        usage(words, "cannot_write_to", value=out, detail=exc.strerror)
    log("summary done")


def log(text: str) -> None:
    """A timestamped line on stderr (the cron log)."""
    _say(f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')} jishu: {text}")


def main() -> None:
    """Console entry point: no traceback reaches a clerk; IDs are masked even in a crash report; and the
    process ends by os._exit once its output is flushed, so no thread or native library's teardown at
    interpreter exit can turn a finished run into an abnormal exit (issue 12, row 15)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # jishu uses none; skips an entry-point scan
    code = _run()
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)


def _run() -> int:
    """Run the command line; its exit code (SPEC §5)."""
    from typer._click import exceptions as click

    try:
        prefetch.from_arguments(sys.argv[1:])
        code = _command().main(args=sys.argv[1:], prog_name="jishu", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except click.NoArgsIsHelpError as exc:  # plain `jishu`: the help (printed as the message is made)
        sys.stdout.write(exc.format_message())
        return EXIT_USAGE
    except click.ClickException as exc:  # a usage error: a bad option or value, an unknown command
        _usage_error(exc)
        return EXIT_USAGE
    except (KeyboardInterrupt, typer.Abort):
        return 130
    except (BrokenPipeError, SystemExit):  # the reader went away (`| head`; rich exits on it): no more to say
        _quiet_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - a fault of jishu itself, not of the input
        _internal_error(exc)
        return 70
    except BaseException as exc:  # a panic in a Rust extension (pyo3's PanicException) is no Exception
        if isinstance(exc, GeneratorExit):
            raise
        _internal_error(exc)
        return 70


def _command():
    """The command line as Typer builds it, its help in the language asked for: Typer's own words and
    the -h/--help option's text as well (only when help is shown: nothing else needs them)."""
    import typer.main

    command = typer.main.get_command(app)
    args = sys.argv[1:]
    if not args or "-h" in args or "--help" in args:
        from typer._click import Context

        help.localise_typer(help.language(args))
        for each in [command, *getattr(command, "commands", {}).values()]:
            option = each.get_help_option(Context(each, help_option_names=HELP_OPTIONS))
            if option is not None:
                option.help = H["help"]
    return command


def _usage_error(exc) -> None:
    """Click's message for a bad option or value, made safe to show, with where to find help."""
    words = _words(Lang(help.language(sys.argv[1:])))
    _say(f"{words('error_prefix')}: {exc.format_message()}")
    context = getattr(exc, "ctx", None)
    command = context.command_path if context is not None else "jishu"
    _say(words("see_help", command=command))


def _internal_error(exc: Exception) -> None:
    if os.environ.get("JISHU_DEBUG"):
        import traceback

        _say("".join(traceback.format_exception(exc)))  # masked like every other line
    _say(
        f"jishu: internal error ({type(exc).__name__}: {str(exc)[:300]}); "
        "set JISHU_DEBUG=1 for details and report it"
    )


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that flushing it at exit raises no second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
