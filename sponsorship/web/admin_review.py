"""The review: ranked queue, an application with its delegates' pricing and decisions,
its history, and the weights and fares the review runs on.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from sponsorship import tasks
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    Criterion,
    Delegate,
    Letter,
    Meeting,
    RegionalGroup,
)
from sponsorship.services import DomainError, decisions, ledger, letters, pricing, review, scoring
from sponsorship.web.admin_forms import (
    GENDER_LABELS,
    ActualCostsForm,
    AttendanceForm,
    PriceForm,
    ReasonForm,
    ReconcileForm,
)
from sponsorship.web.filters import fdate, money
from sponsorship.web.forms import BaseForm, choices
from sponsorship.web.labels import REGION_LABELS
from sponsorship.web.page_cache import cached_page
from sponsorship.web.security import safe_next

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.app_template_filter("fdatetime")
def fdatetime(value) -> str:
    """A moment in the user's time zone, e.g. "28 Nov 2026, 09:05"."""
    return format_datetime(value, "medium") if value else "—"


def load_application(application_id: int) -> Application:
    loaded = review.load_applications([application_id]).get(application_id)
    if loaded is None:
        abort(404)
    return loaded


def load_delegate(delegate_id: int) -> Delegate:
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None:
        abort(404)
    return delegate


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _enum_arg(name: str, enum_cls):
    try:
        return enum_cls(request.args.get(name, "")) if request.args.get(name) else None
    except ValueError:
        return None


@bp.get("/")
@cached_page
def queue():
    meeting_id = _int_arg("meeting")
    meetings, meeting = review.queue_meetings(date.today())
    if meeting_id:
        meeting = next((m for m in meetings if m.id == meeting_id), None)
        if meeting is None:
            abort(404)
    filters = review.QueueFilters(
        status=_enum_arg("status", ApplicationStatus),
        region=_enum_arg("region", RegionalGroup),
        min_score=_int_arg("min_score"),
    )
    page = budget = waiting = None
    if meeting is not None:
        ranking = review.meeting_ranking(meeting)
        page = review.review_queue(meeting, filters, page=_int_arg("page") or 1, ranking=ranking)
        budget = review.budget(meeting)
        waiting = decisions.ranked_waitlist(meeting, ranking=ranking)
    return render_template(
        "admin/review/queue.html",
        meeting=meeting,
        meetings=meetings,
        filters=filters,
        queue=page,
        budget=budget,
        waiting=waiting,
        statuses=scoring.QUEUE_STATUSES,
        regions=list(RegionalGroup),
        region_labels=REGION_LABELS,
        reason_form=ReasonForm(),
    )


def price_form(delegate: Delegate, meeting: Meeting) -> PriceForm:
    form = PriceForm(prefix=f"d{delegate.id}")
    form.sessions.choices = choices(
        (s.id, f"{s.title} ({fdate(s.held_on)})") for s in meeting.sessions
    )
    if not form.is_submitted():
        form.sessions.data = [s.id for s in delegate.application.sessions] or [
            s.id for s in meeting.sessions
        ]
    return form


@bp.get("/applications/<int:application_id>")
def application(application_id: int):
    app_ = load_application(application_id)
    return _render_application(app_)


def _render_application(app_: Application, forms: dict | None = None, status: int = 200):
    meeting = app_.meeting
    fares = pricing.fare_table()
    quotes, forms = {}, forms or {}
    for d in app_.delegates:
        forms.setdefault(d.id, price_form(d, meeting))
        try:
            quotes[d.id] = pricing.quote(d, fares=fares)
        except DomainError as exc:
            quotes[d.id] = str(exc)
    today = date.today()
    awards = [d.award for d in app_.delegates if d.award is not None]
    return (
        render_template(
            "admin/review/application.html",
            application=app_,
            meeting=meeting,
            gender_labels=GENDER_LABELS,
            cost_forms={a.id: _cost_form(a) for a in awards},
            overdue={a.id: decisions.report_overdue(a, today) for a in awards},
            scored=review.score_application(app_),
            quotes=quotes,
            forms=forms,
            reason_form=ReasonForm(),
        ),
        status,
    )


def _cost_form(award: Award) -> ActualCostsForm:
    """The actual-costs form, filled with what was recorded (or the estimate)."""
    stage = "actual" if any(x.stage == "actual" for x in award.cost_lines) else "estimate"
    by_kind: dict[str, Decimal] = {}
    for line in award.cost_lines:
        if line.stage == stage:
            by_kind[line.kind.value] = by_kind.get(line.kind.value, Decimal(0)) + line.amount
    return ActualCostsForm(
        prefix=f"a{award.id}",
        formdata=None,
        data={
            "ticket": by_kind.pop("airfare", None),
            "dsa": by_kind.pop("dsa", None),
            "other": sum(by_kind.values(), Decimal(0)) or None,
        },
    )


