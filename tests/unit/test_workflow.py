"""The transition table is the only way statuses move, and every move is audited."""

import pytest
from sqlalchemy import select

from sponsorship.core.errors import InvalidTransition
from sponsorship.core.workflow import TRANSITIONS, transition
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus
from tests.factories import ApplicationFactory, AwardFactory, UserFactory


def test_table_covers_every_status_exactly():
    for model, table in TRANSITIONS.items():
        status_enum = type(next(iter(table)))
        assert set(table) == set(status_enum), model
        for targets in table.values():
            assert targets <= set(status_enum)


def test_submit_draft_application_writes_audit_event(db):
    app = ApplicationFactory()
    actor = UserFactory()
    transition(app, ApplicationStatus.SUBMITTED, actor)
    db.session.flush()
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "Application", AuditEvent.object_id == app.id
        )
    )
    assert app.status == ApplicationStatus.SUBMITTED
    assert event.actor_id == actor.id
    assert event.before == {"status": "draft"}
    assert event.after == {"status": "submitted"}


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], AwardStatus.ACCEPTED),
        ([AwardStatus.REJECTED], AwardStatus.OFFERED),
        ([AwardStatus.OFFERED, AwardStatus.DECLINED], AwardStatus.ACCEPTED),
        ([AwardStatus.OFFERED, AwardStatus.EXPIRED], AwardStatus.ACCEPTED),
        ([AwardStatus.OFFERED], AwardStatus.ATTENDED),
    ],
)
def test_invalid_award_transition_is_refused(db, path, target):
    award = AwardFactory()
    for step in path:
        transition(award, step, None)
    with pytest.raises(InvalidTransition):
        transition(award, target, None)


def test_offer_accept_attend_is_allowed(db):
    award = AwardFactory()
    for step in (AwardStatus.OFFERED, AwardStatus.ACCEPTED, AwardStatus.ATTENDED):
        transition(award, step, None)
    assert award.status == AwardStatus.ATTENDED


def test_withdrawn_application_cannot_be_submitted(db):
    app = ApplicationFactory()
    transition(app, ApplicationStatus.WITHDRAWN, None)
    with pytest.raises(InvalidTransition):
        transition(app, ApplicationStatus.SUBMITTED, None)


def test_status_outside_enum_is_refused_by_check_constraint(db):
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError, StatementError

    app = ApplicationFactory()
    db.session.flush()
    with pytest.raises((IntegrityError, StatementError)):
        db.session.execute(
            sa.text("UPDATE applications SET status = 'approved' WHERE id = :id"), {"id": app.id}
        )
    db.session.rollback()
