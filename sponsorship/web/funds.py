"""The administrators' fund pages: donors, contributions, the fund and each meeting's budget."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_currency_name,
    list_currencies,
    parse_decimal,
)
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from sponsorship.extensions import db
from sponsorship.models import (
    Contribution,
    Donor,
    Meeting,
    MeetingKind,
    RegionalGroup,
    Role,
    Theme,
)
from sponsorship.services import DomainError, contributions, fund_overview
from sponsorship.services.contributions import DonorDetails, Earmarks, Receipt
from sponsorship.web.forms import BaseForm, choices
from sponsorship.web.labels import MEETING_KIND_LABELS, REGION_LABELS, THEME_LABELS
from sponsorship.web.security import role_required

bp = Blueprint("funds", __name__, url_prefix="/admin/funds")


@bp.before_request
@role_required(Role.ADMINISTRATOR)
def _administrators_only():
    """Every page of this blueprint is for administrators; checked once, here."""


# --- Forms ---------------------------------------------------------------------------

_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


class LocalDecimalField(DecimalField):
    """An amount typed as the user's language writes it ("1 234,50" in French, "1,234.50"
    in English); a plain "1234.50" is understood in every language."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, places=None, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = re.sub(r"\s", "", valuelist[0])
        try:
            self.data = _parse_local(raw)
        except (NumberFormatError, InvalidOperation, ValueError):
            self.data = None
            raise ValueError(_l("Enter a number, such as 1234.50.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(
            self.data, locale=get_locale(), decimal_quantization=False, group_separator=False
        )


def _parse_local(raw: str) -> Decimal:
    try:
        return parse_decimal(raw, locale=get_locale(), strict=True)
    except NumberFormatError:
        if _PLAIN_DECIMAL.match(raw):
            return Decimal(raw)
        raise


def _enum_choices(labels: dict, members) -> list:
    return choices([("", _l("— none —")), *((m.value, labels[m.value]) for m in members)])


class DonorForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    country_iso3 = StringField(
        _l("Country code (ISO 3166, three letters)"), validators=[Optional(), Length(min=3, max=3)]
    )
    org_identifier = StringField(
        _l("Organisation identifier (IATI, 360Giving)"), validators=[Optional(), Length(max=100)]
    )

    def details(self) -> DonorDetails:
        return DonorDetails(
            name=self.name.data,
            short_name=self.short_name.data,
            country_iso3=self.country_iso3.data,
            org_identifier=self.org_identifier.data,
        )


class EarmarkFields(BaseForm):
    meeting_id = SelectField(_l("Earmarked for a meeting"), coerce=int, validators=[Optional()])
    meeting_kind = SelectField(
        _l("Earmarked for a kind of meeting"),
        choices=_enum_choices(MEETING_KIND_LABELS, MeetingKind),
        validators=[Optional()],
    )
    year = IntegerField(
        _l("Earmarked for a year"), validators=[Optional(), NumberRange(min=2000, max=2100)]
    )
    region = SelectField(
        _l("Earmarked for a regional group"),
        choices=_enum_choices(REGION_LABELS, RegionalGroup),
        validators=[Optional()],
    )
    theme = SelectField(
        _l("Earmarked for a theme"),
        choices=_enum_choices(THEME_LABELS, Theme),
        validators=[Optional()],
    )
    spend_by = DateField(_l("Spend by"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def setup(self) -> None:
        meetings = db.session.execute(
            select(Meeting.id, Meeting.title).order_by(Meeting.starts_on.desc())
        )
        self.meeting_id.choices = choices([(0, _l("— none —")), *meetings])

    def earmarks(self) -> Earmarks:
        return Earmarks(
            meeting_id=self.meeting_id.data or None,
            meeting_kind=MeetingKind(self.meeting_kind.data) if self.meeting_kind.data else None,
            year=self.year.data,
            region=RegionalGroup(self.region.data) if self.region.data else None,
            theme=Theme(self.theme.data) if self.theme.data else None,
        )


class ContributionForm(EarmarkFields):
    donor_id = SelectField(_l("Donor"), coerce=int, validators=[InputRequired()])
    reference = StringField(_l("Reference"), validators=[InputRequired(), Length(max=60)])
    currency = SelectField(_l("Currency"), validators=[InputRequired()])
    amount = LocalDecimalField(_l("Amount pledged"), validators=[InputRequired()])
    pledged_on = DateField(_l("Pledged on"), validators=[InputRequired()])
    # Filled when the money has already arrived.
    received_on = DateField(_l("Received on"), validators=[Optional()])
    exchange_rate = LocalDecimalField(_l("Exchange rate"), validators=[Optional()])
    rate_date = DateField(_l("Rate date"), validators=[Optional()])

    def setup(self) -> None:
        super().setup()
        donors = db.session.execute(select(Donor.id, Donor.name).order_by(Donor.name))
        self.donor_id.choices = choices(donors)
        self.currency.choices = _currency_choices()

    def receipt(self) -> Receipt | None:
        if not self.received_on.data:
            return None
        return Receipt(
            received_on=self.received_on.data,
            exchange_rate=self.exchange_rate.data,
            rate_date=self.rate_date.data or self.received_on.data,
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.received_on.data and self.exchange_rate.data is None:
            self.exchange_rate.errors.append(_("Give the rate the money was converted at."))
            ok = False
        return ok


class ContributionEditForm(EarmarkFields):
    reference = StringField(_l("Reference"), validators=[InputRequired(), Length(max=60)])


class ReceiveForm(BaseForm):
    amount = LocalDecimalField(_l("Amount received"), validators=[InputRequired()])
    exchange_rate = LocalDecimalField(_l("Exchange rate"), validators=[InputRequired()])
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    rate_date = DateField(_l("Rate date"), validators=[InputRequired()])


class CancelForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


def _currency_choices() -> list:
    locale = get_locale()
    base = current_app.config["BASE_CURRENCY"]
    common = [base, "EUR", "USD", "NOK", "AUD", "GBP", "SEK", "DKK", "CAD", "JPY", "NZD"]
    codes = list(dict.fromkeys(common)) + sorted(set(list_currencies()) - set(common))
    return choices((c, f"{c} — {get_currency_name(c, locale=locale)}") for c in codes)


# --- Loaders -------------------------------------------------------------------------


def _contribution(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    return contribution


def _donor(donor_id: int) -> Donor:
    donor = db.session.get(Donor, donor_id)
    if donor is None:
        abort(404)
    return donor


def _invalid(template: str, **context):
    return render_template(template, **context), 422


# --- Views ---------------------------------------------------------------------------


@bp.get("/")
def overview():
    today = date.today()
    return render_template(
        "funds/overview.html", overview=fund_overview.fund_overview(today), today=today
    )


@bp.route("/donors", methods=["GET", "POST"])
def donors():
    form = DonorForm()
    if form.validate_on_submit():
        try:
            donor = contributions.create_donor(current_user, form.details())
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Donor %(name)s created.", name=donor.name), "success")
            return redirect(url_for(".donor", donor_id=donor.id))
    context = {"form": form, "rows": fund_overview.donors()}
    if form.is_submitted():
        return _invalid("funds/donors.html", **context)
    return render_template("funds/donors.html", **context)


@bp.route("/donors/<int:donor_id>", methods=["GET", "POST"])
def donor(donor_id: int):
    donor = _donor(donor_id)
    form = DonorForm(obj=donor)
    if form.validate_on_submit():
        try:
            contributions.update_donor(current_user, donor.id, form.details())
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Donor saved."), "success")
            return redirect(url_for(".donor", donor_id=donor.id))
    context = {
        "donor": donor,
        "form": form,
        "contributions": fund_overview.donor_contributions(donor),
    }
    if form.is_submitted():
        return _invalid("funds/donor.html", **context)
    return render_template("funds/donor.html", **context)


@bp.route("/contributions/new", methods=["GET", "POST"])
def new_contribution():
    form = ContributionForm()
    form.setup()
    if request.method == "GET":
        form.donor_id.data = request.args.get("donor", type=int)
        form.currency.data = current_app.config["BASE_CURRENCY"]
        form.pledged_on.data = date.today()
    if form.validate_on_submit():
        try:
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
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Contribution %(ref)s recorded.", ref=contribution.reference), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
    if form.is_submitted():
        return _invalid("funds/contribution_form.html", form=form, contribution=None)
    return render_template("funds/contribution_form.html", form=form, contribution=None)


def _receive_form(contribution: Contribution) -> ReceiveForm:
    form = ReceiveForm()
    if not form.is_submitted():
        form.amount.data = contribution.amount
        form.received_on.data = form.rate_date.data = date.today()
        if contribution.currency == current_app.config["BASE_CURRENCY"]:
            form.exchange_rate.data = Decimal(1)
    return form


def _contribution_page(contribution: Contribution, receive_form: ReceiveForm | None = None):
    return render_template(
        "funds/contribution.html",
        detail=fund_overview.contribution_detail(contribution, date.today()),
        receive_form=receive_form or _receive_form(contribution),
        cancel_form=CancelForm(formdata=None),
    )


@bp.get("/contributions/<int:contribution_id>")
def contribution(contribution_id: int):
    return _contribution_page(_contribution(contribution_id))


@bp.post("/contributions/<int:contribution_id>/receive")
def receive(contribution_id: int):
    contribution = _contribution(contribution_id)
    form = _receive_form(contribution)
    if form.validate_on_submit():
        try:
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
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Receipt recorded."), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
    return _contribution_page(contribution, form), 422


@bp.post("/contributions/<int:contribution_id>/cancel")
def cancel(contribution_id: int):
    contribution = _contribution(contribution_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            contributions.cancel_pledge(current_user, contribution.id, form.reason.data or None)
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Pledge cancelled."), "success")
    return redirect(url_for(".contribution", contribution_id=contribution.id))


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
def edit_contribution(contribution_id: int):
    contribution = _contribution(contribution_id)
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
        try:
            contributions.update_contribution(
                current_user,
                contribution.id,
                reference=form.reference.data,
                earmarks=form.earmarks(),
                spend_by=form.spend_by.data,
                notes=form.notes.data,
            )
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Contribution saved."), "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
    if form.is_submitted():
        return _invalid("funds/contribution_form.html", form=form, contribution=contribution)
    return render_template("funds/contribution_form.html", form=form, contribution=contribution)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return render_template(
        "funds/meeting.html", funding=fund_overview.meeting_funding(meeting, date.today())
    )
