"""SPEC §4 subsidy rules, one small ledger per rule and per boundary, run through the real CLI.

Each test states the expected result by hand (from the SPEC text) and also checks that the
independent oracle (tests/oracle_subsidy.py) agrees, so the oracle used by the property tests is
itself pinned to hand-checked cases.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import stdnum.cn.ric
import stdnum.cn.uscc
from conftest import TARGETS, run, write_csv
from oracle_subsidy import (
    AGENCY_POLICY,
    CERTS_HEADER,
    EMPLOYER_POLICY,
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
    mask,
    payee_report,
    payout_row,
    resident_id,
    ric_check_char,
    uscc_check_char,
)

D = dt.date
AS_OF = D(2023, 6, 30)

EMP_A = credit_code(101)  # small
EMP_B = credit_code(102)  # medium
EMP_BIG = credit_code(103)  # large
EMP_MICRO = credit_code(104)
AGENCY = credit_code(201, "91410100MA")
AGENCY_2 = credit_code(202, "91410100MA")
NAMES = {
    EMP_A: "中牟县好运食品有限公司",
    EMP_B: "郑州绿源农业科技有限公司",
    EMP_BIG: "中牟汽车制造股份有限公司",
    EMP_MICRO: "中牟县小白兔洗车店",
    AGENCY: "中牟县人力资源服务有限公司",
    AGENCY_2: "郑州众邦人才服务有限公司",
}
SIZES = {EMP_A: "small", EMP_B: "medium", EMP_BIG: "large", EMP_MICRO: "micro"}


def P(seq: int) -> str:
    return resident_id(seq, D(1985 + seq % 15, 1 + seq % 12, 1 + seq % 28))


def hire(
    person: str,
    day: D,
    employer: str = EMP_A,
    sep: D | None = None,
    insured: int = 24,
    agency: str | None = None,
    in_province: bool | None = True,
) -> Hire:
    return Hire(
        person,
        employer,
        NAMES[employer],
        SIZES[employer],
        day,
        sep,
        insured,
        agency,
        NAMES.get(agency) if agency else None,
        in_province if agency else None,
    )


CERT_DAY = D(2019, 1, 1)


def cert(person: str, day: D = CERT_DAY, no: str | None = None) -> Certificate:
    return Certificate(no or f"C-{person[-4:]}-{day:%Y%m%d}", person, day)


def ledger(
    tmp_path: Path, hires: list[Hire], certs: list[Certificate] = (), payouts: list[Payout] = ()
) -> Path:
    d = tmp_path / "data"
    write_csv(d / "trainings.csv", TRAININGS_HEADER, [])
    write_csv(d / "hires.csv", HIRES_HEADER, [hire_row(h) for h in hires])
    write_csv(d / "certificates.csv", CERTS_HEADER, [cert_row(c) for c in certs])
    if payouts:
        write_csv(d / "payouts.csv", PAYOUTS_HEADER, [payout_row(p) for p in payouts])
    return d


def targets_with_cap(tmp_path: Path, cap: int) -> Path:
    text = TARGETS.read_text(encoding="utf-8")
    line = "    cap: 2000000"
    assert text.count(line) == 1
    out = tmp_path / "targets.yaml"
    out.write_text(text.replace(line, f"    cap: {cap}"), encoding="utf-8")
    return out


def subsidy(data: Path, args: list[str], as_of: D = AS_OF, targets: Path = TARGETS):
    return run(
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


def report(
    data: Path,
    payee: str,
    kind: str = "employer",
    as_of: D = AS_OF,
    year: int | None = None,
    targets: Path = TARGETS,
    query: str | None = None,
) -> dict:
    args = [f"--{kind}", query or payee] + (["--year", str(year)] if year else [])
    result = subsidy(data, args, as_of, targets)
    assert result.exit_code == 0, result.stderr + result.stdout
    out = json.loads(result.stdout)
    assert out["payee"]["id"] == payee and out["payee"]["kind"] == kind
    return out


def assert_oracle(
    actual: dict,
    hires,
    certs,
    payouts,
    kind: str,
    payee: str,
    as_of: D = AS_OF,
    policy: Policy | None = None,
    year: int | None = None,
) -> None:
    """jishu's per-payee JSON equals the oracle on every compared field and every hire."""
    policy = policy or (EMPLOYER_POLICY if kind == "employer" else AGENCY_POLICY)
    expected = payee_report(list(hires), list(certs), list(payouts), kind, payee, as_of, policy, year)
    for key in (
        "as_of",
        "rate",
        "cap",
        "eligible",
        "ineligible",
        "amount_eligible",
        "already_paid",
        "amount_due",
    ):
        assert same(actual[key], expected[key]), (key, actual[key], expected[key])
    assert_same_lines(actual["hires"], expected["hires"])


def same(got, expected) -> bool:
    """Equal values; money compared exactly in decimal (jishu writes 499.5 for 499.50 yuan)."""
    if isinstance(expected, (Decimal, float)) or (isinstance(got, float) and isinstance(expected, int)):
        return not isinstance(got, bool) and Decimal(str(got)) == Decimal(expected)
    return got == expected


LINE_FIELDS = ("person", "hire_date", "eligible", "reasons", "amount", "paid")


