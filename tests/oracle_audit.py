"""An independent reference implementation of SPEC §4.1 (audit of what was paid), for tests only.

Plain Python over simple records (the `Hire`, `Certificate`, `Payout` and `Policy` of
tests/oracle_subsidy.py): no jishu import. It is written from the SPEC text, one check at a time, so
that it can be read line by line against §4 (first paragraph: the as-of cut), §4.1 and §2 ("Value
types": amount). It also holds `amounts_due`, what `jishu subsidy` says is due (§4), per hire, which
the clerk simulation of tests/audit_strategies.py pays.

Money is Decimal yuan (as a payout's amount may have fen); `parse_amount` gives fen (int).

Interpretations taken where the SPEC leaves room (a county finance auditor's reading):

 1. The as-of cut comes first, everywhere (§4, first paragraph): hires with hire_date > as_of do not
    exist, payouts with paid_date > as_of are not yet paid (they are not audited and do not count for
    paid_twice or the cap), certificates issued after as_of are not held. A separation_date after
    as_of is taken as the ledger records it (§4 names only the three cuts above; see also 7).
 2. The candidate hires of a payout are the hires of that person at that payee (employer kind:
    employer_id = payee_id; agency kind: agency_id = payee_id) with hire_date <= paid_date. A payout
    with no candidate is `paid_no_hire`, also when the person was hired there only after the payout
    was made (money paid before the hire began has no hire to support it).
 3. "Fails the fewest of these checks" counts the hire-dependent codes of the §4.1 table that the
    hire would give the payout: `paid_early` (0 or 1) + `paid_ineligible` (0 or 1). A hire failing
    rules 2 and 5 (one code) therefore ties with a hire paid too early (one code). paid_no_hire,
    paid_twice, over_cap and amount_mismatch do not depend on the hire, so they do not change the
    choice. Ties: the earliest hire (hire_date), then the smaller employer_id (the only field that can
    still differ: one person hired the same day by two employers via one agency; rule 6's tie-break).
    Consequence: a re-hire at the same payee paid early may be matched to the earlier stint when that
    stint passes rule 3 on paid_date but fails rule 1, 2, 4 or 5; the finding is then
    `paid_ineligible` with that stint's reasons, not `paid_early` (test_rehire_tie_goes_to_earlier_stint).
 4. `paid_early`: paid_date < hire_date + min_months of the payout's kind, for both kinds (employer:
    12 months, agency: 6 months). Rule 3 judged on paid_date.
 5. `paid_ineligible`: the matched hire fails rule 1, 2, 4 or 5 of the payout's kind; its reasons are
    the §4 reason codes of the failed rules, in rule order: employer `not_sme`, `no_certificate`,
    `left_early`, `insurance_short`; agency `out_of_province`, `no_certificate`, `left_early`,
    `insurance_short`. Rule 6 is not a hire check of the audit: between payouts it is `paid_twice`
    (employer) or impossible (agency: the payouts key payee_id + kind + person_id allows one payout
    per person per agency). An earlier hire elsewhere that passed 1-5 but was never paid is no finding
    (no money went out twice).
 6. reasons: only `paid_ineligible` lists reasons; every other code has reasons [].
 7. Rules 1, 2, 4, 5 are taken "with what the ledgers say as of the audit's as-of": the hire row as it
    stands (size, separation_date, insured_months, in_province); certificates issued <= hire_date
    (hence <= as_of). A person who left early after being paid is a finding.
 8. paid_no_hire payouts still are payouts: money went out. They can also be `paid_twice`, `over_cap`
    and `amount_mismatch` (each is judged on the payouts alone), never `paid_early` or
    `paid_ineligible` (no hire to judge).
 9. `paid_twice` (employer kind only): the employer payouts of one person (paid_date <= as_of, every
    one, whatever its other findings, also 0 yuan) in (paid_date, payee_id) order; the first keeps it,
    every later one is `paid_twice`. The payouts key makes their payees distinct.
10. `over_cap`: per payee and kind with a cap (the employer kind; the agency kind has none), its
    payouts (every one, as paid, whatever their other findings and amounts) in (paid_date, person_id)
    order; the running total "crosses the cap" at the first payout after which it is > cap (reaching
    the cap exactly is not crossing); that payout and every later one are flagged, even 0-yuan ones.
11. `amount_mismatch`: amount != the kind's rate, compared as decimals (1000.00 == 1000).
12. One finding per payout and code, codes in the order of the §4.1 table. Findings are ordered by
    (kind, payee_id, paid_date, person_id, code order): the SPEC fixes no order, so comparisons with
    jishu should sort both sides (`finding_key`).
13. totals: by_code has every one of the six codes (0 included), in table order; findings = number of
    findings; amount_at_risk = the sum of the amounts of the payouts with at least one finding, each
    counted once (Decimal yuan).
14. Amount spelling (§2): after the §2 cell clean-up (trim incl. full-width space, NFKC, so `１，０００`
    is `1,000`), ASCII digits only; either plain digits (leading zeros allowed: "digits") or a first
    group of 1-3 digits followed by `,ddd` groups; an optional `.d` or `.dd`; an optional `元` at the
    very end. Rejected: `10,00`, `1,5`, `300,`, `3,,00`, `1000.` (a point without digits), `.5`,
    `1,0000`, `1000.505`, signs, `¥`/`￥`, a space inside (`1000 元`), `元` alone, `1E3`, `1000元整`,
    empty. Result: fen (int), or None when rejected.
15. `amounts_due` (§4, used by the clerk simulation): per payee, the eligible hires whose person has no
    payout of that kind from that payee yet (paid_date <= as_of), oldest first (ties: smaller
    person_id), each at its full `rate`, as long as the running sum stays <= cap - already_paid (a
    clerk pays a person's subsidy whole or not at all).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal

from oracle_subsidy import (
    AGENCY_POLICY,
    EMPLOYER_POLICY,
    Certificate,
    Hire,
    Payout,
    Policy,
    add_months,
    cut_as_of,
    evaluate,
    held_certificate,
    mask,
    payee_of,
)

KINDS = ("employer", "agency")
CODES = ("paid_no_hire", "paid_early", "paid_ineligible", "paid_twice", "over_cap", "amount_mismatch")
POLICIES: dict[str, Policy] = {"employer": EMPLOYER_POLICY, "agency": AGENCY_POLICY}


# ---------------------------------------------------------------- §2 amount


_AMOUNT = re.compile(
    r"""
    (?: [0-9]+                      # plain digits: 1000
      | [0-9]{1,3} (?: ,[0-9]{3} )+ # true groups of three: 1,000  12,345
    )
    (?: \.[0-9]{1,2} )?             # an optional decimal part of at most 2 digits
    元?                             # an optional trailing 元
    """,
    re.VERBOSE,
)


def clean_cell(text: str) -> str:
    """§2 "Cell values": trim spaces (incl. full-width space), NFKC-normalise."""
    return unicodedata.normalize("NFKC", text).strip(" ")  # NFKC turns U+3000 into " "


def parse_amount(text: str) -> int | None:
    """§2 amount (yuan) → fen, or None when the spelling is rejected [`amount_invalid`]."""
    value = clean_cell(text)
    if not _AMOUNT.fullmatch(value):
        return None
    number = value.removesuffix("元").replace(",", "")
    whole, _, decimals = number.partition(".")
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


# ---------------------------------------------------------------- §4 rules, for one hire and a payout


def due_date(h: Hire, policy: Policy) -> dt.date:
    return add_months(h.hire_date, policy.min_months)


def hire_checks(
    h: Hire, kind: str, certs_held: list[Certificate], paid_date: dt.date, policy: Policy
) -> dict[str, list[str]]:
    """The hire-dependent codes of §4.1 that this hire gives a payout of `kind` paid on paid_date:
    {"paid_early": [...], "paid_ineligible": [reasons]}, only the codes it fails."""
    failed: dict[str, list[str]] = {}
    # Rule 3, judged on paid_date: paid_date >= hire_date + min_months.
    if paid_date < due_date(h, policy):
        failed["paid_early"] = []
    # Rules 1, 2, 4, 5, with what the ledgers say as of the audit's as-of.
    reasons = []
    if kind == "employer":
        if h.employer_size not in policy.sizes:  # rule 1
            reasons.append("not_sme")
    else:
        if policy.in_province_only and h.in_province is not True:  # agency rule 1
            reasons.append("out_of_province")
    if not held_certificate(certs_held, h.person, h.hire_date):  # rule 2
        reasons.append("no_certificate")
    if not (h.separation_date is None or h.separation_date >= due_date(h, policy)):  # rule 4
        reasons.append("left_early")
    if not h.insured_months >= policy.min_insured_months:  # rule 5
        reasons.append("insurance_short")
    if reasons:
        failed["paid_ineligible"] = reasons
    return failed


def candidate_hires(p: Payout, hires: list[Hire]) -> list[Hire]:
    """Hires of that person at that payee with hire_date <= paid_date, earliest first (ties: smaller
    employer_id)."""
    return sorted(
        (
            h
            for h in hires
            if h.person == p.person and payee_of(h, p.kind) == p.payee_id and h.hire_date <= p.paid_date
        ),
        key=lambda h: (h.hire_date, h.employer_id),
    )


def match_hire(
    p: Payout, hires: list[Hire], certs_held: list[Certificate], policy: Policy
) -> tuple[Hire | None, dict[str, list[str]]]:
    """The hire a payout is for: the candidate that fails the fewest checks (ties: the earliest)."""
    best: tuple[Hire | None, dict[str, list[str]]] = (None, {})
    for h in candidate_hires(p, hires):  # earliest first, so `<` keeps the earliest of equals
        failed = hire_checks(h, p.kind, certs_held, p.paid_date, policy)
        if best[0] is None or len(failed) < len(best[1]):
            best = (h, failed)
    return best


# ---------------------------------------------------------------- §4.1 audit


def _policy(policies: Mapping[str, Policy] | None, kind: str) -> Policy:
    return (policies or POLICIES)[kind]


def audit(
    hires: Iterable[Hire],
    certificates: Iterable[Certificate],
    payouts: Iterable[Payout],
    policy: Mapping[str, Policy] | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """SPEC §4.1: every payout with paid_date <= as_of checked against the rules.
    `policy` maps kind → Policy (default: POLICIES). Returns {"as_of", "findings", "totals"}."""
    assert as_of is not None
    hires, certs, paid = cut_as_of(list(hires), list(certificates), list(payouts), as_of)
    keys = [(p.payee_id, p.kind, p.person) for p in paid]
    assert len(keys) == len(set(keys)), "payouts must be accepted rows: key payee_id + kind + person_id"

    codes: dict[int, dict[str, list[str]]] = {i: {} for i in range(len(paid))}

    # paid_no_hire, paid_early, paid_ineligible: the payout against the hire it is for.
    for i, p in enumerate(paid):
        pol = _policy(policy, p.kind)
        h, failed = match_hire(p, hires, certs, pol)
        if h is None:
            codes[i]["paid_no_hire"] = []
        else:
            codes[i].update(failed)

    # paid_twice (employer kind): per person, the earliest paid_date keeps it (ties: smaller payee_id).
    by_person: dict[str, list[int]] = {}
    for i, p in enumerate(paid):
        if p.kind == "employer":
            by_person.setdefault(p.person, []).append(i)
    for indices in by_person.values():
        indices.sort(key=lambda i: (paid[i].paid_date, paid[i].payee_id))
        for i in indices[1:]:
            codes[i]["paid_twice"] = []

    # over_cap: per payee and kind, payouts in paid_date order (ties: smaller person_id); the one that
    # takes the running total past the cap, and every one after it.
    by_payee: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(paid):
        by_payee.setdefault((p.kind, p.payee_id), []).append(i)
    for (kind, _payee), indices in by_payee.items():
        cap = _policy(policy, kind).cap
        if cap is None:
            continue
        indices.sort(key=lambda i: (paid[i].paid_date, paid[i].person))
        total, crossed = Decimal(0), False
        for i in indices:
            total += Decimal(paid[i].amount)
            crossed = crossed or total > cap
            if crossed:
                codes[i]["over_cap"] = []

    # amount_mismatch: an amount other than the policy's rate.
    for i, p in enumerate(paid):
        if Decimal(p.amount) != Decimal(_policy(policy, p.kind).rate):
            codes[i]["amount_mismatch"] = []

    findings = []
    for i, p in enumerate(paid):
        for code in CODES:
            if code in codes[i]:
                findings.append(
                    {
                        "payee_id": p.payee_id,
                        "kind": p.kind,
                        "person_id": p.person,
                        "paid_date": p.paid_date,
                        "batch": p.batch,
                        "amount": Decimal(p.amount),
                        "code": code,
                        "reasons": list(codes[i][code]),
                    }
                )
    findings.sort(key=finding_key)
    flagged = [p for i, p in enumerate(paid) if codes[i]]
    return {
        "as_of": as_of,
        "findings": findings,
        "totals": {
            "by_code": {code: sum(1 for f in findings if f["code"] == code) for code in CODES},
            "findings": len(findings),
            "amount_at_risk": sum((Decimal(p.amount) for p in flagged), Decimal(0)),
        },
    }


def finding_key(f: dict) -> tuple:
    return (f["kind"], f["payee_id"], str(f["paid_date"]), f["person_id"], CODES.index(f["code"]))


def finding_json(f: dict) -> dict:
    """An oracle finding in the shape of SPEC §5 `audit --format json` (the compared fields): payee id,
    person masked, dates ISO. Payee name and message are jishu's own and not compared."""
    return {
        "payee": {"id": f["payee_id"]},
        "kind": f["kind"],
        "person": mask(f["person_id"]),
        "paid_date": f["paid_date"].isoformat(),
        "batch": f["batch"],
        "amount": f["amount"],
        "code": f["code"],
        "reasons": f["reasons"],
    }


