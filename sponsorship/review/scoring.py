"""The priority score of an application, always with its reasons.

The donors' group ranks applications by the priorities of SPEC section 1. Each
priority is a `Criterion` whose points are data (`ScoringWeight` rows an administrator
edits); the code only says what each criterion looks at (`criteria`). A score is never
shown without the reasons that make it up ("Article 5 deadline in 2027: +30").

A whole meeting is scored in a fixed number of queries (the weights, one row of
features per application, one of the States' history), whatever its size; the
scoring itself is a pure function of those rows (`criteria.score`), so the rules are
tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    ConventionStatus,
    Criterion,
    Delegate,
    Gender,
    Meeting,
    ScoringWeight,
    State,
    User,
)
from sponsorship.models.base import utcnow
from sponsorship.review.criteria import (
    DEFAULT_WEIGHTS,
    Features,
    Pool,
    Score,
    ScoringContext,
    Weight,
    pool_of,
    score,
)

#: Applications that are in the review queue (drafts are not sent, withdrawn ones are gone).
QUEUE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.DECIDED,
)


#: What each criterion means, for the weights page.
CRITERION_LABELS = {
    Criterion.ARTICLE5_DEADLINE: _l("Article 5 clearance deadline within the horizon"),
    Criterion.ARTICLE5_EXTENSION: _l("Article 5 extension request pending"),
    Criterion.ARTICLE4_STOCKPILE: _l("Stockpiled mines still to destroy (Article 4)"),
    Criterion.SURVIVORS: _l("Significant number of mine survivors"),
    Criterion.NOT_PARTY: _l("Not yet a State Party (universalization)"),
    Criterion.LDC: _l("Least-developed country"),
    Criterion.ODA: _l("ODA-eligible"),
    Criterion.FIRST_TIME: _l("Nominates a first-time participant"),
    Criterion.GENDER_BALANCE: _l("Nominates a woman while women are under half of the nominees"),
    Criterion.SPEAKING: _l("National statement or presentation planned"),
    Criterion.PAST_NO_SHOW: _l("Each earlier sponsored delegate who did not attend"),
    Criterion.MISSING_REPORT: _l("Each earlier sponsored delegate whose report is overdue"),
}


# --- Weights -------------------------------------------------------------------------


def current_weights() -> dict[Criterion, Weight]:
    """Every criterion's weight: its row, or the default where it has none. One query."""
    weights = dict(DEFAULT_WEIGHTS)
    for row in db.session.scalars(select(ScoringWeight)):
        weights[row.criterion] = Weight(row.criterion, row.points, row.horizon_years)
    return weights


def update_weights(
    actor: User, points: Mapping[Criterion, int], horizon_years: int | None = None
) -> int:
    """Set the points of the criteria given (and the Article 5 horizon); audited.

    Returns how many weights changed.
    """
    with unit_of_work():
        for criterion, value in points.items():
            if not -1000 <= value <= 1000:
                raise DomainError(
                    _(
                        "Points must lie between -1000 and 1000 (%(criterion)s).",
                        criterion=criterion,
                    )
                )
        if horizon_years is not None and not 0 <= horizon_years <= 50:
            raise DomainError(_("The horizon must lie between 0 and 50 years."))
        rows = {row.criterion: row for row in db.session.scalars(select(ScoringWeight))}
        changed = 0
        for criterion in Criterion:
            default = DEFAULT_WEIGHTS[criterion]
            row = rows.get(criterion)
            before = (
                (row.points, row.horizon_years) if row else (default.points, default.horizon_years)
            )
            new_points = points.get(criterion, before[0])
            new_horizon = before[1]
            if criterion == Criterion.ARTICLE5_DEADLINE and horizon_years is not None:
                new_horizon = horizon_years
            if (new_points, new_horizon) == before:
                continue
            if row is None:
                row = ScoringWeight(criterion=criterion)
                db.session.add(row)
            row.points, row.horizon_years = new_points, new_horizon
            row.updated_at, row.updated_by_id = utcnow(), actor.id
            record(
                actor,
                "scoring.weight",
                row,
                before={"points": before[0], "horizon_years": before[1]},
                after={"criterion": criterion, "points": new_points, "horizon_years": new_horizon},
            )
            changed += 1
    return changed


