"""Hand-built ledger worlds: the concurrency race, the state machine and the ledger bench.

They cannot use the factories (the race commits on its own connections, the bench runs
outside pytest), so they build the same meeting, States and airfare-only awards here.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sponsorship.models import (
    Award,
    AwardCostLine,
    ConventionStatus,
    CostKind,
    Delegate,
    Gender,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    State,
    Theme,
)

D = Decimal
TODAY = date(2026, 3, 1)
STARTS = date(2026, 6, 15)


def ledger_meeting(title: str, *sessions: tuple[str, Theme], dsa_rate: Decimal = D(400)):
    """An intersessional meeting in Geneva from STARTS, its window shut on TODAY;
    `sessions` are (title, theme) pairs, all held on the first day."""
    return Meeting(
        kind=MeetingKind.INTERSESSIONAL,
        title=title,
        venue="Palais",
        city="Geneva",
        starts_on=STARTS,
        ends_on=STARTS + timedelta(days=3),
        applications_open_on=TODAY,
        applications_close_on=TODAY,
        dsa_rate=dsa_rate,
        dsa_currency="CHF",
        sessions=[MeetingSession(title=t, theme=theme, held_on=STARTS) for t, theme in sessions],
    )


def party_and_outsider(party: tuple[str, str], outsider: tuple[str, str]) -> list[State]:
    """An African State Party and an Asia-Pacific State not party, each (iso3, name)."""
    return [
        State(
            iso3=party[0],
            name=party[1],
            regional_group=RegionalGroup.AFRICAN,
            convention_status=ConventionStatus.STATE_PARTY,
        ),
        State(
            iso3=outsider[0],
            name=outsider[1],
            regional_group=RegionalGroup.ASIA_PACIFIC,
            convention_status=ConventionStatus.NOT_PARTY,
        ),
    ]


def airfare_award(
    reference: str, cost: Decimal, *, name: str, email: str, nationality: str, **delegate
) -> Award:
    """An award whose only estimate is one airfare of `cost`; `delegate` places its
    delegate (`application=` or `application_id=`, and `position=` if wanted)."""
    award = Award(
        delegate=Delegate(
            name=name,
            gender=Gender.FEMALE,
            function="Director",
            organisation="MAC",
            email=email,
            nationality=nationality,
            departure_city="Capital",
            **delegate,
        ),
        reference=reference,
    )
    award.cost_lines.append(
        AwardCostLine(kind=CostKind.AIRFARE, quantity=D(1), unit_amount=cost, amount=cost)
    )
    return award
