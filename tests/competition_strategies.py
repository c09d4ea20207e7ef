"""Hypothesis strategies for messy competitions ledgers (SPEC §7, 职业技能竞赛台账).

Built on the generator of `test_oracle_progress` (same people, date and ID spellings, file layouts and
writer), so a competitions scenario is an ordinary progress scenario plus zero to three competitions
files: `competitions.csv`, `competitions_2022.csv`, `competitions_2023.csv`, ... (split files), with
English or Chinese headers, bad levels, bad dates, bad IDs, missing required values, duplicate keys
(re-spelled) and awards in all the spellings the SPEC names.

As in `test_oracle_progress`, the random generator keeps to inputs the SPEC text (with the brief's
level and award vocabulary) decides; spellings where a reasonable reading could differ (`参赛奖`,
`地市级`, a date with a time of day, ...) are pinned as grey areas in `test_oracle_competitions`
against the oracle only.
"""

from __future__ import annotations

from datetime import date

import oracle_progress as oracle
from hypothesis import strategies as st
from test_oracle_progress import (
    PEOPLE,
    a_date,
    a_date_cell,
    an_id_cell,
    dress,
    file_layout,
    scenario,
    spell_id,
)

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

COMPETITION_IDS = ["JS2022-001", "JS2022-002", "HN-省赛-2023-07", "市赛03", "县赛2021-1", "ZM-JS-10"]

# Spelling -> canonical level.  English is case-insensitive (brief); cells are trimmed + NFKC (§2).
GOOD_COMPETITION_LEVELS = {
    "国家级": "national",
    "省级": "provincial",
    "市级": "city",
    "县级": "county",
    "national": "national",
    "provincial": "provincial",
    "city": "city",
    "county": "county",
    "National": "national",
    "PROVINCIAL": "provincial",
    "City": "city",
    "cOUNTY": "county",
    "ｃｉｔｙ": "city",
    "ＮＡＴＩＯＮＡＬ": "national",
}
# Clearly not a level of the vocabulary (the row is rejected: competition_level_invalid).
BAD_COMPETITION_LEVELS = ["一级", "特级", "provincal", "town", "甲级", "0", "高级", "A", "countys"]
# Not in the vocabulary, but a clerk might mean a level by them: the oracle rejects them (grey area).
GREY_COMPETITION_LEVELS = [
    "省",
    "市",
    "县",
    "国家",
    "地市级",
    "区级",
    "县（区）级",
    "国际级",
    "国家级二类",
    "省级竞赛",
    "state",
    "municipal",
    "prefecture",
]

# Award cells (raw, before trimming) that mean "no award" and that are an award (§7).
NO_AWARD_SPELLINGS = ["", "无", "未获奖", "参赛", " 无 ", "\u3000参赛", "未获奖\u3000", "  "]
AWARD_SPELLINGS = ["一等奖", "二等奖", "三等奖", "优秀奖", "金奖", "第一名", "技术能手", "１等奖", " 二等奖 "]
# Read by the literal rule ("anything else is an award"), though a clerk may mean no award (grey area).
GREY_AWARDS = ["参赛奖", "无奖", "-", "/", "無", "未获", "none", "N/A", "无。", "—"]

# Bad dates for the competitions ledger: those of test_oracle_progress minus the date-time spelling,
# which the current SPEC §2 accepts ("each optionally followed by a time of day") while the §2 oracle
# (and jishu at the time of writing) still rejects it.
COMPETITION_BAD_DATES = [
    "2022-02-30",
    "2023.2.29",
    "20221301",
    "2022/13/1",
    "03/05/2022",
    "44625",
    "2022_03_05",
    "22-3-5",
    "2022年3月5",
    "2022。3。5",
    "明天",
    "2022-00-10",
    "20220132",
]

COMPETITION_FILE_NAMES = [
    "competitions.csv",
    "competitions_2022.csv",
    "competitions_2023.csv",
    "competitions_9.csv",
    "competitions_10.csv",
    "competitions-城关镇.csv",
    "competitions_a.csv",
]

COMPETITION_DEFECTS = ["id", "no_id", "no_competition", "bad_level", "no_level", "bad_date", "no_date"]


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _competition_date(draw, ctx) -> date:
    """Mostly inside the year's window (start … min(end, as-of)) so that most rows count; otherwise any
    date of `a_date` (the window's edges, the day after as-of, other years)."""
    lo, hi = ctx["start"], min(ctx["end"], ctx["as_of"])
    if hi >= lo and draw(st.integers(0, 2)):
        return draw(st.dates(min_value=lo, max_value=hi))
    return draw(a_date(ctx))


def _valid_competition(draw, ctx, comp_dates: dict) -> dict:
    cid = draw(st.sampled_from(COMPETITION_IDS))
    # Most rows of a competition carry its date (ties in attribution are then common); some do not
    # (a multi-day competition, or a clerk's slip).
    day = comp_dates[cid] if draw(st.integers(0, 3)) else _competition_date(draw, ctx)
    award = draw(st.sampled_from(AWARD_SPELLINGS + NO_AWARD_SPELLINGS))
    return {
        "competition_id": dress(cid, draw(st.integers(0, 3))),
        "competition_name": draw(
            st.sampled_from(
                ["中牟县第三届职业技能大赛", "郑州市技能竞赛，电工", "", '"技能河南"杯', "市赛,决赛"]
            )
        ),
        "level": dress(draw(st.sampled_from(sorted(GOOD_COMPETITION_LEVELS))), draw(st.integers(0, 2))),
        "occupation": draw(st.sampled_from(["电工", "焊工", "中式烹调师", ""])),
        "end_date": draw(a_date_cell(ctx, day)),
        "person_id": draw(an_id_cell(ctx, False)),
        "name": draw(st.sampled_from(["张三", "李四", "王 五", ""])),
        "award": award,
        "township": draw(st.sampled_from(["城关镇", "韩寺镇", " 官渡镇 ", "官渡镇", ""])),
    }


