"""Command-line contract details of SPEC §5: environment variables, no colour when piped, help."""

from __future__ import annotations

import json
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
    result = run(["progress", "--year", "2022", "--as-of", "2022-06-30", "--lang", "zh", "--no-cache"], env=env)
    assert "职业技能培训" in result.stdout


def test_piped_output_has_no_colour_codes():
    for fmt in ("table", "json"):
        proc = subprocess.run([sys.executable, "-m", "jishu", "progress", "--year", "2022", "--as-of", "2022-06-30",
                               "--format", fmt, "--data", str(SMALL), "--targets", str(TARGETS), "--no-cache"],
                              capture_output=True, check=False, cwd=ROOT)
        assert proc.returncode == 0
        assert b"\x1b[" not in proc.stdout
    assert json.loads(proc.stdout)["metrics"][0]["key"] == "training"


def test_help_works_without_data():
    for args in (["--help"], ["progress", "--help"], ["subsidy", "--help"], ["summary", "--help"]):
        result = run(args)
        assert result.exit_code == 0 and "Usage" in result.stdout
