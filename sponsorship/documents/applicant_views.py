"""The applicant's documents of an award: download them, choose their language, and
ask for the visa-support letter."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sponsorship.applications.ownership import own_award
from sponsorship.documents import letters, series
from sponsorship.documents.forms import CorrespondenceLanguageForm, VisaLetterForm
from sponsorship.extensions import db
from sponsorship.models import Award, AwardStatus, Letter, Role
from sponsorship.web.forms import kept_form, redirect_with_errors
from sponsorship.web.refusals import refusal
from sponsorship.web.responses import pdf_response
from sponsorship.web.security import role_required

bp = Blueprint("documents_applicant", __name__, url_prefix="/apply/awards/<int:award_id>")


def _page(award: Award, language_form=None, visa_form=None, status: int = 200):
    application = award.delegate.application
    if language_form is None:
        language_form = CorrespondenceLanguageForm(formdata=None, language=application.language)
    # A form refused just now comes back with what was typed and its errors.
    language_form = kept_form(CorrespondenceLanguageForm) or language_form
    visa_form = kept_form(VisaLetterForm, "visa") or visa_form
    if visa_form is None:
        delegate = award.delegate
        visa_form = VisaLetterForm(
            formdata=None,
            prefix="visa",
            passport_name=delegate.name,
            passport_number=delegate.passport_number,
            passport_expiry=delegate.passport_expiry,
            language=application.language,
        )
    page = render_template(
        "documents/applicant_documents.html",
        award=award,
        delegate=award.delegate,
        application=application,
        meeting=application.meeting,
        documents=series.documents_of(award),
        language_form=language_form,
        visa_form=visa_form,
        visa_possible=award.status == AwardStatus.ACCEPTED,
    )
    return page, status


@bp.get("/documents")
@role_required(Role.APPLICANT)
def documents(award_id: int):
    return _page(own_award(award_id))


@bp.post("/documents/language")
@role_required(Role.APPLICANT)
def language(award_id: int):
    award = own_award(award_id)
    form = CorrespondenceLanguageForm()
    if not form.validate_on_submit():
        return redirect_with_errors(form, url_for(".documents", award_id=award.id))
    series.set_correspondence_language(current_user, award, form.language.data)
    flash(_("Letters and mail about this award will now be in the language you chose."), "success")
    return redirect(url_for(".documents", award_id=award.id))


@bp.post("/documents/visa")
@role_required(Role.APPLICANT)
def visa(award_id: int):
    award = own_award(award_id)
    form = VisaLetterForm(prefix="visa")
    if not form.validate_on_submit():
        return redirect_with_errors(form, url_for(".documents", award_id=award.id))
    if award.status != AwardStatus.ACCEPTED:
        flash(_("The visa-support letter is issued once the offer is accepted."), "error")
        return redirect(url_for(".documents", award_id=award.id))
    with refusal():
        series.request_visa_letter(
            award,
            current_user,
            {
                "passport_name": form.passport_name.data,
                "passport_number": form.passport_number.data,
                "passport_expiry": form.passport_expiry.data.isoformat(),
            },
            language=form.language.data,
        )
        flash(_("The visa-support letter is issued; it is also sent to you by e-mail."), "success")
    return redirect(url_for(".documents", award_id=award.id))


@bp.get("/documents/<int:letter_id>.pdf")
@role_required(Role.APPLICANT)
def download(award_id: int, letter_id: int):
    award = own_award(award_id)
    owner = db.session.scalar(select(Letter.award_id).where(Letter.id == letter_id))
    if owner != award.id:
        abort(404)
    found = letters.letter_pdf(letter_id)
    if found is None:
        abort(404)
    filename, pdf = found
    return pdf_response(pdf, filename)
