"""The review queue's read models, read as columns: its rows and its budget panel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sponsorship.models import (
    Allocation,
    AllocationStatus,
    ApplicationStatus,
    AwardStatus,
    CostStage,
    RegionalGroup,
)
from sponsorship.review import decisions
from sponsorship.review import queue as review
from sponsorship.review.budget import budget
from sponsorship.review.pricing import price
from tests.factories import (
    ApplicationFactory,
    AwardCostLineFactory,
    AwardFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)
from tests.unit.test_decisions import COST, priced

D = Decimal


def _award(meeting, status, cost="1000.00", actual=None):
    award = AwardFactory(
        delegate=DelegateFactory(application=ApplicationFactory(meeting=meeting)), status=status
    )
    AwardCostLineFactory(award=award, unit_amount=D(cost))
    if actual is not None:
        AwardCostLineFactory(award=award, unit_amount=D(actual), stage=CostStage.ACTUAL)
    return award


def test_budget_sums_each_award_status_of_the_meeting_only(db):
    """Rule: the budget panel counts the meeting's awards per status, sums their
    estimates (never their actual costs) for the pending and the waitlisted, and the
    money committed to and spent on them; another meeting's awards count for nothing."""
    meeting, other = MeetingFactory(), MeetingFactory()
    fund = ContributionFactory(amount=D("50000.00"))
    _award(meeting, AwardStatus.PENDING, "100.00")
    _award(meeting, AwardStatus.PENDING, "200.00", actual="999.00")
    _award(meeting, AwardStatus.WAITLISTED, "400.00")
    offered = _award(meeting, AwardStatus.OFFERED, "800.00")
    attended = _award(meeting, AwardStatus.ATTENDED, "1600.00")
    elsewhere = _award(other, AwardStatus.OFFERED, "3200.00")
    held = [
        (offered, "800.00", AllocationStatus.COMMITTED),
        (attended, "1500.00", AllocationStatus.SPENT),
        (attended, "100.00", AllocationStatus.RELEASED),
        (elsewhere, "3200.00", AllocationStatus.COMMITTED),
    ]
    for award, amount, status in held:
        db.session.add(Allocation(award=award, contribution=fund, amount=D(amount), status=status))
    db.session.flush()

    panel = budget(meeting)
    assert panel.counts == {"pending": 2, "waitlisted": 1, "offered": 1, "attended": 1}
    assert (panel.pending, panel.waitlisted) == (D("300.00"), D("400.00"))
    assert (panel.committed, panel.spent) == (D("800.00"), D("1500.00"))
    assert panel.available == D("50000.00")


def test_budget_of_a_meeting_without_awards_is_zero(db):
    panel = budget(MeetingFactory())
    assert panel.counts == {}
    assert (panel.committed, panel.spent, panel.pending, panel.waitlisted) == (0, 0, 0, 0)
    assert panel.available == 0


def test_queue_rows_show_each_delegate_with_award_status_and_estimate(db):
    """Rule: a queue row names its State in the reader's language and lists the
    application's delegates in their order, each with the status and estimate of its
    award (none yet: no status, nothing estimated); a delegate of another application
    never shows."""
    admin, meeting = UserFactory(), MeetingFactory()
    ContributionFactory(amount=D("50000.00"))
    state = StateFactory(
        name="Chad", name_fr="Tchad", name_es=None, regional_group=RegionalGroup.AFRICAN
    )
    application = ApplicationFactory(
        meeting=meeting, state=state, status=ApplicationStatus.SUBMITTED
    )
    # Created in the other order than their positions: the rows follow the positions.
    unpriced = DelegateFactory(application=application, position=2)
    first = DelegateFactory(application=application, position=1)
    other = priced(admin, meeting)
    price(admin, first, airfare=D("1000"))
    decisions.offer(admin, first, today=date.today())
    empty = ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)

    rows = review.queue_applications([application.id, empty.id])
    assert set(rows) == {application.id, empty.id}
    row = rows[application.id]
    assert (row.status, row.region) == (ApplicationStatus.IN_REVIEW, RegionalGroup.AFRICAN)
    assert [(d.id, d.name, d.status, d.estimate) for d in row.delegates] == [
        (first.id, first.name, AwardStatus.OFFERED, COST),
        (unpriced.id, unpriced.name, None, 0),
    ]
    assert other.id not in {d.id for d in row.delegates}
    assert (row.state_name("fr"), row.state_name("es"), row.state_name(None)) == (
        "Tchad",
        "Chad",
        "Chad",
    )
    assert rows[empty.id].delegates == ()
    assert review.queue_applications([]) == {}
