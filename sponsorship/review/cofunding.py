"""Who pays what of an award, decided before the offer.

* **Co-funding.** The State or another body may pay a share of the priced estimate;
  it is declared before the offer, and the fund then commits only the rest
  (`Award.fund_share`), which the offer letter states beside the co-funder's share.
  The share is less than the estimate (what the fund pays is never nothing: an award
  the fund pays nothing of is not a sponsorship), and fixed once offered: the ledger
  has committed the rest.
* **Pinning.** An administrator may choose the contribution that pays for a delegate,
  when every earmark of that contribution allows the award; the ledger then commits
  from it alone, and refuses the offer when it no longer allows the award or cannot
  cover it, rather than quietly taking other money. Without a pin, the ledger's rule
  chooses (`funding.ledger`).

Both are audited, and both happen while nothing is committed to the award.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding.earmarks import award_purpose
from sponsorship.models import Award, CostStage, User
from sponsorship.models.funds import Contribution
from sponsorship.review.pricing import PRICEABLE, hold_application


def _open(award: Award) -> None:
    if award.status not in PRICEABLE:
        raise DomainError(
            _(
                "Who pays what is decided before the offer; this award is %(status)s.",
                status=award.status.value,
            )
        )


@retried
def declare(actor: User, award: Award, by: str | None, amount: Decimal | None) -> Award:
    """Declare (or, with no amount, remove) the share `by` pays of the award's estimate."""
    by = (by or "").strip()[:200] or None
    amount = Decimal(amount or 0)
    with unit_of_work():
        hold_application(award.delegate)
        db.session.refresh(award)
        _open(award)
        total = award.total(CostStage.ESTIMATE)
        if amount < 0:
            raise DomainError(_("The co-funded share cannot be negative."))
        if amount and by is None:
            raise DomainError(_("Say who pays the co-funded share."))
        if amount and amount >= total:
            raise DomainError(
                _(
                    "The co-funded share must be less than the estimate (%(total)s):"
                    " the fund pays the rest.",
                    total=money.display(total),
                )
            )
        before = {"by": award.cofunded_by, "amount": award.cofunded_amount}
        award.cofunded_by, award.cofunded_amount = (by if amount else None), amount
        record(
            actor,
            "award.cofunding",
            award,
            before=before,
            after={"by": award.cofunded_by, "amount": amount, "fund_share": total - amount},
        )
    return award


@retried
def pin(actor: User, award: Award, contribution_id: int | None, *, on: date | None = None) -> Award:
    """Pin the award to a contribution whose earmarks allow it (None: the ledger's rule)."""
    on = on or date.today()
    with unit_of_work():
        hold_application(award.delegate)
        db.session.refresh(award)
        _open(award)
        chosen = None
        if contribution_id is not None:
            chosen = db.session.get(Contribution, contribution_id)
            if chosen is None or not award_purpose(award.id).allows(chosen, on):
                raise DomainError(
                    _("The earmarks of this contribution do not allow this delegate's award.")
                )
        before = award.pinned_contribution_id
        award.pinned_contribution_id = chosen.id if chosen else None
        record(
            actor,
            "award.pin",
            award,
            before={"contribution": before},
            after={"contribution": chosen.reference if chosen else None},
        )
    return award
