"""The applicant's pages: what is open, applying, answering offers, reporting.

Every object is loaded through one loader that answers 404 for another State's
records, so no page can show or change them.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.applications import delegate_reports as reports
from sponsorship.applications import offers, rules, uploads
from sponsorship.applications import services as service
from sponsorship.applications.dashboard import open_meetings
from sponsorship.applications.forms import (
    AcceptOfferForm,
    ApplicationForm,
    ConfirmForm,
    DeclineOfferForm,
    ReportForm,
)
from sponsorship.applications.rules import ApplicationInput, ApplicationInvalid, DelegateInput
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    Delegate,
    Letter,
    LetterStatus,
    Meeting,
    Role,
)
from sponsorship.web.filters import current_locale
from sponsorship.web.forms import choices
from sponsorship.web.i18n import state_options
from sponsorship.web.page_cache import cached_page
from sponsorship.web.security import role_required

bp = Blueprint("applicant", __name__, url_prefix="/apply")

INVALID = 422


def _today() -> date:
    return date.today()


# ---- Loaders: the one place that decides who sees which object ------------------------


def _own_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.state_id != current_user.state_id:
        abort(404)
    return application


def _own_award(award_id: int) -> Award:
    award = db.session.scalar(
        select(Award)
        .join(Award.delegate)
        .join(Delegate.application)
        .where(Award.id == award_id, Application.state_id == current_user.state_id)
        .options(selectinload(Award.delegate).selectinload(Delegate.application))
    )
    if award is None:
        abort(404)
    return award


# ---- Dashboard ------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.APPLICANT)
@cached_page
def dashboard():
    state = current_user.state
    today = _today()
    applications = service.state_applications(state.id)
    return render_template(
        "applications/dashboard.html",
        state=state,
        today=today,
        meetings=service.open_meetings_with_application(open_meetings(today), applications),
        applications=applications,
        tasks=service.tasks(applications, today),
    )


# ---- Applying -------------------------------------------------------------------------


def _nationality_choices():
    return choices([("", _("Choose…")), *state_options(lambda s: s.iso3)])


def _prepare(form: ApplicationForm, meeting: Meeting) -> None:
    """Choices that depend on the meeting and the database, for every delegate row."""
    form.sessions.choices = choices([(s.id, s.title) for s in meeting.sessions])
    nationalities = _nationality_choices()
    for entry in form.delegates.entries:
        entry.form.nationality.choices = nationalities


def _form_data(application: Application) -> dict:
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
                "email": d.email,
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


def _input(form: ApplicationForm, note: uploads.StoredNote | None) -> ApplicationInput:
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


def _add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


def _show_errors(
    form: ApplicationForm, errors: list[service.FieldError], only_new: bool = False
) -> None:
    """Put each error by its field; `only_new` skips fields that already have one."""
    for error in errors:
        target = None
        if error.index is not None and error.index < len(form.delegates.entries):
            target = getattr(form.delegates.entries[error.index].form, error.field or "", None)
        elif error.index is None and error.field and error.field != "delegates":
            target = getattr(form, error.field, None)
        if target is None:
            if error.message not in form.form_errors:
                form.form_errors.append(error.message)
        elif not (only_new and target.errors):
            _add_error(target, error.message)


def _receive_note(form: ApplicationForm) -> tuple[uploads.StoredNote | None, str | None]:
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


def _summary_items(form: ApplicationForm) -> list[tuple[str, str]]:
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


def _application_page(meeting: Meeting, application: Application | None):
    if request.method == "GET" and application is not None:
        form = ApplicationForm(formdata=None, data=_form_data(application))
    else:
        form = ApplicationForm()
        if request.method == "GET":
            # Letters and mails follow the language the applicant is reading in.
            form.language.data = current_locale()[:2]
    _prepare(form, meeting)
    status = 200
    if request.method == "POST" and form.is_submitted():
        action = request.form.get("action", "draft")
        # The note is stored as soon as it arrives, whatever the button, and its signed
        # reference rides along in the form so an error or a new row never loses it.
        note, refused = _receive_note(form)
        if refused:
            _add_error(form.note, refused)
        if action == "add":
            if len(form.delegates.entries) < min(meeting.delegate_cap, form.delegates.max_entries):
                form.delegates.append_entry()
                _prepare(form, meeting)
            else:
                form.form_errors.append(
                    _(
                        "This meeting accepts at most %(num)d delegates per State.",
                        num=meeting.delegate_cap,
                    )
                )
                status = INVALID
        elif action.startswith("remove-"):
            index = action.removeprefix("remove-")
            if index.isdigit() and int(index) < len(form.delegates.entries):
                form.delegates.entries.pop(int(index))
                form.delegates._compact_indices()
            if not form.delegates.entries:
                form.delegates.append_entry()
                _prepare(form, meeting)
        elif action in ("draft", "submit"):
            valid = form.validate() and not refused
            if refused:  # validate() starts every field's errors afresh
                _add_error(form.note, refused)
            if not valid:
                # Say everything at once: the rules' errors too, where the form found none.
                _show_errors(
                    form,
                    service.problems(
                        current_user.state_id,
                        meeting,
                        _input(form, note),
                        _today(),
                        application,
                        submit=action == "submit",
                    ),
                    only_new=True,
                )
            else:
                try:
                    saved = service.save(
                        current_user,
                        meeting,
                        _input(form, note),
                        _today(),
                        application=application,
                        submit=action == "submit",
                    )
                except ApplicationInvalid as error:
                    db.session.rollback()
                    _show_errors(form, error.errors)
                except DomainError as error:
                    db.session.rollback()
                    form.form_errors.append(str(error))
                else:
                    if action == "submit":
                        flash(_("Your application has been submitted. Thank you."), "success")
                        return redirect(url_for(".application", application_id=saved.id))
                    flash(
                        _(
                            "Draft saved. You can come back and finish it before %(date)s.",
                            date=format_date(meeting.applications_close_on, "long"),
                        ),
                        "success",
                    )
                    return redirect(url_for(".edit_application", application_id=saved.id))
            status = INVALID
        else:
            abort(400)
    return (
        render_template(
            "applications/application_form.html",
            form=form,
            meeting=meeting,
            application=application,
            passport_date=rules.passport_valid_until(meeting),
            summary=_summary_items(form),
            pending_note=uploads.from_token(form.note_token.data, current_user.id)
            if form.note_token.data
            else None,
        ),
        status,
    )


@bp.route("/meetings/<int:meeting_id>/apply", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def new_application(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    existing = service.find(current_user.state_id, meeting)
    if existing is not None:
        return redirect(url_for(".application", application_id=existing.id))
    if not meeting.accepts_applications(_today()):
        flash(_("Applications for this meeting are closed."), "warning")
        return redirect(url_for(".dashboard"))
    return _application_page(meeting, None)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def edit_application(application_id: int):
    application = _own_application(application_id)
    if application.status != ApplicationStatus.DRAFT:
        flash(_("Only a draft can be changed."), "info")
        return redirect(url_for(".application", application_id=application.id))
    return _application_page(application.meeting, application)


@bp.get("/applications/<int:application_id>")
@role_required(Role.APPLICANT)
def application(application_id: int):
    application = _own_application(application_id)
    today = _today()
    return render_template(
        "applications/application.html",
        application=application,
        meeting=application.meeting,
        today=today,
        can_edit=application.status == ApplicationStatus.DRAFT
        and application.meeting.accepts_applications(today),
        can_withdraw=service.can_withdraw(application),
        withdraw_form=ConfirmForm(),
        offer_expired=service.offer_expired,
        report_due=service.report_due,
    )


@bp.post("/applications/<int:application_id>/withdraw")
@role_required(Role.APPLICANT)
def withdraw_application(application_id: int):
    application = _own_application(application_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.withdraw(current_user, application)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("The application has been withdrawn."), "success")
    return redirect(url_for(".application", application_id=application.id))


@bp.get("/applications/<int:application_id>/note")
@role_required(Role.APPLICANT, Role.ADMINISTRATOR)
def note(application_id: int):
    """The nomination note, to its State's applicants and to administrators, as a download."""
    if current_user.role == Role.ADMINISTRATOR:
        application = db.session.get(Application, application_id) or abort(404)
    else:
        application = _own_application(application_id)
    if not application.note_path:
        abort(404)
    try:
        path = uploads.note_path(application.note_path)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=application.note_filename or "note-verbale.pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# ---- Offers ---------------------------------------------------------------------------


