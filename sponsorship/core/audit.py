"""Writing audit events: one helper so every change is recorded the same way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sponsorship.extensions import db
from sponsorship.models import AuditEvent, User


def _plain(value: Any) -> Any:
    """JSON-safe copy; Decimals keep their exact digits as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    actor: User | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    mark = db.session.info.get("audit_mark")
    if mark:
        # Work done on behalf of something else (the history import) says so in
        # every event it writes.
        after = {**(after or {}), **mark}
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "system",
        object_id=getattr(obj, "id", None),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(event)
    return event
