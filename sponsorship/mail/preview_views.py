"""Administrators preview every mail the programme sends, in each language, rendered
from made-up data through the very templates the outbox uses. Nothing is sent.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, abort, render_template, request

from sponsorship.mail import outbox
from sponsorship.payments.forms import STATE_LABELS
from sponsorship.web.filters import current_locale

bp = Blueprint("mail_previews", __name__, url_prefix="/mail")

#: Every template of templates/mail/, in the order of an award's life.
TEMPLATES = (
    "application_submitted",
    "award_rejected",
    "award_waitlisted",
    "offer_made",
    "offer_reminder",
    "offer_expired",
    "offer_declined",
    "award_accepted",
    "letter_ready",
    "visa_letter_ready",
    "report_due",
    "report_overdue",
    "certificate_ready",
    "claim_decided",
)


#: The sample meeting, city and State as an administrator would have entered them.
SAMPLE_NAMES = {
    "en": ("Twenty-Second Meeting of the States Parties", "Geneva", "Chad"),
    "fr": ("Vingt-deuxième Assemblée des États parties", "Genève", "Tchad"),
    "es": ("Vigésima Segunda Reunión de los Estados Partes", "Ginebra", "Chad"),
}


def _sample(language: str) -> dict:
    """Made-up objects with the attributes the mail templates read."""
    start = date.today() + timedelta(days=40)
    title, city, state_name = SAMPLE_NAMES[language]
    meeting = SimpleNamespace(
        local_title=title,
        local_city=city,
        starts_on=start,
        ends_on=start + timedelta(days=4),
    )
    state = SimpleNamespace(localized_name=lambda _language: state_name)
    delegate = SimpleNamespace(name="Idriss Abakar")
    application = SimpleNamespace(language=language, delegates=[delegate])
    award = SimpleNamespace(
        reference="SP-2026-MSP22-0007", offer_deadline=date.today() + timedelta(days=10)
    )
    return {
        "meeting": meeting,
        "state": state,
        "delegate": delegate,
        "application": application,
        "award": award,
        "letter": SimpleNamespace(verification_code="K7Q2-M9XD"),
        "link": "https://sponsorship.example.org/apply/",
        "reason": "The budget for this meeting is fully committed.",
        "due": start + timedelta(days=34),
        "claim": SimpleNamespace(
            currency="XAF", amount=Decimal("45000"), approved_amount=Decimal("30000")
        ),
        "claim_status": STATE_LABELS["partly_approved"],
    }


@bp.get("/previews")
def previews():
    language = request.args.get("lang") or current_locale()[:2]
    if language not in outbox.LANGUAGES:
        abort(404)
    mails = []
    for template in TEMPLATES:
        subject, body = outbox.render(template, language, **_sample(language))
        mails.append(SimpleNamespace(template=template, subject=subject, body=body))
    return render_template(
        "mail/previews.html", mails=mails, language=language, languages=outbox.LANGUAGES
    )
