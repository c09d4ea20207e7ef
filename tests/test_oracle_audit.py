"""The audit oracle (tests/oracle_audit.py) and the strategies of tests/audit_strategies.py, checked on
small hand-made records against SPEC §4 (as-of cut), §4.1 and §2 (amount). No jishu run here: these
pin the oracle, so that it can be trusted once it is compared with `jishu audit`."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
from decimal import Decimal

import pytest
from audit_strategies import (
    CERT_HEADER,
    HIRE_HEADER,
    PAYOUT_HEADER,
    SIM_END,
    SIM_START,
    TRAINING_HEADER,
    amount_clerk,
    batch_name,
    comparable,
    early_move_choices,
    ledgers,
    month_ends,
    move_payout,
    oracle_due_at,
    simulate_clerk,
    write_ledgers,
)
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from oracle_audit import CODES, POLICIES, amounts_due, audit, finding_json, parse_amount
from oracle_subsidy import (
    AGENCY_POLICY,
    EMPLOYER_POLICY,
    Certificate,
    Hire,
    Payout,
    credit_code,
    mask,
    payee_report,
    resident_id,
)

D = dt.date
AS_OF = D(2023, 6, 30)

EMP_A = credit_code(101)  # small
EMP_B = credit_code(102)  # medium
EMP_BIG = credit_code(103)  # large
AGENCY = credit_code(201, "91410100MA")
AGENCY_2 = credit_code(202, "91410100MA")
SIZES = {EMP_A: "small", EMP_B: "medium", EMP_BIG: "large"}
assert EMP_A < EMP_B < EMP_BIG and AGENCY < AGENCY_2


def P(seq: int) -> str:
    return resident_id(seq, D(1985 + seq % 15, 1 + seq % 12, 1 + seq % 28))


def hire(person, day, employer=EMP_A, sep=None, insured=24, agency=None, in_province=True) -> Hire:
    return Hire(
        person,
        employer,
        f"单位{employer[-4:]}",
        SIZES[employer],
        day,
        sep,
        insured,
        agency,
        f"机构{agency[-4:]}" if agency else None,
        in_province if agency else None,
    )


CERT_DAY = D(2019, 1, 1)


def cert(person, day=CERT_DAY) -> Certificate:
    return Certificate(f"C-{person[-4:]}-{day:%Y%m%d}", person, day)


def pay(payee, person, day, amount=None, kind="employer", batch="B1") -> Payout:
    if amount is None:
        amount = 1000 if kind == "employer" else 300
    return Payout(payee, kind, person, amount, day, batch)


def policies(cap=2_000_000):
    return {"employer": dataclasses.replace(EMPLOYER_POLICY, cap=cap), "agency": AGENCY_POLICY}


def codes(result) -> list[tuple[str, str, str]]:
    """(payee, person, code) of every finding, in the oracle's order."""
    return [(f["payee_id"], f["person_id"], f["code"]) for f in result["findings"]]


def run_audit(hires, certs, payouts, as_of=AS_OF, cap=2_000_000):
    return audit(hires, certs, payouts, policies(cap), as_of)


# ---------------------------------------------------------------- a clean payout


def test_supported_payout_has_no_finding():
    hires = [hire(P(1), D(2021, 3, 15))]
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2022, 3, 15))])
    assert out["findings"] == []
    assert out["totals"] == {"by_code": dict.fromkeys(CODES, 0), "findings": 0, "amount_at_risk": 0}


def test_supported_agency_payout_has_no_finding():
    hires = [hire(P(1), D(2022, 8, 31), agency=AGENCY)]
    out = run_audit(hires, [cert(P(1))], [pay(AGENCY, P(1), D(2023, 2, 28), kind="agency")])
    assert out["findings"] == []


# ---------------------------------------------------------------- paid_no_hire


def test_paid_no_hire_other_payee_and_unknown_person():
    hires = [hire(P(1), D(2021, 3, 15))]
    payouts = [pay(EMP_B, P(1), D(2022, 4, 1)), pay(EMP_A, P(2), D(2022, 4, 1))]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [(EMP_A, P(2), "paid_no_hire"), (EMP_B, P(1), "paid_no_hire")]
    assert all(f["reasons"] == [] for f in out["findings"])
    assert out["totals"]["amount_at_risk"] == 2000


def test_paid_no_hire_agency_kind_looks_at_agency_id():
    """The employer of an agency hire is not the agency: an agency payout to the employer has no hire,
    and an employer payout to the agency neither."""
    hires = [hire(P(1), D(2021, 3, 15), agency=AGENCY)]
    payouts = [pay(EMP_A, P(1), D(2022, 4, 1), kind="agency"), pay(AGENCY, P(1), D(2022, 4, 1))]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [(EMP_A, P(1), "paid_no_hire"), (AGENCY, P(1), "paid_no_hire")]  # agency kind first


