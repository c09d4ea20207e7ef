"""The nightly page and the WeChat brief (issue 14): read on a 390-px phone and at 1280 px in headless
Chromium, the trend from the ledgers on the first night, Beijing time, the .txt brief, the Markdown in words,
every value inert."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest

import jishu
from jishu import nightly
from jishu.i18n import MESSAGES, PROBLEM_NAMES, Words
from jishu.render import html, localise, summary
from tests.conftest import ROOT, TARGETS, resident_id, run

SAMPLE = ROOT / "data"
AS_OF = "2022-03-31"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARKDOWN_SYNTAX = re.compile(r"\*\*|`|^\s*[-*+#>|] |\[[^\]]*\]\(|^\s*\d+\. ", re.MULTILINE)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    """The sample's summary as of 2022-03-31, in Chinese and (in a second folder) in English."""
    out = tmp_path_factory.mktemp("summary")
    for lang, folder in (("zh", out / "zh"), ("en", out / "en")):
        result = run(
            [
                "summary",
                "--out",
                str(folder),
                "--as-of",
                AS_OF,
                "--data",
                str(SAMPLE),
                "--targets",
                str(TARGETS),
                "--lang",
                lang,
            ]
        )
        assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def sample_report():
    targets = jishu.load_targets(TARGETS)
    return jishu.summary(jishu.load_ledgers(SAMPLE, AS_OF), targets), targets


# ---------------------------------------------------------------- the trend, from the ledgers


def test_trend_is_cumulative_month_by_month_and_agrees_with_progress(sample_report):
    report, targets = sample_report
    points = report.trend.points
    assert [p.date.isoformat() for p in points] == ["2022-01-31", "2022-02-28", "2022-03-31"]
    assert report.trend.period == "2022"
    # Each point is what `progress` says as of that day (SPEC §3), the last one the night's figures.
    for point in points:
        as_of_then = jishu.progress(jishu.load_ledgers(SAMPLE, point.date), targets, year=2022)
        assert point.time_progress == as_of_then.time_progress
        for m in as_of_then.metrics:
            if m.key in point.actual:
                assert point.actual[m.key] == m.actual, (point.date, m.key)
                assert point.rate[m.key] == m.rate, (point.date, m.key)
    assert "certified_employment" not in points[-1].actual  # a share is not a cumulative count
    assert points[-1].rate["employment"] is None  # no target in 2022: counts only


def test_the_first_night_already_has_a_trend(tmp_path):
    """No history.csv yet: the page draws the months from the ledgers, not one dot per metric."""
    out = tmp_path / "out"
    assert (
        run(
            ["summary", "--out", str(out), "--as-of", AS_OF, "--data", str(SAMPLE), "--targets", str(TARGETS)]
        ).exit_code
        == 0
    )
    page = (out / f"summary-{AS_OF}.html").read_text(encoding="utf-8")
    lines = re.findall(r'<polyline[^>]*points="([^"]+)"', page)
    assert len(lines) >= 5  # one per counted metric
    assert all(len(points.split()) == 4 for points in lines)  # the start and three month ends
    doc = (out / f"summary-{AS_OF}.json").read_text(encoding="utf-8")
    assert '"trend"' in doc and '"2022-02-28"' in doc


def test_trend_on_the_first_day_of_the_year():
    ledgers = jishu.ledgers_from_rows(
        "2022-01-01",
        trainings=[
            {"person_id": resident_id(seq=1), "class_id": "A", "end_date": "2022-01-01", "subsidized": "是"}
        ],
        certificates=[],
        hires=[],
    )
    report = jishu.summary(ledgers, jishu.load_targets(TARGETS))
    (point,) = report.trend.points
    assert point.date == dt.date(2022, 1, 1) and point.actual["training"] == 1
    assert point.time_progress == round(1 / 365, 4)


# ---------------------------------------------------------------- words: Beijing time, problems by name


def test_generated_time_is_beijing_time_in_the_reports_language(sample_report):
    report, _ = sample_report
    report = report.model_copy(update={"generated_at": dt.datetime(2026, 11, 30, 17, 15, 24, tzinfo=dt.UTC)})
    assert summary.generated(report, Words("zh")) == "生成于 2026年12月1日 01:15（北京时间）"
    assert summary.generated(report, Words("en")) == "Generated 1 Dec 2026, 01:15 Beijing time"
    page = html.html(localise(report, Words("zh")), Words("zh"))
    assert "北京时间" in page and "2026-11-30T17:17" not in page and "+00:00" not in page


def test_every_problem_code_has_a_short_name():
    assert set(MESSAGES) <= set(PROBLEM_NAMES)
    assert all(zh and en and zh != en for zh, en in PROBLEM_NAMES.values())


