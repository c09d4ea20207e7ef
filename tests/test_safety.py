"""Issue 12, an attacker-minded review: what a ledger cell, a file, a folder or targets.yaml can never make
jishu do (SPEC §5: exit codes, no traceback; SPEC §6: safety). One or more tests per row of the issue; each
docstring names its row.

Every test runs the real command line in a subprocess (`python -m jishu`) on real files under tmp_path,
with a timeout so that a hang fails instead of blocking the suite. Row 1 also runs commands on a
pseudo-terminal (80 columns) to see what a terminal gets.

What every run is held to (`assert_safe`):
- it did not hang; its exit code is never 70 (a bug) and never negative (killed by a signal);
- no Python traceback on stdout or stderr;
- no whole resident ID (17 digits and a GB 11643 check character, also with spaces, hyphens or dots
  between the 6-8-4 groups, also in full-width digits) in stdout, stderr or any file it wrote;
- no raw control or bidi character (C0 but tab, newline and CR; ESC; DEL; C1; U+202A-U+202E,
  U+2066-U+2069), nor a numeric character reference or an xlsx `_xHHHH_` escape that stands for one, in
  any of them. On a terminal rich's own SGR colour and cursor codes are allowed, and only those: the
  payloads (`ESC[2J`, OSC 8 hyperlinks and OSC 0 titles ending in BEL, C1 CSI, U+202E, U+2066) have
  shapes rich never sends.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import termios
import time
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, TARGETS, credit_code, ledger_folder, resident_id

# ---------------------------------------------------------------------------------------------- helpers

TIMEOUT = 60  # seconds; a healthy run on these small folders takes about one
HANG_TIMEOUT = 10  # for the cases that used to hang (FIFOs); a healthy run takes about one second
MEMORY_LIMIT = 3 << 30  # address space for runs that could eat memory (a healthy run needs under 1 GiB)
SAMPLE = ROOT / "data"

EMPLOYER = credit_code("91410122MA44AAAA0")
EMPLOYER_NAME = "中牟县测试食品有限公司"
AGENCY = credit_code("91410122MA55BBBB0")
AGENCY_NAME = "郑州测试人力资源有限公司"
PROGRESS = ["progress", "--year", "2022", "--as-of", "2022-12-31"]
SUBSIDY = ["subsidy", "--as-of", "2023-12-31"]
SUMMARY_AS_OF = "2022-12-31"


@dataclass
class Result:
    args: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool = False
    terminal: bool = False

    def describe(self) -> str:
        def tail(text: str) -> str:
            return repr(text[-1500:]) if text else "''"

        special = set(" \x1b\u202e")
        command = " ".join(repr(a) if set(a) & special else a for a in self.args)
        return (
            f"\n  command: jishu {command}"
            f"\n  exit: {self.returncode}{' (HUNG, killed)' if self.timed_out else ''} after {self.elapsed:.1f} s"
            f"\n  stdout: {tail(self.stdout)}\n  stderr: {tail(self.stderr)}"
        )

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(extra: dict | None = None, home: Path | None = None) -> dict[str, str]:
    """The caller's environment without any JISHU_* variable (and without NO_COLOR), plus `extra`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("JISHU_") and k not in ("NO_COLOR", "COLUMNS")
    }
    env["PYTHONIOENCODING"] = "utf-8"
    if home is not None:
        env["XDG_CACHE_HOME"] = str(home / "xdg-cache")
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def chain(*functions):
    """One preexec_fn from several (None entries skipped)."""
    functions = [f for f in functions if f is not None]
    if not functions:
        return None

    def run_all():
        for f in functions:
            f()

    return run_all


def memory_limit(limit: int = MEMORY_LIMIT):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def file_size_limit(limit: int):
    """Writes beyond `limit` bytes fail with EFBIG (SIGXFSZ ignored): a disk that is full for this process."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def with_umask(mask: int):
    def apply():
        os.umask(mask)

    return apply


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_cli(
    args,
    *,
    cwd: Path,
    env: dict | None = None,
    timeout: float = TIMEOUT,
    preexec=None,
    terminal: bool = False,
    columns: int = 80,
) -> Result:
    """Run `python -m jishu ARGS` in its own session; on timeout kill its process group (and report a hang)."""
    args = [str(a) for a in args]
    cmd = [sys.executable, "-m", "jishu", *args]
    cwd.mkdir(parents=True, exist_ok=True)
    full_env = clean_env(env, home=cwd)
    if terminal:
        return _run_on_terminal(cmd, args, cwd, full_env, timeout, preexec, columns)
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=preexec,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        out, err = proc.communicate()
    return Result(
        args,
        proc.returncode,
        out.decode("utf-8", "surrogateescape"),
        err.decode("utf-8", "surrogateescape"),
        time.monotonic() - start,
        timed_out,
    )


def _run_on_terminal(cmd, args, cwd, env, timeout, preexec, columns) -> Result:
    """stdout and stderr on one pseudo-terminal of `columns` columns, as a clerk's terminal gets them."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = dict(env, COLUMNS=str(columns), LINES="50", TERM="xterm-256color")
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=preexec,
    )
    os.close(slave)
    chunks: list[bytes] = []
    timed_out = False
    try:
        while True:
            if time.monotonic() - start > timeout:
                timed_out = True
                _kill_group(proc)
                break
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every slave end is closed, the child is gone
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    proc.wait()
    text = b"".join(chunks).decode("utf-8", "surrogateescape")
    return Result(args, proc.returncode, text, "", time.monotonic() - start, timed_out, terminal=True)


class CLI:
    """`cli(*args)`: run jishu with a private working folder (so `./data` and `./targets.yaml` never exist)."""

    def __init__(self, home: Path):
        self.home = home

    def __call__(self, *args, **options) -> Result:
        return run_cli(list(args), cwd=self.home, **options)


@pytest.fixture
def cli(tmp_path) -> CLI:
    return CLI(tmp_path / "cwd")


def std(data: Path, targets: Path = TARGETS) -> list[str]:
    return ["--data", str(data), "--targets", str(targets)]


# ---- resident IDs

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def check_char(body17: str) -> str:
    value = (12 - sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS)) % 11) % 11
    return "X" if value == 10 else str(value)


ID_SHAPED = re.compile(r"(?<![0-9])([0-9]{6})[ .\-]?([0-9]{8})[ .\-]?([0-9]{3})([0-9Xx])(?![0-9])")
FULLWIDTH = str.maketrans("0123456789X-. ", "０１２３４５６７８９Ｘ－．\u3000")


def _real_birth_date(yyyymmdd: str) -> bool:
    try:
        return 1900 <= int(yyyymmdd[:4]) <= 2099 and bool(
            dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
        )
    except ValueError:
        return False


def whole_ids(text: str) -> list[str]:
    """Valid resident IDs in `text`, whole: 17 digits and their check character (GB 11643), a real birth
    date in digits 7-14, the groups 6-8-4 maybe parted by a space, hyphen or dot; also after NFKC
    (full-width digits, ideographic spaces). (The birth date tells IDs from all-digit credit codes such as
    914101222580523186, whose check character may match by chance.)"""
    found = []
    for variant in {text, unicodedata.normalize("NFKC", text)}:
        for m in ID_SHAPED.finditer(variant):
            body = m.group(1) + m.group(2) + m.group(3)
            if check_char(body) == m.group(4).upper() and _real_birth_date(m.group(2)):
                found.append(m.group(0))
    return found


def person(i: int, birth: str | None = None) -> str:
    """The i-th synthetic resident (valid ID)."""
    return resident_id(birth=birth or f"19{80 + i % 20}{1 + i % 12:02d}{1 + i % 28:02d}", seq=100 + i % 900)


def shaped(pid: str, how: str) -> str:
    """An ID written the ways clerks write them."""
    a, b, c = pid[:6], pid[6:14], pid[14:]
    return {
        "plain": pid,
        "spaces": f"{a} {b} {c}",
        "hyphens": f"{a}-{b}-{c}",
        "dots": f"{a}.{b}.{c}",
        "mixed": f"{a} {b}-{c}",
        "fullwidth": pid.translate(FULLWIDTH),
        "ideographic": f"{a}\u3000{b}\u3000{c}",
        "lower": pid.lower(),
    }[how]


SHAPES = ["plain", "spaces", "hyphens", "dots", "mixed", "fullwidth", "ideographic"]


def id_with_x(i: int = 0) -> str:
    """A valid ID whose check character is X (to see `x`/`X` both masked)."""
    for seq in range(1000):
        pid = resident_id(birth="19900915", seq=(seq + i * 37) % 1000)
        if pid.endswith("X"):
            return pid
    raise AssertionError("no ID with check character X")


# ---- control characters

_RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\udc80-\udc9f]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_XLSX_ESCAPE = re.compile(r"_x([0-9a-fA-F]{4})_")
# what rich itself sends to a terminal: SGR colours, cursor show/hide, erase line, cursor moves
_RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[[0-9]*[ABCDGK]")


def _forbidden(cp: int) -> bool:
    return (
        (cp < 0x20 and cp not in (9, 10, 13))
        or 0x7F <= cp <= 0x9F
        or 0x202A <= cp <= 0x202E
        or 0x2066 <= cp <= 0x2069
    )


def raw_controls(text: str, terminal: bool = False, xlsx: bool = False) -> list[str]:
    """Control and bidi characters that would act on whatever shows `text` (terminal, browser, Excel)."""
    if terminal:
        text = _RICH_OWN.sub("", text)
    found = [repr(c) for c in _RAW_CONTROL.findall(text)]
    for m in _CHAR_REF.finditer(text):
        cp = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if _forbidden(cp):
            found.append(m.group(0))
    if xlsx:
        found += [m.group(0) for m in _XLSX_ESCAPE.finditer(text) if _forbidden(int(m.group(1), 16))]
    return found


def _context(text: str, needle: str) -> str:
    at = text.find(needle)
    return repr(text[max(0, at - 120) : at + 120]) if at >= 0 else ""


# ---- outputs


def output_files(*paths: Path) -> list[Path]:
    """Regular files under `paths` (folders walked), the summary lock left out."""
    found = []
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            found += [q for q in sorted(p.rglob("*")) if q.is_file() and q.name != ".jishu-summary.lock"]
        elif p.is_file():
            found.append(p)
    return found


def file_texts(path: Path) -> list[tuple[str, str, bool]]:
    """(label, text, is_xlsx) for a written file; an xlsx (zip) is read member by member, and its cells too."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                parts.append((f"{path.name}:{name}", z.read(name).decode("utf-8", "surrogateescape"), True))
        try:
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(data))
            cells = []
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (
                            f"{path.name}: a formula cell {cell.coordinate}: {cell.value!r}"
                        )
                        if cell.value is not None:
                            cells.append(str(cell.value))
            parts.append((f"{path.name} (cells)", "\n".join(cells), True))
        except ImportError:
            pass
        return parts
    return [(path.name, data.decode("utf-8", "surrogateescape").removeprefix("\ufeff"), False)]


def assert_safe(
    res: Result,
    *written: Path,
    exit_codes: tuple[int, ...] | None = None,
    ids_allowed_in: tuple[Path, ...] = (),
) -> None:
    """The invariants of every run (see the module docstring); `written` are files or folders it wrote.
    Leaks are collected over every stream and file first, so that one failure lists them all."""
    where = res.describe()
    assert not res.timed_out, f"hung: killed after {res.elapsed:.0f} s{where}"
    assert res.returncode is not None and res.returncode >= 0, (
        f"killed by signal {-(res.returncode or 0)}{where}"
    )
    assert res.returncode != 70, f"exit 70 (a bug in jishu; bad input must never cause it){where}"
    if exit_codes is not None:
        assert res.returncode in exit_codes, f"exit {res.returncode}, expected one of {exit_codes}{where}"
    streams = [("stdout", res.stdout), ("stderr", res.stderr)]
    for label, text in streams:
        assert "Traceback (most recent call last)" not in text, f"a Python traceback on {label}{where}"
    texts = [(label, text, res.terminal, False) for label, text in streams]
    allowed = {p.resolve() for p in ids_allowed_in}
    for path in output_files(*written):
        for label, text, is_xlsx in file_texts(path):
            texts.append(
                (label, text, False, is_xlsx) if path.resolve() not in allowed else (label, text, False, None)
            )
    leaks = []
    for label, text, terminal, is_xlsx in texts:
        if is_xlsx is not None:  # None: a --full-ids export, where whole IDs are the point
            ids = whole_ids(text)
            if ids:
                leaks.append(f"whole resident IDs in {label}: {ids[:4]} near {_context(text, ids[0])}")
        bad = raw_controls(text, terminal=terminal, xlsx=bool(is_xlsx))
        if bad:
            shown = _RICH_OWN.sub("", text) if terminal else text
            first = _RAW_CONTROL.search(shown)
            near = repr(shown[max(0, first.start() - 60) : first.start() + 60]) if first else ""
            leaks.append(f"raw control/bidi characters in {label}: {bad[:8]}, first near {near}")
    if leaks:
        raise AssertionError(f"{len(leaks)} leak(s): " + "\n  ".join(leaks) + where)


def assert_visible(text: str, pattern: str, what: str, res: Result | None = None) -> None:
    """A value with control characters is shown, with its controls made visible (not silently dropped)."""
    assert re.search(pattern, text), (
        f"{what}: expected a visible form matching {pattern!r}{res.describe() if res else ''}"
    )


# ---- ledgers


def base_rows(
    n: int = 4,
    *,
    township: str | list[str] = "白沙镇",
    name: str = "张三",
    employer_name: str = EMPLOYER_NAME,
    agency_name: str = AGENCY_NAME,
) -> dict[str, list[dict]]:
    """A small, valid county: n persons trained in 2022, certified in 2021, hired in 2021 at a small employer
    (every other one through an agency), one payout. As of 2023-12-31 every hire is eligible."""
    towns = township if isinstance(township, list) else [township]
    rows: dict[str, list[dict]] = {"trainings": [], "certificates": [], "hires": [], "payouts": []}
    for i in range(n):
        pid, town = person(i), towns[i % len(towns)]
        rows["trainings"].append(
            {
                "person_id": pid,
                "name": name,
                "class_id": f"ZM22-{i:02d}",
                "start_date": "2022-01-10",
                "end_date": "2022-02-20",
                "subsidized": "是",
                "township": town,
            }
        )
        rows["certificates"].append(
            {
                "cert_no": f"C{i:04d}",
                "person_id": pid,
                "name": name,
                "cert_type": "职业技能等级证书",
                "level": "3",
                "issue_date": "2021-01-05",
                "township": town,
            }
        )
        through_agency = i % 2 == 0
        rows["hires"].append(
            {
                "person_id": pid,
                "name": name,
                "employer_id": EMPLOYER,
                "employer_name": employer_name,
                "employer_size": "小型",
                "hire_date": "2021-02-01",
                "separation_date": "",
                "insured_months": "24",
                "agency_id": AGENCY if through_agency else "",
                "agency_name": agency_name if through_agency else "",
                "in_province": "是" if through_agency else "",
                "township": town,
            }
        )
    rows["payouts"].append(
        {
            "payee_id": EMPLOYER,
            "kind": "employer",
            "person_id": person(0),
            "amount": "1000",
            "paid_date": "2022-03-01",
            "batch": "B2022-01",
        }
    )
    return rows


def make_data(folder: Path, rows: dict[str, list[dict]] | None = None, **options) -> Path:
    return ledger_folder(folder, **(rows if rows is not None else base_rows(**options)))


def write_targets(path: Path, change) -> Path:
    """The shipped targets.yaml, loaded, changed by `change(doc)`, written back."""
    doc = yaml.safe_load(TARGETS.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def without_township_list(path: Path) -> Path:
    """The shipped targets.yaml without `township_names` (SPEC §2: then a township is shown as typed, not
    grouped as 未识别乡镇), for the tests that look at how township values are shown."""
    return write_targets(
        path, lambda doc: (doc.pop("township_names", None), doc.pop("township_aliases", None))
    )


def progress_json(res: Result) -> dict[str, int | float | None]:
    return {m["key"]: m["actual"] for m in json.loads(res.stdout)["metrics"]}


# ---- a process hook (sitecustomize) for faults that input cannot cause: a crash, a kill mid-write

HOOK = r"""
import os, signal
_into = os.environ.get("TEST_HOOK_KILL_ON_RENAME_INTO")
if _into:
    _into = os.path.abspath(_into).rstrip("/") + "/"
    _at = int(os.environ.get("TEST_HOOK_KILL_AT", "1"))
    _seen = [0]
    _rename, _replace = os.rename, os.replace
    def _inside(p):
        try:
            return os.path.abspath(os.fsdecode(os.fspath(p))).startswith(_into)
        except TypeError:
            return False
    def _maybe_die(src, dst):
        if _inside(dst):
            _seen[0] += 1
            if _seen[0] >= _at:
                os.kill(os.getpid(), signal.SIGKILL)
    def rename(src, dst, *a, **k):
        _maybe_die(src, dst)
        return _rename(src, dst, *a, **k)
    def replace(src, dst, *a, **k):
        _maybe_die(src, dst)
        return _replace(src, dst, *a, **k)
    os.rename, os.replace = rename, replace
_fault = os.environ.get("TEST_HOOK_FAULT_DIR")
if _fault:
    import pathlib
    _fault = os.path.abspath(_fault)
    _message = os.environ.get("TEST_HOOK_FAULT_MESSAGE", "injected fault")
    _scandir, _listdir, _iterdir = os.scandir, os.listdir, pathlib.Path.iterdir
    def _check(p):
        try:
            text = os.fsdecode(os.fspath(p))
        except TypeError:
            return
        if os.path.abspath(text) == _fault:
            raise RuntimeError(_message)
    def scandir(p=".", *a, **k):
        _check(p)
        return _scandir(p, *a, **k)
    def listdir(p=".", *a, **k):
        _check(p)
        return _listdir(p, *a, **k)
    def iterdir(self):
        _check(self)
        return _iterdir(self)
    os.scandir, os.listdir, pathlib.Path.iterdir = scandir, listdir, iterdir
"""


def hook_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    folder = tmp_path / "hook"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    path = [str(folder)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    return {"PYTHONPATH": os.pathsep.join(path), **variables}


# ---- a full disk


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "256k"):
    """A small tmpfs mounted at `where` (skips the test where mounting is not permitted)."""
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill_up(folder: Path, leave: int = 0) -> Path:
    """Fill the file system of `folder`, leaving about `leave` bytes free (0: not a byte)."""
    filler = folder / "filler.bin"
    st = os.statvfs(folder)
    want = max(st.f_bavail * st.f_frsize - leave, 0)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        block = b"\0" * 65536
        while want > 0:
            try:
                want -= os.write(fd, block[: min(want, len(block))])
            except OSError:
                break
        if leave == 0:
            for size in (4096, 512, 1):
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * size):
                        pass
    finally:
        os.close(fd)
    return filler


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


# ============================================================================ row 1: control characters

CLEAR = "\x1b[2J"
LINK = "\x1b]8;;http://evil\x07"
LINK_END = "\x1b]8;;\x07"
TITLE = "\x1b]0;pwned\x07"
RLO = "\u202e"
LRI = "\u2066"
CSI8 = "\x9b"

TOWN_RLO = "韩寺" + RLO + "镇"
TOWN_CLEAR = "官渡" + CLEAR + "镇"
TOWN_LINK = "狼城岗" + LINK + "点我" + LINK_END + "镇"
NAME_EVIL = "张" + CLEAR + "三"
EMPLOYER_EVIL = "绿博" + TITLE + "食品"
AGENCY_EVIL = "中介" + LRI + CSI8 + "31m机构"
VISIBLE = {  # value -> a pattern its visible form matches (something printable stands where each control was)
    "township U+202E": r"韩寺\S+镇",
    "township ESC[2J": r"官渡\S+\[2J镇",
    "township OSC 8": r"狼城岗\S+\]8;;http://evil\S+点我",
    "name ESC[2J": r"张\S+\[2J三",
    "employer OSC 0": r"绿博\S+\]0;pwned\S+食品",
    "agency U+2066 C1": r"中介\S+31m机构",
    "end_date OSC 8": r"2022-03-0\S+\]8;;http://evil",
    "subsidized U+202E": r"是\S+否",
    "level ESC[2J": r"三\S+\[2J级",
    "size C1": r"小型\S+2J",
    "class_id OSC 0": r"ZM\S+\]0;pwned\S+22",
}


def payload_rows() -> dict[str, list[dict]]:
    """Control characters in accepted values (townships, names, payee names) and in rejected ones (the value
    `check` echoes), and a duplicate whose key carries an OSC title sequence."""
    rows = base_rows(
        6,
        township=[TOWN_RLO, TOWN_CLEAR, TOWN_LINK],
        name=NAME_EVIL,
        employer_name=EMPLOYER_EVIL,
        agency_name=AGENCY_EVIL,
    )
    evil_class = "ZM" + TITLE + "22"
    rows["trainings"] += [
        {"person_id": person(0), "class_id": evil_class, "end_date": "2022-02-20", "subsidized": "是"},
        {"person_id": person(0), "class_id": evil_class, "end_date": "2022-02-20", "subsidized": "是"},
        {
            "person_id": person(50),
            "class_id": "ZM22-90",
            "end_date": "2022-03-0" + LINK + "1",
            "subsidized": "是",
        },
        {
            "person_id": person(51),
            "class_id": "ZM22-91",
            "end_date": "2022-02-20",
            "subsidized": "是" + RLO + "否",
        },
    ]
    rows["certificates"].append(
        {
            "cert_no": "C9001",
            "person_id": person(52),
            "level": "三" + CLEAR + "级",
            "issue_date": "2021-01-05",
        }
    )
    rows["hires"].append(
        {
            "person_id": person(53),
            "employer_id": EMPLOYER,
            "employer_name": EMPLOYER_EVIL,
            "employer_size": "小型" + CSI8 + "2J",
            "hire_date": "2021-02-01",
            "insured_months": "24",
        }
    )
    return rows


@pytest.fixture(scope="module")
def payload_data(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("payload") / "data", payload_rows())


def test_row1_check_on_a_terminal_shows_controls_visibly(payload_data, cli):
    """Row 1: ESC[2J, OSC 8/OSC 0 and U+202E in rejected cells reach the terminal raw through `check`."""
    res = cli("check", *std(payload_data), terminal=True)
    assert_safe(res, exit_codes=(1,))
    for lang in ("zh", "en"):
        piped = cli("check", "--lang", lang, *std(payload_data))
        assert_safe(piped, exit_codes=(1,))
        for what in ("end_date OSC 8", "subsidized U+202E", "level ESC[2J", "size C1", "class_id OSC 0"):
            assert_visible(piped.stdout, VISIBLE[what], f"check --lang {lang}: {what}", piped)
    as_json = cli("check", "--format", "json", *std(payload_data))
    assert_safe(as_json, exit_codes=(1,))
    values = "\n".join(p.get("value") or "" for p in json.loads(as_json.stdout)["problems"])
    for what in ("end_date OSC 8", "subsidized U+202E", "level ESC[2J", "size C1"):
        assert_visible(values, VISIBLE[what], f"check --format json: {what}", as_json)


def test_row1_progress_by_township_on_a_terminal(payload_data, cli, tmp_path):
    """Row 1: control characters in township cells reach the terminal raw through `progress --by township`;
    they must be visible in the table, CSV, Markdown and JSON as well."""
    targets = without_township_list(tmp_path / "targets.yaml")
    res = cli(*PROGRESS, "--by", "township", *std(payload_data, targets), terminal=True)
    assert_safe(res, exit_codes=(0,))
    for fmt in ("table", "csv", "markdown", "json"):
        piped = cli(*PROGRESS, "--by", "township", "--format", fmt, *std(payload_data, targets))
        assert_safe(piped, exit_codes=(0,))
        for what in ("township U+202E", "township ESC[2J", "township OSC 8"):
            assert_visible(
                piped.stdout, VISIBLE[what], f"progress --by township --format {fmt}: {what}", piped
            )


def test_row1_subsidy_on_a_terminal(payload_data, cli):
    """Row 1: control characters in employer, agency and person names reach the terminal raw through `subsidy`
    (the overview and one employer's hires); piped formats must show them visibly."""
    for args in (SUBSIDY, [*SUBSIDY, "--employer", EMPLOYER], [*SUBSIDY, "--agency", AGENCY]):
        res = cli(*args, *std(payload_data), terminal=True)
        assert_safe(res, exit_codes=(0,))
    for fmt in ("table", "csv", "markdown", "json"):
        overview = cli(*SUBSIDY, "--format", fmt, *std(payload_data))
        assert_safe(overview, exit_codes=(0,))
        for what in ("employer OSC 0", "agency U+2066 C1"):
            assert_visible(overview.stdout, VISIBLE[what], f"subsidy --format {fmt}: {what}", overview)
        one = cli(*SUBSIDY, "--employer", EMPLOYER, "--format", fmt, *std(payload_data))
        assert_safe(one, exit_codes=(0,))
        assert_visible(
            one.stdout, VISIBLE["name ESC[2J"], f"subsidy --employer --format {fmt}: hire names", one
        )


@pytest.fixture(scope="module")
def broken_payload_data(tmp_path_factory) -> Path:
    """Valid ledgers plus one file whose name and header cells carry control characters and which lacks
    required columns (so its name and the headers found are echoed)."""
    folder = make_data(tmp_path_factory.mktemp("broken") / "data")
    name = "trainings_" + CLEAR + RLO + "乡.csv"
    header = "person_id,姓名" + LINK + "x,结业日期" + RLO + "\n"
    (folder / name).write_bytes((header + f"{person(1)},王五,2022-02-20\n").encode("utf-8"))
    return folder


def test_row1_file_names_and_headers_found(broken_payload_data, cli, tmp_path):
    """Row 1: a file name and "headers found" with ESC, OSC 8 and U+202E reach the terminal and stderr raw."""
    res = cli("check", *std(broken_payload_data), terminal=True)
    assert_safe(res, exit_codes=(2,))
    for args in (
        ["check"],
        ["check", "--lang", "en"],
        PROGRESS,
        SUBSIDY,
        ["summary", "--out", tmp_path / "out", "--as-of", SUMMARY_AS_OF],
    ):
        piped = cli(*args, *std(broken_payload_data))
        assert_safe(piped, tmp_path / "out", exit_codes=(2,))
        assert_visible(piped.output, r"trainings_\S+\[2J\S+乡\.csv", f"{args[0]}: the file name", piped)
        assert_visible(piped.output, r"\]8;;http://evil", f"{args[0]}: the headers found", piped)
    as_json = cli("check", "--format", "json", *std(broken_payload_data))
    assert_safe(as_json, exit_codes=(2,))


def test_row1_close_match_lists(payload_data, cli):
    """Row 1: an unknown payee lists close matches (payee names with control characters) on stderr, and
    echoes the query itself (here with ESC[2J in it)."""
    for query in ("绿博食品", "绿博" + CLEAR, "中介机构"):
        for terminal in (True, False):
            kind = "--agency" if query == "中介机构" else "--employer"
            res = cli(*SUBSIDY, kind, query, *std(payload_data), terminal=terminal)
            assert_safe(res, exit_codes=(2,))
    res = cli(*SUBSIDY, "--employer", "绿博食品", *std(payload_data))
    assert_visible(res.stderr, VISIBLE["employer OSC 0"], "the close-match list", res)
    res = cli(*SUBSIDY, "--employer", "绿博" + CLEAR, *std(payload_data))
    assert_visible(res.stderr, r"绿博\S+\[2J", "the query echoed", res)


def test_row1_township_close_matches(tmp_path, cli):
    """Row 1 (SPEC §2 townships): a township not in targets.yaml's `township_names` is a warning naming up to
    three close matches; values and names with control characters are shown visibly there too."""
    targets = write_targets(
        tmp_path / "targets.yaml",
        lambda doc: doc.update(
            township_names=["韩寺镇", "官渡镇", "狼城岗镇", "白沙" + CLEAR + "镇"],
            township_aliases={"白沙": "白沙" + CLEAR + "镇"},
        ),
    )
    data = make_data(tmp_path / "data", township=[TOWN_RLO, TOWN_CLEAR, TOWN_LINK, "白沙镇x"])
    res = cli("check", *std(data, targets), terminal=True)
    assert_safe(res, exit_codes=(0,))
    as_json = cli("check", "--format", "json", *std(data, targets))
    assert_safe(as_json, exit_codes=(0,))
    problems = json.loads(as_json.stdout)["problems"]
    assert any(p["code"] == "township_unknown" for p in problems), as_json.describe()
    for fmt in ("table", "csv", "markdown"):
        by_town = cli(*PROGRESS, "--by", "township", "--format", fmt, *std(data, targets))
        assert_safe(by_town, exit_codes=(0,))
        assert "未识别乡镇" in by_town.stdout or "nrecognised" in by_town.stdout, by_town.describe()


def test_row1_summary_files_and_log(payload_data, cli, tmp_path):
    """Row 1: the nightly summary (JSON, Markdown, HTML, history, log lines on stderr) never carries a raw
    control character from the data; the HTML shows townships visibly."""
    out = tmp_path / "out"
    targets = without_township_list(tmp_path / "targets.yaml")
    res = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(payload_data, targets))
    assert_safe(res, out, exit_codes=(0,))
    html = (out / f"summary-{SUMMARY_AS_OF}.html").read_text(encoding="utf-8")
    for what in ("township U+202E", "township ESC[2J"):
        assert_visible(html, VISIBLE[what], f"summary HTML: {what}", res)


def test_row1_export_file(payload_data, cli, tmp_path):
    """Row 1: `subsidy --export` (CSV and xlsx) carries no raw control characters; names are visible."""
    for name in ("due.csv", "due.xlsx"):
        export = tmp_path / "exports" / name
        export.parent.mkdir(exist_ok=True)
        res = cli(*SUBSIDY, "--export", export, *std(payload_data))
        assert_safe(res, export, exit_codes=(0,))
        assert export.is_file(), res.describe()
        text = "\n".join(t for _, t, _ in file_texts(export))
        assert_visible(text, VISIBLE["employer OSC 0"], f"--export {name}: payee names", res)


@pytest.mark.parametrize("ext", ["csv", "md", "json", "xlsx"])
def test_row1_o_files(payload_data, cli, tmp_path, ext):
    """Row 1 (SPEC §5 `-o FILE`): reports written with -o in each format carry no raw control characters
    (and an xlsx no formula cells); township and payee names are visible."""
    out = tmp_path / "reports"
    out.mkdir()
    runs = [
        ([*PROGRESS, "--by", "township"], (0,), ["township U+202E", "township ESC[2J"]),
        (SUBSIDY, (0,), ["employer OSC 0"]),
        ([*SUBSIDY, "--employer", EMPLOYER], (0,), ["name ESC[2J"]),
        (["check"], (1,), ["end_date OSC 8", "level ESC[2J"]),
        (["audit", "--as-of", "2023-12-31"], (0, 1), []),
    ]
    targets = without_township_list(tmp_path / "targets.yaml")
    for i, (args, codes, visible) in enumerate(runs):
        target = out / f"report-{i}.{ext}"
        res = cli(*args, "-o", target, *std(payload_data, targets))
        assert_safe(res, target, exit_codes=codes)
        assert target.is_file(), f"-o {target.name} was not written{res.describe()}"
        text = "\n".join(t for _, t, _ in file_texts(target))
        for what in visible:
            assert_visible(text, VISIBLE[what], f"{args[0]} -o .{ext}: {what}", res)


MARKUP_TOWN = "[/bold]镇"
MARKUP_EMPLOYER = "[bold red]红[/bold red]厂"
MARKUP_NAME = "[link=http://evil]点[/link]"
MARKUP_AGENCY = "[/]中介"


def test_row1_rich_markup_in_values_is_shown_as_typed(tmp_path, cli):
    """Row 1: rich markup in ledger values is escaped: shown as typed, never interpreted (no crash on a stray
    closing tag, no OSC 8 link made from `[link=…]`)."""
    rows = base_rows(
        4, township=MARKUP_TOWN, name=MARKUP_NAME, employer_name=MARKUP_EMPLOYER, agency_name=MARKUP_AGENCY
    )
    rows["trainings"].append(
        {"person_id": person(60), "class_id": "X1", "end_date": "2022-02-20", "subsidized": "[/bold]"}
    )
    data = make_data(tmp_path / "data", rows)
    targets = without_township_list(tmp_path / "targets.yaml")
    checks = [
        (["check"], (1,), ["[/bold]"]),
        ([*PROGRESS, "--by", "township"], (0,), [MARKUP_TOWN]),
        (SUBSIDY, (0,), [MARKUP_EMPLOYER, MARKUP_AGENCY]),
        ([*SUBSIDY, "--employer", EMPLOYER], (0,), [MARKUP_NAME, MARKUP_EMPLOYER]),
    ]
    for args, codes, literal in checks:
        on_terminal = cli(*args, *std(data, targets), terminal=True)
        assert_safe(on_terminal, exit_codes=codes)
        piped = cli(*args, *std(data, targets))
        assert_safe(piped, exit_codes=codes)
        for text in literal:
            assert text in piped.stdout, f"{args[0]}: {text!r} not shown as typed{piped.describe()}"


def _markup_names(doc: dict) -> None:
    doc["metrics"]["training"]["name"] = "[/bold]职业技能培训"
    doc["metrics"]["skilled"]["name"] = "[link=http://evil]新增技能人才[/link]"
    doc["metrics"]["high_skilled"]["name_en"] = "[/]high-skilled"
    doc["county"] = "[red]中牟县"
    doc["subsidy"]["employer"]["name"] = "[/]吸纳就业补助"
    doc["townships"] = {"2022": {"[/bold]白沙镇": {"training": 5}}}
    doc["township_names"] = ["[/bold]白沙镇"]
    doc.pop("township_aliases", None)


def test_row1_rich_markup_in_targets_names_is_shown_as_typed(tmp_path, cli):
    """Row 1: a metric name `[/bold]` in targets.yaml `metrics:` crashed `progress` with exit 70; names from
    targets.yaml (metrics, county, subsidy, townships) are shown as typed, on a terminal and piped."""
    targets = write_targets(tmp_path / "targets.yaml", _markup_names)
    data = make_data(tmp_path / "data", township="[/bold]白沙镇")  # the township of the targets file
    out = tmp_path / "out"
    for args in (PROGRESS, [*PROGRESS, "--lang", "en"], [*PROGRESS, "--by", "township"], SUBSIDY, ["check"]):
        assert_safe(cli(*args, *std(data, targets), terminal=True), exit_codes=(0,))
    table = cli(*PROGRESS, *std(data, targets))
    assert_safe(table, exit_codes=(0,))
    assert "[/bold]职业技能培训" in table.stdout, table.describe()
    assert "[link=http://evil]新增技能人才[/link]" in table.stdout, table.describe()
    by_town = cli(*PROGRESS, "--by", "township", *std(data, targets))
    assert_safe(by_town, exit_codes=(0,))
    assert "[/bold]白沙镇" in by_town.stdout, by_town.describe()
    for fmt in ("markdown", "csv"):
        assert_safe(cli(*PROGRESS, "--format", fmt, *std(data, targets)), exit_codes=(0,))
    assert_safe(
        cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data, targets)), out, exit_codes=(0,)
    )


