"""The web side of prepared reports: serve the current copy, or show the one coming.

Each report URL (/donor/report.pdf, /admin/reports/programme.csv, ...) answers with
the file when a copy built at the current data stamp is ready, and otherwise sends
the reader (303) to the export's page: its progress, refreshed every two seconds
without JavaScript (a Refresh header), and the last ready copy with its date at once.
Donor and administrator blueprints each register the two pages for their own scope.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from sponsorship.extensions import db
from sponsorship.models import ReportExport
from sponsorship.reporting import prepared
from sponsorship.reporting.export_kinds import KINDS
from sponsorship.web.filters import current_locale
from sponsorship.web.responses import file_response

LABELS = {
    "programme.pdf": _l("Programme report (PDF)"),
    "programme.csv": _l("Programme report (CSV)"),
    "programme.xlsx": _l("Programme report (XLSX)"),
    "programme.360giving.json": _l("Programme grants (360Giving JSON)"),
    "programme.iati.xml": _l("Programme activity (IATI XML)"),
    "donor.pdf": _l("Your report (PDF)"),
    "donor.csv": _l("Your report (CSV)"),
    "donor.xlsx": _l("Your report (XLSX)"),
    "donor.360giving.json": _l("Your grants (360Giving JSON)"),
    "donor.iati.xml": _l("Your activity (IATI XML)"),
    "letters.zip": _l("Every valid letter of the meeting (ZIP)"),
    "audit.csv": _l("Audit trail (CSV)"),
}
#: The report URL of each kind, to prepare it again.
SOURCES = {
    "programme.pdf": "admin.reports.programme_pdf",
    "programme.csv": "admin.reports.programme_csv",
    "programme.xlsx": "admin.reports.programme_xlsx",
    "programme.360giving.json": "admin.reports.programme_360giving",
    "programme.iati.xml": "admin.reports.programme_iati",
    "donor.pdf": "donor.report_pdf",
    "donor.csv": "donor.report_csv",
    "donor.xlsx": "donor.report_xlsx",
    "donor.360giving.json": "donor.report_360giving",
    "donor.iati.xml": "donor.report_iati",
}


def serve_or_prepare(
    kind: str,
    donor_id: int | None,
    status_endpoint: str,
    *,
    scope: str | None = None,
    params: str | None = None,
):
    """The current copy as a download, or a redirect to the page of the one coming.
    `scope` names whose file it is when it is not the reader's own (a meeting's, a
    filter of the audit trail), and `params` what that scope stands for (the filter)."""
    spec = KINDS[kind]
    locale = current_locale()[:2] if spec.by_locale else ""
    scope = scope or prepared.scope_of(donor_id)
    ready, export_id = prepared.request_export(kind, scope, locale, params)
    data = prepared.read_file(ready) if ready is not None else None
    if data is not None:
        return file_response(data, spec.mimetype, _filename(kind, scope))
    return redirect(url_for(status_endpoint, export_id=export_id), 303)


#: The scopes administrators read beside the programme's: meetings' letters, the audit trail.
ADMIN_SCOPES = ("meeting-", "audit-")


def _own(export_id: int, donor_id: int | None) -> ReportExport:
    """The export, if it is this reader's (another's is a 404, as a missing one): a
    donor's own, or for administrators (no donor) the programme's, the meetings' and
    the audit trail's."""
    export = db.session.get(ReportExport, export_id)
    mine = export is not None and (
        export.scope == prepared.scope_of(donor_id)
        or (donor_id is None and export.scope.startswith(ADMIN_SCOPES))
    )
    if not mine:
        abort(404)
    return export


def _links(export: ReportExport, back_url: str) -> tuple[str, str]:
    """(the URL that prepares the export again, the page to go back to): the report's
    own page, or the meeting's letters, or the audit trail with the same filter."""
    if export.kind == "letters.zip":
        meeting_id = prepared.subject_of(export.scope)
        return (
            url_for("admin.letters.letters_zip", meeting_id=meeting_id),
            url_for("admin.letters.letters_page", meeting_id=meeting_id),
        )
    if export.kind == "audit.csv":
        query = f"?{export.params}" if export.params else ""
        return url_for("admin.audit.export_csv") + query, url_for("admin.audit.index") + query
    return url_for(SOURCES[export.kind]), back_url


def status_page(export_id: int, donor_id: int | None, file_endpoint: str, back_url: str):
    export = _own(export_id, donor_id)
    source_url, back_url = _links(export, back_url)
    exports = prepared.recent(export.kind, export.scope, export.locale)
    last = export if export.status == "ready" else prepared.last_ready(exports)
    body = render_template(
        "reporting/export_status.html",
        export=export,
        label=LABELS[export.kind],
        last=last,
        file_endpoint=file_endpoint,
        source_url=source_url,
        back_url=back_url,
    )
    headers = {"Refresh": "2"} if export.status in prepared.PENDING else {}
    return body, 200, headers


def file_of(export_id: int, donor_id: int | None):
    """A ready copy by its id, current or not (the page says its date)."""
    export = _own(export_id, donor_id)
    data = prepared.read_file(export)
    if data is None:
        abort(404)
    spec = KINDS[export.kind]
    return file_response(data, spec.mimetype, _filename(export.kind, export.scope))


def _filename(kind: str, scope: str) -> str:
    """The download's name: a meeting's ZIP names the meeting, as it always did."""
    if kind == "letters.zip":
        return f"letters-meeting-{prepared.subject_of(scope)}.zip"
    return KINDS[kind].filename
