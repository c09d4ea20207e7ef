"""Employer (吸纳就业补助) and agency (职业介绍补贴) subsidies, hire by hire (SPEC §4).

The rules first, each a function a reader can check against §4: `employer_rules` and `agency_rules`
(rules 1-5, every failure named by its reason code), `already_subsidized` (rule 6) and `apply_cap`.
`evaluate` applies them to every hire of one kind at once; `Book` adds what was paid and answers
per payee; the report functions at the end build the models.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from jishu.fast.arrays import (
    codes_of,
    days,
    earlier_in_group,
    is_given,
    order_by,
    pick,
    rank_codes,
    running_count_in_group,
)
from jishu.fast.lazy import pc
from jishu.model import (
    HireLine,
    KindTotals,
    LiabilityMonth,
    Payee,
    PayeeReport,
    PayeeSummary,
    PayoutLine,
    SubsidyOverview,
)
from jishu.rules.holders import held_at
from jishu.values import add_months, masked_ids, yuan

if TYPE_CHECKING:
    from jishu.load import Ledgers, Needs
    from jishu.targets import AgencyPolicy, EmployerPolicy, SubsidyPolicy

KINDS = ("employer", "agency")
# The reason codes in rule order (SPEC §4), for each kind.
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


@dataclass
class Hires:
    """The hires one kind of subsidy looks at, as arrays (one element per hire)."""

    table: pa.Table
    person: np.ndarray  # int64 (first 17 digits of the ID)
    hire_date: np.ndarray  # datetime64[D]
    separation: np.ndarray  # datetime64[D], NaT when the person has not left
    insured_months: np.ndarray
    held: np.ndarray  # the person held a certificate on the hire date (rules/holders.py)


def hires_of(ledgers: Ledgers, kind: str) -> Hires:
    """The hires as of the ledgers' date (SPEC §4: a hire after as-of does not exist yet); for the
    agency subsidy, those with an agency."""
    table = ledgers["hires"]
    exists = days(table["hire_date"]) <= np.datetime64(ledgers.as_of, "D")
    if kind == "agency":
        exists &= is_given(table["agency_id"])
    if not exists.all():
        table = table.filter(pa.array(exists))
    person = table["person_id"].to_numpy()
    hire_date = days(table["hire_date"])
    separation = days(table["separation_date"]) if table.num_rows else np.zeros(0, "datetime64[D]")
    return Hires(
        table,
        person,
        hire_date,
        separation,
        table["insured_months"].to_numpy(),
        held_at(ledgers, person, hire_date),
    )


# ---------------------------------------------------------------- the rules (SPEC §4)


def employer_rules(hires: Hires, policy: EmployerPolicy, as_of: dt.date) -> dict[str, np.ndarray]:
    """Employer subsidy rules 1-5: for each reason code, the hires that fail that rule."""
    due = add_months(hires.hire_date, policy.min_months)
    sizes = pa.array(list(policy.sizes), pa.string())
    sme = pc.fill_null(pc.is_in(hires.table["employer_size"], value_set=sizes), False).to_numpy(
        zero_copy_only=False
    )
    return {
        "not_sme": ~sme,  # 1. a medium, small or micro enterprise (中小微企业)
        "no_certificate": ~hires.held,  # 2. held a certificate at hire
        "too_recent": np.datetime64(as_of, "D") < due,  # 3. as-of ≥ hire_date + 12 months
        "left_early": ~np.isnat(hires.separation) & (hires.separation < due),  # 4. stayed 12 months
        "insurance_short": hires.insured_months < policy.min_insured_months,  # 5. insured ≥ 12 months
    }


def agency_rules(hires: Hires, policy: AgencyPolicy, as_of: dt.date) -> dict[str, np.ndarray]:
    """Agency subsidy rules 1-5: for each reason code, the hires that fail that rule."""
    due = add_months(hires.hire_date, policy.min_months)
    in_province = pc.fill_null(hires.table["in_province"], False).to_numpy(zero_copy_only=False)
    return {
        "out_of_province": ~in_province if policy.in_province_only else np.zeros(len(due), dtype=bool),  # 1.
        "no_certificate": ~hires.held,  # 2.
        "too_recent": np.datetime64(as_of, "D") < due,  # 3. as-of ≥ hire_date + 6 months
        "left_early": ~np.isnat(hires.separation) & (hires.separation < due),  # 4.
        "insurance_short": hires.insured_months < policy.min_insured_months,  # 5. insured ≥ 6 months
    }


def already_subsidized(
    passes_1_5: np.ndarray, one_subsidy_per: np.ndarray, hire_day: np.ndarray, employer: np.ndarray
) -> np.ndarray:
    """Rule 6: the hire has an earlier hire in its group (earlier hire_date, ties: smaller employer_id)
    that passes rules 1-5. Employer subsidy: one per person, at any employer; agency subsidy: one per
    person per agency."""
    return earlier_in_group(one_subsidy_per, (hire_day, employer), passes_1_5)


def apply_cap(
    passes_1_6: np.ndarray,
    payee: np.ndarray,
    hire_day: np.ndarray,
    person: np.ndarray,
    rate: int,
    cap: int | None,
) -> np.ndarray:
    """The cap: hires that pass rules 1-6 are paid `rate` each, oldest first (ties: smaller
    person_id), until the payee's total reaches `cap`; the hires beyond it are `cap_reached`
    (a hire whose full rate would take the total past the cap is not paid in part)."""
    if cap is None:
        return np.zeros(len(passes_1_6), dtype=bool)
    paid_so_far = running_count_in_group(payee, (hire_day, person), passes_1_6) * rate
    return passes_1_6 & (paid_so_far > cap)


def cap_left(cap: int | None, paid_fen: int) -> int | None:
    """What is left of a payee's cap after what it was paid (fen; None: no cap)."""
    return None if cap is None else max(cap * 100 - paid_fen, 0)


