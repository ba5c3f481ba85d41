"""Spreadsheets of the reports: XLSX workbooks with typed cells (numbers as numbers,
dates as dates, text always as text), and the one rule that keeps stored text from
being read as a formula, for XLSX here and for CSV (sponsorship/web/responses.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.utils import get_column_letter

MONEY = "#,##0.00"

#: What makes a spreadsheet read a cell as a formula, per OWASP's CSV-injection guidance
#: (https://owasp.org/www-community/attacks/CSV_Injection): a meeting titled
#: =HYPERLINK("http://…") would otherwise become a live link in the administrator's
#: Excel. Such text gets a leading apostrophe, which shows it is text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """Stored text as a spreadsheet cell holds it: never the start of a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _xlsx_value(value):
    if isinstance(value, str):
        # XML 1.0 cannot hold most control characters; openpyxl refuses them.
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", as_text(value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def _fit_columns(ws, rows: Sequence[Sequence]) -> None:
    """Columns wide enough for their header and first rows, so that nothing opens as ####."""
    widths: dict[int, int] = {}
    for row in list(rows)[:200]:
        for n, value in enumerate(row, 1):
            shown = len(str(value)) + (4 if isinstance(value, Decimal) else 0)
            widths[n] = max(widths.get(n, 8), min(shown + 2, 60))
    for n, width in widths.items():
        ws.column_dimensions[get_column_letter(n)].width = width


def workbook(sheets: Iterable[tuple[str, Sequence[Sequence]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title[:31])
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
            for cell, value in zip(ws[ws.max_row], row, strict=False):
                if isinstance(value, str):
                    # Text is text: openpyxl would make "=…" a formula and "#N/A" an error.
                    cell.data_type = TYPE_STRING
                elif isinstance(value, Decimal):
                    cell.number_format = MONEY
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
        _fit_columns(ws, rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
