"""Every kind of audit event the app writes, as a sentence in the reader's language.

`SENTENCES` maps each action (`core.audit.record(actor, action, ...)`) to a sentence
with %(who)s (the administrator, the user or "The system") and %(object)s (what it
was done to, named as a reader knows it: an award's reference, a delegate's name).
The before/after values become `details`: labelled, formatted values, never a
dictionary. tests/unit/test_audit_viewer.py fails on an action written anywhere in
the code without a sentence here: a feature adding an event adds its sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sponsorship.web.labels import STATUS_LABELS

SENTENCES = {
    # Applications and their delegates
    "application.create": _l("%(who)s created the application %(object)s"),
    "application.update": _l("%(who)s changed the application %(object)s"),
    "application.note_upload": _l("%(who)s uploaded the nomination note of %(object)s"),
    "application.language": _l("%(who)s changed the correspondence language of %(object)s"),
    "status": _l("%(who)s moved %(object)s from “%(before)s” to “%(after)s”"),
    # Review, offers and awards
    "award.price": _l("%(who)s priced the award %(object)s"),
    "award.offer": _l("%(who)s offered the award %(object)s"),
    "award.accept": _l("%(who)s accepted the offer %(object)s"),
    "award.notify_offer": _l("%(who)s sent the offer %(object)s to the State"),
    "award.offer_reminder": _l("%(who)s sent a reminder about the offer %(object)s"),
    "award.actual_costs": _l("%(who)s recorded the actual costs of %(object)s"),
    "award.reconcile": _l("%(who)s reconciled the award %(object)s"),
    "award.report": _l("%(who)s submitted the delegate's report on %(object)s"),
    "award.report_received": _l("%(who)s marked the report on %(object)s as received"),
    "waitlist.proposed": _l("%(who)s listed who on the waiting list now fits for %(object)s"),
    "airfare.update": _l("%(who)s changed the fare table (%(object)s)"),
    "scoring.weight": _l("%(who)s changed a priority weight (%(object)s)"),
    # Money
    "donor.create": _l("%(who)s added the donor %(object)s"),
    "donor.update": _l("%(who)s changed the donor %(object)s"),
    "contribution.pledge": _l("%(who)s recorded the pledge %(object)s"),
    "contribution.recorded": _l("%(who)s recorded the contribution %(object)s"),
    "contribution.receive": _l("%(who)s recorded the receipt of %(object)s"),
    "contribution.update": _l("%(who)s changed the contribution %(object)s"),
    "contribution.cancel": _l("%(who)s cancelled the pledge %(object)s"),
    "ledger.commit": _l("%(who)s committed money: %(object)s"),
    "ledger.spend": _l("%(who)s spent committed money: %(object)s"),
    "ledger.release": _l("%(who)s released committed money: %(object)s"),
    # Payments, claims and the second administrator's approval (sponsorship/payments)
    "payment.enter": _l("%(who)s entered %(object)s"),
    "payment.approve": _l("%(who)s approved %(object)s"),
    "payment.reject": _l("%(who)s rejected %(object)s"),
    "claim.file": _l("%(who)s filed %(object)s"),
    "claim.decide": _l("%(who)s decided on %(object)s"),
    "claim.paid": _l("%(who)s recorded the reimbursement of %(object)s"),
    "approval.request": _l("%(who)s asked a second administrator to approve %(object)s"),
    "approval.approve": _l("%(who)s approved, as second administrator, %(object)s"),
    "approval.reject": _l("%(who)s refused, as second administrator, %(object)s"),
    # Documents
    "letter.issued": _l("%(who)s issued %(object)s"),
    "letter.superseded": _l("%(who)s superseded %(object)s with a newer version"),
    "letter.revoked": _l("%(who)s revoked %(object)s"),
    "letters.bulk": _l("%(who)s issued a meeting's letters in bulk"),
    # Programme
    "meeting.create": _l("%(who)s created the meeting %(object)s"),
    "meeting.update": _l("%(who)s changed the meeting %(object)s"),
    "meeting.open_window": _l("%(who)s opened applications for %(object)s"),
    "meeting.close_window": _l("%(who)s closed applications for %(object)s"),
    "state.update": _l("%(who)s changed the State %(object)s"),
    "state.reference_update": _l("%(who)s updated the reference data of %(object)s"),
    "signatory.update": _l("%(who)s changed the letters' signatory"),
    "history.import": _l("%(who)s imported past years from %(object)s"),
    # The slate
    "slate.sent": _l("%(who)s sent %(object)s to the Donors' Group"),
    "slate.vote": _l("%(who)s voted on %(object)s"),
    # Who pays and people (issue 19)
    "award.cofunding": _l("%(who)s declared the share others pay of the award %(object)s"),
    "award.pin": _l("%(who)s chose the contribution that pays for the award %(object)s"),
    "people.link": _l("%(who)s linked delegates to the people they are"),
    "person.merge": _l("%(who)s merged two records of one person into %(object)s"),
    "person.split": _l("%(who)s gave one participation a person of its own: %(object)s"),
    "slate.decided": _l("%(who)s recorded the Donors' Group's decision on %(object)s"),
    "slate.offered": _l("%(who)s offered %(object)s"),
    "slate.member": _l("%(who)s changed the Donors' Group membership of %(object)s"),
    # Accounts
    "user.create": _l("%(who)s created the account of %(object)s"),
    "user.invite": _l("%(who)s invited %(object)s"),
    "user.reinvite": _l("%(who)s sent %(object)s a new invitation"),
    "user.accept_invitation": _l("%(who)s accepted the invitation and set a password"),
    "user.password_reset": _l("%(who)s set a new password through a reset link"),
    "user.password_reset_sent": _l("%(who)s sent %(object)s a password reset link"),
    "user.password_change": _l("%(who)s changed their password"),
    "user.profile": _l("%(who)s changed their name or language"),
    "user.session_end": _l("%(who)s signed out one of their sessions"),
    "user.sign_out_everywhere": _l("%(who)s signed %(object)s out everywhere"),
    "user.deactivate": _l("%(who)s deactivated the account of %(object)s"),
    "user.reactivate": _l("%(who)s reactivated the account of %(object)s"),
    "user.change_state": _l("%(who)s changed the State of %(object)s"),
    "user.two_factor_enabled": _l("%(who)s turned on two-factor sign-in"),
    "user.two_factor_disabled": _l("%(who)s turned off two-factor sign-in for %(object)s"),
    "user.two_factor_reset": _l("%(who)s reset the two-factor sign-in of %(object)s"),
    "user.recovery_codes_renewed": _l("%(who)s made new recovery codes"),
    "user.recovery_code_used": _l("%(who)s signed in with a recovery code"),
    # Personal data
    "privacy.retention_purge": _l(
        "%(who)s purged the personal data of %(object)s after the retention period"
    ),
    "privacy.erasure": _l("%(who)s erased the personal data of %(object)s on request"),
    "privacy.export": _l("%(who)s exported the personal data of %(object)s"),
}

#: The actions that move money or decide where it goes: the "money only" filter.
MONEY_ACTIONS = (
    "award.offer",
    "award.actual_costs",
    "award.reconcile",
    "contribution.pledge",
    "contribution.recorded",
    "contribution.receive",
    "contribution.update",
    "contribution.cancel",
    "ledger.commit",
    "ledger.spend",
    "ledger.release",
    "payment.enter",
    "payment.approve",
    "payment.reject",
    "claim.file",
    "claim.decide",
    "claim.paid",
    "approval.request",
    "approval.approve",
    "approval.reject",
    "award.cofunding",
    "award.pin",
)

#: The kinds of document (documents/letters.py SERIES), as the letters' pages name them.
DOCUMENT_KINDS = {
    "offer": _l("Offer of sponsorship"),
    "confirmation": _l("Award confirmation"),
    "visa": _l("Visa-support letter"),
    "certificate": _l("Certificate of attendance"),
}

#: Labels of the values events carry (before/after keys).
KEY_LABELS = {
    "status": _l("status"),
    "amount": _l("amount"),
    "currency": _l("currency"),
    "award": _l("award"),
    "contribution": _l("contribution"),
    "contribution_committed": _l("committed from the contribution"),
    "committed": _l("committed"),
    "reason": _l("reason"),
    "deadline": _l("answer by"),
    "actual": _l("actual costs"),
    "spent": _l("spent"),
    "released": _l("released"),
    "overspend": _l("overspent"),
    "decision": _l("decision"),
    "language": _l("language"),
    "delegates": _l("delegates"),
    "note": _l("note"),
    "file": _l("file"),
    "kind": _l("kind"),
    "version": _l("version"),
    "by_version": _l("replaced by version"),
    "code": _l("verification code"),
    "sha256": _l("sha256"),
    "fields": _l("values purged"),
    "retention_days": _l("retention period (days)"),
    "ended_on": _l("meeting ended"),
    "format": _l("format"),
    "sessions_ended": _l("sessions ended"),
    "email": _l("e-mail"),
    "role": _l("role"),
    "name": _l("name"),
    "active": _l("active"),
    "state": _l("State"),
    "donor": _l("donor"),
    "reference": _l("reference"),
    "departure_city": _l("departure city"),
    "travel_out_on": _l("travel out"),
    "travel_back_on": _l("travel back"),
    "recipients": _l("recipients"),
    "nights": _l("nights"),
    "total": _l("total"),
    "exchange_rate": _l("exchange rate"),
    "rate_date": _l("rate of"),
    "base_amount": _l("amount in the base currency"),
    "paid_on": _l("paid on"),
    "four_eyes": _l("needs a second administrator"),
    "receipt_sha256": _l("receipt (sha256)"),
    "receipts": _l("receipts (sha256)"),
    "outside_fund": _l("paid outside the fund"),
    "requested_by": _l("asked by"),
    "approved_amount": _l("amount approved"),
    "category": _l("category"),
    "payment": _l("payment"),
    "by": _l("paid by"),
    "fund_share": _l("the fund's share"),
    "person": _l("person record"),
    "delegate": _l("participation"),
    "new": _l("new person records"),
}

#: Keys whose values are shown in a sentence already, or say nothing to a reader.
HIDDEN_KEYS = {"history_import", "sessions", "airfare_from_table"}


def _value(key: str, value: Any) -> str:
    from sponsorship.privacy.registry import FIELD_LABELS

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in PAYMENT_VALUES and isinstance(value, str | int):
        return _payment_value(key, value)
    if key == "fields" and isinstance(value, Mapping):
        parts = [
            _("%(label)s: %(count)s", label=FIELD_LABELS.get(k, k), count=v)
            for k, v in value.items()
            if v
        ]
        return "; ".join(parts) or "0"
    if isinstance(value, Mapping):
        return "; ".join(f"{_label(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value) or "—"
    return str(value)


#: Keys whose stored values the payments package names (kinds, states, categories, ids).
PAYMENT_VALUES = {"kind", "status", "category", "requested_by", "payment"}


def _payment_value(key: str, value: str | int) -> str:
    from sponsorship.extensions import db
    from sponsorship.models import User
    from sponsorship.payments import forms

    if key == "requested_by":
        user = db.session.get(User, value) if isinstance(value, int) else None
        return user.name if user is not None else _("#%(id)s (removed)", id=value)
    if key == "payment":
        return _("no. %(id)s", id=value)
    if key == "kind":
        found = DOCUMENT_KINDS.get(value) or forms.KIND_LABELS.get(value)
        found = found or forms.PENDING_LABELS.get(value)
    elif key == "category":
        found = forms.CATEGORY_LABELS.get(value)
    else:
        found = STATUS_LABELS.get(value) or forms.STATE_LABELS.get(value)
    return str(found) if found is not None else str(value).replace("_", " ")


def _label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


#: Suffixes of the French and Spanish versions of text typed in three languages
#: (meeting names, the signatory's title): `title`, `title_fr`, `title_es`.
TRANSLATED = ("fr", "es")


def in_language(values: Mapping, language: str) -> dict:
    """Typed text in the reader's language only: a key with French and Spanish versions
    shows the reader's version (English when that one is empty), never all three."""
    shown = {k: v for k, v in values.items() if not k.endswith(("_fr", "_es"))}
    for key in shown:
        version = values.get(f"{key}_{language}") if language in TRANSLATED else None
        if version:
            shown[key] = version
    orphans = {
        k: v for k, v in values.items() if k.endswith(("_fr", "_es")) and k[:-3] not in shown
    }
    return {**shown, **orphans}