def test_data_quality_in_words_not_codes(sample_out):
    for lang in ("zh", "en"):
        folder = sample_out / lang
        for ext in ("html", "md", "txt"):
            text = (folder / f"summary-{AS_OF}.{ext}").read_text(encoding="utf-8")
            assert "`" not in text, (lang, ext)
            assert not re.search(r"[a-z]+_[a-z_]+", text), (lang, ext, re.findall(r"[a-z]+_[a-z_]+", text))
            assert "×" not in text
    page = (sample_out / "zh" / f"summary-{AS_OF}.html").read_text(encoding="utf-8")
    doc = _doc(sample_out, "zh")
    for problem in doc["data_quality"]["top_problems"][:3]:
        assert f"{PROBLEM_NAMES[problem['code']][0]} {problem['count']:,} 处" in page
    for day in doc["data_quality"]["data_through"].values():  # each ledger's data-through date
        assert day is None or Words("zh").day(dt.date.fromisoformat(day)) in page
    assert "数据截至" in page


# ---------------------------------------------------------------- the brief for WeChat (.txt) and the Markdown


def _doc(out: Path, lang: str) -> dict:
    return json.loads((out / lang / f"summary-{AS_OF}.json").read_text(encoding="utf-8"))


def test_the_txt_brief(sample_out):
    text = (sample_out / "zh" / f"summary-{AS_OF}.txt").read_text(encoding="utf-8")
    assert len(text) <= summary.BRIEF_LIMIT
    assert not MARKDOWN_SYNTAX.search(text), MARKDOWN_SYNTAX.search(text)
    lines = text.splitlines()
    assert lines[0] == "中牟县「人人持证、技能河南」进度简报"
    doc = _doc(sample_out, "zh")
    statuses = [m["status"] for m in doc["year"]["metrics"] if m["status"]]
    assert f"2022年 {len(statuses)} 项指标中 {statuses.count('behind')} 项滞后于序时进度" in lines[:4]
    # each metric's rate against time progress
    assert "【2022年（序时进度 24.66%）】" in text
    assert "职业技能培训：完成率 30.03%（3,994/13,300 人次），超序时 5.4 个百分点" in text
    assert "新增技能人才（取得证书）：完成率 16.15%（2,051/12,700 人），滞后 8.5 个百分点" in text
    # the three townships furthest behind, subsidies due, the audit
    last = [t for t in doc["townships"] if t["rank"]][-3:][::-1]
    assert (
        "乡镇排名最后三位（按新增技能人才人数）："
        + "、".join(f"{t['township']} {t['actual']['skilled']:,} 人" for t in last)
        in text
    )
    assert "吸纳就业补助应发 273,000 元" in text and "职业介绍补贴应发 58,200 元" in text
    assert "补贴发放审核：已核查 0 笔发放，未发现问题" in text
    assert lines[-1].endswith("（北京时间）")
    english = (sample_out / "en" / f"summary-{AS_OF}.txt").read_text(encoding="utf-8")
    assert len(english) <= summary.BRIEF_LIMIT and not MARKDOWN_SYNTAX.search(english)
    assert "2022: 2 of 4 metrics behind time progress" in english and "Beijing time" in english


def test_the_brief_with_audit_findings_stays_short(tmp_path):
    out = tmp_path / "out"
    assert (
        run(
            [
                "summary",
                "--out",
                str(out),
                "--as-of",
                "2023-12-31",
                "--data",
                str(SAMPLE),
                "--targets",
                str(TARGETS),
            ]
        ).exit_code
        == 0
    )
    text = (out / "summary-2023-12-31.txt").read_text(encoding="utf-8")
    assert len(text) <= summary.BRIEF_LIMIT
    # 2023 has no targets: the headline is the plan period's
    assert re.fullmatch(r"2021-2025年规划期 \d+ 项指标中 \d+ 项滞后于序时进度", text.splitlines()[2])
    assert "存疑金额 2,100 元" in text and "提前发放 1" in text


def test_markdown_is_the_brief_in_markdown(sample_out):
    md = (sample_out / "zh" / f"summary-{AS_OF}.md").read_text(encoding="utf-8")
    assert md.startswith("**中牟县「人人持证、技能河南」进度简报**")
    assert "- 新增技能人才（取得证书）：完成率 16.15%" in md and "乡镇排名最后三位" in md and "应发" in md
    assert "`" not in md


# ---------------------------------------------------------------- every value inert (SPEC §6)

HOSTILE = ["<script>alert(1)</script>镇", "\x1b[2J白沙镇", "\u202e韩寺镇", '"onmouseover="x', "\x07铃镇"]