def assert_same_lines(got: list[dict], expected: list[dict]) -> None:
    """Same hires in the same order (oldest first, ties smaller person_id). One person hired on the same
    day by two employers via one agency ties on both keys: such lines are matched by employer_id (an
    extra field of jishu's JSON), whatever their order."""
    assert [(h["hire_date"], h["person"]) for h in got] == [(h["hire_date"], h["person"]) for h in expected]

    def keyed(lines):
        return sorted(
            (h["hire_date"], h["person"], h.get("employer_id", ""), [h[k] for k in LINE_FIELDS])
            for h in lines
        )

    assert keyed(got) == keyed(expected)


def line(out: dict, person: str, day: D | None = None) -> dict:
    found = [
        h
        for h in out["hires"]
        if h["person"] == mask(person) and (day is None or h["hire_date"] == day.isoformat())
    ]
    assert len(found) == 1, (person, day, out["hires"])
    return found[0]


# ---------------------------------------------------------------- the oracle's own building blocks


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2022, 8, 31), 6, D(2023, 2, 28)),
        (D(2020, 2, 29), 12, D(2021, 2, 28)),
        (D(2020, 2, 29), 48, D(2024, 2, 29)),
        (D(2021, 1, 31), 1, D(2021, 2, 28)),
        (D(2023, 12, 31), 2, D(2024, 2, 29)),
        (D(2021, 3, 15), 12, D(2022, 3, 15)),
        (D(2022, 7, 1), 6, D(2023, 1, 1)),
    ],
)
def test_oracle_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_oracle_identifiers_match_python_stdnum():
    for seq in range(0, 1000, 7):
        pid = P(seq)
        # stdnum.cn.ric.calc_check_digit takes the whole ID (check character included) and ignores the last one
        assert ric_check_char(pid[:17]) == stdnum.cn.ric.calc_check_digit(pid) == pid[-1]
        assert stdnum.cn.ric.is_valid(pid), pid
        code = credit_code(seq)
        assert uscc_check_char(code[:17]) == stdnum.cn.uscc.calc_check_digit(code[:17])
        assert stdnum.cn.uscc.is_valid(code)
    assert len({P(s)[-4:] for s in range(1000)}) == 1000  # masked IDs stay distinguishable


# ---------------------------------------------------------------- employer: one fixture per reason


def test_employer_eligible_baseline(tmp_path):
    hires, certs = [hire(P(1), D(2021, 3, 15))], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert out["payee"]["name"] == NAMES[EMP_A]
    assert line(out, P(1))["person"] == "410122********" + P(1)[-4:]
    h = line(out, P(1))
    assert (h["eligible"], h["reasons"], h["amount"], h["paid"]) == (True, [], 1000, False)
    assert (out["rate"], out["cap"], out["eligible"], out["ineligible"]) == (1000, 2000000, 1, 0)
    assert (out["amount_eligible"], out["already_paid"], out["amount_due"]) == (1000, 0, 1000)
    assert P(1) not in json.dumps(out)  # resident IDs masked
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


@pytest.mark.parametrize(
    "case, employer, day, sep, insured, with_cert, reason",
    [
        ("large employer", EMP_BIG, D(2021, 3, 15), None, 24, True, "not_sme"),
        ("no certificate at all", EMP_A, D(2021, 3, 15), None, 24, False, "no_certificate"),
        ("hired 11 months ago", EMP_A, D(2022, 8, 1), None, 24, True, "too_recent"),
        ("left after 6 months", EMP_A, D(2021, 3, 15), D(2021, 9, 15), 24, True, "left_early"),
        ("10 months insured", EMP_A, D(2021, 3, 15), None, 10, True, "insurance_short"),
    ],
)
def test_employer_single_reason(tmp_path, case, employer, day, sep, insured, with_cert, reason):
    hires = [hire(P(1), day, employer, sep, insured)]
    certs = [cert(P(1))] if with_cert else [cert(P(2))]
    out = report(ledger(tmp_path, hires, certs), employer)
    h = line(out, P(1))
    assert (h["eligible"], h["reasons"], h["amount"]) == (False, [reason], 0), case
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (0, 1, 0, 0)
    assert_oracle(out, hires, certs, [], "employer", employer)


@pytest.mark.parametrize("size", ["medium", "small", "micro"])
def test_employer_sme_sizes_pass(tmp_path, size):
    employer = {"medium": EMP_B, "small": EMP_A, "micro": EMP_MICRO}[size]
    hires, certs = [hire(P(1), D(2021, 3, 15), employer)], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), employer)
    assert line(out, P(1))["eligible"] is True


def test_employer_already_subsidized_by_other_employer(tmp_path):
    hires = [hire(P(1), D(2020, 5, 1), EMP_B, sep=D(2021, 6, 1)), hire(P(1), D(2021, 7, 1), EMP_A)]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    first, second = report(data, EMP_B), report(data, EMP_A)
    assert line(first, P(1))["eligible"] is True
    assert (line(second, P(1))["eligible"], line(second, P(1))["reasons"]) == (False, ["already_subsidized"])
    assert_oracle(first, hires, certs, [], "employer", EMP_B)
    assert_oracle(second, hires, certs, [], "employer", EMP_A)