def test_paid_before_the_hire_began_is_paid_no_hire():
    """Only hires with hire_date <= paid_date can be the hire a payout is for (interpretation 2)."""
    hires = [hire(P(1), D(2021, 3, 15))]
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2021, 3, 14))])
    assert codes(out) == [(EMP_A, P(1), "paid_no_hire")]
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2021, 3, 15))])  # the hire day: early
    assert codes(out) == [(EMP_A, P(1), "paid_early")]


def test_paid_no_hire_is_never_also_early_or_ineligible_but_can_mismatch():
    out = run_audit([], [], [pay(EMP_A, P(1), D(2022, 4, 1), amount=500)])
    assert [f["code"] for f in out["findings"]] == ["paid_no_hire", "amount_mismatch"]
    assert out["totals"]["amount_at_risk"] == 500  # one payout, counted once


# ---------------------------------------------------------------- paid_early


@pytest.mark.parametrize(
    "hired, paid, early",
    [
        (D(2021, 3, 15), D(2022, 3, 14), True),
        (D(2021, 3, 15), D(2022, 3, 15), False),  # exactly 12 months
        (D(2021, 8, 31), D(2022, 8, 30), True),
        (D(2021, 8, 31), D(2022, 8, 31), False),
        (D(2020, 2, 29), D(2021, 2, 27), True),  # leap day + 12 months = 2021-02-28
        (D(2020, 2, 29), D(2021, 2, 28), False),
    ],
)
def test_paid_early_employer_boundary(hired, paid, early):
    out = run_audit([hire(P(1), hired)], [cert(P(1))], [pay(EMP_A, P(1), paid)])
    assert codes(out) == ([(EMP_A, P(1), "paid_early")] if early else [])
    if early:
        assert out["findings"][0]["reasons"] == []


@pytest.mark.parametrize("paid, early", [(D(2023, 2, 27), True), (D(2023, 2, 28), False)])
def test_paid_early_agency_uses_six_months(paid, early):
    """2022-08-31 + 6 months = 2023-02-28 (interpretation 4: agency min_months)."""
    hires = [hire(P(1), D(2022, 8, 31), agency=AGENCY)]
    out = run_audit(hires, [cert(P(1))], [pay(AGENCY, P(1), paid, kind="agency")])
    assert codes(out) == ([(AGENCY, P(1), "paid_early")] if early else [])


def test_rule_3_is_judged_on_paid_date_not_as_of():
    """Paid early stays a finding however late the audit is; paid on time stays clean however early
    the audit is (as long as the payout is on or before as_of)."""
    hires = [hire(P(1), D(2021, 3, 15))]
    early = [pay(EMP_A, P(1), D(2021, 9, 1))]
    assert codes(run_audit(hires, [cert(P(1))], early, as_of=D(2030, 1, 1))) == [(EMP_A, P(1), "paid_early")]
    on_time = [pay(EMP_A, P(1), D(2022, 3, 15))]
    assert codes(run_audit(hires, [cert(P(1))], on_time, as_of=D(2022, 3, 15))) == []


# ---------------------------------------------------------------- paid_ineligible


@pytest.mark.parametrize(
    "employer, sep, insured, with_cert, reasons",
    [
        (EMP_BIG, None, 24, True, ["not_sme"]),
        (EMP_A, None, 24, False, ["no_certificate"]),
        (EMP_A, D(2022, 3, 14), 24, True, ["left_early"]),
        (EMP_A, D(2022, 3, 15), 24, True, []),  # separation on the anniversary: stayed 12 months
        (EMP_A, None, 11, True, ["insurance_short"]),
        (EMP_A, None, 12, True, []),
        (EMP_BIG, D(2021, 4, 1), 0, False, ["not_sme", "no_certificate", "left_early", "insurance_short"]),
    ],
)
def test_paid_ineligible_lists_the_failed_rules_in_rule_order(employer, sep, insured, with_cert, reasons):
    hires = [hire(P(1), D(2021, 3, 15), employer, sep, insured)]
    out = run_audit(hires, [cert(P(1))] if with_cert else [], [pay(employer, P(1), D(2022, 4, 1))])
    if reasons:
        assert codes(out) == [(employer, P(1), "paid_ineligible")]
        assert out["findings"][0]["reasons"] == reasons
    else:
        assert out["findings"] == []


