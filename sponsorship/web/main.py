"""Home, health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text

from sponsorship import jobs
from sponsorship.accounts import services as accounts
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


@bp.get("/glossary")
def glossary():
    """The programme's terms, each defined once: the pages link their terms here."""
    return render_template("main/glossary.html")


@bp.get("/healthz")
def healthz():
    """503 with the failing part named when the database or the job queue is down.

    The queue is Redis when REDIS_URL is set (it also holds the login rate limits);
    the embedded queue lives in this process and is up whenever this answers. Worker
    processes are counted, not required: a load balancer must not drop a web node
    because the workers, a separate service, are being restarted.
    """
    checks = {"database": _check_database(), **jobs.queue_health()}
    healthy = checks["database"] == "ok" and checks["queue"] in ("ok", "embedded")
    status = 200 if healthy else 503
    response = jsonify(status="ok" if healthy else "error", **checks)
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        current_app.logger.error("health check: database unreachable: %s", error)
        db.session.rollback()
        return "error"
    return "ok"


@bp.post("/language")
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("main.home"))
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            accounts.set_language(current_user, form.lang.data)
    return redirect(target)