def test_row1_control_characters_in_targets_names(tmp_path, cli):
    """Row 1: control and bidi characters in targets.yaml names are either refused (exit 2, with a message) or
    shown visibly; never sent raw to the terminal or into a report."""

    def change(doc):
        doc["metrics"]["training"]["name"] = "培训" + CLEAR + "班"
        doc["metrics"]["skilled"]["name"] = "技能" + RLO + "人才"
        doc["county"] = "中牟" + TITLE + "县"
        doc["townships"] = {"2022": {"白沙" + LINK + "镇": {"training": 5}}}

    targets = write_targets(tmp_path / "targets.yaml", change)
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    first = cli(*PROGRESS, *std(data, targets), terminal=True)
    assert_safe(first, exit_codes=(0, 2))
    if first.returncode == 2:
        return
    for args in ([*PROGRESS, "--by", "township"], SUBSIDY, ["check"]):
        assert_safe(cli(*args, *std(data, targets), terminal=True), exit_codes=(0,))
    for fmt in ("table", "csv", "markdown", "json"):
        piped = cli(*PROGRESS, "--format", fmt, *std(data, targets))
        assert_safe(piped, exit_codes=(0,))
        assert_visible(piped.stdout, r"培训\S+\[2J班", f"progress --format {fmt}: metric name", piped)
    assert_safe(
        cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data, targets)), out, exit_codes=(0,)
    )