# --- A meeting's queue, in a fixed number of queries --------------------------------
#
# The queue of a meeting is ranked inside the database: the score is a SQL expression
# built from the same weights as `score`, so the database sorts, filters and pages
# thousands of applications and only the page's rows come back. The reasons of those
# rows are then computed by `score`, the reference; a test checks that both agree.


def _delegate_counts(meeting_id, ids=None):
    """Delegates, first-timers and women per application of the meeting, or of `ids`
    only (values, or bind parameters): those need no join to their applications (the
    caller's query keeps the meeting's). With it, PostgreSQL grouped the page's
    delegates again for each of its applications (2 ms for a page of 25)."""
    female = sa.case((Delegate.gender == Gender.FEMALE, 1), else_=0)
    first = sa.case((Delegate.first_time.is_(True), 1), else_=0)
    stmt = select(
        Delegate.application_id.label("application_id"),
        func.count(Delegate.id).label("delegates"),
        func.sum(first).label("first_time"),
        func.sum(female).label("women"),
    )
    if ids is None:
        stmt = stmt.join(Application, Delegate.application_id == Application.id).where(
            Application.meeting_id == meeting_id
        )
    else:
        stmt = stmt.where(Delegate.application_id.in_(ids))
    return stmt.group_by(Delegate.application_id).subquery()


def in_queue(meeting: Meeting):
    return in_queue_of(meeting.id)


def in_queue_of(meeting_id):
    """The applications in the queue of the meeting `meeting_id` (a value or a bind
    parameter)."""
    return sa.and_(Application.meeting_id == meeting_id, Application.status.in_(QUEUE_STATUSES))


@dataclass(frozen=True)
class MeetingInputs:
    """What scoring a meeting needs besides each application's own row."""

    weights: dict[Criterion, Weight]
    context: ScoringContext
    #: State id -> (earlier no-shows, overdue reports).
    history: dict[int, tuple[int, int]]


def meeting_inputs(meeting: Meeting, today: date | None = None) -> MeetingInputs:
    """Weights, the nominee pool and the States' history: three queries."""
    weights = current_weights()
    female = sa.case((Delegate.gender == Gender.FEMALE, 1), else_=0)
    delegates, women = db.session.execute(
        select(func.count(Delegate.id), func.coalesce(func.sum(female), 0))
        .join(Application, Delegate.application_id == Application.id)
        .where(in_queue(meeting))
    ).one()
    # Every State's history, not only the queue's: filtering on the queue's States made
    # SQLite walk the whole programme from the meetings side (70 ms at twenty years)
    # instead of starting from the few awards that count (10 ms); the extra States are
    # a few dozen rows.
    history = _history(meeting, None, today)
    return MeetingInputs(
        weights,
        ScoringContext(meeting.starts_on, Pool(int(delegates), int(women))),
        history,
    )


def _has_delegate(condition) -> sa.Exists:
    return sa.exists().where(Delegate.application_id == Application.id, condition)


