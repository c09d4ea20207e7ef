"""The fourth system (SPEC §7): the competitions ledger and its three metrics, on ledgers written in code.

Each metric is checked against the rule's own words; then absence (no ledger: no metrics, not zeros), the
breakdowns, the level breakdown, validation, targets files written before competitions, the sample and the
nightly summary. The independent oracle is in test_oracle_competitions.py.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

import jishu
from jishu.i18n import Words
from jishu.render import render
from jishu.rules.progress import COMPETITION_METRICS
from tests.conftest import ROOT, TARGETS, resident_id, run

A, B, C, D = (resident_id(seq=n) for n in (11, 13, 15, 17))
LEVELS = ("national", "provincial", "city", "county")


def row(cid: str, level: str, day: str, person: str, award: str = "", township: str = "") -> dict:
    return {
        "competition_id": cid,
        "level": level,
        "end_date": day,
        "person_id": person,
        "award": award,
        "township": township,
    }


def actual(rows: list[dict] | None, as_of: str = "2022-12-31", **period) -> dict:
    period = period or {"year": 2022}
    report = jishu.progress(
        jishu.ledgers_from_rows(as_of, competitions=rows), jishu.load_targets(TARGETS), **period
    )
    return {m.key: m.actual for m in report.metrics}


def trio(report_actual: dict) -> tuple:
    return tuple(report_actual[k] for k in COMPETITION_METRICS)


@pytest.fixture(scope="module")
def targets():
    return jishu.load_targets(TARGETS)


# ---------------------------------------------------------------- the three metrics


def test_competitions_are_distinct_competition_ids_in_the_window():
    rows = [
        row("K1", "市级", "2022-05-01", A),
        row("K1", "市级", "2022-05-01", B),
        row("K2", "省级", "2022-06-01", A),
        row("K3", "县级", "2021-12-31", A),
        row("K4", "县级", "2023-01-01", A),
    ]
    assert actual(rows, "2023-12-31")["competitions"] == 2


def test_a_competition_with_rows_in_two_years_counts_in_each_and_once_over_the_plan():
    rows = [row("K1", "市级", "2021-12-30", A), row("K1", "市级", "2022-01-02", B)]
    assert actual(rows, "2023-12-31", year=2021)["competitions"] == 1
    assert actual(rows, "2023-12-31", year=2022)["competitions"] == 1
    assert actual(rows, "2023-12-31", period="2021-2025")["competitions"] == 1


def test_participants_are_rows_not_persons():
    rows = [
        row("K1", "市级", "2022-05-01", A),
        row("K2", "市级", "2022-05-02", A),
        row("K3", "县级", "2022-05-03", A, "一等奖"),
        row("K3", "县级", "2022-05-03", B, "参赛"),
    ]
    assert actual(rows)["competition_participants"] == 4


@pytest.mark.parametrize("no_award", ["", "无", "未获奖", "参赛", " 无 ", "\u3000参赛", "未获奖\u3000"])
def test_the_words_that_mean_no_award(no_award):
    assert actual([row("K1", "县级", "2022-05-01", A, no_award)])["competition_winners"] == 0


@pytest.mark.parametrize("award", ["一等奖", "优秀奖", "金奖", "技术能手", "参赛奖", "无奖", "-"])
def test_any_other_award_text_is_an_award(award):
    """The literal rule of SPEC §7: only empty, 无, 未获奖 and 参赛 mean no award."""
    assert actual([row("K1", "县级", "2022-05-01", A, award)])["competition_winners"] == 1


def test_winners_are_distinct_persons_with_an_award_in_the_window():
    rows = [
        row("K1", "市级", "2022-05-01", A, "一等奖"),
        row("K2", "省级", "2022-06-01", A, "二等奖"),
        row("K1", "市级", "2022-05-01", B, "参赛"),
        row("K2", "省级", "2022-06-01", C, "未获奖"),
        row("K2", "省级", "2022-06-01", D, "优秀奖"),
        row("K3", "省级", "2023-06-01", B, "一等奖"),
    ]
    assert actual(rows, "2023-12-31")["competition_winners"] == 2
    assert actual(rows, "2023-12-31", period="2021-2025")["competition_winners"] == 3


def test_as_of_cuts_the_window():
    rows = [row("K1", "市级", "2022-03-31", A, "一等奖"), row("K2", "市级", "2022-04-01", B, "一等奖")]
    assert trio(actual(rows, "2022-03-31")) == (1, 1, 1)
    assert trio(actual(rows, "2022-12-31")) == (2, 2, 2)


def test_competition_rows_count_toward_no_other_metric():
    got = actual([row("K1", "国家级", "2022-05-01", A, "一等奖", "白沙镇")])
    assert [got[k] for k in ("training", "subsidized_training", "skilled", "high_skilled", "employment")] == [
        0
    ] * 5


# ---------------------------------------------------------------- absent, not zero


def test_without_the_ledger_the_metrics_and_levels_are_absent(targets):
    ledgers = jishu.ledgers_from_rows("2022-12-31")
    report = jishu.progress(ledgers, targets, year=2022, by="township")
    assert not {m.key for m in report.metrics} & set(COMPETITION_METRICS)
    assert all(not {m.key for m in g.metrics} & set(COMPETITION_METRICS) for g in report.groups)
    assert report.levels is None and "competitions" not in report.data
    shown = json.loads(render(report, "json", Words("zh", targets.metrics)))
    assert "levels" not in shown and "competitions" not in shown["data"]


def test_an_empty_ledger_is_present_with_zeros(targets):
    report = jishu.progress(jishu.ledgers_from_rows("2022-12-31", competitions=[]), targets, year=2022)
    assert trio({m.key: m.actual for m in report.metrics}) == (0, 0, 0)
    assert report.levels == dict.fromkeys(LEVELS, dict.fromkeys(COMPETITION_METRICS, 0))
    assert report.data["competitions"].rows == 0


# ---------------------------------------------------------------- breakdowns


def test_levels_add_up_and_attribute_a_distinct_value_to_its_first_row(targets):
    rows = [
        row("K1", "市级", "2022-05-02", A, "一等奖"),
        row("K1", "省级", "2022-05-01", B),  # K1 first as 省级
        row("K2", "national", "2022-07-01", C, "金奖"),
        row("K3", "县级", "2022-07-01", C, "一等奖"),
    ]
    report = jishu.progress(jishu.ledgers_from_rows("2022-12-31", competitions=rows), targets, year=2022)
    assert report.levels == {
        "national": {"competitions": 1, "competition_participants": 1, "competition_winners": 1},
        "provincial": {"competitions": 1, "competition_participants": 1, "competition_winners": 0},
        "city": {"competitions": 0, "competition_participants": 1, "competition_winners": 1},
        "county": {"competitions": 1, "competition_participants": 1, "competition_winners": 0},
    }
    county = {m.key: m.actual for m in report.metrics}
    for key in COMPETITION_METRICS:
        assert sum(v[key] for v in report.levels.values()) == county[key]


def test_by_township_and_by_month(targets):
    rows = [
        row("K1", "县级", "2022-03-31", A, "一等奖", "白沙"),
        row("K1", "县级", "2022-04-01", B, "", "韩寺镇"),
        row("K2", "县级", "2022-12-31", B, "一等奖", "火星镇"),
        row("K2", "县级", "2022-12-31", C, "参赛"),
    ]
    ledgers = jishu.ledgers_from_rows("2022-12-31", competitions=rows)

    def groups(by):
        report = jishu.progress(ledgers, targets, year=2022, by=by)
        return {g.key: trio({m.key: m.actual for m in g.metrics}) for g in report.groups}

    months = groups("month")
    assert months == {"2022-03": (1, 1, 1), "2022-04": (0, 1, 0), "2022-12": (1, 2, 1)}
    towns = groups("township")
    assert towns["白沙镇"] == (1, 1, 1)  # through township_aliases
    assert towns["韩寺镇"] == (0, 1, 0)
    assert towns["(unrecognised)"] == (1, 1, 1) and towns["(none)"] == (0, 1, 0)
    assert sum(t[1] for t in towns.values()) == 4


# ---------------------------------------------------------------- validation


def test_levels_are_normalised_and_bad_ones_rejected():
    rows = [
        row("K1", "市级", "2022-05-01", A),
        row("K2", "City", "2022-05-01", A),
        row("K3", "ｃｏｕｎｔｙ", "2022-05-01", A),
        row("K4", "地市级", "2022-05-01", A),
        row("K5", "", "2022-05-01", A),
        row("K1", "city", "2022-05-02", A),
    ]
    ledgers = jishu.ledgers_from_rows("2022-12-31", competitions=rows)
    assert ledgers["competitions"]["level"].to_pylist() == ["city", "city", "county"]
    assert ledgers.data["competitions"].counts.model_dump(exclude={"latest"}) == {
        "rows": 6,
        "accepted": 3,
        "rejected": 2,
        "duplicates": 1,
    }
    problems = {(p["line"], p["code"]) for p in ledgers.problems.to_pylist()}
    assert problems == {(5, "competition_level_invalid"), (6, "required_missing"), (7, "duplicate")}


def test_chinese_headers_with_either_bracket(targets):
    header = {
        "competition_id": "竞赛编号",
        "level": "竞赛级别",
        "end_date": "竞赛日期",
        "person_id": "身份证号",
        "award": "获奖等次",
        "occupation": "竞赛职业(工种)",
    }
    rows = [
        {
            header[k]: v
            for k, v in (row("K1", "省级", "2022/5/1", A, "二等奖") | {"occupation": "焊工"}).items()
            if k in header
        }
    ]
    report = jishu.progress(jishu.ledgers_from_rows("2022-12-31", competitions=rows), targets, year=2022)
    assert trio({m.key: m.actual for m in report.metrics}) == (1, 1, 1)


# ---------------------------------------------------------------- targets and names


def test_targets_written_before_competitions_still_load_and_name_the_metrics(tmp_path):
    """targets.yaml need not name the competition metrics: reports fall back to i18n.METRIC_NAMES."""
    text = TARGETS.read_text(encoding="utf-8")
    old = "\n".join(line for line in text.splitlines() if "competition" not in line) + "\n"
    (tmp_path / "targets.yaml").write_text(old, encoding="utf-8")
    targets = jishu.load_targets(tmp_path / "targets.yaml")
    assert "competitions" not in targets.metrics and targets.target("2021-2025", "competitions") is None
    report = jishu.progress(
        jishu.ledgers_from_rows("2022-12-31", competitions=[row("K1", "县级", "2022-05-01", A)]),
        targets,
        year=2022,
    )
    shown = json.loads(render(report, "json", Words("zh", targets.metrics)))
    names = {m["key"]: (m["name"], m["unit"]) for m in shown["metrics"]}
    assert names["competitions"] == ("职业技能竞赛", "场")
    assert names["competition_participants"] == ("竞赛参赛", "人次")
    assert names["competition_winners"] == ("竞赛获奖", "人")
    shown = json.loads(render(report, "json", Words("en", targets.metrics)))
    assert {m["key"]: m["unit"] for m in shown["metrics"]}["competition_participants"] == "person-times"


def test_the_shipped_plan_target(targets):
    """豫办〔2021〕29号: at least one comprehensive competition by the end of 2025 (targets.yaml, not code)."""
    assert targets.target("2021-2025", "competitions") == 1
    assert targets.target("2022", "competitions") is None


# ---------------------------------------------------------------- the sample and the summary


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The shipped sample, without its cache (a copy: tests never write into data/)."""
    folder = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns(".jishu-cache"))
    return folder