# ============================================================================ row 2: resident IDs masked


def test_row2_id_shaped_person_ids_are_masked_by_check(tmp_path, cli):
    """Row 2: `410122 19900915 5000` or `410122-19900915-5000` (valid check character) in person_id is echoed
    whole by `check`; every ID-shaped token must be masked (spaces, hyphens, dots, full-width, lower-case x)."""
    rows = base_rows()
    ids = {shape: person(200 + k) for k, shape in enumerate(SHAPES)}
    ids["lower"] = id_with_x()
    for k, (shape, pid) in enumerate(ids.items()):
        rows["trainings"].append(
            {
                "person_id": shaped(pid, shape),
                "class_id": f"ID-{k}",
                "end_date": "2022-02-20",
                "subsidized": "是",
            }
        )
        rows["payouts"].append(
            {
                "payee_id": EMPLOYER,
                "kind": "employer",
                "person_id": shaped(pid, shape),
                "amount": "1000",
                "paid_date": "2022-03-01",
            }
        )
    # valid IDs rejected for another reason (born after the as-of date), so that they are echoed as typed
    future = resident_id(birth="20300101", seq=7)
    rows["certificates"].append(
        {"cert_no": "F1", "person_id": future, "level": "3", "issue_date": "2021-01-05"}
    )
    rows["certificates"].append(
        {"cert_no": "F2", "person_id": shaped(future, "hyphens"), "level": "3", "issue_date": "2021-01-05"}
    )
    data = make_data(tmp_path / "data", rows)
    for args in (["check"], ["check", "--lang", "en"], ["check", "--format", "json"], PROGRESS, SUBSIDY):
        assert_safe(cli(*args, *std(data)), exit_codes=(0, 1))
    assert_safe(cli("check", *std(data), terminal=True), exit_codes=(0, 1))
    out = tmp_path / "out"
    assert_safe(cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data)), out, exit_codes=(0,))


def id_text_rows() -> dict[str, list[dict]]:
    """IDs typed into text columns (name, township, payee names, batch), into key columns (class_id, cert_no,
    repeated so that the duplicate report shows the key) and into credit-code columns."""
    i = iter(range(300, 400))
    name = "张三" + shaped(person(next(i)), "spaces")
    town = "白沙镇" + shaped(person(next(i)), "hyphens")
    rows = base_rows(
        4,
        township=[town, "官渡镇 " + shaped(person(next(i)), "dots")],
        name=name,
        employer_name="测试厂" + shaped(person(next(i)), "mixed"),
        agency_name="中介" + person(next(i)),
    )
    rows["payouts"][0]["batch"] = shaped(person(next(i)), "fullwidth")
    dup_class = shaped(person(next(i)), "ideographic")
    dup_cert = person(next(i))
    rows["trainings"] += [
        {
            "person_id": person(0),
            "class_id": dup_class,
            "end_date": "2022-02-20",
            "subsidized": "是",
            "name": person(next(i)),
        }
    ] * 2
    rows["certificates"] += [
        {"cert_no": dup_cert, "person_id": person(1), "level": "3", "issue_date": "2021-01-05"}
    ] * 2
    rows["hires"].append(
        {
            "person_id": person(2),
            "employer_id": shaped(person(next(i)), "spaces"),
            "employer_name": "错码厂",
            "employer_size": "小型",
            "hire_date": "2021-03-01",
            "insured_months": "24",
        }
    )
    rows["payouts"].append(
        {
            "payee_id": person(next(i)),
            "kind": "employer",
            "person_id": person(3),
            "amount": "1000",
            "paid_date": "2022-03-01",
        }
    )
    return rows


@pytest.fixture(scope="module")
def id_text_data(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("idtext") / "data", id_text_rows())


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json"])
def test_row2_ids_in_text_columns_are_masked_in_reports(id_text_data, cli, fmt):
    """Row 2: an ID typed into a name or township column is echoed whole in CSV, Markdown and JSON; every
    report (progress by township, the subsidy overview and one employer's hires) masks it."""
    for args in (
        [*PROGRESS, "--by", "township"],
        SUBSIDY,
        [*SUBSIDY, "--employer", EMPLOYER],
        [*SUBSIDY, "--agency", AGENCY],
    ):
        assert_safe(cli(*args, "--format", fmt, *std(id_text_data)), exit_codes=(0,))


def test_row2_ids_in_text_columns_are_masked_by_check_summary_and_files(id_text_data, cli, tmp_path):
    """Row 2: IDs in text, key and credit-code columns are masked by `check` (duplicates, rejected credit
    codes), the nightly summary, the export and -o files."""
    for args in (["check"], ["check", "--format", "json"], ["check", "--lang", "en"]):
        assert_safe(cli(*args, *std(id_text_data)), exit_codes=(1,))
    out = tmp_path / "out"
    assert_safe(
        cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(id_text_data)), out, exit_codes=(0,)
    )
    files = tmp_path / "files"
    files.mkdir()
    assert_safe(
        cli(*SUBSIDY, "--export", files / "due.csv", *std(id_text_data)), files / "due.csv", exit_codes=(0,)
    )
    for i, (args, ext) in enumerate(
        [
            ([*PROGRESS, "--by", "township"], "csv"),
            ([*PROGRESS, "--by", "township"], "xlsx"),
            (SUBSIDY, "md"),
            ([*SUBSIDY, "--employer", EMPLOYER], "json"),
            (["check"], "csv"),
        ]
    ):
        target = files / f"r{i}.{ext}"
        res = cli(*args, "-o", target, *std(id_text_data))
        assert_safe(res, target, exit_codes=(0, 1))
        assert target.is_file(), f"-o {target.name} was not written{res.describe()}"


def test_row2_id_in_a_file_name_is_masked(tmp_path, cli):
    """Row 2: an ID in a file name is echoed in stderr and in check's JSON (`file`); so is one in the data
    folder's own name (summary's log line names it)."""
    pid = person(500)
    folder = make_data(tmp_path / f"ledgers-{shaped(person(501), 'hyphens')}")
    (folder / f"trainings_{pid}.csv").write_text(
        f"person_id,class_id,end_date,subsidized\n{person(1)},Z9,2022-02-30,是\n", encoding="utf-8"
    )
    (folder / f"hires_{shaped(person(502), 'spaces')}.csv").write_text(
        "person_id,employer_id,employer_name,employer_size,hire_date,separation_date,insured_months\n",
        encoding="utf-8",
    )
    for args in (["check"], ["check", "--format", "json"], ["check", "--lang", "en"]):
        assert_safe(cli(*args, *std(folder)), exit_codes=(1,))
    out = tmp_path / "out"
    assert_safe(cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(folder)), out, exit_codes=(0,))
    # an unusable file whose name carries an ID: every command names it on stderr
    broken = make_data(tmp_path / "broken")
    (broken / f"certificates_{shaped(person(503), 'dots')}.csv").write_bytes(b"")
    for args in (
        ["check"],
        ["check", "--format", "json"],
        PROGRESS,
        SUBSIDY,
        ["summary", "--out", tmp_path / "out2", "--as-of", SUMMARY_AS_OF],
    ):
        assert_safe(cli(*args, *std(broken)), tmp_path / "out2", exit_codes=(2,))


def test_row2_ids_in_option_values_are_masked(tmp_path, cli):
    """Row 2: IDs in option values echoed by an error message (unknown payee, bad date, year, period, format,
    encoding, missing folder or file, --out that is a file) are masked."""
    data = make_data(tmp_path / "data")
    a_file = tmp_path / f"out-{person(610)}"
    a_file.write_text("not a folder")
    cases = [
        [*SUBSIDY, "--employer", person(600), *std(data)],
        [*SUBSIDY, "--agency", shaped(person(601), "hyphens"), *std(data)],
        [*SUBSIDY, "--employer", "某单位" + shaped(person(602), "spaces"), *std(data)],
        ["progress", "--year", "2022", "--as-of", shaped(person(603), "spaces"), *std(data)],
        ["progress", "--year", person(604), *std(data)],
        ["progress", "--year", shaped(person(611), "dots"), *std(data)],
        ["progress", "--period", person(605), *std(data)],
        ["progress", "--year", "2022", "--format", person(606), *std(data)],
        ["check", "--encoding", person(607), *std(data)],
        ["progress", "--year", "2022", "--data", tmp_path / f"missing-{person(608)}", "--targets", TARGETS],
        [
            "progress",
            "--year",
            "2022",
            "--data",
            data,
            "--targets",
            tmp_path / f"t-{shaped(person(609), 'dots')}.yaml",
        ],
        ["summary", "--out", a_file, "--as-of", SUMMARY_AS_OF, *std(data)],
    ]
    for args in cases:
        assert_safe(cli(*args), exit_codes=(2,))


def test_row2_ids_in_targets_values_are_masked(tmp_path, cli):
    """Row 2: targets.yaml values echoed by its error messages (a period key, plan_period) and names shown in
    reports (county) are masked."""
    data = make_data(tmp_path / "data")
    bad = write_targets(
        tmp_path / "bad.yaml",
        lambda doc: doc.update(
            plan_period=shaped(person(700), "hyphens"),
            targets={**doc["targets"], person(701): {"training": 1}},
        ),
    )
    for args in (["check"], ["check", "--format", "json"], PROGRESS):
        assert_safe(cli(*args, *std(data, bad)), exit_codes=(2,))
    named = write_targets(
        tmp_path / "named.yaml", lambda doc: doc.update(county="中牟县" + shaped(person(702), "spaces"))
    )
    out = tmp_path / "out"
    assert_safe(
        cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data, named)), out, exit_codes=(0,)
    )
    assert_safe(cli(*PROGRESS, *std(data, named)), exit_codes=(0,))


