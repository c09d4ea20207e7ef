"""The audit of what was paid (SPEC §4.1, 审核已发放补贴): every payout made by the as-of date, checked
against the rules of §4, each finding named by its code.

A payout is matched to a hire first (`match`); then each check is one function over all payouts at
once, as the subsidy rules are: `paid_no_hire`, `paid_early`, `paid_ineligible`, `paid_twice`,
`over_cap`, `amount_mismatch`. Rule 3 is judged on the payout's date, the others with what the ledgers
say as of the audit's date (a person who left early after being paid is a finding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from jishu.fast.arrays import (
    codes_of,
    days,
    earlier_in_group,
    first_in_group,
    order_by,
    pick,
    rank_codes,
    running_sum_in_group,
)
from jishu.fast.lazy import pc
from jishu.fast.runtime import many_objects
from jishu.model import AuditReport, AuditTotals, Finding, PayeeRef, Terms
from jishu.rules.subsidy import Book, books, paid_out
from jishu.values import masked_ids, yuan

if TYPE_CHECKING:
    from jishu.load import Ledgers
    from jishu.targets import SubsidyPolicy

CODES = ("paid_no_hire", "paid_early", "paid_ineligible", "paid_twice", "over_cap", "amount_mismatch")
# The rules of §4 a paid hire must still pass (rule 3 is `paid_early`, rule 6 `paid_twice`).
KEPT_RULES = {
    "employer": ("not_sme", "no_certificate", "left_early", "insurance_short"),
    "agency": ("out_of_province", "no_certificate", "left_early", "insurance_short"),
}


@dataclass
class Payouts:
    """The payouts of one kind made by the as-of date, as arrays (one element per payout)."""

    table: pa.Table
    payee: np.ndarray  # index into the book's payees (sorted credit codes)
    person: np.ndarray  # int64
    paid_day: np.ndarray  # datetime64[D]
    fen: np.ndarray  # int64


def payouts_of(ledgers: Ledgers, book: Book) -> Payouts:
    table = paid_out(ledgers, book.kind)
    payee = pc.index_in(
        table["payee_id"], value_set=pa.array(book.payees, pa.string())
    )  # every payee is there
    return Payouts(
        table,
        payee.to_numpy(zero_copy_only=False).astype(np.int64),
        table["person_id"].to_numpy(),
        days(table["paid_date"]),
        table["amount"].to_numpy(),
    )


def match(payouts: Payouts, book: Book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hire each payout is for: of that person at that payee, hired on or before the payment,
    the one that fails the fewest of the audit's checks (paid_early, paid_ineligible); ties: the
    earliest hire (then the smaller employer_id). Returns (hire index or -1, paid early, ineligible)."""
    n = len(payouts.person)
    hire = np.full(n, -1, dtype=np.int64)
    early = np.zeros(n, dtype=bool)
    ineligible = np.zeros(n, dtype=bool)
    if n == 0 or len(book.person) == 0:
        return hire, early, ineligible
    pairs = pa.table({"payee": payouts.payee, "person": payouts.person, "payout": np.arange(n)}).join(
        pa.table(
            {"payee": book.code.astype(np.int64), "person": book.person, "hire": np.arange(len(book.person))}
        ),
        ["payee", "person"],
        join_type="inner",
    )
    p, h = pairs["payout"].to_numpy(), pairs["hire"].to_numpy()
    hired_before = book.day[h] <= payouts.paid_day[p]
    p, h = p[hired_before], h[hired_before]
    pair_early = payouts.paid_day[p] < book.ev.due_date[h]
    pair_ineligible = (
        np.any([book.ev.fails[code][h] for code in KEPT_RULES[book.kind]], axis=0)
        if len(h)
        else (np.zeros(0, dtype=bool))
    )
    failed = pair_early.astype(np.int64) + pair_ineligible
    employer = codes_of(book.ev.hires.table["employer_id"])[0][h]
    best = first_in_group(p, (failed, book.day[h].astype(np.int64), employer))
    hire[p[best]], early[p[best]], ineligible[p[best]] = h[best], pair_early[best], pair_ineligible[best]
    return hire, early, ineligible


# ---------------------------------------------------------------- the checks (SPEC §4.1)


