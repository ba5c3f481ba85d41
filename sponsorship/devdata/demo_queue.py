"""The demo's open intersessional meeting: applications from several States, submitted
and waiting for the administrators' review."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sponsorship.core.workflow import transition
from sponsorship.devdata.clock import stamp
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Delegate,
    Gender,
    Meeting,
    State,
    Theme,
)

#: The intersessional meetings' review queue: (State, sessions served by theme,
#: statement planned, delegates as (name, gender, function, departure, first time,
#: survivor)). All submitted, none decided: the administrators' work to do.
QUEUE = [
    (
        "SOM",
        {Theme.MINE_CLEARANCE, Theme.GENERAL},
        True,
        [("Hodan Ali Yusuf", Gender.FEMALE, "Deputy Director, SEMA", "Mogadishu", True, False)],
    ),
    (
        "SEN",
        {Theme.MINE_CLEARANCE, Theme.GENERAL},
        False,
        [
            ("Moussa Ndiaye", Gender.MALE, "Coordonnateur, CNAMS", "Dakar", False, False),
            # Back after the past meeting: the same person, so the same passport.
            (
                "Aminata Diallo",
                Gender.FEMALE,
                "Cheffe de l'assistance aux victimes, CNAMS",
                "Dakar",
                False,
                False,
            ),
        ],
    ),
    (
        "ZWE",
        {Theme.MINE_CLEARANCE, Theme.GENERAL},
        False,
        [("Tendai Moyo", Gender.MALE, "Director, ZIMAC", "Harare", False, False)],
    ),
    (
        "ETH",
        {Theme.MINE_CLEARANCE, Theme.GENERAL},
        False,
        [
            (
                "Selam Haile",
                Gender.FEMALE,
                "Ethiopian Mine Action Office",
                "Addis Ababa",
                False,
                False,
            )
        ],
    ),
    (
        "KHM",
        {Theme.VICTIM_ASSISTANCE, Theme.MINE_CLEARANCE},
        True,
        [
            ("Dara Sok", Gender.MALE, "Director, CMAA", "Phnom Penh", False, False),
            ("Sreymom Keo", Gender.FEMALE, "Survivor network", "Phnom Penh", True, True),
        ],
    ),
    (
        "MMR",
        {Theme.GENERAL},
        False,
        [("Aung Min Htet", Gender.MALE, "Ministry of Foreign Affairs", "Yangon", True, False)],
    ),
    (
        "COL",
        {Theme.MINE_CLEARANCE, Theme.VICTIM_ASSISTANCE},
        True,
        [("Camila Torres", Gender.FEMALE, "Descontamina Colombia", "Bogotá", False, False)],
    ),
    (
        "UKR",
        {Theme.STOCKPILE_DESTRUCTION, Theme.MINE_CLEARANCE},
        True,
        [("Oleksandr Kovalenko", Gender.MALE, "Ministry of Defence", "Warsaw", False, False)],
    ),
    (
        "IRQ",
        {Theme.MINE_CLEARANCE},
        False,
        [("Zainab Hassan", Gender.FEMALE, "Directorate of Mine Action", "Baghdad", False, False)],
    ),
]


def intersessional_queue(upcoming: Meeting, today: date) -> int:
    """Submitted applications from several States, waiting for review."""
    states = {s.iso3: s for s in db.session.scalars(select(State))}
    # A delegate of the past meeting nominated again keeps the papers they had then,
    # which is how the people rule (sponsorship/people/matching.py) knows them again.
    known = {d.name: d for d in db.session.scalars(select(Delegate))}
    for n, (iso3, themes, statement, delegates) in enumerate(QUEUE):
        state = states[iso3]
        app = Application(
            meeting=upcoming,
            state=state,
            language="fr" if iso3 in {"SEN"} else "es" if iso3 in {"COL"} else "en",
            statement_planned=statement,
            presentation_planned=iso3 == "KHM",
            national_role="Article 5 update" if state.article5_deadline else None,
            consent_personal_data=True,
            created_at=stamp(today - timedelta(days=12)),
        )
        app.sessions = [s for s in upcoming.sessions if s.theme in themes]
        for position, (name, gender, function, city, first, survivor) in enumerate(delegates):
            before = known.get(name)
            app.delegates.append(
                Delegate(
                    position=position,
                    name=name,
                    gender=gender,
                    function=function,
                    organisation=function.split(", ")[-1],
                    email=before.email if before else f"{iso3.lower()}{position + 1}@example.org",
                    phone="+41 22 000 00 00",
                    nationality=iso3,
                    passport_number=(
                        before.passport_number if before else f"{iso3}{n:02d}{position:02d}123"
                    ),
                    passport_expiry=(
                        before.passport_expiry if before else upcoming.ends_on + timedelta(days=400)
                    ),
                    departure_city=city,
                    first_time=first,
                    survivor=survivor,
                )
            )
        db.session.add(app)
        transition(app, ApplicationStatus.SUBMITTED, None)
        app.submitted_at = stamp(today - timedelta(days=10 - n))
    return len(QUEUE)