def test_certificate_issued_the_day_after_hire_is_not_held_at_hire():
    hires = [hire(P(1), D(2021, 3, 15))]
    for issued, found in ((D(2021, 3, 15), []), (D(2021, 3, 16), ["no_certificate"])):
        out = run_audit(hires, [cert(P(1), issued)], [pay(EMP_A, P(1), D(2022, 4, 1))])
        assert [f["reasons"] for f in out["findings"]] == ([found] if found else [])


def test_left_early_after_being_paid_is_a_finding():
    """Paid on time (rule 3 on paid_date passes), the person left before 12 months were up: the ledger
    as of the audit says so, so the money may have to be recovered."""
    hires = [hire(P(1), D(2021, 3, 15), sep=D(2022, 3, 1))]
    payouts = [pay(EMP_A, P(1), D(2022, 3, 20))]
    # paid on 2022-03-20 although the separation (2022-03-01) was before: still left_early
    out = run_audit(hires, [cert(P(1))], payouts)
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [("paid_ineligible", ["left_early"])]
    # paid early, then left early: two findings for one payout, its amount at risk once
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2022, 1, 15))])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [
        ("paid_early", []),
        ("paid_ineligible", ["left_early"]),
    ]
    assert out["totals"]["findings"] == 2 and out["totals"]["amount_at_risk"] == 1000


@pytest.mark.parametrize(
    "in_province, sep, insured, reasons",
    [
        (False, None, 6, ["out_of_province"]),
        (None, None, 6, ["out_of_province"]),  # not stated: not shown to be in Henan
        (True, D(2022, 7, 1), 6, ["left_early"]),
        (True, D(2022, 7, 15), 6, []),
        (True, None, 5, ["insurance_short"]),
    ],
)
def test_agency_paid_ineligible(in_province, sep, insured, reasons):
    h = dataclasses.replace(
        hire(P(1), D(2022, 1, 15), EMP_BIG, sep, insured, AGENCY), in_province=in_province
    )
    out = run_audit([h], [cert(P(1))], [pay(AGENCY, P(1), D(2022, 7, 31), kind="agency")])
    assert [f["reasons"] for f in out["findings"] if f["code"] == "paid_ineligible"] == (
        [reasons] if reasons else []
    )
    assert len(out["findings"]) == (1 if reasons else 0)  # a large employer does not matter for agencies


# ---------------------------------------------------------------- which hire a payout is for


def test_rehire_at_same_employer_payout_matches_the_clean_stint():
    """First stint left after 3 months, second stint is fine: a payout on time for the second stint
    is clean (fewest failed checks: 0)."""
    hires = [
        hire(P(1), D(2020, 1, 6), sep=D(2020, 4, 6)),
        hire(P(1), D(2021, 1, 4)),
    ]
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2022, 1, 31))])
    assert out["findings"] == []


def test_rehire_tie_goes_to_earlier_stint():
    """Interpretation 3: paid before the second stint's 12 months, on or after the first stint's: the
    first stint fails one check (paid_ineligible: left_early), the second one check (paid_early);
    tie → the earliest hire → `paid_ineligible`."""
    hires = [
        hire(P(1), D(2020, 1, 6), sep=D(2020, 4, 6)),
        hire(P(1), D(2021, 1, 4)),
    ]
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2021, 6, 30))])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [("paid_ineligible", ["left_early"])]
    # before the first stint's due date too: the first fails two checks, the second one
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2021, 1, 5))])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [("paid_early", [])]
    # before the second stint began: only the first stint is a candidate, and it fails both
    out = run_audit(hires, [cert(P(1))], [pay(EMP_A, P(1), D(2020, 12, 31))])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [
        ("paid_early", []),
        ("paid_ineligible", ["left_early"]),
    ]


def test_fewest_counts_codes_not_rules():
    """The earlier stint fails two rules (one code), the later is paid early (one code): a tie by codes,
    the earliest hire wins."""
    hires = [hire(P(1), D(2019, 1, 7), insured=3), hire(P(1), D(2021, 1, 4))]
    certs = [cert(P(1), D(2020, 6, 1))]  # held at the second hire only
    out = run_audit(hires, certs, [pay(EMP_A, P(1), D(2021, 6, 30))])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [
        ("paid_ineligible", ["no_certificate", "insurance_short"])
    ]


def test_agency_same_day_hires_tie_smaller_employer_id():
    """One person, same agency, same hire_date, two employers: both fail one check each; the smaller
    employer_id is taken (rule 6's tie-break)."""
    hires = [
        hire(P(1), D(2022, 1, 10), EMP_B, insured=2, agency=AGENCY),
        hire(P(1), D(2022, 1, 10), EMP_A, sep=D(2022, 2, 1), agency=AGENCY),
    ]
    out = run_audit(hires, [cert(P(1))], [pay(AGENCY, P(1), D(2022, 8, 1), kind="agency")])
    assert [(f["code"], f["reasons"]) for f in out["findings"]] == [("paid_ineligible", ["left_early"])]


