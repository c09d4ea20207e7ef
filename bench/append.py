"""Benchmark (issue 16): the nightly run after a day's appends, against the warm run, the run that builds
the cache against --no-cache, and DuckDB over the same files; numbers compared with --no-cache and DuckDB.

    python bench/append.py city [province] [--repeat 3] [--percent 1] [--compare OLD_CHECKOUT]
                           [--ledgers trainings|all] [--copies]

For each size, the generated ledgers (bench/generate.py, bench/out/<size>) are put in a scratch folder
(the last file of each ledger appended to copied; the others hard-linked). Then, in one run, whole
processes each time:
  build    progress with an empty cache (it validates everything and writes the cache)
  no-cache progress --no-cache (the build first in even rounds, this first in odd ones: the first run
           after the cache is removed pays more for fresh memory on a virtual machine; the ratio of each
           round is printed by which went first)
  warm     progress again, nothing changed
  append   PERCENT % of the ledger's rows appended to the last trainings file (rows of the file itself
           with new class ids: new keys), then progress: the ledger is read from the cache and the new tail.
           `--ledgers all`: to the last file of trainings, certificates and hires each (new class ids,
           certificate numbers, employers); `--copies`: the rows copied as they are (every one a duplicate)
After the appends the answer of the cached run is checked against --no-cache and DuckDB (against
--no-cache only with --copies: the DuckDB query does not drop duplicates).
Goals: append ≤ 2 × warm; build ≤ 1.2 × no-cache.

With `--compare DIR` (another checkout), that checkout's jishu builds its own cache (a folder of its own)
and runs --no-cache and warm in the same rounds, alternating which goes first, so that a change to the
cache is measured side by side with what it changes (the appends are timed for this checkout only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import DUCKDB_SCRIPT, DUCKDB_SQL, TARGETS, jishu_cmd, jishu_counts, machine, run_measured  # noqa: E402

KEYS = {"trainings": "class_id", "certificates": "cert_no", "hires": "employer_id"}  # a new value: a new key


def append_rows(files: list[Path], percent: float, round_: int, copies: bool = False) -> int:
    """Append `percent` % of the ledger's rows (over all its files) to its last file: copies of that file's
    first rows with a key never used (or as they are, with `copies`), as a clerk's day adds to the file
    being kept."""
    path = files[-1]
    with open(path, "rb") as handle:
        header = handle.readline().decode("utf-8-sig").rstrip("\r\n").split(",")
        sample = [handle.readline() for _ in range(20000)]
    total = 0
    for f in files:
        with open(f, "rb") as handle:
            total += sum(1 for _ in handle) - 1
    wanted = max(int(total * percent / 100), 1)
    at = header.index(KEYS[files[-1].name.split("_")[0].split(".")[0]])
    lines = []
    for i in range(wanted):
        cells = sample[i % len(sample)].decode("utf-8").rstrip("\r\n").split(",")
        if not copies:
            cells[at] = f"APPEND{round_}-{i}"
        lines.append(",".join(cells))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return wanted


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--percent", type=float, default=1.0)
    parser.add_argument("--compare", type=Path, default=None)
    parser.add_argument("--ledgers", choices=["trainings", "all"], default="trainings")
    parser.add_argument("--copies", action="store_true")
    args = parser.parse_args()
    print(machine())
    print(
        "\n| size | no-cache s | build s | build / no-cache | warm s | after append s | append / warm | "
        "DuckDB s | rows appended |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    orders: list[str] = []  # build / no-cache in each round, by which of the two ran first
    for size in args.sizes:
        source = HERE / "out" / size
        if not source.is_dir():
            raise SystemExit(f"no bench data at {source}: run python bench/run.py {size} first")
        with tempfile.TemporaryDirectory(dir=HERE / "out") as scratch:
            data = Path(scratch) / size
            data.mkdir()
            grow = [sorted(source.glob(f"{name}*.csv")) for name in KEYS]
            if args.ledgers == "trainings":
                grow = grow[:1]
            last = {files[-1] for files in grow}
            for f in source.glob("*.csv"):  # only the files that grow are copied; the rest are hard links
                (shutil.copyfile if f in last else os.link)(f, data / f.name)
            grow = [[data / f.name for f in files] for files in grow]
            cache = data / ".jishu-cache"
            builds, nocache, warm, grown, appended = [], [], [], [], 0
            checkouts = {"this": (cache, None, TARGETS)}
            if args.compare is not None:  # its own cache folder and targets.yaml, its src first on the path
                compared = Path(scratch) / "cache-compare"
                env = dict(os.environ, JISHU_CACHE=str(compared), PYTHONPATH=str(args.compare / "src"))
                checkouts["compared"] = (compared, env, args.compare / "targets.yaml")
            times = {(name, kind): [] for name in checkouts for kind in ("build", "nocache", "warm")}
            ratios = {(name, first): [] for name in checkouts for first in ("build", "nocache")}
            for i in range(args.repeat):
                # which of the build and the --no-cache run goes first after the cache is removed alternates
                # by round: the first run after gigabytes are freed pays more for its memory on this machine
                first = ("build", "nocache") if i % 2 == 0 else ("nocache", "build")
                for name in sorted(checkouts, reverse=i % 2 == 1):
                    folder, env, targets = checkouts[name]
                    # each run starts with nothing left for the kernel to write back (the copy, the last
                    # cache): otherwise a run pays for the one before it
                    shutil.rmtree(folder, ignore_errors=True)
                    subprocess.run(["sync"], check=False)
                    for kind in first:
                        extra = ("--no-cache",) if kind == "nocache" else ()
                        times[name, kind].append(
                            run_measured(jishu_cmd(data, *extra, targets=targets), env)[0]
                        )
                        subprocess.run(["sync"], check=False)
                    times[name, "warm"].append(run_measured(jishu_cmd(data, targets=targets), env)[0])
                    ratios[name, first[0]].append(times[name, "build"][-1] / times[name, "nocache"][-1])
            builds, nocache = times["this", "build"], times["this", "nocache"]
            for (name, first), found in ratios.items():
                if found:
                    orders.append(
                        f"{size}, {name}, {'the build' if first == 'build' else '--no-cache'} first: build / "
                        f"no-cache {', '.join(f'{r:.2f}' for r in found)}"
                    )
            if args.compare is not None:
                m = {
                    kind: statistics.median(times["compared", kind]) for kind in ("build", "nocache", "warm")
                }
                print(
                    f"| {size}, compared | {m['nocache']:.2f} | {m['build']:.2f} | {m['build'] / m['nocache']:.2f} "
                    f"| {m['warm']:.2f} | | | | |"
                )
            for i in range(args.repeat):
                warm.append(run_measured(jishu_cmd(data))[0])
                appended += sum(append_rows(files, args.percent, i, args.copies) for files in grow)
                grown.append(run_measured(jishu_cmd(data))[0])
            cached = jishu_counts(run_measured(jishu_cmd(data))[2])
            fresh = jishu_counts(run_measured(jishu_cmd(data, "--no-cache"))[2])
            duck_t, _, duck_out = run_measured(
                [sys.executable, "-c", DUCKDB_SCRIPT, DUCKDB_SQL.format(d=data)]
            )
            if cached != fresh or (not args.copies and cached != json.loads(duck_out)):
                raise SystemExit(
                    f"counts differ: cached {cached}, --no-cache {fresh}, DuckDB {json.loads(duck_out)}"
                )
            parts = json.loads(next(cache.glob("ledger-trainings-*")).joinpath("meta.json").read_text())[
                "parts"
            ]
            m = {
                k: statistics.median(v)
                for k, v in {"build": builds, "nocache": nocache, "warm": warm, "grown": grown}.items()
            }
            print(
                f"| {size} | {m['nocache']:.2f} | {m['build']:.2f} | {m['build'] / m['nocache']:.2f} "
                f"| {m['warm']:.2f} | {m['grown']:.2f} | {m['grown'] / m['warm']:.2f} | {duck_t:.2f} "
                f"| {appended:,} in {args.repeat} appends ({parts} parts) |"
            )
            sys.stdout.flush()
            subprocess.run(["sync"], check=False)
    print("\n" + "\n".join(f"- {line}" for line in orders))


if __name__ == "__main__":
    main()
