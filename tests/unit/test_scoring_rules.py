"""Rules of the priority score that a mutation run found unguarded (tests/mutation).

The boundaries of the Article 5 horizon, of an overdue report and of the points a
weight may have; delegates counted per application; the weights' audit; and `rank_of`,
the SQL ranking the queue pages use, which must agree with the Python reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.models import (
    ApplicationStatus,
    AuditEvent,
    AwardStatus,
    Criterion,
    Gender,
    RegionalGroup,
)
from sponsorship.review.scoring import (
    current_weights,
    meeting_features,
    meeting_inputs,
    rank_of,
    ranked_queue,
    score_meeting,
    update_weights,
)
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

START = date(2026, 6, 16)


def _queued(meeting, state, **kwargs):
    application = ApplicationFactory(
        meeting=meeting, state=state, status=ApplicationStatus.SUBMITTED, **kwargs
    )
    DelegateFactory(application=application, gender=Gender.MALE, first_time=False)
    return application


def _sql_and_python_scores(db, meeting) -> tuple[dict[int, int], dict[int, int]]:
    db.session.flush()
    python = {s.features.application_id: s.score.total for s in score_meeting(meeting)}
    ranks = rank_of(meeting, python, meeting_inputs(meeting))
    return {app_id: score for app_id, (_rank, score) in ranks.items()}, python


@pytest.mark.parametrize(
    ("deadline", "counts"),
    [
        (START, True),  # on the meeting's first day: still ahead
        (START - timedelta(days=1), False),  # already passed
        (date(START.year + 3, 12, 31), True),  # last day of the horizon's last year
        (date(START.year + 4, 1, 1), False),  # the year after
    ],
)
def test_article5_deadline_counts_inside_the_horizon_only(db, deadline, counts):
    """Rule: a deadline counts from the meeting's first day to the end of the horizon's
    last year (three years by default), in SQL as in Python."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    application = _queued(
        meeting, StateFactory(article5_deadline=deadline, ldc=False, oda_eligible=False)
    )
    sql, python = _sql_and_python_scores(db, meeting)
    expected = 30 if counts else 0
    assert sql[application.id] == python[application.id] == expected


def test_article5_horizon_of_zero_years_means_this_year_only(db):
    """Rule: with a horizon of 0, only deadlines in the meeting's own year count."""
    update_weights(UserFactory(), {}, horizon_years=0)
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    this_year = _queued(meeting, StateFactory(article5_deadline=date(START.year, 12, 31)))
    next_year = _queued(meeting, StateFactory(article5_deadline=date(START.year + 1, 1, 1)))
    sql, python = _sql_and_python_scores(db, meeting)
    assert sql == python
    assert sql[this_year.id] - sql[next_year.id] == 30


def test_rank_of_gives_each_asked_application_its_rank_and_score(db):
    """Rule: the queue's rank is by score, then earliest submission; `rank_of` answers
    for just the applications asked about."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    plain = dict(article5_deadline=None, ldc=False, oda_eligible=False)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    low = _queued(meeting, StateFactory(**plain), submitted_at=early)
    high = _queued(meeting, StateFactory(**{**plain, "ldc": True}), submitted_at=late)
    tie = _queued(meeting, StateFactory(**plain), submitted_at=late)
    db.session.flush()
    inputs = meeting_inputs(meeting)
    assert rank_of(meeting, [low.id, high.id, tie.id], inputs) == {
        high.id: (1, 15),
        low.id: (2, 0),
        tie.id: (3, 0),
    }
    assert rank_of(meeting, [tie.id], inputs) == {tie.id: (3, 0)}


def test_delegates_are_counted_per_application(db):
    """Rule: an application's delegate counts (all, first-time, women) are its own
    delegates', never another application's."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    one = ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    DelegateFactory(application=one, gender=Gender.MALE, first_time=False)
    three = ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    for gender, first in ((Gender.FEMALE, True), (Gender.FEMALE, False), (Gender.MALE, True)):
        DelegateFactory(application=three, gender=gender, first_time=first)
    none = ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    db.session.flush()
    counted = {
        f.application_id: (f.delegates, f.first_time, f.women) for f in meeting_features(meeting)
    }
    assert counted == {one.id: (1, 0, 0), three.id: (3, 2, 2), none.id: (0, 0, 0)}
    only = meeting_features(meeting, ids=[three.id])
    assert [(f.application_id, f.delegates) for f in only] == [(three.id, 3)]


