"""Benchmark: `jishu progress --year 2022` cold (--no-cache) and warm, against DuckDB SQL computing the
same five counts over the same CSV files, in one run, whole processes each time.

    python bench/run.py county city province [--repeat 3] [--compare OLD_CHECKOUT]

For each size it generates the ledgers if needed (bench/generate.py, into bench/out/<size>), then
reports median seconds, peak memory (max RSS of the process), the ratios the scale issue sets as goals,
and asserts that jishu's five counts equal DuckDB's. duckdb is a benchmark extra: pip install -e '.[bench]'.

With `--compare DIR` (another checkout, e.g. `git worktree add /tmp/old main`), that checkout's jishu is
timed too, cold and warm, in the same rounds (its `src` first on PYTHONPATH, its own cache), so that a
change is measured side by side with what it changes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = ROOT / "targets.yaml"
COUNTS = ["training", "subsidized_training", "skilled", "high_skilled", "employment"]
# The import baseline of the scale issue. pandas is in the bench extra, not in jishu's dependencies, so a
# test environment without it times the rest (and says so in the report).
IMPORTS = "import pyarrow.csv, typer, rich, pydantic"
if importlib.util.find_spec("pandas") is not None:
    IMPORTS = "import pandas, pyarrow.csv, typer, rich, pydantic"

# The five 2022 counts in SQL, read straight from the CSVs (the files are valid and keys unique by
# construction, so no validation or de-duplication is needed to get the same numbers).
DUCKDB_SQL = """
with t as (select end_date, subsidized from read_csv('{d}/trainings*.csv', all_varchar=true)),
c as (select person_id, level, issue_date from read_csv('{d}/certificates*.csv', all_varchar=true)),
h as (select person_id, hire_date from read_csv('{d}/hires*.csv', all_varchar=true))
select
 (select count(*) from t where end_date between '2022-01-01' and '2022-12-31'),
 (select count(*) from t where end_date between '2022-01-01' and '2022-12-31'
    and lower(subsidized) in ('是', 'y', 'yes', 'true', '1')),
 (select count(distinct person_id) from c where issue_date between '2022-01-01' and '2022-12-31'),
 (select count(distinct person_id) from c where issue_date between '2022-01-01' and '2022-12-31'
    and level in ('1', '2', '3', '一级', '二级', '三级', '高级技师', '技师', '高级工')),
 (select count(distinct person_id) from h where hire_date between '2022-01-01' and '2022-12-31')