@dataclass
class Evaluation:
    """The rules applied to every hire of one kind."""

    kind: str
    hires: Hires
    payee_code: np.ndarray  # per hire: index into payee_ids
    payee_ids: np.ndarray  # the payees' credit codes, sorted
    fails: dict[str, np.ndarray]  # reason code → the hires failing that rule, in rule order
    eligible: np.ndarray
    amount: np.ndarray  # fen
    due_date: np.ndarray  # datetime64[D]: the day the hire has lasted min_months

    def reasons(self, i: int) -> list[str]:
        return [code for code, failed in self.fails.items() if failed[i]]


def evaluate(
    ledgers: Ledgers,
    policy: EmployerPolicy | AgencyPolicy,
    kind: str,
    as_of: dt.date,
    ignore_recent: bool = False,
) -> Evaluation:
    """Every rule for every hire of one kind (SPEC §4). `ignore_recent`: as if every hire had lasted
    (rule 3 left out), for the upcoming liability."""
    hires = hires_of(ledgers, kind)
    fails = (employer_rules if kind == "employer" else agency_rules)(hires, policy, as_of)
    if ignore_recent:
        fails["too_recent"] = np.zeros(len(hires.person), dtype=bool)
    passes_1_5 = ~np.any(list(fails.values()), axis=0) if len(hires.person) else np.ones(0, dtype=bool)
    employer, _ = codes_of(hires.table["employer_id"])
    payee, payee_ids = (employer, _) if kind == "employer" else codes_of(hires.table["agency_id"])
    person = rank_codes(hires.person)  # persons by rank (ordered like their IDs): small sort keys
    day = hires.hire_date.astype(np.int64)
    one_per = person if kind == "employer" else payee * (int(person.max(initial=0)) + 1) + person
    fails["already_subsidized"] = already_subsidized(passes_1_5, one_per, day, employer)
    passes_1_6 = passes_1_5 & ~fails["already_subsidized"]
    fails["cap_reached"] = apply_cap(passes_1_6, payee, day, person, policy.rate, policy.cap)
    eligible = passes_1_6 & ~fails["cap_reached"]
    amount = np.where(eligible, policy.rate * 100, 0).astype(np.int64)
    return Evaluation(
        kind, hires, payee, payee_ids, fails, eligible, amount, add_months(hires.hire_date, policy.min_months)
    )


def paid_out(ledgers: Ledgers, kind: str) -> pa.Table:
    """The payouts of one kind as of the ledgers' date (SPEC §4: a payout dated after as-of has not
    been paid yet)."""
    payouts = ledgers["payouts"]
    of_kind = pc.fill_null(pc.equal(payouts["kind"], kind), False).to_numpy(zero_copy_only=False)
    made = days(payouts["paid_date"]) <= np.datetime64(ledgers.as_of, "D")
    return payouts.filter(pa.array(of_kind & made))


def needs() -> Needs:
    from jishu.load import Needs

    return Needs(problems=False)


# ---------------------------------------------------------------- per payee


