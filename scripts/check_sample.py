"""Independent check of the sample ledgers written by make_sample.py (SPEC §2 rows, §3 counts, §4 subsidy).

Re-reads the CSV files with the csv module only and re-implements the rules from the spec text, sharing no
parsing code with the generator: encodings, header names (English or Chinese), the five date spellings,
resident-ID and credit-code check characters, booleans, levels, sizes, de-duplication by key (files in
name order, rows in line order, the first accepted row kept). Used by `make_sample.py` after writing
(and by `make_sample.py --verify-only`); the generator borrows `subsidy_reasons` to plan its payouts.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from pathlib import Path

D = dt.date

# SPEC §2: per ledger (column, Chinese name, type, required). "text" cells are not checked; required
# means the cell must not be empty (level and separation_date: the column is required, the value not).
LEDGERS = {
    "trainings": [
        ("person_id", "身份证号", "id", 1), ("name", "姓名", "text", 0), ("class_id", "班级编号", "text", 1),
        ("occupation", "培训职业", "text", 0), ("provider", "培训机构", "text", 0),
        ("start_date", "开班日期", "date", 0), ("end_date", "结业日期", "date", 1),
        ("subsidized", "是否补贴性培训", "bool", 1), ("township", "乡镇", "text", 0)],
    "certificates": [
        ("cert_no", "证书编号", "text", 1), ("person_id", "身份证号", "id", 1), ("name", "姓名", "text", 0),
        ("cert_type", "证书类型", "text", 0), ("occupation", "职业", "text", 0), ("level", "等级", "level", 0),
        ("issue_date", "发证日期", "date", 1), ("issuer", "发证机构", "text", 0), ("township", "乡镇", "text", 0)],
    "hires": [
        ("person_id", "身份证号", "id", 1), ("name", "姓名", "text", 0),
        ("employer_id", "统一社会信用代码", "uscc", 1), ("employer_name", "单位名称", "text", 1),
        ("employer_size", "企业规模", "size", 1), ("hire_date", "入职日期", "date", 1),
        ("separation_date", "离职日期", "date", 0), ("insured_months", "社保缴费月数", "int", 1),
        ("agency_id", "介绍机构统一社会信用代码", "uscc", 0), ("agency_name", "介绍机构名称", "text", 0),
        ("in_province", "是否省内就业", "bool", 0), ("township", "乡镇", "text", 0)],
    "payouts": [
        ("payee_id", "收款单位统一社会信用代码", "uscc", 1), ("kind", "补贴类型", "kind", 1),
        ("person_id", "身份证号", "id", 1), ("amount", "金额", "amount", 1),
        ("paid_date", "发放日期", "date", 1), ("batch", "批次号", "text", 0)],
    "competitions": [  # SPEC §7, optional
        ("competition_id", "竞赛编号", "text", 1), ("competition_name", "竞赛名称", "text", 0),
        ("level", "竞赛级别", "clevel", 1), ("occupation", "竞赛职业（工种）", "text", 0),
        ("end_date", "竞赛日期", "date", 1), ("person_id", "身份证号", "id", 1), ("name", "姓名", "text", 0),
        ("award", "获奖等次", "text", 0), ("township", "乡镇", "text", 0)],
}
KEYS = {"trainings": ("person_id", "class_id"), "certificates": ("cert_no",),
        "hires": ("person_id", "employer_id", "hire_date"), "payouts": ("payee_id", "kind", "person_id"),
        "competitions": ("competition_id", "person_id")}
DATES = [re.compile(p) for p in (r"(\d{4})-(\d{2})-(\d{2})", r"(\d{4})/(\d{1,2})/(\d{1,2})",
                                 r"(\d{4})\.(\d{1,2})\.(\d{1,2})", r"(\d{4})(\d{2})(\d{2})",
                                 r"(\d{4})年(\d{1,2})月(\d{1,2})日")]
BOOLS = {**dict.fromkeys(("是", "y", "yes", "true", "1"), True),
         **dict.fromkeys(("否", "n", "no", "false", "0"), False)}
LEVELS = {"1": 1, "一级": 1, "高级技师": 1, "2": 2, "二级": 2, "技师": 2, "3": 3, "三级": 3, "高级工": 3,
          "4": 4, "四级": 4, "中级工": 4, "5": 5, "五级": 5, "初级工": 5}
SIZES = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro",
         "large": "large", "medium": "medium", "small": "small", "micro": "micro"}
CLEVELS = {"国家级": "national", "省级": "provincial", "市级": "city", "县级": "county",
           "national": "national", "provincial": "provincial", "city": "city", "county": "county"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"                         # GB 32100-2015
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def parse_date(s):
    for rx in DATES:
        if m := rx.fullmatch(s):
            try:
                return D(*map(int, m.groups()))
            except ValueError:  # 2022-02-30, 2022/13/01
                return None
    return None  # 44621 (an Excel serial), anything else


DATA_END = D(2023, 12, 31)  # birth dates must not lie after the export date


def parse_id(s, as_of=DATA_END):
    s = s.upper()
    if not re.fullmatch(r"\d{17}[\dX]", s):  # 4.10122E+17, 15-digit IDs
        return None
    if "10X98765432"[sum(int(c) * w for c, w in zip(s, ID_WEIGHTS)) % 11] != s[17]:
        return None
    birth = parse_date(s[6:14])
    return s if birth and D(1900, 1, 1) <= birth <= as_of else None


def parse_uscc(s):
    if len(s) != 18 or not s[:8].isdigit() or any(c not in USCC_CHARS for c in s):
        return None
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(s, USCC_WEIGHTS))
    return s if USCC_CHARS[(31 - total % 31) % 31] == s[17] else None


PARSE = {"id": parse_id, "date": parse_date, "uscc": parse_uscc, "bool": lambda s: BOOLS.get(s.lower()),
         "level": LEVELS.get, "size": lambda s: SIZES.get(s.lower()), "text": lambda s: s,
         "clevel": lambda s: CLEVELS.get(s.lower()),
         "int": lambda s: int(s) if s.isdigit() else None,
         "amount": lambda s: float(s) if re.fullmatch(r"\d+(\.\d+)?", s) else None,
         "kind": lambda s: s if s in ("employer", "agency") else None}


def read_ledger(data: Path, ledger: str):
    """Stats, accepted rows (dicts; 'where' = (file, line)) and problems (file, line, severity, detail)."""
    spec = LEDGERS[ledger]
    names = {unicodedata.normalize("NFKC", n): col for col, zh, _, _ in spec for n in (col, zh)}
    stats, accepted, problems, first = Counter(), [], [], {}
    for path, header, records in _sources(data, ledger, names):
        assert all(col in header for col, *_ in spec), f"{path.name}: missing columns"
        for line, rec in records:
            cells = [unicodedata.normalize("NFKC", c).strip() for c in rec]
            if not any(cells):
                continue  # blank or all-empty (,,,,) lines are skipped, not counted
            stats["rows"] += 1
            raw_row = dict(zip(header, cells + [""] * len(header)))
            row, bad = {"where": (path.name, line)}, []
            for col, _, kind, required in spec:
                s = raw_row[col]
                row[col] = PARSE[kind](s) if s else None
                if (s and row[col] is None) or (required and not s):
                    bad.append(col)
            for early, late in (("start_date", "end_date"), ("hire_date", "separation_date")):
                if row.get(early) and row.get(late) and row[late] < row[early]:
                    bad.append(f"{late}<{early}")
            if ledger == "hires" and row["agency_id"] and not raw_row["in_province"]:
                bad.append("in_province (needed with agency_id)")
            if bad:
                stats["rejected"] += 1
                problems.append((path.name, line, "rejected", ",".join(bad)))
                continue
            key = tuple(row[k] for k in KEYS[ledger])
            if key in first:
                stats["duplicates"] += 1
                problems.append((path.name, line, "duplicate", "of {}:{}".format(*first[key])))
                continue
            first[key] = row["where"]
            stats["accepted"] += 1
            accepted.append(row)
    assert stats["rows"] == stats["accepted"] + stats["rejected"] + stats["duplicates"]
    return stats, accepted, problems


FOOTER = ("合计", "小计", "总计", "制表人：", "审核人：", "填表说明", "备注：")


def _sources(data: Path, ledger: str, names: dict):
    """(path, canonical header, records as (row number, cells)) of each file of a ledger, in name order:
    CSV files named for it; and the sample's workbook, whose header (on the row below its title rows)
    says which ledger it is, read without its title, total and footer rows (SPEC §2)."""
    from sample_xlsx import read_xlsx

    found = []
    for path in data.glob(f"{ledger}*.csv"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [names.get(unicodedata.normalize("NFKC", h).strip(), h) for h in next(reader)]

        def records(reader=reader):
            end = 1
            for rec in reader:
                line, end = end + 1, reader.line_num  # the physical line where the record starts
                yield line, rec

        found.append((path, header, records()))
    for path in data.glob("*.xlsx"):
        rows = read_xlsx(path)
        at = next((i for i, (_, cells) in enumerate(rows[:20])
                   if all(zh in cells for col, zh, _, required in LEDGERS[ledger] if required)), None)
        if at is None:
            continue
        header = [names.get(h, h) for h in rows[at][1]]
        body = [(n, cells) for n, cells in rows[at + 1 :] if not any(
            c.replace(" ", "").startswith(FOOTER) for c in cells[:1] + [c for c in cells if c][:1])]
        found.append((path, header, iter(body)))
    return sorted(found, key=lambda f: f[0].name)


def figures(acc, lo, hi):
    """SPEC §3 counts over the window lo..hi, both inclusive."""
    tr = [r for r in acc["trainings"] if lo <= r["end_date"] <= hi]
    ce = [r for r in acc["certificates"] if lo <= r["issue_date"] <= hi]
    hi_ = [r for r in acc["hires"] if lo <= r["hire_date"] <= hi]
    return {"training": len(tr), "subsidized": sum(r["subsidized"] for r in tr),
            "skilled": len({r["person_id"] for r in ce}),
            "high_skilled": len({r["person_id"] for r in ce if r["level"] in (1, 2, 3)}),
            "employment": len({r["person_id"] for r in hi_})}


def competition_figures(rows, lo, hi):
    """SPEC §7 counts over the window lo..hi: competitions, participant rows, persons with an award, and the
    participants by level."""
    k = [r for r in rows if lo <= r["end_date"] <= hi]
    won = [r for r in k if r["award"] not in (None, "无", "未获奖", "参赛")]
    return {"competitions": len({r["competition_id"] for r in k}), "competition_participants": len(k),
            "competition_winners": len({r["person_id"] for r in won}),
            "participants_by_level": dict(sorted(Counter(r["level"] for r in k).items()))}


def add_months(d: D, n: int) -> D:
    """Calendar months, clamped to the month's end (SPEC §4: 2022-08-31 + 6 months = 2023-02-28)."""
    y, m = divmod(d.month - 1 + n, 12)
    return D(d.year + y, m + 1, min(d.day, calendar.monthrange(d.year + y, m + 1)[1]))


