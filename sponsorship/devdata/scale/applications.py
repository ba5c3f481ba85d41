"""One meeting's applications, their delegates, and the awards priced for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sponsorship.devdata import costs
from sponsorship.devdata.clock import stamp
from sponsorship.devdata.scale.bulk import Run, insert, insert_ids
from sponsorship.models import (
    Application,
    Award,
    AwardCostLine,
    Delegate,
    Person,
    RegionalGroup,
    application_sessions,
)
from sponsorship.review import pricing
from sponsorship.review.pricing import Quote

APPLICATIONS_PER_MEETING = 500
#: How often a State's lead delegate is the person it sent the time before: focal
#: points come back, so the people sponsored are fewer than the participations.
RETURNING = 0.35
#: What a returning delegate keeps from one participation to the next.
IDENTITY = ("name", "gender", "function", "organisation", "email")
IDENTITY += ("passport_number", "passport_expiry")
#: The award columns a decision may set.
AWARD_COLUMNS = (
    "offered_at",
    "offer_deadline",
    "responded_at",
    "decision_reason",
    "decline_reason",
    "confirmed_departure_city",
    "travel_out_on",
    "travel_back_on",
    "report_received_at",
    "reconciled_at",
)

FIRST = [
    "Amina",
    "Sokha",
    "Idriss",
    "Lucía",
    "Dawit",
    "Nirmala",
    "Abdi",
    "Hodan",
    "Tendai",
    "Selam",
    "Dara",
    "Camila",
    "Zainab",
    "Oleksandr",
    "Moussa",
    "Awa",
    "Huda",
    "Andrés",
    "Fatimé",
    "Aung",
    "Mariam",
    "Jorge",
    "Ana",
    "Kofi",
    "Leila",
    "Tran",
    "Olga",
    "Rahim",
]
LAST = [
    "Chan",
    "Mahamat",
    "Abakar",
    "Diallo",
    "Rojas",
    "Perera",
    "Warsame",
    "Quispe",
    "Bekele",
    "Moyo",
    "Haile",
    "Sok",
    "Torres",
    "Hassan",
    "Ndiaye",
    "Sarr",
    "Keo",
    "Kovalenko",
    "Htet",
    "Yusuf",
    "Mensah",
    "Nguyen",
    "Petrenko",
    "Karimi",
    "Silva",
]
FUNCTIONS = [
    ("Director", "National Mine Action Centre"),
    ("Deputy Director", "Mine Action Authority"),
    ("Counsellor", "Permanent Mission"),
    ("Head of Victim Assistance", "Ministry of Health"),
    ("Adviser", "Ministry of Foreign Affairs"),
    ("Survivor advocate", "Survivors' network"),
    ("Operations officer", "Ministry of Defence"),
]


@dataclass
class PricedAward:
    """An award as the generator carries it from pricing to letters."""

    id: int
    reference: str
    state_id: int
    language: str
    delegate: dict
    estimate: Decimal
    lines: list[dict]
    fate: str = "pending"
    #: The award columns its decision set (see AWARD_COLUMNS).
    columns: dict = field(default_factory=dict)
    allocations: list[list] = field(default_factory=list)  # [fund, amount, status]


def held(run: Run, meeting: dict) -> bool:
    """Every meeting but the last has been held; the last one is in review."""
    return meeting["starts_on"] <= run.today


def _application(run: Run, meeting: dict, sid: int, iso3: str, region: str) -> dict:
    rng = run.rng
    opened, closes = meeting["applications_open_on"], meeting["applications_close_on"]
    day = opened + timedelta(days=rng.randrange(max(1, (closes - opened).days)))
    lang = rng.choices(["en", "fr", "es"], [6, 3, 2])[0]
    withdrawn = rng.random() < 0.01
    status = (
        "withdrawn"
        if withdrawn
        else "decided"
        if held(run, meeting)
        else "in_review"
        if rng.random() < 0.4
        else "submitted"
    )
    return {
        "meeting_id": meeting["id"],
        "state_id": sid,
        "status": status,
        "language": lang,
        "statement_planned": rng.random() < 0.4,
        "presentation_planned": rng.random() < 0.1,
        "national_role": rng.choice([None, "Article 5 update", "Co-chair", None]),
        "consent_personal_data": True,
        "note_path": None,
        "note_filename": f"note-verbale-{iso3}-{meeting['starts_on'].year}.pdf",
        "created_by_id": run.applicant_of[sid],
        "created_at": stamp(day),
        "submitted_at": stamp(day + timedelta(days=1), 15),
        "_region": region,
        "_iso3": iso3,
    }


def applications(run: Run, meeting: dict, states: list[tuple[int, str, str]]) -> list[dict]:
    """The meeting's applications, one per State drawn; each row gets its "id"."""
    chosen = run.rng.sample(states, APPLICATIONS_PER_MEETING)
    apps = [_application(run, meeting, sid, iso3, region) for sid, iso3, region in chosen]
    insert_ids(Application, apps)
    run.counts["applications"] += len(apps)
    return apps


