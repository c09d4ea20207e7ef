"""Golden CLI tests (hledger-style): a small ledger folder, a command, the exact output, the exit code.

Regenerate after a deliberate change with JISHU_UPDATE_GOLDEN=1 and read the diff before committing.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import FIXTURES, TARGETS, run

GOLDEN = FIXTURES / "golden"
CASES = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(case):
    data = GOLDEN / case.get("data", "small")
    result = run(case["args"] + ["--data", str(data), "--targets", str(TARGETS), "--no-cache"])
    assert result.exit_code == case["exit"], result.stderr
    output = result.stderr if case.get("stream") == "stderr" else result.stdout
    expected = GOLDEN / "expected" / f"{case['name']}.txt"
    if os.environ.get("JISHU_UPDATE_GOLDEN"):
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(output, encoding="utf-8")
    assert output == expected.read_text(encoding="utf-8")
