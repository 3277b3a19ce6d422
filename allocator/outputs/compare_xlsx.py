"""``compare.xlsx``: two runs side by side (对比汇总, 按申报, 按事项, 按区).

* 按申报: one application a row, largest gain first and largest loss last; 变化 is ``=B − A`` per row and
  a 合计 row of SUM formulas adds up to both runs' totals.
* 按事项 / 按区: SUMIF and COUNTIFS over 按申报, so they add up the same way by construction. The
  criterion is ``"="&A2``, an exact match: a district or item that starts with ``>`` or ``=`` (``>0``,
  ``=1+1``) matches itself, not a comparison.
* 对比汇总: both runs' figures (from summary.json), their differences as formulas, the gains and losses
  counted over 按申报, and 核对 cells (按申报 / 按事项 / 按区 totals minus the summary figures, all 0).

Every formula is written with its cached value, so a viewer that does not recalculate shows the numbers.
Only SUM, SUMIF, COUNTIF, COUNTIFS, COUNTA and IF are used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .compare_layout import (
    APPLICATION_SHEET,
    CHANGE_FORMAT,
    DISTRICT_KEYS,
    DISTRICT_SHEET,
    ITEM_KEYS,
    ITEM_SHEET,
    SHEETS,
    SUMMARY_SHEET,
    AppRef,
    Col,
    application_columns,
    group_columns,
    letter,
)
from .xlsx_style import (
    WORKBOOK_OPTIONS,
    Styles,
    add_format,
    fit_columns,
    merge_text,
    print_setup,
    put_number,
    put_text,
    styles,
)

GAIN_FONT, LOSS_FONT = "#1F5F99", "#C55A11"


class _Writer:
    def __init__(self, comparison, path) -> None:
        self.c = comparison
        target = path if not isinstance(path, str | Path) else str(path)
        self.wb = xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "in_memory": True})
        self.st: Styles = styles(self.wb)
        add = self.wb.add_format
        cell = {"border": 1, "valign": "vcenter"}
        total = {"bold": True, "bg_color": "#F2F2F2", "top": 6, "bottom": 1, "left": 1, "right": 1}
        self.change = add({"num_format": CHANGE_FORMAT, **cell})
        self.change_decimal = add({"num_format": "+#,##0.00;-#,##0.00;0.00", **cell})
        self.total_change = add({"num_format": CHANGE_FORMAT, "valign": "vcenter", **total})
        self.gain_font = add({"font_color": GAIN_FONT})
        self.loss_font = add({"font_color": LOSS_FONT})
        # text formats come with a quote-prefixed twin (text starting with = + - @)
        self.note = add_format(self.wb, {"text_wrap": True, "valign": "top"})
        self.subtitle = add_format(self.wb, {"font_color": "#52606D", "valign": "vcenter"})
        self.title = f"方案对比：A＝{comparison.name_a}；B＝{comparison.name_b}"
        # added in reading order (对比汇总 first), filled once the sheets it points at are laid out
        self.sheets = {name: self.wb.add_worksheet(name) for name in SHEETS}

    def fmt(self, kind: str):
        st = self.st
        return {
            "text": st.text,
            "wrap": st.wrap,
            "code": st.code,
            "money": st.money,
            "change": self.change,
            "count": st.count,
            "seq": st.count,
        }[kind]

    def total_fmt(self, kind: str):
        return {"money": self.st.total_money, "change": self.total_change, "count": self.st.total_count}[kind]

    def colour_changes(self, ws: Worksheet, first: int, last: int, col: int) -> None:
        for criteria, fmt in ((">", self.gain_font), ("<", self.loss_font)):
            ws.conditional_format(
                first, col, last, col, {"type": "cell", "criteria": criteria, "value": 0, "format": fmt}
            )

    def header(self, ws: Worksheet, columns: tuple[Col, ...]) -> None:
        ws.set_row(0, 32)
        for j, col in enumerate(columns):
            put_text(ws, 0, j, col.header, self.st.header)

    # ------------------------------------------------------------ 按申报
    def applications(self) -> AppRef:
        from .compare_words import WHERE_ZH, status_text

        ws = self.sheets[APPLICATION_SHEET]
        columns = application_columns(self.c.fund, self.c.cofund)
        self.header(ws, columns)
        df = self.c.by_application
        widths: list[list[str]] = [[c.header] for c in columns]
        ca, cb = letter(columns, "award_a"), letter(columns, "award_b")
        for i, row in enumerate(df.itertuples(index=False), start=1):
            rec = row._asdict()
            for j, col in enumerate(columns):
                fmt = self.fmt(col.kind)
                if col.key == "#seq":
                    put_number(ws, i, j, i, fmt)
                elif col.key == "change":
                    ws.write_formula(i, j, f"={cb}{i + 1}-{ca}{i + 1}", fmt, int(rec["change"]))
                    widths[j].append(f"+{abs(int(rec['change'])):,}")
                elif col.kind == "money":
                    put_number(ws, i, j, int(rec[col.key]), fmt)
                    widths[j].append(f"{int(rec[col.key]):,}")
                else:
                    if col.key in ("#status_a", "#status_b"):
                        s = col.key[-1]
                        value = status_text(rec[f"status_{s}"], int(rec[f"award_{s}"]), rec["where"], s)
                    elif col.key == "#where":
                        value = WHERE_ZH[rec["where"]]
                    else:
                        value = rec[col.key]
                    put_text(ws, i, j, value, fmt)
                    widths[j].append(str(value) if col.kind != "wrap" else "")
        n = len(df)
        last = max(n, 1) + 1
        if n == 0:
            for j, col in enumerate(columns):
                put_text(ws, 1, j, "（无）" if col.key == "applicant" else "", self.fmt(col.kind))
        total = last + 1
        r = total - 1
        for j, col in enumerate(columns):
            c = xl_col_to_name(j)
            if col.kind in ("money", "change"):
                cached = int(df[col.key].sum()) if n else 0
                ws.write_formula(r, j, f"=SUM({c}2:{c}{last})", self.total_fmt(col.kind), cached)
            elif col.key == "applicant":
                ws.write_formula(r, j, f"=COUNTA(B2:B{last})", self.st.total_items, n)
            elif j == 0:
                put_text(ws, r, j, "合计", self.st.total_label)
            else:
                ws.write_blank(r, j, None, self.st.total_label)
        self.colour_changes(ws, 1, total - 1, columns.index(next(c for c in columns if c.key == "change")))
        ws.freeze_panes(1, 3)
        ws.autofilter(0, 0, last - 1, len(columns) - 1)
        fit_columns(ws, widths)
        for j, col in enumerate(columns):
            if col.kind == "wrap":
                ws.set_column(j, j, 44)
        print_setup(ws, self.title)
        return AppRef(columns, last, total)

    # ------------------------------------------------------------ 按事项 / 按区
    def groups(self, name: str, frame: pd.DataFrame, keys: tuple[Col, ...], key: str, app: AppRef) -> int:
        """A sheet of SUMIF/COUNTIFS over 按申报 by ``key``; returns its 合计 row (1-based)."""
        ws = self.sheets[name]
        columns = group_columns(keys, self.c.fund, self.c.cofund)
        self.header(ws, columns)
        widths: list[list[str]] = [[c.header] for c in columns]
        key_col = letter(columns, key)
        where = app.range(key)
        crit = f'"="&${key_col}{{row}}'  # exact: text starting with > or = is not a comparison
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            rec = row._asdict()
            r1 = i + 1
            for j, col in enumerate(columns):
                fmt = self.fmt(col.kind)
                if col.kind == "text":
                    put_text(ws, i, j, rec[col.key], fmt)
                    widths[j].append(str(rec[col.key]))
                elif col.key in ("change", "funded_change"):
                    a, b = ("award_a", "award_b") if col.key == "change" else ("funded_a", "funded_b")
                    la, lb = letter(columns, a), letter(columns, b)
                    ws.write_formula(i, j, f"={lb}{r1}-{la}{r1}", fmt, int(rec[b]) - int(rec[a]))
                    widths[j].append(f"+{abs(int(rec[b]) - int(rec[a])):,}")
                elif col.key in ("funded_a", "funded_b"):
                    award = app.range(f"award_{col.key[-1]}")
                    formula = f'=COUNTIFS({where},{crit.format(row=r1)},{award},">0")'
                    ws.write_formula(i, j, formula, fmt, int(rec[col.key]))
                else:
                    formula = f"=SUMIF({where},{crit.format(row=r1)},{app.range(col.key)})"
                    ws.write_formula(i, j, formula, fmt, int(rec[col.key]))
                    widths[j].append(f"{int(rec[col.key]):,}")
        n = len(frame)
        last = max(n, 1) + 1
        r = last
        for j, col in enumerate(columns):
            c = xl_col_to_name(j)
            if col.kind in ("money", "change", "count"):
                if col.key == "funded_change":
                    cached = int(frame["funded_b"].sum() - frame["funded_a"].sum()) if n else 0
                else:
                    cached = int(frame[col.key].sum()) if n else 0
                ws.write_formula(r, j, f"=SUM({c}2:{c}{last})", self.total_fmt(col.kind), cached)
            elif j == 0:
                put_text(ws, r, j, "合计", self.st.total_label)
            else:
                ws.write_blank(r, j, None, self.st.total_label)
        for key_name in ("change", "funded_change"):
            self.colour_changes(ws, 1, r, columns.index(next(c for c in columns if c.key == key_name)))
        ws.freeze_panes(1, len(keys))
        ws.autofilter(0, 0, last - 1, len(columns) - 1)
        fit_columns(ws, widths)
        print_setup(ws, self.title)
        return last + 1

    # ------------------------------------------------------------ 对比汇总
    def summary(self, app: AppRef, item_total: int, district_total: int) -> dict[str, str]:
        """对比汇总: the runs' figures side by side, who gains and who loses, the 核对 cells, the notes.
        Returns where each figure sits (``awarded_a`` → ``B7``, ``awarded_change`` → ``D7``, …)."""
        ws = self.sheets[SUMMARY_SHEET]
        cells: dict[str, str] = {}
        r = self._figures(ws, cells)
        r = self._gains(ws, app, r + 1, cells)
        r = self._checks(ws, app, r + 1, cells, item_total, district_total)
        self._notes(ws, r + 1)
        return cells

    def _figures(self, ws: Worksheet, cells: dict[str, str]) -> int:
        """The title, both runs and their totals with the change as formulas; the row after them."""
        c = self.c
        st = self.st
        ws.set_column(0, 0, 30)
        ws.set_column(1, 3, 22)
        ws.set_column(4, 4, 12)
        merge_text(ws, 0, 0, 4, "方案对比：B 较 A 的变化", st.title)
        ws.set_row(0, 24)
        merge_text(ws, 1, 0, 4, f"A：{c.name_a}（{c.a.rule_zh}）  结果目录 {c.a.folder}", self.subtitle)
        merge_text(ws, 2, 0, 4, f"B：{c.name_b}（{c.b.rule_zh}）  结果目录 {c.b.folder}", self.subtitle)
        r = 4
        for j, head in enumerate(("项目", f"A：{c.name_a}", f"B：{c.name_b}", "变化（B−A）", "变化率")):
            put_text(ws, r, j, head, st.header)
        ws.set_row(r, 32)
        r += 1
        for label, va, vb in (("分配规则", c.a.rule_zh, c.b.rule_zh), ("政策", c.a.policy, c.b.policy)):
            put_text(ws, r, 0, label, st.label)
            put_text(ws, r, 1, va, st.text)
            put_text(ws, r, 2, vb, st.text)
            put_text(ws, r, 3, "相同" if va == vb else "不同", st.text)
            ws.write_blank(r, 4, None, st.text)
            r += 1
        for key, row in c.totals.iterrows():
            kind = (
                "decimal" if key == "value" else ("count" if key in ("applications", "funded") else "money")
            )
            fmt = {"decimal": st.decimal, "count": st.count, "money": st.money}[kind]
            put_text(ws, r, 0, row["label"], st.label)
            put_number(ws, r, 1, row["a"], fmt)
            put_number(ws, r, 2, row["b"], fmt)
            diff = row["b"] - row["a"]
            diff_fmt = self.change if kind != "decimal" else self.change_decimal
            ws.write_formula(
                r, 3, f"=C{r + 1}-B{r + 1}", diff_fmt, round(diff, 4) if kind == "decimal" else int(diff)
            )
            ratio = "" if not row["a"] else diff / row["a"]
            ws.write_formula(r, 4, f'=IF(B{r + 1}=0,"",D{r + 1}/B{r + 1})', st.ratio, ratio)
            for side, col in (("a", "B"), ("b", "C"), ("change", "D")):
                cells[f"{key}_{side}"] = f"{col}{r + 1}"
            r += 1
        self.colour_changes(ws, 5, r - 1, 3)
        return r

    def _gains(self, ws: Worksheet, app: AppRef, r: int, cells: dict[str, str]) -> int:
        """Who gains and who loses, counted over 按申报 (formulas with their cached values)."""
        from .compare_words import WHERE_ZH

        c, st = self.c, self.st
        for j, head in enumerate(("申报变化（按申报工作表）", "项数", "金额变化（元）")):
            put_text(ws, r, j, head, st.header)
        r += 1
        df = c.by_application
        chg, where, aw_a, aw_b = (
            app.range("change"),
            app.range("#where"),
            app.range("award_a"),
            app.range("award_b"),
        )
        first = r + 1
        rows = (
            ("B 较 A 增加", f'=COUNTIF({chg},">0")', f'=SUMIF({chg},">0")', df["change"] > 0),
            ("B 较 A 减少", f'=COUNTIF({chg},"<0")', f'=SUMIF({chg},"<0")', df["change"] < 0),
            ("金额不变", f"=COUNTIF({chg},0)", f"=SUMIF({chg},0)", df["change"] == 0),
        )
        for label, count, amount, mask in rows:
            put_text(ws, r, 0, label, st.label)
            ws.write_formula(r, 1, count, st.count, int(mask.sum()))
            ws.write_formula(r, 2, amount, self.change, int(df.loc[mask, "change"].sum()))
            r += 1
        put_text(ws, r, 0, "合计", st.total_label)
        ws.write_formula(r, 1, f"=SUM(B{first}:B{r})", st.total_count, len(df))
        ws.write_formula(r, 2, f"=SUM(C{first}:C{r})", self.total_change, int(df["change"].sum()))
        cells["changes_total"] = f"C{r + 1}"
        r += 1
        for key, award in (("only_a", aw_a), ("only_b", aw_b)):
            mask = df["where"] == key
            label = f"其中{WHERE_ZH[key]}（另一方案按 0 计）"
            put_text(ws, r, 0, label, st.text)
            ws.write_formula(r, 1, f'=COUNTIF({where},"{WHERE_ZH[key]}")', st.count, int(mask.sum()))
            cached = int(df.loc[mask, "award_a" if key == "only_a" else "award_b"].sum())
            ws.write_formula(r, 2, f'=SUMIF({where},"{WHERE_ZH[key]}",{award})', st.money, cached)
            cells[f"{key}_count"], cells[f"{key}_award"] = f"B{r + 1}", f"C{r + 1}"
            r += 1
        self.colour_changes(ws, first - 1, r - 1, 2)
        return r

    def _checks(
        self, ws: Worksheet, app: AppRef, r: int, cells: dict[str, str], item_total: int, district_total: int
    ) -> int:
        """核对: every sheet's total minus summary.json's figure, each 0."""
        c, st = self.c, self.st
        for j, head in enumerate(("核对（明细合计 − 汇总数，应为 0）", "A", "B")):
            put_text(ws, r, j, head, st.header)
        r += 1
        checks = (
            ("按申报：拟支持金额", "award", "awarded", app.total),
            (f"按申报：{c.fund}承担", "city_cost", "city_cost", app.total),
            (f"按申报：{c.cofund}承担", "district_cost", "district_cost", app.total),
            (
                "按事项：拟支持金额",
                "award",
                "awarded",
                lambda k: self._group_total(ITEM_SHEET, k, item_total, ITEM_KEYS),
            ),
            (
                "按区：拟支持金额",
                "award",
                "awarded",
                lambda k: self._group_total(DISTRICT_SHEET, k, district_total, DISTRICT_KEYS),
            ),
            (
                "按事项：获支持项数",
                "funded",
                "funded",
                lambda k: self._group_total(ITEM_SHEET, k, item_total, ITEM_KEYS),
            ),
        )
        for k, (label, col, key, where_total) in enumerate(checks):
            put_text(ws, r, 0, label, st.text)
            for j, side in ((1, "a"), (2, "b")):
                formula = f"={where_total(f'{col}_{side}')}-{cells[f'{key}_{side}']}"
                ws.write_formula(r, j, formula, self.change, 0)
                cells[f"check{k}_{side}"] = xl_rowcol_to_cell(r, j)
            r += 1
        return r

    def _notes(self, ws: Worksheet, r: int) -> None:
        """What else differs, and how to read the sheet; then the sheet's print setup, active."""
        c, st = self.c, self.st
        notes = [
            "变化＝B − A；金额为整数元。A、B 的合计取自各自结果目录的 summary.json，明细取自 allocation.csv。",
            "按申报工作表按变化排序：增加最多的在前，减少最多的在后。",
            *c.notes,
        ]
        put_text(ws, r, 0, "说明", st.label)
        r += 1
        for note in notes:
            merge_text(ws, r, 0, 4, note, self.note)
            ws.set_row(r, 30 if len(note) > 60 else 18)
            r += 1
        ws.hide_gridlines(2)
        print_setup(ws, self.title, landscape=False, header_rows=None)
        ws.activate()

    def _group_total(self, sheet: str, key: str, total_row: int, keys: tuple[Col, ...]) -> str:
        columns = group_columns(keys, self.c.fund, self.c.cofund)
        return f"'{sheet}'!${letter(columns, key)}${total_row}"


def compare_cells(comparison) -> dict[str, str]:
    """Where 对比汇总 puts each figure, without writing: ``awarded_a`` → ``B9``, ``check0_a`` …"""
    import io

    return _write(comparison, io.BytesIO())


def _write(comparison, target) -> dict[str, str]:
    w = _Writer(comparison, target)
    try:
        app = w.applications()
        item_total = w.groups(ITEM_SHEET, comparison.by_item, ITEM_KEYS, "item", app)
        district_total = w.groups(DISTRICT_SHEET, comparison.by_district, DISTRICT_KEYS, "district", app)
        return w.summary(app, item_total, district_total)
    finally:
        w.wb.close()


def write_compare_xlsx(comparison, path: str | Path) -> Path:
    """Write compare.xlsx: :data:`SHEETS`, 对比汇总 first and active."""
    path = Path(path)
    _write(comparison, path)
    return path
