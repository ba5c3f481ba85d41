"""Award letters for administrators: preview, issue, revoke and download one, and issue a
meeting's letters in bulk in the background.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship import jobs
from sponsorship.documents import bulk, letters, series
from sponsorship.documents.forms import ReissueForm, RevokeForm
from sponsorship.extensions import db
from sponsorship.models import Award, Delegate, Letter, Meeting
from sponsorship.reporting import prepared
from sponsorship.reporting.export_views import serve_or_prepare
from sponsorship.web.confirm import confirmation
from sponsorship.web.refusals import refusal
from sponsorship.web.responses import pdf_response

bp = Blueprint("letters", __name__, url_prefix="/review")


def _application_url(delegate: Delegate) -> str:
    url = url_for("admin.review.application", application_id=delegate.application_id)
    return f"{url}#d{delegate.id}"


@bp.get("/awards/<int:award_id>/letter/preview")
def letter_preview(award_id: int):
    award = db.get_or_404(Award, award_id)
    as_pdf = request.args.get("format") == "pdf"
    content = letters.preview(award, as_pdf=as_pdf)
    if as_pdf:
        return pdf_response(content, f"{award.reference}-preview.pdf", inline=True)
    response = make_response(content)
    # The letter's own stylesheet is print-only; shown as it is, sandboxed.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    return response


@bp.post("/awards/<int:award_id>/letter")
def letter_issue(award_id: int):
    award = db.get_or_404(Award, award_id)
    with refusal():
        # Issued in the correspondence language, and the applicants are told it is ready.
        letter = series.issue_and_notify(award, letters.award_kind(award), current_user)
        flash(
            _(
                "Letter version %(version)s issued; verification code %(code)s.",
                version=letter.version,
                code=letter.verification_code,
            ),
            "success",
        )
    return redirect(_application_url(award.delegate))


@bp.post("/awards/<int:award_id>/documents")
def document_issue(award_id: int):
    """Issue (or reissue, in any language) one document of the series, and mail it."""
    award = db.get_or_404(Award, award_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("Choose a document and a language."), "error")
        return redirect(_application_url(award.delegate))
    with refusal():
        letter = series.issue_and_notify(
            award, form.kind.data, current_user, language=form.language.data
        )
        flash(
            _(
                "Document version %(version)s issued; verification code %(code)s.",
                version=letter.version,
                code=letter.verification_code,
            ),
            "success",
        )
    return redirect(_application_url(award.delegate))


@bp.route("/letters/<int:letter_id>/revoke", methods=["GET", "POST"])
def letter_revoke(letter_id: int):
    """Revoking is final: the verification page says so from then on. The page asks
    first, with the reason the audit trail keeps (web/confirm.py)."""
    letter = db.get_or_404(Letter, letter_id)
    back = _application_url(letter.award.delegate)
    form = RevokeForm()
    if form.validate_on_submit():
        with refusal(form.reason) as outcome:
            letters.revoke(letter, current_user, reason=form.reason.data or "")
        if not outcome.refused:
            flash(_("Letter version %(version)s revoked.", version=letter.version), "success")
            return redirect(back)
    return confirmation(
        form,
        title=_(
            "Revoke version %(version)s of the letter for %(name)s?",
            version=letter.version,
            name=letter.award.delegate.name,
        ),
        consequences=[
            _("Whoever checks its verification code is told it is no longer valid."),
            _("Revoking is final; issue a new version if one is still needed."),
        ],
        button=_("Revoke the letter"),
        cancel=back,
    )


@bp.get("/letters/<int:letter_id>/download")
def letter_download(letter_id: int):
    db.get_or_404(Letter, letter_id)
    found = letters.letter_pdf(letter_id)
    if found is None:
        abort(410)  # purged with the passport it printed; its sha256 and code remain
    filename, pdf = found
    return pdf_response(pdf, filename)


@bp.get("/meetings/<int:meeting_id>/letters")
def letters_page(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    running = jobs.bulk_running(meeting_id)
    zips = prepared.recent("letters.zip", prepared.meeting_scope(meeting_id), "", limit=5)
    body = render_template(
        "documents/letters.html",
        meeting=meeting,
        progress=bulk.progress(meeting_id),
        rows=bulk.roster(meeting_id),
        running=running,
        last_zip=prepared.last_ready(zips),
    )
    headers = {"Refresh": "2"} if running else {}
    return body, 200, headers


@bp.get("/meetings/<int:meeting_id>/letters/status")
def letters_status(meeting_id: int):
    db.get_or_404(Meeting, meeting_id)
    return jsonify({**bulk.progress(meeting_id), "running": jobs.bulk_running(meeting_id)})


@bp.post("/meetings/<int:meeting_id>/letters")
def letters_bulk(meeting_id: int):
    db.get_or_404(Meeting, meeting_id)
    jobs.start_bulk_letters(meeting_id, current_user.id)
    flash(_("Issuing the meeting's letters in the background."), "info")
    return redirect(url_for(".letters_page", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/letters.zip")
def letters_zip(meeting_id: int):
    """The ZIP of the meeting's letters, prepared by a job and kept in storage like a
    report (reporting/prepared.py): the current copy, or the page of the one coming."""
    db.get_or_404(Meeting, meeting_id)
    return serve_or_prepare(
        "letters.zip",
        None,
        "admin.reports.export_status",
        scope=prepared.meeting_scope(meeting_id),
    )