def subsidy_reasons(hires, first_cert, as_of, kind):
    """SPEC §4 reason codes per hire ([] = eligible): employer rules 1-6 and the cap, or agency rules 1-6.
    hires: dicts with person_id, employer_id, employer_size (large/medium/small/micro), hire_date,
    separation_date, insured_months, agency_id, in_province; first_cert: person_id -> first issue_date."""
    months = 12 if kind == "employer" else 6
    out = []
    for h in hires:
        r = []
        if kind == "employer" and h["employer_size"] not in ("medium", "small", "micro"):
            r.append("not_sme")
        if kind == "agency" and not h["in_province"]:
            r.append("out_of_province")
        if first_cert.get(h["person_id"], D.max) > h["hire_date"]:
            r.append("no_certificate")
        due = add_months(h["hire_date"], months)
        if as_of < due:
            r.append("too_recent")
        if h["separation_date"] and h["separation_date"] < due:
            r.append("left_early")
        if h["insured_months"] < months:
            r.append("insurance_short")
        out.append(r)
    first = set()  # rule 6: only the earliest hire passing rules 1-5 (ties: smaller employer_id) is paid
    for i in sorted(range(len(hires)), key=lambda i: (hires[i]["hire_date"], hires[i]["employer_id"])):
        h = hires[i]
        group = h["person_id"] if kind == "employer" else (h["agency_id"], h["person_id"])
        if group in first:
            out[i].append("already_subsidized")
        elif not out[i]:
            first.add(group)
    if kind == "employer":  # cap 2,000,000 at 1,000 each: the 2,001st eligible hire of an employer
        paid = Counter()
        for i in sorted(range(len(hires)), key=lambda i: (hires[i]["hire_date"], hires[i]["person_id"])):
            if not out[i]:
                paid[hires[i]["employer_id"]] += 1
                if paid[hires[i]["employer_id"]] > 2000:
                    out[i].append("cap_reached")
    return out


