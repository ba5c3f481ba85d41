"""A large programme generated in bulk, for benchmarks: `flask seed-scale --years 20`.

Each year has an intersessional meeting in June and an MSP at the end of the year
(every fifth one a Review Conference); about 500 States apply to each meeting with two
delegates on average, and about 25 donors give some 50 contributions a year in their
own currencies, some earmarked. Past meetings carry their whole history: decisions,
allocations committed, then spent or released, letters, delegates' reports and the
audit trail; the next meeting is in review with offers outstanding.

The ORM's unit of work and the ledger's row locks would take hours at this size, so
rows are written with Core `insert()` executemany batches (SQLAlchemy's
"insertmanyvalues", with RETURNING ids in parameter order where children need them).
The ledger's rules are applied here in Python instead, in the same order the ledger
applies them (most restricted and soonest-expiring money first; spent then released on
reconciliation), and every contribution's `committed`/`spent` is written as the sum
of its allocation rows: `flask funds check` passes on the result.

Why 500 States and not 150: an application is one per State per meeting, so 20,000
applications over 40 meetings need 500 applicant States. The 197 reference States
are used first and the rest are generated (codes in lower case, never a real ISO code).

Letters are metadata (version, language, snapshot, verification code, sha256) with a
small placeholder PDF each: rendering 16,000 real letters would take about half an
hour and measure WeasyPrint, which the letters benchmark already does.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select

from sponsorship.accounts.services import hash_password
from sponsorship.core.errors import DomainError
from sponsorship.core.money import to_base
from sponsorship.documents.context import CostLine, LetterContext
from sponsorship.documents.letters import CODE_ALPHABET
from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    Application,
    AuditEvent,
    Award,
    AwardCostLine,
    Contribution,
    Delegate,
    DelegateReport,
    Donor,
    Letter,
    Meeting,
    MeetingSession,
    RegionalGroup,
    State,
    User,
    application_sessions,
    delegate_report_sessions,
)

D = Decimal
ZERO = D(0)

SCALE_PASSWORD = "scale-password"  # noqa: S105 - published benchmark credential
ADMIN_EMAIL = "admin@scale.test"

APPLICATIONS_PER_MEETING = 500
#: About one State in eleven sits a given meeting out.
STATES = 550
CONTRIBUTIONS_PER_YEAR = 50
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

AIRFARE = {
    RegionalGroup.AFRICAN: D("1450.00"),
    RegionalGroup.ASIA_PACIFIC: D("1850.00"),
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: D("1700.00"),
    RegionalGroup.EASTERN_EUROPEAN: D("650.00"),
    RegionalGroup.WESTERN_EUROPEAN_OTHERS: D("500.00"),
    RegionalGroup.NONE: D("1500.00"),
}

#: (name, short name, ISO alpha-3, currency, units of CHF per unit, around 2025)
DONORS = [
    ("Switzerland", "CH", "CHE", "CHF", D("1")),
    ("Norway", "NO", "NOR", "NOK", D("0.0792")),
    ("Germany", "DE", "DEU", "EUR", D("0.9381")),
    ("Australia", "AU", "AUS", "AUD", D("0.5227")),
    ("Netherlands", "NL", "NLD", "EUR", D("0.9381")),
    ("Canada", "CA", "CAN", "CAD", D("0.6120")),
    ("Austria", "AT", "AUT", "EUR", D("0.9381")),
    ("Belgium", "BE", "BEL", "EUR", D("0.9381")),
    ("Ireland", "IE", "IRL", "EUR", D("0.9381")),
    ("Italy", "IT", "ITA", "EUR", D("0.9381")),
    ("Japan", "JP", "JPN", "JPY", D("0.0056")),
    ("New Zealand", "NZ", "NZL", "NZD", D("0.4810")),
    ("Sweden", "SE", "SWE", "SEK", D("0.0815")),
    ("Denmark", "DK", "DNK", "DKK", D("0.1257")),
    ("Finland", "FI", "FIN", "EUR", D("0.9381")),
    ("France", "FR", "FRA", "EUR", D("0.9381")),
    ("Spain", "ES", "ESP", "EUR", D("0.9381")),
    ("United Kingdom", "GB", "GBR", "GBP", D("1.0830")),
    ("Luxembourg", "LU", "LUX", "EUR", D("0.9381")),
    ("Slovenia", "SI", "SVN", "EUR", D("0.9381")),
    ("Chile", "CL", "CHL", "USD", D("0.8845")),
    ("Mexico", "MX", "MEX", "USD", D("0.8845")),
    ("Qatar", "QA", "QAT", "USD", D("0.8845")),
    ("Thailand", "TH", "THA", "USD", D("0.8845")),
    ("European Union", "EU", None, "EUR", D("0.9381")),
]

SESSIONS = {
    "msp": [
        ("Opening and general exchange of views", "general"),
        ("Article 5 extension requests", "mine_clearance"),
        ("Victim assistance", "victim_assistance"),
        ("Universalization", "universalization"),
    ],
    "intersessional": [
        ("Committee on Article 5 Implementation", "mine_clearance"),
        ("Committee on Victim Assistance", "victim_assistance"),
        ("Committee on Article 4 Implementation", "stockpile_destruction"),
        ("Committee on the Enhancement of Cooperation and Assistance", "general"),
    ],
}

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

#: A one-page PDF, filled in per letter (see `_placeholder_pdf`).
_PDF_OBJECTS = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    " /Resources << /Font << /F1 5 0 R >> >> >>",
    None,  # the content stream
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]


def _placeholder_pdf(reference: str, version: int) -> bytes:
    """A valid one-page PDF naming the award: scale data stores letters' metadata, and
    a real letter per award would measure WeasyPrint rather than the pages under test."""
    text = f"Scale data: award letter {reference}, version {version}"
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET"
    objects = list(_PDF_OBJECTS)
    objects[3] = f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _stamp(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _insert(model_or_table: Any, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert `rows` in executemany batches; with `returning`, their new ids in order."""
    if not rows:
        return []
    table = getattr(model_or_table, "__table__", model_or_table)
    if not returning:
        db.session.execute(sa.insert(table), rows)
        return []
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


