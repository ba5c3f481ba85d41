"""Donors and their contributions: pledged, then received at a stated exchange rate.

The money rules (which money pays for what, rounding, locking) are in `ledger`; this
module records what donors give. Each function is one `unit_of_work`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import is_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import (
    Contribution,
    ContributionStatus,
    Donor,
    Meeting,
    MeetingKind,
    RegionalGroup,
    Theme,
    User,
)
from sponsorship.models.base import MONEY_SCALE, RATE_SCALE

_ISO3 = re.compile(r"^[A-Z]{3}$")


# --- Donors --------------------------------------------------------------------------


@dataclass(frozen=True)
class DonorDetails:
    name: str
    short_name: str | None = None
    #: ISO alpha-3 code when the donor is a State.
    country_iso3: str | None = None
    #: IATI / 360Giving organisation identifier.
    org_identifier: str | None = None


def _clean_donor(details: DonorDetails, donor_id: int | None) -> dict:
    values = {
        k: (v.strip() or None) if isinstance(v, str) else v for k, v in asdict(details).items()
    }
    if not values["name"]:
        raise DomainError(str(_l("A donor needs a name.")))
    if values["country_iso3"]:
        values["country_iso3"] = values["country_iso3"].upper()
        if not _ISO3.match(values["country_iso3"]):
            raise DomainError(str(_l("The country code has three letters (ISO 3166), e.g. NOR.")))
    taken = db.session.scalar(
        select(Donor.id).where(
            func.lower(Donor.name) == values["name"].lower(), Donor.id != donor_id
        )
    )
    if taken is not None:
        raise DomainError(str(_l("A donor with this name already exists.")))
    return values


def create_donor(actor: User | None, details: DonorDetails) -> Donor:
    with unit_of_work():
        values = _clean_donor(details, None)
        donor = Donor(**values)
        db.session.add(donor)
        record(actor, "donor.create", donor, after=values)
    return donor


def update_donor(actor: User | None, donor_id: int, details: DonorDetails) -> Donor:
    with unit_of_work():
        donor = _get(Donor, donor_id)
        values = _clean_donor(details, donor.id)
        _apply(actor, "donor.update", donor, _changes(donor, values))
    return donor


def _changes(obj, values: dict) -> dict:
    """The `values` that differ from `obj`'s."""
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def _apply(actor: User | None, action: str, obj, changes: dict) -> None:
    """Write `changes` to `obj`, audited with what they replace (nothing if none)."""
    if changes:
        before = {k: getattr(obj, k) for k in changes}
        for key, value in changes.items():
            setattr(obj, key, value)
        record(actor, action, obj, before=before, after=changes)


# --- Contributions -------------------------------------------------------------------


@dataclass(frozen=True)
class Earmarks:
    """Each one set narrows what the money may pay for; all must hold."""

    meeting_id: int | None = None
    meeting_kind: MeetingKind | None = None
    year: int | None = None
    region: RegionalGroup | None = None
    theme: Theme | None = None

    def columns(self) -> dict:
        return {
            "earmark_meeting_id": self.meeting_id,
            "earmark_meeting_kind": self.meeting_kind,
            "earmark_year": self.year,
            "earmark_region": self.region,
            "earmark_theme": self.theme,
        }


@dataclass(frozen=True)
class Receipt:
    received_on: date
    #: Units of base currency per unit of the contribution's currency.
    exchange_rate: Decimal
    rate_date: date
    #: The amount received in the contribution's currency; the pledged amount if None.
    amount: Decimal | None = None


def _get(model, object_id: int):
    found = db.session.get(model, object_id, populate_existing=True, with_for_update=True)
    if found is None:
        raise DomainError(str(_l("Not found.")))
    return found


def _check_amount(amount: Decimal, currency: str) -> None:
    if amount <= 0:
        raise DomainError(str(_l("The amount must be more than zero.")))
    if not money.is_whole(amount, currency) or amount.as_tuple().exponent < -MONEY_SCALE:
        raise DomainError(
            str(
                _l(
                    "%(currency)s amounts have at most %(places)d decimal places.",
                    currency=currency,
                    places=money.decimal_places(currency),
                )
            )
        )


def _check_earmarks(earmarks: Earmarks) -> None:
    if earmarks.meeting_id is None:
        return
    meeting = db.session.get(Meeting, earmarks.meeting_id)
    if meeting is None:
        raise DomainError(str(_l("Not found.")))
    if (earmarks.meeting_kind not in (None, meeting.kind)) or (
        earmarks.year not in (None, meeting.year)
    ):
        raise DomainError(
            str(_l("These earmarks exclude each other: the money could never be used."))
        )


def _check_reference(reference: str, contribution_id: int | None) -> str:
    reference = reference.strip()
    if not reference:
        raise DomainError(str(_l("A contribution needs a reference.")))
    taken = db.session.scalar(
        select(Contribution.id).where(
            Contribution.reference == reference, Contribution.id != contribution_id
        )
    )
    if taken is not None:
        raise DomainError(str(_l("Another contribution already has this reference.")))
    return reference


