"""The ledgers (台账) of SPEC §2: their columns, value types, vocabularies and keys.

Declarative: a new ledger is one `Ledger` entry here (plus its rules and targets); reading,
validation, duplicates, the cache and the reconciliation follow from it.
"""

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
COMPETITION_LEVEL = "competition_level"  # 竞赛级别: national | provincial | city | county

# Vocabularies (matched without regard to case).
BOOLEANS = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False,
            "true": True, "false": False, "1": True, "0": False}  # fmt: skip
# 高技能 (high-skilled) = level 1-3 (SPEC §2).
LEVELS = {str(i): i for i in range(1, 6)} | {
    "一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5,
    "高级技师": 1, "技师": 2, "高级工": 3, "中级工": 4, "初级工": 5,
}  # fmt: skip
HIGH_SKILLED_LEVEL = 3  # levels 1-3 are 高技能
SIZES = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro",
         "large": "large", "medium": "medium", "small": "small", "micro": "micro"}  # fmt: skip
KINDS = {"employer": "employer", "agency": "agency", "吸纳就业补助": "employer", "职业介绍补贴": "agency"}
# 竞赛级别 (SPEC §7), kept as the canonical English word; the order is the order reports list them in.
COMPETITION_LEVELS = {
    "国家级": "national",
    "省级": "provincial",
    "市级": "city",
    "县级": "county",
    "national": "national",
    "provincial": "provincial",
    "city": "city",
    "county": "county",
}
COMPETITION_LEVEL_ORDER = ("national", "provincial", "city", "county")
# 获奖等次 (SPEC §7): an empty cell or one of these words means no award; any other text is an award.
NO_AWARD = ("无", "未获奖", "参赛")
# A vocabulary per type: the words, the problem code of a word not in it.
VOCABULARIES = {
    BOOL: (BOOLEANS, "bool_invalid"),
    LEVEL: (LEVELS, "level_invalid"),
    SIZE: (SIZES, "size_invalid"),
    KIND: (KINDS, "kind_invalid"),
    COMPETITION_LEVEL: (COMPETITION_LEVELS, "competition_level_invalid"),
}


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    type: str
    header_required: bool = False  # the file must have this column
    value_required: bool = False  # a row must have a value in it
    read: bool = True  # False: jishu never reads it (it can neither reject a row nor appear in a report)
    repeats: bool = False  # text whose values repeat a lot (townships, names of employers): checked by value


@dataclass(frozen=True)
class Ledger:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False  # may be absent (payouts, competitions)
    shown_when_absent: bool = (
        False  # an optional ledger without files is reported empty (payouts), not left out
    )
    date_order: tuple[tuple[str, str], ...] = ()  # (later column, earlier column): later ≥ earlier
    # (column, other column, problem code): the column must be filled when the other one is
    required_with: tuple[tuple[str, str, str], ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def pattern(self) -> str:
        return f"{self.name}*"

    @property
    def record_date(self) -> str:
        """The date that says when a record happened (a training's end, a certificate's issue, a hire):
        the first date every row must have. The latest one up to the as-of date is the data-through date."""
        return next(c.name for c in self.columns if c.type == DATE and c.value_required)

    @property
    def used(self) -> list[Column]:
        """The columns jishu reads."""
        return [c for c in self.columns if c.read]


def _req(name: str, zh: str, type_: str, **more) -> Column:
    return Column(name, zh, type_, header_required=True, value_required=True, **more)


def _opt(name: str, zh: str, type_: str, **more) -> Column:
    return Column(name, zh, type_, **more)


def _col_only(name: str, zh: str, type_: str) -> Column:
    """Column must be present, but a row may leave it empty."""
    return Column(name, zh, type_, header_required=True)


TRAININGS = Ledger(
    "trainings",
    "培训台账",
    "trainings",
    (
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT, read=False),
        _req("class_id", "班级编号", TEXT),
        _opt("occupation", "培训职业", TEXT, read=False),
        _opt("provider", "培训机构", TEXT, read=False),
        _opt("start_date", "开班日期", DATE),
        _req("end_date", "结业日期", DATE),
        _req("subsidized", "是否补贴性培训", BOOL),
        _opt("township", "乡镇", TEXT, repeats=True),
    ),
    key=("person_id", "class_id"),
    date_order=(("end_date", "start_date"),),
)

CERTIFICATES = Ledger(
    "certificates",
    "取证台账",
    "certificates",
    (
        _req("cert_no", "证书编号", TEXT),
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT, read=False),
        _opt("cert_type", "证书类型", TEXT, read=False),
        _opt("occupation", "职业", TEXT, read=False),
        _col_only("level", "等级", LEVEL),
        _req("issue_date", "发证日期", DATE),
        _opt("issuer", "发证机构", TEXT, read=False),
        _opt("township", "乡镇", TEXT, repeats=True),
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
        _req("employer_name", "单位名称", TEXT, repeats=True),
        _req("employer_size", "企业规模", SIZE),
        _req("hire_date", "入职日期", DATE),
        _col_only("separation_date", "离职日期", DATE),
        _req("insured_months", "社保缴费月数", INT),
        _opt("agency_id", "介绍机构统一社会信用代码", USCC),
        _opt("agency_name", "介绍机构名称", TEXT, repeats=True),
        _opt("in_province", "是否省内就业", BOOL),
        _opt("township", "乡镇", TEXT, repeats=True),
    ),
    key=("person_id", "employer_id", "hire_date"),
    date_order=(("separation_date", "hire_date"),),
    required_with=(("in_province", "agency_id", "in_province_missing"),),
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
    shown_when_absent=True,
)

COMPETITIONS = Ledger(
    "competitions",
    "竞赛台账",
    "competitions",
    (
        _req("competition_id", "竞赛编号", TEXT),
        _opt("competition_name", "竞赛名称", TEXT, read=False),
        _req("level", "竞赛级别", COMPETITION_LEVEL),
        _opt("occupation", "竞赛职业（工种）", TEXT, read=False),
        _req("end_date", "竞赛日期", DATE),
        _req("person_id", "身份证号", RESIDENT_ID),
        _opt("name", "姓名", TEXT, read=False),
        _opt("award", "获奖等次", TEXT, repeats=True),
        _opt("township", "乡镇", TEXT, repeats=True),
    ),
    key=("competition_id", "person_id"),
    optional=True,
    shown_when_absent=False,  # SPEC §7: without the ledger its metrics are absent from every report, not zero
)

LEDGERS: dict[str, Ledger] = {lg.name: lg for lg in (TRAININGS, CERTIFICATES, HIRES, PAYOUTS, COMPETITIONS)}

# Row problem codes found while checking a column, by small integer (0 = fine), so that whole
# columns carry a uint8 code array and only bad rows are ever turned into problem records.
ROW_CODES = (
    "", "required_missing", "id_format", "id_checksum", "id_birthdate", "id_15digit", "id_scientific",
    "uscc_format", "uscc_checksum", "date_format", "date_invalid", "bool_invalid", "level_invalid",
    "size_invalid", "kind_invalid", "int_invalid", "amount_invalid", "competition_level_invalid",
)  # fmt: skip
CODE = {name: i for i, name in enumerate(ROW_CODES)}
