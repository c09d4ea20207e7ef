"""The `jishu` command line: options, calls into the library, exit codes (SPEC §5). Nothing else.

Exit codes: 0 success; 1 the data has errors (`check`) or --strict and rows were rejected; 2 usage
error, unusable targets file, missing ledger file or column; 75 another summary run holds the lock.
Heavy imports (pyarrow, pydantic) happen inside the commands, so `jishu --help` stays quick.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    help="jishu: 「人人持证、技能河南」 ledgers → progress against targets, subsidies, nightly summary.",
)

EXIT_DATA_ERRORS = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class CheckFormat(str, Enum):
    table = "table"
    json = "json"


class By(str, Enum):
    township = "township"
    month = "month"
    quarter = "quarter"


DataOpt = Annotated[
    Path, typer.Option("--data", envvar="JISHU_DATA", help="Folder of the ledger CSVs.", show_default=True)
]
TargetsOpt = Annotated[
    Path, typer.Option("--targets", envvar="JISHU_TARGETS", help="The targets and policy file.", show_default=True)
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="Read every CSV in this encoding (default: detect UTF-8 / GB18030)."),
]
LangOpt = Annotated[Lang, typer.Option("--lang", envvar="JISHU_LANG", help="Language of messages and reports.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Read the CSVs afresh, ignoring the validated cache.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Cut-off date, e.g. 2022-03-31 (default: today).")
]
YearOpt = Annotated[int | None, typer.Option("--year", help="A calendar year, e.g. 2022.", min=1900, max=2100)]

DEFAULT_DATA = Path("data")
DEFAULT_TARGETS = Path("targets.yaml")


LARGE_LEDGERS = 1 << 30  # bytes of CSV in the data folder from which freed memory is kept for reuse


def _csv_bytes(data: Path) -> int:
    try:
        return sum(e.stat().st_size for e in os.scandir(data) if e.name.lower().endswith(".csv") and e.is_file())
    except OSError:
        return 0


def _tune_allocators(data: Path) -> None:
    """Allocator settings by the size of the ledgers: how long freed memory is kept before it is returned.

    A run allocates and frees large arrays batch after batch. Memory returned to the system is zeroed
    again by the kernel when it is taken back: on the province-sized benchmark (4 GB of CSV) that cost
    about a third of the run (perf: clear_page_erms; 18.9 s against 10.9 s when kept). Keeping it costs
    memory instead, since each thread keeps what it freed: at city size (0.45 GB of CSV), keeping it
    for mimalloc's default second raised peak memory from 0.59 to 0.77 GB for no measurable gain in
    time. So from LARGE_LEDGERS bytes of CSV freed memory is kept for the whole run, below that it goes
    back after 10 ms. Only on the command line, and only where the user has not set these themselves."""
    if _csv_bytes(data) < LARGE_LEDGERS:
        os.environ.setdefault("MIMALLOC_PURGE_DELAY", "10")  # pyarrow's allocator; read when pyarrow loads
        return
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "-1")
    # numpy asks for transparent huge pages for large arrays; faulting them in (2 MB zeroed at a time)
    # cost more system time than it saved (province: 2.3-2.8 s against 3.2-3.6 s, four runs each).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        most = ctypes.c_int((1 << 31) - 1)  # mallopt takes a C int
        libc.mallopt(-1, most)  # M_TRIM_THRESHOLD: do not give the heap top back
        # M_MMAP_THRESHOLD: arrays up to 32 MB (a batch's temporaries) from the heap, reused after free;
        # larger ones (a few whole-column copies) mapped afresh. All from the heap kept more dead memory
        # and was no faster (province: 8.9 against 8.7 s, median of five).
        libc.mallopt(-3, ctypes.c_int(32 << 20))
    except (OSError, AttributeError):
        pass


def _without_pandas_in_pyarrow(data: Path) -> None:
    """pyarrow imports pandas (about 0.1 s) the first time it converts any Python value, only to ask
    whether that value is a pandas object. jishu never hands it one, so on the command line (not in
    the library: a notebook may want pandas support in pyarrow) pyarrow's one import attempt is made
    to fail. jishu's own `import pandas`, where it uses pandas, works as usual afterwards."""
    if "pandas" in sys.modules or "pyarrow" in sys.modules:
        return
    _tune_allocators(data)
    import importlib.abc

    class NoPandas(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "pandas":
                raise ImportError("pandas is not needed by pyarrow here")

    blocker = NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        import pyarrow

        pyarrow.scalar(0)  # the shim tries its import here, once
    finally:
        sys.meta_path.remove(blocker)


def _say(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def fail(lines: list[str] | str, lang: Lang | str, code: int = EXIT_USAGE) -> NoReturn:
    from jishu.i18n import word

    for line in [lines] if isinstance(lines, str) else lines:
        _say(f"{word('error_prefix', str(getattr(lang, 'value', lang)))}: {line}")
    raise typer.Exit(code)


def _lang(lang: Lang) -> str:
    return lang.value


def _usage(lang: Lang, zh: str, en: str) -> NoReturn:
    fail(en if lang == Lang.en else zh, lang)


def parse_as_of(text: str | None, lang: Lang) -> dt.date:
    if text is None:
        return dt.date.today()
    from jishu.dates import parse_date

    day = parse_date(text)
    if day is None:
        _usage(lang, f"--as-of 的值“{text}”不是有效日期（例如 2022-03-31）",
               f"--as-of '{text}' is not a valid date (e.g. 2022-03-31)")
    return day


def check_encoding(encoding: str | None, lang: Lang) -> str | None:
    if encoding is None:
        return None
    import codecs

    try:
        "a".encode(encoding)  # refuses codecs that are not text encodings (rot13, base64)
        return codecs.lookup(encoding).name
    except LookupError:
        _usage(lang, f"--encoding 的值“{encoding}”不是已知的编码（可用 utf-8、gb18030、gbk）",
               f"--encoding '{encoding}' is not a known encoding (try utf-8, gb18030, gbk)")


def prepare(data: Path, as_of: str | None, encoding: str | None, lang: Lang) -> tuple[dt.date, str | None]:
    """What every command that reads ledgers does first: the as-of date and the encoding, checked."""
    _without_pandas_in_pyarrow(data)
    return parse_as_of(as_of, lang), check_encoding(encoding, lang)


def _print_problems_stderr(rows: list[dict], lang: Lang) -> None:
    from jishu.problems import one_line

    for row in rows:
        fail_line = one_line(row, _lang(lang))
        from jishu.i18n import word

        _say(f"{word('error_prefix', _lang(lang))}: {fail_line}")


def load_targets(path: Path, lang: Lang):
    from jishu.targets import TargetsError, load

    try:
        return load(path)
    except TargetsError as exc:
        _print_problems_stderr(exc.problems, lang)
        raise typer.Exit(EXIT_USAGE) from None


def load_ledgers(data: Path, as_of: dt.date, encoding: str | None, no_cache: bool, lang: Lang, columns=None):
    from jishu import ledgers

    try:
        return ledgers.load(data, as_of, encoding=encoding, use_cache=not no_cache, columns=columns)
    except ledgers.LedgersUnusable as exc:
        _print_problems_stderr(exc.problems.to_pylist(), lang)
        raise typer.Exit(EXIT_USAGE) from None


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(file=stream, highlight=False, width=width, soft_wrap=False)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def progress(
    year: YearOpt = None,
    period: Annotated[str | None, typer.Option("--period", help="The plan period, e.g. 2021-2025.")] = None,
    as_of: AsOfOpt = None,
    by: Annotated[By | None, typer.Option("--by", help="Break down by township, month or quarter.")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any row was rejected.")] = False,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """How far each target is against the time elapsed (序时进度)."""
    the_period = _period(year, period, lang)
    day, encoding = prepare(data, as_of, encoding, lang)
    plan = load_targets(targets, lang)
    from jishu.progress import columns_needed

    books = load_ledgers(data, day, encoding, no_cache, lang, columns_needed(by.value if by else None))
    from jishu.progress import progress as compute

    report = compute(books, plan, the_period, day, by=by.value if by else None, lang=_lang(lang))
    if format == Format.json:  # for other tools: no table library needed
        write(report.model_dump_json(indent=2))
        raise typer.Exit(EXIT_DATA_ERRORS if strict and report.rejected else 0)
    from jishu import render

    if format == Format.csv:
        write(render.progress_csv(report))
    elif format == Format.markdown:
        write(render.progress_markdown(report, _lang(lang)))
    else:
        out = console()
        for table in render.progress_table(report, _lang(lang)):
            out.print(table)
        for line in render.progress_footer(report, _lang(lang)):
            out.print(line, markup=False)
    if strict and report.rejected:
        raise typer.Exit(EXIT_DATA_ERRORS)


def _period(year: int | None, period: str | None, lang: Lang):
    from jishu.targets import Period

    if (year is None) == (period is None):
        _usage(lang, "请给出 --year（如 2022）或 --period（如 2021-2025）中的一个",
               "give exactly one of --year (e.g. 2022) or --period (e.g. 2021-2025)")
    if year is not None:
        return Period.parse(str(year))
    try:
        result = Period.parse(period)
    except ValueError:
        result = None
    if result is None or not (1900 <= result.start.year and result.end.year <= 2100):
        _usage(lang, f"--period 的值“{period}”应为年份区间，例如 2021-2025",
               f"--period '{period}' must be a span of years, e.g. 2021-2025")
    return result


@app.command()
def check(
    format: Annotated[CheckFormat, typer.Option("--format", help="Output format.")] = CheckFormat.table,
    as_of: AsOfOpt = None,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """Validate the targets file and every ledger; list every problem (exit 1 when there are errors)."""
    day, encoding = prepare(data, as_of, encoding, lang)
    from jishu import render
    from jishu.checking import check as run_check

    report = run_check(data, targets, day, encoding, not no_cache, _lang(lang))
    if format == CheckFormat.json:
        write(report.model_dump_json(indent=2))
    else:
        from jishu.i18n import word

        out = console()
        if report.problems:
            out.print(render.problems_table(report.problems, _lang(lang)))
        summary = report.summary()
        text = word("check_summary", _lang(lang), **summary) if report.problems else word("check_ok", _lang(lang))
        out.print(text, markup=False)
        for line in report.footer(_lang(lang)):
            out.print(line, markup=False)
    raise typer.Exit(report.exit_code)


@app.command()
def subsidy(
    employer: Annotated[str | None, typer.Option("--employer", help="An employer's credit code or exact name.")] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="An HR agency's credit code or exact name.")] = None,
    year: YearOpt = None,
    as_of: AsOfOpt = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    export: Annotated[
        Path | None, typer.Option("--export", help="Write the payout list of due hires to this CSV file.")
    ] = None,
    full_ids: Annotated[bool, typer.Option("--full-ids", help="Put full ID numbers in the export (mode 0600).")] = False,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """What an employer or HR agency may be paid now, hire by hire, with reasons (SPEC §4)."""
    if employer is not None and agency is not None:
        _usage(lang, "--employer 和 --agency 只能给出一个", "give --employer or --agency, not both")
    if full_ids and export is None:
        _usage(lang, "--full-ids 只能与 --export 一起使用", "--full-ids only goes with --export")
    day, encoding = prepare(data, as_of, encoding, lang)
    plan = load_targets(targets, lang)
    books = load_ledgers(data, day, encoding, no_cache, lang)
    from jishu import render
    from jishu import subsidy as sub

    code = _lang(lang)
    kind = "agency" if agency is not None else "employer"
    query = agency if agency is not None else employer
    if query is None:
        report = sub.overview(books, plan.subsidy, day, year)
        rows = [r for k in sub.KINDS for r in sub.Book(books, plan.subsidy, k, day).due(None, year)] if export else []
        outputs = (report.model_dump_json(indent=2), render.overview_csv(report),
                   lambda: render.overview_markdown(report, code), lambda: render.overview_tables(report, code))
    else:
        book = sub.Book(books, plan.subsidy, kind, day)
        try:
            payee = sub.find_payee(book, query)
        except sub.PayeeNotFound as exc:
            _payee_not_found(exc, lang)
        report = sub.payee_report(book, payee, year)
        rows = book.due(payee, year) if export else []
        outputs = (report.model_dump_json(indent=2), render.payee_csv(report),
                   lambda: render.payee_markdown(report, code), lambda: render.payee_tables(report, code))
    as_json, as_csv, as_markdown, as_tables = outputs
    if format == Format.json:
        write(as_json)
    elif format == Format.csv:
        write(as_csv)
    elif format == Format.markdown:
        write(as_markdown())
    else:
        out = console()
        for table in as_tables():
            out.print(table)
    if export is not None:
        _write_export(export, render.export_csv(rows, full_ids), full_ids, rows, lang)


def _payee_not_found(exc, lang: Lang) -> NoReturn:
    from jishu.i18n import word

    code = _lang(lang)
    kind = word(f"kind_{exc.kind}", code)
    lines = [word("payee_ambiguous" if exc.ambiguous else "payee_unknown", code, kind=kind, query=exc.query)]
    if exc.matches:
        lines.append(word("close_matches", code) + "  " + "; ".join(f"{n} ({i})" if n else i for i, n in exc.matches))
    else:
        lines.append(word("no_close_matches", code))
    fail(lines, lang)


def _write_export(path: Path, text: str, full_ids: bool, rows: list[dict], lang: Lang) -> None:
    from jishu.i18n import word

    code = _lang(lang)
    payload = ("\ufeff" + text).encode("utf-8")  # BOM: Excel then opens it as UTF-8
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if full_ids else 0o644)
        with os.fdopen(fd, "wb") as out:
            if full_ids:
                os.fchmod(out.fileno(), 0o600)
            out.write(payload)
    except OSError as exc:
        _usage(lang, f"无法写入 {path}：{exc.strerror}", f"cannot write {path}: {exc.strerror}")
    total = sum(r["amount"] for r in rows)
    _say(word("export_written", code, path=path, n=len(rows), amount=f"{total:,}"))
    if full_ids:
        _say(word("full_ids_warning", code, path=path))


@app.command()
def summary(
    out: Annotated[Path, typer.Option("--out", help="Folder for the dated summary files (created if missing).")],
    as_of: AsOfOpt = None,
    lock_wait: Annotated[
        float, typer.Option("--lock-wait", envvar="JISHU_LOCK_WAIT", min=0, help="Seconds to wait for another run.")
    ] = 60.0,
    data: DataOpt = DEFAULT_DATA,
    targets: TargetsOpt = DEFAULT_TARGETS,
    encoding: EncodingOpt = None,
    lang: LangOpt = Lang.zh,
    no_cache: NoCacheOpt = False,
) -> None:
    """The nightly job: write DIR/summary-<as-of>.json, .md and .html, latest.json and history.csv."""
    day, encoding = prepare(data, as_of, encoding, lang)
    if out.exists() and not out.is_dir():
        _usage(lang, f"--out {out} 是一个文件，不是文件夹", f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _usage(lang, f"无法创建文件夹 {out}：{exc.strerror}", f"cannot create the folder {out}: {exc.strerror}")
    from jishu import summary as nightly

    log(f"summary started: as of {day}, data {data}, out {out}")
    try:
        with nightly.folder_lock(out, lock_wait):
            plan = load_targets(targets, lang)
            books = load_ledgers(data, day, encoding, no_cache, lang)
            log(f"ledgers read: {books.files_read} files validated, {books.cache_hits} from cache, "
                f"{books.rejected} rows rejected")
            report = nightly.build(books, plan, day, _lang(lang))
            nightly.write_all(out, report, _lang(lang), log)
    except nightly.Locked:
        log(f"another summary run holds {out / nightly.LOCK_NAME}; gave up after {lock_wait:g} s")
        raise typer.Exit(EXIT_LOCKED) from None
    except OSError as exc:
        _usage(lang, f"无法写入 {out}：{exc.strerror}", f"cannot write to {out}: {exc.strerror}")
    log("summary done")


def log(text: str) -> None:
    """A timestamped line on stderr (the cron log)."""
    from jishu.ids import scrub

    _say(f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')} jishu: {scrub(text)}")


def main() -> None:
    """Console entry point: no traceback reaches a clerk; IDs are masked even in a crash report."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # jishu uses none; skips an entry-point scan
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a fault of jishu itself, not of the input
        if os.environ.get("JISHU_DEBUG"):
            raise
        from jishu.ids import scrub

        _say(f"jishu: internal error ({type(exc).__name__}: {scrub(str(exc))[:300]}); "
             "set JISHU_DEBUG=1 for details and report it")
        sys.exit(70)
