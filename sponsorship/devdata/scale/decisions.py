"""Each award's fate, the money its offer commits, and the dates that go with them.

The offer commits the estimate through the generator's books by the ledger's rules:
each award's `Purpose` is the ledger's own (`earmarks.award_purposes`), so every
earmark a contribution carries (meeting, kind, year, region, theme) is honoured.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sponsorship.devdata.clock import stamp
from sponsorship.devdata.scale.applications import AWARD_COLUMNS, PricedAward, held
from sponsorship.devdata.scale.bulk import Run, update
from sponsorship.funding.earmarks import Purpose, award_purposes
from sponsorship.models import Award


def _offer(run: Run, award: PricedAward, purpose: Purpose) -> bool:
    """Commit the award's estimate, or leave it unfunded (False)."""
    takes = run.books.commit(purpose, award.estimate)
    award.allocations = [[f, take, "committed"] for f, take in takes]
    return bool(takes)


def _answer(run: Run, meeting: dict, award: PricedAward, offered_on: date) -> None:
    """A past offer's answer: declined, expired, or accepted and then attended or missed
    (reconciled 20 days after the meeting, the report in for most who attended)."""
    rng, columns = run.rng, award.columns
    answer = rng.random()
    columns["responded_at"] = stamp(offered_on + timedelta(days=rng.randrange(2, 13)))
    if answer < 0.20:
        award.fate = "declined"
        columns["decline_reason"] = "Personal and logistic reasons"
        return
    if answer < 0.32:
        award.fate = "expired"
        columns["responded_at"] = None
        return
    award.fate = "attended" if rng.random() < 0.92 else "no_show"
    columns["confirmed_departure_city"] = "Capital"
    columns["travel_out_on"] = meeting["starts_on"] - timedelta(days=1)
    columns["travel_back_on"] = meeting["ends_on"] + timedelta(days=1)
    settle_day = meeting["ends_on"] + timedelta(days=20)
    if settle_day < run.today:
        columns["reconciled_at"] = stamp(settle_day, 16)
        if award.fate == "attended" and rng.random() < 0.9:
            columns["report_received_at"] = stamp(meeting["ends_on"] + timedelta(days=14))


def _decide_one(
    run: Run, meeting: dict, award: PricedAward, purpose: Purpose, offered_on: date
) -> None:
    past = held(run, meeting)
    roll = run.rng.random()
    columns: dict[str, Any] = award.columns
    if not past and roll < 0.5:
        return  # priced, decision pending
    wants_offer = roll < (0.45 if past else 0.75)
    if wants_offer and _offer(run, award, purpose):
        columns["offered_at"] = stamp(offered_on, 10)
        columns["offer_deadline"] = offered_on + timedelta(days=meeting["offer_response_days"])
        if past:
            _answer(run, meeting, award, offered_on)
        else:
            award.fate = "offered"
    elif wants_offer or roll < (0.65 if past else 0.9):
        # Unfunded or placed on the waiting list; after the meeting nobody is reached.
        award.fate = "rejected" if past else "waitlisted"
        if past:
            columns["decision_reason"] = "Not reached on the waiting list before the meeting."
    else:
        award.fate = "rejected"
        columns["decision_reason"] = "Priorities of the donors' group were met by others."


def decide(run: Run, meeting: dict, awards: list[PricedAward]) -> None:
    """Decide the meeting's awards on the day its offers went out, and write the fates."""
    offered_on = meeting["starts_on"] - timedelta(days=50)
    if not held(run, meeting):
        # Offers went out a few days ago; their deadlines are still ahead.
        offered_on = min(offered_on, run.today - timedelta(days=3))
    run.books.open_on(offered_on)
    purposes = award_purposes(award.id for award in awards)
    for award in awards:
        _decide_one(run, meeting, award, purposes[award.id], offered_on)
    update(
        Award,
        [
            {"id": a.id, "status": a.fate, **dict.fromkeys(AWARD_COLUMNS), **a.columns}
            for a in awards
            if a.fate != "pending"
        ],
    )