@pytest.mark.parametrize(("today_offset", "overdue"), [(0, False), (1, True)])
def test_report_is_overdue_only_after_its_due_day(db, today_offset, overdue):
    """Rule: a report is overdue from the day after it was due (the meeting's end plus
    its report days), not on the due day itself."""
    state = StateFactory(article5_deadline=None)
    past = MeetingFactory(
        starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 5), report_due_days=30
    )
    earlier = ApplicationFactory(meeting=past, state=state, status=ApplicationStatus.DECIDED)
    AwardFactory(delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED)
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    _queued(meeting, state)
    due = date(2025, 12, 5) + timedelta(days=30)
    [scored] = score_meeting(meeting, today=due + timedelta(days=today_offset))
    assert scored.features.missing_reports == (1 if overdue else 0)


@pytest.mark.parametrize(("today_offset", "overdue"), [(0, False), (1, True)])
def test_queue_ranking_counts_overdue_reports_on_the_day_asked(db, today_offset, overdue):
    """Rule: the queue's SQL ranking counts a report overdue on the day it is asked
    about (not the clock's), as the Python reference does."""
    state = StateFactory(article5_deadline=None, ldc=False, oda_eligible=False)
    past = MeetingFactory(
        starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 5), report_due_days=30
    )
    earlier = ApplicationFactory(meeting=past, state=state, status=ApplicationStatus.DECIDED)
    AwardFactory(delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED)
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    application = _queued(meeting, state)
    db.session.flush()
    today = date(2025, 12, 5) + timedelta(days=30 + today_offset)
    inputs = meeting_inputs(meeting, today)
    assert inputs.history.get(state.id, (0, 0)) == (0, 1 if overdue else 0)
    [scored] = score_meeting(meeting, today=today)
    assert rank_of(meeting, [application.id], inputs)[application.id][1] == scored.score.total


def test_history_counts_only_meetings_before_this_one(db):
    """Rule: a no-show at this very meeting (or a later one) is not held against the
    State in its own queue."""
    state = StateFactory(article5_deadline=None)
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    application = _queued(meeting, state)
    AwardFactory(delegate=DelegateFactory(application=application), status=AwardStatus.NO_SHOW)
    db.session.flush()
    [scored] = score_meeting(meeting, today=START)
    assert scored.features.past_no_shows == 0
    assert meeting_inputs(meeting, today=START).history == {}


def test_history_adds_up_each_states_no_shows_and_overdue_reports_over_earlier_meetings(db):
    """Rule: a State's past conduct sums every earlier meeting: each no-show counts once,
    each attended delegate whose report is overdue once; a no-show owes no report, and a
    received report or another outcome counts nothing. Another State at the same
    meetings has its own history, in the SQL inputs as in the Python features."""
    state = StateFactory(article5_deadline=None)
    other = StateFactory(article5_deadline=None)
    for year in (2024, 2025):
        past = MeetingFactory(
            starts_on=date(year, 12, 1), ends_on=date(year, 12, 5), report_due_days=30
        )
        earlier = ApplicationFactory(meeting=past, state=state, status=ApplicationStatus.DECIDED)
        for status in (AwardStatus.NO_SHOW, AwardStatus.ATTENDED, AwardStatus.DECLINED):
            AwardFactory(delegate=DelegateFactory(application=earlier), status=status)
        reported = AwardFactory(
            delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED
        )
        reported.report_received_at = datetime(year, 12, 20, tzinfo=UTC)
    elsewhere = ApplicationFactory(meeting=past, state=other, status=ApplicationStatus.DECIDED)
    AwardFactory(delegate=DelegateFactory(application=elsewhere), status=AwardStatus.NO_SHOW)
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    mine, theirs = _queued(meeting, state), _queued(meeting, other)
    db.session.flush()
    today = date(2026, 3, 1)
    assert meeting_inputs(meeting, today).history == {state.id: (2, 2), other.id: (1, 0)}
    features = meeting_features(meeting, today)
    assert {f.application_id: (f.past_no_shows, f.missing_reports) for f in features} == {
        mine.id: (2, 2),
        theirs.id: (1, 0),
    }