def policy_of(policy: SubsidyPolicy, kind: str) -> EmployerPolicy | AgencyPolicy:
    return policy.employer if kind == "employer" else policy.agency


class PayeeNotFound(Exception):
    """An --employer or --agency that names no payee, or several (SPEC §4: an error listing close matches)."""

    def __init__(self, query: str, kind: str, matches: list[tuple[str, str]], ambiguous: bool):
        super().__init__(query)
        self.query, self.kind, self.matches, self.ambiguous = query, kind, matches, ambiguous


class Book:
    """One kind of subsidy as of the ledgers' date: the evaluation, what was paid, per-payee indices."""

    def __init__(self, ledgers: Ledgers, policy: SubsidyPolicy, kind: str):
        self.kind = kind
        self.as_of = ledgers.as_of
        self.policy = policy_of(policy, kind)
        self.ev = evaluate(ledgers, self.policy, kind, self.as_of)
        hires = self.ev.hires.table
        self.id_column = "employer_id" if kind == "employer" else "agency_id"
        self.name_column = "employer_name" if kind == "employer" else "agency_name"
        self.person = self.ev.hires.person
        self.day = self.ev.hires.hire_date
        payouts = paid_out(ledgers, kind)
        paid = payouts.group_by("payee_id").aggregate([("amount", "sum")])
        self.paid_fen = dict(zip(paid["payee_id"].to_pylist(), paid["amount_sum"].to_pylist()))
        # Every payee (with hires, or only with payouts), sorted; each hire's index into them.
        self.payees = sorted(set(self.ev.payee_ids.tolist()) | set(self.paid_fen))
        position = np.searchsorted(np.array(self.payees, dtype=object), self.ev.payee_ids)
        self.code = position[self.ev.payee_code] if len(position) else self.ev.payee_code
        # Whether the hire's person already has a payout of this kind from this payee.
        self.paid = np.zeros(hires.num_rows, dtype=bool)
        if hires.num_rows and payouts.num_rows:
            rows = pa.table(
                {
                    "payee_id": hires[self.id_column],
                    "person_id": hires["person_id"],
                    "row": pa.array(np.arange(hires.num_rows)),
                }
            )
            pairs = (
                payouts.select(["payee_id", "person_id"]).group_by(["payee_id", "person_id"]).aggregate([])
            )
            self.paid[
                rows.join(pairs, ["payee_id", "person_id"], join_type="left semi")["row"].to_numpy()
            ] = True
        self.names = self._latest_names()
        self._ledgers = ledgers

    @cached_property
    def future(self) -> Evaluation:
        """The rules as if every hire had lasted (see `upcoming`), for the liability."""
        return upcoming(self._ledgers, self.policy, self.kind)

    def _latest_names(self) -> dict[str, str]:
        """Each payee's name as on its most recent hire that gives one."""
        names = self.ev.hires.table[self.name_column]
        given = np.flatnonzero(is_given(names))
        if len(given) == 0:
            return {}
        order = given[order_by(self.code[given], self.day[given].astype(np.int64))]
        last = np.r_[self.code[order][1:] != self.code[order][:-1], True]
        rows = order[last]
        values = pick(names, rows).to_pylist()
        return {self.payees[c]: v for c, v in zip(self.code[rows].tolist(), values)}

    def in_year(self, year: int | None) -> np.ndarray:
        if year is None:
            return np.ones(len(self.day), dtype=bool)
        return self.day.astype("datetime64[Y]").astype(np.int64) + 1970 == year

    def listed(self, payee: str | None, year: int | None) -> np.ndarray:
        """Hire indices in listing order: by payee, oldest first, ties by smaller person_id."""
        mask = self.in_year(year)
        if payee is not None:
            mask &= self.code == (self.payees.index(payee) if payee in self.payees else -1)
        rows = np.flatnonzero(mask)
        return rows[np.lexsort((self.person[rows], self.day[rows].astype(np.int64), self.code[rows]))]

    def summaries(self, year: int | None, only: str | None = None) -> list[PayeeSummary]:
        """Per payee: eligible, already paid and due, over its hires in `year` (all years if None)."""
        k = len(self.payees)
        mask = self.in_year(year)
        code = self.code[mask]
        listed = np.bincount(code, minlength=k)
        eligible = np.bincount(code, weights=self.ev.eligible[mask], minlength=k).astype(np.int64)
        eligible_fen = np.bincount(code, weights=self.ev.amount[mask], minlength=k).astype(np.int64)
        unpaid = mask & ~self.paid
        unpaid_fen = np.bincount(self.code[unpaid], weights=self.ev.amount[unpaid], minlength=k).astype(
            np.int64
        )
        cap = self.policy.cap
        out = []
        if only is not None and only not in self.payees:  # nothing of it exists yet as of that date
            listed = eligible = eligible_fen = unpaid_fen = np.zeros(1, dtype=np.int64)
            payees, rows = [only], [0]
        else:
            payees, rows = self.payees, [self.payees.index(only)] if only else range(k)
        for i in rows:
            payee = payees[i]
            paid_fen = int(self.paid_fen.get(payee, 0))
            left = cap_left(cap, paid_fen)
            due_fen = int(unpaid_fen[i]) if left is None else min(int(unpaid_fen[i]), left)
            out.append(
                PayeeSummary(
                    payee=Payee(id=payee, name=self.names.get(payee, ""), kind=self.kind),
                    as_of=self.as_of,
                    year=year,
                    rate=self.policy.rate,
                    cap=cap,
                    min_months=self.policy.min_months,
                    min_insured_months=self.policy.min_insured_months,
                    hires_listed=int(listed[i]),
                    eligible=int(eligible[i]),
                    ineligible=int(listed[i] - eligible[i]),
                    amount_eligible=yuan(int(eligible_fen[i])),
                    already_paid=yuan(paid_fen),
                    amount_due=yuan(due_fen),
                    cap_remaining=None if left is None else yuan(left),
                )
            )
        return out

    def lines(self, idx: np.ndarray) -> list[HireLine]:
        if len(idx) == 0:
            return []
        t = pick(self.ev.hires.table, idx)
        cols = {
            c: t[c].to_pylist() for c in ("name", "hire_date", "employer_id", "employer_name", "agency_id")
        }
        masked = masked_ids(self.person[idx])
        return [
            HireLine(
                person=masked[j],
                name=cols["name"][j],
                hire_date=cols["hire_date"][j],
                employer_id=cols["employer_id"][j],
                employer_name=cols["employer_name"][j],
                agency_id=cols["agency_id"][j],
                due_date=self.ev.due_date[i].astype(dt.date),
                eligible=bool(self.ev.eligible[i]),
                reasons=self.ev.reasons(i),
                amount=yuan(int(self.ev.amount[i])),
                paid=bool(self.paid[i]),
            )
            for j, i in enumerate(idx.tolist())
        ]

    def due(self, payee: str | None, year: int | None) -> list[PayoutLine]:
        """The payout list: eligible hires not yet paid, oldest first, within each payee's remaining cap."""
        idx = self.listed(payee, year)
        idx = idx[self.ev.eligible[idx] & ~self.paid[idx]]
        t = pick(self.ev.hires.table, idx)
        names, hired = t["name"].to_pylist(), t["hire_date"].to_pylist()
        out = []
        left: dict[str, int | None] = {}
        for j, i in enumerate(idx.tolist()):
            p = self.payees[self.code[i]]
            if p not in left:
                left[p] = cap_left(self.policy.cap, self.paid_fen.get(p, 0))
            fen = int(self.ev.amount[i])
            if left[p] is not None:
                if fen > left[p]:
                    continue
                left[p] -= fen
            out.append(
                PayoutLine(
                    payee_id=p,
                    payee_name=self.names.get(p, ""),
                    kind=self.kind,
                    person_id=int(self.person[i]),
                    name=names[j],
                    hire_date=hired[j],
                    amount=yuan(fen),
                )
            )
        return out

    def find(self, query: str) -> str:
        """A payee's credit code from a credit code or an exact name; else PayeeNotFound with close matches.
        Every payee of the ledgers is found, also one whose hires and payouts all come after as-of
        (its report then lists nothing yet)."""
        every = self._ledgers["hires"].filter(pa.array(is_given(self._ledgers["hires"][self.id_column])))
        known = set(self.payees) | set(every[self.id_column].unique().to_pylist())
        known |= set(
            self._ledgers["payouts"]
            .filter(pc.equal(self._ledgers["payouts"]["kind"], self.kind))["payee_id"]
            .unique()
            .to_pylist()
        )
        text = unicodedata.normalize("NFKC", query).strip()
        if text.upper() in known:
            return text.upper()
        # Any name a payee has had on its hires counts (an employer renamed is still found by its old name).
        pairs = every.select([self.id_column, self.name_column])
        pairs = pairs.group_by([self.id_column, self.name_column]).aggregate([])
        all_names = set(zip(pairs[self.id_column].to_pylist(), pairs[self.name_column].to_pylist()))
        for payee, name in sorted(all_names, key=lambda pn: pn[1] or ""):  # a name seen only after as-of
            if name and payee not in self.names:
                self.names[payee] = name
        by_name = sorted({payee for payee, name in all_names if name == text})
        if len(by_name) == 1:
            return by_name[0]
        if by_name:
            raise PayeeNotFound(
                query, self.kind, [(p, self.names.get(p, "")) for p in by_name[:5]], ambiguous=True
            )
        labels = {name: payee for payee, name in all_names if name} | {p: p for p in known}
        close = difflib.get_close_matches(text, list(labels), n=5, cutoff=0.3)
        raise PayeeNotFound(
            query, self.kind, [(labels[c], self.names.get(labels[c], "")) for c in close], ambiguous=False
        )

    def report(self, payee: str, year: int | None = None) -> PayeeReport:
        summary = self.summaries(year, only=payee)[0]
        return PayeeReport(**summary.model_dump(), hires=self.lines(self.listed(payee, year)))


