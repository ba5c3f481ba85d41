"""The priority score: every criterion of SPEC section 1, each with a visible reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.models import (
    ApplicationStatus,
    AuditEvent,
    AwardStatus,
    ConventionStatus,
    Criterion,
    Gender,
    ScoringWeight,
)
from sponsorship.review.criteria import (
    DEFAULT_WEIGHTS,
    Features,
    Pool,
    ScoringContext,
    Weight,
    score,
)
from sponsorship.review.scoring import current_weights, score_meeting, update_weights
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

MEETING_START = date(2026, 6, 16)
QUEUE = [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.DECIDED]
CONTEXT = ScoringContext(MEETING_START)


def features(**kwargs) -> Features:
    kwargs.setdefault("convention_status", ConventionStatus.STATE_PARTY)
    return Features(application_id=1, state_id=1, **kwargs)


def reasons(result) -> list[str]:
    return [str(r) for r in result.reasons]


def test_article5_deadline_within_horizon_gives_points_with_year(app):
    with app.test_request_context():
        result = score(features(article5_deadline=date(2027, 3, 1)), DEFAULT_WEIGHTS, CONTEXT)
    assert reasons(result) == ["Article 5 deadline in 2027: +30"]
    assert result.total == 30


@pytest.mark.parametrize(
    "deadline",
    [date(2030, 1, 1), date(2026, 6, 15), None],
    ids=["beyond-horizon", "already-passed", "none"],
)
def test_article5_deadline_outside_horizon_gives_nothing(app, deadline):
    with app.test_request_context():
        result = score(features(article5_deadline=deadline), DEFAULT_WEIGHTS, CONTEXT)
    assert result.total == 0
    assert result.reasons == ()


def test_article5_horizon_is_data(app):
    weights = {
        **DEFAULT_WEIGHTS,
        Criterion.ARTICLE5_DEADLINE: Weight(Criterion.ARTICLE5_DEADLINE, 30, 5),
    }
    with app.test_request_context():
        result = score(features(article5_deadline=date(2030, 1, 1)), weights, CONTEXT)
    assert result.total == 30


def test_every_state_criterion_is_a_reason(app):
    f = features(
        convention_status=ConventionStatus.SIGNATORY,
        article5_extension_pending=True,
        article4_stockpile_pending=True,
        significant_survivors=True,
        ldc=True,
        oda_eligible=True,
        statement_planned=True,
        delegates=2,
        first_time=1,
    )
    with app.test_request_context():
        result = score(f, DEFAULT_WEIGHTS, CONTEXT)
    assert {r.criterion for r in result.reasons} == {
        Criterion.NOT_PARTY,
        Criterion.ARTICLE5_EXTENSION,
        Criterion.ARTICLE4_STOCKPILE,
        Criterion.SURVIVORS,
        Criterion.LDC,
        Criterion.ODA,
        Criterion.SPEAKING,
        Criterion.FIRST_TIME,
    }
    assert (
        result.total
        == sum(r.points for r in result.reasons)
        == 25 + 25 + 20 + 20 + 15 + 5 + 15 + 10
    )


def test_past_no_shows_subtract_per_delegate(app):
    with app.test_request_context():
        result = score(features(past_no_shows=2, missing_reports=1), DEFAULT_WEIGHTS, CONTEXT)
    assert result.total == -40 - 10
    assert "2 earlier sponsored delegate(s) did not attend: -40" in reasons(result)


def test_gender_balance_counts_only_when_women_under_half(app):
    f = features(delegates=1, women=1)
    with app.test_request_context():
        under = score(f, DEFAULT_WEIGHTS, ScoringContext(MEETING_START, Pool(10, 4)))
        half = score(f, DEFAULT_WEIGHTS, ScoringContext(MEETING_START, Pool(10, 5)))
    assert reasons(under) == ["Nominates a woman; women are 40% of the nominees: +10"]
    assert half.total == 0


def test_zero_weight_is_not_listed_as_reason(app):
    weights = {**DEFAULT_WEIGHTS, Criterion.LDC: Weight(Criterion.LDC, 0)}
    with app.test_request_context():
        result = score(features(ldc=True, oda_eligible=True), weights, CONTEXT)
    assert [r.criterion for r in result.reasons] == [Criterion.ODA]


def test_update_weights_changes_row_and_audits(db):
    admin = UserFactory()
    changed = update_weights(admin, {Criterion.LDC: 40}, horizon_years=5)
    assert changed == 2
    assert current_weights()[Criterion.LDC].points == 40
    assert current_weights()[Criterion.ARTICLE5_DEADLINE].horizon_years == 5
    row = db.session.scalar(select(ScoringWeight).where(ScoringWeight.criterion == Criterion.LDC))
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "scoring.weight", AuditEvent.object_id == row.id
        )
    )
    assert event.before["points"] == 15
    assert event.after["points"] == 40
    assert event.actor_id == admin.id


def test_update_weights_out_of_bounds_is_refused(db):
    with pytest.raises(DomainError):
        update_weights(UserFactory(), {Criterion.LDC: 5000})


def test_score_meeting_ranks_by_score_then_submission(db):
    meeting = MeetingFactory()
    plain = StateFactory(article5_deadline=None)
    urgent = StateFactory(article5_deadline=meeting.starts_on + timedelta(days=400))
    early = datetime(2026, 1, 1, tzinfo=UTC)
    late = datetime(2026, 2, 1, tzinfo=UTC)
    a = ApplicationFactory(
        meeting=meeting, state=plain, status=ApplicationStatus.SUBMITTED, submitted_at=late
    )
    b = ApplicationFactory(
        meeting=meeting, state=urgent, status=ApplicationStatus.SUBMITTED, submitted_at=late
    )
    c = ApplicationFactory(
        meeting=meeting,
        state=StateFactory(article5_deadline=None),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=early,
    )
    ApplicationFactory(meeting=meeting, state=StateFactory(), status=ApplicationStatus.DRAFT)
    for application in (a, b, c):
        DelegateFactory(application=application, gender=Gender.MALE)
    ranked = score_meeting(meeting)
    assert [s.features.application_id for s in ranked] == [b.id, c.id, a.id]
    assert [s.rank for s in ranked] == [1, 2, 3]
    assert ranked[0].score.total == 30


def test_score_meeting_counts_earlier_no_show_and_overdue_report(db):
    state = StateFactory(article5_deadline=None)
    past = MeetingFactory(
        starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 5), report_due_days=30
    )
    earlier = ApplicationFactory(meeting=past, state=state, status=ApplicationStatus.DECIDED)
    AwardFactory(delegate=DelegateFactory(application=earlier), status=AwardStatus.NO_SHOW)
    AwardFactory(delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED)
    reported = AwardFactory(
        delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED
    )
    reported.report_received_at = datetime(2025, 12, 20, tzinfo=UTC)
    meeting = MeetingFactory()
    now = ApplicationFactory(meeting=meeting, state=state, status=ApplicationStatus.SUBMITTED)
    DelegateFactory(application=now, gender=Gender.MALE)
    [scored] = score_meeting(meeting, today=date(2026, 3, 1))
    assert scored.features.past_no_shows == 1
    assert scored.features.missing_reports == 1
    assert scored.score.total == -20 - 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_ranking_agrees_with_python_reference(db, seed):
    """The queue ranks in SQL; `score` (which gives the reasons) is the reference."""
    import random

    from sponsorship.review.scoring import meeting_inputs, ranked_queue

    rng = random.Random(seed)
    admin = UserFactory()
    update_weights(
        admin,
        {c: rng.choice([0, 5, 10, 25, -15]) for c in Criterion},
        horizon_years=rng.choice([0, 2, 4]),
    )
    meeting = MeetingFactory()
    past = MeetingFactory(starts_on=date(2024, 12, 1), ends_on=date(2024, 12, 5))
    for n in range(40):
        state = StateFactory(
            convention_status=rng.choice(list(ConventionStatus)),
            article5_deadline=rng.choice(
                [None, meeting.starts_on - timedelta(days=30)]
                + [date(meeting.starts_on.year + k, 6, 1) for k in range(6)]
            ),
            article5_extension_pending=rng.random() < 0.3,
            article4_stockpile_pending=rng.random() < 0.3,
            significant_survivors=rng.random() < 0.3,
            ldc=rng.random() < 0.4,
            oda_eligible=rng.random() < 0.6,
        )
        application = ApplicationFactory(
            meeting=meeting,
            state=state,
            status=rng.choice(QUEUE + [ApplicationStatus.DRAFT]),
            statement_planned=rng.random() < 0.4,
            presentation_planned=rng.random() < 0.2,
            submitted_at=datetime(2026, 1, 1 + n % 5, tzinfo=UTC) if n % 7 else None,
        )
        for _ in range(rng.randint(0, 2)):
            DelegateFactory(
                application=application,
                gender=rng.choice([Gender.FEMALE, Gender.MALE, Gender.MALE]),
                first_time=rng.random() < 0.3,
            )
        if rng.random() < 0.3:
            earlier = ApplicationFactory(
                meeting=past, state=state, status=ApplicationStatus.DECIDED
            )
            AwardFactory(
                delegate=DelegateFactory(application=earlier),
                status=rng.choice([AwardStatus.NO_SHOW, AwardStatus.ATTENDED]),
            )
    db.session.flush()
    reference = score_meeting(meeting)
    ranked = ranked_queue(meeting, meeting_inputs(meeting))
    rows = db.session.execute(
        select(ranked.c.id, ranked.c.score, ranked.c.rank).order_by(ranked.c.rank)
    ).all()
    assert [(s.features.application_id, s.score.total, s.rank) for s in reference] == [
        tuple(row) for row in rows
    ]
