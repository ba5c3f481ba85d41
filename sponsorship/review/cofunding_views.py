"""Who pays what of a delegate's award, set by an administrator before the offer: a
share paid by the State or another body, and the contribution the fund's part comes
from. Nested in the `admin` blueprint (administrators only); the forms show on the
review's application page (`who_pays`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sponsorship.core import money
from sponsorship.extensions import db
from sponsorship.funding.earmarks import AVAILABLE, PRIORITY, award_purpose
from sponsorship.models import Award, Contribution
from sponsorship.review import cofunding
from sponsorship.review.forms import CofundingForm, PinForm
from sponsorship.review.pricing import PRICEABLE
from sponsorship.web.bounds import MAX_INTEGER
from sponsorship.web.forms import choices
from sponsorship.web.refusals import flash_errors, refusal

bp = Blueprint("cofunding", __name__, url_prefix="/review/awards")

#: Contributions offered in the pin's list: the first ones the ledger would take.
SHOWN = 50
#: The pin list's value for "no pin".
RULE = 0


@dataclass
class WhoPays:
    cofunding: CofundingForm
    pin: PinForm | None


def _choices(award: Award) -> list:
    purpose = award_purpose(award.id)
    rows = db.session.scalars(
        select(Contribution)
        .where(*purpose.clauses(date.today()), AVAILABLE > 0)
        .order_by(*PRIORITY)
        .limit(SHOWN)
    ).all()
    pinned = award.pinned_contribution_id
    if pinned is not None and pinned not in {c.id for c in rows}:
        rows.append(db.session.get(Contribution, pinned))
    return choices(
        [(RULE, _("The ledger's rule (most restricted money first)"))]
        + [
            (
                c.id,
                _(
                    "%(ref)s, %(donor)s: %(available)s available",
                    ref=c.reference,
                    donor=c.donor.name,
                    available=money.display(c.available),
                ),
            )
            for c in rows
            if c is not None
        ]
    )


def who_pays(award: Award) -> WhoPays | None:
    """The forms for a priced award not yet offered; None otherwise."""
    if award.status not in PRICEABLE:
        return None
    form = CofundingForm(
        prefix=f"c{award.id}",
        formdata=None,
        data={"by": award.cofunded_by, "amount": award.cofunded_amount or None},
    )
    pin = PinForm(prefix=f"p{award.id}", formdata=None)
    pin.contribution.choices = _choices(award)
    pin.contribution.data = award.pinned_contribution_id or RULE
    return WhoPays(form, pin)


def _back(award: Award):
    delegate = award.delegate
    return redirect(
        url_for("admin.review.application", application_id=delegate.application_id)
        + f"#d{delegate.id}"
    )


@bp.post("/<int:award_id>/cofunding")
def declare(award_id: int):
    award = db.get_or_404(Award, award_id)
    form = CofundingForm(prefix=f"c{award.id}")
    if not form.validate_on_submit():
        flash_errors(form, _("The co-funding could not be saved."))
        return _back(award)
    with refusal() as outcome:
        cofunding.declare(current_user, award, form.by.data, form.amount.data)
    if not outcome.refused:
        flash(_("Who pays what is saved."), "success")
    return _back(db.get_or_404(Award, award_id))


@bp.post("/<int:award_id>/pin")
def pin(award_id: int):
    award = db.get_or_404(Award, award_id)
    form = PinForm(prefix=f"p{award.id}")
    form.contribution.choices = None  # any id: the service checks the earmarks
    form.contribution.validate_choice = False
    if not form.validate_on_submit():
        flash_errors(form, _("The choice of contribution could not be saved."))
        return _back(award)
    chosen = form.contribution.data or None
    if chosen is not None and not 0 < chosen <= MAX_INTEGER:
        chosen = -1  # no such contribution: refused by the service, never a 500
    with refusal() as outcome:
        cofunding.pin(current_user, award, chosen)
    if not outcome.refused:
        flash(_("The contribution that pays for this delegate is saved."), "success")
    return _back(db.get_or_404(Award, award_id))