def _offer_page(award: Award, accept_form=None, decline_form=None, status: int = 200):
    application = award.delegate.application
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.award_id == award.id, Letter.status == LetterStatus.VALID)
        .order_by(Letter.version.desc())
        .limit(1)
    )
    if accept_form is None:
        accept_form = AcceptOfferForm(
            formdata=None,
            data={
                "departure_city": award.delegate.departure_city,
                "travel_out_on": application.meeting.starts_on - timedelta(days=1),
                "travel_back_on": application.meeting.ends_on + timedelta(days=1),
            },
        )
    return (
        render_template(
            "applications/offer.html",
            award=award,
            delegate=award.delegate,
            application=application,
            meeting=application.meeting,
            expired=service.offer_expired(award, _today()),
            accept_form=accept_form,
            decline_form=decline_form or DeclineOfferForm(formdata=None),
            letter=letter,
        ),
        status,
    )


@bp.get("/awards/<int:award_id>")
@role_required(Role.APPLICANT)
def offer(award_id: int):
    return _offer_page(_own_award(award_id))


def _field_errors(form, errors: list[service.FieldError]) -> None:
    for error in errors:
        target = getattr(form, error.field or "", None)
        if target is None:
            form.form_errors.append(error.message)
        else:
            _add_error(target, error.message)


