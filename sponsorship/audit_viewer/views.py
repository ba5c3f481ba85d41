"""The audit viewer's pages (nested in `admin`: administrators only): the filtered,
paginated trail, and the same filter as CSV. Filters come by GET, so a filtered view
is a link that can be kept or sent."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from sponsorship.audit_viewer import trail
from sponsorship.web.bounds import parse_int
from sponsorship.web.forms import BaseForm
from sponsorship.web.responses import csv_response

bp = Blueprint("audit", __name__, url_prefix="/audit")


class TrailFilterForm(BaseForm):
    class Meta:
        csrf = False

    person = StringField(_l("Delegate's name"), validators=[Optional(), Length(max=200)])
    award = StringField(_l("Award reference"), validators=[Optional(), Length(max=40)])
    contribution = StringField(
        _l("Contribution reference"), validators=[Optional(), Length(max=60)]
    )
    actor = SelectField(_l("Administrator"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    money = BooleanField(_l("Money movements only"))


def _filters() -> tuple[TrailFilterForm, trail.TrailFilter]:
    form = TrailFilterForm(request.args)
    form.actor.choices = [("", str(_l("Anyone")))] + [
        (str(i), name) for i, name in trail.administrators()
    ]
    if not form.validate():
        return form, trail.TrailFilter(delegate_id=-1)  # matches nothing; errors shown
    since, until = form.since.data, form.until.data
    if since and until and since > until:
        since, until = until, since
    return form, trail.TrailFilter(
        delegate_id=parse_int(request.args.get("delegate"), 1),
        person=form.person.data or "",
        award=(form.award.data or "").upper(),
        contribution=form.contribution.data or "",
        actor_id=parse_int(form.actor.data, 1),
        since=since if isinstance(since, date) else None,
        until=until if isinstance(until, date) else None,
        money_only=bool(form.money.data),
    )


@bp.get("/")
def index():
    form, f = _filters()
    page = trail.page_of(f, parse_int(request.args.get("page"), 1) or 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit_viewer/index.html", form=form, page=page, args=args)


@bp.get("/trail.csv")
def export_csv():
    _form, f = _filters()
    return csv_response(trail.export_rows(f), "audit-trail.csv")