def test_row2_debug_traceback_masks_ids_injected_fault(tmp_path, cli):
    """Row 2: `JISHU_DEBUG=1` printed an unmasked traceback. A fault inside jishu (injected: listing the data
    folder raises an error whose message carries IDs in three shapes; the folder's name carries one too)
    is reported with every ID masked, with and without JISHU_DEBUG; without it, exit 70 and no traceback."""
    data = make_data(tmp_path / f"ledgers-{person(800)}")
    message = (
        f"row of {person(801)} / {shaped(person(802), 'spaces')} / {shaped(person(803), 'hyphens')} in {data}"
    )
    env = hook_env(tmp_path, TEST_HOOK_FAULT_DIR=str(data), TEST_HOOK_FAULT_MESSAGE=message)
    for debug in ({"JISHU_DEBUG": "1"}, {}):
        res = cli(*PROGRESS, *std(data), env={**env, **debug})
        assert not res.timed_out and res.returncode not in (0, None), res.describe()
        leaked = whole_ids(res.output)
        assert not leaked, (
            f"whole IDs in a crash report ({debug or 'no JISHU_DEBUG'}): {leaked}{res.describe()}"
        )
        if not debug:
            assert res.returncode == 70, res.describe()
            assert "Traceback" not in res.output, res.describe()


def test_row2_debug_traceback_masks_ids_real_crash(tmp_path, cli):
    """Row 2: with JISHU_DEBUG=1 a real crash (a stray rich closing tag made of an ID, in a payee name and in a
    metric name; exit 70 when this was written) must not print the ID whole."""
    rows = base_rows(
        employer_name=f"[/{person(810)}]",
        name=f"[/{shaped(person(811), 'spaces')}]",
        township=f"[/{shaped(person(812), 'dots')}]",
    )
    data = make_data(tmp_path / f"ledgers-{person(813)}", rows)
    targets = write_targets(
        tmp_path / "targets.yaml", lambda doc: doc["metrics"]["training"].update(name=f"[/{person(814)}]")
    )
    for args in (PROGRESS, [*PROGRESS, "--by", "township"], SUBSIDY, [*SUBSIDY, "--employer", EMPLOYER]):
        res = cli(*args, *std(data, targets), env={"JISHU_DEBUG": "1"})
        assert not res.timed_out, res.describe()
        leaked = whole_ids(res.output)
        assert not leaked, f"whole IDs with JISHU_DEBUG=1: {leaked}{res.describe()}"


# ============================================================================ row 3: FIFOs and other non-files


def _special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.close()  # the socket file stays
    elif kind == "device":
        path.symlink_to("/dev/null")
    else:
        raise ValueError(kind)


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
@pytest.mark.parametrize("command", ["check", "progress", "subsidy", "summary"])
def test_row3_non_regular_ledger_gets_a_notice_and_nothing_blocks(tmp_path, cli, kind, command):
    """Row 3: a FIFO named `trainings_f.csv` hung `check` and `summary` (which held the lock meanwhile). Only
    regular files are read; a FIFO, socket or device gets a notice naming it; nothing blocks."""
    data = make_data(tmp_path / "data")
    _special(data / "trainings_f.csv", kind)
    out = tmp_path / "out"
    args = {
        "check": ["check"],
        "progress": PROGRESS,
        "subsidy": SUBSIDY,
        "summary": ["summary", "--out", out, "--as-of", SUMMARY_AS_OF],
    }[command]
    for _ in ("cold", "warm"):  # without, then with the cache
        res = cli(*args, *std(data), timeout=HANG_TIMEOUT)
        assert_safe(res, out, exit_codes=(0,))
        if command in ("check", "progress", "summary"):
            assert "trainings_f.csv" in res.output, f"no notice names trainings_f.csv{res.describe()}"
    if command == "summary":
        assert (out / f"summary-{SUMMARY_AS_OF}.json").is_file()
        second = cli(*args, "--lock-wait", "0", *std(data), timeout=HANG_TIMEOUT)  # the lock is free again
        assert_safe(second, out, exit_codes=(0,))


@pytest.mark.parametrize("name", ["history.csv", "latest.json"])
def test_row3_fifo_in_the_summary_folder_does_not_block(tmp_path, cli, name):
    """Row 3: a FIFO at OUT/history.csv (or OUT/latest.json, which summary reads to decide whether to replace
    it) hung `summary`. Only regular files are read; the run finishes and writes the summary."""
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / name)
    res = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data), timeout=HANG_TIMEOUT)
    assert_safe(res, exit_codes=(0,))
    assert (out / f"summary-{SUMMARY_AS_OF}.json").is_file(), res.describe()
    assert name in res.stderr, f"no notice or warning names {name}{res.describe()}"


def test_row3_fifo_as_targets_file_does_not_block(tmp_path, cli):
    """Row 3: a FIFO given as the targets file: refused with a message (exit 2), never opened in a way that
    blocks."""
    data = make_data(tmp_path / "data")
    fifo = tmp_path / "targets.yaml"
    os.mkfifo(fifo)
    for args in (PROGRESS, ["check"], SUBSIDY):
        res = cli(*args, *std(data, fifo), timeout=HANG_TIMEOUT)
        assert_safe(res, exit_codes=(2,))
        assert "targets.yaml" in res.output, res.describe()


# ============================================================================ row 4: files outside the data folder

SECRET_LINE = "root:$6$Zq9SECRETSALT$SECRETHASHxyz:19000:0:99999:7:::"


@pytest.mark.parametrize("content", ["shadow", "ledger"])
def test_row4_symlink_outside_the_data_folder_echoes_no_content(tmp_path, cli, content):
    """Row 4: a symlinked ledger pointing at a root-only file printed that file's first line ("表头为：root:$6$…")
    on stderr. Of a file that resolves outside the data folder jishu names the path and echoes none of its
    content: not its header, not a rejected value, not a duplicate key."""
    secret = tmp_path / "private" / "shadow"
    secret.parent.mkdir()
    if content == "shadow":
        secret.write_text(SECRET_LINE + "\nbin:*:SECRETBIN:0:99999:7:::\n", encoding="utf-8")
        markers = ["SECRET", "root:$6$", "bin:*"]
    else:
        secret.write_text(
            "person_id,class_id,end_date,subsidized,name\n"
            f"{person(1)},SECRETCLASS,2022-02-20,是,SECRETNAME\n"
            f"{person(1)},SECRETCLASS,2022-02-20,是,SECRETNAME\n"
            f"{person(2)},K2,SECRETDATE,是,SECRETNAME2\n",
            encoding="utf-8",
        )
        markers = ["SECRET"]
    os.chmod(secret, 0o600)
    data = make_data(tmp_path / "data")
    (data / "trainings_x.csv").symlink_to(secret)
    out = tmp_path / "out"
    runs = [
        ["check"],
        ["check", "--format", "json"],
        ["check", "--lang", "en"],
        PROGRESS,
        [*PROGRESS, "--by", "township", "--format", "json"],
        SUBSIDY,
        ["summary", "--out", out, "--as-of", SUMMARY_AS_OF],
    ]
    for args in runs:
        res = cli(*args, *std(data))
        assert_safe(res, out)
        written = "".join(t for p in output_files(out) for _, t, _ in file_texts(p))
        for marker in markers:
            assert marker not in res.output + written, (
                f"content of the outside file echoed ({marker!r}): {_context(res.output + written, marker)}{res.describe()}"
            )
        if args[0] == "check":
            assert "trainings_x.csv" in res.output or str(secret) in res.output, (
                f"check does not name the symlinked file{res.describe()}"
            )


# ============================================================================ row 5: writes


def _due_data(tmp_path: Path, n: int = 30) -> Path:
    return make_data(tmp_path / "data", base_rows(n))


def test_row5_export_through_a_symlink_replaces_it(tmp_path, cli):
    """Row 5: `subsidy --export link.csv --full-ids` wrote through the symlink and chmodded its target. The
    symlink is replaced by a new private file; the file it pointed at keeps its content and mode."""
    data = _due_data(tmp_path)
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("the finance office's own file\n")
    os.chmod(victim, 0o644)
    exports = tmp_path / "exports"
    exports.mkdir()
    link = exports / "link.csv"
    link.symlink_to(victim)
    res = cli(*SUBSIDY, "--export", link, "--full-ids", *std(data))
    assert_safe(res, exports, exit_codes=(0,), ids_allowed_in=(link,))
    assert victim.read_text() == "the finance office's own file\n", "written through the symlink"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644, "the symlink's target was chmodded"
    assert not link.is_symlink() and link.is_file(), "the symlink was not replaced by the export"
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert link.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("ext", ["csv", "md", "json", "xlsx"])
def test_row5_o_through_a_symlink_replaces_it(tmp_path, cli, ext):
    """Row 5 (SPEC §6 writes): `-o link` where link is a symlink: replaced, never written through."""
    data = _due_data(tmp_path, 4)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    reports = tmp_path / "reports"
    reports.mkdir()
    link = reports / f"report.{ext}"
    link.symlink_to(victim)
    res = cli(*PROGRESS, "-o", link, *std(data))
    assert_safe(res, reports, exit_codes=(0,))
    assert victim.read_text() == "keep me\n", "written through the symlink"
    assert not link.is_symlink() and link.is_file(), res.describe()


def _full_disk(tmp_path: Path, how: str):
    """(folder, preexec) where writes fail for lack of space: a filled tmpfs, or a file-size limit."""
    if how == "tmpfs":
        stack = contextlib.ExitStack()
        folder = stack.enter_context(tiny_tmpfs(tmp_path / "tiny", "256k"))
        return stack, folder, None
    folder = tmp_path / "limited"
    folder.mkdir()
    return contextlib.ExitStack(), folder, file_size_limit(64)


@pytest.mark.parametrize("how", ["tmpfs", "fsize"])
@pytest.mark.parametrize("option", ["--export", "-o"])
def test_row5_full_disk_keeps_the_previous_file(tmp_path, cli, how, option):
    """Row 5: on a full disk the previous export was destroyed and a partial file with full IDs left. A failed
    write leaves the previous file whole and no temporary file; it is reported (exit neither 0 nor 70)."""
    data = _due_data(tmp_path)
    stack, folder, preexec = _full_disk(tmp_path, how)
    with stack:
        target = folder / "due.csv"
        args = (
            [*SUBSIDY, "--export", target, "--full-ids"] if option == "--export" else [*SUBSIDY, "-o", target]
        )
        with_room = cli(*args, *std(data))  # first, with room: the command does write there
        assert_safe(with_room, ids_allowed_in=(target,), exit_codes=(0,))
        assert target.is_file(), f"{option} wrote nothing even with room{with_room.describe()}"
        previous = "\ufeffpayee_id,person_id\r\nprevious,export\r\n".encode("utf-8")
        target.write_bytes(previous)
        filler = fill_up(folder) if how == "tmpfs" else None
        before = set(os.listdir(folder))
        res = cli(*args, *std(data), preexec=preexec)
        assert_safe(res, ids_allowed_in=(target,))
        assert res.returncode != 0, f"a failed write reported as success{res.describe()}"
        assert target.read_bytes() == previous, f"the previous file was not kept whole{res.describe()}"
        left = set(os.listdir(folder)) - before
        assert not left, f"temporary files left behind: {sorted(left)}{res.describe()}"
        for name in os.listdir(folder):
            if folder / name != filler:
                text = (folder / name).read_bytes().decode("utf-8", "replace")
                assert not whole_ids(text), f"full IDs left in {name}"


