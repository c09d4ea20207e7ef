"""Row validation and reconciliation (SPEC §2): every row counted, rejected or a duplicate."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jishu import load as ledgers_mod
from tests.conftest import credit_code, ledger_folder, resident_id, write_csv

AS_OF = dt.date(2022, 12, 31)


def load(folder, as_of=AS_OF):
    return ledgers_mod.load(folder, as_of, use_cache=False)


def problems(books):
    return [(p["file"], p["line"], p["column"], p["code"]) for p in books.problems.to_pylist()]


def test_values_are_normalised_and_typed(tmp_path):
    pid = resident_id()
    folder = ledger_folder(
        tmp_path,
        trainings=[
            {
                "person_id": f" {pid.lower()}\u3000",
                "class_id": "Ｃ１",
                "end_date": "２０２２年３月５日",
                "subsidized": " Y ",
            },
            {
                "person_id": resident_id(seq=124),
                "class_id": "C1",
                "end_date": "2022.3.6",
                "subsidized": "FALSE",
            },
            {"person_id": resident_id(seq=125), "class_id": "C1", "end_date": "20220307", "subsidized": "否"},
        ],
    )
    books = load(folder)
    t = books["trainings"]
    assert t["class_id"].to_pylist() == ["C1", "C1", "C1"]
    assert t["end_date"].to_pylist() == [dt.date(2022, 3, 5), dt.date(2022, 3, 6), dt.date(2022, 3, 7)]
    assert t["subsidized"].to_pylist() == [True, False, False]
    assert t["person_id"].to_pylist()[0] == int(pid[:17])
    assert problems(books) == []


@pytest.mark.parametrize(
    "value,code",
    [
        ("", "required_missing"),
        ("4.10122E+17", "id_scientific"),
        ("410122900101123", "id_15digit"),
        ("41012219900101", "id_format"),
        ("41012219900101123Y", "id_format"),
    ],
)
def test_bad_ids_are_rejected(tmp_path, value, code):
    folder = ledger_folder(
        tmp_path,
        trainings=[{"person_id": value, "class_id": "C", "end_date": "2022-01-05", "subsidized": "是"}],
    )
    books = load(folder)
    assert problems(books) == [("trainings.csv", 2, "person_id", code)]
    assert books.data["trainings"].counts.model_dump() == {
        "rows": 1,
        "accepted": 0,
        "rejected": 1,
        "duplicates": 0,
    }


def test_birth_after_as_of_is_rejected_and_unknown_region_is_a_warning(tmp_path):
    born_2023 = resident_id(birth="20230101")
    odd_region = resident_id(region="419999")
    folder = ledger_folder(
        tmp_path,
        certificates=[
            {"cert_no": "A", "person_id": born_2023, "issue_date": "2022-06-01", "level": ""},
            {"cert_no": "B", "person_id": odd_region, "issue_date": "2022-06-01", "level": "高级工"},
        ],
    )
    books = load(folder, dt.date(2022, 12, 31))
    assert problems(books) == [
        ("certificates.csv", 2, "person_id", "id_birthdate"),
        ("certificates.csv", 3, "person_id", "id_region_unknown"),
    ]
    assert books.data["certificates"].counts.accepted == 1
    later = load(folder, dt.date(2023, 6, 30))
    assert later.data["certificates"].counts.accepted == 2


def test_duplicates_across_split_files_keep_the_first(tmp_path):
    pid = resident_id()
    row = {"person_id": pid, "class_id": "C1", "end_date": "2022-01-05", "subsidized": "是"}
    bad = dict(row, end_date="2022-02-30")
    ledger_folder(tmp_path, certificates=[], hires=[])
    from tests.conftest import TRAINING_HEADER

    write_csv(tmp_path / "trainings_a.csv", TRAINING_HEADER, [[bad.get(c, "") for c in TRAINING_HEADER]])
    write_csv(tmp_path / "trainings_b.csv", TRAINING_HEADER, [[row.get(c, "") for c in TRAINING_HEADER]] * 2)
    books = load(tmp_path)
    # The rejected row in file a does not make the accepted one in file b a duplicate.
    assert problems(books) == [
        ("trainings_a.csv", 2, "end_date", "date_invalid"),
        ("trainings_b.csv", 3, "person_id+class_id", "duplicate"),
    ]
    dup = books.problems.to_pylist()[1]
    assert (dup["ref_file"], dup["ref_line"]) == ("trainings_b.csv", 2)
    assert books.data["trainings"].counts.model_dump() == {
        "rows": 3,
        "accepted": 1,
        "rejected": 1,
        "duplicates": 1,
    }


def test_hire_rules(tmp_path):
    pid = resident_id()
    employer = credit_code()
    base = {
        "person_id": pid,
        "employer_id": employer,
        "employer_name": "甲",
        "employer_size": "小型",
        "hire_date": "2022-01-01",
        "insured_months": "3",
    }
    folder = ledger_folder(
        tmp_path,
        hires=[
            base,
            dict(base, hire_date="2022-01-02", separation_date="2021-12-31"),
            dict(base, hire_date="2022-01-03", agency_id=credit_code("91410122MA44BBBB0")),
            dict(base, hire_date="2022-01-04", employer_size="特大型", insured_months="-1"),
            dict(
                base,
                hire_date="2022-01-05",
                employer_id=employer[:-1] + ("0" if employer[-1] != "0" else "1"),
            ),
        ],
    )
    assert problems(load(folder)) == [
        ("hires.csv", 3, "separation_date", "date_order"),
        ("hires.csv", 4, "in_province", "in_province_missing"),
        ("hires.csv", 5, "employer_size", "size_invalid"),
        ("hires.csv", 5, "insured_months", "int_invalid"),
        ("hires.csv", 6, "employer_id", "uscc_checksum"),
    ]


def test_all_empty_records_are_not_counted(tmp_path):
    ledger_folder(tmp_path, certificates=[], hires=[])
    pid = resident_id()
    (tmp_path / "trainings.csv").write_text(
        f"person_id,class_id,end_date,subsidized,备注\n{pid},C,2022-01-01,是,\n,,,,\n , ,\u3000, ,\n\n,,,,说明\n",
        encoding="utf-8",
    )
    books = load(tmp_path)
    assert books.data["trainings"].counts.model_dump() == {
        "rows": 2,
        "accepted": 1,
        "rejected": 1,
        "duplicates": 0,
    }
    assert {p[3] for p in problems(books)} == {"required_missing"}


GOOD = [resident_id(seq=i) for i in range(5)]
cell = st.one_of(st.sampled_from(GOOD + ["", "4.10122E+17", GOOD[0][:-1] + "Z"]))
date = st.sampled_from(["2022-01-05", "2022/2/3", "2022-02-30", "", "20221301", "2021年12月1日"])
flag = st.sampled_from(["是", "否", "maybe", ""])
klass = st.sampled_from(["C1", "C2", ""])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, klass, date, flag), max_size=25), split=st.integers(0, 25))
def test_reconciliation_holds_for_any_mix(tmp_path_factory, rows, split):
    folder = tmp_path_factory.mktemp("mix")
    ledger_folder(folder, certificates=[], hires=[])
    header = ["person_id", "class_id", "end_date", "subsidized"]
    write_csv(folder / "trainings_1.csv", header, [list(r) for r in rows[:split]])
    write_csv(folder / "trainings_2.csv", header, [list(r) for r in rows[split:]], encoding="gb18030")
    books = load(folder)
    c = books.data["trainings"].counts
    assert c.rows == len([r for r in rows if any(r)])
    assert c.rows == c.accepted + c.rejected + c.duplicates
    assert c.accepted == books["trainings"].num_rows
    errors = {(p["file"], p["line"]) for p in books.problems.to_pylist() if p["severity"] == "error"}
    dups = [p for p in books.problems.to_pylist() if p["severity"] == "duplicate"]
    assert len(errors) == c.rejected and len(dups) == c.duplicates
