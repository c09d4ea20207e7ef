"""The command line's help text, in Chinese by default and in English with JISHU_LANG=en or --lang en
(SPEC §5: "Chinese is the default language, for help text too"), with an example for every command.

Help is built when the command line is defined, so the language is read from the environment and the
arguments at that moment (`language`); Typer's own words (panel titles, [default: …]) follow it.
"""

from __future__ import annotations

import os

HELP: dict[str, tuple[str, str]] = {
    "app": (
        "jishu：「人人持证、技能河南」台账统计。校验培训、取证、就业、补贴发放和竞赛台账，计算各项指标的序时进度、"
        "可发放的补贴，审核已发放的补贴，并生成每晚的汇总。",
        "jishu: the 「人人持证、技能河南」 ledgers counted. Validates the training, certificate, hire, payout and "
        "competition ledgers; progress against targets, subsidies due, an audit of payouts, a nightly summary.",
    ),
    "app_epilog": (
        "每个命令的用法：jishu 命令 -h，例如 jishu progress -h。",
        "Help on a command: jishu COMMAND -h, e.g. jishu progress -h.",
    ),
    "version": ("显示版本号后退出。", "Show the version and exit."),
    "help": ("显示此帮助后退出。", "Show this message and exit."),
    "data": ("台账文件夹（CSV 或 Excel 工作簿）。", "The folder of ledger files (CSV or Excel workbooks)."),
    "targets": ("目标任务与补贴政策文件。", "The targets and subsidy policy file."),
    "encoding": (
        "按此编码读取所有CSV（默认自动识别 UTF-8 / GB18030）。",
        "Read every CSV in this encoding (default: detect UTF-8 / GB18030).",
    ),
    "lang": (
        "提示和报表的语言：zh 中文，en 英文。",
        "Language of messages and reports: zh Chinese, en English.",
    ),
    "no_cache": (
        "不用已校验的缓存，重新读取全部台账文件。",
        "Read every ledger file afresh, without the validated cache.",
    ),
    "as_of": (
        "统计截止日期，如 2022-03-31（默认今天）：只计当天及以前的记录。",
        "Cut-off date, e.g. 2022-03-31 (default: today): only what was recorded by then counts.",
    ),
    "year": ("统计年度，如 2022。", "A calendar year, e.g. 2022."),
    "period": ("规划期，如 2021-2025。", "The plan period, e.g. 2021-2025."),
    "by": (
        "分组：township 按乡镇（排名），month 按月，quarter 按季度。",
        "Break down by township (ranked), month or quarter.",
    ),
    "format": ("输出格式：table 表格，json，csv，markdown。", "Output format: table, json, csv or markdown."),
    "output": (
        "把报表写入此文件，格式由扩展名决定：.csv（用 Excel 直接打开）、 .xlsx、 .json 或 .md。",
        "Write the report to this file, in the format of its extension: .csv (opens in Excel), .xlsx, "
        ".json or .md.",
    ),
    "strict": ("有行被拒收时退出码为 1。", "Exit 1 when any row was rejected."),
    "check_format": ("输出格式：table 表格，json，csv。", "Output format: table, json or csv."),
    "employer": ("用人单位的统一社会信用代码或全称。", "An employer's credit code or exact name."),
    "agency": ("人力资源服务机构的统一社会信用代码或全称。", "An HR agency's credit code or exact name."),
    "export": (
        "把应发放人员清单写入此文件（.xlsx 或 .csv，供财务使用）。",
        "Write the payout list of hires now due to this file (.xlsx or .csv, for the finance office).",
    ),
    "full_ids": (
        "清单中写完整身份证号（文件权限设为仅本人可读写）。",
        "Put full ID numbers in the payout list (the file is made private to its owner).",
    ),
    "out": ("汇总文件写入的文件夹（不存在则创建）。", "The folder for the summary files (made if missing)."),
    "lock_wait": (
        "另一次汇总正在运行时最多等待的秒数。",
        "Seconds to wait while another summary run is going.",
    ),
    "progress": (
        "各项指标的完成情况与序时进度。",
        "How far each target is, against the time elapsed (序时进度).",
    ),
    "progress_epilog": (
        "示例：jishu progress --year 2022 ｜ jishu progress --period 2021-2025 --by township ｜ "
        "jishu progress --year 2022 --as-of 2022-03-31 -o 进度.xlsx",
        "Examples: jishu progress --year 2022 | jishu progress --period 2021-2025 --by township | "
        "jishu progress --year 2022 --as-of 2022-03-31 -o progress.xlsx",
    ),
    "check": (
        "校验目标文件和全部台账，列出每个问题（有错误时退出码为 1）。",
        "Validate the targets file and every ledger; list every problem (exit 1 when there are errors).",
    ),
    "check_epilog": (
        "示例：jishu check ｜ jishu check -o 问题清单.xlsx（可在 Excel 中筛选，含工作表、行号和列号）",
        "Examples: jishu check | jishu check -o problems.xlsx (a list to filter in Excel, with sheet, row and "
        "column letter)",
    ),
    "subsidy": (
        "用人单位或人力资源服务机构现在可发放的补贴，逐人列出原因。",
        "What an employer or HR agency may be paid now, hire by hire, with reasons.",
    ),
    "subsidy_epilog": (
        "示例：jishu subsidy ｜ jishu subsidy --employer 91410122MA44AAAA0J ｜ "
        "jishu subsidy --export 发放清单.xlsx",
        "Examples: jishu subsidy | jishu subsidy --employer 91410122MA44AAAA0J | "
        "jishu subsidy --export payouts.xlsx",
    ),
    "audit": (
        "审核已发放的补贴：找出不符合规定的发放（有问题时退出码为 1）。",
        "The payouts the subsidy rules do not support (exit 1 when there are findings).",
    ),
    "audit_epilog": (
        "示例：jishu audit --as-of 2023-12-31 -o 审核.xlsx",
        "Example: jishu audit --as-of 2023-12-31 -o audit.xlsx",
    ),
    "summary": (
        "每晚的汇总：写出 summary-<日期>.json、.md、.html、.txt，以及 latest.json 和 history.csv。",
        "The nightly job: writes summary-<as-of>.json, .md, .html and .txt, latest.json and history.csv.",
    ),
    "summary_epilog": (
        "示例（cron）：jishu summary --out /srv/jishu/out",
        "Example (cron): jishu summary --out /srv/jishu/out",
    ),
}

# Typer's own words in its help screens (typer.rich_utils), in Chinese.
TYPER_WORDS_ZH = {
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ABORTED_TEXT": "已中止。",
}


def language(args: list[str], environ: os._Environ | dict = os.environ) -> str:
    """The language asked for, before the options are parsed: --lang (also --lang=…), else JISHU_LANG."""
    for i, arg in enumerate(args):
        value = (
            arg.split("=", 1)[1]
            if arg.startswith("--lang=")
            else (args[i + 1] if arg == "--lang" and i + 1 < len(args) else None)
        )
        if value in ("zh", "en"):
            return value
    return "en" if environ.get("JISHU_LANG") == "en" else "zh"


def texts(lang: str) -> dict[str, str]:
    """Every help text in one language."""
    return {key: pair[1 if lang == "en" else 0] for key, pair in HELP.items()}


def localise_typer(lang: str) -> None:
    """Typer's own words in the help screens, in Chinese unless English is asked for."""
    if lang == "en":
        return
    import typer.rich_utils as rich_utils

    for name, text in TYPER_WORDS_ZH.items():
        setattr(rich_utils, name, text)