def _receive(actor: User | None, c: Contribution, receipt: Receipt) -> None:
    base_currency = money.base_currency()
    amount = receipt.amount if receipt.amount is not None else c.amount
    _check_amount(amount, c.currency)
    rate = receipt.exchange_rate
    if rate <= 0 or rate.as_tuple().exponent < -RATE_SCALE:
        raise DomainError(
            str(_l("The exchange rate is positive, with at most %(n)d decimals.", n=RATE_SCALE))
        )
    if c.currency == base_currency and rate != 1:
        raise DomainError(
            str(_l("Money in %(currency)s is converted at a rate of 1.", currency=base_currency))
        )
    if receipt.rate_date > receipt.received_on:
        raise DomainError(str(_l("The rate cannot be dated after the money was received.")))
    before = {"status": c.status, "amount": c.amount}
    c.status = ContributionStatus.RECEIVED
    c.amount = amount
    c.exchange_rate = rate
    c.rate_date = receipt.rate_date
    c.received_on = receipt.received_on
    c.base_amount = money.to_base(amount, rate, base_currency)
    record(
        actor,
        "contribution.receive",
        c,
        before=before,
        after={
            "status": c.status,
            "amount": amount,
            "currency": c.currency,
            "exchange_rate": rate,
            "rate_date": receipt.rate_date,
            "base_amount": c.base_amount,
            "base_currency": base_currency,
        },
    )


def record_contribution(
    actor: User | None,
    *,
    donor_id: int,
    reference: str,
    currency: str,
    amount: Decimal,
    pledged_on: date,
    earmarks: Earmarks | None = None,
    spend_by: date | None = None,
    notes: str | None = None,
    receipt: Receipt | None = None,
) -> Contribution:
    """Record a pledge; with a receipt, record it as received at once."""
    earmarks = earmarks or Earmarks()
    currency = currency.strip().upper()
    with unit_of_work():
        donor = _get(Donor, donor_id)
        if not is_currency(currency):
            raise DomainError(str(_l("Unknown currency code.")))
        _check_amount(amount, currency)
        _check_earmarks(earmarks)
        if spend_by is not None and spend_by < pledged_on:
            raise DomainError(str(_l("The spend-by date cannot be before the pledge.")))
        c = Contribution(
            donor=donor,
            reference=_check_reference(reference, None),
            status=ContributionStatus.PLEDGED,
            currency=currency,
            amount=amount,
            pledged_on=pledged_on,
            spend_by=spend_by,
            notes=(notes or "").strip() or None,
            committed=Decimal(0),
            spent=Decimal(0),
            **earmarks.columns(),
        )
        db.session.add(c)
        record(
            actor,
            "contribution.pledge",
            c,
            after={
                "donor": donor.name,
                "reference": c.reference,
                "currency": currency,
                "amount": amount,
                "pledged_on": pledged_on,
                "spend_by": spend_by,
                **earmarks.columns(),
            },
        )
        if receipt is not None:
            _receive(actor, c, receipt)
    return c


def receive(actor: User | None, contribution_id: int, receipt: Receipt) -> Contribution:
    """Record that a pledge was paid: the amount, the rate and its date, the base amount."""
    with unit_of_work():
        c = _get(Contribution, contribution_id)
        if c.status != ContributionStatus.PLEDGED:
            raise DomainError(str(_l("Only a pledged contribution can be received.")))
        _receive(actor, c, receipt)
    return c


def update_contribution(
    actor: User | None,
    contribution_id: int,
    *,
    reference: str,
    earmarks: Earmarks,
    spend_by: date | None,
    notes: str | None,
) -> Contribution:
    """Edit what does not rewrite history: amounts and rates never change once received,
    and earmarks only while none of the money is committed or spent."""
    with unit_of_work():
        c = _get(Contribution, contribution_id)
        values = {
            "reference": _check_reference(reference, c.id),
            "spend_by": spend_by,
            "notes": (notes or "").strip() or None,
            **earmarks.columns(),
        }
        if spend_by is not None and spend_by < c.pledged_on:
            raise DomainError(str(_l("The spend-by date cannot be before the pledge.")))
        changes = _changes(c, values)
        if any(k.startswith("earmark_") for k in changes):
            if c.committed or c.spent:
                raise DomainError(
                    str(_l("Earmarks cannot change once money from this contribution is used."))
                )
            _check_earmarks(earmarks)
        _apply(actor, "contribution.update", c, changes)
    return c


def cancel_pledge(actor: User | None, contribution_id: int, reason: str | None = None) -> None:
    """A pledge that will not be paid; received money is never cancelled."""
    with unit_of_work():
        c = _get(Contribution, contribution_id)
        if c.status != ContributionStatus.PLEDGED:
            raise DomainError(str(_l("Only a pledged contribution can be cancelled.")))
        c.status = ContributionStatus.CANCELLED
        record(
            actor,
            "contribution.cancel",
            c,
            before={"status": ContributionStatus.PLEDGED},
            after={"status": c.status, "reason": reason},
        )
