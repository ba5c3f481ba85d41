"""The applications and delegates of meetings the import creates, held as plain records
and written in a few batched statements (`bulk_write.insert_rows`), not as ORM objects:
twenty years are 38,000 delegates, and the ORM's bookkeeping of each (construction,
then the flush) cost more than half a minute. Nothing of such a meeting can be in the
database yet, so no row is looked for; the rows are as `award_sheets` would make them
(unaudited one by one: the import's own event and row say what it added). When every
delegate of one has a decision, the application is decided, as live: the same
transition table (`workflow.check_move`) and the same audit event, through the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from sponsorship.core.workflow import check_move
from sponsorship.extensions import db
from sponsorship.history import bulk_write
from sponsorship.history.ledger_plan import LedgerPlan
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    Delegate,
    Meeting,
    State,
    application_sessions,
)


@dataclass(eq=False)
class NewApplication:
    audit_type = "Application"

    meeting: Meeting
    state: State
    applied: datetime
    sessions: list = field(default_factory=list)
    delegates: list[NewDelegate] = field(default_factory=list)
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    id: int | None = None


@dataclass(eq=False)
class NewDelegate:
    application: NewApplication
    values: dict
    id: int | None = None
    #: Its award once written (read from the database when asked for).
    award_id: int | None = None
    _award: Award | None = None

    @property
    def name(self) -> str:
        return self.values["name"]

    @property
    def award(self) -> Award | None:
        if self._award is None and self.award_id is not None:
            self._award = db.session.get(Award, self.award_id)
        return self._award


def write(applications: list[NewApplication]) -> None:
    """Insert the applications, the sessions they serve and their delegates; the
    records learn their ids."""
    fresh = [a for a in applications if a.id is None]
    ids = bulk_write.inserted_ids(
        Application,
        [
            {
                "meeting_id": a.meeting.id,
                "state_id": a.state.id,
                "status": a.status,
                "language": "en",
                "consent_personal_data": True,
                "created_at": a.applied,
                "submitted_at": a.applied,
            }
            for a in fresh
        ],
    )
    for application, application_id in zip(fresh, ids, strict=True):
        application.id = application_id
    bulk_write.insert_rows(
        application_sessions,
        [{"application_id": a.id, "session_id": s.id} for a in fresh for s in a.sessions],
    )
    delegates = [d for a in fresh for d in a.delegates]
    ids = bulk_write.inserted_ids(
        Delegate, [{**d.values, "application_id": d.application.id} for d in delegates]
    )
    for delegate, delegate_id in zip(delegates, ids, strict=True):
        delegate.id = delegate_id


def decide(plan: LedgerPlan, applications: list[NewApplication]) -> None:
    """Move each application to decided, audited as `workflow.transition` does."""
    for application in applications:
        check_move(Application, application.status, ApplicationStatus.DECIDED)
        plan.audit(
            "status",
            application,
            before={"status": application.status},
            after={"status": ApplicationStatus.DECIDED},
        )
        application.status = ApplicationStatus.DECIDED
    ids = [a.id for a in applications]
    for start in range(0, len(ids), 1000):
        db.session.execute(
            sa.update(Application)
            .where(Application.id.in_(ids[start : start + 1000]))
            .values(status=ApplicationStatus.DECIDED)
            .execution_options(synchronize_session=False)
        )
