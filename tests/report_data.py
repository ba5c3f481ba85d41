"""Generated programmes for the report tests: donors, awards across themes, some
declined, some attended and reconciled with actual costs below or above the estimate."""

from __future__ import annotations

from decimal import Decimal

from sponsorship.funding import ledger, reconciliation
from sponsorship.models import AwardStatus, Theme
from sponsorship.models.awards import CostKind, CostStage
from tests.factories import (
    AwardCostLineFactory,
    ContributionFactory,
    DonorFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)
from tests.unit.test_ledger import award_for

D = Decimal
THEME_SETS = (
    (Theme.MINE_CLEARANCE,),
    (Theme.VICTIM_ASSISTANCE, Theme.GENERAL),
    (),
)
#: Real alpha-2 codes for some States (open data names the beneficiary country),
#: none for others.
ISO2 = ("TD", "KH", None, "CO")


def generated_programme(seed: int, awards: int = 9) -> dict:
    """Three donors, two meetings, `awards` awards; returns what was made."""
    admin = UserFactory()
    donors = [DonorFactory(org_identifier=f"XM-DAC-T{n}" if n else None) for n in range(3)]
    for n, donor in enumerate(donors):
        ContributionFactory(donor=donor, amount=D("2500.00") + n * seed)
    # A pledge in another currency, not received yet: an incoming commitment only.
    ContributionFactory(
        donor=donors[0],
        currency="EUR",
        amount=D("1000.00"),
        status="pledged",
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    meetings = [MeetingFactory() for _ in range(2)]
    # One application per State per meeting: a State of its own for each award.
    states = [StateFactory(iso2=ISO2[i % len(ISO2)]) for i in range(awards)]
    made = []
    for i in range(awards):
        award = award_for(
            str(D("700.00") + i * seed),
            meeting=meetings[i % 2],
            state=states[i],
            themes=THEME_SETS[i % len(THEME_SETS)],
        )
        ledger.allocate(award, admin)
        made.append(award)
    for award in made[::3]:
        ledger.release(award, admin, reason="declined")
    # Attended and reconciled: one under the estimate, one over it (absorbed).
    for award, delta in ((made[1], D("-55.25")), (made[4], D("120.00"))):
        award.status = AwardStatus.ATTENDED
        estimate = award.total()
        AwardCostLineFactory(
            award=award,
            stage=CostStage.ACTUAL,
            kind=CostKind.AIRFARE,
            unit_amount=(estimate * D("0.6")).quantize(D("0.01")),
        )
        AwardCostLineFactory(
            award=award,
            stage=CostStage.ACTUAL,
            kind=CostKind.DSA,
            unit_amount=estimate - (estimate * D("0.6")).quantize(D("0.01")) + delta,
        )
        reconciliation.reconcile(award, admin, overspend=reconciliation.Overspend.ABSORB)
    return {"admin": admin, "donors": donors, "awards": made, "meetings": meetings}
