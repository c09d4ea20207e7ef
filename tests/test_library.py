"""The library API (README "Using jishu as a library"): no command line needed, rules testable on
ledgers written in code, reports with codes and numbers only."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

import jishu
from tests.conftest import ROOT, TARGETS, credit_code, resident_id

D = dt.date


def test_the_library_runs_without_typer_or_rich():
    """`import jishu` and a whole progress report in a process where Typer and rich are never imported."""
    code = f"""
import sys, json
import jishu
targets = jishu.load_targets({str(TARGETS)!r})
ledgers = jishu.load_ledgers({str(ROOT / "data")!r}, as_of="2022-03-31", cache=False)
report = jishu.progress(ledgers, targets, year=2022)
actual = {{m.key: m.actual for m in report.metrics}}
print(json.dumps([actual["training"], actual["skilled"], actual["high_skilled"],
                  "typer" in sys.modules, "rich" in sys.modules, "click" in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == [3994, 2051, 632, False, False, False]


def test_progress_on_ledgers_written_in_code():
    a, b = resident_id(seq=1), resident_id(seq=2)
    ledgers = jishu.ledgers_from_rows(
        "2022-06-30",
        trainings=[
            {
                "person_id": a,
                "class_id": "C1",
                "end_date": "2022-03-05",
                "subsidized": "是",
                "township": "白沙镇",
            },
            {"person_id": a, "class_id": "C1", "end_date": "2022-03-05", "subsidized": "是"},  # duplicate
            {"person_id": b, "class_id": "C2", "end_date": "2022-07-01", "subsidized": "否"},  # after as-of
            {"person_id": b, "class_id": "C3", "end_date": "2022/13/01", "subsidized": "否"},  # rejected
        ],
        certificates=[
            {"cert_no": "Z1", "person_id": a, "level": "高级工", "issue_date": D(2022, 2, 1)},
            {"cert_no": "Z2", "person_id": a, "level": "", "issue_date": D(2022, 4, 1)},
        ],
        hires=[
            {
                "person_id": a,
                "employer_id": credit_code(),
                "employer_name": "某公司",
                "employer_size": "小型",
                "hire_date": "2022-05-01",
                "separation_date": "",
                "insured_months": 2,
            }
        ],
    )
    report = jishu.progress(ledgers, jishu.load_targets(TARGETS), year=2022)
    actual = {m.key: m.actual for m in report.metrics}
    assert actual == {
        "training": 1,
        "subsidized_training": 1,
        "skilled": 1,
        "high_skilled": 1,
        "employment": 1,
        "certified_employment": 1.0,
    }
    assert report.data["trainings"].model_dump() == {"rows": 4, "accepted": 2, "rejected": 1, "duplicates": 1}
    assert report.data["payouts"].rows == 0  # payouts not given: an empty ledger
    codes = sorted(ledgers.problems["code"].to_pylist())
    assert codes == ["date_invalid", "duplicate"]
    groups = jishu.progress(ledgers, jishu.load_targets(TARGETS), year=2022, by="township").groups
    found = {g.key: g.metrics[0].actual for g in groups}
    assert found["白沙镇"] == 1 and found["(none)"] == 0 and len(found) == 15 + 1  # every listed township


def test_reports_carry_codes_not_words():
    """The report models hold no language; JSON keys, codes and group keys are the same in zh and en."""
    targets = jishu.load_targets(TARGETS)
    ledgers = jishu.load_ledgers(
        ROOT / "tests" / "fixtures" / "golden" / "small", as_of="2022-12-31", cache=False
    )
    report = jishu.progress(ledgers, targets, year=2022, by="township")
    assert all(m.name is None and m.unit is None for m in report.metrics)
    from jishu.i18n import Words
    from jishu.render import render

    zh, en = (json.loads(render(report, "json", Words(lang, targets.metrics))) for lang in ("zh", "en"))

    def skeleton(value):
        if isinstance(value, dict):
            return {k: skeleton(v) for k, v in value.items() if k not in ("name", "unit")}
        if isinstance(value, list):
            return [skeleton(v) for v in value]
        return value

    assert skeleton(zh) == skeleton(en)
    assert (
        zh["metrics"][0]["name"] == "职业技能培训"
        and en["metrics"][0]["name"] == "Vocational skills training"
    )
    assert [g["key"] for g in zh["groups"]] == [g["key"] for g in en["groups"]]


def test_subsidy_and_check_from_the_library(tmp_path):
    targets = jishu.load_targets(TARGETS)
    ledgers = jishu.load_ledgers(
        ROOT / "tests" / "fixtures" / "golden" / "small", as_of="2023-06-30", cache=False
    )
    overview = jishu.subsidy(ledgers, targets)
    assert set(overview.totals) == {"employer", "agency"}
    one = jishu.subsidy(ledgers, targets, agency="91410122MA44AGEN01")
    assert one.payee.kind == "agency"
    report = jishu.check(
        ROOT / "tests" / "fixtures" / "golden" / "small", TARGETS, as_of="2022-12-31", cache=False
    )
    assert not report.ok and not report.unusable
    with pytest.raises(ValueError):
        jishu.progress(ledgers, targets)
