"""Read models of the review: the ranked queue of a meeting and an application's history.

Each is a fixed number of queries whatever the number of applications: the queue
scores the whole meeting from one row per application (see `scoring`), filters and
pages those rows in memory, then reads only the page's applications with their
delegates and their awards' status and estimate, as columns (`queue_applications`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from sponsorship.core.cache import StampedCache
from sponsorship.core.paging import Paged, page_window
from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardCostLine,
    AwardStatus,
    CostStage,
    Delegate,
    Meeting,
    RegionalGroup,
    State,
    data_version,
)
from sponsorship.models.awards import estimate_total
from sponsorship.models.base import Money
from sponsorship.models.states import localized_name
from sponsorship.review import scoring
from sponsorship.review.scoring import QUEUE_STATUSES, ScoredApplication

PER_PAGE = 25
ZERO = Decimal(0)


@dataclass(frozen=True)
class QueueFilters:
    status: ApplicationStatus | None = None
    region: RegionalGroup | None = None
    min_score: int | None = None

    def accepts(self, score: int, status, region) -> bool:
        return (
            (self.status is None or status == self.status)
            and (self.region is None or region == self.region)
            and (self.min_score is None or score >= self.min_score)
        )

    def clauses(self, ranked) -> list:
        clauses = []
        if self.status is not None:
            clauses.append(ranked.c.status == self.status)
        if self.region is not None:
            clauses.append(ranked.c.region == self.region)
        if self.min_score is not None:
            clauses.append(ranked.c.score >= self.min_score)
        return clauses


@dataclass(frozen=True, slots=True)
class QueueDelegate:
    id: int
    name: str
    #: The award's status; None before the delegate is priced.
    status: AwardStatus | None
    #: The award's estimate; zero before pricing.
    estimate: Decimal


@dataclass(frozen=True, slots=True)
class QueueApplication:
    """An application as its row in the queue shows it, read as columns: loading the
    page's applications, delegates, awards and cost lines as objects took three
    statements and a fifth of the page's time."""

    id: int
    status: ApplicationStatus
    region: RegionalGroup
    #: The State's name in English, French and Spanish.
    state_names: tuple[str, str | None, str | None]
    delegates: tuple[QueueDelegate, ...]

    def state_name(self, locale: str | None) -> str:
        return localized_name(*self.state_names, locale)


@dataclass(frozen=True)
class QueueRow:
    application: QueueApplication
    scored: ScoredApplication


@dataclass(frozen=True)
class QueuePage(Paged):
    meeting: Meeting
    rows: list[QueueRow]
    #: Applications matching the filters.
    total: int
    #: Applications in the meeting's queue, unfiltered.
    in_queue: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_window(self.total, self.per_page, self.page)[1]


@cache
def _meetings_statement() -> sa.Select:
    """`queue_meetings`' statement: the same on every request, so built once per process."""
    # A correlated EXISTS: one probe of the applications' (meeting, status) index per
    # meeting, 0.15 ms at twenty years on PostgreSQL, where IN over the subquery read
    # the index whole (20,000 entries, 5 to 10 ms). It once ran as a sequential scan per
    # meeting (75 ms); with that index it no longer does, at either page cost.
    has_queue = (
        sa.exists()
        .where(Application.meeting_id == Meeting.id, Application.status.in_(QUEUE_STATUSES))
        .correlate(Meeting)
    )
    # Not the sessions: only the meeting shown needs them (its budget's themes), and
    # its lazy load costs less than joining those of every meeting (160 rows at twenty
    # years, 2 ms).
    return select(Meeting, has_queue).order_by(Meeting.starts_on.desc(), Meeting.id.desc())


def queue_meetings(today: date) -> tuple[list[Meeting], Meeting | None]:
    """The meetings to choose from, latest first, and the one the queue opens on (as
    `default_meeting` chooses it), in one query; their sessions are not loaded."""
    rows = db.session.execute(_meetings_statement()).all()
    meetings = [meeting for meeting, _queued in rows]
    upcoming = [m for m, queued in rows if queued and m.ends_on >= today]
    default = min(upcoming, key=lambda m: m.starts_on) if upcoming else None
    return meetings, default or (meetings[0] if meetings else None)


def default_meeting(today: date) -> Meeting | None:
    """The next meeting that has applications in review, else the latest meeting."""
    upcoming = db.session.scalar(
        select(Meeting)
        .where(
            Meeting.ends_on >= today,
            sa.exists().where(
                Application.meeting_id == Meeting.id, Application.status.in_(QUEUE_STATUSES)
            ),
        )
        .order_by(Meeting.starts_on)
        .limit(1)
    )
    return upcoming or db.session.scalar(
        select(Meeting).order_by(Meeting.starts_on.desc()).limit(1)
    )


