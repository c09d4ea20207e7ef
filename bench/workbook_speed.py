"""Benchmark: reading a county-size workbook (60,000 rows) with jishu, against python-calamine alone
loading its cells (the library jishu reads workbooks with) and openpyxl (the common alternative), and
the same rows as CSV, cold and warm, in one run, whole processes each time.

    python bench/workbook_speed.py [--repeat 5] [--compare OLD_CHECKOUT]

The workbooks come from bench/workbooks.py (generated when missing): a clerk's trainings ledger with a
title row, a 填报单位 line, 序号, Chinese headers, date cells, a 合计 row and a footer, as Excel saves it
(shared strings), in one sheet and in 15 (one per township).

With `--compare DIR` (another checkout, e.g. `git worktree add /tmp/old main`), that checkout's jishu is
timed too, cold and warm, in the same rounds (its `src` first on PYTHONPATH, its own cache).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "workbooks"
sys.path.insert(0, str(HERE))
from run import TARGETS, machine, run_measured  # noqa: E402

CALAMINE = (
    "import sys, python_calamine as c; b = c.CalamineWorkbook.from_path(sys.argv[1]); "
    "n = sum(len(b.get_sheet_by_index(i).to_python(skip_empty_area=False)) for i in range(len(b.sheet_names)))"
)
OPENPYXL = (
    "import sys, openpyxl; b = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True); "
    "n = sum(1 for s in b.worksheets for _ in s.iter_rows(values_only=True))"
)
IMPORTS = "import pyarrow.csv, typer, rich, pydantic, python_calamine"


def folder_with(book: Path, name: str) -> Path:
    """A data folder holding the workbook and empty certificates and hires ledgers."""
    data = HERE / "out" / f"workbook-{name}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copy(book, data / book.name)
    (data / "certificates.csv").write_text("cert_no,person_id,level,issue_date\n", encoding="utf-8")
    (data / "hires.csv").write_text(
        "person_id,employer_id,employer_name,employer_size,hire_date,separation_date,insured_months\n",
        encoding="utf-8",
    )
    return data


def csv_twin(book: Path) -> Path:
    """The same rows as a CSV file (what jishu reads of the workbook), in a folder like the workbook's."""
    import python_calamine

    data = folder_with(book, "csv")
    (data / book.name).unlink()
    rows = []
    sheets = python_calamine.CalamineWorkbook.from_path(str(book))
    for i in range(len(sheets.sheet_names)):
        cells = sheets.get_sheet_by_index(i).to_python(skip_empty_area=False)
        at = next(j for j, r in enumerate(cells) if "身份证号" in r)
        if not rows:
            rows.append([str(c) for c in cells[at]])
        rows += [
            [c.isoformat() if hasattr(c, "isoformat") else str(c) for c in r]
            for r in cells[at + 1 :]
            if r and str(r[1]).strip()
        ]
    with open(data / "trainings.csv", "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return data


def jishu(data: Path, *extra: str, targets: Path = TARGETS) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jishu",
        "progress",
        "--year",
        "2022",
        "--as-of",
        "2025-12-31",
        "--data",
        str(data),
        "--targets",
        str(targets),
        "--format",
        "json",
        *extra,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout of jishu, timed in the same rounds")
    args = parser.parse_args()
    books = {"1 sheet": OUT / "trainings_1sheet_sst.xlsx", "15 sheets": OUT / "trainings_15sheets.xlsx"}
    if not all(p.exists() for p in books.values()):
        subprocess.run([sys.executable, str(HERE / "workbooks.py"), "--generate-only"], check=True)
    results = {}
    for label, book in books.items():
        data, twin = folder_with(book, label.replace(" ", "")), csv_twin(book)
        env = dict(os.environ, JISHU_CACHE=str(HERE / "out" / f"cache-workbook-{label.replace(' ', '')}"))
        twin_env = dict(os.environ, JISHU_CACHE=str(HERE / "out" / "cache-workbook-csv"))
        other = None
        if args.compare is not None:
            other = dict(
                env, JISHU_CACHE=f"{env['JISHU_CACHE']}-compare", PYTHONPATH=str(args.compare / "src")
            )
        for e in (env, twin_env, *([other] if other else [])):
            shutil.rmtree(e["JISHU_CACHE"], ignore_errors=True)
        run_measured(jishu(data), env)
        run_measured(jishu(twin), twin_env)
        old_targets = args.compare / "targets.yaml" if args.compare else TARGETS
        if other:
            run_measured(jishu(data, targets=old_targets), other)
        kinds = ["imports", "calamine", "openpyxl", "jishu_cold", "jishu_warm", "csv_cold", "csv_warm"]
        runs: dict[str, list[float]] = {
            k: [] for k in kinds + (["compare_cold", "compare_warm"] if other else [])
        }
        for i in range(args.repeat):
            if i < 2:  # 6-9 s a run, and gigabytes: first in its round, so that no jishu run follows it
                runs["openpyxl"].append(run_measured([sys.executable, "-c", OPENPYXL, str(book)])[0])
            runs["imports"].append(run_measured([sys.executable, "-c", IMPORTS])[0])
            runs["calamine"].append(run_measured([sys.executable, "-c", CALAMINE, str(book)])[0])
            pairs = [("jishu", env, TARGETS)] + ([("compare", other, old_targets)] if other else [])
            for who, e, targets in pairs if i % 2 == 0 else pairs[::-1]:  # alternate who goes first
                runs[f"{who}_cold"].append(run_measured(jishu(data, "--no-cache", targets=targets), e)[0])
                runs[f"{who}_warm"].append(run_measured(jishu(data, targets=targets), e)[0])
            runs["csv_cold"].append(run_measured(jishu(twin, "--no-cache"), twin_env)[0])
            runs["csv_warm"].append(run_measured(jishu(twin), twin_env)[0])
        median = {k: statistics.median(v) for k, v in runs.items()}
        same = (
            json.loads(run_measured(jishu(data, "--no-cache"), env)[2])["metrics"]
            == json.loads(run_measured(jishu(twin, "--no-cache"), twin_env)[2])["metrics"]
        )
        results[label] = median | {
            "cold_vs_calamine": median["jishu_cold"] / median["calamine"],
            "cold_less_imports_vs_calamine": (median["jishu_cold"] - median["imports"]) / median["calamine"],
            "warm_vs_csv_warm": median["jishu_warm"] / median["csv_warm"],
            "same_numbers": same,
        }
    print(f"\nMachine: {machine()}\n")
    print(
        "| workbook | calamine alone s | openpyxl alone s | jishu cold s | jishu warm s | same rows as CSV: cold s "
        "| warm s | imports s | cold / calamine | warm / CSV warm | same numbers |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, r in results.items():
        print(
            f"| {label} | {r['calamine']:.2f} | {r['openpyxl']:.2f} | {r['jishu_cold']:.2f} | {r['jishu_warm']:.2f} "
            f"| {r['csv_cold']:.2f} | {r['csv_warm']:.2f} | {r['imports']:.2f} | {r['cold_vs_calamine']:.2f} "
            f"| {r['warm_vs_csv_warm']:.2f} | {'yes' if r['same_numbers'] else 'NO'} |"
        )
    if args.compare is not None:
        print(f"\nCompared with {args.compare} in the same rounds:\n")
        print(
            "| workbook | this cold s | compared cold s | this warm s | compared warm s | this cold / calamine "
            "| compared cold / calamine |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, r in results.items():
            print(
                f"| {label} | {r['jishu_cold']:.2f} | {r['compare_cold']:.2f} | {r['jishu_warm']:.2f} "
                f"| {r['compare_warm']:.2f} | {r['cold_vs_calamine']:.2f} | {r['compare_cold'] / r['calamine']:.2f} |"
            )
    (HERE / "out" / "workbook_speed.json").write_text(
        json.dumps({"machine": machine(), "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
