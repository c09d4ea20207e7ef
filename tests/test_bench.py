"""Smoke test of the benchmark: generate a tiny ledger set, time jishu against DuckDB, counts equal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_benchmark_runs_and_counts_agree(tmp_path):
    pytest.importorskip("duckdb")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "tiny", "--repeat", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "results.json").read_text())
    tiny = report["results"][0]
    assert tiny["size"] == "tiny" and tiny["counts"][0] > 0
    assert set(tiny["ratios"]) >= {"cold_vs_duckdb", "warm_vs_duckdb", "warm_vs_imports", "cold_peak_vs_csv"}
    assert "| tiny |" in result.stdout
