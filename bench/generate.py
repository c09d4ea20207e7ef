"""Bulk synthetic ledgers for the benchmark: county, city or province size, deterministic, vectorised.

    python bench/generate.py city --out bench/out/city [--files 4]

Every row is valid and no key repeats, so that jishu's counts (after validation and de-duplication)
must equal plain SQL counts over the same files (bench/run.py checks it). Dates span 2021-2025.
Sizes (trainings / certificates / hires) are those of the scale issue.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

SIZES = {  # rows: trainings, certificates, hires; persons in the population
    "tiny": (3_000, 3_000, 1_000, 4_000),  # for the smoke test in the test suite
    "county": (60_000, 70_000, 15_000, 80_000),
    "city": (2_000_000, 1_500_000, 300_000, 2_500_000),
    "province": (20_000_000, 12_000_000, 3_000_000, 15_000_000),
}
SEED = 410122
REGIONS = np.array(
    [
        410102,
        410103,
        410122,
        410181,
        410182,
        410183,
        410184,
        410185,
        410221,
        410305,
        410402,
        410502,
        410602,
        410702,
        410802,
        410902,
        411002,
        411102,
        411202,
        411302,
        411402,
        411502,
        411602,
        411702,
        419001,
    ]
)
TOWNSHIPS = [
    "青年路街道",
    "东风路街道",
    "广惠街街道",
    "大孟街道",
    "韩寺镇",
    "官渡镇",
    "狼城岗镇",
    "万滩镇",
    "白沙镇",
    "郑庵镇",
    "黄店镇",
    "刘集镇",
    "雁鸣湖镇",
    "姚家镇",
    "刁家乡",
]
OCCUPATIONS = [
    "电工",
    "焊工",
    "育婴员",
    "保育员",
    "中式烹调师",
    "美容师",
    "养老护理员",
    "电子商务师",
    "家政服务员",
    "汽车维修工",
    "农业经理人",
    "茶艺师",
]
PROVIDERS = ["中牟县职业培训学校", "郑州技师学院", "河南省就业训练中心", "中牟县农广校", "郑州市第一技工学校"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国红玉兰"
LEVELS = np.array(["1", "2", "3", "4", "5", "", "高级工", "技师", "中级工", "初级工"])
SIZES_ZH = np.array(["大型", "中型", "小型", "微型"])
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])


def strings(matrix: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """A string column from a (n, width) byte matrix; `lengths` cuts each row (bytes)."""
    n, width = matrix.shape
    if lengths is None:
        data = np.ascontiguousarray(matrix).reshape(-1)
        offsets = np.arange(0, n * width + 1, width, dtype=np.int64)
    else:
        keep = np.arange(width)[None, :] < lengths[:, None]
        data = matrix[keep]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())).cast(
        pa.string()
    )


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of integers as a (n, width) byte matrix."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers[None, :]) % 10 + 48).astype(np.uint8)


def iso_dates(days: np.ndarray) -> pa.Array:
    d = days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    dash = np.full((len(d), 1), ord("-"), dtype=np.uint8)
    return strings(np.hstack([digits(year, 4), dash, digits(month, 2), dash, digits(day, 2)]))


def resident_ids(person: np.ndarray) -> pa.Array:
    """Valid 18-character IDs (GB 11643), one per person index and different for different persons:
    the index is spread injectively over region, birth date (1965-2002) and sequence number."""
    days = 13_870
    region = REGIONS[person % len(REGIONS)]
    birth = np.datetime64("1965-01-01") + (person // len(REGIONS)) % days
    seq = (person // (len(REGIONS) * days)) % 1000
    d = birth.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    body = np.hstack([digits(region, 6), digits(year, 4), digits(month, 2), digits(day, 2), digits(seq, 3)])
    check = (12 - ((body.astype(np.int64) - 48) @ ID_WEIGHTS) % 11) % 11
    last = np.where(check == 10, ord("X"), check + 48).astype(np.uint8)
    return strings(np.hstack([body, last[:, None]]))


def credit_codes(count: int, rng: np.random.Generator) -> list[str]:
    out = []
    values = rng.integers(0, 31, size=(count, 9))
    for i in range(count):
        body = "91" + "410122" + "".join(USCC_ALPHABET[v] for v in values[i])
        total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
        out.append(body + USCC_ALPHABET[(31 - total) % 31])
    return out


def names(n: int, rng: np.random.Generator) -> pa.Array:
    chars = np.frombuffer((SURNAMES + GIVEN).encode("utf-8"), dtype=np.uint8).reshape(-1, 3)
    first = rng.integers(0, len(SURNAMES), n)
    rest = rng.integers(len(SURNAMES), len(chars), (n, 2))
    matrix = np.hstack([chars[first], chars[rest[:, 0]], chars[rest[:, 1]]])
    return strings(matrix, np.where(rng.random(n) < 0.4, 6, 9))


def pick(words: list[str], n: int, rng: np.random.Generator) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(words), n), pa.int32()), pa.array(words)
    ).cast(pa.string())


def days_between(n: int, rng: np.random.Generator, start="2021-01-01", end="2025-12-31") -> np.ndarray:
    span = (np.datetime64(end) - np.datetime64(start)).astype(int)
    return np.datetime64(start) + rng.integers(0, span + 1, n)


def trainings(n: int, persons: int, rng: np.random.Generator) -> pa.Table:
    row = np.arange(n, dtype=np.int64)
    person = (row * 104_729) % persons  # 30 consecutive rows (one class) are 30 different persons
    end = days_between(n, rng)
    start = end - rng.integers(5, 60, n)
    klass = row // 30
    class_id = strings(np.hstack([np.full((n, 2), [ord("Z"), ord("M")], dtype=np.uint8), digits(klass, 8)]))
    return pa.table(
        {
            "person_id": resident_ids(person),
            "name": names(n, rng),
            "class_id": class_id,
            "occupation": pick(OCCUPATIONS, n, rng),
            "provider": pick(PROVIDERS, n, rng),
            "start_date": iso_dates(start),
            "end_date": iso_dates(end),
            "subsidized": pick(["是", "是", "否"], n, rng),
            "township": pick(TOWNSHIPS, n, rng),
        }
    )


def certificates(n: int, persons: int, rng: np.random.Generator) -> pa.Table:
    row = np.arange(n, dtype=np.int64)
    person = rng.integers(0, persons, n)
    cert_no = strings(np.hstack([np.full((n, 1), ord("S"), dtype=np.uint8), digits(row, 10)]))
    return pa.table(
        {
            "cert_no": cert_no,
            "person_id": resident_ids(person),
            "name": names(n, rng),
            "cert_type": pick(["职业技能等级证书", "职业资格证书", "专项职业能力证书"], n, rng),
            "occupation": pick(OCCUPATIONS, n, rng),
            "level": pa.array(LEVELS[rng.integers(0, len(LEVELS), n)]),
            "issue_date": iso_dates(days_between(n, rng)),
            "issuer": pick(PROVIDERS, n, rng),
            "township": pick(TOWNSHIPS, n, rng),
        }
    )


def hires(n: int, persons: int, rng: np.random.Generator) -> pa.Table:
    row = np.arange(n, dtype=np.int64)
    person = (row * 7_919) % persons
    codes = credit_codes(max(n // 40, 10), rng)
    employer = rng.integers(0, len(codes), n)
    hire = days_between(n, rng)
    left = rng.random(n) < 0.3
    separation = pa.array(
        np.where(left, iso_dates(hire + rng.integers(30, 700, n)).to_numpy(zero_copy_only=False), "")
    )
    agencies = credit_codes(20, np.random.default_rng(SEED + 2))
    has_agency = rng.random(n) < 0.2
    agency = rng.integers(0, len(agencies), n)
    return pa.table(
        {
            "person_id": resident_ids(person),
            "name": names(n, rng),
            "employer_id": pa.array(codes).take(pa.array(employer)),
            "employer_name": pa.array([f"单位{e}" for e in range(len(codes))]).take(pa.array(employer)),
            "employer_size": pa.array(SIZES_ZH[rng.integers(0, 4, n)]),
            "hire_date": iso_dates(hire),
            "separation_date": separation,
            "insured_months": pa.array(rng.integers(0, 40, n)).cast(pa.string()),
            "agency_id": pa.array(np.where(has_agency, np.array(agencies, dtype=object)[agency], "")),
            "agency_name": pa.array(np.where(has_agency, "人力资源公司", "")),
            "in_province": pa.array(np.where(has_agency, np.where(rng.random(n) < 0.9, "是", "否"), "")),
            "township": pick(TOWNSHIPS, n, rng),
        }
    )


def write(table: pa.Table, out: Path, name: str, files: int) -> None:
    # As Excel writes it: no quotes where none are needed, header included.
    options = pacsv.WriteOptions(quoting_style="none", batch_size=1 << 16, include_header=False)
    bounds = np.linspace(0, table.num_rows, files + 1).astype(int)
    for i in range(files):
        suffix = f"_{i + 1:02d}" if files > 1 else ""
        with open(out / f"{name}{suffix}.csv", "wb") as handle:
            handle.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(table.slice(bounds[i], bounds[i + 1] - bounds[i]), handle, options)


def generate(size: str, out: Path, files: int = 1) -> None:
    n_train, n_cert, n_hire, persons = SIZES[size]
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.csv"):
        stale.unlink()
    for name, make, n in (
        ("hires", hires, n_hire),
        ("certificates", certificates, n_cert),
        ("trainings", trainings, n_train),
    ):
        started = time.monotonic()
        step = 4_000_000  # generate in slices so memory stays bounded at province size
        for part, first in enumerate(range(0, n, step)):
            count = min(step, n - first)
            table = make(count, persons, np.random.default_rng([SEED, part, len(name)]))
            if name == "trainings" and first:  # keep class ids unique across slices
                table = table.set_column(
                    2,
                    "class_id",
                    pa.compute.binary_join_element_wise(pa.scalar(f"P{part}"), table["class_id"], ""),
                )
            if name == "certificates" and first:
                table = table.set_column(
                    0,
                    "cert_no",
                    pa.compute.binary_join_element_wise(pa.scalar(f"P{part}"), table["cert_no"], ""),
                )
            if n <= step:
                write(table, out, name, files)
            else:
                write(table, out, f"{name}_p{part:02d}", 1)
        print(f"{name}: {n:,} rows in {time.monotonic() - started:.1f} s", flush=True)
    total = sum(p.stat().st_size for p in out.glob("*.csv"))
    print(f"{size}: {total / 1e6:,.0f} MB of CSV in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("size", choices=list(SIZES))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--files", type=int, default=1, help="files per ledger (a county gets one per township)"
    )
    args = parser.parse_args()
    generate(args.size, args.out, args.files)


if __name__ == "__main__":
    main()
