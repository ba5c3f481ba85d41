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
    values = event_values(
        actor,
        action,
        type(obj).__name__ if obj is not None else "system",
        getattr(obj, "id", None),
        before,
        after,
    )
    event = AuditEvent(**values)
    db.session.add(event)
    return event


def event_values(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """An audit event's columns, as `record` writes them: for a caller that inserts
    many events at once (the history import)."""
    mark = db.session.info.get("audit_mark")
    if mark:
        # Work done on behalf of something else (the history import) says so in
        # every event it writes.
        after = {**(after or {}), **mark}
    return {
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": _plain(before) if before is not None else None,
        "after": _plain(after) if after is not None else None,
    }
