"""The applicant's claims: a delegate's expenses filed with receipts, for the State's
own awards only (another State's award is a 404, as every applicant page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.applications.ownership import own_award
from sponsorship.extensions import db
from sponsorship.models import Award, ClaimReceipt, Role
from sponsorship.payments import claims
from sponsorship.payments.forms import ClaimForm, labels
from sponsorship.payments.receipts import read_receipt, store_receipt
from sponsorship.payments.views import claim_details
from sponsorship.storage import NotStored
from sponsorship.web.refusals import refusal
from sponsorship.web.requests import takes_upload
from sponsorship.web.responses import file_response
from sponsorship.web.security import role_required

bp = Blueprint("payments_applicant", __name__, url_prefix="/apply/awards")
bp.context_processor(labels)


def _page(award: Award, form: ClaimForm | None = None, status: int = 200):
    return (
        render_template(
            "payments/claims.html",
            award=award,
            claims=claims.award_claims(award.id),
            form=form or ClaimForm(formdata=None),
        ),
        status,
    )


@bp.get("/<int:award_id>/claims")
@role_required(Role.APPLICANT)
def claims_page(award_id: int):
    return _page(own_award(award_id))


@bp.post("/<int:award_id>/claims")
@role_required(Role.APPLICANT)
@takes_upload
def file_claim(award_id: int):
    award = own_award(award_id)
    form = ClaimForm()
    if not form.validate_on_submit():
        return _page(award, form, 422)
    with refusal(form.receipts) as outcome:
        stored = [store_receipt(f.read(), f.filename) for f in form.receipts.data or [] if f]
        claims.file_claim(current_user, award.id, claim_details(form), stored)
        flash(_("Claim filed. You will hear of the decision by e-mail."), "success")
    if outcome.refused:
        return _page(award, form, 422)
    return redirect(url_for(".claims_page", award_id=award.id))


@bp.get("/<int:award_id>/claims/receipts/<int:receipt_id>")
@role_required(Role.APPLICANT)
def receipt(award_id: int, receipt_id: int):
    award = own_award(award_id)
    found = db.session.get(ClaimReceipt, receipt_id)
    if found is None or found.claim.award_id != award.id:
        abort(404)
    if not found.key:
        abort(410)  # purged after the retention period; its sha256 remains
    try:
        data = read_receipt(found.key)
    except NotStored:
        abort(404)
    return file_response(data, found.content_type, found.filename)
