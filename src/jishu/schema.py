"""The four ledgers (台账) of SPEC §2: their columns, value types and keys."""

from __future__ import annotations

from dataclasses import dataclass

# Value types of SPEC §2 "Value types".
RESIDENT_ID = "resident_id"  # 身份证号, GB 11643-1999
USCC = "uscc"  # 统一社会信用代码, GB 32100-2015
TEXT = "text"
DATE = "date"
BOOL = "bool"
LEVEL = "level"  # 技能等级 1-5, empty = none
SIZE = "size"  # 企业规模
INT = "int"  # integer >= 0
AMOUNT = "amount"  # yuan >= 0, kept as integer fen
KIND = "kind"  # 补贴类型: employer | agency


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    type: str
    header_required: bool = False  # the file must have this column
    value_required: bool = False  # a row must have a value in it


@dataclass(frozen=True)
class Ledger:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False  # payouts*.csv may be absent

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def pattern(self) -> str:
        return f"{self.name}*.csv"


def _req(name: str, zh: str, type_: str) -> Column:
    return Column(name, zh, type_, header_required=True, value_required=True)


def _opt(name: str, zh: str, type_: str) -> Column:
    return Column(name, zh, type_)


def _col_only(name: str, zh: str, type_: str) -> Column:
    """Column must be present, but a row may leave it empty."""
    return Column(name, zh, type_, header_required=True)


TRAININGS = Ledger(
    "trainings",
    "培训台账",
    "trainings",
    (
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT),
        _req("class_id", "班级编号", TEXT),
        _opt("occupation", "培训职业", TEXT),
        _opt("provider", "培训机构", TEXT),
        _opt("start_date", "开班日期", DATE),
        _req("end_date", "结业日期", DATE),
        _req("subsidized", "是否补贴性培训", BOOL),
        _opt("township", "乡镇", TEXT),
    ),
    key=("person_id", "class_id"),
)

CERTIFICATES = Ledger(
    "certificates",
    "取证台账",
    "certificates",
    (
        _req("cert_no", "证书编号", TEXT),
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT),
        _opt("cert_type", "证书类型", TEXT),
        _opt("occupation", "职业", TEXT),
        _col_only("level", "等级", LEVEL),
        _req("issue_date", "发证日期", DATE),
        _opt("issuer", "发证机构", TEXT),
        _opt("township", "乡镇", TEXT),
    ),
    key=("cert_no",),
)

HIRES = Ledger(
    "hires",
    "就业台账",
    "hires",
    (
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT),
        _req("employer_id", "统一社会信用代码", USCC),
        _req("employer_name", "单位名称", TEXT),
        _req("employer_size", "企业规模", SIZE),
        _req("hire_date", "入职日期", DATE),
        _col_only("separation_date", "离职日期", DATE),
        _req("insured_months", "社保缴费月数", INT),
        _opt("agency_id", "介绍机构统一社会信用代码", USCC),
        _opt("agency_name", "介绍机构名称", TEXT),
        _opt("in_province", "是否省内就业", BOOL),
        _opt("township", "乡镇", TEXT),
    ),
    key=("person_id", "employer_id", "hire_date"),
)

PAYOUTS = Ledger(
    "payouts",
    "补贴发放台账",
    "payouts",
    (
        _req("payee_id", "收款单位统一社会信用代码", USCC),
        _req("kind", "补贴类型", KIND),
        _req("person_id", "身份证号", RESIDENT_ID),
        _req("amount", "金额", AMOUNT),
        _req("paid_date", "发放日期", DATE),
        _opt("batch", "批次号", TEXT),
    ),
    key=("payee_id", "kind", "person_id"),
    optional=True,
)

LEDGERS: dict[str, Ledger] = {lg.name: lg for lg in (TRAININGS, CERTIFICATES, HIRES, PAYOUTS)}

# Date-order rules of SPEC §2: (later column, earlier column) per ledger.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "trainings": (("end_date", "start_date"),),
    "hires": (("separation_date", "hire_date"),),
}

# Row problem codes found while checking a column, by small integer (0 = fine), so that whole
# columns carry a uint8 code array and only bad rows are ever turned into problem records.
ROW_CODES = (
    "", "required_missing", "id_format", "id_checksum", "id_birthdate", "id_15digit", "id_scientific",
    "uscc_format", "uscc_checksum", "date_format", "date_invalid", "bool_invalid", "level_invalid",
    "size_invalid", "kind_invalid", "int_invalid", "amount_invalid",
)
CODE = {name: i for i, name in enumerate(ROW_CODES)}
