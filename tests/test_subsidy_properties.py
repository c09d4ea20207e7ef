"""Property tests: jishu's subsidy reports equal the independent oracle (tests/oracle_subsidy.py) on
random small ledgers, and keep the invariants of SPEC §4 whatever the data and its file layout."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

from conftest import TARGETS, run, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle_subsidy import (
    AGENCY_POLICY,
    CERTS_HEADER,
    HIRES_HEADER,
    PAYOUTS_HEADER,
    TRAININGS_HEADER,
    Certificate,
    Hire,
    Payout,
    Policy,
    add_months,
    cert_row,
    credit_code,
    hire_row,
    payee_report,
    payout_row,
    resident_id,
)
from test_subsidy_rules import assert_same_lines, same

D = dt.date
# JISHU_SUBSIDY_EXAMPLES=1000 for a longer hunt; the default keeps the file to a few seconds per test.
SETTINGS = settings(
    max_examples=int(os.environ.get("JISHU_SUBSIDY_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EMPLOYERS = [credit_code(300 + i) for i in range(4)]
AGENCIES = [credit_code(400 + i, "91410100MA") for i in range(3)]
NAMES = {code: f"测试单位{i}号有限公司" for i, code in enumerate(EMPLOYERS)} | {
    code: f"测试人力资源服务{i}号" for i, code in enumerate(AGENCIES)
}
POPULAR = [D(2020, 2, 29), D(2021, 1, 4), D(2021, 3, 15), D(2021, 8, 31), D(2022, 2, 28), D(2022, 8, 31)]
CAPS = [1000, 2000, 2500, 3000, 5000, 2_000_000]  # 2500: not a multiple of the rate

dates = st.one_of(st.sampled_from(POPULAR), st.dates(D(2020, 1, 1), D(2023, 12, 31)))


@st.composite
def scenarios(draw):
    n_persons = draw(st.integers(2, 7))
    # Distinct sequence numbers keep masked IDs distinct; random birth dates make the person_id order
    # differ from the order of the masked IDs' last 4 characters.
    persons = [
        resident_id(seq, draw(st.dates(D(1965, 1, 1), D(2001, 12, 31))))
        for seq in draw(st.lists(st.integers(1, 999), min_size=n_persons, max_size=n_persons, unique=True))
    ]
    sizes = {e: draw(st.sampled_from(["large", "medium", "small", "micro"])) for e in EMPLOYERS}
    hires: dict[tuple, Hire] = {}
    for _ in range(draw(st.integers(1, 14))):
        person = draw(st.sampled_from(persons))
        employer = draw(st.sampled_from(EMPLOYERS))
        day = draw(dates)
        separation = draw(
            st.one_of(
                st.none(),
                st.builds(
                    lambda m, delta, day=day: max(day, add_months(day, m) + dt.timedelta(days=delta)),
                    st.sampled_from([3, 6, 12, 18]),
                    st.sampled_from([-1, 0, 1]),
                ),
                st.dates(day, D(2024, 6, 30)),
            )
        )
        insured = draw(st.one_of(st.sampled_from([0, 5, 6, 11, 12]), st.integers(0, 36)))
        agency = draw(st.one_of(st.none(), st.sampled_from(AGENCIES)))
        in_province = draw(st.booleans()) if agency else None
        key = (person, employer, day)
        if key not in hires:  # the hires key: a repeat would be a duplicate row
            hires[key] = Hire(
                person,
                employer,
                NAMES[employer],
                sizes[employer],
                day,
                separation,
                insured,
                agency,
                NAMES[agency] if agency else None,
                in_province,
            )
    hires_list = list(hires.values())
    hire_days = sorted({h.hire_date for h in hires_list})
    certs = []
    for i in range(draw(st.integers(0, 2 * n_persons))):
        person = draw(st.sampled_from(persons))
        day = draw(
            st.one_of(
                st.dates(D(2018, 1, 1), D(2023, 12, 31)),
                st.builds(
                    lambda d, delta: d + dt.timedelta(days=delta),
                    st.sampled_from(hire_days),
                    st.sampled_from([-1, 0, 1]),
                ),
            )
        )
        certs.append(Certificate(f"ZS{i:05d}", person, day))
    payouts: dict[tuple, Payout] = {}
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["employer", "agency"]))
        payee = draw(st.sampled_from(EMPLOYERS if kind == "employer" else AGENCIES))
        person = draw(st.one_of(st.sampled_from(persons), st.just(resident_id(0, D(1970, 7, 7)))))
        amount = draw(
            st.sampled_from(
                [1000, 300, 500, 2000, Decimal("999.99"), Decimal("0.5")]
                if kind == "employer"
                else [300, 150, Decimal("12.34")]
            )
        )
        payouts.setdefault((payee, kind, person), Payout(payee, kind, person, amount))
    hire_based = [
        add_months(h.hire_date, m) + dt.timedelta(days=delta)
        for h in hires_list
        for m in (6, 12)
        for delta in (-1, 0)
    ]
    as_of = draw(st.one_of(st.sampled_from(hire_based), st.dates(D(2021, 1, 1), D(2024, 12, 31))))
    cap = draw(st.sampled_from(CAPS))
    return {
        "hires": hires_list,
        "certs": certs,
        "payouts": list(payouts.values()),
        "as_of": as_of,
        "cap": cap,
    }


def write_ledger(folder: Path, sc: dict, shuffle: random.Random | None = None) -> Path:
    """The scenario as CSV files; with `shuffle`, rows in another order and hires, certificates
    and payouts each split over two files."""
    hires = [hire_row(h) for h in sc["hires"]]
    certs = [cert_row(c) for c in sc["certs"]]
    payouts = [payout_row(p) for p in sc["payouts"]]
    write_csv(folder / "trainings.csv", TRAININGS_HEADER, [])
    if shuffle is None:
        write_csv(folder / "hires.csv", HIRES_HEADER, hires)
        write_csv(folder / "certificates.csv", CERTS_HEADER, certs)
        if payouts:
            write_csv(folder / "payouts.csv", PAYOUTS_HEADER, payouts)
        return folder
    for name, header, rows in (
        ("hires", HIRES_HEADER, hires),
        ("certificates", CERTS_HEADER, certs),
        ("payouts", PAYOUTS_HEADER, payouts),
    ):
        rows = rows[:]
        shuffle.shuffle(rows)
        cut = shuffle.randint(0, len(rows))
        write_csv(folder / f"{name}_a.csv", header, rows[:cut])
        write_csv(folder / f"{name}_b.csv", header, rows[cut:])
    return folder


def targets_file(folder: Path, cap: int) -> Path:
    text = TARGETS.read_text(encoding="utf-8")
    out = folder / "targets.yaml"
    out.write_text(text.replace("    cap: 2000000", f"    cap: {cap}"), encoding="utf-8")
    return out


def jishu(data: Path, targets: Path, as_of: D, args: list[str]) -> dict:
    result = run(
        [
            "subsidy",
            *args,
            "--as-of",
            as_of.isoformat(),
            "--format",
            "json",
            "--no-cache",
            "--data",
            str(data),
            "--targets",
            str(targets),
        ]
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def payees(sc: dict) -> list[tuple[str, str]]:
    employers = sorted({h.employer_id for h in sc["hires"]})
    agencies = sorted({h.agency_id for h in sc["hires"] if h.agency_id})
    return [("employer", e) for e in employers] + [("agency", a) for a in agencies]


def policy(kind: str, cap: int) -> Policy:
    return Policy(1000, cap, 12, 12) if kind == "employer" else AGENCY_POLICY


SUMMARY_KEYS = ("eligible", "ineligible", "amount_eligible", "already_paid", "amount_due")


def assert_matches(actual: dict, expected: dict) -> None:
    for key in ("as_of", "rate", "cap") + SUMMARY_KEYS:
        assert same(actual[key], expected[key]), (actual["payee"], key, actual[key], expected[key])
    assert_same_lines(actual["hires"], expected["hires"])


def normalised(report: dict) -> dict:
    """A report with tied lines (same day, same person) in a fixed order: SPEC §4 orders hires by
    hire_date and person_id only."""
    out = dict(report)
    if "hires" in out:
        out["hires"] = sorted(
            out["hires"], key=lambda h: (h["hire_date"], h["person"], json.dumps(h, sort_keys=True))
        )
    return out


@SETTINGS
@given(sc=scenarios(), year=st.sampled_from([2020, 2021, 2022, 2023]))
def test_reports_equal_the_oracle_and_keep_the_invariants(sc, year):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write_ledger(tmp / "data", sc)
        targets = targets_file(tmp, sc["cap"])
        subsidized = Counter()
        for kind, payee in payees(sc):
            for y in (None, year):
                actual = jishu(
                    data, targets, sc["as_of"], [f"--{kind}", payee] + (["--year", str(y)] if y else [])
                )
                expected = payee_report(
                    sc["hires"],
                    sc["certs"],
                    sc["payouts"],
                    kind,
                    payee,
                    sc["as_of"],
                    policy(kind, sc["cap"]),
                    y,
                )
                assert actual["payee"]["id"] == payee and actual["payee"]["kind"] == kind
                assert_matches(actual, expected)
                assert all(h["hire_date"].startswith(str(y)) for h in actual["hires"]) if y else True
                # invariants, checked on jishu's own numbers
                assert actual["amount_eligible"] == sum(h["amount"] for h in actual["hires"])
                assert actual["eligible"] == sum(h["eligible"] for h in actual["hires"])
                assert actual["amount_due"] >= 0
                if kind == "employer":
                    assert actual["amount_eligible"] <= sc["cap"]
                    # in fen, as jishu keeps money: 1000 - 999.99 is 0.00999... in floats
                    due, paid = round(actual["amount_due"] * 100), round(actual["already_paid"] * 100)
                    assert due <= max(0, sc["cap"] * 100 - paid)
                    if y is None:
                        subsidized.update(h["person"] for h in actual["hires"] if h["eligible"])
                for h in actual["hires"]:
                    assert h["eligible"] == (h["reasons"] == []) == (h["amount"] > 0)
        # at most one employer subsidy per person, across all employers
        assert all(n == 1 for n in subsidized.values()), subsidized


@SETTINGS
@given(sc=scenarios(), seed=st.integers(0, 2**16), year=st.sampled_from([None, 2021, 2022]))
def test_results_do_not_depend_on_row_order_or_file_split(sc, seed, year):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = write_ledger(tmp / "one", sc)
        split = write_ledger(tmp / "split", sc, random.Random(seed))
        targets = targets_file(tmp, sc["cap"])
        extra = ["--year", str(year)] if year else []
        for kind, payee in payees(sc):
            args = [f"--{kind}", payee] + extra
            assert normalised(jishu(split, targets, sc["as_of"], args)) == normalised(
                jishu(one, targets, sc["as_of"], args)
            )
        assert jishu(split, targets, sc["as_of"], extra) == jishu(one, targets, sc["as_of"], extra)


@SETTINGS
@given(sc=scenarios(), year=st.sampled_from([None, 2021, 2022]))
def test_overview_equals_the_oracle(sc, year):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write_ledger(tmp / "data", sc)
        out = jishu(data, targets_file(tmp, sc["cap"]), sc["as_of"], ["--year", str(year)] if year else [])
        rows = {(r["payee"]["kind"], r["payee"]["id"]): r for r in out["payees"]}
        # SPEC §4: a hire after as-of does not exist yet, so neither does a payee with only such hires.
        existing = {**sc, "hires": [h for h in sc["hires"] if h.hire_date <= sc["as_of"]]}
        assert set(payees(existing)) <= set(rows)
        for (kind, payee), row in rows.items():
            expected = payee_report(
                sc["hires"],
                sc["certs"],
                sc["payouts"],
                kind,
                payee,
                sc["as_of"],
                policy(kind, sc["cap"]),
                year,
            )
            for key in SUMMARY_KEYS:
                assert same(row[key], expected[key]), (kind, payee, key, row[key], expected[key])
        for kind in ("employer", "agency"):
            for key in ("amount_eligible", "already_paid", "amount_due"):
                total = sum((Decimal(str(r[key])) for (k, _), r in rows.items() if k == kind), Decimal(0))
                assert same(out["totals"][kind][key], total), (kind, key)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.integers(-3, 3), st.sampled_from([0, 7, 10**17, -(10**17)])),
        max_size=40,
    )
)
def test_packed_sort_orders_rows_as_lexsort(rows):
    """Sorting hires for rules 6 and the cap packs small keys into one integer; the order, ties
    included, must be lexsort's (a key too wide to pack falls back to lexsort)."""
    import numpy as np

    from jishu.fast.arrays import order_by as _order

    keys = tuple(np.array([r[k] for r in rows], dtype=np.int64) for k in range(3))
    assert _order(*keys).tolist() == np.lexsort(keys[::-1]).tolist()
    assert _order(*keys[:2]).tolist() == np.lexsort(keys[:2][::-1]).tolist()
