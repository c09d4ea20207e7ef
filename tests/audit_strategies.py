"""Hypothesis strategies and helpers for the two properties of the audit issue (SPEC §4.1):

(a) a clerk who pays, at each month-end in turn, exactly what `subsidy --as-of <that month-end>` says
    is due (paid_date = that month-end, one batch per month) leaves nothing for `audit` to find, at
    any audit date;
(b) moving one such payout earlier than its due date (hire_date + min_months), to a day on or after
    its hire_date, gives exactly one finding: `paid_early`, for that payout.

The simulation takes `due_at(as_of) -> [(payee_id, kind, person_id, amount), ...]`, so it can be
driven by the oracle (`oracle_due_at`) or by the real CLI (`cli_due_at`, which needs conftest's
`run_json`). `write_ledgers` writes the ledgers as real CSV files with the headers jishu accepts
(the column lists of tests/conftest.py).

Nothing here imports jishu. Typical wiring against the CLI, once `jishu audit` exists:

    sc = data.draw(ledgers())
    write_ledgers(folder, sc["hires"], sc["certs"], [])
    targets = targets_with_cap(TARGETS, tmp / "targets.yaml", sc["cap"])
    payouts = []
    due = cli_due_at(run_json, folder, targets, sc["hires"])
    simulate_clerk(due, month_ends(SIM_START, SIM_END), payouts,
                   after_month=lambda day, paid: write_ledgers(folder, sc["hires"], sc["certs"], paid))
    out = run_json(["audit", "--as-of", later.isoformat(), "--no-cache", "--data", str(folder),
                    "--targets", str(targets)])
    assert out["findings"] == [] and out["totals"]["findings"] == 0
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st
from oracle_audit import POLICIES, amounts_due, due_date, hire_checks
from oracle_subsidy import (
    AGENCY_POLICY,
    Certificate,
    Hire,
    Payout,
    Policy,
    add_months,
    credit_code,
    mask,
    payee_of,
    resident_id,
)

D = dt.date
DueLine = tuple[str, str, str, int | Decimal]  # payee_id, kind, person_id, amount
DueAt = Callable[[dt.date], list[DueLine]]

EMPLOYERS = [credit_code(500 + i) for i in range(3)]
AGENCIES = [credit_code(600 + i, "91410100MA") for i in range(2)]
NAMES = {code: f"审计测试单位{i}号有限公司" for i, code in enumerate(EMPLOYERS)} | {
    code: f"审计测试人力资源服务{i}号" for i, code in enumerate(AGENCIES)
}
CAPS = [1000, 2000, 2500, 3000, 2_000_000]  # 2500: not a multiple of the rate
HIRE_FROM, HIRE_TO = D(2020, 1, 1), D(2023, 6, 30)
SIM_START, SIM_END = D(2020, 1, 31), D(2024, 12, 31)  # every hire is due (12 months) before SIM_END
POPULAR = [D(2020, 2, 29), D(2020, 8, 31), D(2021, 1, 4), D(2021, 3, 15), D(2021, 8, 31), D(2022, 2, 28)]


def policies_with_cap(cap: int | None) -> dict[str, Policy]:
    return {"employer": dataclasses.replace(POLICIES["employer"], cap=cap), "agency": AGENCY_POLICY}


# ---------------------------------------------------------------- ledgers


@st.composite
def ledgers(draw, max_persons: int = 6) -> dict:
    """Small hires + certificates ledgers, mostly eligible so that the clerk has something to pay:
    persons with 1-3 stints in a row (re-hires at the same employer included), some via an agency,
    certificates before, on and after hire dates. Returns {"hires", "certs", "cap", "policies"}."""
    n = draw(st.integers(1, max_persons))
    seqs = draw(st.lists(st.integers(1, 999), min_size=n, max_size=n, unique=True))  # unique masks
    persons = [resident_id(seq, draw(st.dates(D(1965, 1, 1), D(2002, 12, 31)))) for seq in seqs]
    sizes = {e: draw(st.sampled_from(["small", "medium", "micro", "small", "large"])) for e in EMPLOYERS}
    hires: dict[tuple, Hire] = {}
    for person in persons:
        day = draw(st.one_of(st.sampled_from(POPULAR), st.dates(HIRE_FROM, D(2022, 6, 30))))
        previous = None
        for _stint in range(draw(st.integers(1, 3))):
            if day > HIRE_TO:
                break
            employer = draw(st.sampled_from(EMPLOYERS + ([previous] if previous else [])))  # re-hires
            separation = draw(
                st.one_of(
                    st.none(),
                    st.builds(
                        lambda m, delta, day=day: max(day, add_months(day, m) + dt.timedelta(days=delta)),
                        st.sampled_from([3, 6, 12, 14]),
                        st.sampled_from([-1, 0, 1]),
                    ),
                )
            )
            insured = draw(st.sampled_from([24, 24, 12, 12, 11, 6, 5, 0]))
            agency = draw(st.one_of(st.none(), st.none(), st.sampled_from(AGENCIES)))
            in_province = draw(st.sampled_from([True, True, False])) if agency else None
            key = (person, employer, day)
            if key not in hires:  # the hires key
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
            previous = employer
            # the next stint starts after this one ends (or, without a separation, alongside it)
            gap = dt.timedelta(days=draw(st.integers(1, 400)))
            day = (separation or day) + gap
    hires_list = list(hires.values())
    certs = []
    for i, person in enumerate(persons):
        theirs = [h.hire_date for h in hires_list if h.person == person]
        for j in range(draw(st.sampled_from([1, 1, 1, 0, 2]))):
            issued = draw(
                st.one_of(
                    st.dates(D(2015, 1, 1), D(2019, 12, 31)),
                    st.builds(
                        lambda d, delta: d + dt.timedelta(days=delta),
                        st.sampled_from(theirs),
                        st.sampled_from([-1, 0, 1, 200]),
                    ),
                )
            )
            certs.append(Certificate(f"ZS{i:03d}{j}", person, issued))
    cap = draw(st.sampled_from(CAPS))
    return {"hires": hires_list, "certs": certs, "cap": cap, "policies": policies_with_cap(cap)}


# ---------------------------------------------------------------- the clerk


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every month-end from start's month to end's month, inclusive."""
    out, day = [], month_end(start)
    while day <= end:
        out.append(day)
        day = month_end(day + dt.timedelta(days=1))
    return out


