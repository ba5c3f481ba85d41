"""The programme's signatory: who signs every document, in each language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Signatory, User


@dataclass(frozen=True)
class SignatoryDetails:
    name: str
    title: str
    title_fr: str = ""
    title_es: str = ""


def current_signatory() -> Signatory | None:
    return db.session.scalar(select(Signatory).where(Signatory.id == 1))


def save_signatory(actor: User, details: SignatoryDetails) -> Signatory:
    """Set the signature block; documents issued from now on carry it. Audited."""
    values = {
        key: (getattr(details, key) or "").strip() for key in SignatoryDetails.__dataclass_fields__
    }
    if not values["name"] or not values["title"]:
        raise DomainError(_("The signatory needs a name and an English title."))
    with unit_of_work():
        row = current_signatory()
        before = None
        if row is None:
            row = Signatory(id=1, **values)
            db.session.add(row)
        else:
            before = {key: getattr(row, key) for key in values}
            for key, value in values.items():
                setattr(row, key, value)
        db.session.flush()
        record(actor, "signatory.update", row, before=before, after=values)
    return row
