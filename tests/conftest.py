"""Shared test helpers: write real CSV files, run the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jishu.cli import app

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "targets.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[object]],
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    """Write a ledger CSV as Excel would (fields quoted only when needed), in a real encoding."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = out.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run(args: list[str], env: dict | None = None):
    """Run jishu through Typer's runner (stdout and stderr kept apart)."""
    # Unset the JISHU_* variables of the developer's shell, then apply the test's own.
    full_env: dict[str, str | None] = dict.fromkeys(
        ("JISHU_LANG", "JISHU_DATA", "JISHU_TARGETS", "JISHU_CACHE")
    )
    full_env.update(env or {})
    return CliRunner().invoke(app, args, env=full_env, catch_exceptions=False)


def run_json(args: list[str], env: dict | None = None) -> dict:
    result = run(args + ["--format", "json"], env)
    assert result.exit_code in (0, 1), result.stderr + result.stdout
    return json.loads(result.stdout)


@pytest.fixture
def targets_file() -> Path:
    return TARGETS


def resident_id(region: str = "410122", birth: str = "19900101", seq: int = 123) -> str:
    """A valid synthetic resident ID (GB 11643-1999 check character)."""
    from stdnum.cn import ric

    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str = "91410122MA44AAAA0") -> str:
    """A valid synthetic credit code (GB 32100-2015 check character)."""
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


TRAINING_HEADER = ["person_id", "name", "class_id", "start_date", "end_date", "subsidized", "township"]
CERT_HEADER = ["cert_no", "person_id", "name", "cert_type", "level", "issue_date", "township"]
HIRE_HEADER = [
    "person_id",
    "name",
    "employer_id",
    "employer_name",
    "employer_size",
    "hire_date",
    "separation_date",
    "insured_months",
    "agency_id",
    "agency_name",
    "in_province",
    "township",
]
PAYOUT_HEADER = ["payee_id", "kind", "person_id", "amount", "paid_date", "batch"]


def ledger_folder(root: Path, trainings=(), certificates=(), hires=(), payouts=None, **write_options) -> Path:
    """A data folder with the four ledgers, each row a dict keyed by column (missing keys are empty)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("trainings", TRAINING_HEADER, trainings),
        ("certificates", CERT_HEADER, certificates),
        ("hires", HIRE_HEADER, hires),
        ("payouts", PAYOUT_HEADER, payouts),
    ):
        if rows is None:
            continue
        write_csv(
            root / f"{name}.csv", header, [[r.get(c, "") for c in header] for r in rows], **write_options
        )
    return root
