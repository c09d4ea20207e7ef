"""targets.yaml: the work plan's targets (任务目标), their breakdown by township (任务分解), the metric
definitions and the subsidy policy (SPEC §1, §4). Loaded safely, validated by pydantic; a problem names
the key path and the line of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from jishu.model import period_key, problem_table
from jishu.rules.progress import METRICS, NAMED_IN_TARGETS, SHARES

METRIC_KEYS = tuple(METRICS)

# Bounds on what targets.yaml may say (SPEC §6): far above any county's plan, far below what would
# overflow the arithmetic of a province's ledgers.
MAX_TARGET = 10**9
MAX_RATE = 1_000_000  # yuan per hire
MAX_CAP = 10**10  # yuan per payee
MAX_MONTHS = 1200
MAX_BYTES = 1 << 20  # the file itself
MAX_DEPTH = 32  # nesting of mappings and lists

Count = Annotated[StrictInt, Field(ge=0, le=MAX_TARGET)]
Share = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1, allow_inf_nan=False)]
Rate = Annotated[StrictInt, Field(ge=0, le=MAX_RATE)]
Cap = Annotated[StrictInt, Field(ge=0, le=MAX_CAP)]
Months = Annotated[StrictInt, Field(ge=0, le=MAX_MONTHS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricDef(Strict):
    name: str  # Chinese name, e.g. 职业技能培训
    unit: str  # 人次 / 人
    name_en: str | None = None
    unit_en: str | None = None


# A target per metric, every one optional: counts, or shares (0-1) for the share metrics.
MetricTargets = create_model(
    "MetricTargets",
    __base__=Strict,
    **{key: ((Share if key in SHARES else Count) | None, None) for key in METRIC_KEYS},
)


class EmployerPolicy(Strict):
    """吸纳就业补助 (SPEC §4, employer rules 1-6)."""

    name: str = "吸纳就业补助"
    rate: Rate
    cap: Cap | None = None
    min_months: Months  # stable employment of at least this many calendar months
    min_insured_months: Months
    sizes: tuple[Literal["large", "medium", "small", "micro"], ...]


class AgencyPolicy(Strict):
    """职业介绍补贴 (SPEC §4, agency rules 1-6)."""

    name: str = "职业介绍补贴"
    rate: Rate
    cap: Cap | None = None
    min_months: Months
    min_insured_months: Months
    in_province_only: bool = True


class SubsidyPolicy(Strict):
    employer: EmployerPolicy
    agency: AgencyPolicy


class Targets(Strict):
    version: Literal[1] = 1
    county: str | None = None
    plan_period: str | None = None
    metrics: dict[Literal[METRIC_KEYS], MetricDef]
    targets: dict[str, MetricTargets] = {}
    townships: dict[str, dict[str, MetricTargets]] = {}
    township_names: list[str] = []  # the county's townships, as reports name them (SPEC §2 "Townships")
    township_aliases: dict[str, str] = {}  # other spellings → one of township_names (白沙: 白沙镇)
    subsidy: SubsidyPolicy

    @field_validator("targets", "townships", mode="before")
    @classmethod
    def _period_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            return {period_key(k): v for k, v in value.items()}
        return value

    @field_validator("plan_period", mode="before")
    @classmethod
    def _plan_period(cls, value: object) -> object:
        return None if value is None else period_key(value)

    @field_validator("metrics")
    @classmethod
    def _all_metrics(cls, value: dict) -> dict:
        missing = [k for k in NAMED_IN_TARGETS if k not in value]
        if missing:
            raise ValueError(f"missing metric definitions: {', '.join(missing)}")
        return value

    @field_validator("township_names", "township_aliases", mode="before")
    @classmethod
    def _normalised(cls, value: object) -> object:
        """Township spellings compared as cells are: NFKC-normalised and trimmed."""
        import unicodedata

        def norm(text: object) -> object:
            return unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else text

        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, dict):
            return {norm(k): norm(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _aliases_name_townships(self) -> Targets:
        wrong = sorted({v for v in self.township_aliases.values() if v not in self.township_names})
        if wrong:
            raise ValueError(f"township_aliases lead to names not in township_names: {', '.join(wrong)}")
        return self

    def target(self, period: str, key: str, township: str | None = None) -> int | float | None:
        source = (
            self.targets.get(period) if township is None else self.townships.get(period, {}).get(township)
        )
        return getattr(source, key) if source is not None else None


class TargetsError(Exception):
    """The targets file cannot be used (SPEC §5: exit 2). Carries its problems (a problem table)."""

    def __init__(self, problems: list[dict]):
        super().__init__("targets unusable")
        self.problems = problem_table(problems)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader (no python/object tags) that refuses a key written twice in one mapping, aliases
    (`*name`, also in merge keys: a few lines of them can stand for billions of values), nesting
    deeper than MAX_DEPTH and keys that are not plain values (SPEC §6)."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "alias / 别名 (*)", self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, "nesting / 嵌套", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "complex key / 复杂键", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice / 键重复", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _line_of(root: yaml.Node | None, loc: tuple) -> int | None:
    """The line of the YAML node at a pydantic error location (or of its nearest parent)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if str(key_node.value) == str(part):
                node, line = value_node, key_node.start_mark.line + 1
                break
        else:
            break
    return line


