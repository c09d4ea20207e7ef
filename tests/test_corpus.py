"""The bad-input corpus (tests/corpus): what a clerk's files and fingers produce, and what jishu must say.

Every folder `tests/corpus/<NNN_name>/` is one case: real files as Excel/WPS/Notepad write them
(`data/` with the ledger CSVs, `targets.yaml`) and `case.json`:

    args              the command, e.g. ["check"] or ["progress", "--year", "2022", "--as-of", "2022-12-31"];
                      the runner adds `--data <case>/data --targets <case>/targets.yaml --no-cache --lang <lang>`
    lang              "zh" | "en" (anything else is passed as given; null: no --lang at all)
    data, targets     paths relative to the case folder, instead of data / targets.yaml
    env               extra environment variables
    exit              the expected exit code
    stdout_contains,  fragments that must appear (whitespace and rich box-drawing characters are
    stderr_contains   ignored when matching, so a wrapped panel still matches)
    problem           one problem that `check --format json` must report: any of code, file, line, column,
                      severity, value must be equal; every message_contains fragment must be in its message.
                      It must be the only problem unless other_problems_ok is true.
    problems          a list of such problems ([] = check must report none)
    counts            {"trainings": {"rows": 3, "accepted": 2, ...}} as in check's JSON "data"
    generate          [{"file", "placeholder", "text", "bytes"}]: before running, replace the placeholder in
                      that file by `text` repeated to at least `bytes` bytes (keeps multi-MB cases out of git)
    must_not_exist    file names that must not exist afterwards (in the working folder or the case folder)
    fifos             files to make as named pipes before running (git keeps no FIFO)
    sparse            [{"file", "bytes"}]: before running, extend that file to `bytes` with a hole (no disk used)
    max_output_bytes  stdout + stderr must stay below this
    xfail             a reason: jishu is known to misbehave on this case (strict xfail)
    note              what the case is about

Every case also checks: no Python traceback in any output, and no full 18-digit resident ID in any output.
Each case runs in a temporary copy of its folder, with the working folder set to a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import traceback
from pathlib import Path

import pytest
from conftest import ROOT, run

from jishu.i18n import MESSAGES

CORPUS = Path(__file__).resolve().parent / "corpus"
CASE_DIRS = sorted(p for p in CORPUS.iterdir() if (p / "case.json").is_file())
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
NOISE = re.compile(r"[\s│║╭╮╰╯─━┃┏┓┗┛┡┩╇┳┻┣┫╋┠┨┯┷┼├┤┬┴└┘┌┐]+")
PROBLEM_KEYS = ("code", "file", "line", "column", "severity", "value")
# Row-level problem codes: each needs two Chinese spellings and one English case (see test_catalogue_spellings).
ROW_CODES = (
    "required_missing", "in_province_missing", "id_scientific", "id_15digit", "id_format", "id_checksum",
    "id_birthdate", "id_region_unknown", "uscc_format", "uscc_checksum", "date_format", "date_invalid",
    "date_order", "bool_invalid", "level_invalid", "size_invalid", "kind_invalid", "int_invalid",
    "amount_invalid", "duplicate", "competition_level_invalid",
)  # fmt: skip


def load_spec(case_dir: Path) -> dict:
    return json.loads((case_dir / "case.json").read_text(encoding="utf-8"))


def _params():
    out = []
    for case_dir in CASE_DIRS:
        spec = load_spec(case_dir)
        marks = [pytest.mark.xfail(strict=True, reason=spec["xfail"])] if spec.get("xfail") else []
        out.append(pytest.param(case_dir, id=case_dir.name, marks=marks))
    return out


def _norm(text: str) -> str:
    return NOISE.sub(" ", text).strip()


def _prepare(case_dir: Path, tmp_path: Path, spec: dict) -> Path:
    root = tmp_path / case_dir.name
    shutil.copytree(case_dir, root, symlinks=True)
    for gen in spec.get("generate", []):
        path = root / gen["file"]
        unit = gen["text"].encode("utf-8")
        big = unit * (gen["bytes"] // len(unit) + 1)
        data = path.read_bytes()
        assert gen["placeholder"].encode() in data, f"placeholder missing in {gen['file']}"
        path.write_bytes(data.replace(gen["placeholder"].encode(), big))
    for name in spec.get("fifos", []):
        os.mkfifo(root / name)
    for hole in spec.get("sparse", []):
        os.truncate(root / hole["file"], hole["bytes"])
    return root


def _common(spec: dict, root: Path) -> list[str]:
    opts = [
        "--data",
        str(root / spec.get("data", "data")),
        "--targets",
        str(root / spec.get("targets", "targets.yaml")),
        "--no-cache",
    ]
    if spec.get("lang", "zh") is not None:
        opts += ["--lang", spec.get("lang", "zh")]
    return opts


def _invoke(args: list[str], env: dict | None):
    try:
        return run(args, env)
    except Exception:  # noqa: BLE001 - run() does not catch: a crash fails this case, with its traceback
        pytest.fail("jishu crashed on " + " ".join(args) + "\n" + traceback.format_exc(), pytrace=False)


def _check_args(spec: dict) -> list[str]:
    """`check --format json` with the --as-of / --encoding of the case's own command."""
    args = spec["args"]
    out = ["check"]
    for opt in ("--as-of", "--encoding"):
        if opt in args:
            out += [opt, args[args.index(opt) + 1]]
    return out + ["--format", "json"]


