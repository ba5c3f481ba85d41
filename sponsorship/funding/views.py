"""The administrators' fund pages: donors, contributions, the fund and each meeting's budget.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.extensions import db
from sponsorship.funding import contributions
from sponsorship.funding import overview as fund_overview
from sponsorship.funding.contributions import Receipt
from sponsorship.funding.forms import (
    CancelForm,
    ContributionEditForm,
    ContributionForm,
    DonorForm,
    ReceiveForm,
)
from sponsorship.models import Contribution, Donor, Meeting
from sponsorship.payments.approvals import write_off_or_request
from sponsorship.web.bounds import parse_id
from sponsorship.web.confirm import confirmation
from sponsorship.web.forms import add_field_error, kept_form, redirect_with_errors
from sponsorship.web.refusals import refusal

bp = Blueprint("funds", __name__, url_prefix="/funds")


def _invalid(template: str, **context):
    return render_template(template, **context), 422


# --- Views ---------------------------------------------------------------------------


@bp.get("/")
def overview():
    today = date.today()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) < 6 else 1
    return render_template(
        "funding/overview.html",
        overview=fund_overview.fund_overview(today, page),
        today=today,
    )


@bp.route("/donors", methods=["GET", "POST"])
def donors():
    form = DonorForm()
    if form.validate_on_submit():
        with refusal():
            donor = contributions.create_donor(current_user, form.details())
            flash(_("Donor %(name)s created.", name=donor.name), "success")
            return redirect(url_for(".donor", donor_id=donor.id))
    context = {"form": form, "rows": fund_overview.donors()}
    if form.is_submitted():
        return _invalid("funding/donors.html", **context)
    return render_template("funding/donors.html", **context)


@bp.route("/donors/<int:donor_id>", methods=["GET", "POST"])
def donor(donor_id: int):
    donor = db.get_or_404(Donor, donor_id)
    form = DonorForm(obj=donor)
    if form.validate_on_submit():
        with refusal():
            contributions.update_donor(current_user, donor.id, form.details())
            flash(_("Donor saved."), "success")
            return redirect(url_for(".donor", donor_id=donor.id))
    context = {
        "donor": donor,
        "form": form,
        "contributions": fund_overview.donor_contributions(donor),
    }
    if form.is_submitted():
        return _invalid("funding/donor.html", **context)
    return render_template("funding/donor.html", **context)


@bp.route("/contributions/new", methods=["GET", "POST"])
def new_contribution():
    form = ContributionForm()
    form.setup()
    if request.method == "GET":
        form.donor_id.data = parse_id(request.args.get("donor"))
        form.currency.data = current_app.config["BASE_CURRENCY"]
        form.pledged_on.data = date.today()
    if form.validate_on_submit():
        # A refusal joins the form's summary, with the rest kept as typed (web/forms.py).
        with refusal(flashed=False) as outcome:
            contribution = contributions.record_contribution(
                current_user,
                donor_id=form.donor_id.data,
                reference=form.reference.data,
                currency=form.currency.data,
                amount=form.amount.data,
                pledged_on=form.pledged_on.data,
                earmarks=form.earmarks(),
                spend_by=form.spend_by.data,
                notes=form.notes.data,
                receipt=form.receipt(),
            )
            flash(_("Contribution %(ref)s recorded.", ref=contribution.reference), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
        form.form_errors.append(outcome.error)
    if form.is_submitted():
        return _invalid("funding/contribution_form.html", form=form, contribution=None)
    return render_template("funding/contribution_form.html", form=form, contribution=None)


def _receive_form(contribution: Contribution) -> ReceiveForm:
    """As posted; as refused just now (kept across the redirect); or filled."""
    kept = None if request.method == "POST" else kept_form(ReceiveForm)
    if kept is not None:
        return kept
    form = ReceiveForm()
    if not form.is_submitted():
        form.amount.data = contribution.amount
        form.received_on.data = form.rate_date.data = date.today()
        if contribution.currency == current_app.config["BASE_CURRENCY"]:
            form.exchange_rate.data = Decimal(1)
    return form


def _contribution_page(contribution: Contribution, receive_form: ReceiveForm | None = None):
    return render_template(
        "funding/contribution.html",
        detail=fund_overview.contribution_detail(contribution, date.today()),
        receive_form=receive_form or _receive_form(contribution),
        cancel_form=CancelForm(formdata=None),
    )


@bp.get("/contributions/<int:contribution_id>")
def contribution(contribution_id: int):
    return _contribution_page(db.get_or_404(Contribution, contribution_id))


@bp.post("/contributions/<int:contribution_id>/receive")
def receive(contribution_id: int):
    contribution = db.get_or_404(Contribution, contribution_id)
    form = _receive_form(contribution)
    if form.validate_on_submit() and _received_after_pledge(form, contribution):
        with refusal(flashed=False) as outcome:
            contributions.receive(
                current_user,
                contribution.id,
                Receipt(
                    received_on=form.received_on.data,
                    exchange_rate=form.exchange_rate.data,
                    rate_date=form.rate_date.data,
                    amount=form.amount.data,
                ),
            )
            flash(_("Receipt recorded."), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
        form.form_errors.append(outcome.error)
    # Back to the contribution's page, where the form lives (web/forms.py).
    return redirect_with_errors(form, url_for(".contribution", contribution_id=contribution.id))


def _received_after_pledge(form: ReceiveForm, contribution: Contribution) -> bool:
    """A receipt dated before its pledge is the receipt date's error (issue 23)."""
    if contribution.pledged_on and form.received_on.data < contribution.pledged_on:
        add_field_error(form.received_on, _("The money cannot be received before it was pledged."))
        return False
    return True


