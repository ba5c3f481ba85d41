"""The applicant's pages: what is open, applying, answering offers, reporting.

Every object is loaded through one loader that answers 404 for another State's
records, so no page can show or change them.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.applications import application_form, offers, rules, uploads
from sponsorship.applications import delegate_reports as reports
from sponsorship.applications import services as service
from sponsorship.applications.dashboard import document_tasks, open_meetings, what_happened
from sponsorship.applications.form_errors import add_error, refused_on, show_errors
from sponsorship.applications.forms import (
    AcceptOfferForm,
    ApplicationForm,
    ConfirmForm,
    DeclineOfferForm,
    ReportForm,
)
from sponsorship.applications.ownership import own_application, own_award
from sponsorship.documents import letters, series
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Meeting,
    Role,
)
from sponsorship.web.bounds import parse_int
from sponsorship.web.confirm import confirmation
from sponsorship.web.filters import current_locale
from sponsorship.web.forms import choices, kept_form, redirect_with_errors
from sponsorship.web.page_cache import cached_page
from sponsorship.web.refusals import refusal
from sponsorship.web.requests import takes_upload
from sponsorship.web.responses import file_response, pdf_response
from sponsorship.web.security import role_required

bp = Blueprint("applicant", __name__, url_prefix="/apply")

INVALID = 422


def _today() -> date:
    return date.today()


# ---- Dashboard ------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.APPLICANT)
@cached_page
def dashboard():
    state = current_user.state
    today = _today()
    applications = service.current_applications(state.id, today)
    return render_template(
        "applications/dashboard.html",
        state=state,
        today=today,
        meetings=service.open_meetings_with_application(open_meetings(today), applications),
        applications=applications,
        all_applications=service.application_count(state.id),
        tasks=service.tasks(applications, today),
        document_tasks=document_tasks(applications),
        history=what_happened(state.id),
    )


#: Rows of the applications page.
APPLICATIONS_PER_PAGE = 50


@bp.get("/applications")
@role_required(Role.APPLICANT)
@cached_page
def applications():
    """Every application of the State, the latest meeting first, a page at a time: the
    dashboard lists only the current ones."""
    page = parse_int(request.args.get("page"), minimum=1, maximum=1_000_000) or 1
    return render_template(
        "applications/applications.html",
        found=service.applications_page(current_user.state_id, page, APPLICATIONS_PER_PAGE),
        today=_today(),
    )


# ---- Applying -------------------------------------------------------------------------


def _application_page(meeting: Meeting, application: Application | None):
    if request.method == "GET" and application is not None:
        form = ApplicationForm(formdata=None, data=application_form.form_data(application))
    else:
        form = ApplicationForm()
        if request.method == "GET":
            # Letters and mails follow the language the applicant is reading in.
            form.language.data = current_locale()[:2]
    application_form.prepare(form, meeting)
    status = 200
    if request.method == "POST" and form.is_submitted():
        action = request.form.get("action", "draft")
        # The note is stored as soon as it arrives, whatever the button, and its signed
        # reference rides along in the form so an error or a new row never loses it.
        note, refused = application_form.receive_note(form)
        if refused:
            add_error(form.note, refused)
        if action == "add":
            if not application_form.add_row(form, meeting):
                status = INVALID
        elif action.startswith("remove-"):
            application_form.remove_row(form, meeting, action.removeprefix("remove-"))
        elif action in ("draft", "submit"):
            saved = _save(form, meeting, application, note, refused, submit=action == "submit")
            if saved is not None:
                return _saved(meeting, saved, submitted=action == "submit")
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
            summary=application_form.summary_items(form),
            pending_note=application_form.pending_note(form),
        ),
        status,
    )


def _save(
    form: ApplicationForm,
    meeting: Meeting,
    application: Application | None,
    note: uploads.StoredNote | None,
    refused: str | None,
    *,
    submit: bool,
) -> Application | None:
    """The draft saved (and submitted when `submit`), or None with every error shown."""
    valid = form.validate() and not refused
    if refused:  # validate() starts every field's errors afresh
        add_error(form.note, refused)
    data = application_form.to_input(form, note)
    if not valid:
        # Say everything at once: the rules' errors too, where the form found none.
        problems = service.problems(
            current_user.state_id, meeting, data, _today(), application, submit=submit
        )
        show_errors(form, problems, only_new=True)
        return None
    with refused_on(form):
        return service.save(
            current_user, meeting, data, _today(), application=application, submit=submit
        )
    return None


def _saved(meeting: Meeting, saved: Application, *, submitted: bool):
    if submitted:
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


@bp.route("/meetings/<int:meeting_id>/apply", methods=["GET", "POST"])
@takes_upload
@role_required(Role.APPLICANT)
def new_application(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    existing = service.find(current_user.state_id, meeting)
    if existing is not None:
        return redirect(url_for(".application", application_id=existing.id))
    if not meeting.accepts_applications(_today()):
        flash(_("Applications for this meeting are closed."), "warning")
        return redirect(url_for(".dashboard"))
    return _application_page(meeting, None)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@takes_upload
@role_required(Role.APPLICANT)
def edit_application(application_id: int):
    application = own_application(application_id)
    if application.status != ApplicationStatus.DRAFT:
        flash(_("Only a draft can be changed."), "info")
        return redirect(url_for(".application", application_id=application.id))
    return _application_page(application.meeting, application)


@bp.get("/applications/<int:application_id>")
@role_required(Role.APPLICANT)
def application(application_id: int):
    application = own_application(application_id)
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


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def withdraw_application(application_id: int):
    """Withdrawing is final: the page says so and asks first (web/confirm.py)."""
    application = own_application(application_id)
    back = url_for(".application", application_id=application.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with refusal():
            service.withdraw(current_user, application)
            flash(_("The application has been withdrawn."), "success")
        return redirect(back)
    if request.method == "POST":
        abort(400)
    if application.status == ApplicationStatus.WITHDRAWN:
        return redirect(back)
    return confirmation(
        form,
        title=_("Withdraw the application for %(meeting)s?", meeting=application.meeting.title),
        consequences=[
            _("The application and its delegates leave the review."),
            _("Withdrawing is final: your State cannot apply again for this meeting."),
        ],
        button=_("Withdraw the application"),
        cancel=back,
    )


@bp.get("/applications/<int:application_id>/note")
@role_required(Role.APPLICANT, Role.ADMINISTRATOR)
def note(application_id: int):
    """The nomination note, to its State's applicants and to administrators, as a download."""
    if current_user.role == Role.ADMINISTRATOR:
        application = db.get_or_404(Application, application_id)
    else:
        application = own_application(application_id)
    data = uploads.read_note(application.note_path) if application.note_path else None
    if data is None:
        abort(404)
    # From the shared storage, so any host serves the note whichever stored it.
    response = file_response(
        data, uploads.PDF_TYPE, application.note_filename or "note-verbale.pdf"
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# ---- Offers ---------------------------------------------------------------------------


def _offer_page(award: Award):
    application = award.delegate.application
    # As refused just now by `accept_offer` (kept across the redirect), or filled.
    accept_form = kept_form(AcceptOfferForm)
    if accept_form is None:
        accept_form = AcceptOfferForm(
            formdata=None,
            data={
                "departure_city": award.delegate.departure_city,
                "travel_out_on": application.meeting.starts_on - timedelta(days=1),
                "travel_back_on": application.meeting.ends_on + timedelta(days=1),
            },
        )
    return render_template(
        "applications/offer.html",
        award=award,
        delegate=award.delegate,
        application=application,
        meeting=application.meeting,
        expired=service.offer_expired(award, _today()),
        accept_form=accept_form,
        letter=letters.current_letter(award),
    )


@bp.get("/awards/<int:award_id>")
@role_required(Role.APPLICANT)
def offer(award_id: int):
    return _offer_page(own_award(award_id))


@bp.post("/awards/<int:award_id>/accept")
@role_required(Role.APPLICANT)
def accept_offer(award_id: int):
    award = own_award(award_id)
    form = AcceptOfferForm()
    if form.validate_on_submit():
        with refused_on(form):
            offers.accept(
                current_user,
                award,
                departure_city=form.departure_city.data or "",
                travel_out_on=form.travel_out_on.data,
                travel_back_on=form.travel_back_on.data,
                today=_today(),
            )
            # The award confirmation replaces the offer letter, and is mailed.
            series.on_accepted(award, current_user)
            flash(
                _(
                    "You accepted the offer for %(name)s. The programme will book the ticket.",
                    name=award.delegate.name,
                ),
                "success",
            )
            return redirect(url_for(".offer", award_id=award.id))
    return redirect_with_errors(form, url_for(".offer", award_id=award.id))


@bp.route("/awards/<int:award_id>/decline", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def decline_offer(award_id: int):
    """Declining is final: a confirmation page asks the reason (web/confirm.py)."""
    award = own_award(award_id)
    back = url_for(".offer", award_id=award.id)
    form = DeclineOfferForm()
    if form.validate_on_submit():
        with refused_on(form):
            offers.decline(current_user, award, reason=form.reason.data or "", today=_today())
            flash(_("You declined the offer for %(name)s.", name=award.delegate.name), "info")
            return redirect(back)
    elif request.method == "GET" and award.status != AwardStatus.OFFERED:
        return redirect(back)
    return confirmation(
        form,
        title=_("Decline the offer for %(name)s?", name=award.delegate.name),
        consequences=[
            _("The place goes to the next delegate on the waiting list."),
            _("Declining is final: the offer cannot be accepted afterwards."),
        ],
        button=_("Decline the offer"),
        cancel=back,
        hints={"reason": _("So that the place can go to the waiting list quickly.")},
    )


@bp.get("/awards/<int:award_id>/letter")
@role_required(Role.APPLICANT)
def letter(award_id: int):
    award = own_award(award_id)
    letter = letters.current_letter(award)
    if letter is None:
        abort(404)
    return pdf_response(letter.pdf, f"{award.reference}-v{letter.version}.pdf")


# ---- Reports --------------------------------------------------------------------------


@bp.route("/awards/<int:award_id>/report", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def report(award_id: int):
    award = own_award(award_id)
    meeting = award.delegate.application.meeting
    existing = service.report_for(award)
    form = ReportForm()
    form.sessions.choices = choices([(s.id, s.local_title) for s in meeting.sessions])
    status = 200
    if existing is None and form.validate_on_submit():
        with refused_on(form):
            reports.submit_report(
                current_user,
                award,
                session_ids=list(form.sessions.data or []),
                statement_delivered=bool(form.statement_delivered.data),
                comments=form.comments.data or "",
                today=_today(),
                quote_consent=bool(form.quote_consent.data),
            )
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