@pytest.mark.parametrize("option", ["--export", "-o"])
@pytest.mark.parametrize("where", ["inside", "dotdot", "subfolder", "symlinked-folder", "relative"])
def test_row5_o_and_export_refuse_the_data_folder(tmp_path, cli, option, where):
    """Row 5: `-o`/`--export` into the data folder (it would be read as a ledger next time) is refused, however
    the path is spelt: directly, through `..`, in a subfolder, through a symlinked folder, relative to cwd."""
    data = _due_data(tmp_path, 4)
    (data / "sub").mkdir()
    alias = tmp_path / "alias"
    alias.symlink_to(data, target_is_directory=True)
    name = "payouts_due.csv"
    target = {
        "inside": data / name,
        "dotdot": data / ".." / data.name / name,
        "subfolder": data / "sub" / name,
        "symlinked-folder": alias / name,
        "relative": Path(name),
    }[where]
    cwd = data if where == "relative" else tmp_path / "cwd"
    elsewhere = tmp_path / "elsewhere" / name  # first: the option does write outside the data folder
    elsewhere.parent.mkdir()
    with_room = cli(*SUBSIDY, option, elsewhere, *std(data))
    assert_safe(with_room, elsewhere, exit_codes=(0,))
    assert elsewhere.is_file(), f"{option} wrote nothing outside the data folder{with_room.describe()}"
    for args in ([*SUBSIDY, option, target], [*PROGRESS, "-o", target] if option == "-o" else None):
        if args is None:
            continue
        res = run_cli([*args, *std(data)], cwd=cwd)
        assert_safe(res, exit_codes=(2,))
        made = sorted(p.name for p in data.rglob("payouts_due*"))
        assert not made, f"written into the data folder: {made}{res.describe()}"


def test_row5_summary_replaces_symlinks_and_does_not_follow_the_lock(tmp_path, cli):
    """Row 5 (SPEC §6 writes): in the summary folder a symlink at latest.json or history.csv is replaced, never
    written through; the lock file is opened without following symlinks (a dangling symlink planted at
    .jishu-summary.lock must not create its target)."""
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    victims = tmp_path / "victims"
    victims.mkdir()
    for name in ("latest.json", "history.csv"):
        (victims / name).write_text("victim\n")
        (out / name).symlink_to(victims / name)
    planted = victims / "created-by-lock"
    (out / ".jishu-summary.lock").symlink_to(planted)
    res = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data))
    assert_safe(res)
    assert not planted.exists(), "the lock's symlink was followed: its target was created"
    for name in ("latest.json", "history.csv"):
        assert (victims / name).read_text() == "victim\n", f"written through the symlink {name}"


# ============================================================================ row 6: a damaged history.csv

DAMAGE = {
    "utf16-bytes": b"\xff\xfea\x00s\x00_\x00o\x00f\x00\n\x00",
    "yesterday-row": None,  # filled in from the good file
    "rate-abc": None,
    "rate-inf": None,
    "foreign-header": b"foo,bar\n1,2\n",
    "nul-bytes": b"as_of,period\x00,metric\n\x00\x00\x00\n",
}


def _damage(good: bytes, how: str) -> bytes:
    if DAMAGE.get(how) is not None:
        return DAMAGE[how]
    lines = good.decode("utf-8").splitlines(keepends=True)
    fields = next(csv.reader([lines[1]]))
    if how == "yesterday-row":
        fields[0] = "yesterday"
    elif how == "rate-abc":
        fields[5] = "abc"
    elif how == "rate-inf":
        fields[5] = "inf"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return "".join([lines[0], out.getvalue(), *lines[2:]]).encode("utf-8")


def _written_by_jishu(out: Path) -> list[Path]:
    """The files of a summary folder but the damaged history moved aside (it keeps the bytes it had)."""
    return [p for p in out.iterdir() if not p.name.startswith("history.csv.damaged-")]


@pytest.mark.parametrize("how", list(DAMAGE))
def test_row6_damaged_history_is_moved_aside_and_rebuilt(tmp_path, cli, how):
    """Row 6: a damaged history.csv in the summary folder (bytes \\xff\\xfe, a row `yesterday,…`, a rate `abc`)
    made every later `summary` exit 70, and `inf` gave `nan` in the SVG. It is moved aside
    (`history.csv.damaged-<time>`) with a warning and rebuilt from the summary-*.json files; the night's run
    succeeds, and so do the later ones."""
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    first = cli("summary", "--out", out, "--as-of", "2022-03-31", *std(data))
    assert_safe(first, out, exit_codes=(0,))
    damaged = _damage((out / "history.csv").read_bytes(), how)
    (out / "history.csv").write_bytes(damaged)
    night = cli("summary", "--out", out, "--as-of", "2022-06-30", *std(data))
    assert_safe(night, *_written_by_jishu(out), exit_codes=(0,))
    assert "history.csv" in night.stderr, f"no warning names history.csv{night.describe()}"
    aside = sorted(out.glob("history.csv.damaged-*"))
    assert len(aside) == 1, (
        f"the damaged history was not moved aside: {sorted(p.name for p in out.iterdir())}"
    )
    assert aside[0].read_bytes() == damaged
    rows = list(csv.DictReader(io.StringIO((out / "history.csv").read_text(encoding="utf-8"))))
    days = {r["as_of"] for r in rows}
    assert {"2022-03-31", "2022-06-30"} <= days, f"not rebuilt from summary-2022-03-31.json: {sorted(days)}"
    for r in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["as_of"]), r
        if r["rate"]:
            assert float(r["rate"]) == float(r["rate"]) and abs(float(r["rate"])) != float("inf"), r
    html = (out / "summary-2022-06-30.html").read_text(encoding="utf-8")
    assert not re.search(r'="[^"]*\b(nan|inf|NaN|Infinity)\b', html), "nan/inf in the HTML (SVG) attributes"
    later = cli("summary", "--out", out, "--as-of", "2022-09-30", *std(data))
    assert_safe(later, *_written_by_jishu(out), exit_codes=(0,))
    assert len(list(out.glob("history.csv.damaged-*"))) == 1


# ============================================================================ row 7: summary on a full disk

SUMMARY_NEW = "2022-06-30"


def _summary_state_ok(out: Path, before: dict[str, bytes], res: Result) -> bool:
    """The invariants after one run on a (maybe) full disk; returns whether the run succeeded."""
    assert_safe(res)
    now = listing(out)
    expected = set(before) | {f"summary-{SUMMARY_NEW}.{e}" for e in ("json", "md", "html", "txt")}
    extra = sorted(n for n in set(os.listdir(out)) - expected - {".jishu-summary.lock", "filler.bin"})
    assert not extra, f"temporary or stray files left: {extra}{res.describe()}"
    for name, data in now.items():  # every file there is whole
        if name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), f"{name} is cut short"
    if "history.csv" in now and now["history.csv"] != before["history.csv"]:
        rows = list(csv.DictReader(io.StringIO(now["history.csv"].decode("utf-8"))))
        assert {r["as_of"] for r in rows} >= {"2022-03-31", SUMMARY_NEW}, "history.csv is neither old nor new"
    latest_changed = now.get("latest.json") != before["latest.json"]
    if res.returncode != 0:
        assert not latest_changed, f"latest.json replaced by a run that failed{res.describe()}"
    if latest_changed:
        for ext in ("json", "md", "html"):
            assert f"summary-{SUMMARY_NEW}.{ext}" in now, (
                f"latest.json replaced before summary-*.{ext} was written"
            )
        assert now["history.csv"] != before["history.csv"], "latest.json replaced before history.csv"
        assert json.loads(now["latest.json"])["as_of"] == SUMMARY_NEW
    return res.returncode == 0


@pytest.mark.parametrize("how", ["tmpfs", "fsize"])
def test_row7_full_disk_summary_renames_latest_last(tmp_path, cli, how):
    """Row 7: on a full disk `summary` left a mixed set (new .json/.md, no .html, stale latest.json). Whatever
    the free space, a run either succeeds or fails leaving every file whole, no temporary file, and latest.json
    untouched: it is renamed last, only after everything else succeeded."""
    data = make_data(tmp_path / "data", base_rows(12, township=["韩寺镇", "官渡镇", "白沙镇"]))
    saw_failure = saw_success = False
    with contextlib.ExitStack() as stack:
        if how == "tmpfs":
            out = stack.enter_context(tiny_tmpfs(tmp_path / "tiny", "1m")) / "out"
        else:
            out = tmp_path / "out"
        first = cli("summary", "--out", out, "--as-of", "2022-03-31", *std(data))
        assert_safe(first, out, exit_codes=(0,))
        before = listing(out)
        total = sum(len(b) for b in before.values())
        steps = (
            range(0, total + 64 * 1024, 4096)
            if how == "tmpfs"
            else [0, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 1 << 20]
        )
        for step in steps:
            for name in set(os.listdir(out)) - set(before) - {".jishu-summary.lock"}:
                (out / name).unlink()
            for name, content in before.items():
                if (out / name).read_bytes() != content:
                    (out / name).write_bytes(content)
            preexec = None
            if how == "tmpfs":
                fill_up(out, leave=step)
            else:
                preexec = file_size_limit(step)
            res = cli("summary", "--out", out, "--as-of", SUMMARY_NEW, *std(data), preexec=preexec)
            if how == "tmpfs":
                (out / "filler.bin").unlink()
            ok = _summary_state_ok(out, before, res)
            saw_success |= ok
            saw_failure |= not ok
            if ok:
                break
    assert saw_failure, "the disk was never full enough to fail a run: the test proved nothing"
    assert saw_success, "no run succeeded even with room to spare"


# ============================================================================ row 8: the cache key


