"""An XLSX workbook's sheets as rows of plain values, read straight from the XML.

openpyxl builds an object per cell (about 60 microseconds each, even read-only): twenty
years of history are hundreds of thousands of cells, half a minute just to read them.
This reads the same values from the sheets' XML in one streaming pass, parsed by
openpyxl's own XML functions (defusedxml when installed, else the standard library's
expat, 2.4 or later, which refuses entity expansion attacks), and gives them as
openpyxl would with ``data_only=True``: shared and inline strings as text, numbers as
int or float, booleans, cached formula results, and numbers whose cell format is a
date as datetimes (openpyxl's own format tables and calendar decide which and how).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from posixpath import join, normpath
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.xml.functions import fromstring, iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class NotXlsx(ValueError):
    """The bytes are not a workbook this reader understands."""


def _xml(archive: zipfile.ZipFile, path: str) -> Any:
    try:
        return fromstring(archive.read(path))
    except KeyError:
        return None


def _text(element: Any) -> str:
    """A string item's text: its <t>, or its rich runs' <t>s joined (not phonetics)."""
    plain = element.find(f"{MAIN}t")
    if plain is not None:
        return plain.text or ""
    return "".join(t.text or "" for r in element.iter(f"{MAIN}r") for t in r.iter(f"{MAIN}t"))


def _number(text: str) -> int | float:
    """As openpyxl casts a number cell."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class Book:
    """The sheets of an XLSX workbook, by name, read one at a time as rows."""

    def __init__(self, data: bytes) -> None:
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            workbook = _xml(self.archive, "xl/workbook.xml")
            if workbook is None:
                raise NotXlsx("no workbook part")
            self.sheets = self._sheet_paths(workbook)
            pr = workbook.find(f"{MAIN}workbookPr")
            date1904 = pr is not None and pr.get("date1904") in ("1", "true")
            self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
            strings = _xml(self.archive, "xl/sharedStrings.xml")
            self.strings = [] if strings is None else [_text(si) for si in strings]
            self.dates, self.durations = self._date_styles()
        except (zipfile.BadZipFile, SyntaxError, OSError, ValueError) as error:
            raise NotXlsx(str(error)) from error

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def _sheet_paths(self, workbook: Any) -> dict[str, str]:
        rels = _xml(self.archive, "xl/_rels/workbook.xml.rels")
        targets = {}
        for rel in rels if rels is not None else []:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else join("xl", target)
            targets[rel.get("Id")] = normpath(path)
        return {
            sheet.get("name"): targets.get(sheet.get(f"{REL}id"), "")
            for sheet in workbook.iter(f"{MAIN}sheet")
        }

    def _date_styles(self) -> tuple[set[int], set[int]]:
        """The cell styles whose number format is a date, and those of them that are
        a duration: as openpyxl decides it."""
        styles = _xml(self.archive, "xl/styles.xml")
        if styles is None:
            return set(), set()
        custom = {
            int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{MAIN}numFmt")
        }
        dates, durations = set(), set()
        xfs = styles.find(f"{MAIN}cellXfs")
        for n, xf in enumerate(xfs if xfs is not None else []):
            number_format = int(xf.get("numFmtId", 0))
            code = custom.get(number_format, BUILTIN_FORMATS.get(number_format, "General"))
            if is_date_format(code):
                dates.add(n)
                if is_timedelta_format(code):
                    durations.add(n)
        return dates, durations

    def _value(self, cell: Any):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{MAIN}is")
            return None if inline is None else _text(inline)
        v = cell.find(f"{MAIN}v")
        if v is None or v.text is None:
            return None
        if kind == "s":
            return self.strings[int(v.text)]
        if kind == "b":
            return v.text == "1"
        if kind == "d":
            return datetime.fromisoformat(v.text)
        if kind in ("str", "e"):
            return v.text
        value = _number(v.text)
        style = int(cell.get("s", 0))
        if style in self.dates:
            return from_excel(value, self.epoch, timedelta=style in self.durations)
        return value

    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        """The sheet's rows that hold cells: (the row's number, its values by column
        from A, None where empty)."""
        try:
            with self.archive.open(self.sheets[name]) as part:
                number = 0
                for _event, element in iterparse(part):
                    if element.tag != f"{MAIN}row":
                        continue
                    number = int(element.get("r") or number + 1)
                    yield number, self._row(element)
                    element.clear()
        except (KeyError, SyntaxError, ValueError, IndexError) as error:
            raise NotXlsx(str(error)) from error

    def _row(self, row: Any) -> list:
        values: list = []
        for cell in row.iter(f"{MAIN}c"):
            ref = cell.get("r")
            if ref:
                column = column_index_from_string(ref.rstrip("0123456789"))
                values.extend([None] * (column - 1 - len(values)))
            values.append(self._value(cell))
        return values

    def close(self) -> None:
        self.archive.close()