@bp.post("/awards/<int:award_id>/accept")
@role_required(Role.APPLICANT)
def accept_offer(award_id: int):
    award = _own_award(award_id)
    form = AcceptOfferForm()
    if form.validate_on_submit():
        try:
            offers.accept(
                current_user,
                award,
                departure_city=form.departure_city.data or "",
                travel_out_on=form.travel_out_on.data,
                travel_back_on=form.travel_back_on.data,
                today=_today(),
            )
        except ApplicationInvalid as error:
            db.session.rollback()
            _field_errors(form, error.errors)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(
                _(
                    "You accepted the offer for %(name)s. The programme will book the ticket.",
                    name=award.delegate.name,
                ),
                "success",
            )
            return redirect(url_for(".offer", award_id=award.id))
    return _offer_page(award, accept_form=form, status=INVALID)


@bp.post("/awards/<int:award_id>/decline")
@role_required(Role.APPLICANT)
def decline_offer(award_id: int):
    award = _own_award(award_id)
    form = DeclineOfferForm()
    if form.validate_on_submit():
        try:
            offers.decline(current_user, award, reason=form.reason.data or "", today=_today())
        except ApplicationInvalid as error:
            db.session.rollback()
            _field_errors(form, error.errors)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("You declined the offer for %(name)s.", name=award.delegate.name), "info")
            return redirect(url_for(".offer", award_id=award.id))
    return _offer_page(award, decline_form=form, status=INVALID)


@bp.get("/awards/<int:award_id>/letter")
@role_required(Role.APPLICANT)
def letter(award_id: int):
    award = _own_award(award_id)
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.award_id == award.id, Letter.status == LetterStatus.VALID)
        .order_by(Letter.version.desc())
        .limit(1)
    )
    if letter is None:
        abort(404)
    response = send_file(
        BytesIO(letter.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{award.reference}-v{letter.version}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- Reports --------------------------------------------------------------------------


@bp.route("/awards/<int:award_id>/report", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def report(award_id: int):
    award = _own_award(award_id)
    meeting = award.delegate.application.meeting
    existing = service.report_for(award)
    form = ReportForm()
    form.sessions.choices = choices([(s.id, s.title) for s in meeting.sessions])
    status = 200
    if existing is None and form.validate_on_submit():
        try:
            reports.submit_report(
                current_user,
                award,
                session_ids=list(form.sessions.data or []),
                statement_delivered=bool(form.statement_delivered.data),
                comments=form.comments.data or "",
                today=_today(),
            )
        except ApplicationInvalid as error:
            db.session.rollback()
            _field_errors(form, error.errors)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(
                _("Thank you: the report on %(name)s was received.", name=award.delegate.name),
                "success",
            )
            return redirect(url_for(".report", award_id=award.id))
        status = INVALID
    elif request.method == "POST":
        status = INVALID if existing is None else 409
        if existing is not None:
            form.form_errors.append(_("A report on this delegate has already been given."))
    return (
        render_template(
            "applications/report.html",
            award=award,
            delegate=award.delegate,
            meeting=meeting,
            form=form,
            existing=existing,
            due=service.report_due(award, _today()),
        ),
        status,
    )