def paid_no_hire(hire: np.ndarray) -> np.ndarray:
    """No accepted hire of that person at that payee, hired on or before the payment."""
    return hire < 0


def paid_twice(payouts: Payouts, kind: str) -> np.ndarray:
    """(Employer subsidy) The person was already paid for by another employer's payout: the earlier
    paid_date keeps it, ties: the smaller payee_id."""
    if kind != "employer":
        return np.zeros(len(payouts.person), dtype=bool)
    every = np.ones(len(payouts.person), dtype=bool)
    return earlier_in_group(payouts.person, (payouts.paid_day.astype(np.int64), payouts.payee), every)


def over_cap(payouts: Payouts, cap: int | None) -> np.ndarray:
    """The payout takes the payee's paid total past the cap (payouts in paid_date order, ties: the
    smaller person_id): the one that crosses it and every one after it."""
    if cap is None:
        return np.zeros(len(payouts.person), dtype=bool)
    total = running_sum_in_group(
        payouts.payee, (payouts.paid_day.astype(np.int64), rank_codes(payouts.person)), payouts.fen
    )
    return total > cap * 100


def amount_mismatch(payouts: Payouts, rate: int) -> np.ndarray:
    """An amount other than the policy's rate."""
    return payouts.fen != rate * 100


# ---------------------------------------------------------------- the report


@dataclass
class Examined:
    """Every check on every payout of one kind (arrays over the payouts), before any report is made."""

    book: Book
    payouts: Payouts
    hire: np.ndarray  # the hire each payout is for (-1: none)
    found: dict[str, np.ndarray]  # code → the payouts it flags, in CODES order

    @property
    def flagged(self) -> np.ndarray:
        return np.any(list(self.found.values()), axis=0) if len(self.hire) else np.zeros(0, dtype=bool)

    def per_payee(self) -> dict[str, int]:
        """How many payouts of each payee are flagged."""
        count = np.bincount(self.payouts.payee[self.flagged], minlength=len(self.book.payees))
        return {self.book.payees[c]: int(count[c]) for c in np.flatnonzero(count).tolist()}


def examine(ledgers: Ledgers, book: Book) -> Examined:
    """Every check of SPEC §4.1 on every payout of one kind made by the as-of date."""
    payouts = payouts_of(ledgers, book)
    hire, early, ineligible = match(payouts, book)
    found = {
        "paid_no_hire": paid_no_hire(hire),
        "paid_early": early,
        "paid_ineligible": ineligible,
        "paid_twice": paid_twice(payouts, book.kind),
        "over_cap": over_cap(payouts, book.policy.cap),
        "amount_mismatch": amount_mismatch(payouts, book.policy.rate),
    }
    return Examined(book, payouts, hire, found)


