"""The competitions ledger (SPEC §7): unit tests of the oracle's rules on hand-made ledgers, oracle
self-checks on generated ledgers, and the comparison of the oracle with `jishu progress --format json`.

Decisions where §7 is silent are listed in `oracle_progress`'s docstring.  The comparison with jishu
assumes the JSON carries the three metrics in `metrics` (keys `competitions`,
`competition_participants`, `competition_winners`), in `groups[*].metrics` with `--by`, and a top-level
`"levels": {"national"|"provincial"|"city"|"county": {<the three metrics>: n}}`; when there is no
competitions file, none of these is present (not zero).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import oracle_progress as oracle
import pytest
from competition_strategies import (
    AWARD_SPELLINGS,
    BAD_COMPETITION_LEVELS,
    COMPETITION_BAD_DATES,
    GOOD_COMPETITION_LEVELS,
    GREY_AWARDS,
    GREY_COMPETITION_LEVELS,
    NO_AWARD_SPELLINGS,
    competition_scenario,
)
from conftest import TARGETS, run, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_oracle_progress import PEOPLE, bad_check, differences, fullwidth, ledgers, rid, write_scenario

METRICS = oracle.COMPETITION_METRICS
K_HEAD = ["competition_id", "level", "end_date", "person_id", "award", "township"]
A, B, C, D = PEOPLE[0], PEOPLE[1], PEOPLE[2], PEOPLE[4]
ZERO = dict.fromkeys(METRICS, 0)


def competitions(folder: Path, rows, name: str = "competitions.csv", head=K_HEAD) -> Path:
    """A data folder with empty trainings/certificates/hires and the given competitions file."""
    if not (folder / "trainings.csv").exists():
        ledgers(folder)
    write_csv(folder / name, head, [list(r) for r in rows])
    return folder


def span_of(year: int | None, period: str | None) -> tuple[date, date]:
    return oracle.period_bounds(year, period)


def want(folder: Path, as_of: str, year: int | None = 2022, period: str | None = None) -> dict:
    """The oracle's progress result, with `actual` flattened into the top level for short asserts."""
    cut = date.fromisoformat(as_of)
    led = oracle.read_all(folder, cut)
    start, end = span_of(None if period else year, period)
    result = oracle.progress(led, start, end, cut)
    return {**result["actual"], "levels": result.get("levels"), "data": result["data"]}


def groups(folder: Path, as_of: str, by: str, year: int | None = 2022, period: str | None = None, **kw):
    cut = date.fromisoformat(as_of)
    led = oracle.read_all(folder, cut)
    start, end = span_of(None if period else year, period)
    return oracle.competition_breakdown(led, start, end, cut, by, **kw)


def trio(c: int, p: int, w: int) -> dict:
    return dict(zip(METRICS, (c, p, w)))


# ---------------------------------------------------------------------------------------------
# Value vocabulary
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,level", sorted(GOOD_COMPETITION_LEVELS.items()))
def test_level_vocabulary(text, level):
    assert oracle.parse_competition_level(oracle.norm_cell(text)) == level
    assert oracle.parse_competition_level(oracle.norm_cell(f"\u3000{text} ")) == level


@pytest.mark.parametrize("text", BAD_COMPETITION_LEVELS + GREY_COMPETITION_LEVELS)
def test_level_outside_the_vocabulary_is_rejected(text):
    """Grey areas included: 省, 地市级, 国际级, 县（区）级 ... are not in §7's vocabulary."""
    with pytest.raises(oracle.Invalid, match="competition_level_invalid"):
        oracle.parse_competition_level(oracle.norm_cell(text))


@pytest.mark.parametrize("text", NO_AWARD_SPELLINGS)
def test_no_award_words(text):
    assert not oracle.has_award(oracle.norm_cell(text))


@pytest.mark.parametrize("text", AWARD_SPELLINGS + GREY_AWARDS)
def test_anything_else_is_an_award(text):
    """The literal rule: 参赛奖, 无奖, `-`, `/`, traditional 無 ... are awards (grey areas pinned)."""
    assert oracle.has_award(oracle.norm_cell(text))


