"""A meeting whose earmarks make rank order strictly worse than the slate, for the web,
authorization and Chromium tests of the slate.

1,000 CHF of flexible money and 1,000 CHF earmarked for the African Group; cap one per
State. Rank 1 is Europa (Western European Group, 1,000 CHF: only flexible money pays
it); four African States follow at 500 CHF each. Rank order: Europa + two Africans = 3
States. The slate: the four Africans = 4 States.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sponsorship.models import (
    ApplicationStatus,
    Award,
    Contribution,
    DonorsGroupMember,
    Meeting,
    RegionalGroup,
    Role,
    User,
)
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

D = Decimal


@dataclass
class SlateData:
    meeting: Meeting
    europa: Award
    africans: list[Award]
    funds: list[Contribution]
    members: list[User]
    outsider: User


def _award(meeting, state, cost: str, minute: int, name: str) -> Award:
    application = ApplicationFactory(
        meeting=meeting,
        state=state,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=datetime(2026, 1, 1, 0, minute, tzinfo=UTC),
    )
    delegate = DelegateFactory(application=application, name=name)
    award = AwardFactory(delegate=delegate)
    AwardCostLineFactory(award=award, unit_amount=D(cost))
    return award


def slate_data(db) -> SlateData:
    meeting = MeetingFactory(delegate_cap=1)
    europa = StateFactory(
        name="Europa",
        regional_group=RegionalGroup.WESTERN_EUROPEAN_OTHERS,
        ldc=True,
        oda_eligible=True,
        article5_deadline=meeting.starts_on + timedelta(days=200),
    )
    first = _award(meeting, europa, "1000", 0, "Erika Europa")
    # Scores fall from A to D (least-developed and ODA-eligible, then one, then none).
    features = [{"ldc": True, "oda_eligible": True}, {"ldc": True}, {"oda_eligible": True}, {}]
    africans = [
        _award(
            meeting,
            StateFactory(name=f"{land}land", article5_deadline=None, **extra),
            "500",
            n,
            name,
        )
        for n, (land, name, extra) in enumerate(
            zip("ABCD", ["Ama A", "Ben B", "Cy C", "Dee D"], features, strict=True), start=1
        )
    ]
    funds = [
        ContributionFactory(reference="C-FLEX", amount=D(1000)),
        ContributionFactory(
            reference="C-AFRICA", amount=D(1000), earmark_region=RegionalGroup.AFRICAN
        ),
    ]
    members = [UserFactory(donor_rep=True, name=f"Member {n}") for n in (1, 2)]
    outsider = UserFactory(donor_rep=True, name="Not a member")
    db.session.flush()
    for m in members:
        db.session.add(DonorsGroupMember(user_id=m.id))
    db.session.commit()
    assert all(m.role == Role.DONOR for m in members)
    return SlateData(meeting, first, africans, funds, members, outsider)
