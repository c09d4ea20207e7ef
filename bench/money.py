"""Benchmark: `jishu audit` against `jishu subsidy` (the overview), in one run, whole processes.

    python bench/money.py province [--repeat 3] [--payouts 1000000]

Uses the ledgers of bench/generate.py (generated when missing) and writes, beside them in
bench/out/<size>-money/, links to those files and a payouts ledger made from the hires: about a third
of them paid (employer subsidy at 1,000, agency at 300), most on time, some a month early, some
twice, some with a mistyped amount, so that the audit has work to do. Both commands run from the
cache (one run builds it first) and with --no-cache; the audit issue's goal is audit ≤ 2 × subsidy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TARGETS, machine, run_measured  # noqa: E402


def make_payouts(data: Path, out: Path, wanted: int, seed: int = 4101) -> int:
    """payouts.csv as a county pays: for hires that pass rules 1, 2, 4 and 5 (an SME or, for the agency
    subsidy, an agency in Henan; a certificate at hire; not left early; insured long enough), on the day
    they fall due or up to three months later; 2 % of them a month early and 0.5 % with a mistyped
    amount, so that the audit finds something. When fewer hires qualify than `wanted`, the rest are
    payouts for hires that do not (each a paid_ineligible finding: the audit's worst case)."""
    rng = np.random.default_rng(seed)
    columns = [
        "person_id",
        "employer_id",
        "employer_size",
        "hire_date",
        "separation_date",
        "insured_months",
        "agency_id",
        "in_province",
    ]
    hires = pa.concat_tables(
        pacsv.read_csv(
            p,
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
            ),
        )
        for p in sorted(data.glob("hires*.csv"))
    )
    certs = pa.concat_tables(
        pacsv.read_csv(
            p,
            convert_options=pacsv.ConvertOptions(
                include_columns=["person_id", "issue_date"],
                column_types={"person_id": pa.string(), "issue_date": pa.date32()},
            ),
        )
        for p in sorted(data.glob("certificates*.csv"))
    )
    first = certs.group_by("person_id").aggregate([("issue_date", "min")])
    held = (
        hires.select(["person_id"])
        .append_column("row", pa.array(np.arange(hires.num_rows)))
        .join(first, "person_id", join_type="left outer")
        .sort_by("row")
    )
    first_issue = held["issue_date_min"].to_numpy(zero_copy_only=False).astype("datetime64[D]")

    def day(column: str) -> np.ndarray:
        text = hires[column]
        return (
            pc.strptime(pc.if_else(pc.equal(text, ""), None, text), "%Y-%m-%d", "s")
            .cast(pa.date32())
            .to_numpy(zero_copy_only=False)
            .astype("datetime64[D]")
        )

    hired, left = day("hire_date"), day("separation_date")
    insured = pc.cast(hires["insured_months"], pa.int64()).to_numpy()
    agency = (
        pc.not_equal(hires["agency_id"], "").to_numpy(zero_copy_only=False)
        & pc.equal(hires["in_province"], "是").to_numpy(zero_copy_only=False)
        & (rng.random(len(hired)) < 0.5)
    )
    months = np.where(agency, 6, 12)
    due = (hired.astype("datetime64[M]") + months).astype("datetime64[D]") + np.minimum(
        hired - hired.astype("datetime64[M]").astype("datetime64[D]"), 27
    )
    sme = pc.is_in(hires["employer_size"], value_set=pa.array(["中型", "小型", "微型"])).to_numpy(
        zero_copy_only=False
    )
    passes = (
        (agency | sme)
        & ~np.isnat(first_issue)
        & (first_issue <= hired)
        & (np.isnat(left) | (left >= due))
        & (insured >= months)
        & (due <= np.datetime64("2025-12-31"))
    )
    eligible = np.flatnonzero(passes)
    pick = rng.choice(eligible, size=min(wanted, len(eligible)), replace=False)
    if len(pick) < wanted:  # not enough hires qualify: pay some that do not (the audit's worst case)
        others = np.flatnonzero(~passes)
        pick = np.concatenate(
            [pick, rng.choice(others, size=min(wanted - len(pick), len(others)), replace=False)]
        )
    pick = np.sort(pick)
    early = rng.random(len(pick)) < 0.02
    paid = np.where(early, due[pick] - 30, due[pick] + rng.integers(0, 90, len(pick)))
    pick_agency = agency[pick]
    amount = np.where(pick_agency, "300", "1000")
    amount = np.where(rng.random(len(pick)) < 0.005, "100", amount)
    chosen = hires.take(pa.array(pick))
    table = pa.table(
        {
            "payee_id": pa.array(
                np.where(
                    pick_agency,
                    chosen["agency_id"].to_numpy(zero_copy_only=False),
                    chosen["employer_id"].to_numpy(zero_copy_only=False),
                )
            ),
            "kind": pa.array(np.where(pick_agency, "agency", "employer")),
            "person_id": chosen["person_id"],
            "amount": pa.array(amount),
            "paid_date": pa.array(np.datetime_as_string(paid, unit="D")),
            "batch": pa.array(np.char.add("B", np.datetime_as_string(paid, unit="M"))),
        }
    )
    # One payout per payee, kind and person (the ledger's key), as a county's books have them.
    table = table.append_column("row", pa.array(np.arange(table.num_rows)))
    first_rows = table.group_by(["payee_id", "kind", "person_id"]).aggregate([("row", "min")])["row_min"]
    table = table.take(pa.array(np.sort(first_rows.to_numpy()))).drop_columns(["row"])
    options = pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16)
    with open(out / "payouts.csv", "wb") as handle:
        pacsv.write_csv(table, handle, options)
    return table.num_rows


