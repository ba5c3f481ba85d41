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
Instead, the ledger's own rules (`sponsorship.funding.earmarks`: each award's purpose,
the earmarks it allows, the priority order, the plan of takes) run here over the
contributions held in memory; spent then released on reconciliation as the ledger
does, and every contribution's `committed`/`spent` is written as the sum of its
allocation rows: `flask funds check` passes on the result.

Why 500 States and not 150: an application is one per State per meeting, so 20,000
applications over 40 meetings need 500 applicant States. The 197 reference States
are used first and the rest are generated (codes in lower case, never a real ISO code).

The modules, in the order a run calls them: `people` (States and accounts), `funds`
(donors, contributions and the generator's books), `meetings`, then per meeting
`applications` (applications, delegates, awards priced), `decisions`, `money` and
`letters` (letters and reports); `bulk` is the writer they share.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from sponsorship.core.errors import DomainError
from sponsorship.devdata.fresh import require_fresh
from sponsorship.devdata.scale import applications, funds, meetings, people
from sponsorship.devdata.scale.applications import APPLICATIONS_PER_MEETING
from sponsorship.devdata.scale.bulk import Run
from sponsorship.devdata.scale.decisions import decide
from sponsorship.devdata.scale.funds import CONTRIBUTIONS_PER_YEAR, Books
from sponsorship.devdata.scale.letters import letters_and_reports
from sponsorship.devdata.scale.money import money
from sponsorship.devdata.scale.people import ADMIN_EMAIL, SCALE_PASSWORD
from sponsorship.extensions import db

__all__ = [
    "ADMIN_EMAIL",
    "APPLICATIONS_PER_MEETING",
    "CONTRIBUTIONS_PER_YEAR",
    "SCALE_PASSWORD",
    "ScaleResult",
    "analyze",
    "seed_scale",
]


@dataclass(frozen=True)
class ScaleResult:
    meetings: int
    states: int
    applications: int
    delegates: int
    people: int
    awards: int
    contributions: int
    allocations: int
    letters: int
    reports: int
    audit_events: int
    users: int


def _meeting(run: Run, meeting: dict, states: list[tuple[int, str, str]]) -> None:
    """One meeting's applications, decisions, money, letters and reports."""
    apps = applications.applications(run, meeting, states)
    delegates = applications.delegates(run, meeting, apps)
    awards = applications.price(meeting, delegates)
    run.counts["awards"] += len(awards)
    decide(run, meeting, awards)
    money(run, meeting, awards)
    letters_and_reports(run, meeting, awards)
    applications.close(run, meeting, apps)
    run.flush_audit()


def seed_scale(
    years: int = 20, seed: int = 1, today: date | None = None, public_url: str | None = None
) -> ScaleResult:
    """Generate `years` of programme up to `today` in one transaction; refuses a
    database that already holds meetings or accounts. The same seed and `today` give
    the same rows."""
    if years < 1:
        raise DomainError("--years must be at least 1")
    today = today or date.today()
    require_fresh("nothing generated")
    run = Run(
        random.Random(seed),
        today,
        current_app.config["BASE_CURRENCY"],
        (public_url or current_app.config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/"),
        Books(),
        recur=random.Random(f"people-{seed}"),
    )
    schedule = meetings.schedule(today, years)
    span = range(schedule[0][1].year, today.year + 1)
    try:
        states = people.states(run, people.STATES)
        donor_ids = funds.donors(span.start)
        people.accounts(run, states, donor_ids)
        funds.contributions(run, span, donor_ids)
        held = meetings.meetings(run, schedule)
        for meeting in held:
            _meeting(run, meeting, states)
        run.books.write_balances()
        run.flush_audit()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    c = run.counts
    return ScaleResult(
        meetings=len(held),
        states=len(states),
        applications=c["applications"],
        delegates=c["delegates"],
        people=c["people"],
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
