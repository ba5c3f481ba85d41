"""The delegates, awards and attendance sheets: applications and delegates as the
States sent them, then each decision, answer, attendance and payment through the
workflow's transitions and the ledger (commit at the offer, release at a refusal,
spend at reconciliation), on the day each happened. No live rule runs for them: no
window is checked, no deadline set, no mail queued and no letter issued."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.funding import ledger, reconciliation
from sponsorship.history import records
from sponsorship.history.context import Context, moment
from sponsorship.history.reader import Row
from sponsorship.history.template import COST_COLUMNS
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardCostLine,
    AwardStatus,
    CostKind,
    CostStage,
    Delegate,
    Gender,
)
from sponsorship.review.pricing import ensure_award

#: When the workbook does not say when a State applied: this long before the meeting.
APPLIED_BEFORE = timedelta(days=60)
KINDS = {
    "airfare": CostKind.AIRFARE,
    "dsa": CostKind.DSA,
    "terminal": CostKind.TERMINAL,
    "visa": CostKind.VISA,
    "other": CostKind.OTHER,
}
#: Answers that give the offer's money back to the fund.
RELEASING = {AwardStatus.DECLINED, AwardStatus.EXPIRED, AwardStatus.CANCELLED}


def _application(ctx: Context, row: Row, meeting, state) -> Application:
    key = (meeting.id, state.id)
    found = ctx.applications.get(key)
    if found is None and meeting.id not in ctx.created:
        found = db.session.scalar(
            select(Application).where(
                Application.meeting_id == meeting.id, Application.state_id == state.id
            )
        )
    if found is None:
        applied = moment(row["submitted_on"] or meeting.starts_on - APPLIED_BEFORE)
        found = Application(
            meeting=meeting,
            state=state,
            status=ApplicationStatus.SUBMITTED,
            language="en",
            consent_personal_data=True,
            created_at=applied,
            submitted_at=applied,
        )
        found.sessions = list(meeting.sessions)
        # Not audited one by one (a flush each, at twenty years thousands of them): the
        # import's own event and row say what the workbook added.
        db.session.add(found)
    ctx.applications[key] = found
    return found


def _delegate_values(row: Row, state, position: int) -> dict:
    return {
        "position": position,
        "name": row["name"],
        "gender": Gender(row["gender"]),
        "function": row["function"] or "",
        "organisation": row["organisation"] or "",
        "email": (row["email"] or "").lower(),
        "nationality": (row["nationality"] or state.iso3).upper()[:3],
        "passport_number": row["passport_number"],
        "departure_city": row["departure_city"] or "",
        "first_time": bool(row["first_time"]),
        "survivor": bool(row["survivor"]),
    }


def _new_record(ctx: Context, row: Row, meeting, state) -> records.NewDelegate:
    """A delegate of a meeting this import creates, as a plain record (`records`)."""
    application = ctx.applications.get((meeting.id, state.id))
    if application is None:
        applied = moment(row["submitted_on"] or meeting.starts_on - APPLIED_BEFORE)
        application = records.NewApplication(meeting, state, applied, list(meeting.sessions))
        ctx.applications[(meeting.id, state.id)] = application
    delegate = records.NewDelegate(
        application, _delegate_values(row, state, len(application.delegates))
    )
    application.delegates.append(delegate)
    return delegate


def delegate_row(ctx: Context, row: Row) -> None:
    meeting, state = ctx.meeting(row), ctx.state(row)
    if meeting is None or state is None:
        return
    key = (row["meeting"].lower(), state.iso3, row["name"].lower())
    if key in ctx.delegates:
        ctx.error(row, "name", _l("Another row of this sheet names this delegate."))
        return
    if ctx.plan is not None and meeting.id in ctx.created:
        delegate = _new_record(ctx, row, meeting, state)
        ctx.delegates[key] = delegate
        ctx.touched.add(id(delegate.application))
        ctx.added["delegates"] += 1
        return
    application = _application(ctx, row, meeting, state)
    found = None
    if meeting.id not in ctx.created and application.id is not None:
        found = db.session.scalar(
            select(Delegate).where(
                Delegate.application_id == application.id,
                func.lower(Delegate.name) == row["name"].lower(),
            )
        )
    if found is not None:
        ctx.delegates[key] = found
        ctx.present["delegates"] += 1
        return
    delegate = Delegate(
        application=application, **_delegate_values(row, state, len(application.delegates))
    )
    # A delegate made here has no award yet: said, so reading `delegate.award` in the
    # awards sheet does not ask the database (a query, and a flush, per row).
    delegate.award = None
    db.session.add(delegate)
    ctx.delegates[key] = delegate
    ctx.touched.add(id(application))
    ctx.added["delegates"] += 1


def line_values(row: Row, stage: CostStage, paid_on=None) -> list[dict]:
    """The row's cost lines at `stage`, as the columns of AwardCostLine."""
    return [
        {
            "kind": KINDS[name],
            "stage": stage,
            "description": name,
            "quantity": Decimal(1),
            "unit_amount": row[name],
            "amount": row[name],
            "paid_on": paid_on,
        }
        for name in COST_COLUMNS
        if row[name]
    ]


def _lines(row: Row, stage: CostStage, paid_on=None) -> list[AwardCostLine]:
    return [AwardCostLine(**values) for values in line_values(row, stage, paid_on)]