# ---------------------------------------------------------------- paid_twice


def test_paid_twice_later_payout_of_another_employer():
    hires = [hire(P(1), D(2021, 1, 4), EMP_A), hire(P(1), D(2021, 1, 4), EMP_B)]
    payouts = [pay(EMP_B, P(1), D(2022, 5, 1)), pay(EMP_A, P(1), D(2022, 4, 1))]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [(EMP_B, P(1), "paid_twice")]
    # as of a day between the two, the second has not been paid yet
    assert run_audit(hires, [cert(P(1))], payouts, as_of=D(2022, 4, 30))["findings"] == []


def test_paid_twice_same_day_smaller_payee_id_keeps_it():
    hires = [hire(P(1), D(2021, 1, 4), EMP_A), hire(P(1), D(2021, 1, 4), EMP_B)]
    payouts = [pay(EMP_B, P(1), D(2022, 4, 1)), pay(EMP_A, P(1), D(2022, 4, 1))]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [(EMP_B, P(1), "paid_twice")]


def test_paid_twice_three_employers_flags_all_but_the_first():
    hires = [hire(P(1), D(2021, 1, 4), e) for e in (EMP_A, EMP_B, EMP_BIG)]
    payouts = [
        pay(EMP_BIG, P(1), D(2022, 2, 1)),
        pay(EMP_A, P(1), D(2022, 3, 1)),
        pay(EMP_B, P(1), D(2022, 3, 1)),
    ]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [
        (EMP_A, P(1), "paid_twice"),
        (EMP_B, P(1), "paid_twice"),
        (EMP_BIG, P(1), "paid_ineligible"),  # the first keeps it, but is not_sme
    ]


def test_paid_twice_only_for_employer_kind():
    """An employer payout and an agency payout for the same person are two different subsidies."""
    hires = [hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY)]
    payouts = [pay(EMP_A, P(1), D(2022, 4, 1)), pay(AGENCY, P(1), D(2022, 3, 1), kind="agency")]
    assert run_audit(hires, [cert(P(1))], payouts)["findings"] == []


def test_payout_without_hire_still_counts_for_paid_twice():
    """Interpretation 8/9: money went out first to an employer without a hire; the later, otherwise
    supported payout is still a second payment for the person."""
    hires = [hire(P(1), D(2021, 1, 4), EMP_B)]
    payouts = [pay(EMP_A, P(1), D(2022, 1, 10)), pay(EMP_B, P(1), D(2022, 2, 1))]
    out = run_audit(hires, [cert(P(1))], payouts)
    assert codes(out) == [(EMP_A, P(1), "paid_no_hire"), (EMP_B, P(1), "paid_twice")]
    assert out["totals"]["amount_at_risk"] == 2000


# ---------------------------------------------------------------- over_cap


def test_over_cap_flags_the_crossing_payout_and_every_later_one():
    persons = [P(i) for i in range(1, 5)]
    hires = [hire(p, D(2021, 1, 4)) for p in persons]
    payouts = [pay(EMP_A, p, D(2022, 1, 10 + i)) for i, p in enumerate(persons)]
    out = run_audit(hires, [cert(p) for p in persons], payouts, cap=2500)
    # 1000, 2000, 3000 > 2500: the third crosses, the fourth comes after it
    assert codes(out) == [(EMP_A, persons[2], "over_cap"), (EMP_A, persons[3], "over_cap")]
    assert out["totals"]["amount_at_risk"] == 2000


def test_reaching_the_cap_exactly_is_not_over_it():
    persons = [P(i) for i in range(1, 4)]
    hires = [hire(p, D(2021, 1, 4)) for p in persons]
    payouts = [pay(EMP_A, p, D(2022, 1, 10 + i)) for i, p in enumerate(persons)]
    out = run_audit(hires, [cert(p) for p in persons], payouts[:2], cap=2000)
    assert out["findings"] == []
    out = run_audit(hires, [cert(p) for p in persons], payouts, cap=2000)
    assert codes(out) == [(EMP_A, persons[2], "over_cap")]


def test_over_cap_ties_on_paid_date_smaller_person_id_first():
    persons = sorted([P(7), P(3), P(5)])
    hires = [hire(p, D(2021, 1, 4)) for p in persons]
    payouts = [pay(EMP_A, p, D(2022, 1, 10)) for p in reversed(persons)]
    out = run_audit(hires, [cert(p) for p in persons], payouts, cap=2000)
    assert codes(out) == [(EMP_A, persons[2], "over_cap")]