def upcoming(ledgers: Ledgers, policy: EmployerPolicy | AgencyPolicy, kind: str) -> Evaluation:
    """The rules applied as if every hire had lasted (rule 3 left out), so that rule 6 and the cap
    still give one subsidy per person within the cap: what will fall due, and when."""
    return evaluate(ledgers, policy, kind, ledgers.as_of, ignore_recent=True)


def liability(book: Book, year: int | None = None) -> list[LiabilityMonth]:
    """Hires that will be eligible once they have lasted long enough, by the month they fall due."""
    future = book.future
    rows = (future.due_date > np.datetime64(book.as_of, "D")) & future.eligible
    if year is not None:
        rows &= future.hires.hire_date.astype("datetime64[Y]").astype(np.int64) + 1970 == year
    months, inverse = np.unique(
        future.due_date[rows].astype("datetime64[M]").astype(str), return_inverse=True
    )
    count = np.bincount(inverse, minlength=len(months))
    fen = np.bincount(inverse, weights=future.amount[rows], minlength=len(months)).astype(np.int64)
    return [
        LiabilityMonth(month=str(m), kind=book.kind, hires=int(c), amount=yuan(int(f)))
        for m, c, f in zip(months.tolist(), count.tolist(), fen.tolist())
    ]


# ---------------------------------------------------------------- reports