@pytest.mark.parametrize("how", ["in-place", "replaced"])
def test_row8_cache_sees_an_edit_that_restores_size_and_mtime(tmp_path, cli, how):
    """Row 8: editing a ledger and restoring its size and mtime (`touch -r`) served stale numbers from the
    cache. The cache key includes the change time and the inode."""
    data = make_data(tmp_path / "data")
    trainings = data / "trainings.csv"
    for _ in range(2):  # cold, then warm
        res = cli(*PROGRESS, "--format", "json", *std(data))
        assert_safe(res, exit_codes=(0,))
    assert progress_json(res)["training"] == 4
    before = trainings.stat()
    text = trainings.read_text(encoding="utf-8")
    edited = text.replace("2022-02-20", "2021-02-20", 1).replace(
        "ZM22-01,2022-01-10,2022-02-20", "ZM22-01,2022-01-10,2022-02-30"
    )
    assert len(edited.encode()) == len(text.encode()) and edited != text
    time.sleep(0.05)
    if how == "in-place":
        with open(trainings, "r+", encoding="utf-8") as f:
            f.write(edited)
    else:
        fresh = data / ".trainings.new"
        fresh.write_text(edited, encoding="utf-8")
        os.replace(fresh, trainings)
    os.utime(trainings, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = trainings.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    res = cli(*PROGRESS, "--format", "json", *std(data))
    assert_safe(res, exit_codes=(0,))
    assert progress_json(res)["training"] == 2, f"stale numbers from the cache{res.describe()}"
    check = cli("check", "--format", "json", *std(data))
    assert_safe(check, exit_codes=(1,))
    codes = {p["code"] for p in json.loads(check.stdout)["problems"]}
    assert "date_invalid" in codes or "date_format" in codes, check.describe()


# ============================================================================ row 9: the cache folder


@pytest.mark.parametrize("where", ["data-folder", "JISHU_CACHE"])
def test_row9_cache_folder_is_private_under_umask_000(tmp_path, cli, where):
    """Row 9: under umask 000 the cache folder was 0777. It is made 0700 whatever the umask."""
    data = make_data(tmp_path / "data")
    env, folder = {}, data / ".jishu-cache"
    if where == "JISHU_CACHE":
        folder = tmp_path / "caches" / "jishu"
        env = {"JISHU_CACHE": str(folder)}
    res = cli(*PROGRESS, *std(data), env=env, preexec=with_umask(0))
    assert_safe(res, exit_codes=(0,))
    assert folder.is_dir(), f"no cache folder at {folder}{res.describe()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, oct(folder.stat().st_mode)


_STAT_FIELDS = {
    "size": "st_size",
    "mtime_ns": "st_mtime_ns",
    "ctime_ns": "st_ctime_ns",
    "ino": "st_ino",
    "inode": "st_ino",
    "dev": "st_dev",
    "mtime": "st_mtime",
    "ctime": "st_ctime",
}


def _forge(cache: Path, data: Path) -> int:
    """What another user could do in a cache folder they can write: make every entry's stamp claim the
    ledger files as they are now (whatever fields the stamp has). Returns how many stamps were forged."""
    forged = 0

    def walk(node):
        nonlocal forged
        if isinstance(node, dict):
            if "size" in node and any(k in node for k in ("mtime_ns", "mtime")):
                target = Path(node["path"]) if "path" in node else data / str(node.get("file", ""))
                if target.is_file():
                    st = target.stat()
                    for key, attr in _STAT_FIELDS.items():
                        if key in node:
                            node[key] = getattr(st, attr)
                    forged += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for meta in cache.rglob("*.json"):
        with contextlib.suppress(ValueError, OSError):
            doc = json.loads(meta.read_text(encoding="utf-8"))
            walk(doc)
            meta.write_text(json.dumps(doc), encoding="utf-8")
    return forged


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("unsafe", ["group-writable", "world-writable", "foreign-owned"])
def test_row9_unsafe_cache_folder_is_not_used(tmp_path, cli, unsafe):
    """Row 9: another user swapped a forged entry into a cache folder they could write. A cache folder owned by
    someone else or writable by group or others is not used: one warning, then a run without the cache (the
    forged numbers never show, nothing is written there)."""
    if unsafe == "foreign-owned" and os.geteuid() != 0:
        pytest.skip("giving the cache folder to another user needs root")
    data = make_data(tmp_path / "data", base_rows(5))  # the forger's numbers: 5 trainings in 2022
    cache = data / ".jishu-cache"
    res = cli(*PROGRESS, "--format", "json", *std(data))
    assert_safe(res, exit_codes=(0,))
    assert progress_json(res)["training"] == 5
    make_data(tmp_path / "data", base_rows(2))  # the real ledgers: 2 trainings (files rewritten in place)
    _forge(cache, data)
    if unsafe == "group-writable":
        os.chmod(cache, 0o770)
    elif unsafe == "world-writable":
        os.chmod(cache, 0o777)
    else:
        os.chmod(cache, 0o700)
        os.chown(cache, 65534, 65534)
    tree = _tree(cache)
    res = cli(*PROGRESS, "--format", "json", *std(data))
    assert_safe(res, exit_codes=(0,))
    assert progress_json(res)["training"] == 2, f"the forged cache entry was used{res.describe()}"
    warnings = [line for line in res.stderr.splitlines() if re.search(r"cache|缓存", line, re.I)]
    assert len(warnings) == 1, f"expected one warning about the cache folder, got {warnings}{res.describe()}"
    assert _tree(cache) == tree, "the unsafe cache folder was written to"


# ============================================================================ row 10: targets.yaml bounds


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int = 9) -> str:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: lol" for j in range(9)) + "}"]
    for k in range(1, levels):
        lines.append(f"m{k}: &m{k} {{<<: [" + ", ".join([f"*m{k - 1}"] * 9) + "]}")
    return "\n".join(lines) + "\n"


SHIPPED = TARGETS.read_text(encoding="utf-8")
BAD_TARGETS = {
    "billion-laughs-unknown-key": SHIPPED + _bomb(),
    "billion-laughs-in-county": _bomb() + SHIPPED.replace("county: 中牟县", f"county: *a{9 - 1}"),
    "billion-laughs-in-targets": _bomb()
    + SHIPPED.replace('  "2022":\n', f'  "2019": *a{9 - 1}\n  "2022":\n', 1),
    "merge-key-bomb": _merge_bomb() + SHIPPED,
    "over-1-mb": SHIPPED + "# " + "x" * (1 << 20) + "\n",
    "nesting-600-flow": SHIPPED + "deep: " + "[" * 600 + "]" * 600 + "\n",
    "nesting-5000-flow": SHIPPED + "deep: " + "[" * 5000 + "]" * 5000 + "\n",
    "nesting-600-block": SHIPPED
    + "deep:\n"
    + "".join("  " * (k + 1) + f"k{k}:\n" for k in range(600))
    + "  " * 601
    + "x\n",
    "complex-key-top": SHIPPED + "? [a, b]\n: 1\n",
    "complex-key-flow": SHIPPED.replace("townships: {}", "townships: {[a, b]: 1}"),
    "complex-key-mapping": SHIPPED.replace("townships: {}", "townships:\n  ? {a: 1}\n  : 2"),
    "rate-10**100": SHIPPED.replace("rate: 1000 ", "rate: 1" + "0" * 100 + " "),
    "rate-1e17": SHIPPED.replace("rate: 1000 ", "rate: 1e17 "),
    "rate-1.0e+17": SHIPPED.replace("rate: 1000 ", "rate: 1.0e+17 "),
    "rate-10**17-int": SHIPPED.replace("rate: 1000 ", "rate: 100000000000000000 "),
    "rate-1000001": SHIPPED.replace("rate: 1000 ", "rate: 1000001 "),
    "cap-10**10+1": SHIPPED.replace("cap: 2000000 ", "cap: 10000000001 "),
    "agency-rate-10**20": SHIPPED.replace("rate: 300 ", "rate: 100000000000000000000 "),
    "target-10**9+1": SHIPPED.replace("training: 13300", "training: 1000000001"),
    "township-target-10**18": SHIPPED.replace(
        "townships: {}", 'townships: {"2022": {白沙镇: {training: 1000000000000000000}}}'
    ),
    "share-nan": SHIPPED.replace(
        "    high_skilled: 4400\n", "    high_skilled: 4400\n    certified_employment: .nan\n", 1
    ),
    "share-inf": SHIPPED.replace(
        "    high_skilled: 4400\n", "    high_skilled: 4400\n    certified_employment: .inf\n", 1
    ),
}


@pytest.mark.parametrize("case", list(BAD_TARGETS))
def test_row10_targets_yaml_bounds(tmp_path, cli, case):
    """Row 10: a YAML alias bomb took 47 s and 2.2 GB then exit 70; nesting ≥ 600, a complex key and
    `rate: 10**100` gave exit 70; `rate: 1e17` gave a negative amount_eligible with exit 0. Size (≤ 1 MB),
    aliases, depth and numbers (rate ≤ 1,000,000, cap ≤ 10^10, targets ≤ 10^9) are bounded: every command
    exits 2 at once with a message naming the file."""
    text = BAD_TARGETS[case]
    assert text != SHIPPED, "the case did not change the shipped file"
    targets = tmp_path / "targets.yaml"
    targets.write_text(text, encoding="utf-8")
    data = _due_data(tmp_path, 4)
    for args in (["check"], [*SUBSIDY, "--format", "json"]):
        res = cli(*args, *std(data, targets), preexec=memory_limit(2 << 30), timeout=30)
        assert_safe(res, exit_codes=(2,))
        assert res.elapsed < 10, f"not at once: {res.elapsed:.1f} s{res.describe()}"
        assert "targets.yaml" in res.output, f"the message does not name the file{res.describe()}"


def test_row10_targets_yaml_bounds_are_inclusive(tmp_path, cli):
    """Row 10: the bounds themselves are valid (rate 1,000,000, cap 10^10, a target of 10^9) and give exact,
    non-negative amounts; a huge min_months never crashes."""
    text = (
        SHIPPED.replace("rate: 1000 ", "rate: 1000000 ")
        .replace("cap: 2000000 ", "cap: 10000000000 ")
        .replace("training: 13300", "training: 1000000000")
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text(text, encoding="utf-8")
    data = _due_data(tmp_path, 6)
    res = cli(*SUBSIDY, "--format", "json", *std(data, targets))
    assert_safe(res, exit_codes=(0,))
    doc = json.loads(res.stdout)
    employer = next(p for p in doc["payees"] if p["payee"]["kind"] == "employer")
    assert employer["amount_eligible"] == employer["eligible"] * 1_000_000 >= 0, employer
    res = cli(*PROGRESS, "--format", "json", *std(data, targets))
    assert_safe(res, exit_codes=(0,))
    huge = tmp_path / "months.yaml"
    huge.write_text(SHIPPED.replace("min_months: 12 ", "min_months: 1000000000000 "), encoding="utf-8")
    assert_safe(cli(*SUBSIDY, "--format", "json", *std(data, huge)), exit_codes=(0, 2))


# ============================================================================ row 11: dangling symlinks


def _commands(out: Path) -> dict[str, list]:
    return {
        "check": ["check"],
        "check-json": ["check", "--format", "json"],
        "progress": PROGRESS,
        "subsidy": SUBSIDY,
        "audit": ["audit", "--as-of", "2023-12-31"],
        "summary": ["summary", "--out", out, "--as-of", SUMMARY_AS_OF],
    }


@pytest.mark.parametrize("cache", ["cold", "warm", "no-cache"])
@pytest.mark.parametrize("command", ["check", "check-json", "progress", "subsidy", "audit", "summary"])
def test_row11_dangling_symlink_is_file_unreadable(tmp_path, cli, command, cache):
    """Row 11: a dangling symlinked ledger gave exit 70 with the cache, and `summary` misreported it as "cannot
    write OUT". It is `file_unreadable`, exit 2, in every command, with or without the cache."""
    data = make_data(tmp_path / "data")
    real = tmp_path / "elsewhere" / "trainings_b.csv"
    real.parent.mkdir()
    shutil.copy(data / "trainings.csv", real)
    link = data / "trainings_link.csv"
    link.symlink_to(real)
    out = tmp_path / "out"
    args = _commands(out)[command]
    if cache == "warm":
        assert_safe(cli(*PROGRESS, *std(data)), exit_codes=(0,))
    real.unlink()
    extra = ["--no-cache"] if cache == "no-cache" else []
    res = cli(*args, *extra, *std(data))
    assert_safe(res, out, exit_codes=(2,))
    assert "trainings_link.csv" in res.output, f"the file is not named{res.describe()}"
    assert not re.search(r"cannot write|无法写入", res.output), (
        f"misreported as a write failure{res.describe()}"
    )
    if command == "check-json":
        problems = json.loads(res.stdout)["problems"]
        assert any(p["code"] == "file_unreadable" and "trainings_link.csv" in p["file"] for p in problems), (
            problems
        )


def test_row11_symlink_loop_is_file_unreadable(tmp_path, cli):
    """Row 11: a symlink loop named like a ledger is `file_unreadable` (exit 2) too."""
    data = make_data(tmp_path / "data")
    (data / "hires_loop.csv").symlink_to(data / "hires_loop.csv")
    out = tmp_path / "out"
    for args in _commands(out).values():
        res = cli(*args, *std(data))
        assert_safe(res, out, exit_codes=(2,))
        assert "hires_loop.csv" in res.output, res.describe()


# ============================================================================ row 12: temporary files


@pytest.mark.parametrize("kill_at", [1, 3])
def test_row12_cache_temporaries_of_a_killed_run_are_removed(tmp_path, cli, kill_at):
    """Row 12: a cache temporary (with full IDs) left by a killed run survived later runs. The next run removes
    what a killed run left: afterwards the cache folder holds what a clean run leaves, nothing more.
    (The kill is exact: the process SIGKILLs itself on its kill_at-th rename into the cache folder.)"""
    data = make_data(tmp_path / "data")
    clean_cache = tmp_path / "clean-cache"
    assert_safe(cli(*PROGRESS, *std(data), env={"JISHU_CACHE": str(clean_cache)}), exit_codes=(0,))
    clean = {str(p.relative_to(clean_cache)) for p in clean_cache.rglob("*")}
    cache = tmp_path / "cache"
    env = hook_env(
        tmp_path,
        JISHU_CACHE=str(cache),
        TEST_HOOK_KILL_ON_RENAME_INTO=str(cache),
        TEST_HOOK_KILL_AT=str(kill_at),
    )
    killed = cli(*PROGRESS, *std(data), env=env)
    if killed.returncode != -signal.SIGKILL:
        pytest.skip(f"no rename into the cache folder to kill the run at (exit {killed.returncode})")
    leftovers = {str(p.relative_to(cache)) for p in cache.rglob("*")} - clean
    res = cli(*PROGRESS, *std(data), env={"JISHU_CACHE": str(cache)})
    assert_safe(res, exit_codes=(0,))
    now = {str(p.relative_to(cache)) for p in cache.rglob("*")}
    assert not now - clean, (
        f"left by the killed run and still there: {sorted(now - clean)} (left: {sorted(leftovers)})"
    )


def test_row12_summary_temporaries_of_a_killed_run_are_removed(tmp_path, cli):
    """Row 12: a summary run killed mid-write leaves a temporary in --out; the next run removes it."""
    data = make_data(tmp_path / "data")
    clean_out = tmp_path / "clean-out"
    assert_safe(
        cli("summary", "--out", clean_out, "--as-of", SUMMARY_AS_OF, *std(data)), clean_out, exit_codes=(0,)
    )
    clean = set(os.listdir(clean_out))
    out = tmp_path / "out"
    env = hook_env(tmp_path, TEST_HOOK_KILL_ON_RENAME_INTO=str(out), TEST_HOOK_KILL_AT="2")
    killed = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data), env=env)
    assert killed.returncode == -signal.SIGKILL, killed.describe()
    left = set(os.listdir(out)) - clean
    assert left, "the killed run left no temporary: nothing to test"
    res = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data))
    assert_safe(res, out, exit_codes=(0,))
    assert not set(os.listdir(out)) - clean, (
        f"temporaries of the killed run remain: {sorted(set(os.listdir(out)) - clean)}"
    )