def test_hostile_values_are_inert_in_the_page_and_the_brief(tmp_path):
    rows = [
        {
            "person_id": resident_id(seq=i),
            "class_id": f"C{i}",
            "end_date": "2022-02-01",
            "subsidized": "是",
            "township": town,
        }
        for i, town in enumerate(HOSTILE)
    ]
    certificates = [
        {
            "cert_no": f"Z{i}",
            "person_id": resident_id(seq=i),
            "level": "",
            "issue_date": "2022-02-02",
            "township": town,
        }
        for i, town in enumerate(HOSTILE)
    ]
    ledgers = jishu.ledgers_from_rows("2022-03-31", trainings=rows, certificates=certificates, hires=[])
    targets = jishu.load_targets(TARGETS).model_copy(
        update={"county": "<b>中牟县</b>\x1b]0;x\x07" + resident_id(seq=9), "township_names": []}
    )
    report = nightly.build(ledgers, targets)
    for lang in ("zh", "en"):
        words = Words(lang)
        shown = localise(report, words)
        page, text, md = html.html(shown, words), summary.text(shown, words), summary.markdown(shown, words)
        for output in (page, text, md):
            assert not CONTROLS.search(output), repr(CONTROLS.search(output))
            assert resident_id(seq=9) not in output
        assert "<script>" not in page and "<b>中牟县" not in page and '"onmouseover="' not in page
        assert "&lt;script&gt;" in page and "\\x1b[2J" in page and "\\u202e" in page
        assert not re.search(r'="[^"]*\b(nan|inf|NaN|Infinity)\b', page)


def test_no_nan_in_svg_when_a_target_is_zero(tmp_path):
    ledgers = jishu.ledgers_from_rows("2022-03-31", trainings=[], certificates=[], hires=[])
    report = nightly.build(ledgers, jishu.load_targets(TARGETS))
    page = html.html(localise(report, Words("zh")), Words("zh"))
    assert not re.search(r'="[^"]*\b(nan|inf|NaN|Infinity)\b', page)
    assert "<svg" in page


# ---------------------------------------------------------------- in a real browser, at 390 and 1280 px


def _browser():
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        if os.environ.get("JISHU_REQUIRE_BROWSER"):
            pytest.fail("Chromium and chromedriver are required here")
        pytest.skip("chromium / chromedriver not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    return browser, driver, webdriver


LAYOUT = """
document.querySelectorAll('details').forEach(d => { d.open = true; });  // the tables opened as well
const width = window.innerWidth;
const outside = [...document.querySelectorAll('body *')].filter(e => {
  if (e.closest('.scroll') && e.closest('.scroll') !== e) return false;  // a table scrolls inside its own box
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5);
}).map(e => e.tagName + '.' + e.className);
const cards = [...document.querySelectorAll('#year .card, #plan .card')].map(card => {
  const s = card.querySelector('.status');
  if (!s) return {card: card.textContent.slice(0, 20), visible: false};
  const r = s.getBoundingClientRect(), c = card.getBoundingClientRect(), style = getComputedStyle(s);
  return {card: card.querySelector('h3').textContent, text: s.textContent,
          visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width && style.visibility === 'visible'
                   && style.display !== 'none' && r.top <= c.top + 40};
});
return {width: width, scrollWidth: document.documentElement.scrollWidth, outside: outside, cards: cards,
        headline: (document.querySelector('.headline') || {}).textContent,
        sections: [...document.querySelectorAll('section')].map(s => s.id),
        charts: document.querySelectorAll('#trend svg polyline').length};
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_in_headless_chromium_at_390_and_1280_px(sample_out, tmp_path, lang):
    browser, driver_path, webdriver = _browser()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    page = (sample_out / lang / f"summary-{AS_OF}.html").as_uri()
    shots = os.environ.get("JISHU_SCREENSHOTS")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        for width in (390, 1280):
            # A phone's viewport: device metrics, since a desktop window cannot be made 390 px wide.
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": width,
                    "height": 844 if width < 500 else 900,
                    "deviceScaleFactor": 1,
                    "mobile": width < 500,
                },
            )
            driver.get(page)
            seen = driver.execute_script(LAYOUT)
            assert seen["width"] == width
            assert seen["scrollWidth"] <= width, (width, seen["outside"][:10])
            assert seen["outside"] == [], (width, seen["outside"][:10])
            assert len(seen["cards"]) >= 10 and all(c["visible"] for c in seen["cards"]), (
                width,
                seen["cards"],
            )
            assert seen["headline"] and seen["charts"] >= 5
            assert seen["sections"][:5] == ["year", "townships", "trend", "subsidy", "audit"]
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
            assert errors == [], errors
            if shots:
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
                )
                target = Path(shots) / f"page-{lang}-{width}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                assert driver.save_screenshot(str(target))
    finally:
        driver.quit()
