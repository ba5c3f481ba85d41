"""Reading a history workbook into typed rows, and saying what is wrong with each.

Every problem is reported with its sheet, its row (as the spreadsheet numbers it), its
column and what is wrong, in the reader's language; nothing is written here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from sponsorship.history.template import (
    BOOL,
    CHOICE,
    DATE,
    INT,
    MONEY,
    RATE,
    SHEETS,
    Column,
)
from sponsorship.history.xlsx_rows import Book, NotXlsx

TRUE = frozenset({"yes", "y", "true", "1", "oui", "sí", "si", "x"})
FALSE = frozenset({"no", "n", "false", "0", "non", ""})


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class Row:
    sheet: str
    number: int
    values: dict

    def __getitem__(self, key: str):
        return self.values.get(key)


@dataclass
class Workbook:
    sheets: dict[str, list[Row]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    #: Rows left out for their errors, with what could be read of them: the rows that
    #: refer to them are skipped without a second report.
    rejected: dict[str, list[Row]] = field(default_factory=dict)

    def refused(self, sheet: str, **key: str) -> bool:
        """Whether a row left out of `sheet` had these values (compared lower-cased)."""
        wanted = {k: (v or "").lower() for k, v in key.items()}
        return any(
            all(str(row[k] or "").lower() == v for k, v in wanted.items())
            for row in self.rejected.get(sheet, [])
        )

    def error(self, row: Row | None, column: str, message) -> None:
        sheet = row.sheet if row else ""
        self.errors.append(RowError(sheet, row.number if row else 1, column, str(message)))


class Invalid(ValueError):
    """A cell that cannot be read as its column's kind; the message says why."""


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        raise Invalid(_l("Not a date: write it as YYYY-MM-DD.")) from None


def _decimal(value, places: int) -> Decimal:
    try:
        number = Decimal(_text(value).replace("'", "").replace(",", ""))
    except InvalidOperation:
        raise Invalid(_l("Not a number.")) from None
    if not number.is_finite() or number < 0:
        raise Invalid(_l("Give a number of zero or more."))
    if number > 10**12:
        raise Invalid(_l("Give a number of zero or more."))
    exact = number.quantize(Decimal(1).scaleb(-places))
    if exact != number:
        raise Invalid(_l("At most %(n)d decimal places.", n=places))
    return exact


def _int(value) -> int:
    number = _decimal(value, 0)
    if number > 10**6:
        raise Invalid(_l("Give a number of zero or more."))
    return int(number)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid(_l("Write yes or no."))


def _choice(value, column: Column) -> str:
    text = _text(value).lower()
    if text not in column.choices:
        raise Invalid(_l("Not one of: %(values)s.", values=", ".join(column.choices)))
    return text


def cell(value, column: Column):
    """The cell's value as its column's kind; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == DATE:
        return _date(value)
    if column.kind == MONEY:
        return _decimal(value, 2)
    if column.kind == RATE:
        return _decimal(value, 8)
    if column.kind == INT:
        return _int(value)
    if column.kind == BOOL:
        return _bool(value)
    if column.kind == CHOICE:
        return _choice(value, column)
    text = _text(value)
    if len(text) > 200:
        raise Invalid(_l("At most %(n)d characters.", n=200))
    return text


def _sheet(book: Workbook, name: str, rows: Iterator[tuple[int, list]]) -> None:
    columns = {c.name: c for c in SHEETS[name]}
    first = next(rows, (0, []))
    if first[0] != 1:  # no header row: what follows is read against no columns
        rows, first = itertools.chain([first], rows), (1, [])
    header = [(_text(h).lower() if h is not None else "") for h in first[1]]
    header_row = Row(name, 1, {})
    for c in columns.values():
        if c.required and c.name not in header:
            book.error(header_row, c.name, _l("This column is missing."))
    found: list[Row] = []
    for number, values in rows:
        if number <= 1:
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row, failed = Row(name, number, {}), set()
        for title, value in zip(header, values, strict=False):
            column = columns.get(title)
            if column is None:
                continue
            try:
                row.values[title] = cell(value, column)
            except Invalid as error:
                failed.add(title)
                book.error(row, title, error.args[0])
        for c in columns.values():
            if c.required and row[c.name] is None and c.name not in failed:
                failed.add(c.name)
                if c.name in header:
                    book.error(row, c.name, _l("This field is required."))
        if failed:
            book.rejected.setdefault(name, []).append(row)
        else:
            found.append(row)
    book.sheets[name] = found


def read(data: bytes) -> Workbook:
    """The workbook's rows by sheet, with every problem found in them."""
    book = Workbook()
    try:
        wb = Book(data)
        for name in SHEETS:
            if name not in wb.sheetnames:
                book.errors.append(RowError(name, 1, "", str(_l("This sheet is missing."))))
                book.sheets[name] = []
                continue
            _sheet(book, name, wb.rows(name))
        wb.close()
    except NotXlsx:
        return Workbook(errors=[RowError("", 1, "", str(_l("This is not an XLSX workbook.")))])
    return book
