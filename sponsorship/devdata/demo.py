"""A realistic demo programme: one past MSP with its whole history, one open meeting.

Everything goes through the same rules as real use (workflow transitions, audit
events, ledger balances kept with the allocation rows), so the demo exercises the
product rather than bypassing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from sponsorship.accounts.services import create_user
from sponsorship.core.transaction import unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.devdata import costs, donors, names
from sponsorship.devdata.clock import stamp
from sponsorship.devdata.demo_queue import intersessional_queue
from sponsorship.devdata.fresh import require_fresh
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
from sponsorship.models.reports import DelegateReport
from sponsorship.people import services as people
from sponsorship.programme.signatory import SignatoryDetails, save_signatory
from sponsorship.review import pricing

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


#: The terms both demo meetings are held on.
TERMS = {
    "offer_response_days": 14,
    "dsa_rate": D("412.00"),
    "dsa_currency": "CHF",
    "terminal_expenses": D("200.00"),
    "delegate_cap": 2,
}


def _meetings(today: date) -> tuple[Meeting, Meeting]:
    past = Meeting(
        kind=MeetingKind.MSP,
        number=22,
        **names.msp_title(22),
        **names.place("Palais des Nations", "Geneva"),
        starts_on=date(2025, 12, 1),
        ends_on=date(2025, 12, 5),
        applications_open_on=date(2025, 8, 1),
        applications_close_on=date(2025, 9, 30),
        window_open=False,
        **TERMS,
        sessions=[
            MeetingSession(
                **names.session_title("Opening and general exchange of views"),
                theme=Theme.GENERAL,
                held_on=date(2025, 12, 1),
            ),
            MeetingSession(
                **names.session_title("Article 5 extension requests"),
                theme=Theme.MINE_CLEARANCE,
                held_on=date(2025, 12, 2),
            ),
            MeetingSession(
                **names.session_title("Victim assistance"),
                theme=Theme.VICTIM_ASSISTANCE,
                held_on=date(2025, 12, 3),
            ),
        ],
    )
    year = today.year + 1 if today.month > 3 else today.year
    starts = date(year, 6, 16)
    upcoming = Meeting(
        kind=MeetingKind.INTERSESSIONAL,
        number=None,
        **names.intersessional_title(year),
        **names.place("International Conference Centre", "Geneva"),
        starts_on=starts,
        ends_on=starts + timedelta(days=3),
        applications_open_on=today - timedelta(days=14),
        applications_close_on=starts - timedelta(days=75),
        window_open=True,
        **TERMS,
        sessions=[
            MeetingSession(
                **names.session_title("Committee on Article 5 Implementation"),
                theme=Theme.MINE_CLEARANCE,
                held_on=starts,
            ),
            MeetingSession(
                **names.session_title("Committee on Victim Assistance"),
                theme=Theme.VICTIM_ASSISTANCE,
                held_on=starts + timedelta(days=1),
            ),
            MeetingSession(
                **names.session_title("Committee on Article 4 Implementation"),
                theme=Theme.STOCKPILE_DESTRUCTION,
                held_on=starts + timedelta(days=2),
            ),
            MeetingSession(
                **names.session_title("Committee on the Enhancement of Cooperation and Assistance"),
                theme=Theme.GENERAL,
                held_on=starts + timedelta(days=3),
            ),
        ],
    )
    return past, upcoming


#: The demo's contributions: (donor, reference, amount, received on, earmarks).
CONTRIBUTIONS = [
    ("CH", "CH-2025-01", "60000.00", date(2025, 3, 3), {}),
    ("NO", "NO-2025-01", "500000.00", date(2025, 2, 14), {"meeting_kind": MeetingKind.MSP}),
    ("DE", "DE-2025-01", "40000.00", date(2025, 5, 20), {"theme": Theme.VICTIM_ASSISTANCE}),
    (
        "AU",
        "AU-2025-01",
        "50000.00",
        date(2025, 6, 2),
        {"region": RegionalGroup.ASIA_PACIFIC, "spend_by": date(2027, 6, 30)},
    ),
    ("NL", "NL-2026-01", "30000.00", None, {}),
]


def _donors() -> list[Contribution]:
    """Five donors, CHF/EUR/NOK/AUD, some earmarked; rates as on the receipt date."""
    contributions = []
    for short, ref, amount, received, earmarks in CONTRIBUTIONS:
        spec = donors.BY_SHORT_NAME[short]
        donor = create_donor(
            None,
            DonorDetails(
                name=spec.name,
                short_name=short,
                country_iso3=spec.iso3,
                org_identifier=donors.org_identifier(spec),
            ),
        )
        earmarks = dict(earmarks)
        spend_by = earmarks.pop("spend_by", None)
        contributions.append(
            record_contribution(
                None,
                donor_id=donor.id,
                reference=ref,
                currency=spec.currency,
                amount=D(amount),
                pledged_on=(received or date(2026, 10, 1)) - timedelta(days=45),
                earmarks=Earmarks(**earmarks),
                spend_by=spend_by,
                receipt=Receipt(received, spec.rate, received) if received else None,
            )
        )
    return contributions


#: (State, delegate name, gender, function, first time, fate of the award). Functions
#: are typed by the applicants, in their correspondence language.
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
        "Coordinatrice, Haut-Commissariat National au Déminage",
        True,
        "attended",
    ),
    ("TCD", "Idriss Abakar", Gender.MALE, "Conseiller, Mission permanente", False, "declined"),
    (
        "SEN",
        "Aminata Diallo",
        Gender.FEMALE,
        "Cheffe de l'assistance aux victimes, CNAMS",
        True,
        "attended",
    ),
    ("COL", "Andrés Rojas", Gender.MALE, "Asesor, Descontamina Colombia", False, "no_show"),
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
    ("PER", "Lucía Quispe", Gender.FEMALE, "Defensora de los sobrevivientes", True, "rejected"),
    ("ETH", "Dawit Bekele", Gender.MALE, "Ethiopian Mine Action Office", False, "waitlisted"),
]


#: Where each past delegate flies from.
CAPITALS = {
    "KHM": "Phnom Penh",
    "TCD": "N'Djamena",
    "SEN": "Dakar",
    "COL": "Bogotá",
    "YEM": "Aden",
    "SOM": "Mogadishu",
    "LKA": "Colombo",
    "PER": "Lima",
    "ETH": "Addis Ababa",
}


#: The post-meeting report on each delegate who attended: (statement delivered,
#: themes of the sessions attended, comments, consent to quote them to donors).
PAST_REPORTS = {
    "Sokha Chan": (
        True,
        {Theme.GENERAL, Theme.MINE_CLEARANCE},
        "Presented Cambodia's Article 5 update and met three donors about the 2026 survey "
        "of the north-west provinces; the timeline agreed there is now in our work plan.",
        True,
    ),
    "Achta Mahamat": (
        True,
        {Theme.MINE_CLEARANCE, Theme.VICTIM_ASSISTANCE},
        "For the first time Chad spoke in the mine clearance session. The contacts made "
        "with the victim assistance experts will help us draft the national action plan.",
        True,
    ),
    "Aminata Diallo": (True, {Theme.VICTIM_ASSISTANCE}, "Statement on Casamance.", False),
    "Abdi Warsame": (False, {Theme.MINE_CLEARANCE}, "", False),
    "Nirmala Perera": (
        True,
        {Theme.GENERAL, Theme.MINE_CLEARANCE},
        "Sri Lanka reported the release of 12 km² of land since the last meeting.",
        True,
    ),
}


def _report(award: Award, past: Meeting, name: str) -> None:
    statement, themes, comments, consent = PAST_REPORTS[name]
    db.session.add(
        DelegateReport(
            award=award,
            sessions=[s for s in past.sessions if s.theme in themes],
            statement_delivered=statement,
            comments=comments or None,
            quote_consent=consent,
            submitted_at=stamp(date(2025, 12, 28)),
        )
    )


def _award(delegate: Delegate, admin: User) -> tuple[Award, list[dict]]:
    """The delegate's award, priced by pricing's own rule (the fare table's ticket, the
    DSA of the sessions served); returns it with its estimate's lines."""
    db.session.add(delegate)
    db.session.flush()  # the delegate's id is in the award's reference
    award = pricing.ensure_award(delegate)
    award.created_at = stamp(date(2025, 10, 1))
    q = pricing.quote(delegate, fares=costs.AIRFARE)
    pricing.apply_quote(award, q, admin)
    return award, [line.columns() for line in q.lines]


