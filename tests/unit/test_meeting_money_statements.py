"""The statements a meeting's pages build once per process (bind parameters, the
sessions' themes read by the statement itself) ask the same rule as the meeting's
`Purpose`: `earmarks.meeting_purpose_clauses` and `balances.meeting_available_total`."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from sponsorship.funding import balances, earmarks
from sponsorship.models import Contribution, MeetingKind, MeetingSession, Theme
from tests.factories import MeetingFactory
from tests.unit.test_ledger import TODAY, fund


def _meeting_and_funds(db):
    meeting = MeetingFactory(kind=MeetingKind.MSP)
    meeting.sessions.append(
        MeetingSession(title="Survivors", theme=Theme.VICTIM_ASSISTANCE, held_on=meeting.starts_on)
    )
    other = MeetingFactory()
    year = meeting.starts_on.year
    options = {
        "earmark_meeting": [None, meeting, other],
        "earmark_meeting_kind": [None, MeetingKind.MSP, MeetingKind.INTERSESSIONAL],
        "earmark_year": [None, year + 1],
        "earmark_theme": [
            None,
            Theme.MINE_CLEARANCE,
            Theme.VICTIM_ASSISTANCE,
            Theme.STOCKPILE_DESTRUCTION,
            Theme.UNIVERSALIZATION,
        ],
        "spend_by": [None, TODAY - timedelta(days=1)],
    }
    funds = [
        fund("100.00", reference=f"S{n}", **dict(zip(options, values, strict=True)))
        for n, values in enumerate(itertools.product(*options.values()))
    ]
    db.session.flush()
    return meeting, funds


def test_meeting_purpose_clauses_select_what_the_purpose_allows(db):
    meeting, funds = _meeting_and_funds(db)
    ids = [c.id for c in funds]
    found = set(
        db.session.scalars(
            select(Contribution.id).where(
                Contribution.id.in_(ids), *earmarks.meeting_purpose_clauses()
            ),
            earmarks.meeting_parameters(meeting, TODAY),
        )
    )
    purpose = earmarks.meeting_purpose(meeting)
    assert found == {c.id for c in funds if purpose.allows(c, TODAY)}
    assert found and len(found) < len(funds)  # neither case is vacuous


def test_meeting_available_total_sums_what_available_sums(db):
    meeting, _funds = _meeting_and_funds(db)
    total = db.session.scalar(
        balances.meeting_available_total(), earmarks.meeting_parameters(meeting, TODAY)
    )
    assert total == balances.available(meeting=meeting, on=TODAY)
    assert total > 0