@bp.route("/contributions/<int:contribution_id>/cancel", methods=["GET", "POST"])
def cancel(contribution_id: int):
    """Cancelling a pledge removes its money from what can be committed: asked first."""
    contribution = db.get_or_404(Contribution, contribution_id)
    back = url_for(".contribution", contribution_id=contribution.id)
    form = CancelForm()
    if form.validate_on_submit():
        with refusal(form.reason) as outcome:
            # A write-off above the four-eyes threshold waits for a second administrator.
            request_ = write_off_or_request(current_user, contribution.id, form.reason.data)
        if not outcome.refused:
            if request_ is None:
                flash(_("Pledge cancelled."), "success")
            else:
                flash(_("The write-off waits for a second administrator's approval."), "success")
            return redirect(back)
    return confirmation(
        form,
        title=_("Cancel the pledge %(ref)s?", ref=contribution.reference),
        consequences=[
            _("The pledged money no longer counts in what can be committed."),
            _("A cancelled pledge cannot be received afterwards."),
        ],
        button=_("Cancel pledge"),
        cancel=back,
    )


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
def edit_contribution(contribution_id: int):
    contribution = db.get_or_404(Contribution, contribution_id)
    form = ContributionEditForm()
    form.setup()
    if request.method == "GET":
        form.reference.data = contribution.reference
        form.meeting_id.data = contribution.earmark_meeting_id or 0
        form.meeting_kind.data = getattr(contribution.earmark_meeting_kind, "value", "")
        form.year.data = contribution.earmark_year
        form.region.data = getattr(contribution.earmark_region, "value", "")
        form.theme.data = getattr(contribution.earmark_theme, "value", "")
        form.spend_by.data = contribution.spend_by
        form.notes.data = contribution.notes
    if form.validate_on_submit():
        with refusal(flashed=False) as outcome:
            contributions.update_contribution(
                current_user,
                contribution.id,
                reference=form.reference.data,
                earmarks=form.earmarks(),
                spend_by=form.spend_by.data,
                notes=form.notes.data,
            )
            flash(_("Contribution saved."), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
        form.form_errors.append(outcome.error)
    if form.is_submitted():
        return _invalid("funding/contribution_form.html", form=form, contribution=contribution)
    return render_template("funding/contribution_form.html", form=form, contribution=contribution)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template(
        "funding/meeting.html", funding=fund_overview.meeting_funding(meeting, date.today())
    )