"""
DUCKDB_SCRIPT = (
    "import duckdb, json, sys; "
    "con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
    "print(json.dumps(con.execute(sys.argv[1]).fetchall()[0]))"
)


def run_measured(
    cmd: list[str], env: dict | None = None, ok: tuple[int, ...] = (0,)
) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stdout) of one whole process (os.wait4 gives this child's peak)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, out.decode()


def jishu_cmd(data: Path, *extra: str, targets: Path = TARGETS) -> list[str]:
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


def jishu_counts(output: str) -> list[int]:
    metrics = {m["key"]: m["actual"] for m in json.loads(output)["metrics"]}
    return [metrics[k] for k in COUNTS]


def measure(size: str, data: Path, repeat: int, cache: Path, compare: Path | None = None) -> dict:
    env = dict(os.environ, JISHU_CACHE=str(cache))
    csv_bytes = sum(p.stat().st_size for p in data.glob("*.csv"))
    runs: dict[str, list[tuple[float, int]]] = {"imports": [], "duckdb": [], "cold": [], "warm": []}
    counts = {}
    shutil.rmtree(cache, ignore_errors=True)
    _, _, out = run_measured(jishu_cmd(data), env)  # builds the cache for the warm runs
    counts["jishu_cache_build"] = jishu_counts(out)
    if compare is not None:
        other = dict(os.environ, JISHU_CACHE=f"{cache}-compare", PYTHONPATH=str(compare / "src"))
        shutil.rmtree(other["JISHU_CACHE"], ignore_errors=True)
        runs |= {"compare_cold": [], "compare_warm": []}
        old_targets = compare / "targets.yaml"  # an older jishu may not read today's targets.yaml
        run_measured(jishu_cmd(data, targets=old_targets), other)
    for _ in range(repeat):
        if compare is not None:
            t, m, out = run_measured(jishu_cmd(data, "--no-cache", targets=old_targets), other)
            runs["compare_cold"].append((t, m))
            counts["compare_cold"] = jishu_counts(out)
            t, m, out = run_measured(jishu_cmd(data, targets=old_targets), other)
            runs["compare_warm"].append((t, m))
            counts["compare_warm"] = jishu_counts(out)
        t, m, _ = run_measured([sys.executable, "-c", IMPORTS])
        runs["imports"].append((t, m))
        t, m, out = run_measured([sys.executable, "-c", DUCKDB_SCRIPT, DUCKDB_SQL.format(d=data)])
        runs["duckdb"].append((t, m))
        counts["duckdb"] = json.loads(out)
        t, m, out = run_measured(jishu_cmd(data, "--no-cache"), env)
        runs["cold"].append((t, m))
        counts["jishu_cold"] = jishu_counts(out)
        t, m, out = run_measured(jishu_cmd(data), env)
        runs["warm"].append((t, m))
        counts["jishu_warm"] = jishu_counts(out)
    if any(found != counts["duckdb"] for found in counts.values()):
        raise SystemExit(f"{size}: counts differ: {counts}")
    median = {k: statistics.median(t for t, _ in v) for k, v in runs.items()}
    peak = {k: max(m for _, m in v) for k, v in runs.items()}
    return {
        "size": size,
        "csv_bytes": csv_bytes,
        "repeat": repeat,
        "counts": counts["duckdb"],
        "seconds": median,
        "peak_bytes": peak,
        "ratios": {
            "cold_vs_duckdb": median["cold"] / median["duckdb"],
            "warm_vs_duckdb": median["warm"] / median["duckdb"],
            "cold_vs_imports": median["cold"] / median["imports"],
            "warm_vs_imports": median["warm"] / median["imports"],
            "cold_peak_vs_csv": peak["cold"] / csv_bytes,
            "warm_peak_vs_csv": peak["warm"] / csv_bytes,
        }
        | (
            {
                "compare_cold_vs_duckdb": median["compare_cold"] / median["duckdb"],
                "compare_warm_vs_duckdb": median["compare_warm"] / median["duckdb"],
                "compare_cold_peak_vs_csv": peak["compare_cold"] / csv_bytes,
            }
            if compare is not None
            else {}
        ),
    }


def report(results: list[dict]) -> str:
    lines = [
        "| size | CSV MB | DuckDB s | jishu cold s | jishu warm s | imports s | cold/DuckDB | warm/DuckDB "
        "| warm/imports | cold peak GiB | cold peak/CSV | counts equal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, p, q = r["seconds"], r["peak_bytes"], r["ratios"]
        lines.append(
            f"| {r['size']} | {r['csv_bytes'] / 1e6:,.0f} | {s['duckdb']:.2f} | {s['cold']:.2f} | {s['warm']:.2f} "
            f"| {s['imports']:.2f} | {q['cold_vs_duckdb']:.2f} | {q['warm_vs_duckdb']:.2f} "
            f"| {q['warm_vs_imports']:.2f} | {p['cold'] / 2**30:.2f} | {q['cold_peak_vs_csv']:.2f} | yes |"
        )
    lines += ["", f'imports: `python -c "{IMPORTS}"`']
    compared = [r for r in results if "compare_cold" in r["seconds"]]
    if compared:
        lines += [
            "",
            "| size | this cold s | compared cold s | this warm s | compared warm s | this cold/DuckDB "
            "| compared cold/DuckDB | this warm/DuckDB | compared warm/DuckDB | this peak GiB | compared peak GiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in compared:
            s, p, q = r["seconds"], r["peak_bytes"], r["ratios"]
            lines.append(
                f"| {r['size']} | {s['cold']:.2f} | {s['compare_cold']:.2f} | {s['warm']:.2f} | {s['compare_warm']:.2f} "
                f"| {q['cold_vs_duckdb']:.2f} | {q['compare_cold_vs_duckdb']:.2f} | {q['warm_vs_duckdb']:.2f} "
                f"| {q['compare_warm_vs_duckdb']:.2f} | {p['cold'] / 2**30:.2f} | {p['compare_cold'] / 2**30:.2f} |"
            )
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main() -> None:
    sys.path.insert(0, str(HERE))
    from generate import SIZES, generate

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="+", choices=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--compare", type=Path, help="another checkout of jishu, timed in the same rounds")
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        data = args.out / size
        if not list(data.glob("trainings*.csv")):
            generate(size, data)
        results.append(measure(size, data, args.repeat, args.out / f"cache-{size}", args.compare))
        print(report(results[-1:]).splitlines()[-1], flush=True)
        (args.out / "results.json").write_text(
            json.dumps({"machine": machine(), "results": results}, indent=2)
        )
    print(f"\nMachine: {machine()}\n")
    print(report(results))
    (args.out / "results.json").write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
