"""What a State's application must respect, checked without changing anything.

A draft respects its shape: the window is open, the meeting's cap holds, the sessions
are the meeting's, the language and genders are among the choices. A submitted
application is also complete: every required field, valid e-mail addresses, passports
valid six months after the meeting, consent, the nomination note. Errors come back
per field (`FieldError`) so a page can show each next to its field.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from sponsorship.applications.uploads import StoredNote
from sponsorship.core.errors import DomainError
from sponsorship.models import Gender, Meeting

LANGUAGES = ("en", "fr", "es")
#: A passport must be valid this many months after the meeting's last day.
PASSPORT_MONTHS = 6
#: Delegate fields a submitted application must fill in.
REQUIRED_DELEGATE_FIELDS = (
    "name",
    "gender",
    "function",
    "organisation",
    "email",
    "nationality",
    "passport_number",
    "passport_expiry",
    "departure_city",
)


@dataclass
class DelegateInput:
    name: str = ""
    gender: str = ""
    function: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    nationality: str = ""
    passport_number: str = ""
    passport_expiry: date | None = None
    departure_city: str = ""
    first_time: bool = False
    survivor: bool = False
    accessibility_needs: str = ""

    def is_blank(self) -> bool:
        texts = (
            self.name,
            self.gender,
            self.function,
            self.organisation,
            self.email,
            self.phone,
            self.nationality,
            self.passport_number,
            self.departure_city,
            self.accessibility_needs,
        )
        return (
            not any(texts)
            and self.passport_expiry is None
            and not (self.first_time or self.survivor)
        )


@dataclass
class ApplicationInput:
    delegates: list[DelegateInput] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    statement_planned: bool = False
    presentation_planned: bool = False
    national_role: str = ""
    consent_personal_data: bool = False
    language: str = "en"
    #: A newly uploaded note; None keeps the application's current one.
    note: StoredNote | None = None


@dataclass(frozen=True)
class FieldError:
    #: Name of the form field: a delegate field when `index` is set, else an application field.
    field: str | None
    message: str
    #: Position of the delegate in the list, for delegate fields.
    index: int | None = None


class ApplicationInvalid(DomainError):
    """The application cannot be saved or submitted as it is; `errors` says where."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def passport_valid_until(meeting: Meeting) -> date:
    """The earliest passport expiry accepted for `meeting`."""
    return add_months(meeting.ends_on, PASSPORT_MONTHS)


def shape_errors(meeting: Meeting, data: ApplicationInput, today: date) -> list[FieldError]:
    """What even a draft must respect."""
    errors: list[FieldError] = []
    if not meeting.accepts_applications(today):
        errors.append(FieldError(None, str(_l("Applications for this meeting are closed."))))
    delegates = [d for d in data.delegates if not d.is_blank()]
    if len(delegates) > meeting.delegate_cap:
        errors.append(
            FieldError(
                None,
                str(
                    _l(
                        "This meeting accepts at most %(num)d delegates per State.",
                        num=meeting.delegate_cap,
                    )
                ),
            )
        )
    session_ids = {s.id for s in meeting.sessions}
    if not set(data.session_ids) <= session_ids:
        errors.append(FieldError("sessions", str(_l("Choose sessions of this meeting."))))
    if data.language not in LANGUAGES:
        errors.append(FieldError("language", str(_l("Choose English, French or Spanish."))))
    for index, delegate in enumerate(data.delegates):
        if delegate.gender and delegate.gender not in {g.value for g in Gender}:
            errors.append(FieldError("gender", str(_l("Choose one of the options.")), index))
    return errors


def completeness_errors(
    meeting: Meeting, data: ApplicationInput, has_note: bool
) -> list[FieldError]:
    """What a submitted application must also have."""
    errors: list[FieldError] = []
    required = str(_l("This field is required to submit."))
    if not data.delegates or all(d.is_blank() for d in data.delegates):
        errors.append(FieldError(None, str(_l("Nominate at least one delegate."))))
    earliest = passport_valid_until(meeting)
    for index, delegate in enumerate(data.delegates):
        if delegate.is_blank():
            continue
        for name in REQUIRED_DELEGATE_FIELDS:
            if getattr(delegate, name) in (None, ""):
                errors.append(FieldError(name, required, index))
        if delegate.email:
            try:
                validate_email(delegate.email, check_deliverability=False)
            except EmailNotValidError:
                errors.append(FieldError("email", str(_l("Enter a valid e-mail address.")), index))
        if delegate.passport_expiry is not None and delegate.passport_expiry < earliest:
            errors.append(
                FieldError(
                    "passport_expiry",
                    str(
                        _l(
                            "The passport must be valid until at least %(date)s, six months "
                            "after the meeting.",
                            date=earliest.isoformat(),
                        )
                    ),
                    index,
                )
            )
    if not data.session_ids:
        errors.append(
            FieldError("sessions", str(_l("Choose the sessions the delegates will serve.")))
        )
    if not data.consent_personal_data:
        errors.append(
            FieldError(
                "consent_personal_data",
                str(_l("Consent to the processing of personal data is needed to submit.")),
            )
        )
    if not has_note:
        errors.append(
            FieldError("note", str(_l("Upload the nomination note (note verbale) as a PDF.")))
        )
    return errors