def score_expression(inputs: MeetingInputs) -> sa.ColumnElement[int]:
    """`score`, in SQL, over Application joined to its State.

    Delegate criteria are correlated EXISTS, which SQLite and PostgreSQL answer from
    the delegates' application_id index: several times faster than joining a grouped
    count of every delegate of the meeting.
    """
    w, start = inputs.weights, inputs.context.meeting_starts_on
    terms: list = []

    def when(criterion: Criterion, condition) -> None:
        if w[criterion].points:
            terms.append(sa.case((condition, w[criterion].points), else_=0))

    horizon = w[Criterion.ARTICLE5_DEADLINE].horizon_years or 0
    when(
        Criterion.ARTICLE5_DEADLINE,
        sa.and_(
            State.article5_deadline >= start,
            State.article5_deadline <= date(start.year + horizon, 12, 31),
        ),
    )
    when(Criterion.ARTICLE5_EXTENSION, State.article5_extension_pending.is_(True))
    when(Criterion.ARTICLE4_STOCKPILE, State.article4_stockpile_pending.is_(True))
    when(Criterion.SURVIVORS, State.significant_survivors.is_(True))
    when(Criterion.NOT_PARTY, State.convention_status != ConventionStatus.STATE_PARTY)
    when(Criterion.LDC, State.ldc.is_(True))
    when(Criterion.ODA, State.oda_eligible.is_(True))
    when(Criterion.FIRST_TIME, _has_delegate(Delegate.first_time.is_(True)))
    if inputs.context.pool.women_under_half:
        when(Criterion.GENDER_BALANCE, _has_delegate(Delegate.gender == Gender.FEMALE))
    when(
        Criterion.SPEAKING,
        sa.or_(Application.statement_planned.is_(True), Application.presentation_planned.is_(True)),
    )
    # Past conduct is per State and already counted: a literal mapping, one entry per
    # State with a history (a few dozen), not per application.
    penalties = {
        state_id: no_shows * w[Criterion.PAST_NO_SHOW].points
        + missing * w[Criterion.MISSING_REPORT].points
        for state_id, (no_shows, missing) in inputs.history.items()
    }
    penalties = {k: v for k, v in penalties.items() if v}
    if penalties:
        terms.append(sa.case(penalties, value=Application.state_id, else_=0))
    if not terms:
        return sa.literal(0, sa.Integer)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def scored_queue(meeting: Meeting, inputs: MeetingInputs):
    """A subquery of the meeting's queue: id, status, region, submitted_at, score."""
    return (
        select(
            Application.id.label("id"),
            Application.status.label("status"),
            Application.submitted_at.label("submitted_at"),
            State.regional_group.label("region"),
            score_expression(inputs).label("score"),
        )
        .join(State, Application.state_id == State.id)
        .where(in_queue(meeting))
        .subquery()
    )


def queue_order(scored) -> tuple:
    """Highest score first; ties go to the earliest submitted, then the lowest id."""
    return (
        scored.c.score.desc(),
        scored.c.submitted_at.is_(None),
        scored.c.submitted_at,
        scored.c.id,
    )


def ranked_queue(meeting: Meeting, inputs: MeetingInputs):
    """`scored_queue` with each application's rank in the whole queue (1 is first)."""
    scored = scored_queue(meeting, inputs)
    return select(
        *scored.c,
        func.row_number().over(order_by=queue_order(scored)).label("rank"),
    ).subquery()


#: The features counted over an application's delegates (see `_delegate_counts`).
_COUNTED = ("delegates", "first_time", "women")


def _feature_columns(counts) -> tuple:
    """The columns of one application's `Features`, each labelled with its field's name."""
    return (
        Application.id.label("application_id"),
        Application.status.label("status"),
        Application.submitted_at.label("submitted_at"),
        Application.statement_planned.label("statement_planned"),
        Application.presentation_planned.label("presentation_planned"),
        State.id.label("state_id"),
        State.regional_group.label("region"),
        State.convention_status.label("convention_status"),
        State.article5_deadline.label("article5_deadline"),
        State.article5_extension_pending.label("article5_extension_pending"),
        State.article4_stockpile_pending.label("article4_stockpile_pending"),
        State.significant_survivors.label("significant_survivors"),
        State.ldc.label("ldc"),
        State.oda_eligible.label("oda_eligible"),
        *(func.coalesce(counts.c[name], 0).label(name) for name in _COUNTED),
    )


def meeting_features(
    meeting: Meeting,
    today: date | None = None,
    *,
    ids: Iterable[int] | None = None,
    history: Mapping[int, tuple[int, int]] | None = None,
) -> list[Features]:
    """One `Features` per application in the meeting's queue (or those of `ids`)."""
    parameters = {"meeting_id": meeting.id}
    if ids is not None:
        parameters["ids"] = list(ids)
    stmt = _features_statement(ids is not None)
    rows = [row._asdict() for row in db.session.execute(stmt, parameters)]
    if history is None:
        history = _history(meeting, {row["state_id"] for row in rows}, today)
    features = []
    for row in rows:
        no_shows, missing = history.get(row["state_id"], (0, 0))
        row.update({name: int(row[name]) for name in _COUNTED})
        features.append(Features(**row, past_no_shows=no_shows, missing_reports=missing))
    return features