def test_employer_already_subsidized_at_same_employer(tmp_path):
    """Rehired by the same employer: one subsidy per person."""
    hires = [hire(P(1), D(2020, 5, 1), sep=D(2021, 6, 1)), hire(P(1), D(2021, 7, 1))]
    certs = [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert [(h["hire_date"], h["reasons"]) for h in out["hires"]] == [
        ("2020-05-01", []),
        ("2021-07-01", ["already_subsidized"]),
    ]
    assert (out["eligible"], out["ineligible"], out["amount_eligible"]) == (1, 1, 1000)
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


def test_employer_cap_reached(tmp_path):
    targets = targets_with_cap(tmp_path, 2000)
    hires = [hire(P(i), D(2021, 1, i)) for i in (1, 2, 3)]
    certs = [cert(P(i)) for i in (1, 2, 3)]
    out = report(ledger(tmp_path, hires, certs), EMP_A, targets=targets)
    assert out["cap"] == 2000
    assert [h["reasons"] for h in out["hires"]] == [[], [], ["cap_reached"]]
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (
        2,
        1,
        2000,
        2000,
    )
    assert_oracle(out, hires, certs, [], "employer", EMP_A, policy=Policy(1000, 2000, 12, 12))


def test_employer_every_failed_rule_is_listed_in_rule_order(tmp_path):
    """A hire that fails several rules gets all their codes, in rule order (1-6)."""
    hires = [
        hire(P(1), D(2020, 1, 6), EMP_A),  # passes 1-5: P(1) is subsidized here
        hire(P(1), D(2023, 1, 2), EMP_BIG, sep=D(2023, 3, 1), insured=2),  # fails 1,3,4,5 and 6
        hire(P(2), D(2023, 1, 2), EMP_BIG, sep=D(2023, 3, 1), insured=2),  # fails 1-5
    ]
    certs = [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_BIG)
    assert line(out, P(1))["reasons"] == [
        "not_sme",
        "too_recent",
        "left_early",
        "insurance_short",
        "already_subsidized",
    ]
    assert line(out, P(2))["reasons"] == [
        "not_sme",
        "no_certificate",
        "too_recent",
        "left_early",
        "insurance_short",
    ]
    assert_oracle(out, hires, certs, [], "employer", EMP_BIG)


def test_failing_earlier_hire_does_not_block(tmp_path):
    """Rule 6 counts only earlier hires that pass rules 1-5."""
    hires = [
        hire(P(1), D(2020, 5, 1), EMP_BIG),
        hire(P(1), D(2020, 9, 1), EMP_B, sep=D(2021, 1, 1)),
        hire(P(1), D(2021, 7, 1), EMP_A),
    ]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    assert line(report(data, EMP_BIG), P(1))["reasons"] == ["not_sme"]
    assert line(report(data, EMP_B), P(1))["reasons"] == ["left_early"]
    out = report(data, EMP_A)
    assert line(out, P(1))["eligible"] is True
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


# ---------------------------------------------------------------- employer boundaries


@pytest.mark.parametrize("as_of, reasons", [(D(2022, 3, 15), []), (D(2022, 3, 14), ["too_recent"])])
def test_exactly_twelve_months(tmp_path, as_of, reasons):
    hires, certs = [hire(P(1), D(2021, 3, 15))], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A, as_of=as_of)
    assert line(out, P(1))["reasons"] == reasons
    assert_oracle(out, hires, certs, [], "employer", EMP_A, as_of=as_of)


@pytest.mark.parametrize(
    "as_of, sep, reasons",
    [
        (D(2021, 2, 28), None, []),  # 2020-02-29 + 12 months = 2021-02-28
        (D(2021, 2, 27), None, ["too_recent"]),
        (D(2023, 6, 30), D(2021, 2, 28), []),
        (D(2023, 6, 30), D(2021, 2, 27), ["left_early"]),
        (D(2021, 2, 27), D(2021, 2, 27), ["too_recent", "left_early"]),
    ],
)
def test_leap_day_hire(tmp_path, as_of, sep, reasons):
    hires, certs = [hire(P(1), D(2020, 2, 29), sep=sep)], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A, as_of=as_of)
    assert line(out, P(1))["reasons"] == reasons
    assert_oracle(out, hires, certs, [], "employer", EMP_A, as_of=as_of)


@pytest.mark.parametrize(
    "issued, reasons",
    [
        (D(2021, 3, 15), []),  # issued on the hire date: held at hire
        (D(2021, 3, 16), ["no_certificate"]),  # the day after: not held
        (D(2022, 1, 10), ["no_certificate"]),  # certified later, before as-of: still not held at hire
    ],
)
def test_certificate_on_hire_date(tmp_path, issued, reasons):
    hires, certs = [hire(P(1), D(2021, 3, 15))], [cert(P(1), issued)]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert line(out, P(1))["reasons"] == reasons
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


def test_any_earlier_certificate_counts(tmp_path):
    hires = [hire(P(1), D(2021, 3, 15))]
    certs = [cert(P(1), D(2022, 1, 1), "C-late"), cert(P(1), D(2018, 6, 1), "C-early")]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert line(out, P(1))["reasons"] == []


@pytest.mark.parametrize(
    "sep, reasons",
    [
        (D(2022, 3, 15), []),  # exactly on the anniversary: not left early
        (D(2022, 3, 14), ["left_early"]),
        (D(2021, 3, 15), ["left_early"]),  # left on the hire date
    ],
)
def test_separation_on_anniversary(tmp_path, sep, reasons):
    hires, certs = [hire(P(1), D(2021, 3, 15), sep=sep)], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert line(out, P(1))["reasons"] == reasons
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


def test_month_end_hire(tmp_path):
    """2021-08-31 + 12 months = 2022-08-31; 2021-01-31 + 12 = 2022-01-31 (no clipping needed)."""
    hires = [hire(P(1), D(2021, 8, 31)), hire(P(2), D(2021, 8, 31), sep=D(2022, 8, 30))]
    certs = [cert(P(1)), cert(P(2))]
    data = ledger(tmp_path, hires, certs)
    out = report(data, EMP_A, as_of=D(2022, 8, 31))
    assert [h["reasons"] for h in out["hires"]] == [[], ["left_early"]]
    out = report(data, EMP_A, as_of=D(2022, 8, 30))
    assert [h["reasons"] for h in out["hires"]] == [["too_recent"], ["too_recent", "left_early"]]


