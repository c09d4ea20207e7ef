"""Issue 16: a ledger file that only grew is read from the cache and its new tail (cache.grown_ledger,
assemble.append), and the answer is the one a run without the cache gives, in every number and problem.

A hypothesis state machine appends good rows, bad rows, duplicates of earlier keys, a last line without
its newline, half a line completed by the next append; edits a byte in the middle and puts the size and
modification time back (`touch -r`); truncates; touches. After every step the cached run must equal the
run with --no-cache. The runs are in-process (jishu's library), on real files in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import TARGETS, credit_code, resident_id, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import jishu.cache
import jishu.load
from jishu.checking import check
from jishu.i18n import Words
from jishu.load import LedgersUnusable, load
from jishu.model import Period
from jishu.render import render
from jishu.rules.progress import progress
from jishu.targets import load as load_targets

AS_OF = dt.date(2023, 12, 31)
PLAN = load_targets(TARGETS)
HEAD = "person_id,class_id,end_date,subsidized,township\n"
TOWNS = ["白沙镇", "韩寺镇", "官渡镇", ""]
EMPLOYER = credit_code("91410122MA44AAAA0")


def training(i: int, day: int = 1, town: str = "白沙镇") -> str:
    return f"{resident_id(birth=f'19{70 + i % 30}0{1 + i % 9}1{i % 9}', seq=i % 1000)},K{i % 7},2023-0{1 + day % 9}-1{day % 9},是,{town}\n"


def certificate(i: int) -> str:
    return f"C{i:05d},{resident_id(birth=f'19{70 + i % 30}0{1 + i % 9}1{i % 9}', seq=i % 1000)},高级工,2023-0{1 + i % 9}-05\n"


def base_folder(folder: Path) -> None:
    (folder / "trainings.csv").write_text(HEAD + "".join(training(i, i) for i in range(20)), encoding="utf-8")
    (folder / "certificates.csv").write_text(
        "cert_no,person_id,level,issue_date\n" + "".join(certificate(i) for i in range(0, 20, 2)),
        encoding="utf-8",
    )
    (folder / "hires.csv").write_text(
        "person_id,employer_id,employer_name,employer_size,hire_date,separation_date,insured_months\n"
        + "".join(
            f"{resident_id(birth=f'19{70 + i % 30}0{1 + i % 9}1{i % 9}', seq=i % 1000)},{EMPLOYER},"
            f"厂,small,2023-02-0{1 + i % 9},,12\n"
            for i in range(0, 20, 3)
        ),
        encoding="utf-8",
    )


def answer(folder: Path, cache: bool) -> str:
    """Everything a run says: check's problems and counts, progress by township and its JSON."""
    checked = render(check(folder, TARGETS, AS_OF, use_cache=cache), "json", Words("en"))
    try:
        ledgers = load(folder, AS_OF, use_cache=cache)
    except LedgersUnusable as unusable:  # a file no run can use (an open quote): said the same way
        return checked + str(unusable.problems.to_pylist())
    report = progress(ledgers, PLAN, Period.parse("2023"), by="township")
    return checked + render(report, "json", Words("en", PLAN.metrics))


def parts(folder: Path, ledger: str) -> int:
    meta = next((folder / ".jishu-cache").glob(f"ledger-{ledger}-*")) / "meta.json"
    return json.loads(meta.read_text(encoding="utf-8"))["parts"]


def test_an_append_is_read_as_a_tail_and_agrees_with_no_cache(tmp_path):
    base_folder(tmp_path)
    assert answer(tmp_path, True) == answer(tmp_path, False)
    with open(tmp_path / "trainings.csv", "a", encoding="utf-8") as f:
        f.write(training(3, 3))  # a duplicate of an earlier row
        f.write(training(40, 2) + training(41, 5))  # new rows
        f.write("410122199001011234,K1,2023-13-01,是,白沙镇\n")  # a bad ID and a bad date
    with open(tmp_path / "certificates.csv", "a", encoding="utf-8") as f:
        f.write(certificate(41) + certificate(1))
    assert answer(tmp_path, True) == answer(tmp_path, False)
    assert parts(tmp_path, "trainings") == 2 and parts(tmp_path, "certificates") == 2
    result = run(
        [
            "check",
            "--as-of",
            "2023-12-31",
            "--data",
            str(tmp_path),
            "--targets",
            str(TARGETS),
            "--format",
            "json",
        ]
    )
    lines = {
        (p["code"], p["line"]) for p in json.loads(result.stdout)["problems"] if p["file"] == "trainings.csv"
    }
    assert ("duplicate", 22) in lines and ("id_checksum", 25) in lines  # line numbers go on
    # the file as it ends now is hashed from the hash of what was cached and the bytes appended: the
    # next append is an increment again
    with open(tmp_path / "trainings.csv", "a", encoding="utf-8") as f:
        f.write(training(42, 1))
    assert answer(tmp_path, True) == answer(tmp_path, False)
    assert parts(tmp_path, "trainings") == 3