def books(ledgers: Ledgers, policy: SubsidyPolicy) -> dict[str, Book]:
    return {kind: Book(ledgers, policy, kind) for kind in KINDS}


def overview(
    of: dict[str, Book], year: int | None = None, flagged: dict[str, dict[str, int]] | None = None
) -> SubsidyOverview:
    """Every employer and agency: eligible, already paid and due; totals per kind; upcoming liability;
    with `flagged` (the audit's count per kind and payee), how many of each payee's payouts the audit flags."""
    payees: list[PayeeSummary] = []
    totals: dict[str, KindTotals] = {}
    months: list[LiabilityMonth] = []
    as_of = next(iter(of.values())).as_of
    for kind, book in of.items():
        rows = book.summaries(year)
        if flagged is not None:
            for row in rows:
                row.audit_flags = flagged.get(kind, {}).get(row.payee.id, 0)
        payees += rows
        totals[kind] = KindTotals(
            payees=len(rows),
            eligible=sum(p.eligible for p in rows),
            amount_eligible=yuan(sum(round(p.amount_eligible * 100) for p in rows)),
            already_paid=yuan(sum(round(p.already_paid * 100) for p in rows)),
            amount_due=yuan(sum(round(p.amount_due * 100) for p in rows)),
        )
        months += liability(book, year)
    months.sort(key=lambda m: (m.month, m.kind))
    return SubsidyOverview(as_of=as_of, year=year, payees=payees, totals=totals, liability=months)


def subsidy(ledgers: Ledgers, policy: SubsidyPolicy, year: int | None = None) -> SubsidyOverview:
    """The overview of both subsidies as of the ledgers' date (SPEC §4), with the audit's flags per payee."""
    from jishu.rules.audit import flags

    of = books(ledgers, policy)
    return overview(of, year, flags(ledgers, of))


def payee_report(
    ledgers: Ledgers, policy: SubsidyPolicy, query: str, kind: str = "employer", year: int | None = None
) -> PayeeReport:
    """One employer's or agency's hires with every reason (raises PayeeNotFound)."""
    book = Book(ledgers, policy, kind)
    return book.report(book.find(query), year)