def _defect_competition(draw, ctx, row: dict) -> dict:
    kind = draw(st.sampled_from(COMPETITION_DEFECTS))
    if kind == "id":
        row["person_id"] = draw(an_id_cell(ctx, True))
    elif kind == "no_id":
        row["person_id"] = draw(st.sampled_from(["", " ", "\u3000"]))
    elif kind == "no_competition":
        row["competition_id"] = draw(st.sampled_from(["", "\u3000"]))
    elif kind == "bad_level":
        row["level"] = draw(st.sampled_from(BAD_COMPETITION_LEVELS))
    elif kind == "no_level":
        row["level"] = ""
    elif kind == "bad_date":
        row["end_date"] = draw(st.sampled_from(COMPETITION_BAD_DATES))
    elif kind == "no_date":
        row["end_date"] = ""
    return row


@st.composite
def competition_rows(draw, ctx, partial=False):
    """A list of competitions rows (dicts of raw cell text) and all-empty/partial markers, in the
    form `test_oracle_progress.write_scenario` writes."""
    comp_dates = {cid: _competition_date(draw, ctx) for cid in COMPETITION_IDS}
    rows: list = []
    for _ in range(draw(st.integers(0, 16)) or draw(st.integers(0, 16))):
        what = draw(st.sampled_from(["valid"] * 5 + ["defect"] * 2 + ["dup"] * 2 + ["blank"]))
        earlier = [r for r in rows if isinstance(r, dict)]
        if what == "blank":
            rows.append(
                draw(st.sampled_from(["BLANK", "COMMAS", "SPACES", "BEYOND"] + ["PARTIAL"] * (3 * partial)))
            )
        elif what == "dup" and earlier:
            src = draw(st.sampled_from(earlier))
            row = _valid_competition(draw, ctx, comp_dates)
            # Same key, maybe spelled differently: competition_id padded or full-width, the ID with a
            # lower-case x, spaces or full-width digits.
            row["competition_id"] = src["competition_id"]
            plain_cid = oracle.norm_cell(src["competition_id"])
            if plain_cid and draw(st.booleans()):
                row["competition_id"] = dress(plain_cid, draw(st.integers(0, 4)))
            row["person_id"] = src["person_id"]
            plain = oracle.norm_cell(src["person_id"]).upper()
            if plain in PEOPLE and draw(st.booleans()):
                row["person_id"] = spell_id(plain, draw(st.integers(0, 5)))
            if draw(st.integers(0, 4)) == 0:
                row = _defect_competition(draw, ctx, row)  # a repeated key on a row that is itself invalid
            rows.append(row)
        elif what == "defect":
            rows.append(_defect_competition(draw, ctx, _valid_competition(draw, ctx, comp_dates)))
        else:
            rows.append(_valid_competition(draw, ctx, comp_dates))
    return rows


@st.composite
def competition_layout(draw):
    """`file_layout` for competitions, with the occupation header also in ASCII brackets, and the
    optional award column present three times in four (winners need it)."""
    layout = draw(file_layout("competitions"))
    if "award" not in layout["cols"] and draw(st.integers(0, 3)):
        at = draw(st.integers(0, len(layout["cols"])))
        layout["cols"].insert(at, "award")
        layout["headers"].insert(
            at, draw(st.sampled_from(["award", "获奖等次", " Award ", "\u3000获奖等次"]))
        )
    if draw(st.booleans()):
        layout["headers"] = [h.replace("（", "(").replace("）", ")") for h in layout["headers"]]
    return layout


@st.composite
def competition_files(draw, ctx, partial=False):
    """[] (the ledger is absent) or one to three competitions files as (name, layout, rows, shapes)."""
    rows = draw(competition_rows(ctx, partial))
    nfiles = draw(st.integers(1, 3))
    names = draw(st.permutations(COMPETITION_FILE_NAMES))[:nfiles]
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=nfiles - 1, max_size=nfiles - 1)))
    parts = [rows[a:b] for a, b in zip([0] + cuts, cuts + [len(rows)])]
    files = []
    for name, part in zip(names, parts):
        layout = draw(competition_layout())
        shapes = [draw(st.sampled_from(["as_is"] * 6 + ["short", "long"])) for _ in part]
        files.append((name, layout, part, shapes))
    return files


@st.composite
def competition_scenario(draw, partial=True, absent: bool | None = None):
    """A `test_oracle_progress.scenario` plus a competitions ledger, absent about one time in six
    (or always / never with `absent=True/False`)."""
    sc = draw(scenario(partial=partial))
    year = sc["year"]
    ctx = {"as_of": sc["as_of"], "start": date(year, 1, 1), "end": date(year, 12, 31)}
    if absent is None:
        absent = draw(st.integers(0, 5)) == 3  # not 0: hypothesis favours the bounds
    sc["ledgers"]["competitions"] = [] if absent else draw(competition_files(ctx, partial))
    return sc