def test_absent_award_column_means_no_award(tmp_path):
    competitions(
        tmp_path, [["K1", "市级", "2022-05-01", A]], head=["competition_id", "level", "end_date", "person_id"]
    )
    got = want(tmp_path, "2022-12-31")
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        1, 1, 0
    )


# ---------------------------------------------------------------------------------------------
# Schema and reading
# ---------------------------------------------------------------------------------------------


def test_chinese_headers_in_any_order_and_both_bracket_forms(tmp_path):
    ledgers(tmp_path)
    zh = {c: z for c, (z, *_r) in oracle.SCHEMAS["competitions"].items()}
    head = [
        "序号",
        zh["person_id"],
        "\u3000" + zh["level"],
        zh["award"] + " ",
        zh["end_date"],
        zh["competition_id"],
        "竞赛职业(工种)",
        zh["township"],
        zh["competition_name"],
        zh["name"],
    ]
    write_csv(
        tmp_path / "competitions_2022.csv",
        head,
        [
            ["1", A, "省级", "一等奖", "2022年5月1日", "JS-1", "电工", "城关镇", "省赛", "张三"],
            ["2", fullwidth(B), "Provincial", "未获奖", "2022/5/1", "ＪＳ-1", "电工", "", "省赛", "李四"],
        ],
        encoding="gb18030",
        newline="\r\n",
    )
    write_csv(
        tmp_path / "competitions_2023.csv",
        ["COMPETITION_ID", " Level ", fullwidth("end_date"), "person_id", "竞赛职业（工种）"],
        [["JS-1", "city", "2023-01-02", A, "焊工"]],
        bom=True,
    )
    got = want(tmp_path, "2023-12-31", year=None, period="2021-2025")
    assert got["data"]["competitions"] == {"rows": 3, "accepted": 2, "rejected": 0, "duplicates": 1}
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        1, 2, 1
    )
    assert got["levels"]["provincial"] == trio(1, 2, 1)


@pytest.mark.parametrize(
    "header",
    [
        ["competition_id", "end_date", "person_id"],  # level missing
        ["level", "end_date", "person_id"],  # competition_id missing
        ["competition_id", "level", "person_id"],  # end_date (竞赛日期) missing
        ["competition_id", "level", "end_date", "person_id", "竞赛级别"],  # level named twice
        ["竞赛编号", "level", "end_date", "person_id", "competition_id"],  # competition_id named twice
    ],
)
def test_missing_or_doubled_competition_column_is_a_file_error(tmp_path, header):
    competitions(tmp_path, [["K1", "市级", "2022-05-01", A, "x"][: len(header)]], head=header)
    with pytest.raises(oracle.FileError):
        oracle.read_all(tmp_path, date(2022, 12, 31))


def test_rejections_and_reconciliation(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-01", A, "一等奖", ""],
            ["K1", "市级", "2022-05-01", B, "", ""],
            ["K1", "地市级", "2022-05-01", C, "", ""],  # bad level: competition_level_invalid
            ["K1", "", "2022-05-01", D, "", ""],  # level required
            ["", "市级", "2022-05-01", D, "", ""],  # competition_id required
            ["K2", "省级", "2022-02-30", A, "", ""],  # not a real date
            ["K2", "省级", "", A, "", ""],  # end_date required
            ["K2", "省级", "2022-05-01", bad_check(C), "", ""],  # ID check character
            ["K2", "省级", "2022-05-01", "4.10122E+17", "", ""],  # Excel's scientific notation
            ["K2", "省级", "2022-05-01", "", "", ""],  # person_id required
            ["K1", "Level 3", "2022-05-01", A, "", ""],  # invalid *and* a repeated key: rejected
            ["", "", "", "", "", ""],  # all empty: not a row
            ["\u3000K1 ", "city", "2022/5/1", A.lower(), "", ""],  # duplicate of line 2
        ],
    )
    result = oracle.read_all(tmp_path, date(2022, 12, 31))["competitions"]
    assert result.counts() == {"rows": 12, "accepted": 2, "rejected": 9, "duplicates": 1}
    reasons = {(f, line): why for f, line, why in result.rejected}
    assert reasons[("competitions.csv", 4)] == "level: competition_level_invalid"
    assert reasons[("competitions.csv", 5)] == "level: required"
    assert result.duplicates == [("competitions.csv", 14, ("competitions.csv", 2))]
    got = want(tmp_path, "2022-12-31")
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        1, 2, 1
    )