@pytest.mark.parametrize("insured, reasons", [(11, ["insurance_short"]), (12, []), (0, ["insurance_short"])])
def test_insured_months_boundary(tmp_path, insured, reasons):
    hires, certs = [hire(P(1), D(2021, 3, 15), insured=insured)], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert line(out, P(1))["reasons"] == reasons
    assert_oracle(out, hires, certs, [], "employer", EMP_A)


def test_cap_reached_mid_list_with_ties(tmp_path):
    """cap 3000 = three payments, oldest first, ties on hire_date broken by smaller person_id (the
    whole ID: here its order differs from that of the masked IDs' last 4 characters and from the
    row order); a hire failing another rule takes no share of the cap."""
    targets = targets_with_cap(tmp_path, 3000)
    a, b, c, e = (
        resident_id(30, D(1980, 1, 1)),
        resident_id(10, D(1985, 1, 1)),
        resident_id(20, D(1990, 1, 1)),
        resident_id(40, D(1995, 1, 1)),
    )
    f, g = P(50), P(5)
    assert a < b < c < e and a[-4:] > c[-4:] > b[-4:]
    hires = [
        hire(f, D(2021, 1, 10)),
        hire(e, D(2021, 2, 1)),
        hire(c, D(2021, 2, 1)),
        hire(b, D(2021, 2, 1), insured=3),  # fails rule 5: no share of the cap
        hire(a, D(2021, 2, 1)),
        hire(g, D(2021, 3, 1)),
    ]
    certs = [cert(x) for x in (a, b, c, e, f, g)]
    out = report(ledger(tmp_path, hires, certs), EMP_A, targets=targets)
    assert [(h["person"], h["reasons"], h["amount"]) for h in out["hires"]] == [
        (mask(f), [], 1000),
        (mask(a), [], 1000),
        (mask(b), ["insurance_short"], 0),
        (mask(c), [], 1000),
        (mask(e), ["cap_reached"], 0),
        (mask(g), ["cap_reached"], 0),
    ]
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (
        3,
        3,
        3000,
        3000,
    )
    assert_oracle(out, hires, certs, [], "employer", EMP_A, policy=Policy(1000, 3000, 12, 12))


def test_cap_is_per_employer(tmp_path):
    targets = targets_with_cap(tmp_path, 1000)
    hires = [hire(P(1), D(2021, 1, 4)), hire(P(2), D(2021, 1, 5)), hire(P(3), D(2021, 1, 5), EMP_B)]
    certs = [cert(P(i)) for i in (1, 2, 3)]
    data = ledger(tmp_path, hires, certs)
    assert [h["reasons"] for h in report(data, EMP_A, targets=targets)["hires"]] == [[], ["cap_reached"]]
    assert [h["reasons"] for h in report(data, EMP_B, targets=targets)["hires"]] == [[]]


def test_hires_listed_oldest_first_ties_by_person_id(tmp_path):
    hires = [
        hire(P(9), D(2021, 5, 1)),
        hire(P(3), D(2021, 5, 1)),
        hire(P(7), D(2021, 4, 1)),
        hire(P(1), D(2021, 6, 1)),
    ]
    certs = [cert(P(i)) for i in (9, 3, 7, 1)]
    out = report(ledger(tmp_path, hires, certs), EMP_A)
    assert [h["person"] for h in out["hires"]] == [mask(P(7)), mask(P(3)), mask(P(9)), mask(P(1))]


# ---------------------------------------------------------------- payouts


def test_payouts_already_paid_and_amount_due_limited_by_cap(tmp_path):
    """cap 3000; P1 paid 1000, and 1500 paid earlier for a person not in this ledger: already_paid
    2500; P2 and P3 are eligible and unpaid (2000), but only cap − already_paid = 500 is due."""
    targets = targets_with_cap(tmp_path, 3000)
    hires = [hire(P(i), D(2021, 1, i)) for i in (1, 2, 3)]
    certs = [cert(P(i)) for i in (1, 2, 3)]
    payouts = [
        Payout(EMP_A, "employer", P(1), 1000),
        Payout(EMP_A, "employer", P(99), 1500),
        Payout(EMP_A, "agency", P(2), 300),  # another kind: not counted
        Payout(EMP_B, "employer", P(3), 1000),
    ]  # another payee: not counted
    out = report(ledger(tmp_path, hires, certs, payouts), EMP_A, targets=targets)
    assert [h["paid"] for h in out["hires"]] == [True, False, False]
    assert (out["amount_eligible"], out["already_paid"], out["amount_due"]) == (3000, 2500, 500)
    assert_oracle(out, hires, certs, payouts, "employer", EMP_A, policy=Policy(1000, 3000, 12, 12))


def test_payouts_all_paid_nothing_due(tmp_path):
    hires = [hire(P(i), D(2021, 1, i)) for i in (1, 2)]
    certs = [cert(P(i)) for i in (1, 2)]
    payouts = [Payout(EMP_A, "employer", P(1), 1000), Payout(EMP_A, "employer", P(2), 1000)]
    out = report(ledger(tmp_path, hires, certs, payouts), EMP_A)
    assert [h["paid"] for h in out["hires"]] == [True, True]
    assert (out["amount_eligible"], out["already_paid"], out["amount_due"]) == (2000, 2000, 0)


