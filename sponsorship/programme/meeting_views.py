"""Administrators' meeting pages: list, create, edit with sessions, open or close the window.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sponsorship.extensions import db
from sponsorship.models import Application, Meeting, MeetingKind, Theme
from sponsorship.programme import meetings, signatory
from sponsorship.programme.forms import MeetingForm, SignatoryForm, WindowForm
from sponsorship.web.refusals import Outcome, refusal

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

#: Empty session rows offered on the form, so a session is added without a script.
BLANK_SESSIONS = 2
#: The meeting form's French and Spanish fields, named as the model's columns.
TRANSLATED_FIELDS = tuple(
    f"{field}_{lang}" for field in ("title", "venue", "city") for lang in ("fr", "es")
)


@bp.get("/")
def index():
    counts = dict(
        db.session.execute(
            select(Application.meeting_id, func.count()).group_by(Application.meeting_id)
        ).all()
    )
    rows = db.session.scalars(
        # The sessions too: a session without its French or Spanish title is a gap shown.
        select(Meeting).options(selectinload(Meeting.sessions)).order_by(Meeting.starts_on.desc())
    ).all()
    return render_template(
        "programme/meetings/index.html",
        meetings=rows,
        counts=counts,
        window_form=WindowForm(),
        today=date.today(),
    )


def _details(form: MeetingForm) -> meetings.MeetingDetails:
    return meetings.MeetingDetails(
        kind=MeetingKind(form.kind.data),
        number=form.number.data,
        title=form.title.data,
        venue=form.venue.data,
        city=form.city.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        applications_open_on=form.applications_open_on.data,
        applications_close_on=form.applications_close_on.data,
        offer_response_days=form.offer_response_days.data,
        dsa_rate=form.dsa_rate.data,
        dsa_currency=form.dsa_currency.data.upper(),
        terminal_expenses=form.terminal_expenses.data or 0,
        delegate_cap=form.delegate_cap.data,
        report_due_days=form.report_due_days.data,
        **{name: getattr(form, name).data or "" for name in TRANSLATED_FIELDS},
    )


def _sessions(form: MeetingForm) -> list[meetings.SessionDetails] | None:
    """The session rows kept, or None after marking the rows that lack a date."""
    rows, ok = [], True
    for entry in form.sessions:
        sub = entry.form
        if sub.remove.data or not sub.title.data:
            continue
        if sub.held_on.data is None:
            sub.held_on.errors = [*sub.held_on.errors, _("Give the session's date.")]
            ok = False
            continue
        rows.append(
            meetings.SessionDetails(
                title=sub.title.data,
                theme=Theme(sub.theme.data),
                held_on=sub.held_on.data,
                id=int(sub.id.data) if sub.id.data and sub.id.data.isdigit() else None,
                title_fr=sub.title_fr.data or "",
                title_es=sub.title_es.data or "",
            )
        )
    return rows if ok else None


def _render_form(form: MeetingForm, meeting: Meeting | None, error: str | None = None, **extra):
    while len([e for e in form.sessions if not e.form.title.data]) < BLANK_SESSIONS:
        form.sessions.append_entry()
    return render_template(
        "programme/meetings/form.html", form=form, meeting=meeting, error=error, **extra
    )


def _say_window(meeting: Meeting) -> None:
    """Whether applicants can apply now: the window follows the dates on save."""
    if meeting.window_open:
        flash(_("Applications to “%(title)s” are open.", title=meeting.local_title), "info")


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = MeetingForm()
    if not form.is_submitted():
        form.dsa_currency.data = form.dsa_currency.data or current_app.config["BASE_CURRENCY"]
    outcome = Outcome()
    if form.validate_on_submit():
        sessions = _sessions(form)
        if sessions is not None:
            with refusal(flashed=False) as outcome:
                meeting = meetings.create_meeting(current_user, _details(form), sessions)
                flash(_("Meeting “%(title)s” created.", title=meeting.local_title), "success")
                _say_window(meeting)
                return redirect(url_for("admin.meetings.index"))
    return _render_form(form, None, outcome.error), 422 if request.method == "POST" else 200


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if request.method == "POST":
        form = MeetingForm()
    else:
        form = MeetingForm(
            obj=meeting,
            sessions=[
                {
                    "id": str(s.id),
                    "title": s.title,
                    "title_fr": s.title_fr,
                    "title_es": s.title_es,
                    "theme": s.theme.value,
                    "held_on": s.held_on,
                }
                for s in meeting.sessions
            ],
        )
    outcome, asking = Outcome(), False
    if form.validate_on_submit():
        sessions = _sessions(form)
        if sessions is not None:
            with refusal(flashed=False) as outcome:
                try:
                    meetings.update_meeting(
                        current_user,
                        meeting,
                        _details(form),
                        sessions,
                        dates_confirmed=request.form.get("confirm_dates") == "1",
                    )
                except meetings.DatesNeedConfirmation:
                    asking = True
                    raise
                flash(_("Meeting “%(title)s” saved.", title=meeting.local_title), "success")
                _say_window(meeting)
                return redirect(url_for("admin.meetings.index"))
    page = _render_form(form, meeting, outcome.error, confirm_dates=asking)
    return page, 422 if request.method == "POST" else 200


@bp.post("/<int:meeting_id>/window")
def window(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = WindowForm()
    if not form.validate_on_submit() or form.open.data not in ("0", "1"):
        abort(400)
    meetings.set_window(current_user, meeting, form.open.data == "1")
    if meeting.window_open:
        flash(_("Applications to “%(title)s” are open.", title=meeting.local_title), "success")
    else:
        flash(_("Applications to “%(title)s” are closed.", title=meeting.local_title), "success")
    return redirect(url_for("admin.meetings.index"))


@bp.route("/signatory", methods=["GET", "POST"])
def signatory_form():
    """Who signs every document, with the title in each language."""
    row = signatory.current_signatory()
    form = SignatoryForm(obj=row)
    outcome = Outcome()
    if form.validate_on_submit():
        with refusal(flashed=False) as outcome:
            signatory.save_signatory(
                current_user,
                signatory.SignatoryDetails(
                    name=form.name.data,
                    title=form.title.data,
                    title_fr=form.title_fr.data or "",
                    title_es=form.title_es.data or "",
                ),
            )
            flash(_("The signatory is saved; documents issued from now on carry it."), "success")
            return redirect(url_for("admin.meetings.index"))
    page = render_template(
        "programme/meetings/signatory.html", form=form, signatory=row, error=outcome.error
    )
    return page, 422 if request.method == "POST" else 200