@pytest.mark.parametrize("bad", COMPETITION_BAD_DATES)
def test_bad_competition_dates_are_rejected(tmp_path, bad):
    competitions(tmp_path, [["K1", "县级", bad, A, "", ""]])
    assert oracle.read_all(tmp_path, date(2022, 12, 31))["competitions"].counts()["rejected"] == 1


def test_duplicates_across_split_files_with_respelled_keys(tmp_path):
    competitions(
        tmp_path,
        [["K1", "市级", "2022-05-01", A, "", ""], ["K1", "市级", "2022-05-01", B, "二等奖", ""]],
        name="competitions_2022.csv",
    )
    competitions(
        tmp_path,
        [
            [fullwidth("K1"), "county", "2023-05-01", A.lower(), "一等奖", ""],  # dup of 2022:2
            [" K1 ", "县级", "2023-05-01", fullwidth(B), "", ""],  # dup of 2022:3
            ["k1", "县级", "2023-05-01", B, "", ""],
        ],  # case differs: new key
        name="competitions_2023.csv",
    )
    result = oracle.read_all(tmp_path, date(2023, 12, 31))["competitions"]
    assert result.counts() == {"rows": 5, "accepted": 3, "rejected": 0, "duplicates": 2}
    assert sorted(result.duplicates) == [
        ("competitions_2023.csv", 2, ("competitions_2022.csv", 2)),
        ("competitions_2023.csv", 3, ("competitions_2022.csv", 3)),
    ]
    got = want(tmp_path, "2023-12-31", year=None, period="2021-2025")
    # A's award in the duplicate row is not counted: only B won (in the first K1 file).
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        2, 3, 1
    )


# ---------------------------------------------------------------------------------------------
# The three metrics
# ---------------------------------------------------------------------------------------------


def test_competitions_counts_distinct_competition_ids_in_the_window(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-01", A, "", ""],
            ["K1", "市级", "2022-05-01", B, "", ""],
            ["K2", "省级", "2022-06-01", A, "", ""],
            ["K3", "县级", "2021-12-31", A, "", ""],
            ["K4", "县级", "2023-01-01", A, "", ""],
        ],
    )
    assert want(tmp_path, "2023-12-31")["competitions"] == 2


def test_participants_are_rows_not_persons(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-01", A, "", ""],
            ["K2", "市级", "2022-05-02", A, "", ""],
            ["K3", "市级", "2022-05-03", A, "一等奖", ""],
            ["K3", "市级", "2022-05-03", B, "参赛", ""],
        ],
    )
    got = want(tmp_path, "2022-12-31")
    assert got["competition_participants"] == 4


def test_winners_are_distinct_persons_with_an_award(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-01", A, "一等奖", ""],
            ["K2", "省级", "2022-06-01", A, "二等奖", ""],  # A again: still one winner
            ["K1", "市级", "2022-05-01", B, "参赛", ""],
            ["K1", "市级", "2022-05-01", C, " 无 ", ""],
            ["K2", "省级", "2022-06-01", C, "未获奖", ""],
            ["K2", "省级", "2022-06-01", D, "\u3000优秀奖", ""],
            ["K3", "省级", "2023-06-01", B, "一等奖", ""],
        ],
    )  # outside 2022
    got = want(tmp_path, "2023-12-31")
    assert (got["competition_winners"], got["competition_participants"]) == (2, 6)
    assert want(tmp_path, "2023-12-31", year=None, period="2021-2025")["competition_winners"] == 3


def test_year_and_plan_period_windows(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2021-11-01", A, "一等奖", ""],
            ["K1", "市级", "2022-11-01", B, "一等奖", ""],
            ["K2", "市级", "2022-03-01", A, "二等奖", ""],
            ["K9", "国家级", "2026-01-01", C, "金奖", ""],
            ["K0", "国家级", "2020-12-31", C, "金奖", ""],
        ],
    )
    y21, y22 = want(tmp_path, "2025-12-31", year=2021), want(tmp_path, "2025-12-31", year=2022)
    plan = want(tmp_path, "2025-12-31", year=None, period="2021-2025")
    # K1 has a row in each year: it counts in each year, once over the plan period; so does winner A.
    assert [
        trio(g["competitions"], g["competition_participants"], g["competition_winners"])
        for g in (y21, y22, plan)
    ] == [trio(1, 1, 1), trio(2, 2, 2), trio(2, 3, 2)]