def check_award_row(ctx: Context, row: Row) -> bool:
    decision = AwardStatus(row["decision"])
    ok = True
    if decision == AwardStatus.OFFERED and row["response"] is None:
        ctx.error(row, "response", _l("Say how the offer was answered."))
        ok = False
    if decision != AwardStatus.OFFERED and row["response"] is not None:
        ctx.error(row, "response", _l("Only an offer is answered."))
        ok = False
    if decision != AwardStatus.REJECTED and not any(row[n] for n in COST_COLUMNS):
        ctx.error(row, "airfare", _l("Give the estimated costs."))
        ok = False
    if row["responded_on"] and row["responded_on"] < row["decided_on"]:
        ctx.error(row, "responded_on", _l("The answer cannot come before the offer."))
        ok = False
    return ok


def _offer(ctx: Context, row: Row, award: Award) -> None:
    """Commit the estimate on the day of the offer, then record the answer."""
    funding = ledger.allocate(award, ctx.actor, on=row["decided_on"])
    offered = moment(row["decided_on"])
    for allocation in funding.allocations:
        allocation.created_at = offered
    transition(award, AwardStatus.OFFERED, ctx.actor)
    award.offered_at = offered
    record(ctx.actor, "award.offer", award, after={"committed": funding.amount, "on": offered})
    response = AwardStatus(row["response"])
    answered = moment(row["responded_on"] or row["decided_on"])
    transition(award, response, ctx.actor, reason=row["reason"])
    award.responded_at = answered
    if response in RELEASING:
        ledger.release(award, ctx.actor, reason=response.value, at=answered)
        if response == AwardStatus.CANCELLED:
            award.decision_reason = row["reason"]


def award_row(ctx: Context, row: Row) -> None:
    delegate = ctx.delegate(row)
    if delegate is None or not check_award_row(ctx, row):
        return
    if delegate.id is None:
        db.session.flush()  # the award's reference is made of the delegate's id
    elif delegate.award is not None:
        ctx.present["awards"] += 1
        return
    award = ensure_award(delegate)
    award.created_at = moment(row["decided_on"])
    award.cost_lines.extend(_lines(row, CostStage.ESTIMATE))
    decide(
        ctx,
        row,
        award,
        _offer,
        lambda award, status, reason: transition(award, status, ctx.actor, reason=reason),
    )


def decide(ctx: Context, row: Row, award, offer, move) -> None:
    """The row's decision on `award`, for the live and the bulk path alike: `offer` for
    an offer and its answer, `move` (award, status, reason) for any other decision. A
    decision the workflow refuses is the row's error; else the award counts as added."""
    decision = AwardStatus(row["decision"])
    try:
        if decision == AwardStatus.OFFERED:
            offer(ctx, row, award)
        else:
            move(award, decision, row["reason"])
            award.decision_reason = row["reason"]
    except DomainError as error:
        ctx.error(row, "decision", str(error))
        return
    ctx.touched.add(id(award.delegate.application))
    ctx.added["awards"] += 1


def overspend_choice(ctx: Context, row: Row, award) -> tuple[bool, reconciliation.Overspend | None]:
    """The row's choice for actual costs above the offer (allocate or absorb), for the
    live and the bulk path alike; (False, None), reported, when the costs exceed the
    offer and the row makes no choice."""
    overspend = reconciliation.Overspend(row["overspend"]) if row["overspend"] else None
    if overspend is None and award.total(CostStage.ACTUAL) > award.total(CostStage.ESTIMATE):
        ctx.error(row, "overspend", _l("The actual costs exceed the offer: allocate or absorb."))
        return False, None
    return True, overspend


def attendance_row(ctx: Context, row: Row) -> None:
    delegate = ctx.delegate(row)
    if delegate is None:
        return
    award = delegate.award
    if award is not None and award.status in (AwardStatus.ATTENDED, AwardStatus.NO_SHOW):
        ctx.present["attendance"] += 1
        return
    if award is None or award.status != AwardStatus.ACCEPTED:
        ctx.error(row, "attended", _l("Only a delegate who accepted an offer attends."))
        return
    meeting = delegate.application.meeting
    paid_on = row["paid_on"] or meeting.starts_on
    award.cost_lines.extend(_lines(row, CostStage.ACTUAL, paid_on))
    transition(award, AwardStatus.ATTENDED if row["attended"] else AwardStatus.NO_SHOW, ctx.actor)
    if row["report_received_on"] and row["attended"]:
        award.report_received_at = moment(row["report_received_on"])
    chosen, overspend = overspend_choice(ctx, row, award)
    if not chosen:
        return
    try:
        reconciliation.reconcile(
            award, ctx.actor, overspend=overspend, on=paid_on, at=moment(paid_on)
        )
    except DomainError as error:
        ctx.error(row, "overspend", str(error))
        return
    ctx.added["attendance"] += 1


def _status(ctx: Context, delegate: Delegate) -> AwardStatus | None:
    """The delegate's award's status: planned by this import, or in the database."""
    planned = ctx.plan.awards.get(delegate.id) if ctx.plan is not None else None
    if planned is not None:
        return planned.status
    return delegate.award.status if delegate.award is not None else None


def settle_applications(ctx: Context) -> None:
    """An application whose every delegate has a decision is decided, as live."""
    plain = []
    for application in ctx.applications.values():
        if id(application) not in ctx.touched:
            continue
        statuses = [_status(ctx, d) for d in application.delegates]
        undecided = any(s is None or s == AwardStatus.PENDING for s in statuses)
        if application.status != ApplicationStatus.SUBMITTED or undecided:
            continue
        if isinstance(application, records.NewApplication):
            plain.append(application)
        else:
            transition(application, ApplicationStatus.DECIDED, ctx.actor)
    if plain:
        records.decide(ctx.plan, plain)
