"""Command-line contract details of SPEC §5: environment variables, no colour when piped, help."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import FIXTURES, ROOT, TARGETS, run

SMALL = FIXTURES / "golden" / "small"


def test_environment_variables_stand_for_options(tmp_path):
    env = {"JISHU_DATA": str(SMALL), "JISHU_TARGETS": str(TARGETS), "JISHU_LANG": "en"}
    result = run(["progress", "--year", "2022", "--as-of", "2022-06-30", "--no-cache"], env=env)
    assert result.exit_code == 0
    assert "Vocational skills training" in result.stdout and "rows read" in result.stdout
    # An option given on the command line wins over the environment.
    result = run(
        ["progress", "--year", "2022", "--as-of", "2022-06-30", "--lang", "zh", "--no-cache"], env=env
    )
    assert "职业技能培训" in result.stdout


def test_piped_output_has_no_colour_codes():
    for fmt in ("table", "json"):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "jishu",
                "progress",
                "--year",
                "2022",
                "--as-of",
                "2022-06-30",
                "--format",
                fmt,
                "--data",
                str(SMALL),
                "--targets",
                str(TARGETS),
                "--no-cache",
            ],
            capture_output=True,
            check=False,
            cwd=ROOT,
        )
        assert proc.returncode == 0
        assert b"\x1b[" not in proc.stdout
    assert json.loads(proc.stdout)["metrics"][0]["key"] == "training"


def test_help_works_without_data():
    for args in (["--help"], ["progress", "--help"], ["subsidy", "--help"], ["summary", "--help"]):
        result = run(args)
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_certified_employment_has_a_target_only_when_targets_give_one(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        TARGETS.read_text(encoding="utf-8").replace(
            "    high_skilled: 4400\n", "    high_skilled: 4400\n    certified_employment: 0.8\n", 1
        ),
        encoding="utf-8",
    )
    args = [
        "progress",
        "--year",
        "2022",
        "--as-of",
        "2022-06-30",
        "--format",
        "json",
        "--data",
        str(SMALL),
        "--no-cache",
    ]
    plain = {m["key"]: m for m in json.loads(run(args + ["--targets", str(TARGETS)]).stdout)["metrics"]}
    assert plain["certified_employment"]["target"] is None and plain["certified_employment"]["status"] is None
    given = {m["key"]: m for m in json.loads(run(args + ["--targets", str(targets)]).stdout)["metrics"]}
    share = given["certified_employment"]
    assert (
        share["target"] == 0.8
        and share["actual"] == 1.0
        and share["rate"] == 1.25
        and share["status"] == "done"
    )


def test_a_10_mb_line_is_read(tmp_path):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(SMALL, folder)
    with open(folder / "trainings.csv", "a", encoding="utf-8") as out:
        out.write("410122198503121012,王一,ZM22-99,2022-01-10,2022-02-21,是," + "长" * 3_500_000 + "\n")
    result = run(
        [
            "check",
            "--format",
            "json",
            "--as-of",
            "2022-12-31",
            "--data",
            str(folder),
            "--targets",
            str(TARGETS),
            "--no-cache",
        ]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["data"]["trainings"]["rows"] == 8


def test_freed_memory_is_kept_only_for_large_ledgers(tmp_path, monkeypatch):
    """Keeping freed memory saves the kernel re-zeroing pages on province-sized data but costs peak
    memory on smaller data: the command line decides by the bytes of CSV in the data folder."""
    from jishu.fast import runtime as cli

    (tmp_path / "trainings.csv").write_bytes(b"x" * 2000)
    (tmp_path / "notes.txt").write_bytes(b"x" * 5000)  # not a ledger: not counted
    monkeypatch.setattr(cli, "LARGE_LEDGERS", 3000)
    monkeypatch.delenv("MIMALLOC_PURGE_DELAY", raising=False)
    cli.tune_allocators(tmp_path)
    assert cli._ledger_bytes(tmp_path) == 2000
    assert os.environ["MIMALLOC_PURGE_DELAY"] == "10"
    (tmp_path / "certificates.CSV").write_bytes(b"x" * 2000)
    monkeypatch.delenv("MIMALLOC_PURGE_DELAY")
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    cli.tune_allocators(tmp_path)
    assert os.environ["MIMALLOC_PURGE_DELAY"] == "-1" and os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    monkeypatch.setenv("MIMALLOC_PURGE_DELAY", "250")  # the user's own setting wins
    cli.tune_allocators(tmp_path)
    assert os.environ["MIMALLOC_PURGE_DELAY"] == "250"


def test_a_base_exception_from_an_extension_is_an_internal_error_not_a_traceback(monkeypatch, capsys):
    """A Rust extension's panic arrives as pyo3's PanicException, a BaseException that `except Exception`
    does not catch: it is still exit 70 with one line, never a traceback (SPEC §5)."""
    from jishu import cli

    class PanicException(BaseException):
        pass

    class Command:
        def main(self, **_):
            raise PanicException("index out of range")

    monkeypatch.setattr(cli, "_command", lambda: Command())
    monkeypatch.setattr(sys, "argv", ["jishu", "--version"])
    assert cli._run() == 70
    err = capsys.readouterr().err
    assert "PanicException" in err and "Traceback" not in err
