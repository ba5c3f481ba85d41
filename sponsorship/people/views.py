"""The administrators' people pages: who was sponsored, at which meetings, and the
corrections the matching rule needs now and then (merge two records of one person,
split a participation that is someone else). Nested in the `admin` blueprint
(administrators only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField
from wtforms.validators import InputRequired

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.models import Application, Delegate, Person
from sponsorship.people import services
from sponsorship.web.bounds import is_text
from sponsorship.web.forms import BaseForm, Bounded

bp = Blueprint("people", __name__, url_prefix="/people")

#: Rows on the list page; the search narrows beyond it.
SHOWN = 100


class MergeForm(BaseForm):
    other = IntegerField(
        _l("Number of the other person's record"), validators=[InputRequired(), Bounded(1)]
    )


class SplitForm(BaseForm):
    pass


@bp.get("/")
def index():
    # A search is typed text: control characters (a NUL, which PostgreSQL's text
    # refuses) are dropped, as the edge rules drop them everywhere (web/bounds.py).
    q = "".join(ch for ch in (request.args.get("q") or "") if is_text(ch)).strip()[:200]
    count = func.count(Delegate.id).label("participations")
    stmt = (
        select(Person, count)
        .join(Delegate, Delegate.person_id == Person.id)
        .group_by(Person.id)
        .order_by(count.desc(), Person.name, Person.id)
        .limit(SHOWN)
    )
    if q:
        stmt = stmt.where(func.lower(Person.name).contains(q.lower(), autoescape=True))
    rows = db.session.execute(stmt).all()
    return render_template("people/index.html", rows=rows, q=q)


def _person_or_404(person_id: int) -> Person:
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(
            selectinload(Person.delegates).options(
                selectinload(Delegate.application).options(
                    selectinload(Application.meeting), selectinload(Application.state)
                ),
                selectinload(Delegate.award),
            )
        )
    )
    if person is None:
        abort(404)
    return person


def _page(person: Person, merge: MergeForm, status: int = 200):
    return (
        render_template("people/person.html", person=person, merge=merge, split=SplitForm()),
        status,
    )


@bp.get("/<int:person_id>")
def person(person_id: int):
    return _page(_person_or_404(person_id), MergeForm())


@bp.post("/<int:person_id>/merge")
def merge(person_id: int):
    found = _person_or_404(person_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _page(found, form, 400)
    try:
        services.merge(current_user, found.id, form.other.data)
    except DomainError as error:
        form.other.errors = [str(error)]
        db.session.rollback()
        return _page(_person_or_404(person_id), form, 422)
    flash(_("The two records are now one person."), "success")
    return redirect(url_for("admin.people.person", person_id=person_id))


@bp.post("/<int:person_id>/split/<int:delegate_id>")
def split(person_id: int, delegate_id: int):
    found = _person_or_404(person_id)
    if not SplitForm().validate_on_submit():
        return _page(found, MergeForm(), 400)
    if delegate_id not in {d.id for d in found.delegates}:
        abort(404)
    try:
        made = services.split(current_user, delegate_id)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.people.person", person_id=person_id))
    flash(_("The participation is now a person of its own."), "success")
    return redirect(url_for("admin.people.person", person_id=made.id))
