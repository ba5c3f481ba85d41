"""Administrators' State pages: the Convention status and obligations that drive the score.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from sponsorship.extensions import db
from sponsorship.models import ConventionStatus, RegionalGroup, State
from sponsorship.programme.forms import CONVENTION_LABELS, StateFilterForm, StateForm
from sponsorship.programme.states import EDITABLE, update_state
from sponsorship.web.refusals import Outcome, refusal

bp = Blueprint("states", __name__, url_prefix="/states")


@bp.get("/")
def index():
    filters = StateFilterForm(request.args)
    stmt = select(State).order_by(State.name)
    if filters.validate():
        if filters.q.data:
            like = f"%{filters.q.data}%"
            stmt = stmt.where(or_(State.name.ilike(like), State.iso3 == filters.q.data.upper()))
        if filters.region.data:
            stmt = stmt.where(State.regional_group == RegionalGroup(filters.region.data))
    return render_template(
        "programme/states/index.html",
        states=db.session.scalars(stmt).all(),
        filters=filters,
        convention_labels=CONVENTION_LABELS,
    )


@bp.route("/<iso3>", methods=["GET", "POST"])
def edit(iso3: str):
    state = db.first_or_404(select(State).where(State.iso3 == iso3.upper()))
    form = StateForm(obj=state)
    outcome = Outcome()
    if form.validate_on_submit():
        changes = {name: form[name].data for name in EDITABLE}
        changes["convention_status"] = ConventionStatus(changes["convention_status"])
        changes["mission_address"] = changes["mission_address"] or None
        with refusal(flashed=False) as outcome:
            changed = update_state(current_user, state, **changes)
            if changed:
                flash(_("%(state)s saved.", state=state.name), "success")
            else:
                flash(_("Nothing changed for %(state)s.", state=state.name), "info")
            return redirect(url_for("admin.states.index", q=state.iso3))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programme/states/edit.html", form=form, state=state, error=outcome.error
    ), status
