"""Statistics as .xlsx (openpyxl), for every module with a statistics page: a summary sheet (one row per
figure: label, value, unit) and one sheet per breakdown table, numbers as numbers and rates as
percentages (the cell holds 0.875, shown 87.5%).

Every text cell is written as text: a unit, sector or author named "=…" never becomes a formula run
by whoever opens the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

Value = int | float | str | None


@dataclass
class SummaryLine:
    label: str
    value: Value
    unit: str = ""
    kind: str = "count"  # "count" | "rate" | "days"


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: list[Sequence[Value]] = field(default_factory=list)
    kinds: Sequence[str] = ()  # the kind of each column after the first (label) column


def report_xlsx(summary_title: str, summary: Iterable[SummaryLine], sheets: Iterable[Sheet],
                notes: Iterable[tuple[str, str]] = ()) -> bytes:
    """The workbook: `summary` on the first sheet (then `notes`, e.g. the scope, and the time it was
    made), each of `sheets` after it."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = summary_title[:31]
    ws.append(["指标", "数值", "单位"])
    for line in summary:
        ws.append([line.label, line.value, line.unit])
        format_cell(ws.cell(row=ws.max_row, column=2), line.kind)
    ws.append([])
    for label, text in [*notes, ("生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M"))]:
        ws.append([label, text])
    finish_sheet(ws, widths=(22, 14, 8))
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append(list(sheet.header))
        for row in sheet.rows:
            ws.append(list(row))
            for i, kind in enumerate(sheet.kinds, start=2):
                format_cell(ws.cell(row=ws.max_row, column=i), kind)
        finish_sheet(ws, widths=(22,) + (12,) * (len(sheet.header) - 1))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def format_cell(cell: Any, kind: str) -> None:
    if kind == "rate":
        cell.number_format = "0.0%"
    elif kind == "days":
        cell.number_format = "0.0"
    else:
        cell.number_format = "0"


def finish_sheet(ws: Any, widths: Iterable[int]) -> None:
    """Bold header, text cells kept text, column widths, the header and label column frozen."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
