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
    rank_codes,
    running_sum_in_group,
)
from jishu.fast.lazy import pc
from jishu.model import AuditReport, AuditTotals, Finding, PayeeRef, Terms
from jishu.rules.subsidy import Book, books, paid_out
from jishu.values import masked_ids, yuan

if TYPE_CHECKING:
    from jishu.load import Ledgers
    from jishu.targets import SubsidyPolicy

CODES = ("paid_no_hire", "paid_early", "paid_ineligible", "paid_twice", "over_cap", "amount_mismatch")
# The rules of §4 a paid hire must still pass (rule 3 is `paid_early`, rule 6 `paid_twice`).
KEPT_RULES = {"employer": ("not_sme", "no_certificate", "left_early", "insurance_short"),
              "agency": ("out_of_province", "no_certificate", "left_early", "insurance_short")}


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
    payee = pc.index_in(table["payee_id"], value_set=pa.array(book.payees, pa.string()))  # every payee is there
    return Payouts(table, payee.to_numpy(zero_copy_only=False).astype(np.int64), table["person_id"].to_numpy(),
                   days(table["paid_date"]), table["amount"].to_numpy())


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
        pa.table({"payee": book.code.astype(np.int64), "person": book.person,
                  "hire": np.arange(len(book.person))}), ["payee", "person"], join_type="inner")
    p, h = pairs["payout"].to_numpy(), pairs["hire"].to_numpy()
    hired_before = book.day[h] <= payouts.paid_day[p]
    p, h = p[hired_before], h[hired_before]
    pair_early = payouts.paid_day[p] < book.ev.due_date[h]
    pair_ineligible = np.any([book.ev.fails[code][h] for code in KEPT_RULES[book.kind]], axis=0) if len(h) else (
        np.zeros(0, dtype=bool))
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
    total = running_sum_in_group(payouts.payee, (payouts.paid_day.astype(np.int64), rank_codes(payouts.person)),
                                 payouts.fen)
    return total > cap * 100


def amount_mismatch(payouts: Payouts, rate: int) -> np.ndarray:
    """An amount other than the policy's rate."""
    return payouts.fen != rate * 100


# ---------------------------------------------------------------- the report


@dataclass
class KindAudit:
    findings: list[Finding]
    at_risk_fen: int  # the flagged payouts' amounts, each payout once
    flagged: dict[str, int]  # per payee: how many of its payouts are flagged


def audit_kind(ledgers: Ledgers, book: Book) -> KindAudit:
    """Every check on every payout of one kind; one finding per payout and code."""
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
    flagged = np.flatnonzero(np.any(list(found.values()), axis=0)) if len(hire) else np.zeros(0, dtype=np.int64)
    if len(flagged) == 0:
        return KindAudit([], 0, {})
    person_rank = rank_codes(payouts.person)
    flagged = flagged[order_by(payouts.payee[flagged], payouts.paid_day[flagged].astype(np.int64),
                               person_rank[flagged])]
    total = running_sum_in_group(payouts.payee, (payouts.paid_day.astype(np.int64), person_rank), payouts.fen)
    first_payer = _first_payers(payouts, book) if found["paid_twice"].any() else {}
    batch = payouts.table["batch"].take(pa.array(flagged)).to_pylist()
    masked = masked_ids(payouts.person[flagged])
    out = []
    for j, i in enumerate(flagged.tolist()):
        payee = book.payees[payouts.payee[i]]
        h = int(hire[i])
        base = {"payee": PayeeRef(id=payee, name=book.names.get(payee, "")), "kind": book.kind, "person": masked[j],
                "paid_date": payouts.paid_day[i].astype(object), "batch": batch[j], "amount": yuan(int(payouts.fen[i])),
                "hire_date": book.day[h].astype(object) if h >= 0 else None,
                "due_date": book.ev.due_date[h].astype(object) if h >= 0 else None}
        for code in CODES:
            if not found[code][i]:
                continue
            extra = {}
            if code == "paid_ineligible":
                extra["reasons"] = [r for r in KEPT_RULES[book.kind] if book.ev.fails[r][h]]
            elif code == "paid_twice":
                extra["first_payee"], extra["first_paid_date"] = first_payer[int(payouts.person[i])]
                extra["first_payee_name"] = book.names.get(extra["first_payee"], "")
            elif code == "over_cap":
                extra["paid_total"], extra["cap"] = yuan(int(total[i])), book.policy.cap
            elif code == "amount_mismatch":
                extra["rate"] = book.policy.rate
            out.append(Finding(code=code, **base, **extra))
    per_payee = np.bincount(payouts.payee[flagged], minlength=len(book.payees))
    return KindAudit(out, int(payouts.fen[flagged].sum()),
                     {book.payees[c]: int(per_payee[c]) for c in np.flatnonzero(per_payee).tolist()})


def _first_payers(payouts: Payouts, book: Book) -> dict[int, tuple[str, object]]:
    """Each person's first employer payout: (payee, paid_date)."""
    first = first_in_group(payouts.person, (payouts.paid_day.astype(np.int64), payouts.payee))
    return {int(payouts.person[i]): (book.payees[payouts.payee[i]], payouts.paid_day[i].astype(object))
            for i in np.flatnonzero(first).tolist()}


def audit_books(ledgers: Ledgers, of: dict[str, Book]) -> AuditReport:
    """The audit of every payout made by the ledgers' date, by the books of both kinds."""
    kinds = {kind: audit_kind(ledgers, book) for kind, book in of.items()}
    findings = [f for k in kinds.values() for f in k.findings]
    checked = sum(paid_out(ledgers, kind).num_rows for kind in of)
    terms = {kind: Terms(rate=b.policy.rate, cap=b.policy.cap, min_months=b.policy.min_months,
                         min_insured_months=b.policy.min_insured_months) for kind, b in of.items()}
    return AuditReport(
        as_of=ledgers.as_of, payouts=checked, terms=terms, findings=findings,
        totals=AuditTotals(by_code={code: sum(f.code == code for f in findings) for code in CODES},
                           findings=len(findings), payouts_flagged=sum(sum(k.flagged.values()) for k in kinds.values()),
                           amount_at_risk=yuan(sum(k.at_risk_fen for k in kinds.values()))),
        flagged={kind: k.flagged for kind, k in kinds.items()},
    )


def audit(ledgers: Ledgers, policy: SubsidyPolicy) -> AuditReport:
    """SPEC §4.1: the payouts the rules do not support, as of the ledgers' date."""
    return audit_books(ledgers, books(ledgers, policy))
