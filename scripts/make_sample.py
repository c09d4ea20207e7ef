#!/usr/bin/env python3
"""Deterministic synthetic ledgers (台账) for jishu: Zhongmu County (中牟县, division code 410122).

Writes into data/ (or --out DIR), as the county's clerks would export them (SPEC §2):
  trainings_2021.csv … trainings_2023.csv  UTF-8, LF, English headers, filed by end_date year
  certificates.csv                         GB18030, CRLF, Chinese headers (Excel on Chinese Windows)
  hires.csv                                UTF-8 with BOM, CRLF, English headers
  payouts.csv                              UTF-8, LF, English headers
  competitions.csv                         UTF-8 with BOM, CRLF, Chinese headers (WPS export)
then has check_sample.py re-read them independently (csv module, SPEC §2 rules) and assert the reported
Q1-2022 figures (SPEC §1, counted per §3), the planted defects and the subsidy scenarios (§4).
Standard library only; the fixed seed gives byte-identical files on every run.

    python scripts/make_sample.py [--out DIR] [--verify-only]
"""
from __future__ import annotations

import argparse
import bisect
import calendar
import csv
import datetime as dt
import random
import re
import sys
from collections import Counter
from pathlib import Path

from check_sample import add_months, subsidy_reasons, verify  # the independent checker (same folder)
from sample_xlsx import write_xlsx

D = dt.date

# ------------------------------------------------------------------ parameters (from the work plan)
SEED = 410122                     # fixed seed: same seed, same bytes
YEARS = (2021, 2022, 2023)        # the sample covers three years of the 2021-2025 plan
DATA_END = D(2023, 12, 31)        # the ledgers were exported at the end of 2023
Q1_END = D(2022, 3, 31)
# First-quarter 2022 figures reported by the county (work plan / SPEC §1): must come out EXACTLY.
Q1_2022 = {"training": 3994, "skilled": 2051, "high_skilled": 632}
# 2022 targets (work plan, targets.yaml): training 13,300 (subsidized 8,300), skilled 12,700,
# high-skilled 4,400; plan 2021-2025: 53,200 / 62,300 / 25,300, employment 15,000.
# 2022 ends a little above its targets; 2021 is lower, 2023 similar.
TARGETS_2022 = {"training": 13300, "subsidized": 8300, "skilled": 12700, "high_skilled": 4400}
TRAINING_ROWS = {2021: 11900, 2022: 13460, 2023: 13620}     # person-times per year
SUBSIDIZED_ROWS = {2021: 7300, 2022: 8360, 2023: 8450}      # reached class by class (a little over)
SKILLED_PERSONS = {2021: 11500, 2022: 12810, 2023: 12950}   # distinct persons certified per year
HIGH_PERSONS = {2021: 3850, 2022: 4410, 2023: 4470}         # by first certificate; upgrades add a few
HIRES_PER_YEAR = {2021: 3500, 2022: 3900, 2023: 4000}
PERSON_POOL = 60000               # residents who appear in the ledgers
RESERVED = 400                    # pool persons kept out of the bulk rows, used for defect rows
SECOND_CERT = 0.05                # share of a year's certified persons with a second certificate
RECERT = 0.10                     # share of a year's certified persons also certified the year before
# Monthly seasonality: winter slack-season classes before Spring Festival, low February,
# 春风行动 in March/April, summer harvest dip, autumn peak and a Q4 push to meet the year's targets.
TRAIN_SEASON = (1.1, 0.5, 1.6, 1.2, 1.1, 0.9, 0.6, 0.6, 1.0, 1.1, 1.3, 1.5)
CERT_SEASON = (0.6, 0.4, 0.9, 1.1, 1.2, 1.1, 0.8, 0.8, 1.1, 1.2, 1.3, 1.5)
HIRE_SEASON = (0.6, 0.8, 1.5, 1.4, 1.1, 1.0, 1.0, 0.9, 1.0, 0.9, 0.9, 0.9)
PAYOUT_BATCHES = (("2023-01", D(2023, 1, 18)), ("2023-04", D(2023, 4, 20)),
                  ("2023-07", D(2023, 7, 19)), ("2023-10", D(2023, 10, 18)))

# ------------------------------------------------------------------ reference lists
TOWNSHIPS = {"青年路街道": 9, "东风路街道": 8, "广惠街街道": 7, "大孟街道": 6, "韩寺镇": 6, "官渡镇": 7,
             "狼城岗镇": 5, "万滩镇": 5, "白沙镇": 10, "郑庵镇": 5, "黄店镇": 4, "刘集镇": 4,
             "雁鸣湖镇": 5, "姚家镇": 4, "刁家乡": 2}
COUNTY = "410122"
OTHER_REGIONS = ("410102", "410105", "410183", "410184", "411402", "411023")  # other Henan places
SURNAMES = ("王王王王李李李张张张刘刘刘陈陈杨杨赵赵郭郭黄周吴马马孙朱胡高徐何宋郑"  # repeated = more common
            "韩冯曹许田董袁程魏吕孟任崔苏史贾丁薛闫侯牛申常付杜范彭潘姚邓蒋卢谢段雷秦梁白石葛")
MALE = "伟强磊军勇杰涛明超刚鹏浩宇辉建国华平亮斌飞志文俊凯博帅阳龙东峰海林鑫振学永"
FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧洁琳晶颖红梅倩莉萍兰欣悦佳怡瑶璐丹晓玉凤"
OCCUPATIONS = ("中式烹调师", "中式面点师", "育婴员", "保育师", "家政服务员", "养老护理员", "电工", "焊工",
               "农业经理人", "农作物植保员", "美发师", "美容师", "电子商务师", "汽车维修工", "钳工",
               "网络与信息安全管理员", "健康管理师", "茶艺师", "保安员", "物流服务师", "互联网营销师",
               "西式面点师", "砌筑工", "家畜饲养员")
SPECIALTIES = ("大蒜种植", "西瓜栽培", "草莓种植", "烩面制作", "手工编织", "面点制作", "农产品电商直播")
PROVIDERS = ("中牟县职业教育中心", "中牟县技工学校", "中牟县就业训练中心", "中牟县惠农职业培训学校",
             "中牟县金牟职业技能培训学校", "郑州市惠民职业培训学校", "郑州华信职业技能培训学校",
             "中牟县雁鸣湖家政培训学校", "河南中原职业技能培训中心")
ISSUERS = ("中牟县职业技能鉴定所", "郑州市职业技能鉴定中心", "中牟县职业教育中心", "河南省职业技能鉴定中心",
           "郑州市技师学院")
