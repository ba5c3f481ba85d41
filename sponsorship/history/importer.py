"""Importing a history workbook: every sheet in one transaction, all or nothing.

The rows go through the live services (meetings, donors, contributions, the workflow's
transitions, the ledger), so the same rules hold for the past as for today: money is
committed only from contributions whose earmarks allow it and never over-committed,
and every change is audited. Each audit event the import writes is marked with the
workbook's sha256. A problem in any row is reported (sheet, row, column, what is
wrong) and nothing at all is kept; so is a dry run, which runs the whole import and
rolls it back. Rows whose record is already there (by natural key) are left alone, so
importing the same workbook again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.history import award_sheets, funds_sheets
from sponsorship.history.context import Context
from sponsorship.history.reader import Row, RowError, read
from sponsorship.history.template import SHEETS
from sponsorship.models import HistoryImport, User

#: Each sheet's writer, in the order the records depend on each other.
WRITERS: dict[str, Callable[[Context, Row], None]] = {
    "meetings": funds_sheets.meeting_row,
    "donors": funds_sheets.donor_row,
    "contributions": funds_sheets.contribution_row,
    "delegates": award_sheets.delegate_row,
    "awards": award_sheets.award_row,
    "attendance": award_sheets.attendance_row,
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
    def changed(self) -> bool:
        return self.ok and not self.dry_run and any(self.added.values())


class _Undo(Exception):
    """Raised inside the transaction to roll it back (dry run, or errors found)."""


def _write(ctx: Context) -> None:
    for sheet in SHEETS:
        writer = WRITERS[sheet]
        for row in ctx.book.sheets.get(sheet, []):
            try:
                writer(ctx, row)
            except DomainError as error:
                ctx.error(row, "", str(error))
    award_sheets.settle_applications(ctx)
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


def run(data: bytes, actor: User | None, *, filename: str = "", dry_run: bool = False) -> Outcome:
    """Import the workbook `data` (or only try it, `dry_run`); see the module's rules."""
    outcome = Outcome(hashlib.sha256(data).hexdigest(), dry_run)
    book = read(data)
    ctx = Context(actor, book)
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()
    db.session.info[AUDIT_MARK] = {"imported": outcome.sha256}
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
    order = {name: n for n, name in enumerate(SHEETS)}
    outcome.errors = sorted(book.errors, key=lambda e: (order.get(e.sheet, -1), e.row))
    return outcome
