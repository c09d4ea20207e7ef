"""Properties of the audit (SPEC §4.1) against jishu itself, on generated ledgers written as real files:

(a) a clerk who pays, at each month-end, exactly what `subsidy` says is due leaves nothing for
    `jishu audit` to find at any later date;
(b) moving one such payout earlier than its due date gives exactly one `paid_early`;
(c) on any payouts (good and bad), `jishu audit` finds what the independent oracle finds.

The strategies and the oracle (tests/audit_strategies.py, tests/oracle_audit.py) import nothing of jishu.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from audit_strategies import (
    AGENCIES,
    EMPLOYERS,
    SIM_END,
    SIM_START,
    amount_clerk,
    amount_plain,
    comparable,
    early_move_choices,
    ledgers,
    month_ends,
    move_payout,
    simulate_clerk,
    targets_with_cap,
    write_ledgers,
)
from conftest import TARGETS, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle_audit import audit as oracle_audit
from oracle_audit import finding_json
from oracle_subsidy import Payout

import jishu
from jishu.rules.subsidy import books
from jishu.values import id_strings

EXAMPLES = int(os.environ.get("JISHU_AUDIT_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def library_due_at(folder: Path, targets: Path):
    """What `subsidy` says is due as of a day: the payout list of every payee (the --export lines)."""
    policy = jishu.load_targets(targets).subsidy

    def due_at(as_of: dt.date):
        of = books(jishu.load_ledgers(folder, as_of=as_of, cache=False), policy)
        lines = [line for book in of.values() for line in book.due(None, None)]
        people = id_strings(__import__("numpy").array([line.person_id for line in lines], dtype="int64"))
        return [(line.payee_id, line.kind, person, line.amount) for line, person in zip(lines, people)]

    return due_at


def jishu_audit(folder: Path, targets: Path, as_of: dt.date) -> dict:
    import json

    result = run(
        [
            "audit",
            "--as-of",
            as_of.isoformat(),
            "--format",
            "json",
            "--no-cache",
            "--data",
            str(folder),
            "--targets",
            str(targets),
        ]
    )
    assert result.exit_code in (0, 1), result.stderr
    out = json.loads(result.stdout)
    assert (result.exit_code == 1) == bool(out["findings"])
    return out


def clerk_paid(sc: dict, folder: Path, targets: Path, spelling) -> list[Payout]:
    write_ledgers(folder, sc["hires"], sc["certs"], [])
    return simulate_clerk(
        library_due_at(folder, targets),
        month_ends(SIM_START, SIM_END),
        [],
        after_month=lambda day, paid: write_ledgers(folder, sc["hires"], sc["certs"], paid, spelling),
    )


@SETTINGS
@given(sc=ledgers(), spelling=st.sampled_from([amount_plain, amount_clerk]), later=st.integers(0, 400))
def test_paying_what_is_due_leaves_nothing_to_find(sc, spelling, later):
    with tempfile.TemporaryDirectory() as tmp:
        folder, targets = Path(tmp) / "data", targets_with_cap(TARGETS, Path(tmp) / "targets.yaml", sc["cap"])
        paid = clerk_paid(sc, folder, targets, spelling)
        out = jishu_audit(folder, targets, SIM_END + dt.timedelta(days=later))
        assert out["findings"] == [] and out["totals"]["findings"] == 0
        assert out["payouts"] == len(paid)


@SETTINGS
@given(sc=ledgers(), data=st.data())
def test_one_payout_moved_before_its_due_date_is_one_paid_early(sc, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder, targets = Path(tmp) / "data", targets_with_cap(TARGETS, Path(tmp) / "targets.yaml", sc["cap"])
        paid = clerk_paid(sc, folder, targets, amount_plain)
        choices = early_move_choices(sc["hires"], sc["certs"], paid, sc["policies"])
        if not choices:
            return
        index, lo, hi = data.draw(st.sampled_from(choices))
        day = lo + dt.timedelta(days=data.draw(st.integers(0, (hi - lo).days)))
        write_ledgers(folder, sc["hires"], sc["certs"], move_payout(paid, index, day))
        out = jishu_audit(folder, targets, SIM_END)
        assert [(f["code"], f["paid_date"], f["payee"]["id"]) for f in out["findings"]] == [
            ("paid_early", day.isoformat(), paid[index].payee_id)
        ]


@st.composite
def payouts_for(draw, sc: dict) -> list[Payout]:
    """Payouts good and bad: to the persons of the hires (and one stranger), by their employers and
    agencies or others, on any day, at the rate or not; each key (payee, kind, person) once."""
    persons = sorted({h.person for h in sc["hires"]}) or ["410122199001011234"]
    out, keys = [], set()
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["employer", "agency"]))
        payee = draw(st.sampled_from(EMPLOYERS if kind == "employer" else AGENCIES))
        person = draw(st.sampled_from(persons))
        if (payee, kind, person) in keys:
            continue
        keys.add((payee, kind, person))
        rate = 1000 if kind == "employer" else 300
        amount = draw(st.sampled_from([rate, rate, rate, 100, rate * 2]))
        day = SIM_START + dt.timedelta(days=draw(st.integers(0, (SIM_END - SIM_START).days)))
        out.append(Payout(payee, kind, person, amount, day, f"B{day:%Y%m}"))
    return out


@SETTINGS
@given(
    sc=ledgers(), data=st.data(), as_of=st.dates(min_value=dt.date(2020, 6, 1), max_value=dt.date(2025, 6, 1))
)
def test_the_audit_agrees_with_the_oracle(sc, data, as_of):
    payouts = data.draw(payouts_for(sc))
    with tempfile.TemporaryDirectory() as tmp:
        folder, targets = Path(tmp) / "data", targets_with_cap(TARGETS, Path(tmp) / "targets.yaml", sc["cap"])
        write_ledgers(folder, sc["hires"], sc["certs"], payouts)
        out = jishu_audit(folder, targets, as_of)
    expected = oracle_audit(sc["hires"], sc["certs"], payouts, sc["policies"], as_of)
    assert comparable(out["findings"]) == comparable([finding_json(f) for f in expected["findings"]])
    assert out["totals"]["by_code"] == expected["totals"]["by_code"]
    assert float(out["totals"]["amount_at_risk"]) == float(expected["totals"]["amount_at_risk"])
