"""targets.yaml: the work plan's targets (任务目标), their breakdown by township (任务分解), the metric
definitions and the subsidy policy (SPEC §1, §4). Loaded safely, validated by pydantic; a problem names
the key path and the line of the file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, field_validator

METRIC_KEYS = ("training", "subsidized_training", "skilled", "high_skilled", "employment", "certified_employment")
SHARE_METRICS = {"certified_employment"}  # targets given as a share 0-1, not a count

Count = Annotated[StrictInt, Field(ge=0)]
Share = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]
PERIOD_KEY = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricDef(Strict):
    name: str  # Chinese name, e.g. 职业技能培训
    unit: str  # 人次 / 人
    name_en: str | None = None
    unit_en: str | None = None


class MetricTargets(Strict):
    training: Count | None = None
    subsidized_training: Count | None = None
    skilled: Count | None = None
    high_skilled: Count | None = None
    employment: Count | None = None
    certified_employment: Share | None = None


class EmployerPolicy(Strict):
    """吸纳就业补助 (SPEC §4, employer rules 1-6)."""

    name: str = "吸纳就业补助"
    rate: Count
    cap: Count | None = None
    min_months: Count  # stable employment of at least this many calendar months
    min_insured_months: Count
    sizes: tuple[Literal["large", "medium", "small", "micro"], ...]


class AgencyPolicy(Strict):
    """职业介绍补贴 (SPEC §4, agency rules 1-6)."""

    name: str = "职业介绍补贴"
    rate: Count
    cap: Count | None = None
    min_months: Count
    min_insured_months: Count
    in_province_only: bool = True


class SubsidyPolicy(Strict):
    employer: EmployerPolicy
    agency: AgencyPolicy


def _period_key(value: object) -> str:
    text = str(value)
    match = PERIOD_KEY.match(text)
    if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
        raise ValueError(f"'{text}' is not a year (2022) or a span of years (2021-2025)")
    return text


class Targets(Strict):
    version: Literal[1] = 1
    county: str | None = None
    plan_period: str | None = None
    metrics: dict[Literal[METRIC_KEYS], MetricDef]
    targets: dict[str, MetricTargets] = {}
    townships: dict[str, dict[str, MetricTargets]] = {}
    subsidy: SubsidyPolicy

    @field_validator("targets", "townships", mode="before")
    @classmethod
    def _period_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            return {_period_key(k): v for k, v in value.items()}
        return value

    @field_validator("plan_period", mode="before")
    @classmethod
    def _plan_period(cls, value: object) -> object:
        return None if value is None else _period_key(value)

    @field_validator("metrics")
    @classmethod
    def _all_metrics(cls, value: dict) -> dict:
        missing = [k for k in METRIC_KEYS if k not in value and k not in SHARE_METRICS]
        if missing:
            raise ValueError(f"missing metric definitions: {', '.join(missing)}")
        return value

    def metric(self, key: str) -> MetricDef:
        return self.metrics.get(key) or MetricDef(name=key, unit="")

    def target(self, period: str, key: str, township: str | None = None) -> int | float | None:
        source = self.targets.get(period) if township is None else self.townships.get(period, {}).get(township)
        return getattr(source, key) if source is not None else None


class TargetsError(Exception):
    """The targets file cannot be used (SPEC §5: exit 2). `problems` are dicts for problems.make_table."""

    def __init__(self, problems: list[dict]):
        super().__init__("targets unusable")
        self.problems = problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader (no python/object tags) that refuses a key written twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
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


def _yaml_detail(exc: yaml.YAMLError) -> str:
    from jishu.problems import detail_key

    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "could not find expected ':'" in problem or "mapping values are not allowed" in problem:
        return detail_key("yaml_colon")
    if "\\t" in problem or "\t" in problem:
        return detail_key("yaml_tab")
    if "could not determine a constructor" in problem:
        return detail_key("yaml_tag")
    if "appears twice" in problem:
        return detail_key("yaml_duplicate", name=problem.split("'")[1])
    return detail_key("as_is", msg=problem)


def read_text(path: Path) -> str:
    """targets.yaml as text: UTF-8 (with or without BOM), else GB18030 as Notepad saves it on Chinese Windows."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def load(path: Path) -> Targets:
    from jishu.problems import detail_key

    path = Path(path)
    name = path.name
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise TargetsError([{"file": name, "code": "targets_missing", "detail": str(path)}]) from None
    except IsADirectoryError:
        raise TargetsError([{"file": name, "code": "targets_unreadable", "detail": detail_key("is_folder")}]) from None
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
        raise TargetsError([{"file": name, "line": line, "code": "targets_yaml", "detail": _yaml_detail(exc)}]) from None
    if not isinstance(raw, dict):
        raise TargetsError([{"file": name, "line": 1, "code": "targets_yaml", "detail": detail_key("yaml_empty")}])
    try:
        return Targets.model_validate(raw)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # parsed again only here, for the line numbers
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "constrained"))))
            key_path = ".".join(str(p) for p in loc) or "(top)"
            ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
            msg = err["msg"].removeprefix("Value error, ")
            problems.append({"file": name, "line": _line_of(root, loc), "column": key_path, "code": "targets_invalid",
                             "detail": detail_key(f"pyd_{err['type']}", msg=msg, **ctx)})
        raise TargetsError(problems) from None


def township_warnings(targets: Targets, file: str) -> list[dict]:
    """Where township targets do not add up to the county target (a warning, shown by `check`)."""
    out = []
    for period, towns in targets.townships.items():
        county = targets.targets.get(period)
        for key in METRIC_KEYS:
            if key in SHARE_METRICS or county is None or getattr(county, key) is None:
                continue
            values = [getattr(t, key) for t in towns.values() if getattr(t, key) is not None]
            if values and sum(values) != getattr(county, key):
                out.append({"file": file, "column": f"townships.{period}.{key}", "code": "targets_township_sum",
                            "value": str(sum(values)), "detail": str(getattr(county, key))})
    return out


class Period(BaseModel):
    label: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2022` or `2021-2025`."""
        label = _period_key(text.strip())
        first, _, last = label.partition("-")
        return cls(label=label, start=dt.date(int(first), 1, 1), end=dt.date(int(last or first), 12, 31))