def details(action: str, before: Mapping | None, after: Mapping | None) -> str:
    """The event's values as "label: value" (or "label: before → after") parts."""
    language = str(get_locale() or "en")[:2]
    before, after = in_language(before or {}, language), in_language(after or {}, language)
    if action == "status":
        return _value("reason", after.get("reason")) if after.get("reason") else ""
    parts = []
    for key in list(after) + [k for k in before if k not in after]:
        if key in HIDDEN_KEYS:
            continue
        if key in before and key in after and before[key] != after[key]:
            parts.append(f"{_label(key)}: {_value(key, before[key])} → {_value(key, after[key])}")
        elif key in after:
            parts.append(f"{_label(key)}: {_value(key, after[key])}")
        else:
            parts.append(f"{_label(key)}: {_value(key, before[key])}")
    return "; ".join(parts)


def sentence(action: str, who: str, obj: str, before: Mapping | None, after: Mapping | None) -> str:
    template = SENTENCES.get(action)
    if action == "status":
        return _(
            "%(who)s moved %(object)s from “%(before)s” to “%(after)s”",
            who=who,
            object=obj,
            before=_value("status", (before or {}).get("status")),
            after=_value("status", (after or {}).get("status")),
        )
    if template is None:
        # An event of a newer release read by an older one: still a sentence.
        return _("%(who)s: %(what)s on %(object)s", who=who, what=action, object=obj)
    return str(template) % {"who": who, "object": obj}
