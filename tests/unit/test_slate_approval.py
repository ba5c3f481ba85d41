"""The Donors' Group's rule (quorum, objections, deadline, members only), offering once,
and the what-if form, on a real database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.models import AuditEvent, DonorsGroupMember, SlateStatus
from sponsorship.slate import approval, proposal, whatif
from sponsorship.slate.problem import Targets
from tests.factories import UserFactory
from tests.slate_data import slate_data


@pytest.fixture
def data(db):
    return slate_data(db)


@pytest.fixture
def admin(db):
    user = UserFactory()
    db.session.commit()
    return user


@pytest.fixture
def sent(app, data, admin):
    with app.test_request_context():
        return proposal.send(admin, data.meeting, Targets(), quorum=2, deadline_days=7)


def cast(app, user, slate, vote, comment="", today=None):
    with app.test_request_context():
        return approval.cast(user, slate.id, vote, comment, today)


def test_cast_quorum_of_approvals_approves(app, data, sent):
    first, second = data.members
    assert cast(app, first, sent, "approve").status == SlateStatus.SENT
    assert cast(app, second, sent, "approve").status == SlateStatus.APPROVED
    assert sent.decided_at is not None


def test_cast_one_objection_blocks_approval_until_changed(app, db, data, sent):
    first, second = data.members
    cast(app, first, sent, "object", "Too few women")
    assert cast(app, second, sent, "approve").status == SlateStatus.SENT
    assert cast(app, first, sent, "approve").status == SlateStatus.APPROVED
    votes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "slate.vote")).all()
    assert [v.after["vote"] for v in votes] == ["object", "approve", "approve"]


def test_cast_quorum_of_objections_objects(app, data, sent):
    for member in data.members:
        slate = cast(app, member, sent, "object")
    assert slate.status == SlateStatus.OBJECTED


def test_cast_comment_only_keeps_the_vote(app, data, sent):
    first = data.members[0]
    cast(app, first, sent, "approve")
    cast(app, first, sent, "", "One more thought")
    vote = sent.votes[0]
    assert (vote.vote, vote.comment) == ("approve", "One more thought")


def test_cast_after_the_deadline_is_refused(app, data, sent):
    late = date.today() + timedelta(days=8)
    with pytest.raises(DomainError, match="no longer open"):
        cast(app, data.members[0], sent, "approve", today=late)


def test_cast_by_a_donor_outside_the_group_is_refused(app, data, sent):
    with pytest.raises(DomainError, match="Only members"):
        cast(app, data.outsider, sent, "approve")


def test_cast_empty_is_refused(app, data, sent):
    with pytest.raises(DomainError, match="Approve, object"):
        cast(app, data.members[0], sent, "maybe", "   ")


def test_offer_slate_twice_is_refused(app, data, sent, admin):
    for member in data.members:
        cast(app, member, sent, "approve")
    with app.test_request_context():
        result = approval.offer_slate(admin, sent.id)
        assert len(result["done"]) == len(sent.chosen)
        with pytest.raises(DomainError, match="Only an approved slate"):
            approval.offer_slate(admin, sent.id)


def test_set_member_refuses_a_non_donor_and_is_audited(app, db, data, admin):
    with app.test_request_context():
        with pytest.raises(DomainError):
            approval.set_member(admin, admin.id, True)
        approval.set_member(admin, data.outsider.id, True)
    assert db.session.get(DonorsGroupMember, data.outsider.id).added_by_id == admin.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "slate.member"))


def test_send_refuses_a_quorum_out_of_range(app, data, admin):
    with app.test_request_context(), pytest.raises(DomainError, match="quorum"):
        proposal.send(admin, data.meeting, Targets(), quorum=-1, deadline_days=7)


def test_whatif_parse_reads_targets_and_ignores_unknown_pins(app):
    values = {
        "women": "40",
        "reserve": "1500,50",
        "region_african": "2",
        "pin_7": "in",
        "pin_8": "out",
        "pin_99": "out",
        "pin_x": "in",
        "pin_9": "sideways",
    }
    with app.test_request_context():
        targets, errors = whatif.parse(values, {7, 8, 9})
    assert errors == []
    assert targets == Targets(
        min_women_share=Decimal("0.4"),
        min_per_region={"african": 2},
        reserve=Decimal("1500.50"),
        pinned_in=frozenset({7}),
        pinned_out=frozenset({8}),
    )
    with app.test_request_context():
        assert whatif.parse(whatif.form_values(targets), {7, 8, 9}) == (targets, [])


@pytest.mark.parametrize(
    ("field", "value"), [("region_african", "1.5"), ("reserve", "-1"), ("women", "abc")]
)
def test_whatif_parse_wrong_value_is_a_message(app, field, value):
    with app.test_request_context():
        targets, errors = whatif.parse({field: value}, set())
    assert len(errors) == 1 and targets == Targets()


def test_cast_comment_loses_control_characters(app, data, sent):
    cast(app, data.members[0], sent, "", "Fine\x00 by\x07 me\nreally")
    assert sent.votes[0].comment == "Fine by me\nreally"


def test_set_member_with_an_id_beyond_any_row_is_refused(app, admin):
    with app.test_request_context(), pytest.raises(DomainError):
        approval.set_member(admin, 2**63, True)
