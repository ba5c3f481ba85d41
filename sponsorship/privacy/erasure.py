"""Erasure on request: one delegate's personal data purged before the retention
period ends, with the same purge (registry) and the same guarantees: the name, the
award, its money and its documents' verification stay; the request is audited with
its reason and how many values went, never the values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.models import Delegate, User
from sponsorship.models.base import utcnow
from sponsorship.privacy import registry

#: The reason is kept in the audit trail: long enough for a reference and a sentence.
MAX_REASON = 500


def erase(delegate: Delegate, actor: User, reason: str) -> dict[str, int]:
    """Purge `delegate`'s personal data now; returns the values purged per field."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(str(_l("Say why the data is erased (for example the request's date).")))
    if len(reason) > MAX_REASON:
        raise DomainError(str(_l("The reason is too long.")))
    with unit_of_work():
        counts, files = registry.purge(registry.Scope.delegate(delegate.id), utcnow())
        record(actor, "privacy.erasure", delegate, after={"fields": counts, "reason": reason})
    registry.remove_files(files)
    return counts
