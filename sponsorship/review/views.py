"""The review: ranked queue, an application with its delegates' pricing and decisions,
its history, and the weights and fares the review runs on.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    CostKind,
    CostStage,
    Criterion,
    Delegate,
    Meeting,
    RegionalGroup,
)
from sponsorship.review import after_meeting, criteria, decisions, history_text, pricing, scoring
from sponsorship.review import queue as review
from sponsorship.review.budget import budget as meeting_budget
from sponsorship.review.cofunding_views import who_pays
from sponsorship.review.followup_views import application_url
from sponsorship.review.forms import (
    BulkForm,
    FaresForm,
    PriceForm,
    ReasonForm,
    WeightsForm,
)
from sponsorship.web.bounds import parse_id, parse_int
from sponsorship.web.confirm import confirmation
from sponsorship.web.filters import fdate, money
from sponsorship.web.forms import choices, kept_form, redirect_with_errors
from sponsorship.web.labels import GENDER_LABELS, REGION_LABELS, STATUS_LABELS, translated
from sponsorship.web.page_cache import cached_page
from sponsorship.web.refusals import refusal
from sponsorship.web.security import safe_next

bp = Blueprint("review", __name__, url_prefix="/review")


def load_application(application_id: int) -> Application:
    loaded = review.load_applications([application_id]).get(application_id)
    if loaded is None:
        abort(404)
    return loaded


def _int_arg(name: str) -> int | None:
    return parse_int(request.args.get(name))


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
        budget = meeting_budget(meeting)
        waiting = decisions.ranked_waitlist(meeting, ranking=ranking)
    return render_template(
        "review/queue.html",
        meeting=meeting,
        meetings=meetings,
        filters=filters,
        queue=page,
        budget=budget,
        waiting=waiting,
        statuses=scoring.QUEUE_STATUSES,
        regions=list(RegionalGroup),
        # Translated once: the rows show a region, statuses and reasons each.
        region_labels=translated(REGION_LABELS),
        status_labels=translated(STATUS_LABELS),
        reason_texts=criteria.reason_texts(),
        reason_form=ReasonForm(),
    )


def price_form(delegate: Delegate, meeting: Meeting, fares: dict | None = None) -> PriceForm:
    """The delegate's price form: as posted, as kept after a refusal, or filled with the
    sessions applied for and the airfare the estimate uses (the fare table's)."""
    prefix = f"d{delegate.id}"
    kept = None if request.method == "POST" else kept_form(PriceForm, prefix)
    form = kept or PriceForm(prefix=prefix)
    form.sessions.choices = choices(
        (s.id, f"{s.local_title} ({fdate(s.held_on)})") for s in meeting.sessions
    )
    if not kept and not form.is_submitted():
        form.sessions.data = [s.id for s in delegate.application.sessions] or [
            s.id for s in meeting.sessions
        ]
        form.airfare.data = _current_airfare(delegate, fares)
    return form


def _current_airfare(delegate: Delegate, fares: dict | None) -> Decimal | None:
    """The airfare of the estimate, else the fare table's for the delegate's region."""
    award = delegate.award
    lines = [
        x.amount
        for x in (award.cost_lines if award else [])
        if x.stage == CostStage.ESTIMATE and x.kind == CostKind.AIRFARE
    ]
    if lines:
        return lines[0]
    table = pricing.fare_table() if fares is None else fares
    return table.get(delegate.application.state.regional_group)


@bp.get("/applications/<int:application_id>")
def application(application_id: int):
    app_ = load_application(application_id)
    return _render_application(app_)


def _render_application(app_: Application, forms: dict | None = None, status: int = 200):
    meeting = app_.meeting
    fares = pricing.fare_table()
    quotes, forms = {}, forms or {}
    for d in app_.delegates:
        forms.setdefault(d.id, price_form(d, meeting, fares))
        try:
            quotes[d.id] = pricing.quote(d, fares=fares)
        except DomainError as exc:
            quotes[d.id] = str(exc)
    today = date.today()
    awards = [d.award for d in app_.delegates if d.award is not None]
    return (
        render_template(
            "review/application.html",
            application=app_,
            meeting=meeting,
            gender_labels=GENDER_LABELS,
            overdue={a.id: after_meeting.report_overdue(a, today) for a in awards},
            scored=review.score_application(app_),
            quotes=quotes,
            forms=forms,
            reason_form=ReasonForm(),
            who_pays={a.id: who_pays(a) for a in awards},
            today=today,
        ),
        status,
    )


@bp.post("/delegates/<int:delegate_id>/price")
def price(delegate_id: int):
    """The price form lives on the application page: a refusal goes back there, with
    the typed values and the errors at their fields (web/forms.py)."""
    delegate = db.get_or_404(Delegate, delegate_id)
    app_ = delegate.application
    back = url_for(".application", application_id=app_.id) + f"#d{delegate.id}"
    form = price_form(delegate, app_.meeting)
    if form.validate_on_submit():
        with refusal(form.airfare) as outcome:
            award = pricing.price(
                current_user,
                delegate,
                session_ids=form.sessions.data or None,
                airfare=form.airfare.data,
                visa=form.visa.data,
                kinds=form.kinds(),
            )
        if not outcome.refused:
            flash(
                _(
                    "%(name)s priced at %(total)s.",
                    name=delegate.name,
                    total=money(award.total()),
                ),
                "success",
            )
            return redirect(back)
    return redirect_with_errors(form, back)


@bp.get("/applications/<int:application_id>/history")
def history(application_id: int):
    app_ = load_application(application_id)
    names = {("Delegate", d.id): d.name for d in app_.delegates}
    names |= {("Award", d.award.id): d.name for d in app_.delegates if d.award is not None}
    events = review.application_history(app_)
    return render_template(
        "review/history.html",
        application=app_,
        events=[history_text.describe(e, names) for e in events],
    )


# --- Weights and fares ---------------------------------------------------------------


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
        with refusal(form.horizon_years):
            changed = scoring.update_weights(
                current_user,
                {c: form[f"points_{c.value}"].data for c in Criterion},
                horizon_years=form.horizon_years.data,
            )
            flash(_("Weights saved (%(num)d changed).", num=changed), "success")
            return redirect(url_for(".weights"))
    return render_template(
        "review/weights.html", form=form, criteria=list(Criterion)
    ), 422 if request.method == "POST" else 200


@bp.route("/fares", methods=["GET", "POST"])
def fares():
    table = pricing.fare_table()
    form = FaresForm(data={f"fare_{r.value}": table.get(r) for r in RegionalGroup})
    if form.validate_on_submit():
        with refusal():
            changed = pricing.update_fares(
                current_user, {r: form[f"fare_{r.value}"].data for r in RegionalGroup}
            )
            flash(_("Fare table saved (%(num)d changed).", num=changed), "success")
            return redirect(url_for(".fares"))
    return render_template(
        "review/fares.html", form=form, regions=list(RegionalGroup)
    ), 422 if request.method == "POST" else 200


# --- Decisions -----------------------------------------------------------------------


def _back(default: str) -> str:
    return safe_next(request.values.get("next"), default)


def _decided(delegate: Delegate, decision: str, reason: str | None) -> None:
    """Do `decision` for `delegate` and say so (a refusal raises `DomainError`)."""
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
        decisions.waitlist(current_user, delegate, reason=reason)
        flash(_("%(name)s is on the waiting list.", name=delegate.name), "success")
    else:
        decisions.reject(current_user, delegate, reason=reason or "")
        flash(_("%(name)s was not selected.", name=delegate.name), "success")


def _decision_page(delegate: Delegate, decision: str, form: ReasonForm, target: str):
    award = delegate.award
    estimate = award.total() if award is not None else None
    cost = money(estimate) if estimate else _("not priced yet")
    name = delegate.name
    pages = {
        "offer": (
            _("Offer sponsorship to %(name)s?", name=name),
            [
                _("%(amount)s is committed from the funds for %(name)s.", amount=cost, name=name),
                _("The applicant is told by mail and has until the answer deadline to accept."),
            ],
            _("Offer and commit the money"),
        ),
        "waitlist": (
            _("Put %(name)s on the waiting list?", name=name),
            [_("No money is committed; %(name)s may be offered a place later.", name=name)],
            _("Put on the waiting list"),
        ),
        "reject": (
            _("Reject %(name)s?", name=name),
            [
                _("The applicant is told %(name)s was not selected, with your reason.", name=name),
                _("A rejection is final for this meeting."),
            ],
            _("Reject"),
        ),
    }
    title, consequences, button = pages[decision]
    return confirmation(
        form,
        title=title,
        consequences=consequences,
        button=button,
        cancel=target,
        danger=decision != "waitlist",
        hidden=[("next", target)],
    )


@bp.route(
    "/delegates/<int:delegate_id>/<any(offer, waitlist, reject):decision>",
    methods=["GET", "POST"],
)
def decide(delegate_id: int, decision: str):
    """Each decision asks first (web/confirm.py): an offer commits money, a rejection is
    final and its reason is shown to the applicant."""
    delegate = db.get_or_404(Delegate, delegate_id)
    form = ReasonForm()
    target = _back(application_url(delegate))
    if form.validate_on_submit():
        # A missing reason is the reason field's error; any other refusal is the form's.
        with refusal(form.reason if decision == "reject" else None, flashed=False) as outcome:
            _decided(delegate, decision, form.reason.data)
        if not outcome.refused:
            return redirect(target)
        if decision != "reject":
            form.form_errors.append(outcome.error)
    return _decision_page(delegate, decision, form, target)


_BULK_PAGES = {
    "price": (_l("Price the selected delegates with the defaults?"), _l("Price")),
    "offer": (_l("Offer sponsorship to the selected delegates?"), _l("Offer and commit the money")),
    "waitlist": (
        _l("Put the selected delegates on the waiting list?"),
        _l("Put on the waiting list"),
    ),
    "reject": (_l("Reject the selected delegates?"), _l("Reject")),
}


@bp.route("/bulk", methods=["GET", "POST"])
def bulk():
    """The queue's selection is confirmed on its own page, whose reason field carries
    its own error (web/confirm.py); the queue sends the selection here by GET."""
    meeting_id = _int_arg("meeting")
    target = _back(url_for(".queue", meeting=meeting_id))
    form = BulkForm(request.args) if request.method == "GET" else BulkForm()
    ids = [i for i in map(parse_id, request.values.getlist("delegate")) if i is not None]
    action = form.action.data if form.action.data in _BULK_PAGES else "price"
    if request.method == "POST" and form.validate_on_submit():
        with refusal(form.reason if action == "reject" else None, flashed=False) as outcome:
            result = decisions.bulk(
                current_user, ids, action, reason=form.reason.data, meeting_id=meeting_id
            )
        if not outcome.refused:
            _flash_bulk(result)
            return redirect(target)
        if action != "reject":
            form.form_errors.append(outcome.error)
    return _bulk_page(form, ids, action, meeting_id, target)


def _flash_bulk(result) -> None:
    if result.done:
        flash(
            _("Done for %(num)d: %(names)s.", num=len(result.done), names=", ".join(result.done)),
            "success",
        )
    for name, why in result.refused:
        flash(_("%(name)s: %(error)s", name=name, error=why), "error")


def _bulk_page(form, ids: list[int], action: str, meeting_id: int | None, target: str):
    delegates = db.session.scalars(select(Delegate).where(Delegate.id.in_(ids[:500]))).all()
    title, button = _BULK_PAGES[action]
    names = ", ".join(d.name for d in delegates) or _("none")
    consequences = [_("Delegates selected (%(num)d): %(names)s.", num=len(delegates), names=names)]
    if action == "offer":
        consequences.append(_("The money of each offer is committed from the funds."))
    if action == "reject":
        consequences.append(_("A rejection is final; the applicants see your reason."))
    return confirmation(
        form,
        title=str(title),
        consequences=consequences,
        button=str(button),
        cancel=target,
        action=url_for(".bulk", meeting=meeting_id),
        danger=action in ("offer", "reject"),
        hidden=[("next", target), *(("delegate", str(d.id)) for d in delegates)],
        hints={"reason": _("Required to reject.")},
        status=422 if request.method == "POST" else 200,
    )
