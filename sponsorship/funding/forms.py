"""Forms of the fund pages: donors, contributions and their receipt. They parse; services
decide."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.core import get_global
from babel.numbers import (
    get_currency_name,
    get_territory_currencies,
)
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from sponsorship.extensions import db
from sponsorship.funding.contributions import DonorDetails, Earmarks, Receipt
from sponsorship.models import Donor, Meeting, MeetingKind, RegionalGroup, Theme
from sponsorship.web.bounds import MAX_CONTRIBUTION, MAX_RATE, RATE_PLACES
from sponsorship.web.forms import (
    BaseForm,
    Bounded,
    LocalDecimalField,
    add_field_error,
    choices,
    enum_pairs,
)
from sponsorship.web.labels import MEETING_KIND_LABELS, REGION_LABELS, THEME_LABELS

_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
#: An organisation identifier as IATI and 360Giving (org-id.guide) publish it: the
#: registration agency's code, then the number it gave, e.g. XM-DAC-41114 or
#: GB-CHC-1234567. IATI refuses "/", "&", "|" and "?" in identifiers and advises against
#: spaces and non-ASCII (iatistandard.org, organisation-identifier); this is that, as a
#: whitelist: ASCII letters and digits, joined by "-", "_", "." or ":".
ORG_IDENTIFIER = re.compile(r"^[A-Za-z0-9]+(?:[-_.:][A-Za-z0-9]*)*$")
#: A pledged or received amount, in the contribution's currency (web/bounds.py).
AMOUNT = Bounded(0, MAX_CONTRIBUTION)
#: Base currency per unit of the contribution's: above zero, to the rate's 8 decimals.
RATE = Bounded(Decimal(1).scaleb(-RATE_PLACES), MAX_RATE, RATE_PLACES)


def _enum_choices(labels: dict, members) -> list:
    """Choices of an optional earmark: none, or one of `members`."""
    return choices([("", _l("— none —")), *enum_pairs(members, labels)])


class DonorForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    country_iso3 = StringField(
        _l("Country code (ISO 3166, three letters)"), validators=[Optional(), Length(min=3, max=3)]
    )
    org_identifier = StringField(
        _l("Organisation identifier (IATI, 360Giving)"),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(
                ORG_IDENTIFIER,
                message=_l(
                    "Use letters, digits and - _ . : only, as in XM-DAC-41114"
                    " (agency code, then the number it gave)."
                ),
            ),
        ],
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
    year = IntegerField(_l("Earmarked for a year"), validators=[Optional(), Bounded(2000, 2100)])
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
    amount = LocalDecimalField(_l("Amount pledged"), validators=[InputRequired(), AMOUNT])
    pledged_on = DateField(_l("Pledged on"), validators=[InputRequired()])
    # Filled when the money has already arrived.
    received_on = DateField(_l("Received on"), validators=[Optional()])
    exchange_rate = LocalDecimalField(_l("Exchange rate"), validators=[Optional(), RATE])
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
        """Every field's check, then the checks across fields, each at its field: all
        the errors at once (issue 23)."""
        ok = super().validate(extra_validators)
        pledged, received = self.pledged_on.data, self.received_on.data
        later = []
        if received and self.exchange_rate.data is None and not self.exchange_rate.errors:
            later.append((self.exchange_rate, _("Give the rate the money was converted at.")))
        if pledged and received and received < pledged:
            later.append(
                (self.received_on, _("The money cannot be received before it was pledged."))
            )
        if pledged and self.spend_by.data and self.spend_by.data < pledged:
            later.append((self.spend_by, _("The spend-by date cannot be before the pledge.")))
        for field, message in later:
            add_field_error(field, message)
        return ok and not later


class ContributionEditForm(EarmarkFields):
    reference = StringField(_l("Reference"), validators=[InputRequired(), Length(max=60)])


class ReceiveForm(BaseForm):
    amount = LocalDecimalField(_l("Amount received"), validators=[InputRequired(), AMOUNT])
    exchange_rate = LocalDecimalField(_l("Exchange rate"), validators=[InputRequired(), RATE])
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    rate_date = DateField(_l("Rate date"), validators=[InputRequired()])


class CancelForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


@lru_cache(maxsize=4)
def current_currencies(today: date) -> frozenset[str]:
    """The ISO 4217 currencies legal tender somewhere on `today`, from CLDR's territory
    data in Babel: no ADP, no "AFA (1927–2002)", no fund or metal codes."""
    territories = get_global("territory_currencies")
    return frozenset(
        code
        for territory in territories
        for code in get_territory_currencies(territory, today, tender=True)
    )


def _currency_choices() -> list:
    locale = get_locale()
    base = current_app.config["BASE_CURRENCY"]
    common = [base, "EUR", "USD", "NOK", "AUD", "GBP", "SEK", "DKK", "CAD", "JPY", "NZD"]
    current = current_currencies(date.today()) | {base}
    codes = list(dict.fromkeys(common)) + sorted(current - set(common))
    return choices((c, f"{c} — {get_currency_name(c, locale=locale)}") for c in codes)