def prepare(size: str, wanted: int) -> Path:
    from generate import generate

    data = HERE / "out" / size
    if not list(data.glob("trainings*.csv")):
        generate(size, data)
    money = HERE / "out" / f"{size}-money-{wanted}"
    if not (money / "payouts.csv").exists():
        money.mkdir(parents=True, exist_ok=True)
        for f in data.glob("*.csv"):
            link = money / f.name
            if not link.exists():
                link.symlink_to(f.resolve())
        print(f"payouts: {make_payouts(data, money, wanted):,} rows in {money}", flush=True)
    return money


def command(name: str, data: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jishu",
        name,
        "--as-of",
        "2025-12-31",
        "--data",
        str(data),
        "--targets",
        str(TARGETS),
        "--format",
        "json",
        *extra,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--payouts", type=int, default=1_000_000)
    args = parser.parse_args()
    data = prepare(args.size, args.payouts)
    cache = HERE / "out" / f"cache-{args.size}-money-{args.payouts}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, JISHU_CACHE=str(cache))
    run_measured(command("subsidy", data), env)  # builds the cache
    runs: dict[str, list[tuple[float, int]]] = {
        k: [] for k in ("subsidy", "audit", "subsidy_cold", "audit_cold")
    }
    found = None
    for _ in range(args.repeat):
        for key, cmd in (
            ("subsidy", command("subsidy", data)),
            ("audit", command("audit", data)),
            ("subsidy_cold", command("subsidy", data, "--no-cache")),
            ("audit_cold", command("audit", data, "--no-cache")),
        ):
            t, m, out = run_measured(cmd, env, ok=(0, 1))  # audit exits 1 when it has findings
            runs[key].append((t, m))
            if key == "audit":
                found = json.loads(out)["totals"]
    median = {k: statistics.median(t for t, _ in v) for k, v in runs.items()}
    peak = {k: max(m for _, m in v) for k, v in runs.items()}
    print(f"\nMachine: {machine()}\n")
    print("| command | from the cache s | --no-cache s | peak GiB (cache) |\n|---|---|---|---|")
    for name in ("subsidy", "audit"):
        print(f"| {name} | {median[name]:.2f} | {median[name + '_cold']:.2f} | {peak[name] / 2**30:.2f} |")
    print(
        f"\naudit / subsidy: {median['audit'] / median['subsidy']:.2f} (cache), "
        f"{median['audit_cold'] / median['subsidy_cold']:.2f} (--no-cache); findings {found}"
    )
    (HERE / "out" / "money.json").write_text(
        json.dumps({"machine": machine(), "seconds": median, "peak": peak, "findings": found}, indent=2)
    )


if __name__ == "__main__":
    main()