def test_over_cap_uses_amounts_as_paid_and_counts_every_payout():
    """A 1500 payout (a mismatch) and a payout without hire count toward the payee's total; a 0-yuan
    payout after the crossing is flagged too (interpretation 10)."""
    hires = [hire(P(1), D(2021, 1, 4)), hire(P(2), D(2021, 1, 4)), hire(P(4), D(2021, 1, 4))]
    payouts = [
        pay(EMP_A, P(1), D(2022, 1, 10), amount=1500),
        pay(EMP_A, P(3), D(2022, 1, 11)),  # no hire: 2500 > 2000, crosses
        pay(EMP_A, P(2), D(2022, 1, 12)),
        pay(EMP_A, P(4), D(2022, 1, 13), amount=0),
    ]
    out = run_audit(hires, [cert(P(i)) for i in (1, 2, 4)], payouts, cap=2000)
    assert codes(out) == [
        (EMP_A, P(1), "amount_mismatch"),
        (EMP_A, P(3), "paid_no_hire"),
        (EMP_A, P(3), "over_cap"),
        (EMP_A, P(2), "over_cap"),
        (EMP_A, P(4), "over_cap"),
        (EMP_A, P(4), "amount_mismatch"),
    ]
    assert out["totals"]["by_code"] == {
        "paid_no_hire": 1,
        "paid_early": 0,
        "paid_ineligible": 0,
        "paid_twice": 0,
        "over_cap": 3,
        "amount_mismatch": 2,
    }
    assert out["totals"]["findings"] == 6
    assert out["totals"]["amount_at_risk"] == 1500 + 1000 + 1000 + 0


def test_over_cap_is_per_payee_and_agencies_have_none():
    hires = [hire(P(i), D(2021, 1, 4), e, agency=AGENCY) for i, e in ((1, EMP_A), (2, EMP_B), (3, EMP_B))]
    payouts = [
        pay(EMP_A, P(1), D(2022, 2, 1)),
        pay(EMP_B, P(2), D(2022, 2, 1)),
        pay(EMP_B, P(3), D(2022, 2, 2)),
    ]
    payouts += [pay(AGENCY, P(i), D(2022, 2, 1), kind="agency") for i in (1, 2, 3)]
    out = run_audit(hires, [cert(P(i)) for i in (1, 2, 3)], payouts, cap=1000)
    assert codes(out) == [(EMP_B, P(3), "over_cap")]


def test_over_cap_ignores_payouts_after_as_of():
    persons = [P(1), P(2)]
    hires = [hire(p, D(2021, 1, 4)) for p in persons]
    payouts = [pay(EMP_A, P(1), D(2022, 6, 1)), pay(EMP_A, P(2), D(2022, 1, 10))]
    assert codes(run_audit(hires, [cert(p) for p in persons], payouts, as_of=D(2022, 5, 31), cap=1000)) == []
    assert codes(run_audit(hires, [cert(p) for p in persons], payouts, as_of=D(2022, 6, 1), cap=1000)) == [
        (EMP_A, P(1), "over_cap")
    ]


# ---------------------------------------------------------------- amount_mismatch


@pytest.mark.parametrize(
    "kind, amount, mismatch",
    [
        ("employer", 1000, False),
        ("employer", Decimal("1000.00"), False),
        ("employer", Decimal("999.99"), True),
        ("employer", 2000, True),
        ("employer", 0, True),
        ("agency", 300, False),
        ("agency", 1000, True),
    ],
)
def test_amount_mismatch(kind, amount, mismatch):
    payee = EMP_A if kind == "employer" else AGENCY
    hires = [hire(P(1), D(2021, 1, 4), agency=AGENCY)]
    out = run_audit(hires, [cert(P(1))], [pay(payee, P(1), D(2022, 2, 1), amount, kind)])
    assert codes(out) == ([(payee, P(1), "amount_mismatch")] if mismatch else [])
    if mismatch:
        assert out["totals"]["amount_at_risk"] == Decimal(amount)


# ---------------------------------------------------------------- the as-of cut


def test_payouts_after_as_of_are_not_audited():
    payouts = [pay(EMP_A, P(9), D(2023, 7, 1))]  # no hire at all, but paid after as_of
    assert run_audit([], [], payouts, as_of=D(2023, 6, 30))["findings"] == []
    assert codes(run_audit([], [], payouts, as_of=D(2023, 7, 1))) == [(EMP_A, P(9), "paid_no_hire")]