def _delegate(run: Run, meeting: dict, a: dict, position: int) -> dict:
    rng = run.rng
    app_id = a["id"]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    function, organisation = rng.choice(FUNCTIONS)
    return {
        "application_id": app_id,
        "position": position,
        "name": f"{first} {last}",
        "gender": rng.choices(["female", "male", "other", "undisclosed"], [45, 50, 2, 3])[0],
        "function": function,
        "organisation": organisation,
        "email": f"{first.lower()}.{last.lower()}.{app_id}.{position}@example.org",
        "phone": f"+41 22 {rng.randrange(100, 999)} {rng.randrange(10, 99)} 00",
        "nationality": a["_iso3"].upper(),
        "passport_number": f"P{app_id:07d}{position}",
        "passport_expiry": meeting["ends_on"] + timedelta(days=rng.randrange(200, 3000)),
        "departure_city": "Capital",
        "first_time": rng.random() < 0.3,
        "survivor": rng.random() < 0.05,
        "accessibility_needs": None,
        "_app": a,
    }


def delegates(run: Run, meeting: dict, apps: list[dict]) -> list[dict]:
    """Each application's sessions served, its submission (and review) in the audit
    trail, and one to three delegates; each delegate row gets its "id"."""
    rng = run.rng
    sessions, rows = [], []
    for a in apps:
        served = rng.sample(meeting["session_ids"], rng.randint(1, 3))
        a["_days"] = [meeting["session_days"][sid] for sid in served]
        sessions.extend({"application_id": a["id"], "session_id": sid} for sid in served)
        run.status(
            a["submitted_at"], a["created_by_id"], "Application", a["id"], "draft", "submitted"
        )
        if a["status"] in ("decided", "in_review"):
            at = a["submitted_at"] + timedelta(days=20)
            run.status(at, run.admin(), "Application", a["id"], "submitted", "in_review")
        for position in range(rng.choices([1, 2, 3], [3, 4, 3])[0]):
            rows.append(_delegate(run, meeting, a, position))
    insert(application_sessions, sessions)
    _people(run, meeting, rows)
    insert_ids(Delegate, rows)
    run.counts["delegates"] += len(rows)
    return rows


def _people(run: Run, meeting: dict, rows: list[dict]) -> None:
    """Each delegate row's person, as the people rule (sponsorship/people/matching.py)
    would link it: a returning lead delegate keeps their papers and person; everyone
    else is a new person. Draws from `run.recur` only, so the other rows stay as
    they were before people existed."""
    fresh = []
    for row in rows:
        sid = row["_app"]["state_id"]
        before = run.lead_of.get(sid) if row["position"] == 0 else None
        if (
            before is not None
            and before["passport_expiry"] > meeting["ends_on"]
            and run.recur.random() < RETURNING
        ):
            row.update({key: before[key] for key in IDENTITY}, first_time=False)
            row["person_id"] = before["person_id"]
        else:
            fresh.append(row)
    people = [{"name": r["name"], "created_at": r["_app"]["submitted_at"]} for r in fresh]
    for row, person_id in zip(fresh, insert(Person, people, returning=True), strict=True):
        row["person_id"] = person_id
    for row in rows:
        if row["position"] == 0:
            run.lead_of[row["_app"]["state_id"]] = row
    run.counts["people"] += len(fresh)


def _estimate(meeting: dict, days: tuple, region: str) -> Quote:
    """Pricing's own rule: the fare table's ticket, the DSA of the sessions served."""
    return pricing.estimate(
        starts_on=meeting["starts_on"],
        ends_on=meeting["ends_on"],
        dsa_rate=meeting["dsa_rate"],
        terminal_expenses=meeting["terminal_expenses"],
        days=days,
        fare=costs.AIRFARE[RegionalGroup(region)],
    )


def price(meeting: dict, delegates: list[dict]) -> list[PricedAward]:
    """Awards exist once a delegate is priced: every delegate of a past meeting, and the
    delegates of applications in review now. They are written pending, with their
    estimate. The meeting's quotes are few (by the days served and the region), so each
    is priced once."""
    year, number = meeting["starts_on"].year, meeting["number"]
    priced = [d for d in delegates if d["_app"]["status"] in ("decided", "in_review")]
    quotes: dict[tuple, Quote] = {}
    awards, rows = [], []
    for d in priced:
        a = d["_app"]
        key = (tuple(sorted(a["_days"])), a["_region"])
        q = quotes.get(key)
        if q is None:
            q = quotes[key] = _estimate(meeting, *key)
        lines = [{"stage": "estimate", **line.columns()} for line in q.lines]
        reference = pricing.reference(meeting["kind"], year, number, d["id"])
        award = PricedAward(0, reference, a["state_id"], a["language"], d, q.total, lines)
        awards.append(award)
        rows.append(
            {
                "delegate_id": d["id"],
                "reference": award.reference,
                "status": "pending",
                "created_at": a["submitted_at"] + timedelta(days=21),
                **dict.fromkeys(AWARD_COLUMNS),
            }
        )
    for award_id, award in zip(insert(Award, rows, returning=True), awards, strict=True):
        award.id = award_id
    insert(AwardCostLine, [{"award_id": a.id, **line} for a in awards for line in a.lines])
    return awards


def close(run: Run, meeting: dict, apps: list[dict]) -> None:
    """The audit trail of the applications decided or withdrawn."""
    for a in apps:
        if a["status"] == "decided":
            at = stamp(meeting["starts_on"] - timedelta(days=45))
            run.status(at, run.admin(), "Application", a["id"], "in_review", "decided")
        elif a["status"] == "withdrawn":
            at = a["submitted_at"] + timedelta(days=5)
            run.status(at, a["created_by_id"], "Application", a["id"], "submitted", "withdrawn")