@pytest.mark.parametrize("points", [-1000, 1000])
def test_update_weights_accepts_the_points_limits(db, points):
    """Rule: points lie between -1000 and 1000 inclusive."""
    assert update_weights(UserFactory(), {Criterion.LDC: points}) == 1
    assert current_weights()[Criterion.LDC].points == points


@pytest.mark.parametrize("points", [-1001, 1001])
def test_update_weights_refuses_points_beyond_the_limits(db, points):
    """Rule: points outside -1000..1000 are refused, and nothing changes."""
    with pytest.raises(DomainError, match="between -1000 and 1000"):
        update_weights(UserFactory(), {Criterion.LDC: points})
    assert current_weights()[Criterion.LDC].points == 15


@pytest.mark.parametrize(("years", "accepted"), [(0, True), (50, True), (-1, False), (51, False)])
def test_update_weights_horizon_limits(db, years, accepted):
    """Rule: the Article 5 horizon lies between 0 and 50 years inclusive."""
    if accepted:
        update_weights(UserFactory(), {}, horizon_years=years)
        assert current_weights()[Criterion.ARTICLE5_DEADLINE].horizon_years == years
    else:
        with pytest.raises(DomainError, match="between 0 and 50"):
            update_weights(UserFactory(), {}, horizon_years=years)


def test_update_weights_counts_and_audits_only_real_changes(db):
    """Rule: a weight set to what it already is is no change: not counted, not audited;
    each real change is audited with its value before and after."""
    admin = UserFactory()
    assert update_weights(admin, {Criterion.LDC: 15, Criterion.ODA: 5}) == 0
    assert update_weights(admin, {Criterion.LDC: 40, Criterion.ODA: 5}) == 1
    assert update_weights(admin, {Criterion.LDC: 41}, horizon_years=3) == 1
    assert update_weights(admin, {}, horizon_years=4) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "scoring.weight").order_by(AuditEvent.id)
    ).all()
    assert [(e.before, e.after) for e in events] == [
        (
            {"points": 15, "horizon_years": None},
            {"criterion": "ldc", "points": 40, "horizon_years": None},
        ),
        (
            {"points": 40, "horizon_years": None},
            {"criterion": "ldc", "points": 41, "horizon_years": None},
        ),
        (
            {"points": 30, "horizon_years": 3},
            {"criterion": "article5_deadline", "points": 30, "horizon_years": 4},
        ),
    ]
    assert all(e.actor_id == admin.id for e in events)


def test_update_weights_refusals_say_which_limit_and_which_criterion(db, app):
    """Rule: a refused weight names the limits and the criterion; the horizon too."""
    with app.test_request_context():
        with pytest.raises(DomainError) as points:
            update_weights(UserFactory(), {Criterion.LDC: 1001})
        with pytest.raises(DomainError) as horizon:
            update_weights(UserFactory(), {}, horizon_years=51)
    assert str(points.value) == "Points must lie between -1000 and 1000 (ldc)."
    assert str(horizon.value) == "The horizon must lie between 0 and 50 years."