def test_findings_keep_batch_date_and_amount():
    out = run_audit(
        [], [], [pay(EMP_A, P(9), D(2023, 1, 31), Decimal("1,000".replace(",", "")), batch="2023年1月")]
    )
    (f,) = out["findings"]
    assert f == {
        "payee_id": EMP_A,
        "kind": "employer",
        "person_id": P(9),
        "paid_date": D(2023, 1, 31),
        "batch": "2023年1月",
        "amount": Decimal(1000),
        "code": "paid_no_hire",
        "reasons": [],
    }
    assert finding_json(f)["person"] == mask(P(9)) and finding_json(f)["paid_date"] == "2023-01-31"
    assert comparable([finding_json(f)]) == [
        (EMP_A, "employer", mask(P(9)), "2023-01-31", "2023年1月", Decimal(1000), "paid_no_hire", ())
    ]


def test_subsidy_oracle_cuts_hires_and_payouts_at_as_of():
    """§4 first paragraph, in oracle_subsidy: a hire after as_of is not listed and does not count for
    rule 6; a payout after as_of is not in already_paid and does not make the hire `paid`."""
    hires = [hire(P(1), D(2021, 1, 4)), hire(P(2), D(2022, 7, 1))]
    payouts = [pay(EMP_A, P(1), D(2022, 7, 1))]
    certs = [cert(P(1)), cert(P(2)), cert(P(3), D(2022, 6, 30))]
    as_of = D(2022, 6, 30)
    report = payee_report(hires, certs, payouts, "employer", EMP_A, as_of, EMPLOYER_POLICY)
    assert [h["person"] for h in report["hires"]] == [mask(P(1))]
    assert report["hires"][0]["paid"] is False
    assert report["already_paid"] == 0 and report["amount_due"] == 1000
    report = payee_report(hires, certs, payouts, "employer", EMP_A, D(2022, 7, 1), EMPLOYER_POLICY)
    assert [h["person"] for h in report["hires"]] == [mask(P(1)), mask(P(2))]
    assert report["hires"][0]["paid"] is True
    assert report["already_paid"] == 1000 and report["amount_due"] == 0


def test_hire_after_as_of_does_not_block_by_rule_6():
    """Not much of a change for rule 6 (a later-dated hire never passes rule 3 before as_of), but the
    hire is not listed either."""
    hires = [hire(P(1), D(2021, 1, 4), EMP_B), hire(P(1), D(2023, 1, 2), EMP_A)]
    report = payee_report(hires, [cert(P(1))], [], "employer", EMP_A, D(2022, 12, 31), EMPLOYER_POLICY)
    assert report["hires"] == []


def test_certificates_after_as_of_are_not_held():
    hires = [hire(P(1), D(2021, 1, 4))]
    late = [cert(P(1), D(2021, 1, 4))]
    assert amounts_due(hires, late, [], POLICIES, D(2022, 1, 4)) == [(EMP_A, "employer", P(1), 1000)]


def test_amounts_due_cuts_payouts_and_keeps_within_the_cap():
    persons = [P(i) for i in range(1, 5)]
    hires = [hire(p, D(2021, 1, 4)) for p in persons]
    certs = [cert(p) for p in persons]
    paid = [pay(EMP_A, persons[0], D(2022, 1, 31)), pay(EMP_A, persons[1], D(2022, 3, 1))]
    due = amounts_due(hires, certs, paid, policies(2500), D(2022, 2, 28))
    # 4 eligible, cap 2500 → 2 eligible (1000 each); P1 already paid → P2 due; the 2022-03-01 payout
    # is in the future
    assert due == [(EMP_A, "employer", persons[1], 1000)]
    due = amounts_due(hires, certs, paid, policies(2500), D(2022, 3, 1))
    assert due == []
    # a payee that was paid a non-rate amount: whole rates only, within cap - already_paid
    odd = [pay(EMP_A, P(9), D(2022, 1, 31), amount=1500)]
    assert amounts_due(hires, certs, odd, policies(3000), D(2022, 2, 28)) == [
        (EMP_A, "employer", persons[0], 1000)
    ]


# ---------------------------------------------------------------- §2 amount spelling