@dataclass(frozen=True)
class ScaleResult:
    meetings: int
    states: int
    applications: int
    delegates: int
    awards: int
    contributions: int
    allocations: int
    letters: int
    reports: int
    audit_events: int
    users: int


@dataclass
class _Fund:
    """A contribution as the generator's ledger sees it."""

    id: int
    reference: str
    donor: int
    received_on: date | None
    spend_by: date | None
    year: int | None
    kind: str | None
    region: str | None
    base: Decimal
    committed: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def restrictions(self) -> int:
        return sum(v is not None for v in (self.year, self.kind, self.region))

    def allows(self, kind: str, year: int, region: str, on: date) -> bool:
        return (
            self.received_on is not None
            and self.received_on <= on
            and (self.spend_by is None or self.spend_by >= on)
            and self.year in (None, year)
            and self.kind in (None, kind)
            and self.region in (None, region)
        )

    @property
    def available(self) -> Decimal:
        return self.base - self.committed - self.spent

    def priority(self) -> tuple:
        # ledger.PRIORITY: the most restricted, then the soonest to expire, money first.
        return (
            -self.restrictions,
            self.spend_by is None,
            self.spend_by or date.max,
            self.received_on or date.max,
            self.id,
        )


@dataclass
class _Run:
    rng: random.Random
    today: date
    base_currency: str
    public_url: str
    admin_ids: list[int] = field(default_factory=list)
    applicant_of: dict[int, int] = field(default_factory=dict)
    funds: list[_Fund] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    audit: list[dict] = field(default_factory=list)

    def event(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        obj: str,
        obj_id: int,
        before: dict | None = None,
        after: dict | None = None,
    ) -> None:
        self.audit.append(
            {
                "at": at,
                "actor_id": actor,
                "action": action,
                "object_type": obj,
                "object_id": obj_id,
                "before": before,
                "after": after,
            }
        )

    def admin(self) -> int:
        return self.rng.choice(self.admin_ids)

    def code(self) -> str:
        while True:
            raw = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def flush_audit(self) -> None:
        self.counts["audit_events"] += len(self.audit)
        _insert(AuditEvent, self.audit)
        self.audit = []