def _application(past: Meeting, state: State) -> Application:
    """The State's application to the past meeting, serving every session."""
    iso3 = state.iso3
    app = Application(
        meeting=past,
        state=state,
        status=ApplicationStatus.DRAFT,
        language="fr" if iso3 in {"TCD", "SEN"} else "es" if iso3 in {"COL", "PER"} else "en",
        statement_planned=True,
        consent_personal_data=True,
        national_role="Article 5 update" if state.article5_deadline else None,
        created_at=stamp(date(2025, 9, 1)),
    )
    app.sessions = list(past.sessions)
    db.session.add(app)
    return app


def _delegate(
    app: Application, n: int, name: str, gender: Gender, function: str, first: bool
) -> Delegate:
    iso3 = app.state.iso3
    return Delegate(
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
        departure_city=CAPITALS[iso3],
        first_time=first,
        survivor=(name == "Lucía Quispe"),
    )


def _decide(award: Award, past: Meeting, admin: User, fate: str, estimate: list[dict]) -> None:
    """Take the award to `fate` through the workflow and the ledger, by their own rules."""
    if fate in {"rejected", "waitlisted"}:
        transition(award, AwardStatus(fate), admin)
        if fate == "rejected":
            award.decision_reason = "Two delegates from the region were already funded."
        return
    offered_on = date(2025, 10, 15)
    ledger.allocate(award, admin, on=offered_on)
    transition(award, AwardStatus.OFFERED, admin)
    award.offered_at = stamp(offered_on)
    award.offer_deadline = offered_on + timedelta(days=past.offer_response_days)
    settled = stamp(date(2025, 12, 20))
    if fate in {"declined", "expired"}:
        transition(award, AwardStatus(fate), None if fate == "expired" else admin)
        if fate == "declined":
            award.decline_reason = "Personal reasons"
        ledger.release(award, None if fate == "expired" else admin, reason=fate, at=settled)
        return
    transition(award, AwardStatus.ACCEPTED, None)
    award.responded_at = stamp(offered_on + timedelta(days=5))
    award.confirmed_departure_city = award.delegate.departure_city
    award.travel_out_on = past.starts_on - timedelta(days=1)
    award.travel_back_on = past.ends_on + timedelta(days=1)
    transition(award, AwardStatus(fate), admin)
    # Attended: ticket a little under estimate, DSA paid in full. No-show: ticket lost.
    actual = costs.actual(estimate, fate == "attended", D("87.40"))
    award.cost_lines.extend(AwardCostLine(stage=CostStage.ACTUAL, **line) for line in actual)
    reconciliation.reconcile(award, admin, at=settled)
    if fate == "attended":
        award.report_received_at = stamp(date(2025, 12, 28))
        _report(award, past, award.delegate.name)


