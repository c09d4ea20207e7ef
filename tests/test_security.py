"""No leaks and no injection: every command on the sample, every output scanned for whole ID numbers;
formula injection neutralised in CSV and Markdown; the --full-ids export is private."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

import pytest
from stdnum.cn import ric

from tests.conftest import ROOT, TARGETS, credit_code, ledger_folder, resident_id, run

SAMPLE = ROOT / "data"
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def whole_ids(text: str) -> list[str]:
    """18-character runs that are valid resident ID numbers (credit codes of all digits are allowed
    to pass: they are not personal, and their check is another one)."""
    return [m for m in ID_LIKE.findall(text) if ric.calc_check_digit(m) == m[-1].upper()]


def sample_credit_codes() -> set[str]:
    codes = set()
    for row in csv.DictReader(io.StringIO((SAMPLE / "hires.csv").read_bytes().decode("utf-8-sig"))):
        codes |= {row["employer_id"], row.get("agency_id") or ""}
    return codes


COMMANDS = [
    ["progress", "--year", "2022"],
    ["progress", "--year", "2022", "--format", "json"],
    ["progress", "--year", "2022", "--format", "csv", "--by", "township"],
    ["progress", "--period", "2021-2025", "--format", "markdown", "--by", "month"],
    ["check"],
    ["check", "--format", "json"],
    ["check", "--lang", "en"],
    ["subsidy", "--as-of", "2023-12-31"],
    ["subsidy", "--as-of", "2023-12-31", "--format", "json"],
    ["subsidy", "--as-of", "2023-12-31", "--format", "csv"],
    ["subsidy", "--employer", "中牟县绿博食品有限公司", "--as-of", "2023-12-31"],
    ["subsidy", "--employer", "中牟县绿博食品有限公司", "--as-of", "2023-12-31", "--format", "json"],
    ["subsidy", "--employer", "中牟县绿博食品有限公司", "--as-of", "2023-12-31", "--format", "markdown"],
    ["subsidy", "--employer", "中牟县绿博食品有限公司", "--as-of", "2023-12-31", "--format", "csv"],
    ["subsidy", "--employer", "no such employer"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_no_whole_id_in_any_output(args):
    result = run(args + ["--data", str(SAMPLE), "--targets", str(TARGETS)])
    assert result.exit_code in (0, 1, 2)
    leaked = set(whole_ids(result.stdout + result.stderr)) - sample_credit_codes()
    assert not leaked


def test_no_whole_id_in_exports_logs_or_summary(tmp_path):
    export = tmp_path / "due.csv"
    result = run(
        [
            "subsidy",
            "--as-of",
            "2023-12-31",
            "--export",
            str(export),
            "--data",
            str(SAMPLE),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0
    written = [export]
    result = run(
        [
            "summary",
            "--out",
            str(tmp_path / "out"),
            "--as-of",
            "2022-12-31",
            "--data",
            str(SAMPLE),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0
    written += list((tmp_path / "out").iterdir())
    assert not set(whole_ids(result.stderr)) - sample_credit_codes()
    for path in written:
        leaked = set(whole_ids(path.read_bytes().decode("utf-8", errors="replace"))) - sample_credit_codes()
        assert not leaked, path.name


def test_full_ids_export_is_private_and_warned(tmp_path):
    export = tmp_path / "due-full.csv"
    export.write_text("old")
    os.chmod(export, 0o644)
    result = run(
        [
            "subsidy",
            "--as-of",
            "2023-12-31",
            "--export",
            str(export),
            "--full-ids",
            "--data",
            str(SAMPLE),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    assert "0600" in result.stderr or "仅本人" in result.stderr
    data = export.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))[:-1]  # the last row is 合计
    assert rows and all(ric.is_valid(r["身份证号"]) or len(r["身份证号"]) == 18 for r in rows)
    assert [int(r["序号"]) for r in rows] == list(range(1, len(rows) + 1))
    assert whole_ids(data.decode("utf-8-sig"))


def test_full_ids_needs_export():
    result = run(["subsidy", "--full-ids", "--data", str(SAMPLE), "--targets", str(TARGETS)])
    assert result.exit_code == 2


def test_formula_injection_is_neutralised(tmp_path: Path):
    person = resident_id()
    employer = credit_code()
    folder = ledger_folder(
        tmp_path / "data",
        certificates=[{"cert_no": "C1", "person_id": person, "level": "3", "issue_date": "2021-01-01"}],
        hires=[
            {
                "person_id": person,
                "name": '=HYPERLINK("http://x")',
                "employer_id": employer,
                "employer_name": "+SUM(A1)",
                "employer_size": "小型",
                "hire_date": "2021-02-01",
                "insured_months": "24",
            }
        ],
        trainings=[],
        payouts=[],
    )
    args = ["--data", str(folder), "--targets", str(TARGETS), "--as-of", "2023-12-31"]
    for fmt in ("csv", "markdown"):
        out = run(["subsidy", "--employer", employer, "--format", fmt] + args).stdout
        for cell in ("=HYPERLINK", "+SUM"):
            assert re.search(rf"(^|[,|]\s?){re.escape(cell)}", out, re.MULTILINE) is None, (fmt, out)
        assert "'=HYPERLINK" in out or "'=HYPERLINK" in out.replace('""', '"')
    export = tmp_path / "due.csv"
    run(["subsidy", "--export", str(export)] + args)
    text = export.read_text(encoding="utf-8-sig")
    assert "'+SUM(A1)" in text and "'=HYPERLINK" in text.replace('""', '"')


def test_yaml_tags_do_not_run(tmp_path):
    marker = tmp_path / "PWNED"
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        TARGETS.read_text(encoding="utf-8") + f'\nevil: !!python/object/apply:os.system ["touch {marker}"]\n',
        encoding="utf-8",
    )
    result = run(["check", "--data", str(SAMPLE), "--targets", str(targets)])
    assert result.exit_code == 2
    assert not marker.exists()
