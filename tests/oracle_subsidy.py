"""An independent reference implementation of SPEC §4 (subsidy rules), for tests only.

Plain Python over simple records: no jishu import, no numpy. It is written from the SPEC text, one
rule at a time and as literally as possible, so that it can be checked by reading it against §4.
It also builds valid identifiers (resident IDs per GB 11643-1999, credit codes per GB 32100-2015)
and turns records into ledger rows (header + rows) for `conftest.write_csv`.

Interpretations taken where §4 leaves room (each is stated in the test report):
- cap: hires that pass rules 1-6 are paid `rate` each, oldest first, as long as the employer's total
  stays within `cap`; a hire whose full `rate` would take the total past `cap` is `cap_reached`
  (no partial payments: "paid `rate` each"). The tests only use caps that are multiples of `rate`,
  where "until the total reaches cap" means exactly this.
- agency rule 6 ("one payment per person per agency, earliest hire wins"): like employer rule 6,
  the hire loses when an earlier hire of the person via the same agency (earlier hire_date, ties:
  smaller employer_id) passes agency rules 1-5.
- the as-of cut (§4 first paragraph), made explicit by `cut_as_of`: a hire with hire_date > as_of does
  not exist (not listed, not seen by rule 6 or the cap), a payout with paid_date > as_of has not been
  paid (not in already_paid, its hire is not `paid`), a certificate issued after as_of is not held.
  The SPEC names these three cuts only: a separation_date after as_of is taken as the ledger records it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

EMPLOYER_REASONS = (
    "not_sme",
    "no_certificate",
    "too_recent",
    "left_early",
    "insurance_short",
    "already_subsidized",
    "cap_reached",
)
AGENCY_REASONS = (
    "out_of_province",
    "no_certificate",
    "too_recent",
    "left_early",
    "insurance_short",
    "already_subsidized",
    "cap_reached",
)

# ---------------------------------------------------------------- identifiers

_RIC_CHECK = "10X98765432"


def ric_check_char(first17: str) -> str:
    """GB 11643-1999: weights 2^(17-i) mod 11, check = "10X98765432"[sum mod 11]."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return _RIC_CHECK[total % 11]


def resident_id(seq: int, birth: dt.date = dt.date(1990, 1, 1), region: str = "410122") -> str:
    """A valid 18-character resident ID; its last 4 characters are unique for seq in 0..999."""
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + ric_check_char(first17)


def mask(person_id: str) -> str:
    return person_id[:6] + "*" * 8 + person_id[-4:]


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total) % 31]


def credit_code(seq: int, prefix: str = "91410122MA") -> str:
    """A valid 18-character USCC: prefix + 7 digits + check character."""
    first17 = f"{prefix}{seq:07d}"[:17]
    assert len(first17) == 17
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Hire:
    person: str
    employer_id: str
    employer_name: str
    employer_size: str  # large / medium / small / micro
    hire_date: dt.date
    separation_date: dt.date | None = None
    insured_months: int = 12
    agency_id: str | None = None
    agency_name: str | None = None
    in_province: bool | None = None
    name: str = ""


@dataclass(frozen=True)
class Certificate:
    cert_no: str
    person: str
    issue_date: dt.date
    level: str = "4"


@dataclass(frozen=True)
class Payout:
    payee_id: str
    kind: str  # employer / agency
    person: str
    amount: int | Decimal  # decimal yuan
    paid_date: dt.date = dt.date(2023, 1, 15)
    batch: str = ""


@dataclass(frozen=True)
class Policy:
    rate: int
    cap: int | None
    min_months: int
    min_insured_months: int
    sizes: tuple[str, ...] = ("medium", "small", "micro")
    in_province_only: bool = True


EMPLOYER_POLICY = Policy(rate=1000, cap=2_000_000, min_months=12, min_insured_months=12)
AGENCY_POLICY = Policy(rate=300, cap=None, min_months=6, min_insured_months=6)


@dataclass
class Result:
    eligible: bool
    reasons: list[str]
    amount: int


# ---------------------------------------------------------------- calendar


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the day is clipped to the target month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def held_certificate(certs: list[Certificate], person: str, day: dt.date) -> bool:
    return any(c.person == person and c.issue_date <= day for c in certs)


def cut_as_of(hires=(), certs=(), payouts=(), as_of: dt.date | None = None):
    """SPEC §4, first paragraph: the ledgers as they stood on as_of.
    A hire with hire_date after as_of does not exist yet; a payout with paid_date after as_of has not
    been paid yet; a certificate issued after as_of is not held."""
    return (
        [h for h in hires if h.hire_date <= as_of],
        [c for c in certs if c.issue_date <= as_of],
        [p for p in payouts if p.paid_date <= as_of],
    )


# ---------------------------------------------------------------- rules


def _rules_1_to_5(h: Hire, kind: str, certs: list[Certificate], as_of: dt.date, policy: Policy) -> list[str]:
    due = add_months(h.hire_date, policy.min_months)
    failed = []
    if kind == "employer":
        if h.employer_size not in policy.sizes:
            failed.append("not_sme")
    else:
        if policy.in_province_only and h.in_province is not True:
            failed.append("out_of_province")
    if not held_certificate(certs, h.person, h.hire_date):
        failed.append("no_certificate")
    if not as_of >= due:
        failed.append("too_recent")
    if not (h.separation_date is None or h.separation_date >= due):
        failed.append("left_early")
    if not h.insured_months >= policy.min_insured_months:
        failed.append("insurance_short")
    return failed


