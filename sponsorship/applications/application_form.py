"""The application form between the page and the rules.

It is filled from a saved application, read into the `ApplicationInput` the services
check, grows and shrinks by delegate rows without a script, keeps an uploaded note
across re-renders, and lists its errors in page order for the summary on top.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.applications import uploads
from sponsorship.applications.forms import ApplicationForm
from sponsorship.applications.rules import ApplicationInput, DelegateInput
from sponsorship.models import Application, Meeting
from sponsorship.web.forms import choices
from sponsorship.web.i18n import state_options


def prepare(form: ApplicationForm, meeting: Meeting) -> None:
    """Choices that depend on the meeting and the database, for every delegate row."""
    form.sessions.choices = choices([(s.id, s.local_title) for s in meeting.sessions])
    nationalities = choices([("", _("Choose…")), *state_options(lambda s: s.iso3)])
    for entry in form.delegates.entries:
        entry.form.nationality.choices = nationalities


def form_data(application: Application) -> dict:
    """The form's data for a saved application."""
    return {
        "sessions": [s.id for s in application.sessions],
        "statement_planned": application.statement_planned,
        "presentation_planned": application.presentation_planned,
        "national_role": application.national_role or "",
        "language": application.language,
        "consent_personal_data": application.consent_personal_data,
        "delegates": [
            {
                "name": d.name,
                "gender": d.gender.value,
                "function": d.function,
                "organisation": d.organisation,
                "email": d.email or "",
                "phone": d.phone or "",
                "nationality": d.nationality,
                "passport_number": d.passport_number or "",
                "passport_expiry": d.passport_expiry,
                "departure_city": d.departure_city,
                "first_time": d.first_time,
                "survivor": d.survivor,
                "accessibility_needs": d.accessibility_needs or "",
            }
            for d in application.delegates
        ],
    }


def to_input(form: ApplicationForm, note: uploads.StoredNote | None) -> ApplicationInput:
    """What the form holds, as the services take it."""
    delegates = []
    for entry in form.delegates.entries:
        f = entry.form
        delegates.append(
            DelegateInput(
                name=f.name.data or "",
                gender=f.gender.data or "",
                function=f.function.data or "",
                organisation=f.organisation.data or "",
                email=f.email.data or "",
                phone=f.phone.data or "",
                nationality=f.nationality.data or "",
                passport_number=f.passport_number.data or "",
                passport_expiry=f.passport_expiry.data,
                departure_city=f.departure_city.data or "",
                first_time=bool(f.first_time.data),
                survivor=bool(f.survivor.data),
                accessibility_needs=f.accessibility_needs.data or "",
            )
        )
    return ApplicationInput(
        delegates=delegates,
        session_ids=list(form.sessions.data or []),
        statement_planned=bool(form.statement_planned.data),
        presentation_planned=bool(form.presentation_planned.data),
        national_role=form.national_role.data or "",
        consent_personal_data=bool(form.consent_personal_data.data),
        language=form.language.data or "en",
        note=note,
    )


def add_row(form: ApplicationForm, meeting: Meeting) -> bool:
    """Add an empty delegate row; False, with the reason on the form, past the cap."""
    if len(form.delegates.entries) >= min(meeting.delegate_cap, form.delegates.max_entries):
        form.form_errors.append(
            _(
                "This meeting accepts at most %(num)d delegates per State.",
                num=meeting.delegate_cap,
            )
        )
        return False
    form.delegates.append_entry()
    prepare(form, meeting)
    return True


def remove_row(form: ApplicationForm, meeting: Meeting, index: str) -> None:
    """Remove the delegate row at `index` (as the button sends it); the form keeps one."""
    if index.isdigit() and int(index) < len(form.delegates.entries):
        form.delegates.entries.pop(int(index))
        form.delegates._compact_indices()
    if not form.delegates.entries:
        form.delegates.append_entry()
        prepare(form, meeting)


def receive_note(form: ApplicationForm) -> tuple[uploads.StoredNote | None, str | None]:
    """Store a newly uploaded note, or find the one uploaded before this re-render.

    Returns the note (or None) and the reason a new upload was refused (or None).
    """
    upload = form.note.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.stream.read(current_app.config["MAX_NOTE_BYTES"] + 1)
        try:
            note = uploads.store_note(data, upload.filename)
        except uploads.UploadRefused as error:
            refused = str(error)
        else:
            form.note_token.data = note.token(current_user.id)
            return note, None
    else:
        refused = None
    if form.note_token.data:
        note = uploads.from_token(form.note_token.data, current_user.id)
        if note is None:
            form.note_token.data = ""
        return note, refused
    return None, refused


def pending_note(form: ApplicationForm) -> uploads.StoredNote | None:
    """The note uploaded with this form and not saved yet, if any."""
    if not form.note_token.data:
        return None
    return uploads.from_token(form.note_token.data, current_user.id)


def summary_items(form: ApplicationForm) -> list[tuple[str, str]]:
    """(field id, message) for the error summary, in page order."""
    items = [("application-form", message) for message in form.form_errors]
    for name in ("sessions", "statement_planned", "presentation_planned", "national_role"):
        items += [(form[name].id, f"{form[name].label.text}: {e}") for e in form[name].errors]
    for position, entry in enumerate(form.delegates.entries, 1):
        for sub in entry.form:
            for error in sub.errors:
                label = _("Delegate %(n)d, %(field)s", n=position, field=sub.label.text)
                items.append((sub.id, f"{label}: {error}"))
    for name in ("language", "consent_personal_data", "note"):
        items += [(form[name].id, f"{form[name].label.text}: {e}") for e in form[name].errors]
    return items
