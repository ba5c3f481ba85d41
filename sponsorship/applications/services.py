"""A State's application: drafts, submission, withdrawal, and what the State does next.

The rules live here, not in forms: the window must be open, the meeting's cap holds,
one application per State and meeting, and a submitted application is complete
(every required field, valid e-mail addresses, passports valid six months after the
meeting, consent, the nomination note). Errors come back per field so a page can
show each next to its field.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from sponsorship.applications.uploads import StoredNote
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.mail import outbox as mail_service
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Delegate,
    DelegateReport,
    Gender,
    Meeting,
    Role,
    State,
    User,
)
from sponsorship.models.base import utcnow

LANGUAGES = ("en", "fr", "es")
#: A passport must be valid this many months after the meeting's last day.
PASSPORT_MONTHS = 6
#: Statuses in which the State may still withdraw (no decision on any delegate yet).
WITHDRAWABLE = {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW}
#: Delegate fields a submitted application must fill in.
REQUIRED_DELEGATE_FIELDS = (
    "name",
    "gender",
    "function",
    "organisation",
    "email",
    "nationality",
    "passport_number",
    "passport_expiry",
    "departure_city",
)


@dataclass
class DelegateInput:
    name: str = ""
    gender: str = ""
    function: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    nationality: str = ""
    passport_number: str = ""
    passport_expiry: date | None = None
    departure_city: str = ""
    first_time: bool = False
    survivor: bool = False
    accessibility_needs: str = ""

    def is_blank(self) -> bool:
        texts = (
            self.name,
            self.gender,
            self.function,
            self.organisation,
            self.email,
            self.phone,
            self.nationality,
            self.passport_number,
            self.departure_city,
            self.accessibility_needs,
        )
        return (
            not any(texts)
            and self.passport_expiry is None
            and not (self.first_time or self.survivor)
        )


@dataclass
class ApplicationInput:
    delegates: list[DelegateInput] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    statement_planned: bool = False
    presentation_planned: bool = False
    national_role: str = ""
    consent_personal_data: bool = False
    language: str = "en"
    #: A newly uploaded note; None keeps the application's current one.
    note: StoredNote | None = None


@dataclass(frozen=True)
class FieldError:
    #: Name of the form field: a delegate field when `index` is set, else an application field.
    field: str | None
    message: str
    #: Position of the delegate in the list, for delegate fields.
    index: int | None = None


class ApplicationInvalid(DomainError):
    """The application cannot be saved or submitted as it is; `errors` says where."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def passport_valid_until(meeting: Meeting) -> date:
    """The earliest passport expiry accepted for `meeting`."""
    return add_months(meeting.ends_on, PASSPORT_MONTHS)


def find(state: State | int, meeting: Meeting | int) -> Application | None:
    state_id = state if isinstance(state, int) else state.id
    meeting_id = meeting if isinstance(meeting, int) else meeting.id
    return db.session.scalar(
        select(Application).where(
            Application.state_id == state_id, Application.meeting_id == meeting_id
        )
    )


def _check_actor(actor: User, state_id: int) -> None:
    if actor.role != Role.APPLICANT or actor.state_id != state_id:
        raise NotAllowed(str(_l("You may only change your own State's applications.")))


def _shape_errors(meeting: Meeting, data: ApplicationInput, today: date) -> list[FieldError]:
    """What even a draft must respect."""
    errors: list[FieldError] = []
    if not meeting.accepts_applications(today):
        errors.append(FieldError(None, str(_l("Applications for this meeting are closed."))))
    delegates = [d for d in data.delegates if not d.is_blank()]
    if len(delegates) > meeting.delegate_cap:
        errors.append(
            FieldError(
                None,
                str(
                    _l(
                        "This meeting accepts at most %(num)d delegates per State.",
                        num=meeting.delegate_cap,
                    )
                ),
            )
        )
    session_ids = {s.id for s in meeting.sessions}
    if not set(data.session_ids) <= session_ids:
        errors.append(FieldError("sessions", str(_l("Choose sessions of this meeting."))))
    if data.language not in LANGUAGES:
        errors.append(FieldError("language", str(_l("Choose English, French or Spanish."))))
    for index, delegate in enumerate(data.delegates):
        if delegate.gender and delegate.gender not in {g.value for g in Gender}:
            errors.append(FieldError("gender", str(_l("Choose one of the options.")), index))
    return errors