@pytest.mark.parametrize(
    "text, fen",
    [
        ("1000", 100000),
        ("1000.5", 100050),
        ("1000.50", 100050),
        ("0", 0),
        ("0.01", 1),
        ("1,000", 100000),
        ("12,345.00", 1234500),
        ("1,234,567.8", 123456780),
        ("300元", 30000),
        ("1,000.00元", 100000),
        ("  1000 ", 100000),
        ("\u30001000\u3000", 100000),  # full-width spaces trimmed
        ("１，０００．５元", 100050),  # full-width digits and punctuation: NFKC first
        ("01000", 100000),  # digits (interpretation 14)
    ],
)
def test_amount_accepted(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "10,00",
        "1,5",
        "300,",
        "3,,00",  # the SPEC's own examples
        "1,0000",
        ",100",
        "1000,000",
        "1,000,00",
        "1.000,00",
        "1 000",
        "1000.",
        ".5",
        "1000.505",
        "1,000.123",
        "-5",
        "+5",
        "¥1000",
        "￥1000",
        "1000 元",
        "元",
        "1000元元",
        "1000元整",
        "元1000",
        "1E3",
        "1e3",
        "1_000",
        "",
        " ",
        "一千",
        "1000.0.0",
        "٣٠٠",
        "NaN",
        "inf",
    ],
)
def test_amount_rejected(text):
    assert parse_amount(text) is None


# ---------------------------------------------------------------- the strategies' helpers


def test_headers_are_conftests():
    import conftest

    assert TRAINING_HEADER == conftest.TRAINING_HEADER
    assert CERT_HEADER == conftest.CERT_HEADER
    assert HIRE_HEADER == conftest.HIRE_HEADER
    assert PAYOUT_HEADER == conftest.PAYOUT_HEADER


def test_month_ends():
    assert month_ends(D(2020, 1, 15), D(2020, 4, 29)) == [D(2020, 1, 31), D(2020, 2, 29), D(2020, 3, 31)]
    assert month_ends(D(2020, 12, 31), D(2021, 1, 31)) == [D(2020, 12, 31), D(2021, 1, 31)]


def test_write_ledgers_round_trip(tmp_path):
    hires = [hire(P(1), D(2021, 1, 4), agency=AGENCY), hire(P(2), D(2021, 2, 1), EMP_B, D(2021, 5, 1), 3)]
    certs = [cert(P(1))]
    payouts = [
        pay(EMP_A, P(1), D(2022, 1, 31), batch=batch_name(D(2022, 1, 31))),
        pay(AGENCY, P(1), D(2022, 1, 31), Decimal("300.5"), "agency"),
    ]
    folder = write_ledgers(tmp_path / "data", hires, certs, payouts, amount_text=amount_clerk)

    def read(name):
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    assert read("trainings") == []
    assert [r["person_id"] for r in read("hires")] == [P(1), P(2)]
    assert read("hires")[0]["in_province"] == "是" and read("hires")[1]["separation_date"] == "2021-05-01"
    assert read("certificates")[0]["issue_date"] == "2019-01-01"
    rows = read("payouts")
    assert [r["amount"] for r in rows] == ["1,000.00元", "300.50元"]
    assert [parse_amount(r["amount"]) for r in rows] == [100000, 30050]
    assert rows[0]["batch"] == "ZM202201批"
    assert sorted(os.listdir(folder)) == ["certificates.csv", "hires.csv", "payouts.csv", "trainings.csv"]


def test_clerk_simulation_by_hand():
    """Two hires, one via an agency; monthly runs from 2021-01 to 2022-12."""
    hires = [hire(P(1), D(2021, 1, 4), agency=AGENCY), hire(P(2), D(2021, 5, 20), EMP_B)]
    certs = [cert(P(1)), cert(P(2))]
    payouts: list[Payout] = []
    seen = []
    simulate_clerk(
        oracle_due_at(hires, certs, payouts, POLICIES),
        month_ends(D(2021, 1, 1), D(2022, 12, 31)),
        payouts,
        after_month=lambda day, paid: seen.append((day, len(paid))),
    )
    assert [(p.payee_id, p.kind, p.person, p.amount, p.paid_date, p.batch) for p in payouts] == [
        (AGENCY, "agency", P(1), 300, D(2021, 7, 31), "ZM202107批"),  # 2021-01-04 + 6 months
        (EMP_A, "employer", P(1), 1000, D(2022, 1, 31), "ZM202201批"),
        (EMP_B, "employer", P(2), 1000, D(2022, 5, 31), "ZM202205批"),  # due 2022-05-20
    ]
    assert len(seen) == 24 and seen[-1] == (D(2022, 12, 31), 3)
    assert audit(hires, certs, payouts, POLICIES, D(2023, 1, 1))["findings"] == []
    choices = early_move_choices(hires, certs, payouts, POLICIES)
    assert choices == [
        (0, D(2021, 1, 4), D(2021, 7, 3)),
        (1, D(2021, 1, 4), D(2022, 1, 3)),
        (2, D(2021, 5, 20), D(2022, 5, 19)),
    ]
    moved = move_payout(payouts, 2, D(2022, 5, 19))
    assert codes(audit(hires, certs, moved, POLICIES, D(2023, 1, 1))) == [(EMP_B, P(2), "paid_early")]


