"""Fuzzing the whole command line with hypothesis: random CSV bytes and mutated sample ledgers never
give a traceback, always exit 0, 1 or 2, and always reconcile (rows = accepted + rejected + duplicates)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, TARGETS, run

SAMPLE = ROOT / "data"
HEADERS = {
    "trainings": "person_id,name,class_id,start_date,end_date,subsidized,township",
    "certificates": "cert_no,person_id,level,issue_date,township",
    "hires": "person_id,employer_id,employer_name,employer_size,hire_date,separation_date,insured_months,"
    "agency_id,in_province",
}
NOISE = [
    b",",
    b'"',
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    "\u3000".encode(),
    "是".encode("gb18030"),
    b"4.10122E+17",
    b"2022-02-30",
    b"41012219900101123X",
    b";",
    b"\t",
    b"=cmd()",
    b" ",
]


def head_lines(name: str, count: int) -> bytes:
    """The first lines of a sample ledger (certificates.csv is GB18030, hires.csv has a BOM)."""
    path = next(SAMPLE.glob(f"{name}*.csv"))
    return b"".join(path.read_bytes().splitlines(keepends=True)[:count])


def check(folder: Path) -> None:
    result = run(
        [
            "check",
            "--format",
            "json",
            "--data",
            str(folder),
            "--targets",
            str(TARGETS),
            "--no-cache",
            "--as-of",
            "2023-12-31",
        ]
    )
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code in (0, 1):
        report = json.loads(result.stdout)
        for name, c in report["data"].items():
            assert c["rows"] == c["accepted"] + c["rejected"] + c["duplicates"], (name, c)
    progress = run(
        [
            "progress",
            "--year",
            "2022",
            "--as-of",
            "2022-12-31",
            "--format",
            "json",
            "--data",
            str(folder),
            "--targets",
            str(TARGETS),
            "--no-cache",
        ]
    )
    assert progress.exit_code in (0, 1, 2), progress.stderr
    assert "Traceback" not in progress.stdout + progress.stderr
    if progress.exit_code == 0:
        assert json.loads(progress.stdout)["metrics"]


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        (folder / f"{name}.csv").write_bytes(files.get(name, (header + "\n").encode()))
    return folder


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=st.sampled_from(list(HEADERS)), body=st.binary(max_size=400), keep_header=st.booleans())
def test_random_bytes_never_crash(tmp_path_factory, ledger, body, keep_header):
    data = (HEADERS[ledger] + "\n").encode() + body if keep_header else body
    check(write_folder(tmp_path_factory.mktemp("fuzz"), {ledger: data}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ledger=st.sampled_from(list(HEADERS)),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "replace", "duplicate_line"]),
            st.floats(0, 1),
            st.sampled_from(NOISE),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_sample_ledgers_never_crash(tmp_path_factory, ledger, edits):
    files = {name: head_lines(name, 40) for name in HEADERS}
    data = bytearray(files[ledger])
    for action, where, noise in edits:
        at = int(where * len(data))
        if action == "insert":
            data[at:at] = noise
        elif action == "delete":
            del data[at : at + len(noise)]
        elif action == "replace":
            data[at : at + len(noise)] = noise
        else:
            lines = bytes(data).splitlines(keepends=True)
            k = min(int(where * len(lines)), len(lines) - 1)
            data = bytearray(b"".join(lines[: k + 1] + lines[k:]))
    files[ledger] = bytes(data)
    check(write_folder(tmp_path_factory.mktemp("mutant"), files))