def findings(examined: Examined) -> list[Finding]:
    """One finding per flagged payout and code, by payee, paid date and person (codes in table order).
    Built column by column: a province's audit may find half a million."""
    book, payouts, hire, found = examined.book, examined.payouts, examined.hire, examined.found
    flagged = np.flatnonzero(examined.flagged)
    if len(flagged) == 0:
        return []
    person_rank = rank_codes(payouts.person)
    flagged = flagged[
        order_by(payouts.payee[flagged], payouts.paid_day[flagged].astype(np.int64), person_rank[flagged])
    ]
    at, which = np.nonzero(
        np.stack([found[code][flagged] for code in CODES], axis=1)
    )  # payout order, then code
    rows = flagged[at]
    has_hire = hire[rows] >= 0
    hired = np.where(has_hire, hire[rows], 0)
    payees = np.array(book.payees, dtype=object)[payouts.payee[rows]].tolist()
    no_day = [None] * len(rows)
    hire_days = (
        np.where(has_hire, book.day[hired], np.datetime64("NaT")).astype(object).tolist()
        if len(book.day)
        else no_day
    )
    due_days = (
        np.where(has_hire, book.ev.due_date[hired], np.datetime64("NaT")).astype(object).tolist()
        if len(book.day)
        else no_day
    )
    codes = [CODES[c] for c in which.tolist()]
    reasons = [
        [r for r in KEPT_RULES[book.kind] if book.ev.fails[r][h]] if c == "paid_ineligible" else []
        for c, h in zip(codes, hired.tolist())
    ]
    twice = found["paid_twice"][rows]
    first = _first_payers(payouts, book) if twice.any() else {}
    firsts = [first[p] if t else (None, None) for p, t in zip(payouts.person[rows].tolist(), twice.tolist())]
    over = found["over_cap"][rows]
    totals = running_sum_in_group(
        payouts.payee, (payouts.paid_day.astype(np.int64), person_rank), payouts.fen
    )[rows]
    columns = zip(
        payees,
        masked_ids(payouts.person[rows]),
        payouts.paid_day[rows].astype(object).tolist(),
        pick(payouts.table["batch"], rows).to_pylist(),
        [yuan(f) for f in payouts.fen[rows].tolist()],
        codes,
        reasons,
        hire_days,
        due_days,
        firsts,
        over.tolist(),
        totals.tolist(),
    )
    cap, rate, kind = book.policy.cap, book.policy.rate, book.kind
    # Every value here is jishu's own, typed by the arrays it comes from, so the findings are made without
    # validating each one again (a province's audit makes half a million), in the model's field order;
    # tests/test_audit.py validates every code's findings against the model.
    refs = {payee: PayeeRef.made(id=payee, name=book.names.get(payee, "")) for payee in set(payees)}
    made = Finding.made_from
    twice_, over_, mismatch = "paid_twice", "over_cap", "amount_mismatch"
    return [
        made(
            (
                refs[payee],  # payee
                kind,
                person,
                paid,  # paid_date
                batch,
                amount,
                code,
                why,  # reasons
                None,  # message (display: put into words when rendered)
                hire_day,  # hire_date
                due,  # due_date
                first_payee if code == twice_ else None,
                book.names.get(first_payee, "") if code == twice_ else None,  # first_payee_name
                first_day if code == twice_ else None,  # first_paid_date
                yuan(total) if crossed and code == over_ else None,  # paid_total
                cap if code == over_ else None,
                rate if code == mismatch else None,
            )
        )
        for payee, person, paid, batch, amount, code, why, hire_day, due, (
            first_payee,
            first_day,
        ), crossed, total in columns
    ]


def _first_payers(payouts: Payouts, book: Book) -> dict[int, tuple[str, object]]:
    """Each person's first employer payout: (payee, paid_date)."""
    first = first_in_group(payouts.person, (payouts.paid_day.astype(np.int64), payouts.payee))
    return {
        int(payouts.person[i]): (book.payees[payouts.payee[i]], payouts.paid_day[i].astype(object))
        for i in np.flatnonzero(first).tolist()
    }


def flags(ledgers: Ledgers, of: dict[str, Book]) -> dict[str, dict[str, int]]:
    """Per kind and payee, how many of its payouts the audit flags (for the subsidy overview)."""
    return {kind: examine(ledgers, book).per_payee() for kind, book in of.items()}


def audit_books(ledgers: Ledgers, of: dict[str, Book]) -> AuditReport:
    """The audit of every payout made by the ledgers' date, by the books of both kinds."""
    examined = {kind: examine(ledgers, book) for kind, book in of.items()}
    with many_objects():
        found = [f for e in examined.values() for f in findings(e)]
    terms = {
        kind: Terms(
            rate=b.policy.rate,
            cap=b.policy.cap,
            min_months=b.policy.min_months,
            min_insured_months=b.policy.min_insured_months,
        )
        for kind, b in of.items()
    }
    by_code = {code: int(sum(e.found[code].sum() for e in examined.values())) for code in CODES}
    flagged_fen = sum(int(e.payouts.fen[e.flagged].sum()) for e in examined.values())
    return AuditReport(
        as_of=ledgers.as_of,
        payouts=sum(len(e.hire) for e in examined.values()),
        terms=terms,
        findings=found,
        totals=AuditTotals(
            by_code=by_code,
            findings=len(found),
            payouts_flagged=sum(int(e.flagged.sum()) for e in examined.values()),
            amount_at_risk=yuan(flagged_fen),
        ),
        flagged={kind: e.per_payee() for kind, e in examined.items()},
    )


def audit(ledgers: Ledgers, policy: SubsidyPolicy) -> AuditReport:
    """SPEC §4.1: the payouts the rules do not support, as of the ledgers' date."""
    return audit_books(ledgers, books(ledgers, policy))