def test_as_of_cuts_the_window_and_bounds_birth_dates(tmp_path):
    baby = rid("410122", date(2022, 3, 31), "002")
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-03-31", A, "一等奖", ""],
            ["K2", "市级", "2022-04-01", B, "一等奖", ""],
            ["K1", "市级", "2022-03-31", baby, "", ""],
        ],
    )
    got = want(tmp_path, "2022-03-31")
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        1, 2, 1
    )
    assert got["data"]["competitions"] == {"rows": 3, "accepted": 3, "rejected": 0, "duplicates": 0}
    got = want(tmp_path, "2022-03-30")  # the baby is born after as-of: rejected; nothing is in the window
    assert trio(got["competitions"], got["competition_participants"], got["competition_winners"]) == trio(
        0, 0, 0
    )
    assert got["data"]["competitions"]["rejected"] == 1
    got = want(tmp_path, "2021-12-31")  # as-of before the period: an empty window
    assert got["competitions"] == 0 and got["levels"] == dict.fromkeys(oracle.LEVEL_ORDER, ZERO)


def test_competition_rows_count_toward_no_other_metric(tmp_path):
    competitions(
        tmp_path,
        [["K1", "国家级", "2022-05-01", A, "一等奖", "城关镇"], ["K2", "省级", "2022-05-02", B, "", ""]],
    )
    got = want(tmp_path, "2022-12-31")
    assert [got[k] for k in ("training", "subsidized_training", "skilled", "high_skilled", "employment")] == [
        0
    ] * 5
    assert got["certified_employment"] is None
    empty = {"rows": 0, "accepted": 0, "rejected": 0, "duplicates": 0}
    assert {k: v for k, v in got["data"].items() if k != "competitions"} == dict.fromkeys(
        oracle.LEDGERS, empty
    )


# ---------------------------------------------------------------------------------------------
# Absent vs empty ledger
# ---------------------------------------------------------------------------------------------


def test_absent_ledger_has_no_metrics_no_levels_no_groups(tmp_path):
    ledgers(tmp_path)
    led = oracle.read_all(tmp_path, date(2022, 12, 31))
    assert "competitions" not in led
    got = want(tmp_path, "2022-12-31")
    assert not set(METRICS) & set(got) and got["levels"] is None and "competitions" not in got["data"]
    assert groups(tmp_path, "2022-12-31", "township") is None


def test_header_only_file_is_a_present_empty_ledger(tmp_path):
    competitions(tmp_path, [])
    got = want(tmp_path, "2022-12-31")
    assert {k: got[k] for k in METRICS} == ZERO
    assert got["levels"] == dict.fromkeys(oracle.LEVEL_ORDER, ZERO)
    assert got["data"]["competitions"] == {"rows": 0, "accepted": 0, "rejected": 0, "duplicates": 0}
    assert groups(tmp_path, "2022-12-31", "month") == {}


# ---------------------------------------------------------------------------------------------
# Breakdowns: attribution of distinct values to the group of their first qualifying row
# ---------------------------------------------------------------------------------------------


def test_by_month_and_quarter_labels(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-03-31", A, "一等奖", ""],
            ["K1", "市级", "2022-04-01", B, "", ""],
            ["K2", "县级", "2022-12-31", B, "一等奖", ""],
        ],
    )
    assert groups(tmp_path, "2022-12-31", "month") == {
        "2022-03": trio(1, 1, 1),
        "2022-04": trio(0, 1, 0),
        "2022-12": trio(1, 1, 1),
    }
    assert groups(tmp_path, "2022-12-31", "quarter") == {
        "2022-Q1": trio(1, 1, 1),
        "2022-Q2": trio(0, 1, 0),
        "2022-Q4": trio(1, 1, 1),
    }