def test_paid_flag_on_ineligible_hire(tmp_path):
    """paid says the person has a payout from the payee, whatever the hire's eligibility."""
    hires = [hire(P(1), D(2023, 1, 2))]  # too_recent
    certs = [cert(P(1))]
    payouts = [Payout(EMP_A, "employer", P(1), 1000)]
    out = report(ledger(tmp_path, hires, certs, payouts), EMP_A)
    h = line(out, P(1))
    assert (h["eligible"], h["paid"], out["already_paid"], out["amount_due"]) == (False, True, 1000, 0)
    assert_oracle(out, hires, certs, payouts, "employer", EMP_A)


def test_amount_due_never_below_zero(tmp_path):
    targets = targets_with_cap(tmp_path, 2000)
    hires = [hire(P(1), D(2021, 1, 4))]
    certs = [cert(P(1))]
    payouts = [Payout(EMP_A, "employer", P(98), 1500), Payout(EMP_A, "employer", P(99), 1500)]
    out = report(ledger(tmp_path, hires, certs, payouts), EMP_A, targets=targets)
    assert (out["amount_eligible"], out["already_paid"], out["amount_due"]) == (1000, 3000, 0)
    assert_oracle(out, hires, certs, payouts, "employer", EMP_A, policy=Policy(1000, 2000, 12, 12))


# ---------------------------------------------------------------- one person, two employers


def test_person_hired_by_two_employers_earliest_passing_wins(tmp_path):
    hires = [hire(P(1), D(2020, 3, 1), EMP_B, sep=D(2021, 4, 1)), hire(P(1), D(2021, 5, 1), EMP_A)]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    assert line(report(data, EMP_B), P(1))["eligible"] is True
    assert line(report(data, EMP_A), P(1))["reasons"] == ["already_subsidized"]


def test_person_hired_by_two_employers_same_day_smaller_employer_id_wins(tmp_path):
    small_id, large_id = sorted([EMP_A, EMP_B])
    hires = [hire(P(1), D(2021, 5, 1), large_id), hire(P(1), D(2021, 5, 1), small_id)]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    assert line(report(data, small_id), P(1))["reasons"] == []
    assert line(report(data, large_id), P(1))["reasons"] == ["already_subsidized"]
    for emp in (small_id, large_id):
        assert_oracle(report(data, emp), hires, certs, [], "employer", emp)


def test_cap_reached_hire_still_blocks_later_hire(tmp_path):
    """Rule 6 looks at rules 1-5 only: a hire that passed them but fell beyond its employer's cap
    still counts as the earlier hire (SPEC §4 rule 6, read literally)."""
    targets = targets_with_cap(tmp_path, 1000)
    hires = [
        hire(P(1), D(2020, 3, 1), EMP_B),
        hire(P(2), D(2020, 4, 1), EMP_B, sep=D(2021, 5, 1)),
        hire(P(2), D(2021, 6, 1), EMP_A),
    ]
    certs = [cert(P(1)), cert(P(2))]
    data = ledger(tmp_path, hires, certs)
    assert line(report(data, EMP_B, targets=targets), P(2))["reasons"] == ["cap_reached"]
    out = report(data, EMP_A, targets=targets)
    assert line(out, P(2))["reasons"] == ["already_subsidized"]
    assert_oracle(out, hires, certs, [], "employer", EMP_A, policy=Policy(1000, 1000, 12, 12))


# ---------------------------------------------------------------- --year


def test_year_with_cap_used_up_in_earlier_year(tmp_path):
    targets = targets_with_cap(tmp_path, 2000)
    hires = [hire(P(1), D(2020, 6, 1)), hire(P(2), D(2020, 9, 1)), hire(P(3), D(2021, 2, 1))]
    certs = [cert(P(i)) for i in (1, 2, 3)]
    data = ledger(tmp_path, hires, certs)
    policy = Policy(1000, 2000, 12, 12)
    out = report(data, EMP_A, year=2021, targets=targets)
    assert [(h["person"], h["reasons"]) for h in out["hires"]] == [(mask(P(3)), ["cap_reached"])]
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (0, 1, 0, 0)
    assert_oracle(out, hires, certs, [], "employer", EMP_A, policy=policy, year=2021)
    out = report(data, EMP_A, year=2020, targets=targets)
    assert (out["eligible"], out["amount_eligible"], out["amount_due"]) == (2, 2000, 2000)
    assert_oracle(out, hires, certs, [], "employer", EMP_A, policy=policy, year=2020)


def test_year_rule6_looks_at_earlier_years(tmp_path):
    hires = [
        hire(P(1), D(2020, 3, 1), EMP_B, sep=D(2021, 4, 1)),
        hire(P(1), D(2021, 5, 1), EMP_A),
        hire(P(2), D(2021, 6, 1), EMP_A),
    ]
    certs = [cert(P(1)), cert(P(2))]
    out = report(ledger(tmp_path, hires, certs), EMP_A, year=2021)
    assert [h["reasons"] for h in out["hires"]] == [["already_subsidized"], []]
    assert_oracle(out, hires, certs, [], "employer", EMP_A, year=2021)


