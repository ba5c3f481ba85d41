"""XLSX workbooks of the reports, with typed cells: numbers as numbers, dates as dates."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

MONEY = "#,##0.00"


def workbook(sheets: Iterable[tuple[str, Sequence[Sequence]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title[:31])
        for row in rows:
            ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
            for cell, value in zip(ws[ws.max_row], row, strict=False):
                if isinstance(value, Decimal):
                    cell.number_format = MONEY
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
