"""The reports a job prepares, by kind: how each is built, named and typed.

Each builder takes whose data it is (the donor's id; the meeting's for the ZIP of its
letters; None for the programme-wide reports), or for the audit trail the filter's
query string, and a `progress(percent)` callback, and returns the file's bytes. They
run inside a job, in a request context of their own with the reader's language forced
(reporting/prepared.py), never inside a web request: the donor's PDF at twenty years
takes seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from sponsorship.web.responses import PDF, XLSX

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportKind:
    name: str
    filename: str
    mimetype: str
    #: Written in the reader's language: the PDF, and the donor's spreadsheets'
    #: headers and words (the open-data formats are not).
    by_locale: bool
    build: Callable[[int | str | None, Progress], bytes]


def _csv(rows: list[list]) -> bytes:
    """As `csv_response` writes it: text a spreadsheet would read as a formula neutralised."""
    from sponsorship.reporting.exports import as_text

    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [[as_text(v) if isinstance(v, str) else v for v in row] for row in rows]
    )
    return buffer.getvalue().encode()


def _programme_pdf(_donor_id: int | None, progress: Progress) -> bytes:
    from sponsorship.reporting import pdf as reports_pdf
    from sponsorship.reporting.admin_views import programme_context

    context = programme_context()
    progress(40)
    return reports_pdf.report_pdf("reporting/pdf_programme.html", **context)


def _programme_csv(_donor_id: int | None, _progress: Progress) -> bytes:
    from sponsorship.reporting.admin_views import programme_rows

    return _csv(programme_rows())


def _programme_xlsx(_donor_id: int | None, progress: Progress) -> bytes:
    from sponsorship.reporting import exports as reports_export
    from sponsorship.reporting.admin_views import programme_rows

    rows = programme_rows()
    progress(50)
    return reports_export.workbook([("Programme", rows)])


def _threesixty(donor_id: int | None, _progress: Progress) -> bytes:
    from sponsorship.reporting import opendata as reports_opendata

    answer = reports_opendata.threesixty_giving_json(donor_id)
    return answer if isinstance(answer, bytes) else answer.encode()


def _iati(donor_id: int | None, _progress: Progress) -> bytes:
    from sponsorship.reporting import opendata as reports_opendata

    answer = reports_opendata.iati_activities(donor_id)
    return answer if isinstance(answer, bytes) else answer.encode()


def _donor(donor_id: int | None):
    from sponsorship.extensions import db
    from sponsorship.models import Donor
    from sponsorship.reporting import donor as reports_donor

    donor = db.session.get(Donor, donor_id)
    return donor, reports_donor.donor_report(donor)


def _donor_csv(donor_id: int | None, _progress: Progress) -> bytes:
    from sponsorship.reporting.donor_exports import award_rows

    # With a byte-order mark, Excel reads the translated headers and names as UTF-8.
    return b"\xef\xbb\xbf" + _csv(award_rows(_donor(donor_id)[1]))


def _donor_xlsx(donor_id: int | None, progress: Progress) -> bytes:
    from sponsorship.reporting.donor_exports import donor_workbook
    from sponsorship.reporting.donor_views import DIMENSION_TITLES

    donor, report = _donor(donor_id)
    progress(50)
    return donor_workbook(donor, report, DIMENSION_TITLES)


def _donor_pdf(donor_id: int | None, progress: Progress) -> bytes:
    from sponsorship.reporting.donor_views import donor_pdf

    donor, report = _donor(donor_id)
    progress(40)
    return donor_pdf(donor, report)


def _letters_zip(meeting_id: int | None, progress: Progress) -> bytes:
    from sponsorship.documents.bulk import letters_zip

    return letters_zip(meeting_id, progress)


def _audit_csv(query: str, progress: Progress) -> bytes:
    from sponsorship.audit_viewer.filters import args_of, read_filter
    from sponsorship.audit_viewer.trail import export_rows

    _form, found = read_filter(args_of(query))
    return _csv(export_rows(found, progress))


KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind("programme.pdf", "programme-report.pdf", PDF, True, _programme_pdf),
        ExportKind("programme.csv", "programme-report.csv", "text/csv", False, _programme_csv),
        ExportKind("programme.xlsx", "programme-report.xlsx", XLSX, False, _programme_xlsx),
        ExportKind(
            "programme.360giving.json",
            "programme-grants.360giving.json",
            "application/json",
            False,
            _threesixty,
        ),
        ExportKind(
            "programme.iati.xml", "programme-activity.iati.xml", "application/xml", False, _iati
        ),
        ExportKind("donor.pdf", "donor-report.pdf", PDF, True, _donor_pdf),
        ExportKind("donor.csv", "donor-report.csv", "text/csv", True, _donor_csv),
        ExportKind("donor.xlsx", "donor-report.xlsx", XLSX, True, _donor_xlsx),
        ExportKind(
            "donor.360giving.json",
            "donor-grants.360giving.json",
            "application/json",
            False,
            _threesixty,
        ),
        ExportKind("donor.iati.xml", "donor-activity.iati.xml", "application/xml", False, _iati),
        ExportKind("letters.zip", "letters.zip", "application/zip", False, _letters_zip),
        # Its headers and sentences are written in the reader's language.
        ExportKind("audit.csv", "audit-trail.csv", "text/csv", True, _audit_csv),
    )
}