def payee_of(h: Hire, kind: str) -> str | None:
    return h.employer_id if kind == "employer" else h.agency_id


def evaluate(
    hires: list[Hire], certs: list[Certificate], kind: str, as_of: dt.date, policy: Policy
) -> dict[Hire, Result]:
    """Every hire of this kind (agency: hires with an agency) that exists on as_of → eligible, reasons,
    amount. Hires after as_of are cut first, so they are neither listed nor seen by rule 6 or the cap."""
    hires, certs, _ = cut_as_of(hires, certs, (), as_of)
    hires = [h for h in hires if payee_of(h, kind)]
    base = {h: _rules_1_to_5(h, kind, certs, as_of, policy) for h in hires}
    reasons: dict[Hire, list[str]] = {}
    for h in hires:
        r = list(base[h])
        # Rule 6: an earlier hire (earlier hire_date, ties: smaller employer_id) of the same person,
        # at any employer (employer kind) or via the same agency (agency kind), that passes 1-5.
        for other in hires:
            if other is h or other.person != h.person:
                continue
            if kind == "agency" and other.agency_id != h.agency_id:
                continue
            if (other.hire_date, other.employer_id) < (h.hire_date, h.employer_id) and not base[other]:
                r.append("already_subsidized")
                break
        reasons[h] = r
    # The cap, per payee: oldest first, ties smaller person_id.
    results: dict[Hire, Result] = {}
    for payee in sorted({payee_of(h, kind) for h in hires}):
        total = 0
        for h in sorted(
            (h for h in hires if payee_of(h, kind) == payee), key=lambda h: (h.hire_date, h.person)
        ):
            r = reasons[h]
            if r:
                results[h] = Result(False, r, 0)
            elif policy.cap is not None and total + policy.rate > policy.cap:
                results[h] = Result(False, ["cap_reached"], 0)
            else:
                total += policy.rate
                results[h] = Result(True, [], policy.rate)
    return results


def payee_report(
    hires: list[Hire],
    certs: list[Certificate],
    payouts: list[Payout],
    kind: str,
    payee: str,
    as_of: dt.date,
    policy: Policy,
    year: int | None = None,
) -> dict:
    """The per-payee JSON of SPEC §5 (the fields the tests compare), with hires in listing order.
    Money is int (rate, amounts) or Decimal (already_paid, amount_due: payouts may have fen)."""
    hires, certs, payouts = cut_as_of(hires, certs, payouts, as_of)  # payouts after as_of: not paid yet
    results = evaluate(hires, certs, kind, as_of, policy)
    listed = sorted(
        (h for h in results if payee_of(h, kind) == payee and (year is None or h.hire_date.year == year)),
        key=lambda h: (h.hire_date, h.person),
    )
    paid_persons = {p.person for p in payouts if p.kind == kind and p.payee_id == payee}
    already_paid = sum(
        (Decimal(p.amount) for p in payouts if p.kind == kind and p.payee_id == payee), Decimal(0)
    )
    lines = []
    for h in listed:
        res = results[h]
        lines.append(
            {
                "person": mask(h.person),
                "hire_date": h.hire_date.isoformat(),
                "employer_id": h.employer_id,
                "eligible": res.eligible,
                "reasons": res.reasons,
                "amount": res.amount,
                "paid": h.person in paid_persons,
            }
        )
    unpaid_amount = sum(results[h].amount for h in listed if h.person not in paid_persons)
    if policy.cap is None:
        due = unpaid_amount
    else:
        due = max(0, min(unpaid_amount, policy.cap - already_paid))
    eligible = sum(1 for h in listed if results[h].eligible)
    return {
        "payee": {"id": payee, "kind": kind},
        "as_of": as_of.isoformat(),
        "rate": policy.rate,
        "cap": policy.cap,
        "eligible": eligible,
        "ineligible": len(listed) - eligible,
        "amount_eligible": sum(results[h].amount for h in listed),
        "already_paid": already_paid,
        "amount_due": due,
        "hires": lines,
    }


def payees(hires: list[Hire], payouts: list[Payout], kind: str) -> list[str]:
    """Payees of a kind that have hires (the ones a per-payee lookup can find by name too)."""
    return sorted({payee_of(h, kind) for h in hires if payee_of(h, kind)})


# ---------------------------------------------------------------- ledger rows

HIRES_HEADER = [
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
]
CERTS_HEADER = ["cert_no", "person_id", "level", "issue_date"]
PAYOUTS_HEADER = ["payee_id", "kind", "person_id", "amount", "paid_date"]
TRAININGS_HEADER = ["person_id", "class_id", "end_date", "subsidized"]


def _d(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


def hire_row(h: Hire) -> list:
    in_prov = "" if h.in_province is None else ("是" if h.in_province else "否")
    return [
        h.person,
        h.name,
        h.employer_id,
        h.employer_name,
        h.employer_size,
        _d(h.hire_date),
        _d(h.separation_date),
        h.insured_months,
        h.agency_id or "",
        h.agency_name or "",
        in_prov,
    ]


def cert_row(c: Certificate) -> list:
    return [c.cert_no, c.person, c.level, _d(c.issue_date)]


def payout_row(p: Payout) -> list:
    return [p.payee_id, p.kind, p.person, p.amount, _d(p.paid_date)]