def test_update_weights_creates_the_row_of_a_criterion_that_has_none(db):
    """Rule: a criterion without a row (one added after the weights were seeded) scores
    with its default, and its first edit creates its row from that default."""
    from sponsorship.models import ScoringWeight

    db.session.execute(
        ScoringWeight.__table__.delete().where(ScoringWeight.criterion == Criterion.LDC)
    )
    db.session.expire_all()
    assert current_weights()[Criterion.LDC].points == 15
    admin = UserFactory()
    assert update_weights(admin, {Criterion.LDC: 15}) == 0  # the default: no change
    assert update_weights(admin, {Criterion.LDC: 40}) == 1
    row = db.session.scalar(select(ScoringWeight).where(ScoringWeight.criterion == Criterion.LDC))
    assert (row.points, row.updated_by_id) == (40, admin.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scoring.weight"))
    assert event.before == {"points": 15, "horizon_years": None}
    assert event.object_id == row.id


def test_every_weight_at_zero_scores_every_application_zero(db):
    """Rule: an administrator may set every weight to 0; the queue then scores each
    application 0 (never no score) and ranks it by submission alone."""
    update_weights(UserFactory(), {c: 0 for c in Criterion})
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    urgent = StateFactory(article5_deadline=START + timedelta(days=30), ldc=True)
    second = _queued(meeting, urgent, submitted_at=late, statement_planned=True)
    first = _queued(meeting, StateFactory(article5_deadline=None), submitted_at=early)
    sql, python = _sql_and_python_scores(db, meeting)
    assert sql == python == {first.id: 0, second.id: 0}
    ranks = rank_of(meeting, [first.id, second.id], meeting_inputs(meeting))
    assert ranks == {first.id: (1, 0), second.id: (2, 0)}


def test_ranked_queue_gives_each_application_its_status_and_region(db):
    """Rule: the queue's status and region filters read each ranked row's application
    status and its State's regional group."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    african = _queued(meeting, StateFactory(regional_group=RegionalGroup.AFRICAN))
    asian = _queued(meeting, StateFactory(regional_group=RegionalGroup.ASIA_PACIFIC))
    asian.status = ApplicationStatus.IN_REVIEW
    db.session.flush()
    ranked = ranked_queue(meeting, meeting_inputs(meeting))
    rows = db.session.execute(select(ranked.c.id, ranked.c.status, ranked.c.region)).all()
    assert {row.id: (row.status, row.region) for row in rows} == {
        african.id: (ApplicationStatus.SUBMITTED, RegionalGroup.AFRICAN),
        asian.id: (ApplicationStatus.IN_REVIEW, RegionalGroup.ASIA_PACIFIC),
    }


@pytest.mark.parametrize(("men", "points"), [(1, 0), (2, 10)], ids=["half-women", "under-half"])
def test_gender_balance_points_only_while_women_are_under_half_of_the_queue(db, men, points):
    """Rule: nominating a woman earns the gender-balance points only while women are
    under half of the meeting's nominees, counted over its whole queue, in SQL as in
    Python."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    plain = dict(article5_deadline=None, ldc=False, oda_eligible=False)
    woman = ApplicationFactory(
        meeting=meeting, state=StateFactory(**plain), status=ApplicationStatus.SUBMITTED
    )
    DelegateFactory(application=woman, gender=Gender.FEMALE, first_time=False)
    for _ in range(men):
        _queued(meeting, StateFactory(**plain))
    # Women nominated elsewhere (another meeting, an unsent draft) are not in the pool.
    other = ApplicationFactory(meeting=MeetingFactory(), status=ApplicationStatus.SUBMITTED)
    draft = ApplicationFactory(meeting=meeting, status=ApplicationStatus.DRAFT)
    for application in (other, other, draft):
        DelegateFactory(application=application, gender=Gender.FEMALE)
    sql, python = _sql_and_python_scores(db, meeting)
    assert sql == python
    assert sql[woman.id] == points


def test_queue_whose_applications_name_no_delegate_is_still_ranked(db):
    """Rule: an application may be in the queue before naming a delegate; a queue with
    no nominee at all is scored (an empty pool, no gender points), not refused."""
    meeting = MeetingFactory(starts_on=START, ends_on=START + timedelta(days=3))
    state = StateFactory(article5_deadline=None, ldc=True, oda_eligible=False)
    application = ApplicationFactory(
        meeting=meeting, state=state, status=ApplicationStatus.SUBMITTED
    )
    db.session.flush()
    inputs = meeting_inputs(meeting)
    assert (inputs.context.pool.delegates, inputs.context.pool.women) == (0, 0)
    assert rank_of(meeting, [application.id], inputs) == {application.id: (1, 15)}
