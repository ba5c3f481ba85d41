"""The one place that decides which applications and awards an applicant may open:
those of their own State. Any other id is a 404, the same answer as one that does not
exist, so that ids cannot be probed."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.extensions import db
from sponsorship.models import Application, Award, Delegate


def own_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.state_id != current_user.state_id:
        abort(404)
    return application


def own_award(award_id: int) -> Award:
    """The award, with its delegate and application, if its State is the applicant's."""
    award = db.session.scalar(
        select(Award)
        .join(Award.delegate)
        .join(Delegate.application)
        .where(Award.id == award_id, Application.state_id == current_user.state_id)
        .options(selectinload(Award.delegate).selectinload(Delegate.application))
    )
    if award is None:
        abort(404)
    return award
