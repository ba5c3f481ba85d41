"""Translated words for a slate's status and votes, as template filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from sponsorship.models import Slate, SlateStatus

STATUS = {
    SlateStatus.SENT: _l("With the Donors' Group"),
    SlateStatus.APPROVED: _l("Approved by the Donors' Group"),
    SlateStatus.OBJECTED: _l("Objected to by the Donors' Group"),
    SlateStatus.OFFERED: _l("Offered"),
}
VOTES = {"approve": _l("Approves"), "object": _l("Objects"), None: _l("Comment only")}
LAPSED = _l("Lapsed: no decision by the deadline")


def slate_status(slate: Slate) -> str:
    if slate.status == SlateStatus.SENT and slate.deadline and slate.deadline < date.today():
        return str(LAPSED)
    return str(STATUS[slate.status])


def vote_label(value) -> str:
    return str(VOTES.get(str(value) if value else None, value))


def slate_region(value) -> str:
    from sponsorship.web.labels import REGION_LABELS

    return str(REGION_LABELS.get(str(value), value))


def as_decimal(value) -> Decimal:
    """An amount kept as text in a slate's JSON, back to an exact Decimal."""
    return Decimal(str(value))