def test_sample_figures(sample, targets):
    """Q1 2022 keeps the county's reported figures; the competitions add to them and change none."""
    ledgers = jishu.load_ledgers(sample, as_of="2022-03-31", cache=False)
    got = {m.key: m.actual for m in jishu.progress(ledgers, targets, year=2022).metrics}
    assert (got["training"], got["skilled"], got["high_skilled"]) == (3994, 2051, 632)
    assert trio(got) == (1, 36, 16)
    ledgers = jishu.load_ledgers(sample, as_of="2023-12-31", cache=False)
    plan = jishu.progress(ledgers, targets, period="2021-2025")
    assert trio({m.key: m.actual for m in plan.metrics}) == (12, 398, 164)
    assert plan.data["competitions"].model_dump(exclude={"latest"}) == {
        "rows": 402,
        "accepted": 398,
        "rejected": 3,
        "duplicates": 1,
    }
    assert {level: v["competition_participants"] for level, v in plan.levels.items()} == {
        "national": 1,
        "provincial": 13,
        "city": 42,
        "county": 342,
    }


def test_summary_carries_the_metrics_only_with_the_ledger(sample, tmp_path):
    out = tmp_path / "with"
    assert (
        run(
            [
                "summary",
                "--out",
                str(out),
                "--as-of",
                "2022-12-31",
                "--data",
                str(sample),
                "--targets",
                str(TARGETS),
                "--no-cache",
            ]
        ).exit_code
        == 0
    )
    doc = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    for section in ("year", "plan"):
        assert set(COMPETITION_METRICS) <= {m["key"] for m in doc[section]["metrics"]}
        assert set(doc[section]["levels"]) == set(LEVELS)
    assert set(COMPETITION_METRICS) <= set(doc["townships"][0]["actual"])
    assert "竞赛级别" in (out / "summary-2022-12-31.html").read_text(encoding="utf-8")
    (sample / "competitions.csv").rename(tmp_path / "competitions.csv")
    try:
        out = tmp_path / "without"
        assert (
            run(
                [
                    "summary",
                    "--out",
                    str(out),
                    "--as-of",
                    "2022-12-31",
                    "--data",
                    str(sample),
                    "--targets",
                    str(TARGETS),
                    "--no-cache",
                ]
            ).exit_code
            == 0
        )
    finally:
        (tmp_path / "competitions.csv").rename(sample / "competitions.csv")
    doc = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    for section in ("year", "plan"):
        assert not set(COMPETITION_METRICS) & {m["key"] for m in doc[section]["metrics"]}
        assert "levels" not in doc[section] and "competitions" not in doc[section]["data"]
    assert "竞赛级别" not in (out / "summary-2022-12-31.html").read_text(encoding="utf-8")


def test_a_workbook_whose_header_fits_is_a_competitions_ledger(tmp_path, targets):
    """SPEC §2: a file not named competitions* belongs to the ledger its header fits."""
    from tests.conftest import ledger_folder

    folder = ledger_folder(tmp_path / "data")
    text = (
        "中牟县2022年职业技能竞赛台账\n"
        "竞赛编号,竞赛级别,竞赛日期,身份证号,获奖等次\n"
        f"K1,县级,2022-05-01,{A},一等奖\nK1,县级,2022-05-01,{B},\n合计,,,,2人\n"
    )
    (folder / "中牟县2022年职业技能竞赛台账.csv").write_text(text, encoding="utf-8")
    ledgers = jishu.load_ledgers(folder, as_of=dt.date(2022, 12, 31), cache=False)
    assert trio({m.key: m.actual for m in jishu.progress(ledgers, targets, year=2022).metrics}) == (1, 2, 1)
