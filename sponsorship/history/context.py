"""What one import run knows: the records found or made so far, by their natural keys,
and what it added or found already present, per sheet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.funding.earmarks import Purpose
from sponsorship.history.ledger_plan import LedgerPlan
from sponsorship.history.reader import Row, Workbook
from sponsorship.models import Application, Delegate, Donor, Meeting, State, User


def moment(day: date) -> datetime:
    """A historical day as the moment the records store: noon UTC, the same day
    everywhere on Earth."""
    return datetime.combine(day, time(12), UTC)


@dataclass
class Context:
    actor: User | None
    book: Workbook
    meetings: dict[str, Meeting] = field(default_factory=dict)
    donors: dict[str, Donor] = field(default_factory=dict)
    states: dict[str, State] = field(default_factory=dict)
    delegates: dict[tuple[str, str, str], Delegate] = field(default_factory=dict)
    applications: dict[tuple[int, int], Application] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    #: Meetings this import creates: nothing of theirs can be in the database yet, so
    #: their applications and delegates are not looked for (a query, and a flush, each).
    created: set[int] = field(default_factory=set)
    #: The in-memory ledger the money rows go through (None: the live ledger, row by row).
    plan: LedgerPlan | None = None
    #: Each application's earmark purpose, by the application object's id().
    purposes: dict[int, Purpose] = field(default_factory=dict)
    added: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)

    def error(self, row: Row, column: str, message) -> None:
        self.book.error(row, column, message)

    def state(self, row: Row, column: str = "state") -> State | None:
        if not self.states:
            self.states = {s.iso3: s for s in db.session.scalars(select(State))}
        code = row[column] or ""
        found = self.states.get(code.upper()) or self.states.get(code)
        if found is None:
            self.error(row, column, _l("No State has this code."))
        return found

    def meeting(self, row: Row, column: str = "meeting") -> Meeting | None:
        found = self.meetings.get((row[column] or "").lower())
        if found is None and self.book.refused("meetings", code=row[column]):
            return None  # its own row's problem is reported
        if found is None:
            self.error(row, column, _l("No meeting on the meetings sheet has this code."))
        return found

    def delegate(self, row: Row) -> Delegate | None:
        meeting, state = self.meeting(row), self.state(row)
        if meeting is None or state is None:
            return None
        key = (row["meeting"].lower(), state.iso3, row["delegate"].lower())
        found = self.delegates.get(key)
        refused = self.book.refused(
            "delegates", meeting=row["meeting"], state=state.iso3, name=row["delegate"]
        )
        if found is None and not refused:
            self.error(
                row, "delegate", _l("No delegate of this State at this meeting has this name.")
            )
        return found
