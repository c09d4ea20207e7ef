"""Every sentence jishu says to a clerk, in Chinese (default) and English.

Problem messages are looked up by problem code; the other keys are for the command line and reports.
Templates use str.format fields: {file}, {line}, {column}, {value}, {detail}. Reports carry codes;
`Words` puts them into words, in one language, with the county's own metric names from targets.yaml.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jishu.model import Finding, Problem


def _money(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


LANGS = ("zh", "en")

DATE_HINT_ZH = "请写成 2022-03-05、2022/3/5、2022.3.5、20220305 或 2022年3月5日"
DATE_HINT_EN = "write it as 2022-03-05, 2022/3/5, 2022.3.5, 20220305 or 2022年3月5日"

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- whole-file problems (the file is unusable; exit 2) ----
    "file_missing": (
        "数据目录 {detail} 中找不到{column}：没有文件名以 {value} 开头的 CSV 或 Excel 文件，也没有表头含有{column}必需列的文件或工作表",
        (
            "no {column} in the data folder {detail}: no CSV or Excel file named {value}, and no file or sheet whose "
            "header has the {column}' required columns"
        ),
    ),
    "data_dir_missing": (
        "数据目录 {detail} 不存在或不是文件夹（用 --data 或环境变量 JISHU_DATA 指定）",
        "the data folder {detail} does not exist or is not a folder (set it with --data or JISHU_DATA)",
    ),
    "file_unreadable": (
        "无法读取该文件：{detail}",
        "the file cannot be read: {detail}",
    ),
    "file_empty": (
        "文件是空的，连表头都没有",
        "the file is empty: it has no header line",
    ),
    "file_binary": (
        "文件第 {line} 行含有空字节（NUL），不像是CSV文本文件；请在Excel/WPS中“另存为”CSV UTF-8（逗号分隔）",
        (
            "line {line} contains NUL bytes, so this is not a CSV text file; in Excel/WPS use Save As → CSV UTF-8 "
            "(comma delimited)"
        ),
    ),
    "file_too_large": (
        "文件大小为 {value}，超过 jishu 读取此类文件的上限（{detail}）；请按年度或乡镇拆分为几个文件",
        "the file is {value}, more than jishu reads of such a file ({detail}); split it by year or township",
    ),
    "record_too_large": (
        "从第 {line} 行开始的一条记录超过 {detail}：可能是某个引号没有配对，或这不是台账文件",
        "the record starting on line {line} is longer than {detail}: a quote left open, or this is no ledger",
    ),
    "file_utf16": (
        "文件是UTF-16编码（Excel的“Unicode文本”），请“另存为”CSV UTF-8（逗号分隔）",
        "the file is UTF-16 (Excel's 'Unicode Text'); use Save As → CSV UTF-8 (comma delimited)",
    ),
    "file_encoding": (
        "文件无法按 {detail} 编码读取（第 {line} 行有无法识别的字节）；请“另存为”CSV UTF-8，或用 --encoding 指定编码",
        (
            "the file cannot be read as {detail} (line {line} has bytes that are not text in it); save it as "
            "CSV UTF-8 or give --encoding"
        ),
    ),
    "csv_quote": (
        "第 {line} 行有一个没有配对的英文双引号，后面各行都会被并进一个单元格；请检查该行的引号",
        (
            "line {line} opens a double quote that is never closed, so every later line would run into one cell; "
            "check the quotes on that line"
        ),
    ),
    "csv_malformed": (
        "第 {line} 行不是有效的CSV：{detail}",
        "line {line} is not valid CSV: {detail}",
    ),
    "header_missing": (
        "缺少必需的列：{value}。文件中的表头为：{detail}",
        "required column(s) missing: {value}. The headers found are: {detail}",
    ),
    "header_separator": (
        "缺少必需的列：{value}。表头“{detail}”看起来是用“{column}”分隔的；jishu需要逗号分隔的CSV",
        (
            "required column(s) missing: {value}. The header '{detail}' looks separated by '{column}'; jishu needs "
            "comma-separated CSV"
        ),
    ),
    "header_duplicate": (
        "同一列出现了不止一次：{value}（表头：{detail}）；请删除重复的列",
        "a column appears more than once: {value} (headers: {detail}); remove the repeated column",
    ),
    # ---- notices: about a file or sheet, not a row ----
    "lock_file": (
        "这是Excel/WPS打开工作簿时留下的临时锁定文件，不是台账，未读取（关闭工作簿后会自动消失）",
        "this is the lock file Excel/WPS keeps while a workbook is open, not a ledger; not read",
    ),
    "file_not_regular": ("不是普通文件，而是{detail}，未读取", "not a regular file but {detail}; not read"),
    "file_outside": (
        "这是指向数据目录之外的符号链接（指向 {detail}）；照常读取，但不显示其中的任何内容",
        "a symbolic link to a file outside the data folder ({detail}); it is read, but nothing of its content is shown",
    ),
    "folder_not_read": (
        "这是一个文件夹，其中的文件不会读取；台账请直接放在数据目录中",
        "this is a folder; files in it are not read",
    ),
    "file_not_read": (
        "不是 CSV 或 Excel 文件（{detail}），未读取",
        "not a CSV or Excel file ({detail}); not read",
    ),
    "file_format_not_read": (
        "jishu 不读取 {detail} 文件；如果这是台账，请“另存为” .xlsx 或 CSV UTF-8",
        "jishu does not read {detail} files; if this is a ledger, save it as .xlsx or CSV UTF-8",
    ),
    "sheet_empty": ("工作表是空的，未读取", "the sheet is empty; not read"),
    "sheet_not_a_table": (
        "这是图表页或宏表，不是数据表，未读取",
        "this is a chart or macro sheet, not a table; not read",
    ),
    "not_a_ledger": (
        "前20行中没有一行含有任何台账的必需列，不是台账，未读取；第一行为：{detail}",
        (
            "no row among the first 20 holds the required columns of any ledger, so this is not a ledger and is "
            "not read; its first row is: {detail}"
        ),
    ),
    "ledger_ambiguous": (
        "表头同时含有多个台账（{value}）的必需列，无法确定属于哪个台账，未读取；表头为：{detail}",
        "the header holds the required columns of more than one ledger ({value}); not read. Headers: {detail}",
    ),
    "title_rows": (
        "表头在第 {line} 行；其上方的 {value} 行标题行（第 {detail} 行）不是数据，已跳过",
        "the header is on row {line}; the {value} title row(s) above it (rows {detail}) are not data and were skipped",
    ),
    "footer_rows": (
        "{value} 行合计、小计或签名行（第 {detail} 行）不是数据，已跳过",
        "{value} total, subtotal or signature row(s) (rows {detail}) are not data and were skipped",
    ),
    # ---- row problems ----
    "required_missing": (
        "“{column}”为空，这一列必须填写",
        "'{column}' is empty; this column must be filled in",
    ),
    "in_province_missing": (
        "填写了介绍机构，但“{column}”为空；请填 是 或 否",
        "an agency is given but '{column}' is empty; fill in yes or no",
    ),
    "id_scientific": (
        "身份证号“{value}”被Excel显示成了科学计数法，后几位已经丢失；请把该列设为“文本”格式后重新录入",
        (
            "ID number '{value}' was turned into scientific notation by Excel and its last digits are lost; "
            "format the column as Text and enter the numbers again"
        ),
    ),
    "id_15digit": (
        "身份证号“{value}”是15位旧号码，请改为18位号码",
        "ID number '{value}' is an old 15-digit number; enter the 18-digit number",
    ),
    "id_format": (
        "身份证号“{value}”格式不对：应为18位，前17位是数字，最后一位是数字或X",
        "ID number '{value}' is malformed: it must be 18 characters, 17 digits and a digit or X",
    ),
    "id_checksum": (
        "身份证号“{value}”最后一位校验码不对，可能有录入错误，请核对",
        "ID number '{value}' fails its check character; it was probably mistyped",
    ),
    "id_birthdate": (
        "身份证号“{value}”中的出生日期不对（应为1900-01-01至{detail}之间的真实日期）",
        "ID number '{value}' has an impossible birth date (it must be a real date from 1900-01-01 to {detail})",
    ),
    "township_unknown": (
        "乡镇“{value}”不在目标任务文件的乡镇名单中（township_names），按“未识别乡镇”统计；相近的有：{detail}",
        (
            "township '{value}' is not in the targets file's township_names; counted as an unrecognised township; "
            "close names: {detail}"
        ),
    ),
    "id_region_unknown": (
        "身份证号“{value}”的地区码 {detail} 不在行政区划代码表中，请核对（该行仍然计入）",
        (
            "ID number '{value}' has region code {detail}, which is not in the table of division codes; "
            "please check (the row is still counted)"
        ),
    ),
    "uscc_format": (
        "统一社会信用代码“{value}”格式不对：应为18位，前8位是数字，其余是数字或大写字母（不含I、O、Z、S、V）",
        (
            "credit code '{value}' is malformed: 18 characters, the first 8 digits, the rest digits or capital "
            "letters (no I, O, Z, S, V)"
        ),
    ),
    "uscc_checksum": (
        "统一社会信用代码“{value}”最后一位校验码不对，可能有录入错误，请核对",
        "credit code '{value}' fails its check character; it was probably mistyped",
    ),
    "date_format": (
        "“{column}”的值“{value}”不是可识别的日期{detail}；" + DATE_HINT_ZH,
        "'{column}' value '{value}' is not a date jishu can read{detail}; " + DATE_HINT_EN,
    ),
    "date_invalid": (
        "“{column}”的值“{value}”不是真实存在的日期",
        "'{column}' value '{value}' is not a real calendar date",
    ),
    "date_order": (
        "“{column}”的值“{value}”早于{detail}",
        "'{column}' value '{value}' is earlier than {detail}",
    ),
    "bool_invalid": (
        "“{column}”的值“{value}”无法识别；请填 是 或 否（也可用 Y/N、yes/no、true/false、1/0）",
        "'{column}' value '{value}' is not yes or no; use 是/否, Y/N, yes/no, true/false or 1/0",
    ),
    "level_invalid": (
        "等级“{value}”无法识别；请填 1–5、一级…五级，或 高级技师、技师、高级工、中级工、初级工；没有等级请留空",
        (
            "level '{value}' is not recognised; use 1-5, 一级…五级, or 高级技师, 技师, 高级工, 中级工, 初级工; "
            "leave it empty when there is no level"
        ),
    ),
    "size_invalid": (
        "企业规模“{value}”无法识别；请填 大型、中型、小型 或 微型",
        "employer size '{value}' is not recognised; use 大型/中型/小型/微型 or large/medium/small/micro",
    ),
    "kind_invalid": (
        "补贴类型“{value}”无法识别；请填 employer（吸纳就业补助）或 agency（职业介绍补贴）",
        "subsidy kind '{value}' is not recognised; use employer (吸纳就业补助) or agency (职业介绍补贴)",
    ),
    "competition_level_invalid": (
        "竞赛级别“{value}”无法识别；请填 国家级、省级、市级 或 县级",
        (
            "competition level '{value}' is not recognised; use 国家级/省级/市级/县级 or "
            "national/provincial/city/county"
        ),
    ),
    "int_invalid": (
        "“{column}”的值“{value}”应为不小于0的整数",
        "'{column}' value '{value}' must be a whole number, 0 or more",
    ),
    "amount_invalid": (
        "“{column}”的值“{value}”不是可识别的金额；请写成 1000、1000.5、1,000 或 12,345.00（元，最多两位小数，"
        "千分位逗号必须每三位一组，可加“元”）",
        "'{column}' value '{value}' is not an amount jishu can read; write it as 1000, 1000.5, 1,000 or "
        "12,345.00 (yuan, at most two decimals, thousands commas only between groups of three, 元 allowed)",
    ),
    "duplicate": (
        "与 {detail} 重复（{column}相同），只计一次",
        "repeats {detail} (same {column}); counted once",
    ),
    # ---- targets.yaml ----
    "targets_missing": (
        "找不到目标任务文件 {detail}（用 --targets 或环境变量 JISHU_TARGETS 指定）",
        "the targets file {detail} does not exist (set it with --targets or JISHU_TARGETS)",
    ),
    "targets_unreadable": (
        "无法读取目标任务文件：{detail}",
        "the targets file cannot be read: {detail}",
    ),
    "targets_yaml": (
        "目标任务文件不是有效的YAML：{detail}",
        "the targets file is not valid YAML: {detail}",
    ),
    "targets_invalid": (
        "目标任务文件中“{column}”有误：{detail}",
        "targets file, '{column}': {detail}",
    ),
    "targets_township_sum": (
        "{column}：各乡镇目标之和 {value} 与全县目标 {detail} 不一致",
        "{column}: the township targets add up to {value}, the county target is {detail}",
    ),
}

# Words used by the reports and the command line.
WORDS: dict[str, tuple[str, str]] = {
    "metric": ("指标", "Metric"),
    "target": ("目标", "Target"),
    "actual": ("完成", "Actual"),
    "rate": ("完成率", "Rate"),
    "time_progress": ("序时进度", "Time progress"),
    "status": ("状态", "Status"),
    "remaining": ("剩余", "Remaining"),
    "projection": ("年末预计", "Projected"),
    "projection_period": ("期末预计", "Projected"),
    "done": ("已完成", "done"),
    "ahead": ("超序时", "ahead"),
    "behind": ("滞后", "behind"),
    "missed": ("未完成", "missed"),
    "period_ended": ("（已结束）", " (ended)"),
    "totals_row": ("合计", "Total"),
    "none": ("无", "none"),
    "serial": ("序号", "No."),
    "unit": ("计量单位", "Unit"),
    "ledger": ("台账", "Ledger"),
    "ledgers": ("台账", "Ledgers"),
    "latest_record": ("数据截至（最新记录日期）", "Data through (latest record)"),
    "item": ("项目", "Item"),
    "sheet": ("工作表", "Sheet"),
    "letter": ("列号", "Column letter"),
    "hires_sheet": ("人员明细", "Hires"),
    "payees_sheet": ("单位汇总", "Payees"),
    "liability_sheet": ("即将到期", "Coming due"),
    "payout_list": ("发放清单", "Payout list"),
    "findings_sheet": ("存疑发放", "Findings"),
    "problems_sheet": ("问题清单", "Problems"),
    "reading": ("正在读取和校验台账（{data}）……", "reading and checking the ledgers in {data} …"),
    "report_written": ("已写出 {path}", "wrote {path}"),
    "ranking_mean_rate": (
        "排名依据：各项有乡镇目标的指标完成率的平均值，相同时按新增技能人才人数",
        "Ranked by the mean completion rate over the metrics with a township target, then by new "
        "skilled talents",
    ),
    "ranking_skilled": (
        "排名依据：新增技能人才人数（未设乡镇目标）",
        "Ranked by new skilled talents (no township targets)",
    ),
    "data_through": ("数据截至 {date}", "data through {date}"),
    "no_records": ("暂无记录", "no records yet"),
    "rows": ("读取", "rows"),
    "accepted": ("有效", "accepted"),
    "rejected": ("拒收", "rejected"),
    "duplicates": ("重复", "duplicates"),
    "warnings": ("提示", "warnings"),
    "township": ("乡镇", "Township"),
    "month": ("月份", "Month"),
    "quarter": ("季度", "Quarter"),
    "rank": ("排名", "Rank"),
    "group_(none)": ("（未填乡镇）", "(no township)"),
    "group_(unrecognised)": ("未识别乡镇", "(unrecognised township)"),
    "file": ("文件", "File"),
    "line": ("行", "Line"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "code": ("代码", "Code"),
    "severity": ("级别", "Severity"),
    "message": ("说明", "Message"),
    "error": ("错误", "error"),
    "duplicate": ("重复", "duplicate"),
    "warning": ("提示", "warning"),
    "notice": ("说明", "notice"),
    "period": ("统计期", "Period"),
    "as_of": ("截至", "As of"),
    "window": ("统计区间", "Window"),
    "footer_counts": (
        "{ledger}：读取 {rows:,} 行，有效 {accepted:,}，拒收 {rejected:,}，重复 {duplicates:,}",
        "{ledger}: {rows:,} rows read, {accepted:,} accepted, {rejected:,} rejected, {duplicates:,} duplicates",
    ),
    "footer_rejected": (
        "共有 {n:,} 行被拒收，未计入统计；运行 `jishu check` 查看每一行的问题",
        "{n:,} rows were rejected and not counted; run `jishu check` to list each one",
    ),
    "check_ok": ("没有发现问题", "no problems found"),
    "first_rows": ("{rows} … 共 {n:,} 行", "{rows} … {n:,} rows"),
    "check_summary": (
        "错误 {errors} 处，重复 {duplicates} 处，提示 {warnings} 处，说明 {notices} 处",
        "{errors} errors, {duplicates} duplicates, {warnings} warnings, {notices} notices",
    ),
    "at": ("{file} 第 {line} 行", "{file} line {line}"),
    "error_prefix": ("错误", "Error"),
    "warning_prefix": ("提示", "Warning"),
    "notice_prefix": ("说明", "Note"),
    "cache_unsafe": (
        "缓存文件夹 {detail} 不归当前用户所有，或其他用户可以写入；其中有完整身份证号，本次不使用缓存。请删除该文件夹，"
        "或改为只有自己可用（chmod 700）",
        "the cache folder {detail} is not yours alone (another owner, or others may write to it); it holds full "
        "IDs, so this run does not use it. Remove it, or make it yours alone (chmod 700)",
    ),
    "see_help": ("用法见 {command} --help", "see {command} --help"),
    "is_folder": ("这是一个文件夹，不是文件", "it is a folder, not a file"),
    "dangling": (
        "这是一个符号链接，它指向的文件不存在或无法访问（{detail}）",
        "it is a symbolic link to a file that does not exist or cannot be reached ({detail})",
    ),
    "not_regular": ("不是普通文件（可能是管道或设备）", "it is not a regular file (a pipe or a device)"),
    "is_fifo": ("命名管道（FIFO）", "a named pipe (FIFO)"),
    "is_socket": ("套接字（socket）", "a socket"),
    "is_device": ("设备文件", "a device file"),
    "excel_serial": (
        "（这是Excel的日期序号，对应 {detail}；请把该列设为日期或文本格式后重新填写）",
        " (it is an Excel date serial, standing for {detail}; format the column as a date or as text "
        "and enter it again)",
    ),
    "not_a_workbook": (
        "文件扩展名是 {detail}，但内容不是可读取的 Excel/WPS 工作簿（可能已损坏，或是改了扩展名的其他文件）",
        "the name says {detail}, but it is not a workbook jishu can read (damaged, or another file renamed)",
    ),
    "workbook_password": (
        "工作簿设有打开密码，无法读取；请取消密码后另存",
        "the workbook is protected by a password; save it without one",
    ),
    "sheet_too_large": (
        "工作表从第一个单元格到最后一个单元格跨 {detail} 个单元格（行数×列数），超过五千万的上限，未读取；"
        "请删除表格右侧或下方远处的多余内容后另存",
        "the sheet spans {detail} cells from its first to its last (rows × columns), over the limit of 50 million, "
        "and was not read; delete what stands far to the right or below the table and save again",
    ),
    "sheet_damaged": (
        "工作簿中有工作表已损坏，无法读取（{detail}）；请在 Excel/WPS 中打开后另存，或从备份恢复",
        "a sheet of the workbook is damaged and cannot be read ({detail}); open it in Excel/WPS and save it "
        "again, or restore it from a backup",
    ),
    # pydantic error types in targets.yaml (others fall back to pydantic's English message)
    "pyd_extra_forbidden": (
        "未知的键（拼写错误或不支持的设置）",
        "unknown key (a typo, or a setting jishu does not have)",
    ),
    "pyd_missing": ("缺少这一项", "this key is missing"),
    "pyd_int_type": ("应为整数", "must be a whole number"),
    "pyd_int_from_float": ("应为整数，不能有小数", "must be a whole number, without decimals"),
    "pyd_int_parsing": ("应为整数", "must be a whole number"),
    "pyd_float_type": ("应为数字", "must be a number"),
    "pyd_greater_than_equal": ("不能小于 {detail}", "must be {detail} or more"),
    "pyd_less_than_equal": ("不能大于 {detail}", "must be {detail} or less"),
    "pyd_string_type": ("应为文字", "must be text"),
    "pyd_bool_type": ("应为 true 或 false", "must be true or false"),
    "pyd_dict_type": ("应为键值表（key: value）", "must be a mapping (key: value)"),
    "pyd_literal_error": ("应为以下之一：{detail}", "must be one of: {detail}"),
    "pyd_tuple_type": ("应为列表，如 [medium, small, micro]", "must be a list, e.g. [medium, small, micro]"),
    # YAML problems (others fall back to PyYAML's English message)
    "yaml_colon": (
        "缺少英文冒号“:”（注意不能用中文冒号“：”）",
        "a ':' is missing (a full-width '：' does not count)",
    ),
    "yaml_tab": ("含有制表符（Tab）；YAML只能用空格缩进", "contains a tab; YAML indents with spaces only"),
    "yaml_tag": (
        "含有不允许的标签（如 !!python/…），出于安全原因不会执行",
        "contains a tag that is not allowed (such as !!python/…); it is not run",
    ),
    "yaml_duplicate": ("键“{detail}”写了两次", "the key '{detail}' is written twice"),
    "yaml_alias": (
        "含有别名（*名称 或 <<: *名称），出于安全原因不允许；请把内容直接写出",
        "contains an alias (*name or <<: *name), which is not allowed; write the values out",
    ),
    "yaml_depth": (
        "嵌套超过 {detail} 层，不像是目标任务文件",
        "nested more than {detail} levels deep; not a targets file",
    ),
    "yaml_key": (
        "键必须是简单的文字或数字（不能是列表或键值表）",
        "a key must be plain text or a number (not a list or mapping)",
    ),
    "targets_too_large": (
        "文件超过 {detail}，不像是目标任务文件",
        "the file is larger than {detail}; not a targets file",
    ),
    "yaml_empty": ("文件为空或不是键值表", "the file is empty or not a mapping of keys"),
    "csv_quote_after": (
        "引号后面应紧跟逗号或换行",
        "a closing quote must be followed by a comma or a line end",
    ),
    "csv_lone_cr": (
        "单元格中有一个单独的回车符（CR），不在引号内；请在 Excel 中删除该单元格里的换行后重新保存",
        "a cell holds a lone carriage return (CR) outside quotes; remove the line break in that cell in Excel and save again",
    ),
    # the nightly summary: the page, the WeChat brief (.txt) and the Markdown
    "summary_title": ("{county}「人人持证、技能河南」进度", "{county} skills programme progress"),
    "brief_title": ("{county}「人人持证、技能河南」进度简报", "{county} skills programme: progress brief"),
    "as_of_day": ("截至 {date}", "As of {date}"),
    "day": ("{year}年{month}月{day}日", "{day} {month_en} {year}"),
    "generated_at": ("生成于 {date} {time}（北京时间）", "Generated {date}, {time} Beijing time"),
    "period_year": ("{label}年", "{label}"),
    "period_plan": ("{label}年规划期", "plan period {label}"),
    "period_heading": ("{period}（序时进度 {time}）", "{period} (time progress {time})"),
    "headline_behind": (
        "{period} {n} 项指标中 {k} 项滞后于序时进度",
        "{period}: {k} of {n} metrics behind time progress",
    ),
    "headline_missed": ("{period} {n} 项指标中 {k} 项未完成", "{period}: {k} of {n} targets missed"),
    "headline_ahead": (
        "{period} {n} 项指标均达到序时进度",
        "{period}: all {n} metrics on or ahead of time progress",
    ),
    "headline_done": ("{period} {n} 项指标全部完成", "{period}: all {n} targets met"),
    "headline_none": ("{period}未设目标", "{period}: no targets set"),
    "headline_names": ("：{names}", ": {names}"),
    "gap_behind": ("滞后 {gap} 个百分点", "{gap} points behind"),
    "gap_ahead": ("超序时 {gap} 个百分点", "{gap} points ahead"),
    "no_target": ("未设目标", "no target"),
    "of_target": ("目标 {target} {unit}", "target {target} {unit}"),
    "rate_line": ("完成率 {rate}", "{rate} of target"),
    "time_mark": ("序时进度 {time}", "time progress {time}"),
    "brief_metric": (
        "{name}：完成率 {rate}（{actual}/{target}），{state}",
        "{name}: {rate} ({actual} of {target}), {state}",
    ),
    "brief_metric_plain": ("{name}：{actual}（{state}）", "{name}: {actual} ({state})"),
    "trend_title": ("累计完成走势", "Progress month by month"),
    "trend_note": (
        "按月累计，{start}至{end}；实线为累计完成率，虚线为序时进度",
        "cumulative by month, {start} to {end}; solid: rate of target, dashed: time progress",
    ),
    "trend_counts": ("累计 {unit}（未设目标）", "cumulative {unit} (no target)"),
    "trend_none": ("统计期尚未开始", "the period has not started"),
    "ranking_title": ("乡镇排名", "Township ranking"),
    "ranking_details": ("各乡镇分项完成情况", "Each township, metric by metric"),
    "ranking_last": ("排名最后三位", "The three furthest behind"),
    "ranking_last_brief": (
        "乡镇排名最后三位（{criterion}）：{list}",
        "Townships furthest behind ({criterion}): {list}",
    ),
    "criterion_mean_rate": ("按综合完成率", "by mean rate"),
    "criterion_skilled": ("按新增技能人才人数", "by new skilled talents"),
    "score": ("综合完成率", "Mean rate"),
    "not_ranked": ("不参与排名", "not ranked"),
    "subsidy_title": ("补贴", "Subsidies"),
    "due_line": (
        "{kind}：应发 {amount} 元（符合条件 {n} 人，已发 {paid} 元）",
        "{kind}: {amount} yuan due ({n} eligible hires, {paid} yuan paid)",
    ),
    "due_total": ("现在应发合计 {amount} 元", "{amount} yuan due now, in total"),
    "liability_total": ("即将到期的补贴合计", "Falling due, in total"),
    "yuan_hires": ("元（{hires} 人）", "yuan ({hires} hires)"),
    "yuan": ("元", "yuan"),
    "liability_none": ("暂无即将到期的补贴", "nothing falls due"),
    "brief_subsidy": ("补贴：{lines}；即将到期 {amount} 元", "Subsidies: {lines}; {amount} yuan falling due"),
    "brief_due": ("{kind}应发 {amount} 元（{n} 人）", "{kind} {amount} yuan due ({n} hires)"),
    "summary_audit_ok": ("已核查 {payouts:,} 笔发放，未发现问题", "{payouts:,} payouts checked, no findings"),
    "summary_audit": (
        "{payouts:,} 笔发放中 {flagged:,} 笔存疑（{codes}），存疑金额 {amount} 元",
        "{flagged:,} of {payouts:,} payouts flagged ({codes}); {amount} yuan at risk",
    ),
    "audit_brief": ("补贴发放审核：{line}", "Audit of paid subsidies: {line}"),
    "audit_heading": ("补贴发放审核", "Audit of paid subsidies"),
    "data_quality": ("数据质量", "Data quality"),
    # competitions by level (SPEC §7)
    "competition_level": ("竞赛级别", "Competition level"),
    "level_national": ("国家级", "national"),
    "level_provincial": ("省级", "provincial"),
    "level_city": ("市级", "city"),
    "level_county": ("县级", "county"),
    "quality_total": (
        "共读取 {rows:,} 行，拒收 {rejected:,} 行，重复 {duplicates:,} 行，提示 {warnings:,} 处",
        "{rows:,} rows read, {rejected:,} rejected, {duplicates:,} duplicates, {warnings:,} warnings",
    ),
    "quality_brief": (
        "数据：共读取 {rows:,} 行，拒收 {rejected:,} 行，重复 {duplicates:,} 行",
        "Data: {rows:,} rows read, {rejected:,} rejected, {duplicates:,} duplicates",
    ),
    "quality_ledger": (
        "{ledger}：读取 {rows:,} 行，有效 {accepted:,} 行，拒收 {rejected:,} 行，重复 {duplicates:,} 行；{through}",
        "{ledger}: {rows:,} rows, {accepted:,} accepted, {rejected:,} rejected, {duplicates:,} duplicates; "
        "{through}",
    ),
    "quality_top": ("最常见的问题：{top}", "Most frequent problems: {top}"),
    "quality_item": ("{name} {n:,} 处", "{name} ({n:,})"),
    "quality_hint": ("逐行明细请用 jishu check 查看", "jishu check lists them row by row"),
    "through_list": ("数据截至：{list}", "Data through: {list}"),
    "liability_months": ("按满期月份明细（{n} 个月）", "By the month hires qualify ({n} months)"),
    "at_risk": ("存疑金额（元）", "At risk (yuan)"),
    "ranking_last_mark": ("红色为排名最后三位", "in red: the three furthest behind"),
    "jump_to": ("目录", "Contents"),
    "list_sep": ("、", ", "),
    "clause_sep": ("；", "; "),
    # audit
    "finding": ("问题", "Finding"),
    "paid_date": ("发放日期", "Paid on"),
    "batch": ("批次", "Batch"),
    "audit_flags": ("审核存疑笔数", "Flagged payouts"),
    "audit_title": (
        "补贴发放审核（截至 {as_of}）：核查 {payouts:,} 笔发放",
        "Audit of paid subsidies as of {as_of}: {payouts:,} payouts checked",
    ),
    "audit_ok": ("没有发现问题：每一笔发放都符合规则", "no findings: every payout is supported by the rules"),
    "audit_summary": (
        "共 {findings:,} 项问题，涉及 {payouts_flagged:,} 笔发放，存疑金额 {amount} 元",
        "{findings:,} findings on {payouts_flagged:,} payouts; {amount} yuan at risk",
    ),
    "amount_at_risk": ("存疑金额（元）", "Amount at risk (yuan)"),
    "count": ("笔数", "Count"),
    # subsidy
    "kind_employer": ("吸纳就业补助", "employer subsidy"),
    "kind_agency": ("职业介绍补贴", "agency subsidy"),
    "payee": ("单位", "Payee"),
    "kind": ("补贴类型", "Kind"),
    "rate_yuan": ("标准（元/人）", "Rate (yuan/person)"),
    "cap": ("累计上限（元）", "Cap (yuan)"),
    "no_cap": ("不设上限", "no cap"),
    "already_paid": ("已发放（元）", "Already paid (yuan)"),
    "amount_due": ("本次应发（元）", "Due now (yuan)"),
    "amount_eligible": ("符合条件金额（元）", "Eligible (yuan)"),
    "cap_remaining": ("上限剩余（元）", "Cap remaining (yuan)"),
    "eligible_n": ("符合条件人数", "Eligible hires"),
    "ineligible_n": ("不符合人数", "Ineligible hires"),
    "person": ("身份证号", "ID number"),
    "name": ("姓名", "Name"),
    "hire_date": ("入职日期", "Hired"),
    "due_date": ("满期日", "Qualifies on"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "reasons": ("原因", "Reasons"),
    "eligible": ("符合", "eligible"),
    "ineligible": ("不符合", "not eligible"),
    "paid": ("已发放", "paid"),
    "totals": ("合计", "Totals"),
    "liability": ("即将到期的补贴（按满期月份）", "Upcoming liability (by the month hires qualify)"),
    "due_month": ("满期月份", "Month"),
    "hires_n": ("人数", "Hires"),
    "employer_id": ("统一社会信用代码", "Credit code"),
    "not_sme": ("非中小微企业", "not a small, medium or micro enterprise"),
    "no_certificate": ("入职时未持证", "no certificate at hire"),
    "too_recent": ("入职未满{months}个月", "hired less than {months} months ago"),
    "left_early": ("未满{months}个月即离职", "left within {months} months"),
    "insurance_short": ("社保缴费不足{months}个月", "social insurance paid for fewer than {months} months"),
    "already_subsidized": ("已因更早的入职享受过补贴", "already subsidized for an earlier hire"),
    "cap_reached": ("已达单位累计上限", "the payee's cap is reached"),
    "out_of_province": ("非省内就业", "not employed in Henan"),
    "payee_unknown": ("找不到{kind}“{query}”", "no {kind} '{query}'"),
    "payee_ambiguous": (
        "名称“{query}”对应多个单位，请改用统一社会信用代码",
        "the name '{query}' matches several payees; use the credit code",
    ),
    "close_matches": ("相近的有：", "close matches:"),
    "no_close_matches": ("没有相近的名称或代码", "no close names or codes"),
    "export_written": (
        "已写出发放清单 {path}（{n} 人，{amount} 元）",
        "wrote the payout list {path} ({n} hires, {amount} yuan)",
    ),
    "full_ids_warning": (
        "注意：{path} 含有完整身份证号，仅限财务发放使用，请妥善保管（文件权限已设为仅本人可读写）",
        "warning: {path} holds full ID numbers, for the finance office only; keep it safe (file mode set to 0600)",
    ),
}


# The audit's findings (SPEC §4.1): a short name for each code, and the sentence saying why.
FINDINGS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "paid_no_hire": (
        ("无对应入职", "该人员在该单位没有 {paid_date} 当天或之前入职的有效记录，这笔发放没有依据"),
        (
            "no hire",
            "there is no accepted hire of this person at this payee on or before {paid_date}, "
            "so the payout has no basis",
        ),
    ),
    "paid_early": (
        ("提前发放", "{paid_date} 发放，早于满期日 {due_date}（{hire_date} 入职，需满 {months} 个月）"),
        (
            "paid early",
            "paid on {paid_date}, before {due_date}, when the hire of {hire_date} had lasted {months} months",
        ),
    ),
    "paid_ineligible": (
        ("不符合条件", "对应的入职（{hire_date}）不符合条件：{reasons}"),
        ("ineligible", "the hire of {hire_date} does not qualify: {reasons}"),
    ),
    "paid_twice": (
        ("重复领取", "该人员已由 {first_payee} 于 {first_paid_date} 领取过吸纳就业补助（每人只享受一次）"),
        (
            "paid twice",
            "this person was already paid for by {first_payee} on {first_paid_date} "
            "(one employer subsidy per person)",
        ),
    ),
    "over_cap": (
        ("超出上限", "发放后该单位累计 {paid_total} 元，超过上限 {cap} 元"),
        ("over the cap", "takes the payee's total to {paid_total} yuan, past its cap of {cap} yuan"),
    ),
    "amount_mismatch": (
        ("金额不符", "金额 {amount} 元，与标准 {rate} 元不符"),
        ("wrong amount", "the amount is {amount} yuan; the rate is {rate} yuan"),
    ),
}
_MONEY_FIELDS = ("amount", "paid_total", "cap", "rate")
# The fields each finding's sentences name (in either language).
_FINDING_FIELDS = {
    code: tuple(
        dict.fromkeys(
            name for _, template in both for _, name, _, _ in string.Formatter().parse(template) if name
        )
    )
    for code, both in FINDINGS.items()
}

# A short name for each problem code, for summaries that count problems instead of listing them.
PROBLEM_NAMES: dict[str, tuple[str, str]] = {
    "file_missing": ("缺少台账文件", "ledger file missing"),
    "data_dir_missing": ("数据目录不存在", "data folder missing"),
    "file_unreadable": ("文件无法读取", "file unreadable"),
    "file_empty": ("空文件", "empty file"),
    "file_binary": ("不是文本文件", "not a text file"),
    "file_too_large": ("文件过大", "file too large"),
    "record_too_large": ("记录过长", "record too long"),
    "file_utf16": ("UTF-16 编码文件", "UTF-16 file"),
    "file_encoding": ("文件编码无法识别", "unknown encoding"),
    "csv_quote": ("引号未配对", "unclosed quote"),
    "csv_malformed": ("CSV 格式错误", "malformed CSV"),
    "header_missing": ("缺少必需的列", "required column missing"),
    "header_separator": ("分隔符不是逗号", "not comma-separated"),
    "header_duplicate": ("列名重复", "column named twice"),
    "lock_file": ("Excel 临时锁定文件", "Excel lock file"),
    "file_not_regular": ("不是普通文件", "not a regular file"),
    "file_outside": ("指向数据目录之外的链接", "link outside the data folder"),
    "folder_not_read": ("子文件夹未读取", "folder not read"),
    "file_not_read": ("非台账文件未读取", "file not read"),
    "file_format_not_read": ("文件格式不支持", "file format not read"),
    "sheet_empty": ("空工作表", "empty sheet"),
    "sheet_not_a_table": ("图表页或宏表", "chart or macro sheet"),
    "not_a_ledger": ("不是台账", "not a ledger"),
    "ledger_ambiguous": ("无法确定台账类型", "ledger ambiguous"),
    "title_rows": ("跳过的标题行", "title rows skipped"),
    "footer_rows": ("跳过的合计或签名行", "total rows skipped"),
    "required_missing": ("必填项为空", "required value empty"),
    "in_province_missing": ("未填是否省内就业", "in-province not given"),
    "id_scientific": ("身份证号被显示为科学计数法", "ID in scientific notation"),
    "id_15digit": ("15位旧身份证号", "old 15-digit ID"),
    "id_format": ("身份证号格式不对", "malformed ID"),
    "id_checksum": ("身份证号校验码不对", "ID check character wrong"),
    "id_birthdate": ("身份证号出生日期不对", "impossible birth date in ID"),
    "township_unknown": ("乡镇不在名单中", "township not on the list"),
    "id_region_unknown": ("身份证地区码未知", "unknown ID region code"),
    "uscc_format": ("信用代码格式不对", "malformed credit code"),
    "uscc_checksum": ("信用代码校验码不对", "credit code check character wrong"),
    "date_format": ("日期无法识别", "unreadable date"),
    "date_invalid": ("日期不存在", "impossible date"),
    "date_order": ("日期先后颠倒", "dates out of order"),
    "bool_invalid": ("是/否无法识别", "unreadable yes/no"),
    "level_invalid": ("等级无法识别", "unreadable level"),
    "size_invalid": ("企业规模无法识别", "unreadable enterprise size"),
    "kind_invalid": ("补贴类型无法识别", "unreadable subsidy kind"),
    "competition_level_invalid": ("竞赛级别无法识别", "unreadable competition level"),
    "int_invalid": ("整数无法识别", "unreadable whole number"),
    "amount_invalid": ("金额无法识别", "unreadable amount"),
    "duplicate": ("重复记录", "duplicate record"),
    "targets_missing": ("目标任务文件不存在", "targets file missing"),
    "targets_unreadable": ("目标任务文件无法读取", "targets file unreadable"),
    "targets_yaml": ("目标任务文件格式错误", "targets file not valid YAML"),
    "targets_invalid": ("目标任务文件有误", "targets file invalid"),
    "targets_township_sum": ("乡镇目标之和与全县不一致", "township targets do not add up"),
}

# The metrics' names where targets.yaml gives none (its `metrics:` section names the county's own).
METRIC_NAMES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "training": (("职业技能培训", "人次"), ("Vocational skills training", "person-times")),
    "subsidized_training": (("其中：补贴性培训", "人次"), ("of which subsidized training", "person-times")),
    "skilled": (("新增技能人才（取得证书）", "人"), ("New skilled talents (certified)", "persons")),
    "high_skilled": (("其中：新增高技能人才", "人"), ("of which high-skilled", "persons")),
    "employment": (("城镇新增就业", "人"), ("Urban new employment", "persons")),
    "certified_employment": (("持证就业率", "比例"), ("Hired with a certificate", "share")),
    # SPEC §7: a targets.yaml written before the competitions ledger names none of these
    "competitions": (("职业技能竞赛", "场"), ("Skills competitions", "competitions")),
    "competition_participants": (("竞赛参赛", "人次"), ("Competition participants", "person-times")),
    "competition_winners": (("竞赛获奖", "人"), ("Competition award winners", "persons")),
}

# Usage errors of the command line.
USAGE: dict[str, tuple[str, str]] = {
    "output_format": (
        "-o 的文件 {value} 应以 .csv、.xlsx、.json 或 .md 结尾",
        "-o {value}: the file must end in .csv, .xlsx, .json or .md",
    ),
    "export_format": (
        "--export 的文件 {value} 应以 .csv 或 .xlsx 结尾",
        "--export {value}: the file must end in .csv or .xlsx",
    ),
    "as_of": (
        "--as-of 的值“{value}”不是有效日期（例如 2022-03-31）",
        "--as-of '{value}' is not a valid date (e.g. 2022-03-31)",
    ),
    "encoding": (
        "--encoding 的值“{value}”不是已知的编码（可用 utf-8、gb18030、gbk）",
        "--encoding '{value}' is not a known encoding (try utf-8, gb18030, gbk)",
    ),
    "year_or_period": (
        "请给出 --year（如 2022）或 --period（如 2021-2025）中的一个",
        "give exactly one of --year (e.g. 2022) or --period (e.g. 2021-2025)",
    ),
    "period": (
        "--period 的值“{value}”应为年份区间，例如 2021-2025",
        "--period '{value}' must be a span of years, e.g. 2021-2025",
    ),
    "employer_and_agency": ("--employer 和 --agency 只能给出一个", "give --employer or --agency, not both"),
    "full_ids_alone": ("--full-ids 只能与 --export 一起使用", "--full-ids only goes with --export"),
    "cannot_write": ("无法写入 {value}：{detail}", "cannot write {value}: {detail}"),
    "write_into_data": (
        "不能写到数据目录 {detail} 里（{value}）：下次运行会把它当作台账读取；请换一个位置",
        "{value} is inside the data folder {detail}, where it would be read as a ledger next time; "
        "write it elsewhere",
    ),
    "out_is_file": ("--out {value} 是一个文件，不是文件夹", "--out {value} is a file, not a folder"),
    "cannot_create": ("无法创建文件夹 {value}：{detail}", "cannot create the folder {value}: {detail}"),
    "cannot_write_to": ("无法写入 {value}：{detail}", "cannot write to {value}: {detail}"),
    "internal": (
        "jishu 内部错误（{value}）；设置 JISHU_DEBUG=1 可查看详情，请报告此问题",
        "jishu: internal error ({value}); set JISHU_DEBUG=1 for details and report it",
    ),
}


def lang_index(lang: str) -> int:
    return 1 if lang == "en" else 0


class Words:
    """Words in one language: report words, problem messages, ledger, column and metric names (the
    metric names from targets.yaml when it gives them)."""

    def __init__(self, lang: str = "zh", metrics: dict | None = None):
        self.lang = "en" if lang == "en" else "zh"
        self.metrics = metrics or {}
        self._said: dict = {}
        self._findings: dict = {}  # (code, terms, the fields its sentence names) → (name, sentence)

    def __call__(self, key: str, **fields: object) -> str:
        return word(key, self.lang, **fields)

    def usage(self, key: str, **fields: object) -> str:
        return USAGE[key][lang_index(self.lang)].format(**fields)

    def metric(self, key: str) -> tuple[str, str]:
        """(name, unit) of a metric."""
        given = self.metrics.get(key)
        if given is not None:
            if self.lang == "en" and given.name_en:
                return given.name_en, given.unit_en or given.unit
            return given.name, given.unit
        default = METRIC_NAMES.get(key)
        return default[lang_index(self.lang)] if default else (key, "")

    def ledger(self, name: str) -> str:
        from jishu.schema import LEDGERS

        ledger = LEDGERS.get(name)
        if ledger is None:
            return name
        return ledger.en if self.lang == "en" else ledger.zh

    def column(self, where: str, column: str) -> str:
        """A column as a clerk knows it: the Chinese header in zh, the canonical name in en. `where` is
        the ledger's name, or a file named for it."""
        if self.lang == "en" or not column:
            return column
        from jishu.schema import LEDGERS

        ledger = LEDGERS.get(where) or next(
            (lg for lg in LEDGERS.values() if where.lower().startswith(lg.name)), None
        )
        names = {c.name: c.zh for c in ledger.columns} if ledger else {}
        return "+".join(names.get(part, part) for part in column.split("+"))

    def group(self, key: str) -> str:
        """A breakdown group as shown: the groups that are no township of their own get a name."""
        return word(f"group_{key}", self.lang) if f"group_{key}" in WORDS else key

    def at(self, file: str, line: int | None) -> str:
        return file if not line else word("at", self.lang, file=file, line=line)

    def message(self, p: Problem) -> str:
        """The clerk-facing sentence for a problem."""
        where = p.ledger or p.file or ""
        column = self.column(where, p.column or "")
        detail = p.detail or ""
        if p.code == "date_order" and p.reason:
            other = self.column(where, p.reason)
            detail = f"{other}“{detail}”" if self.lang != "en" else f"{other} '{detail}'"
        elif p.code == "duplicate" and p.ref_file:
            detail = self.at(p.ref_file, p.ref_line)
        elif p.code == "file_missing" and p.column:
            column = self.ledger(p.column)
        elif p.reason and p.reason in WORDS:
            detail = word(p.reason, self.lang, detail=detail)
        return message(
            p.code, self.lang, file=p.file, line=p.line, column=column, value=p.value or "", detail=detail
        )

    def finding(self, f: Finding, min_months: int, min_insured_months: int) -> tuple[str, str]:
        """(short name, sentence) of an audit finding. A province's audit says half a million of these,
        mostly the same few sentences: each is put into words once, by the fields it names."""
        values = f.__dict__
        key = (f.code, min_months, min_insured_months) + tuple(
            (values["first_payee"], values["first_payee_name"])
            if name == "first_payee"
            else tuple(values["reasons"])
            if name == "reasons"
            else values.get(name)
            for name in _FINDING_FIELDS[f.code]
        )
        said = self._findings.get(key)
        if said is None:
            if len(self._findings) > 100_000:
                self._findings.clear()
            said = self._findings[key] = self._finding(f, min_months, min_insured_months)
        return said

    def _finding(self, f: Finding, min_months: int, min_insured_months: int) -> tuple[str, str]:
        short, template = FINDINGS[f.code][lang_index(self.lang)]
        said = {}
        for name in _FINDING_FIELDS[f.code]:
            if name == "reasons":
                said[name] = (
                    self.reasons(tuple(f.reasons), min_months, min_insured_months) if f.reasons else ""
                )
            elif name == "months":
                said[name] = min_months
            elif name == "first_payee":
                said[name] = (
                    (
                        f"{f.first_payee_name}（{f.first_payee}）"
                        if self.lang != "en"
                        else f"{f.first_payee_name} ({f.first_payee})"
                    )
                    if f.first_payee_name
                    else f.first_payee
                )
            elif name in _MONEY_FIELDS:
                said[name] = _money(getattr(f, name))
            else:
                said[name] = getattr(f, name)
        return short, template.format_map(said)

    def reasons(self, codes: tuple[str, ...], min_months: int, min_insured_months: int) -> str:
        """The rules a hire fails, in words (kept: a province's audit says the same few things often)."""
        key = (codes, min_months, min_insured_months)
        if key not in self._said:
            months = {"insurance_short": min_insured_months}
            sep = "；" if self.lang != "en" else "; "
            self._said[key] = sep.join(self(r, months=months.get(r, min_months)) for r in codes)
        return self._said[key]

    def finding_name(self, code: str) -> str:
        return FINDINGS[code][lang_index(self.lang)][0]

    def problem_name(self, code: str) -> str:
        """A problem code's short name (a code without one is named by its severity, never shown raw)."""
        from jishu.model import severity_of

        named = PROBLEM_NAMES.get(code)
        return named[lang_index(self.lang)] if named else word(severity_of(code), self.lang)

    def day(self, day) -> str:
        """A date as the report's language writes it: 2022年3月31日, 31 Mar 2022."""
        return word(
            "day",
            self.lang,
            year=day.year,
            month=day.month,
            day=day.day,
            month_en=["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
                day.month - 1
            ],
        )

    def one_line(self, p: Problem) -> str:
        """`file · sheet line N: message`, for stderr."""
        file = f"{p.file} · {p.sheet}" if p.sheet else p.file
        return f"{self.at(file, p.line)}: {self.message(p)}"


def word(key: str, lang: str, **fields: object) -> str:
    text = WORDS[key][lang_index(lang)]
    return text.format(**fields) if fields and "{" in text else text


def message(code: str, lang: str, **fields: object) -> str:
    """The clerk-facing sentence for a problem code, with its fields filled in."""
    template = MESSAGES[code][lang_index(lang)]
    values = {"file": "", "line": "", "column": "", "value": "", "detail": ""}
    values.update({k: ("" if v is None else v) for k, v in fields.items()})
    return template.format(**values)