def verify(data: Path, q1_expected: dict, targets_2022: dict, manifest=None) -> None:
    """Print the figures; assert Q1 2022, the 2022 targets, subsidy coverage and, given the generator's
    manifest (file, line, expect, note, checks), that exactly the planted rows are rejected/duplicates."""
    acc, problems = {}, []
    print(f"{'ledger':13} {'rows':>6} {'accepted':>8} {'rejected':>8} {'duplicates':>10}")
    for ledger in LEDGERS:
        stats, acc[ledger], found = read_ledger(data, ledger)
        problems += found
        print(f"{ledger:13} {stats['rows']:6} {stats['accepted']:8} {stats['rejected']:8} "
              f"{stats['duplicates']:10}")
    q1 = figures(acc, D(2022, 1, 1), D(2022, 3, 31))
    print("Q1 2022 (as of 2022-03-31):", q1)
    for key, value in q1_expected.items():
        assert q1[key] == value, f"Q1 2022 {key}: {q1[key]} != {value}"
    for year in (2021, 2022, 2023):
        print(f"{year}:", figures(acc, D(year, 1, 1), D(year, 12, 31)))
    full = figures(acc, D(2022, 1, 1), D(2022, 12, 31))
    assert all(full[k] >= v for k, v in targets_2022.items()), "2022 must reach its targets"
    print("2021-2025 (data 2021-2023):", figures(acc, D(2021, 1, 1), D(2025, 12, 31)))
    if acc["competitions"]:
        for label, lo, hi in (("Q1 2022", D(2022, 1, 1), D(2022, 3, 31)), ("2021", D(2021, 1, 1), D(2021, 12, 31)),
                              ("2022", D(2022, 1, 1), D(2022, 12, 31)), ("2023", D(2023, 1, 1), D(2023, 12, 31)),
                              ("2021-2025", D(2021, 1, 1), D(2025, 12, 31))):
            print(f"competitions {label}:", competition_figures(acc["competitions"], lo, hi))

    first_cert = {}
    for r in acc["certificates"]:
        first_cert[r["person_id"]] = min(r["issue_date"], first_cert.get(r["person_id"], D.max))
    pools = {"employer": acc["hires"], "agency": [h for h in acc["hires"] if h["agency_id"]]}
    reasons = {}
    for as_of in (D(2023, 6, 30), D(2023, 12, 31)):
        for kind, pool in pools.items():
            pool = [h for h in pool if h["hire_date"] <= as_of]
            res = subsidy_reasons(pool, first_cert, as_of, kind)
            reasons[as_of, kind] = {h["where"]: ",".join(r) for h, r in zip(pool, res)}
            count = Counter(x for r in res for x in r)
            print(f"subsidy {kind} as of {as_of}: eligible {sum(not r for r in res)}, reasons {dict(count)}")
            needed = {"no_certificate", "too_recent", "left_early", "insurance_short", "already_subsidized",
                      "not_sme" if kind == "employer" else "out_of_province"}
            assert as_of.month != 12 or set(count) >= needed, f"{kind}: a rule of SPEC §4 is not exercised"
    big = Counter(h["employer_id"] for h in acc["hires"]).most_common(1)[0][0]
    at_end = reasons[D(2023, 12, 31), "employer"]
    n = sum(1 for h in acc["hires"] if h["employer_id"] == big and not at_end[h["where"]])
    print(f"busiest employer {big}: {n} eligible hires as of 2023-12-31 ({n * 1000:,} of the 2,000,000 cap)")
    # SPEC §4.1: every payout was due on its paid date, at the policy's rate, once per person for the
    # employer subsidy, except the planted audit findings (checked against the manifest below).
    due, findings, first_paid = {}, {}, {}
    for p in sorted(acc["payouts"], key=lambda p: (p["paid_date"], p["payee_id"])):
        kind, day = p["kind"], p["paid_date"]
        if (kind, day) not in due:
            pool = [h for h in pools[kind] if h["hire_date"] <= day]
            due[kind, day] = {}
            for h, r in zip(pool, subsidy_reasons(pool, first_cert, day, kind)):  # a person's best hire there
                key = (h["employer_id" if kind == "employer" else "agency_id"], h["person_id"])
                due[kind, day][key] = min(due[kind, day].get(key, r), r, key=len)
        found = set()
        why = due[kind, day].get((p["payee_id"], p["person_id"]))
        if why == ["too_recent"]:
            found.add("paid_early")
        elif why == ["already_subsidized"] and kind == "employer" and p["person_id"] in first_paid:
            found.add("paid_twice")
        elif why != []:
            found.add(f"not due: {why}")
        if p["amount"] != (1000 if kind == "employer" else 300):
            found.add("amount_mismatch")
        if kind == "employer":
            first_paid.setdefault(p["person_id"], p["payee_id"])
        if found:
            findings[p["where"]] = ",".join(sorted(found))
    expected = {(f, line): checks.removeprefix("audit=") for f, line, _, _, checks in manifest or []
                if checks.startswith("audit=")}
    if manifest is not None:
        assert findings == expected, f"audit findings {findings} differ from the planted {expected}"
    print(f"audit: {len(findings)} payouts the rules do not support: {findings}")

    if manifest is not None:
        planted = {(f, line, e) for f, line, e, _, _ in manifest if e in ("rejected", "duplicate")}
        found = {(f, line, e) for f, line, e, _ in problems}
        assert planted == found, f"planted only: {planted - found}; found only: {found - planted}"
        detail = {(f, line): d for f, line, _, d in problems}
        print("planted rows (file:line expect: note [checker's finding | subsidy checks]):")
        for f, line, e, note, checks in manifest:
            extra = f" | {checks}" if checks else ""
            print(f"  {f}:{line} {e}: {note} [{detail.get((f, line), 'accepted')}{extra}]")
            for check in checks.split():  # kind@as-of=reasons, Y = 2023-12-31, H = 2023-06-30
                if check.startswith("audit="):
                    continue
                kind, when, want = re.fullmatch(r"(\w+)@([YH])=(.*)", check).groups()
                got = reasons[D(2023, 12, 31) if when == "Y" else D(2023, 6, 30), kind].get((f, line))
                assert got == want, f"{f}:{line} {note}: {kind} gave {got!r}, expected {want!r}"
    try:  # python-stdnum as the oracle, when installed (ric.calc_check_digit takes all 18 characters)
        from stdnum.cn import ric, uscc
        ids = {r["person_id"] for rows in acc.values() for r in rows}
        assert all(ric.calc_check_digit(i) == i[17] for i in ids)
        codes = {r[c] for rows in acc.values() for r in rows
                 for c in ("employer_id", "agency_id", "payee_id") if r.get(c)}
        assert all(uscc.is_valid(c) for c in codes)
        print(f"python-stdnum agrees on {len(ids)} resident IDs and {len(codes)} credit codes")
    except ImportError:
        print("python-stdnum is not installed: oracle check skipped")
    print("verified: Q1 2022 =", q1_expected)
