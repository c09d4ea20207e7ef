"""The nightly summary: contents, history, atomic writes under SIGKILL, the lock, no IDs, a real browser."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, TARGETS, credit_code, ledger_folder, resident_id, run

WHOLE_ID = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """A small county: trainings, certificates and hires over 2022, a few bad rows."""
    folder = tmp_path_factory.mktemp("county")
    towns = ["韩寺镇", "官渡镇", "白沙镇"]
    trainings, certificates, hires = [], [], []
    for i in range(300):
        pid = resident_id(birth=f"19{70 + i % 30}0{1 + i % 9}1{i % 10}", seq=i)
        month = 1 + i % 12
        trainings.append(
            {
                "person_id": pid,
                "class_id": f"C{i % 40}",
                "end_date": f"2022-{month:02d}-15",
                "subsidized": "是" if i % 3 else "否",
                "township": towns[i % 3],
            }
        )
        certificates.append(
            {
                "cert_no": f"Z{i}",
                "person_id": pid,
                "level": ["高级工", "", "4", "技师"][i % 4],
                "issue_date": f"2022/{month}/20",
                "township": towns[i % 3],
            }
        )
        hires.append(
            {
                "person_id": pid,
                "employer_id": credit_code(f"91410122MA44{i % 7:04d}0"),
                "employer_name": f"单位{i % 7}",
                "employer_size": ["小型", "中型", "大型"][i % 3],
                "hire_date": f"2022-{month:02d}-25",
                "insured_months": str(i % 14),
                "township": towns[i % 3],
            }
        )
    trainings.append(
        {"person_id": "4.10122E+17", "class_id": "C1", "end_date": "2022-01-01", "subsidized": "是"}
    )
    ledger_folder(folder, trainings, certificates, hires, payouts=[])
    return folder


def summary_cmd(data: Path, out: Path, as_of: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jishu",
        "summary",
        "--out",
        str(out),
        "--as-of",
        as_of,
        "--data",
        str(data),
        "--targets",
        str(TARGETS),
        *extra,
    ]


def test_summary_files_and_contents(county, tmp_path):
    out = tmp_path / "new" / "out"  # a missing folder is created
    result = run(
        [
            "summary",
            "--out",
            str(out),
            "--as-of",
            "2022-06-30",
            "--data",
            str(county),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0, result.stderr  # rejected rows are reported inside, not an exit code
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == [
        "history.csv",
        "latest.json",
        "summary-2022-06-30.html",
        "summary-2022-06-30.json",
        "summary-2022-06-30.md",
        "summary-2022-06-30.txt",
    ]
    doc = json.loads((out / "summary-2022-06-30.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["as_of"] == "2022-06-30"
    assert doc["year"]["period"]["label"] == "2022" and doc["plan"]["period"]["label"] == "2021-2025"
    progress = json.loads(
        run(
            [
                "progress",
                "--year",
                "2022",
                "--as-of",
                "2022-06-30",
                "--data",
                str(county),
                "--targets",
                str(TARGETS),
                "--format",
                "json",
            ]
        ).stdout
    )
    assert doc["year"]["metrics"] == progress["metrics"]
    assert doc["data_quality"]["rejected"] == 1
    assert doc["data_quality"]["top_problems"][0]["code"] == "id_scientific"
    assert [t["township"] for t in doc["townships"]] and doc["townships"][0]["rank"] == 1
    md = (out / "summary-2022-06-30.md").read_text(encoding="utf-8")
    assert (
        "完成率" in md and "序时" in md and "补贴发放审核" in md and "乡镇排名最后三位" in md and "应发" in md
    )
    assert (
        "`" not in md and "id_scientific" not in md
    )  # problems by name, no code spans (WeChat shows them raw)
    assert doc["audit"]["totals"]["findings"] == 0 and doc["audit"]["totals"]["amount_at_risk"] == 0
    # Timestamped log lines on stderr, nothing on stdout.
    assert result.stdout == ""
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", result.stderr)


def test_output_matches_the_published_schema(county, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    run(
        [
            "summary",
            "--out",
            str(tmp_path),
            "--as-of",
            "2022-06-30",
            "--data",
            str(county),
            "--targets",
            str(TARGETS),
        ]
    )
    schema = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((tmp_path / "latest.json").read_text(encoding="utf-8")), schema)


def test_published_schema_is_current():
    from jishu.model import SummaryReport

    published = json.loads((ROOT / "schemas" / "summary.schema.json").read_text(encoding="utf-8"))
    assert published == SummaryReport.model_json_schema(), "run: python -m jishu.nightly --write-schema"


def test_history_is_idempotent_and_keeps_other_dates(county, tmp_path):
    for day in ("2022-03-31", "2022-06-30", "2022-03-31", "2022-09-30"):
        assert (
            run(
                [
                    "summary",
                    "--out",
                    str(tmp_path),
                    "--as-of",
                    day,
                    "--data",
                    str(county),
                    "--targets",
                    str(TARGETS),
                ]
            ).exit_code
            == 0
        )
    rows = list(csv.DictReader((tmp_path / "history.csv").open(encoding="utf-8")))
    per_date = {}
    for r in rows:
        per_date.setdefault(r["as_of"], []).append((r["period"], r["metric"]))
    assert sorted(per_date) == ["2022-03-31", "2022-06-30", "2022-09-30"]
    assert all(len(v) == len(set(v)) == 12 for v in per_date.values())
    latest = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert latest["as_of"] == "2022-09-30"
    # Re-running an older date does not make it "latest".
    run(
        [
            "summary",
            "--out",
            str(tmp_path),
            "--as-of",
            "2022-03-31",
            "--data",
            str(county),
            "--targets",
            str(TARGETS),
        ]
    )
    assert json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))["as_of"] == "2022-09-30"


def test_out_that_is_a_file_is_an_error(county, tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    result = run(["summary", "--out", str(target), "--data", str(county), "--targets", str(TARGETS)])
    assert result.exit_code == 2 and "afile" in result.stderr


def test_unusable_input_exits_2(tmp_path):
    result = run(
        ["summary", "--out", str(tmp_path / "o"), "--data", str(tmp_path / "none"), "--targets", str(TARGETS)]
    )
    assert result.exit_code == 2


def assert_whole_files(out: Path) -> None:
    """Every finished file parses; temporaries of a killed run are never under a final name."""
    for path in out.iterdir():
        if path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".csv":
            rows = list(csv.reader(data.decode("utf-8").splitlines()))
            assert rows[0][0] == "as_of" and all(len(r) == len(rows[0]) for r in rows)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>")
        elif path.suffix == ".md":
            assert data.endswith(b"\n") and b"**" in data
        elif path.suffix == ".txt":
            assert data.endswith(b"\n") and "北京时间".encode() in data
        else:
            raise AssertionError(f"unexpected file {path.name}")


def test_sigkill_at_random_moments_leaves_only_whole_files(county, tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, JISHU_CACHE=str(tmp_path / "cache"))
    start = time.monotonic()
    subprocess.run(summary_cmd(county, out, "2022-05-31"), env=env, check=True, capture_output=True)
    duration = time.monotonic() - start
    rng = random.Random(20221231)
    for i in range(12):
        proc = subprocess.Popen(
            summary_cmd(county, out, f"2022-{1 + i % 12:02d}-28", "--no-cache"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_whole_files(out)
    # The next run after the kills succeeds and cleans the temporaries up.
    subprocess.run(summary_cmd(county, out, "2022-12-31"), env=env, check=True, capture_output=True)
    assert_whole_files(out)
    assert not [p for p in out.iterdir() if p.suffix == ".tmp"]


def test_overlapping_runs_do_not_interleave(county, tmp_path):
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            summary_cmd(county, out, "2022-06-30"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0, 0]
    assert_whole_files(out)
    rows = list(csv.DictReader((out / "history.csv").open(encoding="utf-8")))
    assert len(rows) == 12


def test_a_held_lock_makes_the_second_run_exit_75(county, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".jishu-summary.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            summary_cmd(county, out, "2022-06-30", "--lock-wait", "0.5"),
            check=False,
            capture_output=True,
            text=True,
        )
    assert result.returncode == 75
    assert "lock" in result.stderr
    assert not (out / "latest.json").exists()


def test_no_resident_id_in_any_written_file(county, tmp_path):
    run(
        [
            "summary",
            "--out",
            str(tmp_path),
            "--as-of",
            "2022-12-31",
            "--data",
            str(county),
            "--targets",
            str(TARGETS),
        ]
    )
    for path in tmp_path.iterdir():
        assert not WHOLE_ID.search(path.read_bytes()), path.name


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def test_html_renders_in_headless_chromium_without_console_errors(county, tmp_path):
    found = _chromium()
    if found is None:
        if os.environ.get("JISHU_REQUIRE_BROWSER"):
            pytest.fail("Chromium and chromedriver are required here (installed by .ci/run)")
        pytest.skip("chromium / chromedriver not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    for day in ("2022-03-31", "2022-06-30", "2022-09-30"):
        run(
            [
                "summary",
                "--out",
                str(tmp_path),
                "--as-of",
                day,
                "--data",
                str(county),
                "--targets",
                str(TARGETS),
            ]
        )
    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get((tmp_path / "summary-2022-09-30.html").as_uri())
        assert "2022-09-30" in driver.title
        assert driver.find_elements("css selector", "svg polyline"), "trend chart missing"
        assert len(driver.find_elements("css selector", ".bar")) >= 6
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        shot = Path(os.environ.get("JISHU_SCREENSHOTS", tmp_path)) / "summary-2022-09-30.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        driver.quit()