def test_earliest_date_wins_over_file_and_line(tmp_path):
    competitions(
        tmp_path, [["K1", "市级", "2022-06-01", A, "一等奖", "城关镇"]], name="competitions_2022.csv"
    )
    competitions(
        tmp_path,
        [["K1", "市级", "2022-05-01", B, "", "韩寺镇"], ["K2", "市级", "2022-04-01", A, "三等奖", "官渡镇"]],
        name="competitions_2023.csv",
    )
    assert groups(tmp_path, "2022-12-31", "township") == {
        "城关镇": trio(0, 1, 0),
        "韩寺镇": trio(1, 1, 0),
        "官渡镇": trio(1, 1, 1),
    }


def test_ties_on_date_go_to_the_first_file_in_name_order(tmp_path):
    # "competitions_10.csv" < "competitions_9.csv" in name order, although written second.
    competitions(tmp_path, [["K1", "省级", "2022-05-01", A, "一等奖", "城关镇"]], name="competitions_9.csv")
    competitions(
        tmp_path,
        [
            ["K1", "省级", "2022-05-01", B, "二等奖", "韩寺镇"],
            ["K2", "省级", "2022-05-01", A, "二等奖", "官渡镇"],
        ],
        name="competitions_10.csv",
    )
    assert groups(tmp_path, "2022-12-31", "township") == {
        "韩寺镇": trio(1, 1, 1),
        "官渡镇": trio(1, 1, 1),
        "城关镇": trio(0, 1, 0),
    }


def test_ties_in_one_file_go_to_the_first_line(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "县级", "2022-05-01", A, "", "城关镇"],
            ["K1", "县级", "2022-05-01", B, "一等奖", "韩寺镇"],
            ["K2", "县级", "2022-05-01", B, "一等奖", "城关镇"],
            ["K2", "县级", "2022-05-01", A, "金奖", "韩寺镇"],
        ],
    )
    assert groups(tmp_path, "2022-12-31", "township") == {"城关镇": trio(2, 2, 0), "韩寺镇": trio(0, 2, 2)}


def test_winner_is_attributed_by_the_first_award_row(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "县级", "2022-01-05", A, "参赛", "城关镇"],  # A's first row: no award
            ["K2", "市级", "2022-02-01", A, "二等奖", "韩寺镇"],
        ],
    )
    assert groups(tmp_path, "2022-12-31", "month") == {"2022-01": trio(1, 1, 0), "2022-02": trio(1, 1, 1)}
    assert want(tmp_path, "2022-12-31")["levels"] == {
        "national": ZERO,
        "provincial": ZERO,
        "city": trio(1, 1, 1),
        "county": trio(1, 1, 0),
    }


def test_only_rows_inside_the_window_are_first_rows(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "省级", "2021-12-31", B, "一等奖", "城关镇"],  # before the window
            ["K0", "省级", "2021-06-01", A, "一等奖", "城关镇"],  # before the window
            ["K1", "县级", "2022-01-01", A, "一等奖", "韩寺镇"],
        ],
    )
    assert groups(tmp_path, "2022-12-31", "township") == {"韩寺镇": trio(1, 1, 1)}
    assert want(tmp_path, "2022-12-31")["levels"] == {
        "national": ZERO,
        "provincial": ZERO,
        "city": ZERO,
        "county": trio(1, 1, 1),
    }
    assert groups(tmp_path, "2022-12-31", "township", period="2021-2025", year=None) == {
        "城关镇": trio(2, 2, 2),
        "韩寺镇": trio(0, 1, 0),
    }


def test_levels_attribute_a_competition_once(tmp_path):
    """A competition recorded with two levels counts once, under the level of its first row."""
    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-02", A, "一等奖", ""],
            ["K1", "省级", "2022-05-01", B, "", ""],
            ["K2", "national", "2022-07-01", C, "金奖", ""],
            ["K3", "县级", "2022-07-01", C, "一等奖", ""],
        ],
    )
    got = want(tmp_path, "2022-12-31")
    assert got["levels"] == {
        "national": trio(1, 1, 1),
        "provincial": trio(1, 1, 0),
        "city": trio(0, 1, 1),
        "county": trio(1, 1, 0),
    }
    for key in METRICS:
        assert sum(v[key] for v in got["levels"].values()) == got[key]