def _yaml_reason(exc: yaml.YAMLError) -> dict:
    """What went wrong in words a clerk knows (a reason), else PyYAML's own message (the detail)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "could not find expected ':'" in problem or "mapping values are not allowed" in problem:
        return {"reason": "yaml_colon"}
    if "\\t" in problem or "\t" in problem:
        return {"reason": "yaml_tab"}
    if "could not determine a constructor" in problem:
        return {"reason": "yaml_tag"}
    if "appears twice" in problem:
        return {"reason": "yaml_duplicate", "detail": problem.split("'")[1]}
    for marker, reason in (
        ("alias /", "yaml_alias"),
        ("nesting /", "yaml_depth"),
        ("complex key /", "yaml_key"),
    ):
        if problem.startswith(marker):
            return {"reason": reason, "detail": str(MAX_DEPTH)}
    return {"detail": problem}


class _TooLarge(OSError):
    pass


def read_text(path: Path) -> str:
    """targets.yaml as text: UTF-8 (with or without BOM), else GB18030 as Notepad saves it on Chinese Windows.
    Only a regular file of at most MAX_BYTES is read (a FIFO would block, /dev/zero never ends)."""
    import os
    import stat

    status = os.stat(path)
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(status.st_mode):
        raise OSError(0, "not a regular file / 不是普通文件")
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _TooLarge(0, "")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def load(path: Path) -> Targets:
    """targets.yaml, checked; TargetsError with every problem when it cannot be used."""
    path = Path(path)
    name = path.name
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise TargetsError([{"file": name, "code": "targets_missing", "detail": str(path)}]) from None
    except IsADirectoryError:
        raise TargetsError([{"file": name, "code": "targets_unreadable", "reason": "is_folder"}]) from None
    except _TooLarge:
        raise TargetsError(
            [
                {
                    "file": name,
                    "code": "targets_unreadable",
                    "reason": "targets_too_large",
                    "detail": f"{MAX_BYTES >> 20} MB",
                }
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise TargetsError([{"file": name, "code": "targets_unreadable", "detail": detail}]) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        if getattr(exc, "problem_mark", None) is not None and "appears twice" in str(exc):
            mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise TargetsError(
            [{"file": name, "line": line, "code": "targets_yaml", **_yaml_reason(exc)}]
        ) from None
    if not isinstance(raw, dict):
        raise TargetsError([{"file": name, "line": 1, "code": "targets_yaml", "reason": "yaml_empty"}])
    try:
        return Targets.model_validate(raw)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # parsed again only here, for the line numbers
        problems = []
        for err in exc.errors():
            loc = tuple(
                p
                for p in err["loc"]
                if not (isinstance(p, str) and p.startswith(("function-", "constrained")))
            )
            key_path = ".".join(str(p) for p in loc) or "(top)"
            ctx = err.get("ctx") or {}
            # The bound or the choices when pydantic gives them (ge, le, expected), else its message.
            known = [str(ctx[k]) for k in ("ge", "le", "expected") if k in ctx]
            detail = known[0] if known else err["msg"].removeprefix("Value error, ")
            problems.append(
                {
                    "file": name,
                    "line": _line_of(root, loc),
                    "column": key_path,
                    "code": "targets_invalid",
                    "reason": f"pyd_{err['type']}",
                    "detail": detail,
                }
            )
        raise TargetsError(problems) from None


def township_warnings(targets: Targets, file: str) -> list[dict]:
    """Where township targets do not add up to the county target (a warning, shown by `check`)."""
    out = []
    for period, towns in targets.townships.items():
        county = targets.targets.get(period)
        for key in METRIC_KEYS:
            if key in SHARES or county is None or getattr(county, key) is None:
                continue
            values = [getattr(t, key) for t in towns.values() if getattr(t, key) is not None]
            if values and sum(values) != getattr(county, key):
                out.append(
                    {
                        "file": file,
                        "column": f"townships.{period}.{key}",
                        "code": "targets_township_sum",
                        "value": str(sum(values)),
                        "detail": str(getattr(county, key)),
                    }
                )
    return out