def _completeness_errors(
    meeting: Meeting, data: ApplicationInput, has_note: bool
) -> list[FieldError]:
    """What a submitted application must also have."""
    errors: list[FieldError] = []
    required = str(_l("This field is required to submit."))
    if not data.delegates or all(d.is_blank() for d in data.delegates):
        errors.append(FieldError(None, str(_l("Nominate at least one delegate."))))
    earliest = passport_valid_until(meeting)
    for index, delegate in enumerate(data.delegates):
        if delegate.is_blank():
            continue
        for name in REQUIRED_DELEGATE_FIELDS:
            if getattr(delegate, name) in (None, ""):
                errors.append(FieldError(name, required, index))
        if delegate.email:
            try:
                validate_email(delegate.email, check_deliverability=False)
            except EmailNotValidError:
                errors.append(FieldError("email", str(_l("Enter a valid e-mail address.")), index))
        if delegate.passport_expiry is not None and delegate.passport_expiry < earliest:
            errors.append(
                FieldError(
                    "passport_expiry",
                    str(
                        _l(
                            "The passport must be valid until at least %(date)s, six months "
                            "after the meeting.",
                            date=earliest.isoformat(),
                        )
                    ),
                    index,
                )
            )
    if not data.session_ids:
        errors.append(
            FieldError("sessions", str(_l("Choose the sessions the delegates will serve.")))
        )
    if not data.consent_personal_data:
        errors.append(
            FieldError(
                "consent_personal_data",
                str(_l("Consent to the processing of personal data is needed to submit.")),
            )
        )
    if not has_note:
        errors.append(
            FieldError("note", str(_l("Upload the nomination note (note verbale) as a PDF.")))
        )
    return errors


def _apply(application: Application, meeting: Meeting, data: ApplicationInput) -> None:
    sessions = {s.id: s for s in meeting.sessions}
    application.sessions = [sessions[i] for i in sorted(set(data.session_ids))]
    application.statement_planned = data.statement_planned
    application.presentation_planned = data.presentation_planned
    application.national_role = data.national_role or None
    application.consent_personal_data = data.consent_personal_data
    application.language = data.language
    if data.note is not None:
        application.note_path = data.note.stored_name
        application.note_filename = data.note.filename
    # A draft has no awards, so its delegates are replaced, never matched by an id the
    # browser sends back (which could name another State's delegate).
    application.delegates.clear()
    db.session.flush()
    for position, d in enumerate(x for x in data.delegates if not x.is_blank()):
        application.delegates.append(
            Delegate(
                position=position,
                name=d.name,
                # Delegate.gender is required by the schema; an unchosen gender in a draft
                # is kept as "undisclosed" until the State chooses.
                gender=Gender(d.gender) if d.gender else Gender.UNDISCLOSED,
                function=d.function,
                organisation=d.organisation,
                email=d.email,
                phone=d.phone or None,
                nationality=d.nationality,
                passport_number=d.passport_number or None,
                passport_expiry=d.passport_expiry,
                departure_city=d.departure_city,
                first_time=d.first_time,
                survivor=d.survivor,
                accessibility_needs=d.accessibility_needs or None,
            )
        )


def _summary(application: Application) -> dict:
    """What the audit trail keeps of a save: no personal data beyond names."""
    return {
        "delegates": [d.name for d in application.delegates],
        "sessions": sorted(s.id for s in application.sessions),
        "statement_planned": application.statement_planned,
        "presentation_planned": application.presentation_planned,
        "consent_personal_data": application.consent_personal_data,
        "language": application.language,
        "note": application.note_filename,
    }


def problems(
    state_id: int,
    meeting: Meeting,
    data: ApplicationInput,
    today: date,
    application: Application | None = None,
    submit: bool = False,
) -> list[FieldError]:
    """Everything that keeps `data` from being saved (or submitted); changes nothing."""
    if application is not None and application.status != ApplicationStatus.DRAFT:
        return [FieldError(None, str(_l("Only a draft can be changed.")))]
    if application is None and find(state_id, meeting) is not None:
        return [FieldError(None, str(_l("Your State has already applied for this meeting.")))]
    errors = _shape_errors(meeting, data, today)
    if submit:
        has_note = data.note is not None or bool(application and application.note_path)
        errors += _completeness_errors(meeting, data, has_note)
    return errors


def save(
    actor: User,
    meeting: Meeting,
    data: ApplicationInput,
    today: date,
    application: Application | None = None,
    submit: bool = False,
) -> Application:
    """Create or update the State's draft, and submit it when `submit`; one transaction.

    Raises ApplicationInvalid with every problem found; nothing is saved then.
    """
    state_id = application.state_id if application is not None else actor.state_id
    _check_actor(actor, state_id)
    if application is not None and application.meeting_id != meeting.id:
        raise NotAllowed(str(_l("This application belongs to another meeting.")))
    errors = problems(state_id, meeting, data, today, application, submit)
    if errors:
        raise ApplicationInvalid(errors)

    created = application is None
    before = None if created else _summary(application)
    if created:
        application = Application(meeting=meeting, state_id=state_id, created_by_id=actor.id)
        db.session.add(application)
    try:
        _apply(application, meeting, data)
        db.session.flush()
    except IntegrityError:
        # Two first saves for the same State and meeting at the same instant.
        db.session.rollback()
        raise ApplicationInvalid(
            [FieldError(None, str(_l("Your State has already applied for this meeting.")))]
        ) from None
    record(
        actor,
        "application.create" if created else "application.update",
        application,
        before=before,
        after=_summary(application),
    )
    if data.note is not None:
        record(actor, "application.note_upload", application, after={"file": data.note.filename})
    if submit:
        transition(application, ApplicationStatus.SUBMITTED, actor)
        application.submitted_at = utcnow()
        _queue_confirmation(application)
    db.session.commit()
    return application