@bp.post("/delegates/<int:delegate_id>/price")
def price(delegate_id: int):
    delegate = load_delegate(delegate_id)
    app_ = delegate.application
    form = price_form(delegate, app_.meeting)
    if form.validate_on_submit():
        try:
            award = pricing.price(
                current_user,
                delegate,
                session_ids=form.sessions.data or None,
                airfare=form.airfare.data,
                visa=form.visa.data,
            )
        except DomainError as exc:
            form.airfare.errors = [*form.airfare.errors, str(exc)]
        else:
            flash(
                _(
                    "%(name)s priced at %(total)s.",
                    name=delegate.name,
                    total=money(award.total()),
                ),
                "success",
            )
            return redirect(url_for(".application", application_id=app_.id) + f"#d{delegate.id}")
    return _render_application(load_application(app_.id), {delegate.id: form}, 422)


@bp.get("/applications/<int:application_id>/history")
def history(application_id: int):
    app_ = load_application(application_id)
    return render_template(
        "admin/review/history.html",
        application=app_,
        events=review.application_history(app_),
    )


@bp.get("/meetings/<int:meeting_id>/follow-up")
def follow_up(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    today = date.today()
    return render_template(
        "admin/review/follow_up.html",
        meeting=meeting,
        rows=review.follow_up(meeting, today),
        report_due=meeting.ends_on + timedelta(days=meeting.report_due_days),
    )


# --- Weights and fares ---------------------------------------------------------------


class WeightsForm(BaseForm):
    horizon_years = IntegerField(
        _l("Years ahead an Article 5 deadline counts as soon"),
        validators=[InputRequired(), NumberRange(min=0, max=50)],
    )


for _criterion in Criterion:
    setattr(
        WeightsForm,
        f"points_{_criterion.value}",
        IntegerField(
            scoring.CRITERION_LABELS[_criterion],
            validators=[InputRequired(), NumberRange(min=-1000, max=1000)],
        ),
    )


@bp.route("/weights", methods=["GET", "POST"])
def weights():
    current = scoring.current_weights()
    form = WeightsForm(
        data={
            "horizon_years": current[Criterion.ARTICLE5_DEADLINE].horizon_years or 0,
            **{f"points_{c.value}": w.points for c, w in current.items()},
        }
    )
    if form.validate_on_submit():
        try:
            changed = scoring.update_weights(
                current_user,
                {c: form[f"points_{c.value}"].data for c in Criterion},
                horizon_years=form.horizon_years.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.horizon_years.errors = [*form.horizon_years.errors, str(exc)]
        else:
            flash(_("Weights saved (%(num)d changed).", num=changed), "success")
            return redirect(url_for(".weights"))
    return render_template(
        "admin/review/weights.html", form=form, criteria=list(Criterion)
    ), 422 if request.method == "POST" else 200


class FaresForm(BaseForm):
    pass


for _region in RegionalGroup:
    setattr(
        FaresForm,
        f"fare_{_region.value}",
        DecimalField(
            REGION_LABELS[_region.value], places=2, validators=[Optional(), NumberRange(min=0)]
        ),
    )


@bp.route("/fares", methods=["GET", "POST"])
def fares():
    table = pricing.fare_table()
    form = FaresForm(data={f"fare_{r.value}": table.get(r) for r in RegionalGroup})
    if form.validate_on_submit():
        try:
            changed = pricing.update_fares(
                current_user, {r: form[f"fare_{r.value}"].data for r in RegionalGroup}
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Fare table saved (%(num)d changed).", num=changed), "success")
            return redirect(url_for(".fares"))
    return render_template(
        "admin/review/fares.html", form=form, regions=list(RegionalGroup)
    ), 422 if request.method == "POST" else 200


# --- Decisions -----------------------------------------------------------------------


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


def _application_url(delegate: Delegate) -> str:
    return url_for(".application", application_id=delegate.application_id) + f"#d{delegate.id}"


@bp.post("/delegates/<int:delegate_id>/<any(offer, waitlist, reject):decision>")
def decide(delegate_id: int, decision: str):
    delegate = load_delegate(delegate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    target = _back(_application_url(delegate))
    try:
        if decision == "offer":
            award = decisions.offer(current_user, delegate)
            flash(
                _(
                    "%(name)s offered %(total)s; answer due by %(date)s.",
                    name=delegate.name,
                    total=money(award.total()),
                    date=fdate(award.offer_deadline),
                ),
                "success",
            )
        elif decision == "waitlist":
            decisions.waitlist(current_user, delegate, reason=form.reason.data)
            flash(_("%(name)s is on the waiting list.", name=delegate.name), "success")
        else:
            decisions.reject(current_user, delegate, reason=form.reason.data or "")
            flash(_("%(name)s was not selected.", name=delegate.name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(_("%(name)s: %(error)s", name=delegate.name, error=str(exc)), "error")
    return redirect(target)


@bp.post("/bulk")
def bulk():
    meeting_id = _int_arg("meeting")
    target = _back(url_for(".queue", meeting=meeting_id))
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("delegate") if v.isdigit()]
    try:
        result = decisions.bulk(
            current_user,
            ids,
            request.form.get("action", ""),
            reason=form.reason.data,
            meeting_id=meeting_id,
        )
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(target)
    if result.done:
        flash(
            _("Done for %(num)d: %(names)s.", num=len(result.done), names=", ".join(result.done)),
            "success",
        )
    for name, why in result.refused:
        flash(_("%(name)s: %(error)s", name=name, error=why), "error")
    return redirect(target)


def load_award(award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None:
        abort(404)
    return award


@bp.post("/awards/<int:award_id>/cancel")
def cancel(award_id: int):
    award = load_award(award_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        released = decisions.cancel(current_user, award, reason=form.reason.data or "")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Sponsorship cancelled; %(amount)s released.", amount=money(released)), "success")
    return redirect(_application_url(award.delegate))


@bp.post("/awards/<int:award_id>/attendance")
def attendance(award_id: int):
    award = load_award(award_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions.record_attendance(current_user, award, form.attended.data == "1")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Attendance recorded."), "success")
    return redirect(_application_url(award.delegate))


@bp.post("/awards/<int:award_id>/costs")
def costs(award_id: int):
    award = load_award(award_id)
    form = ActualCostsForm(prefix=f"a{award.id}")
    if form.validate_on_submit():
        try:
            total = decisions.record_actual_costs(
                current_user,
                award,
                decisions.ActualCosts(
                    ticket=form.ticket.data or 0, dsa=form.dsa.data or 0, other=form.other.data or 0
                ),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Actual costs recorded: %(total)s.", total=money(total)), "success")
    else:
        flash(_("Amounts are numbers of zero or more."), "error")
    return redirect(_application_url(award.delegate))


@bp.post("/awards/<int:award_id>/reconcile")
def reconcile(award_id: int):
    award = load_award(award_id)
    form = ReconcileForm()
    if not form.validate_on_submit():
        abort(400)
    overspend = ledger.Overspend(form.overspend.data) if form.overspend.data else None
    try:
        result = decisions.reconcile(current_user, award, overspend=overspend)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(
            _(
                "Reconciled: %(spent)s spent, %(released)s released.",
                spent=money(result.spent),
                released=money(result.released),
            ),
            "success",
        )
    return redirect(_application_url(award.delegate))


@bp.post("/awards/<int:award_id>/report")
def report(award_id: int):
    award = load_award(award_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    try:
        decisions.mark_report_received(current_user, award)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Report marked as received."), "success")
    return redirect(_application_url(award.delegate))


# ---- Award letters ----------------------------------------------------------------------


def load_letter(letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    return letter


def load_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _pdf_response(pdf: bytes, name: str, inline: bool = False):
    response = send_file(
        BytesIO(pdf), mimetype="application/pdf", as_attachment=not inline, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/awards/<int:award_id>/letter/preview")
def letter_preview(award_id: int):
    award = load_award(award_id)
    as_pdf = request.args.get("format") == "pdf"
    content = letters.preview(award, as_pdf=as_pdf)
    if as_pdf:
        return _pdf_response(content, f"{award.reference}-preview.pdf", inline=True)
    response = make_response(content)
    # The letter's own stylesheet is print-only; shown as it is, sandboxed.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    return response


@bp.post("/awards/<int:award_id>/letter")
def letter_issue(award_id: int):
    award = load_award(award_id)
    try:
        letter = letters.issue(award, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(
            _(
                "Letter version %(version)s issued; verification code %(code)s.",
                version=letter.version,
                code=letter.verification_code,
            ),
            "success",
        )
    return redirect(_application_url(award.delegate))


@bp.post("/letters/<int:letter_id>/revoke")
def letter_revoke(letter_id: int):
    letter = load_letter(letter_id)
    try:
        letters.revoke(letter, current_user, reason=request.form.get("reason", "")[:500])
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Letter version %(version)s revoked.", version=letter.version), "success")
    return redirect(_application_url(letter.award.delegate))


@bp.get("/letters/<int:letter_id>/download")
def letter_download(letter_id: int):
    letter = load_letter(letter_id)
    return _pdf_response(letter.pdf, f"{letter.award.reference}-v{letter.version}.pdf")


@bp.get("/meetings/<int:meeting_id>/letters")
def letters_page(meeting_id: int):
    meeting = load_meeting(meeting_id)
    state = letters.progress(meeting_id)
    running = tasks.bulk_running(meeting_id)
    body = render_template(
        "admin/review/letters.html", meeting=meeting, progress=state, running=running
    )
    headers = {"Refresh": "2"} if running else {}
    return body, 200, headers


@bp.get("/meetings/<int:meeting_id>/letters/status")
def letters_status(meeting_id: int):
    load_meeting(meeting_id)
    return jsonify({**letters.progress(meeting_id), "running": tasks.bulk_running(meeting_id)})


@bp.post("/meetings/<int:meeting_id>/letters")
def letters_bulk(meeting_id: int):
    load_meeting(meeting_id)
    tasks.start_bulk_letters(meeting_id, current_user.id)
    flash(_("Issuing the meeting's letters in the background."), "info")
    return redirect(url_for(".letters_page", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/letters.zip")
def letters_zip(meeting_id: int):
    load_meeting(meeting_id)
    response = send_file(
        BytesIO(letters.letters_zip(meeting_id)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"letters-meeting-{meeting_id}.zip",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