def test_row12_summary_keeps_other_programs_temporaries(tmp_path, cli):
    """Row 12: `summary` deleted any `.*.tmp` in --out, also other programs'. jishu removes only its own."""
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    foreign = {
        ".backup.tmp": b"rsync in progress",
        ".notes.md.tmp": b"an editor's swap",
        ".sync-4711.tmp": b"x",
    }
    for name, content in foreign.items():
        (out / name).write_bytes(content)
    res = cli("summary", "--out", out, "--as-of", SUMMARY_AS_OF, *std(data))
    assert_safe(res, out, exit_codes=(0,))
    for name, content in foreign.items():
        assert (out / name).is_file() and (out / name).read_bytes() == content, (
            f"another program's {name} deleted"
        )


# ============================================================================ row 13: NUL bytes


def _nul_file(rows: int, at: int, quoted: bool) -> bytes:
    lines = ["person_id,name,class_id,start_date,end_date,subsidized,township\n"]
    for i in range(rows):
        pid = resident_id(birth=f"19{60 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}", seq=i % 1000)
        name = "王\x00五" if i == at else "王五"
        if quoted:
            name = f'"{name}"'
        lines.append(f"{pid},{name},ZM22-{i:05d},2022-01-10,2022-02-20,是,白沙镇\n")
    return "".join(lines).encode("utf-8")


@pytest.mark.parametrize("quoted", [False, True])
def test_row13_a_nul_byte_gets_the_same_verdict_wherever_it_is(tmp_path, cli, quoted):
    """Row 13: a NUL byte made the file unusable in the first 64 KB and was silently accepted in a cell
    further down. The verdict (exit code and problem codes) is the same wherever the NUL is."""
    verdicts = {}
    rows = 2000  # ~140 KB
    for where, at in (("line 2", 0), ("middle", rows // 2), ("last line", rows - 1)):
        data = make_data(tmp_path / where.replace(" ", "-") / "data")
        content = _nul_file(rows, at, quoted)
        offset = content.index(b"\x00")
        assert (offset < 65536) == (where == "line 2"), (where, offset)
        (data / "trainings.csv").write_bytes(content)
        check = cli("check", "--format", "json", "--no-cache", *std(data))
        assert_safe(check, exit_codes=(0, 1, 2))
        problems = json.loads(check.stdout)["problems"] if check.stdout.strip().startswith("{") else []
        codes = sorted({(p["code"], p["severity"]) for p in problems if p["file"].startswith("trainings")})
        progress = cli(*PROGRESS, "--format", "json", *std(data))
        assert_safe(progress, exit_codes=(0, 2))
        verdicts[where] = (check.returncode, codes, progress.returncode)
    assert len(set(map(repr, verdicts.values()))) == 1, f"different verdicts by position: {verdicts}"


# ============================================================================ row 14: unbounded files


def test_row14_dev_zero_as_a_ledger(tmp_path, cli):
    """Row 14: /dev/zero symlinked as a ledger grew memory until MemoryError (exit 70). It is not a regular
    file: a notice, no read (run under a 3 GiB address-space limit and a timeout)."""
    data = make_data(tmp_path / "data")
    (data / "trainings_z.csv").symlink_to("/dev/zero")
    out = tmp_path / "out"
    for args in (["check"], PROGRESS, SUBSIDY, ["summary", "--out", out, "--as-of", SUMMARY_AS_OF]):
        res = cli(*args, *std(data), preexec=memory_limit(), timeout=60)
        assert_safe(res, out)
        assert "MemoryError" not in res.output, res.describe()
        assert "trainings_z.csv" in res.output, f"the file is not named{res.describe()}"


def test_row14_dev_zero_as_targets_file(tmp_path, cli):
    """Row 14: /dev/zero as the targets file: exit 2 at once with a message (targets.yaml is at most 1 MB)."""
    data = make_data(tmp_path / "data")
    targets = tmp_path / "targets.yaml"
    targets.symlink_to("/dev/zero")
    for args in (PROGRESS, ["check"]):
        res = cli(*args, *std(data, targets), preexec=memory_limit(), timeout=60)
        assert_safe(res, exit_codes=(2,))
        assert res.elapsed < 10, res.describe()


def test_row14_a_huge_sparse_file(tmp_path, cli):
    """Row 14: a regular ledger file of 16 GiB (sparse: a header, then zeros) is refused with a clear message
    naming it (exit 2), within the memory limit, without reading it all."""
    data = make_data(tmp_path / "data")
    big = data / "trainings_big.csv"
    with open(big, "wb") as f:
        f.write(b"person_id,class_id,end_date,subsidized\n")
        f.truncate(16 << 30)
    for args in (["check"], PROGRESS):
        res = cli(*args, *std(data), preexec=memory_limit(), timeout=90)
        assert_safe(res, exit_codes=(2,))
        assert "trainings_big.csv" in res.output, res.describe()


def test_row14_a_huge_record(tmp_path, cli):
    """Row 14: one record of 300 MB (a cell without end): read or refused with a clear message naming the file,
    within a 3 GiB address-space limit; never MemoryError or exit 70."""
    data = make_data(tmp_path / "data")
    huge = data / "trainings_huge.csv"
    with open(huge, "wb") as f:
        f.write(b"person_id,name,class_id,end_date,subsidized\n")
        f.write(f"{person(1)},".encode())
        chunk = "长".encode() * (1 << 18)
        for _ in range(300 * (1 << 20) // len(chunk)):
            f.write(chunk)
        f.write(b",K1,2022-02-20,\xe6\x98\xaf\n")
    try:
        res = cli("check", *std(data), preexec=memory_limit(), timeout=120)
    finally:
        huge.unlink()  # 300 MB: not kept in pytest's last three temporary folders
    assert_safe(res, exit_codes=(0, 1, 2))
    assert "MemoryError" not in res.output, res.describe()
    if res.returncode == 2:
        assert "trainings_huge.csv" in res.output, res.describe()


# ============================================================================ row 15: abnormal exits


with warnings.catch_warnings():  # `stress` is not registered in pyproject.toml (select it with -m stress)
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    STRESS = pytest.mark.stress


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns(".jishu-cache"))
    return folder


def _repeat(cli: CLI, args: list, runs: int, out: Path | None = None) -> None:
    failures = []
    for k in range(runs):
        res = cli(*args, timeout=120)
        try:
            assert_safe(res, *([out] if out else []), exit_codes=(0, 1))
            if "--format" in args and "json" in args:
                json.loads(res.stdout)
        except (AssertionError, ValueError) as exc:
            failures.append(f"run {k + 1}: {str(exc)[:600]}")
    assert not failures, (
        f"{len(failures)} of {runs} runs of jishu {' '.join(map(str, args))} failed:\n"
        + "\n".join(failures[:5])
    )


def test_row15_repeated_runs_exit_normally(sample_copy, tmp_path):
    """Row 15: once in four runs `subsidy --as-of 2024-03-31 --format json` exited by signal 6 after printing
    its JSON. Ten runs (with the cache, then without) all exit 0 with whole JSON."""
    cli = CLI(tmp_path / "cwd")
    _repeat(cli, ["subsidy", "--as-of", "2024-03-31", "--format", "json", *std(sample_copy)], 6)
    _repeat(cli, ["subsidy", "--as-of", "2024-03-31", "--format", "json", "--no-cache", *std(sample_copy)], 4)


@STRESS
@pytest.mark.skipif(os.environ.get("JISHU_STRESS") != "1", reason="stress loop: set JISHU_STRESS=1")
@pytest.mark.parametrize("command", ["subsidy-json", "subsidy-table", "progress", "check", "summary"])
def test_row15_stress_loop(sample_copy, tmp_path, command):
    """Row 15: a stress loop (JISHU_STRESS_RUNS, default 300, runs of each command) shows no abnormal exit."""
    runs = int(os.environ.get("JISHU_STRESS_RUNS", "300"))
    out = tmp_path / "out"
    args = {
        "subsidy-json": ["subsidy", "--as-of", "2024-03-31", "--format", "json"],
        "subsidy-table": ["subsidy", "--as-of", "2024-03-31"],
        "progress": ["progress", "--year", "2022", "--as-of", "2022-12-31", "--format", "json"],
        "check": ["check", "--format", "json"],
        "summary": ["summary", "--out", out, "--as-of", "2023-12-31"],
    }[command]
    _repeat(CLI(tmp_path / "cwd"), [*args, *std(sample_copy)], runs, out if command == "summary" else None)
