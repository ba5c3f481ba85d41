"""Personal data pages (nested in `admin`: administrators only): the retention plan
(what the next run would purge), a delegate's data with its exports (JSON, PDF in the
reader's language), and the early erasure behind a confirmation page with a reason.
Every export and erasure is audited."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from sponsorship.core.audit import record
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Application, Delegate, Meeting, State
from sponsorship.privacy import erasure, registry, retention, subject
from sponsorship.web.forms import BaseForm
from sponsorship.web.refusals import refusal
from sponsorship.web.responses import file_response, pdf_response

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

#: Delegates listed for one search, newest meetings first.
SEARCH_LIMIT = 50


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Delegate's name"), validators=[Optional(), Length(max=200)])


class EraseForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (kept in the audit trail)"),
        validators=[InputRequired(), Length(max=erasure.MAX_REASON)],
    )


def _search(q: str) -> list:
    if not q:
        return []
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.session.execute(
        sa.select(Delegate, State, Meeting)
        .join(Application, Application.id == Delegate.application_id)
        .join(State, State.id == Application.state_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .where(Delegate.name.ilike(pattern, escape="\\"))
        .order_by(Meeting.starts_on.desc(), Delegate.name)
        .limit(SEARCH_LIMIT)
    ).all()


@bp.get("/")
def index():
    form = SearchForm(request.args)
    found = _search(form.q.data or "") if form.validate() else []
    return render_template(
        "privacy/index.html",
        form=form,
        found=found,
        plan=retention.plan(date.today()),
        days=retention.retention_days(),
        labels=registry.FIELD_LABELS,
    )


@bp.get("/delegates/<int:delegate_id>")
def delegate(delegate_id: int):
    d = db.get_or_404(Delegate, delegate_id)
    return render_template(
        "privacy/delegate.html",
        d=d,
        held=registry.count(registry.Scope.delegate(d.id)),
        labels=registry.FIELD_LABELS,
    )


def _exported(d: Delegate, fmt: str) -> dict:
    with unit_of_work():
        record(current_user, "privacy.export", d, after={"format": fmt})
    return subject.export(db.session.get(Delegate, d.id))


@bp.get("/delegates/<int:delegate_id>/export.json")
def export_json(delegate_id: int):
    d = db.get_or_404(Delegate, delegate_id)
    data = _exported(d, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return file_response(body, "application/json", f"delegate-{d.id}.json")


@bp.get("/delegates/<int:delegate_id>/export.pdf")
def export_pdf(delegate_id: int):
    from sponsorship.reporting.pdf import report_pdf

    d = db.get_or_404(Delegate, delegate_id)
    data = _exported(d, "pdf")
    pdf = report_pdf("privacy/export_pdf.html", data=data, labels=registry.FIELD_LABELS)
    return pdf_response(pdf, f"delegate-{d.id}.pdf")


@bp.route("/delegates/<int:delegate_id>/erase", methods=["GET", "POST"])
def erase(delegate_id: int):
    d = db.get_or_404(Delegate, delegate_id)
    form = EraseForm()
    held = registry.count(registry.Scope.delegate(d.id))
    if form.validate_on_submit():
        with refusal(form.reason) as outcome:
            counts = erasure.erase(d, current_user, form.reason.data)
        if not outcome.refused:
            flash(
                _("The personal data was erased: %(count)s values.", count=sum(counts.values())),
                "success",
            )
            return redirect(url_for(".delegate", delegate_id=delegate_id))
    status = 422 if form.errors else 200
    return render_template(
        "privacy/erase.html", d=d, form=form, held=held, labels=registry.FIELD_LABELS
    ), status
