"""The intake's messages: what a cell of each kind must hold, and the problems above the cell level.

Every template is a (Chinese, English) pair filled with ``str.format``; :mod:`allocator.intake.read` reports
them as :class:`~allocator.core.errors.Problem` s. File-level refusals (empty file, legacy .xls, zip bomb,
XML declarations) are in :mod:`allocator.intake.guard`.
"""

from __future__ import annotations

# What a cell of each kind must hold (Chinese, English).
EXPECT: dict[str, tuple[str, str]] = {
    "text": ("非空文本", "non-empty text"),
    "code": ("18位统一社会信用代码（GB 32100），单元格设为文本格式", "an 18-character credit code, as text"),
    "yuan": ("不小于0的金额（元），如 1200000 或 1,200,000", "yuan ≥ 0, e.g. 1200000 or 1,200,000"),
    "usd": ("不小于0的美元金额，如 5,000,000", "US dollars ≥ 0, e.g. 5,000,000"),
    "area": ("不小于0的面积（平方米）", "an area in m² ≥ 0"),
    "count": ("不小于0的整数", "a whole number ≥ 0"),
    "months": ("0到12的整数（月）", "a whole number of months from 0 to 12"),
    "score": ("0到100之间的分数", "a score from 0 to 100"),
    "bool": ("是 或 否（也可写 Y/N、TRUE/FALSE、1/0、√/×）", "yes or no: 是/否, Y/N, TRUE/FALSE, 1/0, √/×"),
}
# Problems above the cell level, as (Chinese, English) templates.
MESSAGES: dict[str, tuple[str, str]] = {
    "unit": (
        "表头单位「{unit}」不适用于此列，应为 {allowed} 之一",
        "unit {unit!r} does not fit this column ({allowed})",
    ),
    "dup_column": (
        "列重复：与第{letter}列「{first}」是同一列 {key}，请删除一列",
        "duplicate column: column {letter} ({first!r}) is also {key}",
    ),
    "no_header": (
        "表头行中没有可识别的列名（如 申报编号、申报单位、支持事项）；若此表不是申报数据，请删除或隐藏它",
        "no known column in the header row (e.g. application_id); delete or hide sheets without applications",
    ),
    "missing_column": ("缺少必填列「{header}」", "required column {key!r} is missing"),
    "sheet_item": (
        "工作表没有「支持事项」列，工作表名也不是支持事项；应为{item_zh}",
        "the sheet has no item column and its name is not an item; expected {item_en}",
    ),
    "unknown_item": ("未知的支持事项，应为{item_zh}", "unknown item; expected {item_en}"),
    "required": ("必填，应为{expect_zh}", "required: {expect_en}"),
    "bad": ("{why_zh}；应为{expect_zh}", "{why_en}; expected {expect_en}"),
    "dup_id": (
        "申报编号重复：{places_zh} 也是 {key}{same_zh}；申报编号在整个工作簿中须唯一",
        "duplicate application id: {places_en} also has {key}{same_en}; ids must be unique in the workbook",
    ),
    "dup_alike": (
        "（写法不同，但全角与半角字符相同、不可见的零宽字符不计，是同一个编号）",
        " (written differently, but full-width and half-width characters are the same and zero-width "
        "characters do not count: it is the same id)",
    ),
    "unknown_header": (
        "未知的列名，该列不会被读取；最接近的已知列名是「{near}」：若指的是它，请把表头改为「{near}」；"
        "若是自用的列，请改为与已知列名明显不同的名称或删除该列",
        "unknown column header: the column would not be read; the nearest known header is {near!r} ({key}): "
        "if that is meant, rename the header; if it is a column of your own, give it a name unlike any "
        "known header or delete it",
    ),
    "extra_column": (
        "数据字典中没有此列（填写说明列出了全部列名），已忽略，不影响分配",
        "not a column of the data dictionary (the instructions list every header): ignored, no award depends on it",
    ),
    "extra_column_beside": (
        "数据字典中没有此列，已忽略，不影响分配（与「{near}」相近，但本表已有「{near}」列，读的是那一列）",
        "not a column of the data dictionary: ignored (it is like {near!r}, but the sheet has that column, "
        "and that one is read)",
    ),
    "unknown_district": (
        "所在区不在政策 {policy} 的地区名单中（{regions}）{hint_zh}；名单外的区会成为单独的分担方"
        "（区级分担、区级预算），请改为名单中的名称",
        "the district is not in policy {policy}'s list of districts ({regions}){hint_en}; an unknown district would "
        "co-pay as a district of its own; use a name from the list",
    ),
    "once_dup": (
        "同一单位（{scope_zh} {value}）对一次性事项「{item_name}」（{item_id}，{clause}{says}）本年度申报了 {n} 次："
        "{places_zh}；每户每年只可申报一次，请合并为一份申报（如合并面积）或删除多余的申报",
        "the same applicant ({scope_en} {value}) claims {item_id}, which is once a year per applicant "
        "({clause_en}), {n} times: {places_en}; merge them into one application or delete the extra ones",
    ),
    "unreadable": ("工作表无法读取（文件已损坏）：{exc}", "cannot read the sheet: {exc}"),
    "blank_header": (
        "第{letter}列没有表头，但有数据；请填写表头（如 申报单位、申请金额（元）），或删除该列的数据",
        "column {letter} has data but no header; give it a header or delete its data",
    ),
    "merged": (
        "合并单元格 {value} 跨越了数据行：合并后只有左上角单元格有值，其余各行会被读成空白；"
        "请取消合并，并在每一行填入各自的值",
        "merged cells {value} cover data rows: only the top-left cell holds a value, the other rows "
        "would read as blank; unmerge them and fill in every row",
    ),
    "no_rows": ("工作簿中没有申报数据行（表头下方为空）", "the workbook has no application rows"),
    # the file as a whole (allocator.intake.sources.SourceError)
    "suffix": (
        "不支持的文件类型「{suffix_zh}」：{name}；申报数据应为 Excel 工作簿（.xlsx、.xlsm）、.csv 或 .parquet 文件",
        "{name}: unsupported file type {suffix_en}; applications must be an Excel workbook (.xlsx, .xlsm), "
        "a .csv or a .parquet file",
    ),
    "not_xlsx": (
        "不是有效的 Excel 工作簿（.xlsx）：{kind}；请在 Excel/WPS 中另存为 .xlsx",
        "not a valid Excel workbook (.xlsx): {kind}: {exc}; save it as .xlsx",
    ),
    "csv_encoding": (
        "CSV 文件既不是 UTF-8 也不是 GBK 编码；请在 Excel/WPS 中另存为「CSV UTF-8（逗号分隔）」",
        "the CSV file is neither UTF-8 nor GBK text; save it as 'CSV UTF-8 (comma delimited)'",
    ),
    "csv_parse": (
        "CSV 文件无法解析（{exc}）；请检查该行的引号和逗号，或在 Excel/WPS 中重新另存为 CSV",
        "cannot parse the CSV file ({exc}); check the quotes and commas of that line, or save it as CSV again",
    ),
    "csv_quote": (
        "CSV 文件无法解析：本行开始的带引号单元格直到文件结尾都没有结束引号（引号不成对）；请补上结束引号，"
        "或在 Excel/WPS 中重新另存为 CSV",
        "cannot parse the CSV file: the quoted cell starting on this line has no closing quote up to the "
        "end of the file; close the quote, or save it as CSV again",
    ),
    "csv_fields": (
        "CSV 文件无法解析：本行有 {saw} 个单元格，多于第一行的 {width} 个（多了逗号，或含逗号的单元格没有用引号括起来）；"
        "请修正该行，或在 Excel/WPS 中重新另存为 CSV",
        "cannot parse the CSV file: this line has {saw} cells, more than the {width} of the first line (an "
        "extra comma, or a cell holding a comma without quotes); fix the line, or save it as CSV again",
    ),
    "not_parquet": ("不是有效的 Parquet 文件：{exc}", "not a valid Parquet file: {exc}"),
    "parquet_twice": (
        "Parquet 文件中列名「{name}」出现了 {n} 次；每个列名只能有一列，请删除或改名重复的列后重新导出",
        "the Parquet file has {n} columns named {name!r}; keep one, or rename the others, and export again",
    ),
    "parquet_missing": (
        "读取 .parquet 文件需要 pyarrow：pip install pyarrow（或 pip install allocator[parquet]）",
        "reading a .parquet file needs pyarrow: pip install pyarrow (or allocator[parquet])",
    ),
}