def test_year_amount_due_counts_listed_hires_only(tmp_path):
    targets = targets_with_cap(tmp_path, 5000)
    hires = [hire(P(1), D(2020, 6, 1)), hire(P(2), D(2021, 2, 1)), hire(P(3), D(2021, 3, 1))]
    certs = [cert(P(i)) for i in (1, 2, 3)]
    payouts = [Payout(EMP_A, "employer", P(2), 1000)]
    out = report(ledger(tmp_path, hires, certs, payouts), EMP_A, year=2021, targets=targets)
    assert [h["paid"] for h in out["hires"]] == [True, False]
    assert (out["amount_eligible"], out["already_paid"], out["amount_due"]) == (2000, 1000, 1000)
    assert_oracle(out, hires, certs, payouts, "employer", EMP_A, policy=Policy(1000, 5000, 12, 12), year=2021)


def test_year_without_hires_in_that_year(tmp_path):
    hires, certs = [hire(P(1), D(2020, 6, 1))], [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), EMP_A, year=2022)
    assert out["hires"] == []
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (0, 0, 0, 0)


# ---------------------------------------------------------------- agency


def test_agency_eligible_and_month_end_boundary(tmp_path):
    """2022-08-31 + 6 months = 2023-02-28."""
    hires = [hire(P(1), D(2022, 8, 31), agency=AGENCY, insured=6)]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    out = report(data, AGENCY, "agency", as_of=D(2023, 2, 28))
    assert out["payee"]["name"] == NAMES[AGENCY]
    h = line(out, P(1))
    assert (h["eligible"], h["reasons"], h["amount"]) == (True, [], 300)
    assert (out["rate"], out["cap"], out["amount_eligible"], out["amount_due"]) == (300, None, 300, 300)
    assert_oracle(out, hires, certs, [], "agency", AGENCY, as_of=D(2023, 2, 28))
    out = report(data, AGENCY, "agency", as_of=D(2023, 2, 27))
    assert line(out, P(1))["reasons"] == ["too_recent"]


@pytest.mark.parametrize(
    "case, in_province, day, sep, insured, with_cert, reasons",
    [
        ("outside Henan", False, D(2022, 1, 10), None, 12, True, ["out_of_province"]),
        ("no certificate", True, D(2022, 1, 10), None, 12, False, ["no_certificate"]),
        ("certificate the day after", True, D(2022, 1, 10), None, 12, D(2022, 1, 11), ["no_certificate"]),
        ("certificate on the hire date", True, D(2022, 1, 10), None, 12, D(2022, 1, 10), []),
        ("hired 5 months ago", True, D(2023, 1, 31), None, 12, True, ["too_recent"]),
        ("left the day before 6 months", True, D(2022, 1, 10), D(2022, 7, 9), 12, True, ["left_early"]),
        ("left exactly at 6 months", True, D(2022, 1, 10), D(2022, 7, 10), 12, True, []),
        ("5 months insured", True, D(2022, 1, 10), None, 5, True, ["insurance_short"]),
        ("6 months insured", True, D(2022, 1, 10), None, 6, True, []),
        (
            "everything wrong",
            False,
            D(2023, 6, 1),
            D(2023, 6, 2),
            0,
            False,
            ["out_of_province", "no_certificate", "too_recent", "left_early", "insurance_short"],
        ),
    ],
)
def test_agency_rules(tmp_path, case, in_province, day, sep, insured, with_cert, reasons):
    hires = [hire(P(1), day, EMP_BIG, sep, insured, agency=AGENCY, in_province=in_province)]
    certs = (
        [cert(P(1), with_cert if isinstance(with_cert, D) else D(2019, 1, 1))] if with_cert else [cert(P(2))]
    )
    out = report(ledger(tmp_path, hires, certs), AGENCY, "agency")
    assert line(out, P(1))["reasons"] == reasons, case
    assert_oracle(out, hires, certs, [], "agency", AGENCY)


def test_agency_pays_large_employers_hires(tmp_path):
    """not_sme is an employer rule only."""
    hires, certs = [hire(P(1), D(2022, 1, 10), EMP_BIG, agency=AGENCY)], [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    assert line(report(data, AGENCY, "agency"), P(1))["reasons"] == []
    assert line(report(data, EMP_BIG), P(1))["reasons"] == ["not_sme"]


def test_agency_already_subsidized_once_per_person_per_agency(tmp_path):
    hires = [
        hire(P(1), D(2021, 1, 4), EMP_A, sep=D(2021, 9, 1), agency=AGENCY),
        hire(P(1), D(2022, 1, 4), EMP_B, agency=AGENCY),  # same agency again: already subsidized
        hire(P(1), D(2022, 3, 1), EMP_MICRO, agency=AGENCY_2),  # another agency: paid
    ]
    certs = [cert(P(1))]
    data = ledger(tmp_path, hires, certs)
    out = report(data, AGENCY, "agency")
    assert [h["reasons"] for h in out["hires"]] == [[], ["already_subsidized"]]
    assert (out["eligible"], out["amount_eligible"]) == (1, 300)
    assert_oracle(out, hires, certs, [], "agency", AGENCY)
    out2 = report(data, AGENCY_2, "agency")
    assert [h["reasons"] for h in out2["hires"]] == [[]]
    assert_oracle(out2, hires, certs, [], "agency", AGENCY_2)


def test_agency_same_day_tie_smaller_employer_id_wins(tmp_path):
    small_id, large_id = sorted([EMP_A, EMP_B])
    hires = [
        hire(P(1), D(2022, 1, 4), large_id, agency=AGENCY),
        hire(P(1), D(2022, 1, 4), small_id, agency=AGENCY),
    ]
    certs = [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), AGENCY, "agency")
    assert sorted(h["reasons"] for h in out["hires"]) == [[], ["already_subsidized"]]
    if all("employer_id" in h for h in out["hires"]):  # an extra field, not in SPEC §5
        assert {h["employer_id"]: h["reasons"] for h in out["hires"]} == {
            small_id: [],
            large_id: ["already_subsidized"],
        }
    assert_oracle(out, hires, certs, [], "agency", AGENCY)