def test_townships_without_and_with_the_names_list(tmp_path):
    competitions(
        tmp_path,
        [
            ["K1", "县级", "2022-05-01", A, "一等奖", "白沙"],
            ["K1", "县级", "2022-05-01", B, "", ""],
            ["K1", "县级", "2022-05-01", C, "", "\u3000白沙镇 "],
            ["K1", "县级", "2022-05-01", D, "", "火星镇"],
        ],
    )
    assert groups(tmp_path, "2022-12-31", "township") == {
        "白沙": trio(1, 1, 1),
        oracle.NO_TOWNSHIP: trio(0, 1, 0),
        "白沙镇": trio(0, 1, 0),
        "火星镇": trio(0, 1, 0),
    }
    assert groups(
        tmp_path,
        "2022-12-31",
        "township",
        township_names=["白沙镇", "城关镇"],
        township_aliases={"白沙": "白沙镇"},
    ) == {"白沙镇": trio(1, 2, 1), oracle.NO_TOWNSHIP: trio(0, 1, 0), oracle.UNRECOGNISED: trio(0, 1, 0)}


# ---------------------------------------------------------------------------------------------
# Oracle self-checks on generated ledgers (no jishu involved)
# ---------------------------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=35,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sc=competition_scenario(partial=True))
def test_oracle_breakdowns_add_up(tmp_path_factory, sc):
    """Groups and levels add up to the county figures; reconciliation holds; a distinct value is
    never counted in two groups."""
    folder = tmp_path_factory.mktemp("ledgers")
    write_scenario(folder, sc)
    as_of = sc["as_of"]
    led = oracle.read_all(folder, as_of)
    assert ("competitions" in led) == bool(sc["ledgers"]["competitions"])
    for year, period in ((sc["year"], None), (None, "2021-2025")):
        start, end = span_of(year, period)
        result = oracle.progress(led, start, end, as_of)
        if "competitions" not in led:
            assert not set(METRICS) & set(result["actual"]) and "levels" not in result
            continue
        c = result["data"]["competitions"]
        assert c["rows"] == c["accepted"] + c["rejected"] + c["duplicates"]
        assert result["actual"]["competition_participants"] <= c["accepted"]
        breakdowns = [result["levels"]] + [
            oracle.competition_breakdown(led, start, end, as_of, by)
            for by in ("township", "month", "quarter")
        ]
        for breakdown in breakdowns:
            parts = list(breakdown.values())
            for key in METRICS:
                assert sum(p[key] for p in parts) == result["actual"][key], key


# ---------------------------------------------------------------------------------------------
# jishu against the oracle
# ---------------------------------------------------------------------------------------------

HAS_COMPETITION_TARGETS = "competition" in TARGETS.read_text(encoding="utf-8")
MISSING = "<missing>"
# jishu's JSON keys its groups without language ("(none)", "(unrecognised)"; the words are in "name"):
# the oracle's labels for the same two groups.
JISHU_GROUP_KEYS = {"(none)": oracle.NO_TOWNSHIP, "(unrecognised)": oracle.UNRECOGNISED}


def jishu_progress(
    folder: Path, as_of: date, year: int | None, period: str | None, by: str | None = None
) -> dict:
    span = ["--year", str(year)] if year is not None else ["--period", period]
    result = run(
        [
            "progress",
            *span,
            "--as-of",
            as_of.isoformat(),
            "--format",
            "json",
            "--no-cache",
            *(["--by", by] if by else []),
            "--data",
            str(folder),
            "--targets",
            str(TARGETS),
        ]
    )
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return json.loads(result.stdout)


