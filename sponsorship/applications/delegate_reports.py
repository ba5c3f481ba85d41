"""The post-meeting report on each sponsored delegate, given by the State."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from sponsorship.applications.services import ApplicationInvalid, FieldError, report_due
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Award, DelegateReport, Role, User
from sponsorship.models.base import utcnow

MAX_COMMENTS = 5000


def submit_report(
    actor: User,
    award: Award,
    *,
    session_ids: list[int],
    statement_delivered: bool,
    comments: str,
    today: date,
    quote_consent: bool = False,
) -> DelegateReport:
    with unit_of_work():
        application = award.delegate.application
        if actor.role != Role.APPLICANT or actor.state_id != application.state_id:
            raise NotAllowed(str(_l("You may only report on your own State's delegates.")))
        if not report_due(award, today):
            raise DomainError(
                str(_l("A report can be given once, after the meeting, for a sponsored delegate."))
            )
        sessions = {s.id: s for s in application.meeting.sessions}
        if not set(session_ids) <= sessions.keys():
            raise ApplicationInvalid(
                [FieldError("sessions", str(_l("Choose sessions of this meeting.")))]
            )
        report = DelegateReport(
            award=award,
            sessions=[sessions[i] for i in sorted(set(session_ids))],
            statement_delivered=statement_delivered,
            comments=comments or None,
            quote_consent=bool(quote_consent and comments),
            submitted_by_id=actor.id,
        )
        db.session.add(report)
        award.report_received_at = utcnow()
        try:
            db.session.flush()
        except IntegrityError:
            raise DomainError(
                str(_l("A report on this delegate has already been given."))
            ) from None
        record(
            actor,
            "award.report",
            award,
            after={
                "sessions": sorted(set(session_ids)),
                "statement_delivered": statement_delivered,
                "comments": bool(comments),
                "quote_consent": bool(quote_consent and comments),
            },
        )
    return report
