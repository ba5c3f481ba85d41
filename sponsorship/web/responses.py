"""File responses: every CSV, XLSX, PDF, ZIP and open-data download goes out the same way."""

from __future__ import annotations

import csv
import io

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_response(data: bytes | str, mimetype: str, filename: str, *, inline: bool = False):
    """`data` as a download named `filename` (or shown in the browser when `inline`).

    Every file here holds programme or personal data: browsers and proxies must not keep it.
    """
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def csv_response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return file_response(buffer.getvalue(), "text/csv", filename)


def xlsx_response(data: bytes, filename: str) -> Response:
    return file_response(data, XLSX, filename)


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return file_response(data, PDF, filename, inline=inline)