def test_agency_failing_earlier_hire_does_not_block(tmp_path):
    hires = [
        hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY, in_province=False),
        hire(P(1), D(2022, 1, 4), EMP_B, agency=AGENCY),
    ]
    certs = [cert(P(1))]
    out = report(ledger(tmp_path, hires, certs), AGENCY, "agency")
    assert [h["reasons"] for h in out["hires"]] == [["out_of_province"], []]


def test_agency_no_cap_and_payouts(tmp_path):
    hires = [hire(P(i), D(2021, 1, i), agency=AGENCY) for i in range(1, 8)]
    certs = [cert(P(i)) for i in range(1, 8)]
    payouts = [
        Payout(AGENCY, "agency", P(1), 300),
        Payout(AGENCY, "agency", P(2), 300),
        Payout(AGENCY, "employer", P(3), 1000),
    ]  # wrong kind for this payee: not counted
    out = report(ledger(tmp_path, hires, certs, payouts), AGENCY, "agency")
    assert [h["paid"] for h in out["hires"]] == [True, True] + [False] * 5
    assert (out["eligible"], out["amount_eligible"], out["already_paid"], out["amount_due"]) == (
        7,
        2100,
        600,
        1500,
    )
    assert_oracle(out, hires, certs, payouts, "agency", AGENCY)


def test_agency_year(tmp_path):
    hires = [
        hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY),
        hire(P(1), D(2022, 1, 4), EMP_B, agency=AGENCY),
        hire(P(2), D(2022, 2, 4), EMP_B, agency=AGENCY),
    ]
    certs = [cert(P(1)), cert(P(2))]
    out = report(ledger(tmp_path, hires, certs), AGENCY, "agency", year=2022)
    assert [h["reasons"] for h in out["hires"]] == [["already_subsidized"], []]
    assert (out["eligible"], out["ineligible"], out["amount_eligible"], out["amount_due"]) == (1, 1, 300, 300)
    assert_oracle(out, hires, certs, [], "agency", AGENCY, year=2022)


def test_hire_without_agency_is_not_an_agency_hire(tmp_path):
    hires = [hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY), hire(P(2), D(2021, 1, 5), EMP_A)]
    certs = [cert(P(1)), cert(P(2))]
    out = report(ledger(tmp_path, hires, certs), AGENCY, "agency")
    assert [h["person"] for h in out["hires"]] == [mask(P(1))]


# ---------------------------------------------------------------- payee lookup


def lookup_ledger(tmp_path):
    hires = [hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY), hire(P(2), D(2021, 1, 5), EMP_B)]
    return ledger(tmp_path, hires, [cert(P(1)), cert(P(2))])


def test_employer_by_exact_name(tmp_path):
    out = report(lookup_ledger(tmp_path), EMP_A, query=NAMES[EMP_A])
    assert [h["person"] for h in out["hires"]] == [mask(P(1))]


def test_employer_by_credit_code(tmp_path):
    out = report(lookup_ledger(tmp_path), EMP_B, query=EMP_B)
    assert [h["person"] for h in out["hires"]] == [mask(P(2))]


def test_agency_by_exact_name_and_code(tmp_path):
    data = lookup_ledger(tmp_path)
    assert report(data, AGENCY, "agency", query=NAMES[AGENCY])["hires"][0]["person"] == mask(P(1))
    assert report(data, AGENCY, "agency", query=AGENCY)["hires"][0]["person"] == mask(P(1))


def test_unknown_employer_lists_close_matches(tmp_path):
    result = subsidy(lookup_ledger(tmp_path), ["--employer", "中牟县好运食品公司"])
    assert result.exit_code == 2
    message = result.stderr + result.stdout
    assert NAMES[EMP_A] in message or EMP_A in message
    assert "Traceback" not in message


def test_unknown_employer_credit_code(tmp_path):
    """A valid credit code that is not in the ledger: exit 2, no traceback."""
    result = subsidy(lookup_ledger(tmp_path), ["--employer", credit_code(999)])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr + result.stdout


def test_agency_name_is_not_an_employer(tmp_path):
    result = subsidy(lookup_ledger(tmp_path), ["--employer", NAMES[AGENCY]])
    assert result.exit_code == 2


def test_ambiguous_employer_name_lists_both(tmp_path):
    twin = credit_code(105)
    hires = [
        hire(P(1), D(2021, 1, 4), EMP_A),
        Hire(P(2), twin, NAMES[EMP_A], "small", D(2021, 1, 5), None, 24),
    ]
    result = subsidy(ledger(tmp_path, hires, [cert(P(1)), cert(P(2))]), ["--employer", NAMES[EMP_A]])
    assert result.exit_code == 2
    message = result.stderr + result.stdout
    assert EMP_A in message and twin in message


# An employer renamed over time is found by any exact name its hires carry (README, decisions).


