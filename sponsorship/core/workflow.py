"""The one table of allowed status transitions for applications and awards.

Every status change goes through `transition`, which refuses a move the table does
not list and writes an audit event with the before and after status.
"""

from __future__ import annotations

from typing import Any

from blinker import signal

from sponsorship.core.audit import record
from sponsorship.core.errors import InvalidTransition
from sponsorship.models import Application, ApplicationStatus, Award, AwardStatus, User

A = ApplicationStatus
W = AwardStatus

#: Sent after every transition, inside the caller's transaction (sender: the object;
#: before, after, actor, reason). The mail outbox listens (sponsorship/mail/events.py).
status_changed = signal("sponsorship.status-changed")

TRANSITIONS: dict[type, dict[Any, frozenset[Any]]] = {
    Application: {
        A.DRAFT: frozenset({A.SUBMITTED, A.WITHDRAWN}),
        A.SUBMITTED: frozenset({A.IN_REVIEW, A.DECIDED, A.WITHDRAWN}),
        A.IN_REVIEW: frozenset({A.DECIDED, A.WITHDRAWN}),
        # A decided application reopens when a waitlisted delegate is offered later.
        A.DECIDED: frozenset({A.IN_REVIEW}),
        A.WITHDRAWN: frozenset(),
    },
    Award: {
        W.PENDING: frozenset({W.OFFERED, W.WAITLISTED, W.REJECTED, W.CANCELLED}),
        W.WAITLISTED: frozenset({W.OFFERED, W.REJECTED, W.CANCELLED}),
        W.OFFERED: frozenset({W.ACCEPTED, W.DECLINED, W.EXPIRED, W.CANCELLED}),
        W.ACCEPTED: frozenset({W.ATTENDED, W.NO_SHOW, W.CANCELLED}),
        W.REJECTED: frozenset(),
        W.DECLINED: frozenset(),
        W.EXPIRED: frozenset(),
        W.CANCELLED: frozenset(),
        W.ATTENDED: frozenset(),
        W.NO_SHOW: frozenset(),
    },
}


def allowed(obj: Application | Award, target: Any) -> bool:
    return target in TRANSITIONS[type(obj)][obj.status]


def check_move(kind: type, current: Any, target: Any) -> None:
    """Refuse a move of a `kind` (Application or Award) the table does not list."""
    if target not in TRANSITIONS[kind][current]:
        raise InvalidTransition(f"{kind.__name__} cannot go from {current.value} to {target.value}")


def transition(
    obj: Application | Award,
    target: Any,
    actor: User | None,
    reason: str | None = None,
) -> None:
    """Move `obj` to `target` or raise InvalidTransition; audited, not committed."""
    current = obj.status
    check_move(type(obj), current, target)
    obj.status = target
    after: dict[str, Any] = {"status": target}
    if reason:
        after["reason"] = reason
    record(actor, "status", obj, before={"status": current}, after=after)
    status_changed.send(obj, before=current, after=target, actor=actor, reason=reason)