def load_applications(ids: list[int]) -> dict[int, Application]:
    """Applications with State, meeting and sessions, their own sessions, delegates,
    awards, cost lines and letters (5 queries). No page that loads these reads the
    awards' allocations (the history finds them by a subquery), so they are not loaded."""
    if not ids:
        return {}
    # An award per delegate at most: joined to its delegate, not a statement of its own.
    award = selectinload(Application.delegates).joinedload(Delegate.award)
    options = [
        joinedload(Application.state),
        joinedload(Application.meeting).joinedload(Meeting.sessions),
        selectinload(Application.sessions),
        award.options(selectinload(Award.cost_lines), selectinload(Award.letters)),
    ]
    rows = db.session.scalars(select(Application).where(Application.id.in_(ids)).options(*options))
    return {a.id: a for a in rows.unique()}


@cache
def _applications_statement() -> sa.Select:
    """`queue_applications`' statement, built once per process (the ids are an
    expanding bind parameter): the queue page runs it on every request."""
    return (
        select(
            Application.id,
            Application.status,
            State.regional_group,
            State.name,
            State.name_fr,
            State.name_es,
            Delegate.id,
            Delegate.name,
            Award.status,
            sa.type_coerce(estimate_total(), Money()),
        )
        .join(State, Application.state_id == State.id)
        .outerjoin(Delegate, Delegate.application_id == Application.id)
        .outerjoin(Award, Award.delegate_id == Delegate.id)
        .where(Application.id.in_(sa.bindparam("ids", expanding=True, type_=sa.Integer)))
        .order_by(Application.id, Delegate.position, Delegate.id)
    )


def queue_applications(ids: list[int]) -> dict[int, QueueApplication]:
    """The queue rows' applications with their State's names and their delegates, each
    with its award's status and estimate: one statement."""
    if not ids:
        return {}
    rows = db.session.execute(_applications_statement(), {"ids": list(ids)})
    found: dict[int, tuple] = {}
    delegates: dict[int, list[QueueDelegate]] = {}
    for app_id, status, region, *names, delegate_id, name, award_status, estimate_ in rows:
        found.setdefault(app_id, (status, region, tuple(names)))
        people = delegates.setdefault(app_id, [])
        if delegate_id is not None:
            people.append(QueueDelegate(delegate_id, name, award_status, estimate_ or ZERO))
    return {
        app_id: QueueApplication(app_id, *head, tuple(delegates[app_id]))
        for app_id, head in found.items()
    }


# --- The meeting's ranking, kept per process ------------------------------------------
#
# Ranking a queue scores every application of the meeting against the States' whole
# history: at twenty years of data that was most of the queue page's time, on every
# page, filter and reload, while the ranking changes only when the programme does. So it
# is kept per process at the data stamp (models/data_version.py) and computed again as
# soon as anything is committed, or on another day (the overdue reports count by the
# day). A transaction that has written ranks its own data, and keeps nothing.


@dataclass(frozen=True)
class Ranking:
    inputs: scoring.MeetingInputs
    #: (application id, score, status, region) in queue order; the rank is position + 1.
    rows: tuple[tuple[int, int, ApplicationStatus, RegionalGroup], ...]

    def rank_of(self, application_ids) -> dict[int, tuple[int, int]]:
        """Application id -> (rank, score), like `scoring.rank_of`."""
        wanted = set(application_ids)
        return {
            app_id: (rank, score)
            for rank, (app_id, score, _status, _region) in enumerate(self.rows, start=1)
            if app_id in wanted
        }


#: Meetings x days: a bound, not a policy.
_rankings: StampedCache[Ranking] = StampedCache(64)


def _rank(meeting: Meeting, today: date) -> Ranking:
    inputs = scoring.meeting_inputs(meeting, today)
    scored = scoring.scored_queue(meeting, inputs)
    rows = db.session.execute(
        select(scored.c.id, scored.c.score, scored.c.status, scored.c.region).order_by(
            *scoring.queue_order(scored)
        )
    ).all()
    return Ranking(inputs, tuple((r[0], int(r[1]), r[2], r[3]) for r in rows))


def meeting_ranking(meeting: Meeting, today: date | None = None) -> Ranking:
    """The meeting's whole queue in rank order; while nothing changed, the data stamp
    alone (read once a transaction, the signed-in user's request has it already).

    Shared between requests: read it, never change it."""
    today = today or date.today()
    return _rankings.get_or_compute(
        (str(db.engine.url), meeting.id, today),
        data_version.current_if_unwritten(db.session),
        lambda: _rank(meeting, today),
    )