def state_recipients(state_id: int) -> list[str]:
    """The e-mail addresses of the State's active applicant accounts."""
    return list(
        db.session.scalars(
            select(User.email)
            .where(
                User.role == Role.APPLICANT,
                User.state_id == state_id,
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


def _queue_confirmation(application: Application) -> None:
    link = mail_service.external_url("applicant.application", application_id=application.id)
    for address in state_recipients(application.state_id):
        mail_service.queue(
            address,
            "application_submitted",
            application.language,
            kind="application.submitted",
            obj=application,
            application=application,
            meeting=application.meeting,
            state=application.state,
            link=link,
        )


def can_withdraw(application: Application) -> bool:
    if application.status not in WITHDRAWABLE:
        return False
    return all(
        d.award is None or d.award.status in (AwardStatus.PENDING, AwardStatus.CANCELLED)
        for d in application.delegates
    )


def withdraw(actor: User, application: Application) -> None:
    """Withdraw before any decision; pending awards are cancelled with it."""
    _check_actor(actor, application.state_id)
    if not can_withdraw(application):
        raise DomainError(
            str(_l("The application can no longer be withdrawn: a decision has been made."))
        )
    for delegate in application.delegates:
        if delegate.award is not None and delegate.award.status == AwardStatus.PENDING:
            transition(delegate.award, AwardStatus.CANCELLED, actor, reason="application withdrawn")
    transition(application, ApplicationStatus.WITHDRAWN, actor)
    db.session.commit()


# ---- What the State sees and does next -------------------------------------------------


@dataclass(frozen=True)
class Task:
    """Something the State is expected to do (or wait for), for the dashboard."""

    #: continue_draft, answer_offer, offer_expired, report_due, awaiting_decision
    kind: str
    application: Application
    award: Award | None = None
    due: date | None = None


def offer_expired(award: Award, today: date) -> bool:
    """An offer whose deadline has passed: shown as expired and no longer answerable.

    The award's status changes to expired only when administrators expire overdue
    offers, which also releases its money; until then the deadline alone decides.
    """
    return (
        award.status == AwardStatus.OFFERED
        and award.offer_deadline is not None
        and award.offer_deadline < today
    )


def report_due(award: Award, today: date) -> bool:
    meeting = award.delegate.application.meeting
    return (
        award.status in (AwardStatus.ACCEPTED, AwardStatus.ATTENDED)
        and meeting.ends_on <= today
        and award.report_received_at is None
    )


def state_applications(state_id: int) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.state_id == state_id)
            .options(
                selectinload(Application.meeting),
                selectinload(Application.delegates)
                .selectinload(Delegate.award)
                .selectinload(Award.letters),
            )
            .join(Application.meeting)
            .order_by(Meeting.starts_on.desc())
        )
    )


def tasks(applications: list[Application], today: date) -> list[Task]:
    found: list[Task] = []
    for application in applications:
        if application.status == ApplicationStatus.DRAFT:
            if application.meeting.accepts_applications(today):
                found.append(
                    Task(
                        "continue_draft",
                        application,
                        due=application.meeting.applications_close_on,
                    )
                )
            continue
        if application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
            found.append(Task("awaiting_decision", application))
        for delegate in application.delegates:
            award = delegate.award
            if award is None:
                continue
            if award.status == AwardStatus.OFFERED:
                kind = "offer_expired" if offer_expired(award, today) else "answer_offer"
                found.append(Task(kind, application, award, award.offer_deadline))
            elif report_due(award, today):
                meeting = application.meeting
                found.append(
                    Task(
                        "report_due",
                        application,
                        award,
                        date.fromordinal(meeting.ends_on.toordinal() + meeting.report_due_days),
                    )
                )
    order = {"answer_offer": 0, "report_due": 1, "continue_draft": 2, "offer_expired": 3}
    found.sort(key=lambda t: (order.get(t.kind, 9), t.due or date.max))
    return found


def open_meetings_with_application(
    meetings: list[Meeting], applications: list[Application]
) -> list[tuple[Meeting, Application | None]]:
    by_meeting = {a.meeting_id: a for a in applications}
    return [(m, by_meeting.get(m.id)) for m in meetings]


def report_for(award: Award) -> DelegateReport | None:
    return db.session.scalar(select(DelegateReport).where(DelegateReport.award_id == award.id))