def competition_differences(
    folder: Path, as_of: date, year: int | None = None, period: str | None = None, by: str | None = None
) -> list[str]:
    got = jishu_progress(folder, as_of, year, period, by)
    led = oracle.read_all(folder, as_of)
    start, end = span_of(year, period)
    want_ = oracle.progress(led, start, end, as_of)
    present = "competitions" in led
    diffs: list[str] = []
    metrics = {m["key"]: m for m in got["metrics"]}
    got_groups = {
        JISHU_GROUP_KEYS.get(g["key"], g["key"]): {m["key"]: m["actual"] for m in g["metrics"]}
        for g in got.get("groups") or []
    }
    if not present:
        for key in METRICS:
            if key in metrics:
                diffs.append(f"{key}: present without a competitions ledger ({metrics[key]})")
            for label, values in got_groups.items():
                if key in values:
                    diffs.append(f"group {label} {key}: present without a competitions ledger")
        if got.get("levels") is not None:
            diffs.append(f"levels: present without a competitions ledger ({got['levels']})")
        return diffs
    for key in METRICS:
        w = want_["actual"][key]
        g = metrics.get(key, {}).get("actual", MISSING)
        if g != w:
            diffs.append(f"{key}: jishu {g!r}, oracle {w!r}")
        if key in metrics and not HAS_COMPETITION_TARGETS:
            m = metrics[key]
            if (m.get("target"), m.get("rate"), m.get("status")) != (None, None, None):
                diffs.append(f"{key}: target/rate/status without a target: {m}")
    g = {
        k: (got["data"].get("competitions") or {}).get(k)
        for k in ("rows", "accepted", "rejected", "duplicates")
    }
    if g != want_["data"]["competitions"]:
        diffs.append(f"data.competitions: jishu {g}, oracle {want_['data']['competitions']}")
    levels = got.get("levels")
    if not isinstance(levels, dict):
        diffs.append(f"levels: jishu {levels!r}")
    else:
        if set(levels) - set(oracle.LEVEL_ORDER):
            diffs.append(f"levels: unexpected keys {sorted(set(levels) - set(oracle.LEVEL_ORDER))}")
        for level in oracle.LEVEL_ORDER:
            gl = {k: (levels.get(level) or {}).get(k, 0) for k in METRICS}  # a level left out reads as zeros
            if gl != want_["levels"][level]:
                diffs.append(f"levels.{level}: jishu {gl}, oracle {want_['levels'][level]}")
    if by:
        wg = oracle.competition_breakdown(led, start, end, as_of, by)
        # Every group (also one that only other ledgers fill) carries the three metrics, as it carries
        # every other metric; a group that jishu does not list must be all zeros in the oracle.
        for label in sorted(set(wg) | set(got_groups)):
            for key in METRICS:
                w = wg.get(label, ZERO)[key]
                if label in got_groups:
                    g = got_groups[label].get(key, MISSING)
                else:
                    g = 0 if w == 0 else MISSING
                if g != w:
                    diffs.append(f"--by {by} group {label} {key}: jishu {g!r}, oracle {w!r}")
    return diffs


def assert_same_competitions(folder: Path, sc: dict, by: str | None) -> None:
    # The §2/§3 metrics and reconciliation still agree: competition rows count toward nothing else.
    diffs = differences(folder, sc["as_of"], year=sc["year"])
    for year, period in ((sc["year"], None), (None, "2021-2025")):
        diffs += [
            f"[{year or period} --by {by}] {d}"
            for d in competition_differences(folder, sc["as_of"], year, period, by)
        ]
    if diffs:
        files = "\n".join(
            f"--- {p.name}\n{p.read_bytes()!r}" for p in sorted(folder.iterdir()) if p.is_file()
        )
        pytest.fail("\n".join(diffs) + "\n" + files)


def _report_as_assumed(folder: Path, as_of: date, year, period, by) -> dict:
    """What jishu's JSON is assumed to carry once competitions land, built from the oracle."""
    led = oracle.read_all(folder, as_of)
    start, end = span_of(year, period)
    result = oracle.progress(led, start, end, as_of)

    def metric(k, v):
        return {"key": k, "actual": v, "target": None, "rate": None, "status": None}

    report = {
        "metrics": [metric(k, v) for k, v in result["actual"].items()],
        "data": result["data"],
        "time_progress": result["time_progress"],
    }
    if "levels" in result:
        report["levels"] = result["levels"]
    if by:
        wg = oracle.competition_breakdown(led, start, end, as_of, by) or {}
        report["groups"] = [
            {"key": label, "metrics": [metric(k, v) for k, v in values.items()]}
            for label, values in sorted(wg.items())
        ]
    return report


