"""The application's history as sentences in the reader's language (issue 23).

The audit trail keeps machine data ("application.create", lists, `False`); an
administrator reads "Amina Diallo was offered sponsorship; 1,812.00 committed". Each
event becomes one `Sentence`: what happened, about whom, and its details as plain words
(yes/no, amounts, dates). An action without its own sentence still reads as words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sponsorship.models import AuditEvent
from sponsorship.web.filters import fdate, money, status_label

#: Sentences of the actions an application's history holds; %(name)s is the delegate.
SENTENCES = {
    "application.create": _l("The application was started."),
    "application.update": _l("The application was edited."),
    "application.submitted": _l("The application was submitted."),
    "application.note_upload": _l("The nomination note was uploaded."),
    "application.language": _l("The language of letters and mail was changed."),
    "application.withdraw": _l("The application was withdrawn."),
    "award.price": _l("%(name)s was priced."),
    "award.offer": _l("%(name)s was offered sponsorship."),
    "award.accept": _l("%(name)s accepted the offer."),
    "award.notify_offer": _l("The offer to %(name)s was mailed."),
    "award.offer_reminder": _l("%(name)s was reminded to answer the offer."),
    "award.reminder": _l("%(name)s was reminded."),
    "award.actual_costs": _l("The actual costs of %(name)s were recorded."),
    "award.reconcile": _l("The costs of %(name)s were reconciled."),
    "award.report": _l("%(name)s sent the report on the meeting."),
    "award.report_received": _l("The report of %(name)s was marked as received."),
    "award.report_due": _l("%(name)s was told the report is due."),
    "award.report_overdue": _l("%(name)s was told the report is overdue."),
    "ledger.commit": _l("Money was committed from a contribution."),
    "ledger.release": _l("Committed money was released to the funds."),
    "ledger.spend": _l("Committed money was spent."),
}

#: Names of the details the events carry.
DETAIL_LABELS = {
    "status": _l("status"),
    "reason": _l("reason"),
    "total": _l("total"),
    "amount": _l("amount"),
    "committed": _l("committed"),
    "deadline": _l("answer by"),
    "nights": _l("nights"),
    "airfare_from_table": _l("airfare from the fare table"),
    "contribution": _l("contribution"),
    "award": _l("award"),
    "language": _l("language"),
    "lines": _l("cost lines"),
}
#: Details that repeat what the sentence says or that only the books need.
_QUIET = {"contribution_committed", "id"}


@dataclass(frozen=True)
class Sentence:
    event: AuditEvent
    text: str
    details: list[str] = field(default_factory=list)


def plain(value, key: str = "") -> str:
    """A detail's value as words: yes/no, amounts, dates, labels, lists."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Enum):
        value = value.value
    if key == "status":
        return status_label(value)
    if isinstance(value, Decimal) or key in ("total", "amount", "committed"):
        try:
            return money(Decimal(str(value)))
        except ArithmeticError:
            return str(value)
    if isinstance(value, datetime | date):
        return fdate(value)
    if isinstance(value, list):
        return "; ".join(plain(v) for v in value)
    if isinstance(value, dict):
        if {"kind", "amount"} <= value.keys():
            return f"{status_label(value['kind'])} {plain(value['amount'], 'amount')}"
        return ", ".join(f"{_label(k)}: {plain(v, k)}" for k, v in value.items())
    return str(value)


def _label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key.replace("_", " ")))


def describe(event: AuditEvent, names: dict[tuple[str, int], str]) -> Sentence:
    """`event` as a sentence; `names` gives the delegate's name by (object type, id)."""
    name = names.get((event.object_type, event.object_id), "")
    before, after = event.before or {}, event.after or {}
    if event.action == "status":
        text = _(
            "%(what)s moved from %(before)s to %(after)s.",
            what=name or _("The application"),
            before=plain(before.get("status"), "status"),
            after=plain(after.get("status"), "status"),
        )
        details = [_("Reason: %(reason)s", reason=after["reason"])] if after.get("reason") else []
        return Sentence(event, text, details)
    template = SENTENCES.get(event.action)
    if template is not None:
        text = str(template) % {"name": name or _("the delegate")}
    else:
        text = _("%(what)s: %(action)s.", what=name or _("Application"), action=_words(event))
    details = []
    for key, value in after.items():
        if key in _QUIET:
            continue
        if key in before and before[key] != value:
            details.append(
                _(
                    "%(field)s: %(before)s → %(after)s",
                    field=_label(key),
                    before=plain(before[key], key),
                    after=plain(value, key),
                )
            )
        elif key not in before:
            details.append(f"{_label(key)}: {plain(value, key)}")
    return Sentence(event, text, details)


def _words(event: AuditEvent) -> str:
    return event.action.replace(".", " ").replace("_", " ")