def batch_name(day: dt.date) -> str:
    return f"ZM{day:%Y%m}批"


def simulate_clerk(
    due_at: DueAt,
    days: list[dt.date],
    payouts: list[Payout] | None = None,
    after_month: Callable[[dt.date, list[Payout]], object] | None = None,
    batch: Callable[[dt.date], str] = batch_name,
) -> list[Payout]:
    """At each day in turn, pay every line of due_at(day) with paid_date = day and batch(day),
    appending to `payouts` (the same list object, so an oracle due_at can read it); after_month(day,
    payouts) then runs (e.g. to write payouts.csv for the CLI). Returns `payouts`."""
    payouts = [] if payouts is None else payouts
    for day in days:
        lines = due_at(day)
        keys = [(payee, kind, person) for payee, kind, person, _ in lines]
        assert len(keys) == len(set(keys)), ("one line per person per payee", day, lines)
        paid_keys = {(p.payee_id, p.kind, p.person) for p in payouts}
        assert not paid_keys & set(keys), ("paid again", day, paid_keys & set(keys))
        for payee, kind, person, amount in lines:
            payouts.append(Payout(payee, kind, person, amount, day, batch(day)))
        if after_month is not None:
            after_month(day, payouts)
    return payouts


def oracle_due_at(hires, certs, payouts: list[Payout], policies=None) -> DueAt:
    """due_at driven by the oracle; reads `payouts` (the clerk's growing list) at each call."""
    return lambda as_of: amounts_due(hires, certs, payouts, policies, as_of)