# --- Reference data: States, accounts, donors, meetings, contributions ----------------

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _states(run: _Run, wanted: int) -> list[tuple[int, str, str]]:
    """(id, iso3, region) of `wanted` States: the reference ones, then generated ones."""
    existing = db.session.execute(
        select(State.id, State.iso3, State.regional_group).order_by(State.id)
    ).all()
    missing = wanted - len(existing)
    if missing > 0:
        regions = list(RegionalGroup)
        rows = []
        for i in range(missing):
            rng = run.rng
            rows.append(
                {
                    "iso3": "x" + DIGITS[i // 36 % 36] + DIGITS[i % 36],
                    "name": f"Scale State {i + 1:03d}",
                    "regional_group": regions[i % 5],
                    "convention_status": "state_party" if rng.random() < 0.85 else "not_party",
                    "entry_into_force": date(1999 + rng.randrange(20), 3, 1),
                    "article5_deadline": date(2026 + rng.randrange(10), 12, 31)
                    if rng.random() < 0.4
                    else None,
                    "article5_extension_pending": rng.random() < 0.1,
                    "article4_stockpile_pending": rng.random() < 0.05,
                    "significant_survivors": rng.random() < 0.3,
                    "ldc": rng.random() < 0.3,
                    "oda_eligible": rng.random() < 0.7,
                    "mission_address": f"Permanent Mission of Scale State {i + 1:03d}\nGeneva",
                }
            )
        _insert(State, rows)
        existing = db.session.execute(
            select(State.id, State.iso3, State.regional_group).order_by(State.id)
        ).all()
    return [(sid, iso3, RegionalGroup(region).value) for sid, iso3, region in existing[:wanted]]


def _accounts(run: _Run, states: list[tuple[int, str, str]], donor_ids: list[int]) -> None:
    # One Argon2 hash for every account: hashing 600 passwords would take a minute and
    # prove nothing; each account still logs in through the real check.
    password = hash_password(SCALE_PASSWORD)
    created = _stamp(run.today - timedelta(days=365 * 21))
    admins = [
        {
            "email": ADMIN_EMAIL if n == 0 else f"admin{n + 1}@scale.test",
            "name": f"ISU officer {n + 1}",
            "role": "administrator",
        }
        for n in range(4)
    ]
    applicants = [
        {
            "email": f"applicant.{iso3.lower()}@scale.test",
            "name": f"Focal point {iso3}",
            "role": "applicant",
            "state_id": sid,
        }
        for sid, iso3, _region in states
    ]
    donors = [
        {
            "email": f"donor{n + 1}@scale.test",
            "name": f"Donor representative {n + 1}",
            "role": "donor",
            "donor_id": did,
        }
        for n, did in enumerate(donor_ids)
    ]
    rows = [
        {
            "state_id": None,
            "donor_id": None,
            "password_hash": password,
            "locale": "en",
            "active": True,
            "created_at": created,
            **row,
        }
        for row in admins + applicants + donors
    ]
    ids = _insert(User, rows, returning=True)
    run.admin_ids = ids[: len(admins)]
    for row, uid in zip(rows, ids, strict=True):
        if row["role"] == "applicant":
            run.applicant_of[row["state_id"]] = uid
    run.counts["users"] = len(rows)


def _donors(run: _Run, first_year: int) -> list[int]:
    created = _stamp(date(first_year - 1, 12, 1))
    return _insert(
        Donor,
        [
            {
                "name": name,
                "short_name": short,
                "country_iso3": iso3,
                "org_identifier": f"XM-DAC-{iso3 or short}",
                "created_at": created,
            }
            for name, short, iso3, _currency, _rate in DONORS
        ],
        returning=True,
    )


def _schedule(today: date, years: int) -> list[tuple[str, date, int]]:
    """(kind, first day, days) of 2 x `years` meetings: one in June, one at the end of the
    year, the last being the first that starts after `today` (the one in review)."""
    dates = [
        (kind, date(year, month, day), days)
        for year in range(today.year - years - 1, today.year + 2)
        for kind, month, day, days in (("intersessional", 6, 16, 4), ("msp", 11, 24, 5))
    ]
    upcoming = next(n for n, (_kind, starts, _days) in enumerate(dates) if starts > today)
    return dates[upcoming - 2 * years + 1 : upcoming + 1]


def _meetings(run: _Run, schedule: list[tuple[str, date, int]]) -> list[dict]:
    rows = []
    msp_number = 1
    last_year = schedule[-1][1].year
    for kind, starts, days in schedule:
        year = starts.year
        review = kind == "msp" and year % 5 == 4
        title = (
            f"Intersessional Meetings {year}"
            if kind == "intersessional"
            else f"Review Conference {year}"
            if review
            else f"Meeting of the States Parties {msp_number} ({year})"
        )
        opens, closes = starts - timedelta(days=150), starts - timedelta(days=75)
        if starts > run.today:
            # The meeting in review: its window has closed, its queue is being decided.
            opens = min(opens, run.today - timedelta(days=60))
            closes = min(closes, run.today - timedelta(days=14))
        rows.append(
            {
                "kind": "review_conference" if review else kind,
                "number": None if kind == "intersessional" else msp_number,
                "title": title,
                "venue": "Palais des Nations" if kind == "msp" else "CICG",
                "city": "Geneva",
                "starts_on": starts,
                "ends_on": starts + timedelta(days=days - 1),
                "applications_open_on": opens,
                "applications_close_on": closes,
                "window_open": False,
                "offer_response_days": 14,
                "dsa_rate": D("412.00") - D(2 * (last_year - year)),
                "dsa_currency": "CHF",
                "terminal_expenses": D("200.00"),
                "delegate_cap": 3,
                "report_due_days": 30,
                "_sessions": SESSIONS["msp" if kind == "msp" else "intersessional"],
            }
        )
        if kind == "msp":
            msp_number += 1
    ids = _insert(Meeting, [{k: v for k, v in r.items() if k[0] != "_"} for r in rows], True)
    sessions = []
    for meeting_id, row in zip(ids, rows, strict=True):
        row["id"] = meeting_id
        for n, (title, theme) in enumerate(row["_sessions"]):
            sessions.append(
                {
                    "meeting_id": meeting_id,
                    "title": title,
                    "theme": theme,
                    "held_on": row["starts_on"] + timedelta(days=n % 4),
                }
            )
    session_ids = _insert(MeetingSession, sessions, returning=True)
    by_meeting = defaultdict(list)
    for sid, s in zip(session_ids, sessions, strict=True):
        by_meeting[s["meeting_id"]].append(sid)
    for row in rows:
        row["session_ids"] = by_meeting[row["id"]]
    return rows


def _contributions(run: _Run, years: range, donor_ids: list[int]) -> None:
    rng = run.rng
    rows = []
    for year in years:
        for n in range(CONTRIBUTIONS_PER_YEAR):
            d = rng.randrange(len(DONORS))
            _name, short, _iso3, currency, rate = DONORS[d]
            # The rate drifts a little from year to year; stored to 10**-4 like a bank quote.
            rate = (rate * (D(1) + D(rng.randrange(-80, 81)) / 1000)).quantize(D("0.0001"))
            amount = D(rng.randrange(20, 160) * 1000)
            if currency in ("NOK", "SEK", "DKK"):
                amount *= 10
            elif currency == "JPY":
                amount *= 150
            pledged = date(year, 1, 5) + timedelta(days=rng.randrange(60))
            future = pledged > run.today
            cancelled = not future and rng.random() < 0.01
            received = (
                None if future or cancelled else pledged + timedelta(days=rng.randrange(10, 50))
            )
            if received is not None and received > run.today:
                received = None
            earmark = rng.random()
            row = {
                "donor_id": donor_ids[d],
                "reference": f"{short}-{year}-{n + 1:02d}",
                "status": "cancelled" if cancelled else "received" if received else "pledged",
                "currency": currency,
                "amount": amount,
                "exchange_rate": rate if received else None,
                "rate_date": received,
                "base_amount": to_base(amount, rate, run.base_currency) if received else None,
                "committed": ZERO,
                "spent": ZERO,
                "pledged_on": pledged,
                "received_on": received,
                "spend_by": date(year + 1, 12, 31) if rng.random() < 0.5 else None,
                "earmark_year": year if 0.55 < earmark < 0.7 else None,
                "earmark_meeting_kind": rng.choice(["msp", "intersessional"])
                if 0.7 <= earmark < 0.85
                else None,
                "earmark_region": rng.choice([r.value for r in AIRFARE if r.value != "none"])
                if earmark >= 0.85
                else None,
                "notes": None,
                "created_at": _stamp(pledged),
            }
            rows.append(row)
    ids = _insert(Contribution, rows, returning=True)
    for cid, row in zip(ids, rows, strict=True):
        if row["status"] == "received":
            run.funds.append(
                _Fund(
                    cid,
                    row["reference"],
                    row["donor_id"],
                    row["received_on"],
                    row["spend_by"],
                    row["earmark_year"],
                    row["earmark_meeting_kind"],
                    row["earmark_region"],
                    row["base_amount"],
                )
            )
        run.event(
            row["created_at"],
            run.admin_ids[0],
            "contribution.recorded",
            "Contribution",
            cid,
            after={
                "reference": row["reference"],
                "amount": str(row["amount"]),
                "currency": row["currency"],
            },
        )
    run.counts["contributions"] = len(rows)


# --- One meeting's applications, decisions and money ----------------------------------


@dataclass
class _Award:
    id: int
    reference: str
    region: str
    state_id: int
    app_id: int
    language: str
    delegate: dict
    estimate: Decimal
    lines: list[dict]
    fate: str = "pending"
    allocations: list[list] = field(default_factory=list)  # [fund, amount, alloc id]


def _meeting(run: _Run, meeting: dict, states: list[tuple[int, str, str]]) -> None:
    rng = run.rng
    # Every meeting but the last has been held; the last one is in review.
    past = meeting["starts_on"] <= run.today
    in_review = not past
    kind = meeting["kind"]
    year = meeting["starts_on"].year
    opened, closes = meeting["applications_open_on"], meeting["applications_close_on"]
    chosen = rng.sample(states, APPLICATIONS_PER_MEETING)
    apps = []
    for sid, iso3, region in chosen:
        day = opened + timedelta(days=rng.randrange(max(1, (closes - opened).days)))
        lang = rng.choices(["en", "fr", "es"], [6, 3, 2])[0]
        withdrawn = rng.random() < 0.01
        status = (
            "withdrawn"
            if withdrawn
            else "decided"
            if past
            else "in_review"
            if in_review and rng.random() < 0.4
            else "submitted"
        )
        apps.append(
            {
                "meeting_id": meeting["id"],
                "state_id": sid,
                "status": status,
                "language": lang,
                "statement_planned": rng.random() < 0.4,
                "presentation_planned": rng.random() < 0.1,
                "national_role": rng.choice([None, "Article 5 update", "Co-chair", None]),
                "consent_personal_data": True,
                "note_path": None,
                "note_filename": f"note-verbale-{iso3}-{year}.pdf",
                "created_by_id": run.applicant_of[sid],
                "created_at": _stamp(day),
                "submitted_at": _stamp(day + timedelta(days=1), 15),
                "_region": region,
                "_iso3": iso3,
            }
        )
    app_ids = _insert(
        Application, [{k: v for k, v in a.items() if k[0] != "_"} for a in apps], True
    )
    run.counts["applications"] += len(app_ids)
    sessions, delegates = [], []
    for app_id, a in zip(app_ids, apps, strict=True):
        a["id"] = app_id
        for sid in rng.sample(meeting["session_ids"], rng.randint(1, 3)):
            sessions.append({"application_id": app_id, "session_id": sid})
        run.event(
            a["submitted_at"],
            a["created_by_id"],
            "status",
            "Application",
            app_id,
            {"status": "draft"},
            {"status": "submitted"},
        )
        if a["status"] in ("decided", "in_review"):
            run.event(
                a["submitted_at"] + timedelta(days=20),
                run.admin(),
                "status",
                "Application",
                app_id,
                {"status": "submitted"},
                {"status": "in_review"},
            )
        for position in range(rng.choices([1, 2, 3], [3, 4, 3])[0]):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            function, organisation = rng.choice(FUNCTIONS)
            delegates.append(
                {
                    "application_id": app_id,
                    "position": position,
                    "name": f"{first} {last}",
                    "gender": rng.choices(
                        ["female", "male", "other", "undisclosed"], [45, 50, 2, 3]
                    )[0],
                    "function": function,
                    "organisation": organisation,
                    "email": f"{first.lower()}.{last.lower()}.{app_id}.{position}@example.org",
                    "phone": f"+41 22 {rng.randrange(100, 999)} {rng.randrange(10, 99)} 00",
                    "nationality": a["_iso3"].upper(),
                    "passport_number": f"P{app_id:07d}{position}",
                    "passport_expiry": meeting["ends_on"]
                    + timedelta(days=rng.randrange(200, 3000)),
                    "departure_city": "Capital",
                    "first_time": rng.random() < 0.3,
                    "survivor": rng.random() < 0.05,
                    "accessibility_needs": None,
                    "_app": a,
                }
            )
    _insert(application_sessions, sessions)
    delegate_ids = _insert(
        Delegate, [{k: v for k, v in d.items() if k[0] != "_"} for d in delegates], True
    )
    run.counts["delegates"] += len(delegate_ids)
    # Awards exist once a delegate is priced: every delegate of a past meeting, and the
    # delegates of applications in review now.
    priced = [
        (did, d)
        for did, d in zip(delegate_ids, delegates, strict=True)
        if d["_app"]["status"] in ("decided", "in_review")
    ]
    nights = (meeting["ends_on"] - meeting["starts_on"]).days + 1
    code = {"msp": "MSP", "intersessional": "IS", "review_conference": "RC"}[meeting["kind"]]
    award_rows, awards = [], []
    for n, (did, d) in enumerate(priced, start=1):
        a = d["_app"]
        reference = f"SP-{year}-{code}{meeting['number'] or ''}-{n:04d}"
        priced_at = a["submitted_at"] + timedelta(days=21)
        fare = AIRFARE[RegionalGroup(a["_region"])]
        lines = [
            {
                "kind": "airfare",
                "stage": "estimate",
                "description": "Economy return ticket",
                "quantity": D(1),
                "unit_amount": fare,
                "amount": fare,
            },
            {
                "kind": "dsa",
                "stage": "estimate",
                "description": f"DSA {nights} nights",
                "quantity": D(nights),
                "unit_amount": meeting["dsa_rate"],
                "amount": meeting["dsa_rate"] * nights,
            },
            {
                "kind": "terminal",
                "stage": "estimate",
                "description": "Terminal expenses",
                "quantity": D(1),
                "unit_amount": meeting["terminal_expenses"],
                "amount": meeting["terminal_expenses"],
            },
        ]
        awards.append(
            _Award(
                0,
                reference,
                a["_region"],
                a["state_id"],
                a["id"],
                a["language"],
                d,
                sum((line["amount"] for line in lines), ZERO),
                lines,
            )
        )
        award_rows.append(
            {
                "delegate_id": did,
                "reference": reference,
                "status": "pending",
                "created_at": priced_at,
            }
        )
    _decide(run, meeting, awards, kind, year, past, in_review)
    for row, award in zip(award_rows, awards, strict=True):
        # executemany needs the same keys in every row
        row.update(dict.fromkeys(AWARD_COLUMNS), **award.delegate.get("_award_columns", {}))
        row["status"] = award.fate
    award_ids = _insert(Award, award_rows, returning=True)
    run.counts["awards"] += len(award_ids)
    cost_lines = []
    for award_id, award in zip(award_ids, awards, strict=True):
        award.id = award_id
        for line in award.lines:
            cost_lines.append({"award_id": award_id, **line})
    _insert(AwardCostLine, cost_lines)
    _money(run, meeting, awards)
    _letters_and_reports(run, meeting, awards)
    for a in apps:
        if a["status"] == "decided":
            run.event(
                _stamp(meeting["starts_on"] - timedelta(days=45)),
                run.admin(),
                "status",
                "Application",
                a["id"],
                {"status": "in_review"},
                {"status": "decided"},
            )
        elif a["status"] == "withdrawn":
            run.event(
                a["submitted_at"] + timedelta(days=5),
                a["created_by_id"],
                "status",
                "Application",
                a["id"],
                {"status": "submitted"},
                {"status": "withdrawn"},
            )
    run.flush_audit()


def _fund(award: _Award, candidates: list[_Fund]) -> bool:
    """Commit the award's estimate as the ledger would, or leave it unfunded (False).

    `candidates` are the funds the award's earmarks allow, in the ledger's priority order.
    """
    takes, remaining = [], award.estimate
    for f in candidates:
        available = f.available
        if available <= 0:
            continue
        take = min(available, remaining)
        takes.append((f, take))
        remaining -= take
        if remaining == 0:
            break
    if remaining > 0:
        return False
    for f, take in takes:
        f.committed += take
        award.allocations.append([f, take, "committed"])
    return True


def _decide(
    run: _Run,
    meeting: dict,
    awards: list[_Award],
    kind: str,
    year: int,
    past: bool,
    in_review: bool,
) -> None:
    """Each award's fate, the money it commits, and the dates that go with them."""
    rng = run.rng
    offered_on = meeting["starts_on"] - timedelta(days=50)
    if not past:
        # Offers went out a few days ago; their deadlines are still ahead.
        offered_on = min(offered_on, run.today - timedelta(days=3))
    allowed = {
        region: sorted(
            (f for f in run.funds if f.allows(kind, year, region, offered_on)),
            key=_Fund.priority,
        )
        for region in {a.region for a in awards}
    }
    for award in awards:
        roll = rng.random()
        columns: dict[str, Any] = {}
        award.delegate["_award_columns"] = columns
        if not past and roll < 0.5:
            continue  # priced, decision pending
        wants_offer = roll < (0.45 if past else 0.75)
        if wants_offer and _fund(award, allowed[award.region]):
            columns["offered_at"] = _stamp(offered_on, 10)
            columns["offer_deadline"] = offered_on + timedelta(days=meeting["offer_response_days"])
            if not past:
                award.fate = "offered"
                continue
            answer = rng.random()
            columns["responded_at"] = _stamp(offered_on + timedelta(days=rng.randrange(2, 13)))
            if answer < 0.20:
                award.fate = "declined"
                columns["decline_reason"] = "Personal and logistic reasons"
            elif answer < 0.32:
                award.fate = "expired"
                columns["responded_at"] = None
            else:
                award.fate = "attended" if rng.random() < 0.92 else "no_show"
                columns["confirmed_departure_city"] = "Capital"
                columns["travel_out_on"] = meeting["starts_on"] - timedelta(days=1)
                columns["travel_back_on"] = meeting["ends_on"] + timedelta(days=1)
                settle_day = meeting["ends_on"] + timedelta(days=20)
                if settle_day < run.today:
                    columns["reconciled_at"] = _stamp(settle_day, 16)
                    if award.fate == "attended" and rng.random() < 0.9:
                        columns["report_received_at"] = _stamp(
                            meeting["ends_on"] + timedelta(days=14)
                        )
        elif wants_offer or roll < (0.65 if past else 0.9):
            # Unfunded or placed on the waiting list; after the meeting nobody is reached.
            award.fate = "rejected" if past else "waitlisted"
            if past:
                columns["decision_reason"] = "Not reached on the waiting list before the meeting."
        else:
            award.fate = "rejected"
            columns["decision_reason"] = "Priorities of the donors' group were met by others."


def _money(run: _Run, meeting: dict, awards: list[_Award]) -> None:
    """Allocation rows, actual costs, reconciliation and their audit events."""
    rng = run.rng
    actual_lines = []
    for award in awards:
        columns = award.delegate["_award_columns"]
        offered_at = columns.get("offered_at")
        if award.fate != "pending":
            at = offered_at or _stamp(meeting["starts_on"] - timedelta(days=50), 10)
            run.event(
                at,
                run.admin(),
                "status",
                "Award",
                award.id,
                {"status": "pending"},
                {"status": "offered" if offered_at else award.fate},
            )
        if not award.allocations:
            continue
        # Offered: committed. Declined or expired: released. Attended or missed: the
        # actual costs spent from the allocations once reconciled, the rest released.
        if award.fate in ("declined", "expired"):
            at = columns["responded_at"] or _stamp(columns["offer_deadline"] + timedelta(days=1))
            actor = None if award.fate == "expired" else run.applicant_of[award.state_id]
            run.event(
                at,
                actor,
                "status",
                "Award",
                award.id,
                {"status": "offered"},
                {"status": award.fate},
            )
            for alloc in award.allocations:
                alloc[2] = "released"
                alloc[0].committed -= alloc[1]
            continue
        if award.fate not in ("attended", "no_show"):
            continue
        run.event(
            columns["responded_at"],
            run.applicant_of[award.state_id],
            "status",
            "Award",
            award.id,
            {"status": "offered"},
            {"status": "accepted"},
        )
        run.event(
            _stamp(meeting["ends_on"] + timedelta(days=3)),
            run.admin(),
            "status",
            "Award",
            award.id,
            {"status": "accepted"},
            {"status": award.fate},
        )
        estimate = {line["kind"]: line for line in award.lines}
        ticket = estimate["airfare"]["amount"] - D(rng.randrange(0, 20000)) / 100
        actual = [
            {
                "kind": "airfare",
                "description": "Ticket as invoiced",
                "quantity": D(1),
                "unit_amount": ticket,
                "amount": ticket,
            }
        ]
        if award.fate == "attended":
            actual += [
                {k: v for k, v in estimate[kind].items() if k != "stage"}
                for kind in ("dsa", "terminal")
            ]
        for line in actual:
            actual_lines.append({"award_id": award.id, "stage": "actual", **line})
        if not columns.get("reconciled_at"):
            continue
        # Spent in allocation order, the rest released: a partly spent allocation is a
        # spent row plus a released row, as `ledger.reconcile` leaves them.
        to_spend = sum((line["amount"] for line in actual), ZERO)
        split = []
        for f, take, _status in award.allocations:
            used = min(take, to_spend)
            to_spend -= used
            f.committed -= take
            f.spent += used
            split.append((f, used, take - used))
        award.allocations = [[f, used, "spent"] for f, used, _rest in split if used] + [
            [f, rest, "released"] for f, _used, rest in split if rest
        ]
    alloc_rows, alloc_meta = [], []
    for award in awards:
        columns = award.delegate["_award_columns"]
        for f, amount, status in award.allocations:
            settled_at = (
                None
                if status == "committed"
                else columns.get("reconciled_at")
                or columns.get("responded_at")
                or _stamp(columns["offer_deadline"] + timedelta(days=1))
            )
            alloc_rows.append(
                {
                    "contribution_id": f.id,
                    "award_id": award.id,
                    "amount": amount,
                    "status": status,
                    "created_at": columns["offered_at"],
                    "settled_at": settled_at,
                    "created_by_id": run.admin(),
                }
            )
            alloc_meta.append((award, f, status, settled_at))
    ids = _insert(Allocation, alloc_rows, returning=True)
    run.counts["allocations"] += len(ids)
    for alloc_id, (award, f, status, settled_at) in zip(ids, alloc_meta, strict=True):
        run.event(
            award.delegate["_award_columns"]["offered_at"],
            run.admin(),
            "ledger.commit",
            "Allocation",
            alloc_id,
            after={"award": award.reference, "contribution": f.reference},
        )
        if status != "committed":
            action = "ledger.spend" if status == "spent" else "ledger.release"
            run.event(
                settled_at,
                run.admin(),
                action,
                "Allocation",
                alloc_id,
                {"status": "committed"},
                {"status": status},
            )
    for award in awards:
        reconciled = award.delegate["_award_columns"].get("reconciled_at")
        if reconciled:
            run.event(reconciled, run.admin(), "award.reconcile", "Award", award.id)
    _insert(AwardCostLine, actual_lines)


def _letters_and_reports(run: _Run, meeting: dict, awards: list[_Award]) -> None:
    letters, reports, report_ids_for = [], [], []
    for award in awards:
        columns = award.delegate["_award_columns"]
        if not columns.get("offered_at"):
            continue
        issued = columns["offered_at"] + timedelta(minutes=5)
        code = run.code()
        state = award.delegate["_app"]
        ctx = LetterContext(
            reference=award.reference,
            version=1,
            language=award.language,
            issue_date=issued.date().isoformat(),
            state_name=state["_iso3"],
            addressee=f"Permanent Mission ({state['_iso3']})",
            address_lines=("Geneva",),
            delegate_name=award.delegate["name"],
            delegate_function=award.delegate["function"],
            meeting_title=meeting["title"],
            meeting_start=meeting["starts_on"].isoformat(),
            meeting_end=meeting["ends_on"].isoformat(),
            venue=meeting["venue"],
            city=meeting["city"],
            departure_city="Capital",
            currency=run.base_currency,
            cost_lines=tuple(
                CostLine(
                    line["kind"],
                    line["description"],
                    str(line["quantity"]),
                    f"{line['unit_amount']:.2f}",
                    f"{line['amount']:.2f}",
                )
                for line in award.lines
            ),
            total=f"{award.estimate:.2f}",
            dsa_nights=int(award.lines[1]["quantity"]),
            dsa_rate=f"{meeting['dsa_rate']:.2f}",
            terminal_expenses=f"{meeting['terminal_expenses']:.2f}",
            visa_covered=False,
            report_due_days=meeting["report_due_days"],
            answer_deadline=columns["offer_deadline"].isoformat(),
            answer_url=f"{run.public_url}/apply/awards/{award.id}",
            verification_code=code,
            verification_url=f"{run.public_url}/verify/{code}",
            signatory_name="Sponsorship Programme",
            signatory_title="Implementation Support Unit",
        )
        pdf = _placeholder_pdf(award.reference, 1)
        letters.append(
            {
                "award_id": award.id,
                "version": 1,
                "language": award.language,
                "status": "valid",
                "sha256": hashlib.sha256(pdf).hexdigest(),
                "pdf": pdf,
                "snapshot": ctx.to_dict(),
                "verification_code": code,
                "issued_at": issued,
                "issued_by_id": run.admin(),
                "superseded_at": None,
            }
        )
        if columns.get("report_received_at"):
            reports.append(
                {
                    "award_id": award.id,
                    "statement_delivered": run.rng.random() < 0.5,
                    "comments": "Attended every session of the Committee.",
                    "submitted_by_id": run.applicant_of[award.state_id],
                    "submitted_at": columns["report_received_at"],
                }
            )
            report_ids_for.append(award)
    letter_ids = _insert(Letter, letters, returning=True)
    run.counts["letters"] += len(letter_ids)
    for letter_id, row in zip(letter_ids, letters, strict=True):
        run.event(
            row["issued_at"],
            row["issued_by_id"],
            "letter.issued",
            "Letter",
            letter_id,
            after={"version": 1, "sha256": row["sha256"], "code": row["verification_code"]},
        )
    ids = _insert(DelegateReport, reports, returning=True)
    run.counts["reports"] += len(ids)
    sessions = meeting["session_ids"]
    _insert(
        delegate_report_sessions,
        [{"report_id": rid, "session_id": sid} for rid in ids for sid in sessions[:2]],
    )


def _balances(run: _Run) -> None:
    db.session.execute(
        sa.update(Contribution.__table__).where(
            Contribution.__table__.c.id == sa.bindparam("fund_id")
        ),
        [{"fund_id": f.id, "committed": f.committed, "spent": f.spent} for f in run.funds],
    )


def seed_scale(
    years: int = 20, seed: int = 1, today: date | None = None, public_url: str | None = None
) -> ScaleResult:
    """Generate `years` of programme up to `today` in one transaction; refuses a
    database that already holds meetings or accounts. The same seed and `today` give
    the same rows."""
    if years < 1:
        raise DomainError("--years must be at least 1")
    today = today or date.today()
    if db.session.scalar(select(func.count(State.id))) == 0:
        raise DomainError("load the States first: flask --app sponsorship states load")
    if db.session.scalar(select(func.count(Meeting.id))) or db.session.scalar(
        select(func.count(User.id))
    ):
        raise DomainError("the database already holds meetings or accounts; nothing generated")
    run = _Run(
        random.Random(seed),
        today,
        current_app.config["BASE_CURRENCY"],
        (public_url or current_app.config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/"),
    )
    schedule = _schedule(today, years)
    span = range(schedule[0][1].year, today.year + 1)
    try:
        states = _states(run, STATES)
        donor_ids = _donors(run, span.start)
        _accounts(run, states, donor_ids)
        _contributions(run, span, donor_ids)
        meetings = _meetings(run, schedule)
        for meeting in meetings:
            _meeting(run, meeting, states)
        _balances(run)
        run.flush_audit()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    c = run.counts
    return ScaleResult(
        meetings=len(meetings),
        states=len(states),
        applications=c["applications"],
        delegates=c["delegates"],
        awards=c["awards"],
        contributions=c["contributions"],
        allocations=c["allocations"],
        letters=c["letters"],
        reports=c["reports"],
        audit_events=c["audit_events"],
        users=c["users"],
    )


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (what autovacuum does later).

    On the session's own connection: a second one would wait on SQLite's write lock.
    """
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