BRANDS = ("豫中", "牟光", "官渡", "雁鸣", "圃田", "绿博", "汴中", "金牟", "宏达", "鑫源", "瑞丰", "恒信",
          "永安", "德润", "嘉禾", "盛世", "利民", "兴隆", "富源", "佳美", "天诚", "华隆", "万通", "新郑",
          "中晟", "润泽", "众创", "国泰", "鸿运", "康达")
TRADES = ("食品", "汽车零部件", "物流", "农业科技", "建筑工程", "家政服务", "餐饮管理", "电子科技", "服装",
          "包装材料", "机械制造", "文化旅游", "养老服务", "商贸", "生物科技", "新材料")
SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
OUT_OF_PROVINCE = (("昆山市鼎新电子有限公司", "320583", "large"),
                   ("苏州华腾精密制造有限公司", "320505", "medium"),
                   ("东莞市长盛电子科技有限公司", "441900", "medium"))
AGENCIES = (("中牟县众邦人力资源服务有限公司", "410122"), ("中牟县才聚人力资源有限公司", "410122"),
            ("中牟县牟山劳务服务有限公司", "410122"), ("郑州金水英才人力资源有限公司", "410105"),
            ("河南中原人力资源开发有限公司", "410104"), ("郑州豫才劳务输出服务有限公司", "410122"))
LEVELS = {1: ("高级技师", "一级", "1"), 2: ("技师", "二级", "2"), 3: ("高级工", "三级", "3"),
          4: ("中级工", "四级", "4"), 5: ("初级工", "五级", "5")}

TRAINING_COLS = ["person_id", "name", "class_id", "occupation", "provider", "start_date", "end_date",
                 "subsidized", "township"]
CERT_COLS = ["cert_no", "person_id", "name", "cert_type", "occupation", "level", "issue_date", "issuer",
             "township"]
CERT_ZH = ["证书编号", "身份证号", "姓名", "证书类型", "职业", "等级", "发证日期", "发证机构", "乡镇"]
HIRE_COLS = ["person_id", "name", "employer_id", "employer_name", "employer_size", "hire_date",
             "separation_date", "insured_months", "agency_id", "agency_name", "in_province", "township"]
PAYOUT_COLS = ["payee_id", "kind", "person_id", "amount", "paid_date", "batch"]
COMPETITION_COLS = ["competition_id", "competition_name", "level", "occupation", "end_date", "person_id", "name",
                    "award", "township"]
COMPETITION_ZH = ["竞赛编号", "竞赛名称", "竞赛级别", "竞赛职业（工种）", "竞赛日期", "身份证号", "姓名", "获奖等次", "乡镇"]
COLS = {"trainings": TRAINING_COLS, "certificates": CERT_COLS, "hires": HIRE_COLS, "payouts": PAYOUT_COLS,
        "competitions": COMPETITION_COLS}
T21, T22, T23 = "trainings_2021.csv", "trainings_2022.csv", "trainings_2023.csv"
CERTS, HIRES, PAYS, COMPS = "certificates.csv", "hires.csv", "payouts.csv", "competitions.csv"
# how each file is written: (header, encoding, line end); the others: English header, UTF-8, LF
WRITE_AS = {CERTS: (CERT_ZH, "gb18030", "\r\n"), HIRES: (HIRE_COLS, "utf-8-sig", "\r\n"),
            COMPS: (COMPETITION_ZH, "utf-8-sig", "\r\n")}


def cols_of(name: str) -> list[str]:
    return COLS[name.split("_")[0].removesuffix(".csv")]


# ------------------------------------------------------------------ identifiers and small helpers
def ric_check(body17: str) -> str:
    """GB 11643-1999 check character: (12 - Σ d_i·(2^(17-i) mod 11) mod 11) mod 11, 10 → X."""
    v = (12 - sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body17)) % 11) % 11
    return "X" if v == 10 else str(v)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z


def uscc_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(rng: random.Random, region: str) -> str:
    """91 (enterprise) + region + organisation code (GB 11714, own check) + check character."""
    if rng.random() < 0.7:  # registered since 2015: organisation code MA…
        body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    c9 = 11 - s % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    return "91" + region + org + uscc_check("91" + region + org)


def months_between(a: D, b: D) -> int:
    n = (b.year - a.year) * 12 + b.month - a.month
    return max(0, n if add_months(a, n) <= b else n - 1)