def test_early_move_choices_avoid_the_rehire_tie():
    """Re-hire at the same employer: a move must stay before the first stint's due date."""
    payouts = [pay(EMP_A, P(1), D(2022, 1, 31))]
    hires = [hire(P(1), D(2020, 1, 2), sep=D(2020, 4, 6)), hire(P(1), D(2021, 1, 4))]
    assert early_move_choices(hires, [cert(P(1))], payouts, POLICIES) == []  # first due 2021-01-02: no room
    hires = [hire(P(1), D(2020, 1, 6), sep=D(2020, 4, 6)), hire(P(1), D(2021, 1, 4))]
    assert early_move_choices(hires, [cert(P(1))], payouts, POLICIES) == [(0, D(2021, 1, 4), D(2021, 1, 5))]
    for day, code in ((D(2021, 1, 5), "paid_early"), (D(2021, 1, 6), "paid_ineligible")):
        assert [
            f["code"]
            for f in audit(hires, [cert(P(1))], move_payout(payouts, 0, day), POLICIES, AS_OF)["findings"]
        ] == [code]
    hires = [hire(P(1), D(2020, 9, 1), sep=D(2020, 10, 1)), hire(P(1), D(2021, 1, 4))]
    assert early_move_choices(hires, [cert(P(1))], payouts, POLICIES) == [(0, D(2021, 1, 4), D(2021, 8, 31))]


# ---------------------------------------------------------------- the two properties, on the oracle

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("JISHU_AUDIT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
MONTHS = month_ends(SIM_START, SIM_END)


def clerk_payouts(sc) -> list[Payout]:
    payouts: list[Payout] = []
    simulate_clerk(oracle_due_at(sc["hires"], sc["certs"], payouts, sc["policies"]), MONTHS, payouts)
    return payouts


@PROPERTY_SETTINGS
@given(sc=ledgers(), audit_day=st.dates(D(2019, 12, 31), D(2026, 12, 31)))
def test_property_a_paying_what_is_due_leaves_no_finding(sc, audit_day):
    payouts = clerk_payouts(sc)
    event(f"payouts: {min(len(payouts), 5)}{'+' if len(payouts) >= 5 else ''}")
    out = audit(sc["hires"], sc["certs"], payouts, sc["policies"], audit_day)
    assert out["findings"] == [], out["findings"]
    assert out["totals"]["findings"] == 0 and out["totals"]["amount_at_risk"] == 0
    # and at the end, everything that is due has been paid
    assert amounts_due(sc["hires"], sc["certs"], payouts, sc["policies"], MONTHS[-1]) == []


@PROPERTY_SETTINGS
@given(sc=ledgers(), data=st.data())
def test_property_b_one_payout_paid_early_gives_exactly_one_paid_early(sc, data):
    payouts = clerk_payouts(sc)
    choices = early_move_choices(sc["hires"], sc["certs"], payouts, sc["policies"])
    assume(choices)
    i, lo, hi = data.draw(st.sampled_from(choices))
    day = data.draw(st.one_of(st.just(lo), st.just(hi), st.dates(lo, hi)))
    moved = move_payout(payouts, i, day)
    audit_day = data.draw(st.one_of(st.just(day), st.dates(day, D(2026, 12, 31))))
    out = audit(sc["hires"], sc["certs"], moved, sc["policies"], audit_day)
    p = moved[i]
    assert [
        (f["payee_id"], f["kind"], f["person_id"], f["paid_date"], f["code"]) for f in out["findings"]
    ] == [(p.payee_id, p.kind, p.person, day, "paid_early")]
    assert out["totals"]["by_code"]["paid_early"] == 1 and out["totals"]["amount_at_risk"] == p.amount


def test_strategy_produces_payouts_and_rehires():
    """The generated ledgers are worth auditing: most produce payouts, some re-hires at one employer."""
    from hypothesis import Phase, find

    FIND = settings(max_examples=500, database=None, phases=[Phase.generate])  # the first one found will do

    find(ledgers(), lambda sc: len(clerk_payouts(sc)) >= 3, settings=FIND)
    find(
        ledgers(),
        lambda sc: (
            any(
                a is not b and a.person == b.person and a.employer_id == b.employer_id
                for a in sc["hires"]
                for b in sc["hires"]
            )
            and clerk_payouts(sc)
        ),
        settings=FIND,
    )
    find(
        ledgers(),
        lambda sc: any(p.kind == "agency" for p in clerk_payouts(sc)),
        settings=FIND,
    )
