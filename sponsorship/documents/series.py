"""The documents an award produces over its life, each announced by mail.

offer letter -> award confirmation (on acceptance; supersedes the offer) -> visa-support
letter (on request, once accepted) -> certificate of attendance (once attendance is
recorded). Each is issued through `letters.issue` (one renderer, versioned, immutable,
QR-verifiable) in the correspondence language, and a mail in that language tells the
State's applicants it is ready, with the document attached and the link to it.
"""

from __future__ import annotations

import hashlib

from sponsorship.core.transaction import unit_of_work
from sponsorship.documents import letters
from sponsorship.extensions import db
from sponsorship.mail import outbox as mail_service
from sponsorship.models import Award, AwardStatus, Letter, User

#: The mail template announcing each kind of document.
MAIL_TEMPLATES = {
    "offer": "letter_ready",
    "confirmation": "award_accepted",
    "visa": "visa_letter_ready",
    "certificate": "certificate_ready",
}


def correspondence_language(award: Award) -> str:
    language = award.delegate.application.language
    return language if language in ("en", "fr", "es") else "en"


def _dedupe_key(letter: Letter, address: str) -> str:
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"document:{letter.id}:{digest}"


def notify_document(award: Award, letter: Letter, actor: User | None = None) -> int:
    """Queue the "document ready" mail for `letter` to the State's applicants (commits)."""
    from sponsorship.applications.services import state_recipients

    application = award.delegate.application
    link = mail_service.external_url("documents_applicant.documents", award_id=award.id)
    with unit_of_work():
        recipients = state_recipients(application.state_id)
        for address in recipients:
            mail_service.queue(
                address,
                MAIL_TEMPLATES[letter.kind],
                letter.language,
                kind=f"document.{letter.kind}",
                obj=letter,
                award=award,
                delegate=award.delegate,
                meeting=application.meeting,
                letter=letter,
                link=link,
                dedupe_key=_dedupe_key(letter, address),
            )
    return len(recipients)


def issue_and_notify(
    award: Award,
    kind: str,
    actor: User | None,
    *,
    language: str | None = None,
    passport: dict[str, str] | None = None,
) -> Letter:
    """Issue the next version of `kind` for `award` and tell the applicants."""
    letter = letters.issue(
        award,
        actor,
        kind=kind,
        language=language or correspondence_language(award),
        passport=passport,
    )
    notify_document(award, letter, actor)
    return letter


def on_accepted(award: Award, actor: User | None) -> Letter | None:
    """After acceptance: the award confirmation replaces the offer letter."""
    db.session.refresh(award)
    if award.status != AwardStatus.ACCEPTED:
        return None
    return issue_and_notify(award, "confirmation", actor)


def on_attended(award: Award, actor: User | None) -> Letter | None:
    """Once attendance is recorded: the certificate of attendance."""
    db.session.refresh(award)
    if award.status != AwardStatus.ATTENDED or letters.current_letter(award, "certificate"):
        return None
    return issue_and_notify(award, "certificate", actor)


def request_visa_letter(
    award: Award, actor: User | None, passport: dict[str, str], language: str | None = None
) -> Letter:
    """Issue the visa-support letter (a new version if one exists); accepted awards only."""
    return issue_and_notify(award, "visa", actor, passport=passport, language=language)


def set_correspondence_language(actor: User, award: Award, language: str) -> None:
    """The language of the documents and mail issued from now on; those already issued
    keep theirs (an administrator can reissue one in another language). Audited."""
    from sponsorship.core.audit import record
    from sponsorship.core.errors import DomainError

    if language not in ("en", "fr", "es"):
        raise DomainError("unknown language")
    with unit_of_work():
        application = award.delegate.application
        if application.language == language:
            return
        record(
            actor,
            "application.language",
            application,
            before={"language": application.language},
            after={"language": language},
        )
        application.language = language


def documents_of(award: Award) -> list[Letter]:
    """Every document issued for `award`, newest first (valid, superseded and revoked)."""
    from sqlalchemy import select

    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.award_id == award.id)
            .order_by(Letter.issued_at.desc(), Letter.id.desc())
        )
    )