def split(total: int, weights) -> list[int]:
    """Integers proportional to weights that add up to total (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]:
        out[i] += 1
    return out


def monthly(year: int, total: int, season, q1_2022: int) -> list[int]:
    """Volumes per month following the season; in 2022 the first quarter is the reported figure."""
    if year != 2022:
        return split(total, season)
    return split(q1_2022, season[:3]) + split(total - q1_2022, season[3:])


def rand_day(rng, year, month) -> D:
    return D(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


DATE_SPELLINGS = ("{:%Y-%m-%d}", "{0.year}/{0.month}/{0.day}", "{0.year}年{0.month}月{0.day}日",
                  "{0.year}.{0.month}.{0.day}", "{:%Y%m%d}")


def fmt_date(rng, d: D) -> str:
    """Mostly ISO; some 2022/3/5 and 2022年3月5日, a few 2022.3.5 and 20220305 (SPEC §2 spellings)."""
    return rng.choices(DATE_SPELLINGS, (84, 9, 5, 1, 1))[0].format(d)


def fmt_bool(rng, b: bool) -> str:
    return ("是" if b else "否") if rng.random() < 0.9 else ("Y" if b else "N")


def low_level(rng):
    """A level that is not high-skilled: 中级工, 初级工 or none (专项职业能力证书)."""
    return rng.choices((4, 5, None), (45, 40, 15))[0]


def fmt_id(rng, pid: str) -> str:
    return pid[:-1] + "x" if pid.endswith("X") and rng.random() < 0.1 else pid  # lower-case x accepted


# ------------------------------------------------------------------ generation
def make_persons(rng):
    persons, seen = [], set()
    towns, weights = list(TOWNSHIPS), list(TOWNSHIPS.values())
    while len(persons) < PERSON_POOL:
        region = rng.choice(OTHER_REGIONS) if rng.random() < 0.10 else COUNTY
        year = min(2004, int(rng.triangular(1960, 2005, 1984)))
        birth = D(year, 1, 1) + dt.timedelta(days=rng.randrange(365 + calendar.isleap(year)))
        male = rng.random() < 0.52
        body = region + birth.strftime("%Y%m%d") + f"{rng.randrange(500) * 2 + male:03d}"  # odd = male
        if body in seen:
            continue
        seen.add(body)
        given = "".join(rng.choice(MALE if male else FEMALE) for _ in range(1 if rng.random() < 0.3 else 2))
        persons.append((body + ric_check(body), rng.choice(SURNAMES) + given, rng.choices(towns, weights)[0]))
    return persons


def make_trainings(rng, persons):
    """One row per person per class (人次); classes filed by end_date year; exact monthly volumes."""
    files, trainees = {}, {}
    for year in YEARS:
        classes = []
        for month, n in enumerate(monthly(year, TRAINING_ROWS[year], TRAIN_SEASON, Q1_2022["training"]), 1):
            while n:
                size = min(n, rng.randint(18, 60))
                n -= size
                classes.append((rand_day(rng, year, month), size))
        classes.sort(key=lambda c: c[0])
        order = list(range(len(classes)))
        rng.shuffle(order)
        subsidized, total = set(), 0
        for i in order:  # 补贴性培训 is decided per class
            if total >= SUBSIDIZED_ROWS[year]:
                break
            subsidized.add(i)
            total += classes[i][1]
        rows, trainees[year] = [], []
        for i, (end, size) in enumerate(classes):
            start = end - dt.timedelta(days=rng.choice((4, 6, 9, 13, 20, 27)))
            class_id, occ, prov = f"ZMPX{year}{i + 1:04d}", rng.choice(OCCUPATIONS), rng.choice(PROVIDERS)
            for k in rng.sample(range(PERSON_POOL - RESERVED), size):
                pid, name, town = persons[k]
                trainees[year].append(k)
                rows.append({"date": end, "cells": [fmt_id(rng, pid), name, class_id, occ, prov,
                             fmt_date(rng, start), fmt_date(rng, end), fmt_bool(rng, i in subsidized), town]})
        files[f"trainings_{year}.csv"] = rows
    return files, trainees


def make_certificates(rng, persons, trainees):
    """Per year: exactly SKILLED_PERSONS distinct persons (2051 in Q1 2022, 632 of them high-skilled)."""
    certs, prev = [], []
    for year in YEARS:
        n, chosen, seen = SKILLED_PERSONS[year], [], set()
        while len(chosen) < n:  # some certified again after last year, many after a training class
            r = rng.random()
            k = rng.choice(prev) if (prev and len(chosen) < n * RECERT) else \
                rng.choice(trainees[year]) if r < 0.55 else rng.randrange(PERSON_POOL - RESERVED)
            if k not in seen:
                seen.add(k)
                chosen.append(k)
        months = monthly(year, n, CERT_SEASON, Q1_2022["skilled"])
        if year == 2022:  # persons are taken in date order: the first 2051 are Q1's, 632 of them high
            q1, q1_high = Q1_2022["skilled"], Q1_2022["high_skilled"]
            high = set(rng.sample(range(q1), q1_high)) | \
                {q1 + i for i in rng.sample(range(n - q1), HIGH_PERSONS[year] - q1_high)}
        else:
            high = set(rng.sample(range(n), HIGH_PERSONS[year]))
        pos = 0
        for month, cnt in enumerate(months, 1):
            for _ in range(cnt):
                k, d1 = chosen[pos], rand_day(rng, year, month)
                lvl = rng.choices((3, 2, 1), (75, 20, 5))[0] if pos in high else low_level(rng)
                certs.append((d1, k, lvl))
                if rng.random() < SECOND_CERT:  # a second certificate later the same year: counts once
                    d2 = min(d1 + dt.timedelta(days=rng.randint(0, 150)), D(year, 12, 31))
                    # keep Q1-2022 exact: a non-high person is not upgraded inside that window
                    upgrade = pos not in high and not (year == 2022 and d2 <= Q1_END) and rng.random() < 0.3
                    lvl2 = rng.choice((1, 2, 3, 4, 5, None)) if pos in high else low_level(rng)
                    certs.append((d2, k, 3 if upgrade else lvl2))
                pos += 1
        prev = chosen
    certs.sort(key=lambda c: (c[0], c[1]))
    rows, seq, first_cert = [], Counter(), {}
    for d, k, lvl in certs:
        pid, name, town = persons[k]
        first_cert.setdefault(pid, d)
        seq[d.year] += 1
        if lvl is None:
            prefix, ctype, occ = "Z", "专项职业能力证书", rng.choice(SPECIALTIES)
            issuer = "中牟县人力资源和社会保障局"
        else:
            prefix, ctype = ("Q", "职业资格证书") if rng.random() < 0.15 else ("Y", "职业技能等级证书")
            occ, issuer = rng.choice(OCCUPATIONS), rng.choice(ISSUERS)
        level = "" if lvl is None else rng.choices(LEVELS[lvl], (60, 25, 15))[0]
        rows.append({"date": d, "cells": [f"{prefix}{d.year}{COUNTY}{seq[d.year]:05d}", pid, name, ctype, occ,
                                          level, fmt_date(rng, d), issuer, town]})
    return rows, first_cert


def make_employers(rng):
    combos = [(b, t) for b in BRANDS for t in TRADES if (b, t) != ("绿博", "食品")]
    names = [f"中牟县{b}{t}有限公司" for b, t in rng.sample(combos, 120)]
    sizes = ["large"] * 8 + ["medium"] * 25 + ["small"] * 50 + ["micro"] * 37
    emps = [(make_uscc(rng, COUNTY if rng.random() < 0.85 else "410100"), nm, sz)
            for nm, sz in zip(names, sizes)]
    emps[8] = (emps[8][0], "中牟县绿博食品有限公司", "medium")  # the large-volume SME (cap, SPEC §4)
    out = [(make_uscc(rng, reg), nm, sz) for nm, reg, sz in OUT_OF_PROVINCE]
    agencies = [(make_uscc(rng, reg), nm) for nm, reg in AGENCIES]
    return emps, out, agencies


# SPEC §4 edge cases, checked by the verifier. person: "holder" (first certificate on or before the hire
# date), "cert=hire" (issued on the hire date), "cert>hire" (issued the day after), "none" (never
# certified), "same" (the previous row's person). checks: kind@as-of=reasons ("=" alone: eligible);
# Y = 2023-12-31, H = 2023-06-30.
SCENARIOS = (  # (person, employer, hire_date, separation_date, insured_months, agency, note, checks)
    ("cert=hire", "small", None, None, None, None, "certificate issued on the hire date", "employer@Y="),
    ("cert>hire", "micro", None, None, None, None, "certificate issued the day after hire",
     "employer@Y=no_certificate"),
    ("holder", "small2", D(2022, 1, 31), D(2023, 1, 31), 12, None, "left exactly 12 months after, insured 12",
     "employer@Y="),
    ("holder", "small", D(2022, 3, 15), D(2023, 3, 14), 12, None, "left one day before 12 months",
     "employer@Y=left_early"),
    ("holder", "medium", D(2021, 5, 10), None, 11, None, "insured 11 months", "employer@Y=insurance_short"),
    ("holder", "micro", D(2022, 6, 30), None, None, None, "hired 2022-06-30: exactly 12 months at 2023-06-30",
     "employer@H="),
    ("holder", "micro", D(2022, 7, 1), None, None, None, "hired 2022-07-01: too recent at 2023-06-30",
     "employer@H=too_recent employer@Y="),
    ("holder", "small", D(2021, 9, 1), None, None, None, "same day at two SMEs: the smaller employer_id wins",
     "employer@Y="),
    ("same", "small2", D(2021, 9, 1), None, None, None, "… the other SME", "employer@Y=already_subsidized"),
    ("holder", "large", D(2021, 10, 11), None, None, None, "large enterprise", "employer@Y=not_sme"),
    ("holder", "medium", D(2021, 3, 1), D(2022, 4, 30), 13, None, "stayed 14 months", "employer@Y="),
    ("same", "small", D(2022, 6, 1), None, None, None, "… then hired elsewhere",
     "employer@Y=already_subsidized"),
    ("holder", "small2", D(2021, 4, 6), D(2021, 11, 30), 7, None, "left early at the first employer",
     "employer@Y=left_early,insurance_short"),
    ("same", "micro", D(2022, 2, 14), None, None, None, "… eligible at the second", "employer@Y="),
    ("holder", "small", D(2022, 8, 31), D(2023, 2, 28), 6, "in", "agency: left exactly 6 months after",
     "agency@Y= employer@Y=left_early,insurance_short"),
    ("holder", "small2", D(2022, 8, 31), D(2023, 2, 27), 6, "in", "agency: left one day before 6 months",
     "agency@Y=left_early"),
    ("holder", "medium", D(2022, 4, 18), None, 5, "in", "agency: insured 5 months",
     "agency@Y=insurance_short employer@Y=insurance_short"),
    ("holder", "outside", D(2022, 3, 7), None, None, "out", "agency: employed outside Henan (否)",
     "agency@Y=out_of_province"),
    ("holder", "micro", D(2021, 6, 1), D(2022, 1, 20), 7, "in", "agency: first introduction of a person",
     "agency@Y= employer@Y=left_early,insurance_short"),
    ("same", "small2", D(2022, 5, 16), None, None, "in", "… introduced again by the same agency",
     "agency@Y=already_subsidized employer@Y="),
    ("holder", "small", D(2023, 9, 1), None, None, "in", "agency: hired 2023-09-01",
     "agency@Y=too_recent,insurance_short employer@Y=too_recent,insurance_short"),
    ("none", "small", D(2022, 5, 5), None, None, "in", "agency: person without any certificate",
     "agency@Y=no_certificate employer@Y=no_certificate"),
)


def make_hires(rng, persons, first_cert, emps, out_emps, agencies):
    """Bulk hires plus explicit scenarios that exercise every subsidy rule of SPEC §4."""
    by_pid = {p[0]: p for p in persons}
    holders = sorted((d, pid) for pid, d in first_cert.items())
    hdates = [d for d, _ in holders]
    never = [p[0] for p in persons[: PERSON_POOL - RESERVED] if p[0] not in first_cert]
    used, hires = set(), []

    def new(pid, emp, hire, sep=None, insured=None, agency=None, in_prov=True, note=None, checks=""):
        h = {"person_id": pid, "employer_id": emp[0], "employer_name": emp[1], "employer_size": emp[2],
             "hire_date": hire, "separation_date": sep,
             "insured_months": months_between(hire, sep or DATA_END) if insured is None else insured,
             "agency_id": agency[0] if agency else "", "agency_name": agency[1] if agency else "",
             "in_province": in_prov if agency else None, "note": note, "checks": checks}
        hires.append(h)
        used.add(pid)
        return h

    def holder(lo, hi):  # an unused person whose first certificate falls in lo..hi
        i, j = bisect.bisect_left(hdates, lo), bisect.bisect_right(hdates, hi)
        while True:
            d, pid = holders[rng.randrange(i, j)]
            if pid not in used:
                return pid, d

    big = emps[8]
    e_small, e_small2 = sorted(e for e in emps if e[2] == "small")[:2]  # e_small has the smaller employer_id
    roles = {"small": e_small, "small2": e_small2, "outside": out_emps[1],
             **{s: next(e for e in emps if e[2] == s and e != big) for s in ("micro", "medium", "large")}}
    pid = None
    for who, emp, hire, sep, insured, agency, note, checks in SCENARIOS:
        if who == "cert=hire":
            pid, hire = holder(D(2021, 3, 1), D(2022, 6, 1))
        elif who == "cert>hire":
            pid, c = holder(D(2022, 1, 2), D(2022, 10, 31))
            hire = c - dt.timedelta(days=1)
        elif who == "holder":
            pid, _ = holder(D(2021, 1, 1), hire)
        elif who == "none":
            pid = next(p for p in never if p not in used)
        new(pid, roles[emp], hire, sep, insured, {"in": agencies[0], "out": agencies[5]}.get(agency),
            agency != "out", note, checks)
    # --- bulk hires: about half certificate holders at hire, some certified only later
    weights = [25 if e == big else {"large": 6, "medium": 3, "small": 1.5, "micro": 0.6}[e[2]] for e in emps]
    for year in YEARS:
        for month, cnt in enumerate(split(HIRES_PER_YEAR[year], HIRE_SEASON), 1):
            for _ in range(cnt):
                hire = rand_day(rng, year, month)
                idx = bisect.bisect_right(hdates, hire)
                while True:
                    r = rng.random()
                    if r < 0.52 and idx:
                        pid = holders[rng.randrange(max(0, idx - 8000), idx)][1]
                    elif r < 0.60 and idx < len(holders):
                        pid = holders[rng.randrange(idx, len(holders))][1]
                    else:
                        pid = rng.choice(never)
                    if pid not in used:
                        break
                sep = None
                if rng.random() < 0.25:
                    sep = hire + dt.timedelta(days=rng.randint(15, 800))
                    sep = sep if sep <= DATA_END else None
                insured = months_between(hire, sep or DATA_END)
                if rng.random() < 0.08:  # gaps in contributions
                    insured = max(0, insured - rng.randint(1, 6))
                if rng.random() < 0.02:  # 劳务输出: placed outside Henan by an agency
                    new(pid, rng.choice(out_emps), hire, sep, insured, rng.choice(agencies), False)
                elif rng.random() < 0.18:
                    new(pid, rng.choices(emps, weights)[0], hire, sep, insured,
                        rng.choices(agencies, (5, 3, 3, 2, 2, 1))[0], True)
                else:
                    new(pid, rng.choices(emps, weights)[0], hire, sep, insured)
    # --- persons hired by a second employer after leaving the first
    for h in rng.sample([h for h in hires if h["note"] is None and h["hire_date"].year < 2023], 300):
        second = h["hire_date"] + dt.timedelta(days=rng.randint(120, 700))
        if second > DATA_END:
            continue
        h["separation_date"] = second - dt.timedelta(days=rng.randint(1, 20))
        h["insured_months"] = months_between(h["hire_date"], h["separation_date"])
        emp = rng.choices(emps, weights)[0]
        if emp[0] != h["employer_id"]:
            new(h["person_id"], emp, second)
    hires.sort(key=lambda h: h["hire_date"])  # stable: scenario rows keep their relative order
    for h in hires:
        pid, name, town = by_pid[h["person_id"]]
        size = SIZE_ZH[h["employer_size"]] if rng.random() < 0.95 else h["employer_size"]
        inp = "" if h["in_province"] is None else fmt_bool(rng, h["in_province"])
        sep = fmt_date(rng, h["separation_date"]) if h["separation_date"] else ""
        h["cells"] = [fmt_id(rng, pid), name, h["employer_id"], h["employer_name"], size,
                      fmt_date(rng, h["hire_date"]), sep, str(h["insured_months"]), h["agency_id"],
                      h["agency_name"], inp, town]
        h["date"] = h["hire_date"]
    return hires


def make_payouts(rng, hires, first_cert):
    """Quarterly batches in 2023 pay part of the hires that were eligible on the paid date."""
    rows, paid = [], set()
    for batch, day in PAYOUT_BATCHES:
        for kind, payee, rate, share in (("employer", "employer_id", 1000, 0.6),
                                         ("agency", "agency_id", 300, 0.5)):
            pool = [h for h in hires if h["hire_date"] <= day and (kind == "employer" or h["agency_id"])]
            for h, reasons in zip(pool, subsidy_reasons(pool, first_cert, day, kind)):
                key = (h[payee], kind, h["person_id"])
                if not reasons and key not in paid and rng.random() < share:
                    paid.add(key)
                    amount = str(rate) if rng.random() < 0.9 else f"{rate}.00"
                    rows.append({"date": day, "cells": [h[payee], kind, h["person_id"], amount,
                                                        fmt_date(rng, day), batch]})
    return rows


def plant_audit_findings(rng, payouts, hires, first_cert):
    """Three payouts the audit of SPEC §4.1 must find, as a county's books would show them: one paid a
    month before the hire had lasted a year, one person paid for by a second employer, one amount typed
    as 100 instead of 1,000. Each is a scenario in the manifest with the finding it must give."""
    paid = {(r["cells"][0], r["cells"][1], r["cells"][2]) for r in payouts}
    employer_paid = {r["cells"][2]: r for r in payouts if r["cells"][1] == "employer"}
    batches = dict((day, batch) for batch, day in PAYOUT_BATCHES)

    def planted(day, cells, note, finding):
        payouts.append({"date": day, "cells": cells, "note": note, "expect": "scenario", "checks": f"audit={finding}"})

    # 1. a month early: a hire that qualifies a month after a batch, paid in that batch
    early = [(day, h) for day in batches for h in hires
             if not h["separation_date"] and h["insured_months"] >= 12 and h["employer_size"] != "large"
             and first_cert.get(h["person_id"], D.max) <= h["hire_date"] and h["person_id"] not in employer_paid
             and 25 <= (add_months(h["hire_date"], 12) - day).days <= 35]
    day, h = rng.choice(sorted(early, key=lambda dh: (dh[0], dh[1]["person_id"])))
    planted(day, [h["employer_id"], "employer", h["person_id"], "1000", fmt_date(rng, day), batches[day]],
            "audit: paid a month before the hire had lasted 12 months", "paid_early")
    # 2. paid twice: a person paid by a first employer, and paid again by the next employer
    again = []
    for h in hires:
        first = employer_paid.get(h["person_id"])
        if first is None or first["cells"][0] == h["employer_id"] or (h["employer_id"], "employer", h["person_id"]) in paid:
            continue
        for day in batches:
            reasons = subsidy_reasons([h], first_cert, day, "employer")[0]
            if day > first["date"] and not reasons and h["employer_size"] != "large":
                again.append((day, h))
                break
    day, h = rng.choice(sorted(again, key=lambda dh: (dh[0], dh[1]["person_id"])))
    planted(day, [h["employer_id"], "employer", h["person_id"], "1000", fmt_date(rng, day), batches[day]],
            "audit: a person already paid for by another employer", "paid_twice")
    # 3. an amount typed as 100
    typo = rng.choice([r for r in payouts if r["cells"][1] == "employer" and not r.get("note")])
    typo["cells"][3], typo["note"] = "100", "audit: amount typed as 100 instead of 1000"
    typo["expect"], typo["checks"] = "scenario", "audit=amount_mismatch"


# ------------------------------------------------------------------ competitions (SPEC §7)
# The county's competition calendar, 2021-2023: what it held (县级) and the city, provincial and national
# contests it sent people to. (id, name, level, 竞赛日期, occupations (工种), entrants per occupation)
COUNTY_TRADES = ("中式烹调师", "中式面点师", "电工", "焊工", "育婴员", "美发师", "电子商务师", "汽车维修工")
COMPETITION_CALENDAR = (
    ("ZMJS2021-01", "中牟县第一届职业技能大赛", "县级", D(2021, 10, 22), ("中式烹调师", "电工", "育婴员"), 20),
    ("ZZJS2021-05", "郑州市第五届职业技能竞赛", "市级", D(2021, 11, 12), ("电工", "焊工"), 6),
    ("HNJS2021-08", "河南省乡村振兴技能大赛", "省级", D(2021, 12, 3), ("农业经理人",), 3),
    ("ZMJS2022-01", "中牟县“春风行动”家政服务技能竞赛", "县级", D(2022, 3, 25), ("家政服务员", "养老护理员"), 18),
    ("ZZJS2022-06", "郑州市第六届职业技能竞赛", "市级", D(2022, 6, 17), ("中式烹调师", "中式面点师", "电子商务师"), 5),
    ("ZMJS2022-02", "中牟县第二届职业技能大赛（综合性）", "县级", D(2022, 10, 28), COUNTY_TRADES, 14),
    ("HNJS2022-01", "河南省第一届职业技能大赛", "省级", D(2022, 11, 18), ("电工", "焊工", "中式烹调师"), 2),
    ("ZMJS2023-01", "中牟县“技能中牟”农产品电商直播大赛", "县级", D(2023, 4, 21), ("互联网营销师",), 30),
    ("ZZJS2023-07", "郑州市第七届职业技能竞赛", "市级", D(2023, 6, 16), ("电工", "汽车维修工", "养老护理员"), 5),
    ("QGJS2023-02", "全国乡村振兴职业技能大赛", "国家级", D(2023, 9, 22), ("农业经理人",), 1),
    ("ZMJS2023-02", "中牟县第三届职业技能大赛（综合性）", "县级", D(2023, 10, 27), COUNTY_TRADES, 13),
    ("HNJS2023-02", "河南省第二届职业技能大赛", "省级", D(2023, 11, 10), ("焊工", "养老护理员"), 2),
)
NO_AWARD_CELLS = ("参赛", "", "无", "未获奖")  # what clerks write for no award (SPEC §7), most often first


def _awards(rng, level: str, n: int) -> list[str]:
    """The awards of one occupation's n entrants, best first: a county contest gives one first, two
    second and three third prizes and some 优秀奖; the county's few entrants elsewhere win less."""
    if level == "县级":
        prizes = ["一等奖"] + ["二等奖"] * 2 + ["三等奖"] * 3 + ["优秀奖"] * (n // 8)
    elif level == "市级":
        prizes = [rng.choice(("二等奖", "三等奖", "优秀奖"))] + ["优秀奖"] * rng.randint(0, 1)
    elif level == "省级":
        prizes = ["三等奖"] if rng.random() < 0.4 else []
    else:
        prizes = []
    prizes = prizes[:n]
    return prizes + [rng.choices(NO_AWARD_CELLS, (60, 25, 10, 5))[0] for _ in range(n - len(prizes))]


def make_competitions(rng, persons, first_cert):
    """One row per person per competition (SPEC §7), a few hundred over 2021-2023. Entrants are certified
    workers of the county; prize winners of a county contest go on to the city's contest of their trade,
    the city's to the province's, so some persons compete (and win) more than once."""
    index = {pid: k for k, (pid, _name, _town) in enumerate(persons)}
    holders = [index[pid] for pid in first_cert]  # in the order first certified (deterministic)
    winners: dict[str, list[int]] = {}  # occupation → persons who won a prize, in order
    rows = []
    for cid, name, level, day, trades, per_trade in COMPETITION_CALENDAR:
        for occ in trades:
            pool = [k for k in holders if first_cert[persons[k][0]] < day]
            promoted = [k for k in winners.get(occ, []) if level != "县级"]
            entrants = list(dict.fromkeys(promoted[:per_trade]))
            while len(entrants) < per_trade:
                k = rng.choice(pool)
                if k not in entrants:
                    entrants.append(k)
            for k, award in zip(entrants, _awards(rng, level, per_trade)):
                pid, pname, town = persons[k]
                if award and award not in NO_AWARD_CELLS:
                    winners.setdefault(occ, []).append(k)
                rows.append({"date": day, "cells": [cid, name, level, occ, fmt_date(rng, day), fmt_id(rng, pid),
                                                    pname, award, town]})
    return rows


def plant_competition_defects(rng, rows, persons):
    """What `jishu check` finds in the competitions ledger: a level clerks write that is none of
    国家级/省级/市级/县级, an impossible date, an ID Excel turned into scientific notation (each for one
    more entrant), and a person entered twice for the same competition (after the row it repeats)."""
    def copy(cid, note, expect="rejected", **change):
        i = rng.choice([i for i, r in enumerate(rows) if r["cells"][0] == cid and not r.get("note")])
        cells = list(rows[i]["cells"])
        if expect == "rejected":  # another entrant of the same competition
            pid, name, town = persons[rng.randrange(PERSON_POOL - RESERVED)]
            cells[5:] = [pid, name, rng.choice(NO_AWARD_CELLS), town]
        for col, v in change.items():
            cells[COMPETITION_COLS.index(col)] = v
        rows.insert(i + 1, {"cells": cells, "note": note, "expect": expect})

    copy("ZZJS2022-06", "level 地市级 is none of 国家级/省级/市级/县级", level="地市级")
    copy("ZMJS2022-02", "竞赛日期 2022-10-32 is not a real date", end_date="2022-10-32")
    copy("ZMJS2023-01", "person_id in Excel scientific notation", person_id="4.10122E+17")
    copy("ZMJS2022-02", "the same person entered twice for the same competition", expect="duplicate", award="参赛")


# ------------------------------------------------------------------ defects (SPEC §2: rejected or duplicate)
def plant_defects(rng, files, persons, agency):
    """Copies of generated rows, changed so that they are rejected or are duplicates (SPEC §2)."""
    reserved = persons[PERSON_POOL - RESERVED:]
    q1, y21, y23, y22 = (D(2022, 1, 1), Q1_END), (D(2021, 1, 1), D(2021, 12, 31)), \
        (D(2023, 1, 1), D(2023, 12, 31)), (D(2022, 4, 1), D(2022, 12, 31))

    def pick(rows, window):
        while True:
            i = rng.randrange(len(rows))
            if rows[i].get("date") and not rows[i].get("note") and window[0] <= rows[i]["date"] <= window[1]:
                return i

    def bad(file, window, note, fresh=True, before=False, expect="rejected", respell=None, **change):
        """Copy a row dated in window, change cells, insert it (a duplicate goes after its original)."""
        rows, c = files[file], cols_of(file)
        i = pick(rows, window)
        cells = list(rows[i]["cells"])
        if respell:  # (column, format): the row's date spelled another way
            cells[c.index(respell[0])] = respell[1].format(rows[i]["date"])
        if fresh:  # a reserved person: the row's key meets no other row
            pid, name, _ = reserved.pop()
            cells[c.index("person_id")] = pid
            if "name" in c:
                cells[c.index("name")] = name
        for col, v in change.items():  # a callable gets the cell's current value
            cells[c.index(col)] = v(cells[c.index(col)]) if callable(v) else v
        rows.insert(i if before else rng.randint(i + 1, min(len(rows), i + 150)),
                    {"cells": cells, "expect": expect, "note": note})

    def dup(file, window, note, **change):
        bad(file, window, note, fresh=False, expect="duplicate", **change)

    new_no = lambda v: v + "A"  # rejected certificate rows get a cert_no of their own
    flip = lambda v: v[:17] + ("0" if v[17] != "0" else "1")  # a credit code with a wrong check character
    wrong_check = lambda v: v[:17] + "0123456789X"[("0123456789X".index(v[17].upper()) + 3) % 11]
    old15 = lambda v: v[:6] + v[8:17]  # the pre-1999 15-digit form: no century, no check character
    # trainings_2021.csv
    bad(T21, y21, "person_id in Excel scientific notation", person_id="4.10122E+17")
    bad(T21, y21, "person_id with a wrong check digit", person_id=wrong_check)
    bad(T21, y21, "15-digit old resident ID", person_id=old15)
    bad(T21, y21, "end_date 2021-02-29 is not a real date", end_date="2021-02-29")
    bad(T21, y21, "end_date before start_date", start_date="2021-12-30", end_date="2021-12-03")
    bad(T21, y21, "subsidized is not a boolean (待定)", subsidized="待定")
    bad(T21, y21, "class_id empty", class_id="")
    dup(T21, y21, "duplicate person_id+class_id")
    dup(T21, y21, "duplicate person_id+class_id, name padded with full-width spaces",
        name=lambda v: "\u3000" + v + "\u3000")
    # trainings_2022.csv (Q1 2022 window: none of these may count)
    bad(T22, q1, "end_date 2022-02-30 is not a real date", end_date="2022-02-30")
    bad(T22, q1, "end_date 2022/13/01: month 13", end_date="2022/13/01")
    bad(T22, q1, "end_date 44621 (Excel serial number)", end_date="44621")
    bad(T22, q1, "person_id in Excel scientific notation", person_id="4.10122199E17")
    bad(T22, q1, "person_id with a wrong check digit", person_id=wrong_check)
    bad(T22, q1, "subsidized is not a boolean (√)", subsidized="√")
    bad(T22, q1, "end_date empty (required)", end_date="")
    bad(T22, q1, "rejected (end_date 2022-02-29); the same person+class follows corrected and counts",
        fresh=False, before=True, end_date="2022-02-29")
    for n in range(3):
        dup(T22, q1, "duplicate person_id+class_id inside Q1 2022")
    dup(T22, q1, "duplicate person_id+class_id inside Q1 2022, end_date spelled differently",
        respell=("end_date", "{0.year}/{0.month}/{0.day}"))
    dup(T22, y22, "duplicate person_id+class_id")
    t21, t22 = files[T21], files[T22]
    i = pick(t21, (D(2021, 12, 1), D(2021, 12, 31)))  # entered again in the next year's file
    t22.insert(rng.randrange(len(t22)), {"cells": list(t21[i]["cells"]), "expect": "duplicate",
                                          "note": "duplicate of a trainings_2021.csv row (other file)"})
    t22.insert(pick(t22, (D(2022, 2, 1), D(2022, 2, 28))), {"blank": True})
    # trainings_2023.csv, ending with Excel's empty lines
    bad(T23, y23, "15-digit old resident ID", person_id=old15)
    bad(T23, y23, "subsidized is not a boolean (未知)", subsidized="未知")
    bad(T23, y23, "end_date before start_date", start_date="2023-12-28", end_date="2023-12-01")
    dup(T23, y23, "duplicate person_id+class_id")
    files[T23].extend([{"cells": [""] * len(TRAINING_COLS)} for _ in range(3)])
    # certificates.csv
    bad(CERTS, q1, "person_id in Excel scientific notation", cert_no=new_no, person_id="4.10122E+17")
    bad(CERTS, y21, "person_id with a wrong check digit", cert_no=new_no, person_id=wrong_check)
    bad(CERTS, y23, "15-digit old resident ID", cert_no=new_no, person_id=old15)
    bad(CERTS, q1, "issue_date 2022-02-30 is not a real date", cert_no=new_no, issue_date="2022-02-30")
    bad(CERTS, q1, "issue_date 44652 (Excel serial number)", cert_no=new_no, issue_date="44652")
    bad(CERTS, y22, "level 六级 does not exist", cert_no=new_no, level="六级")
    bad(CERTS, y21, "issue_date empty (required)", cert_no=new_no, issue_date="")
    bad(CERTS, q1, "rejected (issue_date 2022年2月30日); the same cert_no follows corrected and counts",
        fresh=False, before=True, issue_date="2022年2月30日")
    dup(CERTS, q1, "duplicate cert_no inside Q1 2022")
    dup(CERTS, q1, "duplicate cert_no inside Q1 2022")
    dup(CERTS, y23, "duplicate cert_no with a different issue_date", issue_date="2023-12-31")
    # hires.csv
    bad(HIRES, y22, "employer_id with a wrong check character", employer_id=flip)
    bad(HIRES, y21, "separation_date before hire_date", hire_date="2021-09-15", separation_date="2021-08-31")
    bad(HIRES, y22, "insured_months is not an integer (十二)", insured_months="十二")
    bad(HIRES, y23, "employer_size 特大型 is not a size", employer_size="特大型")
    bad(HIRES, y21, "employer_name empty (required)", employer_name="")
    bad(HIRES, y22, "15-digit old resident ID", person_id=old15)
    bad(HIRES, y23, "person_id in Excel scientific notation", person_id="4.10122E+17")
    bad(HIRES, y22, "agency_id set but in_province empty", agency_id=agency[0], agency_name=agency[1],
        in_province="")
    bad(HIRES, y21, "in_province is not a boolean (未知)", agency_id=agency[0], agency_name=agency[1],
        in_province="未知")
    dup(HIRES, y22, "duplicate person+employer+hire_date")
    dup(HIRES, y21, "duplicate person+employer+hire_date, hire_date spelled 年月日",
        respell=("hire_date", "{0.year}年{0.month}月{0.day}日"))
    # payouts.csv
    bad(PAYS, y23, "payee_id with a wrong check character", payee_id=flip)
    bad(PAYS, y23, "kind 补贴 is neither employer nor agency", kind="补贴")
    bad(PAYS, y23, "negative amount", amount="-300")
    dup(PAYS, y23, "duplicate payee+kind+person (paid twice)", batch="2023-10")


def add_quirks(rng, files):
    """Valid but awkward cells the reader must normalise (SPEC §2): kept and counted."""
    t21, t22 = files[T21], files[T22]
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    for rows, col, f, note in ((t22, 6, lambda v: v.translate(full), "full-width digits in end_date"),
                               (t22, 0, lambda v: " " + v + "\u3000", "person_id padded with spaces"),
                               (t21, 4, lambda v: v + "\n（东校区）", "provider with a line break (quoted)"),
                               (t21, 4, lambda v: v + ",中牟教学点", "provider with a comma inside quotes")):
        for _ in range(2):
            row = rng.choice([r for r in rows if r.get("date") and not r.get("note")])
            row["cells"][col], row["note"], row["expect"] = f(row["cells"][col]), note, "valid"
    short, extra = rng.sample([r for r in files[T23] if not r.get("note")], 2)
    short.update(cells=short["cells"][:-1], note="fewer cells than the header (township missing)", expect="valid")
    extra.update(cells=extra["cells"] + ["补录"], note="one cell more than the header (ignored)", expect="valid")


# ------------------------------------------------------------------ townships and a clerk's workbook
WORKBOOK_TOWNSHIP = "白沙镇"
WORKBOOK = f"中牟县2023年职业技能培训台账（{WORKBOOK_TOWNSHIP}）.xlsx"
TRAINING_ZH = ["身份证号", "姓名", "班级编号", "培训职业", "培训机构", "开班日期", "结业日期", "是否补贴性培训", "乡镇"]


def respell_townships(rng, files):
    """Townships as clerks type them (SPEC §2 "Townships"): some short forms targets.yaml lists as
    aliases (白沙 for 白沙镇), a few it does not (白砂镇, 万滩镇镇, 中牟县黄店镇: township_unknown warnings).
    Counted county-wide as before; the figures do not change."""
    aliases = {"白沙镇": "白沙", "韩寺镇": "韩寺", "官渡镇": "官渡", "刘集镇": "刘集"}
    typos = {"白沙镇": "白砂镇", "万滩镇": "万滩镇镇", "黄店镇": "中牟县黄店镇"}
    for name in ("trainings_2021.csv", "trainings_2022.csv", CERTS, HIRES):
        town = len(cols_of(name)) - 1  # the township is the last column of every ledger here
        for row in files[name]:
            cells = row.get("cells")
            if not cells or row.get("note") or len(cells) <= town:
                continue
            if cells[town] in aliases and rng.random() < 0.04:
                cells[town] = aliases[cells[town]]
            elif cells[town] in typos and rng.random() < 0.0006:
                cells[town] = typos[cells[town]]


def township_workbook(files) -> list:
    """One township's 2023 trainings, taken out of trainings_2023.csv into a workbook as its clerk keeps
    it (SPEC §2 "Sheets as clerks keep them"): a title row, a 填报单位 line, a 序号 column, date cells, a
    合计 row and a 制表人/审核人 footer. Rows whose key repeats elsewhere stay in the CSV (which of two rows
    comes first would change)."""
    keys = Counter((r["cells"][0].strip().upper(), r["cells"][2]) for name in (T21, T22, T23) for r in files[name]
                   if len(r.get("cells") or ()) > 2)
    moved, kept = [], []
    for row in files[T23]:
        cells = row.get("cells") or []
        own = len(cells) == len(TRAINING_COLS) and cells[8] == WORKBOOK_TOWNSHIP and not row.get("note")
        if own and keys[(cells[0].strip().upper(), cells[2])] == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[6]):
            moved.append(row)
        else:
            kept.append(row)
    files[T23] = kept
    title = f"中牟县2023年职业技能培训台账（{WORKBOOK_TOWNSHIP}）"
    rows = [[title], ["填报单位：白沙镇人力资源和社会保障服务中心", None, None, None, None, None, "填报日期：2024年1月5日"],
            ["序号", *TRAINING_ZH]]
    for i, row in enumerate(moved, 1):
        c = row["cells"]
        start = D.fromisoformat(c[5]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c[5]) else c[5]
        rows.append([i, c[0], c[1], c[2], c[3], c[4], start, D.fromisoformat(c[6]), c[7], c[8]])
    rows.append(["合计", None, None, None, None, None, None, None, None, f"{len(moved)}人次"])
    rows.append([])
    rows.append(["制表人：王敏", None, None, None, None, "审核人：李建国", None, None, "2024年1月5日"])
    return rows


