"""Importing a history workbook: every sheet in one transaction, all or nothing.

The rows go through the live services (meetings, donors, contributions, the workflow's
transitions, the ledger), so the same rules hold for the past as for today: money is
committed only from contributions whose earmarks allow it and never over-committed,
and every change is audited. Each audit event the import writes is marked with the
workbook's sha256. A problem in any row is reported (sheet, row, column, what is
wrong) and nothing at all is kept; so is a dry run, which runs the whole import and
rolls it back. Rows whose record is already there (by natural key) are left alone, so
importing the same workbook again changes nothing.

Twenty years are some 90,000 rows: through the live ledger one by one (locks, reads,
a flush and a balance update per step) that took 999 s on SQLite. So the money rows
run the ledger's rules over balances held in memory (`ledger_plan`), the applications
and delegates of new meetings are plain records (`records`), and both are written in
batches (`bulk_write`); a test holds this path to the live one's books, row for row and
event for event (tests/unit/test_history_bulk.py). `bulk=False` keeps the live path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.history import award_sheets, bulk_sheets, bulk_write, funds_sheets, records
from sponsorship.history.context import Context
from sponsorship.history.ledger_plan import LedgerPlan
from sponsorship.history.reader import Row, RowError, read
from sponsorship.history.template import SHEETS
from sponsorship.mail import events as mail_events
from sponsorship.models import HistoryImport, User
from sponsorship.people import services as people

#: Sheets written first, whole, in this order: what the money events refer to.
RECORDS: dict[str, Callable[[Context, Row], None]] = {
    "meetings": funds_sheets.meeting_row,
    "donors": funds_sheets.donor_row,
    "delegates": award_sheets.delegate_row,
}
#: Sheets whose rows move money, written as one timeline in the order they happened
#: (on the same day: money in, then offers, then payments): an offer made in 2007 can
#: only use money received by then, as it could at the time.
TIMELINE: dict[str, Callable[[Context, Row], None]] = {
    "contributions": funds_sheets.contribution_row,
    "awards": award_sheets.award_row,
    "attendance": award_sheets.attendance_row,
}
#: The same sheets through the in-memory ledger plan, written in batches at the end
#: (`history.ledger_plan`, `history.bulk_write`): the import's usual path.
BULK_TIMELINE: dict[str, Callable[[Context, Row], None]] = {
    "contributions": funds_sheets.contribution_row,
    "awards": bulk_sheets.award_row,
    "attendance": bulk_sheets.attendance_row,
}


#: Where `core.audit.record` finds the mark it adds to every event of the import.
AUDIT_MARK = "audit_mark"


@dataclass
class Outcome:
    sha256: str
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def sheets(self) -> list[str]:
        """The sheets with rows, in the workbook's order."""
        return [s for s in SHEETS if s in self.added or s in self.present]

    @property
    def changed(self) -> bool:
        return self.ok and not self.dry_run and any(self.added.values())


class _Undo(Exception):
    """Raised inside the transaction to roll it back (dry run, or errors found)."""


def _safely(ctx: Context, writer: Callable[[Context, Row], None], row: Row) -> None:
    try:
        writer(ctx, row)
    except DomainError as error:
        ctx.error(row, "", str(error))


def _day(ctx: Context, row: Row):
    """The day a money row happened."""
    if row.sheet == "contributions":
        return row["received_on"] or row["pledged_on"]
    if row.sheet == "awards":
        return row["decided_on"]
    meeting = ctx.meetings.get((row["meeting"] or "").lower())
    return row["paid_on"] or (meeting.starts_on if meeting else date.min)


def _write(ctx: Context) -> None:
    for sheet, writer in RECORDS.items():
        for row in ctx.book.sheets.get(sheet, []):
            _safely(ctx, writer, row)
    if ctx.plan is not None:
        plain = [a for a in ctx.applications.values() if isinstance(a, records.NewApplication)]
        records.write(plain)
    db.session.flush()
    # The delegates are participations of people: linked by the same rule as a live
    # submission, in bulk (one event says how many, marked with the workbook's sha256).
    people.link_pending(ctx.actor)
    order = {sheet: n for n, sheet in enumerate(TIMELINE)}
    timeline = sorted(
        (row for sheet in TIMELINE for row in ctx.book.sheets.get(sheet, [])),
        key=lambda row: (_day(ctx, row), order[row.sheet], row.number),
    )
    writers = TIMELINE
    if ctx.plan is not None:
        ctx.plan.load()
        writers = BULK_TIMELINE
    for row in timeline:
        _safely(ctx, writers[row.sheet], row)
    award_sheets.settle_applications(ctx)
    if ctx.plan is not None and not ctx.book.errors:
        # With errors nothing is kept: writing would only be undone.
        bulk_write.write(ctx.plan)
    db.session.flush()


def _keep(ctx: Context, outcome: Outcome, filename: str) -> None:
    summary = {"added": outcome.added, "present": outcome.present}
    kept = HistoryImport(
        sha256=outcome.sha256,
        filename=filename[:255],
        imported_by_id=ctx.actor.id if ctx.actor else None,
        summary=summary,
    )
    db.session.add(kept)
    record(ctx.actor, "history.import", kept, after={"filename": filename, **summary})


def run(
    data: bytes,
    actor: User | None,
    *,
    filename: str = "",
    dry_run: bool = False,
    bulk: bool = True,
) -> Outcome:
    """Import the workbook `data` (or only try it, `dry_run`); see the module's rules.
    `bulk=False` sends every money row through the live ledger one by one (the tests
    compare both paths)."""
    outcome = Outcome(hashlib.sha256(data).hexdigest(), dry_run)
    book = read(data)
    ctx = Context(actor, book, plan=LedgerPlan(actor) if bulk else None)
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()
    db.session.info[AUDIT_MARK] = {"imported": outcome.sha256}
    db.session.info[mail_events.SILENT] = True
    try:
        with unit_of_work():
            _write(ctx)
            outcome.added, outcome.present = dict(ctx.added), dict(ctx.present)
            if book.errors or dry_run:
                raise _Undo
            if any(ctx.added.values()):
                _keep(ctx, outcome, filename)
    except _Undo:
        pass
    except (SQLAlchemyError, DomainError):
        db.session.rollback()
        book.errors.append(RowError("", 0, "", str(_l("The workbook could not be saved."))))
    finally:
        db.session.info.pop(AUDIT_MARK, None)
        db.session.info.pop(mail_events.SILENT, None)
    order = {name: n for n, name in enumerate(SHEETS)}
    outcome.errors = sorted(book.errors, key=lambda e: (order.get(e.sheet, -1), e.row))
    return outcome
