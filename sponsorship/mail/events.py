"""A mail for each status change an applicant must hear of, queued in the transaction
that made the change (so it exists exactly when the change was committed), in the
application's correspondence language, with the link to act.

Offers, reminders and the documents' own mails are queued where they are made
(applications/offers.py, documents/series.py); this module covers the rest.
"""

from __future__ import annotations

import hashlib

from sponsorship.core.workflow import status_changed
from sponsorship.extensions import db
from sponsorship.mail import outbox
from sponsorship.models import Award, AwardStatus

#: Set in the session's info while work that must tell no one runs (the history
#: import: what it records happened years ago, and the applicants heard of it then).
SILENT = "mail_silent"

#: Award status -> (mail template, the page the link opens).
AWARD_EVENTS = {
    AwardStatus.REJECTED: ("award_rejected", "applicant.application"),
    AwardStatus.WAITLISTED: ("award_waitlisted", "applicant.application"),
    AwardStatus.EXPIRED: ("offer_expired", "applicant.offer"),
    AwardStatus.DECLINED: ("offer_declined", "applicant.offer"),
}


def _key(kind: str, award: Award, address: str) -> str:
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"{kind}:{award.id}:{digest}"


def queue_award_mail(award: Award, template: str, link: str, *, kind: str, **context) -> int:
    """Queue `template` about `award` to its State's applicants; returns how many."""
    from sponsorship.applications.services import state_recipients

    application = award.delegate.application
    recipients = state_recipients(application.state_id)
    for address in recipients:
        outbox.queue(
            address,
            template,
            application.language,
            kind=kind,
            obj=award,
            dedupe_key=_key(kind, award, address),
            award=award,
            delegate=award.delegate,
            application=application,
            meeting=application.meeting,
            link=link,
            **context,
        )
    return len(recipients)


@status_changed.connect
def _on_status_changed(sender, *, before, after, actor, reason, **_):
    if not isinstance(sender, Award) or after not in AWARD_EVENTS or db.session.info.get(SILENT):
        return
    template, endpoint = AWARD_EVENTS[after]
    award = sender
    values = (
        {"application_id": award.delegate.application_id}
        if endpoint == "applicant.application"
        else {"award_id": award.id}
    )
    queue_award_mail(
        award,
        template,
        outbox.external_url(endpoint, **values),
        kind=f"award.{after.value}",
        reason=reason or award.decision_reason or award.decline_reason or "",
    )