# ------------------------------------------------------------------ writing
def write_all(out: Path, files) -> list:
    """Write every ledger; return the manifest (file, line, expect, note, scenario checks)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, rows in files.items():
        header, enc, eol = WRITE_AS.get(name, (cols_of(name), "utf-8", "\n"))
        with open(out / name, "w", encoding=enc, newline="") as f:
            w = csv.writer(f, lineterminator=eol)
            w.writerow(header)
            line = 2
            for r in rows:
                if r.get("blank"):
                    f.write(eol)
                    line += 1
                    continue
                w.writerow(r["cells"])
                if r.get("note"):
                    manifest.append((name, line, r.get("expect", "scenario"), r["note"], r.get("checks", "")))
                line += 1 + sum(c.count("\n") for c in r["cells"])
    return manifest


def generate(out: Path) -> list:
    rng = random.Random(SEED)
    persons = make_persons(rng)
    files, trainees = make_trainings(rng, persons)
    certs, first_cert = make_certificates(rng, persons, trainees)
    emps, out_emps, agencies = make_employers(rng)
    hires = make_hires(rng, persons, first_cert, emps, out_emps, agencies)
    payouts = make_payouts(rng, hires, first_cert)
    # A random stream of their own, so that the rest of the sample stays as it was.
    plant_audit_findings(random.Random(SEED + 41), payouts, hires, first_cert)
    files.update({CERTS: certs, HIRES: hires, PAYS: payouts})
    add_quirks(rng, files)
    plant_defects(rng, files, persons, agencies[1])
    # Random streams of their own, so that every other row of the sample stays as it was.
    respell_townships(random.Random(SEED + 13), files)
    workbook = township_workbook(files)
    competitions = make_competitions(random.Random(SEED + 71), persons, first_cert)  # a stream of its own too
    plant_competition_defects(random.Random(SEED + 72), competitions, persons)
    files[COMPS] = competitions
    manifest = write_all(out, files)
    write_xlsx(out / WORKBOOK, WORKBOOK_TOWNSHIP, workbook, merges=("A1:J1",))
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    ap.add_argument("--verify-only", action="store_true", help="re-read and check existing files")
    args = ap.parse_args(argv)
    manifest = None if args.verify_only else generate(args.out)
    if manifest is not None:
        for f in sorted(args.out.glob("*.csv")):
            print(f"wrote {f} ({f.stat().st_size:,} bytes)")
    verify(args.out, Q1_2022, TARGETS_2022, manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