def _past_history(past: Meeting, admin: User) -> tuple[int, int]:
    """The past MSP: PAST_DELEGATES' applications, awards and their fates."""
    states = {s.iso3: s for s in db.session.scalars(select(State))}
    apps: dict[str, Application] = {}
    for n, (iso3, name, gender, function, first, fate) in enumerate(PAST_DELEGATES, 1):
        state = states[iso3]
        if iso3 not in apps:
            apps[iso3] = _application(past, state)
        app = apps[iso3]
        award, estimate = _award(_delegate(app, n, name, gender, function, first), admin)
        if app.status == ApplicationStatus.DRAFT:
            transition(app, ApplicationStatus.SUBMITTED, None)
            app.submitted_at = stamp(date(2025, 9, 20))
            transition(app, ApplicationStatus.IN_REVIEW, admin)
        _decide(award, past, admin, fate, estimate)
    for app in apps.values():
        transition(app, ApplicationStatus.DECIDED, admin)
    return len(apps), len(PAST_DELEGATES)


def _fare_table() -> None:
    """The fare table pricing falls back on when no airfare is typed."""
    db.session.add_all(
        Airfare(region=region, amount=amount) for region, amount in costs.AIRFARE.items()
    )


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
    require_fresh("demo data not loaded")
    # One unit of work: the demo loads whole or not at all.
    with unit_of_work():
        past, upcoming = _meetings(today)
        db.session.add_all([past, upcoming])
        funds = _donors()
        norway = next(c.donor for c in funds if c.donor.short_name == "NO")
        admin = _accounts(norway)
        save_signatory(admin, SignatoryDetails(**names.SIGNATORY))
        applications, awards = _past_history(past, admin)
        _fare_table()
        applications += intersessional_queue(upcoming, today)
        # Submission links people in the live app; the demo writes its rows directly.
        people.link_pending(admin)
    return DemoResult(
        meetings=2, applications=applications, awards=awards, contributions=len(funds)
    )