def cli_due_at(run_json: Callable[[list[str]], dict], data: Path, targets: Path, hires: list[Hire]) -> DueAt:
    """due_at driven by `jishu subsidy --format json` (conftest.run_json adds --format json).
    The overview names the payees with amount_due > 0; each payee's report lists hires with the person
    masked, mapped back through the hires (the `ledgers()` strategy keeps masks unique): eligible,
    not yet paid lines, oldest first, as long as their sum stays within amount_due.
    Checked once by hand: on 28 generated ledgers, at every month-end 2020-01 … 2024-12, it gave the
    same lines as `oracle_due_at` with the committed jishu (HEAD dd48b3c). It costs about 5 s per
    ledger (60 months × a few CLI runs): keep max_examples small when wiring it."""
    by_mask: dict[str, set[str]] = {}
    for h in hires:
        by_mask.setdefault(mask(h.person), set()).add(h.person)
    assert all(len(v) == 1 for v in by_mask.values()), "masked IDs must be unique"

    def common(as_of: dt.date) -> list[str]:
        return ["--as-of", as_of.isoformat(), "--no-cache", "--data", str(data), "--targets", str(targets)]

    def due_at(as_of: dt.date) -> list[DueLine]:
        out = []
        overview = run_json(["subsidy", *common(as_of)])
        for row in overview["payees"]:
            room = Decimal(str(row["amount_due"]))
            if room <= 0:
                continue
            payee, kind = row["payee"]["id"], row["payee"]["kind"]
            report = run_json(["subsidy", f"--{kind}", payee, *common(as_of)])
            for line in report["hires"]:
                if not line["eligible"] or line["paid"]:
                    continue
                amount = Decimal(str(line["amount"]))
                if amount > room:
                    break
                room -= amount
                (person,) = by_mask[line["person"]]
                out.append((payee, kind, person, int(amount) if amount == int(amount) else amount))
        return out

    return due_at


# ---------------------------------------------------------------- property (b): one payout moved early


def paid_hire(p: Payout, hires: list[Hire], certs: list[Certificate], policy: Policy) -> Hire | None:
    """The hire a legitimate payout was for: the first (hire_date, employer_id) hire of that person at
    that payee, hired on or before paid_date, that passes every check on paid_date."""
    for h in sorted(hires, key=lambda h: (h.hire_date, h.employer_id)):
        candidate = h.person == p.person and payee_of(h, p.kind) == p.payee_id and h.hire_date <= p.paid_date
        if candidate and not hire_checks(h, p.kind, certs, p.paid_date, policy):
            return h
    return None


def early_move_choices(
    hires: list[Hire], certs: list[Certificate], payouts: list[Payout], policies=None
) -> list[tuple[int, dt.date, dt.date]]:
    """(index, lo, hi): payouts[index] moved to any day in lo..hi (inclusive) must give exactly one
    `paid_early`. lo = hire_date of the hire h it paid; hi = the day before h's due date, and before
    the due date of every hire of that person at that payee that comes before h (earlier hire_date,
    ties: smaller employer_id): such a hire fails rule 1, 2, 4 or 5 (else it would have been paid),
    and on or after its own due date it would tie with h on one failed check and, being earlier,
    take the payout as `paid_ineligible` (oracle_audit docstring, point 3)."""
    policies = policies or POLICIES
    out = []
    for i, p in enumerate(payouts):
        pol = policies[p.kind]
        h = paid_hire(p, hires, certs, pol)
        if h is None:
            continue
        before = [
            o
            for o in hires
            if o.person == h.person
            and payee_of(o, p.kind) == p.payee_id
            and (o.hire_date, o.employer_id) < (h.hire_date, h.employer_id)
        ]
        hi = min([due_date(h, pol)] + [due_date(o, pol) for o in before]) - dt.timedelta(days=1)
        lo = h.hire_date
        if lo <= hi:
            out.append((i, lo, hi))
    return out