def test_employer_by_exact_name_after_a_rename_is_found(tmp_path):
    """The same credit code under an earlier name (the employer was renamed): that name is exact and
    unambiguous, so it is not "an unknown X" (SPEC §4: `--employer X` takes a USCC or an exact name)."""
    hires = [
        Hire(P(1), EMP_A, "中牟县旧名食品厂", "small", D(2020, 1, 6), None, 24),
        hire(P(2), D(2022, 1, 5)),
    ]
    result = subsidy(ledger(tmp_path, hires, [cert(P(1)), cert(P(2))]), ["--employer", "中牟县旧名食品厂"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["payee"]["id"] == EMP_A


def test_employer_name_shared_through_a_rename_is_ambiguous(tmp_path):
    """EMP_B's current name is EMP_A's earlier name: that exact name belongs to two credit codes, so it
    is ambiguous and the error lists both (SPEC §4) rather than silently choosing one."""
    hires = [
        Hire(P(1), EMP_A, NAMES[EMP_B], "small", D(2020, 1, 6), None, 24),
        hire(P(2), D(2022, 1, 5)),
        hire(P(3), D(2021, 1, 5), EMP_B),
    ]
    result = subsidy(ledger(tmp_path, hires, [cert(P(i)) for i in (1, 2, 3)]), ["--employer", NAMES[EMP_B]])
    assert result.exit_code == 2, result.stdout[:200]
    assert EMP_A in result.stderr and EMP_B in result.stderr


def test_only_accepted_certificates_count(tmp_path):
    """A certificate row that is a duplicate (same cert_no) or rejected (impossible date) makes nobody
    a holder (SPEC §4: "an accepted certificate")."""
    hires = [hire(P(1), D(2021, 1, 6)), hire(P(2), D(2021, 1, 5)), hire(P(3), D(2021, 1, 7))]
    certs = [Certificate("C1", P(1), D(2019, 1, 1)), Certificate("C1", P(2), D(2019, 1, 1))]
    data = ledger(tmp_path, hires, certs)
    with open(data / "certificates.csv", "a", encoding="utf-8") as f:
        f.write(f"C9,{P(3)},4,2019-02-30\n")
    out = report(data, EMP_A)
    assert [(h["person"], h["reasons"]) for h in out["hires"]] == [
        (mask(P(2)), ["no_certificate"]),
        (mask(P(1)), []),
        (mask(P(3)), ["no_certificate"]),
    ]


@pytest.mark.parametrize(
    "size, reasons",
    [
        ("小型", []),
        ("中型", []),
        ("微型", []),
        ("大型", ["not_sme"]),
        ("Small", []),
        ("MICRO", []),
        ("Large", ["not_sme"]),
    ],
)
def test_size_labels(tmp_path, size, reasons):
    hires = [Hire(P(1), EMP_A, NAMES[EMP_A], size, D(2021, 1, 6), None, 24)]
    out = report(ledger(tmp_path, hires, [cert(P(1))]), EMP_A)
    assert line(out, P(1))["reasons"] == reasons


@pytest.mark.parametrize(
    "value, reasons",
    [
        ("是", []),
        ("否", ["out_of_province"]),
        ("Y", []),
        ("n", ["out_of_province"]),
        ("true", []),
        ("FALSE", ["out_of_province"]),
        ("1", []),
        ("0", ["out_of_province"]),
    ],
)
def test_in_province_values(tmp_path, value, reasons):
    hires = [hire(P(1), D(2022, 1, 10), agency=AGENCY)]
    data = ledger(tmp_path, hires, [cert(P(1))])
    rows = (data / "hires.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].endswith(",是")
    (data / "hires.csv").write_text("\n".join([rows[0], rows[1][:-1] + value]) + "\n", encoding="utf-8")
    out = report(data, AGENCY, "agency")
    assert line(out, P(1))["reasons"] == reasons


# ---------------------------------------------------------------- every payee


def test_overview_matches_per_payee_reports(tmp_path):
    targets = targets_with_cap(tmp_path, 2000)
    hires = [
        hire(P(1), D(2021, 1, 4), EMP_A, agency=AGENCY),
        hire(P(2), D(2021, 1, 5), EMP_A),
        hire(P(3), D(2021, 1, 6), EMP_A, agency=AGENCY_2),
        hire(P(4), D(2021, 2, 6), EMP_B, agency=AGENCY),
        hire(P(5), D(2021, 2, 6), EMP_BIG),
    ]
    certs = [cert(P(i)) for i in range(1, 6)]
    payouts = [Payout(EMP_A, "employer", P(1), 1000), Payout(AGENCY, "agency", P(4), 300)]
    data = ledger(tmp_path, hires, certs, payouts)
    result = subsidy(data, [], targets=targets)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    policies = {"employer": Policy(1000, 2000, 12, 12), "agency": AGENCY_POLICY}
    seen = set()
    for row in out["payees"]:
        kind, payee = row["payee"]["kind"], row["payee"]["id"]
        seen.add((kind, payee))
        expected = payee_report(hires, certs, payouts, kind, payee, AS_OF, policies[kind])
        for key in ("eligible", "ineligible", "amount_eligible", "already_paid", "amount_due"):
            assert row[key] == expected[key], (kind, payee, key)
    assert {("employer", e) for e in (EMP_A, EMP_B, EMP_BIG)} | {
        ("agency", a) for a in (AGENCY, AGENCY_2)
    } <= seen
    for kind in ("employer", "agency"):
        rows = [r for r in out["payees"] if r["payee"]["kind"] == kind]
        for key in ("amount_eligible", "already_paid", "amount_due"):
            assert out["totals"][kind][key] == sum(r[key] for r in rows)
    # EMP_A: P2 (cap 2000: P3 is cap_reached; P1 paid); EMP_B: P4; EMP_BIG: nothing
    assert out["totals"]["employer"]["amount_due"] == 2000
    assert out["totals"]["agency"]["amount_due"] == 600  # P1, P3 (P4 already paid)
