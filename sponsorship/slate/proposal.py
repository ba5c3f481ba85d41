"""A meeting's slate proposed, explained, and sent to the Donors' Group.

`propose` reads and computes only (the what-if page is a GET); `send` records the slate
with what the Donors' Group is shown: State, function, gender, first time, cost and the
contributions that pay, never a name, passport or contact detail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.mail import outbox
from sponsorship.models import DonorsGroupMember, Meeting, Slate, SlateStatus, User
from sponsorship.models.base import utcnow
from sponsorship.slate import explain, fitting, inputs, model, whatif
from sponsorship.slate.problem import Figures, Method, Outcome, Targets


@dataclass(frozen=True)
class Proposal:
    meeting: Meeting
    loaded: inputs.Loaded
    slate: Outcome
    rank: Outcome
    reasons: list[explain.Reason]
    funds: list[explain.FundUse]
    comparison: explain.Comparison
    headline: str

    @property
    def funds_used(self) -> list[explain.FundUse]:
        """The contributions the slate or rank order would draw on."""
        return [f for f in self.funds if f.slate_used or f.rank_used]

    @property
    def funds_untouched(self) -> tuple[int, Decimal]:
        """How many contributions neither would touch, and their money."""
        rest = [f.balance for f in self.funds if not (f.slate_used or f.rank_used)]
        return len(rest), sum(rest, Decimal(0))

    @property
    def usable(self) -> bool:
        return self.slate.method != Method.INFEASIBLE and bool(self.slate.chosen)


def propose(meeting: Meeting, targets: Targets, today: date | None = None) -> Proposal:
    today = today or date.today()
    loaded = inputs.load(meeting, targets, today)
    keys = {c.key for c in loaded.problem.candidates}
    pins = {"pinned_in": targets.pinned_in & keys, "pinned_out": targets.pinned_out & keys}
    loaded = replace(loaded, problem=replace(loaded.problem, targets=replace(targets, **pins)))
    problem = loaded.problem
    limit = current_app.config.get("SLATE_TIME_LIMIT_SECONDS", model.TIME_LIMIT)
    slate = model.solve(problem, limit)
    rank = fitting.rank_order(problem)
    return Proposal(
        meeting,
        loaded,
        slate,
        rank,
        explain.reasons(problem, slate, rank),
        explain.fund_use(problem, slate, rank),
        explain.Comparison(slate.figures, rank.figures),
        explain.headline(slate),
    )


def _figures_json(figures: Figures) -> dict:
    return {**asdict(figures), "money": str(figures.money)}


def _rows(proposal: Proposal) -> list[dict]:
    """What the Donors' Group sees of each delegate in the slate, in offer order."""
    refs = {k: c.reference for k, c in proposal.loaded.contributions.items()}
    rows = []
    for key in proposal.slate.chosen:
        award = proposal.loaded.awards[key]
        delegate = award.delegate
        rows.append(
            {
                "award": key,
                "state": delegate.application.state.name,
                "function": delegate.function,
                "gender": str(delegate.gender),
                "first_time": bool(delegate.first_time),
                "cost": str(award_cost(proposal, key)),
                "paid_by": [[refs[f], str(a)] for f, a in proposal.slate.takes.get(key, ())],
            }
        )
    return rows


def award_cost(proposal: Proposal, key: int) -> Decimal:
    return next(c.cost for c in proposal.loaded.problem.candidates if c.key == key)


def _notify_members(slate: Slate, meeting: Meeting) -> None:
    """Queue a mail to each member of the Donors' Group, in the caller's transaction."""
    db.session.flush()
    members = db.session.scalars(
        select(User).join(DonorsGroupMember, DonorsGroupMember.user_id == User.id)
    )
    link = outbox.external_url("donors_group.slate", slate_id=slate.id)
    for user in members:
        if user.active:
            outbox.queue(
                user.email,
                "slate_sent",
                user.locale or "en",
                kind="slate.sent",
                obj=slate,
                meeting=meeting,
                slate=slate,
                link=link,
            )


def send(
    actor: User,
    meeting: Meeting,
    targets: Targets,
    *,
    quorum: int | None = None,
    deadline_days: int | None = None,
    today: date | None = None,
) -> Slate:
    """Record the slate the targets give now and put it before the Donors' Group."""
    today = today or date.today()
    config = current_app.config
    quorum = quorum or config.get("SLATE_QUORUM", 2)
    deadline_days = deadline_days or config.get("SLATE_DEADLINE_DAYS", 7)
    if not 1 <= quorum <= 50 or not 1 <= deadline_days <= 90:
        raise DomainError(_("The quorum is 1 to 50 members; the deadline 1 to 90 days."))
    proposal = propose(meeting, targets, today)
    if not proposal.usable:
        raise DomainError(proposal.slate.message or _("There is no slate to send."))
    with unit_of_work():
        slate = Slate(
            meeting_id=meeting.id,
            status=SlateStatus.SENT,
            settings=whatif.to_json(proposal.loaded.problem.targets),
            chosen=list(proposal.slate.chosen),
            figures={
                "slate": _figures_json(proposal.slate.figures),
                "rank_order": _figures_json(proposal.rank.figures),
                "rows": _rows(proposal),
            },
            method=str(proposal.slate.method),
            gap=proposal.slate.gap,
            solve_ms=round(proposal.slate.solve_ms, 1),
            quorum=quorum,
            deadline=today + timedelta(days=deadline_days),
            created_by_id=actor.id,
            sent_at=utcnow(),
        )
        db.session.add(slate)
        _notify_members(slate, meeting)
        record(
            actor,
            "slate.sent",
            slate,
            after={
                "meeting": meeting.id,
                "awards": slate.chosen,
                "settings": slate.settings,
                "method": slate.method,
                "quorum": quorum,
                "deadline": slate.deadline,
            },
        )
    return slate