def _matches(problem: dict, want: dict) -> bool:
    return all(problem.get(k) == want[k] for k in PROBLEM_KEYS if k in want)


def _assert_clean(outputs: dict[str, str]) -> None:
    for where, text in outputs.items():
        assert "Traceback" not in text, f"traceback in {where}:\n{text[-3000:]}"
        leaked = FULL_ID.findall(text)
        assert not leaked, f"full resident ID(s) in {where}: {leaked[:3]}"


@pytest.mark.parametrize("case_dir", _params())
def test_corpus_case(case_dir: Path, tmp_path: Path, monkeypatch):
    spec = load_spec(case_dir)
    work = tmp_path / "cwd"
    work.mkdir()
    root = _prepare(case_dir, tmp_path, spec)
    monkeypatch.chdir(work)
    env = spec.get("env")
    common = _common(spec, root)

    result = _invoke(spec["args"] + common, env)
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    shown = f"\n--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    _assert_clean(outputs)
    assert result.exit_code == spec["exit"], f"exit {result.exit_code}, expected {spec['exit']}" + shown
    for where in ("stdout", "stderr"):
        for fragment in spec.get(f"{where}_contains", []):
            assert _norm(fragment) in _norm(outputs[where]), f"{fragment!r} not in {where}" + shown
    if "max_output_bytes" in spec:
        size = len(result.stdout.encode()) + len(result.stderr.encode())
        assert size < spec["max_output_bytes"], f"{size} bytes of output"

    if "problem" in spec or "problems" in spec or "counts" in spec:
        checked = _invoke(_check_args(spec) + common, env)
        _assert_clean(
            {"check --format json stdout": checked.stdout, "check --format json stderr": checked.stderr}
        )
        assert checked.exit_code in (0, 1, 2), checked.stderr
        report = json.loads(checked.stdout)
        problems = report["problems"]
        wanted = [spec["problem"]] if "problem" in spec else spec.get("problems")
        listing = "\n".join(json.dumps(p, ensure_ascii=False) for p in problems)
        if wanted is not None:
            for want in wanted:
                found = [p for p in problems if _matches(p, want)]
                assert found, f"no problem matching {want}; check reported:\n{listing}"
                for fragment in want.get("message_contains", []):
                    assert any(fragment in p["message"] for p in found), (
                        f"{fragment!r} not in the message; check reported:\n{listing}"
                    )
            if not spec.get("other_problems_ok"):
                assert len(problems) == len(wanted), f"expected only {wanted}; check reported:\n{listing}"
        for ledger, counts in spec.get("counts", {}).items():
            got = report["data"].get(ledger, {})
            assert {k: got.get(k) for k in counts} == counts, f"{ledger} counts: {got}"

    for name in spec.get("must_not_exist", []):
        for folder in (work, root, case_dir, ROOT, Path.cwd()):
            assert not (folder / name).exists(), f"{folder / name} was created"


def _codes_by_case() -> dict[str, tuple[str | None, set[str]]]:
    out = {}
    for case_dir in CASE_DIRS:
        spec = load_spec(case_dir)
        wanted = [spec["problem"]] if "problem" in spec else spec.get("problems") or []
        out[case_dir.name] = (spec.get("lang", "zh"), {w["code"] for w in wanted if "code" in w})
    return out


def test_catalogue_complete():
    """Every problem code jishu knows is exercised by at least one corpus case."""
    covered = set().union(*(codes for _, codes in _codes_by_case().values()))
    missing = sorted(set(MESSAGES) - covered)
    assert not missing, f"problem codes without a corpus case: {missing}"
    unknown = sorted(covered - set(MESSAGES))
    assert not unknown, f"corpus cases expect codes jishu does not have: {unknown}"


@pytest.mark.parametrize("code", ROW_CODES)
def test_catalogue_spellings(code):
    """Each row-level code: at least two Chinese cases (two spellings of the defect) and one English case."""
    langs = [lang for lang, codes in _codes_by_case().values() if code in codes]
    assert langs.count("zh") >= 2 and langs.count("en") >= 1, f"{code}: cases by language {langs}"


def test_corpus_size():
    assert len(CASE_DIRS) >= 70
