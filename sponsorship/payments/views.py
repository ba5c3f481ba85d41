"""The administrators' pages of payments, claims and approvals.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.extensions import db
from sponsorship.funding import reconciliation
from sponsorship.models import ApprovalRequest, Award, Claim, ClaimReceipt, Payment, PaymentKind
from sponsorship.payments import approvals, claims, services
from sponsorship.payments.forms import (
    ApproveForm,
    ClaimDecisionForm,
    ClaimForm,
    PaymentForm,
    ReasonForm,
    ReimburseForm,
    RejectForm,
    labels,
)
from sponsorship.payments.receipts import read_receipt, store_receipt
from sponsorship.storage import NotStored, file_store
from sponsorship.web.filters import money
from sponsorship.web.forms import kept_form, redirect_with_errors
from sponsorship.web.refusals import flash_errors, refusal
from sponsorship.web.requests import takes_upload
from sponsorship.web.responses import file_response

bp = Blueprint("payments", __name__, url_prefix="/payments")
bp.context_processor(labels)


def _award_url(award_id: int) -> str:
    return url_for(".award", award_id=award_id)


@bp.get("/")
def pending():
    """Everything waiting for an administrator, oldest first, with its age."""
    return render_template(
        "payments/pending.html",
        items=approvals.pending(),
        threshold=services.threshold(),
        form=ReasonForm(),
    )


#: The claim form shares the award page with the payment form: its own ids ("claim-amount").
_CLAIM = "claim"


def _award_page(award: Award):
    # A form refused by its POST comes back here (redirect_with_errors), as it was typed
    # (not its files: the user attaches them again), with its errors.
    return render_template(
        "payments/award.html",
        award=award,
        payments=services.award_payments(award.id),
        claims=claims.award_claims(award.id),
        payment_form=kept_form(PaymentForm) or PaymentForm(formdata=None),
        claim_form=kept_form(ClaimForm, _CLAIM) or ClaimForm(formdata=None, prefix=_CLAIM),
        approve_form=ApproveForm(formdata=None),
        reject_form=RejectForm(formdata=None),
        decision_form=ClaimDecisionForm(formdata=None),
        reimburse_form=ReimburseForm(formdata=None),
        threshold=services.threshold(),
        paid=reconciliation.paid_by_payments(award.id),
    )


@bp.get("/awards/<int:award_id>")
def award(award_id: int):
    return _award_page(db.get_or_404(Award, award_id))


def _receipt(field):
    upload = field.data
    if not upload or not getattr(upload, "filename", None):
        return None
    return store_receipt(upload.read(), upload.filename)


@bp.post("/awards/<int:award_id>/payments")
@takes_upload
def enter_payment(award_id: int):
    award = db.get_or_404(Award, award_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return redirect_with_errors(form, _award_url(award.id))
    receipt = None
    with refusal(form.amount) as outcome:
        receipt = _receipt(form.receipt)
        details = services.PaymentDetails(
            kind=PaymentKind(form.kind.data),
            currency=form.currency.data,
            amount=form.amount.data,
            paid_on=form.paid_on.data,
            exchange_rate=form.exchange_rate.data or Decimal(1),
            paid_by=form.paid_by.data,
            supplier=form.supplier.data,
            ticket_number=form.ticket_number.data,
            note=form.note.data,
        )
        payment = services.enter_payment(current_user, award.id, details, receipt)
        flash(
            _(
                "Payment entered: %(amount)s; it waits for approval.",
                amount=money(payment.base_amount),
            ),
            "success",
        )
    if outcome.refused:
        if receipt is not None:
            file_store().delete(receipt.key)  # stored for a payment that was refused
        return redirect_with_errors(form, _award_url(award.id))
    return redirect(_award_url(award.id))


def _payment(payment_id: int) -> Payment:
    return db.get_or_404(Payment, payment_id)


@bp.post("/payments/<int:payment_id>/approve")
def approve_payment(payment_id: int):
    payment = _payment(payment_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    overspend = reconciliation.Overspend(form.overspend.data) if form.overspend.data else None
    with refusal():
        services.approve_payment(current_user, payment.id, overspend=overspend)
        flash(_("Payment approved and spent."), "success")
    # Approved from the pending list: back to it, else to the award's payments.
    from_list = request.form.get("next") == "pending"
    return redirect(url_for(".pending") if from_list else _award_url(payment.award_id))


@bp.post("/payments/<int:payment_id>/reject")
def reject_payment(payment_id: int):
    payment = _payment(payment_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(_award_url(payment.award_id))
    with refusal():
        services.reject_payment(current_user, payment.id, form.reason.data)
        flash(_("Payment rejected."), "success")
    return redirect(_award_url(payment.award_id))


@bp.get("/payments/<int:payment_id>/receipt")
def payment_receipt(payment_id: int):
    payment = _payment(payment_id)
    if not payment.receipt_key:
        # Purged after the retention period (sponsorship/payments/retention.py): gone.
        abort(410 if payment.receipt_sha256 else 404)
    try:
        data = read_receipt(payment.receipt_key)
    except NotStored:
        abort(404)
    return file_response(data, payment.receipt_type, payment.receipt_filename)


@bp.post("/awards/<int:award_id>/claims")
@takes_upload
def file_claim(award_id: int):
    award = db.get_or_404(Award, award_id)
    form = ClaimForm(prefix=_CLAIM)
    if not form.validate_on_submit():
        return redirect_with_errors(form, _award_url(award.id))
    with refusal(form.amount) as outcome:
        stored = [store_receipt(f.read(), f.filename) for f in form.receipts.data or [] if f]
        claims.file_claim(current_user, award.id, claim_details(form), stored)
        flash(_("Claim filed."), "success")
    if outcome.refused:
        return redirect_with_errors(form, _award_url(award.id))
    return redirect(_award_url(award.id))


def claim_details(form: ClaimForm) -> claims.ClaimDetails:
    from sponsorship.models import ClaimCategory

    return claims.ClaimDetails(
        category=ClaimCategory(form.category.data),
        currency=form.currency.data,
        amount=form.amount.data,
        description=form.description.data,
    )


@bp.post("/claims/<int:claim_id>/decide")
def decide_claim(claim_id: int):
    claim = db.get_or_404(Claim, claim_id)
    form = ClaimDecisionForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(_award_url(claim.award_id))
    with refusal():
        claims.decide_claim(
            current_user,
            claim.id,
            form.decision.data,
            approved_amount=form.approved_amount.data,
            reason=form.reason.data,
        )
        flash(_("Claim decided; the applicant is told."), "success")
    return redirect(_award_url(claim.award_id))


@bp.post("/claims/<int:claim_id>/reimburse")
def reimburse(claim_id: int):
    claim = db.get_or_404(Claim, claim_id)
    form = ReimburseForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(_award_url(claim.award_id))
    with refusal():
        claims.reimburse(
            current_user,
            claim.id,
            paid_on=form.paid_on.data,
            exchange_rate=form.exchange_rate.data or Decimal(1),
            rate_date=None,
            paid_by=form.paid_by.data,
        )
        flash(_("Reimbursement entered; it waits for approval."), "success")
    return redirect(_award_url(claim.award_id))


@bp.get("/receipts/<int:receipt_id>")
def claim_receipt(receipt_id: int):
    receipt = db.get_or_404(ClaimReceipt, receipt_id)
    if not receipt.key:
        abort(410)  # purged after the retention period; its sha256 remains
    try:
        data = read_receipt(receipt.key)
    except NotStored:
        abort(404)
    return file_response(data, receipt.content_type, receipt.filename)


@bp.post("/requests/<int:request_id>/approve")
def approve_request(request_id: int):
    db.get_or_404(ApprovalRequest, request_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    with refusal():
        approvals.approve_request(current_user, request_id)
        flash(_("Approved and carried out."), "success")
    return redirect(url_for(".pending"))


@bp.post("/requests/<int:request_id>/reject")
def reject_request(request_id: int):
    db.get_or_404(ApprovalRequest, request_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    with refusal():
        approvals.reject_request(current_user, request_id)
        flash(_("Refused: nothing was carried out."), "success")
    return redirect(url_for(".pending"))