# ---------------------------------------------------------------- §4: what is due, hire by hire


def amounts_due(
    hires: Iterable[Hire],
    certificates: Iterable[Certificate],
    payouts: Iterable[Payout],
    policy: Mapping[str, Policy] | None = None,
    as_of: dt.date | None = None,
) -> list[tuple[str, str, str, int]]:
    """What `jishu subsidy --as-of as_of` says is due, as (payee_id, kind, person_id, amount) lines:
    per payee, eligible hires whose person has no payout from the payee yet, oldest first, limited to
    cap - already_paid (whole `rate`s only). All three ledgers are cut at as_of."""
    assert as_of is not None
    hires, certs, paid = cut_as_of(list(hires), list(certificates), list(payouts), as_of)
    out = []
    for kind in KINDS:
        pol = _policy(policy, kind)
        results = evaluate(hires, certs, kind, as_of, pol)
        for payee in sorted({payee_of(h, kind) for h in results}):
            mine = [p for p in paid if p.kind == kind and p.payee_id == payee]
            paid_persons = {p.person for p in mine}
            room = None if pol.cap is None else pol.cap - sum((Decimal(p.amount) for p in mine), Decimal(0))
            total = 0
            for h in sorted(
                (h for h in results if payee_of(h, kind) == payee), key=lambda h: (h.hire_date, h.person)
            ):
                r = results[h]
                if not r.eligible or h.person in paid_persons:
                    continue
                if room is not None and total + r.amount > room:
                    break
                total += r.amount
                paid_persons.add(h.person)  # one line per person (rule 6 already ensures it)
                out.append((payee, kind, h.person, r.amount))
    return out
