"""File responses: every CSV, XLSX, PDF, ZIP and open-data download goes out the same way."""

from __future__ import annotations

import csv
import io
import unicodedata
from urllib.parse import quote

from flask import Response
from werkzeug.datastructures import Headers

from sponsorship.reporting.exports import as_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_response(data: bytes | str, mimetype: str, filename: str, *, inline: bool = False):
    """`data` as a download named `filename` (or shown in the browser when `inline`).

    Every file here holds programme or personal data: browsers and proxies must not keep it.
    """
    headers = Headers({"Cache-Control": "private, no-store"})
    headers.set("Content-Disposition", "inline" if inline else "attachment", **_names(filename))
    return Response(data, mimetype=mimetype, headers=headers)


def _names(filename: str) -> dict[str, str]:
    """The file name as a header can carry it: quoted, and for a name beyond ASCII (an
    applicant's "Note – Sénégal.pdf") an ASCII fallback plus RFC 5987's UTF-8 form, as
    Werkzeug's send_file writes it; a raw non-Latin-1 header fails in the WSGI server."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        return {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"}
    return {"filename": filename}


def csv_response(rows: list[list], filename: str) -> Response:
    """`rows` as CSV; text that a spreadsheet would read as a formula is neutralised."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [as_text(v) if isinstance(v, str) else v for v in row] for row in rows
    )
    return file_response(buffer.getvalue(), "text/csv", filename)


def xlsx_response(data: bytes, filename: str) -> Response:
    return file_response(data, XLSX, filename)


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return file_response(data, PDF, filename, inline=inline)