def score_application(application: Application, today: date | None = None):
    """One application's features, score and rank, the rank read from the meeting's kept
    ranking (one query while nothing changed) instead of ranking the whole meeting again."""
    meeting = application.meeting
    ranking = meeting_ranking(meeting, today)
    inputs = ranking.inputs
    found = scoring.meeting_features(meeting, ids=[application.id], history=inputs.history)
    if not found:
        return None
    ranked = ranking.rank_of([application.id]) or scoring.rank_of(meeting, [application.id], inputs)
    rank, _score = ranked.get(application.id, (0, 0))
    return ScoredApplication(
        found[0], scoring.score(found[0], inputs.weights, inputs.context), rank
    )


def review_queue(
    meeting: Meeting,
    filters: QueueFilters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    today: date | None = None,
    ranking: Ranking | None = None,
) -> QueuePage:
    """One page of the meeting's ranked queue, filtered; the rank shown is the rank in
    the whole queue, before the filters."""
    filters = filters or QueueFilters()
    ranking = ranking or meeting_ranking(meeting, today)
    matching = [
        (app_id, rank)
        for rank, (app_id, score, status, region) in enumerate(ranking.rows, start=1)
        if filters.accepts(score, status, region)
    ]
    total = len(matching)
    page, pages = page_window(total, per_page, page)
    offset = (page - 1) * per_page
    rows = matching[offset : offset + per_page]
    ranks = dict(rows)
    features = {
        f.application_id: f
        for f in scoring.meeting_features(meeting, ids=ranks, history=ranking.inputs.history)
    }
    apps = queue_applications(list(ranks))
    inputs = ranking.inputs
    return QueuePage(
        meeting=meeting,
        rows=[
            QueueRow(
                apps[app_id],
                scoring.ScoredApplication(
                    features[app_id],
                    scoring.score(features[app_id], inputs.weights, inputs.context),
                    rank,
                ),
            )
            for app_id, rank in rows
        ],
        total=total,
        in_queue=len(ranking.rows),
        page=page,
        per_page=per_page,
    )


def application_history(application: Application) -> list[AuditEvent]:
    """Every audit event about the application, its delegates, their awards, the awards'
    cost lines and allocations, oldest first, with who did it. Three queries."""
    delegate_ids = [d.id for d in application.delegates]
    award_ids = list(
        db.session.scalars(select(Award.id).where(Award.delegate_id.in_(delegate_ids)))
    )
    allocation_ids = (
        select(Allocation.id).where(Allocation.award_id.in_(award_ids)) if award_ids else None
    )
    line_ids = (
        select(AwardCostLine.id).where(AwardCostLine.award_id.in_(award_ids)) if award_ids else None
    )
    about = [
        sa.and_(AuditEvent.object_type == "Application", AuditEvent.object_id == application.id),
        sa.and_(AuditEvent.object_type == "Delegate", AuditEvent.object_id.in_(delegate_ids)),
    ]
    if award_ids:
        about += [
            sa.and_(AuditEvent.object_type == "Award", AuditEvent.object_id.in_(award_ids)),
            sa.and_(
                AuditEvent.object_type == "Allocation", AuditEvent.object_id.in_(allocation_ids)
            ),
            sa.and_(AuditEvent.object_type == "AwardCostLine", AuditEvent.object_id.in_(line_ids)),
        ]
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(sa.or_(*about))
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


#: Awards that are followed up after the offer was taken.
FOLLOWED_UP = (
    AwardStatus.ACCEPTED,
    AwardStatus.ATTENDED,
    AwardStatus.NO_SHOW,
    AwardStatus.CANCELLED,
)


@dataclass(frozen=True)
class FollowUp:
    award: Award
    estimate: Decimal
    actual: Decimal
    #: "received", "overdue", "awaited" or None (no report expected).
    report: str | None


def follow_up(meeting: Meeting, today: date) -> list[FollowUp]:
    """The meeting's sponsored delegates after the offer: attendance, costs, reports.

    Four queries: awards, their cost lines, delegates, applications with States.
    """
    awards = db.session.scalars(
        select(Award)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == meeting.id, Award.status.in_(FOLLOWED_UP))
        .options(
            selectinload(Award.cost_lines),
            selectinload(Award.delegate)
            .selectinload(Delegate.application)
            .joinedload(Application.state),
        )
        .order_by(Award.reference)
    ).all()
    due = meeting.ends_on + timedelta(days=meeting.report_due_days)
    rows = []
    for award in awards:
        report = None
        if award.status == AwardStatus.ATTENDED:
            if award.report_received_at is not None:
                report = "received"
            else:
                report = "overdue" if today > due else "awaited"
        rows.append(
            FollowUp(
                award,
                award.total(CostStage.ESTIMATE),
                award.total(CostStage.ACTUAL),
                report,
            )
        )
    return rows
