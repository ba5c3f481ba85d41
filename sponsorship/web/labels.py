"""Translated labels for enum values shown to users."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from sponsorship.models import ConventionStatus

STATUS_LABELS = {
    # applications
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "decided": _l("Decided"),
    "withdrawn": _l("Withdrawn"),
    # awards
    "pending": _l("Awaiting decision"),
    "offered": _l("Offered"),
    "waitlisted": _l("Waiting list"),
    "rejected": _l("Not selected"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Offer expired"),
    "cancelled": _l("Cancelled"),
    "attended": _l("Attended"),
    "no_show": _l("Did not attend"),
    # contributions
    "pledged": _l("Pledged"),
    "received": _l("Received"),
    # roles
    "applicant": _l("Applicant"),
    "administrator": _l("Administrator"),
    "donor": _l("Donor"),
}

THEME_LABELS = {
    "mine_clearance": _l("Mine clearance"),
    "victim_assistance": _l("Victim assistance"),
    "stockpile_destruction": _l("Stockpile destruction"),
    "universalization": _l("Universalization"),
    "general": _l("General status and operation"),
}

REGION_LABELS = {
    "african": _l("African Group"),
    "asia_pacific": _l("Asia-Pacific Group"),
    "eastern_european": _l("Eastern European Group"),
    "latin_american_caribbean": _l("Latin American and Caribbean Group"),
    "western_european_others": _l("Western European and Others Group"),
    "none": _l("No regional group"),
}

MEETING_KIND_LABELS = {
    "msp": _l("Meeting of the States Parties"),
    "intersessional": _l("Intersessional meetings"),
    "review_conference": _l("Review Conference"),
}

CONVENTION_LABELS = {
    ConventionStatus.STATE_PARTY.value: _l("State Party"),
    ConventionStatus.SIGNATORY.value: _l("Signatory"),
    ConventionStatus.NOT_PARTY.value: _l("Not party"),
    ConventionStatus.WITHDRAWN.value: _l("Withdrawn or withdrawing"),
}

GENDER_LABELS = {
    "female": _l("woman"),
    "male": _l("man"),
    "other": _l("other gender"),
    "undisclosed": _l("gender not given"),
}


#: Tables already translated, by (language, table): (the table, its translation). The
#: catalogues never change in a process, and a page translating its tables anew on every
#: request spent a millisecond on it.
_TRANSLATED: dict[tuple[str, int], tuple[Mapping, dict[str, str]]] = {}


def translated(labels: Mapping[str, LazyString]) -> Mapping[str, str]:
    """`labels` translated into the current language, once per process: a lazy label is
    translated again each time it is shown, which a page showing one on every row of a
    table pays for every row. Shared between requests: read it, never change it."""
    key = (str(get_locale()), id(labels))
    found = _TRANSLATED.get(key)
    if found is None or found[0] is not labels:  # another table, since gone, had its id
        found = _TRANSLATED[key] = (labels, {k: str(label) for k, label in labels.items()})
    return found[1]