def test_a_tail_is_read_up_to_the_size_stamped_and_numbered_on(tmp_path):
    """read_tail reads the bytes from the size cached to the size the run stamped (a row a clerk adds
    meanwhile is the next run's), numbers its records on from the lines cached, quoted line breaks
    included, and gives up on a tail that is not plain UTF-8 CSV (the file is then read whole)."""
    from jishu.read.csv import read_tail

    header = ["person_id", "class_id", "end_date"]
    head = b"person_id,class_id,end_date\nA,K1,2023-01-01\n"
    rows = b'B,K2,2023-01-02\nC,"K\n3",2023-01-03\nD,K4,2023-01-04\n'
    late = b"E,K5,2023-01-05\n"
    path = tmp_path / "trainings.csv"
    path.write_bytes(head + rows + late)

    def read(end=None):
        table = read_tail(path, len(head), header, 2, end=end)
        if table is None:
            return None
        cells = zip(*[c.to_pylist() for c in table.columns], strict=True)
        return [(int(line), *row) for line, row in zip(table.lines, cells, strict=True)]

    assert read(len(head) + len(rows)) == [
        (3, "B", "K2", "2023-01-02"),
        (4, "C", "K\n3", "2023-01-03"),
        (6, "D", "K4", "2023-01-04"),
    ]
    assert read()[-1] == (7, "E", "K5", "2023-01-05")  # no bound: to the end of the file
    assert read(len(head) + len(rows) + len(late) + 1) is None  # shorter than stamped: read whole
    for spoilt in (b"F,K6,\x00\n", "G,K7,中".encode("gb18030") + b"\n", b'H,"K8,2023-01-08\n'):
        path.write_bytes(head + rows + spoilt)
        assert read() is None, spoilt


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), cut=st.integers(0, 300), block=st.sampled_from([1, 7, 64, 1 << 22]))
def test_a_files_hash_goes_on_from_the_hash_of_its_first_bytes(tmp_path_factory, data, cut, block):
    """What an append's run records of the file (hash, line feeds, last byte), hashing only the bytes
    appended, is what hashing the whole file gives, wherever the blocks fall."""
    from jishu.cache import _content

    path = tmp_path_factory.mktemp("content") / "f.csv"
    path.write_bytes(data)
    cut = min(cut, len(data))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jishu.cache, "_BLOCK", block)
        first, lines, _ = _content(path, cut)
        digest, count, last = _content(path, len(data), since=(first, cut, lines))
        whole = _content(path, len(data))
    assert (digest.hexdigest(), count, last) == (whole[0].hexdigest(), whole[1], whole[2])