@pytest.mark.parametrize("by", [None, "township", "month", "quarter"])
def test_comparator_accepts_the_assumed_shape_and_catches_a_difference(tmp_path, monkeypatch, by):
    """Self-check of `competition_differences` (no jishu): a report of the assumed shape with the
    oracle's figures passes; a wrong figure, a zero where the metric must be absent, and a missing
    group are each reported."""
    import test_oracle_competitions as me

    competitions(
        tmp_path,
        [
            ["K1", "市级", "2022-05-01", A, "一等奖", "城关镇"],
            ["K1", "市级", "2022-05-01", B, "", ""],
            ["K2", "省级", "2022-08-01", B, "二等奖", "韩寺镇"],
        ],
    )
    as_of = date(2022, 12, 31)
    report = _report_as_assumed(tmp_path, as_of, 2022, None, by)
    monkeypatch.setattr(me, "jishu_progress", lambda *a, **k: report)
    assert competition_differences(tmp_path, as_of, 2022, None, by) == []
    report["metrics"] = [
        dict(m, actual=m["actual"] + 1) if m["key"] == "competition_winners" else m for m in report["metrics"]
    ]
    assert any(
        d.startswith("competition_winners:") for d in competition_differences(tmp_path, as_of, 2022, None, by)
    )
    if by:
        report = _report_as_assumed(tmp_path, as_of, 2022, None, by)
        report["groups"] = report["groups"][1:]
        assert competition_differences(tmp_path, as_of, 2022, None, by)
    (tmp_path / "competitions.csv").unlink()
    report = _report_as_assumed(tmp_path, as_of, 2022, None, by)
    assert competition_differences(tmp_path, as_of, 2022, None, by) == []
    report["metrics"].append({"key": "competitions", "actual": 0})
    assert competition_differences(tmp_path, as_of, 2022, None, by) == [
        "competitions: present without a competitions ledger ({'key': 'competitions', 'actual': 0})"
    ]


@settings(SETTINGS)
@given(sc=competition_scenario(partial=True), by=st.sampled_from([None, "township", "month", "quarter"]))
def test_competitions_match_oracle(tmp_path_factory, sc, by):
    folder = tmp_path_factory.mktemp("ledgers")
    write_scenario(folder, sc)
    assert_same_competitions(folder, sc, by)


@settings(SETTINGS, max_examples=12)
@given(sc=competition_scenario(partial=True, absent=False))
def test_competitions_problem_lines_match_oracle(tmp_path_factory, sc):
    """`check` reports each rejected competitions row and each duplicate at its physical line, and a
    duplicate names the file and line of the row it repeats (SPEC §2 "Bad rows", applied to §7)."""
    folder = tmp_path_factory.mktemp("ledgers")
    write_scenario(folder, sc)
    led = oracle.read_all(folder, sc["as_of"])["competitions"]
    names = {name for name, *_rest in sc["ledgers"]["competitions"]}
    result = run(
        [
            "check",
            "--as-of",
            sc["as_of"].isoformat(),
            "--format",
            "json",
            "--no-cache",
            "--data",
            str(folder),
            "--targets",
            str(TARGETS),
            "--lang",
            "en",
        ]
    )
    assert result.exit_code in (0, 1), result.stderr
    problems = [p for p in json.loads(result.stdout)["problems"] if p.get("file") in names]
    assert sorted({(p["file"], p["line"]) for p in problems if p["severity"] == "error"}) == sorted(
        (f, line) for f, line, _why in led.rejected
    )
    assert sorted((p["file"], p["line"]) for p in problems if p["severity"] == "duplicate") == sorted(
        (f, line) for f, line, _first in led.duplicates
    )
    for f, line, why in led.rejected:
        if "competition_level_invalid" in why:
            codes = {p["code"] for p in problems if (p["file"], p["line"]) == (f, line)}
            assert "competition_level_invalid" in codes, (f, line, codes)
    for f, line, (first_file, first_line) in led.duplicates:
        (dup,) = [p for p in problems if p["severity"] == "duplicate" and (p["file"], p["line"]) == (f, line)]
        assert first_file in dup["message"] and str(first_line) in dup["message"], dup


@settings(SETTINGS, max_examples=8)
@given(sc=competition_scenario(partial=True, absent=True))
def test_without_a_competitions_file_jishu_reports_no_competition_metrics(tmp_path_factory, sc):
    """Passes today and must keep passing: no competitions* file, no competition metrics (not zeros)."""
    folder = tmp_path_factory.mktemp("ledgers")
    write_scenario(folder, sc)
    diffs = []
    for by in (None, "township"):
        diffs += competition_differences(folder, sc["as_of"], sc["year"], None, by)
    assert not diffs, diffs
