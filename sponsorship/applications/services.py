"""A State's application: drafts, submission, withdrawal, and what the State does next.

The rules live in `rules`, not in forms; here they are applied with what only the
database knows (one application per State and meeting) before a draft is saved or
submitted in one transaction. Errors come back per field so a page can show each
next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from sponsorship.applications.rules import (
    ApplicationInput,
    ApplicationInvalid,
    FieldError,
    completeness_errors,
    shape_errors,
)
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.paging import Paged, page_window
from sponsorship.core.transaction import unit_of_work
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
from sponsorship.people.matching import link_application

#: Statuses in which the State may still withdraw (no decision on any delegate yet).
WITHDRAWABLE = {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW}


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
    errors = shape_errors(meeting, data, today)
    if submit:
        has_note = data.note is not None or bool(application and application.note_path)
        errors += completeness_errors(meeting, data, has_note)
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
    with unit_of_work():
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
            record(
                actor, "application.note_upload", application, after={"file": data.note.filename}
            )
        if submit:
            transition(application, ApplicationStatus.SUBMITTED, actor)
            application.submitted_at = utcnow()
            # Submitted, the delegates are participations: each is linked to its person.
            link_application(application)
            _queue_confirmation(application)
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
    with unit_of_work():
        _check_actor(actor, application.state_id)
        if not can_withdraw(application):
            raise DomainError(
                str(_l("The application can no longer be withdrawn: a decision has been made."))
            )
        for delegate in application.delegates:
            if delegate.award is not None and delegate.award.status == AwardStatus.PENDING:
                transition(
                    delegate.award, AwardStatus.CANCELLED, actor, reason="application withdrawn"
                )
        transition(application, ApplicationStatus.WITHDRAWN, actor)


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


#: The dashboard lists the applications for meetings that ended less than this long
#: ago, and older ones only while something is left to do; the applications page
#: lists them all.
RECENT = timedelta(days=365)


def _with_delegates(query):
    """`query` of applications, latest meeting first, with what their rows show."""
    return (
        query.join(Application.meeting)
        .options(
            selectinload(Application.meeting),
            selectinload(Application.delegates)
            .selectinload(Delegate.award)
            .selectinload(Award.letters),
        )
        .order_by(Meeting.starts_on.desc(), Application.id.desc())
    )


def may_have_tasks():
    """SQL: the applications in which `tasks` or `dashboard.document_tasks` can find
    something to do. A superset, so that those rules alone decide: an unfinished
    application, an offer to answer, an accepted award (a visa-support letter to ask
    for, later a report), an attended one whose report has not arrived."""
    return sa.or_(
        Application.status.in_(
            (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)
        ),
        Application.delegates.any(
            Delegate.award.has(
                sa.or_(
                    Award.status.in_((AwardStatus.OFFERED, AwardStatus.ACCEPTED)),
                    sa.and_(
                        Award.status == AwardStatus.ATTENDED, Award.report_received_at.is_(None)
                    ),
                )
            )
        ),
    )


def current_applications(state_id: int, today: date) -> list[Application]:
    """The State's applications its dashboard lists: every one with something still to
    do, and the rest of the last `RECENT` (twenty years of history are not loaded to
    show a dashboard)."""
    return list(
        db.session.scalars(
            _with_delegates(
                select(Application).where(
                    Application.state_id == state_id,
                    sa.or_(Meeting.ends_on >= today - RECENT, may_have_tasks()),
                )
            )
        )
    )


@dataclass(frozen=True)
class ApplicationsPage(Paged):
    """One page of a State's applications, and how many it has."""

    applications: list[Application]
    total: int
    page: int
    pages: int


def application_count(state_id: int) -> int:
    return db.session.scalar(
        select(sa.func.count(Application.id)).where(Application.state_id == state_id)
    )


def applications_page(state_id: int, page: int, per_page: int) -> ApplicationsPage:
    """The `page`-th `per_page` of the State's applications, latest meeting first (the
    asked page brought within the pages there are)."""
    total = application_count(state_id)
    page, pages = page_window(total, per_page, page)
    query = select(Application).where(Application.state_id == state_id)
    rows = db.session.scalars(
        _with_delegates(query).limit(per_page).offset((page - 1) * per_page)
    )
    return ApplicationsPage(list(rows), total, page, pages)


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
