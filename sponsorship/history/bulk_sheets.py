"""The awards and attendance sheets through the import's ledger plan
(`history.ledger_plan`): each row is checked and reported as in `award_sheets`, and its
decision, answer, commitment, release and reconciliation follow the same rules, on the
day each happened, but in memory; `history.bulk_write` writes them all at the end.

A row about an award already in the database (an earlier import) is left to the live
path in `award_sheets`, after the plan so far is written, so both see one set of books.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
from sponsorship.funding import ledger
from sponsorship.funding.earmarks import Purpose, purpose_for
from sponsorship.history import award_sheets, bulk_write
from sponsorship.history.context import Context, moment
from sponsorship.history.ledger_plan import ZERO, PlannedAward
from sponsorship.history.reader import Row
from sponsorship.models import AwardStatus, CostStage, Delegate
from sponsorship.models.base import Money
from sponsorship.review.pricing import reference_for

_MONEY = Money()


def _lines(row: Row, stage: CostStage, paid_on=None) -> list[dict]:
    """The row's cost lines with their amounts as the database gives them back (to
    10**-4): the live path reads them so, and so the audit trail writes them."""
    lines = award_sheets.line_values(row, stage, paid_on)
    for line in lines:
        for name in ("quantity", "unit_amount", "amount"):
            line[name] = _MONEY.process_result_value(
                _MONEY.process_bind_param(line[name], None), None
            )
    return lines


def _purpose(ctx: Context, delegate: Delegate) -> Purpose:
    """`earmarks.award_purposes` for an award not written yet: from its application's
    meeting, State and sessions, once per application."""
    application = delegate.application
    found = ctx.purposes.get(id(application))
    if found is None:
        meeting, state = application.meeting, application.state
        found = purpose_for(
            meeting.id,
            meeting.kind,
            meeting.starts_on,
            state.regional_group,
            state.convention_status,
            [s.theme for s in application.sessions],
        )
        ctx.purposes[id(application)] = found
    return found


def _offer(ctx: Context, row: Row, award: PlannedAward) -> None:
    """Commit the estimate on the day of the offer, then record the answer."""
    plan = ctx.plan
    offered = moment(row["decided_on"])
    amount = ledger.still_needed(award, ZERO)
    plan.commit(award, amount, row["decided_on"], "allocate", at=offered)
    plan.transition(award, AwardStatus.OFFERED)
    award.offered_at = offered
    plan.audit("award.offer", award, after={"committed": amount, "on": offered})
    response = AwardStatus(row["response"])
    answered = moment(row["responded_on"] or row["decided_on"])
    plan.transition(award, response, reason=row["reason"])
    award.responded_at = answered
    if response in award_sheets.RELEASING:
        plan.release(award, answered, reason=response.value)
        if response == AwardStatus.CANCELLED:
            award.decision_reason = row["reason"]


def award_row(ctx: Context, row: Row) -> None:
    delegate = ctx.delegate(row)
    if delegate is None or not award_sheets.check_award_row(ctx, row):
        return
    if delegate.id in ctx.plan.awards or delegate.award is not None:
        ctx.present["awards"] += 1
        return
    award = PlannedAward(
        delegate, _purpose(ctx, delegate), reference_for(delegate), moment(row["decided_on"])
    )
    award.lines = _lines(row, CostStage.ESTIMATE)
    ctx.plan.awards[delegate.id] = award
    award_sheets.decide(
        ctx,
        row,
        award,
        _offer,
        lambda award, status, reason: ctx.plan.transition(award, status, reason=reason),
    )


def _live_attendance(ctx: Context, row: Row, delegate: Delegate) -> None:
    """An attendance row for an award the database already holds: the live path."""
    written = delegate.award
    if written is not None and written.status == AwardStatus.ACCEPTED:
        # The live ledger reads the balances in the database: write the plan first,
        # and read them back after it.
        bulk_write.write(ctx.plan)
        award_sheets.attendance_row(ctx, row)
        ctx.plan.load()
    else:
        award_sheets.attendance_row(ctx, row)  # already there, or an error: no change


def attendance_row(ctx: Context, row: Row) -> None:
    delegate = ctx.delegate(row)
    if delegate is None:
        return
    award = ctx.plan.awards.get(delegate.id)
    if award is None:
        _live_attendance(ctx, row, delegate)
        return
    if award.status in (AwardStatus.ATTENDED, AwardStatus.NO_SHOW):
        ctx.present["attendance"] += 1
        return
    if award.status != AwardStatus.ACCEPTED:
        ctx.error(row, "attended", _l("Only a delegate who accepted an offer attends."))
        return
    paid_on = row["paid_on"] or delegate.application.meeting.starts_on
    award.lines += _lines(row, CostStage.ACTUAL, paid_on)
    ctx.plan.transition(award, AwardStatus.ATTENDED if row["attended"] else AwardStatus.NO_SHOW)
    if row["report_received_on"] and row["attended"]:
        award.report_received_at = moment(row["report_received_on"])
    chosen, overspend = award_sheets.overspend_choice(ctx, row, award)
    if not chosen:
        return
    try:
        ctx.plan.reconcile(award, overspend, on=paid_on, at=moment(paid_on))
    except DomainError as error:
        ctx.error(row, "overspend", str(error))
        return
    ctx.added["attendance"] += 1