#: The messages of :mod:`allocator.intake.extent`'s refusals (merged into :data:`allocator.intake.guard.MESSAGES`).
_FIX_ZH = (
    "请在 Excel/WPS 中打开该工作表，按 Ctrl+End 跳到最后一个单元格，删除远离数据的单元格（选中数据以外多余的行和列，"
    "右键「删除」），保存后重新导入"
)


_FIX_EN = (
    "open the sheet in Excel or WPS, press Ctrl+End to go to its last cell, delete the stray cells far from "
    "the data (select the unused rows and columns beyond it, right-click, Delete), save and import again"
)


EXTENT_MESSAGES: dict[str, tuple[str, str]] = {
    "extent_excel": (
        "工作表的单元格位置超出 Excel 的上限（1,048,576 行、16,384 列，即 XFD1048576）：使用范围为 {ref}；"
        "文件已损坏或被改动，已拒绝读取。请在 Excel/WPS 中重新保存，或从原始数据重新导出",
        "the sheet has a cell beyond Excel's own limits (1,048,576 rows, 16,384 columns: XFD1048576): its "
        "used range is {ref}; the file is damaged or altered: refused. Save it again in Excel or WPS, or "
        "export it again from the source",
    ),
    "extent_columns": (
        "工作表的使用范围为 {ref}（{rows:,} 行 × {columns:,} 列，只有 {cells:,} 个单元格有内容），列数超过上限 "
        "{max_columns}（第 {max_column} 列）；申报表只有几十列，远处的单元格多半是误输入。已拒绝读取。"
        + _FIX_ZH,
        "the sheet's used range is {ref} ({rows:,} rows × {columns:,} columns, only {cells:,} cells hold "
        "anything): more than {max_columns} columns (column {max_column}); an applications sheet has a few "
        "dozen, so a far cell is most likely a stray entry: refused. " + _FIX_EN[0].upper() + _FIX_EN[1:],
    ),
    "extent_area": (
        "工作表的使用范围为 {ref}（{rows:,} 行 × {columns:,} 列 = {area:,} 个单元格，其中只有 {cells:,} 个有内容）；"
        "读取时要为整个范围分配内存（约 {memory}），已拒绝读取。" + _FIX_ZH,
        "the sheet's used range is {ref} ({rows:,} rows × {columns:,} columns = {area:,} cells, of which only "
        "{cells:,} hold anything); reading it would allocate memory for the whole range (about {memory}): "
        "refused. " + _FIX_EN[0].upper() + _FIX_EN[1:],
    ),
    "extent_declared": (
        "工作表声明的范围（dimension）为 {declared}，而有内容的单元格只到 {ref}（{cells:,} 个）；按声明的范围读取要分配约 "
        "{memory} 内存，已拒绝读取。请在 Excel/WPS 中打开后删除数据以外多余的行和列，另存为 .xlsx"
        "（保存时会重新计算该范围）",
        "the sheet declares its range (dimension) as {declared}, while its cells holding anything end at "
        "{ref} ({cells:,} cells); reading by the declared range would allocate about {memory}: refused. "
        "Open it in Excel or WPS, delete the unused rows and columns beyond the data and save it as .xlsx "
        "(saving recomputes the range)",
    ),
    "long_tag": (
        "工作表中有一个超过 {limit} 的 XML 标记；Excel/WPS 从不写入这样的内容，文件已损坏或被改动，已拒绝读取。"
        "请在 Excel/WPS 中重新保存",
        "the sheet holds an XML tag longer than {limit}, which Excel and WPS never write; the file is "
        "damaged or altered: refused. Save it again in Excel or WPS",
    ),
}


