"""Home, health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text

from sponsorship.extensions import db
from sponsorship.models import Role
from sponsorship.web.forms import LanguageForm
from sponsorship.web.security import safe_next

bp = Blueprint("main", __name__)

DASHBOARDS = {
    Role.APPLICANT: "applicant.dashboard",
    Role.ADMINISTRATOR: "admin.dashboard",
    Role.DONOR: "donor.dashboard",
}


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for(DASHBOARDS[current_user.role]))
    return render_template("main/home.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        current_app.logger.exception("health check: database unreachable")
        database = "error"
        db.session.rollback()
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", database=database), status


@bp.post("/language")
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("main.home"))
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(target)