def test_an_edit_that_keeps_size_and_time_is_no_append(tmp_path):
    base_folder(tmp_path)
    answer(tmp_path, True)
    path = tmp_path / "trainings.csv"
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("K3", "K4", 1)
    with open(path, "a", encoding="utf-8") as f:
        f.write(training(50, 1))
    path.write_text(text + training(50, 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert answer(tmp_path, True) == answer(tmp_path, False)


@pytest.mark.parametrize("appended_before", [False, True])
@pytest.mark.parametrize("change", ["append", "edit"])
def test_a_file_changed_while_it_is_read_is_not_kept_as_read(tmp_path, monkeypatch, change, appended_before):
    """A clerk saves the ledger while the nightly run reads it (the whole file, or the rows appended
    since the last run): what that run read is of neither version, so it must not be kept in the cache
    as the file's; the next run reads the file as it is now."""
    base_folder(tmp_path)
    path = tmp_path / "trainings.csv"
    if appended_before:
        answer(tmp_path, True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(training(40, 2) + training(41, 3))
    validate_file, changed = jishu.load.validate_file, []

    def validate_then_change(table, *args, **kwargs):
        validated = validate_file(table, *args, **kwargs)
        if getattr(table, "path", None) == path and not changed:
            changed.append(True)
            if change == "append":
                with open(path, "a", encoding="utf-8") as f:
                    f.write(training(42, 4))
            else:  # a town corrected (in the rows appended, when there are some), and a row added
                text = path.read_text(encoding="utf-8")
                at = text.rindex("白沙镇") if appended_before else text.index("白沙镇")
                path.write_text(text[:at] + "韩寺镇" + text[at + 3 :] + training(42, 4), encoding="utf-8")
        return validated

    monkeypatch.setattr(jishu.load, "validate_file", validate_then_change)
    load(tmp_path, AS_OF, use_cache=True)
    assert changed
    monkeypatch.setattr(jishu.load, "validate_file", validate_file)
    assert answer(tmp_path, True) == answer(tmp_path, False)


@pytest.mark.parametrize("gaps", [64, 0])
def test_a_ledger_written_part_by_part_agrees_with_no_cache(tmp_path, monkeypatch, gaps):
    """A large ledger's rows go to the cache while its later files are read (load.PART_ROWS, made small
    here): a part of which assembling then drops rows (duplicates of an earlier file's rows) is kept
    with the ranges of rows kept (up to MAX_GAPS dropped) or written again, and the warm run, an append
    and an edit all answer as --no-cache does."""
    monkeypatch.setattr(jishu.load, "PART_ROWS", 4)
    monkeypatch.setattr(jishu.cache, "MAX_GAPS", gaps)
    base_folder(tmp_path)
    rows = [training(i, i) for i in range(30)]
    (tmp_path / "trainings.csv").unlink()
    (tmp_path / "trainings_1.csv").write_text(HEAD + "".join(rows[:10]), encoding="utf-8")
    (tmp_path / "trainings_2.csv").write_text(HEAD + "".join(rows[10:12]), encoding="utf-8")  # with the next
    (tmp_path / "trainings_3.csv").write_text(HEAD + "".join(rows[12:20] + rows[3:5]), encoding="utf-8")
    (tmp_path / "trainings_4.csv").write_text(HEAD + "".join(rows[20:30]), encoding="utf-8")
    assert answer(tmp_path, True) == answer(tmp_path, False)
    assert parts(tmp_path, "trainings") == 3  # files 1, 2 and 3, and 4 (2 and 3 written as one)
    meta = json.loads(
        (next((tmp_path / ".jishu-cache").glob("ledger-trainings-*")) / "meta.json").read_text()
    )
    assert meta["seal"]["rows-1"].get("keep") == ([[0, 10]] if gaps else None)  # 2 + 8 of 10 rows
    with open(tmp_path / "trainings_4.csv", "a", encoding="utf-8") as f:
        f.write(training(60, 2) + rows[25])
    assert answer(tmp_path, True) == answer(tmp_path, False)
    assert parts(tmp_path, "trainings") == 4
    (tmp_path / "trainings_1.csv").write_text(HEAD + "".join(rows[:9]), encoding="utf-8")
    assert answer(tmp_path, True) == answer(tmp_path, False)


class Ledgers(RuleBasedStateMachine):
    """Random sequences of what clerks and editors do to a ledger file between two nightly runs."""

    part_rows: int | None = None  # load.PART_ROWS for this machine's runs
    max_parts: int | None = None  # cache.MAX_PARTS for this machine's runs

    @initialize()
    def start(self):
        if self.part_rows is not None:
            self.kept_part_rows, jishu.load.PART_ROWS = jishu.load.PART_ROWS, self.part_rows
        if self.max_parts is not None:
            self.kept_max_parts, jishu.cache.MAX_PARTS = jishu.cache.MAX_PARTS, self.max_parts
        self.folder = Path(tempfile.mkdtemp(prefix="jishu-grow-"))
        base_folder(self.folder)
        self.next = 100
        self.partial = ""
        answer(self.folder, True)

    def teardown(self):
        if hasattr(self, "kept_part_rows"):
            jishu.load.PART_ROWS = self.kept_part_rows
        if hasattr(self, "kept_max_parts"):
            jishu.cache.MAX_PARTS = self.kept_max_parts
        shutil.rmtree(self.folder, ignore_errors=True)

    def _append(self, ledger: str, text: str) -> None:
        with open(self.folder / f"{ledger}.csv", "a", encoding="utf-8") as f:
            f.write(text)

    @rule(n=st.integers(1, 4), town=st.sampled_from(TOWNS))
    def append_good_rows(self, n, town):
        self._append("trainings", "".join(training(self.next + k, k, town) for k in range(n)))
        self.next += n

    @rule(i=st.integers(0, 19))
    def append_a_duplicate_of_an_old_row(self, i):
        self._append("trainings", training(i, i))

    @rule(
        bad=st.sampled_from(
            [
                "410122199001011234,K1,2023-01-01,是,白沙镇\n",
                ",K1,2023-01-01,是,\n",
                "4.10122E+17,K1,2023-02-30,也许,\n",
                ",,,,\n",
                '"引号,K1\n',
            ]
        )
    )
    def append_a_bad_row(self, bad):
        self._append("trainings", bad)

    @rule(cell=st.sampled_from(['"K1"', '"K,2"', '"K\n3"', '"K""4"']))
    def append_a_quoted_row(self, cell):
        """A class id in quotes: plain, with a comma, across two lines (the tail's records are then
        found by a byte scan), with a quote doubled."""
        row = training(self.next, 5).split(",")
        self._append("trainings", ",".join([row[0], cell, *row[2:]]))
        self.next += 1

    @rule()
    def append_without_a_final_newline(self):
        self._append("trainings", training(self.next, 4).rstrip("\n"))
        self.next += 1

    @rule()
    def append_half_a_line(self):
        line = training(self.next, 6)
        self.next += 1
        self._append("trainings", line[:20])
        self.partial = line[20:]

    @rule()
    def complete_the_half_line(self):
        self._append("trainings", self.partial or "\n")
        self.partial = ""

    @rule(i=st.integers(0, 9))
    def append_a_certificate(self, i):
        self._append("certificates", certificate(self.next + i if i % 2 else i))

    @rule()
    def edit_the_middle_and_touch_r(self):
        path = self.folder / "trainings.csv"
        before = path.stat()
        data = bytearray(path.read_bytes())
        at = data.find(b",K", len(data) // 2)
        if at >= 0:
            data[at + 2] = ord("9") if data[at + 2] != ord("9") else ord("8")
        path.write_bytes(bytes(data))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    @rule(k=st.integers(1, 40))
    def truncate(self, k):
        path = self.folder / "trainings.csv"
        data = path.read_bytes()
        path.write_bytes(data[: max(len(HEAD), len(data) - k)])

    @rule()
    def touch(self):
        os.utime(self.folder / "trainings.csv")

    @invariant()
    def cached_equals_no_cache(self):
        if hasattr(self, "folder"):
            assert answer(self.folder, True) == answer(self.folder, False)


Ledgers.TestCase.settings = settings(
    max_examples=int(os.environ.get("JISHU_GROW_EXAMPLES", "12")),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_appends_edits_and_truncations_agree_with_no_cache = Ledgers.TestCase


class LedgersWrittenEarly(Ledgers):
    """The same, with the ledger's rows written to the cache as they are read (a part of every file), and
    every second append joining the appends before it into one part."""

    part_rows = 1
    max_parts = 2


LedgersWrittenEarly.TestCase.settings = Ledgers.TestCase.settings
test_appends_to_a_ledger_written_early_agree_with_no_cache = LedgersWrittenEarly.TestCase


@pytest.mark.parametrize("early", [False, True])
def test_many_appends_are_compacted(tmp_path, monkeypatch, early):
    """After MAX_PARTS appends they are joined, with the day's append, into one part (the ledger's parts
    before them kept as they are): the file is never read in full again (only each day's tail), parts
    written early (with rows dropped from them: `keep` ranges) included, and every answer is --no-cache's."""
    from jishu.cache import MAX_PARTS

    base_folder(tmp_path)
    if early:
        monkeypatch.setattr(jishu.load, "PART_ROWS", 4)
        rows = (tmp_path / "trainings.csv").read_text(encoding="utf-8").splitlines(keepends=True)[1:]
        (tmp_path / "trainings.csv").unlink()
        (tmp_path / "trainings_1.csv").write_text(HEAD + "".join(rows[:10]), encoding="utf-8")
        (tmp_path / "trainings_2.csv").write_text(HEAD + "".join(rows[10:] + rows[2:4]), encoding="utf-8")
    last = tmp_path / ("trainings_2.csv" if early else "trainings.csv")
    answer(tmp_path, True)

    def meta() -> dict:
        entry = next((tmp_path / ".jishu-cache").glob("ledger-trainings-*"))
        return json.loads((entry / "meta.json").read_text(encoding="utf-8"))

    built = meta()["base"]  # the parts of the ledger as first written (2 when written early)
    read_file, read = jishu.load.read_file, []
    monkeypatch.setattr(
        jishu.load, "read_file", lambda path, *a: read.append(path.name) or read_file(path, *a)
    )
    for i in range(MAX_PARTS + 2):
        with open(last, "a", encoding="utf-8") as f:
            f.write(training(200 + i, i) + training(3, 3))  # a new row and a duplicate of an old one
        load(tmp_path, AS_OF)
        assert meta()["parts"] - meta()["base"] <= MAX_PARTS
    assert not [name for name in read if name.startswith("trainings")]
    # the first MAX_PARTS + 1 appends joined into one part, then one more append
    assert (meta()["base"], meta()["parts"]) == (built + 1, built + 2)
    assert answer(tmp_path, True) == answer(tmp_path, False)