def size_text(n: float) -> str:
    for unit, size in (("GB", 2**30), ("MB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**10:,.0f} KB"


# The roster sheet's problems above the value level (:mod:`allocator.intake.roster_read`), as (Chinese, English) templates.
ROSTER_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填，应为{expect_zh}", "required: {expect_en}"),
    "bad": ("{why_zh}；应为{expect_zh}", "{why_en}; expected {expect_en}"),
    "end": (
        "合同结束日期（合同最后一日）{end} 早于合同开始日期 {start}；结束日期应不早于开始日期",
        "the contract's last day {end} is before its start {start}; the end must not be before the start",
    ),
    "terminated": (
        "提前解除日期（合同最后工作日）{term} 应不早于合同开始日期 {start}，且早于合同结束日期 {end}；"
        "合同到结束日期才终止的不是提前解除，请留空",
        "an early termination (the last day worked) {term} must be on or after the start {start} and before "
        "the end {end}; a contract that runs to its end date was not ended early: leave the cell blank",
    ),
    "dup_column": ("列重复：与「{first}」是同一列，请删除一列", "duplicate column: {first!r} is also {key}"),
    "no_header": (
        "表头行中没有可识别的列名（人员编号、统一社会信用代码、合同开始日期、合同结束日期）",
        "no known column in the header row (person_id, credit_code, contract_start, contract_end)",
    ),
    "missing_column": (
        "缺少必填列「{zh}」（表头可写作「{header}」）",
        "required column {key!r} is missing (header: {header!r})",
    ),
    "unreadable": ("工作表无法读取（文件已损坏）：{exc}", "cannot read the sheet: {exc}"),
}
