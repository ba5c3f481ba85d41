"""A realistic demo programme: one past MSP with its whole history, one open meeting.

Everything goes through the same rules as real use (workflow transitions, audit
events, ledger balances kept with the allocation rows), so the demo exercises the
product rather than bypassing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from sponsorship.accounts.services import create_user
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.funding import ledger, reconciliation
from sponsorship.funding.contributions import (
    DonorDetails,
    Earmarks,
    Receipt,
    create_donor,
    record_contribution,
)
from sponsorship.models import (
    Airfare,
    Application,
    ApplicationStatus,
    Award,
    AwardCostLine,
    AwardStatus,
    Contribution,
    CostKind,
    CostStage,
    Delegate,
    Donor,
    Gender,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    Role,
    State,
    Theme,
    User,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo credential
DEMO_ACCOUNTS = (
    ("admin@demo.test", Role.ADMINISTRATOR),
    ("applicant@demo.test", Role.APPLICANT),
    ("donor@demo.test", Role.DONOR),
)
#: The demo applicant's State: Chad has an Article 5 deadline (2030) and survivors.
APPLICANT_STATE = "TCD"

D = Decimal


@dataclass(frozen=True)
class DemoResult:
    meetings: int
    applications: int
    awards: int
    contributions: int


def _stamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _meetings(today: date) -> tuple[Meeting, Meeting]:
    past = Meeting(
        kind=MeetingKind.MSP,
        number=22,
        title="Twenty-Second Meeting of the States Parties",
        venue="Palais des Nations",
        city="Geneva",
        starts_on=date(2025, 12, 1),
        ends_on=date(2025, 12, 5),
        applications_open_on=date(2025, 8, 1),
        applications_close_on=date(2025, 9, 30),
        window_open=False,
        offer_response_days=14,
        dsa_rate=D("412.00"),
        dsa_currency="CHF",
        terminal_expenses=D("200.00"),
        delegate_cap=2,
        sessions=[
            MeetingSession(
                title="Opening and general exchange of views",
                theme=Theme.GENERAL,
                held_on=date(2025, 12, 1),
            ),
            MeetingSession(
                title="Article 5 extension requests",
                theme=Theme.MINE_CLEARANCE,
                held_on=date(2025, 12, 2),
            ),
            MeetingSession(
                title="Victim assistance", theme=Theme.VICTIM_ASSISTANCE, held_on=date(2025, 12, 3)
            ),
        ],
    )
    year = today.year + 1 if today.month > 3 else today.year
    starts = date(year, 6, 16)
    upcoming = Meeting(
        kind=MeetingKind.INTERSESSIONAL,
        number=None,
        title=f"Intersessional Meetings {year}",
        venue="International Conference Centre Geneva",
        city="Geneva",
        starts_on=starts,
        ends_on=starts + timedelta(days=3),
        applications_open_on=today - timedelta(days=14),
        applications_close_on=starts - timedelta(days=75),
        window_open=True,
        offer_response_days=14,
        dsa_rate=D("412.00"),
        dsa_currency="CHF",
        terminal_expenses=D("200.00"),
        delegate_cap=2,
        sessions=[
            MeetingSession(
                title="Committee on Article 5 Implementation",
                theme=Theme.MINE_CLEARANCE,
                held_on=starts,
            ),
            MeetingSession(
                title="Committee on Victim Assistance",
                theme=Theme.VICTIM_ASSISTANCE,
                held_on=starts + timedelta(days=1),
            ),
            MeetingSession(
                title="Committee on Article 4 Implementation",
                theme=Theme.STOCKPILE_DESTRUCTION,
                held_on=starts + timedelta(days=2),
            ),
            MeetingSession(
                title="Committee on the Enhancement of Cooperation and Assistance",
                theme=Theme.GENERAL,
                held_on=starts + timedelta(days=3),
            ),
        ],
    )
    return past, upcoming


def _donors() -> list[Contribution]:
    """Five donors, CHF/EUR/NOK/AUD, some earmarked; rates as on the receipt date."""
    specs = [
        # donor, short, iso3, ref, currency, amount, rate, received, earmarks
        ("Switzerland", "CH", "CHE", "CH-2025-01", "CHF", "60000.00", "1", date(2025, 3, 3), {}),
        (
            "Norway",
            "NO",
            "NOR",
            "NO-2025-01",
            "NOK",
            "500000.00",
            "0.0792",
            date(2025, 2, 14),
            {"meeting_kind": MeetingKind.MSP},
        ),
        (
            "Germany",
            "DE",
            "DEU",
            "DE-2025-01",
            "EUR",
            "40000.00",
            "0.9381",
            date(2025, 5, 20),
            {"theme": Theme.VICTIM_ASSISTANCE},
        ),
        (
            "Australia",
            "AU",
            "AUS",
            "AU-2025-01",
            "AUD",
            "50000.00",
            "0.5227",
            date(2025, 6, 2),
            {"region": RegionalGroup.ASIA_PACIFIC, "spend_by": date(2027, 6, 30)},
        ),
        ("Netherlands", "NL", "NLD", "NL-2026-01", "EUR", "30000.00", None, None, {}),
    ]
    contributions = []
    for name, short, iso3, ref, currency, amount, rate, received, earmarks in specs:
        donor = create_donor(
            None,
            DonorDetails(
                name=name, short_name=short, country_iso3=iso3, org_identifier=f"XM-DAC-{iso3}"
            ),
        )
        spend_by = earmarks.pop("spend_by", None)
        contributions.append(
            record_contribution(
                None,
                donor_id=donor.id,
                reference=ref,
                currency=currency,
                amount=D(amount),
                pledged_on=(received or date(2026, 10, 1)) - timedelta(days=45),
                earmarks=Earmarks(**earmarks),
                spend_by=spend_by,
                receipt=Receipt(received, D(rate), received) if rate is not None else None,
            )
        )
    return contributions


#: (State, delegate name, gender, function, first time, fate of the award)
PAST_DELEGATES = [
    (
        "KHM",
        "Sokha Chan",
        Gender.FEMALE,
        "Deputy Director, Cambodian Mine Action Centre",
        False,
        "attended",
    ),
    (
        "TCD",
        "Achta Mahamat",
        Gender.FEMALE,
        "Coordinator, Haut-Commissariat au Déminage",
        True,
        "attended",
    ),
    ("TCD", "Idriss Abakar", Gender.MALE, "Counsellor, Permanent Mission", False, "declined"),
    ("SEN", "Aminata Diallo", Gender.FEMALE, "Head of Victim Assistance, CNAMS", True, "attended"),
    ("COL", "Andrés Rojas", Gender.MALE, "Adviser, Descontamina Colombia", False, "no_show"),
    ("YEM", "Huda Al-Sharabi", Gender.FEMALE, "Mine action officer, YEMAC", True, "expired"),
    (
        "SOM",
        "Abdi Warsame",
        Gender.MALE,
        "Director, Somali Explosive Management Authority",
        False,
        "attended",
    ),
    (
        "LKA",
        "Nirmala Perera",
        Gender.FEMALE,
        "Director, National Mine Action Centre",
        False,
        "attended",
    ),
    ("PER", "Lucía Quispe", Gender.FEMALE, "Survivor advocate", True, "rejected"),
    ("ETH", "Dawit Bekele", Gender.MALE, "Ethiopian Mine Action Office", False, "waitlisted"),
]

AIRFARE = {
    RegionalGroup.AFRICAN: D("1450.00"),
    RegionalGroup.ASIA_PACIFIC: D("1850.00"),
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: D("1700.00"),
    RegionalGroup.EASTERN_EUROPEAN: D("650.00"),
    RegionalGroup.WESTERN_EUROPEAN_OTHERS: D("500.00"),
    RegionalGroup.NONE: D("1500.00"),
}


def _price(award: Award, meeting: Meeting, region: RegionalGroup) -> Decimal:
    nights = (meeting.ends_on - meeting.starts_on).days + 1
    lines = [
        AwardCostLine(
            kind=CostKind.AIRFARE,
            description="Economy return ticket",
            quantity=D(1),
            unit_amount=AIRFARE[region],
            amount=AIRFARE[region],
        ),
        AwardCostLine(
            kind=CostKind.DSA,
            description=f"DSA {nights} nights",
            quantity=D(nights),
            unit_amount=meeting.dsa_rate,
            amount=meeting.dsa_rate * nights,
        ),
        AwardCostLine(
            kind=CostKind.TERMINAL,
            description="Terminal expenses",
            quantity=D(1),
            unit_amount=meeting.terminal_expenses,
            amount=meeting.terminal_expenses,
        ),
    ]
    award.cost_lines.extend(lines)
    return sum((line.amount for line in lines), D(0))


def _past_history(past: Meeting, admin: User) -> tuple[int, int]:
    states = {s.iso3: s for s in db.session.scalars(select(State))}
    apps: dict[str, Application] = {}
    awards = 0
    offered_on = date(2025, 10, 15)
    for n, (iso3, name, gender, function, first, fate) in enumerate(PAST_DELEGATES, 1):
        state = states[iso3]
        app = apps.get(iso3)
        if app is None:
            app = Application(
                meeting=past,
                state=state,
                status=ApplicationStatus.DRAFT,
                language="fr"
                if iso3 in {"TCD", "SEN"}
                else "es"
                if iso3 in {"COL", "PER"}
                else "en",
                statement_planned=True,
                consent_personal_data=True,
                national_role="Article 5 update" if state.article5_deadline else None,
                created_at=_stamp(date(2025, 9, 1)),
            )
            app.sessions = list(past.sessions)
            db.session.add(app)
            apps[iso3] = app
        delegate = Delegate(
            application=app,
            position=len(app.delegates),
            name=name,
            gender=gender,
            function=function,
            organisation=function.split(", ")[-1],
            email=f"delegate{n}@example.org",
            phone="+41 22 000 00 00",
            nationality=iso3,
            passport_number=f"P{n:07d}",
            passport_expiry=date(2029, 1, 1),
            departure_city="Capital",
            first_time=first,
            survivor=(name == "Lucía Quispe"),
        )
        award = Award(
            delegate=delegate,
            reference=f"SP-2025-MSP22-{n:04d}",
            created_at=_stamp(date(2025, 10, 1)),
        )
        db.session.add(award)
        awards += 1
        _price(award, past, state.regional_group)
        if app.status == ApplicationStatus.DRAFT:
            transition(app, ApplicationStatus.SUBMITTED, None)
            app.submitted_at = _stamp(date(2025, 9, 20))
            transition(app, ApplicationStatus.IN_REVIEW, admin)
        if fate in {"rejected", "waitlisted"}:
            target = AwardStatus.REJECTED if fate == "rejected" else AwardStatus.WAITLISTED
            transition(award, target, admin)
            if fate == "rejected":
                award.decision_reason = "Two delegates from the region were already funded."
            continue
        # The offer commits the estimate through the ledger, by its own rules.
        ledger.allocate(award, admin, on=offered_on)
        transition(award, AwardStatus.OFFERED, admin)
        award.offered_at = _stamp(offered_on)
        award.offer_deadline = offered_on + timedelta(days=past.offer_response_days)
        settled = _stamp(date(2025, 12, 20))
        if fate in {"declined", "expired"}:
            transition(award, AwardStatus(fate), None if fate == "expired" else admin)
            if fate == "declined":
                award.decline_reason = "Personal reasons"
            ledger.release(award, None if fate == "expired" else admin, reason=fate, at=settled)
            continue
        transition(award, AwardStatus.ACCEPTED, None)
        award.responded_at = _stamp(offered_on + timedelta(days=5))
        award.confirmed_departure_city = "Capital"
        award.travel_out_on = past.starts_on - timedelta(days=1)
        award.travel_back_on = past.ends_on + timedelta(days=1)
        transition(award, AwardStatus(fate), admin)
        _actual_costs(award, fate)
        reconciliation.reconcile(award, admin, at=settled)
        if fate == "attended":
            award.report_received_at = _stamp(date(2025, 12, 28))
    for app in apps.values():
        transition(app, ApplicationStatus.DECIDED, admin)
    return len(apps), awards


def _actual_costs(award: Award, fate: str) -> Decimal:
    """Attended: ticket a little under estimate, DSA paid in full. No-show: ticket lost."""
    estimate = {line.kind: line for line in award.cost_lines}
    ticket = estimate[CostKind.AIRFARE].amount - D("87.40")
    lines = [
        AwardCostLine(
            kind=CostKind.AIRFARE,
            stage=CostStage.ACTUAL,
            description="Ticket as invoiced",
            quantity=D(1),
            unit_amount=ticket,
            amount=ticket,
        )
    ]
    if fate == "attended":
        for kind in (CostKind.DSA, CostKind.TERMINAL):
            line = estimate[kind]
            lines.append(
                AwardCostLine(
                    kind=kind,
                    stage=CostStage.ACTUAL,
                    description=line.description,
                    quantity=line.quantity,
                    unit_amount=line.unit_amount,
                    amount=line.amount,
                )
            )
    award.cost_lines.extend(lines)
    return sum((line.amount for line in lines), D(0))


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
            ("Moussa Ndiaye", Gender.MALE, "Coordinator, CNAMS", "Dakar", False, False),
            ("Awa Sarr", Gender.FEMALE, "Counsellor, Permanent Mission", "Dakar", True, False),
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


def _fare_table() -> None:
    """The fare table pricing falls back on when no airfare is typed."""
    db.session.add_all(Airfare(region=region, amount=amount) for region, amount in AIRFARE.items())


def _intersessional_queue(upcoming: Meeting, today: date) -> int:
    """Submitted applications from several States, waiting for review."""
    states = {s.iso3: s for s in db.session.scalars(select(State))}
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
            created_at=_stamp(today - timedelta(days=12)),
        )
        app.sessions = [s for s in upcoming.sessions if s.theme in themes]
        for position, (name, gender, function, city, first, survivor) in enumerate(delegates):
            app.delegates.append(
                Delegate(
                    position=position,
                    name=name,
                    gender=gender,
                    function=function,
                    organisation=function.split(", ")[-1],
                    email=f"{iso3.lower()}{position + 1}@example.org",
                    phone="+41 22 000 00 00",
                    nationality=iso3,
                    passport_number=f"{iso3}{n:02d}{position:02d}123",
                    passport_expiry=upcoming.ends_on + timedelta(days=400),
                    departure_city=city,
                    first_time=first,
                    survivor=survivor,
                )
            )
        db.session.add(app)
        transition(app, ApplicationStatus.SUBMITTED, None)
        app.submitted_at = _stamp(today - timedelta(days=10 - n))
    return len(QUEUE)


def _accounts(donor: Donor) -> User:
    states = {s.iso3: s for s in db.session.scalars(select(State))}
    admin = create_user(
        None,
        email="admin@demo.test",
        name="Ingrid Keller (ISU)",
        role=Role.ADMINISTRATOR,
        password=DEMO_PASSWORD,
    )
    create_user(
        admin,
        email="applicant@demo.test",
        name="Fatimé Oumar",
        role=Role.APPLICANT,
        state=states[APPLICANT_STATE],
        password=DEMO_PASSWORD,
    )
    create_user(
        admin,
        email="donor@demo.test",
        name="Lars Hansen",
        role=Role.DONOR,
        donor=donor,
        password=DEMO_PASSWORD,
    )
    return admin


def seed_demo(today: date | None = None) -> DemoResult:
    """Load the demo programme; refuses if there is already programme data."""
    today = today or date.today()
    if db.session.scalar(select(func.count(State.id))) == 0:
        raise DomainError("load the States first: flask --app sponsorship states load")
    if db.session.scalar(select(func.count(Meeting.id))) or db.session.scalar(
        select(func.count(User.id))
    ):
        raise DomainError("the database already holds meetings or accounts; demo data not loaded")
    # One unit of work: the demo loads whole or not at all.
    with unit_of_work():
        past, upcoming = _meetings(today)
        db.session.add_all([past, upcoming])
        funds = _donors()
        norway = next(c.donor for c in funds if c.donor.short_name == "NO")
        admin = _accounts(norway)
        applications, awards = _past_history(past, admin)
        _fare_table()
        applications += _intersessional_queue(upcoming, today)
    return DemoResult(
        meetings=2, applications=applications, awards=awards, contributions=len(funds)
    )