@cache
def _features_statement(of_ids: bool) -> sa.Select:
    """`meeting_features`' statement, over the queue of the meeting `meeting_id` (a bind
    parameter), or only its applications `ids` (an expanding one): built once per
    process, as building it on every queue page took longer than running it."""
    meeting_id = sa.bindparam("meeting_id", type_=sa.Integer)
    ids = sa.bindparam("ids", expanding=True, type_=sa.Integer) if of_ids else None
    counts = _delegate_counts(meeting_id, ids)
    stmt = (
        select(*_feature_columns(counts))
        .join(State, Application.state_id == State.id)
        .outerjoin(counts, counts.c.application_id == Application.id)
        .where(in_queue_of(meeting_id))
    )
    return stmt if ids is None else stmt.where(Application.id.in_(ids))


def _history(meeting: Meeting, state_ids, today: date | None = None) -> dict:
    """(no-shows, overdue reports) per State, from meetings before this one. One query.

    `state_ids` is a collection, or None for every State. The rows are grouped per
    State and earlier meeting, so their number grows with the programme's history, not
    with the size of this meeting's queue.
    """
    if state_ids is not None and not state_ids:
        return {}
    today = today or date.today()
    report_missing = sa.case(
        (sa.and_(Award.status == AwardStatus.ATTENDED, Award.report_received_at.is_(None)), 1),
        else_=0,
    )
    no_show = sa.case((Award.status == AwardStatus.NO_SHOW, 1), else_=0)
    rows = db.session.execute(
        select(
            Application.state_id,
            Meeting.ends_on,
            Meeting.report_due_days,
            func.sum(no_show),
            func.sum(report_missing),
        )
        .select_from(Award)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .join(Meeting, Application.meeting_id == Meeting.id)
        .where(
            *([] if state_ids is None else [Application.state_id.in_(state_ids)]),
            Meeting.starts_on < meeting.starts_on,
            # Only the awards that count against a State: at twenty years of history the
            # attended ones with their report in are nine in ten, and reading them cost
            # most of the queue page (ix_awards_status_report finds the others).
            sa.or_(
                Award.status == AwardStatus.NO_SHOW,
                sa.and_(Award.status == AwardStatus.ATTENDED, Award.report_received_at.is_(None)),
            ),
        )
        .group_by(Application.state_id, Meeting.id, Meeting.ends_on, Meeting.report_due_days)
    ).all()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for state_id, ends_on, due_days, no_shows, missing in rows:
        totals[state_id][0] += int(no_shows or 0)
        if ends_on + timedelta(days=due_days) < today:
            totals[state_id][1] += int(missing or 0)
    return {state_id: (n, m) for state_id, (n, m) in totals.items()}


@dataclass(frozen=True, slots=True)
class ScoredApplication:
    features: Features
    score: Score
    #: 1 for the highest score in the meeting; ties share the order of submission.
    rank: int = 0


def score_meeting(meeting: Meeting, today: date | None = None) -> list[ScoredApplication]:
    """The whole queue scored in Python, ranked like `ranked_queue` (the reference)."""
    weights = current_weights()
    features = meeting_features(meeting, today)
    context = ScoringContext(meeting.starts_on, pool_of(features))
    scored = [ScoredApplication(f, score(f, weights, context)) for f in features]
    far = datetime.max.replace(tzinfo=UTC)
    scored.sort(
        key=lambda s: (-s.score.total, s.features.submitted_at or far, s.features.application_id)
    )
    return [ScoredApplication(s.features, s.score, rank) for rank, s in enumerate(scored, start=1)]


def rank_of(meeting: Meeting, application_ids: Iterable[int], inputs: MeetingInputs) -> dict:
    """Application id -> (rank, score) for the ids given: one query."""
    ranked = ranked_queue(meeting, inputs)
    rows = db.session.execute(
        select(ranked.c.id, ranked.c.rank, ranked.c.score).where(
            ranked.c.id.in_(list(application_ids))
        )
    ).all()
    return {app_id: (rank, score_) for app_id, rank, score_ in rows}
