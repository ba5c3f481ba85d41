"""The Donors' Group: who sits on it, its members' votes on a slate, and the slate
offered once approved.

The rule, in one place: a slate is **approved** as soon as `quorum` members approve it
and none objects; it is **objected** once `quorum` members object. A member may change
their vote while the slate is open (before its deadline, until it is decided); each vote
is audited. After the deadline an undecided slate lapses: it stays on record, and the
administrator sends a new one.

Offering goes through `review.decisions.offer`, one delegate at a time: the ledger
guards every commitment, and a delegate whose award moved or whose money went
meanwhile is reported, never forced.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import (
    Award,
    DonorsGroupMember,
    Role,
    Slate,
    SlateStatus,
    SlateVote,
    User,
)
from sponsorship.models import Vote as VoteChoice
from sponsorship.models.base import utcnow
from sponsorship.slate.inputs import OPEN

MAX_COMMENT = 2000
#: Ids beyond PostgreSQL's INTEGER would make the database refuse the query itself.
MAX_ID = 2**31 - 1


def _clean(text: str | None) -> str | None:
    """The comment as typed, without control characters other than tabs and line breaks
    (PostgreSQL text cannot hold NUL), trimmed to its limit; None when nothing is left."""
    kept = "".join(ch for ch in (text or "") if ch in "\t\n\r" or ch.isprintable())
    return kept.strip()[:MAX_COMMENT] or None


def is_member(user: User) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role != Role.DONOR:
        return False
    return db.session.get(DonorsGroupMember, user.id) is not None


def donor_users() -> list[tuple[User, bool]]:
    """Every donor user, and whether they sit on the Donors' Group."""
    members = set(db.session.scalars(select(DonorsGroupMember.user_id)))
    # The donor comes along: the page names each user's donor (one query, not one each).
    users = db.session.scalars(
        select(User)
        .where(User.role == Role.DONOR)
        .options(joinedload(User.donor))
        .order_by(User.name)
    )
    return [(u, u.id in members) for u in users]


def set_member(actor: User, user_id: int, member: bool) -> None:
    with unit_of_work():
        user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
        if user is None or user.role != Role.DONOR:
            raise DomainError(_("Only a donor user can sit on the Donors' Group."))
        row = db.session.get(DonorsGroupMember, user_id)
        if member == (row is not None):
            return
        if member:
            row = DonorsGroupMember(user_id=user_id, added_by_id=actor.id)
            db.session.add(row)
        else:
            db.session.delete(row)
        record(actor, "slate.member", user, after={"member": member})


def is_open(slate: Slate, today: date | None = None) -> bool:
    today = today or date.today()
    return slate.status == SlateStatus.SENT and (slate.deadline is None or today <= slate.deadline)


def tally(slate: Slate) -> tuple[int, int]:
    """(approvals, objections)."""
    votes = [v.vote for v in slate.votes]
    return votes.count(VoteChoice.APPROVE), votes.count(VoteChoice.OBJECT)


def cast(
    actor: User, slate_id: int, choice: str | None, comment: str, today: date | None = None
) -> Slate:
    """A member's vote (approve, object, or only a comment) on an open slate."""
    comment = _clean(comment)
    vote = VoteChoice(choice) if choice in {v.value for v in VoteChoice} else None
    if vote is None and comment is None:
        raise DomainError(_("Approve, object, or write a comment."))
    with unit_of_work():
        slate = db.session.scalar(select(Slate).where(Slate.id == slate_id).with_for_update())
        if slate is None or not is_member(actor):
            raise DomainError(_("Only members of the Donors' Group vote on a slate."))
        if not is_open(slate, today):
            raise DomainError(_("This slate is no longer open for votes."))
        row = next((v for v in slate.votes if v.user_id == actor.id), None)
        if row is None:
            row = SlateVote(slate=slate, user_id=actor.id)
            db.session.add(row)
        before = {"vote": row.vote, "comment": row.comment}
        row.vote = vote or row.vote
        row.comment = comment if comment is not None else row.comment
        row.at = utcnow()
        after = {"vote": row.vote, "comment": row.comment}
        record(actor, "slate.vote", slate, before=before, after=after)
        _decide(actor, slate)
    return slate


def _decide(actor: User, slate: Slate) -> None:
    approvals, objections = tally(slate)
    if objections >= slate.quorum:
        slate.status = SlateStatus.OBJECTED
    elif approvals >= slate.quorum and objections == 0:
        slate.status = SlateStatus.APPROVED
    else:
        return
    slate.decided_at = utcnow()
    record(
        actor,
        "slate.decided",
        slate,
        after={"status": slate.status, "approvals": approvals, "objections": objections},
    )


def _claim(slate_id: int) -> Slate:
    """Mark the approved slate as offered before any offer, under a row lock: a second
    click (or a second administrator) is refused instead of offering twice."""
    with unit_of_work():
        slate = db.session.scalar(select(Slate).where(Slate.id == slate_id).with_for_update())
        if slate is None or slate.status != SlateStatus.APPROVED:
            raise DomainError(_("Only an approved slate is offered."))
        slate.status = SlateStatus.OFFERED
        slate.offered_at = utcnow()
    return slate


def offer_slate(actor: User, slate_id: int, today: date | None = None) -> dict:
    """Offer every delegate of an approved slate, in its order; report what was refused."""
    from sponsorship.review import decisions

    slate = _claim(slate_id)
    chosen = list(slate.chosen)
    costs = {row["award"]: row["cost"] for row in slate.figures.get("rows", [])}
    done, refused, notes = [], [], []
    for award_id in chosen:
        award = db.session.get(Award, award_id)
        if award is None:
            continue
        name = award.delegate.name
        if award.status not in OPEN:
            refused.append([name, _("its award is now “%(status)s”.", status=award.status.value)])
            continue
        try:
            decisions.offer(actor, award.delegate, today=today)
        except DomainError as exc:
            db.session.rollback()
            refused.append([name, str(exc)])
            continue
        done.append(name)
        _note_price(award, costs.get(award_id), notes)
    with unit_of_work():
        slate = db.session.get(Slate, slate_id)
        slate.result = {"done": done, "refused": refused, "notes": notes}
        record(actor, "slate.offered", slate, after=slate.result)
    return slate.result


def _note_price(award: Award, recorded: str | None, notes: list) -> None:
    """A price changed since the slate was sent: offered at the new price (the ledger
    committed it), and said."""
    # The fund's part, as the slate's inputs weighed it (a co-funded share is not the fund's).
    now = award.fund_share()
    if recorded is not None and Decimal(recorded) != now:
        notes.append(
            _(
                "%(name)s: priced %(then)s when sent, offered at %(now)s.",
                name=award.delegate.name,
                then=money.display(Decimal(recorded)),
                now=money.display(now),
            )
        )
