"""The audit of paid subsidies (SPEC §4.1) and the as-of cut of SPEC §4, on ledgers written in code:
one case per finding code, ties, the cap crossed, payouts and hires after as-of, re-hires."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

import jishu
from jishu.rules.audit import CODES, audit
from jishu.rules.subsidy import Book
from tests.conftest import TARGETS, credit_code, resident_id

TARGETS_ = jishu.load_targets(TARGETS)
POLICY = TARGETS_.subsidy
A, B, C, D_ = (resident_id(seq=i) for i in (1, 2, 3, 4))
E1, E2, E3 = (credit_code(f"91410122MA44{c * 4}0") for c in "ABC")
AG = credit_code("91410122MA44GGGG0")
CERTIFIED = "2020-01-01"


def hire(person, employer, day, **more) -> dict:
    return {
        "person_id": person,
        "employer_id": employer,
        "employer_name": f"单位{employer[-4:]}",
        "employer_size": "小型",
        "hire_date": day,
        "separation_date": "",
        "insured_months": 24,
    } | more


def paid(payee, person, day, amount="1000", kind="employer", batch="B1") -> dict:
    return {
        "payee_id": payee,
        "kind": kind,
        "person_id": person,
        "amount": amount,
        "paid_date": day,
        "batch": batch,
    }


def ledgers(as_of, hires, payouts, certified=(A, B, C, D_)):
    certificates = [
        {"cert_no": f"Z{i}", "person_id": p, "level": "", "issue_date": CERTIFIED}
        for i, p in enumerate(certified)
    ]
    return jishu.ledgers_from_rows(
        as_of, trainings=[], certificates=certificates, hires=hires, payouts=payouts
    )


def findings(as_of, hires, payouts, policy=POLICY, **kw) -> list[tuple[str, str, str]]:
    report = audit(ledgers(as_of, hires, payouts, **kw), policy)
    return [(f.code, f.payee.id, f.person[-4:]) for f in report.findings]


def test_a_payout_the_rules_support_is_no_finding():
    assert findings("2023-12-31", [hire(A, E1, "2022-01-10")], [paid(E1, A, "2023-01-10")]) == []


def test_paid_no_hire():
    assert findings("2023-12-31", [hire(A, E1, "2022-01-10")], [paid(E2, A, "2023-02-01")]) == [
        ("paid_no_hire", E2, A[-4:])
    ]


def test_a_hire_after_the_payment_does_not_support_it():
    """The payout is for a hire on or before its date: a later hire at that payee is no basis."""
    assert findings("2023-12-31", [hire(A, E1, "2023-03-01")], [paid(E1, A, "2023-02-01")]) == [
        ("paid_no_hire", E1, A[-4:])
    ]


def test_paid_early_is_judged_on_the_paid_date():
    """Rule 3 on the paid date: 2022-01-10 + 12 months = 2023-01-10; a day before is early."""
    assert findings("2023-12-31", [hire(A, E1, "2022-01-10")], [paid(E1, A, "2023-01-09")]) == [
        ("paid_early", E1, A[-4:])
    ]
    assert findings("2023-12-31", [hire(A, E1, "2022-01-10")], [paid(E1, A, "2023-01-10")]) == []


def test_paid_ineligible_lists_the_rules_failed():
    report = audit(
        ledgers(
            "2023-12-31",
            [hire(A, E1, "2022-01-10", employer_size="大型", insured_months=3)],
            [paid(E1, A, "2023-02-01")],
            certified=(),
        ),
        POLICY,
    )
    (f,) = report.findings
    assert f.code == "paid_ineligible" and f.reasons == ["not_sme", "no_certificate", "insurance_short"]


def test_leaving_early_after_being_paid_is_a_finding():
    """The others rules with what the ledgers say as of the audit: the money may have to be recovered."""
    person = hire(A, E1, "2022-01-10", separation_date="2022-12-01")
    assert findings("2023-12-31", [person], [paid(E1, A, "2023-01-10")]) == [("paid_ineligible", E1, A[-4:])]


def test_paid_twice_keeps_the_earlier_payout_and_breaks_ties_by_payee():
    hires = [hire(A, E1, "2021-01-10", separation_date="2022-06-01"), hire(A, E2, "2022-07-01")]
    later = findings("2023-12-31", hires, [paid(E1, A, "2022-02-01"), paid(E2, A, "2023-08-01")])
    assert later == [("paid_twice", E2, A[-4:])]
    same_day = findings("2023-12-31", hires, [paid(E2, A, "2023-08-01"), paid(E1, A, "2023-08-01")])
    assert same_day == [("paid_twice", E2, A[-4:])]  # E1 < E2: E1 keeps it


def test_paid_twice_is_for_the_employer_subsidy_only():
    hires = [
        hire(A, E1, "2022-01-10", agency_id=AG, agency_name="中介", in_province="是"),
        hire(A, E2, "2022-01-20", agency_id=AG, agency_name="中介", in_province="是"),
    ]
    pay = [paid(E1, A, "2023-02-01"), paid(AG, A, "2023-02-01", amount="300", kind="agency")]
    assert findings("2023-12-31", hires, pay) == []


def test_over_cap_flags_the_crossing_payout_and_every_one_after(tmp_path):
    policy = POLICY.model_copy(update={"employer": POLICY.employer.model_copy(update={"cap": 2000})})
    hires = [hire(p, E1, "2022-01-10") for p in (A, B, C)]
    pay = [paid(E1, B, "2023-02-01"), paid(E1, A, "2023-02-01"), paid(E1, C, "2023-03-01")]
    found = findings("2023-12-31", hires, pay, policy=policy)
    assert found == [("over_cap", E1, C[-4:])]
    pay = [paid(E1, B, "2023-02-01"), paid(E1, A, "2023-02-01", amount="1500"), paid(E1, C, "2023-03-01")]
    found = findings("2023-12-31", hires, pay, policy=policy)
    # Same day: the smaller person_id first (A < B). A: 1,500; B: 2,500 crosses; C after it.
    assert sorted(found) == sorted(
        [("amount_mismatch", E1, A[-4:]), ("over_cap", E1, B[-4:]), ("over_cap", E1, C[-4:])]
    )


def test_amount_mismatch_and_the_amount_at_risk_counts_each_payout_once():
    report = audit(
        ledgers("2023-12-31", [hire(A, E1, "2022-01-10")], [paid(E1, A, "2022-12-01", amount="100")]), POLICY
    )
    assert [f.code for f in report.findings] == ["paid_early", "amount_mismatch"]
    assert report.totals.findings == 2 and report.totals.payouts_flagged == 1
    assert report.totals.amount_at_risk == 100
    assert report.totals.by_code == dict.fromkeys(CODES, 0) | {"paid_early": 1, "amount_mismatch": 1}


def test_a_rehire_at_the_same_employer_supports_the_payout():
    """Two hires of the person at the payee: the one failing the fewest checks (the second, which lasted)."""
    hires = [
        hire(A, E1, "2021-01-10", separation_date="2021-03-01", insured_months=2),
        hire(A, E1, "2022-01-10"),
    ]
    assert findings("2023-12-31", hires, [paid(E1, A, "2023-02-01")]) == []
    report = audit(ledgers("2023-12-31", hires, [paid(E1, A, "2022-06-01")]), POLICY)
    # Both hires fail one check for that payout (the first is ineligible, the second too recent): the earliest.
    (f,) = report.findings
    assert (f.code, f.hire_date) == ("paid_ineligible", dt.date(2021, 1, 10))


def test_payouts_and_hires_after_as_of_do_not_exist_yet():
    hires = [hire(A, E1, "2022-01-10"), hire(B, E1, "2023-05-01")]
    pay = [paid(E1, A, "2023-01-10"), paid(E1, B, "2023-04-01")]
    assert findings("2023-03-31", hires, pay) == []  # B's payout is after as-of: not audited yet
    assert findings("2023-12-31", hires, pay) == [("paid_no_hire", E1, B[-4:])]
    book = Book(ledgers("2023-03-31", hires, pay), POLICY, "employer")
    (summary,) = book.summaries(None)
    assert summary.hires_listed == 1 and summary.already_paid == 1000  # B's hire and payout: later


def test_a_payout_after_as_of_is_not_paid_yet():
    hires = [hire(A, E1, "2022-01-10")]
    book = Book(ledgers("2023-03-31", hires, [paid(E1, A, "2023-04-20")]), POLICY, "employer")
    (summary,) = book.summaries(None)
    assert (summary.already_paid, summary.amount_due) == (0, 1000)
    assert book.report(E1).hires[0].paid is False


def test_a_certificate_after_as_of_is_not_held():
    cert_later = [{"cert_no": "Z9", "person_id": A, "level": "", "issue_date": "2023-06-01"}]
    books = jishu.ledgers_from_rows(
        "2023-03-31", trainings=[], certificates=cert_later, hires=[hire(A, E1, "2023-06-01")], payouts=[]
    )
    assert Book(books, POLICY, "employer").summaries(None) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_finding_is_put_into_words(lang):
    from jishu.i18n import Words
    from jishu.render import render

    hires = [hire(A, E1, "2021-01-10", separation_date="2022-06-01"), hire(A, E2, "2022-07-01")]
    report = audit(
        ledgers(
            "2023-12-31",
            hires,
            [paid(E1, A, "2022-02-01"), paid(E2, A, "2023-06-01", "900"), paid(E3, B, "2023-01-01")],
        ),
        POLICY,
    )
    assert {f.code for f in report.findings} == {
        "paid_twice",
        "paid_early",
        "amount_mismatch",
        "paid_no_hire",
    }
    for fmt in ("table", "markdown", "csv", "json"):
        text = render(report, fmt, Words(lang))
        assert "None" not in text and A not in text


def test_already_paid_never_goes_down_from_month_end_to_month_end(tmp_path):
    """SPEC §4: a run as of a past date answers what was true that day, so what was paid only grows."""
    import os
    import shutil

    from tests.conftest import ROOT

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    os.environ["JISHU_CACHE"] = str(tmp_path / "cache")
    try:
        totals = []
        for year in (2022, 2023):
            for month in range(1, 13):
                end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
                overview = jishu.subsidy(jishu.load_ledgers(data, as_of=end), TARGETS_)
                totals.append(tuple(overview.totals[k].already_paid for k in ("employer", "agency")))
    finally:
        del os.environ["JISHU_CACHE"]
    assert all(a <= b for earlier, later in itertools.pairwise(totals) for a, b in zip(earlier, later))
    assert totals[11] == (0, 0) and totals[-1][0] > 2_000_000  # nothing paid before 2023's first batch


def test_findings_of_every_code_hold_up_as_the_model_says():
    """The audit constructs its findings without validating each (a province's audit makes half a
    million); here every code's findings are validated against the model, field by field."""
    from jishu.model import Finding

    hires = [
        hire(A, E1, "2022-01-10"),
        hire(B, E1, "2022-01-10", employer_size="大型"),
        hire(C, E2, "2022-01-10"),
        hire(C, E1, "2022-01-10"),
    ]
    payouts = [
        paid(E1, A, "2022-03-01"),  # paid_early
        paid(E1, B, "2022-08-01"),  # paid_ineligible (not an SME)
        paid(E2, C, "2022-08-01"),
        paid(E1, C, "2022-09-01", amount="100"),  # paid_twice, amount_mismatch
        paid(E3, D_, "2022-08-01"),  # paid_no_hire
    ]
    report = audit(ledgers("2023-12-31", hires, payouts), POLICY)
    assert {f.code for f in report.findings} >= {
        "paid_early",
        "paid_ineligible",
        "paid_twice",
        "amount_mismatch",
        "paid_no_hire",
    }
    for f in report.findings:
        again = Finding.model_validate(f.model_dump())
        assert again == f
        assert all(type(getattr(again, k)) is type(getattr(f, k)) for k in Finding.model_fields), f