def move_payout(payouts: list[Payout], index: int, day: dt.date) -> list[Payout]:
    """A copy of payouts with payouts[index] paid on `day` instead."""
    out = list(payouts)
    out[index] = dataclasses.replace(out[index], paid_date=day)
    return out


# ---------------------------------------------------------------- real files for the CLI

# The column lists of tests/conftest.py (test_oracle_audit checks they stay equal).
TRAINING_HEADER = ["person_id", "name", "class_id", "start_date", "end_date", "subsidized", "township"]
CERT_HEADER = ["cert_no", "person_id", "name", "cert_type", "level", "issue_date", "township"]
HIRE_HEADER = [
    "person_id",
    "name",
    "employer_id",
    "employer_name",
    "employer_size",
    "hire_date",
    "separation_date",
    "insured_months",
    "agency_id",
    "agency_name",
    "in_province",
    "township",
]
PAYOUT_HEADER = ["payee_id", "kind", "person_id", "amount", "paid_date", "batch"]


def _day(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


def hire_dict(h: Hire) -> dict:
    return {
        "person_id": h.person,
        "name": h.name,
        "employer_id": h.employer_id,
        "employer_name": h.employer_name,
        "employer_size": h.employer_size,
        "hire_date": _day(h.hire_date),
        "separation_date": _day(h.separation_date),
        "insured_months": h.insured_months,
        "agency_id": h.agency_id or "",
        "agency_name": h.agency_name or "",
        "in_province": "" if h.in_province is None else ("是" if h.in_province else "否"),
    }


def cert_dict(c: Certificate) -> dict:
    return {"cert_no": c.cert_no, "person_id": c.person, "level": c.level, "issue_date": _day(c.issue_date)}


def amount_plain(amount) -> str:
    return str(amount)


def amount_clerk(amount) -> str:
    """As clerks type it: thousands separators and 元 (`1,000.00元`), still a valid §2 amount."""
    return f"{Decimal(amount):,.2f}元"


def payout_dict(p: Payout, amount_text: Callable[[object], str] = amount_plain) -> dict:
    return {
        "payee_id": p.payee_id,
        "kind": p.kind,
        "person_id": p.person,
        "amount": amount_text(p.amount),
        "paid_date": _day(p.paid_date),
        "batch": p.batch,
    }


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")  # replaced whole: a reader never sees half a file
    tmp.write_bytes(out.getvalue().encode("utf-8"))
    tmp.replace(path)


def write_ledgers(
    folder: Path,
    hires: list[Hire],
    certs: list[Certificate],
    payouts: list[Payout] | None = None,
    amount_text: Callable[[object], str] = amount_plain,
) -> Path:
    """folder/trainings.csv (header only), hires.csv, certificates.csv and, unless payouts is None,
    payouts.csv, in UTF-8 with the conftest headers."""
    _write(folder / "trainings.csv", TRAINING_HEADER, [])
    _write(folder / "hires.csv", HIRE_HEADER, [hire_dict(h) for h in hires])
    _write(folder / "certificates.csv", CERT_HEADER, [cert_dict(c) for c in certs])
    if payouts is not None:
        _write(folder / "payouts.csv", PAYOUT_HEADER, [payout_dict(p, amount_text) for p in payouts])
    return folder


def targets_with_cap(source: Path, out: Path, cap: int) -> Path:
    """A copy of targets.yaml with the employer cap changed."""
    text = source.read_text(encoding="utf-8")
    line = "    cap: 2000000"
    assert text.count(line) == 1
    out.write_text(text.replace(line, f"    cap: {cap}"), encoding="utf-8")
    return out


def comparable(findings: list[dict]) -> list[tuple]:
    """Findings in the §5 JSON shape (jishu's, or the oracle's via finding_json), as sorted tuples of
    the compared fields: money exact in decimal, an empty batch as ""."""
    return sorted(
        (
            f["payee"]["id"],
            f["kind"],
            f["person"],
            f["paid_date"],
            f.get("batch") or "",
            Decimal(str(f["amount"])),
            f["code"],
            tuple(f["reasons"]),
        )
        for f in findings
    )
